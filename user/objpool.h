/*
 * objpool.h - fixed-size objects for servers (httpd, echo): taken from
 * chunks mapped a few dozen objects at a time and kept on a free list when
 * released, so a connection costs no mmap/munmap of its own (malloc maps
 * every block over 2 KiB alone). objpool_trim() gives every chunk back once
 * no object is in use (a server calls it when it has been idle a while).
 * Header-only; one thread.
 */
#ifndef USER_OBJPOOL_H
#define USER_OBJPOOL_H

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>

struct objpool {
	size_t size;  /* bytes per object (rounded up to 16) */
	size_t chunk; /* objects per mapping */
	void *free;   /* released objects, linked through their first word */
	char *next;   /* the unused rest of the newest chunk */
	size_t left;
	size_t live, mapped;
	void *chunks; /* every mapping, linked through its first word */
};

#define OBJPOOL_INIT(type, per_chunk) { (sizeof(type) + 15) & ~(size_t)15, (per_chunk), NULL, NULL, 0, 0, 0, NULL }
#define OBJPOOL_HEAD 16 /* a chunk's link to the one mapped before it */

/* An object with whatever its last user left in it, or NULL when no memory
 * is left. */
static inline void *objpool_take(struct objpool *p)
{
	void *o = p->free;
	if (o) {
		p->free = *(void **)o;
	} else {
		if (!p->left) {
			void *m = mmap(NULL, OBJPOOL_HEAD + p->size * p->chunk, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (m == MAP_FAILED)
				return NULL;
			*(void **)m = p->chunks;
			p->chunks = m;
			p->next = (char *)m + OBJPOOL_HEAD;
			p->left = p->chunk;
			p->mapped += p->chunk;
		}
		o = p->next;
		p->next += p->size;
		p->left--;
	}
	p->live++;
	return o;
}

/* A zeroed object, or NULL when no memory is left. */
static inline void *objpool_get(struct objpool *p)
{
	void *o = objpool_take(p);
	if (o)
		memset(o, 0, p->size);
	return o;
}

static inline void objpool_put(struct objpool *p, void *o)
{
	*(void **)o = p->free;
	p->free = o;
	p->live--;
}

/* With no object in use: unmap every chunk (the next get maps anew). */
static inline void objpool_trim(struct objpool *p)
{
	if (p->live)
		return;
	while (p->chunks) {
		void *m = p->chunks;
		p->chunks = *(void **)m;
		munmap(m, OBJPOOL_HEAD + p->size * p->chunk);
	}
	p->free = NULL;
	p->next = NULL;
	p->left = 0;
	p->mapped = 0;
}

#endif
