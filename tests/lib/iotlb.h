/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device IOTLB helpers: message I/O on the vhost fd and a thread that
 * plays the vIOMMU, answering MISS messages with UPDATEs for IOVAs that
 * fall in a struct gmem whose .gpa is the IOVA base.
 */
#ifndef VT_IOTLB_H
#define VT_IOTLB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "gmem.h"
#include "vhost_abi.h"

/* Write one IOTLB message (v1 struct vhost_msg or v2 struct vhost_msg_v2).
 * Returns the write() result or -errno. */
long iotlb_send(int fd, bool v2, uint8_t type, uint64_t iova, uint64_t size,
		uint64_t uaddr, uint8_t perm);
/* Map [iova, iova+size) to the matching part of m. */
long iotlb_map(int fd, bool v2, const struct gmem *m, uint64_t iova,
	       uint64_t size, uint8_t perm);
long iotlb_unmap(int fd, bool v2, uint64_t iova, uint64_t size);

struct iotlb_rec {		/* one message read from the device */
	uint32_t msg_type;	/* VHOST_IOTLB_MSG or VHOST_IOTLB_MSG_V2 */
	uint8_t type;		/* VHOST_IOTLB_MISS, ... */
	uint8_t perm;
	uint64_t iova;
	uint64_t size;
};

/* Read one message (non-blocking); 1 got one, 0 none, -errno. */
int iotlb_read(int fd, struct iotlb_rec *r);

#define IOTLB_MAX_RANGES 8
#define IOTLB_LOG 256

struct iotlb_server {
	int fd;
	bool v2;		/* answer with v2 messages */
	const struct gmem *mem;	/* IOVAs we can map: [mem->gpa, +size) */
	uint64_t gran;		/* mapping granularity (page) */

	/* per-range permission overrides (default RW) */
	struct { uint64_t iova, size; uint8_t perm; } ranges[IOTLB_MAX_RANGES];
	unsigned int nranges;

	pthread_t thread;
	int stop_fd;
	pthread_mutex_t lock;
	/* what the device sent */
	unsigned int misses, unmappable, others, bad_type, errors;
	struct iotlb_rec log[IOTLB_LOG];
	unsigned int nlog;
	long last_err;
};

void iotlb_server_start(struct iotlb_server *s, int fd, bool v2,
			const struct gmem *mem);
void iotlb_server_set_perm(struct iotlb_server *s, uint64_t iova,
			   uint64_t size, uint8_t perm);
void iotlb_server_stop(struct iotlb_server *s);
/* Snapshot the miss count under the lock. */
unsigned int iotlb_server_misses(struct iotlb_server *s);
/* Was a MISS seen for an IOVA within [iova, iova+size) ? */
bool iotlb_server_saw_miss(struct iotlb_server *s, uint64_t iova,
			   uint64_t size);

#endif
