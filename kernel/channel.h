/*
 * channel.h - the kernel's part in channels (DESIGN 2): frames from this
 * core's slice of the channel pool, mapping them into processes, closing ends
 * when a process exits, and the notices it gives the core's monitor.
 *
 * The rings themselves are libc/chan.c: the kernel never sends or receives
 * on a channel. Only the monitor may create, grant and free channels; any
 * process may close its own end and wake the process at the other end.
 * The kernel's facts about a channel are in kernel memory (channel.c); the
 * shared header is a copy for the ends, never read back.
 */
#ifndef KERNEL_CHANNEL_H
#define KERNEL_CHANNEL_H

#include <pikaos/syscall.h>

#include "types.h"

struct proc;

void channel_boot_init(void);  /* core 0, boot phase: the monitor-to-monitor channels */
void channel_init_core(void);  /* this core's pool slice */

long channel_create(struct proc *caller, u64 pages, u64 flags);
/* ugrant: a struct pika_chan_grant in the caller's memory */
long channel_grant(struct proc *caller, u64 ugrant);
long channel_close(struct proc *p, u64 va);
/* closed_away: bit e says end e, handed to another core, is closed there */
long channel_free(struct proc *caller, u64 id, u64 closed_away);
/* Names the process holding the other end of p's channel at va. */
long channel_wake(struct proc *p, u64 va);
long channel_info(struct proc *p, u64 va, u64 uinfo);
long channel_monitor_connect(struct proc *p, u64 timeout_ns);
/* VEC_CORE_DEAD: channels shared with a stopped core close here. */
void channel_cores_died(void);
/* Closes every channel end p holds (process exit). */
void channel_proc_exit(struct proc *p);
/* Maps the monitor-to-monitor channels into this core's monitor. */
int channel_link_monitor(struct proc *mon);

/* Notices for the monitor (kernel -> monitor), drained by SYS_kevents. */
void kevent_post(u32 type, int pid, u64 a, u64 b);
long kevent_take(struct proc *caller, struct pika_kevent *out, int n);

u64 channel_free_frames(void);
u64 channel_total_frames(void);
int proc_nchans(const struct proc *p);

#endif
