/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost core as seen by device modules (test, net, scsi, vsock).
 *
 * A device embeds a struct vhost_dev and an array of struct vhost_virtqueue,
 * hands them to vhost_dev_init() with its struct vhost_dev_ops (features,
 * its own ioctls, stop), declares its node with DEFINE_VHOST_MISCDEV(),
 * starts and stops its rings with vhost_dev_start_rings() and
 * vhost_dev_stop_rings() and consumes them with vhost_vq_run(), or
 * vhost_vq_fetch() / vhost_vq_add_used() where a chain is not the unit. All
 * ring processing runs on a worker, in the owner's address space.
 */
#ifndef VHOST_OOT_VHOST_H
#define VHOST_OOT_VHOST_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/vhost.h>

#include "compat.h"

struct vhost_dev;
struct vhost_virtqueue;
struct vhost_worker;
struct vhost_memmap;
struct vhost_iotlb;

/*
 * What every device offers: the split ring with indirect descriptors and
 * event suppression, the dirty log, virtio 1.0 and the device IOTLB. A
 * device adds its own bits (VIRTIO_F_RING_RESET, VIRTIO_F_IN_ORDER, its
 * device-specific ones) in its struct vhost_dev_ops.
 */
#define VHOST_BASE_FEATURES						\
	(BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY) | BIT_ULL(VIRTIO_F_ANY_LAYOUT) |	\
	 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |				\
	 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | BIT_ULL(VHOST_F_LOG_ALL) |	\
	 BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))

/* The IOTLB message formats every device speaks. */
#define VHOST_BASE_BACKEND_FEATURES					\
	(BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) |				\
	 BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH))

/* Iovecs one chain may fill in a ring's scratch array (vq->iov). */
#define VHOST_IOV_MAX		UIO_MAXIOV

/*
 * A ring's handler yields its worker after this many chains or bytes, so
 * that one busy ring cannot starve the others (vhost_vq_over_weight()).
 */
#define VHOST_CHAIN_WEIGHT	256
#define VHOST_BYTE_WEIGHT	0x80000

/* Ring sizes the split layout allows (the index is 16 bits wide). */
#define VHOST_RING_MAX		32768U

/* ---- work items and workers ---------------------------------------- */

struct vhost_work;
typedef void (*vhost_work_fn_t)(struct vhost_work *work);

#define VHOST_WORK_QUEUED	0

/**
 * struct vhost_work - a function run on a device worker
 * @node: link in the worker's lock-free list
 * @fn: what to run
 * @flags: VHOST_WORK_QUEUED while waiting to run (queued at most once)
 */
struct vhost_work {
	struct llist_node node;
	vhost_work_fn_t fn;
	unsigned long flags;
};

/**
 * struct vhost_poll - a file's readiness hooked to a work item: a ring's
 *	kick eventfd, or a device's backend (a socket becoming readable or
 *	writable)
 * @wait: entry on the file's wait queue
 * @wqh: the queue we sit on, NULL when not polling
 * @table: poll table used to register @wait
 * @work: queued when the file reports one of the events in @mask
 * @vq: the ring whose worker runs @work
 * @mask: the events that queue @work (EPOLLIN for kicks)
 */
struct vhost_poll {
	wait_queue_entry_t wait;
	wait_queue_head_t *wqh;
	poll_table table;
	struct vhost_work work;
	struct vhost_virtqueue *vq;
	__poll_t mask;
};

/* ---- descriptor chains ----------------------------------------------- */

/**
 * struct vhost_chain - one buffer the driver made available
 * @head: descriptor id to return in the used ring
 * @out: number of device-readable iovecs, at the start of @iov
 * @in: number of device-writable iovecs, after the readable ones
 * @out_len: bytes the device may read
 * @in_len: bytes the device may write
 * @iov: user-space views of the buffer (in the owner's address space)
 */
struct vhost_chain {
	u16 head;
	unsigned int out;
	unsigned int in;
	size_t out_len;
	size_t in_len;
	struct iovec *iov;
};

/**
 * struct vhost_used - a completion on its way to the used ring
 * @id: head of the chain
 * @len: bytes the device wrote into it
 */
struct vhost_used {
	u32 id;
	u32 len;
};

/* ---- statistics ------------------------------------------------------ */

/**
 * struct vhost_vq_stats - per-ring counters, read through debugfs
 * @kicks: driver notifications handled
 * @calls: interrupts signalled to the driver
 * @chains: descriptor chains consumed
 * @descs: descriptors consumed (indirect entries included)
 * @bytes: bytes the device wrote into chains (the used lengths)
 * @errors: invalid rings reported through the error eventfd
 * @busypoll_hits: buffers found while busy polling
 * @iotlb_misses: translations asked of userspace
 * @drops: packets the device dropped (vhost-net: refused by the socket, or
 *	too big for the buffers)
 */
struct vhost_vq_stats {
	u64 kicks;
	u64 calls;
	u64 chains;
	u64 descs;
	u64 bytes;
	u64 errors;
	u64 busypoll_hits;
	u64 iotlb_misses;
	u64 drops;
};

/* ---- rings ----------------------------------------------------------- */

/* The three areas of a split ring, for address translation. */
enum vhost_ring_area {
	VHOST_AREA_DESC,
	VHOST_AREA_AVAIL,
	VHOST_AREA_USED,
	VHOST_AREA_NR,
};

/**
 * struct vhost_ring_ops - one ring layout (split now, packed later)
 * @start: check the ring can run with the current addresses and features
 * @fetch: take the next available chain into a struct vhost_chain, its
 *	iovecs from vq->iov[first] on
 * @unfetch: give back the last @n fetched chains
 * @push_used: return completed chains to the driver
 * @enable_notify: ask for kicks; true if the driver published buffers
 *	since the ring was last read (the caller should go on)
 * @disable_notify: ask the driver not to kick
 * @need_signal: whether the driver wants an interrupt now
 * @has_new: whether the driver published buffers since the ring was last
 *	read (buffers seen but left for later do not count)
 */
struct vhost_ring_ops {
	int (*start)(struct vhost_virtqueue *vq);
	int (*fetch)(struct vhost_virtqueue *vq, struct vhost_chain *chain,
		     unsigned int first);
	void (*unfetch)(struct vhost_virtqueue *vq, unsigned int n);
	int (*push_used)(struct vhost_virtqueue *vq,
			 const struct vhost_used *used, unsigned int n);
	bool (*enable_notify)(struct vhost_virtqueue *vq);
	void (*disable_notify)(struct vhost_virtqueue *vq);
	bool (*need_signal)(struct vhost_virtqueue *vq);
	bool (*has_new)(struct vhost_virtqueue *vq);
};

/* Completions gathered before they are written to the used ring. */
#define VHOST_USED_BATCH	64

/**
 * struct vhost_virtqueue - one ring of a device
 *
 * Everything below @mutex is protected by it; the worker holds it while
 * processing the ring, ioctls hold it while changing the ring.
 */
struct vhost_virtqueue {
	struct vhost_dev *dev;
	unsigned int index;
	struct mutex mutex;		/* see above */

	/* Ring geometry as set by the owner. */
	unsigned int num;
	u64 addr[VHOST_AREA_NR];	/* user address or IOVA */
	void __user *hva[VHOST_AREA_NR];	/* cached translation or NULL */
	u64 log_addr;			/* guest address of the used ring */
	bool log_used;			/* VHOST_VRING_F_LOG */
	u64 log_base;			/* copy of the device's, for the worker */
	struct eventfd_ctx *log_ctx;	/* likewise */
	bool log_dirty;			/* pages logged since last signal */
	const struct vhost_ring_ops *ops;

	/* Driver/device indices of the split ring. */
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 used_flags;
	u16 signalled_used;
	bool signalled_used_valid;
	unsigned int inflight;		/* chains fetched, not yet completed */
	bool used_pushed;		/* used entries since the last signal */

	/* Notification plumbing. */
	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *error_ctx;
	struct vhost_poll poll;
	vhost_work_fn_t handle_kick;
	struct vhost_worker __rcu *worker;

	/* Backend of the device module, NULL when the ring is stopped. */
	void *private_data;

	u64 acked_features;
	u64 acked_backend_features;
	bool user_be;			/* legacy big-endian ring */
	bool broken;			/* stopped after an invalid ring */
	bool iotlb_wait;		/* stopped until a translation arrives */
	bool prepared;			/* ring areas translated */
	bool started;			/* layout initialised since backend set */
	unsigned int busyloop_timeout;	/* microseconds, 0 = off */

	/* Per-ring scratch space, sized at device init. */
	struct iovec *iov;
	unsigned int iov_max;
	struct vhost_used pending[VHOST_USED_BATCH];
	unsigned int npending;

	struct vhost_memmap *memmap;
	struct vhost_vq_stats stats;
};

/* ---- devices --------------------------------------------------------- */

/**
 * struct vhost_dev_ops - what a device module plugs into the core
 * @features: feature bits the device offers (VHOST_GET_FEATURES)
 * @backend_features: VHOST_BACKEND_F_* bits it offers
 * @set_features: optional, called with dev->mutex held after the core
 *	accepted a new feature set (all rings already updated)
 * @stop: optional, detach backends before the core tears rings down
 * @ioctl: optional, the device's own ioctls, tried before the core's
 *	(vhost_fop_ioctl()); returns -ENOIOCTLCMD for a command it does not
 *	have. Takes dev->mutex itself where it needs it.
 */
struct vhost_dev_ops {
	u64 features;
	u64 backend_features;
	int (*set_features)(struct vhost_dev *dev, u64 features);
	void (*stop)(struct vhost_dev *dev);
	long (*ioctl)(struct vhost_dev *dev, unsigned int cmd,
		      void __user *argp);
};

/**
 * struct vhost_dev - one open instance of a vhost device
 *
 * @mutex serialises ioctls and owner changes. Rings are locked one at a
 * time, after @mutex when both are needed.
 */
struct vhost_dev {
	struct mutex mutex;		/* see above */
	const char *name;
	const struct vhost_dev_ops *ops;
	struct mm_struct *mm;		/* owner's address space, or NULL */
	struct vhost_virtqueue **vqs;
	unsigned int nvqs;
	unsigned int weight;		/* chains per handler run */
	unsigned int byte_weight;	/* bytes per handler run */

	u64 features;
	u64 backend_features;
	u8 fork_owner;			/* VHOST_FORK_OWNER_* */

	/* Workers: created at SET_OWNER and by VHOST_NEW_WORKER. */
	struct xarray workers;
	struct mutex attach_mutex;	/* vq->worker changes, worker kill */

	struct vhost_memmap *memmap;

	/* Device IOTLB (VIRTIO_F_ACCESS_PLATFORM). */
	struct vhost_iotlb *iotlb;
	struct mutex iotlb_mutex;	/* the map itself */
	spinlock_t iotlb_lock;		/* the message queue */
	struct list_head iotlb_out;	/* messages waiting for read() */
	unsigned int iotlb_out_len;
	wait_queue_head_t iotlb_wait;
	bool iotlb_batch;

	/* Dirty log for live migration. */
	u64 log_base;
	struct eventfd_ctx *log_ctx;

	u32 serial;
	struct dentry *debugfs;
};

/* ---- lifecycle and ioctls (dev.c) ------------------------------------ */

int vhost_dev_init(struct vhost_dev *dev, const char *name,
		   const struct vhost_dev_ops *ops,
		   struct vhost_virtqueue **vqs, unsigned int nvqs);
void vhost_dev_cleanup(struct vhost_dev *dev);
int vhost_dev_check_owner(struct vhost_dev *dev);
void vhost_dev_start_rings(struct vhost_dev *dev, void *backend);
void vhost_dev_stop_rings(struct vhost_dev *dev);
void vhost_dev_flush(struct vhost_dev *dev);
bool vhost_has_feature(struct vhost_virtqueue *vq, unsigned int bit);

/*
 * The file operations of a vhost device node. The device's open() sets
 * file->private_data to its struct vhost_dev, which the core's ioctl, read,
 * write and poll use (ioctls go to the device's ops->ioctl first, then to
 * the core; read and write are the device IOTLB's message channel); the
 * device's release finds its own structure from it with container_of().
 */
long vhost_fop_ioctl(struct file *f, unsigned int cmd, unsigned long arg);
ssize_t vhost_fop_read_iter(struct kiocb *iocb, struct iov_iter *to);
ssize_t vhost_fop_write_iter(struct kiocb *iocb, struct iov_iter *from);
__poll_t vhost_fop_poll(struct file *file, poll_table *wait);

#define VHOST_DEVICE_FOPS(open_fn, release_fn) {			\
	.owner = THIS_MODULE,						\
	.open = open_fn,						\
	.release = release_fn,						\
	.unlocked_ioctl = vhost_fop_ioctl,				\
	.compat_ioctl = compat_ptr_ioctl,				\
	.read_iter = vhost_fop_read_iter,				\
	.write_iter = vhost_fop_write_iter,				\
	.poll = vhost_fop_poll,						\
	.llseek = noop_llseek,						\
}

/*
 * DEFINE_VHOST_MISCDEV() - define a device's node: the struct miscdevice
 * @var (register it with misc_register() or module_misc_device()) and its
 * file operations VHOST_DEVICE_FOPS(@open_fn, @release_fn), as /dev/@node
 * with minor number @nr (MISC_DYNAMIC_MINOR, or the one Linux reserves).
 */
#define DEFINE_VHOST_MISCDEV(var, node, nr, open_fn, release_fn)	\
	static const struct file_operations var##_fops =		\
		VHOST_DEVICE_FOPS(open_fn, release_fn);			\
	static struct miscdevice var = {				\
		.minor = nr,						\
		.name = node,						\
		.fops = &var##_fops,					\
	}

/* ---- workers (worker.c) ---------------------------------------------- */

void vhost_work_init(struct vhost_work *work, vhost_work_fn_t fn);
bool vhost_vq_work_queue(struct vhost_virtqueue *vq, struct vhost_work *work);
void vhost_vq_flush(struct vhost_virtqueue *vq);
void vhost_poll_init(struct vhost_poll *poll, struct vhost_virtqueue *vq,
		     vhost_work_fn_t fn, __poll_t mask);
int vhost_poll_watch(struct vhost_poll *poll, struct file *file);

/* Start watching @file; see vhost_poll_watch(). */
static inline int vhost_poll_start(struct vhost_poll *poll, struct file *file)
{
	return file ? vhost_poll_watch(poll, file) : -EBADF;
}

/* Stop watching; no wakeup reaches @poll once this returns. */
static inline void vhost_poll_stop(struct vhost_poll *poll)
{
	vhost_poll_watch(poll, NULL);
}

void vhost_poll_queue(struct vhost_poll *poll);

/* ---- ring processing (ring.c) ---------------------------------------- */

int vhost_vq_fetch(struct vhost_virtqueue *vq, struct vhost_chain *chain);
int vhost_vq_fetch_at(struct vhost_virtqueue *vq, struct vhost_chain *chain,
		      unsigned int first);
void vhost_vq_unfetch(struct vhost_virtqueue *vq, unsigned int n);
void vhost_vq_add_used(struct vhost_virtqueue *vq, u16 head, u32 len);
void vhost_vq_signal(struct vhost_virtqueue *vq);
void vhost_vq_disable_notify(struct vhost_virtqueue *vq);
bool vhost_vq_wait_for_buffers(struct vhost_virtqueue *vq);
bool vhost_vq_busy_poll_until(struct vhost_virtqueue *vq,
			      bool (*found)(void *arg), void *arg);
bool vhost_vq_over_weight(struct vhost_virtqueue *vq, unsigned int chains,
			  size_t bytes);
bool vhost_vq_ready(struct vhost_virtqueue *vq);

/**
 * struct vhost_chain_handler - what a device does with one ring's chains
 * @may_fetch: optional; false when the device cannot take another chain
 *	now (it queues the ring's poll itself once it can). Called with the
 *	ring's mutex held, before every fetch.
 * @handle: consume one chain and complete it (or leave the ring invalid).
 *	Called with the ring's mutex held. Return: the bytes it moved, counted
 *	against the byte weight; negative to end the run (after reporting why).
 */
struct vhost_chain_handler {
	bool (*may_fetch)(struct vhost_virtqueue *vq);
	ssize_t (*handle)(struct vhost_virtqueue *vq, struct vhost_chain *c);
};

void vhost_vq_run(struct vhost_virtqueue *vq,
		  const struct vhost_chain_handler *h);
void vhost_vq_log_write(struct vhost_virtqueue *vq,
			const struct vhost_chain *chain, size_t len);
__printf(2, 3) void vhost_vq_error(struct vhost_virtqueue *vq,
				   const char *fmt, ...);

/**
 * vhost_vq_get_backend - the device's backend of a ring
 * @vq: the ring, with its mutex held
 *
 * Context: process context; @vq->mutex held.
 *
 * Return: what the device set with vhost_vq_set_backend(), or NULL.
 */
static inline void *vhost_vq_get_backend(struct vhost_virtqueue *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vq->private_data;
}

void vhost_vq_set_backend(struct vhost_virtqueue *vq, void *backend);

/**
 * vhost_vq_is_le - whether ring fields are little-endian
 * @vq: the ring
 *
 * Inline: every ring field read or written asks.
 *
 * Return: true for VIRTIO 1.0 rings and for legacy rings in the host's
 * (little-endian) order unless VHOST_SET_VRING_ENDIAN asked for big.
 */
static inline bool vhost_vq_is_le(const struct vhost_virtqueue *vq)
{
	if (vq->acked_features & BIT_ULL(VIRTIO_F_VERSION_1))
		return true;
#ifdef __LITTLE_ENDIAN
	return !vq->user_be;
#else
	return false;
#endif
}

/**
 * vhost_vq_virtio16 - a 16-bit value in the byte order of the ring's driver
 * @vq: the ring
 * @val: the value
 *
 * Return: @val as the driver reads it (little-endian for VIRTIO 1.0).
 */
static inline __virtio16 vhost_vq_virtio16(const struct vhost_virtqueue *vq,
					   u16 val)
{
	return vhost_vq_is_le(vq) ? (__force __virtio16)cpu_to_le16(val) :
				    (__force __virtio16)cpu_to_be16(val);
}

#endif /* VHOST_OOT_VHOST_H */
