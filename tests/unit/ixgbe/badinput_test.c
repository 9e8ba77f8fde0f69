/*
 * badinput_test - what the device hands back is not trusted: a descriptor
 * with error bits, a length larger than the buffer, a frame spread over
 * several buffers, a bad checksum, a write-back for a descriptor never
 * posted. Each is counted in q->stats.drops and dropped; the ring stays
 * consistent (no buffer lost, the next good frame arrives intact).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/ixgbe/rig.h"

#define ME IP(198, 51, 100, 1)
#define PEER IP(192, 0, 2, 10)

static size_t good(struct rig *r, uint8_t *fr, uint32_t seed)
{
	/* one queue: everything lands on queue 0 */
	return rig_tcp(r, fr, PEER, ME, 80, (uint16_t)(40000 + seed), 200, seed);
}

static int burst(struct rig *r, struct nd_buf **b, int n)
{
	return r->ctl.ops->rx_burst(&r->q[0], b, n);
}

/* the frame goes through intact after whatever came before */
static void still_works(struct rig *r, uint32_t seed)
{
	uint8_t fr[512];
	size_t len = good(r, fr, seed);
	assert_int_equal(ixm_rx_frame(r->m, fr, len), 0);
	struct nd_buf *b[8];
	assert_int_equal(burst(r, b, 8), 1);
	assert_int_equal(b[0]->len, len);
	assert_memory_equal(b[0]->data, fr, len);
	rig_put(r, b[0]);
	rig_refill(r, 0);
}

static int posted(struct rig *r)
{
	return ((struct ixgbe_queue *)r->q[0].priv)->rx_posted;
}

static void error_bits(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	int full = posted(&r);
	uint8_t fr[512];
	size_t len = good(&r, fr, 1);
	ixm_fault_rx_errors(r.m, IXGBE_RXD_ERR_RXE); /* e.g. a CRC error stored (SBP) */
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	struct nd_buf *b[8];
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_DESC_ERROR], 1);
	assert_int_equal(posted(&r), full); /* the buffer went straight back */
	still_works(&r, 2);
	assert_int_equal(r.q[0].stats.rx_packets, 1);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

static void bad_checksums(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	uint8_t fr[512];
	struct nd_buf *b[8];
	size_t len = good(&r, fr, 1);
	fr[len - 1] ^= 0x40; /* payload corrupted: the TCP checksum fails */
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	assert_int_equal(burst(&r, b, 8), 0);
	len = good(&r, fr, 2);
	fr[14 + 8] ^= 1; /* TTL changed, header checksum not: IPv4 checksum fails */
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_CSUM], 2);
	still_works(&r, 3);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* the device claims more bytes than the buffer holds */
static void length_beyond_buffer(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	int full = posted(&r);
	uint8_t fr[512];
	size_t len = good(&r, fr, 1);
	ixm_fault_rx_length(r.m, 4000);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	struct nd_buf *b[8];
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_OVERSIZE], 1);
	/* and a length below an Ethernet header */
	ixm_fault_rx_length(r.m, 6);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_RUNT], 1);
	assert_int_equal(posted(&r), full);
	still_works(&r, 2);
	rig_down(&r);
}

/* a jumbo frame (after someone turned jumbo on) spreads over buffers:
 * the whole frame is dropped once, every buffer recycled */
static void frame_over_several_buffers(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	int full = posted(&r);
	struct nd_platform *p = &r.ctl.plat;
	p->wr32(p->ctx, IXGBE_HLREG0, p->rd32(p->ctx, IXGBE_HLREG0) | IXGBE_HLREG0_JUMBOEN);
	static uint8_t big[5000];
	size_t len = rig_tcp(&r, big, PEER, ME, 80, 40000, 4500, 9);
	assert_int_equal(ixm_rx_frame(r.m, big, len), 0); /* three 2 KB descriptors */
	struct nd_buf *b[8];
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_OVERSIZE], 1);
	assert_int_equal(posted(&r), full);
	still_works(&r, 1);
	still_works(&r, 2);
	rig_down(&r);
}

/* DD where nothing was posted: the ring is drained and not refilled */
static void writeback_never_posted(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	uint8_t fr[512];
	struct nd_buf *all[64];
	int n = 0;
	/* take every posted buffer back by receiving into it */
	for (int i = 0; i < 31; i++) {
		size_t len = good(&r, fr, (uint32_t)i);
		assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	}
	n = burst(&r, all, 64);
	assert_int_equal(n, 31);
	assert_int_equal(posted(&r), 0);
	/* the device writes a completion into the empty ring */
	assert_int_equal(ixm_fault_rx_writeback(r.m, 0, 100), 0);
	struct nd_buf *b[8];
	assert_int_equal(burst(&r, b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_BAD_COMPLETION], 1);
	assert_int_equal(burst(&r, b, 8), 0); /* seen once, not again */
	assert_int_equal(r.q[0].stats.drops[ND_DROP_BAD_COMPLETION], 1);
	for (int i = 0; i < n; i++)
		rig_put(&r, all[i]);
	rig_refill(&r, 0);
	still_works(&r, 100);
	still_works(&r, 101);
	/* the same on the transmit side: a completion with nothing in flight */
	assert_int_equal(ixm_fault_tx_writeback(r.m, 0), 0);
	assert_int_equal(r.ctl.ops->tx_reclaim(&r.q[0], b, 8), 0);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_BAD_COMPLETION], 2);
	rig_down(&r);
}

/* frames the driver will not send come back through tx_reclaim, counted */
static void tx_refuses_bad_frames(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	struct nd_buf *b[3], *back[8];
	for (int i = 0; i < 3; i++)
		b[i] = rig_buf(&r);
	b[0]->len = 5;     /* runt */
	b[1]->len = 1800;  /* beyond the MTU */
	b[2]->len = (uint16_t)rig_udp(&r, b[2]->data, ME, PEER, 1, 2, 30, 1);
	assert_int_equal(r.ctl.ops->tx_burst(&r.q[0], b, 3), 3);
	assert_int_equal(ixm_tx_count(r.m), 1);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_RUNT], 1);
	assert_int_equal(r.q[0].stats.drops[ND_DROP_OVERSIZE], 1);
	assert_int_equal(r.ctl.ops->tx_reclaim(&r.q[0], back, 8), 3);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* buffers too small for a full frame are not posted */
static void small_buffers_refused(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	struct nd_buf *b[8];
	int n = 0;
	assert_int_equal(burst(&r, b, 8), 0);
	uint8_t fr[512];
	size_t len = good(&r, fr, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 0);
	n = burst(&r, b, 8);
	assert_int_equal(n, 1);
	b[0]->cap = 1024;
	assert_int_equal(r.ctl.ops->rx_refill(&r.q[0], b, 1), 0);
	b[0]->cap = RIG_BUFSZ;
	assert_int_equal(r.ctl.ops->rx_refill(&r.q[0], b, 1), 1);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(error_bits),
		cmocka_unit_test(bad_checksums),
		cmocka_unit_test(length_beyond_buffer),
		cmocka_unit_test(frame_over_several_buffers),
		cmocka_unit_test(writeback_never_posted),
		cmocka_unit_test(tx_refuses_bad_frames),
		cmocka_unit_test(small_buffers_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
