/* DHCP client against a scripted server: the four-message exchange with
 * exact fields, retransmission back-off, NAK, renew (T1, unicast), rebind
 * (T2, broadcast) timing per RFC 2131 4.4.5, lease expiry, and release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/net/harness.h"
#include "net/prot/dhcp.h"
#include "net/prot/eth.h"
#include "net/prot/ip.h"

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t SRV_MAC[6] = { 0x02, 0, 0, 0, 0, 0xfe };
#define SRV IP4(10, 0, 0, 254)
#define ADDR IP4(10, 0, 0, 50)
#define T0 1000000000ull

struct fx {
	uint64_t clock;
	struct node n;
	uint8_t mac[6];
};

struct dmsg {
	struct pf p;
	struct dhcp_msg m;
	uint8_t type;
	uint32_t req_ip, server_id;
	bool has_req, has_sid, has_client_id;
	uint64_t t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct net_config c;
	test_config(&c, 7);
	f->clock = T0;
	node_init(&f->n, &f->clock, &c, 3);
	memcpy(f->mac, c.mac, 6);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	assert_true(outcomes_balance(f->n.st));
	node_fini(&f->n);
	free(f);
	return 0;
}

/* next DHCP message the client sent (ARP frames are skipped) */
static bool next_dhcp(struct fx *f, struct dmsg *d)
{
	struct frame fr;
	while (cap_pop(&f->n, &fr)) {
		memset(d, 0, sizeof(*d));
		if (!parse_frame(fr.data, fr.len, &d->p) || d->p.proto != IP_PROTO_UDP || d->p.dport != 67)
			continue;
		assert_true(d->p.l4_csum_ok && d->p.ip_csum_ok);
		assert_true(d->p.plen >= 300); /* BOOTP minimum */
		memcpy(&d->m, d->p.payload, sizeof(d->m));
		assert_int_equal(d->m.op, DHCP_BOOTREQUEST);
		assert_memory_equal(d->m.chaddr, f->mac, 6);
		assert_int_equal(net_ntohl(d->m.magic), DHCP_MAGIC);
		const uint8_t *o = d->p.payload + DHCP_FIXED_LEN;
		size_t n = d->p.plen - DHCP_FIXED_LEN;
		for (size_t i = 0; i < n && o[i] != DHO_END;) {
			if (o[i] == DHO_PAD) {
				i++;
				continue;
			}
			uint8_t code = o[i], l = o[i + 1];
			const uint8_t *v = o + i + 2;
			if (code == DHO_MSG_TYPE)
				d->type = v[0];
			if (code == DHO_REQUESTED_IP) {
				d->has_req = true;
				d->req_ip = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
			}
			if (code == DHO_SERVER_ID) {
				d->has_sid = true;
				d->server_id = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
			}
			if (code == DHO_CLIENT_ID)
				d->has_client_id = true;
			i += 2u + l;
		}
		d->t = fr.t;
		return true;
	}
	return false;
}

static void put_opt32(uint8_t *o, size_t *n, uint8_t code, uint32_t v)
{
	o[(*n)++] = code;
	o[(*n)++] = 4;
	o[(*n)++] = (uint8_t)(v >> 24);
	o[(*n)++] = (uint8_t)(v >> 16);
	o[(*n)++] = (uint8_t)(v >> 8);
	o[(*n)++] = (uint8_t)v;
}

static void reply(struct fx *f, uint32_t xid, uint8_t type, uint32_t yiaddr, uint32_t lease)
{
	uint8_t msg[400];
	memset(msg, 0, sizeof(msg));
	struct dhcp_msg *m = (void *)msg;
	m->op = DHCP_BOOTREPLY;
	m->htype = 1;
	m->hlen = 6;
	m->xid = net_htonl(xid);
	m->yiaddr = net_htonl(yiaddr);
	memcpy(m->chaddr, f->mac, 6);
	m->magic = net_htonl(DHCP_MAGIC);
	uint8_t *o = msg + DHCP_FIXED_LEN;
	size_t n = 0;
	o[n++] = DHO_MSG_TYPE;
	o[n++] = 1;
	o[n++] = type;
	put_opt32(o, &n, DHO_SERVER_ID, SRV);
	if (type != DHCPNAK) {
		put_opt32(o, &n, DHO_LEASE_TIME, lease);
		put_opt32(o, &n, DHO_SUBNET_MASK, 0xffffff00u);
		put_opt32(o, &n, DHO_ROUTER, IP4(10, 0, 0, 1));
		put_opt32(o, &n, DHO_DNS, IP4(10, 0, 0, 53));
	}
	o[n++] = DHO_END;
	uint8_t buf[FRAME_MAX];
	size_t len = build_udp(buf, BCAST, SRV_MAC, SRV, 0xffffffffu, 67, 68, msg, DHCP_FIXED_LEN + n + 60);
	node_input(&f->n, buf, len);
}

static uint32_t bind_lease(struct fx *f, uint32_t lease)
{
	struct dmsg d;
	net_dhcp_start(f->n.st);
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPDISCOVER);
	reply(f, net_ntohl(d.m.xid), DHCPOFFER, ADDR, lease);
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPREQUEST);
	reply(f, net_ntohl(d.m.xid), DHCPACK, ADDR, lease);
	cap_clear(&f->n);
	return net_ntohl(d.m.xid);
}

static void test_discover_offer_request_ack(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_dhcp_start(s);
	struct dmsg d;
	assert_true(next_dhcp(f, &d));
	/* DISCOVER: broadcast from 0.0.0.0, broadcast flag, client id */
	assert_int_equal(d.type, DHCPDISCOVER);
	assert_memory_equal(d.p.dst, BCAST, 6);
	assert_int_equal(d.p.ip_src, 0);
	assert_int_equal(d.p.ip_dst, 0xffffffffu);
	assert_int_equal(d.p.sport, 68);
	assert_int_equal(net_ntohs(d.m.flags), DHCP_FLAG_BROADCAST);
	assert_int_equal(d.m.ciaddr, 0);
	assert_true(d.has_client_id);
	assert_false(d.has_req);
	uint32_t xid = net_ntohl(d.m.xid);
	struct net_dhcp_info in;
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_SELECTING);
	/* a reply with the wrong xid is ignored and counted */
	reply(f, xid + 1, DHCPOFFER, ADDR, 3600);
	assert_int_equal(net_stats(s)->drops[NET_DROP_DHCP_BAD], 1);
	assert_false(next_dhcp(f, &d));
	/* OFFER -> REQUEST naming the address and the server (RFC 2131 table 5) */
	reply(f, xid, DHCPOFFER, ADDR, 3600);
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPREQUEST);
	assert_int_equal(net_ntohl(d.m.xid), xid);
	assert_true(d.has_req && d.has_sid);
	assert_int_equal(d.req_ip, ADDR);
	assert_int_equal(d.server_id, SRV);
	assert_int_equal(d.m.ciaddr, 0);
	assert_int_equal(d.p.ip_dst, 0xffffffffu);
	/* ACK: bound, address configured, announced, reported */
	reply(f, xid, DHCPACK, ADDR, 3600);
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_BOUND);
	assert_int_equal(in.addr, ADDR);
	assert_int_equal(in.mask, 0xffffff00u);
	assert_int_equal(in.gw, IP4(10, 0, 0, 1));
	assert_int_equal(in.dns, IP4(10, 0, 0, 53));
	assert_int_equal(in.lease_s, 3600);
	assert_int_equal(in.t1_s, 1800);
	assert_int_equal(in.t2_s, 3150);
	uint32_t a, m, g;
	net_ipv4_get(s, &a, &m, &g);
	assert_int_equal(a, ADDR);
	struct frame fr;
	assert_true(cap_pop(&f->n, &fr));
	struct pf p;
	parse_frame(fr.data, fr.len, &p);
	assert_int_equal(p.arp_op, 1); /* gratuitous ARP */
	assert_int_equal(p.arp_spa, ADDR);
	assert_int_equal(p.arp_tpa, ADDR);
	struct net_event ev[4];
	assert_int_equal(net_events(s, ev, 4), 1);
	assert_int_equal(ev[0].handle, 0);
	assert_true(ev[0].events & NET_EV_ADDR);
	assert_int_equal(net_stats(s)->accepted[NET_ACC_DHCP], 2);
}

static void test_discover_backoff(void **state)
{
	struct fx *f = *state;
	net_dhcp_start(f->n.st);
	struct dmsg d;
	assert_true(next_dhcp(f, &d));
	uint64_t last = d.t;
	/* RFC 2131 4.1: 4, 8, 16, 32, 64, 64 s, each randomized by +-1 s */
	const uint64_t base[] = { 4, 8, 16, 32, 64, 64 };
	for (int i = 0; i < 6; i++) {
		node_advance(&f->n, last + SEC(base[i] + 1));
		assert_true(next_dhcp(f, &d));
		assert_int_equal(d.type, DHCPDISCOVER);
		uint64_t gap = d.t - last;
		assert_true(gap >= SEC(base[i] - 1) && gap <= SEC(base[i] + 1));
		assert_false(next_dhcp(f, &d));
		last = d.t;
	}
	/* the secs field counts from the start of the attempt */
	assert_true(net_ntohs(d.m.secs) >= 180);
}

static void test_nak_restarts(void **state)
{
	struct fx *f = *state;
	net_dhcp_start(f->n.st);
	struct dmsg d;
	assert_true(next_dhcp(f, &d));
	reply(f, net_ntohl(d.m.xid), DHCPOFFER, ADDR, 600);
	assert_true(next_dhcp(f, &d));
	reply(f, net_ntohl(d.m.xid), DHCPNAK, 0, 0);
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPDISCOVER);
	struct net_dhcp_info in;
	net_dhcp_info(f->n.st, &in);
	assert_int_equal(in.state, NET_DHCP_SELECTING);
}

static void test_renew_rebind_expire_timing(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_arp_set(s, SRV, SRV_MAC, true);
	bind_lease(f, 1000); /* T1 500 s, T2 875 s */
	uint64_t b = f->clock;
	struct dmsg d;
	node_advance(&f->n, b + SEC(499));
	assert_false(next_dhcp(f, &d));
	/* T1: RENEWING, unicast to the server, ciaddr set, no server id (table 5) */
	node_advance(&f->n, b + SEC(500));
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPREQUEST);
	assert_int_equal(d.t, b + SEC(500));
	assert_int_equal(d.p.ip_dst, SRV);
	assert_int_equal(d.p.ip_src, ADDR);
	assert_memory_equal(d.p.dst, SRV_MAC, 6);
	assert_int_equal(net_ntohl(d.m.ciaddr), ADDR);
	assert_false(d.has_req);
	assert_false(d.has_sid);
	struct net_dhcp_info in;
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_RENEWING);
	/* unanswered: wait half the time left to T2, at least 60 s (4.4.5) */
	const double renew_at[] = { 687.5, 781.25, 841.25, 875 };
	for (int i = 0; i < 4; i++) {
		node_advance(&f->n, b + (uint64_t)(renew_at[i] * 1e9));
		assert_true(next_dhcp(f, &d));
		assert_int_equal(d.t, b + (uint64_t)(renew_at[i] * 1e9));
	}
	/* T2: REBINDING, broadcast */
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_REBINDING);
	assert_int_equal(d.p.ip_dst, 0xffffffffu);
	assert_int_equal(net_ntohl(d.m.ciaddr), ADDR);
	node_advance(&f->n, b + (uint64_t)(937.5e9));
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.t, b + SEC(875) + (uint64_t)(62.5e9));
	/* 31.25 s left is less than the 60 s minimum: one more at 997.5 s */
	node_advance(&f->n, b + (uint64_t)(997.5e9));
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPREQUEST);
	assert_int_equal(d.t, b + (uint64_t)(997.5e9));
	/* the lease runs out: the address goes, discovery starts over */
	node_advance(&f->n, b + SEC(1000));
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPDISCOVER);
	uint32_t a;
	net_ipv4_get(s, &a, NULL, NULL);
	assert_int_equal(a, 0);
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_SELECTING);
}

static void test_renew_answered(void **state)
{
	struct fx *f = *state;
	struct net_stack *s = f->n.st;
	net_arp_set(s, SRV, SRV_MAC, true);
	bind_lease(f, 200);
	uint64_t b = f->clock;
	node_advance(&f->n, b + SEC(100));
	struct dmsg d;
	assert_true(next_dhcp(f, &d));
	reply(f, net_ntohl(d.m.xid), DHCPACK, ADDR, 400);
	struct net_dhcp_info in;
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_BOUND);
	assert_int_equal(in.lease_s, 400);
	assert_int_equal(in.bound_at_ns, b + SEC(100));
	/* the next renewal follows the new lease */
	node_advance(&f->n, b + SEC(100) + SEC(199));
	assert_false(next_dhcp(f, &d));
	node_advance(&f->n, b + SEC(100) + SEC(200));
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPREQUEST);
	/* rebinding answered by another address: switch to it */
	node_advance(&f->n, b + SEC(100) + SEC(350));
	while (next_dhcp(f, &d)) {
	}
	net_dhcp_info(s, &in);
	assert_int_equal(in.state, NET_DHCP_REBINDING);
	reply(f, net_ntohl(d.m.xid), DHCPACK, IP4(10, 0, 0, 51), 400);
	uint32_t a;
	net_ipv4_get(s, &a, NULL, NULL);
	assert_int_equal(a, IP4(10, 0, 0, 51));
	/* stopping releases the lease */
	cap_clear(&f->n);
	net_dhcp_stop(s);
	assert_true(next_dhcp(f, &d));
	assert_int_equal(d.type, DHCPRELEASE);
	assert_int_equal(d.p.ip_dst, SRV);
	net_ipv4_get(s, &a, NULL, NULL);
	assert_int_equal(a, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_discover_offer_request_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discover_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nak_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renew_rebind_expire_timing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renew_answered, setup, teardown),
	};
	return cmocka_run_group_tests_name("net_dhcp", tests, NULL, NULL);
}
