/* pikaos.c - pikaos's own calls (pikaos.h). */
#include "internal.h"

#include <errno.h>
#include <pikaos.h>
#include <stdlib.h>
#include <sys/mman.h>

pid_t pika_spawn(const char *prog, const char *args, int core)
{
	return (pid_t)__sys_ret(__sys(SYS_spawn, (long)prog, (long)args, core, 0));
}

pid_t pika_wait(pid_t pid, int *status, struct pika_exit_info *info)
{
	return (pid_t)__sys_ret(__sys(SYS_wait, pid, (long)status, (long)info, 0));
}

int pika_gettid(void) { return (int)__sys(SYS_gettid, 0, 0, 0, 0); }
long pika_free_frames(void) { return __sys(SYS_frames, 0, 0, 0, 0); }
/* The clock without a system call: rdtsc and the kinfo page's constants
 * (the kernel's now_ns() does the same arithmetic). */
uint64_t pika_clock_ns(void)
{
	const struct pika_kinfo *k = pika_kinfo();
	return (uint64_t)(((unsigned __int128)(pika_rdtsc() - k->entry_tsc) * k->tsc_mult) >> 32);
}

uint64_t pika_realtime_ns(void) { return pika_kinfo()->boot_epoch_s * 1000000000ULL + pika_clock_ns(); }

long pika_cmdline(char *buf, size_t n) { return __sys_ret(__sys(SYS_cmdline, (long)buf, (long)n, 0, 0)); }
int pika_poweroff(int status) { return (int)__sys_ret(__sys(SYS_poweroff, status, 0, 0, 0)); }
long pika_module_read(const char *name, uint64_t off, void *buf, size_t n)
{
	return __sys_ret(__sys(SYS_module_read, (long)name, (long)off, (long)buf, (long)n));
}

#define THREAD_STACK (64 * 1024)

int pika_thread_create(void (*fn)(void *), void *arg)
{
	/* one mapping: the stack, then the thread control block at its top */
	char *m = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	struct __tcb *tcb = (struct __tcb *)(m + THREAD_STACK - sizeof(struct __tcb));
	tcb->self = tcb;
	tcb->err = 0;
	tcb->stack = m;
	tcb->stack_len = THREAD_STACK;
	unsigned long top = ((unsigned long)tcb) & ~15UL;
	long r = __sys(SYS_thread_create, (long)fn, (long)top, (long)arg, (long)tcb);
	if (r < 0) {
		munmap(m, THREAD_STACK);
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}

__attribute__((noreturn)) void pika_thread_exit(void)
{
	/* The stack stays mapped (we are running on it); it goes with the process. */
	for (;;)
		__sys(SYS_thread_exit, 0, 0, 0, 0);
}

static const char *const syscall_names[SYS_MAX] = {
	[SYS_exit] = "exit",
	[SYS_write] = "write",
	[SYS_getpid] = "getpid",
	[SYS_getcore] = "getcore",
	[SYS_yield] = "yield",
	[SYS_nanosleep] = "nanosleep",
	[SYS_clock] = "clock",
	[SYS_mmap] = "mmap",
	[SYS_munmap] = "munmap",
	[SYS_spawn] = "spawn",
	[SYS_wait] = "wait",
	[SYS_thread_create] = "thread_create",
	[SYS_thread_exit] = "thread_exit",
	[SYS_set_fs] = "set_fs",
	[SYS_cmdline] = "cmdline",
	[SYS_getppid] = "getppid",
	[SYS_ncores] = "ncores",
	[SYS_gettid] = "gettid",
	[SYS_frames] = "frames",
	[SYS_event_prepare] = "event_prepare",
	[SYS_event_wait] = "event_wait",
	[SYS_chan_wake] = "chan_wake",
	[SYS_chan_create] = "chan_create",
	[SYS_chan_grant] = "chan_grant",
	[SYS_chan_close] = "chan_close",
	[SYS_chan_free] = "chan_free",
	[SYS_kevents] = "kevents",
	[SYS_monitor_connect] = "monitor_connect",
	[SYS_proc_list] = "proc_list",
	[SYS_console_read] = "console_read",
	[SYS_stats] = "stats",
	[SYS_dev_list] = "dev_list",
	[SYS_dev_grant] = "dev_grant",
	[SYS_dev_map] = "dev_map",
	[SYS_dev_ctl] = "dev_ctl",
	[SYS_dma_alloc] = "dma_alloc",
	[SYS_irq_attach] = "irq_attach",
	[SYS_irq_list] = "irq_list",
	[SYS_module_read] = "module_read",
	[SYS_poweroff] = "poweroff",
	[SYS_chan_info] = "chan_info",
	[SYS_cap_grant] = "cap_grant",
	[SYS_kill] = "kill",
};

const char *pika_syscall_name(int nr)
{
	return nr >= 0 && nr < SYS_MAX && syscall_names[nr] ? syscall_names[nr] : "?";
}
