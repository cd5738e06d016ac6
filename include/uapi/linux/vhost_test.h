/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ioctl interface of the vhost test device (/dev/vhost-test), a null virtio
 * backend used by tools/virtio/virtio_test to exercise the vhost core.
 *
 * Linux keeps these two definitions in drivers/vhost/test.h; the numbers and
 * encodings below are identical to those.
 */
#ifndef _UAPI_LINUX_VHOST_TEST_H
#define _UAPI_LINUX_VHOST_TEST_H

#include <linux/vhost.h>

/*
 * arg points to an int: 1 starts processing all virtqueues, 0 stops it;
 * other values are rejected with EINVAL.
 */
#define VHOST_TEST_RUN		_IOW(VHOST_VIRTIO, 0x31, int)

/*
 * arg points to a struct vhost_vring_file: fd == VHOST_FILE_UNBIND detaches
 * the backend of virtqueue "index", any other fd value re-attaches it (the
 * fd itself is not used).  Caution: the kernel reads the whole 8 byte
 * struct, but the request code encodes the size of an int (4 bytes).  The
 * encoding is ABI and is kept as is.
 */
#define VHOST_TEST_SET_BACKEND	_IOW(VHOST_VIRTIO, 0x32, int)

#endif /* _UAPI_LINUX_VHOST_TEST_H */
