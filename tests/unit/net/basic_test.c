/* net/: primitives, Ethernet, ARP, IPv4 (fragments), ICMP and UDP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/net/harness.h"
#include "net/prot/arp.h"
#include "net/prot/eth.h"
#include "net/prot/icmp.h"
#include "net/prot/ip.h"
#include "net/prot/udp.h"

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };
#define US IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 99)

struct fx {
	uint64_t clock;
	struct node n;
	uint8_t mac[6];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct net_config c;
	test_config(&c, 1);
	f->clock = 1000000000ull;
	node_init(&f->n, &f->clock, &c, 42);
	memcpy(f->mac, c.mac, 6);
	net_ipv4_set(f->n.st, US, 0xffffff00u, IP4(10, 0, 0, 254));
	cap_clear(&f->n); /* the gratuitous ARP */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct net_usage u;
	net_usage(f->n.st, &u);
	assert_true(outcomes_balance(f->n.st));
	node_fini(&f->n);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- primitives */
static void test_checksum(void **state)
{
	(void)state;
	/* RFC 1071 example: words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d */
	const uint8_t d[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint16_t c = csum_fold(csum_add(0, d, sizeof(d)));
	uint8_t be[2];
	memcpy(be, &c, 2);
	assert_int_equal(be[0], 0x22);
	assert_int_equal(be[1], 0x0d);
	/* odd length pads with zero; splitting at an even offset is associative */
	uint8_t buf[101];
	for (int i = 0; i < 101; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint16_t whole = csum_fold(csum_add(0, buf, 101));
	uint16_t split = csum_fold(csum_add(csum_add(0, buf, 40), buf + 40, 61));
	assert_int_equal(whole, split);
	/* a packet with its checksum filled in sums to zero */
	uint8_t pkt[20] = { 0x45, 0, 0, 20, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	uint16_t ic = csum_ip_hdr(pkt, 20);
	memcpy(pkt + 10, &ic, 2);
	assert_int_equal(csum_ip_hdr(pkt, 20), 0);
}

static void test_siphash_vector(void **state)
{
	(void)state;
	/* the reference vector of the SipHash paper: key 00..0f, message 00..0e */
	uint8_t key[16], msg[15];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	/* empty message vector */
	assert_true(siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
}

static void test_pkt_pool_and_ring(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	struct net_usage u0, u;
	net_usage(s, &u0);
	struct net_pkt *p = net_pkt_alloc(s);
	assert_non_null(p);
	assert_int_equal(p->refcnt, 1);
	assert_int_equal(p->data - p->buf, NET_PKT_HEADROOM);
	assert_non_null(net_pkt_push(p, 14));
	assert_int_equal(p->len, 14);
	assert_null(net_pkt_pull(p, 15));
	net_pkt_ref(p);
	net_pkt_free(s, p);
	net_usage(s, &u);
	assert_int_equal(u.pkts_used, u0.pkts_used + 1); /* still referenced */
	net_pkt_free(s, p);
	net_usage(s, &u);
	assert_int_equal(u.pkts_used, u0.pkts_used);
	/* exhaust the pool: allocation fails cleanly */
	struct net_pkt *all[300];
	unsigned n = 0;
	while (n < 300 && (all[n] = net_pkt_alloc(s)))
		n++;
	assert_int_equal(n, u0.pkts_total - u0.pkts_used);
	while (n)
		net_pkt_free(s, all[--n]);

	/* ring: sparse writes, wrap-around, blocks freed as the head passes */
	struct net_ring r;
	ring_init(&r);
	uint8_t in[5000], out[5000];
	for (int i = 0; i < 5000; i++)
		in[i] = (uint8_t)(i ^ (i >> 8));
	assert_true(ring_write(s, &r, 3000, in + 3000, 2000)); /* out of order first */
	assert_true(ring_write(s, &r, 0, in, 3000));
	r.len = 5000;
	ring_read(s, &r, 0, out, 5000);
	assert_memory_equal(in, out, 5000);
	net_usage(s, &u);
	assert_int_equal(u.blocks_used, 3);
	ring_consume(s, &r, 4100);
	net_usage(s, &u);
	assert_int_equal(u.blocks_used, 1);
	ring_read(s, &r, 0, out, 900);
	assert_memory_equal(in + 4100, out, 900);
	/* keep going around the ring several times */
	uint32_t total = 0;
	for (int round = 0; round < 600; round++) {
		assert_true(ring_write(s, &r, r.len, in, 1777));
		r.len += 1777;
		ring_read(s, &r, r.len - 1777, out, 1777);
		assert_memory_equal(in, out, 1777);
		ring_consume(s, &r, 1777);
		total += 1777;
	}
	assert_true(total > NET_TCP_BUF_MAX * 3);
	assert_false(ring_write(s, &r, NET_TCP_BUF_MAX, in, 1)); /* beyond the limit */
	ring_release(s, &r);
	net_usage(s, &u);
	assert_int_equal(u.blocks_used, 0);
}

static void test_fmt(void **state)
{
	(void)state;
	struct net_fmt f;
	nf_init(&f);
	nf_str(&f, "a=");
	nf_u64(&f, 0);
	nf_str(&f, " b=");
	nf_i64(&f, -1234567890123ll);
	nf_str(&f, " c=");
	nf_hex(&f, 0xdeadbeef);
	nf_str(&f, " ip=");
	nf_ip(&f, IP4(192, 168, 1, 254));
	assert_string_equal(f.buf, "a=0 b=-1234567890123 c=0xdeadbeef ip=192.168.1.254");
	for (int i = 0; i < 100; i++)
		nf_str(&f, "overflow");
	assert_true(strlen(f.buf) < sizeof(f.buf));
}

static void test_init_rejects_bad_config(void **state)
{
	(void)state;
	struct net_config c;
	test_config(&c, 5);
	c.mtu = 100;
	assert_int_equal(net_mem_size(&c), 0);
	test_config(&c, 5);
	size_t need = net_mem_size(&c);
	assert_true(need > 0);
	void *mem = aligned_alloc(64, need);
	struct net_port port = { 0 };
	assert_null(net_init(mem, need, &c, &port)); /* no callbacks */
	free(mem);
}

/* ---------------------------------------------------------------- Ethernet / ARP */
static void test_eth_drops(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	uint8_t fr[FRAME_MAX];
	const struct net_stats *ns = net_stats(s);
	node_input(&f->n, fr, 10);
	assert_int_equal(ns->drops[NET_DROP_ETH_SHORT], 1);
	uint8_t other[6] = { 0x02, 1, 2, 3, 4, 5 };
	size_t n = build_udp(fr, other, PEER_MAC, PEER, US, 1, 2, "x", 1);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_ETH_NOT_FOR_US], 1);
	n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 1, 2, "x", 1);
	fr[12] = 0x86;
	fr[13] = 0xdd; /* IPv6 */
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_ETH_TYPE], 1);
	assert_int_equal(cap_count(&f->n), 0);
}

static void test_arp_reply_and_learn(void **state)
{
	struct fx *f = *state;
	uint8_t fr[FRAME_MAX];
	static const uint8_t zero[6] = { 0 };
	size_t n = build_arp(fr, BCAST, PEER_MAC, ARP_OP_REQUEST, PEER_MAC, PEER, zero, US);
	node_input(&f->n, fr, n);
	struct frame out;
	assert_true(cap_pop(&f->n, &out));
	struct pf p;
	assert_true(parse_frame(out.data, out.len, &p));
	assert_int_equal(p.type, ETH_TYPE_ARP);
	assert_int_equal(p.arp_op, ARP_OP_REPLY);
	assert_memory_equal(p.dst, PEER_MAC, 6);
	assert_memory_equal(p.arp_sha, f->mac, 6);
	assert_int_equal(p.arp_spa, US);
	assert_int_equal(p.arp_tpa, PEER);
	assert_memory_equal(p.arp_tha, PEER_MAC, 6);
	assert_true(out.len >= 60);
	uint8_t mac[6];
	assert_true(net_arp_lookup(f->n.st, PEER, mac)); /* learnt from the request */
	assert_memory_equal(mac, PEER_MAC, 6);
	/* a request for someone else: not answered, not learnt */
	n = build_arp(fr, BCAST, PEER_MAC, ARP_OP_REQUEST, PEER_MAC, IP4(10, 0, 0, 77), zero,
		      IP4(10, 0, 0, 78));
	node_input(&f->n, fr, n);
	assert_int_equal(cap_count(&f->n), 0);
	assert_false(net_arp_lookup(f->n.st, IP4(10, 0, 0, 77), mac));
	assert_int_equal(net_stats(f->n.st)->drops[NET_DROP_ARP_NOT_FOR_US], 1);
	/* malformed (hardware length 8) */
	n = build_arp(fr, BCAST, PEER_MAC, ARP_OP_REQUEST, PEER_MAC, PEER, zero, US);
	fr[ETH_HLEN + 4] = 8;
	node_input(&f->n, fr, n);
	assert_int_equal(net_stats(f->n.st)->drops[NET_DROP_ARP_BAD], 1);
	/* after arp_timeout the entry is stale: traffic still goes to the known
	 * address at once, and a unicast request confirms it */
	node_advance(&f->n, f->clock + MS(f->n.cfg.arp_timeout_ms) + 1);
	assert_true(net_arp_lookup(f->n.st, PEER, mac));
	int h = net_udp_socket(f->n.st, NET_DGRAM_UDP);
	struct net_sockaddr dst = { PEER, 7 };
	assert_int_equal(net_udp_sendto(f->n.st, h, "stale", 5, &dst), 5);
	assert_int_equal(cap_count(&f->n), 2);
	bool udp = false, probe = false;
	while (cap_pop(&f->n, &out)) {
		parse_frame(out.data, out.len, &p);
		assert_memory_equal(p.dst, PEER_MAC, 6); /* both unicast */
		udp |= p.proto == IP_PROTO_UDP;
		probe |= p.type == ETH_TYPE_ARP && p.arp_op == ARP_OP_REQUEST && p.arp_tpa == PEER;
	}
	assert_true(udp && probe);
	/* answered: reachable again, no more requests */
	n = build_arp(fr, f->mac, PEER_MAC, ARP_OP_REPLY, PEER_MAC, PEER, f->mac, US);
	node_input(&f->n, fr, n);
	node_advance(&f->n, f->clock + MS(f->n.cfg.arp_retry_ms) * 2);
	assert_int_equal(cap_count(&f->n), 0);
	/* stale again, probed, never answered: after arp_retries requests it is gone */
	node_advance(&f->n, f->clock + MS(f->n.cfg.arp_timeout_ms) + 1);
	assert_int_equal(net_udp_sendto(f->n.st, h, "x", 1, &dst), 1);
	for (int i = 0; i < (int)f->n.cfg.arp_retries + 1; i++)
		node_advance(&f->n, f->clock + MS(f->n.cfg.arp_retry_ms));
	size_t requests = 0;
	while (cap_pop(&f->n, &out)) {
		parse_frame(out.data, out.len, &p);
		requests += p.type == ETH_TYPE_ARP && p.arp_op == ARP_OP_REQUEST;
	}
	assert_int_equal(requests, (size_t)f->n.cfg.arp_retries);
	assert_false(net_arp_lookup(f->n.st, PEER, mac));
	net_udp_close(f->n.st, h);
}

static void test_arp_resolve_queue_and_timeout(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	assert_true(h > 0);
	struct net_sockaddr dst = { PEER, 7 };
	/* six datagrams wait for resolution; only NET_ARP_PENDING_MAX are kept */
	for (int i = 0; i < 6; i++)
		assert_int_equal(net_udp_sendto(s, h, "hello", 5, &dst), 5);
	struct frame out;
	struct pf p;
	assert_int_equal(cap_count(&f->n), 1);
	assert_true(cap_pop(&f->n, &out));
	parse_frame(out.data, out.len, &p);
	assert_int_equal(p.arp_op, ARP_OP_REQUEST);
	assert_memory_equal(p.dst, BCAST, 6);
	assert_int_equal(p.arp_tpa, PEER);
	assert_int_equal(net_stats(s)->drops[NET_DROP_ARP_PENDING_FULL], 6 - NET_ARP_PENDING_MAX);
	/* retried each arp_retry_ms */
	node_advance(&f->n, f->clock + MS(f->n.cfg.arp_retry_ms));
	assert_int_equal(cap_count(&f->n), 1);
	cap_clear(&f->n);
	/* the reply releases the queue, in order */
	uint8_t fr[FRAME_MAX];
	size_t n = build_arp(fr, f->mac, PEER_MAC, ARP_OP_REPLY, PEER_MAC, PEER, f->mac, US);
	node_input(&f->n, fr, n);
	assert_int_equal(cap_count(&f->n), NET_ARP_PENDING_MAX);
	while (cap_pop(&f->n, &out)) {
		parse_frame(out.data, out.len, &p);
		assert_int_equal(p.proto, IP_PROTO_UDP);
		assert_memory_equal(p.dst, PEER_MAC, 6);
		assert_true(p.l4_csum_ok && p.ip_csum_ok);
		assert_int_equal(p.plen, 5);
	}
	/* an unreachable host: requests stop after arp_retries, queue dropped */
	struct net_sockaddr gone = { IP4(10, 0, 0, 50), 7 };
	assert_int_equal(net_udp_sendto(s, h, "x", 1, &gone), 1);
	for (int i = 0; i < 10; i++)
		node_advance(&f->n, f->clock + MS(f->n.cfg.arp_retry_ms));
	assert_int_equal(cap_count(&f->n), f->n.cfg.arp_retries);
	assert_int_equal(net_stats(s)->drops[NET_DROP_ARP_UNRESOLVED], 1);
	cap_clear(&f->n);
	/* off-link destinations go to the gateway's MAC */
	struct net_sockaddr far = { IP4(8, 8, 8, 8), 53 };
	assert_int_equal(net_udp_sendto(s, h, "q", 1, &far), 1);
	assert_true(cap_pop(&f->n, &out));
	parse_frame(out.data, out.len, &p);
	assert_int_equal(p.arp_tpa, IP4(10, 0, 0, 254));
	net_udp_close(s, h);
}

static void test_gratuitous_arp(void **state)
{
	struct fx *f = *state;
	net_ipv4_set(f->n.st, IP4(10, 0, 0, 5), 0xffffff00u, 0);
	struct frame out;
	assert_true(cap_pop(&f->n, &out));
	struct pf p;
	parse_frame(out.data, out.len, &p);
	assert_int_equal(p.arp_op, ARP_OP_REQUEST);
	assert_int_equal(p.arp_spa, IP4(10, 0, 0, 5));
	assert_int_equal(p.arp_tpa, IP4(10, 0, 0, 5));
	assert_memory_equal(p.dst, BCAST, 6);
	/* the address change is an event on handle 0 */
	struct net_event ev[4];
	unsigned n = net_events(f->n.st, ev, 4);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].handle, 0);
	assert_true(ev[0].events & NET_EV_ADDR);
	/* a gratuitous ARP from a known host updates its entry */
	uint8_t newmac[6] = { 0x02, 0, 0, 0, 0, 0x98 };
	net_arp_set(f->n.st, PEER, PEER_MAC, false);
	uint8_t fr[FRAME_MAX];
	static const uint8_t zero[6] = { 0 };
	size_t len = build_arp(fr, BCAST, newmac, ARP_OP_REQUEST, newmac, PEER, zero, PEER);
	node_input(&f->n, fr, len);
	uint8_t mac[6];
	assert_true(net_arp_lookup(f->n.st, PEER, mac));
	assert_memory_equal(mac, newmac, 6);
}

/* ---------------------------------------------------------------- IPv4 */
static void test_ip_validation(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	const struct net_stats *ns = net_stats(s);
	uint8_t fr[FRAME_MAX];
	size_t n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 1, 9, "abc", 3);
	uint8_t bad[FRAME_MAX];
	memcpy(bad, fr, n);
	bad[ETH_HLEN] = 0x65; /* version 6 */
	node_input(&f->n, bad, n);
	assert_int_equal(ns->drops[NET_DROP_IP_VERSION], 1);
	memcpy(bad, fr, n);
	bad[ETH_HLEN] = 0x44; /* header length 16 */
	node_input(&f->n, bad, n);
	assert_int_equal(ns->drops[NET_DROP_IP_HLEN], 1);
	memcpy(bad, fr, n);
	bad[ETH_HLEN + 8] ^= 1; /* TTL changed, checksum now wrong */
	node_input(&f->n, bad, n);
	assert_int_equal(ns->drops[NET_DROP_IP_CSUM], 1);
	/* the driver vouched for the header checksum: accepted as is */
	net_input_copy(s, bad, n, NET_PKT_RX_IP_CSUM_OK);
	assert_int_equal(ns->drops[NET_DROP_IP_CSUM], 1);
	assert_int_equal(ns->drops[NET_DROP_UDP_NO_PORT], 1);
	/* the driver saw a bad checksum */
	net_input_copy(s, fr, n, NET_PKT_RX_CSUM_BAD);
	assert_int_equal(ns->drops[NET_DROP_DRIVER_CSUM], 1);
	/* total length beyond the frame */
	n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 1, 9, "abc", 3);
	node_input(&f->n, fr, n - 2);
	assert_int_equal(ns->drops[NET_DROP_IP_LEN], 1);
	/* not our address, a martian source, an unknown protocol */
	n = build_udp(fr, f->mac, PEER_MAC, PEER, IP4(10, 0, 0, 3), 1, 9, "abc", 3);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_IP_NOT_FOR_US], 1);
	n = build_udp(fr, f->mac, PEER_MAC, IP4(224, 0, 0, 1), US, 1, 9, "abc", 3);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_IP_BAD_SRC], 1);
	/* loopback addresses never come from the wire (RFC 1122 3.2.1.3 (g)) */
	n = build_udp(fr, f->mac, PEER_MAC, IP4(127, 0, 0, 1), US, 1, 9, "abc", 3);
	node_input(&f->n, fr, n);
	n = build_udp(fr, f->mac, PEER_MAC, PEER, IP4(127, 0, 0, 1), 1, 9, "abc", 3);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_IP_LOOPBACK_WIRE], 2);
	assert_int_equal(ns->drops[NET_DROP_IP_BAD_SRC], 1);
	net_arp_set(s, PEER, PEER_MAC, true);
	n = build_ip(fr, f->mac, PEER_MAC, PEER, US, 99, 7, 0, "zzzzzzzz", 8);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_IP_PROTO], 1);
	struct frame out;
	struct pf p;
	/* ICMP port unreachable from the earlier datagram, then protocol unreachable */
	int seen_proto = 0;
	while (cap_pop(&f->n, &out)) {
		parse_frame(out.data, out.len, &p);
		if (p.proto == IP_PROTO_ICMP && p.icmp_type == ICMP_UNREACH && p.icmp_code == ICMP_UNREACH_PROTO)
			seen_proto = 1;
	}
	assert_true(seen_proto);
	/* IP options are skipped: a datagram with a 24-byte header reaches UDP */
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr a = { 0, 9 };
	assert_int_equal(net_udp_bind(s, h, &a), 0);
	n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 1, 9, "opt", 3);
	uint8_t withopt[FRAME_MAX];
	memcpy(withopt, fr, ETH_HLEN + IP_HLEN);
	withopt[ETH_HLEN] = 0x46;
	memset(withopt + ETH_HLEN + IP_HLEN, 1, 4); /* four NOP options */
	memcpy(withopt + ETH_HLEN + 24, fr + ETH_HLEN + IP_HLEN, n - ETH_HLEN - IP_HLEN);
	uint16_t tl = (uint16_t)(n - ETH_HLEN + 4);
	withopt[ETH_HLEN + 2] = (uint8_t)(tl >> 8);
	withopt[ETH_HLEN + 3] = (uint8_t)tl;
	withopt[ETH_HLEN + 10] = withopt[ETH_HLEN + 11] = 0;
	uint16_t c = csum_ip_hdr(withopt + ETH_HLEN, 24);
	memcpy(withopt + ETH_HLEN + 10, &c, 2);
	node_input(&f->n, withopt, n + 4);
	char buf[16];
	struct net_sockaddr from;
	assert_int_equal(net_udp_recvfrom(s, h, buf, sizeof(buf), &from, NULL), 3);
	assert_memory_equal(buf, "opt", 3);
	net_udp_close(s, h);
}

static void send_frag(struct fx *f, uint16_t id, uint32_t off, bool more, const uint8_t *payload,
		      size_t len)
{
	uint8_t fr[FRAME_MAX];
	size_t n = build_ip(fr, f->mac, PEER_MAC, PEER, US, IP_PROTO_UDP, id,
			    (uint16_t)((off / 8) | (more ? IP_MF : 0)), payload, len);
	node_input(&f->n, fr, n);
}

/* a UDP datagram of `len` payload bytes to port 9, returned as raw L4 bytes */
static size_t make_udp_l4(uint8_t *l4, size_t len)
{
	struct udp_hdr *uh = (void *)l4;
	uh->sport = net_htons(1000);
	uh->dport = net_htons(9);
	uh->len = net_htons((uint16_t)(UDP_HLEN + len));
	uh->csum = 0;
	for (size_t i = 0; i < len; i++)
		l4[UDP_HLEN + i] = (uint8_t)(i * 13 + 1);
	uint16_t c = inet_csum(l4, UDP_HLEN + len, csum_pseudo(PEER, US, IP_PROTO_UDP, (uint16_t)(UDP_HLEN + len)));
	uh->csum = c ? c : 0xffff;
	return UDP_HLEN + len;
}

static void test_fragments_out_of_order(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr a = { 0, 9 };
	net_udp_bind(s, h, &a);
	static uint8_t l4[6000];
	size_t n = make_udp_l4(l4, 5000);
	/* five fragments of 1024 bytes (last shorter), delivered 4,2,0,3,1 */
	const int order[5] = { 4, 2, 0, 3, 1 };
	for (int i = 0; i < 5; i++) {
		uint32_t off = (uint32_t)order[i] * 1024;
		size_t len = off + 1024 <= n ? 1024 : n - off;
		send_frag(f, 77, off, off + len < n, l4 + off, len);
		if (i < 4)
			assert_int_equal(net_udp_recvfrom(s, h, (uint8_t[8]){ 0 }, 8, NULL, NULL), -NET_EAGAIN);
	}
	static uint8_t out[6000];
	struct net_sockaddr from;
	bool trunc = true;
	assert_int_equal(net_udp_recvfrom(s, h, out, sizeof(out), &from, &trunc), 5000);
	assert_false(trunc);
	assert_memory_equal(out, l4 + UDP_HLEN, 5000);
	assert_int_equal(from.addr, PEER);
	assert_int_equal(from.port, 1000);
	const struct net_stats *ns = net_stats(s);
	assert_int_equal(ns->accepted[NET_ACC_FRAG_QUEUED], 5);
	assert_int_equal(ns->rx_reassembled, 1);
	struct net_usage u;
	net_usage(s, &u);
	assert_int_equal(u.reasm_used, 0); /* slot back once the datagram was read */
	/* an exact duplicate fragment is dropped alone, the datagram survives */
	send_frag(f, 78, 0, true, l4, 1024);
	send_frag(f, 78, 0, true, l4, 1024);
	assert_int_equal(ns->drops[NET_DROP_FRAG_DUP], 1);
	for (uint32_t off = 1024; off < n; off += 1024)
		send_frag(f, 78, off, off + 1024 < n, l4 + off, off + 1024 <= n ? 1024 : n - off);
	assert_int_equal(net_udp_recvfrom(s, h, out, sizeof(out), NULL, NULL), 5000);
	net_udp_close(s, h);
}

static void test_fragments_overlap_and_oversize(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	const struct net_stats *ns = net_stats(s);
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr a = { 0, 9 };
	net_udp_bind(s, h, &a);
	static uint8_t l4[4000];
	size_t n = make_udp_l4(l4, 1992);
	/* overlapping: [0,1024) then [512,1536) -> the whole datagram is dropped */
	send_frag(f, 90, 0, true, l4, 1024);
	uint8_t evil[1024];
	memset(evil, 0xee, sizeof(evil));
	send_frag(f, 90, 512, true, evil, 1024);
	assert_int_equal(ns->drops[NET_DROP_FRAG_OVERLAP], 1);
	send_frag(f, 90, 1024, false, l4 + 1024, n - 1024);
	/* the rest cannot complete a datagram: a new reassembly starts and times out */
	assert_int_equal(net_udp_recvfrom(s, h, (uint8_t[8]){ 0 }, 8, NULL, NULL), -NET_EAGAIN);
	/* conflicting ends */
	send_frag(f, 91, 1024, false, l4 + 1024, 1000);
	send_frag(f, 91, 1024, false, l4 + 1024, 1016);
	assert_int_equal(ns->drops[NET_DROP_FRAG_OVERLAP], 2);
	/* oversized: the last fragment would end past 65535 bytes */
	uint8_t big[1024] = { 0 };
	send_frag(f, 92, 65528, false, big, 16);
	assert_int_equal(ns->drops[NET_DROP_FRAG_TOO_BIG], 1);
	/* larger than this instance reassembles (reasm_max) */
	send_frag(f, 93, f->n.cfg.reasm_max, true, big, 1024);
	assert_int_equal(ns->drops[NET_DROP_FRAG_TOO_BIG], 2);
	/* a middle fragment whose size is not a multiple of 8 */
	send_frag(f, 94, 8, true, big, 100);
	assert_int_equal(ns->drops[NET_DROP_FRAG_BAD], 1);
	/* timeout: first fragment seen, so an ICMP time exceeded (reassembly) goes out */
	net_arp_set(s, PEER, PEER_MAC, true);
	cap_clear(&f->n);
	send_frag(f, 95, 0, true, l4, 1024);
	node_advance(&f->n, f->clock + MS(f->n.cfg.reasm_timeout_ms) + 1);
	assert_true(ns->drops[NET_DROP_FRAG_TIMEOUT] >= 1);
	struct frame out;
	struct pf p;
	bool te = false;
	while (cap_pop(&f->n, &out)) {
		parse_frame(out.data, out.len, &p);
		if (p.proto == IP_PROTO_ICMP && p.icmp_type == ICMP_TIMXCEED && p.icmp_code == 1) {
			te = true;
			assert_int_equal(p.ip_dst, PEER);
			/* quotes the original header (id 95) and 8 bytes */
			assert_int_equal(p.plen, 28);
			assert_int_equal(p.payload[4] << 8 | p.payload[5], 95);
		}
	}
	assert_true(te);
	struct net_usage u;
	net_usage(s, &u);
	assert_int_equal(u.reasm_used, 0);
	/* slots are bounded: more concurrent datagrams than slots evict the oldest */
	for (uint16_t id = 200; id < 200 + f->n.cfg.reasm_slots + 2; id++)
		send_frag(f, id, 0, true, l4, 1024);
	net_usage(s, &u);
	assert_int_equal(u.reasm_used, f->n.cfg.reasm_slots);
	assert_int_equal(ns->drops[NET_DROP_FRAG_EVICTED], 2);
	net_udp_close(s, h);
}

/* ---------------------------------------------------------------- ICMP */
static void test_icmp_echo_and_rate_limit(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_arp_set(s, PEER, PEER_MAC, true);
	uint8_t fr[FRAME_MAX];
	size_t n = build_icmp(fr, f->mac, PEER_MAC, PEER, US, ICMP_ECHO, 0, 0x1234, 1, "pingdata", 8);
	node_input(&f->n, fr, n);
	struct frame out;
	assert_true(cap_pop(&f->n, &out));
	struct pf p;
	parse_frame(out.data, out.len, &p);
	assert_int_equal(p.icmp_type, ICMP_ECHOREPLY);
	assert_int_equal(p.icmp_id, 0x1234);
	assert_int_equal(p.icmp_seq, 1);
	assert_int_equal(p.plen, 8);
	assert_memory_equal(p.payload, "pingdata", 8);
	assert_true(p.l4_csum_ok && p.ip_csum_ok);
	assert_int_equal(p.ip_dst, PEER);
	/* bad checksum */
	fr[n - 1] ^= 0x55;
	node_input(&f->n, fr, n);
	assert_int_equal(net_stats(s)->drops[NET_DROP_ICMP_CSUM], 1);
	/* a flood: at most the burst is answered, the rest is counted */
	unsigned burst = f->n.cfg.icmp_burst;
	n = build_icmp(fr, f->mac, PEER_MAC, PEER, US, ICMP_ECHO, 0, 1, 2, "x", 1);
	for (unsigned i = 0; i < burst + 20; i++)
		node_input(&f->n, fr, n);
	assert_true(cap_count(&f->n) <= burst);
	assert_true(cap_count(&f->n) >= burst - 2);
	assert_true(net_stats(s)->drops[NET_DROP_ICMP_RATE] >= 20);
	cap_clear(&f->n);
	/* tokens come back with time: 1 s refills icmp_rate_per_s */
	node_advance(&f->n, f->clock + SEC(1));
	node_input(&f->n, fr, n);
	assert_int_equal(cap_count(&f->n), 1);
}

/* A 16000-byte echo request in fragments (ping -s 16000): the reply leaves
 * in fragments of at most the MTU, reassembles to exactly the request's data,
 * and no other buffer of the pool is touched (a UDP datagram held meanwhile
 * comes out byte for byte, every guard is intact). */
static void test_icmp_echo_oversized_fragmented(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_arp_set(s, PEER, PEER_MAC, true);
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr a = { 0, 9 };
	net_udp_bind(s, h, &a);
	static uint8_t req[16008], udp[1400], got[16008];
	size_t un = make_udp_l4(udp, 1300);
	size_t n = sizeof(req);
	for (size_t i = 8; i < n; i++)
		req[i] = (uint8_t)(i * 7 + 3);
	req[0] = ICMP_ECHO;
	req[4] = 0x12, req[5] = 0x34, req[6] = 0, req[7] = 9;
	uint16_t c = inet_csum(req, n, 0);
	memcpy(req + 2, &c, 2);
	for (int round = 0; round < 3; round++) {
		uint8_t fr[FRAME_MAX];
		size_t fn = build_ip(fr, f->mac, PEER_MAC, PEER, US, IP_PROTO_UDP, (uint16_t)(500 + round), 0, udp, un);
		node_input(&f->n, fr, fn); /* held in the socket while the pings run */
		for (uint32_t off = 0; off < n; off += 1480) {
			size_t len = off + 1480 <= n ? 1480 : n - off;
			fn = build_ip(fr, f->mac, PEER_MAC, PEER, US, IP_PROTO_ICMP, (uint16_t)(600 + round),
				      (uint16_t)((off / 8) | (off + len < n ? IP_MF : 0)), req + off, len);
			node_input(&f->n, fr, fn);
		}
		memset(got, 0, sizeof(got));
		size_t have = 0, frames = 0;
		struct frame out;
		struct pf p;
		while (cap_pop(&f->n, &out)) {
			assert_true(out.len <= 1514);
			assert_true(parse_frame(out.data, out.len, &p));
			assert_true(p.ip_csum_ok);
			assert_int_equal(p.proto, IP_PROTO_ICMP);
			assert_int_equal(p.ip_dst, PEER);
			uint32_t off = (uint32_t)(p.ip_frag & IP_OFFMASK) * 8;
			size_t len = (size_t)p.ip_len - p.ip_hl;
			assert_true(off + len <= n);
			assert_true((p.ip_frag & IP_MF) || off + len == n);
			memcpy(got + off, out.data + 14 + p.ip_hl, len);
			have += len;
			frames++;
		}
		assert_int_equal(frames, 11); /* ceil(16008 / 1480) */
		assert_int_equal(have, n);
		assert_int_equal(got[0], ICMP_ECHOREPLY);
		assert_int_equal(inet_csum(got, n, 0), 0);
		assert_memory_equal(got + 4, req + 4, n - 4);
		static uint8_t ubuf[1400];
		assert_int_equal(net_udp_recvfrom(s, h, ubuf, sizeof(ubuf), NULL, NULL), 1300);
		assert_memory_equal(ubuf, udp + UDP_HLEN, 1300);
	}
	assert_int_equal(net_stats(s)->icmp_echo_replies, 3);
	assert_int_equal(net_stats(s)->frags_out, 33);
	assert_int_equal(net_stats(s)->pkt_guard_broken, 0);
	net_udp_close(s, h);
}

/* A write past a packet's room is caught by the guard when it is freed. */
static void test_pkt_guard_catches_overrun(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	struct net_pkt *p = net_pkt_alloc(s);
	assert_non_null(p);
	uint16_t room = net_pkt_tailroom(p);
	assert_int_equal(room, NET_PKT_BUFSIZE - NET_PKT_GUARD - NET_PKT_HEADROOM);
	assert_non_null(net_pkt_put(p, room));
	assert_null(net_pkt_put(p, 1)); /* checked: no room left */
	net_pkt_free(s, p);
	assert_int_equal(net_stats(s)->pkt_guard_broken, 0);
	p = net_pkt_alloc(s);
	p->data[room] = 0; /* one byte past the room */
	net_pkt_free(s, p);
	assert_int_equal(net_stats(s)->pkt_guard_broken, 1);
	p = net_pkt_alloc(s); /* the guard was repaired */
	net_pkt_free(s, p);
	assert_int_equal(net_stats(s)->pkt_guard_broken, 1);
}

/* ---------------------------------------------------------------- UDP */
/* Our own source address: spoofed when it comes from the wire, expected on
 * frames the port looped back (a connection to our own address). */
static void test_own_source_only_when_looped(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	const struct net_stats *ns = net_stats(s);
	int h = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr ad = { 0, 5007 };
	assert_int_equal(net_udp_bind(s, h, &ad), 0);
	uint8_t fr[FRAME_MAX], got[8];
	size_t n = build_udp(fr, f->mac, f->mac, US, US, 4000, 5007, "self", 4);
	node_input(&f->n, fr, n);
	assert_int_equal(ns->drops[NET_DROP_IP_BAD_SRC], 1);
	assert_int_equal(net_udp_recvfrom(s, h, got, sizeof(got), NULL, NULL), -NET_EAGAIN);
	assert_int_equal(net_input_copy(s, fr, n, NET_PKT_RX_LOOPED), NET_INPUT_LOCAL);
	assert_int_equal(ns->drops[NET_DROP_IP_BAD_SRC], 1);
	struct net_sockaddr from;
	assert_int_equal(net_udp_recvfrom(s, h, got, sizeof(got), &from, NULL), 4);
	assert_memory_equal(got, "self", 4);
	assert_int_equal(from.addr, US);
	assert_int_equal(from.port, 4000);
}

/* ---------------------------------------------------------------- loopback */
/* The port's part of loopback: every frame the stack sends to its own MAC
 * comes back as looped; checks each one stays on 127/8 and our MAC.
 * Returns the number of frames looped. */
static int loop_frames(struct fx *f, uint32_t want_src, uint32_t want_dst_net)
{
	struct frame out;
	struct pf p;
	int n = 0;
	while (cap_pop(&f->n, &out)) {
		assert_true(parse_frame(out.data, out.len, &p));
		assert_memory_equal(p.dst, f->mac, 6);
		assert_true(p.is_ip && p.ip_csum_ok && p.l4_csum_ok);
		assert_true(p.ip_src == want_src || (p.ip_src >> 24) == want_dst_net);
		assert_int_equal(p.ip_dst >> 24, want_dst_net);
		net_input_copy(f->n.st, out.data, out.len, NET_PKT_RX_LOOPED);
		node_poll(&f->n);
		n++;
	}
	return n;
}

/* 127.0.0.1 reaches our own TCP listener and UDP socket, with 127.0.0.1 as
 * the source, and an echo request is answered. */
static void test_loopback(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	const uint32_t LO = IP4(127, 0, 0, 1);
	int l = net_tcp_socket(s), c = net_tcp_socket(s);
	struct net_sockaddr any = { 0, 7000 }, lo = { LO, 7000 }, a;
	assert_int_equal(net_tcp_bind(s, l, &any), 0);
	assert_int_equal(net_tcp_listen(s, l, 4), 0);
	assert_int_equal(net_tcp_connect(s, c, &lo), -NET_EINPROGRESS);
	assert_true(loop_frames(f, LO, 127) >= 3); /* SYN, SYN-ACK, ACK */
	int srv = net_tcp_accept(s, l, &a);
	assert_true(srv >= 0);
	assert_int_equal(a.addr, LO);
	assert_int_equal(net_tcp_state(s, c), NET_TCP_ESTABLISHED);
	assert_int_equal(net_tcp_sockname(s, c, &a), 0);
	assert_int_equal(a.addr, LO);
	assert_int_equal(net_tcp_send(s, c, "ping", 4), 4);
	loop_frames(f, LO, 127);
	char buf[8];
	assert_int_equal(net_tcp_recv(s, srv, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	net_tcp_close(s, c);
	net_tcp_close(s, srv);
	net_tcp_close(s, l);
	loop_frames(f, LO, 127);

	/* UDP: a socket bound to 127.0.0.1 and one that sends to it */
	int u1 = net_udp_socket(s, NET_DGRAM_UDP), u2 = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr ub = { LO, 5300 };
	assert_int_equal(net_udp_bind(s, u1, &ub), 0);
	assert_int_equal(net_udp_sendto(s, u2, "dgram", 5, &ub), 5);
	assert_int_equal(loop_frames(f, LO, 127), 1);
	assert_int_equal(net_udp_recvfrom(s, u1, buf, sizeof(buf), &a, NULL), 5);
	assert_memory_equal(buf, "dgram", 5);
	assert_int_equal(a.addr, LO);
	net_udp_close(s, u1);
	/* to a closed port: our ICMP port unreachable comes back over loopback
	 * and a connected socket reports it (RFC 1122 4.1.3.3) */
	struct net_sockaddr closed = { LO, 5399 };
	assert_int_equal(net_udp_connect(s, u2, &closed), 0);
	assert_int_equal(net_udp_sendto(s, u2, "x", 1, NULL), 1);
	assert_int_equal(loop_frames(f, LO, 127), 2); /* the datagram, the ICMP error */
	assert_int_equal(net_udp_recvfrom(s, u2, buf, sizeof(buf), NULL, NULL), -NET_ECONNREFUSED);
	net_udp_close(s, u2);

	/* ping 127.0.0.1 (any 127/8 address is ours) */
	int e = net_udp_socket(s, NET_DGRAM_ICMP_ECHO);
	struct net_sockaddr id = { 0, 0x4242 }, to = { IP4(127, 1, 2, 3), 0 };
	assert_int_equal(net_udp_bind(s, e, &id), 0);
	assert_int_equal(net_udp_sendto(s, e, "abcd", 4, &to), 4);
	assert_int_equal(loop_frames(f, LO, 127), 2); /* request, reply */
	assert_int_equal(net_udp_recvfrom(s, e, buf, sizeof(buf), &a, NULL), 4);
	assert_int_equal(a.addr, IP4(127, 1, 2, 3));
	net_udp_close(s, e);
	assert_int_equal(net_stats(s)->drops[NET_DROP_IP_LOOPBACK_WIRE], 0);
}

/* Loopback works before the stack has an address (DHCP still running). */
static void test_loopback_without_address(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_ipv4_set(s, 0, 0, 0);
	cap_clear(&f->n);
	int u1 = net_udp_socket(s, NET_DGRAM_UDP), u2 = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr ub = { IP4(127, 0, 0, 1), 5300 }, a;
	char buf[8];
	assert_int_equal(net_udp_bind(s, u1, &ub), 0);
	assert_int_equal(net_udp_sendto(s, u2, "x", 1, &ub), 1);
	assert_int_equal(loop_frames(f, IP4(127, 0, 0, 1), 127), 1);
	assert_int_equal(net_udp_recvfrom(s, u1, buf, sizeof(buf), &a, NULL), 1);
	struct net_sockaddr out = { PEER, 9 };
	assert_int_equal(net_udp_sendto(s, u2, "x", 1, &out), -NET_ENETUNREACH);
	net_udp_close(s, u1);
	net_udp_close(s, u2);
}

static void test_udp_socket_rules(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	int a = net_udp_socket(s, NET_DGRAM_UDP);
	int b = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr ad = { 0, 5000 };
	assert_int_equal(net_udp_bind(s, a, &ad), 0);
	assert_int_equal(net_udp_bind(s, b, &ad), -NET_EADDRINUSE);
	struct net_sockaddr other = { IP4(10, 0, 0, 9), 5001 };
	assert_int_equal(net_udp_bind(s, b, &other), -NET_EADDRNOTAVAIL);
	ad.port = 0;
	assert_int_equal(net_udp_bind(s, b, &ad), 0);
	struct net_sockaddr nm;
	net_udp_sockname(s, b, &nm);
	assert_true(nm.port >= f->n.cfg.eph_lo && nm.port <= f->n.cfg.eph_hi);
	assert_int_equal(net_udp_sendto(s, b, "x", 1, NULL), -NET_EDESTADDRREQ);
	assert_int_equal(net_udp_close(s, a), 0);
	assert_int_equal(net_udp_close(s, a), -NET_EBADF); /* stale handle */
	assert_int_equal(net_udp_recvfrom(s, a, NULL, 0, NULL, NULL), -NET_EBADF);
	/* receive buffer limit */
	assert_int_equal(net_setsockopt(s, b, NET_SO_RCVBUF, 100), 0);
	uint8_t fr[FRAME_MAX], data[60] = { 0 };
	size_t n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 7, nm.port, data, 60);
	node_input(&f->n, fr, n);
	node_input(&f->n, fr, n);
	assert_int_equal(net_stats(s)->drops[NET_DROP_UDP_RCVBUF], 1);
	/* checksum error */
	fr[n - 1] ^= 1;
	node_input(&f->n, fr, n);
	assert_int_equal(net_stats(s)->drops[NET_DROP_UDP_CSUM], 1);
	/* a zero checksum means none */
	n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 7, nm.port, data, 10);
	fr[ETH_HLEN + IP_HLEN + 6] = fr[ETH_HLEN + IP_HLEN + 7] = 0;
	net_udp_recvfrom(s, b, data, sizeof(data), NULL, NULL);
	node_input(&f->n, fr, n);
	assert_int_equal(net_udp_recvfrom(s, b, data, sizeof(data), NULL, NULL), 10);
	/* truncation */
	n = build_udp(fr, f->mac, PEER_MAC, PEER, US, 7, nm.port, "0123456789", 10);
	node_input(&f->n, fr, n);
	bool tr = false;
	assert_int_equal(net_udp_recvfrom(s, b, data, 4, NULL, &tr), 4);
	assert_true(tr);
	net_udp_close(s, b);
}

/* two instances on a clean wire */
struct pair {
	struct sim sim;
	struct node a, b;
};

static void pair_init(struct pair *w)
{
	sim_init(&w->sim, 7);
	struct net_config c;
	test_config(&c, 1);
	node_init(&w->a, &w->sim.now, &c, 1);
	test_config(&c, 2);
	node_init(&w->b, &w->sim.now, &c, 2);
	sim_add(&w->sim, &w->a);
	sim_add(&w->sim, &w->b);
	net_ipv4_set(w->a.st, IP4(10, 0, 0, 1), 0xffffff00u, 0);
	net_ipv4_set(w->b.st, IP4(10, 0, 0, 2), 0xffffff00u, 0);
}

static void pair_fini(struct pair *w)
{
	assert_true(outcomes_balance(w->a.st));
	assert_true(outcomes_balance(w->b.st));
	node_fini(&w->a);
	node_fini(&w->b);
	sim_fini(&w->sim);
}

static void test_udp_round_trip_over_wire(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w);
	int srv = net_udp_socket(w.b.st, NET_DGRAM_UDP);
	struct net_sockaddr any = { 0, 7777 };
	assert_int_equal(net_udp_bind(w.b.st, srv, &any), 0);
	int cli = net_udp_socket(w.a.st, NET_DGRAM_UDP);
	struct net_sockaddr to = { IP4(10, 0, 0, 2), 7777 };
	assert_int_equal(net_udp_connect(w.a.st, cli, &to), 0);
	assert_int_equal(net_udp_sendto(w.a.st, cli, "request", 7, NULL), 7);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	struct net_event ev[8];
	unsigned ne = net_events(w.b.st, ev, 8);
	bool in = false;
	for (unsigned i = 0; i < ne; i++)
		if (ev[i].handle == srv && (ev[i].events & NET_EV_IN))
			in = true;
	assert_true(in);
	char buf[64];
	struct net_sockaddr from;
	assert_int_equal(net_udp_recvfrom(w.b.st, srv, buf, sizeof(buf), &from, NULL), 7);
	assert_memory_equal(buf, "request", 7);
	assert_int_equal(from.addr, IP4(10, 0, 0, 1));
	assert_int_equal(net_udp_sendto(w.b.st, srv, "reply!", 6, &from), 6);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	assert_int_equal(net_udp_recvfrom(w.a.st, cli, buf, sizeof(buf), NULL, NULL), 6);
	assert_memory_equal(buf, "reply!", 6);
	/* a big datagram goes out in fragments and comes back whole */
	static uint8_t big[9000], back[9000];
	for (int i = 0; i < 9000; i++)
		big[i] = (uint8_t)(i * 31);
	assert_int_equal(net_udp_sendto(w.a.st, cli, big, 9000, NULL), 9000);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	assert_int_equal(net_udp_recvfrom(w.b.st, srv, back, sizeof(back), NULL, NULL), 9000);
	assert_memory_equal(big, back, 9000);
	assert_int_equal(net_stats(w.a.st)->frags_out, 7);
	/* port unreachable comes back as ECONNREFUSED on the connected socket */
	net_udp_close(w.b.st, srv);
	assert_int_equal(net_udp_sendto(w.a.st, cli, "anyone?", 7, NULL), 7);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	assert_int_equal(net_stats(w.b.st)->drops[NET_DROP_UDP_NO_PORT], 1);
	assert_int_equal(net_udp_recvfrom(w.a.st, cli, buf, sizeof(buf), NULL, NULL), -NET_ECONNREFUSED);
	net_udp_close(w.a.st, cli);
	pair_fini(&w);
}

static void test_ping_round_trip_over_wire(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w);
	int ps = net_udp_socket(w.a.st, NET_DGRAM_ICMP_ECHO);
	struct net_sockaddr id = { 0, 0x4242 };
	assert_int_equal(net_udp_bind(w.a.st, ps, &id), 0);
	struct net_sockaddr to = { IP4(10, 0, 0, 2), 0 };
	for (int i = 0; i < 3; i++)
		assert_int_equal(net_udp_sendto(w.a.st, ps, "abcdefgh", 8, &to), 8);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	for (uint16_t i = 1; i <= 3; i++) {
		char buf[16];
		struct net_sockaddr from;
		assert_int_equal(net_udp_recvfrom(w.a.st, ps, buf, sizeof(buf), &from, NULL), 8);
		assert_memory_equal(buf, "abcdefgh", 8);
		assert_int_equal(from.addr, IP4(10, 0, 0, 2));
		assert_int_equal(from.port, i); /* sequence numbers 1, 2, 3 */
	}
	assert_int_equal(net_stats(w.b.st)->icmp_echo_replies, 3);
	/* an echo reply nobody waits for is counted */
	net_udp_close(w.a.st, ps);
	int ps2 = net_udp_socket(w.b.st, NET_DGRAM_ICMP_ECHO);
	struct net_sockaddr to_a = { IP4(10, 0, 0, 1), 0 };
	assert_int_equal(net_udp_sendto(w.b.st, ps2, "z", 1, &to_a), 1);
	net_udp_close(w.b.st, ps2);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	assert_int_equal(net_stats(w.b.st)->drops[NET_DROP_ICMP_NO_SOCKET], 1);
	pair_fini(&w);
}

static void test_tx_checksum_offload(void **state)
{
	(void)state;
	/* with offload on, the stack leaves checksums to the "NIC"; the
	 * wire's emulation completes them and the receiver verifies */
	struct pair w;
	sim_init(&w.sim, 9);
	struct net_config c;
	test_config(&c, 1);
	c.tx_csum_offload = true;
	node_init(&w.a, &w.sim.now, &c, 1);
	w.a.emulate_offload = true;
	test_config(&c, 2);
	node_init(&w.b, &w.sim.now, &c, 2);
	sim_add(&w.sim, &w.a);
	sim_add(&w.sim, &w.b);
	net_ipv4_set(w.a.st, IP4(10, 0, 0, 1), 0xffffff00u, 0);
	net_ipv4_set(w.b.st, IP4(10, 0, 0, 2), 0xffffff00u, 0);
	int srv = net_udp_socket(w.b.st, NET_DGRAM_UDP);
	struct net_sockaddr any = { 0, 9 };
	net_udp_bind(w.b.st, srv, &any);
	int cli = net_udp_socket(w.a.st, NET_DGRAM_UDP);
	struct net_sockaddr to = { IP4(10, 0, 0, 2), 9 };
	assert_int_equal(net_udp_sendto(w.a.st, cli, "offloaded", 9, &to), 9);
	sim_run(&w.sim, w.sim.now + SEC(1), NULL, NULL);
	char buf[16];
	assert_int_equal(net_udp_recvfrom(w.b.st, srv, buf, sizeof(buf), NULL, NULL), 9);
	assert_int_equal(net_stats(w.b.st)->drops[NET_DROP_UDP_CSUM], 0);
	assert_int_equal(net_stats(w.b.st)->drops[NET_DROP_IP_CSUM], 0);
	net_udp_close(w.a.st, cli);
	net_udp_close(w.b.st, srv);
	pair_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test_setup_teardown(test_pkt_pool_and_ring, setup, teardown),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_init_rejects_bad_config),
		cmocka_unit_test_setup_teardown(test_eth_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_reply_and_learn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arp_resolve_queue_and_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gratuitous_arp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ip_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fragments_overlap_and_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo_oversized_fragmented, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pkt_guard_catches_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_echo_and_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_socket_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_source_only_when_looped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_without_address, setup, teardown),
		cmocka_unit_test(test_udp_round_trip_over_wire),
		cmocka_unit_test(test_ping_round_trip_over_wire),
		cmocka_unit_test(test_tx_checksum_offload),
	};
	return cmocka_run_group_tests_name("net_basic", tests, NULL, NULL);
}
