/*
 * tools/bench/oload.c - an open-loop HTTP client (make bench's lb workload).
 *
 *   oload ADDR PORT RATE SECONDS OUT [PATH] [TIMEOUT_S]
 *
 * Opens connection i at start + i / RATE whatever happened to the earlier
 * ones (wrk is closed-loop: a slow server slows its clients, which hides the
 * tail PIKA's evaluation is about), sends "GET PATH HTTP/1.1" with
 * "Connection: close" and reads until the server closes. Each connection's
 * latency runs from the connect() call to the close (handshake, queueing,
 * service, close: what PIKA's service time is from the client's side).
 * PATH defaults to /core, which both servers answer with the number of the
 * core (CPU) that served it, so OUT says which web server took each
 * connection.
 *
 * OUT gets one line per connection: start_us latency_us core ok (core -1
 * and ok 0 for a connection that failed or took longer than TIMEOUT_S,
 * default 10). stdout gets one summary line:
 *   oload: sent N done N failed N rate R p50_ms X p90_ms X p99_ms X p999_ms X max_ms X
 * Exit status 0 when it ran (failures are counted, not fatal), 2 on bad use.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
	int fd;
	uint64_t start;
	int sent;
	char buf[512];
	size_t got;
};

struct rec {
	uint64_t start_us, lat_us;
	int core, ok;
};

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The core number of a /core answer ("...\r\n\r\nN\n"), or -1. */
static int core_of(const struct conn *c)
{
	const char *body = memmem(c->buf, c->got, "\r\n\r\n", 4);
	if (!body || strncmp(c->buf, "HTTP/1.1 200", 12) != 0)
		return -1;
	body += 4;
	if (body >= c->buf + c->got || *body < '0' || *body > '9')
		return -1;
	return atoi(body);
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: oload ADDR PORT RATE SECONDS OUT [PATH] [TIMEOUT_S]\n");
		return 2;
	}
	struct sockaddr_in to;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((uint16_t)atoi(argv[2]));
	double rate = atof(argv[3]), secs = atof(argv[4]);
	const char *path = argc > 6 ? argv[6] : "/core";
	uint64_t timeout = (uint64_t)((argc > 7 ? atof(argv[7]) : 10.0) * 1e6);
	if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || rate <= 0 || secs <= 0)
		return 2;
	FILE *out = fopen(argv[5], "w");
	if (!out) {
		perror("oload: OUT");
		return 2;
	}
	struct rlimit rl = { 65536, 65536 };
	setrlimit(RLIMIT_NOFILE, &rl);
	size_t total = (size_t)(rate * secs);
	struct rec *recs = calloc(total, sizeof(*recs));
	struct conn **live = calloc(total, sizeof(*live));
	char req[256];
	int reqlen = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n", path);
	int ep = epoll_create1(0);
	if (!recs || !live || ep < 0)
		return 2;
	uint64_t t0 = now_us();
	size_t next = 0, open_n = 0, done = 0, failed = 0;
	while (next < total || open_n) {
		uint64_t now = now_us();
		/* open every connection whose time has come */
		while (next < total && t0 + (uint64_t)((double)next * 1e6 / rate) <= now) {
			struct rec *r = &recs[next];
			r->start_us = now - t0;
			r->core = -1;
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
			struct conn *c = fd >= 0 ? calloc(1, sizeof(*c)) : NULL;
			if (!c || (connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0 && errno != EINPROGRESS)) {
				if (fd >= 0)
					close(fd);
				free(c);
				r->lat_us = 0;
				failed++;
				next++;
				continue;
			}
			c->fd = fd;
			c->start = now;
			struct epoll_event e = { .events = EPOLLOUT | EPOLLIN, .data.u64 = next };
			epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
			live[next] = c;
			open_n++;
			next++;
		}
		uint64_t wake = next < total ? t0 + (uint64_t)((double)next * 1e6 / rate) : now + 100000;
		int ms = wake > now ? (int)((wake - now + 999) / 1000) : 0;
		if (ms > 100)
			ms = 100;
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, ms);
		now = now_us();
		for (int i = 0; i < n; i++) {
			size_t id = (size_t)evs[i].data.u64;
			struct conn *c = live[id];
			if (!c)
				continue;
			int end = 0, ok = 0;
			if (!c->sent && (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
				int err = 0;
				socklen_t l = sizeof(err);
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (err || write(c->fd, req, (size_t)reqlen) != reqlen) {
					end = 1;
				} else {
					c->sent = 1;
					struct epoll_event e = { .events = EPOLLIN, .data.u64 = id };
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
				}
			}
			if (!end && c->sent && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
				for (;;) {
					char tmp[4096];
					ssize_t k = read(c->fd, tmp, sizeof(tmp));
					if (k > 0) {
						size_t room = sizeof(c->buf) - 1 - c->got;
						size_t take = (size_t)k < room ? (size_t)k : room;
						memcpy(c->buf + c->got, tmp, take);
						c->got += take;
						continue;
					}
					if (k == 0) {
						end = 1;
						ok = c->got > 0;
					} else if (errno != EAGAIN) {
						end = 1;
					}
					break;
				}
			}
			if (end) {
				struct rec *r = &recs[id];
				r->lat_us = now - c->start;
				r->core = ok ? core_of(c) : -1;
				r->ok = ok && c->got >= 12 && strncmp(c->buf, "HTTP/1.1 200", 12) == 0;
				if (r->ok)
					done++;
				else
					failed++;
				close(c->fd);
				free(c);
				live[id] = NULL;
				open_n--;
			}
		}
		/* give up on connections older than the timeout */
		for (size_t id = next > 20000 ? next - 20000 : 0; id < next; id++) {
			struct conn *c = live[id];
			if (c && now - c->start > timeout) {
				recs[id].lat_us = now - c->start;
				close(c->fd);
				free(c);
				live[id] = NULL;
				open_n--;
				failed++;
			}
		}
	}
	uint64_t *lat = calloc(total ? total : 1, sizeof(*lat));
	size_t nl = 0;
	for (size_t i = 0; i < total; i++) {
		fprintf(out, "%lu %lu %d %d\n", (unsigned long)recs[i].start_us, (unsigned long)recs[i].lat_us,
			recs[i].core, recs[i].ok);
		/* failures count at their latency (a timeout is at least TIMEOUT_S):
		 * the tail includes them */
		lat[nl++] = recs[i].ok ? recs[i].lat_us : (recs[i].lat_us > timeout ? recs[i].lat_us : timeout);
	}
	fclose(out);
	qsort(lat, nl, sizeof(*lat), cmp_u64);
#define PCT(p) (nl ? (double)lat[(size_t)((double)(nl - 1) * (p))] / 1000.0 : 0.0)
	double span = (double)(now_us() - t0) / 1e6;
	printf("oload: sent %zu done %zu failed %zu rate %.1f p50_ms %.3f p90_ms %.3f p99_ms %.3f p999_ms %.3f "
	       "max_ms %.3f\n",
	       total, done, failed, span > 0 ? (double)done / span : 0.0, PCT(0.50), PCT(0.90), PCT(0.99),
	       PCT(0.999), nl ? (double)lat[nl - 1] / 1000.0 : 0.0);
	return 0;
}
