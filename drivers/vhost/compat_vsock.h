/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences in virtio-vsock's shared code between the kernels we
 * build against, for vsock.c. Kbuild probes the kernel's headers for the
 * VHOST_VSOCK_HAVE_* names: Debian's trees carry backports that make
 * version numbers misleading here.
 */
#ifndef VHOST_OOT_COMPAT_VSOCK_H
#define VHOST_OOT_COMPAT_VSOCK_H

#include <linux/skbuff.h>
#include <linux/virtio_vsock.h>
#include <net/af_vsock.h>

#include "compat.h"

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

#endif /* VHOST_OOT_COMPAT_VSOCK_H */
