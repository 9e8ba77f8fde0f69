/*
 * ktap.c - see ktap.h. One call per line; all state in struct ktap.
 */
#include "ktap.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void count(struct ktap *k, enum ktap_status st, const char *name, const char *why)
{
	if (st == KTAP_PASS)
		k->passed++;
	else if (st == KTAP_FAIL)
		k->failed++;
	else
		k->skipped++;
	if (k->report)
		k->report(k, st, name, why);
}

static void level_reset(struct ktap_level *l)
{
	l->plan = -1;
	l->seen = 0;
	l->failed = 0;
	l->name[0] = '\0';
}

void ktap_init(struct ktap *k, int expect_cores, ktap_report_fn report, void *user)
{
	memset(k, 0, sizeof(*k));
	for (int i = 0; i < KTAP_MAX_DEPTH; i++)
		level_reset(&k->lv[i]);
	k->expect_cores = expect_cores;
	k->cores_line = -1;
	k->report = report;
	k->user = user;
}

/* Full dotted name of a result at depth d: "suite.sub.case". */
static void full_name(struct ktap *k, int d, const char *leaf, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 1; i <= d && i < KTAP_MAX_DEPTH; i++) {
		if (!k->lv[i].name[0])
			continue;
		used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s.", k->lv[i].name);
	}
	if (used < n)
		snprintf(out + used, n - used, "%s", leaf);
}

/* Count the results level d promised but did not deliver, then clear it. */
static void close_level(struct ktap *k, int d)
{
	struct ktap_level *l = &k->lv[d];
	char name[2 * KTAP_NAME_MAX];
	for (int i = l->seen; i < l->plan; i++) {
		char leaf[32];
		snprintf(leaf, sizeof(leaf), "#%d", i + 1);
		full_name(k, d, leaf, name, sizeof(name));
		count(k, KTAP_FAIL, name, "missing: the log ended before this result");
	}
	level_reset(l);
}

/* Strip the kernel's "[cN] " prefix; returns the core or -1. */
static const char *strip_core(const char *s, int *core)
{
	*core = -1;
	if (s[0] != '[' || s[1] != 'c' || !isdigit((unsigned char)s[2]))
		return s;
	char *end;
	long c = strtol(s + 2, &end, 10);
	if (end[0] != ']')
		return s;
	*core = (int)c;
	end++;
	if (*end == ' ')
		end++;
	return end;
}

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static void on_fault(struct ktap *k, int core, const char *what)
{
	if (core >= 0 && core < KTAP_MAX_CORES && k->expected_faults[core] > 0) {
		k->expected_faults[core]--;
		return;
	}
	char name[64];
	snprintf(name, sizeof(name), "kernel.%s_core_%d", what, core);
	count(k, KTAP_FAIL, name, "unexpected report in the log");
}

static void on_result(struct ktap *k, int d, const char *s)
{
	int ok = starts(s, "ok ");
	s += ok ? 3 : 7;
	while (isdigit((unsigned char)*s))
		s++;
	while (*s == ' ')
		s++;
	if (s[0] == '-' && s[1] == ' ')
		s += 2;

	char desc[KTAP_NAME_MAX];
	size_t n = 0;
	const char *hash = strstr(s, " # ");
	const char *end = hash ? hash : s + strlen(s);
	while (s + n < end && n + 1 < sizeof(desc))
		n++;
	memcpy(desc, s, n);
	desc[n] = '\0';
	while (n > 0 && desc[n - 1] == ' ')
		desc[--n] = '\0';

	int skip = 0;
	if (hash) {
		const char *dir = hash + 3;
		while (*dir == ' ')
			dir++;
		skip = (strncasecmp(dir, "SKIP", 4) == 0);
	}

	struct ktap_level *l = &k->lv[d];
	l->seen++;
	if (!ok)
		l->failed++;

	char name[2 * KTAP_NAME_MAX];
	if (d + 1 < KTAP_MAX_DEPTH && (k->lv[d + 1].seen > 0 || k->lv[d + 1].plan >= 0)) {
		/* An aggregate: the result of the subtest that just ended. */
		int child_failed = k->lv[d + 1].failed;
		int missing = k->lv[d + 1].plan > k->lv[d + 1].seen;
		if (!k->lv[d + 1].name[0])
			snprintf(k->lv[d + 1].name, KTAP_NAME_MAX, "%s", desc);
		close_level(k, d + 1);
		if (!ok && !child_failed && !missing) {
			full_name(k, d, desc, name, sizeof(name));
			count(k, KTAP_FAIL, name, "subtest failed");
		}
		return;
	}
	full_name(k, d, desc, name, sizeof(name));
	count(k, skip ? KTAP_SKIP : (ok ? KTAP_PASS : KTAP_FAIL), name,
	      hash && !skip ? hash + 3 : NULL);
}

void ktap_line(struct ktap *k, const char *raw)
{
	int core;
	const char *s = strip_core(raw, &core);
	int spaces = 0;
	while (s[spaces] == ' ')
		spaces++;
	if (s[spaces] == '\t') /* tolerate a tab for one level */
		spaces += 4;
	int d = spaces / 4;
	const char *t = s;
	while (*t == ' ' || *t == '\t')
		t++;

	/* Kernel reports: "!!! FAULT ..." and "!!! PANIC ..." open a report. */
	if (starts(t, "!!! FAULT")) {
		on_fault(k, core, "fault");
		return;
	}
	if (starts(t, "!!! PANIC")) {
		on_fault(k, core, "panic");
		return;
	}
	if (starts(t, "core ") && core >= 0) {
		char *end;
		long c = strtol(t + 5, &end, 10);
		if (end != t + 5 && strcmp(end, ": up") == 0 && c >= 0 && c < KTAP_MAX_CORES)
			k->core_up[c] = 1;
		return;
	}
	if (starts(t, "pikaos: ")) {
		char *end;
		long c = strtol(t + 8, &end, 10);
		if (end != t + 8 && starts(end, " cores up in "))
			k->cores_line = (int)c;
		return;
	}
	if (d >= KTAP_MAX_DEPTH)
		return;

	if (starts(t, "KTAP version ") || starts(t, "TAP version ")) {
		k->saw_output = 1;
		/* A new document at this depth: anything deeper is stale. */
		for (int i = d + 1; i < KTAP_MAX_DEPTH; i++)
			if (k->lv[i].plan >= 0 || k->lv[i].seen)
				close_level(k, i);
		return;
	}
	if (starts(t, "# Subtest: ")) {
		snprintf(k->lv[d].name, KTAP_NAME_MAX, "%s", t + 11);
		return;
	}
	if (starts(t, "# expect-fault core ")) {
		long c = strtol(t + 20, NULL, 10);
		if (c >= 0 && c < KTAP_MAX_CORES)
			k->expected_faults[c]++;
		return;
	}
	if (starts(t, "Bail out!")) {
		count(k, KTAP_FAIL, "bail_out", t);
		return;
	}
	if (t[0] == '1' && t[1] == '.' && t[2] == '.' && isdigit((unsigned char)t[3])) {
		k->saw_output = 1;
		k->lv[d].plan = atoi(t + 3);
		return;
	}
	if (starts(t, "ok ") || starts(t, "not ok ")) {
		k->saw_output = 1;
		on_result(k, d, t);
	}
}

void ktap_finish(struct ktap *k)
{
	for (int d = KTAP_MAX_DEPTH - 1; d >= 0; d--)
		if (k->lv[d].plan >= 0 || k->lv[d].seen)
			close_level(k, d);
	if (k->expect_cores >= 0) {
		int up = 0;
		for (int i = 0; i < KTAP_MAX_CORES; i++)
			up += k->core_up[i];
		char why[96];
		snprintf(why, sizeof(why), "expected %d cores; 'core N: up' lines: %d; boot line says %d",
			 k->expect_cores, up, k->cores_line);
		int ok = up == k->expect_cores && k->cores_line == k->expect_cores;
		for (int i = 0; ok && i < k->expect_cores; i++)
			ok = k->core_up[i];
		count(k, ok ? KTAP_PASS : KTAP_FAIL, "boot.all_cores_up", ok ? NULL : why);
	}
	if (!k->saw_output && k->expect_cores < 0)
		count(k, KTAP_FAIL, "no_output", "no TAP or KTAP output at all");
}
