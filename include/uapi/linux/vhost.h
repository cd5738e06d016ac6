/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctl interface of the vhost character devices (/dev/vhost-net,
 * /dev/vhost-scsi, /dev/vhost-vsock, /dev/vhost-vdpa-N, /dev/vhost-test).
 *
 * vhost moves the data path of a virtio device into the kernel: the VMM
 * describes guest memory and the virtqueues once, hands over eventfds for
 * notifications, and from then on the kernel processes the rings directly.
 *
 * All request codes use the ioctl type VHOST_VIRTIO.  Their numbers, the
 * direction bits and the encoded argument sizes are Linux ABI and must not
 * change; several "GET" requests are encoded as _IOW for historical reasons
 * and are kept that way on purpose.
 *
 * The include guard matches the one used by Linux so that this header
 * replaces, rather than collides with, the kernel's copy.
 */
#ifndef _LINUX_VHOST_H
#define _LINUX_VHOST_H

#include <linux/vhost_types.h>
#include <linux/types.h>
#include <linux/ioctl.h>

/* Value for vhost_vring_file.fd that detaches the current file. */
#define VHOST_FILE_UNBIND	(-1)

/* ioctl type shared by every vhost device. */
#define VHOST_VIRTIO 0xAF

/*
 * Device wide requests.
 */

/*
 * Offered / acked virtio feature bits 0..63 (vhost specific bits such as
 * VHOST_F_LOG_ALL live in the transport range).
 */
#define VHOST_GET_FEATURES	_IOR(VHOST_VIRTIO, 0x00, __u64)
#define VHOST_SET_FEATURES	_IOW(VHOST_VIRTIO, 0x00, __u64)

/*
 * Make the calling process the owner of the device.  Most other requests
 * are refused until an owner exists; a second call fails with EBUSY.
 */
#define VHOST_SET_OWNER	_IO(VHOST_VIRTIO, 0x01)
/* Drop ownership and return the device to its initial state. */
#define VHOST_RESET_OWNER	_IO(VHOST_VIRTIO, 0x02)

/* Install the guest memory table (struct vhost_memory plus its regions). */
#define VHOST_SET_MEM_TABLE \
	_IOW(VHOST_VIRTIO, 0x03, struct vhost_memory)

/*
 * Dirty page logging.  The log is a bitmap in the owner's address space,
 * one bit per VHOST_PAGE_SIZE page of guest physical memory, with bits set
 * atomically by the kernel.
 */
/* Userspace address of the log bitmap. */
#define VHOST_SET_LOG_BASE	_IOW(VHOST_VIRTIO, 0x04, __u64)
/* eventfd signalled after the log has been written. */
#define VHOST_SET_LOG_FD	_IOW(VHOST_VIRTIO, 0x07, int)

/*
 * Worker threads.  Each device starts with a single worker shared by all of
 * its virtqueues.  The owner may create more workers (they are accounted to
 * the owner like forked tasks) and bind virtqueues to them.
 */
/* Create a worker; its id is returned in vhost_worker_state.worker_id. */
#define VHOST_NEW_WORKER \
	_IOR(VHOST_VIRTIO, 0x08, struct vhost_worker_state)
/* Destroy an unused worker.  Leftover workers go away on close(). */
#define VHOST_FREE_WORKER \
	_IOW(VHOST_VIRTIO, 0x09, struct vhost_worker_state)

/*
 * Per-virtqueue setup.
 */

/* Ring size; fixed while a backend is attached. */
#define VHOST_SET_VRING_NUM \
	_IOW(VHOST_VIRTIO, 0x10, struct vhost_vring_state)
/* Ring addresses. */
#define VHOST_SET_VRING_ADDR \
	_IOW(VHOST_VIRTIO, 0x11, struct vhost_vring_addr)
/* Next available index to process (set, or read back into "num"). */
#define VHOST_SET_VRING_BASE \
	_IOW(VHOST_VIRTIO, 0x12, struct vhost_vring_state)
#define VHOST_GET_VRING_BASE \
	_IOWR(VHOST_VIRTIO, 0x12, struct vhost_vring_state)

/*
 * Byte order of a legacy (pre virtio 1.0) ring, passed in "num".  Ignored
 * once VIRTIO_F_VERSION_1 is acked, rejected with EBUSY while the ring runs
 * and only present when the kernel supports cross-endian rings.  Note that
 * the GET variant is encoded as _IOW.
 */
#define VHOST_VRING_LITTLE_ENDIAN 0
#define VHOST_VRING_BIG_ENDIAN 1
#define VHOST_SET_VRING_ENDIAN \
	_IOW(VHOST_VIRTIO, 0x13, struct vhost_vring_state)
#define VHOST_GET_VRING_ENDIAN \
	_IOW(VHOST_VIRTIO, 0x14, struct vhost_vring_state)

/*
 * Move a virtqueue to a worker made by VHOST_NEW_WORKER.  A worker that is
 * left without virtqueues may then be released with VHOST_FREE_WORKER.
 */
#define VHOST_ATTACH_VRING_WORKER \
	_IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
/* Query which worker serves a virtqueue. */
#define VHOST_GET_VRING_WORKER \
	_IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)

/* Notification eventfds. */
/* Guest kicks: the kernel polls this eventfd for new buffers. */
#define VHOST_SET_VRING_KICK \
	_IOW(VHOST_VIRTIO, 0x20, struct vhost_vring_file)
/* Guest interrupts: signalled when used buffers were added. */
#define VHOST_SET_VRING_CALL \
	_IOW(VHOST_VIRTIO, 0x21, struct vhost_vring_file)
/* Signalled when the ring hits an unrecoverable error. */
#define VHOST_SET_VRING_ERR \
	_IOW(VHOST_VIRTIO, 0x22, struct vhost_vring_file)

/* Busy polling period in microseconds ("num"); GET is encoded as _IOW. */
#define VHOST_SET_VRING_BUSYLOOP_TIMEOUT \
	_IOW(VHOST_VIRTIO, 0x23, struct vhost_vring_state)
#define VHOST_GET_VRING_BUSYLOOP_TIMEOUT \
	_IOW(VHOST_VIRTIO, 0x24, struct vhost_vring_state)

/* Backend capabilities, bit numbers VHOST_BACKEND_F_*. */
#define VHOST_SET_BACKEND_FEATURES	_IOW(VHOST_VIRTIO, 0x25, __u64)
#define VHOST_GET_BACKEND_FEATURES	_IOR(VHOST_VIRTIO, 0x26, __u64)

/*
 * vhost-net
 */

/*
 * Connect a virtqueue to a tap/macvtap fd or to a bound raw packet socket.
 * VHOST_FILE_UNBIND disconnects it again, e.g. to quiesce for migration.
 * Numbers 0x31 and 0x32 are used by the vhost-test device, see
 * <linux/vhost_test.h>.
 */
#define VHOST_NET_SET_BACKEND \
	_IOW(VHOST_VIRTIO, 0x30, struct vhost_vring_file)

/*
 * vhost-scsi
 */

#define VHOST_SCSI_SET_ENDPOINT \
	_IOW(VHOST_VIRTIO, 0x40, struct vhost_scsi_target)
#define VHOST_SCSI_CLEAR_ENDPOINT \
	_IOW(VHOST_VIRTIO, 0x41, struct vhost_scsi_target)
/* Writes VHOST_SCSI_ABI_VERSION to the int argument (encoded as _IOW). */
#define VHOST_SCSI_GET_ABI_VERSION	_IOW(VHOST_VIRTIO, 0x42, int)
/* "Events were dropped" flag of the event virtqueue (GET encoded as _IOW). */
#define VHOST_SCSI_SET_EVENTS_MISSED	_IOW(VHOST_VIRTIO, 0x43, __u32)
#define VHOST_SCSI_GET_EVENTS_MISSED	_IOW(VHOST_VIRTIO, 0x44, __u32)

/*
 * vhost-vsock
 */

/* Context id of the guest end. */
#define VHOST_VSOCK_SET_GUEST_CID	_IOW(VHOST_VIRTIO, 0x60, __u64)
/* Non-zero starts, zero stops the device. */
#define VHOST_VSOCK_SET_RUNNING	_IOW(VHOST_VIRTIO, 0x61, int)

/*
 * vhost-vdpa
 */

/* virtio device id (VIRTIO_ID_*) of the parent device. */
#define VHOST_VDPA_GET_DEVICE_ID	_IOR(VHOST_VIRTIO, 0x70, __u32)
/* virtio device status byte (VIRTIO_CONFIG_S_*). */
#define VHOST_VDPA_GET_STATUS	_IOR(VHOST_VIRTIO, 0x71, __u8)
#define VHOST_VDPA_SET_STATUS	_IOW(VHOST_VIRTIO, 0x72, __u8)
/* Device specific config space, see struct vhost_vdpa_config. */
#define VHOST_VDPA_GET_CONFIG \
	_IOR(VHOST_VIRTIO, 0x73, struct vhost_vdpa_config)
#define VHOST_VDPA_SET_CONFIG \
	_IOW(VHOST_VIRTIO, 0x74, struct vhost_vdpa_config)
/* Enable ("num" != 0) or disable a virtqueue. */
#define VHOST_VDPA_SET_VRING_ENABLE \
	_IOW(VHOST_VIRTIO, 0x75, struct vhost_vring_state)
/* Largest ring size the device accepts. */
#define VHOST_VDPA_GET_VRING_NUM	_IOR(VHOST_VIRTIO, 0x76, __u16)
/* eventfd signalled on config space changes. */
#define VHOST_VDPA_SET_CONFIG_CALL	_IOW(VHOST_VIRTIO, 0x77, int)
/* IOVA window usable for mappings. */
#define VHOST_VDPA_GET_IOVA_RANGE \
	_IOR(VHOST_VIRTIO, 0x78, struct vhost_vdpa_iova_range)
/* Size in bytes of the device config space. */
#define VHOST_VDPA_GET_CONFIG_SIZE	_IOR(VHOST_VIRTIO, 0x79, __u32)
/* Number of address spaces (ASIDs) the device supports. */
#define VHOST_VDPA_GET_AS_NUM	_IOR(VHOST_VIRTIO, 0x7A, unsigned int)
/* Group of the virtqueue given in "index", returned in "num". */
#define VHOST_VDPA_GET_VRING_GROUP \
	_IOWR(VHOST_VIRTIO, 0x7B, struct vhost_vring_state)
/* Attach virtqueue group "index" to address space "num". */
#define VHOST_VDPA_SET_GROUP_ASID \
	_IOW(VHOST_VIRTIO, 0x7C, struct vhost_vring_state)
/*
 * Stop processing virtqueues while keeping all state (ring bases and any
 * device specific state) needed to continue later; the config space stays
 * frozen until VHOST_VDPA_RESUME.
 */
#define VHOST_VDPA_SUSPEND	_IO(VHOST_VIRTIO, 0x7D)
/* Continue after VHOST_VDPA_SUSPEND with the preserved state. */
#define VHOST_VDPA_RESUME	_IO(VHOST_VIRTIO, 0x7E)
/*
 * Group that the descriptor table, driver area and device area of the
 * virtqueue in "index" belong to, returned in "num".
 */
#define VHOST_VDPA_GET_VRING_DESC_GROUP \
	_IOWR(VHOST_VIRTIO, 0x7F, struct vhost_vring_state)
/* Total number of virtqueues. */
#define VHOST_VDPA_GET_VQS_COUNT	_IOR(VHOST_VIRTIO, 0x80, __u32)
/* Number of virtqueue groups. */
#define VHOST_VDPA_GET_GROUP_NUM	_IOR(VHOST_VIRTIO, 0x81, __u32)
/* Current size of the virtqueue in "index", returned in "num". */
#define VHOST_VDPA_GET_VRING_SIZE \
	_IOWR(VHOST_VIRTIO, 0x82, struct vhost_vring_state)

/*
 * Device wide requests added after vDPA.
 */

/*
 * Feature bits beyond 63, see struct vhost_features_array.  Both directions
 * share number 0x83, like VHOST_GET/SET_FEATURES share 0x00.
 */
#define VHOST_GET_FEATURES_ARRAY \
	_IOR(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#define VHOST_SET_FEATURES_ARRAY \
	_IOW(VHOST_VIRTIO, 0x83, struct vhost_features_array)

/*
 * How worker threads are created, as a __u8:
 * VHOST_FORK_OWNER_TASK (default): workers are vhost_tasks forked from the
 *	owner and inherit its attributes (cgroups, namespaces, limits, ...).
 * VHOST_FORK_OWNER_KTHREAD: workers are kernel threads (old behaviour).
 * The SET request is only accepted before VHOST_SET_OWNER.  Both requests
 * exist only if CONFIG_VHOST_ENABLE_FORK_OWNER_CONTROL is enabled.
 */
#define VHOST_FORK_OWNER_KTHREAD 0
#define VHOST_FORK_OWNER_TASK 1
#define VHOST_SET_FORK_FROM_OWNER	_IOW(VHOST_VIRTIO, 0x84, __u8)
#define VHOST_GET_FORK_FROM_OWNER	_IOR(VHOST_VIRTIO, 0x85, __u8)

#endif /* _LINUX_VHOST_H */
