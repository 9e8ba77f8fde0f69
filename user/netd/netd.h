/*
 * netd - the network server of a core (DESIGN 5): the link server (a NIC
 * queue pair, through a driver from drivers/), the transport server (the
 * TCP/IP stack, net/), and the socket service for the processes of its core,
 * combined in one process per core (PIKA's best configuration), cooperating
 * with the other cores' netds over channels only.
 *
 *   netd.c   start-up, the device's control instance (netctl@0), the loop
 *   link.c   frames: the queue, flow ownership, forwarding between cores,
 *            transmitting for cores without a queue, local delivery
 *   sock.c   the socket service (pikaos/sockproto.h) behind libc's sockets
 *   cm.c     the connection manager: which core's application gets a new
 *            connection (lb.c decides), offers between CMs, flow pins
 *   lb.c     PIKA's load balancer (tournament, tariff, filter, watermarks):
 *            the decisions only, host-tested
 *
 * Who owns a TCP flow: the core the NIC's RSS would pick for it, computed in
 * software (the same Toeplitz key; bucket b -> core b % ncores). With a queue
 * per core this is where the frames arrive anyway; with fewer queues (QEMU's
 * user network has one) the cores with a queue act as link servers: they
 * pass a segment to its owner over a channel, and transmit the frames of the
 * cores that have no queue. Every netd registers "netd" (netd@CORE): the
 * socket service, NETD_STATS, and the peer traffic of the other netds.
 */
#ifndef USER_NETD_H
#define USER_NETD_H

#include <pikaos/dispatch.h>
#include <pikaos/netd.h>
#include <stdbool.h>
#include <stdint.h>

#include "drivers/netdev.h"
#include "net/net.h"

/* netctl@0 requests (pikaos/msg.h convention) */
enum {
	NETCTL_INFO = 1,  /* -> struct netctl_info */
	NETCTL_QUEUE,     /* data: struct netq_setup -> the setup as committed */
	NETCTL_STARTED,   /* -> status 1 once the device runs */
	NETCTL_FILTER_ADD, /* data: struct nd_filter -> status (-EOPNOTSUPP without filters) */
	NETCTL_FILTER_DEL, /* data: struct nd_filter */
	NETCTL_GROUP_MOVE, /* data: {u32 group, u32 queue} */
};

struct netctl_info {
	uint8_t mac[6];
	uint16_t nqueues;     /* queue pairs in use: cores 0..nqueues-1 own one each */
	uint16_t max_queues;
	uint8_t has_rss, tx_csum, rx_csum, pad;
	uint16_t mtu;
	uint64_t features; /* the driver's negotiated features */
};

/* netd@CORE requests and peer messages (numbered apart from netctl and the
 * socket service: core 0 serves all three) */
enum {
	NETD_STATS = PIKA_NETD_STATS, /* -> text (pikaos/netd.h) */
	NETD_ARP,        /* peer notification: struct netd_arp, an address seen on the wire */
	NETD_FRAME,      /* peer notification: struct netd_frame, a frame in the data area */
	NETD_ADDR,       /* peer notification: struct netd_addr, the address DHCP gave core 0 */
	NETD_KICK,       /* peer notification: my receive ring ran dry, ring your receive doorbell */
	NETD_COUNTERS = PIKA_NETD_COUNTERS, /* -> struct netd_counters (pikaos/netd.h) */
	NETD_OFFER = 22, /* peer notification: struct netd_offer (cm.c), a CM's best application of a port */
	NETD_UNPIN,      /* peer notification: struct netd_unpin (cm.c), a flow you steered to me is gone */
	NETD_UDP_PORT,   /* peer notification: struct netd_udp_port, a UDP port bound (or no more) on my core */
};

struct netd_udp_port {
	uint32_t core, port, bound;
};



struct netd_arp {
	uint32_t ip;
	uint8_t mac[6];
};

/* Forwarded frames travel in the data area of the sender's channel to the
 * receiver: NETD_FWD_SLOTS slots of NETD_FWD_SLOT bytes, used in turn. A slot
 * is reused NETD_FWD_SLOTS messages later; since the receiver handles each
 * batch of at most 8 messages before it takes more and the ring holds
 * CHAN_SLOTS messages, 64 > CHAN_SLOTS + 8 slots mean a slot is never
 * overwritten before it was read. */
#define NETD_FWD_SLOTS 64
#define NETD_FWD_SLOT 2048
enum { NETD_FRAME_RX = 1, NETD_FRAME_TX = 2, NETD_FRAME_HANDED = 3 /* RX: the SYN of a connection your CM gave me */ };
struct netd_frame {
	uint32_t slot;
	uint16_t len;
	uint16_t kind; /* RX: a segment this core owns; TX: put it on the wire for me */
	uint16_t l4_csum; /* TX: the L4 checksum is left for the device (RX: the device verified it) ... */
	uint16_t csum_start, csum_offset; /* ... from here, stored there (struct net_pkt) */
	uint16_t from;   /* the sender's core */
	uint16_t looped; /* RX: a frame between two processes of this machine (never on a wire) */
};

struct netd_addr {
	uint32_t addr, mask, gw;
};

/* Microsoft's RSS key: the control instance gives it to the NIC, every netd
 * uses it to predict where a flow's frames arrive. */
extern const uint8_t netd_rss_key[40];
#define NETD_RSS_BUCKETS 128

#define RING 256
#define BURST 32
#define TX_BACKLOG 1024 /* frames kept while the transmit ring is full */

struct netd {
	int core, ncores, dev;
	struct pika_pci_dev pci[PIKA_PCI_MAX];
	struct netdev nd;
	struct netq q;
	bool have_queue, running;
	int nqueues, committed;
	bool started; /* control: the device runs */
	struct netq_setup setup;
	struct chan ctl;
	struct disp d;
	struct disp_chan *mon;      /* the monitor channel, in the loop */
	struct disp_chan *peer[64]; /* to every other core's netd (we send on these) */
	uint32_t fwd_next[64];      /* next data slot per peer channel */
	int tx_via;                 /* without a queue: the netd whose queue sends our frames */
	bool queue_lost[64];        /* control: that core's netd died with its queue (RSS skips it) */
	bool peers_up;              /* connect_peers is done: a peer that binds us later is a new netd */
	bool rebinding[64];         /* a microthread binds that core's new netd */
	struct net_stack *ns;
	uint8_t *ns_mem;
	uint64_t ns_phys;
	size_t ns_len;
	uint64_t next_timer;
	uint32_t addr, mask, gw;
	bool dhcp;
	int irq_vec;
	uint64_t rng;
	/* nd_buf wrappers around the stack's packets */
	struct nd_buf wr[2 * RING + BURST];
	struct nd_buf *wr_free[2 * RING + BURST];
	int nwr_free;
	int rx_posted; /* receive buffers the device holds */
	/* frames for this core's own stack, handled at the next pump */
	struct net_pkt *loopq[256];
	int nloop;
	/* frames the transmit ring had no room for, oldest first (link.c) */
	struct net_pkt *txb[TX_BACKLOG];
	unsigned txb_head, txb_n;
	uint64_t tx_deferred; /* frames that waited there instead of being dropped */
	/* link counters */
	uint64_t fwd_out, fwd_in, fwd_drops, ls_tx, looped;
	uint64_t starved_seen, refused_peer_msgs;
	bool irq_on, rx_more;
	uint64_t turns;
};
extern struct netd g;

/* link.c */
void link_init(void);
int link_owner(uint32_t raddr, uint32_t laddr, uint16_t rport, uint16_t lport);
int port_owner_of(void *ctx, const struct net_flow *flow);
void port_forward(void *ctx, int core, struct net_pkt *pkt);
bool port_flow_ok(void *ctx, const struct net_flow *flow);
void port_tx(void *ctx, struct net_pkt **pkts, unsigned n);
int link_refill(void);
int link_rx(int budget);      /* local delivery, then up to budget frames of the queue; frames handled */
void link_reclaim(void);
void link_finish(void);       /* end of a turn: reclaim, refill, one transmit doorbell */
bool link_arm(void);          /* before sleeping: interrupts on; true when a frame came meanwhile */
bool link_tx_waiting(void);   /* frames wait for room in the transmit ring */
void link_fwd_flush(void);    /* frames waiting for room in a peer's ring: sent if there is room now */
bool link_fwd_waiting(void);
void link_share_arp(const uint8_t *frame, uint16_t len);
void h_arp(struct disp_req *r);
void h_frame(struct disp_req *r);
void h_addr(struct disp_req *r);
void h_kick(struct disp_req *r);
void h_udp_port(struct disp_req *r);
void link_udp_bind(uint16_t port, bool bound); /* a socket of this core bound the port (or let it go) */
void link_peer_up(int core);
void link_peer_lost(int core);  /* a channel to that core's netd is new: tell it what it must know */
int link_stats(char *out, int max);

/* cm.c */
void cm_init(const char *lb, uint32_t period_ms); /* lb= (NULL: tournament:2), lb_period= (0: 20 ms) */
void cm_listen(uint16_t port);   /* this core's first listener of the port */
void cm_unlisten(uint16_t port); /* and its last one went */
void cm_report(uint16_t port, uint64_t service_ns);
/* this core's oldest connection of the port not yet claimed by a process has waited this long */
void cm_waiting(uint16_t port, uint64_t oldest_ns); /* a connection offered to the port's application closed */
void cm_acceptor_late(uint16_t port, bool late); /* this core's group of the port stopped (or resumed) claiming */
/* an offer taken back from a process (claim timed out, or it exited) and given to another */
void cm_reassigned(uint16_t port, bool on_exit);
void cm_counts(uint64_t *local, uint64_t *given, uint64_t *taken); /* netd's /counters */
int cm_pinned(const struct net_flow *f); /* the core this core's CM gave the flow to, or -1 */
int cm_steer(const struct net_flow *f);  /* a SYN of a flow we own: the core to give it to, or -1 (ours) */
int cm_steer_local(const struct net_flow *f); /* a frame to ourselves: the core holding its other end, or -1 */
void cm_taken_local(const struct net_flow *f, int from); /* a local SYN core `from` gave us */
void cm_local_peer(const struct net_flow *f, int from); /* a looped frame from core `from`: our answers go there */
bool cm_handing(void);           /* did the last cm_steer give a SYN away (then clears it) */
void cm_taken(void);             /* a SYN another CM gave us arrived */
void cm_conn_gone(void *ctx, const struct net_flow *f); /* net_port.conn_gone */
void cm_peer_lost(int core);
void cm_peer_up(int core);
uint64_t cm_tick(uint64_t now);  /* offers and pins; when it wants a turn again (0: never) */
void h_offer(struct disp_req *r);
void h_unpin(struct disp_req *r);
int cm_stats(char *out, int max);

/* sock.c */
void sock_init(struct disp *d);
bool sock_new_client(struct disp_chan *dc); /* a process bound us; false: refused */
int sock_turn(void);
extern uint64_t sock_accept_timeout; /* ns: accept_timeout= */          /* the processes' rings and the stack's events, published */
bool sock_client_gone(struct disp_chan *dc);
int sock_stats(char *out, int max);
void sock_counts(uint64_t *calls, uint64_t *oneway);

/* netd.c */
void port_random(void *ctx, void *buf, size_t len);
void netd_close_chan(struct disp_chan *dc); /* ours closed and out of the loop */
/* Who is at the other end of a channel (struct disp_chan.id): another
 * core's netd (checked with its monitor, or bound by us), a socket client
 * of this core, or anyone else (statistics only). */
enum { ROLE_PLAIN = 0, ROLE_PEER = 1, ROLE_CLIENT = 2 };
/* A peer or control message: true when r came from another netd; else it
 * is refused (-EPERM to a request) and counted. */
bool netd_from_peer(struct disp_req *r);

#endif
