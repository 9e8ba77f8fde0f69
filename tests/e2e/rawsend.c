/*
 * rawsend - frames onto a network interface from a raw packet socket, for
 * the end-to-end tests (built on the host by tests/e2e/net.sh).
 *
 *   rawsend IFACE DSTMAC SRCIP DSTIP KIND COUNT [PER_MS]
 * KIND: udp (valid UDP datagrams to port 9, source ports varied), short (an
 * Ethernet header and nothing else: Linux will not send less than a header),
 * oversize (1700 bytes, beyond a 1500-byte MTU), badcsum (an IPv4 header with
 * a wrong checksum), ethertype (EtherType 0x88b5, local experimental),
 * synflood (TCP SYNs to port 80 from spoofed sources: SRCIP's /24 with the
 * last byte 100-249 and a made-up source MAC per frame; nobody answers ARP
 * for them).
 * PER_MS paces the sending: at most that many frames per millisecond.
 * Prints "sent N".
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint16_t csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

int main(int argc, char **argv)
{
	if (argc < 7) {
		fprintf(stderr, "usage: rawsend IFACE DSTMAC SRCIP DSTIP KIND COUNT [PER_MS]\n");
		return 2;
	}
	const char *ifname = argv[1], *kind = argv[5];
	long count = atol(argv[6]), per_ms = argc > 7 ? atol(argv[7]) : 0;
	unsigned m[6];
	if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return 2;
	in_addr_t src = inet_addr(argv[3]), dst = inet_addr(argv[4]);
	int fd = socket(AF_PACKET, SOCK_RAW, htons(0x0800));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("ioctl");
		return 1;
	}
	int ifindex;
	ioctl(fd, SIOCGIFINDEX, &ifr);
	ifindex = ifr.ifr_ifindex;
	ioctl(fd, SIOCGIFHWADDR, &ifr);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6 };
	for (int i = 0; i < 6; i++)
		to.sll_addr[i] = (uint8_t)m[i];

	static uint8_t f[3100];
	long sent = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < count; i++) {
		memset(f, 0, sizeof(f));
		for (int k = 0; k < 6; k++)
			f[k] = (uint8_t)m[k];
		memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
		f[12] = 0x08;
		f[13] = 0x00;
		uint8_t *ip = f + 14;
		size_t len;
		ip[0] = 0x45;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		uint8_t *udp = ip + 20;
		uint16_t sport = htons((uint16_t)(20000 + i % 4096)), dport = htons(9), ulen = htons(8 + 18);
		memcpy(udp, &sport, 2);
		memcpy(udp + 2, &dport, 2);
		memcpy(udp + 4, &ulen, 2); /* UDP checksum 0: none */
		uint16_t tot = htons(20 + 8 + 18);
		memcpy(ip + 2, &tot, 2);
		len = 14 + 20 + 8 + 18;
		if (strcmp(kind, "short") == 0) {
			len = 14;
		} else if (strcmp(kind, "oversize") == 0) {
			len = 1700;
			tot = htons(1700 - 14);
			memcpy(ip + 2, &tot, 2);
		} else if (strcmp(kind, "ethertype") == 0) {
			f[12] = 0x88;
			f[13] = 0xb5;
		}
		if (strcmp(kind, "synflood") == 0) {
			uint32_t h = (uint32_t)i * 2654435761u;
			uint8_t *sip = ip + 12;
			sip[3] = (uint8_t)(100 + h % 150);
			f[6] = 0x02;
			f[7] = 0x5f;
			memcpy(f + 8, &h, 4);
			ip[9] = 6;
			tot = htons(20 + 20);
			memcpy(ip + 2, &tot, 2);
			uint8_t *tcp = ip + 20;
			memset(tcp, 0, 20);
			uint16_t sp = htons((uint16_t)(1024 + h % 60000)), dp = htons(80), win = htons(29200);
			uint32_t seq = htonl(h ^ 0x5a5a5a5au);
			memcpy(tcp, &sp, 2);
			memcpy(tcp + 2, &dp, 2);
			memcpy(tcp + 4, &seq, 4);
			tcp[12] = 5 << 4;
			tcp[13] = 0x02; /* SYN */
			memcpy(tcp + 14, &win, 2);
			uint8_t ph[12 + 20];
			memcpy(ph, ip + 12, 8);
			ph[8] = 0;
			ph[9] = 6;
			ph[10] = 0;
			ph[11] = 20;
			memcpy(ph + 12, tcp, 20);
			uint16_t tc = htons(csum(ph, sizeof(ph)));
			memcpy(tcp + 16, &tc, 2);
			len = 14 + 20 + 20;
		}
		uint16_t c = csum(ip, 20);
		if (strcmp(kind, "badcsum") == 0)
			c ^= 0x5a5a;
		c = htons(c);
		memcpy(ip + 10, &c, 2);
		if (sendto(fd, f, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			sent++;
		if (per_ms && (i + 1) % per_ms == 0) {
			struct timespec d = { 0, 1000000 };
			nanosleep(&d, NULL);
		}
	}
	printf("sent %ld\n", sent);
	return 0;
}
