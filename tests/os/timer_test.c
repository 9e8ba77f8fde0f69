/* In-OS tests: the tick and the clock on every core. */
#include "bootinfo.h"
#include "ktest.h"
#include "rtc.h"
#include "timer.h"
#include "x86.h"

KTEST(timer, ticks_at_configured_rate, KTEST_EVERY_CORE, 1)
{
	/* Wait one second of TSC time in hlt (a busy core on an overloaded host
	 * would measure the host, not us) and count the ticks: within 10%. */
	u64 hz = timer_hz();
	u64 t0 = timer_ticks(), start = now_ns();
	while (now_ns() - start < 1000000000ULL)
		cpu_sti_hlt();
	u64 ticks = timer_ticks() - t0;
	if (!KT_EXPECT(t, ticks * 10 >= hz * 9 && ticks * 10 <= hz * 11))
		ktest_note(t, "%lu ticks in 1 s at hz=%lu", ticks, hz);
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
