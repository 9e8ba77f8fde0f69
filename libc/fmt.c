/* fmt.c - see fmt.h. Pure function of its arguments; no global state. */
#include "include/fmt.h"

#include <stdint.h>
#include <string.h>

struct out {
	char *buf;
	size_t n;   /* capacity */
	size_t len; /* characters produced so far (may exceed n) */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->n)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int count)
{
	while (count-- > 0)
		put(o, c);
}

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };

static void put_num(struct out *o, uintmax_t v, int neg, unsigned base, int upper, int flags,
		    int width, int prec)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[72];
	int nd = 0;
	if (v == 0 && prec != 0)
		tmp[nd++] = '0';
	while (v) {
		tmp[nd++] = digits[v % base];
		v /= base;
	}
	int zeros = prec > nd ? prec - nd : 0;
	const char *prefix = "";
	if (neg)
		prefix = "-";
	else if (flags & F_PLUS)
		prefix = "+";
	else if (flags & F_SPACE)
		prefix = " ";
	if ((flags & F_ALT) && base == 16 && nd && !(nd == 1 && tmp[0] == '0'))
		prefix = upper ? "0X" : "0x";
	if ((flags & F_ALT) && base == 8 && zeros == 0 && (nd == 0 || tmp[nd - 1] != '0'))
		zeros = 1;
	int plen = 0;
	while (prefix[plen])
		plen++;
	int total = plen + zeros + nd;
	if (!(flags & F_LEFT) && !((flags & F_ZERO) && prec < 0))
		pad(o, ' ', width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0)
		pad(o, '0', width - total);
	pad(o, '0', zeros);
	while (nd)
		put(o, tmp[--nd]);
	if (flags & F_LEFT)
		pad(o, ' ', width - total);
}

#ifndef PIKAOS_KERNEL
/* Floating point (%f %e %g), user space and host only: the kernel has no FPU state. */

static void put_str(struct out *o, const char *s, int len, int flags, int width)
{
	if (!(flags & F_LEFT))
		pad(o, (flags & F_ZERO) ? '0' : ' ', width - len);
	for (int i = 0; i < len; i++)
		put(o, s[i]);
	if (flags & F_LEFT)
		pad(o, ' ', width - len);
}

/* Digits of v (>= 0, < 1e19) with prec fraction digits into t; returns length. */
static int fixed(char *t, double v, int prec)
{
	double r = 0.5;
	for (int i = 0; i < prec; i++)
		r /= 10;
	v += r;
	uint64_t ip = (uint64_t)v;
	double frac = v - (double)ip;
	char tmp[24];
	int n = 0, k = 0;
	do {
		tmp[k++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	while (k)
		t[n++] = tmp[--k];
	if (prec > 0) {
		t[n++] = '.';
		for (int i = 0; i < prec; i++) {
			frac *= 10;
			int d = (int)frac;
			if (d > 9)
				d = 9;
			t[n++] = (char)('0' + d);
			frac -= d;
		}
	}
	return n;
}

static int expo(char *t, double v, int prec, int upper)
{
	int e = 0;
	if (v != 0) {
		while (v >= 10) {
			v /= 10;
			e++;
		}
		while (v < 1) {
			v *= 10;
			e--;
		}
	}
	double r = 0.5;
	for (int i = 0; i < prec; i++)
		r /= 10;
	if (v + r >= 10) { /* rounding carries into a new digit */
		v /= 10;
		e++;
	}
	int n = fixed(t, v, prec);
	t[n++] = upper ? 'E' : 'e';
	t[n++] = e < 0 ? '-' : '+';
	if (e < 0)
		e = -e;
	if (e >= 100)
		t[n++] = (char)('0' + e / 100);
	t[n++] = (char)('0' + e / 10 % 10);
	t[n++] = (char)('0' + e % 10);
	return n;
}

static void put_float(struct out *o, double v, char conv, int flags, int width, int prec)
{
	char t[400];
	int n = 0;
	int upper = conv == 'F' || conv == 'E' || conv == 'G';
	if (v != v) {
		put_str(o, upper ? "NAN" : "nan", 3, flags & ~F_ZERO, width);
		return;
	}
	if (v < 0 || (v == 0 && 1 / v < 0)) {
		t[n++] = '-';
		v = -v;
	} else if (flags & F_PLUS) {
		t[n++] = '+';
	} else if (flags & F_SPACE) {
		t[n++] = ' ';
	}
	if (v > 1.7976931348623157e308) {
		memcpy(t + n, upper ? "INF" : "inf", 3);
		put_str(o, t, n + 3, flags & ~F_ZERO, width);
		return;
	}
	if (prec < 0)
		prec = 6;
	if (prec > 60)
		prec = 60;
	char lc = (char)(conv | 0x20);
	if (lc == 'g') {
		int p = prec ? prec : 1, x = 0;
		for (double w = v; w >= 10; w /= 10)
			x++;
		for (double w = v; w != 0 && w < 1; w *= 10)
			x--;
		int m;
		if (x < p && x >= -4 && v < 1e19)
			m = fixed(t + n, v, p - 1 - x);
		else
			m = expo(t + n, v, p - 1, upper);
		if (!(flags & F_ALT)) { /* strip trailing zeros of the fraction */
			char *e = NULL;
			for (int i = 0; i < m; i++)
				if (t[n + i] == 'e' || t[n + i] == 'E')
					e = &t[n + i];
			int end = e ? (int)(e - (t + n)) : m;
			int dot = -1;
			for (int i = 0; i < end; i++)
				if (t[n + i] == '.')
					dot = i;
			if (dot >= 0) {
				int k = end;
				while (k > dot + 1 && t[n + k - 1] == '0')
					k--;
				if (k == dot + 1)
					k = dot;
				memmove(t + n + k, t + n + end, (size_t)(m - end));
				m -= end - k;
			}
		}
		n += m;
	} else if (lc == 'e' || v >= 1e19) {
		n += expo(t + n, v, prec, upper);
	} else {
		n += fixed(t + n, v, prec);
	}
	if ((flags & F_ZERO) && !(flags & F_LEFT) && n < width) {
		int sign = t[0] == '-' || t[0] == '+' || t[0] == ' ';
		int z = width - n;
		memmove(t + sign + z, t + sign, (size_t)(n - sign));
		memset(t + sign, '0', (size_t)z);
		n = width;
	}
	put_str(o, t, n, flags & ~F_ZERO, width);
}
#endif

int fmt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct out o = { buf, n, 0 };
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		int flags = 0;
		for (;; p++) {
			if (*p == '-')
				flags |= F_LEFT;
			else if (*p == '0')
				flags |= F_ZERO;
			else if (*p == '+')
				flags |= F_PLUS;
			else if (*p == ' ')
				flags |= F_SPACE;
			else if (*p == '#')
				flags |= F_ALT;
			else
				break;
		}
		int width = 0;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				flags |= F_LEFT;
				width = -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		int prec = -1;
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				if (prec < 0)
					prec = -1;
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t/ptrdiff/intmax */
		if (*p == 'h') {
			lng = -1;
			if (*++p == 'h') {
				lng = -2;
				p++;
			}
		} else if (*p == 'l') {
			lng = 1;
			if (*++p == 'l') {
				lng = 2;
				p++;
			}
		} else if (*p == 'z' || *p == 't' || *p == 'j') {
			lng = 3;
			p++;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			intmax_t v;
			if (lng == 1)
				v = va_arg(ap, long);
			else if (lng >= 2)
				v = va_arg(ap, long long);
			else
				v = va_arg(ap, int);
			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
			put_num(&o, mag, v < 0, 10, 0, flags, width, prec);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uintmax_t v;
			if (lng == 1)
				v = va_arg(ap, unsigned long);
			else if (lng >= 2)
				v = va_arg(ap, unsigned long long);
			else
				v = va_arg(ap, unsigned);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			unsigned base = *p == 'u' ? 10 : (*p == 'o' ? 8 : 16);
			put_num(&o, v, 0, base, *p == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
			break;
		}
		case 'p': {
			uintptr_t v = (uintptr_t)va_arg(ap, void *);
			put_num(&o, v, 0, 16, 0, F_ALT | (flags & F_LEFT), width, prec);
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - 1);
			put(&o, c);
			if (flags & F_LEFT)
				pad(&o, ' ', width - 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			int len = 0;
			while (s[len] && (prec < 0 || len < prec))
				len++;
			if (!(flags & F_LEFT))
				pad(&o, ' ', width - len);
			for (int i = 0; i < len; i++)
				put(&o, s[i]);
			if (flags & F_LEFT)
				pad(&o, ' ', width - len);
			break;
		}
		case '%':
			put(&o, '%');
			break;
#ifndef PIKAOS_KERNEL
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
			put_float(&o, va_arg(ap, double), *p, flags, width, prec);
			break;
#endif
		case '\0':
			p--; /* a lone '%' at the end: stop at the NUL */
			break;
		default: /* unknown conversion: print it verbatim */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}
