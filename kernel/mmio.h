/* mmio.h - this core's uncached mappings of device memory (MMIO_BASE window). */
#ifndef KERNEL_MMIO_H
#define KERNEL_MMIO_H

#include "types.h"

/* Maps [phys, phys+size) uncached in this core's kernel half (visible to every
 * process of the core); the same range asked twice gives the same address.
 * NULL when the window is full. The first page of the window is the LAPIC. */
void *mmio_map(paddr_t phys, u64 size);

#endif
