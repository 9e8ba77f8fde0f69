; crt0.asm - process entry. The kernel starts a program here with rsp ->
; argc, argv[], NULL, envp[], NULL, auxv (System V x86-64 ABI, 3.4.1).
section .text.start progbits alloc exec nowrite align=16
bits 64
global _start
extern __libc_start
_start:
	xor ebp, ebp                ; the outermost frame for backtraces
	mov rdi, rsp
	and rsp, -16
	call __libc_start
	ud2                         ; __libc_start does not return
