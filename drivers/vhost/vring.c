// SPDX-License-Identifier: GPL-2.0
/*
 * Per-ring ioctls: geometry, indices, eventfds, endianness, busy polling
 * and worker attachment.
 */
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "core.h"

/**
 * vhost_vq_set_backend - attach or detach the device's backend
 * @vq: the ring (its mutex held)
 * @backend: non-NULL to start the ring, NULL to stop it
 *
 * Starting re-reads the used index from guest memory on the next run.
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_set_backend(struct vhost_virtqueue *vq, void *backend)
{
	lockdep_assert_held(&vq->mutex);
	vq->private_data = backend;
	if (backend) {
		vq->started = false;
		vq->prepared = false;
		vq->broken = false;
		/*
		 * Completions still waiting for a used-ring translation
		 * belong to the ring as it was; it may have another size or
		 * place now.
		 */
		vq->npending = 0;
	}
}
EXPORT_SYMBOL_GPL(vhost_vq_set_backend);

/**
 * vhost_vq_release_files - drop the ring's eventfds
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_release_files(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	vhost_poll_stop(&vq->poll);
	if (vq->kick)
		fput(vq->kick);
	if (vq->call_ctx)
		eventfd_ctx_put(vq->call_ctx);
	if (vq->error_ctx)
		eventfd_ctx_put(vq->error_ctx);
	vq->kick = NULL;
	vq->call_ctx = NULL;
	vq->error_ctx = NULL;
}

/**
 * vhost_vq_reset - return a ring to its state after open
 * @vq: the ring, files already released
 */
void vhost_vq_reset(struct vhost_virtqueue *vq)
{
	vq->num = 0;
	memset(vq->addr, 0, sizeof(vq->addr));
	memset(vq->hva, 0, sizeof(vq->hva));
	vq->log_addr = 0;
	vq->log_used = false;
	vq->log_base = 0;
	vq->log_ctx = NULL;
	vq->log_dirty = false;
	vq->ops = &vhost_split_ops;
	vq->last_avail_idx = 0;
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	vq->used_flags = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->private_data = NULL;
	vq->acked_features = 0;
	vq->acked_backend_features = 0;
	vq->user_be = false;
	vq->broken = false;
	vq->iotlb_wait = false;
	vq->prepared = false;
	vq->started = false;
	vq->busyloop_timeout = 0;
	vq->npending = 0;
	vq->inflight = 0;
	vq->used_pushed = false;
	vq->memmap = NULL;
	memset(&vq->stats, 0, sizeof(vq->stats));
}

static int vhost_vq_set_addr(struct vhost_virtqueue *vq,
			     const struct vhost_vring_addr *a)
{
	if (a->flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if ((u64)(uintptr_t)a->desc_user_addr != a->desc_user_addr ||
	    (u64)(uintptr_t)a->avail_user_addr != a->avail_user_addr ||
	    (u64)(uintptr_t)a->used_user_addr != a->used_user_addr)
		return -EFAULT;
	if ((a->desc_user_addr & 15) || (a->avail_user_addr & 1) ||
	    (a->used_user_addr & 3))
		return -EINVAL;
	if (!vhost_vq_uses_iotlb(vq) && vq->num &&
	    (!access_ok(u64_to_user_ptr(a->desc_user_addr),
			vhost_ring_area_size(vq, VHOST_AREA_DESC)) ||
	     !access_ok(u64_to_user_ptr(a->avail_user_addr),
			vhost_ring_area_size(vq, VHOST_AREA_AVAIL)) ||
	     !access_ok(u64_to_user_ptr(a->used_user_addr),
			vhost_ring_area_size(vq, VHOST_AREA_USED))))
		return -EINVAL;
	vq->addr[VHOST_AREA_DESC] = a->desc_user_addr;
	vq->addr[VHOST_AREA_AVAIL] = a->avail_user_addr;
	vq->addr[VHOST_AREA_USED] = a->used_user_addr;
	vq->log_used = a->flags & BIT(VHOST_VRING_F_LOG);
	vq->log_addr = a->log_guest_addr;
	memset(vq->hva, 0, sizeof(vq->hva));
	vq->prepared = false;
	vq->broken = false;
	return 0;
}

/* Take an eventfd for a ring: -1 clears, anything else must be one. */
static int vhost_get_eventfd(int fd, struct eventfd_ctx **slot)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd != VHOST_FILE_UNBIND) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
	return 0;
}

static int vhost_vq_set_kick(struct vhost_virtqueue *vq, int fd)
{
	struct file *file = NULL;
	int ret = 0;

	if (fd != VHOST_FILE_UNBIND) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	vhost_poll_stop(&vq->poll);
	if (vq->kick)
		fput(vq->kick);
	vq->kick = file;
	if (file)
		ret = vhost_poll_start(&vq->poll, file);
	return ret;
}

/* The ioctls that take a struct vhost_vring_state. */
static long vhost_vq_state_ioctl(struct vhost_virtqueue *vq, unsigned int cmd,
				 struct vhost_vring_state *s, bool *copy_back)
{
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
		if (vq->private_data)
			return -EBUSY;
		if (!s->num || s->num > VHOST_RING_MAX || (s->num & (s->num - 1)))
			return -EINVAL;
		vq->num = s->num;
		memset(vq->hva, 0, sizeof(vq->hva));
		vq->prepared = false;
		vq->broken = false;
		return 0;
	case VHOST_SET_VRING_BASE:
		if (vq->private_data)
			return -EBUSY;
		if (s->num > 0xffff)
			return -EINVAL;
		vq->last_avail_idx = s->num;
		vq->avail_idx = s->num;
		vq->started = false;
		vq->prepared = false;
		vq->broken = false;
		return 0;
	case VHOST_GET_VRING_BASE:
		s->num = vq->last_avail_idx;
		*copy_back = true;
		return 0;
	case VHOST_SET_VRING_ENDIAN:
		if (vq->private_data)
			return -EBUSY;
		if (s->num != VHOST_VRING_LITTLE_ENDIAN &&
		    s->num != VHOST_VRING_BIG_ENDIAN)
			return -EINVAL;
		vq->user_be = s->num == VHOST_VRING_BIG_ENDIAN;
		return 0;
	case VHOST_GET_VRING_ENDIAN:
		s->num = vq->user_be ? VHOST_VRING_BIG_ENDIAN :
				       VHOST_VRING_LITTLE_ENDIAN;
		*copy_back = true;
		return 0;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		vq->busyloop_timeout = s->num;
		return 0;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s->num = vq->busyloop_timeout;
		*copy_back = true;
		return 0;
	}
	return -ENOIOCTLCMD;
}

static long vhost_vq_worker_ioctl(struct vhost_virtqueue *vq, unsigned int cmd,
				  void __user *argp)
{
	struct vhost_vring_worker w;
	long ret;

	if (copy_from_user(&w, argp, sizeof(w)))
		return -EFAULT;
	if (cmd == VHOST_ATTACH_VRING_WORKER)
		return vhost_vq_attach_worker(vq, w.worker_id);
	ret = vhost_vq_worker_id(vq, &w.worker_id);
	if (!ret && copy_to_user(argp, &w, sizeof(w)))
		ret = -EFAULT;
	return ret;
}

/**
 * vhost_vring_ioctl - the per-ring ioctls
 * @dev: the device, with dev->mutex held and the caller its owner
 * @cmd: the ioctl
 * @argp: its argument; every argument starts with the ring index
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0, -errno, or -ENOIOCTLCMD for an ioctl that is not per-ring.
 */
long vhost_vring_ioctl(struct vhost_dev *dev, unsigned int cmd,
		       void __user *argp)
{
	struct vhost_virtqueue *vq;
	bool copy_back = false;
	union {
		struct vhost_vring_state s;
		struct vhost_vring_file f;
		struct vhost_vring_addr a;
	} arg;
	size_t size;
	u32 idx;
	long ret;

	lockdep_assert_held(&dev->mutex);
	switch (cmd) {
	case VHOST_SET_VRING_ADDR:
		size = sizeof(arg.a);
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		size = sizeof(arg.f);
		break;
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_ENDIAN:
	case VHOST_GET_VRING_ENDIAN:
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		size = sizeof(arg.s);
		break;
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		size = sizeof(struct vhost_vring_worker);
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	vq = dev->vqs[array_index_nospec(idx, dev->nvqs)];

	/* Worker changes flush the old worker: not under the ring mutex. */
	if (cmd == VHOST_ATTACH_VRING_WORKER || cmd == VHOST_GET_VRING_WORKER)
		return vhost_vq_worker_ioctl(vq, cmd, argp);

	if (copy_from_user(&arg, argp, size))
		return -EFAULT;

	mutex_lock(&vq->mutex);
	switch (cmd) {
	case VHOST_SET_VRING_ADDR:
		ret = vhost_vq_set_addr(vq, &arg.a);
		break;
	case VHOST_SET_VRING_KICK:
		ret = vhost_vq_set_kick(vq, arg.f.fd);
		break;
	case VHOST_SET_VRING_CALL:
		ret = vhost_get_eventfd(arg.f.fd, &vq->call_ctx);
		break;
	case VHOST_SET_VRING_ERR:
		ret = vhost_get_eventfd(arg.f.fd, &vq->error_ctx);
		break;
	default:
		ret = vhost_vq_state_ioctl(vq, cmd, &arg.s, &copy_back);
	}
	mutex_unlock(&vq->mutex);

	if (!ret && copy_back && copy_to_user(argp, &arg.s, sizeof(arg.s)))
		ret = -EFAULT;
	return ret;
}
