/* unistd.c - POSIX process and I/O calls; the ones pikaos lacks fail with ENOSYS. */
#include "internal.h"

#include <pikaos.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int __sock_is(int fd);
ssize_t __sock_read(int fd, void *buf, size_t n);
ssize_t __sock_write(int fd, const void *buf, size_t n);
int __sock_close(int fd);
int __sock_fcntl(int fd, int cmd, long arg);

ssize_t write(int fd, const void *buf, size_t n)
{
	if (__sock_is(fd))
		return __sock_write(fd, buf, n);
	return __sys_ret(__sys(SYS_write, fd, (long)buf, (long)n, 0));
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (__sock_is(fd))
		return __sock_read(fd, buf, n);
	if (fd == 0) { /* console input: the serial line (core 0) */
		long r = __sys(SYS_console_read, (long)buf, (long)n, 0, 0);
		return r == -ENODEV ? 0 : __sys_ret(r);
	}
	errno = EBADF;
	return -1;
}

int close(int fd)
{
	if (fd >= 0 && fd <= 2)
		return 0;
	return __sock_close(fd);
}

pid_t getpid(void) { return (pid_t)__sys(SYS_getpid, 0, 0, 0, 0); }
pid_t getppid(void) { return (pid_t)__sys(SYS_getppid, 0, 0, 0, 0); }
int sched_yield(void) { return (int)__sys(SYS_yield, 0, 0, 0, 0); }

unsigned sleep(unsigned s)
{
	__sys(SYS_nanosleep, (long)s * 1000000000L, 0, 0, 0);
	return 0;
}

int usleep(useconds_t us)
{
	__sys(SYS_nanosleep, (long)us * 1000L, 0, 0, 0);
	return 0;
}

int pause(void)
{
	for (;;)
		__sys(SYS_nanosleep, 1000000000000L, 0, 0, 0);
}

long sysconf(int name)
{
	switch (name) {
	case _SC_NPROCESSORS_ONLN:
	case _SC_NPROCESSORS_CONF:
		return __sys(SYS_ncores, 0, 0, 0, 0);
	case _SC_PAGESIZE:
		return 4096;
	case _SC_CLK_TCK:
		return 100;
	}
	errno = EINVAL;
	return -1;
}

int isatty(int fd) { return fd >= 0 && fd <= 2; }

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (flags != (MAP_PRIVATE | MAP_ANONYMOUS) || fd != -1 || off != 0) {
		errno = (flags & MAP_ANONYMOUS) ? EINVAL : ENOSYS;
		return MAP_FAILED;
	}
	if (prot == PROT_NONE) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	long r = __sys(SYS_mmap, (long)addr, (long)len, prot | PROT_READ, 0);
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return MAP_FAILED;
	}
	return (void *)r;
}

int munmap(void *addr, size_t len) { return (int)__sys_ret(__sys(SYS_munmap, (long)addr, (long)len, 0, 0)); }

pid_t waitpid(pid_t pid, int *status, int options)
{
	if (options) {
		errno = EINVAL;
		return -1;
	}
	return (pid_t)__sys_ret(__sys(SYS_wait, pid, (long)status, 0, 0));
}

pid_t wait(int *status) { return waitpid(-1, status, 0); }

time_t time(time_t *t)
{
	time_t now = (time_t)(pika_realtime_ns() / 1000000000ULL);
	if (t)
		*t = now;
	return now;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (id != CLOCK_MONOTONIC && id != CLOCK_REALTIME) {
		errno = EINVAL;
		return -1;
	}
	long r = (long)(id == CLOCK_MONOTONIC ? pika_clock_ns() : pika_realtime_ns());
	ts->tv_sec = r / 1000000000L;
	ts->tv_nsec = r % 1000000000L;
	return 0;
}

int gettimeofday(struct timeval *tv, struct timezone *tz)
{
	(void)tz;
	long r = (long)pika_realtime_ns();
	tv->tv_sec = r / 1000000000L;
	tv->tv_usec = (r % 1000000000L) / 1000;
	return 0;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L || req->tv_sec < 0) {
		errno = EINVAL;
		return -1;
	}
	__sys(SYS_nanosleep, req->tv_sec * 1000000000L + req->tv_nsec, 0, 0, 0);
	if (rem)
		rem->tv_sec = rem->tv_nsec = 0;
	return 0;
}

static long start_ns = -1;
clock_t clock(void)
{
	long now = (long)pika_clock_ns();
	if (start_ns < 0)
		start_ns = now;
	return (clock_t)((now - start_ns) / 1000);
}

double difftime(time_t a, time_t b) { return (double)(a - b); }

struct tm *gmtime_r(const time_t *t, struct tm *out)
{
	long s = *t, days = s / 86400, rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	out->tm_hour = (int)(rem / 3600);
	out->tm_min = (int)(rem % 3600 / 60);
	out->tm_sec = (int)(rem % 60);
	out->tm_wday = (int)((days + 4) % 7 + 7) % 7;
	/* civil from days (1970-01-01 = day 0), years starting in March */
	long z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	out->tm_year = (int)(y - 1900);
	out->tm_mon = (int)(m - 1);
	out->tm_mday = (int)d;
	static const int cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	out->tm_yday = cum[m - 1] + (int)d - 1 + (leap && m > 2);
	out->tm_isdst = 0;
	return out;
}

struct tm *gmtime(const time_t *t)
{
	static struct tm tm;
	return gmtime_r(t, &tm);
}

/* ---- not in pikaos: fail with ENOSYS ---- */
#define NOSYS(ret)            \
	do {                  \
		errno = ENOSYS; \
		return ret;   \
	} while (0)

pid_t fork(void) { NOSYS(-1); }
int execve(const char *p, char *const a[], char *const e[]) { (void)p, (void)a, (void)e; NOSYS(-1); }
int execv(const char *p, char *const a[]) { (void)p, (void)a; NOSYS(-1); }
int execvp(const char *p, char *const a[]) { (void)p, (void)a; NOSYS(-1); }
int pipe(int fds[2]) { (void)fds; NOSYS(-1); }
int dup(int fd) { (void)fd; NOSYS(-1); }
int dup2(int a, int b) { (void)a, (void)b; NOSYS(-1); }
int unlink(const char *p) { (void)p; NOSYS(-1); }
int chdir(const char *p) { (void)p; NOSYS(-1); }
char *getcwd(char *b, size_t n) { (void)b, (void)n; NOSYS(NULL); }
int access(const char *p, int m) { (void)p, (void)m; NOSYS(-1); }
void *sbrk(long inc) { (void)inc; NOSYS((void *)-1); }
off_t lseek(int fd, off_t o, int w) { (void)fd, (void)o, (void)w; NOSYS(-1); }
uid_t getuid(void) { return 0; }
gid_t getgid(void) { return 0; }
int mprotect(void *a, size_t l, int p) { (void)a, (void)l, (void)p; NOSYS(-1); }
int open(const char *p, int f, ...) { (void)p, (void)f; NOSYS(-1); }
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	long arg = va_arg(ap, long);
	va_end(ap);
	return __sock_fcntl(fd, cmd, arg);
}
int kill(pid_t p, int s) { (void)p, (void)s; NOSYS(-1); }
int system(const char *c) { (void)c; NOSYS(-1); }

sighandler_t signal(int sig, sighandler_t h)
{
	if (sig == SIGPIPE && (h == SIG_IGN || h == SIG_DFL))
		return SIG_DFL; /* nothing raises SIGPIPE: writes fail with EPIPE */
	errno = ENOSYS;
	return SIG_ERR;
}

int raise(int sig)
{
	if (sig == SIGABRT)
		abort();
	NOSYS(-1);
}
