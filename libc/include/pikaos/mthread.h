/*
 * pikaos/mthread.h - cooperative microthreads (PIKA 4.2): a handler runs on
 * its own small stack and may yield back to whoever ran it (the dispatcher)
 * while it waits for a reply. Creating and running one that does not yield is
 * a few dozen instructions: stacks come from a free list, a switch saves six
 * registers. Microthreads of a process share one kernel thread; none of this
 * is thread-safe across kernel threads.
 */
#ifndef _PIKAOS_MTHREAD_H
#define _PIKAOS_MTHREAD_H

#include <stddef.h>
#include <stdint.h>

#define MTHREAD_STACK (16 * 1024)

struct mthread {
	void *sp;               /* saved stack pointer while switched out */
	void (*fn)(void *);
	void *arg;
	int done;
	struct mthread *next;   /* free list / wait lists */
	uint64_t wait_id;       /* what it waits for (the dispatcher's request id) */
	void *wait_buf;
	size_t wait_len, wait_max;
	int wait_status;
	int wait_done;
	char *stack;            /* MTHREAD_STACK bytes */
};

/* A microthread that will run fn(arg); NULL when out of memory. */
struct mthread *mthread_create(void (*fn)(void *), void *arg);
/* Runs t until it yields or finishes; a finished t is freed (reused). Returns 1 if it finished. */
int mthread_run(struct mthread *t);
/* From inside a microthread: back to the mthread_run that ran it. */
void mthread_yield(void);
struct mthread *mthread_self(void); /* NULL outside microthreads */

#endif
