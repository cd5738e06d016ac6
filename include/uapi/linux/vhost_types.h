/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Data types shared between the vhost character devices and their
 * userspace owners (VMMs such as QEMU, crosvm, cloud-hypervisor, ...).
 *
 * Every structure and constant here is part of the Linux kernel ABI: the
 * sizes, member offsets and numeric values must stay identical to the ones
 * published by upstream Linux, or existing binaries will break.  The
 * companion header <linux/vhost.h> holds the ioctl request codes.
 *
 * The include guard deliberately matches the one used by Linux so that this
 * copy and the kernel's copy can never both end up in one translation unit.
 */
#ifndef _LINUX_VHOST_TYPES_H
#define _LINUX_VHOST_TYPES_H

#include <linux/types.h>
#ifdef __KERNEL__
#include <linux/compiler.h>
#endif
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

/*
 * Bounds-checking annotation for flexible arrays.  Older kernels and older
 * userspace headers lack it; it has no effect on the layout.
 */
#ifndef __counted_by
#define __counted_by(m)
#endif

/*
 * Generic per-virtqueue argument: "index" selects the virtqueue and "num"
 * carries the value (ring size, next avail index, endianness, timeout, ASID,
 * group, ...).  GET style ioctls read "index" and fill in "num".
 */
struct vhost_vring_state {
	unsigned int index;
	unsigned int num;
};

/*
 * Binds a file descriptor (eventfd, tap/packet socket, ...) to a virtqueue.
 * An fd of VHOST_FILE_UNBIND (-1) detaches whatever was bound before.
 */
struct vhost_vring_file {
	unsigned int index;
	int fd;
};

/*
 * Userspace virtual addresses of the three parts of a split virtqueue, plus
 * the guest physical address used for dirty logging of the used ring.
 */
struct vhost_vring_addr {
	unsigned int index;
	unsigned int flags;	/* bit mask of (1 << VHOST_VRING_F_*) */
/* Bit number in "flags": log_guest_addr is valid, log used ring writes. */
#define VHOST_VRING_F_LOG 0
	__u64 desc_user_addr;	/* descriptor table */
	__u64 used_user_addr;	/* used ring, 4 byte aligned */
	__u64 avail_user_addr;	/* available ring, 2 byte aligned */
	__u64 log_guest_addr;	/* GPA of the used ring, 4 byte aligned */
};

/* Argument of VHOST_NEW_WORKER (output) and VHOST_FREE_WORKER (input). */
struct vhost_worker_state {
	unsigned int worker_id;
};

/* Argument of VHOST_ATTACH_VRING_WORKER and VHOST_GET_VRING_WORKER. */
struct vhost_vring_worker {
	unsigned int index;	/* virtqueue */
	unsigned int worker_id;	/* id returned by VHOST_NEW_WORKER */
};

/*
 * IOTLB message, exchanged with read()/write() on the vhost fd.  vhost-net,
 * -scsi and -vsock use it as a device IOTLB once VIRTIO_F_ACCESS_PLATFORM is
 * negotiated; vhost-vdpa uses it to program all of its DMA mappings.
 * Note that the layout is not padded explicitly: it is 32 bytes with 8 byte
 * alignment on 64-bit targets but only 28 bytes on i386.
 */
struct vhost_iotlb_msg {
	__u64 iova;
	__u64 size;
	__u64 uaddr;
/* Values of "perm". */
#define VHOST_ACCESS_RO		0x1
#define VHOST_ACCESS_WO		0x2
#define VHOST_ACCESS_RW		0x3
	__u8 perm;
/*
 * Values of "type".  MISS is read from the fd (the kernel asks for a
 * translation), UPDATE (add a mapping) and INVALIDATE (remove mappings) are
 * written to it.  ACCESS_FAIL is reserved; Linux never generates it.
 */
#define VHOST_IOTLB_MISS		1
#define VHOST_IOTLB_UPDATE		2
#define VHOST_IOTLB_INVALIDATE		3
#define VHOST_IOTLB_ACCESS_FAIL		4
/*
 * A group of UPDATE messages may be bracketed by BATCH_BEGIN and BATCH_END
 * (needs VHOST_BACKEND_F_IOTLB_BATCH) so that the backend can apply them in
 * one go.  Only "type" is looked at in the two bracket messages.  Applying
 * the batch atomically is not guaranteed.
 */
#define VHOST_IOTLB_BATCH_BEGIN		5
#define VHOST_IOTLB_BATCH_END		6
	__u8 type;
};

/* Values of the "type" member of struct vhost_msg and vhost_msg_v2. */
#define VHOST_IOTLB_MSG		0x1
#define VHOST_IOTLB_MSG_V2	0x2

/*
 * Original message envelope.  The payload offset depends on the alignment of
 * __u64 (8 on x86-64, 4 on i386), hence the v2 envelope below.
 */
struct vhost_msg {
	int type;
	union {
		struct vhost_iotlb_msg iotlb;
		__u8 padding[64];
	};
};

/*
 * Envelope used once VHOST_BACKEND_F_IOTLB_MSG_V2 is acked.  "asid" selects
 * the address space (only meaningful with VHOST_BACKEND_F_IOTLB_ASID).
 */
struct vhost_msg_v2 {
	__u32 type;
	__u32 asid;
	union {
		struct vhost_iotlb_msg iotlb;
		__u8 padding[64];
	};
};

/*
 * Argument of VHOST_GET_FEATURES_ARRAY / VHOST_SET_FEATURES_ARRAY, which
 * extend VHOST_{GET,SET}_FEATURES past feature bit 63.  Bit N lives in
 * features[N / 64] at position N % 64.  "count" is the number of 64-bit
 * words that follow.  On GET the kernel fills the words it knows and zeroes
 * the remaining ones; on SET a set bit in a word the kernel does not know
 * makes the call fail with EOPNOTSUPP.  The ioctl size field only covers
 * "count" (8 bytes).
 */
struct vhost_features_array {
	__u64 count;
	__u64 features[] __counted_by(count);
};

/* One entry of the guest memory table (VHOST_SET_MEM_TABLE). */
struct vhost_memory_region {
	__u64 guest_phys_addr;
	__u64 memory_size;	/* in bytes */
	__u64 userspace_addr;
	__u64 flags_padding;	/* no flags are defined, must be zero */
};

/* Granularity expected for region addresses and sizes. */
#define VHOST_PAGE_SIZE 0x1000

/*
 * Header of the memory table.  The ioctl size field only covers the
 * 8 byte header; "nregions" entries follow it.
 */
struct vhost_memory {
	__u32 nregions;
	__u32 padding;
	struct vhost_memory_region regions[];
};

/* vhost-scsi */

/*
 * Version reported by VHOST_SCSI_GET_ABI_VERSION.
 * 0: initial interface (Linux 3.6).
 * 1: vhost_tpgt is ignored, every TPG below vhost_wwpn is exposed.
 */
#define VHOST_SCSI_ABI_VERSION	1

/* Argument of VHOST_SCSI_SET_ENDPOINT and VHOST_SCSI_CLEAR_ENDPOINT. */
struct vhost_scsi_target {
	int abi_version;
	char vhost_wwpn[224];	/* target WWPN; 224 == TRANSPORT_IQN_LEN */
	unsigned short vhost_tpgt;
	unsigned short reserved;
};

/* vhost-vdpa */

/*
 * Device config space window (VHOST_VDPA_GET_CONFIG / SET_CONFIG): "len"
 * bytes at offset "off" follow the header.  The ioctl size field only
 * covers the 8 byte header.
 */
struct vhost_vdpa_config {
	__u32 off;
	__u32 len;
	__u8 buf[];
};

/* Inclusive IOVA window the vDPA device can map (VHOST_VDPA_GET_IOVA_RANGE). */
struct vhost_vdpa_iova_range {
	__u64 first;
	__u64 last;
};

/*
 * vhost specific bits in the VHOST_{GET,SET}_FEATURES word.  They sit in
 * the transport range of virtio feature bits.
 */
/* Dirty-log every write done by the backend; may be toggled at run time. */
#define VHOST_F_LOG_ALL 26
/* vhost-net itself adds (RX) and strips (TX) the virtio_net_hdr. */
#define VHOST_NET_F_VIRTIO_NET_HDR 27

/* Bit numbers for VHOST_{GET,SET}_BACKEND_FEATURES. */
/* IOTLB messages use struct vhost_msg_v2. */
#define VHOST_BACKEND_F_IOTLB_MSG_V2		0x1
/* IOTLB updates may be grouped with VHOST_IOTLB_BATCH_BEGIN/END. */
#define VHOST_BACKEND_F_IOTLB_BATCH		0x2
/* vhost_msg_v2.asid is honoured (multiple address spaces). */
#define VHOST_BACKEND_F_IOTLB_ASID		0x3
/* VHOST_VDPA_SUSPEND is supported. */
#define VHOST_BACKEND_F_SUSPEND			0x4
/* VHOST_VDPA_RESUME is supported. */
#define VHOST_BACKEND_F_RESUME			0x5
/* Rings may be enabled both before and after DRIVER_OK. */
#define VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK	0x6
/*
 * Descriptor/driver/device areas may belong to a different virtqueue group
 * (VHOST_VDPA_GET_VRING_DESC_GROUP) than the buffers.  Needs IOTLB_ASID.
 */
#define VHOST_BACKEND_F_DESC_ASID		0x7
/* IOTLB mappings survive a device reset. */
#define VHOST_BACKEND_F_IOTLB_PERSIST		0x8

#endif /* _LINUX_VHOST_TYPES_H */
