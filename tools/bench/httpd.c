/*
 * tools/bench/httpd.c - the Linux guest's server for the side-by-side benchmark.
 *
 *   httpd [workers] [shared] [delay=CPU:US[:FROM-TO] | sleep=CPU:US[:FROM-TO]]...
 *                        (default: one worker per online CPU)
 *
 * The counterpart of pikaos's `httpd@all` plus `bulk discard@all`: a prefork
 * server, one worker process per CPU, pinned to it (sched_setaffinity). Every
 * worker has its own SO_REUSEPORT listeners, so the kernel spreads incoming
 * connections over the workers, and one epoll loop over non-blocking sockets:
 *   port 80  HTTP/1.1: GET or HEAD of any path answers the 4-byte page "pika"
 *            with the same headers as pikaos's httpd (same length, "Server:
 *            debian" for "Server: pikaos"); /bytes/N answers N generated
 *            bytes, byte i = i mod 251 (N <= 1 GiB), as pikaos's httpd does
 *            (make bench's lossy workload); /counters the counters below.
 *            HTTP/1.1 keeps the connection
 *            unless the request says "Connection: close"; HTTP/1.0 closes it
 *            unless it says "Connection: keep-alive". Pipelined requests are
 *            answered in order. Anything unparsable gets 400 and a close.
 *            /core answers the number of the worker's CPU ("3\n": make
 *            bench's lb workload counts who served what).
 *   port 9   discard: reads and drops everything, closes at the peer's EOF.
 * shared: one port-80 listener made before the fork and shared by every
 * worker (one accept queue, EPOLLEXCLUSIVE: what PIKA compares against)
 * instead of one SO_REUSEPORT listener each. delay=CPU:US[:FROM-TO] makes
 * the worker of CPU a slow server, as pikaos's httpd delay=: each request
 * first spins US microseconds, from FROM to TO seconds after the worker's
 * first /core request when a window is given; sleep=CPU:US[:FROM-TO] is
 * pikaos's httpd sleep=, the same server waiting instead of spinning.
 * When every worker listens the parent prints "bench-httpd: N workers ready"
 * (the init script waits for it). Built statically (gcc -static -O2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 8192
#define MAX_EVENTS 256
#define CHUNK 16384             /* body bytes per write, as pikaos's httpd */
#define BYTES_MAX (1ull << 30)  /* the largest /bytes/N, as pikaos's httpd */

/* /bytes/N's body from offset o is pattern + o % 251, CHUNK bytes at a time */
static unsigned char pattern[CHUNK + 251];

enum kind { K_LISTEN_HTTP, K_LISTEN_DISCARD, K_HTTP, K_DISCARD };

struct conn {
	int fd;
	enum kind kind;
	size_t in;          /* request bytes buffered */
	char req[REQ_MAX];
	char out[4096];     /* responses not yet written */
	size_t out_len, out_off;
	unsigned long long body_off, body_len; /* /bytes/N: sent after out */
	int close_after;    /* close once out and the body are written */
};

static int ep;
static int my_cpu, shared_fd = -1;
static struct {
	long us, from, to; /* to < 0: no end */
	int sleep;         /* sleep=: wait instead of spinning */
} slow;
static int delay_seen;
static struct timespec delay_start;

static double since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* The slow server's spin, in the window counted from the first /core. */
static void delay_request(const char *req)
{
	if (!slow.us)
		return;
	if (!delay_seen && strncmp(req + 4, "/core ", 6) == 0) {
		delay_seen = 1;
		clock_gettime(CLOCK_MONOTONIC, &delay_start);
	}
	double t = delay_seen ? since(&delay_start) : 0;
	if (t < (double)slow.from || (slow.to >= 0 && t >= (double)slow.to))
		return;
	struct timespec a;
	if (slow.sleep) {
		a.tv_sec = slow.us / 1000000;
		a.tv_nsec = slow.us % 1000000 * 1000;
		while (nanosleep(&a, &a) < 0 && errno == EINTR)
			;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (since(&a) * 1e6 < (double)slow.us)
		__asm__ volatile("pause");
}

static int listener(int port)
{
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1024) < 0) {
		perror("bench-httpd: listen");
		exit(1);
	}
	return fd;
}

static struct conn *add(int fd, enum kind kind)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->kind = kind;
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		close(fd);
		free(c);
		return NULL;
	}
	return c;
}

static void drop(struct conn *c)
{
	close(c->fd); /* also leaves the epoll set */
	free(c);
}

/* Is there a header `name` whose value contains token (both any case)? */
static int header_has(const char *h, const char *end, const char *name, const char *token)
{
	size_t nl = strlen(name), tl = strlen(token);
	while (h < end) {
		const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - h) > nl && strncasecmp(h, name, nl) == 0 && h[nl] == ':')
			for (const char *v = h + nl + 1; v + tl <= eol; v++)
				if (strncasecmp(v, token, tl) == 0)
					return 1;
		h = eol + 2;
	}
	return 0;
}

/* The counters make bench compares with pikaos's /counters: context
 * switches and interrupts of every CPU since boot (/proc/stat). */
static int counters(char *out, size_t max)
{
	unsigned long ctxt = 0, intr = 0, idle = 0, all = 0;
	char line[512];
	FILE *f = fopen("/proc/stat", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu ", 4) == 0) { /* user nice system idle iowait irq softirq ..., in 1/100 s */
			char *p = line + 4;
			for (int i = 0; i < 8; i++) {
				unsigned long v = strtoul(p, &p, 10);
				all += v;
				if (i == 3 || i == 4)
					idle += v;
			}
		} else if (strncmp(line, "ctxt ", 5) == 0)
			ctxt = strtoul(line + 5, NULL, 10);
		else if (strncmp(line, "intr ", 5) == 0)
			intr = strtoul(line + 5, NULL, 10);
	}
	if (f)
		fclose(f);
	return snprintf(out, max, "switches %lu\ninterrupts %lu\nidle_us %lu\nuptime_us %lu\n", ctxt, intr,
			idle * 10000, all * 10000);
}

/* Appends the answer to one request (req..hend, hend = after "\r\n\r\n"). */
static void answer(struct conn *c, const char *req, const char *hend)
{
	const char *eol = memmem(req, (size_t)(hend - req), "\r\n", 2);
	int head = strncmp(req, "HEAD ", 5) == 0, get = strncmp(req, "GET ", 4) == 0;
	int v11 = eol && eol - req >= 8 && memcmp(eol - 8, "HTTP/1.1", 8) == 0;
	int v10 = eol && eol - req >= 8 && memcmp(eol - 8, "HTTP/1.0", 8) == 0;
	int keep = v11 ? !header_has(eol + 2, hend, "Connection", "close")
		       : header_has(eol + 2, hend, "Connection", "keep-alive");
	if (!(get || head) || !(v10 || v11)) {
		static const char bad[] = "HTTP/1.1 400 Bad Request\r\nServer: debian\r\n"
					  "Content-Type: text/plain\r\nContent-Length: 6\r\n"
					  "Connection: close\r\n\r\nerror\n";
		memcpy(c->out + c->out_len, bad, sizeof(bad) - 1);
		c->out_len += sizeof(bad) - 1;
		c->close_after = 1;
		return;
	}
	delay_request(req);
	if (get && strncmp(req + 4, "/core ", 6) == 0) {
		char body[16];
		int n = snprintf(body, sizeof(body), "%d\n", my_cpu);
		c->out_len += (size_t)snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
					       "HTTP/1.1 200 OK\r\nServer: debian\r\nContent-Type: text/plain\r\n"
					       "Content-Length: %d\r\n%s\r\n%s",
					       n, keep ? "" : "Connection: close\r\n", body);
	} else if (get && strncmp(req + 4, "/counters ", 10) == 0) { /* make bench, between workloads */
		char body[320];
		int n = counters(body, sizeof(body));
		c->out_len += (size_t)snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
					       "HTTP/1.1 200 OK\r\nServer: debian\r\nContent-Type: text/plain\r\n"
					       "Content-Length: %d\r\n%s\r\n%s",
					       n, keep ? "" : "Connection: close\r\n", body);
	} else if (strncmp(req + 4 + head, "/bytes/", 7) == 0) {
		const char *d = req + 11 + head;
		char *end;
		unsigned long long n = strtoull(d, &end, 10);
		if (d[0] < '0' || d[0] > '9' || (*end != ' ' && *end != '?') || n > BYTES_MAX) {
			static const char bad[] = "HTTP/1.1 400 Bad Request\r\nServer: debian\r\n"
						  "Content-Type: text/plain\r\nContent-Length: 6\r\n"
						  "Connection: close\r\n\r\nerror\n";
			memcpy(c->out + c->out_len, bad, sizeof(bad) - 1);
			c->out_len += sizeof(bad) - 1;
			c->close_after = 1;
			return;
		}
		c->out_len += (size_t)snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
					       "HTTP/1.1 200 OK\r\nServer: debian\r\n"
					       "Content-Type: application/octet-stream\r\n"
					       "Content-Length: %llu\r\n%s\r\n",
					       n, keep ? "" : "Connection: close\r\n");
		c->body_off = 0;
		c->body_len = head ? 0 : n;
	} else
	c->out_len += (size_t)snprintf(c->out + c->out_len, sizeof(c->out) - c->out_len,
				       "HTTP/1.1 200 OK\r\nServer: debian\r\nContent-Type: text/plain\r\n"
				       "Content-Length: 4\r\n%s\r\n%s",
				       keep ? "" : "Connection: close\r\n", head ? "" : "pika");
	if (!keep)
		c->close_after = 1;
}

/* Writes what is pending; returns 0 to keep the connection, -1 to drop it. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (w < 0 && errno == EAGAIN) {
			struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
			return 0;
		}
		if (w <= 0)
			return -1;
		c->out_off += (size_t)w;
	}
	while (c->body_off < c->body_len) {
		unsigned long long left = c->body_len - c->body_off;
		ssize_t w = write(c->fd, pattern + c->body_off % 251, left < CHUNK ? (size_t)left : CHUNK);
		if (w < 0 && errno == EAGAIN) {
			struct epoll_event e = { .events = EPOLLOUT, .data.ptr = c };
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
			return 0;
		}
		if (w <= 0)
			return -1;
		c->body_off += (unsigned long long)w;
	}
	c->out_len = c->out_off = 0;
	c->body_off = c->body_len = 0;
	if (c->close_after)
		return -1;
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
	return 0;
}

/* Answers the complete requests buffered in c->req and writes the answers;
 * returns 0 to keep the connection, -1 to drop it. */
static int serve(struct conn *c)
{
	for (;;) {
		char *p = c->req, *end = c->req + c->in, *hend;
		/* an answer is at most ~110 bytes; one with a body goes alone */
		while (!c->close_after && !c->body_len && c->out_len + 128 < sizeof(c->out) &&
		       (hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4))) {
			answer(c, p, hend + 4);
			p = hend + 4;
		}
		c->in = (size_t)(end - p);
		memmove(c->req, p, c->in);
		if (!c->out_len)
			return c->in == sizeof(c->req) ? -1 : 0; /* -1: request too large */
		if (flush(c) < 0)
			return -1;
		if (c->out_len || !memmem(c->req, c->in, "\r\n\r\n", 4))
			return 0; /* still writing, or waiting for more of a request */
	}
}

static int http_event(struct conn *c, uint32_t ev)
{
	if (c->out_len) /* writing: read nothing more until the answers are out */
		return (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && (flush(c) < 0 || serve(c) < 0) ? -1 : 0;
	ssize_t r = read(c->fd, c->req + c->in, sizeof(c->req) - c->in);
	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r <= 0)
		return -1;
	c->in += (size_t)r;
	return serve(c);
}

static void accept_all(int lfd, enum kind kind)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd < 0)
			return;
		add(fd, kind); /* no TCP_NODELAY: pikaos's httpd does not set it either */
	}
}

static void worker(int cpu, int ready_fd)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		perror("bench-httpd: sched_setaffinity");
	my_cpu = cpu;
	ep = epoll_create1(0);
	struct conn lh = { .fd = shared_fd >= 0 ? shared_fd : listener(80), .kind = K_LISTEN_HTTP };
	struct conn ld = { .fd = listener(9), .kind = K_LISTEN_DISCARD };
	struct epoll_event e1 = { .events = EPOLLIN | (shared_fd >= 0 ? EPOLLEXCLUSIVE : 0), .data.ptr = &lh };
	struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = &ld };
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lh.fd, &e1) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, ld.fd, &e2) < 0) {
		perror("bench-httpd: epoll");
		exit(1);
	}
	if (write(ready_fd, "r", 1) != 1)
		exit(1);
	close(ready_fd);
	static char sink[65536];
	struct epoll_event evs[MAX_EVENTS];
	for (;;) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			switch (c->kind) {
			case K_LISTEN_HTTP: accept_all(c->fd, K_HTTP); break;
			case K_LISTEN_DISCARD: accept_all(c->fd, K_DISCARD); break;
			case K_HTTP:
				if (http_event(c, evs[i].events) < 0)
					drop(c);
				break;
			case K_DISCARD: {
				ssize_t r;
				while ((r = read(c->fd, sink, sizeof(sink))) > 0)
					;
				if (r == 0 || errno != EAGAIN)
					drop(c);
				break;
			}
			}
		}
	}
}

int main(int argc, char **argv)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i % 251);
	int n = (int)ncpu, p[2], shared = 0;
	struct { long us, from, to; int sleep; } delays[256];
	memset(delays, 0, sizeof(delays));
	for (int i = 1; i < argc; i++) {
		long cpu, us, from = 0, to = -1;
		int sl = !strncmp(argv[i], "sleep=", 6);
		if (!strcmp(argv[i], "shared")) {
			shared = 1;
		} else if ((!strncmp(argv[i], "delay=", 6) || sl) &&
			   (sscanf(argv[i] + 6, "%ld:%ld:%ld-%ld", &cpu, &us, &from, &to) == 4 ||
			    sscanf(argv[i] + 6, "%ld:%ld", &cpu, &us) == 2)) {
			if (cpu < 0 || cpu >= 256 || us < 0)
				return 2;
			delays[cpu].us = us;
			delays[cpu].from = from;
			delays[cpu].to = to;
			delays[cpu].sleep = sl;
		} else if (atoi(argv[i]) > 0) {
			n = atoi(argv[i]);
		} else {
			printf("bench-httpd: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	if (n < 1 || pipe(p) < 0)
		return 2;
	if (shared)
		shared_fd = listener(80);
	for (int i = 0; i < n; i++) {
		slow.us = delays[i % (int)ncpu].us;
		slow.from = delays[i % (int)ncpu].from;
		slow.to = delays[i % (int)ncpu].to;
		slow.sleep = delays[i % (int)ncpu].sleep;
		pid_t pid = fork();
		if (pid < 0) {
			perror("bench-httpd: fork");
			return 1;
		}
		if (pid == 0) {
			close(p[0]);
			worker(i % (int)ncpu, p[1]);
		}
	}
	close(p[1]);
	char b;
	int ready = 0;
	while (ready < n && read(p[0], &b, 1) == 1)
		ready++;
	if (ready < n) {
		printf("bench-httpd: only %d of %d workers started\n", ready, n);
		return 1;
	}
	printf("bench-httpd: %d workers ready\n", n);
	fflush(stdout);
	while (wait(NULL) > 0)
		;
	printf("bench-httpd: every worker exited\n");
	return 1;
}
