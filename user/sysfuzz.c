/*
 * sysfuzz - system calls with random numbers, pointers and lengths.
 *   sysfuzz [seed=S] [n=N]          (defaults: seed 1, n 10000)
 *
 * Pointers are drawn from classes meant to break a careless kernel: NULL,
 * kernel text and direct-map addresses, unmapped user memory, misaligned
 * pointers, ranges straddling the top of user space, non-canonical values,
 * random 64-bit values, and (sometimes) a real buffer. Every call must come
 * back; the kernel must not fault. A few calls are shaped so the process
 * survives its own fuzzing: no exit, bounded sleeps, waits and mappings, the
 * FS base restored after set_fs, no thread started at a random address, no
 * console read (it waits for a human).
 * Prints a histogram of results and exits 0 once all N calls returned.
 */
#include <pikaos.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static char buf[8192] __attribute__((aligned(64)));

static long pointer(int allow_valid)
{
	switch (next() % (allow_valid ? 10 : 9)) {
	case 0: return 0;
	case 1: return (long)(0xffffffff80000000UL + next() % (64UL << 20));
	case 2: return (long)(0xffff800000000000UL + next() % (1UL << 32));
	case 3: return (long)(0x0000500000000000UL + (next() % (1UL << 30)));
	case 4: return (long)(0x00007ffffffff000UL + next() % 8192 - 4096); /* straddles USER_TOP */
	case 5: return (long)(0x0000800000000000UL + next() % (1UL << 20)); /* non-canonical */
	case 6: return (long)next();
	case 7: return (long)(next() % 4096);                                /* page 0 */
	case 8: return (long)(0x00007ff000000000UL + next() % 4096);         /* just above our stack */
	default: return (long)(buf + 1 + next() % 4096);                     /* valid, misaligned */
	}
}

static long length(void)
{
	switch (next() % 6) {
	case 0: return 0;
	case 1: return (long)(next() % 64);
	case 2: return 4096;
	case 3: return -1;
	case 4: return (long)(1UL << 40);
	default: return (long)next();
	}
}

static long any(void) { return next() % 3 ? (long)next() : (long)(next() % 64) - 8; }

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	long n = 10000;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "seed=", 5) == 0)
			seed = strtoull(argv[i] + 5, NULL, 0);
		else if (strncmp(argv[i], "n=", 2) == 0)
			n = atol(argv[i] + 2);
	}
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	long my_fs;
	__asm__("mov %%fs:0, %0" : "=r"(my_fs));

	long ok = 0, errs[64] = { 0 };
	for (long i = 0; i < n; i++) {
		long nr = (long)(next() % (SYS_MAX + 6)); /* a few numbers past the table */
		if (next() % 50 == 0)
			nr = (long)next(); /* and wild ones */
		long a0 = pointer(1), a1 = length(), a2 = any(), a3 = any();
		switch (nr) {
		case SYS_exit:
		case SYS_thread_exit:
			continue; /* the fuzzer must outlive its calls */
		case SYS_write:
			a0 = next() % 4;
			a1 = pointer(0); /* never a valid buffer: no garbage on the console */
			a2 = length();
			break;
		case SYS_nanosleep:
			a0 = next() % 8 ? 0 : (long)(next() % 100000); /* sleeps last a tick */
			break;
		case SYS_console_read:
			continue; /* blocks until someone types (on core 0) */
		case SYS_poweroff:
			continue; /* would end the test run */
		case SYS_event_wait:
			a1 = (long)(next() % 1000000); /* a matching token would sleep this long */
			break;
		case SYS_monitor_connect:
			a0 = (long)(next() % 1000000);
			break;
		case SYS_mmap:
			a0 = next() % 2 ? pointer(1) : (long)(0x0000100000000000UL + (next() % 4096) * 4096);
			a1 = (long)(next() % (4UL << 20));
			a2 = (long)(next() % 9);
			break;
		case SYS_thread_create:
			a1 = pointer(0); /* never a usable stack */
			break;
		case SYS_spawn:
			a0 = pointer(0);
			a1 = pointer(0);
			break;
		}
		long r = __syscall(nr, a0, a1, a2, a3);
		if (nr == SYS_set_fs)
			__syscall(SYS_set_fs, my_fs, 0, 0, 0);
		if (nr == SYS_mmap && r > 0)
			__syscall(SYS_munmap, r, a1, 0, 0);
		if (r >= 0)
			ok++;
		else if (r > -64)
			errs[-r]++;
		else
			errs[0]++;
	}
	printf("sysfuzz: seed %lu: %ld calls returned: %ld ok, EFAULT %ld, EINVAL %ld, ENOSYS %ld, "
	       "ECHILD %ld, EBADF %ld, ENOENT %ld, other %ld\n",
	       (unsigned long)seed, n, ok, errs[14], errs[22], errs[38], errs[10], errs[9], errs[2],
	       n - ok - errs[14] - errs[22] - errs[38] - errs[10] - errs[9] - errs[2]);
	return 0;
}
