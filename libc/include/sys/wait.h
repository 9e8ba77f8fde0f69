/* sys/wait.h */
#ifndef _PIKAOS_SYS_WAIT_H
#define _PIKAOS_SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG 1
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WTERMSIG(s) ((s) & 0x7f)
#define WIFEXITED(s) (WTERMSIG(s) == 0)
#define WIFSIGNALED(s) (WTERMSIG(s) != 0 && WTERMSIG(s) != 0x7f)

pid_t wait(int *status);
pid_t waitpid(pid_t pid, int *status, int options); /* options: 0 only */

#endif
