/* unistd.h - the POSIX calls pikaos has; the others fail with ENOSYS. */
#ifndef _PIKAOS_UNISTD_H
#define _PIKAOS_UNISTD_H

#include <stddef.h>
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define _SC_NPROCESSORS_ONLN 84
#define _SC_NPROCESSORS_CONF 83
#define _SC_PAGESIZE 30
#define _SC_PAGE_SIZE _SC_PAGESIZE
#define _SC_CLK_TCK 2

ssize_t write(int fd, const void *buf, size_t n);
ssize_t read(int fd, void *buf, size_t n);
int close(int fd);
pid_t getpid(void);
pid_t getppid(void);
unsigned sleep(unsigned seconds);
int usleep(useconds_t us);
__attribute__((noreturn)) void _exit(int code);
long sysconf(int name);
int isatty(int fd);
off_t lseek(int fd, off_t off, int whence);
int pause(void);
/* No process cloning or file system: these fail with ENOSYS. */
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execv(const char *path, char *const argv[]);
int execvp(const char *file, char *const argv[]);
int pipe(int fds[2]);
int dup(int fd);
int dup2(int fd, int fd2);
int unlink(const char *path);
int chdir(const char *path);
char *getcwd(char *buf, size_t n);
int access(const char *path, int mode);
void *sbrk(long inc);
uid_t getuid(void);
gid_t getgid(void);

#endif
