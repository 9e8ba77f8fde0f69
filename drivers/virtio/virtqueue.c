/*
 * virtqueue.c - split virtqueues (Virtio 1.1, 2.6). One owner per queue; the
 * only sharing is with the device, ordered by explicit barriers: descriptors
 * and ring entries are written before the index that publishes them, and the
 * index before the doorbell / the read of the device's no-notify flag.
 */
#include "drivers/virtio/virtio.h"

#include <errno.h>
#include <string.h>

#define WMB() __atomic_thread_fence(__ATOMIC_RELEASE)
#define RMB() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static size_t used_offset(uint16_t size)
{
	size_t desc = (size_t)size * 16, avail = 6 + 2 * (size_t)size;
	return (desc + avail + 4095) & ~(size_t)4095; /* the used ring on its own page */
}

void virtq_layout(uint16_t size, uint64_t desc, uint64_t *avail, uint64_t *used)
{
	*avail = desc + (uint64_t)size * 16;
	*used = desc + used_offset(size);
}

int virtq_alloc(struct nd_platform *p, struct virtq *vq, uint16_t index, uint16_t size)
{
	if (size == 0 || (size & (size - 1)))
		return -EINVAL;
	memset(vq, 0, sizeof(*vq));
	size_t desc = (size_t)size * 16;
	size_t used_off = used_offset(size);
	size_t total = used_off + 6 + 8 * (size_t)size + 16 + (size_t)size * sizeof(void *);
	uint64_t phys;
	uint8_t *m = p->dma_alloc(p->ctx, total, &phys);
	if (!m)
		return -ENOMEM;
	vq->size = size;
	vq->index = index;
	vq->desc = (struct virtq_desc *)m;
	vq->avail = (volatile uint16_t *)(m + desc);
	vq->used_hdr = (volatile uint16_t *)(m + used_off);
	vq->used = (volatile struct virtq_used_elem *)(m + used_off + 4);
	vq->cookie = (void **)(m + used_off + 6 + 8 * (size_t)size + 2); /* past used_event... aligned below */
	vq->cookie = (void **)(((uintptr_t)vq->cookie + 7) & ~(uintptr_t)7);
	vq->desc_phys = phys;
	vq->avail_phys = phys + desc;
	vq->used_phys = phys + used_off;
	for (uint16_t i = 0; i < size; i++)
		vq->desc[i].next = (uint16_t)(i + 1);
	vq->free_head = 0;
	vq->nfree = size;
	vq->used_event = &vq->avail[2 + size];
	vq->avail_event = (volatile uint16_t *)((volatile uint8_t *)vq->used + 8 * (size_t)size);
	return 0;
}

void virtq_use_event_idx(struct virtq *vq) { vq->event_idx = true; }

bool virtq_add(struct virtq *vq, uint64_t phys, uint32_t len, bool write, void *cookie)
{
	if (!vq->nfree)
		return false;
	uint16_t d = vq->free_head;
	vq->free_head = vq->desc[d].next;
	vq->nfree--;
	vq->desc[d].addr = phys;
	vq->desc[d].len = len;
	vq->desc[d].flags = write ? VIRTQ_DESC_F_WRITE : 0;
	vq->cookie[d] = cookie;
	vq->avail[2 + (vq->avail_idx & (vq->size - 1))] = d; /* ring[avail_idx % size] */
	vq->avail_idx++;
	return true;
}

bool virtq_kick(struct virtq *vq)
{
	uint16_t old = vq->published, now = vq->avail_idx;
	if (old == now)
		return false; /* nothing new: no doorbell */
	WMB(); /* descriptors and ring entries before the index */
	vq->avail[1] = now;
	vq->published = now;
	MB(); /* the index before we read whether the device wants a notification */
	bool want = vq->event_idx ? virtq_need_event(*vq->avail_event, now, old)
				  : !(vq->used_hdr[0] & VIRTQ_USED_F_NO_NOTIFY);
	if (!want || !vq->doorbell) {
		vq->kicks_saved++;
		return false;
	}
	*vq->doorbell = vq->index;
	vq->kicks++;
	return true;
}

bool virtq_pending(const struct virtq *vq) { return vq->used_hdr[1] != vq->last_used; }

void *virtq_get(struct virtq *vq, uint32_t *len, bool *bad)
{
	*bad = false;
	if (vq->used_hdr[1] == vq->last_used)
		return NULL;
	RMB(); /* the index before the entry it covers */
	volatile struct virtq_used_elem *e = &vq->used[vq->last_used & (vq->size - 1)];
	uint32_t id = e->id;
	*len = e->len;
	vq->last_used++;
	if (id >= vq->size || !vq->cookie[id]) { /* the device names a descriptor we never posted */
		*bad = true;
		return NULL;
	}
	void *c = vq->cookie[id];
	vq->cookie[id] = NULL;
	vq->desc[id].next = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->nfree++;
	return c;
}

void virtq_irq(struct virtq *vq, bool on)
{
	vq->avail[0] = on ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
	/* EVENT_IDX (2.6.10): the device interrupts when its used index
	 * passes used_event. On: at the next completion. Off: half the index
	 * space ahead, which polling never lets it reach before the next
	 * change (and if it did, one spurious interrupt). */
	if (vq->event_idx)
		*vq->used_event = on ? vq->last_used : (uint16_t)(vq->last_used + 0x8000);
	MB();
}
