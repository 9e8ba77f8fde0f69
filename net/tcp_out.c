/* TCP output (RFC 9293 3.8, RFC 5681, RFC 7323, RFC 2018): segment
 * building with options, the send decision (windows, Nagle, sender SWS
 * avoidance), retransmission, ACKs, RSTs and stateless replies. */
#include "net/internal.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"

#define TCP_OPT_MAX 40

uint16_t tcp_adv_mss(struct net_stack *s)
{
	return (uint16_t)(s->cfg.mtu - IP_HLEN - TCP_HLEN);
}

uint8_t tcp_pick_wscale(uint32_t rcvbuf)
{
	uint8_t ws = 0;
	uint32_t b = max_u32(rcvbuf, 65535);
	while ((b >> ws) > 65535 && ws < TCP_MAX_WSCALE)
		ws++;
	return ws;
}

uint32_t tcp_now_ts(struct net_stack *s, const struct tcb *t)
{
	return (uint32_t)(s->now / 1000000u) + t->ts_offset;
}

/* The window to advertise, scaled, never moving the right edge left
 * (RFC 9293 3.8.6.2.2 receiver SWS avoidance, RFC 7323 2.4). */
uint16_t tcp_window_field(struct net_stack *s, struct tcb *t)
{
	uint32_t space = tcp_rcv_space(t);
	/* do not promise memory the block pool does not have */
	const struct blk_pool *bp = t->rcv.pool ? &t->rcv.pool->b : &s->blks;
	uint32_t free_bytes = (bp->total - bp->used) * (uint32_t)NET_BLK_SIZE;
	if (space > free_bytes + (uint32_t)NET_BLK_SIZE)
		space = free_bytes + (uint32_t)NET_BLK_SIZE;
	uint32_t cur = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	if (space > cur && space - cur < min_u32(t->rcvbuf / 2, t->mss) && space < t->rcvbuf)
		space = cur; /* too small an increase to announce */
	if (space < cur)
		space = cur;
	uint32_t w = space >> t->rcv_wscale;
	if (w > 65535)
		w = 65535;
	if ((w << t->rcv_wscale) < cur && w < 65535)
		w++;
	uint32_t edge = t->rcv_nxt + (w << t->rcv_wscale);
	if (SEQ_GT(edge, t->rcv_adv))
		t->rcv_adv = edge;
	return (uint16_t)w;
}

/* SACK blocks from the out-of-order ranges, most recently changed first. */
static unsigned sack_blocks(const struct tcb *t, unsigned max, uint32_t out[][2])
{
	bool used[NET_TCP_OOO_MAX] = { false };
	unsigned n = 0;
	while (n < max && n < t->nooo) {
		int best = -1;
		for (unsigned i = 0; i < t->nooo; i++)
			if (!used[i] && (best < 0 || t->ooo[i].stamp > t->ooo[best].stamp))
				best = (int)i;
		used[best] = true;
		out[n][0] = t->ooo[best].start;
		out[n][1] = t->ooo[best].end;
		n++;
	}
	return n;
}

static void put16(uint8_t *p, uint16_t v)
{
	v = net_htons(v);
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = net_htonl(v);
	memcpy(p, &v, 4);
}

/* SYN options: MSS, SACK-permitted, timestamps, window scale (20 bytes at most). */
static unsigned syn_options(struct net_stack *s, struct tcb *t, bool ws, bool sack, bool ts,
			    uint32_t tsval, uint32_t tsecr, uint8_t *o)
{
	unsigned n = 0;
	o[n++] = TCPOPT_MSS;
	o[n++] = TCPOLEN_MSS;
	put16(o + n, tcp_adv_mss(s));
	n += 2;
	if (sack && ts) {
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = TCPOLEN_SACK_PERM;
	} else if (sack) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK_PERM;
		o[n++] = TCPOLEN_SACK_PERM;
	} else if (ts) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
	}
	if (ts) {
		o[n++] = TCPOPT_TS;
		o[n++] = TCPOLEN_TS;
		put32(o + n, tsval);
		put32(o + n + 4, tsecr);
		n += 8;
	}
	if (ws) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_WSCALE;
		o[n++] = TCPOLEN_WSCALE;
		o[n++] = t ? t->rcv_wscale : 0;
	}
	return n;
}

/* Build a segment and send it. payload comes from the tcb's send ring at
 * ring offset `off` when len > 0. */
static int emit(struct net_stack *s, struct tcb *t, uint32_t la, uint16_t lp, uint32_t ra,
		uint16_t rp, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		const uint8_t *opts, unsigned optlen, uint32_t off, uint32_t len, uint8_t ttl)
{
	unsigned hl = TCP_HLEN + optlen;
	struct net_pkt *p = net_pkt_alloc(s);
	/* len <= the MSS, which the MTU bounds, so this fits unless a caller is wrong */
	struct tcp_hdr *th = p ? (struct tcp_hdr *)(void *)net_pkt_put(p, hl + len) : NULL;
	if (!th) {
		net_pkt_free(s, p);
		net_count_drop(s, NET_DROP_TX_NOBUFS);
		return -NET_ENOBUFS;
	}
	th->sport = net_htons(lp);
	th->dport = net_htons(rp);
	th->seq = net_htonl(seq);
	th->ack = net_htonl(ack);
	th->off = (uint8_t)((hl / 4) << 4);
	th->flags = flags;
	th->win = net_htons(win);
	th->csum = 0;
	th->urg = 0;
	if (optlen)
		memcpy(p->data + TCP_HLEN, opts, optlen);
	if (len)
		ring_read(s, &t->snd, off, p->data + hl, len);
	uint32_t sum = csum_pseudo(la, ra, IP_PROTO_TCP, p->len);
	if (s->cfg.tx_csum_offload) {
		uint16_t ps = (uint16_t)~csum_fold(sum);
		memcpy(&th->csum, &ps, 2);
		p->flags |= NET_PKT_TX_L4_CSUM;
		p->csum_offset = 16;
	} else {
		th->csum = csum_fold(csum_add(sum, p->data, p->len));
	}
	s->stats.tcp_segs_out++;
	if (flags & TCP_RST)
		s->stats.tcp_resets_out++;
	ip_output(s, p, la, ra, IP_PROTO_TCP, ttl, true);
	return 0;
}

static void after_ack_sent(struct net_stack *s, struct tcb *t)
{
	t->last_ack_sent = t->rcv_nxt;
	t->flags &= ~(TF_ACKNOW | TF_DELACK);
	t->unacked_bytes = 0;
	if (t->delack_at) {
		t->delack_at = 0;
		tcp_timer_update(s, t);
	}
}

/* SYN (SYN_SENT) or SYN-ACK (SYN_RECEIVED) for a tcb. */
int tcp_send_syn(struct net_stack *s, struct tcb *t)
{
	uint8_t o[TCP_OPT_MAX];
	bool active = t->state == NET_TCP_SYN_SENT;
	bool ws, sack, ts;
	if (active) {
		ws = sack = ts = true; /* offer everything */
	} else {
		ws = (t->flags & TF_WS_OK) != 0;
		sack = (t->flags & TF_SACK_OK) != 0;
		ts = (t->flags & TF_TS_OK) != 0;
	}
	unsigned ol = syn_options(s, t, ws, sack, ts, tcp_now_ts(s, t), t->ts_recent, o);
	uint8_t flags = TCP_SYN;
	uint32_t ack = 0;
	if (!active) {
		flags |= TCP_ACK;
		ack = t->rcv_nxt;
	}
	/* window in a SYN is never scaled */
	uint32_t w = min_u32(tcp_rcv_space(t), 65535);
	if (!active) {
		uint32_t edge = t->rcv_nxt + w;
		if (SEQ_GT(edge, t->rcv_adv))
			t->rcv_adv = edge;
	}
	if (t->nrexmit == 0 && !(t->flags & TF_SYN_REXMIT)) {
		t->rtt_seq = t->iss;
		t->rtt_start = s->now;
		t->flags |= TF_RTT_TIMING;
	} else {
		t->flags &= ~TF_RTT_TIMING;
	}
	int r = emit(s, t, t->laddr, t->lport, t->raddr, t->rport, t->iss, ack, flags, (uint16_t)w,
		     o, ol, 0, 0, t->ttl);
	t->snd_nxt = t->iss + 1;
	if (SEQ_GT(t->snd_nxt, t->snd_max))
		t->snd_max = t->snd_nxt;
	t->st.segs_out++;
	t->last_send = s->now;
	if (!active)
		after_ack_sent(s, t);
	if (!t->rtx_at) {
		t->rtx_at = s->now + min_u64((uint64_t)t->rto_us << t->backoff,
					     (uint64_t)s->cfg.rto_max_ms * 1000) * 1000;
		tcp_timer_update(s, t);
	}
	return r;
}

static unsigned data_options(struct net_stack *s, struct tcb *t, uint8_t *o, unsigned max_sack)
{
	unsigned n = 0;
	if (t->flags & TF_TS_OK) {
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_TS;
		o[n++] = TCPOLEN_TS;
		put32(o + n, tcp_now_ts(s, t));
		put32(o + n + 4, t->ts_recent);
		n += 8;
	}
	bool dsack = (t->flags & TF_DSACK_NOW) != 0;
	t->flags &= ~TF_DSACK_NOW;
	if ((t->flags & TF_SACK_OK) && (t->nooo || dsack) && max_sack &&
	    t->state != NET_TCP_TIME_WAIT) {
		uint32_t b[4][2];
		unsigned lim = min_u32((t->flags & TF_TS_OK) ? 3 : 4, max_sack);
		unsigned nb = 0;
		if (dsack) {
			/* RFC 2883: the duplicate first, then the usual blocks */
			b[0][0] = t->dsack[0];
			b[0][1] = t->dsack[1];
			nb = 1;
		}
		nb += sack_blocks(t, lim - nb, b + nb);
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_NOP;
		o[n++] = TCPOPT_SACK;
		o[n++] = (uint8_t)(2 + 8 * nb);
		for (unsigned i = 0; i < nb; i++) {
			put32(o + n, b[i][0]);
			put32(o + n + 4, b[i][1]);
			n += 8;
		}
	}
	return n;
}

/* One segment from a synchronized tcb: seq, up to len payload bytes (fewer
 * when options leave less room), flags (ACK is added). Returns payload sent,
 * or a negative error. */
int tcp_send_segment(struct net_stack *s, struct tcb *t, uint32_t seq, uint32_t len, uint8_t flags)
{
	uint8_t o[TCP_OPT_MAX];
	unsigned ol = data_options(s, t, o, 4);
	uint32_t room = min_u32(t->peer_mss, tcp_adv_mss(s));
	room = room > ol + 64 ? room - ol : 64;
	if (len > room) {
		len = room;
		flags &= (uint8_t)~TCP_FIN; /* the FIN no longer ends this segment */
	}
	uint16_t w = tcp_window_field(s, t);
	uint32_t off = seq - t->buf_seq;
	if (len && SEQ_LT(seq, t->buf_seq))
		return -NET_EINVAL;
	int r = emit(s, t, t->laddr, t->lport, t->raddr, t->rport, seq, t->rcv_nxt,
		     (uint8_t)(flags | TCP_ACK), w, o, ol, off, len, t->ttl);
	if (r)
		return r;
	t->st.segs_out++;
	t->st.bytes_out += len;
	if ((len || (flags & TCP_FIN)) && SEQ_LT(seq, t->snd_max)) {
		t->st.retrans_segs++;
		s->stats.tcp_retrans++;
	}
	t->last_send = s->now;
	after_ack_sent(s, t);
	return (int)len;
}

void tcp_send_ack(struct net_stack *s, struct tcb *t)
{
	if (t->state == NET_TCP_SYN_RECEIVED) {
		tcp_send_syn(s, t);
		return;
	}
	/* while retransmitting, snd_nxt points back into old data; an ACK
	 * carries the next new sequence number so the peer finds it acceptable */
	tcp_send_segment(s, t, t->snd_max, 0, 0);
}

void tcp_send_challenge_ack(struct net_stack *s, struct tcb *t)
{
	/* RFC 5961 7: a stack-wide budget of challenge ACKs per second */
	if (!net_bucket_take(s, &s->chal_tokens, &s->chal_last, s->cfg.challenge_ack_per_s,
			     s->cfg.challenge_ack_per_s)) {
		s->stats.tcp_challenge_acks_suppressed++;
		return;
	}
	s->stats.tcp_challenge_acks++;
	tcp_send_ack(s, t);
}

void tcp_send_rst(struct net_stack *s, struct tcb *t)
{
	if (t->state == NET_TCP_CLOSED || t->state == NET_TCP_LISTEN ||
	    t->state == NET_TCP_SYN_SENT || t->state == NET_TCP_TIME_WAIT)
		return;
	emit(s, t, t->laddr, t->lport, t->raddr, t->rport, t->snd_nxt, t->rcv_nxt,
	     TCP_RST | TCP_ACK, 0, NULL, 0, 0, 0, t->ttl);
	t->flags |= TF_SENT_RST;
}

void tcp_reply_rst(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
		   uint32_t seq, uint32_t ack, uint8_t flags)
{
	emit(s, NULL, la, lp, ra, rp, seq, ack, flags, 0, NULL, 0, 0, 0, s->cfg.ttl);
}

void tcp_send_cookie_synack(struct net_stack *s, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp,
			    uint32_t iss, uint32_t rcv_nxt, const struct tcp_opts *in, uint16_t win)
{
	uint8_t o[TCP_OPT_MAX];
	/* with timestamps, the low 6 bits of our TSval carry the peer's window
	 * scale (0-14, 15 = none) and SACK-permitted back to us in its TSecr.
	 * The value is never above the connection's clock: a later segment with
	 * a smaller TSval would fail the peer's PAWS check (RFC 7323 5.3) */
	uint32_t tsval = 0;
	if (in->ts_ok) {
		uint32_t ws = in->ws_ok ? min_u32(in->ws, 14) : 15;
		uint32_t base = (uint32_t)(s->now / 1000000u) + tcp_ts_offset(s, la, lp, ra, rp);
		tsval = (base & ~63u) | (ws << 1) | (in->sack_ok ? 1u : 0u);
		if ((int32_t)(tsval - base) > 0)
			tsval -= 64;
	}
	struct tcb tmp;
	tmp.rcv_wscale = tcp_pick_wscale(s->cfg.tcp_rcvbuf);
	unsigned ol = syn_options(s, &tmp, in->ts_ok && in->ws_ok, in->ts_ok && in->sack_ok,
				  in->ts_ok, tsval, in->tsval, o);
	s->stats.tcp_cookies_sent++;
	emit(s, NULL, la, lp, ra, rp, iss, rcv_nxt, TCP_SYN | TCP_ACK, win, o, ol, 0, 0, s->cfg.ttl);
}

void tcp_send_keepalive(struct net_stack *s, struct tcb *t)
{
	/* RFC 9293 3.8.4: a segment with SEG.SEQ = SND.NXT-1 and no data */
	tcp_send_segment(s, t, t->snd_una - 1, 0, 0);
	t->st.keepalive_probes++;
}

/* Retransmit the segment at snd_una (fast retransmit, partial ACKs). */
void tcp_retransmit_first(struct net_stack *s, struct tcb *t)
{
	uint32_t data_end = t->buf_seq + t->snd.len;
	uint32_t len = SEQ_LT(t->snd_una, data_end) ? data_end - t->snd_una : 0;
	if (len > t->mss)
		len = t->mss;
	uint8_t flags = 0;
	if ((t->flags & TF_FIN_SENT) && t->snd_una + len == t->fin_seq)
		flags |= TCP_FIN;
	if (!len && !(flags & TCP_FIN))
		return;
	t->flags &= ~TF_RTT_TIMING; /* Karn */
	int sent = tcp_send_segment(s, t, t->snd_una, len, flags | (len ? TCP_PSH : 0));
	if (sent < 0)
		return;
	uint32_t end = t->snd_una + (uint32_t)sent + ((flags & TCP_FIN) && (uint32_t)sent == len);
	if (SEQ_GT(end, t->snd_nxt))
		t->snd_nxt = end;
	if (SEQ_GT(t->snd_nxt, t->snd_max))
		t->snd_max = t->snd_nxt;
	if (!t->rtx_at)
		tcp_rtx_arm(s, t);
}

/* Send whatever the windows, Nagle and the state allow, then owed ACKs. */
void tcp_output(struct net_stack *s, struct tcb *t)
{
	bool sent = false;
	switch (t->state) {
	case NET_TCP_ESTABLISHED:
	case NET_TCP_CLOSE_WAIT:
	case NET_TCP_FIN_WAIT_1:
	case NET_TCP_CLOSING:
	case NET_TCP_LAST_ACK:
		break;
	case NET_TCP_FIN_WAIT_2:
	case NET_TCP_TIME_WAIT:
		if (t->flags & TF_ACKNOW)
			tcp_send_ack(s, t);
		return;
	default:
		return;
	}
	uint32_t data_end = t->buf_seq + t->snd.len;
	bool fin_q = (t->flags & TF_FIN_QUEUED) != 0;
	/* RFC 5681 4.1: restart from the initial window after an idle period */
	if (t->snd_nxt == t->snd_una && t->snd_una == t->snd_max && t->srtt_us &&
	    s->now - t->last_send > (uint64_t)t->rto_us * 1000) {
		uint32_t iw = tcp_initial_window(t->mss);
		if (t->cwnd > iw)
			t->cwnd = iw;
	}
	if (t->flags & TF_SACK_RECOVERY) {
		/* during SACK recovery the scoreboard decides what goes out */
		uint64_t before = t->st.segs_out;
		sack_output(s, t);
		if (t->st.segs_out == before && (t->flags & TF_ACKNOW))
			tcp_send_ack(s, t);
		return;
	}
	for (;;) {
		uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
		uint32_t flight = t->snd_nxt - t->snd_una;
		uint32_t wnd = min_u32(t->snd_wnd, t->cwnd);
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		uint32_t len = min_u32(min_u32(avail, usable), t->mss);
		bool fin_now = fin_q && SEQ_LEQ(t->snd_nxt, t->fin_seq) &&
			       t->snd_nxt + len == t->fin_seq;
		bool go = false;
		if (len == t->mss)
			go = true;
		else if (len > 0) {
			/* Nagle (RFC 896) in Minshall's form (as Linux): a short
			 * segment may go unless an earlier short one is still
			 * unacknowledged, so a response of several full segments
			 * and a short tail does not wait for a delayed ACK */
			if (len == avail && ((t->flags & TF_NODELAY) || flight == 0 || fin_now ||
					     SEQ_LEQ(t->snd_sml, t->snd_una)))
				go = true;
			else if (t->max_snd_wnd && len >= t->max_snd_wnd / 2)
				go = true;
			else if (SEQ_LT(t->snd_nxt, t->snd_max))
				go = true; /* retransmitting after a timeout */
		} else if (fin_now && avail == 0) {
			go = true;
		}
		if (!go)
			break;
		uint8_t flags = fin_now ? TCP_FIN : 0;
		if (len && t->snd_nxt + len == data_end)
			flags |= TCP_PSH;
		bool fresh = t->snd_nxt == t->snd_max;
		int r = tcp_send_segment(s, t, t->snd_nxt, len, flags);
		if (r < 0)
			break;
		uint32_t n = (uint32_t)r;
		if (fresh && n && !(t->flags & (TF_RTT_TIMING | TF_TS_OK))) {
			t->rtt_seq = t->snd_nxt;
			t->rtt_start = s->now;
			t->flags |= TF_RTT_TIMING;
		}
		t->snd_nxt += n;
		if (n && n < t->mss)
			t->snd_sml = t->snd_nxt; /* the end of the last short segment */
		if (fin_now && n == len) {
			t->snd_nxt++;
			t->flags |= TF_FIN_SENT;
		}
		if (SEQ_GT(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
		sent = true;
		if (!t->rtx_at || (t->flags & TF_PERSIST)) {
			t->flags &= ~TF_PERSIST;
			tcp_rtx_arm(s, t);
		} else if (fresh && n) {
			tlp_arm(s, t); /* RFC 8985 7.2: new data moves the probe */
		}
		if (n == 0)
			break;
	}
	/* data waiting, nothing in flight, and the window forbids sending: the
	 * persist timer probes a zero window or overrides sender SWS avoidance */
	uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
	if (avail && t->snd_nxt == t->snd_una && !t->rtx_at) {
		t->flags |= TF_PERSIST;
		tcp_rtx_arm(s, t);
	}
	if (!sent && (t->flags & TF_ACKNOW))
		tcp_send_ack(s, t);
}
