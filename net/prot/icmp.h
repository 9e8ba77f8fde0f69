/* ICMP for IPv4 (RFC 792). */
#ifndef NET_PROT_ICMP_H
#define NET_PROT_ICMP_H

#include "net/prot/wire.h"

#define ICMP_ECHOREPLY 0
#define ICMP_UNREACH 3
#define ICMP_UNREACH_NET 0
#define ICMP_UNREACH_HOST 1
#define ICMP_UNREACH_PROTO 2
#define ICMP_UNREACH_PORT 3
#define ICMP_UNREACH_NEEDFRAG 4
#define ICMP_ECHO 8
#define ICMP_TIMXCEED 11
#define ICMP_TIMXCEED_INTRANS 0
#define ICMP_TIMXCEED_REASS 1
#define ICMP_HLEN 8

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} NET_PACKED echo;
		struct {
			uint16_t unused;
			uint16_t mtu;
		} NET_PACKED frag;
		uint32_t unused;
	} NET_PACKED u;
} NET_PACKED;

_Static_assert(sizeof(struct icmp_hdr) == ICMP_HLEN, "icmp_hdr size");

#endif
