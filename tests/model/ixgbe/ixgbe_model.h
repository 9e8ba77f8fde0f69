/*
 * tests/model/ixgbe/ixgbe_model.h - a register-level model of the Intel 82599
 * for host tests, written from the datasheet (sections cited in the code).
 *
 * The model provides a struct nd_platform: register reads and writes go to
 * its register file (with reset values, self-clearing and clear-on-read
 * bits, and the side effects the driver relies on), DMA memory is host
 * memory with fake physical addresses the model translates, and time is a
 * virtual clock advanced by delay_us and by every register access.
 *
 * It enforces the ordering rules of the datasheet's initialization flows:
 * breaking one does not crash, it records an error (enum ixm_err) the test
 * asserts on. The wire is the test: ixm_rx_frame() puts a frame on the
 * receive side, ixm_tx_pop() takes what the device transmitted.
 */
#ifndef TESTS_MODEL_IXGBE_MODEL_H
#define TESTS_MODEL_IXGBE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/platform.h"

enum ixm_err {
	IXM_E_RESET_UNMASKED = 0,   /* CTRL.RST with interrupts enabled (DS 4.6.3.1) */
	IXM_E_ACCESS_IN_RESET,      /* register write while the reset runs */
	IXM_E_CFG_BEFORE_READY,     /* configuration before EEC.ARD and RDRXCTL.DMAIDONE (DS 4.6.3) */
	IXM_E_RXQ_CFG_ENABLED,      /* RDBAL/RDBAH/RDLEN/SRRCTL of an enabled queue (DS 4.6.7.1) */
	IXM_E_TXQ_CFG_ENABLED,      /* TDBAL/TDBAH/TDLEN of an enabled queue (DS 4.6.8.1) */
	IXM_E_RXQ_ENABLE_UNSET,     /* RXDCTL.ENABLE before the ring is set up */
	IXM_E_TXQ_ENABLE_UNSET,     /* TXDCTL.ENABLE before the ring is set up */
	IXM_E_TXQ_ENABLE_BEFORE_TE, /* TXDCTL.ENABLE before DMATXCTL.TE (DS 4.6.8) */
	IXM_E_RXEN_BEFORE_SETUP,    /* RXCTRL.RXEN with no receive queue set up (DS 4.6.7) */
	IXM_E_RX_TAIL_BEFORE_ENABLE,/* RDT written before RXDCTL.ENABLE reads back set */
	IXM_E_TX_TAIL_BEFORE_ENABLE,/* TDT written before TXDCTL.ENABLE reads back set */
	IXM_E_HEAD_WRITE_ENABLED,   /* RDH/TDH written while the queue is enabled */
	IXM_E_TAIL_RANGE,           /* tail beyond the ring */
	IXM_E_MRQC_WHILE_RX,        /* MRQC changed with the receive unit on (DS 7.1.2.8) */
	IXM_E_FDIR_CFG_WITH_FILTERS,/* FDIR masks / FDIRCTRL changed with filters present (DS 7.1.2.7.11) */
	IXM_E_FDIR_CMD_BEFORE_INIT, /* FDIRCMD before FDIRCTRL.INIT_DONE */
	IXM_E_DMA_UNMAPPED,         /* descriptor or buffer address outside DMA memory */
	IXM_E_BAD_TX_DESC,          /* a transmit descriptor the device cannot use */
	IXM_E_BAD_RX_DESC,          /* a receive descriptor with an unusable address */
	IXM_E_MAX
};

struct ixm_config {
	uint16_t device_id;   /* default 0x10FB (82599 SFP+) */
	uint8_t mac[6];       /* the EEPROM's station address */
	uint32_t reset_us;    /* CTRL.RST stays set this long (default 5) */
	uint32_t eeprom_us;   /* EEC.ARD after reset (default 2000) */
	uint32_t dma_init_us; /* RDRXCTL.DMAIDONE after reset (default 3000) */
	uint32_t enable_us;   /* queue enable bits read back after (default 5) */
	uint32_t fdir_init_us;/* FDIRCTRL.INIT_DONE after (default 55) */
	int msix_count;       /* MSI-X table entries (default 64) */
};

struct ixm;

struct ixm *ixm_new(const struct ixm_config *cfg); /* cfg may be NULL */
void ixm_free(struct ixm *m);
/* the platform a driver instance uses; every instance of a test shares one model */
void ixm_platform(struct ixm *m, struct nd_platform *plat);
const struct pika_pci_dev *ixm_pci(struct ixm *m);

/* ordering errors */
int ixm_error_count(const struct ixm *m);
bool ixm_has_error(const struct ixm *m, enum ixm_err e);
const char *ixm_last_error(const struct ixm *m);
void ixm_clear_errors(struct ixm *m);
const char *ixm_err_name(enum ixm_err e);

/* the clock */
uint64_t ixm_now(const struct ixm *m);
void ixm_advance(struct ixm *m, uint64_t ns); /* also delivers moderated interrupts */

/* the wire */
void ixm_set_link(struct ixm *m, bool up); /* the cable / the partner */
/* receive a frame (without CRC): returns the queue it went to, or -1 when
 * the device dropped it (see ixm_drop_reason) */
int ixm_rx_frame(struct ixm *m, const void *frame, size_t len);
const char *ixm_drop_reason(const struct ixm *m);
/* transmitted frames, oldest first: returns the length (0 when none), sets *queue */
size_t ixm_tx_pop(struct ixm *m, int *queue, void *buf, size_t cap);
int ixm_tx_count(const struct ixm *m);

/* interrupts: MSI-X messages sent per vector */
uint64_t ixm_msix_count(const struct ixm *m, int vector);
uint64_t ixm_msix_total(const struct ixm *m);

/* faults from the device side, applied to the next frame received */
void ixm_fault_rx_errors(struct ixm *m, uint32_t err_bits); /* extended error bits (31:20) */
void ixm_fault_rx_length(struct ixm *m, uint16_t len);      /* reported length */
/* write a completed descriptor (DD|EOP, length len) at the ring position the
 * device would use next, whether or not software posted it */
int ixm_fault_rx_writeback(struct ixm *m, int queue, uint16_t len);
int ixm_fault_tx_writeback(struct ixm *m, int queue); /* DD at TDH */

/* inspection without side effects */
uint32_t ixm_peek(const struct ixm *m, uint32_t reg);
int ixm_fdir_filters(const struct ixm *m);

/* the Flow Director hash evaluated literally from the datasheet's definition
 * (DS 7.1.2.7.15), bit by bit: the reference the driver is checked against */
uint16_t ixm_fdir_hash_ref(uint32_t key, const uint8_t stream[42]);
/* the Toeplitz hash as the datasheet's ComputeHash pseudo-code (DS 7.1.2.8.1) */
uint32_t ixm_toeplitz_ref(const uint8_t key[40], const uint8_t *in, size_t len);

#endif
