/*
 * syscall.c - the system calls.
 *
 * Contract of every call (numbers in libc/include/pikaos/syscall.h): the
 * result is >= 0 or a negative errno; pointers are checked by uaccess.c, so a
 * bad pointer yields -EFAULT and never a kernel fault; sizes are bounded.
 *
 *  nr name           arguments                       result / errors
 *   0 exit           code                            does not return
 *   1 write          fd, buf, len                    len; -EBADF (fd not 1/2), -EFAULT; past a
 *                                                    budget of 64 KiB, refilled at 16 KiB/s, the
 *                                                    bytes are dropped (counted, said once)
 *   2 getpid         -                               pid
 *   3 getcore        -                               core number
 *   4 yield          -                               0
 *   5 nanosleep      ns                              0 (sleeps >= ns; a one-shot timer)
 *   6 clock          clock id                        ns; -EINVAL for an unknown clock
 *   7 mmap           hint, len, prot                 address; -EINVAL (len 0, > 1 GiB, bad prot),
 *                                                    -ENOMEM (also past the process's share:
 *                                                    PROC_FRAMES_MAX, PROC_MAPS_MAX); anonymous, zeroed
 *   8 munmap         addr, len                       0; -EINVAL unless every page came from mmap
 *   9 spawn          prog, args, core                pid; -ENOENT (no such module), -EFAULT,
 *                                                    -E2BIG (name >= 32 or args >= 256 bytes),
 *                                                    -EINVAL (bad core), -ENOMEM, -EAGAIN; on
 *                                                    another core -EPERM without PIKA_CAP_SPAWN_ANY
 *                                                    (ask that core's monitor: mon_spawn)
 *  10 wait           pid (<= 0: any), *status, *info pid; -ECHILD, -EFAULT
 *  11 thread_create  fn, stack_top, arg, fs_base     tid; -EINVAL (stack), -ENOMEM, -EAGAIN (a process
 *                                                    has at most PROC_THREADS_MAX threads)
 *  12 thread_exit    -                               does not return (the last thread exits the process)
 *  13 set_fs         base                            0; -EINVAL for a non-user address
 *  14 cmdline        buf, len                        length of the kernel command line; -EFAULT
 *  15 getppid        -                               parent pid, 0 when detached
 *  16 ncores         -                               number of cores
 *  17 gettid         -                               thread id
 *  18 frames         -                               free frames on the caller's core
 *  19 event_prepare  -                               token (the process's event generation)
 *  20 event_wait     token, timeout_ns               0 when woken or the token is stale, -ETIMEDOUT
 *                                                    (the deadline is exact: a one-shot timer)
 *  21 chan_wake      address                         0: names the holder of the channel's other end;
 *                                                    -EINVAL (not a channel of the caller)
 *  22 chan_create    pages, flags                    channel id: the rings and pages - 1 of data area
 *                                                    (<= PIKA_CHAN_MAX_PAGES; PIKA_CHAN_LOCAL: from
 *                                                    the core's memory, <= PIKA_CHAN_LOCAL_MAX_PAGES);
 *                                                    -EPERM, -EINVAL, -ENOMEM
 *  23 chan_grant     *struct pika_chan_grant         address in pid (0 for PIKA_GRANT_REMOTE); -EPERM,
 *                                                    -EINVAL, -EBUSY (end taken or closed), -ENOSPC
 *  24 chan_close     address                         0; -EINVAL (not a channel of the caller)
 *  25 chan_free      id, ends closed elsewhere       0; -EPERM, -EINVAL, -EBUSY (an end still open)
 *  26 kevents        buf, n                          notices taken; -EPERM (not the monitor), -EFAULT
 *  27 monitor_connect timeout_ns                     address of the caller's monitor channel;
 *                                                    -ENOSYS (no monitor), -ETIMEDOUT
 *  28 proc_list      buf, n                          processes on this core (struct pika_proc_info)
 *  29 console_read   buf, n                          bytes typed on the serial line (blocks);
 *                                                    -ENODEV except on core 0
 *  30 stats          buf                             0: struct pika_core_stats of this core
 *  31 dev_list       buf, n                          PCI functions (struct pika_pci_dev); -EFAULT
 *  32 dev_grant      pid, dev                        0; -EPERM (not the monitor), -EINVAL
 *  33 dev_map        dev, bar, offset, len           address of that part of a memory BAR (uncached);
 *                                                    -EPERM (not granted), -EINVAL (outside the BAR)
 *  34 dev_ctl        dev, op                         0; -EPERM, -EINVAL, -ENODEV (no MSI-X),
 *                                                    -EPERM too without ECAM off core 0
 *  35 dma_alloc      len, *phys                      address of zeroed contiguous memory (<= 64 MiB),
 *                                                    its physical address in *phys; -EPERM (no
 *                                                    device granted), -EINVAL, -ENOMEM, -EFAULT
 *  36 irq_attach     dev, msix entry                 vector: the entry now interrupts this core,
 *                                                    as an event wake-up; -EPERM, -EINVAL, -ENOSPC
 *  37 irq_list       buf, n                          interrupts attached on this core with counts
 *  38 module_read    name, off, buf, n               bytes of boot module name from off (0 past the
 *                                                    end); n 0: its size; -ENOENT, -EINVAL, -EFAULT
 *  39 poweroff       status (0..127)                 does not return; -EPERM except on core 0 with
 *                                                    PIKA_CAP_POWEROFF (or the monitor)
 *  40 chan_info      address, *struct pika_chan_info 0; -EINVAL (not a channel of the caller), -EFAULT
 *  41 cap_grant      pid, caps                       0; -EPERM (not the monitor), -EINVAL
 *  42 kill           pid, sig (1..126)               0: pid ends at its next return to user mode
 *                                                    with status sig; -EPERM (caller not the
 *                                                    monitor, or pid a monitor), -EINVAL
 * Anything else returns -ENOSYS.
 *
 * spawn on another core runs there through a cross-core call; the child is
 * detached (only children on the caller's core can be waited for).
 */
#include "syscall.h"
#include "bootinfo.h"
#include "channel.h"
#include "console.h"
#include "core.h"
#include "dev.h"
#include "errno.h"
#include "event.h"
#include "gdt.h"
#include "layout.h"
#include "mem.h"
#include "power.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"
#include "x86.h"
#include "xcall.h"

#include <pikaos/syscall.h>
#include <string.h>

u64 syscall_kstack_top;
static u64 syscall_count, sys_count[SYS_MAX];
static u64 console_dropped;
u64 syscall_user_rsp; /* scratch for the entry stub */

void syscall_entry(void); /* kernel/entry.asm */

#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084

void syscall_init_core(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* syscall: CS = 0x08, SS = 0x10; sysret: SS = 0x10 + 8 (0x1b), CS = 0x10 + 16 (0x23) */
	wrmsr(MSR_STAR, ((u64)0x10 << 48) | ((u64)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18)); /* IF DF TF AC */
}

typedef long (*sys_fn)(u64, u64, u64, u64);

static bool has_cap(const struct proc *p, u32 cap) { return p->monitor || (p->caps & cap) == cap; }

static long sys_exit(u64 code, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	proc_exit((int)((code & 0xff) << 8), NULL);
}

/* The console is one line lock for every core: a process may print in
 * bursts of CONSOLE_BURST bytes, refilled at CONSOLE_RATE bytes/s; what is
 * over is dropped (counted, and said once per burst of drops), so a
 * process printing without end cannot hold other cores at the lock. */
#define CONSOLE_RATE 16384
#define CONSOLE_BURST 65536

static u64 console_budget(struct proc *p, u64 want)
{
	u64 now = now_ns();
	if (!p->con_last)
		p->con_tokens = CONSOLE_BURST;
	else
		p->con_tokens = MIN(CONSOLE_BURST, p->con_tokens + (now - p->con_last) * CONSOLE_RATE / 1000000000ULL);
	p->con_last = now;
	u64 n = MIN(want, p->con_tokens);
	p->con_tokens -= n;
	return n;
}

static long sys_write(u64 fd, u64 buf, u64 len, u64 a3)
{
	(void)a3;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (!uaccess_range_ok(buf, len))
		return -EFAULT;
	struct proc *p = proc_current();
	u64 allowed = console_budget(p, len);
	char chunk[256];
	u64 done = 0;
	while (done < allowed) {
		u64 n = MIN(allowed - done, sizeof(chunk));
		if (copy_from_user(chunk, buf + done, n))
			return done ? (long)done : -EFAULT;
		kprintf("%.*s", (int)n, chunk);
		done += n;
	}
	if (allowed < len) {
		if (!p->con_dropped)
			kprintf("\n[console: output of pid %d (%s) dropped: over %d bytes/s]\n", p->pid, p->name,
				CONSOLE_RATE);
		p->con_dropped += len - allowed;
		console_dropped += len - allowed;
	} else if (p->con_dropped && p->con_tokens >= CONSOLE_BURST / 2) {
		p->con_dropped = 0; /* the budget came back: a new burst of drops is said again */
	}
	console_flush(); /* a process's partial line never merges with another's */
	return (long)len;
}

static long sys_getpid(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return proc_current()->pid;
}

static long sys_getcore(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return this_core;
}

static long sys_yield(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	sched_yield();
	return 0;
}

static long sys_nanosleep(u64 ns, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	if (ns)
		sched_sleep_ns(ns);
	return 0;
}

static long sys_clock(u64 id, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	if (id == PIKA_CLOCK_MONOTONIC)
		return (long)now_ns();
	if (id == PIKA_CLOCK_REALTIME)
		return (long)(bootinfo.boot_epoch_s * 1000000000ULL + now_ns());
	return -EINVAL;
}

#define MMAP_MAX_LEN (1UL << 30)

static long sys_mmap(u64 hint, u64 len, u64 prot, u64 a3)
{
	(void)a3;
	struct proc *p = current->proc;
	if (len == 0 || len > MMAP_MAX_LEN || (prot & ~7UL) || !(prot & PIKA_PROT_READ))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	u64 flags = PTE_MMAP | ((prot & PIKA_PROT_WRITE) ? PTE_W : 0) | ((prot & PIKA_PROT_EXEC) ? 0 : PTE_NX);
	u64 va = 0;
	if (hint && !(hint & (PAGE_SIZE - 1)) && hint >= MMAP_BASE && hint + len <= MMAP_LIMIT &&
	    hint + len > hint && uvm_range_free(p->pml4, hint, len))
		va = hint;
	if (!va) {
		if (p->mmap_next + len > MMAP_LIMIT)
			return -ENOMEM;
		va = p->mmap_next;
		p->mmap_next += len + PAGE_SIZE; /* an unmapped page between regions */
	}
	if (proc_frames_over(p, len / PAGE_SIZE) || p->nmaps >= PROC_MAPS_MAX)
		return -ENOMEM; /* the process's share of the core (PROC_FRAMES_MAX) */
	int e = uvm_map_anon(p->pml4, va, len, flags);
	if (e)
		return e == -EEXIST ? -ENOMEM : e;
	p->frames += len / PAGE_SIZE;
	p->nmaps++;
	return (long)va;
}

static long sys_munmap(u64 addr, u64 len, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	if (len == 0 || len > MMAP_LIMIT)
		return -EINVAL;
	struct proc *p = current->proc;
	len = ALIGN_UP(len, PAGE_SIZE);
	int e = uvm_unmap(p->pml4, addr, len, true);
	if (!e) {
		vm_prune(p->pml4, addr, len, &core_frames); /* mmap_next only grows: no table is reused */
		p->frames -= MIN(p->frames, len / PAGE_SIZE);
		if (p->nmaps)
			p->nmaps--;
	}
	return e;
}

/* Cross-core spawn: runs on the target core in its xcall worker; the names
 * travel in the request line's payload (shared channel-pool memory). */
struct spawn_req {
	char prog[PROC_NAME_MAX];
	char args[PROC_ARGS_MAX];
};

static u64 spawn_here(u64 payload)
{
	const struct spawn_req *r = (const struct spawn_req *)payload;
	char prog[PROC_NAME_MAX], args[PROC_ARGS_MAX];
	strlcpy(prog, r->prog, sizeof(prog));
	strlcpy(args, r->args, sizeof(args));
	return (u64)(long)proc_spawn(prog, args, NULL);
}

static long sys_spawn(u64 uprog, u64 uargs, u64 core, u64 a3)
{
	(void)a3;
	struct spawn_req r;
	long n = strncpy_from_user(r.prog, uprog, sizeof(r.prog));
	if (n < 0)
		return n;
	r.args[0] = '\0';
	if (uargs) {
		n = strncpy_from_user(r.args, uargs, sizeof(r.args));
		if (n < 0)
			return n;
	}
	long c = (long)core;
	if (c < 0 || c == this_core)
		return proc_spawn(r.prog, r.args, proc_current());
	if (c >= ncores)
		return -EINVAL;
	if (!has_cap(proc_current(), PIKA_CAP_SPAWN_ANY))
		return -EPERM; /* other cores' programs are their monitors' to start (mon_spawn) */
	u64 res = 0;
	int e = xcall_run_payload(c, spawn_here, &r, sizeof(r), 10ULL * 1000000000, &res);
	return e ? e : (long)res;
}

static long sys_wait(u64 pid, u64 ustatus, u64 uinfo, u64 a3)
{
	(void)a3;
	if ((ustatus && !uaccess_range_ok(ustatus, sizeof(int))) ||
	    (uinfo && !uaccess_range_ok(uinfo, sizeof(struct pika_exit_info))))
		return -EFAULT;
	int status = 0;
	struct pika_exit_info info;
	int r = proc_wait(proc_current(), (int)pid, &status, &info);
	if (r < 0)
		return r;
	/* The child is reaped already: a bad pointer now loses only the report. */
	if ((ustatus && copy_to_user(ustatus, &status, sizeof(status))) ||
	    (uinfo && copy_to_user(uinfo, &info, sizeof(info))))
		return -EFAULT;
	return r;
}

static int threads_of(struct proc *p)
{
	int n = 0;
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = thread_by_index(i);
		n += t->proc == p && t->state != T_FREE && t->state != T_DEAD;
	}
	return n;
}

static long sys_thread_create(u64 fn, u64 stack_top, u64 arg, u64 fs)
{
	struct proc *p = current->proc;
	if (!uaccess_range_ok(fn, 1) || (stack_top & 15) || !uaccess_range_ok(stack_top - 64, 64) ||
	    (fs && !uaccess_range_ok(fs, 1)))
		return -EINVAL;
	/* a zero return address, as if fn had been called */
	u64 zero = 0;
	if (copy_to_user(stack_top - 8, &zero, 8))
		return -EFAULT;
	if (threads_of(p) >= PROC_THREADS_MAX)
		return -EAGAIN;
	struct thread *t = uthread_create(p, fn, stack_top - 8, arg, fs);
	if (!t)
		return -ENOMEM;
	sched_make_runnable(t);
	return t->tid;
}

static long sys_thread_exit(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	if (threads_of(current->proc) <= 1)
		proc_exit(0, NULL);
	thread_exit();
}

static long sys_set_fs(u64 base, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	if (base >= USER_TOP)
		return -EINVAL;
	current->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
	return 0;
}

static long sys_cmdline(u64 buf, u64 len, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	u64 n = strlen(bootinfo.cmdline);
	if (len && copy_to_user(buf, bootinfo.cmdline, MIN(len, n + 1)))
		return -EFAULT;
	return (long)n;
}

static long sys_getppid(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	struct proc *p = proc_current();
	return p->parent ? p->parent->pid : 0;
}

static long sys_ncores(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return ncores;
}

static long sys_gettid(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return current->tid;
}

static long sys_frames(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return (long)core_frames.nfree;
}

static long sys_event_prepare(u64 a0, u64 a1, u64 a2, u64 a3)
{
	(void)a0, (void)a1, (void)a2, (void)a3;
	return (long)event_prepare();
}

static long sys_event_wait(u64 token, u64 timeout, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return event_wait(token, timeout);
}

static long sys_chan_wake(u64 va, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	return channel_wake(current->proc, va);
}

static long sys_chan_create(u64 pages, u64 flags, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return channel_create(current->proc, pages, flags);
}

static long sys_chan_grant(u64 ugrant, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	return channel_grant(current->proc, ugrant);
}

static long sys_chan_info(u64 va, u64 uinfo, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return channel_info(current->proc, va, uinfo);
}

static long sys_chan_close(u64 va, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	return channel_close(current->proc, va);
}

static long sys_chan_free(u64 id, u64 away, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return channel_free(current->proc, id, away);
}

static long sys_kevents(u64 buf, u64 n, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	struct pika_kevent k[16];
	if (n > 16)
		n = 16;
	if (!uaccess_range_ok(buf, n * sizeof(k[0])))
		return -EFAULT;
	long got = kevent_take(current->proc, k, (int)n);
	if (got > 0 && copy_to_user(buf, k, (u64)got * sizeof(k[0])))
		return -EFAULT; /* the notices are lost with the bad buffer */
	return got;
}

static long sys_monitor_connect(u64 timeout, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	return channel_monitor_connect(current->proc, timeout);
}

static long sys_proc_list(u64 buf, u64 n, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	if (!uaccess_range_ok(buf, n * sizeof(struct pika_proc_info)))
		return -EFAULT;
	u64 k = 0;
	for (int i = 0; i < MAX_PROCS && k < n; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_FREE)
			continue;
		struct pika_proc_info info;
		memset(&info, 0, sizeof(info));
		info.pid = p->pid;
		info.ppid = p->parent ? p->parent->pid : 0;
		info.state = p->state;
		info.start_ns = p->start_ns;
		info.nchans = (unsigned)proc_nchans(p);
		info.monitor = p->monitor;
		info.switches = p->switches;
		info.wakeups = p->wakeups;
		info.sleeps = p->sleeps;
		info.frames = p->frames;
		strlcpy(info.name, p->name, sizeof(info.name));
		for (int j = 0; j < MAX_THREADS; j++) {
			struct thread *t = thread_by_index(j);
			if (t->proc == p && t->state != T_FREE && t->state != T_DEAD) {
				info.threads++;
				info.run_ns += t->run_ns;
			}
		}
		if (copy_to_user(buf + k * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		k++;
	}
	return (long)k;
}

static long sys_console_read(u64 buf, u64 n, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	if (!uaccess_range_ok(buf, n))
		return -EFAULT;
	char tmp[128];
	long r = console_read(tmp, MIN(n, sizeof(tmp)));
	if (r > 0 && copy_to_user(buf, tmp, (u64)r))
		return -EFAULT;
	return r;
}

static long sys_stats(u64 buf, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	struct pika_core_stats st;
	memset(&st, 0, sizeof(st));
	st.uptime_ns = now_ns();
	st.idle_ns = sched_idle_ns();
	st.switches = sched_switches();
	st.cr3_loads = sched_cr3_loads();
	st.syscalls = syscall_count;
	for (int i = 0; i < SYS_MAX && i < PIKA_STATS_SYSCALLS; i++)
		st.sys_count[i] = sys_count[i];
	st.free_frames = core_frames.nfree;
	st.total_frames = core_frames.total;
	st.chan_free = channel_free_frames();
	st.chan_total = channel_total_frames();
	st.procs = (u64)proc_count();
	for (int j = 0; j < MAX_THREADS; j++)
		st.threads += thread_by_index(j)->state != T_FREE;
	st.wakes = event_stats.wakes;
	st.wakes_awake = event_stats.wakes_awake;
	st.wakes_spurious = event_stats.wakes_spurious;
	st.event_sleeps = event_stats.sleeps;
	st.ipis_sent = event_stats.ipis_sent;
	st.ipis_received = event_stats.ipis_received;
	st.timer_irqs = timer_irqs();
	st.device_irqs = dev_irq_count();
	st.console_dropped = console_dropped;
	dev_dma_stats(&st.dma);
	return copy_to_user(buf, &st, sizeof(st));
}

static long sys_dev_list(u64 buf, u64 n, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return dev_list(buf, n);
}

static long sys_dev_grant(u64 pid, u64 dev, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return dev_grant(current->proc, (int)pid, dev);
}

static long sys_dev_map(u64 dev, u64 bar, u64 off, u64 len) { return dev_map(current->proc, dev, bar, off, len); }

static long sys_dev_ctl(u64 dev, u64 op, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return dev_ctl(current->proc, dev, op);
}

static long sys_dma_alloc(u64 len, u64 uphys, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return dma_alloc(current->proc, len, uphys);
}

static long sys_irq_attach(u64 dev, u64 entry, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return irq_attach(current->proc, dev, entry);
}

static long sys_irq_list(u64 buf, u64 n, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	return irq_list(buf, n);
}

/* Copies up to len bytes of boot module `name` from offset off; returns the
 * bytes copied (0 at the end), or with len 0 the module's size. Read-only
 * files (httpd's static pages) travel as boot modules. */
static long sys_module_read(u64 uname, u64 off, u64 buf, u64 len)
{
	char name[64];
	long n = strncpy_from_user(name, uname, sizeof(name));
	if (n < 0)
		return n;
	if (n == 0 || n >= (long)sizeof(name) || strchr(name, ' '))
		return -EINVAL;
	const struct boot_module *m = module_find(name);
	if (!m)
		return -ENOENT;
	u64 size = m->end - m->start;
	if (len == 0)
		return (long)size;
	if (!uaccess_range_ok(buf, len))
		return -EFAULT;
	if (off >= size)
		return 0;
	u64 k = MIN(len, size - off);
	if (copy_to_user(buf, (const u8 *)phys_to_virt(m->start) + off, k))
		return -EFAULT;
	return (long)k;
}

/* The shell's halt: only a process of core 0 (the console's core) that
 * holds PIKA_CAP_POWEROFF (the monitor gives it to the shell) may. */
static long sys_poweroff(u64 status, u64 a1, u64 a2, u64 a3)
{
	(void)a1, (void)a2, (void)a3;
	if (this_core != 0 || !has_cap(proc_current(), PIKA_CAP_POWEROFF))
		return -EPERM;
	if (status > 127)
		return -EINVAL;
	console_flush();
	power_off((int)status);
}

/* A monitor gives a process of its core capabilities (PIKA_CAP_*). */
static long sys_cap_grant(u64 pid, u64 caps, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	if (!proc_current()->monitor)
		return -EPERM;
	struct proc *p = proc_find((int)pid);
	if (!p || p->state != P_ALIVE || (caps & ~(u64)PIKA_CAPS_ALL))
		return -EINVAL;
	p->caps |= (u32)caps;
	return 0;
}

/* The monitor ends a process of its core (the shell's kill, MON_KILL). */
static long sys_kill(u64 pid, u64 sig, u64 a2, u64 a3)
{
	(void)a2, (void)a3;
	if (!proc_current()->monitor)
		return -EPERM;
	return proc_kill(proc_find((int)pid), (int)sig);
}

static const sys_fn table[SYS_MAX] = {
	[SYS_exit] = sys_exit,
	[SYS_write] = sys_write,
	[SYS_getpid] = sys_getpid,
	[SYS_getcore] = sys_getcore,
	[SYS_yield] = sys_yield,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock] = sys_clock,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
	[SYS_spawn] = sys_spawn,
	[SYS_wait] = sys_wait,
	[SYS_thread_create] = sys_thread_create,
	[SYS_thread_exit] = sys_thread_exit,
	[SYS_set_fs] = sys_set_fs,
	[SYS_cmdline] = sys_cmdline,
	[SYS_getppid] = sys_getppid,
	[SYS_ncores] = sys_ncores,
	[SYS_gettid] = sys_gettid,
	[SYS_frames] = sys_frames,
	[SYS_event_prepare] = sys_event_prepare,
	[SYS_event_wait] = sys_event_wait,
	[SYS_chan_wake] = sys_chan_wake,
	[SYS_chan_create] = sys_chan_create,
	[SYS_chan_grant] = sys_chan_grant,
	[SYS_chan_close] = sys_chan_close,
	[SYS_chan_free] = sys_chan_free,
	[SYS_kevents] = sys_kevents,
	[SYS_monitor_connect] = sys_monitor_connect,
	[SYS_proc_list] = sys_proc_list,
	[SYS_console_read] = sys_console_read,
	[SYS_stats] = sys_stats,
	[SYS_dev_list] = sys_dev_list,
	[SYS_dev_grant] = sys_dev_grant,
	[SYS_dev_map] = sys_dev_map,
	[SYS_dev_ctl] = sys_dev_ctl,
	[SYS_dma_alloc] = sys_dma_alloc,
	[SYS_irq_attach] = sys_irq_attach,
	[SYS_irq_list] = sys_irq_list,
	[SYS_module_read] = sys_module_read,
	[SYS_poweroff] = sys_poweroff,
	[SYS_chan_info] = sys_chan_info,
	[SYS_cap_grant] = sys_cap_grant,
	[SYS_kill] = sys_kill,
};

/* From syscall_entry, interrupts on, on the thread's kernel stack. */
void syscall_dispatch(struct trap_frame *f)
{
	u64 nr = f->rax;
	long r = -ENOSYS;
	syscall_count++;
	if (nr < SYS_MAX && table[nr]) {
		sys_count[nr]++;
		r = table[nr](f->rdi, f->rsi, f->rdx, f->r10);
	}
	f->rax = (u64)r;
	if (sched_should_switch())
		sched_yield();
	proc_check_killed();
}
