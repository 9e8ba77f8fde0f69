/* Internal structures of one stack instance; not part of the public interface. */
#ifndef NET_INTERNAL_H
#define NET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/config.h"
#include "net/net.h"
#include "net/prot/wire.h"

#define NET_NONE16 0xffffu

#define MS(x) ((uint64_t)(x) * 1000000ull)
#define SEC(x) ((uint64_t)(x) * 1000000000ull)

/* sequence-number arithmetic (RFC 9293 3.4) */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ---------------------------------------------------------------- pools */
struct pkt_pool {
	struct net_pkt *descs;
	uint8_t *mem;
	struct net_pkt *free;
	uint32_t total, used;
};

struct blk_pool {
	uint8_t *mem;
	uint16_t *next; /* free-list links */
	uint16_t free;
	uint32_t total, used;
};

/* A pool the caller owns (net_pool_init): blocks in its memory. */
struct net_pool {
	struct blk_pool b;
};

/* A byte ring whose storage is blocks borrowed lazily from a block pool:
 * the stack's own (internal: NET_RING_SLOTS blocks, callers keep at most
 * NET_TCP_BUF_MAX bytes, so the block holding `head` is never also holding
 * data at the far end of the window), or an external pool (capacity cap,
 * positions = stream offset mod cap; see ring.c). */
struct net_ring {
	uint32_t head; /* physical offset of the first byte */
	uint32_t len;  /* contiguous bytes from head */
	uint16_t nblk; /* blocks held */
	uint16_t slot[NET_RING_SLOTS];
	struct net_pool *pool; /* NULL: the stack's own blocks */
	uint32_t cap;          /* external: capacity in bytes, a power of two */
	uint32_t base;         /* stream offset of the head (counts from 0 when the ring began) */
	uint32_t keep;         /* external send ring: reserved bytes past len the owner may be writing */
	bool rx;               /* external receive ring: unread bytes keep their blocks */
	uint16_t *mirror;      /* external: where slot[] changes are copied for the owner */
};

/* ---------------------------------------------------------------- lists */
struct ilist {
	uint16_t first, last;
	uint16_t count;
};

/* ---------------------------------------------------------------- ARP */
/* REACHABLE -> (lifetime over) STALE -> (used) PROBE -> (answered) REACHABLE,
 * or (arp_retries unanswered probes) FREE. STALE and PROBE entries still
 * carry traffic (RFC 1122 2.3.2.1: refresh without stalling the flows). */
enum { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE, ARP_PERMANENT, ARP_STALE, ARP_PROBE };
struct arp_entry {
	uint32_t addr;
	uint8_t mac[6];
	uint8_t state;
	uint8_t tries;
	uint64_t expires;   /* REACHABLE: entry lifetime; INCOMPLETE, PROBE: next retry */
	uint64_t born;      /* INCOMPLETE: when the first request went out */
	struct net_pkt *pending; /* queued packets (linked by ->next) */
	uint8_t npending;
};

/* ---------------------------------------------------------------- IPv4 reassembly */
struct reasm {
	bool used;
	bool delivered; /* buffer lent out as a packet */
	bool have_last;
	bool have_first;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint32_t total;   /* payload length once the last fragment is seen */
	uint32_t received; /* payload bytes held */
	uint64_t expires;
	uint8_t hdr[60];  /* IP header of the first fragment (for ICMP time exceeded) */
	uint8_t hdrlen;
	uint8_t first_payload[8];
	uint8_t *buf;     /* reasm_max + headroom bytes */
	uint8_t *bitmap;  /* one bit per 8-byte block received */
	struct net_pkt pkt; /* the reassembled datagram handed up */
};

/* ---------------------------------------------------------------- UDP / ICMP echo sockets */
struct udp_sock {
	bool used;
	uint8_t kind; /* NET_DGRAM_* */
	uint16_t gen;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	bool connected;
	uint8_t ttl;
	int16_t error;
	uint16_t echo_seq;
	struct net_pkt *rxq_head, *rxq_tail;
	uint32_t rx_bytes, rx_limit;
	uint8_t ev_pending;
	bool ev_queued;
};

/* ---------------------------------------------------------------- TCP */
enum {
	TF_ACKNOW = 1u << 0,      /* send an ACK at the next output */
	TF_DELACK = 1u << 1,      /* an ACK is owed, delayed */
	TF_NODELAY = 1u << 2,
	TF_KEEPALIVE = 1u << 3,
	TF_TS_OK = 1u << 4,       /* timestamps negotiated */
	TF_SACK_OK = 1u << 5,     /* SACK-permitted negotiated */
	TF_WS_OK = 1u << 6,       /* window scaling negotiated */
	TF_FIN_QUEUED = 1u << 7,  /* user shut down sending; FIN goes after data */
	TF_FIN_SENT = 1u << 8,
	TF_RCVD_FIN = 1u << 9,    /* peer's FIN consumed: end of stream */
	TF_ORPHAN = 1u << 10,     /* no user handle (closed, or not yet accepted) */
	TF_SHUT_RD = 1u << 11,
	TF_PASSIVE = 1u << 12,    /* created by a listener */
	TF_REUSEADDR = 1u << 13,
	TF_WANT_WRITE = 1u << 14, /* a send hit a full buffer: raise NET_EV_OUT later */
	TF_RECOVERY = 1u << 15,   /* in NewReno fast recovery */
	TF_RTT_TIMING = 1u << 16, /* timing rtt_seq (no timestamps) */
	TF_SYN_REXMIT = 1u << 17, /* the SYN or SYN-ACK was retransmitted */
	TF_HASHED = 1u << 18,     /* in the 4-tuple hash */
	TF_BOUND = 1u << 19,      /* local address/port chosen */
	TF_PERSIST = 1u << 20,    /* rtx timer is running as the persist timer */
	TF_USER_CLOSED = 1u << 21,/* close() called (orphan that will not be accepted) */
	TF_PARTIAL_SEEN = 1u << 22, /* a partial ACK arrived in this recovery */
	TF_OOO_FIN = 1u << 23,    /* FIN seen beyond a hole */
	TF_SENT_RST = 1u << 24,
	TF_WS_RCVD = 1u << 25,    /* peer offered window scaling in its SYN */
	TF_DSACK_NOW = 1u << 26,  /* the next ACK reports dsack[] as a D-SACK (RFC 2883) */
	TF_COOKIE = 1u << 27,     /* created from a SYN cookie */
	TF_SACK_RECOVERY = 1u << 28, /* the recovery is driven by the SACK scoreboard */
	TF_TLP_ARMED = 1u << 29,  /* rtx_at is the loss probe timeout, not the RTO */
	TF_TLP_OUT = 1u << 30,    /* a loss probe went and its episode has not ended */
};

/* a retransmission in flight during SACK recovery (RACK's view of it) */
struct rack_rx {
	uint32_t start, end; /* what was sent again */
	uint32_t hi;         /* snd_max when it went: anything above was sent later */
	uint64_t late_at;    /* when data sent after it was first SACKed, 0: not yet */
};

struct ooo_range {
	uint32_t start, end; /* [start, end) sequence numbers */
	uint32_t stamp;      /* arrival order, newest first in SACK */
};

struct tcb {
	uint8_t state;
	bool used;
	bool port_counted; /* counted in net_stack.port_conns[lport] */
	uint16_t gen;
	uint32_t flags;
	int16_t error;     /* pending -NET_E* for the user */
	uint8_t ev_pending;
	bool ev_queued;
	uint8_t ttl;

	uint32_t laddr, raddr;
	uint16_t lport, rport;
	uint16_t hash_next;
	uint16_t heap_pos;     /* position in the timer heap, NET_NONE16 when absent */
	uint16_t lnext, lprev; /* free list / listener queue / TIME_WAIT list */
	uint16_t parent;       /* listener of a not-yet-accepted connection */
	uint8_t list_id;       /* which list lnext/lprev belong to */

	/* listener */
	uint16_t backlog, syn_backlog;
	struct ilist synq, acceptq;

	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, max_snd_wnd;
	uint32_t snd_wl1, snd_wl2;
	uint32_t buf_seq;     /* sequence number of the send ring's first byte */
	uint32_t snd_sml;     /* end of the last segment shorter than mss (Nagle, Minshall's form) */
	uint32_t fin_seq;     /* our FIN's sequence number once queued */
	uint16_t mss;         /* payload bytes per segment, options excluded */
	uint16_t peer_mss;
	uint8_t snd_wscale, rcv_wscale;

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we advertised */
	uint32_t last_ack_sent;
	uint32_t unacked_bytes;         /* in-order bytes received since the last ACK */
	uint32_t ooo_fin_seq;

	/* timestamps */
	uint32_t ts_recent, ts_offset;

	/* RTT / RTO (RFC 6298), microseconds */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;
	uint64_t rtt_start;
	uint8_t backoff, nrexmit;

	/* congestion control (RFC 5681, RFC 6582) */
	uint32_t cwnd, ssthresh, recover, bytes_acked;
	uint8_t dupacks;
	uint64_t last_send;  /* for restart after idle */
	uint64_t last_recv;  /* for keepalive */
	uint8_t keep_probes;
	uint32_t keep_idle_ms, keep_intvl_ms;
	uint8_t keep_cnt;
	int32_t linger_s;

	/* buffers */
	uint32_t sndbuf, rcvbuf; /* limits in bytes */
	struct net_ring snd, rcv;
	struct net_pool *pool;   /* listener: where its children's rings live (NULL: our blocks) */
	uint32_t pool_cap;
	struct ooo_range ooo[NET_TCP_OOO_MAX];
	/* sending side: what the peer SACKed above snd_una (RFC 6675 scoreboard) */
	struct {
		uint32_t start, end;
	} sb[NET_TCP_SACK_SB];
	uint8_t nsb;
	uint32_t sb_rexmit_nxt;   /* holes below this were retransmitted in this recovery */
	uint32_t sb_rexmit_bytes; /* retransmitted and not yet acknowledged */
	uint8_t nooo;
	uint32_t ooo_stamp;
	uint32_t dsack[2];      /* a duplicate received, reported first in the next ACK */
	/* RACK-TLP (RFC 8985) as tcp_rack.c keeps it */
	uint64_t reo_at;        /* reordering window deadline, 0 = off */
	uint64_t sack_seen_at;  /* when data above snd_una was first SACKed, 0 = none */
	uint32_t min_rtt_us;
	uint32_t tlp_high;      /* snd_max when the loss probe went */
	uint32_t dsack_round;   /* the reordering window grows once per window */
	uint8_t reo_mult;       /* reordering window in quarters of min_rtt */
	uint8_t reo_decay;      /* recoveries left before reo_mult falls back */
	uint8_t nrx;
	struct rack_rx rx[NET_TCP_RACK_RX];

	/* timers: absolute ns, 0 = off; the heap is keyed on `wake` <= min of them */
	uint64_t rtx_at, delack_at, keep_at, close_at; /* and reo_at above */
	uint64_t wake;

	struct net_tcp_conn_stats st;
};

/* ---------------------------------------------------------------- DHCP */
struct dhcp_client {
	uint8_t state;
	uint32_t xid;
	uint32_t offer_addr, server, mask, gw, dns;
	uint32_t lease_s, t1_s, t2_s;
	uint64_t start;      /* acquisition start, for the secs field */
	uint64_t bound_at;
	uint64_t next_tx;    /* retransmission deadline */
	uint32_t backoff_s;
	uint64_t t1_at, t2_at, lease_end;
	uint32_t cur_addr;   /* address in use (renew/rebind ciaddr) */
};

/* ---------------------------------------------------------------- the stack */
struct net_stack {
	struct net_config cfg;
	uint16_t *port_conns; /* per local port: passive connections not yet in TIME_WAIT */
	struct net_port port;
	uint64_t now;

	uint32_t ip_addr, ip_mask, ip_gw;
	uint16_t ip_id;

	struct pkt_pool pkts;
	struct blk_pool blks;

	struct net_pkt *txq[NET_TX_BATCH];
	unsigned ntx;
	unsigned busy; /* nesting depth of entry points; output flushed at 0 */

	struct arp_entry *arp;
	struct reasm *reasm;
	uint64_t misc_deadline; /* earliest ARP/reassembly/DHCP timer */

	/* ICMP rate limiting: token buckets in milli-tokens */
	uint64_t icmp_tokens, icmp_last;
	uint64_t chal_tokens, chal_last;

	struct udp_sock *udp;

	struct tcb *tcbs;
	uint16_t *tcb_hash;
	uint32_t hash_mask;
	struct ilist tcb_free, tw_list, listeners;
	uint16_t *heap;
	uint16_t heap_n;
	uint32_t eph_next;

	/* event ready queue: ring of handles */
	int32_t *evq;
	uint32_t evq_cap, evq_head, evq_len;
	uint8_t stack_ev;
	bool stack_ev_queued;

	struct dhcp_client dhcp;

	uint8_t key_isn[16], key_cookie[16], key_hash[16], key_port[16], key_ts[16];

	struct net_stats stats;
};

/* ---------------------------------------------------------------- helpers */
/* stack.c */
void net_drop(struct net_stack *s, struct net_pkt *p, enum net_drop why);
void net_accepted(struct net_stack *s, struct net_pkt *p, enum net_accept what);
void net_count_drop(struct net_stack *s, enum net_drop why);
void net_tx(struct net_stack *s, struct net_pkt *p);
void net_tx_flush(struct net_stack *s);
void net_enter(struct net_stack *s);
void net_leave(struct net_stack *s);
void net_event(struct net_stack *s, int handle, unsigned ev);
void net_misc_deadline(struct net_stack *s, uint64_t t);
void net_random(struct net_stack *s, void *buf, size_t len);
/* token bucket in units of 1e-9 token: rate per second, at most burst saved */
bool net_bucket_take(struct net_stack *s, uint64_t *tokens, uint64_t *last, uint32_t rate,
		     uint32_t burst);
uint32_t net_random_u32(struct net_stack *s);

/* fmt.c: a tiny formatter for log lines */
struct net_fmt {
	char buf[200];
	size_t n;
};
void nf_init(struct net_fmt *f);
void nf_str(struct net_fmt *f, const char *str);
void nf_u64(struct net_fmt *f, uint64_t v);
void nf_i64(struct net_fmt *f, int64_t v);
void nf_hex(struct net_fmt *f, uint64_t v);
void nf_ip(struct net_fmt *f, uint32_t addr);
bool net_log_on(struct net_stack *s, int level);
void net_log(struct net_stack *s, int level, struct net_fmt *f);

/* pkt.c */
void pkt_pool_init(struct pkt_pool *pp, struct net_pkt *descs, uint8_t *mem, uint32_t n);
struct net_pkt *pkt_clone(struct net_stack *s, const struct net_pkt *p);

/* ring.c */
void blk_pool_init(struct blk_pool *bp, uint8_t *mem, uint16_t *next, uint32_t n);
uint16_t blk_alloc(struct blk_pool *bp);
void blk_free(struct blk_pool *bp, uint16_t b);
void ring_init(struct net_ring *r);
void ring_reset_slots(struct net_ring *r);
/* Bytes the ring may hold (data + reserved room). */
uint32_t ring_room(const struct net_ring *r);
/* Blocks for offsets [len, upto) without writing them (an external send
 * ring's room for its owner). False when the pool ran out. */
bool ring_reserve(struct net_stack *s, struct net_ring *r, uint32_t upto);
/* The bytes at [off, off + n) as pointers into blocks; 0 if more than max
 * pieces or a hole. */
unsigned ring_iov(const struct net_stack *s, const struct net_ring *r, uint32_t off, uint32_t n,
		  struct net_iov *iov, unsigned max);
/* Moves the ring's bytes into new storage: pool (NULL: the stack's own) of
 * capacity cap; false (nothing changed) when it does not fit or blocks run out. */
bool ring_attach(struct net_stack *s, struct net_ring *r, struct net_pool *pool, uint32_t cap, bool rx,
		 uint32_t limit);
void ring_mirror(struct net_ring *r, uint16_t *mirror);
/* The owner closed the socket: no mirror, no reserved room; only the bytes
 * of [0, len) keep their blocks (an external ring's pool stays in use until
 * the stack is done with them, or net_pool_detach). */
void ring_disown(struct net_stack *s, struct net_ring *r);
/* Every block back (the owner is done with the ring). */
void ring_release_all(struct net_stack *s, struct net_ring *r);
/* Copy n bytes in at offset off from head, allocating blocks. Returns false
 * (nothing changed beyond blocks already present) when blocks run out. */
bool ring_write(struct net_stack *s, struct net_ring *r, uint32_t off, const void *src, uint32_t n);
void ring_read(const struct net_stack *s, const struct net_ring *r, uint32_t off, void *dst, uint32_t n);
void ring_consume(struct net_stack *s, struct net_ring *r, uint32_t n);
/* The bytes are gone: blocks back, but an external ring keeps the blocks
 * its owner may still be reading (unread data) or writing (reserved room). */
void ring_release(struct net_stack *s, struct net_ring *r);

/* csum.c */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);
uint16_t csum_fold(uint32_t sum);
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
uint16_t csum_ip_hdr(const void *hdr, size_t len);

/* siphash.c: SipHash-2-4 */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);

/* list helpers over tcb links (tcp_conn.c) */
void ilist_init(struct ilist *l);
void ilist_push_back(struct net_stack *s, struct ilist *l, uint16_t i);
void ilist_remove(struct net_stack *s, struct ilist *l, uint16_t i);
uint16_t ilist_pop_front(struct net_stack *s, struct ilist *l);

/* eth.c */
void eth_input(struct net_stack *s, struct net_pkt *p);
void eth_output(struct net_stack *s, struct net_pkt *p, const uint8_t dst[6], uint16_t type);
bool eth_is_bcast(const uint8_t mac[6]);

/* arp.c */
void arp_init(struct net_stack *s);
void arp_input(struct net_stack *s, struct net_pkt *p);
/* Send an IPv4 packet to next hop: resolves, queues or transmits. */
void arp_output(struct net_stack *s, struct net_pkt *p, uint32_t nexthop);
void arp_timer(struct net_stack *s);
void arp_request(struct net_stack *s, uint32_t target, const uint8_t *dst_mac);
/* entries in use, or (waiting) only those waiting for a reply */
uint32_t arp_count(struct net_stack *s, bool waiting);

/* ip.c */
void ip_input(struct net_stack *s, struct net_pkt *p);
/* p->data points at the transport header; pushes the IPv4 header and sends. */
void ip_output(struct net_stack *s, struct net_pkt *p, uint32_t src, uint32_t dst,
	       uint8_t proto, uint8_t ttl, bool df);
int ip_output_frags(struct net_stack *s, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
		    uint32_t total, void (*read)(void *ctx, uint32_t off, uint8_t *to, uint32_t n), void *ctx);
#define IP_LOOPBACK 0x7f000001u /* 127.0.0.1 */
/* 127/8: the host itself; never on the wire (RFC 1122 3.2.1.3 (g)). */
static inline bool ip_is_loopback(uint32_t a) { return (a >> 24) == 127; }
/* Ours: the configured address or any loopback address. */
bool ip_is_local(struct net_stack *s, uint32_t addr);
/* The source address for datagrams to dst: 127.0.0.1 towards loopback,
 * else the configured address (0 before there is one). */
uint32_t ip_src_for(struct net_stack *s, uint32_t dst);
bool ip_is_bcast(struct net_stack *s, uint32_t addr);
bool ip_bad_unicast(struct net_stack *s, uint32_t addr);
/* A peer we can never talk to: ip_bad_unicast, except loopback (which
 * ip_input lets in only from ourselves). */
static inline bool ip_bad_peer(struct net_stack *s, uint32_t a)
{
	return ip_bad_unicast(s, a) && !ip_is_loopback(a);
}
bool ip_route(struct net_stack *s, uint32_t dst, uint32_t *nexthop);
void ip_deliver(struct net_stack *s, struct net_pkt *p);
void ip_hdr_fill(void *hdr, uint16_t total_len, uint16_t id, uint16_t frag, uint8_t ttl, uint8_t proto,
		 uint32_t src, uint32_t dst, bool csum);

/* ip_frag.c */
void ip_reasm_input(struct net_stack *s, struct net_pkt *p, uint16_t hlen);
void reasm_timer(struct net_stack *s);
void reasm_pkt_release(struct net_stack *s, struct net_pkt *p);
uint32_t reasm_count(struct net_stack *s);

/* icmp.c */
void icmp_input(struct net_stack *s, struct net_pkt *p);
/* Send an ICMP error quoting the datagram whose IP header starts at iph. */
void icmp_error(struct net_stack *s, const uint8_t *iph, uint32_t avail, uint8_t type,
		uint8_t code, uint16_t mtu);
bool icmp_rate_ok(struct net_stack *s);

/* udp.c */
void udp_input(struct net_stack *s, struct net_pkt *p);
void udp_icmp_error(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport, int err);
bool udp_echo_input(struct net_stack *s, struct net_pkt *p, uint16_t id, uint16_t seq);
uint32_t udp_count(struct net_stack *s);
unsigned udp_poll(struct net_stack *s, int h);

/* dhcp.c */
bool dhcp_wants(struct net_stack *s, struct net_pkt *p);
/* Would a socket of ours (or our DHCP client) take a datagram of this flow? */
bool udp_wanted_here(struct net_stack *s, const struct net_flow *f);
void dhcp_input(struct net_stack *s, struct net_pkt *p);
void dhcp_timer(struct net_stack *s);

/* handles */
#define H_TCP 1
#define H_UDP 2
static inline int handle_make(int type, uint16_t gen, uint16_t idx)
{
	return (type << 29) | ((int)(gen & 0x1fff) << 16) | idx;
}
static inline int handle_type(int h) { return (h >> 29) & 3; }
static inline uint16_t handle_gen(int h) { return (uint16_t)((h >> 16) & 0x1fff); }
static inline uint16_t handle_idx(int h) { return (uint16_t)(h & 0xffff); }

/* tcp_conn.c */
void tcp_init(struct net_stack *s);
struct tcb *tcb_lookup(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport);
struct tcb *tcb_listener(struct net_stack *s, uint32_t laddr, uint16_t lport);
struct tcb *tcb_alloc(struct net_stack *s);
void tcb_hash_insert(struct net_stack *s, struct tcb *t);
void tcb_set_state(struct net_stack *s, struct tcb *t, int state);
void tcb_free(struct net_stack *s, struct tcb *t);
/* Connection is gone: report err (0 = orderly), free or leave for the user. */
void tcp_drop_conn(struct net_stack *s, struct tcb *t, int err);
void tcb_enter_time_wait(struct net_stack *s, struct tcb *t);
int tcb_handle(struct net_stack *s, struct tcb *t);
void tcp_ev(struct net_stack *s, struct tcb *t, unsigned ev);
uint16_t tcb_index(struct net_stack *s, const struct tcb *t);
void tcp_established(struct net_stack *s, struct tcb *t);
uint32_t tcp_rcv_space(const struct tcb *t);
uint32_t tcp_snd_space(const struct tcb *t);
void tcp_release_buffers(struct net_stack *s, struct tcb *t);
void tcp_init_cc(struct net_stack *s, struct tcb *t);
uint32_t tcp_initial_window(uint32_t mss);
/* Per-port shares of the table (net_config.tcp_port_conns). */
bool tcp_port_full(struct net_stack *s, uint16_t lport);
void tcp_port_uncount(struct net_stack *s, struct tcb *t);
struct tcb *tcp_new_passive(struct net_stack *s, struct tcb *lt, uint32_t laddr,
			    uint16_t lport, uint32_t raddr, uint16_t rport);
void tcp_accept_enqueue(struct net_stack *s, struct tcb *t);

/* tcp_cookie.c: ISNs (RFC 6528), SYN cookies, ephemeral port offsets (RFC 6056) */
uint32_t tcp_isn(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
uint32_t tcp_ts_offset(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
		       uint16_t rport);
uint32_t tcp_cookie_make(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
			 uint16_t rport, uint32_t peer_isn, uint16_t mss);
/* Returns the MSS encoded, or 0 when the cookie does not check. */
uint16_t tcp_cookie_check(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
			  uint16_t rport, uint32_t peer_isn, uint32_t cookie);
uint32_t tcp_port_offset(struct net_stack *s, uint32_t laddr, uint32_t raddr, uint16_t rport);
uint32_t hash_tuple(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);

/* tcp_in.c */
struct tcp_opts {
	bool mss_ok, ws_ok, sack_ok, ts_ok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
};
void tcp_input(struct net_stack *s, struct net_pkt *p);
void tcp_icmp_error(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport,
		    uint32_t seq, uint8_t type, uint8_t code, uint16_t mtu);
void tcp_parse_opts(const uint8_t *o, unsigned len, bool syn, struct tcp_opts *out);

/* tcp_out.c */
void tcp_output(struct net_stack *s, struct tcb *t);
int tcp_send_syn(struct net_stack *s, struct tcb *t);
void tcp_send_ack(struct net_stack *s, struct tcb *t);
int tcp_send_segment(struct net_stack *s, struct tcb *t, uint32_t seq, uint32_t len,
		     uint8_t flags);
void tcp_send_rst(struct net_stack *s, struct tcb *t);
/* RST in reply to a segment without a connection (RFC 9293 3.10.7.1). */
void tcp_reply_rst(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
		   uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags);
/* SYN-ACK from a listener in cookie mode (no state), advertising win. */
void tcp_send_cookie_synack(struct net_stack *s, uint32_t laddr, uint16_t lport, uint32_t raddr,
			    uint16_t rport, uint32_t iss, uint32_t rcv_nxt, const struct tcp_opts *o,
			    uint16_t win);
/* The window a listener's cookie SYN-ACK advertises, and the connection
 * built from the cookie starts with. */
static inline uint16_t tcp_cookie_window(const struct tcb *lt)
{
	return (uint16_t)(lt->rcvbuf < 65535 ? lt->rcvbuf : 65535);
}
void tcp_send_challenge_ack(struct net_stack *s, struct tcb *t);
void tcp_retransmit_first(struct net_stack *s, struct tcb *t);
uint32_t tcp_now_ts(struct net_stack *s, const struct tcb *t);
uint16_t tcp_window_field(struct net_stack *s, struct tcb *t);
uint16_t tcp_adv_mss(struct net_stack *s);
uint8_t tcp_pick_wscale(uint32_t rcvbuf);
void tcp_send_keepalive(struct net_stack *s, struct tcb *t);

/* tcp_sack.c: SACK-based loss recovery on the sending side */
bool sack_update(struct tcb *t, const struct tcp_opts *o);
void sack_clear(struct tcb *t);
uint32_t sack_bytes(const struct tcb *t);
void sack_enter_recovery(struct net_stack *s, struct tcb *t, bool reduce);
uint32_t sack_highest(const struct tcb *t);
bool sack_covers(const struct tcb *t, uint32_t start, uint32_t end);
void sack_newack(struct net_stack *s, struct tcb *t);
void sack_output(struct net_stack *s, struct tcb *t);

/* tcp_rack.c: time-based loss detection and the tail loss probe (RFC 8985) */
void rack_rtt_sample(struct tcb *t, uint32_t us);
void rack_on_ack(struct net_stack *s, struct tcb *t, bool dsack);
void rack_reo_expired(struct net_stack *s, struct tcb *t);
void rack_note_rexmit(struct net_stack *s, struct tcb *t, uint32_t seq, uint32_t len);
void rack_reset(struct tcb *t);
bool tlp_arm(struct net_stack *s, struct tcb *t);
void tlp_fire(struct net_stack *s, struct tcb *t);

/* tcp_timer.c */
void tcp_timer_update(struct net_stack *s, struct tcb *t);
void tcp_timer_remove(struct net_stack *s, struct tcb *t);
void tcp_timers_run(struct net_stack *s);
uint64_t tcp_next_deadline(struct net_stack *s);
void tcp_rtx_arm(struct net_stack *s, struct tcb *t);
void tcp_rtt_sample(struct net_stack *s, struct tcb *t, uint32_t rtt_us);
void tcp_keep_arm(struct net_stack *s, struct tcb *t);

#endif
