/*
 * Host tests of the virtio-net data path (drivers/virtio/) against a
 * simulated device: the test plays the device on the rings in plain memory.
 * Covers capability parsing, receive (normal, runt, oversize, a completion
 * for a descriptor never posted), transmit with checksum offload, reclaim,
 * ring wrap, interrupt suppression, and VIRTIO_F_EVENT_IDX (notification
 * suppression both ways, across the 16-bit index wrap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/netdev.h"
#include "drivers/virtio/virtio.h"

/* ---- a fake platform: DMA memory is host memory, physical = virtual */
static uint8_t bar4[16384] __attribute__((aligned(4096)));

static void *map_bar(void *ctx, int bar, uint64_t off, uint64_t len)
{
	(void)ctx;
	return bar == 4 && off + len <= sizeof(bar4) ? bar4 + off : NULL;
}
static void *dma[16];
static int ndma;

static void *dma_alloc(void *ctx, size_t len, uint64_t *phys)
{
	(void)ctx;
	void *p = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
	dma[ndma++] = p;
	memset(p, 0, (len + 4095) & ~(size_t)4095);
	*phys = (uint64_t)(uintptr_t)p;
	return p;
}
static uint64_t now(void *ctx)
{
	(void)ctx;
	return 0;
}

static struct pika_pci_dev pci;
static struct netdev nd;
static struct netq q;
static struct netq_setup setup;

/* A vendor capability (virtio 1.1, 4.1.4) in the configuration snapshot. */
static void cap(uint8_t at, uint8_t next, uint8_t type, uint32_t off, uint32_t len)
{
	uint8_t *c = &pci.config[at];
	c[0] = 0x09;
	c[1] = next;
	c[2] = type == VIRTIO_CAP_NOTIFY ? 20 : 16;
	c[3] = type;
	c[4] = 4; /* BAR 4 */
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
	if (type == VIRTIO_CAP_NOTIFY) {
		uint32_t mult = 4;
		memcpy(c + 16, &mult, 4);
	}
}

static uint64_t features; /* what the control instance negotiated */

static int setup_dev(void **state)
{
	(void)state;
	memset(&pci, 0, sizeof(pci));
	memset(&nd, 0, sizeof(nd));
	memset(&q, 0, sizeof(q));
	pci.vendor = 0x1af4;
	pci.device = 0x1041;
	pci.config[0x06] = 0x10; /* capability list */
	pci.config[0x34] = 0x40;
	cap(0x40, 0x54, VIRTIO_CAP_COMMON, 0x0000, 0x1000);
	cap(0x54, 0x68, VIRTIO_CAP_DEVICE, 0x2000, 0x1000);
	cap(0x68, 0x00, VIRTIO_CAP_NOTIFY, 0x3000, 0x1000);
	nd.ops = &virtio_net_ops;
	nd.plat = (struct nd_platform){ .pci = &pci, .map_bar = map_bar, .dma_alloc = dma_alloc, .now_ns = now };
	nd.mtu = 1500;
	nd.tx_csum = true; /* as if the device offered VIRTIO_NET_F_CSUM */
	nd.features = features;
	q.nd = &nd;
	assert_true(virtio_net_ops.match(&pci));
	assert_int_equal(virtio_net_ops.attach(&nd), 0);
	assert_int_equal(virtio_net_ops.queue_init(&q, 1, 8, &setup), 0);
	setup.w[3] = 2 | 3 << 16; /* doorbell offsets, as the control instance would commit them */
	assert_int_equal(virtio_net_ops.queue_start(&q, &setup), 0);
	return 0;
}

static int teardown_dev(void **state)
{
	(void)state;
	free(q.priv); /* the driver's per-queue and per-device state are plain allocations */
	free(nd.priv);
	while (ndma)
		free(dma[--ndma]);
	return 0;
}

/* ---- the device's side of a ring */
struct ring {
	struct virtq_desc *desc;
	uint16_t *avail;
	uint8_t *used;
	uint16_t seen;
	uint16_t size;
};

static struct ring ring_at(uint64_t desc, uint16_t size)
{
	uint64_t avail, used;
	virtq_layout(size, desc, &avail, &used);
	struct ring r = { (void *)(uintptr_t)desc, (void *)(uintptr_t)avail, (void *)(uintptr_t)used, 0, size };
	return r;
}

static int avail_count(struct ring *r) { return (uint16_t)(r->avail[1] - r->seen); }

/* Takes the next available descriptor; returns its id. */
static uint16_t take(struct ring *r) { return r->avail[2 + (r->seen++ & (r->size - 1))]; }

static void complete(struct ring *r, uint32_t id, uint32_t len)
{
	uint16_t idx;
	memcpy(&idx, r->used + 2, 2);
	uint32_t e[2] = { id, len };
	memcpy(r->used + 4 + 8 * (idx & (r->size - 1)), e, 8);
	idx++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(r->used + 2, &idx, 2);
}

/* ---- buffers */
#define NB 16
static struct nd_buf bufs[NB];
static uint8_t mem[NB][2048];

static void post_all(void)
{
	struct nd_buf *p[NB];
	for (int i = 0; i < NB; i++) {
		memset(&bufs[i], 0, sizeof(bufs[i]));
		bufs[i].data = mem[i] + ND_HEADROOM;
		bufs[i].phys = (uint64_t)(uintptr_t)bufs[i].data;
		bufs[i].cap = 1900;
		p[i] = &bufs[i];
	}
	assert_int_equal(virtio_net_ops.rx_refill(&q, p, NB), 8); /* a ring of 8 takes 8 */
}

/* The device writes a frame of len bytes (header first) into descriptor id. */
static void deliver(struct ring *rx, uint16_t id, uint32_t len, uint8_t hdr_flags, uint8_t fill)
{
	struct virtq_desc *d = &rx->desc[id];
	uint8_t *p = (uint8_t *)(uintptr_t)d->addr;
	assert_true(d->flags & VIRTQ_DESC_F_WRITE);
	assert_true(len <= d->len);
	memset(p, 0, 12);
	p[0] = hdr_flags;
	memset(p + 12, fill, len > 12 ? len - 12 : 0);
	complete(rx, id, len);
}

static void doorbell_rung_on_refill(void **state)
{
	(void)state;
	uint16_t *db = (uint16_t *)(bar4 + 0x3000 + 2 * 4);
	*db = 0xffff;
	post_all();
	assert_int_equal(*db, 2); /* receive queue 2 of pair 1 */
	assert_int_equal(q.stats.doorbells_rx, 2); /* one at queue_start (posted before), one now */
}

static void receive_good_runt_oversize_and_stray(void **state)
{
	(void)state;
	post_all();
	struct ring rx = ring_at(setup.w[0], 8);
	assert_int_equal(avail_count(&rx), 8);
	uint16_t id[8];
	for (int i = 0; i < 8; i++)
		id[i] = take(&rx);
	deliver(&rx, id[0], 12 + 60, 2 /* DATA_VALID */, 0xA1);
	deliver(&rx, id[1], 12 + 10, 0, 0xA2);        /* shorter than an Ethernet header */
	deliver(&rx, id[2], 12 + 1600, 0, 0xA3);      /* more than 1500 + 18 */
	complete(&rx, 7777, 100);                      /* a descriptor never posted */
	deliver(&rx, id[3], 12 + 1518, 0, 0xA4);      /* the largest legal frame */
	struct nd_buf *got[8];
	int n = virtio_net_ops.rx_burst(&q, got, 8);
	assert_int_equal(n, 2);
	assert_int_equal(got[0]->len, 60);
	assert_true(got[0]->flags & ND_RX_CSUM_OK);
	assert_int_equal(((uint8_t *)got[0]->data)[59], 0xA1);
	assert_int_equal(got[1]->len, 1518);
	assert_int_equal(got[1]->flags & ND_RX_CSUM_OK, 0);
	assert_int_equal(q.stats.drops[ND_DROP_RUNT], 1);
	assert_int_equal(q.stats.drops[ND_DROP_OVERSIZE], 1);
	assert_int_equal(q.stats.drops[ND_DROP_BAD_COMPLETION], 1);
	assert_int_equal(q.stats.rx_packets, 2);
	/* the two dropped buffers went straight back to the device */
	assert_int_equal(avail_count(&rx), 2);
	assert_int_equal(virtio_net_ops.rx_burst(&q, got, 8), 0);
}

/* NEEDS_CSUM: the host left the TCP checksum partial (the pseudo-header sum
 * in place). The bytes never crossed a wire: the frame goes up as verified,
 * untouched (no summing of every byte); one whose offsets lie outside it is
 * dropped. */
static void receive_partial_checksum_accepted(void **state)
{
	(void)state;
	post_all();
	struct ring rx = ring_at(setup.w[0], 8);
	uint16_t id[2] = { take(&rx), take(&rx) };
	for (int i = 0; i < 2; i++) {
		deliver(&rx, id[i], 12 + 60, 1 /* NEEDS_CSUM */, 0xA5);
		uint8_t *p = (uint8_t *)(uintptr_t)rx.desc[id[i]].addr;
		p[6] = i == 0 ? 34 : 60; /* csum_start: the TCP header, or the frame's end */
		p[8] = 16;               /* csum_offset: TCP's checksum field */
		p[12 + 50] = 0x12;       /* the pseudo-header sum the host stored */
		p[12 + 51] = 0x34;
	}
	struct nd_buf *got[8];
	assert_int_equal(virtio_net_ops.rx_burst(&q, got, 8), 1);
	const uint8_t *f = got[0]->data;
	assert_int_equal(f[50], 0x12); /* left as the host wrote it */
	assert_int_equal(f[51], 0x34);
	assert_true(got[0]->flags & ND_RX_CSUM_OK);
	assert_int_equal(q.stats.drops[ND_DROP_DESC_ERROR], 1);
}

static void transmit_with_offload_and_reclaim(void **state)
{
	(void)state;
	struct ring tx = ring_at(setup.w[1], 8);
	for (int round = 0; round < 5; round++) { /* 5 x 6 frames: the ring of 8 wraps */
		struct nd_buf *p[6];
		for (int i = 0; i < 6; i++) {
			memset(&bufs[i], 0, sizeof(bufs[i]));
			bufs[i].data = mem[i] + ND_HEADROOM;
			bufs[i].phys = (uint64_t)(uintptr_t)bufs[i].data;
			bufs[i].len = (uint16_t)(60 + i);
			if (i == 1) {
				bufs[i].flags = ND_TX_CSUM;
				bufs[i].csum_start = 34;
				bufs[i].csum_offset = 16;
			}
			p[i] = &bufs[i];
		}
		assert_int_equal(virtio_net_ops.tx_burst(&q, p, 6), 6);
		assert_int_equal(avail_count(&tx), 0); /* the device sees them at tx_flush */
		virtio_net_ops.tx_flush(&q);
		assert_int_equal(avail_count(&tx), 6);
		for (int i = 0; i < 6; i++) {
			uint16_t d = take(&tx);
			assert_int_equal(tx.desc[d].len, 12 + 60 + i);
			assert_int_equal(tx.desc[d].flags & VIRTQ_DESC_F_WRITE, 0);
			uint8_t *h = (uint8_t *)(uintptr_t)tx.desc[d].addr;
			if (i == 1) {
				uint16_t start, off;
				memcpy(&start, h + 6, 2);
				memcpy(&off, h + 8, 2);
				assert_int_equal(h[0], 1 /* NEEDS_CSUM */);
				assert_int_equal(start, 34);
				assert_int_equal(off, 16);
			} else {
				assert_int_equal(h[0], 0);
			}
			complete(&tx, d, 0);
		}
		struct nd_buf *done[8];
		assert_int_equal(virtio_net_ops.tx_reclaim(&q, done, 8), 6);
		for (int i = 0; i < 6; i++)
			assert_ptr_equal(done[i], &bufs[i]);
	}
	assert_int_equal(q.stats.tx_packets, 30);
	/* a full ring takes only what fits */
	struct nd_buf *p[10];
	for (int i = 0; i < 10; i++) {
		bufs[i % NB].len = 60;
		p[i] = &bufs[i % NB];
	}
	assert_int_equal(virtio_net_ops.tx_burst(&q, p, 10), 8);
}

static void interrupt_suppression(void **state)
{
	(void)state;
	post_all();
	struct ring rx = ring_at(setup.w[0], 8);
	virtio_net_ops.irq_disable(&q);
	assert_int_equal(rx.avail[0], VIRTQ_AVAIL_F_NO_INTERRUPT);
	assert_false(virtio_net_ops.irq_enable(&q)); /* nothing pending: sleep */
	assert_int_equal(rx.avail[0], 0);
	deliver(&rx, take(&rx), 12 + 60, 0, 1);
	assert_true(virtio_net_ops.irq_enable(&q)); /* a frame came meanwhile: poll again */
	/* going to sleep rings no doorbell; rx_kick (another queue ran dry) does */
	uint16_t *db = (uint16_t *)(bar4 + 0x3000 + 2 * 4);
	*db = 0xffff;
	uint64_t before = q.stats.doorbells_rx;
	virtio_net_ops.irq_enable(&q);
	assert_int_equal(*db, 0xffff);
	assert_int_equal(q.stats.doorbells_rx, before);
	virtio_net_ops.rx_kick(&q);
	assert_int_equal(*db, 2);
	assert_int_equal(q.stats.rx_kicks, 1);
}

/* ---- EVENT_IDX (virtio 1.1, 2.6.7 and 2.6.10) */
static int setup_event_idx(void **state)
{
	features = 1ULL << VIRTIO_F_EVENT_IDX;
	int e = setup_dev(state);
	features = 0;
	return e;
}

/* The device side of the two event words. */
static void set_avail_event(struct ring *r, uint16_t v) { memcpy(r->used + 4 + 8 * r->size, &v, 2); }
static uint16_t used_event(struct ring *r) { return r->avail[2 + r->size]; }
static uint16_t used_idx(struct ring *r)
{
	uint16_t i;
	memcpy(&i, r->used + 2, 2);
	return i;
}

/* Sends n frames (buffers apart from the receive ones) and flushes;
 * returns whether the transmit doorbell rang. */
static struct nd_buf txb[8];
static uint8_t txmem[8][256];

static int send_n(int n)
{
	uint64_t before = q.stats.doorbells_tx;
	struct nd_buf *p[8];
	for (int i = 0; i < n; i++) {
		memset(&txb[i], 0, sizeof(txb[i]));
		txb[i].data = txmem[i] + ND_HEADROOM;
		txb[i].phys = (uint64_t)(uintptr_t)txb[i].data;
		txb[i].len = 60;
		p[i] = &txb[i];
	}
	assert_int_equal(virtio_net_ops.tx_burst(&q, p, n), n);
	virtio_net_ops.tx_flush(&q);
	return (int)(q.stats.doorbells_tx - before);
}

static void reclaim_all(struct ring *tx)
{
	while (avail_count(tx))
		complete(tx, take(tx), 0);
	struct nd_buf *done[8];
	while (virtio_net_ops.tx_reclaim(&q, done, 8) > 0)
		;
}

static void event_idx_suppresses_both_ways(void **state)
{
	(void)state;
	struct ring tx = ring_at(setup.w[1], 8), rx = ring_at(setup.w[0], 8);
	/* transmit: the device asks for a kick only past avail_event */
	set_avail_event(&tx, 0);
	assert_int_equal(send_n(3), 1);   /* idx 0 -> 3 passes 0 */
	set_avail_event(&tx, 9);          /* the device works on: kick me after index 9 */
	reclaim_all(&tx);
	assert_int_equal(send_n(3), 0);   /* 3 -> 6: not past 9 */
	reclaim_all(&tx);
	assert_int_equal(send_n(3), 0);   /* 6 -> 9: not yet */
	reclaim_all(&tx);
	assert_int_equal(send_n(2), 1);   /* 9 -> 11 passes 9 */
	assert_int_equal(q.stats.doorbells_tx, 2);
	/* no doorbell without new buffers */
	virtio_net_ops.tx_flush(&q);
	assert_int_equal(q.stats.doorbells_tx, 2);
	/* receive refill: a doorbell only when the device ran out and asked */
	post_all(); /* fills the ring: queue_start already told the device once */
	uint64_t rang = q.stats.doorbells_rx, starved = q.stats.rx_starved;
	set_avail_event(&rx, 100);
	struct nd_buf *got[8];
	deliver(&rx, take(&rx), 12 + 60, 0, 1);
	assert_int_equal(virtio_net_ops.rx_burst(&q, got, 8), 1);
	assert_int_equal(virtio_net_ops.rx_refill(&q, got, 1), 1);
	assert_int_equal(q.stats.doorbells_rx, rang);   /* the device did not ask */
	set_avail_event(&rx, (uint16_t)(rx.avail[1]));  /* it found the ring empty: wants the next */
	deliver(&rx, take(&rx), 12 + 60, 0, 1);
	assert_int_equal(virtio_net_ops.rx_burst(&q, got, 8), 1);
	assert_int_equal(virtio_net_ops.rx_refill(&q, got, 1), 1);
	assert_int_equal(q.stats.doorbells_rx, rang + 1);
	assert_int_equal(q.stats.rx_starved, starved + 1);
	/* receive interrupts: used_event says when */
	virtio_net_ops.irq_disable(&q);
	assert_int_equal(used_event(&rx), (uint16_t)(used_idx(&rx) + 0x8000));
	/* a completion now would not interrupt */
	assert_false(virtq_need_event(used_event(&rx), (uint16_t)(used_idx(&rx) + 1), used_idx(&rx)));
	assert_false(virtio_net_ops.irq_enable(&q));
	assert_int_equal(used_event(&rx), used_idx(&rx));
	/* ... and after irq_enable the next one does */
	assert_true(virtq_need_event(used_event(&rx), (uint16_t)(used_idx(&rx) + 1), used_idx(&rx)));
}

/* 70,000 frames through a ring of 8: the 16-bit indices wrap, and every
 * decision (kick, interrupt) stays right across the wrap. */
static void event_idx_no_stall_at_wrap(void **state)
{
	(void)state;
	struct ring tx = ring_at(setup.w[1], 8), rx = ring_at(setup.w[0], 8);
	post_all();
	struct nd_buf *got[8];
	for (uint32_t i = 0; i < 70000; i++) {
		/* transmit: a device that wants every kick gets every kick */
		set_avail_event(&tx, tx.avail[1]);
		assert_int_equal(send_n(1), 1);
		reclaim_all(&tx);
		/* receive: interrupts armed, one frame, it interrupts and arrives */
		assert_false(virtio_net_ops.irq_enable(&q));
		uint16_t old = used_idx(&rx);
		deliver(&rx, take(&rx), 12 + 60, 0, (uint8_t)i);
		assert_true(virtq_need_event(used_event(&rx), used_idx(&rx), old));
		virtio_net_ops.irq_disable(&q);
		assert_int_equal(virtio_net_ops.rx_burst(&q, got, 8), 1);
		assert_int_equal(((uint8_t *)got[0]->data)[0], (uint8_t)i);
		assert_int_equal(virtio_net_ops.rx_refill(&q, got, 1), 1);
	}
	assert_int_equal(q.stats.rx_packets, 70000);
	assert_int_equal(q.stats.doorbells_tx, 70000);
	assert_true(used_idx(&rx) == (uint16_t)70000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(doorbell_rung_on_refill, setup_dev, teardown_dev),
		cmocka_unit_test_setup_teardown(receive_good_runt_oversize_and_stray, setup_dev, teardown_dev),
		cmocka_unit_test_setup_teardown(receive_partial_checksum_accepted, setup_dev, teardown_dev),
		cmocka_unit_test_setup_teardown(transmit_with_offload_and_reclaim, setup_dev, teardown_dev),
		cmocka_unit_test_setup_teardown(interrupt_suppression, setup_dev, teardown_dev),
		cmocka_unit_test_setup_teardown(event_idx_suppresses_both_ways, setup_event_idx, teardown_dev),
		cmocka_unit_test_setup_teardown(event_idx_no_stall_at_wrap, setup_event_idx, teardown_dev),
	};
	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}
