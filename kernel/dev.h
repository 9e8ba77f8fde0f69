/*
 * dev.h - device access for user-level drivers (pikaos/dev.h has the ABI):
 * grants by the monitor, BAR mappings, DMA memory, MSI-X entries routed to
 * the caller's core. An MSI-X interrupt is an event wake-up of its core
 * (kernel/event.h): the driver sleeps for packets and for channel messages
 * in the same wait.
 */
#ifndef KERNEL_DEV_H
#define KERNEL_DEV_H

#include <pikaos/dev.h>
#include <pikaos/syscall.h>

#include "types.h"

#define IRQ_VEC_FIRST 0x30 /* vectors handed to device interrupts on each core */
#define IRQ_VEC_LAST 0xDF

struct proc;

long dev_list(u64 ubuf, u64 n);
long dev_grant(struct proc *caller, int pid, u64 dev);
long dev_map(struct proc *p, u64 dev, u64 bar, u64 off, u64 len);
long dev_ctl(struct proc *p, u64 dev, u64 op);
long dma_alloc(struct proc *p, u64 len, u64 uphys);
long irq_attach(struct proc *p, u64 dev, u64 entry);
long irq_list(u64 ubuf, u64 n);
void dev_irq(u64 vector);
u64 dev_irq_count(void); /* device interrupts this core took */          /* from trap_dispatch */
/* At exit: masks and frees its interrupts; its DMA memory is held back
 * until no device can reach it (dev.c says how). */
void dev_proc_exit(struct proc *p);
void dev_dma_stats(struct pika_dma_stats *out);

#endif
