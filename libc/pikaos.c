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

int pika_getcore(void) { return (int)__sys(SYS_getcore, 0, 0, 0, 0); }
int pika_ncores(void) { return (int)__sys(SYS_ncores, 0, 0, 0, 0); }
int pika_gettid(void) { return (int)__sys(SYS_gettid, 0, 0, 0, 0); }
long pika_free_frames(void) { return __sys(SYS_frames, 0, 0, 0, 0); }
uint64_t pika_clock_ns(void) { return (uint64_t)__sys(SYS_clock, PIKA_CLOCK_MONOTONIC, 0, 0, 0); }

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
