/* mmio.c - see mmio.h. Mappings are never removed: devices stay. */
#include "mmio.h"
#include "layout.h"
#include "mem.h"
#include "vm.h"

#define MMIO_MAX 32
static struct {
	paddr_t phys;
	u64 size;
	u64 va;
} maps[MMIO_MAX];
static int nmaps;
static u64 next_va = MMIO_BASE + 2 * HUGE_SIZE; /* after the LAPIC's page */
extern paddr_t core_pml4;

void *mmio_map(paddr_t phys, u64 size)
{
	paddr_t start = ALIGN_DOWN(phys, PAGE_SIZE);
	u64 len = ALIGN_UP(phys + size, PAGE_SIZE) - start;
	for (int i = 0; i < nmaps; i++)
		if (start >= maps[i].phys && start + len <= maps[i].phys + maps[i].size)
			return (void *)(maps[i].va + (phys - maps[i].phys));
	if (nmaps == MMIO_MAX || next_va + len > MMIO_BASE + MMIO_SIZE)
		return NULL;
	u64 va = ALIGN_UP(next_va, (len >= HUGE_SIZE ? HUGE_SIZE : PAGE_SIZE));
	if (vm_map(core_pml4, va, start, len, PTE_MMIO | PTE_G, true, &core_frames))
		return NULL;
	maps[nmaps].phys = start;
	maps[nmaps].size = len;
	maps[nmaps].va = va;
	nmaps++;
	next_va = va + len + PAGE_SIZE;
	return (void *)(va + (phys - start));
}
