/* chan_sys.c - channel blocking and waking through the event system calls.
 * The token is the process's event generation, read from its kinfo page;
 * a wake-up names the process at the channel's other end (SYS_chan_wake). */
#include "internal.h"

#include <pikaos.h>
#include <pikaos/chan.h>

static uint64_t sys_prepare(void *ctx)
{
	(void)ctx;
	return pika_kinfo()->ev_gen;
}

static int sys_wait(void *ctx, uint64_t token, uint64_t timeout)
{
	(void)ctx;
	return (int)__sys(SYS_event_wait, (long)token, (long)timeout, 0, 0);
}

static void sys_wake(void *ctx, const struct chan *c)
{
	(void)ctx;
	__sys(SYS_chan_wake, (long)c->f, 0, 0, 0);
}

static uint64_t sys_now(void *ctx)
{
	(void)ctx;
	return pika_clock_ns();
}

const struct chan_sync pika_chan_sync = { sys_prepare, sys_wait, sys_wake, sys_now, NULL };

void pika_chan_attach(struct chan *c, void *va, int end)
{
	struct pika_chan_info in = { 0, 1, 0, -1, 0 };
	__sys(SYS_chan_info, (long)va, (long)&in, 0, 0);
	chan_attach(c, va, end, in.pages, &pika_chan_sync);
	if (in.peer_core == pika_getcore())
		c->spin = 0; /* the peer cannot run while we spin: sleep at once */
}

int pika_chan_close(struct chan *c)
{
	chan_close(c);
	return (int)__sys_ret(__sys(SYS_chan_close, (long)c->f, 0, 0, 0));
}
