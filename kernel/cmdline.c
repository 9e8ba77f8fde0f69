/* cmdline.c - see cmdline.h. */
#include "kernel/cmdline.h"
#include "kernel/errno.h"

#include <string.h>

/* Finds "key" or "key=" as a whole word; returns the start of the word or NULL. */
static const char *find_key(const char *cl, const char *key)
{
	size_t kl = strlen(key);
	const char *p = cl;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, kl) == 0 && (p[kl] == '=' || p[kl] == ' ' || p[kl] == '\0'))
			return p;
		p = strchr(p, ' ');
	}
	return NULL;
}

int cmdline_get(const char *cl, const char *key, char *out, size_t n)
{
	if (!cl || !key || !*key)
		return -ENOENT;
	const char *w = find_key(cl, key);
	if (!w)
		return -ENOENT;
	w += strlen(key);
	size_t len = 0;
	if (*w == '=') {
		w++;
		while (w[len] && w[len] != ' ')
			len++;
	}
	if (n) {
		size_t c = len < n - 1 ? len : n - 1;
		memcpy(out, w, c);
		out[c] = '\0';
	}
	return (int)len;
}

int cmdline_get_u64(const char *cl, const char *key, uint64_t *out)
{
	char v[32];
	int len = cmdline_get(cl, key, v, sizeof(v));
	if (len < 0)
		return len;
	if (len == 0 || len >= (int)sizeof(v))
		return -EINVAL;
	const char *p = v;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t x = 0;
	int digits = 0;
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (x > (UINT64_MAX - d) / base)
			return -EINVAL;
		x = x * base + d;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	unsigned shift = 0;
	if (*p == 'K' || *p == 'k')
		shift = 10;
	else if (*p == 'M' || *p == 'm')
		shift = 20;
	else if (*p == 'G' || *p == 'g')
		shift = 30;
	if (shift) {
		p++;
		if (x > (UINT64_MAX >> shift))
			return -EINVAL;
		x <<= shift;
	}
	if (*p)
		return -EINVAL;
	*out = x;
	return 0;
}

bool cmdline_list_has(const char *list, const char *item)
{
	size_t il = strlen(item);
	const char *p = list;
	while (p && *p) {
		size_t wl = strcspn(p, ",");
		if ((wl == 3 && strncmp(p, "all", 3) == 0) || (wl == il && strncmp(p, item, il) == 0))
			return true;
		p += wl;
		if (*p == ',')
			p++;
	}
	return false;
}
