/*
 * virtio_net.c - virtio-net (Virtio 1.1, 5.1) behind drivers/netdev.h.
 *
 * Queue pair i is receive queue 2i and transmit queue 2i+1; the control
 * queue (2 * max pairs) belongs to the control instance. The common
 * configuration (queue_select and friends) is device-wide, so the control
 * instance programs every queue (queue_commit) from the addresses the owning
 * core made (queue_init) and hands back each queue's doorbell offset; after
 * start, a core touches only its own queues' rings and doorbells.
 * MSI-X: entry 1 + 2i for receive queue i, 2 + 2i for transmit queue i.
 * Receive buffers get the 12-byte virtio-net header in their headroom.
 */
#include "drivers/netdev.h"
#include "drivers/virtio/virtio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_NET_DEVICE_MODERN 0x1041
#define VIRTIO_NET_DEVICE_LEGACY 0x1000

/* feature bits (5.1.3) */
#define F_CSUM 0
#define F_GUEST_CSUM 1
#define F_MAC 5
#define F_STATUS 16
#define F_CTRL_VQ 17
#define F_MQ 22
#define F_RSS 60

#define NET_HDR 12 /* struct virtio_net_hdr with num_buffers (5.1.6) */
#define HDR_F_NEEDS_CSUM 1
#define HDR_F_DATA_VALID 2

struct vnet_hdr {
	uint8_t flags, gso_type;
	uint16_t hdr_len, gso_size, csum_start, csum_offset, num_buffers;
} __attribute__((packed));

struct vnet_dev {
	struct virtio_pci vp;
	uint64_t features;
	struct virtq ctrl;
	uint8_t *ctrl_buf;
	uint64_t ctrl_phys;
	int ctrl_ready;
	int rss_max_key, rss_max_table;
};

struct vnet_q {
	struct virtq rx, tx;
};

static bool vnet_match(const struct pika_pci_dev *pci)
{
	if (pci->vendor != VIRTIO_VENDOR)
		return false;
	if (pci->device == VIRTIO_NET_DEVICE_MODERN)
		return true;
	/* a transitional device is driven through its modern interface */
	return pci->device == VIRTIO_NET_DEVICE_LEGACY && pci->subsys_id == 1;
}

static bool has(const struct vnet_dev *v, int bit) { return (v->features >> bit) & 1; }

static void log_msg(struct netdev *nd, const char *m)
{
	if (nd->plat.log)
		nd->plat.log(nd->plat.ctx, m);
}

static struct vnet_dev *dev_of(struct netdev *nd)
{
	if (!nd->priv) {
		nd->priv = calloc(1, sizeof(struct vnet_dev));
		if (nd->priv && virtio_pci_find(nd->plat.pci, &((struct vnet_dev *)nd->priv)->vp)) {
			free(nd->priv);
			nd->priv = NULL;
		}
	}
	return nd->priv;
}

static int setup_queue_regs(struct vnet_dev *v, uint16_t index, uint16_t size, uint64_t desc,
			    uint64_t avail, uint64_t used, uint16_t vector, uint16_t *notify_off)
{
	volatile struct virtio_common_cfg *c = v->vp.common;
	c->queue_select = index;
	if (c->queue_size == 0)
		return -ENODEV; /* no such queue */
	if (size > c->queue_size)
		return -EINVAL;
	c->queue_size = size;
	c->queue_desc = desc;
	c->queue_driver = avail;
	c->queue_device = used;
	c->queue_msix_vector = vector;
	if (vector != VIRTIO_NO_VECTOR && c->queue_msix_vector != vector)
		return -ENOSPC; /* the device could not take the vector (4.1.5.1.2) */
	*notify_off = c->queue_notify_off;
	c->queue_enable = 1;
	return 0;
}

/* ---- the control queue (5.1.6.5): class, command, data, then an ack byte */
static int ctrl_cmd(struct netdev *nd, uint8_t cls, uint8_t cmd, const void *data, uint32_t len)
{
	struct vnet_dev *v = nd->priv;
	if (!v->ctrl_ready || len > 1024)
		return -EOPNOTSUPP;
	uint8_t *b = v->ctrl_buf;
	b[0] = cls;
	b[1] = cmd;
	memcpy(b + 2, data, len);
	b[2 + len] = 0xFF;
	/* three descriptors chained: header and data readable, ack writable */
	struct virtq *q = &v->ctrl;
	if (q->nfree < 3)
		return -EBUSY;
	uint16_t d0 = q->free_head, d1 = q->desc[d0].next, d2 = q->desc[d1].next;
	q->free_head = q->desc[d2].next;
	q->nfree -= 3;
	q->desc[d0] = (struct virtq_desc){ v->ctrl_phys, 2, VIRTQ_DESC_F_NEXT, d1 };
	q->desc[d1] = (struct virtq_desc){ v->ctrl_phys + 2, len, VIRTQ_DESC_F_NEXT, d2 };
	q->desc[d2] = (struct virtq_desc){ v->ctrl_phys + 2 + len, 1, VIRTQ_DESC_F_WRITE, 0 };
	q->cookie[d0] = b;
	q->avail[2 + (q->avail_idx & (q->size - 1))] = d0;
	q->avail_idx++;
	virtq_kick(q);
	uint64_t end = nd->plat.now_ns(nd->plat.ctx) + 1000000000ULL;
	uint32_t wlen;
	bool bad;
	void *done;
	while (!(done = virtq_get(q, &wlen, &bad))) {
		if (bad || nd->plat.now_ns(nd->plat.ctx) > end)
			return -ETIMEDOUT;
	}
	/* return the other two descriptors of the chain to the free list */
	q->desc[d2].next = q->free_head;
	q->desc[d1].next = d2;
	q->free_head = d1;
	q->nfree += 2;
	return b[2 + len] == 0 ? 0 : -EIO;
}

static int vnet_init(struct netdev *nd)
{
	struct vnet_dev *v = dev_of(nd);
	if (!v)
		return -ENODEV;
	int e = nd->plat.enable(nd->plat.ctx);
	if (e)
		return e;
	if ((e = virtio_pci_map(&nd->plat, &v->vp, true, true)))
		return e;
	volatile struct virtio_common_cfg *c = v->vp.common;
	/* 3.1.1: reset, acknowledge, driver, features, features-ok */
	c->device_status = 0;
	uint64_t end = nd->plat.now_ns(nd->plat.ctx) + 1000000000ULL;
	while (c->device_status != 0)
		if (nd->plat.now_ns(nd->plat.ctx) > end)
			return -ETIMEDOUT;
	c->device_status = VIRTIO_ST_ACKNOWLEDGE;
	c->device_status = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER;
	uint64_t offered = 0;
	for (uint32_t sel = 0; sel < 2; sel++) {
		c->device_feature_select = sel;
		offered |= (uint64_t)c->device_feature << (32 * sel);
	}
	uint64_t want = (1ULL << VIRTIO_F_VERSION_1) | (1ULL << F_MAC) | (1ULL << F_STATUS) |
			(1ULL << F_CTRL_VQ) | (1ULL << F_MQ) | (1ULL << F_CSUM) | (1ULL << F_GUEST_CSUM) |
			(1ULL << F_RSS) | (1ULL << VIRTIO_F_EVENT_IDX);
	v->features = offered & want;
	if (!has(v, VIRTIO_F_VERSION_1)) {
		log_msg(nd, "virtio-net: the device has no modern (1.0) interface");
		c->device_status = VIRTIO_ST_FAILED;
		return -ENODEV;
	}
	for (uint32_t sel = 0; sel < 2; sel++) {
		c->driver_feature_select = sel;
		c->driver_feature = (uint32_t)(v->features >> (32 * sel));
	}
	c->device_status = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK;
	if (!(c->device_status & VIRTIO_ST_FEATURES_OK)) {
		c->device_status = VIRTIO_ST_FAILED;
		return -EIO;
	}
	/* device configuration (5.1.4) */
	volatile uint8_t *dc = v->vp.device;
	for (int i = 0; i < 6; i++)
		nd->mac[i] = has(v, F_MAC) ? dc[i] : (uint8_t)(i == 0 ? 0x52 : i);
	uint16_t pairs = 1;
	if (has(v, F_MQ))
		pairs = (uint16_t)(dc[8] | dc[9] << 8);
	if (has(v, F_RSS)) {
		v->rss_max_key = dc[17];
		v->rss_max_table = dc[18] | dc[19] << 8;
	}
	nd->max_queues = pairs ? pairs : 1;
	nd->mtu = 1500;
	nd->has_rss = has(v, F_RSS);
	nd->tx_csum = has(v, F_CSUM);
	nd->rx_csum = has(v, F_GUEST_CSUM);
	nd->features = v->features;
	c->msix_config = VIRTIO_NO_VECTOR;
	if (has(v, F_CTRL_VQ)) {
		uint16_t idx = (uint16_t)(2 * nd->max_queues), off;
		if ((e = virtq_alloc(&nd->plat, &v->ctrl, idx, 16)))
			return e;
		v->ctrl_buf = nd->plat.dma_alloc(nd->plat.ctx, 2048, &v->ctrl_phys);
		if (!v->ctrl_buf)
			return -ENOMEM;
		if ((e = setup_queue_regs(v, idx, 16, v->ctrl.desc_phys, v->ctrl.avail_phys, v->ctrl.used_phys,
					  VIRTIO_NO_VECTOR, &off)))
			return e;
		v->ctrl.doorbell = (volatile uint16_t *)(v->vp.notify + (uint32_t)off * v->vp.notify_mult);
		if (has(v, VIRTIO_F_EVENT_IDX))
			virtq_use_event_idx(&v->ctrl);
		virtq_irq(&v->ctrl, false);
		v->ctrl_ready = 1;
	}
	return nd->plat.msix_enable(nd->plat.ctx);
}

static int vnet_attach(struct netdev *nd)
{
	struct vnet_dev *v = dev_of(nd);
	if (!v)
		return -ENODEV;
	if (v->vp.notify)
		return 0; /* the control instance attached in init */
	return virtio_pci_map(&nd->plat, &v->vp, false, false);
}

/* setup words: 0 receive ring, 1 transmit ring (descriptor tables; the
 * other rings follow at fixed offsets, virtq_layout), 2 ring size | receive
 * MSI-X entry << 16 | transmit entry << 32; commit fills 3: receive doorbell
 * offset | transmit doorbell offset << 16. */
static int vnet_queue_init(struct netq *q, int qid, int ring_size, struct netq_setup *s)
{
	struct vnet_q *vq = calloc(1, sizeof(*vq));
	if (!vq)
		return -ENOMEM;
	int e = virtq_alloc(&q->nd->plat, &vq->rx, (uint16_t)(2 * qid), (uint16_t)ring_size);
	if (!e)
		e = virtq_alloc(&q->nd->plat, &vq->tx, (uint16_t)(2 * qid + 1), (uint16_t)ring_size);
	if (e) {
		free(vq);
		return e;
	}
	q->priv = vq;
	q->id = qid;
	q->msix_rx = 1 + 2 * qid;
	q->msix_tx = 2 + 2 * qid;
	if ((q->nd->features >> VIRTIO_F_EVENT_IDX) & 1) { /* the control instance negotiated it */
		virtq_use_event_idx(&vq->rx);
		virtq_use_event_idx(&vq->tx);
	}
	virtq_irq(&vq->tx, false); /* transmit completions are reaped while sending */
	memset(s, 0, sizeof(*s));
	s->qid = (uint32_t)qid;
	s->w[0] = vq->rx.desc_phys;
	s->w[1] = vq->tx.desc_phys;
	s->w[2] = (uint64_t)ring_size | (uint64_t)q->msix_rx << 16 | (uint64_t)q->msix_tx << 32;
	return 0;
}

static int vnet_queue_commit(struct netdev *nd, struct netq_setup *s)
{
	struct vnet_dev *v = nd->priv;
	if (!v || !v->vp.common || (int)s->qid >= nd->max_queues)
		return -EINVAL;
	uint16_t size = (uint16_t)s->w[2], rx_off = 0, tx_off = 0;
	uint16_t rx_vec = (uint16_t)(s->w[2] >> 16), tx_vec = (uint16_t)(s->w[2] >> 32);
	if (size == 0 || (size & (size - 1)))
		return -EINVAL;
	uint64_t avail, used;
	virtq_layout(size, s->w[0], &avail, &used);
	int e = setup_queue_regs(v, (uint16_t)(2 * s->qid), size, s->w[0], avail, used, rx_vec, &rx_off);
	if (e)
		return e;
	virtq_layout(size, s->w[1], &avail, &used);
	e = setup_queue_regs(v, (uint16_t)(2 * s->qid + 1), size, s->w[1], avail, used, tx_vec, &tx_off);
	s->w[3] = rx_off | (uint64_t)tx_off << 16;
	return e;
}

static int vnet_start(struct netdev *nd, int nqueues)
{
	struct vnet_dev *v = nd->priv;
	v->vp.common->device_status = VIRTIO_ST_ACKNOWLEDGE | VIRTIO_ST_DRIVER | VIRTIO_ST_FEATURES_OK |
				      VIRTIO_ST_DRIVER_OK;
	if (has(v, F_MQ) && nqueues > 1) {
		uint16_t n = (uint16_t)nqueues;
		int e = ctrl_cmd(nd, 4, 0, &n, 2); /* VIRTIO_NET_CTRL_MQ, VQ_PAIRS_SET */
		if (e)
			return e;
	}
	return 0;
}

static int vnet_link_up(struct netdev *nd)
{
	struct vnet_dev *v = nd->priv;
	if (!has(v, F_STATUS))
		return 1;
	return v->vp.device[6] & 1; /* VIRTIO_NET_S_LINK_UP */
}

static int vnet_set_rss(struct netdev *nd, const struct nd_rss *r)
{
	struct vnet_dev *v = nd->priv;
	if (!has(v, F_RSS))
		return -EOPNOTSUPP;
	if (r->key_len > v->rss_max_key || r->table_len > v->rss_max_table || r->table_len <= 0 ||
	    (r->table_len & (r->table_len - 1)))
		return -EINVAL;
	/* struct virtio_net_rss_config (5.1.6.5.7.1) */
	uint8_t b[4 + 2 + 2 + 2 * 128 + 2 + 1 + 40];
	uint32_t types = 1 | 2 | 4; /* IPv4, TCPv4, UDPv4 */
	uint16_t mask = (uint16_t)(r->table_len - 1), unclassified = 0, maxq = (uint16_t)nd->max_queues;
	size_t n = 0;
	memcpy(b + n, &types, 4), n += 4;
	memcpy(b + n, &mask, 2), n += 2;
	memcpy(b + n, &unclassified, 2), n += 2;
	memcpy(b + n, r->table, 2 * (size_t)r->table_len), n += 2 * (size_t)r->table_len;
	memcpy(b + n, &maxq, 2), n += 2;
	b[n++] = (uint8_t)r->key_len;
	memcpy(b + n, r->key, (size_t)r->key_len), n += (size_t)r->key_len;
	return ctrl_cmd(nd, 4, 1, b, (uint32_t)n); /* VIRTIO_NET_CTRL_MQ_RSS_CONFIG */
}

static int vnet_queue_start(struct netq *q, const struct netq_setup *s)
{
	struct vnet_q *vq = q->priv;
	struct vnet_dev *v = q->nd->priv;
	uint32_t rx_off = (uint16_t)s->w[3], tx_off = (uint16_t)(s->w[3] >> 16);
	vq->rx.doorbell = (volatile uint16_t *)(v->vp.notify + rx_off * v->vp.notify_mult);
	vq->tx.doorbell = (volatile uint16_t *)(v->vp.notify + tx_off * v->vp.notify_mult);
	vq->rx.published = (uint16_t)(vq->rx.avail_idx - 1); /* the buffers posted before the start: always tell */
	if (virtq_kick(&vq->rx))
		q->stats.doorbells_rx++;
	return 0;
}

/* A doorbell the device asked for on refill means it found the ring empty
 * (QEMU asks only then): counted in rx_starved, so netd can restart the
 * other queues (see vnet_rx_kick). */
static void rx_publish(struct netq *q, struct vnet_q *vq)
{
	if (vq->rx.doorbell && virtq_kick(&vq->rx)) {
		q->stats.doorbells_rx++;
		q->stats.rx_starved++;
	}
}

static int vnet_rx_space(struct netq *q)
{
	struct vnet_q *vq = q->priv;
	return vq->rx.nfree;
}

static int vnet_rx_refill(struct netq *q, struct nd_buf **bufs, int n)
{
	struct vnet_q *vq = q->priv;
	int k = 0;
	for (; k < n; k++) {
		struct nd_buf *b = bufs[k];
		if (!virtq_add(&vq->rx, b->phys - NET_HDR, (uint32_t)b->cap + NET_HDR, true, b))
			break;
	}
	if (k)
		rx_publish(q, vq);
	return k;
}


/* A frame with VIRTIO_NET_HDR_F_NEEDS_CSUM (virtio 1.1 5.1.6.4): the host's
 * stack left the L4 checksum partial (the pseudo-header sum stored at
 * start + off). The data never crossed a wire, so it is good: the frame is
 * handed up as checksum-verified without summing it (netd passes the fact
 * on when it forwards the frame to another core). False when the offsets
 * lie outside the frame. */
static bool csum_partial_ok(uint32_t len, uint16_t start, uint16_t off)
{
	return (uint32_t)start + off + 2 <= len;
}

static int vnet_rx_burst(struct netq *q, struct nd_buf **bufs, int n)
{
	struct vnet_q *vq = q->priv;
	int k = 0, requeued = 0;
	q->stats.polls++;
	while (k < n) {
		uint32_t len;
		bool bad;
		struct nd_buf *b = virtq_get(&vq->rx, &len, &bad);
		if (!b) {
			if (bad) {
				q->stats.drops[ND_DROP_BAD_COMPLETION]++;
				continue;
			}
			break;
		}
		const struct vnet_hdr *h = (const void *)((uint8_t *)b->data - NET_HDR);
		if (len < NET_HDR + 14) {
			q->stats.drops[ND_DROP_RUNT]++;
		} else if (len > (uint32_t)b->cap + NET_HDR || len - NET_HDR > (uint32_t)q->nd->mtu + 18) {
			/* longer than the buffer, or than the MTU allows (+ Ethernet header, VLAN tag, FCS) */
			q->stats.drops[ND_DROP_OVERSIZE]++;
		} else if ((h->flags & HDR_F_NEEDS_CSUM) && !csum_partial_ok(len - NET_HDR, h->csum_start, h->csum_offset)) {
			q->stats.drops[ND_DROP_DESC_ERROR]++; /* checksum offsets outside the frame */
		} else {
			b->len = (uint16_t)(len - NET_HDR);
			b->flags = (h->flags & (HDR_F_DATA_VALID | HDR_F_NEEDS_CSUM)) ? ND_RX_CSUM_OK : 0;
			q->stats.rx_packets++;
			q->stats.rx_bytes += b->len;
			bufs[k++] = b;
			continue;
		}
		/* a dropped frame's buffer goes straight back to the device */
		requeued += virtq_add(&vq->rx, b->phys - NET_HDR, (uint32_t)b->cap + NET_HDR, true, b);
	}
	if (requeued)
		rx_publish(q, vq);
	return k;
}

static int vnet_tx_burst(struct netq *q, struct nd_buf **bufs, int n)
{
	struct vnet_q *vq = q->priv;
	int k = 0;
	for (; k < n; k++) {
		struct nd_buf *b = bufs[k];
		struct vnet_hdr *h = (void *)((uint8_t *)b->data - NET_HDR);
		memset(h, 0, sizeof(*h));
		if ((b->flags & ND_TX_CSUM) && q->nd->tx_csum) {
			h->flags = HDR_F_NEEDS_CSUM;
			h->csum_start = b->csum_start;
			h->csum_offset = b->csum_offset;
		}
		if (!virtq_add(&vq->tx, b->phys - NET_HDR, (uint32_t)b->len + NET_HDR, false, b))
			break;
		q->stats.tx_packets++;
		q->stats.tx_bytes += b->len;
	}
	return k; /* the device sees them at tx_flush */
}

/* Publishes what tx_burst posted, with at most one doorbell (none while the
 * device is still working through the ring: EVENT_IDX). */
static void vnet_tx_flush(struct netq *q)
{
	struct vnet_q *vq = q->priv;
	if (virtq_kick(&vq->tx))
		q->stats.doorbells_tx++;
}

static int vnet_tx_reclaim(struct netq *q, struct nd_buf **bufs, int n)
{
	struct vnet_q *vq = q->priv;
	int k = 0;
	while (k < n) {
		uint32_t len;
		bool bad;
		struct nd_buf *b = virtq_get(&vq->tx, &len, &bad);
		if (!b) {
			if (bad) {
				q->stats.drops[ND_DROP_BAD_COMPLETION]++;
				continue;
			}
			break;
		}
		bufs[k++] = b;
	}
	return k;
}

/* Before the owner sleeps: the receive interrupt on for the next frame. */
static bool vnet_irq_enable(struct netq *q)
{
	struct vnet_q *vq = q->priv;
	virtq_irq(&vq->rx, true);
	return virtq_pending(&vq->rx); /* it came in before the flag: poll again */
}

/* The receive doorbell without new buffers, when another queue of the
 * device ran dry. QEMU's software RSS hands a frame read from tap queue k to
 * queue j; when j has no buffers the frame waits on tap queue k, which stops
 * reading, and QEMU retries only when receive queue k is notified. So the
 * netd whose queue ran dry (rx_starved) asks every other netd to ring once. */
static void vnet_rx_kick(struct netq *q)
{
	struct vnet_q *vq = q->priv;
	if (vq->rx.doorbell) {
		*vq->rx.doorbell = vq->rx.index;
		q->stats.doorbells_rx++;
		q->stats.rx_kicks++;
	}
}

static void vnet_irq_disable(struct netq *q)
{
	struct vnet_q *vq = q->priv;
	virtq_irq(&vq->rx, false);
}

const struct netdev_ops virtio_net_ops = {
	.name = "virtio-net",
	.match = vnet_match,
	.init = vnet_init,
	.queue_commit = vnet_queue_commit,
	.start = vnet_start,
	.link_up = vnet_link_up,
	.set_rss = vnet_set_rss,
	.attach = vnet_attach,
	.queue_init = vnet_queue_init,
	.queue_start = vnet_queue_start,
	.rx_space = vnet_rx_space,
	.rx_refill = vnet_rx_refill,
	.rx_burst = vnet_rx_burst,
	.rx_kick = vnet_rx_kick,
	.tx_burst = vnet_tx_burst,
	.tx_flush = vnet_tx_flush,
	.tx_reclaim = vnet_tx_reclaim,
	.irq_enable = vnet_irq_enable,
	.irq_disable = vnet_irq_disable,
};
