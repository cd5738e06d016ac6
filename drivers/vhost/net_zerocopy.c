// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy transmit for vhost-net.
 *
 * A large frame is sent with a struct ubuf_info attached: tun and tap then
 * pin the guest's pages into the skb instead of copying them, and call the
 * ubuf's completion once every skb using those pages is gone (or at once,
 * with success false, when they copied after all). Until then the guest
 * must not get the buffer back.
 *
 * Each transmit ring keeps a FIFO of the chains it sent this way, in ring
 * order. Chains the handler finished itself (copied frames) join the FIFO
 * behind them while anything is in flight, so used entries are written in
 * the order the driver made the buffers available (VIRTIO_F_IN_ORDER holds).
 *
 * The FIFO lives in a refcounted pool: the ring holds one reference and
 * every buffer in flight one more, so a device closed mid-flight (its owner
 * killed) goes away at once and the pool follows when the stack lets go of
 * the last skb. Completions find the ring through an RCU pointer that the
 * ring clears before it is freed. Module exit waits for every pool.
 */
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/wait_bit.h>

#include "vhost.h"
#include "net_zerocopy.h"

/* Chains the FIFO holds: in flight, and finished ones queued behind them. */
#define VHOST_NET_ZC_SLOTS	512

struct vhost_net_zc_slot {
	struct ubuf_info ubuf;
	struct vhost_net_zc *zc;
	u16 head;
	u8 done;
};

/**
 * struct vhost_net_zc - a transmit ring's zero-copy FIFO
 * @vq: the ring to wake on a completion; NULL once the ring let go
 * @ref: one for the ring, one per buffer the stack holds
 * @in_flight: buffers the stack holds
 * @idle: woken when @in_flight drops to 0
 * @first: oldest FIFO entry (free running; the ring's mutex guards it)
 * @next: where the next entry goes (same)
 * @rcu: frees the pool
 * @slots: the FIFO
 */
struct vhost_net_zc {
	struct vhost_virtqueue __rcu *vq;
	refcount_t ref;
	atomic_t in_flight;
	wait_queue_head_t idle;
	unsigned int first;
	unsigned int next;
	struct rcu_head rcu;
	struct vhost_net_zc_slot slots[VHOST_NET_ZC_SLOTS];
};

/* Pools not yet freed, for module exit. */
static atomic_t vhost_net_zc_pools = ATOMIC_INIT(0);

static struct vhost_net_zc_slot *vhost_net_zc_at(struct vhost_net_zc *zc,
						 unsigned int i)
{
	return &zc->slots[i % VHOST_NET_ZC_SLOTS];
}

/*
 * The FIFO's indices belong to the ring's mutex. The ring is the only one
 * that changes @vq (it clears it when it lets the FIFO go, and never uses
 * the FIFO after that), so while the ring uses its FIFO the pointer is
 * stable and names the mutex to check.
 */
static void vhost_net_zc_assert_locked(const struct vhost_net_zc *zc)
{
	lockdep_assert_held(&rcu_dereference_raw(zc->vq)->mutex);
}

/* Any context; called inside an RCU read section (see module exit). */
static void vhost_net_zc_put(struct vhost_net_zc *zc)
{
	if (!refcount_dec_and_test(&zc->ref))
		return;
	kvfree_rcu(zc, rcu);
	if (atomic_dec_and_test(&vhost_net_zc_pools))
		wake_up_var(&vhost_net_zc_pools);
}

/* The stack is done with one skb that uses the buffer; maybe the last. */
static void vhost_net_zc_complete_one(struct sk_buff *skb,
				      struct ubuf_info *ubuf, bool copied)
{
	struct vhost_net_zc_slot *s =
		container_of(ubuf, struct vhost_net_zc_slot, ubuf);
	struct vhost_net_zc *zc = s->zc;
	struct vhost_virtqueue *vq;

	/* GSO segments and clones each hold a reference and each call. */
	if (!refcount_dec_and_test(&ubuf->refcnt))
		return;
	rcu_read_lock();
	/* Pairs with the acquire in vhost_net_zc_complete()/_unclaim(). */
	smp_store_release(&s->done, 1);
	vq = rcu_dereference(zc->vq);
	if (vq)
		vhost_poll_queue(&vq->poll);
	if (atomic_dec_and_test(&zc->in_flight))
		wake_up(&zc->idle);
	vhost_net_zc_put(zc);
	rcu_read_unlock();
}

VHOST_DEFINE_UBUF_OPS(vhost_net_zc_ops, vhost_net_zc_complete_one);

/**
 * vhost_net_zc_create - a zero-copy FIFO for a transmit ring
 * @vq: the ring; its handler is queued whenever a buffer comes back
 *
 * Return: the FIFO, or NULL without memory.
 */
struct vhost_net_zc *vhost_net_zc_create(struct vhost_virtqueue *vq)
{
	struct vhost_net_zc *zc = kvzalloc(sizeof(*zc), GFP_KERNEL_ACCOUNT);

	if (!zc)
		return NULL;
	RCU_INIT_POINTER(zc->vq, vq);
	refcount_set(&zc->ref, 1);
	init_waitqueue_head(&zc->idle);
	atomic_inc(&vhost_net_zc_pools);
	return zc;
}

/**
 * vhost_net_zc_release - the ring lets go of its FIFO
 * @zc: the FIFO
 *
 * Buffers still in flight keep the FIFO alive; their completions no longer
 * touch the ring once this returns.
 */
void vhost_net_zc_release(struct vhost_net_zc *zc)
{
	RCU_INIT_POINTER(zc->vq, NULL);
	synchronize_rcu();
	rcu_read_lock();
	vhost_net_zc_put(zc);
	rcu_read_unlock();
}

/**
 * vhost_net_zc_busy - whether finished chains must queue behind others
 * @zc: the FIFO; the ring's mutex held
 *
 * Context: process context; the ring's mutex held.
 *
 * Return: true while the FIFO holds anything.
 */
bool vhost_net_zc_busy(const struct vhost_net_zc *zc)
{
	vhost_net_zc_assert_locked(zc);
	return zc->first != zc->next;
}

/**
 * vhost_net_zc_full - whether the FIFO can take no further chain
 * @zc: the FIFO; the ring's mutex held
 *
 * Context: process context; the ring's mutex held.
 *
 * Return: true when full; a completion queues the ring's handler again.
 */
bool vhost_net_zc_full(const struct vhost_net_zc *zc)
{
	vhost_net_zc_assert_locked(zc);
	return zc->next - zc->first == VHOST_NET_ZC_SLOTS;
}

/**
 * vhost_net_zc_claim - an entry for a chain about to be sent by reference
 * @zc: the FIFO, not full; the ring's mutex held
 * @head: the chain
 *
 * Context: process context; the ring's mutex held.
 *
 * Return: the ubuf_info to pass to the socket (TUN_MSG_UBUF).
 */
struct ubuf_info *vhost_net_zc_claim(struct vhost_net_zc *zc, u16 head)
{
	struct vhost_net_zc_slot *s;

	vhost_net_zc_assert_locked(zc);
	s = vhost_net_zc_at(zc, zc->next++);
	s->zc = zc;
	s->head = head;
	s->done = 0;
	vhost_ubuf_set_ops(&s->ubuf, vhost_net_zc_ops);
	refcount_set(&s->ubuf.refcnt, 1);
	/* The pages stay the guest's: they may change under the skb. */
	s->ubuf.flags = SKBFL_ZEROCOPY_FRAG;
	refcount_inc(&zc->ref);
	atomic_inc(&zc->in_flight);
	return &s->ubuf;
}

/**
 * vhost_net_zc_unclaim - the send of the last claimed chain failed
 * @zc: the FIFO; the ring's mutex held
 *
 * tun and tap either free the skb they built before returning an error,
 * completing the buffer in the call, or fail before taking it at all.
 *
 * Context: process context; the ring's mutex held.
 *
 * Return: true if the buffer was taken and already completed (its entry
 * stays in the FIFO); false if it was never taken (the entry is gone).
 */
bool vhost_net_zc_unclaim(struct vhost_net_zc *zc)
{
	struct vhost_net_zc_slot *s;

	vhost_net_zc_assert_locked(zc);
	s = vhost_net_zc_at(zc, zc->next - 1);
	/* Pairs with the release in the completion. */
	if (smp_load_acquire(&s->done))
		return true;
	zc->next--;
	atomic_dec(&zc->in_flight);
	refcount_dec(&zc->ref);
	return false;
}

/**
 * vhost_net_zc_done - give back a chain the ring finished without the stack
 * @zc: the FIFO, not full; the ring's mutex held
 * @vq: the ring
 * @head: the chain
 *
 * Straight to the used ring when nothing is in flight; else queued behind
 * the chains in flight, so used entries keep the order of the avail ring.
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_net_zc_done(struct vhost_net_zc *zc, struct vhost_virtqueue *vq,
		       u16 head)
{
	struct vhost_net_zc_slot *s;

	lockdep_assert_held(&vq->mutex);
	if (!vhost_net_zc_busy(zc)) {
		vhost_vq_add_used(vq, head, 0);
		return;
	}
	s = vhost_net_zc_at(zc, zc->next++);
	s->head = head;
	s->done = 1;
}

/**
 * vhost_net_zc_complete - give the guest back what came back, in order
 * @zc: the FIFO; the ring's mutex held
 * @vq: the ring
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: the chains added to the used ring (the caller signals).
 */
unsigned int vhost_net_zc_complete(struct vhost_net_zc *zc,
				   struct vhost_virtqueue *vq)
{
	unsigned int n = 0;

	lockdep_assert_held(&vq->mutex);
	while (zc->first != zc->next) {
		struct vhost_net_zc_slot *s = vhost_net_zc_at(zc, zc->first);

		/* Pairs with the release in the completion: the slot is ours. */
		if (!smp_load_acquire(&s->done))
			break;
		vhost_vq_add_used(vq, s->head, 0);
		zc->first++;
		n++;
	}
	return n;
}

/**
 * vhost_net_zc_drain - wait for every buffer in flight and give all back
 * @zc: the FIFO; the ring's mutex held (completions never take it)
 * @vq: the ring
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: true when the FIFO is empty; false if a fatal signal cut the
 * wait short (buffers still in flight: the FIFO must not be used again).
 */
bool vhost_net_zc_drain(struct vhost_net_zc *zc, struct vhost_virtqueue *vq)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	ret = wait_event_killable(zc->idle, !atomic_read(&zc->in_flight));
	vhost_net_zc_complete(zc, vq);
	return !ret && !vhost_net_zc_busy(zc);
}

/**
 * vhost_net_zc_wait_all_freed - module exit: no completion may still run
 */
void vhost_net_zc_wait_all_freed(void)
{
	wait_var_event(&vhost_net_zc_pools, !atomic_read(&vhost_net_zc_pools));
	/* The last completions may still be inside their RCU read section. */
	synchronize_rcu();
}
