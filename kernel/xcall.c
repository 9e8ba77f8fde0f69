/* xcall.c - see xcall.h. */
#include "xcall.h"
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "lapic.h"
#include "timer.h"
#include "x86.h"

static u64 posted[MAX_CORES];  /* seq of my last request to each core */
static bool polling;           /* xcall_poll is running (no nesting) */

int xcall_post(int target, xcall_fn fn, u64 arg)
{
	if (target < 0 || target >= ncores || target == this_core)
		return -EINVAL;
	struct xcall_req *rq = xcall_req_line(target, this_core);
	struct xcall_resp *rs = xcall_resp_line(target, this_core);
	if (READ_ONCE(rs->seq) != posted[target])
		return -EBUSY;
	rq->fn = (u64)fn;
	rq->arg = arg;
	/* x86 keeps stores in order: fn and arg are visible before the new seq.
	 * The compiler barrier keeps the compiler from reordering them. */
	barrier();
	WRITE_ONCE(rq->seq, ++posted[target]);
	lapic_send_ipi(bootinfo.apic_id[target], VEC_XCALL);
	return 0;
}

int xcall_wait(int target, u64 timeout_ns, u64 *result)
{
	if (target < 0 || target >= ncores || target == this_core)
		return -EINVAL;
	struct xcall_resp *rs = xcall_resp_line(target, this_core);
	u64 end = now_ns() + timeout_ns;
	while (READ_ONCE(rs->seq) != posted[target]) {
		if (now_ns() > end)
			return -ETIMEDOUT;
		u64 f = irq_save();
		xcall_poll();
		irq_restore(f);
		cpu_pause();
	}
	barrier(); /* loads stay in order on x86: result is read after seq */
	if (result)
		*result = rs->result;
	return 0;
}

int xcall_run(int target, xcall_fn fn, u64 arg, u64 timeout_ns, u64 *result)
{
	int e = xcall_post(target, fn, arg);
	return e ? e : xcall_wait(target, timeout_ns, result);
}

void xcall_poll(void)
{
	if (polling || !kshared)
		return;
	polling = true;
	for (int src = 0; src < ncores; src++) {
		if (src == this_core)
			continue;
		struct xcall_req *rq = xcall_req_line(this_core, src);
		struct xcall_resp *rs = xcall_resp_line(this_core, src);
		u64 seq = READ_ONCE(rq->seq);
		if (seq == rs->seq)
			continue;
		barrier();
		/* Calls run with interrupts on: a test may wait for timer ticks. */
		u64 flags = read_rflags();
		cpu_sti();
		u64 r = ((xcall_fn)rq->fn)(rq->arg);
		if (!(flags & (1UL << 9)))
			cpu_cli();
		rs->result = r;
		barrier();
		WRITE_ONCE(rs->seq, seq);
	}
	polling = false;
}
