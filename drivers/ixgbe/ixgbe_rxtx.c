/*
 * drivers/ixgbe/ixgbe_rxtx.c - one queue pair of the 82599, run by the core
 * that owns it: ring setup (DS 4.6.7.1, 4.6.8.1), advanced receive
 * descriptors (DS 7.1.6), advanced transmit data and context descriptors
 * with checksum offload (DS 7.2.3.2), batched bursts that write the tail
 * once, and the queue's MSI-X vector.
 *
 * Ring bookkeeping. RX: descriptors [rx_clean, rx_post) are posted (owned by
 * the device until their write-back sets DD); rx_posted counts them and at
 * most n - 1 are posted, so the tail never catches the head. TX: descriptors
 * [tx_clean, tx_post) are in flight; every packet's last data descriptor
 * asks for a write-back (RS), and tx_reclaim frees a packet only once that
 * descriptor reads DD.
 */
#include "drivers/ixgbe/ixgbe.h"

#include <errno.h>
#include <string.h>

#define SLOT_FREE 0
#define SLOT_CTX 1
#define SLOT_DATA 2

static inline void wmb(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE); /* descriptors before the doorbell */
}

static inline void rmb(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE); /* DD before the rest of the write-back */
}

static struct ixgbe_queue *qp(struct netq *q)
{
	return q->priv;
}

static uint16_t next(const struct ixgbe_queue *x, uint16_t i)
{
	return (uint16_t)(i + 1 == x->n ? 0 : i + 1);
}

/* ------------------------------------------------------------ setup */

/* DS 4.6.7.1 / 4.6.8.1, first half: with the queue disabled, program its
 * rings, buffer size and descriptor type. Head and tail are left alone: the
 * tail is written only after the enable bit reads back set (queue_start). */
int ixgbe_queue_init(struct netq *q, int qid, int ring_size, struct netq_setup *s)
{
	struct netdev *nd = q->nd;
	if (!nd || !nd->priv)
		return -EINVAL;
	if (qid < 0 || qid >= IXGBE_MAX_QUEUES || (nd->max_queues && qid >= nd->max_queues))
		return -EINVAL;
	if (ring_size < 2 * IXGBE_RING_ALIGN_DESCS || ring_size > IXGBE_RING_MAX_DESCS ||
	    ring_size % IXGBE_RING_ALIGN_DESCS)
		return -EINVAL;
	size_t n = (size_t)ring_size;
	size_t len = sizeof(struct ixgbe_queue) + 3 * n * sizeof(struct nd_buf *) + n;
	uint8_t *mem = ixgbe_alloc(nd, len, NULL);
	if (!mem)
		return -ENOMEM;
	memset(mem, 0, len);
	struct ixgbe_queue *x = (struct ixgbe_queue *)mem;
	x->rx_bufs = (struct nd_buf **)(mem + sizeof(*x));
	x->tx_bufs = x->rx_bufs + n;
	x->tx_reject = x->tx_bufs + n;
	x->tx_kind = (uint8_t *)(x->tx_reject + n);
	x->q = q;
	x->qid = qid;
	x->vector = qid;
	x->n = (uint16_t)n;
	/* rings: 128-byte aligned (DS 8.2.3.8.1); dma_alloc gives pages */
	x->rx = ixgbe_alloc(nd, n * sizeof(union ixgbe_rx_desc), &x->rx_phys);
	x->tx = ixgbe_alloc(nd, n * sizeof(union ixgbe_tx_desc), &x->tx_phys);
	if (!x->rx || !x->tx || (x->rx_phys & 127) || (x->tx_phys & 127))
		return -ENOMEM;
	memset(x->rx, 0, n * sizeof(union ixgbe_rx_desc));
	memset(x->tx, 0, n * sizeof(union ixgbe_tx_desc));
	q->priv = x;
	q->id = qid;
	q->msix_rx = q->msix_tx = x->vector;

	/* receive ring (DS 4.6.7.1): base, length, one buffer per descriptor
	 * of IXGBE_RX_BUF_KB, advanced descriptors, drop when no descriptor is
	 * free so one slow queue cannot stall the others (SRRCTL.DROP_EN) */
	ixgbe_wr(nd, IXGBE_RDBAL(qid), (uint32_t)x->rx_phys);
	ixgbe_wr(nd, IXGBE_RDBAH(qid), (uint32_t)(x->rx_phys >> 32));
	ixgbe_wr(nd, IXGBE_RDLEN(qid), (uint32_t)(n * sizeof(union ixgbe_rx_desc)));
	ixgbe_wr(nd, IXGBE_SRRCTL(qid), IXGBE_RX_BUF_KB | IXGBE_SRRCTL_DESCTYPE_ADV_ONEBUF |
						 IXGBE_SRRCTL_DROP_EN);
	/* transmit ring (DS 4.6.8.1): prefetch when 32 are free, write back at
	 * once (WTHRESH 0: RS descriptors are written back as they complete) */
	ixgbe_wr(nd, IXGBE_TDBAL(qid), (uint32_t)x->tx_phys);
	ixgbe_wr(nd, IXGBE_TDBAH(qid), (uint32_t)(x->tx_phys >> 32));
	ixgbe_wr(nd, IXGBE_TDLEN(qid), (uint32_t)(n * sizeof(union ixgbe_tx_desc)));
	ixgbe_wr(nd, IXGBE_TXDCTL(qid), 32u << IXGBE_TXDCTL_PTHRESH_SHIFT | 1u << IXGBE_TXDCTL_HTHRESH_SHIFT);
	/* the queue's vector: moderation (DS 7.3.2.1) and its route to this core */
	ixgbe_wr(nd, IXGBE_EITR(x->vector),
		 ((IXGBE_DEFAULT_ITR_US * 1000u / IXGBE_EITR_UNIT_NS) << IXGBE_EITR_ITR_SHIFT) &
			 IXGBE_EITR_ITR_MASK);
	if (nd->plat.irq_attach) {
		int v = nd->plat.irq_attach(nd->plat.ctx, x->vector);
		if (v < 0)
			return v;
	}
	if (s) {
		memset(s, 0, sizeof(*s));
		s->qid = qid;
		s->w[0] = (uint64_t)x->vector;
		s->w[1] = x->rx_phys;
		s->w[2] = x->tx_phys;
		s->w[3] = n;
	}
	return 0;
}

/* DS 4.6.7.1 / 4.6.8.1, second half (after the control instance started the
 * device): set the enable bits, poll until the device reports them set, and
 * only then write the tails. */
int ixgbe_queue_start(struct netq *q, const struct netq_setup *s)
{
	(void)s; /* the 82599's queue registers are the owning core's: nothing came back from commit */
	struct ixgbe_queue *x = qp(q);
	struct netdev *nd = q->nd;
	if (!x || x->started)
		return -EINVAL;
	ixgbe_wr(nd, IXGBE_RXDCTL(x->qid), ixgbe_rd(nd, IXGBE_RXDCTL(x->qid)) | IXGBE_RXDCTL_ENABLE);
	int rc = ixgbe_poll(nd, IXGBE_RXDCTL(x->qid), IXGBE_RXDCTL_ENABLE, IXGBE_RXDCTL_ENABLE, 10000);
	if (rc)
		return rc;
	ixgbe_wr(nd, IXGBE_TXDCTL(x->qid), ixgbe_rd(nd, IXGBE_TXDCTL(x->qid)) | IXGBE_TXDCTL_ENABLE);
	rc = ixgbe_poll(nd, IXGBE_TXDCTL(x->qid), IXGBE_TXDCTL_ENABLE, IXGBE_TXDCTL_ENABLE, 10000);
	if (rc)
		return rc;
	x->started = true;
	if (x->rx_tail_dirty) {
		wmb();
		ixgbe_wr(nd, IXGBE_RDT(x->qid), x->rx_post);
		q->stats.doorbells_rx++;
		x->rx_tail_dirty = false;
	}
	return 0;
}

/* ------------------------------------------------------------ receive */

static void rx_post(struct ixgbe_queue *x, struct nd_buf *b)
{
	union ixgbe_rx_desc *d = &x->rx[x->rx_post];
	d->read.pkt_addr = b->phys;
	d->read.hdr_addr = 0; /* no header split; also clears DD of an old write-back */
	x->rx_bufs[x->rx_post] = b;
	x->rx_post = next(x, x->rx_post);
	x->rx_posted++;
}

static void rx_doorbell(struct netq *q, struct ixgbe_queue *x)
{
	if (!x->started) {
		x->rx_tail_dirty = true;
		return;
	}
	wmb();
	ixgbe_wr(q->nd, IXGBE_RDT(x->qid), x->rx_post);
	q->stats.doorbells_rx++;
}

int ixgbe_rx_refill(struct netq *q, struct nd_buf **bufs, int n)
{
	struct ixgbe_queue *x = qp(q);
	int took = 0;
	while (took < n && x->rx_posted < x->n - 1) {
		struct nd_buf *b = bufs[took];
		if (!b || b->cap < IXGBE_MAX_FRAME)
			break; /* the device may write a full frame into every buffer */
		rx_post(x, b);
		took++;
	}
	if (took)
		rx_doorbell(q, x);
	return took;
}

/* Why a completed descriptor is not a good frame, or ND_DROP_MAX. */
static int rx_verdict(const struct ixgbe_queue *x, uint32_t st, uint16_t len, const struct nd_buf *b)
{
	if (x->rx_discard || !(st & IXGBE_RXD_STAT_EOP))
		return ND_DROP_OVERSIZE; /* a frame spread over buffers: larger than ours */
	if (st & IXGBE_RXD_ERR_RXE)
		return ND_DROP_DESC_ERROR;
	if (len > b->cap || len > IXGBE_MAX_FRAME)
		return ND_DROP_OVERSIZE;
	if (len < 14)
		return ND_DROP_RUNT;
	if (((st & IXGBE_RXD_STAT_IPCS) && (st & IXGBE_RXD_ERR_IPE)) ||
	    ((st & IXGBE_RXD_STAT_L4CS) && (st & IXGBE_RXD_ERR_L4E)))
		return ND_DROP_CSUM;
	return ND_DROP_MAX;
}

int ixgbe_rx_burst(struct netq *q, struct nd_buf **bufs, int n)
{
	struct ixgbe_queue *x = qp(q);
	int got = 0;
	bool reposted = false;
	q->stats.polls++;
	while (got < n) {
		volatile union ixgbe_rx_desc *d = &x->rx[x->rx_clean];
		uint32_t st = d->wb.status;
		if (!(st & IXGBE_RXD_STAT_DD))
			break;
		if (x->rx_posted == 0) {
			/* a write-back for a descriptor we never posted: the
			 * device (or something) is confused; drop it, keep our
			 * indices, clear the slot so it is not seen again */
			q->stats.drops[ND_DROP_BAD_COMPLETION]++;
			d->wb.status = 0;
			break;
		}
		rmb();
		uint16_t len = d->wb.length;
		uint32_t rsstype = d->wb.info & IXGBE_RXD_RSSTYPE_MASK;
		uint32_t hash = d->wb.rss;
		struct nd_buf *b = x->rx_bufs[x->rx_clean];
		x->rx_bufs[x->rx_clean] = NULL;
		x->rx_clean = next(x, x->rx_clean);
		x->rx_posted--;

		bool eop = (st & IXGBE_RXD_STAT_EOP) != 0;
		int why = rx_verdict(x, st, len, b);
		x->rx_discard = !eop; /* inside a frame spread over buffers until its EOP */
		if (why != ND_DROP_MAX) {
			if (eop)
				q->stats.drops[why]++; /* one count per frame, at its last buffer */
			rx_post(x, b);             /* recycle: the buffer goes straight back */
			reposted = true;
			continue;
		}
		b->len = len;
		b->flags = 0;
		if (rsstype != IXGBE_RXD_RSSTYPE_NONE && rsstype != IXGBE_RXD_RSSTYPE_FDIR) {
			b->hash = hash;
			b->flags |= ND_RX_HASH;
		}
		if (st & IXGBE_RXD_STAT_L4CS)
			b->flags |= ND_RX_CSUM_OK;
		q->stats.rx_packets++;
		q->stats.rx_bytes += len;
		bufs[got++] = b;
	}
	if (reposted)
		rx_doorbell(q, x);
	return got;
}

/* ------------------------------------------------------------ transmit */

/* The one's-complement checksum done in software when the frame is not one
 * the device can offload. */
static void sw_l4_csum(struct nd_buf *b)
{
	const uint8_t *p = b->data;
	uint32_t sum = 0;
	for (uint32_t i = b->csum_start; i < b->len; i += 2) {
		uint32_t w = (uint32_t)p[i] << 8;
		if (i + 1 < b->len)
			w |= p[i + 1];
		sum += w;
	}
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	uint8_t *f = (uint8_t *)b->data + b->csum_start + b->csum_offset;
	f[0] = (uint8_t)(c >> 8);
	f[1] = (uint8_t)c;
}

/* The context a checksum offload needs (DS 7.2.3.2.3), or false when the
 * frame is not IPv4/IPv6 + TCP/UDP as the descriptor can describe it. */
static bool tx_context_of(const struct nd_buf *b, struct ixgbe_txctx *c)
{
	const uint8_t *p = b->data;
	if (b->len < 14)
		return false;
	uint32_t maclen = 14;
	uint16_t et = (uint16_t)(p[12] << 8 | p[13]);
	if (et == 0x8100) {
		if (b->len < 18)
			return false;
		maclen = 18;
		et = (uint16_t)(p[16] << 8 | p[17]);
	}
	if (et != 0x0800 && et != 0x86DD)
		return false;
	if (b->csum_start <= maclen || b->csum_start - maclen > IXGBE_TXCTX_IPLEN_MASK)
		return false;
	if (b->csum_offset != 16 && b->csum_offset != 6)
		return false;
	if ((uint32_t)b->csum_start + b->csum_offset + 2 > b->len)
		return false;
	c->valid = true;
	c->ipv4 = et == 0x0800;
	c->maclen = (uint8_t)maclen;
	c->iplen = (uint16_t)(b->csum_start - maclen);
	c->l4t = b->csum_offset == 16 ? 1 : 0; /* TCP : UDP */
	return true;
}

static bool ctx_equal(const struct ixgbe_txctx *a, const struct ixgbe_txctx *b)
{
	return a->valid && b->valid && a->ipv4 == b->ipv4 && a->maclen == b->maclen && a->iplen == b->iplen &&
	       a->l4t == b->l4t;
}

static void tx_reject(struct ixgbe_queue *x, struct netq *q, struct nd_buf *b, int why)
{
	q->stats.drops[why]++;
	x->tx_reject[(x->rej_head + x->rej_count) % x->n] = b;
	x->rej_count++;
}

int ixgbe_tx_burst(struct netq *q, struct nd_buf **bufs, int n)
{
	struct ixgbe_queue *x = qp(q);
	int took = 0;
	bool posted = false;
	if (!x->started)
		return 0;
	while (took < n) {
		struct nd_buf *b = bufs[took];
		if (!b || b->len < 14 || b->len > IXGBE_MAX_FRAME) {
			if (x->rej_count >= x->n)
				break;
			tx_reject(x, q, b, (b && b->len >= 14) ? ND_DROP_OVERSIZE : ND_DROP_RUNT);
			took++;
			continue;
		}
		struct ixgbe_txctx c = {0};
		bool offload = false;
		if (b->flags & ND_TX_CSUM) {
			offload = tx_context_of(b, &c);
			if (!offload)
				sw_l4_csum(b);
		}
		int need = 1 + (offload && !ctx_equal(&c, &x->ctx) ? 1 : 0);
		if (x->tx_inflight + need > x->n - 1) {
			q->stats.drops[ND_DROP_TX_FULL] += (uint64_t)(n - took);
			break;
		}
		if (need == 2) {
			/* context descriptor in slot 0 of the queue's two contexts */
			struct ixgbe_tx_ctx_desc *cd = (struct ixgbe_tx_ctx_desc *)&x->tx[x->tx_post];
			cd->vlan_macip_lens = (uint32_t)c.maclen << IXGBE_TXCTX_MACLEN_SHIFT | c.iplen;
			cd->seqnum_seed = 0;
			cd->type_tucmd_mlhl = IXGBE_TXD_DTYP_CTXT | IXGBE_TXD_CMD_DEXT |
					      (c.ipv4 ? IXGBE_TXCTX_TUCMD_IPV4 : 0) |
					      (c.l4t ? IXGBE_TXCTX_TUCMD_L4T_TCP : IXGBE_TXCTX_TUCMD_L4T_UDP);
			cd->mss_l4len_idx = 0;
			x->tx_kind[x->tx_post] = SLOT_CTX;
			x->tx_bufs[x->tx_post] = NULL;
			x->tx_post = next(x, x->tx_post);
			x->tx_inflight++;
			x->ctx = c;
		}
		union ixgbe_tx_desc *d = &x->tx[x->tx_post];
		d->read.buffer_addr = b->phys;
		d->read.cmd_type_len = b->len | IXGBE_TXD_DTYP_DATA | IXGBE_TXD_CMD_DEXT | IXGBE_TXD_CMD_IFCS |
				       IXGBE_TXD_CMD_EOP | IXGBE_TXD_CMD_RS;
		uint32_t ol = (uint32_t)b->len << IXGBE_TXD_PAYLEN_SHIFT;
		if (offload)
			ol |= IXGBE_TXD_POPTS_TXSM | (c.ipv4 ? IXGBE_TXD_POPTS_IXSM : 0) | IXGBE_TXD_CC;
		d->read.olinfo_status = ol;
		x->tx_kind[x->tx_post] = SLOT_DATA;
		x->tx_bufs[x->tx_post] = b;
		x->tx_post = next(x, x->tx_post);
		x->tx_inflight++;
		q->stats.tx_packets++;
		q->stats.tx_bytes += b->len;
		posted = true;
		took++;
	}
	if (posted) {
		wmb();
		ixgbe_wr(q->nd, IXGBE_TDT(x->qid), x->tx_post);
		q->stats.doorbells_tx++;
	}
	return took;
}

int ixgbe_tx_reclaim(struct netq *q, struct nd_buf **bufs, int n)
{
	struct ixgbe_queue *x = qp(q);
	int got = 0;
	while (got < n && x->rej_count) {
		bufs[got++] = x->tx_reject[x->rej_head];
		x->rej_head = (uint16_t)((x->rej_head + 1) % x->n);
		x->rej_count--;
	}
	while (got < n) {
		if (x->tx_inflight == 0) {
			volatile union ixgbe_tx_desc *d = &x->tx[x->tx_clean];
			if (d->wb.status & IXGBE_TXD_STAT_DD) {
				/* a write-back where nothing is in flight */
				q->stats.drops[ND_DROP_BAD_COMPLETION]++;
				d->wb.status = 0;
			}
			break;
		}
		uint16_t i = x->tx_clean, data = i;
		int used = 1;
		if (x->tx_kind[i] == SLOT_CTX) {
			data = next(x, i);
			used = 2;
		}
		volatile union ixgbe_tx_desc *d = &x->tx[data];
		if (!(d->wb.status & IXGBE_TXD_STAT_DD))
			break;
		rmb();
		bufs[got++] = x->tx_bufs[data];
		x->tx_bufs[data] = NULL;
		x->tx_kind[i] = x->tx_kind[data] = SLOT_FREE;
		x->tx_clean = next(x, data);
		x->tx_inflight = (uint16_t)(x->tx_inflight - used);
	}
	return got;
}

/* ------------------------------------------------------------ interrupts */

/* The queue's own bit in EIMS_EX / EIMC_EX (write-one registers). */
bool ixgbe_irq_enable(struct netq *q)
{
	struct ixgbe_queue *x = qp(q);
	ixgbe_wr(q->nd, IXGBE_EIMS_EX(x->vector / 32), 1u << (x->vector % 32));
	/* work that completed while masked raised no interrupt that we saw */
	volatile union ixgbe_rx_desc *r = &x->rx[x->rx_clean];
	if (x->rx_posted && (r->wb.status & IXGBE_RXD_STAT_DD))
		return true;
	if (x->tx_inflight) {
		uint16_t i = x->tx_kind[x->tx_clean] == SLOT_CTX ? next(x, x->tx_clean) : x->tx_clean;
		if (x->tx[i].wb.status & IXGBE_TXD_STAT_DD)
			return true;
	}
	return false;
}

void ixgbe_irq_disable(struct netq *q)
{
	struct ixgbe_queue *x = qp(q);
	ixgbe_wr(q->nd, IXGBE_EIMC_EX(x->vector / 32), 1u << (x->vector % 32));
}
