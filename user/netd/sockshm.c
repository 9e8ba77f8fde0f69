/*
 * sockshm.c - the shared half of the socket service (pikaos/sockproto.h):
 * what a process wrote in its area (kicks, ring indices) goes into the
 * stack, and what the stack did (bytes, room, state, new connections) goes
 * back into the area, once per netd turn, with one wake-up per process.
 *
 * Every index a process writes is read once, checked against netd's own
 * copy of what it published (struct psock) and used from that copy; a lie
 * marks the client bad (sock_bad: its channel is closed after the turn,
 * counted by reason) and is never acted on.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netd.h"
#include "sock.h"

uint64_t shm_bad[BAD__COUNT], shm_copied_in, shm_copied_out;

#define ROOM_MAX (SOCK_RING_CAP - SOCK_BLOCK) /* bytes a ring may hold (ring.c keeps a block spare) */
#define BARRIER() __asm__ volatile("" ::: "memory") /* x86 keeps stores in order; the compiler must too */

static struct sock_entry *ent(struct client *c, int id) { return &c->a->sock[id]; }

void shm_init_client(struct client *c)
{
	c->pool = net_pool_init(c->pool_state, c->a->blocks, c->next, SOCK_BLOCKS);
	c->nfree_hint = 1;
	BARRIER();
	c->a->magic = SOCK_MAGIC;
}

int shm_free_id(struct client *c)
{
	for (int k = 0; k < SOCK_MAX - 1; k++) {
		int id = 1 + (c->nfree_hint - 1 + k) % (SOCK_MAX - 1);
		if (!c->s[id].nh) {
			c->nfree_hint = id % (SOCK_MAX - 1) + 1;
			return id;
		}
	}
	return -1;
}

/* A fresh entry, written before the process can learn of it (the reply to
 * its open, or the accept record, comes after). */
void shm_open_entry(struct client *c, int id, uint8_t kind, uint32_t st)
{
	struct psock *p = &c->s[id];
	struct sock_entry *e = ent(c, id);
	p->kind = kind;
	p->gen++;
	p->st = st;
	p->rx_tail = p->tx_limit = p->rx_head = p->tx_tail = 0;
	p->err_seq = 0;
	p->credit = kind == SOCK_KIND_UDP ? 4 * SOCK_BLOCK : SOCK_BLOCK;
	p->asked = false;
	p->ready_at = 0;
	e->rx_head = e->tx_tail = e->tx_want = 0;
	e->rx_tail = e->tx_limit = 0;
	e->err = 0;
	e->err_seq = 0;
	e->kind = kind;
	e->group = 0;
	e->claim = 0;
	for (int i = 0; i < SOCK_SLOTS; i++)
		e->rx_slot[i] = e->tx_slot[i] = SOCK_NO_BLOCK;
	e->gen = p->gen;
	BARRIER();
	e->st = st;
}

void shm_close_entry(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	struct sock_entry *e = ent(c, id);
	e->st = 0;
	uint32_t gen = p->gen + 1;
	memset(p, 0, sizeof(*p));
	p->gen = gen;
	e->gen = gen;
}

void shm_dirty(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	if (p->dirty || !p->nh)
		return;
	p->dirty = true;
	c->dirty[c->ndirty++] = (uint16_t)id;
}

static void set_err(struct client *c, int id, int err)
{
	struct sock_entry *e = ent(c, id);
	struct psock *p = &c->s[id];
	e->err = err;
	BARRIER();
	e->err_seq = ++p->err_seq;
	shm_dirty(c, id);
	c->changed = true;
}

/* ---------------------------------------------------------------- UDP rings */

/* Position of stream offset o, and its slot. */
static uint32_t pos_of(uint32_t o) { return o & (SOCK_RING_CAP - 1); }

static void ur_set(struct uring *u, uint32_t si, uint16_t b)
{
	u->slot[si] = b;
	u->mirror[si] = b;
}

/* Blocks behind [from, to). False when the pool is empty. */
static bool ur_ensure(struct client *c, struct uring *u, uint32_t from, uint32_t to)
{
	for (uint32_t o = from; o != to;) {
		uint32_t si = pos_of(o) / SOCK_BLOCK;
		if (u->slot[si] == SOCK_NO_BLOCK) {
			uint16_t b = net_pool_alloc(c->pool);
			if (b == 0xffff)
				return false;
			ur_set(u, si, b);
		}
		uint32_t step = SOCK_BLOCK - pos_of(o) % SOCK_BLOCK;
		o = to - o < step ? to : o + step;
	}
	return true;
}

/* Frees the blocks that lie wholly before upto (from u->head on). */
static void ur_free_to(struct client *c, struct uring *u, uint32_t upto)
{
	while ((int32_t)(upto - u->head) > 0) {
		uint32_t blk_end = u->head + (SOCK_BLOCK - pos_of(u->head) % SOCK_BLOCK);
		if ((int32_t)(blk_end - upto) > 0)
			break; /* the block still holds bytes at upto */
		uint32_t si = pos_of(u->head) / SOCK_BLOCK;
		if (u->slot[si] != SOCK_NO_BLOCK) {
			net_pool_free(c->pool, u->slot[si]);
			ur_set(u, si, SOCK_NO_BLOCK);
		}
		u->head = blk_end;
	}
	if ((int32_t)(upto - u->head) > 0)
		u->head = upto;
}

/* [o, o + n) as pieces of blocks (our own slot copy). */
static unsigned ur_iov(struct client *c, const struct uring *u, uint32_t o, uint32_t n, struct net_iov *iov,
		       unsigned max)
{
	unsigned k = 0;
	while (n && k < max) {
		uint32_t p = pos_of(o), chunk = SOCK_BLOCK - p % SOCK_BLOCK;
		if (chunk > n)
			chunk = n;
		uint16_t b = u->slot[p / SOCK_BLOCK];
		if (b == SOCK_NO_BLOCK)
			return 0;
		iov[k].base = c->a->blocks[b] + p % SOCK_BLOCK;
		iov[k].len = chunk;
		k++;
		o += chunk;
		n -= chunk;
	}
	return n ? 0 : k;
}

static bool ur_copy(struct client *c, const struct uring *u, uint32_t o, void *buf, uint32_t n, bool out)
{
	struct net_iov v[4];
	unsigned k = ur_iov(c, u, o, n, v, 4);
	if (!k)
		return false;
	uint8_t *b = buf;
	for (unsigned i = 0; i < k; b += v[i].len, i++)
		if (out)
			memcpy(v[i].base, b, v[i].len);
		else
			memcpy(b, v[i].base, v[i].len);
	return true;
}

#define IOV_MAX_DGRAM (SOCK_DGRAM_MAX / SOCK_BLOCK + 2)

/* Datagrams the stack holds go into the receive ring while they fit. */
void shm_udp_deliver(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	struct uring *u = p->urx;
	for (;;) {
		long len = net_udp_peek(g.ns, p->nh);
		if (len == -EAGAIN)
			return;
		if (len < 0) { /* a pending error (ICMP unreachable): take it, tell the process */
			int e = (int)net_udp_recvfrom(g.ns, p->nh, NULL, 0, NULL, NULL);
			set_err(c, id, -e);
			continue;
		}
		uint32_t span = SOCK_DGRAM_SPAN((uint32_t)len);
		if (u->end - p->rx_head + span > ROOM_MAX || !ur_ensure(c, u, u->end, u->end + span))
			return; /* full: the stack keeps it (and drops past its buffer) */
		struct net_iov v[IOV_MAX_DGRAM];
		unsigned k = ur_iov(c, u, u->end + sizeof(struct sock_dgram), (uint32_t)len, v, IOV_MAX_DGRAM);
		struct net_sockaddr src = { 0, 0 };
		bool trunc = false;
		long n = net_udp_recvv(g.ns, p->nh, v, len ? k : 0, &src, &trunc);
		if (n < 0)
			continue;
		struct sock_dgram h = { src.addr, src.port, (uint16_t)n };
		ur_copy(c, u, u->end, &h, sizeof(h), true);
		u->end += SOCK_DGRAM_SPAN((uint32_t)n);
		shm_copied_in += (uint64_t)n;
		shm_dirty(c, id);
	}
}

/* The records the process wrote in [p->tx_tail, t) leave. */
static void udp_send(struct client *c, int id, uint32_t t)
{
	struct psock *p = &c->s[id];
	struct uring *u = p->utx;
	uint32_t o = p->tx_tail;
	while (o != t) {
		struct sock_dgram h;
		if (t - o < sizeof(h) || !ur_copy(c, u, o, &h, sizeof(h), false) || h.len > SOCK_DGRAM_MAX ||
		    SOCK_DGRAM_SPAN(h.len) > t - o) {
			sock_bad(c, BAD_DGRAM);
			return;
		}
		struct net_iov v[IOV_MAX_DGRAM];
		unsigned k = h.len ? ur_iov(c, u, o + sizeof(h), h.len, v, IOV_MAX_DGRAM) : 0;
		struct net_sockaddr to = { h.addr, h.port };
		long r = net_udp_sendv(g.ns, p->nh, v, k, h.addr ? &to : NULL);
		if (r < 0)
			set_err(c, id, (int)-r);
		else
			shm_copied_out += h.len;
		o += SOCK_DGRAM_SPAN(h.len);
	}
	p->tx_tail = t;
	ur_free_to(c, u, t);
}

void shm_udp_free(struct client *c, struct psock *p)
{
	struct uring *r[2] = { p->urx, p->utx };
	for (int k = 0; k < 2; k++) {
		if (!r[k])
			continue;
		for (int si = 0; si < SOCK_SLOTS; si++)
			if (r[k]->slot[si] != SOCK_NO_BLOCK)
				net_pool_free(c->pool, r[k]->slot[si]);
		free(r[k]);
	}
	p->urx = p->utx = NULL;
}

/* ---------------------------------------------------------------- the process's side */

void shm_sync(struct client *c, int id) { shm_sync_how(c, id, true); }

/* Takes what the process wrote in socket id's entry. send_now false: its
 * bytes wait for the caller's next output (shutdown, close: data and FIN
 * leave together). */
void shm_sync_how(struct client *c, int id, bool send_now)
{
	struct psock *p = &c->s[id];
	if (!p->nh || c->bad)
		return;
	struct sock_entry *e = ent(c, id);
	uint32_t h = e->rx_head, t = e->tx_tail, want = e->tx_want; /* each read once */
	if (h != p->rx_head) {
		if (h - p->rx_head > p->rx_tail - p->rx_head) {
			sock_bad(c, BAD_RX_HEAD);
			return;
		}
		p->rx_head = h;
		if (p->kind == SOCK_KIND_TCP)
			net_tcp_consume(g.ns, p->nh, h);
		else
			ur_free_to(c, p->urx, h);
		shm_dirty(c, id);
	}
	if (t != p->tx_tail) {
		if (t - p->tx_tail > p->tx_limit - p->tx_tail) {
			sock_bad(c, BAD_TX_TAIL);
			return;
		}
		bool filled = t == p->tx_limit;
		if (p->kind == SOCK_KIND_TCP) {
			uint32_t n = t - p->tx_tail;
			p->tx_tail = t;
			long r = net_tcp_commit(g.ns, p->nh, n, send_now);
			if (r < 0)
				set_err(c, id, (int)-r);
			else
				shm_copied_out += n;
		} else {
			udp_send(c, id, t);
		}
		if (filled && p->credit < ROOM_MAX) /* it used all we gave: give more next time */
			p->credit = p->credit * 2 > ROOM_MAX ? ROOM_MAX : p->credit * 2;
		shm_dirty(c, id);
	}
	if (want) { /* it waits for room: look again this turn */
		if (want > p->credit)
			p->credit = want > ROOM_MAX ? ROOM_MAX : want;
		p->asked = true;
		shm_dirty(c, id);
	}
}

void shm_kicks(struct client *c)
{
	struct sock_area *a = c->a;
	uint32_t head = a->kick_head, all = a->kick_all;
	if (head - c->kick_tail > SOCK_KICKS) {
		sock_bad(c, BAD_KICK);
		return;
	}
	for (uint32_t i = c->kick_tail; i != head && !c->bad; i++) {
		uint32_t id = a->kicks[i % SOCK_KICKS];
		if (id == 0 || id >= SOCK_MAX) {
			sock_bad(c, BAD_KICK);
			return;
		}
		shm_sync(c, (int)id);
	}
	c->kick_tail = head;
	a->kick_tail = head;
	if (all != c->kick_all) { /* its kick list was full: look at everything */
		c->kick_all = all;
		for (int id = 1; id < SOCK_MAX && !c->bad; id++)
			shm_sync(c, id);
	}
}

/* ---------------------------------------------------------------- new connections */

/* Whether c can take one more connection now: not late, room in its accept
 * ring and among its offers, and a free id. The process's accept_tail is
 * read once and checked. */
static int room_for_one(struct client *c)
{
	if (c->bad || c->late)
		return -1;
	uint32_t t = c->a->accept_tail;
	if (t - c->accept_tail > c->accept_head - c->accept_tail) {
		sock_bad(c, BAD_ACCEPT);
		return -1;
	}
	c->accept_tail = t;
	if (c->accept_head - c->accept_tail >= SOCK_ACCEPTS || c->accept_head - c->off_tail >= SOCK_ACCEPTS)
		return -1;
	return shm_free_id(c);
}

bool shm_can_offer(struct client *c) { return room_for_one(c) > 0; }

static uint64_t accepted;
uint64_t shm_accepted(void) { return accepted; }
uint64_t shm_lost_nomem;

/* CONNECTION-AVAILABLE: connection nh becomes socket id of c, offered (the
 * claim word) and announced in c's accept ring. */
static void offer(struct group *grp, struct client *c, int id, const struct returned *r)
{
	struct sock_entry *e = ent(c, id);
	struct psock *p = &c->s[id];
	p->nh = r->nh;
	sock_map_put(r->nh, c, id);
	shm_open_entry(c, id, SOCK_KIND_TCP, SOCK_ST_OPEN | SOCK_ST_CONNECTED | SOCK_ST_EVER);
	p->ever = true;
	p->offered_ns = r->first_ns;
	p->cm_port = grp->port;
	e->claim = sock_claim_word(p->gen, SOCK_CLAIM_OFFERED);
	net_tcp_set_mirror(g.ns, r->nh, (uint16_t *)e->rx_slot, (uint16_t *)e->tx_slot);
	struct sock_accept rec = { (uint32_t)grp->nh, (uint32_t)id, p->gen, r->addr, r->port, { 0 } };
	uint32_t at = c->accept_head % SOCK_ACCEPTS;
	c->a->accepts[at] = rec;
	c->off[at] = (struct offer){ (uint16_t)id, grp->port, grp->nh, p->gen, pika_clock_ns() };
	unsigned k = grp->recent_pos++ % GROUP_RECENT;
	grp->recent[k].c = c;
	grp->recent[k].id = (uint16_t)id;
	grp->recent[k].gen = p->gen;
	BARRIER();
	c->a->accept_head = ++c->accept_head;
	accepted++;
	shm_dirty(c, id);
	c->changed = true;
}

/* Offers the group's connections (taken back ones first, then the stack's)
 * to its members in turn, while one has room. */
void shm_accept(struct group *grp)
{
	grp->backlog = false;
	for (;;) {
		struct client *c = NULL;
		int id = -1, k;
		for (k = 0; k < grp->n && id < 0; k++) {
			c = grp->m[(grp->next + k) % grp->n].c;
			id = room_for_one(c);
		}
		if (id < 0) { /* every process is full or late: the connections wait */
			grp->backlog = grp->n > 0;
			return;
		}
		struct returned r;
		if (grp->ret_n) {
			r = grp->ret[grp->ret_head];
			grp->ret_head = (grp->ret_head + 1) % GROUP_RETURNED;
			grp->ret_n--;
		} else {
			struct net_sockaddr peer = { 0, 0 };
			r.nh = net_tcp_accept(g.ns, grp->nh, &peer);
			if (r.nh <= 0)
				return;
			r.addr = peer.addr;
			r.port = peer.port;
			r.first_ns = pika_clock_ns();
		}
		grp->next = (grp->next + k) % grp->n;
		/* born in the listener's pool (its first member's process); another
		 * process takes it with its bytes moved over */
		if (net_tcp_set_pool(g.ns, r.nh, c->pool, SOCK_RING_CAP) < 0) {
			net_tcp_abort(g.ns, r.nh);
			continue;
		}
		offer(grp, c, id, &r);
	}
}

/* ---------------------------------------------------------------- claims */

struct offer *shm_oldest_offer(struct client *c)
{
	while (c->off_tail != c->accept_head) {
		struct offer *o = &c->off[c->off_tail % SOCK_ACCEPTS];
		struct psock *p = &c->s[o->id];
		/* read once: anything but OFFERED of this gen is the process's */
		if (p->nh && p->gen == o->gen && !p->listening &&
		    ent(c, o->id)->claim == sock_claim_word(o->gen, SOCK_CLAIM_OFFERED))
			return o;
		c->off_tail++;
	}
	return NULL;
}

void shm_offer_pop(struct client *c)
{
	if (c->off_tail != c->accept_head)
		c->off_tail++;
}

int shm_take_back(struct client *c, struct group *grp)
{
	struct offer *o = shm_oldest_offer(c);
	if (!o)
		return 0;
	if (grp->ret_n == GROUP_RETURNED)
		return -1;
	struct psock *p = &c->s[o->id];
	uint32_t seen;
	int nh = p->nh;
	if (!sock_claim_move(&ent(c, o->id)->claim, o->gen, SOCK_CLAIM_REVOKED, &seen)) {
		c->off_tail++; /* claimed just now: the process's */
		return 0;
	}
	/* the process can no longer write its room: the bytes leave its pool
	 * (the stack's blocks hold them until the next offer); with no block
	 * for them the connection is lost, and counted */
	net_tcp_set_mirror(g.ns, nh, NULL, NULL);
	net_tcp_unreserve(g.ns, nh);
	if (net_tcp_set_pool(g.ns, nh, NULL, 0) < 0) {
		net_tcp_abort(g.ns, nh);
		sock_map_del(nh);
		shm_close_entry(c, o->id);
		c->off_tail++;
		shm_lost_nomem++;
		return 0;
	}
	struct net_sockaddr peer = { 0, 0 };
	net_tcp_peername(g.ns, nh, &peer);
	sock_map_del(nh);
	struct returned *r = &grp->ret[(grp->ret_head + grp->ret_n++) % GROUP_RETURNED];
	*r = (struct returned){ nh, peer.addr, peer.port, p->offered_ns };
	shm_close_entry(c, o->id); /* its gen moves on: the process's record is stale */
	c->off_tail++;
	return 1;
}

/* ---------------------------------------------------------------- publishing */

static uint32_t tcp_state_bits(struct psock *p, uint32_t *err)
{
	uint32_t st = SOCK_ST_OPEN;
	unsigned ev = net_sock_poll(g.ns, p->nh);
	if (ev & NET_EV_ERR) {
		int v = 0;
		if (net_getsockopt(g.ns, p->nh, NET_SO_ERROR, &v) == 0 && v)
			*err = (uint32_t)v;
	}
	if (p->listening)
		return st | SOCK_ST_LISTENING;
	int s = net_tcp_state(g.ns, p->nh);
	switch (s) {
	case NET_TCP_SYN_SENT:
	case NET_TCP_SYN_RECEIVED:
		if (p->connecting)
			st |= SOCK_ST_CONNECTING;
		break;
	case NET_TCP_ESTABLISHED:
	case NET_TCP_CLOSE_WAIT:
		st |= SOCK_ST_CONNECTED;
		p->ever = true;
		p->connecting = false;
		break;
	case NET_TCP_CLOSED:
	case NET_TCP_LISTEN:
		break;
	default: /* FIN_WAIT_1/2, CLOSING, LAST_ACK, TIME_WAIT: we sent our FIN */
		st |= SOCK_ST_CONNECTED | SOCK_ST_WRCLOSED;
		p->ever = true;
		p->connecting = false;
		break;
	}
	if (p->ever)
		st |= SOCK_ST_EVER;
	if (ev & NET_EV_RDHUP)
		st |= SOCK_ST_EOF;
	/* gone: closed, reset, timed out, or a connect that failed (the error
	 * says why); it stays gone */
	if ((ev & NET_EV_HUP) || (s == NET_TCP_CLOSED && (p->ever || p->connecting)))
		p->hup = true;
	if (p->hup) {
		st |= SOCK_ST_HUP | SOCK_ST_WRCLOSED;
		st &= ~(uint32_t)(SOCK_ST_CONNECTED | SOCK_ST_CONNECTING);
		p->connecting = false;
	}
	return st;
}

static void ready_push(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	if (p->ready_at && (int32_t)(p->ready_at - 1 - c->ready_tail) >= 0)
		return; /* listed and not taken yet */
	if (c->ready_head - c->ready_tail >= SOCK_READY) {
		c->a->ready_lost = ++c->ready_lost;
		return;
	}
	c->a->ready[c->ready_head % SOCK_READY] = (uint16_t)id;
	p->ready_at = ++c->ready_head;
}

/* Send room is made ahead of a socket's writes (no round trip for its first
 * send) while the process's pool has a quarter free; below that only for a
 * socket whose process asked (tx_want): reserved room is never taken back,
 * and thousands of idle connections holding a block each would leave none
 * for the bytes that arrive. */
static bool room_to_spare(const struct client *c)
{
	return net_pool_free_blocks(c->pool) > SOCK_BLOCKS / 4;
}

static void publish_one(struct client *c, int id)
{
	struct psock *p = &c->s[id];
	p->dirty = false;
	if (!p->nh)
		return;
	struct sock_entry *e = ent(c, id);
	uint32_t st, err = 0, rx_tail, tx_limit;
	if (p->kind == SOCK_KIND_TCP) {
		st = tcp_state_bits(p, &err);
		struct net_tcp_stream s;
		if (!p->listening && !(st & SOCK_ST_WRCLOSED) && (p->asked || room_to_spare(c))) {
			net_tcp_reserve(g.ns, p->nh, p->credit);
			p->asked = false;
		}
		net_tcp_stream(g.ns, p->nh, &s);
		rx_tail = s.rx_end;
		tx_limit = p->listening ? 0 : s.tx_limit;
		if (rx_tail != p->rx_tail)
			shm_copied_in += rx_tail - p->rx_tail;
	} else {
		shm_udp_deliver(c, id);
		st = p->st;
		rx_tail = p->urx->end;
		tx_limit = p->tx_limit;
		uint32_t want = p->tx_tail + p->credit;
		if ((int32_t)(want - tx_limit) > 0 && ur_ensure(c, p->utx, tx_limit, want))
			tx_limit = want;
	}
	if (err) {
		e->err = (int32_t)err;
		BARRIER();
		e->err_seq = ++p->err_seq;
	}
	bool changed = err || st != p->st || rx_tail != p->rx_tail || tx_limit != p->tx_limit;
	p->rx_tail = rx_tail;
	p->tx_limit = tx_limit;
	p->st = st;
	e->rx_tail = rx_tail;
	e->tx_limit = tx_limit;
	BARRIER();
	e->st = st;
	if (changed || err) {
		ready_push(c, id);
		c->changed = true;
	}
}

/* At once, not at the end of the turn: the reply the process is about to
 * get says a state (connecting, connected) it will look for. */
void shm_publish_now(struct client *c, int id)
{
	if (c->bad)
		return;
	publish_one(c, id);
	c->a->ready_head = c->ready_head;
}

void shm_publish(struct client *c)
{
	if (c->bad)
		return;
	uint32_t t = c->a->ready_tail;
	if (t - c->ready_tail > c->ready_head - c->ready_tail) {
		sock_bad(c, BAD_READY);
		return;
	}
	c->ready_tail = t;
	for (int i = 0; i < c->ndirty; i++)
		publish_one(c, c->dirty[i]);
	c->ndirty = 0;
	BARRIER();
	c->a->ready_head = c->ready_head;
	c->a->turn++;
	if (c->changed) { /* one wake-up per turn, and only if it sleeps */
		c->changed = false;
		chan_notify(&c->dc->ch);
	}
}
