/*
 * pikaos/msg.h - the request/reply convention on channels, used by the
 * monitors, their clients and every service built on the dispatcher.
 *
 *   w[0]  type (low 32 bits) | flags (high 32: MSG_REPLY, MSG_MORE)
 *   w[1]  request id (low 32) | status (high 32, signed: 0 or -errno)
 *   w[2..6] 40 bytes of data
 *
 * A request carries a fresh id; its reply is one or more messages with the
 * same id and MSG_REPLY set, every one but the last with MSG_MORE: a reply
 * is a byte stream of any length, 40 bytes per message (for a bulk reply the
 * last message's status is the stream's length in bytes). A request may be
 * split the same way (MSG_MORE on all but its last message) up to
 * MSG_REQ_MAX bytes; servers built on the dispatcher put it back together
 * (pikaos/dispatch.h). The messages of one request are sent back to back.
 * Messages without MSG_REPLY that nobody waits for are notifications (id 0).
 */
#ifndef _PIKAOS_MSG_H
#define _PIKAOS_MSG_H

#include <pikaos/chan.h>
#include <stdint.h>
#include <string.h>

#define MSG_REPLY 1u
#define MSG_MORE 2u
#define MSG_DATA 40
#define MSG_REQ_MAX (8 * MSG_DATA) /* the longest request */

static inline uint32_t msg_id(const struct chan_msg *m) { return (uint32_t)m->w[1]; }
static inline int32_t msg_status(const struct chan_msg *m) { return (int32_t)(m->w[1] >> 32); }
static inline void *msg_data(struct chan_msg *m) { return &m->w[2]; }
static inline const void *msg_cdata(const struct chan_msg *m) { return &m->w[2]; }
static inline void msg_init(struct chan_msg *m, uint32_t type, uint32_t flags, uint32_t id,
			    int32_t status)
{
	memset(m, 0, sizeof(*m));
	chan_msg_set(m, type, flags);
	m->w[1] = (uint64_t)(uint32_t)status << 32 | id;
}

/* Sends len bytes of data (0 allowed) as one message, or as several with
 * MSG_MORE on all but the last; flags and status go in each. A request
 * (no MSG_REPLY in flags) longer than MSG_REQ_MAX is refused: -E2BIG. */
int msg_send(struct chan *c, uint32_t type, uint32_t flags, uint32_t id, int32_t status,
	     const void *data, size_t len, uint64_t timeout_ns);

/* The same, each message handed to send(ctx, m) (0 or -errno). */
int msg_send_by(int (*send)(void *ctx, const struct chan_msg *m), void *ctx, uint32_t type, uint32_t flags,
		uint32_t id, int32_t status, const void *data, size_t len);

/* Adds the data of reply message m to the *got bytes already in buf (what
 * does not fit in max is dropped); returns 1 when m was the reply's last
 * message. */
int msg_take_reply(const struct chan_msg *m, void *buf, size_t max, size_t *got);

/* A synchronous request on a channel nobody else reads: sends type+data,
 * collects the reply (any length) into buf. Returns the reply status, or
 * -ETIMEDOUT / -EPIPE. Messages that are not the reply are dropped. */
int msg_call(struct chan *c, uint32_t type, const void *data, size_t len, void *buf, size_t max,
	     size_t *got, uint64_t timeout_ns);

#endif
