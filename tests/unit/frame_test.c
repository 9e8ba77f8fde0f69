/* Host tests of the frame allocator and memory partition (kernel/frame.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/errno.h"
#include "kernel/frame.h"

#define MiB (1ULL << 20)

/* A fake physical memory: phys P lives at arena + (P - ARENA_PHYS). */
#define ARENA_PHYS (64 * MiB)
#define ARENA_SIZE (16 * MiB)
static uint8_t *arena;

static int setup(void **s)
{
	(void)s;
	arena = aligned_alloc(4096, ARENA_SIZE);
	return arena ? 0 : -1;
}
static int teardown(void **s)
{
	(void)s;
	free(arena);
	return 0;
}
static uint64_t vbase(void) { return (uint64_t)(uintptr_t)arena - ARENA_PHYS; }

static void partition_disjoint_and_aligned(void **s)
{
	(void)s;
	/* QEMU-like map: a hole at 3..4 GiB, and an unaligned first piece. */
	struct frame_extent u[] = {
		{ 0x1234000, 3ULL << 30 },
		{ 4ULL << 30, 5ULL << 30 },
	};
	struct frame_plan p;
	assert_int_equal(frame_partition(u, 2, 4, 16 * MiB, 8 * MiB, &p), 0);
	assert_int_equal(p.ncores, 4);
	assert_int_equal(p.chanpool.n, 1);
	assert_int_equal(p.chanpool.ext[0].start, 0x1400000);
	assert_int_equal(p.chanpool.ext[0].end, 0x1400000 + 16 * MiB);
	uint64_t total = 0;
	for (int c = 0; c < 4; c++) {
		uint64_t bytes = 0;
		for (int i = 0; i < p.core[c].n; i++) {
			struct frame_extent e = p.core[c].ext[i];
			assert_int_equal(e.start % FRAME_PARTITION_ALIGN, 0);
			assert_int_equal(e.end % FRAME_PARTITION_ALIGN, 0);
			assert_false(frame_range_contains(&p.chanpool, e.start));
			for (int d = 0; d < 4; d++)
				if (d != c) {
					assert_false(frame_range_contains(&p.core[d], e.start));
					assert_false(frame_range_contains(&p.core[d], e.end - 1));
				}
			assert_false(e.start < (4ULL << 30) && e.end > (3ULL << 30)); /* no hole */
			bytes += e.end - e.start;
		}
		if (c)
			assert_int_equal(bytes, total / (uint64_t)c); /* equal shares */
		total += bytes;
	}
	/* The core that straddles the hole gets two pieces. */
	assert_int_equal(p.core[2].n + p.core[3].n >= 3, 1);
}

static void partition_errors(void **s)
{
	(void)s;
	struct frame_extent u[] = { { 16 * MiB, 64 * MiB } };
	struct frame_plan p;
	assert_int_equal(frame_partition(u, 1, 0, 0, 0, &p), -EINVAL);
	assert_int_equal(frame_partition(u, 1, MAX_CORES + 1, 0, 0, &p), -EINVAL);
	assert_int_equal(frame_partition(u, 1, 4, 64 * MiB, 0, &p), -ENOMEM);
	assert_int_equal(frame_partition(u, 1, 4, 8 * MiB, 16 * MiB, &p), -ENOMEM);
	struct frame_extent bad[] = { { 16 * MiB, 64 * MiB }, { 32 * MiB, 80 * MiB } };
	assert_int_equal(frame_partition(bad, 2, 1, 0, 0, &p), -EINVAL);
}

static void alloc_exhaust_and_free(void **s)
{
	(void)s;
	struct frame_range r = { 2, { { ARENA_PHYS, ARENA_PHYS + 6 * MiB },
				      { ARENA_PHYS + 8 * MiB, ARENA_PHYS + 12 * MiB } } };
	struct frame_alloc fa;
	assert_int_equal(frame_alloc_init(&fa, &r, vbase()), 0);
	uint64_t frames = (10 * MiB) / FRAME_SIZE;
	assert_int_equal(fa.total, frames - 1); /* one bitmap frame */
	assert_int_equal(fa.nfree, fa.total);

	uint64_t n = 0, prev = 0;
	uint64_t p;
	while ((p = frame_alloc(&fa)) != 0) {
		assert_int_equal(p % FRAME_SIZE, 0);
		assert_true(frame_range_contains(&r, p));
		assert_true(p >= fa.meta_end || p < fa.ext[0].start);
		/* chain the frames through their first word to free them later */
		*(uint64_t *)(uintptr_t)(vbase() + p) = prev;
		prev = p;
		n++;
	}
	assert_int_equal(n, fa.total);
	assert_int_equal(fa.nfree, 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 1), 0);
	while (prev) {
		uint64_t next = *(uint64_t *)(uintptr_t)(vbase() + prev);
		assert_int_equal(frame_free(&fa, prev), 0);
		prev = next;
	}
	assert_int_equal(fa.nfree, fa.total);
}

static void bad_frees_refused(void **s)
{
	(void)s;
	struct frame_range r = { 1, { { ARENA_PHYS, ARENA_PHYS + 4 * MiB } } };
	struct frame_alloc fa;
	assert_int_equal(frame_alloc_init(&fa, &r, vbase()), 0);
	uint64_t p = frame_alloc(&fa);
	assert_int_not_equal(p, 0);
	assert_int_equal(frame_free(&fa, p + 8), -EINVAL);               /* misaligned */
	assert_int_equal(frame_free(&fa, ARENA_PHYS + 4 * MiB), -EINVAL); /* not ours */
	assert_int_equal(frame_free(&fa, ARENA_PHYS), -EINVAL);           /* the bitmap */
	assert_int_equal(frame_free(&fa, p), 0);
	assert_int_equal(frame_free(&fa, p), -EINVAL);                    /* double free */
	assert_int_equal(fa.nfree, fa.total);
	assert_false(frame_owns(&fa, ARENA_PHYS - FRAME_SIZE));
	assert_true(frame_owns(&fa, p));
}

static void contiguous(void **s)
{
	(void)s;
	struct frame_range r = { 1, { { ARENA_PHYS, ARENA_PHYS + 4 * MiB } } };
	struct frame_alloc fa;
	assert_int_equal(frame_alloc_init(&fa, &r, vbase()), 0);
	uint64_t a = frame_alloc(&fa);
	uint64_t c = frame_alloc_contig(&fa, 16, 16);
	assert_int_not_equal(c, 0);
	assert_int_equal(c % (16 * FRAME_SIZE), 0);
	assert_true(c > a);
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(frame_free(&fa, c + i * FRAME_SIZE), 0);
	assert_int_equal(frame_alloc_contig(&fa, 0, 1), 0);
	assert_int_equal(frame_alloc_contig(&fa, 1, 3), 0); /* alignment not a power of two */
	/* 2 MiB of contiguous 2 MiB-aligned memory exists only at the second half */
	uint64_t big = frame_alloc_contig(&fa, 512, 512);
	assert_int_equal(big, ARENA_PHYS + 2 * MiB);
	assert_int_equal(frame_alloc_contig(&fa, 512, 512), 0);
	assert_int_equal(frame_free_contig(&fa, big, 512), 0);
	assert_int_equal(frame_free(&fa, a), 0);
	assert_int_equal(fa.nfree, fa.total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(partition_disjoint_and_aligned),
		cmocka_unit_test(partition_errors),
		cmocka_unit_test(alloc_exhaust_and_free),
		cmocka_unit_test(bad_frees_refused),
		cmocka_unit_test(contiguous),
	};
	return cmocka_run_group_tests_name("frame", tests, setup, teardown);
}
