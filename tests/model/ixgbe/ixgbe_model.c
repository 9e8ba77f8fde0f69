/*
 * tests/model/ixgbe/ixgbe_model.c - the 82599 model (see ixgbe_model.h).
 *
 * Written from the 82599 datasheet: register semantics from chapter 8.2.3,
 * the initialization flows of 4.6, receive classification of 7.1.2 (Flow
 * Director 7.1.2.7, then RSS 7.1.2.8, then queue 0), advanced descriptors
 * of 7.1.6 and 7.2.3, interrupts of 7.3. It shares no code with the driver:
 * its Flow Director and Toeplitz hashes are literal transcriptions of the
 * datasheet's definitions, evaluated bit by bit.
 *
 * What it leaves out: DCB, virtualization, RSC, header split, VLAN
 * stripping, IPv6 classification, flow control, the PHY and SFP module
 * management, EEPROM contents beyond the MAC address, and real timing (the
 * clock advances 100 ns per register access plus whatever delay_us asks).
 */
#include "tests/model/ixgbe/ixgbe_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ixgbe/ixgbe_regs.h"

#define NREGS (0x20000 / 4)
#define NQ 128
#define ACCESS_NS 100

struct region {
	uint64_t phys;
	size_t len;
	uint8_t *mem;
};

struct fdir_filter {
	uint32_t sip, dip;
	uint16_t sport, dport, vlan, flex;
	uint8_t l4type, used, coll, drop;
	uint16_t sigidx; /* signature (signature mode) or software index (perfect) */
	uint16_t queue;
	int next;
};

struct txpkt {
	uint8_t *buf;
	size_t len;
	bool open;
	uint32_t olinfo; /* of the first data descriptor */
};

struct txctx {
	bool valid;
	uint32_t maclen, iplen, tucmd;
};

struct txframe {
	int q;
	size_t len;
	uint8_t *data;
};

struct ixm {
	struct ixm_config cfg;
	struct pika_pci_dev pci;
	uint32_t reg[NREGS];
	uint64_t now;
	bool in_reset;
	uint64_t reset_until, ard_at, dmaidone_at;
	/* errors */
	int nerr;
	bool has[IXM_E_MAX];
	char last[200];
	/* DMA */
	struct region *rg;
	int nrg, caprg;
	uint64_t next_phys;
	/* queues */
	uint64_t rq_en_at[NQ], tq_en_at[NQ];
	bool rq_req[NQ], tq_req[NQ];
	struct txpkt txp[NQ];
	struct txctx ctx[NQ][2];
	struct txframe *txf;
	int txf_head, txf_count, txf_cap;
	/* interrupts */
	uint64_t qcause, qmask, qfired;
	uint32_t misc_cause, misc_mask;
	bool misc_fired;
	uint64_t msix[IXGBE_MSIX_VECTORS];
	uint64_t next_ok[IXGBE_MSIX_VECTORS];
	/* link */
	bool phys_link, autoc_ok, link;
	/* flow director */
	bool fdir_pending;
	uint64_t fdir_done_at;
	bool fdir_ready;
	struct fdir_filter *ff;
	int ff_cap, ff_free, nfilters;
	int *bucket;
	int nbuckets;
	uint32_t u_add, u_rm, f_add, f_rm, fmatch, fmiss, maxlen;
	/* faults */
	uint32_t fault_err;
	int fault_len;
	const char *drop_reason;
	/* 64-bit octet counters behind GORCL/H, GOTCL/H */
	uint64_t gorc, gotc;
};

static const char *const err_names[IXM_E_MAX] = {
	[IXM_E_RESET_UNMASKED] = "reset with interrupts unmasked",
	[IXM_E_ACCESS_IN_RESET] = "register write during reset",
	[IXM_E_CFG_BEFORE_READY] = "configuration before EEPROM auto-read / DMA init done",
	[IXM_E_RXQ_CFG_ENABLED] = "receive queue configured while enabled",
	[IXM_E_TXQ_CFG_ENABLED] = "transmit queue configured while enabled",
	[IXM_E_RXQ_ENABLE_UNSET] = "receive queue enabled before its ring was set up",
	[IXM_E_TXQ_ENABLE_UNSET] = "transmit queue enabled before its ring was set up",
	[IXM_E_TXQ_ENABLE_BEFORE_TE] = "transmit queue enabled before DMATXCTL.TE",
	[IXM_E_RXEN_BEFORE_SETUP] = "receive unit enabled before any queue was set up",
	[IXM_E_RX_TAIL_BEFORE_ENABLE] = "RDT written before RXDCTL.ENABLE read back set",
	[IXM_E_TX_TAIL_BEFORE_ENABLE] = "TDT written before TXDCTL.ENABLE read back set",
	[IXM_E_HEAD_WRITE_ENABLED] = "head written while the queue is enabled",
	[IXM_E_TAIL_RANGE] = "tail beyond the ring",
	[IXM_E_MRQC_WHILE_RX] = "MRQC changed with the receive unit enabled",
	[IXM_E_FDIR_CFG_WITH_FILTERS] = "Flow Director configuration changed with filters present",
	[IXM_E_FDIR_CMD_BEFORE_INIT] = "FDIRCMD before FDIRCTRL.INIT_DONE",
	[IXM_E_DMA_UNMAPPED] = "DMA outside allocated memory",
	[IXM_E_BAD_TX_DESC] = "unusable transmit descriptor",
	[IXM_E_BAD_RX_DESC] = "unusable receive descriptor",
};

const char *ixm_err_name(enum ixm_err e)
{
	return e < IXM_E_MAX ? err_names[e] : "?";
}

static void err(struct ixm *m, enum ixm_err e, const char *fmt, ...)
{
	m->nerr++;
	m->has[e] = true;
	char tail[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(m->last, sizeof(m->last), "%s: %s", err_names[e], tail);
}

int ixm_error_count(const struct ixm *m) { return m->nerr; }
bool ixm_has_error(const struct ixm *m, enum ixm_err e) { return e < IXM_E_MAX && m->has[e]; }
const char *ixm_last_error(const struct ixm *m) { return m->nerr ? m->last : ""; }
void ixm_clear_errors(struct ixm *m)
{
	m->nerr = 0;
	memset(m->has, 0, sizeof(m->has));
	m->last[0] = 0;
}

#define R(m, off) ((m)->reg[(off) >> 2])

/* ------------------------------------------------------------ DMA */

static void *dma_alloc(void *ctx, size_t len, uint64_t *phys)
{
	struct ixm *m = ctx;
	size_t sz = (len + 4095) & ~(size_t)4095;
	if (sz == 0)
		sz = 4096;
	uint8_t *mem = aligned_alloc(4096, sz);
	if (!mem)
		return NULL;
	memset(mem, 0, sz);
	if (m->nrg == m->caprg) {
		m->caprg = m->caprg ? 2 * m->caprg : 64;
		m->rg = realloc(m->rg, (size_t)m->caprg * sizeof(*m->rg));
	}
	m->rg[m->nrg++] = (struct region){.phys = m->next_phys, .len = sz, .mem = mem};
	*phys = m->next_phys;
	m->next_phys += sz + 4096; /* a hole after every region catches overruns */
	return mem;
}

/* host address of [phys, phys + len), or NULL */
static uint8_t *dma(struct ixm *m, uint64_t phys, size_t len)
{
	int lo = 0, hi = m->nrg - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		struct region *r = &m->rg[mid];
		if (phys < r->phys)
			hi = mid - 1;
		else if (phys >= r->phys + r->len)
			lo = mid + 1;
		else
			return (phys + len <= r->phys + r->len) ? r->mem + (phys - r->phys) : NULL;
	}
	return NULL;
}

/* ------------------------------------------------------------ time, reset, link */

static void eval_irq(struct ixm *m);

static void fdir_build(struct ixm *m)
{
	uint32_t ctrl = R(m, IXGBE_FDIRCTRL);
	int pb = ctrl & IXGBE_FDIRCTRL_PBALLOC_MASK;
	bool perfect = ctrl & IXGBE_FDIRCTRL_PERFECT_MATCH;
	free(m->ff);
	free(m->bucket);
	m->ff = NULL;
	m->bucket = NULL;
	m->ff_cap = m->nfilters = m->nbuckets = 0;
	m->maxlen = 0;
	if (!pb)
		return;
	/* DS 7.1.2.7.5: 2K/4K/8K - 1 perfect filters on 11/12/13-bit buckets,
	 * 8K/16K/32K - 1 signature filters on 13/14/15-bit buckets */
	int bits = perfect ? 10 + pb : 12 + pb;
	m->ff_cap = perfect ? (1024 << pb) - 1 : (4096 << pb) - 1;
	m->nbuckets = 1 << bits;
	m->ff = calloc((size_t)m->ff_cap, sizeof(*m->ff));
	m->bucket = malloc((size_t)m->nbuckets * sizeof(int));
	for (int i = 0; i < m->nbuckets; i++)
		m->bucket[i] = -1;
	for (int i = 0; i < m->ff_cap; i++)
		m->ff[i].next = i + 1 < m->ff_cap ? i + 1 : -1;
	m->ff_free = 0;
}

static void tick(struct ixm *m)
{
	if (m->in_reset && m->now >= m->reset_until) {
		m->in_reset = false;
		R(m, IXGBE_CTRL) &= ~IXGBE_CTRL_RST_MASK;
	}
	for (int q = 0; q < NQ; q++) {
		if (m->rq_req[q] && m->now >= m->rq_en_at[q])
			R(m, IXGBE_RXDCTL(q)) |= IXGBE_RXDCTL_ENABLE;
		if (m->tq_req[q] && m->now >= m->tq_en_at[q])
			R(m, IXGBE_TXDCTL(q)) |= IXGBE_TXDCTL_ENABLE;
	}
	if (m->fdir_pending && m->now >= m->fdir_done_at) {
		m->fdir_pending = false;
		fdir_build(m);
		m->fdir_ready = true;
		R(m, IXGBE_FDIRCTRL) |= IXGBE_FDIRCTRL_INIT_DONE;
	}
}

static bool ready(const struct ixm *m)
{
	return !m->in_reset && m->now >= m->ard_at && m->now >= m->dmaidone_at;
}

static void link_eval(struct ixm *m)
{
	bool up = m->phys_link && m->autoc_ok;
	if (up != m->link) {
		m->link = up;
		m->misc_cause |= IXGBE_EICR_LSC; /* DS 7.3.1: link status change */
		eval_irq(m);
	}
}

/* DS 4.6.3.2 / 8.2.3.1.1: CTRL.RST resets the registers to their defaults */
static void do_reset(struct ixm *m)
{
	memset(m->reg, 0, sizeof(m->reg));
	R(m, IXGBE_CTRL) = IXGBE_CTRL_RST;
	R(m, IXGBE_EEC) = IXGBE_EEC_PRES;
	const uint8_t *a = m->cfg.mac;
	R(m, IXGBE_RAL(0)) = (uint32_t)a[0] | (uint32_t)a[1] << 8 | (uint32_t)a[2] << 16 | (uint32_t)a[3] << 24;
	R(m, IXGBE_RAH(0)) = (uint32_t)a[4] | (uint32_t)a[5] << 8 | IXGBE_RAH_AV;
	for (int q = 0; q < NQ; q++) {
		R(m, IXGBE_SRRCTL(q)) = 2 | 4u << IXGBE_SRRCTL_BSIZEHDR_SHIFT; /* 2 KB, legacy */
		m->rq_req[q] = m->tq_req[q] = false;
		m->txp[q].len = 0;
		m->txp[q].open = false;
		m->ctx[q][0].valid = m->ctx[q][1].valid = false;
	}
	R(m, IXGBE_HLREG0) = IXGBE_HLREG0_TXCRCEN | IXGBE_HLREG0_RXCRCSTRP | IXGBE_HLREG0_TXPADEN;
	R(m, IXGBE_MAXFRS) = 1518u << IXGBE_MAXFRS_MFS_SHIFT;
	R(m, IXGBE_RXPBSIZE(0)) = 512u << IXGBE_RXPBSIZE_SHIFT;
	m->qcause = m->qmask = m->qfired = 0;
	m->misc_cause = m->misc_mask = 0;
	m->misc_fired = false;
	memset(m->next_ok, 0, sizeof(m->next_ok));
	m->autoc_ok = false;
	m->link = false;
	m->fdir_pending = m->fdir_ready = false;
	free(m->ff);
	free(m->bucket);
	m->ff = NULL;
	m->bucket = NULL;
	m->ff_cap = m->nfilters = m->nbuckets = 0;
	m->u_add = m->u_rm = m->f_add = m->f_rm = m->fmatch = m->fmiss = m->maxlen = 0;
	m->gorc = m->gotc = 0;
	m->in_reset = true;
	m->reset_until = m->now + (uint64_t)m->cfg.reset_us * 1000;
	m->ard_at = m->reset_until + (uint64_t)m->cfg.eeprom_us * 1000;
	m->dmaidone_at = m->reset_until + (uint64_t)m->cfg.dma_init_us * 1000;
}

/* ------------------------------------------------------------ interrupts (DS 7.3) */

static uint32_t itr_ns(const struct ixm *m, int v)
{
	uint32_t e = R(m, IXGBE_EITR(v));
	return ((e & IXGBE_EITR_ITR_MASK) >> IXGBE_EITR_ITR_SHIFT) * IXGBE_EITR_UNIT_NS;
}

static bool auto_clear(const struct ixm *m, int v)
{
	/* EIAC bits 15:0 select auto-clear for vectors 0..15; the model treats
	 * vectors 16..63 as always auto-cleared in MSI-X mode */
	return v >= 16 || (R(m, IXGBE_EIAC) >> v & 1);
}

static bool auto_mask(const struct ixm *m, int v)
{
	if (!(R(m, IXGBE_GPIE) & IXGBE_GPIE_EIAME))
		return false;
	if (R(m, IXGBE_EIAM_EX(v / 32)) >> (v % 32) & 1)
		return true;
	return v < 16 && (R(m, IXGBE_EIAM) >> v & 1);
}

static void send_msix(struct ixm *m, int v)
{
	if (v >= 0 && v < IXGBE_MSIX_VECTORS && v < m->cfg.msix_count)
		m->msix[v]++;
}

static void eval_irq(struct ixm *m)
{
	if (!(R(m, IXGBE_GPIE) & IXGBE_GPIE_MSIX_MODE))
		return; /* the model only speaks MSI-X */
	uint64_t ready_v = m->qcause & m->qmask & ~m->qfired;
	for (int v = 0; ready_v && v < IXGBE_MSIX_VECTORS; v++) {
		uint64_t bit = 1ull << v;
		if (!(ready_v & bit))
			continue;
		ready_v &= ~bit;
		if (m->now < m->next_ok[v])
			continue; /* moderated: sent when the interval has passed */
		send_msix(m, v);
		m->next_ok[v] = m->now + itr_ns(m, v);
		if (auto_clear(m, v))
			m->qcause &= ~bit;
		else
			m->qfired |= bit;
		if (auto_mask(m, v))
			m->qmask &= ~bit;
	}
	uint32_t misc = m->misc_cause & m->misc_mask & 0x7FFF0000u;
	if (!misc) {
		m->misc_fired = false;
	} else if (!m->misc_fired) {
		uint32_t iv = R(m, IXGBE_IVAR_MISC) >> IXGBE_IVAR_MISC_OTHER_SHIFT;
		if (iv & IXGBE_IVAR_ALLOC_VAL) {
			send_msix(m, (int)(iv & IXGBE_IVAR_ALLOC_MASK));
			m->misc_fired = true;
		}
	}
}

static void queue_cause(struct ixm *m, int q, bool tx)
{
	uint32_t e = R(m, IXGBE_IVAR(q / 2)) >> IXGBE_IVAR_BYTE(q, tx) & 0xFF;
	if (!(e & IXGBE_IVAR_ALLOC_VAL))
		return;
	m->qcause |= 1ull << (e & IXGBE_IVAR_ALLOC_MASK);
	eval_irq(m);
}

/* ------------------------------------------------------------ register map helpers */

/* queue index of a per-queue register, or -1; *off gets the offset in the block */
static int rxq_of(uint32_t reg, uint32_t *off)
{
	if (reg >= 0x01000 && reg < 0x02000) {
		*off = (reg - 0x01000) % 0x40;
		return (int)((reg - 0x01000) / 0x40);
	}
	if (reg >= 0x0D000 && reg < 0x0E000) {
		*off = (reg - 0x0D000) % 0x40;
		return 64 + (int)((reg - 0x0D000) / 0x40);
	}
	return -1;
}

static int txq_of(uint32_t reg, uint32_t *off)
{
	if (reg >= 0x06000 && reg < 0x08000) {
		*off = (reg - 0x06000) % 0x40;
		return (int)((reg - 0x06000) / 0x40);
	}
	return -1;
}

static bool rxq_configured(const struct ixm *m, int q)
{
	uint32_t len = R(m, IXGBE_RDLEN(q)), srr = R(m, IXGBE_SRRCTL(q));
	return len && len % 128 == 0 && (R(m, IXGBE_RDBAL(q)) & 127) == 0 &&
	       (srr & IXGBE_SRRCTL_DESCTYPE_MASK) == IXGBE_SRRCTL_DESCTYPE_ADV_ONEBUF &&
	       (srr & IXGBE_SRRCTL_BSIZEPKT_MASK);
}

static bool txq_configured(const struct ixm *m, int q)
{
	uint32_t len = R(m, IXGBE_TDLEN(q));
	return len && len % 128 == 0 && (R(m, IXGBE_TDBAL(q)) & 127) == 0;
}

static int stat_index(const struct ixm *m, int q, bool tx)
{
	uint32_t v = R(m, tx ? IXGBE_TQSM(q / 4) : IXGBE_RQSMR(q / 4));
	return (int)(v >> (8 * (q % 4)) & 0xF);
}

/* ------------------------------------------------------------ Flow Director hash, literally */

/*
 * DS 7.1.2.7.15:
 *   For (i = 0 to 350) { if (Ext_K[i]) then Hash[15:0] = Hash[15:0] XOR Ext_S[15+i:i] }
 *   S[335:0]      the input bit string (42 bytes), masked
 *   Ext_S         S[14:0] | S[335:0] | S[335:321]      (concatenated)
 *   Tmp_K         K[31:0] concatenated 11 times (352 bits)
 *   Ext_K[350:0]  Tmp_K[351:1]
 * with byte 0 of the stream the most significant byte of S.
 */
uint16_t ixm_fdir_hash_ref(uint32_t key, const uint8_t stream[42])
{
	uint8_t S[336], ext_s[366], tmp_k[352], ext_k[351];
	for (int k = 0; k < 336; k++) /* S[335:328] = byte 0 ... S[7:0] = byte 41 */
		S[k] = (uint8_t)((stream[41 - k / 8] >> (k % 8)) & 1);
	/* concatenation, most significant part first: Ext_S[365:351] = S[14:0],
	 * Ext_S[350:15] = S[335:0], Ext_S[14:0] = S[335:321] */
	for (int j = 0; j < 15; j++)
		ext_s[j] = S[321 + j];
	for (int j = 0; j < 336; j++)
		ext_s[15 + j] = S[j];
	for (int j = 0; j < 15; j++)
		ext_s[351 + j] = S[j];
	for (int j = 0; j < 352; j++)
		tmp_k[j] = (uint8_t)((key >> (j % 32)) & 1);
	for (int i = 0; i < 351; i++)
		ext_k[i] = tmp_k[i + 1];
	uint16_t hash = 0;
	for (int i = 0; i <= 350; i++) {
		if (!ext_k[i])
			continue;
		uint16_t slice = 0;
		for (int b = 0; b < 16; b++)
			slice |= (uint16_t)(ext_s[i + b] << b);
		hash ^= slice;
	}
	return hash;
}

/* DS 7.1.2.7.15, "input bit stream for hash calculation" */
static void fdir_stream(uint8_t s[42], uint16_t vlan, uint32_t sip, uint32_t dip, uint16_t sport, uint16_t dport,
			uint16_t flex, uint8_t pool, uint8_t l4type)
{
	memset(s, 0, 42);
	s[0] = (uint8_t)(vlan >> 8), s[1] = (uint8_t)vlan;
	s[2] = (uint8_t)(sip >> 24), s[3] = (uint8_t)(sip >> 16), s[4] = (uint8_t)(sip >> 8), s[5] = (uint8_t)sip;
	s[18] = (uint8_t)(dip >> 24), s[19] = (uint8_t)(dip >> 16), s[20] = (uint8_t)(dip >> 8), s[21] = (uint8_t)dip;
	s[34] = (uint8_t)(sport >> 8), s[35] = (uint8_t)sport;
	s[36] = (uint8_t)(dport >> 8), s[37] = (uint8_t)dport;
	s[38] = (uint8_t)(flex >> 8), s[39] = (uint8_t)flex;
	s[40] = pool & 0x3F;
	s[41] = l4type & 3;
}

/* DS 7.1.2.8.1 ComputeHash */
uint32_t ixm_toeplitz_ref(const uint8_t key[40], const uint8_t *in, size_t len)
{
	uint32_t result = 0;
	uint8_t k[40];
	memcpy(k, key, 40);
	for (size_t i = 0; i < len; i++) {
		for (int b = 7; b >= 0; b--) {
			uint32_t left = (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
			if (in[i] >> b & 1)
				result ^= left;
			/* shift the 320-bit key left by one */
			for (int j = 0; j < 39; j++)
				k[j] = (uint8_t)(k[j] << 1 | k[j + 1] >> 7);
			k[39] = (uint8_t)(k[39] << 1);
		}
	}
	return result;
}

/* ------------------------------------------------------------ Flow Director commands (DS 7.1.2.7.6-12) */

static bool fdir_perfect(const struct ixm *m)
{
	return R(m, IXGBE_FDIRCTRL) & IXGBE_FDIRCTRL_PERFECT_MATCH;
}

static int coll_count(const struct ixm *m)
{
	int c = 0;
	for (int i = 0; i < m->ff_cap; i++)
		c += m->ff[i].used && m->ff[i].coll;
	return c;
}

static bool same_flow(const struct ixm *m, const struct fdir_filter *a, const struct fdir_filter *b)
{
	if (!fdir_perfect(m))
		return a->sigidx == b->sigidx;
	return a->sip == b->sip && a->dip == b->dip && a->sport == b->sport && a->dport == b->dport &&
	       a->l4type == b->l4type && a->vlan == b->vlan && a->flex == b->flex;
}

static void fdir_command(struct ixm *m, uint32_t cmd)
{
	uint32_t h = R(m, IXGBE_FDIRHASH);
	int b = (int)(h & IXGBE_FDIRHASH_HASH_MASK) & (m->nbuckets - 1);
	struct fdir_filter f = {0};
	f.sigidx = (uint16_t)(h >> IXGBE_FDIRHASH_SIG_SHIFT & IXGBE_FDIRHASH_SIG_MASK);
	f.l4type = (uint8_t)((cmd & IXGBE_FDIRCMD_L4TYPE_MASK) >> IXGBE_FDIRCMD_L4TYPE_SHIFT);
	f.queue = (uint16_t)((cmd & IXGBE_FDIRCMD_RX_QUEUE_MASK) >> IXGBE_FDIRCMD_RX_QUEUE_SHIFT);
	f.drop = (cmd & IXGBE_FDIRCMD_DROP) != 0;
	if (fdir_perfect(m)) {
		f.sip = R(m, IXGBE_FDIRIPSA);
		f.dip = R(m, IXGBE_FDIRIPDA);
		f.sport = (uint16_t)R(m, IXGBE_FDIRPORT);
		f.dport = (uint16_t)(R(m, IXGBE_FDIRPORT) >> 16);
		f.vlan = (uint16_t)R(m, IXGBE_FDIRVLAN);
		f.flex = (uint16_t)(R(m, IXGBE_FDIRVLAN) >> 16);
	}
	/* find in the bucket: by flow ID for add, by hash + signature/index otherwise */
	int prev = -1, cur = m->bucket[b], pos = 0;
	uint32_t op = cmd & IXGBE_FDIRCMD_CMD_MASK;
	while (cur >= 0) {
		struct fdir_filter *e = &m->ff[cur];
		bool hit = op == IXGBE_FDIRCMD_CMD_ADD ? same_flow(m, e, &f) : e->sigidx == f.sigidx;
		if (hit)
			break;
		prev = cur;
		cur = e->next;
		pos++;
	}
	uint32_t keep = cmd & ~(IXGBE_FDIRCMD_CMD_MASK | IXGBE_FDIRCMD_FILTER_VALID);
	switch (op) {
	case IXGBE_FDIRCMD_CMD_ADD:
		if (cur >= 0) {
			struct fdir_filter *e = &m->ff[cur];
			bool same_action = e->queue == f.queue && e->drop == f.drop &&
					   (!fdir_perfect(m) || e->sigidx == f.sigidx);
			if (cmd & IXGBE_FDIRCMD_FILTER_UPDATE) {
				e->queue = f.queue;
				e->drop = f.drop;
				e->sigidx = f.sigidx;
			} else if (!same_action) {
				e->coll = 1; /* keep the old action, flag the collision */
			}
			break;
		}
		if (m->ff_free < 0) {
			m->f_add++; /* no space: FDIRFSTAT.FADD, flow director interrupt */
			m->misc_cause |= IXGBE_EICR_FLOW_DIR;
			eval_irq(m);
			break;
		}
		int idx = m->ff_free;
		m->ff_free = m->ff[idx].next;
		f.used = 1;
		f.next = -1;
		m->ff[idx] = f;
		if (prev >= 0)
			m->ff[prev].next = idx;
		else
			m->bucket[b] = idx;
		m->nfilters++;
		m->u_add++;
		if ((uint32_t)pos + 1 > m->maxlen)
			m->maxlen = (uint32_t)pos + 1;
		break;
	case IXGBE_FDIRCMD_CMD_REMOVE:
		if (cur < 0) {
			m->f_rm++;
			break;
		}
		if (prev >= 0)
			m->ff[prev].next = m->ff[cur].next;
		else
			m->bucket[b] = m->ff[cur].next;
		m->ff[cur].used = 0;
		m->ff[cur].next = m->ff_free;
		m->ff_free = cur;
		m->nfilters--;
		m->u_rm++;
		break;
	case IXGBE_FDIRCMD_CMD_QUERY: {
		uint32_t hv = h & ~IXGBE_FDIRHASH_VALID;
		if (m->bucket[b] >= 0)
			hv |= IXGBE_FDIRHASH_VALID;
		R(m, IXGBE_FDIRHASH) = hv;
		if (cur >= 0) {
			struct fdir_filter *e = &m->ff[cur];
			keep = IXGBE_FDIRCMD_FILTER_VALID | (uint32_t)e->l4type << IXGBE_FDIRCMD_L4TYPE_SHIFT |
			       (uint32_t)e->queue << IXGBE_FDIRCMD_RX_QUEUE_SHIFT | IXGBE_FDIRCMD_QUEUE_EN |
			       (e->drop ? IXGBE_FDIRCMD_DROP : 0) | (e->coll ? IXGBE_FDIRCMD_COLLISION : 0);
			R(m, IXGBE_FDIRLEN) = (uint32_t)pos;
		} else {
			keep = 0;
			R(m, IXGBE_FDIRLEN) = (uint32_t)pos;
		}
		break;
	}
	default:
		break;
	}
	R(m, IXGBE_FDIRCMD) = keep; /* CMD reads 0: done */
}

/* ------------------------------------------------------------ transmit (DS 7.2) */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static void tx_record(struct ixm *m, int q, const uint8_t *data, size_t len)
{
	if (m->txf_count == m->txf_cap) {
		int ncap = m->txf_cap ? 2 * m->txf_cap : 256;
		struct txframe *n = calloc((size_t)ncap, sizeof(*n));
		for (int i = 0; i < m->txf_count; i++)
			n[i] = m->txf[(m->txf_head + i) % m->txf_cap];
		free(m->txf);
		m->txf = n;
		m->txf_head = 0;
		m->txf_cap = ncap;
	}
	struct txframe *f = &m->txf[(m->txf_head + m->txf_count) % m->txf_cap];
	f->q = q;
	f->len = len;
	f->data = malloc(len);
	memcpy(f->data, data, len);
	m->txf_count++;
	R(m, IXGBE_GPTC)++;
	R(m, IXGBE_TPT)++;
	R(m, IXGBE_QPTC(stat_index(m, q, true)))++;
	m->gotc += len;
}

/* finish a packet: checksum insertion as the context says (DS 7.2.4, 7.2.5) */
static void tx_finish(struct ixm *m, int q, struct txpkt *p)
{
	uint32_t ol = p->olinfo;
	size_t len = p->len;
	uint8_t *f = p->buf;
	if ((ol >> IXGBE_TXD_PAYLEN_SHIFT) != len) {
		err(m, IXM_E_BAD_TX_DESC, "queue %d: PAYLEN %u, packet %zu bytes", q, ol >> IXGBE_TXD_PAYLEN_SHIFT, len);
		return;
	}
	if (ol & (IXGBE_TXD_POPTS_TXSM | IXGBE_TXD_POPTS_IXSM)) {
		struct txctx *c = &m->ctx[q][(ol >> IXGBE_TXD_IDX_SHIFT) & 1];
		if (!c->valid) {
			err(m, IXM_E_BAD_TX_DESC, "queue %d: checksum offload without a context", q);
			return;
		}
		if (ol & IXGBE_TXD_POPTS_IXSM) {
			if (!(c->tucmd & IXGBE_TXCTX_TUCMD_IPV4) || c->maclen + c->iplen > len) {
				err(m, IXM_E_BAD_TX_DESC, "queue %d: IPv4 checksum on a non-IPv4 context", q);
				return;
			}
			uint8_t *ip = f + c->maclen;
			ip[10] = ip[11] = 0;
			uint16_t s = (uint16_t)~csum_fold(csum_add(0, ip, c->iplen));
			ip[10] = (uint8_t)(s >> 8), ip[11] = (uint8_t)s;
		}
		if (ol & IXGBE_TXD_POPTS_TXSM) {
			size_t l4 = c->maclen + c->iplen;
			bool tcp = (c->tucmd & IXGBE_TXCTX_TUCMD_L4T_MASK) == IXGBE_TXCTX_TUCMD_L4T_TCP;
			size_t field = l4 + (tcp ? 16 : 6);
			if (field + 2 > len) {
				err(m, IXM_E_BAD_TX_DESC, "queue %d: L4 header past the packet", q);
				return;
			}
			/* the field holds the pseudo-header sum (DS 7.2.5.1) */
			uint16_t s = (uint16_t)~csum_fold(csum_add(0, f + l4, len - l4));
			if (!tcp && s == 0)
				s = 0xFFFF;
			f[field] = (uint8_t)(s >> 8), f[field + 1] = (uint8_t)s;
		}
	}
	tx_record(m, q, f, len);
}

static void tx_process(struct ixm *m, int q)
{
	uint32_t n = R(m, IXGBE_TDLEN(q)) / 16;
	uint64_t base = (uint64_t)R(m, IXGBE_TDBAH(q)) << 32 | R(m, IXGBE_TDBAL(q));
	union ixgbe_tx_desc *ring = (union ixgbe_tx_desc *)dma(m, base, (size_t)n * 16);
	if (!ring) {
		err(m, IXM_E_DMA_UNMAPPED, "TX ring %d at %#llx", q, (unsigned long long)base);
		return;
	}
	uint32_t head = R(m, IXGBE_TDH(q)), tail = R(m, IXGBE_TDT(q));
	struct txpkt *p = &m->txp[q];
	if (!p->buf)
		p->buf = malloc(65536);
	bool wrote_back = false;
	while (head != tail) {
		union ixgbe_tx_desc *d = &ring[head];
		uint32_t ctl = d->read.cmd_type_len;
		uint32_t dtyp = ctl & IXGBE_TXD_DTYP_MASK;
		if (!(ctl & IXGBE_TXD_CMD_DEXT)) {
			err(m, IXM_E_BAD_TX_DESC, "queue %d desc %u: legacy descriptor", q, head);
		} else if (dtyp == IXGBE_TXD_DTYP_CTXT) {
			struct ixgbe_tx_ctx_desc *c = (struct ixgbe_tx_ctx_desc *)d;
			struct txctx *x = &m->ctx[q][(c->mss_l4len_idx >> IXGBE_TXD_IDX_SHIFT) & 1];
			x->valid = true;
			x->iplen = c->vlan_macip_lens & IXGBE_TXCTX_IPLEN_MASK;
			x->maclen = (c->vlan_macip_lens & IXGBE_TXCTX_MACLEN_MASK) >> IXGBE_TXCTX_MACLEN_SHIFT;
			x->tucmd = c->type_tucmd_mlhl;
		} else if (dtyp == IXGBE_TXD_DTYP_DATA) {
			uint32_t blen = ctl & IXGBE_TXD_DTALEN_MASK;
			const uint8_t *src = dma(m, d->read.buffer_addr, blen);
			if (!blen || !src || p->len + blen > 65536) {
				err(m, blen ? IXM_E_DMA_UNMAPPED : IXM_E_BAD_TX_DESC, "queue %d desc %u: buffer %#llx+%u",
				    q, head, (unsigned long long)d->read.buffer_addr, blen);
				p->len = 0;
				p->open = false;
			} else {
				if (!p->open) {
					p->open = true;
					p->olinfo = d->read.olinfo_status;
					p->len = 0;
				}
				memcpy(p->buf + p->len, src, blen);
				p->len += blen;
				if (ctl & IXGBE_TXD_CMD_EOP) {
					tx_finish(m, q, p);
					p->open = false;
					p->len = 0;
				}
			}
			if (ctl & IXGBE_TXD_CMD_RS) {
				/* DS 7.2.3.2.4 write-back: DD in STA, the rest reserved */
				d->wb.rsvd = 0;
				d->wb.nxtseq_seed = 0;
				d->wb.status = IXGBE_TXD_STAT_DD;
				wrote_back = true;
			}
		} else {
			err(m, IXM_E_BAD_TX_DESC, "queue %d desc %u: DTYP %u", q, head, dtyp >> 20);
		}
		head = (head + 1) % n;
	}
	R(m, IXGBE_TDH(q)) = head;
	if (wrote_back)
		queue_cause(m, q, true);
}

/* ------------------------------------------------------------ register access */

static uint32_t mrd(void *ctx, uint32_t reg)
{
	struct ixm *m = ctx;
	m->now += ACCESS_NS;
	tick(m);
	eval_irq(m);
	if (reg >= 0x20000 || (reg & 3))
		return 0xFFFFFFFFu;
	uint32_t v;
	switch (reg) {
	case IXGBE_STATUS:
		v = (m->link ? IXGBE_STATUS_LINK_UP : 0) |
		    ((R(m, IXGBE_CTRL) & IXGBE_CTRL_PCIE_MASTER_DISABLE) ? 0 : IXGBE_STATUS_MASTER_EN);
		return v;
	case IXGBE_EEC:
		return R(m, reg) | (!m->in_reset && m->now >= m->ard_at ? IXGBE_EEC_ARD : 0);
	case IXGBE_RDRXCTL:
		return R(m, reg) | (!m->in_reset && m->now >= m->dmaidone_at ? IXGBE_RDRXCTL_DMAIDONE : 0);
	case IXGBE_EICR:
		return (uint32_t)(m->qcause & 0xFFFF) | m->misc_cause;
	case IXGBE_EIMS:
		return (uint32_t)(m->qmask & 0xFFFF) | m->misc_mask;
	case IXGBE_EIMS_EX(0):
	case IXGBE_EIMS_EX(1):
		return (uint32_t)(m->qmask >> (32 * ((reg - IXGBE_EIMS_EX(0)) / 4)));
	case IXGBE_LINKS:
		return m->link ? IXGBE_LINKS_UP | IXGBE_LINKS_SPEED_10G : 0;
	case IXGBE_FDIRFREE: {
		uint32_t free_n = m->fdir_ready ? (uint32_t)(m->ff_cap - m->nfilters) : 0;
		return free_n | (uint32_t)coll_count(m) << IXGBE_FDIRFREE_COLL_SHIFT;
	}
	case IXGBE_FDIRLEN:
		return R(m, reg) | 0;
	case IXGBE_FDIRUSTAT:
		v = (m->u_add & 0xFFFF) | (m->u_rm & 0xFFFF) << 16;
		m->u_add = m->u_rm = 0;
		return v;
	case IXGBE_FDIRFSTAT:
		v = (m->f_add & 0xFF) | (m->f_rm & 0xFF) << 8;
		m->f_add = m->f_rm = 0;
		return v;
	case IXGBE_FDIRMATCH:
		v = m->fmatch, m->fmatch = 0;
		return v;
	case IXGBE_FDIRMISS:
		v = m->fmiss, m->fmiss = 0;
		return v;
	case IXGBE_GORCL:
		return (uint32_t)m->gorc;
	case IXGBE_GORCH:
		v = (uint32_t)(m->gorc >> 32), m->gorc = 0;
		return v;
	case IXGBE_GOTCL:
		return (uint32_t)m->gotc;
	case IXGBE_GOTCH:
		v = (uint32_t)(m->gotc >> 32), m->gotc = 0;
		return v;
	case IXGBE_CRCERRS: case IXGBE_RLEC: case IXGBE_GPRC: case IXGBE_GPTC:
	case IXGBE_RUC: case IXGBE_ROC: case IXGBE_TPR: case IXGBE_TPT:
		v = R(m, reg), R(m, reg) = 0; /* DS 8.2.3.23: clear on read */
		return v;
	default:
		break;
	}
	if ((reg >= IXGBE_MPC(0) && reg <= IXGBE_MPC(7)) ||
	    (reg >= IXGBE_QPTC(0) && reg <= IXGBE_QPTC(15))) {
		v = R(m, reg), R(m, reg) = 0;
		return v;
	}
	/* QPRC(n) = RX block n offset 0x30, QPRDC(n) = RX block 16 + n offset 0x30 */
	uint32_t off;
	int q = rxq_of(reg, &off);
	if (q >= 0 && q < 2 * IXGBE_QSTAT_INDEXES && off == 0x30) {
		v = R(m, reg), R(m, reg) = 0;
		return v;
	}
	return R(m, reg);
}

static bool is_fdir_cfg(uint32_t reg)
{
	return reg == IXGBE_FDIRM || reg == IXGBE_FDIRSIP4M || reg == IXGBE_FDIRDIP4M || reg == IXGBE_FDIRTCPM ||
	       reg == IXGBE_FDIRUDPM || reg == IXGBE_FDIRIP6M || reg == IXGBE_FDIRHKEY || reg == IXGBE_FDIRSKEY ||
	       reg == IXGBE_FDIRCTRL;
}

static bool any_rxq_configured(const struct ixm *m)
{
	for (int q = 0; q < NQ; q++)
		if (rxq_configured(m, q))
			return true;
	return false;
}

static void wr_rxq(struct ixm *m, int q, uint32_t off, uint32_t reg, uint32_t v)
{
	bool en_req = m->rq_req[q];
	bool en_now = R(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE;
	switch (off) {
	case 0x00: case 0x04: case 0x08: case 0x14: /* RDBAL RDBAH RDLEN SRRCTL */
		if (en_req)
			err(m, IXM_E_RXQ_CFG_ENABLED, "queue %d register %#x", q, reg);
		R(m, reg) = v;
		return;
	case 0x10: /* RDH */
		if (en_req)
			err(m, IXM_E_HEAD_WRITE_ENABLED, "RDH(%d)", q);
		R(m, reg) = v;
		return;
	case 0x18: /* RDT */
		if (!en_now)
			err(m, IXM_E_RX_TAIL_BEFORE_ENABLE, "RDT(%d) = %u", q, v);
		if (R(m, IXGBE_RDLEN(q)) && v >= R(m, IXGBE_RDLEN(q)) / 16)
			err(m, IXM_E_TAIL_RANGE, "RDT(%d) = %u", q, v);
		R(m, reg) = v;
		return;
	case 0x28: /* RXDCTL */
		if ((v & IXGBE_RXDCTL_ENABLE) && !en_req) {
			if (!rxq_configured(m, q))
				err(m, IXM_E_RXQ_ENABLE_UNSET, "RXDCTL(%d)", q);
			m->rq_req[q] = true;
			m->rq_en_at[q] = m->now + (uint64_t)m->cfg.enable_us * 1000;
			R(m, reg) = (v & ~IXGBE_RXDCTL_ENABLE) | (en_now ? IXGBE_RXDCTL_ENABLE : 0);
		} else if (!(v & IXGBE_RXDCTL_ENABLE)) {
			m->rq_req[q] = false;
			R(m, reg) = v;
		} else {
			R(m, reg) = (v & ~IXGBE_RXDCTL_ENABLE) | (R(m, reg) & IXGBE_RXDCTL_ENABLE);
		}
		return;
	default:
		R(m, reg) = v;
	}
}

static void wr_txq(struct ixm *m, int q, uint32_t off, uint32_t reg, uint32_t v)
{
	bool en_req = m->tq_req[q];
	bool en_now = R(m, IXGBE_TXDCTL(q)) & IXGBE_TXDCTL_ENABLE;
	switch (off) {
	case 0x00: case 0x04: case 0x08:
		if (en_req)
			err(m, IXM_E_TXQ_CFG_ENABLED, "queue %d register %#x", q, reg);
		R(m, reg) = v;
		return;
	case 0x10:
		if (en_req)
			err(m, IXM_E_HEAD_WRITE_ENABLED, "TDH(%d)", q);
		R(m, reg) = v;
		return;
	case 0x18:
		if (!en_now) {
			err(m, IXM_E_TX_TAIL_BEFORE_ENABLE, "TDT(%d) = %u", q, v);
			R(m, reg) = v;
			return;
		}
		if (v >= R(m, IXGBE_TDLEN(q)) / 16) {
			err(m, IXM_E_TAIL_RANGE, "TDT(%d) = %u", q, v);
			return;
		}
		R(m, reg) = v;
		tx_process(m, q);
		return;
	case 0x28:
		if ((v & IXGBE_TXDCTL_ENABLE) && !en_req) {
			if (!(R(m, IXGBE_DMATXCTL) & IXGBE_DMATXCTL_TE))
				err(m, IXM_E_TXQ_ENABLE_BEFORE_TE, "TXDCTL(%d)", q);
			if (!txq_configured(m, q))
				err(m, IXM_E_TXQ_ENABLE_UNSET, "TXDCTL(%d)", q);
			m->tq_req[q] = true;
			m->tq_en_at[q] = m->now + (uint64_t)m->cfg.enable_us * 1000;
			R(m, reg) = (v & ~IXGBE_TXDCTL_ENABLE) | (en_now ? IXGBE_TXDCTL_ENABLE : 0);
		} else if (!(v & IXGBE_TXDCTL_ENABLE)) {
			m->tq_req[q] = false;
			R(m, reg) = v;
		} else {
			R(m, reg) = (v & ~IXGBE_TXDCTL_ENABLE) | (R(m, reg) & IXGBE_TXDCTL_ENABLE);
		}
		return;
	default:
		R(m, reg) = v;
	}
}

static void mwr(void *ctx, uint32_t reg, uint32_t v)
{
	struct ixm *m = ctx;
	m->now += ACCESS_NS;
	tick(m);
	if (reg >= 0x20000 || (reg & 3))
		return;
	if (m->in_reset) {
		err(m, IXM_E_ACCESS_IN_RESET, "register %#x", reg);
		return;
	}
	bool early_ok = reg == IXGBE_CTRL || reg == IXGBE_EIMC || reg == IXGBE_EIMC_EX(0) ||
			reg == IXGBE_EIMC_EX(1) || reg == IXGBE_CTRL_EXT || reg == IXGBE_EICR;
	if (!early_ok && !ready(m))
		err(m, IXM_E_CFG_BEFORE_READY, "register %#x", reg);

	uint32_t off;
	int q;
	if ((q = rxq_of(reg, &off)) >= 0 && off != 0x30 && off != 0x34 && off != 0x38) {
		wr_rxq(m, q, off, reg, v);
		return;
	}
	if ((q = txq_of(reg, &off)) >= 0) {
		wr_txq(m, q, off, reg, v);
		return;
	}
	if (is_fdir_cfg(reg) && m->nfilters > 0)
		err(m, IXM_E_FDIR_CFG_WITH_FILTERS, "register %#x with %d filters", reg, m->nfilters);

	switch (reg) {
	case IXGBE_CTRL:
		if (v & IXGBE_CTRL_RST) {
			if (m->qmask || m->misc_mask)
				err(m, IXM_E_RESET_UNMASKED, "EIMS %#x", (unsigned)(m->qmask | m->misc_mask));
			do_reset(m);
			return;
		}
		R(m, reg) = v;
		return;
	case IXGBE_EICR:
		m->qcause &= ~(uint64_t)(v & 0xFFFF);
		m->qfired &= ~(uint64_t)(v & 0xFFFF);
		m->misc_cause &= ~(v & 0xFFFF0000u);
		eval_irq(m);
		return;
	case IXGBE_EICS:
		m->qcause |= v & 0xFFFF;
		m->misc_cause |= v & 0x7FFF0000u;
		eval_irq(m);
		return;
	case IXGBE_EIMS:
		m->qmask |= v & 0xFFFF;
		m->misc_mask |= v & 0x7FFF0000u;
		eval_irq(m);
		return;
	case IXGBE_EIMC:
		m->qmask &= ~(uint64_t)(v & 0xFFFF);
		m->misc_mask &= ~(v & 0x7FFF0000u);
		return;
	case IXGBE_EIMS_EX(0): case IXGBE_EIMS_EX(1):
		m->qmask |= (uint64_t)v << (32 * ((reg - IXGBE_EIMS_EX(0)) / 4));
		eval_irq(m);
		return;
	case IXGBE_EIMC_EX(0): case IXGBE_EIMC_EX(1):
		m->qmask &= ~((uint64_t)v << (32 * ((reg - IXGBE_EIMC_EX(0)) / 4)));
		return;
	case IXGBE_EICS_EX(0): case IXGBE_EICS_EX(1):
		m->qcause |= (uint64_t)v << (32 * ((reg - IXGBE_EICS_EX(0)) / 4));
		eval_irq(m);
		return;
	case IXGBE_RXCTRL:
		if ((v & IXGBE_RXCTRL_RXEN) && !(R(m, reg) & IXGBE_RXCTRL_RXEN) && !any_rxq_configured(m))
			err(m, IXM_E_RXEN_BEFORE_SETUP, "RXCTRL = %#x", v);
		R(m, reg) = v;
		return;
	case IXGBE_MRQC:
		if ((R(m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN) && v != R(m, reg))
			err(m, IXM_E_MRQC_WHILE_RX, "MRQC %#x -> %#x", R(m, reg), v);
		R(m, reg) = v;
		return;
	case IXGBE_AUTOC: {
		R(m, reg) = v & ~IXGBE_AUTOC_RESTART_AN; /* self-clearing */
		if (v & IXGBE_AUTOC_RESTART_AN) {
			uint32_t lms = v & IXGBE_AUTOC_LMS_MASK;
			uint16_t id = m->cfg.device_id;
			bool sfp = id == IXGBE_DEV_82599_SFP || id == IXGBE_DEV_82599EN_SFP ||
				   id == IXGBE_DEV_82599_SFP_EM || id == IXGBE_DEV_82599_SFP_SF2 ||
				   id == IXGBE_DEV_82599_SFP_FCOE;
			bool kx4 = id == IXGBE_DEV_82599_KX4 || id == IXGBE_DEV_82599_CX4 ||
				   id == IXGBE_DEV_82599_KX4_MEZZ;
			m->autoc_ok = (sfp && lms == IXGBE_AUTOC_LMS_10G_SERIAL) ||
				      (kx4 && lms == IXGBE_AUTOC_LMS_10G_LINK_NO_AN) ||
				      (!sfp && !kx4 && lms == IXGBE_AUTOC_LMS_KX4_KX_KR);
			link_eval(m);
		}
		return;
	}
	case IXGBE_FDIRCTRL:
		R(m, reg) = v & ~IXGBE_FDIRCTRL_INIT_DONE;
		m->fdir_ready = false;
		m->fdir_pending = true;
		m->fdir_done_at = m->now + (uint64_t)m->cfg.fdir_init_us * 1000;
		return;
	case IXGBE_FDIRCMD:
		if (v & IXGBE_FDIRCMD_CLEARHT) {
			for (int i = 0; i < m->nbuckets; i++)
				m->bucket[i] = -1;
			for (int i = 0; i < m->ff_cap; i++) {
				m->ff[i].used = 0;
				m->ff[i].next = i + 1 < m->ff_cap ? i + 1 : -1;
			}
			m->ff_free = m->ff_cap ? 0 : -1;
			m->nfilters = 0;
			m->maxlen = 0;
		}
		if (v & IXGBE_FDIRCMD_CMD_MASK) {
			if (!m->fdir_ready) {
				err(m, IXM_E_FDIR_CMD_BEFORE_INIT, "FDIRCMD = %#x", v);
				R(m, reg) = v & ~IXGBE_FDIRCMD_CMD_MASK;
				return;
			}
			fdir_command(m, v);
			return;
		}
		R(m, reg) = v;
		return;
	case IXGBE_FDIRFREE:
		return; /* counts are the model's; software clearing FREE is harmless */
	default:
		R(m, reg) = v;
	}
}

/* ------------------------------------------------------------ receive (DS 7.1) */

struct pkt {
	bool ipv4, tcp, udp, frag, ip_ok, l4_checked, l4_ok;
	uint32_t sip, dip;
	uint16_t sport, dport;
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void parse(const uint8_t *f, size_t len, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	size_t l3 = 14;
	uint16_t et = be16(f + 12);
	if (et == 0x8100 && len >= 18) {
		l3 = 18;
		et = be16(f + 16);
	}
	if (et != 0x0800 || len < l3 + 20)
		return;
	const uint8_t *ip = f + l3;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || len < l3 + ihl)
		return;
	p->ipv4 = true;
	p->ip_ok = csum_fold(csum_add(0, ip, ihl)) == 0xFFFF;
	p->sip = be32(ip + 12);
	p->dip = be32(ip + 16);
	p->frag = (be16(ip + 6) & 0x3FFF) != 0;
	size_t tot = be16(ip + 2);
	if (tot < ihl || l3 + tot > len)
		return;
	size_t l4 = l3 + ihl, l4len = tot - ihl;
	if (p->frag)
		return;
	uint32_t ps = (p->sip >> 16) + (p->sip & 0xFFFF) + (p->dip >> 16) + (p->dip & 0xFFFF) + ip[9] +
		      (uint32_t)l4len;
	if (ip[9] == 6 && l4len >= 20) {
		p->tcp = true;
		p->sport = be16(f + l4);
		p->dport = be16(f + l4 + 2);
		p->l4_checked = true;
		p->l4_ok = csum_fold(csum_add(ps, f + l4, l4len)) == 0xFFFF;
	} else if (ip[9] == 17 && l4len >= 8) {
		p->udp = true;
		p->sport = be16(f + l4);
		p->dport = be16(f + l4 + 2);
		if (be16(f + l4 + 6) != 0) {
			p->l4_checked = true;
			p->l4_ok = csum_fold(csum_add(ps, f + l4, l4len)) == 0xFFFF;
		}
	}
}

/* DS 7.1.2.7: Flow Director lookup; returns the queue or -1 (miss) */
static int fdir_lookup(struct ixm *m, const uint8_t *f, size_t len, const struct pkt *p, uint32_t *st, uint32_t *er)
{
	uint32_t ctrl = R(m, IXGBE_FDIRCTRL);
	if (!m->fdir_ready || !(ctrl & IXGBE_FDIRCTRL_PBALLOC_MASK) || !p->ipv4 || p->frag || !(p->tcp || p->udp))
		return -1;
	if (m->nfilters == 0) {
		m->fmiss++;
		return -1;
	}
	uint32_t fm = R(m, IXGBE_FDIRM);
	uint32_t pm = R(m, p->tcp ? IXGBE_FDIRTCPM : IXGBE_FDIRUDPM);
	struct fdir_filter k = {0};
	k.sip = p->sip & ~R(m, IXGBE_FDIRSIP4M);
	k.dip = p->dip & ~R(m, IXGBE_FDIRDIP4M);
	k.sport = p->sport & (uint16_t)~pm;
	k.dport = p->dport & (uint16_t)~(pm >> 16);
	k.l4type = (fm & IXGBE_FDIRM_L4P) ? 0 : (p->tcp ? 2 : 1);
	k.vlan = 0; /* the model receives untagged frames only */
	if (!(fm & IXGBE_FDIRM_FLEX)) {
		size_t fo = 2 * ((ctrl >> IXGBE_FDIRCTRL_FLEX_SHIFT) & 0x1F);
		k.flex = fo + 2 <= len ? be16(f + fo) : 0;
	}
	uint8_t s[42];
	fdir_stream(s, k.vlan, k.sip, k.dip, k.sport, k.dport, k.flex, 0, k.l4type);
	int b = ixm_fdir_hash_ref(R(m, IXGBE_FDIRHKEY), s) & (m->nbuckets - 1);
	bool perfect = fdir_perfect(m);
	if (!perfect)
		k.sigidx = ixm_fdir_hash_ref(R(m, IXGBE_FDIRSKEY), s) & IXGBE_FDIRHASH_SIG_MASK;
	int pos = 0;
	for (int i = m->bucket[b]; i >= 0; i = m->ff[i].next, pos++) {
		struct fdir_filter *e = &m->ff[i];
		if (!same_flow(m, e, &k))
			continue;
		m->fmatch++;
		*st |= IXGBE_RXD_STAT_FLM;
		if (e->coll)
			*er |= IXGBE_RXD_ERR_FDIR_COLL;
		if (pos >= (int)((ctrl >> IXGBE_FDIRCTRL_MAX_LENGTH_SHIFT) & 0xF))
			*er |= IXGBE_RXD_ERR_FDIR_LEN;
		if (e->drop) {
			*er |= IXGBE_RXD_ERR_FDIR_DROP;
			return (int)((ctrl >> IXGBE_FDIRCTRL_DROP_Q_SHIFT) & 0x7F);
		}
		return e->queue;
	}
	m->fmiss++;
	return -1;
}

static bool addr_ok(const struct ixm *m, const uint8_t *f)
{
	uint32_t fctrl = R(m, IXGBE_FCTRL);
	bool bcast = true;
	for (int i = 0; i < 6; i++)
		bcast = bcast && f[i] == 0xFF;
	if (bcast)
		return fctrl & IXGBE_FCTRL_BAM;
	if (f[0] & 1)
		return fctrl & IXGBE_FCTRL_MPE;
	if (fctrl & IXGBE_FCTRL_UPE)
		return true;
	uint32_t lo = R(m, IXGBE_RAL(0)), hi = R(m, IXGBE_RAH(0));
	if (!(hi & IXGBE_RAH_AV))
		return false;
	uint8_t a[6] = {(uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16), (uint8_t)(lo >> 24), (uint8_t)hi,
			(uint8_t)(hi >> 8)};
	return memcmp(a, f, 6) == 0;
}

static int drop(struct ixm *m, const char *why)
{
	m->drop_reason = why;
	return -1;
}

int ixm_rx_frame(struct ixm *m, const void *frame, size_t len)
{
	const uint8_t *f = frame;
	m->now += 1000;
	tick(m);
	m->drop_reason = NULL;
	if (!m->link)
		return drop(m, "link down");
	if (!(R(m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN))
		return drop(m, "receive unit off");
	if (len < 60) {
		R(m, IXGBE_RUC)++;
		return drop(m, "undersize");
	}
	size_t maxlen = (R(m, IXGBE_MAXFRS) >> IXGBE_MAXFRS_MFS_SHIFT) - 4;
	if (!(R(m, IXGBE_HLREG0) & IXGBE_HLREG0_JUMBOEN) && len > maxlen) {
		R(m, IXGBE_ROC)++;
		return drop(m, "oversize");
	}
	if (!addr_ok(m, f))
		return drop(m, "address filter");
	R(m, IXGBE_TPR)++;

	struct pkt p;
	parse(f, len, &p);
	uint32_t st = 0, er = 0, rsstype = 0, hash = 0, ptype = 0;
	/* classification (DS 7.1.2): Flow Director, then RSS, then queue 0 */
	int q = fdir_lookup(m, f, len, &p, &st, &er);
	uint32_t mrqc = R(m, IXGBE_MRQC);
	if ((mrqc & IXGBE_MRQC_MRQE_MASK) == IXGBE_MRQC_MRQE_RSS && p.ipv4) {
		uint8_t in[12];
		for (int i = 0; i < 4; i++) {
			in[i] = (uint8_t)(p.sip >> (24 - 8 * i));
			in[4 + i] = (uint8_t)(p.dip >> (24 - 8 * i));
		}
		in[8] = (uint8_t)(p.sport >> 8), in[9] = (uint8_t)p.sport;
		in[10] = (uint8_t)(p.dport >> 8), in[11] = (uint8_t)p.dport;
		uint8_t key[40];
		for (int i = 0; i < 10; i++)
			for (int k = 0; k < 4; k++)
				key[4 * i + k] = (uint8_t)(R(m, IXGBE_RSSRK(i)) >> (8 * k));
		if (p.tcp && (mrqc & IXGBE_MRQC_TCPIPV4)) {
			hash = ixm_toeplitz_ref(key, in, 12);
			rsstype = IXGBE_RXD_RSSTYPE_TCPV4;
		} else if (p.udp && (mrqc & IXGBE_MRQC_UDPIPV4)) {
			hash = ixm_toeplitz_ref(key, in, 12);
			rsstype = IXGBE_RXD_RSSTYPE_UDPV4;
		} else if (mrqc & IXGBE_MRQC_IPV4) {
			hash = ixm_toeplitz_ref(key, in, 8);
			rsstype = IXGBE_RXD_RSSTYPE_IPV4;
		}
		if (rsstype && q < 0) {
			int e = (int)(hash & (IXGBE_RETA_ENTRIES - 1));
			q = (int)(R(m, IXGBE_RETA(e / 4)) >> (8 * (e % 4)) & IXGBE_RETA_QMASK);
		}
	}
	if (q < 0)
		q = 0;
	if (p.ipv4) {
		ptype |= IXGBE_RXD_PKTTYPE_IPV4;
		st |= IXGBE_RXD_STAT_IPCS;
		if (!p.ip_ok)
			er |= IXGBE_RXD_ERR_IPE;
	}
	if (p.tcp)
		ptype |= IXGBE_RXD_PKTTYPE_TCP;
	if (p.udp)
		ptype |= IXGBE_RXD_PKTTYPE_UDP;
	if (p.l4_checked) {
		st |= IXGBE_RXD_STAT_L4CS | (p.udp ? IXGBE_RXD_STAT_UDPCS : 0);
		if (!p.l4_ok)
			er |= IXGBE_RXD_ERR_L4E;
	}
	er |= m->fault_err;
	m->fault_err = 0;
	int flen = m->fault_len;
	m->fault_len = -1;

	/* the queue (DS 7.1.5, 7.1.6) */
	if (!(R(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE))
		return drop(m, "queue disabled");
	uint32_t n = R(m, IXGBE_RDLEN(q)) / 16;
	uint32_t srr = R(m, IXGBE_SRRCTL(q));
	size_t bsize = (size_t)(srr & IXGBE_SRRCTL_BSIZEPKT_MASK) * IXGBE_SRRCTL_BSIZEPKT_UNIT;
	uint32_t head = R(m, IXGBE_RDH(q)), tail = R(m, IXGBE_RDT(q));
	uint32_t avail = (tail + n - head) % n;
	uint32_t need = (uint32_t)((len + bsize - 1) / bsize);
	if (avail < need) {
		if (srr & IXGBE_SRRCTL_DROP_EN)
			R(m, IXGBE_QPRDC(stat_index(m, q, false)))++;
		else
			R(m, IXGBE_MPC(0))++;
		return drop(m, "no free descriptor");
	}
	uint64_t base = (uint64_t)R(m, IXGBE_RDBAH(q)) << 32 | R(m, IXGBE_RDBAL(q));
	union ixgbe_rx_desc *ring = (union ixgbe_rx_desc *)dma(m, base, (size_t)n * 16);
	if (!ring) {
		err(m, IXM_E_DMA_UNMAPPED, "RX ring %d at %#llx", q, (unsigned long long)base);
		return drop(m, "ring unmapped");
	}
	size_t done = 0;
	for (uint32_t k = 0; k < need; k++) {
		union ixgbe_rx_desc *d = &ring[head];
		size_t chunk = len - done < bsize ? len - done : bsize;
		uint8_t *dst = dma(m, d->read.pkt_addr, chunk);
		if (!dst) {
			err(m, IXM_E_BAD_RX_DESC, "queue %d desc %u: buffer %#llx", q, head,
			    (unsigned long long)d->read.pkt_addr);
			return drop(m, "bad buffer address");
		}
		memcpy(dst, f + done, chunk);
		done += chunk;
		bool last = k + 1 == need;
		d->wb.info = rsstype | ptype << IXGBE_RXD_PKTTYPE_SHIFT;
		d->wb.rss = hash;
		d->wb.status = IXGBE_RXD_STAT_DD | (last ? IXGBE_RXD_STAT_EOP | st | er : 0);
		d->wb.length = (uint16_t)(last && flen >= 0 ? (size_t)flen : chunk);
		d->wb.vlan = 0;
		head = (head + 1) % n;
	}
	R(m, IXGBE_RDH(q)) = head;
	R(m, IXGBE_GPRC)++;
	m->gorc += len;
	R(m, IXGBE_QPRC(stat_index(m, q, false)))++;
	queue_cause(m, q, false);
	return q;
}

const char *ixm_drop_reason(const struct ixm *m)
{
	return m->drop_reason ? m->drop_reason : "";
}

/* ------------------------------------------------------------ the rest of the API */

static uint64_t now_ns(void *ctx)
{
	struct ixm *m = ctx;
	return m->now;
}

static void delay_us(void *ctx, uint32_t us)
{
	ixm_advance(ctx, (uint64_t)us * 1000);
}

static void *map_bar(void *ctx, int bar, uint64_t off, uint64_t len)
{
	(void)ctx, (void)bar, (void)off, (void)len;
	return NULL; /* registers only through rd32 / wr32 */
}

static int enable(void *ctx)
{
	(void)ctx;
	return 0;
}

static int irq_attach(void *ctx, int entry)
{
	struct ixm *m = ctx;
	return entry >= 0 && entry < m->cfg.msix_count ? 32 + entry : -22;
}

static void plog(void *ctx, const char *msg)
{
	(void)ctx;
	if (getenv("IXM_LOG"))
		fprintf(stderr, "# %s\n", msg);
}

struct ixm *ixm_new(const struct ixm_config *cfg)
{
	struct ixm *m = calloc(1, sizeof(*m));
	if (cfg)
		m->cfg = *cfg;
	if (!m->cfg.device_id)
		m->cfg.device_id = IXGBE_DEV_82599_SFP;
	static const uint8_t def_mac[6] = {0x02, 0x1b, 0x21, 0x00, 0x00, 0x01};
	bool zero = true;
	for (int i = 0; i < 6; i++)
		zero = zero && m->cfg.mac[i] == 0;
	if (zero)
		memcpy(m->cfg.mac, def_mac, 6);
	if (!m->cfg.reset_us)
		m->cfg.reset_us = 5;
	if (!m->cfg.eeprom_us)
		m->cfg.eeprom_us = 2000;
	if (!m->cfg.dma_init_us)
		m->cfg.dma_init_us = 3000;
	if (!m->cfg.enable_us)
		m->cfg.enable_us = 5;
	if (!m->cfg.fdir_init_us)
		m->cfg.fdir_init_us = 55;
	if (!m->cfg.msix_count)
		m->cfg.msix_count = IXGBE_MSIX_VECTORS;
	m->next_phys = 0x100000000ull;
	m->fault_len = -1;
	m->pci.vendor = IXGBE_PCI_VENDOR_INTEL;
	m->pci.device = m->cfg.device_id;
	m->pci.class_code = 0x02;
	m->pci.msix_count = (uint16_t)m->cfg.msix_count;
	m->pci.bar[0].type = PIKA_BAR_MEM;
	m->pci.bar[0].size = 0x80000;
	/* power-on: the reset and the EEPROM auto-read finished before the
	 * driver ever runs */
	do_reset(m);
	m->in_reset = false;
	R(m, IXGBE_CTRL) = 0;
	m->reset_until = m->ard_at = m->dmaidone_at = 0;
	return m;
}

void ixm_free(struct ixm *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nrg; i++)
		free(m->rg[i].mem);
	free(m->rg);
	for (int q = 0; q < NQ; q++)
		free(m->txp[q].buf);
	for (int i = 0; i < m->txf_count; i++)
		free(m->txf[(m->txf_head + i) % m->txf_cap].data);
	free(m->txf);
	free(m->ff);
	free(m->bucket);
	free(m);
}

void ixm_platform(struct ixm *m, struct nd_platform *plat)
{
	memset(plat, 0, sizeof(*plat));
	plat->ctx = m;
	plat->pci = &m->pci;
	plat->map_bar = map_bar;
	plat->rd32 = mrd;
	plat->wr32 = mwr;
	plat->dma_alloc = dma_alloc;
	plat->enable = enable;
	plat->msix_enable = enable;
	plat->irq_attach = irq_attach;
	plat->now_ns = now_ns;
	plat->delay_us = delay_us;
	plat->log = plog;
}

const struct pika_pci_dev *ixm_pci(struct ixm *m) { return &m->pci; }
uint64_t ixm_now(const struct ixm *m) { return m->now; }

void ixm_advance(struct ixm *m, uint64_t ns)
{
	m->now += ns;
	tick(m);
	eval_irq(m);
}

void ixm_set_link(struct ixm *m, bool up)
{
	m->phys_link = up;
	link_eval(m);
}

size_t ixm_tx_pop(struct ixm *m, int *queue, void *buf, size_t cap)
{
	if (!m->txf_count)
		return 0;
	struct txframe *f = &m->txf[m->txf_head];
	size_t n = f->len < cap ? f->len : cap;
	memcpy(buf, f->data, n);
	if (queue)
		*queue = f->q;
	free(f->data);
	m->txf_head = (m->txf_head + 1) % m->txf_cap;
	m->txf_count--;
	return f->len;
}

int ixm_tx_count(const struct ixm *m) { return m->txf_count; }

uint64_t ixm_msix_count(const struct ixm *m, int v)
{
	return v >= 0 && v < IXGBE_MSIX_VECTORS ? m->msix[v] : 0;
}

uint64_t ixm_msix_total(const struct ixm *m)
{
	uint64_t t = 0;
	for (int v = 0; v < IXGBE_MSIX_VECTORS; v++)
		t += m->msix[v];
	return t;
}

void ixm_fault_rx_errors(struct ixm *m, uint32_t err_bits) { m->fault_err = err_bits; }
void ixm_fault_rx_length(struct ixm *m, uint16_t len) { m->fault_len = len; }

int ixm_fault_rx_writeback(struct ixm *m, int q, uint16_t len)
{
	uint32_t n = R(m, IXGBE_RDLEN(q)) / 16;
	uint64_t base = (uint64_t)R(m, IXGBE_RDBAH(q)) << 32 | R(m, IXGBE_RDBAL(q));
	union ixgbe_rx_desc *ring = n ? (union ixgbe_rx_desc *)dma(m, base, (size_t)n * 16) : NULL;
	if (!ring)
		return -1;
	union ixgbe_rx_desc *d = &ring[R(m, IXGBE_RDH(q))];
	d->wb.info = 0;
	d->wb.rss = 0;
	d->wb.status = IXGBE_RXD_STAT_DD | IXGBE_RXD_STAT_EOP;
	d->wb.length = len;
	d->wb.vlan = 0;
	return 0;
}

int ixm_fault_tx_writeback(struct ixm *m, int q)
{
	uint32_t n = R(m, IXGBE_TDLEN(q)) / 16;
	uint64_t base = (uint64_t)R(m, IXGBE_TDBAH(q)) << 32 | R(m, IXGBE_TDBAL(q));
	union ixgbe_tx_desc *ring = n ? (union ixgbe_tx_desc *)dma(m, base, (size_t)n * 16) : NULL;
	if (!ring)
		return -1;
	ring[R(m, IXGBE_TDH(q))].wb.status = IXGBE_TXD_STAT_DD;
	return 0;
}

uint32_t ixm_peek(const struct ixm *m, uint32_t reg)
{
	return reg < 0x20000 ? m->reg[reg >> 2] : 0;
}

int ixm_fdir_filters(const struct ixm *m) { return m->nfilters; }
