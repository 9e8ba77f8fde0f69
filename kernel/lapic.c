/* lapic.c - see lapic.h. Intel SDM vol. 3A, chapter 10 (APIC). */
#include "lapic.h"
#include "layout.h"
#include "x86.h"

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_ERROR 0x370
#define SVR_ENABLE (1u << 8)
#define ICR_PENDING (1u << 12)
#define ICR_ASSERT (1u << 14)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define APIC_BASE_ENABLE (1UL << 11)

u32 lapic_read(u32 reg) { return *(volatile u32 *)(MMIO_BASE + reg); }
void lapic_write(u32 reg, u32 v) { *(volatile u32 *)(MMIO_BASE + reg) = v; }

void pic_disable(void)
{
	/* ICW1..ICW4: cascade, vectors VEC_PIC_BASE.., then mask every line. */
	outb(0x20, 0x11);
	outb(0xA0, 0x11);
	outb(0x21, VEC_PIC_BASE);
	outb(0xA1, VEC_PIC_BASE + 8);
	outb(0x21, 4);
	outb(0xA1, 2);
	outb(0x21, 1);
	outb(0xA1, 1);
	outb(0x21, 0xFF);
	outb(0xA1, 0xFF);
}

void lapic_init_core(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_ERROR, VEC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_TPR, 0);
	lapic_eoi();
}

u32 lapic_id(void) { return lapic_read(LAPIC_ID) >> 24; }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

static void icr_send(u32 apic_id, u32 lo)
{
	u64 f = irq_save();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_pause();
	irq_restore(f);
}

void lapic_send_ipi(u32 apic_id, u8 vector) { icr_send(apic_id, ICR_ASSERT | vector); }
void lapic_send_init(u32 apic_id) { icr_send(apic_id, ICR_INIT | ICR_ASSERT); }
void lapic_send_sipi(u32 apic_id, u8 page) { icr_send(apic_id, ICR_STARTUP | ICR_ASSERT | page); }
