/*
 * drivers/ixgbe/ixgbe_rss.c - receive-side scaling on the 82599 (DS 7.1.2.8):
 * the 40-byte Toeplitz key (RSSRK), the 128-entry redirection table (RETA)
 * and the field selection (MRQC), plus the software prediction netd uses to
 * choose local ports whose replies reach its own queue.
 */
#include "drivers/ixgbe/ixgbe.h"

#include <errno.h>
#include <string.h>

#include "drivers/toeplitz.h"

/* A default key until netd sets one: any key works; this one is the
 * specification's example key, so hashes are easy to check by hand. */
static const uint8_t default_key[IXGBE_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Write key and table. RSSRK(n) holds key bytes 4n..4n+3, byte 4n in bits
 * 7:0 (DS 8.2.3.7.14); RETA(n) holds entries 4n..4n+3, entry 4n in bits 7:0,
 * of which bits 3:0 are the RSS output index (DS 8.2.3.7.13). RETA may be
 * rewritten while receiving (DS 7.1.2.8.2); packets then see old or new
 * entries. */
static void write_rss(struct netdev *nd, const struct nd_rss *r)
{
	for (int n = 0; n < IXGBE_RSS_KEY_LEN / 4; n++) {
		uint32_t v = 0;
		for (int k = 0; k < 4; k++)
			v |= (uint32_t)r->key[4 * n + k] << (8 * k);
		ixgbe_wr(nd, IXGBE_RSSRK(n), v);
	}
	for (int n = 0; n < IXGBE_RETA_ENTRIES / 4; n++) {
		uint32_t v = 0;
		for (int k = 0; k < 4; k++)
			v |= (uint32_t)(r->table[4 * n + k] & IXGBE_RETA_QMASK) << (8 * k);
		ixgbe_wr(nd, IXGBE_RETA(n), v);
	}
}

/* Called during receive initialization (DS 4.6.7), before RXCTRL.RXEN: RSS
 * only (no DCB, no pools), hashing TCP/IPv4 on the 4-tuple and other IPv4 on
 * the addresses (DS 7.1.2.8.1). Until set_rss, every bucket is queue 0. */
int ixgbe_rss_setup(struct netdev *nd)
{
	struct ixgbe_dev *d = nd->priv;
	memset(&d->rss, 0, sizeof(d->rss));
	memcpy(d->rss.key, default_key, sizeof(default_key));
	d->rss.key_len = IXGBE_RSS_KEY_LEN;
	d->rss.table_len = IXGBE_RETA_ENTRIES;
	write_rss(nd, &d->rss);
	ixgbe_wr(nd, IXGBE_MRQC, IXGBE_MRQC_MRQE_RSS | IXGBE_MRQC_TCPIPV4 | IXGBE_MRQC_IPV4);
	return 0;
}

int ixgbe_set_rss(struct netdev *nd, const struct nd_rss *rss)
{
	struct ixgbe_dev *d = nd->priv;
	if (!d || !d->control || !rss)
		return -EINVAL;
	if (rss->key_len != IXGBE_RSS_KEY_LEN)
		return -EINVAL;
	if (rss->table_len < 1 || rss->table_len > IXGBE_RETA_ENTRIES)
		return -EINVAL;
	struct nd_rss r;
	memset(&r, 0, sizeof(r));
	memcpy(r.key, rss->key, IXGBE_RSS_KEY_LEN);
	r.key_len = IXGBE_RSS_KEY_LEN;
	r.table_len = IXGBE_RETA_ENTRIES;
	for (int i = 0; i < IXGBE_RETA_ENTRIES; i++) {
		uint16_t q = rss->table[i % rss->table_len];
		/* the 82599's RSS output index has 4 bits: 16 queues at most */
		if (q >= IXGBE_RSS_MAX_QUEUES || (int)q >= nd->max_queues)
			return -EINVAL;
		r.table[i] = q;
	}
	write_rss(nd, &r);
	d->rss = r;
	d->rss_set = true;
	return 0;
}

int ixgbe_rss_queue(const struct nd_rss *rss, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
	uint32_t h = toeplitz_ipv4_l4(rss->key, (size_t)rss->key_len, sip, dip, sport, dport);
	int len = rss->table_len > 0 ? rss->table_len : 1;
	return rss->table[(h & (IXGBE_RETA_ENTRIES - 1)) % len];
}

int ixgbe_pick_local_port(const struct nd_rss *rss, uint32_t local_ip, uint32_t remote_ip,
			  uint16_t remote_port, int queue, uint16_t *port)
{
	const uint32_t span = 65536u - IXGBE_EPHEMERAL_MIN;
	uint32_t start = *port;
	if (start < IXGBE_EPHEMERAL_MIN)
		start = IXGBE_EPHEMERAL_MIN;
	for (uint32_t i = 0; i < span; i++) {
		uint32_t p = IXGBE_EPHEMERAL_MIN + (start - IXGBE_EPHEMERAL_MIN + i) % span;
		/* the reply: remote -> local */
		if (ixgbe_rss_queue(rss, remote_ip, local_ip, remote_port, (uint16_t)p) == queue) {
			*port = (uint16_t)p;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}
