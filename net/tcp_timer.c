/* TCP timers: one entry per connection in a binary min-heap keyed on the
 * earliest of its deadlines (retransmission/persist, delayed ACK,
 * keepalive, TIME_WAIT / FIN_WAIT_2 / linger). Keys are only lowered
 * eagerly; a deadline that moves later leaves the key early, and the entry
 * is re-keyed when it comes up. RTO estimation (RFC 6298) lives here too. */
#include "net/internal.h"
#include "net/prot/tcp.h"

static uint64_t tcb_min_deadline(const struct tcb *t)
{
	uint64_t m = UINT64_MAX;
	if (t->rtx_at && t->rtx_at < m)
		m = t->rtx_at;
	if (t->delack_at && t->delack_at < m)
		m = t->delack_at;
	if (t->keep_at && t->keep_at < m)
		m = t->keep_at;
	if (t->close_at && t->close_at < m)
		m = t->close_at;
	if (t->reo_at && t->reo_at < m)
		m = t->reo_at;
	return m;
}

static uint64_t key(struct net_stack *s, uint16_t pos)
{
	return s->tcbs[s->heap[pos]].wake;
}

static void heap_set(struct net_stack *s, uint16_t pos, uint16_t idx)
{
	s->heap[pos] = idx;
	s->tcbs[idx].heap_pos = pos;
}

static void sift_up(struct net_stack *s, uint16_t pos)
{
	uint16_t idx = s->heap[pos];
	uint64_t k = s->tcbs[idx].wake;
	while (pos > 0) {
		uint16_t parent = (uint16_t)((pos - 1) / 2);
		if (key(s, parent) <= k)
			break;
		heap_set(s, pos, s->heap[parent]);
		pos = parent;
	}
	heap_set(s, pos, idx);
}

static void sift_down(struct net_stack *s, uint16_t pos)
{
	uint16_t idx = s->heap[pos];
	uint64_t k = s->tcbs[idx].wake;
	for (;;) {
		uint32_t c = 2u * pos + 1;
		if (c >= s->heap_n)
			break;
		if (c + 1 < s->heap_n && key(s, (uint16_t)(c + 1)) < key(s, (uint16_t)c))
			c++;
		if (key(s, (uint16_t)c) >= k)
			break;
		heap_set(s, pos, s->heap[c]);
		pos = (uint16_t)c;
	}
	heap_set(s, pos, idx);
}

void tcp_timer_remove(struct net_stack *s, struct tcb *t)
{
	uint16_t pos = t->heap_pos;
	if (pos == NET_NONE16)
		return;
	t->heap_pos = NET_NONE16;
	s->heap_n--;
	if (pos == s->heap_n)
		return;
	uint16_t moved = s->heap[s->heap_n];
	heap_set(s, pos, moved);
	sift_down(s, pos);
	sift_up(s, s->tcbs[moved].heap_pos);
}

void tcp_timer_update(struct net_stack *s, struct tcb *t)
{
	uint64_t m = tcb_min_deadline(t);
	if (m == UINT64_MAX) {
		tcp_timer_remove(s, t);
		return;
	}
	if (t->heap_pos == NET_NONE16) {
		t->wake = m;
		uint16_t pos = s->heap_n++;
		heap_set(s, pos, tcb_index(s, t));
		sift_up(s, pos);
	} else if (m < t->wake) {
		t->wake = m;
		sift_up(s, t->heap_pos);
	}
}

uint64_t tcp_next_deadline(struct net_stack *s)
{
	return s->heap_n ? key(s, 0) : UINT64_MAX;
}

/* ---------------------------------------------------------------- RTO (RFC 6298) */
static uint32_t rto_clamp(struct net_stack *s, uint64_t us)
{
	uint64_t lo = (uint64_t)s->cfg.rto_min_ms * 1000, hi = (uint64_t)s->cfg.rto_max_ms * 1000;
	return (uint32_t)(us < lo ? lo : us > hi ? hi : us);
}

void tcp_rtt_sample(struct net_stack *s, struct tcb *t, uint32_t r)
{
	if (r == 0)
		r = 1;
	if (!t->srtt_us) {
		t->srtt_us = r;          /* (2.2) */
		t->rttvar_us = r / 2;
	} else {
		uint32_t d = t->srtt_us > r ? t->srtt_us - r : r - t->srtt_us;
		t->rttvar_us = (3 * t->rttvar_us + d) / 4; /* (2.3), beta 1/4 */
		t->srtt_us = (7 * t->srtt_us + r) / 8;     /* alpha 1/8 */
	}
	uint64_t g = 1000; /* clock granularity G: 1 ms */
	uint64_t k = 4ull * t->rttvar_us;
	t->rto_us = rto_clamp(s, t->srtt_us + (k > g ? k : g));
	t->backoff = 0; /* Karn: a fresh sample ends the back-off */
	rack_rtt_sample(t, r);
}

static uint64_t rto_now(const struct tcb *t, uint32_t cap_ms)
{
	uint64_t us = (uint64_t)t->rto_us << (t->backoff > 20 ? 20 : t->backoff);
	uint64_t hi = (uint64_t)cap_ms * 1000;
	return (us > hi ? hi : us) * 1000;
}

void tcp_rtx_arm(struct net_stack *s, struct tcb *t)
{
	if (tlp_arm(s, t))
		return; /* a loss probe comes first */
	t->flags &= ~TF_TLP_ARMED;
	uint32_t cap = s->cfg.rto_max_ms;
	if ((t->flags & TF_PERSIST) && cap > 60000)
		cap = 60000;
	t->rtx_at = s->now + rto_now(t, cap);
	tcp_timer_update(s, t);
}

void tcp_keep_arm(struct net_stack *s, struct tcb *t)
{
	bool on = (t->flags & TF_KEEPALIVE) &&
		  (t->state == NET_TCP_ESTABLISHED || t->state == NET_TCP_CLOSE_WAIT ||
		   t->state == NET_TCP_FIN_WAIT_2);
	if (!on) {
		if (t->keep_at) {
			t->keep_at = 0;
			tcp_timer_update(s, t);
		}
		return;
	}
	uint64_t base = t->last_recv ? t->last_recv : s->now;
	t->keep_at = t->keep_probes ? base + MS(t->keep_idle_ms) +
					      (uint64_t)t->keep_probes * MS(t->keep_intvl_ms)
				    : base + MS(t->keep_idle_ms);
	if (t->keep_at <= s->now)
		t->keep_at = s->now + MS(t->keep_intvl_ms);
	tcp_timer_update(s, t);
}

/* ---------------------------------------------------------------- expiry handlers */
static void timeout_conn(struct net_stack *s, struct tcb *t)
{
	s->stats.tcp_conn_timeouts++;
	tcp_send_rst(s, t);
	tcp_drop_conn(s, t, NET_ETIMEDOUT);
}

static void rtx_expired(struct net_stack *s, struct tcb *t)
{
	t->rtx_at = 0;
	if (t->flags & TF_TLP_ARMED) {
		tlp_fire(s, t);
		return;
	}
	if (t->state == NET_TCP_SYN_SENT || t->state == NET_TCP_SYN_RECEIVED) {
		uint8_t lim = t->state == NET_TCP_SYN_SENT ? s->cfg.syn_retries : s->cfg.synack_retries;
		if (t->nrexmit >= lim) {
			s->stats.tcp_conn_timeouts++;
			if (t->flags & TF_PASSIVE)
				tcb_free(s, t);
			else
				tcp_drop_conn(s, t, NET_ETIMEDOUT);
			return;
		}
		t->nrexmit++;
		if (t->backoff < 30)
			t->backoff++;
		t->flags |= TF_SYN_REXMIT;
		t->st.rto_timeouts++;
		t->st.retrans_segs++;
		s->stats.tcp_rto++;
		s->stats.tcp_retrans++;
		tcp_send_syn(s, t);
		return;
	}
	if (t->state == NET_TCP_TIME_WAIT || t->state == NET_TCP_CLOSED || t->state == NET_TCP_LISTEN)
		return;
	uint32_t data_end = t->buf_seq + t->snd.len;
	if (t->flags & TF_PERSIST) {
		/* zero-window probe, or the sender SWS override (RFC 9293 3.8.6.2.1) */
		uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
		uint32_t usable = t->snd_wnd > (t->snd_nxt - t->snd_una)
					  ? t->snd_wnd - (t->snd_nxt - t->snd_una)
					  : 0;
		t->flags &= ~TF_PERSIST;
		if (usable && avail) {
			uint32_t n = min_u32(min_u32(avail, usable), t->mss);
			int r = tcp_send_segment(s, t, t->snd_nxt, n, TCP_PSH);
			if (r > 0) {
				t->snd_nxt += (uint32_t)r;
				if (SEQ_GT(t->snd_nxt, t->snd_max))
					t->snd_max = t->snd_nxt;
			}
			tcp_rtx_arm(s, t);
			return;
		}
		/* RFC 9293 keeps probing while the peer answers; a connection the
		 * application already closed must not be held hostage forever */
		if ((t->flags & TF_USER_CLOSED) && t->nrexmit++ >= s->cfg.data_retries) {
			timeout_conn(s, t);
			return;
		}
		if (avail) {
			/* one byte of new data beyond the window (RFC 9293 3.8.6.1) */
			tcp_send_segment(s, t, t->snd_nxt, 1, 0);
			if (SEQ_GT(t->snd_nxt + 1, t->snd_max))
				t->snd_max = t->snd_nxt + 1;
			t->st.zero_window_probes++;
		}
		if (t->backoff < 30)
			t->backoff++;
		t->flags |= TF_PERSIST;
		tcp_rtx_arm(s, t);
		return;
	}
	if (t->snd_una == t->snd_max)
		return; /* nothing outstanding */
	if (t->nrexmit >= s->cfg.data_retries) {
		timeout_conn(s, t);
		return;
	}
	/* RFC 6298 5.4-5.6 and RFC 5681 (4): back off, collapse the window, go back */
	t->nrexmit++;
	if (t->backoff < 30)
		t->backoff++;
	t->st.rto_timeouts++;
	s->stats.tcp_rto++;
	t->ssthresh = max_u32((t->snd_max - t->snd_una) / 2, 2u * t->mss);
	t->cwnd = t->mss;
	t->bytes_acked = 0;
	t->recover = t->snd_max;
	t->flags &= ~(TF_RECOVERY | TF_RTT_TIMING | TF_PARTIAL_SEEN);
	sack_clear(t); /* start over from snd_una; the peer will SACK again */
	rack_reset(t);
	t->dupacks = 0;
	t->snd_nxt = t->snd_una;
	tcp_output(s, t);
	if (!t->rtx_at) {
		/* nothing could be sent (window closed): keep the timer alive */
		if (t->snd_wnd == 0)
			t->flags |= TF_PERSIST;
		tcp_rtx_arm(s, t);
	}
}

static void close_expired(struct net_stack *s, struct tcb *t)
{
	t->close_at = 0;
	switch (t->state) {
	case NET_TCP_TIME_WAIT:
		tcp_drop_conn(s, t, 0);
		break;
	case NET_TCP_FIN_WAIT_2:
		if (t->flags & TF_USER_CLOSED)
			tcb_free(s, t);
		break;
	default:
		if ((t->flags & TF_USER_CLOSED) && t->linger_s > 0) {
			/* linger ran out with data still unsent */
			tcp_send_rst(s, t);
			tcb_free(s, t);
		}
		break;
	}
}

static void keep_expired(struct net_stack *s, struct tcb *t)
{
	t->keep_at = 0;
	if (!(t->flags & TF_KEEPALIVE))
		return;
	if (t->keep_probes >= t->keep_cnt) {
		timeout_conn(s, t);
		return;
	}
	t->keep_probes++;
	tcp_send_keepalive(s, t);
	t->keep_at = s->now + MS(t->keep_intvl_ms);
	tcp_timer_update(s, t);
}

static void delack_expired(struct net_stack *s, struct tcb *t)
{
	t->delack_at = 0;
	if (t->flags & TF_DELACK) {
		t->flags |= TF_ACKNOW;
		tcp_output(s, t);
		if (t->flags & TF_ACKNOW)
			tcp_send_ack(s, t);
	}
}

void tcp_timers_run(struct net_stack *s)
{
	while (s->heap_n && key(s, 0) <= s->now) {
		uint16_t idx = s->heap[0];
		struct tcb *t = &s->tcbs[idx];
		tcp_timer_remove(s, t);
		uint16_t gen = t->gen;
		if (t->close_at && t->close_at <= s->now)
			close_expired(s, t);
		if (!t->used || t->gen != gen)
			continue;
		if (t->rtx_at && t->rtx_at <= s->now)
			rtx_expired(s, t);
		if (!t->used || t->gen != gen)
			continue;
		if (t->delack_at && t->delack_at <= s->now)
			delack_expired(s, t);
		if (!t->used || t->gen != gen)
			continue;
		if (t->keep_at && t->keep_at <= s->now)
			keep_expired(s, t);
		if (!t->used || t->gen != gen)
			continue;
		if (t->reo_at && t->reo_at <= s->now)
			rack_reo_expired(s, t);
		if (!t->used || t->gen != gen)
			continue;
		tcp_timer_update(s, t);
	}
}
