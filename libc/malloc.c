/*
 * malloc.c - the heap, on anonymous mmap.
 *
 * Small blocks (up to 2 KiB) come from per-size-class free lists refilled
 * 64 KiB at a time; larger ones are their own mapping and are unmapped on
 * free. Every block has a 16-byte header (size class or mapping length, and a
 * magic word that tells an allocated block from a free one), so a double free
 * or a free of a pointer malloc never returned stops the process with a
 * message instead of corrupting the heap. Threads of one process share the
 * heap under a lock that yields the CPU while held by another thread.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAGIC_USED 0x6d616c6c6f637573ULL /* "mallocus" */
#define MAGIC_FREE 0x667265656672656bULL
#define NCLASS 8        /* 16 .. 2048 bytes */
#define LARGE (-1)
#define CHUNK (64 * 1024)

struct hdr {
	int64_t cls;    /* size class, or LARGE */
	uint64_t magic;
};
struct hdr_large {
	void *map;       /* precedes struct hdr for large blocks: the mapping */
	uint64_t maplen;
};

static void *free_list[NCLASS];
static volatile int heap_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&heap_lock, 1, __ATOMIC_ACQUIRE))
		__sys(SYS_yield, 0, 0, 0, 0);
}
static void unlock(void) { __atomic_store_n(&heap_lock, 0, __ATOMIC_RELEASE); }

static size_t class_size(int c) { return (size_t)16 << c; }

static int class_of(size_t n)
{
	for (int c = 0; c < NCLASS; c++)
		if (n <= class_size(c))
			return c;
	return LARGE;
}

static __attribute__((noreturn)) void heap_corrupt(const char *what, void *p)
{
	fprintf(stderr, "malloc: %s %p\n", what, p);
	abort();
}

static int refill(int c)
{
	size_t bs = class_size(c) + sizeof(struct hdr);
	char *m = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -1;
	for (size_t off = 0; off + bs <= CHUNK; off += bs) {
		struct hdr *h = (struct hdr *)(m + off);
		h->cls = c;
		h->magic = MAGIC_FREE;
		*(void **)(h + 1) = free_list[c];
		free_list[c] = h + 1;
	}
	return 0;
}

/* A block in its own mapping, its start aligned to align (a power of two >= 16). */
static void *map_large(size_t n, size_t align)
{
	size_t head = sizeof(struct hdr_large) + sizeof(struct hdr);
	size_t total = n + head + align;
	if (total < n) {
		errno = ENOMEM;
		return NULL;
	}
	char *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	uintptr_t p = ((uintptr_t)m + head + align - 1) & ~(uintptr_t)(align - 1);
	struct hdr *h = (struct hdr *)p - 1;
	struct hdr_large *l = (struct hdr_large *)h - 1;
	l->map = m;
	l->maplen = total;
	h->cls = LARGE;
	h->magic = MAGIC_USED;
	return (void *)p;
}

void *malloc(size_t n)
{
	if (n == 0)
		n = 1;
	int c = class_of(n);
	if (c == LARGE)
		return map_large(n, 16);
	lock();
	if (!free_list[c] && refill(c)) {
		unlock();
		errno = ENOMEM;
		return NULL;
	}
	void *p = free_list[c];
	free_list[c] = *(void **)p;
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic != MAGIC_FREE)
		heap_corrupt("free list damaged at", p);
	h->magic = MAGIC_USED;
	unlock();
	return p;
}

static size_t usable(struct hdr *h)
{
	if (h->cls == LARGE) {
		struct hdr_large *l = (struct hdr_large *)h - 1;
		return (size_t)((char *)l->map + l->maplen - (char *)(h + 1));
	}
	return class_size((int)h->cls);
}

void free(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic == MAGIC_FREE)
		heap_corrupt("double free of", p);
	if (h->magic != MAGIC_USED || (h->cls != LARGE && (h->cls < 0 || h->cls >= NCLASS)))
		heap_corrupt("free of a pointer malloc did not return:", p);
	if (h->cls == LARGE) {
		h->magic = MAGIC_FREE;
		struct hdr_large *l = (struct hdr_large *)h - 1;
		munmap(l->map, l->maplen);
		return;
	}
	lock();
	h->magic = MAGIC_FREE;
	*(void **)p = free_list[h->cls];
	free_list[h->cls] = p;
	unlock();
}

void *calloc(size_t n, size_t size)
{
	size_t total = n * size;
	if (size && total / size != n) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic != MAGIC_USED)
		heap_corrupt("realloc of a pointer malloc did not return:", p);
	size_t have = usable(h);
	if (n <= have)
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = align <= 16 ? malloc(n) : map_large(n ? n : 1, align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	void *p = NULL;
	int e = posix_memalign(&p, align, n);
	if (e) {
		errno = e;
		return NULL;
	}
	return p;
}
