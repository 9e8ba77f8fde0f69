/* thread.c - see thread.h. */
#include "thread.h"
#include "console.h"
#include "core.h"
#include "gdt.h"
#include "kimage.h"
#include "mem.h"
#include "panic.h"
#include "sched.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

static struct thread threads[MAX_THREADS];
static u8 fx_default[512] __aligned(16); /* FPU state of a fresh thread */
static int next_seq = 1;
extern paddr_t core_pml4;

/* kernel/entry.asm */
void thread_first_user(void);   /* after the first switch: into user mode */
void thread_first_kernel(void); /* after the first switch: r12(r13) */

static u64 slot_top(int slot) { return kstack_slot_top(slot); }

void thread_init_core(void)
{
	/* Page tables for every thread stack slot now, so that later stacks never
	 * allocate (and keep) table frames: the frame count stays exact. */
	u64 lo = slot_top(THREAD_SLOT_FIRST - 1), hi = slot_top(THREAD_SLOT_FIRST + MAX_THREADS - 1);
	for (u64 va = ALIGN_DOWN(lo, HUGE_SIZE); va < hi; va += HUGE_SIZE) {
		paddr_t f = kframe_alloc_zeroed();
		if (!f || vm_map(core_pml4, va, f, PAGE_SIZE, PTE_W | PTE_NX, false, &core_frames))
			panic("thread: cannot reserve stack page tables");
		vm_unmap(core_pml4, va, PAGE_SIZE);
		kframe_free(f);
	}
	__asm__ volatile("fninit\n\t"
			 "fxsave64 %0"
			 : "=m"(fx_default));
	/* MXCSR: all exceptions masked, round to nearest */
	*(u32 *)&fx_default[24] = 0x1F80;
}

struct thread *thread_by_index(int i) { return (i >= 0 && i < MAX_THREADS) ? &threads[i] : NULL; }

static struct thread *alloc(const char *name)
{
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = &threads[i];
		if (t->state != T_FREE)
			continue;
		u64 top = slot_top(THREAD_SLOT_FIRST + i);
		u64 va;
		for (va = top - THREAD_STACK_SIZE; va < top; va += PAGE_SIZE) {
			paddr_t f = kframe_alloc();
			if (!f || vm_map(core_pml4, va, f, PAGE_SIZE, PTE_W | PTE_G | PTE_NX, false, &core_frames)) {
				if (f)
					kframe_free(f);
				break;
			}
		}
		if (va < top) { /* out of memory: undo */
			for (u64 u = top - THREAD_STACK_SIZE; u < va; u += PAGE_SIZE) {
				kframe_free(vm_translate(core_pml4, u, NULL));
				vm_unmap(core_pml4, u, PAGE_SIZE);
			}
			return NULL;
		}
		memset(t, 0, sizeof(*t));
		memcpy(t->fx, fx_default, sizeof(t->fx));
		t->tid = this_core * 1000000 + next_seq++;
		t->slot = THREAD_SLOT_FIRST + i;
		t->kstack_top = top;
		t->name = name;
		t->state = T_BLOCKED; /* not runnable until the caller says so */
		return t;
	}
	return NULL;
}

void thread_free(struct thread *t)
{
	assert(t->state == T_DEAD && t != current);
	for (u64 va = t->kstack_top - THREAD_STACK_SIZE; va < t->kstack_top; va += PAGE_SIZE) {
		paddr_t f = vm_translate(core_pml4, va, NULL);
		vm_unmap(core_pml4, va, PAGE_SIZE);
		if (f != VM_NOPHYS)
			kframe_free(f);
	}
	t->state = T_FREE;
}

/* The switch frame switch_stack() pops: r15 r14 r13 r12 rbx rbp, then the return address. */
static u64 *push_switch_frame(u64 *sp, void (*ret)(void), u64 r12, u64 r13)
{
	*--sp = (u64)ret;
	*--sp = 0;   /* rbp */
	*--sp = 0;   /* rbx */
	*--sp = r12;
	*--sp = r13;
	*--sp = 0;   /* r14 */
	*--sp = 0;   /* r15 */
	return sp;
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = alloc(name);
	if (!t)
		return NULL;
	u64 *sp = (u64 *)t->kstack_top; /* 16-byte aligned once the switch frame is popped */
	t->ksp = (u64)push_switch_frame(sp, thread_first_kernel, (u64)fn, (u64)arg);
	sched_make_runnable(t);
	return t;
}

struct thread *uthread_create(struct proc *p, u64 rip, u64 rsp, u64 arg, u64 fs_base)
{
	struct thread *t = alloc("user");
	if (!t)
		return NULL;
	t->proc = p;
	t->fs_base = fs_base;
	/* A trap frame (kernel/trap.h) that iretq turns into user mode at rip. */
	u64 *sp = (u64 *)t->kstack_top;
	*--sp = SEL_UDATA;       /* ss */
	*--sp = rsp;             /* rsp */
	*--sp = 0x202;           /* rflags: IF */
	*--sp = SEL_UCODE;       /* cs */
	*--sp = rip;             /* rip */
	*--sp = 0;               /* error */
	*--sp = 0;               /* vector */
	for (int r = 0; r < 15; r++) /* rax..r15; rdi (the 10th pushed) carries arg */
		*--sp = (r == 5) ? arg : 0;
	t->ksp = (u64)push_switch_frame(sp, thread_first_user, 0, 0);
	return t;
}
