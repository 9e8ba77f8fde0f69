/* TCP input (RFC 9293 3.10.7): validation, demultiplexing, listeners with a
 * bounded SYN queue and SYN cookies, the state machine, RFC 5961
 * protections, PAWS (RFC 7323), ACK processing with RTT sampling (RFC 6298)
 * and NewReno congestion control (RFC 5681, RFC 6582), in-order and
 * out-of-order data (RFC 2018 SACK on the receive side), FIN handling. */
#include "net/internal.h"
#include "net/prot/ip.h"
#include "net/prot/tcp.h"

struct seg {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	const uint8_t *data;
	uint32_t len; /* payload bytes */
	struct tcp_opts o;
	struct net_pkt *p;
};

/* a segment of a known connection is dropped: count it there too */
static void cdrop(struct net_stack *s, struct tcb *t, struct seg *g, int why)
{
	if (t->used)
		t->st.drops++;
	net_drop(s, g->p, (enum net_drop)why);
}

/* ---------------------------------------------------------------- options */
void tcp_parse_opts(const uint8_t *o, unsigned len, bool syn, struct tcp_opts *out)
{
	memset(out, 0, sizeof(*out));
	unsigned i = 0;
	while (i < len) {
		uint8_t kind = o[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		uint8_t ol = o[i + 1];
		if (ol < 2 || i + ol > len)
			break; /* malformed: ignore the rest */
		const uint8_t *v = o + i + 2;
		switch (kind) {
		case TCPOPT_MSS:
			if (ol == TCPOLEN_MSS && syn) {
				out->mss_ok = true;
				out->mss = (uint16_t)(v[0] << 8 | v[1]);
			}
			break;
		case TCPOPT_WSCALE:
			if (ol == TCPOLEN_WSCALE && syn) {
				out->ws_ok = true;
				out->ws = v[0] > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : v[0];
			}
			break;
		case TCPOPT_SACK_PERM:
			if (ol == TCPOLEN_SACK_PERM && syn)
				out->sack_ok = true;
			break;
		case TCPOPT_TS:
			if (ol == TCPOLEN_TS) {
				out->ts_ok = true;
				out->tsval = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
					     (uint32_t)v[2] << 8 | v[3];
				out->tsecr = (uint32_t)v[4] << 24 | (uint32_t)v[5] << 16 |
					     (uint32_t)v[6] << 8 | v[7];
			}
			break;
		case TCPOPT_SACK:
			if (ol >= 10 && (ol - 2) % 8 == 0) {
				unsigned nb = (ol - 2u) / 8u;
				for (unsigned b = 0; b < nb && out->nsack < 4; b++, out->nsack++) {
					const uint8_t *q = v + 8 * b;
					out->sack[out->nsack][0] = (uint32_t)q[0] << 24 |
								   (uint32_t)q[1] << 16 |
								   (uint32_t)q[2] << 8 | q[3];
					out->sack[out->nsack][1] = (uint32_t)q[4] << 24 |
								   (uint32_t)q[5] << 16 |
								   (uint32_t)q[6] << 8 | q[7];
				}
			}
			break;
		default:
			break;
		}
		i += ol;
	}
}

/* Negotiated options from the peer's SYN (RFC 7323 1.3, 2.2; RFC 2018 2). */
static void apply_syn_opts(struct net_stack *s, struct tcb *t, const struct tcp_opts *o, bool we_offered_all)
{
	t->peer_mss = o->mss_ok && o->mss ? o->mss : 536;
	if (o->ws_ok && we_offered_all) {
		t->flags |= TF_WS_OK | TF_WS_RCVD;
		t->snd_wscale = o->ws;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
	if (o->sack_ok && we_offered_all)
		t->flags |= TF_SACK_OK;
	if (o->ts_ok && we_offered_all) {
		t->flags |= TF_TS_OK;
		t->ts_recent = o->tsval;
	}
	uint32_t m = min_u32(t->peer_mss, tcp_adv_mss(s));
	if (t->flags & TF_TS_OK)
		m = m > 12 ? m - 12 : 0;
	t->mss = (uint16_t)max_u32(m, 64);
}

/* ---------------------------------------------------------------- out-of-order queue */
static void ooo_remove(struct tcb *t, unsigned i)
{
	for (unsigned j = i + 1; j < t->nooo; j++)
		t->ooo[j - 1] = t->ooo[j];
	t->nooo--;
}

/* Insert [seq, seq+len) held beyond rcv_nxt. Returns a drop reason or -1. */
static int ooo_insert(struct net_stack *s, struct tcb *t, uint32_t seq, const uint8_t *d, uint32_t len)
{
	uint32_t end = seq + len;
	bool touches = false;
	for (unsigned i = 0; i < t->nooo; i++)
		if (SEQ_LEQ(t->ooo[i].start, end) && SEQ_GEQ(t->ooo[i].end, seq))
			touches = true;
	if (!touches && t->nooo >= NET_TCP_OOO_MAX)
		return NET_DROP_TCP_OOO_FULL;
	uint32_t off = t->rcv.len + (seq - t->rcv_nxt);
	if (!ring_write(s, &t->rcv, off, d, len))
		return NET_DROP_TCP_NOMEM;
	/* merge every range it touches into one */
	uint32_t ns = seq, ne = end;
	for (unsigned i = 0; i < t->nooo;) {
		if (SEQ_LEQ(t->ooo[i].start, ne) && SEQ_GEQ(t->ooo[i].end, ns)) {
			if (SEQ_LT(t->ooo[i].start, ns))
				ns = t->ooo[i].start;
			if (SEQ_GT(t->ooo[i].end, ne))
				ne = t->ooo[i].end;
			ooo_remove(t, i);
		} else {
			i++;
		}
	}
	unsigned pos = 0;
	while (pos < t->nooo && SEQ_LT(t->ooo[pos].start, ns))
		pos++;
	for (unsigned j = t->nooo; j > pos; j--)
		t->ooo[j] = t->ooo[j - 1];
	t->ooo[pos].start = ns;
	t->ooo[pos].end = ne;
	t->ooo[pos].stamp = ++t->ooo_stamp;
	t->nooo++;
	t->st.ooo_segs++;
	return -1;
}

/* After rcv_nxt moved: absorb ranges now contiguous. */
static void ooo_advance(struct tcb *t)
{
	while (t->nooo && SEQ_LEQ(t->ooo[0].start, t->rcv_nxt)) {
		if (SEQ_GT(t->ooo[0].end, t->rcv_nxt)) {
			uint32_t n = t->ooo[0].end - t->rcv_nxt;
			t->rcv.len += n;
			t->rcv_nxt = t->ooo[0].end;
		}
		ooo_remove(t, 0);
	}
}

/* ---------------------------------------------------------------- congestion control */
static uint32_t flight_size(const struct tcb *t)
{
	return t->snd_max - t->snd_una;
}

static void enter_fast_retransmit(struct net_stack *s, struct tcb *t)
{
	/* RFC 6582 3.2 steps 1-3 */
	t->recover = t->snd_max;
	t->ssthresh = max_u32(flight_size(t) / 2, 2u * t->mss);
	t->flags |= TF_RECOVERY;
	t->flags &= ~TF_PARTIAL_SEEN;
	t->st.fast_retrans++;
	s->stats.tcp_fast_retrans++;
	tcp_retransmit_first(s, t);
	t->cwnd = t->ssthresh + 3u * t->mss;
}

/* RFC 6675 entry: three duplicate ACKs, or (when ACKs were lost) three
 * segments' worth SACKed above snd_una; never twice for one window */
static void maybe_enter_recovery(struct net_stack *s, struct tcb *t)
{
	if ((t->flags & TF_RECOVERY) || !SEQ_GT(t->snd_una, t->recover))
		return;
	bool sack = (t->flags & TF_SACK_OK) && t->nsb;
	if (sack && (t->dupacks >= 3 || sack_bytes(t) >= 3u * t->mss))
		sack_enter_recovery(s, t, true);
	else if (!sack && t->dupacks == 3)
		enter_fast_retransmit(s, t);
}

static void cc_dupack(struct net_stack *s, struct tcb *t)
{
	t->dupacks++;
	t->st.dup_acks_in++;
	if (t->flags & TF_SACK_RECOVERY) {
		sack_output(s, t);
		return;
	}
	if (t->flags & TF_RECOVERY) {
		t->cwnd += t->mss; /* RFC 6582 3.2 step 4 */
		return;
	}
	maybe_enter_recovery(s, t);
}

static void cc_newack(struct net_stack *s, struct tcb *t, uint32_t acked, uint32_t ack)
{
	if (t->flags & TF_SACK_RECOVERY) {
		sack_newack(s, t);
		return;
	}
	if (t->flags & TF_RECOVERY) {
		if (SEQ_GEQ(ack, t->recover)) {
			/* full acknowledgment: RFC 6582 3.2 step 5, option 1 */
			uint32_t fl = t->snd_max - ack;
			t->cwnd = min_u32(t->ssthresh, max_u32(fl, t->mss) + t->mss);
			t->flags &= ~TF_RECOVERY;
			t->dupacks = 0;
			return;
		}
		/* partial acknowledgment: retransmit the next hole, deflate */
		tcp_retransmit_first(s, t);
		t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
		if (acked >= t->mss)
			t->cwnd += t->mss;
		if (t->cwnd < t->mss)
			t->cwnd = t->mss;
		if (!(t->flags & TF_PARTIAL_SEEN)) {
			t->flags |= TF_PARTIAL_SEEN;
			tcp_rtx_arm(s, t);
		}
		return;
	}
	t->dupacks = 0;
	if (t->cwnd < t->ssthresh) {
		t->cwnd += min_u32(acked, t->mss); /* slow start, RFC 5681 (2) */
	} else {
		t->bytes_acked += acked; /* congestion avoidance by byte counting */
		if (t->bytes_acked >= t->cwnd) {
			t->bytes_acked -= t->cwnd;
			t->cwnd += t->mss;
		}
	}
}

/* ---------------------------------------------------------------- ACK processing */
static void update_window(struct tcb *t, const struct seg *g)
{
	if (SEQ_LT(t->snd_wl1, g->seq) || (t->snd_wl1 == g->seq && SEQ_LEQ(t->snd_wl2, g->ack))) {
		t->snd_wnd = (uint32_t)g->win << t->snd_wscale;
		t->snd_wl1 = g->seq;
		t->snd_wl2 = g->ack;
		if (t->snd_wnd > t->max_snd_wnd)
			t->max_snd_wnd = t->snd_wnd;
	}
}

/* Returns false when the connection ended (tcb freed or closed). */
static bool process_ack(struct net_stack *s, struct tcb *t, const struct seg *g)
{
	uint32_t ack = g->ack;
	if (SEQ_GT(ack, t->snd_una)) {
		uint32_t acked = ack - t->snd_una;
		/* RTT: timestamps echo our clock; else the one timed segment (Karn) */
		if ((t->flags & TF_TS_OK) && g->o.ts_ok && g->o.tsecr) {
			uint32_t ms = tcp_now_ts(s, t) - g->o.tsecr;
			if (ms < 600000u) {
				tcp_rtt_sample(s, t, ms * 1000u + 500u);
				t->flags &= ~TF_RTT_TIMING;
			}
		} else if ((t->flags & TF_RTT_TIMING) && SEQ_GT(ack, t->rtt_seq)) {
			t->flags &= ~TF_RTT_TIMING;
			tcp_rtt_sample(s, t, (uint32_t)min_u64((s->now - t->rtt_start) / 1000, 600000000u));
		}
		uint32_t data_end = t->buf_seq + t->snd.len;
		uint32_t upto = SEQ_GT(ack, data_end) ? data_end : ack;
		if (SEQ_GT(upto, t->buf_seq)) {
			uint32_t n = upto - t->buf_seq;
			ring_consume(s, &t->snd, n);
			t->buf_seq += n;
			if (!t->snd.len)
				ring_release(s, &t->snd);
		}
		t->snd_una = ack;
		if (SEQ_LT(t->snd_nxt, t->snd_una))
			t->snd_nxt = t->snd_una;
		t->nrexmit = 0;
		bool dsack = false;
		if (t->flags & TF_SACK_OK)
			dsack = sack_update(t, &g->o);
		cc_newack(s, t, acked, ack);
		if (t->flags & TF_SACK_OK) {
			maybe_enter_recovery(s, t);
			rack_on_ack(s, t, dsack);
		}
		if (t->snd_una == t->snd_max) {
			t->rtx_at = 0;
			t->flags &= ~TF_PERSIST;
			tcp_timer_update(s, t);
		} else if (!(t->flags & TF_RECOVERY) || !(t->flags & TF_PARTIAL_SEEN)) {
			t->flags &= ~TF_PERSIST;
			tcp_rtx_arm(s, t); /* RFC 6298 5.3 */
		}
		update_window(t, g);
		if ((t->flags & TF_WANT_WRITE) && tcp_snd_space(t) >= min_u32(t->sndbuf / 4 + 1, t->sndbuf)) {
			t->flags &= ~TF_WANT_WRITE;
			tcp_ev(s, t, NET_EV_OUT);
		}
		bool fin_acked = (t->flags & TF_FIN_SENT) && SEQ_GT(ack, t->fin_seq);
		if (fin_acked) {
			switch (t->state) {
			case NET_TCP_FIN_WAIT_1:
				tcb_set_state(s, t, NET_TCP_FIN_WAIT_2);
				if (t->flags & TF_USER_CLOSED) {
					t->close_at = s->now + MS(s->cfg.fin_wait2_ms);
					tcp_timer_update(s, t);
				}
				break;
			case NET_TCP_CLOSING:
				tcb_enter_time_wait(s, t);
				break;
			case NET_TCP_LAST_ACK:
				tcp_drop_conn(s, t, 0);
				return false;
			default:
				break;
			}
		}
		return true;
	}
	if (ack == t->snd_una) {
		bool dsack = false;
		if (t->flags & TF_SACK_OK)
			dsack = sack_update(t, &g->o);
		/* RFC 5681 2: a duplicate ACK */
		/* answers to zero-window probes say nothing about loss */
		bool dup = g->len == 0 && !(g->flags & (TCP_SYN | TCP_FIN)) &&
			   ((uint32_t)g->win << t->snd_wscale) == t->snd_wnd &&
			   t->snd_max != t->snd_una && t->snd_wnd != 0 && !(t->flags & TF_PERSIST);
		if (dup)
			cc_dupack(s, t);
		else if (g->len || t->snd_max == t->snd_una)
			t->dupacks = 0;
		if (!dup && g->o.nsack && (t->flags & TF_SACK_OK)) {
			/* SACK news on a segment that is not a pure duplicate ACK */
			if (t->flags & TF_SACK_RECOVERY)
				sack_output(s, t);
			else
				maybe_enter_recovery(s, t);
		}
		if ((t->flags & TF_SACK_OK) && t->snd_max != t->snd_una)
			rack_on_ack(s, t, dsack);
	}
	uint32_t old_wnd = t->snd_wnd;
	update_window(t, g);
	if (old_wnd == 0 && t->snd_wnd && (t->flags & TF_PERSIST)) {
		/* window opened: the persist timer is no longer needed */
		t->flags &= ~TF_PERSIST;
		t->rtx_at = 0;
		t->backoff = 0;
		tcp_timer_update(s, t);
	}
	return true;
}

/* ---------------------------------------------------------------- data and FIN */
static void got_fin(struct net_stack *s, struct tcb *t)
{
	t->rcv_nxt++;
	t->flags |= TF_RCVD_FIN | TF_ACKNOW;
	t->flags &= ~TF_OOO_FIN;
	tcp_ev(s, t, NET_EV_IN | NET_EV_RDHUP);
	switch (t->state) {
	case NET_TCP_SYN_RECEIVED:
	case NET_TCP_ESTABLISHED:
		tcb_set_state(s, t, NET_TCP_CLOSE_WAIT);
		break;
	case NET_TCP_FIN_WAIT_1:
		if ((t->flags & TF_FIN_SENT) && SEQ_GT(t->snd_una, t->fin_seq)) {
			tcp_send_ack(s, t);
			tcb_enter_time_wait(s, t);
		} else {
			tcb_set_state(s, t, NET_TCP_CLOSING);
		}
		break;
	case NET_TCP_FIN_WAIT_2:
		tcp_send_ack(s, t);
		tcb_enter_time_wait(s, t);
		break;
	default:
		break;
	}
}

/* Returns a drop reason, or -1 when the data (if any) was taken. */
static int take_data(struct net_stack *s, struct tcb *t, struct seg *g)
{
	if (g->len == 0)
		return -1;
	if (t->flags & TF_SHUT_RD) {
		if (t->flags & TF_USER_CLOSED) {
			/* the application is gone: new data cannot be delivered */
			tcp_send_rst(s, t);
			return NET_DROP_TCP_AFTER_CLOSE;
		}
		/* shut down for reading: acknowledge and discard */
		if (g->seq == t->rcv_nxt) {
			t->rcv_nxt += g->len;
			t->flags |= TF_ACKNOW;
		}
		return -1;
	}
	t->last_recv = s->now;
	if (g->seq == t->rcv_nxt) {
		bool had_ooo = t->nooo != 0;
		if (!ring_write(s, &t->rcv, t->rcv.len, g->data, g->len))
			return NET_DROP_TCP_NOMEM;
		t->rcv.len += g->len;
		t->rcv_nxt += g->len;
		t->st.bytes_in += g->len;
		ooo_advance(t);
		if ((t->flags & TF_OOO_FIN) && t->rcv_nxt == t->ooo_fin_seq)
			g->flags |= TCP_FIN, g->seq = t->rcv_nxt, g->len = 0;
		t->unacked_bytes += g->len ? g->len : 1;
		tcp_ev(s, t, NET_EV_IN);
		/* RFC 5681 4.2 / RFC 9293 3.8.6.3: ACK at least every second
		 * full-sized segment, at once when a hole was filled */
		if (had_ooo || t->unacked_bytes >= 2u * t->mss) {
			t->flags |= TF_ACKNOW;
		} else if (!(t->flags & TF_DELACK)) {
			t->flags |= TF_DELACK;
			t->delack_at = s->now + MS(s->cfg.delack_ms);
			tcp_timer_update(s, t);
		}
		return -1;
	}
	/* beyond rcv_nxt: hold it, and say so at once (a duplicate ACK with SACK) */
	int why = ooo_insert(s, t, g->seq, g->data, g->len);
	t->flags |= TF_ACKNOW;
	if (why >= 0)
		return why;
	t->st.bytes_in += g->len;
	if (g->flags & TCP_FIN) {
		t->flags |= TF_OOO_FIN;
		t->ooo_fin_seq = g->seq + g->len;
		g->flags &= (uint8_t)~TCP_FIN;
	}
	return -1;
}

/* ---------------------------------------------------------------- SYN_SENT */
static void syn_sent_input(struct net_stack *s, struct tcb *t, struct seg *g)
{
	if (g->flags & TCP_ACK) {
		if (SEQ_LEQ(g->ack, t->iss) || SEQ_GT(g->ack, t->snd_max)) {
			if (!(g->flags & TCP_RST))
				tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, g->ack, 0, TCP_RST);
			cdrop(s, t, g, NET_DROP_TCP_SYN_SENT);
			return;
		}
	}
	if (g->flags & TCP_RST) {
		if (g->flags & TCP_ACK) {
			s->stats.tcp_resets_in++;
			net_accepted(s, g->p, NET_ACC_TCP);
			tcp_drop_conn(s, t, NET_ECONNREFUSED);
			return;
		}
		cdrop(s, t, g, NET_DROP_TCP_SYN_SENT);
		return;
	}
	if (!(g->flags & TCP_SYN)) {
		cdrop(s, t, g, NET_DROP_TCP_SYN_SENT);
		return;
	}
	t->irs = g->seq;
	t->rcv_nxt = g->seq + 1;
	t->rcv_adv = t->rcv_nxt;
	t->last_ack_sent = t->rcv_nxt;
	apply_syn_opts(s, t, &g->o, true);
	tcp_init_cc(s, t);
	t->last_recv = s->now;
	if (g->flags & TCP_ACK) {
		if ((t->flags & TF_TS_OK) && g->o.tsecr) {
			uint32_t ms = tcp_now_ts(s, t) - g->o.tsecr;
			if (ms < 600000u)
				tcp_rtt_sample(s, t, ms * 1000u + 500u);
		} else if (t->flags & TF_RTT_TIMING) {
			tcp_rtt_sample(s, t, (uint32_t)min_u64((s->now - t->rtt_start) / 1000, 600000000u));
		}
		t->flags &= ~TF_RTT_TIMING;
		t->snd_una = g->ack;
		t->snd_wnd = g->win; /* never scaled in a SYN */
		t->max_snd_wnd = t->snd_wnd;
		t->snd_wl1 = g->seq;
		t->snd_wl2 = g->ack;
		t->rtx_at = 0;
		tcp_timer_update(s, t);
		tcp_established(s, t);
		t->flags |= TF_ACKNOW;
		net_accepted(s, g->p, NET_ACC_TCP);
		tcp_ev(s, t, NET_EV_CONNECTED | NET_EV_OUT);
		tcp_output(s, t);
		return;
	}
	/* simultaneous open (RFC 9293 3.5 figure 8) */
	t->snd_wnd = g->win;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	tcb_set_state(s, t, NET_TCP_SYN_RECEIVED);
	t->rtx_at = 0;
	t->backoff = 0;
	t->nrexmit = 0;
	tcp_send_syn(s, t);
	net_accepted(s, g->p, NET_ACC_TCP);
}

/* ---------------------------------------------------------------- listeners */
static bool accept_full(const struct tcb *lt)
{
	return lt->acceptq.count >= lt->backlog;
}

static void listen_input(struct net_stack *s, struct tcb *lt, struct seg *g);

static void cookie_ack(struct net_stack *s, struct tcb *lt, struct seg *g)
{
	uint32_t iss = g->ack - 1;
	uint16_t mss = s->cfg.syn_cookies
			       ? tcp_cookie_check(s, g->dst, g->dport, g->src, g->sport, g->seq - 1, iss)
			       : 0;
	if (!mss) {
		tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, g->ack, 0, TCP_RST);
		net_drop(s, g->p, NET_DROP_TCP_BAD_COOKIE);
		return;
	}
	if (accept_full(lt)) {
		net_drop(s, g->p, NET_DROP_TCP_ACCEPTQ_FULL);
		return;
	}
	struct tcb *t = tcp_port_full(s, g->dport) ? NULL
		      : tcp_new_passive(s, lt, g->dst, g->dport, g->src, g->sport);
	if (!t) {
		/* no room for the connection the client believes it has: tell it
		 * at once, rather than leaving it to time out on silence */
		tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, g->ack, 0, TCP_RST);
		net_drop(s, g->p, tcp_port_full(s, g->dport) ? NET_DROP_TCP_PORT_FULL : NET_DROP_TCP_NO_TCB);
		return;
	}
	s->stats.tcp_cookies_ok++;
	t->flags |= TF_COOKIE;
	t->iss = iss;
	t->snd_una = t->snd_nxt = t->snd_max = g->ack;
	t->buf_seq = g->ack;
	t->snd_sml = g->ack;
	t->irs = g->seq - 1;
	t->rcv_nxt = g->seq;
	/* the cookie SYN-ACK promised this window (never scaled in a SYN):
	 * the client may send that much at once */
	t->rcv_adv = t->rcv_nxt + tcp_cookie_window(lt);
	t->ts_offset = tcp_ts_offset(s, g->dst, g->dport, g->src, g->sport);
	struct tcp_opts o;
	memset(&o, 0, sizeof(o));
	o.mss_ok = true;
	o.mss = mss;
	if (g->o.ts_ok && g->o.tsecr) {
		/* options carried in our TSval, echoed in TSecr */
		uint32_t ws = (g->o.tsecr >> 1) & 15;
		o.ts_ok = true;
		o.tsval = g->o.tsval;
		o.sack_ok = g->o.tsecr & 1;
		if (ws != 15) {
			o.ws_ok = true;
			o.ws = (uint8_t)ws;
		}
	}
	t->rcv_wscale = o.ws_ok ? tcp_pick_wscale(s->cfg.tcp_rcvbuf) : 0;
	apply_syn_opts(s, t, &o, true);
	tcp_init_cc(s, t);
	t->snd_wnd = (uint32_t)g->win << t->snd_wscale;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = g->ack;
	tcp_established(s, t);
	tcp_accept_enqueue(s, t);
	/* data or FIN riding on the ACK */
	int why = take_data(s, t, g);
	if (why >= 0) {
		net_drop(s, g->p, (enum net_drop)why);
		tcp_output(s, t);
		return;
	}
	if ((g->flags & TCP_FIN) && g->seq + g->len == t->rcv_nxt)
		got_fin(s, t);
	net_accepted(s, g->p, NET_ACC_TCP);
	tcp_output(s, t);
}

static void listen_input(struct net_stack *s, struct tcb *lt, struct seg *g)
{
	if (g->flags & TCP_RST) {
		net_drop(s, g->p, NET_DROP_TCP_LISTEN_FLAGS);
		return;
	}
	if (g->flags & TCP_ACK) {
		if (!(g->flags & TCP_SYN)) {
			cookie_ack(s, lt, g);
			return;
		}
		tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, g->ack, 0, TCP_RST);
		net_drop(s, g->p, NET_DROP_TCP_LISTEN_FLAGS);
		return;
	}
	if (!(g->flags & TCP_SYN) || (g->flags & TCP_FIN)) {
		net_drop(s, g->p, NET_DROP_TCP_LISTEN_FLAGS);
		return;
	}
	if (tcp_port_full(s, g->dport)) {
		/* the port holds its share of the table: refuse at once (RST), so
		 * the client neither waits nor gets a connection nobody serves;
		 * other ports keep the rest of the table. Before the accept queue
		 * check: a full port is no reason to try again later. */
		tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, 0, g->seq + 1, TCP_RST | TCP_ACK);
		net_drop(s, g->p, NET_DROP_TCP_PORT_FULL);
		return;
	}
	if (accept_full(lt)) {
		/* back-pressure: the client's SYN retransmission comes back later */
		net_drop(s, g->p, NET_DROP_TCP_ACCEPTQ_FULL);
		return;
	}
	struct tcb *t = NULL;
	bool synq_room = lt->synq.count < lt->syn_backlog;
	if (synq_room)
		t = tcp_new_passive(s, lt, g->dst, g->dport, g->src, g->sport);
	if (!t) {
		if (synq_room) {
			/* the table is full: a cookie would complete a handshake
			 * for a connection with no room either */
			tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, 0, g->seq + 1, TCP_RST | TCP_ACK);
			net_drop(s, g->p, NET_DROP_TCP_NO_TCB);
			return;
		}
		if (!s->cfg.syn_cookies) {
			net_drop(s, g->p, NET_DROP_TCP_SYNQ_FULL);
			return;
		}
		uint16_t mss = g->o.mss_ok && g->o.mss ? g->o.mss : 536;
		mss = (uint16_t)min_u32(mss, tcp_adv_mss(s));
		uint32_t cookie = tcp_cookie_make(s, g->dst, g->dport, g->src, g->sport, g->seq, mss);
		tcp_send_cookie_synack(s, g->dst, g->dport, g->src, g->sport, cookie, g->seq + 1, &g->o,
				       tcp_cookie_window(lt));
		net_accepted(s, g->p, NET_ACC_TCP);
		return;
	}
	t->irs = g->seq;
	t->rcv_nxt = g->seq + 1;
	t->rcv_adv = t->rcv_nxt;
	t->iss = tcp_isn(s, g->dst, g->dport, g->src, g->sport);
	t->ts_offset = tcp_ts_offset(s, g->dst, g->dport, g->src, g->sport);
	t->snd_una = t->snd_nxt = t->snd_max = t->iss;
	t->buf_seq = t->iss + 1;
	t->snd_sml = t->iss;
	t->rcv_wscale = g->o.ws_ok ? tcp_pick_wscale(t->rcvbuf) : 0;
	apply_syn_opts(s, t, &g->o, true);
	tcp_init_cc(s, t);
	t->snd_wnd = g->win;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = t->iss;
	t->last_recv = s->now;
	tcb_set_state(s, t, NET_TCP_SYN_RECEIVED);
	tcp_send_syn(s, t);
	net_accepted(s, g->p, NET_ACC_TCP);
}

/* ---------------------------------------------------------------- synchronized states */
static bool acceptable(const struct tcb *t, const struct seg *g, uint32_t seglen)
{
	uint32_t wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
	if (seglen == 0) {
		if (wnd == 0)
			return g->seq == t->rcv_nxt;
		return SEQ_LEQ(t->rcv_nxt, g->seq) && SEQ_LT(g->seq, t->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	uint32_t last = g->seq + seglen - 1;
	return (SEQ_LEQ(t->rcv_nxt, g->seq) && SEQ_LT(g->seq, t->rcv_nxt + wnd)) ||
	       (SEQ_LEQ(t->rcv_nxt, last) && SEQ_LT(last, t->rcv_nxt + wnd));
}

static void conn_input(struct net_stack *s, struct tcb *t, struct seg *g)
{
	t->st.segs_in++;
	if (t->state == NET_TCP_SYN_SENT) {
		syn_sent_input(s, t, g);
		return;
	}
	/* TIME_WAIT: a new SYN may take over the 4-tuple (RFC 9293 3.10.7.4,
	 * RFC 6191 with timestamps) */
	if (t->state == NET_TCP_TIME_WAIT && (g->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
		bool newer = ((t->flags & TF_TS_OK) && g->o.ts_ok) ? SEQ_GT(g->o.tsval, t->ts_recent)
								  : SEQ_GT(g->seq, t->rcv_nxt);
		struct tcb *lt = tcb_listener(s, g->dst, g->dport);
		if (newer && lt && (t->flags & TF_ORPHAN)) {
			s->stats.tcp_tw_recycled++;
			tcb_free(s, t);
			listen_input(s, lt, g);
			return;
		}
		tcp_send_ack(s, t);
		cdrop(s, t, g, NET_DROP_TCP_TIME_WAIT);
		return;
	}
	/* a retransmitted SYN while our SYN-ACK is outstanding */
	if (t->state == NET_TCP_SYN_RECEIVED && (g->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    g->seq == t->irs) {
		tcp_send_syn(s, t);
		cdrop(s, t, g, NET_DROP_TCP_DUP_SYN);
		return;
	}
	/* simultaneous open: the peer's SYN-ACK repeats the SYN we already
	 * took; what is new in it is the ACK (RFC 9293 3.5 figure 8) */
	if (t->state == NET_TCP_SYN_RECEIVED && (g->flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) &&
	    g->seq == t->irs) {
		g->flags &= (uint8_t)~TCP_SYN;
		g->seq++;
	}
	/* PAWS (RFC 7323 5.3) */
	if ((t->flags & TF_TS_OK) && g->o.ts_ok && !(g->flags & TCP_RST) &&
	    SEQ_LT(g->o.tsval, t->ts_recent)) {
		tcp_send_ack(s, t);
		cdrop(s, t, g, NET_DROP_TCP_PAWS);
		return;
	}
	uint32_t seglen = g->len + ((g->flags & TCP_SYN) ? 1 : 0) + ((g->flags & TCP_FIN) ? 1 : 0);
	bool zero_wnd_data = false;
	if (!acceptable(t, g, seglen)) {
		uint32_t wnd = SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
		if (wnd == 0 && g->seq == t->rcv_nxt && !(g->flags & TCP_SYN)) {
			/* a zero-window probe: take the ACK, drop the data */
			zero_wnd_data = g->len != 0;
			g->len = 0;
			g->flags &= (uint8_t)~TCP_FIN;
			t->flags |= TF_ACKNOW;
		} else {
			if (!(g->flags & TCP_RST)) {
				if ((t->flags & TF_SACK_OK) && g->len && SEQ_LEQ(g->seq + seglen, t->rcv_nxt)) {
					/* all of it arrived before: say so (RFC 2883 4.1.1),
					 * the sender's reordering window learns from it */
					t->dsack[0] = g->seq;
					t->dsack[1] = g->seq + g->len;
					t->flags |= TF_DSACK_NOW;
				}
				tcp_send_ack(s, t);
				if (t->state == NET_TCP_TIME_WAIT && (g->flags & TCP_FIN)) {
					/* the peer's FIN again: restart 2 MSL */
					t->close_at = s->now + 2 * MS(s->cfg.msl_ms);
					tcp_timer_update(s, t);
				}
			}
			cdrop(s, t, g, SEQ_LEQ(g->seq + seglen, t->rcv_nxt) ? NET_DROP_TCP_DUPLICATE
										: NET_DROP_TCP_OUT_OF_WINDOW);
			return;
		}
	}
	/* RST (RFC 5961 3.2): exact match resets, else a challenge ACK */
	if (g->flags & TCP_RST) {
		if (g->seq != t->rcv_nxt) {
			tcp_send_challenge_ack(s, t);
			cdrop(s, t, g, NET_DROP_TCP_RST_CHALLENGE);
			return;
		}
		s->stats.tcp_resets_in++;
		net_accepted(s, g->p, NET_ACC_TCP);
		switch (t->state) {
		case NET_TCP_SYN_RECEIVED:
			if (t->flags & TF_PASSIVE)
				tcb_free(s, t); /* back to LISTEN: the listener never saw it */
			else
				tcp_drop_conn(s, t, NET_ECONNREFUSED);
			return;
		case NET_TCP_ESTABLISHED:
		case NET_TCP_FIN_WAIT_1:
		case NET_TCP_FIN_WAIT_2:
		case NET_TCP_CLOSE_WAIT:
			tcp_drop_conn(s, t, NET_ECONNRESET);
			return;
		default:
			tcp_drop_conn(s, t, 0);
			return;
		}
	}
	/* trim to the window: drop bytes already received, and beyond the edge */
	if (SEQ_LT(g->seq, t->rcv_nxt)) {
		uint32_t cut = t->rcv_nxt - g->seq;
		if (g->flags & TCP_SYN) {
			g->flags &= (uint8_t)~TCP_SYN;
			g->seq++;
			cut--;
		}
		if (cut > g->len)
			cut = g->len;
		g->data += cut;
		g->len -= cut;
		g->seq += cut;
	}
	/* SYN in a synchronized state (RFC 5961 4.2): challenge ACK */
	if (g->flags & TCP_SYN) {
		if (t->state == NET_TCP_SYN_RECEIVED && (t->flags & TF_PASSIVE) && !(g->flags & TCP_ACK)) {
			/* RFC 9293: a passive SYN_RECEIVED goes back to LISTEN */
			cdrop(s, t, g, NET_DROP_TCP_SYN_CHALLENGE);
			tcb_free(s, t);
			return;
		}
		tcp_send_challenge_ack(s, t);
		cdrop(s, t, g, NET_DROP_TCP_SYN_CHALLENGE);
		return;
	}
	uint32_t edge = t->rcv_nxt + (SEQ_GT(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0);
	uint32_t room_edge = t->rcv_nxt + (NET_TCP_BUF_MAX - t->rcv.len);
	if (SEQ_LT(room_edge, edge))
		edge = room_edge;
	if (g->len && SEQ_GT(g->seq + g->len, edge)) {
		uint32_t keep = SEQ_GT(edge, g->seq) ? edge - g->seq : 0;
		g->len = keep;
		g->flags &= (uint8_t)~TCP_FIN;
	}
	if (!(g->flags & TCP_ACK)) {
		cdrop(s, t, g, NET_DROP_TCP_NO_ACK);
		return;
	}
	if (t->state == NET_TCP_SYN_RECEIVED) {
		if (!(SEQ_LT(t->snd_una, g->ack) && SEQ_LEQ(g->ack, t->snd_max))) {
			tcp_reply_rst(s, g->dst, g->dport, g->src, g->sport, g->ack, 0, TCP_RST);
			cdrop(s, t, g, NET_DROP_TCP_BAD_ACK);
			return;
		}
		if ((t->flags & TF_PASSIVE) && t->parent != NET_NONE16 &&
		    accept_full(&s->tcbs[t->parent])) {
			cdrop(s, t, g, NET_DROP_TCP_ACCEPTQ_FULL);
			return;
		}
		t->snd_wnd = (uint32_t)g->win << t->snd_wscale;
		t->max_snd_wnd = t->snd_wnd;
		t->snd_wl1 = g->seq;
		t->snd_wl2 = g->ack;
		t->rtx_at = 0;
		tcp_timer_update(s, t);
		tcp_established(s, t);
		if (t->flags & TF_PASSIVE)
			tcp_accept_enqueue(s, t);
		else
			tcp_ev(s, t, NET_EV_CONNECTED | NET_EV_OUT);
	}
	if (SEQ_GT(g->ack, t->snd_max)) {
		tcp_send_ack(s, t);
		cdrop(s, t, g, NET_DROP_TCP_ACK_TOO_NEW);
		return;
	}
	if (SEQ_LT(g->ack, t->snd_una - t->max_snd_wnd)) {
		tcp_send_challenge_ack(s, t);
		cdrop(s, t, g, NET_DROP_TCP_ACK_TOO_OLD);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp to echo */
	if ((t->flags & TF_TS_OK) && g->o.ts_ok && SEQ_LEQ(g->seq, t->last_ack_sent) &&
	    SEQ_GEQ(g->o.tsval, t->ts_recent))
		t->ts_recent = g->o.tsval;
	t->last_recv = s->now;
	t->keep_probes = 0;
	if (t->state == NET_TCP_TIME_WAIT) {
		cdrop(s, t, g, NET_DROP_TCP_TIME_WAIT);
		return;
	}
	if (!process_ack(s, t, g)) {
		net_accepted(s, g->p, NET_ACC_TCP);
		return;
	}
	int why = -1;
	switch (t->state) {
	case NET_TCP_ESTABLISHED:
	case NET_TCP_FIN_WAIT_1:
	case NET_TCP_FIN_WAIT_2:
		why = take_data(s, t, g);
		if (why >= 0 && !t->used) {
			cdrop(s, t, g, (enum net_drop)why);
			return;
		}
		if (why == NET_DROP_TCP_AFTER_CLOSE) {
			cdrop(s, t, g, (enum net_drop)why);
			tcb_free(s, t);
			return;
		}
		break;
	default:
		break; /* the peer already sent its FIN: ignore data */
	}
	if (why < 0 && (g->flags & TCP_FIN) && g->seq + g->len == t->rcv_nxt &&
	    !(t->flags & TF_RCVD_FIN))
		got_fin(s, t);
	if (t->used && t->state != NET_TCP_CLOSED) {
		tcp_keep_arm(s, t);
		tcp_output(s, t);
	}
	if (why >= 0)
		cdrop(s, t, g, (enum net_drop)why);
	else if (zero_wnd_data)
		cdrop(s, t, g, NET_DROP_TCP_ZERO_WINDOW);
	else
		net_accepted(s, g->p, NET_ACC_TCP);
}

/* ---------------------------------------------------------------- entry */
void tcp_input(struct net_stack *s, struct net_pkt *p)
{
	if (p->len < TCP_HLEN) {
		net_drop(s, p, NET_DROP_TCP_SHORT);
		return;
	}
	/* the checksum covers the header too: verify it before trusting any field */
	if (!(p->flags & NET_PKT_RX_L4_CSUM_OK)) {
		uint32_t sum = csum_pseudo(p->src_addr, p->dst_addr, IP_PROTO_TCP, p->len);
		if (csum_fold(csum_add(sum, p->data, p->len)) != 0) {
			net_drop(s, p, NET_DROP_TCP_CSUM);
			return;
		}
	}
	const struct tcp_hdr *th = (const struct tcp_hdr *)(const void *)p->data;
	unsigned hl = (unsigned)(th->off >> 4) * 4;
	if (hl < TCP_HLEN || hl > p->len) {
		net_drop(s, p, NET_DROP_TCP_HLEN);
		return;
	}
	if (p->bcast || !ip_is_local(s, p->dst_addr)) {
		net_drop(s, p, NET_DROP_TCP_BAD_ADDR);
		return;
	}
	struct seg g;
	g.src = p->src_addr;
	g.dst = p->dst_addr;
	g.sport = net_ntohs(th->sport);
	g.dport = net_ntohs(th->dport);
	g.seq = net_ntohl(th->seq);
	g.ack = net_ntohl(th->ack);
	g.flags = th->flags;
	g.win = net_ntohs(th->win);
	g.data = p->data + hl;
	g.len = p->len - hl;
	g.p = p;
	tcp_parse_opts(p->data + TCP_HLEN, hl - TCP_HLEN, (g.flags & TCP_SYN) != 0, &g.o);
	if (g.sport == 0 || g.dport == 0) {
		net_drop(s, p, NET_DROP_TCP_BAD_ADDR);
		return;
	}
	struct tcb *t = tcb_lookup(s, g.dst, g.dport, g.src, g.sport);
	if (t) {
		conn_input(s, t, &g);
		return;
	}
	struct tcb *lt = tcb_listener(s, g.dst, g.dport);
	if (lt) {
		listen_input(s, lt, &g);
		return;
	}
	/* CLOSED (RFC 9293 3.10.7.1) */
	if (!(g.flags & TCP_RST)) {
		if (g.flags & TCP_ACK)
			tcp_reply_rst(s, g.dst, g.dport, g.src, g.sport, g.ack, 0, TCP_RST);
		else
			tcp_reply_rst(s, g.dst, g.dport, g.src, g.sport, 0,
				      g.seq + g.len + ((g.flags & TCP_SYN) ? 1 : 0) +
					      ((g.flags & TCP_FIN) ? 1 : 0),
				      TCP_RST | TCP_ACK);
	}
	net_drop(s, p, NET_DROP_TCP_NO_SOCKET);
}

/* ICMP errors about our segments (RFC 5927 checks, RFC 1122 4.2.3.9). */
void tcp_icmp_error(struct net_stack *s, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint8_t type, uint8_t code, uint16_t mtu)
{
	struct tcb *t = tcb_lookup(s, s->ip_addr, sport, dst, dport);
	if (!t || t->state == NET_TCP_LISTEN)
		return;
	/* the quoted sequence number must be one we have outstanding */
	if (SEQ_LT(seq, t->snd_una) || SEQ_GT(seq, t->snd_max))
		return;
	if (type == 3 && code == 4) {
		/* fragmentation needed (RFC 1191): shrink the segment size */
		if (mtu >= 576 && mtu < s->cfg.mtu) {
			uint32_t m = (uint32_t)mtu - 40 - ((t->flags & TF_TS_OK) ? 12 : 0);
			if (m < t->mss) {
				t->mss = (uint16_t)m;
				t->peer_mss = (uint16_t)min_u32(t->peer_mss, (uint32_t)mtu - 40);
				tcp_retransmit_first(s, t);
			}
		}
		return;
	}
	/* hard errors during connection setup end it; later they are soft */
	if (t->state == NET_TCP_SYN_SENT && type == 3 && (code == 2 || code == 3)) {
		tcp_drop_conn(s, t, NET_ECONNREFUSED);
		return;
	}
	if (t->state == NET_TCP_SYN_SENT && type == 3)
		t->error = NET_EHOSTUNREACH;
}
