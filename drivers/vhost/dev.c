// SPDX-License-Identifier: GPL-2.0
/*
 * Device lifecycle and the device-wide ioctls: ownership, features, the
 * memory table, the dirty log, workers, and the fd's IOTLB channel.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "core.h"

static atomic_t vhost_serial = ATOMIC_INIT(0);

/**
 * vhost_dev_init - set up a device and its rings at open
 * @dev: the device
 * @name: short device name ("net", "test", ...), for logs and debugfs
 * @ops: what the device offers and plugs in
 * @vqs: its rings; each ring's handle_kick must be set
 * @nvqs: how many
 *
 * Each ring gets room for VHOST_IOV_MAX iovecs per chain, and its handler
 * the core's weights (VHOST_CHAIN_WEIGHT chains, VHOST_BYTE_WEIGHT bytes).
 *
 * Context: process context (the device's open()); may sleep.
 * Return: 0 or -ENOMEM.
 */
int vhost_dev_init(struct vhost_dev *dev, const char *name,
		   const struct vhost_dev_ops *ops,
		   struct vhost_virtqueue **vqs, unsigned int nvqs)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	mutex_init(&dev->mutex);
	mutex_init(&dev->attach_mutex);
	mutex_init(&dev->iotlb_mutex);
	spin_lock_init(&dev->iotlb_lock);
	INIT_LIST_HEAD(&dev->iotlb_out);
	init_waitqueue_head(&dev->iotlb_wait);
	xa_init_flags(&dev->workers, XA_FLAGS_ALLOC);
	dev->name = name;
	dev->ops = ops;
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->weight = VHOST_CHAIN_WEIGHT;
	dev->byte_weight = VHOST_BYTE_WEIGHT;
	dev->serial = atomic_inc_return(&vhost_serial);
	dev->fork_owner = (VHOST_HAVE_OWNER_TASK && vhost_fork_from_owner_default) ?
			  VHOST_FORK_OWNER_TASK : VHOST_FORK_OWNER_KTHREAD;

	for (i = 0; i < nvqs; i++) {
		struct vhost_virtqueue *vq = vqs[i];

		vq->dev = dev;
		vq->index = i;
		mutex_init(&vq->mutex);
		RCU_INIT_POINTER(vq->worker, NULL);
		vq->kick = NULL;
		vq->call_ctx = NULL;
		vq->error_ctx = NULL;
		vq->iov_max = VHOST_IOV_MAX;
		vq->iov = kmalloc_array(VHOST_IOV_MAX, sizeof(*vq->iov),
					GFP_KERNEL_ACCOUNT);
		if (!vq->iov)
			goto err;
		vhost_poll_init(&vq->poll, vq, vq->handle_kick, EPOLLIN);
		vhost_vq_reset(vq);
	}
	return 0;

err:
	while (i--)
		kfree(vqs[i]->iov);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(vhost_dev_init);

/**
 * vhost_dev_check_owner - whether the caller owns the device
 * @dev: the device
 *
 * Return: 0, or -EPERM when there is no owner or the caller is another
 * process.
 */
int vhost_dev_check_owner(struct vhost_dev *dev)
{
	return dev->mm && dev->mm == current->mm ? 0 : -EPERM;
}
EXPORT_SYMBOL_GPL(vhost_dev_check_owner);

/**
 * vhost_has_feature - whether a feature bit was negotiated on a ring
 * @vq: the ring
 * @bit: the bit
 *
 * Return: true if acked.
 */
bool vhost_has_feature(struct vhost_virtqueue *vq, unsigned int bit)
{
	return vq->acked_features & BIT_ULL(bit);
}
EXPORT_SYMBOL_GPL(vhost_has_feature);

/**
 * vhost_dev_start_rings - attach a backend to every ring and look at each
 * @dev: the device
 * @backend: what the device's handlers find with vhost_vq_get_backend()
 *
 * Each ring's handler is then queued once, so buffers the driver made
 * available while the ring was stopped do not wait for another kick.
 *
 * Context: process context; @dev->mutex held; takes each ring's mutex.
 */
void vhost_dev_start_rings(struct vhost_dev *dev, void *backend)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		vhost_vq_set_backend(dev->vqs[i], backend);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	for (i = 0; i < dev->nvqs; i++)
		vhost_poll_queue(&dev->vqs[i]->poll);
}
EXPORT_SYMBOL_GPL(vhost_dev_start_rings);

/**
 * vhost_dev_stop_rings - detach every ring's backend and wait for handlers
 * @dev: the device
 *
 * On return no handler of @dev runs, and none finds a backend until the
 * rings are started again.
 *
 * Context: process context; @dev->mutex held; takes each ring's mutex and
 * sleeps until queued work is done.
 */
void vhost_dev_stop_rings(struct vhost_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		vhost_vq_set_backend(dev->vqs[i], NULL);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	vhost_dev_flush(dev);
}
EXPORT_SYMBOL_GPL(vhost_dev_stop_rings);

static long vhost_dev_set_owner(struct vhost_dev *dev)
{
	int ret;

	if (dev->mm)
		return -EBUSY;
	dev->mm = get_task_mm(current);
	if (!dev->mm)
		return -EINVAL;
	ret = vhost_dev_set_default_worker(dev);
	if (ret) {
		mmput(dev->mm);
		dev->mm = NULL;
		return ret;
	}
	vhost_stats_dev_add(dev);
	return 0;
}

/*
 * Back to the state after open: no owner, workers, table, log or files.
 * dev->mutex held (RESET_OWNER, and vhost_dev_cleanup() at release).
 */
static void vhost_dev_teardown(struct vhost_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	if (dev->ops->stop)
		dev->ops->stop(dev);
	vhost_dev_stop_rings(dev);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		vhost_poll_stop(&dev->vqs[i]->poll);
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	vhost_dev_flush(dev);
	vhost_workers_destroy(dev);
	vhost_stats_dev_remove(dev);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhost_virtqueue *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		vhost_vq_release_files(vq);
		vhost_vq_reset(vq);
		mutex_unlock(&vq->mutex);
	}
	vhost_iotlb_enable(dev, false);
	vhost_iotlb_drop_messages(dev);
	kvfree(dev->memmap);
	dev->memmap = NULL;
	vhost_log_release(dev);
	dev->features = 0;
	dev->backend_features = 0;
	if (dev->mm) {
		mmput(dev->mm);
		dev->mm = NULL;
	}
}

/**
 * vhost_dev_cleanup - release everything at close
 * @dev: the device
 */
void vhost_dev_cleanup(struct vhost_dev *dev)
{
	unsigned int i;

	mutex_lock(&dev->mutex);
	vhost_dev_teardown(dev);
	mutex_unlock(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		kfree(dev->vqs[i]->iov);
		dev->vqs[i]->iov = NULL;
	}
	xa_destroy(&dev->workers);
}
EXPORT_SYMBOL_GPL(vhost_dev_cleanup);

/**
 * vhost_features_negotiate - check a driver's feature words against ours
 * @offered: the bits the device offers (feature bits 0..63)
 * @want: the words asked for; bit N is bit N % 64 of want[N / 64]
 * @nwords: how many words @want has (1 for VHOST_SET_FEATURES)
 * @acked: out, the feature set to use
 *
 * Return: 0, or -EOPNOTSUPP when any bit asked for is not offered.
 */
int vhost_features_negotiate(u64 offered, const u64 *want,
			     unsigned int nwords, u64 *acked)
{
	unsigned int i;

	if (nwords && (want[0] & ~offered))
		return -EOPNOTSUPP;
	for (i = 1; i < nwords; i++)
		if (want[i])
			return -EOPNOTSUPP;
	*acked = nwords ? want[0] : 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vhost_features_negotiate);

static long vhost_dev_set_features(struct vhost_dev *dev, const u64 *want,
				   unsigned int nwords)
{
	unsigned int i;
	u64 features;
	int ret;

	ret = vhost_features_negotiate(dev->ops->features, want, nwords,
				       &features);
	if (ret)
		return ret;
	ret = vhost_iotlb_enable(dev,
				 features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM));
	if (ret)
		return ret;
	for (i = 0; i < dev->nvqs; i++) {
		struct vhost_virtqueue *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		vq->acked_features = features;
		memset(vq->hva, 0, sizeof(vq->hva));
		vq->prepared = false;
		mutex_unlock(&vq->mutex);
	}
	dev->features = features;
	if (dev->ops->set_features)
		return dev->ops->set_features(dev, features);
	return 0;
}

static long vhost_dev_set_backend_features(struct vhost_dev *dev, u64 features)
{
	unsigned int i;

	if (features & ~dev->ops->backend_features)
		return -EOPNOTSUPP;
	dev->backend_features = features;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->acked_backend_features = features;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	return 0;
}

static long vhost_dev_fork_owner(struct vhost_dev *dev, unsigned int cmd,
				 u8 __user *argp)
{
	u8 mode;

	if (cmd == VHOST_GET_FORK_FROM_OWNER)
		return put_user(dev->fork_owner, argp);
	if (get_user(mode, argp))
		return -EFAULT;
	if (dev->mm)
		return -EBUSY;
	if (mode > VHOST_FORK_OWNER_TASK)
		return -EINVAL;
	if (mode == VHOST_FORK_OWNER_TASK && !VHOST_HAVE_OWNER_TASK)
		return -EOPNOTSUPP;
	dev->fork_owner = mode;
	return 0;
}

/* Feature words the core knows: bits 0..127. */
#define VHOST_FEATURE_WORDS	2

/*
 * The most words a FEATURES_ARRAY call may carry (65536 feature bits, far
 * past any virtio device's). Without a bound a huge count with a read-only
 * zero mapping behind it kept a SET looping for hours under dev->mutex.
 */
#define VHOST_FEATURE_WORDS_MAX	1024

/* Whether the user words [from, to) are all zero: 0, -EOPNOTSUPP, -EFAULT. */
static int vhost_features_check_zero(const u64 __user *words, u64 from, u64 to)
{
	u64 chunk[16];
	u64 n;

	for (; from < to; from += n) {
		n = min_t(u64, to - from, ARRAY_SIZE(chunk));
		if (copy_from_user(chunk, words + from, n * sizeof(u64)))
			return -EFAULT;
		if (memchr_inv(chunk, 0, n * sizeof(u64)))
			return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * VHOST_GET/SET_FEATURES_ARRAY: the same feature set as a count of u64
 * words followed by the words. Words past ours read as zero and must be
 * zero when set; a count above VHOST_FEATURE_WORDS_MAX is -EINVAL.
 */
static long vhost_dev_features_array(struct vhost_dev *dev, unsigned int cmd,
				     void __user *argp)
{
	u64 __user *words = argp + sizeof(u64);
	u64 ours[VHOST_FEATURE_WORDS] = { dev->ops->features };
	u64 want[VHOST_FEATURE_WORDS] = { };
	u64 count, i;
	int ret;

	if (get_user(count, (u64 __user *)argp))
		return -EFAULT;
	if (count > VHOST_FEATURE_WORDS_MAX)
		return -EINVAL;
	i = min_t(u64, count, VHOST_FEATURE_WORDS);
	if (cmd == VHOST_GET_FEATURES_ARRAY) {
		if (copy_to_user(words, ours, i * sizeof(u64)) ||
		    clear_user(words + i, (count - i) * sizeof(u64)))
			return -EFAULT;
		return 0;
	}
	ret = vhost_features_check_zero(words, i, count);
	if (ret)
		return ret;
	if (copy_from_user(want, words, i * sizeof(u64)))
		return -EFAULT;
	return vhost_dev_set_features(dev, want, i);
}

/* Ioctls that need no owner. */
static long vhost_dev_open_ioctl(struct vhost_dev *dev, unsigned int cmd,
				 void __user *argp)
{
	u64 f;

	switch (cmd) {
	case VHOST_GET_FEATURES:
		return put_user(dev->ops->features, (u64 __user *)argp);
	case VHOST_SET_FEATURES:
		if (copy_from_user(&f, argp, sizeof(f)))
			return -EFAULT;
		return vhost_dev_set_features(dev, &f, 1);
	case VHOST_GET_BACKEND_FEATURES:
		return put_user(dev->ops->backend_features, (u64 __user *)argp);
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&f, argp, sizeof(f)))
			return -EFAULT;
		return vhost_dev_set_backend_features(dev, f);
	case VHOST_GET_FEATURES_ARRAY:
	case VHOST_SET_FEATURES_ARRAY:
		return vhost_dev_features_array(dev, cmd, argp);
	case VHOST_SET_OWNER:
		return vhost_dev_set_owner(dev);
	case VHOST_SET_FORK_FROM_OWNER:
	case VHOST_GET_FORK_FROM_OWNER:
		return vhost_dev_fork_owner(dev, cmd, argp);
	}
	return -ENOIOCTLCMD;
}

static long vhost_dev_worker_ioctl(struct vhost_dev *dev, unsigned int cmd,
				   void __user *argp)
{
	struct vhost_worker_state s;
	long ret;

	if (cmd == VHOST_NEW_WORKER) {
		ret = vhost_worker_new(dev, &s.worker_id);
		if (!ret && copy_to_user(argp, &s, sizeof(s)))
			ret = -EFAULT;
		return ret;
	}
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	return vhost_worker_free(dev, s.worker_id);
}

/*
 * VHOST_SET_MEM_TABLE. With a dirty log set, every region's pages must have
 * their bits inside the log's user mapping, or writes to it could not be
 * logged.
 */
static long vhost_dev_set_mem_table(struct vhost_dev *dev,
				    struct vhost_memory __user *m)
{
	struct vhost_memmap *map = vhost_memmap_from_user(m);

	if (IS_ERR(map))
		return PTR_ERR(map);
	if (!vhost_log_covers(dev->log_base, map)) {
		kvfree(map);
		return -EFAULT;
	}
	vhost_memmap_install(dev, map);
	return 0;
}

/* Ioctls for the owner only. */
static long vhost_dev_owner_ioctl(struct vhost_dev *dev, unsigned int cmd,
				  void __user *argp)
{
	u64 base;
	int fd;

	switch (cmd) {
	case VHOST_RESET_OWNER:
		vhost_dev_teardown(dev);
		return 0;
	case VHOST_SET_MEM_TABLE:
		return vhost_dev_set_mem_table(dev, argp);
	case VHOST_SET_LOG_BASE:
		if (copy_from_user(&base, argp, sizeof(base)))
			return -EFAULT;
		return vhost_log_set_base(dev, base);
	case VHOST_SET_LOG_FD:
		if (copy_from_user(&fd, argp, sizeof(fd)))
			return -EFAULT;
		return vhost_log_set_fd(dev, fd);
	case VHOST_NEW_WORKER:
	case VHOST_FREE_WORKER:
		return vhost_dev_worker_ioctl(dev, cmd, argp);
	}
	return vhost_vring_ioctl(dev, cmd, argp);
}

/*
 * vhost_dev_ioctl - every ioctl the core implements
 * @dev: the device
 * @cmd: the ioctl
 * @argp: its user argument
 *
 * Return: the ioctl's result, or -ENOIOCTLCMD for one the core does not
 * know either (the device's ops->ioctl was asked first).
 */
static long vhost_dev_ioctl(struct vhost_dev *dev, unsigned int cmd,
			    void __user *argp)
{
	long ret;

	mutex_lock(&dev->mutex);
	ret = vhost_dev_open_ioctl(dev, cmd, argp);
	if (ret == -ENOIOCTLCMD) {
		/* Like Linux: anything else needs the owner, even unknowns. */
		ret = vhost_dev_check_owner(dev);
		if (!ret)
			ret = vhost_dev_owner_ioctl(dev, cmd, argp);
	}
	mutex_unlock(&dev->mutex);
	return ret;
}

/**
 * vhost_fop_ioctl - ioctl() on a vhost fd
 * @f: the file; its private_data is the struct vhost_dev
 * @cmd: the ioctl
 * @arg: its argument, a user pointer
 *
 * The device's own ioctls first (ops->ioctl), then the core's.
 *
 * Context: process context; takes dev->mutex.
 *
 * Return: the ioctl's result, -ENOTTY for one neither knows.
 */
long vhost_fop_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct vhost_dev *dev = f->private_data;
	void __user *argp = (void __user *)arg;
	long ret = -ENOIOCTLCMD;

	if (dev->ops->ioctl)
		ret = dev->ops->ioctl(dev, cmd, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vhost_dev_ioctl(dev, cmd, argp);
	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}
EXPORT_SYMBOL_GPL(vhost_fop_ioctl);

/**
 * vhost_fop_read_iter - read() on a vhost fd: IOTLB messages
 * @iocb: the request; its file's private_data is the struct vhost_dev
 * @to: where the message goes
 *
 * Return: bytes read or -errno.
 */
ssize_t vhost_fop_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vhost_dev *dev = iocb->ki_filp->private_data;

	return vhost_iotlb_read(dev, to, iocb->ki_flags & IOCB_NOWAIT ||
				iocb->ki_filp->f_flags & O_NONBLOCK);
}
EXPORT_SYMBOL_GPL(vhost_fop_read_iter);

/**
 * vhost_fop_write_iter - write() on a vhost fd: IOTLB messages
 * @iocb: the request; its file's private_data is the struct vhost_dev
 * @from: the message
 *
 * Return: bytes consumed or -errno.
 */
ssize_t vhost_fop_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	return vhost_iotlb_write(iocb->ki_filp->private_data, from);
}
EXPORT_SYMBOL_GPL(vhost_fop_write_iter);

/**
 * vhost_fop_poll - poll() on a vhost fd
 * @file: the fd; its private_data is the struct vhost_dev
 * @wait: the poll table
 *
 * Return: the event mask.
 */
__poll_t vhost_fop_poll(struct file *file, poll_table *wait)
{
	return vhost_iotlb_poll(file->private_data, file, wait);
}
EXPORT_SYMBOL_GPL(vhost_fop_poll);
