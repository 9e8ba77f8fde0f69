/* Byte order helpers and the packed-struct attribute shared by the wire formats. */
#ifndef NET_PROT_WIRE_H
#define NET_PROT_WIRE_H

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define NET_PACKED __attribute__((packed))
#else
#error "net/prot needs a compiler with packed structs"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t net_htons(uint16_t x) { return x; }
static inline uint32_t net_htonl(uint32_t x) { return x; }
#else
static inline uint16_t net_htons(uint16_t x) { return (uint16_t)((x << 8) | (x >> 8)); }
static inline uint32_t net_htonl(uint32_t x)
{
	return (x << 24) | ((x & 0xff00u) << 8) | ((x >> 8) & 0xff00u) | (x >> 24);
}
#endif
static inline uint16_t net_ntohs(uint16_t x) { return net_htons(x); }
static inline uint32_t net_ntohl(uint32_t x) { return net_htonl(x); }

#endif
