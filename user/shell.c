/*
 * shell - the serial console of a running pikaos, on core 0.
 * Started by core 0's monitor (not with tests= or noshell). Commands:
 *   cores                 one line per core: uptime, load, processes, memory
 *   ps [CORE]             processes of one core or of all
 *   services [CORE]       registered names
 *   spawn PROG[@CORE] [ARGS...]
 *   kill CORE PID         end a process (a start= service is restarted)
 *   stats [CORE]          the kernel counters of a core
 *   netstat [CORE]        netd's counters: queue, interrupts, drops by reason
 *   help
 * It reads the serial line (SYS_console_read) and asks the monitors for
 * everything it shows, over its monitor channel.
 */
#include <errno.h>
#include <pikaos.h>
#include <pikaos/monitor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pikaos/msg.h>
#include <pikaos/netd.h>

static int ncores;

/* A line of at most max - 1 bytes; a longer one is refused whole (an empty
 * line) rather than run cut short. */
static int read_line(char *buf, int max)
{
	int n = 0, over = 0;
	for (;;) {
		char c;
		long r = __syscall(SYS_console_read, (long)&c, 1, 0, 0);
		if (r <= 0)
			return -1;
		if (c == '\r' || c == '\n') {
			printf("\n");
			if (over) {
				printf("shell: a line is at most %d bytes; ignored\n", max - 1);
				n = 0;
			}
			buf[n] = '\0';
			return n;
		}
		if ((c == 0x7f || c == '\b')) {
			if (n > 0) {
				n--;
				printf("\b \b");
				fflush(stdout);
			}
			continue;
		}
		if (c < 32)
			continue;
		if (n == max - 1) {
			over = 1;
			continue;
		}
		buf[n++] = c;
		putchar(c); /* echo (the console prints whole lines: it shows at the newline) */
	}
}

static int core_arg(const char *a, int *from, int *to)
{
	*from = 0;
	*to = ncores - 1;
	if (!a)
		return 0;
	char *end;
	long c = strtol(a, &end, 10);
	if (*end || c < 0 || c >= ncores) {
		printf("no core %s (0..%d)\n", a, ncores - 1);
		return -1;
	}
	*from = *to = (int)c;
	return 0;
}

static void cmd_cores(void)
{
	printf("core  uptime_ms  idle%%  procs  threads  free_MiB  chan_free  switches\n");
	for (int c = 0; c < ncores; c++) {
		struct pika_core_stats st;
		int e = mon_stats(c, &st);
		if (e) {
			printf("%4d  (no answer: %s)\n", c, strerror(-e));
			continue;
		}
		unsigned long idle = st.uptime_ns ? st.idle_ns / (st.uptime_ns / 100 ? st.uptime_ns / 100 : 1) : 0;
		printf("%4d  %9lu  %5lu  %5lu  %7lu  %8lu  %9lu  %8lu\n", c, st.uptime_ns / 1000000, idle,
		       st.procs, st.threads, st.free_frames * 4096 >> 20, st.chan_free, st.switches);
	}
}

static void cmd_ps(const char *arg)
{
	int from, to;
	if (core_arg(arg, &from, &to))
		return;
	static struct pika_proc_info p[128];
	printf("core       pid      ppid  state   thr  run_ms  switches  wakeups  chans  frames  name\n");
	for (int c = from; c <= to; c++) {
		long n = mon_ps(c, p, 128);
		if (n < 0) {
			printf("%4d  (no answer: %s)\n", c, strerror((int)-n));
			continue;
		}
		for (long i = 0; i < n; i++)
			printf("%4d  %8d  %8d  %-6s  %3u  %6lu  %8lu  %7lu  %5u  %6lu  %s%s\n", c, p[i].pid, p[i].ppid,
			       p[i].state == 1 ? "run" : "zombie", p[i].threads, p[i].run_ns / 1000000,
			       p[i].switches, p[i].wakeups, p[i].nchans, p[i].frames, p[i].name, p[i].monitor ? " (monitor)" : "");
	}
}

static void cmd_services(const char *arg)
{
	int from, to;
	if (core_arg(arg, &from, &to))
		return;
	struct mon_service s[64];
	int total = 0;
	for (int c = from; c <= to; c++) {
		long n = mon_services(c, s, 64);
		for (long i = 0; i < n; i++, total++)
			printf("%s@%u  pid %d\n", s[i].name, s[i].core, s[i].pid);
	}
	if (!total)
		printf("no services registered\n");
}

static void cmd_spawn(char *arg)
{
	if (!arg) {
		printf("usage: spawn PROG[@CORE] [ARGS...]\n");
		return;
	}
	char *args = strchr(arg, ' ');
	if (args)
		*args++ = '\0';
	int c = pika_getcore();
	char *at = strchr(arg, '@');
	if (at) {
		*at = '\0';
		c = atoi(at + 1);
	}
	char cmd[MON_SPAWN_MAX + 1];
	int n = snprintf(cmd, sizeof(cmd), "%s%s%s", arg, args ? " " : "", args ? args : "");
	int pid = n >= (int)sizeof(cmd) ? -E2BIG : mon_spawn(cmd, c);
	if (pid < 0)
		printf("spawn %s@%d: %s\n", arg, c, strerror(-pid));
	else
		printf("started %s on core %d: pid %d\n", arg, c, pid);
}

static void cmd_kill(const char *arg)
{
	int c, pid;
	char tail;
	if (!arg || sscanf(arg, "%d %d%c", &c, &pid, &tail) != 2 || c < 0 || c >= ncores) {
		printf("usage: kill CORE PID\n");
		return;
	}
	int e = mon_kill(c, pid);
	if (e < 0)
		printf("kill %d %d: %s\n", c, pid, strerror(-e));
	else
		printf("killed pid %d on core %d\n", pid, c);
}

static struct chan netd[64];
static int netd_bound[64];

static void cmd_netstat(const char *arg)
{
	int from, to;
	if (core_arg(arg, &from, &to))
		return;
	static char text[8192];
	for (int c = from; c <= to; c++) {
		if (!netd_bound[c]) {
			int e = mon_bind("netd", c, &netd[c]);
			if (e) {
				printf("core %d: no netd (%s)\n", c, strerror(-e));
				continue;
			}
			netd_bound[c] = 1;
		}
		size_t got = 0;
		int n = msg_call(&netd[c], PIKA_NETD_STATS, NULL, 0, text, sizeof(text) - 1, &got, 10000000000ULL);
		if (n < 0) {
			printf("core %d: netd did not answer (%s)\n", c, strerror(-n));
			pika_chan_close(&netd[c]);
			netd_bound[c] = 0;
			continue;
		}
		text[n < (int)got ? n : (int)got] = '\0';
		fputs(text, stdout);
	}
}

static void cmd_stats(const char *arg)
{
	int from, to;
	if (core_arg(arg, &from, &to))
		return;
	for (int c = from; c <= to; c++) {
		struct pika_core_stats st;
		if (mon_stats(c, &st)) {
			printf("core %d: no answer\n", c);
			continue;
		}
		printf("core %d: uptime %lu ms, idle %lu ms, switches %lu, cr3_loads %lu, syscalls %lu\n", c,
		       st.uptime_ns / 1000000, st.idle_ns / 1000000, st.switches, st.cr3_loads, st.syscalls);
		printf("core %d: wakes %lu wakes_awake %lu wakes_spurious %lu event_sleeps %lu ipis_sent %lu "
		       "ipis_received %lu timer_irqs %lu device_irqs %lu\n",
		       c, st.wakes, st.wakes_awake, st.wakes_spurious, st.event_sleeps, st.ipis_sent, st.ipis_received,
		       st.timer_irqs, st.device_irqs);
		printf("core %d: frames %lu free of %lu, channel frames %lu free of %lu\n", c, st.free_frames,
		       st.total_frames, st.chan_free, st.chan_total);
		printf("core %d: processes %lu, threads %lu\n", c, st.procs, st.threads);
		printf("core %d: dma frames of ended drivers: held %lu quarantined %lu freed %lu corrupted %lu lost %lu, "
		       "masters_stopped %lu\n",
		       c, st.dma.held, st.dma.quarantined, st.dma.freed, st.dma.corrupted, st.dma.lost,
		       st.dma.masters_stopped);
		char line[512];
		int n = snprintf(line, sizeof(line), "core %d: syscalls", c);
		for (int k = 0; k < PIKA_STATS_SYSCALLS && n < (int)sizeof(line) - 32; k++)
			if (st.sys_count[k])
				n += snprintf(line + n, sizeof(line) - (size_t)n, " %s %lu", pika_syscall_name(k),
					      st.sys_count[k]);
		printf("%s\n", line);
	}
}

int main(void)
{
	ncores = pika_ncores();
	if (!mon_chan()) {
		printf("shell: no monitor\n");
		return 1;
	}
	printf("pikaos shell on core %d; 'help' lists the commands\n", pika_getcore());
	char line[512];
	for (;;) {
		printf("pika> ");
		fflush(stdout);
		if (read_line(line, sizeof(line)) < 0)
			return 1;
		char *cmd = strtok(line, " ");
		char *arg = strtok(NULL, "");
		while (arg && *arg == ' ')
			arg++;
		if (arg && !*arg)
			arg = NULL;
		if (!cmd)
			continue;
		if (strcmp(cmd, "cores") == 0)
			cmd_cores();
		else if (strcmp(cmd, "ps") == 0)
			cmd_ps(arg);
		else if (strcmp(cmd, "services") == 0)
			cmd_services(arg);
		else if (strcmp(cmd, "spawn") == 0)
			cmd_spawn(arg);
		else if (strcmp(cmd, "kill") == 0)
			cmd_kill(arg);
		else if (strcmp(cmd, "stats") == 0)
			cmd_stats(arg);
		else if (strcmp(cmd, "netstat") == 0)
			cmd_netstat(arg);
		else if (strcmp(cmd, "halt") == 0) {
			/* the network statistics of every core, then power off */
			cmd_netstat(NULL);
			printf("shell: powering off\n");
			fflush(stdout);
			int e = pika_poweroff(0);
			printf("halt: %s\n", strerror(errno));
			(void)e;
		} else if (strcmp(cmd, "help") == 0)
			printf("commands: cores, ps [CORE], services [CORE], spawn PROG[@CORE] [ARGS], kill CORE PID, stats [CORE], "
			       "netstat [CORE], halt\n");
		else
			printf("%s: unknown command ('help' lists them)\n", cmd);
	}
}
