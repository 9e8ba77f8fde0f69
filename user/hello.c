/*
 * hello - prints where it runs and exits with a chosen status.
 *   hello [exit=N] [sleep=MS] [quiet]
 * The status is N only if the greeting was written completely (else 99).
 */
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int code = 0, quiet = 0;
	long sleep_ms = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "exit=", 5) == 0)
			code = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "sleep=", 6) == 0)
			sleep_ms = atol(argv[i] + 6);
		else if (strcmp(argv[i], "quiet") == 0)
			quiet = 1;
	}
	if (!quiet) {
		char msg[96];
		int n = snprintf(msg, sizeof(msg), "hello from core %d, pid %d, parent %d\n", pika_getcore(),
				 getpid(), getppid());
		if (write(1, msg, (size_t)n) != n)
			return 99;
	}
	if (sleep_ms)
		usleep((useconds_t)(sleep_ms * 1000));
	return code;
}
