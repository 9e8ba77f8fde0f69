/* netdev.c - the driver table and names shared by every driver. */
#include "drivers/netdev.h"

#include <stddef.h>

const char *const nd_drop_names[ND_DROP_MAX] = {
	[ND_DROP_RUNT] = "runt",
	[ND_DROP_OVERSIZE] = "oversize",
	[ND_DROP_DESC_ERROR] = "descriptor_error",
	[ND_DROP_BAD_COMPLETION] = "bad_completion",
	[ND_DROP_TX_FULL] = "tx_ring_full",
	[ND_DROP_CSUM] = "bad_checksum",
};

static const struct netdev_ops *const drivers[] = {
	&virtio_net_ops,
	&ixgbe_ops,
};

const struct netdev_ops *netdev_find(const struct pika_pci_dev *pci)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i]->match(pci))
			return drivers[i];
	return NULL;
}
