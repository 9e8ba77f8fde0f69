/*
 * proc.h - user processes of this core.
 *
 * A process lives and dies on the core that created it: its address space,
 * threads and table slot belong to that core. Processes are started from
 * boot modules (static ELF executables). The per-core process table is a
 * fixed array (no kernel heap), so a finished process leaves nothing behind.
 *
 * User memory layout:
 *   0x400000                        program segments (from the ELF file)
 *   MMAP_BASE ..                    mmap'ed memory, growing up
 *   USER_STACK_TOP - USER_STACK_SIZE .. USER_STACK_TOP   main thread stack
 *                                   (an unmapped guard page below it)
 */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include <pikaos/syscall.h>

#include "thread.h"
#include "trap.h"
#include "types.h"

#define MAX_PROCS 128
#define USER_STACK_TOP 0x00007ff000000000UL
#define USER_STACK_SIZE (128 * 1024UL)
#define MMAP_BASE 0x0000100000000000UL
#define MMAP_LIMIT 0x00007f0000000000UL
#define PROC_NAME_MAX 32
#define PROC_ARGS_MAX 256
/* Per-process limits: no process takes a core from the others. */
#define PROC_THREADS_MAX 64
#define PROC_MAPS_MAX 16384        /* mmap regions */
#define PROC_FRAMES_SHARE 2        /* mmap and DMA memory: at most 1/2 of the core's frames */
#define PROC_DMA_MAX 16            /* DMA allocations */

enum proc_state { P_FREE = 0, P_ALIVE, P_ZOMBIE };

/* The kernel's facts about a channel end a process holds (kernel/channel.c).
 * The shared frame has a header with similar facts for the ends'
 * convenience; the kernel never reads it back. */
struct chan_slot {
	u64 id;          /* the channel's first frame (physical) */
	u32 pages;       /* frames mapped */
	u8 used, end;
	i32 peer_core;   /* who holds the other end: SYS_chan_wake names it */
	i32 peer_pid;
};

struct proc {
	int pid;
	enum proc_state state;
	char name[PROC_NAME_MAX];
	struct proc *parent;       /* NULL: detached (nobody will wait) */
	paddr_t pml4;
	struct waitq child_exit;   /* this process's threads waiting in wait() */
	int wait_status;           /* POSIX-style status once a zombie */
	struct pika_exit_info info;
	u64 mmap_next;
	u64 start_ns;
	bool monitor;              /* the core's monitor: may create and grant channels */
	struct chan_slot chans[PIKA_CHAN_SLOTS]; /* channel ends mapped (kernel/channel.c) */
	struct waitq mon_wait;     /* waiting in monitor_connect */
	/* events (kernel/event.h) */
	u64 ev_gen;                /* bumped by every wake-up that names this process */
	struct waitq ev_wait;      /* its threads in event_wait */
	paddr_t kinfo;             /* its kinfo page (struct pika_kinfo), mapped read-only */
	u64 wakeups, sleeps, switches;
	u32 caps;                  /* PIKA_CAP_* the monitor gave it */
	u64 frames, nmaps;         /* mmap'ed and DMA frames it holds, mmap regions */
	u64 con_tokens, con_last, con_dropped; /* console budget (syscall.c, sys_write) */
	int kill_sig;              /* set by proc_kill: it ends at its next return to user mode */
	u32 devs;                  /* PCI functions it may drive (bit per bootinfo.pci index) */
	u32 dev_master;            /* of those, the ones whose bus mastering it turned on */
	struct proc_dma {          /* its DMA memory (dev.c: held back from the pool at exit) */
		u64 va;
		paddr_t phys;
		u64 frames;
	} dma[PROC_DMA_MAX];
	int ndma;
	u64 dev_next;              /* next free address for device mappings */
};

extern struct proc kernel_proc; /* parent of processes started by kernel threads */

void proc_init_core(void);
/* The boot module whose first word (its file name) is prog, or NULL. */
struct boot_module;
const struct boot_module *module_find(const char *prog);

/* Starts boot module prog with args ("a b c") on this core as a child of parent
 * (NULL: detached). Returns the pid or -ENOENT (no such module), -ENOEXEC,
 * -ENOMEM, -EAGAIN (process table full). */
int proc_spawn(const char *prog, const char *args, struct proc *parent);
/* Waits for a child of parent (pid, or any when pid <= 0) to end; returns its
 * pid and fills status/info, or -ECHILD. Blocks the calling thread. */
int proc_wait(struct proc *parent, int pid, int *status, struct pika_exit_info *info);
/* The current thread's process ends with status (and info, may be NULL). */
__noreturn void proc_exit(int status, const struct pika_exit_info *info);
/* A user-mode exception: report it in one line and kill the process. */
__noreturn void proc_fault(struct trap_frame *f, u64 cr2);
struct proc *proc_current(void); /* the caller's process, &kernel_proc for kernel threads */
struct proc *proc_find(int pid);
int proc_count(void);            /* live + zombie processes on this core */
struct proc *proc_by_index(int i);
/* Asks p (a process of this core, not a monitor) to end with signal sig:
 * its sleeping threads wake, and the first of its threads to return to user
 * mode ends it (status sig, as after a fault). -EINVAL (no such live process),
 * -EPERM (a monitor or the kernel). */
int proc_kill(struct proc *p, int sig);
/* Called on every way back to user mode: ends the current process if it was killed. */
void proc_check_killed(void);
/* Would n more frames take p past its share of the core? */
bool proc_frames_over(const struct proc *p, u64 n);

#endif
