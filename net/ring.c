/* Block pools and the sparse byte rings built on them (TCP send/receive buffers).
 *
 * A ring maps byte offset o (from the head) to physical position
 * (head + o) mod capacity; a slot gets a block the first time a byte lands
 * in it and gives it back when the head moves past, so an idle connection
 * holds no memory.
 *
 * Two kinds of ring:
 *  - internal: blocks of the stack's own pool, capacity NET_RING_SLOTS
 *    blocks (one more than NET_TCP_BUF_MAX, so the block holding `head` is
 *    never also holding data at the far end);
 *  - external (ring_attach): blocks of a pool the caller owns (netd: memory
 *    shared with the process that owns the socket), capacity `cap`, a power
 *    of two, so that position = stream offset mod cap for a 32-bit stream
 *    counter (`base`, the offset of the head since the ring began). Every
 *    change of a slot is also written to `mirror`, the copy the process
 *    reads to find its bytes. Blocks the process may be using are never
 *    taken back behind its back: unread received bytes [0, len) of a
 *    receive ring, and the reserved room [len, len + keep) of a send ring
 *    that it was told it may write. ring_release leaves those; only
 *    ring_release_all (the socket is closed) frees everything.
 */
#include "net/internal.h"

#define INT_CAP ((uint32_t)NET_RING_SLOTS * NET_BLK_SIZE)

void blk_pool_init(struct blk_pool *bp, uint8_t *mem, uint16_t *next, uint32_t n)
{
	bp->mem = mem;
	bp->next = next;
	bp->total = n;
	bp->used = 0;
	bp->free = NET_NONE16;
	for (uint32_t i = n; i-- > 0;) {
		next[i] = bp->free;
		bp->free = (uint16_t)i;
	}
}

uint16_t blk_alloc(struct blk_pool *bp)
{
	uint16_t b = bp->free;
	if (b == NET_NONE16)
		return b;
	bp->free = bp->next[b];
	bp->used++;
	return b;
}

void blk_free(struct blk_pool *bp, uint16_t b)
{
	bp->next[b] = bp->free;
	bp->free = b;
	bp->used--;
}

static struct blk_pool *pool_of(struct net_stack *s, const struct net_ring *r)
{
	return r->pool ? &r->pool->b : &s->blks;
}

static uint32_t cap_of(const struct net_ring *r) { return r->pool ? r->cap : INT_CAP; }

static uint8_t *blk_mem(const struct net_stack *s, const struct net_ring *r, uint16_t b)
{
	return (r->pool ? r->pool->b.mem : s->blks.mem) + (size_t)b * NET_BLK_SIZE;
}

static void set_slot(struct net_ring *r, uint32_t si, uint16_t b)
{
	r->slot[si] = b;
	if (r->mirror)
		r->mirror[si] = b;
}

void ring_init(struct net_ring *r) { memset(r, 0, sizeof(*r)), ring_reset_slots(r); }

void ring_reset_slots(struct net_ring *r)
{
	for (unsigned i = 0; i < NET_RING_SLOTS; i++)
		r->slot[i] = NET_NONE16;
}

uint32_t ring_room(const struct net_ring *r)
{
	/* external rings keep one block free for the same reason internal ones
	 * have a spare slot: the head's block never holds the far end */
	return r->pool ? r->cap - NET_BLK_SIZE : NET_TCP_BUF_MAX;
}

/* Makes sure blocks back offsets [off, off + n). False when the pool ran out
 * (blocks taken so far stay: they are inside the ring's range). */
static bool ensure(struct net_stack *s, struct net_ring *r, uint32_t off, uint32_t n)
{
	uint32_t cap = cap_of(r), pos = (r->head + off) % cap, left = n;
	while (left) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - pos % NET_BLK_SIZE);
		if (r->slot[si] == NET_NONE16) {
			uint16_t b = blk_alloc(pool_of(s, r));
			if (b == NET_NONE16)
				return false;
			set_slot(r, si, b);
			r->nblk++;
		}
		left -= chunk;
		pos = (pos + chunk) % cap;
	}
	return true;
}

bool ring_write(struct net_stack *s, struct net_ring *r, uint32_t off, const void *src, uint32_t n)
{
	const uint8_t *in = src;
	if ((uint64_t)off + n > ring_room(r))
		return false;
	/* first make sure every block exists, so a failure leaves data untouched */
	if (!ensure(s, r, off, n))
		return false;
	uint32_t cap = cap_of(r), pos = (r->head + off) % cap, left = n;
	while (left) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - bo);
		memcpy(blk_mem(s, r, r->slot[si]) + bo, in, chunk);
		in += chunk;
		left -= chunk;
		pos = (pos + chunk) % cap;
	}
	return true;
}

bool ring_reserve(struct net_stack *s, struct net_ring *r, uint32_t upto)
{
	if (upto > ring_room(r) || upto < r->len)
		return false;
	bool ok = ensure(s, r, r->len, upto - r->len);
	return ok;
}

void ring_read(const struct net_stack *s, const struct net_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *out = dst;
	uint32_t cap = cap_of(r), pos = (r->head + off) % cap;
	while (n) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(n, NET_BLK_SIZE - bo);
		if (r->slot[si] == NET_NONE16)
			memset(out, 0, chunk); /* never written: callers only read data they put there */
		else
			memcpy(out, blk_mem(s, r, r->slot[si]) + bo, chunk);
		out += chunk;
		n -= chunk;
		pos = (pos + chunk) % cap;
	}
}

unsigned ring_iov(const struct net_stack *s, const struct net_ring *r, uint32_t off, uint32_t n,
		  struct net_iov *iov, unsigned max)
{
	unsigned k = 0;
	uint32_t cap = cap_of(r), pos = (r->head + off) % cap;
	while (n && k < max) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(n, NET_BLK_SIZE - bo);
		if (r->slot[si] == NET_NONE16)
			return 0;
		iov[k].base = blk_mem(s, r, r->slot[si]) + bo;
		iov[k].len = chunk;
		k++;
		n -= chunk;
		pos = (pos + chunk) % cap;
	}
	return n ? 0 : k;
}

void ring_consume(struct net_stack *s, struct net_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	uint32_t cap = cap_of(r), pos = r->head, left = n;
	while (left) {
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - bo);
		if (bo + chunk == NET_BLK_SIZE) {
			uint32_t si = pos / NET_BLK_SIZE;
			if (r->slot[si] != NET_NONE16) {
				blk_free(pool_of(s, r), r->slot[si]);
				set_slot(r, si, NET_NONE16);
				r->nblk--;
			}
		}
		left -= chunk;
		pos = (pos + chunk) % cap;
	}
	r->head = pos;
	r->base += n;
	r->len -= n;
}

/* Frees the blocks of every slot that holds no offset of [keep_from,
 * keep_to) (offsets from the head; keep_to <= capacity - one block). The
 * head's block holds offsets [0, BLK - head % BLK) (and bytes before the
 * head, which are consumed); any other slot si holds BLK offsets from
 * (si * BLK - head) mod capacity. */
static void free_outside(struct net_stack *s, struct net_ring *r, uint32_t keep_from, uint32_t keep_to)
{
	uint32_t cap = cap_of(r), nslots = cap / NET_BLK_SIZE, hb = r->head % NET_BLK_SIZE;
	for (uint32_t si = 0; si < nslots && r->nblk; si++) {
		if (r->slot[si] == NET_NONE16)
			continue;
		if (keep_to > keep_from) {
			uint32_t from, to;
			if (si == r->head / NET_BLK_SIZE) {
				from = 0;
				to = NET_BLK_SIZE - hb;
			} else {
				from = (si * NET_BLK_SIZE + cap - r->head) % cap;
				to = from + NET_BLK_SIZE;
			}
			if (keep_from < to && keep_to > from)
				continue;
		}
		blk_free(pool_of(s, r), r->slot[si]);
		set_slot(r, si, NET_NONE16);
		r->nblk--;
	}
}

void ring_release(struct net_stack *s, struct net_ring *r)
{
	if (!r->pool) {
		free_outside(s, r, 0, 0);
		r->head = 0;
		r->len = 0;
		return;
	}
	/* external: the bytes are gone, but what the process may be reading or
	 * writing right now keeps its blocks (see the top of the file) */
	uint32_t keep = r->rx ? r->len : r->keep ? r->len + r->keep : 0;
	uint32_t from = r->rx ? 0 : r->len;
	free_outside(s, r, from, keep);
	r->base += r->len;
	r->head = r->base & (r->cap - 1);
	if (!r->rx)
		r->keep = keep > from ? keep - from : 0;
	r->len = 0;
}

void ring_release_all(struct net_stack *s, struct net_ring *r)
{
	free_outside(s, r, 0, 0);
	r->keep = 0;
	r->len = 0;
	if (!r->pool)
		r->head = 0;
}

bool ring_attach(struct net_stack *s, struct net_ring *r, struct net_pool *pool, uint32_t cap, bool rx,
		 uint32_t limit)
{
	/* stage what the ring holds (a connection's first bytes arrive before
	 * it is accepted) and move it into the new storage */
	uint32_t len = r->len;
	uint8_t tmp[NET_BLK_SIZE];
	struct net_ring old = *r;
	if (pool && (len > cap - NET_BLK_SIZE || len > limit))
		return false;
	struct net_ring n;
	ring_init(&n);
	n.pool = pool;
	n.cap = pool ? cap : 0;
	n.rx = rx;
	n.base = r->base;
	n.head = pool ? n.base & (cap - 1) : 0;
	for (uint32_t off = 0; off < len;) {
		uint32_t k = min_u32(len - off, NET_BLK_SIZE);
		ring_read(s, &old, off, tmp, k);
		if (!ring_write(s, &n, off, tmp, k)) {
			ring_release_all(s, &n);
			return false;
		}
		off += k;
	}
	n.len = len;
	ring_release_all(s, &old);
	*r = n;
	return true;
}

void ring_mirror(struct net_ring *r, uint16_t *mirror)
{
	r->mirror = mirror;
	if (mirror)
		for (uint32_t si = 0; si < r->cap / NET_BLK_SIZE; si++)
			mirror[si] = r->slot[si];
}

void ring_disown(struct net_stack *s, struct net_ring *r)
{
	r->mirror = NULL;
	if (!r->pool)
		return;
	free_outside(s, r, 0, r->len); /* the bytes the stack still has to send (or hold) */
	r->keep = 0;
	r->rx = false;
}
