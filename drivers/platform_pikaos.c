/* platform_pikaos.c - struct nd_platform on pikaos system calls (user-level drivers). */
#include "drivers/platform_pikaos.h"

#include <pikaos.h>
#include <stdio.h>
#include <unistd.h>

static void *map_bar(void *ctx, int bar, uint64_t off, uint64_t len)
{
	struct pika_platform *p = ctx;
	long va = __syscall(SYS_dev_map, p->dev, bar, (long)off, (long)len);
	return va < 0 ? NULL : (void *)va;
}

static uint32_t rd32(void *ctx, uint32_t reg)
{
	struct pika_platform *p = ctx;
	return *(volatile uint32_t *)(p->bar0 + reg);
}

static void wr32(void *ctx, uint32_t reg, uint32_t v)
{
	struct pika_platform *p = ctx;
	*(volatile uint32_t *)(p->bar0 + reg) = v;
}

static void *dma_alloc(void *ctx, size_t len, uint64_t *phys)
{
	(void)ctx;
	long va = __syscall(SYS_dma_alloc, (long)len, (long)phys, 0, 0);
	return va < 0 ? NULL : (void *)va;
}

static int enable(void *ctx)
{
	struct pika_platform *p = ctx;
	return (int)__syscall(SYS_dev_ctl, p->dev, PIKA_DEV_ENABLE, 0, 0);
}

static int msix_enable(void *ctx)
{
	struct pika_platform *p = ctx;
	return (int)__syscall(SYS_dev_ctl, p->dev, PIKA_DEV_MSIX_ENABLE, 0, 0);
}

static int irq_attach(void *ctx, int entry)
{
	struct pika_platform *p = ctx;
	return (int)__syscall(SYS_irq_attach, p->dev, entry, 0, 0);
}

static uint64_t now_ns(void *ctx)
{
	(void)ctx;
	return pika_clock_ns();
}

static void delay_us(void *ctx, uint32_t us)
{
	uint64_t end = now_ns(ctx) + (uint64_t)us * 1000;
	while (now_ns(ctx) < end)
		__builtin_ia32_pause();
}

static void log_line(void *ctx, const char *msg)
{
	(void)ctx;
	printf("%s\n", msg);
}

void pika_platform_init(struct pika_platform *p, int dev, const struct pika_pci_dev *pci,
			struct nd_platform *out)
{
	p->dev = dev;
	p->bar0 = NULL;
	*out = (struct nd_platform){
		.ctx = p,
		.pci = pci,
		.dev = dev,
		.map_bar = map_bar,
		.rd32 = rd32,
		.wr32 = wr32,
		.dma_alloc = dma_alloc,
		.enable = enable,
		.msix_enable = msix_enable,
		.irq_attach = irq_attach,
		.now_ns = now_ns,
		.delay_us = delay_us,
		.log = log_line,
	};
	if (pci->bar[0].type == PIKA_BAR_MEM)
		p->bar0 = map_bar(p, 0, 0, pci->bar[0].size);
}
