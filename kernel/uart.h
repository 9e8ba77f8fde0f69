/* uart.h - the 16550 serial port COM1, polled; the console's only output. */
#ifndef KERNEL_UART_H
#define KERNEL_UART_H

void uart_init(void); /* core 0, once, at boot */
void uart_putc(char c);
void uart_write(const char *s, unsigned long n);
int uart_getc(void); /* a received byte, or -1 when none is waiting */

#endif
