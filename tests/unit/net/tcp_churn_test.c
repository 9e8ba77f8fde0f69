/* 100,000 short connections (connect, 4-byte request, 4-byte reply, close)
 * between two instances: no failures, and no growth of memory or table use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/net/harness.h"

#define A_IP IP4(10, 0, 0, 1)
#define B_IP IP4(10, 0, 0, 2)
#define PAR 8

struct churn {
	struct sim sim;
	struct node a, b;
	int lst;
	uint32_t target, started, done, failed;
	int cli[PAR];
	uint8_t cli_state[PAR]; /* 0 idle, 1 connecting, 2 sent request */
	uint32_t cli_id[PAR];
	int srv[64];
	uint32_t max_tcbs_a, max_tcbs_b, max_blocks, max_pkts;
};

static void sample(struct churn *c)
{
	struct net_usage ua, ub;
	net_usage(c->a.st, &ua);
	net_usage(c->b.st, &ub);
	if (ua.tcbs_used > c->max_tcbs_a)
		c->max_tcbs_a = ua.tcbs_used;
	if (ub.tcbs_used > c->max_tcbs_b)
		c->max_tcbs_b = ub.tcbs_used;
	if (ua.blocks_used + ub.blocks_used > c->max_blocks)
		c->max_blocks = ua.blocks_used + ub.blocks_used;
	if (ua.pkts_used + ub.pkts_used > c->max_pkts)
		c->max_pkts = ua.pkts_used + ub.pkts_used;
}

static bool churn_step(void *ctx)
{
	struct churn *c = ctx;
	uint8_t buf[16];
	/* server: accept, answer each 4-byte request, close on end of stream */
	for (;;) {
		int h = net_tcp_accept(c->b.st, c->lst, NULL);
		if (h <= 0)
			break;
		int k = 0;
		while (k < 64 && c->srv[k] > 0)
			k++;
		assert_true(k < 64);
		c->srv[k] = h;
	}
	for (int k = 0; k < 64; k++) {
		int h = c->srv[k];
		if (h <= 0)
			continue;
		long r = net_tcp_recv(c->b.st, h, buf, sizeof(buf));
		if (r == 4) {
			buf[0] ^= 0xff;
			assert_int_equal(net_tcp_send(c->b.st, h, buf, 4), 4);
		} else if (r == 0) {
			assert_int_equal(net_tcp_close(c->b.st, h), 0);
			c->srv[k] = 0;
		} else if (r != -NET_EAGAIN) {
			c->failed++;
			net_tcp_close(c->b.st, h);
			c->srv[k] = 0;
		}
	}
	/* clients */
	for (int k = 0; k < PAR; k++) {
		int h = c->cli[k];
		if (c->cli_state[k] == 0) {
			if (c->started == c->target)
				continue;
			h = net_tcp_socket(c->a.st);
			assert_true(h > 0);
			struct net_sockaddr to = { B_IP, 80 };
			assert_int_equal(net_tcp_connect(c->a.st, h, &to), -NET_EINPROGRESS);
			c->cli[k] = h;
			c->cli_id[k] = c->started++;
			c->cli_state[k] = 1;
			continue;
		}
		int st = net_tcp_state(c->a.st, h);
		if (c->cli_state[k] == 1) {
			if (st == NET_TCP_ESTABLISHED) {
				uint32_t id = c->cli_id[k];
				assert_int_equal(net_tcp_send(c->a.st, h, &id, 4), 4);
				c->cli_state[k] = 2;
			} else if (st != NET_TCP_SYN_SENT) {
				c->failed++;
				net_tcp_close(c->a.st, h);
				c->cli_state[k] = 0;
			}
			continue;
		}
		long r = net_tcp_recv(c->a.st, h, buf, sizeof(buf));
		if (r == -NET_EAGAIN)
			continue;
		uint32_t id = c->cli_id[k];
		uint8_t want[4];
		memcpy(want, &id, 4);
		want[0] ^= 0xff;
		if (r != 4 || memcmp(buf, want, 4) != 0)
			c->failed++;
		assert_int_equal(net_tcp_close(c->a.st, h), 0);
		c->cli_state[k] = 0;
		c->done++;
	}
	struct net_event ev[64];
	while (net_events(c->a.st, ev, 64)) {
	}
	while (net_events(c->b.st, ev, 64)) {
	}
	if ((c->done & 1023) == 0)
		sample(c);
	bool srv_open = false;
	for (int k = 0; k < 64; k++)
		srv_open |= c->srv[k] > 0;
	return (c->done == c->target && !srv_open) || c->failed;
}

static void test_100k_short_connections(void **state)
{
	(void)state;
	struct churn *c = calloc(1, sizeof(*c));
	sim_init(&c->sim, 2024);
	struct net_config cfg;
	test_config(&cfg, 1);
	cfg.tcp_conns = 64;
	cfg.tcp_time_wait_max = 32;
	node_init(&c->a, &c->sim.now, &cfg, 5);
	test_config(&cfg, 2);
	cfg.tcp_conns = 64;
	node_init(&c->b, &c->sim.now, &cfg, 6);
	sim_add(&c->sim, &c->a);
	sim_add(&c->sim, &c->b);
	net_ipv4_set(c->a.st, A_IP, 0xffffff00u, 0);
	net_ipv4_set(c->b.st, B_IP, 0xffffff00u, 0);
	c->lst = net_tcp_socket(c->b.st);
	struct net_sockaddr any = { 0, 80 };
	assert_int_equal(net_tcp_bind(c->b.st, c->lst, &any), 0);
	assert_int_equal(net_tcp_listen(c->b.st, c->lst, 64), 0);
	/* warm up, then take the baseline */
	c->target = 100;
	assert_true(sim_run(&c->sim, c->sim.now + SEC(100), churn_step, c));
	sim_run(&c->sim, c->sim.now + SEC(120), NULL, NULL);
	struct net_usage base_a, base_b;
	net_usage(c->a.st, &base_a);
	net_usage(c->b.st, &base_b);
	c->target = 100000;
	c->done = 0;
	c->started = 0;
	assert_true(sim_run(&c->sim, c->sim.now + SEC(100000), churn_step, c));
	assert_int_equal(c->failed, 0);
	assert_int_equal(c->done, 100000);
	/* tables stay bounded during the run: TIME_WAIT is recycled, not hoarded */
	assert_true(c->max_tcbs_a <= cfg.tcp_conns);
	assert_true(c->max_tcbs_b <= cfg.tcp_conns);
	const struct net_stats *sa = net_stats(c->a.st);
	assert_true(sa->tcp_tw_recycled > 0);
	assert_true(sa->tcp_active_opens >= 100000);
	assert_int_equal(net_stats(c->b.st)->tcp_passive_opens, 100100);
	/* after TIME_WAIT has run out everything is back where it was */
	sim_run(&c->sim, c->sim.now + SEC(120), NULL, NULL);
	struct net_usage ua, ub;
	net_usage(c->a.st, &ua);
	net_usage(c->b.st, &ub);
	for (unsigned i = 0; i < c->b.st->cfg.tcp_conns; i++) {
		struct tcb *t = &c->b.st->tcbs[i];
		if (t->used && t->state != NET_TCP_LISTEN)
			fprintf(stderr, "# leftover b: state %s flags %x lport %u rport %u rlen %u parent %u\n",
				net_tcp_state_name(t->state), t->flags, t->lport, t->rport, t->rcv.len, t->parent);
	}
	assert_int_equal(ua.tcbs_used, base_a.tcbs_used);
	assert_int_equal(ub.tcbs_used, base_b.tcbs_used);
	assert_int_equal(ua.tcbs_used, 0);
	assert_int_equal(ub.tcbs_used, 1); /* the listener */
	assert_int_equal(ua.blocks_used, 0);
	assert_int_equal(ub.blocks_used, 0);
	assert_int_equal(ua.pkts_used, 0);
	assert_int_equal(ub.pkts_used, 0);
	assert_int_equal(ua.arp_used, base_a.arp_used);
	assert_true(outcomes_balance(c->a.st));
	assert_true(outcomes_balance(c->b.st));
	fprintf(stderr, "# churn: %u connections, vt %.1fs, max tcbs a=%u b=%u, tw recycled %llu\n",
		c->done, (double)c->sim.now / 1e9, c->max_tcbs_a, c->max_tcbs_b,
		(unsigned long long)sa->tcp_tw_recycled);
	net_tcp_close(c->b.st, c->lst);
	node_fini(&c->a);
	node_fini(&c->b);
	sim_fini(&c->sim);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_100k_short_connections),
	};
	return cmocka_run_group_tests_name("net_tcp_churn", tests, NULL, NULL);
}
