/*
 * libFuzzer target: netd's socket service (user/netd/sock.c, sockshm.c)
 * against hostile clients. The service runs as in netd, over a stack
 * instance (10.0.0.1) on the harness's wire with a peer stack (10.0.0.2)
 * that listens on port 80, connects to the service's listeners and sends
 * and closes. The input is a little program: clients come and go; each
 * sends socket requests with arbitrary fields, writes anything anywhere in
 * its shared area (or plays by the rules: consume what netd published,
 * write within the room it was given, kick, take accepts), and time runs.
 *
 * After the program every client is gone and time runs out; then every
 * connection must be closed, every packet and data block back in the
 * stack's pools, and the service must have no client and no socket left.
 * A crash, a sanitizer report or a broken invariant is a finding.
 *
 * Built two ways: with -DNETD_FUZZ_MAIN as the libFuzzer binary (make
 * fuzz-netd), and without it into the unit test that replays the seeds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pikaos/dispatch.h>

#include "tests/fuzz/netd/world.h"

int fuzz_sock_one(const uint8_t *data, size_t size);

/* ---------------------------------------------------------------- the program */

struct fz {
	struct world w;
	const uint8_t *d;
	size_t left;
};

static uint8_t take8(struct fz *f)
{
	if (!f->left)
		return 0;
	f->left--;
	return *f->d++;
}

static uint16_t take16(struct fz *f) { return (uint16_t)(take8(f) << 8 | take8(f)); }
static uint32_t take32(struct fz *f) { return (uint32_t)take16(f) << 16 | take16(f); }




static void request(struct fz *f, int k)
{
	uint8_t t = take8(f);
	uint32_t type = t < 200 ? SOCK_OPEN + t % 9 : t; /* mostly real requests */
	struct sock_req q = { 0 };
	uint8_t form = take8(f);
	q.h = form & 1 ? (int32_t)take32(f) : (int32_t)(take8(f) % 8);
	q.a = form & 2 ? take32(f) : take8(f) % 4;
	q.addr = form & 4 ? take32(f) : (take8(f) & 1 ? PEER : US);
	q.port = form & 8 ? take16(f) : (uint16_t)(take8(f) & 1 ? 80 : 7);
	q.flags = form & 16 ? take16(f) : (uint16_t)(take8(f) % 4);
	q.value = (int32_t)take32(f);
	world_request(k, type, &q);
}

/* A lie: any 32-bit word of the area before the blocks. */
static void scribble(struct fz *f, int k)
{
	uint32_t words = (uint32_t)(offsetof(struct sock_area, blocks) / 4);
	uint32_t at = take32(f) % words;
	((volatile uint32_t *)world_area(k))[at] = take32(f);
}


/* By the rules, as libc would: consume, write within the room, kick. */
static void polite(struct fz *f, int k)
{
	struct sock_area *a = world_area(k);
	int id = 1 + take8(f) % 8;
	struct sock_entry *e = &a->sock[id];
	switch (take8(f) % 5) {
	case 0: /* read everything published */
		e->rx_head = e->rx_tail;
		world_kick(a, id);
		break;
	case 1: { /* write up to n bytes into the room */
		uint32_t n = take16(f), room = e->tx_limit - e->tx_tail;
		if (room > SOCK_RING_CAP)
			room = 0;
		e->tx_tail = e->tx_tail + (n < room ? n : room);
		world_kick(a, id);
		break;
	}
	case 2: /* take the new connections, claiming some */
		for (uint32_t t = a->accept_tail, h = a->accept_head; t != h && h - t <= SOCK_ACCEPTS; t++) {
			struct sock_accept r = a->accepts[t % SOCK_ACCEPTS];
			uint32_t seen;
			if (r.id < SOCK_MAX && (take8(f) & 1))
				sock_claim_move(&a->sock[r.id].claim, r.gen, SOCK_CLAIM_TAKEN, &seen);
		}
		a->accept_tail = a->accept_head;
		break;
	case 3: /* take the ready list */
		a->ready_tail = a->ready_head;
		break;
	default:
		world_kick(a, id);
		break;
	}
}



static void peer_op(struct fz *f)
{
	uint8_t op = take8(f);
	int j = take8(f) % PEER_CONNS;
	static const uint8_t junk[1460];
	switch (op % 3) {
	case 0: /* connect to one of the service's ports */
		if (!f->w.peer[j]) {
			int h = net_tcp_socket(f->w.b.st);
			struct net_sockaddr to = { US, (uint16_t)(take8(f) & 1 ? 80 : 7) };
			if (h <= 0)
				break;
			int e = net_tcp_connect(f->w.b.st, h, &to);
			if (e && e != -NET_EINPROGRESS)
				net_tcp_close(f->w.b.st, h);
			else
				f->w.peer[j] = h;
		}
		break;
	case 1:
		if (f->w.peer[j])
			net_tcp_send(f->w.b.st, f->w.peer[j], junk, 1 + take16(f) % sizeof(junk));
		break;
	default:
		if (f->w.peer[j]) {
			if (take8(f) & 1)
				net_tcp_abort(f->w.b.st, f->w.peer[j]);
			else
				net_tcp_close(f->w.b.st, f->w.peer[j]);
			f->w.peer[j] = 0;
		}
		break;
	}
}



int fuzz_sock_one(const uint8_t *data, size_t size)
{
	static struct fz f;
	world_setup(&f.w);
	f.d = data;
	f.left = size;
	world_client_new(0);
	for (int steps = 0; f.left && steps < 4096; steps++) {
		uint8_t op = take8(&f);
		int k = (op >> 4) % CLIENTS;
		switch (op & 15) {
		case 0:
			world_client_new(k);
			break;
		case 1:
			world_client_gone(k);
			break;
		case 2: case 3: case 4: case 5:
			if (fc[k].dc && !fc[k].closed_by_netd)
				request(&f, k);
			break;
		case 6:
			if (fc[k].dc)
				scribble(&f, k);
			break;
		case 7: case 8: case 9:
			if (fc[k].dc)
				polite(&f, k);
			break;
		case 10: case 11:
			peer_op(&f);
			break;
		case 12:
			sock_turn();
			break;
		default:
			world_run_for(&f.w, (uint64_t)(1 + take8(&f)) * 1000000ULL);
			break;
		}
		for (int j = 0; j < CLIENTS; j++) /* netd dropped a liar: the process's end goes too */
			if (fc[j].closed_by_netd)
				world_client_gone(j);
	}
	world_teardown(&f.w);
	return 0;
}

#ifdef NETD_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_sock_one(data, size); }
#endif
