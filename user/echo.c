/*
 * echo - RFC 862 echo over TCP and UDP, one process per core (start=echo@all).
 *
 *   echo [port=7] [quiet]
 *
 * TCP: every byte a client sends comes back on the same connection; while
 * the socket cannot take more, the connection stops reading (so a client
 * that does not read is slowed by TCP, nothing is dropped). UDP: every
 * datagram goes back to its sender.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "objpool.h"
#include "server_args.h"

#define MAX_CONN 1024
#define BUF 65536

struct conn {
	int fd;
	size_t len, off; /* bytes in buf not yet sent back: buf[off..len) */
	char buf[BUF];
};

static struct conn *conns[MAX_CONN];
static struct objpool pool = OBJPOOL_INIT(struct conn, 16); /* no mmap per connection */
static int ep, core;

static void conn_close(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	conns[c->fd] = NULL;
	objpool_put(&pool, c);
}

static void want(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = c->fd };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void serve(struct conn *c)
{
	for (;;) {
		while (c->off < c->len) {
			ssize_t w = write(c->fd, c->buf + c->off, c->len - c->off);
			if (w < 0 && errno == EAGAIN)
				return want(c, EPOLLOUT);
			if (w < 0)
				return conn_close(c);
			c->off += (size_t)w;
		}
		ssize_t r = read(c->fd, c->buf, BUF);
		if (r < 0 && errno == EAGAIN)
			return want(c, EPOLLIN);
		if (r <= 0)
			return conn_close(c);
		c->len = (size_t)r;
		c->off = 0;
	}
}

static int listen_on(int type, int port)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || (type == SOCK_STREAM && listen(fd, 256) < 0)) {
		printf("echo: core %d: %s port %d: %s\n", core, type == SOCK_STREAM ? "tcp" : "udp", port,
		       strerror(errno));
		close(fd);
		return -1;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return fd;
}

/* netd went away, and every socket with it: end with an error, so that the
 * monitor starts us again (a start= service) once there is a netd again. */
static int gone(void)
{
	printf("echo: core %d: netd went away\n", core);
	return 1;
}

int main(int argc, char **argv)
{
	int port = 7, quiet = 0;
	core = pika_getcore();
	if (server_args("echo", argc, argv, &port, &quiet) < 0)
		return 2;
	ep = epoll_create1(0);
	int tcp = listen_on(SOCK_STREAM, port), udp = listen_on(SOCK_DGRAM, port);
	if (tcp < 0 || udp < 0)
		return 1;
	if (!quiet)
		printf("echo: core %d: tcp and udp port %d\n", core, port);
	static char dgram[65536];
	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0 && errno == ENETDOWN)
			return gone();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == tcp) {
				int cfd = 0;
				for (int k = 0; k < ACCEPTS_PER_TURN && (cfd = accept4(tcp, NULL, NULL, SOCK_NONBLOCK)) >= 0; k++) {
					struct conn *c = cfd < MAX_CONN ? objpool_get(&pool) : NULL;
					if (!c) {
						close(cfd);
						continue;
					}
					c->fd = cfd;
					c->len = c->off = 0;
					conns[cfd] = c;
					struct epoll_event ev = { .events = EPOLLIN, .data.fd = cfd };
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
					serve(c);
				}
				if (cfd < 0 && errno == ENETDOWN)
					return gone();
			} else if (fd == udp) {
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				ssize_t r;
				while ((r = recvfrom(udp, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &fl)) >= 0) {
					sendto(udp, dgram, (size_t)r, 0, (struct sockaddr *)&from, fl);
					fl = sizeof(from);
				}
			} else if (fd >= 0 && fd < MAX_CONN && conns[fd]) {
				serve(conns[fd]);
			}
		}
	}
}
