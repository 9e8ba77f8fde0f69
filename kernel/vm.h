/*
 * vm.h - 4-level x86-64 page tables.
 *
 * Tables are frames reached through the direct map; every function works on
 * the tables of the calling core (or, at boot, tables core 0 builds for
 * another core from that core's frames). No locking: a core's tables are its own.
 */
#ifndef KERNEL_VM_H
#define KERNEL_VM_H

#include "frame.h"
#include "types.h"

#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A (1UL << 5)
#define PTE_D (1UL << 6)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL
#define PTE_MMIO (PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX)

#define VM_NOPHYS (~0UL)

/* Maps [va, va+len) to [pa, pa+len) with leaf flags; 2 MiB pages where both
 * sides are aligned and huge is set. Table frames come from fa.
 * Returns 0, -ENOMEM, -EEXIST (something is already mapped there) or -EINVAL. */
int vm_map(paddr_t pml4, u64 va, paddr_t pa, u64 len, u64 flags, bool huge, struct frame_alloc *fa);
/* Removes 4 KiB mappings in [va, va+len); flushes the TLB when pml4 is live. */
int vm_unmap(paddr_t pml4, u64 va, u64 len);
/* Frees the page tables (and page directories) in the user range
 * [va, va+len) that no longer map anything, into fa (where they came from).
 * For address ranges that are reused with growing indices - channel slots -
 * so that closing what was opened gives every table frame back. */
void vm_prune(paddr_t pml4, u64 va, u64 len, struct frame_alloc *fa);
/* The physical address va maps to and its leaf flags, or VM_NOPHYS. */
paddr_t vm_translate(paddr_t pml4, u64 va, u64 *flags);

#endif
