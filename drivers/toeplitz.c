/*
 * drivers/toeplitz.c - software Toeplitz hash (see toeplitz.h).
 *
 * Written from the definition: for every input bit that is 1, XOR in the 32
 * key bits that start at that bit's position. Kept byte-at-a-time: a 64-bit
 * window holds the next key bits, so each input byte costs eight shifts.
 */
#include "drivers/toeplitz.h"

static uint8_t key_byte(const uint8_t *key, size_t key_len, size_t i)
{
	return i < key_len ? key[i] : 0;
}

uint32_t toeplitz_hash(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len)
{
	uint32_t result = 0;
	/* window: key bits [8*i, 8*i + 64), left-most bit at bit 63 */
	uint64_t window = 0;
	for (size_t k = 0; k < 8; k++)
		window = (window << 8) | key_byte(key, key_len, k);

	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];
		for (int bit = 7; bit >= 0; bit--) {
			if (b & (1u << bit))
				result ^= (uint32_t)(window >> 32);
			window <<= 1;
		}
		/* the window has shifted out 8 bits: refill the low byte */
		window |= key_byte(key, key_len, i + 8);
	}
	return result;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

uint32_t toeplitz_ipv4(const uint8_t *key, size_t key_len, uint32_t src_ip, uint32_t dst_ip)
{
	uint8_t in[8];
	size_t n = put32(in, src_ip);
	n += put32(in + n, dst_ip);
	return toeplitz_hash(key, key_len, in, n);
}

uint32_t toeplitz_ipv4_l4(const uint8_t *key, size_t key_len, uint32_t src_ip, uint32_t dst_ip,
			  uint16_t src_port, uint16_t dst_port)
{
	uint8_t in[12];
	size_t n = put32(in, src_ip);
	n += put32(in + n, dst_ip);
	n += put16(in + n, src_port);
	n += put16(in + n, dst_port);
	return toeplitz_hash(key, key_len, in, n);
}
