/* msg.c - the request/reply convention on channels (pikaos/msg.h). */
#include <errno.h>
#include <pikaos/msg.h>
#include <string.h>

int msg_send_by(int (*send)(void *ctx, const struct chan_msg *m), void *ctx, uint32_t type, uint32_t flags,
		uint32_t id, int32_t status, const void *data, size_t len)
{
	if (!(flags & MSG_REPLY) && len > MSG_REQ_MAX)
		return -E2BIG;
	const char *p = data;
	struct chan_msg m;
	do {
		size_t k = len > MSG_DATA ? MSG_DATA : len;
		msg_init(&m, type, flags | (len > MSG_DATA ? MSG_MORE : 0), id, status);
		if (k)
			memcpy(msg_data(&m), p, k);
		int e = send(ctx, &m);
		if (e)
			return e;
		p += k;
		len -= k;
	} while (len);
	return 0;
}

struct wait_send {
	struct chan *c;
	uint64_t timeout;
};

static int send_waiting(void *ctx, const struct chan_msg *m)
{
	struct wait_send *w = ctx;
	return chan_send_wait(w->c, m, w->timeout);
}

int msg_send(struct chan *c, uint32_t type, uint32_t flags, uint32_t id, int32_t status,
	     const void *data, size_t len, uint64_t timeout_ns)
{
	struct wait_send w = { c, timeout_ns };
	return msg_send_by(send_waiting, &w, type, flags, id, status, data, len);
}

int msg_take_reply(const struct chan_msg *m, void *buf, size_t max, size_t *got)
{
	size_t k = MSG_DATA;
	if (*got + k > max)
		k = max > *got ? max - *got : 0;
	if (k && buf)
		memcpy((char *)buf + *got, msg_cdata(m), k);
	*got += k;
	return !(chan_msg_flags(m) & MSG_MORE);
}

int msg_call(struct chan *c, uint32_t type, const void *data, size_t len, void *buf, size_t max,
	     size_t *got, uint64_t timeout_ns)
{
	static uint32_t next_id = 1;
	uint32_t id = next_id++;
	int e = msg_send(c, type, 0, id, 0, data, len, timeout_ns);
	if (e)
		return e;
	size_t n = 0;
	struct chan_msg m;
	for (;;) {
		e = chan_recv_wait(c, &m, timeout_ns);
		if (e)
			return e;
		if (!(chan_msg_flags(&m) & MSG_REPLY) || msg_id(&m) != id)
			continue;
		if (msg_take_reply(&m, buf, max, &n)) {
			if (got)
				*got = n;
			return msg_status(&m);
		}
	}
}
