/* In-OS tests: the tick and the clock on every core. */
#include "bootinfo.h"
#include "ktest.h"
#include "rtc.h"
#include "timer.h"
#include "x86.h"

static void sort_u64(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

KTEST(timer, ticks_at_configured_rate, KTEST_EVERY_CORE, 1)
{
	/*
	 * Spend one second of TSC time in hlt (a busy core would measure the
	 * host, not us) and note the TSC each time the tick count moves.
	 *  - The median time between two ticks must be 1/hz within 5%: that is
	 *    the rate the LAPIC timer was programmed with.
	 *  - The number of ticks must stay under 110% of hz (more is always our
	 *    bug) and reach half of it. Not 90%: under TCG on 2 busy host cores
	 *    a descheduled vCPU misses expirations of its periodic timer and
	 *    QEMU merges them into one interrupt; CI lost 16% of one core's
	 *    ticks in a second. Lost ticks do not move the median.
	 */
	enum { MAX = 128 };
	u64 gaps[MAX], hz = timer_hz(), want = 1000000000ULL / hz;
	int n = 0;
	u64 t0 = timer_ticks(), seen = t0, last = 0, start = now_ns();
	while (now_ns() - start < 1000000000ULL) {
		cpu_sti_hlt();
		u64 now = timer_ticks();
		if (now == seen)
			continue;
		u64 at = now_ns();
		if (last && now == seen + 1 && n < MAX)
			gaps[n++] = at - last;
		last = at;
		seen = now;
	}
	u64 ticks = timer_ticks() - t0;
	if (!KT_EXPECT(t, ticks * 2 >= hz && ticks * 10 <= hz * 11))
		ktest_note(t, "%lu ticks in 1 s at hz=%lu", ticks, hz);
	if (!KT_EXPECT(t, n >= 8))
		return;
	sort_u64(gaps, n);
	u64 median = gaps[n / 2];
	if (!KT_EXPECT(t, median * 20 >= want * 19 && median * 20 <= want * 21))
		ktest_note(t, "median gap between ticks %lu ns at hz=%lu, want %lu +-5%%", median, hz,
			   want);
}

KTEST(timer, clock_is_monotonic, KTEST_EVERY_CORE, 1)
{
	u64 prev = now_ns();
	for (int i = 0; i < 100000; i++) {
		u64 now = now_ns();
		if (!KT_EXPECT(t, now >= prev))
			break;
		prev = now;
	}
	u64 a = now_ns();
	delay_ns(10000000);
	u64 b = now_ns();
	KT_EXPECT(t, b - a >= 10000000 && b - a < 1000000000);
}

KTEST(timer, rtc_epoch_conversion, 0, 1)
{
	KT_EXPECT_EQ(t, rtc_epoch(1970, 1, 1, 0, 0, 0), 0);
	KT_EXPECT_EQ(t, rtc_epoch(2000, 3, 1, 0, 0, 0), 951868800);    /* after a century leap day */
	KT_EXPECT_EQ(t, rtc_epoch(2023, 11, 14, 22, 13, 20), 1700000000);
	KT_EXPECT_EQ(t, rtc_epoch(2038, 1, 19, 3, 14, 8), 2147483648ULL);
	KT_EXPECT(t, bootinfo.boot_epoch_s > 1600000000); /* the RTC was read: after 2020 */
}
