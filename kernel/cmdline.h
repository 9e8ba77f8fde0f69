/*
 * cmdline.h - the kernel command line: space-separated words "key" or "key=value".
 * Portable (host-tested in tests/unit/cmdline_test.c). Known keys:
 *   loglevel=N   console level 0..7 (default 6: info)
 *   tests=LIST   run in-OS test suites ("all" or comma-separated suite names), then power off
 *   hz=N         timer tick rate (default 100)
 *   chanpool=SZ  bytes reserved for the channel pool (K/M/G suffixes)
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the value of key into out (NUL-terminated, truncated to n-1).
 * Returns the value's full length, 0 for a bare "key", -ENOENT when absent. */
int cmdline_get(const char *cl, const char *key, char *out, size_t n);
/* Parses a decimal or 0x number with an optional K/M/G suffix.
 * Returns 0, -ENOENT when absent, -EINVAL when malformed or overflowing. */
int cmdline_get_u64(const char *cl, const char *key, uint64_t *out);
/* True when the comma-separated list holds item (a list "all" holds everything). */
bool cmdline_list_has(const char *list, const char *item);

#endif
