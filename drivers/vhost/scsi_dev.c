// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-scsi: virtio-scsi requests from a guest, executed by the LIO
 * target core on the LUNs of the TPGs the device is bound to
 * (VHOST_SCSI_SET_ENDPOINT; the fabric and its configfs tree are in
 * scsi_fabric.c).
 *
 * Rings: 0 control (task management, async notification), 1 events (LUN
 * hotplug), 2 and up requests; the request path is in scsi_req.c.
 */
#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_scsi.h>
#include <linux/wait_bit.h>
#include <scsi/scsi_proto.h>

#include "scsi.h"

#define VHOST_SCSI_FEATURES						\
	(VHOST_BASE_FEATURES | BIT_ULL(VIRTIO_F_RING_RESET) |		\
	 BIT_ULL(VIRTIO_SCSI_F_HOTPLUG) | BIT_ULL(VIRTIO_SCSI_F_T10_PI))
/* Events waiting for event buffers; more are "missed". */
#define VHOST_SCSI_MAX_EVENTS	128

static unsigned int max_io_vqs = 128;
module_param(max_io_vqs, uint, 0444);
MODULE_PARM_DESC(max_io_vqs, "request rings per device (1-1024, default 128)");

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

void vhost_scsi_ctl(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
		    const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	__virtio32 type;

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

struct vhost_scsi_event {
	struct llist_node node;
	u32 event;
	u32 reason;
	u8 lun[8];
};

/*
 * Hotplug runs from configfs under the TPG's lock. Rather than nest a ring
 * mutex inside a fabric lock to set events_missed, it leaves a mark that
 * the event ring's users fold in under that ring's mutex.
 */
static void vhost_scsi_fold_dropped(struct vhost_scsi *vs)
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

static void vhost_scsi_event_work(struct vhost_work *work)
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

static void vhost_scsi_evt_kick(struct vhost_work *work)
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

/* ---- endpoints ------------------------------------------------------- */

/* Unbind: with dev->mutex held. Requests LIO has are waited for. */
static void vhost_scsi_unbind(struct vhost_scsi *vs)
{
	unsigned int i;

	lockdep_assert_held(&vs->dev.mutex);
	if (!vs->bound)
		return;
	/*
	 * No new requests (handlers read the flag under their ring's
	 * mutex); answers to those in flight still go out.
	 */
	for (i = 0; i < vs->nrings; i++) {
		struct vhost_virtqueue *vq = &vs->rings[i].vq;

		mutex_lock(&vq->mutex);
		vs->stopping = true;
		mutex_unlock(&vq->mutex);
	}
	wait_var_event(&vs->inflight, !atomic_read(&vs->inflight));
	vhost_dev_stop_rings(&vs->dev);
	/* Stopped rings take no requests: their spares go. */
	for (i = 0; i < vs->nrings; i++) {
		struct vhost_scsi_ring *ring = &vs->rings[i];
		struct vhost_scsi_req *r, *t;

		mutex_lock(&ring->vq.mutex);
		llist_for_each_entry_safe(r, t, ring->spare, node)
			kfree(r);
		ring->spare = NULL;
		ring->nspare = 0;
		mutex_unlock(&ring->vq.mutex);
	}
	/* Our dependencies keep the TPGs until they are dropped here. */
	for (i = 0; i < VHOST_SCSI_MAX_TARGETS; i++) {
		struct vhost_scsi_tpg *tpg = vs->targets[i];

		if (!tpg)
			continue;
		mutex_lock(&tpg->lock);
		tpg->owner = NULL;
		mutex_unlock(&tpg->lock);
		vs->targets[i] = NULL;
		target_undepend_item(&tpg->se_tpg.tpg_group.cg_item);
	}
	vs->bound = false;
	vs->stopping = false;
}

/*
 * Bind one TPG. configfs locks its directories while it calls the fabric
 * (LUN links take tpg->lock under them), so the dependency that pins the
 * TPG is taken with none of our locks held; the item reference taken
 * under vhost_scsi_tpgs_lock keeps the TPG's memory until then.
 */
static int vhost_scsi_bind(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg)
{
	struct config_item *item = &tpg->se_tpg.tpg_group.cg_item;
	bool ok = false;

	if (target_depend_item(item))
		return 0;	/* being removed */
	mutex_lock(&tpg->lock);
	/* Another device's, or no nexus to send commands on. */
	if (!tpg->owner && tpg->nexus && !vs->targets[tpg->tag]) {
		tpg->owner = vs;
		vs->targets[tpg->tag] = tpg;
		ok = true;
	}
	mutex_unlock(&tpg->lock);
	if (!ok)
		target_undepend_item(item);
	return ok;
}

static long vhost_scsi_set_endpoint(struct vhost_scsi *vs,
				    const struct vhost_scsi_target *t)
{
	struct vhost_scsi_tpg *tpg, **found;
	unsigned int i, n = 0, bound = 0;

	if (t->reserved)
		return -EOPNOTSUPP;
	if (vs->bound)
		return -EEXIST;
	found = kcalloc(VHOST_SCSI_MAX_TARGETS, sizeof(*found), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	mutex_lock(&vhost_scsi_tpgs_lock);
	list_for_each_entry(tpg, &vhost_scsi_tpgs, node) {
		if (n == VHOST_SCSI_MAX_TARGETS ||
		    strcmp(tpg->tport->name, t->vhost_wwpn))
			continue;
		/* Not one whose last reference is going (drop_tpg waits). */
		if (kref_get_unless_zero(&tpg->se_tpg.tpg_group.cg_item.ci_kref))
			found[n++] = tpg;
	}
	mutex_unlock(&vhost_scsi_tpgs_lock);
	for (i = 0; i < n; i++) {
		bound += vhost_scsi_bind(vs, found[i]);
		config_item_put(&found[i]->se_tpg.tpg_group.cg_item);
	}
	kfree(found);
	if (!bound)
		return -ENODEV;
	vs->bound = true;
	memcpy(vs->wwpn, t->vhost_wwpn, sizeof(vs->wwpn));
	vhost_dev_start_rings(&vs->dev, vs);
	return 0;
}

static long vhost_scsi_clear_endpoint(struct vhost_scsi *vs,
				      const struct vhost_scsi_target *t)
{
	if (!vs->bound)
		return 0;
	if (strcmp(vs->wwpn, t->vhost_wwpn))
		return -EINVAL;
	vhost_scsi_unbind(vs);
	return 0;
}

/* ---- the device ------------------------------------------------------ */

static void vhost_scsi_stop(struct vhost_dev *dev)
{
	vhost_scsi_unbind(container_of(dev, struct vhost_scsi, dev));
}

/* The device's own ioctls; the core's are tried after them. */
static long vhost_scsi_ioctl(struct vhost_dev *dev, unsigned int cmd,
			     void __user *argp)
{
	struct vhost_scsi *vs = container_of(dev, struct vhost_scsi,
					     dev);
	struct vhost_virtqueue *evt = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_target t;
	u32 missed;
	long ret;

	switch (cmd) {
	case VHOST_SCSI_SET_ENDPOINT:
	case VHOST_SCSI_CLEAR_ENDPOINT:
		if (copy_from_user(&t, argp, sizeof(t)))
			return -EFAULT;
		t.vhost_wwpn[sizeof(t.vhost_wwpn) - 1] = '\0';
		mutex_lock(&vs->dev.mutex);
		ret = vhost_dev_check_owner(&vs->dev);
		if (!ret)
			ret = cmd == VHOST_SCSI_SET_ENDPOINT ?
			      vhost_scsi_set_endpoint(vs, &t) :
			      vhost_scsi_clear_endpoint(vs, &t);
		mutex_unlock(&vs->dev.mutex);
		return ret;
	case VHOST_SCSI_GET_ABI_VERSION:
		/* Encoded as _IOW, but the device writes it. */
		return put_user(VHOST_SCSI_ABI_VERSION, (int __user *)argp);
	case VHOST_SCSI_SET_EVENTS_MISSED:
		if (get_user(missed, (u32 __user *)argp))
			return -EFAULT;
		mutex_lock(&evt->mutex);
		vhost_scsi_fold_dropped(vs);
		vs->events_missed = missed;
		mutex_unlock(&evt->mutex);
		return 0;
	case VHOST_SCSI_GET_EVENTS_MISSED:
		mutex_lock(&evt->mutex);
		vhost_scsi_fold_dropped(vs);
		missed = vs->events_missed;
		mutex_unlock(&evt->mutex);
		return put_user(missed, (u32 __user *)argp);
	}
	return -ENOIOCTLCMD;
}

static const struct vhost_dev_ops vhost_scsi_ops = {
	.features = VHOST_SCSI_FEATURES,
	.backend_features = VHOST_BASE_BACKEND_FEATURES,
	.stop = vhost_scsi_stop,
	.ioctl = vhost_scsi_ioctl,
};

static int vhost_scsi_open(struct inode *inode, struct file *f)
{
	unsigned int n = VHOST_SCSI_IO + clamp(max_io_vqs, 1U, 1024U);
	struct vhost_scsi *vs;
	unsigned int i;
	int ret;

	vs = kvzalloc(struct_size(vs, rings, n), GFP_KERNEL_ACCOUNT);
	if (!vs)
		return -ENOMEM;
	vs->vqs = kvcalloc(n, sizeof(*vs->vqs), GFP_KERNEL_ACCOUNT);
	if (!vs->vqs) {
		kvfree(vs);
		return -ENOMEM;
	}
	vs->nrings = n;
	init_llist_head(&vs->events);
	vhost_work_init(&vs->event_work, vhost_scsi_event_work);
	for (i = 0; i < n; i++) {
		struct vhost_scsi_ring *ring = &vs->rings[i];

		init_llist_head(&ring->done);
		vhost_work_init(&ring->done_work, vhost_scsi_done_work);
		ring->vq.handle_kick = i == VHOST_SCSI_EVT ? vhost_scsi_evt_kick :
				       vhost_scsi_request_kick;
		vs->vqs[i] = &ring->vq;
	}
	ret = vhost_dev_init(&vs->dev, "scsi", &vhost_scsi_ops, vs->vqs, n);
	if (ret) {
		kvfree(vs->vqs);
		kvfree(vs);
		return ret;
	}
	f->private_data = &vs->dev;
	return 0;
}

static int vhost_scsi_release(struct inode *inode, struct file *f)
{
	struct vhost_scsi *vs = container_of(f->private_data, struct vhost_scsi,
					     dev);
	struct vhost_scsi_event *e, *t;

	mutex_lock(&vs->dev.mutex);
	vhost_scsi_unbind(vs);
	mutex_unlock(&vs->dev.mutex);
	vhost_dev_cleanup(&vs->dev);
	llist_for_each_entry_safe(e, t, llist_del_all(&vs->events), node)
		kfree(e);
	kvfree(vs->vqs);
	kvfree(vs);
	return 0;
}

DEFINE_VHOST_MISCDEV(vhost_scsi_misc, "vhost-scsi", MISC_DYNAMIC_MINOR,
		     vhost_scsi_open, vhost_scsi_release);

static int __init vhost_scsi_init(void)
{
	int ret;

	/* A second "vhost-scsi" (Linux's module) fails here first. */
	ret = misc_register(&vhost_scsi_misc);
	if (ret)
		return ret;
	ret = vhost_scsi_fabric_register();
	if (ret)
		misc_deregister(&vhost_scsi_misc);
	return ret;
}
module_init(vhost_scsi_init);

static void __exit vhost_scsi_exit(void)
{
	vhost_scsi_fabric_unregister();
	misc_deregister(&vhost_scsi_misc);
}
module_exit(vhost_scsi_exit);

MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virtio-scsi host end: a LIO target fabric (out-of-tree vhost)");
MODULE_ALIAS("tcm_vhost");
