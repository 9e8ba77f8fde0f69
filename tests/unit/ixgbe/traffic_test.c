/*
 * traffic_test - 100,000 frames through 16 queues with small rings (each
 * wraps hundreds of times): every frame lands where RSS says it should, every
 * byte arrives intact, hash and checksum flags are right, buffers come back.
 * Transmit: frames from every queue reach the wire byte for byte, checksum
 * offload fills in correct checksums, and buffers come back only once the
 * device wrote their descriptor back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/toeplitz.h"
#include "tests/unit/ixgbe/rig.h"

#define NQ 16
#define RING 128
#define FRAMES 100000

struct sent {
	uint32_t sip, dip, seed;
	uint16_t sport, dport, plen;
	bool udp;
};

struct fifo {
	struct sent e[RING];
	int head, count;
};

static size_t build(struct rig *r, uint8_t *out, const struct sent *s)
{
	return s->udp ? rig_udp(r, out, s->sip, s->dip, s->sport, s->dport, s->plen, s->seed)
		      : rig_tcp(r, out, s->sip, s->dip, s->sport, s->dport, s->plen, s->seed);
}

static uint64_t drain(struct rig *r, int q, struct fifo *f, const struct nd_rss *rss)
{
	struct nd_buf *got[32];
	uint8_t want[2048];
	uint64_t n = 0;
	for (;;) {
		int k = r->ctl.ops->rx_burst(&r->q[q], got, 32);
		for (int i = 0; i < k; i++) {
			assert_true(f->count > 0);
			struct sent *s = &f->e[f->head];
			f->head = (f->head + 1) % RING;
			f->count--;
			size_t len = build(r, want, s);
			assert_int_equal(got[i]->len, len);
			assert_memory_equal(got[i]->data, want, len);
			/* the RSS hash of the 4-tuple (TCP) or the addresses (UDP: MRQC has no UDP field) */
			assert_true(got[i]->flags & ND_RX_HASH);
			uint32_t h = s->udp ? toeplitz_ipv4(rss->key, 40, s->sip, s->dip)
					    : toeplitz_ipv4_l4(rss->key, 40, s->sip, s->dip, s->sport, s->dport);
			assert_int_equal(got[i]->hash, h);
			assert_true(got[i]->flags & ND_RX_CSUM_OK);
			rig_put(r, got[i]);
			n++;
		}
		rig_refill(r, q);
		if (k < 32)
			return n;
	}
}

static void rx_100k(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, RING, NULL);
	struct ixgbe_dev *d = r.ctl.priv;
	const struct nd_rss *rss = &d->rss;
	static struct fifo fifo[NQ];
	memset(fifo, 0, sizeof(fifo));
	uint64_t rnd = 0x1234567887654321ull, received = 0;
	uint8_t frame[2048];
	int per_q[NQ] = {0};
	for (uint32_t i = 0; i < FRAMES; i++) {
		struct sent s = {
			.sip = IP(10, 1, 0, 0) | (rig_rand(&rnd) & 0xFFFF),
			.dip = IP(10, 0, 0, 1),
			.sport = (uint16_t)(1024 + rig_rand(&rnd) % 60000),
			.dport = (uint16_t)(rig_rand(&rnd) & 1 ? 80 : 443),
			.plen = (uint16_t)(rig_rand(&rnd) % 1400),
			.seed = i,
			.udp = (i % 7) == 3,
		};
		size_t len = build(&r, frame, &s);
		int want = s.udp ? rss->table[toeplitz_ipv4(rss->key, 40, s.sip, s.dip) & 127]
				 : ixgbe_rss_queue(rss, s.sip, s.dip, s.sport, s.dport);
		int q = ixm_rx_frame(r.m, frame, len);
		if (q != want)
			fail_msg("frame %u: queue %d, RSS says %d (%s)", i, q, want, ixm_drop_reason(r.m));
		struct fifo *f = &fifo[q];
		f->e[(f->head + f->count) % RING] = s;
		f->count++;
		per_q[q]++;
		/* the owning core polls when its ring is getting full */
		if (f->count >= RING - 16)
			received += drain(&r, q, f, rss);
	}
	for (int q = 0; q < NQ; q++) {
		received += drain(&r, q, &fifo[q], rss);
		assert_int_equal(fifo[q].count, 0);
		assert_true(per_q[q] > FRAMES / NQ / 2); /* RSS spreads the flows */
		for (int k = 0; k < ND_DROP_MAX; k++)
			assert_int_equal(r.q[q].stats.drops[k], 0);
		/* tail written once per burst, not once per frame */
		assert_true(r.q[q].stats.doorbells_rx < (uint64_t)per_q[q] / 4);
	}
	assert_int_equal(received, FRAMES);
	/* the device's counters agree */
	const struct ixgbe_hw_stats *hs = ixgbe_hw_stats(&r.ctl);
	assert_int_equal(hs->rx_packets, FRAMES);
	assert_int_equal(hs->rx_total, FRAMES);
	uint64_t qsum = 0, bytes = 0;
	for (int k = 0; k < IXGBE_QSTAT_INDEXES; k++) {
		qsum += hs->q_rx[k];
		assert_int_equal(hs->q_rx[k], (uint64_t)per_q[k]); /* queue q counts at index q */
		assert_int_equal(hs->q_rx_dropped[k], 0);
	}
	for (int q = 0; q < NQ; q++)
		bytes += r.q[q].stats.rx_bytes;
	assert_int_equal(qsum, FRAMES);
	assert_int_equal(hs->rx_bytes, bytes);
	assert_int_equal(ixgbe_hw_stats(&r.ctl)->rx_packets, FRAMES); /* read-clear, accumulated */
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* transmit from every queue; checksum offload on half the frames */
static void tx_all_queues(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, RING, NULL);
	uint64_t rnd = 77;
	uint8_t want[2048], got[2048];
	for (int round = 0; round < 40; round++) {
		for (int q = 0; q < NQ; q++) {
			struct nd_buf *b[24];
			struct sent s[24];
			int n = 1 + (int)(rig_rand(&rnd) % 24);
			for (int i = 0; i < n; i++) {
				s[i] = (struct sent){.sip = IP(10, 0, 0, 1), .dip = IP(10, 2, 0, (uint8_t)q),
						     .sport = (uint16_t)(30000 + i), .dport = 80,
						     .plen = (uint16_t)(rig_rand(&rnd) % 1400),
						     .seed = (uint32_t)(round * 1000 + q * 50 + i), .udp = (i % 3) == 2};
				b[i] = rig_buf(&r);
				size_t len = build(&r, b[i]->data, &s[i]);
				b[i]->len = (uint16_t)len;
				if (i % 2) {
					/* leave the L4 checksum to the device: the field
					 * holds the pseudo-header sum; the IPv4 one too */
					uint8_t *fr = b[i]->data;
					size_t l4 = 34, field = l4 + (s[i].udp ? 6 : 16);
					uint16_t ps = rig_csum(NULL, 0, rig_pseudo(fr, len));
					fr[field] = (uint8_t)(ps >> 8), fr[field + 1] = (uint8_t)ps;
					fr[24] = fr[25] = 0;
					b[i]->flags = ND_TX_CSUM;
					b[i]->csum_start = (uint16_t)l4;
					b[i]->csum_offset = s[i].udp ? 6 : 16;
				}
			}
			assert_int_equal(r.ctl.ops->tx_burst(&r.q[q], b, n), n);
			for (int i = 0; i < n; i++) {
				int wq = -1;
				size_t len = ixm_tx_pop(r.m, &wq, got, sizeof(got));
				size_t wl = build(&r, want, &s[i]);
				assert_int_equal(wq, q);
				assert_int_equal(len, wl);
				assert_memory_equal(got, want, wl);
				assert_true(rig_csum_ok(got, len));
			}
			/* every buffer comes back, in order */
			struct nd_buf *back[32];
			assert_int_equal(r.ctl.ops->tx_reclaim(&r.q[q], back, 32), n);
			for (int i = 0; i < n; i++) {
				assert_ptr_equal(back[i], b[i]);
				rig_put(&r, back[i]);
			}
		}
	}
	assert_int_equal(ixm_tx_count(r.m), 0);
	const struct ixgbe_hw_stats *hs = ixgbe_hw_stats(&r.ctl);
	uint64_t sent = 0, bytes = 0;
	for (int q = 0; q < NQ; q++) {
		sent += r.q[q].stats.tx_packets;
		bytes += r.q[q].stats.tx_bytes;
		assert_int_equal(hs->q_tx[q], r.q[q].stats.tx_packets);
	}
	assert_int_equal(hs->tx_packets, sent);
	assert_int_equal(hs->tx_bytes, bytes);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* a buffer is handed back only when its descriptor reads DD; the ring
 * fills up and refuses frames rather than overwrite in-flight ones */
static void tx_writeback_honoured(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 32, NULL);
	struct netq *q = &r.q[1];
	struct ixgbe_queue *x = q->priv;
	struct nd_buf *b[40], *back[40];
	for (int i = 0; i < 40; i++) {
		b[i] = rig_buf(&r);
		b[i]->len = (uint16_t)rig_udp(&r, b[i]->data, IP(10, 0, 0, 1), IP(10, 0, 0, 2), 9, 9, 100, (uint32_t)i);
	}
	/* 31 fit a 32-descriptor ring */
	assert_int_equal(r.ctl.ops->tx_burst(q, b, 40), 31);
	assert_int_equal(q->stats.drops[ND_DROP_TX_FULL], 9);
	/* pretend the device has not finished the 4th: reclaim stops there */
	x->tx[3].wb.status = 0;
	assert_int_equal(r.ctl.ops->tx_reclaim(q, back, 40), 3);
	assert_int_equal(r.ctl.ops->tx_reclaim(q, back, 40), 0);
	x->tx[3].wb.status = IXGBE_TXD_STAT_DD;
	assert_int_equal(r.ctl.ops->tx_reclaim(q, back, 40), 28);
	assert_ptr_equal(back[0], b[3]);
	assert_ptr_equal(back[27], b[30]);
	/* ring empty again: the rest go */
	assert_int_equal(r.ctl.ops->tx_burst(q, b + 31, 9), 9);
	assert_int_equal(r.ctl.ops->tx_reclaim(q, back, 40), 9);
	assert_int_equal(ixm_tx_count(r.m), 40);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* what the device writes back (DS 7.1.6.2), as the model produces it */
static void rx_writeback_fields(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	struct ixgbe_queue *x = r.q[0].priv;
	struct ixgbe_dev *d = r.ctl.priv;
	uint8_t fr[512];
	struct nd_buf *b[4];
	/* TCP/IPv4: RSS type 1, packet type IPv4 + TCP, checksums checked */
	size_t len = rig_tcp(&r, fr, IP(10, 1, 2, 3), IP(10, 0, 0, 1), 1111, 80, 100, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	volatile union ixgbe_rx_desc *wb = &x->rx[x->rx_clean];
	assert_int_equal(wb->wb.info & IXGBE_RXD_RSSTYPE_MASK, IXGBE_RXD_RSSTYPE_TCPV4);
	assert_int_equal(wb->wb.info >> IXGBE_RXD_PKTTYPE_SHIFT, IXGBE_RXD_PKTTYPE_IPV4 | IXGBE_RXD_PKTTYPE_TCP);
	assert_int_equal(wb->wb.rss, toeplitz_ipv4_l4(d->rss.key, 40, IP(10, 1, 2, 3), IP(10, 0, 0, 1), 1111, 80));
	assert_int_equal(wb->wb.status, IXGBE_RXD_STAT_DD | IXGBE_RXD_STAT_EOP | IXGBE_RXD_STAT_IPCS | IXGBE_RXD_STAT_L4CS);
	assert_int_equal(wb->wb.length, len);
	assert_int_equal(r.ctl.ops->rx_burst(&r.q[0], b, 4), 1);
	rig_put(&r, b[0]);
	rig_refill(&r, 0);
	/* UDP/IPv4: MRQC hashes UDP on the addresses (RSS type 2); UDP checksum flagged */
	len = rig_udp(&r, fr, IP(10, 1, 2, 3), IP(10, 0, 0, 1), 53, 5353, 30, 2);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	wb = &x->rx[x->rx_clean];
	assert_int_equal(wb->wb.info & IXGBE_RXD_RSSTYPE_MASK, IXGBE_RXD_RSSTYPE_IPV4);
	assert_int_equal(wb->wb.info >> IXGBE_RXD_PKTTYPE_SHIFT, IXGBE_RXD_PKTTYPE_IPV4 | IXGBE_RXD_PKTTYPE_UDP);
	assert_true(wb->wb.status & IXGBE_RXD_STAT_UDPCS);
	assert_false(wb->wb.status & IXGBE_RXD_STAT_FLM);
	assert_int_equal(r.ctl.ops->rx_burst(&r.q[0], b, 4), 1);
	assert_true(b[0]->flags & ND_RX_CSUM_OK);
	rig_put(&r, b[0]);
	rig_refill(&r, 0);
	/* a Flow Director match sets FLM */
	struct nd_filter f = {.src_ip = IP(10, 1, 2, 3), .dst_ip = IP(10, 0, 0, 1), .src_port = 1111, .dst_port = 80,
			      .proto = 6, .queue = 0};
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	len = rig_tcp(&r, fr, IP(10, 1, 2, 3), IP(10, 0, 0, 1), 1111, 80, 10, 3);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	wb = &x->rx[x->rx_clean];
	assert_true(wb->wb.status & IXGBE_RXD_STAT_FLM);
	assert_int_equal(r.ctl.ops->rx_burst(&r.q[0], b, 4), 1);
	rig_put(&r, b[0]);
	/* a non-IP frame: no hash, no checksum status, queue 0 */
	memcpy(fr, r.mac, 6);
	fr[12] = 0x08, fr[13] = 0x06; /* ARP */
	memset(fr + 14, 0x11, 46);
	assert_int_equal(ixm_rx_frame(r.m, fr, 60), 0);
	wb = &x->rx[x->rx_clean];
	assert_int_equal(wb->wb.info, 0);
	assert_int_equal(wb->wb.status, IXGBE_RXD_STAT_DD | IXGBE_RXD_STAT_EOP);
	assert_int_equal(r.ctl.ops->rx_burst(&r.q[0], b, 4), 1);
	assert_int_equal(b[0]->flags, 0);
	rig_put(&r, b[0]);
	/* frames for someone else are filtered by the MAC address */
	fr[0] ^= 0x02;
	assert_int_equal(ixm_rx_frame(r.m, fr, 60), -1);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rx_100k),
		cmocka_unit_test(tx_all_queues),
		cmocka_unit_test(tx_writeback_honoured),
		cmocka_unit_test(rx_writeback_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
