// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

/* ------------------------------------------------------------------ */
/* device setup                                                         */

int vt_open_fd(void)
{
	long fd = vh_open();

	if (fd < 0)
		FAIL("open %s: %s", vt_dev_path(), vt_err(fd));
	return (int)fd;
}

int vt_open_owned_fd(void)
{
	int fd = vt_open_fd();

	EXPECT_OK(vh_set_owner(fd));
	return fd;
}

int vt_non_eventfd(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		FAIL("pipe: %s", strerror(errno));
	return p[0];
}

int vt_closed_fd(void)
{
	for (int fd = 900; fd < 1000; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF)
			return fd;
	FAIL("no unused fd number found");
}

void vt_open(struct vt_dev *d)
{
	long fd;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	fd = vh_open();
	if (fd < 0)
		FAIL("open %s: %s", vt_dev_path(), vt_err(fd));
	d->fd = (int)fd;
}

static void apply_defaults(struct vt_opts *o)
{
	if (!o->num)
		o->num = 256;
	if (!o->features)
		o->features = VT_DEF_FEATURES;
	if (!o->mem_size)
		o->mem_size = 16u << 20;
	if (!o->gpa)
		o->gpa = GMEM_DEFAULT_GPA;
	if (!o->ind_max)
		o->ind_max = 16;
}

void vt_setup_features(struct vt_dev *d)
{
	uint64_t offered;

	EXPECT_OK(vh_get_features(d->fd, &offered));
	if ((d->o.features & offered) != d->o.features)
		FAIL("device offers 0x%llx, test needs 0x%llx",
		     (unsigned long long)offered,
		     (unsigned long long)d->o.features);
	if (d->o.set_backend_features)
		EXPECT_OK(vh_set_backend_features(d->fd,
						  d->o.backend_features));
	EXPECT_OK(vh_set_features(d->fd, d->o.features));
	d->features = d->o.features;
}

void vt_set_mem_table_gmem(struct vt_dev *d)
{
	EXPECT_OK(vh_set_mem_one(d->fd, d->mem.gpa, d->mem.size, d->mem.hva));
}

void vt_setup_mem(struct vt_dev *d)
{
	gmem_init(&d->mem, d->o.gpa, d->o.mem_size);
	if (!d->o.iotlb)
		vt_set_mem_table_gmem(d);
}

void vt_setup_ring(struct vt_dev *d)
{
	struct vring_cfg cfg = {
		.num = d->o.num,
		.base = d->o.base,
		.ind_max = d->o.ind_max,
		.event_idx = !!(d->features & VT_F_EVENT_IDX),
		.ring_dev_gpa = d->o.iotlb,
	};
	struct vhost_vring_addr a;
	struct vring_drv *vr = &d->vr;

	vr_init(vr, &d->mem, &cfg);
	EXPECT_OK(vh_set_vring_num(d->fd, 0, d->o.num));
	EXPECT_OK(vh_set_vring_base(d->fd, 0, d->o.base));
	vr_addr(vr, &a);
	EXPECT_OK(vh_set_vring_addr(d->fd, &a));
	EXPECT_OK(vh_set_vring_kick(d->fd, 0, vr->kick_fd));
	EXPECT_OK(vh_set_vring_call(d->fd, 0, vr->call_fd));
	if (!d->o.no_err_fd)
		EXPECT_OK(vh_set_vring_err(d->fd, 0, vr->err_fd));
}

void vt_setup(struct vt_dev *d, const struct vt_opts *o)
{
	vt_open(d);
	vt_setup_opened(d, o);
}

void vt_setup_iotlb(struct vt_dev *d, uint64_t iova, uint64_t bf)
{
	struct vt_opts o = {
		.features = VT_F_VERSION_1 | VT_F_ACCESS_PLATFORM |
			    VT_F_INDIRECT,
		.iotlb = true,
		.gpa = iova,
		.mem_size = 4u << 20,
		.no_start = true,
		.set_backend_features = true,
		.backend_features = bf,
	};

	vt_setup(d, &o);
}

void vt_reset_owner_setup(struct vt_dev *d, struct vt_dev *d2)
{
	EXPECT_OK(vh_reset_owner(d->fd));
	memset(d2, 0, sizeof(*d2));
	d2->fd = d->fd;
	vt_setup_opened(d2, NULL);
}

void vt_setup_opened(struct vt_dev *d, const struct vt_opts *o)
{
	if (o)
		d->o = *o;
	apply_defaults(&d->o);
	EXPECT_OK(vh_set_owner(d->fd));
	vt_setup_features(d);
	vt_setup_mem(d);
	vt_setup_ring(d);
	if (!d->o.no_start)
		vt_start(d);
}

void vt_start(struct vt_dev *d)
{
	EXPECT_OK(vh_test_set_backend(d->fd, 0, d->vr.kick_fd));
	d->running = true;
}

void vt_stop(struct vt_dev *d)
{
	EXPECT_OK(vh_test_set_backend(d->fd, 0, -1));
	d->running = false;
}

void vt_quiesce(struct vt_dev *d)
{
	vt_stop(d);
	vt_start(d);
}

void vt_expect_ring_error(struct vt_dev *d, int timeout_ms)
{
	int r = vt_poll_in(d->vr.err_fd, timeout_ms);

	if (r <= 0)
		FAIL("error eventfd not signalled within %d ms (used idx %u, avail idx %u)",
		     timeout_ms, vr_used_idx(&d->vr), d->vr.published);
	vt_eventfd_drain(d->vr.err_fd);
}

void vt_expect_no_ring_error(struct vt_dev *d)
{
	if (vt_poll_in(d->vr.err_fd, 0) > 0)
		FAIL("error eventfd signalled on valid input");
}

/* ------------------------------------------------------------------ */
/* data patterns                                                        */

uint8_t vt_pattern(uint32_t seed, uint32_t i)
{
	uint32_t x = seed * 0x9e3779b1u + i * 0x85ebca77u + 0x165667b1u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)x;
}

uint8_t vt_sentinel(uint32_t i)
{
	return (uint8_t)(0xa5 ^ (i * 29) ^ (i >> 8));
}

/* ------------------------------------------------------------------ */
/* transfers                                                            */

static struct vt_xfer *xfer_alloc(unsigned int nout, unsigned int nin)
{
	struct vt_xfer *x;

	x = calloc(1, sizeof(*x) + (nout + nin) * sizeof(x->seg[0]));
	if (!x)
		FAIL("out of host memory");
	x->nout = nout;
	x->nin = nin;
	x->head = -1;
	return x;
}

static void xfer_totals(struct vt_xfer *x)
{
	x->out_total = x->in_total = 0;
	for (unsigned int i = 0; i < x->nout; i++)
		x->out_total += x->seg[i].len;
	for (unsigned int i = x->nout; i < x->nout + x->nin; i++)
		x->in_total += x->seg[i].len;
}

struct vt_xfer *vt_xfer_new(struct gmem *m, unsigned int nout,
			    const uint32_t *out_len, unsigned int nin,
			    const uint32_t *in_len, size_t align,
			    uint32_t seed)
{
	struct vt_xfer *x = xfer_alloc(nout, nin);

	for (unsigned int i = 0; i < nout + nin; i++) {
		struct vt_seg *s = &x->seg[i];

		s->len = i < nout ? out_len[i] : in_len[i - nout];
		s->hva = gmem_alloc_p(m, s->len ? s->len : 1, align, &s->gpa);
	}
	xfer_totals(x);
	vt_xfer_fill(x, seed);
	return x;
}

struct vt_xfer *vt_xfer_wrap(struct gmem *m, unsigned int nout,
			     unsigned int nin, const struct vt_buf *bufs,
			     uint32_t seed)
{
	struct vt_xfer *x = xfer_alloc(nout, nin);

	for (unsigned int i = 0; i < nout + nin; i++) {
		x->seg[i].gpa = bufs[i].addr;
		x->seg[i].len = bufs[i].len;
		x->seg[i].hva = gmem_hva(m, bufs[i].addr, bufs[i].len);
		if (!x->seg[i].hva)
			FAIL("buffer 0x%llx+%u not in guest memory",
			     (unsigned long long)bufs[i].addr, bufs[i].len);
	}
	xfer_totals(x);
	vt_xfer_fill(x, seed);
	return x;
}

void vt_xfer_fill(struct vt_xfer *x, uint32_t seed)
{
	uint32_t o = 0, n = 0;

	x->seed = seed;
	x->done = false;
	for (unsigned int i = 0; i < x->nout; i++)
		for (uint32_t b = 0; b < x->seg[i].len; b++)
			x->seg[i].hva[b] = vt_pattern(seed, o++);
	for (unsigned int i = x->nout; i < x->nout + x->nin; i++)
		for (uint32_t b = 0; b < x->seg[i].len; b++)
			x->seg[i].hva[b] = vt_sentinel(n++);
}

int vt_xfer_add(struct vring_drv *vr, struct vt_xfer *x, unsigned int flags)
{
	struct vt_buf bufs[x->nout + x->nin];
	int head;

	for (unsigned int i = 0; i < x->nout + x->nin; i++) {
		bufs[i].addr = x->seg[i].gpa;
		bufs[i].len = x->seg[i].len;
	}
	head = vr_add(vr, bufs, x->nout, x->nin, flags, x);
	if (head < 0)
		FAIL("vr_add(%u out, %u in, flags 0x%x): %s (free %u, in flight %u)",
		     x->nout, x->nin, flags, vt_err(head), vr->num_free,
		     vr_in_flight(vr));
	x->head = head;
	x->done = false;
	return head;
}

int vt_xfer_add_indirect_at(struct vring_drv *vr, struct vt_xfer *x,
			    struct vring_desc *table, uint64_t table_gpa)
{
	struct vt_buf bufs[x->nout + x->nin];
	int head;

	for (unsigned int i = 0; i < x->nout + x->nin; i++) {
		bufs[i].addr = x->seg[i].gpa;
		bufs[i].len = x->seg[i].len;
	}
	head = vr_add_indirect_at(vr, table, table_gpa, bufs, x->nout, x->nin,
				  x);
	if (head < 0)
		FAIL("vr_add_indirect_at(%u out, %u in): %s", x->nout, x->nin,
		     vt_err(head));
	x->head = head;
	x->done = false;
	return head;
}

void vt_xfer_verify(const struct vt_xfer *x, const struct vt_used *u)
{
	uint32_t want = vt_xfer_expect_len(x);
	uint32_t in_off = 0, out_off = 0;
	unsigned int oi = 0;
	uint32_t ob = 0;

	if (u->id != (uint32_t)x->head)
		FAIL("used.id %u, expected head %d", u->id, x->head);
	if (u->len != want)
		FAIL("used.id %u: used.len %u, expected %u (out %u bytes in %u descs, in %u bytes in %u descs)",
		     u->id, u->len, want, x->out_total, x->nout, x->in_total,
		     x->nin);

	/* device-writable part: copy of the out stream, then untouched */
	for (unsigned int i = x->nout; i < x->nout + x->nin; i++) {
		const struct vt_seg *s = &x->seg[i];

		for (uint32_t b = 0; b < s->len; b++, in_off++) {
			uint8_t exp;

			if (in_off < want) {
				while (ob >= x->seg[oi].len) {
					oi++;
					ob = 0;
				}
				exp = x->seg[oi].hva[ob++];
			} else {
				exp = vt_sentinel(in_off);
			}
			if (s->hva[b] != exp)
				FAIL("head %d: in byte %u (desc %u +%u) is 0x%02x, expected 0x%02x (%s; used.len %u)",
				     x->head, in_off, i - x->nout, b,
				     s->hva[b], exp,
				     in_off < want ? "copied data" :
						     "beyond used.len, untouched",
				     u->len);
		}
	}

	/* device-readable part must be untouched */
	for (unsigned int i = 0; i < x->nout; i++)
		for (uint32_t b = 0; b < x->seg[i].len; b++, out_off++)
			if (x->seg[i].hva[b] != vt_pattern(x->seed, out_off))
				FAIL("head %d: device wrote read-only out byte %u (0x%02x)",
				     x->head, out_off, x->seg[i].hva[b]);
}

void vt_collect(struct vring_drv *vr, unsigned int n, int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + timeout_ms;
	unsigned int got = 0;
	struct vt_used u;

	while (got < n) {
		uint64_t now = vt_now_ms();
		int r;

		if (now >= deadline ||
		    vr_wait_used(vr, 1, (int)(deadline - now)) < 0)
			FAIL("only %u of %u buffers used within %d ms (used idx %u, last used %u, avail idx %u)",
			     got, n, timeout_ms, vr_used_idx(vr),
			     vr->last_used, vr->published);
		while (got < n && (r = vr_get_used(vr, &u)) != 0) {
			struct vt_xfer *x = u.cookie;

			if (r < 0)
				FAIL("used entry %u names head %u (len %u), not in flight",
				     (uint16_t)(vr->last_used - 1), u.id, u.len);
			vt_xfer_verify(x, &u);
			x->done = true;
			got++;
		}
	}
}

void vt_roundtrip(struct vt_dev *d, uint32_t out_len, uint32_t in_len,
		  unsigned int flags)
{
	struct vt_xfer *x;

	x = vt_xfer_new(&d->mem, 1, &out_len, 1, &in_len, 8,
			(uint32_t)rand());
	vt_xfer_add(&d->vr, x, flags);
	vr_publish_kick(&d->vr);
	vt_collect(&d->vr, 1, VT_WAIT_MS);
	free(x);
}

/* Run one call of a guest setup; on an error, name the call and return. */
#define GUEST_STEP(expr)						\
	do {								\
		long __r = (long)(expr);				\
		if (__r < 0) {						\
			*step = #expr;					\
			return __r;					\
		}							\
	} while (0)

int vt_guest_try_open(const char *path, uint64_t features, uint64_t *offered,
		      struct gmem *mem, size_t mem_size, const char **step)
{
	int fd = vh_open_owned(path, features, offered);
	long r;

	if (fd < 0) {
		*step = "open, owner, features";
		return fd;
	}
	gmem_init(mem, GMEM_DEFAULT_GPA, mem_size);
	r = vh_set_mem_one(fd, mem->gpa, mem->size, mem->hva);
	if (r < 0) {
		*step = "memory table";
		gmem_destroy(mem);
		close(fd);
		return (int)r;
	}
	return fd;
}

long vt_guest_try_ring(int fd, unsigned int idx, struct vring_drv *vr,
		       struct gmem *mem, const struct vring_cfg *cfg,
		       const char **step)
{
	struct vhost_vring_addr a;

	vr_init(vr, mem, cfg);
	vr_addr(vr, &a);
	a.index = idx;
	GUEST_STEP(vh_set_vring_num(fd, idx, cfg->num));
	GUEST_STEP(vh_set_vring_base(fd, idx, cfg->base));
	GUEST_STEP(vh_set_vring_addr(fd, &a));
	GUEST_STEP(vh_set_vring_kick(fd, idx, vr->kick_fd));
	GUEST_STEP(vh_set_vring_call(fd, idx, vr->call_fd));
	GUEST_STEP(vh_set_vring_err(fd, idx, vr->err_fd));
	return 0;
}

int vt_guest_open(const char *path, uint64_t features, struct gmem *mem,
		  size_t mem_size)
{
	const char *step;
	uint64_t offered;
	int fd = vt_guest_try_open(path, features, &offered, mem, mem_size,
				   &step);

	if (fd == -ENOTSUP)
		SKIP("device offers 0x%llx, the case needs 0x%llx",
		     (unsigned long long)offered, (unsigned long long)features);
	if (fd < 0)
		FAIL("%s: %s: %s", path, step, vt_err(fd));
	return fd;
}

void vt_guest_ring(int fd, unsigned int idx, struct vring_drv *vr,
		   struct gmem *mem, const struct vring_cfg *cfg)
{
	const char *step;
	long r = vt_guest_try_ring(fd, idx, vr, mem, cfg, &step);

	if (r < 0)
		FAIL("ring %u: %s -> %s", idx, step, vt_err(r));
}

long vt_vq_counter(const char *dev, unsigned int vq, const char *name,
		   unsigned long long *val)
{
	char pat[256], buf[4096], *line, *save;
	glob_t g;
	long r;

	snprintf(pat, sizeof(pat), "/sys/kernel/debug/vhost/%s-%d-*/vq%u",
		 dev, (int)getpid(), vq);
	if (glob(pat, 0, NULL, &g))
		return -ENOENT;
	if (g.gl_pathc != 1) {
		globfree(&g);
		return -EEXIST;
	}
	r = vt_read_file(g.gl_pathv[0], buf, sizeof(buf));
	globfree(&g);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		unsigned long long v;

		if (sscanf(line, "%63s %llu", key, &v) == 2 &&
		    !strcmp(key, name)) {
			*val = v;
			return 0;
		}
	}
	return -ENODATA;
}
