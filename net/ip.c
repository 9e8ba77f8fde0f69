/* IPv4 (RFC 791, RFC 1122 host requirements): input validation, options
 * skipped, local delivery, routing to an on-link host or the gateway, output. */
#include "net/internal.h"
#include "net/prot/eth.h"
#include "net/prot/ip.h"
#include "net/prot/udp.h"

void net_ipv4_set(struct net_stack *s, uint32_t addr, uint32_t mask, uint32_t gw)
{
	net_enter(s);
	bool changed = addr != s->ip_addr;
	s->ip_addr = addr;
	s->ip_mask = addr ? mask : 0;
	s->ip_gw = addr ? gw : 0;
	if (changed)
		net_event(s, 0, NET_EV_ADDR);
	if (addr)
		net_arp_announce(s);
	net_leave(s);
}

void net_ipv4_get(struct net_stack *s, uint32_t *addr, uint32_t *mask, uint32_t *gw)
{
	if (addr)
		*addr = s->ip_addr;
	if (mask)
		*mask = s->ip_mask;
	if (gw)
		*gw = s->ip_gw;
}

bool ip_is_local(struct net_stack *s, uint32_t a)
{
	return ip_is_loopback(a) || (s->ip_addr && a == s->ip_addr);
}

uint32_t ip_src_for(struct net_stack *s, uint32_t dst)
{
	return ip_is_loopback(dst) ? IP_LOOPBACK : s->ip_addr;
}

bool ip_is_bcast(struct net_stack *s, uint32_t a)
{
	if (a == 0xffffffffu)
		return true;
	return s->ip_mask && s->ip_mask != 0xffffffffu && a == (s->ip_addr | ~s->ip_mask);
}

/* Addresses that can never be a unicast peer: 0/8, loopback, multicast,
 * class E and broadcast. */
bool ip_bad_unicast(struct net_stack *s, uint32_t a)
{
	uint8_t top = (uint8_t)(a >> 24);
	return top == 0 || top == 127 || top >= 224 || ip_is_bcast(s, a);
}

bool ip_route(struct net_stack *s, uint32_t dst, uint32_t *nh)
{
	if (dst == 0xffffffffu || ip_is_loopback(dst)) {
		*nh = dst; /* loopback: the port loops frames to our own MAC */
		return true;
	}
	if (!s->ip_addr)
		return false;
	if ((dst & s->ip_mask) == (s->ip_addr & s->ip_mask)) {
		*nh = dst;
		return true;
	}
	if (!s->ip_gw)
		return false;
	*nh = s->ip_gw;
	return true;
}

void ip_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < IP_HLEN) {
		net_drop(s, p, NET_DROP_IP_SHORT);
		return;
	}
	struct ip_hdr *ih = (struct ip_hdr *)(void *)p->data;
	if ((ih->vhl >> 4) != 4) {
		net_drop(s, p, NET_DROP_IP_VERSION);
		return;
	}
	uint16_t hlen = (uint16_t)((ih->vhl & 15) * 4);
	if (hlen < IP_HLEN || hlen > p->len) {
		net_drop(s, p, NET_DROP_IP_HLEN);
		return;
	}
	if (!(p->flags & NET_PKT_RX_IP_CSUM_OK) && csum_ip_hdr(ih, hlen) != 0) {
		net_drop(s, p, NET_DROP_IP_CSUM);
		return;
	}
	uint16_t tot = net_ntohs(ih->len);
	if (tot < hlen || tot > p->len) {
		net_drop(s, p, NET_DROP_IP_LEN);
		return;
	}
	p->len = tot; /* strip Ethernet padding */
	uint32_t src = net_ntohl(ih->src), dst = net_ntohl(ih->dst);
	bool looped = p->flags & NET_PKT_RX_LOOPED;
	if (!looped && (ip_is_loopback(src) || ip_is_loopback(dst))) {
		net_drop(s, p, NET_DROP_IP_LOOPBACK_WIRE);
		return;
	}
	/* our own source only on the port's loopback: from the wire it is spoofed */
	if (ip_bad_peer(s, src) || (s->ip_addr && src == s->ip_addr && !looped)) {
		net_drop(s, p, NET_DROP_IP_BAD_SRC);
		return;
	}
	bool bcast = ip_is_bcast(s, dst);
	if (!bcast && !ip_is_local(s, dst)) {
		/* before configuration only DHCP (to our future address) gets in */
		if (!(s->dhcp.state != NET_DHCP_OFF && ih->proto == IP_PROTO_UDP && !s->ip_addr)) {
			net_drop(s, p, NET_DROP_IP_NOT_FOR_US);
			return;
		}
	}
	p->src_addr = src;
	p->dst_addr = dst;
	p->proto = ih->proto;
	p->bcast = p->bcast || bcast;
	uint16_t frag = net_ntohs(ih->frag);
	if (frag & (IP_MF | IP_OFFMASK)) {
		ip_reasm_input(s, p, hlen);
		return;
	}
	ip_deliver(s, p);
}

/* Hand a whole datagram (p->data at the IP header) to its transport. */
void ip_deliver(struct net_stack *s, struct net_pkt *p)
{
	const struct ip_hdr *ih = (const struct ip_hdr *)(const void *)p->data;
	uint16_t hlen = (uint16_t)((ih->vhl & 15) * 4);
	uint8_t proto = ih->proto;
	p->ip_off = (uint16_t)(p->data - p->buf);
	net_pkt_pull(p, hlen); /* options, if any, are skipped */
	switch (proto) {
	case IP_PROTO_TCP:
		tcp_input(s, p);
		break;
	case IP_PROTO_UDP:
		udp_input(s, p);
		break;
	case 1:
		icmp_input(s, p);
		break;
	default:
		/* RFC 1122 3.2.2.1: protocol unreachable, but never for broadcasts */
		net_pkt_push(p, hlen);
		if (!p->bcast)
			icmp_error(s, p->data, p->len, 3, 2, 0);
		net_drop(s, p, NET_DROP_IP_PROTO);
		break;
	}
}

/* Fill a 20-byte IPv4 header (no options), checksum included. */
void ip_hdr_fill(void *hdr, uint16_t total_len, uint16_t id, uint16_t frag, uint8_t ttl, uint8_t proto,
		 uint32_t src, uint32_t dst, bool csum)
{
	struct ip_hdr *ih = hdr;
	ih->vhl = 0x45;
	ih->tos = 0;
	ih->len = net_htons(total_len);
	ih->id = net_htons(id);
	ih->frag = net_htons(frag);
	ih->ttl = ttl;
	ih->proto = proto;
	ih->csum = 0;
	ih->src = net_htonl(src);
	ih->dst = net_htonl(dst);
	if (csum)
		ih->csum = csum_ip_hdr(ih, IP_HLEN);
}

/* Send a datagram of `total` transport bytes in fragments (RFC 791 3.2):
 * every fragment but the last carries a multiple of 8 bytes, all share one
 * id, none has DF. read(ctx, off, to, n) copies bytes [off, off+n) of the
 * transport payload into `to`. Returns 0, or -NET_ENOBUFS / -NET_ENETUNREACH
 * (fragments already sent stay sent; the peer's reassembly times out). */
int ip_output_frags(struct net_stack *s, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
		    uint32_t total, void (*read)(void *ctx, uint32_t off, uint8_t *to, uint32_t n), void *ctx)
{
	uint32_t nh;
	if (!ip_route(s, dst, &nh)) {
		net_count_drop(s, NET_DROP_TX_NO_ROUTE);
		return -NET_ENETUNREACH;
	}
	uint32_t max = ((uint32_t)s->cfg.mtu - IP_HLEN) & ~7u;
	uint16_t id = s->ip_id++;
	for (uint32_t off = 0; off < total; off += max) {
		uint32_t n = min_u32(max, total - off);
		struct net_pkt *p = net_pkt_alloc(s);
		uint8_t *to = p ? net_pkt_put(p, n) : NULL;
		if (!to) {
			net_pkt_free(s, p);
			net_count_drop(s, NET_DROP_TX_NOBUFS);
			return -NET_ENOBUFS;
		}
		read(ctx, off, to, n);
		uint8_t *ih = net_pkt_push(p, IP_HLEN);
		ip_hdr_fill(ih, p->len, id, (uint16_t)((off / 8) | (off + n < total ? IP_MF : 0)), ttl, proto,
			    src, dst, true);
		s->stats.frags_out++;
		arp_output(s, p, nh);
	}
	return 0;
}

void ip_output(struct net_stack *s, struct net_pkt *p, uint32_t src, uint32_t dst, uint8_t proto,
	       uint8_t ttl, bool df)
{
	uint32_t nh;
	if (!ip_route(s, dst, &nh)) {
		net_drop(s, p, NET_DROP_TX_NO_ROUTE);
		return;
	}
	uint16_t l4_start = (uint16_t)(p->data - p->buf);
	struct ip_hdr *ih = (struct ip_hdr *)(void *)net_pkt_push(p, IP_HLEN);
	if (!ih) {
		net_drop(s, p, NET_DROP_TX_NOBUFS);
		return;
	}
	ip_hdr_fill(ih, p->len, s->ip_id++, df ? IP_DF : 0, ttl, proto, src, dst, !s->cfg.tx_csum_offload);
	p->l3_off = 0;
	if (s->cfg.tx_csum_offload) {
		p->flags |= NET_PKT_TX_IP_CSUM;
		if (p->flags & NET_PKT_TX_L4_CSUM)
			p->csum_start = (uint16_t)(l4_start - (uint16_t)(p->data - p->buf));
	}
	arp_output(s, p, nh);
}
