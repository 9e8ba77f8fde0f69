/* TCP connection table (4-tuple hash, free list, listener queues, bounded
 * TIME_WAIT list) and the socket-level API. */
#include "net/internal.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"

enum { L_NONE = 0, L_FREE, L_SYNQ, L_ACCEPTQ, L_TW, L_LISTEN };

/* ---------------------------------------------------------------- index lists */
void ilist_init(struct ilist *l)
{
	l->first = l->last = NET_NONE16;
	l->count = 0;
}

void ilist_push_back(struct net_stack *s, struct ilist *l, uint16_t i)
{
	struct tcb *t = &s->tcbs[i];
	t->lnext = NET_NONE16;
	t->lprev = l->last;
	if (l->last != NET_NONE16)
		s->tcbs[l->last].lnext = i;
	else
		l->first = i;
	l->last = i;
	l->count++;
}

void ilist_remove(struct net_stack *s, struct ilist *l, uint16_t i)
{
	struct tcb *t = &s->tcbs[i];
	if (t->lprev != NET_NONE16)
		s->tcbs[t->lprev].lnext = t->lnext;
	else
		l->first = t->lnext;
	if (t->lnext != NET_NONE16)
		s->tcbs[t->lnext].lprev = t->lprev;
	else
		l->last = t->lprev;
	t->lnext = t->lprev = NET_NONE16;
	l->count--;
}

uint16_t ilist_pop_front(struct net_stack *s, struct ilist *l)
{
	uint16_t i = l->first;
	if (i != NET_NONE16)
		ilist_remove(s, l, i);
	return i;
}

static void list_leave(struct net_stack *s, struct tcb *t)
{
	uint16_t i = tcb_index(s, t);
	switch (t->list_id) {
	case L_FREE:
		ilist_remove(s, &s->tcb_free, i);
		break;
	case L_SYNQ:
		ilist_remove(s, &s->tcbs[t->parent].synq, i);
		break;
	case L_ACCEPTQ:
		ilist_remove(s, &s->tcbs[t->parent].acceptq, i);
		break;
	case L_TW:
		ilist_remove(s, &s->tw_list, i);
		break;
	case L_LISTEN:
		ilist_remove(s, &s->listeners, i);
		break;
	default:
		break;
	}
	t->list_id = L_NONE;
}

static void list_join(struct net_stack *s, struct tcb *t, uint8_t which, struct ilist *l)
{
	list_leave(s, t);
	ilist_push_back(s, l, tcb_index(s, t));
	t->list_id = which;
}

/* ---------------------------------------------------------------- table */
uint16_t tcb_index(struct net_stack *s, const struct tcb *t)
{
	return (uint16_t)(t - s->tcbs);
}

void tcp_init(struct net_stack *s)
{
	ilist_init(&s->tcb_free);
	ilist_init(&s->tw_list);
	ilist_init(&s->listeners);
	for (uint32_t i = 0; i <= s->hash_mask; i++)
		s->tcb_hash[i] = NET_NONE16;
	for (uint16_t i = 0; i < s->cfg.tcp_conns; i++) {
		struct tcb *t = &s->tcbs[i];
		memset(t, 0, sizeof(*t));
		t->heap_pos = NET_NONE16;
		t->parent = NET_NONE16;
		t->hash_next = NET_NONE16;
		ilist_push_back(s, &s->tcb_free, i);
		t->list_id = L_FREE;
	}
	s->heap_n = 0;
}

static uint32_t bucket(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	return hash_tuple(s, la, lp, ra, rp) & s->hash_mask;
}

void tcb_hash_insert(struct net_stack *s, struct tcb *t)
{
	uint32_t b = bucket(s, t->laddr, t->lport, t->raddr, t->rport);
	t->hash_next = s->tcb_hash[b];
	s->tcb_hash[b] = tcb_index(s, t);
	t->flags |= TF_HASHED;
}

static void tcb_hash_remove(struct net_stack *s, struct tcb *t)
{
	if (!(t->flags & TF_HASHED))
		return;
	uint32_t b = bucket(s, t->laddr, t->lport, t->raddr, t->rport);
	uint16_t *pp = &s->tcb_hash[b];
	uint16_t me = tcb_index(s, t);
	while (*pp != NET_NONE16) {
		if (*pp == me) {
			*pp = t->hash_next;
			break;
		}
		pp = &s->tcbs[*pp].hash_next;
	}
	t->hash_next = NET_NONE16;
	t->flags &= ~TF_HASHED;
}

struct tcb *tcb_lookup(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	uint16_t i = s->tcb_hash[bucket(s, la, lp, ra, rp)];
	while (i != NET_NONE16) {
		struct tcb *t = &s->tcbs[i];
		if (t->lport == lp && t->rport == rp && t->laddr == la && t->raddr == ra)
			return t;
		i = t->hash_next;
	}
	return NULL;
}

bool net_tcp_flow_exists(struct net_stack *s, const struct net_flow *f)
{
	return tcb_lookup(s, f->laddr, f->lport, f->raddr, f->rport) != NULL;
}

struct tcb *tcb_listener(struct net_stack *s, uint32_t la, uint16_t lp)
{
	struct tcb *wild = NULL;
	for (uint16_t i = s->listeners.first; i != NET_NONE16; i = s->tcbs[i].lnext) {
		struct tcb *t = &s->tcbs[i];
		if (t->lport != lp)
			continue;
		if (t->laddr == la)
			return t;
		if (!t->laddr)
			wild = t;
	}
	return wild;
}

static void tcb_reset_fields(struct net_stack *s, struct tcb *t)
{
	uint16_t gen = (uint16_t)((t->gen + 1) & 0x1fff);
	bool queued = t->ev_queued; /* the slot keeps its one place in the event ring */
	memset(t, 0, sizeof(*t));
	t->ev_queued = queued;
	t->gen = gen ? gen : 1;
	t->used = true;
	t->heap_pos = NET_NONE16;
	t->parent = NET_NONE16;
	t->hash_next = NET_NONE16;
	t->lnext = t->lprev = NET_NONE16;
	ring_init(&t->snd);
	ring_init(&t->rcv);
	t->sndbuf = s->cfg.tcp_sndbuf;
	t->rcvbuf = s->cfg.tcp_rcvbuf;
	t->keep_idle_ms = s->cfg.keep_idle_ms;
	t->keep_intvl_ms = s->cfg.keep_intvl_ms;
	t->keep_cnt = s->cfg.keep_cnt;
	t->linger_s = -1;
	t->ttl = s->cfg.ttl;
	t->rto_us = s->cfg.rto_initial_ms * 1000;
	t->peer_mss = 536;
}

struct tcb *tcb_alloc(struct net_stack *s)
{
	uint16_t i = s->tcb_free.first;
	if (i == NET_NONE16) {
		/* table full: recycle the oldest TIME_WAIT connection */
		uint16_t tw = s->tw_list.first;
		if (tw == NET_NONE16)
			return NULL;
		s->stats.tcp_tw_recycled++;
		tcb_free(s, &s->tcbs[tw]);
		i = s->tcb_free.first;
	}
	struct tcb *t = &s->tcbs[i];
	list_leave(s, t);
	tcb_reset_fields(s, t);
	return t;
}

void tcp_release_buffers(struct net_stack *s, struct tcb *t)
{
	ring_release_all(s, &t->snd);
	ring_release_all(s, &t->rcv);
	t->nooo = 0;
}

void tcb_free(struct net_stack *s, struct tcb *t)
{
	if (!t->used)
		return;
	if (t->state == NET_TCP_LISTEN) {
		/* children that were never accepted die with their listener */
		uint16_t c;
		while ((c = t->acceptq.first) != NET_NONE16) {
			struct tcb *ct = &s->tcbs[c];
			tcp_send_rst(s, ct);
			tcb_free(s, ct);
		}
		while ((c = t->synq.first) != NET_NONE16) {
			struct tcb *ct = &s->tcbs[c];
			tcp_send_rst(s, ct);
			tcb_free(s, ct);
		}
	}
	if (t->state != NET_TCP_LISTEN && t->rport && s->port.conn_gone) {
		struct net_flow fl = { t->laddr, t->raddr, t->lport, t->rport, IP_PROTO_TCP, 0 };
		s->port.conn_gone(s->port.ctx, &fl);
	}
	tcp_port_uncount(s, t);
	tcb_hash_remove(s, t);
	tcp_timer_remove(s, t);
	tcp_release_buffers(s, t);
	list_leave(s, t);
	t->used = false;
	t->ev_pending = 0;
	t->state = NET_TCP_CLOSED;
	t->gen = (uint16_t)((t->gen + 1) & 0x1fff);
	t->parent = NET_NONE16;
	list_join(s, t, L_FREE, &s->tcb_free);
}

int tcb_handle(struct net_stack *s, struct tcb *t)
{
	return handle_make(H_TCP, t->gen, tcb_index(s, t));
}

static struct tcb *tcb_get(struct net_stack *s, int h)
{
	if (h <= 0 || handle_type(h) != H_TCP || handle_idx(h) >= s->cfg.tcp_conns)
		return NULL;
	struct tcb *t = &s->tcbs[handle_idx(h)];
	if (!t->used || (t->gen & 0x1fff) != handle_gen(h) || (t->flags & TF_ORPHAN))
		return NULL;
	return t;
}

void tcp_ev(struct net_stack *s, struct tcb *t, unsigned ev)
{
	if (!(t->flags & TF_ORPHAN))
		net_event(s, tcb_handle(s, t), ev);
}

static const char *const state_names[] = {
	"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
	"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *net_tcp_state_name(int st)
{
	if (st < 0 || st > NET_TCP_TIME_WAIT)
		return "?";
	return state_names[st];
}

void tcb_set_state(struct net_stack *s, struct tcb *t, int st)
{
	if (net_log_on(s, NET_LOG_DEBUG)) {
		struct net_fmt f;
		nf_init(&f);
		nf_str(&f, "tcp ");
		nf_u64(&f, t->lport);
		nf_str(&f, "->");
		nf_ip(&f, t->raddr);
		nf_str(&f, ":");
		nf_u64(&f, t->rport);
		nf_str(&f, " ");
		nf_str(&f, net_tcp_state_name(t->state));
		nf_str(&f, " -> ");
		nf_str(&f, net_tcp_state_name(st));
		net_log(s, NET_LOG_DEBUG, &f);
	}
	t->state = (uint8_t)st;
	if (st == NET_TCP_TIME_WAIT)
		tcp_port_uncount(s, t); /* recyclable: no longer holds its port's share */
}

/* The connection is over. Orphans are freed now; otherwise the user keeps a
 * CLOSED handle that reports err (0 for an orderly end) until close(). */
void tcp_drop_conn(struct net_stack *s, struct tcb *t, int err)
{
	tcb_set_state(s, t, NET_TCP_CLOSED);
	if (t->flags & TF_ORPHAN) {
		tcb_free(s, t);
		return;
	}
	tcb_hash_remove(s, t);
	tcp_timer_remove(s, t);
	ring_release(s, &t->snd);
	if (err) {
		ring_release(s, &t->rcv);
		t->nooo = 0;
		t->error = (int16_t)err;
		tcp_ev(s, t, NET_EV_ERR | NET_EV_HUP | NET_EV_IN);
	} else {
		tcp_ev(s, t, NET_EV_HUP | NET_EV_IN);
	}
}

void tcb_enter_time_wait(struct net_stack *s, struct tcb *t)
{
	tcb_set_state(s, t, NET_TCP_TIME_WAIT);
	/* a TIME_WAIT connection needs its sequence state only */
	ring_release(s, &t->snd);
	if (!t->rcv.len)
		ring_release(s, &t->rcv);
	t->nooo = 0;
	t->rtx_at = t->keep_at = t->reo_at = 0;
	t->close_at = s->now + 2 * MS(s->cfg.msl_ms);
	tcp_timer_update(s, t);
	tcp_ev(s, t, NET_EV_HUP | NET_EV_IN);
	if (t->flags & TF_ORPHAN) {
		list_join(s, t, L_TW, &s->tw_list);
		while (s->tw_list.count > s->cfg.tcp_time_wait_max) {
			s->stats.tcp_tw_recycled++;
			tcb_free(s, &s->tcbs[s->tw_list.first]);
		}
	}
}

/* ---------------------------------------------------------------- buffers & windows */
uint32_t tcp_rcv_space(const struct tcb *t)
{
	uint32_t lim = min_u32(t->rcvbuf, ring_room(&t->rcv));
	return t->rcv.len >= lim ? 0 : lim - t->rcv.len;
}

uint32_t tcp_snd_space(const struct tcb *t)
{
	uint32_t lim = min_u32(t->sndbuf, ring_room(&t->snd));
	uint32_t used = t->snd.len + t->snd.keep;
	return used >= lim ? 0 : lim - used;
}

/* RFC 5681 3.1 initial window */
uint32_t tcp_initial_window(uint32_t m)
{
	return m > 2190 ? 2 * m : m > 1095 ? 3 * m : 4 * m;
}

void tcp_init_cc(struct net_stack *s, struct tcb *t)
{
	(void)s;
	t->cwnd = tcp_initial_window(t->mss);
	t->ssthresh = 0x7fffffff;
	t->recover = t->iss;
	t->dupacks = 0;
	t->bytes_acked = 0;
}

void tcp_established(struct net_stack *s, struct tcb *t)
{
	tcb_set_state(s, t, NET_TCP_ESTABLISHED);
	t->last_recv = s->now;
	/* RFC 6298 5.7: a retransmitted SYN and no RTT sample: RTO back to 3 s */
	if ((t->flags & TF_SYN_REXMIT) && !t->srtt_us)
		t->rto_us = max_u32(3000000, s->cfg.rto_min_ms * 1000);
	t->backoff = 0;
	t->nrexmit = 0;
	tcp_keep_arm(s, t);
}

/* ---------------------------------------------------------------- passive opens */
void tcp_port_uncount(struct net_stack *s, struct tcb *t)
{
	if (!t->port_counted)
		return;
	t->port_counted = false;
	s->port_conns[t->lport]--;
}

bool tcp_port_full(struct net_stack *s, uint16_t lport)
{
	return s->port_conns[lport] >= s->cfg.tcp_port_conns;
}

struct tcb *tcp_new_passive(struct net_stack *s, struct tcb *lt, uint32_t la, uint16_t lp,
			    uint32_t ra, uint16_t rp)
{
	struct tcb *t = tcb_alloc(s);
	if (!t)
		return NULL;
	t->laddr = la;
	t->lport = lp;
	t->raddr = ra;
	t->rport = rp;
	t->flags = TF_ORPHAN | TF_PASSIVE | TF_BOUND |
		   (lt->flags & (TF_NODELAY | TF_KEEPALIVE));
	t->sndbuf = lt->sndbuf;
	t->rcvbuf = lt->rcvbuf;
	t->keep_idle_ms = lt->keep_idle_ms;
	t->keep_intvl_ms = lt->keep_intvl_ms;
	t->keep_cnt = lt->keep_cnt;
	t->linger_s = lt->linger_s;
	t->ttl = lt->ttl;
	t->parent = tcb_index(s, lt);
	if (lt->pool) { /* born in the listener's pool: no copy when it is accepted there */
		t->snd.pool = t->rcv.pool = lt->pool;
		t->snd.cap = t->rcv.cap = lt->pool_cap;
		t->rcv.rx = true;
	}
	list_join(s, t, L_SYNQ, &lt->synq);
	tcb_hash_insert(s, t);
	s->port_conns[lp]++;
	t->port_counted = true;
	s->stats.tcp_passive_opens++;
	return t;
}

/* A passive connection finished its handshake: hand it to accept(). */
void tcp_accept_enqueue(struct net_stack *s, struct tcb *t)
{
	if (t->parent == NET_NONE16)
		return;
	struct tcb *lt = &s->tcbs[t->parent];
	list_join(s, t, L_ACCEPTQ, &lt->acceptq);
	net_event(s, tcb_handle(s, lt), NET_EV_IN);
}

/* ---------------------------------------------------------------- API */
int net_tcp_socket(struct net_stack *s)
{
	net_enter(s);
	struct tcb *t = tcb_alloc(s);
	int h = t ? tcb_handle(s, t) : -NET_EMFILE;
	net_leave(s);
	return h;
}

/* Another socket holds this port: listeners always conflict; anything
 * else only when the binder lacks NET_SO_REUSEADDR. */
static bool port_conflict(struct net_stack *s, const struct tcb *self, uint32_t la, uint16_t lp)
{
	for (uint16_t i = 0; i < s->cfg.tcp_conns; i++) {
		const struct tcb *t = &s->tcbs[i];
		if (t == self || !t->used || !(t->flags & TF_BOUND) || t->lport != lp)
			continue;
		if (t->laddr && la && t->laddr != la)
			continue;
		if (t->state == NET_TCP_LISTEN || !(self->flags & TF_REUSEADDR))
			return true;
	}
	return false;
}

int net_tcp_bind(struct net_stack *s, int h, const struct net_sockaddr *a)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->state != NET_TCP_CLOSED || (t->flags & TF_BOUND))
		return -NET_EINVAL;
	if (a->addr && !ip_is_local(s, a->addr))
		return -NET_EADDRNOTAVAIL;
	if (a->port) {
		if (port_conflict(s, t, a->addr, a->port))
			return -NET_EADDRINUSE;
		t->lport = a->port;
	}
	t->laddr = a->addr;
	if (t->lport)
		t->flags |= TF_BOUND;
	return 0;
}

/* RFC 6056 algorithm 3 with the ownership predicate on top. */
static int pick_port(struct net_stack *s, struct tcb *t, uint32_t ra, uint16_t rp)
{
	uint32_t n = (uint32_t)s->cfg.eph_hi - s->cfg.eph_lo + 1;
	uint32_t la = t->laddr;
	uint32_t off = tcp_port_offset(s, la, ra, rp);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(s->cfg.eph_lo + (off + s->eph_next + i) % n);
		struct tcb *o = tcb_lookup(s, la, port, ra, rp);
		if (o) {
			if (o->state != NET_TCP_TIME_WAIT || !(o->flags & TF_ORPHAN))
				continue;
		}
		if (tcb_listener(s, la, port))
			continue;
		/* the NIC's steering matters only for peers outside this host */
		if (s->port.flow_ok && !ip_is_local(s, ra)) {
			struct net_flow f = { la, ra, port, rp, IP_PROTO_TCP, 0 };
			if (!s->port.flow_ok(s->port.ctx, &f))
				continue;
		}
		if (o) {
			/* reuse the 4-tuple of a TIME_WAIT orphan: our new ISN is
			 * larger by the clock component, as RFC 6191 relies on */
			s->stats.tcp_tw_recycled++;
			tcb_free(s, o);
		}
		s->eph_next += i + 1;
		t->lport = port;
		return 0;
	}
	return -NET_EADDRNOTAVAIL;
}

int net_tcp_listen(struct net_stack *s, int h, int backlog)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->state == NET_TCP_LISTEN) {
		t->backlog = (uint16_t)(backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog);
		return 0;
	}
	if (t->state != NET_TCP_CLOSED)
		return -NET_EISCONN;
	if (!t->lport) {
		int r = pick_port(s, t, 0, 0);
		if (r)
			return r;
		t->flags |= TF_BOUND;
	}
	t->backlog = (uint16_t)(backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog);
	t->syn_backlog = (uint16_t)min_u32(s->cfg.syn_backlog_max, t->backlog);
	if (!t->syn_backlog)
		t->syn_backlog = 1;
	ilist_init(&t->synq);
	ilist_init(&t->acceptq);
	tcb_set_state(s, t, NET_TCP_LISTEN);
	list_join(s, t, L_LISTEN, &s->listeners);
	return 0;
}

int net_tcp_accept(struct net_stack *s, int h, struct net_sockaddr *peer)
{
	struct tcb *lt = tcb_get(s, h);
	if (!lt)
		return -NET_EBADF;
	if (lt->state != NET_TCP_LISTEN)
		return -NET_EINVAL;
	uint16_t i = lt->acceptq.first;
	if (i == NET_NONE16)
		return -NET_EAGAIN;
	struct tcb *t = &s->tcbs[i];
	list_leave(s, t);
	t->parent = NET_NONE16;
	t->flags &= ~TF_ORPHAN;
	if (peer) {
		peer->addr = t->raddr;
		peer->port = t->rport;
	}
	int nh = tcb_handle(s, t);
	/* anything that happened before accept is visible now */
	unsigned ev = NET_EV_OUT;
	if (t->rcv.len || (t->flags & TF_RCVD_FIN))
		ev |= NET_EV_IN;
	if (t->flags & TF_RCVD_FIN)
		ev |= NET_EV_RDHUP;
	net_event(s, nh, ev);
	return nh;
}

int net_tcp_connect(struct net_stack *s, int h, const struct net_sockaddr *a)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->state == NET_TCP_SYN_SENT)
		return -NET_EALREADY;
	if (t->state != NET_TCP_CLOSED)
		return -NET_EISCONN;
	if (t->error)
		return -NET_EINVAL;
	if (!a || !a->addr || !a->port || ip_bad_peer(s, a->addr))
		return -NET_EINVAL;
	uint32_t nh, la = t->laddr ? t->laddr : ip_src_for(s, a->addr);
	if (!la || !ip_route(s, a->addr, &nh))
		return -NET_ENETUNREACH;
	net_enter(s);
	t->raddr = a->addr;
	t->rport = a->port;
	t->laddr = la;
	if (!t->lport) {
		int r = pick_port(s, t, a->addr, a->port);
		if (r) {
			net_leave(s);
			return r;
		}
	} else {
		struct tcb *o = tcb_lookup(s, t->laddr, t->lport, t->raddr, t->rport);
		if (o) {
			if (o->state != NET_TCP_TIME_WAIT || !(o->flags & TF_ORPHAN)) {
				net_leave(s);
				return -NET_EADDRINUSE;
			}
			s->stats.tcp_tw_recycled++;
			tcb_free(s, o);
		}
	}
	t->flags |= TF_BOUND;
	t->iss = tcp_isn(s, t->laddr, t->lport, t->raddr, t->rport);
	t->ts_offset = tcp_ts_offset(s, t->laddr, t->lport, t->raddr, t->rport);
	t->snd_una = t->snd_nxt = t->snd_max = t->iss;
	t->buf_seq = t->iss + 1;
	t->snd_sml = t->iss;
	t->rcv_wscale = tcp_pick_wscale(t->rcvbuf);
	tcb_set_state(s, t, NET_TCP_SYN_SENT);
	tcb_hash_insert(s, t);
	s->stats.tcp_active_opens++;
	tcp_send_syn(s, t);
	net_leave(s);
	return -NET_EINPROGRESS;
}

long net_tcp_send(struct net_stack *s, int h, const void *buf, size_t len)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->error) {
		int e = t->error;
		t->error = 0;
		return -e;
	}
	switch (t->state) {
	case NET_TCP_SYN_SENT:
	case NET_TCP_SYN_RECEIVED:
	case NET_TCP_ESTABLISHED:
	case NET_TCP_CLOSE_WAIT:
		break;
	case NET_TCP_CLOSED:
	case NET_TCP_LISTEN:
		return (t->flags & TF_BOUND) && t->raddr ? -NET_EPIPE : -NET_ENOTCONN;
	default:
		return -NET_EPIPE;
	}
	if (t->flags & TF_FIN_QUEUED)
		return -NET_EPIPE;
	uint32_t room = tcp_snd_space(t);
	uint32_t n = (uint32_t)(len < room ? len : room);
	if (n == 0) {
		t->flags |= TF_WANT_WRITE;
		return len ? -NET_EAGAIN : 0;
	}
	net_enter(s);
	/* ring_write may manage less when the block pool is short: halve until it fits */
	while (n && !ring_write(s, &t->snd, t->snd.len, buf, n))
		n /= 2;
	if (n == 0) {
		t->flags |= TF_WANT_WRITE;
		net_leave(s);
		return -NET_EAGAIN;
	}
	t->snd.len += n;
	if (n < len)
		t->flags |= TF_WANT_WRITE;
	if (t->state != NET_TCP_SYN_SENT && t->state != NET_TCP_SYN_RECEIVED)
		tcp_output(s, t);
	net_leave(s);
	return (long)n;
}

/* The user made room: a window update (RFC 9293 3.8.6.2.2) once the window
 * has opened by two segments or half the buffer since we last said. */
static void rcv_window_update(struct net_stack *s, struct tcb *t)
{
	if (t->state >= NET_TCP_ESTABLISHED && t->state != NET_TCP_TIME_WAIT &&
	    !(t->flags & TF_RCVD_FIN)) {
		uint32_t adv = t->rcv_adv - t->rcv_nxt;
		uint32_t now_wnd = tcp_rcv_space(t);
		if (now_wnd > adv &&
		    (now_wnd - adv >= 2u * t->mss || now_wnd - adv >= t->rcvbuf / 2)) {
			t->flags |= TF_ACKNOW;
			tcp_output(s, t);
		}
	}
}

long net_tcp_recv(struct net_stack *s, int h, void *buf, size_t len)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->state == NET_TCP_LISTEN || (t->state == NET_TCP_CLOSED && !t->raddr)) /* never connected */
		return -NET_ENOTCONN;
	uint32_t n = (uint32_t)(len < t->rcv.len ? len : t->rcv.len);
	if (n == 0) {
		if (t->error) {
			int e = t->error;
			t->error = 0;
			return -e;
		}
		if ((t->flags & (TF_RCVD_FIN | TF_SHUT_RD)) || t->state == NET_TCP_CLOSED)
			return 0;
		if (t->state == NET_TCP_SYN_SENT || t->state == NET_TCP_SYN_RECEIVED)
			return -NET_EAGAIN;
		return -NET_EAGAIN;
	}
	net_enter(s);
	ring_read(s, &t->rcv, 0, buf, n);
	ring_consume(s, &t->rcv, n);
	if (!t->rcv.len && !t->nooo)
		ring_release(s, &t->rcv);
	rcv_window_update(s, t);
	net_leave(s);
	return (long)n;
}

/* ---------------------------------------------------------------- buffers in the caller's memory */

size_t net_pool_state_size(void) { return sizeof(struct net_pool); }

struct net_pool *net_pool_init(void *state, void *blocks, uint16_t *next, uint32_t nblocks)
{
	if (!state || !blocks || !next || nblocks == 0 || nblocks >= NET_NONE16)
		return NULL;
	struct net_pool *p = state;
	blk_pool_init(&p->b, blocks, next, nblocks);
	return p;
}

uint32_t net_pool_free_blocks(const struct net_pool *p) { return p->b.total - p->b.used; }
uint16_t net_pool_alloc(struct net_pool *p) { return blk_alloc(&p->b); }
void net_pool_free(struct net_pool *p, uint16_t block)
{
	if (block < p->b.total)
		blk_free(&p->b, block);
}

static bool pool_cap_ok(uint32_t cap)
{
	return cap >= 2 * NET_BLK_SIZE && cap <= NET_TCP_BUF_MAX && !(cap & (cap - 1));
}

int net_tcp_set_pool(struct net_stack *s, int h, struct net_pool *pool, uint32_t cap)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (pool && !pool_cap_ok(cap))
		return -NET_EINVAL;
	if (t->snd.pool == pool && t->rcv.pool == pool && (!pool || t->rcv.cap == cap))
		return 0;
	if (t->snd.keep)
		return -NET_EBUSY;
	/* a listener's children are born in its pool (tcp_new_passive) */
	t->pool = pool;
	t->pool_cap = pool ? cap : 0;
	struct net_ring snd = t->snd, rcv = t->rcv;
	if (!ring_attach(s, &t->snd, pool, cap, false, t->sndbuf))
		return -NET_ENOMEM;
	if (!ring_attach(s, &t->rcv, pool, cap, true, ring_room(&t->rcv))) {
		ring_attach(s, &t->snd, snd.pool, snd.cap, false, t->sndbuf); /* back where it was */
		(void)rcv;
		return -NET_ENOMEM;
	}
	if (t->nooo && pool) { /* out-of-order data past len was not moved: forget it, the peer resends */
		t->nooo = 0;
		t->flags &= ~TF_OOO_FIN;
	}
	if (pool) {
		t->sndbuf = min_u32(t->sndbuf, ring_room(&t->snd));
		t->rcvbuf = min_u32(t->rcvbuf, ring_room(&t->rcv));
	}
	return 0;
}

int net_tcp_set_mirror(struct net_stack *s, int h, uint16_t *rx, uint16_t *tx)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (!t->rcv.pool && (rx || tx))
		return -NET_EINVAL;
	ring_mirror(&t->rcv, rx);
	ring_mirror(&t->snd, tx);
	return 0;
}

int net_tcp_stream(struct net_stack *s, int h, struct net_tcp_stream *st)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	st->rx_start = t->rcv.base;
	st->rx_end = t->rcv.base + t->rcv.len;
	st->tx_start = t->snd.base;
	st->tx_end = t->snd.base + t->snd.len;
	st->tx_limit = st->tx_end + t->snd.keep;
	return 0;
}

/* Whether the user may still add data to the stream (as net_tcp_send). */
static int can_send(const struct tcb *t)
{
	switch (t->state) {
	case NET_TCP_SYN_SENT:
	case NET_TCP_SYN_RECEIVED:
	case NET_TCP_ESTABLISHED:
	case NET_TCP_CLOSE_WAIT:
		break;
	case NET_TCP_CLOSED:
	case NET_TCP_LISTEN:
		return (t->flags & TF_BOUND) && t->raddr ? -NET_EPIPE : -NET_ENOTCONN;
	default:
		return -NET_EPIPE;
	}
	return (t->flags & TF_FIN_QUEUED) ? -NET_EPIPE : 0;
}

long net_tcp_reserve(struct net_stack *s, int h, uint32_t room)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (!t->snd.pool)
		return -NET_EINVAL;
	if (can_send(t))
		return 0;
	uint32_t lim = min_u32(t->sndbuf, ring_room(&t->snd));
	uint32_t want = t->snd.len + room;
	if (want > lim) {
		want = lim;
		t->flags |= TF_WANT_WRITE; /* NET_EV_OUT once acknowledgements free some */
	}
	if (want <= t->snd.len + t->snd.keep)
		return t->snd.keep; /* room is never taken back while the owner may write it */
	/* whole blocks: the owner writes up to the end of what exists */
	uint32_t end = t->snd.base + want;
	uint32_t rem = end % NET_BLK_SIZE;
	if (rem && want + (NET_BLK_SIZE - rem) <= lim)
		want += NET_BLK_SIZE - rem;
	while (want > t->snd.len + t->snd.keep && !ring_reserve(s, &t->snd, want))
		want = t->snd.len + t->snd.keep + (want - t->snd.len - t->snd.keep) / 2;
	if (want > t->snd.len + t->snd.keep)
		t->snd.keep = want - t->snd.len;
	return t->snd.keep;
}

int net_tcp_unreserve(struct net_stack *s, int h)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	t->snd.keep = 0; /* its blocks go with the ring's when it moves or closes */
	return 0;
}

long net_tcp_commit(struct net_stack *s, int h, uint32_t n, bool send_now)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (!t->snd.pool || n > t->snd.keep)
		return -NET_EINVAL;
	if (t->error) {
		int e = t->error;
		t->error = 0;
		return -e;
	}
	int e = can_send(t);
	if (e)
		return e;
	if (!n)
		return 0;
	net_enter(s);
	t->snd.len += n;
	t->snd.keep -= n;
	if (send_now && t->state != NET_TCP_SYN_SENT && t->state != NET_TCP_SYN_RECEIVED)
		tcp_output(s, t);
	net_leave(s);
	return (long)n;
}

int net_tcp_consume(struct net_stack *s, int h, uint32_t upto)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if ((int32_t)(upto - t->rcv.base) <= 0)
		return 0; /* consumed already, or bytes a reset took away */
	uint32_t n = upto - t->rcv.base;
	if (n > t->rcv.len)
		return -NET_EINVAL; /* bytes it was never given */
	net_enter(s);
	ring_consume(s, &t->rcv, n);
	if (!t->rcv.len && !t->nooo)
		ring_release(s, &t->rcv);
	rcv_window_update(s, t);
	net_leave(s);
	return 0;
}

unsigned net_pool_detach(struct net_stack *s, struct net_pool *pool)
{
	unsigned reset = 0;
	net_enter(s);
	for (uint32_t i = 0; i < s->cfg.tcp_conns; i++) {
		struct tcb *t = &s->tcbs[i];
		if (!t->used)
			continue;
		if (t->pool == pool) {
			t->pool = NULL;
			t->pool_cap = 0;
		}
		if (t->snd.pool != pool && t->rcv.pool != pool)
			continue;
		t->snd.mirror = t->rcv.mirror = NULL;
		t->snd.keep = 0;
		t->nooo = 0;
		/* what the owner left unsent stays sendable; unread bytes are moot
		 * (nobody reads them any more) */
		ring_release_all(s, &t->rcv);
		t->rcv = (struct net_ring){ .base = t->rcv.base };
		ring_reset_slots(&t->rcv);
		if (!ring_attach(s, &t->snd, NULL, 0, false, NET_TCP_BUF_MAX)) {
			tcp_send_rst(s, t);
			ring_release_all(s, &t->snd);
			t->snd.pool = NULL;
			reset++;
			if (t->flags & TF_ORPHAN)
				tcb_free(s, t);
			else
				tcp_drop_conn(s, t, NET_ECONNRESET);
		}
	}
	net_leave(s);
	return reset;
}

static void user_fin(struct net_stack *s, struct tcb *t)
{
	if (t->flags & TF_FIN_QUEUED)
		return;
	switch (t->state) {
	case NET_TCP_SYN_RECEIVED:
	case NET_TCP_ESTABLISHED:
		t->flags |= TF_FIN_QUEUED;
		tcb_set_state(s, t, NET_TCP_FIN_WAIT_1);
		break;
	case NET_TCP_CLOSE_WAIT:
		t->flags |= TF_FIN_QUEUED;
		tcb_set_state(s, t, NET_TCP_LAST_ACK);
		break;
	default:
		return;
	}
	t->fin_seq = t->buf_seq + t->snd.len;
	tcp_output(s, t);
}

int net_tcp_shutdown(struct net_stack *s, int h, int how)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (how < NET_SHUT_RD || how > NET_SHUT_RDWR)
		return -NET_EINVAL;
	if (t->state == NET_TCP_CLOSED || t->state == NET_TCP_LISTEN ||
	    t->state == NET_TCP_SYN_SENT)
		return -NET_ENOTCONN;
	net_enter(s);
	if (how != NET_SHUT_WR) {
		t->flags |= TF_SHUT_RD;
		ring_release(s, &t->rcv);
		t->nooo = 0;
	}
	if (how != NET_SHUT_RD)
		user_fin(s, t);
	net_leave(s);
	return 0;
}

static void orphan(struct tcb *t)
{
	t->flags |= TF_ORPHAN | TF_USER_CLOSED;
	t->gen = (uint16_t)((t->gen + 1) & 0x1fff);
	if (!t->gen)
		t->gen = 1;
	t->ev_pending = 0;
}

int net_tcp_close(struct net_stack *s, int h)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	net_enter(s);
	switch (t->state) {
	case NET_TCP_CLOSED:
	case NET_TCP_LISTEN:
	case NET_TCP_SYN_SENT:
		tcb_free(s, t);
		break;
	default:
		if (t->rcv.len || t->linger_s == 0) {
			/* unread data (RFC 9293 3.10.4 note, RFC 2525 2.17) or
			 * linger 0: abort instead of a graceful close */
			tcp_send_rst(s, t);
			tcb_free(s, t);
			break;
		}
		orphan(t);
		t->flags |= TF_SHUT_RD;
		ring_disown(s, &t->snd);
		ring_disown(s, &t->rcv);
		if (t->state == NET_TCP_TIME_WAIT) {
			list_join(s, t, L_TW, &s->tw_list);
			while (s->tw_list.count > s->cfg.tcp_time_wait_max) {
				s->stats.tcp_tw_recycled++;
				tcb_free(s, &s->tcbs[s->tw_list.first]);
			}
			break;
		}
		user_fin(s, t);
		if (!t->used)
			break;
		if (t->state == NET_TCP_FIN_WAIT_2) {
			t->close_at = s->now + MS(s->cfg.fin_wait2_ms);
			tcp_timer_update(s, t);
		} else if (t->linger_s > 0) {
			t->close_at = s->now + SEC((uint64_t)t->linger_s);
			tcp_timer_update(s, t);
		}
		break;
	}
	net_leave(s);
	return 0;
}

int net_tcp_abort(struct net_stack *s, int h)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	net_enter(s);
	tcp_send_rst(s, t);
	tcb_free(s, t);
	net_leave(s);
	return 0;
}

int net_tcp_state(struct net_stack *s, int h)
{
	struct tcb *t = tcb_get(s, h);
	return t ? t->state : -NET_EBADF;
}

int net_tcp_sockname(struct net_stack *s, int h, struct net_sockaddr *a)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	a->addr = t->laddr ? t->laddr : s->ip_addr;
	a->port = t->lport;
	return 0;
}

int net_tcp_peername(struct net_stack *s, int h, struct net_sockaddr *a)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	if (t->state == NET_TCP_CLOSED || t->state == NET_TCP_LISTEN || !t->raddr)
		return -NET_ENOTCONN;
	a->addr = t->raddr;
	a->port = t->rport;
	return 0;
}

int net_setsockopt(struct net_stack *s, int h, int opt, int v)
{
	if (handle_type(h) == H_UDP) {
		if (opt != NET_SO_TTL && opt != NET_SO_RCVBUF)
			return -NET_ENOPROTOOPT;
		if (net_sock_poll(s, h) & NET_EV_HUP)
			return -NET_EBADF;
		struct udp_sock *u = &s->udp[handle_idx(h)];
		if (opt == NET_SO_TTL) {
			if (v < 1 || v > 255)
				return -NET_EINVAL;
			u->ttl = (uint8_t)v;
		} else {
			if (v < 0)
				return -NET_EINVAL;
			u->rx_limit = (uint32_t)v;
		}
		return 0;
	}
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	net_enter(s);
	int r = 0;
	switch (opt) {
	case NET_SO_NODELAY:
		if (v)
			t->flags |= TF_NODELAY;
		else
			t->flags &= ~TF_NODELAY;
		if (v && t->state >= NET_TCP_ESTABLISHED)
			tcp_output(s, t);
		break;
	case NET_SO_KEEPALIVE:
		if (v)
			t->flags |= TF_KEEPALIVE;
		else
			t->flags &= ~TF_KEEPALIVE;
		tcp_keep_arm(s, t);
		break;
	case NET_SO_KEEPIDLE:
	case NET_SO_KEEPINTVL:
		if (v < 1 || v > 32767) {
			r = -NET_EINVAL;
			break;
		}
		if (opt == NET_SO_KEEPIDLE)
			t->keep_idle_ms = (uint32_t)v * 1000;
		else
			t->keep_intvl_ms = (uint32_t)v * 1000;
		tcp_keep_arm(s, t);
		break;
	case NET_SO_KEEPCNT:
		if (v < 1 || v > 127)
			r = -NET_EINVAL;
		else
			t->keep_cnt = (uint8_t)v;
		break;
	case NET_SO_SNDBUF:
	case NET_SO_RCVBUF:
		if (v < 1)
			r = -NET_EINVAL;
		else if (opt == NET_SO_SNDBUF)
			t->sndbuf = min_u32((uint32_t)v, NET_TCP_BUF_MAX);
		else
			t->rcvbuf = min_u32((uint32_t)v, NET_TCP_BUF_MAX);
		break;
	case NET_SO_LINGER:
		t->linger_s = v < 0 ? -1 : v;
		break;
	case NET_SO_REUSEADDR:
		if (v)
			t->flags |= TF_REUSEADDR;
		else
			t->flags &= ~TF_REUSEADDR;
		break;
	case NET_SO_TTL:
		if (v < 1 || v > 255)
			r = -NET_EINVAL;
		else
			t->ttl = (uint8_t)v;
		break;
	default:
		r = -NET_ENOPROTOOPT;
	}
	net_leave(s);
	return r;
}

int net_getsockopt(struct net_stack *s, int h, int opt, int *v)
{
	if (handle_type(h) == H_UDP) {
		if (net_sock_poll(s, h) & NET_EV_HUP)
			return -NET_EBADF;
		struct udp_sock *u = &s->udp[handle_idx(h)];
		switch (opt) {
		case NET_SO_ERROR:
			*v = u->error;
			u->error = 0;
			return 0;
		case NET_SO_TTL:
			*v = u->ttl;
			return 0;
		case NET_SO_RCVBUF:
			*v = (int)u->rx_limit;
			return 0;
		default:
			return -NET_ENOPROTOOPT;
		}
	}
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	switch (opt) {
	case NET_SO_NODELAY: *v = !!(t->flags & TF_NODELAY); break;
	case NET_SO_KEEPALIVE: *v = !!(t->flags & TF_KEEPALIVE); break;
	case NET_SO_KEEPIDLE: *v = (int)(t->keep_idle_ms / 1000); break;
	case NET_SO_KEEPINTVL: *v = (int)(t->keep_intvl_ms / 1000); break;
	case NET_SO_KEEPCNT: *v = t->keep_cnt; break;
	case NET_SO_SNDBUF: *v = (int)t->sndbuf; break;
	case NET_SO_RCVBUF: *v = (int)t->rcvbuf; break;
	case NET_SO_LINGER: *v = t->linger_s; break;
	case NET_SO_REUSEADDR: *v = !!(t->flags & TF_REUSEADDR); break;
	case NET_SO_TTL: *v = t->ttl; break;
	case NET_SO_ERROR:
		*v = t->error;
		t->error = 0;
		break;
	default:
		return -NET_ENOPROTOOPT;
	}
	return 0;
}

int net_tcp_info(struct net_stack *s, int h, struct net_tcp_info *in)
{
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return -NET_EBADF;
	memset(in, 0, sizeof(*in));
	in->state = t->state;
	in->snd_una = t->snd_una;
	in->snd_nxt = t->snd_nxt;
	in->snd_wnd = t->snd_wnd;
	in->rcv_nxt = t->rcv_nxt;
	in->rcv_wnd = t->rcv_adv - t->rcv_nxt;
	in->cwnd = t->cwnd;
	in->ssthresh = t->ssthresh;
	in->mss = t->mss;
	in->srtt_us = t->srtt_us;
	in->rttvar_us = t->rttvar_us;
	in->rto_ms = t->rto_us / 1000;
	in->snd_wscale = t->snd_wscale;
	in->rcv_wscale = t->rcv_wscale;
	in->ts_ok = !!(t->flags & TF_TS_OK);
	in->sack_ok = !!(t->flags & TF_SACK_OK);
	in->snd_queued = t->snd.len;
	in->rcv_queued = t->rcv.len;
	in->stats = t->st;
	return 0;
}

unsigned net_sock_poll(struct net_stack *s, int h)
{
	if (handle_type(h) == H_UDP)
		return udp_poll(s, h);
	struct tcb *t = tcb_get(s, h);
	if (!t)
		return NET_EV_ERR | NET_EV_HUP;
	unsigned ev = 0;
	if (t->state == NET_TCP_LISTEN)
		return t->acceptq.count ? NET_EV_IN : 0;
	if (t->rcv.len || (t->flags & (TF_RCVD_FIN | TF_SHUT_RD)))
		ev |= NET_EV_IN;
	if (t->flags & TF_RCVD_FIN)
		ev |= NET_EV_RDHUP;
	if ((t->state == NET_TCP_ESTABLISHED || t->state == NET_TCP_CLOSE_WAIT) &&
	    !(t->flags & TF_FIN_QUEUED) && tcp_snd_space(t))
		ev |= NET_EV_OUT;
	if (t->error)
		ev |= NET_EV_ERR;
	if (t->state == NET_TCP_CLOSED && t->raddr)
		ev |= NET_EV_HUP | NET_EV_IN;
	if (t->state == NET_TCP_TIME_WAIT)
		ev |= NET_EV_HUP;
	return ev;
}
