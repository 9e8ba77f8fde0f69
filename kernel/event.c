/* event.c - see event.h. */
#include "event.h"
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "lapic.h"
#include "sched.h"
#include "timer.h"
#include "x86.h"

static u64 generation;
static struct waitq waiters;
struct event_stats event_stats;

u64 event_prepare(void) { return READ_ONCE(generation); }

int event_wait(u64 token, u64 timeout_ns)
{
	u64 f = irq_save();
	if (generation != token) { /* a wake-up came after prepare */
		irq_restore(f);
		return 0;
	}
	u64 deadline = timeout_ns >= (1ULL << 62) ? 0 : now_ns() + timeout_ns;
	if (deadline == 0 && timeout_ns < (1ULL << 62))
		deadline = 1;
	bool timed_out = sched_block_until(&waiters, deadline);
	irq_restore(f);
	return timed_out ? -ETIMEDOUT : 0;
}

static void wake_here(void)
{
	u64 f = irq_save();
	generation++;
	event_stats.wakes++;
	sched_wake_all(&waiters);
	irq_restore(f);
}

void event_ipi(void) { wake_here(); }

int event_wake(int core)
{
	if (core < 0 || core >= ncores)
		return -EINVAL;
	if (core == this_core) {
		wake_here();
		return 0;
	}
	event_stats.ipis_sent++;
	lapic_send_ipi(bootinfo.apic_id[core], VEC_EVENT);
	return 0;
}
