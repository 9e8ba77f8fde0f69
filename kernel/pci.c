/* pci.c - see pci.h. PCI Local Bus 3.0 (configuration header, BARs,
 * capabilities), PCI Firmware 3.0 (MCFG), PCIe Base (ECAM, MSI-X). */
#include "pci.h"
#include "acpi.h"
#include "bootinfo.h"
#include "console.h"
#include "core.h"
#include "errno.h"
#include "layout.h"
#include "mmio.h"
#include "x86.h"

#include <string.h>

static volatile u8 *ecam; /* this core's mapping (boot phase: the boot direct map) */

static u64 ecam_addr(u8 bus, u8 dev, u8 fn, u16 off)
{
	return ((u64)(bus - bootinfo.ecam_bus_start) << 20) | ((u64)dev << 15) | ((u64)fn << 12) | off;
}

static bool use_ecam(u8 bus)
{
	return ecam && bus >= bootinfo.ecam_bus_start && bus <= bootinfo.ecam_bus_end;
}

static void port_select(u8 bus, u8 dev, u8 fn, u16 off)
{
	outl(0xCF8, 0x80000000u | ((u32)bus << 16) | ((u32)dev << 11) | ((u32)fn << 8) | (off & 0xFC));
}

u32 pci_cfg_read32(u8 bus, u8 dev, u8 fn, u16 off)
{
	if (use_ecam(bus))
		return *(volatile u32 *)(ecam + ecam_addr(bus, dev, fn, off));
	if (off >= 256)
		return ~0u;
	port_select(bus, dev, fn, off);
	return inl(0xCFC);
}

int pci_cfg_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v)
{
	if (use_ecam(bus)) {
		*(volatile u32 *)(ecam + ecam_addr(bus, dev, fn, off)) = v;
		return 0;
	}
	if (this_core != 0 || off >= 256)
		return -EPERM;
	port_select(bus, dev, fn, off);
	outl(0xCFC, v);
	return 0;
}

u16 pci_cfg_read16(u8 bus, u8 dev, u8 fn, u16 off)
{
	return (u16)(pci_cfg_read32(bus, dev, fn, off & ~3) >> ((off & 2) * 8));
}

int pci_cfg_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 v)
{
	u32 old = pci_cfg_read32(bus, dev, fn, off & ~3);
	int sh = (off & 2) * 8;
	return pci_cfg_write32(bus, dev, fn, off & ~3, (old & ~(0xFFFFu << sh)) | ((u32)v << sh));
}

struct mcfg_entry {
	u64 base;
	u16 segment;
	u8 bus_start, bus_end;
	u32 reserved;
} __packed;

static void find_ecam(void)
{
	const struct acpi_sdt_header *h = acpi_find("MCFG");
	if (!h || h->length < 44 + sizeof(struct mcfg_entry))
		return;
	const struct mcfg_entry *e = (const void *)((const u8 *)h + 44);
	if (e->segment != 0 || e->base >= (4UL << 30))
		return; /* segment 0 below 4 GiB only: the boot direct map covers it */
	bootinfo.ecam_phys = e->base;
	bootinfo.ecam_bus_start = e->bus_start;
	bootinfo.ecam_bus_end = e->bus_end;
	ecam = phys_to_virt(e->base);
}

/* BAR sizing (PCI 3.0, 6.2.5.1): write ones, read the mask back, restore.
 * Decoding is off meanwhile so the device never answers at a half address. */
static int size_bar(struct pika_pci_dev *d, int i)
{
	u16 off = (u16)(0x10 + i * 4);
	u32 lo = pci_cfg_read32(d->bus, d->dev, d->fn, off);
	struct pika_pci_bar *b = &d->bar[i];
	if (lo & 1) { /* I/O */
		pci_cfg_write32(d->bus, d->dev, d->fn, off, ~0u);
		u32 mask = pci_cfg_read32(d->bus, d->dev, d->fn, off) & ~3u;
		pci_cfg_write32(d->bus, d->dev, d->fn, off, lo);
		b->type = PIKA_BAR_IO;
		b->addr = lo & ~3u;
		b->size = mask ? ((~mask + 1) & 0xFFFF) : 0;
		return 1;
	}
	bool is64 = ((lo >> 1) & 3) == 2;
	u32 hi = is64 ? pci_cfg_read32(d->bus, d->dev, d->fn, off + 4) : 0;
	pci_cfg_write32(d->bus, d->dev, d->fn, off, ~0u);
	u64 mask = pci_cfg_read32(d->bus, d->dev, d->fn, off) & ~0xFu;
	if (is64) {
		pci_cfg_write32(d->bus, d->dev, d->fn, off + 4, ~0u);
		mask |= (u64)pci_cfg_read32(d->bus, d->dev, d->fn, off + 4) << 32;
		pci_cfg_write32(d->bus, d->dev, d->fn, off + 4, hi);
	} else {
		mask |= 0xFFFFFFFF00000000ULL;
	}
	pci_cfg_write32(d->bus, d->dev, d->fn, off, lo);
	u64 size = ~mask + 1;
	if (mask != 0xFFFFFFFF00000000ULL && size) {
		b->type = PIKA_BAR_MEM;
		b->addr = ((u64)hi << 32) | (lo & ~0xFu);
		b->size = size;
		b->prefetch = (lo >> 3) & 1;
		b->is64 = is64;
	}
	return is64 ? 2 : 1;
}

static void read_caps(struct pika_pci_dev *d)
{
	if (!(d->config[0x06] & 0x10)) /* status: capability list */
		return;
	u8 p = d->config[0x34] & 0xFC;
	for (int guard = 0; p && guard < 48; guard++) {
		if (d->config[p] == PCI_CAP_MSIX) {
			u16 ctrl;
			u32 table, pba;
			memcpy(&ctrl, &d->config[p + 2], 2);
			memcpy(&table, &d->config[p + 4], 4);
			memcpy(&pba, &d->config[p + 8], 4);
			d->msix_cap = p;
			d->msix_count = (u16)((ctrl & 0x7FF) + 1);
			d->msix_bar = table & 7;
			d->msix_off = table & ~7u;
			d->pba_bar = pba & 7;
			d->pba_off = pba & ~7u;
		}
		p = d->config[p + 1] & 0xFC;
	}
}

static void add_function(u8 bus, u8 dev, u8 fn)
{
	if (bootinfo.npci == PIKA_PCI_MAX) {
		pr_warn("pci: more than %d functions; %02x:%02x.%u ignored\n", PIKA_PCI_MAX, bus, dev, fn);
		return;
	}
	struct pika_pci_dev *d = &bootinfo.pci[bootinfo.npci++];
	memset(d, 0, sizeof(*d));
	d->bus = bus;
	d->dev = dev;
	d->fn = fn;
	for (u16 off = 0; off < 256; off += 4) {
		u32 v = pci_cfg_read32(bus, dev, fn, off);
		memcpy(&d->config[off], &v, 4);
	}
	memcpy(&d->vendor, &d->config[0], 2);
	memcpy(&d->device, &d->config[2], 2);
	d->rev = d->config[8];
	d->progif = d->config[9];
	d->subclass = d->config[10];
	d->class_code = d->config[11];
	if ((d->config[0x0E] & 0x7F) == 0) { /* a normal device: six BARs */
		memcpy(&d->subsys_vendor, &d->config[0x2C], 2);
		memcpy(&d->subsys_id, &d->config[0x2E], 2);
		u16 cmd = pci_cfg_read16(bus, dev, fn, PCI_COMMAND);
		pci_cfg_write16(bus, dev, fn, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
		for (int i = 0; i < 6;)
			i += size_bar(d, i);
		pci_cfg_write16(bus, dev, fn, PCI_COMMAND, cmd);
	}
	read_caps(d);
}

void pci_enumerate_boot(void)
{
	find_ecam();
	for (int bus = 0; bus < 256; bus++)
		for (u8 dev = 0; dev < 32; dev++) {
			u32 id = pci_cfg_read32((u8)bus, dev, 0, 0);
			if ((id & 0xFFFF) == 0xFFFF)
				continue;
			u8 htype = (u8)(pci_cfg_read32((u8)bus, dev, 0, 0x0C) >> 16);
			int nfn = (htype & 0x80) ? 8 : 1;
			for (u8 fn = 0; fn < nfn; fn++)
				if ((pci_cfg_read32((u8)bus, dev, fn, 0) & 0xFFFF) != 0xFFFF)
					add_function((u8)bus, dev, fn);
		}
	for (int i = 0; i < bootinfo.npci; i++) {
		const struct pika_pci_dev *d = &bootinfo.pci[i];
		pr_debug("pci: %02x:%02x.%u %04x:%04x class %02x.%02x msix %u\n", d->bus, d->dev, d->fn,
			 d->vendor, d->device, d->class_code, d->subclass, d->msix_count);
	}
}

void pci_init_core(void)
{
	ecam = NULL;
	if (!bootinfo.ecam_phys)
		return;
	u64 size = (u64)(bootinfo.ecam_bus_end - bootinfo.ecam_bus_start + 1) << 20;
	ecam = mmio_map(bootinfo.ecam_phys, size);
}
