/* acpi.h - the ACPI tables core 0 reads at boot: MADT (cores), FADT + \_S5 (power-off). */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include "types.h"

struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

/* Boot phase, core 0. Finds the RSDP (the Multiboot2 copy, else a BIOS-area
 * scan), fills bootinfo.ncores/apic_id/lapic_phys (the boot core first) and
 * the power-off facts. Returns 0 or -ENODEV when no usable MADT exists. */
int acpi_init(paddr_t rsdp_from_multiboot, u32 boot_apic_id);

/* The table with this signature (e.g. "MCFG"), or NULL. Boot phase only. */
const struct acpi_sdt_header *acpi_find(const char sig[4]);

#endif
