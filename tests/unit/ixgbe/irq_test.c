/*
 * irq_test - MSI-X per queue: a frame on queue q signals q's vector and no
 * other; a masked vector does not fire (and fires once unmasked); causes
 * auto-clear and vectors auto-mask; EITR spaces interrupts; a link change
 * signals the control instance's vector.
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

#define NQ 16
#define ME IP(198, 51, 100, 1)
#define PEER IP(192, 0, 2, 10)

/* a frame RSS puts on queue q */
static size_t frame_for(struct rig *r, uint8_t *fr, int q, uint32_t seed)
{
	struct ixgbe_dev *d = r->ctl.priv;
	uint16_t port = (uint16_t)(IXGBE_EPHEMERAL_MIN + seed * 7);
	assert_int_equal(ixgbe_pick_local_port(&d->rss, ME, PEER, 80, q, &port), 0);
	return rig_tcp(r, fr, PEER, ME, 80, port, 10, seed);
}

static void drain(struct rig *r, int q)
{
	struct nd_buf *b[32];
	int n;
	while ((n = r->ctl.ops->rx_burst(&r->q[q], b, 32)) > 0)
		for (int i = 0; i < n; i++)
			rig_put(r, b[i]);
	rig_refill(r, q);
}

static uint32_t rd(struct rig *r, uint32_t reg)
{
	return r->ctl.plat.rd32(r->ctl.plat.ctx, reg);
}

static void enable_all(struct rig *r)
{
	for (int q = 0; q < r->nq; q++)
		assert_false(rig_nd(r, q)->ops->irq_enable(&r->q[q]));
}

static void only_own_vector(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	enable_all(&r);
	uint8_t fr[256];
	for (int round = 0; round < 3; round++) {
		for (int q = 0; q < NQ; q++) {
			uint64_t before[IXGBE_MSIX_VECTORS];
			for (int v = 0; v < IXGBE_MSIX_VECTORS; v++)
				before[v] = ixm_msix_count(r.m, v);
			size_t len = frame_for(&r, fr, q, (uint32_t)(round * 100 + q));
			assert_int_equal(ixm_rx_frame(r.m, fr, len), q);
			for (int v = 0; v < IXGBE_MSIX_VECTORS; v++)
				assert_int_equal(ixm_msix_count(r.m, v), before[v] + (v == q));
			/* the vector masked itself (EIAM): netd polls, then re-enables */
			assert_false(rd(&r, IXGBE_EIMS_EX(0)) >> q & 1);
			drain(&r, q);
			assert_false(rig_nd(&r, q)->ops->irq_enable(&r.q[q]));
			ixm_advance(r.m, 100 * 1000);
		}
	}
	assert_int_equal(ixm_msix_total(r.m), 3 * NQ);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

static void masked_vector_does_not_fire(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	enable_all(&r);
	uint8_t fr[256];
	int q = 5;
	rig_nd(&r, q)->ops->irq_disable(&r.q[q]);
	for (int i = 0; i < 10; i++) {
		size_t len = frame_for(&r, fr, q, (uint32_t)i);
		assert_int_equal(ixm_rx_frame(r.m, fr, len), q);
		ixm_advance(r.m, 50 * 1000);
	}
	assert_int_equal(ixm_msix_total(r.m), 0);
	assert_true(rd(&r, IXGBE_EICR) >> q & 1); /* the cause waits */
	/* unmasking: work is there, and the pending cause fires once */
	assert_true(rig_nd(&r, q)->ops->irq_enable(&r.q[q]));
	assert_int_equal(ixm_msix_count(r.m, q), 1);
	assert_int_equal(ixm_msix_total(r.m), 1);
	drain(&r, q);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

static void auto_clear(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	enable_all(&r);
	uint8_t fr[256];
	size_t len = frame_for(&r, fr, 3, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 3);
	assert_int_equal(ixm_msix_count(r.m, 3), 1);
	assert_false(rd(&r, IXGBE_EICR) >> 3 & 1); /* EIAC cleared the cause as the message went */
	drain(&r, 3);
	/* without auto-clear the cause stays until software clears it, and
	 * the vector does not fire again for it */
	r.ctl.plat.wr32(r.ctl.plat.ctx, IXGBE_EIAC, IXGBE_EICR_RTX_QUEUE & ~(1u << 3));
	ixm_advance(r.m, 100 * 1000);
	rig_nd(&r, 3)->ops->irq_enable(&r.q[3]);
	len = frame_for(&r, fr, 3, 2);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 3);
	assert_int_equal(ixm_msix_count(r.m, 3), 2);
	assert_true(rd(&r, IXGBE_EICR) >> 3 & 1);
	r.ctl.plat.wr32(r.ctl.plat.ctx, IXGBE_EICR, 1u << 3);
	assert_false(rd(&r, IXGBE_EICR) >> 3 & 1);
	drain(&r, 3);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* EITR: at most one interrupt per interval on a vector */
static void moderation(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 64, NULL);
	enable_all(&r);
	uint8_t fr[256];
	size_t len = frame_for(&r, fr, 1, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 1);
	assert_int_equal(ixm_msix_count(r.m, 1), 1);
	drain(&r, 1);
	rig_nd(&r, 1)->ops->irq_enable(&r.q[1]);
	len = frame_for(&r, fr, 1, 2);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 1); /* a few us later */
	assert_int_equal(ixm_msix_count(r.m, 1), 1);     /* held back */
	ixm_advance(r.m, IXGBE_DEFAULT_ITR_US * 1000);
	assert_int_equal(ixm_msix_count(r.m, 1), 2);     /* sent when the interval passed */
	drain(&r, 1);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* transmit completions signal the queue's vector too */
static void tx_completion_vector(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	enable_all(&r);
	struct nd_buf *b = rig_buf(&r);
	b->len = (uint16_t)rig_udp(&r, b->data, ME, PEER, 1, 2, 30, 1);
	assert_int_equal(r.ctl.ops->tx_burst(&r.q[2], &b, 1), 1);
	assert_int_equal(ixm_msix_count(r.m, 2), 1);
	assert_int_equal(ixm_msix_total(r.m), 1);
	/* and irq_enable reports the completion waiting */
	assert_true(rig_nd(&r, 2)->ops->irq_enable(&r.q[2]));
	struct nd_buf *back;
	assert_int_equal(r.ctl.ops->tx_reclaim(&r.q[2], &back, 1), 1);
	rig_put(&r, back);
	rig_down(&r);
}

static void link_change_to_control(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	enable_all(&r);
	ixm_set_link(r.m, false);
	assert_int_equal(ixm_msix_count(r.m, IXGBE_MISC_VECTOR), 1);
	assert_int_equal(ixm_msix_total(r.m), 1);
	assert_false(ixgbe_misc_irq(&r.ctl));
	assert_int_equal(r.ctl.ops->link_up(&r.ctl), 0);
	uint8_t fr[256];
	size_t len = frame_for(&r, fr, 0, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), -1); /* no link, no frames */
	ixm_set_link(r.m, true);
	assert_int_equal(ixm_msix_count(r.m, IXGBE_MISC_VECTOR), 2);
	assert_true(ixgbe_misc_irq(&r.ctl));
	assert_int_equal(r.ctl.ops->link_up(&r.ctl), 1);
	assert_int_equal(((struct ixgbe_dev *)r.ctl.priv)->lsc_events, 2);
	for (int q = 0; q < 4; q++)
		assert_int_equal(ixm_msix_count(r.m, q), 0);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(only_own_vector),
		cmocka_unit_test(masked_vector_does_not_fire),
		cmocka_unit_test(auto_clear),
		cmocka_unit_test(moderation),
		cmocka_unit_test(tx_completion_vector),
		cmocka_unit_test(link_change_to_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
