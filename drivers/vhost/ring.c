// SPDX-License-Identifier: GPL-2.0
/*
 * What device modules call to consume a ring: fetch chains, return them,
 * signal the driver, toggle notifications, busy poll, and report an
 * invalid ring. The layout itself sits behind vq->ops.
 */
#include <linux/sched/clock.h>
#include <linux/ratelimit.h>

#include "core.h"
#include "trace.h"

/* Translate the ring and initialise the layout once per start. */
static int vhost_vq_prepare(struct vhost_virtqueue *vq)
{
	int ret;

	/*
	 * Through the IOTLB, the pages a write touches are found in the
	 * memory table: without one, stop before writing anything that the
	 * dirty log would miss.
	 */
	if (unlikely(!vq->memmap && vhost_vq_logging(vq) &&
		     vhost_vq_uses_iotlb(vq))) {
		vhost_vq_error(vq, "dirty log on, but no memory table to log with");
		return -EINVAL;
	}
	if (likely(vq->prepared))
		return 0;
	ret = vhost_ring_prefetch(vq);
	if (!ret && !vq->started) {
		ret = vq->ops->start(vq);
		if (!ret)
			vq->started = true;
	}
	if (!ret)
		vq->prepared = true;
	else if (ret != VHOST_XLATE_MISS)
		vhost_vq_error(vq, "ring not accessible (%d)", ret);
	return ret;
}

/**
 * vhost_vq_error - report an invalid ring
 * @vq: the ring (its mutex held)
 * @fmt: what was wrong
 *
 * Logs a rate-limited line, signals the error eventfd and stops the ring
 * until userspace reconfigures it.
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_error(struct vhost_virtqueue *vq, const char *fmt, ...)
{
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 10);
	struct va_format vaf;
	va_list args;

	lockdep_assert_held(&vq->mutex);
	vq->broken = true;
	vq->stats.errors++;
	if (__ratelimit(&rs)) {
		va_start(args, fmt);
		vaf.fmt = fmt;
		vaf.va = &args;
		pr_warn("%s.%u ring %u: %pV\n", vq->dev->name,
			vq->dev->serial, vq->index, &vaf);
		va_end(args);
	}
	if (vq->error_ctx)
		vhost_eventfd_kick(vq->error_ctx);
}
EXPORT_SYMBOL_GPL(vhost_vq_error);

/**
 * vhost_vq_ready - whether a ring can be processed now
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true when a backend is set and the ring is not stopped.
 */
bool vhost_vq_ready(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vq->private_data && !vq->broken && vq->num;
}
EXPORT_SYMBOL_GPL(vhost_vq_ready);

/**
 * vhost_vq_fetch_at - take the next chain, its iovecs at a given place
 * @vq: the ring (its mutex held)
 * @chain: out, the chain
 * @first: index in vq->iov where the chain's iovecs go; the ones before
 *	it are left alone, so several chains can be gathered side by side
 *	(vhost-net's mergeable receive buffers)
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: 1 with a chain, 0 when the ring is empty, -EAGAIN while a
 * translation is pending (the handler is requeued when it arrives), or
 * another -errno once the ring was found invalid (already reported).
 */
int vhost_vq_fetch_at(struct vhost_virtqueue *vq, struct vhost_chain *chain,
		      unsigned int first)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (unlikely(vq->broken))
		return -EIO;
	if (WARN_ON_ONCE(first >= vq->iov_max))
		return -ENOBUFS;
	ret = vhost_vq_prepare(vq);
	if (unlikely(ret))
		return ret;
	ret = vq->ops->fetch(vq, chain, first);
	if (unlikely(ret < 0) && ret != VHOST_XLATE_MISS && !vq->broken) {
		switch (ret) {
		case -ENOBUFS:
			vhost_vq_error(vq, "chain at %u needs more than %u iovecs",
				       vq->last_avail_idx, vq->iov_max - first);
			break;
		case -EPERM:
			vhost_vq_error(vq, "chain at %u: IOTLB denies access",
				       vq->last_avail_idx);
			break;
		default:
			vhost_vq_error(vq, "chain at %u: bad address (%d)",
				       vq->last_avail_idx, ret);
		}
	}
	if (ret > 0) {
		vq->inflight++;
		trace_vhost_fetch(vq->dev->serial, vq->index, chain->head,
				  chain->out_len, chain->in_len);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(vhost_vq_fetch_at);

/**
 * vhost_vq_fetch - take the next chain the driver made available
 * @vq: the ring (its mutex held)
 * @chain: out, the chain; its iovecs live in the ring until the next fetch
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: as vhost_vq_fetch_at().
 */
int vhost_vq_fetch(struct vhost_virtqueue *vq, struct vhost_chain *chain)
{
	lockdep_assert_held(&vq->mutex);
	return vhost_vq_fetch_at(vq, chain, 0);
}
EXPORT_SYMBOL_GPL(vhost_vq_fetch);

/**
 * vhost_vq_unfetch - give back the last @n fetched chains
 * @vq: the ring (its mutex held)
 * @n: how many; they are fetched again next time
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_unfetch(struct vhost_virtqueue *vq, unsigned int n)
{
	lockdep_assert_held(&vq->mutex);
	vq->ops->unfetch(vq, n);
	/* Counted again when fetched again. */
	vq->stats.chains -= n;
	vq->inflight -= min(n, vq->inflight);
}
EXPORT_SYMBOL_GPL(vhost_vq_unfetch);

/**
 * vhost_vq_flush_used - write the gathered completions to the used ring
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_flush_used(struct vhost_virtqueue *vq)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vq->npending)
		return;
	/*
	 * The ring areas are translated again after an IOTLB change. While
	 * the used ring's translation is missing the completions wait here;
	 * the ring's handler runs again when it arrives.
	 */
	ret = vhost_vq_prepare(vq);
	if (!ret)
		ret = vq->ops->push_used(vq, vq->pending, vq->npending);
	if (ret == VHOST_XLATE_MISS)
		return;
	if (ret)
		vhost_vq_error(vq, "used ring not writable (%d)", ret);
	else
		vq->used_pushed = true;
	vq->npending = 0;
}

/**
 * vhost_vq_add_used - complete a chain
 * @vq: the ring (its mutex held)
 * @head: the chain's head, as fetched
 * @len: bytes the device wrote into the chain
 *
 * Completions are written, and the driver signalled if it wants, every
 * VHOST_USED_BATCH; vhost_vq_signal() publishes the rest.
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_add_used(struct vhost_virtqueue *vq, u16 head, u32 len)
{
	lockdep_assert_held(&vq->mutex);
	if (unlikely(vq->npending == VHOST_USED_BATCH)) {
		/* A batch is waiting for the used ring's translation. */
		vhost_vq_flush_used(vq);
		if (vq->npending == VHOST_USED_BATCH) {
			vhost_vq_error(vq, "used ring untranslated with %u completions waiting",
				       vq->npending);
			vq->npending = 0;
		}
	}
	vq->pending[vq->npending].id = head;
	vq->pending[vq->npending].len = len;
	vq->stats.bytes += len;
	/* Zero already for a chain taken before the ring last started. */
	if (vq->inflight)
		vq->inflight--;
	/*
	 * Let the driver overlap with us instead of waiting for the run. A
	 * batch never holds more than the ring, so it is written in at most
	 * two pieces (the end of the used ring, then its start).
	 */
	if (++vq->npending == min_t(unsigned int, VHOST_USED_BATCH, vq->num))
		vhost_vq_signal(vq);
}
EXPORT_SYMBOL_GPL(vhost_vq_add_used);

/**
 * vhost_vq_signal - publish completions and interrupt the driver if it
 * asked for it (never when nothing was completed since the last call)
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_signal(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	vhost_vq_flush_used(vq);
	vhost_log_done(vq);
	if (!vq->used_pushed)
		return;
	vq->used_pushed = false;
	if (!vq->prepared || vq->broken || !vq->call_ctx)
		return;
	if (vq->ops->need_signal(vq)) {
		vq->stats.calls++;
		trace_vhost_call(vq->dev->serial, vq->index, vq->last_used_idx);
		vhost_eventfd_kick(vq->call_ctx);
	}
}
EXPORT_SYMBOL_GPL(vhost_vq_signal);

/**
 * vhost_vq_enable_notify - ask the driver to kick again
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true if the driver published buffers since the ring was last
 * read (found empty, or without enough buffers for what the device
 * needs): the caller should disable notifications again and keep going.
 */
bool vhost_vq_enable_notify(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (vq->broken || vhost_vq_prepare(vq))
		return false;
	return vq->ops->enable_notify(vq);
}

/**
 * vhost_vq_disable_notify - tell the driver not to kick
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_disable_notify(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (vq->broken || vhost_vq_prepare(vq))
		return;
	vq->ops->disable_notify(vq);
}
EXPORT_SYMBOL_GPL(vhost_vq_disable_notify);

/**
 * vhost_vq_busy_poll_until - spin for the ring's busy-poll time until a
 * condition holds
 * @vq: the ring (its mutex held)
 * @found: the condition, checked between spins
 * @arg: passed to @found
 *
 * Completions are published and signalled first. Gives up early when the
 * CPU is wanted or other work is queued on the ring's worker.
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true when @found returned true.
 */
bool vhost_vq_busy_poll_until(struct vhost_virtqueue *vq,
			      bool (*found)(void *arg), void *arg)
{
	u64 end;

	lockdep_assert_held(&vq->mutex);
	if (!vq->busyloop_timeout || !vq->prepared || vq->broken)
		return false;
	/* Never sit on finished work while spinning. */
	vhost_vq_signal(vq);
	end = local_clock() + (u64)vq->busyloop_timeout * NSEC_PER_USEC;
	while (local_clock() < end && !need_resched() &&
	       !vhost_vq_has_work(vq)) {
		if (found(arg)) {
			vq->stats.busypoll_hits++;
			return true;
		}
		cpu_relax();
	}
	return false;
}
EXPORT_SYMBOL_GPL(vhost_vq_busy_poll_until);

static bool vhost_vq_has_new(void *arg)
{
	struct vhost_virtqueue *vq = arg;

	return vq->ops->has_new(vq);
}

/**
 * vhost_vq_busy_poll - spin for new buffers for the ring's busy-poll time
 * @vq: the ring (its mutex held), found empty or without enough buffers
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true when the driver published more buffers.
 */
bool vhost_vq_busy_poll(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vhost_vq_busy_poll_until(vq, vhost_vq_has_new, vq);
}

/**
 * vhost_vq_wait_for_buffers - a handler found too few buffers: busy poll,
 * then ask for kicks and look once more
 * @vq: the ring (its mutex held)
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true when the driver published buffers meanwhile and the
 * handler should go on; false when it should stop and wait for a kick.
 */
bool vhost_vq_wait_for_buffers(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (vhost_vq_busy_poll(vq))
		return true;
	if (unlikely(vhost_vq_enable_notify(vq))) {
		vhost_vq_disable_notify(vq);
		return true;
	}
	return false;
}
EXPORT_SYMBOL_GPL(vhost_vq_wait_for_buffers);

/**
 * vhost_vq_over_weight - whether a handler has run long enough
 * @vq: the ring
 * @chains: chains handled in this run
 * @bytes: bytes moved in this run
 *
 * When it has, the handler is requeued so other rings get their turn.
 *
 * Return: true when the caller should stop now.
 */
bool vhost_vq_over_weight(struct vhost_virtqueue *vq, unsigned int chains,
			  size_t bytes)
{
	struct vhost_dev *dev = vq->dev;

	if (chains < dev->weight && bytes < dev->byte_weight)
		return false;
	vhost_poll_queue(&vq->poll);
	return true;
}
EXPORT_SYMBOL_GPL(vhost_vq_over_weight);

/**
 * vhost_vq_log_write - log the guest pages a chain's writable part got
 * @vq: the ring (its mutex held)
 * @chain: the chain
 * @len: bytes written, from the start of the writable part
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_log_write(struct vhost_virtqueue *vq,
			const struct vhost_chain *chain, size_t len)
{
	unsigned int i;

	lockdep_assert_held(&vq->mutex);
	if (!vhost_vq_logging(vq))
		return;
	for (i = chain->out; i < chain->out + chain->in && len; i++) {
		u64 hva = (u64)(uintptr_t)chain->iov[i].iov_base;
		size_t n = min(len, chain->iov[i].iov_len);
		int ret = vhost_log_hva(vq, hva, n);

		if (ret) {
			vhost_vq_log_failed(vq, ret, hva, n);
			return;
		}
		len -= n;
	}
}
EXPORT_SYMBOL_GPL(vhost_vq_log_write);

/**
 * vhost_vq_log_failed - a write the dirty log cannot record stops the ring
 * @vq: the ring (its mutex held)
 * @err: what the log returned
 * @addr: where the write went (an owner address, or the ring's IOVA)
 * @len: bytes
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_vq_log_failed(struct vhost_virtqueue *vq, int err, u64 addr,
			 u64 len)
{
	lockdep_assert_held(&vq->mutex);
	switch (err) {
	case -EFAULT:
		vhost_vq_error(vq, "dirty log at %#llx not writable",
			       vq->log_base);
		break;
	case -ENXIO:
		vhost_vq_error(vq, "write at %#llx+%llu outside the memory table cannot be logged",
			       addr, len);
		break;
	default:
		vhost_vq_error(vq, "write at %#llx+%llu cannot be logged (%d)",
			       addr, len, err);
	}
}
