/*
 * layout.h - the kernel's virtual address map (identical on every core).
 *
 *   0x0000000000000000 .. 0x00007fffffffffff  user space (per process)
 *   0xffff800000000000 ..                     direct map: phys P at DIRECT_MAP + P, but a core maps
 *                                             only its own frames, the channel pool and shared
 *                                             read-only boot data (boot modules)
 *   0xffffc00000000000 ..                     MMIO window (LAPIC, device BARs), uncached
 *   0xfffffe0000000000 ..                     kernel stacks with unmapped guard pages
 *   0xffffffff80000000 ..                     kernel image: text/rodata shared read-only,
 *                                             .data/.bss a private physical copy per core
 * boot/boot.asm repeats KERNEL_VMA and DIRECT_MAP; keep them in step.
 */
#ifndef KERNEL_LAYOUT_H
#define KERNEL_LAYOUT_H

#define KERNEL_VMA 0xffffffff80000000UL
#define DIRECT_MAP 0xffff800000000000UL
#define MMIO_BASE 0xffffc00000000000UL
#define MMIO_SIZE (1UL << 39)
#define KSTACK_BASE 0xfffffe0000000000UL

#define KSTACK_SIZE (32 * 1024UL) /* the core's main kernel stack */
#define ISTACK_SIZE (16 * 1024UL) /* one per IST entry: #DF, NMI, #MC */

#define USER_TOP 0x0000800000000000UL

#ifndef __ASSEMBLER__
#include "types.h"
static inline void *phys_to_virt(paddr_t p) { return (void *)(DIRECT_MAP + p); }
static inline paddr_t kimage_virt_to_phys(const void *v) { return (paddr_t)v - KERNEL_VMA; }
#endif

#endif
