// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-scsi: virtio-scsi requests from a guest, executed by the LIO
 * target core on the LUNs of the TPGs the device is bound to
 * (VHOST_SCSI_SET_ENDPOINT; the fabric and its configfs tree are in
 * scsi_fabric.c).
 *
 * Rings: 0 control (task management, async notification), 1 events (LUN
 * hotplug), 2 and up requests. The request path is in scsi_req.c, the
 * control and event rings in scsi_ctl.c; this file is the device: its
 * ioctls, endpoints, open and release, and the module.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_scsi.h>
#include <linux/wait_bit.h>

#include "scsi.h"

#define VHOST_SCSI_FEATURES						\
	(VHOST_BASE_FEATURES | BIT_ULL(VIRTIO_F_RING_RESET) |		\
	 BIT_ULL(VIRTIO_SCSI_F_HOTPLUG) | BIT_ULL(VIRTIO_SCSI_F_T10_PI))

static unsigned int max_io_vqs = 128;
module_param(max_io_vqs, uint, 0444);
MODULE_PARM_DESC(max_io_vqs, "request rings per device (1-1024, default 128)");

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
	vhost_scsi_tpgs_unbind(vs);
	vs->bound = false;
	vs->stopping = false;
}

static long vhost_scsi_set_endpoint(struct vhost_scsi *vs,
				    const struct vhost_scsi_target *t)
{
	int bound;

	if (t->reserved)
		return -EOPNOTSUPP;
	if (vs->bound)
		return -EEXIST;
	bound = vhost_scsi_tpgs_bind(vs, t->vhost_wwpn);
	if (bound < 0)
		return bound;
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
