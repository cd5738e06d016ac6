// SPDX-License-Identifier: GPL-2.0
/*
 * Walking one descriptor chain of a split ring and validating it against
 * the virtio rules: indices in range, no loops, readable buffers before
 * writable ones, indirect tables only when negotiated, a whole number of
 * descriptors long and never nested, at most 4 GiB in all. Pure logic:
 * descriptors come from a callback, so the rules are tested without a ring.
 */
#include <linux/errno.h>
#include <linux/virtio_ring.h>

#include "core.h"

/* An indirect table is indexed by the 16-bit next field. */
#define VHOST_INDIRECT_MAX	65536U

struct vhost_walk_state {
	bool seen_write;
	u64 total;
};

static int vhost_walk_emit(struct vhost_chain_walk *w,
			   struct vhost_walk_state *s,
			   const struct vhost_desc *d, const char **why)
{
	bool write = d->flags & VRING_DESC_F_WRITE;

	if (!write && s->seen_write) {
		*why = "device-readable descriptor after a writable one";
		return -EINVAL;
	}
	s->seen_write |= write;
	s->total += d->len;
	if (s->total > U32_MAX) {
		*why = "chain longer than 4 GiB";
		return -EINVAL;
	}
	w->ndescs++;
	return w->emit(w->priv, d->addr, d->len, write);
}

static int vhost_walk_indirect(struct vhost_chain_walk *w,
			       struct vhost_walk_state *s,
			       const struct vhost_desc *ind, const char **why)
{
	u32 n = ind->len / sizeof(struct vring_desc);
	u32 i = 0, count = 0;
	struct vhost_desc d;
	int ret;

	if (!w->indirect_ok) {
		*why = "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC";
		return -EINVAL;
	}
	if (!ind->len || ind->len % sizeof(struct vring_desc) ||
	    n > VHOST_INDIRECT_MAX) {
		*why = "indirect table length is not a whole number of descriptors";
		return -EINVAL;
	}
	if (ind->addr + ind->len - 1 < ind->addr) {
		*why = "indirect table wraps around the address space";
		return -EINVAL;
	}
	for (;;) {
		if (++count > n) {
			*why = "loop in indirect table";
			return -EINVAL;
		}
		ret = w->read(w->priv, ind->addr, ind->len, i, &d);
		if (ret)
			return ret;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			*why = "indirect descriptor inside an indirect table";
			return -EINVAL;
		}
		ret = vhost_walk_emit(w, s, &d, why);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= n) {
			*why = "indirect next index out of range";
			return -EINVAL;
		}
	}
}

/**
 * vhost_chain_walk - walk and validate the chain starting at @head
 * @w: callbacks, ring size and negotiated features
 * @head: the head descriptor index from the avail ring
 * @why: out, what was wrong when -EINVAL is returned
 *
 * Return: 0, -EINVAL for a malformed chain, or what a callback returned.
 */
int vhost_chain_walk(struct vhost_chain_walk *w, u16 head, const char **why)
{
	struct vhost_walk_state s = { };
	u32 i = head, count = 0;
	struct vhost_desc d;
	int ret;

	w->ndescs = 0;
	if (i >= w->num) {
		*why = "head index out of range";
		return -EINVAL;
	}
	for (;;) {
		if (++count > w->num) {
			*why = "loop in descriptor chain";
			return -EINVAL;
		}
		ret = w->read(w->priv, 0, 0, i, &d);
		if (ret)
			return ret;
		if (d.flags & VRING_DESC_F_INDIRECT)
			ret = vhost_walk_indirect(w, &s, &d, why);
		else
			ret = vhost_walk_emit(w, &s, &d, why);
		if (ret)
			return ret;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		i = d.next;
		if (i >= w->num) {
			*why = "next index out of range";
			return -EINVAL;
		}
	}
}
EXPORT_SYMBOL_IF_KUNIT(vhost_chain_walk);
