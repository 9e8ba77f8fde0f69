/* IPv4 header (RFC 791). */
#ifndef NET_PROT_IP_H
#define NET_PROT_IP_H

#include "net/prot/wire.h"

#define IP_HLEN 20
#define IP_DF 0x4000
#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IP_PROTO_ICMP 1
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_MAXPACKET 65535

struct ip_hdr {
	uint8_t vhl; /* version << 4 | header length in 32-bit words */
	uint8_t tos;
	uint16_t len;
	uint16_t id;
	uint16_t frag; /* flags and fragment offset in 8-byte units */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t src;
	uint32_t dst;
} NET_PACKED;

_Static_assert(sizeof(struct ip_hdr) == IP_HLEN, "ip_hdr size");

#endif
