/*
 * bench_ctxsw - context-switch cost in TSC cycles (a benchmark, not a test).
 *
 * Two threads of one process, and two processes, alternate with yield() on
 * one core; the only runnable threads are the pair, so every yield is one
 * switch. Reports the median over several rounds of cycles per switch. Run
 * by `make bench-ctxsw`.
 */
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/wait.h>

#define ROUNDS 7
#define N 20000

static volatile int partner_stop;

static void partner(void *arg)
{
	(void)arg;
	while (!partner_stop)
		sched_yield();
	pika_thread_exit();
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t measure(void)
{
	uint64_t t0 = pika_rdtsc();
	for (int i = 0; i < N; i++)
		sched_yield();
	return (pika_rdtsc() - t0) / (2 * N); /* each yield: there and back */
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++)
			sched_yield();
		return 0;
	}
	uint64_t thr[ROUNDS], proc[ROUNDS], self[ROUNDS];
	for (int r = 0; r < ROUNDS; r++) {
		self[r] = measure() * 2; /* nobody else runnable: the cost of a yield that stays */
		partner_stop = 0;
		if (pika_thread_create(partner, NULL) < 0) {
			perror("bench_ctxsw: thread");
			return 1;
		}
		sched_yield();
		thr[r] = measure();
		partner_stop = 1;
		sched_yield();
		sched_yield();

		char arg[32];
		snprintf(arg, sizeof(arg), "child %d", N + 2);
		pid_t pid = pika_spawn("bench_ctxsw", arg, PIKA_CORE_SELF);
		if (pid < 0) {
			perror("bench_ctxsw: spawn");
			return 1;
		}
		sched_yield();
		proc[r] = measure();
		int st;
		waitpid(pid, &st, 0);
	}
	qsort(thr, ROUNDS, sizeof(thr[0]), cmp);
	qsort(proc, ROUNDS, sizeof(proc[0]), cmp);
	qsort(self, ROUNDS, sizeof(self[0]), cmp);
	printf("bench_ctxsw: yield with nobody else runnable: %lu cycles (median of %d)\n",
	       (unsigned long)self[ROUNDS / 2], ROUNDS);
	printf("bench_ctxsw: thread -> thread switch: %lu cycles (median; min %lu, max %lu)\n",
	       (unsigned long)thr[ROUNDS / 2], (unsigned long)thr[0], (unsigned long)thr[ROUNDS - 1]);
	printf("bench_ctxsw: process -> process switch: %lu cycles (median; min %lu, max %lu)\n",
	       (unsigned long)proc[ROUNDS / 2], (unsigned long)proc[0], (unsigned long)proc[ROUNDS - 1]);
	printf("bench_ctxsw: done\n");
	return 0;
}
