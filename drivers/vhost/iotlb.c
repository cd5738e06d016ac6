// SPDX-License-Identifier: GPL-2.0
/*
 * The device IOTLB: IOVA ranges mapped to user addresses with permissions.
 *
 * Ranges never overlap: a new mapping replaces whatever part of older ones
 * it covers, and an invalidation cuts ranges. Entries sit in an rbtree
 * keyed by start and on an age list; past the limit the entry used least
 * recently goes (a dropped entry only costs a miss, and the ring areas,
 * translated on every ring start, stay). Callers serialise access.
 */
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/slab.h>

#include "core.h"

struct vhost_iotlb_entry {
	struct rb_node node;
	struct list_head age;
	u64 start;
	u64 last;
	u64 uaddr;
	u8 perm;
};

struct vhost_iotlb {
	struct rb_root root;
	struct list_head age;
	unsigned int count;
	unsigned int limit;
};

/**
 * vhost_iotlb_create - an empty IOTLB
 * @limit: most entries kept, 0 for no limit
 *
 * Return: the IOTLB or NULL.
 */
struct vhost_iotlb *vhost_iotlb_create(unsigned int limit)
{
	struct vhost_iotlb *tlb = kzalloc(sizeof(*tlb), GFP_KERNEL_ACCOUNT);

	if (!tlb)
		return NULL;
	tlb->root = RB_ROOT;
	INIT_LIST_HEAD(&tlb->age);
	tlb->limit = limit;
	return tlb;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_create);

static void vhost_iotlb_drop(struct vhost_iotlb *tlb,
			     struct vhost_iotlb_entry *e)
{
	rb_erase(&e->node, &tlb->root);
	list_del(&e->age);
	tlb->count--;
	kfree(e);
}

/**
 * vhost_iotlb_destroy - free an IOTLB and its entries
 * @tlb: the IOTLB, may be NULL
 */
void vhost_iotlb_destroy(struct vhost_iotlb *tlb)
{
	struct vhost_iotlb_entry *e, *tmp;

	if (!tlb)
		return;
	list_for_each_entry_safe(e, tmp, &tlb->age, age)
		kfree(e);
	kfree(tlb);
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_destroy);

/* The entry with the greatest start <= @iova, or NULL. */
static struct vhost_iotlb_entry *vhost_iotlb_floor(struct vhost_iotlb *tlb,
						   u64 iova)
{
	struct rb_node *n = tlb->root.rb_node;
	struct vhost_iotlb_entry *best = NULL;

	while (n) {
		struct vhost_iotlb_entry *e = rb_entry(n, typeof(*e), node);

		if (e->start <= iova) {
			best = e;
			n = n->rb_right;
		} else {
			n = n->rb_left;
		}
	}
	return best;
}

/* The first entry that ends at or after @iova. */
static struct vhost_iotlb_entry *vhost_iotlb_first_from(struct vhost_iotlb *tlb,
							u64 iova)
{
	struct vhost_iotlb_entry *e = vhost_iotlb_floor(tlb, iova);
	struct rb_node *n;

	if (e && e->last >= iova)
		return e;
	n = e ? rb_next(&e->node) : rb_first(&tlb->root);
	return n ? rb_entry(n, struct vhost_iotlb_entry, node) : NULL;
}

static int vhost_iotlb_link(struct vhost_iotlb *tlb, u64 start, u64 last,
			    u64 uaddr, u8 perm)
{
	struct rb_node **link = &tlb->root.rb_node, *parent = NULL;
	struct vhost_iotlb_entry *e;

	if (tlb->limit && tlb->count >= tlb->limit)
		vhost_iotlb_drop(tlb, list_first_entry(&tlb->age,
						       struct vhost_iotlb_entry,
						       age));
	e = kmalloc(sizeof(*e), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->start = start;
	e->last = last;
	e->uaddr = uaddr;
	e->perm = perm;
	while (*link) {
		struct vhost_iotlb_entry *p = rb_entry(*link, typeof(*p), node);

		parent = *link;
		link = start < p->start ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, &tlb->root);
	list_add_tail(&e->age, &tlb->age);
	tlb->count++;
	return 0;
}

/* Remove [start, last] from every entry; pieces outside it survive. */
static void vhost_iotlb_cut(struct vhost_iotlb *tlb, u64 start, u64 last)
{
	struct vhost_iotlb_entry *e = vhost_iotlb_first_from(tlb, start);

	while (e && e->start <= last) {
		struct rb_node *next = rb_next(&e->node);
		struct vhost_iotlb_entry old = *e;

		vhost_iotlb_drop(tlb, e);
		/* A piece that fails to allocate is just forgotten. */
		if (old.start < start)
			vhost_iotlb_link(tlb, old.start, start - 1, old.uaddr,
					 old.perm);
		if (old.last > last)
			vhost_iotlb_link(tlb, last + 1, old.last,
					 old.uaddr + (last + 1 - old.start),
					 old.perm);
		if (old.last >= last || !next)
			break;
		e = vhost_iotlb_first_from(tlb, old.last + 1);
	}
}

/**
 * vhost_iotlb_insert - map [@iova, @iova + @size) to @uaddr
 * @tlb: the IOTLB
 * @iova: first address
 * @size: length in bytes, not zero, not wrapping
 * @uaddr: user address of @iova
 * @perm: VHOST_ACCESS_RO, _WO or _RW
 *
 * Return: 0, -EINVAL for an empty or wrapping range or bad @perm, -ENOMEM.
 */
int vhost_iotlb_insert(struct vhost_iotlb *tlb, u64 iova, u64 size,
		       u64 uaddr, u8 perm)
{
	u64 last = iova + size - 1;

	if (!size || last < iova || uaddr + size - 1 < uaddr)
		return -EINVAL;
	if (!perm || (perm & ~VHOST_ACCESS_RW))
		return -EINVAL;
	vhost_iotlb_cut(tlb, iova, last);
	return vhost_iotlb_link(tlb, iova, last, uaddr, perm);
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_insert);

/**
 * vhost_iotlb_remove - unmap [@iova, @iova + @size)
 * @tlb: the IOTLB
 * @iova: first address
 * @size: length; a wrapping range is cut at the top of the space
 */
void vhost_iotlb_remove(struct vhost_iotlb *tlb, u64 iova, u64 size)
{
	u64 last = iova + size - 1;

	if (!size)
		return;
	if (last < iova)
		last = U64_MAX;
	vhost_iotlb_cut(tlb, iova, last);
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_remove);

/**
 * vhost_iotlb_remove_all - unmap the whole IOVA space
 * @tlb: the IOTLB
 */
void vhost_iotlb_remove_all(struct vhost_iotlb *tlb)
{
	vhost_iotlb_cut(tlb, 0, U64_MAX);
}

/**
 * vhost_iotlb_lookup - translate one address, and mark its entry used
 * @tlb: the IOTLB
 * @iova: the address
 * @uaddr: out, the user address
 * @len: out, bytes mapped contiguously from @iova (0 means 2^64)
 * @perm: out, the mapping's permissions
 *
 * Return: true if @iova is mapped.
 */
bool vhost_iotlb_lookup(struct vhost_iotlb *tlb, u64 iova, u64 *uaddr,
			u64 *len, u8 *perm)
{
	struct vhost_iotlb_entry *e = vhost_iotlb_floor(tlb, iova);

	if (!e || e->last < iova)
		return false;
	list_move_tail(&e->age, &tlb->age);
	*uaddr = e->uaddr + (iova - e->start);
	*len = e->last - iova + 1;
	*perm = e->perm;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_lookup);

/**
 * vhost_iotlb_count - number of entries
 * @tlb: the IOTLB
 *
 * Return: the count.
 */
unsigned int vhost_iotlb_count(struct vhost_iotlb *tlb)
{
	return tlb->count;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_iotlb_count);
