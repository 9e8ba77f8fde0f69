/*
 * In-OS tests: the PCI device table core 0 built at boot. The test runs
 * give QEMU a virtio-net NIC (tools/test-all: --net user).
 */
#include "bootinfo.h"
#include "ktest.h"
#include "core.h"
#include "pci.h"

#include <string.h>

static const struct pika_pci_dev *find(u16 vendor, u16 device)
{
	for (int i = 0; i < bootinfo.npci; i++)
		if (bootinfo.pci[i].vendor == vendor && bootinfo.pci[i].device == device)
			return &bootinfo.pci[i];
	return NULL;
}

KTEST(pci, virtio_net_found_with_its_bars, 0, 1)
{
	const struct pika_pci_dev *d = find(0x1af4, 0x1041);
	if (!KT_EXPECT(t, d != NULL))
		return;
	KT_EXPECT_EQ(t, d->class_code, 0x02); /* network controller */
	KT_EXPECT_EQ(t, d->subclass, 0x00);   /* Ethernet */
	/* QEMU's modern virtio-pci: MSI-X table in BAR 1, the virtio structures
	 * in a 64-bit BAR 4 of 16 KiB */
	KT_EXPECT_EQ(t, d->bar[1].type, PIKA_BAR_MEM);
	KT_EXPECT_EQ(t, d->bar[4].type, PIKA_BAR_MEM);
	KT_EXPECT(t, d->bar[4].is64);
	KT_EXPECT_EQ(t, d->bar[4].size, 16384);
	KT_EXPECT(t, d->bar[4].addr != 0 && d->bar[4].addr % d->bar[4].size == 0);
	KT_EXPECT(t, d->bar[1].addr != 0 && d->bar[1].addr % d->bar[1].size == 0);
	KT_EXPECT_EQ(t, d->bar[5].type, PIKA_BAR_NONE); /* the upper half of BAR 4 */
	KT_EXPECT(t, d->msix_cap != 0);
	KT_EXPECT_EQ(t, d->msix_bar, 1);
	KT_EXPECT(t, d->msix_count >= 3); /* configuration + one receive and one transmit queue */
	/* BAR sizing left the BARs as the firmware programmed them */
	u32 lo = pci_cfg_read32(d->bus, d->dev, d->fn, 0x10 + 4 * 4);
	KT_EXPECT_EQ(t, lo & ~0xFu, (u32)d->bar[4].addr);
}

KTEST(pci, configuration_reads_agree_with_the_snapshot, KTEST_EVERY_CORE, 1)
{
	/* ECAM (q35) or the legacy ports: every core reads what core 0 saw */
	KT_EXPECT(t, bootinfo.npci > 0);
	for (int i = 0; i < bootinfo.npci; i++) {
		const struct pika_pci_dev *d = &bootinfo.pci[i];
		u32 id, snap;
		if (bootinfo.ecam_phys || this_core == 0) {
			id = pci_cfg_read32(d->bus, d->dev, d->fn, 0);
			memcpy(&snap, d->config, 4);
			KT_EXPECT_EQ(t, id, snap);
		}
	}
	KT_EXPECT(t, bootinfo.ecam_phys != 0); /* QEMU -machine q35 has MCFG */
}
