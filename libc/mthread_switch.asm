; mthread_switch.asm - void mthread_switch(void **save_sp, void *new_sp):
; save callee-saved registers on this stack, continue on the other one.
; (The System V ABI leaves the vector registers caller-saved, so six
; registers and the stack pointer are the whole context.)
section .text
bits 64
global mthread_switch, mthread_entry
extern mthread_finish
mthread_switch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; First run of a microthread: r12 = fn, r13 = arg.
mthread_entry:
	mov rdi, r13
	call r12
	call mthread_finish             ; does not return
	ud2
