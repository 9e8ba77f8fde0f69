/* mem.c - see mem.h. */
#include "mem.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "console.h"
#include "errno.h"
#include "kimage.h"
#include "core.h"
#include "layout.h"

#include <string.h>

struct frame_alloc core_frames;

paddr_t kframe_alloc(void) { return frame_alloc(&core_frames); }

paddr_t kframe_alloc_zeroed(void)
{
	paddr_t p = frame_alloc(&core_frames);
	if (p)
		memset(phys_to_virt(p), 0, PAGE_SIZE);
	return p;
}

int kframe_free(paddr_t p) { return frame_free(&core_frames, p); }

/* Removes [rs, re) from the sorted extent list u (in place). */
static int subtract(struct frame_extent *u, int n, int cap, paddr_t rs, paddr_t re)
{
	for (int i = 0; i < n; i++) {
		paddr_t s = u[i].start, e = u[i].end;
		if (re <= s || rs >= e)
			continue;
		if (rs > s && re < e) { /* split in two */
			if (n == cap)
				return n;
			memmove(&u[i + 2], &u[i + 1], sizeof(u[0]) * (size_t)(n - i - 1));
			u[i].end = rs;
			u[i + 1].start = re;
			u[i + 1].end = e;
			n++;
			i++;
		} else if (rs <= s && re >= e) { /* swallowed */
			memmove(&u[i], &u[i + 1], sizeof(u[0]) * (size_t)(n - i - 1));
			n--;
			i--;
		} else if (rs <= s) {
			u[i].start = re;
		} else {
			u[i].end = rs;
		}
	}
	return n;
}

u64 chanpool_fixed_bytes(int n)
{
	return ALIGN_UP(kshared_bytes(n), PAGE_SIZE) + (u64)(n * (n - 1) / 2) * PAGE_SIZE;
}

int chanpool_partition_boot(void)
{
	const struct frame_range *pool = &bootinfo.plan.chanpool;
	int n = bootinfo.ncores;
	u64 skip = chanpool_fixed_bytes(n), total = 0;
	for (int i = 0; i < pool->n; i++)
		total += pool->ext[i].end - pool->ext[i].start;
	if (pool->ext[0].end - pool->ext[0].start < skip || total < skip + (u64)n * CHANSLICE_MIN)
		return -ENOMEM;
	bootinfo.kshared_phys = pool->ext[0].start;
	bootinfo.kshared_size = ALIGN_UP(kshared_bytes(n), PAGE_SIZE);
	bootinfo.monchan_phys = bootinfo.kshared_phys + bootinfo.kshared_size;
	u64 per = ALIGN_DOWN((total - skip) / (u64)n, PAGE_SIZE);
	int k = 0;
	paddr_t pos = pool->ext[0].start + skip;
	for (int c = 0; c < n; c++) {
		struct frame_range *r = &bootinfo.chanslice[c];
		memset(r, 0, sizeof(*r));
		u64 want = per;
		while (want && k < pool->n) {
			paddr_t end = pool->ext[k].end;
			u64 chunk = MIN(want, end - pos);
			if (chunk && r->n < FRAME_MAX_EXTENTS) {
				r->ext[r->n].start = pos;
				r->ext[r->n].end = pos + chunk;
				r->n++;
			}
			want -= chunk;
			pos += chunk;
			if (pos == end && ++k < pool->n)
				pos = pool->ext[k].start;
		}
	}
	return 0;
}

int mem_partition_boot(const struct mb2_info *mb)
{
	struct frame_extent *u = bootinfo.usable;
	int n = 0;
	paddr_t top = 0;
	for (int i = 0; i < mb->nmmap; i++) {
		const struct mb2_mmap_entry *m = &mb->mmap[i];
		top = MAX(top, m->base + m->len);
		if (m->type != 1 || n == BOOT_MAX_USABLE)
			continue;
		paddr_t s = ALIGN_UP(m->base, PAGE_SIZE), e = ALIGN_DOWN(m->base + m->len, PAGE_SIZE);
		if (e <= s)
			continue;
		int j = n++; /* insertion sort by start */
		while (j > 0 && u[j - 1].start > s) {
			u[j] = u[j - 1];
			j--;
		}
		u[j].start = s;
		u[j].end = e;
	}
	/* Never hand out: real-mode memory (trampoline, BIOS data), the kernel
	 * image with its boot-only sections, the boot information, the modules. */
	n = subtract(u, n, BOOT_MAX_USABLE, 0, 1UL << 20);
	n = subtract(u, n, BOOT_MAX_USABLE, (paddr_t)__kernel_phys_start,
		     ALIGN_UP((paddr_t)__kernel_end - KERNEL_VMA, PAGE_SIZE));
	n = subtract(u, n, BOOT_MAX_USABLE, ALIGN_DOWN(mb->info_start, PAGE_SIZE),
		     ALIGN_UP(mb->info_end, PAGE_SIZE));
	for (int i = 0; i < bootinfo.nmodules; i++)
		n = subtract(u, n, BOOT_MAX_USABLE, ALIGN_DOWN(bootinfo.modules[i].start, PAGE_SIZE),
			     ALIGN_UP(bootinfo.modules[i].end, PAGE_SIZE));
	bootinfo.nusable = n;

	paddr_t mapped = boot_map_extend(top);
	u64 total = 0;
	for (int i = 0; i < n; i++) {
		if (u[i].end > mapped) {
			pr_warn("mem: RAM above %#lx is not used\n", mapped);
			u[i].end = MAX(u[i].start, mapped);
		}
		total += u[i].end - u[i].start;
	}

	u64 pool = 0;
	int e = cmdline_get_u64(bootinfo.cmdline, "chanpool", &pool);
	if (e == -EINVAL)
		pr_warn("mem: bad chanpool= value; using the default\n");
	if (e)
		pool = MIN(MAX(total / 16, CHANPOOL_DEFAULT_MIN), CHANPOOL_DEFAULT_MAX);
	u64 need = chanpool_fixed_bytes(bootinfo.ncores) + (u64)bootinfo.ncores * CHANSLICE_MIN;
	if (pool < need)
		pool = need;

	e = frame_partition(u, n, bootinfo.ncores, pool, CORE_MEM_MIN, &bootinfo.plan);
	if (e) {
		pr_err("mem: cannot split %lu MiB between %d cores and a %lu MiB channel pool: %d\n",
		       total >> 20, bootinfo.ncores, pool >> 20, e);
		return e;
	}
	return 0;
}
