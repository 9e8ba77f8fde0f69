/* chan_sys.c - channel blocking and waking through the event system calls. */
#include "internal.h"

#include <pikaos.h>
#include <pikaos/chan.h>

static uint64_t sys_prepare(void *ctx)
{
	(void)ctx;
	return (uint64_t)__sys(SYS_event_prepare, 0, 0, 0, 0);
}

static int sys_wait(void *ctx, uint64_t token, uint64_t timeout)
{
	(void)ctx;
	return (int)__sys(SYS_event_wait, (long)token, (long)timeout, 0, 0);
}

static void sys_wake(void *ctx, uint32_t core)
{
	(void)ctx;
	__sys(SYS_event_wake, core, 0, 0, 0);
}

static uint64_t sys_now(void *ctx)
{
	(void)ctx;
	return (uint64_t)__sys(SYS_clock, PIKA_CLOCK_MONOTONIC, 0, 0, 0);
}

const struct chan_sync pika_chan_sync = { sys_prepare, sys_wait, sys_wake, sys_now, NULL };

void pika_chan_attach(struct chan *c, void *va, int end) { chan_attach(c, va, end, &pika_chan_sync); }

int pika_chan_close(struct chan *c)
{
	chan_close(c);
	return (int)__sys_ret(__sys(SYS_chan_close, (long)c->f, 0, 0, 0));
}
