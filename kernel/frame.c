/* frame.c - see frame.h. Called only by the owning core; never locked. */
#include "kernel/frame.h"
#include "kernel/errno.h"

#include <string.h>

#define BITS 64

/* Appends [start, end) to r, merging with the previous piece when adjacent. */
static int range_add(struct frame_range *r, uint64_t start, uint64_t end)
{
	if (r->n && r->ext[r->n - 1].end == start) {
		r->ext[r->n - 1].end = end;
		return 0;
	}
	if (r->n == FRAME_MAX_EXTENTS)
		return -E2BIG;
	r->ext[r->n].start = start;
	r->ext[r->n].end = end;
	r->n++;
	return 0;
}

/* Moves want bytes from the extents (cursor i/pos) into r. */
static int take(const struct frame_extent *u, int n, int *i, uint64_t *pos, uint64_t want,
		struct frame_range *r)
{
	while (want && *i < n) {
		uint64_t start = *pos > u[*i].start ? *pos : u[*i].start;
		uint64_t avail = u[*i].end > start ? u[*i].end - start : 0;
		uint64_t chunk = avail < want ? avail : want;
		if (chunk) {
			int e = range_add(r, start, start + chunk);
			if (e)
				return e;
			want -= chunk;
			*pos = start + chunk;
		}
		if (*pos >= u[*i].end)
			(*i)++;
	}
	return want ? -ENOMEM : 0;
}

int frame_partition(const struct frame_extent *usable, int n, int ncores, uint64_t chanpool_bytes,
		    uint64_t min_core_bytes, struct frame_plan *out)
{
	if (!usable || !out || n <= 0 || ncores <= 0 || ncores > MAX_CORES)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ncores = ncores;

	/* Only whole aligned blocks are partitioned. */
	struct frame_extent u[32];
	int m = 0;
	uint64_t total = 0;
	for (int i = 0; i < n && m < (int)(sizeof(u) / sizeof(u[0])); i++) {
		uint64_t s = (usable[i].start + FRAME_PARTITION_ALIGN - 1) & ~(FRAME_PARTITION_ALIGN - 1);
		uint64_t e = usable[i].end & ~(FRAME_PARTITION_ALIGN - 1);
		if (i && usable[i].start < usable[i - 1].end)
			return -EINVAL; /* unsorted or overlapping */
		if (e > s) {
			u[m].start = s;
			u[m].end = e;
			total += e - s;
			m++;
		}
	}
	chanpool_bytes = (chanpool_bytes + FRAME_PARTITION_ALIGN - 1) & ~(FRAME_PARTITION_ALIGN - 1);
	if (chanpool_bytes >= total)
		return -ENOMEM;
	uint64_t share = ((total - chanpool_bytes) / (uint64_t)ncores) & ~(FRAME_PARTITION_ALIGN - 1);
	if (share < min_core_bytes || share == 0)
		return -ENOMEM;

	int i = 0;
	uint64_t pos = m ? u[0].start : 0;
	int e = take(u, m, &i, &pos, chanpool_bytes, &out->chanpool);
	for (int c = 0; !e && c < ncores; c++)
		e = take(u, m, &i, &pos, share, &out->core[c]);
	return e;
}

bool frame_range_contains(const struct frame_range *r, uint64_t p)
{
	for (int i = 0; i < r->n; i++)
		if (p >= r->ext[i].start && p < r->ext[i].end)
			return true;
	return false;
}

int frame_alloc_init(struct frame_alloc *fa, const struct frame_range *r, uint64_t virt_base)
{
	if (!fa || !r || r->n <= 0 || r->n > FRAME_MAX_EXTENTS)
		return -EINVAL;
	memset(fa, 0, sizeof(*fa));
	fa->virt_base = virt_base;
	fa->n = r->n;

	/* Bitmap words for every extent, placed at the start of the first extent. */
	uint64_t words = 0;
	for (int i = 0; i < r->n; i++) {
		if (r->ext[i].start % FRAME_SIZE || r->ext[i].end % FRAME_SIZE ||
		    r->ext[i].end <= r->ext[i].start)
			return -EINVAL;
		words += ((r->ext[i].end - r->ext[i].start) / FRAME_SIZE + BITS - 1) / BITS;
	}
	uint64_t meta_frames = (words * 8 + FRAME_SIZE - 1) / FRAME_SIZE;
	if (meta_frames * FRAME_SIZE >= r->ext[0].end - r->ext[0].start)
		return -ENOMEM;

	uint64_t *bm = (uint64_t *)(uintptr_t)(virt_base + r->ext[0].start);
	memset(bm, 0, words * 8);
	for (int i = 0; i < r->n; i++) {
		uint64_t frames = (r->ext[i].end - r->ext[i].start) / FRAME_SIZE;
		fa->ext[i].start = r->ext[i].start;
		fa->ext[i].end = r->ext[i].end;
		fa->ext[i].bitmap = bm;
		/* Bits past the end of the extent read as "in use" so searches skip them. */
		if (frames % BITS)
			bm[frames / BITS] = ~0ULL << (frames % BITS);
		bm += (frames + BITS - 1) / BITS;
		fa->total += frames;
	}
	/* The bitmap's own frames are in use for good. */
	for (uint64_t f = 0; f < meta_frames; f++)
		fa->ext[0].bitmap[f / BITS] |= 1ULL << (f % BITS);
	fa->total -= meta_frames;
	fa->meta_end = r->ext[0].start + meta_frames * FRAME_SIZE;
	fa->nfree = fa->total;
	return 0;
}

static int find_ext(const struct frame_alloc *fa, uint64_t p)
{
	for (int i = 0; i < fa->n; i++)
		if (p >= fa->ext[i].start && p < fa->ext[i].end)
			return i;
	return -1;
}

bool frame_owns(const struct frame_alloc *fa, uint64_t p)
{
	return find_ext(fa, p) >= 0;
}

uint64_t frame_alloc(struct frame_alloc *fa)
{
	if (!fa->nfree)
		return 0;
	for (int k = 0; k < fa->n; k++) {
		uint64_t frames = (fa->ext[k].end - fa->ext[k].start) / FRAME_SIZE;
		uint64_t words = (frames + BITS - 1) / BITS;
		uint64_t *bm = fa->ext[k].bitmap;
		for (uint64_t j = 0; j < words; j++) {
			uint64_t w = (fa->ext[k].hint + j) % words;
			if (bm[w] != ~0ULL) {
				int bit = __builtin_ctzll(~bm[w]);
				bm[w] |= 1ULL << bit;
				fa->ext[k].hint = w;
				fa->nfree--;
				return fa->ext[k].start + (w * BITS + (uint64_t)bit) * FRAME_SIZE;
			}
		}
	}
	return 0; /* unreachable while nfree is right */
}

static bool bit_get(const uint64_t *bm, uint64_t f)
{
	return (bm[f / BITS] >> (f % BITS)) & 1;
}

uint64_t frame_alloc_contig(struct frame_alloc *fa, uint64_t n, uint64_t align_frames)
{
	if (n == 0 || align_frames == 0 || (align_frames & (align_frames - 1)) || n > fa->nfree)
		return 0;
	for (int k = 0; k < fa->n; k++) {
		uint64_t frames = (fa->ext[k].end - fa->ext[k].start) / FRAME_SIZE;
		uint64_t base_pfn = fa->ext[k].start / FRAME_SIZE;
		uint64_t *bm = fa->ext[k].bitmap;
		uint64_t f = (align_frames - base_pfn % align_frames) % align_frames;
		while (f + n <= frames) {
			uint64_t run = 0;
			while (run < n && !bit_get(bm, f + run))
				run++;
			if (run == n) {
				for (uint64_t i = 0; i < n; i++)
					bm[(f + i) / BITS] |= 1ULL << ((f + i) % BITS);
				fa->nfree -= n;
				return fa->ext[k].start + f * FRAME_SIZE;
			}
			/* Skip past the used frame, to the next aligned start. */
			f += run + 1;
			f = (f + base_pfn + align_frames - 1) / align_frames * align_frames - base_pfn;
		}
	}
	return 0;
}

int frame_free(struct frame_alloc *fa, uint64_t p)
{
	int k = find_ext(fa, p);
	if (k < 0 || p % FRAME_SIZE)
		return -EINVAL;
	uint64_t f = (p - fa->ext[k].start) / FRAME_SIZE;
	uint64_t *bm = fa->ext[k].bitmap;
	if (!bit_get(bm, f))
		return -EINVAL; /* double free */
	if (p < fa->meta_end && p >= fa->ext[0].start)
		return -EINVAL; /* the bitmap's own frames are never handed out */
	bm[f / BITS] &= ~(1ULL << (f % BITS));
	fa->nfree++;
	return 0;
}

int frame_free_contig(struct frame_alloc *fa, uint64_t p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		int e = frame_free(fa, p + i * FRAME_SIZE);
		if (e)
			return e;
	}
	return 0;
}
