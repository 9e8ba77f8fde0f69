/* console.c - see console.h. */
#include "console.h"
#include "proc.h"
#include "bootinfo.h"
#include "core.h"
#include "uart.h"
#include "errno.h"
#include "sched.h"
#include "x86.h"

#include <fmt.h>

static int loglevel = LOG_INFO;
static char line[256];   /* this core's line being assembled */
static int linelen;
static int report_depth; /* > 0 while this core holds the lock for a report */

void console_init(void)
{
	uart_init();
}

void console_set_level(int level)
{
	loglevel = level < 0 ? 0 : (level > LOG_DEBUG ? LOG_DEBUG : level);
}

/* Takes the line lock. A holder that does not let go within ~200 ms (a
 * core that died holding it) loses it: the log must keep flowing. */
static void lock(void)
{
	if (!kshared || report_depth)
		return;
	u32 me = (u32)this_core + 1;
	if (kshared->console_owner == me)
		return; /* re-entered from an exception on this core */
	u64 start = rdtsc();
	u64 limit = bootinfo.tsc_hz ? bootinfo.tsc_hz / 5 : 400000000ULL;
	for (;;) {
		u32 expect = 0;
		if (__atomic_compare_exchange_n(&kshared->console_owner, &expect, me, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (rdtsc() - start > limit) {
			__atomic_store_n(&kshared->console_owner, me, __ATOMIC_RELEASE);
			return;
		}
		cpu_pause();
	}
}

static void unlock(void)
{
	if (!kshared || report_depth)
		return;
	__atomic_store_n(&kshared->console_owner, 0, __ATOMIC_RELEASE);
}

static void flush_line(void)
{
	char prefix[16];
	int n = fmt_snprintf(prefix, sizeof(prefix), "[c%d] ", this_core);
	lock();
	uart_write(prefix, (unsigned long)n);
	uart_write(line, (unsigned long)linelen);
	uart_write("\r\n", 2);
	unlock();
	linelen = 0;
}

void kvlog(int level, const char *fmt, va_list ap)
{
	if (level > loglevel)
		return;
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	u64 flags = irq_save();
	for (int i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			flush_line();
			continue;
		}
		if (linelen == (int)sizeof(line))
			flush_line(); /* an over-long line is split, never lost */
		line[linelen++] = buf[i];
	}
	irq_restore(flags);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvlog(level, fmt, ap);
	va_end(ap);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void console_flush(void)
{
	u64 flags = irq_save();
	if (linelen)
		flush_line();
	irq_restore(flags);
}

void console_report_begin(void)
{
	if (report_depth == 0) {
		if (linelen)
			flush_line();
		lock();
	}
	report_depth++;
}

void console_report_end(void)
{
	if (report_depth == 1 && linelen)
		flush_line();
	if (--report_depth == 0)
		unlock();
}

/* Serial input, core 0 only: a ring the scheduler fills by polling the UART
 * every 10 ms while a reader waits (sched.c). */
static char rx[1024];
static unsigned rx_head, rx_tail;
static struct waitq rx_wait;

void console_poll_input(void)
{
	int c, got = 0;
	while (rx_head - rx_tail < sizeof(rx) && (c = uart_getc()) >= 0) {
		rx[rx_head++ % sizeof(rx)] = (char)c;
		got = 1;
	}
	if (got)
		sched_wake_all(&rx_wait);
}

bool console_reader_waiting(void) { return rx_wait.head != NULL; }

long console_read(char *buf, unsigned long n)
{
	if (this_core != 0)
		return -ENODEV;
	u64 f = irq_save();
	while (rx_head == rx_tail) {
		if (proc_current()->kill_sig) {
			irq_restore(f);
			return -EINTR;
		}
		sched_block(&rx_wait);
	}
	unsigned long k = 0;
	while (k < n && rx_tail != rx_head)
		buf[k++] = rx[rx_tail++ % sizeof(rx)];
	irq_restore(f);
	return (long)k;
}
