/* internal.h - libc's private interfaces. */
#ifndef _PIKAOS_LIBC_INTERNAL_H
#define _PIKAOS_LIBC_INTERNAL_H

#include <pikaos/syscall.h>
#include <stdint.h>

/* Thread control block: FS base points at it; the first word points to itself. */
struct __tcb {
	struct __tcb *self;
	int err;
	void *stack;      /* mmap'ed stack of a pika_thread_create thread */
	unsigned long stack_len;
};

static inline long __sys(long nr, long a0, long a1, long a2, long a3)
{
	long r;
	register long r10 __asm__("r10") = a3;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

/* errno = -r and -1 for a negative result, else r. */
long __sys_ret(long r);
void __stdio_flush_all(void);
void __tcb_init_main(void);

#endif
