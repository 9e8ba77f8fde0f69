/*
 * pikaos portable TCP/IP stack: public interface.
 *
 * One `struct net_stack` per core. It owns every byte of its state inside a
 * memory region the caller hands to net_init(); there are no globals, no
 * locks and no threads. The caller drives it: net_input() for each received
 * frame, net_poll() when the deadline it returned has passed, and the socket
 * calls below. Output leaves through the port's tx callback; notifications
 * are queued and drained with net_events(). See net/README.md.
 *
 * Addresses and ports in this interface are host byte order
 * (10.0.0.1 is 0x0a000001).
 */
#ifndef NET_NET_H
#define NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/pkt.h"

/* ------------------------------------------------------------------ errors */
/* Negative return values are -NET_E*; the numbers are the POSIX (Linux) ones. */
#define NET_EPERM 1
#define NET_EBADF 9
#define NET_EBUSY 16
#define NET_EAGAIN 11
#define NET_ENOMEM 12
#define NET_EINVAL 22
#define NET_EMFILE 24
#define NET_EPIPE 32
#define NET_EDESTADDRREQ 89
#define NET_EMSGSIZE 90
#define NET_ENOPROTOOPT 92
#define NET_EOPNOTSUPP 95
#define NET_EADDRINUSE 98
#define NET_EADDRNOTAVAIL 99
#define NET_ENETDOWN 100
#define NET_ENETUNREACH 101
#define NET_ECONNABORTED 103
#define NET_ECONNRESET 104
#define NET_ENOBUFS 105
#define NET_EISCONN 106
#define NET_ENOTCONN 107
#define NET_ESHUTDOWN 108
#define NET_ETIMEDOUT 110
#define NET_ECONNREFUSED 111
#define NET_EHOSTUNREACH 113
#define NET_EALREADY 114
#define NET_EINPROGRESS 115

/* ------------------------------------------------------------------ port */
struct net_flow {
	uint32_t laddr; /* local (this host) */
	uint32_t raddr; /* remote */
	uint16_t lport;
	uint16_t rport;
	uint8_t proto; /* 6 = TCP, 17 = UDP */
	uint8_t tcp_flags; /* net_classify: the segment's TCP flags (a SYN opens a flow) */
};

enum net_log_level { NET_LOG_ERR = 0, NET_LOG_WARN, NET_LOG_INFO, NET_LOG_DEBUG };

struct net_port {
	void *ctx;
	/* Monotonic clock in nanoseconds. Required. */
	uint64_t (*now_ns)(void *ctx);
	/* Transmit n frames. Each pkt's reference passes to the port, which
	 * calls net_pkt_free() once the frame is on the wire. Required. */
	void (*tx)(void *ctx, struct net_pkt **pkts, unsigned n);
	/* Fill buf with unpredictable bytes (secrets, ISNs, DHCP xid). Required. */
	void (*random)(void *ctx, void *buf, size_t len);
	/* A preformatted log line without newline. Optional. */
	void (*log)(void *ctx, int level, const char *msg);
	/* Multikernel hook (optional): which core owns this TCP flow? Return a
	 * core number, or -1 for "no opinion" (handled here). Asked only for
	 * segments that match no connection of this instance. */
	int (*owner_of)(void *ctx, const struct net_flow *flow);
	/* Where net_input() hands segments that owner_of() placed on another
	 * core. The reference passes to the callee (it copies the frame into a
	 * channel message and frees the pkt here). Without it net_input() keeps
	 * such segments local. */
	void (*forward)(void *ctx, int core, struct net_pkt *pkt);
	/* Ephemeral-port predicate (optional): true if replies for this flow
	 * will reach this instance's queue (RSS hash, PIKA flow group). */
	bool (*flow_ok)(void *ctx, const struct net_flow *flow);
	/* A connection's control block is gone (closed, reset, TIME_WAIT over,
	 * aborted; optional, not called for listeners).
	 * A connection manager that steered the flow here is told through it. */
	void (*conn_gone)(void *ctx, const struct net_flow *flow);
};

/* ------------------------------------------------------------------ config */
struct net_config {
	uint8_t mac[6];
	uint16_t mtu;          /* IP MTU, <= NET_MTU_MAX */
	int core_id;           /* this instance's core, compared with owner_of() */
	uint32_t pkt_bufs;     /* packet buffers (NET_PKT_BUFSIZE bytes each) */
	uint32_t data_blocks;  /* TCP stream buffer blocks (NET_BLK_SIZE bytes each) */
	uint16_t tcp_conns;    /* TCB table size (connections + listeners) */
	uint16_t udp_socks;    /* UDP and ICMP-echo sockets */
	uint16_t arp_entries;
	uint16_t reasm_slots;  /* concurrent IPv4 reassemblies */
	uint32_t reasm_max;    /* largest reassembled datagram accepted */
	uint32_t tcp_sndbuf;   /* default per-connection buffers, <= NET_TCP_BUF_MAX */
	uint32_t tcp_rcvbuf;
	uint32_t udp_rcvbuf;   /* default bytes queued per UDP socket */
	uint16_t tcp_time_wait_max; /* TIME_WAIT connections kept before recycling the oldest */
	uint16_t syn_backlog_max;   /* cap on any listener's SYN queue */
	uint16_t tcp_port_conns;    /* connections one local port may hold from its listeners
				     * (0: tcp_conns less an eighth, kept for other ports) */
	bool syn_cookies;
	bool tx_csum_offload;  /* the driver completes TCP/UDP and IPv4 checksums */
	/* timing, in milliseconds */
	uint32_t rto_min_ms, rto_max_ms, rto_initial_ms;
	uint32_t delack_ms;
	uint32_t msl_ms;       /* TIME_WAIT lasts 2 * MSL */
	uint32_t fin_wait2_ms; /* orphaned FIN_WAIT_2 timeout */
	uint32_t keep_idle_ms, keep_intvl_ms;
	uint8_t keep_cnt;
	uint8_t syn_retries, synack_retries, data_retries;
	uint32_t arp_timeout_ms, arp_retry_ms;
	uint8_t arp_retries;
	uint32_t reasm_timeout_ms;
	uint16_t icmp_rate_per_s, icmp_burst;
	uint16_t challenge_ack_per_s;
	uint16_t eph_lo, eph_hi; /* ephemeral port range */
	uint8_t ttl;
	int log_level;         /* messages above this level are not formatted */
};

/* ------------------------------------------------------------------ stack */
struct net_stack;

void net_config_default(struct net_config *cfg);
/* Bytes of memory net_init() needs for this configuration. */
size_t net_mem_size(const struct net_config *cfg);
/* Build an instance in mem (16-byte aligned, net_mem_size() bytes). The
 * port struct is copied. Returns NULL when the region or config is bad. */
struct net_stack *net_init(void *mem, size_t len, const struct net_config *cfg,
			   const struct net_port *port);

/* Driver side. net_input() consumes the reference. Returns
 * NET_INPUT_LOCAL, or NET_INPUT_FORWARDED when handed to port->forward(). */
enum { NET_INPUT_LOCAL = 0, NET_INPUT_FORWARDED = 1 };
int net_input(struct net_stack *s, struct net_pkt *pkt);
/* Batched variant: processes all, flushes output once. */
void net_input_batch(struct net_stack *s, struct net_pkt **pkts, unsigned n);
/* Copy a frame into a pool buffer and process it. Returns -NET_ENOBUFS when
 * the pool is empty (counted), else as net_input(). */
int net_input_copy(struct net_stack *s, const void *frame, size_t len, uint16_t rx_flags);
/* A segment another core forwarded here: processed as local, never forwarded again. */
void net_input_forwarded(struct net_stack *s, struct net_pkt *pkt);

/* Classification hook (PIKA link server). Looks at an unprocessed frame:
 * NET_CLASS_LOCAL: handle here; NET_CLASS_REMOTE: *core owns it;
 * NET_CLASS_OTHER: not a TCP segment for our address (handled here too). */
enum net_class { NET_CLASS_LOCAL = 0, NET_CLASS_REMOTE = 1, NET_CLASS_OTHER = 2 };
/* The TCP flow of a frame to us (or, marked NET_PKT_RX_LOOPED, to 127/8),
 * fl's tcp_flags too; false for anything else (fragments included). */
bool net_tcp_flow_of(struct net_stack *s, const struct net_pkt *pkt, struct net_flow *fl);
enum net_class net_classify(struct net_stack *s, const struct net_pkt *pkt,
			    struct net_flow *flow, int *core);

/* Run due timers; returns the absolute time (ns) of the next deadline,
 * UINT64_MAX when none. */
uint64_t net_poll(struct net_stack *s);

/* Static IPv4 configuration (0 addr removes it). Announces with a gratuitous ARP. */
void net_ipv4_set(struct net_stack *s, uint32_t addr, uint32_t mask, uint32_t gw);
void net_ipv4_get(struct net_stack *s, uint32_t *addr, uint32_t *mask, uint32_t *gw);
/* Broadcast a gratuitous ARP for our address. */
void net_arp_announce(struct net_stack *s);
/* Insert/replace a permanent (or, with permanent=false, a normal) ARP entry. */
int net_arp_set(struct net_stack *s, uint32_t addr, const uint8_t mac[6], bool permanent);
/* Look up; returns true and copies the MAC if resolved. */
bool net_arp_lookup(struct net_stack *s, uint32_t addr, uint8_t mac[6]);

/* ------------------------------------------------------------------ DHCP */
enum net_dhcp_state {
	NET_DHCP_OFF = 0, NET_DHCP_INIT, NET_DHCP_SELECTING, NET_DHCP_REQUESTING,
	NET_DHCP_BOUND, NET_DHCP_RENEWING, NET_DHCP_REBINDING
};
struct net_dhcp_info {
	enum net_dhcp_state state;
	uint32_t addr, mask, gw, dns, server;
	uint32_t lease_s, t1_s, t2_s;
	uint64_t bound_at_ns; /* when the current lease was obtained */
};
void net_dhcp_start(struct net_stack *s);
void net_dhcp_stop(struct net_stack *s); /* sends DHCPRELEASE when bound */
void net_dhcp_info(struct net_stack *s, struct net_dhcp_info *info);

/* ------------------------------------------------------------------ sockets */
/* A socket handle is a positive int; errors are -NET_E*. */
struct net_sockaddr {
	uint32_t addr;
	uint16_t port;
};

enum net_tcp_state {
	NET_TCP_CLOSED = 0, NET_TCP_LISTEN, NET_TCP_SYN_SENT, NET_TCP_SYN_RECEIVED,
	NET_TCP_ESTABLISHED, NET_TCP_FIN_WAIT_1, NET_TCP_FIN_WAIT_2, NET_TCP_CLOSE_WAIT,
	NET_TCP_CLOSING, NET_TCP_LAST_ACK, NET_TCP_TIME_WAIT
};
const char *net_tcp_state_name(int state);

/* TCP */
int net_tcp_socket(struct net_stack *s);
int net_tcp_bind(struct net_stack *s, int h, const struct net_sockaddr *a);
int net_tcp_listen(struct net_stack *s, int h, int backlog);
/* Returns a new handle, or -NET_EAGAIN when none is ready. */
int net_tcp_accept(struct net_stack *s, int h, struct net_sockaddr *peer);
/* Returns -NET_EINPROGRESS; completion is NET_EV_CONNECTED or NET_EV_ERR. */
int net_tcp_connect(struct net_stack *s, int h, const struct net_sockaddr *a);
/* Copy into the send buffer: bytes accepted, or -NET_EAGAIN when full. */
long net_tcp_send(struct net_stack *s, int h, const void *buf, size_t len);
/* Bytes read, 0 at end of stream, -NET_EAGAIN when nothing is buffered. */
long net_tcp_recv(struct net_stack *s, int h, void *buf, size_t len);
enum { NET_SHUT_RD = 0, NET_SHUT_WR = 1, NET_SHUT_RDWR = 2 };
int net_tcp_shutdown(struct net_stack *s, int h, int how);
/* Release the handle. The connection finishes in the background (FIN),
 * or is reset when unread data remains or linger 0 is set. */
int net_tcp_close(struct net_stack *s, int h);
/* Send RST and release the handle. */
int net_tcp_abort(struct net_stack *s, int h);
int net_tcp_state(struct net_stack *s, int h);
/* Does a connection (any state but LISTEN) of this flow exist? */
bool net_tcp_flow_exists(struct net_stack *s, const struct net_flow *f);
int net_tcp_sockname(struct net_stack *s, int h, struct net_sockaddr *a);
int net_tcp_peername(struct net_stack *s, int h, struct net_sockaddr *a);

enum net_sockopt {
	NET_SO_NODELAY = 1,  /* Nagle off */
	NET_SO_KEEPALIVE,    /* 0/1 */
	NET_SO_KEEPIDLE,     /* seconds */
	NET_SO_KEEPINTVL,    /* seconds */
	NET_SO_KEEPCNT,
	NET_SO_SNDBUF,       /* bytes */
	NET_SO_RCVBUF,       /* bytes */
	NET_SO_LINGER,       /* -1 off, else seconds (0 = reset on close) */
	NET_SO_REUSEADDR,
	NET_SO_ERROR,        /* get only: pending error, cleared on read */
	NET_SO_TTL,
};
int net_setsockopt(struct net_stack *s, int h, int opt, int value);
int net_getsockopt(struct net_stack *s, int h, int opt, int *value);

struct net_tcp_conn_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t retrans_segs, rto_timeouts, fast_retrans, dup_acks_in;
	uint64_t ooo_segs, drops, zero_window_probes, keepalive_probes;
};
struct net_tcp_info {
	int state;
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, mss;
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint8_t snd_wscale, rcv_wscale;
	bool ts_ok, sack_ok;
	uint32_t snd_queued, rcv_queued;
	struct net_tcp_conn_stats stats;
};
int net_tcp_info(struct net_stack *s, int h, struct net_tcp_info *info);

/* UDP (proto 17) and ICMP echo sockets (ping sockets: the "port" is the echo id) */
enum { NET_DGRAM_UDP = 0, NET_DGRAM_ICMP_ECHO = 1 };
int net_udp_socket(struct net_stack *s, int kind);
int net_udp_bind(struct net_stack *s, int h, const struct net_sockaddr *a);
int net_udp_connect(struct net_stack *s, int h, const struct net_sockaddr *a);
/* dst NULL uses the connected peer. ICMP echo: buf is the payload after the
 * 8-byte header; the sequence number is dst->port... see README. */
long net_udp_sendto(struct net_stack *s, int h, const void *buf, size_t len,
		    const struct net_sockaddr *dst);
/* Bytes copied (the datagram is consumed; *truncated set if it was longer). */
long net_udp_recvfrom(struct net_stack *s, int h, void *buf, size_t len,
		      struct net_sockaddr *src, bool *truncated);
/* The same on pieces of memory (the buffers of net_iov, see below). */
struct net_iov;
long net_udp_sendv(struct net_stack *s, int h, const struct net_iov *iov, unsigned n,
		   const struct net_sockaddr *dst);
long net_udp_recvv(struct net_stack *s, int h, const struct net_iov *iov, unsigned n,
		   struct net_sockaddr *src, bool *truncated);
/* Length of the next datagram, -NET_EAGAIN when none, or the pending error
 * (left pending: recvfrom reports it). */
long net_udp_peek(struct net_stack *s, int h);
int net_udp_close(struct net_stack *s, int h);
int net_udp_sockname(struct net_stack *s, int h, struct net_sockaddr *a);

/* ------------------------------------------------------------------ buffers in the caller's memory
 *
 * A TCP socket's send and receive buffers can live in a pool of blocks the
 * caller owns instead of the stack's own (netd: memory shared with the
 * process that owns the socket, so the process reads and writes the bytes
 * there and the stack copies them straight from and to packets). Each ring
 * has a power-of-two capacity; a byte at stream offset o (counted from 0,
 * wrapping at 2^32) sits at position o mod capacity, in block
 * slot[position / NET_BLK_SIZE] at position % NET_BLK_SIZE; with a mirror
 * the stack keeps a copy of the slot table where the owner can read it.
 * Receive: the owner reads [rx_start, rx_end) and tells net_tcp_consume.
 * Send: the owner may write [tx_end, tx_limit) (room net_tcp_reserve made)
 * and tells net_tcp_commit. Blocks the owner may be using are never taken
 * back while the socket is open.
 */
struct net_iov {
	void *base;
	uint32_t len;
};
struct net_pool;
size_t net_pool_state_size(void);
/* A pool of nblocks blocks of NET_BLK_SIZE bytes at `blocks`; its private
 * state in `state` (net_pool_state_size() bytes) and next[nblocks]. */
struct net_pool *net_pool_init(void *state, void *blocks, uint16_t *next, uint32_t nblocks);
uint32_t net_pool_free_blocks(const struct net_pool *p);
/* One block for the caller's own use (NET_NONE16 when none), and back. */
uint16_t net_pool_alloc(struct net_pool *p);
void net_pool_free(struct net_pool *p, uint16_t block);
/* Moves the socket's buffers into pool (NULL: back to the stack's) with
 * rings of cap bytes (a power of two, 2 blocks .. NET_TCP_BUF_MAX). A
 * listener's connections are born there. -NET_ENOMEM when they do not fit. */
int net_tcp_set_pool(struct net_stack *s, int h, struct net_pool *pool, uint32_t cap);
/* Where the receive and send rings' slot tables are copied (NULL: nowhere);
 * each has capacity / NET_BLK_SIZE entries, NET_NONE16 (0xffff) for a hole. */
int net_tcp_set_mirror(struct net_stack *s, int h, uint16_t *rx, uint16_t *tx);
struct net_tcp_stream {
	uint32_t rx_start, rx_end;   /* unread in-order bytes */
	uint32_t tx_start, tx_end;   /* sent or queued, not yet acknowledged */
	uint32_t tx_limit;           /* the owner may write up to here */
};
int net_tcp_stream(struct net_stack *s, int h, struct net_tcp_stream *st);
/* Room for `room` more bytes past tx_end (up to the send buffer, whole
 * blocks, what the pool has); returns the room now reserved, 0 when the
 * socket cannot send, -NET_E*. */
long net_tcp_reserve(struct net_stack *s, int h, uint32_t room);
/* The owner lost the socket before it wrote into its reserved room (a
 * connection taken back from a process that never claimed it): the room is
 * no longer kept, so the socket can move to another pool. */
int net_tcp_unreserve(struct net_stack *s, int h);
/* n bytes the owner wrote at tx_end join the stream: n, or -NET_E* as
 * net_tcp_send. With send_now they may leave at once; without, they wait
 * for the next output on the connection (a shutdown or close right after:
 * the bytes and the FIN in one segment). */
long net_tcp_commit(struct net_stack *s, int h, uint32_t n, bool send_now);
/* The owner read everything before stream offset upto. */
int net_tcp_consume(struct net_stack *s, int h, uint32_t upto);
/* Before pool's memory goes away: every connection still using it (closed
 * by its owner, finishing in the background) moves its unsent bytes to the
 * stack's blocks; those that cannot are reset. Returns how many were reset. */
unsigned net_pool_detach(struct net_stack *s, struct net_pool *pool);

/* Level-triggered readiness of any handle (NET_EV_* bits, like poll()). */
unsigned net_sock_poll(struct net_stack *s, int h);

/* ------------------------------------------------------------------ events */
#define NET_EV_IN 0x01        /* readable, end of stream, or accept ready */
#define NET_EV_OUT 0x02       /* send space became available */
#define NET_EV_CONNECTED 0x04 /* connect() completed */
#define NET_EV_ERR 0x08       /* an error is pending (NET_SO_ERROR) */
#define NET_EV_HUP 0x10       /* connection is gone (closed or reset) */
#define NET_EV_RDHUP 0x20     /* peer closed its sending side */
#define NET_EV_ADDR 0x40      /* handle 0 only: IPv4 address changed (DHCP) */

struct net_event {
	int handle; /* 0 for stack-level events */
	unsigned events;
};
/* Drain up to max queued events (edge-triggered, coalesced per handle). */
unsigned net_events(struct net_stack *s, struct net_event *ev, unsigned max);

/* ------------------------------------------------------------------ counters */
enum net_drop {
	/* receive path: every input frame ends in exactly one drop or accept */
	NET_DROP_NOBUFS_RX = 0,
	NET_DROP_DRIVER_CSUM,
	NET_DROP_ETH_SHORT,
	NET_DROP_ETH_NOT_FOR_US,
	NET_DROP_ETH_TYPE,
	NET_DROP_ARP_BAD,
	NET_DROP_ARP_NOT_FOR_US,
	NET_DROP_IP_SHORT,
	NET_DROP_IP_VERSION,
	NET_DROP_IP_HLEN,
	NET_DROP_IP_LEN,
	NET_DROP_IP_CSUM,
	NET_DROP_IP_BAD_SRC,
	NET_DROP_IP_NOT_FOR_US,
	NET_DROP_IP_LOOPBACK_WIRE, /* 127/8 from the wire (RFC 1122 3.2.1.3) */
	NET_DROP_IP_PROTO,
	NET_DROP_FRAG_BAD,
	NET_DROP_FRAG_TOO_BIG,
	NET_DROP_FRAG_OVERLAP,
	NET_DROP_FRAG_DUP,
	NET_DROP_ICMP_SHORT,
	NET_DROP_ICMP_CSUM,
	NET_DROP_ICMP_TYPE,
	NET_DROP_ICMP_RATE,
	NET_DROP_ICMP_NO_SOCKET,
	NET_DROP_UDP_SHORT,
	NET_DROP_UDP_CSUM,
	NET_DROP_UDP_NO_PORT,
	NET_DROP_UDP_RCVBUF,
	NET_DROP_DHCP_BAD,
	NET_DROP_TCP_SHORT,
	NET_DROP_TCP_HLEN,
	NET_DROP_TCP_CSUM,
	NET_DROP_TCP_BAD_ADDR,
	NET_DROP_TCP_NO_SOCKET,
	NET_DROP_TCP_LISTEN_FLAGS,
	NET_DROP_TCP_SYNQ_FULL,
	NET_DROP_TCP_PORT_FULL,
	NET_DROP_TCP_ACCEPTQ_FULL,
	NET_DROP_TCP_NO_TCB,
	NET_DROP_TCP_BAD_COOKIE,
	NET_DROP_TCP_SYN_SENT,
	NET_DROP_TCP_PAWS,
	NET_DROP_TCP_DUPLICATE,
	NET_DROP_TCP_OUT_OF_WINDOW,
	NET_DROP_TCP_RST_CHALLENGE,
	NET_DROP_TCP_SYN_CHALLENGE,
	NET_DROP_TCP_DUP_SYN,
	NET_DROP_TCP_NO_ACK,
	NET_DROP_TCP_BAD_ACK,
	NET_DROP_TCP_ACK_TOO_NEW,
	NET_DROP_TCP_ACK_TOO_OLD,
	NET_DROP_TCP_ZERO_WINDOW,
	NET_DROP_TCP_OOO_FULL,
	NET_DROP_TCP_NOMEM,
	NET_DROP_TCP_AFTER_CLOSE,
	NET_DROP_TCP_TIME_WAIT,
	NET_DROP__RX_END,
	/* transmit path and internal losses (not input frames) */
	NET_DROP_TX_NOBUFS = NET_DROP__RX_END,
	NET_DROP_TX_NO_ROUTE,
	NET_DROP_ARP_PENDING_FULL,
	NET_DROP_ARP_UNRESOLVED,
	NET_DROP_ARP_TABLE_FULL,
	NET_DROP_FRAG_TIMEOUT,
	NET_DROP_FRAG_EVICTED,
	NET_DROP_FRAG_NOMEM,
	NET_DROP__COUNT
};
const char *net_drop_name(int reason);

enum net_accept {
	NET_ACC_ARP = 0,
	NET_ACC_FRAG_QUEUED,
	NET_ACC_ICMP,
	NET_ACC_UDP,
	NET_ACC_DHCP,
	NET_ACC_TCP,
	NET_ACC_FORWARDED,
	NET_ACC__COUNT
};

struct net_stats {
	uint64_t rx_frames;      /* frames entering net_input*() */
	uint64_t rx_reassembled; /* datagrams produced by reassembly (re-enter IP input) */
	uint64_t tx_frames;
	uint64_t accepted[NET_ACC__COUNT];
	uint64_t drops[NET_DROP__COUNT];
	uint64_t arp_requests_out, arp_replies_out;
	uint64_t icmp_out, icmp_echo_replies;
	uint64_t frags_out;
	uint64_t udp_out;
	uint64_t tcp_segs_out, tcp_retrans, tcp_rto, tcp_fast_retrans;
	uint64_t tcp_tlp_probes;    /* tail loss probes sent (RFC 8985 7) */
	uint64_t tcp_rack_recoveries; /* recoveries begun by the reordering window, not 3 dupacks */
	uint64_t tcp_rack_rexmit_lost; /* retransmissions found lost and sent again without an RTO */
	uint64_t tcp_dsacks;        /* duplicate SACKs received (RFC 2883) */
	uint64_t tcp_active_opens, tcp_passive_opens, tcp_resets_out, tcp_resets_in;
	uint64_t tcp_challenge_acks, tcp_challenge_acks_suppressed;
	uint64_t tcp_cookies_sent, tcp_cookies_ok;
	uint64_t tcp_tw_recycled, tcp_conn_timeouts;
	uint64_t tcp_tw_handed; /* TIME_WAITs ended by a SYN that owner_of placed on another core */
	uint64_t injected;       /* segments received through net_input_forwarded() */
	uint64_t dhcp_out;
	uint64_t pkt_guard_broken; /* buffers found written past their room (a bug) */
	uint64_t arp_incomplete_evicted; /* unanswered ARP entries given up for newer ones */
};
const struct net_stats *net_stats(struct net_stack *s);

/* Resource use, for leak checks. */
struct net_usage {
	uint32_t pkts_used, pkts_total;
	uint32_t blocks_used, blocks_total;
	uint32_t tcbs_used, tcbs_total, tcbs_time_wait;
	uint32_t udp_used, arp_used, reasm_used;
	uint32_t arp_waiting; /* entries waiting for an ARP reply */
};
void net_usage(struct net_stack *s, struct net_usage *u);

#endif
