/*
 * sockio.c - the socket data path on the shared rings (pikaos/sockproto.h):
 * recv and send copy between the caller's buffer and the ring blocks and
 * move the ring index; poll, select and epoll read the state netd keeps in
 * the shared area. None of them talks to netd when there is data, room or
 * a ready socket: a call that moved an index appends the socket to the kick
 * list (waking netd only if it sleeps), and a call with nothing to do
 * sleeps on the channel until netd publishes something (the channel's sleep
 * protocol: our flag first, then one more look, then the kernel).
 *
 * What netd wrote is read with care even though netd is trusted: indices
 * are clamped and block numbers checked, so a netd bug shows as an error,
 * not as a wild write into this process.
 */
#include "internal.h"
#include "sock.h"

#include <errno.h>
#include <pikaos.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define fail __sock_fail
#define ROOM_MAX (SOCK_RING_CAP - SOCK_BLOCK)
#define RX_KICK 1024 /* after reading this much, tell netd (its window opens) */

/* ---------------------------------------------------------------- kicks and waiting */

void __sock_kick(struct fdent *f)
{
	struct sock_area *a = __sa;
	uint32_t head = a->kick_head;
	if (!(f->kick_at && (int32_t)(f->kick_at - 1 - a->kick_tail) >= 0)) { /* not listed already */
		if (head - a->kick_tail >= SOCK_KICKS) {
			a->kick_all = a->kick_all + 1; /* full: netd looks at every socket */
		} else {
			a->kicks[head % SOCK_KICKS] = (uint16_t)f->id;
			a->kick_head = head + 1;
			f->kick_at = head + 1;
		}
	}
	chan_notify(&__nc); /* a fence, then a wake-up only if netd sleeps */
}

int __sock_wait(bool (*ready)(void *), void *arg, uint64_t deadline)
{
	for (;;) {
		if (ready(arg))
			return 0;
		if (__netd_lost())
			return ready(arg) ? 0 : -ENETDOWN; /* dead sockets are ready (with their error) */
		uint64_t now = pika_clock_ns();
		if (deadline != FOREVER && now >= deadline)
			return -ETIMEDOUT;
		uint64_t token = pika_kinfo()->ev_gen;
		chan_sleep_begin(&__nc);
		if (!ready(arg) && !chan_can_recv(&__nc) && !chan_peer_closed(&__nc))
			__sys(SYS_event_wait, (long)token, (long)(deadline == FOREVER ? UINT64_MAX : deadline - now), 0, 0);
		chan_sleep_end(&__nc);
		struct chan_msg m;
		while (chan_recv(&__nc, &m) == 0)
			; /* nothing but replies comes, and nobody waits for one now */
	}
}

/* ---------------------------------------------------------------- ring bytes */

/* Copies n bytes between buf and the ring whose slot table is slots, from
 * stream offset o. False when netd's table has a hole (a netd bug). */
static bool ring_copy(const volatile uint16_t *slots, uint32_t o, void *buf, size_t n, bool to_ring)
{
	uint8_t *b = buf;
	while (n) {
		uint32_t p = o & (SOCK_RING_CAP - 1), off = p % SOCK_BLOCK;
		uint32_t chunk = SOCK_BLOCK - off;
		if (chunk > n)
			chunk = (uint32_t)n;
		uint16_t blk = slots[p / SOCK_BLOCK];
		if (blk >= SOCK_BLOCKS)
			return false;
		uint8_t *at = __sa->blocks[blk] + off;
		if (to_ring)
			memcpy(at, b, chunk);
		else
			memcpy(b, at, chunk);
		b += chunk;
		o += chunk;
		n -= chunk;
	}
	return true;
}

static struct sock_entry *entry(struct fdent *f) { return &__sa->sock[f->id]; }

/* An error netd published and we have not reported yet, else 0. */
static int take_error(struct fdent *f)
{
	if (f->err) {
		int e = f->err;
		f->err = 0;
		return e;
	}
	struct sock_entry *e = entry(f);
	uint32_t seq = e->err_seq;
	if (seq == f->err_seen)
		return 0;
	f->err_seen = seq;
	return e->err > 0 ? e->err : EIO;
}

static uint32_t readable(struct fdent *f)
{
	uint32_t n = entry(f)->rx_tail - f->rx_head;
	return n > SOCK_RING_CAP ? 0 : n;
}

static uint32_t room(struct fdent *f)
{
	uint32_t n = entry(f)->tx_limit - f->tx_tail;
	return n > SOCK_RING_CAP ? 0 : n;
}

static bool gone(struct fdent *f)
{
	struct sock_entry *e = entry(f);
	return e->gen != f->gen || !(e->st & SOCK_ST_OPEN);
}

struct io_wait {
	struct fdent *f;
	uint32_t need; /* bytes of room (send) or of data (recv) */
	bool out;
};

static bool io_ready(void *arg)
{
	struct io_wait *w = arg;
	struct fdent *f = w->f;
	if (__sock_stale(f))
		return true;
	struct sock_entry *e = entry(f);
	if (gone(f) || e->err_seq != f->err_seen || (e->st & SOCK_ST_HUP))
		return true;
	if (w->out)
		return (e->st & SOCK_ST_WRCLOSED) || room(f) >= w->need;
	return readable(f) >= w->need || (e->st & SOCK_ST_EOF);
}

/* A call that moved some bytes and then hit an error returns the count; the
 * error waits for the next call. */
static ssize_t partial(struct fdent *f, size_t done, int err)
{
	if (!done)
		return fail(err);
	f->err = err;
	return (ssize_t)done;
}

/* ---------------------------------------------------------------- send */

static ssize_t tcp_send(struct fdent *f, const uint8_t *buf, size_t len, bool nb)
{
	size_t done = 0;
	struct sock_entry *e = entry(f);
	for (;;) {
		if (__sock_stale(f)) /* netd went: the connection with it */
			return partial(f, done, EPIPE);
		if (gone(f))
			return partial(f, done, EBADF);
		int err = take_error(f);
		if (err)
			return partial(f, done, err);
		uint32_t st = e->st;
		if ((st & (SOCK_ST_HUP | SOCK_ST_WRCLOSED)) || f->wr_shut)
			return partial(f, done, EPIPE);
		if (!(st & (SOCK_ST_CONNECTED | SOCK_ST_CONNECTING)) && !f->connect_called)
			return partial(f, done, (st & SOCK_ST_EVER) ? EPIPE : ENOTCONN);
		uint32_t r = room(f);
		if (r) {
			uint32_t n = len - done < r ? (uint32_t)(len - done) : r;
			if (!ring_copy(e->tx_slot, f->tx_tail, (void *)(buf + done), n, true))
				return partial(f, done, EIO);
			f->tx_tail += n;
			e->tx_tail = f->tx_tail;
			e->tx_want = 0;
			done += n;
			if (done == len) {
				__sock_kick(f);
				return (ssize_t)done;
			}
			continue;
		}
		/* no room: say how much we would like, and wait for netd to make it */
		uint32_t want = len - done > ROOM_MAX ? ROOM_MAX : (uint32_t)(len - done);
		e->tx_want = want;
		__sock_kick(f);
		if (nb)
			return done ? (ssize_t)done : fail(EAGAIN);
		struct io_wait w = { f, 1, true };
		int we = __sock_wait(io_ready, &w, FOREVER);
		if (we)
			return partial(f, done, -we);
	}
}

static ssize_t udp_send(struct fdent *f, const uint8_t *buf, size_t len, bool nb, uint32_t addr, uint16_t port)
{
	if (len > SOCK_DGRAM_MAX)
		return fail(EMSGSIZE);
	struct sock_entry *e = entry(f);
	uint32_t span = SOCK_DGRAM_SPAN((uint32_t)len);
	for (;;) {
		if (__sock_stale(f))
			return fail(EPIPE);
		if (gone(f))
			return fail(EBADF);
		int err = take_error(f);
		if (err)
			return fail(err);
		if (!addr && !(e->st & SOCK_ST_CONNECTED))
			return fail(EDESTADDRREQ);
		if (room(f) >= span)
			break;
		e->tx_want = span;
		__sock_kick(f);
		if (nb)
			return fail(EAGAIN);
		struct io_wait w = { f, span, true };
		int we = __sock_wait(io_ready, &w, FOREVER);
		if (we)
			return fail(-we);
	}
	struct sock_dgram h = { addr, port, (uint16_t)len };
	if (!ring_copy(e->tx_slot, f->tx_tail, &h, sizeof(h), true) ||
	    !ring_copy(e->tx_slot, f->tx_tail + sizeof(h), (void *)buf, len, true))
		return fail(EIO);
	f->tx_tail += span;
	e->tx_tail = f->tx_tail;
	e->tx_want = 0;
	__sock_kick(f);
	return (ssize_t)len;
}

ssize_t __sock_send(struct fdent *f, const void *buf, size_t len, int flags, uint32_t addr, uint16_t port)
{
	int e = __netd();
	if (e)
		return fail(-e);
	bool nb = f->nonblock || (flags & MSG_DONTWAIT);
	if (f->kind == SOCK_KIND_UDP)
		return udp_send(f, buf, len, nb, addr, port);
	if (f->listening)
		return fail(ENOTCONN);
	return tcp_send(f, buf, len, nb);
}

/* ---------------------------------------------------------------- receive */

static ssize_t tcp_recv(struct fdent *f, uint8_t *buf, size_t len, int flags, bool nb)
{
	size_t done = 0;
	struct sock_entry *e = entry(f);
	bool peek = flags & MSG_PEEK;
	if (f->rd_shut)
		return 0;
	for (;;) {
		if (__sock_stale(f)) /* netd went: the connection with it */
			return partial(f, done, ECONNRESET);
		if (gone(f))
			return partial(f, done, EBADF);
		int err = take_error(f);
		if (err)
			return partial(f, done, err);
		uint32_t avail = readable(f);
		if (avail && !peek) {
			uint32_t n = len - done < avail ? (uint32_t)(len - done) : avail;
			if (!ring_copy(e->rx_slot, f->rx_head, buf + done, n, false))
				return partial(f, done, EIO);
			f->rx_head += n;
			e->rx_head = f->rx_head;
			done += n;
			if (avail >= RX_KICK)
				__sock_kick(f); /* the window opens: netd may have to say so */
			if (done == len || !(flags & MSG_WAITALL))
				return (ssize_t)done;
			continue;
		}
		if (avail) { /* MSG_PEEK: copy, keep */
			uint32_t n = len < avail ? (uint32_t)len : avail;
			return ring_copy(e->rx_slot, f->rx_head, buf, n, false) ? (ssize_t)n : fail(EIO);
		}
		uint32_t st = e->st;
		if (st & (SOCK_ST_EOF | SOCK_ST_HUP))
			return (ssize_t)done; /* end of stream */
		if (!(st & (SOCK_ST_CONNECTED | SOCK_ST_CONNECTING | SOCK_ST_EVER)) && !f->connect_called)
			return partial(f, done, ENOTCONN);
		if (done)
			return (ssize_t)done;
		if (nb)
			return fail(EAGAIN);
		struct io_wait w = { f, 1, false };
		int we = __sock_wait(io_ready, &w, FOREVER);
		if (we)
			return fail(-we);
	}
}

static ssize_t udp_recv(struct fdent *f, uint8_t *buf, size_t len, int flags, bool nb, uint32_t *addr,
			uint16_t *port)
{
	struct sock_entry *e = entry(f);
	for (;;) {
		if (__sock_stale(f))
			return fail(ECONNRESET);
		if (gone(f))
			return fail(EBADF);
		int err = take_error(f);
		if (err)
			return fail(err);
		uint32_t avail = readable(f);
		if (avail >= sizeof(struct sock_dgram)) {
			struct sock_dgram h;
			if (!ring_copy(e->rx_slot, f->rx_head, &h, sizeof(h), false) || h.len > SOCK_DGRAM_MAX ||
			    SOCK_DGRAM_SPAN(h.len) > avail)
				return fail(EIO);
			size_t n = h.len < len ? h.len : len; /* the rest of a datagram is dropped */
			if (!ring_copy(e->rx_slot, f->rx_head + sizeof(h), buf, n, false))
				return fail(EIO);
			if (addr)
				*addr = h.addr;
			if (port)
				*port = h.port;
			if (!(flags & MSG_PEEK)) {
				f->rx_head += SOCK_DGRAM_SPAN(h.len);
				e->rx_head = f->rx_head;
				__sock_kick(f); /* its blocks back, room for the next datagram */
			}
			return (ssize_t)n;
		}
		if (nb)
			return fail(EAGAIN);
		struct io_wait w = { f, sizeof(struct sock_dgram), false };
		int we = __sock_wait(io_ready, &w, FOREVER);
		if (we)
			return fail(-we);
	}
}

ssize_t __sock_recv(struct fdent *f, void *buf, size_t len, int flags, uint32_t *addr, uint16_t *port)
{
	int e = __netd();
	if (e)
		return fail(-e);
	bool nb = f->nonblock || (flags & MSG_DONTWAIT);
	if (f->kind == SOCK_KIND_UDP)
		return udp_recv(f, buf, len, flags, nb, addr, port);
	if (f->listening)
		return fail(ENOTCONN);
	return tcp_recv(f, buf, len, flags, nb);
}

/* ---------------------------------------------------------------- new connections */

#define PENDING_MAX SOCK_ACCEPTS
static struct sock_accept pending[PENDING_MAX];
static int npending;
static unsigned long late_claims;

static bool group_here(uint32_t group)
{
	for (int fd = 3; fd < MAX_FD; fd++)
		if (__fds[fd].type == FD_SOCK && __fds[fd].listening && !__sock_stale(&__fds[fd]) &&
		    __sa->sock[__fds[fd].id].group == group)
			return true;
	return false;
}

static void mark_hot(int fd);

void __sock_drain_accepts(void)
{
	if (!__sa)
		return;
	uint32_t t = __sa->accept_tail, h = __sa->accept_head;
	if (h - t > SOCK_ACCEPTS)
		return; /* netd never does this */
	while (t != h && npending < PENDING_MAX) {
		struct sock_accept r = __sa->accepts[t % SOCK_ACCEPTS];
		t++;
		if (r.id == 0 || r.id >= SOCK_MAX)
			continue;
		if (!group_here(r.group)) { /* its listener is gone: so is the connection */
			uint32_t seen;
			if (__sa->sock[r.id].gen == r.gen &&
			    sock_claim_move(&__sa->sock[r.id].claim, r.gen, SOCK_CLAIM_TAKEN, &seen))
				__sock_tell(SOCK_CLOSE, (int32_t)r.id, 0);
			continue;
		}
		pending[npending++] = r;
		for (int fd = 3; fd < MAX_FD; fd++)
			if (__fds[fd].type == FD_SOCK && __fds[fd].listening && !__sock_stale(&__fds[fd]) &&
			    __sa->sock[__fds[fd].id].group == r.group)
				mark_hot(fd);
	}
	__sa->accept_tail = t;
}

/* A queued record whose connection netd took back (its entry moved on, or
 * the claim word is no longer OFFERED): we were too late for it. */
static bool revoked(const struct sock_accept *r)
{
	const struct sock_entry *e = &__sa->sock[r->id];
	return e->gen != r->gen || !(e->st & SOCK_ST_OPEN) ||
	       e->claim != sock_claim_word(r->gen, SOCK_CLAIM_OFFERED);
}

/* Drops what was taken back, so that readiness says what accept() gets. */
static void drop_revoked(void)
{
	int k = 0;
	for (int i = 0; i < npending; i++) {
		if (revoked(&pending[i])) {
			late_claims++;
			__sock_announce();
		} else {
			pending[k++] = pending[i];
		}
	}
	npending = k;
}

bool __sock_accept_pending(uint32_t group)
{
	drop_revoked();
	for (int i = 0; i < npending; i++)
		if (pending[i].group == group)
			return true;
	return false;
}

bool __sock_take_accept(uint32_t group, struct sock_accept *out)
{
	for (int i = 0; i < npending; i++) {
		if (pending[i].group != group)
			continue;
		*out = pending[i];
		memmove(&pending[i], &pending[i + 1], sizeof(pending[0]) * (size_t)(npending - i - 1));
		npending--;
		struct sock_entry *e = &__sa->sock[out->id];
		uint32_t seen;
		if (revoked(out) || !sock_claim_move(&e->claim, out->gen, SOCK_CLAIM_TAKEN, &seen)) {
			/* netd took it back meanwhile: we claimed too late (it went to
			 * another acceptor), so we say again that we accept */
			late_claims++;
			__sock_announce();
			i--;
			continue;
		}
		return true;
	}
	return false;
}

unsigned long pika_accept_late_claims(void) { return late_claims; }

void __sock_announce(void)
{
	if (__sa)
		__sa->announce = __sa->announce + 1;
}

/* ---------------------------------------------------------------- readiness */

uint32_t __sock_revents(struct fdent *f)
{
	if (__sock_stale(f))
		return POLLERR | POLLHUP;
	struct sock_entry *e = entry(f);
	if (gone(f))
		return POLLERR | POLLHUP;
	uint32_t st = e->st, r = 0;
	if (e->err_seq != f->err_seen || f->err)
		r |= POLLERR;
	if (f->listening) {
		__sock_announce(); /* PIKA: readiness on a listener says we accept */
		__sock_drain_accepts();
		if (__sock_accept_pending(e->group))
			r |= POLLIN;
		return r;
	}
	if (readable(f) || (st & (SOCK_ST_EOF | SOCK_ST_HUP)))
		r |= POLLIN;
	if (st & SOCK_ST_EOF)
		r |= POLLRDHUP;
	if (st & SOCK_ST_HUP)
		r |= POLLHUP | POLLOUT;
	if (f->kind == SOCK_KIND_UDP) {
		if (room(f) >= SOCK_DGRAM_SPAN(0))
			r |= POLLOUT;
	} else if ((st & SOCK_ST_CONNECTED) && !(st & SOCK_ST_WRCLOSED) && room(f)) {
		r |= POLLOUT;
	} else if (!(st & (SOCK_ST_CONNECTED | SOCK_ST_CONNECTING)) && f->connect_called && (r & POLLERR)) {
		r |= POLLOUT; /* a connect that failed is done: writable, with its error */
	}
	return r;
}

static short revents_of(int fd, short events)
{
	if (fd < 0)
		return 0;
	if (fd >= MAX_FD || __fds[fd].type == FD_FREE)
		return POLLNVAL;
	if (__fds[fd].type == FD_CONSOLE)
		return (short)((fd != 0 ? POLLOUT : 0) & events);
	if (__fds[fd].type != FD_SOCK || (!__sa && !__sock_stale(&__fds[fd])))
		return 0;
	return (short)(__sock_revents(&__fds[fd]) & ((uint32_t)(unsigned short)events | POLLERR | POLLHUP | POLLNVAL));
}

struct poll_wait {
	struct pollfd *p;
	nfds_t n;
	int count;
};

static bool poll_ready(void *arg)
{
	struct poll_wait *w = arg;
	w->count = 0;
	for (nfds_t i = 0; i < w->n; i++) {
		w->p[i].revents = revents_of(w->p[i].fd, w->p[i].events);
		w->count += w->p[i].revents != 0;
	}
	return w->count > 0;
}

int poll(struct pollfd *pfds, nfds_t n, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? FOREVER : pika_clock_ns() + (uint64_t)timeout_ms * 1000000ULL;
	struct poll_wait w = { pfds, n, 0 };
	bool sockets = false;
	for (nfds_t i = 0; i < n; i++)
		sockets |= pfds[i].fd >= 3 && pfds[i].fd < MAX_FD && __fds[pfds[i].fd].type == FD_SOCK;
	if (poll_ready(&w) || timeout_ms == 0)
		return w.count;
	if (!sockets || !__sa) { /* nothing that can become ready: just wait */
		if (deadline == FOREVER)
			return fail(EINVAL);
		uint64_t now = pika_clock_ns();
		if (now < deadline)
			__sys(SYS_nanosleep, (long)(deadline - now), 0, 0, 0);
		return 0;
	}
	int e = __sock_wait(poll_ready, &w, deadline);
	if (e == -ETIMEDOUT)
		return 0;
	return e ? fail(-e) : w.count;
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

/* ---------------------------------------------------------------- epoll
 *
 * Level-triggered over the ready list: an item is "hot" when netd listed
 * its socket since we last looked, when it was added, or while it stays
 * ready; epoll_wait looks only at hot items. EPOLLET reports a socket once
 * per listing; EPOLLONESHOT disables the item until EPOLL_CTL_MOD. */

static struct fdent *epfd_of(int epfd)
{
	return epfd >= 0 && epfd < MAX_FD && __fds[epfd].type == FD_EPOLL ? &__fds[epfd] : NULL;
}

static void hot_in(struct fdent *ep, struct ep_item *it)
{
	if (it->hot)
		return;
	it->hot = true;
	ep->hot[ep->nhot++] = it->fd;
}

/* fd's item in the set ep: found by its index when fd is in this set only
 * (the usual case: no scan of thousands of items per event). */
static struct ep_item *item_of(struct fdent *ep, int fd)
{
	const struct fdent *f = &__fds[fd];
	if (f->ep == (int)(ep - __fds))
		return f->ep_idx < ep->nitems && ep->items[f->ep_idx].fd == fd ? &ep->items[f->ep_idx] : NULL;
	if (f->ep != -2)
		return NULL;
	for (int i = 0; i < ep->nitems; i++)
		if (ep->items[i].fd == fd)
			return &ep->items[i];
	return NULL;
}

static void mark_hot(int fd)
{
	int e = __fds[fd].ep;
	if (e == -1)
		return;
	for (int epfd = e >= 0 ? e : 3; epfd < (e >= 0 ? e + 1 : MAX_FD); epfd++) {
		struct fdent *ep = epfd_of(epfd);
		struct ep_item *it = ep ? item_of(ep, fd) : NULL;
		if (it)
			hot_in(ep, it);
	}
}

/* What netd listed since we last looked. */
static uint32_t lost_seen;
static void drain_ready(void)
{
	if (!__sa)
		return;
	uint32_t t = __sa->ready_tail, h = __sa->ready_head;
	if (h - t <= SOCK_READY)
		for (; t != h; t++) {
			uint32_t id = __sa->ready[t % SOCK_READY];
			if (id < SOCK_MAX && __idfd[id] >= 0)
				mark_hot(__idfd[id]);
		}
	__sa->ready_tail = h;
	uint32_t lost = __sa->ready_lost;
	if (lost != lost_seen) { /* the list overflowed: everything may be ready */
		lost_seen = lost;
		for (int fd = 3; fd < MAX_FD; fd++)
			if (__fds[fd].type == FD_SOCK)
				mark_hot(fd);
	}
	__sock_drain_accepts();
}

void __sock_netd_gone(void)
{
	npending = 0;
	lost_seen = 0;
	for (int fd = 3; fd < MAX_FD; fd++)
		if (__fds[fd].type == FD_SOCK)
			mark_hot(fd);
}

void __sock_forget(int fd)
{
	if (fd < 3 || fd >= MAX_FD || __fds[fd].type != FD_SOCK || __fds[fd].ep == -1)
		return;
	for (int epfd = 3; epfd < MAX_FD; epfd++) {
		struct fdent *ep = epfd_of(epfd);
		if (ep && item_of(ep, fd))
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	}
}

int epoll_create1(int flags)
{
	(void)flags;
	int fd = __fd_new(FD_EPOLL);
	return fd < 0 ? fail(-fd) : fd;
}

int epoll_create(int size) { return size <= 0 ? fail(EINVAL) : epoll_create1(0); }

static void ep_note_membership(int fd, int epfd, bool add)
{
	struct fdent *f = &__fds[fd];
	if (add) {
		f->ep = f->ep == -1 ? epfd : -2;
		return;
	}
	if (f->ep == epfd)
		f->ep = -1;
	/* with -2 we keep scanning: still correct, a little slower */
}

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct fdent *e = epfd_of(epfd);
	if (!e)
		return fail(EBADF);
	if (fd < 0 || fd >= MAX_FD || __fds[fd].type == FD_FREE || fd == epfd)
		return fail(fd == epfd ? EINVAL : EBADF);
	struct ep_item *it = item_of(e, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return fail(EEXIST);
		if (!ev)
			return fail(EFAULT);
		if (e->nitems == e->cap) {
			int cap = e->cap ? 2 * e->cap : 16;
			struct ep_item *n = realloc(e->items, sizeof(*n) * (size_t)cap);
			int *h = n ? realloc(e->hot, sizeof(*h) * (size_t)cap) : NULL;
			if (!n || !h) {
				if (n)
					e->items = n;
				return fail(ENOMEM);
			}
			e->items = n;
			e->hot = h;
			e->cap = cap;
		}
		/* the hot list holds fds, so indices may move */
		e->items[e->nitems++] = (struct ep_item){ fd, ev->events, ev->data, false };
		hot_in(e, &e->items[e->nitems - 1]);
		ep_note_membership(fd, epfd, true);
		__fds[fd].ep_idx = e->nitems - 1;
		return 0;
	case EPOLL_CTL_MOD:
		if (!it)
			return fail(ENOENT);
		if (!ev)
			return fail(EFAULT);
		it->events = ev->events;
		it->data = ev->data;
		hot_in(e, it);
		return 0;
	case EPOLL_CTL_DEL:
		if (!it)
			return fail(ENOENT);
		for (int i = 0; i < e->nhot; i++)
			if (e->hot[i] == fd)
				e->hot[i--] = e->hot[--e->nhot];
		*it = e->items[--e->nitems];
		if (it < e->items + e->nitems && __fds[it->fd].ep == epfd)
			__fds[it->fd].ep_idx = (int)(it - e->items); /* the last item moved here */
		ep_note_membership(fd, epfd, false);
		return 0;
	}
	return fail(EINVAL);
}

struct ep_wait {
	struct fdent *ep;
	struct epoll_event *evs;
	int max, out;
};

/* Looks at the hot items: reports the ready ones, cools the others. */
static bool ep_scan(void *arg)
{
	struct ep_wait *w = arg;
	struct fdent *ep = w->ep;
	drain_ready();
	w->out = 0;
	for (int i = 0; i < ep->nhot && w->out < w->max; i++) {
		struct ep_item *it = item_of(ep, ep->hot[i]);
		uint32_t r = 0;
		if (it && it->events && (it->events & 0x7fff)) {
			short rev = revents_of(it->fd, (short)(it->events & 0x7fff));
			r = (uint32_t)(unsigned short)rev;
		}
		if (r) {
			w->evs[w->out].events = r;
			w->evs[w->out].data = it->data;
			w->out++;
			if (it->events & EPOLLONESHOT)
				it->events = 0;
			if (!(it->events & (EPOLLET | EPOLLONESHOT)) && it->events)
				continue; /* level-triggered: stays hot while ready */
		}
		if (it)
			it->hot = false;
		ep->hot[i--] = ep->hot[--ep->nhot];
	}
	return w->out > 0;
}

int epoll_wait(int epfd, struct epoll_event *evs, int max, int timeout_ms)
{
	struct fdent *ep = epfd_of(epfd);
	if (!ep)
		return fail(EBADF);
	if (max <= 0)
		return fail(EINVAL);
	struct ep_wait w = { ep, evs, max, 0 };
	if (ep_scan(&w) || timeout_ms == 0)
		return w.out;
	if (!__sa) {
		if (timeout_ms > 0)
			__sys(SYS_nanosleep, (long)timeout_ms * 1000000L, 0, 0, 0);
		return 0;
	}
	uint64_t deadline = timeout_ms < 0 ? FOREVER : pika_clock_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int e = __sock_wait(ep_scan, &w, deadline);
	if (e == -ETIMEDOUT)
		return 0;
	return e ? fail(-e) : w.out;
}
