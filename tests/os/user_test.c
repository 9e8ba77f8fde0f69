/*
 * In-OS tests: user processes. Each test starts boot-module programs
 * In-OS tests: user processes. Each test starts boot-module programs (from user/)
 */
#include "bootinfo.h"
#include "core.h"
#include "layout.h"
#include "errno.h"
#include "ktest.h"
#include "mem.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "timer.h"
#include "uvm.h"
#include "xcall.h"
#include "console.h"

#include <fmt.h>
#include <string.h>

#define SIGSEGV 11
#define SIGILL 4
#define SIGFPE 8

static u64 flood_here(u64 ms)
{
	char args[32];
	fmt_snprintf(args, sizeof(args), "quiet flood=%lu", ms);
	int pid = proc_spawn("hello", args, &kernel_proc);
	if (pid < 0)
		return (u64)(long)pid;
	int status = -1;
	proc_wait(&kernel_proc, pid, &status, NULL);
	return (u64)(long)status;
}

static void sort_u64(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

/* A process of core 1 prints as fast as it can for 1 s: past its console
 * budget its bytes are dropped (counted), so core 0's own lines, which
 * wait for the same line lock, keep coming on time. */
KTEST(user, console_flood_keeps_other_cores_on_time, 0, 2)
{
	if (!KT_EXPECT_EQ(t, xcall_post(1, flood_here, 1000), 0))
		return;
	sched_sleep_ns(300000000ULL); /* past the flooder's first burst */
	enum { N = 30 };
	u64 took[N];
	for (int i = 0; i < N; i++) {
		u64 a = now_ns();
		kprintf("# console probe %d of %d while core 1 floods\n", i + 1, N);
		took[i] = now_ns() - a;
		sched_sleep_ns(10000000ULL);
	}
	u64 r = 1;
	KT_EXPECT_EQ(t, xcall_wait(1, 30ULL * 1000000000ULL, &r), 0);
	KT_EXPECT_EQ(t, r, 0);
	sort_u64(took, N);
	if (!KT_EXPECT(t, took[N / 2] < 1000000 && took[N - 1] < 20000000))
		ktest_note(t, "a line took %lu us (median), %lu us (max)", took[N / 2] / 1000, took[N - 1] / 1000);
}

/* The core's free frames plus those that live processes hold (their
 * address spaces: what uvm_destroy would free). A server that keeps a
 * larger heap after serving a test holds it; it has not leaked it. */
static u64 frames_accounted(void)
{
	u64 n = core_frames.nfree;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_ALIVE && p->pml4 && p != &kernel_proc)
			n += uvm_frames(p->pml4);
	}
	return n;
}

/* Every frame of the core is back, free or with a process still alive.
 * The monitor frees an ended process's monitor channel (from the core's
 * frames) a moment after the exit: wait up to 2 s for it. */
static void frames_return(struct ktest_ctx *t, u64 frames)
{
	u64 end = now_ns() + 2000000000ULL;
	while (frames_accounted() != frames && now_ns() < end)
		sched_sleep_ns(5000000);
	KT_EXPECT_EQ(t, frames_accounted(), frames);
}

/* Spawns prog on this core as a kernel child and waits for it. */
static int run(struct ktest_ctx *t, const char *prog, const char *args, int *status,
	       struct pika_exit_info *info)
{
	int pid = proc_spawn(prog, args, &kernel_proc);
	if (!KT_EXPECT(t, pid > 0)) {
		ktest_note(t, "spawn %s: %d", prog, pid);
		return pid;
	}
	int r = proc_wait(&kernel_proc, pid, status, info);
	KT_EXPECT_EQ(t, r, pid);
	return pid;
}

KTEST(user, exit_status_reaches_the_parent, KTEST_EVERY_CORE, 1)
{
	char args[32];
	fmt_snprintf(args, sizeof(args), "exit=%d", 40 + this_core);
	int status = -1;
	struct pika_exit_info info;
	int pid = run(t, "hello", args, &status, &info);
	KT_EXPECT_EQ(t, pid / 1000000, this_core);
	KT_EXPECT_EQ(t, status, (40 + this_core) << 8); /* 99 would mean the write failed */
	KT_EXPECT_EQ(t, info.code, 40 + this_core);
	KT_EXPECT_EQ(t, info.vector, -1);
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, -1, NULL, NULL), -ECHILD);
}

KTEST(user, missing_or_bad_programs_are_refused, KTEST_EVERY_CORE, 1)
{
	KT_EXPECT_EQ(t, proc_spawn("no-such-program", NULL, &kernel_proc), -ENOENT);
	KT_EXPECT_EQ(t, proc_spawn("hell", NULL, &kernel_proc), -ENOENT); /* a prefix is not a name */
}

/* 16 processes per core at once (64 on 4 cores), and every frame comes back. */
KTEST(user, many_processes_leave_no_trace, KTEST_EVERY_CORE, 1)
{
	u64 frames = frames_accounted();
	int procs = proc_count();
	int pids[16];
	for (int i = 0; i < 16; i++) {
		char args[32];
		fmt_snprintf(args, sizeof(args), "quiet exit=%d sleep=%d", i + 1, 10 + i % 4);
		pids[i] = proc_spawn("hello", args, &kernel_proc);
		KT_EXPECT(t, pids[i] > 0);
	}
	int seen = 0;
	for (int i = 0; i < 16; i++) {
		int status = -1;
		int pid = proc_wait(&kernel_proc, -1, &status, NULL);
		for (int j = 0; j < 16; j++)
			if (pids[j] == pid) {
				KT_EXPECT_EQ(t, status, (j + 1) << 8);
				seen |= 1 << j;
			}
	}
	KT_EXPECT_EQ(t, seen, 0xffff);
	KT_EXPECT_EQ(t, proc_count(), procs);
	frames_return(t, frames);
}

struct crash_case {
	const char *args;
	int vector, signal;
	u64 addr;       /* expected CR2 (page faults), 0 = not checked */
	u64 error;      /* expected error code, ~0 = not checked */
};

KTEST(user, faults_kill_only_the_process, KTEST_EVERY_CORE, 1)
{
	/* a kernel address mapped on every core: the board in the channel pool */
	static char kread[48];
	u64 kaddr = DIRECT_MAP + bootinfo.kshared_phys;
	fmt_snprintf(kread, sizeof(kread), "kread %#lx", kaddr);
	const struct crash_case cases[] = {
		{ "kwrite", 14, SIGSEGV, 0xffffffff80101000UL, 7 },  /* present, write, user */
		{ kread, 14, SIGSEGV, kaddr, 5 },                    /* present, read, user */
		{ "other 0x100040000000", 14, SIGSEGV, 0x100040000000UL, 6 }, /* not present, write */
		{ "nx", 14, SIGSEGV, 0, 0x15 },                      /* present, user, instruction fetch */
		{ "null", 14, SIGSEGV, 0, 0x14 },                    /* not present fetch at 0 */
		{ "div0", 0, SIGFPE, 0, 0 },
		{ "ud", 6, SIGILL, 0, 0 },
		{ "gp", 13, SIGSEGV, 0, 0 },
		{ "overflow", 14, SIGSEGV, 0, ~0UL },
	};
	u64 frames = frames_accounted();
	/* Bystanders on the same core: a sleeper, and a process owning the
	 * memory "other" writes to, which checks its pattern afterwards. */
	int sleeper = proc_spawn("hello", "quiet sleep=300 exit=5", &kernel_proc);
	int mapper = proc_spawn("crash", "mapper 0x100040000000", &kernel_proc);
	KT_EXPECT(t, sleeper > 0 && mapper > 0);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct crash_case *c = &cases[i];
		int status = -1;
		struct pika_exit_info info;
		memset(&info, 0, sizeof(info));
		run(t, "crash", c->args, &status, &info);
		bool ok = KT_EXPECT_EQ(t, status, c->signal);
		ok = KT_EXPECT_EQ(t, info.vector, c->vector) && ok;
		if (!ok)
			ktest_note(t, "crash %s", c->args);
		KT_EXPECT_EQ(t, info.code, -1);
		if (strcmp(c->args, "null") == 0)
			KT_EXPECT_EQ(t, info.rip, 0); /* it died fetching from address 0 */
		else
			KT_EXPECT(t, info.rip >= 0x400000 && info.rip < 0x800000000000UL);
		if (c->addr)
			KT_EXPECT_EQ(t, info.addr, c->addr);
		if (c->error != ~0UL)
			KT_EXPECT_EQ(t, info.error, c->error);
		if (strcmp(c->args, "nx") == 0)
			KT_EXPECT_EQ(t, info.rip, info.addr); /* it died fetching the data it jumped to */
	}
	int status = -1;
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, mapper, &status, NULL), mapper);
	KT_EXPECT_EQ(t, status, 0); /* its memory was untouched */
	KT_EXPECT_EQ(t, proc_wait(&kernel_proc, sleeper, &status, NULL), sleeper);
	KT_EXPECT_EQ(t, status, 5 << 8);
	frames_return(t, frames);
}

KTEST(user, syscall_fuzz_never_faults_the_kernel, KTEST_EVERY_CORE, 1)
{
	char args[48];
	fmt_snprintf(args, sizeof(args), "seed=%d n=12000", 1000 + this_core);
	u64 frames = frames_accounted();
	int status = -1;
	struct pika_exit_info info;
	run(t, "sysfuzz", args, &status, &info);
	if (!KT_EXPECT_EQ(t, status, 0))
		ktest_note(t, "sysfuzz died: vector %d at %#lx addr %#lx", info.vector, info.rip, info.addr);
	/* children it may have spawned by chance are detached or reaped */
	while (proc_wait(&kernel_proc, -1, NULL, NULL) > 0)
		;
	frames_return(t, frames);
}

KTEST(user, libc, 0, 1)
{
	int status = -1;
	run(t, "ulibc", "2", &status, NULL);
	KT_EXPECT_EQ(t, status, 0);
}
