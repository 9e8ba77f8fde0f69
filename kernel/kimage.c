/* kimage.c - see kimage.h. Boot phase only, except kstack_contains(). */
#include "kimage.h"
#include "bootinfo.h"
#include "errno.h"
#include "layout.h"
#include "smp.h"
#include "thread.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

static const u64 stack_size[STACK_SLOTS_BOOT] = { KSTACK_SIZE, ISTACK_SIZE, ISTACK_SIZE, ISTACK_SIZE };

static int map_image_range(paddr_t pml4, const void *start, const void *end, u64 flags,
			   struct frame_alloc *fa)
{
	u64 s = ALIGN_DOWN((u64)start, PAGE_SIZE), e = ALIGN_UP((u64)end, PAGE_SIZE);
	return vm_map(pml4, s, s - KERNEL_VMA, e - s, flags, false, fa);
}

static int map_range_direct(paddr_t pml4, const struct frame_range *r, u64 flags, struct frame_alloc *fa)
{
	for (int i = 0; i < r->n; i++) {
		int e = vm_map(pml4, DIRECT_MAP + r->ext[i].start, r->ext[i].start,
			       r->ext[i].end - r->ext[i].start, flags, true, fa);
		if (e)
			return e;
	}
	return 0;
}

static int map_private(paddr_t pml4, u64 va, u64 len, struct frame_alloc *fa)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		paddr_t f = frame_alloc(fa);
		if (!f)
			return -ENOMEM;
		int e = vm_map(pml4, va + off, f, PAGE_SIZE, PTE_W | PTE_G | PTE_NX, false, fa);
		if (e)
			return e;
	}
	return 0;
}

int kimage_build(int core, struct frame_alloc *fa, bool live_copy, struct kimage *out)
{
	const u64 g = PTE_G;
	paddr_t pml4 = frame_alloc(fa);
	if (!pml4)
		return -ENOMEM;
	memset(phys_to_virt(pml4), 0, PAGE_SIZE);
	out->pml4 = pml4;

	int e;
	if ((e = map_image_range(pml4, __text_start, __text_end, g, fa)) ||
	    (e = map_image_range(pml4, __rodata_start, __rodata_end, g | PTE_NX, fa)) ||
	    (e = map_image_range(pml4, __bootinfo_start, __bootinfo_end, g | PTE_NX, fa)))
		return e;

	u64 dstart = (u64)__data_start, dend = ALIGN_UP((u64)__data_end, PAGE_SIZE);
	if ((e = map_private(pml4, dstart, dend - dstart, fa)))
		return e;

	if ((e = map_range_direct(pml4, &bootinfo.plan.core[core], PTE_W | g | PTE_NX, fa)) ||
	    (e = map_range_direct(pml4, &bootinfo.plan.chanpool, PTE_W | g | PTE_NX, fa)))
		return e;
	for (int i = 0; i < bootinfo.nmodules; i++) {
		paddr_t s = ALIGN_DOWN(bootinfo.modules[i].start, PAGE_SIZE);
		paddr_t t = ALIGN_UP(bootinfo.modules[i].end, PAGE_SIZE);
		e = vm_map(pml4, DIRECT_MAP + s, s, t - s, g | PTE_NX, false, fa);
		if (e && e != -EEXIST) /* modules may share a page */
			return e;
	}
	if ((e = vm_map(pml4, DIRECT_MAP + TRAMP_BASE, TRAMP_BASE, PAGE_SIZE, PTE_W | PTE_NX, false, fa)) ||
	    (e = vm_map(pml4, MMIO_BASE, bootinfo.lapic_phys, PAGE_SIZE, PTE_MMIO | g, false, fa)))
		return e;

	for (int s = 0; s < STACK_SLOTS_BOOT; s++) {
		u64 top = kstack_slot_top(s);
		if ((e = map_private(pml4, top - stack_size[s], stack_size[s], fa)))
			return e;
		out->stack_top[s] = top;
	}

	/* Last, so that the copy of a live .bss includes fa's final state. */
	for (u64 va = dstart; va < dend; va += PAGE_SIZE) {
		u8 *dst = phys_to_virt(vm_translate(pml4, va, NULL));
		if (live_copy) {
			memcpy(dst, (const void *)va, PAGE_SIZE);
			continue;
		}
		u64 init_end = (u64)__data_init_end;
		u64 n = va < init_end ? MIN(PAGE_SIZE, init_end - va) : 0;
		memcpy(dst, __data_template + (va - dstart), n);
		memset(dst + n, 0, PAGE_SIZE - n);
	}
	return 0;
}

bool kstack_contains(u64 va, u64 len)
{
	if (va < KSTACK_BASE || va + len < va)
		return false;
	u64 slot = (va - KSTACK_BASE) / KSTACK_SLOT;
	u64 size = slot < STACK_SLOTS_BOOT ? stack_size[slot]
					   : (slot >= THREAD_SLOT_FIRST ? THREAD_STACK_SIZE : 0);
	u64 top = kstack_slot_top((int)slot);
	return size && va >= top - size && va + len <= top;
}

/* Extra page directories for RAM above 4 GiB when the CPU lacks 1 GiB pages. */
#define BOOT_EXTRA_PDS 16
static u64 boot_extra_pd[BOOT_EXTRA_PDS][512] __attribute__((section(".bootbss"), aligned(4096)));
extern u64 boot_pdpt_low[512];

paddr_t boot_map_extend(paddr_t max_phys)
{
	u32 a, b, c, d;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	bool gb_pages = d & (1u << 26);
	paddr_t mapped = 4UL << 30;
	int used = 0;
	for (unsigned i = 4; mapped < max_phys && i < 512; i++, mapped += 1UL << 30) {
		if (gb_pages) {
			boot_pdpt_low[i] = mapped | PTE_P | PTE_W | PTE_PS;
			continue;
		}
		if (used == BOOT_EXTRA_PDS)
			break;
		u64 *pd = boot_extra_pd[used++];
		for (int j = 0; j < 512; j++)
			pd[j] = (mapped + (u64)j * HUGE_SIZE) | PTE_P | PTE_W | PTE_PS;
		boot_pdpt_low[i] = ((u64)pd - KERNEL_VMA) | PTE_P | PTE_W;
	}
	write_cr3(read_cr3());
	return mapped;
}
