/*
 * bench_chan - channel latency and throughput next to a raw cache-line
 * ping-pong between the same two cores, plus the microthread cost
 * (a benchmark, not a test; run by `make bench-channels`).
 *
 *   bench_chan            on core 0: runs everything, printing TSC cycles
 *   bench_chan partner C  the other end, started by the first on core C
 *
 * Raw ping-pong: each side spins on one word the other writes (two cache
 * lines bouncing), the floor for any cross-core message. Channel round
 * trip: one message each way through chan_send/chan_recv with polling.
 * Medians and 99th percentiles over ROUNDS round trips.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <pikaos/mthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ROUNDS 20000
#define STREAM 200000
#define SEC 1000000000ULL

enum { T_PING = 1, T_DONE, T_STREAM_END };

static volatile uint64_t *raw_mine, *raw_theirs;

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t samples[ROUNDS];
static void report(const char *what, uint64_t *s, int n, uint64_t *median)
{
	qsort(s, (size_t)n, sizeof(s[0]), cmp);
	*median = s[n / 2];
	printf("bench_chan: %-34s median %6lu  p99 %6lu cycles\n", what, (unsigned long)s[n / 2],
	       (unsigned long)s[n * 99 / 100]);
}

static void spin_recv(struct chan *c, struct chan_msg *m)
{
	while (chan_recv(c, m) != 0)
		__builtin_ia32_pause();
}

static void spin_send(struct chan *c, const struct chan_msg *m)
{
	while (chan_send(c, m) != 0)
		__builtin_ia32_pause();
}

static void raw_lines(struct chan *c)
{
	raw_mine = &c->f->ring[c->end][0].w[0];
	raw_theirs = &c->f->ring[1 - c->end][0].w[0];
}

static int partner(int target)
{
	struct chan c;
	int e = -ENOENT;
	for (int i = 0; i < 400 && e == -ENOENT; i++)
		if ((e = mon_bind("bench", target, &c)) == -ENOENT)
			usleep(20000);
	if (e)
		return 1;
	int same = pika_getcore() == target;
	raw_lines(&c);
	if (!same) /* raw ping-pong: echo each value */
		for (uint64_t i = 1; i <= ROUNDS; i++) {
			while (*raw_theirs != i)
				__builtin_ia32_pause();
			*raw_mine = i;
		}
	struct chan_msg m;
	for (;;) { /* echo pings; count streams */
		if (same ? chan_recv_wait(&c, &m, 60 * SEC) : (spin_recv(&c, &m), 0))
			return 1;
		if (chan_msg_type(&m) == T_DONE)
			break;
		if (chan_msg_type(&m) == T_PING) {
			if (same)
				chan_send_wait(&c, &m, 60 * SEC);
			else
				spin_send(&c, &m);
		}
	}
	for (int batched = 0; batched < 2; batched++) {
		struct chan_msg in[16];
		uint64_t got = 0;
		while (got < STREAM) {
			int r = batched ? chan_recv_n_wait(&c, in, 16, 60 * SEC) : (chan_recv_wait(&c, in, 60 * SEC) ? -1 : 1);
			if (r <= 0)
				return 1;
			got += (uint64_t)r;
		}
		msg_init(&m, T_STREAM_END, 0, 0, 0);
		chan_send_wait(&c, &m, 60 * SEC);
	}
	pika_chan_close(&c);
	return 0;
}

static void noop(void *arg) { (void)arg; }

static void run_pair(int other)
{
	int same = other == pika_getcore();
	char args[32];
	snprintf(args, sizeof(args), "bench_chan partner %d", pika_getcore());
	if (mon_spawn(args, other) < 0) {
		printf("bench_chan: cannot start the partner on core %d\n", other);
		return;
	}
	struct mon_notification n;
	while (!mon_next_notification(&n) || n.type != MON_NEW_CHAN)
		usleep(1000);
	struct chan c;
	pika_chan_attach(&c, (void *)n.bind.va, (int)n.bind.end);
	raw_lines(&c);
	uint64_t raw_med = 0, chan_med = 0;
	printf("bench_chan: --- %s core (0 <-> %d) ---\n", same ? "same" : "cross", other);
	if (!same) {
		for (uint64_t i = 1; i <= ROUNDS; i++) {
			uint64_t t0 = pika_rdtsc();
			*raw_mine = i;
			while (*raw_theirs != i)
				__builtin_ia32_pause();
			samples[i - 1] = pika_rdtsc() - t0;
		}
		report("raw cache-line ping-pong round trip", samples, ROUNDS, &raw_med);
		*raw_mine = 0;
	}
	struct chan_msg m;
	for (int i = 0; i < ROUNDS; i++) {
		msg_init(&m, T_PING, 0, (uint32_t)i, 0);
		uint64_t t0 = pika_rdtsc();
		if (same) {
			chan_send_wait(&c, &m, 60 * SEC);
			chan_recv_wait(&c, &m, 60 * SEC);
		} else {
			spin_send(&c, &m);
			spin_recv(&c, &m);
		}
		samples[i] = pika_rdtsc() - t0;
	}
	report(same ? "channel round trip (blocking)" : "channel round trip", samples, ROUNDS, &chan_med);
	if (!same && raw_med)
		printf("bench_chan: channel/raw round trip ratio %.2f (goal <= 1.5)\n", (double)chan_med / (double)raw_med);
	msg_init(&m, T_DONE, 0, 0, 0);
	chan_send_wait(&c, &m, 60 * SEC);
	for (int batched = 0; batched < 2; batched++) {
		struct chan_msg out[16];
		memset(out, 0, sizeof(out));
		uint64_t t0 = pika_clock_ns();
		for (uint64_t sent = 0; sent < STREAM;) {
			int k = batched ? 16 : 1;
			sent += (uint64_t)chan_send_n_wait(&c, out, k, 60 * SEC);
		}
		chan_recv_wait(&c, &m, 60 * SEC); /* the partner has read them all */
		double s = (double)(pika_clock_ns() - t0) / 1e9;
		printf("bench_chan: one-way %s: %.0f messages/s\n", batched ? "batched (16)" : "unbatched   ",
		       (double)STREAM / s);
	}
	pika_chan_close(&c);
}

int main(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[1], "partner") == 0)
		return partner(atoi(argv[2]));
	if (mon_register("bench"))
		return 1;
	/* a microthread that runs to completion without yielding */
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = pika_rdtsc();
		for (int k = 0; k < 16; k++)
			mthread_run(mthread_create(noop, NULL));
		samples[r] = (pika_rdtsc() - t0) / 16;
	}
	uint64_t med;
	report("microthread create+run (no yield)", samples, ROUNDS, &med);
	if (pika_ncores() > 1)
		run_pair(1);
	run_pair(pika_getcore());
	printf("bench_chan: done\n");
	return 0;
}
