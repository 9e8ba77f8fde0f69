/*
 * uvm.h - user address spaces on this core.
 *
 * A process's PML4 shares the core's kernel half (entries 256..511 point at
 * the core's own kernel page tables, which never gain a new top-level entry
 * after boot) and owns everything below USER_TOP: its page-table frames and
 * every leaf frame not marked PTE_NOFREE come from the core's allocator and
 * go back to it in uvm_destroy().
 */
#ifndef KERNEL_UVM_H
#define KERNEL_UVM_H

#include "types.h"

#define PTE_MMAP (1UL << 9)   /* software bit: created by mmap, so munmap may remove it */
#define PTE_NOFREE (1UL << 10) /* software bit: the frame is not the process's to free */

paddr_t uvm_create(void);        /* 0 when out of memory */
void uvm_destroy(paddr_t pml4);  /* frees every user frame and table, then the PML4 */
u64 uvm_frames(paddr_t pml4);    /* how many frames uvm_destroy would free */
/* Maps zeroed frames over [va, va+len) with flags (PTE_U is added).
 * Returns 0, -ENOMEM (nothing left mapped) or -EEXIST. */
int uvm_map_anon(paddr_t pml4, u64 va, u64 len, u64 flags);
/* True when no page of [va, va+len) is mapped. */
bool uvm_range_free(paddr_t pml4, u64 va, u64 len);
/* Unmaps and frees [va, va+len); with only_mmap, fails with -EINVAL unless
 * every page is present and came from mmap. */
int uvm_unmap(paddr_t pml4, u64 va, u64 len, bool only_mmap);
/* The kernel-visible address of user address va in pml4, or NULL. */
void *uvm_kaddr(paddr_t pml4, u64 va);

#endif
