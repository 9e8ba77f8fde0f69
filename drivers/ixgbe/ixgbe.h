/*
 * drivers/ixgbe/ixgbe.h - the Intel 82599 driver: its state and the helpers
 * netd uses beyond struct netdev_ops (see docs/HARDWARE.md and the comment at
 * the top of ixgbe.c for who owns which register).
 *
 * Everything lives in per-device (nd->priv) or per-queue (q->priv) memory
 * taken from plat.dma_alloc: the driver has no global mutable state and no
 * allocator of its own.
 */
#ifndef DRIVERS_IXGBE_H
#define DRIVERS_IXGBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ixgbe/ixgbe_regs.h"
#include "drivers/netdev.h"

extern const struct netdev_ops ixgbe_ops;

/* Queue pairs this driver offers: one MSI-X vector each (vector = queue id)
 * plus one vector for link and other causes. */
#define IXGBE_MAX_QUEUES 63
#define IXGBE_MISC_VECTOR 63
/* Receive buffers: SRRCTL packet buffer size, and the smallest buffer the
 * driver posts: MAXFRS admits 1500-byte payloads with a VLAN tag; the CRC is
 * stripped, so 1518 bytes is the most the device writes. */
#define IXGBE_RX_BUF_KB 2
#define IXGBE_MAX_FRAME 1518
#define IXGBE_MAXFRS_BYTES (IXGBE_MAX_FRAME + 4)
/* Default interrupt moderation (EITR): at most one interrupt per 16 us */
#define IXGBE_DEFAULT_ITR_US 16
/* PIKA steering: flow groups cover TCP segments to ports below this; local
 * (ephemeral) ports are at or above it, and replies to them are spread by
 * RSS, which ixgbe_pick_local_port() predicts. See ixgbe_fdir.c. */
#define IXGBE_EPHEMERAL_MIN 32768u

enum ixgbe_fdir_mode {
	IXGBE_FDIR_PERFECT = 0, /* perfect-match filters on the full 5-tuple */
	IXGBE_FDIR_SIGNATURE,   /* signature filters on the full 5-tuple */
	IXGBE_FDIR_GROUPS,      /* perfect-match filters, one per PIKA flow group */
};

struct ixgbe_fdir_stats {
	uint64_t adds, removes;        /* FDIRUSTAT, accumulated */
	uint64_t add_fails, remove_fails; /* FDIRFSTAT */
	uint64_t matches, misses;      /* FDIRMATCH / FDIRMISS */
	uint32_t free;                 /* FDIRFREE.FREE now */
	uint32_t collided;             /* FDIRFREE.COLL now */
	uint32_t max_bucket_len;       /* FDIRLEN.MAXLEN */
	uint64_t sw_collisions;        /* adds refused by the driver as colliding */
	uint64_t sw_full;              /* adds refused because the table is full */
};

/* A perfect filter's software record (the hardware identifies a perfect
 * filter by bucket hash and software index, so removal needs both). */
struct ixgbe_pf_entry {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint8_t l4type, used;
	uint16_t queue;
	uint16_t next; /* next in the same bucket chain, IXGBE_PF_NONE ends */
};
#define IXGBE_PF_NONE 0xFFFFu

struct ixgbe_fdir {
	enum ixgbe_fdir_mode mode;
	uint32_t hkey, skey;
	int count;                     /* filters the driver installed */
	int max;
	int bucket_bits;
	struct ixgbe_pf_entry *pf;     /* [IXGBE_FDIR_PERFECT_MAX_256K + 1] */
	uint16_t *pf_bucket;           /* [1 << 13]: first entry of each bucket */
	uint16_t pf_free;              /* free list through pf[].next */
	uint16_t groups[ND_FLOW_GROUPS];
	struct ixgbe_fdir_stats stats;
};

/* Device statistics, accumulated from the clear-on-read counters (DS 8.2.3.23). */
struct ixgbe_hw_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes; /* GPRC GORC GPTC GOTC */
	uint64_t rx_total;                  /* TPR: including dropped ones */
	uint64_t crc_errors, length_errors; /* CRCERRS RLEC */
	uint64_t undersize, oversize;       /* RUC ROC */
	uint64_t missed;                    /* MPC, all packet buffers */
	uint64_t q_rx[IXGBE_QSTAT_INDEXES], q_tx[IXGBE_QSTAT_INDEXES]; /* QPRC QPTC by queue % 16 */
	uint64_t q_rx_dropped[IXGBE_QSTAT_INDEXES];                   /* QPRDC: no free descriptor */
};
/* The device as one instance sees it (nd->priv). Only the control instance
 * fills the device-wide parts (fdir, rss, committed). */
struct ixgbe_dev {
	struct netdev *nd;
	bool control;
	uint16_t device_id;
	int nqueues;                   /* after start */
	uint64_t committed[2];         /* queue bitmap */
	int queue_vector[IXGBE_MAX_QUEUES];
	bool started, link;
	bool rss_set;
	struct nd_rss rss;
	struct ixgbe_fdir *fdir;
	uint64_t lsc_events;
	struct ixgbe_hw_stats hw;
};

struct ixgbe_txctx {
	bool valid, ipv4;
	uint8_t maclen, l4t;
	uint16_t iplen;
};

/* One queue pair (q->priv), touched only by its owning core. */
struct ixgbe_queue {
	struct netq *q;
	int qid, vector;
	uint16_t n;                    /* descriptors per ring */
	bool started;
	/* receive */
	union ixgbe_rx_desc *rx;
	uint64_t rx_phys;
	struct nd_buf **rx_bufs;
	uint16_t rx_clean, rx_post, rx_posted;
	bool rx_discard;               /* inside a frame that spans buffers */
	bool rx_tail_dirty;
	/* transmit */
	union ixgbe_tx_desc *tx;
	uint64_t tx_phys;
	struct nd_buf **tx_bufs;       /* at a packet's data descriptor */
	uint8_t *tx_kind;              /* per slot: 0 free, 1 context, 2 data */
	uint16_t tx_clean, tx_post, tx_inflight;
	struct ixgbe_txctx ctx;
	/* buffers refused by tx_burst, handed back by tx_reclaim */
	struct nd_buf **tx_reject;
	uint16_t rej_head, rej_count;
};

/* ---- helpers for netd beyond netdev_ops */

/* Control instance: refresh and return the device statistics. */
const struct ixgbe_hw_stats *ixgbe_hw_stats(struct netdev *nd);
/* Control instance: handle the misc vector (link change); returns the link
 * state and re-arms the link interrupt. */
bool ixgbe_misc_irq(struct netdev *nd);
/* Control instance: refresh and return Flow Director statistics. */
const struct ixgbe_fdir_stats *ixgbe_fdir_stats(struct netdev *nd);
/* Control instance: query the device for a perfect filter; returns its queue
 * or -ENOENT. */
int ixgbe_filter_query(struct netdev *nd, const struct nd_filter *f);
/* Control instance: the queue a received TCP/IPv4 segment would reach, as the
 * device classifies it now (Flow Director, then RSS, then queue 0). */
int ixgbe_predict_queue(struct netdev *nd, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport);

/* The flow group of a TCP segment (PIKA 4.1): the low 12 bits of its source port. */
static inline int ixgbe_flow_group(uint16_t src_port)
{
	return src_port & (ND_FLOW_GROUPS - 1);
}

/* Any core, with a copy of the RSS configuration from the control instance:
 * pick a local port in [IXGBE_EPHEMERAL_MIN, 65535], trying from *port on,
 * such that a reply (remote -> local) lands on `queue`. Returns 0 and sets
 * *port, or -EADDRNOTAVAIL when no port qualifies. Replies to local ports
 * miss the flow-group filters (they only cover ports below
 * IXGBE_EPHEMERAL_MIN) and are spread by RSS, which is what this predicts. */
int ixgbe_pick_local_port(const struct nd_rss *rss, uint32_t local_ip, uint32_t remote_ip,
			  uint16_t remote_port, int queue, uint16_t *port);
/* The RSS queue of an IPv4 TCP/UDP 4-tuple (src/dst as received). */
int ixgbe_rss_queue(const struct nd_rss *rss, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport);

/* Flow Director hash over the 42-byte input stream (DS 7.1.2.7.15): the
 * bucket hash with FDIRHKEY, the signature with FDIRSKEY. 16 bits; callers
 * keep the low bits they need. */
#define IXGBE_FDIR_STREAM_LEN 42
uint16_t ixgbe_fdir_hash(uint32_t key, const uint8_t stream[IXGBE_FDIR_STREAM_LEN]);
/* Lay out the input stream of an IPv4 TCP/UDP flow (already masked). */
void ixgbe_fdir_stream(uint8_t stream[IXGBE_FDIR_STREAM_LEN], uint32_t sip, uint32_t dip, uint16_t sport,
		       uint16_t dport, uint8_t l4type, uint16_t vlan, uint16_t flex);
/* FDIRTCPM/FDIRUDPM encoding of port masks given as "1 = bit ignored". */
uint32_t ixgbe_fdir_port_mask_reg(uint16_t src_ignore, uint16_t dst_ignore);

/* ---- internal, shared between the driver's files */
uint32_t ixgbe_rd(struct netdev *nd, uint32_t reg);
void ixgbe_wr(struct netdev *nd, uint32_t reg, uint32_t v);
int ixgbe_poll(struct netdev *nd, uint32_t reg, uint32_t mask, uint32_t want, uint32_t timeout_us);
void *ixgbe_alloc(struct netdev *nd, size_t len, uint64_t *phys);
void ixgbe_log(struct netdev *nd, const char *msg);

int ixgbe_fdir_setup(struct netdev *nd);
int ixgbe_fdir_add(struct netdev *nd, const struct nd_filter *f);
int ixgbe_fdir_del(struct netdev *nd, const struct nd_filter *f);
int ixgbe_groups_set(struct netdev *nd, const uint16_t *group_to_queue);
int ixgbe_group_move(struct netdev *nd, int group, int queue);
int ixgbe_set_rss(struct netdev *nd, const struct nd_rss *rss);
int ixgbe_rss_setup(struct netdev *nd);

int ixgbe_queue_init(struct netq *q, int qid, int ring_size, struct netq_setup *s);
int ixgbe_queue_start(struct netq *q, const struct netq_setup *s);
int ixgbe_rx_refill(struct netq *q, struct nd_buf **bufs, int n);
int ixgbe_rx_burst(struct netq *q, struct nd_buf **bufs, int n);
int ixgbe_tx_burst(struct netq *q, struct nd_buf **bufs, int n);
int ixgbe_tx_reclaim(struct netq *q, struct nd_buf **bufs, int n);
bool ixgbe_irq_enable(struct netq *q);
void ixgbe_irq_disable(struct netq *q);

#endif
