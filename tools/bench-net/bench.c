/*
 * bench-net: two stack instances on the in-memory wire (no impairment),
 * single-threaded, so every figure is for both ends on one core.
 *
 *   bench conn N     N short connections (connect, 4-byte request, 4-byte
 *                    reply, close), 8 at a time; prints connections/s
 *   bench bulk MIB   one connection, MIB mebibytes one way; prints MB/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/net/harness.h"

#define A_IP IP4(10, 0, 0, 1)
#define B_IP IP4(10, 0, 0, 2)
#define PAR 8

struct bench {
	struct sim sim;
	struct node a, b;
	int lst;
	uint64_t target, started, done, failed;
	int cli[PAR];
	uint8_t cst[PAR];
	int srv[64];
	/* bulk */
	int c, s;
	uint64_t bytes, sent, recvd;
	bool shut;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup(struct bench *b, uint32_t buf)
{
	memset(b, 0, sizeof(*b));
	sim_init(&b->sim, 1);
	b->sim.imp.delay_ns = 20000;
	struct net_config c;
	test_config(&c, 1);
	c.log_level = NET_LOG_ERR;
	c.tcp_sndbuf = c.tcp_rcvbuf = buf;
	c.data_blocks = 512;
	c.tcp_time_wait_max = 32;
	node_init(&b->a, &b->sim.now, &c, 1);
	test_config(&c, 2);
	c.log_level = NET_LOG_ERR;
	c.tcp_sndbuf = c.tcp_rcvbuf = buf;
	c.data_blocks = 512;
	node_init(&b->b, &b->sim.now, &c, 2);
	sim_add(&b->sim, &b->a);
	sim_add(&b->sim, &b->b);
	net_ipv4_set(b->a.st, A_IP, 0xffffff00u, 0);
	net_ipv4_set(b->b.st, B_IP, 0xffffff00u, 0);
	net_arp_set(b->a.st, B_IP, b->b.cfg.mac, true);
	net_arp_set(b->b.st, A_IP, b->a.cfg.mac, true);
	b->lst = net_tcp_socket(b->b.st);
	struct net_sockaddr any = { 0, 80 };
	net_tcp_bind(b->b.st, b->lst, &any);
	net_tcp_listen(b->b.st, b->lst, 64);
}

static void drain_events(struct bench *b)
{
	struct net_event ev[64];
	while (net_events(b->a.st, ev, 64)) {
	}
	while (net_events(b->b.st, ev, 64)) {
	}
}

static bool conn_step(void *ctx)
{
	struct bench *b = ctx;
	uint8_t buf[16];
	int h;
	while ((h = net_tcp_accept(b->b.st, b->lst, NULL)) > 0) {
		int k = 0;
		while (b->srv[k] > 0)
			k++;
		b->srv[k] = h;
	}
	for (int k = 0; k < 64; k++) {
		if (b->srv[k] <= 0)
			continue;
		long r = net_tcp_recv(b->b.st, b->srv[k], buf, sizeof(buf));
		if (r == 4)
			net_tcp_send(b->b.st, b->srv[k], buf, 4);
		else if (r != -NET_EAGAIN) {
			net_tcp_close(b->b.st, b->srv[k]);
			b->srv[k] = 0;
		}
	}
	for (int k = 0; k < PAR; k++) {
		if (b->cst[k] == 0) {
			if (b->started == b->target)
				continue;
			b->cli[k] = net_tcp_socket(b->a.st);
			struct net_sockaddr to = { B_IP, 80 };
			net_tcp_connect(b->a.st, b->cli[k], &to);
			b->cst[k] = 1;
			b->started++;
		} else if (b->cst[k] == 1) {
			int st = net_tcp_state(b->a.st, b->cli[k]);
			if (st == NET_TCP_ESTABLISHED) {
				net_tcp_send(b->a.st, b->cli[k], "ping", 4);
				b->cst[k] = 2;
			} else if (st != NET_TCP_SYN_SENT) {
				b->failed++;
				net_tcp_close(b->a.st, b->cli[k]);
				b->cst[k] = 0;
			}
		} else {
			long r = net_tcp_recv(b->a.st, b->cli[k], buf, sizeof(buf));
			if (r == -NET_EAGAIN)
				continue;
			if (r != 4)
				b->failed++;
			net_tcp_close(b->a.st, b->cli[k]);
			b->cst[k] = 0;
			b->done++;
		}
	}
	drain_events(b);
	return b->done == b->target || b->failed;
}

static bool bulk_step(void *ctx)
{
	struct bench *b = ctx;
	static uint8_t buf[65536];
	if (b->s <= 0)
		b->s = net_tcp_accept(b->b.st, b->lst, NULL);
	while (b->sent < b->bytes) {
		size_t n = b->bytes - b->sent < sizeof(buf) ? (size_t)(b->bytes - b->sent) : sizeof(buf);
		long r = net_tcp_send(b->a.st, b->c, buf, n);
		if (r <= 0)
			break;
		b->sent += (uint64_t)r;
	}
	if (b->sent == b->bytes && !b->shut) {
		net_tcp_shutdown(b->a.st, b->c, NET_SHUT_WR);
		b->shut = true;
	}
	if (b->s > 0) {
		long r;
		while ((r = net_tcp_recv(b->b.st, b->s, buf, sizeof(buf))) > 0)
			b->recvd += (uint64_t)r;
	}
	drain_events(b);
	return b->recvd == b->bytes;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bench conn N | bench bulk MIB\n");
		return 2;
	}
	static struct bench b;
	uint64_t n = strtoull(argv[2], NULL, 10);
	if (!strcmp(argv[1], "conn")) {
		setup(&b, 65536);
		b.target = n;
		double t = now_s();
		sim_run(&b.sim, UINT64_MAX - 1, conn_step, &b);
		t = now_s() - t;
		if (b.failed || b.done != n) {
			fprintf(stderr, "bench: %llu failures\n", (unsigned long long)b.failed);
			return 1;
		}
		printf("conn %llu %.4f s %.0f conn/s\n", (unsigned long long)n, t, (double)n / t);
	} else if (!strcmp(argv[1], "bulk")) {
		setup(&b, 256 * 1024);
		b.bytes = n << 20;
		b.c = net_tcp_socket(b.a.st);
		struct net_sockaddr to = { B_IP, 80 };
		net_tcp_connect(b.a.st, b.c, &to);
		double t = now_s();
		sim_run(&b.sim, UINT64_MAX - 1, bulk_step, &b);
		t = now_s() - t;
		if (b.recvd != b.bytes) {
			fprintf(stderr, "bench: transfer incomplete\n");
			return 1;
		}
		printf("bulk %llu MiB %.4f s %.1f MB/s\n", (unsigned long long)n, t, (double)b.bytes / 1e6 / t);
	} else {
		return 2;
	}
	node_fini(&b.a);
	node_fini(&b.b);
	sim_fini(&b.sim);
	return 0;
}
