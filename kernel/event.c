/* event.c - see event.h. */
#include "event.h"
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "lapic.h"
#include "layout.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "x86.h"

#include <pikaos/syscall.h>

struct event_stats event_stats;
static u32 line_read[MAX_CORES];     /* how far we read each source's wake line */
static u32 overflow_seen[MAX_CORES]; /* its overflow count when we last looked */

static void publish(struct proc *p)
{
	if (p->kinfo)
		((struct pika_kinfo *)phys_to_virt(p->kinfo))->ev_gen = p->ev_gen;
}

u64 event_prepare(void) { return READ_ONCE(proc_current()->ev_gen); }

int event_wait(u64 token, u64 timeout_ns)
{
	struct proc *p = current->proc;
	if (!p)
		return -EINVAL;
	u64 f = irq_save();
	if (p->ev_gen != token) { /* a wake-up came after the token */
		irq_restore(f);
		return 0;
	}
	u64 deadline = 0;
	if (timeout_ns < (1ULL << 62)) {
		deadline = now_ns() + timeout_ns;
		if (deadline == 0)
			deadline = 1;
	}
	event_stats.sleeps++;
	p->sleeps++;
	bool timed_out = sched_block_until(&p->ev_wait, deadline);
	irq_restore(f);
	return timed_out ? -ETIMEDOUT : 0;
}

/* Interrupts off. */
static void wake_proc(struct proc *p, bool named)
{
	p->ev_gen++;
	publish(p);
	if (!p->ev_wait.head) {
		if (named)
			event_stats.wakes_awake++;
		return;
	}
	if (named) {
		event_stats.wakes++;
		p->wakeups++;
	} else {
		event_stats.wakes_spurious++;
	}
	sched_wake_all(&p->ev_wait);
}

void event_wake_proc(struct proc *p)
{
	u64 f = irq_save();
	if (p && p->state == P_ALIVE)
		wake_proc(p, true);
	irq_restore(f);
}

static struct proc *find_local(int pid)
{
	if (pid != PIKA_PID_MONITOR)
		return proc_find(pid);
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_ALIVE && p->monitor)
			return p;
	}
	return NULL;
}

int event_wake_pid(int core, int pid)
{
	if (core < 0 || core >= ncores)
		return -EINVAL;
	if (core == this_core) {
		event_wake_proc(find_local(pid));
		return 0;
	}
	struct wake_line *w = wake_line_of(core, this_core);
	u32 head = w->head;
	if (head - READ_ONCE(wake_ack_of(core, this_core)->tail) >= WAKE_SLOTS) {
		WRITE_ONCE(w->overflow, w->overflow + 1);
		event_stats.lines_overflowed++;
	} else {
		w->pid[head % WAKE_SLOTS] = pid;
		barrier(); /* x86 keeps the stores in order: the pid before the head */
		WRITE_ONCE(w->head, head + 1);
	}
	event_stats.ipis_sent++;
	lapic_send_ipi(bootinfo.apic_id[core], VEC_EVENT);
	return 0;
}

/* VEC_EVENT: another core named processes of ours. */
void event_ipi(void)
{
	u64 f = irq_save();
	event_stats.ipis_received++;
	bool everyone = false;
	for (int s = 0; s < ncores; s++) {
		if (s == this_core)
			continue;
		struct wake_line *w = wake_line_of(this_core, s);
		u32 head = READ_ONCE(w->head);
		barrier(); /* loads stay in order on x86: the pids after the head */
		for (u32 t = line_read[s]; t != head; t++) {
			struct proc *p = find_local(w->pid[t % WAKE_SLOTS]);
			if (p && p->state == P_ALIVE)
				wake_proc(p, true);
		}
		line_read[s] = head;
		WRITE_ONCE(wake_ack_of(this_core, s)->tail, head);
		u32 o = READ_ONCE(w->overflow);
		if (o != overflow_seen[s]) {
			overflow_seen[s] = o;
			everyone = true;
		}
	}
	if (everyone) /* a name was lost: everyone re-checks */
		for (int i = 0; i < MAX_PROCS; i++) {
			struct proc *p = proc_by_index(i);
			if (p->state == P_ALIVE)
				wake_proc(p, false);
		}
	irq_restore(f);
}
