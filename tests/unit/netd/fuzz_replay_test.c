/* Replays a netd fuzz target's seeds and saved findings (tests/fuzz/netd/
 * seeds/TARGET, regress/TARGET) through the same harness as the libFuzzer
 * binary (make fuzz-netd), then a fixed sweep of pseudo-random programs.
 * The harness aborts on any broken invariant; ASan and UBSan watch the
 * rest. Built once per target: -DFUZZ_TARGET=sock or monitor. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define STR2(x) #x
#define STR(x) STR2(x)
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define ONE CAT(CAT(fuzz_, FUZZ_TARGET), _one)

int ONE(const uint8_t *data, size_t size);

#ifndef SRC_ROOT
#define SRC_ROOT "."
#endif

static unsigned replay_dir(const char *kind)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/tests/fuzz/netd/%s/%s", SRC_ROOT, kind, STR(FUZZ_TARGET));
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	unsigned n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static uint8_t buf[1 << 16];
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ONE(buf, len);
		n++;
	}
	closedir(d);
	return n;
}

static void test_seeds(void **state)
{
	(void)state;
	assert_true(replay_dir("seeds") >= 4);
}

static void test_saved_findings(void **state)
{
	(void)state;
	replay_dir("regress"); /* none saved yet is fine */
}

static void test_random_programs(void **state)
{
	(void)state;
	uint64_t r = 0x9e3779b97f4a7c15ULL;
	static uint8_t prog[2048];
	for (int i = 0; i < 200; i++) {
		size_t len = 8 + (size_t)(r % (sizeof(prog) - 8));
		for (size_t k = 0; k < len; k++) {
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			prog[k] = (uint8_t)r;
		}
		ONE(prog, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_saved_findings),
		cmocka_unit_test(test_random_programs),
	};
	return cmocka_run_group_tests_name("netd_fuzz_" STR(FUZZ_TARGET), tests, NULL, NULL);
}
