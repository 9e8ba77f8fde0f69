/* proc.c - see proc.h. */
#include "proc.h"
#include "bootinfo.h"
#include "channel.h"
#include "dev.h"
#include "console.h"
#include "core.h"
#include "elf.h"
#include "errno.h"
#include "layout.h"
#include "mem.h"
#include "panic.h"
#include "sched.h"
#include "timer.h"
#include "uvm.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

static struct proc procs[MAX_PROCS];
struct proc kernel_proc;
static int next_seq = 1;
extern paddr_t core_pml4;

void proc_init_core(void)
{
	kernel_proc.pid = 0;
	kernel_proc.state = P_ALIVE;
	strlcpy(kernel_proc.name, "kernel", sizeof(kernel_proc.name));
	kernel_proc.pml4 = core_pml4;
}

struct proc *proc_current(void) { return current->proc ? current->proc : &kernel_proc; }
struct proc *proc_by_index(int i) { return (i >= 0 && i < MAX_PROCS) ? &procs[i] : NULL; }

struct proc *proc_find(int pid)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (procs[i].state != P_FREE && procs[i].pid == pid)
			return &procs[i];
	return NULL;
}

int proc_kill(struct proc *p, int sig)
{
	if (!p || p->state != P_ALIVE || sig <= 0 || sig >= 0x7f)
		return -EINVAL;
	if (p == &kernel_proc || p->monitor)
		return -EPERM;
	u64 f = irq_save();
	if (!p->kill_sig)
		p->kill_sig = sig;
	/* a thread asleep in the kernel (event_wait, wait, nanosleep) wakes,
	 * returns from its call and meets proc_check_killed */
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = thread_by_index(i);
		if (t->proc == p && t->state == T_BLOCKED) {
			sched_remove(t);
			sched_make_runnable(t);
		}
	}
	irq_restore(f);
	return 0;
}

void proc_check_killed(void)
{
	struct proc *p = current->proc;
	if (p && p->kill_sig) {
		struct pika_exit_info info = { .code = -1, .vector = -1 };
		proc_exit(p->kill_sig, &info);
	}
}

bool proc_frames_over(const struct proc *p, u64 n)
{
	return p->frames + n > core_frames.total / PROC_FRAMES_SHARE;
}

int proc_count(void)
{
	int n = 0;
	for (int i = 0; i < MAX_PROCS; i++)
		n += procs[i].state != P_FREE;
	return n;
}

const struct boot_module *module_find(const char *prog)
{
	size_t n = strlen(prog);
	for (int i = 0; i < bootinfo.nmodules; i++) {
		const char *m = bootinfo.modules[i].name;
		if (strncmp(m, prog, n) == 0 && (m[n] == '\0' || m[n] == ' '))
			return &bootinfo.modules[i];
	}
	return NULL;
}

static int load_segments(struct proc *p, const u8 *image, const struct elf_info *info)
{
	for (int i = 0; i < info->nseg; i++) {
		const struct elf_segment *s = &info->seg[i];
		u64 flags = ((s->flags & ELF_SEG_W) ? PTE_W : 0) | ((s->flags & ELF_SEG_X) ? 0 : PTE_NX);
		u64 start = ALIGN_DOWN(s->vaddr, PAGE_SIZE), end = ALIGN_UP(s->vaddr + s->memsz, PAGE_SIZE);
		int e = uvm_map_anon(p->pml4, start, end - start, flags);
		if (e)
			return e;
		/* the file bytes, page by page through the direct map */
		for (u64 va = start; va < end; va += PAGE_SIZE) {
			u64 lo = MAX(va, s->vaddr), hi = MIN(va + PAGE_SIZE, s->vaddr + s->filesz);
			if (lo >= hi)
				continue;
			u8 *dst = uvm_kaddr(p->pml4, va);
			memcpy(dst + (lo - va), image + s->offset + (lo - s->vaddr), hi - lo);
		}
	}
	return 0;
}

/* Copies bytes into p's memory (mapped pages only) through the direct map. */
static void put_bytes(struct proc *p, u64 va, const void *src, u64 n)
{
	const u8 *s = src;
	while (n) {
		u64 chunk = MIN(n, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		memcpy(uvm_kaddr(p->pml4, va), s, chunk);
		va += chunk;
		s += chunk;
		n -= chunk;
	}
}

/* argc, argv[] and their strings at the top of the stack (System V x86-64 ABI:
 * rsp -> argc, argv pointers, NULL, envp NULL, auxv AT_NULL; rsp 16-aligned).
 * Returns the initial rsp. */
static u64 push_args(struct proc *p, const char *prog, const char *args)
{
	char buf[PROC_NAME_MAX + PROC_ARGS_MAX + 2];
	size_t n = strlcpy(buf, prog, PROC_NAME_MAX);
	size_t total = n + 1;
	if (args)
		total += strlcpy(buf + total, args, PROC_ARGS_MAX) + 1;
	u64 vals[4 + 34];
	int argc = 0, k = 1;
	vals[k++] = 0; /* argv[0], filled below */
	argc = 1;
	/* split args in place on spaces */
	for (size_t i = n + 1; i < total && argc < 32; i++) {
		if (buf[i] == ' ')
			buf[i] = '\0';
		else if (buf[i] && (i == n + 1 || buf[i - 1] == '\0'))
			vals[k++] = i, argc++;
	}
	u64 strings = ALIGN_DOWN(USER_STACK_TOP - total, 16);
	put_bytes(p, strings, buf, total);
	vals[0] = (u64)argc;
	vals[1] = strings;
	for (int i = 2; i < k; i++)
		vals[i] += strings; /* offsets -> addresses */
	vals[k++] = 0; /* end of argv */
	vals[k++] = 0; /* end of envp */
	vals[k++] = 0; /* AT_NULL */
	vals[k++] = 0;
	u64 rsp = ALIGN_DOWN(strings - (u64)k * 8, 16);
	put_bytes(p, rsp, vals, (u64)k * 8);
	return rsp;
}

/* The kinfo page (struct pika_kinfo): the clock's constants and the event
 * generation, read-only for the process; the kernel writes it through the
 * direct map (event.c keeps ev_gen current). */
static int map_kinfo(struct proc *p)
{
	int e = uvm_map_anon(p->pml4, PIKA_KINFO_VA, PAGE_SIZE, PTE_NX);
	if (e)
		return e;
	p->kinfo = vm_translate(p->pml4, PIKA_KINFO_VA, NULL);
	struct pika_kinfo *k = phys_to_virt(p->kinfo);
	k->tsc_mult = bootinfo.tsc_mult;
	k->entry_tsc = bootinfo.entry_tsc;
	k->boot_epoch_s = bootinfo.boot_epoch_s;
	k->tsc_hz = bootinfo.tsc_hz;
	k->core = this_core;
	k->ncores = ncores;
	return 0;
}

int proc_spawn(const char *prog, const char *args, struct proc *parent)
{
	const struct boot_module *m = module_find(prog);
	if (!m)
		return -ENOENT;
	const u8 *image = phys_to_virt(m->start);
	struct elf_info info;
	const char *why = NULL;
	if (elf_parse(image, m->end - m->start, &info, &why)) {
		pr_warn("proc: cannot run %s: %s\n", prog, why);
		return -ENOEXEC;
	}
	struct proc *p = NULL;
	for (int i = 0; i < MAX_PROCS && !p; i++)
		if (procs[i].state == P_FREE)
			p = &procs[i];
	if (!p)
		return -EAGAIN;
	memset(p, 0, sizeof(*p));
	p->pml4 = uvm_create();
	if (!p->pml4)
		return -ENOMEM;
	p->state = P_ALIVE; /* holds the slot from here on */
	int e = load_segments(p, image, &info);
	if (!e)
		e = uvm_map_anon(p->pml4, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE, PTE_W | PTE_NX);
	if (!e)
		e = map_kinfo(p);
	struct thread *t = NULL;
	if (!e) {
		strlcpy(p->name, prog, sizeof(p->name));
		u64 rsp = push_args(p, prog, args);
		t = uthread_create(p, info.entry, rsp, 0, 0);
		if (!t)
			e = -ENOMEM;
	}
	if (e) {
		uvm_destroy(p->pml4);
		p->state = P_FREE;
		return e;
	}
	p->pid = this_core * 1000000 + next_seq++;
	((struct pika_kinfo *)phys_to_virt(p->kinfo))->pid = p->pid;
	p->parent = parent;
	p->mmap_next = MMAP_BASE;
	p->start_ns = now_ns();
	sched_make_runnable(t);
	return p->pid;
}

static void release(struct proc *p) { p->state = P_FREE; }

int proc_wait(struct proc *parent, int pid, int *status, struct pika_exit_info *info)
{
	for (;;) {
		bool have = false;
		for (int i = 0; i < MAX_PROCS; i++) {
			struct proc *c = &procs[i];
			if (c->state == P_FREE || c->parent != parent || (pid > 0 && c->pid != pid))
				continue;
			have = true;
			if (c->state != P_ZOMBIE)
				continue;
			int cpid = c->pid;
			if (status)
				*status = c->wait_status;
			if (info)
				*info = c->info;
			release(c);
			return cpid;
		}
		if (!have)
			return -ECHILD;
		if (parent->kill_sig)
			return -EINTR; /* killed: it ends on its way out */
		sched_block(&parent->child_exit);
	}
}

__noreturn void proc_exit(int status, const struct pika_exit_info *info)
{
	struct proc *p = current->proc;
	assert(p != NULL);
	u64 f = irq_save();
	/* Other threads of the process are not running (one core, no preemption
	 * in the kernel): take them off their queues and free them. */
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = thread_by_index(i);
		if (t != current && t->state != T_FREE && t->state != T_DEAD && t->proc == p) {
			sched_remove(t);
			t->state = T_DEAD;
			thread_free(t);
		}
	}
	channel_proc_exit(p); /* peers see the close; the monitor hears of it */
	dev_proc_exit(p);     /* its interrupts are masked */
	write_cr3(core_pml4);
	p->kinfo = 0; /* freed with the address space */
	uvm_destroy(p->pml4);
	p->pml4 = 0;
	for (int i = 0; i < MAX_PROCS; i++) { /* orphans are detached; dead ones go now */
		struct proc *c = &procs[i];
		if (c->state != P_FREE && c->parent == p) {
			c->parent = NULL;
			if (c->state == P_ZOMBIE)
				release(c);
		}
	}
	p->wait_status = status;
	if (info)
		p->info = *info;
	else
		p->info = (struct pika_exit_info){ .code = (status >> 8) & 0xff, .vector = -1 };
	current->proc = NULL;
	kevent_post(PIKA_KEV_PROC_EXIT, p->pid, (u64)status, 0);
	if (p->parent) {
		p->state = P_ZOMBIE;
		sched_wake_all(&p->parent->child_exit);
	} else {
		release(p);
	}
	irq_restore(f);
	thread_exit();
}

static int signal_of(u64 vector)
{
	switch (vector) {
	case 14:
	case 13:
	case 12:
		return 11; /* SIGSEGV */
	case 6:
		return 4;  /* SIGILL */
	case 0:
	case 16:
	case 19:
		return 8;  /* SIGFPE */
	case 1:
	case 3:
		return 5;  /* SIGTRAP */
	default:
		return 7;  /* SIGBUS */
	}
}

__noreturn void proc_fault(struct trap_frame *f, u64 cr2)
{
	struct proc *p = current->proc;
	assert(p != NULL);
	kprintf("proc: core %d pid %d (%s) killed: vector %lu (%s) rip %#lx addr %#lx error %#lx\n",
		this_core, p->pid, p->name, f->vector, trap_name(f->vector), f->rip, cr2, f->error);
	struct pika_exit_info info = {
		.code = -1, .vector = (int)f->vector, .rip = f->rip, .addr = cr2, .error = f->error,
	};
	proc_exit(signal_of(f->vector), &info);
}
