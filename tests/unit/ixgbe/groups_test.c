/*
 * groups_test - PIKA's flow groups on the Flow Director: all 4,096 groups
 * reach their queues, moving a group moves its next packet, and an outgoing
 * connection's chosen local port brings the reply to its own queue.
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

static uint16_t table[ND_FLOW_GROUPS];

static void expect_on(struct rig *r, int q, const uint8_t *f, size_t len)
{
	struct nd_buf *b[4];
	assert_int_equal(r->ctl.ops->rx_burst(&r->q[q], b, 4), 1);
	assert_int_equal(b[0]->len, len);
	assert_memory_equal(b[0]->data, f, len);
	rig_put(r, b[0]);
	rig_refill(r, q);
}

static void set_groups(struct rig *r, uint64_t seed)
{
	for (int g = 0; g < ND_FLOW_GROUPS; g++)
		table[g] = (uint16_t)(rig_rand(&seed) % NQ);
	assert_int_equal(r->ctl.ops->groups_set(&r->ctl, table), 0);
}

static void all_groups_reach_their_queue(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	set_groups(&r, 42);
	assert_int_equal(ixm_fdir_filters(r.m), ND_FLOW_GROUPS);
	uint64_t rnd = 5;
	uint8_t fr[256];
	for (int g = 0; g < ND_FLOW_GROUPS; g++) {
		/* a client somewhere, any high nibble on its port, to a service */
		uint16_t sport = (uint16_t)(g | (rig_rand(&rnd) & 0xF) << 12);
		uint32_t sip = IP(203, 0, 113, 0) | (rig_rand(&rnd) & 0xFF);
		uint16_t dport = (uint16_t)(g & 1 ? 80 : 8080);
		size_t len = rig_tcp(&r, fr, sip, IP(198, 51, 100, 1), sport, dport, g % 100, (uint32_t)g);
		int q = ixm_rx_frame(r.m, fr, len);
		if (q != table[g])
			fail_msg("group %d (port %u): queue %d, want %u", g, sport, q, table[g]);
		assert_int_equal(ixgbe_predict_queue(&r.ctl, sip, IP(198, 51, 100, 1), sport, dport), table[g]);
		expect_on(&r, q, fr, len);
	}
	assert_int_equal(ixgbe_fdir_stats(&r.ctl)->matches, ND_FLOW_GROUPS);
	/* UDP is not grouped: RSS as before */
	size_t len = rig_udp(&r, fr, IP(203, 0, 113, 9), IP(198, 51, 100, 1), 5000, 53, 10, 1);
	struct ixgbe_dev *d = r.ctl.priv;
	int q = ixm_rx_frame(r.m, fr, len);
	assert_int_equal(q, d->rss.table[toeplitz_ipv4(d->rss.key, 40, IP(203, 0, 113, 9), IP(198, 51, 100, 1)) & 127]);
	expect_on(&r, q, fr, len);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

static void moving_a_group(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	set_groups(&r, 7);
	uint8_t fr[256];
	uint64_t rnd = 11;
	for (int round = 0; round < 200; round++) {
		int g = (int)(rig_rand(&rnd) % ND_FLOW_GROUPS);
		uint16_t sport = (uint16_t)(0x7000 | g);
		size_t len = rig_tcp(&r, fr, IP(192, 0, 2, 7), IP(198, 51, 100, 1), sport, 80, 20, (uint32_t)round);
		int before = ixm_rx_frame(r.m, fr, len);
		assert_int_equal(before, table[g]);
		expect_on(&r, before, fr, len);
		int to = (before + 1 + (int)(rig_rand(&rnd) % (NQ - 1))) % NQ;
		assert_int_equal(r.ctl.ops->group_move(&r.ctl, g, to), 0);
		table[g] = (uint16_t)to;
		assert_int_equal(ixm_rx_frame(r.m, fr, len), to);
		expect_on(&r, to, fr, len);
		/* a neighbouring group did not move */
		int h = (g + 1) % ND_FLOW_GROUPS;
		len = rig_tcp(&r, fr, IP(192, 0, 2, 7), IP(198, 51, 100, 1), (uint16_t)h, 80, 20, 9);
		assert_int_equal(ixm_rx_frame(r.m, fr, len), table[h]);
		expect_on(&r, table[h], fr, len);
	}
	/* moved in place: never more than one filter per group */
	assert_int_equal(ixm_fdir_filters(r.m), ND_FLOW_GROUPS);
	/* re-setting the whole table rewrites only what changed */
	uint64_t adds = ixgbe_fdir_stats(&r.ctl)->adds;
	table[5] = (uint16_t)((table[5] + 1) % NQ);
	assert_int_equal(r.ctl.ops->groups_set(&r.ctl, table), 0);
	assert_int_equal(ixgbe_fdir_stats(&r.ctl)->adds, adds); /* an update is not an add */
	size_t len = rig_tcp(&r, fr, IP(192, 0, 2, 7), IP(198, 51, 100, 1), 5, 80, 20, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), table[5]);
	expect_on(&r, table[5], fr, len);
	/* bad moves */
	assert_int_equal(r.ctl.ops->group_move(&r.ctl, ND_FLOW_GROUPS, 1), -EINVAL);
	assert_int_equal(r.ctl.ops->group_move(&r.ctl, 3, 500), -EINVAL);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* an outgoing connection picks a local port whose reply comes back to it */
static void outgoing_reply_returns_home(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, NQ, 64, NULL);
	set_groups(&r, 3);
	/* every core has a copy of the RSS settings from the control instance */
	struct ixgbe_dev *d = r.ctl.priv;
	struct nd_rss rss = d->rss;
	uint32_t me = IP(198, 51, 100, 1);
	uint8_t fr[256];
	uint64_t rnd = 1;
	for (int i = 0; i < 400; i++) {
		int q = i % NQ;
		uint32_t server = IP(192, 0, 2, 0) | (rig_rand(&rnd) & 0xFF);
		uint16_t sport = i & 1 ? 80 : 443;
		uint16_t port = (uint16_t)(rig_rand(&rnd) & 0xFFFF);
		assert_int_equal(ixgbe_pick_local_port(&rss, me, server, sport, q, &port), 0);
		assert_true(port >= IXGBE_EPHEMERAL_MIN);
		/* the server's reply: from its port to ours */
		size_t len = rig_tcp(&r, fr, server, me, sport, port, 0, (uint32_t)i);
		int got = ixm_rx_frame(r.m, fr, len);
		if (got != q)
			fail_msg("reply to port %u went to %d, not %d", port, got, q);
		expect_on(&r, q, fr, len);
	}
	/* no port can reach a queue RSS does not use */
	uint16_t port = 40000;
	assert_int_equal(ixgbe_pick_local_port(&rss, me, IP(192, 0, 2, 1), 80, NQ + 3, &port), -EADDRNOTAVAIL);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* the table's mode and masks are global: groups and 5-tuple filters exclude each other */
static void groups_exclude_other_filters(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 32, NULL);
	struct nd_filter f = {.src_ip = IP(10, 0, 0, 2), .dst_ip = IP(10, 0, 0, 1), .src_port = 1234,
			      .dst_port = 80, .proto = 6, .queue = 2};
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	for (int g = 0; g < ND_FLOW_GROUPS; g++)
		table[g] = (uint16_t)(g % 4);
	assert_int_equal(r.ctl.ops->groups_set(&r.ctl, table), -EBUSY);
	assert_int_equal(r.ctl.ops->group_move(&r.ctl, 1, 2), -ENOENT);
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), 0);
	assert_int_equal(r.ctl.ops->groups_set(&r.ctl, table), 0);
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), -EBUSY);
	f.signature = true;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), -EBUSY);
	table[0] = 9; /* beyond the device's queues is refused whole */
	table[0] = (uint16_t)r.ctl.max_queues;
	assert_int_equal(r.ctl.ops->groups_set(&r.ctl, table), -EINVAL);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_groups_reach_their_queue),
		cmocka_unit_test(moving_a_group),
		cmocka_unit_test(outgoing_reply_returns_home),
		cmocka_unit_test(groups_exclude_other_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
