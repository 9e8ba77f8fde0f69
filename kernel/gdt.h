/* gdt.h - this core's GDT and TSS (private per core like every global). */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include "kimage.h"
#include "types.h"

/* Selector layout fixed by syscall/sysret (STAR): kernel code, kernel data,
 * user data, user code, then the TSS. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x1B
#define SEL_UCODE 0x23
#define SEL_TSS 0x28

void gdt_init_core(const u64 stack_top[STACK_SLOTS_BOOT]);
void tss_set_rsp0(u64 rsp0); /* kernel stack for traps from user mode */

#endif
