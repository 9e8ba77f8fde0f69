/* multiboot.c - see multiboot.h. Multiboot2 specification, section 3.6 (tags). */
#include "multiboot.h"
#include "bootinfo.h"
#include "console.h"
#include "errno.h"
#include "layout.h"

#include <string.h>

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
	u32 type, size;
} __packed;

struct mb2_tag_module {
	u32 type, size;
	u32 mod_start, mod_end;
	char string[];
} __packed;

struct mb2_tag_mmap {
	u32 type, size;
	u32 entry_size, entry_version;
} __packed;

int multiboot_parse(u32 magic, paddr_t phys, struct mb2_info *out)
{
	memset(out, 0, sizeof(*out));
	if (magic != MB2_BOOTLOADER_MAGIC || phys == 0 || phys % 8)
		return -EINVAL;
	const u8 *base = phys_to_virt(phys);
	u32 total = *(const u32 *)base;
	if (total < 16 || total > (1u << 20))
		return -EINVAL;
	out->info_start = phys;
	out->info_end = phys + total;

	paddr_t rsdp_old = 0, rsdp_new = 0;
	for (u32 off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = (const void *)(base + off);
		if (t->type == MB2_TAG_END || t->size < 8 || off + t->size > total)
			break;
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			strlcpy(bootinfo.cmdline, (const char *)(t + 1),
				MIN(sizeof(bootinfo.cmdline), (size_t)(t->size - 8)));
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *m = (const void *)t;
			if (bootinfo.nmodules == BOOT_MAX_MODULES) {
				pr_warn("multiboot: more than %d modules; ignoring %s\n", BOOT_MAX_MODULES,
					m->string);
				break;
			}
			struct boot_module *bm = &bootinfo.modules[bootinfo.nmodules++];
			bm->start = m->mod_start;
			bm->end = m->mod_end;
			strlcpy(bm->name, m->string, MIN(sizeof(bm->name), (size_t)(t->size - 16)));
			break;
		}
		case MB2_TAG_MMAP: {
			const struct mb2_tag_mmap *mm = (const void *)t;
			if (mm->entry_size < 24)
				break;
			for (u32 e = 16; e + mm->entry_size <= t->size && out->nmmap < MB2_MAX_MMAP;
			     e += mm->entry_size) {
				const u8 *ent = (const u8 *)t + e;
				struct mb2_mmap_entry *o = &out->mmap[out->nmmap++];
				memcpy(&o->base, ent, 8);
				memcpy(&o->len, ent + 8, 8);
				memcpy(&o->type, ent + 16, 4);
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
			rsdp_old = phys + off + 8;
			break;
		case MB2_TAG_ACPI_NEW:
			rsdp_new = phys + off + 8;
			break;
		}
		off += ALIGN_UP(t->size, 8u);
	}
	out->rsdp = rsdp_new ? rsdp_new : rsdp_old;
	return 0;
}
