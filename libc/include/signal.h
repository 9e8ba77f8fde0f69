/* signal.h - there are no signals: a fault ends the process (see sys/wait.h). */
#ifndef _PIKAOS_SIGNAL_H
#define _PIKAOS_SIGNAL_H

#include <sys/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17

typedef void (*sighandler_t)(int);
#define SIG_DFL ((sighandler_t)0)
#define SIG_IGN ((sighandler_t)1)
#define SIG_ERR ((sighandler_t)-1)

sighandler_t signal(int sig, sighandler_t h); /* ENOSYS, except SIG_IGN/SIG_DFL for SIGPIPE */
int kill(pid_t pid, int sig);                  /* ENOSYS */
int raise(int sig);                            /* ends the process for SIGABRT, else ENOSYS */

#endif
