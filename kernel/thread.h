/*
 * thread.h - kernel-scheduled threads of this core.
 *
 * A thread is either a kernel thread (proc == NULL) or a thread of a user
 * process. Every thread has its own kernel stack (a 64 KiB slot in the
 * KSTACK region: 16 KiB mapped at its top, the rest a guard gap), its own
 * FPU/SSE state and FS base. Threads never move between cores; the thread
 * table is an array private to the core, like every kernel global.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "types.h"

#define MAX_THREADS 256
#define THREAD_STACK_SIZE (16 * 1024UL)
#define THREAD_SLOT_FIRST 8 /* stack slots below are the boot stacks (kimage.h) */

enum thread_state { T_FREE = 0, T_RUNNABLE, T_RUNNING, T_BLOCKED, T_DEAD };

struct proc;
struct waitq;

struct thread {
	u8 fx[512] __aligned(16); /* FXSAVE area: user FPU/SSE registers */
	int tid;
	enum thread_state state;
	struct proc *proc;    /* NULL for kernel threads */
	const char *name;
	u64 ksp;              /* saved kernel stack pointer while switched out */
	u64 kstack_top;
	int slot;
	u64 fs_base;
	u64 wake_ns;          /* blocked with a deadline: when to wake (0: none) */
	struct thread *tnext, *tprev; /* on the scheduler's list of threads with a deadline */
	bool timed;
	bool timed_out;       /* the last block ended by its deadline */
	struct waitq *waitq;  /* blocked: the queue it is on */
	struct thread *next, *prev;
	u64 run_ns;           /* time spent running */
	u64 switches;
};

/* A FIFO of threads (run queue or wait queue). */
struct waitq {
	struct thread *head, *tail;
};

extern struct thread *current;

void thread_init_core(void); /* reserves page tables for the stack slots, the FPU image */
/* A kernel thread running fn(arg); it exits when fn returns. Runnable at once. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
/* A user thread of p starting at rip with user stack rsp and rdi = arg. Not yet runnable. */
struct thread *uthread_create(struct proc *p, u64 rip, u64 rsp, u64 arg, u64 fs_base);
/* The calling thread ends; its stack is freed after the switch away. */
__noreturn void thread_exit(void);
/* Frees a T_DEAD thread that is not running (called from the scheduler). */
void thread_free(struct thread *t);
struct thread *thread_by_index(int i);

#endif
