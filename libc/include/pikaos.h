/* pikaos.h - pikaos's own calls (beyond POSIX). Results: >= 0, or -1 with errno set. */
#ifndef _PIKAOS_H
#define _PIKAOS_H

#include <pikaos/syscall.h>
#include <stdint.h>
#include <sys/types.h>

/* Start boot module prog with args ("a b c") on core (PIKA_CORE_SELF: here). */
pid_t pika_spawn(const char *prog, const char *args, int core);
/* wait() with the full exit facts (info may be NULL). */
pid_t pika_wait(pid_t pid, int *status, struct pika_exit_info *info);
static inline int pika_getcore(void) { return ((const struct pika_kinfo *)PIKA_KINFO_VA)->core; }
static inline int pika_ncores(void) { return ((const struct pika_kinfo *)PIKA_KINFO_VA)->ncores; }
int pika_gettid(void);
long pika_cmdline(char *buf, size_t n);
/* Reads a boot module (a file shipped with the kernel): n bytes from off;
 * returns the bytes read, 0 at the end; with n 0 the module's size. */
long pika_module_read(const char *name, uint64_t off, void *buf, size_t n);
/* Powers the machine off (QEMU exits); only from core 0. */
int pika_poweroff(int status);
long pika_free_frames(void);
/* accept() calls whose connection netd had already given to another acceptor
 * because this process did not claim it within netd's accept_timeout= */
unsigned long pika_accept_late_claims(void);
/* The kinfo page the kernel keeps for this process (read-only). */
static inline const struct pika_kinfo *pika_kinfo(void) { return (const struct pika_kinfo *)PIKA_KINFO_VA; }
/* Monotonic ns since boot, and wall-clock ns since 1970: rdtsc, no system call. */
uint64_t pika_clock_ns(void);
uint64_t pika_realtime_ns(void);
static inline uint64_t pika_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/* A thread of this process on this core running fn(arg), with its own stack
 * and errno; returns its tid. pika_thread_exit() ends the calling thread. */
int pika_thread_create(void (*fn)(void *), void *arg);
__attribute__((noreturn)) void pika_thread_exit(void);

/* Channels (pikaos/chan.h) with blocking through the event system calls. */
struct chan;
struct chan_sync;
extern const struct chan_sync pika_chan_sync;
/* Attaches end `end` of the channel mapped at va, with the kernel's facts
 * about it (its size, where the peer is: SYS_chan_info), not the header's. */
void pika_chan_attach(struct chan *c, void *va, int end);
/* Closes this end: the peer sees -EPIPE; the frame is unmapped here. */
int pika_chan_close(struct chan *c);

/* The name of system call nr ("chan_wake"), "?" when there is none. */
const char *pika_syscall_name(int nr);

/* Raw system call. */
long __syscall(long nr, long a0, long a1, long a2, long a3);

#endif
