/*
 * uaccess.h - the only way the kernel touches user memory.
 *
 * Every function checks that the range lies below USER_TOP without wrapping,
 * then copies with instructions listed in the exception table, so an
 * unmapped or protected page gives -EFAULT instead of a kernel fault. With
 * SMAP on, the copy is the only code that runs with user access allowed.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include "types.h"

#define USER_MIN 0x1000UL /* page 0 is never user memory */

bool uaccess_range_ok(u64 uaddr, u64 len);
int copy_from_user(void *dst, u64 usrc, u64 n);     /* 0 or -EFAULT */
int copy_to_user(u64 udst, const void *src, u64 n); /* 0 or -EFAULT */
/* Copies a NUL-terminated string of at most max-1 bytes. Returns its length,
 * -EFAULT, or -E2BIG when no NUL comes within max bytes. */
long strncpy_from_user(char *dst, u64 usrc, u64 max);
void uaccess_init_core(bool smap); /* whether SMAP is on (stac/clac needed) */

#endif
