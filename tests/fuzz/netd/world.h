/*
 * world.h - netd's socket service (user/netd/sock.c, sockshm.c, cm.c) run
 * as in netd, on the host: a stack instance (10.0.0.1) on the net test
 * harness's wire with a peer stack (10.0.0.2, listening on port 80), fake
 * clients whose shared areas are plain memory, and netd's other parts
 * faked (one core: every flow is ours). Shared by the socket fuzz target
 * (fuzz_sock.c) and the claim tests (tests/unit/netd/claim_test.c).
 */
#ifndef TESTS_FUZZ_NETD_WORLD_H
#define TESTS_FUZZ_NETD_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <pikaos/sockproto.h>

#include "tests/unit/net/harness.h"
#include "user/netd/netd.h"
#include "user/netd/sock.h"

#define US IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 2)
#define CLIENTS 3
#define PEER_CONNS 8

struct world {
	struct sim sim;
	struct node a, b; /* a: the service's stack; b: the peer */
	int peer_lst;
	int peer[PEER_CONNS];
};

struct fclient {
	struct disp_chan *dc;
	uint8_t *mem; /* the channel frame, then the data area (struct sock_area) */
	bool closed_by_netd;
};
extern struct fclient fc[CLIENTS];
extern uint64_t fake_clock;       /* pika_clock_ns() of the service */
extern int32_t world_status;      /* the status of the last reply */

struct sock_area *world_area(int k);
void world_client_new(int k);
void world_client_gone(int k);   /* as the process's exit does */
/* Handles request `type` of client k as netd's dispatcher would. */
void world_request(int k, uint32_t type, const struct sock_req *q);
void world_kick(struct sock_area *a, int id);
/* Time passes on the wire (ns), then the service takes its turn. */
void world_run_for(struct world *w, uint64_t ns);
void world_setup(struct world *w);
/* Every client goes and time runs out: every connection must be closed and
 * every packet and block back; aborts otherwise. */
void world_teardown(struct world *w);

#endif
