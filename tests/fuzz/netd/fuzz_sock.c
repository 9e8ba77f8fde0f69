/*
 * libFuzzer target: netd's socket service (user/netd/sock.c, sockshm.c)
 * against hostile clients. The service runs as in netd, over a stack
 * instance (10.0.0.1) on the harness's wire with a peer stack (10.0.0.2)
 * that listens on port 80, connects to the service's listeners and sends
 * and closes. The input is a little program: clients come and go; each
 * sends socket requests with arbitrary fields, writes anything anywhere in
 * its shared area (or plays by the rules: consume what netd published,
 * write within the room it was given, kick, take accepts), and time runs.
 *
 * After the program every client is gone and time runs out; then every
 * connection must be closed, every packet and data block back in the
 * stack's pools, and the service must have no client and no socket left.
 * A crash, a sanitizer report or a broken invariant is a finding.
 *
 * Built two ways: with -DNETD_FUZZ_MAIN as the libFuzzer binary (make
 * fuzz-netd), and without it into the unit test that replays the seeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pikaos/dispatch.h>
#include <pikaos/sockproto.h>

#include "tests/unit/net/harness.h"
#include "user/netd/netd.h"
#include "user/netd/sock.h"

int fuzz_sock_one(const uint8_t *data, size_t size);

#define US IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 2)
#define CLIENTS 3
#define PEER_CONNS 8
#define AREA_PAGES SOCK_CHAN_PAGES

/* ---------------------------------------------------------------- netd's world, faked */

struct netd g;
static disp_handler handlers[DISP_MAX_TYPES];
static uint64_t replies, notifies;

void disp_on(struct disp *d, uint32_t type, disp_handler h)
{
	(void)d;
	if (type < DISP_MAX_TYPES)
		handlers[type] = h;
}

int disp_reply(struct disp_req *r, int32_t status, const void *data, size_t len)
{
	(void)r, (void)status;
	if (len && !data)
		abort();
	replies++;
	return 0;
}

int disp_notify(struct disp_chan *dc, uint32_t type, const void *data, size_t len)
{
	(void)dc, (void)type, (void)data;
	if (len > MSG_DATA)
		abort(); /* a notification is one message: it would be refused */
	notifies++;
	return 0;
}

void chan_notify(struct chan *c) { (void)c; }
int chan_send(struct chan *c, const struct chan_msg *m)
{
	(void)c, (void)m;
	notifies++; /* cm.c's notifications to other CMs (none in this world) */
	return 0;
}

/* the connection manager (cm.c, linked in) asks these of netd */
static uint64_t fake_clock;
uint64_t pika_clock_ns(void) { return fake_clock; }
int link_owner(uint32_t raddr, uint32_t laddr, uint16_t rport, uint16_t lport)
{
	(void)raddr, (void)laddr, (void)rport, (void)lport;
	return g.core; /* one core: every flow is ours, nothing is pinned */
}
void link_udp_bind(uint16_t port, bool bound) { (void)port, (void)bound; }
bool netd_from_peer(struct disp_req *r)
{
	(void)r;
	return false; /* no peer netd in this world */
}

struct fclient {
	struct disp_chan *dc;
	uint8_t *mem; /* the channel frame, then the data area (struct sock_area) */
	bool closed_by_netd;
};
static struct fclient fc[CLIENTS];

/* netd closes a client it found lying (sock.c, drop_bad_clients). */
void netd_close_chan(struct disp_chan *dc)
{
	for (int i = 0; i < CLIENTS; i++)
		if (fc[i].dc == dc)
			fc[i].closed_by_netd = true;
}

/* ---------------------------------------------------------------- the program */

struct fz {
	struct sim sim;
	struct node a, b;
	int peer_lst;
	int peer[PEER_CONNS];
	const uint8_t *d;
	size_t left;
	uint32_t next_id;
};

static uint8_t take8(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->d++;
}

static uint16_t take16(struct fz *f) { return (uint16_t)(take8(f) << 8 | take8(f)); }
static uint32_t take32(struct fz *f) { return (uint32_t)take16(f) << 16 | take16(f); }

static struct sock_area *area(int k) { return (struct sock_area *)(fc[k].mem + CHAN_FRAME_SIZE); }

static void client_new(int k)
{
	if (fc[k].dc)
		return;
	size_t len = (size_t)AREA_PAGES * CHAN_FRAME_SIZE;
	fc[k].mem = aligned_alloc(4096, len);
	struct disp_chan *dc = calloc(1, sizeof(*dc));
	if (!fc[k].mem || !dc)
		abort();
	memset(fc[k].mem, 0, len);
	dc->ch.f = (struct chan_frame *)fc[k].mem;
	dc->ch.pages = AREA_PAGES;
	dc->id = ROLE_CLIENT;
	fc[k].dc = dc;
	fc[k].closed_by_netd = false;
	if (!sock_new_client(dc))
		abort(); /* room for CLIENTS clients */
}

static void client_gone(int k)
{
	if (!fc[k].dc)
		return;
	sock_client_gone(fc[k].dc); /* false when netd already dropped it */
	free(fc[k].dc);
	free(fc[k].mem);
	fc[k].dc = NULL;
	fc[k].mem = NULL;
}

static void request(struct fz *f, int k)
{
	static struct disp_req r;
	memset(&r, 0, sizeof(r));
	uint8_t t = take8(f);
	uint32_t type = t < 200 ? SOCK_OPEN + t % 9 : t; /* mostly real requests */
	struct sock_req q = { 0 };
	uint8_t form = take8(f);
	q.h = form & 1 ? (int32_t)take32(f) : (int32_t)(take8(f) % 8);
	q.a = form & 2 ? take32(f) : take8(f) % 4;
	q.addr = form & 4 ? take32(f) : (take8(f) & 1 ? PEER : US);
	q.port = form & 8 ? take16(f) : (uint16_t)(take8(f) & 1 ? 80 : 7);
	q.flags = form & 16 ? take16(f) : (uint16_t)(take8(f) % 4);
	q.value = (int32_t)take32(f);
	r.dc = fc[k].dc;
	msg_init(&r.msg, type, 0, ++f->next_id, 0);
	memcpy(msg_data(&r.msg), &q, sizeof(q));
	r.len = MSG_DATA;
	memcpy(r.data, msg_cdata(&r.msg), MSG_DATA);
	if (type < DISP_MAX_TYPES && handlers[type])
		handlers[type](&r);
}

/* A lie: any 32-bit word of the area before the blocks. */
static void scribble(struct fz *f, int k)
{
	uint32_t words = (uint32_t)(offsetof(struct sock_area, blocks) / 4);
	uint32_t at = take32(f) % words;
	((volatile uint32_t *)area(k))[at] = take32(f);
}

static void kick(struct sock_area *a, int id)
{
	a->kicks[a->kick_head % SOCK_KICKS] = (uint16_t)id;
	a->kick_head = a->kick_head + 1;
}

/* By the rules, as libc would: consume, write within the room, kick. */
static void polite(struct fz *f, int k)
{
	struct sock_area *a = area(k);
	int id = 1 + take8(f) % 8;
	struct sock_entry *e = &a->sock[id];
	switch (take8(f) % 5) {
	case 0: /* read everything published */
		e->rx_head = e->rx_tail;
		kick(a, id);
		break;
	case 1: { /* write up to n bytes into the room */
		uint32_t n = take16(f), room = e->tx_limit - e->tx_tail;
		if (room > SOCK_RING_CAP)
			room = 0;
		e->tx_tail = e->tx_tail + (n < room ? n : room);
		kick(a, id);
		break;
	}
	case 2: /* take the new connections */
		a->accept_tail = a->accept_head;
		break;
	case 3: /* take the ready list */
		a->ready_tail = a->ready_head;
		break;
	default:
		kick(a, id);
		break;
	}
}

static void peer_events(struct fz *f)
{
	struct net_event ev[32];
	unsigned n;
	while ((n = net_events(f->b.st, ev, 32)) > 0)
		for (unsigned i = 0; i < n; i++) {
			int h = ev[i].handle;
			if (h == f->peer_lst && (ev[i].events & NET_EV_IN)) {
				int c;
				while ((c = net_tcp_accept(f->b.st, f->peer_lst, NULL)) > 0) {
					int slot = -1;
					for (int j = 0; j < PEER_CONNS && slot < 0; j++)
						if (!f->peer[j])
							slot = j;
					if (slot < 0)
						net_tcp_close(f->b.st, c);
					else
						f->peer[slot] = c;
				}
			} else if (h > 0 && (ev[i].events & NET_EV_IN)) {
				static uint8_t sink[4096];
				while (net_tcp_recv(f->b.st, h, sink, sizeof(sink)) > 0)
					;
			}
		}
}

static void run_for(struct fz *f, uint64_t ns)
{
	uint64_t until = f->sim.now + ns;
	sim_run(&f->sim, until, NULL, NULL);
	if (f->sim.now < until) { /* nothing was due before: the clock still gets there */
		f->sim.now = until;
		sim_run(&f->sim, until, NULL, NULL);
	}
	peer_events(f);
	fake_clock = f->sim.now;
	sock_turn();
	cm_tick(fake_clock);
}

static void peer_op(struct fz *f)
{
	uint8_t op = take8(f);
	int j = take8(f) % PEER_CONNS;
	static const uint8_t junk[1460];
	switch (op % 3) {
	case 0: /* connect to one of the service's ports */
		if (!f->peer[j]) {
			int h = net_tcp_socket(f->b.st);
			struct net_sockaddr to = { US, (uint16_t)(take8(f) & 1 ? 80 : 7) };
			if (h <= 0)
				break;
			int e = net_tcp_connect(f->b.st, h, &to);
			if (e && e != -NET_EINPROGRESS)
				net_tcp_close(f->b.st, h);
			else
				f->peer[j] = h;
		}
		break;
	case 1:
		if (f->peer[j])
			net_tcp_send(f->b.st, f->peer[j], junk, 1 + take16(f) % sizeof(junk));
		break;
	default:
		if (f->peer[j]) {
			if (take8(f) & 1)
				net_tcp_abort(f->b.st, f->peer[j]);
			else
				net_tcp_close(f->b.st, f->peer[j]);
			f->peer[j] = 0;
		}
		break;
	}
}

static void setup(struct fz *f)
{
	memset(f, 0, sizeof(*f));
	struct net_config c;
	sim_init(&f->sim, 11);
	test_config(&c, 1);
	c.tcp_conns = 64;
	c.udp_socks = 16;
	node_init(&f->a, &f->sim.now, &c, 1);
	test_config(&c, 2);
	node_init(&f->b, &f->sim.now, &c, 2);
	sim_add(&f->sim, &f->a);
	sim_add(&f->sim, &f->b);
	net_ipv4_set(f->a.st, US, 0xffffff00, 0);
	net_ipv4_set(f->b.st, PEER, 0xffffff00, 0);
	f->peer_lst = net_tcp_socket(f->b.st);
	struct net_sockaddr any = { 0, 80 };
	if (net_tcp_bind(f->b.st, f->peer_lst, &any) || net_tcp_listen(f->b.st, f->peer_lst, 16))
		abort();
	memset(&g, 0, sizeof(g));
	g.ns = f->a.st;
	g.ncores = 1;
	g.addr = US; /* the address the stack announces (NET_EV_ADDR) is not news */
	static bool inited;
	if (!inited) {
		sock_init(NULL);
		inited = true;
	}
}

static void teardown(struct fz *f)
{
	for (int k = 0; k < CLIENTS; k++)
		client_gone(k);
	for (int j = 0; j < PEER_CONNS; j++)
		if (f->peer[j])
			net_tcp_close(f->b.st, f->peer[j]);
	net_tcp_close(f->b.st, f->peer_lst);
	/* every connection ends: closes finish, time-waits expire */
	for (int i = 0; i < 60; i++)
		run_for(f, 10ULL * 1000000000ULL);
	struct net_usage u;
	net_usage(f->a.st, &u);
	char text[4096];
	sock_stats(text, sizeof(text));
	if (u.tcbs_used || u.pkts_used || u.blocks_used || u.udp_used || !strstr(text, "sock clients 0 sockets 0")) {
		fprintf(stderr, "fuzz_sock: left behind: tcbs %u packets %u blocks %u udp %u\n%s", u.tcbs_used,
			u.pkts_used, u.blocks_used, u.udp_used, text);
		abort();
	}
	if (!outcomes_balance(f->a.st))
		abort();
	node_fini(&f->a);
	node_fini(&f->b);
	sim_fini(&f->sim);
}

int fuzz_sock_one(const uint8_t *data, size_t size)
{
	static struct fz f;
	setup(&f);
	f.d = data;
	f.left = size;
	client_new(0);
	for (int steps = 0; f.left && steps < 4096; steps++) {
		uint8_t op = take8(&f);
		int k = (op >> 4) % CLIENTS;
		switch (op & 15) {
		case 0:
			client_new(k);
			break;
		case 1:
			client_gone(k);
			break;
		case 2: case 3: case 4: case 5:
			if (fc[k].dc && !fc[k].closed_by_netd)
				request(&f, k);
			break;
		case 6:
			if (fc[k].dc)
				scribble(&f, k);
			break;
		case 7: case 8: case 9:
			if (fc[k].dc)
				polite(&f, k);
			break;
		case 10: case 11:
			peer_op(&f);
			break;
		case 12:
			sock_turn();
			break;
		default:
			run_for(&f, (uint64_t)(1 + take8(&f)) * 1000000ULL);
			break;
		}
		for (int j = 0; j < CLIENTS; j++) /* netd dropped a liar: the process's end goes too */
			if (fc[j].closed_by_netd)
				client_gone(j);
	}
	teardown(&f);
	return 0;
}

#ifdef NETD_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_sock_one(data, size); }
#endif
