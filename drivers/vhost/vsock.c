// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-vsock: the host end of virtio-vsock, registered with AF_VSOCK
 * as its host-to-guest transport.
 *
 * Ring 0 carries packets to the guest, ring 1 packets from it; the event
 * ring stays with the hypervisor. Each open device serves one guest, named
 * by the CID set with VHOST_VSOCK_SET_GUEST_CID; AF_VSOCK hands every
 * packet for a CID above 2 to us, and we find the device by that CID.
 *
 * Connection state, credit and the socket calls are AF_VSOCK's shared
 * virtio code; this file moves packets between it and the rings, checks
 * what the guest sends (its own CID as source, the host as destination,
 * a length its buffers hold), and resets host sockets when a guest goes.
 */
#include <linux/file.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/virtio_vsock.h>
#include <linux/xarray.h>
#include <net/af_vsock.h>

#include "compat_vsock.h"
#include "vhost.h"

#define VHOST_VSOCK_FEATURES						\
	(VHOST_BASE_FEATURES | BIT_ULL(VIRTIO_F_RING_RESET) |		\
	 BIT_ULL(VIRTIO_F_IN_ORDER) | BIT_ULL(VIRTIO_VSOCK_F_SEQPACKET))

enum { VHOST_VSOCK_TO_GUEST, VHOST_VSOCK_FROM_GUEST, VHOST_VSOCK_NRINGS };

/**
 * struct vhost_vsock - one guest's device
 * @dev: the core device
 * @rings: ring 0 to the guest, ring 1 from it
 * @vqs: pointers to @rings for the core
 * @cid: the guest's CID, 0 until set (written under @dev's mutex; the
 *	worker reads it with READ_ONCE())
 * @out: packets for the guest, oldest first
 * @out_work: moves @out into ring 0
 * @replies: packets in @out that answer the guest (RST, RESPONSE, credit);
 *	ring 1 is not read while there are a ring's worth, so a guest that
 *	sends without reading cannot make us queue without bound
 */
struct vhost_vsock {
	struct vhost_dev dev;
	struct vhost_virtqueue rings[VHOST_VSOCK_NRINGS];
	struct vhost_virtqueue *vqs[VHOST_VSOCK_NRINGS];
	u32 cid;
	struct sk_buff_head out;
	struct vhost_work out_work;
	atomic_t replies;
};

/* Devices by guest CID; lookups under RCU. */
static DEFINE_XARRAY(vhost_vsock_cids);

static struct vhost_vsock *vhost_vsock_by_cid(u32 cid)
{
	return xa_load(&vhost_vsock_cids, cid);
}

/* ---- AF_VSOCK's side ------------------------------------------------ */

static struct virtio_transport vhost_vsock_transport;

static u32 vhost_vsock_local_cid(void)
{
	return VMADDR_CID_HOST;
}

/* A packet from a host socket; we own it whatever happens. */
static int vhost_vsock_send_pkt(struct sk_buff *skb)
{
	u32 cid = le64_to_cpu(virtio_vsock_hdr(skb)->dst_cid);
	int len = skb->len;
	struct vhost_vsock *v;

	rcu_read_lock();
	v = vhost_vsock_by_cid(cid);
	if (!v) {
		rcu_read_unlock();
		kfree_skb(skb);
		return -ENODEV;
	}
	if (virtio_vsock_skb_reply(skb))
		atomic_inc(&v->replies);
	virtio_vsock_skb_queue_tail(&v->out, skb);
	vhost_vq_work_queue(&v->rings[VHOST_VSOCK_TO_GUEST], &v->out_work);
	rcu_read_unlock();
	return len;
}

/* Drop what a socket queued and the guest has not taken yet. */
static int vhost_vsock_cancel_pkt(struct vsock_sock *vsk)
{
	struct vhost_vsock *v;
	int replies;

	rcu_read_lock();
	v = vhost_vsock_by_cid(vsk->remote_addr.svm_cid);
	if (!v) {
		rcu_read_unlock();
		return -ENODEV;
	}
	replies = virtio_transport_purge_skbs(vsk, &v->out);
	if (replies && atomic_sub_return(replies, &v->replies) <
	    (int)v->rings[VHOST_VSOCK_FROM_GUEST].num)
		vhost_poll_queue(&v->rings[VHOST_VSOCK_FROM_GUEST].poll);
	rcu_read_unlock();
	return 0;
}

static bool vhost_vsock_seqpacket_allow(u32 cid)
{
	struct vhost_vsock *v;
	bool ok;

	rcu_read_lock();
	v = vhost_vsock_by_cid(cid);
	ok = v && vhost_has_feature(&v->rings[VHOST_VSOCK_FROM_GUEST],
				    VIRTIO_VSOCK_F_SEQPACKET);
	rcu_read_unlock();
	return ok;
}

/*
 * AF_VSOCK's host-to-guest transport. The table holds what is ours: which
 * CID we are, queueing a packet towards a guest, dropping a socket's queued
 * packets, whether a guest took SEQPACKET.
 */
static struct virtio_transport vhost_vsock_transport = {
	.send_pkt = vhost_vsock_send_pkt,
	.transport = {
		.module = THIS_MODULE,
		.get_local_cid = vhost_vsock_local_cid,
		.cancel_pkt = vhost_vsock_cancel_pkt,
		.seqpacket_allow = vhost_vsock_seqpacket_allow,
	},
};

/*
 * The rest of a socket's behaviour is the shared virtio-vsock code's, the
 * same a guest's transport runs: plugged in once, before the transport is
 * registered, together with the hooks only newer kernels have.
 */
static void __init vhost_vsock_use_shared_code(struct vsock_transport *t)
{
	/* Socket life: set up, connect, shut down, tear down. */
	t->init = virtio_transport_do_socket_init;
	t->connect = virtio_transport_connect;
	t->shutdown = virtio_transport_shutdown;
	t->release = virtio_transport_release;
	t->destruct = virtio_transport_destruct;

	/* Data, by socket type (datagrams: refused by the shared code). */
	t->stream_allow = virtio_transport_stream_allow;
	t->stream_is_active = virtio_transport_stream_is_active;
	t->stream_enqueue = virtio_transport_stream_enqueue;
	t->stream_dequeue = virtio_transport_stream_dequeue;
	t->stream_has_data = virtio_transport_stream_has_data;
	t->stream_has_space = virtio_transport_stream_has_space;
	t->stream_rcvhiwat = virtio_transport_stream_rcvhiwat;
	t->seqpacket_enqueue = virtio_transport_seqpacket_enqueue;
	t->seqpacket_dequeue = virtio_transport_seqpacket_dequeue;
	t->seqpacket_has_data = virtio_transport_seqpacket_has_data;
	t->dgram_allow = virtio_transport_dgram_allow;
	t->dgram_bind = virtio_transport_dgram_bind;
	t->dgram_enqueue = virtio_transport_dgram_enqueue;

	/* Credit and wake-up bookkeeping around sends and receives. */
	t->notify_buffer_size = virtio_transport_notify_buffer_size;
	t->notify_poll_in = virtio_transport_notify_poll_in;
	t->notify_poll_out = virtio_transport_notify_poll_out;
	t->notify_send_init = virtio_transport_notify_send_init;
	t->notify_send_pre_block = virtio_transport_notify_send_pre_block;
	t->notify_send_pre_enqueue = virtio_transport_notify_send_pre_enqueue;
	t->notify_send_post_enqueue = virtio_transport_notify_send_post_enqueue;
	t->notify_recv_init = virtio_transport_notify_recv_init;
	t->notify_recv_pre_block = virtio_transport_notify_recv_pre_block;
	t->notify_recv_pre_dequeue = virtio_transport_notify_recv_pre_dequeue;
	t->notify_recv_post_dequeue = virtio_transport_notify_recv_post_dequeue;
	vhost_vsock_newer_ops(t);
}

/* ---- ring 0: packets to the guest ------------------------------------ */

/*
 * Write the next part of @skb into one receive buffer: its header, then as
 * much of the payload not sent yet as fits (the header's len says how
 * much). A SEQPACKET message split over buffers keeps its end-of-message
 * flags on the last part only.
 *
 * The skb itself stays whole (its len is what SIOCOUTQ accounting takes
 * back when it goes, and pulling from a nonlinear one may need memory we
 * cannot get); only the count of bytes sent, in its control block, moves.
 *
 * Return: bytes written, with *@done when nothing of @skb is left; -errno.
 */
static ssize_t vhost_vsock_fill(struct vhost_virtqueue *vq,
				const struct vhost_chain *c,
				struct sk_buff *skb, bool *done)
{
	struct virtio_vsock_hdr h = *virtio_vsock_hdr(skb);
	u32 *sent = vhost_vsock_skb_sent(skb);
	size_t n = skb->len - *sent;
	struct iov_iter to;

	if (c->in_len < sizeof(h)) {
		vhost_vq_error(vq, "receive buffer %u: %zu bytes, under the %zu-byte header",
			       c->head, c->in_len, sizeof(h));
		return -EINVAL;
	}
	n = min(n, c->in_len - sizeof(h));
	*done = *sent + n == skb->len;
	h.len = cpu_to_le32(n);
	if (!*done)
		h.flags &= ~cpu_to_le32(VIRTIO_VSOCK_SEQ_EOM | VIRTIO_VSOCK_SEQ_EOR);
	iov_iter_init(&to, ITER_DEST, c->iov, c->in, c->in_len);
	if (copy_to_iter(&h, sizeof(h), &to) != sizeof(h) ||
	    skb_copy_datagram_iter(skb, *sent, &to, n))
		return -EFAULT;
	*sent += n;
	return sizeof(h) + n;
}

/* A packet left our queue for good: let ring 1 go on if replies held it. */
static void vhost_vsock_sent(struct vhost_vsock *v, struct sk_buff *skb)
{
	struct vhost_virtqueue *from = &v->rings[VHOST_VSOCK_FROM_GUEST];

	if (virtio_vsock_skb_reply(skb) &&
	    atomic_dec_return(&v->replies) + 1 == (int)from->num)
		vhost_poll_queue(&from->poll);
	vhost_vsock_consume_sent(skb);
}

static void vhost_vsock_to_guest(struct vhost_work *work)
{
	struct vhost_vsock *v = container_of(work, struct vhost_vsock, out_work);
	struct vhost_virtqueue *vq = &v->rings[VHOST_VSOCK_TO_GUEST];
	unsigned int packets = 0;
	struct vhost_chain c;
	struct sk_buff *skb;
	size_t bytes = 0;
	ssize_t len;
	bool done;
	int ret;

	mutex_lock(&vq->mutex);
	if (!vhost_vq_get_backend(vq) || !vhost_vq_ready(vq))
		goto out;
	vhost_vq_disable_notify(vq);
	while ((skb = virtio_vsock_skb_dequeue(&v->out))) {
		ret = vhost_vq_fetch(vq, &c);
		if (ret <= 0 || unlikely(c.out)) {
			virtio_vsock_skb_queue_head(&v->out, skb);
			if (ret > 0)
				vhost_vq_error(vq, "receive buffer %u is device-readable",
					       c.head);
			else if (!ret && vhost_vq_wait_for_buffers(vq) &&
				 !vhost_vq_over_weight(vq, ++packets, bytes))
				continue;	/* a look that found nothing counts */
			break;
		}
		/* The tap sees the whole packet once, before its first part. */
		if (!*vhost_vsock_skb_sent(skb))
			virtio_transport_deliver_tap_pkt(skb);
		len = vhost_vsock_fill(vq, &c, skb, &done);
		if (len < 0) {
			/* The buffer stays the guest's; the packet is lost. */
			vhost_vq_unfetch(vq, 1);
			if (len == -EFAULT)
				vhost_vq_error(vq, "receive buffer %u not writable",
					       c.head);
			vhost_vsock_sent(v, skb);
			vq->stats.drops++;
			break;
		}
		vhost_vq_log_write(vq, &c, len);
		vhost_vq_add_used(vq, c.head, len);
		if (done)
			vhost_vsock_sent(v, skb);
		else
			virtio_vsock_skb_queue_head(&v->out, skb);
		bytes += len;
		if (vhost_vq_over_weight(vq, ++packets, bytes))
			break;
	}
	vhost_vq_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

static void vhost_vsock_to_guest_kick(struct vhost_work *work)
{
	struct vhost_poll *p = container_of(work, struct vhost_poll, work);
	struct vhost_vsock *v = container_of(p->vq, struct vhost_vsock,
					     rings[VHOST_VSOCK_TO_GUEST]);

	vhost_vsock_to_guest(&v->out_work);
}

/* ---- ring 1: packets from the guest ---------------------------------- */

/* One chain as a packet for AF_VSOCK, or NULL if the guest got it wrong. */
static struct sk_buff *vhost_vsock_read_packet(struct vhost_vsock *v,
					       struct vhost_virtqueue *vq,
					       const struct vhost_chain *c)
{
	struct virtio_vsock_hdr h;
	struct iov_iter from;
	struct sk_buff *skb;
	u32 len;

	iov_iter_init(&from, ITER_SOURCE, c->iov, c->out, c->out_len);
	if (copy_from_iter(&h, sizeof(h), &from) != sizeof(h)) {
		pr_warn_ratelimited("guest packet %u: %zu bytes, under the header\n",
				    c->head, c->out_len);
		return NULL;
	}
	len = le32_to_cpu(h.len);
	if (len > iov_iter_count(&from) || len > VIRTIO_VSOCK_MAX_PKT_BUF_SIZE) {
		pr_warn_ratelimited("guest packet %u: header says %u payload bytes, chain has %zu\n",
				    c->head, len, iov_iter_count(&from));
		return NULL;
	}
	/* The guest speaks for itself only, and only to the host. */
	if (le64_to_cpu(h.src_cid) != READ_ONCE(v->cid) ||
	    le64_to_cpu(h.dst_cid) != VMADDR_CID_HOST)
		return NULL;
	if (le16_to_cpu(h.type) == VIRTIO_VSOCK_TYPE_SEQPACKET &&
	    !vhost_has_feature(vq, VIRTIO_VSOCK_F_SEQPACKET))
		return NULL;
	skb = virtio_vsock_alloc_skb(VIRTIO_VSOCK_SKB_HEADROOM + len, GFP_KERNEL);
	if (!skb)
		return NULL;
	*virtio_vsock_hdr(skb) = h;
	vhost_vsock_skb_set_len(skb, len);
	if (skb_copy_datagram_from_iter(skb, 0, &from, len)) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

static struct vhost_vsock *vhost_vsock_of_from_guest(struct vhost_virtqueue *vq)
{
	return container_of(vq, struct vhost_vsock, rings[VHOST_VSOCK_FROM_GUEST]);
}

/* Answers pile up unread: wait for ring 0 to take some. */
static bool vhost_vsock_may_take_packet(struct vhost_virtqueue *vq)
{
	return atomic_read(&vhost_vsock_of_from_guest(vq)->replies) < (int)vq->num;
}

static ssize_t vhost_vsock_packet_from_guest(struct vhost_virtqueue *vq,
					     struct vhost_chain *c)
{
	struct vhost_vsock *v = vhost_vsock_of_from_guest(vq);
	struct sk_buff *skb;

	if (unlikely(c->in)) {
		vhost_vq_error(vq, "packet %u has device-writable descriptors",
			       c->head);
		return -EINVAL;
	}
	skb = vhost_vsock_read_packet(v, vq, c);
	if (skb) {
		virtio_transport_deliver_tap_pkt(skb);
		virtio_transport_recv_pkt(&vhost_vsock_transport, skb);
	} else {
		vq->stats.drops++;
	}
	vhost_vq_add_used(vq, c->head, 0);
	return c->out_len;
}

static const struct vhost_chain_handler vhost_vsock_from_guest_chains = {
	.may_fetch = vhost_vsock_may_take_packet,
	.handle = vhost_vsock_packet_from_guest,
};

static void vhost_vsock_from_guest(struct vhost_work *work)
{
	vhost_vq_run(container_of(work, struct vhost_poll, work)->vq,
		     &vhost_vsock_from_guest_chains);
}

/* ---- the device -------------------------------------------------------- */

/* CIDs a guest may have: not reserved, not ANY, not local to this host. */
static bool vhost_vsock_cid_valid(u64 cid)
{
	return cid > VMADDR_CID_HOST && cid < U32_MAX && !vsock_find_cid(cid);
}

/* VHOST_VSOCK_SET_GUEST_CID, with the device's mutex held. */
static long vhost_vsock_set_cid(struct vhost_vsock *v, u64 cid)
{
	u32 old;
	int ret;

	lockdep_assert_held(&v->dev.mutex);
	old = v->cid;
	if (!vhost_vsock_cid_valid(cid))
		return -EINVAL;
	if (cid == old)
		return 0;
	ret = xa_insert(&vhost_vsock_cids, cid, v, GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -EADDRINUSE : ret;
	WRITE_ONCE(v->cid, cid);
	if (old)
		xa_erase(&vhost_vsock_cids, old);
	return 0;
}

/*
 * Start or stop both rings; packets queued meanwhile wait in @out. Starting
 * runs both handlers once: the to-guest one sends what @out holds, the
 * from-guest one reads what the guest sent while the rings were stopped.
 */
static void vhost_vsock_set_running(struct vhost_vsock *v, bool run)
{
	lockdep_assert_held(&v->dev.mutex);
	if (run)
		vhost_dev_start_rings(&v->dev, v);
	else
		vhost_dev_stop_rings(&v->dev);
}

/* The device's own ioctls; the core's are tried after them. */
static long vhost_vsock_ioctl(struct vhost_dev *dev, unsigned int cmd,
			      void __user *argp)
{
	struct vhost_vsock *v = container_of(dev,
					     struct vhost_vsock, dev);
	long ret;
	u64 cid;
	int run;

	switch (cmd) {
	case VHOST_VSOCK_SET_GUEST_CID:
		if (copy_from_user(&cid, argp, sizeof(cid)))
			return -EFAULT;
		/*
		 * Before any owner too: libvirt reserves the CID on a fresh
		 * fd, then hands the fd to QEMU, which becomes the owner.
		 */
		mutex_lock(&v->dev.mutex);
		ret = v->dev.mm ? vhost_dev_check_owner(&v->dev) : 0;
		if (!ret)
			ret = vhost_vsock_set_cid(v, cid);
		mutex_unlock(&v->dev.mutex);
		return ret;
	case VHOST_VSOCK_SET_RUNNING:
		if (copy_from_user(&run, argp, sizeof(run)))
			return -EFAULT;
		mutex_lock(&v->dev.mutex);
		ret = vhost_dev_check_owner(&v->dev);
		if (!ret)
			vhost_vsock_set_running(v, run);
		mutex_unlock(&v->dev.mutex);
		return ret;
	}
	return -ENOIOCTLCMD;
}

static const struct vhost_dev_ops vhost_vsock_ops = {
	.features = VHOST_VSOCK_FEATURES,
	.backend_features = VHOST_BASE_BACKEND_FEATURES,
	.ioctl = vhost_vsock_ioctl,
};

static int vhost_vsock_open(struct inode *inode, struct file *f)
{
	struct vhost_vsock *v = kvzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	int i, ret;

	if (!v)
		return -ENOMEM;
	skb_queue_head_init(&v->out);
	vhost_work_init(&v->out_work, vhost_vsock_to_guest);
	v->rings[VHOST_VSOCK_TO_GUEST].handle_kick = vhost_vsock_to_guest_kick;
	v->rings[VHOST_VSOCK_FROM_GUEST].handle_kick = vhost_vsock_from_guest;
	for (i = 0; i < VHOST_VSOCK_NRINGS; i++)
		v->vqs[i] = &v->rings[i];
	ret = vhost_dev_init(&v->dev, "vsock", &vhost_vsock_ops, v->vqs,
			     VHOST_VSOCK_NRINGS);
	if (ret) {
		kvfree(v);
		return ret;
	}
	f->private_data = &v->dev;
	return 0;
}

/* Sockets connected to a guest that is gone: reset (under a spinlock). */
static void vhost_vsock_reset_orphan(struct sock *sk)
{
	struct vsock_sock *vsk = vsock_sk(sk);
	bool gone;

	/*
	 * A socket its owner closed is waiting for the guest's answer: its
	 * close timeout finishes it, and must find it not done yet. Both
	 * kernels we build for set SOCK_DEAD under the socket lock before
	 * the transport's release can schedule that timeout, so every socket
	 * with one pending is skipped here (close_work_scheduled, which
	 * upstream tests, is set later in the same locked section).
	 */
	if (sock_flag(sk, SOCK_DEAD))
		return;
	rcu_read_lock();
	gone = !vhost_vsock_by_cid(vsk->remote_addr.svm_cid);
	rcu_read_unlock();
	if (!gone)
		return;
	/* Readers see the error once, then the end of the stream. */
	sock_set_flag(sk, SOCK_DONE);
	vsk->peer_shutdown = SHUTDOWN_MASK;
	sk->sk_state = TCP_CLOSE;
	sk->sk_err = ECONNRESET;
	sk_error_report(sk);
}

static int vhost_vsock_release(struct inode *inode, struct file *f)
{
	struct vhost_vsock *v = container_of(f->private_data,
					     struct vhost_vsock, dev);
	struct sk_buff *skb;

	if (v->cid)
		xa_erase(&vhost_vsock_cids, v->cid);
	/* No send_pkt() or cancel_pkt() finds us any more. */
	synchronize_rcu();
	vsock_for_each_connected_socket(&vhost_vsock_transport.transport,
					vhost_vsock_reset_orphan);
	vhost_dev_cleanup(&v->dev);
	while ((skb = virtio_vsock_skb_dequeue(&v->out)))
		vhost_vsock_drop_unsent(skb);
	kvfree(v);
	return 0;
}

DEFINE_VHOST_MISCDEV(vhost_vsock_misc, "vhost-vsock", VHOST_VSOCK_MINOR,
		     vhost_vsock_open, vhost_vsock_release);

static int __init vhost_vsock_init(void)
{
	int ret;

	vhost_vsock_use_shared_code(&vhost_vsock_transport.transport);
	ret = vsock_core_register(&vhost_vsock_transport.transport,
				  VSOCK_TRANSPORT_F_H2G);
	if (ret)
		return ret;
	ret = misc_register(&vhost_vsock_misc);
	if (ret)
		vsock_core_unregister(&vhost_vsock_transport.transport);
	return ret;
}
module_init(vhost_vsock_init);

static void __exit vhost_vsock_exit(void)
{
	misc_deregister(&vhost_vsock_misc);
	vsock_core_unregister(&vhost_vsock_transport.transport);
}
module_exit(vhost_vsock_exit);

MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virtio-vsock host end (out-of-tree vhost)");
MODULE_ALIAS_MISCDEV(VHOST_VSOCK_MINOR);
MODULE_ALIAS("devname:vhost-vsock");
