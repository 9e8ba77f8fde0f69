/*
 * libFuzzer target: the monitor protocol (monitor/monitor.c) against
 * hostile processes and a hostile peer monitor. The monitor is compiled
 * into this file (its state is reset before every input) over a fake
 * kernel and dispatcher: its system calls and its calls to the other
 * core's monitor answer what the input says (errors, lies, garbage
 * replies). The input is a little program: processes connect and end
 * (kernel events), send any request with any bytes on their channel or on
 * the peer channel, close their channels, and time passes (restarts).
 *
 * Checks: no crash or sanitizer report; every request that wants an
 * answer gets exactly one, of a size the dispatcher can send; a name never
 * outlives its process; a failing service is started again at most
 * RESTART_MAX times in a RESTART_WINDOW; the monitor never asks the kernel
 * to kill unless the operator asked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <pikaos.h>
#include <pikaos/dispatch.h>
#include <pikaos/monitor.h>

int fuzz_monitor_one(const uint8_t *data, size_t size);

/* ---------------------------------------------------------------- the input */

static const uint8_t *in;
static size_t in_left;

static uint8_t take8(void)
{
	if (!in_left)
		return 0;
	in_left--;
	return *in++;
}
static uint16_t take16(void) { return (uint16_t)(take8() << 8 | take8()); }
static uint32_t take32(void) { return (uint32_t)take16() << 16 | take16(); }

/* ---------------------------------------------------------------- a fake kernel */

#define PROCS 8
static struct {
	int pid;
	bool alive, exited, waited;
	int status;
	char name[32];
} procs[PROCS];
static int next_pid;
static uint64_t clock_ns;
static struct pika_kevent kq[16];
static int nkq;
static bool req_from_peer; /* the request being handled came on a peer monitor's channel */
static int req_client;     /* else: the pid the channel belongs to (0: none) */
static int operator_pid;   /* monitor.c's (defined there, below) */
static char cmdline[256];

static int proc_new(const char *name)
{
	for (int i = 0; i < PROCS; i++)
		if (!procs[i].alive && (!procs[i].exited || procs[i].waited)) {
			procs[i] = (typeof(procs[i])){ .pid = ++next_pid, .alive = true };
			snprintf(procs[i].name, sizeof(procs[i].name), "%s", name);
			return i;
		}
	return -1;
}

long __syscall(long nr, long a0, long a1, long a2, long a3)
{
	(void)a2, (void)a3;
	switch (nr) {
	case SYS_kevents: {
		int n = nkq < a1 ? nkq : (int)a1;
		memcpy((void *)a0, kq, (size_t)n * sizeof(kq[0]));
		memmove(kq, kq + n, (size_t)(nkq - n) * sizeof(kq[0]));
		nkq -= n;
		return n;
	}
	case SYS_chan_create:
		return take8() % 8 ? (long)(0x100000 + (take16() << 12)) : -ENOMEM;
	case SYS_chan_grant:
		return take8() % 8 ? (long)(PIKA_CHAN_BASE + (uint64_t)(1 + take8() % 100) * PIKA_CHAN_SLOT_SIZE)
				   : -(long)(1 + take8() % 40);
	case SYS_proc_list: {
		struct pika_proc_info *list = (void *)a0;
		long n = 0;
		for (int i = 0; i < PROCS && n < a1; i++)
			if (procs[i].alive) {
				memset(&list[n], 0, sizeof(list[n]));
				list[n].pid = procs[i].pid;
				list[n].state = 1;
				snprintf(list[n].name, sizeof(list[n].name), "%s", procs[i].name);
				n++;
			}
		return n;
	}
	case SYS_stats:
		memset((void *)a0, 0, sizeof(struct pika_core_stats));
		return 0;
	case SYS_kill:
		/* only for the operator's shell, or for a monitor that checked its own */
		if (!req_from_peer && (!operator_pid || req_client != operator_pid))
			abort();
		return take8() & 1 ? 0 : -EPERM;
	case SYS_chan_free:
	case SYS_chan_close:
	case SYS_dev_grant:
	case SYS_cap_grant:
		return take8() % 4 ? 0 : -EINVAL;
	default:
		return -ENOSYS;
	}
}

int pika_spawn(const char *prog, const char *args, int core)
{
	(void)args, (void)core;
	if (take8() % 8 == 0) {
		errno = ENOENT;
		return -1;
	}
	int i = proc_new(prog);
	if (i < 0) {
		errno = EAGAIN;
		return -1;
	}
	return procs[i].pid;
}

int pika_wait(int pid, int *status, struct pika_exit_info *info)
{
	for (int i = 0; i < PROCS; i++)
		if (procs[i].pid == pid && procs[i].exited && !procs[i].waited) {
			procs[i].waited = true;
			*status = procs[i].status;
			memset(info, 0, sizeof(*info));
			info->vector = (procs[i].status & 0x7f) == 11 ? 14 : -1;
			return pid;
		}
	errno = ECHILD;
	return -1;
}

long pika_cmdline(char *buf, size_t n)
{
	snprintf(buf, n, "%s", cmdline);
	return 0;
}

uint64_t pika_clock_ns(void) { return clock_ns; }
int getpid(void) { return 1; }
int pika_chan_close(struct chan *c)
{
	(void)c;
	return 0;
}

/* ---------------------------------------------------------------- a fake dispatcher */

#define CHANS 64
static struct disp_chan chans[CHANS];
static bool chan_used[CHANS];
static disp_handler handlers[DISP_MAX_TYPES];
static int answers; /* of the request being handled */

void disp_init(struct disp *d) { memset(d, 0, sizeof(*d)); }

struct disp_chan *disp_add(struct disp *d, void *va, int end, void *user)
{
	(void)d;
	if (take8() % 16 == 0)
		return NULL;
	for (int i = 0; i < CHANS; i++)
		if (!chan_used[i]) {
			chan_used[i] = true;
			memset(&chans[i], 0, sizeof(chans[i]));
			chans[i].ch.f = va;
			chans[i].ch.end = end;
			chans[i].user = user;
			return &chans[i];
		}
	return NULL;
}

void disp_remove(struct disp *d, struct disp_chan *dc)
{
	(void)d;
	chan_used[dc - chans] = false;
}

void disp_on(struct disp *d, uint32_t type, disp_handler h)
{
	(void)d;
	if (type < DISP_MAX_TYPES)
		handlers[type] = h;
}

void disp_run(struct disp *d, uint64_t until) { (void)d, (void)until; }

int disp_reply(struct disp_req *r, int32_t status, const void *data, size_t len)
{
	(void)r, (void)status;
	if (len && !data)
		abort();
	if (len)
		(void)*(volatile const char *)data, (void)*((volatile const char *)data + len - 1);
	answers++;
	return 0;
}

int disp_notify(struct disp_chan *dc, uint32_t type, const void *data, size_t len)
{
	(void)dc, (void)type, (void)data;
	if (len > MSG_DATA)
		abort(); /* a notification is one message: it would be refused */
	return 0;
}

/* A call to the peer monitor: whatever the input says it answered. */
int disp_call(struct disp *d, struct disp_chan *dc, uint32_t type, const void *data, size_t len, void *reply,
	      size_t max, size_t *got, uint64_t timeout_ns)
{
	(void)d, (void)dc, (void)type, (void)data, (void)len, (void)timeout_ns;
	int st = (int)(int16_t)take16();
	size_t n = take16() % (MSG_REQ_MAX + 1);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		((uint8_t *)reply)[i] = take8();
	if (got)
		*got = n;
	return st;
}

/* ---------------------------------------------------------------- the monitor itself */

#define main monitor_main
#include "monitor/monitor.c"
#undef main

static void reset_monitor(void)
{
	memset(&d, 0, sizeof(d));
	core = ncores = mypid = 0;
	memset(peer, 0, sizeof(peer));
	memset(names, 0, sizeof(names));
	memset(clients, 0, sizeof(clients));
	memset(children, 0, sizeof(children));
	operator_pid = 0;
	snprintf(drivers, sizeof(drivers), "netd");
}

static struct pika_kinfo *kinfo;

static void request(struct disp_chan *dc)
{
	static struct disp_req r;
	memset(&r, 0, sizeof(r));
	uint8_t t = take8();
	uint32_t type = t < 160 ? 1 + t % 10 : t < 200 ? MON_NEW_CHAN + t % 3 : t < 240 ? MON_PEER_BIND + t % 3 : t;
	uint32_t id = take8() ? 1 + take8() : 0; /* 0: a one-way message */
	msg_init(&r.msg, type, 0, id, 0);
	r.dc = dc;
	r.len = MSG_DATA * (size_t)(1 + take8() % (MSG_REQ_MAX / MSG_DATA));
	uint8_t form = take8();
	for (size_t i = 0; i < r.len; i++) /* mostly small numbers and names; sometimes anything */
		r.data[i] = (char)(form & 1 ? take8() : i < 4 ? take8() % 3 : "netd\0hello\0"[i % 11]);
	memcpy(msg_data(&r.msg), r.data, MSG_DATA);
	answers = 0;
	req_from_peer = from_peer(dc);
	req_client = client_pid(dc);
	if (type < DISP_MAX_TYPES && handlers[type]) {
		handlers[type](&r);
		if (id && answers != 1 && type != MON_PEER_CLOSED && type != MON_NEW_CHAN && type != MON_PEER_HELLO)
			abort(); /* a caller waits for exactly one answer */
		if (answers > 1)
			abort();
	}
}

static struct disp_chan *some_chan(void)
{
	int k = take8() % CHANS;
	for (int i = 0; i < CHANS; i++) {
		int j = (k + i) % CHANS;
		if (chan_used[j])
			return &chans[j];
	}
	return NULL;
}

static void exit_proc(int i, int status)
{
	if (!procs[i].alive || nkq == 16) /* the kernel's queue never overflows here */
		return;
	procs[i].alive = false;
	procs[i].exited = true;
	procs[i].status = status;
	if (nkq < 16)
		kq[nkq++] = (struct pika_kevent){ PIKA_KEV_PROC_EXIT, procs[i].pid, (unsigned long)status, 0 };
}

int fuzz_monitor_one(const uint8_t *data, size_t size)
{
	if (!kinfo) {
		kinfo = mmap((void *)PIKA_KINFO_VA, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			     -1, 0);
		if (kinfo == MAP_FAILED)
			abort();
	}
	in = data;
	in_left = size;
	memset(procs, 0, sizeof(procs));
	memset(chan_used, 0, sizeof(chan_used));
	memset(handlers, 0, sizeof(handlers));
	next_pid = 1;
	nkq = 0;
	clock_ns = 1000000000ULL;
	uint8_t first = take8();
	kinfo->core = first & 1;
	kinfo->ncores = 2;
	snprintf(cmdline, sizeof(cmdline), "%s", first & 2 ? "start=netd@all,httpd@0,bad@9 drivers=netd,ixgbe" : "");
	reset_monitor();
	monitor_main();
	for (int steps = 0; in_left && steps < 2048; steps++) {
		uint8_t op = take8();
		switch (op % 8) {
		case 0: { /* a process starts and asks for its monitor channel */
			int i = proc_new(take8() & 1 ? "netd" : "hostile");
			if (i >= 0 && nkq < 16)
				kq[nkq++] = (struct pika_kevent){ PIKA_KEV_CONNECT, procs[i].pid, 0, 0 };
			break;
		}
		case 1: { /* one ends: cleanly, with an error, or killed */
			int i = take8() % PROCS;
			uint8_t how = take8() % 3;
			exit_proc(i, how == 0 ? 0 : how == 1 ? 1 << 8 : 11);
			break;
		}
		case 2: /* a channel end closed somewhere */
			if (nkq < 16)
				kq[nkq++] = (struct pika_kevent){ PIKA_KEV_CHAN_CLOSED, (int)take8(), take32(), take8() % 3 };
			break;
		case 3: case 4: case 5: { /* a request on some channel (a client's or the peer's) */
			struct disp_chan *dc = some_chan();
			if (dc)
				request(dc);
			break;
		}
		case 6: { /* a channel's peer closed */
			struct disp_chan *dc = some_chan();
			if (dc && d.closed)
				d.closed(&d, dc);
			break;
		}
		default: /* time passes; the loop's idle turn */
			clock_ns += (uint64_t)take16() * 1000000ULL;
			break;
		}
		if (d.idle)
			d.idle(&d, NULL);
		/* a name never outlives its process */
		for (int n = 0; n < MAX_NAMES; n++) {
			if (!names[n].pid)
				continue;
			bool alive = false;
			for (int i = 0; i < PROCS; i++)
				alive |= procs[i].alive && procs[i].pid == names[n].pid;
			if (!alive && nkq == 0) {
				fprintf(stderr, "fuzz_monitor: name %s of pid %d outlived it\n", names[n].name, names[n].pid);
				abort();
			}
		}
		/* restarts are bounded: within the window, at most RESTART_MAX per service */
		for (int c = 0; c < MAX_CHILDREN; c++)
			if (children[c].restarts > RESTART_MAX + 1)
				abort();
	}
	return 0;
}

#ifdef NETD_FUZZ_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fuzz_monitor_one(data, size); }
#endif
