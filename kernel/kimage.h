/*
 * kimage.h - building a core's kernel address space (DESIGN 1, replicated kernel).
 *
 * Core 0 builds every core's image during the boot phase, each from frames of
 * that core's own range:
 *   .text                  -> the shared physical pages, read-only, executable
 *   .rodata, .ksyms         -> shared, read-only, no-execute
 *   .bootinfo               -> shared, read-only
 *   .data, .bss             -> the core's private frames: a copy of the pristine
 *                              .data (or, for core 0, of its live .data/.bss) and zeroes
 *   direct map              -> the core's own range, the channel pool, boot modules
 *                              (read-only) and, until every core is up, the AP mailbox
 *   MMIO_BASE               -> the local APIC, uncached
 *   KSTACK_BASE             -> the kernel stack and the #DF/NMI/#MC IST stacks, each
 *                              below an unmapped guard gap
 */
#ifndef KERNEL_KIMAGE_H
#define KERNEL_KIMAGE_H

#include "frame.h"
#include "layout.h"
#include "types.h"

#define KSTACK_SLOT (64 * 1024UL) /* a stack slot: guard gap below, stack at the top */
enum { STACK_KERNEL = 0, STACK_IST_DF = 1, STACK_IST_NMI = 2, STACK_IST_MC = 3, STACK_SLOTS_BOOT = 4 };

struct kimage {
	paddr_t pml4;
	u64 stack_top[STACK_SLOTS_BOOT];
};

static inline u64 kstack_slot_top(int slot) { return KSTACK_BASE + (u64)(slot + 1) * KSTACK_SLOT; }

/* Builds core's image from fa. live_copy: copy the running .data/.bss
 * (core 0 moving onto its own copy) instead of the pristine template.
 * Returns 0 or a negative errno. */
int kimage_build(int core, struct frame_alloc *fa, bool live_copy, struct kimage *out);

/* Loads cr3 and the stack, then calls fn; never returns (kernel/entry.asm). */
__noreturn void kimage_enter(paddr_t pml4, u64 stack_top, void (*fn)(void));

/* Boot phase: extend the boot direct map (low 4 GiB from boot.asm) up to max_phys.
 * Returns the highest address mapped. */
paddr_t boot_map_extend(paddr_t max_phys);

/* True when [va, va+len) lies in this core's mapped kernel stacks (used by backtraces). */
bool kstack_contains(u64 va, u64 len);

#endif
