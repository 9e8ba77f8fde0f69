/*
 * kvtest - tests kvd on every core through monitor-bound channels (KTAP).
 *   kvtest [DEPTH]      expects kvd running on every core; ends them (KV_QUIT)
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/kv.h>
#include <pikaos/monitor.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <utest.h>

#define T 10000000000ULL
static struct chan kv[64];
static int ncores, bound;

static int call(int c, int type, const char *key, uint64_t value, uint64_t *out)
{
	struct kv_req q;
	memset(&q, 0, sizeof(q));
	strncpy(q.key, key, KV_KEY_MAX - 1);
	q.value = value;
	return msg_call(&kv[c], (uint32_t)type, &q, sizeof(q), out, out ? 8 : 0, NULL, T);
}

UTEST(bind_kv_on_every_core)
{
	ncores = pika_ncores();
	for (int c = 0; c < ncores && c < 64; c++) {
		int e = -ENOENT;
		for (int tries = 0; tries < 200 && e == -ENOENT; tries++) { /* kvd may still be starting */
			e = mon_bind("kv", c, &kv[c]);
			if (e == -ENOENT)
				usleep(50000);
		}
		UT_EXPECT_EQ(t, e, 0);
		bound += e == 0;
	}
	UT_EXPECT_EQ(t, bound, ncores);
	struct chan none;
	UT_EXPECT_EQ(t, mon_bind("no-such-service", 0, &none), -ENOENT);
	UT_EXPECT_EQ(t, mon_bind("kv", ncores, &none), -EINVAL);
}

UTEST(put_get_del_per_core)
{
	for (int c = 0; c < bound; c++) {
		char key[24];
		for (int i = 0; i < 50; i++) {
			snprintf(key, sizeof(key), "key-%d", i);
			UT_EXPECT_EQ(t, call(c, KV_PUT, key, (uint64_t)(c * 1000 + i), NULL), 0);
		}
		uint64_t v = 0;
		UT_EXPECT_EQ(t, call(c, KV_GET, "key-7", 0, &v), 0);
		UT_EXPECT_EQ(t, v, c * 1000 + 7);
		UT_EXPECT_EQ(t, call(c, KV_PUT, "key-7", 99, NULL), 0); /* overwrite */
		UT_EXPECT_EQ(t, call(c, KV_GET, "key-7", 0, &v), 0);
		UT_EXPECT_EQ(t, v, 99);
		UT_EXPECT_EQ(t, call(c, KV_COUNT, "", 0, NULL), 50);
		UT_EXPECT_EQ(t, call(c, KV_DEL, "key-3", 0, NULL), 0);
		UT_EXPECT_EQ(t, call(c, KV_DEL, "key-3", 0, NULL), -ENOENT);
		UT_EXPECT_EQ(t, call(c, KV_GET, "missing", 0, &v), -ENOENT);
		UT_EXPECT_EQ(t, call(c, KV_COUNT, "", 0, NULL), 49);
	}
}

UTEST(each_core_has_its_own_store)
{
	if (bound < 2)
		return;
	uint64_t v = 0;
	UT_EXPECT_EQ(t, call(0, KV_PUT, "only-on-0", 5, NULL), 0);
	UT_EXPECT_EQ(t, call(1, KV_GET, "only-on-0", 0, &v), -ENOENT);
	UT_EXPECT_EQ(t, call(0, KV_GET, "only-on-0", 0, &v), 0);
	UT_EXPECT_EQ(t, v, 5);
}

UTEST(unknown_request_is_refused)
{
	if (bound)
		UT_EXPECT_EQ(t, msg_call(&kv[0], 99, NULL, 0, NULL, 0, NULL, T), -ENOSYS);
}

UTEST(quit_every_kvd)
{
	for (int c = 0; c < bound; c++) {
		UT_EXPECT_EQ(t, call(c, KV_QUIT, "", 0, NULL), 0);
		pika_chan_close(&kv[c]);
	}
}

int main(int argc, char **argv) { return utest_main("kv", argc, argv); }
