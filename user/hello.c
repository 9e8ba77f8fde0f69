/*
 * hello - prints where it runs and exits with a chosen status.
 *   hello [exit=N] [sleep=MS] [spin-ac=MS] [flood=MS] [quiet]
 * spin-ac: spin for MS ms with EFLAGS.AC set (the traps suite checks that
 * interrupts arriving meanwhile run their handlers with AC clear). flood:
 * print as fast as it can for MS ms (the console budget must keep other
 * cores printing on time).
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
	long sleep_ms = 0, spin_ms = 0, flood_ms = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "exit=", 5) == 0)
			code = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "sleep=", 6) == 0)
			sleep_ms = atol(argv[i] + 6);
		else if (strncmp(argv[i], "flood=", 6) == 0)
			flood_ms = atol(argv[i] + 6);
		else if (strncmp(argv[i], "spin-ac=", 8) == 0)
			spin_ms = atol(argv[i] + 8);
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
	if (flood_ms) {
		char line[200];
		memset(line, '~', sizeof(line) - 1);
		line[sizeof(line) - 1] = '\n';
		uint64_t end = pika_clock_ns() + (uint64_t)flood_ms * 1000000;
		while (pika_clock_ns() < end)
			write(1, line, sizeof(line));
	}
	if (spin_ms) {
		/* AC (bit 18) may be set in user mode; nothing here touches memory
		 * the alignment check would fault on */
		__asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq" ::: "memory", "cc");
		uint64_t end = pika_clock_ns() + (uint64_t)spin_ms * 1000000;
		while (pika_clock_ns() < end)
			__asm__ volatile("pause");
		__asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
	}
	return code;
}
