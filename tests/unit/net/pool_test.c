/* TCP buffers in a caller's pool (net_tcp_set_pool and friends): the owner
 * reads and writes the bytes through the mirrored slot tables, the way a
 * process reads and writes its socket rings in netd's shared memory. */
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
#define NBLK 96
#define CAP (64 * 1024)
#define SLOTS (CAP / NET_BLK_SIZE)

/* An owner of a pool: the blocks (shared memory in netd), the private
 * links, and per socket the two mirrored slot tables. */
struct owner {
	uint8_t blocks[NBLK][NET_BLK_SIZE];
	uint16_t next[NBLK];
	uint8_t state[256];
	struct net_pool *pool;
	uint16_t rx[SLOTS], tx[SLOTS];
};

static void owner_init(struct owner *o)
{
	assert_true(net_pool_state_size() <= sizeof(o->state));
	o->pool = net_pool_init(o->state, o->blocks, o->next, NBLK);
	assert_non_null(o->pool);
}

/* The owner's view: byte at stream offset off. */
static uint8_t *at(struct owner *o, const uint16_t *table, uint32_t off)
{
	uint32_t pos = off & (CAP - 1);
	uint16_t b = table[pos / NET_BLK_SIZE];
	assert_true(b < NBLK);
	return &o->blocks[b][pos % NET_BLK_SIZE];
}

struct pair {
	struct sim sim;
	struct node a, b;
	struct owner *o;
	int lst, ca, sb;
};

static struct owner own, own2;

static void setup_pair(struct pair *p, struct owner *o)
{
	memset(p, 0, sizeof(*p));
	struct net_config c;
	sim_init(&p->sim, 7);
	test_config(&c, 1);
	node_init(&p->a, &p->sim.now, &c, 1);
	test_config(&c, 2);
	node_init(&p->b, &p->sim.now, &c, 2);
	sim_add(&p->sim, &p->a);
	sim_add(&p->sim, &p->b);
	net_ipv4_set(p->a.st, A_IP, 0xffffff00, 0);
	net_ipv4_set(p->b.st, B_IP, 0xffffff00, 0);
	p->o = o;
	owner_init(o);
	p->lst = net_tcp_socket(p->b.st);
	struct net_sockaddr any = { 0, 80 };
	assert_int_equal(net_tcp_bind(p->b.st, p->lst, &any), 0);
	assert_int_equal(net_tcp_set_pool(p->b.st, p->lst, o->pool, CAP), 0);
	assert_int_equal(net_tcp_listen(p->b.st, p->lst, 8), 0);
}

static bool accepted(void *ctx)
{
	struct pair *p = ctx;
	if (p->sb <= 0)
		p->sb = net_tcp_accept(p->b.st, p->lst, NULL);
	return p->sb > 0 && net_tcp_state(p->a.st, p->ca) == NET_TCP_ESTABLISHED;
}

static void connect_pair(struct pair *p)
{
	p->ca = net_tcp_socket(p->a.st);
	struct net_sockaddr dst = { B_IP, 80 };
	assert_int_equal(net_tcp_connect(p->a.st, p->ca, &dst), -NET_EINPROGRESS);
	assert_true(sim_run(&p->sim, 5000000000ULL, accepted, p));
	assert_int_equal(net_tcp_set_mirror(p->b.st, p->sb, p->o->rx, p->o->tx), 0);
}

struct flow {
	struct pair *p;
	const uint8_t *data;
	uint32_t n, sent, got;
	uint8_t *in;
};

/* A sends with the ordinary calls; B reads through its pool. */
static bool a_to_b(void *ctx)
{
	struct flow *f = ctx;
	struct pair *p = f->p;
	while (f->sent < f->n) {
		long w = net_tcp_send(p->a.st, p->ca, f->data + f->sent, f->n - f->sent);
		if (w <= 0)
			break;
		f->sent += (uint32_t)w;
	}
	struct net_tcp_stream st;
	assert_int_equal(net_tcp_stream(p->b.st, p->sb, &st), 0);
	uint32_t k = 0;
	for (uint32_t off = st.rx_start; off != st.rx_end; off++, k++)
		f->in[f->got + k] = *at(p->o, p->o->rx, off);
	if (k) {
		f->got += k;
		assert_int_equal(net_tcp_consume(p->b.st, p->sb, st.rx_end), 0);
	}
	return f->got == f->n;
}

/* B writes into its reserved room and commits; A reads. */
static bool b_to_a(void *ctx)
{
	struct flow *f = ctx;
	struct pair *p = f->p;
	if (f->sent < f->n) {
		long room = net_tcp_reserve(p->b.st, p->sb, f->n - f->sent);
		assert_true(room >= 0);
		struct net_tcp_stream st;
		net_tcp_stream(p->b.st, p->sb, &st);
		assert_int_equal(st.tx_limit - st.tx_end, (uint32_t)room);
		uint32_t k = (uint32_t)room < f->n - f->sent ? (uint32_t)room : f->n - f->sent;
		for (uint32_t i = 0; i < k; i++)
			*at(p->o, p->o->tx, st.tx_end + i) = f->data[f->sent + i];
		if (k) {
			assert_int_equal(net_tcp_commit(p->b.st, p->sb, k, true), (long)k);
			f->sent += k;
		}
	}
	long r;
	while ((r = net_tcp_recv(p->a.st, p->ca, f->in + f->got, f->n - f->got)) > 0)
		f->got += (uint32_t)r;
	return f->got == f->n;
}

static uint8_t out[600000], in[600000];

static void bytes_through_the_pool_both_ways(void **s)
{
	(void)s;
	static struct pair p;
	setup_pair(&p, &own);
	connect_pair(&p);
	for (uint32_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13 + (i >> 11));
	struct flow f = { &p, out, 500000, 0, 0, in };
	assert_true(sim_run(&p.sim, 60000000000ULL, a_to_b, &f));
	assert_memory_equal(in, out, 500000);
	/* the receive side never holds more than its ring */
	assert_true(NBLK - net_pool_free_blocks(own.pool) <= SLOTS);
	memset(in, 0, sizeof(in));
	struct flow g = { &p, out + 7, 400000, 0, 0, in };
	assert_true(sim_run(&p.sim, 60000000000ULL, b_to_a, &g));
	assert_memory_equal(in, out + 7, 400000);
	/* closed on both sides: every block is back in the pool */
	net_tcp_close(p.a.st, p.ca);
	net_tcp_close(p.b.st, p.sb);
	net_tcp_close(p.b.st, p.lst);
	sim_run(&p.sim, 1000000000ULL, NULL, NULL);
	assert_int_equal(net_pool_free_blocks(own.pool), NBLK);
	node_fini(&p.a);
	node_fini(&p.b);
	sim_fini(&p.sim);
}

/* The owner was told it may write room R; a reset must not take those
 * blocks back (the owner may be writing them right now): they return when
 * the owner closes the socket. */
static void reserved_room_survives_a_reset(void **s)
{
	(void)s;
	static struct pair p;
	setup_pair(&p, &own);
	connect_pair(&p);
	long room = net_tcp_reserve(p.b.st, p.sb, 5000);
	assert_true(room >= 5000);
	struct net_tcp_stream st;
	net_tcp_stream(p.b.st, p.sb, &st);
	uint16_t before[SLOTS];
	memcpy(before, own.tx, sizeof(before));
	uint32_t held = NBLK - net_pool_free_blocks(own.pool);
	assert_true(held >= 3);
	assert_int_equal(net_tcp_abort(p.a.st, p.ca), 0); /* RST to B */
	sim_run(&p.sim, 1000000000ULL, NULL, NULL);
	assert_int_equal(net_tcp_state(p.b.st, p.sb), NET_TCP_CLOSED);
	assert_memory_equal(own.tx, before, sizeof(before));
	assert_int_equal(NBLK - net_pool_free_blocks(own.pool), held);
	assert_int_equal(net_tcp_commit(p.b.st, p.sb, 10, true), -NET_ECONNRESET);
	net_tcp_close(p.b.st, p.sb);
	net_tcp_close(p.b.st, p.lst);
	assert_int_equal(net_pool_free_blocks(own.pool), NBLK);
	node_fini(&p.a);
	node_fini(&p.b);
	sim_fini(&p.sim);
}

/* The owner closes (or exits) with data still unsent: detaching the pool
 * moves it to the stack's blocks and the peer still gets every byte. */
static bool a_reads_all(void *ctx)
{
	struct flow *f = ctx;
	long r;
	while ((r = net_tcp_recv(f->p->a.st, f->p->ca, f->in + f->got, f->n - f->got)) > 0)
		f->got += (uint32_t)r;
	return f->got == f->n;
}

static void detach_keeps_unsent_bytes(void **s)
{
	(void)s;
	static struct pair p;
	setup_pair(&p, &own);
	connect_pair(&p);
	p.sim.imp.delay_ns = 50000000; /* slow link: the data is still in flight at close */
	long room = net_tcp_reserve(p.b.st, p.sb, 30000);
	assert_true(room >= 30000);
	struct net_tcp_stream st;
	net_tcp_stream(p.b.st, p.sb, &st);
	for (uint32_t i = 0; i < 30000; i++)
		*at(&own, own.tx, st.tx_end + i) = out[i];
	assert_int_equal(net_tcp_commit(p.b.st, p.sb, 30000, true), 30000);
	net_tcp_set_mirror(p.b.st, p.sb, NULL, NULL);
	assert_int_equal(net_tcp_close(p.b.st, p.sb), 0);
	net_tcp_close(p.b.st, p.lst);
	assert_int_equal(net_pool_detach(p.b.st, own.pool), 0);
	assert_int_equal(net_pool_free_blocks(own.pool), NBLK);
	memset(own.blocks, 0xEE, sizeof(own.blocks)); /* the owner's memory is gone */
	memset(in, 0, sizeof(in));
	struct flow f = { &p, out, 30000, 0, 0, in };
	assert_true(sim_run(&p.sim, 30000000000ULL, a_reads_all, &f));
	assert_memory_equal(in, out, 30000);
	node_fini(&p.a);
	node_fini(&p.b);
	sim_fini(&p.sim);
}

/* A connection born in the listener's pool but taken by another owner: its
 * first bytes move with it. */
static void accepted_into_another_pool(void **s)
{
	(void)s;
	static struct pair p;
	setup_pair(&p, &own);
	owner_init(&own2);
	p.ca = net_tcp_socket(p.a.st);
	struct net_sockaddr dst = { B_IP, 80 };
	net_tcp_connect(p.a.st, p.ca, &dst);
	assert_true(sim_run(&p.sim, 5000000000ULL, accepted, &p));
	assert_int_equal(net_tcp_send(p.a.st, p.ca, "hello pool", 10), 10);
	sim_run(&p.sim, 100000000ULL, NULL, NULL);
	assert_true(net_pool_free_blocks(own.pool) < NBLK);
	assert_int_equal(net_tcp_set_pool(p.b.st, p.sb, own2.pool, CAP), 0);
	assert_int_equal(net_pool_free_blocks(own.pool), NBLK);
	assert_int_equal(net_tcp_set_mirror(p.b.st, p.sb, own2.rx, own2.tx), 0);
	struct net_tcp_stream st;
	net_tcp_stream(p.b.st, p.sb, &st);
	assert_int_equal(st.rx_end - st.rx_start, 10);
	char got[11] = { 0 };
	for (uint32_t i = 0; i < 10; i++)
		got[i] = (char)*at(&own2, own2.rx, st.rx_start + i);
	assert_string_equal(got, "hello pool");
	net_tcp_close(p.b.st, p.sb);
	net_tcp_close(p.b.st, p.lst);
	net_tcp_close(p.a.st, p.ca);
	sim_run(&p.sim, 1000000000ULL, NULL, NULL);
	assert_int_equal(net_pool_free_blocks(own2.pool), NBLK);
	node_fini(&p.a);
	node_fini(&p.b);
	sim_fini(&p.sim);
}

/* UDP from and into pieces of memory: pieces of odd length shift the
 * checksum's byte lanes, and the receiver still finds it right. */
static bool got_datagram(void *ctx)
{
	struct pair *p = ctx;
	return net_udp_peek(p->b.st, p->sb) > 0;
}

static void udp_in_pieces(void **s)
{
	(void)s;
	static struct pair p;
	setup_pair(&p, &own);
	int ua = net_udp_socket(p.a.st, NET_DGRAM_UDP);
	p.sb = net_udp_socket(p.b.st, NET_DGRAM_UDP);
	struct net_sockaddr b = { 0, 99 }, to = { B_IP, 99 }, from;
	assert_int_equal(net_udp_bind(p.b.st, p.sb, &b), 0);
	char x[] = "abc", y[] = "defgh", z[] = "i";
	struct net_iov v[3] = { { x, 3 }, { y, 5 }, { z, 1 } };
	assert_int_equal(net_udp_sendv(p.a.st, ua, v, 3, &to), 9);
	assert_true(sim_run(&p.sim, 1000000000ULL, got_datagram, &p));
	assert_int_equal(net_udp_peek(p.b.st, p.sb), 9);
	char r1[4] = { 0 }, r2[8] = { 0 };
	struct net_iov w[2] = { { r1, 4 }, { r2, 8 } };
	bool trunc = true;
	assert_int_equal(net_udp_recvv(p.b.st, p.sb, w, 2, &from, &trunc), 9);
	assert_false(trunc);
	assert_memory_equal(r1, "abcd", 4);
	assert_string_equal(r2, "efghi");
	assert_int_equal(from.addr, A_IP);
	node_fini(&p.a);
	node_fini(&p.b);
	sim_fini(&p.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bytes_through_the_pool_both_ways),
		cmocka_unit_test(reserved_room_survives_a_reset),
		cmocka_unit_test(detach_keeps_unsent_bytes),
		cmocka_unit_test(accepted_into_another_pool),
		cmocka_unit_test(udp_in_pieces),
	};
	return cmocka_run_group_tests_name("net_pool", tests, NULL, NULL);
}
