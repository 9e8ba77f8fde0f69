/*
 * sock.h - libc's socket internals, shared by socket.c (descriptors,
 * control calls, addresses) and sockio.c (the data path on the shared
 * rings, readiness, poll/select/epoll). See pikaos/sockproto.h.
 */
#ifndef _PIKAOS_LIBC_SOCK_H
#define _PIKAOS_LIBC_SOCK_H

#include <pikaos/chan.h>
#include <pikaos/sockproto.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/types.h>

#define MAX_FD (SOCK_MAX + 64) /* every socket id, and a few epoll sets */
#define FOREVER UINT64_MAX

enum { FD_FREE = 0, FD_CONSOLE, FD_SOCK, FD_EPOLL };

struct ep_item {
	int fd;
	uint32_t events;
	epoll_data_t data;
	bool hot; /* may be ready: look at it in the next epoll_wait */
};

struct fdent {
	uint8_t type, kind, nonblock;
	bool listening, connect_called, wr_shut, rd_shut;
	uint16_t bindflags;
	int id;            /* netd's socket id (struct sock_area.sock[id]) */
	uint32_t epoch;    /* __netd_epoch when we got it: a socket of an earlier netd is dead */
	uint32_t gen;      /* the entry's gen when we got the socket */
	uint32_t err_seen; /* errors of the entry reported so far */
	uint32_t rx_head, tx_tail; /* our own copies of what we wrote in the entry */
	uint32_t kick_at;  /* 1 + kick-list index of our last kick */
	int err;           /* an error that ended a partial send/recv: the next call reports it */
	int ep;            /* the epoll set it is in: -1 none, -2 several */
	int ep_idx;        /* with one set: its item's index there */
	/* an epoll set */
	struct ep_item *items;
	int nitems, cap;
	int *hot;          /* fds of hot items */
	int nhot;
};

extern struct fdent __fds[MAX_FD];
/* The lowest free descriptor, made `type` (-EMFILE when none); and back. */
int __fd_new(uint8_t type);
void __fd_free(int fd);
extern struct chan __nc;
extern struct sock_area *__sa; /* NULL until the first socket call binds netd */
extern int __idfd[SOCK_MAX];   /* socket id -> fd, -1 for none */

extern uint32_t __netd_epoch; /* bumped each time netd is found gone */

/* binds netd on first use, and again after it went away; 0 or -errno */
int __netd(void);
/* Has netd gone (its end of our channel closed)? If so, let go of it: every
 * socket made so far is dead (stale) and the next socket() binds anew. */
bool __netd_lost(void);
static inline bool __sock_stale(const struct fdent *f) { return f->epoch != __netd_epoch; }
/* sockio.c's share of letting go: pending accepts dropped, every socket
 * hot for epoll (each now reports POLLERR | POLLHUP). */
void __sock_netd_gone(void);
int __sock_fail(int e);        /* errno = e, -1 */
struct fdent *__sockfd(int fd);
/* One-way message to netd (shutdown, close). */
int __sock_tell(uint32_t type, int32_t h, uint32_t a);
/* Tells netd we touched socket f's rings, and wakes it if it sleeps. */
void __sock_kick(struct fdent *f);
/* Takes new connections from the accept ring into our own queue. */
void __sock_drain_accepts(void);
/* The next queued connection for listen group `group`; false when none. */
bool __sock_take_accept(uint32_t group, struct sock_accept *out);
bool __sock_accept_pending(uint32_t group);
/* ACCEPT-CONNECTION: tells netd this process accepts (sock_area.announce). */
void __sock_announce(void);
/* Sleeps until ready(arg) or the deadline: 0, -ETIMEDOUT, -ENETDOWN (netd
 * went away: ready(arg) did not become true when its sockets died). */
int __sock_wait(bool (*ready)(void *), void *arg, uint64_t deadline);
uint32_t __sock_revents(struct fdent *f); /* POLL* bits, level */
void __sock_forget(int fd);     /* take fd out of epoll sets */

ssize_t __sock_send(struct fdent *f, const void *buf, size_t len, int flags, uint32_t addr, uint16_t port);
ssize_t __sock_recv(struct fdent *f, void *buf, size_t len, int flags, uint32_t *addr, uint16_t *port);

#endif
