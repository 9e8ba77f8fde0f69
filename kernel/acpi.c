/*
 * acpi.c - see acpi.h. ACPI 6.x specification: RSDP (5.2.5), RSDT/XSDT
 * (5.2.7, 5.2.8), FADT (5.2.9), MADT (5.2.12), \_S5 package in the DSDT's
 * AML (7.4.2). Runs in the boot phase, reading tables through the boot
 * direct map; everything later cores need is copied into bootinfo.
 */
#include "acpi.h"
#include "bootinfo.h"
#include "console.h"
#include "errno.h"
#include "layout.h"

#include <string.h>

struct rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;
	char oem_id[6];
	u8 revision;
	u32 rsdt;
	u32 length; /* revision >= 2 from here */
	u64 xsdt;
	u8 ext_checksum;
	u8 reserved[3];
} __packed;

struct madt {
	struct acpi_sdt_header h;
	u32 lapic_addr;
	u32 flags;
	u8 entries[];
} __packed;

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_LAPIC_OVERRIDE = 5, MADT_X2APIC = 9 };
#define MADT_ENABLED 1u
#define MADT_ONLINE_CAPABLE 2u

static const struct acpi_sdt_header *root;
static bool root_is_xsdt;

static bool sum_ok(const void *p, u32 len)
{
	u8 s = 0;
	for (u32 i = 0; i < len; i++)
		s += ((const u8 *)p)[i];
	return s == 0;
}

static const struct rsdp *scan_rsdp(paddr_t start, paddr_t end)
{
	for (paddr_t p = start; p + 20 <= end; p += 16) {
		const struct rsdp *r = phys_to_virt(p);
		if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sum_ok(r, 20))
			return r;
	}
	return NULL;
}

static const struct acpi_sdt_header *table_at(paddr_t p)
{
	if (!p)
		return NULL;
	const struct acpi_sdt_header *h = phys_to_virt(p);
	if (h->length < sizeof(*h) || h->length > (16u << 20) || !sum_ok(h, h->length))
		return NULL;
	return h;
}

const struct acpi_sdt_header *acpi_find(const char sig[4])
{
	if (!root)
		return NULL;
	u32 esize = root_is_xsdt ? 8 : 4;
	u32 n = (root->length - (u32)sizeof(*root)) / esize;
	const u8 *ents = (const u8 *)(root + 1);
	for (u32 i = 0; i < n; i++) {
		u64 p = 0;
		memcpy(&p, ents + i * esize, esize);
		const struct acpi_sdt_header *h = table_at(p);
		if (h && memcmp(h->signature, sig, 4) == 0)
			return h;
	}
	return NULL;
}

static void add_core(u32 apic_id, u32 boot_apic_id)
{
	if (apic_id == boot_apic_id)
		return; /* the boot core is core 0, already recorded */
	if (bootinfo.ncores == MAX_CORES) {
		pr_warn("acpi: more than %d cores; APIC ID %u not used\n", MAX_CORES, apic_id);
		return;
	}
	bootinfo.apic_id[bootinfo.ncores++] = apic_id;
}

static int parse_madt(u32 boot_apic_id)
{
	const struct madt *m = (const void *)acpi_find("APIC");
	if (!m)
		return -ENODEV;
	bootinfo.lapic_phys = m->lapic_addr;
	bootinfo.ncores = 1;
	bootinfo.apic_id[0] = boot_apic_id;
	const u8 *p = m->entries, *end = (const u8 *)m + m->h.length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		u32 flags;
		switch (p[0]) {
		case MADT_LAPIC:
			memcpy(&flags, p + 4, 4);
			if (flags & MADT_ENABLED)
				add_core(p[3], boot_apic_id);
			break;
		case MADT_X2APIC: {
			u32 id;
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			if (flags & MADT_ENABLED)
				add_core(id, boot_apic_id);
			break;
		}
		case MADT_LAPIC_OVERRIDE:
			memcpy(&bootinfo.lapic_phys, p + 4, 8);
			break;
		}
		p += p[1];
	}
	return 0;
}

/*
 * \_S5 in the DSDT: NameOp "_S5_" PackageOp PkgLength NumElements, then the
 * SLP_TYPa and SLP_TYPb values, each a BytePrefix (0x0A) constant, Zero (0x00),
 * One (0x01) or a bare byte.
 */
static void parse_s5(const struct acpi_sdt_header *dsdt)
{
	const u8 *p = (const u8 *)(dsdt + 1), *end = (const u8 *)dsdt + dsdt->length;
	for (; p + 8 < end; p++) {
		if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12)
			continue;
		const u8 *q = p + 5;
		q += ((q[0] >> 6) & 3) + 1; /* PkgLength */
		q++;                         /* NumElements */
		u16 typ[2];
		for (int i = 0; i < 2 && q < end; i++) {
			if (*q == 0x0A)
				q++;
			typ[i] = *q++;
		}
		bootinfo.slp_typa = typ[0];
		bootinfo.slp_typb = typ[1];
		bootinfo.s5_valid = true;
		return;
	}
}

static void parse_fadt(void)
{
	const struct acpi_sdt_header *f = acpi_find("FACP");
	if (!f || f->length < 116)
		return;
	const u8 *b = (const u8 *)f;
	u32 dsdt32, pm1a, pm1b;
	u64 dsdt = 0;
	memcpy(&dsdt32, b + 40, 4);
	memcpy(&bootinfo.smi_cmd, b + 48, 4);
	bootinfo.acpi_enable = b[52];
	memcpy(&pm1a, b + 64, 4);
	memcpy(&pm1b, b + 68, 4);
	bootinfo.pm1a_cnt = (u16)pm1a;
	bootinfo.pm1b_cnt = (u16)pm1b;
	if (f->length >= 148)
		memcpy(&dsdt, b + 140, 8);
	const struct acpi_sdt_header *d = table_at(dsdt ? dsdt : dsdt32);
	if (d && memcmp(d->signature, "DSDT", 4) == 0)
		parse_s5(d);
}

int acpi_init(paddr_t rsdp_phys, u32 boot_apic_id)
{
	const struct rsdp *r = NULL;
	if (rsdp_phys) {
		r = phys_to_virt(rsdp_phys);
		if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !sum_ok(r, 20))
			r = NULL;
	}
	if (!r) {
		paddr_t ebda = (paddr_t)(*(const u16 *)phys_to_virt(0x40E)) << 4;
		if (ebda)
			r = scan_rsdp(ebda, ebda + 1024);
		if (!r)
			r = scan_rsdp(0xE0000, 0x100000);
	}
	if (!r) {
		pr_err("acpi: no RSDP found\n");
		return -ENODEV;
	}
	if (r->revision >= 2 && r->xsdt && sum_ok(r, r->length)) {
		root = table_at(r->xsdt);
		root_is_xsdt = root != NULL;
	}
	if (!root)
		root = table_at(r->rsdt);
	if (!root) {
		pr_err("acpi: bad RSDT/XSDT\n");
		return -ENODEV;
	}
	int e = parse_madt(boot_apic_id);
	if (e) {
		pr_err("acpi: no MADT\n");
		return e;
	}
	parse_fadt();
	return 0;
}
