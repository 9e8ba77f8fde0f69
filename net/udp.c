/* UDP (RFC 768) sockets, and ICMP echo ("ping") sockets sharing the table. */
#include "net/internal.h"
#include "net/prot/dhcp.h"
#include "net/prot/icmp.h"
#include "net/prot/ip.h"
#include "net/prot/udp.h"

uint32_t udp_count(struct net_stack *s)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < s->cfg.udp_socks; i++)
		n += s->udp[i].used;
	return n;
}

static struct udp_sock *udp_get(struct net_stack *s, int h)
{
	if (h <= 0 || handle_type(h) != H_UDP || handle_idx(h) >= s->cfg.udp_socks)
		return NULL;
	struct udp_sock *u = &s->udp[handle_idx(h)];
	if (!u->used || (u->gen & 0x1fff) != handle_gen(h))
		return NULL;
	return u;
}

static int udp_handle(struct net_stack *s, struct udp_sock *u)
{
	return handle_make(H_UDP, u->gen, (uint16_t)(u - s->udp));
}

int net_udp_socket(struct net_stack *s, int kind)
{
	if (kind != NET_DGRAM_UDP && kind != NET_DGRAM_ICMP_ECHO)
		return -NET_EINVAL;
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		struct udp_sock *u = &s->udp[i];
		if (u->used)
			continue;
		uint16_t gen = (uint16_t)((u->gen + 1) & 0x1fff);
		if (!gen)
			gen = 1;
		bool queued = u->ev_queued;
		memset(u, 0, sizeof(*u));
		u->ev_queued = queued;
		u->gen = gen;
		u->used = true;
		u->kind = (uint8_t)kind;
		u->ttl = s->cfg.ttl;
		u->rx_limit = s->cfg.udp_rcvbuf;
		return udp_handle(s, u);
	}
	return -NET_EMFILE;
}

static bool port_used(struct net_stack *s, uint8_t kind, uint32_t addr, uint16_t port,
		      const struct udp_sock *self)
{
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		const struct udp_sock *u = &s->udp[i];
		if (u == self || !u->used || u->kind != kind || u->lport != port)
			continue;
		if (!u->laddr || !addr || u->laddr == addr)
			return true;
	}
	return false;
}

static int udp_autobind(struct net_stack *s, struct udp_sock *u, const struct net_sockaddr *dst)
{
	uint32_t n = (uint32_t)s->cfg.eph_hi - s->cfg.eph_lo + 1;
	uint32_t la = dst ? ip_src_for(s, dst->addr) : s->ip_addr;
	uint32_t off = dst ? tcp_port_offset(s, la, dst->addr, dst->port) : net_random_u32(s);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(s->cfg.eph_lo + (off + s->eph_next + i) % n);
		if (port_used(s, u->kind, u->laddr, port, u))
			continue;
		/* the NIC's steering matters only for peers outside this host */
		if (dst && s->port.flow_ok && !ip_is_local(s, dst->addr)) {
			struct net_flow f = { la, dst->addr, port, dst->port, IP_PROTO_UDP, 0 };
			if (!s->port.flow_ok(s->port.ctx, &f))
				continue;
		}
		s->eph_next += i + 1;
		u->lport = port;
		return 0;
	}
	return -NET_EADDRNOTAVAIL;
}

int net_udp_bind(struct net_stack *s, int h, const struct net_sockaddr *a)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	if (u->lport)
		return -NET_EINVAL;
	if (a->addr && !ip_is_local(s, a->addr) && a->addr != 0xffffffffu)
		return -NET_EADDRNOTAVAIL;
	u->laddr = a->addr;
	if (!a->port)
		return udp_autobind(s, u, NULL);
	if (port_used(s, u->kind, a->addr, a->port, u))
		return -NET_EADDRINUSE;
	u->lport = a->port;
	return 0;
}

int net_udp_connect(struct net_stack *s, int h, const struct net_sockaddr *a)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	if (!a || !a->addr) {
		u->connected = false;
		return 0;
	}
	if (u->kind == NET_DGRAM_UDP && !a->port)
		return -NET_EINVAL;
	if (!u->lport) {
		int r = udp_autobind(s, u, a);
		if (r)
			return r;
	}
	u->raddr = a->addr;
	u->rport = a->port;
	u->connected = true;
	return 0;
}

static void udp_queue(struct net_stack *s, struct udp_sock *u, struct net_pkt *p, enum net_accept acc)
{
	if (u->rx_bytes + p->l4_len > u->rx_limit) {
		net_drop(s, p, NET_DROP_UDP_RCVBUF);
		return;
	}
	p->next = NULL;
	if (u->rxq_tail)
		u->rxq_tail->next = p;
	else
		u->rxq_head = p;
	u->rxq_tail = p;
	u->rx_bytes += p->l4_len;
	s->stats.accepted[acc]++;
	net_event(s, udp_handle(s, u), NET_EV_IN);
}

bool udp_wanted_here(struct net_stack *s, const struct net_flow *f)
{
	if (s->dhcp.state != NET_DHCP_OFF && f->lport == DHCP_CLIENT_PORT && f->rport == DHCP_SERVER_PORT)
		return true;
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		const struct udp_sock *u = &s->udp[i];
		if (u->used && u->kind == NET_DGRAM_UDP && u->lport == f->lport && (!u->laddr || u->laddr == f->laddr))
			return true;
	}
	return false;
}

void udp_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < UDP_HLEN) {
		net_drop(s, p, NET_DROP_UDP_SHORT);
		return;
	}
	const struct udp_hdr *uh = (const struct udp_hdr *)(const void *)p->data;
	uint16_t ulen = net_ntohs(uh->len);
	if (ulen < UDP_HLEN || ulen > p->len) {
		net_drop(s, p, NET_DROP_UDP_SHORT);
		return;
	}
	p->len = ulen;
	if (uh->csum && !(p->flags & NET_PKT_RX_L4_CSUM_OK)) {
		uint32_t sum = csum_pseudo(p->src_addr, p->dst_addr, IP_PROTO_UDP, ulen);
		if (csum_fold(csum_add(sum, p->data, ulen)) != 0) {
			net_drop(s, p, NET_DROP_UDP_CSUM);
			return;
		}
	}
	p->src_port = net_ntohs(uh->sport);
	p->dst_port = net_ntohs(uh->dport);
	if (dhcp_wants(s, p)) {
		dhcp_input(s, p);
		return;
	}
	if (!s->ip_addr && !ip_is_loopback(p->dst_addr)) {
		net_drop(s, p, NET_DROP_UDP_NO_PORT);
		return;
	}
	/* best match: connected 4-tuple, then bound address, then wildcard */
	struct udp_sock *best = NULL;
	int best_score = -1;
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		struct udp_sock *u = &s->udp[i];
		if (!u->used || u->kind != NET_DGRAM_UDP || u->lport != p->dst_port)
			continue;
		if (u->laddr && u->laddr != p->dst_addr)
			continue;
		if (u->connected && (u->raddr != p->src_addr || u->rport != p->src_port))
			continue;
		int score = (u->connected ? 2 : 0) + (u->laddr ? 1 : 0);
		if (score > best_score) {
			best = u;
			best_score = score;
		}
	}
	if (!best) {
		/* RFC 1122 4.1.3.1: port unreachable, never for broadcasts */
		if (!p->bcast) {
			const uint8_t *iph = p->buf + p->ip_off;
			icmp_error(s, iph, (uint32_t)(p->data - iph) + p->len, ICMP_UNREACH,
				   ICMP_UNREACH_PORT, 0);
		}
		net_drop(s, p, NET_DROP_UDP_NO_PORT);
		return;
	}
	p->l4_len = (uint16_t)(ulen - UDP_HLEN);
	net_pkt_pull(p, UDP_HLEN);
	udp_queue(s, best, p, NET_ACC_UDP);
}

bool udp_echo_input(struct net_stack *s, struct net_pkt *p, uint16_t id, uint16_t seq)
{
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		struct udp_sock *u = &s->udp[i];
		if (!u->used || u->kind != NET_DGRAM_ICMP_ECHO || u->lport != id)
			continue;
		if (u->connected && u->raddr != p->src_addr)
			continue;
		p->src_port = seq;
		p->l4_len = (uint16_t)(p->len - ICMP_HLEN);
		net_pkt_pull(p, ICMP_HLEN);
		udp_queue(s, u, p, NET_ACC_ICMP);
		return true;
	}
	return false;
}

void udp_icmp_error(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport, int err)
{
	for (unsigned i = 0; i < s->cfg.udp_socks; i++) {
		struct udp_sock *u = &s->udp[i];
		/* RFC 1122 4.1.3.3: report to the application; only connected
		 * sockets can tell which peer it was about */
		if (u->used && u->kind == NET_DGRAM_UDP && u->lport == sport && u->connected &&
		    u->raddr == dst && u->rport == dport) {
			u->error = (int16_t)err;
			net_event(s, udp_handle(s, u), NET_EV_ERR);
		}
	}
}

/* csum_add over pieces: a piece that starts at an odd offset of the
 * region adds its sum byte-swapped (RFC 1071 2(B)). */
static uint32_t csum_iov(uint32_t sum, const struct net_iov *iov, unsigned n)
{
	bool odd = false;
	for (unsigned i = 0; i < n; i++) {
		uint32_t part = csum_add(0, iov[i].base, iov[i].len);
		if (odd) {
			while (part >> 16)
				part = (part & 0xffff) + (part >> 16);
			part = ((part & 0xff) << 8) | (part >> 8);
		}
		uint32_t t = sum + part;
		sum = t < sum ? t + 1 : t;
		odd ^= iov[i].len & 1;
	}
	return sum;
}

static void copy_iov(uint8_t *dst, const struct net_iov *iov, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		memcpy(dst, iov[i].base, iov[i].len);
		dst += iov[i].len;
	}
}

/* ip_output_frags() reads a staged datagram out of a ring */
struct frag_src {
	struct net_stack *s;
	struct net_ring *ring;
};

static void frag_read(void *ctx, uint32_t off, uint8_t *to, uint32_t n)
{
	struct frag_src *fs = ctx;
	ring_read(fs->s, fs->ring, off, to, n);
}

long net_udp_sendto(struct net_stack *s, int h, const void *buf, size_t len,
		    const struct net_sockaddr *dst)
{
	struct net_iov one = { (void *)(uintptr_t)buf, (uint32_t)len };
	if (len > UINT32_MAX)
		return -NET_EMSGSIZE;
	return net_udp_sendv(s, h, &one, 1, dst);
}

long net_udp_sendv(struct net_stack *s, int h, const struct net_iov *iov, unsigned niov,
		   const struct net_sockaddr *dst)
{
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	struct net_sockaddr to;
	if (dst) {
		to = *dst;
	} else {
		if (!u->connected)
			return -NET_EDESTADDRREQ;
		to.addr = u->raddr;
		to.port = u->rport;
	}
	if (!to.addr || (u->kind == NET_DGRAM_UDP && !to.port))
		return -NET_EINVAL;
	if (!s->ip_addr && !ip_is_loopback(to.addr))
		return -NET_ENETUNREACH;
	uint32_t hdr = u->kind == NET_DGRAM_UDP ? UDP_HLEN : ICMP_HLEN;
	if (len > IP_MAXPACKET - IP_HLEN - hdr)
		return -NET_EMSGSIZE;
	uint32_t nh;
	if (!ip_route(s, to.addr, &nh))
		return -NET_ENETUNREACH;
	net_enter(s);
	long ret = (long)len;
	if (!u->lport) {
		int r = u->kind == NET_DGRAM_UDP ? udp_autobind(s, u, &to) : udp_autobind(s, u, NULL);
		if (r) {
			net_leave(s);
			return r;
		}
	}
	uint32_t src = u->laddr && u->laddr != 0xffffffffu ? u->laddr : ip_src_for(s, to.addr);
	uint32_t total = hdr + (uint32_t)len;
	uint8_t proto = u->kind == NET_DGRAM_UDP ? IP_PROTO_UDP : IP_PROTO_ICMP;
	uint8_t hbytes[8];
	if (u->kind == NET_DGRAM_UDP) {
		struct udp_hdr *uh = (struct udp_hdr *)(void *)hbytes;
		uh->sport = net_htons(u->lport);
		uh->dport = net_htons(to.port);
		uh->len = net_htons((uint16_t)total);
		uh->csum = 0;
	} else {
		struct icmp_hdr *ih = (struct icmp_hdr *)(void *)hbytes;
		ih->type = ICMP_ECHO;
		ih->code = 0;
		ih->csum = 0;
		ih->u.echo.id = net_htons(u->lport);
		ih->u.echo.seq = net_htons(to.port ? to.port : ++u->echo_seq);
	}
	bool single = total + IP_HLEN <= s->cfg.mtu;
	bool offload = single && proto == IP_PROTO_UDP && s->cfg.tx_csum_offload;
	uint32_t sum = proto == IP_PROTO_UDP ? csum_pseudo(src, to.addr, proto, (uint16_t)total) : 0;
	uint16_t ck = 0;
	if (!offload) {
		uint32_t full = csum_iov(csum_add(sum, hbytes, hdr), iov, niov);
		ck = csum_fold(full);
		if (proto == IP_PROTO_UDP && ck == 0)
			ck = 0xffff;
	}
	if (single) {
		struct net_pkt *p = net_pkt_alloc(s);
		uint8_t *d = p ? net_pkt_put(p, total) : NULL; /* fits when mtu <= NET_MTU_MAX */
		if (!d) {
			net_pkt_free(s, p);
			net_count_drop(s, NET_DROP_TX_NOBUFS);
			net_leave(s);
			return -NET_ENOBUFS;
		}
		memcpy(d, hbytes, hdr);
		copy_iov(d + hdr, iov, niov);
		if (offload) {
			uint16_t ps = (uint16_t)~csum_fold(sum);
			memcpy(p->data + 6, &ps, 2);
			p->flags |= NET_PKT_TX_L4_CSUM;
			p->csum_offset = 6;
		} else {
			memcpy(p->data + (proto == IP_PROTO_UDP ? 6 : 2), &ck, 2);
		}
		if (proto == IP_PROTO_UDP)
			s->stats.udp_out++;
		else
			s->stats.icmp_out++;
		ip_output(s, p, src, to.addr, proto, u->ttl, false);
	} else {
		/* too big for one frame: stage it in a ring of pool blocks, then
		 * cut fragments out of it (no large temporary on the C stack) */
		struct net_ring tmp;
		ring_init(&tmp);
		memcpy(hbytes + (proto == IP_PROTO_UDP ? 6 : 2), &ck, 2);
		bool ok = ring_write(s, &tmp, 0, hbytes, hdr);
		for (uint32_t i = 0, at = hdr; ok && i < niov; at += iov[i].len, i++)
			ok = ring_write(s, &tmp, at, iov[i].base, iov[i].len);
		if (!ok) {
			ring_release(s, &tmp);
			net_count_drop(s, NET_DROP_TX_NOBUFS);
			net_leave(s);
			return -NET_ENOBUFS;
		}
		struct frag_src fs = { s, &tmp };
		int r = ip_output_frags(s, src, to.addr, proto, u->ttl, total, frag_read, &fs);
		if (r)
			ret = r;
		ring_release(s, &tmp);
		if (proto == IP_PROTO_UDP)
			s->stats.udp_out++;
	}
	net_leave(s);
	return ret;
}

long net_udp_recvfrom(struct net_stack *s, int h, void *buf, size_t len, struct net_sockaddr *src,
		      bool *truncated)
{
	struct net_iov one = { buf, len > UINT32_MAX ? UINT32_MAX : (uint32_t)len };
	return net_udp_recvv(s, h, &one, 1, src, truncated);
}

long net_udp_peek(struct net_stack *s, int h)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	if (u->error)
		return -u->error;
	return u->rxq_head ? (long)u->rxq_head->l4_len : -NET_EAGAIN;
}

long net_udp_recvv(struct net_stack *s, int h, const struct net_iov *iov, unsigned niov,
		   struct net_sockaddr *src, bool *truncated)
{
	size_t len = 0;
	for (unsigned i = 0; i < niov; i++)
		len += iov[i].len;
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	if (u->error) {
		int e = u->error;
		u->error = 0;
		return -e;
	}
	struct net_pkt *p = u->rxq_head;
	if (!p)
		return -NET_EAGAIN;
	u->rxq_head = p->next;
	if (!u->rxq_head)
		u->rxq_tail = NULL;
	u->rx_bytes -= p->l4_len;
	size_t n = p->l4_len < len ? p->l4_len : len;
	size_t done = 0;
	for (unsigned i = 0; i < niov && done < n; i++) {
		size_t k = n - done < iov[i].len ? n - done : iov[i].len;
		memcpy(iov[i].base, p->data + done, k);
		done += k;
	}
	if (src) {
		src->addr = p->src_addr;
		src->port = p->src_port;
	}
	if (truncated)
		*truncated = n < p->l4_len;
	net_pkt_free(s, p);
	return (long)n;
}

int net_udp_close(struct net_stack *s, int h)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	while (u->rxq_head) {
		struct net_pkt *p = u->rxq_head;
		u->rxq_head = p->next;
		net_pkt_free(s, p);
	}
	u->rxq_tail = NULL;
	u->used = false;
	u->ev_pending = 0;
	return 0;
}

int net_udp_sockname(struct net_stack *s, int h, struct net_sockaddr *a)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return -NET_EBADF;
	a->addr = u->laddr ? u->laddr : s->ip_addr;
	a->port = u->lport;
	return 0;
}

unsigned udp_poll(struct net_stack *s, int h)
{
	struct udp_sock *u = udp_get(s, h);
	if (!u)
		return NET_EV_ERR | NET_EV_HUP;
	unsigned ev = NET_EV_OUT;
	if (u->rxq_head)
		ev |= NET_EV_IN;
	if (u->error)
		ev |= NET_EV_ERR;
	return ev;
}
