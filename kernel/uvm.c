/* uvm.c - see uvm.h. */
#include "uvm.h"
#include "errno.h"
#include "layout.h"
#include "mem.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

extern paddr_t core_pml4;

paddr_t uvm_create(void)
{
	paddr_t p = kframe_alloc_zeroed();
	if (!p)
		return 0;
	u64 *n = phys_to_virt(p);
	const u64 *k = phys_to_virt(core_pml4);
	for (int i = 256; i < 512; i++)
		n[i] = k[i];
	return p;
}

/* The frames below table (level 3 = a PDPT) that uvm_destroy frees, the
 * table included; frees them too when release is set. */
static u64 walk_level(paddr_t table, int level, bool release)
{
	u64 *t = phys_to_virt(table);
	u64 n = 1;
	for (int i = 0; i < 512; i++) {
		u64 e = t[i];
		if (!(e & PTE_P))
			continue;
		if (level == 1 || (e & PTE_PS)) {
			if (!(e & PTE_NOFREE)) {
				n++;
				if (release)
					kframe_free(e & PTE_ADDR);
			}
			continue;
		}
		n += walk_level(e & PTE_ADDR, level - 1, release);
	}
	if (release)
		kframe_free(table);
	return n;
}

static u64 walk_user(paddr_t pml4, bool release)
{
	u64 *t = phys_to_virt(pml4);
	u64 n = 1;
	for (int i = 0; i < 256; i++)
		if (t[i] & PTE_P)
			n += walk_level(t[i] & PTE_ADDR, 3, release);
	if (release)
		kframe_free(pml4);
	return n;
}

void uvm_destroy(paddr_t pml4) { walk_user(pml4, true); }

u64 uvm_frames(paddr_t pml4) { return walk_user(pml4, false); }

bool uvm_range_free(paddr_t pml4, u64 va, u64 len)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE)
		if (vm_translate(pml4, va + off, NULL) != VM_NOPHYS)
			return false;
	return true;
}

int uvm_unmap(paddr_t pml4, u64 va, u64 len, bool only_mmap)
{
	if ((va | len) & (PAGE_SIZE - 1) || va + len < va || va + len > USER_TOP)
		return -EINVAL;
	if (only_mmap)
		for (u64 off = 0; off < len; off += PAGE_SIZE) {
			u64 fl = 0;
			if (vm_translate(pml4, va + off, &fl) == VM_NOPHYS || !(fl & PTE_MMAP))
				return -EINVAL;
		}
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u64 fl = 0;
		paddr_t f = vm_translate(pml4, va + off, &fl);
		if (f == VM_NOPHYS)
			continue;
		vm_unmap(pml4, va + off, PAGE_SIZE);
		if (!(fl & PTE_NOFREE))
			kframe_free(f);
	}
	return 0;
}

int uvm_map_anon(paddr_t pml4, u64 va, u64 len, u64 flags)
{
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		paddr_t f = kframe_alloc_zeroed();
		int e = f ? vm_map(pml4, va + off, f, PAGE_SIZE, flags | PTE_U, false, &core_frames) : -ENOMEM;
		if (e) {
			if (f)
				kframe_free(f);
			uvm_unmap(pml4, va, off, false);
			return e;
		}
	}
	return 0;
}

void *uvm_kaddr(paddr_t pml4, u64 va)
{
	paddr_t p = vm_translate(pml4, va, NULL);
	return p == VM_NOPHYS ? NULL : phys_to_virt(p);
}
