/*
 * lapic.h - this core's local APIC (xAPIC, mapped at MMIO_BASE in every core's
 * tables; each core reaches its own APIC at the same address).
 */
#ifndef KERNEL_LAPIC_H
#define KERNEL_LAPIC_H

#include "types.h"

/* Interrupt vectors. 0..31 are exceptions; the 8259 PICs are parked at 0xE0. */
#define VEC_TIMER 0x20
#define VEC_XCALL 0xF0   /* "look at your cross-core call lines" */
#define VEC_EVENT 0xF1   /* "look at your wake lines": another core named a process of yours */
#define VEC_CORE_DEAD 0xF2 /* "a core stopped": its channel peers see their channels closed */
#define VEC_ERROR 0xFE
#define VEC_SPURIOUS 0xFF
#define VEC_PIC_BASE 0xE0

#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define LAPIC_LVT_TIMER 0x320
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)

void pic_disable(void);      /* core 0, boot: remap and mask both 8259s */
void lapic_init_core(void);  /* every core */
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
u32 lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(u32 apic_id, u8 vector);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 page);

#endif
