/*
 * kvd - a key-value store, one per core, registered as "kv" (kv@CORE).
 *
 * The example of a per-core service (README: "Adding a per-core service"):
 * register a name with the core's monitor, hand the monitor channel to a
 * dispatcher, add every channel the monitor binds to us (MON_NEW_CHAN), and
 * answer requests by type. Protocol: pikaos/kv.h. Each core's store is its
 * own: nothing is shared between the instances.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/dispatch.h>
#include <pikaos/kv.h>
#include <pikaos/monitor.h>
#include <stdio.h>
#include <string.h>

#define KV_MAX 1024

static struct {
	char key[KV_KEY_MAX];
	uint64_t value;
	int used;
} store[KV_MAX];
static int count;
static struct disp d;

static int find(const char *key)
{
	for (int i = 0; i < KV_MAX; i++)
		if (store[i].used && strncmp(store[i].key, key, KV_KEY_MAX) == 0)
			return i;
	return -1;
}

static void h_put(struct disp_req *r)
{
	const struct kv_req *q = msg_cdata(&r->msg);
	int i = find(q->key);
	for (int k = 0; i < 0 && k < KV_MAX; k++)
		if (!store[k].used) {
			i = k;
			memcpy(store[i].key, q->key, KV_KEY_MAX);
			store[i].used = 1;
			count++;
		}
	if (i >= 0)
		store[i].value = q->value;
	disp_reply(r, i < 0 ? -ENOSPC : 0, NULL, 0);
}

static void h_get(struct disp_req *r)
{
	int i = find(((const struct kv_req *)msg_cdata(&r->msg))->key);
	disp_reply(r, i < 0 ? -ENOENT : 0, i < 0 ? NULL : &store[i].value, i < 0 ? 0 : 8);
}

static void h_del(struct disp_req *r)
{
	int i = find(((const struct kv_req *)msg_cdata(&r->msg))->key);
	if (i >= 0) {
		store[i].used = 0;
		count--;
	}
	disp_reply(r, i < 0 ? -ENOENT : 0, NULL, 0);
}

static void h_count(struct disp_req *r) { disp_reply(r, count, NULL, 0); }

static void h_quit(struct disp_req *r)
{
	disp_reply(r, 0, NULL, 0);
	d.stop = 1;
}

/* The monitor bound a client to us: serve its channel too. */
static void h_new_chan(struct disp_req *r)
{
	const struct mon_bind_data *b = msg_cdata(&r->msg);
	if (!disp_add(&d, (void *)b->va, (int)b->end, NULL))
		printf("kvd: core %d: too many clients\n", pika_getcore());
}

int main(void)
{
	int core = pika_getcore();
	int e = mon_register("kv");
	if (e) {
		printf("kvd: core %d: cannot register kv: %s\n", core, strerror(-e));
		return 1;
	}
	disp_init(&d);
	disp_adopt(&d, mon_release(), NULL);
	disp_on(&d, KV_PUT, h_put);
	disp_on(&d, KV_GET, h_get);
	disp_on(&d, KV_DEL, h_del);
	disp_on(&d, KV_COUNT, h_count);
	disp_on(&d, KV_QUIT, h_quit);
	disp_on(&d, MON_NEW_CHAN, h_new_chan);
	printf("kvd: serving kv@%d\n", core);
	disp_run(&d, 0);
	return 0;
}
