/* DHCP client (RFC 2131, options RFC 2132): INIT -> SELECTING ->
 * REQUESTING -> BOUND -> RENEWING (T1, unicast) -> REBINDING (T2,
 * broadcast) -> lease end. Retransmission with randomized exponential
 * back-off (4.1), renew/rebind retries at half the remaining time, at
 * least 60 s (4.4.5). */
#include "net/internal.h"
#include "net/prot/dhcp.h"
#include "net/prot/eth.h"
#include "net/prot/ip.h"
#include "net/prot/udp.h"

#define DHCP_OPT_SPACE 312

static void dhcp_set_timer(struct net_stack *s, uint64_t at)
{
	s->dhcp.next_tx = at;
	net_misc_deadline(s, at);
}

/* 4 s doubling to 64 s, each randomized by -1..+1 s */
static uint64_t backoff_delay(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;
	uint32_t base = d->backoff_s ? d->backoff_s : 4;
	d->backoff_s = base >= 64 ? 64 : base * 2;
	int64_t jitter = (int64_t)(net_random_u32(s) % 2001) - 1000; /* ms */
	return (uint64_t)((int64_t)base * 1000 + jitter) * 1000000ull;
}

static void dhcp_send(struct net_stack *s, uint8_t type)
{
	struct dhcp_client *d = &s->dhcp;
	struct net_pkt *p = net_pkt_alloc(s);
	if (!p) {
		net_count_drop(s, NET_DROP_TX_NOBUFS);
		return;
	}
	uint8_t *b = p->data + IP_HLEN + UDP_HLEN;
	struct dhcp_msg *m = (struct dhcp_msg *)(void *)b;
	memset(b, 0, DHCP_FIXED_LEN + DHCP_OPT_SPACE);
	m->op = DHCP_BOOTREQUEST;
	m->htype = 1;
	m->hlen = 6;
	m->xid = net_htonl(d->xid);
	uint64_t secs = (s->now - d->start) / SEC(1);
	m->secs = net_htons((uint16_t)(secs > 0xffff ? 0xffff : secs));
	bool renewing = type == DHCPREQUEST &&
			(d->state == NET_DHCP_RENEWING || d->state == NET_DHCP_REBINDING);
	if (renewing || type == DHCPRELEASE)
		m->ciaddr = net_htonl(d->cur_addr);
	else
		m->flags = net_htons(DHCP_FLAG_BROADCAST);
	memcpy(m->chaddr, s->cfg.mac, 6);
	m->magic = net_htonl(DHCP_MAGIC);
	uint8_t *o = b + DHCP_FIXED_LEN;
	unsigned n = 0;
	o[n++] = DHO_MSG_TYPE;
	o[n++] = 1;
	o[n++] = type;
	o[n++] = DHO_CLIENT_ID;
	o[n++] = 7;
	o[n++] = 1;
	memcpy(o + n, s->cfg.mac, 6);
	n += 6;
	if (type == DHCPREQUEST && d->state == NET_DHCP_REQUESTING) {
		/* table 5: SELECTING requests name the address and the server */
		o[n++] = DHO_REQUESTED_IP;
		o[n++] = 4;
		uint32_t a = net_htonl(d->offer_addr);
		memcpy(o + n, &a, 4);
		n += 4;
		o[n++] = DHO_SERVER_ID;
		o[n++] = 4;
		a = net_htonl(d->server);
		memcpy(o + n, &a, 4);
		n += 4;
	}
	if (type == DHCPRELEASE) {
		o[n++] = DHO_SERVER_ID;
		o[n++] = 4;
		uint32_t a = net_htonl(d->server);
		memcpy(o + n, &a, 4);
		n += 4;
	}
	if (type == DHCPDISCOVER || type == DHCPREQUEST) {
		o[n++] = DHO_MAX_SIZE;
		o[n++] = 2;
		o[n++] = (uint8_t)(s->cfg.mtu >> 8);
		o[n++] = (uint8_t)s->cfg.mtu;
		o[n++] = DHO_PARAM_REQ;
		o[n++] = 5;
		o[n++] = DHO_SUBNET_MASK;
		o[n++] = DHO_ROUTER;
		o[n++] = DHO_DNS;
		o[n++] = DHO_LEASE_TIME;
		o[n++] = DHO_T1;
	}
	o[n++] = DHO_END;
	unsigned dlen = DHCP_FIXED_LEN + (n < 60 ? 60 : n); /* BOOTP minimum 300 bytes */
	uint32_t src = renewing || type == DHCPRELEASE ? d->cur_addr : 0;
	uint32_t dst = (d->state == NET_DHCP_RENEWING && type == DHCPREQUEST) || type == DHCPRELEASE
			       ? d->server
			       : 0xffffffffu;
	/* UDP header */
	p->data += IP_HLEN;
	struct udp_hdr *uh = (struct udp_hdr *)(void *)p->data;
	uh->sport = net_htons(DHCP_CLIENT_PORT);
	uh->dport = net_htons(DHCP_SERVER_PORT);
	uh->len = net_htons((uint16_t)(UDP_HLEN + dlen));
	uh->csum = 0;
	p->len = (uint16_t)(UDP_HLEN + dlen);
	uint16_t ck = csum_fold(csum_add(csum_pseudo(src, dst, IP_PROTO_UDP, p->len), p->data, p->len));
	uh->csum = ck ? ck : 0xffff;
	s->stats.dhcp_out++;
	if (dst == 0xffffffffu) {
		/* before we have an address ip_output cannot route: build it here */
		uint8_t *ih = net_pkt_push(p, IP_HLEN);
		ip_hdr_fill(ih, p->len, s->ip_id++, 0, s->cfg.ttl, IP_PROTO_UDP, src, dst, true);
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		eth_output(s, p, bcast, ETH_TYPE_IPV4);
	} else {
		ip_output(s, p, src, dst, IP_PROTO_UDP, s->cfg.ttl, false);
	}
}

static void dhcp_restart(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;
	d->state = NET_DHCP_SELECTING;
	d->xid = net_random_u32(s);
	d->start = s->now;
	d->backoff_s = 0;
	d->offer_addr = 0;
	dhcp_send(s, DHCPDISCOVER);
	dhcp_set_timer(s, s->now + backoff_delay(s));
}

void net_dhcp_start(struct net_stack *s)
{
	net_enter(s);
	memset(&s->dhcp, 0, sizeof(s->dhcp));
	dhcp_restart(s);
	net_leave(s);
}

static void drop_address(struct net_stack *s)
{
	if (s->ip_addr) {
		s->ip_addr = s->ip_mask = s->ip_gw = 0;
		net_event(s, 0, NET_EV_ADDR);
	}
	s->dhcp.cur_addr = 0;
}

void net_dhcp_stop(struct net_stack *s)
{
	net_enter(s);
	struct dhcp_client *d = &s->dhcp;
	if (d->state == NET_DHCP_BOUND || d->state == NET_DHCP_RENEWING ||
	    d->state == NET_DHCP_REBINDING) {
		dhcp_send(s, DHCPRELEASE);
		drop_address(s);
	}
	d->state = NET_DHCP_OFF;
	net_leave(s);
}

void net_dhcp_info(struct net_stack *s, struct net_dhcp_info *i)
{
	const struct dhcp_client *d = &s->dhcp;
	memset(i, 0, sizeof(*i));
	i->state = (enum net_dhcp_state)d->state;
	i->addr = d->cur_addr;
	i->mask = d->mask;
	i->gw = d->gw;
	i->dns = d->dns;
	i->server = d->server;
	i->lease_s = d->lease_s;
	i->t1_s = d->t1_s;
	i->t2_s = d->t2_s;
	i->bound_at_ns = d->bound_at;
}

bool dhcp_wants(struct net_stack *s, struct net_pkt *p)
{
	return s->dhcp.state != NET_DHCP_OFF && p->dst_port == DHCP_CLIENT_PORT &&
	       p->src_port == DHCP_SERVER_PORT;
}

struct dhcp_parsed {
	uint8_t type;
	uint32_t server, mask, router, dns, lease, t1, t2;
	bool has_lease, has_t1, has_t2;
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns the overload value (option 52) seen in this area. */
static uint8_t parse_area(const uint8_t *o, unsigned len, struct dhcp_parsed *r)
{
	uint8_t overload = 0;
	unsigned i = 0;
	while (i < len) {
		uint8_t code = o[i];
		if (code == DHO_PAD) {
			i++;
			continue;
		}
		if (code == DHO_END || i + 1 >= len)
			break;
		uint8_t l = o[i + 1];
		if (i + 2u + l > len)
			break;
		const uint8_t *v = o + i + 2;
		switch (code) {
		case DHO_MSG_TYPE:
			if (l == 1)
				r->type = v[0];
			break;
		case DHO_SERVER_ID:
			if (l == 4)
				r->server = get32(v);
			break;
		case DHO_SUBNET_MASK:
			if (l == 4)
				r->mask = get32(v);
			break;
		case DHO_ROUTER:
			if (l >= 4)
				r->router = get32(v);
			break;
		case DHO_DNS:
			if (l >= 4)
				r->dns = get32(v);
			break;
		case DHO_LEASE_TIME:
			if (l == 4) {
				r->lease = get32(v);
				r->has_lease = true;
			}
			break;
		case DHO_T1:
			if (l == 4) {
				r->t1 = get32(v);
				r->has_t1 = true;
			}
			break;
		case DHO_T2:
			if (l == 4) {
				r->t2 = get32(v);
				r->has_t2 = true;
			}
			break;
		case DHO_OVERLOAD:
			if (l == 1)
				overload = v[0];
			break;
		default:
			break;
		}
		i += 2u + l;
	}
	return overload;
}

static void dhcp_bind(struct net_stack *s, uint32_t yiaddr, const struct dhcp_parsed *r)
{
	struct dhcp_client *d = &s->dhcp;
	d->cur_addr = yiaddr;
	d->mask = r->mask ? r->mask : 0xffffff00u;
	d->gw = r->router;
	d->dns = r->dns;
	if (r->server)
		d->server = r->server;
	d->lease_s = r->has_lease ? r->lease : 3600;
	if (d->lease_s == 0xffffffffu) {
		d->t1_s = d->t2_s = 0xffffffffu; /* infinite lease */
	} else {
		d->t1_s = r->has_t1 ? r->t1 : d->lease_s / 2;
		d->t2_s = r->has_t2 ? r->t2 : (uint32_t)((uint64_t)d->lease_s * 7 / 8);
		if (d->t2_s > d->lease_s)
			d->t2_s = d->lease_s;
		if (d->t1_s > d->t2_s)
			d->t1_s = d->t2_s;
	}
	/* times run from when the request went out (4.4.1); we use now */
	d->bound_at = s->now;
	d->state = NET_DHCP_BOUND;
	d->backoff_s = 0;
	if (d->lease_s == 0xffffffffu) {
		d->t1_at = d->t2_at = d->lease_end = UINT64_MAX;
		d->next_tx = UINT64_MAX;
	} else {
		d->t1_at = s->now + SEC(d->t1_s);
		d->t2_at = s->now + SEC(d->t2_s);
		d->lease_end = s->now + SEC(d->lease_s);
		dhcp_set_timer(s, d->t1_at);
	}
	if (s->ip_addr != yiaddr || s->ip_mask != d->mask || s->ip_gw != d->gw)
		net_ipv4_set(s, yiaddr, d->mask, d->gw);
}

void dhcp_input(struct net_stack *s, struct net_pkt *p)
{
	struct dhcp_client *d = &s->dhcp;
	uint32_t plen = (uint32_t)p->len - UDP_HLEN;
	const uint8_t *b = p->data + UDP_HLEN;
	if (plen < DHCP_FIXED_LEN) {
		net_drop(s, p, NET_DROP_DHCP_BAD);
		return;
	}
	const struct dhcp_msg *m = (const struct dhcp_msg *)(const void *)b;
	if (m->op != DHCP_BOOTREPLY || m->htype != 1 || m->hlen != 6 ||
	    net_ntohl(m->xid) != d->xid || memcmp(m->chaddr, s->cfg.mac, 6) != 0 ||
	    net_ntohl(m->magic) != DHCP_MAGIC) {
		net_drop(s, p, NET_DROP_DHCP_BAD);
		return;
	}
	struct dhcp_parsed r;
	memset(&r, 0, sizeof(r));
	uint8_t ov = parse_area(b + DHCP_FIXED_LEN, plen - DHCP_FIXED_LEN, &r);
	if (ov & 1)
		parse_area(m->file, sizeof(m->file), &r);
	if (ov & 2)
		parse_area(m->sname, sizeof(m->sname), &r);
	uint32_t yi = net_ntohl(m->yiaddr);
	bool ok = false;
	switch (d->state) {
	case NET_DHCP_SELECTING:
		if (r.type == DHCPOFFER && yi && !ip_bad_unicast(s, yi) && r.server) {
			d->offer_addr = yi;
			d->server = r.server;
			d->state = NET_DHCP_REQUESTING;
			d->backoff_s = 0;
			dhcp_send(s, DHCPREQUEST);
			dhcp_set_timer(s, s->now + backoff_delay(s));
			ok = true;
		}
		break;
	case NET_DHCP_REQUESTING:
		if (r.type == DHCPACK && yi == d->offer_addr && (!r.server || r.server == d->server)) {
			dhcp_bind(s, yi, &r);
			ok = true;
		} else if (r.type == DHCPNAK && (!r.server || r.server == d->server)) {
			dhcp_restart(s);
			ok = true;
		}
		break;
	case NET_DHCP_RENEWING:
	case NET_DHCP_REBINDING:
		if (r.type == DHCPACK && yi) {
			if (yi != d->cur_addr)
				drop_address(s);
			dhcp_bind(s, yi, &r);
			ok = true;
		} else if (r.type == DHCPNAK) {
			drop_address(s);
			dhcp_restart(s);
			ok = true;
		}
		break;
	default:
		break;
	}
	if (ok)
		net_accepted(s, p, NET_ACC_DHCP);
	else
		net_drop(s, p, NET_DROP_DHCP_BAD);
}

void dhcp_timer(struct net_stack *s)
{
	struct dhcp_client *d = &s->dhcp;
	if (d->state == NET_DHCP_OFF || !d->next_tx || d->next_tx == UINT64_MAX)
		return;
	if (s->now < d->next_tx) {
		net_misc_deadline(s, d->next_tx);
		return;
	}
	switch (d->state) {
	case NET_DHCP_SELECTING:
		dhcp_send(s, DHCPDISCOVER);
		dhcp_set_timer(s, s->now + backoff_delay(s));
		break;
	case NET_DHCP_REQUESTING:
		if (d->backoff_s >= 64) {
			dhcp_restart(s); /* gave up on this offer */
			break;
		}
		dhcp_send(s, DHCPREQUEST);
		dhcp_set_timer(s, s->now + backoff_delay(s));
		break;
	case NET_DHCP_BOUND:
		if (s->now >= d->t1_at) {
			d->state = NET_DHCP_RENEWING;
			d->xid = net_random_u32(s);
			d->start = s->now;
		}
		/* fall through */
	case NET_DHCP_RENEWING:
	case NET_DHCP_REBINDING:
		if (s->now >= d->lease_end) {
			drop_address(s);
			dhcp_restart(s);
			break;
		}
		if (d->state == NET_DHCP_RENEWING && s->now >= d->t2_at) {
			d->state = NET_DHCP_REBINDING;
		}
		if (d->state == NET_DHCP_BOUND) {
			dhcp_set_timer(s, d->t1_at);
			break;
		}
		dhcp_send(s, DHCPREQUEST);
		{
			uint64_t end = d->state == NET_DHCP_RENEWING ? d->t2_at : d->lease_end;
			uint64_t wait = (end - s->now) / 2;
			if (wait < SEC(60))
				wait = SEC(60);
			uint64_t at = s->now + wait;
			if (at > end)
				at = end;
			dhcp_set_timer(s, at);
		}
		break;
	default:
		break;
	}
}
