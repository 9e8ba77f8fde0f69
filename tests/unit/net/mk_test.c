/* The multikernel hooks: classification of segments by owning core,
 * forwarding misdirected segments and injecting them on the owner, and
 * ephemeral-port choice constrained to flows that steer back to us. Two
 * instances play two cores of one host (same IP and MAC); a "NIC" delivers
 * every frame to core 0, which must route the other core's flows to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/net/harness.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"

#define HOST IP4(10, 0, 0, 1)
#define CLIENT IP4(10, 0, 0, 2)

/* PIKA flow groups: the low 12 bits of the client's (remote) port pick the core */
static int owner_by_group(struct node *n, const struct net_flow *f)
{
	(void)n;
	return (f->rport & 0xfff) % 2;
}

/* for our own connections the remote port is the server's, so the group
 * is chosen by the local port, the one we pick */
static bool flow_ok_core(struct node *n, const struct net_flow *f)
{
	return (f->lport & 0xfff) % 2 == (unsigned)n->cfg.core_id;
}

struct host {
	uint64_t clock;
	struct node core[2];
	struct node cli;
};

static void host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->clock = 1000000000ull;
	struct net_config c;
	for (int i = 0; i < 2; i++) {
		test_config(&c, 1); /* same MAC on both cores */
		c.core_id = i;
		node_init_mk(&h->core[i], &h->clock, &c, 10 + (uint64_t)i);
		h->core[i].owner_of = owner_by_group;
		h->core[i].flow_ok = flow_ok_core;
		net_ipv4_set(h->core[i].st, HOST, 0xffffff00u, 0);
	}
	test_config(&c, 2);
	node_init(&h->cli, &h->clock, &c, 20);
	net_ipv4_set(h->cli.st, CLIENT, 0xffffff00u, 0);
	net_arp_set(h->cli.st, HOST, h->core[0].cfg.mac, true);
	for (int i = 0; i < 2; i++) {
		net_arp_set(h->core[i].st, CLIENT, h->cli.cfg.mac, true);
		cap_clear(&h->core[i]);
	}
	cap_clear(&h->cli);
}

static void host_fini(struct host *h)
{
	for (int i = 0; i < 2; i++) {
		assert_true(outcomes_balance(h->core[i].st));
		node_fini(&h->core[i]);
	}
	assert_true(outcomes_balance(h->cli.st));
	node_fini(&h->cli);
}

/* move frames until nothing is in flight: client -> core 0 (the NIC's only
 * queue here), core 0's forwards -> core 1 over a "channel", cores -> client */
static void pump(struct host *h)
{
	for (int round = 0; round < 1000; round++) {
		bool moved = false;
		struct frame f;
		while (cap_pop(&h->cli, &f)) {
			net_input_copy(h->core[0].st, f.data, f.len, 0);
			moved = true;
		}
		for (size_t i = 0; i < h->core[0].nfwd; i++) {
			assert_int_equal(h->core[0].fwd_core[i], 1);
			struct net_pkt *p = net_pkt_alloc(h->core[1].st);
			assert_non_null(p);
			memcpy(p->data, h->core[0].fwd[i].data, h->core[0].fwd[i].len);
			p->len = (uint16_t)h->core[0].fwd[i].len;
			net_input_forwarded(h->core[1].st, p);
			moved = true;
		}
		h->core[0].nfwd = 0;
		for (int c = 0; c < 2; c++)
			while (cap_pop(&h->core[c], &f)) {
				net_input_copy(h->cli.st, f.data, f.len, 0);
				moved = true;
			}
		if (!moved)
			return;
	}
	fail();
}

static void test_classify(void **state)
{
	(void)state;
	struct host h;
	host_init(&h);
	uint8_t buf[FRAME_MAX];
	/* a SYN from port 0x1001 (group 1) belongs to core 1 */
	struct seg_spec g = { CLIENT, HOST, 0x1001, 80, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0 };
	size_t n = build_tcp(buf, h.core[0].cfg.mac, h.cli.cfg.mac, &g);
	struct net_pkt *p = net_pkt_alloc(h.core[0].st);
	memcpy(p->data, buf, n);
	p->len = (uint16_t)n;
	struct net_flow fl;
	int core = -1;
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_REMOTE);
	assert_int_equal(core, 1);
	assert_int_equal(fl.laddr, HOST);
	assert_int_equal(fl.raddr, CLIENT);
	assert_int_equal(fl.lport, 80);
	assert_int_equal(fl.rport, 0x1001);
	assert_int_equal(fl.proto, IP_PROTO_TCP);
	/* net_input hands it to the forward hook, untouched */
	assert_int_equal(net_input(h.core[0].st, p), NET_INPUT_FORWARDED);
	assert_int_equal(h.core[0].nfwd, 1);
	assert_memory_equal(h.core[0].fwd[0].data, buf, n);
	assert_int_equal(net_stats(h.core[0].st)->accepted[NET_ACC_FORWARDED], 1);
	h.core[0].nfwd = 0;
	/* group 0 stays */
	g.sport = 0x1002;
	n = build_tcp(buf, h.core[0].cfg.mac, h.cli.cfg.mac, &g);
	p = net_pkt_alloc(h.core[0].st);
	memcpy(p->data, buf, n);
	p->len = (uint16_t)n;
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_LOCAL);
	net_pkt_free(h.core[0].st, p);
	/* a UDP datagram no socket here takes is the owner's to place: core 1 */
	n = build_udp(buf, h.core[0].cfg.mac, h.cli.cfg.mac, CLIENT, HOST, 0x1001, 53, "q", 1);
	p = net_pkt_alloc(h.core[0].st);
	memcpy(p->data, buf, n);
	p->len = (uint16_t)n;
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_REMOTE);
	assert_int_equal(core, 1);
	assert_int_equal(fl.proto, IP_PROTO_UDP);
	assert_int_equal(fl.lport, 53);
	assert_int_equal(fl.rport, 0x1001);
	/* with a socket of ours on the port it stays */
	int u = net_udp_socket(h.core[0].st, NET_DGRAM_UDP);
	struct net_sockaddr any53 = { 0, 53 };
	assert_int_equal(net_udp_bind(h.core[0].st, u, &any53), 0);
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_LOCAL);
	net_pkt_free(h.core[0].st, p);
	net_udp_close(h.core[0].st, u);
	/* a fragment (its ports are only in the first one) and ARP are OTHER */
	n = build_udp(buf, h.core[0].cfg.mac, h.cli.cfg.mac, CLIENT, HOST, 0x1001, 53, "q", 1);
	buf[14 + 6] |= 0x20; /* IPv4 flags: more fragments */
	p = net_pkt_alloc(h.core[0].st);
	memcpy(p->data, buf, n);
	p->len = (uint16_t)n;
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_OTHER);
	net_pkt_free(h.core[0].st, p);
	static const uint8_t zero[6];
	n = build_arp(buf, h.core[0].cfg.mac, h.cli.cfg.mac, 1, h.cli.cfg.mac, CLIENT, zero, HOST);
	p = net_pkt_alloc(h.core[0].st);
	memcpy(p->data, buf, n);
	p->len = (uint16_t)n;
	assert_int_equal(net_classify(h.core[0].st, p, &fl, &core), NET_CLASS_OTHER);
	net_pkt_free(h.core[0].st, p);
	host_fini(&h);
}

static void test_misdirected_connections_complete(void **state)
{
	(void)state;
	struct host h;
	host_init(&h);
	int lst[2];
	for (int c = 0; c < 2; c++) {
		lst[c] = net_tcp_socket(h.core[c].st);
		struct net_sockaddr a = { 0, 80 };
		assert_int_equal(net_tcp_bind(h.core[c].st, lst[c], &a), 0);
		assert_int_equal(net_tcp_listen(h.core[c].st, lst[c], 16), 0);
	}
	int cl[10];
	for (int i = 0; i < 10; i++) {
		cl[i] = net_tcp_socket(h.cli.st);
		struct net_sockaddr me = { 0, (uint16_t)(0x2000 + i) }, to = { HOST, 80 };
		assert_int_equal(net_tcp_bind(h.cli.st, cl[i], &me), 0);
		assert_int_equal(net_tcp_connect(h.cli.st, cl[i], &to), -NET_EINPROGRESS);
	}
	pump(&h);
	/* five connections on each core; every client connected */
	int per_core[2] = { 0, 0 };
	int srv[2][10];
	for (int c = 0; c < 2; c++) {
		int s;
		while ((s = net_tcp_accept(h.core[c].st, lst[c], NULL)) > 0) {
			struct net_sockaddr peer;
			net_tcp_peername(h.core[c].st, s, &peer);
			assert_int_equal((peer.port & 0xfff) % 2, c);
			srv[c][per_core[c]++] = s;
		}
	}
	assert_int_equal(per_core[0], 5);
	assert_int_equal(per_core[1], 5);
	assert_true(net_stats(h.core[1].st)->injected >= 10);
	/* data both ways over the forwarded path */
	for (int i = 0; i < 10; i++)
		assert_int_equal(net_tcp_send(h.cli.st, cl[i], "req", 3), 3);
	pump(&h);
	for (int c = 0; c < 2; c++)
		for (int k = 0; k < per_core[c]; k++) {
			char b[8];
			assert_int_equal(net_tcp_recv(h.core[c].st, srv[c][k], b, 8), 3);
			assert_int_equal(net_tcp_send(h.core[c].st, srv[c][k], "rsp", 3), 3);
			net_tcp_close(h.core[c].st, srv[c][k]);
		}
	pump(&h);
	for (int i = 0; i < 10; i++) {
		char b[8];
		assert_int_equal(net_tcp_recv(h.cli.st, cl[i], b, 8), 3);
		assert_memory_equal(b, "rsp", 3);
		net_tcp_close(h.cli.st, cl[i]);
	}
	pump(&h);
	/* established flows are recognised locally, without asking owner_of */
	for (int c = 0; c < 2; c++)
		net_tcp_close(h.core[c].st, lst[c]);
	host_fini(&h);
}

/* A datagram RSS gives core 0 for a port only core 1 has a socket on is
 * forwarded there (once), not answered with port unreachable. */
static void test_misdirected_datagrams_reach_their_socket(void **state)
{
	(void)state;
	struct host h;
	host_init(&h);
	int u = net_udp_socket(h.core[1].st, NET_DGRAM_UDP);
	struct net_sockaddr seven = { 0, 7 };
	assert_int_equal(net_udp_bind(h.core[1].st, u, &seven), 0);
	for (int i = 0; i < 10; i++) {
		int c = net_udp_socket(h.cli.st, NET_DGRAM_UDP);
		/* odd source ports: the owner_of hook (flow groups) names core 1 */
		struct net_sockaddr me = { 0, (uint16_t)(0x2001 + 2 * i) }, to = { HOST, 7 };
		assert_int_equal(net_udp_bind(h.cli.st, c, &me), 0);
		assert_int_equal(net_udp_sendto(h.cli.st, c, "ping", 4, &to), 4);
		net_udp_close(h.cli.st, c);
	}
	pump(&h);
	int got = 0;
	char b[8];
	struct net_sockaddr from;
	while (net_udp_recvfrom(h.core[1].st, u, b, sizeof(b), &from, NULL) == 4) {
		assert_memory_equal(b, "ping", 4);
		got++;
	}
	assert_int_equal(got, 10);
	assert_int_equal(net_stats(h.core[0].st)->accepted[NET_ACC_FORWARDED], 10);
	assert_int_equal(net_stats(h.core[0].st)->drops[NET_DROP_UDP_NO_PORT], 0);
	net_udp_close(h.core[1].st, u);
	host_fini(&h);
}

static void test_ephemeral_ports_steer_back(void **state)
{
	(void)state;
	struct host h;
	host_init(&h);
	for (int c = 0; c < 2; c++) {
		for (int i = 0; i < 50; i++) {
			int s = net_tcp_socket(h.core[c].st);
			struct net_sockaddr to = { CLIENT, (uint16_t)(9000 + i) };
			assert_int_equal(net_tcp_connect(h.core[c].st, s, &to), -NET_EINPROGRESS);
			struct net_sockaddr me;
			net_tcp_sockname(h.core[c].st, s, &me);
			assert_int_equal((me.port & 0xfff) % 2, c);
			assert_true(me.port >= h.core[c].cfg.eph_lo && me.port <= h.core[c].cfg.eph_hi);
			net_tcp_abort(h.core[c].st, s);
		}
		cap_clear(&h.core[c]);
	}
	/* UDP picks ports under the same rule */
	int u = net_udp_socket(h.core[1].st, NET_DGRAM_UDP);
	struct net_sockaddr to = { CLIENT, 53 };
	assert_int_equal(net_udp_connect(h.core[1].st, u, &to), 0);
	struct net_sockaddr me;
	net_udp_sockname(h.core[1].st, u, &me);
	assert_int_equal((me.port & 0xfff) % 2, 1);
	net_udp_close(h.core[1].st, u);
	host_fini(&h);
}

static bool never(struct node *n, const struct net_flow *f)
{
	(void)n;
	(void)f;
	return false;
}

static void test_no_port_satisfies(void **state)
{
	(void)state;
	struct host h;
	host_init(&h);
	h.core[0].flow_ok = never;
	int s = net_tcp_socket(h.core[0].st);
	struct net_sockaddr to = { CLIENT, 9000 };
	assert_int_equal(net_tcp_connect(h.core[0].st, s, &to), -NET_EADDRNOTAVAIL);
	net_tcp_close(h.core[0].st, s);
	host_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_misdirected_datagrams_reach_their_socket),
		cmocka_unit_test(test_misdirected_connections_complete),
		cmocka_unit_test(test_ephemeral_ports_steer_back),
		cmocka_unit_test(test_no_port_satisfies),
	};
	return cmocka_run_group_tests_name("net_mk", tests, NULL, NULL);
}
