/* Keyed hashes for TCP: initial sequence numbers (RFC 6528), timestamp
 * offsets (RFC 7323 5.4), SYN cookies, ephemeral-port offsets (RFC 6056
 * algorithm 3) and the connection-table hash. All keys are per instance,
 * drawn from port->random at init. */
#include "net/internal.h"

struct tuple_bytes {
	uint8_t b[16];
};

static void pack(struct tuple_bytes *t, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
		 uint32_t extra)
{
	memcpy(t->b, &la, 4);
	memcpy(t->b + 4, &ra, 4);
	memcpy(t->b + 8, &lp, 2);
	memcpy(t->b + 10, &rp, 2);
	memcpy(t->b + 12, &extra, 4);
}

uint32_t hash_tuple(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	struct tuple_bytes t;
	pack(&t, la, lp, ra, rp, 0);
	return (uint32_t)siphash24(s->key_hash, t.b, 12);
}

/* ISN = M + F(localip, localport, remoteip, remoteport, secretkey), M a 4 us clock. */
uint32_t tcp_isn(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	struct tuple_bytes t;
	pack(&t, la, lp, ra, rp, 0);
	uint32_t f = (uint32_t)siphash24(s->key_isn, t.b, 12);
	return (uint32_t)(s->now / 4000) + f;
}

uint32_t tcp_ts_offset(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	struct tuple_bytes t;
	pack(&t, la, lp, ra, rp, 0);
	return (uint32_t)siphash24(s->key_ts, t.b, 12);
}

uint32_t tcp_port_offset(struct net_stack *s, uint32_t la, uint32_t ra, uint16_t rp)
{
	struct tuple_bytes t;
	pack(&t, la, 0, ra, rp, 0);
	return (uint32_t)siphash24(s->key_port, t.b, 12);
}

/* SYN cookie layout (our ISN when the SYN queue overflows):
 *   bits 31..27  a 64-second counter, mod 32
 *   bits 26..24  index into the MSS table
 *   bits 23..0   keyed hash of the 4-tuple, the peer's ISN and the counter
 * A cookie is good for the current counter value and the one before. */
static const uint16_t cookie_mss[8] = { 216, 536, 1024, 1220, 1360, 1440, 1452, 1460 };

static uint32_t cookie_hash(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
			    uint32_t peer_isn, uint32_t count)
{
	struct tuple_bytes t;
	uint8_t buf[20];
	pack(&t, la, lp, ra, rp, peer_isn);
	memcpy(buf, t.b, 16);
	memcpy(buf + 16, &count, 4);
	return (uint32_t)siphash24(s->key_cookie, buf, sizeof(buf)) & 0xffffffu;
}

static uint32_t cookie_count(struct net_stack *s)
{
	return (uint32_t)(s->now / SEC(64));
}

uint32_t tcp_cookie_make(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
			 uint32_t peer_isn, uint16_t mss)
{
	uint32_t idx = 0;
	for (uint32_t i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	uint32_t c = cookie_count(s);
	return ((c & 31) << 27) | (idx << 24) | cookie_hash(s, la, lp, ra, rp, peer_isn, c);
}

uint16_t tcp_cookie_check(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
			  uint32_t peer_isn, uint32_t cookie)
{
	uint32_t now = cookie_count(s);
	for (uint32_t age = 0; age < 2; age++) {
		uint32_t c = now - age;
		if (((c & 31) << 27) != (cookie & 0xf8000000u))
			continue;
		if (cookie_hash(s, la, lp, ra, rp, peer_isn, c) == (cookie & 0xffffffu))
			return cookie_mss[(cookie >> 24) & 7];
	}
	return 0;
}
