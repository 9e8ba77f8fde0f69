/* Host tests of the KTAP parser (tools/ktap) that reads the serial log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../tools/ktap/ktap.h"

static char last_fail[256];

static void rec(struct ktap *k, enum ktap_status st, const char *name, const char *why)
{
	(void)k;
	(void)why;
	if (st == KTAP_FAIL)
		snprintf(last_fail, sizeof(last_fail), "%s", name);
}

static void feed(struct ktap *k, const char *text)
{
	char line[512];
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		memcpy(line, text, n);
		line[n] = '\0';
		ktap_line(k, line);
		text += n + (nl ? 1 : 0);
	}
	ktap_finish(k);
}

static void pass_fail_skip(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	feed(&k, "KTAP version 1\n1..3\nok 1 a\nnot ok 2 b # expected 1 got 2\nok 3 c # SKIP not here\n");
	assert_int_equal(k.passed, 1);
	assert_int_equal(k.failed, 1);
	assert_int_equal(k.skipped, 1);
	assert_string_equal(last_fail, "b");
}

static void nested_suites_with_core_prefix(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	last_fail[0] = 0;
	feed(&k,
	     "[c0] KTAP version 1\n"
	     "[c0] 1..2\n"
	     "[c0]     KTAP version 1\n"
	     "[c0]     # Subtest: mem\n"
	     "[c0]     1..2\n"
	     "[c0]     ok 1 frames_own_range\n"
	     "[c2]     # core 2: diagnostics from another core\n"
	     "[c0]     ok 2 exhaust_and_free\n"
	     "[c0] ok 1 mem\n"
	     "[c0]     KTAP version 1\n"
	     "[c0]     # Subtest: timer\n"
	     "[c0]     1..1\n"
	     "[c0]     not ok 1 rate\n"
	     "[c0] not ok 2 timer\n");
	assert_int_equal(k.passed, 2);
	assert_int_equal(k.failed, 1); /* the suite result is not a second failure */
	assert_string_equal(last_fail, "timer.rate");
}

static void truncated_log_counts_missing(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	feed(&k,
	     "KTAP version 1\n1..2\n"
	     "    KTAP version 1\n    # Subtest: boot\n    1..3\n    ok 1 one\n");
	/* two missing in "boot", and suite 2 never started */
	assert_int_equal(k.passed, 1);
	assert_int_equal(k.failed, 2 + 2);
}

static void panic_line_fails(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	feed(&k, "KTAP version 1\n1..1\n[c3] !!! PANIC core 3: out of frames\nok 1 a\n");
	assert_int_equal(k.passed, 1);
	assert_int_equal(k.failed, 1);
	assert_string_equal(last_fail, "kernel.panic_core_3");
}

static void announced_fault_is_not_failure(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	feed(&k,
	     "KTAP version 1\n1..1\n"
	     "[c0] # expect-fault core 1\n"
	     "[c1] !!! FAULT core 1 vector 14 (#PF) error 0x3\n"
	     "[c2] !!! FAULT core 2 vector 13 (#GP) error 0x0\n"
	     "[c0] ok 1 isolation\n");
	assert_int_equal(k.passed, 1);
	assert_int_equal(k.failed, 1);
	assert_string_equal(last_fail, "kernel.fault_core_2");
}

static void boot_lines_checked(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, 2, rec, NULL);
	feed(&k, "[c0] core 0: up\n[c1] core 1: up\n[c0] pikaos: 2 cores up in 12 ms\n");
	assert_int_equal(k.passed, 1);
	assert_int_equal(k.failed, 0);

	ktap_init(&k, 4, rec, NULL);
	feed(&k, "[c0] core 0: up\n[c1] core 1: up\n[c0] pikaos: 2 cores up in 12 ms\n");
	assert_int_equal(k.passed, 0);
	assert_int_equal(k.failed, 1);
	assert_string_equal(last_fail, "boot.all_cores_up");
}

static void tap13_dash_form_and_empty_log(void **state)
{
	(void)state;
	struct ktap k;
	ktap_init(&k, -1, rec, NULL);
	feed(&k, "TAP version 13\n1..2\nok 1 - first test\nok 2 - second\n");
	assert_int_equal(k.passed, 2);
	assert_int_equal(k.failed, 0);

	ktap_init(&k, -1, rec, NULL);
	feed(&k, "SeaBIOS noise\nGRUB loading\n");
	assert_int_equal(k.failed, 1);
	assert_string_equal(last_fail, "no_output");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pass_fail_skip),
		cmocka_unit_test(nested_suites_with_core_prefix),
		cmocka_unit_test(truncated_log_counts_missing),
		cmocka_unit_test(panic_line_fails),
		cmocka_unit_test(announced_fault_is_not_failure),
		cmocka_unit_test(boot_lines_checked),
		cmocka_unit_test(tap13_dash_form_and_empty_log),
	};
	return cmocka_run_group_tests_name("ktap", tests, NULL, NULL);
}
