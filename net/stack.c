/* Instance set-up, entry points, output batching, events and counters. */
#include "net/internal.h"
#include "net/prot/eth.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"
#include "net/prot/udp.h"

void net_config_default(struct net_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mac[0] = 0x02; /* locally administered */
	c->mtu = 1500;
	c->core_id = 0;
	c->pkt_bufs = 512;
	c->data_blocks = 2048;
	c->tcp_conns = 256;
	c->udp_socks = 32;
	c->arp_entries = 64;
	c->reasm_slots = 4;
	c->reasm_max = 16384;
	c->tcp_sndbuf = 64 * 1024;
	c->tcp_rcvbuf = 64 * 1024;
	c->udp_rcvbuf = 64 * 1024;
	c->tcp_time_wait_max = 0; /* 0: a quarter of tcp_conns */
	c->syn_backlog_max = 128;
	c->syn_cookies = true;
	c->tx_csum_offload = false;
	c->rto_min_ms = 200;
	c->rto_max_ms = 120000;
	c->rto_initial_ms = 1000;
	c->delack_ms = 40;
	c->msl_ms = 30000;
	c->fin_wait2_ms = 60000;
	c->keep_idle_ms = 7200000;
	c->keep_intvl_ms = 75000;
	c->keep_cnt = 9;
	c->syn_retries = 6;
	c->synack_retries = 5;
	c->data_retries = 15;
	c->arp_timeout_ms = 60000;
	c->arp_retry_ms = 1000;
	c->arp_retries = 3;
	c->reasm_timeout_ms = 30000;
	c->icmp_rate_per_s = 100;
	c->icmp_burst = 50;
	c->challenge_ack_per_s = 1000;
	c->eph_lo = 32768;
	c->eph_hi = 60999;
	c->ttl = 64;
	c->log_level = NET_LOG_WARN;
}

/* ---------------------------------------------------------------- memory layout */
struct layout {
	size_t stack, pkt_descs, pkt_mem, blk_mem, blk_next, arp, reasm, reasm_buf, udp, tcbs,
		hash, heap, evq, port_conns, total;
	uint32_t hash_size;
};

static size_t align_up(size_t x)
{
	return (x + 63) & ~(size_t)63;
}

static bool config_ok(const struct net_config *c)
{
	return c->mtu >= 576 && c->mtu <= NET_MTU_MAX && c->pkt_bufs >= 8 &&
	       c->data_blocks >= 1 && c->data_blocks < NET_NONE16 && c->tcp_conns >= 2 &&
	       c->tcp_conns < NET_NONE16 && c->udp_socks < 0x8000 && c->arp_entries >= 1 &&
	       c->reasm_max >= 576 && c->reasm_max <= IP_MAXPACKET && c->reasm_slots <= 255 &&
	       c->tcp_sndbuf >= 1 && c->tcp_sndbuf <= NET_TCP_BUF_MAX && c->tcp_rcvbuf >= 1 &&
	       c->tcp_rcvbuf <= NET_TCP_BUF_MAX && c->eph_lo > 0 && c->eph_lo <= c->eph_hi &&
	       c->rto_min_ms > 0 && c->rto_min_ms <= c->rto_max_ms && c->ttl > 0;
}

static void layout_of(const struct net_config *c, struct layout *l)
{
	size_t off = 0;
	l->stack = off;
	off = align_up(off + sizeof(struct net_stack));
	l->pkt_descs = off;
	off = align_up(off + (size_t)c->pkt_bufs * sizeof(struct net_pkt));
	l->pkt_mem = off;
	off = align_up(off + (size_t)c->pkt_bufs * NET_PKT_BUFSIZE);
	l->blk_mem = off;
	off = align_up(off + (size_t)c->data_blocks * NET_BLK_SIZE);
	l->blk_next = off;
	off = align_up(off + (size_t)c->data_blocks * sizeof(uint16_t));
	l->arp = off;
	off = align_up(off + (size_t)c->arp_entries * sizeof(struct arp_entry));
	l->reasm = off;
	off = align_up(off + (size_t)c->reasm_slots * sizeof(struct reasm));
	l->reasm_buf = off;
	size_t per = align_up(NET_PKT_HEADROOM + 60 + c->reasm_max) + align_up(c->reasm_max / 64 + 1);
	off = align_up(off + (size_t)c->reasm_slots * per);
	l->udp = off;
	off = align_up(off + (size_t)c->udp_socks * sizeof(struct udp_sock));
	l->tcbs = off;
	off = align_up(off + (size_t)c->tcp_conns * sizeof(struct tcb));
	uint32_t hs = 16;
	while (hs < 2u * c->tcp_conns)
		hs <<= 1;
	l->hash_size = hs;
	l->hash = off;
	off = align_up(off + (size_t)hs * sizeof(uint16_t));
	l->heap = off;
	off = align_up(off + (size_t)c->tcp_conns * sizeof(uint16_t));
	l->evq = off;
	off = align_up(off + ((size_t)c->tcp_conns + c->udp_socks + 1) * sizeof(int32_t));
	l->port_conns = off;
	off = align_up(off + 65536 * sizeof(uint16_t));
	l->total = off;
}

size_t net_mem_size(const struct net_config *cfg)
{
	if (!config_ok(cfg))
		return 0;
	struct layout l;
	layout_of(cfg, &l);
	return l.total;
}

struct net_stack *net_init(void *mem, size_t len, const struct net_config *cfg,
			   const struct net_port *port)
{
	if (!mem || ((uintptr_t)mem & 15) || !cfg || !port || !config_ok(cfg) || !port->now_ns ||
	    !port->tx || !port->random)
		return NULL;
	struct layout l;
	layout_of(cfg, &l);
	if (len < l.total)
		return NULL;
	uint8_t *base = mem;
	struct net_stack *s = (struct net_stack *)(void *)(base + l.stack);
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	if (!s->cfg.tcp_time_wait_max)
		s->cfg.tcp_time_wait_max = (uint16_t)(cfg->tcp_conns / 4 ? cfg->tcp_conns / 4 : 1);
	if (s->cfg.icmp_burst == 0)
		s->cfg.icmp_burst = 1;
	s->port = *port;
	s->now = port->now_ns(port->ctx);

	pkt_pool_init(&s->pkts, (struct net_pkt *)(void *)(base + l.pkt_descs), base + l.pkt_mem,
		      cfg->pkt_bufs);
	blk_pool_init(&s->blks, base + l.blk_mem, (uint16_t *)(void *)(base + l.blk_next),
		      cfg->data_blocks);

	s->arp = (struct arp_entry *)(void *)(base + l.arp);
	memset(s->arp, 0, (size_t)cfg->arp_entries * sizeof(struct arp_entry));

	s->reasm = (struct reasm *)(void *)(base + l.reasm);
	size_t per = align_up(NET_PKT_HEADROOM + 60 + cfg->reasm_max);
	size_t bm = align_up(cfg->reasm_max / 64 + 1);
	for (unsigned i = 0; i < cfg->reasm_slots; i++) {
		struct reasm *r = &s->reasm[i];
		memset(r, 0, sizeof(*r));
		r->buf = base + l.reasm_buf + i * (per + bm);
		r->bitmap = r->buf + per;
	}

	s->udp = (struct udp_sock *)(void *)(base + l.udp);
	memset(s->udp, 0, (size_t)cfg->udp_socks * sizeof(struct udp_sock));

	s->tcbs = (struct tcb *)(void *)(base + l.tcbs);
	s->tcb_hash = (uint16_t *)(void *)(base + l.hash);
	s->hash_mask = l.hash_size - 1;
	s->heap = (uint16_t *)(void *)(base + l.heap);
	s->evq = (int32_t *)(void *)(base + l.evq);
	s->evq_cap = (uint32_t)cfg->tcp_conns + cfg->udp_socks + 1;
	s->port_conns = (uint16_t *)(void *)(base + l.port_conns);
	memset(s->port_conns, 0, 65536 * sizeof(uint16_t));
	if (!s->cfg.tcp_port_conns || s->cfg.tcp_port_conns > cfg->tcp_conns)
		s->cfg.tcp_port_conns = (uint16_t)(cfg->tcp_conns - cfg->tcp_conns / 8);

	net_random(s, s->key_isn, sizeof(s->key_isn));
	net_random(s, s->key_cookie, sizeof(s->key_cookie));
	net_random(s, s->key_hash, sizeof(s->key_hash));
	net_random(s, s->key_port, sizeof(s->key_port));
	net_random(s, s->key_ts, sizeof(s->key_ts));
	s->ip_id = (uint16_t)net_random_u32(s);
	s->eph_next = net_random_u32(s);
	s->icmp_tokens = (uint64_t)s->cfg.icmp_burst * 1000000000ull;
	s->icmp_last = s->now;
	s->chal_tokens = (uint64_t)s->cfg.challenge_ack_per_s * 1000000000ull;
	s->chal_last = s->now;
	s->misc_deadline = UINT64_MAX;

	tcp_init(s);
	return s;
}

void net_random(struct net_stack *s, void *buf, size_t len)
{
	s->port.random(s->port.ctx, buf, len);
}

bool net_bucket_take(struct net_stack *s, uint64_t *tokens, uint64_t *last, uint32_t rate,
		     uint32_t burst)
{
	uint64_t cap = (uint64_t)burst * 1000000000ull;
	uint64_t el = min_u64(s->now - *last, SEC(100));
	*last = s->now;
	*tokens += el * rate;
	if (*tokens > cap)
		*tokens = cap;
	if (*tokens < 1000000000ull)
		return false;
	*tokens -= 1000000000ull;
	return true;
}

uint32_t net_random_u32(struct net_stack *s)
{
	uint32_t v;
	net_random(s, &v, sizeof(v));
	return v;
}

/* ---------------------------------------------------------------- entry / exit */
void net_enter(struct net_stack *s)
{
	if (s->busy++ == 0)
		s->now = s->port.now_ns(s->port.ctx);
}

void net_leave(struct net_stack *s)
{
	if (--s->busy == 0)
		net_tx_flush(s);
}

void net_tx(struct net_stack *s, struct net_pkt *p)
{
	s->stats.tx_frames++;
	s->txq[s->ntx++] = p;
	if (s->ntx == NET_TX_BATCH)
		net_tx_flush(s);
}

void net_tx_flush(struct net_stack *s)
{
	if (!s->ntx)
		return;
	unsigned n = s->ntx;
	s->ntx = 0;
	s->port.tx(s->port.ctx, s->txq, n);
}

/* ---------------------------------------------------------------- outcome accounting */
void net_count_drop(struct net_stack *s, enum net_drop why)
{
	s->stats.drops[why]++;
}

void net_drop(struct net_stack *s, struct net_pkt *p, enum net_drop why)
{
	s->stats.drops[why]++;
	if (p)
		net_pkt_free(s, p);
}

void net_accepted(struct net_stack *s, struct net_pkt *p, enum net_accept what)
{
	s->stats.accepted[what]++;
	if (p)
		net_pkt_free(s, p);
}

/* ---------------------------------------------------------------- input */
static int input_one(struct net_stack *s, struct net_pkt *p, bool forwarded)
{
	s->stats.rx_frames++;
	if (p->flags & NET_PKT_RX_CSUM_BAD) {
		net_drop(s, p, NET_DROP_DRIVER_CSUM);
		return NET_INPUT_LOCAL;
	}
	if (!forwarded && s->port.owner_of && s->port.forward) {
		struct net_flow fl;
		int core;
		if (net_classify(s, p, &fl, &core) == NET_CLASS_REMOTE) {
			s->stats.accepted[NET_ACC_FORWARDED]++;
			s->port.forward(s->port.ctx, core, p);
			return NET_INPUT_FORWARDED;
		}
	}
	eth_input(s, p);
	return NET_INPUT_LOCAL;
}

int net_input(struct net_stack *s, struct net_pkt *p)
{
	net_enter(s);
	int r = input_one(s, p, false);
	net_leave(s);
	return r;
}

void net_input_batch(struct net_stack *s, struct net_pkt **pkts, unsigned n)
{
	net_enter(s);
	for (unsigned i = 0; i < n; i++)
		input_one(s, pkts[i], false);
	net_leave(s);
}

int net_input_copy(struct net_stack *s, const void *frame, size_t len, uint16_t rx_flags)
{
	net_enter(s);
	struct net_pkt *p = net_pkt_alloc(s);
	int r;
	if (!p || len > net_pkt_tailroom(p)) {
		s->stats.rx_frames++;
		net_drop(s, p, NET_DROP_NOBUFS_RX);
		r = -NET_ENOBUFS;
	} else {
		memcpy(p->data, frame, len);
		p->len = (uint16_t)len;
		p->flags = rx_flags & (NET_PKT_RX_IP_CSUM_OK | NET_PKT_RX_L4_CSUM_OK | NET_PKT_RX_CSUM_BAD |
				     NET_PKT_RX_LOOPED);
		r = input_one(s, p, false);
	}
	net_leave(s);
	return r;
}

void net_input_forwarded(struct net_stack *s, struct net_pkt *p)
{
	net_enter(s);
	s->stats.injected++;
	input_one(s, p, true);
	net_leave(s);
}

/* The IPv4 header of a frame that is one whole datagram (not a fragment) of
 * protocol proto with at least l4min bytes of its header, its length in *hl;
 * NULL otherwise. */
static const struct ip_hdr *l4_frame(const struct net_pkt *p, uint8_t proto, unsigned l4min, unsigned *hl)
{
	if (p->len < ETH_HLEN + IP_HLEN + l4min)
		return NULL;
	const struct eth_hdr *eh = (const struct eth_hdr *)(const void *)p->data;
	if (net_ntohs(eh->type) != ETH_TYPE_IPV4)
		return NULL;
	const struct ip_hdr *ih = (const struct ip_hdr *)(const void *)(p->data + ETH_HLEN);
	*hl = (unsigned)(ih->vhl & 15) * 4;
	if ((ih->vhl >> 4) != 4 || *hl < IP_HLEN || ih->proto != proto ||
	    (net_ntohs(ih->frag) & (IP_MF | IP_OFFMASK)) || p->len < ETH_HLEN + *hl + l4min)
		return NULL;
	return ih;
}

/* fl from the addresses and from the ports, which TCP and UDP both begin with */
static void flow_fill(struct net_flow *fl, const struct ip_hdr *ih, const uint8_t *l4, uint8_t proto)
{
	fl->laddr = net_ntohl(ih->dst);
	fl->raddr = net_ntohl(ih->src);
	fl->rport = (uint16_t)(l4[0] << 8 | l4[1]);
	fl->lport = (uint16_t)(l4[2] << 8 | l4[3]);
	fl->proto = proto;
}

bool net_tcp_flow_of(struct net_stack *s, const struct net_pkt *p, struct net_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	unsigned hl;
	const struct ip_hdr *ih = l4_frame(p, IP_PROTO_TCP, TCP_HLEN, &hl);
	if (!ih)
		return false;
	uint32_t dst = net_ntohl(ih->dst);
	/* ours, or loopback that never left memory */
	if (!s->ip_addr || (dst != s->ip_addr && !((p->flags & NET_PKT_RX_LOOPED) && (dst >> 24) == 127)))
		return false;
	const struct tcp_hdr *th = (const struct tcp_hdr *)(const void *)(p->data + ETH_HLEN + hl);
	flow_fill(fl, ih, p->data + ETH_HLEN + hl, IP_PROTO_TCP);
	fl->tcp_flags = th->flags;
	return true;
}

/* A UDP datagram (not a fragment) to us or to a broadcast address: its flow,
 * false for anything else. */
static bool udp_flow_of(struct net_stack *s, const struct net_pkt *p, struct net_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	unsigned hl;
	const struct ip_hdr *ih = (p->flags & NET_PKT_RX_LOOPED) ? NULL : l4_frame(p, IP_PROTO_UDP, UDP_HLEN, &hl);
	if (!ih)
		return false;
	uint32_t dst = net_ntohl(ih->dst);
	if (dst != 0xffffffffu && (!s->ip_addr || dst != s->ip_addr) && !ip_is_bcast(s, dst))
		return false;
	flow_fill(fl, ih, p->data + ETH_HLEN + hl, IP_PROTO_UDP);
	return true;
}

enum net_class net_classify(struct net_stack *s, const struct net_pkt *p, struct net_flow *fl,
			    int *core)
{
	*core = s->cfg.core_id;
	struct tcb *tw = NULL;
	if (net_tcp_flow_of(s, p, fl) && !(p->flags & NET_PKT_RX_LOOPED)) {
		struct tcb *t = tcb_lookup(s, fl->laddr, fl->lport, fl->raddr, fl->rport);
		/* a client reusing its port opens a new connection: it is placed
		 * like any other, not kept here by the old one's TIME_WAIT */
		if (t && (t->state != NET_TCP_TIME_WAIT || (fl->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN))
			return NET_CLASS_LOCAL;
		tw = t;
	} else if (udp_flow_of(s, p, fl)) {
		/* a datagram no socket of ours takes (nor our DHCP client) may
		 * be for a socket of another core */
		if (udp_wanted_here(s, fl))
			return NET_CLASS_LOCAL;
	} else {
		return NET_CLASS_OTHER; /* loopback TCP: the port steers it (netd's local delivery) */
	}
	if (!s->port.owner_of)
		return NET_CLASS_LOCAL;
	int c = s->port.owner_of(s->port.ctx, fl);
	if (c < 0 || c == s->cfg.core_id)
		return NET_CLASS_LOCAL;
	if (tw) { /* the new connection lives there: its segments must not meet the old one here */
		s->stats.tcp_tw_handed++;
		tcb_free(s, tw);
	}
	*core = c;
	return NET_CLASS_REMOTE;
}

/* ---------------------------------------------------------------- timers */
void net_misc_deadline(struct net_stack *s, uint64_t t)
{
	if (t < s->misc_deadline)
		s->misc_deadline = t;
}

uint64_t net_poll(struct net_stack *s)
{
	net_enter(s);
	if (s->now >= s->misc_deadline) {
		s->misc_deadline = UINT64_MAX;
		arp_timer(s);
		reasm_timer(s);
		dhcp_timer(s);
	}
	tcp_timers_run(s);
	uint64_t next = min_u64(s->misc_deadline, tcp_next_deadline(s));
	net_leave(s);
	return next;
}

/* ---------------------------------------------------------------- events */
/* The ring holds slots (type and index), each at most once: a slot's
 * ev_queued flag survives its reuse, so the ring never needs more than one
 * entry per socket, and the handle is rebuilt from the live generation when
 * the entry is drained. */
static void evq_push(struct net_stack *s, int type, uint16_t idx)
{
	s->evq[(s->evq_head + s->evq_len) % s->evq_cap] = (type << 16) | idx;
	s->evq_len++;
}

void net_event(struct net_stack *s, int h, unsigned ev)
{
	if (h == 0) {
		s->stack_ev |= (uint8_t)ev;
		if (!s->stack_ev_queued) {
			s->stack_ev_queued = true;
			evq_push(s, 0, 0);
		}
		return;
	}
	uint16_t idx = handle_idx(h);
	if (handle_type(h) == H_TCP) {
		struct tcb *t = &s->tcbs[idx];
		t->ev_pending |= (uint8_t)ev;
		if (!t->ev_queued) {
			t->ev_queued = true;
			evq_push(s, H_TCP, idx);
		}
	} else if (handle_type(h) == H_UDP) {
		struct udp_sock *u = &s->udp[idx];
		u->ev_pending |= (uint8_t)ev;
		if (!u->ev_queued) {
			u->ev_queued = true;
			evq_push(s, H_UDP, idx);
		}
	}
}

unsigned net_events(struct net_stack *s, struct net_event *ev, unsigned max)
{
	unsigned n = 0;
	while (n < max && s->evq_len) {
		int e = s->evq[s->evq_head];
		s->evq_head = (s->evq_head + 1) % s->evq_cap;
		s->evq_len--;
		int type = e >> 16;
		uint16_t idx = (uint16_t)(e & 0xffff);
		unsigned bits = 0;
		int h = 0;
		if (type == 0) {
			bits = s->stack_ev;
			s->stack_ev = 0;
			s->stack_ev_queued = false;
		} else if (type == H_TCP) {
			struct tcb *t = &s->tcbs[idx];
			t->ev_queued = false;
			if (t->used && !(t->flags & TF_ORPHAN)) {
				bits = t->ev_pending;
				h = tcb_handle(s, t);
			}
			t->ev_pending = 0;
		} else {
			struct udp_sock *u = &s->udp[idx];
			u->ev_queued = false;
			if (u->used) {
				bits = u->ev_pending;
				h = handle_make(H_UDP, u->gen, idx);
			}
			u->ev_pending = 0;
		}
		if (bits) {
			ev[n].handle = h;
			ev[n].events = bits;
			n++;
		}
	}
	return n;
}

/* ---------------------------------------------------------------- stats */
const struct net_stats *net_stats(struct net_stack *s)
{
	return &s->stats;
}

void net_usage(struct net_stack *s, struct net_usage *u)
{
	memset(u, 0, sizeof(*u));
	u->pkts_used = s->pkts.used;
	u->pkts_total = s->pkts.total;
	u->blocks_used = s->blks.used;
	u->blocks_total = s->blks.total;
	u->tcbs_total = s->cfg.tcp_conns;
	for (unsigned i = 0; i < s->cfg.tcp_conns; i++)
		if (s->tcbs[i].used)
			u->tcbs_used++;
	u->tcbs_time_wait = s->tw_list.count;
	u->udp_used = udp_count(s);
	u->arp_used = arp_count(s, false);
	u->arp_waiting = arp_count(s, true);
	u->reasm_used = reasm_count(s);
}

static const char *const drop_names[NET_DROP__COUNT] = {
	[NET_DROP_NOBUFS_RX] = "nobufs_rx",
	[NET_DROP_DRIVER_CSUM] = "driver_csum",
	[NET_DROP_ETH_SHORT] = "eth_short",
	[NET_DROP_ETH_NOT_FOR_US] = "eth_not_for_us",
	[NET_DROP_ETH_TYPE] = "eth_type",
	[NET_DROP_ARP_BAD] = "arp_bad",
	[NET_DROP_ARP_NOT_FOR_US] = "arp_not_for_us",
	[NET_DROP_IP_SHORT] = "ip_short",
	[NET_DROP_IP_VERSION] = "ip_version",
	[NET_DROP_IP_HLEN] = "ip_hlen",
	[NET_DROP_IP_LEN] = "ip_len",
	[NET_DROP_IP_CSUM] = "ip_csum",
	[NET_DROP_IP_BAD_SRC] = "ip_bad_src",
	[NET_DROP_IP_NOT_FOR_US] = "ip_not_for_us",
	[NET_DROP_IP_LOOPBACK_WIRE] = "ip_loopback_from_wire",
	[NET_DROP_IP_PROTO] = "ip_proto",
	[NET_DROP_FRAG_BAD] = "frag_bad",
	[NET_DROP_FRAG_TOO_BIG] = "frag_too_big",
	[NET_DROP_FRAG_OVERLAP] = "frag_overlap",
	[NET_DROP_FRAG_DUP] = "frag_dup",
	[NET_DROP_ICMP_SHORT] = "icmp_short",
	[NET_DROP_ICMP_CSUM] = "icmp_csum",
	[NET_DROP_ICMP_TYPE] = "icmp_type",
	[NET_DROP_ICMP_RATE] = "icmp_rate",
	[NET_DROP_ICMP_NO_SOCKET] = "icmp_no_socket",
	[NET_DROP_UDP_SHORT] = "udp_short",
	[NET_DROP_UDP_CSUM] = "udp_csum",
	[NET_DROP_UDP_NO_PORT] = "udp_no_port",
	[NET_DROP_UDP_RCVBUF] = "udp_rcvbuf",
	[NET_DROP_DHCP_BAD] = "dhcp_bad",
	[NET_DROP_TCP_SHORT] = "tcp_short",
	[NET_DROP_TCP_HLEN] = "tcp_hlen",
	[NET_DROP_TCP_CSUM] = "tcp_csum",
	[NET_DROP_TCP_BAD_ADDR] = "tcp_bad_addr",
	[NET_DROP_TCP_NO_SOCKET] = "tcp_no_socket",
	[NET_DROP_TCP_LISTEN_FLAGS] = "tcp_listen_flags",
	[NET_DROP_TCP_PORT_FULL] = "tcp_port_full",
	[NET_DROP_TCP_SYNQ_FULL] = "tcp_synq_full",
	[NET_DROP_TCP_ACCEPTQ_FULL] = "tcp_acceptq_full",
	[NET_DROP_TCP_NO_TCB] = "tcp_no_tcb",
	[NET_DROP_TCP_BAD_COOKIE] = "tcp_bad_cookie",
	[NET_DROP_TCP_SYN_SENT] = "tcp_syn_sent",
	[NET_DROP_TCP_PAWS] = "tcp_paws",
	[NET_DROP_TCP_DUPLICATE] = "tcp_duplicate",
	[NET_DROP_TCP_OUT_OF_WINDOW] = "tcp_out_of_window",
	[NET_DROP_TCP_RST_CHALLENGE] = "tcp_rst_challenge",
	[NET_DROP_TCP_SYN_CHALLENGE] = "tcp_syn_challenge",
	[NET_DROP_TCP_DUP_SYN] = "tcp_dup_syn",
	[NET_DROP_TCP_NO_ACK] = "tcp_no_ack",
	[NET_DROP_TCP_BAD_ACK] = "tcp_bad_ack",
	[NET_DROP_TCP_ACK_TOO_NEW] = "tcp_ack_too_new",
	[NET_DROP_TCP_ACK_TOO_OLD] = "tcp_ack_too_old",
	[NET_DROP_TCP_ZERO_WINDOW] = "tcp_zero_window",
	[NET_DROP_TCP_OOO_FULL] = "tcp_ooo_full",
	[NET_DROP_TCP_NOMEM] = "tcp_nomem",
	[NET_DROP_TCP_AFTER_CLOSE] = "tcp_after_close",
	[NET_DROP_TCP_TIME_WAIT] = "tcp_time_wait",
	[NET_DROP_TX_NOBUFS] = "tx_nobufs",
	[NET_DROP_TX_NO_ROUTE] = "tx_no_route",
	[NET_DROP_ARP_PENDING_FULL] = "arp_pending_full",
	[NET_DROP_ARP_UNRESOLVED] = "arp_unresolved",
	[NET_DROP_ARP_TABLE_FULL] = "arp_table_full",
	[NET_DROP_FRAG_TIMEOUT] = "frag_timeout",
	[NET_DROP_FRAG_EVICTED] = "frag_evicted",
	[NET_DROP_FRAG_NOMEM] = "frag_nomem",
};

const char *net_drop_name(int r)
{
	if (r < 0 || r >= NET_DROP__COUNT || !drop_names[r])
		return "?";
	return drop_names[r];
}
