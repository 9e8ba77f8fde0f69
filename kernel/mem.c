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
	if (pool < ALIGN_UP(kshared_bytes(bootinfo.ncores), FRAME_PARTITION_ALIGN))
		pool = ALIGN_UP(kshared_bytes(bootinfo.ncores), FRAME_PARTITION_ALIGN);

	e = frame_partition(u, n, bootinfo.ncores, pool, CORE_MEM_MIN, &bootinfo.plan);
	if (e) {
		pr_err("mem: cannot split %lu MiB between %d cores and a %lu MiB channel pool: %d\n",
		       total >> 20, bootinfo.ncores, pool >> 20, e);
		return e;
	}
	return 0;
}
