/*
 * fmt.h - printf-style formatting shared by the kernel console and libc stdio.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t j,
 * flags - 0 + space #, field width and precision (both also as *).
 * %f %e %g (and upper case) outside the kernel only: the kernel has no FPU
 * state, so it is built with PIKAOS_KERNEL and without them. Returns the length the full
 * output would have, like vsnprintf; the buffer is always NUL-terminated when n > 0.
 */
#ifndef _PIKAOS_FMT_H
#define _PIKAOS_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
