/*
 * crash - does one forbidden thing on purpose (for the fault-containment tests).
 *   crash kwrite        write to kernel text
 *   crash kread ADDR    read kernel memory at ADDR (a direct-map address)
 *   crash other ADDR    write to ADDR (mapped in another process, not in this one)
 *   crash nx            execute from the stack (no-execute)
 *   crash div0          divide by zero
 *   crash ud            an invalid instruction
 *   crash gp            touch a non-canonical address
 *   crash null          call through a NULL pointer
 *   crash overflow      recurse until the stack guard page
 *   crash mapper ADDR   (not a crash) map ADDR, write a pattern, sleep, check it is intact:
 *                       exits 0 if intact
 * A crash that does not happen exits with status 100.
 */
#include <pikaos.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int keep_going = 1;

static int depth(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return keep_going ? depth(n + 1) + pad[0] : n;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	uintptr_t addr = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	if (strcmp(mode, "kwrite") == 0)
		*(volatile int *)0xffffffff80101000UL = 1;
	else if (strcmp(mode, "kread") == 0)
		return *(volatile int *)addr;
	else if (strcmp(mode, "other") == 0)
		*(volatile int *)addr = 0x0BADC0DE;
	else if (strcmp(mode, "nx") == 0) {
		volatile unsigned char code[16] = { 0xC3 }; /* ret */
		((void (*)(void))(uintptr_t)code)();
	} else if (strcmp(mode, "div0") == 0) {
		volatile int zero = 0;
		return 10 / zero;
	} else if (strcmp(mode, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(mode, "gp") == 0)
		return *(volatile int *)0x8000000000000000UL;
	else if (strcmp(mode, "null") == 0) {
		void (*volatile fn)(void) = NULL;
		fn();
	} else if (strcmp(mode, "overflow") == 0)
		return depth(0);
	else if (strcmp(mode, "mapper") == 0) {
		volatile uint32_t *p = mmap((void *)addr, 4096, PROT_READ | PROT_WRITE,
					    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || (uintptr_t)p != addr)
			return 2;
		for (int i = 0; i < 1024; i++)
			p[i] = 0x5A5A0000u + (uint32_t)i;
		usleep(200 * 1000);
		for (int i = 0; i < 1024; i++)
			if (p[i] != 0x5A5A0000u + (uint32_t)i)
				return 3;
		return 0;
	}
	return 100;
}
