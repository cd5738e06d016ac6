/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Zero-copy transmit for vhost-net: guest buffers handed to the socket by
 * reference, and given back to the guest in ring order once the network
 * stack lets go of them.
 */
#ifndef VHOST_NET_ZEROCOPY_H
#define VHOST_NET_ZEROCOPY_H

#include <linux/types.h>

struct ubuf_info;
struct vhost_net_zc;
struct vhost_virtqueue;

struct vhost_net_zc *vhost_net_zc_create(struct vhost_virtqueue *vq);
void vhost_net_zc_release(struct vhost_net_zc *zc);
bool vhost_net_zc_busy(const struct vhost_net_zc *zc);
bool vhost_net_zc_full(const struct vhost_net_zc *zc);
struct ubuf_info *vhost_net_zc_claim(struct vhost_net_zc *zc, u16 head);
bool vhost_net_zc_unclaim(struct vhost_net_zc *zc);
void vhost_net_zc_done(struct vhost_net_zc *zc, struct vhost_virtqueue *vq,
		       u16 head);
unsigned int vhost_net_zc_complete(struct vhost_net_zc *zc,
				   struct vhost_virtqueue *vq);
bool vhost_net_zc_drain(struct vhost_net_zc *zc, struct vhost_virtqueue *vq);
void vhost_net_zc_wait_all_freed(void);

#endif /* VHOST_NET_ZEROCOPY_H */
