; boot.asm - the boot core's entry from GRUB (Multiboot2).
;
; GRUB enters _start in 32-bit protected mode, paging off, eax = Multiboot2
; magic, ebx = physical address of the boot information. This code checks for
; long mode, builds the boot page tables (identity and direct map of the low
; 4 GiB, the kernel image at -2 GiB), enters long mode, jumps to the higher
; half, snapshots .data as the template for other cores' private copies, and
; calls kernel_boot() (kernel/main.c). The boot page tables stay in .bootbss:
; application processors use them for a few instructions in the trampoline.
%include "layout.inc"

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd 0xE85250D6                                   ; Multiboot2 magic
	dd 0                                            ; architecture: i386 protected mode
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (0xE85250D6 + (mb2_header_end - mb2_header))
	align 8
	dw 0, 0                                         ; end tag
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	cli
	cld
	mov esp, V2P(boot_stack_top)
	mov [V2P(boot_mb_magic)], eax
	mov [V2P(boot_mb_info)], ebx

	; Long mode and NX are required (CPUID 0x80000001 EDX bits 29 and 20).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz no_long_mode
	test edx, 1 << 20
	jz no_long_mode

	; Zero the boot page tables (.bootbss is not loaded from the file).
	mov edi, V2P(boot_pml4)
	mov ecx, (7 * 4096) / 4
	xor eax, eax
	rep stosd

	; PML4[0] (identity) and PML4[256] (direct map) share the low PDPT;
	; PML4[511] holds the kernel image at -2 GiB.
	mov eax, V2P(boot_pdpt_low) + 3             ; present | writable
	mov [V2P(boot_pml4)], eax
	mov [V2P(boot_pml4) + 256 * 8], eax
	mov eax, V2P(boot_pdpt_high) + 3
	mov [V2P(boot_pml4) + 511 * 8], eax

	; Low PDPT: four page directories covering 0..4 GiB.
	mov eax, V2P(boot_pd) + 3
	mov [V2P(boot_pdpt_low) + 0], eax
	add eax, 4096
	mov [V2P(boot_pdpt_low) + 8], eax
	add eax, 4096
	mov [V2P(boot_pdpt_low) + 16], eax
	add eax, 4096
	mov [V2P(boot_pdpt_low) + 24], eax
	; -2 GiB -> phys 0..1 GiB, -1 GiB -> 1..2 GiB (the same directories).
	mov eax, V2P(boot_pd) + 3
	mov [V2P(boot_pdpt_high) + 510 * 8], eax
	add eax, 4096
	mov [V2P(boot_pdpt_high) + 511 * 8], eax

	; 2048 entries of 2 MiB pages: entry i maps i * 2 MiB.
	xor ecx, ecx
.fill:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                                ; present | writable | 2 MiB page
	mov edx, ecx
	shr edx, 11                                 ; bits 32+ of the address
	mov [V2P(boot_pd) + ecx * 8], eax
	mov [V2P(boot_pd) + ecx * 8 + 4], edx
	inc ecx
	cmp ecx, 2048
	jb .fill

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, V2P(boot_pml4)
	mov cr3, eax
	mov ecx, EFER_MSR
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PG | CR0_WP | CR0_PE
	mov cr0, eax
	lgdt [boot_gdtr]
	jmp 0x08:long_mode

no_long_mode:
	; Say so on COM1 and stop: nothing else can work on this CPU.
	mov esi, no_lm_msg
.putc:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3F8
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, boot_high
	jmp rax

section .boot.data progbits alloc noexec write align=16
no_lm_msg: db "pikaos: this CPU has no long mode or no NX; cannot boot", 13, 10, 0
align 16
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF                       ; 0x08: 64-bit kernel code
	dq 0x00CF92000000FFFF                       ; 0x10: kernel data
boot_gdtr:
	dw boot_gdtr - boot_gdt - 1
	dd boot_gdt

section .text
bits 64
extern kernel_boot, __data_start, __data_init_end, __data_template, __bss_start, __bss_end
extern boot_entry_tsc
boot_high:
	mov rsp, boot_stack_top
	xor ebp, ebp
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rbx, rax
	; Keep a pristine copy of .data: each core's private copy starts from it.
	mov rsi, __data_start
	mov rdi, __data_template
	mov rcx, __data_init_end
	sub rcx, rsi
	rep movsb
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	xor eax, eax
	rep stosb
	mov rax, boot_entry_tsc
	mov [rax], rbx
	mov edi, [boot_mb_magic]
	mov esi, [boot_mb_info]
	call kernel_boot
.hang:
	cli
	hlt
	jmp .hang

; Boot-only memory: the boot core's boot stack and page tables. Not part of any
; core's image after boot (see docs/ARCHITECTURE.md).
section .bootbss nobits alloc noexec write align=4096
global boot_pml4, boot_pdpt_low, boot_pdpt_high, boot_pd
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pd:        resb 4 * 4096
boot_pdpt_high: resb 4096
boot_stack:     resb 16384
boot_stack_top:
boot_mb_magic:  resd 1
boot_mb_info:   resd 1
