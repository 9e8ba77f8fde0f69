/* DHCP message (RFC 2131) and option codes (RFC 2132). */
#ifndef NET_PROT_DHCP_H
#define NET_PROT_DHCP_H

#include "net/prot/wire.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY 2
#define DHCP_MAGIC 0x63825363u
#define DHCP_FLAG_BROADCAST 0x8000

#define DHCPDISCOVER 1
#define DHCPOFFER 2
#define DHCPREQUEST 3
#define DHCPDECLINE 4
#define DHCPACK 5
#define DHCPNAK 6
#define DHCPRELEASE 7

#define DHO_PAD 0
#define DHO_SUBNET_MASK 1
#define DHO_ROUTER 3
#define DHO_DNS 6
#define DHO_HOSTNAME 12
#define DHO_REQUESTED_IP 50
#define DHO_LEASE_TIME 51
#define DHO_OVERLOAD 52
#define DHO_MSG_TYPE 53
#define DHO_SERVER_ID 54
#define DHO_PARAM_REQ 55
#define DHO_MAX_SIZE 57
#define DHO_T1 58
#define DHO_T2 59
#define DHO_CLIENT_ID 61
#define DHO_END 255

struct dhcp_msg {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t yiaddr;
	uint32_t siaddr;
	uint32_t giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
	/* options follow */
} NET_PACKED;

#define DHCP_FIXED_LEN 240
_Static_assert(sizeof(struct dhcp_msg) == DHCP_FIXED_LEN, "dhcp_msg size");

#endif
