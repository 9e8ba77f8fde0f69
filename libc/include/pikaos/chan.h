/*
 * pikaos/chan.h - URPC channels (DESIGN 2): a pair of single-producer,
 * single-consumer rings of 64-byte messages in one 4 KiB frame shared by
 * exactly two endpoints (end 0 and end 1), usually on different cores.
 *
 * Frame layout (64 cache lines):
 *   line 0        header: written once when the channel is made, then read-only
 *   line 1, 2     state line of end 0 and of end 1, each written only by its end
 *                 and rarely: sleeping flag (waiting for messages), want_room
 *                 flag (waiting for room to send) + epoch, closed
 *   line 3, 4     ack line of end 0 and of end 1, each written only by its end,
 *                 on every receive: how many messages it has consumed
 *                 (apart from the state line, so that the peer's check of the
 *                 sleeping flag after every send does not pull a line the
 *                 receiver keeps writing)
 *   lines 5..33   ring 0: CHAN_SLOTS messages from end 0 to end 1
 *   lines 34..62  ring 1: messages from end 1 to end 0
 * A message is 8 words: w[0] = type (low 32 bits) | user flags (high 32 bits),
 * w[1..6] = 48 bytes of payload, w[7] = sequence number, written last.
 *
 * Ordering (the only synchronisation there is; no locks, no atomic
 * read-modify-write anywhere):
 *  - the sender fills w[0..6], then stores w[7] = seq with release order; the
 *    receiver loads w[7] with acquire order and reads w[0..6] only when it
 *    equals the sequence number it expects next. On x86 both are plain moves.
 *  - the receiver publishes how many messages it consumed in its ack word
 *    (release); the sender may reuse a slot once ack says it was read.
 *  - sleeping: a receiver with nothing to do sets its sleeping flag, issues a
 *    full fence, then looks at the ring once more before it blocks. A sender
 *    publishes its message, issues a full fence, then reads the flag. With both
 *    fences at least one side sees the other's store, so either the receiver
 *    finds the message or the sender sees the flag and wakes it (one wake per
 *    sleep: the flag carries an epoch the sender remembers). No lost wake-ups.
 *  - waiting for room: a sender whose ring is full sets want_room (not
 *    sleeping: a receiver is never woken for messages it did not ask for)
 *    and re-checks; the receiver, after consuming, wakes it only if that
 *    flag is set. There is no fence on the receive side (it would tax every
 *    receive): a sender waiting for room re-checks at least every 2 ms.
 *  - a wake-up names the process at the other end (SYS_chan_wake: the
 *    kernel knows who holds it), never every process of a core.
 *
 * This file and libc/chan.c are portable C (host-tested with two threads in
 * tests/unit/chan_test.c); blocking and waking go through struct chan_sync,
 * which libc implements with the event system calls.
 */
#ifndef _PIKAOS_CHAN_H
#define _PIKAOS_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#define CHAN_FRAME_SIZE 4096
#define CHAN_SLOTS 29
#define CHAN_PAYLOAD 48
#define CHAN_MAGIC 0x4e414843414b4950ULL /* "PIKACHAN" */

struct chan_msg {
	uint64_t w[8];
} __attribute__((aligned(64)));

static inline uint32_t chan_msg_type(const struct chan_msg *m) { return (uint32_t)m->w[0]; }
static inline uint32_t chan_msg_flags(const struct chan_msg *m) { return (uint32_t)(m->w[0] >> 32); }
static inline void chan_msg_set(struct chan_msg *m, uint32_t type, uint32_t flags)
{
	m->w[0] = (uint64_t)flags << 32 | type;
}
static inline void *chan_msg_payload(struct chan_msg *m) { return &m->w[1]; }

struct chan_end_info {
	uint32_t core;
	int32_t pid;
};

struct chan_header {
	uint64_t magic;
	uint64_t id;          /* the frame's physical address: names the channel everywhere */
	uint32_t owner_core;  /* whose pool the frame came from */
	uint32_t pages;       /* frames: this one, then pages - 1 of data area (chan_data) */
	struct chan_end_info end[2];
	uint64_t pad[3];
} __attribute__((aligned(64)));

struct chan_ctl {
	volatile uint32_t sleeping;    /* this end is (about to be) blocked waiting for messages */
	volatile uint32_t sleep_epoch; /* bumped every time it goes to sleep */
	volatile uint32_t closed;      /* this end is gone: no more messages either way */
	volatile uint32_t want_room;   /* this end is (about to be) blocked waiting for room */
	uint64_t pad[6];
} __attribute__((aligned(64)));

struct chan_ack {
	volatile uint64_t ack;         /* messages this end has consumed from the peer's ring */
	uint64_t pad[7];
} __attribute__((aligned(64)));

struct chan_frame {
	struct chan_header hdr;
	struct chan_ctl ctl[2];
	struct chan_ack acks[2];
	struct chan_msg ring[2][CHAN_SLOTS];
	struct chan_msg spare;
};

struct chan;

/* How an endpoint blocks and wakes; libc uses the event system calls. */
struct chan_sync {
	uint64_t (*prepare)(void *ctx);                 /* a token; wakes after it count */
	int (*wait)(void *ctx, uint64_t token, uint64_t timeout_ns); /* 0 woken, -ETIMEDOUT */
	void (*wake)(void *ctx, const struct chan *c);  /* wake whoever holds c's other end */
	uint64_t (*now_ns)(void *ctx);
	void *ctx;
};

/* One endpoint, private to the process (or thread) using it. */
struct chan {
	struct chan_frame *f;
	int end;                /* 0 or 1 */
	uint64_t tx_seq;        /* sequence number of the next message sent */
	uint64_t rx_seq;        /* sequence number of the next message expected */
	uint64_t peer_ack;      /* last ack read from the peer's control line */
	uint32_t tx_i, rx_i;    /* ring positions */
	uint32_t woken_epoch;   /* the peer's sleep epoch already woken */
	uint32_t spin;          /* polls before sleeping (blocking forms); 0 when the peer shares our core */
	uint32_t pages;         /* frames mapped: our own fact, never re-read from the header */
	const struct chan_sync *sync;
	uint64_t sent, received, wakes, sleeps; /* counters */
};

/* The data area that follows the rings in a channel of more than one page
 * (SYS_chan_create(pages)): shared by the two ends like the rings, for bulk
 * data referenced by messages. NULL / 0 for a one-page channel. Its size is
 * c->pages, which the attacher sets from what it knows (pikaos: the
 * kernel's facts), not from the header the peer can write. */
static inline void *chan_data(const struct chan *c)
{
	return c->pages > 1 ? (uint8_t *)c->f + CHAN_FRAME_SIZE : (void *)0;
}
static inline uint64_t chan_data_len(const struct chan *c)
{
	return c->pages > 1 ? (uint64_t)(c->pages - 1) * CHAN_FRAME_SIZE : 0;
}

/* Initialises a fresh frame (zeroed first); the creator calls it once. */
void chan_frame_init(struct chan_frame *f, uint64_t id, uint32_t owner_core);
/* Attaches endpoint `end` of frame f of `pages` frames. sync may be NULL
 * (non-blocking use only). */
void chan_attach(struct chan *c, struct chan_frame *f, int end, uint32_t pages, const struct chan_sync *sync);

/* Non-blocking: 0, -EAGAIN (ring full / empty), -EPIPE (the peer closed;
 * recv still returns messages sent before the close). */
int chan_send(struct chan *c, const struct chan_msg *m);
int chan_recv(struct chan *c, struct chan_msg *m);
/* Batched: up to n messages; returns how many (>= 0), or -EPIPE when none
 * moved because the peer is gone. One ack / one fence per batch. */
int chan_send_n(struct chan *c, const struct chan_msg *m, int n);
int chan_recv_n(struct chan *c, struct chan_msg *m, int n);
/* Blocking (need c->sync): wait for room / a message, up to timeout_ns
 * (UINT64_MAX: forever). 0, -ETIMEDOUT or -EPIPE. send_n_wait returns n. */
int chan_send_wait(struct chan *c, const struct chan_msg *m, uint64_t timeout_ns);
int chan_recv_wait(struct chan *c, struct chan_msg *m, uint64_t timeout_ns);
int chan_send_n_wait(struct chan *c, const struct chan_msg *m, int n, uint64_t timeout_ns);
int chan_recv_n_wait(struct chan *c, struct chan_msg *m, int n, uint64_t timeout_ns);

/* For event loops over many channels: true when a message is waiting. */
bool chan_can_recv(const struct chan *c);
bool chan_peer_closed(const struct chan *c);
/* Messages this end sent that the peer has not consumed yet. */
uint64_t chan_unread(const struct chan *c);
/* Sleep protocol, split for loops waiting on several channels: mark every
 * channel with chan_sleep_begin, check them all, then block on the token
 * (sync->wait), then chan_sleep_end each. begin returns false when a message
 * (or a close) is already there: do not sleep. */
bool chan_sleep_begin(struct chan *c);
void chan_sleep_end(struct chan *c);
/* For loops that wait for room without blocking (a dispatcher's handler):
 * on, the peer's next receive wakes us; off when done. */
void chan_want_room(struct chan *c, bool on);
/* Marks this end closed and wakes the peer. The frame stays mapped. */
void chan_close(struct chan *c);
/* After publishing something the peer reads outside the rings (a shared
 * ring index in the data area): a full fence, then one wake-up if the peer
 * sleeps waiting for messages and was not woken for this sleep yet. */
void chan_notify(struct chan *c);

#endif
