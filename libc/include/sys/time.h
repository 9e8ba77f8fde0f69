/* sys/time.h */
#ifndef _PIKAOS_SYS_TIME_H
#define _PIKAOS_SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};
struct timezone;
int gettimeofday(struct timeval *tv, struct timezone *tz);

#endif
