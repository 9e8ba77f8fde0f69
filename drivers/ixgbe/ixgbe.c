/*
 * drivers/ixgbe/ixgbe.c - Intel 82599: matching, bring-up in datasheet order,
 * queue commit and start, link.
 *
 * Who touches what (DESIGN 4: a core touches only its own queue registers):
 *  - per queue, written only by the core that owns queue q (queue_init,
 *    queue_start, the bursts): RDBAL/RDBAH/RDLEN/SRRCTL/RXDCTL/RDT(q),
 *    TDBAL/TDBAH/TDLEN/TXDCTL/TDT(q), EITR(vector of q), and its own bit in
 *    EIMS_EX/EIMC_EX (write-one-to-set/clear registers: writing one bit does
 *    not disturb the others, so no read-modify-write crosses cores);
 *  - device-wide, written only by the control instance (core 0): CTRL,
 *    CTRL_EXT, EIMC/EIMS misc bits, GPIE, EIAC, EIAM/EIAM_EX, IVAR (one
 *    register holds two queues' entries, so it needs a single writer),
 *    IVAR_MISC, RXCTRL, FCTRL, HLREG0, MAXFRS, RDRXCTL, RXPBSIZE, RXCSUM,
 *    MRQC, RETA, RSSRK, all Flow Director registers, AUTOC, DMATXCTL, RTTDCS,
 *    MTQC, RQSMR/TQSM and the statistics. Other cores ask it over channels.
 *
 * Bring-up follows the 82599 datasheet's initialization sequence (DS 4.6.3):
 * each step below is a small function naming its section.
 */
#include "drivers/ixgbe/ixgbe.h"

#include <errno.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

uint32_t ixgbe_rd(struct netdev *nd, uint32_t reg)
{
	return nd->plat.rd32(nd->plat.ctx, reg);
}

void ixgbe_wr(struct netdev *nd, uint32_t reg, uint32_t v)
{
	nd->plat.wr32(nd->plat.ctx, reg, v);
}

void ixgbe_log(struct netdev *nd, const char *msg)
{
	if (nd->plat.log)
		nd->plat.log(nd->plat.ctx, msg);
}

/* Poll reg until (reg & mask) == want, sleeping 10 us between reads. */
int ixgbe_poll(struct netdev *nd, uint32_t reg, uint32_t mask, uint32_t want, uint32_t timeout_us)
{
	uint32_t waited = 0;
	for (;;) {
		if ((ixgbe_rd(nd, reg) & mask) == want)
			return 0;
		if (waited >= timeout_us)
			return -ETIMEDOUT;
		nd->plat.delay_us(nd->plat.ctx, 10);
		waited += 10;
	}
}

void *ixgbe_alloc(struct netdev *nd, size_t len, uint64_t *phys)
{
	uint64_t p = 0;
	void *v = nd->plat.dma_alloc(nd->plat.ctx, len, &p);
	if (v && phys)
		*phys = p;
	return v;
}

static struct ixgbe_dev *dev_of(struct netdev *nd)
{
	return nd->priv;
}

static struct ixgbe_dev *dev_new(struct netdev *nd, bool control)
{
	struct ixgbe_dev *d = ixgbe_alloc(nd, sizeof(*d), NULL);
	if (!d)
		return NULL;
	memset(d, 0, sizeof(*d));
	d->nd = nd;
	d->control = control;
	d->device_id = nd->plat.pci ? nd->plat.pci->device : 0;
	for (int i = 0; i < IXGBE_MAX_QUEUES; i++)
		d->queue_vector[i] = -1;
	nd->priv = d;
	return d;
}

/* ------------------------------------------------------------ match */

static const uint16_t ixgbe_ids[] = {
	IXGBE_DEV_82599_KX4,        IXGBE_DEV_82599_KX4_MEZZ,    IXGBE_DEV_82599_KR,
	IXGBE_DEV_82599_COMBO_BACKPLANE, IXGBE_DEV_82599_CX4,    IXGBE_DEV_82599_SFP,
	IXGBE_DEV_82599_BACKPLANE_FCOE, IXGBE_DEV_82599_SFP_FCOE, IXGBE_DEV_82599_SFP_EM,
	IXGBE_DEV_82599_SFP_SF2,    IXGBE_DEV_82599_SFP_SF_QP,   IXGBE_DEV_82599_QSFP_SF_QP,
	IXGBE_DEV_82599EN_SFP,      IXGBE_DEV_82599_XAUI_LOM,    IXGBE_DEV_82599_T3_LOM,
	IXGBE_DEV_82599_LS,
};

static bool ixgbe_match(const struct pika_pci_dev *pci)
{
	if (!pci || pci->vendor != IXGBE_PCI_VENDOR_INTEL)
		return false;
	for (size_t i = 0; i < sizeof(ixgbe_ids) / sizeof(ixgbe_ids[0]); i++)
		if (pci->device == ixgbe_ids[i])
			return true;
	return false;
}

/* ------------------------------------------------------------ bring-up steps */

/* DS 4.6.3.1: interrupts are masked during initialization: every cause in
 * EIMC and every vector in EIMC_EX. */
static void step_mask_interrupts(struct netdev *nd)
{
	ixgbe_wr(nd, IXGBE_EIMC, IXGBE_EIMC_ALL);
	ixgbe_wr(nd, IXGBE_EIMC_EX(0), 0xFFFFFFFFu);
	ixgbe_wr(nd, IXGBE_EIMC_EX(1), 0xFFFFFFFFu);
}

/* DS 5.2.5.3.2: before a software reset, stop the device mastering the bus
 * (CTRL.PCIE_MASTER_DISABLE) and wait for STATUS.PCIe master enable status to
 * clear. If it does not within the time allowed the reset goes ahead: the
 * datasheet's fallback is a second reset. */
static bool step_master_disable(struct netdev *nd)
{
	ixgbe_wr(nd, IXGBE_CTRL, ixgbe_rd(nd, IXGBE_CTRL) | IXGBE_CTRL_PCIE_MASTER_DISABLE);
	return ixgbe_poll(nd, IXGBE_STATUS, IXGBE_STATUS_MASTER_EN, 0, 1000) == 0;
}

/* DS 4.6.3.2: global reset (CTRL.RST, self-clearing), then at least 10 ms
 * before further initialization; interrupts are masked again afterwards. */
static int step_global_reset(struct netdev *nd, bool master_quiet)
{
	for (int round = 0; round < (master_quiet ? 1 : 2); round++) {
		ixgbe_wr(nd, IXGBE_CTRL, ixgbe_rd(nd, IXGBE_CTRL) | IXGBE_CTRL_RST);
		int rc = ixgbe_poll(nd, IXGBE_CTRL, IXGBE_CTRL_RST_MASK, 0, 10000);
		if (rc)
			return rc;
		nd->plat.delay_us(nd->plat.ctx, 10000);
	}
	step_mask_interrupts(nd);
	return 0;
}

/* DS 4.6.3: wait for the EEPROM auto-read (EEC.ARD) ... */
static int step_wait_eeprom(struct netdev *nd)
{
	return ixgbe_poll(nd, IXGBE_EEC, IXGBE_EEC_ARD, IXGBE_EEC_ARD, 20000);
}

/* ... and for DMA initialization (RDRXCTL.DMAIDONE). */
static int step_wait_dma_init(struct netdev *nd)
{
	return ixgbe_poll(nd, IXGBE_RDRXCTL, IXGBE_RDRXCTL_DMAIDONE, IXGBE_RDRXCTL_DMAIDONE, 20000);
}

/* The station address the EEPROM loaded into RAL(0)/RAH(0) (DS 8.2.3.7.9). */
static int step_read_mac(struct netdev *nd)
{
	uint32_t lo = ixgbe_rd(nd, IXGBE_RAL(0)), hi = ixgbe_rd(nd, IXGBE_RAH(0));
	for (int i = 0; i < 4; i++)
		nd->mac[i] = (uint8_t)(lo >> (8 * i));
	nd->mac[4] = (uint8_t)hi;
	nd->mac[5] = (uint8_t)(hi >> 8);
	bool zero = true;
	for (int i = 0; i < 6; i++)
		zero = zero && nd->mac[i] == 0;
	if (zero || (nd->mac[0] & 1)) {
		ixgbe_log(nd, "ixgbe: no valid MAC address in RAL/RAH(0)");
		return -EIO;
	}
	/* DS 8.2.3.1.3: tell firmware a driver owns the device */
	ixgbe_wr(nd, IXGBE_CTRL_EXT, ixgbe_rd(nd, IXGBE_CTRL_EXT) | IXGBE_CTRL_EXT_DRV_LOAD);
	return 0;
}

/* DS 4.6.4: link setup. SFP+ boards (X520) run 10 GbE serial (SFI) without
 * backplane auto-negotiation; KX4 / CX4 / XAUI boards the 10 GbE parallel
 * link; backplane boards KX/KX4/KR auto-negotiation. AUTOC.LMS selects the
 * mode and AUTOC.Restart_AN applies it. */
static uint32_t link_mode_for(uint16_t device_id)
{
	switch (device_id) {
	case IXGBE_DEV_82599_KX4:
	case IXGBE_DEV_82599_KX4_MEZZ:
	case IXGBE_DEV_82599_CX4:
	case IXGBE_DEV_82599_XAUI_LOM:
		return IXGBE_AUTOC_LMS_10G_LINK_NO_AN;
	case IXGBE_DEV_82599_KR:
	case IXGBE_DEV_82599_COMBO_BACKPLANE:
	case IXGBE_DEV_82599_BACKPLANE_FCOE:
		return IXGBE_AUTOC_LMS_KX4_KX_KR;
	default:
		return IXGBE_AUTOC_LMS_10G_SERIAL; /* SFP+ / QSFP+ / T3 LOM (SFI to the PHY) */
	}
}

static void step_link_setup(struct netdev *nd, uint16_t device_id)
{
	uint32_t autoc = ixgbe_rd(nd, IXGBE_AUTOC);
	autoc = (autoc & ~IXGBE_AUTOC_LMS_MASK) | link_mode_for(device_id);
	ixgbe_wr(nd, IXGBE_AUTOC, autoc | IXGBE_AUTOC_RESTART_AN);
}

/* DS 4.6.5: the statistics are clear-on-read; read them all once. */
static const uint32_t stat_regs[] = {
	IXGBE_CRCERRS, IXGBE_RLEC, IXGBE_GPRC, IXGBE_GPTC, IXGBE_GORCL, IXGBE_GORCH,
	IXGBE_GOTCL, IXGBE_GOTCH, IXGBE_RUC, IXGBE_ROC, IXGBE_TPR, IXGBE_TPT,
};

static void step_reset_statistics(struct netdev *nd)
{
	for (size_t i = 0; i < sizeof(stat_regs) / sizeof(stat_regs[0]); i++)
		(void)ixgbe_rd(nd, stat_regs[i]);
	for (int i = 0; i < 8; i++)
		(void)ixgbe_rd(nd, IXGBE_MPC(i));
	for (int i = 0; i < IXGBE_QSTAT_INDEXES; i++) {
		(void)ixgbe_rd(nd, IXGBE_QPRC(i));
		(void)ixgbe_rd(nd, IXGBE_QPRDC(i));
		(void)ixgbe_rd(nd, IXGBE_QPTC(i));
	}
}

/* DS 4.6.7: receive initialization, the device-wide part (each queue's own
 * registers are written by its core in queue_init). The receive unit stays
 * off (RXCTRL.RXEN) until start(), after every queue is set up. */
static int step_rx_init(struct netdev *nd)
{
	ixgbe_wr(nd, IXGBE_RXCTRL, ixgbe_rd(nd, IXGBE_RXCTRL) & ~IXGBE_RXCTRL_RXEN);
	/* station address (DS 8.2.3.7.9-10), address valid */
	uint32_t lo = (uint32_t)nd->mac[0] | (uint32_t)nd->mac[1] << 8 | (uint32_t)nd->mac[2] << 16 |
		      (uint32_t)nd->mac[3] << 24;
	ixgbe_wr(nd, IXGBE_RAL(0), lo);
	ixgbe_wr(nd, IXGBE_RAH(0), (uint32_t)nd->mac[4] | (uint32_t)nd->mac[5] << 8 | IXGBE_RAH_AV);
	/* accept broadcast (ARP); unicast to us by the address filter */
	ixgbe_wr(nd, IXGBE_FCTRL, IXGBE_FCTRL_BAM);
	/* MAC: strip CRC, add CRC and pad on transmit, no jumbo (DS 8.2.3.22.8) */
	uint32_t hl = ixgbe_rd(nd, IXGBE_HLREG0);
	hl |= IXGBE_HLREG0_RXCRCSTRP | IXGBE_HLREG0_TXCRCEN | IXGBE_HLREG0_TXPADEN;
	hl &= ~(IXGBE_HLREG0_JUMBOEN | IXGBE_HLREG0_LPBK);
	ixgbe_wr(nd, IXGBE_HLREG0, hl);
	ixgbe_wr(nd, IXGBE_MAXFRS, (uint32_t)IXGBE_MAXFRS_BYTES << IXGBE_MAXFRS_MFS_SHIFT);
	/* DS 8.2.3.8.8: CRCStrip as HLREG0, RSCFRSTSIZE 0, RSCACKC and FCOE_WRFIX set */
	uint32_t rd = ixgbe_rd(nd, IXGBE_RDRXCTL);
	rd = (rd & ~IXGBE_RDRXCTL_RSCFRSTSIZE) | IXGBE_RDRXCTL_CRCSTRIP | IXGBE_RDRXCTL_RSCACKC |
	     IXGBE_RDRXCTL_FCOE_WRFIX;
	ixgbe_wr(nd, IXGBE_RDRXCTL, rd);
	/* DS 7.1.2.8.1: the RSS hash goes in the descriptor (PCSD) */
	ixgbe_wr(nd, IXGBE_RXCSUM, IXGBE_RXCSUM_PCSD);
	/* DS 7.1.2.7.5: 256 KB of the 512 KB receive packet buffer go to the Flow
	 * Director table, the rest to packet buffer 0 (no DCB) */
	ixgbe_wr(nd, IXGBE_RXPBSIZE(0), (uint32_t)(IXGBE_RX_PB_TOTAL_KB - 256) << IXGBE_RXPBSIZE_SHIFT);
	for (int i = 1; i < 8; i++)
		ixgbe_wr(nd, IXGBE_RXPBSIZE(i), 0);
	/* receive statistics: queue q counts in statistics index q % 16 */
	for (int n = 0; n < 32; n++) {
		uint32_t v = 0;
		for (int k = 0; k < 4; k++)
			v |= (uint32_t)((4 * n + k) % IXGBE_QSTAT_INDEXES) << (8 * k);
		ixgbe_wr(nd, IXGBE_RQSMR(n), v);
		ixgbe_wr(nd, IXGBE_TQSM(n), v);
	}
	/* Flow Director, then RSS (MRQC before the receive unit is enabled:
	 * DS 7.1.2.8: RSS cannot be enabled on the fly) */
	int rc = ixgbe_fdir_setup(nd);
	if (rc)
		return rc;
	return ixgbe_rss_setup(nd);
}

/* DS 4.6.8: transmit initialization, device-wide: no DCB and no
 * virtualization (DS 4.6.11.3.4): MTQC is written with the descriptor
 * arbiter halted (RTTDCS.ARBDIS), then the transmit DMA is enabled. */
static void step_tx_init(struct netdev *nd)
{
	ixgbe_wr(nd, IXGBE_RTTDCS, ixgbe_rd(nd, IXGBE_RTTDCS) | IXGBE_RTTDCS_ARBDIS);
	ixgbe_wr(nd, IXGBE_MTQC, 0);
	ixgbe_wr(nd, IXGBE_RTTDCS, ixgbe_rd(nd, IXGBE_RTTDCS) & ~IXGBE_RTTDCS_ARBDIS);
	ixgbe_wr(nd, IXGBE_DMATXCTL, ixgbe_rd(nd, IXGBE_DMATXCTL) | IXGBE_DMATXCTL_TE);
}

/* DS 4.6.6 / 7.3: MSI-X mode, one vector per queue (mapped in queue_commit),
 * link and other causes on IXGBE_MISC_VECTOR. Queue vectors auto-clear their
 * cause and auto-mask when they fire (the owning core polls, then re-enables). */
static void step_interrupt_init(struct netdev *nd)
{
	ixgbe_wr(nd, IXGBE_GPIE,
		 IXGBE_GPIE_MSIX_MODE | IXGBE_GPIE_OCD | IXGBE_GPIE_EIAME | IXGBE_GPIE_PBA_SUPPORT);
	ixgbe_wr(nd, IXGBE_IVAR_MISC,
		 (uint32_t)(IXGBE_MISC_VECTOR | IXGBE_IVAR_ALLOC_VAL) << IXGBE_IVAR_MISC_OTHER_SHIFT);
	ixgbe_wr(nd, IXGBE_EIAC, IXGBE_EICR_RTX_QUEUE);
	ixgbe_wr(nd, IXGBE_EIAM, 0);
	ixgbe_wr(nd, IXGBE_EIAM_EX(0), 0);
	ixgbe_wr(nd, IXGBE_EIAM_EX(1), 0);
}

/* ------------------------------------------------------------ netdev_ops: control */

static int ixgbe_init(struct netdev *nd)
{
	struct ixgbe_dev *d = dev_new(nd, true);
	if (!d)
		return -ENOMEM;
	if (nd->plat.enable && nd->plat.enable(nd->plat.ctx) < 0)
		return -EIO;

	step_mask_interrupts(nd);                     /* DS 4.6.3.1 */
	bool quiet = step_master_disable(nd);         /* DS 5.2.5.3.2 */
	int rc = step_global_reset(nd, quiet);        /* DS 4.6.3.2 */
	if (rc)
		return rc;
	if ((rc = step_wait_eeprom(nd)) || (rc = step_wait_dma_init(nd))) /* DS 4.6.3 */
		return rc;
	if ((rc = step_read_mac(nd)))
		return rc;
	step_link_setup(nd, d->device_id);            /* DS 4.6.4 */
	step_reset_statistics(nd);                    /* DS 4.6.5 */
	if ((rc = step_rx_init(nd)))                  /* DS 4.6.7 */
		return rc;
	step_tx_init(nd);                             /* DS 4.6.8 */
	step_interrupt_init(nd);                      /* DS 4.6.6 */
	if (nd->plat.msix_enable && nd->plat.msix_enable(nd->plat.ctx) < 0)
		return -EIO;

	int maxq = IXGBE_MAX_QUEUES;
	if (nd->plat.pci && nd->plat.pci->msix_count && nd->plat.pci->msix_count - 1 < maxq)
		maxq = nd->plat.pci->msix_count - 1;
	nd->max_queues = maxq;
	nd->mtu = 1500;
	nd->has_rss = true;
	nd->tx_csum = nd->rx_csum = true;
	return 0;
}

/* The device-wide half of a queue's setup: its interrupt vector (IVAR: RX
 * and TX causes of queue q to vector q), auto-mask for that vector. */
static int ixgbe_queue_commit(struct netdev *nd, struct netq_setup *s)
{
	struct ixgbe_dev *d = dev_of(nd);
	if (!d || !d->control)
		return -EINVAL;
	int q = s->qid;
	int vec = (int)s->w[0];
	if (q < 0 || q >= nd->max_queues || vec < 0 || vec >= IXGBE_MISC_VECTOR)
		return -EINVAL;
	uint32_t ivar = ixgbe_rd(nd, IXGBE_IVAR(q / 2));
	for (int tx = 0; tx <= 1; tx++) {
		int sh = IXGBE_IVAR_BYTE(q, tx);
		ivar &= ~(0xFFu << sh);
		ivar |= (uint32_t)(vec | IXGBE_IVAR_ALLOC_VAL) << sh;
	}
	ixgbe_wr(nd, IXGBE_IVAR(q / 2), ivar);
	ixgbe_wr(nd, IXGBE_EIAM_EX(vec / 32), ixgbe_rd(nd, IXGBE_EIAM_EX(vec / 32)) | 1u << (vec % 32));
	d->queue_vector[q] = vec;
	d->committed[q / 64] |= 1ull << (q % 64);
	return 0;
}

/* Every queue is set up: spread RSS over them (if netd set no table), enable
 * the receive unit (DS 4.6.7, last step) and the link interrupt. The queues
 * themselves are enabled by their cores in queue_start. */
static int ixgbe_start(struct netdev *nd, int nqueues)
{
	struct ixgbe_dev *d = dev_of(nd);
	if (!d || !d->control || nqueues < 1 || nqueues > nd->max_queues)
		return -EINVAL;
	for (int q = 0; q < nqueues; q++)
		if (!(d->committed[q / 64] & (1ull << (q % 64))))
			return -EINVAL;
	d->nqueues = nqueues;
	if (!d->rss_set) {
		struct nd_rss r = d->rss;
		int spread = nqueues < IXGBE_RSS_MAX_QUEUES ? nqueues : IXGBE_RSS_MAX_QUEUES;
		r.table_len = IXGBE_RETA_ENTRIES;
		for (int i = 0; i < IXGBE_RETA_ENTRIES; i++)
			r.table[i] = (uint16_t)(i % spread);
		int rc = ixgbe_set_rss(nd, &r);
		if (rc)
			return rc;
		d->rss_set = false; /* still the default */
	}
	ixgbe_wr(nd, IXGBE_RXCTRL, ixgbe_rd(nd, IXGBE_RXCTRL) | IXGBE_RXCTRL_RXEN);
	if (nd->plat.irq_attach)
		(void)nd->plat.irq_attach(nd->plat.ctx, IXGBE_MISC_VECTOR);
	ixgbe_wr(nd, IXGBE_EICR, IXGBE_EICR_LSC);
	ixgbe_wr(nd, IXGBE_EIMS, IXGBE_EICR_LSC);
	d->link = (ixgbe_rd(nd, IXGBE_LINKS) & IXGBE_LINKS_UP) != 0;
	d->started = true;
	return 0;
}

static int ixgbe_link_up(struct netdev *nd)
{
	return (ixgbe_rd(nd, IXGBE_LINKS) & IXGBE_LINKS_UP) ? 1 : 0;
}

bool ixgbe_misc_irq(struct netdev *nd)
{
	struct ixgbe_dev *d = dev_of(nd);
	uint32_t cause = ixgbe_rd(nd, IXGBE_EICR);
	if (cause & IXGBE_EICR_LSC) {
		ixgbe_wr(nd, IXGBE_EICR, IXGBE_EICR_LSC);
		d->lsc_events++;
	}
	d->link = (ixgbe_rd(nd, IXGBE_LINKS) & IXGBE_LINKS_UP) != 0;
	ixgbe_wr(nd, IXGBE_EIMS, IXGBE_EICR_LSC);
	return d->link;
}

static uint64_t rd64(struct netdev *nd, uint32_t lo, uint32_t hi)
{
	uint64_t l = ixgbe_rd(nd, lo); /* the low half first: reading the high half clears both */
	return l | (uint64_t)ixgbe_rd(nd, hi) << 32;
}

const struct ixgbe_hw_stats *ixgbe_hw_stats(struct netdev *nd)
{
	struct ixgbe_dev *d = dev_of(nd);
	if (!d || !d->control)
		return NULL;
	struct ixgbe_hw_stats *s = &d->hw;
	s->rx_packets += ixgbe_rd(nd, IXGBE_GPRC);
	s->rx_bytes += rd64(nd, IXGBE_GORCL, IXGBE_GORCH);
	s->tx_packets += ixgbe_rd(nd, IXGBE_GPTC);
	s->tx_bytes += rd64(nd, IXGBE_GOTCL, IXGBE_GOTCH);
	s->rx_total += ixgbe_rd(nd, IXGBE_TPR);
	(void)ixgbe_rd(nd, IXGBE_TPT);
	s->crc_errors += ixgbe_rd(nd, IXGBE_CRCERRS);
	s->length_errors += ixgbe_rd(nd, IXGBE_RLEC);
	s->undersize += ixgbe_rd(nd, IXGBE_RUC);
	s->oversize += ixgbe_rd(nd, IXGBE_ROC);
	for (int i = 0; i < 8; i++)
		s->missed += ixgbe_rd(nd, IXGBE_MPC(i));
	for (int i = 0; i < IXGBE_QSTAT_INDEXES; i++) {
		s->q_rx[i] += ixgbe_rd(nd, IXGBE_QPRC(i));
		s->q_tx[i] += ixgbe_rd(nd, IXGBE_QPTC(i));
		s->q_rx_dropped[i] += ixgbe_rd(nd, IXGBE_QPRDC(i));
	}
	return s;
}

/* ------------------------------------------------------------ netdev_ops: per core */

/* A core other than the control instance's own: nothing device-wide to do;
 * it reaches BAR 0 through plat.rd32/wr32 and will touch its queue only. */
static int ixgbe_attach(struct netdev *nd)
{
	if (nd->priv)
		return 0; /* the control instance attaching its own queue */
	struct ixgbe_dev *d = dev_new(nd, false);
	if (!d)
		return -ENOMEM;
	if (!nd->max_queues)
		nd->max_queues = IXGBE_MAX_QUEUES;
	return 0;
}

static int ixgbe_filter_add_op(struct netdev *nd, const struct nd_filter *f)
{
	return ixgbe_fdir_add(nd, f);
}

static int ixgbe_filter_del_op(struct netdev *nd, const struct nd_filter *f)
{
	return ixgbe_fdir_del(nd, f);
}

const struct netdev_ops ixgbe_ops = {
	.name = "ixgbe",
	.match = ixgbe_match,
	.init = ixgbe_init,
	.queue_commit = ixgbe_queue_commit,
	.start = ixgbe_start,
	.link_up = ixgbe_link_up,
	.set_rss = ixgbe_set_rss,
	.filter_add = ixgbe_filter_add_op,
	.filter_del = ixgbe_filter_del_op,
	.groups_set = ixgbe_groups_set,
	.group_move = ixgbe_group_move,
	.attach = ixgbe_attach,
	.queue_init = ixgbe_queue_init,
	.queue_start = ixgbe_queue_start,
	.rx_refill = ixgbe_rx_refill,
	.rx_burst = ixgbe_rx_burst,
	.tx_burst = ixgbe_tx_burst,
	.tx_reclaim = ixgbe_tx_reclaim,
	.irq_enable = ixgbe_irq_enable,
	.irq_disable = ixgbe_irq_disable,
};
