/* pikaos/kv.h - the protocol of kvd, the example per-core key-value service. */
#ifndef _PIKAOS_KV_H
#define _PIKAOS_KV_H

#include <stdint.h>

#define KV_KEY_MAX 24

enum {
	KV_PUT = 1, /* struct kv_req -> status 0, -ENOSPC */
	KV_GET,     /* struct kv_req (key) -> status 0 and the value (8 bytes), -ENOENT */
	KV_DEL,     /* struct kv_req (key) -> status 0, -ENOENT */
	KV_COUNT,   /* -> status = number of keys */
	KV_QUIT,    /* -> status 0, then the service exits */
};

struct kv_req {
	char key[KV_KEY_MAX];
	uint64_t value;
};

#endif
