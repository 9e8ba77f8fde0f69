/* smp.c - see smp.h. Intel SDM vol. 3A, 8.4.4 (MP initialization, INIT-SIPI-SIPI). */
#include "smp.h"
#include "bootinfo.h"
#include "console.h"
#include "core.h"
#include "errno.h"
#include "kimage.h"
#include "lapic.h"
#include "layout.h"
#include "timer.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

extern const u8 tramp_start[], tramp_end[], tramp_mailbox[];
extern u64 boot_pml4[];
void ap_entry64(void);
__noreturn void ap_main(struct ap_mailbox *mb);

/* Core 0's record of what it built for each core (copied into core 0's image). */
static struct kimage ap_image[MAX_CORES];
static struct frame_alloc ap_frames[MAX_CORES];

static struct ap_mailbox *mailbox(void)
{
	return phys_to_virt(TRAMP_BASE + (u64)(tramp_mailbox - tramp_start));
}

int smp_prepare(void)
{
	_Static_assert(sizeof(struct ap_mailbox) <= 2048, "mailbox larger than its space in the trampoline");
	memcpy(phys_to_virt(TRAMP_BASE), tramp_start, (size_t)(tramp_end - tramp_start));
	for (int c = 1; c < bootinfo.ncores; c++) {
		int e = frame_alloc_init(&ap_frames[c], &bootinfo.plan.core[c], DIRECT_MAP);
		if (!e)
			e = kimage_build(c, &ap_frames[c], false, &ap_image[c]);
		if (e) {
			pr_err("smp: cannot build core %d's image: %d\n", c, e);
			return e;
		}
	}
	return 0;
}

static bool wait_ack(volatile u64 *ack, u64 ns)
{
	u64 end = now_ns() + ns;
	while (!*ack) {
		if (now_ns() > end)
			return false;
		cpu_pause();
	}
	return true;
}

int smp_start_aps(void)
{
	struct ap_mailbox *mb = mailbox();
	int started = 1;
	for (int c = 1; c < bootinfo.ncores; c++) {
		mb->boot_cr3 = (u64)boot_pml4 - KERNEL_VMA;
		mb->entry = (u64)ap_entry64;
		mb->cr3 = ap_image[c].pml4;
		mb->stack_top = ap_image[c].stack_top[STACK_KERNEL];
		mb->core = (u64)c;
		mb->fa = ap_frames[c];
		mb->ack = 0;
		barrier();

		u32 apic = bootinfo.apic_id[c];
		lapic_send_init(apic);
		delay_ns(10 * 1000 * 1000);
		lapic_send_sipi(apic, (u8)(TRAMP_BASE >> 12));
		if (!wait_ack(&mb->ack, 200 * 1000)) {
			lapic_send_sipi(apic, (u8)(TRAMP_BASE >> 12));
			if (!wait_ack(&mb->ack, 5000ULL * 1000 * 1000)) {
				pr_err("smp: core %d (APIC ID %u) did not start\n", c, apic);
				continue;
			}
		}
		started++;
	}
	return started;
}

void smp_boot_done(void)
{
	vm_unmap(read_cr3() & PTE_ADDR, DIRECT_MAP + TRAMP_BASE, PAGE_SIZE);
}
