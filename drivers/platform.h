/*
 * drivers/platform.h - how a driver reaches its hardware.
 *
 * In pikaos these are system calls (drivers/platform_pikaos.c); in host
 * tests a device model provides them (e.g. tests/model/ixgbe), so the same
 * driver code runs unmodified against both.
 */
#ifndef DRIVERS_PLATFORM_H
#define DRIVERS_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include <pikaos/dev.h>

struct nd_platform {
	void *ctx;
	const struct pika_pci_dev *pci;
	int dev; /* index in the kernel's device table */
	/* address of [off, off+len) of a memory BAR, uncached; NULL on failure */
	void *(*map_bar)(void *ctx, int bar, uint64_t off, uint64_t len);
	/* 32-bit register access within BAR 0 (the model intercepts these) */
	uint32_t (*rd32)(void *ctx, uint32_t reg);
	void (*wr32)(void *ctx, uint32_t reg, uint32_t v);
	/* zeroed, physically contiguous memory: returns its address, *phys the DMA address */
	void *(*dma_alloc)(void *ctx, size_t len, uint64_t *phys);
	/* bus mastering and memory decoding on; MSI-X on */
	int (*enable)(void *ctx);
	int (*msix_enable)(void *ctx);
	/* route MSI-X entry to the calling core: its vector, or -errno */
	int (*irq_attach)(void *ctx, int entry);
	uint64_t (*now_ns)(void *ctx);
	void (*delay_us)(void *ctx, uint32_t us);
	void (*log)(void *ctx, const char *msg);
};

#endif
