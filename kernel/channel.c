/* channel.c - see channel.h.
 *
 * What the kernel believes about a channel lives in kernel memory only:
 *  - the core that made a channel keeps a record of it (`made`): its frames,
 *    whether they came from the channel pool or from the core's own memory,
 *    and the state of each end (never handed out, held by a process here,
 *    handed to another core, closed);
 *  - every process's slots (struct chan_slot in struct proc) say which frames
 *    it has mapped, which end it holds and who holds the other end.
 * The header in the shared frame is written for the ends' convenience and
 * never read back: a process can rewrite it, so nothing that maps, unmaps,
 * frees or wakes may depend on it. The monitor is trusted for what only it
 * knows (who holds an end on another core).
 */
#include "channel.h"
#include "bootinfo.h"
#include "console.h"
#include "core.h"
#include "errno.h"
#include "event.h"
#include "layout.h"
#include "mem.h"
#include "proc.h"
#include "sched.h"
#include "timer.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"
#include "x86.h"

#include <pikaos/chan.h>
#include <string.h>

static struct frame_alloc pool; /* this core's slice of the channel pool */

#define KEV_MAX 1024
static struct pika_kevent kev[KEV_MAX];
static unsigned kev_head, kev_tail;
static u64 kev_dropped;

/* Channels this core made. */
enum { E_UNUSED = 0, E_HERE, E_AWAY, E_CLOSED };
#define MADE_MAX 2048
static struct made {
	u64 id;
	u32 pages;
	u8 used, local;
	u8 end[2];      /* E_* */
	i16 away[2];    /* E_AWAY: the core that holds that end */
} made[MADE_MAX];
static u64 dead_seen; /* cores whose death we handled (bit per core < 64) */

static u64 slot_va(int slot) { return PIKA_CHAN_BASE + (u64)slot * PIKA_CHAN_SLOT_SIZE; }
static struct chan_frame *frame_of(u64 id) { return phys_to_virt(id); }

static struct made *find_made(u64 id)
{
	for (int i = 0; i < MADE_MAX; i++)
		if (made[i].used && made[i].id == id)
			return &made[i];
	return NULL;
}

/* The core whose pool slice holds id (its monitor frees it); -1 for the
 * fixed monitor-to-monitor channels and for frames outside the pool. */
static int owner_of(u64 id, u64 pages)
{
	for (int c = 0; c < ncores; c++) {
		const struct frame_range *r = &bootinfo.chanslice[c];
		if (frame_range_contains(r, id) && frame_range_contains(r, id + pages * PAGE_SIZE - 1))
			return c;
	}
	return -1;
}

void channel_boot_init(void)
{
	int n = bootinfo.ncores, k = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++, k++) {
			paddr_t id = bootinfo.monchan_phys + (u64)k * PAGE_SIZE;
			struct chan_frame *f = frame_of(id);
			chan_frame_init(f, id, ~0u);
			f->hdr.end[0].core = (u32)i;
			f->hdr.end[1].core = (u32)j;
		}
}

void channel_init_core(void)
{
	if (frame_alloc_init(&pool, &bootinfo.chanslice[this_core], DIRECT_MAP))
		pr_err("channel: core %d has no usable pool slice\n", this_core);
}

u64 channel_free_frames(void) { return pool.nfree; }
u64 channel_total_frames(void) { return pool.total; }

int proc_nchans(const struct proc *p)
{
	int n = 0;
	for (int s = 0; s < PIKA_CHAN_SLOTS; s++)
		n += p->chans[s].used;
	return n;
}

void kevent_post(u32 type, int pid, u64 a, u64 b)
{
	if (kev_head - kev_tail == KEV_MAX) {
		kev_dropped++;
		return;
	}
	kev[kev_head++ % KEV_MAX] = (struct pika_kevent){ type, pid, a, b };
	event_wake_pid(this_core, PIKA_PID_MONITOR); /* the monitor waits for notices like for messages */
}

long kevent_take(struct proc *caller, struct pika_kevent *out, int n)
{
	if (!caller->monitor)
		return -EPERM;
	int k = 0;
	while (k < n && kev_tail != kev_head)
		out[k++] = kev[kev_tail++ % KEV_MAX];
	return k;
}

long channel_create(struct proc *caller, u64 pages, u64 flags)
{
	if (!caller->monitor)
		return -EPERM;
	if (pages == 0)
		pages = 1;
	bool local = flags & PIKA_CHAN_LOCAL;
	if ((flags & ~(u64)PIKA_CHAN_LOCAL) || pages > (local ? PIKA_CHAN_LOCAL_MAX_PAGES : PIKA_CHAN_MAX_PAGES))
		return -EINVAL;
	struct made *m = NULL;
	for (int i = 0; i < MADE_MAX && !m; i++)
		if (!made[i].used)
			m = &made[i];
	if (!m)
		return -ENOMEM;
	paddr_t id = frame_alloc_contig(local ? &core_frames : &pool, pages, 1);
	if (!id)
		return -ENOMEM;
	memset(phys_to_virt(id + PAGE_SIZE), 0, (pages - 1) * PAGE_SIZE);
	chan_frame_init(frame_of(id), id, (u32)this_core);
	frame_of(id)->hdr.pages = (u32)pages;
	*m = (struct made){ .id = id, .pages = (u32)pages, .used = 1, .local = local };
	return (long)id;
}

static int map_slot(struct proc *p, int slot, u64 id, u32 pages, int end, int peer_core, int peer_pid)
{
	u64 len = (u64)pages * PAGE_SIZE;
	int e = vm_map(p->pml4, slot_va(slot), id, len, PTE_W | PTE_NX | PTE_U | PTE_NOFREE, false, &core_frames);
	if (e) {
		vm_unmap(p->pml4, slot_va(slot), len);
		vm_prune(p->pml4, slot_va(slot), PIKA_CHAN_SLOT_SIZE, &core_frames);
		return e;
	}
	p->chans[slot] = (struct chan_slot){ .id = id, .pages = pages, .used = 1, .end = (u8)end,
					     .peer_core = peer_core, .peer_pid = peer_pid };
	return 0;
}

long channel_grant(struct proc *caller, u64 ugrant)
{
	if (!caller->monitor)
		return -EPERM;
	struct pika_chan_grant g;
	if (copy_from_user(&g, ugrant, sizeof(g)))
		return -EFAULT;
	if ((g.end != 0 && g.end != 1) || (g.flags & ~(u32)(PIKA_GRANT_MONITOR | PIKA_GRANT_REMOTE)) ||
	    g.peer_core < 0 || g.peer_core >= ncores || g.pages == 0)
		return -EINVAL;
	struct made *m = find_made(g.id);
	if (m) {
		if (g.pages != m->pages)
			return -EINVAL;
		if (m->end[g.end] != E_UNUSED)
			return -EBUSY;
		if ((g.flags & PIKA_GRANT_REMOTE) && m->local)
			return -EINVAL; /* its frames are this core's own memory */
	} else {
		/* made by another core's monitor: frames of that core's pool slice */
		if (g.pages > PIKA_CHAN_MAX_PAGES || (g.id & (PAGE_SIZE - 1)) || owner_of(g.id, g.pages) < 0 ||
		    owner_of(g.id, g.pages) == this_core || (g.flags & PIKA_GRANT_REMOTE))
			return -EINVAL;
	}
	if (g.flags & PIKA_GRANT_REMOTE) { /* peer_core: the core that holds this end */
		m->end[g.end] = E_AWAY;
		m->away[g.end] = (i16)g.peer_core;
		return 0;
	}
	struct proc *p = proc_find(g.pid);
	if (!p || p->state != P_ALIVE)
		return -EINVAL;
	int slot = -1;
	if (g.flags & PIKA_GRANT_MONITOR) {
		if (!p->chans[0].used)
			slot = 0;
	} else {
		for (int s = 1; s < PIKA_CHAN_SLOTS && slot < 0; s++)
			if (!p->chans[s].used)
				slot = s;
	}
	if (slot < 0)
		return -ENOSPC;
	int e = map_slot(p, slot, g.id, g.pages, g.end, g.peer_core, g.peer_pid);
	if (e)
		return e;
	if (m)
		m->end[g.end] = E_HERE;
	struct chan_frame *f = frame_of(g.id); /* the convenience copy */
	f->hdr.end[g.end].core = (u32)this_core;
	f->hdr.end[g.end].pid = g.pid;
	if (slot == 0)
		sched_wake_all(&p->mon_wait);
	return (long)slot_va(slot);
}

static void close_slot(struct proc *p, int slot)
{
	struct chan_slot c = p->chans[slot];
	struct chan_frame *f = frame_of(c.id);
	/* the peer learns of the close from the flag, and is woken to look */
	__atomic_store_n(&f->ctl[c.end].closed, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	event_wake_pid(c.peer_core, c.peer_pid);
	vm_unmap(p->pml4, slot_va(slot), (u64)c.pages * PAGE_SIZE);
	vm_prune(p->pml4, slot_va(slot), PIKA_CHAN_SLOT_SIZE, &core_frames);
	memset(&p->chans[slot], 0, sizeof(p->chans[slot]));
	struct made *m = find_made(c.id);
	if (m)
		m->end[c.end] = E_CLOSED;
	int owner = m ? this_core : owner_of(c.id, c.pages);
	if (owner >= 0)
		kevent_post(PIKA_KEV_CHAN_CLOSED, p->pid, c.id, (u64)owner);
}

static int slot_of(const struct proc *p, u64 va)
{
	if (va < PIKA_CHAN_BASE || (va - PIKA_CHAN_BASE) % PIKA_CHAN_SLOT_SIZE)
		return -1;
	u64 slot = (va - PIKA_CHAN_BASE) / PIKA_CHAN_SLOT_SIZE;
	return slot < PIKA_CHAN_SLOTS && p->chans[slot].used ? (int)slot : -1;
}

long channel_close(struct proc *p, u64 va)
{
	int slot = slot_of(p, va);
	if (slot < 0)
		return -EINVAL;
	close_slot(p, slot);
	return 0;
}

long channel_wake(struct proc *p, u64 va)
{
	int slot = slot_of(p, va);
	if (slot < 0)
		return -EINVAL;
	return event_wake_pid(p->chans[slot].peer_core, p->chans[slot].peer_pid);
}

long channel_info(struct proc *p, u64 va, u64 uinfo)
{
	int slot = slot_of(p, va);
	if (slot < 0)
		return -EINVAL;
	const struct chan_slot *c = &p->chans[slot];
	struct pika_chan_info in = { c->id, c->pages, c->end, c->peer_core, c->peer_pid };
	return copy_to_user(uinfo, &in, sizeof(in)) ? -EFAULT : 0;
}

/*
 * VEC_CORE_DEAD: a core stopped (a fault, a panic). Everything of ours that
 * shares a channel with it learns so: the other end's closed flag is set on
 * its behalf and the holder is named (its next receive or send gives
 * EPIPE, nobody waits forever), and channels we made whose other end was
 * there count that end closed, so our monitor frees them once ours close.
 */
void channel_cores_died(void)
{
	u64 f = irq_save();
	for (int c = 0; c < ncores && c < 64; c++) {
		u32 st = READ_ONCE(core_status_of(c)->state);
		if (c == this_core || (dead_seen & (1ULL << c)) || (st != CORE_FAULTED && st != CORE_PANICKED))
			continue;
		dead_seen |= 1ULL << c;
		for (int i = 0; i < MAX_PROCS; i++) {
			struct proc *p = proc_by_index(i);
			if (p->state != P_ALIVE)
				continue;
			bool hit = false;
			for (int s = 0; s < PIKA_CHAN_SLOTS; s++) {
				struct chan_slot *cs = &p->chans[s];
				if (!cs->used || cs->peer_core != c)
					continue;
				__atomic_store_n(&frame_of(cs->id)->ctl[1 - cs->end].closed, 1, __ATOMIC_RELEASE);
				hit = true;
			}
			if (hit)
				event_wake_proc(p);
		}
		for (int i = 0; i < MADE_MAX; i++)
			for (int e = 0; e < 2; e++)
				if (made[i].used && made[i].end[e] == E_AWAY && made[i].away[e] == c) {
					made[i].end[e] = E_CLOSED;
					kevent_post(PIKA_KEV_CHAN_CLOSED, 0, made[i].id, (u64)this_core);
				}
		pr_warn("channel: core %d stopped: its channels are closed here\n", c);
	}
	irq_restore(f);
}

void channel_proc_exit(struct proc *p)
{
	for (int s = 0; s < PIKA_CHAN_SLOTS; s++)
		if (p->chans[s].used)
			close_slot(p, s);
}

/* Does any process of this core still map id? (The made record says the same
 * when the monitor's reports are right; this does not depend on them.) */
static bool mapped_here(u64 id)
{
	for (int i = 0; i < MAX_PROCS; i++) {
		struct proc *p = proc_by_index(i);
		if (p->state == P_FREE)
			continue;
		for (int s = 0; s < PIKA_CHAN_SLOTS; s++)
			if (p->chans[s].used && p->chans[s].id == id)
				return true;
	}
	return false;
}

long channel_free(struct proc *caller, u64 id, u64 closed_away)
{
	if (!caller->monitor)
		return -EPERM;
	struct made *m = find_made(id);
	if (!m || (closed_away & ~3UL))
		return -EINVAL;
	for (int e = 0; e < 2; e++)
		if ((closed_away & (1UL << e)) && m->end[e] == E_AWAY)
			m->end[e] = E_CLOSED;
	for (int e = 0; e < 2; e++)
		if (m->end[e] == E_HERE || m->end[e] == E_AWAY)
			return -EBUSY;
	if (mapped_here(id))
		return -EBUSY;
	frame_of(id)->hdr.magic = 0;
	int e = frame_free_contig(m->local ? &core_frames : &pool, id, m->pages);
	memset(m, 0, sizeof(*m));
	return e ? -EINVAL : 0;
}

long channel_monitor_connect(struct proc *p, u64 timeout_ns)
{
	if (p->chans[0].used)
		return (long)slot_va(0);
	if (p->monitor)
		return -EINVAL;
	bool have_monitor = false;
	for (int i = 0; i < MAX_PROCS && !have_monitor; i++) {
		struct proc *m = proc_by_index(i);
		have_monitor = m->state == P_ALIVE && m->monitor;
	}
	if (!have_monitor)
		return -ENOSYS;
	kevent_post(PIKA_KEV_CONNECT, p->pid, 0, 0);
	u64 deadline = now_ns() + MIN(timeout_ns, 60ULL * 1000000000);
	while (!p->chans[0].used) {
		if (p->kill_sig)
			return -EINTR;
		if (sched_block_until(&p->mon_wait, deadline) && !p->chans[0].used)
			return -ETIMEDOUT;
	}
	return (long)slot_va(0);
}

int channel_link_monitor(struct proc *mon)
{
	int n = bootinfo.ncores, k = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++, k++) {
			if (i != this_core && j != this_core)
				continue;
			paddr_t id = bootinfo.monchan_phys + (u64)k * PAGE_SIZE;
			int end = i == this_core ? 0 : 1, peer = i == this_core ? j : i;
			int e = map_slot(mon, 1 + peer, id, 1, end, peer, PIKA_PID_MONITOR);
			if (e)
				return e;
			frame_of(id)->hdr.end[end].pid = mon->pid;
		}
	return 0;
}
