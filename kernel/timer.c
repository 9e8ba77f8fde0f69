/* timer.c - see timer.h. */
#include "timer.h"
#include "bootinfo.h"
#include "console.h"
#include "core.h"
#include "lapic.h"
#include "x86.h"

static u64 irqs;
static u32 hz;
static u64 lapic_hz;
static bool tsc_deadline;
static u64 tsc_per_ns, lapic_per_ns; /* rate / 1e9, fixed point with 32 fraction bits */

/* rate_hz / 1e9 << 32 without a 128-bit division */
static u64 per_ns(u64 rate_hz)
{
	return ((rate_hz / 1000000000ULL) << 32) + ((rate_hz % 1000000000ULL) << 32) / 1000000000ULL;
}

static u64 scale(u64 ns, u64 mult) { return (u64)(((unsigned __int128)ns * mult) >> 32); }

/* The LAPIC count the last arming asked for (one-shot mode). */
static u64 armed_at, armed_for;

#define MSR_TSC_DEADLINE 0x6E0
#define LVT_TSC_DEADLINE (2u << 17)

u64 tsc_to_ns(u64 cycles)
{
	return (u64)(((unsigned __int128)cycles * bootinfo.tsc_mult) >> 32);
}

u64 now_ns(void) { return tsc_to_ns(rdtsc() - bootinfo.entry_tsc); }

void delay_ns(u64 ns)
{
	u64 end = now_ns() + ns;
	while (now_ns() < end)
		cpu_pause();
}

/*
 * PIT channel 2 in mode 0 counts down from N and raises OUT2 (port 0x61
 * bit 5) at zero; with the gate (bit 0) high it starts when the count is
 * written. 59659 ticks of 1.193182 MHz = 50 ms.
 */
void tsc_calibrate(void)
{
	const u32 count = 59659;
	outb(0x61, (u8)((inb(0x61) & ~0x02) | 0x01));
	outb(0x43, 0xB0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(0x42, count & 0xFF);
	u64 t0 = rdtsc();
	outb(0x42, count >> 8);
	u64 t1 = t0;
	while (!(inb(0x61) & 0x20)) {
		t1 = rdtsc();
		if (t1 - t0 > 20000000000ULL)
			break;
	}
	u64 cycles = t1 - t0;
	if (cycles < 1000000 || !(inb(0x61) & 0x20)) {
		pr_warn("timer: PIT calibration failed; assuming a 1 GHz TSC\n");
		cycles = 50000000;
	}
	bootinfo.tsc_hz = cycles * 20;
	bootinfo.tsc_mult = (u64)(((unsigned __int128)1000000000ULL << 32) / bootinfo.tsc_hz);
}

/* One reading of the LAPIC's current count, with the TSC just before and
 * after it; the reading is good only when the two are close (the vCPU was
 * not descheduled in between, which under TCG on a busy host happens). */
static bool lapic_sample(u32 *count, u64 *tsc)
{
	u64 a = rdtsc();
	u32 c = lapic_read(LAPIC_TIMER_CUR);
	u64 b = rdtsc();
	*count = c;
	*tsc = a + (b - a) / 2;
	return b - a < bootinfo.tsc_hz / 50000; /* 20 us */
}

static void sort_u64(u64 *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u64 x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
}

void timer_init_core(u32 rate)
{
	hz = rate ? rate : TIMER_HZ_DEFAULT;
	/* The LAPIC's rate against the TSC: 7 windows of 2 ms, each bracketed by
	 * good samples (lapic_sample), the median of them; divide by 16. */
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	enum { N = 7 };
	u64 rates[N];
	int n = 0;
	for (int tries = 0; n < N && tries < 4 * N; tries++) {
		u32 c0, c1;
		u64 t0, t1;
		lapic_write(LAPIC_TIMER_INIT, 0xFFFFFFFFu);
		if (!lapic_sample(&c0, &t0))
			continue;
		while (rdtsc() - t0 < bootinfo.tsc_hz / 500)
			cpu_pause();
		if (!lapic_sample(&c1, &t1) || c1 >= c0)
			continue;
		rates[n++] = (u64)(c0 - c1) * bootinfo.tsc_hz / (t1 - t0);
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	if (n) {
		sort_u64(rates, n);
		lapic_hz = rates[n / 2];
	} else {
		lapic_hz = 62500000; /* never a good sample: QEMU's 1 GHz bus / 16 */
		pr_warn("timer: LAPIC calibration failed; assuming %lu Hz\n", lapic_hz);
	}
	/* CPUID.01H:ECX bit 24: the LAPIC timer has TSC-deadline mode (SDM 10.5.4.1) */
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	tsc_deadline = (c >> 24) & 1;
	tsc_per_ns = per_ns(bootinfo.tsc_hz);
	lapic_per_ns = per_ns(lapic_hz);
	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		wrmsr(MSR_TSC_DEADLINE, 0); /* disarmed */
	} else {
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	}
}

void timer_arm(u64 deadline_ns)
{
	if (tsc_deadline) {
		u64 tsc = 0;
		if (deadline_ns) {
			/* ns -> TSC ticks since entry: ns * hz / 1e9 */
			tsc = bootinfo.entry_tsc + scale(deadline_ns, tsc_per_ns);
			if (tsc == 0)
				tsc = 1;
		}
		wrmsr(MSR_TSC_DEADLINE, tsc);
		return;
	}
	if (!deadline_ns) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	u64 now = now_ns();
	u64 ns = deadline_ns > now ? deadline_ns - now : 0;
	u64 count = scale(ns, lapic_per_ns);
	if (count > 0xFFFFFFFFULL) { /* a very long wait fires early and re-arms */
		count = 0xFFFFFFFFULL;
		ns = 0;
	}
	armed_at = now;
	armed_for = ns;
	lapic_write(LAPIC_TIMER_INIT, (u32)MAX(1, count));
}

/* The TSC and the LAPIC timer are two clocks; the calibration leaves an
 * error (under TCG: the host's TSC against QEMU's virtual clock, measured in
 * 2 ms windows that a busy host may stretch), so a 1 s alarm can ring early
 * and need more interrupts. An alarm can be late (the host ran something
 * else), never early unless our rate is too low: when one of at least 10 ms
 * rings early, but after more than half its time (sooner is an interrupt of
 * an earlier arming that was already pending), the rate is raised by what it
 * missed. (With the raise limited to 2% a step, a calibration 15% low under
 * a busy host took five interrupts for one 1 s sleep: each remainder rang
 * early by the same share.) */
void timer_irq(void)
{
	irqs++;
	if (kshared)
		WRITE_ONCE(core_status_of(this_core)->timer_irqs, irqs);
	if (tsc_deadline || armed_for < 10000000ULL)
		return;
	u64 took = now_ns() - armed_at;
	if (took < armed_for && took > armed_for / 2) {
		u64 fix = (armed_for << 16) / took; /* 1.0 to 2.0 in 16.16 */
		lapic_per_ns = (u64)(((unsigned __int128)lapic_per_ns * fix) >> 16);
	}
	armed_for = 0;
}
u64 timer_irqs(void) { return irqs; }
u32 timer_hz(void) { return hz; }
u64 timer_slice_ns(void) { return 2000000000ULL / hz; }
bool timer_tsc_deadline(void) { return tsc_deadline; }
u64 timer_lapic_hz(void) { return lapic_hz; }
