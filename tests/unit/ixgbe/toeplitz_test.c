/*
 * toeplitz_test - drivers/toeplitz.c against Microsoft's published RSS
 * verification vectors ("Verifying the RSS Hash Calculation"; also the 82599
 * datasheet's RSS verification suite, DS 7.1.2.8.3), and against the model's
 * literal transcription of the datasheet's ComputeHash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "drivers/toeplitz.h"
#include "tests/model/ixgbe/ixgbe_model.h"

static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* source, destination (the table lists destination first), IPv4-only hash, IPv4/TCP hash */
static const struct {
	uint32_t sip;
	uint16_t sport;
	uint32_t dip;
	uint16_t dport;
	uint32_t ipv4, tcp;
} vec[] = {
	{IP(66, 9, 149, 187), 2794, IP(161, 142, 100, 80), 1766, 0x323e8fc2, 0x51ccc178},
	{IP(199, 92, 111, 2), 14230, IP(65, 69, 140, 83), 4739, 0xd718262a, 0xc626b0ea},
	{IP(24, 19, 198, 95), 12898, IP(12, 22, 207, 184), 38024, 0xd2d0a5de, 0x5c2b394a},
	{IP(38, 27, 205, 30), 48228, IP(209, 142, 163, 6), 2217, 0x82989176, 0xafc7327f},
	{IP(153, 39, 163, 191), 44251, IP(202, 188, 127, 2), 1303, 0x5d1809c5, 0x10e828a2},
};

static void ms_ipv4(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		assert_int_equal(toeplitz_ipv4(ms_key, 40, vec[i].sip, vec[i].dip), vec[i].ipv4);
}

static void ms_ipv4_tcp(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		assert_int_equal(toeplitz_ipv4_l4(ms_key, 40, vec[i].sip, vec[i].dip, vec[i].sport, vec[i].dport),
				 vec[i].tcp);
}

/* the model's bit-serial ComputeHash gives the same published values */
static void model_reference_matches_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		uint8_t in[12] = {
			(uint8_t)(vec[i].sip >> 24), (uint8_t)(vec[i].sip >> 16), (uint8_t)(vec[i].sip >> 8),
			(uint8_t)vec[i].sip,         (uint8_t)(vec[i].dip >> 24), (uint8_t)(vec[i].dip >> 16),
			(uint8_t)(vec[i].dip >> 8),  (uint8_t)vec[i].dip,         (uint8_t)(vec[i].sport >> 8),
			(uint8_t)vec[i].sport,       (uint8_t)(vec[i].dport >> 8), (uint8_t)vec[i].dport,
		};
		assert_int_equal(ixm_toeplitz_ref(ms_key, in, 8), vec[i].ipv4);
		assert_int_equal(ixm_toeplitz_ref(ms_key, in, 12), vec[i].tcp);
	}
}

/* random keys and inputs of every length up to 36 (IPv6 4-tuple) */
static void random_agrees_with_reference(void **state)
{
	(void)state;
	uint64_t s = 0x9E3779B97F4A7C15ull;
	for (int round = 0; round < 2000; round++) {
		uint8_t key[40], in[36];
		for (int i = 0; i < 40; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			key[i] = (uint8_t)(s >> 56);
		}
		size_t len = (size_t)(round % 37);
		for (size_t i = 0; i < len; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			in[i] = (uint8_t)(s >> 56);
		}
		assert_int_equal(toeplitz_hash(key, 40, in, len), ixm_toeplitz_ref(key, in, len));
	}
}

/* single bits: input bit b selects key bits [b, b + 32) */
static void single_bits(void **state)
{
	(void)state;
	uint8_t in[12] = {0};
	in[0] = 0x80; /* the left-most bit: the first 32 key bits */
	assert_int_equal(toeplitz_hash(ms_key, 40, in, 12), 0x6d5a56da);
	in[0] = 0x01; /* bit 7: key bits 7..38 */
	uint32_t want = (uint32_t)((((uint64_t)0x6d5a56da << 8 | 0x25) << 7) >> 8);
	assert_int_equal(toeplitz_hash(ms_key, 40, in, 12), want);
	/* a short key reads as zeros past its end */
	uint8_t k4[4] = {0xFF, 0xFF, 0xFF, 0xFF};
	uint8_t one[5] = {0, 0, 0, 0, 0x80};
	assert_int_equal(toeplitz_hash(k4, 4, one, 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ms_ipv4),
		cmocka_unit_test(ms_ipv4_tcp),
		cmocka_unit_test(model_reference_matches_vectors),
		cmocka_unit_test(random_agrees_with_reference),
		cmocka_unit_test(single_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
