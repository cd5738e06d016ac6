// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "iotlb.h"
#include "vhost_ioctl.h"

long iotlb_send(int fd, bool v2, uint8_t type, uint64_t iova, uint64_t size,
		uint64_t uaddr, uint8_t perm)
{
	struct vhost_iotlb_msg m = {
		.iova = iova, .size = size, .uaddr = uaddr,
		.perm = perm, .type = type,
	};
	ssize_t n;

	if (v2) {
		struct vhost_msg_v2 msg;

		memset(&msg, 0, sizeof(msg));
		msg.type = VHOST_IOTLB_MSG_V2;
		msg.iotlb = m;
		n = write(fd, &msg, sizeof(msg));
	} else {
		struct vhost_msg msg;

		memset(&msg, 0, sizeof(msg));
		msg.type = VHOST_IOTLB_MSG;
		msg.iotlb = m;
		n = write(fd, &msg, sizeof(msg));
	}
	return n < 0 ? -errno : n;
}

long iotlb_map(int fd, bool v2, const struct gmem *m, uint64_t iova,
	       uint64_t size, uint8_t perm)
{
	uint8_t *hva = gmem_hva(m, iova, size);

	if (!hva)
		return -ERANGE;
	return iotlb_send(fd, v2, VHOST_IOTLB_UPDATE, iova, size,
			  (uintptr_t)hva, perm);
}

long iotlb_unmap(int fd, bool v2, uint64_t iova, uint64_t size)
{
	return iotlb_send(fd, v2, VHOST_IOTLB_INVALIDATE, iova, size, 0, 0);
}

int iotlb_read(int fd, struct iotlb_rec *r)
{
	/* v1 and v2 share the layout up to the union: type, pad/asid, iotlb */
	union {
		struct vhost_msg v1;
		struct vhost_msg_v2 v2;
	} msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	n = read(fd, &msg, sizeof(msg));
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n < (ssize_t)sizeof(msg.v2))
		return -EMSGSIZE;
	r->msg_type = msg.v2.type;
	r->type = msg.v2.iotlb.type;
	r->perm = msg.v2.iotlb.perm;
	r->iova = msg.v2.iotlb.iova;
	r->size = msg.v2.iotlb.size;
	return 1;
}

/* ------------------------------------------------------------------ */
/* server thread                                                        */

static uint8_t perm_for(struct iotlb_server *s, uint64_t iova)
{
	for (unsigned int i = 0; i < s->nranges; i++)
		if (iova >= s->ranges[i].iova &&
		    iova - s->ranges[i].iova < s->ranges[i].size)
			return s->ranges[i].perm;
	return VHOST_ACCESS_RW;
}

static void handle_miss(struct iotlb_server *s, const struct iotlb_rec *r)
{
	uint64_t page = r->iova & ~(s->gran - 1);
	long w;

	if (!gmem_hva(s->mem, page, s->gran)) {
		s->unmappable++;
		return;
	}
	w = iotlb_map(s->fd, s->v2, s->mem, page, s->gran,
		      perm_for(s, page));
	if (w < 0) {
		s->errors++;
		s->last_err = w;
	}
}

static void handle_msg(struct iotlb_server *s, const struct iotlb_rec *r)
{
	uint32_t want = s->v2 ? VHOST_IOTLB_MSG_V2 : VHOST_IOTLB_MSG;

	pthread_mutex_lock(&s->lock);
	if (s->nlog < IOTLB_LOG)
		s->log[s->nlog++] = *r;
	if (r->msg_type != want)
		s->bad_type++;
	if (r->type == VHOST_IOTLB_MISS) {
		s->misses++;
		handle_miss(s, r);
	} else {
		s->others++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void *server_main(void *arg)
{
	struct iotlb_server *s = arg;
	struct pollfd p[2] = {
		{ .fd = s->fd, .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
	};
	struct iotlb_rec r;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		for (;;) {
			int n = iotlb_read(s->fd, &r);

			if (n <= 0) {
				if (n < 0) {
					pthread_mutex_lock(&s->lock);
					s->errors++;
					s->last_err = n;
					pthread_mutex_unlock(&s->lock);
				}
				break;
			}
			handle_msg(s, &r);
		}
	}
	return NULL;
}

void iotlb_server_start(struct iotlb_server *s, int fd, bool v2,
			const struct gmem *mem)
{
	int fl;

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->v2 = v2;
	s->mem = mem;
	s->gran = VT_PAGE;
	s->stop_fd = vt_eventfd();
	pthread_mutex_init(&s->lock, NULL);

	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		FAIL("O_NONBLOCK on the vhost fd: %s", strerror(errno));
	if (pthread_create(&s->thread, NULL, server_main, s))
		FAIL("pthread_create failed");
}

void iotlb_server_set_perm(struct iotlb_server *s, uint64_t iova,
			   uint64_t size, uint8_t perm)
{
	pthread_mutex_lock(&s->lock);
	if (s->nranges < IOTLB_MAX_RANGES) {
		s->ranges[s->nranges].iova = iova;
		s->ranges[s->nranges].size = size;
		s->ranges[s->nranges].perm = perm;
		s->nranges++;
	}
	pthread_mutex_unlock(&s->lock);
}

void iotlb_server_stop(struct iotlb_server *s)
{
	vt_eventfd_signal(s->stop_fd);
	pthread_join(s->thread, NULL);
	close(s->stop_fd);
}

unsigned int iotlb_server_misses(struct iotlb_server *s)
{
	unsigned int n;

	pthread_mutex_lock(&s->lock);
	n = s->misses;
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool iotlb_server_saw_miss(struct iotlb_server *s, uint64_t iova,
			   uint64_t size)
{
	bool seen = false;

	pthread_mutex_lock(&s->lock);
	for (unsigned int i = 0; i < s->nlog; i++)
		if (s->log[i].type == VHOST_IOTLB_MISS &&
		    s->log[i].iova >= iova && s->log[i].iova - iova < size)
			seen = true;
	pthread_mutex_unlock(&s->lock);
	return seen;
}
