/* sched.c - see sched.h. */
#include "sched.h"
#include "console.h"
#include "event.h"
#include "core.h"
#include "gdt.h"
#include "kimage.h"
#include "panic.h"
#include "proc.h"
#include "syscall.h"
#include "timer.h"
#include "vm.h"
#include "x86.h"

struct thread *current;
static struct thread idle_thread;
static struct waitq runq;
static struct waitq sleepers;   /* sched_sleep_ns: nobody wakes them but the clock */
static struct thread *to_reap;  /* exited; freed once we are off its stack */
static bool need_switch;
static u64 slice_end;           /* 0: no slice running (nobody waits to run) */
static struct thread *timed;    /* blocked threads with a deadline (few: a list) */
static u64 poll_at;             /* core 0: next serial poll while a reader waits */
static u64 last_tsc, idle_ns, nswitches, ncr3;
extern paddr_t core_pml4;

#define CONSOLE_POLL_NS 10000000ULL
/* A thread woken while another runs waits at most this long (the waker's
 * slice is cut to it), so a process that never blocks (busy-polling
 * readiness) cannot keep the server it woke from running for a whole slice,
 * while a server finishing a batch of wake-ups is not interrupted at once. */
#define WAKE_GRANULARITY_NS 2000000ULL

void switch_stack(u64 *save_sp, u64 new_sp); /* kernel/entry.asm */

static void q_push(struct waitq *q, struct thread *t)
{
	t->next = NULL;
	t->prev = q->tail;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
	t->waitq = q;
}

static void q_del(struct thread *t)
{
	struct waitq *q = t->waitq;
	if (!q)
		return;
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	else
		q->tail = t->prev;
	t->next = t->prev = NULL;
	t->waitq = NULL;
}

static struct thread *q_pop(struct waitq *q)
{
	struct thread *t = q->head;
	if (t)
		q_del(t);
	return t;
}

void sched_init_core(void)
{
	idle_thread.tid = this_core * 1000000;
	idle_thread.name = "idle";
	idle_thread.state = T_RUNNING;
	idle_thread.kstack_top = kstack_slot_top(STACK_KERNEL);
	current = &idle_thread;
	last_tsc = rdtsc();
	__asm__ volatile("fxsave64 %0" : "=m"(idle_thread.fx));
}

int sched_nrunnable(void)
{
	int n = 0;
	for (struct thread *t = runq.head; t; t = t->next)
		n++;
	return n;
}

static void timed_add(struct thread *t)
{
	t->tprev = NULL;
	t->tnext = timed;
	if (timed)
		timed->tprev = t;
	timed = t;
	t->timed = true;
}

static void timed_del(struct thread *t)
{
	if (!t->timed)
		return;
	if (t->tprev)
		t->tprev->tnext = t->tnext;
	else
		timed = t->tnext;
	if (t->tnext)
		t->tnext->tprev = t->tprev;
	t->tnext = t->tprev = NULL;
	t->timed = false;
}

/* Interrupts off. Programs the timer for the earliest thing due: a blocked
 * thread's deadline, the end of the running thread's slice when another
 * waits to run, core 0's serial poll while a reader waits. Nothing due:
 * no timer at all (a wait that ended early leaves no stale alarm). */
static void rearm(void)
{
	u64 d = event_deferred_deadline();
	for (struct thread *t = timed; t; t = t->tnext)
		if (!d || t->wake_ns < d)
			d = t->wake_ns;
	if (current != &idle_thread && runq.head) {
		if (!slice_end)
			slice_end = now_ns() + timer_slice_ns();
		if (!d || slice_end < d)
			d = slice_end;
	}
	if (this_core == 0 && console_reader_waiting()) {
		if (!poll_at)
			poll_at = now_ns() + CONSOLE_POLL_NS;
		if (!d || poll_at < d)
			d = poll_at;
	}
	timer_arm(d);
}

static void enqueue(struct thread *t)
{
	q_del(t);
	timed_del(t);
	t->state = T_RUNNABLE;
	q_push(&runq, t);
	/* the waker keeps the CPU: the woken thread runs when it blocks or
	 * its slice ends (idle gives way at once) */
	if (current == &idle_thread) {
		need_switch = true;
	} else {
		u64 by = now_ns() + WAKE_GRANULARITY_NS;
		if (!slice_end || slice_end > by)
			slice_end = by;
		rearm();
	}
}

void sched_make_runnable(struct thread *t)
{
	u64 f = irq_save();
	enqueue(t);
	irq_restore(f);
}

void sched_remove(struct thread *t)
{
	u64 f = irq_save();
	q_del(t);
	timed_del(t);
	irq_restore(f);
}

void sched_after_switch(void)
{
	if (to_reap) {
		thread_free(to_reap);
		to_reap = NULL;
	}
}

/* Interrupts are off. Picks the next thread and switches to it. */
void schedule(void)
{
	struct thread *prev = current;
	if (prev->state == T_RUNNING && prev != &idle_thread) {
		prev->state = T_RUNNABLE;
		q_push(&runq, prev);
	}
	struct thread *next = q_pop(&runq);
	if (!next)
		next = &idle_thread;
	need_switch = false;
	slice_end = 0;
	u64 t = rdtsc();
	prev->run_ns += tsc_to_ns(t - last_tsc);
	if (prev == &idle_thread)
		idle_ns += tsc_to_ns(t - last_tsc);
	last_tsc = t;
	if (next == prev) {
		prev->state = T_RUNNING;
		rearm();
		return;
	}
	if (prev->state == T_DEAD)
		to_reap = prev;
	next->state = T_RUNNING;
	next->switches++;
	if (next->proc)
		next->proc->switches++;
	nswitches++;

	/* The idle thread runs on whatever tables are loaded (every address
	 * space has the same kernel half): going idle and back to the same
	 * process costs no CR3 load, which flushes the TLB (a full flush of
	 * QEMU's software TLB under TCG). proc_exit leaves a dying address
	 * space before freeing it. */
	if (next->proc) {
		paddr_t next_as = next->proc->pml4;
		if ((read_cr3() & PTE_ADDR) != next_as) {
			write_cr3(next_as);
			ncr3++;
		}
	}
	tss_set_rsp0(next->kstack_top);
	syscall_kstack_top = next->kstack_top;
	__asm__ volatile("fxsave64 %0" : "=m"(prev->fx));
	__asm__ volatile("fxrstor64 %0" ::"m"(next->fx));
	if (prev->fs_base != next->fs_base || next->proc)
		wrmsr(MSR_FS_BASE, next->fs_base);
	current = next;
	rearm();
	switch_stack(&prev->ksp, next->ksp);
	sched_after_switch();
}

void sched_yield(void)
{
	u64 f = irq_save();
	schedule();
	irq_restore(f);
}

void sched_block(struct waitq *q)
{
	u64 f = irq_save();
	current->state = T_BLOCKED;
	q_push(q, current);
	schedule();
	irq_restore(f);
}

void sched_wake_one(struct waitq *q)
{
	u64 f = irq_save();
	struct thread *t = q->head;
	if (t)
		enqueue(t);
	irq_restore(f);
}

void sched_wake_all(struct waitq *q)
{
	u64 f = irq_save();
	while (q->head)
		enqueue(q->head);
	irq_restore(f);
}

bool sched_block_until(struct waitq *q, u64 deadline_ns)
{
	u64 f = irq_save();
	current->wake_ns = deadline_ns;
	current->timed_out = false;
	current->state = T_BLOCKED;
	if (deadline_ns)
		timed_add(current);
	q_push(q, current);
	schedule();
	timed_del(current);
	current->wake_ns = 0;
	irq_restore(f);
	return current->timed_out;
}

void sched_sleep_ns(u64 ns)
{
	sched_block_until(&sleepers, now_ns() + (ns ? ns : 1));
}

/* Timer interrupt (interrupts off): wake the blocked threads whose deadline
 * passed, end a slice that is over, poll the serial line, arm the next. */
void sched_timer(void)
{
	u64 now = now_ns();
	event_send_deferred(now);
	for (struct thread *t = timed, *n; t; t = n) {
		n = t->tnext;
		if (t->state == T_BLOCKED && t->wake_ns <= now) {
			t->timed_out = true;
			t->wake_ns = 0;
			enqueue(t); /* takes it off the list */
		}
	}
	if (slice_end && slice_end <= now && runq.head)
		need_switch = true;
	if (poll_at && poll_at <= now) {
		poll_at = 0;
		console_poll_input();
	}
	rearm();
}

void sched_alarm_changed(void)
{
	u64 f = irq_save();
	rearm();
	irq_restore(f);
}

bool sched_should_switch(void) { return need_switch; }
void sched_request_switch(void) { need_switch = true; }

__noreturn void sched_idle(void)
{
	for (;;) {
		cpu_cli();
		if (runq.head) {
			schedule();
		} else {
			rearm();
			cpu_sti_hlt(); /* an interrupt after the check still wakes us */
		}
	}
}

__noreturn void thread_exit(void)
{
	cpu_cli();
	current->state = T_DEAD;
	schedule(); /* the next thread frees this one's stack */
	panic("thread %d ran after its exit", current->tid);
}

u64 sched_idle_ns(void)
{
	u64 f = irq_save();
	u64 v = idle_ns + (current == &idle_thread ? tsc_to_ns(rdtsc() - last_tsc) : 0);
	irq_restore(f);
	return v;
}
u64 sched_switches(void) { return nswitches; }
u64 sched_cr3_loads(void) { return ncr3; }
