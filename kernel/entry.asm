; entry.asm - interrupt entry stubs, address-space entry, AP 64-bit entry,
; and deliberately faulting instructions for the fault tests.
%include "layout.inc"

section .text
bits 64
extern trap_dispatch, ap_main

; One stub per vector: push a zero error code where the CPU pushes none,
; push the vector, then save registers into a struct trap_frame.
%macro ISR 1
isr%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
	push 0
%endif
	push %1
	jmp isr_common
%endmacro

%assign i 0
%rep 256
ISR i
%assign i i+1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                 ; vector and error code
	iretq

; void kimage_enter(paddr_t pml4, u64 stack_top, void (*fn)(void)) - noreturn
global kimage_enter
kimage_enter:
	mov cr3, rdi
	mov rsp, rsi
	xor ebp, ebp
	call rdx
.hang:
	cli
	hlt
	jmp .hang

; Application processors arrive here from the trampoline on the boot page
; tables with rbx = physical address of the mailbox (kernel/smp.h).
global ap_entry64
ap_entry64:
	mov rax, [rbx + 16]         ; the core's own page tables
	mov rsp, [rbx + 24]         ; its kernel stack (valid once cr3 is loaded)
	mov cr3, rax
	xor ebp, ebp
	mov rdi, DIRECT_MAP
	add rdi, rbx
	call ap_main
.hang:
	cli
	hlt
	jmp .hang

; Fault triggers. The fixup is a plain ret: the triggers are leaves, so the
; stack at the faulting instruction is the stack at entry; the trap handler
; has set rax = -EFAULT.
global ktrig_read, ktrig_read_insn, ktrig_write, ktrig_write_insn
global ktrig_ud, ktrig_ud_insn, ktrig_div0, ktrig_div0_insn, ktrig_gp, ktrig_gp_insn
global ktrig_write_fatal, ktrig_write_fatal_insn
ktrig_read:
ktrig_read_insn:
	mov rax, [rdi]
	ret
ktrig_write:
ktrig_write_insn:
	mov [rdi], rsi
	xor eax, eax
	ret
ktrig_ud:
ktrig_ud_insn:
	ud2
	ret
ktrig_div0:
	xor ecx, ecx
	xor edx, edx
	mov eax, 1
ktrig_div0_insn:
	div ecx
	ret
ktrig_gp:
	mov rax, 0x8000000000000000    ; non-canonical
ktrig_gp_insn:
	mov rax, [rax]
	ret
ktrig_fixup:
	ret
ktrig_write_fatal:
ktrig_write_fatal_insn:
	mov [rdi], rsi
	ret

section .extable progbits alloc noexec nowrite align=8
	dq ktrig_read_insn, ktrig_fixup
	dq ktrig_write_insn, ktrig_fixup
	dq ktrig_ud_insn, ktrig_fixup
	dq ktrig_div0_insn, ktrig_fixup
	dq ktrig_gp_insn, ktrig_fixup

section .rodata
global isr_table
align 8
isr_table:
%assign i 0
%rep 256
	dq isr%+i
%assign i i+1
%endrep
