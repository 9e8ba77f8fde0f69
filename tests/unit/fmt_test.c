/* Host tests of libc/fmt.c: every conversion compared with an exact expected string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "libc/include/fmt.h"

#define CHECK(expect, ...)                                                    \
	do {                                                                  \
		char b[128];                                                  \
		int r = fmt_snprintf(b, sizeof(b), __VA_ARGS__);              \
		assert_string_equal(b, expect);                               \
		assert_int_equal(r, (int)strlen(expect));                     \
	} while (0)

static void integers(void **s)
{
	(void)s;
	CHECK("42", "%d", 42);
	CHECK("-42", "%i", -42);
	CHECK("-2147483648", "%d", (int)INT32_MIN);
	CHECK("-9223372036854775808", "%lld", (long long)INT64_MIN);
	CHECK("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	CHECK("ffffffff", "%x", 0xffffffffu);
	CHECK("DEADBEEF", "%X", 0xdeadbeefu);
	CHECK("0x1f", "%#x", 31);
	CHECK("17", "%o", 15);
	CHECK("017", "%#o", 15);
	CHECK("255", "%hhu", 511);
	CHECK("-1", "%hd", 65535);
	CHECK("123456789012", "%zu", (size_t)123456789012ull);
	CHECK("+5", "%+d", 5);
	CHECK(" 5", "% d", 5);
}

static void widths_and_precision(void **s)
{
	(void)s;
	CHECK("   42", "%5d", 42);
	CHECK("42   |", "%-5d|", 42);
	CHECK("00042", "%05d", 42);
	CHECK("-0042", "%05d", -42);
	CHECK("  042", "%5.3d", 42);
	CHECK("0000beef", "%08x", 0xbeef);
	CHECK("   ab", "%*s", 5, "ab");
	CHECK("ab   |", "%-*s|", 5, "ab");
	CHECK("abc", "%.3s", "abcdef");
	CHECK("", "%.0d", 0);
	CHECK("0", "%d", 0);
}

static void strings_chars_pointers(void **s)
{
	(void)s;
	CHECK("hello world", "%s %s", "hello", "world");
	const char *volatile nul = NULL;
	CHECK("(null)", "%s", nul);
	CHECK("x", "%c", 'x');
	CHECK("  x", "%3c", 'x');
	CHECK("100%", "%d%%", 100);
	CHECK("0xffffffff80001000", "%p", (void *)0xffffffff80001000ull);
	const char *volatile unknown = "%q";
	CHECK("%q", unknown);
}

static void floating_point(void **s)
{
	(void)s;
	CHECK("3.141593", "%f", 3.14159265);
	CHECK("3.14", "%.2f", 3.14159265);
	CHECK("-0.500", "%.3f", -0.5);
	CHECK("2", "%.0f", 1.5);
	CHECK("  1.25", "%6.2f", 1.25);
	CHECK("001.25", "%06.2f", 1.25);
	CHECK("-01.25", "%06.2f", -1.25);
	CHECK("1.234560e+05", "%e", 123456.0);
	CHECK("1.0E-03", "%.1E", 0.001);
	CHECK("100000", "%g", 100000.0);
	CHECK("1e+06", "%g", 1000000.0);
	CHECK("0.0001", "%g", 0.0001);
	CHECK("1.5", "%g", 1.5);
	CHECK("12345.7", "%g", 12345.678);
	CHECK("inf", "%f", 1e308 * 10);
	CHECK("-inf", "%f", -1e308 * 10);
	CHECK("nan", "%f", 0.0 / 0.0);
	CHECK("0.000000", "%f", 0.0);
	CHECK("1.000000e+20", "%f", 1e20);
}

static void truncation(void **s)
{
	(void)s;
	char b[6];
	int r = fmt_snprintf(b, sizeof(b), "%s", "abcdefghij");
	assert_int_equal(r, 10);
	assert_string_equal(b, "abcde");
	r = fmt_snprintf(NULL, 0, "%d", 12345);
	assert_int_equal(r, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(widths_and_precision),
		cmocka_unit_test(strings_chars_pointers),
		cmocka_unit_test(floating_point),
		cmocka_unit_test(truncation),
	};
	return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
