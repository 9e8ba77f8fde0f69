/* Ethernet II frame header. */
#ifndef NET_PROT_ETH_H
#define NET_PROT_ETH_H

#include "net/prot/wire.h"

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_ARP 0x0806
#define ETH_TYPE_VLAN 0x8100

struct eth_hdr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type; /* network order */
} NET_PACKED;

_Static_assert(sizeof(struct eth_hdr) == ETH_HLEN, "eth_hdr size");

#endif
