/* ICMP (RFC 792, RFC 1122 3.2.2): echo, errors in and out, rate limiting. */
#include "net/internal.h"
#include "net/prot/icmp.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"
#include "net/prot/udp.h"

/* icmp_rate_per_s messages a second, bursts of icmp_burst */
bool icmp_rate_ok(struct net_stack *s)
{
	return net_bucket_take(s, &s->icmp_tokens, &s->icmp_last, s->cfg.icmp_rate_per_s,
			       s->cfg.icmp_burst);
}

/* Sends from src, one of our addresses: the one the offending datagram or
 * the echo request was sent to. */
static void icmp_send(struct net_stack *s, struct net_pkt *p, uint32_t src, uint32_t dst)
{
	struct icmp_hdr *h = (struct icmp_hdr *)(void *)p->data;
	h->csum = 0;
	h->csum = csum_fold(csum_add(0, p->data, p->len));
	s->stats.icmp_out++;
	ip_output(s, p, src, dst, IP_PROTO_ICMP, s->cfg.ttl, false);
}

void icmp_error(struct net_stack *s, const uint8_t *iph, uint32_t avail, uint8_t type, uint8_t code,
		uint16_t mtu)
{
	if (avail < IP_HLEN)
		return;
	const struct ip_hdr *ih = (const struct ip_hdr *)(const void *)iph;
	uint32_t hl = (uint32_t)(ih->vhl & 15) * 4;
	uint32_t src = net_ntohl(ih->src), dst = net_ntohl(ih->dst);
	if ((!s->ip_addr && !ip_is_loopback(src)) || ip_bad_peer(s, src))
		return;
	/* never about broadcasts, non-initial fragments or ICMP errors */
	if (hl < IP_HLEN || hl > avail || ip_is_bcast(s, dst) ||
	    (net_ntohs(ih->frag) & IP_OFFMASK))
		return;
	if (ih->proto == IP_PROTO_ICMP) {
		if (avail < hl + 1)
			return;
		uint8_t t = iph[hl];
		if (t != ICMP_ECHO && t != ICMP_ECHOREPLY)
			return;
	}
	if (!icmp_rate_ok(s)) {
		net_count_drop(s, NET_DROP_ICMP_RATE);
		return;
	}
	uint32_t quote = min_u32(avail, hl + 8);
	struct net_pkt *p = net_pkt_alloc(s);
	struct icmp_hdr *h = p ? (struct icmp_hdr *)(void *)net_pkt_put(p, ICMP_HLEN + quote) : NULL;
	if (!h) {
		net_pkt_free(s, p);
		net_count_drop(s, NET_DROP_TX_NOBUFS);
		return;
	}
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->code = code;
	if (type == ICMP_UNREACH && code == ICMP_UNREACH_NEEDFRAG)
		h->u.frag.mtu = net_htons(mtu);
	memcpy(p->data + ICMP_HLEN, iph, quote);
	icmp_send(s, p, ip_is_local(s, dst) ? dst : ip_src_for(s, src), src);
}

/* An error quoting one of our datagrams: tell the transport. */
static void icmp_error_input(struct net_stack *s, struct net_pkt *p, const struct icmp_hdr *h)
{
	uint32_t avail = (uint32_t)p->len - ICMP_HLEN;
	const uint8_t *q = p->data + ICMP_HLEN;
	if (avail < IP_HLEN + 8) {
		net_drop(s, p, NET_DROP_ICMP_SHORT);
		return;
	}
	const struct ip_hdr *ih = (const struct ip_hdr *)(const void *)q;
	uint32_t hl = (uint32_t)(ih->vhl & 15) * 4;
	if ((ih->vhl >> 4) != 4 || hl < IP_HLEN || avail < hl + 8 ||
	    !ip_is_local(s, net_ntohl(ih->src))) {
		net_drop(s, p, NET_DROP_ICMP_SHORT);
		return;
	}
	uint32_t dst = net_ntohl(ih->dst);
	const uint8_t *l4 = q + hl;
	uint16_t sport, dport;
	memcpy(&sport, l4, 2);
	memcpy(&dport, l4 + 2, 2);
	sport = net_ntohs(sport);
	dport = net_ntohs(dport);
	if (ih->proto == IP_PROTO_TCP) {
		uint32_t seq;
		memcpy(&seq, l4 + 4, 4);
		tcp_icmp_error(s, dst, sport, dport, net_ntohl(seq), h->type, h->code,
			       net_ntohs(h->u.frag.mtu));
	} else if (ih->proto == IP_PROTO_UDP) {
		int err = 0;
		if (h->type == ICMP_UNREACH)
			err = h->code == ICMP_UNREACH_PORT || h->code == ICMP_UNREACH_PROTO
				      ? NET_ECONNREFUSED
				      : NET_EHOSTUNREACH;
		if (err)
			udp_icmp_error(s, dst, sport, dport, err);
	}
	net_accepted(s, p, NET_ACC_ICMP);
}

/* ip_output_frags() reads an echo reply: the request's bytes with the
 * reply's 4-byte header in front */
struct echo_src {
	const uint8_t *req;
	uint8_t hdr[4];
};

static void echo_read(void *ctx, uint32_t off, uint8_t *to, uint32_t n)
{
	struct echo_src *e = ctx;
	memcpy(to, e->req + off, n);
	for (uint32_t i = off; i < 4 && i < off + n; i++)
		to[i - off] = e->hdr[i];
}

/* Answer an echo request (p->data at its ICMP header, checksum verified,
 * possibly reassembled from fragments and so larger than one frame). A reply
 * that does not fit in one frame leaves in fragments. Consumes p. */
static void echo_reply(struct net_stack *s, struct net_pkt *p)
{
	uint32_t to = p->src_addr, from = p->dst_addr, len = p->len;
	struct echo_src e = { p->data, { ICMP_ECHOREPLY, 0, 0, 0 } };
	uint16_t ck = csum_fold(csum_add(csum_add(0, e.hdr, 4), p->data + 4, len - 4));
	memcpy(e.hdr + 2, &ck, 2);
	if (len + IP_HLEN > s->cfg.mtu) {
		s->stats.icmp_out++;
		s->stats.icmp_echo_replies++;
		ip_output_frags(s, from, to, IP_PROTO_ICMP, s->cfg.ttl, len, echo_read, &e);
		net_accepted(s, p, NET_ACC_ICMP);
		return;
	}
	struct net_pkt *r = net_pkt_alloc(s);
	uint8_t *d = r ? net_pkt_put(r, len) : NULL;
	if (!d) {
		net_pkt_free(s, r);
		net_count_drop(s, NET_DROP_TX_NOBUFS);
		net_accepted(s, p, NET_ACC_ICMP);
		return;
	}
	echo_read(&e, 0, d, len);
	s->stats.icmp_out++;
	s->stats.icmp_echo_replies++;
	net_accepted(s, p, NET_ACC_ICMP);
	ip_output(s, r, from, to, IP_PROTO_ICMP, s->cfg.ttl, false);
}

void icmp_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < ICMP_HLEN) {
		net_drop(s, p, NET_DROP_ICMP_SHORT);
		return;
	}
	if (csum_fold(csum_add(0, p->data, p->len)) != 0) {
		net_drop(s, p, NET_DROP_ICMP_CSUM);
		return;
	}
	const struct icmp_hdr *h = (const struct icmp_hdr *)(const void *)p->data;
	switch (h->type) {
	case ICMP_ECHO: {
		/* RFC 1122 3.2.2.6: a broadcast echo may be ignored; we do */
		if (p->bcast || (!s->ip_addr && !ip_is_loopback(p->dst_addr))) {
			net_drop(s, p, NET_DROP_ICMP_TYPE);
			return;
		}
		if (!icmp_rate_ok(s)) {
			net_drop(s, p, NET_DROP_ICMP_RATE);
			return;
		}
		echo_reply(s, p);
		return;
	}
	case ICMP_ECHOREPLY:
		if (udp_echo_input(s, p, net_ntohs(h->u.echo.id), net_ntohs(h->u.echo.seq)))
			return;
		net_drop(s, p, NET_DROP_ICMP_NO_SOCKET);
		return;
	case ICMP_UNREACH:
	case ICMP_TIMXCEED:
		icmp_error_input(s, p, h);
		return;
	default:
		net_drop(s, p, NET_DROP_ICMP_TYPE);
		return;
	}
}
