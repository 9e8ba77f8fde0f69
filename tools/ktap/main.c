/*
 * ktap - read a test log on stdin, print one line per result and a summary.
 *
 *   ktap [-l LABEL] [-c CORES] [-s SUMMARY_FILE] [-v]
 *
 * -c N   also check the boot lines ("core K: up" for K < N, "pikaos: N cores up")
 * -s F   append "passed failed skipped" to F (tools/test-all sums these)
 * -v     echo every input line too
 * Exit status 0 only when nothing failed.
 */
#include "ktap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *label = "";

static void report(struct ktap *k, enum ktap_status st, const char *name, const char *why)
{
	(void)k;
	static const char *tag[] = { "PASS", "FAIL", "SKIP" };
	printf("%s %s%s%s%s%s\n", tag[st], label, *label ? ": " : "", name,
	       why ? "  -- " : "", why ? why : "");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int cores = -1, verbose = 0, opt;
	const char *summary = NULL;
	while ((opt = getopt(argc, argv, "l:c:s:v")) != -1) {
		switch (opt) {
		case 'l': label = optarg; break;
		case 'c': cores = atoi(optarg); break;
		case 's': summary = optarg; break;
		case 'v': verbose = 1; break;
		default:
			fprintf(stderr, "usage: ktap [-l LABEL] [-c CORES] [-s FILE] [-v]\n");
			return 2;
		}
	}
	struct ktap k;
	ktap_init(&k, cores, report, NULL);
	char line[4096];
	while (fgets(line, sizeof(line), stdin)) {
		size_t n = strlen(line);
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (verbose)
			printf("| %s\n", line);
		ktap_line(&k, line);
	}
	ktap_finish(&k);
	printf("%s%s%d passed, %d failed", label, *label ? ": " : "", k.passed, k.failed);
	if (k.skipped)
		printf(" (%d skipped)", k.skipped);
	printf("\n");
	if (summary) {
		FILE *f = fopen(summary, "a");
		if (f) {
			fprintf(f, "%d %d %d %s\n", k.passed, k.failed, k.skipped, *label ? label : "-");
			fclose(f);
		}
	}
	return k.failed ? 1 : 0;
}
