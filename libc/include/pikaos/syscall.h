/*
 * pikaos/syscall.h - the system-call ABI (shared by the kernel and libc).
 *
 * Entry: the `syscall` instruction; rax = number, arguments in rdi, rsi, rdx,
 * r10, r8, r9; the result comes back in rax: >= 0 on success, -errno on
 * failure. rcx and r11 are clobbered. Every pointer argument is checked: a
 * pointer outside user space or into unmapped memory gives -EFAULT, never a
 * kernel fault. The table with each call's contract is in kernel/syscall.c.
 */
#ifndef _PIKAOS_SYSCALL_H
#define _PIKAOS_SYSCALL_H

#define SYS_exit 0          /* (int code) -> does not return */
#define SYS_write 1         /* (int fd, const void *buf, size_t n) -> n; fd 1 and 2 are the console */
#define SYS_getpid 2        /* () -> pid */
#define SYS_getcore 3       /* () -> core the caller runs on */
#define SYS_yield 4         /* () -> 0 */
#define SYS_nanosleep 5     /* (u64 ns) -> 0 */
#define SYS_clock 6         /* (int clock) -> ns: PIKA_CLOCK_MONOTONIC, PIKA_CLOCK_REALTIME */
#define SYS_mmap 7          /* (void *hint, size_t len, int prot) -> address; anonymous, zeroed */
#define SYS_munmap 8        /* (void *addr, size_t len) -> 0; only what mmap mapped */
#define SYS_spawn 9         /* (const char *prog, const char *args, int core) -> pid */
#define SYS_wait 10         /* (int pid, int *status, struct pika_exit_info *info) -> pid */
#define SYS_thread_create 11 /* (void (*fn)(void *), void *stack_top, void *arg, u64 fs) -> tid */
#define SYS_thread_exit 12  /* () -> does not return */
#define SYS_set_fs 13       /* (u64 base) -> 0: this thread's FS base (thread-local storage) */
#define SYS_cmdline 14      /* (char *buf, size_t len) -> length of the kernel command line */
#define SYS_getppid 15      /* () -> parent pid, 0 when none */
#define SYS_ncores 16       /* () -> number of cores */
#define SYS_gettid 17       /* () -> thread id */
#define SYS_frames 18       /* () -> free frames of the caller's core (tests, statistics) */
#define SYS_event_prepare 19 /* () -> token for event_wait (also in the kinfo page: ev_gen) */
#define SYS_event_wait 20   /* (u64 token, u64 timeout_ns) -> 0 woken, -ETIMEDOUT */
#define SYS_chan_wake 21    /* (void *chan) -> 0: wake the process holding the other end */
#define SYS_chan_create 22  /* (pages, flags) -> channel id              [monitor only] */
#define SYS_chan_grant 23   /* (const struct pika_chan_grant *) -> address in pid [monitor only] */
#define SYS_chan_close 24   /* (void *chan) -> 0 */
#define SYS_chan_free 25    /* (id, ends closed elsewhere) -> 0, -EBUSY while an end is open [monitor only] */
#define SYS_kevents 26      /* (struct pika_kevent *, n) -> count        [monitor only] */
#define SYS_monitor_connect 27 /* (u64 timeout_ns) -> address of this process's monitor channel */
#define SYS_proc_list 28    /* (struct pika_proc_info *, n) -> count, this core */
#define SYS_console_read 29 /* (char *buf, size_t n) -> bytes; blocks; core 0 only */
#define SYS_stats 30        /* (struct pika_core_stats *) -> 0 */
#define SYS_dev_list 31     /* (struct pika_pci_dev *, n) -> count of PCI functions */
#define SYS_dev_grant 32    /* (pid, dev) -> 0: pid may drive dev        [monitor only] */
#define SYS_dev_map 33      /* (dev, bar, offset, len) -> address of that part of the BAR */
#define SYS_dev_ctl 34      /* (dev, op) -> 0 */
#define SYS_dma_alloc 35    /* (len, u64 *phys) -> address of zeroed, physically contiguous memory */
#define SYS_irq_attach 36   /* (dev, msix entry) -> vector on the caller's core */
#define SYS_irq_list 37     /* (struct pika_irq_info *, n) -> interrupts attached on this core */
#define SYS_module_read 38  /* (const char *name, u64 off, void *buf, size_t n) -> bytes; n 0: size */
#define SYS_poweroff 39     /* (int status) -> does not return; core 0 only */
#define SYS_chan_info 40    /* (void *chan, struct pika_chan_info *) -> 0: the kernel's facts */
#define SYS_cap_grant 41    /* (pid, caps) -> 0: PIKA_CAP_* for a process of this core [monitor only] */
#define SYS_kill 42         /* (pid, sig) -> 0: pid of this core ends with signal sig [monitor only] */
#define SYS_MAX 43

/* Capabilities beyond a plain process's (monitors have them all). */
#define PIKA_CAP_SPAWN_ANY 1 /* spawn on another core directly (else: its monitor, mon_spawn) */
#define PIKA_CAP_POWEROFF 2  /* power the machine off (the shell's halt) */
#define PIKA_CAPS_ALL 3

/* SYS_chan_create flags */
#define PIKA_CHAN_LOCAL 1    /* both ends on this core: frames from the core's own memory,
				not the channel pool (bigger data areas, e.g. socket rings) */
/* SYS_chan_grant flags */
#define PIKA_GRANT_MONITOR 1 /* map at the process's monitor-channel address */
#define PIKA_GRANT_REMOTE 2  /* record that this end went to another core (maps nothing) */

/* What a monitor says when it hands out an end. The kernel keeps these facts
 * (and never reads them back from the shared frame). peer_pid
 * PIKA_PID_MONITOR names the monitor of peer_core. */
struct pika_chan_grant {
	int pid;              /* who gets the end (PIKA_GRANT_REMOTE: ignored) */
	int end;              /* 0 or 1 */
	unsigned long id;     /* the channel (its first frame's physical address) */
	unsigned int pages;   /* frames: must match the channel's own record on its core */
	unsigned int flags;   /* PIKA_GRANT_* */
	int peer_core, peer_pid; /* who holds the other end: SYS_chan_wake wakes it */
};
#define PIKA_PID_MONITOR (-2)

/* SYS_chan_info: the kernel's facts about one of the caller's ends. */
struct pika_chan_info {
	unsigned long id;
	unsigned int pages, end;
	int peer_core, peer_pid;
};

/* Channels are mapped at PIKA_CHAN_BASE + slot * PIKA_CHAN_SLOT_SIZE; slot 0
 * is the monitor channel. A channel in the channel pool has 1 to
 * PIKA_CHAN_MAX_PAGES pages; a local one (PIKA_CHAN_LOCAL) up to
 * PIKA_CHAN_LOCAL_MAX_PAGES. */
#define PIKA_CHAN_BASE 0x00007e0000000000UL
#define PIKA_CHAN_SLOT_SIZE (16UL << 20)
#define PIKA_CHAN_MAX_PAGES 128
#define PIKA_CHAN_LOCAL_MAX_PAGES 4096
#define PIKA_CHAN_SLOTS 128

/* The kinfo page: mapped read-only into every process at PIKA_KINFO_VA and
 * kept up to date by the kernel. Reading the clock is rdtsc and this page's
 * numbers (pika_clock_ns), not a system call; ev_gen is event_prepare's token. */
struct pika_kinfo {
	volatile unsigned long ev_gen; /* this process's event generation */
	unsigned long tsc_mult;        /* ns = ((tsc - entry_tsc) * tsc_mult) >> 32 */
	unsigned long entry_tsc;       /* TSC when core 0 entered the kernel: time 0 */
	unsigned long boot_epoch_s;    /* wall-clock seconds at time 0 */
	unsigned long tsc_hz;
	int pid, core, ncores, pad;
};
#define PIKA_KINFO_VA 0x00007ff000010000UL

/* SYS_kevents: what the kernel tells the monitor of its core. */
struct pika_kevent {
	unsigned int type;
	int pid;
	unsigned long a, b;
};
#define PIKA_KEV_PROC_EXIT 1   /* pid ended; a = wait status */
#define PIKA_KEV_CHAN_CLOSED 2 /* an end of channel a (owner core b) was closed on this core */
#define PIKA_KEV_CONNECT 3     /* pid asks for a monitor channel */

struct pika_proc_info {
	int pid, ppid;
	unsigned int state;     /* 1 alive, 2 zombie */
	unsigned int threads;
	unsigned long run_ns;   /* time its threads ran */
	unsigned long start_ns;
	unsigned int nchans;
	unsigned int monitor;   /* 1 for the core's monitor */
	char name[32];
	unsigned long switches; /* times one of its threads was switched to */
	unsigned long wakeups;  /* wake-ups that named it (SYS_chan_wake, its interrupts, ...) */
	unsigned long sleeps;   /* times it blocked in event_wait */
	unsigned long frames;   /* mmap'ed and DMA frames it holds (not its page tables) */
};

/* Per-core kernel counters (SYS_stats). The event counters: `wakes` named
 * a process that was asleep in event_wait and woke it; `wakes_awake` named
 * one that was not asleep (its next event_wait returns at once); `wakes_spurious`
 * woke a process nobody named (the fallback when a cross-core wake line
 * overflowed). */
#define PIKA_STATS_SYSCALLS 48
/* DMA memory of drivers that ended (kernel/dev.c), in frames */
struct pika_dma_stats {
	unsigned long held;            /* poisoned, waiting for the check */
	unsigned long quarantined;     /* a device may still reach it */
	unsigned long freed;           /* checked and back in the pool */
	unsigned long corrupted;       /* written after its driver died: never reused */
	unsigned long lost;            /* no record to keep it on: never reused */
	unsigned long masters_stopped; /* devices whose bus mastering an exit turned off */
};
struct pika_core_stats {
	unsigned long uptime_ns, idle_ns, switches, syscalls;
	unsigned long free_frames, total_frames, chan_free, chan_total;
	unsigned long procs, threads;
	unsigned long wakes, wakes_awake, wakes_spurious, event_sleeps;
	unsigned long ipis_sent, ipis_received, timer_irqs, device_irqs;
	unsigned long cr3_loads;
	unsigned long console_dropped; /* bytes of user output over the console budget */
	struct pika_dma_stats dma;
	unsigned long sys_count[PIKA_STATS_SYSCALLS]; /* system calls by number */
};

/* SYS_clock */
#define PIKA_CLOCK_MONOTONIC 1
#define PIKA_CLOCK_REALTIME 0

/* SYS_mmap prot: bits as in POSIX */
#define PIKA_PROT_READ 1
#define PIKA_PROT_WRITE 2
#define PIKA_PROT_EXEC 4

/* SYS_spawn core: any core value < 0 means "the caller's core" */
#define PIKA_CORE_SELF (-1)

/*
 * SYS_wait status, POSIX-compatible: normal exit -> (code & 0xff) << 8;
 * killed by a fault -> the signal number POSIX would use (SIGSEGV for #PF
 * and #GP, SIGILL for #UD, SIGFPE for #DE, SIGBUS otherwise).
 */
struct pika_exit_info {
	int code;               /* exit code, or -1 when killed */
	int vector;             /* x86 exception vector that killed it, or -1 */
	unsigned long rip;      /* where */
	unsigned long addr;     /* CR2 for a page fault */
	unsigned long error;    /* the exception's error code */
};

#endif
