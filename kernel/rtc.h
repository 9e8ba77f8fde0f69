/* rtc.h - the CMOS real-time clock, read once at boot by core 0. */
#ifndef KERNEL_RTC_H
#define KERNEL_RTC_H

#include "types.h"

/* Seconds since 1970-01-01 UTC for a civil date (portable; proleptic Gregorian). */
u64 rtc_epoch(int year, int month, int day, int hour, int min, int sec);
/* Reads the RTC into bootinfo.boot_epoch_s. */
void rtc_init(void);

#endif
