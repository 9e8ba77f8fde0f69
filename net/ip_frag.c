/* IPv4 fragment reassembly (RFC 791, RFC 815-style hole tracking by an
 * 8-byte-block bitmap) with bounded slots, a size limit, overlap rejection
 * and timeouts. (Outgoing fragmentation is in udp.c, its only user.) */
#include "net/internal.h"
#include "net/prot/ip.h"

uint32_t reasm_count(struct net_stack *s)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->cfg.reasm_slots; i++)
		n += s->reasm[i].used;
	return n;
}

static bool bit_get(const uint8_t *bm, uint32_t i)
{
	return (bm[i / 8] >> (i % 8)) & 1;
}

static void bit_set(uint8_t *bm, uint32_t i)
{
	bm[i / 8] = (uint8_t)(bm[i / 8] | (1u << (i % 8)));
}

static void reasm_free(struct net_stack *s, struct reasm *r)
{
	(void)s;
	r->used = false;
	r->delivered = false;
}

/* The reassembled datagram's packet was released by its last user. */
void reasm_pkt_release(struct net_stack *s, struct net_pkt *p)
{
	if (p->owner_idx < s->cfg.reasm_slots)
		reasm_free(s, &s->reasm[p->owner_idx]);
}

static struct reasm *reasm_get(struct net_stack *s, uint32_t src, uint32_t dst, uint16_t id,
			       uint8_t proto)
{
	struct reasm *free_slot = NULL, *oldest = NULL;
	for (unsigned i = 0; i < s->cfg.reasm_slots; i++) {
		struct reasm *r = &s->reasm[i];
		if (!r->used) {
			if (!free_slot)
				free_slot = r;
			continue;
		}
		if (!r->delivered && r->src == src && r->dst == dst && r->id == id && r->proto == proto)
			return r;
		if (!r->delivered && (!oldest || r->expires < oldest->expires))
			oldest = r;
	}
	struct reasm *r = free_slot;
	if (!r && oldest) {
		/* all slots busy: give up the oldest partial datagram */
		net_count_drop(s, NET_DROP_FRAG_EVICTED);
		r = oldest;
	}
	if (!r)
		return NULL;
	memset(r->bitmap, 0, s->cfg.reasm_max / 64 + 1);
	r->used = true;
	r->delivered = false;
	r->have_first = r->have_last = false;
	r->src = src;
	r->dst = dst;
	r->id = id;
	r->proto = proto;
	r->total = 0;
	r->received = 0;
	r->hdrlen = 0;
	r->expires = s->now + MS(s->cfg.reasm_timeout_ms);
	net_misc_deadline(s, r->expires);
	return r;
}

void ip_reasm_input(struct net_stack *s, struct net_pkt *p, uint16_t hlen)
{
	const struct ip_hdr *ih = (const struct ip_hdr *)(const void *)p->data;
	uint16_t frag = net_ntohs(ih->frag);
	uint32_t off = (uint32_t)(frag & IP_OFFMASK) * 8;
	uint32_t len = (uint32_t)p->len - hlen;
	bool more = frag & IP_MF;
	if (len == 0 || (more && (len & 7))) {
		net_drop(s, p, NET_DROP_FRAG_BAD);
		return;
	}
	if (off + len + hlen > IP_MAXPACKET || off + len > s->cfg.reasm_max) {
		/* would exceed the largest datagram (or what we accept) */
		net_drop(s, p, NET_DROP_FRAG_TOO_BIG);
		return;
	}
	struct reasm *r = reasm_get(s, p->src_addr, p->dst_addr, net_ntohs(ih->id), ih->proto);
	if (!r) {
		net_drop(s, p, NET_DROP_FRAG_EVICTED);
		return;
	}
	if (!more) {
		if (r->have_last && r->total != off + len) {
			net_drop(s, p, NET_DROP_FRAG_OVERLAP);
			reasm_free(s, r);
			return;
		}
		/* data already held beyond the end is an inconsistency too */
		for (uint32_t b = (off + len + 7) / 8; b < s->cfg.reasm_max / 8 + 1 && r->received; b++) {
			if (bit_get(r->bitmap, b)) {
				net_drop(s, p, NET_DROP_FRAG_OVERLAP);
				reasm_free(s, r);
				return;
			}
		}
	} else if (r->have_last && off + len > r->total) {
		net_drop(s, p, NET_DROP_FRAG_OVERLAP);
		reasm_free(s, r);
		return;
	}
	/* overlap check: exact repeats are duplicates, anything else poisons the datagram */
	uint32_t b0 = off / 8, b1 = (off + len + 7) / 8;
	uint32_t seen = 0;
	for (uint32_t b = b0; b < b1; b++)
		seen += bit_get(r->bitmap, b);
	uint8_t *dst = r->buf + NET_PKT_HEADROOM + 60 + off;
	if (seen) {
		bool dup = seen == b1 - b0 && memcmp(dst, p->data + hlen, len) == 0;
		if (dup) {
			net_drop(s, p, NET_DROP_FRAG_DUP);
		} else {
			net_drop(s, p, NET_DROP_FRAG_OVERLAP);
			reasm_free(s, r);
		}
		return;
	}
	memcpy(dst, p->data + hlen, len);
	for (uint32_t b = b0; b < b1; b++)
		bit_set(r->bitmap, b);
	r->received += len;
	if (off == 0) {
		r->have_first = true;
		r->hdrlen = (uint8_t)hlen;
		memcpy(r->hdr, p->data, hlen);
		memcpy(r->first_payload, p->data + hlen, len < 8 ? len : 8);
	}
	if (!more) {
		r->have_last = true;
		r->total = off + len;
	}
	net_accepted(s, p, NET_ACC_FRAG_QUEUED);
	if (!(r->have_first && r->have_last && r->received == r->total))
		return;

	if ((uint32_t)r->hdrlen + r->total > IP_MAXPACKET) {
		/* a datagram came out of reassembly and is dropped as a whole */
		s->stats.rx_reassembled++;
		net_count_drop(s, NET_DROP_FRAG_TOO_BIG);
		reasm_free(s, r);
		return;
	}
	/* complete: build the datagram (first fragment's header, options kept) in front */
	r->delivered = true;
	struct net_pkt *d = &r->pkt;
	memset(d, 0, sizeof(*d));
	d->buf = r->buf;
	d->cap = (uint16_t)min_u32(NET_PKT_HEADROOM + 60 + s->cfg.reasm_max, 0xffff);
	d->data = r->buf + NET_PKT_HEADROOM + 60 - r->hdrlen;
	memcpy(d->data, r->hdr, r->hdrlen);
	d->len = (uint16_t)(r->hdrlen + r->total);
	d->refcnt = 1;
	d->owner = 1;
	d->owner_idx = (uint8_t)(r - s->reasm);
	struct ip_hdr *nh = (struct ip_hdr *)(void *)d->data;
	nh->len = net_htons(d->len);
	nh->frag = 0;
	nh->csum = 0;
	nh->csum = csum_ip_hdr(nh, r->hdrlen);
	d->src_addr = r->src;
	d->dst_addr = r->dst;
	d->proto = r->proto;
	d->bcast = ip_is_bcast(s, r->dst);
	s->stats.rx_reassembled++;
	ip_deliver(s, d);
}

void reasm_timer(struct net_stack *s)
{
	for (unsigned i = 0; i < s->cfg.reasm_slots; i++) {
		struct reasm *r = &s->reasm[i];
		if (!r->used || r->delivered)
			continue;
		if (s->now < r->expires) {
			net_misc_deadline(s, r->expires);
			continue;
		}
		net_count_drop(s, NET_DROP_FRAG_TIMEOUT);
		/* RFC 792/1122: time exceeded (reassembly) only if fragment zero arrived */
		if (r->have_first && !ip_is_bcast(s, r->dst)) {
			uint8_t quote[68];
			memcpy(quote, r->hdr, r->hdrlen);
			memcpy(quote + r->hdrlen, r->first_payload, 8);
			icmp_error(s, quote, (uint32_t)r->hdrlen + 8, 11, 1, 0);
		}
		reasm_free(s, r);
	}
}
