/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels we build against (Debian 12's 6.1
 * and 6.12) lives here, so the rest of the code reads as one version.
 */
#ifndef VHOST_OOT_COMPAT_H
#define VHOST_OOT_COMPAT_H

#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/skbuff.h>
#include <linux/uio.h>

/* Iterator directions were renamed in 6.2; the values are unchanged. */
#ifndef ITER_SOURCE
#define ITER_SOURCE WRITE
#define ITER_DEST READ
#endif

/* eventfd_signal() lost its count argument in 6.8. */
static inline void vhost_eventfd_kick(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * A zero-copy buffer's completion: a function pointer in struct ubuf_info
 * until 6.10, an ops table since.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define VHOST_DEFINE_UBUF_OPS(name, fn)					\
	static const struct ubuf_info_ops name = { .complete = fn }
#define vhost_ubuf_set_ops(ubuf, name) ((ubuf)->ops = &(name))
#else
#define VHOST_DEFINE_UBUF_OPS(name, fn)					\
	static void (*const name)(struct sk_buff *, struct ubuf_info *, bool) = fn
#define vhost_ubuf_set_ops(ubuf, name) ((ubuf)->callback = (name))
#endif

/*
 * Workers forked from the owner (a "vhost task" that lives in the owner's
 * thread group) exist since 6.4; the kill callback since 6.11. Older
 * kernels only have the kernel-thread model.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0) && IS_ENABLED(CONFIG_VHOST_TASK)
#define VHOST_HAVE_OWNER_TASK 1
#include <linux/sched/vhost_task.h>

static inline struct vhost_task *
vhost_compat_task_create(bool (*fn)(void *), void (*killed)(void *),
			 void *arg, const char *name)
{
	struct vhost_task *t = vhost_task_create(fn, killed, arg, name);

	/* Some stable releases return NULL, later ones an ERR_PTR. */
	if (IS_ERR_OR_NULL(t))
		return NULL;
	return t;
}
#else
#define VHOST_HAVE_OWNER_TASK 0
struct vhost_task;

static inline struct vhost_task *
vhost_compat_task_create(bool (*fn)(void *), void (*killed)(void *),
			 void *arg, const char *name)
{
	return NULL;
}

static inline void vhost_task_start(struct vhost_task *t) { }
static inline void vhost_task_stop(struct vhost_task *t) { }
static inline void vhost_task_wake(struct vhost_task *t) { }
#endif

/*
 * virtio-vsock's shared code (only for files that include
 * <linux/virtio_vsock.h> first). Kbuild probes the kernel's headers for
 * the VHOST_VSOCK_HAVE_* names: Debian's trees carry backports that make
 * version numbers misleading here.
 */
#ifdef _LINUX_VIRTIO_VSOCK_H

/* The payload length of a packet built from guest memory. */
static inline void vhost_vsock_skb_set_len(struct sk_buff *skb, u32 len)
{
#ifdef VHOST_VSOCK_HAVE_SKB_PUT
	virtio_vsock_skb_put(skb, len);
#else
	virtio_vsock_skb_rx_put(skb);	/* reads the header's len */
#endif
}

/*
 * Payload bytes of a packet for the guest already written into its
 * buffers, when the packet goes out in parts (alloc_skb() zeroes the
 * control block). The shared control block has an offset for this since
 * nonlinear vsock skbs (6.7), before either probed name existed; Debian's
 * 6.1 has only its two flags, and room after them that nothing else uses
 * while the packet waits in our queue.
 */
#if defined(VHOST_VSOCK_HAVE_SKB_PUT) || defined(VHOST_VSOCK_HAVE_CONSUME_SENT)
static inline u32 *vhost_vsock_skb_sent(struct sk_buff *skb)
{
	return &VIRTIO_VSOCK_SKB_CB(skb)->offset;
}
#else
struct vhost_vsock_skb_cb {
	struct virtio_vsock_skb_cb common;
	u32 sent;
};

static inline u32 *vhost_vsock_skb_sent(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct vhost_vsock_skb_cb) > sizeof(skb->cb));
	return &((struct vhost_vsock_skb_cb *)skb->cb)->sent;
}
#endif

/* A packet went to the guest, or never will: SIOCOUTQ accounting. */
static inline void vhost_vsock_consume_sent(struct sk_buff *skb)
{
#ifdef VHOST_VSOCK_HAVE_CONSUME_SENT
	virtio_transport_consume_skb_sent(skb, true);
#else
	consume_skb(skb);
#endif
}

static inline void vhost_vsock_drop_unsent(struct sk_buff *skb)
{
#ifdef VHOST_VSOCK_HAVE_CONSUME_SENT
	virtio_transport_consume_skb_sent(skb, false);
#endif
	kfree_skb(skb);
}

/* struct vsock_transport members newer kernels have (set before register). */
static inline void vhost_vsock_newer_ops(struct vsock_transport *t)
{
#ifdef VHOST_VSOCK_HAVE_UNSENT_BYTES
	t->unsent_bytes = virtio_transport_unsent_bytes;
#endif
#ifdef VHOST_VSOCK_HAVE_SET_RCVLOWAT
	t->notify_set_rcvlowat = virtio_transport_notify_set_rcvlowat;
#endif
#ifdef VHOST_VSOCK_HAVE_READ_SKB
	t->read_skb = virtio_transport_read_skb;
#endif
}

#endif /* _LINUX_VIRTIO_VSOCK_H */

/*
 * The LIO target core (only for files that include
 * <target/target_core_fabric.h> first). Since 6.10 target_submit() picks
 * queued or direct submission itself, from the fabric's defaults; before,
 * a fabric queued with target_queue_submission(). Kbuild probes for
 * VHOST_SCSI_HAVE_SUBMIT_TYPE.
 */
#ifdef TARGET_CORE_FABRIC_H

static inline void vhost_scsi_set_submit_type(struct target_core_fabric_ops *o)
{
#ifdef VHOST_SCSI_HAVE_SUBMIT_TYPE
	o->direct_submit_supp = 1;
	o->default_submit_type = TARGET_QUEUE_SUBMIT;
#endif
}

/* Hand a prepared command to the core's submission workqueue. */
static inline void vhost_scsi_submit(struct se_cmd *cmd)
{
#ifdef VHOST_SCSI_HAVE_SUBMIT_TYPE
	target_submit(cmd);
#else
	target_queue_submission(cmd);
#endif
}

#endif /* TARGET_CORE_FABRIC_H */

#endif /* VHOST_OOT_COMPAT_H */
