/* monitor_client.c - see pikaos/monitor.h. */
#include "internal.h"

#include <errno.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <string.h>

static struct chan mc;
static int have_mc;
static uint32_t next_id = 1;
static struct mon_notification pending[32];
static int npending;

struct chan *mon_chan(void)
{
	if (have_mc == 2)
		return NULL; /* released to an event loop */
	if (have_mc)
		return &mc;
	long va = __sys(SYS_monitor_connect, 10000000000L, 0, 0, 0);
	if (va < 0)
		return NULL;
	pika_chan_attach(&mc, (void *)va, 1);
	have_mc = 1;
	return &mc;
}

struct chan *mon_release(void)
{
	struct chan *c = mon_chan();
	if (c)
		have_mc = 2;
	return c;
}

static void keep_notification(struct chan_msg *m)
{
	if (npending == (int)(sizeof(pending) / sizeof(pending[0])))
		return; /* nobody is reading them: drop */
	pending[npending].type = chan_msg_type(m);
	memcpy(&pending[npending].bind, msg_cdata(m), sizeof(pending[npending].bind));
	npending++;
}

int mon_next_notification(struct mon_notification *n)
{
	struct chan *c = mon_chan();
	struct chan_msg m;
	while (c && chan_recv(c, &m) == 0) {
		if (!(chan_msg_flags(&m) & MSG_REPLY))
			keep_notification(&m);
	}
	if (!npending)
		return 0;
	*n = pending[0];
	memmove(pending, pending + 1, sizeof(pending[0]) * (size_t)--npending);
	return 1;
}

int mon_call(uint32_t type, const void *data, size_t len, void *reply, size_t max, size_t *got)
{
	struct chan *c = mon_chan();
	if (!c)
		return -ENOSYS;
	struct chan_msg m;
	uint32_t id = next_id++;
	int e = msg_send(c, type, 0, id, 0, data, len, 10000000000ULL);
	if (e)
		return e;
	size_t n = 0;
	for (;;) {
		e = chan_recv_wait(c, &m, 30000000000ULL);
		if (e)
			return e;
		if (!(chan_msg_flags(&m) & MSG_REPLY)) {
			keep_notification(&m);
			continue;
		}
		if (msg_id(&m) != id)
			continue; /* a stale reply to an abandoned call */
		if (msg_take_reply(&m, reply, max, &n)) {
			if (got)
				*got = n;
			return msg_status(&m);
		}
	}
}

static int name_call(uint32_t type, const char *name, int core, int pages, void *reply, size_t max)
{
	struct mon_name_req r;
	memset(&r, 0, sizeof(r));
	if (strlen(name) >= MON_NAME_MAX)
		return -ENAMETOOLONG;
	if (core < 0 || core > 0xffff || pages < 0 || pages > 0xffff)
		return -EINVAL;
	r.core = (uint16_t)core;
	r.pages = (uint16_t)pages;
	strcpy(r.name, name);
	return mon_call(type, &r, sizeof(r), reply, max, NULL);
}

int mon_register(const char *name)
{
	if (strlen(name) >= MON_NAME_MAX)
		return -ENAMETOOLONG;
	return mon_call(MON_REGISTER, name, strlen(name) + 1, NULL, 0, NULL);
}

int mon_unregister(const char *name)
{
	if (strlen(name) >= MON_NAME_MAX)
		return -ENAMETOOLONG;
	return mon_call(MON_UNREGISTER, name, strlen(name) + 1, NULL, 0, NULL);
}

int mon_lookup(const char *name, int core) { return name_call(MON_LOOKUP, name, core, 0, NULL, 0); }

int mon_bind(const char *name, int core, struct chan *out) { return mon_bind_pages(name, core, 1, out); }

int mon_bind_pages(const char *name, int core, int pages, struct chan *out)
{
	struct mon_bind_data b;
	int r = name_call(MON_BIND, name, core, pages, &b, sizeof(b));
	if (r < 0)
		return r;
	pika_chan_attach(out, (void *)b.va, (int)b.end);
	return 0;
}

int mon_spawn(const char *prog_and_args, int core)
{
	char d[MON_SPAWN_MAX + 4];
	size_t n = strlen(prog_and_args);
	if (n >= MON_SPAWN_MAX)
		return -E2BIG;
	uint32_t c = (uint32_t)core;
	memcpy(d, &c, 4);
	memcpy(d + 4, prog_and_args, n + 1);
	return mon_call(MON_SPAWN, d, n + 5, NULL, 0, NULL);
}

int mon_kill(int core, int pid)
{
	uint32_t d[2] = { (uint32_t)core, (uint32_t)pid };
	return mon_call(MON_KILL, d, sizeof(d), NULL, 0, NULL);
}

/* Bulk replies: the final status is the number of bytes. */
int mon_device(int dev)
{
	uint32_t d = (uint32_t)dev;
	return mon_call(MON_DEVICE, &d, sizeof(d), NULL, 0, NULL);
}

static long bulk(uint32_t type, int core, void *buf, size_t max)
{
	uint32_t c = (uint32_t)core;
	int r = mon_call(type, &c, sizeof(c), buf, max, NULL);
	return r < 0 ? r : (long)(r < (int)max ? (size_t)r : max);
}

long mon_ps(int core, struct pika_proc_info *buf, int max)
{
	long r = bulk(MON_PS, core, buf, (size_t)max * sizeof(*buf));
	return r < 0 ? r : r / (long)sizeof(*buf);
}

long mon_services(int core, struct mon_service *buf, int max)
{
	long r = bulk(MON_SERVICES, core, buf, (size_t)max * sizeof(*buf));
	return r < 0 ? r : r / (long)sizeof(*buf);
}

int mon_stats(int core, struct pika_core_stats *out)
{
	long r = bulk(MON_STATS, core, out, sizeof(*out));
	return r < 0 ? (int)r : 0;
}
