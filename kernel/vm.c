/* vm.c - see vm.h. */
#include "vm.h"
#include "errno.h"
#include "layout.h"
#include "x86.h"

#include <string.h>

static u64 *table(paddr_t p) { return phys_to_virt(p & PTE_ADDR); }

static unsigned idx(u64 va, int level) /* level 4 = PML4 ... 1 = PT */
{
	return (unsigned)(va >> (12 + 9 * (level - 1))) & 511;
}

/* The entry for va at target level (1 = 4 KiB leaf, 2 = 2 MiB leaf),
 * creating intermediate tables from fa when it is not NULL. */
static u64 *walk(paddr_t pml4, u64 va, int target, u64 user, struct frame_alloc *fa, int *err)
{
	u64 *t = table(pml4);
	for (int level = 4; level > target; level--) {
		u64 *e = &t[idx(va, level)];
		if (!(*e & PTE_P)) {
			if (!fa) {
				*err = -ENOENT;
				return NULL;
			}
			paddr_t f = frame_alloc(fa);
			if (!f) {
				*err = -ENOMEM;
				return NULL;
			}
			memset(phys_to_virt(f), 0, PAGE_SIZE);
			*e = f | PTE_P | PTE_W | user;
		} else if (*e & PTE_PS) {
			*err = -EEXIST; /* a huge page covers this address */
			return NULL;
		}
		*e |= user;
		t = table(*e);
	}
	return &t[idx(va, target)];
}

int vm_map(paddr_t pml4, u64 va, paddr_t pa, u64 len, u64 flags, bool huge, struct frame_alloc *fa)
{
	if ((va | pa | len) & (PAGE_SIZE - 1))
		return -EINVAL;
	u64 user = flags & PTE_U;
	while (len) {
		bool big = huge && !(va & (HUGE_SIZE - 1)) && !(pa & (HUGE_SIZE - 1)) && len >= HUGE_SIZE;
		int err = 0;
		u64 *e = walk(pml4, va, big ? 2 : 1, user, fa, &err);
		if (!e)
			return err;
		if (*e & PTE_P)
			return -EEXIST;
		*e = pa | flags | PTE_P | (big ? PTE_PS : 0);
		u64 step = big ? HUGE_SIZE : PAGE_SIZE;
		va += step;
		pa += step;
		len -= step;
	}
	return 0;
}

int vm_unmap(paddr_t pml4, u64 va, u64 len)
{
	if ((va | len) & (PAGE_SIZE - 1) || va + len < va)
		return -EINVAL;
	/* a range that starts in user space stays there: never into the kernel half */
	if (va < USER_TOP && va + len > USER_TOP)
		return -EINVAL;
	/* Kernel-half mappings are shared by every address space of the core
	 * (and global): flush them whichever tables are loaded. */
	bool live = (read_cr3() & PTE_ADDR) == pml4 || va >= DIRECT_MAP;
	for (; len; va += PAGE_SIZE, len -= PAGE_SIZE) {
		int err = 0;
		u64 *e = walk(pml4, va, 1, 0, NULL, &err);
		if (!e)
			continue;
		*e = 0;
		if (live)
			invlpg(va);
	}
	return 0;
}

/* True when no entry of the table at t is present. */
static bool table_empty(const u64 *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i] & PTE_P)
			return false;
	return true;
}

void vm_prune(paddr_t pml4, u64 va, u64 len, struct frame_alloc *fa)
{
	if (len == 0 || va >= USER_TOP || va + len > USER_TOP || va + len < va)
		return;
	bool live = (read_cr3() & PTE_ADDR) == pml4;
	bool freed = false;
	u64 *l4 = table(pml4);
	for (u64 at = va & ~(HUGE_SIZE - 1); at < va + len; at += HUGE_SIZE) {
		u64 *e4 = &l4[idx(at, 4)];
		if (!(*e4 & PTE_P))
			continue;
		u64 *e3 = &table(*e4)[idx(at, 3)];
		if (!(*e3 & PTE_P) || (*e3 & PTE_PS))
			continue;
		u64 *pd = table(*e3);
		u64 *e2 = &pd[idx(at, 2)];
		/* an empty table maps nothing of anyone's: it may go even when it
		 * reaches past the range */
		if ((*e2 & PTE_P) && !(*e2 & PTE_PS) && table_empty(table(*e2))) {
			frame_free(fa, *e2 & PTE_ADDR);
			*e2 = 0;
			freed = true;
		}
		if (table_empty(pd)) { /* nothing else lives in this GiB either */
			frame_free(fa, *e3 & PTE_ADDR);
			*e3 = 0;
			freed = true;
		}
	}
	/* invlpg also drops every cached paging-structure entry */
	if (freed && live)
		invlpg(va);
}

paddr_t vm_translate(paddr_t pml4, u64 va, u64 *flags)
{
	u64 *t = table(pml4);
	for (int level = 4; level >= 1; level--) {
		u64 e = t[idx(va, level)];
		if (!(e & PTE_P))
			return VM_NOPHYS;
		if (level == 1 || (level <= 3 && (e & PTE_PS))) {
			u64 size = 1UL << (12 + 9 * (level - 1));
			if (flags)
				*flags = e & ~PTE_ADDR;
			return (e & PTE_ADDR & ~(size - 1)) + (va & (size - 1));
		}
		t = table(e);
	}
	return VM_NOPHYS;
}
