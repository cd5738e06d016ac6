/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device fixture: one /dev/vhost-test fd with guest memory and a driven
 * ring, plus "transfers" (a chain of out/in buffers with known data) and
 * their byte-for-byte verification.
 *
 * Every function here FAILs the case on an unexpected error.
 */
#ifndef VT_FIXTURE_H
#define VT_FIXTURE_H

#include "gmem.h"
#include "harness.h"
#include "vhost_ioctl.h"
#include "vring.h"

#define VT_DEF_FEATURES (VT_F_VERSION_1 | VT_F_INDIRECT)

struct vt_opts {
	unsigned int num;		/* ring size, default 256 */
	uint16_t base;			/* initial ring index */
	uint64_t features;		/* 0: VT_DEF_FEATURES */
	size_t mem_size;		/* default 16 MiB */
	uint64_t gpa;			/* default GMEM_DEFAULT_GPA */
	unsigned int ind_max;		/* default 16 */
	bool no_start;			/* leave the backend stopped */
	bool no_err_fd;			/* don't bind the error eventfd */
	bool iotlb;			/* ring addresses are IOVAs, no table */
	bool set_backend_features;
	uint64_t backend_features;
};

struct vt_dev {
	int fd;
	struct gmem mem;
	struct vring_drv vr;
	struct vt_opts o;
	uint64_t features;
	bool running;
};

/* A fresh device fd, optionally already owned by this process. */
int vt_open_fd(void);
int vt_open_owned_fd(void);
/* A fd that is open but is not an eventfd, and a number that is no fd. */
int vt_non_eventfd(void);
int vt_closed_fd(void);

/* Open a fresh device (fatal if it cannot be opened). */
void vt_open(struct vt_dev *d);
/* open + owner + features + memory (+ table) + ring + eventfds (+ start) */
void vt_setup(struct vt_dev *d, const struct vt_opts *o);
/* vt_setup on an fd already opened by vt_open() (and not yet owned) */
void vt_setup_opened(struct vt_dev *d, const struct vt_opts *o);
/*
 * vt_setup for the device IOTLB: VERSION_1, ACCESS_PLATFORM and INDIRECT,
 * 4 MiB of guest memory at IOVA @iova and no memory table, backend
 * features @bf set, the backend left stopped.
 */
void vt_setup_iotlb(struct vt_dev *d, uint64_t iova, uint64_t bf);
/*
 * VHOST_RESET_OWNER on @d's fd (running or not), then vt_setup_opened() of
 * @d2 on that fd with the default options: the same fd, set up anew.
 */
void vt_reset_owner_setup(struct vt_dev *d, struct vt_dev *d2);
/* the individual steps of vt_setup */
void vt_setup_features(struct vt_dev *d);
void vt_setup_mem(struct vt_dev *d);
void vt_setup_ring(struct vt_dev *d);
/* VHOST_SET_MEM_TABLE with the single region of d->mem */
void vt_set_mem_table_gmem(struct vt_dev *d);

/*
 * For device-specific guest drivers (vsock, scsi): open @path, take
 * ownership, negotiate @features (SKIP if not offered), map @mem_size
 * bytes of guest memory into @mem as the memory table; returns the fd.
 */
int vt_guest_open(const char *path, uint64_t features, struct gmem *mem,
		  size_t mem_size);
/* Ring @idx of @fd laid out by @cfg in @mem, with kick/call/err eventfds. */
void vt_guest_ring(int fd, unsigned int idx, struct vring_drv *vr,
		   struct gmem *mem, const struct vring_cfg *cfg);
/*
 * The same two without a verdict, for programs that report errors their
 * own way (tests/bench): the fd, or 0, on success; else -errno with *step
 * naming what failed and nothing left open or mapped by the open.
 * -ENOTSUP from the open: the device does not offer all of @features
 * (*offered says what it does).
 */
int vt_guest_try_open(const char *path, uint64_t features, uint64_t *offered,
		      struct gmem *mem, size_t mem_size, const char **step);
long vt_guest_try_ring(int fd, unsigned int idx, struct vring_drv *vr,
		       struct gmem *mem, const struct vring_cfg *cfg,
		       const char **step);

void vt_start(struct vt_dev *d);	/* VHOST_TEST_SET_BACKEND fd */
void vt_stop(struct vt_dev *d);		/* VHOST_TEST_SET_BACKEND -1 */
/* Stop and restart: every signal of work done so far has been sent. */
void vt_quiesce(struct vt_dev *d);

/* FAIL unless the error eventfd fires within timeout_ms. */
void vt_expect_ring_error(struct vt_dev *d, int timeout_ms);
/* FAIL if the error eventfd has fired. */
void vt_expect_no_ring_error(struct vt_dev *d);

/* ------------------------------------------------------------------ */
/* transfers                                                            */

struct vt_seg {
	uint64_t gpa;
	uint8_t *hva;
	uint32_t len;
};

struct vt_xfer {
	unsigned int nout, nin;
	uint32_t out_total, in_total;
	uint32_t seed;
	int head;
	bool done;
	struct vt_seg seg[];	/* nout device-readable, then nin writable */
};

/* Allocate a transfer's buffers from m (aligned to align) and fill them. */
struct vt_xfer *vt_xfer_new(struct gmem *m, unsigned int nout,
			    const uint32_t *out_len, unsigned int nin,
			    const uint32_t *in_len, size_t align,
			    uint32_t seed);
/* A transfer over caller-chosen buffers (need not be allocated). */
struct vt_xfer *vt_xfer_wrap(struct gmem *m, unsigned int nout,
			     unsigned int nin, const struct vt_buf *bufs,
			     uint32_t seed);
/* Refill: out buffers get the seed's pattern, in buffers the sentinel. */
void vt_xfer_fill(struct vt_xfer *x, uint32_t seed);
/* Queue on the ring (not published); FAIL if it does not fit. */
int vt_xfer_add(struct vring_drv *vr, struct vt_xfer *x, unsigned int flags);
/* Queue through an indirect table placed at table_gpa (host view table). */
int vt_xfer_add_indirect_at(struct vring_drv *vr, struct vt_xfer *x,
			    struct vring_desc *table, uint64_t table_gpa);
/* Check a used entry against the transfer, byte for byte. */
void vt_xfer_verify(const struct vt_xfer *x, const struct vt_used *u);
static inline uint32_t vt_xfer_expect_len(const struct vt_xfer *x)
{
	if (!x->nout || !x->nin)
		return 0;
	return x->out_total < x->in_total ? x->out_total : x->in_total;
}

uint8_t vt_pattern(uint32_t seed, uint32_t i);
uint8_t vt_sentinel(uint32_t i);

/* Wait for and consume n used entries, verifying each transfer. */
void vt_collect(struct vring_drv *vr, unsigned int n, int timeout_ms);

/* One chain of 1 out + 1 in buffer through the device; verified. */
void vt_roundtrip(struct vt_dev *d, uint32_t out_len, uint32_t in_len,
		  unsigned int flags);

/* Canary check of the fixture's memory. */
static inline void vt_check_canaries(struct vt_dev *d)
{
	gmem_check_canaries(&d->mem);
}

/*
 * Counter @name of ring @vq of this process's vhost device @dev ("test",
 * "net", ...) from debugfs (vhost/<dev>-<pid>-<serial>/vq<N>).  0 with
 * *val, -ENOENT when there is no such directory (debugfs not mounted, or
 * a module without counters, such as Linux's own), -EEXIST when this
 * process owns several such devices, -ENODATA without that counter.
 */
long vt_vq_counter(const char *dev, unsigned int vq, const char *name,
		   unsigned long long *val);

#endif
