/*
 * virtio.h - virtio 1.x over PCI, modern interface only (Virtio 1.1,
 * sections 2 (basic facilities), 4.1 (PCI transport)).
 */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/platform.h"

#define VIRTIO_VENDOR 0x1AF4

/* device status (2.1) */
#define VIRTIO_ST_ACKNOWLEDGE 1
#define VIRTIO_ST_DRIVER 2
#define VIRTIO_ST_DRIVER_OK 4
#define VIRTIO_ST_FEATURES_OK 8
#define VIRTIO_ST_NEEDS_RESET 64
#define VIRTIO_ST_FAILED 128

#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_NO_VECTOR 0xFFFF

/* PCI capability cfg_type (4.1.4) */
enum { VIRTIO_CAP_COMMON = 1, VIRTIO_CAP_NOTIFY = 2, VIRTIO_CAP_ISR = 3, VIRTIO_CAP_DEVICE = 4 };

/* common configuration structure (4.1.4.3) */
struct virtio_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
} __attribute__((packed));

/* where the structures are: one per cfg_type, from the vendor capabilities */
struct virtio_pci_loc {
	bool found;
	uint8_t bar;
	uint32_t offset, length;
};

struct virtio_pci {
	struct virtio_pci_loc loc[5];
	uint32_t notify_mult;
	volatile struct virtio_common_cfg *common; /* control instance only */
	volatile uint8_t *notify;
	volatile uint8_t *device;
};

/* Finds the structures in the configuration snapshot. 0 or -ENODEV. */
int virtio_pci_find(const struct pika_pci_dev *pci, struct virtio_pci *vp);
/* Maps the structures this instance needs. */
int virtio_pci_map(struct nd_platform *p, struct virtio_pci *vp, bool common, bool device);

/* ---- split virtqueues (2.6) */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq {
	uint16_t size, index;         /* ring entries; queue number in the device */
	struct virtq_desc *desc;
	volatile uint16_t *avail;     /* flags, idx, ring[size], used_event */
	volatile uint16_t *used_hdr;  /* flags, idx */
	volatile struct virtq_used_elem *used;
	uint64_t desc_phys, avail_phys, used_phys;
	uint16_t free_head, nfree;
	uint16_t avail_idx;           /* next avail slot (our copy) */
	uint16_t published;           /* avail idx the device has seen (the last kick point) */
	uint16_t last_used;           /* next used entry to look at */
	bool event_idx;               /* VIRTIO_F_EVENT_IDX negotiated (2.6.7, 2.6.10) */
	volatile uint16_t *used_event; /* avail ring's last word: interrupt me when used idx passes it */
	volatile uint16_t *avail_event; /* used ring's last word: the device wants a kick past it */
	volatile uint16_t *doorbell;
	void **cookie;                /* per descriptor: what the caller posted */
	uint64_t kicks, kicks_saved;  /* doorbells rung; publications that needed none */
};

/* Where the available and used rings of a queue of size entries starting at
 * desc lie (the layout virtq_alloc makes). */
void virtq_layout(uint16_t size, uint64_t desc, uint64_t *avail, uint64_t *used);
/* Allocates and lays out a queue of size entries (a power of two). */
int virtq_alloc(struct nd_platform *p, struct virtq *vq, uint16_t index, uint16_t size);
/* Posts one buffer (device-writable when write); false when full. */
bool virtq_add(struct virtq *vq, uint64_t phys, uint32_t len, bool write, void *cookie);
/* Makes the posted buffers visible and rings the doorbell once, unless
 * nothing new was posted since the last call or the device said it needs
 * no notification (VIRTQ_USED_F_NO_NOTIFY, or with EVENT_IDX its
 * avail_event not passed). Returns true when it rang. */
bool virtq_kick(struct virtq *vq);
/* EVENT_IDX from now on (both sides negotiated it). */
void virtq_use_event_idx(struct virtq *vq);
/* The next buffer the device is done with: its cookie and written length,
 * or NULL. Sets *bad when the device returned an id that was never posted. */
void *virtq_get(struct virtq *vq, uint32_t *len, bool *bad);
bool virtq_pending(const struct virtq *vq);
/* Interrupts for used buffers on or off (the flag, or with EVENT_IDX the
 * used_event index: on = interrupt for the next completion). */
void virtq_irq(struct virtq *vq, bool on);
/* The event-index test of virtio 1.1 2.6.7.2: did the index moving from
 * old to new pass event? */
static inline bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

#endif
