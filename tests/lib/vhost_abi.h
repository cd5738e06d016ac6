/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace ABI the suites speak.
 *
 * Prefer the project's own uapi headers (the Makefile puts
 * include/uapi first on the include path); fall back to the system's
 * <linux/vhost.h> and fill in what older headers lack.  Values here are
 * the public Linux ABI numbers.
 */
#ifndef VT_VHOST_ABI_H
#define VT_VHOST_ABI_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#if defined(__has_include)
#if __has_include(<linux/vhost_test.h>)
#include <linux/vhost_test.h>
#endif
#endif

#ifndef VHOST_TEST_RUN
#define VHOST_TEST_RUN _IOW(VHOST_VIRTIO, 0x31, int)
#endif
#ifndef VHOST_TEST_SET_BACKEND
#define VHOST_TEST_SET_BACKEND _IOW(VHOST_VIRTIO, 0x32, int)
#endif

#ifndef VHOST_NEW_WORKER
struct vhost_worker_state {
	unsigned int worker_id;
};

struct vhost_vring_worker {
	unsigned int index;
	unsigned int worker_id;
};

#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
#define VHOST_ATTACH_VRING_WORKER \
	_IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
#define VHOST_GET_VRING_WORKER \
	_IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)
#endif

#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#endif
#ifndef VHOST_GET_FORK_FROM_OWNER
#define VHOST_GET_FORK_FROM_OWNER _IOR(VHOST_VIRTIO, 0x85, __u8)
#endif
#ifndef VHOST_FORK_OWNER_KTHREAD
#define VHOST_FORK_OWNER_KTHREAD 0
#endif
#ifndef VHOST_FORK_OWNER_TASK
#define VHOST_FORK_OWNER_TASK 1
#endif

#ifndef VHOST_FILE_UNBIND
#define VHOST_FILE_UNBIND -1
#endif

/* Feature masks of the contract. */
#define BIT_ULL(n) (1ULL << (n))

#define VT_F_NOTIFY_ON_EMPTY	BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY)
#define VT_F_LOG_ALL		BIT_ULL(VHOST_F_LOG_ALL)
#define VT_F_ANY_LAYOUT		BIT_ULL(VIRTIO_F_ANY_LAYOUT)
#define VT_F_INDIRECT		BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC)
#define VT_F_EVENT_IDX		BIT_ULL(VIRTIO_RING_F_EVENT_IDX)
#define VT_F_VERSION_1		BIT_ULL(VIRTIO_F_VERSION_1)
#define VT_F_ACCESS_PLATFORM	BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)

#define VT_DEVICE_FEATURES						\
	(VT_F_NOTIFY_ON_EMPTY | VT_F_INDIRECT | VT_F_EVENT_IDX |	\
	 VT_F_LOG_ALL | VT_F_ANY_LAYOUT | VT_F_VERSION_1 |		\
	 VT_F_ACCESS_PLATFORM)

#define VT_BF_IOTLB_MSG_V2	BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2)
#define VT_BF_IOTLB_BATCH	BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH)
#define VT_BACKEND_FEATURES	(VT_BF_IOTLB_MSG_V2 | VT_BF_IOTLB_BATCH)

/* The test device has exactly one virtqueue. */
#define VT_NVQS 1
#define VT_MAX_RING 32768u
#define VT_PAGE 4096u

#endif
