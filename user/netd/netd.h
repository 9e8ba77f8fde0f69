/*
 * netd - the network server of a core (DESIGN 5): the link server (one NIC
 * queue pair, through a driver from drivers/) and the TCP/IP stack (net/),
 * one instance per core, cooperating over channels only.
 *
 * Core 0's netd is also the driver's *control instance* (netctl@0): it
 * initialises the device, programs every core's queue from the setup that
 * core sends, starts the device and sets RSS. Every netd registers
 * "netd" (netd@CORE) and answers NETD_STATS with a text report.
 */
#ifndef USER_NETD_H
#define USER_NETD_H

#include <stdint.h>

#include "drivers/netdev.h"

/* netctl@0 requests (pikaos/msg.h convention) */
enum {
	NETCTL_INFO = 1,  /* -> struct netctl_info */
	NETCTL_QUEUE,     /* data: struct netq_setup -> the setup as committed */
	NETCTL_STARTED,   /* -> status 1 once the device runs */
};

struct netctl_info {
	uint8_t mac[6];
	uint16_t nqueues;     /* queue pairs in use: cores 0..nqueues-1 own one each */
	uint16_t max_queues;
	uint8_t has_rss, tx_csum, rx_csum, pad;
	uint16_t mtu;
};

/* netd@CORE requests (numbered apart from netctl: core 0 serves both) */
enum {
	NETD_STATS = 16, /* -> text */
	NETD_ARP,       /* notification: data struct netd_arp, an address learned on the wire */
};

/* ARP replies (and requests) arrive on whichever queue the NIC picks, often
 * not the core that asked: every netd that sees one tells all the others. */
struct netd_arp {
	uint32_t ip;
	uint8_t mac[6];
};

#endif
