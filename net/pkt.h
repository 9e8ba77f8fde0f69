/*
 * Packet buffers. Each stack instance owns a pool of fixed-size buffers
 * (NET_PKT_BUFSIZE bytes, the first NET_PKT_HEADROOM reserved so headers can
 * be prepended without copying). Buffers are reference counted: the last
 * net_pkt_free() returns one to its pool.
 */
#ifndef NET_PKT_H
#define NET_PKT_H

#include <stdint.h>

#ifndef NET_PKT_BUFSIZE
#define NET_PKT_BUFSIZE 2048
#endif
#ifndef NET_PKT_HEADROOM
#define NET_PKT_HEADROOM 128
#endif
/* The last NET_PKT_GUARD bytes of every pool buffer are never storage: they
 * hold a pattern that net_pkt_free() checks, so a write past a packet's room
 * is counted (stats.pkt_guard_broken) instead of silently corrupting the
 * neighbouring buffer. */
#define NET_PKT_GUARD 16

/* RX flags a driver may set (checksum offload results). */
#define NET_PKT_RX_IP_CSUM_OK 0x0001 /* IPv4 header checksum verified */
#define NET_PKT_RX_L4_CSUM_OK 0x0002 /* TCP/UDP checksum verified */
#define NET_PKT_RX_CSUM_BAD 0x0004   /* hardware saw a bad checksum */
/* Set by the port, not a driver: a frame this stack sent to its own address,
 * looped back without a wire; our own source address is expected on it. */
#define NET_PKT_RX_LOOPED 0x0008
/* TX flags the stack sets when net_config.tx_csum_offload is on. */
#define NET_PKT_TX_IP_CSUM 0x0100 /* fill the IPv4 header checksum at l3_off */
#define NET_PKT_TX_L4_CSUM 0x0200 /* sum from csum_start to the end, store at
				     csum_start + csum_offset (pseudo-header sum
				     is already there) */

struct net_stack;

struct net_pkt {
	uint8_t *data;        /* first valid byte */
	uint16_t len;         /* valid bytes */
	uint16_t flags;       /* NET_PKT_RX_* / NET_PKT_TX_* */
	uint16_t l3_off;      /* TX: IPv4 header offset from data */
	uint16_t csum_start;  /* TX offload, from data */
	uint16_t csum_offset; /* TX offload, from csum_start */
	/* --- stack private below --- */
	uint16_t refcnt;
	uint16_t cap;         /* bytes of storage at buf */
	uint8_t owner;        /* 0 = pool, 1 = reassembly slot */
	uint8_t owner_idx;
	uint8_t *buf;
	struct net_pkt *next; /* queue link while the stack owns it */
	/* receive metadata filled by the protocol layers (host order) */
	uint32_t src_addr, dst_addr;
	uint16_t src_port, dst_port;
	uint16_t l4_len;
	uint16_t ip_off;      /* RX: IPv4 header offset from buf */
	uint8_t proto;
	uint8_t bcast;        /* arrived as link or IP broadcast */
};

/* Allocate with headroom reserved; NULL when the pool is empty. */
struct net_pkt *net_pkt_alloc(struct net_stack *s);
void net_pkt_ref(struct net_pkt *p);
void net_pkt_free(struct net_stack *s, struct net_pkt *p);
/* Prepend n bytes (returns the new start, NULL if no headroom). */
uint8_t *net_pkt_push(struct net_pkt *p, uint16_t n);
/* Drop n bytes from the front (returns the new start, NULL if too short). */
uint8_t *net_pkt_pull(struct net_pkt *p, uint16_t n);
/* Room left after data + len. */
static inline uint16_t net_pkt_tailroom(const struct net_pkt *p)
{
	return (uint16_t)(p->cap - (uint16_t)(p->data - p->buf) - p->len);
}
/* Extend the packet by n bytes at its end: the start of the new bytes, or
 * NULL (and nothing changed) when they do not fit in its room. Every copy
 * into a packet goes through here or checks net_pkt_tailroom() first. */
static inline uint8_t *net_pkt_put(struct net_pkt *p, uint32_t n)
{
	if (n > net_pkt_tailroom(p))
		return (uint8_t *)0;
	uint8_t *at = p->data + p->len;
	p->len = (uint16_t)(p->len + n);
	return at;
}

#endif
