/* trap.c - see trap.h. Intel SDM vol. 3A, chapter 6 (interrupts and exceptions). */
#include "trap.h"
#include "bootinfo.h"
#include "channel.h"
#include "console.h"
#include "dev.h"
#include "event.h"
#include "core.h"
#include "errno.h"
#include "gdt.h"
#include "kimage.h"
#include "ksyms.h"
#include "lapic.h"
#include "panic.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "xcall.h"
#include "x86.h"

#include <fmt.h>

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type; /* present | DPL | gate type */
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;

static struct idt_entry idt[256] __aligned(16);
struct fault_record trap_last_fault;
static u64 spurious_irqs, unexpected_irqs;
u64 trap_ac_entries; /* handlers that ran with EFLAGS.AC set (must stay 0: the traps suite checks) */

extern const u64 isr_table[256];
extern const struct extable_entry __extable_start[], __extable_end[];

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM no FPU", "#DF double fault",
	"coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
	"reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

const char *trap_name(u64 vector) { return vector < 32 ? names[vector] : "interrupt"; }

static void set_gate(int v, u64 handler, u8 ist)
{
	idt[v].off_lo = (u16)handler;
	idt[v].sel = SEL_KCODE;
	idt[v].ist = ist;
	idt[v].type = 0x8E; /* present, DPL 0, 64-bit interrupt gate */
	idt[v].off_mid = (u16)(handler >> 16);
	idt[v].off_hi = (u32)(handler >> 32);
	idt[v].zero = 0;
}

void trap_init_core(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0);
	idt[8].ist = 1;  /* #DF: a kernel stack overflow must still be reported */
	idt[2].ist = 2;  /* NMI */
	idt[18].ist = 3; /* #MC */
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

int trap_format(char *buf, size_t n, int core, const struct trap_frame *f, u64 cr2)
{
	char sym[96];
	ksym_format(sym, sizeof(sym), f->rip);
	int len = fmt_snprintf(buf, n, "!!! FAULT core %d vector %lu (%s) error 0x%lx\n", core, f->vector,
			       trap_name(f->vector), f->error);
	len += fmt_snprintf(buf + MIN((size_t)len, n), n - MIN((size_t)len, n),
			    "    RIP %016lx <%s> CR2 %016lx %s mode\n", f->rip, sym, cr2,
			    (f->cs & 3) ? "user" : "kernel");
	return len;
}

int backtrace_collect(u64 rip, u64 rbp, u64 *out, int max)
{
	int n = 0;
	if (n < max)
		out[n++] = rip;
	while (n < max && rbp && !(rbp & 7) && kstack_contains(rbp, 16)) {
		const u64 *frame = (const u64 *)rbp;
		if (!ksym_lookup(frame[1], NULL))
			break;
		out[n++] = frame[1];
		if (frame[0] <= rbp)
			break; /* frames must move up the stack */
		rbp = frame[0];
	}
	return n;
}

void backtrace_print(u64 rip, u64 rbp)
{
	u64 addrs[16];
	char sym[96];
	int n = backtrace_collect(rip, rbp, addrs, 16);
	kprintf("    backtrace:\n");
	for (int i = 0; i < n; i++) {
		ksym_format(sym, sizeof(sym), addrs[i]);
		kprintf("      %016lx <%s>\n", addrs[i], sym);
	}
}

static __noreturn void fatal(struct trap_frame *f, u64 cr2)
{
	char head[256];
	console_report_begin();
	trap_format(head, sizeof(head), this_core, f, cr2);
	kprintf("%s", head);
	kprintf("    RAX %016lx RBX %016lx RCX %016lx\n", f->rax, f->rbx, f->rcx);
	kprintf("    RDX %016lx RSI %016lx RDI %016lx\n", f->rdx, f->rsi, f->rdi);
	kprintf("    RBP %016lx RSP %016lx R8  %016lx\n", f->rbp, f->rsp, f->r8);
	kprintf("    R9  %016lx R10 %016lx R11 %016lx\n", f->r9, f->r10, f->r11);
	kprintf("    R12 %016lx R13 %016lx R14 %016lx\n", f->r12, f->r13, f->r14);
	kprintf("    R15 %016lx RFLAGS %08lx CS %lx SS %lx\n", f->r15, f->rflags, f->cs, f->ss);
	backtrace_print(f->rip, f->rbp);
	kprintf("    core %d stopped\n", this_core);
	if (kshared) {
		struct core_status *st = core_status_of(this_core);
		st->vector = (u32)f->vector;
		st->rip = f->rip;
		st->cr2 = cr2;
		st->error = f->error;
	}
	console_report_end();
	core_stop(CORE_FAULTED);
}

static void exception(struct trap_frame *f)
{
	u64 cr2 = f->vector == 14 ? read_cr2() : 0;
	if ((f->cs & 3) && current->proc)
		proc_fault(f, cr2); /* kills the process, not the core */
	if (!(f->cs & 3)) {
		for (const struct extable_entry *e = __extable_start; e < __extable_end; e++) {
			if (e->insn != f->rip)
				continue;
			trap_last_fault.count++;
			trap_last_fault.vector = f->vector;
			trap_last_fault.error = f->error;
			trap_last_fault.rip = f->rip;
			trap_last_fault.cr2 = cr2;
			f->rip = e->fixup;
			f->rax = (u64)-EFAULT;
			return;
		}
	}
	fatal(f, cr2);
}

void trap_dispatch(struct trap_frame *f)
{
	if (read_rflags() & (1UL << 18))
		trap_ac_entries++;
	if (f->vector < 32) {
		exception(f);
		return;
	}
	switch (f->vector) {
	case VEC_TIMER:
		timer_irq();
		lapic_eoi();
		sched_timer();
		break;
	case VEC_XCALL:
		lapic_eoi();
		xcall_kick();
		break;
	case VEC_EVENT:
		lapic_eoi();
		event_ipi();
		break;
	case VEC_CORE_DEAD:
		lapic_eoi();
		channel_cores_died();
		break;
	case VEC_SPURIOUS: /* no EOI for spurious interrupts */
		spurious_irqs++;
		break;
	default:
		if (f->vector >= IRQ_VEC_FIRST && f->vector <= IRQ_VEC_LAST)
			dev_irq(f->vector);
		else
			unexpected_irqs++;
		lapic_eoi();
		break;
	}
	/* Preemption happens only on the way back to user mode. */
	if ((f->cs & 3) && sched_should_switch())
		schedule();
	if (f->cs & 3)
		proc_check_killed();
}

__noreturn void core_stop(u32 state)
{
	if (kshared) {
		WRITE_ONCE(core_status_of(this_core)->state, state);
		/* the others close what they share with us (channel.c) */
		for (int c = 0; c < ncores; c++)
			if (c != this_core && READ_ONCE(core_status_of(c)->state) == CORE_UP)
				lapic_send_ipi(bootinfo.apic_id[c], VEC_CORE_DEAD);
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

__noreturn void panic(const char *fmt, ...)
{
	cpu_cli();
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_report_begin();
	kprintf("!!! PANIC core %d: %s\n", this_core, msg);
	u64 rbp = read_rbp();
	backtrace_print(((const u64 *)rbp)[1], ((const u64 *)rbp)[0]);
	kprintf("    core %d stopped\n", this_core);
	console_report_end();
	core_stop(CORE_PANICKED);
}
