/*
 * ktap.h - a streaming parser for KTAP v1 / TAP 13 test output.
 *
 * Used by the host test runner to read pikaos's serial log (every line
 * prefixed "[cN] " with the core that printed it) and the TAP output of the
 * host unit tests. Feed it one line at a time; it counts leaf results, treats
 * a fault or panic report that was not announced with "# expect-fault core N"
 * as a failure, and on ktap_finish() counts every result a plan promised but
 * the log never delivered (a truncated log) as failed.
 *
 * Portable C99, no allocation: tested on the host in tests/unit/ktap_test.c.
 */
#ifndef KTAP_H
#define KTAP_H

#include <stdio.h>

#define KTAP_MAX_DEPTH 8
#define KTAP_NAME_MAX 96
#define KTAP_MAX_CORES 256

enum ktap_status { KTAP_PASS, KTAP_FAIL, KTAP_SKIP };

struct ktap_level {
	int plan;               /* from "1..N", -1 when not seen */
	int seen;               /* results seen at this level */
	int failed;             /* of them, not ok */
	char name[KTAP_NAME_MAX];
};

struct ktap;
/* Called once per counted result (leaves, synthesised failures). */
typedef void (*ktap_report_fn)(struct ktap *k, enum ktap_status st,
			       const char *name, const char *why);

struct ktap {
	struct ktap_level lv[KTAP_MAX_DEPTH];
	int passed, failed, skipped;
	int saw_output;          /* any TAP/KTAP line at all */
	int expect_cores;        /* -1: do not check the boot lines */
	int cores_line;          /* N from "pikaos: N cores up", -1 if absent */
	unsigned char core_up[KTAP_MAX_CORES];
	int expected_faults[KTAP_MAX_CORES]; /* announced and not yet seen */
	ktap_report_fn report;
	void *user;
};

void ktap_init(struct ktap *k, int expect_cores, ktap_report_fn report, void *user);
void ktap_line(struct ktap *k, const char *line);
void ktap_finish(struct ktap *k);

#endif
