/*
 * acceptors - PIKA's speculative handshake between real processes of one
 * core (in-OS suite sock): connections offered to a process that does not
 * claim them in time, or that dies, reach another acceptor of the same
 * listen socket, with their bytes; the late process is told (its claims
 * fail) and is offered connections again once it accepts again.
 *
 *   acceptors test PORT     the test: spawns the roles below on this core,
 *                           talks to them on 127.0.0.1 (TCP PORT; UDP PORT+1
 *                           to hear from them); exit status 0 when it held
 *   acceptors serve PORT    accepts and answers "pid N" to each request
 *                           line, until a request "QUIT"
 *   acceptors stall PORT MS listens, does not accept for MS ms, then says
 *                           "awake LATE" (its late claims) and serves
 *   acceptors die PORT      listens, never accepts, crashes when told (UDP
 *                           PORT+2)
 * Each role says "ready ROLE PID" on UDP PORT+1 once it listens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pikaos.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t port;
static int failures;

#define CHECK(cond, ...)                                   \
	do {                                               \
		if (!(cond)) {                             \
			printf("acceptors: FAIL: " __VA_ARGS__); \
			printf("\n");                      \
			failures++;                        \
		}                                          \
	} while (0)

static struct sockaddr_in local(uint16_t p)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(p);
	a.sin_addr.s_addr = htonl(0x7f000001);
	return a;
}
#define SA(a) ((struct sockaddr *)&(a))

static void say(const char *text)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = local((uint16_t)(port + 1));
	long r = sendto(u, text, strlen(text), 0, SA(to), sizeof(to));
	if (r < 0)
		printf("acceptors: say %s: %s\n", text, strerror(errno));
	close(u);
}

static int listener(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = local(port);
	a.sin_addr.s_addr = 0;
	setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* the first phase's TIME_WAITs */
	if (l < 0 || bind(l, SA(a), sizeof(a)) < 0 || listen(l, 64) < 0) {
		printf("acceptors: listen on %u: %s\n", port, strerror(errno));
		exit(2);
	}
	return l;
}

/* Reads a line (up to '\n') within ms; its length, or -1. */
static int read_line(int fd, char *buf, int max, int ms)
{
	int n = 0;
	while (n < max - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, ms) <= 0)
			return -1;
		ssize_t k = read(fd, buf + n, 1);
		if (k <= 0)
			return -1;
		if (buf[n++] == '\n')
			break;
	}
	buf[n] = '\0';
	return n;
}

/* Answers one accepted connection; true when it asked us to quit. */
static bool answer(int s)
{
	char line[64], reply[64];
	bool quit = false;
	if (read_line(s, line, sizeof(line), 5000) > 0) {
		quit = strncmp(line, "QUIT", 4) == 0;
		int n = snprintf(reply, sizeof(reply), "pid %d\n", getpid());
		write(s, reply, (size_t)n);
	}
	close(s);
	return quit;
}

static int serve(int l)
{
	for (;;) {
		int s = accept(l, NULL, NULL);
		if (s < 0) {
			printf("acceptors: accept: %s\n", strerror(errno));
			return 1;
		}
		if (answer(s))
			return 0;
	}
}

static int role_stall(int ms)
{
	int l = listener();
	char text[64];
	snprintf(text, sizeof(text), "ready stall %d", getpid());
	say(text);
	usleep((useconds_t)ms * 1000);
	/* what was offered meanwhile went to another acceptor: our claims fail */
	struct pollfd pl = { l, POLLIN, 0 };
	while (poll(&pl, 1, 0) == 1) { /* readiness drops what is no longer ours */
		int s = accept(l, NULL, NULL);
		if (s < 0)
			break;
		if (answer(s))
			return 0;
	}
	snprintf(text, sizeof(text), "awake %lu", pika_accept_late_claims());
	say(text);
	return serve(l);
}

static int role_die(void)
{
	int l = listener();
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = local((uint16_t)(port + 2));
	if (u < 0 || bind(u, SA(a), sizeof(a)) < 0)
		return 2;
	char text[64];
	snprintf(text, sizeof(text), "ready die %d", getpid());
	say(text);
	recv(u, text, sizeof(text), 0);
	(void)l;
	volatile uintptr_t nowhere = 8;
	*(volatile int *)nowhere = 1; /* a crash, with offers never claimed */
	return 3;
}

/* ---------------------------------------------------------------- the test */

static int udp_in;

/* The next word-prefixed message from a role, within ms: its number after
 * the word (the pid of "ready ROLE PID", the count of "awake N"), or -1. */
static long hear(const char *word, int ms)
{
	char buf[64];
	struct pollfd p = { udp_in, POLLIN, 0 };
	if (poll(&p, 1, ms) <= 0) {
		printf("acceptors: nothing heard within %d ms (waiting for %s)\n", ms, word);
		return -1;
	}
	ssize_t n = recv(udp_in, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (strncmp(buf, word, strlen(word)) != 0) {
		printf("acceptors: heard \"%s\", not %s\n", buf, word);
		return -1;
	}
	const char *num = strrchr(buf, ' ');
	return num ? strtol(num + 1, NULL, 10) : -1;
}

static int dial(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = local(port);
	if (c < 0 || connect(c, SA(a), sizeof(a)) < 0) {
		printf("acceptors: connect: %s\n", strerror(errno));
		if (c >= 0)
			close(c);
		return -1;
	}
	return c;
}

/* Sends a request line on c and reads "pid N": N, or -1. */
static long ask(int c, const char *what, bool send_it, bool read_it)
{
	if (send_it && write(c, what, strlen(what)) != (ssize_t)strlen(what))
		return -1;
	if (!read_it)
		return 0;
	char line[64];
	long pid = -1;
	if (read_line(c, line, sizeof(line), 10000) > 0 && strncmp(line, "pid ", 4) == 0)
		pid = strtol(line + 4, NULL, 10);
	close(c);
	return pid;
}

static long request(const char *what)
{
	int c = dial();
	return c < 0 ? -1 : ask(c, what, true, true);
}

/* Until both pids answered a QUIT (each quits on its first). */
static void quit_both(long a, long b)
{
	bool qa = a < 0, qb = b < 0;
	for (int i = 0; i < 8 && !(qa && qb); i++) {
		long who = request("QUIT\n");
		qa |= who == a;
		qb |= who == b;
	}
	CHECK(qa && qb, "the servers did not both quit");
}

static int wait_status(long pid)
{
	int status = -1;
	pika_wait((pid_t)pid, &status, NULL);
	return status;
}

/* A process that does not claim in time loses its offers to the other
 * acceptor, its claims are refused, and after it accepts again it is
 * offered connections again. */
static void timeout_phase(void)
{
	char args[64];
	snprintf(args, sizeof(args), "serve %u", port);
	long serve_pid = pika_spawn("acceptors", args, PIKA_CORE_SELF);
	snprintf(args, sizeof(args), "stall %u 3000", port);
	long stall_pid = pika_spawn("acceptors", args, PIKA_CORE_SELF);
	long r1 = hear("ready", 10000), r2 = hear("ready", 10000);
	CHECK(r1 > 0 && r2 > 0, "the roles did not get ready (%ld %ld)", r1, r2);
	int served = 0, by_serve = 0;
	for (int i = 0; i < 20; i++) {
		long who = request("GET\n");
		served += who > 0;
		by_serve += who == serve_pid;
	}
	CHECK(served == 20, "%d of 20 requests answered while one acceptor stalls", served);
	CHECK(by_serve == 20, "%d of 20 answered by the acceptor that claims", by_serve);
	long late = hear("awake", 10000);
	CHECK(late >= 1, "the stalled acceptor's late claims: %ld (its offers went elsewhere)", late);
	int by_stall = 0;
	served = 0;
	for (int i = 0; i < 10; i++) {
		long who = request("GET\n");
		served += who > 0;
		by_stall += who == stall_pid;
	}
	CHECK(served == 10, "%d of 10 requests answered after the stall", served);
	CHECK(by_stall >= 1, "the acceptor that accepts again got %d of 10", by_stall);
	printf("acceptors: timeout: 20 of 20 answered during a stall, %ld late claims, then %d of 10 by it\n", late,
	       by_stall);
	quit_both(serve_pid, stall_pid);
	CHECK(wait_status(serve_pid) == 0, "serve's exit status");
	CHECK(wait_status(stall_pid) == 0, "stall's exit status");
}

/* A process dies with offers it never claimed: the other acceptor (late
 * itself, so nothing moved before) gets them with their requests. */
static void exit_phase(void)
{
	char args[64];
	snprintf(args, sizeof(args), "stall %u 1500", port);
	long stall_pid = pika_spawn("acceptors", args, PIKA_CORE_SELF);
	snprintf(args, sizeof(args), "die %u", port);
	long die_pid = pika_spawn("acceptors", args, PIKA_CORE_SELF);
	long r1 = hear("ready", 10000), r2 = hear("ready", 10000);
	CHECK(r1 > 0 && r2 > 0, "the roles did not get ready (%ld %ld)", r1, r2);
	enum { N = 6 };
	int c[N];
	for (int i = 0; i < N; i++) {
		c[i] = dial();
		if (c[i] >= 0)
			ask(c[i], "GET\n", true, false);
	}
	usleep(200000);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = local((uint16_t)(port + 2));
	sendto(u, "die", 3, 0, SA(to), sizeof(to));
	close(u);
	int st = wait_status(die_pid);
	CHECK(st != 0, "the dying acceptor's exit status %#x", st);
	int by_stall = 0;
	for (int i = 0; i < N; i++)
		if (c[i] >= 0)
			by_stall += ask(c[i], "", false, true) == stall_pid;
	CHECK(by_stall == N, "%d of %d connections answered after an acceptor died with its offers", by_stall, N);
	long late = hear("awake", 10000);
	CHECK(late == 0, "the surviving acceptor's late claims: %ld", late);
	printf("acceptors: exit: %d of %d answered by the survivor\n", by_stall, N);
	quit_both(stall_pid, -1);
	CHECK(wait_status(stall_pid) == 0, "stall's exit status");
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	port = (uint16_t)atoi(argv[2]);
	if (!strcmp(argv[1], "serve")) {
		int l = listener();
		char text[64];
		snprintf(text, sizeof(text), "ready serve %d", getpid());
		say(text);
		return serve(l);
	}
	if (!strcmp(argv[1], "stall") && argc > 3)
		return role_stall(atoi(argv[3]));
	if (!strcmp(argv[1], "die"))
		return role_die();
	if (strcmp(argv[1], "test"))
		return 2;
	udp_in = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = local((uint16_t)(port + 1));
	if (udp_in < 0 || bind(udp_in, SA(a), sizeof(a)) < 0) {
		printf("acceptors: UDP %u: %s\n", port + 1, strerror(errno));
		return 2;
	}
	timeout_phase();
	exit_phase();
	printf("acceptors: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
