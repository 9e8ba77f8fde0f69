/* Replays the fuzzer's seeds and every saved crash input (tests/fuzz/net/
 * regress/) through the same harness body as the libFuzzer target, plus a
 * fixed sweep of pseudo-random programs. Each must finish with full pools
 * and balanced drop/accept accounting (the harness aborts otherwise). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "tests/unit/net/harness.h"

int fuzz_one(const uint8_t *data, size_t size);

#ifndef NET_SRC_ROOT
#define NET_SRC_ROOT "."
#endif

static unsigned replay_dir(const char *rel)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/%s", NET_SRC_ROOT, rel);
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
		static uint8_t buf[1 << 20];
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		fuzz_one(buf, len);
		n++;
	}
	closedir(d);
	return n;
}

static void test_seeds(void **state)
{
	(void)state;
	assert_true(replay_dir("tests/fuzz/net/seeds") >= 3);
}

static void test_saved_crashes(void **state)
{
	(void)state;
	assert_true(replay_dir("tests/fuzz/net/regress") >= 1);
}

static void test_random_programs(void **state)
{
	(void)state;
	uint64_t r = 77;
	static uint8_t prog[4096];
	for (int i = 0; i < 300; i++) {
		size_t len = 16 + rng_next(&r) % sizeof(prog);
		for (size_t k = 0; k < len; k++)
			prog[k] = (uint8_t)rng_next(&r);
		/* bias toward the templated operations that reach deep state */
		for (size_t k = 0; k < len; k += 24)
			prog[k] = (uint8_t)(1 + rng_next(&r) % 9);
		fuzz_one(prog, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_saved_crashes),
		cmocka_unit_test(test_random_programs),
	};
	return cmocka_run_group_tests_name("net_fuzz_regress", tests, NULL, NULL);
}
