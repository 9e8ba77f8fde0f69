/* Ethernet II: demultiplex received frames, prepend headers on output. */
#include "net/internal.h"
#include "net/prot/eth.h"

static const uint8_t bcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

bool eth_is_bcast(const uint8_t mac[6])
{
	return memcmp(mac, bcast_mac, ETH_ALEN) == 0;
}

void eth_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < ETH_HLEN) {
		net_drop(s, p, NET_DROP_ETH_SHORT);
		return;
	}
	const struct eth_hdr *eh = (const struct eth_hdr *)(const void *)p->data;
	bool bcast = eth_is_bcast(eh->dst);
	if (!bcast && memcmp(eh->dst, s->cfg.mac, ETH_ALEN) != 0) {
		net_drop(s, p, NET_DROP_ETH_NOT_FOR_US);
		return;
	}
	uint16_t type = net_ntohs(eh->type);
	p->bcast = bcast;
	net_pkt_pull(p, ETH_HLEN);
	switch (type) {
	case ETH_TYPE_IPV4:
		ip_input(s, p);
		break;
	case ETH_TYPE_ARP:
		arp_input(s, p);
		break;
	default:
		net_drop(s, p, NET_DROP_ETH_TYPE);
		break;
	}
}

void eth_output(struct net_stack *s, struct net_pkt *p, const uint8_t dst[6], uint16_t type)
{
	struct eth_hdr *eh = (struct eth_hdr *)(void *)net_pkt_push(p, ETH_HLEN);
	if (!eh) {
		net_drop(s, p, NET_DROP_TX_NOBUFS);
		return;
	}
	memcpy(eh->dst, dst, ETH_ALEN);
	memcpy(eh->src, s->cfg.mac, ETH_ALEN);
	eh->type = net_htons(type);
	if (p->flags & (NET_PKT_TX_IP_CSUM | NET_PKT_TX_L4_CSUM)) {
		p->l3_off = (uint16_t)(p->l3_off + ETH_HLEN);
		p->csum_start = (uint16_t)(p->csum_start + ETH_HLEN);
	}
	net_tx(s, p);
}
