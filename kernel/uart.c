/* uart.c - 16550 UART at COM1 (0x3F8), 115200 8N1, transmit only, polled. */
#include "uart.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20
#define LSR_DR 0x01

void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts: output is polled */
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 0x01); /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xC7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

void uart_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the core. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_pause();
	outb(COM1 + UART_THR, (u8)c);
}

void uart_write(const char *s, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		uart_putc(s[i]);
}

int uart_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_THR);
}
