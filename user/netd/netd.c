/*
 * netd.c - see netd.h. The life of a netd:
 *   1. find a NIC a driver knows (SYS_dev_list) and ask the monitor for it
 *   2. core 0: init the device (control instance), serve netctl@0;
 *      others: bind netctl@0, learn the MAC and how many queues are used
 *   3. if this core owns queue pair `core`: make its rings, post receive
 *      buffers, route its MSI-X entry here, have the control instance commit
 *      the queue, wait until the device runs, start the queue
 *   4. run: the stack, the socket service and the link in one event loop
 *      that polls the queue while frames come and sleeps (interrupts on)
 *      when none do.
 * Packet memory is the stack's own pool, placed in DMA memory so receive
 * buffers go to the device without copies.
 */
#include "netd.h"

#include <errno.h>
#include <pikaos.h>
#include <pikaos/dispatch.h>
#include <pikaos/monitor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/platform_pikaos.h"
#include <pikaos/sockproto.h>
#include "net/net.h"
#include "sock.h"

#define SEC 1000000000ULL

struct netd g;
static struct pika_platform pp;

/* ---------------------------------------------------------------- helpers */

static int parse_ip(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) < 4 || a > 255 || b > 255 || c > 255 || d > 255)
		return -1;
	*out = a << 24 | b << 16 | c << 8 | d;
	return 0;
}

/* ip=ADDR/PREFIX[,gw=GW] or ip=dhcp on the kernel command line; QEMU's user
 * network by default. With DHCP core 0 holds the lease and tells the others. */
static void read_config(void)
{
	g.addr = 0x0a00020f; /* 10.0.2.15 */
	g.mask = 0xffffff00;
	g.gw = 0x0a000202;
	static char cl[1024];
	const char *lb = NULL;
	uint32_t lb_period = 0;
	if (pika_cmdline(cl, sizeof(cl)) < 0) {
		cm_init(NULL, 0);
		return;
	}
	for (char *w = strtok(cl, " "); w; w = strtok(NULL, " ")) {
		if (strncmp(w, "lb=", 3) == 0) {
			lb = w + 3;
			continue;
		}
		if (strncmp(w, "accept_timeout=", 15) == 0) {
			int v = atoi(w + 15);
			if (v > 0 && v <= 60000)
				sock_accept_timeout = (uint64_t)v * 1000000;
			continue;
		}
		if (strncmp(w, "lb_period=", 10) == 0) {
			int v = atoi(w + 10);
			lb_period = v > 0 && v <= 10000 ? (uint32_t)v : 0;
			continue;
		}
		if (strcmp(w, "ip=dhcp") == 0) {
			g.dhcp = true;
			continue;
		}
		if (strncmp(w, "ip=", 3) != 0)
			continue;
		char *gw = strstr(w, ",gw=");
		if (gw) {
			*gw = '\0';
			parse_ip(gw + 4, &g.gw);
		}
		char *slash = strchr(w + 3, '/');
		int prefix = 24;
		if (slash) {
			*slash = '\0';
			prefix = atoi(slash + 1);
		}
		if (parse_ip(w + 3, &g.addr) == 0 && prefix > 0 && prefix <= 32)
			g.mask = prefix == 32 ? 0xffffffff : ~((1u << (32 - prefix)) - 1);
	}
	cm_init(lb, lb_period);
}

/* ---------------------------------------------------------------- stack port */

static uint64_t port_now(void *ctx)
{
	(void)ctx;
	return pika_clock_ns();
}

void port_random(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		uint64_t r = 0;
		unsigned char ok = 0;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
		if (!ok) { /* no RDRAND: stir the TSC into a xorshift */
			g.rng ^= pika_rdtsc() * 0x9E3779B97F4A7C15ULL;
			g.rng ^= g.rng << 13;
			g.rng ^= g.rng >> 7;
			g.rng ^= g.rng << 17;
			r = g.rng;
		}
		p[i] = (uint8_t)(r >> 8);
	}
}

static void port_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	printf("netd: core %d: %s%s\n", g.core, level == NET_LOG_ERR ? "error: " : "", msg);
}

static int stack_init(void)
{
	struct net_config cfg;
	net_config_default(&cfg);
	memcpy(cfg.mac, g.nd.mac, 6);
	cfg.core_id = g.core;
	cfg.pkt_bufs = 2048;
	cfg.tx_csum_offload = g.nd.tx_csum; /* the device completes TCP/UDP checksums, netd the IPv4 one */
	cfg.tcp_conns = 8192; /* 10,000 concurrent connections at SMP=2 (a port may hold 7 in 8) */
	cfg.udp_socks = 1024; /* a process may have SOCK_MAX - 1 sockets of either kind */
	cfg.tcp_rcvbuf = 254 * 1024; /* SOCK_RING_CAP less a block: a window for bulk; blocks are taken only as bytes come */
	cfg.data_blocks = 4096;
	/* the shared ICMP budget also answers echo requests: room for ping floods */
	cfg.icmp_rate_per_s = 10000;
	cfg.icmp_burst = 1000;
	g.ns_len = net_mem_size(&cfg);
	long va = g.ns_len ? __syscall(SYS_dma_alloc, (long)g.ns_len, (long)&g.ns_phys, 0, 0) : -EINVAL;
	if (va < 0)
		return (int)va;
	g.ns_mem = (uint8_t *)va;
	struct net_port port = { .now_ns = port_now, .tx = port_tx, .random = port_random, .log = port_log,
				 .owner_of = port_owner_of, .forward = port_forward, .flow_ok = port_flow_ok,
				 .conn_gone = cm_conn_gone };
	g.ns = net_init(g.ns_mem, g.ns_len, &cfg, &port);
	if (!g.ns)
		return -EINVAL;
	link_init();
	return 0;
}

/* ---------------------------------------------------------------- the loop */

#define RX_BUDGET 128 /* frames per turn before the processes' rings get a look */

/* One turn (the dispatcher runs it after handling the messages that came):
 * up to RX_BUDGET frames into the stack, due timers, every process's kicks
 * and the stack's events through the socket service (which publishes and
 * wakes each process at most once), then the queue's buffers back and one
 * transmit doorbell. Interrupts stay off while netd polls; link_arm turns
 * them on just before it sleeps. Returns the work done. */
static int pump(struct disp *d, void *arg)
{
	(void)arg;
	g.turns++;
	g.rx_more = false;
	link_fwd_flush(); /* the oldest forwarded frames first */
	int work = link_rx(RX_BUDGET);
	uint64_t now = pika_clock_ns();
	if (now >= g.next_timer || work)
		g.next_timer = net_poll(g.ns);
	work += sock_turn();
	uint64_t cm_at = cm_tick(now);
	link_finish();
	d->wake_at = g.next_timer == UINT64_MAX ? 0 : g.next_timer;
	if (cm_at && (!d->wake_at || cm_at < d->wake_at))
		d->wake_at = cm_at;
	if (link_tx_waiting() || link_fwd_waiting()) {
		/* the device frees ring slots without telling us: look again soon */
		uint64_t soon = pika_clock_ns() + 1000000;
		if (!d->wake_at || d->wake_at > soon)
			d->wake_at = soon;
	}
	if (g.nloop || g.rx_more)
		work++;
	return work;
}

/* Just before the loop sleeps (its wake-up token taken): the receive
 * interrupt on, and one last look for what came meanwhile. */
static int before_sleep(struct disp *d, void *arg)
{
	int work = pump(d, arg);
	if (!work && link_arm())
		work = 1; /* a frame came in while interrupts were off: poll again */
	return work;
}

static void rss_program(void);

void netd_close_chan(struct disp_chan *dc)
{
	for (int c = 0; c < 64; c++) {
		if (g.peer[c] != dc)
			continue;
		g.peer[c] = NULL;
		cm_peer_lost(c);
		link_peer_lost(c);
		/* the netd of a queue went: its share of the buckets goes to the
		 * others (its queue stays as it is: it cannot be re-made while the
		 * device runs) */
		if (g.core == 0 && g.started && c < g.nqueues && !g.queue_lost[c]) {
			printf("netd: core 0: netd@%d is gone: queue %d takes no more frames\n", c, c);
			g.queue_lost[c] = true;
			rss_program();
		}
	}
	pika_chan_close(&dc->ch);
	disp_remove(&g.d, dc);
}

/* A channel closed: a process's (its sockets go) or a peer's. */
static void closed(struct disp *d, struct disp_chan *dc)
{
	(void)d;
	sock_client_gone(dc);
	netd_close_chan(dc);
}

/* ---------------------------------------------------------------- control instance (core 0) */

/* RSS buckets round-robin over the queues whose netd lives (control instance). */
static void rss_program(void)
{
	if (!g.nd.has_rss || !g.nd.ops->set_rss)
		return;
	/* the key every netd predicts with */
	struct nd_rss rss = { .key_len = 40, .table_len = NETD_RSS_BUCKETS };
	memcpy(rss.key, netd_rss_key, 40);
	int live[64], n = 0;
	for (int q = 0; q < g.nqueues && q < 64; q++)
		if (!g.queue_lost[q])
			live[n++] = q;
	for (int i = 0; i < 128; i++)
		rss.table[i] = (uint16_t)(n ? live[i % n] : 0);
	int e = g.nd.ops->set_rss(&g.nd, &rss);
	if (e)
		printf("netd: RSS not set: %d\n", e);
}

static void try_start(void)
{
	if (g.started || g.committed < g.nqueues)
		return;
	int e = g.nd.ops->start(&g.nd, g.nqueues);
	if (e) {
		printf("netd: the device did not start: %d\n", e);
		return;
	}
	rss_program();
	g.started = true;
	printf("netd: %s up: %d queue pair%s, MAC %02x:%02x:%02x:%02x:%02x:%02x%s\n", g.nd.ops->name, g.nqueues,
	       g.nqueues == 1 ? "" : "s", g.nd.mac[0], g.nd.mac[1], g.nd.mac[2], g.nd.mac[3], g.nd.mac[4],
	       g.nd.mac[5], g.nd.has_rss ? ", RSS" : "");
}

static void h_info(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netctl_info in = { .nqueues = (uint16_t)g.nqueues, .max_queues = (uint16_t)g.nd.max_queues,
				  .has_rss = g.nd.has_rss, .tx_csum = g.nd.tx_csum, .rx_csum = g.nd.rx_csum,
				  .mtu = (uint16_t)g.nd.mtu, .features = g.nd.features };
	memcpy(in.mac, g.nd.mac, 6);
	disp_reply(r, 0, &in, sizeof(in));
}

static void h_queue(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct netq_setup s;
	memcpy(&s, msg_cdata(&r->msg), sizeof(s));
	/* a queue is made once, before the device starts (virtio and the
	 * 82599 alike would need a queue reset to take it again) */
	int e = g.started ? -EBUSY : (int)s.qid < g.nqueues ? g.nd.ops->queue_commit(&g.nd, &s) : -EINVAL;
	if (!e) {
		g.committed++;
		try_start();
	}
	disp_reply(r, e, &s, sizeof(s));
}

static void h_started(struct disp_req *r)
{
	if (netd_from_peer(r))
		disp_reply(r, g.started ? 1 : 0, NULL, 0);
}

/* Device-wide changes other cores ask for (filters, flow groups). */
static void h_filter(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	struct nd_filter f;
	memcpy(&f, msg_cdata(&r->msg), sizeof(f));
	int (*op)(struct netdev *, const struct nd_filter *) =
		chan_msg_type(&r->msg) == NETCTL_FILTER_ADD ? g.nd.ops->filter_add : g.nd.ops->filter_del;
	disp_reply(r, op ? op(&g.nd, &f) : -EOPNOTSUPP, NULL, 0);
}

static void h_group_move(struct disp_req *r)
{
	if (!netd_from_peer(r))
		return;
	uint32_t v[2];
	memcpy(v, msg_cdata(&r->msg), sizeof(v));
	int e = !g.nd.ops->group_move ? -EOPNOTSUPP
		: v[0] >= ND_FLOW_GROUPS || (int)v[1] >= g.nqueues ? -EINVAL
		: g.nd.ops->group_move(&g.nd, (int)v[0], (int)v[1]);
	disp_reply(r, e, NULL, 0);
}

/* Is pid of core the netd of that core? Its monitor says (MON_PS); nothing
 * the binder wrote is asked. */
static bool is_netd(uint32_t core, int pid)
{
	size_t max = 128 * sizeof(struct pika_proc_info), got = 0;
	struct pika_proc_info *list = malloc(max);
	if (!list)
		return false;
	bool yes = false;
	int st = disp_call(&g.d, g.mon, MON_PS, &core, sizeof(core), list, max, &got, 10 * SEC);
	for (size_t i = 0; st >= 0 && i < got / sizeof(list[0]); i++)
		if (list[i].pid == pid && strcmp(list[i].name, "netd") == 0)
			yes = true;
	free(list);
	return yes;
}

bool netd_from_peer(struct disp_req *r)
{
	if (r->dc->id == ROLE_PEER)
		return true;
	g.refused_peer_msgs++;
	if (msg_id(&r->msg))
		disp_reply(r, -EPERM, NULL, 0);
	return false;
}

static int connect_peer(int c);

/* A new netd of core c (the monitor restarted it) bound us: bind it back,
 * for the frames and notices we send (each side sends on the channel it bound). */
static void rebind_peer(void *arg)
{
	int c = (int)(intptr_t)arg;
	if (!g.peer[c] && connect_peer(c) == 0) {
		printf("netd: core %d: netd@%d is back\n", g.core, c);
		disp_notify(g.peer[c], NETD_KICK, NULL, 0);
	}
	g.rebinding[c] = false;
}

/* A channel bound to us: another core's netd (checked with its monitor
 * before the channel joins the loop, so none of its messages is heard
 * before), a process of this core with room for sockets (a socket client),
 * or anyone else (the shell for netstat, httpd for /counters), who may only
 * ask NETD_STATS and NETD_COUNTERS. */
static void h_new_chan(struct disp_req *r)
{
	if (r->dc != g.mon) { /* only our monitor hands us channels */
		g.refused_peer_msgs++;
		return;
	}
	struct mon_bind_data b;
	memcpy(&b, msg_cdata(&r->msg), sizeof(b));
	struct pika_chan_info in;
	if (__syscall(SYS_chan_info, (long)b.va, (long)&in, 0, 0) != 0)
		return; /* not a channel of ours: the kernel says so */
	int role = ROLE_PLAIN;
	if ((int)b.peer_core != g.core && is_netd(b.peer_core, b.peer_pid))
		role = ROLE_PEER;
	struct disp_chan *dc = disp_add(&g.d, (void *)b.va, (int)b.end, NULL);
	if (!dc)
		return;
	dc->id = (uint64_t)role;
	int pc = (int)b.peer_core;
	/* its netd channel (the one with room for frames) comes once it has
	 * registered: then it can be bound */
	if (role == ROLE_PEER && g.peers_up && pc < 64 && !g.peer[pc] && !g.rebinding[pc] &&
	    chan_data_len(&dc->ch) >= NETD_FWD_SLOTS * NETD_FWD_SLOT) {
		g.rebinding[pc] = true;
		mthread_run(mthread_create(rebind_peer, (void *)(intptr_t)pc));
	}
	if ((int)b.peer_core == g.core && dc->ch.pages >= SOCK_CHAN_PAGES) {
		dc->id = ROLE_CLIENT;
		if (!sock_new_client(dc)) {
			printf("netd: core %d: refused a socket client (pid %d)\n", g.core, b.peer_pid);
			netd_close_chan(dc);
		}
	}
}

/* ---------------------------------------------------------------- statistics */

static void h_stats(struct disp_req *r)
{
	static char text[8192];
	int n = 0;
#define OUT(...) n += snprintf(text + n, sizeof(text) - (size_t)n, __VA_ARGS__)
	struct pika_irq_info irqs[8];
	long ni = __syscall(SYS_irq_list, (long)irqs, 8, 0, 0);
	uint64_t irq_count = 0;
	for (long i = 0; i < ni; i++)
		if (irqs[i].pid == getpid())
			irq_count += irqs[i].count;
	for (long i = 0; i < ni; i++)
		if (irqs[i].pid == getpid())
			OUT("core %d irq entry %u vector %u count %lu\n", g.core, irqs[i].entry, irqs[i].vector,
			    irqs[i].count);
	OUT("core %d queue %d of %d", g.core, g.have_queue ? g.q.id : -1, g.nqueues);
	OUT(" rx %lu tx %lu rx_bytes %lu tx_bytes %lu irqs %lu polls %lu\n", g.q.stats.rx_packets,
	    g.q.stats.tx_packets, g.q.stats.rx_bytes, g.q.stats.tx_bytes, irq_count, g.q.stats.polls);
	OUT("core %d refused_peer_messages %lu\n", g.core, g.refused_peer_msgs);
	OUT("core %d doorbells rx %lu tx %lu rx_starved %lu rx_kicks %lu turns %lu sleeps %lu tx_deferred %lu "
	    "tx_waiting %u\n", g.core,
	    g.q.stats.doorbells_rx, g.q.stats.doorbells_tx, g.q.stats.rx_starved, g.q.stats.rx_kicks, g.turns,
	    g.d.sleeps, g.tx_deferred, g.txb_n);
	for (int i = 0; i < ND_DROP_MAX; i++)
		if (g.q.stats.drops[i])
			OUT("core %d drop driver.%s %lu\n", g.core, nd_drop_names[i], g.q.stats.drops[i]);
	if (g.ns) {
		const struct net_stats *st = net_stats(g.ns);
		OUT("core %d net rx_frames %lu tx_frames %lu icmp_echo_replies %lu arp_replies %lu frags_out %lu "
		    "pkt_guard_broken %lu\n",
		    g.core, st->rx_frames, st->tx_frames, st->icmp_echo_replies, st->arp_replies_out, st->frags_out,
		    st->pkt_guard_broken);
		OUT("core %d tcp passive_opens %lu active_opens %lu segs_out %lu retrans %lu resets_out %lu "
		    "cookies_sent %lu injected %lu tw_handed %lu\n",
		    g.core, st->tcp_passive_opens, st->tcp_active_opens, st->tcp_segs_out, st->tcp_retrans,
		    st->tcp_resets_out, st->tcp_cookies_sent, st->injected, st->tcp_tw_handed);
		OUT("core %d tcp loss rto %lu fast_retrans %lu tlp_probes %lu rack_recoveries %lu "
		    "rack_rexmit_lost %lu dsacks %lu\n",
		    g.core, st->tcp_rto, st->tcp_fast_retrans, st->tcp_tlp_probes, st->tcp_rack_recoveries,
		    st->tcp_rack_rexmit_lost, st->tcp_dsacks);
		struct net_usage u;
		net_usage(g.ns, &u);
		OUT("core %d memory packets %u/%u blocks %u/%u tcbs %u/%u arp %u rx_posted %d\n", g.core,
		    u.pkts_used, u.pkts_total, u.blocks_used, u.blocks_total, u.tcbs_used, u.tcbs_total, u.arp_used,
		    g.rx_posted);
		n += sock_stats(text + n, (int)sizeof(text) - n);
		n += link_stats(text + n, (int)sizeof(text) - n);
		n += cm_stats(text + n, (int)sizeof(text) - n);
		for (int i = 0; i < NET_DROP__COUNT; i++)
			if (st->drops[i])
				OUT("core %d drop net.%s %lu\n", g.core, net_drop_name(i), st->drops[i]);
	}
#undef OUT
	disp_reply(r, n, text, (size_t)n);
}

static void h_counters(struct disp_req *r)
{
	struct netd_counters k = { g.q.stats.rx_packets, g.q.stats.tx_packets, g.q.stats.doorbells_rx,
				   g.q.stats.doorbells_tx, shm_copied_in, shm_copied_out, 0, 0, g.turns, g.d.sleeps,
				   0, 0, 0, 0 };
	sock_counts(&k.sock_calls, &k.sock_oneway);
	cm_counts(&k.cm_local, &k.cm_given, &k.cm_taken);
	k.frames_forwarded = g.fwd_out;
	disp_reply(r, 0, &k, sizeof(k));
}

/* ---------------------------------------------------------------- start-up */

/* Binds netd@c (waiting up to ~20000 tries for it to register) as g.peer[c]. */
static int connect_peer(int c)
{
	struct mon_name_req req;
	memset(&req, 0, sizeof(req));
	req.core = (uint16_t)c;
	req.pages = 1 + NETD_FWD_SLOTS * NETD_FWD_SLOT / 4096; /* room for forwarded frames */
	strcpy(req.name, "netd");
	struct mon_bind_data b;
	int st = -ENOENT;
	for (int tries = 0; tries < 20000 && st == -ENOENT; tries++)
		st = disp_call(&g.d, g.mon, MON_BIND, &req, sizeof(req), &b, sizeof(b), NULL, 10 * SEC);
	if (st)
		return st;
	if (!(g.peer[c] = disp_add(&g.d, (void *)b.va, (int)b.end, NULL)))
		return -ENOMEM;
	g.peer[c]->id = ROLE_PEER; /* we bound netd@c ourselves */
	g.fwd_next[c] = 0;
	link_peer_up(c);
	return 0;
}

/* A channel to every other core's netd, for notifications. Runs as a
 * microthread of the loop: the binding requests go to the monitor over the
 * monitor channel the loop owns, and the loop keeps serving meanwhile
 * (the other netds are starting at the same time). */
static void connect_peers(void *arg)
{
	(void)arg;
	/* only now can processes bind us: every handler is in place and the
	 * dispatcher runs (a client that came earlier would wait unheard) */
	if (disp_call(&g.d, g.mon, MON_REGISTER, "netd", 5, NULL, 0, NULL, 10 * SEC))
		printf("netd: core %d: cannot register netd@%d\n", g.core, g.core);
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (c != g.core && connect_peer(c))
			printf("netd: core %d: no channel to netd@%d\n", g.core, c);
	g.peers_up = true;
	/* Frames that came while some queue had no buffers yet (the host sends
	 * from the moment the device starts) wait on their tap queue until that
	 * queue is notified (virtio_net.c, rx_kick): now that we serve, every
	 * queue is rung once. */
	h_kick(NULL);
	for (int c = 0; c < g.ncores && c < 64; c++)
		if (g.peer[c])
			disp_notify(g.peer[c], NETD_KICK, NULL, 0);
}

static int find_nic(void)
{
	long n = __syscall(SYS_dev_list, (long)g.pci, PIKA_PCI_MAX, 0, 0);
	for (long i = 0; i < n; i++)
		if (netdev_find(&g.pci[i]))
			return (int)i;
	return -1;
}

static int setup_queue(void)
{
	int e = g.nd.ops->attach(&g.nd);
	if (!e)
		e = g.nd.ops->queue_init(&g.q, g.core, RING, &g.setup);
	if (e)
		return e;
	g.q.nd = &g.nd;
	/* this queue's interrupts come to this core */
	g.irq_vec = g.nd.plat.irq_attach(g.nd.plat.ctx, g.q.msix_rx);
	if (g.irq_vec < 0)
		printf("netd: core %d: no interrupt for queue %d: %d (polling)\n", g.core, g.core, g.irq_vec);
	g.have_queue = true;
	return 0;
}

int main(void)
{
	g.core = pika_getcore();
	g.ncores = pika_ncores();
	g.rng = pika_rdtsc() ^ (uint64_t)g.core << 32;
	read_config();
	g.dev = find_nic();
	if (g.dev < 0) {
		printf("netd: core %d: no network device with a driver\n", g.core);
		return 0;
	}
	int e = mon_device(g.dev);
	if (e) {
		printf("netd: core %d: the monitor refused device %d: %s\n", g.core, g.dev, strerror(-e));
		return 1;
	}
	const struct pika_pci_dev *pci = &g.pci[g.dev];
	g.nd.ops = netdev_find(pci);
	pika_platform_init(&pp, g.dev, pci, &g.nd.plat);
	g.q.nd = &g.nd;

	if (g.core == 0) {
		if ((e = g.nd.ops->init(&g.nd))) {
			printf("netd: %s init failed: %d\n", g.nd.ops->name, e);
			return 1;
		}
		g.nqueues = g.nd.max_queues < g.ncores ? g.nd.max_queues : g.ncores;
	} else {
		for (int i = 0; i < 1200 && (e = mon_bind("netctl", 0, &g.ctl)) == -ENOENT; i++)
			usleep(50000);
		if (e) {
			printf("netd: core %d: no control instance: %s\n", g.core, strerror(-e));
			return 1;
		}
		struct netctl_info in;
		if ((e = msg_call(&g.ctl, NETCTL_INFO, NULL, 0, &in, sizeof(in), NULL, 30 * SEC)) < 0)
			return 1;
		memcpy(g.nd.mac, in.mac, 6);
		g.nd.max_queues = in.max_queues;
		g.nd.has_rss = in.has_rss;
		g.nd.tx_csum = in.tx_csum;
		g.nd.rx_csum = in.rx_csum;
		g.nd.mtu = in.mtu;
		g.nd.features = in.features;
		g.nqueues = in.nqueues;
	}
	if (g.core >= g.nqueues) {
		/* a core without a queue never gave the device its memory: what an
		 * earlier netd of this core left in quarantine can go (kernel/dev.c) */
		long n = __syscall(SYS_dev_ctl, g.dev, PIKA_DEV_DMA_RELEASE, 0, 0);
		if (n > 0)
			printf("netd: core %d: released %ld DMA frames of an earlier netd\n", g.core, n);
	}
	if ((e = stack_init())) {
		printf("netd: core %d: no memory for the stack: %d\n", g.core, e);
		return 1;
	}
	g.tx_via = g.core % (g.nqueues ? g.nqueues : 1);
	bool restarted = g.core != 0 && msg_call(&g.ctl, NETCTL_STARTED, NULL, 0, NULL, 0, NULL, 10 * SEC) == 1;
	if (restarted && g.core < g.nqueues) {
		/* our predecessor's queue stays with the device (no queue reset yet): a
		 * link server carries our frames, as for a core without a queue */
		printf("netd: core %d: restarted while the device runs: queue %d is not re-made; netd@0 carries "
		       "our frames\n", g.core, g.core);
		g.tx_via = 0;
	} else if (g.core < g.nqueues) {
		if ((e = setup_queue())) {
			printf("netd: core %d: queue setup failed: %d\n", g.core, e);
			return 1;
		}
		link_refill(); /* buffers in place before the device starts */
	}

	if (g.core == 0) {
		mon_register("netctl");
		if (g.have_queue) {
			e = g.nd.ops->queue_commit(&g.nd, &g.setup);
			if (e)
				printf("netd: queue 0 commit failed: %d\n", e);
			else
				g.committed++;
		}
		try_start();
	} else if (g.have_queue) {
		if ((e = msg_call(&g.ctl, NETCTL_QUEUE, &g.setup, sizeof(g.setup), &g.setup, sizeof(g.setup), NULL,
				  30 * SEC)) < 0) {
			printf("netd: core %d: the control instance refused queue %d: %d\n", g.core, g.core, e);
			return 1;
		}
	}

	/* a queue-owning core waits until the control instance has started the device */
	uint64_t deadline = pika_clock_ns() + 120 * SEC;
	while (g.core != 0 && g.have_queue && !g.started && pika_clock_ns() < deadline) {
		if (msg_call(&g.ctl, NETCTL_STARTED, NULL, 0, NULL, 0, NULL, 10 * SEC) == 1)
			g.started = true;
		else
			usleep(20000);
	}

	disp_init(&g.d);
	g.mon = disp_adopt(&g.d, mon_release(), NULL);
	if (g.core != 0) {
		struct disp_chan *ctl = disp_adopt(&g.d, &g.ctl, NULL);
		if (ctl)
			ctl->id = ROLE_PEER; /* netctl@0, bound by us */
	}
	disp_on(&g.d, MON_NEW_CHAN, h_new_chan);
	disp_on(&g.d, NETD_STATS, h_stats);
	disp_on(&g.d, NETD_ARP, h_arp);
	disp_on(&g.d, NETD_FRAME, h_frame);
	disp_on(&g.d, NETD_ADDR, h_addr);
	disp_on(&g.d, NETD_KICK, h_kick);
	disp_on(&g.d, NETD_COUNTERS, h_counters);
	disp_on(&g.d, NETD_OFFER, h_offer);
	disp_on(&g.d, NETD_UNPIN, h_unpin);
	disp_on(&g.d, NETD_UDP_PORT, h_udp_port);
	sock_init(&g.d);
	g.d.closed = closed;
	if (g.core == 0) {
		disp_on(&g.d, NETCTL_INFO, h_info);
		disp_on(&g.d, NETCTL_QUEUE, h_queue);
		disp_on(&g.d, NETCTL_STARTED, h_started);
		disp_on(&g.d, NETCTL_FILTER_ADD, h_filter);
		disp_on(&g.d, NETCTL_FILTER_DEL, h_filter);
		disp_on(&g.d, NETCTL_GROUP_MOVE, h_group_move);
	}
	g.d.idle = pump;
	g.d.before_sleep = before_sleep;
	g.next_timer = 0;
	/* core 0 serves the other cores' queue setups until every queue is in */
	while (g.core == 0 && !g.started && pika_clock_ns() < deadline)
		disp_run(&g.d, pika_clock_ns() + 10000000);
	if (g.have_queue) {
		if (!g.started) {
			printf("netd: core %d: the device never started\n", g.core);
			return 1;
		}
		g.nd.ops->queue_start(&g.q, &g.setup);
		g.running = true;
	}
	if (g.dhcp && g.core == 0) {
		net_dhcp_start(g.ns); /* the others hear the address from core 0 (NETD_ADDR) */
		g.addr = 0;
	} else if (!g.dhcp) {
		net_ipv4_set(g.ns, g.addr, g.mask, g.gw); /* announced now that frames can leave */
		net_arp_set(g.ns, g.addr, g.nd.mac, true); /* frames to ourselves stay here */
	} else {
		g.addr = 0;
	}
	mthread_run(mthread_create(connect_peers, NULL));
	printf("netd: core %d: %s, %u.%u.%u.%u/%d\n", g.core,
	       g.have_queue ? "serving its queue" : "no queue of its own", g.addr >> 24, (g.addr >> 16) & 255,
	       (g.addr >> 8) & 255, g.addr & 255, __builtin_popcount(g.mask));
	disp_run(&g.d, 0);
	return 0;
}
