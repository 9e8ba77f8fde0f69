/* utest.c - see utest.h. */
#include <fmt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utest.h>

extern const struct utest_case __utests_start[], __utests_end[];

int utest_check(struct utest_ctx *t, int ok, const char *file, int line, const char *fmt, ...)
{
	if (ok)
		return 1;
	t->failures++;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%s# %s:%d: %s\n", t->indent, file, line, msg);
	return 0;
}

int utest_main(const char *suite, int argc, char **argv)
{
	static char indent[64];
	int depth = argc > 1 ? atoi(argv[1]) : 0;
	if (depth < 0 || depth > 8)
		depth = 0;
	memset(indent, ' ', (size_t)depth * 4);
	indent[depth * 4] = '\0';

	int n = (int)(__utests_end - __utests_start);
	const struct utest_case *order[256];
	if (n > 256)
		n = 256;
	for (int i = 0; i < n; i++) { /* source order */
		const struct utest_case *c = &__utests_start[i];
		int j = i - 1;
		while (j >= 0 && order[j]->line > c->line) {
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = c;
	}
	printf("%sKTAP version 1\n%s# Subtest: %s\n%s1..%d\n", indent, indent, suite, indent, n);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		struct utest_ctx t = { 0, indent };
		order[i]->fn(&t);
		printf("%s%s %d %s\n", indent, t.failures ? "not ok" : "ok", i + 1, order[i]->name);
		failed += t.failures != 0;
	}
	fflush(stdout);
	return failed ? 1 : 0;
}
