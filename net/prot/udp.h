/* UDP header (RFC 768). */
#ifndef NET_PROT_UDP_H
#define NET_PROT_UDP_H

#include "net/prot/wire.h"

#define UDP_HLEN 8

struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t csum;
} NET_PACKED;

_Static_assert(sizeof(struct udp_hdr) == UDP_HLEN, "udp_hdr size");

#endif
