/* chan.c - see pikaos/chan.h. Portable; no system calls. */
#include "include/pikaos/chan.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

_Static_assert(sizeof(struct chan_msg) == 64, "a message is one cache line");
_Static_assert(sizeof(struct chan_frame) == CHAN_FRAME_SIZE, "a channel is one frame");

#define LOAD_ACQ(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE_REL(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)
/* Store-load ordering for the sleep protocol (mfence on x86). */
#define FULL_FENCE() __atomic_thread_fence(__ATOMIC_SEQ_CST)

void chan_frame_init(struct chan_frame *f, uint64_t id, uint32_t owner_core)
{
	memset(f, 0, sizeof(*f));
	f->hdr.id = id;
	f->hdr.owner_core = owner_core;
	f->hdr.pages = 1;
	f->hdr.end[0].pid = f->hdr.end[1].pid = -1;
	STORE_REL(&f->hdr.magic, CHAN_MAGIC);
}

void chan_attach(struct chan *c, struct chan_frame *f, int end, uint32_t pages, const struct chan_sync *sync)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->end = end;
	c->pages = pages;
	c->tx_seq = 1;
	c->rx_seq = 1;
	c->spin = 200;
	c->sync = sync;
}

static struct chan_ctl *me(const struct chan *c) { return &c->f->ctl[c->end]; }
static struct chan_ctl *peer(const struct chan *c) { return &c->f->ctl[1 - c->end]; }

bool chan_peer_closed(const struct chan *c) { return LOAD_ACQ(&peer(c)->closed) != 0; }

/* Wakes the peer once per sleep if it waits for what we just did: messages
 * (its sleeping flag) after a send, room (its want_room flag) after a receive. */
static void wake_peer_if_waiting(struct chan *c, const volatile uint32_t *flag)
{
	if (!LOAD_ACQ(flag))
		return;
	uint32_t epoch = LOAD_ACQ(&peer(c)->sleep_epoch);
	if (epoch == c->woken_epoch || !c->sync)
		return;
	c->woken_epoch = epoch;
	c->wakes++;
	c->sync->wake(c->sync->ctx, c);
}

void chan_notify(struct chan *c)
{
	FULL_FENCE(); /* what we published before the read of their flag */
	wake_peer_if_waiting(c, &peer(c)->sleeping);
}

static int room(struct chan *c)
{
	uint64_t used = c->tx_seq - 1 - c->peer_ack;
	if (used >= CHAN_SLOTS) {
		c->peer_ack = LOAD_ACQ(&c->f->acks[1 - c->end].ack);
		used = c->tx_seq - 1 - c->peer_ack;
	}
	return (int)(CHAN_SLOTS - used);
}

static void put(struct chan *c, const struct chan_msg *m)
{
	struct chan_msg *s = &c->f->ring[c->end][c->tx_i];
	for (int i = 0; i < 7; i++)
		s->w[i] = m->w[i];
	STORE_REL(&s->w[7], c->tx_seq); /* publishes the message */
	c->tx_seq++;
	if (++c->tx_i == CHAN_SLOTS)
		c->tx_i = 0;
	c->sent++;
}

int chan_send_n(struct chan *c, const struct chan_msg *m, int n)
{
	if (chan_peer_closed(c) || LOAD_ACQ(&me(c)->closed))
		return -EPIPE;
	int k = 0;
	while (k < n && room(c) > 0)
		put(c, &m[k++]);
	if (k)
		chan_notify(c);
	return k;
}

int chan_send(struct chan *c, const struct chan_msg *m)
{
	int r = chan_send_n(c, m, 1);
	return r == 1 ? 0 : (r == 0 ? -EAGAIN : r);
}

uint64_t chan_unread(const struct chan *c)
{
	return c->tx_seq - 1 - LOAD_ACQ(&c->f->acks[1 - c->end].ack);
}

bool chan_can_recv(const struct chan *c)
{
	const struct chan_msg *s = &c->f->ring[1 - c->end][c->rx_i];
	return LOAD_ACQ(&s->w[7]) == c->rx_seq;
}

int chan_recv_n(struct chan *c, struct chan_msg *m, int n)
{
	int k = 0;
	while (k < n) {
		const struct chan_msg *s = &c->f->ring[1 - c->end][c->rx_i];
		if (LOAD_ACQ(&s->w[7]) != c->rx_seq)
			break;
		for (int i = 0; i < 8; i++)
			m[k].w[i] = s->w[i];
		c->rx_seq++;
		if (++c->rx_i == CHAN_SLOTS)
			c->rx_i = 0;
		k++;
	}
	if (k) {
		STORE_REL(&c->f->acks[c->end].ack, c->rx_seq - 1); /* the slots are the sender's again */
		c->received += (uint64_t)k;
		/* A sender waiting for room: wake it. No fence here (it would tax
		 * every receive): a sender waiting for room re-checks at least
		 * every SEND_WAIT_SLICE_NS, so a wake-up lost to store reordering
		 * costs latency, never a hang. */
		wake_peer_if_waiting(c, &peer(c)->want_room);
		return k;
	}
	return chan_peer_closed(c) ? -EPIPE : 0;
}

int chan_recv(struct chan *c, struct chan_msg *m)
{
	int r = chan_recv_n(c, m, 1);
	return r == 1 ? 0 : (r == 0 ? -EAGAIN : r);
}

static void flag_up(struct chan *c, volatile uint32_t *flag)
{
	struct chan_ctl *my = me(c);
	STORE_REL(&my->sleep_epoch, my->sleep_epoch + 1);
	STORE_REL(flag, 1);
	FULL_FENCE(); /* our flag before the re-check of their ring */
}

bool chan_sleep_begin(struct chan *c)
{
	flag_up(c, &me(c)->sleeping);
	return true;
}

void chan_sleep_end(struct chan *c) { STORE_REL(&me(c)->sleeping, 0); }

void chan_want_room(struct chan *c, bool on)
{
	if (on)
		flag_up(c, &me(c)->want_room);
	else
		STORE_REL(&me(c)->want_room, 0);
}

void chan_close(struct chan *c)
{
	STORE_REL(&me(c)->closed, 1);
	c->woken_epoch = 0;
	FULL_FENCE();
	if (c->sync)
		c->sync->wake(c->sync->ctx, c);
}

#define SEND_WAIT_SLICE_NS 2000000ULL

/* Waits until ready(c) or the deadline: polls c->spin times, then sleeps
 * (for at most slice_ns at a time when slice_ns is not 0) with the flag
 * that says what it waits for: sleeping (messages) or want_room. */
static int block_until(struct chan *c, bool (*ready)(struct chan *), uint64_t timeout_ns, uint64_t slice_ns,
		       bool for_room)
{
	volatile uint32_t *flag = for_room ? &me(c)->want_room : &me(c)->sleeping;
	const struct chan_sync *s = c->sync;
	if (!s)
		return -EAGAIN;
	uint64_t deadline = timeout_ns == UINT64_MAX ? UINT64_MAX : s->now_ns(s->ctx) + timeout_ns;
	for (uint32_t i = 0; i < c->spin; i++) {
		if (ready(c))
			return 0;
		__builtin_ia32_pause();
	}
	for (;;) {
		uint64_t token = s->prepare(s->ctx);
		flag_up(c, flag);
		if (ready(c)) {
			STORE_REL(flag, 0);
			return 0;
		}
		uint64_t now = s->now_ns(s->ctx);
		if (now >= deadline) {
			STORE_REL(flag, 0);
			return -ETIMEDOUT;
		}
		c->sleeps++;
		uint64_t t = deadline == UINT64_MAX ? UINT64_MAX : deadline - now;
		if (slice_ns && t > slice_ns)
			t = slice_ns;
		s->wait(s->ctx, token, t);
		STORE_REL(flag, 0);
	}
}

static bool recv_ready(struct chan *c) { return chan_can_recv(c) || chan_peer_closed(c); }
static bool send_ready(struct chan *c) { return room(c) > 0 || chan_peer_closed(c); }

int chan_recv_n_wait(struct chan *c, struct chan_msg *m, int n, uint64_t timeout_ns)
{
	for (;;) {
		int r = chan_recv_n(c, m, n);
		if (r != 0)
			return r;
		int e = block_until(c, recv_ready, timeout_ns, 0, false);
		if (e)
			return e;
	}
}

int chan_recv_wait(struct chan *c, struct chan_msg *m, uint64_t timeout_ns)
{
	int r = chan_recv_n_wait(c, m, 1, timeout_ns);
	return r == 1 ? 0 : r;
}

int chan_send_n_wait(struct chan *c, const struct chan_msg *m, int n, uint64_t timeout_ns)
{
	int done = 0;
	while (done < n) {
		int r = chan_send_n(c, m + done, n - done);
		if (r < 0)
			return r;
		done += r;
		if (done < n) {
			int e = block_until(c, send_ready, timeout_ns, SEND_WAIT_SLICE_NS, true);
			if (e)
				return e;
		}
	}
	return n;
}

int chan_send_wait(struct chan *c, const struct chan_msg *m, uint64_t timeout_ns)
{
	int r = chan_send_n_wait(c, m, 1, timeout_ns);
	return r == 1 ? 0 : r;
}
