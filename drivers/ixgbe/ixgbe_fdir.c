/*
 * drivers/ixgbe/ixgbe_fdir.c - the 82599 Flow Director (DS 7.1.2.7): perfect
 * and signature filters, and PIKA's flow groups built on perfect filters.
 *
 * Facts from the datasheet that shape this file:
 *  - the table is either perfect-match or signature (FDIRCTRL.Perfect_Match),
 *    chosen while it is empty (DS 7.1.2.7.11);
 *  - the field masks (FDIRM, FDIRSIP4M, FDIRDIP4M, FDIRTCPM, FDIRUDPM) are
 *    global, one set for every filter (DS 7.1.2.7); masked fields are
 *    programmed as zeros;
 *  - with 256 KB of the packet buffer (PBALLOC = 11b) the table holds
 *    8 K - 1 perfect filters on a 13-bit bucket hash or 32 K - 1 signature
 *    filters on a 15-bit bucket hash (DS 7.1.2.7.5);
 *  - a filter lives in the bucket software names in FDIRHASH, so software
 *    must compute the bucket hash exactly as the device does (DS 7.1.2.7.15,
 *    ixgbe_fdir_hash below); perfect filters are removed by bucket hash and
 *    software index, signature filters by bucket hash and signature.
 *
 * So the driver runs the table in one of three modes, switching only while
 * it is empty:
 *  - PERFECT: full-tuple masks; filter_add(!signature) steers one flow;
 *  - SIGNATURE: full-tuple masks; filter_add(signature) steers by hash (two
 *    flows with equal bucket hash and signature collide: refused, counted);
 *  - GROUPS (PIKA 4.1): masks keep only the low 12 bits of the TCP source
 *    port and bit 15 of the destination port; 4096 perfect filters, one per
 *    group g = (source port & 0xFFF), destination port bit 15 = 0, each
 *    naming its group's queue. Every TCP segment to a port below 32768 (a
 *    service: the flow's initiator is the remote end, whose port defines the
 *    group) matches exactly one filter: the mapping is exact, not a hash.
 *    Segments to ports at or above 32768 (replies to connections this host
 *    opened from an ephemeral port) match none and are spread by RSS;
 *    ixgbe_pick_local_port() picks a port whose replies reach the caller's
 *    queue. Moving a group rewrites its one filter in place
 *    (FDIRCMD.FILTER_UPDATE): no window without a filter.
 */
#include "drivers/ixgbe/ixgbe.h"

#include <errno.h>
#include <string.h>

/* The keys: any 32-bit values work; these have bits spread over the word. */
#define FDIR_HKEY 0x3DAD14E2u
#define FDIR_SKEY 0x174D3614u

#define L4TYPE_UDP 1u
#define L4TYPE_TCP 2u

struct fdir_masks {
	uint32_t sip, dip;                /* 1 = bit ignored */
	uint16_t sport_ign, dport_ign;
	uint32_t fdirm;
};

static const struct fdir_masks masks_full = {
	.sip = 0, .dip = 0, .sport_ign = 0, .dport_ign = 0,
	.fdirm = IXGBE_FDIRM_VLANID | IXGBE_FDIRM_VLANP | IXGBE_FDIRM_POOL | IXGBE_FDIRM_FLEX |
		 IXGBE_FDIRM_DIPV6,
};

static const struct fdir_masks masks_groups = {
	.sip = 0xFFFFFFFFu, .dip = 0xFFFFFFFFu,
	.sport_ign = (uint16_t)~(ND_FLOW_GROUPS - 1), /* 0xF000: keep bits 11:0 */
	.dport_ign = 0x7FFF,                          /* keep bit 15 */
	.fdirm = IXGBE_FDIRM_VLANID | IXGBE_FDIRM_VLANP | IXGBE_FDIRM_POOL | IXGBE_FDIRM_FLEX |
		 IXGBE_FDIRM_DIPV6,
};

static const struct fdir_masks *masks_of(enum ixgbe_fdir_mode m)
{
	return m == IXGBE_FDIR_GROUPS ? &masks_groups : &masks_full;
}

/* ------------------------------------------------------------ the hash (DS 7.1.2.7.15) */

/*
 * The datasheet defines the 16-bit hash over the 336-bit input string S
 * (the 42 bytes of ixgbe_fdir_stream, byte 0 most significant: S[335:328] is
 * byte 0, S[7:0] byte 41) and the 32-bit key K:
 *
 *   for i = 0 .. 350: if Ext_K[i] then Hash[15:0] ^= Ext_S[15+i : i]
 *   Ext_S = S[14:0] | S[335:0] | S[335:321]   (366 bits, concatenated)
 *   Ext_K[350:0] = Tmp_K[351:1], Tmp_K = K repeated 11 times (352 bits)
 *
 * so Ext_K[i] = K[(i + 1) mod 32] and Ext_S[j] = S[(j - 15) mod 336]. Here
 * Ext_S is built once as a bit array and each 16-bit window is two shifts.
 * (The model in tests/model/ixgbe evaluates the definition bit by bit.)
 */
uint16_t ixgbe_fdir_hash(uint32_t key, const uint8_t stream[IXGBE_FDIR_STREAM_LEN])
{
	uint64_t ext[6] = {0}; /* Ext_S[365:0], bit j at ext[j / 64] bit j % 64 */
	for (int j = 0; j < 366; j++) {
		int k = (j - 15 + 336) % 336;                 /* S[k] */
		int bit = (stream[IXGBE_FDIR_STREAM_LEN - 1 - k / 8] >> (k % 8)) & 1;
		ext[j / 64] |= (uint64_t)bit << (j % 64);
	}
	uint16_t hash = 0;
	for (int i = 0; i <= 350; i++) {
		if (!((key >> ((i + 1) % 32)) & 1))
			continue;
		uint64_t w = ext[i / 64] >> (i % 64);
		if (i % 64 > 48)
			w |= ext[i / 64 + 1] << (64 - i % 64);
		hash ^= (uint16_t)w;
	}
	return hash;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The input stream (DS 7.1.2.7.15, table "input bit stream for hash
 * calculation"): bytes 0-1 VLAN tag, 2-17 source IP (IPv4: bytes 2-5, the rest
 * zero), 18-33 destination IP (IPv4: 18-21), 34-35 L4 source port, 36-37 L4
 * destination port, 38-39 flexible bytes, 40 pool, 41 bit 2 IPv6 and bits
 * 1:0 L4 type. Multi-byte fields most significant byte first. */
void ixgbe_fdir_stream(uint8_t s[IXGBE_FDIR_STREAM_LEN], uint32_t sip, uint32_t dip, uint16_t sport,
		       uint16_t dport, uint8_t l4type, uint16_t vlan, uint16_t flex)
{
	memset(s, 0, IXGBE_FDIR_STREAM_LEN);
	put16(s + 0, vlan);
	put32(s + 2, sip);
	put32(s + 18, dip);
	put16(s + 34, sport);
	put16(s + 36, dport);
	put16(s + 38, flex);
	s[40] = 0;
	s[41] = l4type & 3;
}

/* FDIRTCPM / FDIRUDPM: source port mask in bits 15:0, destination in 31:16,
 * a 1 bit leaves that port bit out of the comparison (DS 8.2.3.21.12). */
uint32_t ixgbe_fdir_port_mask_reg(uint16_t src_ignore, uint16_t dst_ignore)
{
	return (uint32_t)src_ignore | (uint32_t)dst_ignore << 16;
}

/* ------------------------------------------------------------ table management */

static struct ixgbe_fdir *fdir_of(struct netdev *nd)
{
	struct ixgbe_dev *d = nd->priv;
	return (d && d->control) ? d->fdir : NULL;
}

/* Clear-on-read statistics, accumulated (DS 8.2.3.21.15-18). */
static void read_stats(struct netdev *nd, struct ixgbe_fdir *fd)
{
	uint32_t u = ixgbe_rd(nd, IXGBE_FDIRUSTAT), f = ixgbe_rd(nd, IXGBE_FDIRFSTAT);
	fd->stats.adds += u & 0xFFFF;
	fd->stats.removes += u >> 16;
	fd->stats.add_fails += f & 0xFF;
	fd->stats.remove_fails += (f >> 8) & 0xFF;
	fd->stats.matches += ixgbe_rd(nd, IXGBE_FDIRMATCH);
	fd->stats.misses += ixgbe_rd(nd, IXGBE_FDIRMISS);
	uint32_t fr = ixgbe_rd(nd, IXGBE_FDIRFREE);
	fd->stats.free = fr & IXGBE_FDIRFREE_FREE_MASK;
	fd->stats.collided = (fr & IXGBE_FDIRFREE_COLL_MASK) >> IXGBE_FDIRFREE_COLL_SHIFT;
	fd->stats.max_bucket_len = ixgbe_rd(nd, IXGBE_FDIRLEN) & IXGBE_FDIRLEN_MAXLEN_MASK;
}

static uint32_t fdirctrl_for(enum ixgbe_fdir_mode mode)
{
	uint32_t v = IXGBE_FDIRCTRL_PBALLOC_256K | 0xAu << IXGBE_FDIRCTRL_MAX_LENGTH_SHIFT |
		     4u << IXGBE_FDIRCTRL_FULL_THRESH_SHIFT;
	if (mode != IXGBE_FDIR_SIGNATURE)
		v |= IXGBE_FDIRCTRL_PERFECT_MATCH;
	return v;
}

static void write_masks(struct netdev *nd, const struct fdir_masks *m, const struct ixgbe_fdir *fd)
{
	ixgbe_wr(nd, IXGBE_FDIRM, m->fdirm);
	ixgbe_wr(nd, IXGBE_FDIRSIP4M, m->sip);
	ixgbe_wr(nd, IXGBE_FDIRDIP4M, m->dip);
	uint32_t pm = ixgbe_fdir_port_mask_reg(m->sport_ign, m->dport_ign);
	ixgbe_wr(nd, IXGBE_FDIRTCPM, pm);
	ixgbe_wr(nd, IXGBE_FDIRUDPM, pm);
	ixgbe_wr(nd, IXGBE_FDIRIP6M, 0xFFFFFFFFu);
	ixgbe_wr(nd, IXGBE_FDIRHKEY, fd->hkey);
	ixgbe_wr(nd, IXGBE_FDIRSKEY, fd->skey);
}

static void reset_shadow(struct ixgbe_fdir *fd)
{
	for (int i = 0; i < IXGBE_FDIR_PERFECT_MAX_256K + 1; i++) {
		fd->pf[i].used = 0;
		fd->pf[i].next = i + 1 < IXGBE_FDIR_PERFECT_MAX_256K ? (uint16_t)(i + 1) : (uint16_t)IXGBE_PF_NONE;
	}
	fd->pf_free = 0;
	for (int b = 0; b < (1 << IXGBE_FDIR_PERFECT_BUCKET_BITS_256K); b++)
		fd->pf_bucket[b] = IXGBE_PF_NONE;
	fd->count = 0;
}

static void set_mode_limits(struct ixgbe_fdir *fd, enum ixgbe_fdir_mode mode)
{
	fd->mode = mode;
	if (mode == IXGBE_FDIR_SIGNATURE) {
		fd->max = IXGBE_FDIR_SIG_MAX_256K;
		fd->bucket_bits = IXGBE_FDIR_SIG_BUCKET_BITS_256K;
	} else {
		fd->max = IXGBE_FDIR_PERFECT_MAX_256K;
		fd->bucket_bits = IXGBE_FDIR_PERFECT_BUCKET_BITS_256K;
	}
}

/* DS 7.1.2.7.11: after reset, program keys and masks, then FDIRCTRL in one
 * write, then wait for FDIRCTRL.INIT_DONE. */
int ixgbe_fdir_setup(struct netdev *nd)
{
	struct ixgbe_dev *d = nd->priv;
	size_t len = sizeof(struct ixgbe_fdir) +
		     (IXGBE_FDIR_PERFECT_MAX_256K + 1) * sizeof(struct ixgbe_pf_entry) +
		     ((size_t)1 << IXGBE_FDIR_PERFECT_BUCKET_BITS_256K) * sizeof(uint16_t);
	uint8_t *mem = ixgbe_alloc(nd, len, NULL);
	if (!mem)
		return -ENOMEM;
	struct ixgbe_fdir *fd = (struct ixgbe_fdir *)mem;
	memset(fd, 0, sizeof(*fd));
	fd->pf = (struct ixgbe_pf_entry *)(mem + sizeof(*fd));
	fd->pf_bucket = (uint16_t *)(fd->pf + IXGBE_FDIR_PERFECT_MAX_256K + 1);
	fd->hkey = FDIR_HKEY;
	fd->skey = FDIR_SKEY;
	reset_shadow(fd);
	set_mode_limits(fd, IXGBE_FDIR_PERFECT);
	d->fdir = fd;

	write_masks(nd, masks_of(fd->mode), fd);
	ixgbe_wr(nd, IXGBE_FDIRCTRL, fdirctrl_for(fd->mode));
	int rc = ixgbe_poll(nd, IXGBE_FDIRCTRL, IXGBE_FDIRCTRL_INIT_DONE, IXGBE_FDIRCTRL_INIT_DONE, 10000);
	if (rc)
		ixgbe_log(nd, "ixgbe: flow director init did not complete");
	read_stats(nd, fd);
	return rc;
}

/* DS 7.1.2.7.10: clear the whole table, then re-initialize it (here also with
 * a new mode and masks, allowed because the table is empty). */
static int fdir_reinit(struct netdev *nd, struct ixgbe_fdir *fd, enum ixgbe_fdir_mode mode)
{
	int rc = ixgbe_poll(nd, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD_MASK, 0, 100);
	if (rc)
		return rc;
	ixgbe_wr(nd, IXGBE_FDIRFREE, 0);
	ixgbe_wr(nd, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CLEARHT);
	ixgbe_wr(nd, IXGBE_FDIRCMD, 0);
	ixgbe_wr(nd, IXGBE_FDIRHASH, 0);
	set_mode_limits(fd, mode);
	reset_shadow(fd);
	write_masks(nd, masks_of(mode), fd);
	ixgbe_wr(nd, IXGBE_FDIRCTRL, fdirctrl_for(mode) & ~IXGBE_FDIRCTRL_INIT_DONE);
	rc = ixgbe_poll(nd, IXGBE_FDIRCTRL, IXGBE_FDIRCTRL_INIT_DONE, IXGBE_FDIRCTRL_INIT_DONE, 10000);
	read_stats(nd, fd);
	return rc;
}

static int fdir_ensure_mode(struct netdev *nd, struct ixgbe_fdir *fd, enum ixgbe_fdir_mode mode)
{
	if (fd->mode == mode)
		return 0;
	if (fd->count > 0)
		return -EBUSY; /* masks and mode are global: empty the table first */
	return fdir_reinit(nd, fd, mode);
}

/* Issue one command: wait for the previous one, then FDIRHASH and FDIRCMD
 * (FDIRCMD last: it starts the command, DS 7.1.2.7.14), wait for it. */
static int fdir_cmd(struct netdev *nd, uint32_t hash, uint32_t cmd)
{
	int rc = ixgbe_poll(nd, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD_MASK, 0, 100);
	if (rc)
		return rc;
	ixgbe_wr(nd, IXGBE_FDIRHASH, hash);
	ixgbe_wr(nd, IXGBE_FDIRCMD, cmd);
	return ixgbe_poll(nd, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD_MASK, 0, 100);
}

struct flow {
	uint32_t sip, dip;
	uint16_t sport, dport;
	uint8_t l4type;
};

static struct flow masked(const struct flow *f, const struct fdir_masks *m)
{
	struct flow r = *f;
	r.sip &= ~m->sip;
	r.dip &= ~m->dip;
	r.sport &= (uint16_t)~m->sport_ign;
	r.dport &= (uint16_t)~m->dport_ign;
	if (m->fdirm & IXGBE_FDIRM_L4P)
		r.l4type = 0;
	return r;
}

static void flow_hashes(const struct ixgbe_fdir *fd, const struct flow *f, uint32_t *bucket, uint32_t *sig)
{
	uint8_t s[IXGBE_FDIR_STREAM_LEN];
	ixgbe_fdir_stream(s, f->sip, f->dip, f->sport, f->dport, f->l4type, 0, 0);
	*bucket = ixgbe_fdir_hash(fd->hkey, s) & ((1u << fd->bucket_bits) - 1);
	if (sig)
		*sig = ixgbe_fdir_hash(fd->skey, s) & IXGBE_FDIRHASH_SIG_MASK;
}

static uint32_t cmd_bits(uint8_t l4type, int queue)
{
	return (uint32_t)l4type << IXGBE_FDIRCMD_L4TYPE_SHIFT | IXGBE_FDIRCMD_QUEUE_EN |
	       (uint32_t)queue << IXGBE_FDIRCMD_RX_QUEUE_SHIFT;
}

/* Program a perfect filter (DS 7.1.2.7.14): the flow ID registers, then
 * FDIRHASH (bucket hash, software index) and FDIRCMD. */
static int perfect_write(struct netdev *nd, const struct ixgbe_fdir *fd, const struct flow *mf, uint16_t swidx,
			 int queue, bool update)
{
	uint32_t bucket;
	flow_hashes(fd, mf, &bucket, NULL);
	ixgbe_wr(nd, IXGBE_FDIRIPSA, mf->sip);
	ixgbe_wr(nd, IXGBE_FDIRIPDA, mf->dip);
	ixgbe_wr(nd, IXGBE_FDIRPORT, (uint32_t)mf->sport | (uint32_t)mf->dport << IXGBE_FDIRPORT_DST_SHIFT);
	ixgbe_wr(nd, IXGBE_FDIRVLAN, 0);
	uint32_t cmd = IXGBE_FDIRCMD_CMD_ADD | cmd_bits(mf->l4type, queue);
	if (update)
		cmd |= IXGBE_FDIRCMD_FILTER_UPDATE;
	return fdir_cmd(nd, bucket | IXGBE_FDIRHASH_VALID | (uint32_t)swidx << IXGBE_FDIRHASH_SIG_SHIFT, cmd);
}

static int perfect_remove(struct netdev *nd, const struct ixgbe_fdir *fd, const struct flow *mf, uint16_t swidx)
{
	uint32_t bucket;
	flow_hashes(fd, mf, &bucket, NULL);
	return fdir_cmd(nd, bucket | IXGBE_FDIRHASH_VALID | (uint32_t)swidx << IXGBE_FDIRHASH_SIG_SHIFT,
			IXGBE_FDIRCMD_CMD_REMOVE);
}

static uint32_t shadow_bucket(const struct flow *mf)
{
	/* any spread works for the shadow's own chains */
	uint32_t h = mf->sip * 2654435761u ^ mf->dip * 40503u ^ (uint32_t)mf->sport << 16 ^ mf->dport ^
		     (uint32_t)mf->l4type << 7;
	h ^= h >> 15;
	return h & ((1u << IXGBE_FDIR_PERFECT_BUCKET_BITS_256K) - 1);
}

static int shadow_find(const struct ixgbe_fdir *fd, const struct flow *mf)
{
	for (uint16_t i = fd->pf_bucket[shadow_bucket(mf)]; i != IXGBE_PF_NONE; i = fd->pf[i].next) {
		const struct ixgbe_pf_entry *e = &fd->pf[i];
		if (e->sip == mf->sip && e->dip == mf->dip && e->sport == mf->sport && e->dport == mf->dport &&
		    e->l4type == mf->l4type)
			return i;
	}
	return -1;
}

static int check_filter(struct netdev *nd, const struct nd_filter *f, struct flow *fl)
{
	if (!f || (f->proto != 6 && f->proto != 17))
		return -EINVAL;
	if (f->queue < 0 || f->queue >= nd->max_queues)
		return -EINVAL;
	fl->sip = f->src_ip;
	fl->dip = f->dst_ip;
	fl->sport = f->src_port;
	fl->dport = f->dst_port;
	fl->l4type = f->proto == 6 ? L4TYPE_TCP : L4TYPE_UDP;
	return 0;
}

static int add_perfect(struct netdev *nd, struct ixgbe_fdir *fd, const struct flow *fl, int queue)
{
	struct flow mf = masked(fl, masks_of(fd->mode));
	int i = shadow_find(fd, &mf);
	if (i >= 0) {
		if (fd->pf[i].queue == queue)
			return 0;
		int rc = perfect_write(nd, fd, &mf, (uint16_t)i, queue, true);
		if (rc == 0)
			fd->pf[i].queue = (uint16_t)queue;
		read_stats(nd, fd);
		return rc;
	}
	if (fd->count >= fd->max || fd->pf_free == IXGBE_PF_NONE) {
		fd->stats.sw_full++;
		return -ENOSPC;
	}
	uint64_t fails = fd->stats.add_fails;
	uint16_t idx = fd->pf_free;
	int rc = perfect_write(nd, fd, &mf, idx, queue, false);
	read_stats(nd, fd);
	if (rc)
		return rc;
	if (fd->stats.add_fails != fails) {
		fd->stats.sw_full++;
		return -ENOSPC;
	}
	struct ixgbe_pf_entry *e = &fd->pf[idx];
	fd->pf_free = e->next;
	e->sip = mf.sip;
	e->dip = mf.dip;
	e->sport = mf.sport;
	e->dport = mf.dport;
	e->l4type = mf.l4type;
	e->queue = (uint16_t)queue;
	e->used = 1;
	uint32_t b = shadow_bucket(&mf);
	e->next = fd->pf_bucket[b];
	fd->pf_bucket[b] = idx;
	fd->count++;
	return 0;
}

static int query(struct netdev *nd, uint32_t hash, uint32_t *cmd_out)
{
	int rc = fdir_cmd(nd, hash, IXGBE_FDIRCMD_CMD_QUERY);
	if (rc)
		return rc;
	*cmd_out = ixgbe_rd(nd, IXGBE_FDIRCMD);
	return 0;
}

static int add_signature(struct netdev *nd, struct ixgbe_fdir *fd, const struct flow *fl, int queue)
{
	struct flow mf = masked(fl, masks_of(fd->mode));
	uint32_t bucket, sig;
	flow_hashes(fd, &mf, &bucket, &sig);
	uint32_t hash = bucket | IXGBE_FDIRHASH_VALID | sig << IXGBE_FDIRHASH_SIG_SHIFT;
	/* DS 7.1.2.7.12: a query tells whether a filter with this bucket and
	 * signature exists; a different flow with the same pair collides. */
	uint32_t found;
	int rc = query(nd, hash, &found);
	if (rc)
		return rc;
	bool exists = (found & IXGBE_FDIRCMD_FILTER_VALID) != 0;
	int old_q = (int)((found & IXGBE_FDIRCMD_RX_QUEUE_MASK) >> IXGBE_FDIRCMD_RX_QUEUE_SHIFT);
	if (exists && old_q == queue)
		return 0; /* already steered there (possibly another flow's filter) */
	/* a full table is the device's to report (FDIRFSTAT.FADD) */
	uint64_t fails = fd->stats.add_fails;
	rc = fdir_cmd(nd, hash, IXGBE_FDIRCMD_CMD_ADD | cmd_bits(mf.l4type, queue));
	read_stats(nd, fd);
	if (rc)
		return rc;
	if (exists) {
		/* the device kept the first filter and flagged the collision */
		fd->stats.sw_collisions++;
		return -EEXIST;
	}
	if (fd->stats.add_fails != fails) {
		fd->stats.sw_full++;
		return -ENOSPC;
	}
	fd->count++;
	return 0;
}

int ixgbe_fdir_add(struct netdev *nd, const struct nd_filter *f)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd)
		return -EINVAL;
	struct flow fl;
	int rc = check_filter(nd, f, &fl);
	if (rc)
		return rc;
	rc = fdir_ensure_mode(nd, fd, f->signature ? IXGBE_FDIR_SIGNATURE : IXGBE_FDIR_PERFECT);
	if (rc)
		return rc;
	return f->signature ? add_signature(nd, fd, &fl, f->queue) : add_perfect(nd, fd, &fl, f->queue);
}

int ixgbe_fdir_del(struct netdev *nd, const struct nd_filter *f)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd)
		return -EINVAL;
	struct flow fl;
	int rc = check_filter(nd, f, &fl);
	if (rc)
		return rc;
	if (fd->mode != (f->signature ? IXGBE_FDIR_SIGNATURE : IXGBE_FDIR_PERFECT))
		return -ENOENT;
	struct flow mf = masked(&fl, masks_of(fd->mode));
	uint64_t fails = fd->stats.remove_fails;
	if (f->signature) {
		uint32_t bucket, sig;
		flow_hashes(fd, &mf, &bucket, &sig);
		rc = fdir_cmd(nd, bucket | IXGBE_FDIRHASH_VALID | sig << IXGBE_FDIRHASH_SIG_SHIFT,
			      IXGBE_FDIRCMD_CMD_REMOVE);
		read_stats(nd, fd);
		if (rc)
			return rc;
		if (fd->stats.remove_fails != fails)
			return -ENOENT;
		fd->count--;
		return 0;
	}
	int i = shadow_find(fd, &mf);
	if (i < 0)
		return -ENOENT;
	rc = perfect_remove(nd, fd, &mf, (uint16_t)i);
	read_stats(nd, fd);
	if (rc)
		return rc;
	/* unlink from the shadow */
	uint32_t b = shadow_bucket(&mf);
	uint16_t *pp = &fd->pf_bucket[b];
	while (*pp != (uint16_t)i)
		pp = &fd->pf[*pp].next;
	*pp = fd->pf[i].next;
	fd->pf[i].used = 0;
	fd->pf[i].next = fd->pf_free;
	fd->pf_free = (uint16_t)i;
	fd->count--;
	return fd->stats.remove_fails != fails ? -EIO : 0;
}

int ixgbe_filter_query(struct netdev *nd, const struct nd_filter *f)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd)
		return -EINVAL;
	struct flow fl;
	int rc = check_filter(nd, f, &fl);
	if (rc)
		return rc;
	struct flow mf = masked(&fl, masks_of(fd->mode));
	uint32_t bucket, sig, hash;
	flow_hashes(fd, &mf, &bucket, &sig);
	if (fd->mode == IXGBE_FDIR_SIGNATURE) {
		hash = bucket | IXGBE_FDIRHASH_VALID | sig << IXGBE_FDIRHASH_SIG_SHIFT;
	} else {
		int i = shadow_find(fd, &mf);
		if (i < 0)
			return -ENOENT;
		hash = bucket | IXGBE_FDIRHASH_VALID | (uint32_t)i << IXGBE_FDIRHASH_SIG_SHIFT;
	}
	uint32_t res;
	if ((rc = query(nd, hash, &res)))
		return rc;
	if (!(res & IXGBE_FDIRCMD_FILTER_VALID))
		return -ENOENT;
	return (int)((res & IXGBE_FDIRCMD_RX_QUEUE_MASK) >> IXGBE_FDIRCMD_RX_QUEUE_SHIFT);
}

const struct ixgbe_fdir_stats *ixgbe_fdir_stats(struct netdev *nd)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd)
		return NULL;
	read_stats(nd, fd);
	return &fd->stats;
}

/* ------------------------------------------------------------ PIKA flow groups */

static int group_write(struct netdev *nd, struct ixgbe_fdir *fd, int g, int queue, bool update)
{
	struct flow fl = {.sip = 0, .dip = 0, .sport = (uint16_t)g, .dport = 0, .l4type = L4TYPE_TCP};
	struct flow mf = masked(&fl, &masks_groups);
	uint64_t fails = fd->stats.add_fails;
	int rc = perfect_write(nd, fd, &mf, (uint16_t)g, queue, update);
	if (rc)
		return rc;
	read_stats(nd, fd);
	return fd->stats.add_fails != fails ? -ENOSPC : 0;
}

int ixgbe_groups_set(struct netdev *nd, const uint16_t *group_to_queue)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd || !group_to_queue)
		return -EINVAL;
	for (int g = 0; g < ND_FLOW_GROUPS; g++)
		if ((int)group_to_queue[g] >= nd->max_queues)
			return -EINVAL;
	bool fresh = fd->mode != IXGBE_FDIR_GROUPS || fd->count == 0;
	int rc = fdir_ensure_mode(nd, fd, IXGBE_FDIR_GROUPS);
	if (rc)
		return rc;
	for (int g = 0; g < ND_FLOW_GROUPS; g++) {
		if (!fresh && fd->groups[g] == group_to_queue[g])
			continue;
		rc = group_write(nd, fd, g, group_to_queue[g], !fresh);
		if (rc)
			return rc;
		fd->groups[g] = group_to_queue[g];
		if (fresh)
			fd->count++;
	}
	return 0;
}

int ixgbe_group_move(struct netdev *nd, int group, int queue)
{
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd || group < 0 || group >= ND_FLOW_GROUPS || queue < 0 || queue >= nd->max_queues)
		return -EINVAL;
	if (fd->mode != IXGBE_FDIR_GROUPS || fd->count != ND_FLOW_GROUPS)
		return -ENOENT; /* groups_set first */
	if (fd->groups[group] == queue)
		return 0;
	int rc = group_write(nd, fd, group, queue, true);
	if (rc == 0)
		fd->groups[group] = (uint16_t)queue;
	return rc;
}

int ixgbe_predict_queue(struct netdev *nd, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport)
{
	struct ixgbe_dev *d = nd->priv;
	struct ixgbe_fdir *fd = fdir_of(nd);
	if (!fd)
		return -EINVAL;
	if (fd->mode == IXGBE_FDIR_GROUPS && fd->count == ND_FLOW_GROUPS && dport < IXGBE_EPHEMERAL_MIN)
		return fd->groups[ixgbe_flow_group(sport)];
	if (fd->count > 0 && fd->mode != IXGBE_FDIR_GROUPS) {
		struct nd_filter f = {.src_ip = sip, .dst_ip = dip, .src_port = sport, .dst_port = dport,
				      .proto = 6, .signature = fd->mode == IXGBE_FDIR_SIGNATURE};
		int q = ixgbe_filter_query(nd, &f);
		if (q >= 0)
			return q;
	}
	return ixgbe_rss_queue(&d->rss, sip, dip, sport, dport);
}
