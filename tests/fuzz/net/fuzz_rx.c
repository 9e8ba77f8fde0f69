/*
 * libFuzzer target: the receive path of one stack instance that has a
 * listener, an accepted connection with data in flight, an active
 * connection with every option negotiated, a half-closed connection, a UDP
 * and a ping socket. The input is a little program: raw frames, segments
 * templated onto those connections (valid checksums, sequence numbers
 * near the live ones), fragments, ICMP errors, time steps and socket calls.
 * After it runs, everything is torn down and time is let run out; then the
 * packet and block pools must be full again and every input frame must
 * have ended in exactly one counted outcome.
 *
 * Built two ways: with -DNET_FUZZ_MAIN as the libFuzzer binary (make fuzz),
 * and without it into the unit test that replays saved inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/prot/icmp.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"
#include "tests/unit/net/harness.h"

int fuzz_one(const uint8_t *data, size_t size);

#define US IP4(10, 0, 0, 1)
#define PEER IP4(10, 0, 0, 99)
static const uint8_t PEER_MAC[6] = { 0x02, 0, 0, 0, 0, 0x99 };

struct conn {
	int h;
	uint16_t lport, rport;
	uint32_t peer_seq; /* next sequence number the peer would send */
	uint32_t our_seq;  /* what the stack has sent (highest seen) */
};

struct fz {
	uint64_t clock;
	struct node n;
	uint8_t mac[6];
	struct conn c[3];
	int lst, udp, ping;
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

static uint16_t take16(struct fz *f)
{
	return (uint16_t)(take8(f) << 8 | take8(f));
}

static uint32_t take32(struct fz *f)
{
	return (uint32_t)take16(f) << 16 | take16(f);
}

static void drain(struct fz *f, struct conn *c)
{
	struct frame fr;
	struct pf p;
	while (cap_pop(&f->n, &fr)) {
		if (!c || !parse_frame(fr.data, fr.len, &p) || p.proto != IP_PROTO_TCP)
			continue;
		for (int i = 0; i < 3; i++) {
			struct conn *k = &f->c[i];
			if (p.sport == k->lport && p.dport == k->rport) {
				uint32_t end = p.seq + (uint32_t)p.plen + ((p.flags & (TCP_SYN | TCP_FIN)) ? 1 : 0);
				if ((int32_t)(end - k->our_seq) > 0)
					k->our_seq = end;
			}
		}
	}
}

static void inject(struct fz *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		   uint16_t win, const uint8_t *opts, size_t optlen, const void *payload, size_t len)
{
	uint8_t buf[FRAME_MAX];
	struct seg_spec g = { PEER, US, sport, dport, seq, ack, flags, win, opts, optlen, payload, len };
	size_t n = build_tcp(buf, f->mac, PEER_MAC, &g);
	node_input(&f->n, buf, n);
	drain(f, f->c);
}

static uint32_t last_seq(struct fz *f)
{
	/* sequence number of the last TCP segment the stack sent */
	struct frame fr;
	struct pf p;
	uint32_t s = 0;
	for (size_t i = f->n.caphead; i < f->n.ncap; i++) {
		fr = f->n.cap[i];
		if (parse_frame(fr.data, fr.len, &p) && p.proto == IP_PROTO_TCP)
			s = p.seq;
	}
	return s;
}

static void setup(struct fz *f)
{
	struct net_config c;
	test_config(&c, 1);
	c.pkt_bufs = 64;
	c.data_blocks = 96;
	c.tcp_conns = 12;
	c.udp_socks = 4;
	c.arp_entries = 4;
	c.reasm_slots = 2;
	c.reasm_max = 4096;
	c.tcp_sndbuf = c.tcp_rcvbuf = 16384;
	c.log_level = NET_LOG_ERR;
	f->clock = 1000000000ull;
	node_init_mk(&f->n, &f->clock, &c, 1234);
	memcpy(f->mac, c.mac, 6);
	struct net_stack *s = f->n.st;
	net_ipv4_set(s, US, 0xffffff00u, IP4(10, 0, 0, 254));
	net_arp_set(s, PEER, PEER_MAC, true);
	cap_clear(&f->n);

	f->lst = net_tcp_socket(s);
	struct net_sockaddr a80 = { 0, 80 };
	net_tcp_bind(s, f->lst, &a80);
	net_tcp_listen(s, f->lst, 2);

	uint8_t o[40];
	/* 0: accepted, with data in flight from us */
	f->c[0] = (struct conn){ 0, 80, 1000, 5000, 0 };
	size_t ol = opt_syn(o, 1460, 7, true, true, 100, 0);
	inject(f, 1000, 80, 4999, 0, TCP_SYN, 65535, o, ol, NULL, 0);
	uint32_t iss = f->c[0].our_seq - 1;
	ol = opt_ts(o, 101, 0);
	inject(f, 1000, 80, 5000, iss + 1, TCP_ACK, 1000, o, ol, NULL, 0);
	f->c[0].h = net_tcp_accept(s, f->lst, NULL);
	static uint8_t junk[3000];
	net_tcp_send(s, f->c[0].h, junk, sizeof(junk));
	drain(f, f->c);

	/* 1: active open, all options */
	f->c[1].h = net_tcp_socket(s);
	struct net_sockaddr to = { PEER, 2000 };
	net_tcp_connect(s, f->c[1].h, &to);
	struct net_sockaddr me;
	net_tcp_sockname(s, f->c[1].h, &me);
	f->c[1].lport = me.port;
	f->c[1].rport = 2000;
	uint32_t syn = last_seq(f);
	drain(f, f->c);
	f->c[1].peer_seq = 70001;
	ol = opt_syn(o, 1400, 2, true, true, 500, 0);
	inject(f, 2000, f->c[1].lport, 70000, syn + 1, TCP_SYN | TCP_ACK, 4000, o, ol, NULL, 0);

	/* 2: passive, then the peer half-closes */
	f->c[2] = (struct conn){ 0, 80, 1001, 9001, 0 };
	inject(f, 1001, 80, 9000, 0, TCP_SYN, 65535, NULL, 0, NULL, 0);
	iss = f->c[2].our_seq - 1;
	inject(f, 1001, 80, 9001, iss + 1, TCP_ACK | TCP_FIN, 8000, NULL, 0, NULL, 0);
	f->c[2].peer_seq = 9002;
	f->c[2].h = net_tcp_accept(s, f->lst, NULL);

	f->udp = net_udp_socket(s, NET_DGRAM_UDP);
	struct net_sockaddr a53 = { 0, 53 };
	net_udp_bind(s, f->udp, &a53);
	f->ping = net_udp_socket(s, NET_DGRAM_ICMP_ECHO);
	struct net_sockaddr id = { 0, 7 };
	net_udp_bind(s, f->ping, &id);
	net_dhcp_start(s); /* so DHCP replies are parsed too */
	drain(f, NULL);
}

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz invariant violated: %s\n", what);
		abort();
	}
}

int fuzz_one(const uint8_t *data, size_t size)
{
	static struct fz f;
	memset(&f, 0, sizeof(f));
	setup(&f);
	struct net_stack *s = f.n.st;
	f.d = data;
	f.left = size;
	uint8_t buf[FRAME_MAX], pay[1600], o[40];
	while (f.left) {
		uint8_t op = take8(&f) % 10;
		struct conn *c = &f.c[take8(&f) % 3];
		switch (op) {
		case 0: { /* raw frame */
			size_t n = take16(&f) % (FRAME_MAX - 200);
			if (n > f.left)
				n = f.left;
			memcpy(buf, f.d, n);
			f.d += n;
			f.left -= n;
			node_input(&f.n, buf, n);
			break;
		}
		case 1: { /* segment on a live connection */
			uint8_t flags = take8(&f);
			uint32_t seq = c->peer_seq + (uint32_t)(int32_t)(int16_t)take16(&f) * (take8(&f) & 1 ? 1 : 97);
			uint32_t ack = c->our_seq + (uint32_t)(int32_t)(int16_t)take16(&f);
			uint16_t win = take16(&f);
			size_t ol = take8(&f) % 41 & ~3u;
			for (size_t i = 0; i < ol; i++)
				o[i] = take8(&f);
			uint8_t how = take8(&f);
			if (how & 1)
				ol = opt_ts(o, take32(&f), take32(&f));
			if ((how & 2) && ol <= 12) {
				/* SACK blocks around the data we have in flight */
				unsigned nb = 1 + take8(&f) % 3;
				o[ol++] = TCPOPT_NOP;
				o[ol++] = TCPOPT_NOP;
				o[ol++] = TCPOPT_SACK;
				o[ol++] = (uint8_t)(2 + 8 * nb);
				for (unsigned b = 0; b < nb; b++) {
					uint32_t st = c->our_seq - take16(&f);
					uint32_t en = st + take16(&f) % 4000;
					for (int sh = 24; sh >= 0; sh -= 8)
						o[ol++] = (uint8_t)(st >> sh);
					for (int sh = 24; sh >= 0; sh -= 8)
						o[ol++] = (uint8_t)(en >> sh);
				}
			}
			size_t pl = take16(&f) % 1400;
			for (size_t i = 0; i < pl; i++)
				pay[i] = (uint8_t)(i ^ seq);
			inject(&f, c->rport, c->lport, seq, ack, flags, win, o, ol, pay, pl);
			if (!(flags & TCP_RST) && seq == c->peer_seq)
				c->peer_seq += (uint32_t)pl + ((flags & TCP_FIN) ? 1 : 0);
			break;
		}
		case 2: { /* segment to the listener from a new port */
			uint16_t sport = (uint16_t)(3000 + take8(&f));
			uint8_t flags = take8(&f);
			uint32_t seq = take32(&f), ack = take32(&f);
			size_t ol = 0;
			if (take8(&f) & 1)
				ol = opt_syn(o, take16(&f), take8(&f) % 16, take8(&f) & 1, take8(&f) & 1, take32(&f), take32(&f));
			inject(&f, sport, 80, seq, ack, flags, take16(&f), o, ol, NULL, 0);
			break;
		}
		case 3: /* time passes */
			node_advance(&f.n, f.clock + (uint64_t)take16(&f) * 1000000ull * (take8(&f) % 4 + 1));
			drain(&f, f.c);
			break;
		case 4: { /* socket calls */
			uint8_t what = take8(&f) % 8;
			static uint8_t big[20000];
			char rb[4096];
			switch (what) {
			case 0: net_tcp_send(s, c->h, big, take16(&f) % sizeof(big)); break;
			case 1: net_tcp_recv(s, c->h, rb, sizeof(rb)); break;
			case 2: net_tcp_shutdown(s, c->h, take8(&f) % 3); break;
			case 3: net_tcp_close(s, c->h); break;
			case 4: net_tcp_abort(s, c->h); break;
			case 5: net_setsockopt(s, c->h, take8(&f) % 12, (int)take16(&f) - 100); break;
			case 6: {
				struct net_sockaddr to = { PEER, take16(&f) };
				net_udp_sendto(s, f.udp, big, take16(&f) % 12000, &to);
				break;
			}
			default: {
				int h = net_tcp_accept(s, f.lst, NULL);
				if (h > 0)
					net_tcp_close(s, h);
				break;
			}
			}
			drain(&f, f.c);
			break;
		}
		case 5: { /* an IPv4 fragment */
			uint8_t proto = (uint8_t[]){ 1, 6, 17 }[take8(&f) % 3];
			uint16_t id = take8(&f), frag = take16(&f);
			size_t pl = take16(&f) % 1480;
			for (size_t i = 0; i < pl; i++)
				pay[i] = take8(&f);
			size_t n = build_ip(buf, f.mac, PEER_MAC, PEER, US, proto, id, frag, pay, pl);
			node_input(&f.n, buf, n);
			break;
		}
		case 6: { /* ICMP error quoting one of our segments */
			uint8_t q[28];
			memset(q, 0, sizeof(q));
			q[0] = 0x45;
			q[9] = (take8(&f) & 1) ? IP_PROTO_TCP : IP_PROTO_UDP;
			uint32_t src = net_htonl(US), dst = net_htonl(PEER);
			memcpy(q + 12, &src, 4);
			memcpy(q + 16, &dst, 4);
			uint16_t sp = net_htons(c->lport), dp = net_htons(c->rport);
			memcpy(q + 20, &sp, 2);
			memcpy(q + 22, &dp, 2);
			uint32_t sq = net_htonl(c->our_seq - (take8(&f) % 3000));
			memcpy(q + 24, &sq, 4);
			uint8_t type = (uint8_t[]){ 3, 11, 5, 12 }[take8(&f) % 4];
			uint8_t code = take8(&f) % 6;
			size_t n = build_icmp(buf, f.mac, PEER_MAC, PEER, US, type, code, 0, take16(&f), q, sizeof(q));
			node_input(&f.n, buf, n);
			drain(&f, f.c);
			break;
		}
		case 7: { /* UDP: to the socket, to DHCP, to nowhere */
			uint16_t dport = (uint16_t[]){ 53, 68, 9 }[take8(&f) % 3];
			size_t pl = take16(&f) % 600;
			for (size_t i = 0; i < pl; i++)
				pay[i] = take8(&f);
			size_t n = build_udp(buf, f.mac, PEER_MAC, PEER, US, dport == 68 ? 67 : 1234, dport, pay, pl);
			node_input(&f.n, buf, n);
			break;
		}
		case 8: { /* a segment forwarded by another core */
			struct net_pkt *p = net_pkt_alloc(s);
			if (!p)
				break;
			struct seg_spec g = { PEER, US, c->rport, c->lport, c->peer_seq, c->our_seq,
					      take8(&f), take16(&f), NULL, 0, NULL, 0 };
			size_t n = build_tcp(p->data, f.mac, PEER_MAC, &g);
			p->len = (uint16_t)n;
			net_input_forwarded(s, p);
			drain(&f, f.c);
			break;
		}
		default: { /* net_input_batch with two copies of a small frame */
			size_t n = take8(&f);
			struct net_pkt *p[2];
			for (int i = 0; i < 2; i++) {
				p[i] = net_pkt_alloc(s);
				if (p[i]) {
					for (size_t k = 0; k < n; k++)
						p[i]->data[k] = (uint8_t)(k < f.left ? f.d[k] : 0);
					p[i]->len = (uint16_t)n;
				}
			}
			if (p[0] && p[1])
				net_input_batch(s, p, 2);
			else {
				net_pkt_free(s, p[0]);
				net_pkt_free(s, p[1]);
			}
			break;
		}
		}
		if (f.n.ncap > 256)
			cap_clear(&f.n);
	}
	/* tear down and let every timer run out */
	for (int i = 0; i < 3; i++)
		net_tcp_abort(s, f.c[i].h);
	int h;
	while ((h = net_tcp_accept(s, f.lst, NULL)) > 0)
		net_tcp_abort(s, h);
	net_tcp_close(s, f.lst);
	net_udp_close(s, f.udp);
	net_udp_close(s, f.ping);
	net_dhcp_stop(s);
	/* worst case: data_retries RTOs at rto_max (30 min), then TIME_WAIT */
	for (int i = 0; i < 45; i++) {
		node_advance(&f.n, f.clock + SEC(60));
		cap_clear(&f.n);
	}
	struct net_usage u;
	net_usage(s, &u);
	if (u.pkts_used || u.blocks_used || u.tcbs_used || u.reasm_used) {
		fprintf(stderr, "usage: pkts %u blocks %u tcbs %u reasm %u\n", u.pkts_used, u.blocks_used,
			u.tcbs_used, u.reasm_used);
		for (unsigned i = 0; i < s->cfg.tcp_conns; i++) {
			struct tcb *t = &s->tcbs[i];
			if (t->used)
				fprintf(stderr, "  tcb %u %s flags %x snd.len %u rcv.len %u rtx %llu close %llu keep %llu dack %llu heap %u wnd %u nrex %u una %u nxt %u max %u fin %u buf %u now %llu\n", i,
					net_tcp_state_name(t->state), t->flags, t->snd.len, t->rcv.len,
					(unsigned long long)t->rtx_at, (unsigned long long)t->close_at,
					(unsigned long long)t->keep_at, (unsigned long long)t->delack_at, t->heap_pos,
					t->snd_wnd, t->nrexmit, t->snd_una, t->snd_nxt, t->snd_max, t->fin_seq, t->buf_seq,
					(unsigned long long)s->now);
		}
	}
	check(u.pkts_used == 0, "packet buffers leaked");
	check(u.blocks_used == 0, "stream blocks leaked");
	check(u.tcbs_used == 0, "connections left behind");
	check(u.reasm_used == 0, "reassembly slots left behind");
	check(outcomes_balance(s), "an input frame without exactly one counted outcome");
	node_fini(&f.n);
	return 0;
}

#ifdef NET_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_one(data, size);
}
#endif
