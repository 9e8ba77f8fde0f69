/*
 * In-OS tests: a fault or a panic stops only the core it happens on.
 * Destructive: these stop cores for good, so this suite runs last.
 */
#include "channel.h"
#include "core.h"
#include "ksyms.h"
#include "ktest.h"
#include "panic.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"
#include "xcall.h"

#include <fmt.h>

#define SEC 1000000000ULL

static u64 die_writing_text(u64 addr)
{
	ktrig_write_fatal((void *)addr, 0xCC);
	return 0;
}

static u64 die_in_panic(u64 arg)
{
	panic("deliberate panic for the isolation test (%lu)", arg);
}

static u64 busy_sum(u64 n)
{
	u64 s = 0;
	for (u64 i = 1; i <= n; i++)
		s += i;
	return s;
}

static bool wait_state(int core, u32 state)
{
	u64 end = now_ns() + 20 * SEC;
	while (READ_ONCE(core_status_of(core)->state) != state)
		if (now_ns() > end)
			return false;
	return true;
}

/* Every core still running answers a real piece of work. */
static void others_still_work(struct ktest_ctx *t)
{
	for (int c = 1; c < ncores; c++) {
		if (READ_ONCE(core_status_of(c)->state) != CORE_UP)
			continue;
		u64 r = 0;
		KT_EXPECT_EQ(t, xcall_run(c, busy_sum, 100000, 20 * SEC, &r), 0);
		KT_EXPECT_EQ(t, r, 100000ULL * 100001 / 2);
	}
}

KTEST(isolation, fault_stops_only_that_core, KTEST_DESTRUCTIVE, 2)
{
	int victim = ncores - 1;
	u8 *target = (u8 *)&ksym_lookup;
	u8 before = *target;
	ktest_expect_fault(victim);
	KT_EXPECT_EQ(t, xcall_post(victim, die_writing_text, (u64)target), 0);
	if (!KT_EXPECT(t, wait_state(victim, CORE_FAULTED)))
		return;
	const struct core_status *st = core_status_of(victim);
	KT_EXPECT_EQ(t, st->vector, 14);
	KT_EXPECT_EQ(t, st->rip, (u64)ktrig_write_fatal_insn);
	KT_EXPECT_EQ(t, st->cr2, (u64)target);
	KT_EXPECT_EQ(t, st->error, 3);
	KT_EXPECT_EQ(t, *target, before);
	others_still_work(t);
}

static u64 spawn_server(u64 arg)
{
	(void)arg;
	return (u64)(long)proc_spawn("chantest", "deadpeer-server", &kernel_proc);
}

static u64 pool_free_here(u64 arg)
{
	(void)arg;
	return channel_free_frames();
}

/* A process of core 0 waits on a channel to a server of a core that then
 * faults: the wait ends with EPIPE (not never), and the channel's frame,
 * from core 0's pool, goes back to it. */
KTEST(isolation, channels_to_a_stopped_core_close, KTEST_DESTRUCTIVE, 4)
{
	int victim = ncores - 3;
	u64 pid = 0;
	if (!KT_EXPECT_EQ(t, xcall_run(victim, spawn_server, 0, 10 * SEC, &pid), 0) || !KT_EXPECT(t, (long)pid > 0))
		return;
	u64 pool0 = pool_free_here(0);
	char args[32];
	fmt_snprintf(args, sizeof(args), "deadpeer-client %d", victim);
	int client = proc_spawn("chantest", args, &kernel_proc);
	if (!KT_EXPECT(t, client > 0))
		return;
	sched_sleep_ns(1 * SEC); /* bound and waiting */
	ktest_expect_fault(victim);
	KT_EXPECT_EQ(t, xcall_post(victim, die_writing_text, (u64)&ksym_lookup), 0);
	if (!KT_EXPECT(t, wait_state(victim, CORE_FAULTED)))
		return;
	int status = -1;
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, client, &status, NULL), client);
	KT_EXPECT_EQ(t, status, 0);
	u64 end = now_ns() + 10 * SEC, now;
	while ((now = pool_free_here(0)) != pool0 && now_ns() < end)
		sched_sleep_ns(20000000);
	if (!KT_EXPECT_EQ(t, now, pool0))
		ktest_note(t, "core 0's channel pool: %lu frames free before, %lu after", pool0, now);
	others_still_work(t);
}

KTEST(isolation, panic_stops_only_that_core, KTEST_DESTRUCTIVE, 3)
{
	int victim = ncores - 2;
	ktest_expect_fault(victim);
	KT_EXPECT_EQ(t, xcall_post(victim, die_in_panic, 42), 0);
	KT_EXPECT(t, wait_state(victim, CORE_PANICKED));
	others_still_work(t);
}
