/*
 * sched.h - this core's scheduler: round-robin over runnable threads, a time
 * slice of SCHED_SLICE_TICKS timer ticks, blocking on wait queues, sleeping,
 * and an idle thread that halts the CPU (hlt) when nothing is runnable.
 *
 * The kernel is not preemptive: a thread switches only when it blocks,
 * yields or exits, or when an interrupt arrives while it runs in user mode
 * and its slice is over (or a thread with work was woken). All functions run
 * on the owning core only; none takes a lock.
 */
#ifndef KERNEL_SCHED_H
#define KERNEL_SCHED_H

#include "thread.h"

#define SCHED_SLICE_TICKS 2

void sched_init_core(void);          /* the calling boot context becomes the idle thread */
__noreturn void sched_idle(void);    /* the idle loop; never returns */
void schedule(void);                 /* interrupts off; switch to the next runnable thread */
void sched_yield(void);
void sched_make_runnable(struct thread *t);
/* Block the current thread on q until sched_wake_one/all; returns after wake-up. */
void sched_block(struct waitq *q);
void sched_wake_all(struct waitq *q);
void sched_wake_one(struct waitq *q);
void sched_sleep_ns(u64 ns);         /* at least ns (a one-shot timer at the deadline) */
/* Block on q until woken or until deadline_ns (absolute; 0: none);
 * returns true when the deadline woke it. */
bool sched_block_until(struct waitq *q, u64 deadline_ns);
void sched_timer(void);              /* from the timer interrupt */
bool sched_should_switch(void);      /* before returning to user mode */
void sched_alarm_changed(void);      /* another deadline the alarm must cover (event.c) */
void sched_request_switch(void);     /* e.g. after an IPI woke a thread */
void sched_remove(struct thread *t); /* take a runnable/blocked thread off its queue */
void sched_after_switch(void);       /* first thing a thread runs after being switched to */
int sched_nrunnable(void);
u64 sched_idle_ns(void);
u64 sched_switches(void);
u64 sched_cr3_loads(void);           /* address-space switches (TLB flushes) */

#endif
