/* In-OS tests: exceptions are recognised and reported with the right facts. */
#include "bootinfo.h"
#include "console.h"
#include "core.h"
#include "errno.h"
#include "kimage.h"
#include "ksyms.h"
#include "ktest.h"
#include "layout.h"
#include "proc.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"
#include "xcall.h"

#include <fmt.h>
#include <string.h>

#define PF_PRESENT 1u
#define PF_WRITE 2u

static const u64 ro_probe = 0x1234;

/* Runs a trigger and checks the recorded fault. */
static void expect_fault(struct ktest_ctx *t, u64 r, u64 count_before, u64 vector, const char *insn,
			 u64 cr2, u64 error)
{
	KT_EXPECT_EQ(t, r, (u64)-EFAULT);
	KT_EXPECT_EQ(t, trap_last_fault.count, count_before + 1);
	KT_EXPECT_EQ(t, trap_last_fault.vector, vector);
	KT_EXPECT_EQ(t, trap_last_fault.rip, (u64)insn);
	KT_EXPECT_EQ(t, trap_last_fault.cr2, cr2);
	KT_EXPECT_EQ(t, trap_last_fault.error, error);
}

KTEST(traps, pf_read_of_stack_guard, KTEST_EVERY_CORE, 1)
{
	u64 guard = kstack_slot_top(STACK_KERNEL) - KSTACK_SIZE - 8;
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_read((void *)guard), n, 14, ktrig_read_insn, guard, 0);
}

KTEST(traps, pf_write_to_kernel_text, KTEST_EVERY_CORE, 1)
{
	u8 *target = (u8 *)&kprintf;
	u8 before = *target;
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_write(target, 0xCC), n, 14, ktrig_write_insn, (u64)target,
		     PF_PRESENT | PF_WRITE);
	KT_EXPECT_EQ(t, *target, before);
}

KTEST(traps, pf_write_to_rodata, KTEST_EVERY_CORE, 1)
{
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_write((void *)&ro_probe, 0), n, 14, ktrig_write_insn, (u64)&ro_probe,
		     PF_PRESENT | PF_WRITE);
	KT_EXPECT_EQ(t, ro_probe, 0x1234);
	n = trap_last_fault.count;
	expect_fault(t, ktrig_write(&bootinfo.ncores, 0), n, 14, ktrig_write_insn, (u64)&bootinfo.ncores,
		     PF_PRESENT | PF_WRITE);
}

KTEST(traps, gp_on_noncanonical_address, KTEST_EVERY_CORE, 1)
{
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_gp(), n, 13, ktrig_gp_insn, 0, 0);
}

KTEST(traps, ud_on_invalid_opcode, KTEST_EVERY_CORE, 1)
{
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_ud(), n, 6, ktrig_ud_insn, 0, 0);
}

KTEST(traps, de_on_divide_by_zero, KTEST_EVERY_CORE, 1)
{
	u64 n = trap_last_fault.count;
	expect_fault(t, ktrig_div0(), n, 0, ktrig_div0_insn, 0, 0);
}

KTEST(traps, report_names_vector_rip_and_cr2, KTEST_EVERY_CORE, 1)
{
	struct trap_frame f;
	memset(&f, 0, sizeof(f));
	f.vector = 14;
	f.error = PF_WRITE;
	f.rip = (u64)ktrig_write_insn + 3;
	f.cs = 0x08;
	char got[256], want[256];
	trap_format(got, sizeof(got), this_core, &f, 0xffffffff80123000ULL);
	fmt_snprintf(want, sizeof(want),
		     "!!! FAULT core %d vector 14 (#PF page fault) error 0x2\n"
		     "    RIP %016lx <ktrig_write+0x3> CR2 ffffffff80123000 kernel mode\n",
		     this_core, f.rip);
	if (!KT_EXPECT(t, strcmp(got, want) == 0))
		ktest_note(t, "got: %s", got);
	f.vector = 6;
	f.error = 0;
	f.cs = 0x23;
	trap_format(got, sizeof(got), this_core, &f, 0);
	KT_EXPECT(t, strstr(got, "vector 6 (#UD invalid opcode) error 0x0") != NULL);
	KT_EXPECT(t, strstr(got, "user mode") != NULL);
}

/* A known call chain for the backtrace: test -> bt_outer -> bt_inner. */
static __attribute__((noinline)) int bt_inner(u64 *out)
{
	u64 rip;
	__asm__ volatile("lea (%%rip), %0" : "=r"(rip));
	int n = backtrace_collect(rip, read_rbp(), out, 16);
	__asm__ volatile("" ::: "memory");
	return n;
}

static __attribute__((noinline)) int bt_outer(u64 *out)
{
	int n = bt_inner(out);
	__asm__ volatile("" ::: "memory");
	return n;
}

KTEST(traps, backtrace_names_the_callers, KTEST_EVERY_CORE, 1)
{
	u64 a[16];
	int n = bt_outer(a);
	const char *want[] = { "bt_inner", "bt_outer", "ktest_fn_traps_backtrace_names_the_callers" };
	KT_EXPECT(t, n >= 3);
	for (int i = 0; i < 3 && i < n; i++) {
		const char *name = ksym_lookup(a[i], NULL);
		if (!KT_EXPECT(t, name && strcmp(name, want[i]) == 0))
			ktest_note(t, "frame %d is %s, expected %s", i, name ? name : "?", want[i]);
	}
}

static u64 nop(u64 arg) { return arg; }

static u64 spawn_spinner(u64 arg)
{
	(void)arg;
	return (u64)(long)proc_spawn("hello", "spin-ac=300 quiet", &kernel_proc);
}

static u64 wait_pid(u64 pid)
{
	int status = -1;
	proc_wait(&kernel_proc, (int)pid, &status, NULL);
	return (u64)(long)status;
}

static u64 ac_entries(u64 arg)
{
	(void)arg;
	return trap_ac_entries;
}

/* A process of core 1 spins with EFLAGS.AC set while core 0 keeps sending
 * it cross-core calls (IPIs): every handler must run with AC clear (the
 * entry's clac), or SMAP would not stop the kernel touching user memory. */
KTEST(traps, interrupts_run_with_ac_clear, 0, 2)
{
	u64 before = 0, pid = 0, after = 0, status = 1;
	KT_EXPECT_EQ(t, xcall_run(1, ac_entries, 0, 10 * 1000000000ULL, &before), 0);
	KT_EXPECT_EQ(t, xcall_run(1, spawn_spinner, 0, 10 * 1000000000ULL, &pid), 0);
	if (!KT_EXPECT(t, (long)pid > 0))
		return;
	u64 end = now_ns() + 400000000ULL, n = 0;
	while (now_ns() < end) {
		u64 r;
		if (xcall_run(1, nop, 1, 1000000000ULL, &r) == 0)
			n++;
	}
	KT_EXPECT_EQ(t, xcall_run(1, wait_pid, pid, 10 * 1000000000ULL, &status), 0);
	KT_EXPECT_EQ(t, status, 0);
	KT_EXPECT_EQ(t, xcall_run(1, ac_entries, 0, 10 * 1000000000ULL, &after), 0);
	KT_EXPECT(t, n > 10);
	if (!KT_EXPECT_EQ(t, after - before, 0))
		ktest_note(t, "%lu interrupt handlers ran with AC set (%lu calls)", after - before, n);
}
