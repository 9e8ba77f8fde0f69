/*
 * ktest.h - in-OS tests, reported as KTAP v1 on the serial line.
 *
 * A test is a function registered with KTEST() in a linker section
 * (.ktests.<suite>); `tests=all` or `tests=suite1,suite2` on the kernel
 * command line makes core 0 run the chosen suites once every core is up,
 * print KTAP, and power the machine off with the result (QEMU exits 1 when
 * everything passed, 3 otherwise; see tools/qemu).
 *
 *   KTEST(mem, exhaust_and_free, KTEST_EVERY_CORE, 1) {
 *           KT_EXPECT_EQ(t, frame_count(), start);
 *   }
 *
 * KTEST_EVERY_CORE runs the body on every live core at once (through
 * xcalls) and passes when all pass. A test needing more cores than the
 * machine has is reported as skipped, and so is a KTEST_NEEDS_NET test when
 * the network is not configured. Suites holding a KTEST_DESTRUCTIVE
 * test (one that stops a core on purpose) run after all others.
 */
#ifndef KERNEL_KTEST_H
#define KERNEL_KTEST_H

#include "types.h"

struct ktest_ctx;

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest_ctx *t);
	u32 flags;
	u32 min_cores;
	u64 line; /* orders the tests of a suite */
};

#define KTEST_EVERY_CORE 1u
#define KTEST_DESTRUCTIVE 2u
#define KTEST_NEEDS_NET 4u /* skipped unless netd and httpd run everywhere with a static ip= */

struct ktest_ctx {
	const struct ktest *test;
	int core;
	int failures;
};

#define KTEST(suite_, name_, flags_, min_cores_)                                               \
	static void ktest_fn_##suite_##_##name_(struct ktest_ctx *t);                          \
	static const struct ktest ktest_##suite_##_##name_ __used __section(".ktests." #suite_) \
		__aligned(8) = { #suite_, #name_, ktest_fn_##suite_##_##name_, flags_,           \
				 min_cores_, __LINE__ };                                         \
	static void ktest_fn_##suite_##_##name_(struct ktest_ctx *t)

/* Records a failure with a diagnostic line when !ok; returns ok. */
bool ktest_check(struct ktest_ctx *t, bool ok, const char *file, int line, const char *fmt, ...)
	__printf(5, 6);
/* A diagnostic line ("# ...") inside the current test's output. */
void ktest_note(struct ktest_ctx *t, const char *fmt, ...) __printf(2, 3);
/* Announces that `core` is about to stop with a fault report on purpose. */
void ktest_expect_fault(int core);

#define KT_EXPECT(t, c) ktest_check(t, (c), __FILE__, __LINE__, "expected %s", #c)
#define KT_EXPECT_EQ(t, a, b)                                                                 \
	({                                                                                    \
		u64 a_ = (u64)(a), b_ = (u64)(b);                                             \
		ktest_check(t, a_ == b_, __FILE__, __LINE__, "expected %s == %s (%#lx vs %#lx)", #a, \
			    #b, a_, b_);                                                      \
	})
#define KT_EXPECT_NE(t, a, b)                                                                 \
	({                                                                                    \
		u64 a_ = (u64)(a), b_ = (u64)(b);                                             \
		ktest_check(t, a_ != b_, __FILE__, __LINE__, "expected %s != %s (both %#lx)", #a, #b, \
			    a_);                                                              \
	})
#define KT_FAIL(t, ...) ktest_check(t, false, __FILE__, __LINE__, __VA_ARGS__)

/* Core 0: runs the suites chosen by `list`; returns the number of failed tests. */
int ktest_run(const char *list);

#endif
