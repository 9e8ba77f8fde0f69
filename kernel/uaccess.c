/* uaccess.c - see uaccess.h. The copy loops are in kernel/entry.asm. */
#include "uaccess.h"
#include "errno.h"
#include "layout.h"

u64 uaccess_copy(void *dst, const void *src, u64 n);    /* 0 or -EFAULT */
long uaccess_strncpy(char *dst, const char *src, u64 max); /* length, -1 no NUL, -EFAULT */

bool smap_on; /* read by kernel/entry.asm: every interrupt entry clears AC when set */

void uaccess_init_core(bool smap) { smap_on = smap; }

static inline void user_open(void)
{
	if (smap_on)
		__asm__ volatile("stac" ::: "memory");
}
static inline void user_close(void)
{
	if (smap_on)
		__asm__ volatile("clac" ::: "memory");
}

bool uaccess_range_ok(u64 uaddr, u64 len)
{
	return uaddr >= USER_MIN && uaddr + len >= uaddr && uaddr + len <= USER_TOP;
}

int copy_from_user(void *dst, u64 usrc, u64 n)
{
	if (!uaccess_range_ok(usrc, n))
		return -EFAULT;
	user_open();
	u64 r = uaccess_copy(dst, (const void *)usrc, n);
	user_close();
	return r ? -EFAULT : 0;
}

int copy_to_user(u64 udst, const void *src, u64 n)
{
	if (!uaccess_range_ok(udst, n))
		return -EFAULT;
	user_open();
	u64 r = uaccess_copy((void *)udst, src, n);
	user_close();
	return r ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, u64 usrc, u64 max)
{
	if (max == 0 || usrc < USER_MIN || usrc >= USER_TOP)
		return -EFAULT;
	u64 room = USER_TOP - usrc; /* never read past the user limit */
	user_open();
	long r = uaccess_strncpy(dst, (const char *)usrc, MIN(max, room));
	user_close();
	if (r == -EFAULT)
		return -EFAULT;
	if (r < 0) {
		dst[max - 1] = '\0';
		return room < max ? -EFAULT : -E2BIG;
	}
	return r;
}
