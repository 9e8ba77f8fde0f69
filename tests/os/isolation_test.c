/*
 * In-OS tests: a fault or a panic stops only the core it happens on.
 * Destructive: these stop cores for good, so this suite runs last.
 */
#include "core.h"
#include "ksyms.h"
#include "ktest.h"
#include "panic.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"
#include "xcall.h"

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

KTEST(isolation, panic_stops_only_that_core, KTEST_DESTRUCTIVE, 3)
{
	int victim = ncores - 2;
	ktest_expect_fault(victim);
	KT_EXPECT_EQ(t, xcall_post(victim, die_in_panic, 42), 0);
	KT_EXPECT(t, wait_state(victim, CORE_PANICKED));
	others_still_work(t);
}
