/*
 * link.c - frames (see netd.h): the queue, ownership, forwarding, local delivery.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/msg.h>
#include <stdio.h>
#include <string.h>

#include "drivers/toeplitz.h"
#include "netd.h"

const uint8_t netd_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static uint64_t phys_of(const void *p) { return g.ns_phys + (uint64_t)((const uint8_t *)p - g.ns_mem); }

static struct nd_buf *wr_get(struct net_pkt *p)
{
	if (!g.nwr_free)
		return NULL;
	struct nd_buf *b = g.wr_free[--g.nwr_free];
	memset(b, 0, sizeof(*b));
	b->cookie = p;
	b->data = p->data;
	b->phys = phys_of(p->data);
	return b;
}

static void wr_put(struct nd_buf *b) { g.wr_free[g.nwr_free++] = b; }

void link_init(void)
{
	for (int i = 0; i < (int)(sizeof(g.wr) / sizeof(g.wr[0])); i++)
		g.wr_free[g.nwr_free++] = &g.wr[i];
}

/* ---------------------------------------------------------------- ownership */

/* The core that owns a flow: where RSS sends its frames, bucket b -> core b % ncores
 * (the control instance gives the NIC bucket b -> queue b % nqueues, the same
 * thing when every core has a queue). */
int link_owner(uint32_t raddr, uint32_t laddr, uint16_t rport, uint16_t lport)
{
	uint32_t h = toeplitz_ipv4_l4(netd_rss_key, sizeof(netd_rss_key), raddr, laddr, rport, lport);
	return (int)((h & (NETD_RSS_BUCKETS - 1)) % (uint32_t)g.ncores);
}

/* UDP ports bound by sockets of this core (count) and of the others (a core
 * mask, from their NETD_UDP_PORT), for datagrams RSS puts on a core where no
 * socket takes them. */
#define UDP_PORTS 256
static struct {
	uint16_t port;
	uint16_t here;   /* our sockets bound to it */
	uint64_t cores;  /* other cores with one */
} udp_ports[UDP_PORTS];
static uint64_t udp_fwd, udp_ports_full;

static int udp_slot(uint16_t port, bool make)
{
	int free_one = -1;
	for (int i = 0; i < UDP_PORTS; i++) {
		if ((udp_ports[i].here || udp_ports[i].cores) && udp_ports[i].port == port)
			return i;
		if (!udp_ports[i].here && !udp_ports[i].cores && free_one < 0)
			free_one = i;
	}
	if (make && free_one < 0)
		udp_ports_full++;
	if (make && free_one >= 0)
		udp_ports[free_one].port = port;
	return make ? free_one : -1;
}

static void udp_tell(int core, uint16_t port, bool bound)
{
	struct netd_udp_port m = { (uint32_t)g.core, port, bound };
	if (core >= 0 && core < 64 && g.peer[core])
		disp_notify(g.peer[core], NETD_UDP_PORT, &m, sizeof(m));
}

void link_udp_bind(uint16_t port, bool bound)
{
	int i = udp_slot(port, bound);
	if (i < 0 || !port)
		return;
	if (bound ? udp_ports[i].here++ : --udp_ports[i].here)
		return; /* the others know already */
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (c != g.core)
			udp_tell(c, port, bound);
}

void h_udp_port(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netd_udp_port m;
	memcpy(&m, msg_cdata(&r->msg), sizeof(m)); /* our copy, checked */
	if (m.core >= (uint32_t)g.ncores || m.core >= 64 || (int)m.core == g.core || !m.port || m.port > 65535)
		return;
	int i = udp_slot((uint16_t)m.port, m.bound != 0);
	if (i < 0)
		return;
	if (m.bound)
		udp_ports[i].cores |= 1ull << m.core;
	else
		udp_ports[i].cores &= ~(1ull << m.core);
}

void link_peer_lost(int core)
{
	for (int i = 0; i < UDP_PORTS && core >= 0 && core < 64; i++)
		udp_ports[i].cores &= ~(1ull << core);
}

void link_peer_up(int core)
{
	for (int i = 0; i < UDP_PORTS; i++)
		if (udp_ports[i].here)
			udp_tell(core, udp_ports[i].port, true);
	cm_peer_up(core);
}

/* A datagram no socket here takes: our DHCP client's replies belong to core
 * 0's, others to a core with a socket on the port (one of them by the flow,
 * so a flow stays on one core). */
static int udp_owner(const struct net_flow *f)
{
	int c = -1;
	if (g.dhcp && f->lport == 68 && f->rport == 67) {
		c = 0;
	} else {
		int i = udp_slot(f->lport, false);
		uint64_t m = 0;
		for (int k = 0; i >= 0 && k < g.ncores && k < 64; k++)
			if ((udp_ports[i].cores >> k & 1) && g.peer[k])
				m |= 1ull << k;
		if (m) {
			unsigned pick = (f->raddr ^ f->rport) % (unsigned)__builtin_popcountll(m);
			while (pick--)
				m &= m - 1;
			c = __builtin_ctzll(m);
		}
	}
	if (c < 0 || c == g.core || !g.peer[c])
		return -1;
	udp_fwd++;
	return c;
}

int port_owner_of(void *ctx, const struct net_flow *f)
{
	(void)ctx;
	if (f->proto == 17)
		return udp_owner(f);
	if (f->proto != 6)
		return -1;
	int c = cm_pinned(f); /* our CM gave it to another core */
	if (c >= 0)
		return c;
	c = link_owner(f->raddr, f->laddr, f->rport, f->lport);
	/* while the owner's netd is away (restarting) its flows are ours: new
	 * connections are served here, old ones get a reset */
	if (c != g.core)
		return g.peer[c] ? c : -1;
	return cm_steer(f); /* a new flow of ours: whose application takes it */
}

bool port_flow_ok(void *ctx, const struct net_flow *f)
{
	(void)ctx;
	return link_owner(f->raddr, f->laddr, f->rport, f->lport) == g.core;
}

/* A frame to another core's netd through the data area of our channel to it
 * (with what it needs to know to finish a checksum left for offload).
 * Never waits: two netds forwarding to each other with full rings would each
 * wait for the other (they did, for a second per frame, under 2,000
 * connections). -EAGAIN when the ring is full. */
static int send_frame(int core, uint16_t kind, const struct net_pkt *p)
{
	const uint8_t *data = p->data;
	uint16_t len = p->len;
	struct disp_chan *pc = core >= 0 && core < 64 ? g.peer[core] : NULL;
	if (!pc || len > NETD_FWD_SLOT || chan_data_len(&pc->ch) < NETD_FWD_SLOTS * NETD_FWD_SLOT)
		return -ENOTCONN;
	/* the slot is taken only by a message that went: it is reused
	 * NETD_FWD_SLOTS messages later (netd.h) */
	uint32_t slot = g.fwd_next[core] % NETD_FWD_SLOTS;
	memcpy((uint8_t *)chan_data(&pc->ch) + slot * NETD_FWD_SLOT, data, len);
	/* l4_csum: TX, the checksum is left for the device; RX, the device
	 * vouched for it (a partial checksum from the host stays partial) */
	uint16_t l4 = kind == NETD_FRAME_TX ? (p->flags & NET_PKT_TX_L4_CSUM) != 0
					     : (p->flags & NET_PKT_RX_L4_CSUM_OK) != 0;
	struct netd_frame fr = { slot, len, kind, l4, p->csum_start, p->csum_offset, (uint16_t)g.core,
				 (p->flags & NET_PKT_RX_LOOPED) != 0 };
	struct chan_msg m;
	msg_init(&m, NETD_FRAME, 0, 0, 0);
	memcpy(msg_data(&m), &fr, sizeof(fr));
	int e = chan_send(&pc->ch, &m);
	if (e)
		return e;
	g.fwd_next[core]++;
	g.fwd_out++;
	return 0;
}

/* Frames a peer's ring had no room for, oldest first, sent at the next turns
 * (link_fwd_flush); beyond FWD_WAIT_MAX in all they are dropped and counted
 * (TCP sends again). */
#define FWD_WAIT 128
#define FWD_WAIT_MAX 512
static struct fwd_wait {
	struct net_pkt *p[FWD_WAIT];
	uint16_t kind[FWD_WAIT];
	unsigned head, n;
} fwd_wait[64];
static unsigned fwd_waiting;
static uint64_t fwd_deferred;

/* Takes p: sent now, or queued behind the frames already waiting for core. */
static void forward_frame(int core, uint16_t kind, struct net_pkt *p)
{
	struct fwd_wait *w = core >= 0 && core < 64 ? &fwd_wait[core] : NULL;
	int e = !w ? -ENOTCONN : w->n ? -EAGAIN : send_frame(core, kind, p);
	if (!e) {
		net_pkt_free(g.ns, p);
		return;
	}
	if (e != -EAGAIN || w->n == FWD_WAIT || fwd_waiting >= FWD_WAIT_MAX) {
		g.fwd_drops++;
		net_pkt_free(g.ns, p);
		return;
	}
	unsigned i = (w->head + w->n++) % FWD_WAIT;
	w->p[i] = p;
	w->kind[i] = kind;
	fwd_waiting++;
	fwd_deferred++;
}

void link_fwd_flush(void)
{
	for (int c = 0; c < 64 && fwd_waiting; c++) {
		struct fwd_wait *w = &fwd_wait[c];
		while (w->n) {
			int e = send_frame(c, w->kind[w->head], w->p[w->head]);
			if (e == -EAGAIN)
				break;
			if (e)
				g.fwd_drops++; /* that netd went away */
			net_pkt_free(g.ns, w->p[w->head]);
			w->head = (w->head + 1) % FWD_WAIT;
			w->n--;
			fwd_waiting--;
		}
	}
}

bool link_fwd_waiting(void) { return fwd_waiting != 0; }

/* The stack found a segment of another core's connection. */
void port_forward(void *ctx, int core, struct net_pkt *pkt)
{
	(void)ctx;
	forward_frame(core, cm_handing() ? NETD_FRAME_HANDED : NETD_FRAME_RX, pkt);
}

/* ---------------------------------------------------------------- transmit */

static bool to_self(const struct net_pkt *p)
{
	return p->len >= 14 && memcmp(p->data, g.nd.mac, 6) == 0;
}

/* The IPv4 header checksum the stack left to the device (a device that
 * completes only L4 checksums, like virtio-net). */
static void ip_csum_fill(uint8_t *ih)
{
	unsigned hl = (ih[0] & 15u) * 4u;
	uint32_t sum = 0;
	ih[10] = ih[11] = 0;
	for (unsigned i = 0; i < hl; i += 2)
		sum += (uint32_t)ih[i] << 8 | ih[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ih[10] = (uint8_t)(~sum >> 8);
	ih[11] = (uint8_t)~sum;
}

/* A frame the ring has no room for waits in the backlog (a burst of
 * thousands of responses overfills the ring, and a dropped one costs its
 * connection an RTO); only a full backlog drops (counted). */
static void tx_defer(struct net_pkt *p)
{
	if (g.txb_n == TX_BACKLOG) {
		g.q.stats.drops[ND_DROP_TX_FULL]++;
		net_pkt_free(g.ns, p);
		return;
	}
	g.txb[(g.txb_head + g.txb_n) % TX_BACKLOG] = p;
	g.txb_n++;
	g.tx_deferred++;
}

static struct nd_buf *tx_wrap(struct net_pkt *p)
{
	struct nd_buf *b = wr_get(p);
	if (!b)
		return NULL;
	b->len = p->len;
	if (p->flags & NET_PKT_TX_L4_CSUM) {
		b->flags = ND_TX_CSUM;
		b->csum_start = p->csum_start;
		b->csum_offset = p->csum_offset;
	}
	return b;
}

/* Queues frames on our ring; what does not fit after reclaiming waits in
 * the backlog. The device hears of them at link_finish. */
static void tx_ring(struct nd_buf **bufs, int k)
{
	int took = g.nd.ops->tx_burst(&g.q, bufs, k);
	if (took < k) { /* full: take back what the device is done with, once */
		link_reclaim();
		took += g.nd.ops->tx_burst(&g.q, bufs + took, k - took);
	}
	for (int j = took; j < k; j++) {
		tx_defer(bufs[j]->cookie);
		wr_put(bufs[j]);
	}
}

/* The backlog onto the ring, in order, as far as it has room. */
static void tx_backlog_drain(void)
{
	while (g.txb_n && !g.running) { /* the device is gone: nothing will take them */
		g.q.stats.drops[ND_DROP_TX_FULL]++;
		net_pkt_free(g.ns, g.txb[g.txb_head]);
		g.txb_head = (g.txb_head + 1) % TX_BACKLOG;
		g.txb_n--;
	}
	while (g.txb_n) {
		struct nd_buf *bufs[BURST];
		int k = 0;
		while (k < BURST && (unsigned)k < g.txb_n) {
			struct nd_buf *b = tx_wrap(g.txb[(g.txb_head + (unsigned)k) % TX_BACKLOG]);
			if (!b)
				break;
			bufs[k++] = b;
		}
		int took = k ? g.nd.ops->tx_burst(&g.q, bufs, k) : 0;
		for (int j = took; j < k; j++)
			wr_put(bufs[j]);
		g.txb_head = (g.txb_head + (unsigned)took) % TX_BACKLOG;
		g.txb_n -= (unsigned)took;
		if (took < k || !k)
			return; /* the ring (or the wrappers) full: the next turn */
	}
}

bool link_tx_waiting(void)
{
	return g.txb_n != 0;
}

/* The stack's frames: to our own address stay on this machine (delivered to
 * our own stack at the next turn); the others go out on our queue, or to a
 * link server when we have none. Checksums the stack left for offload are
 * the device's (L4) or ours (the IPv4 header, which virtio cannot do). */
void port_tx(void *ctx, struct net_pkt **pkts, unsigned n)
{
	(void)ctx;
	struct nd_buf *bufs[BURST];
	int k = 0;
	for (unsigned i = 0; i < n; i++) {
		struct net_pkt *p = pkts[i];
		if ((p->flags & NET_PKT_TX_IP_CSUM) && p->l3_off + 20u <= p->len)
			ip_csum_fill(p->data + p->l3_off);
		if (to_self(p)) {
			if (g.nloop < (int)(sizeof(g.loopq) / sizeof(g.loopq[0]))) {
				g.loopq[g.nloop++] = p;
				g.looped++;
			} else {
				g.q.stats.drops[ND_DROP_TX_FULL]++;
				net_pkt_free(g.ns, p);
			}
			continue;
		}
		if (!g.have_queue) {
			forward_frame(g.tx_via, NETD_FRAME_TX, p);
			continue;
		}
		if (!g.running) {
			g.q.stats.drops[ND_DROP_TX_FULL]++;
			net_pkt_free(g.ns, p);
			continue;
		}
		/* behind frames already waiting: keep the order */
		struct nd_buf *b = g.txb_n ? NULL : tx_wrap(p);
		if (!b) {
			tx_defer(p);
			continue;
		}
		bufs[k++] = b;
		if (k == BURST) {
			tx_ring(bufs, k);
			k = 0;
		}
	}
	if (k)
		tx_ring(bufs, k);
	tx_backlog_drain();
}

/* ---------------------------------------------------------------- peers */

/* A frame a peer put in its channel's data area for us. */
void h_frame(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netd_frame fr;
	memcpy(&fr, msg_cdata(&r->msg), sizeof(fr));
	if (fr.slot >= NETD_FWD_SLOTS || fr.len > NETD_FWD_SLOT || fr.len < 14 ||
	    chan_data_len(&r->dc->ch) < NETD_FWD_SLOTS * NETD_FWD_SLOT) {
		g.fwd_drops++;
		return;
	}
	const uint8_t *data = (const uint8_t *)chan_data(&r->dc->ch) + fr.slot * NETD_FWD_SLOT;
	struct net_pkt *p = net_pkt_alloc(g.ns);
	if (!p || net_pkt_tailroom(p) < fr.len) {
		if (p)
			net_pkt_free(g.ns, p);
		g.fwd_drops++;
		return;
	}
	memcpy(p->data, data, fr.len);
	p->len = fr.len;
	g.fwd_in++;
	if (fr.kind == NETD_FRAME_RX || fr.kind == NETD_FRAME_HANDED) {
		if (fr.l4_csum)
			p->flags = NET_PKT_RX_L4_CSUM_OK;
		if (fr.looped) /* from a process of this machine on core `from` */
			p->flags = NET_PKT_RX_LOOPED | NET_PKT_RX_IP_CSUM_OK | NET_PKT_RX_L4_CSUM_OK;
		if (fr.kind == NETD_FRAME_HANDED) {
			struct net_flow fl;
			if (fr.looped && fr.from < g.ncores && fr.from != g.core && net_tcp_flow_of(g.ns, p, &fl))
				cm_taken_local(&fl, fr.from); /* our answers go back to it */
			else
				cm_taken(); /* its later segments come as NETD_FRAME_RX */
		} else if (fr.looped) {
			/* the other end of a local connection is on core `from`: our
			 * answers go back there, even if its first frame (HANDED) was lost */
			struct net_flow fl;
			if (fr.from < g.ncores && fr.from != g.core && net_tcp_flow_of(g.ns, p, &fl))
				cm_local_peer(&fl, fr.from);
		} else {
			/* a link server passed us a segment of a flow we own: our CM
			 * may have given the flow (or give its SYN now) to another core */
			struct net_flow fl;
			int to;
			if (net_classify(g.ns, p, &fl, &to) == NET_CLASS_REMOTE && (to = cm_pinned(&fl)) >= 0) {
				forward_frame(to, cm_handing() ? NETD_FRAME_HANDED : NETD_FRAME_RX, p);
				return;
			}
			cm_handing(); /* a decision that pinned nothing is forgotten */
		}
		net_input_forwarded(g.ns, p);
	} else if (fr.kind == NETD_FRAME_TX && g.have_queue) {
		g.ls_tx++;
		if (fr.l4_csum && (uint32_t)fr.csum_start + fr.csum_offset + 2 <= fr.len) {
			p->flags = NET_PKT_TX_L4_CSUM;
			p->csum_start = fr.csum_start;
			p->csum_offset = fr.csum_offset;
		}
		struct net_pkt *one[1] = { p };
		port_tx(NULL, one, 1);
	} else {
		g.fwd_drops++;
		net_pkt_free(g.ns, p);
	}
}

/* An ARP frame (RFC 826) from the wire: tell the other cores who is where. */
void link_share_arp(const uint8_t *f, uint16_t len)
{
	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[14] != 0 || f[15] != 1 || f[16] != 0x08 ||
	    f[17] != 0 || f[18] != 6 || f[19] != 4)
		return;
	struct netd_arp a;
	a.ip = (uint32_t)f[28] << 24 | (uint32_t)f[29] << 16 | (uint32_t)f[30] << 8 | f[31];
	memcpy(a.mac, f + 22, 6);
	if (!a.ip || (a.ip & g.mask) != (g.addr & g.mask) || a.ip == g.addr || (a.mac[0] & 1))
		return;
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (g.peer[c])
			disp_notify(g.peer[c], NETD_ARP, &a, sizeof(a));
}

void h_arp(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	const struct netd_arp *a = msg_cdata(&r->msg);
	if (g.ns)
		net_arp_set(g.ns, a->ip, a->mac, false);
}

/* Core 0 got an address from DHCP: everyone uses it. */
void h_addr(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	const struct netd_addr *a = msg_cdata(&r->msg);
	g.addr = a->addr;
	g.mask = a->mask;
	g.gw = a->gw;
	net_ipv4_set(g.ns, g.addr, g.mask, g.gw);
	net_arp_set(g.ns, g.addr, g.nd.mac, true);
	printf("netd: core %d: address %u.%u.%u.%u from core 0's DHCP lease\n", g.core, g.addr >> 24,
	       (g.addr >> 16) & 255, (g.addr >> 8) & 255, g.addr & 255);
}

/* ---------------------------------------------------------------- the queue */

/* Fills the receive ring: as many packets as it has room for (asked first,
 * so nothing is allocated only to be freed again). */
int link_refill(void)
{
	struct nd_buf *bufs[BURST];
	int posted = 0;
	int space = g.nd.ops->rx_space ? g.nd.ops->rx_space(&g.q) : 1 << 30;
	while (space > 0) {
		int n = 0;
		while (n < BURST && n < space) {
			struct net_pkt *p = net_pkt_alloc(g.ns);
			if (!p)
				break;
			struct nd_buf *b = wr_get(p);
			if (!b) {
				net_pkt_free(g.ns, p);
				break;
			}
			b->cap = net_pkt_tailroom(p) < 2048 ? net_pkt_tailroom(p) : 2048;
			bufs[n++] = b;
		}
		int took = n ? g.nd.ops->rx_refill(&g.q, bufs, n) : 0;
		for (int j = took; j < n; j++) {
			net_pkt_free(g.ns, bufs[j]->cookie);
			wr_put(bufs[j]);
		}
		posted += took;
		g.rx_posted += took;
		space -= took;
		if (took < n || !n)
			break;
	}
	return posted;
}

/* Frames for us: the local-delivery queue, then up to budget frames from
 * our receive ring, into the stack. Returns the frames handled. */
int link_rx(int budget)
{
	int work = 0;
	if (g.nloop) { /* frames to ourselves */
		int n = g.nloop;
		g.nloop = 0;
		struct net_pkt *l[256];
		memcpy(l, g.loopq, sizeof(l[0]) * (size_t)n);
		/* a connection to our own address has both ends in this stack,
		 * unless the listener is on another core only: then our CM gives
		 * the SYN to that core's, and both pin the flow (cm.c). They never
		 * left memory, so their checksums need no check */
		for (int i = 0; i < n; i++) {
			l[i]->flags = NET_PKT_RX_LOOPED | NET_PKT_RX_IP_CSUM_OK | NET_PKT_RX_L4_CSUM_OK;
			struct net_flow fl;
			int to = net_tcp_flow_of(g.ns, l[i], &fl) ? cm_steer_local(&fl) : -1;
			if (to >= 0) {
				forward_frame(to, cm_handing() ? NETD_FRAME_HANDED : NETD_FRAME_RX, l[i]);
				continue;
			}
			net_input_forwarded(g.ns, l[i]);
		}
		work += n;
	}
	if (!g.running)
		return work;
	if (g.irq_on) {
		g.nd.ops->irq_disable(&g.q);
		g.irq_on = false;
	}
	struct nd_buf *bufs[BURST];
	struct net_pkt *pkts[BURST];
	int n;
	while (budget > 0 && (n = g.nd.ops->rx_burst(&g.q, bufs, budget < BURST ? budget : BURST)) > 0) {
		g.rx_posted -= n;
		for (int i = 0; i < n; i++) {
			struct net_pkt *p = bufs[i]->cookie;
			p->len = bufs[i]->len;
			p->flags = (bufs[i]->flags & ND_RX_CSUM_OK) ? NET_PKT_RX_L4_CSUM_OK : 0;
			if (p->len >= 14 && p->data[12] == 0x08 && p->data[13] == 0x06)
				link_share_arp(p->data, p->len);
			pkts[i] = p;
			wr_put(bufs[i]);
		}
		net_input_batch(g.ns, pkts, (unsigned)n);
		work += n;
		budget -= n;
	}
	if (budget <= 0)
		g.rx_more = true; /* stopped by the budget: come back before sleeping */
	return work;
}

void link_reclaim(void)
{
	struct nd_buf *bufs[BURST];
	int n;
	while ((n = g.nd.ops->tx_reclaim(&g.q, bufs, BURST)) > 0)
		for (int i = 0; i < n; i++) {
			net_pkt_free(g.ns, bufs[i]->cookie);
			wr_put(bufs[i]);
		}
}

/* The end of a turn: sent buffers back, the receive ring refilled, and what
 * the turn queued handed to the device with one doorbell at most. */
void link_finish(void)
{
	if (!g.have_queue || !g.running)
		return;
	link_reclaim();
	tx_backlog_drain();
	link_refill();
	if (g.nd.ops->tx_flush)
		g.nd.ops->tx_flush(&g.q);
	if (g.q.stats.rx_starved != g.starved_seen) {
		/* our ring ran dry: frames for us may wait on another queue (virtio_net.c, rx_kick) */
		g.starved_seen = g.q.stats.rx_starved;
		for (int c = 0; c < g.ncores && c < 64; c++)
			if (g.peer[c])
				disp_notify(g.peer[c], NETD_KICK, NULL, 0);
	}
}

/* Before netd sleeps: the receive interrupt on. True when a frame came in
 * meanwhile (poll again instead of sleeping). */
bool link_arm(void)
{
	if (!g.have_queue || !g.running)
		return false;
	g.irq_on = true;
	return g.nd.ops->irq_enable(&g.q);
}

/* Another core's receive ring ran dry: ring ours once (see virtio_net.c). */
void h_kick(struct disp_req *r)
{
	if (r && !netd_from_peer(r)) /* NULL: our own start-up */
		return;
	if (g.have_queue && g.running && g.nd.ops->rx_kick)
		g.nd.ops->rx_kick(&g.q);
}

int link_stats(char *out, int max)
{
	return snprintf(out, (size_t)max,
			"core %d link forwarded_out %lu forwarded_in %lu forward_drops %lu "
			"transmitted_for_others %lu local_delivery %lu udp_forwarded %lu udp_ports_full %lu "
			"forward_deferred %lu forward_waiting %u\n",
			g.core, g.fwd_out, g.fwd_in, g.fwd_drops, g.ls_tx, g.looped, udp_fwd, udp_ports_full,
			fwd_deferred, fwd_waiting);
}
