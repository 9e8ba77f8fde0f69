/*
 * mem.h - this core's physical memory.
 *
 * mem_partition_boot() (core 0, boot phase) turns the firmware memory map
 * into bootinfo.plan: the channel pool and one range per core. Afterwards a
 * core allocates frames only from its own range, through kframe_*().
 */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include "frame.h"
#include "multiboot.h"
#include "types.h"

#define CHANPOOL_DEFAULT_MIN (4ULL << 20)
#define CHANPOOL_DEFAULT_MAX (64ULL << 20)
#define CORE_MEM_MIN (4ULL << 20)

extern struct frame_alloc core_frames; /* this core's allocator */

int mem_partition_boot(const struct mb2_info *mb);

paddr_t kframe_alloc(void);        /* 0 when this core's range is exhausted */
paddr_t kframe_alloc_zeroed(void);
int kframe_free(paddr_t p);        /* -EINVAL for a frame this core does not own */

#endif
