/*
 * bootinfo.h - facts core 0 gathers at boot and every core reads.
 *
 * `bootinfo` lives in its own section (.bootinfo): core 0 fills it in during
 * the boot phase, before any other core runs; every core's page tables,
 * core 0's included, then map it read-only. It is the read-only "device and
 * boot table" of DESIGN 1: shared, never written after boot.
 */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include "frame.h"
#include "types.h"

#include <pikaos/dev.h>

#define BOOT_MAX_MODULES 32
#define BOOT_MAX_USABLE 32
#define CMDLINE_MAX 1024

struct boot_module {
	paddr_t start, end;
	char name[64]; /* the GRUB module string: path and arguments */
};

struct bootinfo {
	u64 entry_tsc;  /* TSC when core 0 entered the kernel */
	u64 tsc_hz;     /* measured by core 0 against the PIT */
	u64 tsc_mult;   /* ns = (tsc_delta * tsc_mult) >> 32 */
	u64 boot_epoch_s; /* wall-clock time at boot (CMOS RTC), seconds since 1970 UTC */

	int ncores;                /* cores in the MADT (capped at MAX_CORES) */
	u32 apic_id[MAX_CORES];    /* core number -> local APIC ID; core 0 is the boot core */
	paddr_t lapic_phys;

	char cmdline[CMDLINE_MAX];
	int nmodules;
	struct boot_module modules[BOOT_MAX_MODULES];

	int nusable;                               /* RAM that was partitioned */
	struct frame_extent usable[BOOT_MAX_USABLE];
	struct frame_plan plan;                    /* per-core ranges + channel pool */
	paddr_t kshared_phys;                      /* kernel's board in the channel pool */
	u64 kshared_size;
	paddr_t monchan_phys;                      /* monitor-to-monitor channels, one frame per pair */
	struct frame_range chanslice[MAX_CORES];   /* each core's part of the rest of the pool */

	/* PCI, enumerated by core 0 (kernel/pci.c) */
	int npci;
	struct pika_pci_dev pci[PIKA_PCI_MAX];
	paddr_t ecam_phys;         /* PCIe memory-mapped configuration (MCFG), 0 if none */
	u8 ecam_bus_start, ecam_bus_end;

	/* ACPI facts for power-off (S5), from the FADT and the DSDT's \_S5. */
	u16 pm1a_cnt, pm1b_cnt;
	u16 slp_typa, slp_typb;
	bool s5_valid;
	u32 smi_cmd;
	u8 acpi_enable;
};

extern struct bootinfo bootinfo;
extern u64 boot_entry_tsc; /* written by boot.asm, copied into bootinfo */

/* Linker-script symbols (kernel/linker.ld). */
extern char __kernel_phys_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __bootinfo_start[], __bootinfo_end[], __data_start[], __data_init_end[];
extern char __bss_start[], __bss_end[], __data_end[], __data_template[], __kernel_end[];

#endif
