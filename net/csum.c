/* The Internet checksum (RFC 1071): one's complement sum of 16-bit words. */
#include "net/internal.h"

/* Adds len bytes at data to a running sum kept in network byte order
 * halves; an odd trailing byte is padded with zero. The sum must be started
 * at an even offset of the checksummed region. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	while (len >= 8) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		acc += (uint64_t)a + b;
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum for TCP/UDP; src/dst host order, len host order. */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];
	uint32_t a = net_htonl(src), b = net_htonl(dst);
	uint16_t l = net_htons(len);
	memcpy(ph, &a, 4);
	memcpy(ph + 4, &b, 4);
	ph[8] = 0;
	ph[9] = proto;
	memcpy(ph + 10, &l, 2);
	return csum_add(0, ph, sizeof(ph));
}

uint16_t csum_ip_hdr(const void *hdr, size_t len)
{
	return csum_fold(csum_add(0, hdr, len));
}
