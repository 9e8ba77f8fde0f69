/* xcall.c - see xcall.h. */
#include "xcall.h"
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "lapic.h"
#include "panic.h"
#include "sched.h"
#include "timer.h"
#include "x86.h"

#include <string.h>

static u64 posted[MAX_CORES]; /* seq of my last request to each core */
static struct waitq worker_q;  /* the worker sleeps here */
static struct thread *worker;

static int post(int target, xcall_fn fn, u64 arg, const void *data, u64 len)
{
	if (target < 0 || target >= ncores || target == this_core)
		return -EINVAL;
	if (len > XCALL_PAYLOAD)
		return -E2BIG;
	struct xcall_req *rq = xcall_req_line(target, this_core);
	struct xcall_resp *rs = xcall_resp_line(target, this_core);
	if (READ_ONCE(rs->seq) != posted[target])
		return -EBUSY;
	rq->fn = (u64)fn;
	rq->len = len;
	if (data) {
		memcpy(rq->payload, data, len);
		arg = (u64)rq->payload; /* the same address on every core (channel pool) */
	}
	rq->arg = arg;
	/* x86 keeps stores in order: fn, arg and payload are visible before the
	 * new seq. The compiler barrier keeps the compiler from reordering them. */
	barrier();
	WRITE_ONCE(rq->seq, ++posted[target]);
	lapic_send_ipi(bootinfo.apic_id[target], VEC_XCALL);
	return 0;
}

int xcall_post(int target, xcall_fn fn, u64 arg) { return post(target, fn, arg, NULL, 0); }

int xcall_post_payload(int target, xcall_fn fn, const void *data, u64 len)
{
	return post(target, fn, 0, data, len);
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
		sched_yield(); /* let this core's own work (its worker too) run meanwhile */
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

int xcall_run_payload(int target, xcall_fn fn, const void *data, u64 len, u64 timeout_ns,
		      u64 *result)
{
	int e = post(target, fn, 0, data, len);
	return e ? e : xcall_wait(target, timeout_ns, result);
}

/* A request from src is pending when its seq is ahead of our answer. */
static bool pending(void)
{
	for (int src = 0; src < ncores; src++)
		if (src != this_core &&
		    READ_ONCE(xcall_req_line(this_core, src)->seq) != xcall_resp_line(this_core, src)->seq)
			return true;
	return false;
}

static void serve(void)
{
	for (int src = 0; src < ncores; src++) {
		if (src == this_core)
			continue;
		struct xcall_req *rq = xcall_req_line(this_core, src);
		struct xcall_resp *rs = xcall_resp_line(this_core, src);
		u64 seq = READ_ONCE(rq->seq);
		if (seq == rs->seq)
			continue;
		barrier();
		u64 r = ((xcall_fn)rq->fn)(rq->arg);
		rs->result = r;
		barrier();
		WRITE_ONCE(rs->seq, seq);
	}
}

static void worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		serve();
		/* Check and sleep with interrupts off: a kick cannot fall in between. */
		u64 f = irq_save();
		if (!pending())
			sched_block(&worker_q);
		irq_restore(f);
	}
}

void xcall_init_core(void)
{
	worker = kthread_create("xcalld", worker_main, NULL);
	if (!worker)
		panic("xcall: cannot start the worker");
}

void xcall_kick(void)
{
	sched_wake_one(&worker_q);
}
