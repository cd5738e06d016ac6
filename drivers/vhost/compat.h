/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels we build against (Debian 12's 6.1
 * and 6.12) lives here, in compat_vsock.h and in compat_scsi.h, so the
 * rest of the code reads as one version. Each is keyed on
 * LINUX_VERSION_CODE or on a VHOST_*HAVE_* name from a Kbuild probe of the
 * kernel's headers (where Debian's backports make the version misleading).
 */
#ifndef VHOST_OOT_COMPAT_H
#define VHOST_OOT_COMPAT_H

#include <linux/version.h>
#include <linux/eventfd.h>
#include <linux/export.h>
#include <linux/skbuff.h>
#include <linux/uio.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#error "vhost-oot builds for Linux 6.1 to 6.12 only (Debian 12's 6.1, 6.12)"
#endif

/*
 * Iterator directions were renamed in 6.2 (and the names backported to
 * some 6.1 stable releases); the values are unchanged.
 */
#ifndef VHOST_HAVE_ITER_SOURCE
#define ITER_SOURCE WRITE
#define ITER_DEST READ
#endif

/*
 * Functions exported only for the KUnit suites (tests/kunit): into the
 * EXPORTED_FOR_KUNIT_TESTING namespace, and only on kernels with KUnit.
 * <kunit/visibility.h> came in 6.2 (and to some 6.1 stable releases).
 */
#ifdef VHOST_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define EXPORT_SYMBOL_IF_KUNIT(symbol)					\
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
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

#endif /* VHOST_OOT_COMPAT_H */
