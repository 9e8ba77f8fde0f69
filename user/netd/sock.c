/*
 * sock.c - the socket service (pikaos/sockproto.h): the processes of this
 * core reach the stack through it. A process's requests arrive on its
 * channel to netd@CORE; data sits in that channel's data area. Every socket
 * belongs to the channel that opened (or accepted) it and dies with it.
 *
 * SO_REUSEPORT: a second socket bound with it to a port a listener with it
 * already has becomes an alias of that listener; accepts on either take
 * connections from the same queue (on this core: every core has its own).
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/msg.h>
#include <pikaos/sockproto.h>
#include <stdio.h>
#include <string.h>

#include "netd.h"

#define MAX_H 4096     /* socket ids given to processes: 1..MAX_H-1 */
#define MAP_SIZE 8192  /* stack handle -> id, open addressing (power of two) */

/* A process names a socket by a small id; the stack's handle (type,
 * generation, index) lives in the entry. */
static struct sock {
	struct disp_chan *owner;
	int nh;           /* the stack's handle */
	uint8_t kind;     /* SOCK_KIND_*, 0 = free */
	bool reuseport;
	bool listening;
	int alias;        /* > 0: the listener (id) this socket stands for; -1: it closed */
	int aliases;      /* listener: first alias id, chained through next_alias */
	int next_alias;
	uint32_t pending; /* events not yet told to the owner */
	uint16_t port;    /* bound port (for SO_REUSEPORT) */
} socks[MAX_H];

static struct { int nh; uint16_t id; } map[MAP_SIZE]; /* id 0: empty */
static int dirty[MAX_H], ndirty, next_free = 1;
static uint64_t opened, accepted, closed_by_exit;

static unsigned map_slot(int nh) { return ((uint32_t)nh * 2654435761u) & (MAP_SIZE - 1); }

static int id_of(int nh)
{
	for (unsigned i = map_slot(nh), k = 0; k < MAP_SIZE && map[i].id; i = (i + 1) & (MAP_SIZE - 1), k++)
		if (map[i].nh == nh)
			return map[i].id;
	return 0;
}

static void map_put(int nh, int id)
{
	unsigned i = map_slot(nh);
	while (map[i].id)
		i = (i + 1) & (MAP_SIZE - 1);
	map[i].nh = nh;
	map[i].id = (uint16_t)id;
}

/* Linear-probing deletion without tombstones: later entries of the probe
 * run move back into the hole when their home slot allows it. */
static void map_del(int nh)
{
	unsigned i = map_slot(nh), k = 0;
	while (map[i].id && map[i].nh != nh && k++ < MAP_SIZE)
		i = (i + 1) & (MAP_SIZE - 1);
	if (!map[i].id || map[i].nh != nh)
		return;
	for (unsigned j = (i + 1) & (MAP_SIZE - 1); map[j].id; j = (j + 1) & (MAP_SIZE - 1)) {
		unsigned home = map_slot(map[j].nh);
		/* map[j] may fill hole i unless home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			map[i] = map[j];
			i = j;
		}
	}
	map[i].id = 0;
}

static struct sock *sock_of(struct disp_req *r, int32_t h)
{
	if (h <= 0 || h >= MAX_H || !socks[h].kind || socks[h].owner != r->dc)
		return NULL;
	return &socks[h];
}

/* The stack handle requests on id h act on (an alias acts on its listener). */
static int target(int h) { return socks[h].alias > 0 ? socks[socks[h].alias].nh : socks[h].nh; }

static uint8_t *area(struct disp_req *r, uint32_t off)
{
	return (uint8_t *)chan_data(&r->dc->ch) + off;
}

static bool has_areas(struct disp_req *r) { return chan_data_len(&r->dc->ch) >= 2 * SOCK_AREA; }

/* Gives stack handle nh an id owned by dc; -EMFILE when none is free
 * (the caller closes nh). */
static int take(int nh, struct disp_chan *dc, uint8_t kind)
{
	int id = 0;
	for (int k = 0; k < MAX_H - 1 && !id; k++) {
		int i = 1 + (next_free - 1 + k) % (MAX_H - 1);
		if (!socks[i].kind)
			id = i;
	}
	if (!id)
		return -EMFILE;
	next_free = id % (MAX_H - 1) + 1;
	memset(&socks[id], 0, sizeof(socks[id]));
	socks[id].owner = dc;
	socks[id].kind = kind;
	socks[id].nh = nh;
	map_put(nh, id);
	opened++;
	return id;
}

static void h_open(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	int nh = q->a == SOCK_KIND_TCP ? net_tcp_socket(g.ns)
		 : q->a == SOCK_KIND_UDP ? net_udp_socket(g.ns, NET_DGRAM_UDP) : -EPROTONOSUPPORT;
	int h = nh;
	if (nh > 0 && (h = take(nh, r->dc, (uint8_t)q->a)) < 0) {
		if (q->a == SOCK_KIND_TCP)
			net_tcp_close(g.ns, nh);
		else
			net_udp_close(g.ns, nh);
	}
	disp_reply(r, h, NULL, 0);
}

static void h_bind(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	if (!s) {
		disp_reply(r, -EBADF, NULL, 0);
		return;
	}
	struct net_sockaddr a = { q->addr, q->port };
	int e;
	if (s->kind == SOCK_KIND_UDP) {
		e = net_udp_bind(g.ns, s->nh, &a);
	} else {
		if (q->flags & SOCK_BIND_REUSEADDR)
			net_setsockopt(g.ns, s->nh, NET_SO_REUSEADDR, 1);
		e = net_tcp_bind(g.ns, s->nh, &a);
		if (e == -EADDRINUSE && (q->flags & SOCK_BIND_REUSEPORT)) {
			for (int i = 1; i < MAX_H; i++)
				if (socks[i].kind == SOCK_KIND_TCP && socks[i].listening && socks[i].reuseport &&
				    !socks[i].alias && socks[i].port == q->port) {
					s->alias = i;
					s->next_alias = socks[i].aliases;
					socks[i].aliases = q->h;
					e = 0;
					break;
				}
		}
	}
	if (!e) {
		s->reuseport = q->flags & SOCK_BIND_REUSEPORT;
		s->port = q->port;
	}
	disp_reply(r, e, NULL, 0);
}

static void h_listen(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	int e = !s ? -EBADF : s->kind != SOCK_KIND_TCP ? -EOPNOTSUPP
			: s->alias ? 0 : net_tcp_listen(g.ns, s->nh, (int)q->a);
	if (!e)
		s->listening = true;
	disp_reply(r, e, NULL, 0);
}

static void h_accept(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	if (!s || s->kind != SOCK_KIND_TCP) {
		disp_reply(r, s ? -EOPNOTSUPP : -EBADF, NULL, 0);
		return;
	}
	struct net_sockaddr peer = { 0, 0 };
	int nh = net_tcp_accept(g.ns, target(q->h), &peer);
	int h = nh;
	if (nh > 0 && (h = take(nh, r->dc, SOCK_KIND_TCP)) < 0)
		net_tcp_abort(g.ns, nh);
	if (h > 0)
		accepted++;
	struct sock_addr a = { peer.addr, peer.port, 0 };
	disp_reply(r, h, &a, sizeof(a));
}

static void h_connect(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	struct net_sockaddr a = { q->addr, q->port };
	int e = !s ? -EBADF
		: s->kind == SOCK_KIND_TCP ? net_tcp_connect(g.ns, s->nh, &a) : net_udp_connect(g.ns, s->nh, &a);
	disp_reply(r, e, NULL, 0);
}

static void h_send(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	long n;
	if (!s)
		n = -EBADF;
	else if (!has_areas(r) || q->a > SOCK_AREA)
		n = -EINVAL;
	else if (s->kind == SOCK_KIND_TCP)
		n = net_tcp_send(g.ns, s->nh, area(r, SOCK_TX_OFF), q->a);
	else if (chan_msg_type(&r->msg) == SOCK_SENDTO) {
		struct net_sockaddr a = { q->addr, q->port };
		n = net_udp_sendto(g.ns, s->nh, area(r, SOCK_TX_OFF), q->a, &a);
	} else {
		n = net_udp_sendto(g.ns, s->nh, area(r, SOCK_TX_OFF), q->a, NULL);
	}
	disp_reply(r, (int32_t)n, NULL, 0);
}

static void h_recv(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	struct sock_addr from = { 0, 0, 0 };
	long n;
	uint32_t len = q->a > SOCK_AREA ? SOCK_AREA : q->a;
	if (!s) {
		n = -EBADF;
	} else if (!has_areas(r)) {
		n = -EINVAL;
	} else if (s->kind == SOCK_KIND_TCP) {
		n = net_tcp_recv(g.ns, s->nh, area(r, SOCK_RX_OFF), len);
	} else {
		struct net_sockaddr a;
		bool trunc = false;
		n = net_udp_recvfrom(g.ns, s->nh, area(r, SOCK_RX_OFF), len, &a, &trunc);
		from.addr = a.addr;
		from.port = a.port;
	}
	disp_reply(r, (int32_t)n, &from, sizeof(from));
}

static void h_shutdown(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	int e = !s ? -EBADF : s->kind != SOCK_KIND_TCP ? -EOPNOTSUPP : net_tcp_shutdown(g.ns, s->nh, (int)q->a);
	disp_reply(r, e, NULL, 0);
}

static void release(int h)
{
	struct sock *s = &socks[h];
	if (s->alias <= 0) {
		if (s->kind == SOCK_KIND_TCP)
			net_tcp_close(g.ns, s->nh);
		else if (s->kind == SOCK_KIND_UDP)
			net_udp_close(g.ns, s->nh);
		map_del(s->nh);
		/* aliases of a closing listener take over nothing: they just end too */
		for (int a = s->aliases; a > 0; a = socks[a].next_alias)
			socks[a].alias = -1;
	} else {
		int *p = &socks[s->alias].aliases;
		while (*p > 0 && *p != h)
			p = &socks[*p].next_alias;
		if (*p == h)
			*p = s->next_alias;
	}
	memset(s, 0, sizeof(*s));
}

static void h_close(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	if (s)
		release(q->h);
	disp_reply(r, s ? 0 : -EBADF, NULL, 0);
}

static void h_name(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	struct net_sockaddr a = { 0, 0 };
	int e;
	if (!s)
		e = -EBADF;
	else if (s->kind == SOCK_KIND_UDP)
		e = q->a ? -ENOTCONN : net_udp_sockname(g.ns, s->nh, &a);
	else
		e = q->a ? net_tcp_peername(g.ns, target(q->h), &a) : net_tcp_sockname(g.ns, target(q->h), &a);
	struct sock_addr out = { a.addr, a.port, 0 };
	disp_reply(r, e, &out, sizeof(out));
}

static void h_setopt(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	disp_reply(r, s ? net_setsockopt(g.ns, target(q->h), (int)q->a, q->value) : -EBADF, NULL, 0);
}

static void h_getopt(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	struct sock *s = sock_of(r, q->h);
	int v = 0, e = s ? net_getsockopt(g.ns, target(q->h), (int)q->a, &v) : -EBADF;
	disp_reply(r, e ? e : v, NULL, 0);
}

static void h_poll(struct disp_req *r)
{
	const struct sock_req *q = msg_cdata(&r->msg);
	uint32_t ev[6] = { 0 };
	uint32_t n = q->a > 6 ? 6 : q->a;
	for (uint32_t i = 0; i < n; i++) {
		int32_t h = i == 0 ? q->h : q->hs[i - 1];
		struct sock *s = sock_of(r, h);
		if (!s)
			ev[i] = SOCK_EV_ERR | SOCK_EV_HUP;
		else if (s->alias < 0)
			ev[i] = SOCK_EV_HUP;
		else
			ev[i] = net_sock_poll(g.ns, target(h));
	}
	disp_reply(r, 0, ev, n * sizeof(ev[0]));
}

void sock_init(struct disp *d)
{
	disp_on(d, SOCK_OPEN, h_open);
	disp_on(d, SOCK_BIND, h_bind);
	disp_on(d, SOCK_LISTEN, h_listen);
	disp_on(d, SOCK_ACCEPT, h_accept);
	disp_on(d, SOCK_CONNECT, h_connect);
	disp_on(d, SOCK_SEND, h_send);
	disp_on(d, SOCK_SENDTO, h_send);
	disp_on(d, SOCK_RECV, h_recv);
	disp_on(d, SOCK_RECVFROM, h_recv);
	disp_on(d, SOCK_SHUTDOWN, h_shutdown);
	disp_on(d, SOCK_CLOSE, h_close);
	disp_on(d, SOCK_NAME, h_name);
	disp_on(d, SOCK_SETOPT, h_setopt);
	disp_on(d, SOCK_GETOPT, h_getopt);
	disp_on(d, SOCK_POLL, h_poll);
}

static void mark(int h, uint32_t ev)
{
	if (!socks[h].pending && ndirty < MAX_H)
		dirty[ndirty++] = h;
	socks[h].pending |= ev;
}

/* The stack's events go to the owners (a listener's also to its aliases'
 * owners), without ever blocking: a full channel keeps them for later. */
void sock_events(void)
{
	struct net_event ev[64];
	unsigned n;
	while ((n = net_events(g.ns, ev, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			int h = ev[i].handle;
			if (h == 0) { /* the address changed (DHCP) */
				uint32_t a, m, gw;
				net_ipv4_get(g.ns, &a, &m, &gw);
				if (a && a != g.addr) {
					g.addr = a;
					g.mask = m;
					g.gw = gw;
					net_arp_set(g.ns, a, g.nd.mac, true);
					struct netd_addr na = { a, m, gw };
					for (int c = 0; c < g.ncores && c < 64; c++)
						if (g.peer[c])
							disp_notify(g.peer[c], NETD_ADDR, &na, sizeof(na));
					printf("netd: core %d: DHCP lease %u.%u.%u.%u\n", g.core, a >> 24, (a >> 16) & 255,
					       (a >> 8) & 255, a & 255);
				}
				continue;
			}
			int id = id_of(h);
			if (!id)
				continue;
			mark(id, ev[i].events);
			for (int a = socks[id].aliases; a > 0; a = socks[a].next_alias)
				mark(a, ev[i].events);
		}
	}
	int keep = 0;
	for (int i = 0; i < ndirty; i++) {
		int h = dirty[i];
		struct sock *s = &socks[h];
		if (!s->kind || !s->pending || !s->owner)
			continue;
		struct chan_msg m;
		msg_init(&m, SOCK_EVENT, 0, 0, 0);
		struct sock_event se = { h, s->pending };
		memcpy(msg_data(&m), &se, sizeof(se));
		if (chan_send(&s->owner->ch, &m) == 0)
			s->pending = 0;
		else
			dirty[keep++] = h; /* the process is not reading: try again later */
	}
	ndirty = keep;
}

/* A process's channel closed (it exited): its sockets go. */
bool sock_client_gone(struct disp_chan *dc)
{
	bool any = false;
	for (int h = 1; h < MAX_H; h++)
		if (socks[h].kind && socks[h].owner == dc) {
			release(h);
			closed_by_exit++;
			any = true;
		}
	return any;
}

int sock_stats(char *out, int max)
{
	static const char *names[] = { "closed", "listen", "syn_sent", "syn_received", "established",
				       "fin_wait_1", "fin_wait_2", "close_wait", "closing", "last_ack",
				       "time_wait" };
	int count[11] = { 0 }, n = 0, udp = 0;
	for (int h = 1; h < MAX_H; h++) {
		if (socks[h].kind == SOCK_KIND_UDP)
			udp++;
		if (socks[h].kind != SOCK_KIND_TCP || socks[h].alias)
			continue;
		int st = net_tcp_state(g.ns, socks[h].nh);
		if (st >= 0 && st < 11)
			count[st]++;
	}
	struct net_usage u;
	net_usage(g.ns, &u);
	n += snprintf(out + n, (size_t)(max - n), "core %d sockets opened %lu accepted %lu closed_by_exit %lu udp %d tcbs %u time_wait %u",
		      g.core, opened, accepted, closed_by_exit, udp, u.tcbs_used, u.tcbs_time_wait);
	for (int i = 0; i < 11; i++)
		if (count[i])
			n += snprintf(out + n, (size_t)(max - n), " %s %d", names[i], count[i]);
	n += snprintf(out + n, (size_t)(max - n), "\n");
	return n;
}
