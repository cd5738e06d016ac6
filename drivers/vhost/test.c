// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-test: a loopback device that exercises the core alone.
 *
 * For each chain, the bytes the driver made readable are copied into the
 * chain's writable part; used.len is the number of bytes written. A chain
 * with no writable part is consumed with used.len 0, as Linux's test
 * device does, so tools/virtio's virtio_test runs against it unchanged.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vhost_test.h>

#include "vhost.h"

struct vhost_test {
	struct vhost_dev dev;
	struct vhost_virtqueue vq;
	struct vhost_virtqueue *vqs[1];
	u8 bounce[PAGE_SIZE];
};

/* Copy the readable part into the writable part; bytes written or -EFAULT. */
static ssize_t vhost_test_loop(struct vhost_test *t, struct vhost_chain *c)
{
	size_t todo = min(c->out_len, c->in_len), done = 0;
	struct iov_iter src, dst;

	iov_iter_init(&src, ITER_SOURCE, c->iov, c->out, c->out_len);
	iov_iter_init(&dst, ITER_DEST, c->iov + c->out, c->in, c->in_len);
	while (done < todo) {
		size_t n = min(todo - done, sizeof(t->bounce));

		if (copy_from_iter(t->bounce, n, &src) != n ||
		    copy_to_iter(t->bounce, n, &dst) != n)
			return -EFAULT;
		done += n;
	}
	return done;
}

/* One chain: its readable bytes copied into its writable part. */
static ssize_t vhost_test_chain(struct vhost_virtqueue *vq,
				struct vhost_chain *c)
{
	struct vhost_test *t = container_of(vq->dev, struct vhost_test, dev);
	ssize_t len = vhost_test_loop(t, c);

	if (len < 0) {
		vhost_vq_error(vq, "chain %u: buffer not accessible", c->head);
		return len;
	}
	vhost_vq_log_write(vq, c, len);
	vhost_vq_add_used(vq, c->head, len);
	return c->out_len + len;
}

static const struct vhost_chain_handler vhost_test_chains = {
	.handle = vhost_test_chain,
};

static void vhost_test_handle(struct vhost_work *work)
{
	vhost_vq_run(container_of(work, struct vhost_virtqueue, poll.work),
		     &vhost_test_chains);
}

/*
 * Start (@on) or stop the ring. Starting looks at the ring once and waits
 * for that look, so buffers made available while stopped are used by the
 * time VHOST_TEST_RUN returns; a kick is the only later trigger. Stopping
 * waits for a running handler.
 */
static void vhost_test_run_ring(struct vhost_test *t, bool on)
{
	lockdep_assert_held(&t->dev.mutex);
	if (on) {
		vhost_dev_start_rings(&t->dev, t);
		vhost_dev_flush(&t->dev);
	} else {
		vhost_dev_stop_rings(&t->dev);
	}
}

/* The device's own ioctls; the core's are tried after them. */
static long vhost_test_ioctl(struct vhost_dev *dev, unsigned int cmd,
			     void __user *argp)
{
	struct vhost_test *t = container_of(dev, struct vhost_test, dev);
	struct vhost_vring_file backend;
	long ret;
	int run;

	switch (cmd) {
	case VHOST_TEST_RUN:
		if (get_user(run, (int __user *)argp))
			return -EFAULT;
		if (run != 0 && run != 1)
			return -EINVAL;
		break;
	case VHOST_TEST_SET_BACKEND:
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		if (backend.index >= 1)
			return -ENOBUFS;
		run = backend.fd != VHOST_FILE_UNBIND;
		break;
	default:
		return -ENOIOCTLCMD;
	}

	mutex_lock(&t->dev.mutex);
	ret = vhost_dev_check_owner(&t->dev);
	if (!ret)
		vhost_test_run_ring(t, run);
	mutex_unlock(&t->dev.mutex);
	return ret;
}

/* Linux's test device offers no ring reset: neither do we. */
static const struct vhost_dev_ops vhost_test_ops = {
	.features = VHOST_BASE_FEATURES,
	.backend_features = VHOST_BASE_BACKEND_FEATURES,
	.ioctl = vhost_test_ioctl,
};

static int vhost_test_open(struct inode *inode, struct file *f)
{
	struct vhost_test *t = kvzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!t)
		return -ENOMEM;
	t->vqs[0] = &t->vq;
	t->vq.handle_kick = vhost_test_handle;
	ret = vhost_dev_init(&t->dev, "test", &vhost_test_ops, t->vqs, 1);
	if (ret) {
		kvfree(t);
		return ret;
	}
	f->private_data = &t->dev;
	return 0;
}

static int vhost_test_release(struct inode *inode, struct file *f)
{
	struct vhost_test *t = container_of(f->private_data, struct vhost_test, dev);

	vhost_dev_cleanup(&t->dev);
	kvfree(t);
	return 0;
}

DEFINE_VHOST_MISCDEV(vhost_test_misc, "vhost-test", MISC_DYNAMIC_MINOR,
		     vhost_test_open, vhost_test_release);
module_misc_device(vhost_test_misc);

MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Loopback test device for the vhost core (out-of-tree)");
