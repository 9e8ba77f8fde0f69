/*
 * ulibc - the C library tested from a real user process (KTAP through utest.h).
 *   ulibc [DEPTH]     DEPTH: KTAP nesting level (the in-OS harness passes 2)
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utest.h>

#define FMT(t, want, ...)                                      \
	do {                                                   \
		char b_[160];                                  \
		int n_ = snprintf(b_, sizeof(b_), __VA_ARGS__); \
		UT_EXPECT_STR(t, b_, want);                    \
		UT_EXPECT_EQ(t, n_, (int)strlen(want));        \
	} while (0)

UTEST(printf_formats)
{
	FMT(t, "42 -7 ff FF 0x10 17", "%d %i %x %X %#x %o", 42, -7, 255, 255, 16, 15);
	FMT(t, "[  abc][abc  ][ab]", "[%5s][%-5s][%.2s]", "abc", "abc", "abcdef");
	FMT(t, "00042|42   |+42| 42", "%05d|%-5d|%+d|% d", 42, 42, 42, 42);
	FMT(t, "18446744073709551615 -9223372036854775808", "%lu %lld", ULONG_MAX, LLONG_MIN);
	FMT(t, "3.14 2.718282 1.000000e+03 0.5", "%.2f %f %e %g", 3.14159, 2.7182818, 1000.0, 0.5);
	FMT(t, "c=x 100% 0x1000", "c=%c 100%% %p", 'x', (void *)0x1000);
	FMT(t, "   -1.50", "%8.2f", -1.5);
	char small[8];
	UT_EXPECT_EQ(t, snprintf(small, sizeof(small), "%s", "truncated!"), 10);
	UT_EXPECT_STR(t, small, "truncat");
	char big[32];
	UT_EXPECT_EQ(t, sprintf(big, "%s-%d", "pid", 7), 5);
	UT_EXPECT_STR(t, big, "pid-7");
}

UTEST(string_functions)
{
	char b[32] = "hello, world";
	UT_EXPECT_EQ(t, strlen(b), 12);
	UT_EXPECT(t, strcmp("abc", "abd") < 0);
	UT_EXPECT(t, strncmp("abcx", "abcy", 3) == 0);
	UT_EXPECT_STR(t, strchr(b, 'w'), "world");
	UT_EXPECT_STR(t, strrchr(b, 'o'), "orld");
	UT_EXPECT_STR(t, strstr(b, "lo, "), "lo, world");
	UT_EXPECT(t, strstr(b, "xyz") == NULL);
	memmove(b + 2, b, 5); /* overlapping */
	UT_EXPECT_STR(t, b, "hehelloworld");
	memset(b, 'z', 3);
	UT_EXPECT(t, memcmp(b, "zzzello", 7) == 0);
	char *d = strdup("copy me");
	UT_EXPECT_STR(t, d, "copy me");
	free(d);
	char tok[] = "a,b,,c";
	char *save;
	UT_EXPECT_STR(t, strtok_r(tok, ",", &save), "a");
	UT_EXPECT_STR(t, strtok_r(NULL, ",", &save), "b");
	UT_EXPECT_STR(t, strtok_r(NULL, ",", &save), "c");
	UT_EXPECT(t, strtok_r(NULL, ",", &save) == NULL);
	UT_EXPECT(t, strcasecmp("HeLLo", "hello") == 0);
	UT_EXPECT_STR(t, strerror(ENOSYS), "Function not implemented");
}

UTEST(numbers_and_ctype)
{
	char *end;
	UT_EXPECT_EQ(t, strtol("  -123xyz", &end, 10), -123);
	UT_EXPECT_STR(t, end, "xyz");
	UT_EXPECT_EQ(t, strtol("0x1f", NULL, 0), 31);
	UT_EXPECT_EQ(t, strtol("017", NULL, 0), 15);
	UT_EXPECT_EQ(t, strtoul("ff", NULL, 16), 255);
	errno = 0;
	UT_EXPECT_EQ(t, strtol("99999999999999999999", NULL, 10), LONG_MAX);
	UT_EXPECT_EQ(t, errno, ERANGE);
	UT_EXPECT_EQ(t, atoi("42"), 42);
	UT_EXPECT(t, isdigit('7') && !isdigit('a') && isalpha('Q') && isspace('\t') && isxdigit('F'));
	UT_EXPECT_EQ(t, toupper('a'), 'A');
	int v = 0;
	char w[16];
	UT_EXPECT_EQ(t, sscanf("n=17 name", "n=%d %s", &v, w), 2);
	UT_EXPECT_EQ(t, v, 17);
	UT_EXPECT_STR(t, w, "name");
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

UTEST(qsort_and_bsearch)
{
	int a[500];
	srand(7);
	for (int i = 0; i < 500; i++)
		a[i] = rand() % 1000;
	qsort(a, 500, sizeof(int), cmp_int);
	int sorted = 1;
	for (int i = 1; i < 500; i++)
		sorted &= a[i - 1] <= a[i];
	UT_EXPECT(t, sorted);
	int key = a[250];
	int *hit = bsearch(&key, a, 500, sizeof(int), cmp_int);
	UT_EXPECT(t, hit && *hit == key);
	key = 5000;
	UT_EXPECT(t, bsearch(&key, a, 500, sizeof(int), cmp_int) == NULL);
}

/* Byte i of block k: a pattern that a mixed-up block would break. */
static unsigned char pat(int k, size_t i) { return (unsigned char)(k * 131 + i * 7 + (i >> 8)); }

UTEST(malloc_stress_with_contents)
{
	enum { N = 3000 };
	static unsigned char *blk[N];
	static size_t len[N];
	unsigned seed = 12345;
	int bad = 0;
	for (int round = 0; round < 4; round++) {
		for (int k = 0; k < N; k++) {
			if (blk[k] && rand_r(&seed) % 2) {
				for (size_t i = 0; i < len[k]; i++)
					bad += blk[k][i] != pat(k, i);
				free(blk[k]);
				blk[k] = NULL;
			}
			if (!blk[k]) {
				/* mostly small, some large (mapped) blocks */
				len[k] = rand_r(&seed) % 8 == 0 ? 2049 + rand_r(&seed) % 20000 : 1 + rand_r(&seed) % 2048;
				blk[k] = malloc(len[k]);
				if (!blk[k]) {
					bad++;
					continue;
				}
				UT_EXPECT_EQ(t, (uintptr_t)blk[k] % 16, 0);
				for (size_t i = 0; i < len[k]; i++)
					blk[k][i] = pat(k, i);
			}
		}
	}
	for (int k = 0; k < N; k++) {
		if (!blk[k])
			continue;
		/* grow half of them: contents must survive */
		if (k % 2) {
			unsigned char *g = realloc(blk[k], len[k] * 3 + 100);
			if (!g) {
				bad++;
				continue;
			}
			blk[k] = g;
		}
		for (size_t i = 0; i < len[k]; i++)
			bad += blk[k][i] != pat(k, i);
		free(blk[k]);
		blk[k] = NULL;
	}
	UT_EXPECT_EQ(t, bad, 0);
	int *z = calloc(1000, sizeof(int));
	int nz = 0;
	for (int i = 0; z && i < 1000; i++)
		nz += z[i] != 0;
	UT_EXPECT(t, z != NULL);
	UT_EXPECT_EQ(t, nz, 0);
	free(z);
	UT_EXPECT(t, calloc(SIZE_MAX / 2, 4) == NULL); /* overflow refused */
	void *al = NULL;
	UT_EXPECT_EQ(t, posix_memalign(&al, 256, 1000), 0);
	UT_EXPECT_EQ(t, (uintptr_t)al % 256, 0);
	free(al);
}

UTEST(mmap_and_munmap)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_EXPECT(t, p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	UT_EXPECT_EQ(t, (uintptr_t)p % 4096, 0);
	UT_EXPECT_EQ(t, p[0] | p[3 * 4096 - 1], 0); /* zero-filled */
	p[5000] = 1;
	UT_EXPECT_EQ(t, munmap(p + 4096, 4096), 0); /* a hole in the middle */
	UT_EXPECT_EQ(t, munmap(p + 4096, 4096), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	UT_EXPECT_EQ(t, munmap(p, 4096), 0);
	UT_EXPECT_EQ(t, munmap(p + 2 * 4096, 4096), 0);
	UT_EXPECT_EQ(t, munmap((void *)0x400000, 4096), -1); /* program text is not mmap's */
	UT_EXPECT(t, mmap(NULL, 4096, PROT_READ, MAP_SHARED, 3, 0) == MAP_FAILED);
	UT_EXPECT_EQ(t, errno, ENOSYS);
}

UTEST(boot_modules_read_as_files)
{
	char b[8];
	long size = pika_module_read("hello", 0, NULL, 0);
	UT_EXPECT(t, size > 64);
	UT_EXPECT_EQ(t, pika_module_read("hello", 0, b, 4), 4);
	UT_EXPECT(t, memcmp(b, "\x7f" "ELF", 4) == 0);
	UT_EXPECT_EQ(t, pika_module_read("hello", (uint64_t)size - 3, b, sizeof(b)), 3);
	UT_EXPECT_EQ(t, pika_module_read("hello", (uint64_t)size, b, sizeof(b)), 0);
	errno = 0;
	UT_EXPECT_EQ(t, pika_module_read("no-such-file", 0, b, sizeof(b)), -1);
	UT_EXPECT_EQ(t, errno, ENOENT);
	UT_EXPECT_EQ(t, pika_module_read("hell", 0, b, sizeof(b)), -1); /* a prefix is not a name */
	UT_EXPECT_EQ(t, errno, ENOENT);
	UT_EXPECT_EQ(t, pika_module_read("", 0, b, sizeof(b)), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	UT_EXPECT_EQ(t, pika_module_read("hello", 0, (void *)0xffff800000000000ull, 8), -1);
	UT_EXPECT_EQ(t, errno, EFAULT);
	UT_EXPECT_EQ(t, pika_module_read((const char *)16, 0, b, 8), -1);
	UT_EXPECT_EQ(t, errno, EFAULT);
}

UTEST(unimplemented_calls_say_enosys)
{
	errno = 0;
	UT_EXPECT_EQ(t, fork(), -1);
	UT_EXPECT_EQ(t, errno, ENOSYS);
	errno = 0;
	UT_EXPECT_EQ(t, open("/etc/passwd", O_RDONLY), -1);
	UT_EXPECT_EQ(t, errno, ENOSYS);
	errno = 0;
	UT_EXPECT(t, fopen("x", "r") == NULL);
	UT_EXPECT_EQ(t, errno, ENOSYS);
	errno = 0;
	UT_EXPECT_EQ(t, pipe((int[2]){ 0, 0 }), -1);
	UT_EXPECT_EQ(t, errno, ENOSYS);
	UT_EXPECT_EQ(t, __syscall(9999, 0, 0, 0, 0), -ENOSYS);
}

UTEST(clocks_and_sleep)
{
	struct timespec a, b;
	UT_EXPECT_EQ(t, clock_gettime(CLOCK_MONOTONIC, &a), 0);
	struct timespec req = { 0, 30 * 1000 * 1000 };
	UT_EXPECT_EQ(t, nanosleep(&req, NULL), 0);
	UT_EXPECT_EQ(t, clock_gettime(CLOCK_MONOTONIC, &b), 0);
	long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
	UT_EXPECT(t, ns >= 30 * 1000 * 1000 && ns < 2000L * 1000 * 1000);
	time_t now = time(NULL);
	UT_EXPECT(t, now > 1600000000); /* after 2020: the RTC was read */
	struct tm tm;
	time_t known = 1700000000; /* 2023-11-14 22:13:20 UTC, a Tuesday */
	gmtime_r(&known, &tm);
	UT_EXPECT_EQ(t, tm.tm_year, 123);
	UT_EXPECT_EQ(t, tm.tm_mon, 10);
	UT_EXPECT_EQ(t, tm.tm_mday, 14);
	UT_EXPECT_EQ(t, tm.tm_hour, 22);
	UT_EXPECT_EQ(t, tm.tm_min, 13);
	UT_EXPECT_EQ(t, tm.tm_wday, 2);
	UT_EXPECT_EQ(t, tm.tm_yday, 317);
}

static volatile int counter[2], done_flags;

static void worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (int i = 0; i < 1000; i++) {
		counter[id]++;
		if (i % 100 == 0)
			sched_yield();
	}
	errno = 1000 + id; /* each thread has its own errno */
	if (errno == 1000 + id)
		__atomic_or_fetch(&done_flags, 1 << id, __ATOMIC_SEQ_CST);
	pika_thread_exit();
}

UTEST(threads_share_memory_own_errno)
{
	errno = 7;
	UT_EXPECT(t, pika_thread_create(worker, (void *)0) > 0);
	UT_EXPECT(t, pika_thread_create(worker, (void *)1) > 0);
	for (int i = 0; i < 100000 && done_flags != 3; i++)
		sched_yield();
	UT_EXPECT_EQ(t, done_flags, 3);
	UT_EXPECT_EQ(t, counter[0] + counter[1], 2000);
	UT_EXPECT_EQ(t, errno, 7);
}

static volatile int release_sleepers, sleepers_done;

static void sleeper(void *arg)
{
	(void)arg;
	while (!release_sleepers)
		usleep(1000);
	__atomic_add_fetch(&sleepers_done, 1, __ATOMIC_SEQ_CST);
	pika_thread_exit();
}

UTEST(limits_are_reached_and_recovered)
{
	/* memory: at most half of the core's frames per process, then ENOMEM;
	 * everything comes back, and the next mapping works again */
	long free0 = pika_free_frames();
	static void *m[1024];
	int n = 0;
	errno = 0;
	while (n < 1024) {
		void *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			break;
		m[n++] = p;
	}
	UT_EXPECT_EQ(t, errno, ENOMEM);
	UT_EXPECT(t, n > 0);
	UT_EXPECT(t, pika_free_frames() > free0 / 3); /* the rest of the core still has memory */
	for (int i = 0; i < n; i++)
		UT_EXPECT_EQ(t, munmap(m[i], 8 << 20), 0);
	long free1 = pika_free_frames();
	if (!UT_EXPECT(t, free1 >= free0)) /* the page tables too (vm_prune) */
		printf("# %ld frames free before, %ld after %d maps\n", free0, free1, n);
	void *p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_EXPECT(t, p != MAP_FAILED);
	if (p != MAP_FAILED)
		munmap(p, 8 << 20);
	/* threads: at most 64 per process, then EAGAIN; after they end, again */
	int k = 0;
	errno = 0;
	while (k < 100 && pika_thread_create(sleeper, NULL) > 0)
		k++;
	UT_EXPECT_EQ(t, errno, EAGAIN);
	UT_EXPECT_EQ(t, k, 63); /* with this one, 64 */
	release_sleepers = 1;
	for (int i = 0; i < 20000 && sleepers_done < k; i++)
		usleep(1000);
	UT_EXPECT_EQ(t, sleepers_done, k);
	usleep(10000);
	release_sleepers = 0;
	sleepers_done = 0;
	UT_EXPECT(t, pika_thread_create(sleeper, NULL) > 0);
	release_sleepers = 1;
	for (int i = 0; i < 2000 && !sleepers_done; i++)
		usleep(1000);
}

UTEST(spawn_and_wait)
{
	int st = -1;
	struct pika_exit_info info;
	pid_t pid = pika_spawn("hello", "quiet exit=9", PIKA_CORE_SELF);
	UT_EXPECT(t, pid > 0);
	UT_EXPECT_EQ(t, pika_wait(pid, &st, &info), pid);
	UT_EXPECT(t, WIFEXITED(st));
	UT_EXPECT_EQ(t, WEXITSTATUS(st), 9);
	UT_EXPECT_EQ(t, info.vector, -1);
	UT_EXPECT_EQ(t, wait(&st), -1);
	UT_EXPECT_EQ(t, errno, ECHILD);
	UT_EXPECT_EQ(t, pika_spawn("no-such-program", NULL, PIKA_CORE_SELF), -1);
	UT_EXPECT_EQ(t, errno, ENOENT);
	UT_EXPECT_EQ(t, pika_spawn("hello", NULL, 999), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	/* on another core: only through its monitor (pids encode the core); a
	 * plain process may not start programs there itself, nor power off */
	int ncores = pika_ncores();
	if (ncores > 1) {
		int other = (pika_getcore() + 1) % ncores;
		UT_EXPECT_EQ(t, pika_spawn("hello", "quiet", other), -1);
		UT_EXPECT_EQ(t, errno, EPERM);
		pid = mon_spawn("hello quiet", other);
		UT_EXPECT(t, pid > 0);
		UT_EXPECT_EQ(t, pid / 1000000, other);
	}
	UT_EXPECT_EQ(t, pika_poweroff(0), -1);
	UT_EXPECT_EQ(t, errno, EPERM);
	UT_EXPECT_EQ(t, sysconf(_SC_NPROCESSORS_ONLN), ncores);
}

UTEST(stdio_streams)
{
	UT_EXPECT_EQ(t, fileno(stdout), 1);
	UT_EXPECT_EQ(t, fputs("", stdout), 0);
	UT_EXPECT_EQ(t, fflush(stdout), 0);
	UT_EXPECT_EQ(t, fgetc(stdin), EOF);
	UT_EXPECT(t, feof(stdin));
	UT_EXPECT_EQ(t, write(5, "x", 1), -1);
	UT_EXPECT_EQ(t, errno, EBADF);
	UT_EXPECT_EQ(t, write(1, (void *)0xffffffff80000000UL, 4), -1);
	UT_EXPECT_EQ(t, errno, EFAULT);
}

int main(int argc, char **argv) { return utest_main("libc", argc, argv); }
