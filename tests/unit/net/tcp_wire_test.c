/* TCP between two instances over the in-memory wire: bulk transfer under
 * loss, reordering, duplication and corruption; connection life cycle and
 * error paths through the socket API. */
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

struct pair {
	struct sim sim;
	struct node a, b;
};

static void pair_init(struct pair *w, uint64_t seed, uint32_t bufsize)
{
	sim_init(&w->sim, seed);
	struct net_config c;
	test_config(&c, 1);
	c.tcp_sndbuf = c.tcp_rcvbuf = bufsize;
	c.data_blocks = 4 * (bufsize / NET_BLK_SIZE + 2) + 64;
	node_init(&w->a, &w->sim.now, &c, seed * 3 + 1);
	test_config(&c, 2);
	c.tcp_sndbuf = c.tcp_rcvbuf = bufsize;
	c.data_blocks = 4 * (bufsize / NET_BLK_SIZE + 2) + 64;
	node_init(&w->b, &w->sim.now, &c, seed * 3 + 2);
	sim_add(&w->sim, &w->a);
	sim_add(&w->sim, &w->b);
	net_ipv4_set(w->a.st, A_IP, 0xffffff00u, 0);
	net_ipv4_set(w->b.st, B_IP, 0xffffff00u, 0);
}

static void pair_fini(struct pair *w)
{
	assert_true(outcomes_balance(w->a.st));
	assert_true(outcomes_balance(w->b.st));
	node_fini(&w->a);
	node_fini(&w->b);
	sim_fini(&w->sim);
}

static void assert_idle(struct net_stack *st)
{
	struct net_usage u;
	net_usage(st, &u);
	assert_int_equal(u.tcbs_used, 0);
	assert_int_equal(u.blocks_used, 0);
	assert_int_equal(u.pkts_used, 0);
}

static int listen_on(struct net_stack *st, uint16_t port, int backlog)
{
	int l = net_tcp_socket(st);
	assert_true(l > 0);
	struct net_sockaddr a = { 0, port };
	assert_int_equal(net_tcp_bind(st, l, &a), 0);
	assert_int_equal(net_tcp_listen(st, l, backlog), 0);
	return l;
}

static int connect_to(struct net_stack *st, uint32_t addr, uint16_t port)
{
	int h = net_tcp_socket(st);
	assert_true(h > 0);
	struct net_sockaddr a = { addr, port };
	assert_int_equal(net_tcp_connect(st, h, &a), -NET_EINPROGRESS);
	return h;
}

/* ---------------------------------------------------------------- bulk */
/* Stream byte i of direction d is pat[(i + d * 1000) % PAT_N]: a random
 * table whose prime period matches no segment, window or buffer size, so
 * a lost, repeated or misplaced range shows up in the comparison. */
#define PAT_N 65521
static uint8_t pat[PAT_N + 65536];

static void pat_init(void)
{
	uint64_t r = 99;
	for (size_t i = 0; i < PAT_N; i++)
		pat[i] = (uint8_t)rng_next(&r);
	for (size_t i = PAT_N; i < sizeof(pat); i++)
		pat[i] = pat[i - PAT_N]; /* any slice of up to 64 KiB is contiguous */
}

struct flow {
	struct net_stack *st;
	int h;
	uint32_t dir;
	uint64_t total, sent, recvd;
	bool shut, eof, closed;
	bool bad;
	int err;
};

static void flow_pump(struct flow *f, uint32_t rdir)
{
	static uint8_t buf[65536];
	if (f->h <= 0 || f->closed)
		return;
	while (f->sent < f->total) {
		size_t n = f->total - f->sent < 65536 ? (size_t)(f->total - f->sent) : 65536;
		long r = net_tcp_send(f->st, f->h, pat + (f->sent + f->dir * 1000) % PAT_N, n);
		if (r <= 0) {
			if (r != -NET_EAGAIN)
				f->err = (int)r;
			break;
		}
		f->sent += (uint64_t)r;
	}
	if (f->sent == f->total && !f->shut) {
		assert_int_equal(net_tcp_shutdown(f->st, f->h, NET_SHUT_WR), 0);
		f->shut = true;
	}
	for (;;) {
		long r = net_tcp_recv(f->st, f->h, buf, sizeof(buf));
		if (r > 0) {
			if (memcmp(buf, pat + (f->recvd + rdir * 1000) % PAT_N, (size_t)r) != 0)
				f->bad = true;
			f->recvd += (uint64_t)r;
			continue;
		}
		if (r == 0)
			f->eof = true;
		else if (r != -NET_EAGAIN)
			f->err = (int)r;
		break;
	}
	if (f->eof && f->shut && !f->closed) {
		assert_int_equal(net_tcp_close(f->st, f->h), 0);
		f->closed = true;
	}
}

struct bulk {
	struct pair *w;
	int lst;
	struct flow c, s;
};

static bool bulk_step(void *ctx)
{
	struct bulk *b = ctx;
	if (b->s.h <= 0) {
		int h = net_tcp_accept(b->w->b.st, b->lst, NULL);
		if (h > 0)
			b->s.h = h;
	}
	flow_pump(&b->c, 2);
	flow_pump(&b->s, 1);
	struct net_event ev[32];
	while (net_events(b->w->a.st, ev, 32)) {
	}
	while (net_events(b->w->b.st, ev, 32)) {
	}
	return (b->c.closed && b->s.closed) || b->c.err || b->s.err || b->c.bad || b->s.bad;
}

static void run_bulk(uint64_t bytes, double loss, double reorder, double dup, double corrupt,
		     uint64_t seed, bool verbose)
{
	struct pair w;
	pat_init();
	pair_init(&w, seed, 128 * 1024);
	w.sim.imp.loss = loss;
	w.sim.imp.reorder = reorder;
	w.sim.imp.dup = dup;
	w.sim.imp.corrupt = corrupt;
	w.sim.imp.bps = 10000000000ull;
	struct bulk b;
	memset(&b, 0, sizeof(b));
	b.w = &w;
	b.lst = listen_on(w.b.st, 5001, 8);
	b.c = (struct flow){ .st = w.a.st, .dir = 1, .total = bytes };
	b.s = (struct flow){ .st = w.b.st, .dir = 2, .total = bytes };
	b.c.h = connect_to(w.a.st, B_IP, 5001);
	bool done = sim_run(&w.sim, w.sim.now + SEC(3600), bulk_step, &b);
	if (verbose || !done || b.c.err || b.s.err) {
		fprintf(stderr, "# bulk: done=%d vt=%.2fs sent=%llu lost=%llu dup=%llu reord=%llu corrupt=%llu/%llu\n",
			done, (double)w.sim.now / 1e9, (unsigned long long)w.sim.sent,
			(unsigned long long)w.sim.lost, (unsigned long long)w.sim.duped,
			(unsigned long long)w.sim.reordered, (unsigned long long)w.sim.corrupted,
			(unsigned long long)w.sim.corrupt_delivered);
		fprintf(stderr, "# c: sent=%llu recvd=%llu err=%d  s: sent=%llu recvd=%llu err=%d\n",
			(unsigned long long)b.c.sent, (unsigned long long)b.c.recvd, b.c.err,
			(unsigned long long)b.s.sent, (unsigned long long)b.s.recvd, b.s.err);
		const struct net_stats *sa = net_stats(w.a.st), *sb = net_stats(w.b.st);
		fprintf(stderr, "# a: retrans=%llu rto=%llu fast=%llu  b: retrans=%llu rto=%llu fast=%llu\n",
			(unsigned long long)sa->tcp_retrans, (unsigned long long)sa->tcp_rto,
			(unsigned long long)sa->tcp_fast_retrans, (unsigned long long)sb->tcp_retrans,
			(unsigned long long)sb->tcp_rto, (unsigned long long)sb->tcp_fast_retrans);
		print_drops(w.a.st, "a");
		print_drops(w.b.st, "b");
	}
	assert_true(done);
	assert_false(b.c.bad);
	assert_false(b.s.bad);
	assert_int_equal(b.c.err, 0);
	assert_int_equal(b.s.err, 0);
	assert_true(b.c.recvd == bytes);
	assert_true(b.s.recvd == bytes);
	/* corrupted frames never got through: each one was dropped by a checksum
	 * (or, if the damage hit the length/version fields, by header checks) */
	if (corrupt > 0) {
		uint64_t cd = 0;
		for (int k = 0; k < 2; k++) {
			const struct net_stats *ns = net_stats(k ? w.b.st : w.a.st);
			cd += ns->drops[NET_DROP_IP_CSUM] + ns->drops[NET_DROP_TCP_CSUM] +
			      ns->drops[NET_DROP_IP_HLEN] + ns->drops[NET_DROP_IP_LEN] +
			      ns->drops[NET_DROP_IP_VERSION];
		}
		assert_true(w.sim.corrupt_delivered > 0);
		assert_true(cd == w.sim.corrupt_delivered);
	}
	/* let TIME_WAIT run out: nothing may be left behind */
	net_tcp_close(w.b.st, b.lst);
	sim_run(&w.sim, w.sim.now + SEC(300), NULL, NULL);
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

static void test_bulk_clean(void **state)
{
	(void)state;
	run_bulk(8u << 20, 0, 0, 0, 0, 11, false);
}

static void test_bulk_100mib_each_way_lossy(void **state)
{
	(void)state;
	run_bulk(100ull << 20, 0.05, 0.05, 0.01, 0.001, 12345, true);
}

/* ---------------------------------------------------------------- life cycle */
static bool run_until_idle(struct pair *w, uint64_t ns)
{
	return sim_run(&w->sim, w->sim.now + ns, NULL, NULL);
}

static unsigned events_for(struct net_stack *st, int h)
{
	struct net_event ev[32];
	unsigned n, acc = 0;
	while ((n = net_events(st, ev, 32)))
		for (unsigned i = 0; i < n; i++)
			if (ev[i].handle == h)
				acc |= ev[i].events;
	return acc;
}

static void test_connect_refused(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 3, 65536);
	int h = connect_to(w.a.st, B_IP, 9999);
	run_until_idle(&w, SEC(1));
	unsigned ev = events_for(w.a.st, h);
	assert_true(ev & NET_EV_ERR);
	int err = 0;
	assert_int_equal(net_getsockopt(w.a.st, h, NET_SO_ERROR, &err), 0);
	assert_int_equal(err, NET_ECONNREFUSED);
	assert_int_equal(net_tcp_state(w.a.st, h), NET_TCP_CLOSED);
	assert_int_equal(net_stats(w.b.st)->drops[NET_DROP_TCP_NO_SOCKET], 1);
	assert_int_equal(net_tcp_close(w.a.st, h), 0);
	assert_idle(w.a.st);
	pair_fini(&w);
}

/* POSIX: recv and send on a stream socket that never connected say ENOTCONN
 * (recv used to return 0, as at the end of a stream) */
static void test_unconnected_socket_says_enotconn(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 3, 65536);
	int h = net_tcp_socket(w.a.st);
	char b[4];
	assert_int_equal(net_tcp_recv(w.a.st, h, b, sizeof(b)), -NET_ENOTCONN);
	assert_int_equal(net_tcp_send(w.a.st, h, b, sizeof(b)), -NET_ENOTCONN);
	assert_int_equal(net_tcp_close(w.a.st, h), 0);
	pair_fini(&w);
}

static void test_abort_resets_peer(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 4, 65536);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	assert_true(events_for(w.a.st, c) & NET_EV_CONNECTED);
	struct net_sockaddr peer;
	int s = net_tcp_accept(w.b.st, l, &peer);
	assert_true(s > 0);
	assert_int_equal(peer.addr, A_IP);
	assert_int_equal(net_tcp_state(w.b.st, s), NET_TCP_ESTABLISHED);
	struct net_sockaddr nm;
	assert_int_equal(net_tcp_sockname(w.a.st, c, &nm), 0);
	assert_int_equal(nm.addr, A_IP);
	assert_int_equal(net_tcp_peername(w.b.st, s, &peer), 0);
	assert_int_equal(peer.port, nm.port);
	assert_int_equal(net_tcp_abort(w.a.st, c), 0);
	run_until_idle(&w, SEC(1));
	unsigned ev = events_for(w.b.st, s);
	assert_true(ev & NET_EV_ERR);
	assert_true(ev & NET_EV_HUP);
	char buf[8];
	assert_int_equal(net_tcp_recv(w.b.st, s, buf, 8), -NET_ECONNRESET);
	assert_int_equal(net_tcp_send(w.b.st, s, "x", 1), -NET_EPIPE);
	net_tcp_close(w.b.st, s);
	net_tcp_close(w.b.st, l);
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

static void test_close_with_unread_data_resets(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 5, 65536);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	int s = net_tcp_accept(w.b.st, l, NULL);
	assert_int_equal(net_tcp_send(w.a.st, c, "unread", 6), 6);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_close(w.b.st, s), 0); /* data never read */
	run_until_idle(&w, SEC(1));
	int err = 0;
	net_getsockopt(w.a.st, c, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ECONNRESET);
	net_tcp_close(w.a.st, c);
	net_tcp_close(w.b.st, l);
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

static void test_half_close(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 6, 65536);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	int s = net_tcp_accept(w.b.st, l, NULL);
	assert_int_equal(net_tcp_send(w.a.st, c, "GET /", 5), 5);
	assert_int_equal(net_tcp_shutdown(w.a.st, c, NET_SHUT_WR), 0);
	assert_int_equal(net_tcp_send(w.a.st, c, "more", 4), -NET_EPIPE);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_state(w.a.st, c), NET_TCP_FIN_WAIT_2);
	assert_int_equal(net_tcp_state(w.b.st, s), NET_TCP_CLOSE_WAIT);
	assert_true(net_sock_poll(w.b.st, s) & NET_EV_RDHUP);
	char buf[16];
	assert_int_equal(net_tcp_recv(w.b.st, s, buf, sizeof(buf)), 5);
	assert_int_equal(net_tcp_recv(w.b.st, s, buf, sizeof(buf)), 0);
	/* the other direction still works */
	for (int i = 0; i < 3; i++)
		assert_int_equal(net_tcp_send(w.b.st, s, "reply", 5), 5);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_recv(w.a.st, c, buf, sizeof(buf)), 15);
	assert_int_equal(net_tcp_close(w.b.st, s), 0);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_recv(w.a.st, c, buf, sizeof(buf)), 0);
	assert_int_equal(net_tcp_state(w.a.st, c), NET_TCP_TIME_WAIT);
	net_tcp_close(w.a.st, c);
	net_tcp_close(w.b.st, l);
	run_until_idle(&w, SEC(200));
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

static bool cut_wire(struct pair *w)
{
	w->sim.imp.loss = 1.0;
	return true;
}

static void test_keepalive_times_out(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 7, 65536);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	int s = net_tcp_accept(w.b.st, l, NULL);
	assert_int_equal(net_setsockopt(w.a.st, c, NET_SO_KEEPALIVE, 1), 0);
	assert_int_equal(net_setsockopt(w.a.st, c, NET_SO_KEEPIDLE, 10), 0);
	assert_int_equal(net_setsockopt(w.a.st, c, NET_SO_KEEPINTVL, 2), 0);
	assert_int_equal(net_setsockopt(w.a.st, c, NET_SO_KEEPCNT, 3), 0);
	int v;
	net_getsockopt(w.a.st, c, NET_SO_KEEPIDLE, &v);
	assert_int_equal(v, 10);
	/* while the peer answers, probes keep the connection up */
	run_until_idle(&w, SEC(60));
	struct net_tcp_info in;
	net_tcp_info(w.a.st, c, &in);
	assert_int_equal(in.state, NET_TCP_ESTABLISHED);
	assert_true(in.stats.keepalive_probes >= 4);
	/* the peer vanishes: three unanswered probes, then ETIMEDOUT */
	cut_wire(&w);
	uint64_t t0 = w.sim.now;
	run_until_idle(&w, SEC(60));
	net_tcp_info(w.a.st, c, &in);
	int err = 0;
	net_getsockopt(w.a.st, c, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ETIMEDOUT);
	(void)t0;
	net_tcp_close(w.a.st, c);
	net_tcp_abort(w.b.st, s);
	net_tcp_close(w.b.st, l);
	pair_fini(&w);
}

static void test_retransmissions_give_up(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 8, 65536);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	int s = net_tcp_accept(w.b.st, l, NULL);
	cut_wire(&w);
	assert_int_equal(net_tcp_send(w.a.st, c, "lost forever", 12), 12);
	run_until_idle(&w, SEC(7200));
	int err = 0;
	net_getsockopt(w.a.st, c, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ETIMEDOUT);
	assert_int_equal(net_stats(w.a.st)->tcp_rto, w.a.cfg.data_retries);
	net_tcp_close(w.a.st, c);
	net_tcp_abort(w.b.st, s);
	net_tcp_close(w.b.st, l);
	assert_idle(w.a.st);
	pair_fini(&w);
}

static void test_syn_retries_give_up(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 9, 65536);
	cut_wire(&w);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(600));
	int err = 0;
	net_getsockopt(w.a.st, c, NET_SO_ERROR, &err);
	assert_int_equal(err, NET_ETIMEDOUT);
	/* 1 + syn_retries SYNs (ARP requests aside) */
	assert_int_equal(net_stats(w.a.st)->tcp_segs_out, 1u + w.a.cfg.syn_retries);
	net_tcp_close(w.a.st, c);
	pair_fini(&w);
}

static void test_simultaneous_open_over_wire(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 10, 65536);
	int a = net_tcp_socket(w.a.st), b = net_tcp_socket(w.b.st);
	struct net_sockaddr pa = { 0, 4000 }, pb = { 0, 5000 };
	assert_int_equal(net_tcp_bind(w.a.st, a, &pa), 0);
	assert_int_equal(net_tcp_bind(w.b.st, b, &pb), 0);
	/* resolve ARP first so both SYNs cross on the wire */
	net_arp_set(w.a.st, B_IP, w.b.cfg.mac, false);
	net_arp_set(w.b.st, A_IP, w.a.cfg.mac, false);
	struct net_sockaddr ta = { B_IP, 5000 }, tb = { A_IP, 4000 };
	assert_int_equal(net_tcp_connect(w.a.st, a, &ta), -NET_EINPROGRESS);
	assert_int_equal(net_tcp_connect(w.b.st, b, &tb), -NET_EINPROGRESS);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_state(w.a.st, a), NET_TCP_ESTABLISHED);
	assert_int_equal(net_tcp_state(w.b.st, b), NET_TCP_ESTABLISHED);
	assert_true(events_for(w.a.st, a) & NET_EV_CONNECTED);
	assert_true(events_for(w.b.st, b) & NET_EV_CONNECTED);
	assert_int_equal(net_tcp_send(w.a.st, a, "ping", 4), 4);
	run_until_idle(&w, SEC(1));
	char buf[8];
	assert_int_equal(net_tcp_recv(w.b.st, b, buf, 8), 4);
	/* and a simultaneous close: both FINs cross -> CLOSING -> TIME_WAIT */
	net_tcp_shutdown(w.a.st, a, NET_SHUT_WR);
	net_tcp_shutdown(w.b.st, b, NET_SHUT_WR);
	run_until_idle(&w, SEC(1));
	assert_int_equal(net_tcp_state(w.a.st, a), NET_TCP_TIME_WAIT);
	assert_int_equal(net_tcp_state(w.b.st, b), NET_TCP_TIME_WAIT);
	net_tcp_close(w.a.st, a);
	net_tcp_close(w.b.st, b);
	run_until_idle(&w, SEC(200));
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

static void test_send_buffer_events(void **state)
{
	(void)state;
	struct pair w;
	pair_init(&w, 11, 16384);
	int l = listen_on(w.b.st, 80, 4);
	int c = connect_to(w.a.st, B_IP, 80);
	run_until_idle(&w, SEC(1));
	int s = net_tcp_accept(w.b.st, l, NULL);
	static uint8_t big[100000];
	long n = net_tcp_send(w.a.st, c, big, sizeof(big));
	assert_int_equal(n, 16384); /* the send buffer size */
	assert_int_equal(net_tcp_send(w.a.st, c, big, 10), -NET_EAGAIN);
	events_for(w.a.st, c);
	run_until_idle(&w, SEC(1));
	/* the receiver's buffer is full and nobody reads: zero window */
	struct net_tcp_info in;
	net_tcp_info(w.b.st, s, &in);
	assert_int_equal(in.rcv_queued, 16384);
	assert_int_equal(net_tcp_send(w.a.st, c, big, sizeof(big)), 16384);
	run_until_idle(&w, SEC(30));
	net_tcp_info(w.a.st, c, &in);
	assert_int_equal(in.snd_wnd, 0);
	assert_true(in.stats.zero_window_probes >= 2);
	/* reading opens the window; the writer is told it may write again */
	uint8_t rb[65536];
	assert_int_equal(net_tcp_recv(w.b.st, s, rb, sizeof(rb)), 16384);
	run_until_idle(&w, SEC(5));
	assert_true(events_for(w.a.st, c) & NET_EV_OUT);
	assert_int_equal(net_tcp_recv(w.b.st, s, rb, sizeof(rb)), 16384);
	assert_true(net_stats(w.b.st)->drops[NET_DROP_TCP_ZERO_WINDOW] >= 1);
	net_tcp_close(w.a.st, c);
	net_tcp_close(w.b.st, s);
	net_tcp_close(w.b.st, l);
	run_until_idle(&w, SEC(200));
	assert_idle(w.a.st);
	assert_idle(w.b.st);
	pair_fini(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_unconnected_socket_says_enotconn),
		cmocka_unit_test(test_abort_resets_peer),
		cmocka_unit_test(test_close_with_unread_data_resets),
		cmocka_unit_test(test_half_close),
		cmocka_unit_test(test_keepalive_times_out),
		cmocka_unit_test(test_retransmissions_give_up),
		cmocka_unit_test(test_syn_retries_give_up),
		cmocka_unit_test(test_simultaneous_open_over_wire),
		cmocka_unit_test(test_send_buffer_events),
		cmocka_unit_test(test_bulk_clean),
		cmocka_unit_test(test_bulk_100mib_each_way_lossy),
	};
	return cmocka_run_group_tests_name("net_tcp_wire", tests, NULL, NULL);
}
