/* PIKA's load balancer (user/netd/lb.c) on crafted offers, fixed seeds:
 * parsing, the moving median, locality under uniform offers, a faster
 * remote application winning, the tariff, the filter's watermarks, the
 * tournament's independence of the number of CMs, and a CM with no
 * local application. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "user/netd/lb.h"

#define PICKS 100000

static void make(struct lb *lb, const char *scheme)
{
	struct lb_config c;
	lb_config_default(&c);
	assert_int_equal(lb_parse(scheme, &c), 0);
	lb_init(lb, &c, 42);
}

/* the default tournament:2 with a sample age and a probe period */
static void make_aged(struct lb *lb, uint64_t sample_age, uint64_t probe)
{
	struct lb_config c;
	lb_config_default(&c);
	c.sample_age = sample_age;
	c.probe = probe;
	lb_init(lb, &c, 42);
}

/* one local application (handle 1) with service time s */
static void local_app(struct lb *lb, uint32_t handle, uint32_t s)
{
	assert_int_equal(lb_app_add(lb, handle), 0);
	assert_int_equal(lb_app_report(lb, handle, s), 0);
}

/* picks that went to a remote CM, in PICKS */
static unsigned remote_picks(struct lb *lb)
{
	unsigned r = 0;
	for (unsigned i = 0; i < PICKS; i++) {
		struct lb_choice ch;
		assert_int_equal(lb_pick(lb, &ch), 0);
		r += !ch.local;
	}
	return r;
}

static void assert_near(unsigned got, double want, double tol)
{
	if ((double)got < want - tol || (double)got > want + tol) {
		fprintf(stderr, "# got %u, want %.0f +- %.0f\n", got, want, tol);
		fail();
	}
}

static void test_parse(void **state)
{
	(void)state;
	struct lb_config c;
	lb_config_default(&c);
	assert_int_equal(c.scheme, LB_TOURNAMENT);
	assert_int_equal(c.tariff_pct, 200);
	assert_int_equal(lb_parse("naive", &c), 0);
	assert_int_equal(c.scheme, LB_NAIVE);
	assert_int_equal(lb_parse("unfiltered:100", &c), 0);
	assert_int_equal(c.scheme, LB_UNFILTERED);
	assert_int_equal(c.tariff_pct, 10000);
	assert_int_equal(lb_parse("filtered:1.5", &c), 0);
	assert_int_equal(c.scheme, LB_FILTERED);
	assert_int_equal(c.tariff_pct, 150);
	assert_int_equal(lb_parse("tournament:1.25", &c), 0);
	assert_int_equal(c.tariff_pct, 125);
	const char *bad[] = { "", "naive:2", "tournament", "tournament:", "tournament:0.5", "tournament:x",
			      "tournament:2x", "tournament:1.234", "tournament:2.", "tournament:1001", "fair:2",
			      "filtered:-1" };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(lb_parse(bad[i], &c), -EINVAL);
	assert_int_equal(c.tariff_pct, 125); /* a refused string changes nothing */
	assert_int_equal(lb_parse(NULL, &c), -EINVAL);
}

static void test_moving_median(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	assert_int_equal(lb_app_add(&lb, 7), 0);
	assert_int_equal(lb_app_add(&lb, 7), -EEXIST);
	assert_int_equal(lb_app_service(&lb, 7), 1000); /* no sample: the default */
	assert_int_equal(lb_app_report(&lb, 8, 5), -ENOENT);
	lb_app_report(&lb, 7, 300);
	lb_app_report(&lb, 7, 100);
	assert_int_equal(lb_app_service(&lb, 7), 200); /* even count: the middle two */
	lb_app_report(&lb, 7, 5000);
	assert_int_equal(lb_app_service(&lb, 7), 300); /* one outlier moves nothing much */
	/* the window keeps the last LB_WINDOW (31): 1..40 leaves 10..40, median
	 * 25; but the newest three (38, 39, 40) are all above it: 38 */
	for (uint32_t v = 1; v <= 40; v++)
		lb_app_report(&lb, 7, v);
	assert_int_equal(lb_app_service(&lb, 7), 38);
	/* a server that gets slow: one slow connection moves nothing, two do not
	 * either, the third shows it (the least of the newest three) */
	for (uint32_t i = 0; i < LB_WINDOW; i++)
		lb_app_report(&lb, 7, 1000);
	lb_app_report(&lb, 7, 30000);
	assert_int_equal(lb_app_service(&lb, 7), 1000);
	lb_app_report(&lb, 7, 25000);
	assert_int_equal(lb_app_service(&lb, 7), 1000);
	lb_app_report(&lb, 7, 40000);
	assert_int_equal(lb_app_service(&lb, 7), 25000);
	lb_app_report(&lb, 7, 900); /* and one fast one after them is back to the median */
	assert_int_equal(lb_app_service(&lb, 7), 1000);
	for (uint32_t v = 10; v <= 40; v++)
		lb_app_report(&lb, 7, v);
	uint32_t h, s;
	lb_app_add(&lb, 9);
	lb_app_report(&lb, 9, 20);
	assert_true(lb_best_local(&lb, &h, &s));
	assert_int_equal(h, 9);
	assert_int_equal(s, 20);
	assert_int_equal(lb_app_remove(&lb, 9), 0);
	assert_int_equal(lb_app_remove(&lb, 9), -ENOENT);
	assert_true(lb_best_local(&lb, &h, &s));
	assert_int_equal(h, 7);
	for (uint32_t i = 0; i < LB_APPS_MAX - 1; i++)
		assert_int_equal(lb_app_add(&lb, 100 + i), 0);
	assert_int_equal(lb_app_add(&lb, 999), -ENOSPC);
}

/* Uniform load: every CM offers what the local application does. With the
 * filter nothing leaves the core; without it, the tariff alone decides. */
static void test_locality_under_uniform_offers(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	local_app(&lb, 1, 1000);
	for (uint16_t core = 1; core < 16; core++)
		assert_int_equal(lb_offer_update(&lb, core, 50 + core, 1000, 0), 0);
	assert_int_equal(remote_picks(&lb), 0);
	assert_int_equal(lb.st.picks_local, PICKS);
	make(&lb, "filtered:2");
	local_app(&lb, 1, 1000);
	for (uint16_t core = 1; core < 16; core++)
		lb_offer_update(&lb, core, 50 + core, 1000, 0);
	assert_int_equal(remote_picks(&lb), 0);
	/* unfiltered:2 with 15 equal offers: weight 1 against 15 * 1/2, so
	 * 7.5 / 8.5 of the connections leave; tariff 100 keeps nearly all home */
	make(&lb, "unfiltered:2");
	local_app(&lb, 1, 1000);
	for (uint16_t core = 1; core < 16; core++)
		lb_offer_update(&lb, core, 50 + core, 1000, 0);
	assert_near(remote_picks(&lb), PICKS * 7.5 / 8.5, 1000);
	make(&lb, "unfiltered:100");
	local_app(&lb, 1, 1000);
	for (uint16_t core = 1; core < 16; core++)
		lb_offer_update(&lb, core, 50 + core, 1000, 0);
	assert_near(remote_picks(&lb), PICKS * 0.15 / 1.15, 400);
}

/* A clearly faster remote application (250 us against 1000 us local):
 * after the tariff it costs 500, passes the filter, and the final round
 * gives it 1/500 against 1/1000, two thirds of the connections. */
static void test_faster_remote_wins(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	local_app(&lb, 1, 1000);
	lb_offer_update(&lb, 3, 77, 250, 0);
	struct lb_choice ch;
	unsigned to3 = 0;
	for (unsigned i = 0; i < PICKS; i++) {
		assert_int_equal(lb_pick(&lb, &ch), 0);
		if (!ch.local) {
			assert_int_equal(ch.core, 3);
			assert_int_equal(ch.handle, 77);
			to3++;
		} else {
			assert_int_equal(ch.handle, 1);
		}
	}
	assert_near(to3, PICKS * 2.0 / 3.0, 1000);
	assert_int_equal(lb.st.sat_out, 0);
	assert_int_equal(lb.st.filter_in, 1);
	/* naive never looks at it */
	make(&lb, "naive");
	local_app(&lb, 1, 1000);
	lb_offer_update(&lb, 3, 77, 100, 0);
	assert_int_equal(remote_picks(&lb), 0);
	/* a slower-than-local offer never wins under the filter, whatever the tariff */
	make(&lb, "filtered:1");
	local_app(&lb, 1, 1000);
	lb_offer_update(&lb, 3, 77, 1100, 0);
	assert_int_equal(remote_picks(&lb), 0);
}

/* The tournament keeps the local share independent of the number of CMs:
 * with 2 or 40 equally fast offers (each 2x faster than local after the
 * tariff) local still wins the final 1/3 of the time. */
static void test_tournament_scales(void **state)
{
	(void)state;
	unsigned counts[] = { 2, 40 };
	for (unsigned k = 0; k < 2; k++) {
		struct lb lb;
		make(&lb, "tournament:2");
		local_app(&lb, 1, 1000);
		for (uint16_t core = 1; core <= counts[k]; core++)
			lb_offer_update(&lb, core, core, 250, 0); /* 500 after the tariff */
		assert_near(PICKS - remote_picks(&lb), PICKS / 3.0, 1000);
	}
	/* a single round (filtered) lets the offers crowd local out: 1 against 40 * 2 */
	struct lb lb;
	make(&lb, "filtered:2");
	local_app(&lb, 1, 1000);
	for (uint16_t core = 1; core <= 40; core++)
		lb_offer_update(&lb, core, core, 250, 0);
	assert_near(PICKS - remote_picks(&lb), PICKS / 81.0, 300);
}

/* core 2's offer alternating between 600 and 520 us (ratios 0.83 and 0.96
 * against 1000 us local at tariff 2), a pick after each */
static void wobble(struct lb *lb, uint64_t t0)
{
	struct lb_choice ch;
	for (int i = 0; i < 100; i++) {
		lb_offer_update(lb, 2, 5, i & 1 ? 520 : 600, t0 + (uint64_t)i);
		lb_pick(lb, &ch);
	}
}

/* Watermarks (high 1.0, low 0.8 of best_local / (T * offer)): in above
 * the high mark, out only below the low mark; an offer wobbling between
 * them crosses nothing. */
static void test_filter_watermarks(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	local_app(&lb, 1, 1000);
	struct lb_choice ch;
	/* 520 -> 1040 after the tariff: ratio 0.96, below the high mark: filtered */
	lb_offer_update(&lb, 2, 5, 520, 0);
	assert_int_equal(remote_picks(&lb), 0);
	/* 400 -> 800: ratio 1.25, in */
	lb_offer_update(&lb, 2, 5, 400, 1);
	lb_pick(&lb, &ch);
	assert_int_equal(lb.st.filter_in, 1);
	/* wobbling between 0.83 and 0.96 (600 and 520): stays in, no crossing */
	wobble(&lb, 2);
	assert_int_equal(lb.st.filter_in, 1);
	assert_int_equal(lb.st.filter_out, 0);
	assert_true(remote_picks(&lb) > 0); /* still competing (600 -> 1200 vs 1000) */
	/* 700 -> 1400: ratio 0.71, below the low mark: out */
	lb_offer_update(&lb, 2, 5, 700, 200);
	assert_int_equal(remote_picks(&lb), 0);
	assert_int_equal(lb.st.filter_out, 1);
	/* and back between the marks it stays out */
	wobble(&lb, 300);
	assert_int_equal(lb.st.filter_in, 1);
	assert_int_equal(lb.st.filter_out, 1);
	/* another application behind the same CM starts outside the filter */
	lb_offer_update(&lb, 2, 5, 400, 500);
	lb_pick(&lb, &ch);
	assert_int_equal(lb.st.filter_in, 2);
	lb_offer_update(&lb, 2, 6, 520, 501);
	assert_int_equal(remote_picks(&lb), 0);
}

/* No local application: every connection goes to an offer, weighted by
 * inverse service time (no filter, nothing to compare with); nobody at all
 * is -ENOENT; offers expire and can be withdrawn. */
static void test_no_local_acceptor(void **state)
{
	(void)state;
	const char *schemes[] = { "naive", "unfiltered:2", "filtered:2", "tournament:2" };
	for (unsigned k = 0; k < 4; k++) {
		struct lb lb;
		make(&lb, schemes[k]);
		struct lb_choice ch;
		assert_int_equal(lb_pick(&lb, &ch), -ENOENT);
		assert_int_equal(lb.st.picks_none, 1);
		lb_offer_update(&lb, 1, 11, 100, 1000);
		lb_offer_update(&lb, 2, 22, 300, 1000);
		unsigned to1 = 0;
		for (unsigned i = 0; i < PICKS; i++) {
			assert_int_equal(lb_pick(&lb, &ch), 0);
			assert_false(ch.local);
			assert_true((ch.core == 1 && ch.handle == 11) || (ch.core == 2 && ch.handle == 22));
			to1 += ch.core == 1;
		}
		assert_near(to1, PICKS * 0.75, 1000); /* 1/100 against 1/300 */
		lb_offers_expire(&lb, 1500, 1000); /* not yet */
		assert_int_equal(lb_pick(&lb, &ch), 0);
		lb_offer_update(&lb, 2, 22, 300, 2500);
		lb_offers_expire(&lb, 2600, 1000); /* core 1's offer is 1600 old */
		for (int i = 0; i < 100; i++) {
			assert_int_equal(lb_pick(&lb, &ch), 0);
			assert_int_equal(ch.core, 2);
		}
		assert_int_equal(lb_offer_withdraw(&lb, 2), 0);
		assert_int_equal(lb_offer_withdraw(&lb, 2), -ENOENT);
		assert_int_equal(lb_pick(&lb, &ch), -ENOENT);
		assert_int_equal(lb_offer_update(&lb, LB_OFFERS_MAX, 1, 1, 0), -EINVAL);
		assert_int_equal(lb_offer_update(&lb, 1, 1, 0, 0), -EINVAL);
	}
}

/* A paused application (it did not claim its connections in time) gets
 * nothing and is not offered; once it claims again it is back, with the
 * service times it had. */
static void test_paused_acceptor(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	local_app(&lb, 1, 100);
	lb_offer_update(&lb, 1, 11, 1000, 0); /* slower: filtered out */
	struct lb_choice ch;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(lb_pick(&lb, &ch), 0);
		assert_true(ch.local);
	}
	assert_int_equal(lb_app_pause(&lb, 1, true), 0);
	uint32_t h, s;
	assert_false(lb_best_local(&lb, &h, &s)); /* nothing to offer the others */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(lb_pick(&lb, &ch), 0);
		assert_false(ch.local);
		assert_int_equal(ch.core, 1);
	}
	assert_int_equal(lb_app_pause(&lb, 1, false), 0);
	assert_int_equal(lb_app_service(&lb, 1), 100);
	assert_int_equal(remote_picks(&lb), 0);
	assert_int_equal(lb_app_pause(&lb, 2, true), -ENOENT);
	/* paused with no offer: nobody */
	lb_app_pause(&lb, 1, true);
	lb_offer_withdraw(&lb, 1);
	assert_int_equal(lb_pick(&lb, &ch), -ENOENT);
}

/* The same seed gives the same decisions (tests and bench runs repeat). */
static void test_deterministic(void **state)
{
	(void)state;
	struct lb a, b;
	make(&a, "tournament:2");
	make(&b, "tournament:2");
	local_app(&a, 1, 1000);
	local_app(&b, 1, 1000);
	lb_offer_update(&a, 3, 9, 300, 0);
	lb_offer_update(&b, 3, 9, 300, 0);
	for (int i = 0; i < 1000; i++) {
		struct lb_choice x, y;
		lb_pick(&a, &x);
		lb_pick(&b, &y);
		assert_int_equal(x.local, y.local);
	}
}

/* Samples older than sample_age leave the median: a server that was slow
 * and got few connections since is seen at its new speed within the age;
 * with no recent sample its newest one stands. */
static void test_old_samples_leave(void **state)
{
	(void)state;
	struct lb lb;
	make_aged(&lb, 1000, 0);
	assert_int_equal(lb_app_add(&lb, 1), 0);
	lb_now(&lb, 100);
	for (int i = 0; i < 20; i++)
		lb_app_report(&lb, 1, 30000); /* slow: 20 samples */
	lb_now(&lb, 900);
	lb_app_report(&lb, 1, 200);
	lb_app_report(&lb, 1, 300); /* fast again: 2 samples */
	assert_int_equal(lb_app_service(&lb, 1), 30000); /* the old ones still count */
	lb_now(&lb, 1101);
	assert_int_equal(lb_app_service(&lb, 1), 250); /* only the two recent ones */
	lb_now(&lb, 1901);
	assert_int_equal(lb_app_service(&lb, 1), 300); /* nothing recent: the newest, not the default */
	lb_now(&lb, 5000);
	lb_app_report(&lb, 1, 40000);
	lb_now(&lb, 7000);
	assert_int_equal(lb_app_service(&lb, 1), 40000); /* a slow server left alone stays slow */
	assert_int_equal(lb_app_add(&lb, 2), 0);
	assert_int_equal(lb_app_service(&lb, 2), 1000); /* never sampled: the default */
}

/* the local picks of n, at time now */
static unsigned local_picks(struct lb *lb, uint64_t now, unsigned n)
{
	struct lb_choice ch;
	unsigned l = 0;
	lb_now(lb, now);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(lb_pick(lb, &ch), 0);
		l += ch.local;
	}
	return l;
}

/* Tournament: a local server that the best offer beats by more than 4x
 * after the tariff (30 ms against 2 x 1 ms) sits the final out and gets one
 * probe connection a probe period, not its 1/16 weight's share; between
 * the marks (3x to 4x) it stays where it was; below 3x it is back in. The
 * single-round schemes keep PIKA's weights. */
static void test_slow_local_sits_out(void **state)
{
	(void)state;
	struct lb lb;
	make_aged(&lb, 0, 1000);
	local_app(&lb, 1, 1000);
	assert_int_equal(lb_offer_update(&lb, 1, 9, 1000, 0), 0);
	assert_int_equal(local_picks(&lb, 0, 1000), 1000); /* equal: the offer is filtered */
	lb_app_floor(&lb, 1, 30000);                         /* ratio 15 */
	assert_int_equal(local_picks(&lb, 10, PICKS), 0);
	assert_int_equal(lb.st.sat_out, 1);
	assert_int_equal(local_picks(&lb, 1009, 1000), 0);  /* a probe period after it left: not yet */
	assert_int_equal(local_picks(&lb, 1010, 1000), 1);  /* the probe */
	assert_int_equal(local_picks(&lb, 1500, 1000), 0);
	assert_int_equal(local_picks(&lb, 3009, 1000), 0);  /* the next one waits twice as long */
	assert_int_equal(local_picks(&lb, 3010, 1000), 1);
	assert_int_equal(local_picks(&lb, 7009, 1000), 0);  /* then four times */
	assert_int_equal(local_picks(&lb, 7010, 1000), 1);
	assert_int_equal(local_picks(&lb, 11009, 1000), 0); /* and never longer (LB_PROBE_BACKOFF) */
	assert_int_equal(local_picks(&lb, 11010, 1000), 1);
	assert_int_equal(lb.st.probes, 4);
	lb_app_floor(&lb, 1, 7000); /* ratio 3.5: between the marks, still out */
	assert_int_equal(local_picks(&lb, 11500, 1000), 0);
	lb_app_floor(&lb, 1, 5800); /* ratio 2.9: back in, the final weighs 1/5800 against 1/2000 */
	assert_near(local_picks(&lb, 11600, PICKS), PICKS * 2000.0 / 7800.0, 1000);
	assert_int_equal(lb.st.came_back, 1);
	lb_app_floor(&lb, 1, 7000); /* between the marks again: stays in */
	assert_near(local_picks(&lb, 11700, PICKS), PICKS * 2000.0 / 9000.0, 1000);
	assert_int_equal(lb.st.sat_out, 1);
	lb_app_floor(&lb, 1, 30000); /* out again: probes a period apart again */
	assert_int_equal(local_picks(&lb, 11800, PICKS), 0);
	assert_int_equal(local_picks(&lb, 12800, 1000), 1);
	assert_int_equal(lb.st.sat_out, 2);
	/* filtered:2 keeps PIKA's single round: 1/30000 against 1/2000 */
	make(&lb, "filtered:2");
	local_app(&lb, 1, 30000);
	lb_offer_update(&lb, 1, 9, 1000, 0);
	assert_near(local_picks(&lb, 0, PICKS), PICKS * 2000.0 / 32000.0, 800);
	assert_int_equal(lb.st.sat_out, 0);
	/* no probe period: out for good while the offer beats it */
	make(&lb, "tournament:2");
	local_app(&lb, 1, 30000);
	lb_offer_update(&lb, 1, 9, 1000, 0);
	assert_int_equal(local_picks(&lb, 0, PICKS), 0);
	assert_int_equal(local_picks(&lb, 1u << 30, PICKS), 0);
	/* and with the offer gone it serves everything again */
	lb_offer_withdraw(&lb, 1);
	assert_int_equal(local_picks(&lb, 1u << 31, 1000), 1000);
}

/* The floor (connections waiting for the application) raises its service
 * time at once and makes a faster remote application win; lifted, locality
 * comes back. */
static void test_floor_raises_service(void **state)
{
	(void)state;
	struct lb lb;
	make(&lb, "tournament:2");
	local_app(&lb, 1, 500);
	assert_int_equal(lb_offer_update(&lb, 3, 9, 500, 0), 0);
	unsigned before = remote_picks(&lb);
	assert_int_equal(lb_app_floor(&lb, 1, 40000), 0);
	assert_int_equal(lb_app_service(&lb, 1), 40000);
	unsigned during = remote_picks(&lb);
	assert_int_equal(lb_app_floor(&lb, 1, 0), 0);
	assert_int_equal(lb_app_service(&lb, 1), 500);
	unsigned after = remote_picks(&lb);
	assert_int_equal(lb_app_floor(&lb, 5, 1), -ENOENT);
	assert_true(before < PICKS / 50);    /* a local app as fast: the offer is filtered */
	assert_true(during > PICKS * 9 / 10); /* 40 ms against 2 x 0.5 ms */
	assert_true(after < PICKS / 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_moving_median),
		cmocka_unit_test(test_locality_under_uniform_offers),
		cmocka_unit_test(test_faster_remote_wins),
		cmocka_unit_test(test_tournament_scales),
		cmocka_unit_test(test_filter_watermarks),
		cmocka_unit_test(test_no_local_acceptor),
		cmocka_unit_test(test_paused_acceptor),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_old_samples_leave),
		cmocka_unit_test(test_floor_raises_service),
		cmocka_unit_test(test_slow_local_sits_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
