/* ARP for IPv4 over Ethernet (RFC 826). */
#ifndef NET_PROT_ARP_H
#define NET_PROT_ARP_H

#include "net/prot/wire.h"

#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2

struct arp_hdr {
	uint16_t htype;
	uint16_t ptype;
	uint8_t hlen;
	uint8_t plen;
	uint16_t op;
	uint8_t sha[6];
	uint32_t spa;
	uint8_t tha[6];
	uint32_t tpa;
} NET_PACKED;

_Static_assert(sizeof(struct arp_hdr) == 28, "arp_hdr size");

#endif
