/*
 * frame.h - physical frame allocation and the boot-time partition of memory.
 *
 * At boot, core 0 splits usable RAM into a channel pool plus one disjoint range
 * per core (frame_partition). Each core then owns a struct frame_alloc over
 * its range and allocates only from it (DESIGN 1): there is no shared
 * allocator and no lock. The allocator keeps one bit per frame (1 = in use)
 * in a bitmap stored in the first frames of the range itself, so a double
 * free or the free of a frame the core does not own is detected and refused.
 *
 * Portable code: the allocator reaches frame memory through virt_base (frame
 * P is at virt_base + P), the direct map in the kernel, an arena in host tests.
 */
#ifndef KERNEL_FRAME_H
#define KERNEL_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#ifndef MAX_CORES
#define MAX_CORES 64
#endif
#define FRAME_SIZE 4096ULL
#define FRAME_MAX_EXTENTS 8
#define FRAME_PARTITION_ALIGN (2ULL << 20) /* ranges start and end on 2 MiB */

struct frame_extent {
	uint64_t start, end; /* physical, [start, end), FRAME_SIZE-aligned */
};

struct frame_range {
	int n;
	struct frame_extent ext[FRAME_MAX_EXTENTS];
};

struct frame_plan {
	int ncores;
	struct frame_range chanpool;
	struct frame_range core[MAX_CORES];
};

struct frame_alloc {
	uint64_t virt_base;
	int n;
	struct {
		uint64_t start, end; /* physical */
		uint64_t *bitmap;    /* one bit per frame of this extent */
		uint64_t hint;       /* word index where the last search ended */
	} ext[FRAME_MAX_EXTENTS];
	uint64_t total; /* frames available to callers (the bitmap's own frames excluded) */
	uint64_t nfree;
	uint64_t meta_end; /* the bitmap occupies [ext[0].start, meta_end) */
};

/*
 * Splits usable memory (sorted, non-overlapping extents) into a channel pool
 * of chanpool_bytes at the bottom and ncores equal ranges above it, all on
 * FRAME_PARTITION_ALIGN boundaries. Returns 0, -EINVAL for bad arguments,
 * -ENOMEM when a core would get less than min_core_bytes, -E2BIG when a range
 * would need more than FRAME_MAX_EXTENTS pieces.
 */
int frame_partition(const struct frame_extent *usable, int n, int ncores, uint64_t chanpool_bytes,
		    uint64_t min_core_bytes, struct frame_plan *out);

/* Takes over a range; places the bitmap in its first frames. 0 or -EINVAL/-ENOMEM. */
int frame_alloc_init(struct frame_alloc *fa, const struct frame_range *r, uint64_t virt_base);
/* One frame (not zeroed), or 0 when the range is exhausted (0 is never a valid frame). */
uint64_t frame_alloc(struct frame_alloc *fa);
/* n physically contiguous frames aligned to align_frames (a power of two), or 0. */
uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t n, uint64_t align_frames);
/* Returns 0, or -EINVAL for a misaligned or foreign frame or a frame that is already free. */
int frame_free(struct frame_alloc *fa, uint64_t p);
int frame_free_contig(struct frame_alloc *fa, uint64_t p, uint64_t n);
bool frame_owns(const struct frame_alloc *fa, uint64_t p);
bool frame_range_contains(const struct frame_range *r, uint64_t p);

#endif
