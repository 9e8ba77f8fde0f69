/* tests/unit/ixgbe/rig.c - see rig.h */
#include "tests/unit/ixgbe/rig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct netdev *rig_nd(struct rig *r, int q)
{
	return q == 0 ? &r->ctl : &r->core[q];
}

static void pool_init(struct rig *r, int n)
{
	struct nd_platform plat;
	ixm_platform(r->m, &plat);
	uint64_t phys;
	uint8_t *mem = plat.dma_alloc(plat.ctx, (size_t)n * RIG_BUFSZ, &phys);
	assert_non_null(mem);
	r->bufs = calloc((size_t)n, sizeof(*r->bufs));
	r->free = calloc((size_t)n, sizeof(*r->free));
	r->nbufs = n;
	for (int i = 0; i < n; i++) {
		r->bufs[i].data = mem + (size_t)i * RIG_BUFSZ;
		r->bufs[i].phys = phys + (uint64_t)i * RIG_BUFSZ;
		r->bufs[i].cap = RIG_BUFSZ;
		r->free[i] = &r->bufs[i];
	}
	r->nfree = n;
}

struct nd_buf *rig_buf(struct rig *r)
{
	if (!r->nfree)
		return NULL;
	struct nd_buf *b = r->free[--r->nfree];
	b->len = 0;
	b->flags = 0;
	return b;
}

void rig_put(struct rig *r, struct nd_buf *b)
{
	assert_true(r->nfree < r->nbufs);
	r->free[r->nfree++] = b;
}

int rig_refill(struct rig *r, int q)
{
	struct nd_buf *tmp[64];
	int total = 0;
	for (;;) {
		int n = 0;
		while (n < 64 && r->nfree)
			tmp[n++] = rig_buf(r);
		if (!n)
			break;
		int took = r->ctl.ops->rx_refill(&r->q[q], tmp, n);
		for (int i = took; i < n; i++)
			rig_put(r, tmp[i]);
		total += took;
		if (took < n)
			break;
	}
	return total;
}

void rig_up(struct rig *r, int nq, int ring, const struct ixm_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->m = ixm_new(cfg);
	r->nq = nq;
	r->ring = ring;
	ixm_set_link(r->m, true);
	/* control instance (core 0) */
	r->ctl.ops = &ixgbe_ops;
	ixm_platform(r->m, &r->ctl.plat);
	assert_true(ixgbe_ops.match(r->ctl.plat.pci));
	assert_int_equal(ixgbe_ops.init(&r->ctl), 0);
	memcpy(r->mac, r->ctl.mac, 6);
	pool_init(r, nq * ring + 1024);
	/* each core: attach, make its queue */
	for (int q = 0; q < nq; q++) {
		struct netdev *nd = rig_nd(r, q);
		if (q) {
			nd->ops = &ixgbe_ops;
			ixm_platform(r->m, &nd->plat);
			nd->max_queues = r->ctl.max_queues;
		}
		assert_int_equal(nd->ops->attach(nd), 0);
		r->q[q].nd = nd;
		struct netq_setup s;
		assert_int_equal(nd->ops->queue_init(&r->q[q], q, ring, &s), 0);
		/* the setup travels to core 0 over a channel */
		assert_int_equal(r->ctl.ops->queue_commit(&r->ctl, &s), 0);
		/* buffers may be posted before start: the tail waits */
		assert_true(rig_refill(r, q) > 0);
	}
	assert_int_equal(r->ctl.ops->start(&r->ctl, nq), 0);
	for (int q = 0; q < nq; q++)
		assert_int_equal(rig_nd(r, q)->ops->queue_start(&r->q[q], NULL), 0);
	if (ixm_error_count(r->m))
		fail_msg("model error during bring-up: %s", ixm_last_error(r->m));
	assert_int_equal(r->ctl.ops->link_up(&r->ctl), 1);
}

void rig_down(struct rig *r)
{
	ixm_free(r->m);
	free(r->bufs);
	free(r->free);
	memset(r, 0, sizeof(*r));
}

uint32_t rig_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 11);
}

uint16_t rig_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)(v >> 16)), w16(p + 2, (uint16_t)v); }

static size_t frame(struct rig *r, uint8_t *out, uint8_t proto, uint32_t sip, uint32_t dip, uint16_t sport,
		    uint16_t dport, size_t plen, uint32_t seed)
{
	size_t l4h = proto == 6 ? 20 : 8;
	size_t len = 14 + 20 + l4h + plen;
	memcpy(out, r->mac, 6);
	const uint8_t src[6] = {0x02, 0, 0, 0, 0xAA, 0x01};
	memcpy(out + 6, src, 6);
	w16(out + 12, 0x0800);
	uint8_t *ip = out + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	w16(ip + 2, (uint16_t)(20 + l4h + plen));
	w16(ip + 4, (uint16_t)seed);
	ip[8] = 64;
	ip[9] = proto;
	w32(ip + 12, sip);
	w32(ip + 16, dip);
	w16(ip + 10, (uint16_t)~rig_csum(ip, 20, 0));
	uint8_t *l4 = ip + 20;
	memset(l4, 0, l4h);
	w16(l4, sport);
	w16(l4 + 2, dport);
	if (proto == 6) {
		w32(l4 + 4, seed);
		l4[12] = 5 << 4;
		l4[13] = 0x02; /* SYN */
		w16(l4 + 14, 65535);
	} else {
		w16(l4 + 4, (uint16_t)(8 + plen));
	}
	uint64_t s = seed * 2654435761u + 1;
	for (size_t i = 0; i < plen; i++)
		l4[l4h + i] = (uint8_t)rig_rand(&s);
	uint16_t c = (uint16_t)~rig_csum(l4, l4h + plen, rig_pseudo(out, len));
	if (proto == 17 && c == 0)
		c = 0xFFFF;
	w16(l4 + (proto == 6 ? 16 : 6), c);
	/* pad to the Ethernet minimum */
	if (len < 60) {
		memset(out + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

size_t rig_tcp(struct rig *r, uint8_t *out, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	       size_t plen, uint32_t seed)
{
	return frame(r, out, 6, sip, dip, sport, dport, plen, seed);
}

size_t rig_udp(struct rig *r, uint8_t *out, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	       size_t plen, uint32_t seed)
{
	return frame(r, out, 17, sip, dip, sport, dport, plen, seed);
}

uint32_t rig_pseudo(const uint8_t *f, size_t len)
{
	(void)len;
	const uint8_t *ip = f + 14;
	uint32_t l4len = (uint32_t)(ip[2] << 8 | ip[3]) - 20;
	uint32_t sum = 0;
	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	return sum + ip[9] + l4len;
}

bool rig_csum_ok(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	if (rig_csum(ip, 20, 0) != 0xFFFF)
		return false;
	size_t l4len = (size_t)(ip[2] << 8 | ip[3]) - 20;
	if (14 + 20 + l4len > len)
		return false;
	return rig_csum(ip + 20, l4len, rig_pseudo(f, len)) == 0xFFFF;
}
