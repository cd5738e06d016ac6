// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "harness.h"
#include "vhost_ioctl.h"

long vh_ioctl(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

long vh_open(void)
{
	int fd = open(vt_dev_path(), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

long vh_get_features(int fd, uint64_t *features)
{
	return vh_ioctl(fd, VHOST_GET_FEATURES, features);
}

long vh_set_features(int fd, uint64_t features)
{
	return vh_ioctl(fd, VHOST_SET_FEATURES, &features);
}

long vh_get_backend_features(int fd, uint64_t *features)
{
	return vh_ioctl(fd, VHOST_GET_BACKEND_FEATURES, features);
}

long vh_set_backend_features(int fd, uint64_t features)
{
	return vh_ioctl(fd, VHOST_SET_BACKEND_FEATURES, &features);
}

long vh_set_owner(int fd)
{
	return vh_ioctl(fd, VHOST_SET_OWNER, NULL);
}

long vh_reset_owner(int fd)
{
	return vh_ioctl(fd, VHOST_RESET_OWNER, NULL);
}

long vh_set_mem_table(int fd, const struct vhost_memory *mem)
{
	return vh_ioctl(fd, VHOST_SET_MEM_TABLE, (void *)mem);
}

long vh_set_log_base(int fd, uint64_t addr)
{
	return vh_ioctl(fd, VHOST_SET_LOG_BASE, &addr);
}

long vh_set_log_fd(int fd, int efd)
{
	return vh_ioctl(fd, VHOST_SET_LOG_FD, &efd);
}

static long vring_state(int fd, unsigned long req, unsigned int idx,
			unsigned int *num)
{
	struct vhost_vring_state s = { .index = idx, .num = *num };
	long r = vh_ioctl(fd, req, &s);

	*num = s.num;
	return r;
}

long vh_set_vring_num(int fd, unsigned int idx, unsigned int num)
{
	return vring_state(fd, VHOST_SET_VRING_NUM, idx, &num);
}

long vh_set_vring_base(int fd, unsigned int idx, unsigned int num)
{
	return vring_state(fd, VHOST_SET_VRING_BASE, idx, &num);
}

long vh_get_vring_base(int fd, unsigned int idx, unsigned int *num)
{
	*num = 0xdeadbeef;
	return vring_state(fd, VHOST_GET_VRING_BASE, idx, num);
}

long vh_set_vring_addr(int fd, const struct vhost_vring_addr *addr)
{
	return vh_ioctl(fd, VHOST_SET_VRING_ADDR, (void *)addr);
}

static long vring_file(int fd, unsigned long req, unsigned int idx, int efd)
{
	struct vhost_vring_file f = { .index = idx, .fd = efd };

	return vh_ioctl(fd, req, &f);
}

long vh_set_vring_kick(int fd, unsigned int idx, int efd)
{
	return vring_file(fd, VHOST_SET_VRING_KICK, idx, efd);
}

long vh_set_vring_call(int fd, unsigned int idx, int efd)
{
	return vring_file(fd, VHOST_SET_VRING_CALL, idx, efd);
}

long vh_set_vring_err(int fd, unsigned int idx, int efd)
{
	return vring_file(fd, VHOST_SET_VRING_ERR, idx, efd);
}

long vh_set_vring_endian(int fd, unsigned int idx, unsigned int num)
{
	return vring_state(fd, VHOST_SET_VRING_ENDIAN, idx, &num);
}

long vh_get_vring_endian(int fd, unsigned int idx, unsigned int *num)
{
	*num = 0xdeadbeef;
	return vring_state(fd, VHOST_GET_VRING_ENDIAN, idx, num);
}

long vh_set_vring_busyloop(int fd, unsigned int idx, unsigned int usec)
{
	return vring_state(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, idx, &usec);
}

long vh_get_vring_busyloop(int fd, unsigned int idx, unsigned int *usec)
{
	*usec = 0xdeadbeef;
	return vring_state(fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, idx, usec);
}

long vh_new_worker(int fd, unsigned int *id)
{
	struct vhost_worker_state w = { .worker_id = 0xdeadbeef };
	long r = vh_ioctl(fd, VHOST_NEW_WORKER, &w);

	*id = w.worker_id;
	return r;
}

long vh_free_worker(int fd, unsigned int id)
{
	struct vhost_worker_state w = { .worker_id = id };

	return vh_ioctl(fd, VHOST_FREE_WORKER, &w);
}

long vh_attach_vring_worker(int fd, unsigned int idx, unsigned int id)
{
	struct vhost_vring_worker w = { .index = idx, .worker_id = id };

	return vh_ioctl(fd, VHOST_ATTACH_VRING_WORKER, &w);
}

long vh_get_vring_worker(int fd, unsigned int idx, unsigned int *id)
{
	struct vhost_vring_worker w = { .index = idx, .worker_id = 0xdeadbeef };
	long r = vh_ioctl(fd, VHOST_GET_VRING_WORKER, &w);

	*id = w.worker_id;
	return r;
}

long vh_set_fork_owner(int fd, uint8_t v)
{
	return vh_ioctl(fd, VHOST_SET_FORK_FROM_OWNER, &v);
}

long vh_get_fork_owner(int fd, uint8_t *v)
{
	*v = 0xee;
	return vh_ioctl(fd, VHOST_GET_FORK_FROM_OWNER, v);
}

long vh_test_run(int fd, int run)
{
	return vh_ioctl(fd, VHOST_TEST_RUN, &run);
}

long vh_test_set_backend(int fd, unsigned int idx, int bfd)
{
	return vring_file(fd, VHOST_TEST_SET_BACKEND, idx, bfd);
}

struct vhost_memory *memtable_alloc(unsigned int n)
{
	struct vhost_memory *t;

	t = calloc(1, sizeof(*t) + (size_t)n * sizeof(t->regions[0]));
	if (!t)
		FAIL("out of memory for a %u-region table", n);
	t->nregions = n;
	return t;
}

void memtable_set(struct vhost_memory *t, unsigned int i, uint64_t gpa,
		  uint64_t size, uint64_t uaddr)
{
	t->regions[i].guest_phys_addr = gpa;
	t->regions[i].memory_size = size;
	t->regions[i].userspace_addr = uaddr;
	t->regions[i].flags_padding = 0;
}

long vh_set_mem_one(int fd, uint64_t gpa, uint64_t size, void *hva)
{
	struct vhost_memory *t = memtable_alloc(1);
	long r;

	memtable_set(t, 0, gpa, size, (uintptr_t)hva);
	r = vh_set_mem_table(fd, t);
	free(t);
	return r;
}

int vh_open_owned(const char *path, uint64_t want, uint64_t *offered)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	long r;

	*offered = 0;
	if (fd < 0)
		return -errno;
	r = vh_set_owner(fd);
	if (!r)
		r = vh_get_features(fd, offered);
	if (!r && (*offered & want) != want)
		r = -ENOTSUP;
	if (!r)
		r = vh_set_features(fd, want);
	if (r) {
		close(fd);
		return (int)r;
	}
	return fd;
}

int vt_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0)
		FAIL("eventfd: %s", strerror(errno));
	return fd;
}

int vt_eventfd_signal(int efd)
{
	uint64_t one = 1;

	return write(efd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

uint64_t vt_eventfd_drain(int efd)
{
	uint64_t v = 0;

	if (efd < 0 || read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

int vt_poll_in(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t deadline = vt_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int r;

	for (;;) {
		r = poll(&p, 1, timeout_ms);
		if (r >= 0)
			return r > 0 ? 1 : 0;
		if (errno != EINTR)
			return -errno;
		if (timeout_ms > 0) {
			uint64_t now = vt_now_ms();

			if (now >= deadline)
				return 0;
			timeout_ms = (int)(deadline - now);
		}
	}
}

long vh_get_features_array(int fd, void *arg)
{
	return vh_ioctl(fd, VHOST_GET_FEATURES_ARRAY, arg);
}

long vh_set_features_array(int fd, const void *arg)
{
	return vh_ioctl(fd, VHOST_SET_FEATURES_ARRAY, (void *)arg);
}
