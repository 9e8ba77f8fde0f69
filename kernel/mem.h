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

#define CHANSLICE_MIN (256 * 1024ULL) /* each core's least share of channel frames */

int mem_partition_boot(const struct mb2_info *mb);
/* The channel pool: struct kshared, then one frame per pair of monitors, then
 * an equal slice per core (bootinfo.chanslice) from which that core's kernel
 * makes channels. Boot phase, after mem_partition_boot. */
int chanpool_partition_boot(void);
u64 chanpool_fixed_bytes(int ncores);

paddr_t kframe_alloc(void);        /* 0 when this core's range is exhausted */
paddr_t kframe_alloc_zeroed(void);
int kframe_free(paddr_t p);        /* -EINVAL for a frame this core does not own */

#endif
