/*
 * xcall.h - run a kernel function on another core and get its result.
 *
 * The kernel's own cross-core messages, on the call lines of struct kshared
 * (core.h): the calling core writes the request line for (target, me), sends
 * the target an IPI, and the target's xcall worker thread, woken by it, runs
 * fn(arg) and writes the response line. The caller yields while it waits. Every line has exactly one writer, so no locks
 * and no atomic read-modify-write. Function pointers are valid everywhere
 * because every core runs the same kernel text at the same address.
 * Used by the in-OS tests and by core 0 at boot; the user-level channels
 * (DESIGN 2) are the general mechanism.
 */
#ifndef KERNEL_XCALL_H
#define KERNEL_XCALL_H

#include "types.h"

typedef u64 (*xcall_fn)(u64 arg);

/* Post fn(arg) to target. -EBUSY while the previous call to target is
 * unanswered, -EINVAL for a bad target. */
int xcall_post(int target, xcall_fn fn, u64 arg);
/* Wait for the answer to the last post. 0, or -ETIMEDOUT (result untouched). */
int xcall_wait(int target, u64 timeout_ns, u64 *result);
/* post + wait. */
int xcall_run(int target, xcall_fn fn, u64 arg, u64 timeout_ns, u64 *result);
/* Like xcall_post, with fn getting a pointer to a copy of the len bytes at
 * data (len <= XCALL_PAYLOAD) in the shared request line. -E2BIG if longer. */
int xcall_post_payload(int target, xcall_fn fn, const void *data, u64 len);
/* post + wait, where fn gets a pointer to a copy of the len bytes at data
 * (len <= XCALL_PAYLOAD), placed in the shared request line. -E2BIG if longer. */
int xcall_run_payload(int target, xcall_fn fn, const void *data, u64 len, u64 timeout_ns,
		      u64 *result);
/* Starts this core's xcall worker, the kernel thread that runs incoming calls. */
void xcall_init_core(void);
/* From the VEC_XCALL interrupt: wake the worker. */
void xcall_kick(void);

#endif
