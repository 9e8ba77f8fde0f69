/* ktest.c - see ktest.h. Runs on core 0; test bodies run on any core. */
#include "ktest.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "core.h"
#include "timer.h"
#include "xcall.h"

#include <fmt.h>
#include <string.h>

#define MAX_TESTS 512
#define EVERY_CORE_TIMEOUT_NS (120ULL * 1000 * 1000 * 1000)

extern const struct ktest __ktests_start[], __ktests_end[];

static const struct ktest *order[MAX_TESTS];
static int ntests;

bool ktest_check(struct ktest_ctx *t, bool ok, const char *file, int line, const char *fmt, ...)
{
	if (ok)
		return true;
	t->failures++;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("    # core %d: %s:%d: %s\n", t->core, file, line, msg);
	return false;
}

void ktest_note(struct ktest_ctx *t, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("    # core %d: %s\n", t->core, msg);
}

void ktest_expect_fault(int core)
{
	kprintf("    # expect-fault core %d\n", core);
}

static u64 run_here(u64 arg)
{
	const struct ktest *k = (const struct ktest *)arg;
	struct ktest_ctx t = { k, this_core, 0 };
	k->fn(&t);
	return (u64)t.failures;
}

static bool suite_destructive(const char *suite)
{
	for (int i = 0; i < ntests; i++)
		if (strcmp(order[i]->suite, suite) == 0 && (order[i]->flags & KTEST_DESTRUCTIVE))
			return true;
	return false;
}

/* Tests grouped by suite (suites alphabetical, destructive ones last), each
 * suite in source order. */
static void collect(void)
{
	ntests = 0;
	for (const struct ktest *k = __ktests_start; k < __ktests_end && ntests < MAX_TESTS; k++)
		order[ntests++] = k;
	for (int i = 1; i < ntests; i++) {
		const struct ktest *k = order[i];
		int j = i - 1;
		while (j >= 0) {
			const struct ktest *o = order[j];
			int c = strcmp(o->suite, k->suite);
			if (c < 0 || (c == 0 && o->line <= k->line))
				break;
			order[j + 1] = o;
			j--;
		}
		order[j + 1] = k;
	}
	/* stable move of destructive suites to the end */
	const struct ktest *tmp[MAX_TESTS];
	int n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < ntests; i++)
			if (suite_destructive(order[i]->suite) == (pass == 1))
				tmp[n++] = order[i];
	memcpy(order, tmp, sizeof(order[0]) * (size_t)n);
}

/* 0 = pass, 1 = fail */
static int run_one(const struct ktest *k)
{
	if (!(k->flags & KTEST_EVERY_CORE))
		return run_here((u64)k) ? 1 : 0;
	bool posted[MAX_CORES] = { false };
	int failed = 0;
	for (int c = 0; c < ncores; c++) {
		if (c == this_core)
			continue;
		u32 st = READ_ONCE(core_status_of(c)->state);
		if (st != CORE_UP) {
			kprintf("    # core %d is not running (state %u)\n", c, st);
			failed = 1;
			continue;
		}
		int e = xcall_post(c, run_here, (u64)k);
		if (e) {
			kprintf("    # core %d: cannot post the test: %d\n", c, e);
			failed = 1;
			continue;
		}
		posted[c] = true;
	}
	if (run_here((u64)k))
		failed = 1;
	for (int c = 0; c < ncores; c++) {
		if (!posted[c])
			continue;
		u64 r = 0;
		int e = xcall_wait(c, EVERY_CORE_TIMEOUT_NS, &r);
		if (e) {
			kprintf("    # core %d did not finish (state %u)\n", c,
				READ_ONCE(core_status_of(c)->state));
			failed = 1;
		} else if (r) {
			failed = 1;
		}
	}
	return failed;
}

/* The command line starts netd and httpd on every core with a static address. */
static bool net_configured(void)
{
	char ip[64];
	return strstr(bootinfo.cmdline, "netd@all") && strstr(bootinfo.cmdline, "httpd@all") &&
	       cmdline_get(bootinfo.cmdline, "ip", ip, sizeof(ip)) >= 0 && strncmp(ip, "dhcp", 4) != 0;
}

int ktest_run(const char *list)
{
	collect();
	int nsuites = 0;
	for (int i = 0; i < ntests; i++)
		if ((i == 0 || strcmp(order[i]->suite, order[i - 1]->suite) != 0) &&
		    cmdline_list_has(list, order[i]->suite))
			nsuites++;

	int total_fail = 0, total_pass = 0, total_skip = 0, suite_no = 0;
	kprintf("KTAP version 1\n");
	kprintf("1..%d\n", nsuites);
	for (int i = 0; i < ntests;) {
		const char *suite = order[i]->suite;
		int end = i;
		while (end < ntests && strcmp(order[end]->suite, suite) == 0)
			end++;
		if (!cmdline_list_has(list, suite)) {
			i = end;
			continue;
		}
		kprintf("    KTAP version 1\n");
		kprintf("    # Subtest: %s\n", suite);
		kprintf("    1..%d\n", end - i);
		int suite_fail = 0;
		for (int j = i; j < end; j++) {
			const struct ktest *k = order[j];
			if ((int)k->min_cores > ncores) {
				kprintf("    ok %d %s # SKIP needs %u cores\n", j - i + 1, k->name, k->min_cores);
				total_skip++;
				continue;
			}
			if ((k->flags & KTEST_NEEDS_NET) && !net_configured()) {
				kprintf("    ok %d %s # SKIP needs start=netd@all,httpd@all and ip=ADDR/PREFIX\n",
					j - i + 1, k->name);
				total_skip++;
				continue;
			}
			u64 t0 = now_ns();
			int f = run_one(k);
			u64 ms = (now_ns() - t0) / 1000000;
			kprintf("    %s %d %s # %lu ms\n", f ? "not ok" : "ok", j - i + 1, k->name, ms);
			if (f) {
				suite_fail++;
				total_fail++;
			} else {
				total_pass++;
			}
		}
		kprintf("%s %d %s\n", suite_fail ? "not ok" : "ok", ++suite_no, suite);
		i = end;
	}
	kprintf("# ktest: %d passed, %d failed, %d skipped\n", total_pass, total_fail, total_skip);
	return total_fail;
}
