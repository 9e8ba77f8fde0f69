/* sched.h */
#ifndef _PIKAOS_SCHED_H
#define _PIKAOS_SCHED_H

int sched_yield(void);

#endif
