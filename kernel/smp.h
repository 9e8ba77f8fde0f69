/*
 * smp.h - starting the other cores (INIT-SIPI-SIPI through a real-mode trampoline).
 *
 * The mailbox inside the trampoline page is the boot handshake of DESIGN 1:
 * core 0 writes a starting core's parameters, the starting core copies them
 * and sets ack. One core starts at a time, so one mailbox serves all. Every
 * core unmaps the page once it no longer needs it.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include "frame.h"
#include "types.h"

#define TRAMP_BASE 0x8000UL

struct ap_mailbox {
	u64 boot_cr3;  /* 0: boot page tables (below 4 GiB), used by the trampoline */
	u64 entry;     /* 8: ap_entry64 */
	u64 cr3;       /* 16: the core's own page tables */
	u64 stack_top; /* 24: its kernel stack, in its own tables */
	u64 core;      /* 32 */
	volatile u64 ack; /* 40: set by the core once it has copied all of this */
	struct frame_alloc fa; /* the core's allocator, after core 0 built its image */
};

/* Boot phase (core 0, boot page tables): build every other core's image. */
int smp_prepare(void);
/* Core 0 on its own image: start the other cores one by one. Returns how many started. */
int smp_start_aps(void);
/* Core 0, once every core is up: nobody needs the mailbox any more. */
void smp_boot_done(void);

#endif
