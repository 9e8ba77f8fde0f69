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
/* At most one wake-up IPI per IPI_GAP_NS to a core: one due sooner waits
 * for the gap (the scheduler's alarm sends it, event_send_deferred), so a
 * process naming a peer on another core in a loop cannot flood that core
 * with interrupts; spaced wake-ups go at once. */
#define IPI_GAP_NS 20000ULL
static u64 ipi_next[MAX_CORES];
static u64 ipi_deferred; /* cores (bit per core < 64) owed an IPI */
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

/* Interrupts off. */
static void send_ipi(int core)
{
	u64 now = now_ns();
	if (core < 64 && now < ipi_next[core]) {
		if (!(ipi_deferred & (1ULL << core))) {
			ipi_deferred |= 1ULL << core;
			sched_alarm_changed();
		}
		event_stats.ipis_deferred++;
		return;
	}
	if (core < 64)
		ipi_next[core] = now + IPI_GAP_NS;
	event_stats.ipis_sent++;
	lapic_send_ipi(bootinfo.apic_id[core], VEC_EVENT);
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
	struct wake_ack *ack = wake_ack_of(core, this_core);
	u64 f = irq_save();
	u32 head = w->head, tail = READ_ONCE(ack->tail);
	if (head != tail && w->pid[(head - 1) % WAKE_SLOTS] == pid) {
		/* named already and not yet read: the target will wake it (a flood
		 * of wake-ups to one process costs the target nothing more) */
		event_stats.wakes_coalesced++;
		irq_restore(f);
		return 0;
	}
	if (head - tail >= WAKE_SLOTS) {
		WRITE_ONCE(w->overflow, w->overflow + 1);
		event_stats.lines_overflowed++;
	} else {
		w->pid[head % WAKE_SLOTS] = pid;
		barrier(); /* x86 keeps the stores in order: the pid before the head */
		WRITE_ONCE(w->head, head + 1);
	}
	/* An IPI only when the target had read everything before: else it is
	 * still draining and looks at the head again after it says how far it
	 * read (event_ipi), so it finds this name too. The fence orders our head
	 * store before the tail load, as the target's orders its tail store
	 * before its head load. */
	mfence();
	if (READ_ONCE(ack->tail) == head)
		send_ipi(core);
	else
		event_stats.wakes_coalesced++;
	irq_restore(f);
	return 0;
}

u64 event_deferred_deadline(void)
{
	u64 d = 0;
	for (int c = 0; c < ncores && c < 64; c++)
		if ((ipi_deferred & (1ULL << c)) && (!d || ipi_next[c] < d))
			d = ipi_next[c];
	return d;
}

void event_send_deferred(u64 now)
{
	for (int c = 0; c < ncores && c < 64 && ipi_deferred; c++)
		if ((ipi_deferred & (1ULL << c)) && now >= ipi_next[c]) {
			ipi_deferred &= ~(1ULL << c);
			send_ipi(c);
		}
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
		for (;;) {
			u32 head = READ_ONCE(w->head);
			barrier(); /* loads stay in order on x86: the pids after the head */
			for (u32 t = line_read[s]; t != head; t++) {
				struct proc *p = find_local(w->pid[t % WAKE_SLOTS]);
				if (p && p->state == P_ALIVE)
					wake_proc(p, true);
			}
			line_read[s] = head;
			WRITE_ONCE(wake_ack_of(this_core, s)->tail, head);
			mfence(); /* our tail before the second look at the head (see event_wake_pid) */
			if (READ_ONCE(w->head) == head)
				break;
		}
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
