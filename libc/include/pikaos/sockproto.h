/*
 * pikaos/sockproto.h - how a process reaches its core's netd (POSIX sockets
 * in libc are built on this). Not for applications: use <sys/socket.h>.
 *
 * Sockets are shared memory, not messages (NetKernel's stack as a service
 * behind queues). A process binds "netd" on its own core with a channel of
 * SOCK_CHAN_PAGES pages (from the core's own memory: both ends are here).
 * Its data area (struct sock_area) holds, per socket, a receive ring and a
 * send ring of bytes in a pool of blocks, and the socket's state, which netd
 * keeps current; plus a ring of new connections for listeners, a ready list
 * (sockets whose state changed) and a kick list (sockets the process
 * touched). So:
 *   recv    copies out of the receive ring and moves rx_head;
 *   send    copies into the room netd reserved and moves tx_tail;
 *   accept  takes a record from the accept ring;
 *   poll, select, epoll_wait read the state and the ready list;
 * none of them sends a message when there is data, room, a connection or a
 * ready socket. A process that changed a ring index appends the socket to
 * the kick list and, if netd sleeps, wakes it (one system call, only then).
 * Messages (pikaos/msg.h convention) carry what changes ownership or state:
 * open, bind, listen, connect, options, names (with a reply), shutdown and
 * close (one-way). netd handles every kick and every stack event of a turn,
 * then publishes and wakes each process at most once.
 *
 * Sizes: the data area is a fixed layout (struct sock_area) for both sides;
 * netd checks that the channel really has that many pages (the kernel's
 * facts, not the header).
 *
 * Stream offsets: every ring counts its bytes from 0 (uint32_t, wrapping).
 * The byte at offset o lies at position p = o % SOCK_RING_CAP, in block
 * rx_slot[p / SOCK_BLOCK] (tx_slot for the send ring) at p % SOCK_BLOCK.
 *   receive: bytes [rx_head, rx_tail) are readable; the process moves rx_head.
 *   send:    the process may write [tx_tail, tx_limit); it moves tx_tail.
 * UDP rings hold records: struct sock_dgram, then the datagram, padded to
 * a multiple of 8 bytes. A listener's connections arrive in the accept ring.
 *
 * Nothing the process writes is trusted: netd reads each index once,
 * checks it against its own copy of what it published, and closes the
 * channel of a process that lies (counted by reason in netstat).
 */
#ifndef _PIKAOS_SOCKPROTO_H
#define _PIKAOS_SOCKPROTO_H

#include <stdint.h>

#define SOCK_MAX 8192               /* socket ids 1..SOCK_MAX-1 per process */
#define SOCK_BLOCK 2048             /* = NET_BLK_SIZE */
#define SOCK_BLOCKS 2048            /* the pool: 4 MiB */
#define SOCK_RING_CAP (256 * 1024)  /* capacity of every ring (a power of two) */
#define SOCK_SLOTS (SOCK_RING_CAP / SOCK_BLOCK)
#define SOCK_NO_BLOCK 0xffff        /* a hole in a slot table */
#define SOCK_ACCEPTS 1024           /* accept ring records */
#define SOCK_READY 8192             /* ready list entries */
#define SOCK_KICKS 2048             /* kick list entries */
#define SOCK_DGRAM_MAX 65507

/* Socket state bits netd publishes (level: true while it holds). */
#define SOCK_ST_OPEN 0x001       /* the entry is a socket of this process */
#define SOCK_ST_CONNECTING 0x002 /* connect() started, not done */
#define SOCK_ST_CONNECTED 0x004  /* established (TCP), or UDP connected */
#define SOCK_ST_LISTENING 0x008
#define SOCK_ST_EOF 0x010        /* the peer sent FIN: nothing past rx_tail will come */
#define SOCK_ST_HUP 0x020        /* the connection is gone (closed, reset, timed out) */
#define SOCK_ST_WRCLOSED 0x040   /* no more sending (shutdown, FIN sent, or gone) */
#define SOCK_ST_EVER 0x080       /* it was connected once (ENOTCONN vs EPIPE) */

struct sock_entry {
	/* netd writes */
	volatile uint32_t gen;      /* changes whenever netd gives the entry out anew */
	volatile uint32_t st;       /* SOCK_ST_* */
	volatile uint32_t rx_tail;
	volatile uint32_t tx_limit;
	volatile int32_t err;       /* the latest error (POSIX errno) ... */
	volatile uint32_t err_seq;  /* ... and how many there were: report each once */
	volatile uint32_t kind;     /* SOCK_KIND_* */
	volatile uint32_t group;    /* a listener: its listen group (accept records name it) */
	volatile uint32_t claim;    /* an offered connection: SOCK_CLAIM_* (both sides, by CAS) */
	uint32_t pad0[7];
	/* the process writes (its own cache line) */
	volatile uint32_t rx_head;
	volatile uint32_t tx_tail;
	volatile uint32_t tx_want;  /* bytes it would like to write past tx_tail (a hint for the room) */
	uint32_t pad1[13];
	/* netd writes: where the ring bytes are */
	volatile uint16_t rx_slot[SOCK_SLOTS];
	volatile uint16_t tx_slot[SOCK_SLOTS];
};

/* A new connection for a listen group (netd writes; the process owns `id`
 * once it claimed it, and closes it if no listener of the group is left).
 * Listeners of one process bound to one port with SO_REUSEPORT share a
 * group: accept on any of them takes its connections.
 *
 * PIKA's speculative handshake: the record is CONNECTION-AVAILABLE; the
 * process's accept() claims it (CLAIM-CONNECTION) by turning the entry's
 * claim word from OFFERED to TAKEN. A process that does not claim within
 * netd's accept_timeout= loses it: netd turns the word to REVOKED and offers
 * the connection to another acceptor; the late claim fails (it was told it
 * timed out) and the process re-announces itself (ACCEPT-CONNECTION:
 * sock_area.announce) before it gets new connections. Both words carry the
 * entry's gen, so a claim can never take a later connection of the same id.
 * A process that exits loses nothing: what it was offered and never claimed
 * goes to another acceptor. */
#define SOCK_CLAIM_OFFERED 1u
#define SOCK_CLAIM_TAKEN 2u
#define SOCK_CLAIM_REVOKED 3u
static inline uint32_t sock_claim_word(uint32_t gen, uint32_t what) { return gen << 2 | what; }
/* One side's move from OFFERED (to TAKEN by the process, to REVOKED by
 * netd): true if it was this side's. *seen gets the word found. */
static inline int sock_claim_move(volatile uint32_t *w, uint32_t gen, uint32_t to, uint32_t *seen)
{
	uint32_t expect = sock_claim_word(gen, SOCK_CLAIM_OFFERED);
	int ok = __atomic_compare_exchange_n(w, &expect, sock_claim_word(gen, to), 0, __ATOMIC_SEQ_CST,
					     __ATOMIC_SEQ_CST);
	*seen = ok ? sock_claim_word(gen, to) : expect;
	return ok;
}
struct sock_accept {
	uint32_t group; /* the listen group (struct sock_entry.group of its listeners) */
	uint32_t id;    /* the connection's id, already open in this process */
	uint32_t gen;   /* its entry's gen when netd gave it out */
	uint32_t addr;  /* the peer (host byte order) */
	uint16_t port;
	uint16_t pad[3];
};

/* The head of a UDP record in a ring. */
struct sock_dgram {
	uint32_t addr; /* receive: the sender; send: the destination (0: the connected peer) */
	uint16_t port;
	uint16_t len;  /* datagram bytes after this head */
};
#define SOCK_DGRAM_SPAN(len) (((uint32_t)sizeof(struct sock_dgram) + (len) + 7u) & ~7u)

struct sock_area {
	/* netd writes */
	volatile uint32_t magic;     /* SOCK_MAGIC once netd set the area up */
	volatile uint32_t turn;      /* netd's turns so far */
	volatile uint32_t accept_head;
	volatile uint32_t ready_head;
	volatile uint32_t kick_tail; /* kicks netd has taken */
	volatile uint32_t ready_lost; /* bumped when the ready list was full: look at every socket */
	uint32_t pad0[10];
	/* the process writes */
	volatile uint32_t accept_tail;
	volatile uint32_t ready_tail;
	volatile uint32_t kick_head;
	volatile uint32_t kick_all;  /* bumped when the kick list was full: netd looks at every socket */
	volatile uint32_t announce;  /* bumped by accept() and by readiness calls on a listener */
	uint32_t pad1[11];
	struct sock_accept accepts[SOCK_ACCEPTS];
	volatile uint16_t ready[SOCK_READY];
	volatile uint16_t kicks[SOCK_KICKS];
	struct sock_entry sock[SOCK_MAX];
	uint8_t blocks[SOCK_BLOCKS][SOCK_BLOCK] __attribute__((aligned(4096)));
};
#define SOCK_MAGIC 0x534b4950u /* "PIKS" */
#define SOCK_CHAN_PAGES (1 + (uint32_t)((sizeof(struct sock_area) + 4095) / 4096))

enum {
	SOCK_OPEN = 64, /* {a: kind} -> id */
	SOCK_BIND,      /* {h, addr, port, flags} */
	SOCK_LISTEN,    /* {h, a: backlog} */
	SOCK_CONNECT,   /* {h, addr, port} -> 0, -EINPROGRESS (then SOCK_ST_CONNECTED, or an error) */
	SOCK_SHUTDOWN,  /* {h, a: how} one-way; what the process wrote before it goes first */
	SOCK_CLOSE,     /* {h} one-way; the id is free again once netd says so (st 0, new gen) */
	SOCK_NAME,      /* {h, a: peer?} -> reply data struct sock_addr */
	SOCK_SETOPT,    /* {h, a: opt, value} (NET_SO_* numbers, net/net.h) */
	SOCK_GETOPT,    /* {h, a: opt} -> value */
};

enum { SOCK_KIND_TCP = 1, SOCK_KIND_UDP = 2 };
#define SOCK_BIND_REUSEADDR 1u
#define SOCK_BIND_REUSEPORT 2u

struct sock_req {
	int32_t h;
	uint32_t a;    /* kind, backlog, how, opt, peer flag */
	uint32_t addr; /* host byte order */
	uint16_t port;
	uint16_t flags;
	int32_t value;
};

struct sock_addr {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

#endif
