/* ARP (RFC 826): a cache with lifetimes, a bounded queue of packets waiting
 * for resolution, request retries, replies and gratuitous announcements. */
#include "net/internal.h"
#include "net/prot/arp.h"
#include "net/prot/eth.h"

static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct arp_entry *arp_find(struct net_stack *s, uint32_t addr)
{
	for (unsigned i = 0; i < s->cfg.arp_entries; i++)
		if (s->arp[i].state != ARP_FREE && s->arp[i].addr == addr)
			return &s->arp[i];
	return NULL;
}

static void arp_flush_pending(struct net_stack *s, struct arp_entry *e, enum net_drop why)
{
	while (e->pending) {
		struct net_pkt *p = e->pending;
		e->pending = p->next;
		net_drop(s, p, why);
	}
	e->npending = 0;
}

/* At most this many entries wait for a reply at once: a flood of packets to
 * addresses that never answer (SYN-ACKs to spoofed sources) churns through
 * these slots and cannot take the rest of the table. */
static unsigned arp_incomplete_max(const struct net_stack *s)
{
	return s->cfg.arp_entries >= 4 ? s->cfg.arp_entries / 4u : 1u;
}

/* A slot for a new entry, or NULL. For an unresolved address (a request is
 * about to go out): a free slot while fewer than arp_incomplete_max() wait,
 * else the oldest waiting entry; never a working one. For an address whose
 * MAC we learned: a free slot, else the oldest waiting entry, else the
 * oldest working non-permanent one. An evicted entry's queue is dropped. */
static struct arp_entry *arp_slot(struct net_stack *s, bool unresolved)
{
	struct arp_entry *free_e = NULL, *old_wait = NULL, *old_work = NULL;
	unsigned waiting = 0;
	for (unsigned i = 0; i < s->cfg.arp_entries; i++) {
		struct arp_entry *e = &s->arp[i];
		if (e->state == ARP_FREE) {
			if (!free_e)
				free_e = e;
		} else if (e->state == ARP_INCOMPLETE) {
			waiting++;
			if (!old_wait || e->born < old_wait->born)
				old_wait = e;
		} else if (e->state != ARP_PERMANENT) {
			if (!old_work || e->expires < old_work->expires)
				old_work = e;
		}
	}
	struct arp_entry *victim;
	if (unresolved)
		victim = free_e && waiting < arp_incomplete_max(s) ? free_e : old_wait;
	else
		victim = free_e ? free_e : old_wait ? old_wait : old_work;
	if (victim && victim != free_e) {
		if (victim->state == ARP_INCOMPLETE)
			s->stats.arp_incomplete_evicted++;
		arp_flush_pending(s, victim, NET_DROP_ARP_UNRESOLVED);
	}
	return victim;
}

uint32_t arp_count(struct net_stack *s, bool waiting)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->cfg.arp_entries; i++)
		n += waiting ? s->arp[i].state == ARP_INCOMPLETE : s->arp[i].state != ARP_FREE;
	return n;
}

static void arp_send(struct net_stack *s, uint16_t op, const uint8_t *eth_dst, const uint8_t *tha,
		     uint32_t spa, uint32_t tpa)
{
	struct net_pkt *p = net_pkt_alloc(s);
	if (!p) {
		net_count_drop(s, NET_DROP_TX_NOBUFS);
		return;
	}
	struct arp_hdr *a = (struct arp_hdr *)(void *)p->data;
	p->len = sizeof(*a);
	a->htype = net_htons(ARP_HTYPE_ETHER);
	a->ptype = net_htons(ETH_TYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op = net_htons(op);
	memcpy(a->sha, s->cfg.mac, 6);
	a->spa = net_htonl(spa);
	memcpy(a->tha, tha, 6);
	a->tpa = net_htonl(tpa);
	/* pad to the 60-byte Ethernet minimum */
	memset(p->data + p->len, 0, 18);
	p->len = (uint16_t)(p->len + 18);
	if (op == ARP_OP_REQUEST)
		s->stats.arp_requests_out++;
	else
		s->stats.arp_replies_out++;
	eth_output(s, p, eth_dst, ETH_TYPE_ARP);
}

void arp_request(struct net_stack *s, uint32_t target, const uint8_t *dst_mac)
{
	static const uint8_t zero[6] = { 0 };
	arp_send(s, ARP_OP_REQUEST, dst_mac ? dst_mac : bcast_mac, zero, s->ip_addr, target);
}

void net_arp_announce(struct net_stack *s)
{
	net_enter(s);
	if (s->ip_addr) {
		/* gratuitous ARP: a request for our own address */
		static const uint8_t zero[6] = { 0 };
		arp_send(s, ARP_OP_REQUEST, bcast_mac, zero, s->ip_addr, s->ip_addr);
	}
	net_leave(s);
}

static void arp_update(struct net_stack *s, struct arp_entry *e, const uint8_t mac[6])
{
	memcpy(e->mac, mac, 6);
	if (e->state != ARP_PERMANENT) {
		e->state = ARP_REACHABLE;
		e->expires = s->now + MS(s->cfg.arp_timeout_ms);
		net_misc_deadline(s, e->expires);
	}
	e->tries = 0;
	/* release the queue in order */
	struct net_pkt *q = e->pending;
	e->pending = NULL;
	e->npending = 0;
	while (q) {
		struct net_pkt *n = q->next;
		q->next = NULL;
		eth_output(s, q, e->mac, ETH_TYPE_IPV4);
		q = n;
	}
}

void arp_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < sizeof(struct arp_hdr)) {
		net_drop(s, p, NET_DROP_ARP_BAD);
		return;
	}
	const struct arp_hdr *a = (const struct arp_hdr *)(const void *)p->data;
	if (net_ntohs(a->htype) != ARP_HTYPE_ETHER || net_ntohs(a->ptype) != ETH_TYPE_IPV4 ||
	    a->hlen != 6 || a->plen != 4) {
		net_drop(s, p, NET_DROP_ARP_BAD);
		return;
	}
	uint16_t op = net_ntohs(a->op);
	uint32_t spa = net_ntohl(a->spa), tpa = net_ntohl(a->tpa);
	if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || (a->sha[0] & 1) ||
	    ip_bad_unicast(s, spa) || (s->ip_addr && spa == s->ip_addr)) {
		/* multicast sender, martian or our own address echoed back */
		if (spa == 0 && op == ARP_OP_REQUEST && s->ip_addr && tpa == s->ip_addr) {
			/* an ARP probe (RFC 5227) for our address: answer it */
		} else {
			net_drop(s, p, NET_DROP_ARP_BAD);
			return;
		}
	}
	bool for_us = s->ip_addr && tpa == s->ip_addr;
	/* RFC 826 merge: update a known sender; add it when the packet is for us */
	if (spa) {
		struct arp_entry *e = arp_find(s, spa);
		if (e)
			arp_update(s, e, a->sha);
		else if (for_us) {
			e = arp_slot(s, false);
			if (e) {
				memset(e, 0, sizeof(*e));
				e->addr = spa;
				e->state = ARP_INCOMPLETE;
				arp_update(s, e, a->sha);
			} else {
				net_count_drop(s, NET_DROP_ARP_TABLE_FULL);
			}
		}
	}
	if (!for_us) {
		net_drop(s, p, NET_DROP_ARP_NOT_FOR_US);
		return;
	}
	if (op == ARP_OP_REQUEST)
		arp_send(s, ARP_OP_REPLY, a->sha, a->sha, s->ip_addr, spa);
	net_accepted(s, p, NET_ACC_ARP);
}

void arp_output(struct net_stack *s, struct net_pkt *p, uint32_t nh)
{
	if (nh == 0xffffffffu || (s->ip_mask && nh == (s->ip_addr | ~s->ip_mask))) {
		eth_output(s, p, bcast_mac, ETH_TYPE_IPV4);
		return;
	}
	if (ip_is_loopback(nh)) { /* to ourselves: the port loops our own MAC back */
		eth_output(s, p, s->cfg.mac, ETH_TYPE_IPV4);
		return;
	}
	struct arp_entry *e = arp_find(s, nh);
	if (e && e->state == ARP_STALE) {
		/* in use after its lifetime: confirm it with a unicast request
		 * while traffic keeps flowing to the address we know */
		e->state = ARP_PROBE;
		e->tries = 1;
		e->expires = s->now + MS(s->cfg.arp_retry_ms);
		net_misc_deadline(s, e->expires);
		arp_request(s, nh, e->mac);
	}
	if (e && (e->state == ARP_REACHABLE || e->state == ARP_PERMANENT || e->state == ARP_PROBE)) {
		eth_output(s, p, e->mac, ETH_TYPE_IPV4);
		return;
	}
	if (!e) {
		e = arp_slot(s, true);
		if (!e) {
			net_drop(s, p, NET_DROP_ARP_TABLE_FULL);
			return;
		}
		memset(e, 0, sizeof(*e));
		e->addr = nh;
		e->state = ARP_INCOMPLETE;
		e->born = s->now;
		e->tries = 1;
		e->expires = s->now + MS(s->cfg.arp_retry_ms);
		net_misc_deadline(s, e->expires);
		arp_request(s, nh, NULL);
	}
	if (e->npending >= NET_ARP_PENDING_MAX) {
		/* drop the oldest: the newest is likelier still useful */
		struct net_pkt *old = e->pending;
		e->pending = old->next;
		e->npending--;
		net_drop(s, old, NET_DROP_ARP_PENDING_FULL);
	}
	p->next = NULL;
	struct net_pkt **tail = &e->pending;
	while (*tail)
		tail = &(*tail)->next;
	*tail = p;
	e->npending++;
}

void arp_timer(struct net_stack *s)
{
	for (unsigned i = 0; i < s->cfg.arp_entries; i++) {
		struct arp_entry *e = &s->arp[i];
		if (e->state == ARP_INCOMPLETE) {
			if (s->now >= e->expires) {
				if (e->tries >= s->cfg.arp_retries) {
					arp_flush_pending(s, e, NET_DROP_ARP_UNRESOLVED);
					e->state = ARP_FREE;
					continue;
				}
				e->tries++;
				e->expires = s->now + MS(s->cfg.arp_retry_ms);
				arp_request(s, e->addr, NULL);
			}
			net_misc_deadline(s, e->expires);
		} else if (e->state == ARP_REACHABLE) {
			if (s->now >= e->expires)
				e->state = ARP_STALE; /* probed when next used */
			else
				net_misc_deadline(s, e->expires);
		} else if (e->state == ARP_PROBE) {
			if (s->now >= e->expires) {
				if (e->tries >= s->cfg.arp_retries) {
					e->state = ARP_FREE; /* gone: the next use asks by broadcast */
					continue;
				}
				e->tries++;
				e->expires = s->now + MS(s->cfg.arp_retry_ms);
				arp_request(s, e->addr, e->mac);
			}
			net_misc_deadline(s, e->expires);
		}
	}
}

int net_arp_set(struct net_stack *s, uint32_t addr, const uint8_t mac[6], bool permanent)
{
	if (!addr || (mac[0] & 1))
		return -NET_EINVAL;
	net_enter(s);
	struct arp_entry *e = arp_find(s, addr);
	if (!e) {
		e = arp_slot(s, false);
		if (!e) {
			net_leave(s);
			return -NET_ENOMEM;
		}
		memset(e, 0, sizeof(*e));
		e->addr = addr;
		e->state = ARP_INCOMPLETE;
	}
	if (permanent)
		e->state = ARP_PERMANENT;
	arp_update(s, e, mac);
	net_leave(s);
	return 0;
}

bool net_arp_lookup(struct net_stack *s, uint32_t addr, uint8_t mac[6])
{
	struct arp_entry *e = arp_find(s, addr);
	if (!e || e->state == ARP_INCOMPLETE)
		return false;
	memcpy(mac, e->mac, 6);
	return true;
}
