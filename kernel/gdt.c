/* gdt.c - see gdt.h. Intel SDM vol. 3A, 3.4.5 (descriptors) and 7.7 (64-bit TSS). */
#include "gdt.h"

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

static u64 gdt[7] __aligned(16);
static struct tss tss __aligned(16);

void gdt_init_core(const u64 stack_top[STACK_SLOTS_BOOT])
{
	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFULL; /* kernel code, 64-bit */
	gdt[2] = 0x00CF92000000FFFFULL; /* kernel data */
	gdt[3] = 0x00CFF2000000FFFFULL; /* user data, DPL 3 */
	gdt[4] = 0x00AFFA000000FFFFULL; /* user code, 64-bit, DPL 3 */
	u64 base = (u64)&tss, limit = sizeof(tss) - 1;
	gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[6] = base >> 32;

	tss.rsp[0] = stack_top[STACK_KERNEL];
	tss.ist[0] = stack_top[STACK_IST_DF];
	tss.ist[1] = stack_top[STACK_IST_NMI];
	tss.ist[2] = stack_top[STACK_IST_MC];
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 has no port access */

	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(gdt) - 1, (u64)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "mov %1, %%ds\n\t"
			 "mov %1, %%es\n\t"
			 "mov %1, %%ss\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%ax, %%fs\n\t"
			 "mov %%ax, %%gs\n\t"
			 "pushq %2\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "r"((u64)SEL_KDATA), "i"(SEL_KCODE), "r"(SEL_TSS)
			 : "rax", "memory");
}

void tss_set_rsp0(u64 rsp0) { tss.rsp[0] = rsp0; }
