#include "tests/unit/net/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/prot/arp.h"
#include "net/prot/eth.h"
#include "net/prot/icmp.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"
#include "net/prot/udp.h"

uint64_t rng_next(uint64_t *st)
{
	/* splitmix64 */
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

double rng_unit(uint64_t *st)
{
	return (double)(rng_next(st) >> 11) / 9007199254740992.0;
}

/* ---------------------------------------------------------------- port */
static uint64_t port_now(void *ctx)
{
	struct node *n = ctx;
	return *n->clock;
}

static void port_random(void *ctx, void *buf, size_t len)
{
	struct node *n = ctx;
	uint8_t *b = buf;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rng_next(&n->rng);
}

static void port_log(void *ctx, int level, const char *msg)
{
	struct node *n = ctx;
	if (getenv("NET_TEST_LOG"))
		fprintf(stderr, "[node%d t=%.6f L%d] %s\n", n->id, (double)*n->clock / 1e9, level, msg);
}

static void complete_offload(struct net_pkt *p)
{
	if (p->flags & NET_PKT_TX_L4_CSUM) {
		/* the field holds the pseudo-header sum: sum everything from
		 * csum_start and store the complement, as a NIC does */
		uint8_t *start = p->data + p->csum_start;
		size_t len = p->len - p->csum_start;
		uint16_t c = csum_fold(csum_add(0, start, len));
		memcpy(start + p->csum_offset, &c, 2);
	}
	if (p->flags & NET_PKT_TX_IP_CSUM) {
		uint8_t *ih = p->data + p->l3_off;
		unsigned hl = (unsigned)(ih[0] & 15) * 4;
		memset(ih + 10, 0, 2);
		uint16_t c = csum_ip_hdr(ih, hl);
		memcpy(ih + 10, &c, 2);
	}
}

static void wire_send(struct sim *s, int from, const uint8_t *d, size_t len);

static void port_tx(void *ctx, struct net_pkt **pkts, unsigned cnt)
{
	struct node *n = ctx;
	for (unsigned i = 0; i < cnt; i++) {
		struct net_pkt *p = pkts[i];
		if (n->emulate_offload)
			complete_offload(p);
		else if (p->flags & (NET_PKT_TX_L4_CSUM | NET_PKT_TX_IP_CSUM))
			abort(); /* offload flags without an offloading driver */
		if (n->sim) {
			wire_send(n->sim, n->id, p->data, p->len);
		} else {
			if (n->ncap == n->capcap) {
				n->capcap = n->capcap ? n->capcap * 2 : 64;
				n->cap = realloc(n->cap, n->capcap * sizeof(*n->cap));
			}
			n->cap[n->ncap].t = *n->clock;
			n->cap[n->ncap].len = p->len;
			memcpy(n->cap[n->ncap].data, p->data, p->len);
			n->ncap++;
		}
		net_pkt_free(n->st, p);
	}
}

static int port_owner(void *ctx, const struct net_flow *f)
{
	struct node *n = ctx;
	return n->owner_of ? n->owner_of(n, f) : -1;
}

static bool port_flow_ok(void *ctx, const struct net_flow *f)
{
	struct node *n = ctx;
	return n->flow_ok ? n->flow_ok(n, f) : true;
}

static void port_forward(void *ctx, int core, struct net_pkt *p)
{
	struct node *n = ctx;
	n->fwd = realloc(n->fwd, (n->nfwd + 1) * sizeof(*n->fwd));
	n->fwd_core = realloc(n->fwd_core, (n->nfwd + 1) * sizeof(int));
	n->fwd[n->nfwd].len = p->len;
	memcpy(n->fwd[n->nfwd].data, p->data, p->len);
	n->fwd_core[n->nfwd] = core;
	n->nfwd++;
	net_pkt_free(n->st, p);
}

void test_config(struct net_config *c, uint8_t mac_last)
{
	net_config_default(c);
	c->mac[0] = 0x02;
	c->mac[1] = 0x00;
	c->mac[5] = mac_last;
	c->pkt_bufs = 256;
	c->data_blocks = 1024;
	c->tcp_conns = 64;
	c->udp_socks = 8;
	c->log_level = getenv("NET_TEST_LOG") ? NET_LOG_DEBUG : NET_LOG_WARN;
}

static void node_init_port(struct node *n, uint64_t *clock, const struct net_config *cfg, uint64_t seed,
			   bool hooks)
{
	memset(n, 0, sizeof(*n));
	n->cfg = *cfg;
	n->clock = clock;
	n->rng = seed;
	n->memlen = net_mem_size(cfg);
	if (!n->memlen)
		abort();
	n->mem = aligned_alloc(64, (n->memlen + 63) & ~(size_t)63);
	struct net_port port = {
		.ctx = n,
		.now_ns = port_now,
		.tx = port_tx,
		.random = port_random,
		.log = port_log,
	};
	if (hooks) {
		port.owner_of = port_owner;
		port.forward = port_forward;
		port.flow_ok = port_flow_ok;
	}
	n->st = net_init(n->mem, n->memlen, cfg, &port);
	if (!n->st)
		abort();
}

void node_init(struct node *n, uint64_t *clock, const struct net_config *cfg, uint64_t seed)
{
	node_init_port(n, clock, cfg, seed, false);
}

void node_init_mk(struct node *n, uint64_t *clock, const struct net_config *cfg, uint64_t seed)
{
	node_init_port(n, clock, cfg, seed, true);
}

void node_fini(struct node *n)
{
	free(n->mem);
	free(n->cap);
	free(n->fwd);
	free(n->fwd_core);
	memset(n, 0, sizeof(*n));
}

size_t cap_count(struct node *n)
{
	return n->ncap - n->caphead;
}

bool cap_pop(struct node *n, struct frame *f)
{
	if (n->caphead == n->ncap)
		return false;
	*f = n->cap[n->caphead++];
	if (n->caphead == n->ncap)
		n->caphead = n->ncap = 0;
	return true;
}

void cap_clear(struct node *n)
{
	n->caphead = n->ncap = 0;
}

int node_input(struct node *n, const void *frame, size_t len)
{
	return net_input_copy(n->st, frame, len, 0);
}

uint64_t node_poll(struct node *n)
{
	return net_poll(n->st);
}

void node_advance(struct node *n, uint64_t t)
{
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t next = net_poll(n->st);
		if (next > t)
			break;
		if (next > *n->clock)
			*n->clock = next;
	}
	*n->clock = t;
	net_poll(n->st);
}

/* ---------------------------------------------------------------- parsing */
uint16_t inet_csum(const void *data, size_t len, uint32_t start)
{
	return csum_fold(csum_add(start, data, len));
}

bool parse_frame(const uint8_t *f, size_t len, struct pf *p)
{
	memset(p, 0, sizeof(*p));
	if (len < ETH_HLEN)
		return false;
	memcpy(p->dst, f, 6);
	memcpy(p->src, f + 6, 6);
	p->type = (uint16_t)(f[12] << 8 | f[13]);
	const uint8_t *d = f + ETH_HLEN;
	size_t n = len - ETH_HLEN;
	if (p->type == ETH_TYPE_ARP) {
		if (n < 28)
			return false;
		const struct arp_hdr *a = (const void *)d;
		p->arp_op = net_ntohs(a->op);
		p->arp_spa = net_ntohl(a->spa);
		p->arp_tpa = net_ntohl(a->tpa);
		memcpy(p->arp_sha, a->sha, 6);
		memcpy(p->arp_tha, a->tha, 6);
		return true;
	}
	if (p->type != ETH_TYPE_IPV4 || n < IP_HLEN)
		return false;
	const struct ip_hdr *ih = (const void *)d;
	p->is_ip = true;
	p->ip_hl = (uint8_t)((ih->vhl & 15) * 4);
	p->ip_src = net_ntohl(ih->src);
	p->ip_dst = net_ntohl(ih->dst);
	p->proto = ih->proto;
	p->ttl = ih->ttl;
	p->ip_id = net_ntohs(ih->id);
	p->ip_frag = net_ntohs(ih->frag);
	p->ip_len = net_ntohs(ih->len);
	if (p->ip_len > n || p->ip_hl < IP_HLEN)
		return false;
	p->ip_csum_ok = inet_csum(ih, p->ip_hl, 0) == 0;
	const uint8_t *l4 = d + p->ip_hl;
	size_t l4len = p->ip_len - p->ip_hl;
	if (p->ip_frag & (IP_MF | IP_OFFMASK)) {
		p->payload = l4;
		p->plen = l4len;
		return true;
	}
	uint32_t ps = csum_pseudo(p->ip_src, p->ip_dst, p->proto, (uint16_t)l4len);
	if (p->proto == IP_PROTO_TCP && l4len >= TCP_HLEN) {
		const struct tcp_hdr *th = (const void *)l4;
		p->sport = net_ntohs(th->sport);
		p->dport = net_ntohs(th->dport);
		p->seq = net_ntohl(th->seq);
		p->ack = net_ntohl(th->ack);
		p->flags = th->flags;
		p->win = net_ntohs(th->win);
		p->tcp_hl = (uint8_t)((th->off >> 4) * 4);
		p->optraw = l4 + TCP_HLEN;
		p->optlen = p->tcp_hl - TCP_HLEN;
		tcp_parse_opts(p->optraw, (unsigned)p->optlen, (p->flags & TCP_SYN) != 0, &p->opts);
		p->payload = l4 + p->tcp_hl;
		p->plen = l4len - p->tcp_hl;
		p->l4_csum_ok = inet_csum(l4, l4len, ps) == 0;
	} else if (p->proto == IP_PROTO_UDP && l4len >= UDP_HLEN) {
		const struct udp_hdr *uh = (const void *)l4;
		p->sport = net_ntohs(uh->sport);
		p->dport = net_ntohs(uh->dport);
		p->payload = l4 + UDP_HLEN;
		p->plen = l4len - UDP_HLEN;
		p->l4_csum_ok = uh->csum == 0 || inet_csum(l4, l4len, ps) == 0;
	} else if (p->proto == IP_PROTO_ICMP && l4len >= ICMP_HLEN) {
		const struct icmp_hdr *h = (const void *)l4;
		p->icmp_type = h->type;
		p->icmp_code = h->code;
		p->icmp_id = net_ntohs(h->u.echo.id);
		p->icmp_seq = net_ntohs(h->u.echo.seq);
		p->payload = l4 + ICMP_HLEN;
		p->plen = l4len - ICMP_HLEN;
		p->l4_csum_ok = inet_csum(l4, l4len, 0) == 0;
	}
	return true;
}

/* ---------------------------------------------------------------- building */
static size_t put_eth(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint16_t type)
{
	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
	return ETH_HLEN;
}

static size_t put_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
		     uint16_t frag, size_t paylen)
{
	struct ip_hdr *ih = (void *)buf;
	ih->vhl = 0x45;
	ih->tos = 0;
	ih->len = net_htons((uint16_t)(IP_HLEN + paylen));
	ih->id = net_htons(id);
	ih->frag = net_htons(frag);
	ih->ttl = 64;
	ih->proto = proto;
	ih->csum = 0;
	ih->src = net_htonl(src);
	ih->dst = net_htonl(dst);
	ih->csum = csum_ip_hdr(ih, IP_HLEN);
	return IP_HLEN;
}

size_t build_tcp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], const struct seg_spec *g)
{
	size_t o = put_eth(buf, dmac, smac, ETH_TYPE_IPV4);
	size_t hl = TCP_HLEN + g->optlen;
	size_t l4len = hl + g->len;
	o += put_ip(buf + o, g->src, g->dst, IP_PROTO_TCP, 1, IP_DF, l4len);
	struct tcp_hdr *th = (void *)(buf + o);
	th->sport = net_htons(g->sport);
	th->dport = net_htons(g->dport);
	th->seq = net_htonl(g->seq);
	th->ack = net_htonl(g->ack);
	th->off = (uint8_t)((hl / 4) << 4);
	th->flags = g->flags;
	th->win = net_htons(g->win);
	th->csum = 0;
	th->urg = 0;
	if (g->optlen)
		memcpy(buf + o + TCP_HLEN, g->opts, g->optlen);
	if (g->len)
		memcpy(buf + o + hl, g->data, g->len);
	th->csum = inet_csum(buf + o, l4len, csum_pseudo(g->src, g->dst, IP_PROTO_TCP, (uint16_t)l4len));
	return o + l4len;
}

size_t build_udp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		 uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	size_t o = put_eth(buf, dmac, smac, ETH_TYPE_IPV4);
	o += put_ip(buf + o, src, dst, IP_PROTO_UDP, 2, 0, UDP_HLEN + len);
	struct udp_hdr *uh = (void *)(buf + o);
	uh->sport = net_htons(sport);
	uh->dport = net_htons(dport);
	uh->len = net_htons((uint16_t)(UDP_HLEN + len));
	uh->csum = 0;
	memcpy(buf + o + UDP_HLEN, data, len);
	uint16_t c = inet_csum(buf + o, UDP_HLEN + len, csum_pseudo(src, dst, IP_PROTO_UDP, (uint16_t)(UDP_HLEN + len)));
	uh->csum = c ? c : 0xffff;
	return o + UDP_HLEN + len;
}

size_t build_icmp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		  uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const void *data, size_t len)
{
	size_t o = put_eth(buf, dmac, smac, ETH_TYPE_IPV4);
	o += put_ip(buf + o, src, dst, IP_PROTO_ICMP, 3, 0, ICMP_HLEN + len);
	struct icmp_hdr *h = (void *)(buf + o);
	h->type = type;
	h->code = code;
	h->csum = 0;
	h->u.echo.id = net_htons(id);
	h->u.echo.seq = net_htons(seq);
	memcpy(buf + o + ICMP_HLEN, data, len);
	h->csum = inet_csum(buf + o, ICMP_HLEN + len, 0);
	return o + ICMP_HLEN + len;
}

size_t build_arp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint16_t op,
		 const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	size_t o = put_eth(buf, dmac, smac, ETH_TYPE_ARP);
	struct arp_hdr *a = (void *)(buf + o);
	a->htype = net_htons(1);
	a->ptype = net_htons(ETH_TYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op = net_htons(op);
	memcpy(a->sha, sha, 6);
	a->spa = net_htonl(spa);
	memcpy(a->tha, tha, 6);
	a->tpa = net_htonl(tpa);
	return o + sizeof(*a);
}

size_t build_ip(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		uint8_t proto, uint16_t id, uint16_t frag_field, const void *payload, size_t len)
{
	size_t o = put_eth(buf, dmac, smac, ETH_TYPE_IPV4);
	o += put_ip(buf + o, src, dst, proto, id, frag_field, len);
	memcpy(buf + o, payload, len);
	return o + len;
}

size_t opt_syn(uint8_t *o, uint16_t mss, int wscale, bool sack, bool ts, uint32_t tsval, uint32_t tsecr)
{
	size_t n = 0;
	o[n++] = TCPOPT_MSS;
	o[n++] = 4;
	o[n++] = (uint8_t)(mss >> 8);
	o[n++] = (uint8_t)mss;
	if (sack) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = 2;
	}
	if (ts)
		n += opt_ts(o + n, tsval, tsecr);
	if (wscale >= 0) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WSCALE;
		o[n++] = 3;
		o[n++] = (uint8_t)wscale;
	}
	return n;
}

size_t opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr)
{
	size_t n = 0;
	o[n++] = TCPOPT_NOP;
	o[n++] = TCPOPT_NOP;
	uint8_t *p = o;
	p[n++] = TCPOPT_TS;
	p[n++] = 10;
	for (int i = 3; i >= 0; i--)
		p[n++] = (uint8_t)(tsval >> (8 * i));
	for (int i = 3; i >= 0; i--)
		p[n++] = (uint8_t)(tsecr >> (8 * i));
	return n;
}

/* ---------------------------------------------------------------- wire */
void sim_init(struct sim *s, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->rng = seed;
	s->imp.delay_ns = 50000;
	s->imp.reorder_extra_ns = 300000;
}

void sim_fini(struct sim *s)
{
	for (size_t i = 0; i < s->nheap; i++)
		free(s->heap[i].data);
	free(s->heap);
	memset(s, 0, sizeof(*s));
}

void sim_add(struct sim *s, struct node *n)
{
	n->sim = s;
	n->id = s->n;
	n->clock = &s->now;
	s->nodes[s->n++] = n;
}

static bool wf_less(const struct wire_frame *a, const struct wire_frame *b)
{
	return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static void heap_push(struct sim *s, struct wire_frame f)
{
	if (s->nheap == s->capheap) {
		s->capheap = s->capheap ? s->capheap * 2 : 256;
		s->heap = realloc(s->heap, s->capheap * sizeof(*s->heap));
	}
	size_t i = s->nheap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!wf_less(&f, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = f;
}

static struct wire_frame heap_pop(struct sim *s)
{
	struct wire_frame top = s->heap[0];
	struct wire_frame last = s->heap[--s->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && wf_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!wf_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
	return top;
}

static void enqueue(struct sim *s, int from, const uint8_t *d, size_t len, uint64_t at, bool corrupt)
{
	struct wire_frame f;
	f.at = at;
	f.seq = s->seq++;
	f.from = from;
	f.len = len;
	f.data = malloc(len);
	memcpy(f.data, d, len);
	if (corrupt) {
		/* one byte of the IPv4 packet changed: every checksum catches this */
		size_t lo = ETH_HLEN;
		size_t pos = lo + rng_next(&s->rng) % (len - lo);
		f.data[pos] ^= (uint8_t)(1 + rng_next(&s->rng) % 255);
		f.from |= 0x100; /* mark */
	}
	heap_push(s, f);
}

static void wire_send(struct sim *s, int from, const uint8_t *d, size_t len)
{
	s->sent++;
	uint64_t start = s->now;
	if (s->imp.bps) {
		if (s->link_free[from] > start)
			start = s->link_free[from];
		s->link_free[from] = start + (uint64_t)len * 8ull * 1000000000ull / s->imp.bps;
		start = s->link_free[from];
	}
	if (rng_unit(&s->rng) < s->imp.loss) {
		s->lost++;
		return;
	}
	bool is_ip = len > ETH_HLEN + 20 && d[12] == 0x08 && d[13] == 0x00;
	int copies = 1;
	if (rng_unit(&s->rng) < s->imp.dup) {
		s->duped++;
		copies = 2;
	}
	for (int c = 0; c < copies; c++) {
		uint64_t at = start + s->imp.delay_ns;
		if (rng_unit(&s->rng) < s->imp.reorder) {
			s->reordered++;
			at += 1 + rng_next(&s->rng) % s->imp.reorder_extra_ns;
		}
		bool corrupt = is_ip && rng_unit(&s->rng) < s->imp.corrupt;
		if (corrupt)
			s->corrupted++;
		enqueue(s, from, d, len, at, corrupt);
	}
}

bool sim_run(struct sim *s, uint64_t limit_ns, bool (*step)(void *ctx), void *ctx)
{
	uint64_t same_time = 0, last_now = UINT64_MAX;
	for (;;) {
		s->steps++;
		while (s->nheap && s->heap[0].at <= s->now) {
			struct wire_frame f = heap_pop(s);
			int from = f.from & 0xff;
			for (int i = 0; i < s->n; i++) {
				if (i == from)
					continue;
				s->delivered++;
				if (f.from & 0x100)
					s->corrupt_delivered++;
				net_input_copy(s->nodes[i]->st, f.data, f.len, 0);
			}
			free(f.data);
		}
		uint64_t next = UINT64_MAX;
		for (int i = 0; i < s->n; i++) {
			uint64_t d = net_poll(s->nodes[i]->st);
			if (d < next)
				next = d;
		}
		if (step && step(ctx))
			return true;
		/* frames sent by step() or timers may already be due */
		if (s->nheap && s->heap[0].at < next)
			next = s->heap[0].at;
		if (next == UINT64_MAX || next > limit_ns)
			return false;
		if (next > s->now)
			s->now = next;
		if (s->now == last_now) {
			if (++same_time > 1000000) {
				fprintf(stderr, "sim: no progress at t=%llu\n", (unsigned long long)s->now);
				abort();
			}
		} else {
			same_time = 0;
			last_now = s->now;
		}
	}
}

/* ---------------------------------------------------------------- accounting */
uint64_t drops_total(struct net_stack *st)
{
	const struct net_stats *ns = net_stats(st);
	uint64_t d = 0;
	for (int i = 0; i < NET_DROP__RX_END; i++)
		d += ns->drops[i];
	return d;
}

bool outcomes_balance(struct net_stack *st)
{
	const struct net_stats *ns = net_stats(st);
	uint64_t acc = 0;
	for (int i = 0; i < NET_ACC__COUNT; i++)
		acc += ns->accepted[i];
	uint64_t in = ns->rx_frames + ns->rx_reassembled;
	uint64_t out = drops_total(st) + acc;
	if (in != out)
		fprintf(stderr, "outcomes: in %llu (frames %llu + reassembled %llu) != drops %llu + accepted %llu\n",
			(unsigned long long)in, (unsigned long long)ns->rx_frames,
			(unsigned long long)ns->rx_reassembled, (unsigned long long)drops_total(st),
			(unsigned long long)acc);
	return in == out;
}

void print_drops(struct net_stack *st, const char *label)
{
	const struct net_stats *ns = net_stats(st);
	fprintf(stderr, "# %s drops:", label);
	for (int i = 0; i < NET_DROP__COUNT; i++)
		if (ns->drops[i])
			fprintf(stderr, " %s=%llu", net_drop_name(i), (unsigned long long)ns->drops[i]);
	fprintf(stderr, "\n");
}
