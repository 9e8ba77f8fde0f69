/*
 * event.h - how a process sleeps until something names it (DESIGN 2).
 *
 * Every process has an event generation (proc.ev_gen, also readable in its
 * kinfo page). A thread takes the generation as a token (event_prepare, or
 * the page), checks whatever it waits for (its channels, its queue) and
 * calls event_wait(token): it sleeps only if nobody woke the process since
 * it took the token. A wake-up always names a process: the owner of the
 * other end of a channel (SYS_chan_wake, kernel/channel.c), the driver that
 * attached an interrupt (kernel/dev.c), the monitor (kernel notices). It
 * bumps that process's generation and wakes its threads in event_wait,
 * nobody else's.
 *
 * No lost wake-ups: the waker publishes its work (a message, a ring index)
 * and then names the process; the sleeper took its token before its last
 * check. Either the check sees the work, or the wake-up comes after the
 * token and event_wait returns at once (the token is stale). Both sides run
 * with interrupts off around the generation, so on one core there is no
 * window between the comparison and the block.
 *
 * Another core's process is named through a wake line (struct wake_line in
 * kshared, one per pair of cores, written only by the waking core) and an
 * IPI; the target core drains its lines in event_ipi(). A name already
 * pending is not written again, and an IPI is sent only when the target
 * had drained the line, so a flood of wake-ups costs the target one IPI
 * per drain. A full line is not waited for: the waker counts an overflow
 * and the target wakes every sleeping process of its core (counted as
 * spurious wake-ups).
 */
#ifndef KERNEL_EVENT_H
#define KERNEL_EVENT_H

#include "types.h"

struct proc;

u64 event_prepare(void);
/* 0 when woken (or the token is stale), -ETIMEDOUT after timeout_ns. */
int event_wait(u64 token, u64 timeout_ns);
/* Names process pid of core (PIKA_PID_MONITOR: that core's monitor).
 * 0, or -EINVAL for a bad core; an unknown pid is ignored. */
int event_wake_pid(int core, int pid);
/* Names a process of this core. */
void event_wake_proc(struct proc *p);
void event_ipi(void); /* from the VEC_EVENT interrupt */
/* IPIs held back by the 20 us gap per target core: when the first is due
 * (0: none), and sending those due (the scheduler's alarm). */
u64 event_deferred_deadline(void);
void event_send_deferred(u64 now);

struct event_stats {
	u64 wakes, wakes_awake, wakes_spurious, sleeps;
	u64 ipis_sent, ipis_received, lines_overflowed;
	u64 wakes_coalesced; /* a cross-core name that needed no IPI (pending already) */
	u64 ipis_deferred;   /* IPIs that waited for the gap */
};
extern struct event_stats event_stats;

#endif
