/*
 * pikaos/netd.h - what any process may ask its (or another core's) netd
 * besides sockets: bind "netd" on a core (a one-page channel is enough)
 * and send these requests (pikaos/msg.h convention).
 *   PIKA_NETD_STATS     -> text: queue, interrupt, doorbell, TCP, socket,
 *                          link counters and drops by reason (the shell's netstat)
 *   PIKA_NETD_COUNTERS  -> struct netd_counters (httpd's /counters, make bench)
 */
#ifndef _PIKAOS_NETD_H
#define _PIKAOS_NETD_H

#include <stdint.h>

#define PIKA_NETD_STATS 16
#define PIKA_NETD_COUNTERS 21

struct netd_counters {
	uint64_t rx_packets, tx_packets;
	uint64_t doorbells_rx, doorbells_tx;
	uint64_t bytes_to_processes, bytes_from_processes; /* copied by the stack between packets and rings */
	uint64_t sock_calls;   /* socket requests answered (round trips) */
	uint64_t sock_oneway;  /* shutdown and close messages */
	uint64_t turns, sleeps;
	uint64_t cm_local, cm_given, cm_taken; /* new connections: kept, given to another core, taken from one */
	uint64_t frames_forwarded;             /* frames sent to the netd of the core that owns their flow */
};

#endif
