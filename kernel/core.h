/*
 * core.h - who am I, and the board cores share.
 *
 * Every global in the kernel is per core (DESIGN 1): `this_core` is a plain
 * global that holds a different value on each core because each core runs on
 * its own physical copy of .data/.bss.
 *
 * struct kshared is the kernel's only writable memory that several cores see
 * after boot. It sits in the first frames of the channel pool and holds:
 *   - the console line lock (debug console only; the one atomic in the kernel),
 *   - one status line per core, written only by that core,
 *   - cross-core call lines (kernel/xcall.c): request lines written only by the
 *     calling core, response lines written only by the called core;
 *   - wake lines (kernel/event.c): per pair of cores, the pids one core names
 *     for the other (written only by the waking core) and how far the woken
 *     core has read them (written only by it).
 */
#ifndef KERNEL_CORE_H
#define KERNEL_CORE_H

#include "types.h"

enum core_state {
	CORE_OFF = 0,
	CORE_BOOTING,
	CORE_UP,
	CORE_FAULTED,  /* stopped by an unrecoverable exception */
	CORE_PANICKED, /* stopped by panic() */
};

struct core_status {
	volatile u32 state;
	u32 vector;    /* for CORE_FAULTED */
	u64 rip, cr2, error;
	u64 up_tsc;    /* TSC when the core reported "up" */
	volatile u64 timer_irqs; /* timer interrupts so far (other cores read it: tests) */
	u64 pad[2];
} __aligned(CACHE_LINE);

#define XCALL_PAYLOAD 480
struct xcall_req {
	volatile u64 seq; /* written last: a new seq publishes fn, arg and payload */
	u64 fn, arg;
	u64 len;
	u8 payload[XCALL_PAYLOAD]; /* bytes the call needs (the caller's memory is private) */
} __aligned(CACHE_LINE);

struct xcall_resp {
	volatile u64 seq; /* written last: equal to the request's seq when result is valid */
	u64 result;
	u64 pad[6];
} __aligned(CACHE_LINE);

#define WAKE_SLOTS 14
struct wake_line {
	volatile u32 head;     /* pids named so far (pid[head % WAKE_SLOTS] is the next) */
	volatile u32 overflow; /* times the line was full: the target wakes everyone */
	volatile i32 pid[WAKE_SLOTS];
} __aligned(CACHE_LINE);

struct wake_ack {
	volatile u32 tail;     /* the target has read up to here */
	u32 pad[15];
} __aligned(CACHE_LINE);

struct kshared {
	volatile u32 console_owner; /* 1 + core holding the console line lock; 0 = free */
	u32 pad0[15];
	struct core_status status[MAX_CORES];
	/* followed by ncores*ncores request lines, as many response lines,
	 * then ncores*ncores wake lines and as many wake acks */
};

extern int this_core;
extern int ncores;
extern struct kshared *kshared;

static inline u64 kshared_bytes(int n)
{
	return sizeof(struct kshared) + (u64)n * (u64)n *
	       (sizeof(struct xcall_req) + sizeof(struct xcall_resp) + sizeof(struct wake_line) +
		sizeof(struct wake_ack));
}
static inline struct xcall_req *xcall_req_line(int target, int source)
{
	struct xcall_req *r = (struct xcall_req *)(kshared + 1);
	return &r[target * ncores + source];
}
static inline struct xcall_resp *xcall_resp_line(int target, int source)
{
	struct xcall_resp *r = (struct xcall_resp *)((struct xcall_req *)(kshared + 1) + ncores * ncores);
	return &r[target * ncores + source];
}
static inline struct wake_line *wake_line_of(int target, int source)
{
	struct wake_line *w = (struct wake_line *)(xcall_resp_line(0, 0) + ncores * ncores);
	return &w[target * ncores + source];
}
static inline struct wake_ack *wake_ack_of(int target, int source)
{
	struct wake_ack *a = (struct wake_ack *)(wake_line_of(0, 0) + ncores * ncores);
	return &a[target * ncores + source];
}
static inline struct core_status *core_status_of(int core) { return &kshared->status[core]; }

#endif
