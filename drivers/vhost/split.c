// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue layout: a descriptor table, the driver's avail ring
 * and the device's used ring, in guest memory.
 *
 * Offsets used below (all fields little-endian for VIRTIO 1.0, native or
 * big-endian for legacy rings, see vhost_vq_is_le()):
 *   avail: flags @0, idx @2, ring[i] @4 + 2i, used_event @4 + 2num
 *   used:  flags @0, idx @2, ring[i] @4 + 8i, avail_event @4 + 8num
 */
#include <linux/uaccess.h>
#include <linux/virtio_ring.h>

#include "core.h"
#include "trace.h"

#define AVAIL_IDX_OFF		2
#define AVAIL_RING_OFF		4
#define USED_IDX_OFF		2
#define USED_RING_OFF		4

static u16 vq16(const struct vhost_virtqueue *vq, u16 raw)
{
	return vhost_vq_is_le(vq) ? le16_to_cpu((__force __le16)raw) :
				    be16_to_cpu((__force __be16)raw);
}

static u32 vq32(const struct vhost_virtqueue *vq, u32 raw)
{
	return vhost_vq_is_le(vq) ? le32_to_cpu((__force __le32)raw) :
				    be32_to_cpu((__force __be32)raw);
}

static u64 vq64(const struct vhost_virtqueue *vq, u64 raw)
{
	return vhost_vq_is_le(vq) ? le64_to_cpu((__force __le64)raw) :
				    be64_to_cpu((__force __be64)raw);
}

/* cpu_to_{le,be} and back are the same swap. */
#define cpu_vq16 vq16
#define cpu_vq32 vq32

static bool vhost_event_idx(const struct vhost_virtqueue *vq)
{
	return vq->acked_features & BIT_ULL(VIRTIO_RING_F_EVENT_IDX);
}

static int split_read16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
			size_t off, u16 *val)
{
	u16 raw;
	int ret = vhost_ring_read16(vq, area, off, &raw);

	if (!ret)
		*val = vq16(vq, raw);
	return ret;
}

/* The dirty log of a used-ring write; a failure stops the ring. */
static void split_log_used(struct vhost_virtqueue *vq, size_t off, size_t len)
{
	int ret = vhost_log_used(vq, off, len);

	if (ret)
		vhost_vq_log_failed(vq, ret, vq->addr[VHOST_AREA_USED] + off,
				    len);
}

static int split_write16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
			 size_t off, u16 val)
{
	int ret = vhost_ring_write16(vq, area, off, cpu_vq16(vq, val));

	if (!ret && area == VHOST_AREA_USED)
		split_log_used(vq, off, sizeof(u16));
	return ret;
}

static int split_write_used_flags(struct vhost_virtqueue *vq)
{
	return split_write16(vq, VHOST_AREA_USED, 0, vq->used_flags);
}

static int split_start(struct vhost_virtqueue *vq)
{
	u16 used_idx;
	int ret;

	ret = split_write_used_flags(vq);
	if (ret)
		return ret;
	ret = split_read16(vq, VHOST_AREA_USED, USED_IDX_OFF, &used_idx);
	if (ret)
		return ret;
	vq->last_used_idx = used_idx;
	vq->avail_idx = vq->last_avail_idx;
	vq->inflight = 0;
	vq->signalled_used_valid = false;
	return 0;
}

/*
 * Re-read the driver's avail index; -EINVAL if it is not plausible.
 *
 * The driver owns at most num chains at a time: those it made available
 * and the device has not taken yet, plus those the device holds
 * (vq->inflight, counted by the device itself, not read from the used
 * ring). A driver that publishes a head again while the device still holds
 * it would otherwise make the device take the same chain without limit:
 * requests in flight, gathered receive buffers.
 */
static int split_refresh_avail(struct vhost_virtqueue *vq)
{
	u16 idx;
	int ret = split_read16(vq, VHOST_AREA_AVAIL, AVAIL_IDX_OFF, &idx);

	if (ret)
		return ret;
	if ((u16)(idx - vq->last_avail_idx) > vq->num) {
		vhost_vq_error(vq, "avail index %u is %u ahead of %u (ring of %u)",
			       idx, (u16)(idx - vq->last_avail_idx),
			       vq->last_avail_idx, vq->num);
		return -EINVAL;
	}
	if ((u16)(idx - vq->last_avail_idx) + vq->inflight > vq->num) {
		vhost_vq_error(vq, "avail index %u: %u new + %u held > ring of %u",
			       idx, (u16)(idx - vq->last_avail_idx),
			       vq->inflight, vq->num);
		return -EINVAL;
	}
	vq->avail_idx = idx;
	return 0;
}

/* ---- chain walking through the ring ------------------------------- */

struct split_walk {
	struct vhost_virtqueue *vq;
	struct vhost_chain *chain;
	unsigned int niov;
	unsigned int iov_room;		/* iovecs free at chain->iov */
	/*
	 * The indirect table last translated, when it was contiguous: valid
	 * for that address and length only, since another indirect
	 * descriptor may name the same address with a longer table.
	 */
	u64 table;
	u32 table_len;
	void __user *table_hva;
};

static void split_desc_from_raw(const struct vhost_virtqueue *vq,
				const struct vring_desc *raw,
				struct vhost_desc *d)
{
	d->addr = vq64(vq, (__force u64)raw->addr);
	d->len = vq32(vq, (__force u32)raw->len);
	d->flags = vq16(vq, (__force u16)raw->flags);
	d->next = vq16(vq, (__force u16)raw->next);
}

static int split_read_desc(void *priv, u64 table, u32 table_len, u32 i,
			   struct vhost_desc *d)
{
	struct split_walk *sw = priv;
	struct vhost_virtqueue *vq = sw->vq;
	struct vring_desc raw;
	size_t off = (size_t)i * sizeof(raw);
	int ret;

	if (!table_len) {
		ret = vhost_ring_read(vq, VHOST_AREA_DESC, off, &raw,
				      sizeof(raw));
	} else {
		if (sw->table != table || sw->table_len != table_len ||
		    !sw->table_hva) {
			struct iovec iov;

			sw->table = table;
			sw->table_len = table_len;
			sw->table_hva = NULL;
			ret = vhost_xlate(vq, table, table_len, VHOST_ACCESS_RO,
					  &iov, 1);
			if (ret == 1)
				sw->table_hva = iov.iov_base;
		}
		if (sw->table_hva) {
			ret = copy_from_user(&raw, sw->table_hva + off,
					     sizeof(raw)) ? -EFAULT : 0;
		} else {
			struct iovec iov[2];
			int n = vhost_xlate(vq, table + off, sizeof(raw),
					    VHOST_ACCESS_RO, iov, 2);
			u8 *p = (u8 *)&raw;
			int k;

			ret = n < 0 ? n : 0;
			for (k = 0; k < n && !ret; k++) {
				if (copy_from_user(p, iov[k].iov_base,
						   iov[k].iov_len))
					ret = -EFAULT;
				p += iov[k].iov_len;
			}
		}
	}
	if (ret)
		return ret;
	split_desc_from_raw(vq, &raw, d);
	return 0;
}

static int split_emit(void *priv, u64 addr, u32 len, bool write)
{
	struct split_walk *sw = priv;
	struct vhost_virtqueue *vq = sw->vq;
	struct vhost_chain *c = sw->chain;
	int n;

	n = vhost_xlate(vq, addr, len, write ? VHOST_ACCESS_WO : VHOST_ACCESS_RO,
			c->iov + sw->niov, sw->iov_room - sw->niov);
	if (n < 0)
		return n;
	sw->niov += n;
	if (write) {
		c->in += n;
		c->in_len += len;
	} else {
		c->out += n;
		c->out_len += len;
	}
	return 0;
}

static int split_fetch(struct vhost_virtqueue *vq, struct vhost_chain *chain,
		       unsigned int first)
{
	struct split_walk sw = {
		.vq = vq,
		.chain = chain,
		.iov_room = vq->iov_max - first,
	};
	struct vhost_chain_walk w = {
		.read = split_read_desc,
		.emit = split_emit,
		.priv = &sw,
		.num = vq->num,
		.indirect_ok = vq->acked_features &
			       BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC),
	};
	const char *why = NULL;
	u16 head;
	int ret;

	if (vq->last_avail_idx == vq->avail_idx) {
		ret = split_refresh_avail(vq);
		if (ret)
			return ret;
		if (vq->last_avail_idx == vq->avail_idx)
			return 0;
		/* Ring entries are read after the index that published them. */
		smp_rmb();
	}
	ret = split_read16(vq, VHOST_AREA_AVAIL,
			   AVAIL_RING_OFF + 2 * (vq->last_avail_idx & (vq->num - 1)),
			   &head);
	if (ret)
		return ret;

	chain->iov = vq->iov + first;
	chain->out = 0;
	chain->in = 0;
	chain->out_len = 0;
	chain->in_len = 0;
	ret = vhost_chain_walk(&w, head, &why);
	if (ret == -EINVAL && why) {
		vhost_vq_error(vq, "chain at %u (head %u): %s",
			       vq->last_avail_idx, head, why);
		return ret;
	}
	if (ret)
		return ret;
	chain->head = head;
	vq->last_avail_idx++;
	vq->stats.descs += w.ndescs;
	vq->stats.chains++;
	return 1;
}

static void split_unfetch(struct vhost_virtqueue *vq, unsigned int n)
{
	vq->last_avail_idx -= n;
}

static int split_write_used(struct vhost_virtqueue *vq, u16 at,
			    const struct vhost_used *used, unsigned int n)
{
	struct vring_used_elem buf[VHOST_USED_BATCH];
	size_t off = USED_RING_OFF + (size_t)at * sizeof(*used);
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		buf[i].id = (__force __virtio32)cpu_vq32(vq, used[i].id);
		buf[i].len = (__force __virtio32)cpu_vq32(vq, used[i].len);
	}
	ret = vhost_ring_write(vq, VHOST_AREA_USED, off, buf, n * sizeof(*buf));
	if (!ret)
		split_log_used(vq, off, n * sizeof(*buf));
	return ret;
}

static int split_push_used(struct vhost_virtqueue *vq,
			   const struct vhost_used *used, unsigned int n)
{
	u16 at = vq->last_used_idx & (vq->num - 1);
	unsigned int first = min_t(unsigned int, n, vq->num - at);
	int ret;

	ret = split_write_used(vq, at, used, first);
	if (!ret && first < n)
		ret = split_write_used(vq, 0, used + first, n - first);
	if (ret)
		return ret;
	/* Entries are visible before the index that publishes them. */
	smp_wmb();
	ret = split_write16(vq, VHOST_AREA_USED, USED_IDX_OFF,
			    vq->last_used_idx + n);
	if (ret)
		return ret;
	vq->last_used_idx += n;
	/* Our signalled_used window cannot span more than 2^16 entries. */
	if (unlikely((u16)(vq->last_used_idx - vq->signalled_used) < n))
		vq->signalled_used_valid = false;
	return 0;
}

static bool split_enable_notify(struct vhost_virtqueue *vq)
{
	u16 idx;

	if (vhost_event_idx(vq)) {
		if (split_write16(vq, VHOST_AREA_USED,
				  USED_RING_OFF + 8 * vq->num, vq->avail_idx))
			return false;
	} else if (vq->used_flags & VRING_USED_F_NO_NOTIFY) {
		vq->used_flags &= ~VRING_USED_F_NO_NOTIFY;
		if (split_write_used_flags(vq))
			return false;
	}
	/* Publish the request for kicks before looking for new buffers. */
	smp_mb();
	if (split_read16(vq, VHOST_AREA_AVAIL, AVAIL_IDX_OFF, &idx))
		return false;
	return idx != vq->avail_idx;
}

static void split_disable_notify(struct vhost_virtqueue *vq)
{
	if (vhost_event_idx(vq) || (vq->used_flags & VRING_USED_F_NO_NOTIFY))
		return;
	vq->used_flags |= VRING_USED_F_NO_NOTIFY;
	split_write_used_flags(vq);
}

static bool split_need_signal(struct vhost_virtqueue *vq)
{
	u16 old, new, event, flags;
	bool valid;

	/* The used index must be visible before we read the driver's wish. */
	smp_mb();
	if ((vq->acked_features & BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY)) &&
	    vq->avail_idx == vq->last_avail_idx)
		return true;
	if (!vhost_event_idx(vq)) {
		if (split_read16(vq, VHOST_AREA_AVAIL, 0, &flags))
			return true;
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->last_used_idx;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	if (split_read16(vq, VHOST_AREA_AVAIL, AVAIL_RING_OFF + 2 * vq->num,
			 &event))
		return true;
	return vring_need_event(event, new, old);
}

static bool split_has_new(struct vhost_virtqueue *vq)
{
	u16 idx;

	if (split_read16(vq, VHOST_AREA_AVAIL, AVAIL_IDX_OFF, &idx))
		return false;
	return idx != vq->avail_idx;
}

const struct vhost_ring_ops vhost_split_ops = {
	.start = split_start,
	.fetch = split_fetch,
	.unfetch = split_unfetch,
	.push_used = split_push_used,
	.enable_notify = split_enable_notify,
	.disable_notify = split_disable_notify,
	.need_signal = split_need_signal,
	.has_new = split_has_new,
};
