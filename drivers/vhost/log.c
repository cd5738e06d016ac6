// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty log for live migration: a bitmap in the owner's memory with
 * one bit per 4 KiB guest-physical page, set for every page the device
 * writes (buffers and the used ring) while VHOST_F_LOG_ALL is negotiated.
 * Bits are set atomically in the pinned bitmap page, so userspace may
 * collect and clear them concurrently.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>

#include "core.h"

#define VHOST_LOG_PAGE_SHIFT	12

/**
 * vhost_vq_logging - whether a ring's writes are logged
 * @vq: the ring
 *
 * Return: true when VHOST_F_LOG_ALL is negotiated and a log is set.
 */
bool vhost_vq_logging(const struct vhost_virtqueue *vq)
{
	return (vq->acked_features & BIT_ULL(VHOST_F_LOG_ALL)) && vq->log_base;
}

/**
 * vhost_log_span - where a run of log bits lives in the bitmap
 * @base: user address of the bitmap
 * @first: first guest page number of the run
 * @last: last guest page number of the run
 * @page_addr: out, user address of the bitmap page holding bit @first
 * @bit: out, index of bit @first counted from @page_addr (little-endian
 *	bit order: bit n is bit n % 8 of byte n / 8)
 *
 * Return: how many bits of the run, from @first, lie in that page.
 */
u64 vhost_log_span(u64 base, u64 first, u64 last, u64 *page_addr,
		   unsigned long *bit)
{
	u64 uaddr = base + first / 8;
	u64 in_page = uaddr & (PAGE_SIZE - 1);
	u64 room = (PAGE_SIZE - in_page) * 8 - first % 8;

	*page_addr = uaddr - in_page;
	*bit = in_page * 8 + first % 8;
	/* last - first + 1 would wrap for a run of 2^64 bits. */
	return last - first < room ? last - first + 1 : room;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_log_span);

/* Set bits [first, last] of the bitmap, one pinned page at a time. */
static int vhost_log_bits(u64 base, u64 first, u64 last)
{
	for (;;) {
		unsigned long bit;
		struct page *page;
		u64 page_addr, n, k;
		void *kaddr;

		n = vhost_log_span(base, first, last, &page_addr, &bit);
		if (pin_user_pages_fast(page_addr, 1, FOLL_WRITE, &page) != 1)
			return -EFAULT;
		kaddr = kmap_local_page(page);
		for (k = 0; k < n; k++)
			set_bit_le(bit + k, kaddr);
		kunmap_local(kaddr);
		unpin_user_pages_dirty_lock(&page, 1, true);
		if (last - first < n)
			return 0;
		first += n;
	}
}

/**
 * vhost_log_gpa - log a guest-physical range as written
 * @vq: the ring (its mutex held)
 * @gpa: first byte
 * @len: bytes
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, or -EFAULT when the bitmap is not writable.
 */
int vhost_log_gpa(struct vhost_virtqueue *vq, u64 gpa, u64 len)
{
	u64 last;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!len || !vhost_vq_logging(vq))
		return 0;
	last = gpa + len - 1;
	if (last < gpa)
		last = U64_MAX;
	ret = vhost_log_bits(vq->log_base, gpa >> VHOST_LOG_PAGE_SHIFT,
			     last >> VHOST_LOG_PAGE_SHIFT);
	if (!ret)
		vq->log_dirty = true;
	return ret;
}

/* Whether every byte of [@hva, @last] lies in some region of @map. */
static bool vhost_log_hva_covered(const struct vhost_memmap *map, u64 hva,
				  u64 last)
{
	u32 i;

	for (;;) {
		const struct vhost_memmap_region *r = NULL;

		for (i = 0; i < map->nregions && !r; i++)
			if (hva >= map->r[i].hva &&
			    hva - map->r[i].hva < map->r[i].size)
				r = &map->r[i];
		if (!r)
			return false;
		if (last - r->hva < r->size)
			return true;
		hva = r->hva + r->size;
	}
}

/**
 * vhost_log_hva - log the guest pages behind a user address range
 * @vq: the ring (its mutex held)
 * @hva: first byte, in the owner's address space
 * @len: bytes
 *
 * Every region that maps part of the range is logged, aliases included.
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0; -ENXIO when the range is not all inside the memory table (its
 * pages cannot be reported: migration would lose them); -EFAULT when the
 * bitmap is not writable.
 */
int vhost_log_hva(struct vhost_virtqueue *vq, u64 hva, u64 len)
{
	const struct vhost_memmap *map = vq->memmap;
	u64 last = hva + len - 1;
	int ret = 0;
	u32 i;

	lockdep_assert_held(&vq->mutex);
	if (!len)
		return 0;
	if (!map || !vhost_log_hva_covered(map, hva, last))
		return -ENXIO;
	for (i = 0; i < map->nregions && !ret; i++) {
		const struct vhost_memmap_region *r = &map->r[i];
		u64 lo = max(hva, r->hva);
		u64 hi = min(last, r->hva + r->size - 1);

		if (lo <= hi)
			ret = vhost_log_gpa(vq, r->gpa + (lo - r->hva),
					    hi - lo + 1);
	}
	return ret;
}

/**
 * vhost_log_used - log a write to the used ring
 * @vq: the ring (its mutex held)
 * @off: offset in the used ring
 * @len: bytes
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, an error of vhost_log_hva(), or the used ring's translation
 * error (IOTLB mode).
 */
int vhost_log_used(struct vhost_virtqueue *vq, size_t off, size_t len)
{
	void __user *hva = vq->hva[VHOST_AREA_USED];
	struct iovec iov[4];
	int n, i, ret = 0;

	lockdep_assert_held(&vq->mutex);
	if (!vq->log_used || !vhost_vq_logging(vq))
		return 0;
	if (!vhost_vq_uses_iotlb(vq))
		return vhost_log_gpa(vq, vq->log_addr + off, len);
	/* The address just written, not a translation made after it. */
	if (hva)
		return vhost_log_hva(vq, (u64)(uintptr_t)hva + off, len);
	n = vhost_xlate(vq, vq->addr[VHOST_AREA_USED] + off, len,
			VHOST_ACCESS_WO, iov, ARRAY_SIZE(iov));
	if (n < 0)
		return n;
	for (i = 0; i < n && !ret; i++)
		ret = vhost_log_hva(vq, (u64)(uintptr_t)iov[i].iov_base,
				    iov[i].iov_len);
	return ret;
}

/**
 * vhost_log_done - tell userspace pages were logged
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_log_done(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (!vq->log_dirty)
		return;
	vq->log_dirty = false;
	if (vq->log_ctx)
		vhost_eventfd_kick(vq->log_ctx);
}

/**
 * vhost_log_covers - whether a bitmap can log every page of a table
 * @base: user address of the bitmap (0: no log, always true)
 * @map: the memory table, may be NULL
 *
 * Return: true when the bitmap bytes for every region are addressable.
 */
bool vhost_log_covers(u64 base, const struct vhost_memmap *map)
{
	u32 i;

	if (!base || !map)
		return true;
	for (i = 0; i < map->nregions; i++) {
		u64 last = map->r[i].gpa + map->r[i].size - 1;
		u64 bytes = (last >> VHOST_LOG_PAGE_SHIFT) / 8 + 1;

		if (base + bytes < base ||
		    !access_ok(u64_to_user_ptr(base), bytes))
			return false;
	}
	return true;
}

/**
 * vhost_log_set_base - VHOST_SET_LOG_BASE
 * @dev: the device, with dev->mutex held
 * @base: user address of the bitmap
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0, or -EFAULT when the bitmap cannot cover the memory table.
 */
int vhost_log_set_base(struct vhost_dev *dev, u64 base)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	if (base != (uintptr_t)base || !vhost_log_covers(base, dev->memmap))
		return -EFAULT;
	dev->log_base = base;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->log_base = base;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	return 0;
}

/**
 * vhost_log_set_fd - VHOST_SET_LOG_FD
 * @dev: the device, with dev->mutex held
 * @fd: an eventfd, or -1 for none
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0, -EBADF or -EINVAL.
 */
int vhost_log_set_fd(struct vhost_dev *dev, int fd)
{
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	if (fd != -1) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	old = dev->log_ctx;
	dev->log_ctx = ctx;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->log_ctx = ctx;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

/**
 * vhost_log_release - drop the log eventfd at reset
 * @dev: the device
 *
 * Context: process context; @dev->mutex held.
 */
void vhost_log_release(struct vhost_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	vhost_log_set_fd(dev, -1);
	dev->log_base = 0;
}
