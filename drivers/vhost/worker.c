// SPDX-License-Identifier: GPL-2.0
/*
 * Workers: the threads that run ring handlers in the owner's context.
 *
 * A worker is either a kernel thread that adopts the owner's mm and cgroups,
 * or (where the kernel supports it) a task forked from the owner into its
 * thread group. Work items are queued lock-free and run in FIFO order; a
 * work item is on at most one list at a time. Rings point at their worker
 * through an RCU pointer so that a worker can be swapped or killed while
 * kicks arrive.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/kcov.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "core.h"
#include "trace.h"

struct vhost_worker {
	struct vhost_dev *dev;
	u32 id;
	struct llist_head list;
	struct task_struct *thread;	/* kernel-thread model */
	struct vhost_task *task;	/* owner-task model */
	bool killed;			/* under dev->attach_mutex */
	unsigned int users;		/* rings attached, same lock */
	u64 kcov_handle;		/* the creator's, for remote KCOV */
};

struct vhost_flush {
	struct vhost_work work;
	struct completion done;
};

/**
 * vhost_work_init - prepare a work item
 * @work: the item
 * @fn: the function the worker will run
 */
void vhost_work_init(struct vhost_work *work, vhost_work_fn_t fn)
{
	clear_bit(VHOST_WORK_QUEUED, &work->flags);
	work->fn = fn;
}
EXPORT_SYMBOL_GPL(vhost_work_init);

static void vhost_worker_wake(struct vhost_worker *w)
{
	if (w->task)
		vhost_task_wake(w->task);
	else
		wake_up_process(w->thread);
}

static void vhost_worker_queue(struct vhost_worker *w, struct vhost_work *work)
{
	if (test_and_set_bit(VHOST_WORK_QUEUED, &work->flags))
		return;
	/* llist_add() orders the flag before the node is seen. */
	if (llist_add(&work->node, &w->list))
		vhost_worker_wake(w);
}

/* Run everything queued so far; false when there was nothing. */
static bool vhost_worker_run(struct vhost_worker *w)
{
	struct llist_node *node = llist_del_all(&w->list);
	struct vhost_work *work, *next;

	if (!node)
		return false;
	node = llist_reverse_order(node);
	__set_current_state(TASK_RUNNING);
	/*
	 * Ring processing runs here, not in the task that kicked: with KCOV,
	 * what it covers is credited to the task that set the owner (a
	 * fuzzer's KCOV_REMOTE_ENABLE handle). No-op without CONFIG_KCOV.
	 */
	kcov_remote_start_common(w->kcov_handle);
	llist_for_each_entry_safe(work, next, node, node) {
		clear_bit(VHOST_WORK_QUEUED, &work->flags);
		/* A requeue from here on sees the cleared bit. */
		smp_mb__after_atomic();
		work->fn(work);
		cond_resched();
	}
	kcov_remote_stop();
	return true;
}

static int vhost_kthread_fn(void *data)
{
	struct vhost_worker *w = data;

	kthread_use_mm(w->dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		if (!vhost_worker_run(w))
			schedule();
	}
	/* Nothing can be queued once the rings are detached and flushed. */
	vhost_worker_run(w);
	kthread_unuse_mm(w->dev->mm);
	return 0;
}

static bool vhost_task_fn(void *data)
{
	return vhost_worker_run(data);
}

/*
 * The owner was killed and its worker task with it: detach the rings so
 * nothing is queued any more, then run what is left so that every flush
 * waiting on this worker completes.
 */
static void vhost_task_killed(void *data)
{
	struct vhost_worker *w = data;
	struct vhost_dev *dev = w->dev;
	unsigned int i;

	mutex_lock(&dev->attach_mutex);
	w->killed = true;
	for (i = 0; i < dev->nvqs; i++) {
		struct vhost_virtqueue *vq = dev->vqs[i];
		struct vhost_worker *cur;

		cur = rcu_dereference_protected(vq->worker,
						lockdep_is_held(&dev->attach_mutex));
		if (cur == w) {
			RCU_INIT_POINTER(vq->worker, NULL);
			w->users--;
		}
	}
	mutex_unlock(&dev->attach_mutex);
	synchronize_rcu();
	while (vhost_worker_run(w))
		;
}

static void vhost_flush_fn(struct vhost_work *work)
{
	struct vhost_flush *f = container_of(work, struct vhost_flush, work);

	complete(&f->done);
}

/* Wait until everything queued on @w before this call has run. */
static void vhost_worker_flush(struct vhost_worker *w)
{
	struct vhost_dev *dev = w->dev;
	struct vhost_flush f;

	vhost_work_init(&f.work, vhost_flush_fn);
	init_completion(&f.done);
	mutex_lock(&dev->attach_mutex);
	if (w->killed) {
		mutex_unlock(&dev->attach_mutex);
		return;
	}
	vhost_worker_queue(w, &f.work);
	mutex_unlock(&dev->attach_mutex);
	wait_for_completion(&f.done);
}

/*
 * Workers a device may have at once: one per ring, and one more so that a
 * ring can move to a fresh worker before its old one is freed. Worker ids
 * are the lowest free ones, so they stay below this too.
 */
static u32 vhost_workers_max(struct vhost_dev *dev)
{
	return dev->nvqs + 1;
}

static struct vhost_worker *vhost_worker_create(struct vhost_dev *dev)
{
	struct vhost_worker *w;
	char name[TASK_COMM_LEN];
	int ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	/*
	 * Take an id first (a reserved slot, invisible to lookups): a device
	 * at its limit gets -EBUSY, as Linux does when its id space is full,
	 * without a thread being made and killed again.
	 */
	ret = xa_alloc(&dev->workers, &w->id, NULL,
		       XA_LIMIT(0, vhost_workers_max(dev) - 1),
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		kfree(w);
		return ERR_PTR(ret);
	}
	w->dev = dev;
	w->kcov_handle = kcov_common_handle();
	init_llist_head(&w->list);
	/* libvirt looks for "vhost-<owner pid>" to place workers in cgroups. */
	snprintf(name, sizeof(name), "vhost-%d", current->pid);

	if (dev->fork_owner == VHOST_FORK_OWNER_TASK) {
		w->task = vhost_compat_task_create(vhost_task_fn,
						   vhost_task_killed, w, name);
		if (!w->task) {
			ret = -ENOMEM;
			goto err_free;
		}
	} else {
		w->thread = kthread_create(vhost_kthread_fn, w, "%s", name);
		if (IS_ERR(w->thread)) {
			ret = PTR_ERR(w->thread);
			goto err_free;
		}
	}

	if (w->task) {
		vhost_task_start(w->task);
	} else {
		ret = cgroup_attach_task_all(current, w->thread);
		if (ret)
			goto err_stop;
		wake_up_process(w->thread);
	}
	/* Replacing the reserved slot allocates nothing. */
	xa_store(&dev->workers, w->id, w, GFP_KERNEL_ACCOUNT);
	return w;

err_stop:
	if (w->task)
		vhost_task_stop(w->task);
	else
		kthread_stop(w->thread);
err_free:
	xa_erase(&dev->workers, w->id);
	kfree(w);
	return ERR_PTR(ret);
}

/*
 * Stop a worker no ring points at any more (and that no queuer can still
 * see: the caller waited for RCU readers after detaching it).
 */
static void vhost_worker_destroy(struct vhost_dev *dev, struct vhost_worker *w)
{
	struct llist_node *node;
	struct vhost_work *work, *next;

	xa_erase(&dev->workers, w->id);
	if (w->task) {
		/*
		 * A vhost task told to stop exits without looking at its list
		 * again. Work queued after the device's last flush (a packet
		 * from a host socket, a late completion) would stay there with
		 * VHOST_WORK_QUEUED set, and could never be queued again on
		 * the next owner's worker. Run it here first, in the task,
		 * as the kernel thread below does on its way out.
		 */
		vhost_worker_flush(w);
		vhost_task_stop(w->task);
	} else {
		kthread_stop(w->thread);
	}
	/* Nothing can be left, but never leave an item marked queued. */
	node = llist_del_all(&w->list);
	llist_for_each_entry_safe(work, next, node, node)
		clear_bit(VHOST_WORK_QUEUED, &work->flags);
	kfree(w);
}

/* Point @vq at @w; the caller holds dev->attach_mutex. */
static void vhost_vq_set_worker(struct vhost_virtqueue *vq,
				struct vhost_worker *w)
{
	struct vhost_worker *old;

	lockdep_assert_held(&vq->dev->attach_mutex);
	old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&vq->dev->attach_mutex));
	if (old == w)
		return;
	if (old)
		old->users--;
	if (w)
		w->users++;
	rcu_assign_pointer(vq->worker, w);
}

/*
 * kthreadd forks kernel threads, so neither the caller's RLIMIT_NPROC nor
 * its memory cgroup sees them. Refuse an extra one, as fork() would, to a
 * user already at its process limit (only its own count is looked at, not
 * those of enclosing user namespaces). The thread is still not counted
 * against the user: the per-device limit is what bounds those.
 */
static bool vhost_nproc_allows_thread(void)
{
	unsigned long max = rlimit(RLIMIT_NPROC);
	long n = get_rlimit_value(current_ucounts(), UCOUNT_RLIMIT_NPROC);

	if (max > LONG_MAX)
		max = LONG_MAX;
	if (n >= 0 && (unsigned long)n < max)
		return true;
	return capable(CAP_SYS_RESOURCE) || capable(CAP_SYS_ADMIN);
}

/**
 * vhost_worker_new - VHOST_NEW_WORKER
 * @dev: the device, with dev->mutex held and an owner set
 * @id: out, the new worker's id
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0, -EBUSY when the device has as many workers as it may
 * (nvqs + 1), -EAGAIN when a kernel thread would take the caller's user
 * past RLIMIT_NPROC, or another negative errno.
 */
int vhost_worker_new(struct vhost_dev *dev, u32 *id)
{
	struct vhost_worker *w;

	lockdep_assert_held(&dev->mutex);
	if (dev->fork_owner == VHOST_FORK_OWNER_KTHREAD &&
	    !vhost_nproc_allows_thread())
		return -EAGAIN;
	w = vhost_worker_create(dev);
	if (IS_ERR(w))
		return PTR_ERR(w);
	*id = w->id;
	return 0;
}

/**
 * vhost_worker_free - VHOST_FREE_WORKER
 * @dev: the device, with dev->mutex held
 * @id: worker to free; it must have no ring attached
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0, -ENODEV for an unknown id or -EBUSY while rings use it.
 */
int vhost_worker_free(struct vhost_dev *dev, u32 id)
{
	struct vhost_worker *w = xa_load(&dev->workers, id);

	lockdep_assert_held(&dev->mutex);
	if (!w)
		return -ENODEV;
	mutex_lock(&dev->attach_mutex);
	if (w->users) {
		mutex_unlock(&dev->attach_mutex);
		return -EBUSY;
	}
	mutex_unlock(&dev->attach_mutex);
	vhost_worker_destroy(dev, w);
	return 0;
}

/**
 * vhost_vq_attach_worker - move a ring to another worker
 * @vq: the ring; dev->mutex is held, vq->mutex is not
 * @id: the worker
 *
 * Work already queued for the ring on its old worker runs to completion
 * before this returns, so the ring's handler never runs on two workers.
 *
 * Context: process context; @vq->dev->mutex held, @vq->mutex not held.
 *
 * Return: 0 or -ENODEV for an unknown (or killed) worker.
 */
int vhost_vq_attach_worker(struct vhost_virtqueue *vq, u32 id)
{
	struct vhost_dev *dev = vq->dev;
	struct vhost_worker *w = xa_load(&dev->workers, id);
	struct vhost_worker *old;

	lockdep_assert_held(&dev->mutex);
	lockdep_assert_not_held(&vq->mutex);
	if (!w)
		return -ENODEV;
	mutex_lock(&dev->attach_mutex);
	if (w->killed) {
		mutex_unlock(&dev->attach_mutex);
		return -ENODEV;
	}
	old = rcu_dereference_protected(vq->worker,
					lockdep_is_held(&dev->attach_mutex));
	vhost_vq_set_worker(vq, w);
	mutex_unlock(&dev->attach_mutex);
	if (old && old != w) {
		synchronize_rcu();
		vhost_worker_flush(old);
	}
	return 0;
}

/**
 * vhost_vq_worker_id - VHOST_GET_VRING_WORKER
 * @vq: the ring
 * @id: out, its worker's id
 *
 * Return: 0, or -EINVAL when the ring has no worker.
 */
int vhost_vq_worker_id(struct vhost_virtqueue *vq, u32 *id)
{
	struct vhost_worker *w;
	int ret = -EINVAL;

	mutex_lock(&vq->dev->attach_mutex);
	w = rcu_dereference_protected(vq->worker,
				      lockdep_is_held(&vq->dev->attach_mutex));
	if (w) {
		*id = w->id;
		ret = 0;
	}
	mutex_unlock(&vq->dev->attach_mutex);
	return ret;
}

/**
 * vhost_workers_destroy - stop every worker of a device
 * @dev: the device, its rings stopped
 *
 * Context: process context; @dev->mutex held.
 */
void vhost_workers_destroy(struct vhost_dev *dev)
{
	struct vhost_worker *w;
	unsigned long id;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	mutex_lock(&dev->attach_mutex);
	for (i = 0; i < dev->nvqs; i++)
		vhost_vq_set_worker(dev->vqs[i], NULL);
	mutex_unlock(&dev->attach_mutex);
	synchronize_rcu();
	xa_for_each(&dev->workers, id, w)
		vhost_worker_destroy(dev, w);
}

/**
 * vhost_dev_set_default_worker - give every ring the device's first worker
 * @dev: the device at SET_OWNER time
 *
 * Context: process context; @dev->mutex held.
 *
 * Return: 0 or a negative errno.
 */
int vhost_dev_set_default_worker(struct vhost_dev *dev)
{
	struct vhost_worker *w;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	w = vhost_worker_create(dev);
	if (IS_ERR(w))
		return PTR_ERR(w);
	mutex_lock(&dev->attach_mutex);
	for (i = 0; i < dev->nvqs; i++)
		vhost_vq_set_worker(dev->vqs[i], w);
	mutex_unlock(&dev->attach_mutex);
	return 0;
}

/**
 * vhost_vq_work_queue - queue work on the worker serving a ring
 * @vq: the ring
 * @work: the item; queued at most once until it runs
 *
 * Return: false if the ring has no worker (no owner, or owner killed).
 */
bool vhost_vq_work_queue(struct vhost_virtqueue *vq, struct vhost_work *work)
{
	struct vhost_worker *w;
	bool queued = false;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w) {
		vhost_worker_queue(w, work);
		queued = true;
	}
	rcu_read_unlock();
	return queued;
}
EXPORT_SYMBOL_GPL(vhost_vq_work_queue);

/**
 * vhost_vq_has_work - whether work is waiting on the ring's worker
 * @vq: the ring
 *
 * Used by busy polling to give way to other work.
 *
 * Return: true when the worker's list is not empty.
 */
bool vhost_vq_has_work(struct vhost_virtqueue *vq)
{
	struct vhost_worker *w;
	bool busy = false;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w)
		busy = !llist_empty(&w->list);
	rcu_read_unlock();
	return busy;
}

/**
 * vhost_vq_flush - wait for the work queued on a ring's worker
 * @vq: the ring; its mutex must not be held
 *
 * Context: process context; @vq->dev->mutex held, @vq->mutex not held.
 */
void vhost_vq_flush(struct vhost_virtqueue *vq)
{
	struct vhost_worker *w;

	lockdep_assert_held(&vq->dev->mutex);
	lockdep_assert_not_held(&vq->mutex);
	mutex_lock(&vq->dev->attach_mutex);
	w = rcu_dereference_protected(vq->worker,
				      lockdep_is_held(&vq->dev->attach_mutex));
	mutex_unlock(&vq->dev->attach_mutex);
	/* Workers are only destroyed under dev->mutex, which we hold. */
	if (w)
		vhost_worker_flush(w);
}
EXPORT_SYMBOL_GPL(vhost_vq_flush);

/**
 * vhost_dev_flush - wait for all work queued on the device's workers
 * @dev: the device, with dev->mutex held (release takes it too)
 *
 * Context: process context; @dev->mutex held.
 */
void vhost_dev_flush(struct vhost_dev *dev)
{
	struct vhost_worker *w;
	unsigned long id;

	lockdep_assert_held(&dev->mutex);
	xa_for_each(&dev->workers, id, w)
		vhost_worker_flush(w);
}
EXPORT_SYMBOL_GPL(vhost_dev_flush);

/* ---- polling files: kick eventfds and device backends --------------- */

static int vhost_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			     int sync, void *key)
{
	struct vhost_poll *poll = container_of(wait, struct vhost_poll, wait);
	struct vhost_virtqueue *vq = poll->vq;

	/* A wakeup without a key may be any event. */
	if (key && !(key_to_poll(key) & poll->mask))
		return 0;
	if (poll == &vq->poll) {
		vq->stats.kicks++;
		trace_vhost_kick(vq->dev->serial, vq->index);
	}
	vhost_vq_work_queue(vq, &poll->work);
	return 0;
}

static void vhost_poll_register(struct file *file, wait_queue_head_t *wqh,
				poll_table *table)
{
	struct vhost_poll *poll = container_of(table, struct vhost_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

/**
 * vhost_poll_init - prepare a poller
 * @poll: the poller
 * @vq: the ring whose worker runs @fn
 * @fn: the handler to queue
 * @mask: the events that queue it (EPOLLIN: readable, EPOLLOUT: writable)
 */
void vhost_poll_init(struct vhost_poll *poll, struct vhost_virtqueue *vq,
		     vhost_work_fn_t fn, __poll_t mask)
{
	init_waitqueue_func_entry(&poll->wait, vhost_poll_wakeup);
	init_poll_funcptr(&poll->table, vhost_poll_register);
	vhost_work_init(&poll->work, fn);
	poll->wqh = NULL;
	poll->vq = vq;
	poll->mask = mask;
}
EXPORT_SYMBOL_GPL(vhost_poll_init);

/**
 * vhost_poll_watch - watch a file for the poller's events, or stop
 * @poll: the poller
 * @file: the file (a kick eventfd, a socket, a tap), or NULL to stop
 *
 * One file at a time: while one is watched, another is ignored (callers
 * stop first). Events already pending when watching starts queue the
 * handler at once. Once stopped, no wakeup reaches the poller.
 *
 * Return: 0, or -EINVAL if @file reports an error (it is not watched).
 */
int vhost_poll_watch(struct vhost_poll *poll, struct file *file)
{
	wait_queue_head_t *watched = poll->wqh;
	__poll_t pending;

	if (!file || watched) {
		if (!file && watched) {
			poll->wqh = NULL;
			remove_wait_queue(watched, &poll->wait);
		}
		return 0;
	}
	/* vhost_poll_register() hooks us onto the file's queue. */
	pending = vfs_poll(file, &poll->table);
	if (!(pending & EPOLLERR)) {
		if (pending & poll->mask)
			vhost_poll_queue(poll);
		return 0;
	}
	vhost_poll_watch(poll, NULL);
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(vhost_poll_watch);

/**
 * vhost_poll_queue - run a poller's handler as if its event had come
 * @poll: the poller
 */
void vhost_poll_queue(struct vhost_poll *poll)
{
	vhost_vq_work_queue(poll->vq, &poll->work);
}
EXPORT_SYMBOL_GPL(vhost_poll_queue);
