/*
 * init - the first process on every core (until the monitor takes over).
 *
 * Starts the programs the kernel command line names for this core and
 * reports how each ends:
 *   start=PROG[:ARG:ARG...]@CORE[,PROG...@CORE]   CORE: a number or "all"
 * e.g. start=hello:exit=3@0,hello@all. Then it waits for its children.
 */
#include <errno.h>
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void start_item(char *item, int core)
{
	char *at = strrchr(item, '@');
	if (!at) {
		printf("init: core %d: '%s' has no @CORE; ignored\n", core, item);
		return;
	}
	*at = '\0';
	const char *where = at + 1;
	if (strcmp(where, "all") != 0) {
		char *end;
		long c = strtol(where, &end, 10);
		if (*end || end == where) {
			printf("init: core %d: bad core '%s'; ignored\n", core, where);
			return;
		}
		if (c != core)
			return;
	}
	char *args = strchr(item, ':');
	if (args) {
		*args++ = '\0';
		for (char *p = args; *p; p++)
			if (*p == ':')
				*p = ' ';
	}
	pid_t pid = pika_spawn(item, args, PIKA_CORE_SELF);
	if (pid < 0)
		printf("init: core %d: cannot start %s: %s\n", core, item, strerror(errno));
	else
		printf("init: core %d: started %s (pid %d)\n", core, item, pid);
}

int main(void)
{
	int core = pika_getcore();
	char cl[1024];
	if (pika_cmdline(cl, sizeof(cl)) < 0)
		cl[0] = '\0';
	cl[sizeof(cl) - 1] = '\0';
	char *list = NULL;
	for (char *w = strtok(cl, " "); w; w = strtok(NULL, " "))
		if (strncmp(w, "start=", 6) == 0)
			list = w + 6;
	if (list) {
		char *save;
		for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save))
			start_item(item, core);
	}
	int status;
	struct pika_exit_info info;
	pid_t pid;
	while ((pid = pika_wait(-1, &status, &info)) > 0) {
		if (WIFEXITED(status))
			printf("init: core %d: pid %d exited with status %d\n", core, pid, WEXITSTATUS(status));
		else
			printf("init: core %d: pid %d killed (vector %d at %#lx)\n", core, pid, info.vector,
			       info.rip);
	}
	for (;;)
		pause();
}
