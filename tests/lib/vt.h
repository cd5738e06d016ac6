/* SPDX-License-Identifier: GPL-2.0 */
/* Everything a suite needs. */
#ifndef VT_VT_H
#define VT_VT_H

#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhost_abi.h"
#include "harness.h"
#include "gmem.h"
#include "vhost_ioctl.h"
#include "vring.h"
#include "fixture.h"
#include "iotlb.h"

_Static_assert(sizeof(struct vhost_msg) == sizeof(struct vhost_msg_v2),
	       "v1 and v2 IOTLB messages are expected to be the same size");

#endif
