/*
 * In-OS tests: POSIX sockets and the applications on top of them, against
 * the netd of each core. They need the network up, so the suite runs only
 * when the command line starts netd and httpd everywhere with a static
 * address (tools/test-all boots "tests=sock start=netd@all,httpd@all
 * ip=..."); in other runs its tests are reported as skipped (KTEST_NEEDS_NET).
 */
#include "bootinfo.h"
#include "cmdline.h"
#include "core.h"
#include "errno.h"
#include "ktest.h"
#include "proc.h"
#include "sched.h"
#include "xcall.h"

#include <fmt.h>
#include <string.h>

/* This machine's address from ip=ADDR/PREFIX,... (KTEST_NEEDS_NET made sure it is there). */
static void net_address(char *out, size_t n)
{
	char ip[64] = "";
	cmdline_get(bootinfo.cmdline, "ip", ip, sizeof(ip));
	for (char *c = ip; *c; c++)
		if (*c == '/' || *c == ',')
			*c = '\0';
	strlcpy(out, ip, n);
}

struct job {
	char prog[32];
	char args[120];
};

/* Runs a program on the core this runs on and returns its wait status. */
static u64 run_here(u64 payload)
{
	struct job j;
	memcpy(&j, (const void *)payload, sizeof(j));
	int pid = proc_spawn(j.prog, j.args, &kernel_proc);
	if (pid < 0)
		return (u64)(long)pid;
	int status = -1;
	proc_wait(&kernel_proc, pid, &status, NULL);
	return (u64)(long)status;
}

static void run_on(struct ktest_ctx *t, int core, const char *prog, const char *args)
{
	struct job j;
	memset(&j, 0, sizeof(j));
	strlcpy(j.prog, prog, sizeof(j.prog));
	strlcpy(j.args, args, sizeof(j.args));
	u64 status = 1;
	if (core == this_core)
		status = run_here((u64)&j);
	else if (!KT_EXPECT_EQ(t, xcall_post_payload(core, run_here, &j, sizeof(j)), 0) ||
		 !KT_EXPECT_EQ(t, xcall_wait(core, 300ULL * 1000000000ULL, &status), 0))
		return;
	if (!KT_EXPECT_EQ(t, status, 0))
		ktest_note(t, "%s %s on core %d: wait status %#lx", prog, args, core, status);
}

/* The socket API test program (user/usock.c), on core 0 and on the last core. */
KTEST(sock, posix_socket_calls, KTEST_NEEDS_NET, 1)
{
	char ip[32], args[64];
	net_address(ip, sizeof(ip));
	fmt_snprintf(args, sizeof(args), "2 %s", ip);
	run_on(t, 0, "usock", args);
	if (ncores > 1)
		run_on(t, ncores - 1, "usock", args);
}

/* The in-OS HTTP load client against the httpd of every core: 400 requests,
 * new connection each, no error. */
KTEST(sock, http_load_inside_the_machine, KTEST_NEEDS_NET, 1)
{
	char ip[32], args[96];
	net_address(ip, sizeof(ip));
	fmt_snprintf(args, sizeof(args), "%s 80 conns=8 secs=60 max=400", ip);
	run_on(t, 0, "hload", args);
	fmt_snprintf(args, sizeof(args), "%s 80 conns=4 secs=60 max=200 keepalive path=/bytes/5000", ip);
	run_on(t, ncores - 1, "hload", args);
}
