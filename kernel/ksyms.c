/* ksyms.c - see ksyms.h. The table lives in .ksyms, sorted by address. */
#include "ksyms.h"
#include "bootinfo.h"

#include <fmt.h>
#include <string.h>

struct ksym {
	u64 addr;
	u64 name; /* offset into ksyms_strtab */
};
extern const u64 ksyms_count;
extern const struct ksym ksyms_table[];
extern const char ksyms_strtab[];

const char *ksym_lookup(u64 addr, u64 *offset)
{
	if (addr < (u64)__text_start || addr >= (u64)__text_end || ksyms_count == 0)
		return NULL;
	u64 lo = 0, hi = ksyms_count; /* find the last entry with addr <= target */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_table[lo].addr > addr)
		return NULL;
	if (offset)
		*offset = addr - ksyms_table[lo].addr;
	return ksyms_strtab + ksyms_table[lo].name;
}

u64 ksym_address(const char *name)
{
	for (u64 i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_strtab + ksyms_table[i].name, name) == 0)
			return ksyms_table[i].addr;
	return 0;
}

int ksym_format(char *buf, size_t n, u64 addr)
{
	u64 off;
	const char *name = ksym_lookup(addr, &off);
	if (!name)
		return fmt_snprintf(buf, n, "?");
	return fmt_snprintf(buf, n, "%s+0x%lx", name, off);
}
