; trampoline.asm - first instructions of an application processor.
;
; Core 0 copies [tramp_start, tramp_end) to TRAMP_BASE (0x8000) and sends
; INIT-SIPI-SIPI with vector TRAMP_BASE >> 12. The core wakes in real mode at
; 0x8000, switches to protected mode, enables PAE and long mode with the boot
; page tables (whose physical address core 0 put in the mailbox; it is below
; 4 GiB), and jumps to the 64-bit entry named in the mailbox (ap_entry64 in
; the higher half), with rbx = physical address of the mailbox.
; The mailbox is the only memory core 0 and a starting core both write; it is
; unmapped from every core once all cores are up (docs/ARCHITECTURE.md).
%include "layout.inc"
%define T(x) (TRAMP_BASE + (x) - tramp_start)

; Mailbox fields (struct ap_mailbox in kernel/smp.h).
%define MBX_BOOT_CR3 0
%define MBX_ENTRY    8

section .rodata
global tramp_start, tramp_end, tramp_mailbox
bits 16
tramp_start:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	lgdt [T(tramp_gdtr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword 0x08:T(tramp_pm)

bits 32
tramp_pm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, [T(tramp_mailbox) + MBX_BOOT_CR3]
	mov cr3, eax
	mov ecx, EFER_MSR
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	jmp 0x18:T(tramp_lm)

bits 64
tramp_lm:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ebx, T(tramp_mailbox)
	mov rax, [rbx + MBX_ENTRY]
	jmp rax

align 16
tramp_gdt:
	dq 0
	dq 0x00CF9A000000FFFF                       ; 0x08: 32-bit code
	dq 0x00CF92000000FFFF                       ; 0x10: data
	dq 0x00AF9A000000FFFF                       ; 0x18: 64-bit code
tramp_gdtr:
	dw tramp_gdtr - tramp_gdt - 1
	dd T(tramp_gdt)

align 64
tramp_mailbox:
	times 2048 db 0
tramp_end:
