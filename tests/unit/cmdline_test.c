/* Host tests of the kernel command-line parser (kernel/cmdline.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kernel/cmdline.h"
#include "kernel/errno.h"

static void get_values(void **s)
{
	(void)s;
	const char *cl = "loglevel=7 tests=boot,mem quiet hz=250 testsx=no";
	char v[16];
	assert_int_equal(cmdline_get(cl, "loglevel", v, sizeof(v)), 1);
	assert_string_equal(v, "7");
	assert_int_equal(cmdline_get(cl, "tests", v, sizeof(v)), 8);
	assert_string_equal(v, "boot,mem");
	assert_int_equal(cmdline_get(cl, "quiet", v, sizeof(v)), 0);
	assert_string_equal(v, "");
	assert_int_equal(cmdline_get(cl, "test", v, sizeof(v)), -ENOENT);  /* prefix is not a match */
	assert_int_equal(cmdline_get(cl, "missing", v, sizeof(v)), -ENOENT);
	assert_int_equal(cmdline_get(NULL, "hz", v, sizeof(v)), -ENOENT);
	assert_int_equal(cmdline_get("  hz=1   ", "hz", v, sizeof(v)), 1);
	assert_string_equal(v, "1");
}

static void truncated_value(void **s)
{
	(void)s;
	char v[4];
	assert_int_equal(cmdline_get("name=abcdefgh", "name", v, sizeof(v)), 8);
	assert_string_equal(v, "abc");
}

static void numbers(void **s)
{
	(void)s;
	uint64_t x = 0;
	assert_int_equal(cmdline_get_u64("hz=250", "hz", &x), 0);
	assert_int_equal(x, 250);
	assert_int_equal(cmdline_get_u64("m=0x1F", "m", &x), 0);
	assert_int_equal(x, 31);
	assert_int_equal(cmdline_get_u64("chanpool=16M", "chanpool", &x), 0);
	assert_int_equal(x, 16u << 20);
	assert_int_equal(cmdline_get_u64("c=2G", "c", &x), 0);
	assert_int_equal(x, 2ull << 30);
	assert_int_equal(cmdline_get_u64("c=4k", "c", &x), 0);
	assert_int_equal(x, 4096);
	assert_int_equal(cmdline_get_u64("hz=", "hz", &x), -EINVAL);
	assert_int_equal(cmdline_get_u64("hz=12q", "hz", &x), -EINVAL);
	assert_int_equal(cmdline_get_u64("hz=abc", "hz", &x), -EINVAL);
	assert_int_equal(cmdline_get_u64("hz=99999999999999999999", "hz", &x), -EINVAL);
	assert_int_equal(cmdline_get_u64("c=17179869184G", "c", &x), -EINVAL);
	assert_int_equal(cmdline_get_u64("", "hz", &x), -ENOENT);
}

static void lists(void **s)
{
	(void)s;
	assert_true(cmdline_list_has("boot,mem,timer", "mem"));
	assert_true(cmdline_list_has("boot,mem,timer", "timer"));
	assert_false(cmdline_list_has("boot,mem,timer", "me"));
	assert_false(cmdline_list_has("boot,mem,timer", "traps"));
	assert_true(cmdline_list_has("all", "traps"));
	assert_false(cmdline_list_has("", "boot"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_values),
		cmocka_unit_test(truncated_value),
		cmocka_unit_test(numbers),
		cmocka_unit_test(lists),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
