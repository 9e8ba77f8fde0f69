/*
 * socket.c - POSIX sockets on the core's netd (pikaos/sockproto.h).
 *
 * File descriptors 0..2 are the console; sockets and epoll sets take the
 * others. All sockets of a process share one channel to netd@<its core>,
 * whose data area carries the bytes of send and recv (64 KiB per call each
 * way). netd tells us when sockets become ready (SOCK_EVENT); a blocking call
 * clears the socket's ready bits, tries, and sleeps on the channel until an
 * event for it arrives. Not thread-safe: one thread per process uses sockets.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <pikaos/sockproto.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FD 1024
#define MAX_H 4096
#define FOREVER UINT64_MAX

enum { FD_FREE = 0, FD_CONSOLE, FD_SOCK, FD_EPOLL };

struct ep_item {
	int fd;
	uint32_t events;
	epoll_data_t data;
};

static struct fdent {
	uint8_t type, kind, nonblock;
	uint16_t bindflags;
	int h;
	int err; /* an error that ended a partial send/recv: the next call reports it */
	/* epoll */
	struct ep_item *items;
	int nitems, cap;
} fds[MAX_FD] = { [0] = { .type = FD_CONSOLE }, [1] = { .type = FD_CONSOLE }, [2] = { .type = FD_CONSOLE } };

static struct chan nc;
static int have_nc;
static uint32_t ready[MAX_H]; /* events netd reported per handle, since we last cleared them */
static uint32_t next_id = 1;

static int fail(int e)
{
	errno = e;
	return -1;
}

static int netd(void)
{
	if (have_nc)
		return 0;
	/* netd may still be starting (programs of start= begin together and
	 * netd registers once its device is up): wait up to 60 s for it */
	int e;
	for (int tries = 0; (e = mon_bind_pages("netd", pika_getcore(), SOCK_CHAN_PAGES, &nc)) == -ENOENT && tries < 1200;
	     tries++)
		usleep(50000);
	if (e)
		return e == -ENOENT ? -ENETDOWN : e;
	have_nc = 1;
	return 0;
}

static void note(const struct chan_msg *m)
{
	if (chan_msg_type(m) != SOCK_EVENT)
		return;
	struct sock_event ev;
	memcpy(&ev, msg_cdata(m), sizeof(ev));
	if (ev.h > 0 && ev.h < MAX_H)
		ready[ev.h] |= ev.events;
}

/* One request to netd; events that come meanwhile are noted. */
static int call(uint32_t type, const struct sock_req *q, void *reply, size_t max)
{
	int e = netd();
	if (e)
		return e;
	struct chan_msg m;
	uint32_t id = next_id++;
	msg_init(&m, type, 0, id, 0);
	memcpy(msg_data(&m), q, sizeof(*q));
	if ((e = chan_send_wait(&nc, &m, 30000000000ULL)))
		return e == -EPIPE ? -ENETDOWN : e;
	for (;;) {
		if ((e = chan_recv_wait(&nc, &m, 60000000000ULL)))
			return e == -EPIPE ? -ENETDOWN : e;
		if (!(chan_msg_flags(&m) & MSG_REPLY)) {
			note(&m);
			continue;
		}
		if (msg_id(&m) != id)
			continue;
		if (reply)
			memcpy(reply, msg_cdata(&m), max < MSG_DATA ? max : MSG_DATA);
		return msg_status(&m);
	}
}

/* Sleep until one of handles (mask) is reported ready, or the deadline. */
static int wait_ready(const int *hs, int n, uint32_t mask, uint64_t deadline)
{
	for (;;) {
		for (int i = 0; i < n; i++)
			if (hs[i] > 0 && hs[i] < MAX_H && (ready[hs[i]] & mask))
				return 0;
		uint64_t now = pika_clock_ns();
		if (deadline != FOREVER && now >= deadline)
			return -ETIMEDOUT;
		struct chan_msg m;
		int e = chan_recv_wait(&nc, &m, deadline == FOREVER ? UINT64_MAX : deadline - now);
		if (e == -EPIPE)
			return -ENETDOWN;
		if (e == 0)
			note(&m);
	}
}

static struct fdent *sockfd(int fd)
{
	if (fd < 0 || fd >= MAX_FD || fds[fd].type != FD_SOCK) {
		errno = (fd >= 0 && fd < MAX_FD && fds[fd].type) ? ENOTSOCK : EBADF;
		return NULL;
	}
	return &fds[fd];
}

static int new_fd(uint8_t type)
{
	for (int fd = 3; fd < MAX_FD; fd++)
		if (fds[fd].type == FD_FREE) {
			memset(&fds[fd], 0, sizeof(fds[fd]));
			fds[fd].type = type;
			return fd;
		}
	return -EMFILE;
}

/* ---------------------------------------------------------------- addresses */

static int sin_in(const struct sockaddr *a, socklen_t len, uint32_t *addr, uint16_t *port)
{
	if (!a || len < sizeof(struct sockaddr_in))
		return -EINVAL;
	const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)a;
	if (s->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	*addr = ntohl(s->sin_addr.s_addr);
	*port = ntohs(s->sin_port);
	return 0;
}

static void sin_out(struct sockaddr *a, socklen_t *len, uint32_t addr, uint16_t port)
{
	if (!a || !len)
		return;
	struct sockaddr_in s;
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons(port);
	s.sin_addr.s_addr = htonl(addr);
	memcpy(a, &s, *len < sizeof(s) ? *len : sizeof(s));
	*len = sizeof(s);
}

/* ---------------------------------------------------------------- calls */

int socket(int domain, int type, int protocol)
{
	int kind = (type & 0xf) == SOCK_STREAM ? SOCK_KIND_TCP : (type & 0xf) == SOCK_DGRAM ? SOCK_KIND_UDP : 0;
	if (domain != AF_INET)
		return fail(EAFNOSUPPORT);
	if (!kind || (protocol && protocol != (kind == SOCK_KIND_TCP ? IPPROTO_TCP : IPPROTO_UDP)))
		return fail(EPROTONOSUPPORT);
	int fd = new_fd(FD_SOCK);
	if (fd < 0)
		return fail(-fd);
	struct sock_req q = { .a = (uint32_t)kind };
	int h = call(SOCK_OPEN, &q, NULL, 0);
	if (h < 0) {
		fds[fd].type = FD_FREE;
		return fail(-h);
	}
	fds[fd].h = h;
	fds[fd].kind = (uint8_t)kind;
	fds[fd].nonblock = (type & SOCK_NONBLOCK) != 0;
	ready[h] = 0;
	return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	struct sock_req q = { .h = f->h, .flags = f->bindflags };
	int e = sin_in(addr, len, &q.addr, &q.port);
	if (!e)
		e = call(SOCK_BIND, &q, NULL, 0);
	return e < 0 ? fail(-e) : 0;
}

int listen(int fd, int backlog)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (backlog <= 0 || backlog > SOMAXCONN)
		backlog = backlog <= 0 ? 1 : SOMAXCONN;
	struct sock_req q = { .h = f->h, .a = (uint32_t)backlog };
	int e = call(SOCK_LISTEN, &q, NULL, 0);
	return e < 0 ? fail(-e) : 0;
}

#define IN_EVENTS (SOCK_EV_IN | SOCK_EV_ERR | SOCK_EV_HUP | SOCK_EV_RDHUP)
#define OUT_EVENTS (SOCK_EV_OUT | SOCK_EV_ERR | SOCK_EV_HUP)

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (f->kind != SOCK_KIND_TCP)
		return fail(EOPNOTSUPP);
	int nfd = new_fd(FD_SOCK);
	if (nfd < 0)
		return fail(-nfd);
	struct sock_req q = { .h = f->h };
	struct sock_addr peer;
	int h;
	for (;;) {
		ready[f->h] &= ~(uint32_t)SOCK_EV_IN;
		h = call(SOCK_ACCEPT, &q, &peer, sizeof(peer));
		if (h != -EAGAIN || f->nonblock)
			break;
		int e = wait_ready(&f->h, 1, IN_EVENTS, FOREVER);
		if (e) {
			h = e;
			break;
		}
	}
	if (h < 0) {
		fds[nfd].type = FD_FREE;
		return fail(-h);
	}
	fds[nfd].h = h;
	fds[nfd].kind = SOCK_KIND_TCP;
	fds[nfd].nonblock = (flags & SOCK_NONBLOCK) != 0;
	ready[h] = 0;
	sin_out(addr, len, peer.addr, peer.port);
	return nfd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) { return accept4(fd, addr, len, 0); }

static int sock_error(struct fdent *f)
{
	struct sock_req q = { .h = f->h, .a = 10 /* NET_SO_ERROR */ };
	return call(SOCK_GETOPT, &q, NULL, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	struct sock_req q = { .h = f->h };
	int e = sin_in(addr, len, &q.addr, &q.port);
	if (e)
		return fail(-e);
	ready[f->h] &= ~(uint32_t)(SOCK_EV_CONNECTED | SOCK_EV_ERR | SOCK_EV_HUP);
	e = call(SOCK_CONNECT, &q, NULL, 0);
	if (e != -EINPROGRESS)
		return e < 0 ? fail(-e) : 0;
	if (f->nonblock)
		return fail(EINPROGRESS);
	e = wait_ready(&f->h, 1, SOCK_EV_CONNECTED | SOCK_EV_ERR | SOCK_EV_HUP, FOREVER);
	if (e)
		return fail(-e);
	if (ready[f->h] & SOCK_EV_CONNECTED)
		return 0;
	int err = sock_error(f);
	return fail(err > 0 ? err : ECONNREFUSED);
}

/* A call that moved some bytes and then hit an error returns the count; the
 * error (which the stack reports only once) waits for the next call. */
static ssize_t partial(struct fdent *f, size_t done, int err)
{
	if (!done)
		return fail(err);
	f->err = err;
	return (ssize_t)done;
}

static int pending_error(struct fdent *f)
{
	int e = f->err;
	f->err = 0;
	return e;
}

static ssize_t do_send(struct fdent *f, const void *buf, size_t len, int flags, const struct sockaddr *to,
		       socklen_t tolen)
{
	if (f->err)
		return fail(pending_error(f));
	int e = netd();
	if (e)
		return fail(-e);
	if (f->kind == SOCK_KIND_UDP && len > SOCK_AREA)
		return fail(EMSGSIZE);
	uint8_t *tx = (uint8_t *)chan_data(&nc) + SOCK_TX_OFF;
	bool nonblock = f->nonblock || (flags & MSG_DONTWAIT);
	size_t done = 0;
	struct sock_req q = { .h = f->h };
	if (to && (e = sin_in(to, tolen, &q.addr, &q.port)))
		return fail(-e);
	do {
		size_t chunk = len - done > SOCK_AREA ? SOCK_AREA : len - done;
		memcpy(tx, (const uint8_t *)buf + done, chunk);
		q.a = (uint32_t)chunk;
		ready[f->h] &= ~(uint32_t)SOCK_EV_OUT;
		int n = call(to ? SOCK_SENDTO : SOCK_SEND, &q, NULL, 0);
		if (n == -EAGAIN) {
			if (nonblock)
				return done ? (ssize_t)done : fail(EAGAIN);
			if ((e = wait_ready(&f->h, 1, OUT_EVENTS, FOREVER)))
				return done ? (ssize_t)done : fail(-e);
			continue;
		}
		if (n < 0)
			return partial(f, done, -n);
		done += (size_t)n;
	} while (done < len && f->kind == SOCK_KIND_TCP);
	return (ssize_t)done;
}

static ssize_t do_recv(struct fdent *f, void *buf, size_t len, int flags, struct sockaddr *from,
		       socklen_t *fromlen)
{
	if (f->err)
		return fail(pending_error(f));
	int e = netd();
	if (e)
		return fail(-e);
	if (flags & MSG_PEEK)
		return fail(EOPNOTSUPP);
	const uint8_t *rx = (const uint8_t *)chan_data(&nc) + SOCK_RX_OFF;
	bool nonblock = f->nonblock || (flags & MSG_DONTWAIT);
	size_t done = 0;
	for (;;) {
		struct sock_req q = { .h = f->h };
		q.a = (uint32_t)(len - done > SOCK_AREA ? SOCK_AREA : len - done);
		struct sock_addr src;
		ready[f->h] &= ~(uint32_t)SOCK_EV_IN;
		int n = call(f->kind == SOCK_KIND_UDP ? SOCK_RECVFROM : SOCK_RECV, &q, &src, sizeof(src));
		if (n == -EAGAIN) {
			if (done)
				return (ssize_t)done;
			if (nonblock)
				return fail(EAGAIN);
			if ((e = wait_ready(&f->h, 1, IN_EVENTS, FOREVER)))
				return fail(-e);
			continue;
		}
		if (n < 0)
			return partial(f, done, -n);
		memcpy((uint8_t *)buf + done, rx, (size_t)n);
		done += (size_t)n;
		if (f->kind == SOCK_KIND_UDP) {
			sin_out(from, fromlen, src.addr, src.port);
			return (ssize_t)done;
		}
		if (n == 0 || !(flags & MSG_WAITALL) || done == len)
			return (ssize_t)done;
	}
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct fdent *f = sockfd(fd);
	return f ? do_send(f, buf, len, flags, NULL, 0) : -1;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct fdent *f = sockfd(fd);
	return f ? do_send(f, buf, len, flags, to, tolen) : -1;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct fdent *f = sockfd(fd);
	return f ? do_recv(f, buf, len, flags, NULL, NULL) : -1;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct fdent *f = sockfd(fd);
	return f ? do_recv(f, buf, len, flags, from, fromlen) : -1;
}

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
	(void)fd, (void)m, (void)flags;
	return fail(ENOSYS);
}

ssize_t recvmsg(int fd, struct msghdr *m, int flags)
{
	(void)fd, (void)m, (void)flags;
	return fail(ENOSYS);
}

int shutdown(int fd, int how)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return fail(EINVAL);
	struct sock_req q = { .h = f->h, .a = (uint32_t)how };
	int e = call(SOCK_SHUTDOWN, &q, NULL, 0);
	return e < 0 ? fail(-e) : 0;
}

static int name(int fd, struct sockaddr *addr, socklen_t *len, int peer)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	struct sock_req q = { .h = f->h, .a = (uint32_t)peer };
	struct sock_addr a;
	int e = call(SOCK_NAME, &q, &a, sizeof(a));
	if (e < 0)
		return fail(-e);
	sin_out(addr, len, a.addr, a.port);
	return 0;
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len) { return name(fd, addr, len, 0); }
int getpeername(int fd, struct sockaddr *addr, socklen_t *len) { return name(fd, addr, len, 1); }

/* POSIX option -> the stack's NET_SO_* (net/net.h), 0 when it has none */
static int net_opt(int level, int opt)
{
	if (level == SOL_SOCKET)
		switch (opt) {
		case SO_REUSEADDR: return 9;
		case SO_KEEPALIVE: return 2;
		case SO_SNDBUF: return 6;
		case SO_RCVBUF: return 7;
		case SO_LINGER: return 8;
		case SO_ERROR: return 10;
		}
	if (level == IPPROTO_TCP)
		switch (opt) {
		case TCP_NODELAY: return 1;
		case TCP_KEEPIDLE: return 3;
		case TCP_KEEPINTVL: return 4;
		case TCP_KEEPCNT: return 5;
		}
	if (level == IPPROTO_IP && opt == IP_TTL)
		return 11;
	return 0;
}

int setsockopt(int fd, int level, int opt, const void *val, socklen_t len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (!val)
		return fail(EFAULT);
	int v;
	if (level == SOL_SOCKET && opt == SO_LINGER) {
		if (len < sizeof(struct linger))
			return fail(EINVAL);
		const struct linger *l = val;
		v = l->l_onoff ? l->l_linger : -1;
	} else {
		if (len < sizeof(int))
			return fail(EINVAL);
		memcpy(&v, val, sizeof(int));
	}
	if (level == SOL_SOCKET && opt == SO_REUSEPORT) {
		f->bindflags = (uint16_t)(v ? f->bindflags | SOCK_BIND_REUSEPORT : f->bindflags & ~SOCK_BIND_REUSEPORT);
		return 0;
	}
	if (level == SOL_SOCKET && opt == SO_REUSEADDR)
		f->bindflags = (uint16_t)(v ? f->bindflags | SOCK_BIND_REUSEADDR : f->bindflags & ~SOCK_BIND_REUSEADDR);
	int no = net_opt(level, opt);
	if (!no || (level == SOL_SOCKET && opt == SO_ERROR))
		return fail(ENOPROTOOPT);
	if (f->kind == SOCK_KIND_UDP && level == IPPROTO_TCP)
		return fail(ENOPROTOOPT);
	struct sock_req q = { .h = f->h, .a = (uint32_t)no, .value = v };
	int e = call(SOCK_SETOPT, &q, NULL, 0);
	return e < 0 ? fail(-e) : 0;
}

int getsockopt(int fd, int level, int opt, void *val, socklen_t *len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (!val || !len)
		return fail(EFAULT);
	int v;
	if (level == SOL_SOCKET && opt == SO_TYPE) {
		v = f->kind == SOCK_KIND_TCP ? SOCK_STREAM : SOCK_DGRAM;
	} else if (level == SOL_SOCKET && opt == SO_REUSEPORT) {
		v = (f->bindflags & SOCK_BIND_REUSEPORT) != 0;
	} else {
		int no = net_opt(level, opt);
		if (!no)
			return fail(ENOPROTOOPT);
		struct sock_req q = { .h = f->h, .a = (uint32_t)no };
		v = call(SOCK_GETOPT, &q, NULL, 0);
		if (v < 0 && !(level == SOL_SOCKET && opt == SO_LINGER && v == -1))
			return fail(-v);
	}
	if (level == SOL_SOCKET && opt == SO_LINGER) {
		struct linger l = { v >= 0, v >= 0 ? v : 0 };
		if (*len < sizeof(l))
			return fail(EINVAL);
		memcpy(val, &l, sizeof(l));
		*len = sizeof(l);
		return 0;
	}
	if (*len < sizeof(int))
		return fail(EINVAL);
	memcpy(val, &v, sizeof(int));
	*len = sizeof(int);
	return 0;
}

/* ---------------------------------------------------------------- the fd layer (unistd.c calls these) */

int __sock_is(int fd) { return fd >= 3 && fd < MAX_FD && fds[fd].type != FD_FREE; }

ssize_t __sock_read(int fd, void *buf, size_t n)
{
	struct fdent *f = sockfd(fd);
	return f ? do_recv(f, buf, n, 0, NULL, NULL) : -1;
}

ssize_t __sock_write(int fd, const void *buf, size_t n)
{
	struct fdent *f = sockfd(fd);
	return f ? do_send(f, buf, n, 0, NULL, 0) : -1;
}

int __sock_close(int fd)
{
	if (fd < 3 || fd >= MAX_FD || fds[fd].type == FD_FREE)
		return fail(EBADF);
	struct fdent *f = &fds[fd];
	int e = 0;
	if (f->type == FD_SOCK) {
		struct sock_req q = { .h = f->h };
		e = call(SOCK_CLOSE, &q, NULL, 0);
		if (f->h > 0 && f->h < MAX_H)
			ready[f->h] = 0;
	} else if (f->type == FD_EPOLL) {
		free(f->items);
	}
	memset(f, 0, sizeof(*f));
	return e < 0 ? fail(-e) : 0;
}

int __sock_fcntl(int fd, int cmd, long arg)
{
	if (fd < 0 || fd >= MAX_FD || fds[fd].type == FD_FREE)
		return fail(EBADF);
	struct fdent *f = &fds[fd];
	switch (cmd) {
	case F_GETFL:
		return (f->nonblock ? O_NONBLOCK : 0) | O_RDWR;
	case F_SETFL:
		f->nonblock = (arg & O_NONBLOCK) != 0;
		return 0;
	case F_GETFD:
		return 0;
	case F_SETFD:
		return 0;
	}
	return fail(EINVAL);
}

/* ---------------------------------------------------------------- readiness */

static short to_poll(uint32_t ev)
{
	short r = 0;
	if (ev & SOCK_EV_IN)
		r |= POLLIN;
	if (ev & SOCK_EV_OUT)
		r |= POLLOUT;
	if (ev & SOCK_EV_ERR)
		r |= POLLERR;
	if (ev & SOCK_EV_HUP)
		r |= POLLHUP;
	if (ev & SOCK_EV_RDHUP)
		r |= POLLRDHUP | POLLIN;
	return r;
}

/* Asks netd for the readiness of every socket in fds (six per request). */
static int query(struct pollfd *pfds, nfds_t n)
{
	int count = 0;
	nfds_t i = 0;
	while (i < n) {
		struct sock_req q;
		memset(&q, 0, sizeof(q));
		nfds_t idx[6];
		uint32_t k = 0;
		for (; i < n && k < 6; i++) {
			struct pollfd *p = &pfds[i];
			p->revents = 0;
			if (p->fd < 0)
				continue;
			if (p->fd >= MAX_FD || fds[p->fd].type == FD_FREE) {
				p->revents = POLLNVAL;
				count++;
				continue;
			}
			if (fds[p->fd].type == FD_CONSOLE) {
				p->revents = (short)((p->fd != 0 ? POLLOUT : 0) & p->events);
				count += p->revents != 0;
				continue;
			}
			if (fds[p->fd].type != FD_SOCK)
				continue;
			if (k == 0)
				q.h = fds[p->fd].h;
			else
				q.hs[k - 1] = fds[p->fd].h;
			idx[k++] = i;
		}
		if (!k)
			continue;
		q.a = k;
		uint32_t ev[6];
		int e = call(SOCK_POLL, &q, ev, sizeof(ev));
		if (e < 0)
			return e;
		for (uint32_t j = 0; j < k; j++) {
			struct pollfd *p = &pfds[idx[j]];
			p->revents = (short)(to_poll(ev[j]) & (p->events | POLLERR | POLLHUP | POLLNVAL));
			count += p->revents != 0;
		}
	}
	return count;
}

int poll(struct pollfd *pfds, nfds_t n, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? FOREVER : pika_clock_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int hs[MAX_FD];
	int nh = 0;
	for (nfds_t i = 0; i < n && nh < MAX_FD; i++)
		if (pfds[i].fd >= 3 && pfds[i].fd < MAX_FD && fds[pfds[i].fd].type == FD_SOCK)
			hs[nh++] = fds[pfds[i].fd].h;
	for (;;) {
		for (int i = 0; i < nh; i++)
			ready[hs[i]] = 0; /* what netd says after the query is news */
		int c = query(pfds, n);
		if (c < 0)
			return fail(-c);
		if (c > 0 || timeout_ms == 0)
			return c;
		if (!nh) { /* nothing that can become ready: just wait */
			if (deadline == FOREVER)
				return fail(EINVAL);
			uint64_t now = pika_clock_ns();
			if (now < deadline)
				usleep((useconds_t)((deadline - now) / 1000));
			return 0;
		}
		int e = wait_ready(hs, nh, ~0u, deadline);
		if (e == -ETIMEDOUT)
			return 0;
		if (e)
			return fail(-e);
	}
}

int select(int n, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	if (n < 0 || n > FD_SETSIZE)
		return fail(EINVAL);
	struct pollfd *p = malloc(sizeof(*p) * (size_t)(n ? n : 1));
	if (!p)
		return fail(ENOMEM);
	int k = 0;
	for (int fd = 0; fd < n; fd++) {
		short ev = (short)((r && FD_ISSET(fd, r) ? POLLIN : 0) | (w && FD_ISSET(fd, w) ? POLLOUT : 0) |
				   (x && FD_ISSET(fd, x) ? POLLPRI : 0));
		if (ev)
			p[k++] = (struct pollfd){ fd, ev, 0 };
	}
	int ms = tv ? (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000) : -1;
	int c = poll(p, (nfds_t)k, ms);
	if (c < 0) {
		free(p);
		return -1;
	}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (x)
		FD_ZERO(x);
	int total = 0;
	for (int i = 0; i < k; i++) {
		if (r && (p[i].revents & (POLLIN | POLLHUP | POLLERR)) && (p[i].events & POLLIN))
			FD_SET(p[i].fd, r), total++;
		if (w && (p[i].revents & (POLLOUT | POLLERR)) && (p[i].events & POLLOUT))
			FD_SET(p[i].fd, w), total++;
	}
	free(p);
	return total;
}

int epoll_create1(int flags)
{
	(void)flags;
	int fd = new_fd(FD_EPOLL);
	return fd < 0 ? fail(-fd) : fd;
}

int epoll_create(int size) { return size <= 0 ? fail(EINVAL) : epoll_create1(0); }

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	if (epfd < 0 || epfd >= MAX_FD || fds[epfd].type != FD_EPOLL)
		return fail(EBADF);
	if (fd < 0 || fd >= MAX_FD || fds[fd].type == FD_FREE || fd == epfd)
		return fail(fd == epfd ? EINVAL : EBADF);
	struct fdent *e = &fds[epfd];
	int at = -1;
	for (int i = 0; i < e->nitems; i++)
		if (e->items[i].fd == fd)
			at = i;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (at >= 0)
			return fail(EEXIST);
		if (!ev)
			return fail(EFAULT);
		if (e->nitems == e->cap) {
			int cap = e->cap ? 2 * e->cap : 16;
			struct ep_item *n = realloc(e->items, sizeof(*n) * (size_t)cap);
			if (!n)
				return fail(ENOMEM);
			e->items = n;
			e->cap = cap;
		}
		e->items[e->nitems++] = (struct ep_item){ fd, ev->events, ev->data };
		return 0;
	case EPOLL_CTL_MOD:
		if (at < 0)
			return fail(ENOENT);
		if (!ev)
			return fail(EFAULT);
		e->items[at].events = ev->events;
		e->items[at].data = ev->data;
		return 0;
	case EPOLL_CTL_DEL:
		if (at < 0)
			return fail(ENOENT);
		e->items[at] = e->items[--e->nitems];
		return 0;
	}
	return fail(EINVAL);
}

int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms)
{
	if (epfd < 0 || epfd >= MAX_FD || fds[epfd].type != FD_EPOLL)
		return fail(EBADF);
	if (max <= 0)
		return fail(EINVAL);
	struct fdent *e = &fds[epfd];
	struct pollfd *p = malloc(sizeof(*p) * (size_t)(e->nitems ? e->nitems : 1));
	if (!p)
		return fail(ENOMEM);
	int k = 0;
	for (int i = 0; i < e->nitems; i++) {
		if (!e->items[i].events) /* an EPOLLONESHOT item that fired */
			continue;
		p[k++] = (struct pollfd){ e->items[i].fd, (short)(e->items[i].events & 0x7fff), 0 };
	}
	int c = poll(p, (nfds_t)k, timeout_ms);
	int out = 0;
	for (int i = 0; c > 0 && i < k && out < max; i++) {
		if (!p[i].revents)
			continue;
		for (int j = 0; j < e->nitems; j++)
			if (e->items[j].fd == p[i].fd) {
				evs[out].events = (uint32_t)(unsigned short)p[i].revents;
				evs[out].data = e->items[j].data;
				out++;
				if (e->items[j].events & EPOLLONESHOT)
					e->items[j].events = 0;
				break;
			}
	}
	free(p);
	return c < 0 ? -1 : out;
}

/* ---------------------------------------------------------------- addresses in text */

int inet_aton(const char *s, struct in_addr *out)
{
	unsigned long v[4];
	int n = 0;
	const char *p = s;
	while (n < 4) {
		char *end;
		if (*p < '0' || *p > '9')
			return 0;
		v[n++] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	if (*p || n != 4 || v[0] > 255 || v[1] > 255 || v[2] > 255 || v[3] > 255)
		return 0;
	out->s_addr = htonl((uint32_t)(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]));
	return 1;
}

in_addr_t inet_addr(const char *s)
{
	struct in_addr a;
	return inet_aton(s, &a) ? a.s_addr : INADDR_NONE;
}

int inet_pton(int af, const char *s, void *dst)
{
	if (af != AF_INET)
		return fail(EAFNOSUPPORT);
	return inet_aton(s, dst);
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	uint32_t a = ntohl(((const struct in_addr *)src)->s_addr);
	if ((socklen_t)snprintf(dst, size, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255) >= size) {
		errno = ENOSPC;
		return NULL;
	}
	return dst;
}

char *inet_ntoa(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return buf;
}

int getaddrinfo(const char *host, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	if (hints && hints->ai_family != AF_UNSPEC && hints->ai_family != AF_INET)
		return EAI_FAMILY;
	struct in_addr a = { 0 };
	if (host && strcmp(host, "localhost") == 0)
		a.s_addr = htonl(INADDR_LOOPBACK);
	else if (host && !inet_aton(host, &a))
		return EAI_NONAME; /* no resolver: numeric addresses and localhost only */
	if (!host && !(hints && (hints->ai_flags & AI_PASSIVE)))
		a.s_addr = htonl(INADDR_LOOPBACK);
	char *end = NULL;
	long port = service ? strtol(service, &end, 10) : 0;
	if (service && (*end || port < 0 || port > 65535))
		return EAI_SERVICE;
	struct addrinfo *ai = calloc(1, sizeof(*ai) + sizeof(struct sockaddr_in));
	if (!ai)
		return EAI_MEMORY;
	struct sockaddr_in *sin = (struct sockaddr_in *)(ai + 1);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr = a;
	ai->ai_family = AF_INET;
	ai->ai_socktype = hints && hints->ai_socktype ? hints->ai_socktype : SOCK_STREAM;
	ai->ai_protocol = ai->ai_socktype == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP;
	ai->ai_addrlen = sizeof(*sin);
	ai->ai_addr = (struct sockaddr *)sin;
	*res = ai;
	return 0;
}

void freeaddrinfo(struct addrinfo *ai) { free(ai); }

const char *gai_strerror(int e)
{
	switch (e) {
	case EAI_NONAME: return "Name or service not known (numeric addresses only)";
	case EAI_FAMILY: return "Address family not supported";
	case EAI_SERVICE: return "Service not supported";
	case EAI_MEMORY: return "Out of memory";
	}
	return "Unknown error";
}
