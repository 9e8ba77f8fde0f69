/* multiboot.h - reading GRUB's Multiboot2 boot information (boot phase, core 0). */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include "frame.h"
#include "types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB2_MAX_MMAP 64
struct mb2_mmap_entry {
	u64 base, len;
	u32 type; /* 1 = usable RAM */
};

struct mb2_info {
	paddr_t info_start, info_end; /* the information structure itself */
	int nmmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	paddr_t rsdp; /* physical address of the RSDP copy inside the structure, or 0 */
};

/* Parses the structure at phys into out and into bootinfo (cmdline, modules).
 * Returns 0 or -EINVAL when the magic or the structure is bad. */
int multiboot_parse(u32 magic, paddr_t phys, struct mb2_info *out);

#endif
