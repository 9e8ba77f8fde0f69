/* string.c - the string.h functions, freestanding; linked into the kernel and libc. */
#include <string.h>
#include <stdint.h>

/* Eight bytes at a time, four per turn, then the tail. Not `rep movsb`:
 * fast on CPUs with ERMS, but QEMU's TCG runs it one byte per iteration,
 * which made every packet copy in netd cost thousands of emulated steps. */
void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n >= 32) {
		uint64_t a, b, c, e;
		__builtin_memcpy(&a, sp, 8);
		__builtin_memcpy(&b, sp + 8, 8);
		__builtin_memcpy(&c, sp + 16, 8);
		__builtin_memcpy(&e, sp + 24, 8);
		__builtin_memcpy(dp, &a, 8);
		__builtin_memcpy(dp + 8, &b, 8);
		__builtin_memcpy(dp + 16, &c, 8);
		__builtin_memcpy(dp + 24, &e, 8);
		dp += 32;
		sp += 32;
		n -= 32;
	}
	while (n >= 8) {
		uint64_t a;
		__builtin_memcpy(&a, sp, 8);
		__builtin_memcpy(dp, &a, 8);
		dp += 8;
		sp += 8;
		n -= 8;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp == sp || n == 0)
		return d;
	if (dp < sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

/* Like memcpy: words, not `rep stosb` (one byte per step under TCG). */
void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	uint64_t w = 0x0101010101010101ULL * (unsigned char)c;
	while (n >= 32) {
		__builtin_memcpy(dp, &w, 8);
		__builtin_memcpy(dp + 8, &w, 8);
		__builtin_memcpy(dp + 16, &w, 8);
		__builtin_memcpy(dp + 24, &w, 8);
		dp += 32;
		n -= 32;
	}
	while (n >= 8) {
		__builtin_memcpy(dp, &w, 8);
		dp += 8;
		n -= 8;
	}
	while (n--)
		*dp++ = (unsigned char)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strstr(const char *h, const char *n)
{
	size_t ln = strlen(n);
	if (!ln)
		return (char *)h;
	for (; *h; h++)
		if (*h == *n && strncmp(h, n, ln) == 0)
			return (char *)h;
	return NULL;
}

char *strcpy(char *restrict d, const char *restrict s)
{
	char *r = d;
	while ((*d++ = *s++))
		;
	return r;
}

char *strncpy(char *restrict d, const char *restrict s, size_t n)
{
	size_t i = 0;
	for (; i < n && s[i]; i++)
		d[i] = s[i];
	for (; i < n; i++)
		d[i] = 0;
	return d;
}

char *strcat(char *restrict d, const char *restrict s)
{
	strcpy(d + strlen(d), s);
	return d;
}

char *strncat(char *restrict d, const char *restrict s, size_t n)
{
	char *p = d + strlen(d);
	size_t i = 0;
	for (; i < n && s[i]; i++)
		p[i] = s[i];
	p[i] = 0;
	return d;
}

size_t strlcpy(char *restrict d, const char *restrict s, size_t n)
{
	size_t len = strlen(s);
	if (n) {
		size_t c = len < n - 1 ? len : n - 1;
		memcpy(d, s, c);
		d[c] = 0;
	}
	return len;
}

size_t strspn(const char *s, const char *accept)
{
	size_t n = 0;
	while (s[n] && strchr(accept, s[n]))
		n++;
	return n;
}

size_t strcspn(const char *s, const char *reject)
{
	size_t n = 0;
	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}
