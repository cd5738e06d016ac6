// SPDX-License-Identifier: GPL-2.0
/*
 * Address translation: guest addresses in descriptors (guest-physical, or
 * IOVAs under a device IOTLB) become user addresses of the owner, and ring
 * areas are read and written through one pair of helpers that hide which
 * translation applies.
 *
 * Ring areas are translated once per start (a "prefetch") when a single
 * mapping covers each; otherwise every access is translated piecewise.
 */
#include <linux/uaccess.h>

#include "core.h"

/**
 * vhost_vq_uses_iotlb - whether a ring's addresses go through the IOTLB
 * @vq: the ring
 *
 * Return: true when VIRTIO_F_ACCESS_PLATFORM was negotiated.
 */
bool vhost_vq_uses_iotlb(const struct vhost_virtqueue *vq)
{
	return vq->acked_features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
}

/**
 * vhost_ring_area_size - bytes of one area of a split ring
 * @vq: the ring
 * @area: which area
 *
 * Return: the size, including the event-index field when negotiated.
 */
size_t vhost_ring_area_size(const struct vhost_virtqueue *vq,
			    enum vhost_ring_area area)
{
	size_t event = (vq->acked_features &
			BIT_ULL(VIRTIO_RING_F_EVENT_IDX)) ? 2 : 0;

	switch (area) {
	case VHOST_AREA_DESC:
		return sizeof(struct vring_desc) * vq->num;
	case VHOST_AREA_AVAIL:
		return 4 + 2 * vq->num + event;
	default:
		return 4 + sizeof(struct vring_used_elem) * vq->num + event;
	}
}

/* One IOTLB step: returns the mapped length from @addr, 0 on failure. */
static u64 vhost_iotlb_step(struct vhost_virtqueue *vq, u64 addr, u8 access,
			    u64 *uaddr, int *err)
{
	struct vhost_dev *dev = vq->dev;
	u64 len = 0;
	u8 perm;

	mutex_lock(&dev->iotlb_mutex);
	if (!dev->iotlb) {
		*err = -EFAULT;
	} else if (!vhost_iotlb_lookup(dev->iotlb, addr, uaddr, &len, &perm)) {
		vq->iotlb_wait = true;
		*err = VHOST_XLATE_MISS;
	} else if ((perm & access) != access) {
		*err = -EPERM;
		len = 0;
	} else if (!len) {
		len = U64_MAX;	/* the whole space is mapped */
	}
	mutex_unlock(&dev->iotlb_mutex);
	if (*err == VHOST_XLATE_MISS)
		vhost_iotlb_miss(vq, addr, access);
	return len;
}

/* Whether [@addr, @addr + @size) is mapped for @access: 0 or an error. */
static int vhost_iotlb_area_mapped(struct vhost_virtqueue *vq, u64 addr,
				   u64 size, u8 access)
{
	while (size) {
		u64 uaddr, len;
		int err = 0;

		len = vhost_iotlb_step(vq, addr, access, &uaddr, &err);
		if (err)
			return err;
		len = min(len, size);
		addr += len;
		size -= len;
	}
	return 0;
}

/* One memory-table step, as above. */
static u64 vhost_memmap_step(struct vhost_virtqueue *vq, u64 addr,
			     u64 *uaddr, int *err)
{
	const struct vhost_memmap_region *r = vhost_memmap_find(vq->memmap,
								 addr);

	if (!r) {
		*err = -EFAULT;
		return 0;
	}
	*uaddr = r->hva + (addr - r->gpa);
	return r->size - (addr - r->gpa);
}

/**
 * vhost_xlate - translate a guest buffer to user iovecs
 * @vq: the ring (its mutex held)
 * @addr: guest-physical address or IOVA
 * @len: bytes
 * @access: VHOST_ACCESS_RO (device reads) or VHOST_ACCESS_WO (device writes)
 * @iov: where to put the pieces
 * @iov_max: room in @iov
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: the number of iovecs, -EFAULT outside the table, -EPERM for a
 * mapping without the access, -ENOBUFS when @iov is too small, or
 * VHOST_XLATE_MISS after asking userspace for the translation.
 */
int vhost_xlate(struct vhost_virtqueue *vq, u64 addr, u64 len, u8 access,
		struct iovec *iov, unsigned int iov_max)
{
	bool tlb = vhost_vq_uses_iotlb(vq);
	unsigned int n = 0;

	lockdep_assert_held(&vq->mutex);
	if (len && addr + len - 1 < addr)
		return -EFAULT;
	while (len) {
		u64 uaddr, chunk;
		int err = 0;

		if (n == iov_max)
			return -ENOBUFS;
		if (tlb)
			chunk = vhost_iotlb_step(vq, addr, access, &uaddr, &err);
		else
			chunk = vhost_memmap_step(vq, addr, &uaddr, &err);
		if (err)
			return err;
		chunk = min(chunk, len);
		iov[n].iov_base = u64_to_user_ptr(uaddr);
		iov[n].iov_len = chunk;
		n++;
		addr += chunk;
		len -= chunk;
	}
	return n;
}

static u8 vhost_area_access(enum vhost_ring_area area)
{
	return area == VHOST_AREA_USED ? VHOST_ACCESS_WO : VHOST_ACCESS_RO;
}

/**
 * vhost_ring_prefetch - translate the ring areas before processing
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, VHOST_XLATE_MISS while a translation is pending, or -errno.
 */
int vhost_ring_prefetch(struct vhost_virtqueue *vq)
{
	enum vhost_ring_area a;

	lockdep_assert_held(&vq->mutex);
	for (a = 0; a < VHOST_AREA_NR; a++) {
		size_t size = vhost_ring_area_size(vq, a);
		u64 uaddr, len;
		int err = 0;

		if (vq->hva[a])
			continue;
		if (!vhost_vq_uses_iotlb(vq)) {
			vq->hva[a] = u64_to_user_ptr(vq->addr[a]);
			continue;
		}
		len = vhost_iotlb_step(vq, vq->addr[a], vhost_area_access(a),
				       &uaddr, &err);
		if (err)
			return err;
		if (len >= size) {
			vq->hva[a] = u64_to_user_ptr(uaddr);
			continue;
		}
		/*
		 * Split across mappings: translate on every access instead,
		 * but only once every piece is there, so that a run that
		 * starts never stops half-way for a ring area.
		 */
		err = vhost_iotlb_area_mapped(vq, vq->addr[a] + len, size - len,
					      vhost_area_access(a));
		if (err)
			return err;
	}
	return 0;
}

static int vhost_ring_slow(struct vhost_virtqueue *vq,
			   enum vhost_ring_area area, size_t off, void *buf,
			   size_t len, bool write)
{
	struct iovec iov[8];
	int n, i;

	n = vhost_xlate(vq, vq->addr[area] + off, len, vhost_area_access(area),
			iov, ARRAY_SIZE(iov));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		unsigned long left;

		if (write)
			left = copy_to_user(iov[i].iov_base, buf, iov[i].iov_len);
		else
			left = copy_from_user(buf, iov[i].iov_base,
					      iov[i].iov_len);
		if (left)
			return -EFAULT;
		buf += iov[i].iov_len;
	}
	return 0;
}

/**
 * vhost_ring_read - read bytes of a ring area
 * @vq: the ring (its mutex held)
 * @area: which area
 * @off: offset in the area
 * @buf: destination
 * @len: bytes
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, -EFAULT, or VHOST_XLATE_MISS.
 */
int vhost_ring_read(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		    size_t off, void *buf, size_t len)
{
	void __user *p = vq->hva[area];

	lockdep_assert_held(&vq->mutex);
	if (unlikely(!p))
		return vhost_ring_slow(vq, area, off, buf, len, false);
	return copy_from_user(buf, p + off, len) ? -EFAULT : 0;
}

/**
 * vhost_ring_read16 - read one 16-bit ring field in a single access
 * @vq: the ring (its mutex held)
 * @area: which area
 * @off: offset in the area, 2-byte aligned
 * @val: out, the raw (ring-endian) value
 *
 * Indices and flags change under our feet: a byte-wise copy could see
 * half of an old value and half of a new one.
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, -EFAULT, or VHOST_XLATE_MISS.
 */
int vhost_ring_read16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		      size_t off, u16 *val)
{
	void __user *p = vq->hva[area];

	lockdep_assert_held(&vq->mutex);
	if (unlikely(!p))
		return vhost_ring_slow(vq, area, off, val, sizeof(*val), false);
	return get_user(*val, (u16 __user *)(p + off));
}

/**
 * vhost_ring_write16 - write one 16-bit ring field in a single access
 * @vq: the ring (its mutex held)
 * @area: which area
 * @off: offset in the area, 2-byte aligned
 * @val: the raw (ring-endian) value
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, -EFAULT, or VHOST_XLATE_MISS.
 */
int vhost_ring_write16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		       size_t off, u16 val)
{
	void __user *p = vq->hva[area];

	lockdep_assert_held(&vq->mutex);
	if (unlikely(!p))
		return vhost_ring_slow(vq, area, off, &val, sizeof(val), true);
	return put_user(val, (u16 __user *)(p + off));
}

/**
 * vhost_ring_write - write bytes of a ring area
 * @vq: the ring (its mutex held)
 * @area: which area
 * @off: offset in the area
 * @buf: source
 * @len: bytes
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 0, -EFAULT, or VHOST_XLATE_MISS.
 */
int vhost_ring_write(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		     size_t off, const void *buf, size_t len)
{
	void __user *p = vq->hva[area];

	lockdep_assert_held(&vq->mutex);
	if (unlikely(!p))
		return vhost_ring_slow(vq, area, off, (void *)buf, len, true);
	return copy_to_user(p + off, buf, len) ? -EFAULT : 0;
}
