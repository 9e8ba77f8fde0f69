/*
 * bulk - discard/chargen-style bulk TCP tools.
 *
 *   bulk discard [port=9]              server: reads and drops everything
 *   bulk chargen [port=19]             server: sends the RFC 864 pattern until the client leaves
 *   bulk send ADDR PORT BYTES          client: sends BYTES, prints MB/s
 *   bulk recv ADDR PORT BYTES          client: reads BYTES (from chargen), checks the pattern
 *
 * Servers take one connection at a time and print a line per connection.
 * Clients exit 0 when every byte went through.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pikaos.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

/* RFC 864: lines of 72 printable characters, each starting one later. */
static char chargen_byte(uint64_t i)
{
	uint64_t line = i / 74, col = i % 74;
	if (col == 72)
		return '\r';
	if (col == 73)
		return '\n';
	return (char)(' ' + (line + col) % 95);
}

static char buf[BUF];

static int server(int chargen, int port)
{
	int core = pika_getcore(), one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 16) < 0) {
		printf("bulk: core %d: port %d: %s\n", core, port, strerror(errno));
		return 1;
	}
	printf("bulk: core %d: %s on port %d\n", core, chargen ? "chargen" : "discard", port);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0 && errno == ENETDOWN) { /* netd went (a start= service is started again) */
			printf("bulk: core %d: netd went away\n", core);
			return 1;
		}
		if (c < 0)
			continue;
		uint64_t n = 0, t0 = pika_clock_ns();
		for (;;) {
			ssize_t r;
			if (chargen) {
				for (size_t i = 0; i < BUF; i++)
					buf[i] = chargen_byte(n + i);
				r = write(c, buf, BUF);
			} else {
				r = read(c, buf, BUF);
			}
			if (r <= 0)
				break;
			n += (uint64_t)r;
		}
		uint64_t ns = pika_clock_ns() - t0 + 1;
		printf("bulk: core %d: %s %llu bytes, %llu MB/s\n", core, chargen ? "sent" : "received",
		       (unsigned long long)n, (unsigned long long)(n * 1000 / ns));
		close(c);
	}
}

static int client(int recv_mode, const char *addr, int port, uint64_t bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		printf("bulk: bad address %s\n", addr);
		return 2;
	}
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("bulk: connect %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	uint64_t n = 0, t0 = pika_clock_ns();
	while (n < bytes) {
		size_t want = bytes - n < BUF ? (size_t)(bytes - n) : BUF;
		ssize_t r;
		if (recv_mode) {
			r = read(s, buf, want);
			for (ssize_t i = 0; i < r; i++)
				if (buf[i] != chargen_byte(n + (uint64_t)i)) {
					printf("bulk: byte %llu differs\n", (unsigned long long)(n + (uint64_t)i));
					return 1;
				}
		} else {
			memset(buf, 'x', want);
			r = write(s, buf, want);
		}
		if (r <= 0) {
			printf("bulk: after %llu bytes: %s\n", (unsigned long long)n, r ? strerror(errno) : "end of stream");
			return 1;
		}
		n += (uint64_t)r;
	}
	close(s);
	uint64_t ns = pika_clock_ns() - t0 + 1;
	printf("bulk: %s %llu bytes in %llu ms, %llu MB/s\n", recv_mode ? "received" : "sent",
	       (unsigned long long)n, (unsigned long long)(ns / 1000000), (unsigned long long)(n * 1000 / ns));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "discard") == 0 || strcmp(argv[1], "chargen") == 0)) {
		int chargen = argv[1][0] == 'c';
		int port = argc >= 3 && strncmp(argv[2], "port=", 5) == 0 ? atoi(argv[2] + 5) : chargen ? 19 : 9;
		return server(chargen, port);
	}
	if (argc == 5 && (strcmp(argv[1], "send") == 0 || strcmp(argv[1], "recv") == 0))
		return client(argv[1][0] == 'r', argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
	printf("usage: bulk discard|chargen [port=N] | bulk send|recv ADDR PORT BYTES\n");
	return 2;
}
