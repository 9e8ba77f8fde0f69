/*
 * In-OS tests: channels, monitors and per-core services, driven through the
 * user programs chantest, kvd and kvtest (user/). Programs are started on
 * each core through cross-core calls and waited for there.
 */
#include "channel.h"
#include "core.h"
#include "errno.h"
#include "event.h"
#include "ktest.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "xcall.h"

#include <fmt.h>
#include <string.h>

#define SEC 1000000000ULL

struct job {
	char prog[32];
	char args[200];
	bool wait;
};

/* On the core it runs on: start the program, wait for it if asked; returns
 * the wait status (or the pid), or a negative errno. */
static u64 run_job(u64 payload)
{
	struct job j;
	memcpy(&j, (const void *)payload, sizeof(j));
	int pid = proc_spawn(j.prog, j.args, &kernel_proc);
	if (pid < 0 || !j.wait)
		return (u64)(long)pid;
	int status = -1;
	proc_wait(&kernel_proc, pid, &status, NULL);
	return (u64)(long)status;
}

/* Runs prog on every core listed in mask (core 0 last, in this thread) and
 * checks every wait status is 0. */
static void run_on_cores(struct ktest_ctx *t, u64 mask, const char *prog, const char *args, u64 timeout)
{
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, prog, sizeof(j.prog));
	strlcpy(j.args, args, sizeof(j.args));
	j.wait = true;
	for (int c = 1; c < ncores; c++)
		if (mask & (1UL << c))
			KT_EXPECT_EQ(t, xcall_post_payload(c, run_job, &j, sizeof(j)), 0);
	if (mask & 1)
		KT_EXPECT_EQ(t, run_job((u64)&j), 0);
	for (int c = 1; c < ncores; c++)
		if (mask & (1UL << c)) {
			u64 r = 1;
			KT_EXPECT_EQ(t, xcall_wait(c, timeout, &r), 0);
			if (!KT_EXPECT_EQ(t, r, 0))
				ktest_note(t, "%s %s on core %d ended with status %#lx", prog, args, c, r);
		}
}

static u64 pool_free(u64 arg)
{
	(void)arg;
	return channel_free_frames();
}

/* Every core's pool is back to `before` within 20 s (the monitors release
 * frames after the processes are gone, asynchronously). */
static void pools_return(struct ktest_ctx *t, const u64 *before)
{
	u64 end = now_ns() + 20 * SEC;
	for (int c = 0; c < ncores; c++) {
		u64 now = 0;
		do {
			if (c == this_core)
				now = pool_free(0);
			else
				xcall_run(c, pool_free, 0, 10 * SEC, &now);
			if (now != before[c])
				sched_sleep_ns(20000000);
		} while (now != before[c] && now_ns() < end);
		if (!KT_EXPECT_EQ(t, now, before[c]))
			ktest_note(t, "core %d channel pool: %lu free before, %lu after", c, before[c], now);
	}
}

static void pools_now(u64 *out)
{
	for (int c = 0; c < ncores; c++) {
		out[c] = c == this_core ? pool_free(0) : 0;
		if (c != this_core)
			xcall_run(c, pool_free, 0, 10 * SEC, &out[c]);
	}
}

static u64 all_cores(void) { return ncores >= 64 ? ~0UL : (1UL << ncores) - 1; }

KTEST(chan, a_million_messages_between_every_pair, 0, 2)
{
	u64 before[MAX_CORES];
	pools_now(before);
	run_on_cores(t, all_cores(), "chantest", "mesh 1000000", 600 * SEC);
	pools_return(t, before);
}

KTEST(chan, no_lost_wakeups, 0, 2)
{
	u64 before[MAX_CORES];
	pools_now(before);
	run_on_cores(t, 1, "chantest", "sleepy-recv 100000", 300 * SEC);
	pools_return(t, before);
}

/* A process rewrites the header of a channel it holds (user/chantest.c,
 * header-lies): the kernel unmaps and frees by its own facts, so the next
 * channel keeps working and the pool comes back whole. */
KTEST(chan, a_rewritten_header_changes_nothing, 0, 1)
{
	u64 before[MAX_CORES];
	pools_now(before);
	run_on_cores(t, 1, "chantest", "header-lies", 60 * SEC);
	pools_return(t, before);
}

/* A message to a sleeping server wakes exactly that server (user/chantest.c,
 * wakecount), on the last core. */
KTEST(chan, wakeups_name_their_process, 0, 1)
{
	run_on_cores(t, 1UL << (ncores - 1), "chantest", "wakecount", 60 * SEC);
}

/* No periodic tick: the last core runs only an idle server (asleep with a
 * deadline 3 s away) and its idle monitor; from 0.5 s to 1.5 s it must take
 * no timer interrupt at all. Core 0 reads the count the core keeps in its
 * status line. */
KTEST(chan, idle_core_takes_no_timer_interrupt, 0, 2)
{
	int core = ncores - 1;
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, "chantest", sizeof(j.prog));
	strlcpy(j.args, "idle 3", sizeof(j.args));
	j.wait = true;
	if (!KT_EXPECT_EQ(t, xcall_post_payload(core, run_job, &j, sizeof(j)), 0))
		return;
	sched_sleep_ns(500000000ULL);
	u64 before = READ_ONCE(core_status_of(core)->timer_irqs);
	sched_sleep_ns(1000000000ULL);
	u64 after = READ_ONCE(core_status_of(core)->timer_irqs);
	if (!KT_EXPECT_EQ(t, after - before, 0))
		ktest_note(t, "core %d took %lu timer interrupts in 1 s with only an idle server", core, after - before);
	u64 r = 1;
	KT_EXPECT_EQ(t, xcall_wait(core, 60 * SEC, &r), 0);
	KT_EXPECT_EQ(t, r, 0);
}

/* A process of core 1 names kv@0 as fast as it can for 500 ms: names
 * pending already are not written again and at most one IPI goes to a core
 * per 20 us, so core 0 takes at most ~25,000 of them, not one per call,
 * and keeps its timing (its 3 ms sleeps end within 4.5 ms, median). */
KTEST(chan, a_wakeup_flood_costs_little, 0, 2)
{
	u64 pools[MAX_CORES];
	pools_now(pools);
	int kvd = proc_spawn("kvd", NULL, &kernel_proc);
	if (!KT_EXPECT(t, kvd > 0))
		return;
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, "chantest", sizeof(j.prog));
	strlcpy(j.args, "wakeflood 0 500", sizeof(j.args));
	j.wait = true;
	u64 ipis0 = event_stats.ipis_received;
	KT_EXPECT_EQ(t, xcall_post_payload(1, run_job, &j, sizeof(j)), 0);
	sched_sleep_ns(100000000ULL); /* bound, flooding */
	enum { N = 21 };
	u64 took[N];
	for (int i = 0; i < N; i++) {
		u64 a = now_ns();
		sched_sleep_ns(3000000);
		took[i] = now_ns() - a;
	}
	for (int i = 1; i < N; i++)
		for (int k = i; k > 0 && took[k - 1] > took[k]; k--) {
			u64 x = took[k];
			took[k] = took[k - 1];
			took[k - 1] = x;
		}
	u64 r = 1;
	KT_EXPECT_EQ(t, xcall_wait(1, 60 * SEC, &r), 0);
	KT_EXPECT_EQ(t, r, 0);
	int status = -1;
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, kvd, &status, NULL), kvd);
	u64 ipis = event_stats.ipis_received - ipis0;
	ktest_note(t, "core 0 took %lu IPIs during the flood; 3 ms sleeps: median %lu us", ipis, took[N / 2] / 1000);
	KT_EXPECT(t, took[N / 2] <= 4500000);
	KT_EXPECT(t, ipis <= 30000); /* 0.6 s at one per 20 us at most */
	/* the flooder's channel to kv@0 is freed by core 1's monitor after both
	 * ends closed, asynchronously: wait for it here, or the next test's
	 * snapshot of the pools races with that free */
	pools_return(t, pools);
}

KTEST(chan, peer_exit_gives_epipe_and_frees_the_frame, 0, 1)
{
	u64 before[MAX_CORES];
	pools_now(before);
	run_on_cores(t, 1, "chantest", "exitpeer", 120 * SEC);
	pools_return(t, before);
}

/* Names registered, found and removed on every core; also the monitor's
 * handling of requests of several messages (too long, abandoned). */
KTEST(chan, name_service_across_cores, 0, 1)
{
	run_on_cores(t, all_cores(), "chantest", "names", 120 * SEC);
}

KTEST(chan, kv_service_on_every_core, 0, 1)
{
	u64 before[MAX_CORES];
	pools_now(before);
	/* kvd on every core (waited for where it runs, after kvtest ends it) */
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, "kvd", sizeof(j.prog));
	j.wait = true;
	for (int c = 1; c < ncores; c++)
		KT_EXPECT_EQ(t, xcall_post_payload(c, run_job, &j, sizeof(j)), 0);
	int kvd0 = proc_spawn("kvd", NULL, &kernel_proc);
	KT_EXPECT(t, kvd0 > 0);
	int status = -1;
	int pid = proc_spawn("kvtest", "2", &kernel_proc);
	KT_EXPECT(t, pid > 0);
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, pid, &status, NULL), pid);
	KT_EXPECT_EQ(t, status, 0);
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, kvd0, &status, NULL), kvd0);
	KT_EXPECT_EQ(t, status, 0);
	for (int c = 1; c < ncores; c++) {
		u64 r = 1;
		KT_EXPECT_EQ(t, xcall_wait(c, 60 * SEC, &r), 0);
		KT_EXPECT_EQ(t, r, 0);
	}
	pools_return(t, before);
}
