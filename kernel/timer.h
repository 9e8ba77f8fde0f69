/*
 * timer.h - time on a core: the TSC for reading time, the LAPIC timer as a
 * one-shot alarm.
 *
 * Core 0 measures the TSC rate against the PIT once at boot (the PIT is a
 * shared device; only core 0 touches it) and publishes it in bootinfo. Every
 * core then calibrates its own LAPIC timer against the TSC. There is no
 * periodic tick: the scheduler arms the timer for the next thing that needs
 * it (a thread's deadline, the end of a time slice while another thread
 * waits to run, the serial poll on core 0), in TSC-deadline mode when the
 * CPU has it, else in one-shot mode. An idle core with nothing due takes no
 * timer interrupt at all.
 */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include "types.h"

#define TIMER_HZ_DEFAULT 100 /* hz=: the scheduler's slice is SCHED_SLICE_TICKS / hz */

void tsc_calibrate(void);      /* core 0, boot phase */
void timer_init_core(u32 hz);  /* every core: calibrate, one-shot mode, disarmed */
/* Interrupt (VEC_TIMER) at deadline_ns (absolute, now_ns() time; one in
 * the past fires at once); 0 disarms. Replaces any earlier setting. */
void timer_arm(u64 deadline_ns);
void timer_irq(void);          /* counts a timer interrupt */

u64 now_ns(void);              /* since core 0 entered the kernel */
u64 tsc_to_ns(u64 cycles);
void delay_ns(u64 ns);         /* spins */
u64 timer_irqs(void);          /* timer interrupts this core took */
u32 timer_hz(void);            /* hz= */
u64 timer_slice_ns(void);      /* the scheduler's time slice */
u64 timer_lapic_hz(void);      /* this core's measured LAPIC timer input rate (after divide) */
bool timer_tsc_deadline(void); /* armed through IA32_TSC_DEADLINE */

#endif
