/* TCP header and option kinds (RFC 9293, RFC 7323, RFC 2018). */
#ifndef NET_PROT_TCP_H
#define NET_PROT_TCP_H

#include "net/prot/wire.h"

#define TCP_HLEN 20
#define TCP_MAX_HLEN 60

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WSCALE 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8

#define TCPOLEN_MSS 4
#define TCPOLEN_WSCALE 3
#define TCPOLEN_SACK_PERM 2
#define TCPOLEN_TS 10
#define TCP_MAX_WSCALE 14

struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t off; /* data offset in 32-bit words << 4 */
	uint8_t flags;
	uint16_t win;
	uint16_t csum;
	uint16_t urg;
} NET_PACKED;

_Static_assert(sizeof(struct tcp_hdr) == TCP_HLEN, "tcp_hdr size");

#endif
