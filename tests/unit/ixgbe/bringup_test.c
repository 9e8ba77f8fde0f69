/*
 * bringup_test - the driver's bring-up against the model: it follows an
 * order the datasheet allows (the model records no error), it leaves the
 * device configured as intended, and the model does catch each wrong order
 * (negative tests drive the registers by hand).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/ixgbe/rig.h"

static uint32_t rd(struct ixm *m, uint32_t reg)
{
	struct nd_platform p;
	ixm_platform(m, &p);
	return p.rd32(p.ctx, reg);
}

static void wr(struct ixm *m, uint32_t reg, uint32_t v)
{
	struct nd_platform p;
	ixm_platform(m, &p);
	p.wr32(p.ctx, reg, v);
}

static void good_bringup(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 4, 64, NULL);
	struct ixm *m = r.m;
	assert_int_equal(ixm_error_count(m), 0);
	/* MAC from the EEPROM's RAL/RAH(0) */
	const uint8_t want[6] = {0x02, 0x1b, 0x21, 0x00, 0x00, 0x01};
	assert_memory_equal(r.ctl.mac, want, 6);
	assert_int_equal(r.ctl.max_queues, IXGBE_MAX_QUEUES);
	assert_true(r.ctl.has_rss && r.ctl.tx_csum && r.ctl.rx_csum);
	/* receive unit and transmit DMA on, queues enabled, tails after */
	assert_true(ixm_peek(m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN);
	assert_true(ixm_peek(m, IXGBE_DMATXCTL) & IXGBE_DMATXCTL_TE);
	for (int q = 0; q < 4; q++) {
		assert_true(ixm_peek(m, IXGBE_RXDCTL(q)) & IXGBE_RXDCTL_ENABLE);
		assert_true(ixm_peek(m, IXGBE_TXDCTL(q)) & IXGBE_TXDCTL_ENABLE);
		assert_int_equal(ixm_peek(m, IXGBE_RDT(q)), 63); /* ring - 1 posted */
		uint32_t srr = ixm_peek(m, IXGBE_SRRCTL(q));
		assert_int_equal(srr & IXGBE_SRRCTL_DESCTYPE_MASK, IXGBE_SRRCTL_DESCTYPE_ADV_ONEBUF);
		assert_true(srr & IXGBE_SRRCTL_DROP_EN);
		assert_int_equal(srr & IXGBE_SRRCTL_BSIZEPKT_MASK, 2);
		/* IVAR: RX and TX of queue q on vector q */
		uint32_t iv = ixm_peek(m, IXGBE_IVAR(q / 2));
		assert_int_equal(iv >> IXGBE_IVAR_BYTE(q, 0) & 0xFF, (uint32_t)q | IXGBE_IVAR_ALLOC_VAL);
		assert_int_equal(iv >> IXGBE_IVAR_BYTE(q, 1) & 0xFF, (uint32_t)q | IXGBE_IVAR_ALLOC_VAL);
		assert_int_not_equal(ixm_peek(m, IXGBE_EITR(q)) & IXGBE_EITR_ITR_MASK, 0);
	}
	/* queue 4 untouched */
	assert_false(ixm_peek(m, IXGBE_RXDCTL(4)) & IXGBE_RXDCTL_ENABLE);
	/* RSS: TCP/IPv4 and IPv4, RETA spread over the 4 queues */
	uint32_t mrqc = ixm_peek(m, IXGBE_MRQC);
	assert_int_equal(mrqc & IXGBE_MRQC_MRQE_MASK, IXGBE_MRQC_MRQE_RSS);
	assert_true(mrqc & IXGBE_MRQC_TCPIPV4);
	assert_true(mrqc & IXGBE_MRQC_IPV4);
	assert_int_equal(ixm_peek(m, IXGBE_RETA(0)), 0x03020100);
	/* Flow Director initialised, 256 KB, perfect mode; packet buffer reduced */
	uint32_t fd = ixm_peek(m, IXGBE_FDIRCTRL);
	assert_true(fd & IXGBE_FDIRCTRL_INIT_DONE);
	assert_int_equal(fd & IXGBE_FDIRCTRL_PBALLOC_MASK, IXGBE_FDIRCTRL_PBALLOC_256K);
	assert_int_equal(ixm_peek(m, IXGBE_RXPBSIZE(0)), 256u << IXGBE_RXPBSIZE_SHIFT);
	/* MSI-X mode, link interrupt on the misc vector */
	assert_true(ixm_peek(m, IXGBE_GPIE) & IXGBE_GPIE_MSIX_MODE);
	assert_int_equal(ixm_peek(m, IXGBE_IVAR_MISC) >> 8 & 0xFF, IXGBE_MISC_VECTOR | IXGBE_IVAR_ALLOC_VAL);
	assert_true(rd(m, IXGBE_EIMS) & IXGBE_EICR_LSC);
	/* SFP+ board: 10 GbE serial link mode, link up at 10 Gb/s */
	assert_int_equal(ixm_peek(m, IXGBE_AUTOC) & IXGBE_AUTOC_LMS_MASK, IXGBE_AUTOC_LMS_10G_SERIAL);
	assert_int_equal(rd(m, IXGBE_LINKS) & IXGBE_LINKS_SPEED_MASK, IXGBE_LINKS_SPEED_10G);
	/* statistics were reset: nothing counted yet */
	assert_int_equal(rd(m, IXGBE_GPRC), 0);
	assert_int_equal(rd(m, IXGBE_GPTC), 0);
	assert_int_equal(ixm_error_count(m), 0);
	rig_down(&r);
}

/* a KX4 board gets the KX4 link mode, and its link comes up */
static void kx4_link(void **state)
{
	(void)state;
	struct ixm_config c = {.device_id = IXGBE_DEV_82599_KX4};
	struct rig r;
	rig_up(&r, 1, 32, &c);
	assert_int_equal(ixm_peek(r.m, IXGBE_AUTOC) & IXGBE_AUTOC_LMS_MASK, IXGBE_AUTOC_LMS_10G_LINK_NO_AN);
	assert_int_equal(r.ctl.ops->link_up(&r.ctl), 1);
	rig_down(&r);
}

static void match_ids(void **state)
{
	(void)state;
	struct pika_pci_dev p = {.vendor = 0x8086, .device = IXGBE_DEV_82599_SFP};
	assert_true(ixgbe_ops.match(&p));
	p.device = IXGBE_DEV_82599EN_SFP;
	assert_true(ixgbe_ops.match(&p));
	p.device = IXGBE_DEV_82599_KX4;
	assert_true(ixgbe_ops.match(&p));
	p.device = 0x10ED; /* 82599 virtual function: not ours */
	assert_false(ixgbe_ops.match(&p));
	p.device = 0x1528; /* X540 */
	assert_false(ixgbe_ops.match(&p));
	p.vendor = 0x1af4, p.device = IXGBE_DEV_82599_SFP;
	assert_false(ixgbe_ops.match(&p));
	assert_false(ixgbe_ops.match(NULL));
}

/* the model's clock is long past power-on reset and EEPROM/DMA init */
static struct ixm *fresh_ready_model(void)
{
	struct ixm *m = ixm_new(NULL);
	ixm_advance(m, 10 * 1000 * 1000);
	return m;
}

/* ---- negative tests: the model catches each wrong order */

static void reset_with_interrupts_enabled(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_EIMS, IXGBE_EICR_LSC);
	wr(m, IXGBE_CTRL, IXGBE_CTRL_RST);
	assert_true(ixm_has_error(m, IXM_E_RESET_UNMASKED));
	ixm_free(m);
}

static void write_during_reset(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_CTRL, IXGBE_CTRL_RST);
	wr(m, IXGBE_FCTRL, IXGBE_FCTRL_BAM); /* no wait for CTRL.RST to clear */
	assert_true(ixm_has_error(m, IXM_E_ACCESS_IN_RESET));
	ixm_free(m);
}

static void config_before_eeprom_and_dma(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_CTRL, IXGBE_CTRL_RST);
	ixm_advance(m, 100 * 1000); /* reset over, auto-read still running */
	assert_int_equal(rd(m, IXGBE_CTRL) & IXGBE_CTRL_RST, 0);
	assert_int_equal(rd(m, IXGBE_EEC) & IXGBE_EEC_ARD, 0);
	wr(m, IXGBE_HLREG0, IXGBE_HLREG0_RXCRCSTRP);
	assert_true(ixm_has_error(m, IXM_E_CFG_BEFORE_READY));
	ixm_free(m);
}

static void rx_enable_before_queue_setup(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_RXCTRL, IXGBE_RXCTRL_RXEN);
	assert_true(ixm_has_error(m, IXM_E_RXEN_BEFORE_SETUP));
	ixm_free(m);
}

static void queue_enable_before_ring(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_RXDCTL(3), IXGBE_RXDCTL_ENABLE);
	assert_true(ixm_has_error(m, IXM_E_RXQ_ENABLE_UNSET));
	wr(m, IXGBE_DMATXCTL, IXGBE_DMATXCTL_TE);
	wr(m, IXGBE_TXDCTL(3), IXGBE_TXDCTL_ENABLE);
	assert_true(ixm_has_error(m, IXM_E_TXQ_ENABLE_UNSET));
	ixm_free(m);
}

static void tx_enable_before_te(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	struct nd_platform p;
	ixm_platform(m, &p);
	uint64_t phys;
	assert_non_null(p.dma_alloc(p.ctx, 4096, &phys));
	wr(m, IXGBE_TDBAL(0), (uint32_t)phys);
	wr(m, IXGBE_TDBAH(0), (uint32_t)(phys >> 32));
	wr(m, IXGBE_TDLEN(0), 1024);
	wr(m, IXGBE_TXDCTL(0), IXGBE_TXDCTL_ENABLE);
	assert_true(ixm_has_error(m, IXM_E_TXQ_ENABLE_BEFORE_TE));
	assert_false(ixm_has_error(m, IXM_E_TXQ_ENABLE_UNSET));
	ixm_free(m);
}

/* the enable bit must read back set before the tail is written */
static void tail_before_enable(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	struct nd_platform p;
	ixm_platform(m, &p);
	uint64_t phys;
	assert_non_null(p.dma_alloc(p.ctx, 4096, &phys));
	wr(m, IXGBE_RDBAL(0), (uint32_t)phys);
	wr(m, IXGBE_RDBAH(0), (uint32_t)(phys >> 32));
	wr(m, IXGBE_RDLEN(0), 1024);
	wr(m, IXGBE_SRRCTL(0), 2 | IXGBE_SRRCTL_DESCTYPE_ADV_ONEBUF);
	wr(m, IXGBE_RDT(0), 10); /* not enabled at all */
	assert_true(ixm_has_error(m, IXM_E_RX_TAIL_BEFORE_ENABLE));
	ixm_clear_errors(m);
	wr(m, IXGBE_RXDCTL(0), IXGBE_RXDCTL_ENABLE);
	wr(m, IXGBE_RDT(0), 10); /* enabled, but not polled */
	assert_true(ixm_has_error(m, IXM_E_RX_TAIL_BEFORE_ENABLE));
	ixm_clear_errors(m);
	for (int i = 0; i < 100 && !(rd(m, IXGBE_RXDCTL(0)) & IXGBE_RXDCTL_ENABLE); i++)
		ixm_advance(m, 1000);
	wr(m, IXGBE_RDT(0), 10); /* now fine */
	assert_int_equal(ixm_error_count(m), 0);
	wr(m, IXGBE_RDT(0), 64); /* past the 64-descriptor ring */
	assert_true(ixm_has_error(m, IXM_E_TAIL_RANGE));
	ixm_free(m);
}

/* the driver's queue_init on a queue that is running: refused by the model */
static void reconfigure_enabled_queue(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 2, 32, NULL);
	struct netq again = {.nd = &r.core[1]};
	struct netq_setup s;
	assert_int_equal(ixgbe_ops.queue_init(&again, 1, 32, &s), 0);
	assert_true(ixm_has_error(r.m, IXM_E_RXQ_CFG_ENABLED));
	assert_true(ixm_has_error(r.m, IXM_E_TXQ_CFG_ENABLED));
	ixm_clear_errors(r.m);
	wr(r.m, IXGBE_RDH(1), 0);
	assert_true(ixm_has_error(r.m, IXM_E_HEAD_WRITE_ENABLED));
	rig_down(&r);
}

static void rss_enable_while_receiving(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL);
	wr(r.m, IXGBE_MRQC, 0);
	assert_true(ixm_has_error(r.m, IXM_E_MRQC_WHILE_RX));
	rig_down(&r);
}

static void fdir_order(void **state)
{
	(void)state;
	struct ixm *m = fresh_ready_model();
	wr(m, IXGBE_FDIRCMD, IXGBE_FDIRCMD_CMD_ADD);
	assert_true(ixm_has_error(m, IXM_E_FDIR_CMD_BEFORE_INIT));
	ixm_free(m);

	struct rig r;
	rig_up(&r, 2, 32, NULL);
	struct nd_filter f = {.src_ip = IP(10, 0, 0, 2), .dst_ip = IP(10, 0, 0, 1), .src_port = 5555,
			      .dst_port = 80, .proto = 6, .queue = 1};
	assert_int_equal(r.ctl.ops->filter_add(&r.ctl, &f), 0);
	assert_int_equal(ixm_error_count(r.m), 0);
	wr(r.m, IXGBE_FDIRSIP4M, 0xFF);
	assert_true(ixm_has_error(r.m, IXM_E_FDIR_CFG_WITH_FILTERS));
	rig_down(&r);
}

/* pre-start: buffers posted before queue_start wait for the enable */
static void refill_before_start_defers_tail(void **state)
{
	(void)state;
	struct rig r;
	rig_up(&r, 1, 32, NULL); /* rig_up posts before start and asserts no error */
	assert_int_equal(ixm_peek(r.m, IXGBE_RDT(0)), 31);
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

/* a device that never finishes its EEPROM auto-read: init gives up */
static void eeprom_timeout(void **state)
{
	(void)state;
	struct ixm_config c = {.eeprom_us = 1000 * 1000 * 1000};
	struct ixm *m = ixm_new(&c);
	struct netdev nd = {.ops = &ixgbe_ops};
	ixm_platform(m, &nd.plat);
	assert_int_equal(ixgbe_ops.init(&nd), -ETIMEDOUT);
	ixm_free(m);
}

/* start refuses until every queue it is asked to start was committed */
static void start_needs_commits(void **state)
{
	(void)state;
	struct ixm *m = ixm_new(NULL);
	struct netdev nd = {.ops = &ixgbe_ops};
	ixm_platform(m, &nd.plat);
	assert_int_equal(ixgbe_ops.init(&nd), 0);
	assert_int_equal(ixgbe_ops.start(&nd, 2), -EINVAL);
	assert_false(ixm_peek(m, IXGBE_RXCTRL) & IXGBE_RXCTRL_RXEN);
	/* bad rings are refused before touching the device */
	struct netq q = {.nd = &nd};
	struct netq_setup s;
	assert_int_equal(ixgbe_ops.queue_init(&q, 0, 100, &s), -EINVAL);
	assert_int_equal(ixgbe_ops.queue_init(&q, 0, 8, &s), -EINVAL);
	assert_int_equal(ixgbe_ops.queue_init(&q, 70, 64, &s), -EINVAL);
	assert_int_equal(ixm_error_count(m), 0);
	ixm_free(m);
}


/* ---- DESIGN 4: a core touches only its own queue's registers */

struct spy {
	struct nd_platform real;
	int q;
	int writes, bad;
	uint32_t bad_reg;
};

static bool own_register(int q, uint32_t reg, uint32_t v)
{
	for (uint32_t off = 0; off <= 0x3C; off += 4)
		if (reg == (uint32_t)IXGBE_RXQ_REG(q, off) || reg == (uint32_t)IXGBE_TXQ_REG(q, off))
			return true;
	if (reg == (uint32_t)IXGBE_EITR(q))
		return true;
	if (reg == (uint32_t)IXGBE_EIMS_EX(q / 32) || reg == (uint32_t)IXGBE_EIMC_EX(q / 32))
		return v == 1u << (q % 32); /* its own bit only */
	return false;
}

static uint32_t spy_rd(void *ctx, uint32_t reg)
{
	struct spy *s = ctx;
	return s->real.rd32(s->real.ctx, reg);
}

static void spy_wr(void *ctx, uint32_t reg, uint32_t v)
{
	struct spy *s = ctx;
	s->writes++;
	if (!own_register(s->q, reg, v)) {
		s->bad++;
		s->bad_reg = reg;
	}
	s->real.wr32(s->real.ctx, reg, v);
}

static void *spy_dma(void *ctx, size_t len, uint64_t *phys)
{
	struct spy *s = ctx;
	return s->real.dma_alloc(s->real.ctx, len, phys);
}

static void spy_delay(void *ctx, uint32_t us)
{
	struct spy *s = ctx;
	s->real.delay_us(s->real.ctx, us);
}

static int spy_irq(void *ctx, int entry)
{
	struct spy *s = ctx;
	return entry == s->q ? s->real.irq_attach(s->real.ctx, entry) : -1;
}

static void per_core_writes_only_own_registers(void **state)
{
	(void)state;
	enum { NQ = 6 };
	struct ixm *m = ixm_new(NULL);
	ixm_set_link(m, true);
	struct netdev ctl = {.ops = &ixgbe_ops};
	ixm_platform(m, &ctl.plat);
	assert_int_equal(ixgbe_ops.init(&ctl), 0);
	static struct spy spy[NQ];
	static struct netdev core[NQ];
	static struct netq q[NQ];
	memset(spy, 0, sizeof(spy));
	memset(core, 0, sizeof(core));
	memset(q, 0, sizeof(q));
	struct nd_platform base;
	ixm_platform(m, &base);
	uint64_t phys;
	uint8_t *mem = base.dma_alloc(base.ctx, (size_t)NQ * 64 * 2048, &phys);
	static struct nd_buf bufs[NQ * 64];
	for (int i = 0; i < NQ * 64; i++)
		bufs[i] = (struct nd_buf){.data = mem + i * 2048, .phys = phys + (uint64_t)i * 2048, .cap = 2048};
	q[0].nd = &ctl;
	for (int i = 1; i < NQ; i++) {
		spy[i].real = base;
		spy[i].q = i;
		core[i].ops = &ixgbe_ops;
		core[i].plat = base;
		core[i].plat.ctx = &spy[i];
		core[i].plat.rd32 = spy_rd;
		core[i].plat.wr32 = spy_wr;
		core[i].plat.dma_alloc = spy_dma;
		core[i].plat.delay_us = spy_delay;
		core[i].plat.irq_attach = spy_irq;
		core[i].max_queues = ctl.max_queues;
		assert_int_equal(ixgbe_ops.attach(&core[i]), 0);
		q[i].nd = &core[i];
	}
	for (int i = 0; i < NQ; i++) {
		struct netq_setup s;
		assert_int_equal(q[i].nd->ops->queue_init(&q[i], i, 64, &s), 0);
		assert_int_equal(ixgbe_ops.queue_commit(&ctl, &s), 0);
	}
	assert_int_equal(ixgbe_ops.start(&ctl, NQ), 0);
	for (int i = 0; i < NQ; i++) {
		struct nd_buf *b[32];
		for (int k = 0; k < 32; k++)
			b[k] = &bufs[i * 64 + k];
		assert_int_equal(q[i].nd->ops->queue_start(&q[i], NULL), 0);
		assert_int_equal(q[i].nd->ops->rx_refill(&q[i], b, 32), 32);
		assert_false(q[i].nd->ops->irq_enable(&q[i]));
		/* send one and take it back */
		struct nd_buf *t = &bufs[i * 64 + 40];
		memset(t->data, 0, 60);
		memcpy(t->data, ctl.mac, 6);
		t->len = 60;
		assert_int_equal(q[i].nd->ops->tx_burst(&q[i], &t, 1), 1);
		assert_int_equal(q[i].nd->ops->tx_reclaim(&q[i], b, 32), 1);
		assert_int_equal(q[i].nd->ops->rx_burst(&q[i], b, 32), 0);
		q[i].nd->ops->irq_disable(&q[i]);
	}
	for (int i = 1; i < NQ; i++) {
		assert_true(spy[i].writes > 10);
		if (spy[i].bad)
			fail_msg("core %d wrote register %#x, not its own", i, spy[i].bad_reg);
	}
	/* and the device-wide operations refuse to run on a per-core instance */
	assert_int_equal(ixgbe_ops.start(&core[1], NQ), -EINVAL);
	struct netq_setup s = {.qid = 1};
	assert_int_equal(ixgbe_ops.queue_commit(&core[1], &s), -EINVAL);
	struct nd_rss rss = {.key_len = 40, .table_len = 1};
	assert_int_equal(ixgbe_ops.set_rss(&core[1], &rss), -EINVAL);
	static uint16_t groups[ND_FLOW_GROUPS];
	assert_int_equal(ixgbe_ops.groups_set(&core[1], groups), -EINVAL);
	assert_int_equal(spy[1].bad, 0);
	assert_int_equal(ixm_error_count(m), 0);
	ixm_free(m);
}

/* a slow device (EEPROM auto-read and DMA init beyond the 10 ms reset wait,
 * queue enables and Flow Director init taking long): the driver waits for
 * each, the model sees nothing out of order */
static void slow_device_still_ordered(void **state)
{
	(void)state;
	struct ixm_config c = {.eeprom_us = 15000, .dma_init_us = 18000, .enable_us = 400, .fdir_init_us = 900,
			       .reset_us = 300};
	struct rig r;
	rig_up(&r, 3, 32, &c); /* asserts no model error */
	assert_int_equal(ixm_error_count(r.m), 0);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_bringup),
		cmocka_unit_test(kx4_link),
		cmocka_unit_test(slow_device_still_ordered),
		cmocka_unit_test(match_ids),
		cmocka_unit_test(reset_with_interrupts_enabled),
		cmocka_unit_test(write_during_reset),
		cmocka_unit_test(config_before_eeprom_and_dma),
		cmocka_unit_test(rx_enable_before_queue_setup),
		cmocka_unit_test(queue_enable_before_ring),
		cmocka_unit_test(tx_enable_before_te),
		cmocka_unit_test(tail_before_enable),
		cmocka_unit_test(reconfigure_enabled_queue),
		cmocka_unit_test(rss_enable_while_receiving),
		cmocka_unit_test(fdir_order),
		cmocka_unit_test(refill_before_start_defers_tail),
		cmocka_unit_test(eeprom_timeout),
		cmocka_unit_test(start_needs_commits),
		cmocka_unit_test(per_core_writes_only_own_registers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
