/*
 * usock - POSIX sockets tested from a real process against its core's netd
 * (KTAP through utest.h). Traffic goes to the machine's own address, which
 * netd delivers locally (and to the owning core's stack when RSS says the
 * flow belongs to another core).
 *
 *   usock DEPTH ADDR        ADDR: this machine's IPv4 address
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pikaos.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utest.h>

#include <pikaos/monitor.h>
#include <pikaos/msg.h>

#include "user/netd/netd.h"

static struct sockaddr_in self;
static uint16_t next_port;

static struct sockaddr_in at(uint16_t port)
{
	struct sockaddr_in a = self;
	a.sin_port = htons(port);
	return a;
}
#define SA(a) ((struct sockaddr *)&(a))

static int listener(uint16_t port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = at(port);
	if (l < 0 || bind(l, SA(a), sizeof(a)) < 0 || listen(l, 8) < 0)
		return -1;
	return l;
}

/* connect() to our own PORT, which must succeed; says why when it does not. */
static bool connected(struct utest_ctx *t, int c, uint16_t port)
{
	struct sockaddr_in a = at(port);
	int r = connect(c, SA(a), sizeof(a));
	if (!UT_EXPECT_EQ(t, r, 0))
		printf("# connect to port %u: %s\n", port, strerror(errno));
	return r == 0;
}

/* A connected pair through a fresh listener: *c the client, returns the server side. */
static int pair(struct utest_ctx *t, int *c)
{
	uint16_t port = next_port++;
	int l = listener(port);
	UT_EXPECT(t, l >= 0);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (!connected(t, *c, port)) {
		close(l);
		return -1;
	}
	int s = accept(l, NULL, NULL);
	UT_EXPECT(t, s >= 0);
	close(l);
	return s;
}

UTEST(netd_of_this_core_answers)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (!UT_EXPECT(t, s >= 3))
		printf("# socket: %s\n", strerror(errno));
	UT_EXPECT_EQ(t, close(s), 0);
}

UTEST(bad_arguments_get_posix_errors)
{
	errno = 0;
	UT_EXPECT_EQ(t, socket(AF_INET6, SOCK_STREAM, 0), -1);
	UT_EXPECT_EQ(t, errno, EAFNOSUPPORT);
	UT_EXPECT_EQ(t, socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), -1);
	UT_EXPECT_EQ(t, errno, EPROTONOSUPPORT);
	UT_EXPECT_EQ(t, close(999), -1);
	UT_EXPECT_EQ(t, errno, EBADF);
	UT_EXPECT_EQ(t, send(1, "x", 1, 0), -1); /* the console is no socket */
	UT_EXPECT_EQ(t, errno, ENOTSOCK);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	UT_EXPECT(t, s >= 3);
	struct sockaddr_in a = at(1);
	UT_EXPECT_EQ(t, bind(s, SA(a), 4), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	char c;
	UT_EXPECT_EQ(t, recv(s, &c, 1, 0), -1);
	UT_EXPECT_EQ(t, errno, ENOTCONN);
	int v = 0;
	socklen_t vl = sizeof(v);
	UT_EXPECT_EQ(t, getsockopt(s, SOL_SOCKET, 12345, &v, &vl), -1);
	UT_EXPECT_EQ(t, errno, ENOPROTOOPT);
	UT_EXPECT_EQ(t, close(s), 0);
	UT_EXPECT_EQ(t, close(s), -1);
	UT_EXPECT_EQ(t, errno, EBADF);
}

UTEST(tcp_connect_accept_and_names)
{
	uint16_t port = next_port++;
	int l = listener(port);
	UT_EXPECT(t, l >= 0);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in got;
	if (!connected(t, c, port))
		return;
	socklen_t gl = sizeof(got);
	int s = accept(l, SA(got), &gl);
	UT_EXPECT(t, s >= 0);
	UT_EXPECT_EQ(t, gl, sizeof(got));
	UT_EXPECT_EQ(t, got.sin_addr.s_addr, self.sin_addr.s_addr);
	struct sockaddr_in cn, sp;
	socklen_t l1 = sizeof(cn), l2 = sizeof(sp);
	UT_EXPECT_EQ(t, getsockname(c, SA(cn), &l1), 0);
	UT_EXPECT_EQ(t, getpeername(s, SA(sp), &l2), 0);
	UT_EXPECT_EQ(t, cn.sin_port, sp.sin_port); /* the client's port as both ends see it */
	UT_EXPECT_EQ(t, got.sin_port, cn.sin_port);
	UT_EXPECT(t, ntohs(cn.sin_port) >= 1024);
	UT_EXPECT_EQ(t, getpeername(c, SA(sp), &l2), 0);
	UT_EXPECT_EQ(t, ntohs(sp.sin_port), port);
	close(c);
	close(s);
	close(l);
}

UTEST(tcp_bytes_both_ways_intact)
{
	int c, s = pair(t, &c);
	if (s < 0)
		return;
	enum { N = 300000 };
	char *out = malloc(N), *in = malloc(N);
	for (int i = 0; i < N; i++)
		out[i] = (char)(i * 7 + (i >> 9));
	/* the client writes everything (the socket buffers and our reads keep up) */
	fcntl(c, F_SETFL, O_NONBLOCK);
	size_t sent = 0, got = 0;
	while (got < N) {
		if (sent < N) {
			ssize_t w = send(c, out + sent, N - sent, 0);
			if (w > 0)
				sent += (size_t)w;
			else
				UT_EXPECT_EQ(t, errno, EAGAIN);
		}
		ssize_t r = recv(s, in + got, N - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		else if (r == 0 || errno != EAGAIN)
			break;
	}
	UT_EXPECT_EQ(t, got, (size_t)N);
	UT_EXPECT(t, memcmp(in, out, N) == 0);
	/* and back, blocking */
	UT_EXPECT_EQ(t, write(s, "reply", 5), 5);
	char b[8] = { 0 };
	fcntl(c, F_SETFL, 0);
	UT_EXPECT_EQ(t, read(c, b, sizeof(b)), 5);
	UT_EXPECT_STR(t, b, "reply");
	/* end of stream after shutdown */
	UT_EXPECT_EQ(t, shutdown(c, SHUT_WR), 0);
	UT_EXPECT_EQ(t, recv(s, b, sizeof(b), 0), 0);
	free(out);
	free(in);
	close(c);
	close(s);
}

UTEST(refused_in_use_and_reuseport)
{
	uint16_t port = next_port++;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = at(port);
	errno = 0;
	UT_EXPECT_EQ(t, connect(c, SA(a), sizeof(a)), -1); /* nobody listens: RST */
	UT_EXPECT_EQ(t, errno, ECONNREFUSED);
	close(c);
	int l = listener(port);
	UT_EXPECT(t, l >= 0);
	int l2 = socket(AF_INET, SOCK_STREAM, 0);
	UT_EXPECT_EQ(t, bind(l2, SA(a), sizeof(a)), -1);
	UT_EXPECT_EQ(t, errno, EADDRINUSE);
	close(l2);
	close(l);
	/* two listeners on one port with SO_REUSEPORT both accept */
	port = next_port++;
	a = at(port);
	int r1 = socket(AF_INET, SOCK_STREAM, 0), r2 = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	UT_EXPECT_EQ(t, setsockopt(r1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	UT_EXPECT_EQ(t, setsockopt(r2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	UT_EXPECT_EQ(t, bind(r1, SA(a), sizeof(a)), 0);
	UT_EXPECT_EQ(t, listen(r1, 8), 0);
	UT_EXPECT_EQ(t, bind(r2, SA(a), sizeof(a)), 0);
	UT_EXPECT_EQ(t, listen(r2, 8), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	UT_EXPECT_EQ(t, connect(c, SA(a), sizeof(a)), 0);
	int s = accept(r2, NULL, NULL);
	UT_EXPECT(t, s >= 0);
	close(s);
	close(c);
	close(r1);
	close(r2);
}

UTEST(a_second_bind_is_refused)
{
	/* binding a SO_REUSEPORT socket twice once made it its own alias and
	 * looped netd forever; now the second bind is EINVAL and the socket
	 * still accepts */
	uint16_t port = next_port++;
	struct sockaddr_in a = at(port);
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	UT_EXPECT_EQ(t, setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	UT_EXPECT_EQ(t, bind(l, SA(a), sizeof(a)), 0);
	UT_EXPECT_EQ(t, listen(l, 8), 0);
	errno = 0;
	UT_EXPECT_EQ(t, bind(l, SA(a), sizeof(a)), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (connected(t, c, port)) {
		int s = accept(l, NULL, NULL);
		UT_EXPECT(t, s >= 0);
		UT_EXPECT_EQ(t, send(c, "x", 1, 0), 1);
		char b;
		UT_EXPECT_EQ(t, recv(s, &b, 1, 0), 1);
		close(s);
	}
	close(c);
	close(l);
}

UTEST(nonblocking_calls_say_eagain)
{
	uint16_t port = next_port++;
	int l = listener(port);
	UT_EXPECT_EQ(t, fcntl(l, F_SETFL, O_NONBLOCK), 0);
	UT_EXPECT_EQ(t, fcntl(l, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	UT_EXPECT_EQ(t, accept(l, NULL, NULL), -1);
	UT_EXPECT_EQ(t, errno, EAGAIN);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = at(port);
	int r = connect(c, SA(a), sizeof(a));
	UT_EXPECT(t, r == 0 || errno == EINPROGRESS);
	struct pollfd p = { c, POLLOUT, 0 };
	UT_EXPECT_EQ(t, poll(&p, 1, 5000), 1);
	UT_EXPECT(t, p.revents & POLLOUT);
	int err = -1;
	socklen_t el = sizeof(err);
	UT_EXPECT_EQ(t, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	UT_EXPECT_EQ(t, err, 0);
	struct pollfd lp = { l, POLLIN, 0 };
	UT_EXPECT_EQ(t, poll(&lp, 1, 5000), 1);
	int s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	UT_EXPECT(t, s >= 0);
	char b[4];
	UT_EXPECT_EQ(t, recv(s, b, sizeof(b), 0), -1);
	UT_EXPECT_EQ(t, errno, EAGAIN);
	close(s);
	close(c);
	close(l);
}

UTEST(poll_select_and_epoll_see_data)
{
	int c, s = pair(t, &c);
	if (s < 0)
		return;
	struct pollfd p = { s, POLLIN, 0 };
	UT_EXPECT_EQ(t, poll(&p, 1, 0), 0); /* nothing yet */
	int ep = epoll_create1(0);
	UT_EXPECT(t, ep >= 0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 77 }, out[4];
	UT_EXPECT_EQ(t, epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), 0);
	UT_EXPECT_EQ(t, epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev), -1);
	UT_EXPECT_EQ(t, errno, EEXIST);
	UT_EXPECT_EQ(t, epoll_wait(ep, out, 4, 0), 0);
	UT_EXPECT_EQ(t, send(c, "abc", 3, 0), 3);
	UT_EXPECT_EQ(t, epoll_wait(ep, out, 4, 5000), 1);
	UT_EXPECT_EQ(t, out[0].data.u32, 77u);
	UT_EXPECT(t, out[0].events & EPOLLIN);
	UT_EXPECT_EQ(t, poll(&p, 1, 5000), 1);
	UT_EXPECT(t, p.revents & POLLIN);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(s, &r);
	struct timeval tv = { 5, 0 };
	UT_EXPECT_EQ(t, select(s + 1, &r, NULL, NULL, &tv), 1);
	UT_EXPECT(t, FD_ISSET(s, &r));
	char b[8];
	UT_EXPECT_EQ(t, recv(s, b, sizeof(b), 0), 3);
	UT_EXPECT_EQ(t, epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL), 0);
	UT_EXPECT_EQ(t, close(ep), 0);
	close(c);
	close(s);
}

UTEST(options_round_trip)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), v = 1;
	socklen_t vl = sizeof(v);
	UT_EXPECT_EQ(t, setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
	v = 0;
	UT_EXPECT_EQ(t, getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &vl), 0);
	UT_EXPECT_EQ(t, v, 1);
	v = 32768;
	UT_EXPECT_EQ(t, setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	v = 0;
	UT_EXPECT_EQ(t, getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &vl), 0);
	UT_EXPECT(t, v >= 32768);
	struct linger lg = { 1, 3 }, lo = { 0, 0 };
	socklen_t ll = sizeof(lo);
	UT_EXPECT_EQ(t, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	UT_EXPECT_EQ(t, getsockopt(s, SOL_SOCKET, SO_LINGER, &lo, &ll), 0);
	UT_EXPECT_EQ(t, lo.l_onoff, 1);
	UT_EXPECT_EQ(t, lo.l_linger, 3);
	UT_EXPECT_EQ(t, setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, 1), -1);
	UT_EXPECT_EQ(t, errno, EINVAL);
	close(s);
}

UTEST(peer_reset_gives_econnreset_then_epipe)
{
	int c, s = pair(t, &c);
	if (s < 0)
		return;
	struct linger lg = { 1, 0 }; /* close with RST */
	UT_EXPECT_EQ(t, setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(s);
	char b[4];
	errno = 0;
	UT_EXPECT_EQ(t, recv(c, b, sizeof(b), 0), -1);
	UT_EXPECT_EQ(t, errno, ECONNRESET);
	errno = 0;
	UT_EXPECT_EQ(t, send(c, "x", 1, MSG_NOSIGNAL), -1);
	UT_EXPECT_EQ(t, errno, EPIPE);
	close(c);
}

UTEST(udp_datagrams_keep_boundaries_and_senders)
{
	uint16_t port = next_port++;
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = at(port), from;
	UT_EXPECT_EQ(t, bind(u, SA(a), sizeof(a)), 0);
	UT_EXPECT_EQ(t, sendto(v, "one", 3, 0, SA(a), sizeof(a)), 3);
	UT_EXPECT_EQ(t, sendto(v, "second", 6, 0, SA(a), sizeof(a)), 6);
	char b[16] = { 0 };
	socklen_t fl = sizeof(from);
	UT_EXPECT_EQ(t, recvfrom(u, b, sizeof(b), 0, SA(from), &fl), 3);
	UT_EXPECT_STR(t, b, "one");
	struct sockaddr_in vn;
	socklen_t vl = sizeof(vn);
	UT_EXPECT_EQ(t, getsockname(v, SA(vn), &vl), 0);
	UT_EXPECT_EQ(t, from.sin_port, vn.sin_port);
	memset(b, 0, sizeof(b));
	UT_EXPECT_EQ(t, recv(u, b, 2, 0), 2); /* the rest of a datagram is dropped */
	UT_EXPECT_STR(t, b, "se");
	UT_EXPECT_EQ(t, recv(u, b, sizeof(b), MSG_DONTWAIT), -1);
	UT_EXPECT_EQ(t, errno, EAGAIN);
	close(u);
	close(v);
}

UTEST(loopback_127_0_0_1)
{
	/* a listener on every address answers "localhost"; both ends see
	 * 127.0.0.1. (One bound to our own address refuses it, as on Linux.) */
	uint16_t port = next_port++;
	int own = listener(port), c0 = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = htons(port) };
	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	UT_EXPECT_EQ(t, connect(c0, SA(lo), sizeof(lo)), -1);
	UT_EXPECT_EQ(t, errno, ECONNREFUSED);
	close(c0);
	close(own);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(port) };
	UT_EXPECT_EQ(t, bind(l, SA(any), sizeof(any)), 0);
	UT_EXPECT_EQ(t, listen(l, 8), 0);
	char ps[8];
	snprintf(ps, sizeof(ps), "%u", port);
	struct addrinfo *ai = NULL;
	if (!UT_EXPECT_EQ(t, getaddrinfo("localhost", ps, NULL, &ai), 0))
		return;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int r = connect(c, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (!UT_EXPECT_EQ(t, r, 0)) {
		printf("# connect to localhost:%u: %s\n", port, strerror(errno));
		close(c);
		close(l);
		return;
	}
	struct sockaddr_in peer, me;
	socklen_t pl = sizeof(peer), ml = sizeof(me);
	int s = accept(l, SA(peer), &pl);
	UT_EXPECT(t, s >= 0);
	UT_EXPECT_EQ(t, ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
	UT_EXPECT_EQ(t, getsockname(c, SA(me), &ml), 0);
	UT_EXPECT_EQ(t, ntohl(me.sin_addr.s_addr), INADDR_LOOPBACK);
	UT_EXPECT_EQ(t, me.sin_port, peer.sin_port);
	UT_EXPECT_EQ(t, write(c, "lo", 2), 2);
	char b[8] = { 0 };
	UT_EXPECT_EQ(t, read(s, b, sizeof(b)), 2);
	UT_EXPECT_STR(t, b, "lo");
	close(c);
	close(s);
	close(l);
	/* UDP bound to 127.0.0.1 only */
	int u = socket(AF_INET, SOCK_DGRAM, 0), v = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(next_port++) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	UT_EXPECT_EQ(t, bind(u, SA(a), sizeof(a)), 0);
	UT_EXPECT_EQ(t, sendto(v, "udp", 3, 0, SA(a), sizeof(a)), 3);
	memset(b, 0, sizeof(b));
	pl = sizeof(peer);
	UT_EXPECT_EQ(t, recvfrom(u, b, sizeof(b), 0, SA(peer), &pl), 3);
	UT_EXPECT_STR(t, b, "udp");
	UT_EXPECT_EQ(t, ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
	close(u);
	close(v);
}

UTEST(peer_messages_from_a_process_are_refused)
{
	/* messages meant for netd from another netd (a new address, an ARP
	 * fact, a forwarded frame, a kick) sent by a plain process: refused and
	 * counted, and the address and ARP table stay as they were */
	struct chan c;
	if (!UT_EXPECT_EQ(t, mon_bind("netd", pika_getcore(), &c), 0))
		return;
	struct netd_addr na = { 0x01020304, 0xffffff00, 0x01020301 };
	struct netd_arp arp = { ntohl(self.sin_addr.s_addr), { 2, 0, 0, 0, 0, 1 } };
	struct netd_frame fr = { 0, 60, NETD_FRAME_RX, 0, 0, 0, 0, 0 };
	uint32_t offer[4] = { 1, 80, 1, 1 }; /* a CM's offer: core 1 serves port 80 in 1 us */
	uint32_t unpin[3] = { 0x0a000201, 0x0a00020f, 80 << 16 | 40000 };
	UT_EXPECT_EQ(t, msg_call(&c, NETD_ADDR, &na, sizeof(na), NULL, 0, NULL, 5000000000ULL), -EPERM);
	UT_EXPECT_EQ(t, msg_call(&c, NETD_ARP, &arp, sizeof(arp), NULL, 0, NULL, 5000000000ULL), -EPERM);
	UT_EXPECT_EQ(t, msg_call(&c, NETD_FRAME, &fr, sizeof(fr), NULL, 0, NULL, 5000000000ULL), -EPERM);
	UT_EXPECT_EQ(t, msg_call(&c, NETD_KICK, NULL, 0, NULL, 0, NULL, 5000000000ULL), -EPERM);
	UT_EXPECT_EQ(t, msg_call(&c, NETD_OFFER, offer, sizeof(offer), NULL, 0, NULL, 5000000000ULL), -EPERM);
	UT_EXPECT_EQ(t, msg_call(&c, NETD_UNPIN, unpin, sizeof(unpin), NULL, 0, NULL, 5000000000ULL), -EPERM);
	pika_chan_close(&c);
	/* still our address, still reachable */
	int cl, s = pair(t, &cl);
	UT_EXPECT(t, s >= 0);
	struct sockaddr_in me;
	socklen_t ml = sizeof(me);
	UT_EXPECT_EQ(t, getsockname(s, SA(me), &ml), 0);
	UT_EXPECT_EQ(t, me.sin_addr.s_addr, self.sin_addr.s_addr);
	close(cl);
	close(s);
}

UTEST(socket_limit_reached_and_recovered)
{
	/* a process's sockets run out with EMFILE; closing gives them back */
	static int fds[1100];
	int n = 0;
	errno = 0;
	while (n < 1100 && (fds[n] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0)
		n++;
	UT_EXPECT_EQ(t, errno, EMFILE);
	UT_EXPECT(t, n > 900);
	for (int i = 0; i < n; i++)
		UT_EXPECT_EQ(t, close(fds[i]), 0);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	UT_EXPECT(t, s >= 0);
	close(s);
}

UTEST(many_sockets_open_and_close)
{
	/* more sockets over time than netd's table holds at once */
	for (int i = 0; i < 5000; i++) {
		int s = socket(AF_INET, i % 2 ? SOCK_STREAM : SOCK_DGRAM, 0);
		if (!UT_EXPECT(t, s >= 0))
			break;
		UT_EXPECT_EQ(t, close(s), 0);
	}
}

static void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

UTEST(poll_timeout_is_precise)
{
	/* a 3 ms timeout ends after 3 to 5 ms (a one-shot timer at the
	 * deadline), not at a 10 ms tick: the median of 7, each at least 3 ms */
	int c, s = pair(t, &c);
	if (s < 0)
		return;
	enum { N = 7 };
	uint64_t took[N];
	for (int i = 0; i < N; i++) {
		struct pollfd p = { s, POLLIN, 0 };
		uint64_t a = pika_clock_ns();
		UT_EXPECT_EQ(t, poll(&p, 1, 3), 0);
		took[i] = pika_clock_ns() - a;
		UT_EXPECT(t, took[i] >= 3000000);
	}
	sort_u64(took, N);
	if (!UT_EXPECT(t, took[N / 2] <= 5000000))
		printf("# median poll(3 ms) took %lu us (min %lu, max %lu)\n", (unsigned long)(took[N / 2] / 1000),
		       (unsigned long)(took[0] / 1000), (unsigned long)(took[N - 1] / 1000));
	close(c);
	close(s);
}

UTEST(a_lying_client_hurts_nobody)
{
	/* sockfuzz (user/sockfuzz.c) writes garbage where netd reads, while
	 * this process moves bytes through netd on the same core: netd closes
	 * the liar's channels, never crashes or stalls, and our bytes arrive */
	char args[32];
	snprintf(args, sizeof(args), "12 %d", pika_getcore() * 7 + 1);
	int pid = pika_spawn("sockfuzz", args, PIKA_CORE_SELF);
	if (!UT_EXPECT(t, pid > 0))
		return;
	int c, s = pair(t, &c);
	if (s < 0)
		return;
	enum { N = 200000 };
	static char out[N], in[N];
	for (int i = 0; i < N; i++)
		out[i] = (char)(i * 31 + 7);
	fcntl(c, F_SETFL, O_NONBLOCK);
	size_t sent = 0, got = 0;
	uint64_t end = pika_clock_ns() + 60000000000ULL;
	while (got < N && pika_clock_ns() < end) {
		if (sent < N) {
			ssize_t w = send(c, out + sent, N - sent, 0);
			if (w > 0)
				sent += (size_t)w;
		}
		struct pollfd p = { s, POLLIN, 0 };
		if (poll(&p, 1, 100) == 1) {
			ssize_t r = recv(s, in + got, N - got, 0);
			if (r > 0)
				got += (size_t)r;
		}
	}
	UT_EXPECT_EQ(t, got, (size_t)N);
	UT_EXPECT(t, memcmp(in, out, N) == 0);
	int status = -1;
	UT_EXPECT_EQ(t, pika_wait(pid, &status, NULL), pid);
	UT_EXPECT_EQ(t, status, 0); /* it saw netd answer an honest client at the end */
	close(c);
	close(s);
	/* and netd is fine for a new connection */
	int c2, s2 = pair(t, &c2);
	UT_EXPECT(t, s2 >= 0);
	UT_EXPECT_EQ(t, send(c2, "ok", 2, 0), 2);
	char b[4] = { 0 };
	UT_EXPECT_EQ(t, recv(s2, b, sizeof(b), 0), 2);
	close(c2);
	close(s2);
}

int main(int argc, char **argv)
{
	self.sin_family = AF_INET;
	if (argc < 3 || inet_pton(AF_INET, argv[2], &self.sin_addr) != 1) {
		printf("usage: usock DEPTH ADDR\n");
		return 2;
	}
	next_port = (uint16_t)(6000 + 100 * pika_getcore());
	return utest_main("sockets", argc, argv);
}
