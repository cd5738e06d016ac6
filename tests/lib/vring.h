/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A split-virtqueue *driver* (the guest side), living in struct gmem.
 *
 * Descriptor bookkeeping (free list, chain links) is kept on the host
 * side, never read back from guest memory, so a misbehaving device
 * cannot corrupt the driver's state: it can only produce used entries
 * that vr_get_used() rejects.
 *
 * All ring fields are little-endian (VIRTIO_F_VERSION_1 layout).
 */
#ifndef VT_VRING_H
#define VT_VRING_H

#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"
#include "vhost_abi.h"

struct vt_buf {
	uint64_t addr;		/* guest address (GPA, or IOVA with IOTLB) */
	uint32_t len;
};

struct vt_used {
	uint32_t id;
	uint32_t len;
	void *cookie;
};

struct vring_cfg {
	unsigned int num;	/* ring size */
	uint16_t base;		/* initial avail/used index */
	unsigned int ind_max;	/* entries per indirect table (0: none) */
	bool event_idx;		/* driver uses used_event/avail_event */
	bool ring_dev_gpa;	/* SET_VRING_ADDR gets guest addrs (IOTLB) */
};

struct vr_slot {
	void *cookie;
	uint16_t ndesc;		/* direct descriptors the chain holds */
	uint16_t last;		/* last direct descriptor of the chain */
	bool busy;
};

struct vring_drv {
	struct gmem *mem;
	unsigned int num;

	struct vring_desc *desc;
	uint8_t *avail;		/* flags, idx, ring[num], used_event */
	uint8_t *used;		/* flags, idx, ring[num], avail_event */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint64_t desc_dev, avail_dev, used_dev;	/* for SET_VRING_ADDR */

	struct vring_desc *ind;	/* one table of ind_max entries per head */
	uint64_t ind_gpa;
	unsigned int ind_max;

	uint16_t *link;		/* free list and chain links, host side */
	uint16_t free_head;
	unsigned int num_free;
	struct vr_slot *slot;

	uint16_t avail_idx;	/* next avail slot to fill */
	uint16_t published;	/* last value stored to avail->idx */
	uint16_t kicked;	/* avail->idx at the previous kick decision */
	uint16_t last_used;	/* next used entry to consume */
	bool event_idx;
	bool manual_used_event;	/* if set, consuming doesn't move used_event */

	int kick_fd, call_fd, err_fd;
	uint64_t calls;		/* call eventfd counts read so far */
	uint64_t kicks;		/* kicks written so far */
};

#define VR_INDIRECT 0x1

/* Lay the ring out in mem, reset indices to cfg->base, create eventfds. */
void vr_init(struct vring_drv *vr, struct gmem *mem,
		const struct vring_cfg *cfg);
void vr_addr(const struct vring_drv *vr, struct vhost_vring_addr *a);

/*
 * Queue a chain of nout device-readable then nin device-writable buffers
 * (direct, or with VR_INDIRECT through the head's indirect table).  Not
 * visible to the device until vr_publish().  Returns the head, or
 * -ENOSPC (no descriptors) / -EINVAL (bad shape).
 */
int vr_add(struct vring_drv *vr, const struct vt_buf *bufs,
	      unsigned int nout, unsigned int nin, unsigned int flags,
	      void *cookie);

/*
 * Same with the indirect table at a caller-chosen place (table_hva must
 * be the host view of table_gpa, room for nout + nin entries).
 */
int vr_add_indirect_at(struct vring_drv *vr, struct vring_desc *table,
		       uint64_t table_gpa, const struct vt_buf *bufs,
		       unsigned int nout, unsigned int nin, void *cookie);

/* Raw access for malformed-chain tests. */
int vr_take_desc(struct vring_drv *vr);	/* a free index, or -ENOSPC */
void vr_put_desc(struct vring_desc *table, unsigned int i, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next);
void vr_set_desc(struct vring_drv *vr, unsigned int i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next);
void vr_push_head(struct vring_drv *vr, uint16_t head);

void vr_publish(struct vring_drv *vr);
bool vr_need_kick(struct vring_drv *vr);
void vr_kick(struct vring_drv *vr);
/* publish, then kick only if the device asked for it */
bool vr_notify(struct vring_drv *vr);
/* publish, then kick unconditionally */
void vr_publish_kick(struct vring_drv *vr);

uint16_t vr_used_idx(const struct vring_drv *vr);
uint16_t vr_used_flags(const struct vring_drv *vr);
uint16_t vr_avail_event(const struct vring_drv *vr);
uint16_t vr_avail_flags(const struct vring_drv *vr);
void vr_set_avail_flags(struct vring_drv *vr, uint16_t flags);
void vr_set_used_event(struct vring_drv *vr, uint16_t idx);
uint16_t vr_used_event(const struct vring_drv *vr);
/* raw used element i (ring slot, not index) */
void vr_used_elem(const struct vring_drv *vr, unsigned int slot,
		     uint32_t *id, uint32_t *len);
static inline unsigned int vr_pending(const struct vring_drv *vr)
{
	return (uint16_t)(vr_used_idx(vr) - vr->last_used);
}
static inline unsigned int vr_in_flight(const struct vring_drv *vr)
{
	return (uint16_t)(vr->avail_idx - vr->last_used);
}

/*
 * Consume one used entry.  1: got one (*u filled, chain freed), 0: none,
 * -EPROTO: entry names a head that is out of range or not in flight
 * (u->id/u->len hold the raw values).
 */
int vr_get_used(struct vring_drv *vr, struct vt_used *u);

/* Read whatever the call eventfd holds into vr->calls; returns it. */
uint64_t vr_drain_calls(struct vring_drv *vr);
/* Wait for the call eventfd; returns the count read, 0 on timeout. */
uint64_t vr_wait_call(struct vring_drv *vr, int timeout_ms);
/*
 * Wait until at least count used entries are pending (not consumed).
 * Does not depend on the call eventfd (it may be suppressed), but wakes on
 * it; calls seen are added to vr->calls.  0 or -ETIMEDOUT.
 */
int vr_wait_used(struct vring_drv *vr, unsigned int count, int timeout_ms);

static inline bool vr_need_event(uint16_t event, uint16_t new_idx,
				    uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

#endif
