/*
 * trap.h - exceptions and interrupts on this core.
 *
 * An exception in the kernel either has an entry in the exception table
 * (an instruction allowed to fault, like a probe of user memory: execution
 * resumes at its fixup with rax = -EFAULT and the fault is recorded in
 * trap_last_fault) or is fatal: one report on the console (core, vector,
 * name, error code, RIP with symbol, CR2, registers, backtrace), the core's
 * status line says FAULTED, and this core stops. Other cores keep running.
 */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include "types.h"

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

struct fault_record {
	u64 count; /* recoverable faults so far on this core */
	u64 vector, error, rip, cr2;
};

/* An instruction that may fault and where to continue (section .extable). */
struct extable_entry {
	u64 insn, fixup;
};

extern struct fault_record trap_last_fault;
extern u64 trap_ac_entries; /* interrupt/exception handlers entered with EFLAGS.AC set */

void trap_init_core(void);
const char *trap_name(u64 vector);
/* The first lines of a fault report for f into buf; returns the length. */
int trap_format(char *buf, size_t n, int core, const struct trap_frame *f, u64 cr2);
/* Fills out with rip and the return addresses found by following frame
 * pointers from rbp (only through this core's kernel stacks); returns the count. */
int backtrace_collect(u64 rip, u64 rbp, u64 *out, int max);
/* Prints the return addresses found by following frame pointers from rbp. */
void backtrace_print(u64 rip, u64 rbp);

/* Deliberate faults with extable entries (kernel/entry.asm), for tests. Each
 * returns -EFAULT when the access faulted; the *_insn labels are the faulting
 * instructions. */
u64 ktrig_read(const void *addr);
u64 ktrig_write(void *addr, u64 val);
u64 ktrig_ud(void);
u64 ktrig_div0(void);
u64 ktrig_gp(void);
extern const char ktrig_read_insn[], ktrig_write_insn[], ktrig_ud_insn[], ktrig_div0_insn[],
	ktrig_gp_insn[];
/* Faults for real: no extable entry. */
void ktrig_write_fatal(void *addr, u64 val);
extern const char ktrig_write_fatal_insn[];

#endif
