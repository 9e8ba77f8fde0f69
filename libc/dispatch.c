/* dispatch.c - see pikaos/dispatch.h. */
#include "internal.h"

#include <errno.h>
#include <pikaos.h>
#include <pikaos/dispatch.h>
#include <stdlib.h>
#include <string.h>

static uint64_t now(void) { return pika_clock_ns(); }

static void default_closed(struct disp *d, struct disp_chan *dc)
{
	pika_chan_close(&dc->ch); /* before disp_remove, which may free dc */
	disp_remove(d, dc);
}

void disp_init(struct disp *d)
{
	memset(d, 0, sizeof(*d));
	d->next_id = 1;
	d->closed = default_closed;
}

struct disp_chan *disp_add(struct disp *d, void *va, int end, void *user)
{
	if (d->nchans == DISP_MAX_CHANS)
		return NULL;
	struct disp_chan *dc = calloc(1, sizeof(*dc));
	if (!dc)
		return NULL;
	pika_chan_attach(&dc->ch, va, end);
	dc->user = user;
	dc->active = 1;
	d->chans[d->nchans++] = dc;
	return dc;
}

struct disp_chan *disp_adopt(struct disp *d, const struct chan *c, void *user)
{
	struct disp_chan *dc = disp_add(d, c->f, c->end, user);
	if (dc)
		dc->ch = *c;
	return dc;
}

static void put_chan(struct disp_chan *dc)
{
	if (--dc->refs <= 0 && !dc->active) {
		free(dc->partial);
		free(dc);
	}
}

void disp_remove(struct disp *d, struct disp_chan *dc)
{
	for (int i = 0; i < d->nchans; i++)
		if (d->chans[i] == dc) {
			d->chans[i] = d->chans[--d->nchans];
			break;
		}
	dc->active = 0; /* calls waiting on it end with -EPIPE (expire_calls) */
	dc->refs++;
	put_chan(dc);
}

void disp_on(struct disp *d, uint32_t type, disp_handler h)
{
	if (type < DISP_MAX_TYPES)
		d->handlers[type] = h;
}

#define SEND_TIMEOUT 10000000000ULL
#define REPLY_TIMEOUT 2000000000ULL /* a peer that reads no replies for this long loses them */
#define ROOM_POLL_NS 10000000ULL /* the fallback: its receive normally wakes us (want_room) */

static int send_msg(struct disp_chan *dc, const struct chan_msg *m)
{
	return chan_send_wait(&dc->ch, m, SEND_TIMEOUT);
}

/* One reply message. In a microthread, a full ring makes only this handler
 * wait (it yields; the loop resumes it: resume_room_waiters), so a peer that
 * stops reading cannot stop the server; outside one, a full ring drops it. */
struct room_wait {
	struct disp *d;
	struct disp_chan *dc;
	uint64_t deadline;
};

static int reply_part(void *ctx, const struct chan_msg *m)
{
	struct room_wait *w = ctx;
	struct mthread *self = mthread_self();
	for (;;) {
		int e = chan_send(&w->dc->ch, m);
		if (e != -EAGAIN)
			return e;
		if (!self || !w->dc->active || now() >= w->deadline) {
			w->d->dropped_replies++;
			return -ETIMEDOUT;
		}
		chan_want_room(&w->dc->ch, true); /* its next receive wakes us */
		self->next = w->d->room_waiting;
		w->d->room_waiting = self;
		mthread_yield();
		chan_want_room(&w->dc->ch, false);
	}
}

int disp_reply(struct disp_req *r, int32_t status, const void *data, size_t len)
{
	struct room_wait w = { r->d, r->dc, now() + REPLY_TIMEOUT };
	return msg_send_by(reply_part, &w, chan_msg_type(&r->msg), MSG_REPLY, msg_id(&r->msg), status, data, len);
}

static void resume_room_waiters(struct disp *d)
{
	struct mthread *t = d->room_waiting;
	d->room_waiting = NULL;
	while (t) {
		struct mthread *n = t->next;
		mthread_run(t); /* it tries again, and queues itself anew if still full */
		t = n;
	}
}

int disp_notify(struct disp_chan *dc, uint32_t type, const void *data, size_t len)
{
	if (len > MSG_DATA)
		return -EINVAL;
	struct chan_msg m;
	msg_init(&m, type, 0, 0, 0);
	memcpy(msg_data(&m), data, len);
	return send_msg(dc, &m);
}

/* Waiting microthreads keep their channel in wait_buf's neighbour fields:
 * we reuse mthread fields: wait_id = request id, arg of the call below. */
struct call_state {
	struct disp_chan *dc;
	void *buf;
	size_t max, got;
	int status;
	int done;
	uint64_t deadline;
};

int disp_call(struct disp *d, struct disp_chan *dc, uint32_t type, const void *data, size_t len,
	      void *buf, size_t max, size_t *got, uint64_t timeout_ns)
{
	struct mthread *self = mthread_self();
	if (!self || !dc->active)
		return -EINVAL;
	uint32_t id = d->next_id++;
	if (!id)
		id = d->next_id++;
	int e = msg_send(&dc->ch, type, 0, id, 0, data, len, SEND_TIMEOUT);
	if (e)
		return e;
	struct call_state cs = { dc, buf, max, 0, 0, 0, now() + timeout_ns };
	self->wait_id = id;
	self->wait_buf = &cs;
	self->next = d->waiting;
	d->waiting = self;
	dc->refs++;
	while (!cs.done)
		mthread_yield();
	put_chan(dc);
	if (got)
		*got = cs.got;
	return cs.status;
}

static void unlink_waiter(struct disp *d, struct mthread *t)
{
	for (struct mthread **pp = &d->waiting; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			return;
		}
}

static void on_reply(struct disp *d, struct disp_chan *dc, const struct chan_msg *m)
{
	for (struct mthread *t = d->waiting; t; t = t->next) {
		struct call_state *cs = t->wait_buf;
		if (t->wait_id != msg_id(m) || cs->dc != dc)
			continue;
		if (msg_take_reply(m, cs->buf, cs->max, &cs->got)) {
			cs->status = msg_status(m);
			cs->done = 1;
			unlink_waiter(d, t);
			d->replies++;
			mthread_run(t);
		}
		return;
	}
	/* a reply to nobody (the caller timed out): dropped */
}

static void run_handler(void *arg)
{
	struct disp_req *r = arg;
	struct disp *d = r->d;
	disp_handler h = d->handlers[chan_msg_type(&r->msg)];
	h(r);
	put_chan(r->dc);
	r->next = d->free_reqs;
	d->free_reqs = r;
}

static void refuse(struct disp_chan *dc, const struct chan_msg *m, int err)
{
	if (msg_id(m)) { /* tell the caller rather than leave it waiting (not if it does not read) */
		struct chan_msg rep;
		msg_init(&rep, chan_msg_type(m), MSG_REPLY, msg_id(m), err);
		chan_send(&dc->ch, &rep);
	}
}

/*
 * Collects the parts of a request sent as several messages (pikaos/msg.h) in
 * dc->partial. Returns the whole request when m completes it, with the
 * first message in r->msg; NULL while parts are missing or when it was
 * refused (too long: -E2BIG to the caller; no memory: -ENOMEM).
 */
static struct disp_req *assemble(struct disp *d, struct disp_chan *dc, const struct chan_msg *m)
{
	struct disp_req *r = dc->partial;
	if (r && (msg_id(&r->msg) != msg_id(m) || chan_msg_type(&r->msg) != chan_msg_type(m))) {
		/* the sender gave up on the earlier request mid-way */
		d->bad_requests++;
		free(r);
		r = dc->partial = NULL;
	}
	if (!r) {
		if (!(r = malloc(sizeof(*r)))) {
			refuse(dc, m, -ENOMEM);
			return NULL;
		}
		r->msg = *m;
		r->len = 0;
		dc->partial = r;
	}
	if (r->len + MSG_DATA > MSG_REQ_MAX) {
		r->len = MSG_REQ_MAX + 1; /* refused once the last part is in */
	} else {
		memcpy(r->data + r->len, msg_cdata(m), MSG_DATA);
		r->len += MSG_DATA;
	}
	if (chan_msg_flags(m) & MSG_MORE)
		return NULL;
	dc->partial = NULL;
	if (r->len > MSG_REQ_MAX) {
		d->bad_requests++;
		refuse(dc, m, -E2BIG);
		free(r);
		return NULL;
	}
	return r;
}

static void on_request(struct disp *d, struct disp_chan *dc, const struct chan_msg *m)
{
	uint32_t type = chan_msg_type(m);
	if (type >= DISP_MAX_TYPES || !d->handlers[type]) {
		if (!(chan_msg_flags(m) & MSG_MORE))
			refuse(dc, m, -ENOSYS);
		return;
	}
	struct disp_req *r;
	if ((chan_msg_flags(m) & MSG_MORE) || dc->partial) {
		if (!(r = assemble(d, dc, m)))
			return;
	} else {
		if ((r = d->free_reqs))
			d->free_reqs = r->next;
		else if (!(r = malloc(sizeof(*r))))
			return;
		r->msg = *m;
		memcpy(r->data, msg_cdata(m), MSG_DATA);
		r->len = MSG_DATA;
	}
	r->d = d;
	r->dc = dc;
	dc->refs++;
	struct mthread *t = mthread_create(run_handler, r);
	if (!t) {
		put_chan(dc);
		r->next = d->free_reqs;
		d->free_reqs = r;
		return;
	}
	d->handled++;
	mthread_run(t);
}

static void expire_calls(struct disp *d)
{
	uint64_t t_now = 0;
	for (struct mthread *t = d->waiting, *n; t; t = n) {
		n = t->next;
		struct call_state *cs = t->wait_buf;
		if (!t_now)
			t_now = now();
		if (cs->deadline <= t_now || !cs->dc->active) {
			cs->status = cs->dc->active ? -ETIMEDOUT : -EPIPE;
			cs->done = 1;
			unlink_waiter(d, t);
			mthread_run(t);
			n = d->waiting; /* the list may have changed while it ran */
		}
	}
}

int disp_poll(struct disp *d)
{
	int handled = 0;
	struct chan_msg in[8];
	for (int i = 0; i < d->nchans; i++) {
		struct disp_chan *dc = d->chans[i];
		int r = chan_recv_n(&dc->ch, in, 8);
		if (r == -EPIPE) {
			d->closed(d, dc);
			i--; /* the array shifted */
			continue;
		}
		if (r <= 0)
			continue;
		dc->refs++; /* keep it while its messages are handled */
		for (int k = 0; k < r; k++) {
			if (chan_msg_flags(&in[k]) & MSG_REPLY)
				on_reply(d, dc, &in[k]);
			else
				on_request(d, dc, &in[k]);
		}
		put_chan(dc);
		handled += r;
	}
	if (d->waiting)
		expire_calls(d);
	if (d->room_waiting)
		resume_room_waiters(d);
	if (d->idle)
		handled += d->idle(d, d->idle_arg);
	return handled;
}

void disp_run(struct disp *d, uint64_t until_ns)
{
	while (!d->stop && (!until_ns || now() < until_ns)) {
		if (disp_poll(d))
			continue;
		/* Nothing came: sleep until a peer sends (or a call times out).
		 * Token first, then every channel's sleeping flag, then one more
		 * look at everything (the hook included: work published in
		 * shared memory by a peer that checks our flag afterwards, like
		 * a socket client's kick, cannot be missed either way). */
		uint64_t token = pika_kinfo()->ev_gen;
		int ready = 0;
		for (int i = 0; i < d->nchans; i++) {
			chan_sleep_begin(&d->chans[i]->ch);
			ready |= chan_can_recv(&d->chans[i]->ch) || chan_peer_closed(&d->chans[i]->ch);
		}
		if (!ready)
			ready = d->before_sleep ? d->before_sleep(d, d->idle_arg) : d->idle ? d->idle(d, d->idle_arg) : 0;
		if (!ready && !d->stop) {
			uint64_t timeout = d->room_waiting ? ROOM_POLL_NS : d->waiting ? 100000000ULL : UINT64_MAX;
			uint64_t t = now();
			if (until_ns) {
				uint64_t left = until_ns > t ? until_ns - t : 0;
				if (left < timeout)
					timeout = left;
			}
			if (d->wake_at) {
				uint64_t left = d->wake_at > t ? d->wake_at - t : 0;
				if (left < timeout)
					timeout = left;
			}
			d->sleeps++;
			__sys(SYS_event_wait, (long)token, (long)timeout, 0, 0);
		}
		for (int i = 0; i < d->nchans; i++)
			chan_sleep_end(&d->chans[i]->ch);
	}
}
