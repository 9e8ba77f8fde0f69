/* platform_pikaos.h - the nd_platform of a pikaos user-level driver. */
#ifndef DRIVERS_PLATFORM_PIKAOS_H
#define DRIVERS_PLATFORM_PIKAOS_H

#include "drivers/platform.h"

struct pika_platform {
	int dev;
	volatile uint8_t *bar0; /* BAR 0 mapped (for rd32/wr32), when it is memory */
};

/* Fills *out for device index dev (the process must hold the monitor's grant). */
void pika_platform_init(struct pika_platform *p, int dev, const struct pika_pci_dev *pci,
			struct nd_platform *out);

#endif
