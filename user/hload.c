/*
 * hload - a small HTTP load client that runs inside pikaos (in-OS tests).
 *
 *   hload ADDR PORT [conns=N] [secs=S] [path=/] [keepalive] [max=R]
 *
 * Keeps N connections busy for S seconds (or until R responses), each
 * sending GET PATH and reading the whole response (Content-Length). Without
 * keepalive every request uses a new connection with "Connection: close".
 * Prints one line: responses, responses/s, errors, median and p99 latency.
 * Exits 0 when there were responses and no errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 256
#define MAX_SAMPLES 65536

struct slot {
	int fd;
	int connecting;
	size_t sent, got;
	long need;      /* bytes of the whole response once the header is in, else -1 */
	uint64_t start;
	char resp[2048];
};

static struct sockaddr_in dst;
static char req[300];
static size_t req_len;
static int ep, keepalive;
static uint64_t done, errors, samples[MAX_SAMPLES];
static int nsamples;
static struct slot slots[MAX_CONN];

static void slot_open(struct slot *s)
{
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	s->sent = s->got = 0;
	s->need = -1;
	s->start = pika_clock_ns();
	if (s->fd < 0) {
		errors++;
		return;
	}
	int r = connect(s->fd, (struct sockaddr *)&dst, sizeof(dst));
	s->connecting = r < 0 && errno == EINPROGRESS;
	if (r < 0 && !s->connecting) {
		errors++;
		close(s->fd);
		s->fd = -1;
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = s };
	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void slot_close(struct slot *s)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
}

static void fail(struct slot *s, const char *why)
{
	if (errors++ < 5)
		printf("hload: %s: %s\n", why, strerror(errno));
	slot_close(s);
}

/* Progress on one connection; returns 1 when a response completed. */
static int step(struct slot *s)
{
	if (s->connecting) {
		int err = 0;
		socklen_t l = sizeof(err);
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			errno = err;
			fail(s, "connect");
			return 0;
		}
		s->connecting = 0;
	}
	while (s->sent < req_len) {
		ssize_t w = write(s->fd, req + s->sent, req_len - s->sent);
		if (w < 0) {
			if (errno != EAGAIN && errno != ENOTCONN)
				fail(s, "write");
			return 0;
		}
		s->sent += (size_t)w;
		if (s->sent == req_len) { /* all out: only reading is left (EPOLLOUT would spin) */
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = s };
			epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
		}
	}
	for (;;) {
		char *into = s->resp + (s->got < sizeof(s->resp) - 1 ? s->got : 0);
		size_t room = s->got < sizeof(s->resp) - 1 ? sizeof(s->resp) - 1 - s->got : sizeof(s->resp) - 1;
		ssize_t r = read(s->fd, into, room);
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			fail(s, r == 0 ? "early end of stream" : "read");
			return 0;
		}
		s->got += (size_t)r;
		if (s->need < 0 && s->got < sizeof(s->resp)) {
			s->resp[s->got] = '\0';
			char *end = strstr(s->resp, "\r\n\r\n"), *cl = strstr(s->resp, "Content-Length: ");
			if (end && cl && strncmp(s->resp, "HTTP/1.1 200", 12) == 0)
				s->need = (end + 4 - s->resp) + atol(cl + 16);
			else if (end) {
				errno = EPROTO;
				fail(s, "bad response");
				return 0;
			}
		}
		if (s->need >= 0 && (long)s->got >= s->need)
			break;
	}
	uint64_t lat = pika_clock_ns() - s->start;
	samples[nsamples++ % MAX_SAMPLES] = lat;
	done++;
	if (keepalive) {
		s->sent = s->got = 0;
		s->need = -1;
		s->start = pika_clock_ns();
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = s };
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
		step(s);
		return 1;
	}
	slot_close(s);
	return 1;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		printf("usage: hload ADDR PORT [conns=N] [secs=S] [path=/] [keepalive] [max=R]\n");
		return 2;
	}
	int conns = 8, secs = 5;
	const char *path = "/";
	uint64_t max = 0;
	for (int i = 3; i < argc; i++) {
		if (strncmp(argv[i], "conns=", 6) == 0)
			conns = atoi(argv[i] + 6);
		else if (strncmp(argv[i], "secs=", 5) == 0)
			secs = atoi(argv[i] + 5);
		else if (strncmp(argv[i], "path=", 5) == 0)
			path = argv[i] + 5;
		else if (strncmp(argv[i], "max=", 4) == 0)
			max = strtoull(argv[i] + 4, NULL, 10);
		else if (strcmp(argv[i], "keepalive") == 0)
			keepalive = 1;
	}
	if (conns < 1 || conns > MAX_CONN || secs < 1 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		printf("hload: bad arguments\n");
		return 2;
	}
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	req_len = (size_t)snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, argv[1],
				   keepalive ? "" : "Connection: close\r\n");
	ep = epoll_create1(0);
	uint64_t t0 = pika_clock_ns(), end = t0 + (uint64_t)secs * 1000000000ull;
	for (int i = 0; i < conns; i++)
		slot_open(&slots[i]);
	struct epoll_event evs[64];
	while (pika_clock_ns() < end && (!max || done < max)) {
		int n = epoll_wait(ep, evs, 64, 100);
		for (int i = 0; i < n; i++)
			step(evs[i].data.ptr);
		uint64_t open = 0;
		for (int i = 0; i < conns; i++)
			open += slots[i].fd >= 0;
		for (int i = 0; i < conns; i++)
			if (slots[i].fd < 0 && (!max || done + open < max)) {
				slot_open(&slots[i]);
				open++;
			}
	}
	uint64_t ms = (pika_clock_ns() - t0) / 1000000 + 1;
	for (int i = 0; i < conns; i++)
		if (slots[i].fd >= 0)
			slot_close(&slots[i]);
	int k = nsamples < MAX_SAMPLES ? nsamples : MAX_SAMPLES;
	qsort(samples, (size_t)k, sizeof(samples[0]), cmp);
	printf("hload: %llu responses in %llu ms, %llu/s, %llu errors, latency median %llu us p99 %llu us\n",
	       (unsigned long long)done, (unsigned long long)ms, (unsigned long long)(done * 1000 / ms),
	       (unsigned long long)errors, (unsigned long long)(k ? samples[k / 2] / 1000 : 0),
	       (unsigned long long)(k ? samples[k * 99 / 100] / 1000 : 0));
	return done > 0 && errors == 0 ? 0 : 1;
}
