/* Packet buffer pool: fixed-size buffers with headroom, reference counted. */
#include "net/internal.h"

static const uint8_t guard_byte = 0xa5;

static void guard_set(struct net_pkt *p)
{
	memset(p->buf + p->cap, guard_byte, NET_PKT_GUARD);
}

static bool guard_ok(const struct net_pkt *p)
{
	for (unsigned i = 0; i < NET_PKT_GUARD; i++)
		if (p->buf[p->cap + i] != guard_byte)
			return false;
	return true;
}

void pkt_pool_init(struct pkt_pool *pp, struct net_pkt *descs, uint8_t *mem, uint32_t n)
{
	pp->descs = descs;
	pp->mem = mem;
	pp->free = NULL;
	pp->total = n;
	pp->used = 0;
	for (uint32_t i = n; i-- > 0;) {
		struct net_pkt *p = &descs[i];
		memset(p, 0, sizeof(*p));
		p->buf = mem + (size_t)i * NET_PKT_BUFSIZE;
		p->cap = NET_PKT_BUFSIZE - NET_PKT_GUARD;
		guard_set(p);
		p->next = pp->free;
		pp->free = p;
	}
}

struct net_pkt *net_pkt_alloc(struct net_stack *s)
{
	struct pkt_pool *pp = &s->pkts;
	struct net_pkt *p = pp->free;
	if (!p)
		return NULL;
	pp->free = p->next;
	pp->used++;
	uint8_t *buf = p->buf;
	uint16_t cap = p->cap;
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->cap = cap;
	p->data = buf + NET_PKT_HEADROOM;
	p->refcnt = 1;
	return p;
}

void net_pkt_ref(struct net_pkt *p)
{
	p->refcnt++;
}

void net_pkt_free(struct net_stack *s, struct net_pkt *p)
{
	if (!p || p->refcnt == 0)
		return;
	if (--p->refcnt)
		return;
	if (p->owner == 1) {
		reasm_pkt_release(s, p);
		return;
	}
	if (!guard_ok(p)) {
		/* something wrote past this buffer's room: count it, repair the
		 * guard (the neighbour's data may be damaged; tests fail on it) */
		s->stats.pkt_guard_broken++;
		guard_set(p);
	}
	p->next = s->pkts.free;
	s->pkts.free = p;
	s->pkts.used--;
}

uint8_t *net_pkt_push(struct net_pkt *p, uint16_t n)
{
	if ((size_t)(p->data - p->buf) < n)
		return NULL;
	p->data -= n;
	p->len = (uint16_t)(p->len + n);
	return p->data;
}

uint8_t *net_pkt_pull(struct net_pkt *p, uint16_t n)
{
	if (p->len < n)
		return NULL;
	p->data += n;
	p->len = (uint16_t)(p->len - n);
	return p->data;
}

/* A private copy (used when a shared packet must be modified). */
struct net_pkt *pkt_clone(struct net_stack *s, const struct net_pkt *p)
{
	struct net_pkt *c = net_pkt_alloc(s);
	if (!c)
		return NULL;
	if (p->len > c->cap - NET_PKT_HEADROOM) {
		net_pkt_free(s, c);
		return NULL;
	}
	memcpy(c->data, p->data, p->len);
	c->len = p->len;
	c->flags = p->flags;
	return c;
}
