// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-net: virtio-net rings served from a tap, macvtap/ipvtap or raw
 * packet socket.
 *
 * Ring 0 receives (socket to guest), ring 1 transmits (guest to socket).
 * Either ring's backend is a socket set with VHOST_NET_SET_BACKEND; fd -1
 * detaches it. The virtio-net header is either carried by the socket (a
 * tap with IFF_VNET_HDR) or, with VHOST_NET_F_VIRTIO_NET_HDR, added and
 * stripped here.
 */
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/if_packet.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <net/xdp.h>

#include "vhost.h"
#include "net_zerocopy.h"

/* Read when a device is opened; writable at run time, unlike Linux's. */
static bool experimental_zcopytx;
module_param(experimental_zcopytx, bool, 0644);
MODULE_PARM_DESC(experimental_zcopytx,
		 "Devices opened from now on transmit large frames from guest memory without copying them (tun and macvtap backends)");

#define VHOST_NET_FEATURES						\
	(VHOST_BASE_FEATURES | BIT_ULL(VIRTIO_F_RING_RESET) |		\
	 BIT_ULL(VIRTIO_F_IN_ORDER) | BIT_ULL(VHOST_NET_F_VIRTIO_NET_HDR) |	\
	 BIT_ULL(VIRTIO_NET_F_MRG_RXBUF))

/*
 * Transmit batching into tun and tap: small packets are copied into page
 * fragments laid out as tun expects (struct tun_xdp_hdr at the start, the
 * frame after XDP headroom, room for skb_shared_info at the end) and handed
 * over up to this many at a time in one sendmsg() (TUN_MSG_PTR).
 */
#define VHOST_NET_TX_BATCH	64
#define VHOST_NET_XDP_PAD	(XDP_PACKET_HEADROOM + NET_IP_ALIGN)

/*
 * Receive from tun and tap takes up to this many packets off their queue
 * at once (one lock round trip), then hands them to recvmsg() one by one.
 */
#define VHOST_NET_RX_BATCH	64

/*
 * Zero-copy transmit (experimental_zcopytx) takes frames that do not fit a
 * batch and are at least this long; shorter ones cost less to copy than to
 * pin.
 */
#define VHOST_NET_ZC_MIN_LEN	256

/* Iovecs of one packet: all the receive buffers one packet may take. */
#define VHOST_NET_IOV_MAX	UIO_MAXIOV

enum { VHOST_NET_RX, VHOST_NET_TX, VHOST_NET_NRINGS };

/**
 * struct vhost_net_tx - what only the transmit ring has
 * @batch_ok: the backend takes batches of packets (tun, tap)
 * @xdp: the batch being built, @nxdp packets
 * @nxdp: packets in @xdp; 0 whenever the handler is not running
 * @frag: page the batch's packets are copied into
 * @zc: chains sent by reference and not yet given back, or NULL (no zero-copy)
 * @zc_ok: @zc is set and the backend pins pages (SOCK_ZEROCOPY)
 */
struct vhost_net_tx {
	bool batch_ok;
	struct xdp_buff *xdp;
	unsigned int nxdp;
	struct page_frag frag;
	struct vhost_net_zc *zc;
	bool zc_ok;
};

/**
 * struct vhost_net_rx - what only the receive ring has
 * @bufs: the receive buffers gathered for the current packet
 * @queue: the tun/tap queue packets are taken from in batches, or NULL
 * @taken: packets taken off @queue and not yet received, @head to @tail
 * @head: next entry of @taken to receive
 * @tail: end of the entries in @taken
 *
 * Packet sockets have no @queue: one recvmsg() takes each packet itself.
 */
struct vhost_net_rx {
	struct vhost_chain *bufs;
	struct ptr_ring *queue;
	void **taken;
	unsigned int head;
	unsigned int tail;
};

/**
 * struct vhost_net_ring - one ring of the device and its backend
 * @vq: the core's ring; its backend pointer is @sock
 * @sock: the backend socket, NULL when detached (changes under vq->mutex)
 * @sock_poll: RX: the socket became readable; TX: writable again
 * @vhost_hlen: header bytes we add (RX) or strip (TX)
 * @sock_hlen: header bytes the socket itself carries
 * @rx: ring VHOST_NET_RX only
 * @tx: ring VHOST_NET_TX only
 *
 * A ring is one side for its whole life (its index), so @rx and @tx share
 * memory: code that is not side-specific picks the side by vq.index.
 */
struct vhost_net_ring {
	struct vhost_virtqueue vq;
	struct socket *sock;
	struct vhost_poll sock_poll;
	size_t vhost_hlen;
	size_t sock_hlen;
	union {
		struct vhost_net_rx rx;
		struct vhost_net_tx tx;
	};
};

struct vhost_net {
	struct vhost_dev dev;
	struct vhost_net_ring rings[VHOST_NET_NRINGS];
	struct vhost_virtqueue *vqs[VHOST_NET_NRINGS];
};

static struct vhost_net_ring *vhost_net_ring_of(struct vhost_virtqueue *vq)
{
	return container_of(vq, struct vhost_net_ring, vq);
}

/* ---- transmit: guest to socket -------------------------------------- */

/*
 * Send one chain, by reference when @ubuf is set; bytes sent or -errno
 * from the socket.
 */
static int vhost_net_send(struct vhost_net_ring *r, struct socket *sock,
			  const struct vhost_chain *c, struct ubuf_info *ubuf)
{
	struct tun_msg_ctl ctl = { .type = TUN_MSG_UBUF, .ptr = ubuf };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	size_t len = c->out_len - r->vhost_hlen;

	if (ubuf) {
		msg.msg_control = &ctl;
		msg.msg_controllen = sizeof(ctl);
	}
	iov_iter_init(&msg.msg_iter, ITER_SOURCE, c->iov, c->out, c->out_len);
	iov_iter_advance(&msg.msg_iter, r->vhost_hlen);
	return sock->ops->sendmsg(sock, &msg, len);
}

/* Frame bytes of a chain, without any header. */
static size_t vhost_net_frame_len(struct vhost_net_ring *r,
				  const struct vhost_chain *c)
{
	size_t hlen = r->vhost_hlen + r->sock_hlen;

	return c->out_len > hlen ? c->out_len - hlen : 0;
}

/* Page-fragment bytes a batched frame of @len bytes takes. */
static size_t vhost_net_xdp_size(size_t len)
{
	return SKB_DATA_ALIGN(VHOST_NET_XDP_PAD + len) +
	       SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
}

/* Whether a chain can go into a batch rather than its own sendmsg(). */
static bool vhost_net_batchable(struct vhost_net_ring *r,
				const struct vhost_chain *c)
{
	size_t len = vhost_net_frame_len(r, c);

	return r->tx.batch_ok && len >= ETH_HLEN &&
	       vhost_net_xdp_size(len) <= PAGE_SIZE;
}

/* Hand the batch to the socket; it owns every page reference after. */
static void vhost_net_tx_flush(struct vhost_net_ring *r, struct socket *sock)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = r->tx.nxdp,
		.ptr = r->tx.xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
	};
	unsigned int i;

	if (!r->tx.nxdp)
		return;
	if (sock->ops->sendmsg(sock, &msg, 0) < 0) {
		/* Refused whole (a detached tun queue): nothing was taken. */
		for (i = 0; i < r->tx.nxdp; i++)
			put_page(virt_to_head_page(r->tx.xdp[i].data));
		r->vq.stats.drops += r->tx.nxdp;
	}
	r->tx.nxdp = 0;
}

/*
 * Copy a batchable chain into the batch (the guest's buffer is free as
 * soon as this returns 0), sending the batch when it is full.
 */
static int vhost_net_tx_stage(struct vhost_net_ring *r, struct socket *sock,
			      const struct vhost_chain *c)
{
	size_t len = vhost_net_frame_len(r, c);
	size_t size = vhost_net_xdp_size(len);
	struct tun_xdp_hdr *hdr;
	struct xdp_buff *xdp;
	struct iov_iter from;
	void *buf;

	if (!skb_page_frag_refill(size, &r->tx.frag, GFP_KERNEL))
		return -ENOMEM;
	buf = page_address(r->tx.frag.page) + r->tx.frag.offset;
	hdr = buf;
	iov_iter_init(&from, ITER_SOURCE, c->iov, c->out, c->out_len);
	iov_iter_advance(&from, r->vhost_hlen);
	if (r->sock_hlen) {
		/* The guest's header goes to tun as the socket would take it. */
		if (copy_from_iter(&hdr->gso, sizeof(hdr->gso), &from) !=
		    sizeof(hdr->gso))
			return -EFAULT;
		iov_iter_advance(&from, r->sock_hlen - sizeof(hdr->gso));
	} else {
		memset(&hdr->gso, 0, sizeof(hdr->gso));
	}
	if (copy_from_iter(buf + VHOST_NET_XDP_PAD, len, &from) != len)
		return -EFAULT;
	hdr->buflen = size;
	get_page(r->tx.frag.page);
	r->tx.frag.offset += size;

	xdp = &r->tx.xdp[r->tx.nxdp++];
	xdp_init_buff(xdp, size, NULL);
	xdp_prepare_buff(xdp, buf, VHOST_NET_XDP_PAD, len, true);
	if (r->tx.nxdp == VHOST_NET_TX_BATCH)
		vhost_net_tx_flush(r, sock);
	return 0;
}

/* Drop the ring's batching page (the ring is stopped, nothing staged). */
static void vhost_net_tx_release(struct vhost_net_ring *r)
{
	if (r->tx.frag.page) {
		put_page(r->tx.frag.page);
		r->tx.frag.page = NULL;
	}
}

/*
 * Copy a chain into the batch if it goes there. Return: true when it did
 * (the guest's buffer is free again); false when the chain is to be sent
 * on its own, and then the batch went first so frames keep their order.
 */
static bool vhost_net_tx_batched(struct vhost_net_ring *r, struct socket *sock,
				 const struct vhost_chain *c)
{
	if (vhost_net_batchable(r, c) && !vhost_net_tx_stage(r, sock, c))
		return true;
	vhost_net_tx_flush(r, sock);
	return false;
}

/*
 * Take the next chain to send into @c, and check it is one. Return: false
 * when the run ends: the ring is empty (kicks enabled again, the batch
 * sent), invalid (reported) or the run's weight is reached. Finding the
 * ring empty counts in *@packets as a chain would.
 */
static bool vhost_net_tx_next(struct vhost_net_ring *r, struct socket *sock,
			      struct vhost_chain *c, unsigned int *packets,
			      size_t bytes)
{
	struct vhost_virtqueue *vq = &r->vq;
	int ret;

	for (;;) {
		ret = vhost_vq_fetch(vq, c);
		if (ret)
			break;
		/* Empty: send the batch, busy poll, enable kicks, look again. */
		vhost_net_tx_flush(r, sock);
		if (!vhost_vq_wait_for_buffers(vq) ||
		    vhost_vq_over_weight(vq, ++*packets, bytes))
			return false;
	}
	if (ret < 0)
		return false;
	if (unlikely(c->in)) {
		vhost_vq_error(vq, "TX chain %u has device-writable buffers",
			       c->head);
		return false;
	}
	if (unlikely(c->out_len < r->vhost_hlen)) {
		vhost_vq_error(vq, "TX chain %u: %zu bytes, under the %zu-byte header",
			       c->head, c->out_len, r->vhost_hlen);
		return false;
	}
	return true;
}

/*
 * Whether the socket refused a chain for want of room (-EAGAIN, or -ENOMEM
 * from tun). The chain then goes back to the ring, and the socket running
 * the handler again once writable takes the place of a kick.
 */
static bool vhost_net_tx_no_room(struct vhost_net_ring *r, struct socket *sock,
				 int ret)
{
	if (likely(ret != -EAGAIN && ret != -ENOMEM))
		return false;
	vhost_vq_unfetch(&r->vq, 1);
	vhost_poll_start(&r->sock_poll, sock->file);
	return true;
}

/*
 * Transmit by copying: a chain goes into the batch, or on its own when it
 * does not fit there, and is given back as soon as it is sent. Zero-copy
 * is off, so any FIFO is empty (a backend change drains or replaces it).
 */
static void vhost_net_tx_copy(struct vhost_net_ring *r, struct socket *sock)
{
	struct vhost_virtqueue *vq = &r->vq;
	unsigned int packets = 0;
	struct vhost_chain c;
	size_t bytes = 0;
	int ret;

	while (vhost_net_tx_next(r, sock, &c, &packets, bytes)) {
		ret = 0;
		if (!vhost_net_tx_batched(r, sock, &c))
			ret = vhost_net_send(r, sock, &c, NULL);
		if (unlikely(vhost_net_tx_no_room(r, sock, ret)))
			break;
		if (unlikely(ret < 0))
			vq->stats.drops++;
		vhost_vq_add_used(vq, c.head, 0);
		bytes += c.out_len;
		if (vhost_vq_over_weight(vq, ++packets, bytes))
			break;
	}
	vhost_net_tx_flush(r, sock);
}

/*
 * Transmit with zero-copy on: a chain that fits the batch is copied there
 * and one shorter than VHOST_NET_ZC_MIN_LEN is copied on its own, as in
 * vhost_net_tx_copy(); a longer one is sent by reference and waits in the
 * FIFO until the stack lets go of it. Chains finished here queue behind
 * those in flight, so the used ring keeps the order of the avail ring.
 */
static void vhost_net_tx_zerocopy(struct vhost_net_ring *r,
				  struct socket *sock)
{
	struct vhost_net_zc *zc = r->tx.zc;
	struct vhost_virtqueue *vq = &r->vq;
	unsigned int packets = 0;
	struct ubuf_info *ubuf;
	struct vhost_chain c;
	size_t bytes = 0;
	bool held;
	int ret;

	vhost_net_zc_complete(zc, vq);
	/* Full of chains in flight: a completion runs us again. */
	while (!vhost_net_zc_full(zc) &&
	       vhost_net_tx_next(r, sock, &c, &packets, bytes)) {
		held = false;
		if (vhost_net_tx_batched(r, sock, &c)) {
			ret = 0;
		} else if (vhost_net_frame_len(r, &c) < VHOST_NET_ZC_MIN_LEN) {
			/* Cheaper to copy than to pin. */
			ret = vhost_net_send(r, sock, &c, NULL);
		} else {
			ubuf = vhost_net_zc_claim(zc, c.head);
			ret = vhost_net_send(r, sock, &c, ubuf);
			/* Unless the socket never took it, the FIFO has it. */
			held = ret >= 0 || vhost_net_zc_unclaim(zc);
		}
		if (!held) {
			if (unlikely(vhost_net_tx_no_room(r, sock, ret)))
				break;
			vhost_net_zc_done(zc, vq, c.head);
		}
		if (unlikely(ret < 0))
			vq->stats.drops++;
		bytes += c.out_len;
		if (vhost_vq_over_weight(vq, ++packets, bytes))
			break;
	}
	vhost_net_tx_flush(r, sock);
	vhost_net_zc_complete(zc, vq);
}

/* Copy or zero-copy, as the backend allows; see vhost_net_tx_set_backend(). */
static void vhost_net_handle_tx(struct vhost_net_ring *r)
{
	struct vhost_virtqueue *vq = &r->vq;
	struct socket *sock;

	mutex_lock(&vq->mutex);
	sock = r->sock;
	if (!sock || !vhost_vq_ready(vq))
		goto out;
	/* Running again: no need to wait for the socket any more. */
	vhost_poll_stop(&r->sock_poll);
	vhost_vq_disable_notify(vq);
	if (r->tx.zc_ok)
		vhost_net_tx_zerocopy(r, sock);
	else
		vhost_net_tx_copy(r, sock);
	vhost_vq_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

/* ---- receive: socket to guest --------------------------------------- */

/* Bytes a tun/tap queue entry (an skb or an XDP frame) gives recvmsg(). */
static int vhost_net_entry_len(void *ptr)
{
	struct sk_buff *skb = ptr;

	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	return skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
}

/* The next batched entry, taking a new batch when the last one is used. */
static void *vhost_net_rxq_peek(struct vhost_net_ring *r)
{
	if (r->rx.head == r->rx.tail) {
		r->rx.head = 0;
		r->rx.tail = ptr_ring_consume_batched(r->rx.queue, r->rx.taken,
						      VHOST_NET_RX_BATCH);
		if (!r->rx.tail)
			return NULL;
	}
	return r->rx.taken[r->rx.head];
}

/* Put entries taken but not received back at the head of the queue. */
static void vhost_net_rxq_return(struct vhost_net_ring *r)
{
	if (r->rx.tail > r->rx.head)
		ptr_ring_unconsume(r->rx.queue, r->rx.taken + r->rx.head,
				   r->rx.tail - r->rx.head, tun_ptr_free);
	r->rx.head = 0;
	r->rx.tail = 0;
}

/* Length of the next packet to receive, 0 if none. */
static int vhost_net_peek(struct vhost_net_ring *r)
{
	struct sock *sk = r->sock->sk;
	struct sk_buff *skb;
	unsigned long flags;
	int len = 0;

	if (r->rx.queue) {
		void *ptr = vhost_net_rxq_peek(r);

		return ptr ? vhost_net_entry_len(ptr) : 0;
	}
	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb)
		len = skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return len;
}

static bool vhost_net_has_packet(void *arg)
{
	return vhost_net_peek(arg) > 0;
}

/*
 * recvmsg() of the next packet into @msg's iterator: a batched entry is
 * handed over in msg_control, and the socket frees it whatever happens.
 */
static int vhost_net_recvmsg(struct vhost_net_ring *r, struct msghdr *msg)
{
	if (r->rx.queue)
		msg->msg_control = r->rx.taken[r->rx.head++];
	return r->sock->ops->recvmsg(r->sock, msg, iov_iter_count(&msg->msg_iter),
				     MSG_DONTWAIT | MSG_TRUNC);
}

/*
 * Gather receive buffers for @need bytes: one chain, or as many as needed
 * with mergeable buffers. Their iovecs lie side by side in vq->iov.
 *
 * Return: the number of chains, 0 when the ring has too few buffers (none
 * kept), or -errno when the ring is unusable.
 */
static int vhost_net_get_rx_bufs(struct vhost_net_ring *r, size_t need,
				 bool mergeable, unsigned int *niov)
{
	struct vhost_virtqueue *vq = &r->vq;
	size_t room = 0;
	int n = 0, ret;

	*niov = 0;
	do {
		struct vhost_chain *c = &r->rx.bufs[n];

		/*
		 * Too many tiny buffers: the packet cannot be taken. Chains
		 * without a byte of room add no iovecs, so r->rx.bufs needs a
		 * bound of its own.
		 */
		if (*niov >= vq->iov_max || n == VHOST_NET_IOV_MAX) {
			ret = -E2BIG;
			goto give_back;
		}
		ret = vhost_vq_fetch_at(vq, c, *niov);
		if (ret <= 0)
			goto give_back;
		n++;
		if (unlikely(c->out)) {
			vhost_vq_error(vq, "RX chain %u has device-readable buffers",
				       c->head);
			return -EINVAL;
		}
		*niov += c->in;
		room += c->in_len;
	} while (mergeable && room < need);
	return n;

give_back:
	vhost_vq_unfetch(vq, n);
	return ret;
}

/* Complete the @nbufs chains that took @len bytes, logging what was written. */
static void vhost_net_rx_done(struct vhost_net_ring *r, unsigned int nbufs,
			      size_t len)
{
	unsigned int i;

	for (i = 0; i < nbufs; i++) {
		struct vhost_chain *c = &r->rx.bufs[i];
		size_t n = min(len, c->in_len);

		vhost_vq_log_write(&r->vq, c, n);
		vhost_vq_add_used(&r->vq, c->head, n);
		len -= n;
	}
}

/* How many of the gathered buffers @len bytes fill (at least one). */
static unsigned int vhost_net_bufs_for(struct vhost_net_ring *r,
				       unsigned int nbufs, size_t len)
{
	unsigned int i;

	for (i = 0; i < nbufs && len; i++)
		len -= min(len, r->rx.bufs[i].in_len);
	return max(i, 1U);
}

/*
 * Receive the packet at the head of the socket into the @nbufs gathered
 * buffers (@niov iovecs, @room bytes) and fill in the header.
 *
 * Return: the bytes written into the buffers, with *@nused the buffers
 * they fill; or -errno with the packet gone from the socket: -EMSGSIZE
 * when it did not fit, another when the socket failed. -EAGAIN: there
 * was no packet after all.
 */
static ssize_t vhost_net_recv(struct vhost_net_ring *r, unsigned int nbufs,
			      unsigned int niov, size_t room,
			      unsigned int *nused)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = {};
	size_t hlen = r->vhost_hlen + r->sock_hlen;
	struct msghdr msg = {};
	struct iov_iter head;
	size_t len;
	int ret;

	iov_iter_init(&msg.msg_iter, ITER_DEST, r->vq.iov, niov, room);
	head = msg.msg_iter;
	iov_iter_advance(&msg.msg_iter, r->vhost_hlen);
	ret = vhost_net_recvmsg(r, &msg);
	if (ret < 0)
		return ret;
	if (unlikely((size_t)ret > room - r->vhost_hlen))
		return -EMSGSIZE;
	len = ret + r->vhost_hlen;
	if (unlikely(len < hlen))
		return -EINVAL;
	*nused = vhost_has_feature(&r->vq, VIRTIO_NET_F_MRG_RXBUF) ?
		 vhost_net_bufs_for(r, nbufs, len) : 1;

	/*
	 * The header is 12 bytes with mergeable buffers or VIRTIO 1.0; its
	 * num_buffers counts the buffers the packet took (1 without mergeable
	 * buffers). A header written by the socket leaves that field to us.
	 */
	if (hlen == sizeof(hdr))
		hdr.num_buffers = vhost_vq_virtio16(&r->vq, *nused);
	if (r->vhost_hlen) {
		if (copy_to_iter(&hdr, r->vhost_hlen, &head) != r->vhost_hlen)
			return -EFAULT;
	} else if (hlen == sizeof(hdr)) {
		iov_iter_advance(&head, offsetof(typeof(hdr), num_buffers));
		if (copy_to_iter(&hdr.num_buffers, sizeof(hdr.num_buffers),
				 &head) != sizeof(hdr.num_buffers))
			return -EFAULT;
	}
	return len;
}

/* Drop the next packet. */
static void vhost_net_discard(struct vhost_net_ring *r)
{
	struct msghdr msg = {};

	iov_iter_kvec(&msg.msg_iter, ITER_DEST, NULL, 0, 0);
	vhost_net_recvmsg(r, &msg);
}

static void vhost_net_handle_rx(struct vhost_net_ring *r)
{
	struct vhost_virtqueue *vq = &r->vq;
	unsigned int packets = 0, niov, nused;
	struct socket *sock;
	size_t bytes = 0, room;
	bool mergeable;
	ssize_t len;
	int plen, nbufs, i;

	mutex_lock(&vq->mutex);
	sock = r->sock;
	if (!sock || !vhost_vq_ready(vq))
		goto out;
	mergeable = vhost_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);
	vhost_vq_disable_notify(vq);
	for (;;) {
		plen = vhost_net_peek(r);
		if (plen <= 0) {
			if (vhost_vq_busy_poll_until(vq, vhost_net_has_packet, r))
				goto next;
			break;
		}
		nbufs = vhost_net_get_rx_bufs(r, plen + r->vhost_hlen +
					      r->sock_hlen, mergeable, &niov);
		if (unlikely(nbufs == -E2BIG)) {
			/* No arrangement of these buffers takes it. */
			vhost_net_discard(r);
			r->vq.stats.drops++;
			goto next;
		}
		if (nbufs < 0)
			break;
		if (!nbufs) {
			/* The driver has to add buffers first. */
			if (vhost_vq_wait_for_buffers(vq))
				goto next;
			break;
		}
		for (room = 0, i = 0; i < nbufs; i++)
			room += r->rx.bufs[i].in_len;
		len = vhost_net_recv(r, nbufs, niov, room, &nused);
		if (unlikely(len < 0)) {
			/* Buffers go back; the packet is gone unless -EAGAIN. */
			if (len != -EAGAIN) {
				/* Part of it may be in guest memory already. */
				for (i = 0; i < nbufs; i++)
					vhost_vq_log_write(vq, &r->rx.bufs[i],
							   r->rx.bufs[i].in_len);
				r->vq.stats.drops++;
			}
			vhost_vq_unfetch(vq, nbufs);
			goto next;
		}
		vhost_vq_unfetch(vq, nbufs - nused);
		vhost_net_rx_done(r, nused, len);
		bytes += len;
next:
		/* Every pass counts, a look that found nothing too. */
		if (vhost_vq_over_weight(vq, ++packets, bytes))
			break;
	}
	vhost_vq_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

/* ---- work items ------------------------------------------------------ */

static void vhost_net_tx_kick(struct vhost_work *work)
{
	struct vhost_poll *p = container_of(work, struct vhost_poll, work);

	vhost_net_handle_tx(vhost_net_ring_of(p->vq));
}

static void vhost_net_rx_kick(struct vhost_work *work)
{
	struct vhost_poll *p = container_of(work, struct vhost_poll, work);

	vhost_net_handle_rx(vhost_net_ring_of(p->vq));
}

/* ---- backends -------------------------------------------------------- */

/*
 * The socket behind @fd: a tap (tun driver), a macvtap/ipvtap queue, or a
 * raw AF_PACKET socket. Holds a reference to its file.
 */
static struct socket *vhost_net_get_socket(int fd)
{
	struct socket *sock;
	struct file *file;

	/* Any fd that is not one of these is ENOTSOCK, a closed one too. */
	file = fget(fd);
	if (!file)
		return ERR_PTR(-ENOTSOCK);
	sock = tun_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	sock = tap_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	sock = sock_from_file(file);
	if (sock && sock->sk->sk_family == AF_PACKET &&
	    sock->sk->sk_type == SOCK_RAW)
		return sock;
	fput(file);
	return ERR_PTR(-ENOTSOCK);
}

static void vhost_net_put_socket(struct socket *sock)
{
	if (sock)
		fput(sock->file);
}

/* The queue of a tun or tap socket, for batched receive; NULL for others. */
static struct ptr_ring *vhost_net_queue_of(struct socket *sock)
{
	struct ptr_ring *ring = tun_get_tx_ring(sock->file);

	if (IS_ERR(ring))
		ring = tap_get_ptr_ring(sock->file);
	return IS_ERR(ring) ? NULL : ring;
}

/*
 * tun and tap queues take control messages of their own (TUN_MSG_PTR
 * batches, TUN_MSG_UBUF zero-copy); packet sockets do not.
 */
static bool vhost_net_is_tun_or_tap(struct socket *sock)
{
	return sock->sk->sk_family != AF_PACKET;
}

/*
 * A ring stops sending by reference for now: with @wait, every chain in
 * flight comes back first and is in the used ring, so the ring's state is
 * complete for whoever reads it next (GET_VRING_BASE, migration). Without
 * (the device is reset or closed) or when a fatal signal cuts the wait
 * short, the FIFO is left to the stack, which frees it with the last skb,
 * and the ring starts a new one.
 */
static void vhost_net_zc_stop(struct vhost_net_ring *r, bool wait)
{
	if (!vhost_net_zc_busy(r->tx.zc))
		return;
	if (wait) {
		bool empty = vhost_net_zc_drain(r->tx.zc, &r->vq);

		vhost_vq_signal(&r->vq);
		if (empty)
			return;
	}
	vhost_net_zc_release(r->tx.zc);
	r->tx.zc = vhost_net_zc_create(&r->vq);
}

/* The receive ring's side of a new backend: batches come from its queue. */
static void vhost_net_rx_set_backend(struct vhost_net_ring *r,
				     struct socket *sock)
{
	if (r->rx.queue)
		vhost_net_rxq_return(r);
	r->rx.queue = sock ? vhost_net_queue_of(sock) : NULL;
}

/*
 * The transmit ring's side of a new backend: nothing is staged between
 * runs, so the batching page goes; chains in flight come back (@wait) or
 * are left to the stack (see vhost_net_zc_stop()).
 */
static void vhost_net_tx_set_backend(struct vhost_net_ring *r,
				     struct socket *sock, bool wait)
{
	vhost_net_tx_release(r);
	if (r->tx.zc)
		vhost_net_zc_stop(r, wait);
	r->tx.batch_ok = sock && vhost_net_is_tun_or_tap(sock);
	/* Only tun and tap read a ubuf from msg_control. */
	r->tx.zc_ok = sock && r->tx.zc && vhost_net_is_tun_or_tap(sock) &&
		      sock_flag(sock->sk, SOCK_ZEROCOPY);
}

/*
 * Replace a ring's backend; the old socket is returned for the caller to
 * put once the ring's handler can no longer be using it. @wait: see
 * vhost_net_zc_stop().
 */
static struct socket *vhost_net_swap_backend(struct vhost_net_ring *r,
					     struct socket *sock, bool wait)
{
	struct vhost_virtqueue *vq = &r->vq;
	bool rx = vq->index == VHOST_NET_RX;
	struct socket *old;

	mutex_lock(&vq->mutex);
	old = r->sock;
	vhost_poll_stop(&r->sock_poll);
	if (rx)
		vhost_net_rx_set_backend(r, sock);
	else
		vhost_net_tx_set_backend(r, sock, wait);
	r->sock = sock;
	vhost_vq_set_backend(vq, sock);
	/* TX waits for room only once the socket was found full. */
	if (sock && rx)
		vhost_poll_start(&r->sock_poll, sock->file);
	mutex_unlock(&vq->mutex);
	/* Buffers or packets may be waiting already. */
	if (sock)
		vhost_poll_queue(&vq->poll);
	return old;
}

static long vhost_net_set_backend(struct vhost_net *n, unsigned int index,
				  int fd)
{
	struct socket *sock = NULL, *old;
	struct vhost_net_ring *r;
	long ret;

	if (index >= VHOST_NET_NRINGS)
		return -ENOBUFS;
	mutex_lock(&n->dev.mutex);
	ret = vhost_dev_check_owner(&n->dev);
	if (ret)
		goto out;
	if (fd != VHOST_FILE_UNBIND) {
		sock = vhost_net_get_socket(fd);
		if (IS_ERR(sock)) {
			ret = PTR_ERR(sock);
			goto out;
		}
	}
	r = &n->rings[index];
	if (sock && sock == r->sock) {
		/* Same socket again: nothing changes. */
		vhost_net_put_socket(sock);
		goto out;
	}
	old = vhost_net_swap_backend(r, sock, true);
	vhost_vq_flush(&r->vq);
	vhost_net_put_socket(old);
out:
	mutex_unlock(&n->dev.mutex);
	return ret;
}

/* Who carries the virtio-net header, and how long it is. */
static int vhost_net_set_features(struct vhost_dev *dev, u64 features)
{
	struct vhost_net *n = container_of(dev, struct vhost_net, dev);
	size_t hlen = sizeof(struct virtio_net_hdr);
	bool ours = features & BIT_ULL(VHOST_NET_F_VIRTIO_NET_HDR);
	int i;

	if (features & (BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |
			BIT_ULL(VIRTIO_F_VERSION_1)))
		hlen = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	for (i = 0; i < VHOST_NET_NRINGS; i++) {
		struct vhost_net_ring *r = &n->rings[i];

		mutex_lock(&r->vq.mutex);
		r->vhost_hlen = ours ? hlen : 0;
		r->sock_hlen = ours ? 0 : hlen;
		mutex_unlock(&r->vq.mutex);
	}
	return 0;
}

/* Detach both backends; the core then resets the rings and features. */
static void vhost_net_stop(struct vhost_dev *dev)
{
	struct vhost_net *n = container_of(dev, struct vhost_net, dev);
	struct socket *old[VHOST_NET_NRINGS];
	int i;

	for (i = 0; i < VHOST_NET_NRINGS; i++)
		old[i] = vhost_net_swap_backend(&n->rings[i], NULL, false);
	vhost_dev_flush(dev);
	for (i = 0; i < VHOST_NET_NRINGS; i++)
		vhost_net_put_socket(old[i]);
	vhost_net_set_features(dev, 0);
}

/* The device's own ioctls; the core's are tried after them. */
static long vhost_net_ioctl(struct vhost_dev *dev, unsigned int cmd,
			    void __user *argp)
{
	struct vhost_net *n = container_of(dev, struct vhost_net, dev);
	struct vhost_vring_file backend;

	if (cmd == VHOST_NET_SET_BACKEND) {
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		return vhost_net_set_backend(n, backend.index, backend.fd);
	}
	return -ENOIOCTLCMD;
}

static const struct vhost_dev_ops vhost_net_ops = {
	.features = VHOST_NET_FEATURES,
	.backend_features = VHOST_BASE_BACKEND_FEATURES,
	.set_features = vhost_net_set_features,
	.stop = vhost_net_stop,
	.ioctl = vhost_net_ioctl,
};

/* ---- the character device ------------------------------------------- */

static int vhost_net_open(struct inode *inode, struct file *f)
{
	struct vhost_net *n = kvzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	struct vhost_net_ring *rx, *tx;
	int ret = -ENOMEM;

	if (!n)
		return -ENOMEM;
	rx = &n->rings[VHOST_NET_RX];
	tx = &n->rings[VHOST_NET_TX];
	rx->rx.bufs = kvmalloc_array(VHOST_NET_IOV_MAX, sizeof(*rx->rx.bufs),
				     GFP_KERNEL_ACCOUNT);
	rx->rx.taken = kmalloc_array(VHOST_NET_RX_BATCH,
				     sizeof(*rx->rx.taken), GFP_KERNEL_ACCOUNT);
	tx->tx.xdp = kmalloc_array(VHOST_NET_TX_BATCH, sizeof(*tx->tx.xdp),
				   GFP_KERNEL_ACCOUNT);
	if (!rx->rx.bufs || !rx->rx.taken || !tx->tx.xdp)
		goto err;
	rx->vq.handle_kick = vhost_net_rx_kick;
	tx->vq.handle_kick = vhost_net_tx_kick;
	n->vqs[VHOST_NET_RX] = &rx->vq;
	n->vqs[VHOST_NET_TX] = &tx->vq;
	ret = vhost_dev_init(&n->dev, "net", &vhost_net_ops, n->vqs,
			     VHOST_NET_NRINGS);
	if (ret)
		goto err;
	vhost_poll_init(&rx->sock_poll, &rx->vq, vhost_net_rx_kick, EPOLLIN);
	vhost_poll_init(&tx->sock_poll, &tx->vq, vhost_net_tx_kick, EPOLLOUT);
	if (READ_ONCE(experimental_zcopytx))
		tx->tx.zc = vhost_net_zc_create(&tx->vq);
	vhost_net_set_features(&n->dev, 0);
	f->private_data = &n->dev;
	return 0;

err:
	kfree(tx->tx.xdp);
	kfree(rx->rx.taken);
	kvfree(rx->rx.bufs);
	kvfree(n);
	return ret;
}

static int vhost_net_release(struct inode *inode, struct file *f)
{
	struct vhost_net *n = container_of(f->private_data, struct vhost_net, dev);

	vhost_dev_cleanup(&n->dev);
	if (n->rings[VHOST_NET_TX].tx.zc)
		vhost_net_zc_release(n->rings[VHOST_NET_TX].tx.zc);
	kfree(n->rings[VHOST_NET_TX].tx.xdp);
	kfree(n->rings[VHOST_NET_RX].rx.taken);
	kvfree(n->rings[VHOST_NET_RX].rx.bufs);
	kvfree(n);
	return 0;
}

DEFINE_VHOST_MISCDEV(vhost_net_misc, "vhost-net", VHOST_NET_MINOR,
		     vhost_net_open, vhost_net_release);

static int __init vhost_net_init(void)
{
	return misc_register(&vhost_net_misc);
}
module_init(vhost_net_init);

static void __exit vhost_net_exit(void)
{
	misc_deregister(&vhost_net_misc);
	/* Buffers of closed devices may still be in the network stack. */
	vhost_net_zc_wait_all_freed();
}
module_exit(vhost_net_exit);

MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virtio-net rings in the host kernel (out-of-tree vhost)");
MODULE_ALIAS_MISCDEV(VHOST_NET_MINOR);
MODULE_ALIAS("devname:vhost-net");
