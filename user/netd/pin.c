/* The flow pins of a connection manager: see pin.h. */
#include "user/netd/pin.h"

#include <errno.h>
#include <stddef.h>

static unsigned home(uint32_t raddr, uint16_t rport, uint16_t lport)
{
	uint64_t h = ((uint64_t)raddr << 32 | (uint32_t)rport << 16 | lport) * 0x9E3779B97F4A7C15ULL;
	return (unsigned)(h >> 40) & (PIN_MAX - 1);
}

static unsigned next(unsigned i) { return (i + 1) & (PIN_MAX - 1); }

struct pin *pin_find(struct pin_table *t, uint32_t raddr, uint16_t rport, uint32_t laddr, uint16_t lport)
{
	if (!t->n)
		return NULL;
	for (unsigned i = home(raddr, rport, lport);; i = next(i)) { /* ends: never full */
		struct pin *p = &t->e[i];
		if (!p->used)
			return NULL;
		if (p->raddr == raddr && p->rport == rport && p->lport == lport && p->laddr == laddr)
			return p;
	}
}

int pin_add(struct pin_table *t, uint32_t raddr, uint16_t rport, uint32_t laddr, uint16_t lport, uint8_t core,
	    uint64_t now)
{
	if (t->n >= PIN_MAX * 3 / 4)
		return -ENOSPC; /* keeps the probe runs short */
	if (pin_find(t, raddr, rport, laddr, lport))
		return -EEXIST;
	unsigned i = home(raddr, rport, lport);
	while (t->e[i].used)
		i = next(i);
	t->e[i] = (struct pin){ raddr, laddr, rport, lport, core, true, false, false, now };
	t->n++;
	return 0;
}

void pin_remove(struct pin_table *t, struct pin *p)
{
	unsigned hole = (unsigned)(p - t->e);
	t->e[hole].used = false;
	t->n--;
	for (unsigned j = next(hole); t->e[j].used; j = next(j)) {
		unsigned h = home(t->e[j].raddr, t->e[j].rport, t->e[j].lport);
		/* the entry at j stays unless the hole lies between its home and j
		 * (cyclically): then a lookup from its home would stop at the hole */
		bool stays = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
		if (stays)
			continue;
		t->e[hole] = t->e[j];
		t->e[j].used = false;
		hole = j;
	}
}

unsigned pin_sweep(struct pin_table *t, uint64_t now, uint64_t idle_open, uint64_t idle_conn)
{
	unsigned gone = 0;
	for (unsigned i = 0; i < PIN_MAX && t->n; i++) {
		struct pin *p = &t->e[i];
		/* a removal may shift a later entry into i: look at i again */
		while (p->used && now - p->last > (p->conn ? idle_conn : idle_open)) {
			pin_remove(t, p);
			gone++;
		}
	}
	return gone;
}

unsigned pin_drop_core(struct pin_table *t, uint8_t core)
{
	unsigned gone = 0;
	for (unsigned i = 0; i < PIN_MAX && t->n; i++)
		while (t->e[i].used && t->e[i].core == core) {
			pin_remove(t, &t->e[i]);
			gone++;
		}
	return gone;
}
