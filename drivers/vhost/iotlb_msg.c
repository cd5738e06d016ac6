// SPDX-License-Identifier: GPL-2.0
/*
 * The IOTLB message channel on the device fd.
 *
 * The device asks for translations (MISS) through read()/poll();
 * userspace answers with UPDATE and INVALIDATE through write(), in the v1
 * (struct vhost_msg) or v2 (struct vhost_msg_v2) format. A permission
 * fault stops the ring with the error eventfd (no ACCESS_FAIL message).
 * Rings waiting on a miss are requeued when an update arrives. After an
 * update or invalidation returns, no handler run that starts uses a ring
 * translation made before it; buffers already handed to a backend (a
 * vhost-scsi command at LIO, a zero-copy frame in the network stack) keep
 * the user addresses they were given until they complete, as in Linux.
 */
#include <linux/slab.h>
#include <linux/uio.h>

#include "core.h"

struct vhost_iotlb_out {
	struct list_head list;
	struct vhost_iotlb_msg msg;
};

static bool vhost_msg_v2(struct vhost_dev *dev)
{
	return dev->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2);
}

static size_t vhost_msg_size(bool v2)
{
	return v2 ? sizeof(struct vhost_msg_v2) : sizeof(struct vhost_msg);
}

static void vhost_iotlb_post(struct vhost_dev *dev, u64 iova, u8 perm, u8 type)
{
	struct vhost_iotlb_out *out, *o;

	out = kzalloc(sizeof(*out), GFP_KERNEL_ACCOUNT);
	if (!out)
		return;
	out->msg.type = type;
	out->msg.iova = iova;
	out->msg.perm = perm;
	spin_lock(&dev->iotlb_lock);
	/* One outstanding miss per address is enough. */
	list_for_each_entry(o, &dev->iotlb_out, list) {
		if (o->msg.type == type && o->msg.iova == iova &&
		    o->msg.perm == perm) {
			spin_unlock(&dev->iotlb_lock);
			kfree(out);
			return;
		}
	}
	list_add_tail(&out->list, &dev->iotlb_out);
	spin_unlock(&dev->iotlb_lock);
	wake_up_interruptible_poll(&dev->iotlb_wait, EPOLLIN | EPOLLRDNORM);
}

/**
 * vhost_iotlb_miss - ask userspace to translate an address
 * @vq: the ring that needs it (already marked waiting)
 * @iova: the address
 * @perm: the access wanted
 */
void vhost_iotlb_miss(struct vhost_virtqueue *vq, u64 iova, u8 perm)
{
	vq->stats.iotlb_misses++;
	vhost_iotlb_post(vq->dev, iova, perm, VHOST_IOTLB_MISS);
}

/**
 * vhost_iotlb_drop_messages - forget every message not yet read
 * @dev: the device
 */
void vhost_iotlb_drop_messages(struct vhost_dev *dev)
{
	struct vhost_iotlb_out *o, *tmp;
	LIST_HEAD(gone);

	spin_lock(&dev->iotlb_lock);
	list_splice_init(&dev->iotlb_out, &gone);
	spin_unlock(&dev->iotlb_lock);
	list_for_each_entry_safe(o, tmp, &gone, list)
		kfree(o);
}

/**
 * vhost_iotlb_enable - create or drop the device IOTLB
 * @dev: the device, with dev->mutex held
 * @on: whether VIRTIO_F_ACCESS_PLATFORM is being negotiated
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0 or -ENOMEM.
 */
int vhost_iotlb_enable(struct vhost_dev *dev, bool on)
{
	struct vhost_iotlb *tlb = NULL, *old;

	lockdep_assert_held(&dev->mutex);
	if (on == !!dev->iotlb)
		return 0;
	if (on) {
		tlb = vhost_iotlb_create(vhost_max_iotlb_entries);
		if (!tlb)
			return -ENOMEM;
	}
	mutex_lock(&dev->iotlb_mutex);
	old = dev->iotlb;
	dev->iotlb = tlb;
	mutex_unlock(&dev->iotlb_mutex);
	vhost_iotlb_destroy(old);
	if (!on) {
		dev->iotlb_batch = false;
		vhost_iotlb_drop_messages(dev);
	}
	return 0;
}

/* Forget cached ring translations and requeue rings waiting on a miss. */
static void vhost_iotlb_changed(struct vhost_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		struct vhost_virtqueue *vq = dev->vqs[i];
		bool waiting;

		/* Translated again, in full, before the ring is next used. */
		mutex_lock(&vq->mutex);
		memset(vq->hva, 0, sizeof(vq->hva));
		vq->prepared = false;
		mutex_unlock(&vq->mutex);

		mutex_lock(&dev->iotlb_mutex);
		waiting = vq->iotlb_wait;
		vq->iotlb_wait = false;
		mutex_unlock(&dev->iotlb_mutex);
		if (waiting)
			vhost_poll_queue(&vq->poll);
	}
}

static int vhost_iotlb_apply(struct vhost_dev *dev,
			     const struct vhost_iotlb_msg *msg)
{
	int ret = 0;

	switch (msg->type) {
	case VHOST_IOTLB_UPDATE:
	case VHOST_IOTLB_INVALIDATE:
		break;
	case VHOST_IOTLB_BATCH_BEGIN:
	case VHOST_IOTLB_BATCH_END:
		/*
		 * Without an IOTLB, ring addresses are user addresses: the
		 * end of a batch must not send them through translation.
		 */
		if (!dev->iotlb)
			return -EFAULT;
		break;
	default:
		return -EINVAL;
	}
	switch (msg->type) {
	case VHOST_IOTLB_BATCH_BEGIN:
		dev->iotlb_batch = true;
		return 0;
	case VHOST_IOTLB_BATCH_END:
		dev->iotlb_batch = false;
		vhost_iotlb_changed(dev);
		return 0;
	default:
		break;
	}
	if (msg->type == VHOST_IOTLB_UPDATE &&
	    (!msg->size || msg->uaddr + msg->size - 1 < msg->uaddr ||
	     !access_ok(u64_to_user_ptr(msg->uaddr), msg->size)))
		return -EFAULT;

	mutex_lock(&dev->iotlb_mutex);
	if (!dev->iotlb)
		ret = -EFAULT;
	else if (msg->type == VHOST_IOTLB_UPDATE)
		ret = vhost_iotlb_insert(dev->iotlb, msg->iova, msg->size,
					 msg->uaddr, msg->perm);
	else if (!msg->size && !msg->iova)
		/*
		 * Linux (since 6.6, and 6.1 stable) reads a size of 0 at
		 * IOVA 0 as the whole space: a vIOMMU unmapping everything.
		 */
		vhost_iotlb_remove_all(dev->iotlb);
	else
		vhost_iotlb_remove(dev->iotlb, msg->iova, msg->size);
	mutex_unlock(&dev->iotlb_mutex);
	/* A batch defers new mappings; a mapping removed is gone now. */
	if (!ret && (!dev->iotlb_batch || msg->type == VHOST_IOTLB_INVALIDATE))
		vhost_iotlb_changed(dev);
	return ret;
}

/**
 * vhost_iotlb_write - handle a message written to the device fd
 * @dev: the device
 * @from: the message, v1 or v2
 *
 * Return: bytes consumed or -errno (-EINVAL for a malformed message,
 * -EFAULT when the device has no IOTLB or the user range is bad).
 */
ssize_t vhost_iotlb_write(struct vhost_dev *dev, struct iov_iter *from)
{
	size_t count = iov_iter_count(from);
	struct vhost_msg_v2 v2;
	struct vhost_msg v1;
	struct vhost_iotlb_msg *msg;
	size_t size;
	u32 type;
	int ret;

	if (count < sizeof(type) ||
	    copy_from_iter(&type, sizeof(type), from) != sizeof(type))
		return -EINVAL;
	if (type == VHOST_IOTLB_MSG) {
		size = sizeof(v1);
		msg = &v1.iotlb;
		if (count < size ||
		    copy_from_iter((u8 *)&v1 + sizeof(type), size - sizeof(type),
				   from) != size - sizeof(type))
			return -EINVAL;
	} else if (type == VHOST_IOTLB_MSG_V2) {
		size = sizeof(v2);
		msg = &v2.iotlb;
		if (count < size ||
		    copy_from_iter((u8 *)&v2 + sizeof(type), size - sizeof(type),
				   from) != size - sizeof(type))
			return -EINVAL;
		if (v2.asid)
			return -EINVAL;
	} else {
		return -EINVAL;
	}

	mutex_lock(&dev->mutex);
	ret = vhost_iotlb_apply(dev, msg);
	mutex_unlock(&dev->mutex);
	return ret ? ret : size;
}

/**
 * vhost_iotlb_read - hand the oldest pending message to userspace
 * @dev: the device
 * @to: the reader's buffer, at least one message long
 * @nonblock: O_NONBLOCK
 *
 * Return: bytes read, -EAGAIN, -EINVAL for a short buffer, -EINTR.
 */
ssize_t vhost_iotlb_read(struct vhost_dev *dev, struct iov_iter *to,
			 bool nonblock)
{
	bool v2 = vhost_msg_v2(dev);
	size_t size = vhost_msg_size(v2);
	struct vhost_iotlb_out *o = NULL;
	union {
		struct vhost_msg v1;
		struct vhost_msg_v2 v2;
	} m;
	int ret;

	if (iov_iter_count(to) < size)
		return -EINVAL;
	for (;;) {
		spin_lock(&dev->iotlb_lock);
		o = list_first_entry_or_null(&dev->iotlb_out,
					     struct vhost_iotlb_out, list);
		if (o)
			list_del(&o->list);
		spin_unlock(&dev->iotlb_lock);
		if (o)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(dev->iotlb_wait,
					       !list_empty(&dev->iotlb_out));
		if (ret)
			return ret;
	}

	memset(&m, 0, sizeof(m));
	if (v2) {
		m.v2.type = VHOST_IOTLB_MSG_V2;
		m.v2.iotlb = o->msg;
	} else {
		m.v1.type = VHOST_IOTLB_MSG;
		m.v1.iotlb = o->msg;
	}
	if (copy_to_iter(&m, size, to) != size) {
		/* Put it back so the miss is not lost. */
		spin_lock(&dev->iotlb_lock);
		list_add(&o->list, &dev->iotlb_out);
		spin_unlock(&dev->iotlb_lock);
		return -EFAULT;
	}
	kfree(o);
	return size;
}

/**
 * vhost_iotlb_poll - poll() on the device fd
 * @dev: the device
 * @file: the fd
 * @wait: poll table
 *
 * Return: EPOLLIN when a message waits; always writable.
 */
__poll_t vhost_iotlb_poll(struct vhost_dev *dev, struct file *file,
			  poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->iotlb_wait, wait);
	spin_lock(&dev->iotlb_lock);
	if (!list_empty(&dev->iotlb_out))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&dev->iotlb_lock);
	return mask;
}
