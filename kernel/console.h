/*
 * console.h - kernel log on the serial line.
 *
 * Every line goes out whole, prefixed "[cN] " with the core that printed it:
 * a core assembles a line in its private buffer and writes it under the
 * console line lock (core.h), so lines from different cores never mix.
 * Safe from interrupt and exception context. Not for hot paths.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "types.h"

enum { LOG_EMERG, LOG_ALERT, LOG_CRIT, LOG_ERR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

void console_init(void);          /* core 0, boot: the UART */
void console_set_level(int level); /* messages above level are dropped */
void kvlog(int level, const char *fmt, va_list ap);
void klog(int level, const char *fmt, ...) __printf(2, 3);
void kprintf(const char *fmt, ...) __printf(1, 2); /* LOG_INFO */
/* Ends a partial line (a process's write without a newline, like a prompt):
 * the next output, from whoever, starts a line of its own. */
void console_flush(void);

/* Input: core 0 polls the UART on every timer tick into a buffer that
 * console_read() drains (the shell reads it). -ENODEV on other cores. */
void console_poll_input(void);
bool console_reader_waiting(void); /* core 0: someone blocks in console_read */
long console_read(char *buf, unsigned long n);

/* Hold the line lock across several lines (a fault report); nests. */
void console_report_begin(void);
void console_report_end(void);

#define pr_err(...) klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
