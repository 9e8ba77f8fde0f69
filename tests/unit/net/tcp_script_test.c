/* Scripted packet-level TCP tests: the test plays the peer, injects crafted
 * segments and checks the exact header fields (flags, seq/ack, window,
 * options) and timing of what the stack sends, and the drop counters. */
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

#define US IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 99)
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };
#define T0 1000000000ull

struct sc {
	uint64_t clock;
	struct node n;
	struct net_stack *st;
	uint8_t mac[6];
	uint64_t drops0[NET_DROP__COUNT];
};

static void sc_make(struct sc *s, void (*tweak)(struct net_config *))
{
	memset(s, 0, sizeof(*s));
	struct net_config c;
	test_config(&c, 1);
	c.tcp_sndbuf = c.tcp_rcvbuf = 65536;
	if (tweak)
		tweak(&c);
	s->clock = T0;
	node_init(&s->n, &s->clock, &c, 99);
	s->st = s->n.st;
	memcpy(s->mac, c.mac, 6);
	net_ipv4_set(s->st, US, 0xffffff00u, 0);
	net_arp_set(s->st, PEER, PEER_MAC, true);
	cap_clear(&s->n);
	struct net_event ev[4];
	while (net_events(s->st, ev, 4)) {
	}
}

static int setup(void **state)
{
	struct sc *s = calloc(1, sizeof(*s));
	sc_make(s, NULL);
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct sc *s = *state;
	assert_true(outcomes_balance(s->st));
	node_fini(&s->n);
	free(s);
	return 0;
}

static void seg(struct sc *s, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		uint16_t win, const uint8_t *opts, size_t optlen, const void *data, size_t len)
{
	uint8_t buf[FRAME_MAX];
	struct seg_spec g = { PEER, US, sport, dport, seq, ack, flags, win, opts, optlen, data, len };
	size_t n = build_tcp(buf, s->mac, PEER_MAC, &g);
	node_input(&s->n, buf, n);
}

/* the next frame the stack sent must be a TCP segment */
static struct pf expect(struct sc *s, struct frame *f)
{
	struct pf p;
	assert_true(cap_pop(&s->n, f));
	assert_true(parse_frame(f->data, f->len, &p));
	assert_int_equal(p.proto, IP_PROTO_TCP);
	assert_true(p.ip_csum_ok);
	assert_true(p.l4_csum_ok);
	assert_int_equal(p.ip_dst, PEER);
	assert_true(p.ip_frag & 0x4000); /* DF */
	return p;
}

#define expect_none(s) expect_none_at(s, __LINE__)
static void expect_none_at(struct sc *s, int line)
{
	struct frame f;
	struct pf p;
	if (cap_pop(&s->n, &f)) {
		parse_frame(f.data, f.len, &p);
		fprintf(stderr, "# line %d: unexpected segment flags %x seq %u ack %u len %zu win %u\n", line,
			p.flags, p.seq, p.ack, p.plen, p.win);
		fail();
	}
}

static void advance(struct sc *s, uint64_t ns)
{
	node_advance(&s->n, s->clock + ns);
}

static uint64_t drop_delta(struct sc *s, int reason)
{
	uint64_t d = net_stats(s->st)->drops[reason] - s->drops0[reason];
	s->drops0[reason] = net_stats(s->st)->drops[reason];
	return d;
}

/* every drop so far must be one of those the test already accounted for */
static void no_unexpected_drops(struct sc *s)
{
	for (int i = 0; i < NET_DROP__COUNT; i++)
		if (net_stats(s->st)->drops[i] != s->drops0[i]) {
			fprintf(stderr, "# unexpected drop: %s\n", net_drop_name(i));
			fail();
		}
}

static int listen80(struct sc *s, int backlog)
{
	int l = net_tcp_socket(s->st);
	struct net_sockaddr a = { 0, 80 };
	assert_int_equal(net_tcp_bind(s->st, l, &a), 0);
	assert_int_equal(net_tcp_listen(s->st, l, backlog), 0);
	return l;
}

/* passive open without options; returns the accepted handle and our ISS */
static int passive(struct sc *s, int l, uint16_t pport, uint32_t pseq, uint32_t *iss)
{
	struct frame f;
	seg(s, pport, 80, pseq, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	*iss = p.seq;
	seg(s, pport, 80, pseq + 1, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	assert_true(h > 0);
	return h;
}

/* ---------------------------------------------------------------- handshakes */
static void test_passive_handshake_options(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint8_t o[40];
	size_t ol = opt_syn(o, 1460, 7, true, true, 12345, 0);
	seg(s, 40000, 80, 1000, 0, TCP_SYN, 29200, o, ol, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.sport, 80);
	assert_int_equal(p.dport, 40000);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p.ack, 1001);
	assert_int_equal(p.win, 65535); /* never scaled in a SYN */
	assert_true(p.opts.mss_ok);
	assert_int_equal(p.opts.mss, 1460);
	assert_true(p.opts.ws_ok);
	assert_int_equal(p.opts.ws, 1); /* 64 KiB buffer needs a shift of 1 */
	assert_true(p.opts.sack_ok);
	assert_true(p.opts.ts_ok);
	assert_int_equal(p.opts.tsecr, 12345);
	assert_int_equal(p.optlen, 20);
	/* exact layout: MSS, SACK-permitted, timestamps, NOP, window scale */
	const uint8_t want[4] = { TCPOPT_MSS, 4, 0x05, 0xb4 };
	assert_memory_equal(p.optraw, want, 4);
	assert_int_equal(p.optraw[4], TCPOPT_SACK_PERM);
	assert_int_equal(p.optraw[6], TCPOPT_TS);
	assert_int_equal(p.optraw[16], TCPOPT_NOP);
	assert_int_equal(p.optraw[17], TCPOPT_WSCALE);
	uint32_t iss = p.seq;
	expect_none(s);
	/* the third segment: scaled window from now on, timestamps echoed */
	ol = opt_ts(o, 12346, p.opts.tsval);
	seg(s, 40000, 80, 1001, iss + 1, TCP_ACK, 229, o, ol, NULL, 0);
	expect_none(s);
	struct net_sockaddr peer;
	int h = net_tcp_accept(s->st, l, &peer);
	assert_true(h > 0);
	assert_int_equal(peer.addr, PEER);
	assert_int_equal(peer.port, 40000);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.state, NET_TCP_ESTABLISHED);
	assert_int_equal(in.snd_wnd, 229u << 7);
	assert_int_equal(in.snd_wscale, 7);
	assert_int_equal(in.rcv_wscale, 1);
	assert_true(in.ts_ok && in.sack_ok);
	assert_int_equal(in.mss, 1460 - 12);
	/* data carries NOP NOP TS with the peer's latest TSval echoed */
	assert_int_equal(net_tcp_send(s->st, h, "hello", 5), 5);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK | TCP_PSH);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.ack, 1001);
	assert_int_equal(p.plen, 5);
	assert_int_equal(p.optlen, 12);
	assert_int_equal(p.optraw[0], TCPOPT_NOP);
	assert_int_equal(p.optraw[1], TCPOPT_NOP);
	assert_int_equal(p.opts.tsecr, 12346);
	assert_int_equal(p.win, 65536 >> 1);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

static void test_passive_handshake_no_options(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	seg(s, 40001, 80, 7, 0, TCP_SYN, 8192, NULL, 0, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p.optlen, 4); /* MSS only: nothing the peer did not offer */
	assert_false(p.opts.ws_ok || p.opts.ts_ok || p.opts.sack_ok);
	seg(s, 40001, 80, 8, p.seq + 1, TCP_ACK, 8192, NULL, 0, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.mss, 536); /* RFC 9293 default without the option */
	assert_int_equal(in.snd_wnd, 8192);
	assert_int_equal(in.rcv_wscale, 0);
	/* the retransmitted SYN while in SYN_RECEIVED gets the same SYN-ACK */
	seg(s, 40002, 80, 50, 0, TCP_SYN, 8192, NULL, 0, NULL, 0);
	struct pf a = expect(s, &f);
	seg(s, 40002, 80, 50, 0, TCP_SYN, 8192, NULL, 0, NULL, 0);
	struct pf b = expect(s, &f);
	assert_int_equal(a.seq, b.seq);
	assert_int_equal(b.ack, 51);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_DUP_SYN), 1);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

static void test_active_handshake(void **state)
{
	struct sc *s = *state;
	int h = net_tcp_socket(s->st);
	struct net_sockaddr to = { PEER, 5555 };
	assert_int_equal(net_tcp_connect(s->st, h, &to), -NET_EINPROGRESS);
	assert_int_equal(net_tcp_connect(s->st, h, &to), -NET_EALREADY);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN);
	assert_int_equal(p.optlen, 20);
	assert_true(p.opts.mss_ok && p.opts.ws_ok && p.opts.sack_ok && p.opts.ts_ok);
	assert_int_equal(p.opts.tsecr, 0);
	assert_true(p.sport >= s->n.cfg.eph_lo && p.sport <= s->n.cfg.eph_hi);
	uint32_t iss = p.seq;
	/* a SYN-ACK acking something else: RST <SEQ=SEG.ACK>, connection stays */
	seg(s, 5555, p.sport, 9000, iss + 77, TCP_SYN | TCP_ACK, 1000, NULL, 0, NULL, 0);
	struct pf r = expect(s, &f);
	assert_int_equal(r.flags, TCP_RST);
	assert_int_equal(r.seq, iss + 77);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_SYN_SENT), 1);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_SYN_SENT);
	/* a proper SYN-ACK (peer offers only MSS 1000): ACK, established */
	uint8_t o[8];
	size_t ol = opt_syn(o, 1000, -1, false, false, 0, 0);
	seg(s, 5555, p.sport, 9000, iss + 1, TCP_SYN | TCP_ACK, 5000, o, ol, NULL, 0);
	struct pf a = expect(s, &f);
	assert_int_equal(a.flags, TCP_ACK);
	assert_int_equal(a.seq, iss + 1);
	assert_int_equal(a.ack, 9001);
	assert_int_equal(a.optlen, 0); /* nothing negotiated */
	assert_int_equal(a.win, 65535);
	struct net_event ev[4];
	unsigned n = net_events(s->st, ev, 4);
	assert_int_equal(n, 1);
	assert_true(ev[0].events & NET_EV_CONNECTED);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.mss, 1000);
	assert_int_equal(in.snd_wnd, 5000);
	assert_int_equal(in.rcv_wscale, 0);
	assert_int_equal(in.cwnd, 4000); /* RFC 5681 IW for SMSS <= 1095: 4 segments */
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}

/* established active connection, peer MSS 1000, no TS/SACK/WS */
static int est_active(struct sc *s, uint32_t *iss, uint16_t *lport, uint16_t pwin)
{
	int h = net_tcp_socket(s->st);
	struct net_sockaddr to = { PEER, 5555 };
	assert_int_equal(net_tcp_connect(s->st, h, &to), -NET_EINPROGRESS);
	struct frame f;
	struct pf p = expect(s, &f);
	*iss = p.seq;
	*lport = p.sport;
	uint8_t o[8];
	size_t ol = opt_syn(o, 1000, -1, false, false, 0, 0);
	advance(s, MS(50)); /* a 50 ms RTT sample */
	seg(s, 5555, p.sport, 9000, p.seq + 1, TCP_SYN | TCP_ACK, pwin, o, ol, NULL, 0);
	expect(s, &f);
	struct net_event ev[4];
	net_events(s->st, ev, 4);
	return h;
}

/* ---------------------------------------------------------------- data */
static void test_data_delayed_ack_and_nagle(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	struct frame f;
	/* one small segment: the ACK is delayed by delack_ms */
	uint8_t data[3000];
	memset(data, 'd', sizeof(data));
	seg(s, 5555, lp, 9001, iss + 1, TCP_ACK | TCP_PSH, 60000, NULL, 0, data, 100);
	expect_none(s);
	advance(s, MS(39));
	expect_none(s);
	advance(s, MS(1));
	struct pf p = expect(s, &f);
	assert_int_equal(f.t, T0 + MS(50) + MS(40));
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.ack, 9101);
	/* receiver SWS avoidance: the edge stays where it was (65535 after the
	 * handshake), the window is not grown by a byte */
	assert_int_equal(p.win, 65535 - 100);
	/* two full-sized segments: ACKed at once after the second */
	seg(s, 5555, lp, 9101, iss + 1, TCP_ACK, 60000, NULL, 0, data, 1000);
	expect_none(s);
	seg(s, 5555, lp, 10101, iss + 1, TCP_ACK, 60000, NULL, 0, data, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 11101);
	char rb[4096];
	assert_int_equal(net_tcp_recv(s->st, h, rb, sizeof(rb)), 2100);
	/* reading 2100 bytes opened the window by two segments: a window update */
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.plen, 0);
	assert_int_equal(p.win, 65535);
	/* Nagle in Minshall's form: 2500 bytes go out as 1000, 1000 and the
	 * 500-byte tail at once (no short segment is unacknowledged) ... */
	assert_int_equal(net_tcp_send(s->st, h, data, 2500), 2500);
	p = expect(s, &f);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.plen, 1000);
	assert_int_equal(p.flags, TCP_ACK);
	p = expect(s, &f);
	assert_int_equal(p.seq, iss + 1001);
	assert_int_equal(p.plen, 1000);
	p = expect(s, &f);
	assert_int_equal(p.seq, iss + 2001);
	assert_int_equal(p.plen, 500);
	assert_int_equal(p.flags, TCP_ACK | TCP_PSH);
	/* ... but a second short write waits while that short tail is unacked */
	assert_int_equal(net_tcp_send(s->st, h, data, 300), 300);
	expect_none(s);
	seg(s, 5555, lp, 11101, iss + 2001, TCP_ACK, 60000, NULL, 0, NULL, 0);
	expect_none(s); /* the full segments are acked, the short one is not */
	seg(s, 5555, lp, 11101, iss + 2501, TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.seq, iss + 2501);
	assert_int_equal(p.plen, 300);
	assert_int_equal(p.flags, TCP_ACK | TCP_PSH);
	seg(s, 5555, lp, 11101, iss + 2801, TCP_ACK, 60000, NULL, 0, NULL, 0);
	/* with NET_SO_NODELAY small writes go at once, one segment each */
	assert_int_equal(net_setsockopt(s->st, h, NET_SO_NODELAY, 1), 0);
	assert_int_equal(net_tcp_send(s->st, h, "ab", 2), 2);
	assert_int_equal(net_tcp_send(s->st, h, "cd", 2), 2);
	p = expect(s, &f);
	assert_int_equal(p.plen, 2);
	p = expect(s, &f);
	assert_int_equal(p.plen, 2);
	assert_int_equal(p.seq, iss + 2803);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}

static void test_ooo_and_sack(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint8_t o[40];
	size_t ol = opt_syn(o, 1460, 0, true, false, 0, 0);
	seg(s, 41000, 80, 100, 0, TCP_SYN, 65535, o, ol, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	uint32_t iss = p.seq;
	seg(s, 41000, 80, 101, iss + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	uint8_t d[1000];
	for (int i = 0; i < 1000; i++)
		d[i] = (uint8_t)i;
	/* segment 2 and 4 before 1 and 3: immediate duplicate ACKs with SACK */
	seg(s, 41000, 80, 1101, iss + 1, TCP_ACK, 65535, NULL, 0, d, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 101);
	assert_int_equal(p.opts.nsack, 1);
	assert_int_equal(p.opts.sack[0][0], 1101);
	assert_int_equal(p.opts.sack[0][1], 2101);
	seg(s, 41000, 80, 3101, iss + 1, TCP_ACK, 65535, NULL, 0, d, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 101);
	assert_int_equal(p.opts.nsack, 2);
	assert_int_equal(p.opts.sack[0][0], 3101); /* the newest block first */
	assert_int_equal(p.opts.sack[1][0], 1101);
	/* the first hole filled: ACK jumps, at once, one SACK block left */
	seg(s, 41000, 80, 101, iss + 1, TCP_ACK, 65535, NULL, 0, d, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 2101);
	assert_int_equal(p.opts.nsack, 1);
	seg(s, 41000, 80, 2101, iss + 1, TCP_ACK, 65535, NULL, 0, d, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 4101);
	assert_int_equal(p.opts.nsack, 0);
	uint8_t rb[8000];
	assert_int_equal(net_tcp_recv(s->st, h, rb, sizeof(rb)), 4000);
	for (int k = 0; k < 4; k++)
		assert_memory_equal(rb + k * 1000, d, 1000);
	/* a duplicate of old data: ACKed, counted */
	seg(s, 41000, 80, 101, iss + 1, TCP_ACK, 65535, NULL, 0, d, 1000);
	p = expect(s, &f);
	assert_int_equal(p.ack, 4101);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_DUPLICATE), 1);
	/* more holes than NET_TCP_OOO_MAX: the extra range is refused */
	for (int k = 0; k <= NET_TCP_OOO_MAX; k++)
		seg(s, 41000, 80, 4101 + 2000u * (uint32_t)(k + 1), iss + 1, TCP_ACK, 65535, NULL, 0, d, 100);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_OOO_FULL), 1);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

/* ---------------------------------------------------------------- retransmission */
static void test_syn_rto_initial_and_backoff(void **state)
{
	struct sc *s = *state;
	int h = net_tcp_socket(s->st);
	struct net_sockaddr to = { PEER, 5555 };
	net_tcp_connect(s->st, h, &to);
	struct frame f;
	struct pf p = expect(s, &f);
	uint32_t iss = p.seq;
	uint64_t t = f.t;
	/* RFC 6298 2.1: initial RTO 1 s, then doubling */
	for (int i = 0; i < 4; i++) {
		advance(s, SEC(1) << i);
		p = expect(s, &f);
		assert_int_equal(p.flags, TCP_SYN);
		assert_int_equal(p.seq, iss);
		assert_true(f.t - t == SEC(1) << i);
		t = f.t;
	}
	/* an answer after retransmissions: no RTT sample (Karn), RTO 3 s (5.7) */
	seg(s, 5555, p.sport, 1, iss + 1, TCP_SYN | TCP_ACK, 1000, NULL, 0, NULL, 0);
	expect(s, &f);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.state, NET_TCP_ESTABLISHED);
	assert_int_equal(in.srtt_us, 0);
	assert_int_equal(in.rto_ms, 3000);
	net_tcp_abort(s->st, h);
}

static void rto_min_10(struct net_config *c)
{
	c->rto_min_ms = 10;
}

static void test_data_rto_from_rtt_and_backoff(void **state)
{
	struct sc *s = *state;
	node_fini(&s->n);
	sc_make(s, rto_min_10);
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	/* the 50 ms SYN-ACK sample: SRTT 50, RTTVAR 25, RTO = 50 + 4*25 = 150 ms */
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.srtt_us, 50000);
	assert_int_equal(in.rttvar_us, 25000);
	assert_int_equal(in.rto_ms, 150);
	uint8_t d[3000] = { 0 };
	assert_int_equal(net_tcp_send(s->st, h, d, 3000), 3000);
	struct frame f;
	struct pf p;
	for (int i = 0; i < 3; i++) {
		p = expect(s, &f);
		assert_int_equal(p.seq, iss + 1 + 1000u * (uint32_t)i);
	}
	uint64_t sent = f.t;
	/* no ACK: retransmit the first segment only (cwnd 1), at 150, +300, +600 ms */
	uint64_t gap = MS(150);
	for (int i = 0; i < 3; i++) {
		advance(s, gap);
		p = expect(s, &f);
		assert_int_equal(p.seq, iss + 1);
		assert_int_equal(p.plen, 1000);
		assert_true(f.t - sent == gap);
		expect_none(s);
		sent = f.t;
		gap *= 2;
	}
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.cwnd, 1000);
	assert_int_equal(in.ssthresh, 2000); /* max(FlightSize/2, 2*SMSS) with 3000 in flight */
	assert_int_equal(in.stats.rto_timeouts, 3);
	assert_int_equal(in.stats.retrans_segs, 3);
	/* an ACK for it: no sample from a retransmitted segment, but slow start resumes */
	seg(s, 5555, lp, 9001, iss + 1001, TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.seq, iss + 1001); /* go-back-N continues from snd_una */
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.srtt_us, 50000);
	assert_int_equal(in.cwnd, 2000);
	cap_clear(&s->n);
	net_tcp_abort(s->st, h);
}

static void test_fast_retransmit_newreno(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	uint32_t u = iss + 1;
	static uint8_t d[20000];
	assert_int_equal(net_tcp_send(s->st, h, d, sizeof(d)), sizeof(d));
	struct frame f;
	struct pf p;
	/* IW = 4 segments; ACK them one by one: slow start doubles to 8 */
	for (int i = 0; i < 4; i++)
		expect(s, &f);
	expect_none(s);
	for (uint32_t i = 1; i <= 4; i++)
		seg(s, 5555, lp, 9001, u + 1000 * i, TCP_ACK, 60000, NULL, 0, NULL, 0);
	for (int i = 0; i < 8; i++) {
		p = expect(s, &f);
		assert_int_equal(p.seq, u + 4000 + 1000u * (uint32_t)i);
	}
	expect_none(s);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.cwnd, 8000);
	/* segments at +4000 and +6000 are lost: ACKs for the others are duplicates */
	seg(s, 5555, lp, 9001, u + 4000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	seg(s, 5555, lp, 9001, u + 4000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	expect_none(s);
	seg(s, 5555, lp, 9001, u + 4000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	/* third duplicate: fast retransmit of the first unacked segment */
	p = expect(s, &f);
	assert_int_equal(p.seq, u + 4000);
	assert_int_equal(p.plen, 1000);
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.ssthresh, 4000); /* FlightSize 8000 / 2 */
	assert_int_equal(in.cwnd, 4000 + 3 * 1000);
	assert_int_equal(in.stats.fast_retrans, 1);
	/* further duplicates inflate cwnd by one SMSS each: new data once cwnd > flight */
	seg(s, 5555, lp, 9001, u + 4000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	expect_none(s); /* cwnd 8000 = flight */
	seg(s, 5555, lp, 9001, u + 4000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.seq, u + 12000);
	/* partial ACK (up to the second hole): retransmit it at once, stay in recovery */
	seg(s, 5555, lp, 9001, u + 6000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.seq, u + 6000);
	assert_int_equal(p.plen, 1000);
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.cwnd, 9000 - 2000 + 1000); /* deflated by 2000 acked, +1 SMSS */
	/* full ACK of everything sent before recovery: cwnd = min(ssthresh, flight + SMSS) */
	cap_clear(&s->n);
	seg(s, 5555, lp, 9001, u + 12000, TCP_ACK, 60000, NULL, 0, NULL, 0);
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.ssthresh, 4000);
	assert_true(in.cwnd <= 4000);
	assert_int_equal(in.stats.dup_acks_in, 5);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}


static size_t opt_sack(uint8_t *o, const uint32_t (*b)[2], unsigned n)
{
	size_t k = 0;
	o[k++] = TCPOPT_NOP;
	o[k++] = TCPOPT_NOP;
	o[k++] = TCPOPT_SACK;
	o[k++] = (uint8_t)(2 + 8 * n);
	for (unsigned i = 0; i < n; i++)
		for (int j = 0; j < 2; j++)
			for (int sh = 24; sh >= 0; sh -= 8)
				o[k++] = (uint8_t)(b[i][j] >> sh);
	return k;
}

static void test_sack_recovery(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint8_t o[40];
	size_t ol = opt_syn(o, 1000, -1, true, false, 0, 0);
	seg(s, 49000, 80, 100, 0, TCP_SYN, 65535, o, ol, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_true(p.opts.sack_ok);
	uint32_t u = p.seq + 1;
	seg(s, 49000, 80, 101, u, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	static uint8_t d[12000];
	assert_int_equal(net_tcp_send(s->st, h, d, sizeof(d)), sizeof(d));
	for (int i = 0; i < 4; i++)
		expect(s, &f);
	for (uint32_t i = 1; i <= 4; i++)
		seg(s, 49000, 80, 101, u + 1000 * i, TCP_ACK, 65535, NULL, 0, NULL, 0);
	for (int i = 0; i < 8; i++)
		expect(s, &f); /* S4..S11 */
	expect_none(s);
	/* S4 and S6 are lost; S5, S7..S11 arrive and are SACKed */
	uint32_t b[3][2];
	const int arrive[] = { 5, 7, 8, 9, 10, 11 };
	for (int k = 0; k < 6; k++) {
		unsigned n = 0;
		b[n][0] = u + 7000;
		b[n][1] = u + 1000 * (uint32_t)(arrive[k] + 1);
		if (arrive[k] >= 7)
			n++;
		b[n][0] = u + 5000;
		b[n][1] = u + 6000;
		n++;
		ol = opt_sack(o, (const uint32_t(*)[2])b, n);
		seg(s, 49000, 80, 101, u + 4000, TCP_ACK, 65535, o, ol, NULL, 0);
		if (k == 2) {
			/* the third duplicate: recovery starts with the first hole */
			p = expect(s, &f);
			assert_int_equal(p.seq, u + 4000);
			assert_int_equal(p.plen, 1000);
			struct net_tcp_info in;
			net_tcp_info(s->st, h, &in);
			assert_int_equal(in.ssthresh, 4000);
			assert_int_equal(in.cwnd, 4000);
		} else if (k == 3) {
			/* S7..S9 SACKed above S6 make it lost (RFC 6675 IsLost) and
			 * pipe is S10, S11 and the retransmitted S4: below cwnd, so
			 * the second hole goes out before any cumulative ACK moved
			 * (NewReno would wait a round trip) */
			p = expect(s, &f);
			assert_int_equal(p.seq, u + 6000);
			assert_int_equal(p.plen, 1000);
		}
		expect_none(s);
	}
	/* both holes filled: everything is acknowledged, recovery ends */
	seg(s, 49000, 80, 101, u + 12000, TCP_ACK, 65535, NULL, 0, NULL, 0);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.cwnd, 4000);
	assert_int_equal(in.stats.fast_retrans, 1);
	assert_int_equal(in.stats.retrans_segs, 2);
	assert_int_equal(in.stats.rto_timeouts, 0);
	assert_int_equal(in.snd_una, u + 12000);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

/* A SACK connection whose handshake took rtt_ms (SRTT = min RTT = rtt_ms),
 * mss 1000; returns the accepted handle, *u = our first data sequence. */
static int est_sack(struct sc *s, int l, uint32_t rtt_ms, uint32_t *u)
{
	uint8_t o[40];
	size_t ol = opt_syn(o, 1000, -1, true, false, 0, 0);
	seg(s, 49000, 80, 100, 0, TCP_SYN, 65535, o, ol, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_true(p.opts.sack_ok);
	*u = p.seq + 1;
	advance(s, MS(rtt_ms));
	seg(s, 49000, 80, 101, *u, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	assert_true(h > 0);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.srtt_us, rtt_ms * 1000);
	return h;
}

#define USEC(x) ((uint64_t)(x) * 1000ull)

static void sack_ack(struct sc *s, uint32_t ack, uint32_t b0, uint32_t b1)
{
	uint8_t o[40];
	uint32_t b[1][2] = { { b0, b1 } };
	size_t ol = opt_sack(o, (const uint32_t(*)[2])b, 1);
	seg(s, 49000, 80, 101, ack, TCP_ACK, 65535, o, ol, NULL, 0);
}

static void expect_data(struct sc *s, uint32_t seq, uint32_t len)
{
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.seq, seq);
	assert_int_equal(p.plen, len);
}

/* The last segments of a flight and every ACK are lost: a probe goes after
 * two SRTTs (not the 200 ms RTO), its SACK shows the holes, and a
 * reordering window later they are retransmitted, with no RTO at all. */
static void test_tail_loss_probe_then_rack(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t u;
	int h = est_sack(s, l, 10, &u);
	const struct net_stats *ns = net_stats(s->st);
	uint64_t probes0 = ns->tcp_tlp_probes, rack0 = ns->tcp_rack_recoveries;
	static uint8_t d[4000];
	assert_int_equal(net_tcp_send(s->st, h, d, sizeof(d)), sizeof(d));
	for (uint32_t i = 0; i < 4; i++)
		expect_data(s, u + 1000 * i, 1000);
	uint64_t t0 = s->clock;
	advance(s, MS(19));
	expect_none(s);
	advance(s, MS(1));
	/* PTO = 2 * SRTT: the last segment again (no new data to send) */
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.seq, u + 3000);
	assert_int_equal(p.plen, 1000);
	assert_true(f.t - t0 == MS(20));
	expect_none(s);
	assert_int_equal(ns->tcp_tlp_probes - probes0, 1);
	/* the probe's ACK SACKs it: one duplicate ACK only, so no fast
	 * retransmit; a reordering window (min RTT / 4) later the holes are lost */
	sack_ack(s, u, u + 3000, u + 4000);
	expect_none(s);
	advance(s, USEC(2499));
	expect_none(s);
	advance(s, USEC(1));
	/* cwnd = ssthresh = 2000: two holes fit in pipe */
	expect_data(s, u, 1000);
	expect_data(s, u + 1000, 1000);
	expect_none(s);
	assert_int_equal(ns->tcp_rack_recoveries - rack0, 1);
	sack_ack(s, u + 2000, u + 3000, u + 4000);
	expect_data(s, u + 2000, 1000);
	seg(s, 49000, 80, 101, u + 4000, TCP_ACK, 65535, NULL, 0, NULL, 0);
	expect_none(s);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.snd_una, u + 4000);
	assert_int_equal(in.stats.rto_timeouts, 0);
	assert_int_equal(in.stats.fast_retrans, 1);
	assert_int_equal(in.stats.retrans_segs, 4); /* the probe and three holes */
	assert_int_equal(in.cwnd, 2000);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

/* A retransmission lost as well: once data sent after it is SACKed and a
 * reordering window has passed, it goes again; no RTO. */
static void test_lost_retransmission_found_by_rack(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t u;
	int h = est_sack(s, l, 10, &u);
	const struct net_stats *ns = net_stats(s->st);
	uint64_t lost0 = ns->tcp_rack_rexmit_lost;
	static uint8_t d[8000];
	assert_int_equal(net_tcp_send(s->st, h, d, sizeof(d)), sizeof(d));
	for (uint32_t i = 0; i < 4; i++)
		expect_data(s, u + 1000 * i, 1000); /* the initial window */
	expect_none(s);
	/* S0 lost, S1..S3 SACKed: the third duplicate ACK starts recovery */
	sack_ack(s, u, u + 1000, u + 2000);
	sack_ack(s, u, u + 1000, u + 3000);
	expect_none(s);
	sack_ack(s, u, u + 1000, u + 4000);
	expect_data(s, u, 1000);        /* the hole */
	expect_data(s, u + 4000, 1000); /* pipe 1000 < cwnd 2000: new data */
	expect_none(s);
	/* S4 arrives, the retransmitted S0 does not: S5 fits in pipe at once,
	 * and S0 goes again after the reordering window */
	sack_ack(s, u, u + 1000, u + 5000);
	expect_data(s, u + 5000, 1000);
	expect_none(s);
	advance(s, USEC(2499));
	expect_none(s);
	advance(s, USEC(1));
	expect_data(s, u, 1000);
	expect_none(s);
	assert_int_equal(ns->tcp_rack_rexmit_lost - lost0, 1);
	seg(s, 49000, 80, 101, u + 6000, TCP_ACK, 65535, NULL, 0, NULL, 0);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.snd_una, u + 6000);
	assert_int_equal(in.stats.rto_timeouts, 0);
	assert_int_equal(in.stats.fast_retrans, 1);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

/* A segment received twice is reported first in the ACK it draws, as a
 * D-SACK block below the cumulative ACK (RFC 2883 4.1.1). */
static void test_duplicate_segment_reported_as_dsack(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t u;
	int h = est_sack(s, l, 10, &u);
	static uint8_t d[300];
	seg(s, 49000, 80, 101, u, TCP_ACK | TCP_PSH, 65535, NULL, 0, d, 300);
	advance(s, MS(200)); /* the delayed ACK, without SACK blocks */
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.ack, 401);
	assert_int_equal(p.opts.nsack, 0);
	seg(s, 49000, 80, 201, u, TCP_ACK | TCP_PSH, 65535, NULL, 0, d, 200); /* 201..400 again */
	p = expect(s, &f);
	assert_int_equal(p.ack, 401);
	assert_int_equal(p.opts.nsack, 1);
	assert_int_equal(p.opts.sack[0][0], 201);
	assert_int_equal(p.opts.sack[0][1], 401);
	/* once only: the next ACK carries no D-SACK */
	seg(s, 49000, 80, 401, u, TCP_ACK | TCP_PSH, 65535, NULL, 0, d, 10);
	advance(s, MS(200));
	p = expect(s, &f);
	assert_int_equal(p.ack, 411);
	assert_int_equal(p.opts.nsack, 0);
	expect_none(s);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_DUPLICATE), 1);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
	cap_clear(&s->n);
}

/* ---------------------------------------------------------------- windows */
static void test_zero_window_probes(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 2000);
	uint32_t u = iss + 1;
	uint8_t d[5000] = { 0 };
	assert_int_equal(net_tcp_send(s->st, h, d, 5000), 5000);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.plen, 1000);
	p = expect(s, &f);
	assert_int_equal(p.plen, 1000);
	expect_none(s); /* the peer's 2000-byte window is full */
	/* the peer acks but closes its window */
	seg(s, 5555, lp, 9001, u + 2000, TCP_ACK, 0, NULL, 0, NULL, 0);
	expect_none(s);
	/* persist timer: one byte beyond the window, backing off */
	uint64_t last = s->clock;
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	uint64_t gap = (uint64_t)in.rto_ms * 1000000ull;
	for (int i = 0; i < 4; i++) {
		advance(s, gap);
		p = expect(s, &f);
		assert_int_equal(p.seq, u + 2000);
		assert_int_equal(p.plen, 1);
		assert_true(f.t - last == gap);
		last = f.t;
		/* answered with the window still closed */
		seg(s, 5555, lp, 9001, u + 2000, TCP_ACK, 0, NULL, 0, NULL, 0);
		expect_none(s);
		gap *= 2;
	}
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.stats.zero_window_probes, 4);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_ESTABLISHED);
	/* the window opens: data flows again at once */
	seg(s, 5555, lp, 9001, u + 2000, TCP_ACK, 3000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.seq, u + 2000);
	assert_int_equal(p.plen, 1000);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}

static void small_rcvbuf(struct net_config *c)
{
	c->tcp_rcvbuf = 4000;
}

static void test_receive_window_closes(void **state)
{
	struct sc *s = *state;
	node_fini(&s->n);
	sc_make(s, small_rcvbuf);
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	struct frame f;
	uint8_t d[2000] = { 0 };
	seg(s, 5555, lp, 9001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 1000);
	seg(s, 5555, lp, 10001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 1000);
	expect(s, &f);
	seg(s, 5555, lp, 11001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 1000);
	seg(s, 5555, lp, 12001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 1000);
	struct pf p = expect(s, &f);
	assert_int_equal(p.ack, 13001);
	assert_int_equal(p.win, 0);
	/* a zero-window probe: its byte is discarded, the ACK repeats window 0 */
	seg(s, 5555, lp, 13001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 1);
	p = expect(s, &f);
	assert_int_equal(p.ack, 13001);
	assert_int_equal(p.win, 0);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_ZERO_WINDOW), 1);
	/* data beyond the window: dropped, ACKed */
	seg(s, 5555, lp, 14001, iss + 1, TCP_ACK, 60000, NULL, 0, d, 100);
	expect(s, &f);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_OUT_OF_WINDOW), 1);
	/* reading a little does not announce a silly window; reading enough does */
	uint8_t rb[4000];
	assert_int_equal(net_tcp_recv(s->st, h, rb, 100), 100);
	expect_none(s);
	assert_int_equal(net_tcp_recv(s->st, h, rb, 3900), 3900);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.win, 4000);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}

/* ---------------------------------------------------------------- RST and RFC 5961 */
static void test_rst_cases(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t iss;
	int h = passive(s, l, 42000, 500, &iss);
	struct frame f;
	struct pf p;
	/* RST in the window but not at RCV.NXT: challenge ACK, connection kept */
	seg(s, 42000, 80, 501 + 100, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.ack, 501);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_RST_CHALLENGE), 1);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_ESTABLISHED);
	/* RST outside the window: dropped silently */
	seg(s, 42000, 80, 501 + 200000, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	expect_none(s);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_OUT_OF_WINDOW), 1);
	/* SYN on an established connection: challenge ACK (RFC 5961 4) */
	seg(s, 42000, 80, 9999, 0, TCP_SYN, 0, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.ack, 501);
	seg(s, 42000, 80, 501, 0, TCP_SYN, 0, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_SYN_CHALLENGE), 2);
	/* an ACK for data never sent: ACK, drop (RFC 5961 5) */
	seg(s, 42000, 80, 501, iss + 5000, TCP_ACK, 1000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_ACK_TOO_NEW), 1);
	/* a segment without ACK */
	seg(s, 42000, 80, 501, 0, TCP_PSH, 1000, NULL, 0, "x", 1);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_NO_ACK), 1);
	/* the connection's own counter saw the same six drops */
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.stats.drops, 6);
	/* the exact RST resets */
	seg(s, 42000, 80, 501, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	expect_none(s);
	int err = 0;
	net_getsockopt(s->st, h, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ECONNRESET);
	assert_int_equal(net_stats(s->st)->tcp_resets_in, 1);
	net_tcp_close(s->st, h);
	/* segments for no connection: RST per RFC 9293 3.10.7.1 */
	seg(s, 43000, 81, 10, 777, TCP_ACK, 100, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST);
	assert_int_equal(p.seq, 777);
	seg(s, 43000, 81, 10, 0, TCP_SYN, 100, NULL, 0, "abc", 3);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(p.seq, 0);
	assert_int_equal(p.ack, 14);
	seg(s, 43000, 81, 10, 0, TCP_RST, 100, NULL, 0, NULL, 0);
	expect_none(s); /* never a RST for a RST */
	assert_int_equal(drop_delta(s, NET_DROP_TCP_NO_SOCKET), 3);
	/* a RST to a listener is ignored; an ACK to a listener gets a RST */
	seg(s, 43001, 80, 10, 0, TCP_RST, 100, NULL, 0, NULL, 0);
	expect_none(s);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_LISTEN_FLAGS), 1);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
}

static void slow_challenge(struct net_config *c)
{
	c->challenge_ack_per_s = 2;
}

static void test_challenge_ack_rate_limit(void **state)
{
	struct sc *s = *state;
	node_fini(&s->n);
	sc_make(s, slow_challenge);
	int l = listen80(s, 4);
	uint32_t iss;
	int h = passive(s, l, 42001, 500, &iss);
	for (int i = 0; i < 10; i++)
		seg(s, 42001, 80, 600, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	assert_int_equal(cap_count(&s->n), 2);
	assert_int_equal(net_stats(s->st)->tcp_challenge_acks, 2);
	assert_int_equal(net_stats(s->st)->tcp_challenge_acks_suppressed, 8);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_RST_CHALLENGE), 10);
	cap_clear(&s->n);
	advance(s, SEC(1));
	seg(s, 42001, 80, 600, 0, TCP_RST, 0, NULL, 0, NULL, 0);
	assert_int_equal(cap_count(&s->n), 1);
	cap_clear(&s->n);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

static void test_syn_sent_rst(void **state)
{
	struct sc *s = *state;
	int h = net_tcp_socket(s->st);
	struct net_sockaddr to = { PEER, 5555 };
	net_tcp_connect(s->st, h, &to);
	struct frame f;
	struct pf p = expect(s, &f);
	/* RST with an unacceptable ACK: ignored */
	seg(s, 5555, p.sport, 0, p.seq + 5, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_SYN_SENT);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_SYN_SENT), 1);
	/* RST acking our SYN: refused */
	seg(s, 5555, p.sport, 0, p.seq + 1, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, 0);
	int err = 0;
	net_getsockopt(s->st, h, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ECONNREFUSED);
	expect_none(s);
	no_unexpected_drops(s);
	net_tcp_close(s->st, h);
}

/* ---------------------------------------------------------------- closing */
static void test_active_close_time_wait(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	assert_int_equal(net_tcp_close(s->st, h), 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(p.seq, iss + 1);
	assert_int_equal(p.ack, 9001);
	assert_int_equal(net_tcp_state(s->st, h), -NET_EBADF); /* the handle is gone */
	seg(s, 5555, lp, 9001, iss + 2, TCP_ACK, 60000, NULL, 0, NULL, 0);
	expect_none(s); /* FIN_WAIT_2 */
	seg(s, 5555, lp, 9001, iss + 2, TCP_FIN | TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.ack, 9002);
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_time_wait, 1);
	/* a retransmitted FIN is acknowledged again and restarts 2 MSL */
	advance(s, SEC(30));
	seg(s, 5555, lp, 9001, iss + 2, TCP_FIN | TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.ack, 9002);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_DUPLICATE), 1);
	advance(s, 2 * MS(s->n.cfg.msl_ms) - SEC(1));
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_time_wait, 1);
	/* other segments in TIME_WAIT are dropped */
	seg(s, 5555, lp, 9002, iss + 2, TCP_ACK, 60000, NULL, 0, NULL, 0);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_TIME_WAIT), 1);
	advance(s, SEC(2));
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_time_wait, 0);
	assert_int_equal(u.tcbs_used, 0);
	/* afterwards the tuple is unknown: RST */
	seg(s, 5555, lp, 9002, iss + 2, TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_NO_SOCKET), 1);
	no_unexpected_drops(s);
}

static void test_time_wait_reuse_by_new_syn(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t iss;
	int h = passive(s, l, 44000, 1000, &iss);
	/* the server closes first and ends in TIME_WAIT */
	net_tcp_close(s->st, h);
	struct frame f;
	expect(s, &f);
	seg(s, 44000, 80, 1001, iss + 2, TCP_FIN | TCP_ACK, 1000, NULL, 0, NULL, 0);
	expect(s, &f);
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_time_wait, 1);
	/* an old SYN (sequence below RCV.NXT): ACK, dropped */
	seg(s, 44000, 80, 900, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_TIME_WAIT), 1);
	/* a new SYN above it takes the tuple over (RFC 9293 3.10.7.4 / RFC 6191) */
	seg(s, 44000, 80, 500000, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p.ack, 500001);
	assert_int_equal(net_stats(s->st)->tcp_tw_recycled, 1);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
}

static void test_simultaneous_open(void **state)
{
	struct sc *s = *state;
	int h = net_tcp_socket(s->st);
	struct net_sockaddr me = { 0, 6000 }, to = { PEER, 7000 };
	net_tcp_bind(s->st, h, &me);
	net_tcp_connect(s->st, h, &to);
	struct frame f;
	struct pf p = expect(s, &f);
	uint32_t iss = p.seq;
	/* the peer's SYN crosses ours */
	seg(s, 7000, 6000, 3000, 0, TCP_SYN, 5000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p.seq, iss); /* the same ISS again */
	assert_int_equal(p.ack, 3001);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_SYN_RECEIVED);
	/* its SYN-ACK completes it */
	seg(s, 7000, 6000, 3000, iss + 1, TCP_SYN | TCP_ACK, 5000, NULL, 0, NULL, 0);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_ESTABLISHED);
	struct net_event ev[4];
	assert_int_equal(net_events(s->st, ev, 4), 1);
	assert_true(ev[0].events & NET_EV_CONNECTED);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
}

static void test_simultaneous_close(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	assert_int_equal(net_tcp_shutdown(s->st, h, NET_SHUT_WR), 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_FIN_WAIT_1);
	/* the peer's FIN crosses ours (it has not seen our FIN) */
	seg(s, 5555, lp, 9001, iss + 1, TCP_FIN | TCP_ACK, 60000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.ack, 9002);
	assert_int_equal(p.seq, iss + 2);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_CLOSING);
	/* then it acknowledges our FIN */
	seg(s, 5555, lp, 9002, iss + 2, TCP_ACK, 60000, NULL, 0, NULL, 0);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_TIME_WAIT);
	expect_none(s);
	no_unexpected_drops(s);
	net_tcp_close(s->st, h);
}

static void test_passive_close_last_ack(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint32_t iss;
	int h = passive(s, l, 45000, 100, &iss);
	seg(s, 45000, 80, 101, iss + 1, TCP_FIN | TCP_ACK, 1000, NULL, 0, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.ack, 102);
	assert_int_equal(net_tcp_state(s->st, h), NET_TCP_CLOSE_WAIT);
	char b[4];
	assert_int_equal(net_tcp_recv(s->st, h, b, 4), 0);
	net_tcp_close(s->st, h);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_FIN | TCP_ACK);
	/* LAST_ACK: the FIN is retransmitted until acknowledged */
	advance(s, SEC(1));
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_FIN | TCP_ACK);
	assert_int_equal(p.seq, iss + 1);
	seg(s, 45000, 80, 102, iss + 2, TCP_ACK, 1000, NULL, 0, NULL, 0);
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_used, 1); /* only the listener */
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
}

/* ---------------------------------------------------------------- SYN queue and cookies */
/* A cookie SYN-ACK carries options in the low bits of its TSval; those bits
 * must never make it newer than the connection's later segments, or the
 * peer's PAWS check drops them (RFC 7323 5) and the reply waits for an RTO.
 * Tried at every offset of the clock within the 64 ms the bits span. */
static void test_cookie_timestamps_never_go_back(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 1);
	struct frame f;
	struct pf p;
	seg(s, 45999, 80, 1000, 0, TCP_SYN, 1000, NULL, 0, NULL, 0); /* fills the SYN queue */
	p = expect(s, &f);
	uint64_t cookies0 = net_stats(s->st)->tcp_cookies_sent;
	for (uint16_t i = 0; i < 64; i++) {
		advance(s, MS(1));
		uint16_t port = (uint16_t)(47000 + i);
		uint8_t o[40];
		size_t ol = opt_syn(o, 1460, 14, true, true, 100 + i, 0);
		seg(s, port, 80, 5000, 0, TCP_SYN, 1000, o, ol, NULL, 0);
		p = expect(s, &f);
		assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
		uint32_t syn_ts = p.opts.tsval, ck = p.seq;
		size_t tl = opt_ts(o, 200 + i, syn_ts);
		seg(s, port, 80, 5001, ck + 1, TCP_ACK, 1000, o, tl, NULL, 0);
		int h = net_tcp_accept(s->st, l, NULL);
		assert_true(h > 0);
		assert_int_equal(net_tcp_send(s->st, h, "x", 1), 1);
		p = expect(s, &f);
		assert_int_equal(p.plen, 1);
		assert_true(p.opts.ts_ok);
		if ((int32_t)(p.opts.tsval - syn_ts) < 0) {
			fprintf(stderr, "# offset %u ms: data TSval %u older than the SYN-ACK's %u\n", i,
				p.opts.tsval, syn_ts);
			fail();
		}
		net_tcp_abort(s->st, h);
		cap_clear(&s->n);
	}
	assert_int_equal(net_stats(s->st)->tcp_cookies_sent - cookies0, 64);
	net_tcp_close(s->st, l);
	cap_clear(&s->n);
}

static void test_syn_cookies_on_overflow(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 2); /* SYN queue of 2 */
	struct frame f;
	struct pf p;
	for (uint16_t i = 0; i < 2; i++) {
		seg(s, (uint16_t)(46000 + i), 80, 1000, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
		p = expect(s, &f);
		assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	}
	struct net_usage u0, u;
	net_usage(s->st, &u0);
	assert_int_equal(u0.tcbs_used, 3);
	/* the queue is full: the third SYN is answered statelessly with a cookie */
	uint8_t o[40];
	size_t ol = opt_syn(o, 1460, 5, true, true, 4242, 0);
	seg(s, 46002, 80, 77777, 0, TCP_SYN, 1000, o, ol, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p.ack, 77778);
	assert_true(p.opts.ts_ok && p.opts.ws_ok && p.opts.sack_ok);
	assert_int_equal(p.opts.tsecr, 4242);
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_used, u0.tcbs_used); /* no state kept */
	assert_int_equal(net_stats(s->st)->tcp_cookies_sent, 1);
	uint32_t cookie = p.seq;
	/* a forged ACK does not pass */
	size_t tl = opt_ts(o, 4243, p.opts.tsval);
	seg(s, 46002, 80, 77778, cookie + 2, TCP_ACK, 1000, o, tl, NULL, 0);
	struct pf r = expect(s, &f);
	assert_int_equal(r.flags, TCP_RST);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_BAD_COOKIE), 1);
	/* the real ACK (with 3 bytes of data) creates the connection */
	seg(s, 46002, 80, 77778, cookie + 1, TCP_ACK, 1000, o, tl, "hey", 3);
	assert_int_equal(net_stats(s->st)->tcp_cookies_ok, 1);
	int h = net_tcp_accept(s->st, l, NULL);
	assert_true(h > 0);
	struct net_tcp_info in;
	net_tcp_info(s->st, h, &in);
	assert_int_equal(in.state, NET_TCP_ESTABLISHED);
	assert_int_equal(in.snd_wscale, 5); /* carried through the timestamp */
	assert_true(in.sack_ok && in.ts_ok);
	assert_int_equal(in.mss, 1460 - 12);
	assert_int_equal(in.snd_wnd, 1000u << 5);
	char b[8];
	assert_int_equal(net_tcp_recv(s->st, h, b, 8), 3);
	assert_memory_equal(b, "hey", 3);
	cap_clear(&s->n);
	/* a handshake completed by a pure ACK: the first data segment after it
	 * lands at once, in the window the cookie SYN-ACK advertised (no drop,
	 * no wait for the client's retransmission) */
	seg(s, 46004, 80, 90000, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(net_stats(s->st)->tcp_cookies_sent, 2);
	uint32_t ck2 = p.seq;
	uint16_t adv = p.win;
	assert_true(adv >= 1000);
	seg(s, 46004, 80, 90001, ck2 + 1, TCP_ACK, 1000, NULL, 0, NULL, 0);
	assert_int_equal(net_stats(s->st)->tcp_cookies_ok, 2);
	static char first[1000];
	memset(first, 'q', sizeof(first));
	seg(s, 46004, 80, 90001, ck2 + 1, TCP_ACK | TCP_PSH, 1000, NULL, 0, first, sizeof(first));
	assert_int_equal(drop_delta(s, NET_DROP_TCP_ZERO_WINDOW), 0);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_OUT_OF_WINDOW), 0);
	int h2 = net_tcp_accept(s->st, l, NULL);
	assert_true(h2 > 0);
	static char got[1000];
	assert_int_equal(net_tcp_recv(s->st, h2, got, sizeof(got)), 1000);
	assert_memory_equal(got, first, 1000);
	net_tcp_abort(s->st, h2);
	cap_clear(&s->n);
	/* a cookie too old (over two 64 s periods) is refused */
	seg(s, 46003, 80, 5000, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	p = expect(s, &f);
	advance(s, SEC(200));
	cap_clear(&s->n);
	seg(s, 46003, 80, 5001, p.seq + 1, TCP_ACK, 1000, NULL, 0, NULL, 0);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_BAD_COOKIE), 1);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

/* A SYN flood from spoofed sources in our own subnet, none of which answers
 * ARP: the SYN-ACKs' unresolved entries stay within their bound, a real
 * client's working ARP entry is never evicted for them, and the client's
 * SYN during the flood is answered at once, to its MAC. */
static void test_syn_flood_spares_working_arp_entries(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	const uint32_t client = IP4(10, 0, 0, 50);
	const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0x50 };
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t buf[FRAME_MAX];
	/* the client asks for our MAC: we learn its own (a working entry) */
	size_t n = build_arp(buf, bcast, client_mac, 1, client_mac, client, (const uint8_t[6]){ 0 }, US);
	node_input(&s->n, buf, n);
	cap_clear(&s->n);
	uint8_t mac[6];
	assert_true(net_arp_lookup(s->st, client, mac));
	unsigned bound = s->n.cfg.arp_entries / 4;
	for (unsigned i = 0; i < 2000; i++) {
		uint32_t src = IP4(10, 0, 0, 100 + i % 150);
		uint8_t smac[6] = { 0x02, 0x66, 0, 0, (uint8_t)(i >> 8), (uint8_t)i };
		struct seg_spec g = { src, US, (uint16_t)(1024 + i), 80, i * 7919u, 0, TCP_SYN, 8192, NULL, 0, NULL, 0 };
		n = build_tcp(buf, s->mac, smac, &g);
		node_input(&s->n, buf, n);
		if (i % 100 == 99)
			advance(s, MS(20)); /* 5,000 SYNs a second */
		struct net_usage u;
		net_usage(s->st, &u);
		assert_true(u.arp_waiting <= bound);
		if (i == 1000) {
			/* the real client, mid-flood: answered at once, to its MAC */
			cap_clear(&s->n);
			struct seg_spec c = { client, US, 5555, 80, 1, 0, TCP_SYN, 8192, NULL, 0, NULL, 0 };
			n = build_tcp(buf, s->mac, client_mac, &c);
			node_input(&s->n, buf, n);
			struct frame f;
			struct pf p;
			assert_true(cap_pop(&s->n, &f));
			assert_true(parse_frame(f.data, f.len, &p));
			assert_int_equal(p.ip_dst, client);
			assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
			assert_memory_equal(p.dst, client_mac, 6);
		}
		cap_clear(&s->n);
	}
	assert_true(net_arp_lookup(s->st, client, mac));
	assert_memory_equal(mac, client_mac, 6);
	assert_true(net_stats(s->st)->arp_incomplete_evicted > 0);
	assert_true(net_stats(s->st)->tcp_cookies_sent > 1000);
	/* after the flood, the unresolved entries time out and nothing is left waiting */
	advance(s, SEC(10));
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.arp_waiting, 0);
	assert_true(net_arp_lookup(s->st, client, mac));
	cap_clear(&s->n);
	memcpy(s->drops0, net_stats(s->st)->drops, sizeof(s->drops0));
	net_tcp_close(s->st, l);
}

/* One port holds at most its share of the TCB table (tcp_port_conns, by
 * default all but an eighth): the next SYN is refused at once with a RST (no
 * connection the client believes in and nobody serves), another port's
 * listener still connects, and a freed share is usable again. With the
 * whole table full, a SYN is refused with a RST too, not answered with a
 * cookie whose ACK would find no room. */
/* A port whose share is used is refused at once even while its accept
 * queue is full too: a full port is no reason for the client to try again
 * in a second (a full accept queue alone drops the SYN, for back-pressure). */
static void test_port_full_refused_before_accept_queue(void **state)
{
	struct sc *s = *state;
	unsigned share = s->n.cfg.tcp_conns - s->n.cfg.tcp_conns / 8; /* 56 of 64 */
	int l = listen80(s, (int)share);
	struct frame f;
	struct pf p;
	for (unsigned i = 0; i < share; i++) {
		/* handshakes the application never accepts */
		seg(s, (uint16_t)(20000 + i), 80, 1000 * i, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
		p = expect(s, &f);
		assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
		seg(s, (uint16_t)(20000 + i), 80, 1000 * i + 1, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	}
	expect_none(s);
	seg(s, 30000, 80, 5, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(p.ack, 6);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_PORT_FULL), 1);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_ACCEPTQ_FULL), 0);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
	cap_clear(&s->n);
}

static void test_port_share_refuses_at_once(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 64);
	int l81 = net_tcp_socket(s->st);
	struct net_sockaddr a81 = { 0, 81 };
	assert_int_equal(net_tcp_bind(s->st, l81, &a81), 0);
	assert_int_equal(net_tcp_listen(s->st, l81, 8), 0);
	unsigned share = s->n.cfg.tcp_conns - s->n.cfg.tcp_conns / 8; /* 56 of 64 */
	int h[64];
	uint32_t iss;
	for (unsigned i = 0; i < share; i++)
		h[i] = passive(s, l, (uint16_t)(20000 + i), 1000 * i, &iss);
	struct frame f;
	struct pf p;
	/* the port's share is used: refused at once */
	seg(s, 30000, 80, 5, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(p.ack, 6);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_PORT_FULL), 1);
	expect_none(s);
	/* another port still connects */
	seg(s, 30001, 81, 9, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	seg(s, 30001, 81, 10, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int h81 = net_tcp_accept(s->st, l81, NULL);
	assert_true(h81 > 0);
	/* a connection gone gives its share back */
	net_tcp_abort(s->st, h[0]);
	cap_clear(&s->n);
	h[0] = passive(s, l, 30002, 77, &iss);
	/* fill the rest of the table from port 81 (61 = 56 + 2 listeners + 3) */
	struct net_usage u;
	int more[8], nmore = 0;
	for (uint16_t port = 30010;; port++) {
		net_usage(s->st, &u);
		if (u.tcbs_used == u.tcbs_total)
			break;
		seg(s, port, 81, 1, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
		p = expect(s, &f);
		seg(s, port, 81, 2, p.seq + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
		more[nmore++] = net_tcp_accept(s->st, l81, NULL);
	}
	/* the table is full: refused at once, no cookie */
	uint64_t cookies = net_stats(s->st)->tcp_cookies_sent;
	seg(s, 30100, 81, 50, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(net_stats(s->st)->tcp_cookies_sent, cookies);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_NO_TCB), 1);
	expect_none(s);
	for (unsigned i = 0; i < share; i++)
		net_tcp_abort(s->st, h[i]);
	for (int i = 0; i < nmore; i++)
		net_tcp_abort(s->st, more[i]);
	net_tcp_abort(s->st, h81);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l81);
	net_tcp_close(s->st, l);
}

static void small_port_share(struct net_config *c)
{
	c->tcp_port_conns = 2;
}

/* A cookie's ACK that finds no room (the port's share used meanwhile) is
 * answered with a RST at once: the client must not believe in a connection
 * nobody holds. */
static void test_cookie_ack_without_room_is_reset(void **state)
{
	struct sc *s = *state;
	node_fini(&s->n);
	sc_make(s, small_port_share);
	int l = listen80(s, 1); /* a SYN queue of 1 */
	struct frame f;
	struct pf p;
	seg(s, 21000, 80, 100, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	p = expect(s, &f);
	uint32_t iss_a = p.seq;
	seg(s, 21001, 80, 200, 0, TCP_SYN, 65535, NULL, 0, NULL, 0); /* the queue is full: a cookie */
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_SYN | TCP_ACK);
	assert_int_equal(net_stats(s->st)->tcp_cookies_sent, 1);
	uint32_t ck = p.seq;
	seg(s, 21000, 80, 101, iss_a + 1, TCP_ACK, 65535, NULL, 0, NULL, 0);
	int ha = net_tcp_accept(s->st, l, NULL);
	assert_true(ha > 0);
	uint32_t iss_c;
	int hc = passive(s, l, 21002, 300, &iss_c); /* the port's share (2) is used */
	seg(s, 21001, 80, 201, ck + 1, TCP_ACK, 65535, NULL, 0, "GET", 3);
	p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST);
	assert_int_equal(p.seq, ck + 1);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_PORT_FULL), 1);
	assert_int_equal(net_stats(s->st)->tcp_cookies_ok, 0);
	net_tcp_abort(s->st, ha);
	net_tcp_abort(s->st, hc);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
}

static void no_cookies(struct net_config *c)
{
	c->syn_cookies = false;
}

static void test_syn_queue_full_without_cookies(void **state)
{
	struct sc *s = *state;
	node_fini(&s->n);
	sc_make(s, no_cookies);
	int l = listen80(s, 1);
	seg(s, 47000, 80, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	seg(s, 47001, 80, 1, 0, TCP_SYN, 1000, NULL, 0, NULL, 0);
	assert_int_equal(cap_count(&s->n), 1);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_SYNQ_FULL), 1);
	cap_clear(&s->n);
	/* SYN-ACKs are retransmitted synack_retries times, then the entry goes */
	advance(s, SEC(200));
	assert_int_equal(cap_count(&s->n), s->n.cfg.synack_retries);
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_used, 1);
	cap_clear(&s->n);
	no_unexpected_drops(s);
	net_tcp_close(s->st, l);
}

static void test_paws(void **state)
{
	struct sc *s = *state;
	int l = listen80(s, 4);
	uint8_t o[40];
	size_t ol = opt_syn(o, 1460, -1, false, true, 1000, 0);
	seg(s, 48000, 80, 10, 0, TCP_SYN, 1000, o, ol, NULL, 0);
	struct frame f;
	struct pf p = expect(s, &f);
	uint32_t iss = p.seq;
	ol = opt_ts(o, 1001, p.opts.tsval);
	seg(s, 48000, 80, 11, iss + 1, TCP_ACK, 1000, o, ol, NULL, 0);
	int h = net_tcp_accept(s->st, l, NULL);
	ol = opt_ts(o, 1005, 0);
	seg(s, 48000, 80, 11, iss + 1, TCP_ACK, 1000, o, ol, "new", 3);
	/* an older timestamp on a later segment: PAWS drops it, ACK sent */
	ol = opt_ts(o, 900, 0);
	seg(s, 48000, 80, 14, iss + 1, TCP_ACK, 1000, o, ol, "old", 3);
	cap_clear(&s->n);
	assert_int_equal(drop_delta(s, NET_DROP_TCP_PAWS), 1);
	char b[8];
	assert_int_equal(net_tcp_recv(s->st, h, b, 8), 3);
	/* the echoed timestamp follows the newest valid one */
	net_tcp_send(s->st, h, "x", 1);
	p = expect(s, &f);
	assert_int_equal(p.opts.tsecr, 1005);
	no_unexpected_drops(s);
	net_tcp_abort(s->st, h);
	net_tcp_close(s->st, l);
}

static void test_keepalive_probe_format(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	net_setsockopt(s->st, h, NET_SO_KEEPALIVE, 1);
	net_setsockopt(s->st, h, NET_SO_KEEPIDLE, 100);
	advance(s, SEC(100));
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_ACK);
	assert_int_equal(p.seq, iss); /* SND.NXT - 1 */
	assert_int_equal(p.plen, 0);
	net_tcp_abort(s->st, h);
	cap_clear(&s->n);
}

static void test_linger_zero_resets(void **state)
{
	struct sc *s = *state;
	uint32_t iss;
	uint16_t lp;
	int h = est_active(s, &iss, &lp, 60000);
	net_setsockopt(s->st, h, NET_SO_LINGER, 0);
	net_tcp_close(s->st, h);
	struct frame f;
	struct pf p = expect(s, &f);
	assert_int_equal(p.flags, TCP_RST | TCP_ACK);
	assert_int_equal(p.seq, iss + 1);
	struct net_usage u;
	net_usage(s->st, &u);
	assert_int_equal(u.tcbs_used, 0);
}

static void test_icmp_unreachable_in_syn_sent(void **state)
{
	struct sc *s = *state;
	int h = net_tcp_socket(s->st);
	struct net_sockaddr to = { PEER, 5555 };
	net_tcp_connect(s->st, h, &to);
	struct frame f;
	struct pf p = expect(s, &f);
	/* port unreachable quoting our SYN: connection refused */
	uint8_t q[28];
	memcpy(q, f.data + 14, 28);
	uint8_t buf[FRAME_MAX];
	size_t n = build_icmp(buf, s->mac, PEER_MAC, PEER, US, 3, 3, 0, 0, q, 28);
	node_input(&s->n, buf, n);
	int err = 0;
	net_getsockopt(s->st, h, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ECONNREFUSED);
	(void)p;
	net_tcp_close(s->st, h);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_passive_handshake_options),
		T(test_passive_handshake_no_options),
		T(test_active_handshake),
		T(test_data_delayed_ack_and_nagle),
		T(test_ooo_and_sack),
		T(test_syn_rto_initial_and_backoff),
		T(test_data_rto_from_rtt_and_backoff),
		T(test_fast_retransmit_newreno),
		T(test_sack_recovery),
		T(test_tail_loss_probe_then_rack),
		T(test_lost_retransmission_found_by_rack),
		T(test_duplicate_segment_reported_as_dsack),
		T(test_zero_window_probes),
		T(test_receive_window_closes),
		T(test_rst_cases),
		T(test_challenge_ack_rate_limit),
		T(test_syn_sent_rst),
		T(test_active_close_time_wait),
		T(test_time_wait_reuse_by_new_syn),
		T(test_simultaneous_open),
		T(test_simultaneous_close),
		T(test_passive_close_last_ack),
		T(test_syn_cookies_on_overflow),
		T(test_cookie_timestamps_never_go_back),
		T(test_syn_flood_spares_working_arp_entries),
		T(test_port_share_refuses_at_once),
		T(test_port_full_refused_before_accept_queue),
		T(test_cookie_ack_without_room_is_reset),
		T(test_syn_queue_full_without_cookies),
		T(test_paws),
		T(test_keepalive_probe_format),
		T(test_linger_zero_resets),
		T(test_icmp_unreachable_in_syn_sent),
	};
	return cmocka_run_group_tests_name("net_tcp_script", tests, NULL, NULL);
}
