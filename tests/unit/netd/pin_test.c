/* The connection manager's flow pins (user/netd/pin.c): adding, finding,
 * removing with the backward shift of linear probing (checked against a
 * plain list of what must be there after thousands of random operations),
 * the 3/4 limit, idle sweeping and dropping a core's pins. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "user/netd/pin.h"

#define LADDR 0x0a00060fu

static struct pin_table t;

static uint64_t rng = 12345;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void setup_empty(void) { memset(&t, 0, sizeof(t)); }

static void test_add_find_remove(void **state)
{
	(void)state;
	setup_empty();
	assert_null(pin_find(&t, 0x0a000601, 40000, LADDR, 80));
	assert_int_equal(pin_add(&t, 0x0a000601, 40000, LADDR, 80, 3, 7), 0);
	assert_int_equal(pin_add(&t, 0x0a000601, 40000, LADDR, 80, 2, 8), -EEXIST);
	struct pin *p = pin_find(&t, 0x0a000601, 40000, LADDR, 80);
	assert_non_null(p);
	assert_int_equal(p->core, 3);
	assert_int_equal(p->last, 7);
	assert_false(p->conn);
	/* another port, address or local port is another flow */
	assert_null(pin_find(&t, 0x0a000601, 40001, LADDR, 80));
	assert_null(pin_find(&t, 0x0a000602, 40000, LADDR, 80));
	assert_null(pin_find(&t, 0x0a000601, 40000, LADDR, 81));
	pin_remove(&t, p);
	assert_int_equal(t.n, 0);
	assert_null(pin_find(&t, 0x0a000601, 40000, LADDR, 80));
}

/* many flows of one client (what wrk makes): random adds and removes, and
 * after every removal each flow that should be there is found, at its core */
struct flow { uint16_t port; uint8_t core; bool in; };
static struct flow fl[PIN_MAX];

static void test_random_against_a_list(void **state)
{
	(void)state;
	setup_empty();
	unsigned nflows = PIN_MAX / 2, in = 0;
	for (unsigned i = 0; i < nflows; i++)
		fl[i] = (struct flow){ (uint16_t)(1024 + i), (uint8_t)(i % 4), false };
	for (unsigned op = 0; op < 200000; op++) {
		struct flow *f = &fl[rnd() % nflows];
		if (!f->in) {
			assert_int_equal(pin_add(&t, 0x0a000601, f->port, LADDR, 80, f->core, op), 0);
			f->in = true;
			in++;
		} else {
			struct pin *p = pin_find(&t, 0x0a000601, f->port, LADDR, 80);
			assert_non_null(p);
			pin_remove(&t, p);
			f->in = false;
			in--;
		}
		assert_int_equal(t.n, in);
		if (op % 5000 == 0)
			for (unsigned i = 0; i < nflows; i++) {
				struct pin *p = pin_find(&t, 0x0a000601, fl[i].port, LADDR, 80);
				if (fl[i].in) {
					assert_non_null(p);
					assert_int_equal(p->core, fl[i].core);
				} else {
					assert_null(p);
				}
			}
	}
}

static void test_three_quarters_full(void **state)
{
	(void)state;
	setup_empty();
	unsigned i;
	for (i = 0; i < PIN_MAX * 3 / 4; i++)
		assert_int_equal(pin_add(&t, 0x0a000000 + i / 60000, (uint16_t)(i % 60000 + 1024), LADDR, 80, 1, 0), 0);
	assert_int_equal(pin_add(&t, 0x0b000001, 5000, LADDR, 80, 1, 0), -ENOSPC);
	pin_remove(&t, pin_find(&t, 0x0a000000, 1024, LADDR, 80));
	assert_int_equal(pin_add(&t, 0x0b000001, 5000, LADDR, 80, 1, 0), 0);
}

static void test_sweep_and_drop_core(void **state)
{
	(void)state;
	setup_empty();
	/* ports 2000..2999: handshakes only, last used at 100; 3000..3999:
	 * connections, last used at 100; 4000..4999: used at 900 */
	for (uint16_t p = 2000; p < 5000; p++) {
		assert_int_equal(pin_add(&t, 0x0a000601, p, LADDR, 80, (uint8_t)(p % 3), p < 4000 ? 100 : 900), 0);
		if (p >= 3000)
			pin_find(&t, 0x0a000601, p, LADDR, 80)->conn = true;
	}
	/* at 1000, idle limits 500 (handshakes) and 5000 (connections) */
	assert_int_equal(pin_sweep(&t, 1000, 500, 5000), 1000);
	assert_int_equal(t.n, 2000);
	assert_null(pin_find(&t, 0x0a000601, 2500, LADDR, 80));
	assert_non_null(pin_find(&t, 0x0a000601, 3500, LADDR, 80));
	/* at 5200 the connections used at 100 are idle 5100 > 5000 */
	assert_int_equal(pin_sweep(&t, 5200, 500, 5000), 1000);
	assert_int_equal(t.n, 1000);
	/* core 1's netd went: 4000..4999 with p % 3 == 1 */
	unsigned ones = 0;
	for (uint16_t p = 4000; p < 5000; p++)
		ones += p % 3 == 1;
	assert_int_equal(pin_drop_core(&t, 1), ones);
	assert_int_equal(t.n, 1000 - ones);
	for (uint16_t p = 4000; p < 5000; p++) {
		struct pin *x = pin_find(&t, 0x0a000601, p, LADDR, 80);
		if (p % 3 == 1)
			assert_null(x);
		else
			assert_non_null(x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_remove),
		cmocka_unit_test(test_random_against_a_list),
		cmocka_unit_test(test_three_quarters_full),
		cmocka_unit_test(test_sweep_and_drop_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
