/* In-OS tests: every core booted, runs its own kernel, and answers cross-core calls. */
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "ktest.h"
#include "lapic.h"
#include "layout.h"
#include "smp.h"
#include "vm.h"
#include "x86.h"
#include "xcall.h"

#define SEC 1000000000ULL

static u64 my_apic_id(u64 arg)
{
	(void)arg;
	return lapic_id();
}

KTEST(boot, every_madt_core_is_up, 0, 1)
{
	KT_EXPECT_EQ(t, ncores, bootinfo.ncores);
	for (int c = 0; c < ncores; c++) {
		KT_EXPECT_EQ(t, core_status_of(c)->state, CORE_UP);
		u64 id = lapic_id();
		if (c != this_core)
			KT_EXPECT_EQ(t, xcall_run(c, my_apic_id, 0, 10 * SEC, &id), 0);
		/* the core numbered c really is the CPU with the MADT's c-th APIC ID */
		KT_EXPECT_EQ(t, id, bootinfo.apic_id[c]);
	}
}

static u64 whoami(u64 arg)
{
	return (u64)this_core * 1000 + arg;
}

KTEST(boot, xcall_reaches_each_core, 0, 1)
{
	for (int c = 1; c < ncores; c++) {
		u64 r = 0;
		KT_EXPECT_EQ(t, xcall_run(c, whoami, 7, 10 * SEC, &r), 0);
		KT_EXPECT_EQ(t, r, (u64)c * 1000 + 7);
	}
	KT_EXPECT_EQ(t, xcall_post(this_core, whoami, 0), -EINVAL);
	KT_EXPECT_EQ(t, xcall_post(ncores, whoami, 0), -EINVAL);
	KT_EXPECT_EQ(t, xcall_post(-1, whoami, 0), -EINVAL);
}

KTEST(boot, boot_mailbox_retired, KTEST_EVERY_CORE, 1)
{
	KT_EXPECT_EQ(t, vm_translate(read_cr3() & PTE_ADDR, DIRECT_MAP + TRAMP_BASE, NULL), VM_NOPHYS);
}

KTEST(boot, bootinfo_is_readonly, KTEST_EVERY_CORE, 1)
{
	u64 flags = 0;
	paddr_t p = vm_translate(read_cr3() & PTE_ADDR, (u64)&bootinfo, &flags);
	KT_EXPECT_EQ(t, p, kimage_virt_to_phys(&bootinfo));
	KT_EXPECT_EQ(t, flags & PTE_W, 0);
	KT_EXPECT(t, flags & PTE_NX);
}
