/*
 * event.h - the one way a thread sleeps until another core has work for it.
 *
 * Each core keeps a generation number. event_prepare() reads it; a thread
 * then checks whatever it waits for (its channels) and calls event_wait()
 * with that token: it sleeps only if no wake-up happened since prepare.
 * event_wake(core) bumps the core's generation and wakes all its waiters
 * (through an IPI for another core); they re-check and sleep again if the
 * work was not theirs. The generation is private to its core: the IPI is the
 * only thing that crosses.
 */
#ifndef KERNEL_EVENT_H
#define KERNEL_EVENT_H

#include "types.h"

u64 event_prepare(void);
/* 0 when woken (or the token is stale), -ETIMEDOUT after timeout_ns. */
int event_wait(u64 token, u64 timeout_ns);
/* 0 or -EINVAL. */
int event_wake(int core);
void event_ipi(void); /* from the VEC_EVENT interrupt */

struct event_stats {
	u64 ipis_sent, wakes;
};
extern struct event_stats event_stats;

#endif
