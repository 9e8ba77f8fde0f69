/* world.c - see world.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pikaos/dispatch.h>

#include "tests/fuzz/netd/world.h"

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

int32_t world_status;
int disp_reply(struct disp_req *r, int32_t status, const void *data, size_t len)
{
	(void)r;
	world_status = status;
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
uint64_t fake_clock;
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

struct fclient fc[CLIENTS];

/* netd closes a client it found lying (sock.c, drop_bad_clients). */
void netd_close_chan(struct disp_chan *dc)
{
	for (int i = 0; i < CLIENTS; i++)
		if (fc[i].dc == dc)
			fc[i].closed_by_netd = true;
}

/* ---------------------------------------------------------------- clients */

struct sock_area *world_area(int k) { return (struct sock_area *)(fc[k].mem + CHAN_FRAME_SIZE); }

void world_client_new(int k)
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

void world_client_gone(int k)
{
	if (!fc[k].dc)
		return;
	sock_client_gone(fc[k].dc); /* false when netd already dropped it */
	free(fc[k].dc);
	free(fc[k].mem);
	fc[k].dc = NULL;
	fc[k].mem = NULL;
}

void world_request(int k, uint32_t type, const struct sock_req *q)
{
	static struct disp_req r;
	static uint32_t next_id;
	memset(&r, 0, sizeof(r));
	r.dc = fc[k].dc;
	msg_init(&r.msg, type, 0, ++next_id, 0);
	memcpy(msg_data(&r.msg), q, sizeof(*q));
	r.len = MSG_DATA;
	memcpy(r.data, msg_cdata(&r.msg), MSG_DATA);
	world_status = 1;
	if (type < DISP_MAX_TYPES && handlers[type])
		handlers[type](&r);
}

void world_kick(struct sock_area *a, int id)
{
	a->kicks[a->kick_head % SOCK_KICKS] = (uint16_t)id;
	a->kick_head = a->kick_head + 1;
}

/* ---------------------------------------------------------------- the wire */

static void peer_events(struct world *f)
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

void world_run_for(struct world *f, uint64_t ns)
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

void world_setup(struct world *f)
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

void world_teardown(struct world *f)
{
	for (int k = 0; k < CLIENTS; k++)
		world_client_gone(k);
	for (int j = 0; j < PEER_CONNS; j++)
		if (f->peer[j])
			net_tcp_close(f->b.st, f->peer[j]);
	net_tcp_close(f->b.st, f->peer_lst);
	/* every connection ends: closes finish, time-waits expire */
	for (int i = 0; i < 60; i++)
		world_run_for(f, 10ULL * 1000000000ULL);
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
