/* Time-based loss detection and the tail loss probe for the sending side,
 * after RACK-TLP (RFC 8985), on top of the SACK scoreboard of tcp_sack.c.
 *
 * RACK's rule is "a segment is lost when one sent after it was delivered
 * and a reordering window has passed since". The stack keeps no per-segment
 * send times, so the rule is applied in the two forms it needs:
 *  - original data goes out in sequence order, so a hole below a SACKed
 *    range was sent before it: once data above snd_una has been SACKed for
 *    a reordering window (sack_seen_at + reo_wnd), recovery begins even
 *    with fewer than three duplicate ACKs (a short flight never makes three);
 *  - a retransmission is remembered with snd_max at the time it went
 *    (struct rack_rx); once data above that has been SACKed for a reordering
 *    window, the retransmission was lost too and goes again, instead of
 *    waiting for the RTO.
 * The reordering window is a quarter of the minimum RTT, at least 1 ms,
 * grown by D-SACKs (one step per window) up to SRTT and shrunk again after
 * 16 recoveries without one (RFC 8985 6.2 step 4).
 *
 * The tail loss probe (RFC 8985 7): when the last segments of a flight are
 * lost no ACK comes back at all. Instead of the RTO, the retransmission
 * timer first runs as a probe timeout of two SRTTs; when it fires one
 * segment goes (new data if the peer's window allows, else the last one
 * again), its ACK carries SACK news, and the rule above repairs the rest.
 * Called with the stack entered, from ACK processing and timers. */
#include "net/internal.h"
#include "net/prot/tcp.h"

#define RACK_REO_MIN_NS 1000000ull /* reordering window floor: 1 ms */
#define TLP_PTO_MIN_NS 5000000ull  /* probe timeout floor: 5 ms, above timer jitter */
#define TLP_DELACK_NS 200000000ull /* RFC 8985 WCDelAckT: a lone segment's ACK may be delayed */

void rack_reset(struct tcb *t)
{
	t->reo_at = 0;
	t->sack_seen_at = 0;
	t->nrx = 0;
	t->flags &= ~(TF_TLP_ARMED | TF_TLP_OUT);
}

void rack_rtt_sample(struct tcb *t, uint32_t us)
{
	if (!t->min_rtt_us || us < t->min_rtt_us)
		t->min_rtt_us = us;
}

static uint64_t reo_wnd(const struct tcb *t)
{
	uint64_t w = (uint64_t)(t->reo_mult ? t->reo_mult : 1) * t->min_rtt_us * 1000ull / 4;
	uint64_t srtt = (uint64_t)t->srtt_us * 1000ull;
	if (srtt && w > srtt)
		w = srtt;
	return w < RACK_REO_MIN_NS ? RACK_REO_MIN_NS : w;
}

static void rx_remove(struct tcb *t, unsigned i)
{
	for (unsigned j = i + 1; j < t->nrx; j++)
		t->rx[j - 1] = t->rx[j];
	t->nrx--;
}

/* Remember a retransmission sent during SACK recovery. When the list is
 * full the oldest is forgotten (its second loss then waits for the RTO). */
void rack_note_rexmit(struct net_stack *s, struct tcb *t, uint32_t seq, uint32_t len)
{
	(void)s;
	if (t->nrx == NET_TCP_RACK_RX)
		rx_remove(t, 0);
	struct rack_rx *r = &t->rx[t->nrx++];
	r->start = seq;
	r->end = seq + len;
	r->hi = t->snd_max;
	r->late_at = 0;
}

/* the earliest deadline of the reordering window, UINT64_MAX when none */
static uint64_t reo_deadline(const struct tcb *t)
{
	uint64_t w = reo_wnd(t), m = UINT64_MAX;
	if (!(t->flags & TF_RECOVERY) && t->sack_seen_at)
		m = t->sack_seen_at + w;
	if (t->flags & TF_SACK_RECOVERY)
		for (unsigned i = 0; i < t->nrx; i++)
			if (t->rx[i].late_at && t->rx[i].late_at + w < m)
				m = t->rx[i].late_at + w;
	return m;
}

/* Apply the rule to everything whose window has passed; re-arm for the rest. */
static void rack_detect(struct net_stack *s, struct tcb *t)
{
	uint64_t w = reo_wnd(t);
	if (!(t->flags & TF_RECOVERY) && t->sack_seen_at && s->now >= t->sack_seen_at + w &&
	    t->nsb && (t->flags & TF_SACK_OK)) {
		/* inside a window an RTO already answered, cwnd is down already */
		bool reduce = SEQ_GT(t->snd_una, t->recover);
		s->stats.tcp_rack_recoveries++;
		sack_enter_recovery(s, t, reduce);
		if (t->reo_decay && !--t->reo_decay)
			t->reo_mult = 1;
	}
	if (t->flags & TF_SACK_RECOVERY) {
		for (unsigned i = 0; i < t->nrx; i++) {
			struct rack_rx *r = &t->rx[i];
			if (!r->late_at || s->now < r->late_at + w)
				continue;
			/* lost again: the copy that replaces it takes its place in pipe */
			uint32_t a = SEQ_LT(r->start, t->snd_una) ? t->snd_una : r->start;
			if (!SEQ_LT(a, r->end))
				continue;
			int n = tcp_send_segment(s, t, a, r->end - a, 0);
			if (n <= 0)
				break;
			s->stats.tcp_rack_rexmit_lost++;
			r->start = a;
			r->end = a + (uint32_t)n;
			r->hi = t->snd_max;
			r->late_at = 0;
		}
	}
	uint64_t d = reo_deadline(t);
	t->reo_at = d == UINT64_MAX ? 0 : d;
	tcp_timer_update(s, t);
}

/* After every ACK of a SACK connection (scoreboard already updated). */
void rack_on_ack(struct net_stack *s, struct tcb *t, bool dsack)
{
	if (dsack) {
		s->stats.tcp_dsacks++;
		/* reordering or a duplicating network: widen the window, once per window */
		if (!t->dsack_round || SEQ_GEQ(t->snd_una, t->dsack_round)) {
			if (t->reo_mult < 64)
				t->reo_mult = (uint8_t)((t->reo_mult ? t->reo_mult : 1) + 1);
			t->reo_decay = 16;
			t->dsack_round = t->snd_max;
		}
	}
	if (SEQ_GEQ(t->snd_una, t->tlp_high))
		t->flags &= ~TF_TLP_OUT; /* the probe's episode is over */
	if (!t->nsb) {
		t->sack_seen_at = 0;
	} else if (!t->sack_seen_at) {
		t->sack_seen_at = s->now;
	}
	uint32_t high = sack_highest(t);
	for (unsigned i = 0; i < t->nrx;) {
		struct rack_rx *r = &t->rx[i];
		if (SEQ_LEQ(r->end, t->snd_una) || sack_covers(t, r->start, r->end)) {
			rx_remove(t, i); /* delivered */
			continue;
		}
		if (!r->late_at && t->nsb && SEQ_GT(high, r->hi))
			r->late_at = s->now;
		i++;
	}
	uint64_t d = reo_deadline(t);
	if (d <= s->now) {
		rack_detect(s, t);
		return;
	}
	uint64_t at = d == UINT64_MAX ? 0 : d;
	if (at != t->reo_at) {
		t->reo_at = at;
		tcp_timer_update(s, t);
	}
}

void rack_reo_expired(struct net_stack *s, struct tcb *t)
{
	t->reo_at = 0;
	if (t->state < NET_TCP_ESTABLISHED || t->state == NET_TCP_TIME_WAIT)
		return;
	rack_detect(s, t);
}

/* ---------------------------------------------------------------- tail loss probe */
/* Arm the retransmission timer as a probe timeout instead of the RTO when
 * a probe may go (RFC 8985 7.2): whenever the RTO would be armed, and
 * again after new data goes. Returns whether it did; when not, the timer
 * is left as it was. */
bool tlp_arm(struct net_stack *s, struct tcb *t)
{
	if (!(t->flags & TF_SACK_OK) || !t->srtt_us || (t->flags & (TF_RECOVERY | TF_PERSIST | TF_TLP_OUT)) ||
	    t->nrexmit || t->snd_una == t->snd_max)
		return false;
	switch (t->state) {
	case NET_TCP_ESTABLISHED:
	case NET_TCP_CLOSE_WAIT:
	case NET_TCP_FIN_WAIT_1:
	case NET_TCP_CLOSING:
	case NET_TCP_LAST_ACK:
		break;
	default:
		return false;
	}
	uint64_t srtt = (uint64_t)t->srtt_us * 1000ull;
	uint64_t pto = 2 * srtt;
	if (t->snd_max - t->snd_una <= t->mss)
		pto = srtt + srtt / 2 + TLP_DELACK_NS;
	if (pto < TLP_PTO_MIN_NS)
		pto = TLP_PTO_MIN_NS;
	if (pto >= (uint64_t)t->rto_us * 1000ull)
		return false; /* the RTO comes first anyway */
	t->rtx_at = s->now + pto;
	t->flags |= TF_TLP_ARMED;
	tcp_timer_update(s, t);
	return true;
}

/* The probe timeout passed with no ACK: send one segment, then the RTO. */
void tlp_fire(struct net_stack *s, struct tcb *t)
{
	t->flags &= ~TF_TLP_ARMED;
	uint32_t data_end = t->buf_seq + t->snd.len;
	uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
	uint32_t wnd_end = t->snd_una + t->snd_wnd;
	uint32_t room = SEQ_GT(wnd_end, t->snd_nxt) ? wnd_end - t->snd_nxt : 0;
	uint32_t n = min_u32(min_u32(avail, room), t->mss);
	int r = -1;
	if (n && t->snd_nxt == t->snd_max) {
		/* new data: it probes and makes progress at once */
		r = tcp_send_segment(s, t, t->snd_nxt, n, TCP_PSH);
		if (r > 0) {
			t->snd_nxt += (uint32_t)r;
			t->snd_max = t->snd_nxt;
		}
	} else {
		/* the last segment again, with the FIN if it carried one */
		bool fin = (t->flags & TF_FIN_SENT) && t->fin_seq + 1 == t->snd_max;
		uint32_t end = fin ? t->fin_seq : t->snd_max;
		if (SEQ_GT(end, data_end))
			end = data_end;
		uint32_t len = SEQ_GT(end, t->snd_una) ? min_u32(end - t->snd_una, t->mss) : 0;
		if (len || fin)
			r = tcp_send_segment(s, t, end - len, len, (uint8_t)((fin ? TCP_FIN : 0) | TCP_PSH));
	}
	/* one probe per episode, even when none could go */
	t->flags |= TF_TLP_OUT;
	t->tlp_high = t->snd_max;
	if (r >= 0) {
		s->stats.tcp_tlp_probes++;
		t->flags &= ~TF_RTT_TIMING; /* Karn: the probe may repeat a timed byte */
	}
	tcp_rtx_arm(s, t); /* the RTO proper: TF_TLP_OUT keeps it from probing again */
}
