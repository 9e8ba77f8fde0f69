/*
 * cm.c - the connection manager of this core (PIKA 3.1, 3.3): which core's
 * application gets a new connection of a listening port.
 *
 * Every core's CM decides for the SYNs of the flows its core owns (the
 * core RSS puts them on, link_owner). Its local application is the port's
 * listen group on this core (sock.c; its processes take connections in
 * turn); the other cores' applications are known from their offers. The
 * decision is lb.c's (lb= boot option). A connection given to another core
 * is steered there for its whole life: the flow is pinned here to that core,
 * the SYN and every later segment go to it as forwarded frames (NETD_FRAME),
 * and that core's stack holds the connection and serves it to its
 * application through the application's own socket rings, so the data path
 * stays on the application's core. When that core's control block goes
 * (conn_gone) it tells us (NETD_UNPIN) and the pin goes.
 *
 * Offers (NETD_OFFER): every lb_period= ms a CM tells the others the
 * service time of each port's local application when it changed by more than
 * an eighth, and at least every CM_KEEP periods; an offer not renewed for
 * 3 * CM_KEEP periods is forgotten, and a port whose last local listener
 * closed is withdrawn at once. Service time (PIKA): from the connection
 * offered to the application (its accept record) until it closed it,
 * reported by sock.c, kept as a moving median (lb.c).
 *
 * Calling context: netd's loop only (one thread); no state is shared with
 * other cores except through these messages.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/prot/tcp.h"
#include "user/netd/lb.h"
#include "user/netd/netd.h"
#include "user/netd/pin.h"

#define CM_PORTS 16
#define CM_KEEP 50               /* periods between unchanged offers */
#define CM_GONE 256              /* unpins held until the end of a turn */
#define CM_APP 1                 /* the handle of this core's listen group */
#define MS 1000000ul
#define CM_SAMPLE_AGE (1000 * MS) /* service times older than this no longer count */
#define CM_PROBE (1000 * MS)     /* a server sitting out gets a connection this often (lb.h) */
#define PIN_IDLE_OPEN (10 * 1000 * MS)    /* a pin that saw only SYNs (a handshake never completed) */
#define PIN_IDLE_CONN (3600 * 1000 * MS)  /* one that carried a connection, without its unpin */

struct cm_port {
	uint16_t port;
	bool used, local, offered; /* offered: the others think we serve it */
	uint32_t sent_us;          /* the service time last offered */
	uint64_t sent_at;
	struct lb lb;
};

static struct {
	struct lb_config cfg;
	uint64_t period;
	struct cm_port ports[CM_PORTS];
	struct pin_table pins;
	uint64_t next_offer, next_sweep;
	bool handing; /* the decision just made gave the SYN away (port_forward marks it) */
	struct net_flow gone[CM_GONE]; /* connections gone this turn, of flows other CMs own */
	unsigned ngone;
	uint64_t unpins_lost, offers_lost;
	uint64_t local, given, taken, acceptor_timeouts, reassigned_timeout, reassigned_exit, pin_full, unpins_stale, unpins_in, unpins_out, offers_in, offers_out, expired;
} cm;

/* An offer or its withdrawal (service_us 0), from CM `core`. */
struct netd_offer {
	uint32_t core;
	uint32_t port;
	uint32_t handle;
	uint32_t service_us;
};

/* the flow a pin names: the remote end and our port (our address is one) */
struct netd_unpin {
	uint32_t raddr, laddr;
	uint16_t rport, lport;
};

void cm_init(const char *lb, uint32_t period_ms)
{
	lb_config_default(&cm.cfg);
	if (lb && lb_parse(lb, &cm.cfg) < 0) {
		printf("netd: core %d: lb=%s: not a scheme (naive, unfiltered:T, filtered:T, tournament:T); "
		       "using tournament:2\n", g.core, lb);
		lb_config_default(&cm.cfg);
	}
	cm.period = (uint64_t)(period_ms ? period_ms : 20) * MS;
	cm.cfg.sample_age = CM_SAMPLE_AGE;
	cm.cfg.probe = CM_PROBE;
}

static struct cm_port *port_find(uint16_t port, bool make)
{
	struct cm_port *free_one = NULL;
	for (int i = 0; i < CM_PORTS; i++) {
		if (cm.ports[i].used && cm.ports[i].port == port)
			return &cm.ports[i];
		if (!cm.ports[i].used && !free_one)
			free_one = &cm.ports[i];
	}
	if (!make || !free_one)
		return NULL;
	memset(free_one, 0, sizeof(*free_one));
	free_one->used = true;
	free_one->port = port;
	lb_init(&free_one->lb, &cm.cfg, (pika_rdtsc() ^ (uint64_t)g.core << 56 ^ port) | 1);
	return free_one;
}

/* a port nobody serves, here or elsewhere, is forgotten */
static void port_maybe_free(struct cm_port *p)
{
	if (p->local || p->offered)
		return;
	for (int i = 0; i < LB_OFFERS_MAX; i++)
		if (p->lb.offers[i].used)
			return;
	p->used = false;
}

void cm_listen(uint16_t port)
{
	struct cm_port *p = port_find(port, true);
	if (!p || p->local)
		return;
	if (lb_app_add(&p->lb, CM_APP) == 0)
		p->local = true;
	cm.next_offer = 0; /* tell the others at the next turn */
}

void cm_unlisten(uint16_t port)
{
	struct cm_port *p = port_find(port, false);
	if (!p || !p->local)
		return;
	lb_app_remove(&p->lb, CM_APP);
	p->local = false;
	cm.next_offer = 0; /* the withdrawal goes at the next turn */
}

void cm_report(uint16_t port, uint64_t service_ns)
{
	struct cm_port *p = port_find(port, false);
	uint64_t us = service_ns / 1000;
	if (p && p->local) {
		lb_now(&p->lb, pika_clock_ns());
		lb_app_report(&p->lb, CM_APP, us ? (us > UINT32_MAX ? UINT32_MAX : (uint32_t)us) : 1);
	}
}

void cm_waiting(uint16_t port, uint64_t oldest_ns)
{
	struct cm_port *p = port_find(port, false);
	uint64_t us = oldest_ns / 1000;
	if (p && p->local)
		lb_app_floor(&p->lb, CM_APP, us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
}

void cm_acceptor_late(uint16_t port, bool late)
{
	struct cm_port *p = port_find(port, false);
	if (!p || !p->local)
		return;
	lb_app_pause(&p->lb, CM_APP, late);
	if (late)
		cm.acceptor_timeouts++;
	p->sent_at = 0;
	cm.next_offer = 0; /* the others hear at the next turn (a withdrawal, or the offer again) */
}

void cm_counts(uint64_t *local, uint64_t *given, uint64_t *taken)
{
	*local = cm.local;
	*given = cm.given;
	*taken = cm.taken;
}

void cm_reassigned(uint16_t port, bool on_exit)
{
	(void)port;
	if (on_exit)
		cm.reassigned_exit++;
	else
		cm.reassigned_timeout++;
}

/* A notification to another CM that never waits: the ring between two netds
 * may be full both ways while both forward frames (a wait would deadlock
 * them). -EAGAIN when full. */
static int tell(int core, uint32_t type, const void *data, size_t len)
{
	if (core < 0 || core >= 64 || !g.peer[core])
		return -ENOTCONN;
	struct chan_msg m;
	msg_init(&m, type, 0, 0, 0);
	memcpy(msg_data(&m), data, len);
	return chan_send(&g.peer[core]->ch, &m);
}

/* ---------------------------------------------------------------- pins */

static void pins_sweep(uint64_t now) { cm.expired += pin_sweep(&cm.pins, now, PIN_IDLE_OPEN, PIN_IDLE_CONN); }

void cm_peer_lost(int core)
{
	pin_drop_core(&cm.pins, (uint8_t)core);
	for (int i = 0; i < CM_PORTS; i++)
		if (cm.ports[i].used) {
			lb_offer_withdraw(&cm.ports[i].lb, (uint16_t)core);
			port_maybe_free(&cm.ports[i]);
		}
}

/* a new channel to that core's netd: our offers go again at the next turn */
void cm_peer_up(int core)
{
	(void)core;
	for (int i = 0; i < CM_PORTS; i++)
		cm.ports[i].offered = false;
	cm.next_offer = 0;
}

/* ---------------------------------------------------------------- steering */

int cm_pinned(const struct net_flow *f)
{
	struct pin *p = pin_find(&cm.pins, f->raddr, f->rport, f->laddr, f->lport);
	if (!p)
		return -1;
	p->last = pika_clock_ns();
	if (!(f->tcp_flags & TCP_SYN)) {
		p->conn = true;
	} else if (p->conn && !(f->tcp_flags & (TCP_ACK | TCP_RST))) {
		/* a new connection of the flow (the client reused its port): the
		 * unpin of the old one may be on its way, and must not take the
		 * pin from the new one */
		p->conn = false;
		p->renewed = true;
	}
	if (!g.peer[p->core]) { /* that netd went away meanwhile */
		pin_remove(&cm.pins, p);
		return -1;
	}
	return p->core;
}

/* lb_pick chose another core's application, and that core's netd is there */
static bool remote_choice(const struct lb_choice *ch)
{
	return !ch->local && ch->core < g.ncores && ch->core != g.core && g.peer[ch->core];
}

/* The new flow f goes to core: pinned to it, its SYN marked as given
 * (port_forward sends it HANDED). -1 when the pin table is full: ours. */
static int hand_to(const struct net_flow *f, uint16_t core)
{
	if (pin_add(&cm.pins, f->raddr, f->rport, f->laddr, f->lport, (uint8_t)core, pika_clock_ns()) < 0) {
		cm.pin_full++;
		return -1;
	}
	cm.given++;
	cm.handing = true;
	return core;
}

int cm_steer(const struct net_flow *f)
{
	if ((f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return -1; /* only a new flow is placed */
	struct cm_port *p = port_find(f->lport, false);
	struct lb_choice ch;
	if (p)
		lb_now(&p->lb, pika_clock_ns());
	if (!p || lb_pick(&p->lb, &ch) < 0)
		return -1; /* nobody listens anywhere: our stack answers (RST) */
	if (!remote_choice(&ch)) {
		cm.local++;
		return -1;
	}
	return hand_to(f, ch.core);
}

/* A frame from this core's stack to itself (local delivery). Its flow is
 * pinned when its other end lives on another core; a SYN for a port with no
 * listener here goes to a core that offers one (and is pinned). */
int cm_steer_local(const struct net_flow *f)
{
	if (net_tcp_flow_exists(g.ns, f))
		return -1;
	int c = cm_pinned(f);
	if (c >= 0 || (f->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return c;
	struct cm_port *p = port_find(f->lport, false);
	struct lb_choice ch;
	if (!p || p->local || lb_pick(&p->lb, &ch) < 0 || !remote_choice(&ch))
		return -1; /* a listener here (or nowhere): the usual local connection */
	return hand_to(f, ch.core);
}

/* Core `from` gave us the SYN of a local connection: what our stack sends
 * back (to ourselves, seen as the reverse flow) goes to it. */
void cm_local_peer(const struct net_flow *f, int from)
{
	struct pin *p = pin_find(&cm.pins, f->laddr, f->lport, f->raddr, f->rport);
	if (p) {
		p->core = (uint8_t)from;
		p->last = pika_clock_ns();
	} else if (pin_add(&cm.pins, f->laddr, f->lport, f->raddr, f->rport, (uint8_t)from, pika_clock_ns()) < 0) {
		cm.pin_full++;
	}
}

void cm_taken_local(const struct net_flow *f, int from)
{
	cm.taken++;
	cm_local_peer(f, from);
}

static bool loopback(const struct net_flow *f)
{
	return f->raddr == f->laddr || (f->raddr >> 24) == 127;
}

bool cm_handing(void)
{
	bool h = cm.handing;
	cm.handing = false;
	return h;
}

void cm_taken(void) { cm.taken++; }

/* Tells the CM that steered f here that its connection is gone, unless a
 * new connection of the same flow took its place (a SYN that ended a
 * TIME_WAIT, RFC 6191): that one still needs the pin. */
static int unpin_send(const struct net_flow *f)
{
	if (net_tcp_flow_exists(g.ns, f))
		return 0;
	if (loopback(f)) {
		/* our own pin of what this end sends (the reverse flow); the other
		 * end's core drops its own when its end goes */
		struct pin *p = pin_find(&cm.pins, f->laddr, f->lport, f->raddr, f->rport);
		if (p)
			pin_remove(&cm.pins, p);
		return 0;
	}
	int owner = link_owner(f->raddr, f->laddr, f->rport, f->lport);
	if (owner == g.core || owner >= 64 || !g.peer[owner])
		return 0;
	struct netd_unpin u = { f->raddr, f->laddr, f->rport, f->lport };
	int e = tell(owner, NETD_UNPIN, &u, sizeof(u));
	if (e == -EAGAIN)
		return e; /* kept for the next turn */
	if (!e)
		cm.unpins_out++;
	return 0;
}

/* The stack's control block of a flow is gone. Whether a new one replaced
 * it is known only once the segment that ended it has been handled: the
 * unpin waits for the end of the turn (cm_tick). */
void cm_conn_gone(void *ctx, const struct net_flow *f)
{
	(void)ctx;
	if (!loopback(f) && link_owner(f->raddr, f->laddr, f->rport, f->lport) == g.core)
		return; /* nobody pinned it */
	if (loopback(f) && !cm.pins.n)
		return;
	if (cm.ngone == CM_GONE) { /* a turn that closed this many: the oldest goes now */
		if (unpin_send(&cm.gone[0]))
			cm.unpins_lost++; /* that pin goes when idle */
		memmove(cm.gone, cm.gone + 1, sizeof(cm.gone[0]) * --cm.ngone);
	}
	cm.gone[cm.ngone++] = *f;
}

void h_unpin(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netd_unpin u;
	memcpy(&u, msg_cdata(&r->msg), sizeof(u));
	struct pin *p = pin_find(&cm.pins, u.raddr, u.rport, u.laddr, u.lport);
	if (p && p->renewed) {
		p->renewed = false; /* the old connection's; the new one's comes later */
		cm.unpins_stale++;
	} else if (p) {
		pin_remove(&cm.pins, p);
		cm.unpins_in++;
	}
}

/* ---------------------------------------------------------------- offers */

void h_offer(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netd_offer o;
	memcpy(&o, msg_cdata(&r->msg), sizeof(o)); /* our own copy, checked */
	if (o.core >= (uint32_t)g.ncores || o.core >= LB_OFFERS_MAX || (int)o.core == g.core || !o.port ||
	    o.port > 65535)
		return;
	cm.offers_in++;
	struct cm_port *p = port_find((uint16_t)o.port, o.service_us != 0);
	if (!p)
		return;
	if (o.service_us)
		lb_offer_update(&p->lb, (uint16_t)o.core, o.handle, o.service_us, pika_clock_ns());
	else
		lb_offer_withdraw(&p->lb, (uint16_t)o.core);
	port_maybe_free(p);
}

static void offer_send(uint16_t port, uint32_t handle, uint32_t us)
{
	struct netd_offer o = { (uint32_t)g.core, port, handle, us };
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (c != g.core && g.peer[c]) {
			if (tell(c, NETD_OFFER, &o, sizeof(o)) == 0)
				cm.offers_out++;
			else
				cm.offers_lost++; /* a full ring: the next one goes within a second */
		}
}

/* From netd's turn: offers due, old offers and idle pins forgotten. Returns
 * when it wants the next turn (0: no need). */
uint64_t cm_tick(uint64_t now)
{
	uint64_t next = 0;
	unsigned kept = 0;
	for (unsigned i = 0; i < cm.ngone; i++)
		if (unpin_send(&cm.gone[i]) == -EAGAIN)
			cm.gone[kept++] = cm.gone[i]; /* the ring is full: next turn */
	cm.ngone = kept;
	if (kept)
		next = now + 1000000; /* a turn again soon */
	if (now >= cm.next_offer) {
		cm.next_offer = now + cm.period;
		for (int i = 0; i < CM_PORTS; i++) {
			struct cm_port *p = &cm.ports[i];
			if (!p->used)
				continue;
			lb_offers_expire(&p->lb, now, 3 * CM_KEEP * cm.period);
			lb_now(&p->lb, now);
			uint32_t h, us;
			if (p->local && lb_best_local(&p->lb, &h, &us)) {
				uint32_t d = us > p->sent_us ? us - p->sent_us : p->sent_us - us;
				if (!p->offered || d > p->sent_us / 8 || now - p->sent_at >= CM_KEEP * cm.period) {
					offer_send(p->port, h, us);
					p->offered = true;
					p->sent_us = us;
					p->sent_at = now;
				}
			} else if (p->offered) {
				offer_send(p->port, 0, 0);
				p->offered = false;
			}
			port_maybe_free(p);
		}
	}
	/* an offer changes only with work (turns come anyway); unchanged ones
	 * and the pin sweep need a turn once a second, not every period */
	uint64_t keep = 0;
	for (int i = 0; i < CM_PORTS; i++)
		if (cm.ports[i].used && cm.ports[i].local)
			keep = now + CM_KEEP * cm.period;
	if (cm.pins.n && now >= cm.next_sweep) {
		cm.next_sweep = now + 1000 * MS;
		pins_sweep(now);
	}
	if (cm.pins.n && (!keep || cm.next_sweep < keep))
		keep = cm.next_sweep;
	if (keep && (!next || keep < next))
		next = keep;
	return next;
}

int cm_stats(char *out, int max)
{
	static const char *const names[] = { "naive", "unfiltered", "filtered", "tournament" };
	int n = snprintf(out, (size_t)max,
			 "core %d cm lb %s:%u.%02u period_ms %lu accept_timeout_ms %lu local %lu given %lu taken %lu acceptor_timeouts %lu "
			 "reassigned_timeout %lu reassigned_exit %lu pins %u pin_full %lu unpins_in %lu unpins_stale %lu unpins_out %lu pins_expired %lu "
			 "offers_in %lu offers_out %lu offers_lost %lu unpins_lost %lu\n",
			 g.core, names[cm.cfg.scheme], cm.cfg.tariff_pct / 100, cm.cfg.tariff_pct % 100,
			 cm.period / MS, sock_accept_timeout / MS, cm.local, cm.given, cm.taken, cm.acceptor_timeouts,
			 cm.reassigned_timeout, cm.reassigned_exit, cm.pins.n, cm.pin_full, cm.unpins_in, cm.unpins_stale,
			 cm.unpins_out, cm.expired, cm.offers_in, cm.offers_out, cm.offers_lost, cm.unpins_lost);
	if (n >= max)
		return max - 1;
	/* per port: our application's median service time, the offers (core:us,
	 * + when through the filter) */
#define PUT(...) (n += snprintf(out + n, (size_t)(max - n), __VA_ARGS__), n = n < max ? n : max - 1)
	for (int i = 0; i < CM_PORTS && n < max - 1; i++) {
		struct cm_port *p = &cm.ports[i];
		if (!p->used)
			continue;
		PUT( "core %d cm port %u local_us ", g.core, p->port);
		if (p->local)
			PUT( "%u", lb_app_service(&p->lb, CM_APP));
		else
			PUT( "-");
		PUT( " offers");
		for (int c = 0; c < LB_OFFERS_MAX; c++)
			if (p->lb.offers[c].used)
				PUT( " %d:%u%s", c, p->lb.offers[c].service_us,
					      p->lb.offers[c].passed ? "+" : "");
		PUT( " picks_local %lu picks_remote %lu sat_out %lu came_back %lu probes %lu\n",
			      p->lb.st.picks_local, p->lb.st.picks_remote, p->lb.st.sat_out, p->lb.st.came_back,
			      p->lb.st.probes);
	}
#undef PUT
	return n;
}
