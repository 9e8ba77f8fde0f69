/*
 * In-OS tests: POSIX sockets and the applications on top of them, against
 * the netd of each core. They need the network up, so the suite runs only
 * when the command line starts netd and httpd everywhere with a static
 * address (tools/test-all boots "tests=sock start=netd@all,httpd@all
 * ip=..."); in other runs its tests are reported as skipped (KTEST_NEEDS_NET).
 */
#include "bootinfo.h"
#include "cmdline.h"
#include "core.h"
#include "dev.h"
#include "errno.h"
#include "ktest.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "xcall.h"

#include <fmt.h>
#include <string.h>

/* This machine's address from ip=ADDR/PREFIX,... (KTEST_NEEDS_NET made sure it is there). */
static void net_address(char *out, size_t n)
{
	char ip[64] = "";
	cmdline_get(bootinfo.cmdline, "ip", ip, sizeof(ip));
	for (char *c = ip; *c; c++)
		if (*c == '/' || *c == ',')
			*c = '\0';
	strlcpy(out, ip, n);
}

struct job {
	char prog[32];
	char args[120];
};

/* Runs a program on the core this runs on and returns its wait status. */
static u64 run_here(u64 payload)
{
	struct job j;
	memcpy(&j, (const void *)payload, sizeof(j));
	int pid = proc_spawn(j.prog, j.args, &kernel_proc);
	if (pid < 0)
		return (u64)(long)pid;
	int status = -1;
	proc_wait(&kernel_proc, pid, &status, NULL);
	return (u64)(long)status;
}

static void run_on(struct ktest_ctx *t, int core, const char *prog, const char *args)
{
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, prog, sizeof(j.prog));
	strlcpy(j.args, args, sizeof(j.args));
	u64 status = 1;
	if (core == this_core)
		status = run_here((u64)&j);
	else if (!KT_EXPECT_EQ(t, xcall_post_payload(core, run_here, &j, sizeof(j)), 0) ||
		 !KT_EXPECT_EQ(t, xcall_wait(core, 300ULL * 1000000000ULL, &status), 0))
		return;
	if (!KT_EXPECT_EQ(t, status, 0))
		ktest_note(t, "%s %s on core %d: wait status %#lx", prog, args, core, status);
}

/* The socket API test program (user/usock.c), on core 0 and on the last core. */
KTEST(sock, posix_socket_calls, KTEST_NEEDS_NET, 1)
{
	char ip[32], args[64];
	net_address(ip, sizeof(ip));
	fmt_snprintf(args, sizeof(args), "2 %s", ip);
	run_on(t, 0, "usock", args);
	if (ncores > 1)
		run_on(t, ncores - 1, "usock", args);
}

/* The in-OS HTTP load client against the httpd of every core: 400 requests,
 * new connection each, no error. */
KTEST(sock, http_load_inside_the_machine, KTEST_NEEDS_NET, 1)
{
	char ip[32], args[96];
	net_address(ip, sizeof(ip));
	fmt_snprintf(args, sizeof(args), "%s 80 conns=8 secs=60 max=400", ip);
	run_on(t, 0, "hload", args);
	fmt_snprintf(args, sizeof(args), "%s 80 conns=4 secs=60 max=200 keepalive path=/bytes/5000", ip);
	run_on(t, ncores - 1, "hload", args);
}

/* PIKA's speculative handshake with real processes (user/acceptors.c), on
 * the last core: a stalled acceptor's offers go to the other acceptor after
 * accept_timeout= and its late claims fail; a dying acceptor's offers go to
 * the survivor with their requests; nothing is lost either way. */
KTEST(sock, unclaimed_connections_go_to_another_acceptor, KTEST_NEEDS_NET, 1)
{
	run_on(t, ncores - 1, "acceptors", "test 7400");
}

/* The MSI-X table is not a driver's to map: netd of core 0 (which drives
 * the NIC) is refused the table's page, so it cannot point an interrupt at
 * another core or vector; the kernel writes the entries (irq_attach). */
KTEST(sock, drivers_cannot_map_the_msix_table, KTEST_NEEDS_NET, 1)
{
	struct proc *nd = NULL;
	for (int i = 0; i < MAX_PROCS && !nd; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_ALIVE && strcmp(p->name, "netd") == 0)
			nd = p;
	}
	if (!KT_EXPECT(t, nd && nd->devs))
		return;
	u32 dev = (u32)__builtin_ctz(nd->devs);
	const struct pika_pci_dev *d = &bootinfo.pci[dev];
	if (!KT_EXPECT(t, d->msix_cap != 0))
		return;
	u64 page = d->msix_off & ~4095UL;
	KT_EXPECT_EQ(t, dev_map(nd, dev, d->msix_bar, page, 4096), -EPERM);
	KT_EXPECT_EQ(t, dev_map(nd, dev, d->msix_bar, 0, d->bar[d->msix_bar].size), -EPERM);
}

/* ---------------------------------------------------------------- a dead netd */

static u64 pid_of_netd(u64 arg)
{
	(void)arg;
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_ALIVE && strcmp(p->name, "netd") == 0)
			return (u64)p->pid;
	}
	return 0;
}

static u64 spawn_job(u64 payload)
{
	struct job j;
	memcpy(&j, (const void *)payload, sizeof(j));
	return (u64)(long)proc_spawn(j.prog, j.args, &kernel_proc);
}

static u64 wait_job(u64 pid)
{
	int status = -1;
	proc_wait(&kernel_proc, (int)pid, &status, NULL);
	return (u64)(long)status;
}

static u64 kill_pid(u64 pid) { return (u64)(long)proc_kill(proc_find((int)pid), 9); }

/* Field i of the calling core's DMA counters (an xcall's answer is one
 * number: kernel stacks are per-core addresses). */
static u64 dma_field(u64 i)
{
	struct pika_dma_stats ds;
	dev_dma_stats(&ds);
	return ((const u64 *)&ds)[i];
}

static void dma_of_core(int core, struct pika_dma_stats *ds)
{
	u64 *f = (u64 *)ds;
	for (u64 i = 0; i < sizeof(*ds) / 8; i++)
		xcall_run(core, dma_field, i, 10 * 1000000000ULL, &f[i]);
}

/* netd of core 1 is killed while a client of that core has 4 keep-alive
 * connections busy: the client's sockets fail (ECONNRESET/EPIPE, counted
 * as errors) instead of hanging; the monitor starts netd again, the DMA
 * memory of the dead one comes back checked, httpd of core 1 listens again,
 * and 200 new connections from each core are all served. */
KTEST(sock, a_killed_netd_is_restarted, KTEST_NEEDS_NET, 2)
{
	char ip[32];
	net_address(ip, sizeof(ip));
	u64 old = 0;
	if (!KT_EXPECT_EQ(t, xcall_run(1, pid_of_netd, 0, 10 * 1000000000ULL, &old), 0) || !KT_EXPECT(t, old > 0))
		return;
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, "hload", sizeof(j.prog));
	fmt_snprintf(j.args, sizeof(j.args), "%s 80 conns=4 secs=6 keepalive", ip);
	u64 client = 0;
	KT_EXPECT_EQ(t, xcall_run_payload(1, spawn_job, &j, sizeof(j), 10 * 1000000000ULL, &client), 0);
	if (!KT_EXPECT(t, (long)client > 0))
		return;
	sched_sleep_ns(1500000000ULL); /* the client is in full swing */
	u64 r = 1;
	KT_EXPECT_EQ(t, xcall_run(1, kill_pid, old, 10 * 1000000000ULL, &r), 0);
	KT_EXPECT_EQ(t, r, 0);
	u64 status = 0;
	KT_EXPECT_EQ(t, xcall_run(1, wait_job, client, 60 * 1000000000ULL, &status), 0);
	KT_EXPECT_EQ(t, status, 0x100); /* it ended, with errors (exit 1) */
	/* the monitor's restart */
	u64 now = 0, end = now_ns() + 30 * 1000000000ULL;
	while (now_ns() < end) {
		if (xcall_run(1, pid_of_netd, 0, 10 * 1000000000ULL, &now) == 0 && now && now != old)
			break;
		sched_sleep_ns(50000000ULL);
	}
	if (!KT_EXPECT(t, now && now != old))
		return;
	/* served again, from both cores (through both netds) */
	char args[96];
	fmt_snprintf(args, sizeof(args), "%s 80 conns=4 secs=60 max=200", ip);
	run_on(t, 1, "hload", args);
	run_on(t, 0, "hload", args);
	/* the dead netd's memory: quarantined (the device masters still),
	 * released by the new netd (core 1 has no queue), checked, freed */
	struct pika_dma_stats ds;
	end = now_ns() + 5 * 1000000000ULL;
	do {
		dma_of_core(1, &ds);
		if (ds.held == 0)
			break;
		sched_sleep_ns(50000000ULL);
	} while (now_ns() < end);
	KT_EXPECT_EQ(t, ds.quarantined, 0);
	KT_EXPECT_EQ(t, ds.held, 0);
	KT_EXPECT_EQ(t, ds.corrupted, 0);
	KT_EXPECT_EQ(t, ds.lost, 0);
	KT_EXPECT(t, ds.freed > 0);
}
