/*
 * timer.h - time on a core: the TSC for reading time, the LAPIC timer for ticks.
 *
 * Core 0 measures the TSC rate against the PIT once at boot (the PIT is a
 * shared device; only core 0 touches it) and publishes it in bootinfo. Every
 * core then calibrates its own LAPIC timer against the TSC and runs it
 * periodically at `hz=` (default 100).
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "types.h"

#define TIMER_HZ_DEFAULT 100

void tsc_calibrate(void);      /* core 0, boot phase */
void timer_init_core(u32 hz);  /* every core */
void timer_tick(void);         /* from the timer interrupt */

u64 now_ns(void);              /* since core 0 entered the kernel */
u64 tsc_to_ns(u64 cycles);
void delay_ns(u64 ns);         /* spins */
u64 timer_ticks(void);         /* this core's tick count */
u32 timer_hz(void);            /* this core's configured tick rate */
u64 timer_lapic_hz(void);      /* this core's measured LAPIC timer input rate (after divide) */

#endif
