/*
 * stdio.c - the printf family over fmt.c, and FILE streams on the console.
 * stdout is line-buffered, stderr unbuffered; both go to the kernel console
 * (SYS_write). There is no file system, so fopen fails with ENOSYS and stdin
 * reports end of file.
 */
#include "internal.h"

#include <errno.h>
#include <fmt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct __file {
	int fd;
	int mode; /* _IOLBF, _IONBF, _IOFBF */
	int err, eof;
	size_t len;
	char buf[BUFSIZ];
};

static FILE f_stdin = { 0, _IONBF, 0, 1, 0, { 0 } };
static FILE f_stdout = { 1, _IOLBF, 0, 0, 0, { 0 } };
static FILE f_stderr = { 2, _IONBF, 0, 0, 0, { 0 } };
FILE *stdin = &f_stdin, *stdout = &f_stdout, *stderr = &f_stderr;

static int drain(FILE *f)
{
	size_t off = 0;
	while (off < f->len) {
		ssize_t r = write(f->fd, f->buf + off, f->len - off);
		if (r <= 0) {
			f->err = 1;
			f->len = 0;
			return EOF;
		}
		off += (size_t)r;
	}
	f->len = 0;
	return 0;
}

int fflush(FILE *f)
{
	if (!f) {
		__stdio_flush_all();
		return 0;
	}
	return drain(f);
}

void __stdio_flush_all(void)
{
	drain(stdout);
	drain(stderr);
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	if (f == stdin) {
		errno = EBADF;
		return 0;
	}
	size_t total = size * n;
	if (size && total / size != n) {
		errno = EINVAL;
		return 0;
	}
	const char *s = p;
	if (f->mode == _IONBF) {
		if (drain(f) == EOF)
			return 0;
		size_t off = 0;
		while (off < total) {
			ssize_t r = write(f->fd, s + off, total - off);
			if (r <= 0) {
				f->err = 1;
				return size ? off / size : 0;
			}
			off += (size_t)r;
		}
		return n;
	}
	for (size_t i = 0; i < total; i++) {
		f->buf[f->len++] = s[i];
		if (f->len == sizeof(f->buf) || (f->mode == _IOLBF && s[i] == '\n'))
			if (drain(f) == EOF)
				return size ? i / size : 0;
	}
	return n;
}

int fputc(int c, FILE *f)
{
	unsigned char ch = (unsigned char)c;
	return fwrite(&ch, 1, 1, f) == 1 ? ch : EOF;
}
int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *s, FILE *f) { return fwrite(s, 1, strlen(s), f) == strlen(s) ? 0 : EOF; }

int puts(const char *s)
{
	if (fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF)
		return EOF;
	return 0;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap) { return fmt_vsnprintf(buf, n, fmt, ap); }

int vsprintf(char *buf, const char *fmt, va_list ap) { return fmt_vsnprintf(buf, (size_t)-1 >> 1, fmt, ap); }

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	char small[512];
	va_list again;
	va_copy(again, ap);
	int n = fmt_vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(again);
		return n;
	}
	char *out = small;
	if ((size_t)n >= sizeof(small)) { /* a long line: format it again, whole */
		out = malloc((size_t)n + 1);
		if (!out) {
			va_end(again);
			errno = ENOMEM;
			return -1;
		}
		fmt_vsnprintf(out, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	size_t w = fwrite(out, 1, (size_t)n, f);
	if (out != small)
		free(out);
	return w == (size_t)n ? n : -1;
}

int vprintf(const char *fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(f, fmt, ap);
	va_end(ap);
	return r;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
	if (fd == 1)
		return vfprintf(stdout, fmt, ap);
	if (fd == 2)
		return vfprintf(stderr, fmt, ap);
	errno = EBADF;
	return -1;
}

int dprintf(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vdprintf(fd, fmt, ap);
	va_end(ap);
	return r;
}

size_t fread(void *p, size_t size, size_t n, FILE *f)
{
	(void)p, (void)size, (void)n;
	f->eof = 1;
	return 0;
}
int fgetc(FILE *f)
{
	f->eof = 1;
	return EOF;
}
int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }
char *fgets(char *s, int n, FILE *f)
{
	(void)s, (void)n;
	f->eof = 1;
	return NULL;
}
int ferror(FILE *f) { return f->err; }
int feof(FILE *f) { return f->eof; }
void clearerr(FILE *f) { f->err = f->eof = 0; }
int fileno(FILE *f) { return f->fd; }

int setvbuf(FILE *f, char *buf, int mode, size_t size)
{
	(void)buf, (void)size;
	if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
		return -1;
	drain(f);
	f->mode = mode;
	return 0;
}

void perror(const char *s)
{
	int e = errno;
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, strerror(e));
	else
		fprintf(stderr, "%s\n", strerror(e));
}

FILE *fopen(const char *path, const char *mode)
{
	(void)path, (void)mode;
	errno = ENOSYS;
	return NULL;
}

int fclose(FILE *f) { return fflush(f); }

/* sscanf: %d %i %u %x %ld %lu %lx %s %c and literal text; returns conversions done. */
int sscanf(const char *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int done = 0;
	for (const char *p = fmt; *p; p++) {
		if (*p == ' ') {
			while (*s == ' ' || *s == '\t' || *s == '\n')
				s++;
			continue;
		}
		if (*p != '%') {
			if (*s != *p)
				break;
			s++;
			continue;
		}
		p++;
		int lng = 0;
		while (*p == 'l') {
			lng++;
			p++;
		}
		if (*p == 'c') {
			if (!*s)
				break;
			*va_arg(ap, char *) = *s++;
			done++;
			continue;
		}
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*p == 's') {
			char *o = va_arg(ap, char *);
			if (!*s)
				break;
			while (*s && *s != ' ' && *s != '\t' && *s != '\n')
				*o++ = *s++;
			*o = '\0';
			done++;
			continue;
		}
		int base = *p == 'x' ? 16 : (*p == 'i' ? 0 : 10);
		char *end;
		if (*p == 'd' || *p == 'i') {
			long v = strtol(s, &end, base);
			if (end == s)
				break;
			if (lng)
				*va_arg(ap, long *) = v;
			else
				*va_arg(ap, int *) = (int)v;
		} else if (*p == 'u' || *p == 'x') {
			unsigned long v = strtoul(s, &end, base);
			if (end == s)
				break;
			if (lng)
				*va_arg(ap, unsigned long *) = v;
			else
				*va_arg(ap, unsigned *) = (unsigned)v;
		} else {
			break;
		}
		s = end;
		done++;
	}
	va_end(ap);
	return done;
}
