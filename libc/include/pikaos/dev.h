/*
 * pikaos/dev.h - PCI devices as user-level drivers see them (shared by the
 * kernel and libc).
 *
 * Core 0 enumerates PCI once at boot; the table (with a snapshot of each
 * function's first 256 bytes of configuration space) is read-only afterwards
 * and readable by any process (SYS_dev_list). To drive a device, a process
 * needs its monitor's grant (SYS_dev_grant); then it can map the device's
 * memory BARs (SYS_dev_map), allocate DMA memory (SYS_dma_alloc), enable it
 * (SYS_dev_ctl) and route an MSI-X table entry to its own core
 * (SYS_irq_attach): that interrupt then wakes the process's core like a
 * channel message does (an event wake-up, see pikaos/chan.h).
 */
#ifndef _PIKAOS_DEV_H
#define _PIKAOS_DEV_H

#include <stdint.h>

#define PIKA_PCI_MAX 32

enum { PIKA_BAR_NONE = 0, PIKA_BAR_MEM = 1, PIKA_BAR_IO = 2 };

struct pika_pci_bar {
	uint64_t addr, size;
	uint8_t type, prefetch, is64, pad[5];
};

struct pika_pci_dev {
	uint8_t bus, dev, fn, pad0;
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint8_t class_code, subclass, progif, rev;
	struct pika_pci_bar bar[6];
	uint16_t msix_cap;   /* config offset of the MSI-X capability, 0 when none */
	uint16_t msix_count; /* table entries */
	uint8_t msix_bar, pba_bar, pad1[2];
	uint32_t msix_off, pba_off;
	uint8_t config[256]; /* configuration space as found at boot */
};

/* SYS_dev_ctl operations */
#define PIKA_DEV_ENABLE 1      /* memory decoding and bus mastering on */
#define PIKA_DEV_MSIX_ENABLE 2 /* MSI-X on, legacy INTx off */
#define PIKA_DEV_DISABLE 3     /* bus mastering off */
/* The caller (a driver of dev) vouches that dev no longer reaches the DMA
 * memory this core's dead drivers of dev left behind: it is checked and
 * returned to the pool. Returns the frames released. */
#define PIKA_DEV_DMA_RELEASE 4

struct pika_irq_info {
	uint32_t vector, dev, entry;
	int32_t pid;
	uint64_t count; /* interrupts delivered on this core */
};

#endif
