/*
 * sock.c - the socket service (pikaos/sockproto.h): the processes of this
 * core reach the stack through it. Each process that binds netd@CORE is a
 * client with an area of shared memory (sockshm.c keeps it in step with the
 * stack); its messages here change ownership and state: open, bind,
 * listen, connect, options and names (answered), shutdown and close
 * (one-way). Every socket belongs to the client that opened (or accepted)
 * it and dies with it.
 *
 * SO_REUSEPORT: sockets of any processes of this core bound with it to one
 * port form a listen group around one stack listener; connections go to
 * the members' processes in turn, and listeners of one process share their
 * connections (sockshm.c, shm_accept).
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netd.h"
#include "sock.h"

#define MAP_SIZE 8192 /* stack handle -> (client, id), open addressing (power of two) */
#define MAX_CLIENTS DISP_MAX_CHANS

static struct {
	int nh;
	uint16_t id;
	struct client *c;
} map[MAP_SIZE]; /* c NULL: empty */
static struct client *clients[MAX_CLIENTS];
static int nclients;
static struct group *backlogged; /* groups with connections waiting for room */
static struct group *groups;     /* every listen group */
uint64_t sock_accept_timeout = 50000000; /* accept_timeout= (ns) */
static uint64_t opened, closed_by_exit, clients_refused, calls, oneway;

void sock_counts(uint64_t *c, uint64_t *o)
{
	*c = calls;
	*o = oneway;
}

static const char *const bad_names[BAD__COUNT] = {
	[BAD_AREA] = "area_too_small", [BAD_RX_HEAD] = "rx_head", [BAD_TX_TAIL] = "tx_tail",
	[BAD_KICK] = "kick",           [BAD_ACCEPT] = "accept_tail", [BAD_READY] = "ready_tail",
	[BAD_DGRAM] = "dgram",
};

/* ---------------------------------------------------------------- handle map */

static unsigned map_slot(int nh) { return ((uint32_t)nh * 2654435761u) & (MAP_SIZE - 1); }

static int map_find(int nh)
{
	for (unsigned i = map_slot(nh), k = 0; k < MAP_SIZE && map[i].c; i = (i + 1) & (MAP_SIZE - 1), k++)
		if (map[i].nh == nh)
			return (int)i;
	return -1;
}

void sock_map_put(int nh, struct client *c, int id)
{
	unsigned i = map_slot(nh);
	while (map[i].c)
		i = (i + 1) & (MAP_SIZE - 1);
	map[i].nh = nh;
	map[i].id = (uint16_t)id;
	map[i].c = c;
}

/* Linear-probing deletion without tombstones: later entries of the probe
 * run move back into the hole when their home slot allows it. */
void sock_map_del(int nh)
{
	int at = map_find(nh);
	if (at < 0)
		return;
	unsigned i = (unsigned)at;
	for (unsigned j = (i + 1) & (MAP_SIZE - 1); map[j].c; j = (j + 1) & (MAP_SIZE - 1)) {
		unsigned home = map_slot(map[j].nh);
		/* map[j] may fill hole i unless home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			map[i] = map[j];
			i = j;
		}
	}
	map[i].c = NULL;
}

/* ---------------------------------------------------------------- clients */

struct client *sock_client_of(struct disp_chan *dc)
{
	return dc && dc->id == ROLE_CLIENT ? (struct client *)dc->user : NULL;
}

bool sock_new_client(struct disp_chan *dc)
{
	if (chan_data_len(&dc->ch) < sizeof(struct sock_area) || nclients == MAX_CLIENTS) {
		shm_bad[BAD_AREA]++;
		clients_refused++;
		return false;
	}
	struct client *c = calloc(1, sizeof(*c));
	if (!c)
		return false;
	c->dc = dc;
	c->a = chan_data(&dc->ch);
	dc->user = c;
	shm_init_client(c);
	clients[nclients++] = c;
	return true;
}

void sock_bad(struct client *c, enum bad_reason why)
{
	if (c->bad)
		return;
	c->bad = true;
	shm_bad[why]++;
	printf("netd: core %d: closing a client that wrote a bad %s\n", g.core, bad_names[why]);
}

static struct psock *sock_of(struct disp_req *r, int32_t h, struct client **cp)
{
	struct client *c = sock_client_of(r->dc);
	*cp = c;
	if (!c || c->bad || h <= 0 || h >= SOCK_MAX || !c->s[h].nh)
		return NULL;
	return &c->s[h];
}

/* ---------------------------------------------------------------- listen groups */

static struct group *group_of_port(uint16_t port)
{
	for (int i = 0; i < nclients; i++)
		for (int id = 1; id < SOCK_MAX; id++) {
			struct psock *p = &clients[i]->s[id];
			if (p->nh && p->listening && p->grp && p->reuseport && p->port == port)
				return p->grp;
		}
	return NULL;
}

static struct group *group_find(int nh, uint16_t port)
{
	for (struct group *grp = groups; grp; grp = grp->all)
		if (grp->nh == nh && grp->port == port)
			return grp;
	return NULL;
}

/* Puts grp on the list of groups sock_turn offers connections for. */
static void group_backlogged(struct group *grp)
{
	if (!grp->link && backlogged != grp) {
		grp->link = backlogged;
		backlogged = grp;
	}
}

static void group_leave(struct group *grp, struct client *c, int id)
{
	for (int i = 0; i < GROUP_RECENT; i++)
		if (grp->recent[i].c == c)
			grp->recent[i].c = NULL; /* c may be going */
	for (int i = 0; i < grp->n; i++)
		if (grp->m[i].c == c && grp->m[i].id == id) {
			grp->m[i] = grp->m[--grp->n];
			break;
		}
	if (grp->n == 0) {
		/* taken back and nobody left here to take them: they go as the
		 * listener's queue does */
		for (; grp->ret_n; grp->ret_n--, grp->ret_head = (grp->ret_head + 1) % GROUP_RETURNED)
			net_tcp_abort(g.ns, grp->ret[grp->ret_head].nh);
		for (struct group **pp = &backlogged; *pp; pp = &(*pp)->link)
			if (*pp == grp) {
				*pp = grp->link;
				break;
			}
		sock_map_del(grp->nh);
		net_tcp_close(g.ns, grp->nh);
		if (grp->port)
			cm_unlisten(grp->port);
		for (struct group **pp = &groups; *pp; pp = &(*pp)->all)
			if (*pp == grp) {
				*pp = grp->all;
				break;
			}
		free(grp);
		return;
	}
	/* the listener's children are born in its first member's pool */
	struct client *first = grp->m[0].c;
	net_tcp_set_pool(g.ns, grp->nh, first->pool, SOCK_RING_CAP);
	int at = map_find(grp->nh);
	if (at >= 0) {
		map[at].c = first;
		map[at].id = (uint16_t)grp->m[0].id;
	}
	grp->next %= grp->n;
}

/* ---------------------------------------------------------------- requests */

static void h_open(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c = sock_client_of(r->dc);
	if (!c || c->bad) {
		disp_reply(r, -EPERM, NULL, 0);
		return;
	}
	uint8_t kind = (uint8_t)q->a;
	int id = shm_free_id(c);
	if (id < 0) {
		disp_reply(r, -EMFILE, NULL, 0);
		return;
	}
	int nh = kind == SOCK_KIND_TCP ? net_tcp_socket(g.ns)
		 : kind == SOCK_KIND_UDP ? net_udp_socket(g.ns, NET_DGRAM_UDP) : -EPROTONOSUPPORT;
	if (nh < 0) {
		disp_reply(r, nh, NULL, 0);
		return;
	}
	struct psock *p = &c->s[id];
	struct sock_entry *e = &c->a->sock[id];
	int err = 0;
	if (kind == SOCK_KIND_TCP) {
		err = net_tcp_set_pool(g.ns, nh, c->pool, SOCK_RING_CAP);
	} else {
		p->urx = calloc(1, sizeof(struct uring));
		p->utx = calloc(1, sizeof(struct uring));
		if (!p->urx || !p->utx)
			err = -ENOMEM;
	}
	if (err) {
		if (kind == SOCK_KIND_TCP)
			net_tcp_close(g.ns, nh);
		else
			net_udp_close(g.ns, nh);
		shm_udp_free(c, p);
		disp_reply(r, err, NULL, 0);
		return;
	}
	p->nh = nh;
	shm_open_entry(c, id, kind, SOCK_ST_OPEN);
	if (kind == SOCK_KIND_TCP) {
		net_tcp_set_mirror(g.ns, nh, (uint16_t *)e->rx_slot, (uint16_t *)e->tx_slot);
	} else {
		for (int i = 0; i < SOCK_SLOTS; i++)
			p->urx->slot[i] = p->utx->slot[i] = SOCK_NO_BLOCK;
		p->urx->mirror = e->rx_slot;
		p->utx->mirror = e->tx_slot;
		shm_dirty(c, id); /* room to send */
	}
	sock_map_put(nh, c, id);
	opened++;
	disp_reply(r, id, NULL, 0);
}

static void h_bind(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	if (!p) {
		disp_reply(r, -EBADF, NULL, 0);
		return;
	}
	struct net_sockaddr a = { q->addr, q->port };
	int e;
	if (p->port || p->listening) {
		e = -EINVAL; /* bound already (a second bind once made a socket its own alias) */
	} else if (p->kind == SOCK_KIND_UDP) {
		e = net_udp_bind(g.ns, p->nh, &a);
	} else {
		if (q->flags & SOCK_BIND_REUSEADDR)
			net_setsockopt(g.ns, p->nh, NET_SO_REUSEADDR, 1);
		e = net_tcp_bind(g.ns, p->nh, &a);
		if (e == -EADDRINUSE && (q->flags & SOCK_BIND_REUSEPORT) && group_of_port(q->port))
			e = 0; /* joins that port's listen group at listen() */
	}
	if (!e) {
		p->reuseport = q->flags & SOCK_BIND_REUSEPORT;
		p->port = q->port;
		if (p->kind == SOCK_KIND_UDP && p->port)
			link_udp_bind(p->port, true); /* datagrams other cores receive for it come here */
	}
	disp_reply(r, e, NULL, 0);
}

static void h_listen(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	int e = !p ? -EBADF : p->kind != SOCK_KIND_TCP ? -EOPNOTSUPP : p->listening ? 0 : 1;
	if (e != 1) {
		disp_reply(r, e, NULL, 0);
		return;
	}
	struct group *grp = p->reuseport ? group_of_port(p->port) : NULL;
	if (grp) { /* a member of an existing group: its own stack socket is not needed */
		if (grp->n == GROUP_MEMBERS) {
			disp_reply(r, -EADDRINUSE, NULL, 0);
			return;
		}
	} else {
		e = net_tcp_listen(g.ns, p->nh, (int)q->a);
		if (e) {
			disp_reply(r, e, NULL, 0);
			return;
		}
		grp = calloc(1, sizeof(*grp));
		if (!grp) {
			disp_reply(r, -ENOMEM, NULL, 0);
			return;
		}
		grp->nh = p->nh; /* the map entry of nh now names the group's first member */
		grp->port = p->port;
		grp->all = groups;
		groups = grp;
		if (grp->port)
			cm_listen(grp->port); /* the other cores' CMs hear of it */
	}
	grp->m[grp->n].c = c;
	grp->m[grp->n].id = q->h;
	grp->n++;
	p->grp = grp;
	p->listening = true;
	c->a->sock[q->h].group = (uint32_t)grp->nh;
	shm_dirty(c, q->h);
	disp_reply(r, 0, NULL, 0);
}

static void h_connect(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	struct net_sockaddr a = { q->addr, q->port };
	int e;
	if (!p) {
		e = -EBADF;
	} else if (p->kind == SOCK_KIND_TCP) {
		e = p->listening ? -EISCONN : net_tcp_connect(g.ns, p->nh, &a);
		if (e == -EINPROGRESS || e == 0)
			p->connecting = true;
	} else {
		e = net_udp_connect(g.ns, p->nh, &a);
		if (!e)
			p->st |= SOCK_ST_CONNECTED;
	}
	if (p) {
		shm_dirty(c, q->h);
		shm_publish_now(c, q->h); /* connecting (or connected) before the reply says so */
	}
	disp_reply(r, e, NULL, 0);
}

/* One-way: what the process wrote before this message goes out first. */
static void h_shutdown(struct disp_req *r)
{
	oneway++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	if (!p || p->kind != SOCK_KIND_TCP || p->listening || q->a > NET_SHUT_RDWR)
		return;
	shm_sync_how(c, q->h, false); /* its last bytes and our FIN in one segment */
	net_tcp_shutdown(g.ns, p->nh, (int)q->a);
	shm_dirty(c, q->h);
}

void sock_release(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	if (!p->nh)
		return;
	if (p->listening && p->grp) {
		/* the group's stack listener is its creator's socket; it lives on
		 * while members remain (group_leave closes it with the last) */
		if (p->nh != p->grp->nh) {
			net_tcp_close(g.ns, p->nh); /* a member's own socket, never used */
			sock_map_del(p->nh);
		}
		group_leave(p->grp, c, id);
	} else if (p->kind == SOCK_KIND_TCP) {
		if (p->offered_ns) /* PIKA's service time: offered until closed */
			cm_report(p->cm_port, pika_clock_ns() - p->offered_ns);
		p->offered_ns = 0;
		net_tcp_set_mirror(g.ns, p->nh, NULL, NULL);
		net_tcp_close(g.ns, p->nh);
		sock_map_del(p->nh);
	} else {
		if (p->port)
			link_udp_bind(p->port, false);
		net_udp_close(g.ns, p->nh);
		shm_udp_free(c, p);
		sock_map_del(p->nh);
	}
	shm_close_entry(c, id);
}

/* One-way. */
static void h_close(struct disp_req *r)
{
	oneway++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	if (!p)
		return;
	shm_sync_how(c, q->h, false); /* net_tcp_close sends them with the FIN */
	sock_release(c, q->h);
}

static void h_name(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	struct net_sockaddr a = { 0, 0 };
	int e;
	int nh = p && p->listening && p->grp ? p->grp->nh : p ? p->nh : 0;
	if (!p)
		e = -EBADF;
	else if (p->kind == SOCK_KIND_UDP)
		e = q->a ? -ENOTCONN : net_udp_sockname(g.ns, nh, &a);
	else
		e = q->a ? net_tcp_peername(g.ns, nh, &a) : net_tcp_sockname(g.ns, nh, &a);
	struct sock_addr out = { a.addr, a.port, 0 };
	disp_reply(r, e, &out, sizeof(out));
}

static void h_setopt(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	int nh = p && p->listening && p->grp ? p->grp->nh : p ? p->nh : 0;
	disp_reply(r, p ? net_setsockopt(g.ns, nh, (int)q->a, q->value) : -EBADF, NULL, 0);
}

static void h_getopt(struct disp_req *r)
{
	calls++;
	const struct sock_req *q = msg_cdata(&r->msg);
	struct client *c;
	struct psock *p = sock_of(r, q->h, &c);
	int nh = p && p->listening && p->grp ? p->grp->nh : p ? p->nh : 0;
	int v = 0, e = p ? net_getsockopt(g.ns, nh, (int)q->a, &v) : -EBADF;
	disp_reply(r, e ? e : v, NULL, 0);
}

void sock_init(struct disp *d)
{
	disp_on(d, SOCK_OPEN, h_open);
	disp_on(d, SOCK_BIND, h_bind);
	disp_on(d, SOCK_LISTEN, h_listen);
	disp_on(d, SOCK_CONNECT, h_connect);
	disp_on(d, SOCK_SHUTDOWN, h_shutdown);
	disp_on(d, SOCK_CLOSE, h_close);
	disp_on(d, SOCK_NAME, h_name);
	disp_on(d, SOCK_SETOPT, h_setopt);
	disp_on(d, SOCK_GETOPT, h_getopt);
}

/* ---------------------------------------------------------------- the turn */

static void on_event(int nh, unsigned events)
{
	int at = map_find(nh);
	if (at < 0)
		return;
	struct client *c = map[at].c;
	int id = map[at].id;
	struct psock *p = &c->s[id];
	if (p->listening && p->grp && p->grp->nh == nh) {
		if (events & NET_EV_IN)
			shm_accept(p->grp);
		if (p->grp && p->grp->backlog)
			group_backlogged(p->grp);
		return;
	}
	shm_dirty(c, id);
}

/* A DHCP lease changed our address: tell the other cores. */
static void address_changed(void)
{
	uint32_t a, m, gw;
	net_ipv4_get(g.ns, &a, &m, &gw);
	if (!a || a == g.addr)
		return;
	g.addr = a;
	g.mask = m;
	g.gw = gw;
	net_arp_set(g.ns, a, g.nd.mac, true);
	struct netd_addr na = { a, m, gw };
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (g.peer[c])
			disp_notify(g.peer[c], NETD_ADDR, &na, sizeof(na));
	printf("netd: core %d: DHCP lease %u.%u.%u.%u\n", g.core, a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

static void drop_bad_clients(void);

/* One turn of the socket service: what every process wrote, what the stack
 * did, new connections, then the shared state and one wake-up per process.
 * Returns the work done. */
/* Is there a member of grp other than c that can take a connection now? */
static bool other_taker(struct group *grp, struct client *c)
{
	for (int i = 0; i < grp->n; i++)
		if (grp->m[i].c != c && shm_can_offer(grp->m[i].c))
			return true;
	return false;
}

/* The age of the second oldest connection still open among the group's
 * newest offered ones (those offered less than a second ago): a lower bound
 * of their service times, known before they close. A server that became
 * slow shows it with its second connection instead of after half of the
 * median's window; a single long connection among short ones does not. */
static uint64_t open_age(const struct group *grp, uint64_t now)
{
	uint64_t a1 = 0, a2 = 0;
	for (int i = 0; i < GROUP_RECENT; i++) {
		const struct client *c = grp->recent[i].c;
		if (!c || c->bad)
			continue;
		const struct psock *p = &c->s[grp->recent[i].id];
		if (!p->nh || p->gen != grp->recent[i].gen || !p->offered_ns)
			continue;
		uint64_t a = now - p->offered_ns;
		if (a > 1000000000ull)
			continue;
		if (a > a1) {
			a2 = a1;
			a1 = a;
		} else if (a > a2) {
			a2 = a;
		}
	}
	return a2;
}

/* PIKA's claim time-out. A process that left an offer unclaimed for longer
 * than accept_timeout= is late: it gets no new connection until it announces
 * itself again (sock_area.announce), and its unclaimed offers are taken
 * back and offered to another member that can take them (while none can,
 * they stay offered to it: it may still claim). A group all of whose
 * members are late is dropped from its CM's acceptors (new connections go
 * to other cores) until one announces itself. */
static void acceptors_check(void)
{
	uint64_t now = pika_clock_ns();
	/* who is late now, for every process first: a take-back must not go to
	 * a process that is as late as the one it leaves */
	for (int i = 0; i < nclients; i++) {
		struct client *c = clients[i];
		if (c->bad)
			continue;
		if (c->late && c->a->announce != c->announce_seen) { /* ACCEPT-CONNECTION again */
			c->late = false;
			for (struct group *grp = groups; grp; grp = grp->all)
				group_backlogged(grp);
		}
		struct offer *o = shm_oldest_offer(c);
		if (o && now - o->at > sock_accept_timeout && !c->late) {
			c->late = true;
			c->announce_seen = c->a->announce; /* read once: a later change is news */
		}
	}
	for (int i = 0; i < nclients; i++) {
		struct client *c = clients[i];
		struct offer *o;
		while (!c->bad && (o = shm_oldest_offer(c)) && now - o->at > sock_accept_timeout) {
			struct group *grp = group_find(o->grp_nh, o->port);
			if (!grp || !other_taker(grp, c))
				break;
			uint16_t port = o->port;
			int r = shm_take_back(c, grp);
			if (r < 0)
				break;
			if (r) {
				cm_reassigned(port, false);
				shm_accept(grp);
			}
		}
	}
	for (struct group *grp = groups; grp; grp = grp->all) {
		if (!grp->port)
			continue;
		bool late = grp->n > 0;
		uint64_t waiting = 0; /* the oldest connection no member claimed yet */
		for (int i = 0; i < grp->n; i++) {
			late = late && grp->m[i].c->late;
			struct offer *o = grp->m[i].c->bad ? NULL : shm_oldest_offer(grp->m[i].c);
			if (o && o->grp_nh == grp->nh && now - o->at > waiting)
				waiting = now - o->at;
		}
		uint64_t busy = open_age(grp, now);
		/* a queue in front of the application shows at once */
		cm_waiting(grp->port, waiting > busy ? waiting : busy);
		if (late != grp->late) {
			grp->late = late;
			cm_acceptor_late(grp->port, late);
		}
	}
}

int sock_turn(void)
{
	int work = 0;
	for (int i = 0; i < nclients; i++)
		if (clients[i]->a->kick_head != clients[i]->kick_tail || clients[i]->a->kick_all != clients[i]->kick_all) {
			shm_kicks(clients[i]);
			work++;
		}
	struct net_event ev[64];
	unsigned n;
	while ((n = net_events(g.ns, ev, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (ev[i].handle == 0)
				address_changed();
			else
				on_event(ev[i].handle, ev[i].events);
		}
		work += (int)n;
	}
	/* groups waiting for a process with room: room may have come */
	struct group *list = backlogged;
	backlogged = NULL;
	while (list) {
		struct group *grp = list;
		list = grp->link;
		grp->link = NULL;
		shm_accept(grp);
		if (grp->backlog) {
			grp->link = backlogged;
			backlogged = grp;
		}
	}
	for (int i = 0; i < nclients; i++)
		if (clients[i]->ndirty || clients[i]->changed)
			shm_publish(clients[i]);
	acceptors_check();
	drop_bad_clients();
	return work;
}

/* Everything of a client goes: its sockets close (connections finish in the
 * background, with their unsent bytes moved out of its memory). */
static void client_free(struct client *c)
{
	/* what it was offered and never claimed goes to the other members */
	struct offer *o;
	while ((o = shm_oldest_offer(c))) {
		struct group *grp = group_find(o->grp_nh, o->port);
		bool others = false;
		for (int i = 0; grp && i < grp->n; i++)
			others |= grp->m[i].c != c;
		uint16_t port = o->port;
		int r = others ? shm_take_back(c, grp) : -1;
		if (r > 0) {
			cm_reassigned(port, true);
			group_backlogged(grp);
		} else if (r < 0) {
			shm_offer_pop(c); /* closed with the rest below */
		}
	}
	for (int id = 1; id < SOCK_MAX; id++)
		if (c->s[id].nh) {
			sock_release(c, id);
			closed_by_exit++;
		}
	net_pool_detach(g.ns, c->pool);
	for (int i = 0; i < nclients; i++)
		if (clients[i] == c) {
			clients[i] = clients[--nclients];
			break;
		}
	c->dc->user = NULL;
	free(c);
}

bool sock_client_gone(struct disp_chan *dc)
{
	struct client *c = sock_client_of(dc);
	if (!c)
		return false;
	client_free(c);
	return true;
}

static void drop_bad_clients(void)
{
	for (int i = 0; i < nclients; i++) {
		struct client *c = clients[i];
		if (!c->bad)
			continue;
		struct disp_chan *dc = c->dc;
		client_free(c);
		netd_close_chan(dc);
		i--;
	}
}

int sock_stats(char *out, int max)
{
	static const char *names[] = { "closed", "listen", "syn_sent", "syn_received", "established",
				       "fin_wait_1", "fin_wait_2", "close_wait", "closing", "last_ack",
				       "time_wait" };
	int count[11] = { 0 }, n = 0, udp = 0, socks = 0;
	for (int i = 0; i < nclients; i++)
		for (int id = 1; id < SOCK_MAX; id++) {
			struct psock *p = &clients[i]->s[id];
			if (!p->nh)
				continue;
			socks++;
			if (p->kind == SOCK_KIND_UDP) {
				udp++;
				continue;
			}
			int st = net_tcp_state(g.ns, p->listening && p->grp ? p->grp->nh : p->nh);
			if (st >= 0 && st < 11)
				count[st]++;
		}
	struct net_usage u;
	net_usage(g.ns, &u);
	n += snprintf(out + n, (size_t)(max - n),
		      "core %d sockets opened %lu accepted %lu closed_by_exit %lu udp %d tcbs %u time_wait %u", g.core,
		      opened, shm_accepted(), closed_by_exit, udp, u.tcbs_used, u.tcbs_time_wait);
	for (int i = 0; i < 11; i++)
		if (count[i])
			n += snprintf(out + n, (size_t)(max - n), " %s %d", names[i], count[i]);
	n += snprintf(out + n, (size_t)(max - n), "\n");
	uint64_t blocks = 0;
	for (int i = 0; i < nclients; i++)
		blocks += SOCK_BLOCKS - net_pool_free_blocks(clients[i]->pool);
	n += snprintf(out + n, (size_t)(max - n),
		      "core %d sock clients %d sockets %d shared_blocks %lu bytes_to_processes %lu "
		      "bytes_from_processes %lu refused %lu\n",
		      g.core, nclients, socks, blocks, shm_copied_in, shm_copied_out, clients_refused);
	for (int i = 0; i < BAD__COUNT; i++)
		if (shm_bad[i])
			n += snprintf(out + n, (size_t)(max - n), "core %d drop sock.bad_%s %lu\n", g.core,
				      bad_names[i], shm_bad[i]);
	return n;
}
