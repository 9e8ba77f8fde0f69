/*
 * tests/unit/ixgbe/rig.h - a test rig: one 82599 model, the driver's control
 * instance and one per-core instance per queue, a buffer pool in the
 * model's DMA memory, and frame builders.
 */
#ifndef TESTS_UNIT_IXGBE_RIG_H
#define TESTS_UNIT_IXGBE_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ixgbe/ixgbe.h"
#include "tests/model/ixgbe/ixgbe_model.h"

#define RIG_MAXQ 16
#define RIG_BUFSZ 2048

struct rig {
	struct ixm *m;
	struct netdev ctl;              /* control instance; also runs queue 0 */
	struct netdev core[RIG_MAXQ];   /* per-core instances of queues 1.. */
	struct netq q[RIG_MAXQ];
	int nq, ring;
	/* buffer pool */
	struct nd_buf *bufs;
	struct nd_buf **free;
	int nbufs, nfree;
	uint8_t mac[6];
};

/* bring everything up as netd would: init, per-core attach + queue_init,
 * commit, start, queue_start, refill. Asserts the model saw no error. */
void rig_up(struct rig *r, int nq, int ring, const struct ixm_config *cfg);
void rig_down(struct rig *r);
struct netdev *rig_nd(struct rig *r, int q);

struct nd_buf *rig_buf(struct rig *r);
void rig_put(struct rig *r, struct nd_buf *b);
/* post free buffers until the queue's ring is full; returns how many */
int rig_refill(struct rig *r, int q);

/* frames: Ethernet to the rig's MAC, IPv4, TCP or UDP, payload of plen bytes
 * from a pattern seeded with seed; correct checksums. Returns the length. */
size_t rig_tcp(struct rig *r, uint8_t *out, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	       size_t plen, uint32_t seed);
size_t rig_udp(struct rig *r, uint8_t *out, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
	       size_t plen, uint32_t seed);
uint16_t rig_csum(const uint8_t *p, size_t len, uint32_t sum);
/* the pseudo-header sum of an IPv4 frame's L4 part (for TX offload) */
uint32_t rig_pseudo(const uint8_t *frame, size_t len);
/* verify an IPv4 TCP/UDP frame's checksums */
bool rig_csum_ok(const uint8_t *frame, size_t len);

uint32_t rig_rand(uint64_t *s);

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#endif
