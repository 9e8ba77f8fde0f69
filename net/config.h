/* Compile-time limits of the stack (override with -D). Runtime sizes are in struct net_config. */
#ifndef NET_CONFIG_H
#define NET_CONFIG_H

#include "net/pkt.h"

/* TCP stream buffers are built of blocks of this size from a per-instance pool. */
#ifndef NET_BLK_SIZE
#define NET_BLK_SIZE 2048
#endif
/* Largest send or receive buffer of one connection. */
#ifndef NET_TCP_BUF_MAX
#define NET_TCP_BUF_MAX (256 * 1024)
#endif
/* Slots in a ring: one block more than the buffer so the head block is never shared. */
#define NET_RING_SLOTS (NET_TCP_BUF_MAX / NET_BLK_SIZE + 1)
/* Out-of-order ranges held per connection (each also a SACK block candidate). */
#ifndef NET_TCP_OOO_MAX
#define NET_TCP_OOO_MAX 8
#endif
/* Retransmissions RACK watches per connection for a second loss. */
#ifndef NET_TCP_RACK_RX
#define NET_TCP_RACK_RX 4
#endif
/* SACKed ranges remembered per connection on the sending side. */
#ifndef NET_TCP_SACK_SB
#define NET_TCP_SACK_SB 8
#endif
/* Frames gathered before port->tx() is called. */
#ifndef NET_TX_BATCH
#define NET_TX_BATCH 32
#endif
/* Packets waiting per unresolved ARP entry. */
#ifndef NET_ARP_PENDING_MAX
#define NET_ARP_PENDING_MAX 4
#endif
/* Largest MTU the packet buffers allow. */
#define NET_MTU_MAX (NET_PKT_BUFSIZE - NET_PKT_HEADROOM - NET_PKT_GUARD - 18)

#endif
