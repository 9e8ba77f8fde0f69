/* sys/select.h - select() over poll(). */
#ifndef _PIKAOS_SYS_SELECT_H
#define _PIKAOS_SYS_SELECT_H

#include <sys/time.h>

#define FD_SETSIZE 1024
typedef struct {
	unsigned long bits[FD_SETSIZE / 64];
} fd_set;
#define FD_ZERO(s) __builtin_memset((s), 0, sizeof(*(s)))
#define FD_SET(fd, s) ((s)->bits[(fd) / 64] |= 1UL << ((fd) % 64))
#define FD_CLR(fd, s) ((s)->bits[(fd) / 64] &= ~(1UL << ((fd) % 64)))
#define FD_ISSET(fd, s) (((s)->bits[(fd) / 64] >> ((fd) % 64)) & 1)

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *timeout);

#endif
