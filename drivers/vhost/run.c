// SPDX-License-Identifier: GPL-2.0
/*
 * The loop a ring handler runs: take the chains the driver made available
 * one at a time and give each to the device, until the ring is empty (after
 * busy polling and asking for kicks again), the device says stop, the ring
 * turns out invalid, or the run has had its share of the worker.
 */
#include "core.h"

/**
 * vhost_vq_run - consume a ring's chains with a device's handler
 * @vq: the ring; its mutex is taken here
 * @h: what the device does with each chain
 *
 * Runs only while vhost_vq_ready(). A run that takes its share of the
 * worker (the device's weights) queues the ring again and returns, so
 * other rings get their turn; chains handled and bytes moved count towards
 * it, and so does a look that found the ring empty. The driver is
 * signalled once at the end for everything completed.
 *
 * Context: process context (a vhost worker), @vq->mutex not held.
 */
void vhost_vq_run(struct vhost_virtqueue *vq,
		  const struct vhost_chain_handler *h)
{
	unsigned int chains = 0;
	struct vhost_chain c;
	size_t bytes = 0;
	ssize_t moved;
	int ret;

	mutex_lock(&vq->mutex);
	if (!vhost_vq_ready(vq))
		goto out;
	vhost_vq_disable_notify(vq);
	for (;;) {
		if (h->may_fetch && !h->may_fetch(vq))
			break;
		ret = vhost_vq_fetch(vq, &c);
		if (ret < 0)
			break;
		if (!ret) {
			if (!vhost_vq_wait_for_buffers(vq) ||
			    vhost_vq_over_weight(vq, ++chains, bytes))
				break;
			continue;
		}
		moved = h->handle(vq, &c);
		if (moved < 0 || vq->broken)
			break;
		bytes += moved;
		if (vhost_vq_over_weight(vq, ++chains, bytes))
			break;
	}
	vhost_vq_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}
EXPORT_SYMBOL_GPL(vhost_vq_run);
