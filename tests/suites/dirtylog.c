// SPDX-License-Identifier: GPL-2.0
/*
 * suites/dirtylog: VHOST_F_LOG_ALL write logging.  The bitmap has one bit
 * per 4 KiB guest-physical page (bit n = page n, little-endian bit order),
 * VHOST_SET_LOG_FD is signalled after logging, and VHOST_VRING_F_LOG with
 * log_guest_addr = GPA of the used ring logs used-ring writes.
 */
#include <sys/mman.h>

#include "vt.h"

struct logdev {
	struct vt_dev d;
	uint8_t *bitmap;
	size_t bitmap_len;
	int log_fd;
};

static bool page_dirty(const struct logdev *l, uint64_t gpa)
{
	uint64_t page = gpa / VT_PAGE;

	if (page / 8 >= l->bitmap_len)
		FAIL("gpa 0x%llx beyond the bitmap", (unsigned long long)gpa);
	return (l->bitmap[page / 8] >> (page % 8)) & 1;
}

static void set_ring_log(struct logdev *l, bool on)
{
	struct vhost_vring_addr a;

	vr_addr(&l->d.vr, &a);
	a.flags = on ? 1u << VHOST_VRING_F_LOG : 0;
	a.log_guest_addr = l->d.vr.used_gpa;
	EXPECT_OK(vh_set_vring_addr(l->d.fd, &a));
}

/*
 * features: acked set (LOG_ALL or not); ring_log: VHOST_VRING_F_LOG.
 * The log base covers every page up to the end of guest RAM.
 */
static void log_setup(struct logdev *l, uint64_t features, bool ring_log,
		      unsigned int num)
{
	struct vt_opts o = {
		.features = features, .no_start = true, .num = num,
		.mem_size = 8u << 20,
	};

	vt_setup(&l->d, &o);
	l->bitmap_len = (gmem_end(&l->d.mem) / VT_PAGE + 63) / 64 * 8;
	l->bitmap = calloc(1, l->bitmap_len);
	if (!l->bitmap)
		FAIL("out of host memory");
	l->log_fd = vt_eventfd();
	EXPECT_OK(vh_set_log_base(l->d.fd, (uintptr_t)l->bitmap));
	EXPECT_OK(vh_set_log_fd(l->d.fd, l->log_fd));
	set_ring_log(l, ring_log);
	vt_start(&l->d);
}

#define FEAT_LOG (VT_F_VERSION_1 | VT_F_INDIRECT | VT_F_LOG_ALL)

static void expect_dirty_range(const struct logdev *l, uint64_t gpa,
			       uint64_t len, const char *what)
{
	for (uint64_t p = gpa & ~(uint64_t)(VT_PAGE - 1); p < gpa + len;
	     p += VT_PAGE)
		if (!page_dirty(l, p))
			FAIL("%s: page 0x%llx written but not logged", what,
			     (unsigned long long)p);
}

static void expect_clean_range(const struct logdev *l, uint64_t gpa,
			       uint64_t len, const char *what)
{
	for (uint64_t p = gpa & ~(uint64_t)(VT_PAGE - 1); p < gpa + len;
	     p += VT_PAGE)
		if (page_dirty(l, p))
			FAIL("%s: page 0x%llx logged but never written", what,
			     (unsigned long long)p);
}

static struct vt_xfer *transfer(struct logdev *l, unsigned int nout,
				const uint32_t *ol, unsigned int nin,
				const uint32_t *il, unsigned int flags)
{
	struct vt_xfer *x = vt_xfer_new(&l->d.mem, nout, ol, nin, il, VT_PAGE,
					(uint32_t)rand());

	vt_xfer_add(&l->d.vr, x, flags);
	vr_publish_kick(&l->d.vr);
	vt_collect(&l->d.vr, 1, VT_WAIT_MS);
	return x;
}

static void check_written_segments(const struct logdev *l,
				   const struct vt_xfer *x)
{
	uint32_t left = vt_xfer_expect_len(x);

	for (unsigned int i = x->nout; i < x->nout + x->nin && left; i++) {
		uint32_t n = x->seg[i].len < left ? x->seg[i].len : left;

		expect_dirty_range(l, x->seg[i].gpa, n, "in buffer");
		left -= n;
	}
}

static void log_marks_pages_of_written_buffers(void)
{
	static const uint32_t ol[] = { 3 * VT_PAGE + 100 };
	static const uint32_t il[] = { 100, 2 * VT_PAGE + 7, VT_PAGE };
	struct logdev l;
	struct vt_xfer *x;

	log_setup(&l, FEAT_LOG, true, 256);
	x = transfer(&l, 1, ol, 3, il, 0);
	check_written_segments(&l, x);
}

static void log_marks_pages_of_written_indirect_buffers(void)
{
	static const uint32_t ol[] = { 5000, 5000 };
	static const uint32_t il[] = { 3000, 3000, 3000 };
	struct logdev l;
	struct vt_xfer *x;

	log_setup(&l, FEAT_LOG, true, 256);
	x = transfer(&l, 2, ol, 3, il, VR_INDIRECT);
	check_written_segments(&l, x);
}

static void log_marks_used_ring_pages(void)
{
	/* 1024 entries: the used ring spans 3 pages; fill all of them */
	static const uint32_t len = 16;
	uint64_t used_len = 6 + 8 * 1024;
	struct vt_xfer *x[1024];
	struct logdev l;

	log_setup(&l, FEAT_LOG, true, 1024);
	for (int i = 0; i < 1024; i++) {
		x[i] = vt_xfer_new(&l.d.mem, 1, &len, 0, NULL, 8, i);
		vt_xfer_add(&l.d.vr, x[i], 0);
	}
	vr_publish_kick(&l.d.vr);
	vt_collect(&l.d.vr, 1024, VT_WAIT_MS);
	/* every used element and the index were written */
	expect_dirty_range(&l, l.d.vr.used_gpa, used_len - 2, "used ring");
}

static void log_fd_signalled_after_logging(void)
{
	static const uint32_t len = 2000;
	struct logdev l;

	log_setup(&l, FEAT_LOG, true, 256);
	transfer(&l, 1, &len, 1, &len, 0);
	if (vt_poll_in(l.log_fd, VT_WAIT_MS) <= 0)
		FAIL("log eventfd not signalled after a logged write");
}

/* Only the bytes the device wrote (up to used.len) are logged. */
static void log_covers_only_bytes_written(void)
{
	static const uint32_t ol[] = { VT_PAGE + 10 };
	static const uint32_t il[] = { 4 * VT_PAGE };
	struct logdev l;
	struct vt_xfer *x;

	log_setup(&l, FEAT_LOG, true, 256);
	x = transfer(&l, 1, ol, 1, il, 0);
	expect_dirty_range(&l, x->seg[1].gpa, VT_PAGE + 10, "written part");
	expect_clean_range(&l, x->seg[1].gpa + 2 * VT_PAGE, 2 * VT_PAGE,
			   "in buffer beyond used.len");
}

static void log_leaves_pages_only_read_clean(void)
{
	static const uint32_t ol[] = { 3 * VT_PAGE };
	static const uint32_t il[] = { 100 };
	struct logdev l;
	struct vt_xfer *x;

	log_setup(&l, FEAT_LOG, true, 256);
	x = transfer(&l, 1, ol, 1, il, 0);
	expect_clean_range(&l, x->seg[0].gpa, ol[0], "out buffer");
	expect_clean_range(&l, l.d.vr.desc_gpa, 16 * 256, "descriptor table");
	expect_clean_range(&l, l.d.vr.avail_gpa, 6 + 2 * 256, "avail ring");
	expect_clean_range(&l, l.d.mem.gpa + l.d.mem.size - VT_PAGE, VT_PAGE,
			   "untouched last page");
}

static void log_untouched_without_log_all_and_ring_log(void)
{
	static const uint32_t len = 3 * VT_PAGE;
	struct logdev l;

	log_setup(&l, VT_F_VERSION_1, false, 256);
	for (int i = 0; i < 4; i++)
		transfer(&l, 1, &len, 1, &len, 0);
	for (size_t i = 0; i < l.bitmap_len; i++)
		if (l.bitmap[i])
			FAIL("bitmap byte %zu = 0x%02x with logging off", i,
			     l.bitmap[i]);
}

/* Migration flow: LOG_ALL switched on while the ring runs. */
static void log_all_enabled_while_running(void)
{
	static const uint32_t len = 2 * VT_PAGE + 1;
	struct logdev l;
	struct vt_xfer *x;

	log_setup(&l, VT_F_VERSION_1 | VT_F_INDIRECT, true, 256);
	transfer(&l, 1, &len, 1, &len, 0);
	EXPECT_OK(vh_set_features(l.d.fd, FEAT_LOG));
	x = transfer(&l, 1, &len, 1, &len, 0);
	check_written_segments(&l, x);
	expect_dirty_range(&l, l.d.vr.used_gpa, 8, "used ring");
}

/*
 * A bitmap the device cannot write (a read-only mapping): the pages a
 * write touched cannot be reported and migration would lose them, so the
 * ring stops with its error eventfd instead of going on unlogged. (Ours
 * only: Linux's vhost-test ignores an error of the log.)
 */
static void log_bitmap_not_writable_stops_the_ring(void)
{
	static const uint32_t len = VT_PAGE;
	struct logdev l;
	struct vt_xfer *x;
	void *ro;

	log_setup(&l, FEAT_LOG, false, 256);
	ro = mmap(NULL, l.bitmap_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	if (ro == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	EXPECT_OK(vh_set_log_base(l.d.fd, (uintptr_t)ro));
	x = vt_xfer_new(&l.d.mem, 1, &len, 1, &len, VT_PAGE, 1);
	vt_xfer_add(&l.d.vr, x, 0);
	vr_publish_kick(&l.d.vr);
	vt_expect_ring_error(&l.d, VT_WAIT_MS);
}

static const struct vt_case cases[] = {
	VT_CASE(log_marks_pages_of_written_buffers),
	VT_CASE(log_marks_pages_of_written_indirect_buffers),
	VT_CASE(log_marks_used_ring_pages),
	VT_CASE(log_fd_signalled_after_logging),
	VT_CASE(log_covers_only_bytes_written),
	VT_CASE(log_leaves_pages_only_read_clean),
	VT_CASE(log_untouched_without_log_all_and_ring_log),
	VT_CASE(log_all_enabled_while_running),
	VT_CASE(log_bitmap_not_writable_stops_the_ring),
};

VT_MAIN("dirtylog", cases)
