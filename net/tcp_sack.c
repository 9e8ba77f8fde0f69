/* SACK-based loss recovery for the sending side (after RFC 6675): a
 * scoreboard of the ranges the peer reported (RFC 2018), a "pipe" estimate
 * of bytes in the network, and retransmission of the holes below the
 * highest SACKed byte while pipe < cwnd. Used only when SACK-permitted was
 * negotiated and blocks arrived; otherwise recovery is NewReno. */
#include "net/internal.h"
#include "net/prot/tcp.h"

void sack_clear(struct tcb *t)
{
	t->nsb = 0;
	t->sb_rexmit_bytes = 0;
	t->flags &= ~TF_SACK_RECOVERY;
}

/* forget everything at or below snd_una */
static void sb_trim(struct tcb *t)
{
	unsigned w = 0;
	for (unsigned i = 0; i < t->nsb; i++) {
		if (SEQ_LEQ(t->sb[i].end, t->snd_una))
			continue;
		t->sb[w] = t->sb[i];
		if (SEQ_LT(t->sb[w].start, t->snd_una))
			t->sb[w].start = t->snd_una;
		w++;
	}
	t->nsb = (uint8_t)w;
}

static void sb_add(struct tcb *t, uint32_t start, uint32_t end)
{
	/* merge with everything it touches, keep the list sorted */
	for (unsigned i = 0; i < t->nsb;) {
		if (SEQ_LEQ(t->sb[i].start, end) && SEQ_GEQ(t->sb[i].end, start)) {
			if (SEQ_LT(t->sb[i].start, start))
				start = t->sb[i].start;
			if (SEQ_GT(t->sb[i].end, end))
				end = t->sb[i].end;
			for (unsigned j = i + 1; j < t->nsb; j++)
				t->sb[j - 1] = t->sb[j];
			t->nsb--;
		} else {
			i++;
		}
	}
	unsigned pos = 0;
	while (pos < t->nsb && SEQ_LT(t->sb[pos].start, start))
		pos++;
	if (t->nsb == NET_TCP_SACK_SB) {
		/* full: keep the lowest ranges, they decide what to retransmit next */
		if (pos == NET_TCP_SACK_SB)
			return;
		t->nsb--;
	}
	for (unsigned j = t->nsb; j > pos; j--)
		t->sb[j] = t->sb[j - 1];
	t->sb[pos].start = start;
	t->sb[pos].end = end;
	t->nsb++;
}

/* Returns whether the first block was a D-SACK (RFC 2883 4: below the
 * cumulative ACK, or inside the second block): the peer got something twice. */
bool sack_update(struct tcb *t, const struct tcp_opts *o)
{
	sb_trim(t);
	bool dsack = false;
	if (o->nsack) {
		uint32_t a = o->sack[0][0], b = o->sack[0][1];
		dsack = SEQ_LT(a, b) && (SEQ_LEQ(b, t->snd_una) ||
					 (o->nsack > 1 && SEQ_GEQ(a, o->sack[1][0]) && SEQ_LEQ(b, o->sack[1][1])));
	}
	for (unsigned i = dsack ? 1 : 0; i < o->nsack; i++) {
		uint32_t a = o->sack[i][0], b = o->sack[i][1];
		/* only blocks inside (snd_una, snd_max] mean anything (D-SACKs and
		 * nonsense are ignored) */
		if (!SEQ_LT(a, b) || SEQ_LEQ(b, t->snd_una) || SEQ_GT(b, t->snd_max))
			continue;
		if (SEQ_LT(a, t->snd_una))
			a = t->snd_una;
		sb_add(t, a, b);
	}
	return dsack;
}

/* the end of the highest SACKed range, snd_una when none */
uint32_t sack_highest(const struct tcb *t)
{
	return t->nsb ? t->sb[t->nsb - 1].end : t->snd_una;
}

/* whether [start, end) is SACKed in full */
bool sack_covers(const struct tcb *t, uint32_t start, uint32_t end)
{
	for (unsigned i = 0; i < t->nsb; i++)
		if (SEQ_LEQ(t->sb[i].start, start) && SEQ_GEQ(t->sb[i].end, end))
			return true;
	return false;
}

uint32_t sack_bytes(const struct tcb *t)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < t->nsb; i++)
		n += t->sb[i].end - t->sb[i].start;
	return n;
}

/* RFC 6675 SetPipe, with every hole below the highest SACKed byte taken
 * as lost (as the reordering window of tcp_rack.c has passed before
 * recovery begins): what left above the highest SACKed byte, plus the
 * retransmissions of this recovery still out */
static uint32_t pipe(const struct tcb *t)
{
	uint32_t hi = sack_highest(t);
	uint32_t out = SEQ_GT(t->snd_max, hi) ? t->snd_max - hi : 0;
	return out + t->sb_rexmit_bytes;
}

/* NextSeg: the first byte above snd_una and sb_rexmit_nxt that is not
 * SACKed and lies below the highest SACKed byte */
static bool next_hole(const struct tcb *t, uint32_t *seq, uint32_t *len)
{
	if (!t->nsb)
		return false;
	uint32_t at = SEQ_GT(t->sb_rexmit_nxt, t->snd_una) ? t->sb_rexmit_nxt : t->snd_una;
	for (unsigned i = 0; i < t->nsb; i++) {
		if (SEQ_LEQ(t->sb[i].end, at))
			continue;
		if (SEQ_LT(at, t->sb[i].start)) {
			*seq = at;
			*len = min_u32(t->sb[i].start - at, t->mss);
			return true;
		}
		at = t->sb[i].end; /* inside a SACKed range: skip past it */
	}
	return false;
}

/* reduce: this loss is a new congestion event (not one inside the window
 * an RTO already answered, whose cwnd is already collapsed) */
void sack_enter_recovery(struct net_stack *s, struct tcb *t, bool reduce)
{
	t->recover = t->snd_max;
	if (reduce) {
		t->ssthresh = max_u32((t->snd_max - t->snd_una) / 2, 2u * t->mss);
		t->cwnd = t->ssthresh;
	}
	t->flags |= TF_RECOVERY | TF_SACK_RECOVERY;
	t->flags &= ~(TF_PARTIAL_SEEN | TF_RTT_TIMING | TF_TLP_OUT);
	t->nrx = 0;
	t->sb_rexmit_nxt = t->snd_una;
	t->sb_rexmit_bytes = 0;
	t->st.fast_retrans++;
	s->stats.tcp_fast_retrans++;
	/* the first segment goes whatever pipe says (RFC 6675 step 4.3) */
	uint32_t seq, len;
	if (!next_hole(t, &seq, &len)) {
		seq = t->snd_una;
		len = min_u32(t->mss, t->buf_seq + t->snd.len - t->snd_una);
	}
	if (len) {
		int r = tcp_send_segment(s, t, seq, len, 0);
		if (r > 0) {
			t->sb_rexmit_nxt = seq + (uint32_t)r;
			t->sb_rexmit_bytes += (uint32_t)r;
			rack_note_rexmit(s, t, seq, (uint32_t)r);
		}
	}
	sack_output(s, t);
}

/* an ACK moved snd_una during SACK recovery */
void sack_newack(struct net_stack *s, struct tcb *t)
{
	if (SEQ_GEQ(t->snd_una, t->recover)) {
		t->flags &= ~(TF_RECOVERY | TF_SACK_RECOVERY);
		t->cwnd = t->ssthresh;
		t->sb_rexmit_bytes = 0;
		t->dupacks = 0;
		t->nrx = 0;
		t->sack_seen_at = 0; /* ranges still SACKed start a new clock */
		return;
	}
	/* retransmissions now below snd_una have left the network */
	if (SEQ_LEQ(t->sb_rexmit_nxt, t->snd_una))
		t->sb_rexmit_bytes = 0;
	else
		t->sb_rexmit_bytes = min_u32(t->sb_rexmit_bytes, t->sb_rexmit_nxt - t->snd_una);
	sack_output(s, t);
}

/* send while pipe < cwnd: holes first, then new data the window allows */
void sack_output(struct net_stack *s, struct tcb *t)
{
	uint32_t data_end = t->buf_seq + t->snd.len;
	for (int guard = 0; guard < 64; guard++) {
		if (pipe(t) + t->mss > t->cwnd)
			break;
		uint32_t seq, len;
		if (next_hole(t, &seq, &len)) {
			int r = tcp_send_segment(s, t, seq, len, 0);
			if (r <= 0)
				break;
			t->sb_rexmit_nxt = seq + (uint32_t)r;
			t->sb_rexmit_bytes += (uint32_t)r;
			rack_note_rexmit(s, t, seq, (uint32_t)r);
			continue;
		}
		/* no hole left: new data, within the peer's window */
		uint32_t avail = SEQ_LT(t->snd_nxt, data_end) ? data_end - t->snd_nxt : 0;
		uint32_t wnd_end = t->snd_una + t->snd_wnd;
		uint32_t room = SEQ_GT(wnd_end, t->snd_nxt) ? wnd_end - t->snd_nxt : 0;
		uint32_t n = min_u32(min_u32(avail, room), t->mss);
		if (!n)
			break;
		int r = tcp_send_segment(s, t, t->snd_nxt, n, t->snd_nxt + n == data_end ? TCP_PSH : 0);
		if (r <= 0)
			break;
		t->snd_nxt += (uint32_t)r;
		if (SEQ_GT(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
	}
	if (!t->rtx_at)
		tcp_rtx_arm(s, t);
}
