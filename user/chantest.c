/*
 * chantest - channel and monitor tests run by the in-OS "chan" suite.
 *   chantest mesh N           one per core: a channel to every other core's
 *                             instance; N messages per pair (N/2 each way),
 *                             random batch sizes, every payload checked
 *   chantest sleepy-recv N    receives N messages from a partner on another
 *                             core that sends in random bursts while it naps
 *                             between them: no wake-up may be lost
 *   chantest exitpeer         a partner on another core exits with the channel
 *                             open: our next receive and send say EPIPE, and
 *                             the frame returns to its pool
 *   chantest names            register, duplicate, lookup across cores, missing
 * Exit status 0 when everything held; diagnostics on the console otherwise.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/kv.h>
#include <pikaos/monitor.h>
#include <pikaos/msg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC 1000000000ULL
static int core, ncores;

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(struct chan_msg *m, uint32_t from, uint64_t seq)
{
	chan_msg_set(m, 7, from);
	for (int i = 1; i < 7; i++)
		m->w[i] = seq * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 0x1000193 + from;
}

static int check(const struct chan_msg *m, uint32_t from, uint64_t seq)
{
	if (chan_msg_type(m) != 7 || chan_msg_flags(m) != from)
		return 0;
	for (int i = 1; i < 7; i++)
		if (m->w[i] != seq * 0x9E3779B97F4A7C15ULL + (uint64_t)i * 0x1000193 + from)
			return 0;
	return 1;
}

/* Waits for the monitor to hand us a channel (MON_NEW_CHAN), up to 60 s. */
static int wait_new_chan(struct mon_bind_data *b)
{
	uint64_t end = pika_clock_ns() + 60 * SEC;
	struct mon_notification n;
	while (pika_clock_ns() < end) {
		if (mon_next_notification(&n) && n.type == MON_NEW_CHAN) {
			*b = n.bind;
			return 0;
		}
		usleep(2000);
	}
	return -ETIMEDOUT;
}

static int bind_retry(const char *name, int c, struct chan *out)
{
	int e = -ENOENT;
	for (int i = 0; i < 600 && e == -ENOENT; i++) {
		e = mon_bind(name, c, out);
		if (e == -ENOENT)
			usleep(50000);
	}
	return e;
}

/* ---------------------------------------------------------------- mesh */
struct link {
	struct chan ch;
	int peer;
	uint64_t sent, received, bad;
};

static int mesh(uint64_t per_pair)
{
	static struct link l[64];
	int n = 0, e;
	if ((e = mon_register("mesh"))) {
		printf("chantest: core %d: register: %s\n", core, strerror(-e));
		return 1;
	}
	for (int j = core + 1; j < ncores; j++) { /* we bind to the higher cores ... */
		if ((e = bind_retry("mesh", j, &l[n].ch))) {
			printf("chantest: core %d: bind mesh@%d: %s\n", core, j, strerror(-e));
			return 1;
		}
		l[n++].peer = j;
	}
	for (int i = 0; i < core; i++) { /* ... and the lower cores bind to us */
		struct mon_bind_data b;
		if (wait_new_chan(&b)) {
			printf("chantest: core %d: no channel from core %d\n", core, i);
			return 1;
		}
		pika_chan_attach(&l[n].ch, (void *)b.va, (int)b.end);
		l[n++].peer = (int)b.peer_core;
	}
	uint64_t each = per_pair / 2, t0 = pika_clock_ns();
	int done = 0;
	struct chan_msg buf[16];
	while (!done) {
		int progress = 0;
		done = 1;
		for (int k = 0; k < n; k++) {
			struct link *x = &l[k];
			if (x->sent < each) {
				int want = 1 + (int)(rnd() % 16);
				if ((uint64_t)want > each - x->sent)
					want = (int)(each - x->sent);
				for (int i = 0; i < want; i++)
					fill(&buf[i], (uint32_t)core, x->sent + (uint64_t)i);
				int r = want == 1 ? (chan_send(&x->ch, buf) == 0) : chan_send_n(&x->ch, buf, want);
				if (r < 0) {
					printf("chantest: core %d: send to %d: %s\n", core, x->peer, strerror(-r));
					return 1;
				}
				x->sent += (uint64_t)r;
				progress += r;
			}
			if (x->received < each) {
				int r = chan_recv_n(&x->ch, buf, 1 + (int)(rnd() % 16));
				for (int i = 0; i < r; i++)
					x->bad += !check(&buf[i], (uint32_t)x->peer, x->received++);
				if (r > 0)
					progress += r;
			}
			if (x->sent < each || x->received < each)
				done = 0;
		}
		if (!progress && !done) { /* nothing moved: sleep until a peer does something */
			uint64_t token = (uint64_t)__syscall(SYS_event_prepare, 0, 0, 0, 0);
			int ready = 0;
			for (int k = 0; k < n; k++) {
				chan_sleep_begin(&l[k].ch);
				ready |= chan_can_recv(&l[k].ch);
			}
			if (!ready) /* a full ring has no flag to sleep on: re-check after 2 ms */
				__syscall(SYS_event_wait, (long)token, 2000000, 0, 0);
			for (int k = 0; k < n; k++)
				chan_sleep_end(&l[k].ch);
		}
		if (pika_clock_ns() - t0 > 300 * SEC) {
			printf("chantest: core %d: mesh did not finish in 300 s\n", core);
			return 1;
		}
	}
	uint64_t bad = 0, sleeps = 0, wakes = 0;
	for (int k = 0; k < n; k++) {
		bad += l[k].bad;
		sleeps += l[k].ch.sleeps;
		wakes += l[k].ch.wakes;
		if (l[k].sent != each || l[k].received != each)
			bad++;
	}
	uint64_t ms = (pika_clock_ns() - t0) / 1000000;
	printf("chantest: core %d: %d links, %lu messages each way per link in %lu ms, %lu bad, %lu wakes\n",
	       core, n, (unsigned long)each, (unsigned long)ms, (unsigned long)bad, (unsigned long)wakes);
	(void)sleeps;
	/* stay until every peer has read everything we sent, then close */
	for (int k = 0; k < n; k++) {
		uint64_t end = pika_clock_ns() + 60 * SEC;
		while (chan_unread(&l[k].ch) && !chan_peer_closed(&l[k].ch) && pika_clock_ns() < end)
			usleep(1000);
	}
	for (int k = 0; k < n; k++)
		pika_chan_close(&l[k].ch);
	return bad ? 1 : 0;
}

/* ---------------------------------------------------------------- sleepy */
static int sleepy_send(uint64_t n, int target)
{
	struct chan c;
	int e = bind_retry("sleepy", target, &c);
	if (e) {
		printf("chantest: sleepy-send: bind: %s\n", strerror(-e));
		return 1;
	}
	rng ^= (uint64_t)getpid();
	for (uint64_t i = 0; i < n;) {
		uint64_t burst = 1 + rnd() % 64;
		for (uint64_t k = 0; k < burst && i < n; k++, i++) {
			struct chan_msg m;
			fill(&m, 1, i);
			if ((e = chan_send_wait(&c, &m, 30 * SEC))) {
				printf("chantest: sleepy-send: %s at %lu\n", strerror(-e), (unsigned long)i);
				return 1;
			}
		}
		if (rnd() % 3 == 0)
			usleep((useconds_t)(rnd() % 3000)); /* the receiver goes to sleep meanwhile */
	}
	/* wait until everything was read before the exit closes the channel */
	uint64_t end = pika_clock_ns() + 60 * SEC;
	while (chan_unread(&c) && pika_clock_ns() < end)
		usleep(1000);
	printf("chantest: sleepy-send: %lu sent, %lu wake-ups sent\n", (unsigned long)n, (unsigned long)c.wakes);
	return 0;
}

static int sleepy_recv(uint64_t n)
{
	int e = mon_register("sleepy");
	if (e)
		return 1;
	char args[40];
	int other = ncores > 1 ? (core + 1) % ncores : core;
	snprintf(args, sizeof(args), "chantest sleepy-send %lu %d", (unsigned long)n, core);
	if (mon_spawn(args, other) < 0) {
		printf("chantest: sleepy-recv: cannot spawn the sender\n");
		return 1;
	}
	struct mon_bind_data b;
	if (wait_new_chan(&b))
		return 1;
	struct chan c;
	pika_chan_attach(&c, (void *)b.va, (int)b.end);
	c.spin = 0; /* sleep as soon as the ring is empty */
	uint64_t t0 = pika_clock_ns(), bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct chan_msg m;
		if ((e = chan_recv_wait(&c, &m, 20 * SEC))) {
			printf("chantest: sleepy-recv: %s after %lu messages (lost wake-up?)\n", strerror(-e),
			       (unsigned long)i);
			return 1;
		}
		bad += !check(&m, 1, i);
		if (rnd() % 2000 == 0)
			usleep((useconds_t)(rnd() % 2000));
	}
	uint64_t ms = (pika_clock_ns() - t0) / 1000000;
	printf("chantest: sleepy-recv: %lu messages in %lu ms, %lu bad, slept %lu times\n", (unsigned long)n,
	       (unsigned long)ms, (unsigned long)bad, (unsigned long)c.sleeps);
	pika_chan_close(&c);
	return bad || c.sleeps == 0 || ms > 120000 ? 1 : 0;
}

/* ---------------------------------------------------------------- exitpeer */
static int exitpeer_child(int target)
{
	struct chan c;
	if (bind_retry("ep", target, &c))
		return 1;
	struct chan_msg m;
	fill(&m, 3, 0);
	chan_send_wait(&c, &m, 10 * SEC);
	return 0; /* exits with the channel open */
}

static int exitpeer(void)
{
	int other = ncores > 1 ? ncores - 1 : 0;
	struct pika_core_stats before, after;
	if (mon_register("ep") || mon_stats(other, &before))
		return 1;
	char args[40];
	snprintf(args, sizeof(args), "chantest exitpeer-child %d", core);
	if (mon_spawn(args, other) < 0)
		return 1;
	struct mon_bind_data b;
	if (wait_new_chan(&b))
		return 1;
	struct chan c;
	pika_chan_attach(&c, (void *)b.va, (int)b.end);
	struct chan_msg m;
	int ok = 1, e;
	if ((e = chan_recv_wait(&c, &m, 20 * SEC)) || !check(&m, 3, 0)) {
		printf("chantest: exitpeer: first message: %d\n", e);
		ok = 0;
	}
	e = chan_recv_wait(&c, &m, 20 * SEC); /* the peer exits: this must end, with EPIPE */
	if (e != -EPIPE) {
		printf("chantest: exitpeer: receive after the exit gave %d, not EPIPE\n", e);
		ok = 0;
	}
	fill(&m, 0, 1);
	e = chan_send(&c, &m);
	if (e != -EPIPE) {
		printf("chantest: exitpeer: send after the exit gave %d, not EPIPE\n", e);
		ok = 0;
	}
	pika_chan_close(&c);
	/* the frame (and the child's monitor channel) return to core `other`'s pool */
	uint64_t end = pika_clock_ns() + 20 * SEC;
	do {
		usleep(10000);
		if (mon_stats(other, &after))
			return 1;
	} while (after.chan_free != before.chan_free && pika_clock_ns() < end);
	if (after.chan_free != before.chan_free) {
		printf("chantest: exitpeer: core %d pool: %lu free before, %lu after\n", other, before.chan_free,
		       after.chan_free);
		ok = 0;
	}
	return ok ? 0 : 1;
}

/* ---------------------------------------------------------------- names */
/*
 * Requests of several messages (pikaos/msg.h), written by hand on the monitor
 * channel: one longer than MSG_REQ_MAX is refused with -E2BIG, one abandoned
 * half-way is dropped, and the monitor answers the next request as usual.
 */
static int long_requests(void)
{
	struct chan *mc = mon_chan();
	struct chan_msg m;
	int bad = 0;
	const uint32_t id = 0x7ffff000u;
	for (int i = 0; i <= MSG_REQ_MAX / MSG_DATA; i++) { /* one part too many */
		msg_init(&m, MON_LOOKUP, i < MSG_REQ_MAX / MSG_DATA ? MSG_MORE : 0, id, 0);
		if (chan_send_wait(mc, &m, 10000000000ULL))
			return 1;
	}
	int32_t st = 1;
	while (chan_recv_wait(mc, &m, 10000000000ULL) == 0)
		if ((chan_msg_flags(&m) & MSG_REPLY) && msg_id(&m) == id) {
			st = msg_status(&m);
			break;
		}
	if (st != -E2BIG)
		printf("chantest: names: a %d-byte request gave %d\n", MSG_REQ_MAX + MSG_DATA, st), bad++;
	msg_init(&m, MON_LOOKUP, MSG_MORE, id + 1, 0); /* and never the rest */
	chan_send_wait(mc, &m, 10000000000ULL);
	int e = mon_lookup("nope", core);
	if (e != -ENOENT)
		printf("chantest: names: lookup after an abandoned request gave %d\n", e), bad++;
	return bad;
}

static int names(void)
{
	char me[24], other[24];
	int bad = 0, e;
	snprintf(me, sizeof(me), "alpha-%d", core);
	if ((e = mon_register(me)))
		printf("chantest: names: register %s: %d\n", me, e), bad++;
	if ((e = mon_register(me)) != -EEXIST)
		printf("chantest: names: duplicate %s gave %d\n", me, e), bad++;
	if ((e = mon_lookup(me, core)) != getpid())
		printf("chantest: names: lookup %s@%d gave %d\n", me, core, e), bad++;
	for (int c = 0; c < ncores; c++) {
		snprintf(other, sizeof(other), "alpha-%d", c);
		int pid = -ENOENT;
		for (int i = 0; i < 400 && pid == -ENOENT; i++) {
			pid = mon_lookup(other, c);
			if (pid == -ENOENT)
				usleep(50000);
		}
		if (pid <= 0 || pid / 1000000 != c)
			printf("chantest: names: lookup %s@%d gave %d\n", other, c, pid), bad++;
		if ((e = mon_lookup("nope", c)) != -ENOENT)
			printf("chantest: names: missing name on core %d gave %d\n", c, e), bad++;
	}
	if ((e = mon_lookup(me, ncores)) != -EINVAL)
		printf("chantest: names: lookup on core %d gave %d\n", ncores, e), bad++;
	if ((e = mon_register("a-name-much-too-long-for-the-table")) != -ENAMETOOLONG)
		printf("chantest: names: long name gave %d\n", e), bad++;
	bad += long_requests();
	sleep(2); /* let the other cores find our name */
	if ((e = mon_unregister(me)) || (e = mon_lookup(me, core)) != -ENOENT)
		printf("chantest: names: after unregister: %d\n", e), bad++;
	return bad ? 1 : 0;
}

/* The wake-ups of this core's processes, by pid. */
static int wakeups(struct pika_proc_info *p, int max)
{
	long n = __syscall(SYS_proc_list, (long)p, max, 0, 0);
	return n < 0 ? 0 : (int)n;
}

static unsigned long wakeups_of(const struct pika_proc_info *p, int n, int pid)
{
	for (int i = 0; i < n; i++)
		if (p[i].pid == pid)
			return p[i].wakeups;
	return 0;
}

/*
 * Wake-ups name their process: one request to a sleeping server on this
 * core (kvd) wakes exactly that server (and its reply exactly us), no other
 * process of the core, and nobody spuriously.
 */
static int wakecount(void)
{
	int kvd = pika_spawn("kvd", NULL, PIKA_CORE_SELF);
	struct chan kv;
	int e = -ENOENT;
	for (int i = 0; i < 200 && (e = mon_bind("kv", core, &kv)) == -ENOENT; i++)
		usleep(10000);
	if (kvd < 0 || e) {
		printf("chantest: wakecount: no kvd (%d, %d)\n", kvd, e);
		return 1;
	}
	struct kv_req q;
	memset(&q, 0, sizeof(q));
	strcpy(q.key, "wake");
	q.value = 1;
	if (msg_call(&kv, KV_PUT, &q, sizeof(q), NULL, 0, NULL, 10 * SEC)) /* it runs */
		return 1;
	usleep(200000); /* everyone settles: kvd asleep in its loop */
	static struct pika_proc_info a[64], b[64];
	struct pika_core_stats s0, s1;
	int na = wakeups(a, 64);
	__syscall(SYS_stats, (long)&s0, 0, 0, 0);
	uint64_t v = 0;
	e = msg_call(&kv, KV_GET, &q, sizeof(q), &v, sizeof(v), NULL, 10 * SEC);
	__syscall(SYS_stats, (long)&s1, 0, 0, 0);
	int nb = wakeups(b, 64);
	int ok = e == 0 && v == 1;
	for (int i = 0; i < nb; i++) {
		unsigned long d = b[i].wakeups - wakeups_of(a, na, b[i].pid);
		unsigned long want = b[i].pid == kvd ? 1 : b[i].pid == getpid() ? d : 0;
		if (d != want || (b[i].pid == getpid() && d > 1)) {
			printf("chantest: wakecount: %s (pid %d) woken %lu times, want %lu\n", b[i].name, b[i].pid, d,
			       want);
			ok = 0;
		}
	}
	if (s1.wakes_spurious != s0.wakes_spurious) {
		printf("chantest: wakecount: %lu spurious wake-ups\n", s1.wakes_spurious - s0.wakes_spurious);
		ok = 0;
	}
	msg_call(&kv, KV_QUIT, NULL, 0, NULL, 0, NULL, 10 * SEC);
	int st;
	pika_wait(kvd, &st, NULL);
	printf("chantest: wakecount: core %d: %s\n", core, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

/* Both ends of a channel to ourselves (a service we registered): the bind's
 * reply gives end 0, the monitor's notice end 1. */
static int self_channel(const char *name, struct chan *a, struct chan *b, int pages)
{
	struct mon_bind_data nb;
	if (mon_bind_pages(name, core, pages, a) || wait_new_chan(&nb))
		return -1;
	pika_chan_attach(b, (void *)nb.va, (int)nb.end);
	return 0;
}

/*
 * The kernel's facts about a channel are its own: this process rewrites
 * the header of a channel it holds both ends of (pages, pids, magic,
 * closed flags) and closes it. The kernel must unmap exactly the frames it
 * mapped (the next channel, mapped right after it, keeps working: it used
 * to be unmapped by a forged page count), and SYS_chan_info must still say
 * the truth. The ktest checks the pool comes back whole.
 */
static int header_lies(void)
{
	if (mon_register("hl"))
		return 1;
	struct chan a0, a1, b0, b1;
	if (self_channel("hl", &a0, &a1, 2) || self_channel("hl", &b0, &b1, 1)) {
		printf("chantest: header-lies: no channels\n");
		return 1;
	}
	struct chan_frame *f = a0.f;
	f->hdr.pages = 100000; /* as if the channel were 400 MB */
	f->hdr.end[0].pid = f->hdr.end[1].pid = 4242;
	f->hdr.end[0].core = f->hdr.end[1].core = 77;
	f->ctl[0].closed = f->ctl[1].closed = 1;
	f->hdr.id ^= 0x1000;
	struct pika_chan_info in;
	int ok = 1;
	if (__syscall(SYS_chan_info, (long)a0.f, (long)&in, 0, 0) || in.pages != 2) {
		printf("chantest: header-lies: chan_info says %u pages\n", in.pages);
		ok = 0;
	}
	pika_chan_close(&a0);
	pika_chan_close(&a1);
	/* the channel mapped after it is untouched */
	struct chan_msg m;
	fill(&m, 9, 1);
	if (chan_send(&b0, &m) || chan_recv(&b1, &m) || !check(&m, 9, 1)) {
		printf("chantest: header-lies: the next channel broke\n");
		ok = 0;
	}
	pika_chan_close(&b0);
	pika_chan_close(&b1);
	mon_unregister("hl");
	usleep(100000); /* the monitor frees both channels */
	printf("chantest: header-lies: %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

/* deadpeer-server: registers "dp" and sleeps; its core is about to be
 * stopped by the isolation suite. */
static int deadpeer_server(void)
{
	if (mon_register("dp"))
		return 1;
	struct mon_bind_data b;
	if (wait_new_chan(&b))
		return 1;
	for (;;)
		usleep(1000000);
}

/* deadpeer-client CORE: binds dp@CORE and waits for a message that never
 * comes; when CORE stops, the receive must end with EPIPE (exit 0). */
static int deadpeer_client(int c)
{
	struct chan ch;
	if (bind_retry("dp", c, &ch))
		return 2;
	struct chan_msg m;
	int e = chan_recv_wait(&ch, &m, 60 * SEC);
	printf("chantest: deadpeer: the receive from core %d ended with %d\n", c, e);
	pika_chan_close(&ch);
	return e == -EPIPE ? 0 : 1;
}

/* wakeflood CORE MS: names the holder of kv@CORE's channel as fast as it
 * can for MS ms (the target core must not drown in IPIs). */
static int wakeflood(int c, uint64_t ms)
{
	struct chan kv;
	if (bind_retry("kv", c, &kv))
		return 2;
	uint64_t end = pika_clock_ns() + ms * 1000000ULL, calls = 0;
	while (pika_clock_ns() < end) {
		__syscall(SYS_chan_wake, (long)kv.f, 0, 0, 0);
		calls++;
	}
	printf("chantest: wakeflood: %lu wake-ups of kv@%d in %lu ms\n", (unsigned long)calls, c, (unsigned long)ms);
	msg_call(&kv, KV_QUIT, NULL, 0, NULL, 0, NULL, 10 * SEC);
	return 0;
}

/* An idle server: asleep in event_wait, nothing due for `secs` seconds. */
static int idle(uint64_t secs)
{
	uint64_t end = pika_clock_ns() + secs * SEC;
	for (uint64_t now; (now = pika_clock_ns()) < end;)
		__syscall(SYS_event_wait, (long)pika_kinfo()->ev_gen, (long)(end - now), 0, 0);
	return 0;
}

int main(int argc, char **argv)
{
	core = pika_getcore();
	ncores = pika_ncores();
	rng += (uint64_t)core * 7919;
	const char *mode = argc > 1 ? argv[1] : "";
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 0;
	if (strcmp(mode, "mesh") == 0)
		return mesh(n ? n : 1000000);
	if (strcmp(mode, "sleepy-recv") == 0)
		return sleepy_recv(n ? n : 100000);
	if (strcmp(mode, "sleepy-send") == 0)
		return sleepy_send(n, argc > 3 ? atoi(argv[3]) : 0);
	if (strcmp(mode, "exitpeer") == 0)
		return exitpeer();
	if (strcmp(mode, "exitpeer-child") == 0)
		return exitpeer_child((int)n);
	if (strcmp(mode, "names") == 0)
		return names();
	if (strcmp(mode, "wakecount") == 0)
		return wakecount();
	if (strcmp(mode, "idle") == 0)
		return idle(n ? n : 1);
	if (strcmp(mode, "header-lies") == 0)
		return header_lies();
	if (strcmp(mode, "wakeflood") == 0)
		return wakeflood((int)n, argc > 3 ? strtoull(argv[3], NULL, 10) : 500);
	if (strcmp(mode, "deadpeer-server") == 0)
		return deadpeer_server();
	if (strcmp(mode, "deadpeer-client") == 0)
		return deadpeer_client((int)n);
	printf("usage: chantest mesh|sleepy-recv|exitpeer|names|wakecount|idle|header-lies|wakeflood|deadpeer-server|deadpeer-client [N]\n");
	return 2;
}
