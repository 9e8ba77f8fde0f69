/*
 * drivers/toeplitz.h - the Toeplitz hash of receive-side scaling, in software.
 *
 * The function NICs use to spread flows over queues (Microsoft's RSS
 * specification; 82599 datasheet 7.1.2.8.1). A driver or a network server uses
 * it to predict which queue a flow's packets will reach, e.g. to pick a local
 * port whose replies land on the calling core's queue. Portable C, no state.
 *
 * Bit order: the input and the key are byte strings, most significant bit of
 * byte 0 first ("left-most"). Addresses and ports are taken in host byte order
 * and laid out in network order, as they appear in the packet.
 */
#ifndef DRIVERS_TOEPLITZ_H
#define DRIVERS_TOEPLITZ_H

#include <stddef.h>
#include <stdint.h>

/* The hash of len bytes of input with a key of key_len bytes. The key must be
 * at least len + 4 bytes long (40 bytes cover IPv4 and IPv6 4-tuples); bits
 * past its end count as zero. */
uint32_t toeplitz_hash(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len);

/* The two IPv4 variants of the specification: addresses only ("IPv4") and the
 * 4-tuple ("TcpIPv4", also used for UDP). src and dst as in the received packet. */
uint32_t toeplitz_ipv4(const uint8_t *key, size_t key_len, uint32_t src_ip, uint32_t dst_ip);
uint32_t toeplitz_ipv4_l4(const uint8_t *key, size_t key_len, uint32_t src_ip, uint32_t dst_ip,
			  uint16_t src_port, uint16_t dst_port);

#endif
