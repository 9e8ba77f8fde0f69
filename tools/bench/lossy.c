/*
 * tools/bench/lossy.c - an impairing Ethernet relay for make bench's lossy
 * workload (the host has no netem).
 *
 *   lossy --guest IF --host TAP [--loss P] [--dup P] [--corrupt P]
 *         [--reorder P] [--reorder-frames K] [--reorder-ms MS] [--seed S]
 *   lossy --selftest
 *
 * Forwards every frame between the guest's tap IF (QEMU holds its file; the
 * relay reads and writes the interface with a packet socket) and the tap TAP
 * (opened through /dev/net/tun, IFF_TAP|IFF_NO_PI; it carries the host's
 * address), impairing each direction on its own, P in percent:
 *   --loss 5          drop the frame
 *   --corrupt 0.1     XOR one byte after the 14-byte Ethernet header with a
 *                     non-zero value (the IP or TCP checksum catches it)
 *   --dup 1           send the frame twice
 *   --reorder 1       hold the frame back until 1..K (--reorder-frames 3)
 *                     later frames of its direction went out, or at most
 *                     --reorder-ms 2 ms when none come
 * in that order (a lost frame is not duplicated; both copies of a duplicated
 * frame carry the same corruption and are held together). Every frame draws
 * the same random numbers whatever is decided, from a generator per
 * direction seeded with --seed (default 1), so frame n of a direction gets
 * the same fate on every run with that seed.
 * The guest's frames may carry partial checksums (virtio checksum offload):
 * the relay completes them before impairing, so corruption is never covered
 * by a checksum computed later. TSO/GSO frames are dropped and counted
 * (make bench switches those offloads off).
 * Prints "lossy: ready ..." when forwarding, the counters of both directions
 * on SIGUSR1 (and goes on) and on SIGTERM or SIGINT (and exits 0):
 *   lossy: to_host frames=N sent=N lost=N duplicated=N corrupted=N
 *          reordered=N late=N gso_dropped=N csum_completed=N send_errors=N
 *   lossy: to_guest ...
 *   lossy: socket_drops=N   (frames the packet socket's buffer overflowed on)
 * --selftest runs the impairment logic on made-up frames (no devices) and
 * prints TAP; exit 0 when every check passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536
#define HOLD_MAX 64
#define ETH_HLEN_ 14

struct params {
	double loss, dup, corrupt, reorder; /* probabilities, 0..1 */
	int reorder_frames;
	double reorder_ms;
	uint64_t seed;
};

struct held {
	uint8_t *frame;
	size_t len;
	int copies;    /* 2 when duplicated */
	int countdown; /* frames still to go out before this one */
	double due_ms; /* released by then at the latest */
};

struct dir {
	const char *name;
	uint64_t rng;
	const struct params *p;
	struct held hold[HOLD_MAX];
	int nheld;
	/* sends one frame; returns 0 or -1 */
	int (*emit)(void *ctx, const uint8_t *frame, size_t len);
	void *ctx;
	uint64_t frames, sent, lost, duplicated, corrupted, reordered, late, gso_dropped, csum_completed,
		send_errors;
};

static uint64_t next(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s) { return (double)(next(s) >> 11) / 9007199254740992.0; }

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void dir_init(struct dir *d, const char *name, const struct params *p, int index)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->p = p;
	d->rng = p->seed * 2 + (uint64_t)index;
	next(&d->rng);
}

static void send_copies(struct dir *d, const uint8_t *f, size_t len, int copies)
{
	for (int i = 0; i < copies; i++) {
		if (d->emit(d->ctx, f, len) < 0)
			d->send_errors++;
		else
			d->sent++;
	}
}

static void release(struct dir *d, int i)
{
	send_copies(d, d->hold[i].frame, d->hold[i].len, d->hold[i].copies);
	free(d->hold[i].frame);
	d->hold[i] = d->hold[--d->nheld];
}

/* After a frame went out: held frames whose countdown ends go out too. */
static void frame_went_out(struct dir *d)
{
	for (int i = 0; i < d->nheld; i++)
		d->hold[i].countdown--;
	for (int i = 0; i < d->nheld;)
		if (d->hold[i].countdown <= 0)
			release(d, i);
		else
			i++;
}

/* Held frames past their time go out; returns ms until the next is due (-1: none held). */
static int expire(struct dir *d, double now)
{
	double next_due = -1;
	for (int i = 0; i < d->nheld;)
		if (d->hold[i].due_ms <= now) {
			d->late++;
			release(d, i);
		} else {
			if (next_due < 0 || d->hold[i].due_ms < next_due)
				next_due = d->hold[i].due_ms;
			i++;
		}
	return next_due < 0 ? -1 : (int)(next_due - now) + 1;
}

/* One frame through the impairments (f may be changed). */
static void impair(struct dir *d, uint8_t *f, size_t len, double now)
{
	const struct params *p = d->p;
	/* the same draws for every frame, whatever is decided */
	double u_loss = uniform(&d->rng), u_corrupt = uniform(&d->rng), u_dup = uniform(&d->rng),
	       u_reorder = uniform(&d->rng);
	uint64_t r_off = next(&d->rng), r_xor = next(&d->rng), r_k = next(&d->rng);
	d->frames++;
	if (u_loss < p->loss) {
		d->lost++;
		return;
	}
	if (u_corrupt < p->corrupt && len > ETH_HLEN_) {
		f[ETH_HLEN_ + r_off % (len - ETH_HLEN_)] ^= (uint8_t)(1 + r_xor % 255);
		d->corrupted++;
	}
	int copies = 1;
	if (u_dup < p->dup) {
		copies = 2;
		d->duplicated++;
	}
	if (u_reorder < p->reorder && d->nheld < HOLD_MAX) {
		struct held *h = &d->hold[d->nheld];
		if ((h->frame = malloc(len))) {
			memcpy(h->frame, f, len);
			h->len = len;
			h->copies = copies;
			h->countdown = 1 + (int)(r_k % (uint64_t)p->reorder_frames);
			h->due_ms = now + p->reorder_ms;
			d->nheld++;
			d->reordered++;
			return;
		}
	}
	send_copies(d, f, len, copies);
	frame_went_out(d);
}

/* Completes a partial checksum (virtio NEEDS_CSUM: the field holds the
 * pseudo-header sum; the rest is summed from csum_start to the end). */
static int complete_csum(uint8_t *f, size_t len, size_t start, size_t off)
{
	if (start >= len || start + off + 2 > len)
		return -1;
	uint32_t sum = 0;
	size_t i = start;
	for (; i + 1 < len; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	if (i < len)
		sum += (uint32_t)(f[i] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	if (c == 0)
		c = 0xffff; /* the same in one's complement; 0 would mean "none" to UDP */
	f[start + off] = (uint8_t)(c >> 8);
	f[start + off + 1] = (uint8_t)c;
	return 0;
}

static void print_counters(const struct dir *d)
{
	printf("lossy: %s frames=%llu sent=%llu lost=%llu duplicated=%llu corrupted=%llu reordered=%llu "
	       "late=%llu gso_dropped=%llu csum_completed=%llu send_errors=%llu\n",
	       d->name, (unsigned long long)d->frames, (unsigned long long)d->sent,
	       (unsigned long long)d->lost, (unsigned long long)d->duplicated,
	       (unsigned long long)d->corrupted, (unsigned long long)d->reordered,
	       (unsigned long long)d->late, (unsigned long long)d->gso_dropped,
	       (unsigned long long)d->csum_completed, (unsigned long long)d->send_errors);
}

/* ---------------------------------------------------------------- devices */
static int pkt_fd, tap_fd;
static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static int to_guest(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	struct virtio_net_hdr h = { .gso_type = VIRTIO_NET_HDR_GSO_NONE };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)f, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
	return sendmsg(pkt_fd, &m, MSG_DONTWAIT) == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

static int to_host(void *ctx, const uint8_t *f, size_t len)
{
	(void)ctx;
	return write(tap_fd, f, len) == (ssize_t)len ? 0 : -1;
}

static void die(const char *what)
{
	fprintf(stderr, "lossy: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int open_guest(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	if (!idx)
		die(ifname);
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: nothing arrives before bind */
	if (fd < 0)
		die("socket(AF_PACKET)");
	int one = 1, big = 8 << 20;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		die("PACKET_VNET_HDR");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	struct sockaddr_ll a = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				 .sll_ifindex = (int)idx };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind(AF_PACKET)");
	/* whatever queued between socket() and bind() is from no interface in particular */
	uint8_t junk[FRAME_MAX];
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
		;
	return fd;
}

static int open_tap(const char *name)
{
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	if (fd < 0)
		die("/dev/net/tun");
	struct ifreq r = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &r) < 0)
		die(name);
	return fd;
}

static uint64_t socket_drops;

static void report_all(const struct dir *g2h, const struct dir *h2g)
{
	struct tpacket_stats st;
	socklen_t l = sizeof(st);
	if (getsockopt(pkt_fd, SOL_PACKET, PACKET_STATISTICS, &st, &l) == 0)
		socket_drops += st.tp_drops; /* reading resets them */
	print_counters(g2h);
	print_counters(h2g);
	printf("lossy: socket_drops=%llu\n", (unsigned long long)socket_drops);
	fflush(stdout);
}

static int relay(const char *guest, const char *host, const struct params *p)
{
	static uint8_t buf[sizeof(struct virtio_net_hdr) + FRAME_MAX];
	struct dir g2h, h2g;
	dir_init(&g2h, "to_host", p, 0);
	dir_init(&h2g, "to_guest", p, 1);
	g2h.emit = to_host;
	h2g.emit = to_guest;
	pkt_fd = open_guest(guest);
	tap_fd = open_tap(host);
	/* the signals are blocked but in ppoll, so none slips in between the
	 * check of the flags and the wait */
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waiting;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	printf("lossy: ready guest=%s host=%s loss=%g%% dup=%g%% corrupt=%g%% reorder=%g%% "
	       "(after 1..%d frames, at most %g ms) seed=%llu\n",
	       guest, host, p->loss * 100, p->dup * 100, p->corrupt * 100, p->reorder * 100,
	       p->reorder_frames, p->reorder_ms, (unsigned long long)p->seed);
	fflush(stdout);
	while (!stop) {
		if (report) {
			report = 0;
			report_all(&g2h, &h2g);
		}
		double now = now_ms();
		int t1 = expire(&g2h, now), t2 = expire(&h2g, now);
		int timeout = t1 < 0 ? t2 : t2 < 0 ? t1 : t1 < t2 ? t1 : t2;
		struct pollfd pf[2] = { { .fd = pkt_fd, .events = POLLIN }, { .fd = tap_fd, .events = POLLIN } };
		struct timespec ts = { timeout / 1000, (long)(timeout % 1000) * 1000000 };
		if (ppoll(pf, 2, timeout < 0 ? NULL : &ts, &waiting) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll");
		}
		now = now_ms();
		for (int n = 0; n < 64 && (pf[0].revents & POLLIN); n++) { /* guest -> host */
			struct sockaddr_ll from;
			socklen_t fl = sizeof(from);
			ssize_t r = recvfrom(pkt_fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
			if (r < 0)
				break;
			if (from.sll_pkttype == PACKET_OUTGOING) /* our own, or the host's, sent to the guest */
				continue;
			struct virtio_net_hdr *h = (struct virtio_net_hdr *)buf;
			uint8_t *f = buf + sizeof(*h);
			size_t len = (size_t)r - sizeof(*h);
			if ((size_t)r < sizeof(*h) + ETH_HLEN_)
				continue;
			if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
				g2h.frames++;
				g2h.gso_dropped++;
				continue;
			}
			if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
				if (complete_csum(f, len, h->csum_start, h->csum_offset) == 0)
					g2h.csum_completed++;
			}
			impair(&g2h, f, len, now);
		}
		for (int n = 0; n < 64 && (pf[1].revents & POLLIN); n++) { /* host -> guest */
			ssize_t r = read(tap_fd, buf, FRAME_MAX);
			if (r < 0)
				break;
			if (r >= ETH_HLEN_)
				impair(&h2g, buf, (size_t)r, now);
		}
	}
	report_all(&g2h, &h2g);
	return 0;
}

/* ---------------------------------------------------------------- selftest */
#define ST_FRAMES 20000
struct capture {
	int n;
	uint32_t ids[3 * ST_FRAMES];
	int changed; /* frames not as made (beyond the id) */
	int bad_corruption; /* changed in the Ethernet header, or in more than one byte */
};

static void make_frame(uint8_t *f, size_t len, uint32_t id)
{
	for (size_t i = 0; i < len; i++)
		f[i] = (uint8_t)(i * 7 + id);
	memcpy(f, &id, 4); /* in the destination address: never corrupted */
}

static int st_emit(void *ctx, const uint8_t *f, size_t len)
{
	struct capture *c = ctx;
	uint32_t id;
	memcpy(&id, f, 4);
	uint8_t ref[128];
	make_frame(ref, len, id);
	int diffs = 0, in_header = 0;
	for (size_t i = 0; i < len; i++)
		if (f[i] != ref[i]) {
			diffs++;
			in_header |= i < ETH_HLEN_;
		}
	if (diffs) {
		c->changed++;
		if (diffs != 1 || in_header)
			c->bad_corruption++;
	}
	if (c->n < 3 * ST_FRAMES)
		c->ids[c->n++] = id;
	return 0;
}

/* ST_FRAMES frames of 64 bytes, numbered, through one direction. */
static void st_run(const struct params *p, struct capture *c, struct dir *d)
{
	static uint8_t f[128];
	memset(c, 0, sizeof(*c));
	dir_init(d, "test", p, 0);
	d->emit = st_emit;
	d->ctx = c;
	for (uint32_t i = 0; i < ST_FRAMES; i++) {
		make_frame(f, 64, i);
		impair(d, f, 64, 0);
	}
	expire(d, 1e9);
}

static int st_count, st_failed;
static void check(const char *what, int ok)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++st_count, what);
	st_failed += !ok;
}

static int near(uint64_t got, double want) { return got > want * 0.85 && got < want * 1.15; }

static int selftest(void)
{
	static struct capture c, c2;
	struct dir d, d2;
	struct params none = { .reorder_frames = 3, .reorder_ms = 2, .seed = 1 };
	st_run(&none, &c, &d);
	int in_order = c.n == ST_FRAMES;
	for (int i = 0; in_order && i < c.n; i++)
		in_order = c.ids[i] == (uint32_t)i;
	check("no impairment: every frame, unchanged, in order", in_order && c.changed == 0);

	struct params all_lost = none;
	all_lost.loss = 1;
	st_run(&all_lost, &c, &d);
	check("100% loss: no frame", c.n == 0 && d.lost == ST_FRAMES);

	struct params all_dup = none;
	all_dup.dup = 1;
	st_run(&all_dup, &c, &d);
	int pairs = c.n == 2 * ST_FRAMES;
	for (int i = 0; pairs && i < c.n; i++)
		pairs = c.ids[i] == (uint32_t)(i / 2);
	check("100% duplication: every frame twice", pairs);

	struct params all_bad = none;
	all_bad.corrupt = 1;
	st_run(&all_bad, &c, &d);
	check("100% corruption: every frame, one byte changed, never the Ethernet header",
	      c.n == ST_FRAMES && c.changed == ST_FRAMES && c.bad_corruption == 0);

	struct params mixed = { .loss = 0.05, .dup = 0.01, .corrupt = 0.001, .reorder = 0.01,
				.reorder_frames = 3, .reorder_ms = 2, .seed = 7 };
	st_run(&mixed, &c, &d);
	check("the defaults' rates (5% loss, 1% dup, 1% reorder), within 15%",
	      near(d.lost, 0.05 * ST_FRAMES) && near(d.duplicated, 0.0095 * ST_FRAMES) &&
		      near(d.reordered, 0.0094 * ST_FRAMES) && d.sent == (uint64_t)c.n &&
		      d.sent == d.frames - d.lost + d.duplicated);
	/* a held frame goes out after at most 3 frames that went out; lost and
	 * held ones between do not count, so allow a few more */
	int late = 0, worst = 0, max_seen = -1;
	for (int i = 0; i < c.n; i++) {
		int id = (int)c.ids[i];
		if (id < max_seen) {
			late++;
			worst = max_seen - id > worst ? max_seen - id : worst;
		}
		max_seen = id > max_seen ? id : max_seen;
	}
	check("reordered frames arrive a few frames late, no more", late > 0 && worst <= 8);

	st_run(&mixed, &c2, &d2);
	check("the same seed, the same fate", c.n == c2.n && memcmp(c.ids, c2.ids, sizeof(c.ids)) == 0);

	/* a UDP/IPv4 frame whose checksum field holds the pseudo-header sum */
	uint8_t u[14 + 20 + 8 + 5] = { 0 };
	uint8_t ip[20] = { 0x45, 0, 0, 33, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 4, 15, 10, 0, 4, 1 };
	memcpy(u + 14, ip, 20);
	uint8_t udp[13] = { 0x30, 0x39, 0x00, 0x07, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	memcpy(u + 34, udp, 13);
	uint32_t ps = 0x0a00 + 0x040f + 0x0a00 + 0x0401 + 17 + 13;
	u[40] = (uint8_t)(ps >> 8);
	u[41] = (uint8_t)ps;
	complete_csum(u, sizeof(u), 34, 6);
	uint32_t sum = 0x0a00 + 0x040f + 0x0a00 + 0x0401 + 17 + 13; /* verify: all words sum to 0xffff */
	for (size_t i = 34; i < sizeof(u); i += 2)
		sum += (uint32_t)(u[i] << 8 | (i + 1 < sizeof(u) ? u[i + 1] : 0));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	check("a partial checksum is completed", sum == 0xffff);
	printf("1..%d\n", st_count);
	return st_failed ? 1 : 0;
}

static const char *arg; /* the option being parsed */

static void usage(void)
{
	fprintf(stderr, "usage: lossy --guest IF --host TAP [--loss P] [--dup P] [--corrupt P] [--reorder P]\n"
			"             [--reorder-frames K] [--reorder-ms MS] [--seed S]   (P in percent)\n"
			"       lossy --selftest\n");
	if (arg)
		fprintf(stderr, "lossy: bad option or value: %s\n", arg);
	else
		fprintf(stderr, "lossy: --guest and --host are needed\n");
	exit(2);
}

static double percent(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (*end || v < 0 || v > 100)
		usage();
	return v / 100;
}

int main(int argc, char **argv)
{
	struct params p = { .loss = 0.05, .dup = 0.01, .corrupt = 0.001, .reorder = 0.01,
			    .reorder_frames = 3, .reorder_ms = 2, .seed = 1 };
	const char *guest = NULL, *host = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		arg = a;
		if (strcmp(a, "--selftest") == 0)
			return selftest();
		if (!v)
			usage();
		if (strcmp(a, "--guest") == 0)
			guest = v;
		else if (strcmp(a, "--host") == 0)
			host = v;
		else if (strcmp(a, "--loss") == 0)
			p.loss = percent(v);
		else if (strcmp(a, "--dup") == 0)
			p.dup = percent(v);
		else if (strcmp(a, "--corrupt") == 0)
			p.corrupt = percent(v);
		else if (strcmp(a, "--reorder") == 0)
			p.reorder = percent(v);
		else if (strcmp(a, "--reorder-frames") == 0 && atoi(v) > 0)
			p.reorder_frames = atoi(v);
		else if (strcmp(a, "--reorder-ms") == 0 && atof(v) > 0)
			p.reorder_ms = atof(v);
		else if (strcmp(a, "--seed") == 0)
			p.seed = strtoull(v, NULL, 0);
		else
			usage();
		i++;
	}
	arg = NULL;
	if (!guest || !host)
		usage();
	return relay(guest, host, &p);
}
