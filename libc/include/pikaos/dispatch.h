/*
 * pikaos/dispatch.h - an event loop over many channels (PIKA 4.2).
 *
 * Handlers are registered per message type; every request that arrives runs
 * its handler in a fresh microthread, so a handler can make a call to another
 * server (disp_call) and wait for the reply without stopping the loop: the
 * microthread yields, the loop goes on, and the reply (matched by request id,
 * pikaos/msg.h) resumes it. With nothing to do the loop sleeps in the kernel
 * until a peer sends (the channel sleep protocol of pikaos/chan.h); it never
 * spins while idle.
 */
#ifndef _PIKAOS_DISPATCH_H
#define _PIKAOS_DISPATCH_H

#include <pikaos/chan.h>
#include <pikaos/msg.h>
#include <pikaos/mthread.h>
#include <stddef.h>
#include <stdint.h>

#define DISP_MAX_CHANS 160
#define DISP_MAX_TYPES 128

struct disp;

struct disp_chan {
	struct chan ch;
	void *user;        /* the owner's data */
	uint64_t id;       /* the channel id when the owner knows it (monitors do) */
	int active;
	int refs;          /* requests in flight that hold it */
	struct disp_req *partial; /* a request whose later parts are still coming */
};

/* One incoming request, valid until the handler returns. msg is its (first)
 * message: type, id and the first MSG_DATA bytes; data holds all len bytes
 * of a request sent in several messages (len is a multiple of MSG_DATA). */
struct disp_req {
	struct disp *d;
	struct disp_chan *dc;
	struct chan_msg msg;
	struct disp_req *next;
	size_t len;
	char data[MSG_REQ_MAX];
};

typedef void (*disp_handler)(struct disp_req *r);

struct disp {
	struct disp_chan *chans[DISP_MAX_CHANS];
	int nchans;
	disp_handler handlers[DISP_MAX_TYPES];
	struct mthread *waiting;     /* microthreads waiting for replies */
	struct mthread *room_waiting; /* microthreads waiting for room to send a reply */
	struct disp_req *free_reqs;
	uint32_t next_id;
	int stop;
	/* called on every turn of the loop and before it sleeps; returns how
	 * much work it found (the loop does not sleep when that is not 0) */
	int (*idle)(struct disp *d, void *arg);
	void *idle_arg;
	/* when set, called instead of idle just before the loop sleeps (after
	 * the wake-up token is taken): a driver arms its interrupts here;
	 * returns the work it found (then the loop does not sleep) */
	int (*before_sleep)(struct disp *d, void *arg);
	/* when set (absolute ns), the loop wakes by then even if nothing arrives */
	uint64_t wake_at;
	/* a channel whose peer closed (default: remove it and close our end) */
	void (*closed)(struct disp *d, struct disp_chan *dc);
	uint64_t handled, replies, sleeps;
	uint64_t bad_requests; /* refused as too long, or abandoned half-sent */
	uint64_t dropped_replies; /* the peer read none for REPLY_TIMEOUT (or it closed) */
};

void disp_init(struct disp *d);
struct disp_chan *disp_add(struct disp *d, void *va, int end, void *user);
/* Watches an endpoint already in use (its state is taken over, e.g. the
 * monitor channel after mon_register: see mon_release()). */
struct disp_chan *disp_adopt(struct disp *d, const struct chan *c, void *user);
/* Stops watching dc (and frees it once no request holds it: do not touch dc
 * afterwards); does not close it. */
void disp_remove(struct disp *d, struct disp_chan *dc);
void disp_on(struct disp *d, uint32_t type, disp_handler h);
/* From a handler: send a request and wait (yielding) for its reply. Returns
 * the reply status (or -ETIMEDOUT/-EPIPE); reply bytes go to buf. */
int disp_call(struct disp *d, struct disp_chan *dc, uint32_t type, const void *data, size_t len,
	      void *buf, size_t max, size_t *got, uint64_t timeout_ns);
/* The reply to r: len bytes of data (any length) and a status. When the
 * peer's ring is full the handler waits (only it: the loop goes on) up to
 * 2 s, then the reply is dropped (dropped_replies). */
int disp_reply(struct disp_req *r, int32_t status, const void *data, size_t len);
/* A message nobody answers. */
int disp_notify(struct disp_chan *dc, uint32_t type, const void *data, size_t len);
/* One pass over the channels without sleeping; returns messages handled. */
int disp_poll(struct disp *d);
/* Runs until d->stop (or, when until_ns != 0, until that time); sleeps when idle. */
void disp_run(struct disp *d, uint64_t until_ns);

#endif
