/*
 * pci.h - PCI configuration space and the boot-time device table.
 *
 * Configuration access goes through ECAM (PCIe memory-mapped configuration,
 * from the ACPI MCFG table) when the machine has it (QEMU -machine q35), else
 * through the legacy ports 0xCF8/0xCFC. The port pair is a two-step access
 * shared by all cores, so without ECAM only core 0 writes configuration
 * space; with ECAM every access is one memory operation and any core may.
 */
#ifndef KERNEL_PCI_H
#define KERNEL_PCI_H

#include "types.h"

/* Boot phase, core 0: finds MCFG, walks every bus, fills bootinfo.pci. */
void pci_enumerate_boot(void);
/* After boot: this core's mapping of the ECAM window (if any). */
void pci_init_core(void);

u32 pci_cfg_read32(u8 bus, u8 dev, u8 fn, u16 off);
/* 0, or -EPERM when only the legacy ports exist and this is not core 0. */
int pci_cfg_write32(u8 bus, u8 dev, u8 fn, u16 off, u32 v);
u16 pci_cfg_read16(u8 bus, u8 dev, u8 fn, u16 off);
int pci_cfg_write16(u8 bus, u8 dev, u8 fn, u16 off, u16 v);

#define PCI_COMMAND 0x04
#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_CAP_MSIX 0x11
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_MASK_ALL (1u << 14)

#endif
