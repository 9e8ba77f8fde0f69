/* dev.c - see dev.h. */
#include "dev.h"
#include "bootinfo.h"
#include "core.h"
#include "errno.h"
#include "event.h"
#include "layout.h"
#include "mem.h"
#include "mmio.h"
#include "console.h"
#include "pci.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "timer.h"
#include "uaccess.h"
#include "uvm.h"
#include "vm.h"
#include "x86.h"

#include <string.h>

#define DEV_BASE 0x00007d0000000000UL /* device mappings in a driver process */
#define DMA_MAX (64UL << 20)

/*
 * DMA memory outlives its driver until the device cannot reach it.
 *
 * When a driver process ends, its DMA frames do not go back to the pool
 * while a device it drove may still write into them (the kernel has no
 * IOMMU). If the process turned bus mastering on itself (the control
 * instance), the kernel turns it off: the device stops. Otherwise (a queue
 * of a device another core controls) the frames are quarantined until a
 * driver of the device on this core says the device no longer reaches them
 * (PIKA_DEV_DMA_RELEASE). Either way the frames are then poisoned and held
 * for DMA_HOLD_NS, and checked before they are freed: a frame whose poison
 * changed was written by the device after its driver died; it is reported,
 * counted (dma_corrupted) and never reused.
 */
#define DMA_HOLD_NS 200000000ULL
#define DMA_POISON 0xd1a6f00dd1a6f00dULL
#define DMA_KEPT_MAX 64

static struct dma_kept {
	paddr_t phys;
	u64 frames;
	u64 free_at;   /* held: when the check runs; 0 while quarantined */
	u32 dev;       /* the device that may reach it (quarantine) */
	bool used;
} kept[DMA_KEPT_MAX];
static struct pika_dma_stats dma_stats;
static struct thread *dma_checker;

static struct {
	bool used;
	int pid;
	u32 dev, entry;
	u64 count;
} irqs[256];

long dev_list(u64 ubuf, u64 n)
{
	n = MIN(n, (u64)bootinfo.npci);
	if (n && copy_to_user(ubuf, bootinfo.pci, n * sizeof(bootinfo.pci[0])))
		return -EFAULT;
	return (long)n;
}

long dev_grant(struct proc *caller, int pid, u64 dev)
{
	if (!caller->monitor)
		return -EPERM;
	struct proc *p = proc_find(pid);
	if (!p || p->state != P_ALIVE || dev >= (u64)bootinfo.npci)
		return -EINVAL;
	p->devs |= 1u << dev;
	return 0;
}

static const struct pika_pci_dev *granted(struct proc *p, u64 dev)
{
	if (dev >= (u64)bootinfo.npci || !(p->devs & (1u << dev)))
		return NULL;
	return &bootinfo.pci[dev];
}

long dev_map(struct proc *p, u64 dev, u64 bar, u64 off, u64 len)
{
	const struct pika_pci_dev *d = granted(p, dev);
	if (!d)
		return -EPERM;
	if (bar >= 6 || d->bar[bar].type != PIKA_BAR_MEM || len == 0 || off >= d->bar[bar].size ||
	    len > d->bar[bar].size - off)
		return -EINVAL;
	if (d->msix_cap && bar == d->msix_bar) {
		/* the MSI-X table is the kernel's to write (irq_attach): an entry
		 * rewritten by a driver could interrupt any core with any vector */
		u64 t0 = ALIGN_DOWN(d->msix_off, PAGE_SIZE);
		u64 t1 = ALIGN_UP(d->msix_off + (u64)d->msix_count * 16, PAGE_SIZE);
		if (ALIGN_DOWN(off, PAGE_SIZE) < t1 && t0 < ALIGN_UP(off + len, PAGE_SIZE))
			return -EPERM;
	}
	paddr_t phys = d->bar[bar].addr + off;
	paddr_t start = ALIGN_DOWN(phys, PAGE_SIZE);
	u64 size = ALIGN_UP(phys + len, PAGE_SIZE) - start;
	if (p->dev_next == 0)
		p->dev_next = DEV_BASE;
	if (p->dev_next + size > DEV_BASE + (1UL << 36))
		return -ENOMEM;
	u64 va = p->dev_next;
	int e = vm_map(p->pml4, va, start, size, PTE_MMIO | PTE_U | PTE_NOFREE, false, &core_frames);
	if (e)
		return e;
	p->dev_next += size + PAGE_SIZE;
	return (long)(va + (phys - start));
}

static void poison(paddr_t phys, u64 frames)
{
	u64 *w = phys_to_virt(phys);
	for (u64 i = 0; i < frames * (PAGE_SIZE / 8); i++)
		w[i] = DMA_POISON;
}

/* Frames of [phys, phys + frames) whose poison changed. */
static u64 poison_broken(paddr_t phys, u64 frames)
{
	u64 bad = 0;
	for (u64 f = 0; f < frames; f++) {
		const u64 *w = phys_to_virt(phys + f * PAGE_SIZE);
		for (u64 i = 0; i < PAGE_SIZE / 8; i++)
			if (w[i] != DMA_POISON) {
				bad++;
				break;
			}
	}
	return bad;
}

/* The checker: a kernel thread that frees held ranges once their hold is
 * over and their poison is intact. Ends when nothing is held. */
static void dma_check_loop(void *arg)
{
	(void)arg;
	for (;;) {
		u64 now = now_ns(), next = 0;
		for (int i = 0; i < DMA_KEPT_MAX; i++) {
			struct dma_kept *k = &kept[i];
			if (!k->used || !k->free_at)
				continue;
			if (k->free_at > now) {
				next = next && next < k->free_at ? next : k->free_at;
				continue;
			}
			u64 bad = poison_broken(k->phys, k->frames);
			if (bad) { /* the device wrote after its driver died: keep it all */
				dma_stats.corrupted += bad;
				dma_stats.lost += k->frames;
				kprintf("dev: core %d: %lu of %lu DMA frames at %#lx were written after their driver "
					"died; they are not reused\n", this_core, bad, k->frames, k->phys);
			} else {
				frame_free_contig(&core_frames, k->phys, k->frames);
				dma_stats.freed += k->frames;
			}
			dma_stats.held -= k->frames;
			k->used = false;
		}
		if (!next)
			break;
		u64 t = now_ns();
		sched_sleep_ns(next > t ? next - t : 1);
	}
	dma_checker = NULL;
}

/* Range k cannot be reached any more: poison it and hold it for the check. */
static void hold(struct dma_kept *k)
{
	poison(k->phys, k->frames);
	k->free_at = now_ns() + DMA_HOLD_NS;
	dma_stats.held += k->frames;
	if (!dma_checker && !(dma_checker = kthread_create("dma-check", dma_check_loop, NULL)))
		kprintf("dev: core %d: no thread to check DMA memory: held until the next exit\n", this_core);
}

static long dma_release(u32 dev)
{
	u64 n = 0;
	for (int i = 0; i < DMA_KEPT_MAX; i++)
		if (kept[i].used && !kept[i].free_at && kept[i].dev == dev) {
			dma_stats.quarantined -= kept[i].frames;
			n += kept[i].frames;
			hold(&kept[i]);
		}
	return (long)n;
}

void dev_dma_stats(struct pika_dma_stats *out) { *out = dma_stats; }

long dev_ctl(struct proc *p, u64 dev, u64 op)
{
	const struct pika_pci_dev *d = granted(p, dev);
	if (!d)
		return -EPERM;
	u16 cmd = pci_cfg_read16(d->bus, d->dev, d->fn, PCI_COMMAND);
	switch (op) {
	case PIKA_DEV_ENABLE:
		p->dev_master |= 1u << dev; /* it stops the device if it dies */
		return pci_cfg_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd | PCI_CMD_MEM | PCI_CMD_MASTER);
	case PIKA_DEV_DISABLE:
		p->dev_master &= ~(1u << dev);
		return pci_cfg_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd & ~PCI_CMD_MASTER);
	case PIKA_DEV_DMA_RELEASE:
		return dma_release((u32)dev);
	case PIKA_DEV_MSIX_ENABLE: {
		if (!d->msix_cap)
			return -ENODEV;
		int e = pci_cfg_write16(d->bus, d->dev, d->fn, PCI_COMMAND, cmd | PCI_CMD_INTX_OFF);
		if (e)
			return e;
		u16 ctrl = pci_cfg_read16(d->bus, d->dev, d->fn, (u16)(d->msix_cap + 2));
		ctrl = (u16)((ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_MASK_ALL);
		return pci_cfg_write16(d->bus, d->dev, d->fn, (u16)(d->msix_cap + 2), ctrl);
	}
	}
	return -EINVAL;
}

long dma_alloc(struct proc *p, u64 len, u64 uphys)
{
	if (len == 0 || len > DMA_MAX || !uaccess_range_ok(uphys, 8) || !p->devs)
		return len == 0 || len > DMA_MAX ? -EINVAL : (p->devs ? -EFAULT : -EPERM);
	u64 frames = ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE;
	if (proc_frames_over(p, frames) || p->ndma >= PROC_DMA_MAX)
		return -ENOMEM;
	paddr_t phys = frame_alloc_contig(&core_frames, frames, 1);
	if (!phys)
		return -ENOMEM;
	memset(phys_to_virt(phys), 0, frames * PAGE_SIZE);
	u64 va = p->mmap_next;
	int e = vm_map(p->pml4, va, phys, frames * PAGE_SIZE, PTE_W | PTE_NX | PTE_U | PTE_MMAP, false,
		       &core_frames);
	if (!e && copy_to_user(uphys, &phys, 8))
		e = -EFAULT;
	if (e) {
		uvm_unmap(p->pml4, va, frames * PAGE_SIZE, false);
		for (u64 i = 0; i < frames; i++) /* the pages that were never mapped */
			if (vm_translate(p->pml4, va + i * PAGE_SIZE, NULL) == VM_NOPHYS)
				frame_free(&core_frames, phys + i * PAGE_SIZE);
		return e;
	}
	p->mmap_next += frames * PAGE_SIZE + PAGE_SIZE;
	p->frames += frames;
	p->dma[p->ndma++] = (struct proc_dma){ va, phys, frames };
	return (long)va;
}

static volatile u32 *msix_entry(const struct pika_pci_dev *d, u32 entry)
{
	u8 *table = mmio_map(d->bar[d->msix_bar].addr + d->msix_off, (u64)d->msix_count * 16);
	return table ? (volatile u32 *)(table + entry * 16) : NULL;
}

long irq_attach(struct proc *p, u64 dev, u64 entry)
{
	const struct pika_pci_dev *d = granted(p, dev);
	if (!d)
		return -EPERM;
	if (!d->msix_cap || entry >= d->msix_count || d->bar[d->msix_bar].type != PIKA_BAR_MEM)
		return -EINVAL;
	int v = -1;
	for (int i = IRQ_VEC_FIRST; i <= IRQ_VEC_LAST && v < 0; i++)
		if (!irqs[i].used)
			v = i;
	if (v < 0)
		return -ENOSPC;
	volatile u32 *e = msix_entry(d, (u32)entry);
	if (!e)
		return -ENOMEM;
	irqs[v].used = true;
	irqs[v].pid = p->pid;
	irqs[v].dev = (u32)dev;
	irqs[v].entry = (u32)entry;
	irqs[v].count = 0;
	/* MSI-X table entry (PCIe Base 6.8.2): message address = this core's
	 * LAPIC (0xFEE00000 | APIC ID << 12), data = the vector, unmasked. */
	e[3] = 1; /* masked while it changes */
	e[0] = 0xFEE00000u | (bootinfo.apic_id[this_core] << 12);
	e[1] = 0;
	e[2] = (u32)v;
	e[3] = 0;
	return v;
}

long irq_list(u64 ubuf, u64 n)
{
	u64 k = 0;
	for (int v = IRQ_VEC_FIRST; v <= IRQ_VEC_LAST && k < n; v++) {
		if (!irqs[v].used)
			continue;
		struct pika_irq_info info = { (u32)v, irqs[v].dev, irqs[v].entry, irqs[v].pid, irqs[v].count };
		if (copy_to_user(ubuf + k * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
		k++;
	}
	return (long)k;
}

static u64 nirqs;

void dev_irq(u64 vector)
{
	nirqs++;
	if (vector < 256 && irqs[vector].used) {
		irqs[vector].count++;
		event_wake_proc(proc_find(irqs[vector].pid)); /* the driver sleeps in event_wait */
	}
}

u64 dev_irq_count(void) { return nirqs; }

/* p's DMA ranges leave its address space (uvm_destroy must not free them)
 * and are held (stopped device) or quarantined (dev may still reach them). */
static void dma_exit(struct proc *p, bool stopped, u32 dev)
{
	for (int i = 0; i < p->ndma; i++) {
		struct proc_dma *r = &p->dma[i];
		vm_unmap(p->pml4, r->va, r->frames * PAGE_SIZE);
		struct dma_kept *k = NULL;
		for (int j = 0; j < DMA_KEPT_MAX && !k; j++)
			if (!kept[j].used)
				k = &kept[j];
		if (!k) { /* no record left: never freed, but never reused either */
			dma_stats.lost += r->frames;
			continue;
		}
		*k = (struct dma_kept){ .phys = r->phys, .frames = r->frames, .dev = dev, .used = true };
		if (stopped) {
			hold(k);
		} else {
			dma_stats.quarantined += r->frames;
		}
	}
	p->ndma = 0;
}

void dev_proc_exit(struct proc *p)
{
	/* the devices it drove stop reaching its memory: those it started are
	 * stopped (bus mastering off); any other that still masters keeps the
	 * memory in quarantine */
	bool stopped = true;
	u32 reach = 0;
	for (u32 dev = 0; dev < (u32)bootinfo.npci && dev < 32; dev++) {
		if (!(p->devs & (1u << dev)))
			continue;
		const struct pika_pci_dev *d = &bootinfo.pci[dev];
		if ((p->dev_master & (1u << dev)) &&
		    pci_cfg_write16(d->bus, d->dev, d->fn, PCI_COMMAND,
				    (u16)(pci_cfg_read16(d->bus, d->dev, d->fn, PCI_COMMAND) & ~PCI_CMD_MASTER)) == 0)
			dma_stats.masters_stopped++;
		if (pci_cfg_read16(d->bus, d->dev, d->fn, PCI_COMMAND) & PCI_CMD_MASTER) {
			stopped = false;
			reach = dev;
		}
	}
	if (p->ndma)
		dma_exit(p, stopped, reach);
	for (int v = IRQ_VEC_FIRST; v <= IRQ_VEC_LAST; v++) {
		if (!irqs[v].used || irqs[v].pid != p->pid)
			continue;
		volatile u32 *e = msix_entry(&bootinfo.pci[irqs[v].dev], irqs[v].entry);
		if (e)
			e[3] = 1; /* masked: the device can no longer interrupt for it */
		irqs[v].used = false;
	}
}
