/*
 * drivers/netdev.h - the interface every NIC driver implements (DESIGN 4).
 *
 * A driver is a library linked into netd. Its operations come in two kinds:
 *  - device-wide (reset, features, MAC, link, RSS, filters, committing queue
 *    setups): only the *control instance* calls them, the netd of core 0;
 *  - per queue (init, start, rx/tx bursts, refill, reclaim, interrupts): only
 *    the core that owns that queue pair calls them, on its own queue.
 * The other cores ask the control instance for device-wide changes over
 * channels (netd's netctl protocol); nothing in a driver is shared between
 * cores except through it. Bursts are batched: a burst touches the device's
 * doorbell (tail / notify) once.
 *
 * The driver never allocates packet memory: netd hands it struct nd_buf
 * buffers (DMA-able, with their physical address) to post for receive and to
 * send, and takes them back from rx_burst / tx_reclaim.
 */
#ifndef DRIVERS_NETDEV_H
#define DRIVERS_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/platform.h"

#define NETDEV_MAX_QUEUES 64

/* Bytes before nd_buf.data a driver may use for a device header
 * (virtio-net's 12-byte header): buffers must have them free. */
#define ND_HEADROOM 32

/* A packet buffer as a driver sees it. */
struct nd_buf {
	void *data;      /* frame start */
	uint64_t phys;   /* DMA address of data */
	uint16_t len;    /* RX: frame length (set by the driver); TX: bytes to send */
	uint16_t cap;    /* RX: bytes the device may write at data */
	uint16_t flags;  /* ND_RX_* from the driver, ND_TX_* to it */
	uint16_t csum_start, csum_offset; /* ND_TX_CSUM: checksum from csum_start, stored at +offset */
	uint32_t hash;   /* RX: the RSS hash when ND_RX_HASH */
	void *cookie;    /* the owner's (netd's packet) */
};

#define ND_RX_CSUM_OK 0x01   /* the device verified the L4 checksum */
#define ND_RX_CSUM_BAD 0x02  /* the device found it wrong */
#define ND_RX_HASH 0x04      /* hash is valid */
#define ND_TX_CSUM 0x100     /* complete the L4 checksum (partial sum already in place) */

/* Why a driver dropped a frame; counted per queue. */
enum nd_drop {
	ND_DROP_RUNT = 0,     /* shorter than an Ethernet header */
	ND_DROP_OVERSIZE,     /* longer than the buffer / MTU */
	ND_DROP_DESC_ERROR,   /* the device reported an error in the descriptor */
	ND_DROP_BAD_COMPLETION, /* a completion for a descriptor never posted */
	ND_DROP_TX_FULL,      /* no room in the transmit ring */
	ND_DROP_CSUM,         /* the device says the checksum is wrong */
	ND_DROP_MAX
};
extern const char *const nd_drop_names[ND_DROP_MAX];

struct nd_stats {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t irqs, polls;
	uint64_t doorbells_rx, doorbells_tx; /* receive / transmit tail writes or notifications */
	uint64_t rx_starved;  /* refills after the device found the receive ring empty */
	uint64_t rx_kicks;    /* receive doorbells without new buffers (rx_kick) */
	uint64_t drops[ND_DROP_MAX];
};

struct netdev;

/* One RX/TX queue pair, owned by one core. */
struct netq {
	struct netdev *nd;
	int id;
	void *priv;           /* the driver's */
	struct nd_stats stats;
	int msix_rx, msix_tx; /* MSI-X table entries of its interrupts (-1: none) */
};

/* What the owning core made for its queue and the control instance must
 * program into the device (for devices whose queue registers are
 * device-wide, like virtio's common configuration). Opaque words, few
 * enough that the setup travels in one channel message. */
struct netq_setup {
	uint32_t qid;
	uint32_t pad;
	uint64_t w[4];
};

struct nd_rss {
	uint8_t key[40];
	int key_len;
	uint16_t table[128]; /* hash bucket -> queue */
	int table_len;
};

/* A flow filter (Intel Flow Director and the like): frames of this flow go to queue. */
struct nd_filter {
	uint32_t src_ip, dst_ip;   /* host byte order, as on the wire from the peer's view: */
	uint16_t src_port, dst_port; /* src = the remote end, dst = this host */
	uint8_t proto;             /* 6 TCP, 17 UDP */
	bool signature;            /* a hash (signature) filter instead of a perfect match */
	int queue;
};

/* PIKA flow groups (PIKA 4.1): the low 12 bits of a TCP segment's source
 * port select one of ND_FLOW_GROUPS groups, each steered to one queue. */
#define ND_FLOW_GROUPS 4096

struct netdev_ops {
	const char *name;
	/* true when this driver drives the PCI function */
	bool (*match)(const struct pika_pci_dev *pci);

	/* ---- device-wide: the control instance only */
	/* reset, negotiate features, read the MAC and the queue count */
	int (*init)(struct netdev *nd);
	/* program a queue another core prepared; may add facts to *s that the
	 * owning core needs in queue_start (e.g. its doorbell offset) */
	int (*queue_commit)(struct netdev *nd, struct netq_setup *s);
	/* every queue is committed: go live (enable RX/TX, driver-ok, ...) */
	int (*start)(struct netdev *nd, int nqueues);
	int (*link_up)(struct netdev *nd);
	/* RSS: -EOPNOTSUPP when the device has none */
	int (*set_rss)(struct netdev *nd, const struct nd_rss *rss);
	/* filters and flow groups: NULL (or -EOPNOTSUPP) when the device has none */
	int (*filter_add)(struct netdev *nd, const struct nd_filter *f);
	int (*filter_del)(struct netdev *nd, const struct nd_filter *f);
	int (*groups_set)(struct netdev *nd, const uint16_t *group_to_queue); /* ND_FLOW_GROUPS entries */
	int (*group_move)(struct netdev *nd, int group, int queue);

	/* ---- per queue: the owning core only */
	/* attach to a device the control instance initialised (map what this
	 * core needs); then make queue q's rings and describe them in *s */
	int (*attach)(struct netdev *nd);
	int (*queue_init)(struct netq *q, int qid, int ring_size, struct netq_setup *s);
	/* after start, with the setup as committed: the queue runs */
	int (*queue_start)(struct netq *q, const struct netq_setup *s);
	/* how many receive buffers the ring can take now (NULL: unknown) */
	int (*rx_space)(struct netq *q);
	/* post empty receive buffers; returns how many it took */
	int (*rx_refill)(struct netq *q, struct nd_buf **bufs, int n);
	/* received frames (their buffers are the caller's again) */
	int (*rx_burst)(struct netq *q, struct nd_buf **bufs, int n);
	/* optional: ring the receive doorbell without new buffers (see virtio) */
	void (*rx_kick)(struct netq *q);
	/* queue frames for sending; returns how many it took (the rest: ring full) */
	int (*tx_burst)(struct netq *q, struct nd_buf **bufs, int n);
	/* optional: hand what tx_burst queued to the device, one doorbell at
	 * most (NULL: tx_burst rang it itself). netd calls it once per turn. */
	void (*tx_flush)(struct netq *q);
	/* sent frames whose buffers are the caller's again */
	int (*tx_reclaim)(struct netq *q, struct nd_buf **bufs, int n);
	/* interrupts on when idle, off while polling; enable returns true if work
	 * arrived meanwhile (poll again instead of sleeping) */
	bool (*irq_enable)(struct netq *q);
	void (*irq_disable)(struct netq *q);
};

/* A device as one instance (control or per-core) sees it. */
struct netdev {
	const struct netdev_ops *ops;
	struct nd_platform plat;
	uint8_t mac[6];
	int max_queues;       /* queue pairs the device has */
	int mtu;
	bool has_rss, tx_csum, rx_csum;
	uint64_t features;    /* the driver's negotiated features (the control instance passes them on) */
	void *priv;           /* the driver's */
};

/* The drivers linked in, tried in order. */
extern const struct netdev_ops virtio_net_ops;
extern const struct netdev_ops ixgbe_ops;
const struct netdev_ops *netdev_find(const struct pika_pci_dev *pci);

#endif
