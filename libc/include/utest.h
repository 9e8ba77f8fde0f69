/*
 * utest.h - tests inside user programs, reported as KTAP.
 *
 *   UTEST(malloc_stress) { UT_EXPECT(t, p != NULL); }
 *   int main(int argc, char **argv) { return utest_main("libc", argc, argv); }
 *
 * utest_main runs every UTEST of the program in source order and prints a
 * KTAP subtest ("KTAP version 1", "# Subtest: <suite>", "1..N", one
 * "ok/not ok" line per test), indented by the depth given as the first
 * argument (the in-OS harness passes 2, so the lines nest under its own
 * suite). It returns 0 when every test passed, 1 otherwise.
 */
#ifndef _PIKAOS_UTEST_H
#define _PIKAOS_UTEST_H

struct utest_ctx {
	int failures;
	const char *indent;
};

struct utest_case {
	const char *name;
	void (*fn)(struct utest_ctx *t);
	int line;
};

#define UTEST(name_)                                                                              \
	static void utest_fn_##name_(struct utest_ctx *t);                                        \
	static const struct utest_case utest_case_##name_ __attribute__((used, section(".utests"), \
									   aligned(8))) = {        \
		#name_, utest_fn_##name_, __LINE__ };                                             \
	static void utest_fn_##name_(struct utest_ctx *t)

int utest_check(struct utest_ctx *t, int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int utest_main(const char *suite, int argc, char **argv);

#define UT_EXPECT(t, c) utest_check(t, (c) ? 1 : 0, __FILE__, __LINE__, "expected %s", #c)
#define UT_EXPECT_EQ(t, a, b)                                                                        \
	({                                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                                  \
		utest_check(t, a_ == b_, __FILE__, __LINE__, "expected %s == %s (%lld vs %lld)", #a, \
			    #b, a_, b_);                                                             \
	})
#define UT_EXPECT_STR(t, a, b)                                                                       \
	({                                                                                           \
		const char *a_ = (a), *b_ = (b);                                                     \
		utest_check(t, a_ && b_ && strcmp(a_, b_) == 0, __FILE__, __LINE__,                  \
			    "expected \"%s\", got \"%s\"", b_ ? b_ : "(null)", a_ ? a_ : "(null)"); \
	})

#endif
