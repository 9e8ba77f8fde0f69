/*
 * pin - the flows a connection manager gave to other cores (cm.c): a table
 * from a TCP flow (remote address and port, our address and port) to the
 * core that holds its connection, with when it was last used. Open
 * addressing with linear probing; a removal shifts the rest of its run back,
 * so lookups never meet tombstones. Filled to at most 3/4.
 *
 * Pure computation on caller-owned memory (host-tested); one table per core.
 */
#ifndef USER_NETD_PIN_H
#define USER_NETD_PIN_H

#include <stdbool.h>
#include <stdint.h>

#define PIN_MAX 16384 /* slots, a power of two; PIN_MAX * 3 / 4 flows */

struct pin {
	uint32_t raddr, laddr;
	uint16_t rport, lport;
	uint8_t core;
	bool used;
	bool conn;     /* more than its SYN went through (a connection, not a bare handshake) */
	bool renewed;  /* a SYN after that: a new connection of the flow, whose unpin is still to come */
	uint64_t last; /* caller's clock */
};

struct pin_table {
	struct pin e[PIN_MAX];
	unsigned n;
};

/* the flow's pin, or NULL */
struct pin *pin_find(struct pin_table *t, uint32_t raddr, uint16_t rport, uint32_t laddr, uint16_t lport);
/* -ENOSPC when 3/4 full, -EEXIST when pinned already */
int pin_add(struct pin_table *t, uint32_t raddr, uint16_t rport, uint32_t laddr, uint16_t lport, uint8_t core,
	    uint64_t now);
void pin_remove(struct pin_table *t, struct pin *p);
/* removes the pins idle longer than idle_open (only a SYN seen) or
 * idle_conn; returns how many */
unsigned pin_sweep(struct pin_table *t, uint64_t now, uint64_t idle_open, uint64_t idle_conn);
/* removes every pin to core; returns how many */
unsigned pin_drop_core(struct pin_table *t, uint8_t core);

#endif
