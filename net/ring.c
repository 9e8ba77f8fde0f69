/* Block pool and the sparse byte rings built on it (TCP send/receive buffers).
 * A ring maps byte offset o (from the head) to physical position
 * (head + o) mod (NET_RING_SLOTS * NET_BLK_SIZE); a slot gets a block the
 * first time a byte lands in it and gives it back when the head moves past,
 * so an idle connection holds no memory. */
#include "net/internal.h"

#define RING_CAP ((uint32_t)NET_RING_SLOTS * NET_BLK_SIZE)

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

static uint16_t blk_alloc(struct blk_pool *bp)
{
	uint16_t b = bp->free;
	if (b == NET_NONE16)
		return b;
	bp->free = bp->next[b];
	bp->used++;
	return b;
}

static void blk_free(struct blk_pool *bp, uint16_t b)
{
	bp->next[b] = bp->free;
	bp->free = b;
	bp->used--;
}

void ring_init(struct net_ring *r)
{
	r->head = 0;
	r->len = 0;
	r->nblk = 0;
	for (unsigned i = 0; i < NET_RING_SLOTS; i++)
		r->slot[i] = NET_NONE16;
}

bool ring_write(struct net_stack *s, struct net_ring *r, uint32_t off, const void *src, uint32_t n)
{
	const uint8_t *in = src;
	if ((uint64_t)off + n > NET_TCP_BUF_MAX)
		return false;
	/* first make sure every block exists, so a failure leaves data untouched */
	uint32_t pos = (r->head + off) % RING_CAP;
	uint32_t left = n;
	while (left) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - pos % NET_BLK_SIZE);
		if (r->slot[si] == NET_NONE16) {
			r->slot[si] = blk_alloc(&s->blks);
			if (r->slot[si] == NET_NONE16)
				return false;
			r->nblk++;
		}
		left -= chunk;
		pos = (pos + chunk) % RING_CAP;
	}
	pos = (r->head + off) % RING_CAP;
	left = n;
	while (left) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - bo);
		memcpy(s->blks.mem + (size_t)r->slot[si] * NET_BLK_SIZE + bo, in, chunk);
		in += chunk;
		left -= chunk;
		pos = (pos + chunk) % RING_CAP;
	}
	return true;
}

void ring_read(const struct net_stack *s, const struct net_ring *r, uint32_t off, void *dst, uint32_t n)
{
	uint8_t *out = dst;
	uint32_t pos = (r->head + off) % RING_CAP;
	while (n) {
		uint32_t si = pos / NET_BLK_SIZE;
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(n, NET_BLK_SIZE - bo);
		if (r->slot[si] == NET_NONE16)
			memset(out, 0, chunk); /* never written: callers only read data they put there */
		else
			memcpy(out, s->blks.mem + (size_t)r->slot[si] * NET_BLK_SIZE + bo, chunk);
		out += chunk;
		n -= chunk;
		pos = (pos + chunk) % RING_CAP;
	}
}

void ring_consume(struct net_stack *s, struct net_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	uint32_t pos = r->head;
	uint32_t left = n;
	while (left) {
		uint32_t bo = pos % NET_BLK_SIZE;
		uint32_t chunk = min_u32(left, NET_BLK_SIZE - bo);
		if (bo + chunk == NET_BLK_SIZE) {
			uint32_t si = pos / NET_BLK_SIZE;
			if (r->slot[si] != NET_NONE16) {
				blk_free(&s->blks, r->slot[si]);
				r->slot[si] = NET_NONE16;
				r->nblk--;
			}
		}
		left -= chunk;
		pos = (pos + chunk) % RING_CAP;
	}
	r->head = pos;
	r->len -= n;
}

void ring_release(struct net_stack *s, struct net_ring *r)
{
	for (unsigned i = 0; i < NET_RING_SLOTS && r->nblk; i++) {
		if (r->slot[i] != NET_NONE16) {
			blk_free(&s->blks, r->slot[i]);
			r->slot[i] = NET_NONE16;
			r->nblk--;
		}
	}
	r->head = 0;
	r->len = 0;
}
