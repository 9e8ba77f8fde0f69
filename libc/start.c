/* start.c - process start-up and shutdown, errno, raw system calls. */
#include "internal.h"

#include <errno.h>
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv, char **envp);

static struct __tcb main_tcb;
static void (*atexit_fns[32])(void);
static int natexit;

long __syscall(long nr, long a0, long a1, long a2, long a3) { return __sys(nr, a0, a1, a2, a3); }

long __sys_ret(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

int *__errno_location(void)
{
	struct __tcb *t;
	__asm__("mov %%fs:0, %0" : "=r"(t));
	return &t->err;
}

void __tcb_init_main(void)
{
	main_tcb.self = &main_tcb;
	__sys(SYS_set_fs, (long)&main_tcb, 0, 0, 0);
}

__attribute__((noreturn)) void __libc_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	__tcb_init_main();
	exit(main(argc, argv, envp));
}

int atexit(void (*fn)(void))
{
	if (natexit == (int)(sizeof(atexit_fns) / sizeof(atexit_fns[0])))
		return -1;
	atexit_fns[natexit++] = fn;
	return 0;
}

__attribute__((noreturn)) void exit(int code)
{
	while (natexit > 0)
		atexit_fns[--natexit]();
	__stdio_flush_all();
	_Exit(code);
}

__attribute__((noreturn)) void _Exit(int code)
{
	for (;;)
		__sys(SYS_exit, code, 0, 0, 0);
}

__attribute__((noreturn)) void _exit(int code) { _Exit(code); }

__attribute__((noreturn)) void abort(void)
{
	__stdio_flush_all();
	/* a deliberate invalid opcode: the kernel reports it and the parent sees SIGILL */
	__builtin_trap();
}

__attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, int line,
					     const char *func)
{
	fprintf(stderr, "assertion failed: %s (%s:%d, %s)\n", expr, file, line, func);
	abort();
}

/* gcc may emit calls to these for stack protection or large copies. */
void __stack_chk_fail(void) { abort(); }
