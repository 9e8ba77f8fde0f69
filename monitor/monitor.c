/*
 * monitor - the first process on every core (DESIGN 3).
 *
 * It holds a channel to every other core's monitor (mapped by the kernel at
 * start) and one to each process of its core that asked for one. Services:
 *   names      REGISTER / UNREGISTER / LOOKUP: "name@core" -> pid; a name is
 *              unique on its core and disappears when its process ends
 *   binding    BIND name@core: makes a channel (a frame of this core's pool),
 *              hands one end to the caller and, through the monitor of
 *              `core`, the other end to the service, which is told with a
 *              MON_NEW_CHAN notification
 *   spawn      a boot-module program on any core (its monitor runs it and
 *              becomes its parent: it reports how the program ended)
 *   ps / services / stats of any core (asked of that core's monitor)
 *   devices    a process of this core may drive a PCI function when its
 *              program is named in drivers= (default: netd)
 *   kill       the operator's shell (core 0's) may end a process of any core
 *   restart    a program of start= that ends other than with status 0 (a
 *              fault, a kill, an error) is started again after RESTART_DELAY,
 *              at most RESTART_MAX times in RESTART_WINDOW
 *   release    when both ends of a channel it made are closed (process exit
 *              included) the frame goes back to the pool; ends closed on other
 *              cores are reported to the owning monitor (MON_PEER_CLOSED)
 * It also starts the programs named by start= on the kernel command line,
 * and on core 0 the serial shell (unless tests= or noshell).
 * Every request runs in a microthread of the dispatcher, so a request that
 * needs another monitor waits for its reply without stopping the monitor.
 */
#include <ctype.h>
#include <errno.h>
#include <pikaos.h>
#include <pikaos/dispatch.h>
#include <pikaos/monitor.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PEERS 64
#define MAX_NAMES 64
#define MAX_CLIENTS 128
#define MAX_CHILDREN 128
#define PEER_TIMEOUT 20000000000ULL

static struct disp d;
static int core, ncores, mypid;
static struct disp_chan *peer[MAX_PEERS];
static struct mon_service names[MAX_NAMES];
static struct {
	int pid;
	struct disp_chan *dc;
} clients[MAX_CLIENTS];
#define RESTART_DELAY 200000000ULL      /* 200 ms: what it needs may be closing still */
#define RESTART_MAX 5
#define RESTART_WINDOW 60000000000ULL   /* 60 s */
static struct {
	int pid;
	char prog[24];
	char cmd[MON_SPAWN_MAX + 1];    /* "prog args" of a start= service; "" for others */
	uint64_t restart_at;            /* when to start it again (0: not due) */
	uint64_t window_start;
	int restarts;                   /* within the window */
} children[MAX_CHILDREN];
static int operator_pid;                /* the shell: may kill (MON_KILL) */

static bool from_peer(const struct disp_chan *dc)
{
	for (int j = 0; j < ncores && j < MAX_PEERS; j++)
		if (peer[j] && peer[j] == dc)
			return true;
	return false;
}

static int client_pid(struct disp_chan *dc)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].dc == dc)
			return clients[i].pid;
	return 0;
}

static struct disp_chan *client_chan(int pid)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].pid == pid)
			return clients[i].dc;
	return NULL;
}

static int find_name(const char *name)
{
	for (int i = 0; i < MAX_NAMES; i++)
		if (names[i].pid && strcmp(names[i].name, name) == 0)
			return i;
	return -1;
}

/* ---------------------------------------------------------------- requests */

static void h_register(struct disp_req *r)
{
	const char *name = msg_cdata(&r->msg);
	int pid = client_pid(r->dc);
	if (!pid || strnlen(name, MON_NAME_MAX) == MON_NAME_MAX || !name[0]) {
		disp_reply(r, -EINVAL, NULL, 0);
		return;
	}
	if (find_name(name) >= 0) {
		disp_reply(r, -EEXIST, NULL, 0);
		return;
	}
	for (int i = 0; i < MAX_NAMES; i++)
		if (!names[i].pid) {
			strcpy(names[i].name, name);
			names[i].pid = pid;
			names[i].core = (uint32_t)core;
			disp_reply(r, 0, NULL, 0);
			return;
		}
	disp_reply(r, -ENOSPC, NULL, 0);
}

static void h_unregister(struct disp_req *r)
{
	int i = find_name(msg_cdata(&r->msg));
	if (i < 0 || names[i].pid != client_pid(r->dc)) {
		disp_reply(r, -ENOENT, NULL, 0);
		return;
	}
	names[i].pid = 0;
	disp_reply(r, 0, NULL, 0);
}

/* Forwards r to core's monitor when it is not ours; returns 1 if it did. */
static int forward(struct disp_req *r, uint32_t target)
{
	if ((int)target == core)
		return 0;
	if (target >= (uint32_t)ncores || !peer[target]) {
		disp_reply(r, -EINVAL, NULL, 0);
		return 1;
	}
	/* several requests may be forwarded at once (each in its microthread) */
	size_t max = 16384, got = 0;
	char *buf = malloc(max);
	if (!buf) {
		disp_reply(r, -ENOMEM, NULL, 0);
		return 1;
	}
	int st = disp_call(&d, peer[target], chan_msg_type(&r->msg), r->data, r->len, buf, max, &got,
			   PEER_TIMEOUT);
	disp_reply(r, st, buf, st >= 0 && (size_t)st < got ? (size_t)st : got);
	free(buf);
	return 1;
}

static void h_lookup(struct disp_req *r)
{
	const struct mon_name_req *q = msg_cdata(&r->msg);
	if (forward(r, q->core))
		return;
	int i = find_name(q->name);
	disp_reply(r, i < 0 ? -ENOENT : names[i].pid, NULL, 0);
}

/* Hands end `end` of channel id (pages frames) to pid, or with
 * PIKA_GRANT_REMOTE records that it went to another core; the kernel keeps
 * who holds the other end (peer_core, peer_pid) to wake it. */
static long grant(int pid, uint64_t id, int end, uint32_t pages, uint32_t flags, int peer_core, int peer_pid)
{
	struct pika_chan_grant g = { pid, end, id, pages, flags, peer_core, peer_pid };
	return __syscall(SYS_chan_grant, (long)&g, 0, 0, 0);
}

/* Hands end 1 of channel id to the local service `name`; its pid or -errno. */
static int give_to_service(uint64_t id, uint32_t pages, const char *name, uint32_t ccore, int cpid)
{
	int i = find_name(name);
	if (i < 0)
		return -ENOENT;
	struct disp_chan *sdc = client_chan(names[i].pid);
	if (!sdc)
		return -ENOENT;
	long va = grant(names[i].pid, id, 1, pages, 0, (int)ccore, cpid);
	if (va < 0)
		return (int)va;
	struct mon_bind_data b;
	memset(&b, 0, sizeof(b));
	b.va = (uint64_t)va;
	b.end = 1;
	b.peer_core = ccore;
	b.peer_pid = cpid;
	strncpy(b.name, name, sizeof(b.name) - 1);
	disp_notify(sdc, MON_NEW_CHAN, &b, sizeof(b));
	return names[i].pid;
}

/* MON_PEER_BIND: a client of the sender's core binds our service. */
struct peer_bind {
	uint64_t id;
	uint32_t ccore;
	int32_t cpid;
	uint32_t pages;
	char name[MON_NAME_MAX];
};

static void h_bind(struct disp_req *r)
{
	const struct mon_name_req *q = msg_cdata(&r->msg);
	int pid = client_pid(r->dc);
	if (!pid || q->core >= (uint32_t)ncores) {
		disp_reply(r, -EINVAL, NULL, 0);
		return;
	}
	/* both ends on this core: the frames come from the core's own memory
	 * (the channel pool is for what crosses cores) */
	bool here = (int)q->core == core;
	uint32_t pages = q->pages ? q->pages : 1;
	long id = __syscall(SYS_chan_create, pages, here ? PIKA_CHAN_LOCAL : 0, 0, 0);
	if (id < 0) {
		disp_reply(r, (int)id, NULL, 0);
		return;
	}
	int spid;
	if (here) {
		spid = give_to_service((uint64_t)id, pages, q->name, (uint32_t)core, pid);
	} else {
		struct peer_bind pb = { (uint64_t)id, (uint32_t)core, pid, pages, { 0 } };
		strncpy(pb.name, q->name, sizeof(pb.name) - 1);
		spid = disp_call(&d, peer[q->core], MON_PEER_BIND, &pb, sizeof(pb), NULL, 0, NULL, PEER_TIMEOUT);
		if (spid > 0 && grant(0, (uint64_t)id, 1, pages, PIKA_GRANT_REMOTE, q->core, spid) < 0)
			spid = -EINVAL;
	}
	long va = spid > 0 ? grant(pid, (uint64_t)id, 0, pages, 0, q->core, spid) : spid;
	if (va < 0) {
		__syscall(SYS_chan_free, id, 0, 0, 0); /* frees it if the service end was never handed out */
		disp_reply(r, (int)va, NULL, 0);
		return;
	}
	struct mon_bind_data b;
	memset(&b, 0, sizeof(b));
	b.va = (uint64_t)va;
	b.end = 0;
	b.peer_core = q->core;
	b.peer_pid = spid;
	disp_reply(r, 0, &b, sizeof(b));
}

static void h_peer_bind(struct disp_req *r)
{
	struct peer_bind pb;
	if (r->len < sizeof(pb)) {
		disp_reply(r, -EINVAL, NULL, 0);
		return;
	}
	memcpy(&pb, r->data, sizeof(pb));
	pb.name[MON_NAME_MAX - 1] = '\0';
	disp_reply(r, give_to_service(pb.id, pb.pages, pb.name, pb.ccore, pb.cpid), NULL, 0);
}

static int add_child(int pid, const char *prog)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (!children[i].pid && !children[i].restart_at) {
			memset(&children[i], 0, sizeof(children[i]));
			children[i].pid = pid;
			strncpy(children[i].prog, prog, sizeof(children[i].prog) - 1);
			return i;
		}
	return -1;
}

/* Starts "prog args" here; with service set, it is restarted when it fails. */
static int spawn_cmd(const char *prog_args, bool service)
{
	char buf[MON_SPAWN_MAX + 1];
	snprintf(buf, sizeof(buf), "%s", prog_args);
	char *args = strchr(buf, ' ');
	if (args)
		*args++ = '\0';
	int pid = pika_spawn(buf, args, PIKA_CORE_SELF);
	if (pid < 0)
		return -errno;
	int i = add_child(pid, buf);
	if (i >= 0 && service)
		snprintf(children[i].cmd, sizeof(children[i].cmd), "%s", prog_args);
	return pid;
}

static int spawn_here(char *prog_args) { return spawn_cmd(prog_args, false); }

/* Services due again (the dispatcher's idle hook); the next due time in *next. */
static void restart_due(uint64_t now, uint64_t *next)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		uint64_t at = children[i].restart_at;
		if (!at)
			continue;
		if (at > now) {
			if (!*next || at < *next)
				*next = at;
			continue;
		}
		children[i].restart_at = 0;
		char args[MON_SPAWN_MAX + 4];
		snprintf(args, sizeof(args), "%s", children[i].cmd);
		char *sp = strchr(args, ' ');
		int pid = pika_spawn(children[i].prog, sp ? sp + 1 : NULL, PIKA_CORE_SELF);
		if (pid < 0) {
			printf("monitor: core %d: cannot restart %s: %s\n", core, children[i].prog, strerror(errno));
			children[i].cmd[0] = '\0';
			continue;
		}
		children[i].pid = pid;
		printf("monitor: core %d: restarted %s (pid %d)\n", core, children[i].prog, pid);
	}
}

static void h_kill(struct disp_req *r)
{
	uint32_t v[2];
	memcpy(v, msg_cdata(&r->msg), sizeof(v));
	/* the operator asks (through its own monitor when the process is elsewhere) */
	if (!from_peer(r->dc) && (!operator_pid || client_pid(r->dc) != operator_pid)) {
		disp_reply(r, -EPERM, NULL, 0);
		return;
	}
	if (forward(r, v[0]))
		return;
	disp_reply(r, (int)__syscall(SYS_kill, (int32_t)v[1], 9, 0, 0), NULL, 0);
}

static void h_spawn(struct disp_req *r)
{
	uint32_t target;
	memcpy(&target, msg_cdata(&r->msg), 4);
	if (forward(r, target))
		return;
	char cmd[MON_SPAWN_MAX + 1];
	size_t n = r->len - 4 < MON_SPAWN_MAX ? r->len - 4 : MON_SPAWN_MAX;
	memcpy(cmd, r->data + 4, n);
	cmd[n] = '\0';
	disp_reply(r, spawn_here(cmd), NULL, 0);
}

static void h_ps(struct disp_req *r)
{
	uint32_t target;
	memcpy(&target, msg_cdata(&r->msg), 4);
	if (forward(r, target))
		return;
	static struct pika_proc_info list[128];
	long n = __syscall(SYS_proc_list, (long)list, 128, 0, 0);
	if (n < 0) {
		disp_reply(r, (int)n, NULL, 0);
		return;
	}
	int bytes = (int)(n * (long)sizeof(list[0]));
	disp_reply(r, bytes, list, (size_t)bytes);
}

static void h_services(struct disp_req *r)
{
	uint32_t target;
	memcpy(&target, msg_cdata(&r->msg), 4);
	if (forward(r, target))
		return;
	struct mon_service out[MAX_NAMES];
	int n = 0;
	for (int i = 0; i < MAX_NAMES; i++)
		if (names[i].pid)
			out[n++] = names[i];
	int bytes = n * (int)sizeof(out[0]);
	disp_reply(r, bytes, out, (size_t)bytes);
}

static void h_stats(struct disp_req *r)
{
	uint32_t target;
	memcpy(&target, msg_cdata(&r->msg), 4);
	if (forward(r, target))
		return;
	struct pika_core_stats st;
	long e = __syscall(SYS_stats, (long)&st, 0, 0, 0);
	disp_reply(r, e ? (int)e : (int)sizeof(st), &st, sizeof(st));
}

static char drivers[128] = "netd";

static void h_device(struct disp_req *r)
{
	uint32_t dev;
	memcpy(&dev, msg_cdata(&r->msg), 4);
	int pid = client_pid(r->dc);
	static struct pika_proc_info list[128];
	long n = __syscall(SYS_proc_list, (long)list, 128, 0, 0);
	const char *prog = NULL;
	for (long i = 0; i < n; i++)
		if (list[i].pid == pid)
			prog = list[i].name;
	int allowed = 0;
	if (prog) {
		char copy[sizeof(drivers)];
		strcpy(copy, drivers);
		char *save;
		for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
			allowed |= strcmp(w, prog) == 0;
	}
	if (!allowed) {
		printf("monitor: core %d: %s (pid %d) may not drive device %u\n", core, prog ? prog : "?", pid, dev);
		disp_reply(r, -EPERM, NULL, 0);
		return;
	}
	disp_reply(r, (int)__syscall(SYS_dev_grant, pid, dev, 0, 0), NULL, 0);
}

static void h_peer_closed(struct disp_req *r)
{
	uint64_t id;
	memcpy(&id, msg_cdata(&r->msg), 8);
	__syscall(SYS_chan_free, (long)id, 3, 0, 0); /* the end away is closed; -EBUSY while ours is open */
}

/* ---------------------------------------------------------------- kernel notices */

static void connect_client(int pid)
{
	long id = __syscall(SYS_chan_create, 1, PIKA_CHAN_LOCAL, 0, 0);
	if (id < 0) {
		printf("monitor: core %d: no channel for pid %d: %ld\n", core, pid, id);
		return;
	}
	long mine = grant(mypid, (uint64_t)id, 0, 1, 0, core, pid);
	long theirs = mine < 0 ? mine : grant(pid, (uint64_t)id, 1, 1, PIKA_GRANT_MONITOR, core, mypid);
	struct disp_chan *dc = theirs < 0 ? NULL : disp_add(&d, (void *)mine, 0, NULL);
	int slot = -1;
	for (int i = 0; dc && i < MAX_CLIENTS && slot < 0; i++)
		if (!clients[i].pid)
			slot = i;
	if (slot < 0) {
		printf("monitor: core %d: cannot connect pid %d\n", core, pid);
		if (dc)
			disp_remove(&d, dc);
		if (mine >= 0)
			__syscall(SYS_chan_close, mine, 0, 0, 0);
		__syscall(SYS_chan_free, id, 0, 0, 0);
		return;
	}
	dc->id = (uint64_t)id;
	clients[slot].pid = pid;
	clients[slot].dc = dc;
}

static void process_ended(int pid, int status)
{
	for (int i = 0; i < MAX_NAMES; i++)
		if (names[i].pid == pid)
			names[i].pid = 0;
	/* what it sent before it ended may still be in its channel: it is no
	 * one's now (a name registered from there would outlive it) */
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].pid == pid)
			clients[i].pid = 0;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i].pid != pid)
			continue;
		struct pika_exit_info info;
		int st;
		bool failed = true;
		if (pika_wait(pid, &st, &info) == pid) {
			if (WIFEXITED(st))
				printf("monitor: core %d: %s (pid %d) exited with status %d\n", core,
				       children[i].prog, pid, WEXITSTATUS(st));
			else if (info.vector >= 0)
				printf("monitor: core %d: %s (pid %d) killed by vector %d at %#lx\n", core,
				       children[i].prog, pid, info.vector, info.rip);
			else
				printf("monitor: core %d: %s (pid %d) killed (signal %d)\n", core, children[i].prog,
				       pid, WTERMSIG(st));
			failed = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
		}
		children[i].pid = 0;
		if (!children[i].cmd[0] || !failed)
			continue;
		uint64_t now = pika_clock_ns();
		if (now - children[i].window_start > RESTART_WINDOW) {
			children[i].window_start = now;
			children[i].restarts = 0;
		}
		if (++children[i].restarts > RESTART_MAX) {
			printf("monitor: core %d: %s failed %d times in %llu s: not restarted\n", core,
			       children[i].prog, RESTART_MAX, RESTART_WINDOW / 1000000000ULL);
			children[i].cmd[0] = '\0';
			continue;
		}
		children[i].restart_at = now + RESTART_DELAY;
	}
	(void)status;
}

static int kevents(struct disp *dd, void *arg)
{
	(void)arg;
	struct pika_kevent ev[16];
	long n = __syscall(SYS_kevents, (long)ev, 16, 0, 0);
	for (long i = 0; i < n; i++) {
		switch (ev[i].type) {
		case PIKA_KEV_CONNECT:
			connect_client(ev[i].pid);
			break;
		case PIKA_KEV_PROC_EXIT:
			process_ended(ev[i].pid, (int)ev[i].a);
			break;
		case PIKA_KEV_CHAN_CLOSED:
			if ((int)ev[i].b == core)
				__syscall(SYS_chan_free, (long)ev[i].a, 0, 0, 0);
			else if (ev[i].b < (unsigned long)ncores && peer[ev[i].b])
				disp_notify(peer[ev[i].b], MON_PEER_CLOSED, &ev[i].a, sizeof(ev[i].a));
			break;
		}
	}
	uint64_t next = 0;
	restart_due(pika_clock_ns(), &next);
	dd->wake_at = next;
	return n > 0 ? (int)n : 0;
}

/* A client's channel closed (the process ended or closed it): close ours too. */
static void closed(struct disp *dd, struct disp_chan *dc)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].dc == dc) {
			clients[i].pid = 0;
			clients[i].dc = NULL;
		}
	for (int j = 0; j < ncores; j++)
		if (peer[j] == dc) {
			printf("monitor: core %d: lost the monitor of core %d\n", core, j);
			peer[j] = NULL;
		}
	pika_chan_close(&dc->ch); /* before disp_remove, which may free dc */
	disp_remove(dd, dc);
}

/* ---------------------------------------------------------------- start-up */

#define START_ALL (-1)

/* The CORE of a start item: START_ALL for "all", a decimal core number, or
 * -EINVAL for anything else ("all:ARG" puts the argument after the core). */
static int start_core(const char *s)
{
	if (strcmp(s, "all") == 0)
		return START_ALL;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v > 4096)
		return -EINVAL;
	return (int)v;
}

static void start_programs(void)
{
	static char cl[1024];
	if (pika_cmdline(cl, sizeof(cl)) < 0)
		return;
	cl[sizeof(cl) - 1] = '\0';
	int testing = 0, shell = 1;
	char *list = NULL;
	for (char *w = strtok(cl, " "); w; w = strtok(NULL, " ")) {
		if (strncmp(w, "start=", 6) == 0)
			list = w + 6;
		else if (strncmp(w, "tests=", 6) == 0)
			testing = 1;
		else if (strcmp(w, "noshell") == 0)
			shell = 0;
		else if (strncmp(w, "drivers=", 8) == 0)
			snprintf(drivers, sizeof(drivers), "%s", w + 8);
	}
	if (core == 0 && shell && !testing) {
		char sh[] = "shell";
		int pid = spawn_here(sh);
		if (pid < 0 && pid != -ENOENT)
			printf("monitor: core 0: cannot start the shell: %d\n", pid);
		else if (pid > 0) { /* the operator's console: halt, kill */
			__syscall(SYS_cap_grant, pid, PIKA_CAP_POWEROFF, 0, 0);
			operator_pid = pid;
		}
	}
	if (!list)
		return;
	char *save;
	for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *at = strrchr(item, '@');
		int on = at ? start_core(at + 1) : -EINVAL;
		if (on == -EINVAL || on >= ncores) {
			/* Every monitor parses the same list; core 0 speaks for all. */
			if (core == 0)
				printf("monitor: start item '%s': want PROG[:ARG...]@CORE, CORE all or 0-%d\n",
				       item, ncores - 1);
			continue;
		}
		*at = '\0';
		if (on != START_ALL && on != core)
			continue;
		for (char *p = item; *p; p++)
			if (*p == ':')
				*p = ' ';
		char name[32];
		snprintf(name, sizeof(name), "%s", item);
		int pid = spawn_cmd(item, true);
		if (pid < 0)
			printf("monitor: core %d: cannot start %s: %s\n", core, name, strerror(-pid));
		else
			printf("monitor: core %d: started %s (pid %d)\n", core, name, pid);
	}
}

int main(void)
{
	core = pika_getcore();
	ncores = pika_ncores();
	mypid = getpid();
	disp_init(&d);
	d.idle = kevents;
	d.closed = closed;
	for (int j = 0; j < ncores && j < MAX_PEERS; j++)
		if (j != core)
			peer[j] = disp_add(&d, (void *)(PIKA_CHAN_BASE + (uint64_t)(1 + j) * PIKA_CHAN_SLOT_SIZE), core < j ? 0 : 1,
					   NULL);
	disp_on(&d, MON_REGISTER, h_register);
	disp_on(&d, MON_UNREGISTER, h_unregister);
	disp_on(&d, MON_LOOKUP, h_lookup);
	disp_on(&d, MON_BIND, h_bind);
	disp_on(&d, MON_SPAWN, h_spawn);
	disp_on(&d, MON_PS, h_ps);
	disp_on(&d, MON_SERVICES, h_services);
	disp_on(&d, MON_STATS, h_stats);
	disp_on(&d, MON_DEVICE, h_device);
	disp_on(&d, MON_KILL, h_kill);
	disp_on(&d, MON_PEER_BIND, h_peer_bind);
	disp_on(&d, MON_PEER_CLOSED, h_peer_closed);
	start_programs();
	disp_run(&d, 0);
	return 0;
}
