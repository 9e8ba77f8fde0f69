/* Host tests of the channel rings (libc/chan.c): one thread, then two threads as the two ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libc/include/pikaos/chan.h"

static struct chan_frame frame __attribute__((aligned(4096)));

/* ---- a host implementation of the event primitives: one generation per "core" */
struct hcore {
	pthread_mutex_t m;
	pthread_cond_t cv;
	uint64_t gen;
};
static struct hcore hcores[2];

static uint64_t h_now(void *ctx)
{
	(void)ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
static uint64_t h_prepare(void *ctx)
{
	struct hcore *h = ctx;
	pthread_mutex_lock(&h->m);
	uint64_t g = h->gen;
	pthread_mutex_unlock(&h->m);
	return g;
}
static int h_wait(void *ctx, uint64_t token, uint64_t timeout)
{
	struct hcore *h = ctx;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (timeout > 5000000000ULL)
		timeout = 5000000000ULL;
	uint64_t ns = (uint64_t)ts.tv_nsec + timeout;
	ts.tv_sec += (time_t)(ns / 1000000000ULL);
	ts.tv_nsec = (long)(ns % 1000000000ULL);
	int r = 0;
	pthread_mutex_lock(&h->m);
	while (h->gen == token && r == 0)
		r = pthread_cond_timedwait(&h->cv, &h->m, &ts);
	pthread_mutex_unlock(&h->m);
	return r ? -ETIMEDOUT : 0;
}
static void h_wake(void *ctx, const struct chan *c)
{
	(void)ctx;
	struct hcore *h = &hcores[1 - c->end]; /* the other end's "process" */
	pthread_mutex_lock(&h->m);
	h->gen++;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->m);
}
static struct chan_sync hsync[2];

static int setup(void **s)
{
	(void)s;
	for (int i = 0; i < 2; i++) {
		pthread_mutex_init(&hcores[i].m, NULL);
		pthread_cond_init(&hcores[i].cv, NULL);
		hsync[i] = (struct chan_sync){ h_prepare, h_wait, h_wake, h_now, &hcores[i] };
	}
	chan_frame_init(&frame, 0x1000, 0);
	frame.hdr.end[0].core = 0;
	frame.hdr.end[1].core = 1;
	return 0;
}

static struct chan_msg msg(uint32_t type, uint64_t v)
{
	struct chan_msg m;
	memset(&m, 0, sizeof(m));
	chan_msg_set(&m, type, 7);
	for (int i = 1; i < 7; i++)
		m.w[i] = v * 7 + (uint64_t)i;
	return m;
}

static int check(const struct chan_msg *m, uint32_t type, uint64_t v)
{
	if (chan_msg_type(m) != type || chan_msg_flags(m) != 7)
		return 0;
	for (int i = 1; i < 7; i++)
		if (m->w[i] != v * 7 + (uint64_t)i)
			return 0;
	return 1;
}

static void order_wrap_and_backpressure(void **s)
{
	(void)s;
	struct chan a, b;
	chan_attach(&a, &frame, 0, 1, NULL);
	chan_attach(&b, &frame, 1, 1, NULL);
	struct chan_msg m;
	assert_int_equal(chan_recv(&b, &m), -EAGAIN);
	uint64_t next_send = 0, next_recv = 0;
	for (int round = 0; round < 100; round++) { /* wraps the ring many times */
		int sent = 0;
		struct chan_msg x = msg(1, next_send);
		while (chan_send(&a, &x) == 0) {
			sent++;
			x = msg(1, ++next_send);
		}
		assert_int_equal(sent, round == 0 ? CHAN_SLOTS : (int)(CHAN_SLOTS - (round % 7)));
		assert_int_equal(chan_send(&a, &x), -EAGAIN); /* full: back-pressure */
		int keep = (round + 1) % 7;                     /* leave some unread */
		while (next_send - next_recv > (uint64_t)keep) {
			assert_int_equal(chan_recv(&b, &m), 0);
			assert_true(check(&m, 1, next_recv));
			next_recv++;
		}
	}
	while (chan_recv(&b, &m) == 0)
		assert_true(check(&m, 1, next_recv++));
	assert_int_equal(next_recv, next_send);
	assert_int_equal(a.sent, b.received);
}

static void batched_forms(void **s)
{
	(void)s;
	struct chan a, b;
	chan_attach(&a, &frame, 0, 1, NULL);
	chan_attach(&b, &frame, 1, 1, NULL);
	struct chan_msg out[64], in[64];
	for (int i = 0; i < 64; i++)
		out[i] = msg(2, (uint64_t)i);
	assert_int_equal(chan_send_n(&a, out, 64), CHAN_SLOTS);     /* only what fits */
	assert_int_equal(chan_recv_n(&b, in, 10), 10);
	assert_int_equal(chan_send_n(&a, out + CHAN_SLOTS, 64 - CHAN_SLOTS), 10);
	int got = 10;
	int r;
	while ((r = chan_recv_n(&b, in + got, 64 - got)) > 0)
		got += r;
	assert_int_equal(got, CHAN_SLOTS + 10);
	for (int i = 0; i < got; i++)
		assert_true(check(&in[i], 2, (uint64_t)i));
	/* the other direction is independent */
	assert_int_equal(chan_send_n(&b, out, 3), 3);
	assert_int_equal(chan_recv_n(&a, in, 64), 3);
}

static void close_gives_epipe_after_drain(void **s)
{
	(void)s;
	struct chan a, b;
	chan_attach(&a, &frame, 0, 1, NULL);
	chan_attach(&b, &frame, 1, 1, NULL);
	struct chan_msg m = msg(3, 1);
	assert_int_equal(chan_send(&a, &m), 0);
	chan_close(&a);
	assert_true(chan_peer_closed(&b));
	assert_int_equal(chan_send(&b, &m), -EPIPE);       /* the peer gets an error, not a hang */
	assert_int_equal(chan_recv(&b, &m), 0);            /* what was sent before the close arrives */
	assert_true(check(&m, 3, 1));
	assert_int_equal(chan_recv(&b, &m), -EPIPE);
	assert_int_equal(chan_send(&a, &m), -EPIPE);       /* and the closed end cannot send */
}

/* ---- two threads */
#define MILLION 1000000

static void *million_receiver(void *arg)
{
	struct chan *b = arg;
	struct chan_msg in[16];
	uint64_t next = 0, bad = 0;
	while (next < MILLION) {
		int r = chan_recv_n_wait(b, in, 16, 10000000000ULL);
		if (r <= 0)
			return (void *)(uintptr_t)(1000000000 + next);
		for (int i = 0; i < r; i++)
			bad += !check(&in[i], 4, next++);
	}
	return (void *)(uintptr_t)bad;
}

static void two_threads_a_million_messages(void **s)
{
	(void)s;
	static struct chan a, b;
	chan_attach(&a, &frame, 0, 1, &hsync[0]);
	chan_attach(&b, &frame, 1, 1, &hsync[1]);
	pthread_t t;
	pthread_create(&t, NULL, million_receiver, &b);
	struct chan_msg batch[8];
	for (uint64_t i = 0; i < MILLION;) {
		if (i % 3 == 0) { /* mix single and batched sends */
			struct chan_msg m = msg(4, i);
			assert_int_equal(chan_send_wait(&a, &m, 10000000000ULL), 0);
			i++;
		} else {
			int n = (int)(MILLION - i < 8 ? MILLION - i : 8);
			for (int k = 0; k < n; k++)
				batch[k] = msg(4, i + (uint64_t)k);
			assert_int_equal(chan_send_n_wait(&a, batch, n, 10000000000ULL), n);
			i += (uint64_t)n;
		}
	}
	void *ret;
	pthread_join(t, &ret);
	assert_int_equal((uintptr_t)ret, 0);
	assert_int_equal(b.received, MILLION);
}

static void *bursty_receiver(void *arg)
{
	struct chan *b = arg;
	struct chan_msg m;
	uint64_t next = 0, bad = 0;
	unsigned seed = 99;
	b->spin = 0; /* sleep at once: exercise the sleep path */
	while (next < 100000) {
		if (rand_r(&seed) % 500 == 0)
			usleep(rand_r(&seed) % 300); /* random naps between bursts */
		if (chan_recv_wait(b, &m, 10000000000ULL))
			return (void *)(uintptr_t)(1000000000 + next);
		bad += !check(&m, 5, next++);
	}
	return (void *)(uintptr_t)bad;
}

static void no_lost_wakeups(void **s)
{
	(void)s;
	static struct chan a, b;
	chan_attach(&a, &frame, 0, 1, &hsync[0]);
	chan_attach(&b, &frame, 1, 1, &hsync[1]);
	pthread_t t;
	uint64_t start = h_now(NULL);
	pthread_create(&t, NULL, bursty_receiver, &b);
	unsigned seed = 7;
	for (uint64_t i = 0; i < 100000;) {
		int burst = 1 + rand_r(&seed) % 40;
		for (int k = 0; k < burst && i < 100000; k++, i++) {
			struct chan_msg m = msg(5, i);
			assert_int_equal(chan_send_wait(&a, &m, 10000000000ULL), 0);
		}
		if (rand_r(&seed) % 4 == 0)
			usleep(rand_r(&seed) % 200);
	}
	void *ret;
	pthread_join(t, &ret);
	assert_int_equal((uintptr_t)ret, 0);
	assert_true(b.sleeps > 0); /* the receiver really slept ... */
	assert_true(a.wakes > 0);  /* ... and was woken by the sender */
	assert_true(h_now(NULL) - start < 60000000000ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(order_wrap_and_backpressure, setup),
		cmocka_unit_test_setup(batched_forms, setup),
		cmocka_unit_test_setup(close_gives_epipe_after_drain, setup),
		cmocka_unit_test_setup(two_threads_a_million_messages, setup),
		cmocka_unit_test_setup(no_lost_wakeups, setup),
	};
	return cmocka_run_group_tests_name("chan", tests, NULL, NULL);
}
