/*
 * pikaos/sockproto.h - how a process reaches its core's netd (POSIX sockets
 * in libc are built on this). Not for applications: use <sys/socket.h>.
 *
 * A process binds "netd" on its own core with SOCK_CHAN_PAGES pages: the
 * rings, then a data area whose first half carries what the process sends
 * (SOCK_TX_OFF) and whose second half what netd hands back (SOCK_RX_OFF), so
 * bulk data never travels in messages. Requests follow pikaos/msg.h; the
 * process has one request outstanding at a time (the areas are its buffers
 * for that request). netd tells the process about socket readiness with
 * SOCK_EVENT notifications (id 0), coalesced per socket. Handles are small
 * numbers netd gives out (1..4095, per core); results are >= 0 or -errno
 * (POSIX numbers).
 */
#ifndef _PIKAOS_SOCKPROTO_H
#define _PIKAOS_SOCKPROTO_H

#include <stdint.h>

#define SOCK_AREA (64 * 1024)
#define SOCK_TX_OFF 0
#define SOCK_RX_OFF SOCK_AREA
#define SOCK_CHAN_PAGES (1 + 2 * SOCK_AREA / 4096)

enum {
	SOCK_OPEN = 64, /* {kind} -> handle */
	SOCK_BIND,      /* {h, addr, port, flags} */
	SOCK_LISTEN,    /* {h, backlog} */
	SOCK_ACCEPT,    /* {h} -> handle; reply data struct sock_addr (the peer) */
	SOCK_CONNECT,   /* {h, addr, port} -> 0, -EINPROGRESS (then SOCK_EV_CONNECTED or _ERR) */
	SOCK_SEND,      /* {h, len}: len bytes at SOCK_TX_OFF -> bytes taken, -EAGAIN when none fit */
	SOCK_SENDTO,    /* {h, len, addr, port} -> bytes */
	SOCK_RECV,      /* {h, len} -> bytes at SOCK_RX_OFF, 0 at end of stream, -EAGAIN */
	SOCK_RECVFROM,  /* {h, len} -> bytes; reply data struct sock_addr (the sender) */
	SOCK_SHUTDOWN,  /* {h, how} */
	SOCK_CLOSE,     /* {h} */
	SOCK_NAME,      /* {h, peer?} -> reply data struct sock_addr */
	SOCK_SETOPT,    /* {h, opt, value} (NET_SO_* numbers, net/net.h) */
	SOCK_GETOPT,    /* {h, opt} -> value */
	SOCK_POLL,      /* {n, h[8]} -> reply data uint32_t events[n] */
	SOCK_EVENT = 96, /* notification netd -> process: {h, events} */
};

enum { SOCK_KIND_TCP = 1, SOCK_KIND_UDP = 2 };
#define SOCK_BIND_REUSEADDR 1u
#define SOCK_BIND_REUSEPORT 2u

/* events (the stack's NET_EV_* values) */
#define SOCK_EV_IN 0x01
#define SOCK_EV_OUT 0x02
#define SOCK_EV_CONNECTED 0x04
#define SOCK_EV_ERR 0x08
#define SOCK_EV_HUP 0x10
#define SOCK_EV_RDHUP 0x20

struct sock_req {
	int32_t h;
	uint32_t a;    /* kind, len, backlog, how, opt, peer flag, n */
	uint32_t addr; /* host byte order */
	uint16_t port;
	uint16_t flags;
	int32_t value;
	int32_t hs[5]; /* SOCK_POLL: more handles (h is the first) */
};

struct sock_addr {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

struct sock_event {
	int32_t h;
	uint32_t events;
};

#endif
