/* power.c - see power.h. ACPI 6.x, 4.8.3.2 (PM1 control: SLP_TYP, SLP_EN) and 16.1.3 (ACPI enable). */
#include "power.h"
#include "bootinfo.h"
#include "console.h"
#include "timer.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xF4
#define PM1_SCI_EN 1u
#define PM1_SLP_EN (1u << 13)

__attribute__((noreturn)) void power_off(int status)
{
	cpu_cli();
	outl(DEBUG_EXIT_PORT, (u32)status);
	if (bootinfo.s5_valid && bootinfo.pm1a_cnt) {
		if (bootinfo.smi_cmd && bootinfo.acpi_enable && !(inw(bootinfo.pm1a_cnt) & PM1_SCI_EN)) {
			outb((u16)bootinfo.smi_cmd, bootinfo.acpi_enable);
			u64 end = now_ns() + 1000000000ULL;
			while (!(inw(bootinfo.pm1a_cnt) & PM1_SCI_EN) && now_ns() < end)
				cpu_pause();
		}
		outw(bootinfo.pm1a_cnt, (u16)((bootinfo.slp_typa << 10) | PM1_SLP_EN));
		if (bootinfo.pm1b_cnt)
			outw(bootinfo.pm1b_cnt, (u16)((bootinfo.slp_typb << 10) | PM1_SLP_EN));
		delay_ns(100000000ULL);
	}
	kprintf("power: could not power off; halting core 0\n");
	for (;;)
		__asm__ volatile("hlt");
}
