/* channel.c - see channel.h. */
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

/* A process's channel slot: the frame address | 1 (in use) | end << 1. */
#define SLOT_USED 1UL
#define SLOT_END 2UL

static u64 slot_va(int slot) { return PIKA_CHAN_BASE + (u64)slot * PIKA_CHAN_SLOT_SIZE; }
static struct chan_frame *frame_of(u64 id) { return phys_to_virt(id); }
static u64 pages_of(u64 id) { return frame_of(id)->hdr.pages; }

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
		n += (p->chans[s] & SLOT_USED) != 0;
	return n;
}

/* A frame the monitors may hand out: in the pool, past the fixed part. */
static bool valid_id(u64 id)
{
	return !(id & (PAGE_SIZE - 1)) && frame_range_contains(&bootinfo.plan.chanpool, id) &&
	       id >= bootinfo.kshared_phys + bootinfo.kshared_size &&
	       frame_of(id)->hdr.magic == CHAN_MAGIC && frame_of(id)->hdr.id == id;
}

void kevent_post(u32 type, int pid, u64 a, u64 b)
{
	if (kev_head - kev_tail == KEV_MAX) {
		kev_dropped++;
		return;
	}
	kev[kev_head++ % KEV_MAX] = (struct pika_kevent){ type, pid, a, b };
	event_wake(this_core); /* the monitor waits for events like for messages */
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

long channel_create(struct proc *caller, u64 pages)
{
	if (!caller->monitor)
		return -EPERM;
	if (pages == 0)
		pages = 1;
	if (pages > PIKA_CHAN_MAX_PAGES)
		return -EINVAL;
	paddr_t id = frame_alloc_contig(&pool, pages, 1);
	if (!id)
		return -ENOMEM;
	memset(phys_to_virt(id + PAGE_SIZE), 0, (pages - 1) * PAGE_SIZE);
	chan_frame_init(frame_of(id), id, (u32)this_core);
	frame_of(id)->hdr.pages = (u32)pages;
	return (long)id;
}

static int map_slot(struct proc *p, int slot, u64 id, int end)
{
	u64 len = pages_of(id) * PAGE_SIZE;
	int e = vm_map(p->pml4, slot_va(slot), id, len, PTE_W | PTE_NX | PTE_U | PTE_NOFREE, false, &core_frames);
	if (e) {
		vm_unmap(p->pml4, slot_va(slot), len);
		return e;
	}
	p->chans[slot] = id | SLOT_USED | (end ? SLOT_END : 0);
	return 0;
}

long channel_grant(struct proc *caller, int pid, u64 id, int end, u64 flags)
{
	if (!caller->monitor)
		return -EPERM;
	struct proc *p = proc_find(pid);
	if (!p || p->state != P_ALIVE || (end != 0 && end != 1) || (flags & ~(u64)PIKA_GRANT_MONITOR))
		return -EINVAL;
	if (!valid_id(id))
		return -EINVAL;
	struct chan_frame *f = frame_of(id);
	if (f->hdr.end[end].pid != -1 || f->ctl[end].closed)
		return -EBUSY;
	int slot = -1;
	if (flags & PIKA_GRANT_MONITOR) {
		if (!(p->chans[0] & SLOT_USED))
			slot = 0;
	} else {
		for (int s = 1; s < PIKA_CHAN_SLOTS && slot < 0; s++)
			if (!(p->chans[s] & SLOT_USED))
				slot = s;
	}
	if (slot < 0)
		return -ENOSPC;
	int e = map_slot(p, slot, id, end);
	if (e)
		return e;
	f->hdr.end[end].core = (u32)this_core;
	f->hdr.end[end].pid = pid;
	if (slot == 0)
		sched_wake_all(&p->mon_wait);
	return (long)slot_va(slot);
}

static void close_slot(struct proc *p, int slot)
{
	u64 v = p->chans[slot];
	u64 id = v & ~(PAGE_SIZE - 1);
	int end = (v & SLOT_END) ? 1 : 0;
	struct chan_frame *f = frame_of(id);
	__atomic_store_n(&f->ctl[end].closed, 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (f->hdr.end[1 - end].pid != -1) /* let a sleeping peer see the close */
		event_wake((int)f->hdr.end[1 - end].core);
	vm_unmap(p->pml4, slot_va(slot), pages_of(id) * PAGE_SIZE);
	p->chans[slot] = 0;
	if (f->hdr.owner_core != ~0u)
		kevent_post(PIKA_KEV_CHAN_CLOSED, p->pid, id, f->hdr.owner_core);
}

long channel_close(struct proc *p, u64 va)
{
	if (va < PIKA_CHAN_BASE || (va - PIKA_CHAN_BASE) % PIKA_CHAN_SLOT_SIZE)
		return -EINVAL;
	u64 slot = (va - PIKA_CHAN_BASE) / PIKA_CHAN_SLOT_SIZE;
	if (slot >= PIKA_CHAN_SLOTS || !(p->chans[slot] & SLOT_USED))
		return -EINVAL;
	close_slot(p, (int)slot);
	return 0;
}

void channel_proc_exit(struct proc *p)
{
	for (int s = 0; s < PIKA_CHAN_SLOTS; s++)
		if (p->chans[s] & SLOT_USED)
			close_slot(p, s);
}

long channel_free(struct proc *caller, u64 id)
{
	if (!caller->monitor)
		return -EPERM;
	if (!valid_id(id) || !frame_range_contains(&bootinfo.chanslice[this_core], id))
		return -EINVAL;
	struct chan_frame *f = frame_of(id);
	for (int e = 0; e < 2; e++)
		if (f->hdr.end[e].pid != -1 && !__atomic_load_n(&f->ctl[e].closed, __ATOMIC_ACQUIRE))
			return -EBUSY;
	u64 pages = f->hdr.pages;
	f->hdr.magic = 0;
	return frame_free_contig(&pool, id, pages) ? -EINVAL : 0;
}

long channel_monitor_connect(struct proc *p, u64 timeout_ns)
{
	if (p->chans[0] & SLOT_USED)
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
	while (!(p->chans[0] & SLOT_USED)) {
		if (sched_block_until(&p->mon_wait, deadline) && !(p->chans[0] & SLOT_USED))
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
			int e = map_slot(mon, 1 + peer, id, end);
			if (e)
				return e;
			frame_of(id)->hdr.end[end].pid = mon->pid;
		}
	return 0;
}
