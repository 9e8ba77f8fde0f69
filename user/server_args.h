/*
 * server_args.h - what every small network server shares: the arguments
 *   [port=N] [quiet]
 * and the accept bound. Used by echo and httpd (header only: each
 * user/NAME.c is one program).
 */
#ifndef USER_SERVER_ARGS_H
#define USER_SERVER_ARGS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Connections accepted per turn of the event loop, at most. Accepting until
 * EAGAIN starved connections accepted before their request arrived: while a
 * client's fastest connections kept the queue non-empty, epoll was not asked
 * again for seconds (wrk timeouts with 3 s stalls in CI).
 */
#define ACCEPTS_PER_TURN 16

/* Fills *port (left at its default when not given) and *quiet; returns -1
 * after saying why for a port outside 1-65535 or an unknown argument. */
static inline int server_args(const char *prog, int argc, char **argv, int *port, int *quiet)
{
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "port=", 5) == 0) {
			char *end;
			long p = strtol(argv[i] + 5, &end, 10);
			if (end == argv[i] + 5 || *end || p < 1 || p > 65535) {
				printf("%s: bad port '%s' (1-65535)\n", prog, argv[i] + 5);
				return -1;
			}
			*port = (int)p;
		} else if (strcmp(argv[i], "quiet") == 0) {
			*quiet = 1;
		} else {
			printf("%s: unknown argument '%s' (usage: %s [port=N] [quiet])\n", prog, argv[i], prog);
			return -1;
		}
	}
	return 0;
}

#endif
