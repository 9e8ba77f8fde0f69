/* syscall.h - system-call entry (the numbers and ABI: libc/include/pikaos/syscall.h). */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "trap.h"
#include "types.h"

extern u64 syscall_kstack_top; /* the running thread's kernel stack; set at every switch */

void syscall_init_core(void);  /* STAR/LSTAR/FMASK, EFER.SCE */
void syscall_dispatch(struct trap_frame *f);

#endif
