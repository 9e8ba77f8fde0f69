/*
 * fdir_test - the Flow Director: the driver's hash against the datasheet's
 * definition (the model's literal transcription and hand-derived values),
 * perfect and signature filters steering flows and ceasing to when removed,
 * collisions and a full table handled and counted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/ixgbe/rig.h"

static void hash_matches_reference(void **state)
{
	(void)state;
	uint64_t rnd = 99;
	for (int i = 0; i < 3000; i++) {
		uint8_t s[42];
		for (int k = 0; k < 42; k++)
			s[k] = (uint8_t)rig_rand(&rnd);
		uint32_t key = rig_rand(&rnd) ^ rig_rand(&rnd) << 16;
		assert_int_equal(ixgbe_fdir_hash(key, s), ixm_fdir_hash_ref(key, s));
	}
	/* the driver's stream layout equals the model's for the same flow */
	struct nd_filter f = {.src_ip = IP(1, 2, 3, 4), .dst_ip = IP(5, 6, 7, 8), .src_port = 0x1234,
			      .dst_port = 0x5678, .proto = 6};
	uint8_t s[42];
	ixgbe_fdir_stream(s, f.src_ip, f.dst_ip, f.src_port, f.dst_port, 2, 0, 0);
	const uint8_t want[42] = {0, 0, 1, 2, 3, 4, [18] = 5, 6, 7, 8, [34] = 0x12, 0x34, 0x56, 0x78, [41] = 2};
	assert_memory_equal(s, want, 42);
}

/*
 * Values worked out by hand from DS 7.1.2.7.15 (see ixgbe_fdir.c):
 * Ext_K[i] = K[(i + 1) mod 32] for i = 0..350, Ext_S[j] = S[(j - 15) mod 336],
 * Hash bit b = XOR over i with Ext_K[i] of Ext_S[i + b]. With one key bit r
 * and one stream bit k set, bit b is set when some i = r - 1 (mod 32),
 * 0 <= i <= 350, has i + b - 15 = k (mod 336).
 * Stream bit k is bit k % 8 of byte 41 - k / 8.
 */
static void hash_known_inputs(void **state)
{
	(void)state;
	static const struct {
		uint32_t key;
		int byte;
		uint8_t val;
		uint16_t hash;
	} t[] = {
		/* r = 1: i in {0, 32, ..., 320} */
		{0x00000002, 39, 0x10, 0x0008}, /* k = 20: i = 32, b = 3 */
		{0x00000002, 41, 0x01, 0x8000}, /* k = 0: i = 0, b = 15 */
		{0x00000002, 0, 0x80, 0x4000},  /* k = 335 (wraps into Ext_S[14:0]): i = 0, b = 14 */
		/* r = 0: i in {31, 63, ..., 319} */
		{0x00000001, 39, 0x10, 0x0010}, /* k = 20: i = 31, b = 4 */
		/* r = 31: i in {30, 62, ..., 350} */
		{0x80000000, 0, 0x80, 0x0001},  /* k = 335: i = 350, b = 0 */
		{0x80000000, 41, 0x01, 0x0002}, /* k = 0: i + b = 351: i = 350, b = 1 (the top window wraps) */
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t s[42] = {0};
		s[t[i].byte] = t[i].val;
		assert_int_equal(ixm_fdir_hash_ref(t[i].key, s), t[i].hash);
		assert_int_equal(ixgbe_fdir_hash(t[i].key, s), t[i].hash);
	}
	/* nothing in, nothing out; no key, no hash */
	uint8_t z[42] = {0}, o[42];
	memset(o, 0xA5, sizeof(o));
	assert_int_equal(ixgbe_fdir_hash(0xFFFFFFFF, z), 0);
	assert_int_equal(ixgbe_fdir_hash(0, o), 0);
}

static size_t tcp(struct rig *r, uint8_t *f, const struct nd_filter *fl, uint32_t seed)
{
	return rig_tcp(r, f, fl->src_ip, fl->dst_ip, fl->src_port, fl->dst_port, 64, seed);
}

static int rss_q(struct rig *r, const struct nd_filter *f)
{
	struct ixgbe_dev *d = r->ctl.priv;
	return ixgbe_rss_queue(&d->rss, f->src_ip, f->dst_ip, f->src_port, f->dst_port);
}

/* receive one frame on queue q and check it is the one sent */
static void expect_on(struct rig *r, int q, const uint8_t *f, size_t len)
{
	struct nd_buf *b[4];
	assert_int_equal(r->ctl.ops->rx_burst(&r->q[q], b, 4), 1);
	assert_int_equal(b[0]->len, len);
	assert_memory_equal(b[0]->data, f, len);
	rig_put(r, b[0]);
	rig_refill(r, q);
}

static void perfect_filters_steer(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	uint8_t fr[256];
	struct nd_filter f = {.src_ip = IP(192, 168, 1, 20), .dst_ip = IP(192, 168, 1, 1), .src_port = 40000,
			      .dst_port = 80, .proto = 6};
	int base = rss_q(&r, &f);
	f.queue = (base + 1) % 4;
	size_t len = tcp(&r, fr, &f, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), base);
	expect_on(&r, base, fr, len);

	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	assert_int_equal(ixgbe_filter_query(&r.ctl, &f), f.queue);
	assert_int_equal(ixgbe_predict_queue(&r.ctl, f.src_ip, f.dst_ip, f.src_port, f.dst_port), f.queue);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), f.queue);
	expect_on(&r, f.queue, fr, len);
	/* a neighbour flow is not caught */
	struct nd_filter g = f;
	g.src_port++;
	size_t glen = tcp(&r, fr, &g, 2);
	assert_int_equal(ixm_rx_frame(r.m, fr, glen), rss_q(&r, &g));
	expect_on(&r, rss_q(&r, &g), fr, glen);
	/* the same flow again with another queue: moved in place */
	f.queue = (base + 2) % 4;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	len = tcp(&r, fr, &f, 3);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), f.queue);
	expect_on(&r, f.queue, fr, len);
	assert_int_equal(ixm_fdir_filters(r.m), 1);
	/* removed: back to RSS */
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), 0);
	assert_int_equal(ixgbe_filter_query(&r.ctl, &f), -ENOENT);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), base);
	expect_on(&r, base, fr, len);
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), -ENOENT);
	/* UDP filters too */
	struct nd_filter u = {.src_ip = IP(10, 9, 8, 7), .dst_ip = IP(10, 0, 0, 1), .src_port = 53,
			      .dst_port = 5353, .proto = 17, .queue = 3};
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &u), 0);
	len = rig_udp(&r, fr, u.src_ip, u.dst_ip, u.src_port, u.dst_port, 40, 4);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 3);
	expect_on(&r, 3, fr, len);
	/* bad requests */
	struct nd_filter bad = f;
	bad.proto = 1;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &bad), -EINVAL);
	bad = f;
	bad.queue = 200;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &bad), -EINVAL);
	/* a per-core instance is not the control instance */
	assert_int_equal(r.core[1].ops->filter_add(&r.core[1], &f), -EINVAL);
	/* statistics: 3 adds (one an update), 2 removes, matches counted */
	const struct ixgbe_fdir_stats *st = ixgbe_fdir_stats(&r.ctl);
	assert_int_equal(st->adds, 2);
	assert_int_equal(st->removes, 1);
	assert_int_equal(st->remove_fails, 0);
	assert_true(st->matches >= 3);
	assert_int_equal(st->free, IXGBE_FDIR_PERFECT_MAX_256K - 1);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

static void signature_filters_steer(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	uint8_t fr[256];
	struct nd_filter p = {.src_ip = IP(1, 1, 1, 1), .dst_ip = IP(2, 2, 2, 2), .src_port = 1, .dst_port = 2,
			      .proto = 6, .queue = 1};
	struct nd_filter f = {.src_ip = IP(172, 16, 0, 9), .dst_ip = IP(172, 16, 0, 1), .src_port = 51000,
			      .dst_port = 8080, .proto = 6, .signature = true};
	/* the table is in perfect mode with a filter in it: no switching */
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &p), 0);
	f.queue = 0;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), -EBUSY);
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &p), 0);
	/* empty: the driver re-initializes it as a signature table */
	int base = rss_q(&r, &f);
	f.queue = (base + 3) % 4;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	assert_int_equal(ixm_peek(r.m, IXGBE_FDIRCTRL) & IXGBE_FDIRCTRL_PERFECT_MATCH, 0);
	size_t len = tcp(&r, fr, &f, 1);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), f.queue);
	expect_on(&r, f.queue, fr, len);
	assert_int_equal(ixgbe_filter_query(&r.ctl, &f), f.queue);
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), 0);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), base);
	expect_on(&r, base, fr, len);
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), -ENOENT);
	assert_int_equal(ixgbe_fdir_stats(&r.ctl)->remove_fails, 1);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/*
 * The hash is linear over GF(2) in the input stream, so two flows collide
 * exactly when the XOR of their streams hashes to zero under both keys (in
 * the 15 bucket bits and the 15 signature bits). Gaussian elimination over
 * the images of single source-address and source-port bits finds such a
 * difference; flow B = flow A with it applied.
 */
static uint32_t image(const struct ixgbe_fdir *fd, uint32_t sip, uint16_t sport)
{
	uint8_t s[42];
	ixgbe_fdir_stream(s, sip, 0, sport, 0, 0, 0, 0);
	return (uint32_t)(ixgbe_fdir_hash(fd->hkey, s) & 0x7FFF) | (uint32_t)(ixgbe_fdir_hash(fd->skey, s) & 0x7FFF) << 15;
}

static void find_collision(const struct ixgbe_fdir *fd, uint32_t *dsip, uint16_t *dsport)
{
	uint32_t rows[48];
	uint64_t combo[48]; /* which unit vectors make up each row */
	for (int j = 0; j < 48; j++) {
		rows[j] = j < 32 ? image(fd, 1u << j, 0) : image(fd, 0, (uint16_t)(1u << (j - 32)));
		combo[j] = 1ull << j;
	}
	int rank = 0;
	for (int bit = 0; bit < 30 && rank < 48; bit++) {
		int piv = -1;
		for (int j = rank; j < 48; j++)
			if (rows[j] >> bit & 1) {
				piv = j;
				break;
			}
		if (piv < 0)
			continue;
		uint32_t tr = rows[piv];
		uint64_t tc = combo[piv];
		rows[piv] = rows[rank], combo[piv] = combo[rank];
		rows[rank] = tr, combo[rank] = tc;
		for (int j = 0; j < 48; j++)
			if (j != rank && (rows[j] >> bit & 1)) {
				rows[j] ^= rows[rank];
				combo[j] ^= combo[rank];
			}
		rank++;
	}
	/* rows past the rank are zero: any of them is a colliding difference */
	assert_true(rank < 48);
	assert_int_equal(rows[47], 0);
	*dsip = (uint32_t)combo[47];
	*dsport = (uint16_t)(combo[47] >> 32);
	assert_true(*dsip || *dsport);
}

static void signature_collision(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	struct ixgbe_dev *d = r.ctl.priv;
	uint32_t dsip;
	uint16_t dsport;
	find_collision(d->fdir, &dsip, &dsport);
	struct nd_filter a = {.src_ip = IP(100, 64, 3, 3), .dst_ip = IP(100, 64, 0, 1), .src_port = 33333,
			      .dst_port = 443, .proto = 6, .signature = true, .queue = 1};
	struct nd_filter b = a;
	b.src_ip ^= dsip;
	b.src_port ^= dsport;
	b.queue = 2;
	/* really the same bucket and signature, really another flow */
	uint8_t sa[42], sb[42];
	ixgbe_fdir_stream(sa, a.src_ip, a.dst_ip, a.src_port, a.dst_port, 2, 0, 0);
	ixgbe_fdir_stream(sb, b.src_ip, b.dst_ip, b.src_port, b.dst_port, 2, 0, 0);
	assert_memory_not_equal(sa, sb, 42);
	assert_int_equal(ixm_fdir_hash_ref(d->fdir->hkey, sa) & 0x7FFF, ixm_fdir_hash_ref(d->fdir->hkey, sb) & 0x7FFF);
	assert_int_equal(ixm_fdir_hash_ref(d->fdir->skey, sa) & 0x7FFF, ixm_fdir_hash_ref(d->fdir->skey, sb) & 0x7FFF);

	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &a), 0);
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &b), -EEXIST);
	const struct ixgbe_fdir_stats *st = ixgbe_fdir_stats(&r.ctl);
	assert_int_equal(st->sw_collisions, 1);
	assert_int_equal(st->collided, 1); /* the device flagged the filter (FDIRFREE.COLL) */
	assert_int_equal(ixm_fdir_filters(r.m), 1);
	/* both flows follow the first filter */
	uint8_t fr[256];
	size_t len = tcp(&r, fr, &b, 5);
	assert_int_equal(ixm_rx_frame(r.m, fr, len), 1);
	expect_on(&r, 1, fr, len);
	/* asking for what already happens is fine */
	b.queue = 1;
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &b), 0);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* fill the signature table: the device refuses the 32,768th filter */
static void signature_table_full(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 32, NULL);
	struct ixgbe_dev *d = r.ctl.priv;
	struct nd_filter f = {.dst_ip = IP(10, 0, 0, 1), .dst_port = 80, .proto = 6, .signature = true, .queue = 1};
	int rc, n = 0;
	for (uint32_t i = 0; i < 40000; i++) {
		f.src_ip = IP(10, 128, 0, 0) + (i >> 8);
		f.src_port = (uint16_t)(20000 + (i & 0xFF));
		rc = r.ctl.ops->filter_add(&r.ctl, &f);
		if (rc == -ENOSPC)
			break;
		assert_int_equal(rc, 0);
		n++;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(d->fdir->count, IXGBE_FDIR_SIG_MAX_256K);
	assert_int_equal(ixm_fdir_filters(r.m), IXGBE_FDIR_SIG_MAX_256K);
	assert_true(n >= IXGBE_FDIR_SIG_MAX_256K); /* equal flows (if any) share a filter */
	const struct ixgbe_fdir_stats *st = ixgbe_fdir_stats(&r.ctl);
	assert_int_equal(st->free, 0);
	assert_int_equal(st->add_fails, 1);
	assert_int_equal(st->sw_full, 1);
	/* one out, one in */
	f.src_ip = IP(10, 128, 0, 0);
	f.src_port = 20000;
	assert_int_equal(r.ctl.ops->filter_del(&r.ctl, &f), 0);
	assert_int_equal(ixgbe_fdir_stats(&r.ctl)->free, 1);
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	assert_int_equal(ixgbe_fdir_stats(&r.ctl)->free, 0);
	print_message("# %d flows filled %d signature filters\n", n, IXGBE_FDIR_SIG_MAX_256K);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* the perfect table holds 8 K - 1 filters */
static void perfect_table_full(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 32, NULL);
	struct nd_filter f = {.dst_ip = IP(10, 0, 0, 1), .dst_port = 80, .proto = 6, .queue = 1};
	for (int i = 0; i < IXGBE_FDIR_PERFECT_MAX_256K; i++) {
		f.src_ip = IP(10, 64, 0, 0) + (uint32_t)i;
		f.src_port = (uint16_t)(1024 + i);
		assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	}
	f.src_ip = IP(10, 99, 0, 0);
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), -ENOSPC);
	const struct ixgbe_fdir_stats *st = ixgbe_fdir_stats(&r.ctl);
	assert_int_equal(st->sw_full, 1);
	assert_int_equal(st->free, 0);
	assert_int_equal(ixm_fdir_filters(r.m), IXGBE_FDIR_PERFECT_MAX_256K);
	/* every one of them steers: spot-check a few */
	uint8_t fr[256];
	for (int i = 0; i < IXGBE_FDIR_PERFECT_MAX_256K; i += 1021) {
		struct nd_filter g = f;
		g.src_ip = IP(10, 64, 0, 0) + (uint32_t)i;
		g.src_port = (uint16_t)(1024 + i);
		size_t len = tcp(&r, fr, &g, (uint32_t)i);
		assert_int_equal(ixm_rx_frame(r.m, fr, len), 1);
		expect_on(&r, 1, fr, len);
	}
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_matches_reference),
		cmocka_unit_test(hash_known_inputs),
		cmocka_unit_test(perfect_filters_steer),
		cmocka_unit_test(signature_filters_steer),
		cmocka_unit_test(signature_collision),
		cmocka_unit_test(signature_table_full),
		cmocka_unit_test(perfect_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
