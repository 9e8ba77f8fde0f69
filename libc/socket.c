/*
 * socket.c - POSIX sockets on the core's netd (pikaos/sockproto.h): the
 * descriptor table, the calls that change a socket's state (socket, bind,
 * listen, connect, accept, shutdown, close, options, names) and addresses.
 * The data path and readiness are in sockio.c.
 *
 * File descriptors 0..2 are the console; sockets and epoll sets take the
 * others. All sockets of a process share one channel to netd@<its core>,
 * whose data area holds their rings and state. Calls that netd must answer
 * (open, bind, listen, connect, options, names) are one round trip;
 * shutdown and close are one-way; accept takes a connection netd already
 * placed in the accept ring. Not thread-safe: one thread per process uses
 * sockets.
 */
#include "internal.h"
#include "sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <pikaos/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct fdent __fds[MAX_FD] = { [0] = { .type = FD_CONSOLE }, [1] = { .type = FD_CONSOLE }, [2] = { .type = FD_CONSOLE } };
struct chan __nc;
struct sock_area *__sa;
int __idfd[SOCK_MAX];
uint32_t __netd_epoch = 1;
static uint32_t next_id = 1;

int __sock_fail(int e)
{
	errno = e;
	return -1;
}
#define fail __sock_fail

bool __netd_lost(void)
{
	if (!__sa || !chan_peer_closed(&__nc))
		return false;
	pika_chan_close(&__nc);
	__sa = NULL;
	__netd_epoch++;
	for (int i = 0; i < SOCK_MAX; i++)
		__idfd[i] = -1;
	__sock_netd_gone();
	return true;
}

int __netd(void)
{
	__netd_lost();
	if (__sa)
		return 0;
	/* netd may still be starting (programs of start= begin together and
	 * netd registers once its device is up): wait up to 60 s for it */
	int e;
	for (int tries = 0; (e = mon_bind_pages("netd", pika_getcore(), (int)SOCK_CHAN_PAGES, &__nc)) == -ENOENT &&
			    tries < 1200;
	     tries++)
		usleep(50000);
	if (e)
		return e == -ENOENT ? -ENETDOWN : e;
	if (chan_data_len(&__nc) < sizeof(struct sock_area)) {
		pika_chan_close(&__nc);
		return -ENOMEM;
	}
	for (int i = 0; i < SOCK_MAX; i++)
		__idfd[i] = -1;
	__sa = chan_data(&__nc);
	return 0;
}

/* One request to netd and its answer (nothing else comes on the channel:
 * readiness is in the shared area). */
static int call(uint32_t type, const struct sock_req *q, void *reply, size_t max)
{
	int e = __netd();
	if (e)
		return e;
	struct chan_msg m;
	uint32_t id = next_id++;
	if (!id)
		id = next_id++;
	msg_init(&m, type, 0, id, 0);
	memcpy(msg_data(&m), q, sizeof(*q));
	if ((e = chan_send_wait(&__nc, &m, 30000000000ULL)))
		return e == -EPIPE ? -ENETDOWN : e;
	for (;;) {
		if ((e = chan_recv_wait(&__nc, &m, 60000000000ULL)))
			return e == -EPIPE ? -ENETDOWN : e;
		if (!(chan_msg_flags(&m) & MSG_REPLY) || msg_id(&m) != id)
			continue;
		if (reply)
			memcpy(reply, msg_cdata(&m), max < MSG_DATA ? max : MSG_DATA);
		return msg_status(&m);
	}
}

int __sock_tell(uint32_t type, int32_t h, uint32_t a)
{
	struct chan_msg m;
	msg_init(&m, type, 0, 0, 0);
	struct sock_req q = { .h = h, .a = a };
	memcpy(msg_data(&m), &q, sizeof(q));
	int e = chan_send_wait(&__nc, &m, 30000000000ULL);
	return e == -EPIPE ? -ENETDOWN : e;
}

struct fdent *__sockfd(int fd)
{
	if (fd < 0 || fd >= MAX_FD || __fds[fd].type != FD_SOCK) {
		errno = (fd >= 0 && fd < MAX_FD && __fds[fd].type) ? ENOTSOCK : EBADF;
		return NULL;
	}
	struct fdent *f = &__fds[fd];
	__netd_lost();
	if (__sock_stale(f)) { /* its netd is gone: a listener's network is down, a connection reset */
		errno = f->listening ? ENETDOWN : ECONNRESET;
		return NULL;
	}
	return f;
}
#define sockfd __sockfd

/* For the calls that send: a connection whose netd went is a broken pipe. */
static struct fdent *sockfd_out(int fd)
{
	struct fdent *f = sockfd(fd);
	if (!f && errno == ECONNRESET)
		errno = EPIPE;
	return f;
}

/* No descriptor below this one is free: the search for the lowest free one
 * (POSIX) starts here, not at 3 (a server holds thousands). */
static int fd_low = 3;

int __fd_new(uint8_t type)
{
	for (int fd = fd_low; fd < MAX_FD; fd++)
		if (__fds[fd].type == FD_FREE) {
			memset(&__fds[fd], 0, sizeof(__fds[fd]));
			__fds[fd].type = type;
			__fds[fd].ep = -1;
			fd_low = fd + 1;
			return fd;
		}
	return -EMFILE;
}

void __fd_free(int fd)
{
	memset(&__fds[fd], 0, sizeof(__fds[fd]));
	if (fd >= 3 && fd < fd_low)
		fd_low = fd;
}

/* fd now stands for socket id, whose entry netd set up with gen. */
static void adopt(int fd, int id, uint8_t kind)
{
	struct fdent *f = &__fds[fd];
	const struct sock_entry *e = &__sa->sock[id];
	f->id = id;
	f->epoch = __netd_epoch;
	f->kind = kind;
	f->gen = e->gen;
	f->err_seen = e->err_seq;
	f->rx_head = e->rx_head;
	f->tx_tail = e->tx_tail;
	__idfd[id] = fd;
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
	int fd = __fd_new(FD_SOCK);
	if (fd < 0)
		return fail(-fd);
	struct sock_req q = { .a = (uint32_t)kind };
	int id = call(SOCK_OPEN, &q, NULL, 0);
	if (id <= 0 || id >= SOCK_MAX) {
		__fd_free(fd);
		return fail(id < 0 ? -id : EIO);
	}
	adopt(fd, id, (uint8_t)kind);
	__fds[fd].nonblock = (type & SOCK_NONBLOCK) != 0;
	return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	struct sock_req q = { .h = f->id, .flags = f->bindflags };
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
	struct sock_req q = { .h = f->id, .a = (uint32_t)backlog };
	int e = call(SOCK_LISTEN, &q, NULL, 0);
	if (e < 0)
		return fail(-e);
	f->listening = true;
	return 0;
}

struct accept_wait {
	uint32_t group;
};

static bool accept_ready(void *arg)
{
	struct accept_wait *w = arg;
	__sock_drain_accepts();
	return __sock_accept_pending(w->group);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (f->kind != SOCK_KIND_TCP)
		return fail(EOPNOTSUPP);
	if (!f->listening)
		return fail(EINVAL);
	struct accept_wait w = { __sa->sock[f->id].group };
	struct sock_accept rec;
	__sock_announce();
	for (;;) {
		__sock_drain_accepts();
		if (__sock_take_accept(w.group, &rec))
			break;
		if (f->nonblock)
			return fail(EAGAIN);
		int e = __sock_wait(accept_ready, &w, FOREVER);
		if (e)
			return fail(-e); /* ENETDOWN: netd went, and the listener with it */
	}
	int nfd = __fd_new(FD_SOCK);
	if (nfd < 0) {
		__sock_tell(SOCK_CLOSE, (int32_t)rec.id, 0); /* no descriptor for it: it goes */
		return fail(-nfd);
	}
	adopt(nfd, (int)rec.id, SOCK_KIND_TCP);
	__fds[nfd].nonblock = (flags & SOCK_NONBLOCK) != 0;
	sin_out(addr, len, rec.addr, rec.port);
	return nfd;
}

int accept(int fd, struct sockaddr *addr, socklen_t *len) { return accept4(fd, addr, len, 0); }

static bool connect_done(void *arg)
{
	struct fdent *f = arg;
	if (__sock_stale(f))
		return true;
	const struct sock_entry *e = &__sa->sock[f->id];
	return (e->st & (SOCK_ST_CONNECTED | SOCK_ST_HUP)) || !(e->st & SOCK_ST_CONNECTING) ||
	       e->err_seq != f->err_seen;
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	struct sock_req q = { .h = f->id };
	int e = sin_in(addr, len, &q.addr, &q.port);
	if (e)
		return fail(-e);
	e = call(SOCK_CONNECT, &q, NULL, 0);
	if (e != -EINPROGRESS)
		return e < 0 ? fail(-e) : 0;
	f->connect_called = true;
	if (f->nonblock)
		return fail(EINPROGRESS);
	/* netd publishes CONNECTING in this turn: wait for it to end */
	e = __sock_wait(connect_done, f, FOREVER);
	if (e || __sock_stale(f))
		return fail(e ? -e : ENETDOWN);
	const struct sock_entry *se = &__sa->sock[f->id];
	if (se->err_seq != f->err_seen) {
		f->err_seen = se->err_seq;
		return fail(se->err);
	}
	if (se->st & SOCK_ST_CONNECTED)
		return 0;
	return fail(ECONNREFUSED);
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	struct fdent *f = sockfd_out(fd);
	return f ? __sock_send(f, buf, len, flags, 0, 0) : -1;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct fdent *f = sockfd_out(fd);
	if (!f)
		return -1;
	uint32_t a = 0;
	uint16_t p = 0;
	if (to) {
		int e = sin_in(to, tolen, &a, &p);
		if (e)
			return fail(-e);
		if (!a)
			return fail(EINVAL);
	}
	return __sock_send(f, buf, len, flags, a, p);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	struct fdent *f = sockfd(fd);
	return f ? __sock_recv(f, buf, len, flags, NULL, NULL) : -1;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	uint32_t a = 0;
	uint16_t p = 0;
	ssize_t n = __sock_recv(f, buf, len, flags, &a, &p);
	if (n >= 0 && f->kind == SOCK_KIND_UDP)
		sin_out(from, fromlen, a, p);
	return n;
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
	uint32_t st = __sa->sock[f->id].st;
	if (f->kind != SOCK_KIND_TCP || !(st & (SOCK_ST_CONNECTED | SOCK_ST_EVER)))
		return fail(ENOTCONN);
	int e = __sock_tell(SOCK_SHUTDOWN, f->id, (uint32_t)how);
	if (e < 0)
		return fail(-e);
	f->wr_shut |= how != SHUT_RD;
	f->rd_shut |= how != SHUT_WR;
	return 0;
}

static int name(int fd, struct sockaddr *addr, socklen_t *len, int peer)
{
	struct fdent *f = sockfd(fd);
	if (!f)
		return -1;
	if (!addr || !len)
		return fail(EFAULT);
	struct sock_req q = { .h = f->id, .a = (uint32_t)peer };
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
	struct sock_req q = { .h = f->id, .a = (uint32_t)no, .value = v };
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
	} else if (level == SOL_SOCKET && opt == SO_ERROR) {
		/* the error netd published, reported once (here or by a call) */
		const struct sock_entry *e = &__sa->sock[f->id];
		v = 0;
		if (f->err) {
			v = f->err;
			f->err = 0;
		} else if (e->err_seq != f->err_seen) {
			f->err_seen = e->err_seq;
			v = e->err;
		}
	} else {
		int no = net_opt(level, opt);
		if (!no)
			return fail(ENOPROTOOPT);
		struct sock_req q = { .h = f->id, .a = (uint32_t)no };
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

int __sock_is(int fd) { return fd >= 3 && fd < MAX_FD && __fds[fd].type != FD_FREE; }

ssize_t __sock_read(int fd, void *buf, size_t n)
{
	struct fdent *f = sockfd(fd);
	return f ? __sock_recv(f, buf, n, 0, NULL, NULL) : -1;
}

ssize_t __sock_write(int fd, const void *buf, size_t n)
{
	struct fdent *f = sockfd_out(fd);
	return f ? __sock_send(f, buf, n, 0, 0, 0) : -1;
}

int __sock_close(int fd)
{
	if (fd < 3 || fd >= MAX_FD || __fds[fd].type == FD_FREE)
		return fail(EBADF);
	struct fdent *f = &__fds[fd];
	int e = 0;
	__sock_forget(fd);
	__netd_lost();
	if (f->type == FD_SOCK && !__sock_stale(f)) {
		/* one-way: netd takes what we wrote first, then closes */
		e = __sock_tell(SOCK_CLOSE, f->id, 0);
		if (f->id > 0 && f->id < SOCK_MAX)
			__idfd[f->id] = -1;
	} else if (f->type == FD_EPOLL) {
		for (int i = 0; i < f->nitems; i++) {
			int t = f->items[i].fd;
			if (t >= 0 && t < MAX_FD && __fds[t].ep == fd)
				__fds[t].ep = -1;
		}
		free(f->items);
		free(f->hot);
	}
	__fd_free(fd);
	return e < 0 ? fail(-e) : 0;
}

int __sock_fcntl(int fd, int cmd, long arg)
{
	if (fd < 0 || fd >= MAX_FD || __fds[fd].type == FD_FREE)
		return fail(EBADF);
	struct fdent *f = &__fds[fd];
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
