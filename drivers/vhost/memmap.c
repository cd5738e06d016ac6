// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-physical memory table (VHOST_SET_MEM_TABLE).
 *
 * The table is an immutable array sorted by guest-physical address, looked
 * up by binary search. Each ring keeps a pointer to the table it uses; a
 * new table is swapped in ring by ring under the ring's mutex, so a handler
 * sees one table for a whole run and the old one is freed once no ring
 * points at it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "core.h"

static int vhost_region_cmp(const void *a, const void *b)
{
	const struct vhost_memmap_region *x = a, *y = b;

	if (x->gpa < y->gpa)
		return -1;
	return x->gpa > y->gpa;
}

/**
 * vhost_memmap_build - validate regions and build a sorted table
 * @in: regions as userspace passed them
 * @n: how many
 * @err: out, -EINVAL for an empty, wrapping or overlapping region
 *
 * Return: the new table, or NULL with *@err set.
 */
struct vhost_memmap *vhost_memmap_build(const struct vhost_memory_region *in,
					u32 n, int *err)
{
	struct vhost_memmap *map;
	u32 i;

	map = kvzalloc(struct_size(map, r, n), GFP_KERNEL_ACCOUNT);
	if (!map) {
		*err = -ENOMEM;
		return NULL;
	}
	map->nregions = n;
	for (i = 0; i < n; i++) {
		const struct vhost_memory_region *src = &in[i];

		if (!src->memory_size ||
		    src->guest_phys_addr + src->memory_size - 1 <
		    src->guest_phys_addr ||
		    src->userspace_addr + src->memory_size - 1 <
		    src->userspace_addr)
			goto invalid;
		map->r[i].gpa = src->guest_phys_addr;
		map->r[i].size = src->memory_size;
		map->r[i].hva = src->userspace_addr;
	}
	sort(map->r, n, sizeof(map->r[0]), vhost_region_cmp, NULL);
	for (i = 1; i < n; i++) {
		const struct vhost_memmap_region *prev = &map->r[i - 1];

		if (map->r[i].gpa <= prev->gpa + prev->size - 1)
			goto invalid;
	}
	*err = 0;
	return map;

invalid:
	kvfree(map);
	*err = -EINVAL;
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_memmap_build);

/**
 * vhost_memmap_find - the region holding a guest-physical address
 * @map: the table (may be NULL: no table set)
 * @gpa: the address
 *
 * Return: the region, or NULL if no region covers @gpa.
 */
const struct vhost_memmap_region *
vhost_memmap_find(const struct vhost_memmap *map, u64 gpa)
{
	u32 lo = 0, hi;

	if (!map)
		return NULL;
	hi = map->nregions;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		const struct vhost_memmap_region *r = &map->r[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_memmap_find);

static bool vhost_memmap_user_ok(const struct vhost_memmap *map)
{
	u32 i;

	for (i = 0; i < map->nregions; i++)
		if (!access_ok((void __user *)(unsigned long)map->r[i].hva,
			       map->r[i].size))
			return false;
	return true;
}

/**
 * vhost_memmap_from_user - read and check a VHOST_SET_MEM_TABLE argument
 * @m: the user's struct vhost_memory
 *
 * Context: process context.
 *
 * Return: the table (kvfree() it, or give it to vhost_memmap_install()), or
 * ERR_PTR: -E2BIG past max_mem_regions, -EINVAL for a bad region, -EFAULT
 * for an unreadable argument or a region outside the user address space.
 */
struct vhost_memmap *vhost_memmap_from_user(struct vhost_memory __user *m)
{
	struct vhost_memory hdr;
	struct vhost_memory_region *regions;
	struct vhost_memmap *map;
	int err;

	if (copy_from_user(&hdr, m, sizeof(hdr)))
		return ERR_PTR(-EFAULT);
	if (hdr.nregions > vhost_max_mem_regions)
		return ERR_PTR(-E2BIG);
	regions = vmemdup_user(m->regions,
			       array_size(hdr.nregions, sizeof(*regions)));
	if (IS_ERR(regions))
		return ERR_CAST(regions);
	map = vhost_memmap_build(regions, hdr.nregions, &err);
	kvfree(regions);
	if (!map)
		return ERR_PTR(err);
	if (!vhost_memmap_user_ok(map)) {
		kvfree(map);
		return ERR_PTR(-EFAULT);
	}
	return map;
}

/**
 * vhost_memmap_install - make @map the device's memory table
 * @dev: the device
 * @map: from vhost_memmap_from_user(); the device owns it now
 *
 * Every ring sees the new table from its next run; the old one is freed.
 *
 * Context: process context; @dev->mutex held, no ring mutex.
 */
void vhost_memmap_install(struct vhost_dev *dev, struct vhost_memmap *map)
{
	struct vhost_memmap *old;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	old = dev->memmap;
	dev->memmap = map;
	for (i = 0; i < dev->nvqs; i++) {
		struct vhost_virtqueue *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		vq->memmap = map;
		/* Ring areas of an IOTLB-less ring are user addresses: keep. */
		mutex_unlock(&vq->mutex);
	}
	kvfree(old);
}
