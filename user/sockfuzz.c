/*
 * sockfuzz - a lying socket client: binds its core's netd like libc does,
 * then writes garbage where netd reads (ring indices, kick lists, lengths,
 * UDP records, the whole area while netd works on it) and sends messages
 * of every type with random contents, including ones meant for other netds
 * and for the control instance. Each round binds a fresh channel.
 *
 *   sockfuzz ROUNDS [SEED]
 *
 * Prints "sockfuzz: R rounds, C closed by netd, L lies" and exits 0 when
 * netd closed lying channels and still answers an honest client at the end
 * (the usock test that runs it checks that the other clients were not hurt).
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <pikaos/msg.h>
#include <pikaos/netd.h>
#include <pikaos/sockproto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A request to netd with an answer (like libc's call), or -ETIMEDOUT. */
static int call(struct chan *c, uint32_t type, const struct sock_req *q)
{
	return msg_call(c, type, q, sizeof(*q), NULL, 0, NULL, 5000000000ULL);
}

static void tell(struct chan *c, uint32_t type, const void *data, size_t len)
{
	struct chan_msg m;
	msg_init(&m, type, 0, (uint32_t)(next() & 1 ? next() : 0), 0);
	memcpy(msg_data(&m), data, len > MSG_DATA ? MSG_DATA : len);
	chan_send(c, &m); /* a full ring: it is dropped, fine */
}

/* One kind of lie about socket id in area a. */
static void lie(struct chan *c, struct sock_area *a, int id)
{
	struct sock_entry *e = &a->sock[id];
	switch (next() % 12) {
	case 0: /* an index far past what netd gave */
		e->rx_head = (uint32_t)next();
		break;
	case 1:
		e->tx_tail = e->tx_limit + 1 + (uint32_t)(next() % 100000);
		break;
	case 2: /* kicks of ids out of range */
		a->kicks[a->kick_head % SOCK_KICKS] = (uint16_t)(SOCK_MAX + next() % (65536 - SOCK_MAX));
		a->kick_head++;
		break;
	case 3: /* a kick list that jumps past its size */
		a->kick_head += SOCK_KICKS + (uint32_t)(next() % 1000);
		break;
	case 4:
		a->accept_tail = (uint32_t)next();
		break;
	case 5:
		a->ready_tail = (uint32_t)next();
		break;
	case 6: /* a huge tx_want */
		e->tx_want = (uint32_t)next();
		break;
	case 7: { /* garbage bytes everywhere in the area's head and entry */
		uint8_t *p = (uint8_t *)a;
		for (int i = 0; i < 256; i++)
			p[next() % (sizeof(struct sock_area) - sizeof(a->blocks))] = (uint8_t)next();
		break;
	}
	case 8: /* the slot tables netd mirrors (netd never reads them back) */
		for (int i = 0; i < SOCK_SLOTS; i++)
			e->rx_slot[i] = e->tx_slot[i] = (uint16_t)next();
		break;
	case 9: { /* messages of every type, including peer and control ones */
		uint8_t junk[MSG_DATA];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)next();
		tell(c, (uint32_t)(next() % 128), junk, sizeof(junk));
		break;
	}
	case 10: /* socket requests with handles that are not ours */
		tell(c, SOCK_OPEN + (uint32_t)(next() % 9),
		     &(struct sock_req){ .h = (int32_t)next(), .a = (uint32_t)next(), .value = (int32_t)next() },
		     sizeof(struct sock_req));
		break;
	default: /* a legal-looking kick with no change at all */
		a->kicks[a->kick_head % SOCK_KICKS] = (uint16_t)id;
		a->kick_head++;
		break;
	}
	chan_notify(c);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	if (argc > 2)
		rng ^= strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL;
	int core = pika_getcore(), closed = 0;
	unsigned long msgs = 0;
	for (int r = 0; r < rounds; r++) {
		struct chan c;
		int e = mon_bind_pages("netd", core, (int)SOCK_CHAN_PAGES, &c);
		if (e) {
			printf("sockfuzz: bind: %s\n", strerror(-e));
			return 1;
		}
		struct sock_area *a = chan_data(&c);
		/* a real socket (TCP or UDP) so that there is state to lie about */
		struct sock_req q = { .a = next() & 1 ? SOCK_KIND_TCP : SOCK_KIND_UDP };
		int id = call(&c, SOCK_OPEN, &q);
		if (id <= 0 || id >= SOCK_MAX) {
			printf("sockfuzz: round %d: open gave %d\n", r, id);
			return 1;
		}
		if (q.a == SOCK_KIND_UDP) { /* a record whose length lies */
			struct sock_req b = { .h = id, .port = (uint16_t)(20000 + r) };
			call(&c, SOCK_BIND, &b);
		}
		/* lie, and keep rewriting while netd looks, until netd hangs up */
		uint64_t end = pika_clock_ns() + 300000000ULL;
		while (!chan_peer_closed(&c) && pika_clock_ns() < end) {
			lie(&c, a, id);
			msgs++;
			if ((msgs & 15) == 0)
				usleep(1000); /* let netd run its turn */
		}
		closed += chan_peer_closed(&c);
		pika_chan_close(&c);
	}
	/* netd still answers a fresh, honest client */
	struct chan c;
	struct sock_req q = { .a = SOCK_KIND_TCP };
	int ok = mon_bind_pages("netd", core, (int)SOCK_CHAN_PAGES, &c) == 0 && call(&c, SOCK_OPEN, &q) > 0;
	printf("sockfuzz: %d rounds, %d closed by netd, %lu lies, netd %s\n", rounds, closed, msgs,
	       ok ? "still answers" : "DOES NOT ANSWER");
	return ok && closed > 0 ? 0 : 1; /* it must also have noticed the lies */
}
