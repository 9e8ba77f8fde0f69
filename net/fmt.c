/* A minimal log-line builder (no varargs, no libc formatting). */
#include "net/internal.h"

void nf_init(struct net_fmt *f)
{
	f->n = 0;
	f->buf[0] = '\0';
}

static void put(struct net_fmt *f, char c)
{
	if (f->n + 1 < sizeof(f->buf)) {
		f->buf[f->n++] = c;
		f->buf[f->n] = '\0';
	}
}

void nf_str(struct net_fmt *f, const char *str)
{
	while (str && *str)
		put(f, *str++);
}

void nf_u64(struct net_fmt *f, uint64_t v)
{
	char tmp[24];
	int i = 0;
	do {
		tmp[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		put(f, tmp[--i]);
}

void nf_i64(struct net_fmt *f, int64_t v)
{
	if (v < 0) {
		put(f, '-');
		nf_u64(f, (uint64_t)0 - (uint64_t)v);
	} else {
		nf_u64(f, (uint64_t)v);
	}
}

void nf_hex(struct net_fmt *f, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	int i = 0;
	do {
		tmp[i++] = digits[v & 15];
		v >>= 4;
	} while (v);
	put(f, '0');
	put(f, 'x');
	while (i)
		put(f, tmp[--i]);
}

void nf_ip(struct net_fmt *f, uint32_t a)
{
	for (int i = 3; i >= 0; i--) {
		nf_u64(f, (a >> (8 * i)) & 0xff);
		if (i)
			put(f, '.');
	}
}

bool net_log_on(struct net_stack *s, int level)
{
	return s->port.log && level <= s->cfg.log_level;
}

void net_log(struct net_stack *s, int level, struct net_fmt *f)
{
	if (net_log_on(s, level))
		s->port.log(s->port.ctx, level, f->buf);
}
