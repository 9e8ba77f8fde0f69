/*
 * main.c - the boot sequence.
 *
 * Core 0, boot phase (the image GRUB loaded, boot page tables):  kernel_boot()
 *   1. console_init         the serial line
 *   2. multiboot_parse      command line, memory map, modules, RSDP
 *   3. acpi_init            the cores (MADT) and power-off facts (FADT)
 *   4. pic_disable          the 8259s are masked for good: only the LAPIC interrupts
 *   5. tsc_calibrate        TSC rate against the PIT, into bootinfo; rtc_init: wall clock
 *   5b. pci_enumerate_boot  the read-only PCI device table in bootinfo
 *   6. mem_partition_boot   usable RAM -> channel pool + one range per core
 *   7. kshared_init         the cores' status and call lines, in the channel pool
 *   8. smp_prepare          every other core's image, from that core's own frames
 *   9. kimage_build(0)      core 0's own image (a copy of its live .data/.bss), then
 *                           kimage_enter: core 0 leaves the boot image for good.
 * Every core, on its own image:                                    core_init()
 *  10. gdt_init_core, trap_init_core, lapic_init_core, timer_init_core
 *  11. "core N: up", status line UP
 * Core 0 then starts the others one at a time (smp_start_aps), waits until
 * all are up, prints "pikaos: N cores up in T ms", retires the boot mailbox,
 * starts its monitor and, with tests=, the in-OS tests. Every other core starts
 * its monitor once up. Then each core runs its scheduler (idle: hlt).
 */
#include "acpi.h"
#include "bootinfo.h"
#include "channel.h"
#include "cmdline.h"
#include "console.h"
#include "core.h"
#include "gdt.h"
#include "kimage.h"
#include "ktest.h"
#include "lapic.h"
#include "layout.h"
#include "mem.h"
#include "multiboot.h"
#include "panic.h"
#include "pci.h"
#include "power.h"
#include "proc.h"
#include "rtc.h"
#include "sched.h"
#include "syscall.h"
#include "thread.h"
#include "uaccess.h"
#include "smp.h"
#include "timer.h"
#include "trap.h"
#include "vm.h"
#include "x86.h"
#include "errno.h"
#include "xcall.h"

#include <string.h>

struct bootinfo bootinfo __section(".bootinfo");
u64 boot_entry_tsc;
int this_core;
int ncores;
struct kshared *kshared;

static struct kimage my_image; /* this core's image (stack tops) */
paddr_t core_pml4;             /* this core's kernel page tables */
static bool testing;           /* tests= given: core 0 runs the in-OS tests */

static void core_init(void)
{
	u64 level;
	if (cmdline_get_u64(bootinfo.cmdline, "loglevel", &level) == 0)
		console_set_level((int)level);
	core_pml4 = my_image.pml4;
	/* Global pages; FXSAVE/SSE for user code (the kernel itself uses no SSE). */
	write_cr4(read_cr4() | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	/* SMEP and SMAP when the CPU has them: the kernel neither runs nor
	 * (outside uaccess.c) touches user pages. */
	u32 a, b, c, d;
	cpuid(7, 0, &a, &b, &c, &d);
	bool smep = b & (1u << 7), smap = b & (1u << 20);
	write_cr4(read_cr4() | (smep ? CR4_SMEP : 0) | (smap ? CR4_SMAP : 0));
	uaccess_init_core(smap);
	gdt_init_core(my_image.stack_top);
	trap_init_core();
	syscall_init_core();
	lapic_init_core();
	u64 hz = TIMER_HZ_DEFAULT;
	if (cmdline_get_u64(bootinfo.cmdline, "hz", &hz) || hz == 0 || hz > 10000)
		hz = TIMER_HZ_DEFAULT;
	timer_init_core((u32)hz);
	thread_init_core();
	sched_init_core(); /* this boot context becomes the idle thread */
	pci_init_core();
	proc_init_core();
	channel_init_core();
	xcall_init_core();
	cpu_sti();

	struct core_status *st = core_status_of(this_core);
	st->up_tsc = rdtsc();
	if (this_core == 0)
		pr_info("timer: one-shot, %s\n", timer_tsc_deadline() ? "TSC-deadline" : "LAPIC count");
	kprintf("core %d: up\n", this_core);
	WRITE_ONCE(st->state, CORE_UP);
}

static void run_tests(void *arg)
{
	(void)arg;
	char list[256];
	cmdline_get(bootinfo.cmdline, "tests", list, sizeof(list));
	int failed = ktest_run(list);
	power_off(failed ? 1 : 0);
}

/* The core's monitor, its first process (when the boot modules have one),
 * holding its channels to every other core's monitor. */
static void start_monitor(void)
{
	int pid = proc_spawn("monitor", NULL, NULL);
	if (pid == -ENOENT)
		return;
	struct proc *p = pid > 0 ? proc_find(pid) : NULL;
	if (!p) {
		pr_err("core %d: cannot start the monitor: %d\n", this_core, pid);
		return;
	}
	p->monitor = true;
	if (channel_link_monitor(p))
		pr_err("core %d: cannot map the monitor channels\n", this_core);
}

/* Core 0 once on its own image. */
static __noreturn void core0_main(void)
{
	core_init();
	testing = cmdline_get(bootinfo.cmdline, "tests", NULL, 0) > 0;
	int started = smp_start_aps();

	/* Wait (10 s at most) for the started cores to report up. */
	u64 deadline = now_ns() + 10000000000ULL;
	int up;
	u64 last_tsc;
	do {
		up = 0;
		last_tsc = 0;
		for (int c = 0; c < ncores; c++) {
			const struct core_status *st = core_status_of(c);
			if (READ_ONCE(st->state) == CORE_UP) {
				up++;
				last_tsc = MAX(last_tsc, st->up_tsc);
			}
		}
	} while (up < started && now_ns() < deadline);
	smp_boot_done();
	u64 ms = tsc_to_ns(last_tsc - bootinfo.entry_tsc) / 1000000;
	kprintf("pikaos: %d cores up in %lu ms\n", up, ms);
	if (up < ncores)
		pr_err("pikaos: %d of %d cores did not come up\n", ncores - up, ncores);

	start_monitor();
	if (testing && !kthread_create("ktest", run_tests, NULL))
		panic("cannot start the test thread");
	sched_idle();
}

/* Other cores arrive here from ap_entry64, on their own image and stack. */
__noreturn void ap_main(struct ap_mailbox *mb)
{
	this_core = (int)mb->core;
	ncores = bootinfo.ncores;
	kshared = phys_to_virt(bootinfo.kshared_phys);
	core_frames = mb->fa;
	paddr_t pml4 = read_cr3() & PTE_ADDR;
	my_image.pml4 = pml4;
	for (int s = 0; s < STACK_SLOTS_BOOT; s++)
		my_image.stack_top[s] = kstack_slot_top(s);
	WRITE_ONCE(core_status_of(this_core)->state, CORE_BOOTING);
	barrier();
	WRITE_ONCE(mb->ack, 1);
	/* The mailbox is core 0's again; this core never touches it after the ack. */
	vm_unmap(pml4, DIRECT_MAP + TRAMP_BASE, PAGE_SIZE);
	core_init();
	start_monitor();
	sched_idle();
}

static void kshared_init(void)
{
	if (chanpool_partition_boot())
		panic("the channel pool is too small for %d cores", bootinfo.ncores);
	kshared = phys_to_virt(bootinfo.kshared_phys);
	memset(kshared, 0, bootinfo.kshared_size);
	channel_boot_init();
	kshared->status[0].state = CORE_BOOTING;
}

/* Core 0 from boot.asm. */
__noreturn void kernel_boot(u32 mb_magic, u32 mb_info)
{
	bootinfo.entry_tsc = boot_entry_tsc;
	console_init();
	kprintf("pikaos: booting\n");

	struct mb2_info mb;
	if (multiboot_parse(mb_magic, mb_info, &mb))
		panic("not started by a Multiboot2 loader (magic %#x)", mb_magic);
	u64 level;
	if (cmdline_get_u64(bootinfo.cmdline, "loglevel", &level) == 0)
		console_set_level((int)level);
	kprintf("pikaos: command line '%s', %d boot modules\n", bootinfo.cmdline, bootinfo.nmodules);

	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (acpi_init(mb.rsdp, b >> 24))
		panic("no usable ACPI tables: cannot find the cores");
	ncores = bootinfo.ncores;
	pic_disable();
	tsc_calibrate();
	rtc_init();
	kprintf("pikaos: %d cores in the MADT, TSC %lu MHz\n", ncores, bootinfo.tsc_hz / 1000000);

	pci_enumerate_boot();
	if (mem_partition_boot(&mb))
		panic("cannot partition memory");
	kshared_init();
	for (int i = 0; i < bootinfo.plan.chanpool.n; i++)
		pr_debug("mem: channel pool %#lx-%#lx\n", bootinfo.plan.chanpool.ext[i].start,
			 bootinfo.plan.chanpool.ext[i].end);
	for (int cc = 0; cc < ncores; cc++)
		for (int i = 0; i < bootinfo.plan.core[cc].n; i++)
			pr_debug("mem: core %d %#lx-%#lx\n", cc, bootinfo.plan.core[cc].ext[i].start,
				 bootinfo.plan.core[cc].ext[i].end);

	if (smp_prepare())
		panic("cannot prepare the other cores");
	if (frame_alloc_init(&core_frames, &bootinfo.plan.core[0], DIRECT_MAP))
		panic("cannot set up core 0's frames");
	if (kimage_build(0, &core_frames, true, &my_image))
		panic("cannot build core 0's image");
	/* Nothing may write a global between the copy above and the switch. */
	kimage_enter(my_image.pml4, my_image.stack_top[STACK_KERNEL], core0_main);
}
