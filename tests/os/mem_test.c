/* In-OS tests: replicated kernel state and per-core physical memory. */
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "ktest.h"
#include "layout.h"
#include "mem.h"
#include "vm.h"
#include "x86.h"
#include "xcall.h"

#define SEC 1000000000ULL

static volatile u64 replica_bss;            /* .bss */
static volatile u64 replica_data = 0x5eed;  /* .data: every copy starts from this */

static paddr_t my_pml4(void) { return read_cr3() & PTE_ADDR; }

static u64 phys_of_replica(u64 which)
{
	return vm_translate(my_pml4(), which ? (u64)&replica_data : (u64)&replica_bss, NULL);
}
static u64 set_replica(u64 v)
{
	replica_bss = v;
	return 0;
}
static u64 get_replica(u64 which) { return which ? replica_data : replica_bss; }

/* Runs fn(arg) on core c (locally for this core). */
static u64 on(struct ktest_ctx *t, int c, xcall_fn fn, u64 arg)
{
	u64 r = ~0ULL;
	if (c == this_core)
		return fn(arg);
	KT_EXPECT_EQ(t, xcall_run(c, fn, arg, 10 * SEC, &r), 0);
	return r;
}

KTEST(mem, globals_are_private_per_core, 0, 1)
{
	paddr_t phys[MAX_CORES];
	for (int c = 0; c < ncores; c++) {
		phys[c] = on(t, c, phys_of_replica, 0);
		KT_EXPECT(t, frame_range_contains(&bootinfo.plan.core[c], phys[c]));
		for (int d = 0; d < c; d++)
			KT_EXPECT_NE(t, phys[c], phys[d]);
	}
	for (int c = 0; c < ncores; c++)
		on(t, c, set_replica, 0x1000 + (u64)c);
	for (int i = 0; i < 1000; i++)
		replica_bss++; /* core 0's copy only */
	for (int c = 0; c < ncores; c++)
		KT_EXPECT_EQ(t, on(t, c, get_replica, 0), 0x1000 + (u64)c + (c == this_core ? 1000 : 0));
}

KTEST(mem, data_copies_start_pristine, 0, 1)
{
	replica_data = 0xbad;
	for (int c = 0; c < ncores; c++) {
		KT_EXPECT(t, frame_range_contains(&bootinfo.plan.core[c], on(t, c, phys_of_replica, 1)));
		if (c != this_core)
			KT_EXPECT_EQ(t, on(t, c, get_replica, 1), 0x5eed);
	}
	replica_data = 0x5eed;
}

static u64 phys_of_text(u64 arg)
{
	(void)arg;
	u64 flags = 0;
	paddr_t p = vm_translate(my_pml4(), (u64)&phys_of_text, &flags);
	return (flags & PTE_W) ? 0 : p; /* 0 if writable: must never be */
}

KTEST(mem, text_is_shared_and_readonly, 0, 1)
{
	for (int c = 0; c < ncores; c++)
		KT_EXPECT_EQ(t, on(t, c, phys_of_text, 0), kimage_virt_to_phys((void *)&phys_of_text));
}

static bool overlap(const struct frame_range *a, const struct frame_range *b)
{
	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < b->n; j++)
			if (a->ext[i].start < b->ext[j].end && b->ext[j].start < a->ext[i].end)
				return true;
	return false;
}

KTEST(mem, ranges_are_disjoint, 0, 1)
{
	const struct frame_plan *p = &bootinfo.plan;
	KT_EXPECT_EQ(t, p->ncores, ncores);
	KT_EXPECT(t, p->chanpool.n > 0);
	KT_EXPECT(t, frame_range_contains(&p->chanpool, bootinfo.kshared_phys));
	KT_EXPECT(t, frame_range_contains(&p->chanpool, bootinfo.kshared_phys + bootinfo.kshared_size - 1));
	struct frame_range image = { 1, { { (u64)__kernel_phys_start, (u64)__kernel_end - KERNEL_VMA } } };
	for (int c = 0; c < ncores; c++) {
		KT_EXPECT(t, p->core[c].n > 0);
		KT_EXPECT(t, !overlap(&p->core[c], &p->chanpool));
		KT_EXPECT(t, !overlap(&p->core[c], &image));
		for (int d = 0; d < c; d++)
			if (!KT_EXPECT(t, !overlap(&p->core[c], &p->core[d])))
				ktest_note(t, "cores %d and %d overlap", c, d);
	}
}

KTEST(mem, frames_come_from_own_range, KTEST_EVERY_CORE, 1)
{
	paddr_t got[256];
	u64 before = core_frames.nfree;
	for (int i = 0; i < 256; i++) {
		got[i] = kframe_alloc_zeroed();
		KT_EXPECT(t, got[i] != 0);
		KT_EXPECT(t, frame_range_contains(&bootinfo.plan.core[this_core], got[i]));
		for (int c = 0; c < ncores; c++)
			if (c != this_core)
				KT_EXPECT(t, !frame_range_contains(&bootinfo.plan.core[c], got[i]));
	}
	for (int i = 0; i < 256; i++)
		KT_EXPECT_EQ(t, kframe_free(got[i]), 0);
	KT_EXPECT_EQ(t, core_frames.nfree, before);
	/* a frame of another core (or of the pool) is refused, not freed */
	int other = (this_core + 1) % ncores;
	if (other != this_core)
		KT_EXPECT_EQ(t, kframe_free(bootinfo.plan.core[other].ext[0].start + 64 * PAGE_SIZE), -EINVAL);
	KT_EXPECT_EQ(t, kframe_free(bootinfo.kshared_phys), -EINVAL);
}

KTEST(mem, exhaust_and_free, KTEST_EVERY_CORE, 1)
{
	u64 start = core_frames.nfree, n = 0;
	paddr_t chain = 0, p;
	while ((p = kframe_alloc()) != 0) {
		*(paddr_t *)phys_to_virt(p) = chain; /* keep the list in the frames themselves */
		chain = p;
		n++;
	}
	KT_EXPECT_EQ(t, n, start);
	KT_EXPECT_EQ(t, core_frames.nfree, 0);
	while (chain) {
		paddr_t next = *(paddr_t *)phys_to_virt(chain);
		KT_EXPECT_EQ(t, kframe_free(chain), 0);
		chain = next;
	}
	KT_EXPECT_EQ(t, core_frames.nfree, start);
	KT_EXPECT(t, start > 256); /* the core had real memory to give */
}

KTEST(mem, direct_map_covers_own_range_only, KTEST_EVERY_CORE, 1)
{
	const struct frame_plan *p = &bootinfo.plan;
	u64 flags = 0;
	for (int c = 0; c < ncores; c++) {
		paddr_t probe = p->core[c].ext[0].start + PAGE_SIZE;
		paddr_t got = vm_translate(my_pml4(), DIRECT_MAP + probe, &flags);
		if (c == this_core) {
			KT_EXPECT_EQ(t, got, probe);
			KT_EXPECT(t, flags & PTE_W);
		} else {
			KT_EXPECT_EQ(t, got, VM_NOPHYS);
		}
	}
	KT_EXPECT_EQ(t, vm_translate(my_pml4(), DIRECT_MAP + bootinfo.kshared_phys, NULL),
		     bootinfo.kshared_phys);
}
