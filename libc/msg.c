/* msg.c - synchronous request/reply on a channel (pikaos/msg.h). */
#include <errno.h>
#include <pikaos/msg.h>
#include <string.h>

int msg_call(struct chan *c, uint32_t type, const void *data, size_t len, void *buf, size_t max,
	     size_t *got, uint64_t timeout_ns)
{
	static uint32_t next_id = 1;
	if (len > MSG_DATA)
		return -EINVAL;
	struct chan_msg m;
	uint32_t id = next_id++;
	msg_init(&m, type, 0, id, 0);
	if (len)
		memcpy(msg_data(&m), data, len);
	int e = chan_send_wait(c, &m, timeout_ns);
	if (e)
		return e;
	size_t n = 0;
	for (;;) {
		e = chan_recv_wait(c, &m, timeout_ns);
		if (e)
			return e;
		if (!(chan_msg_flags(&m) & MSG_REPLY) || msg_id(&m) != id)
			continue;
		size_t k = MSG_DATA;
		if (n + k > max)
			k = max > n ? max - n : 0;
		if (k && buf)
			memcpy((char *)buf + n, msg_cdata(&m), k);
		n += k;
		if (!(chan_msg_flags(&m) & MSG_MORE)) {
			if (got)
				*got = n;
			return msg_status(&m);
		}
	}
}
