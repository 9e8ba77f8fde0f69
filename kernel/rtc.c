/* rtc.c - see rtc.h. MC146818 registers: 0x00 s, 0x02 min, 0x04 h, 0x07 day,
 * 0x08 month, 0x09 year, 0x0A status A (bit 7: update in progress), 0x0B
 * status B (bit 2: binary, bit 1: 24-hour). */
#include "rtc.h"
#include "bootinfo.h"
#include "x86.h"

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

u64 rtc_epoch(int y, int m, int d, int hh, int mm, int ss)
{
	/* days from 1970-01-01, counting years from March so leap days come last */
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long days = era * 146097 + doe - 719468;
	return (u64)(days * 86400 + hh * 3600 + mm * 60 + ss);
}

static int bcd(u8 v, bool binary) { return binary ? v : (v & 0x0F) + (v >> 4) * 10; }

void rtc_init(void)
{
	u8 r[6], again[6];
	const u8 regs[6] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09 };
	for (int tries = 0; tries < 10; tries++) {
		while (cmos(0x0A) & 0x80)
			cpu_pause();
		for (int i = 0; i < 6; i++)
			r[i] = cmos(regs[i]);
		for (int i = 0; i < 6; i++)
			again[i] = cmos(regs[i]);
		bool same = true;
		for (int i = 0; i < 6; i++)
			same &= r[i] == again[i];
		if (same)
			break;
	}
	u8 b = cmos(0x0B);
	bool binary = b & 4;
	int hour = bcd(r[2] & 0x7F, binary);
	if (!(b & 2) && (r[2] & 0x80)) /* 12-hour clock, PM */
		hour = (hour % 12) + 12;
	bootinfo.boot_epoch_s = rtc_epoch(2000 + bcd(r[5], binary), bcd(r[4], binary), bcd(r[3], binary),
					  hour, bcd(r[1], binary), bcd(r[0], binary));
}
