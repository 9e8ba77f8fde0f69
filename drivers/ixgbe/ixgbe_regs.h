/*
 * drivers/ixgbe/ixgbe_regs.h - Intel 82599 10 GbE controller: the registers,
 * bits and descriptor layouts this driver (and its model) use.
 *
 * Source: Intel 82599 10 GbE Controller Datasheet (331520), chapter 8.2.3
 * (register descriptions) and chapter 7 (descriptor formats, RSS, Flow
 * Director, interrupts). "DS x.y.z" below names the datasheet section. Names
 * follow IXGBE_<REG>_<FIELD>. Offsets are byte offsets in BAR 0; every
 * register is 32 bits wide and little-endian.
 */
#ifndef DRIVERS_IXGBE_REGS_H
#define DRIVERS_IXGBE_REGS_H

#include <stdint.h>

/* ------------------------------------------------ PCI identity (DS 9.3.3.2) */
#define IXGBE_PCI_VENDOR_INTEL 0x8086
/* 82599 family device IDs (DS 9.3.3.2 and the 82599 spec update); X520
 * adapters are built on the 82599 and use the SFP+ IDs. */
#define IXGBE_DEV_82599_KX4 0x10F7
#define IXGBE_DEV_82599_KX4_MEZZ 0x1514
#define IXGBE_DEV_82599_KR 0x1517
#define IXGBE_DEV_82599_COMBO_BACKPLANE 0x10F8
#define IXGBE_DEV_82599_CX4 0x10F9
#define IXGBE_DEV_82599_SFP 0x10FB /* X520-DA2, X520-SR1/SR2/LR1 */
#define IXGBE_DEV_82599_BACKPLANE_FCOE 0x152A
#define IXGBE_DEV_82599_SFP_FCOE 0x1529
#define IXGBE_DEV_82599_SFP_EM 0x1507
#define IXGBE_DEV_82599_SFP_SF2 0x154D
#define IXGBE_DEV_82599_SFP_SF_QP 0x154A /* X520-QDA1 */
#define IXGBE_DEV_82599_QSFP_SF_QP 0x1558
#define IXGBE_DEV_82599EN_SFP 0x1557 /* X520-DA1 (single port) */
#define IXGBE_DEV_82599_XAUI_LOM 0x10FC
#define IXGBE_DEV_82599_T3_LOM 0x151C
#define IXGBE_DEV_82599_LS 0x154F

/* ------------------------------------------------ general control (DS 8.2.3.1) */
#define IXGBE_CTRL 0x00000                 /* DS 8.2.3.1.1 */
#define IXGBE_CTRL_PCIE_MASTER_DISABLE (1u << 2)
#define IXGBE_CTRL_LRST (1u << 3)         /* link reset */
#define IXGBE_CTRL_RST (1u << 26)         /* device reset, self-clearing */
#define IXGBE_CTRL_RST_MASK (IXGBE_CTRL_LRST | IXGBE_CTRL_RST)

#define IXGBE_STATUS 0x00008               /* DS 8.2.3.1.2 */
#define IXGBE_STATUS_LAN_ID_SHIFT 2
#define IXGBE_STATUS_LINK_UP (1u << 7)
#define IXGBE_STATUS_MASTER_EN (1u << 19) /* PCIe master enable status */

#define IXGBE_CTRL_EXT 0x00018             /* DS 8.2.3.1.3 */
#define IXGBE_CTRL_EXT_NS_DIS (1u << 16)
#define IXGBE_CTRL_EXT_DRV_LOAD (1u << 28)

/* ------------------------------------------------ EEPROM (DS 8.2.3.2) */
#define IXGBE_EEC 0x10010                  /* DS 8.2.3.2.1 */
#define IXGBE_EEC_PRES (1u << 8)          /* EEPROM present */
#define IXGBE_EEC_ARD (1u << 9)           /* EEPROM auto-read done */

/* ------------------------------------------------ interrupts (DS 8.2.3.5, 7.3) */
#define IXGBE_EICR 0x00800                 /* DS 8.2.3.5.1: cause, write 1 to clear */
#define IXGBE_EICS 0x00808                 /* DS 8.2.3.5.3: cause set */
#define IXGBE_EIAC 0x00810                 /* DS 8.2.3.5.5: auto clear */
#define IXGBE_EIMS 0x00880                 /* DS 8.2.3.5.4: mask set / read */
#define IXGBE_EIMC 0x00888                 /* DS 8.2.3.5.4: mask clear */
#define IXGBE_EIAM 0x00890                 /* DS 8.2.3.5.6: auto mask */
#define IXGBE_GPIE 0x00898                 /* DS 8.2.3.5.18 */
#define IXGBE_EICS_EX(n) (0x00A90 + 4 * (n)) /* DS 8.2.3.5.8: vectors 32n..32n+31 */
#define IXGBE_EIMS_EX(n) (0x00AA0 + 4 * (n)) /* DS 8.2.3.5.9 */
#define IXGBE_EIMC_EX(n) (0x00AB0 + 4 * (n)) /* DS 8.2.3.5.10 */
#define IXGBE_EIAM_EX(n) (0x00AD0 + 4 * (n)) /* DS 8.2.3.5.11 */
#define IXGBE_EITR(v) ((v) < 24 ? 0x00820 + 4 * (v) : 0x12300 + 4 * ((v) - 24)) /* DS 8.2.3.5.12 */
#define IXGBE_IVAR(n) (0x00900 + 4 * (n))  /* DS 8.2.3.5.13: queues 2n and 2n+1 */
#define IXGBE_IVAR_MISC 0x00A00            /* DS 8.2.3.5.14 */

/* EICR / EICS / EIMS / EIMC / EIAC bits (DS 8.2.3.5.1) */
#define IXGBE_EICR_RTX_QUEUE 0x0000FFFFu  /* MSI-X: vectors 0..15 */
#define IXGBE_EICR_FLOW_DIR (1u << 16)
#define IXGBE_EICR_RX_MISS (1u << 17)
#define IXGBE_EICR_LSC (1u << 20)         /* link status change */
#define IXGBE_EICR_TCP_TIMER (1u << 30)
#define IXGBE_EICR_OTHER (1u << 31)
#define IXGBE_EIMC_ALL 0x7FFFFFFFu        /* DS 4.6.3.1: mask everything */

#define IXGBE_GPIE_MSIX_MODE (1u << 4)    /* Multiple_MSIX */
#define IXGBE_GPIE_OCD (1u << 5)          /* other clear disable */
#define IXGBE_GPIE_EIAME (1u << 30)       /* auto mask enable */
#define IXGBE_GPIE_PBA_SUPPORT (1u << 31)

/* EITR (DS 8.2.3.5.12): interval in bits 11:3, 2 us units */
#define IXGBE_EITR_ITR_SHIFT 3
#define IXGBE_EITR_ITR_MASK (0x1FFu << 3)
#define IXGBE_EITR_CNT_WDIS (1u << 31)
#define IXGBE_EITR_UNIT_NS 2000u

/* IVAR: one byte per cause: RX queue 2n in 7:0, TX queue 2n in 15:8, RX
 * queue 2n+1 in 23:16, TX queue 2n+1 in 31:24. IVAR_MISC: byte 0 TCP
 * timer, byte 1 other causes (LSC ...). (DS 8.2.3.5.13-14, 7.3.4) */
#define IXGBE_IVAR_ALLOC_MASK 0x3Fu
#define IXGBE_IVAR_ALLOC_VAL 0x80u
#define IXGBE_IVAR_BYTE(q, tx) ((((q) & 1) * 2 + ((tx) ? 1 : 0)) * 8)
#define IXGBE_IVAR_MISC_OTHER_SHIFT 8

#define IXGBE_MSIX_VECTORS 64 /* DS 7.3.1: 64 MSI-X vectors per function */

/* ------------------------------------------------ receive filtering (DS 8.2.3.7) */
#define IXGBE_RXCSUM 0x05000               /* DS 8.2.3.7.2 */
#define IXGBE_RXCSUM_IPPCSE (1u << 12)
#define IXGBE_RXCSUM_PCSD (1u << 13)      /* RSS hash instead of fragment csum */
#define IXGBE_FCTRL 0x05080                /* DS 8.2.3.7.1 */
#define IXGBE_FCTRL_SBP (1u << 1)
#define IXGBE_FCTRL_MPE (1u << 8)
#define IXGBE_FCTRL_UPE (1u << 9)
#define IXGBE_FCTRL_BAM (1u << 10)
#define IXGBE_RAL(n) (0x0A200 + 8 * (n))   /* DS 8.2.3.7.9 */
#define IXGBE_RAH(n) (0x0A204 + 8 * (n))   /* DS 8.2.3.7.10 */
#define IXGBE_RAH_AV (1u << 31)
#define IXGBE_PSRTYPE(n) (0x0EA00 + 4 * (n)) /* DS 8.2.3.7.4 */

/* RSS (DS 8.2.3.7.12-15, 7.1.2.8) */
#define IXGBE_MRQC 0x0EC80                 /* DS 8.2.3.7.12 */
#define IXGBE_MRQC_MRQE_MASK 0xFu
#define IXGBE_MRQC_MRQE_RSS 0x1u          /* RSS only, no DCB / VT */
#define IXGBE_MRQC_TCPIPV4 (1u << 16)
#define IXGBE_MRQC_IPV4 (1u << 17)
#define IXGBE_MRQC_IPV6 (1u << 20)
#define IXGBE_MRQC_TCPIPV6 (1u << 21)
#define IXGBE_MRQC_UDPIPV4 (1u << 22)
#define IXGBE_RETA(n) (0x0EB00 + 4 * (n))  /* DS 8.2.3.7.13: 32 regs x 4 entries */
#define IXGBE_RETA_ENTRIES 128
#define IXGBE_RETA_QMASK 0xFu             /* RSS output index: 4 bits (16 queues) */
#define IXGBE_RSSRK(n) (0x0EB80 + 4 * (n)) /* DS 8.2.3.7.14: 10 x 32 bits */
#define IXGBE_RSS_KEY_LEN 40
#define IXGBE_RSS_MAX_QUEUES 16

/* ------------------------------------------------ receive DMA (DS 8.2.3.8) */
#define IXGBE_RXQ_REG(q, off) ((q) < 64 ? 0x01000 + 0x40 * (q) + (off) : 0x0D000 + 0x40 * ((q) - 64) + (off))
#define IXGBE_RDBAL(q) IXGBE_RXQ_REG(q, 0x00)  /* DS 8.2.3.8.1 */
#define IXGBE_RDBAH(q) IXGBE_RXQ_REG(q, 0x04)  /* DS 8.2.3.8.2 */
#define IXGBE_RDLEN(q) IXGBE_RXQ_REG(q, 0x08)  /* DS 8.2.3.8.3 */
#define IXGBE_RDH(q) IXGBE_RXQ_REG(q, 0x10)    /* DS 8.2.3.8.4 */
#define IXGBE_SRRCTL(q) IXGBE_RXQ_REG(q, 0x14) /* DS 8.2.3.8.7 */
#define IXGBE_RDT(q) IXGBE_RXQ_REG(q, 0x18)    /* DS 8.2.3.8.5 */
#define IXGBE_RXDCTL(q) IXGBE_RXQ_REG(q, 0x28) /* DS 8.2.3.8.6 */

#define IXGBE_RXDCTL_ENABLE (1u << 25)
#define IXGBE_RXDCTL_VME (1u << 30)

#define IXGBE_SRRCTL_BSIZEPKT_MASK 0x1Fu  /* packet buffer, 1 KB units */
#define IXGBE_SRRCTL_BSIZEPKT_UNIT 1024u
#define IXGBE_SRRCTL_BSIZEHDR_SHIFT 8     /* header buffer, 64 B units */
#define IXGBE_SRRCTL_DESCTYPE_SHIFT 25
#define IXGBE_SRRCTL_DESCTYPE_MASK (7u << 25)
#define IXGBE_SRRCTL_DESCTYPE_ADV_ONEBUF (1u << 25)
#define IXGBE_SRRCTL_DROP_EN (1u << 28)

#define IXGBE_RDRXCTL 0x02F00              /* DS 8.2.3.8.8 */
#define IXGBE_RDRXCTL_CRCSTRIP (1u << 1)
#define IXGBE_RDRXCTL_DMAIDONE (1u << 3)
#define IXGBE_RDRXCTL_RSCFRSTSIZE (0x1Fu << 17)
#define IXGBE_RDRXCTL_RSCACKC (1u << 25)
#define IXGBE_RDRXCTL_FCOE_WRFIX (1u << 26)
#define IXGBE_RXPBSIZE(n) (0x03C00 + 4 * (n)) /* DS 8.2.3.8.9: size in KB at bits 19:10 */
#define IXGBE_RXPBSIZE_SHIFT 10
#define IXGBE_RXCTRL 0x03000               /* DS 8.2.3.8.10 */
#define IXGBE_RXCTRL_RXEN (1u << 0)

/* ------------------------------------------------ transmit (DS 8.2.3.9) */
#define IXGBE_DMATXCTL 0x04A80             /* DS 8.2.3.9.2 */
#define IXGBE_DMATXCTL_TE (1u << 0)
#define IXGBE_RTTDCS 0x04900               /* DS 8.2.3.10.2: DCB TX descriptor plane */
#define IXGBE_RTTDCS_ARBDIS (1u << 6)
#define IXGBE_MTQC 0x08120                 /* DS 8.2.3.9.15 */
#define IXGBE_TXQ_REG(q, off) (0x06000 + 0x40 * (q) + (off))
#define IXGBE_TDBAL(q) IXGBE_TXQ_REG(q, 0x00)  /* DS 8.2.3.9.5 */
#define IXGBE_TDBAH(q) IXGBE_TXQ_REG(q, 0x04)  /* DS 8.2.3.9.6 */
#define IXGBE_TDLEN(q) IXGBE_TXQ_REG(q, 0x08)  /* DS 8.2.3.9.7 */
#define IXGBE_TDH(q) IXGBE_TXQ_REG(q, 0x10)    /* DS 8.2.3.9.8 */
#define IXGBE_TDT(q) IXGBE_TXQ_REG(q, 0x18)    /* DS 8.2.3.9.9 */
#define IXGBE_TXDCTL(q) IXGBE_TXQ_REG(q, 0x28) /* DS 8.2.3.9.10 */
#define IXGBE_TXDCTL_PTHRESH_SHIFT 0
#define IXGBE_TXDCTL_HTHRESH_SHIFT 8
#define IXGBE_TXDCTL_WTHRESH_SHIFT 16
#define IXGBE_TXDCTL_ENABLE (1u << 25)
#define IXGBE_TXDCTL_SWFLSH (1u << 26)

/* ------------------------------------------------ MAC (DS 8.2.3.22) */
#define IXGBE_HLREG0 0x04240               /* DS 8.2.3.22.8 */
#define IXGBE_HLREG0_TXCRCEN (1u << 0)
#define IXGBE_HLREG0_RXCRCSTRP (1u << 1)
#define IXGBE_HLREG0_JUMBOEN (1u << 2)
#define IXGBE_HLREG0_TXPADEN (1u << 10)
#define IXGBE_HLREG0_LPBK (1u << 15)
#define IXGBE_MAXFRS 0x04268               /* DS 8.2.3.22.13: MFS in bits 31:16 */
#define IXGBE_MAXFRS_MFS_SHIFT 16
#define IXGBE_AUTOC 0x042A0                /* DS 8.2.3.22.19 */
#define IXGBE_AUTOC_RESTART_AN (1u << 12)
#define IXGBE_AUTOC_LMS_SHIFT 13
#define IXGBE_AUTOC_LMS_MASK (7u << 13)
#define IXGBE_AUTOC_LMS_10G_LINK_NO_AN (1u << 13) /* 001: KX4 parallel, no AN */
#define IXGBE_AUTOC_LMS_10G_SERIAL (3u << 13)     /* 011: SFI, no AN */
#define IXGBE_AUTOC_LMS_KX4_KX_KR (4u << 13)      /* 100: backplane AN */
#define IXGBE_LINKS 0x042A4                /* DS 8.2.3.22.20 */
#define IXGBE_LINKS_UP (1u << 30)
#define IXGBE_LINKS_SPEED_SHIFT 28
#define IXGBE_LINKS_SPEED_MASK (3u << 28)
#define IXGBE_LINKS_SPEED_10G (3u << 28)

/* ------------------------------------------------ statistics (DS 8.2.3.23), clear on read */
#define IXGBE_CRCERRS 0x04000
#define IXGBE_RLEC 0x04040
#define IXGBE_GPRC 0x04074
#define IXGBE_GPTC 0x04080
#define IXGBE_GORCL 0x04088
#define IXGBE_GORCH 0x0408C
#define IXGBE_GOTCL 0x04090
#define IXGBE_GOTCH 0x04094
#define IXGBE_RUC 0x040A4
#define IXGBE_ROC 0x040AC
#define IXGBE_TPR 0x040D0
#define IXGBE_TPT 0x040D4
#define IXGBE_MPC(n) (0x03FA0 + 4 * (n))   /* missed packets per packet buffer */
#define IXGBE_QPRC(n) (0x01030 + 0x40 * (n))  /* n = statistics index 0..15 */
#define IXGBE_QPRDC(n) (0x01430 + 0x40 * (n))
#define IXGBE_QPTC(n) (0x08680 + 4 * (n))
#define IXGBE_RQSMR(n) (0x02300 + 4 * (n)) /* queues 4n..4n+3 -> statistics index */
#define IXGBE_TQSM(n) (0x08600 + 4 * (n))
#define IXGBE_QSTAT_INDEXES 16

/* ------------------------------------------------ Flow Director (DS 8.2.3.21, 7.1.2.7) */
#define IXGBE_FDIRCTRL 0x0EE00             /* DS 8.2.3.21.1 */
#define IXGBE_FDIRCTRL_PBALLOC_MASK 3u
#define IXGBE_FDIRCTRL_PBALLOC_64K 1u
#define IXGBE_FDIRCTRL_PBALLOC_128K 2u
#define IXGBE_FDIRCTRL_PBALLOC_256K 3u
#define IXGBE_FDIRCTRL_INIT_DONE (1u << 3)
#define IXGBE_FDIRCTRL_PERFECT_MATCH (1u << 4)
#define IXGBE_FDIRCTRL_REPORT_STATUS (1u << 5)
#define IXGBE_FDIRCTRL_REPORT_STATUS_ALWAYS (1u << 7)
#define IXGBE_FDIRCTRL_DROP_Q_SHIFT 8
#define IXGBE_FDIRCTRL_FLEX_SHIFT 16
#define IXGBE_FDIRCTRL_MAX_LENGTH_SHIFT 24
#define IXGBE_FDIRCTRL_FULL_THRESH_SHIFT 28
#define IXGBE_FDIRSIPV6(n) (0x0EE0C + 4 * (n)) /* DS 8.2.3.21.2 */
#define IXGBE_FDIRIPSA 0x0EE18             /* DS 8.2.3.21.3 */
#define IXGBE_FDIRIPDA 0x0EE1C             /* DS 8.2.3.21.4 */
#define IXGBE_FDIRPORT 0x0EE20             /* DS 8.2.3.21.5: source 15:0, destination 31:16 */
#define IXGBE_FDIRPORT_DST_SHIFT 16
#define IXGBE_FDIRVLAN 0x0EE24             /* DS 8.2.3.21.6: VLAN 15:0, flex 31:16 */
#define IXGBE_FDIRHASH 0x0EE28             /* DS 8.2.3.21.7 */
#define IXGBE_FDIRHASH_HASH_MASK 0x7FFFu
#define IXGBE_FDIRHASH_VALID (1u << 15)
#define IXGBE_FDIRHASH_SIG_SHIFT 16       /* signature or software index, 30:16 */
#define IXGBE_FDIRHASH_SIG_MASK 0x7FFFu
#define IXGBE_FDIRCMD 0x0EE2C              /* DS 8.2.3.21.8 */
#define IXGBE_FDIRCMD_CMD_MASK 3u
#define IXGBE_FDIRCMD_CMD_ADD 1u
#define IXGBE_FDIRCMD_CMD_REMOVE 2u
#define IXGBE_FDIRCMD_CMD_QUERY 3u
#define IXGBE_FDIRCMD_FILTER_VALID (1u << 2)
#define IXGBE_FDIRCMD_FILTER_UPDATE (1u << 3)
#define IXGBE_FDIRCMD_L4TYPE_SHIFT 5
#define IXGBE_FDIRCMD_L4TYPE_MASK (3u << 5)
#define IXGBE_FDIRCMD_L4TYPE_UDP (1u << 5)
#define IXGBE_FDIRCMD_L4TYPE_TCP (2u << 5)
#define IXGBE_FDIRCMD_L4TYPE_SCTP (3u << 5)
#define IXGBE_FDIRCMD_IPV6 (1u << 7)
#define IXGBE_FDIRCMD_CLEARHT (1u << 8)
#define IXGBE_FDIRCMD_DROP (1u << 9)
#define IXGBE_FDIRCMD_INT (1u << 10)
#define IXGBE_FDIRCMD_LAST (1u << 11)
#define IXGBE_FDIRCMD_COLLISION (1u << 12)
#define IXGBE_FDIRCMD_QUEUE_EN (1u << 15)
#define IXGBE_FDIRCMD_RX_QUEUE_SHIFT 16
#define IXGBE_FDIRCMD_RX_QUEUE_MASK (0x7Fu << 16)
#define IXGBE_FDIRFREE 0x0EE38             /* DS 8.2.3.21.9 */
#define IXGBE_FDIRFREE_FREE_MASK 0xFFFFu
#define IXGBE_FDIRFREE_COLL_SHIFT 16
#define IXGBE_FDIRFREE_COLL_MASK (0x7FFFu << 16)
#define IXGBE_FDIRDIP4M 0x0EE3C            /* DS 8.2.3.21.10: 1 = bit not compared */
#define IXGBE_FDIRSIP4M 0x0EE40            /* DS 8.2.3.21.11 */
#define IXGBE_FDIRTCPM 0x0EE44             /* DS 8.2.3.21.12: source 15:0, destination 31:16 */
#define IXGBE_FDIRUDPM 0x0EE48             /* DS 8.2.3.21.13 */
#define IXGBE_FDIRLEN 0x0EE4C              /* DS 8.2.3.21.14 */
#define IXGBE_FDIRLEN_MAXLEN_MASK 0x3Fu
#define IXGBE_FDIRUSTAT 0x0EE50            /* DS 8.2.3.21.15: ADD 15:0, REMOVE 31:16 */
#define IXGBE_FDIRFSTAT 0x0EE54            /* DS 8.2.3.21.16: FADD 7:0, FREMOVE 15:8 */
#define IXGBE_FDIRMATCH 0x0EE58            /* DS 8.2.3.21.17 */
#define IXGBE_FDIRMISS 0x0EE5C             /* DS 8.2.3.21.18 */
#define IXGBE_FDIRHKEY 0x0EE68             /* DS 8.2.3.21.19: bucket hash key */
#define IXGBE_FDIRSKEY 0x0EE6C             /* DS 8.2.3.21.20: signature hash key */
#define IXGBE_FDIRM 0x0EE70                /* DS 8.2.3.21.21: 1 = field not compared */
#define IXGBE_FDIRM_VLANID (1u << 0)
#define IXGBE_FDIRM_VLANP (1u << 1)
#define IXGBE_FDIRM_POOL (1u << 2)
#define IXGBE_FDIRM_L4P (1u << 3)
#define IXGBE_FDIRM_FLEX (1u << 4)
#define IXGBE_FDIRM_DIPV6 (1u << 5)
#define IXGBE_FDIRIP6M 0x0EE74             /* DS 8.2.3.21.22 */

/* Flow Director table sizes with PBALLOC = 256 KB (DS 7.1.2.7.5, "Rx packet buffer allocation"):
 * 8 K - 1 perfect filters on a 13-bit bucket hash, 32 K - 1 signature
 * filters on a 15-bit bucket hash. */
#define IXGBE_FDIR_PERFECT_MAX_256K (8192 - 1)
#define IXGBE_FDIR_SIG_MAX_256K (32768 - 1)
#define IXGBE_FDIR_PERFECT_BUCKET_BITS_256K 13
#define IXGBE_FDIR_SIG_BUCKET_BITS_256K 15
#define IXGBE_RX_PB_TOTAL_KB 512           /* DS 7.1.2.7.5: RX packet buffer */

/* ------------------------------------------------ advanced RX descriptor (DS 7.1.6) */
/* read format (DS 7.1.6.1): packet buffer address, header buffer address */
/* write-back format (DS 7.1.6.2) */
#define IXGBE_RXD_RSSTYPE_MASK 0xFu       /* dword 0, 3:0 */
#define IXGBE_RXD_RSSTYPE_NONE 0x0u
#define IXGBE_RXD_RSSTYPE_TCPV4 0x1u
#define IXGBE_RXD_RSSTYPE_IPV4 0x2u
#define IXGBE_RXD_RSSTYPE_UDPV4 0x7u
#define IXGBE_RXD_RSSTYPE_FDIR 0xFu       /* dword 1 holds the filter ID */
#define IXGBE_RXD_PKTTYPE_SHIFT 4         /* dword 0, 16:4 */
#define IXGBE_RXD_PKTTYPE_IPV4 (1u << 0)
#define IXGBE_RXD_PKTTYPE_IPV4E (1u << 1)
#define IXGBE_RXD_PKTTYPE_IPV6 (1u << 2)
#define IXGBE_RXD_PKTTYPE_TCP (1u << 4)
#define IXGBE_RXD_PKTTYPE_UDP (1u << 5)
/* dword 2: extended status 19:0, extended errors 31:20 */
#define IXGBE_RXD_STAT_DD (1u << 0)
#define IXGBE_RXD_STAT_EOP (1u << 1)
#define IXGBE_RXD_STAT_FLM (1u << 2)      /* Flow Director filter matched */
#define IXGBE_RXD_STAT_VP (1u << 3)
#define IXGBE_RXD_STAT_UDPCS (1u << 4)
#define IXGBE_RXD_STAT_L4CS (1u << 5)     /* L4 integrity checked */
#define IXGBE_RXD_STAT_IPCS (1u << 6)
#define IXGBE_RXD_ERR_FDIR_LEN (1u << 20)
#define IXGBE_RXD_ERR_FDIR_DROP (1u << 21)
#define IXGBE_RXD_ERR_FDIR_COLL (1u << 22)
#define IXGBE_RXD_ERR_HBO (1u << 23)
#define IXGBE_RXD_ERR_RXE (1u << 29)      /* MAC error: CRC, length, symbol */
#define IXGBE_RXD_ERR_IPE (1u << 30)      /* IPv4 header checksum */
#define IXGBE_RXD_ERR_L4E (1u << 31)      /* TCP/UDP checksum */
/* dword 3: packet length 15:0, VLAN 31:16 */

union ixgbe_rx_desc {
	struct {
		uint64_t pkt_addr;
		uint64_t hdr_addr; /* bit 0 is DD in the write-back: keep 0 */
	} read;
	struct {
		uint32_t info;     /* RSS type, packet type */
		uint32_t rss;      /* RSS hash or Flow Director filter ID */
		uint32_t status;   /* status | errors */
		uint16_t length;
		uint16_t vlan;
	} wb;
};

/* ------------------------------------------------ advanced TX descriptors (DS 7.2.3.2) */
/* data descriptor (DS 7.2.3.2.4) */
#define IXGBE_TXD_DTALEN_MASK 0xFFFFu
#define IXGBE_TXD_DTYP_CTXT (0x2u << 20)
#define IXGBE_TXD_DTYP_DATA (0x3u << 20)
#define IXGBE_TXD_DTYP_MASK (0xFu << 20)
#define IXGBE_TXD_CMD_EOP (1u << 24)
#define IXGBE_TXD_CMD_IFCS (1u << 25)
#define IXGBE_TXD_CMD_RS (1u << 27)
#define IXGBE_TXD_CMD_DEXT (1u << 29)
#define IXGBE_TXD_CMD_VLE (1u << 30)
#define IXGBE_TXD_CMD_TSE (1u << 31)
#define IXGBE_TXD_STAT_DD (1u << 0)       /* olinfo_status, written back */
#define IXGBE_TXD_IDX_SHIFT 4             /* context index (0 or 1) */
#define IXGBE_TXD_CC (1u << 7)
#define IXGBE_TXD_POPTS_IXSM (1u << 8)    /* insert IPv4 header checksum */
#define IXGBE_TXD_POPTS_TXSM (1u << 9)    /* insert L4 checksum */
#define IXGBE_TXD_PAYLEN_SHIFT 14
/* context descriptor (DS 7.2.3.2.3) */
#define IXGBE_TXCTX_IPLEN_MASK 0x1FFu     /* vlan_macip_lens 8:0 */
#define IXGBE_TXCTX_MACLEN_SHIFT 9        /* 15:9 */
#define IXGBE_TXCTX_MACLEN_MASK (0x7Fu << 9)
#define IXGBE_TXCTX_TUCMD_IPV4 (1u << 10) /* type_tucmd_mlhl, TUCMD 19:9 */
#define IXGBE_TXCTX_TUCMD_L4T_UDP (0u << 11)
#define IXGBE_TXCTX_TUCMD_L4T_TCP (1u << 11)
#define IXGBE_TXCTX_TUCMD_L4T_MASK (3u << 11)
#define IXGBE_TXCTX_L4LEN_SHIFT 8         /* mss_l4len_idx 15:8 */

union ixgbe_tx_desc {
	struct {
		uint64_t buffer_addr;
		uint32_t cmd_type_len;
		uint32_t olinfo_status;
	} read;
	struct {
		uint64_t rsvd;
		uint32_t nxtseq_seed;
		uint32_t status;
	} wb;
};

struct ixgbe_tx_ctx_desc {
	uint32_t vlan_macip_lens;
	uint32_t seqnum_seed;
	uint32_t type_tucmd_mlhl;
	uint32_t mss_l4len_idx;
};

_Static_assert(sizeof(union ixgbe_rx_desc) == 16, "RX descriptor is 16 bytes");
_Static_assert(sizeof(union ixgbe_tx_desc) == 16, "TX descriptor is 16 bytes");
_Static_assert(sizeof(struct ixgbe_tx_ctx_desc) == 16, "context descriptor is 16 bytes");

/* ring lengths: a multiple of 128 bytes (8 descriptors), at most 64 K
 * descriptors (DS 8.2.3.8.3, 8.2.3.9.7) */
#define IXGBE_RING_ALIGN_DESCS 8
#define IXGBE_RING_MAX_DESCS 8192

#endif
