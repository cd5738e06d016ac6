/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Thin ioctl wrappers: each returns >= 0 on success, -errno on failure.
 * No wrapper reports or aborts; the cases decide what is expected.
 */
#ifndef VT_VHOST_IOCTL_H
#define VT_VHOST_IOCTL_H

#include <stdint.h>

#include "vhost_abi.h"

long vh_ioctl(int fd, unsigned long req, void *arg);

long vh_open(void);	/* fd of a fresh /dev/vhost-test, or -errno */

long vh_get_features(int fd, uint64_t *features);
long vh_set_features(int fd, uint64_t features);
long vh_get_backend_features(int fd, uint64_t *features);
long vh_set_backend_features(int fd, uint64_t features);
long vh_set_owner(int fd);
long vh_reset_owner(int fd);

long vh_set_mem_table(int fd, const struct vhost_memory *mem);
long vh_set_log_base(int fd, uint64_t addr);
long vh_set_log_fd(int fd, int efd);

long vh_set_vring_num(int fd, unsigned int idx, unsigned int num);
long vh_set_vring_base(int fd, unsigned int idx, unsigned int num);
long vh_get_vring_base(int fd, unsigned int idx, unsigned int *num);
long vh_set_vring_addr(int fd, const struct vhost_vring_addr *addr);
long vh_set_vring_kick(int fd, unsigned int idx, int efd);
long vh_set_vring_call(int fd, unsigned int idx, int efd);
long vh_set_vring_err(int fd, unsigned int idx, int efd);
long vh_set_vring_endian(int fd, unsigned int idx, unsigned int num);
long vh_get_vring_endian(int fd, unsigned int idx, unsigned int *num);
long vh_set_vring_busyloop(int fd, unsigned int idx, unsigned int usec);
long vh_get_vring_busyloop(int fd, unsigned int idx, unsigned int *usec);

long vh_new_worker(int fd, unsigned int *id);
long vh_free_worker(int fd, unsigned int id);
long vh_attach_vring_worker(int fd, unsigned int idx, unsigned int id);
long vh_get_vring_worker(int fd, unsigned int idx, unsigned int *id);

long vh_set_fork_owner(int fd, uint8_t v);
long vh_get_fork_owner(int fd, uint8_t *v);

/* vhost-test device specific */
long vh_test_run(int fd, int run);
long vh_test_set_backend(int fd, unsigned int idx, int bfd);

/* Memory table: calloc'ed struct vhost_memory with room for n regions. */
struct vhost_memory *memtable_alloc(unsigned int n);
void memtable_set(struct vhost_memory *t, unsigned int i, uint64_t gpa,
		  uint64_t size, uint64_t uaddr);
/* A memory table of one region; 0 or -errno. */
long vh_set_mem_one(int fd, uint64_t gpa, uint64_t size, void *hva);

/*
 * Open a vhost device, take ownership and set the features @want: the fd,
 * or -errno; -ENOTSUP when the device does not offer them all (*offered
 * says what it does).
 */
int vh_open_owned(const char *path, uint64_t want, uint64_t *offered);

/* eventfd helpers */
int vt_eventfd(void);			/* nonblocking, cloexec; fatal on error */
int vt_eventfd_signal(int efd);		/* write 1; -errno */
uint64_t vt_eventfd_drain(int efd);	/* read the counter (0 if none) */
/* poll fd for POLLIN up to timeout_ms: 1 ready, 0 timeout, -errno */
int vt_poll_in(int fd, int timeout_ms);

/*
 * VHOST_GET/SET_FEATURES_ARRAY: @arg is a __u64 count followed by count
 * feature words (struct vhost_features_array).
 */
long vh_get_features_array(int fd, void *arg);
long vh_set_features_array(int fd, const void *arg);

#endif
