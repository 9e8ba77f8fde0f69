; entry.asm - interrupt entry stubs, address-space entry, AP 64-bit entry,
; and deliberately faulting instructions for the fault tests.
%include "layout.inc"

section .text
bits 64
extern trap_dispatch, ap_main, syscall_dispatch, sched_after_switch, thread_exit
extern syscall_kstack_top, syscall_user_rsp, smap_on

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
	; EFLAGS.AC comes in as the interrupted code had it (a user process may
	; set it, and uaccess copies run with it set): with SMAP that would let
	; the handler touch user memory unchecked. clac exists only with SMAP.
	cmp byte [rel smap_on], 0
	je .ac_clear
	clac
.ac_clear:
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
global trap_return
trap_return:                        ; rsp -> a struct trap_frame
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

; The syscall instruction lands here (LSTAR) with interrupts off (FMASK),
; rcx = user rip, r11 = user rflags, on the user stack. The kernel keeps no
; per-core pointer in GS: syscall_kstack_top and syscall_user_rsp are plain
; globals, private to the core like all of .bss. Builds a struct trap_frame
; on the thread's kernel stack, so exceptions and syscalls look alike.
global syscall_entry
syscall_entry:
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel syscall_kstack_top]
	push 0x1b                   ; ss (user data)
	push qword [rel syscall_user_rsp]
	push r11                    ; rflags
	push 0x23                   ; cs (user code)
	push rcx                    ; rip
	push 0                      ; error
	push 256                    ; "vector": a system call
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
	sti
	call syscall_dispatch
	cli
	; sysret cannot return to a non-canonical rip (it would fault in ring 0
	; on the user stack): such returns take the iretq path.
	mov rcx, [rsp + 17 * 8]     ; frame rip
	mov rax, 0x00007fffffffffff
	cmp rcx, rax
	ja trap_return
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
	add rsp, 16                 ; vector, error
	mov rcx, [rsp]              ; user rip
	mov r11, [rsp + 16]         ; user rflags
	mov rsp, [rsp + 24]         ; user rsp
	o64 sysret

; void switch_stack(u64 *save_sp, u64 new_sp): save callee-saved registers
; on this stack, store its pointer, continue on the other thread's stack.
global switch_stack
switch_stack:
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

; First run of a new user thread: its stack holds a trap frame for user mode.
global thread_first_user
thread_first_user:
	call sched_after_switch
	cli
	jmp trap_return

; First run of a new kernel thread: r12 = fn, r13 = arg.
global thread_first_kernel
thread_first_kernel:
	call sched_after_switch
	sti
	mov rdi, r13
	call r12
	call thread_exit

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

; ---------------------------------------------------------------- user access
section .text
; u64 uaccess_copy(void *dst, const void *src, u64 n): 0, or -EFAULT (rax set
; by the trap handler) when a user page is missing or protected.
global uaccess_copy, uaccess_strncpy
uaccess_copy:
	mov rcx, rdx
uaccess_copy_insn:
	rep movsb
	xor eax, eax
	ret
; long uaccess_strncpy(char *dst, const char *src, u64 max): the length of the
; string copied with its NUL, -1 if no NUL within max bytes, -EFAULT.
uaccess_strncpy:
	xor eax, eax
uaccess_strncpy_loop:
	cmp rax, rdx
	jae uaccess_strncpy_long
uaccess_strncpy_insn:
	mov cl, [rsi + rax]
	mov [rdi + rax], cl
	test cl, cl
	jz uaccess_strncpy_done
	inc rax
	jmp uaccess_strncpy_loop
uaccess_strncpy_long:
	mov rax, -1
uaccess_strncpy_done:
	ret
uaccess_fixup:
	ret

section .extable
	dq uaccess_copy_insn, uaccess_fixup
	dq uaccess_strncpy_insn, uaccess_fixup
