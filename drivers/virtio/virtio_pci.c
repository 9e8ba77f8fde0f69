/* virtio_pci.c - the PCI transport (Virtio 1.1, 4.1.4: virtio structure PCI capabilities). */
#include "drivers/virtio/virtio.h"

#include <errno.h>
#include <string.h>

#define PCI_CAP_VENDOR 0x09

int virtio_pci_find(const struct pika_pci_dev *pci, struct virtio_pci *vp)
{
	memset(vp, 0, sizeof(*vp));
	const uint8_t *c = pci->config;
	if (!(c[0x06] & 0x10))
		return -ENODEV;
	uint8_t p = c[0x34] & 0xFC;
	for (int guard = 0; p && p < 0xF0 && guard < 48; guard++) {
		if (c[p] == PCI_CAP_VENDOR && c[p + 2] >= 16) {
			uint8_t type = c[p + 3];
			if (type >= 1 && type <= 4 && !vp->loc[type].found) {
				vp->loc[type].found = true;
				vp->loc[type].bar = c[p + 4];
				memcpy(&vp->loc[type].offset, &c[p + 8], 4);
				memcpy(&vp->loc[type].length, &c[p + 12], 4);
				if (type == VIRTIO_CAP_NOTIFY && c[p + 2] >= 20)
					memcpy(&vp->notify_mult, &c[p + 16], 4);
			}
		}
		p = c[p + 1] & 0xFC;
	}
	if (!vp->loc[VIRTIO_CAP_COMMON].found || !vp->loc[VIRTIO_CAP_NOTIFY].found)
		return -ENODEV;
	return 0;
}

static void *map(struct nd_platform *p, const struct virtio_pci_loc *l)
{
	return l->found ? p->map_bar(p->ctx, l->bar, l->offset, l->length) : NULL;
}

int virtio_pci_map(struct nd_platform *p, struct virtio_pci *vp, bool common, bool device)
{
	vp->notify = map(p, &vp->loc[VIRTIO_CAP_NOTIFY]);
	if (common)
		vp->common = map(p, &vp->loc[VIRTIO_CAP_COMMON]);
	if (device)
		vp->device = map(p, &vp->loc[VIRTIO_CAP_DEVICE]);
	if (!vp->notify || (common && !vp->common) || (device && !vp->device))
		return -ENOMEM;
	return 0;
}
