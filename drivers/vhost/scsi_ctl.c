// SPDX-License-Identifier: GPL-2.0
/*
 * The control and event rings of /dev/vhost-scsi. Ring 0 carries the
 * guest's task management functions, which go to LIO, and asynchronous
 * notification queries (the request rings' loop in scsi_req.c hands them
 * here); ring 1 takes the buffers for LUN hotplug events, which the fabric
 * reports as LUNs are linked and unlinked in configfs.
 */
#include <linux/slab.h>
#include <linux/virtio_scsi.h>

#include "scsi.h"

/* Events waiting for event buffers; more are "missed". */
#define VHOST_SCSI_MAX_EVENTS	128

/* ---- the control ring ------------------------------------------------ */

/* LIO's function for a virtio TMF subtype; TMR_UNKNOWN if it has none. */
static u8 vhost_scsi_tmr_of(u32 subtype)
{
	switch (subtype) {
	case VIRTIO_SCSI_T_TMF_ABORT_TASK:
		return TMR_ABORT_TASK;
	case VIRTIO_SCSI_T_TMF_ABORT_TASK_SET:
		return TMR_ABORT_TASK_SET;
	case VIRTIO_SCSI_T_TMF_CLEAR_ACA:
		return TMR_CLEAR_ACA;
	case VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET:
		return TMR_CLEAR_TASK_SET;
	case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
		return TMR_LUN_RESET;
	default:
		/* I_T nexus reset and the queries. */
		return TMR_UNKNOWN;
	}
}

/*
 * A task management function goes to LIO, which answers it (those it
 * does not implement are rejected there). ABORT_TASK names its task by
 * the tag the guest gave the command; LIO waits for an aborted command
 * to come back before it answers, and the command is answered ABORTED.
 */
static void vhost_scsi_tmf(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
			   const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	struct virtio_scsi_ctrl_tmf_req req;
	struct vhost_scsi_tpg *tpg;
	struct vhost_scsi_req *r;
	u8 response, fn;
	u64 lun;

	if (copy_from_iter(&req.subtype, sizeof(req) - sizeof(req.type), from) !=
	    sizeof(req) - sizeof(req.type) || c->in_len < 1) {
		vhost_vq_error(vq, "TMF %u too short", c->head);
		return;
	}
	tpg = vhost_scsi_lun(vs, req.lun, &lun);
	fn = vhost_scsi_tmr_of(vhost_scsi_to_cpu32(vq, req.subtype));
	response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
	if (!tpg) {
		response = VIRTIO_SCSI_S_BAD_TARGET;
	} else if (fn != TMR_UNKNOWN) {
		r = vhost_scsi_req_new(ring, c);
		if (r) {
			r->tmf = true;
			if (!target_submit_tmr(&r->se_cmd, tpg->nexus, NULL, lun,
					       r, fn, GFP_KERNEL,
					       __virtio64_to_cpu(vhost_vq_is_le(vq),
								 req.tag),
					       TARGET_SCF_ACK_KREF))
				return;
			vhost_scsi_req_free(vs, r, true);
		}
	}
	vhost_scsi_reply(vq, c->head, c->iov + c->out, c->in, &response, 1);
}

static void vhost_scsi_an(struct vhost_virtqueue *vq,
			  const struct vhost_chain *c)
{
	/* No asynchronous notifications: none subscribed, none pending. */
	struct virtio_scsi_ctrl_an_resp resp = { .response = VIRTIO_SCSI_S_OK };

	if (c->in_len < sizeof(resp)) {
		vhost_vq_error(vq, "AN request %u: no room for the answer",
			       c->head);
		return;
	}
	vhost_scsi_reply(vq, c->head, c->iov + c->out, c->in, &resp,
			 sizeof(resp));
}

/**
 * vhost_scsi_ctl - a request on the control ring: a TMF or an AN query
 * @vs: the device
 * @ring: the control ring
 * @c: the chain
 * @from: its readable part
 *
 * Context: process context; the ring's mutex held.
 */
void vhost_scsi_ctl(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
		    const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	__virtio32 type;

	lockdep_assert_held(&vq->mutex);
	if (copy_from_iter(&type, sizeof(type), from) != sizeof(type)) {
		vhost_vq_error(vq, "control request %u too short", c->head);
		return;
	}
	switch (vhost_scsi_to_cpu32(vq, type)) {
	case VIRTIO_SCSI_T_TMF:
		vhost_scsi_tmf(vs, ring, c, from);
		break;
	case VIRTIO_SCSI_T_AN_QUERY:
	case VIRTIO_SCSI_T_AN_SUBSCRIBE:
		vhost_scsi_an(vq, c);
		break;
	default:
		vhost_vq_error(vq, "control request %u: type %u", c->head,
			       vhost_scsi_to_cpu32(vq, type));
		break;
	}
}

/* ---- the event ring -------------------------------------------------- */

/**
 * vhost_scsi_fold_dropped - events hotplug dropped make events_missed true
 * @vs: the device
 *
 * Hotplug runs from configfs under the TPG's lock. Rather than nest a ring
 * mutex inside a fabric lock to set events_missed, it leaves a mark that
 * the event ring's users fold in under that ring's mutex.
 *
 * Context: process context; the event ring's mutex held.
 */
void vhost_scsi_fold_dropped(struct vhost_scsi *vs)
{
	lockdep_assert_held(&vs->rings[VHOST_SCSI_EVT].vq.mutex);
	if (atomic_xchg(&vs->events_dropped, 0))
		vs->events_missed = true;
}

static bool vhost_scsi_post_event(struct vhost_scsi *vs,
				  struct vhost_virtqueue *vq, u32 event,
				  u32 reason, const u8 lun[8])
{
	struct virtio_scsi_event ev = {};
	struct vhost_chain c;
	int ret;

	ret = vhost_vq_fetch(vq, &c);
	if (ret <= 0) {
		vs->events_missed = true;
		return false;
	}
	if (c.out || c.in_len < sizeof(ev)) {
		vhost_vq_error(vq, "event buffer %u: %zu writable bytes",
			       c.head, c.in_len);
		vs->events_missed = true;
		return false;
	}
	if (vs->events_missed)
		event |= VIRTIO_SCSI_T_EVENTS_MISSED;
	ev.event = vhost_scsi_virtio32(vq, event);
	ev.reason = vhost_scsi_virtio32(vq, reason);
	memcpy(ev.lun, lun, sizeof(ev.lun));
	vhost_scsi_reply(vq, c.head, c.iov, c.in, &ev, sizeof(ev));
	if (vq->broken)
		return false;
	vs->events_missed = false;
	return true;
}

/**
 * vhost_scsi_event_work - post the queued hotplug events to the guest
 * @work: the device's event_work
 *
 * Context: the event ring's worker; takes that ring's mutex.
 */
void vhost_scsi_event_work(struct vhost_work *work)
{
	struct vhost_scsi *vs = container_of(work, struct vhost_scsi,
					     event_work);
	struct vhost_virtqueue *vq = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_event *e, *t;
	struct llist_node *list;
	static const u8 no_lun[8];

	list = llist_reverse_order(llist_del_all(&vs->events));
	mutex_lock(&vq->mutex);
	vhost_scsi_fold_dropped(vs);
	llist_for_each_entry_safe(e, t, list, node) {
		if (vhost_vq_get_backend(vq) && vhost_vq_ready(vq))
			vhost_scsi_post_event(vs, vq, e->event, e->reason, e->lun);
		else
			vs->events_missed = true;
		atomic_dec(&vs->nr_events);
		kfree(e);
	}
	/* A guest that posts buffers after missing events learns of it. */
	if (!list && vs->events_missed && vhost_vq_get_backend(vq) &&
	    vhost_vq_ready(vq))
		vhost_scsi_post_event(vs, vq, VIRTIO_SCSI_T_NO_EVENT, 0, no_lun);
	vhost_vq_signal(vq);
	mutex_unlock(&vq->mutex);
}

/**
 * vhost_scsi_evt_kick - the event ring's kick handler: the guest posted
 * event buffers
 * @work: the ring's poll work
 *
 * Context: the event ring's worker; takes that ring's mutex.
 */
void vhost_scsi_evt_kick(struct vhost_work *work)
{
	struct vhost_poll *p = container_of(work, struct vhost_poll, work);

	vhost_scsi_event_work(&vhost_scsi_of(p->vq)->event_work);
}

/**
 * vhost_scsi_hotplug - tell the guest a LUN came or went
 * @vs: the device bound to @tpg
 * @tpg: the TPG, its lock held
 * @lun: the LUN
 * @added: linked (true) or about to be unlinked
 *
 * Context: process context (configfs); @tpg->lock held.
 */
void vhost_scsi_hotplug(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg,
			u64 lun, bool added)
{
	struct vhost_virtqueue *vq = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_event *e;

	lockdep_assert_held(&tpg->lock);
	if (!vhost_has_feature(vq, VIRTIO_SCSI_F_HOTPLUG))
		return;
	e = NULL;
	if (atomic_inc_return(&vs->nr_events) <= VHOST_SCSI_MAX_EVENTS)
		e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		atomic_dec(&vs->nr_events);
		/* The worker tells a guest with event buffers right away. */
		atomic_set(&vs->events_dropped, 1);
		vhost_vq_work_queue(vq, &vs->event_work);
		return;
	}
	e->event = VIRTIO_SCSI_T_TRANSPORT_RESET;
	e->reason = added ? VIRTIO_SCSI_EVT_RESET_RESCAN :
			    VIRTIO_SCSI_EVT_RESET_REMOVED;
	e->lun[0] = 1;
	e->lun[1] = tpg->tag;
	if (lun >= 256)
		e->lun[2] = 0x40 | ((lun >> 8) & 0x3f);
	e->lun[3] = lun & 0xff;
	llist_add(&e->node, &vs->events);
	vhost_vq_work_queue(vq, &vs->event_work);
}
