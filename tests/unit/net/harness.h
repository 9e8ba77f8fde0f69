/* Host test harness for net/: stack instances on a virtual clock, a
 * capture port for scripted packet-level tests, frame builders/parsers and
 * an impaired in-memory wire joining several instances. */
#ifndef TESTS_NET_HARNESS_H
#define TESTS_NET_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/internal.h"
#include "net/net.h"

#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define FRAME_MAX 2048

struct sim;

struct frame {
	uint64_t t; /* clock when it was transmitted */
	size_t len;
	uint8_t data[FRAME_MAX];
};

struct node {
	struct net_stack *st;
	void *mem;
	size_t memlen;
	struct net_config cfg;
	uint64_t *clock;
	uint64_t rng;
	struct sim *sim;
	int id;
	/* capture mode (no sim): transmitted frames queue here */
	struct frame *cap;
	size_t ncap, capcap, caphead;
	/* TX checksum offload emulation: complete checksums like a NIC would */
	bool emulate_offload;
	/* forwarding hook plumbing for multikernel tests */
	int (*owner_of)(struct node *n, const struct net_flow *f);
	bool (*flow_ok)(struct node *n, const struct net_flow *f);
	struct frame *fwd;
	int *fwd_core;
	size_t nfwd;
};

void node_init(struct node *n, uint64_t *clock, const struct net_config *cfg, uint64_t seed);
/* with the multikernel hooks (owner_of, forward, flow_ok) wired to the node's fields */
void node_init_mk(struct node *n, uint64_t *clock, const struct net_config *cfg, uint64_t seed);
void node_fini(struct node *n);
/* default config for tests: small pools, given MAC last byte and IP */
void test_config(struct net_config *c, uint8_t mac_last);

/* capture mode */
size_t cap_count(struct node *n);
bool cap_pop(struct node *n, struct frame *f);
void cap_clear(struct node *n);
/* feed a frame to a node (copies) */
int node_input(struct node *n, const void *frame, size_t len);
uint64_t node_poll(struct node *n);
/* advance a single node's clock to t, running timers on the way */
void node_advance(struct node *n, uint64_t t);

/* parsing */
struct pf {
	uint8_t dst[6], src[6];
	uint16_t type;
	uint16_t arp_op;
	uint32_t arp_spa, arp_tpa;
	uint8_t arp_sha[6], arp_tha[6];
	bool is_ip;
	uint32_t ip_src, ip_dst;
	uint8_t proto, ttl, ip_hl;
	uint16_t ip_id, ip_frag, ip_len;
	bool ip_csum_ok;
	bool l4_csum_ok;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint8_t tcp_hl;
	struct tcp_opts opts;
	const uint8_t *optraw;
	size_t optlen;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;
	const uint8_t *payload;
	size_t plen;
};
bool parse_frame(const uint8_t *f, size_t len, struct pf *p);

/* building */
struct seg_spec {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *opts;
	size_t optlen;
	const void *data;
	size_t len;
};
size_t build_tcp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], const struct seg_spec *s);
size_t build_udp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		 uint16_t sport, uint16_t dport, const void *data, size_t len);
size_t build_icmp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		  uint8_t type, uint8_t code, uint16_t id, uint16_t seq, const void *data, size_t len);
size_t build_arp(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint16_t op,
		 const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa);
/* an IPv4 packet around an arbitrary payload, with fragment fields */
size_t build_ip(uint8_t *buf, const uint8_t dmac[6], const uint8_t smac[6], uint32_t src, uint32_t dst,
		uint8_t proto, uint16_t id, uint16_t frag_field, const void *payload, size_t len);
/* option helpers */
size_t opt_syn(uint8_t *o, uint16_t mss, int wscale, bool sack, bool ts, uint32_t tsval, uint32_t tsecr);
size_t opt_ts(uint8_t *o, uint32_t tsval, uint32_t tsecr);
uint16_t inet_csum(const void *data, size_t len, uint32_t start);

/* the wire */
struct impair {
	double loss, dup, reorder, corrupt;
	uint64_t delay_ns;         /* one-way latency */
	uint64_t reorder_extra_ns; /* extra delay (uniform 1..x) for reordered frames */
	uint64_t bps;              /* serialization rate per sender, 0 = infinite */
};

struct wire_frame {
	uint64_t at, seq;
	int from;
	size_t len;
	uint8_t *data;
};

#define SIM_MAX 4
struct sim {
	uint64_t now;
	struct node *nodes[SIM_MAX];
	int n;
	struct impair imp;
	uint64_t rng;
	struct wire_frame *heap;
	size_t nheap, capheap;
	uint64_t seq;
	uint64_t link_free[SIM_MAX];
	uint64_t sent, lost, duped, reordered, corrupted, delivered;
	uint64_t corrupt_delivered; /* corrupted copies actually handed to a stack */
	uint64_t steps;
};

void sim_init(struct sim *s, uint64_t seed);
void sim_fini(struct sim *s);
void sim_add(struct sim *s, struct node *n);
/* Run until step() returns true (checked after every batch of work) or
 * virtual time passes limit_ns. Returns whether step() finished. */
bool sim_run(struct sim *s, uint64_t limit_ns, bool (*step)(void *ctx), void *ctx);

uint64_t rng_next(uint64_t *st);
double rng_unit(uint64_t *st);

/* drop-accounting invariant: every input frame ended in one drop or accept */
bool outcomes_balance(struct net_stack *st);
uint64_t drops_total(struct net_stack *st);
void print_drops(struct net_stack *st, const char *label);

#endif
