// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "vhost_ioctl.h"
#include "vring.h"

/* ------------------------------------------------------------------ */
/* field accessors (little-endian, atomic where the device races us)   */

static uint16_t *avail_flags_p(const struct vring_drv *vr)
{
	return (uint16_t *)vr->avail;
}

static uint16_t *avail_idx_p(const struct vring_drv *vr)
{
	return (uint16_t *)(vr->avail + 2);
}

static uint16_t *avail_ring_p(const struct vring_drv *vr, unsigned int i)
{
	return (uint16_t *)(vr->avail + 4 + 2 * i);
}

static uint16_t *used_event_p(const struct vring_drv *vr)
{
	return avail_ring_p(vr, vr->num);
}

static uint16_t *used_flags_p(const struct vring_drv *vr)
{
	return (uint16_t *)vr->used;
}

static uint16_t *used_idx_p(const struct vring_drv *vr)
{
	return (uint16_t *)(vr->used + 2);
}

static uint32_t *used_elem_p(const struct vring_drv *vr, unsigned int i)
{
	return (uint32_t *)(vr->used + 4 + 8 * i);
}

static uint16_t *avail_event_p(const struct vring_drv *vr)
{
	return (uint16_t *)(vr->used + 4 + 8 * vr->num);
}

static uint16_t load16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELEASE);
}

uint16_t vr_used_idx(const struct vring_drv *vr)
{
	return load16(used_idx_p(vr));
}

uint16_t vr_used_flags(const struct vring_drv *vr)
{
	return load16(used_flags_p(vr));
}

uint16_t vr_avail_event(const struct vring_drv *vr)
{
	return load16(avail_event_p(vr));
}

uint16_t vr_avail_flags(const struct vring_drv *vr)
{
	return load16(avail_flags_p(vr));
}

void vr_set_avail_flags(struct vring_drv *vr, uint16_t flags)
{
	store16(avail_flags_p(vr), flags);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void vr_set_used_event(struct vring_drv *vr, uint16_t idx)
{
	store16(used_event_p(vr), idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

uint16_t vr_used_event(const struct vring_drv *vr)
{
	return load16(used_event_p(vr));
}

void vr_used_elem(const struct vring_drv *vr, unsigned int slot,
		     uint32_t *id, uint32_t *len)
{
	const uint32_t *e = used_elem_p(vr, slot % vr->num);

	*id = le32toh(__atomic_load_n(&e[0], __ATOMIC_RELAXED));
	*len = le32toh(__atomic_load_n(&e[1], __ATOMIC_RELAXED));
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p)
		FAIL("out of host memory (%zu x %zu)", n, sz);
	return p;
}

void vr_init(struct vring_drv *vr, struct gmem *mem,
		const struct vring_cfg *cfg)
{
	unsigned int num = cfg->num;
	size_t dsz = 16u * num, asz = 6 + 2u * num, usz = 6 + 8u * num;

	memset(vr, 0, sizeof(*vr));
	vr->mem = mem;
	vr->num = num;
	vr->event_idx = cfg->event_idx;

	vr->desc = gmem_alloc_p(mem, dsz, VT_PAGE, &vr->desc_gpa);
	vr->avail = gmem_alloc_p(mem, asz, VT_PAGE, &vr->avail_gpa);
	vr->used = gmem_alloc_p(mem, usz, VT_PAGE, &vr->used_gpa);
	memset(vr->desc, 0, dsz);
	memset(vr->avail, 0, asz);
	memset(vr->used, 0, usz);

	if (cfg->ring_dev_gpa) {
		vr->desc_dev = vr->desc_gpa;
		vr->avail_dev = vr->avail_gpa;
		vr->used_dev = vr->used_gpa;
	} else {
		vr->desc_dev = (uintptr_t)vr->desc;
		vr->avail_dev = (uintptr_t)vr->avail;
		vr->used_dev = (uintptr_t)vr->used;
	}

	vr->ind_max = cfg->ind_max;
	if (vr->ind_max)
		vr->ind = gmem_alloc_p(mem, (size_t)num * vr->ind_max * 16,
				       VT_PAGE, &vr->ind_gpa);

	vr->link = xcalloc(num, sizeof(*vr->link));
	vr->slot = xcalloc(num, sizeof(*vr->slot));
	for (unsigned int i = 0; i < num; i++)
		vr->link[i] = (uint16_t)(i + 1);
	vr->free_head = 0;
	vr->num_free = num;

	vr->avail_idx = vr->published = vr->kicked = cfg->base;
	vr->last_used = cfg->base;
	store16(avail_idx_p(vr), cfg->base);
	store16(used_idx_p(vr), cfg->base);
	store16(used_event_p(vr), cfg->base);

	vr->kick_fd = vt_eventfd();
	vr->call_fd = vt_eventfd();
	vr->err_fd = vt_eventfd();
}

void vr_addr(const struct vring_drv *vr, struct vhost_vring_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->index = 0;
	a->desc_user_addr = vr->desc_dev;
	a->avail_user_addr = vr->avail_dev;
	a->used_user_addr = vr->used_dev;
	a->log_guest_addr = vr->used_gpa;
}

/* ------------------------------------------------------------------ */
/* adding buffers                                                       */

static void put_desc(struct vring_desc *d, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

void vr_set_desc(struct vring_drv *vr, unsigned int i, uint64_t addr,
		    uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(&vr->desc[i % vr->num], addr, len, flags, next);
}

static uint16_t seg_flags(unsigned int i, unsigned int nout, unsigned int n)
{
	uint16_t f = 0;

	if (i >= nout)
		f |= VRING_DESC_F_WRITE;
	if (i + 1 < n)
		f |= VRING_DESC_F_NEXT;
	return f;
}

static uint16_t take_desc(struct vring_drv *vr)
{
	uint16_t d = vr->free_head;

	vr->free_head = vr->link[d];
	vr->num_free--;
	return d;
}

static int add_direct(struct vring_drv *vr, const struct vt_buf *bufs,
		      unsigned int nout, unsigned int n)
{
	uint16_t head = 0, prev = 0, d = 0;

	if (n > vr->num_free)
		return -ENOSPC;
	for (unsigned int i = 0; i < n; i++) {
		d = take_desc(vr);
		if (i == 0)
			head = d;
		else
			vr->link[prev] = d;	/* chain link, host side */
		prev = d;
	}
	/* fill in chain order, using the host-side links */
	d = head;
	for (unsigned int i = 0; i < n; i++) {
		uint16_t next = (i + 1 < n) ? vr->link[d] : 0;

		put_desc(&vr->desc[d], bufs[i].addr, bufs[i].len,
			 seg_flags(i, nout, n), next);
		if (i + 1 < n)
			d = next;
	}
	vr->slot[head].ndesc = (uint16_t)n;
	vr->slot[head].last = d;
	return head;
}

static int add_indirect(struct vring_drv *vr, struct vring_desc *table,
			uint64_t table_gpa, const struct vt_buf *bufs,
			unsigned int nout, unsigned int n)
{
	uint16_t head;

	if (!vr->num_free)
		return -ENOSPC;
	head = take_desc(vr);
	if (!table) {
		if (n > vr->ind_max) {
			vr->link[head] = vr->free_head;
			vr->free_head = head;
			vr->num_free++;
			return -EINVAL;
		}
		table = vr->ind + (size_t)head * vr->ind_max;
		table_gpa = vr->ind_gpa + (uint64_t)head * vr->ind_max * 16;
	}
	for (unsigned int i = 0; i < n; i++)
		put_desc(&table[i], bufs[i].addr, bufs[i].len,
			 seg_flags(i, nout, n),
			 (uint16_t)(i + 1 < n ? i + 1 : 0));
	put_desc(&vr->desc[head], table_gpa, n * 16, VRING_DESC_F_INDIRECT, 0);
	vr->slot[head].ndesc = 1;
	vr->slot[head].last = head;
	return head;
}

int vr_take_desc(struct vring_drv *vr)
{
	if (!vr->num_free)
		return -ENOSPC;
	return take_desc(vr);
}

void vr_put_desc(struct vring_desc *table, unsigned int i, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(&table[i], addr, len, flags, next);
}

void vr_push_head(struct vring_drv *vr, uint16_t head)
{
	*avail_ring_p(vr, vr->avail_idx % vr->num) = htole16(head);
	vr->avail_idx++;
}

int vr_add(struct vring_drv *vr, const struct vt_buf *bufs,
	      unsigned int nout, unsigned int nin, unsigned int flags,
	      void *cookie)
{
	unsigned int n = nout + nin;
	int head;

	if (!n)
		return -EINVAL;
	if (vr_in_flight(vr) >= vr->num)
		return -ENOSPC;
	if (flags & VR_INDIRECT)
		head = add_indirect(vr, NULL, 0, bufs, nout, n);
	else
		head = add_direct(vr, bufs, nout, n);
	if (head < 0)
		return head;
	vr->slot[head].cookie = cookie;
	vr->slot[head].busy = true;
	vr_push_head(vr, (uint16_t)head);
	return head;
}

int vr_add_indirect_at(struct vring_drv *vr, struct vring_desc *table,
		       uint64_t table_gpa, const struct vt_buf *bufs,
		       unsigned int nout, unsigned int nin, void *cookie)
{
	int head;

	if (!nout && !nin)
		return -EINVAL;
	if (vr_in_flight(vr) >= vr->num)
		return -ENOSPC;
	head = add_indirect(vr, table, table_gpa, bufs, nout, nout + nin);
	if (head < 0)
		return head;
	vr->slot[head].cookie = cookie;
	vr->slot[head].busy = true;
	vr_push_head(vr, (uint16_t)head);
	return head;
}

/* ------------------------------------------------------------------ */
/* notifications                                                        */

void vr_publish(struct vring_drv *vr)
{
	/* descriptors and ring entries before the index (release) */
	store16(avail_idx_p(vr), vr->avail_idx);
	vr->published = vr->avail_idx;
}

bool vr_need_kick(struct vring_drv *vr)
{
	uint16_t old = vr->kicked, now = vr->published;
	bool need;

	/* the index store must be visible before we read the device's wish */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vr->event_idx)
		need = vr_need_event(vr_avail_event(vr), now, old);
	else
		need = !(vr_used_flags(vr) & VRING_USED_F_NO_NOTIFY);
	vr->kicked = now;
	return need;
}

void vr_kick(struct vring_drv *vr)
{
	if (vt_eventfd_signal(vr->kick_fd) < 0)
		FAIL("kick eventfd write failed");
	vr->kicks++;
}

bool vr_notify(struct vring_drv *vr)
{
	vr_publish(vr);
	if (!vr_need_kick(vr))
		return false;
	vr_kick(vr);
	return true;
}

void vr_publish_kick(struct vring_drv *vr)
{
	vr_publish(vr);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vr->kicked = vr->published;
	vr_kick(vr);
}

/* ------------------------------------------------------------------ */
/* used side                                                            */

static void free_chain(struct vring_drv *vr, uint16_t head)
{
	struct vr_slot *s = &vr->slot[head];

	vr->link[s->last] = vr->free_head;
	vr->free_head = head;
	vr->num_free += s->ndesc;
	s->busy = false;
	s->cookie = NULL;
}

int vr_get_used(struct vring_drv *vr, struct vt_used *u)
{
	uint32_t id, len;

	if (vr_used_idx(vr) == vr->last_used)
		return 0;
	/* used->idx was read with acquire: the element is visible */
	vr_used_elem(vr, vr->last_used % vr->num, &id, &len);
	vr->last_used++;
	u->id = id;
	u->len = len;
	u->cookie = NULL;
	if (vr->event_idx && !vr->manual_used_event)
		vr_set_used_event(vr, vr->last_used);
	if (id >= vr->num || !vr->slot[id].busy)
		return -EPROTO;
	u->cookie = vr->slot[id].cookie;
	free_chain(vr, (uint16_t)id);
	return 1;
}

uint64_t vr_drain_calls(struct vring_drv *vr)
{
	uint64_t n = vt_eventfd_drain(vr->call_fd);

	vr->calls += n;
	return n;
}

uint64_t vr_wait_call(struct vring_drv *vr, int timeout_ms)
{
	if (vt_poll_in(vr->call_fd, timeout_ms) <= 0)
		return 0;
	return vr_drain_calls(vr);
}

int vr_wait_used(struct vring_drv *vr, unsigned int count, int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + timeout_ms;
	struct pollfd p = { .fd = vr->call_fd, .events = POLLIN };

	for (;;) {
		if (vr_pending(vr) >= count)
			return 0;
		if (vt_now_ms() >= deadline)
			return vr_pending(vr) >= count ? 0 : -ETIMEDOUT;
		/*
		 * Wake on a call; if calls are suppressed, re-check the index
		 * every few ms.  This is a bounded wait on a condition, not a
		 * sleep standing in for synchronisation.
		 */
		if (poll(&p, 1, 2) > 0)
			vr_drain_calls(vr);
		else
			sched_yield();
	}
}
