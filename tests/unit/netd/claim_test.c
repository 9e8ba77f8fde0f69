/*
 * PIKA's speculative handshake in netd's socket service (sockshm.c,
 * sock.c), on the host world of tests/fuzz/netd/world.h: a peer stack
 * connects to listeners of fake processes, which claim their offers (or do
 * not) as libc does, with the claim word of pikaos/sockproto.h. Time is the
 * world's own, so every timeout is exact: accept_timeout= is 50 ms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/fuzz/netd/world.h"

static uint16_t PORT = 8080; /* a test of its own CM port sets another */
#define MSEC 1000000ULL


static struct world w;

/* socket, bind with SO_REUSEPORT, listen: the listener's id */
static int listen_on(int k)
{
	struct sock_req q = { 0 };
	q.a = SOCK_KIND_TCP;
	world_request(k, SOCK_OPEN, &q);
	int id = world_status;
	assert_true(id > 0);
	q = (struct sock_req){ .h = id, .addr = 0, .port = PORT, .flags = SOCK_BIND_REUSEPORT };
	world_request(k, SOCK_BIND, &q);
	assert_int_equal(world_status, 0);
	q = (struct sock_req){ .h = id, .a = 8 };
	world_request(k, SOCK_LISTEN, &q);
	assert_int_equal(world_status, 0);
	return id;
}

static void close_id(int k, int id)
{
	struct sock_req q = { .h = id };
	world_request(k, SOCK_CLOSE, &q);
}

/* The peer connects (and sends `data`); the handshake completes and the
 * service offers the connection. Returns the peer's handle. */
static int peer_connect(const char *data)
{
	int h = net_tcp_socket(w.b.st);
	assert_true(h > 0);
	struct net_sockaddr to = { US, PORT };
	int e = net_tcp_connect(w.b.st, h, &to);
	assert_true(e == 0 || e == -NET_EINPROGRESS);
	world_run_for(&w, 2 * MSEC);
	if (data)
		assert_int_equal(net_tcp_send(w.b.st, h, data, strlen(data)), (int)strlen(data));
	world_run_for(&w, 2 * MSEC);
	return h;
}

static uint32_t offers(int k) { return world_area(k)->accept_head; }
static struct sock_accept record(int k, uint32_t i) { return world_area(k)->accepts[i % SOCK_ACCEPTS]; }

/* What libc's accept() does with a record: true if it was ours to take. */
static bool claim(int k, struct sock_accept r, uint32_t *seen)
{
	struct sock_area *a = world_area(k);
	a->accept_tail = a->accept_head;
	return sock_claim_move(&a->sock[r.id].claim, r.gen, SOCK_CLAIM_TAKEN, seen);
}

/* the number after key (" name ") in the CM's netstat lines */
static uint64_t cm_value(const char *key)
{
	static char text[8192];
	cm_stats(text, sizeof(text));
	const char *at = strstr(text, key);
	assert_non_null(at);
	return strtoull(at + strlen(key), NULL, 10);
}

static uint64_t cm_count(const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), " %s ", name);
	return cm_value(key);
}

/* the CM's service time of port's local application, from netstat's line */
static uint64_t cm_local_us(uint16_t port)
{
	char key[64];
	snprintf(key, sizeof(key), " cm port %u local_us ", port);
	return cm_value(key);
}

static int setup(void **state)
{
	(void)state;
	world_setup(&w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int j = 0; j < PEER_CONNS; j++)
		w.peer[j] = 0;
	world_teardown(&w);
	return 0;
}

static uint64_t base_timeout, base_exit;
static void counts_from_here(void)
{
	base_timeout = cm_count("reassigned_timeout");
	base_exit = cm_count("reassigned_exit");
}

/* Claimed within the timeout: it stays with its process for good. */
static void test_claim_in_time(void **state)
{
	(void)state;
	counts_from_here();
	world_client_new(0);
	int l = listen_on(0);
	int h = peer_connect("GET");
	assert_int_equal(offers(0), 1);
	struct sock_accept r = record(0, 0);
	assert_int_equal(r.group, world_area(0)->sock[l].group);
	uint32_t seen;
	world_run_for(&w, 10 * MSEC);
	assert_true(claim(0, r, &seen));
	assert_int_equal(seen, sock_claim_word(r.gen, SOCK_CLAIM_TAKEN));
	world_run_for(&w, 200 * MSEC);
	struct sock_entry *e = &world_area(0)->sock[r.id];
	assert_int_equal(e->gen, r.gen);
	assert_true(e->st & SOCK_ST_CONNECTED);
	assert_int_equal(e->rx_tail, 3);
	assert_int_equal(cm_count("reassigned_timeout"), base_timeout);
	net_tcp_close(w.b.st, h);
	world_client_gone(0);
}

/* Not claimed in time: taken back and offered to the other acceptor, bytes
 * and all; the late claim fails (REVOKED), the late process gets nothing new
 * until it announces itself again, and then it does. */
static void test_claim_after_timeout(void **state)
{
	(void)state;
	counts_from_here();
	world_client_new(0);
	world_client_new(1);
	listen_on(0);
	int l1 = listen_on(1);
	int h1 = peer_connect("hello");
	int h2 = peer_connect("world!");
	assert_int_equal(offers(0), 1); /* one each, in turn */
	assert_int_equal(offers(1), 1);
	uint32_t seen;
	assert_true(claim(1, record(1, 0), &seen)); /* process 1 takes its own at once */
	struct sock_accept late = record(0, 0);
	world_run_for(&w, 40 * MSEC);
	assert_int_equal(offers(1), 1); /* 44 ms: not yet */
	world_run_for(&w, 10 * MSEC);
	assert_int_equal(offers(1), 2); /* 54 ms: moved */
	assert_int_equal(cm_count("reassigned_timeout"), base_timeout + 1);
	struct sock_accept moved = record(1, 1);
	assert_int_equal(moved.addr, PEER);
	assert_int_equal(moved.port, late.port);
	world_run_for(&w, 1 * MSEC);
	assert_int_equal(world_area(1)->sock[moved.id].rx_tail, 5); /* "hello" came along */
	assert_true(claim(1, moved, &seen));
	/* process 0 claims now: too late, and told so */
	assert_false(claim(0, late, &seen));
	assert_int_equal(seen, sock_claim_word(late.gen, SOCK_CLAIM_REVOKED));
	assert_int_not_equal(world_area(0)->sock[late.id].gen, late.gen);
	/* late, not announced: the next connection goes to process 1 */
	int h3 = peer_connect(NULL);
	assert_int_equal(offers(0), 1);
	assert_int_equal(offers(1), 3);
	assert_true(claim(1, record(1, 2), &seen));
	/* process 0 announces itself (ACCEPT-CONNECTION); process 1 stops
	 * listening: the next connection is process 0's */
	world_area(0)->announce++;
	close_id(1, l1);
	world_run_for(&w, 1 * MSEC);
	int h4 = peer_connect(NULL);
	assert_int_equal(offers(0), 2);
	assert_true(claim(0, record(0, 1), &seen));
	int hs[] = { h1, h2, h3, h4 };
	for (int i = 0; i < 4; i++)
		net_tcp_close(w.b.st, hs[i]);
	world_client_gone(0);
	world_client_gone(1);
}

/* A process exits with an offer it never claimed: the other member gets
 * it, with its bytes; what it had claimed goes with it. */
static void test_acceptor_exits(void **state)
{
	(void)state;
	counts_from_here();
	world_client_new(0);
	world_client_new(1);
	listen_on(0);
	listen_on(1);
	int h1 = peer_connect("abc");
	int h2 = peer_connect("defg");
	int h3 = peer_connect("hi");
	assert_int_equal(offers(0), 2);
	assert_int_equal(offers(1), 1);
	uint32_t seen;
	assert_true(claim(0, record(0, 0), &seen)); /* claimed, then the process dies */
	world_client_gone(0);                       /* ... with record 1 unclaimed */
	world_run_for(&w, 1 * MSEC);
	assert_int_equal(offers(1), 2);
	assert_int_equal(cm_count("reassigned_exit"), base_exit + 1);
	assert_int_equal(cm_count("reassigned_timeout"), base_timeout);
	struct sock_accept r = record(1, 1);
	assert_int_equal(world_area(1)->sock[r.id].rx_tail, 2); /* h3's "hi" */
	assert_true(claim(1, r, &seen));
	assert_true(claim(1, record(1, 0), &seen));
	/* the claimed one was closed with its process: its peer hears so */
	world_run_for(&w, 5 * MSEC);
	assert_int_not_equal(net_tcp_state(w.b.st, h1), NET_TCP_ESTABLISHED);
	assert_int_equal(net_tcp_state(w.b.st, h3), NET_TCP_ESTABLISHED);
	int hs[] = { h1, h2, h3 };
	for (int i = 0; i < 3; i++)
		net_tcp_close(w.b.st, hs[i]);
	world_client_gone(1);
}

/* The process's claim and netd's take-back race for the same word: a claim
 * that lands before the take-back keeps the connection, however late. And
 * a late offer nobody else can take stays offered to its process. */
static void test_claim_wins_the_race(void **state)
{
	(void)state;
	counts_from_here();
	world_client_new(0);
	world_client_new(1);
	listen_on(0);
	listen_on(1);
	int h1 = peer_connect("x");
	int h2 = peer_connect("y");
	uint32_t seen;
	struct sock_accept r0 = record(0, 0), r1 = record(1, 0);
	assert_true(claim(1, r1, &seen));
	fake_clock += 100 * MSEC; /* process 0's offer is 100 ms old as the turn starts ... */
	assert_true(claim(0, r0, &seen)); /* ... and its claim lands first */
	sock_turn();
	assert_int_equal(offers(0), 1);
	assert_int_equal(offers(1), 1);
	assert_int_equal(cm_count("reassigned_timeout"), base_timeout);
	assert_int_equal(world_area(0)->sock[r0.id].gen, r0.gen);
	assert_int_equal(world_area(0)->sock[r0.id].claim, sock_claim_word(r0.gen, SOCK_CLAIM_TAKEN));
	net_tcp_close(w.b.st, h1);
	net_tcp_close(w.b.st, h2);
	world_client_gone(0);
	world_client_gone(1);
}

static void test_late_alone_keeps_it(void **state)
{
	(void)state;
	counts_from_here();
	world_client_new(0);
	listen_on(0);
	int h = peer_connect("late");
	struct sock_accept r = record(0, 0);
	world_run_for(&w, 500 * MSEC);
	assert_int_equal(cm_count("reassigned_timeout"), base_timeout);
	uint32_t seen;
	assert_true(claim(0, r, &seen));
	assert_int_equal(world_area(0)->sock[r.id].rx_tail, 4);
	net_tcp_close(w.b.st, h);
	world_client_gone(0);
}

/* The CM sees a slow process before its connections close: its service
 * time is at least the age of its second oldest open connection (one long
 * connection alone does not count), and the connections' own times once
 * they close. */
static void test_open_connections_show(void **state)
{
	(void)state;
	PORT = 8081; /* no samples from the other tests */
	cm_init(NULL, 0); /* netd's defaults: tournament:2, 1 ms without samples, samples age in 1 s */
	world_client_new(0);
	listen_on(0);
	int h1 = peer_connect("a");
	struct sock_accept r1 = record(0, 0);
	uint32_t seen;
	assert_true(claim(0, r1, &seen));
	world_run_for(&w, 40 * MSEC);
	assert_int_equal(cm_local_us(PORT), 1000); /* one open: no sample yet, the default */
	int h2 = peer_connect("b");
	struct sock_accept r2 = record(0, 1);
	assert_true(claim(0, r2, &seen));
	world_run_for(&w, 40 * MSEC);
	uint64_t s = cm_local_us(PORT); /* r2 is 42 ms old (offered in its handshake's turn) */
	assert_int_equal(s, 42000);
	close_id(0, r1.id);
	close_id(0, r2.id);
	world_run_for(&w, 1 * MSEC);
	s = cm_local_us(PORT); /* the median of their two times, 86 and 42 ms */
	assert_int_equal(s, 64000);
	net_tcp_close(w.b.st, h1);
	net_tcp_close(w.b.st, h2);
	world_client_gone(0);
	PORT = 8080;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_in_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_after_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acceptor_exits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_wins_the_race, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_alone_keeps_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_connections_show, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
