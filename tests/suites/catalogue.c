// SPDX-License-Identifier: GPL-2.0
/*
 * suites/catalogue: the history of upstream vhost as a test catalogue.
 *
 * Every class of bug that Linux's drivers/vhost has had is a case here,
 * played by a hostile guest (ring contents) or a hostile fd holder
 * (ioctls, fds, IOTLB messages).  Each case checks three things:
 *   - the host stays alive (the harness and run-suites.sh fail the case
 *     on any WARN/BUG/KASAN/lockdep line in the kernel log);
 *   - the bad input is reported as Documentation/security.md says: an
 *     errno, or the ring's error eventfd, or a dropped packet;
 *   - the device is still usable: after the hostile step the case sets
 *     the ring (or device) up again and a normal transfer works.
 * The CVE (or the review item) of each class is named in a comment and in
 * the table in tests/suites/README.md.  Net, vsock and scsi cases SKIP
 * when their module is not loaded.
 */
#include "vt.h"
#include "hostile.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>

/* ================================================================== */
/* cross-region descriptors (CVE-2013-0311)                            */

#define XR_G	0x600000000ull
#define XR_SZ	(1u << 20)

struct xr {
	struct vt_dev d;
	struct gmem r[2];
};

/*
 * The device's own memory plus two 1 MiB regions at unrelated host
 * addresses; the second starts @hole bytes after the first ends (0: the
 * guest addresses are contiguous).  Regions listed out of GPA order.
 */
static void xr_setup(struct xr *x, uint64_t hole)
{
	struct vhost_memory *t = memtable_alloc(3);

	vt_setup(&x->d, NULL);
	gmem_init(&x->r[0], XR_G, XR_SZ);
	gmem_init(&x->r[1], XR_G + XR_SZ + hole, XR_SZ);
	memtable_set(t, 0, x->r[1].gpa, XR_SZ, (uintptr_t)x->r[1].hva);
	memtable_set(t, 1, x->r[0].gpa, XR_SZ, (uintptr_t)x->r[0].hva);
	memtable_set(t, 2, x->d.mem.gpa, x->d.mem.size,
		     (uintptr_t)x->d.mem.hva);
	EXPECT_OK(vh_set_mem_table(x->d.fd, t));
	free(t);
}

static void xr_wait_one(struct xr *x, int head, uint32_t len)
{
	struct vt_used u;

	if (vr_wait_used(&x->d.vr, 1, VT_WAIT_MS) < 0)
		FAIL("chain not used within %d ms", VT_WAIT_MS);
	CHECK(vr_get_used(&x->d.vr, &u) == 1, "bad used entry");
	EXPECT_EQ(u.id, head);
	EXPECT_EQ(u.len, len);
}

/* CVE-2013-0311: a readable buffer over two regions is read from both. */
static void cross_region_readable_buffer_is_split_at_the_boundary(void)
{
	const uint32_t a = 700, b = 900;
	struct vt_buf bufs[2];
	uint64_t in_gpa;
	uint8_t *in;
	struct xr x;
	int head;

	xr_setup(&x, 0);
	for (uint32_t i = 0; i < a; i++)
		x.r[0].hva[XR_SZ - a + i] = vt_pattern(7, i);
	for (uint32_t i = 0; i < b; i++)
		x.r[1].hva[i] = vt_pattern(7, a + i);
	in = gmem_alloc_p(&x.d.mem, a + b, 8, &in_gpa);
	memset(in, 0xee, a + b);
	bufs[0] = (struct vt_buf){ XR_G + XR_SZ - a, a + b };
	bufs[1] = (struct vt_buf){ in_gpa, a + b };
	head = vr_add(&x.d.vr, bufs, 1, 1, 0, NULL);
	CHECK(head >= 0, "vr_add: %s", vt_err(head));
	vr_publish_kick(&x.d.vr);
	xr_wait_one(&x, head, a + b);
	for (uint32_t i = 0; i < a + b; i++)
		CHECK(in[i] == vt_pattern(7, i), "byte %u is 0x%02x", i, in[i]);
	gmem_check_canaries(&x.r[0]);
	gmem_check_canaries(&x.r[1]);
	hs_test_reset(&x.d);
}

/* CVE-2013-0311: a writable buffer over two regions is written in both. */
static void cross_region_writable_buffer_is_split_at_the_boundary(void)
{
	const uint32_t a = 333, b = 1200;
	struct vt_buf bufs[2];
	uint64_t out_gpa;
	uint8_t *out;
	struct xr x;
	int head;

	xr_setup(&x, 0);
	out = gmem_alloc_p(&x.d.mem, a + b, 8, &out_gpa);
	for (uint32_t i = 0; i < a + b; i++)
		out[i] = vt_pattern(9, i);
	memset(x.r[0].hva + XR_SZ - a, 0xee, a);
	memset(x.r[1].hva, 0xee, b + 1);
	bufs[0] = (struct vt_buf){ out_gpa, a + b };
	bufs[1] = (struct vt_buf){ XR_G + XR_SZ - a, a + b };
	head = vr_add(&x.d.vr, bufs, 1, 1, 0, NULL);
	CHECK(head >= 0, "vr_add: %s", vt_err(head));
	vr_publish_kick(&x.d.vr);
	xr_wait_one(&x, head, a + b);
	for (uint32_t i = 0; i < a; i++)
		CHECK(x.r[0].hva[XR_SZ - a + i] == vt_pattern(9, i),
		      "first region byte %u", i);
	for (uint32_t i = 0; i < b; i++)
		CHECK(x.r[1].hva[i] == vt_pattern(9, a + i),
		      "second region byte %u", i);
	CHECK(x.r[1].hva[b] == 0xee, "byte after the buffer written");
	gmem_check_canaries(&x.r[0]);
	gmem_check_canaries(&x.r[1]);
	hs_test_reset(&x.d);
}

/* CVE-2013-0311: an indirect table over two regions is read from both. */
static void cross_region_indirect_table_is_split_at_the_boundary(void)
{
	struct vring_desc *e0, *e1;
	uint64_t out_gpa, in_gpa;
	uint8_t *out, *in;
	uint32_t id, len;
	struct xr x;
	int head;

	xr_setup(&x, 0);
	out = gmem_alloc_p(&x.d.mem, 512, 8, &out_gpa);
	in = gmem_alloc_p(&x.d.mem, 512, 8, &in_gpa);
	for (int i = 0; i < 512; i++)
		out[i] = vt_pattern(11, i);
	memset(in, 0xee, 512);
	e0 = (struct vring_desc *)(x.r[0].hva + XR_SZ - 16);
	e1 = (struct vring_desc *)x.r[1].hva;
	vr_put_desc(e0, 0, out_gpa, 512, VRING_DESC_F_NEXT, 1);
	vr_put_desc(e1, 0, in_gpa, 512, VRING_DESC_F_WRITE, 0);
	head = vr_take_desc(&x.d.vr);
	CHECK(head >= 0, "no free descriptor");
	vr_set_desc(&x.d.vr, head, XR_G + XR_SZ - 16, 32,
		    VRING_DESC_F_INDIRECT, 0);
	vr_push_head(&x.d.vr, head);
	vr_publish_kick(&x.d.vr);
	if (vr_wait_used(&x.d.vr, 1, VT_WAIT_MS) < 0)
		FAIL("indirect chain not used within %d ms", VT_WAIT_MS);
	vr_used_elem(&x.d.vr, 0, &id, &len);
	EXPECT_EQ(id, head);
	EXPECT_EQ(len, 512);
	CHECK(!memcmp(in, out, 512), "data through the split table differs");
	vt_expect_no_ring_error(&x.d);
	hs_test_reset(&x.d);
}

/*
 * A chain whose buffer leaves its region into a hole: error eventfd,
 * nothing used, nothing written; then the ring is set up again.
 */
static void xr_hole_case(bool writable, uint32_t into_hole)
{
	const uint32_t a = 100;
	struct vt_buf bufs[2];
	uint64_t gpa;
	uint8_t *mine;
	struct xr x;
	int head;

	xr_setup(&x, 16 * VT_PAGE);
	mine = gmem_alloc_p(&x.d.mem, a + into_hole, 8, &gpa);
	memset(mine, 0x5a, a + into_hole);
	memset(x.r[0].hva + XR_SZ - a, 0xee, a);
	bufs[0] = (struct vt_buf){ writable ? gpa : XR_G + XR_SZ - a,
				   a + into_hole };
	bufs[1] = (struct vt_buf){ writable ? XR_G + XR_SZ - a : gpa,
				   a + into_hole };
	head = vr_add(&x.d.vr, bufs, 1, 1, 0, NULL);
	CHECK(head >= 0, "vr_add: %s", vt_err(head));
	vr_publish_kick(&x.d.vr);
	vt_expect_ring_error(&x.d, VT_WAIT_MS);
	EXPECT_EQ(vr_used_idx(&x.d.vr), 0);
	for (uint32_t i = 0; i < a; i++)
		CHECK(x.r[0].hva[XR_SZ - a + i] == 0xee,
		      "region byte %u written for a chain that fails", i);
	for (uint32_t i = 0; i < a + into_hole; i++)
		CHECK(mine[i] == 0x5a, "buffer byte %u written", i);
	gmem_check_canaries(&x.r[0]);
	hs_test_reset(&x.d);
}

/* CVE-2013-0311: a readable buffer running into a hole fails cleanly. */
static void readable_buffer_spanning_a_hole_is_ring_error(void)
{
	xr_hole_case(false, 200);
}

/* CVE-2013-0311: a writable buffer running into a hole fails cleanly. */
static void writable_buffer_spanning_a_hole_is_ring_error(void)
{
	xr_hole_case(true, 200);
}

/* CVE-2013-0311: one byte past the region's end is enough to fail. */
static void buffer_one_byte_into_a_hole_is_ring_error(void)
{
	xr_hole_case(true, 1);
}

/* CVE-2013-0311: an indirect table running into a hole fails cleanly. */
static void indirect_table_spanning_a_hole_is_ring_error(void)
{
	struct vring_desc *e0;
	uint64_t in_gpa;
	struct xr x;
	uint8_t *in;
	int head;

	xr_setup(&x, 16 * VT_PAGE);
	in = gmem_alloc_p(&x.d.mem, 64, 8, &in_gpa);
	memset(in, 0x5a, 64);
	e0 = (struct vring_desc *)(x.r[0].hva + XR_SZ - 16);
	vr_put_desc(e0, 0, in_gpa, 64, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
		    1);
	head = vr_take_desc(&x.d.vr);
	CHECK(head >= 0, "no free descriptor");
	vr_set_desc(&x.d.vr, head, XR_G + XR_SZ - 16, 32,
		    VRING_DESC_F_INDIRECT, 0);
	vr_push_head(&x.d.vr, head);
	vr_publish_kick(&x.d.vr);
	vt_expect_ring_error(&x.d, VT_WAIT_MS);
	EXPECT_EQ(vr_used_idx(&x.d.vr), 0);
	for (int i = 0; i < 64; i++)
		CHECK(in[i] == 0x5a, "buffer byte %d written", i);
	hs_test_reset(&x.d);
}

/* ================================================================== */
/* IOTLB messages (CVE-2018-1118, zero-size invalidate)               */

#define IOVA_BASE 0x900000000ull

static void iotlb_dev(struct vt_dev *d, bool v2)
{
	vt_setup_iotlb(d, IOVA_BASE, v2 ? VT_BF_IOTLB_MSG_V2 : 0);
}

/*
 * CVE-2018-1118: every byte of a MISS message read from the fd is
 * defined.  The read buffer is filled with a pattern first; all bytes but
 * the message's own fields must come back zero, and none past it change.
 */
static void iotlb_miss_defined(bool v2)
{
	uint8_t buf[sizeof(struct vhost_msg_v2) + 64];
	const size_t n = sizeof(struct vhost_msg_v2);
	struct vhost_iotlb_msg m;
	uint32_t ol = 64, il = 64;
	struct vt_xfer *x;
	struct vt_dev d;
	uint32_t type;
	ssize_t r;

	iotlb_dev(&d, v2);
	vt_start(&d);
	x = vt_xfer_new(&d.mem, 1, &ol, 1, &il, 8, 3);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	CHECK(vt_poll_in(d.fd, VT_WAIT_MS) == 1,
	      "no IOTLB message to read within %d ms", VT_WAIT_MS);
	memset(buf, 0xa5, sizeof(buf));
	r = read(d.fd, buf, sizeof(buf));
	CHECK(r == (ssize_t)n, "read returned %zd (%s), expected %zu", r,
	      r < 0 ? strerror(errno) : "short", n);
	memcpy(&type, buf, 4);
	EXPECT_EQ(type, v2 ? VHOST_IOTLB_MSG_V2 : VHOST_IOTLB_MSG);
	/* v1: 4 bytes of alignment hole; v2: the ASID, always 0 here */
	for (int i = 4; i < 8; i++)
		CHECK(!buf[i], "byte %d (%s) is 0x%02x", i,
		      v2 ? "asid" : "hole after type", buf[i]);
	memcpy(&m, buf + 8, sizeof(m));
	EXPECT_EQ(m.type, VHOST_IOTLB_MISS);
	CHECK(m.perm && !(m.perm & ~VHOST_ACCESS_RW), "perm 0x%x", m.perm);
	EXPECT_EQ(m.uaddr, 0);
	for (size_t i = 8 + offsetof(struct vhost_iotlb_msg, type) + 1;
	     i < n; i++)
		CHECK(!buf[i], "byte %zu of the MISS message is 0x%02x (undefined)",
		      i, buf[i]);
	for (size_t i = n; i < sizeof(buf); i++)
		CHECK(buf[i] == 0xa5, "byte %zu past the message written", i);
	/* answer: the whole space; the transfer completes */
	EXPECT_OK(iotlb_map(d.fd, v2, &d.mem, d.mem.gpa, d.mem.size,
			    VHOST_ACCESS_RW));
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	vt_roundtrip(&d, 100, 100, 0);
}

static void iotlb_miss_v1_message_has_no_undefined_bytes(void)
{
	iotlb_miss_defined(false);
}

static void iotlb_miss_v2_message_has_no_undefined_bytes(void)
{
	iotlb_miss_defined(true);
}

/* A premapped IOTLB device, started, one round trip done. */
static void iotlb_premapped(struct vt_dev *d)
{
	iotlb_dev(d, true);
	EXPECT_OK(iotlb_map(d->fd, true, &d->mem, d->mem.gpa, d->mem.size,
			    VHOST_ACCESS_RW));
	vt_start(d);
	vt_roundtrip(d, 500, 500, 0);
}

/* No miss pending, then another round trip without answering any. */
static void iotlb_still_mapped(struct vt_dev *d)
{
	vt_roundtrip(d, 800, 800, VR_INDIRECT);
	CHECK(vt_poll_in(d->fd, 0) == 0,
	      "a MISS was posted: the mappings were dropped");
	vt_expect_no_ring_error(d);
}

/*
 * Zero-size invalidate.  History: an UPDATE or INVALIDATE of size 0 made
 * the range's end iova + size - 1 wrap (a hung thread, syzbot), so Linux
 * refused size 0 for both; that broke QEMU's SMMUv3, which invalidates
 * the whole space as iova 0 size 0, and Linux took INVALIDATE of size 0
 * back ("vhost: Allow null msg.size on VHOST_IOTLB_INVALIDATE", in 6.6
 * and the 6.1 stable series): at iova 0 it drops every mapping.  The
 * message is accepted, and the next access misses.
 */
static void iotlb_invalidate_of_size_zero_at_iova_0_drops_every_mapping(void)
{
	uint32_t ol = 300, il = 300;
	struct vt_xfer *x;
	struct vt_dev d;
	long r;

	iotlb_premapped(&d);
	r = iotlb_send(d.fd, true, VHOST_IOTLB_INVALIDATE, 0, 0, 0, 0);
	CHECK(r == (long)sizeof(struct vhost_msg_v2),
	      "INVALIDATE iova 0 size 0: %s, expected accepted", vt_err(r));
	x = vt_xfer_new(&d.mem, 1, &ol, 1, &il, 8, 5);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	CHECK(vt_poll_in(d.fd, VT_WAIT_MS) == 1,
	      "no MISS after INVALIDATE of the whole space (size 0 at iova 0): the old mappings are still used (used idx %u)",
	      vr_used_idx(&d.vr));
	EXPECT_EQ(vr_used_idx(&d.vr), 1);
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa, d.mem.size,
			    VHOST_ACCESS_RW));
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	/* The other misses, answered by the map above (the fd blocks). */
	for (struct iotlb_rec rec;
	     vt_poll_in(d.fd, 0) == 1 && iotlb_read(d.fd, &rec) == 1;)
		;
	iotlb_still_mapped(&d);
}

/*
 * UPDATE of size 0 maps nothing and is refused.  Linux answers -EINVAL;
 * ours -EFAULT (its user-range check comes first), which security.md
 * allows for a malformed message.
 */
static void iotlb_update_of_size_zero_is_refused(void)
{
	struct vt_dev d;
	long r;

	iotlb_premapped(&d);
	r = iotlb_send(d.fd, true, VHOST_IOTLB_UPDATE, d.mem.gpa, 0,
		       (uintptr_t)d.mem.hva, VHOST_ACCESS_RW);
	CHECK(r == -EINVAL || r == -EFAULT, "UPDATE of size 0: %s",
	      vt_err(r));
	iotlb_still_mapped(&d);
}

/*
 * An invalidate whose end wraps past 2^64: refused, or taken as "to the
 * end of the space" (ours; Linux removes nothing).  Either way the
 * mappings below it stay.
 */
static void iotlb_invalidate_wrapping_past_2_64_keeps_lower_mappings(void)
{
	struct vt_dev d;
	long r;

	iotlb_premapped(&d);
	r = iotlb_send(d.fd, true, VHOST_IOTLB_INVALIDATE,
		       ~0ull - VT_PAGE + 1, 2 * VT_PAGE, 0, 0);
	CHECK(r == -EINVAL || r == (long)sizeof(struct vhost_msg_v2),
	      "wrapping INVALIDATE: %s", vt_err(r));
	iotlb_still_mapped(&d);
}

/* ================================================================== */
/* dirty log with indirect chains during migration (CVE-2019-14835)   */

#define LOG_CANARY 0x6c6f6763616e6172ull
#define LOG_PAD 8

struct logd {
	struct vt_dev d;
	uint64_t *bm;
	size_t words;
};

static void logd_setup(struct logd *l, unsigned int num)
{
	struct vt_opts o = {
		.features = VT_F_VERSION_1 | VT_F_INDIRECT | VT_F_LOG_ALL,
		.num = num, .mem_size = 16u << 20, .no_start = true,
	};

	vt_setup(&l->d, &o);
	l->words = (gmem_end(&l->d.mem) / VT_PAGE + 63) / 64;
	l->bm = calloc(l->words + LOG_PAD, 8);
	if (!l->bm)
		FAIL("out of memory");
	for (size_t i = l->words; i < l->words + LOG_PAD; i++)
		l->bm[i] = LOG_CANARY;
	EXPECT_OK(vh_set_log_base(l->d.fd, (uintptr_t)l->bm));
	vt_start(&l->d);
}

static void logd_expect_dirty(const struct logd *l, uint64_t gpa, uint32_t len)
{
	for (uint64_t p = gpa / VT_PAGE; p <= (gpa + len - 1) / VT_PAGE; p++)
		if (!((l->bm[p / 64] >> (p % 64)) & 1))
			FAIL("page 0x%llx written but not logged",
			     (unsigned long long)(p * VT_PAGE));
}

static void logd_check_canary(const struct logd *l)
{
	for (size_t i = l->words; i < l->words + LOG_PAD; i++)
		CHECK(l->bm[i] == LOG_CANARY,
		      "log word %zu past the bitmap written: 0x%llx", i,
		      (unsigned long long)l->bm[i]);
}

/*
 * One chain through an indirect table of 1 readable + @nin writable
 * entries, each writable one on a page of its own; every page logged.
 */
static void log_indirect_chain(unsigned int num, unsigned int nin,
			       uint32_t in_len)
{
	struct vt_buf *b = calloc(nin + 1, sizeof(*b));
	struct vring_desc *table;
	uint64_t tgpa, area;
	struct vt_xfer *x;
	struct logd l;

	logd_setup(&l, num);
	area = gmem_alloc(&l.d.mem, (size_t)nin * VT_PAGE, VT_PAGE);
	b[0].len = nin * in_len;
	b[0].addr = gmem_alloc(&l.d.mem, b[0].len, 8);
	for (unsigned int i = 0; i < nin; i++)
		b[1 + i] = (struct vt_buf){ area + (uint64_t)i * VT_PAGE +
					    (i * 7) % (VT_PAGE - in_len),
					    in_len };
	table = gmem_alloc_p(&l.d.mem, (nin + 1) * 16, 16, &tgpa);
	x = vt_xfer_wrap(&l.d.mem, 1, nin, b, vt_case_seed());
	vt_xfer_add_indirect_at(&l.d.vr, x, table, tgpa);
	vr_publish_kick(&l.d.vr);
	vt_collect(&l.d.vr, 1, VT_WAIT_MS);
	for (unsigned int i = 0; i < nin; i++)
		logd_expect_dirty(&l, b[1 + i].addr, in_len);
	logd_check_canary(&l);
	hs_test_reset(&l.d);
	logd_check_canary(&l);
}

/* CVE-2019-14835: 256 writable entries, each page logged. */
static void log_all_long_indirect_chain_logs_every_written_page(void)
{
	log_indirect_chain(16, 256, 100);
}

/*
 * CVE-2019-14835: the overflow was of a log array sized by the ring; a
 * chain of 1000 writable entries (the iovec array holds 1024) on a ring
 * of 2.
 */
static void log_all_indirect_chain_longer_than_ring_no_overflow(void)
{
	log_indirect_chain(2, 1000, 8);
}

/* CVE-2019-14835: a full ring of indirect chains, one kick; all logged. */
static void log_all_full_ring_of_indirect_chains_logs_all(void)
{
	const unsigned int num = 32, nin = 8;
	struct vt_xfer *x[32];
	struct logd l;

	logd_setup(&l, num);
	for (unsigned int c = 0; c < num; c++) {
		uint32_t ol = nin * 300, il[8];

		for (unsigned int i = 0; i < nin; i++)
			il[i] = 300;
		x[c] = vt_xfer_new(&l.d.mem, 1, &ol, nin, il, VT_PAGE, c);
		vt_xfer_add(&l.d.vr, x[c], VR_INDIRECT);
	}
	vr_publish_kick(&l.d.vr);
	vt_collect(&l.d.vr, num, VT_WAIT_MS);
	for (unsigned int c = 0; c < num; c++)
		for (unsigned int i = 0; i < nin; i++)
			logd_expect_dirty(&l, x[c]->seg[1 + i].gpa, 300);
	logd_check_canary(&l);
	hs_test_reset(&l.d);
}

/* ================================================================== */
/* vring metadata cache after reconfiguration                          */

/* The old used ring (host view), poisoned; the device must not write it. */
struct poison {
	uint8_t *p;
	size_t len;
};

static struct poison poison_used(struct vring_drv *vr)
{
	struct poison s = { vr->used, 6 + 8u * vr->num };

	memset(s.p, 0xee, s.len);
	return s;
}

static void poison_intact(const struct poison *s, const char *what)
{
	for (size_t i = 0; i < s->len; i++)
		CHECK(s->p[i] == 0xee, "%s: old used ring byte %zu written",
		      what, i);
}

/*
 * Upstream cached ring metadata translations (vhost_vq_meta); the cache
 * must not outlive a change.  Rings moved to new guest addresses while
 * stopped: the new ones are used, the old used ring is never written.
 */
static void ring_moved_while_stopped_new_addresses_used(void)
{
	struct poison old;
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 1000, 1000, 0);
	vt_stop(&d);
	old = poison_used(&d.vr);
	vt_setup_ring(&d);
	vt_start(&d);
	for (int i = 0; i < 4; i++)
		vt_roundtrip(&d, 700, 700, i & 1 ? VR_INDIRECT : 0);
	poison_intact(&old, "after SET_VRING_ADDR");
	vt_expect_no_ring_error(&d);
}

/* Re-point the driver's ring to the same guest addresses in @m. */
static void repoint_ring(struct vring_drv *vr, struct gmem *m)
{
	vr->mem = m;
	vr->desc = gmem_hva(m, vr->desc_gpa, 16u * vr->num);
	vr->avail = gmem_hva(m, vr->avail_gpa, 6 + 2u * vr->num);
	vr->used = gmem_hva(m, vr->used_gpa, 6 + 8u * vr->num);
	if (vr->ind_max)
		vr->ind = gmem_hva(m, vr->ind_gpa,
				   (size_t)vr->num * vr->ind_max * 16);
	CHECK(vr->desc && vr->avail && vr->used, "ring outside the copy");
}

/*
 * Without an IOTLB the ring addresses are the owner's virtual addresses.
 * Upstream once cached kernel mappings of the ring pages (the reverted
 * vhost "metadata acceleration"), which kept the old pages after the
 * owner remapped them.  Here the owner maps fresh pages (same contents)
 * over all of its guest memory while the ring is stopped: the device must
 * use the new pages.
 */
static void ring_pages_remapped_while_stopped_new_pages_used(void)
{
	struct vt_opts o = { .mem_size = 4u << 20 };
	struct vt_dev d;
	uint8_t *copy;

	vt_setup(&d, &o);
	vt_roundtrip(&d, 1000, 1000, 0);
	vt_stop(&d);
	copy = malloc(d.mem.size);
	CHECK(copy, "out of memory");
	memcpy(copy, d.mem.hva, d.mem.size);
	CHECK(mmap(d.mem.hva, d.mem.size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
	      d.mem.hva, "mmap MAP_FIXED: %s", strerror(errno));
	memcpy(d.mem.hva, copy, d.mem.size);
	free(copy);
	vt_start(&d);
	for (int i = 0; i < 4; i++)
		vt_roundtrip(&d, 700, 700, i & 1 ? VR_INDIRECT : 0);
	vt_expect_no_ring_error(&d);
}

/* A ring made smaller while stopped: the new size is used, full and wrapped. */
static void ring_resized_while_stopped_new_size_used(void)
{
	uint32_t len = 256;
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 100, 100, 0);
	vt_stop(&d);
	d.o.num = 8;
	vt_setup_ring(&d);
	vt_start(&d);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++)
			vt_xfer_add(&d.vr, vt_xfer_new(&d.mem, 1, &len, 1,
						       &len, 8, i),
				    VR_INDIRECT);
		vr_publish_kick(&d.vr);
		vt_collect(&d.vr, 8, VT_WAIT_MS);
	}
	vt_expect_no_ring_error(&d);
}

/*
 * With an IOTLB: the rings' IOVAs remapped to other host pages while
 * stopped; the device uses the new translation, not a cached one.
 */
static void iotlb_ring_remapped_while_stopped_new_translation_used(void)
{
	struct poison old;
	struct vt_dev d;
	struct gmem m2;

	iotlb_premapped(&d);
	vt_stop(&d);
	gmem_init(&m2, d.mem.gpa, d.mem.size);
	memcpy(m2.hva, d.mem.hva, d.mem.size);
	m2.brk = d.mem.brk;
	old = poison_used(&d.vr);
	d.mem = m2;
	repoint_ring(&d.vr, &d.mem);
	EXPECT_OK(iotlb_unmap(d.fd, true, d.mem.gpa, d.mem.size));
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa, d.mem.size,
			    VHOST_ACCESS_RW));
	vt_start(&d);
	iotlb_still_mapped(&d);
	poison_intact(&old, "after the IOTLB remap");
}

/* ================================================================== */
/* worker freed under RCU readers                                      */

struct kicker {
	pthread_t t;
	atomic_bool stop;
	int fd;
	bool traffic;
	struct vt_dev *d;
};

static void *kick_loop(void *arg)
{
	struct kicker *k = arg;

	while (!atomic_load(&k->stop)) {
		if (k->traffic)
			vt_roundtrip(k->d, 200, 200, 0);
		else
			vt_eventfd_signal(k->fd);
	}
	return NULL;
}

/*
 * The ring hops to a new worker and back to its first one, and the new
 * one is freed at once, 64 times, while another thread kicks (or moves
 * data).  Upstream freed a worker that a kick still read under RCU.  (One
 * extra worker at a time: a device has at most nvqs + 1.)
 */
static void worker_hops(bool traffic)
{
	struct kicker k = { .traffic = traffic };
	unsigned int w, first;
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_OK(vh_get_vring_worker(d.fd, 0, &first));
	k.fd = d.vr.kick_fd;
	k.d = &d;
	if (pthread_create(&k.t, NULL, kick_loop, &k))
		FAIL("pthread_create");
	for (int i = 0; i < 64; i++) {
		EXPECT_OK(vh_new_worker(d.fd, &w));
		EXPECT_OK(vh_attach_vring_worker(d.fd, 0, w));
		EXPECT_OK(vh_attach_vring_worker(d.fd, 0, first));
		EXPECT_OK(vh_free_worker(d.fd, w));
	}
	atomic_store(&k.stop, true);
	pthread_join(k.t, NULL);
	hs_test_reset(&d);
}

static void free_worker_while_kicks_arrive_is_safe(void)
{
	worker_hops(false);
}

static void free_worker_while_data_moves_is_safe(void)
{
	worker_hops(true);
}

/* ================================================================== */
/* weights (CVE-2019-3900)                                             */

struct flooder {
	pthread_t t;
	atomic_bool stop;
	atomic_uint done;
	struct vring_drv *vr;
	uint64_t gpa;		/* where the chains point */
	uint32_t len;		/* their length (0: zero-length chains) */
};

/* Keep the ring full of readable chains until told to stop. */
static void *flood_loop(void *arg)
{
	struct flooder *f = arg;
	struct vt_buf b = { f->gpa, f->len };
	struct vt_used u;

	while (!atomic_load(&f->stop)) {
		while (vr_get_used(f->vr, &u) == 1)
			atomic_fetch_add(&f->done, 1);
		while (vr_add(f->vr, &b, 1, 0, 0, NULL) >= 0)
			;
		vr_publish_kick(f->vr);
		vr_wait_used(f->vr, 1, 20);
	}
	return NULL;
}

static void flood_start(struct flooder *f, struct vring_drv *vr, uint64_t gpa,
			uint32_t len)
{
	f->vr = vr;
	f->gpa = gpa;
	f->len = len;
	atomic_store(&f->stop, false);
	atomic_store(&f->done, 0);
	if (pthread_create(&f->t, NULL, flood_loop, f))
		FAIL("pthread_create");
}

/* Wait (bounded) until the device has consumed @n flood chains. */
static void flood_wait(struct flooder *f, unsigned int n)
{
	uint64_t end = vt_now_ms() + VT_WAIT_MS;

	while (atomic_load(&f->done) < n) {
		if (vt_now_ms() > end)
			FAIL("the device consumed %u flood chains within %d ms",
			     atomic_load(&f->done), VT_WAIT_MS);
		usleep(1000);
	}
}

static void flood_stop(struct flooder *f)
{
	atomic_store(&f->stop, true);
	pthread_join(f->t, NULL);
}

/*
 * CVE-2019-3900: a guest that keeps its ring full of zero-length chains
 * must not keep the worker: stopping the backend (which waits for the
 * handler) returns, and the device works after.
 */
static void zero_length_chain_flood_leaves_backend_stop_responsive(void)
{
	struct flooder f;
	struct vt_dev d;

	vt_setup(&d, NULL);
	flood_start(&f, &d.vr, gmem_alloc(&d.mem, 64, 8), 0);
	flood_wait(&f, 2048);
	vt_stop(&d);		/* the flush: the handler must yield */
	vt_start(&d);
	flood_wait(&f, atomic_load(&f.done) + 1024);
	flood_stop(&f);
	hs_test_reset(&d);
}

/* ================================================================== */
/* VHOST_GET/SET_FEATURES_ARRAY tail handling                          */

#define FA_WORDS 8
#define FA_CANARY 0xfeedfacecafebeefull

static long features_array(int fd, unsigned long req, void *arg)
{
	return vh_ioctl(fd, req, arg);
}

/*
 * GET_FEATURES_ARRAY with count 8: word 0 is what GET_FEATURES says, the
 * words past what the kernel knows (up to the 8 asked for) are zeroed,
 * and nothing past the 8 is touched.
 */
static void get_features_array_zeroes_tail_up_to_count_only(void)
{
	uint64_t a[1 + FA_WORDS + 4], f;
	int fd = vt_open_fd();

	EXPECT_OK(vh_get_features(fd, &f));
	a[0] = FA_WORDS;
	for (size_t i = 1; i < ARRAY_SIZE(a); i++)
		a[i] = FA_CANARY;
	EXPECT_OK(features_array(fd, VHOST_GET_FEATURES_ARRAY, a));
	EXPECT_EQ(a[0], FA_WORDS);
	EXPECT_EQ(a[1], f);
	for (int i = 2; i <= FA_WORDS; i++)
		CHECK(a[i] == 0, "word %d is 0x%llx, expected 0", i - 1,
		      (unsigned long long)a[i]);
	for (size_t i = 1 + FA_WORDS; i < ARRAY_SIZE(a); i++)
		CHECK(a[i] == FA_CANARY, "word %zu past the count written",
		      i - 1);
}

/* Count 1 writes one word; count 0 writes none. */
static void get_features_array_small_counts_write_no_more(void)
{
	uint64_t a[4], f;
	int fd = vt_open_fd();

	EXPECT_OK(vh_get_features(fd, &f));
	for (uint64_t count = 0; count <= 1; count++) {
		a[0] = count;
		a[1] = a[2] = a[3] = FA_CANARY;
		EXPECT_OK(features_array(fd, VHOST_GET_FEATURES_ARRAY, a));
		EXPECT_EQ(a[1], count ? f : FA_CANARY);
		EXPECT_EQ(a[2], FA_CANARY);
		EXPECT_EQ(a[3], FA_CANARY);
	}
}

/*
 * A huge count over a page followed by no memory: a clean errno, at once
 * (-EFAULT in Linux; ours refuses a count over 1024 words with -EINVAL
 * before reading any).
 */
static void expect_efault_or_einval(long r, const char *what)
{
	if (r != -EFAULT && r != -EINVAL)
		FAIL("%s with a huge count: %s, expected -EFAULT or -EINVAL",
		     what, vt_err(r));
}

static void features_array_huge_count_over_short_buffer_refused(void)
{
	uint8_t *p = mmap(NULL, 2 * VT_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t *a;
	int fd = vt_open_owned_fd();

	CHECK(p != MAP_FAILED, "mmap");
	CHECK(!mprotect(p + VT_PAGE, VT_PAGE, PROT_NONE), "mprotect");
	a = (uint64_t *)p;
	memset(p, 0, VT_PAGE);
	a[0] = 1ull << 40;
	expect_efault_or_einval(features_array(fd, VHOST_GET_FEATURES_ARRAY, a),
				"GET_FEATURES_ARRAY");
	memset(p, 0, VT_PAGE);
	a[0] = 1ull << 40;
	expect_efault_or_einval(features_array(fd, VHOST_SET_FEATURES_ARRAY, a),
				"SET_FEATURES_ARRAY");
	/* still a working device */
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 100, 100, 0);
}

/* A bit in a word the kernel does not know: -EOPNOTSUPP, features kept. */
static void set_features_array_unknown_word_eopnotsupp_features_kept(void)
{
	uint64_t a[1 + FA_WORDS] = { FA_WORDS, VT_DEF_FEATURES };
	struct vt_dev d;

	vt_setup(&d, NULL);
	a[FA_WORDS] = 1;
	EXPECT_ERR(features_array(d.fd, VHOST_SET_FEATURES_ARRAY, a),
		   EOPNOTSUPP);
	vt_roundtrip(&d, 1500, 1500, VR_INDIRECT);
	a[FA_WORDS] = 0;
	vt_stop(&d);
	EXPECT_OK(features_array(d.fd, VHOST_SET_FEATURES_ARRAY, a));
	vt_start(&d);
	vt_roundtrip(&d, 1500, 1500, VR_INDIRECT);
}

/* ================================================================== */
/* vhost-net                                                           */

#define F_V1	(VT_F_VERSION_1 | VT_F_INDIRECT)
#define F_MRG	(VT_F_MRG_RXBUF | VT_F_VERSION_1 | VT_F_INDIRECT)

static void net_setup(struct vnet *n, uint64_t features, unsigned int num)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = features, .num = num,
	};

	hs_need_net();
	vnet_setup(n, &o);
}

/* Post @count RX chains of one writable buffer of @len bytes each. */
static void net_post_raw_rx(struct vnet *n, unsigned int count, uint32_t len)
{
	struct vring_drv *vr = &n->vr[VNET_RX];
	uint64_t gpa = gmem_alloc(&n->mem, (size_t)count * (len ? len : 1), 8);

	for (unsigned int i = 0; i < count; i++) {
		struct vt_buf b = { gpa + (uint64_t)i * (len ? len : 1), len };

		if (vr_add(vr, &b, 0, 1, 0, NULL) < 0)
			FAIL("vr_add RX %u of %u", i, count);
	}
	vr_publish_kick(vr);
}

/*
 * The RX ring has frames it cannot take: after the backend is detached
 * (which waits for the handler) no chain was used, then reset.
 */
static void net_expect_rx_unused_then_reset(struct vnet *n)
{
	vnet_detach(n, VNET_RX);
	EXPECT_EQ(vr_used_idx(&n->vr[VNET_RX]), 0);
	hs_net_reset(n, vt_case_seed());
}

/*
 * CVE-2018-16880 (and the review's C1): zero-length RX buffers with
 * mergeable buffers on a ring of 2048.  No arrangement takes the frame:
 * dropped (ours) or left waiting (Linux's); never a gather past its array.
 */
static void net_rx_mrg_zero_length_buffers_on_ring_of_2048_no_overrun(void)
{
	struct vnet n;

	net_setup(&n, F_MRG, 2048);
	net_post_raw_rx(&n, 2048, 0);
	vnet_inject(&n, ND_RAW, 1, vt_case_seed(), 1000);
	vnet_inject(&n, ND_RAW, 2, vt_case_seed(), 60);
	net_expect_rx_unused_then_reset(&n);
}

/*
 * CVE-2018-16880: one-byte RX buffers on a ring of 4096; a 1500-byte frame
 * would need over 1024 of them.  Dropped or left waiting, nothing used.
 */
static void net_rx_mrg_one_byte_buffers_frame_needing_over_1024_not_taken(void)
{
	struct vnet n;

	net_setup(&n, F_MRG, 4096);
	net_post_raw_rx(&n, 4096, 1);
	vnet_inject(&n, ND_RAW, 1, vt_case_seed(), 1500);
	net_expect_rx_unused_then_reset(&n);
}

/* CVE-2018-16880: tiny buffers that suffice (~40 per frame) are fine. */
static void net_rx_mrg_tiny_buffers_on_ring_of_2048_deliver_frames(void)
{
	uint32_t seed = vt_case_seed();
	unsigned int nb;
	struct vnet n;

	net_setup(&n, F_MRG, 2048);
	vnet_rx_bufs(&n, 512, 16, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 512);
	for (uint32_t i = 0; i < 4; i++) {
		vnet_inject(&n, ND_RAW, i, seed, 600);
		nb = vnet_rx_expect(&n, ND_RAW, i, seed, 600);
		CHECK(nb >= (600 + 12) / 16, "frame in %u buffers", nb);
	}
	hs_net_reset(&n, seed);
}

/* CVE-2018-16880 without mergeable buffers: a zero-length buffer. */
static void net_rx_zero_length_buffer_without_mrg_frame_not_delivered(void)
{
	struct vnet n;

	net_setup(&n, F_V1, 2048);
	net_post_raw_rx(&n, 2048, 0);
	vnet_inject(&n, ND_RAW, 1, vt_case_seed(), 100);
	vnet_detach(&n, VNET_RX);
	/* ours drops it; a used entry, if any, wrote nothing */
	for (unsigned int i = 0; i < vr_used_idx(&n.vr[VNET_RX]); i++) {
		uint32_t id, len;

		vr_used_elem(&n.vr[VNET_RX], i, &id, &len);
		EXPECT_EQ(len, 0);
	}
	hs_net_reset(&n, vt_case_seed());
}

/*
 * CVE-2014-0055: an error in a later chain of a mergeable gather was not
 * checked.  First chain fine (64 bytes), second has a readable buffer:
 * error eventfd, nothing used, the first buffer not written.
 */
static void net_rx_mrg_bad_second_chain(bool outside)
{
	struct vring_drv *vr;
	struct vt_buf b[2];
	struct vnet n;
	uint8_t *p;
	uint64_t gpa;

	net_setup(&n, F_MRG, 256);
	vr = &n.vr[VNET_RX];
	p = gmem_alloc_p(&n.mem, 2 * VT_PAGE, VT_PAGE, &gpa);
	memset(p, 0x5a, 2 * VT_PAGE);
	b[0] = (struct vt_buf){ gpa, 64 };
	CHECK(vr_add(vr, b, 0, 1, 0, NULL) >= 0, "vr_add");
	if (outside) {
		b[0] = (struct vt_buf){ 0x1000, 4096 };	/* no region there */
		CHECK(vr_add(vr, b, 0, 1, 0, NULL) >= 0, "vr_add");
	} else {
		b[0] = (struct vt_buf){ gpa + VT_PAGE, 16 };
		b[1] = (struct vt_buf){ gpa + VT_PAGE + 64, 2048 };
		CHECK(vr_add(vr, b, 1, 1, 0, NULL) >= 0, "vr_add");
	}
	vr_publish_kick(vr);
	vnet_inject(&n, ND_RAW, 1, vt_case_seed(), 1500);
	CHECK(vt_poll_in(vr->err_fd, VT_WAIT_MS) == 1,
	      "error eventfd not signalled (used idx %u)", vr_used_idx(vr));
	vnet_detach(&n, VNET_RX);
	EXPECT_EQ(vr_used_idx(vr), 0);
	for (int i = 0; i < 64; i++)
		CHECK(p[i] == 0x5a, "first buffer byte %d written", i);
	hs_net_reset(&n, vt_case_seed());
}

static void net_rx_mrg_readable_second_chain_is_ring_error(void)
{
	net_rx_mrg_bad_second_chain(false);
}

static void net_rx_mrg_second_chain_outside_memory_is_ring_error(void)
{
	net_rx_mrg_bad_second_chain(true);
}

/* CVE-2014-0077 (short packets): runts with mergeable buffers, exact. */
static void net_rx_mrg_runt_frames_take_one_buffer_each(void)
{
	static const uint32_t len[] = { 26, 42, 60, 61 };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	net_setup(&n, F_MRG, 256);
	vnet_rx_bufs(&n, 16, 2048, VNET_L_HDR_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 16);
	for (uint32_t i = 0; i < ARRAY_SIZE(len); i++) {
		vnet_inject(&n, ND_RAW, i, seed, len[i]);
		EXPECT_EQ(vnet_rx_expect(&n, ND_RAW, i, seed, len[i]), 1);
	}
	vnet_expect_no_ring_error(&n);
}

/*
 * CVE-2019-3900: a guest keeps its TX ring full of chains that are
 * dropped; the RX ring on the same worker (one made with NEW_WORKER and
 * attached to both) still receives.
 */
static void net_tx_flood_vs_rx(uint32_t len)
{
	uint32_t seed = vt_case_seed();
	struct flooder f;
	unsigned int w;
	struct vnet n;
	uint64_t gpa;

	net_setup(&n, F_V1, 256);
	EXPECT_OK(vh_new_worker(n.fd, &w));
	EXPECT_OK(vh_attach_vring_worker(n.fd, VNET_RX, w));
	EXPECT_OK(vh_attach_vring_worker(n.fd, VNET_TX, w));
	vnet_rx_bufs(&n, 8, 2048, VNET_L_SPLIT);
	n.rx_autopost = true;
	gpa = gmem_alloc(&n.mem, 64, 8);
	memset(gmem_hva(&n.mem, gpa, 64), 0, 64);
	flood_start(&f, &n.vr[VNET_TX], gpa, len);
	flood_wait(&f, 1024);
	for (uint32_t i = 0; i < 4; i++)
		hs_net_rx_one(&n, 0x100 + i, seed, 300);
	flood_stop(&f);
	hs_net_reset(&n, seed);
}

/* CVE-2019-3900: header-only TX chains (empty frames, dropped). */
static void net_tx_header_only_flood_does_not_starve_rx(void)
{
	net_tx_flood_vs_rx(12);
}

/* CVE-2019-3900: runt frames (5 bytes after the header, dropped). */
static void net_tx_runt_frame_flood_does_not_starve_rx(void)
{
	net_tx_flood_vs_rx(12 + 5);
}

/*
 * CVE-2019-3900's other half: a zero-length TX chain (shorter than the
 * header) is a structurally wrong ring: TX error eventfd (upstream: the
 * chain stays and the handler gives up), RX unaffected, then reset.
 */
static void net_tx_zero_length_chain_is_ring_error_rx_unaffected(void)
{
	struct vring_drv *tx;
	struct vt_buf b;
	struct vnet n;

	net_setup(&n, F_V1, 256);
	tx = &n.vr[VNET_TX];
	b = (struct vt_buf){ gmem_alloc(&n.mem, 64, 8), 0 };
	CHECK(vr_add(tx, &b, 1, 0, 0, NULL) >= 0, "vr_add");
	vr_publish_kick(tx);
	CHECK(vt_poll_in(tx->err_fd, VT_WAIT_MS) == 1,
	      "TX error eventfd not signalled for a zero-length chain");
	vnet_rx_bufs(&n, 8, 2048, VNET_L_SPLIT);
	n.rx_autopost = true;
	hs_net_rx_one(&n, 1, vt_case_seed(), 400);
	hs_net_reset(&n, vt_case_seed());
}

/*
 * CVE-2020-10942: a socket of the wrong family or type as the backend
 * (upstream's get_raw_socket overflowed the stack reading its name):
 * -ENOTSOCK on both rings, then the tap works.
 */
static void net_wrong_backend(int domain, int type, int proto)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST, .no_attach = true };
	struct vnet n;
	int s;

	hs_need_net();
	vnet_setup(&n, &o);
	s = socket(domain, type | SOCK_CLOEXEC, proto);
	if (s < 0)
		SKIP("socket(%d, %d, %d): %s", domain, type, proto,
		     strerror(errno));
	EXPECT_ERR(vh_net_set_backend(n.fd, VNET_RX, s), ENOTSOCK);
	EXPECT_ERR(vh_net_set_backend(n.fd, VNET_TX, s), ENOTSOCK);
	close(s);
	vnet_attach_tap(&n);
	vnet_rx_bufs(&n, 8, 2048, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_tx_one(&n, 1, vt_case_seed(), 500);
	hs_net_rx_one(&n, 2, vt_case_seed(), 500);
}

static void set_backend_unix_stream_socket_is_enotsock(void)
{
	net_wrong_backend(AF_UNIX, SOCK_STREAM, 0);
}

static void set_backend_unix_dgram_socket_is_enotsock(void)
{
	net_wrong_backend(AF_UNIX, SOCK_DGRAM, 0);
}

static void set_backend_udp_socket_is_enotsock(void)
{
	net_wrong_backend(AF_INET, SOCK_DGRAM, 0);
}

static void set_backend_packet_dgram_socket_is_enotsock(void)
{
	net_wrong_backend(AF_PACKET, SOCK_DGRAM, 0);
}

static void set_backend_netlink_socket_is_enotsock(void)
{
	net_wrong_backend(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
}

static void set_backend_vsock_socket_is_enotsock(void)
{
	net_wrong_backend(AF_VSOCK, SOCK_STREAM, 0);
}

/*
 * XDP batch overrun on a failed sendmsg (upstream's vhost_net_build_xdp
 * batch): the tap refuses the batch; every chain still comes back, and
 * the tap works when it takes packets again.
 */
static void net_tx_batch_refused(bool detach)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	struct ifreq ifr = { 0 };
	struct vnet n;

	hs_need_net();
	if (detach)
		o.tap_flags = IFF_MULTI_QUEUE;
	vnet_setup(&n, &o);
	if (detach) {
		ifr.ifr_flags = IFF_DETACH_QUEUE;
		CHECK(!ioctl(n.tap_fd, TUNSETQUEUE, &ifr),
		      "TUNSETQUEUE detach: %s", strerror(errno));
	} else {
		CHECK(!nd_run("ip link set %s down", n.ifname), "link down");
	}
	for (int round = 0; round < 3; round++) {
		for (uint32_t i = 0; i < 60; i++)
			vnet_tx_add_frame(&n, ND_RAW, i, seed,
					  i % 5 == 4 ? 9000 : 60 + 20 * i,
					  i & 1 ? VNET_L_SPLIT : VNET_L_ONE);
		vnet_tx_kick(&n);
		vnet_tx_complete(&n, 60, VT_WAIT_MS);
	}
	vnet_expect_no_ring_error(&n);
	if (detach) {
		ifr.ifr_flags = IFF_ATTACH_QUEUE;
		CHECK(!ioctl(n.tap_fd, TUNSETQUEUE, &ifr),
		      "TUNSETQUEUE attach: %s", strerror(errno));
	} else {
		CHECK(!nd_run("ip link set %s up", n.ifname), "link up");
	}
	/* what the capture saw while the tap refused is not checked */
	{
		int err;
		socklen_t sl = sizeof(err);

		getsockopt(n.cap_fd, SOL_SOCKET, SO_ERROR, &err, &sl);
	}
	while (nd_frame_pending(n.cap_fd, nd_mac_guest)) {
		static uint8_t junk[ND_MAX_FRAME];

		nd_recv_from(n.cap_fd, nd_mac_guest, junk, sizeof(junk),
			     NULL, 0);
	}
	vnet_tx_one(&n, 0x500, seed, 800);
}

static void net_tx_batch_to_detached_tap_queue_returns_every_chain(void)
{
	net_tx_batch_refused(true);
}

static void net_tx_batch_to_downed_tap_returns_every_chain(void)
{
	net_tx_batch_refused(false);
}

/*
 * Zero-copy completion vs teardown: frames sent by reference wait in a
 * plug qdisc while the device goes away (close, or RESET_OWNER).  The
 * teardown may wait for the stack, but finishes once the frames are
 * freed, and the module works after.
 */
struct zc_teardown {
	int fd;
	bool reset_owner;
	long ret;
	int done;
};

static void *zc_teardown_fn(void *arg)
{
	struct zc_teardown *z = arg;

	z->ret = z->reset_owner ? vh_reset_owner(z->fd) : close(z->fd);
	vt_eventfd_signal(z->done);
	return NULL;
}

static void net_zerocopy_teardown(bool reset_owner)
{
	static const uint32_t big[] = { 9000, 16000, 32768, ND_MAX_FRAME };
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	struct zc_teardown z = { .reset_owner = reset_owner };
	uint32_t seed = vt_case_seed();
	struct vnet n, m;
	pthread_t t;
	bool old;

	hs_need_net();
	vnet_plug_create();
	old = vnet_zcopy_param_set(true);
	vnet_setup(&n, &o);
	vnet_zcopy_param_set(old);
	vnet_plug_attach_tap(&n);
	for (uint32_t i = 0; i < ARRAY_SIZE(big); i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, big[i], VNET_L_SPLIT);
	vnet_tx_kick(&n);
	vnet_plug_wait_backlog(ARRAY_SIZE(big));
	z.fd = n.fd;
	z.done = vt_eventfd();
	if (pthread_create(&t, NULL, zc_teardown_fn, &z))
		FAIL("pthread_create");
	vnet_plug_release();
	if (vt_poll_in(z.done, VT_WAIT_MS) != 1)
		FAIL("%s did not return within %d ms of the frames' release",
		     reset_owner ? "RESET_OWNER" : "close", VT_WAIT_MS);
	pthread_join(t, NULL);
	CHECK(z.ret == 0, "teardown returned %s", vt_err(z.ret));
	vnet_plug_wait_backlog(0);
	if (reset_owner)
		EXPECT_OK(vh_set_owner(n.fd));
	vnet_setup(&m, &o);
	m.rx_autopost = true;
	vnet_rx_bufs(&m, 8, 2048, VNET_L_SPLIT);
	vnet_tx_one(&m, 0x600, seed, 1000);
	hs_net_rx_one(&m, 0x601, seed, 1000);
}

static void net_zerocopy_close_with_frames_held_finishes_after_release(void)
{
	net_zerocopy_teardown(false);
}

static void net_zerocopy_reset_owner_with_frames_held_finishes_after_release(void)
{
	net_zerocopy_teardown(true);
}

/* FORK_FROM_OWNER after SET_OWNER: -EBUSY (or absent), device unharmed. */
static void fork_owner_after_owner(int fd, const char *what)
{
	uint8_t v = 0xff;
	long r = vh_set_fork_owner(fd, VHOST_FORK_OWNER_KTHREAD);

	if (r == -ENOTTY || r == -EOPNOTSUPP)
		SKIP("%s: no VHOST_SET_FORK_FROM_OWNER (%s)", what, vt_err(r));
	EXPECT_ERR(r, EBUSY);
	EXPECT_ERR(vh_set_fork_owner(fd, VHOST_FORK_OWNER_TASK), EBUSY);
	r = vh_get_fork_owner(fd, &v);
	if (r >= 0)
		CHECK(v <= 1, "%s: GET_FORK_FROM_OWNER says %u", what, v);
}

static void net_fork_from_owner_after_set_owner_ebusy(void)
{
	struct vnet n;

	net_setup(&n, F_V1, 256);
	fork_owner_after_owner(n.fd, "vhost-net");
	vnet_rx_bufs(&n, 8, 2048, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_tx_one(&n, 1, vt_case_seed(), 700);
	hs_net_rx_one(&n, 2, vt_case_seed(), 700);
}

/* FEATURES_ARRAY on vhost-net: the same tail rule as the core. */
static void net_get_features_array_zeroes_tail_up_to_count_only(void)
{
	uint64_t a[1 + FA_WORDS + 2], f;
	int fd;

	hs_need_net();
	fd = vnet_open_fd();
	EXPECT_OK(vh_get_features(fd, &f));
	a[0] = FA_WORDS;
	for (size_t i = 1; i < ARRAY_SIZE(a); i++)
		a[i] = FA_CANARY;
	EXPECT_OK(features_array(fd, VHOST_GET_FEATURES_ARRAY, a));
	EXPECT_EQ(a[1], f);
	for (int i = 2; i <= FA_WORDS; i++)
		EXPECT_EQ(a[i], 0);
	EXPECT_EQ(a[1 + FA_WORDS], FA_CANARY);
	EXPECT_EQ(a[2 + FA_WORDS], FA_CANARY);
}

/* ================================================================== */
/* vhost-vsock                                                         */

#define GPORT 1234u

static void vsock_setup(struct vvs *v)
{
	hs_need_vsock();
	vvs_setup(v, NULL);
}

/* Answer the host's connects and send on each; skip everything else. */
static unsigned int guest_serves(struct vvs *v, int idle_ms,
				 atomic_bool *host_done)
{
	static const char data[100] = "racing";
	unsigned int served = 0;
	struct vvs_pkt p;

	for (;;) {
		if (!vvs_recv(v, &p, idle_ms)) {
			if (!host_done || atomic_load(host_done))
				return served;
			continue;
		}
		if (p.op != VIRTIO_VSOCK_OP_REQUEST)
			continue;
		vvs_send(v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RESPONSE,
			 GPORT, p.src_port, 0, NULL, 0);
		vvs_send(v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RW,
			 GPORT, p.src_port, 0, data, sizeof(data));
		served++;
	}
}

struct racer {
	pthread_t t;
	uint32_t cid;
	atomic_bool done;
	unsigned int rounds;
};

static void *host_connect_close_loop(void *arg)
{
	struct racer *r = arg;
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = r->cid, .svm_port = GPORT,
	};

	for (unsigned int i = 0; i < r->rounds; i++) {
		int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK |
				       SOCK_CLOEXEC, 0);
		struct pollfd pfd = { .fd = s, .events = POLLOUT };

		if (s < 0)
			break;
		connect(s, (struct sockaddr *)&a, sizeof(a));
		poll(&pfd, 1, (int)(i % 3));	/* close at various points */
		close(s);
	}
	atomic_store(&r->done, true);
	return NULL;
}

/*
 * CVE-2018-14625: host sockets connect and close while the guest answers
 * and sends on them (upstream: a use-after-free of the vsock).  Bounded
 * (200 connects); the host stays up and a new connection works.
 */
static void vsock_host_connect_close_races_guest_send(void)
{
	struct racer r = { .rounds = 200 };
	struct vvs v;

	vsock_setup(&v);
	r.cid = v.cid;
	if (pthread_create(&r.t, NULL, host_connect_close_loop, &r))
		FAIL("pthread_create");
	guest_serves(&v, 50, &r.done);
	pthread_join(r.t, NULL);
	hs_vsock_reset(&v);
}

struct closer {
	int fd;
	int go;
};

static void *close_on_signal(void *arg)
{
	struct closer *c = arg;

	vt_poll_in(c->go, VT_WAIT_MS);
	close(c->fd);
	return NULL;
}

/*
 * CVE-2018-14625: the device fd is closed while host sockets send to it;
 * the host sockets get an error or reset, the CID is free again.
 */
static void vsock_device_close_while_host_sends(void)
{
	static uint8_t chunk[16384];
	struct closer c;
	uint32_t hport, cid;
	pthread_t t;
	struct vvs v, w;
	int s;

	vsock_setup(&v);
	cid = v.cid;
	s = hs_vsock_connect(&v, GPORT, &hport);
	c.fd = v.fd;
	c.go = vt_eventfd();
	if (pthread_create(&t, NULL, close_on_signal, &c))
		FAIL("pthread_create");
	for (int i = 0; i < 64; i++) {
		if (i == 4)
			vt_eventfd_signal(c.go);
		if (send(s, chunk, sizeof(chunk), MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN)
			break;	/* reset by the device's release */
	}
	pthread_join(t, NULL);
	close(s);
	{
		struct vvs_opts o = { .cid = cid };

		vvs_setup(&w, &o);	/* the CID is free again */
	}
	hs_vsock_reset(&w);
}

/*
 * CVE-2018-14625: the host closes its socket while the guest keeps
 * sending on it: the guest gets RST (not data into a freed socket).
 */
static void vsock_guest_sends_to_closed_host_socket_gets_rst(void)
{
	static const char data[512];
	uint32_t hport;
	struct vvs_pkt p;
	struct vvs v;
	bool rst = false;
	int s;

	vsock_setup(&v);
	s = hs_vsock_connect(&v, GPORT, &hport);
	close(s);
	for (int i = 0; i < 32; i++)
		vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RW,
			 GPORT, hport, 0, data, sizeof(data));
	for (int i = 0; i < 64 && !rst; i++) {
		if (!vvs_recv(&v, &p, VT_WAIT_MS))
			break;
		rst = p.op == VIRTIO_VSOCK_OP_RST;
	}
	CHECK(rst, "no RST for data sent to a closed host socket");
	hs_vsock_reset(&v);
}

/*
 * CVE-2019-3900: the guest keeps ring 1 full of packets the device drops
 * (a wrong source CID); host data still reaches the guest on ring 0.
 */
static void vsock_tx_dropped_packet_flood_does_not_starve_rx(void)
{
	static const char msg[] = "through the flood";
	struct virtio_vsock_hdr *h;
	struct flooder f;
	struct vvs_pkt p;
	uint32_t hport;
	uint64_t gpa;
	struct vvs v;
	int s, i;

	vsock_setup(&v);
	s = hs_vsock_connect(&v, GPORT, &hport);
	h = gmem_alloc_p(&v.mem, sizeof(*h), 8, &gpa);
	*h = (struct virtio_vsock_hdr){
		.src_cid = htole64(v.cid + 1000), .dst_cid = htole64(2),
		.src_port = htole32(9), .dst_port = htole32(hport),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(VIRTIO_VSOCK_OP_RW),
	};
	flood_start(&f, &v.vr[VVS_TX], gpa, sizeof(*h));
	flood_wait(&f, 1024);
	CHECK(send(s, msg, sizeof(msg), 0) == sizeof(msg), "host send");
	for (i = 0; i < 64; i++) {
		CHECK(vvs_recv(&v, &p, VT_WAIT_MS),
		      "host data starved by the TX flood (%d ms)", VT_WAIT_MS);
		if (p.op == VIRTIO_VSOCK_OP_RW)
			break;
	}
	CHECK(i < 64 && p.len == sizeof(msg) && !memcmp(p.data, msg, p.len),
	      "host data not received intact");
	flood_stop(&f);
	close(s);
	hs_vsock_reset(&v);
}

/*
 * The host connects; the guest's RESPONSE carries the hostile credit
 * fields; then the host sends up to 4 MiB without blocking while the
 * guest reads nothing.  Returns the bytes the host socket accepted.
 */
static size_t vsock_hostile_credit(struct vvs *v, uint32_t buf_alloc,
				   uint32_t fwd_cnt)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = v->cid, .svm_port = GPORT,
	};
	static uint8_t chunk[65536];
	struct virtio_vsock_hdr h;
	struct vvs_pkt p;
	size_t sent = 0;
	int s;

	s = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CHECK(s >= 0, "socket");
	CHECK(connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 &&
	      errno == EINPROGRESS, "connect: %s", strerror(errno));
	vvs_expect(v, &p, VIRTIO_VSOCK_OP_REQUEST, "host's connect");
	h = (struct virtio_vsock_hdr){
		.src_cid = htole64(v->cid), .dst_cid = htole64(VVS_HOST_CID),
		.src_port = htole32(GPORT), .dst_port = htole32(p.src_port),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(VIRTIO_VSOCK_OP_RESPONSE),
		.buf_alloc = htole32(buf_alloc), .fwd_cnt = htole32(fwd_cnt),
	};
	vvs_send_raw(v, &h, NULL, 0);
	/* without credit the socket is not writable: wait until connected */
	for (uint64_t end = vt_now_ms() + VT_WAIT_MS;;) {
		struct sockaddr_vm peer;
		socklen_t pl = sizeof(peer);

		if (!getpeername(s, (struct sockaddr *)&peer, &pl))
			break;
		CHECK(vt_now_ms() < end, "connect did not complete");
		usleep(1000);
	}
	while (sent < (4u << 20)) {
		ssize_t r = send(s, chunk, sizeof(chunk), MSG_DONTWAIT);

		if (r < 0) {
			CHECK(errno == EAGAIN, "host send: %s", strerror(errno));
			break;
		}
		sent += (size_t)r;
	}
	close(s);
	return sent;
}

/* The host's own receive-buffer size: what its credit is capped to. */
#define HOST_BUF (256u << 10)

/*
 * CVE-2026-23069: a guest advertises 4 GiB of receive space.  The host
 * queues no more than its own buffer size for it (credit is capped), so a
 * guest that never reads cannot pin host memory.  Needs the host kernel's
 * AF_VSOCK fix ("cap TX credit to local buffer size"): without it this
 * FAILs on the kernel, not on vhost_vsock.
 */
static void vsock_huge_peer_buf_alloc_bounds_host_queue(void)
{
	struct vvs v;
	size_t sent;

	vsock_setup(&v);
	sent = vsock_hostile_credit(&v, 0xffffffffu, 0);
	CHECK(sent <= HOST_BUF,
	      "the host queued %zu bytes for a guest that reads nothing (buf_alloc 4 GiB)",
	      sent);
	hs_vsock_reset(&v);
}

/*
 * CVE-2026-23069: fwd_cnt ahead of what the host sent makes
 * buf_alloc - (tx_cnt - fwd_cnt) wrap to ~2 GiB of credit.  The host
 * still queues no more than its own buffer.
 */
static void vsock_peer_fwd_cnt_ahead_of_sent_bounds_host_queue(void)
{
	struct vvs v;
	size_t sent;

	vsock_setup(&v);
	sent = vsock_hostile_credit(&v, 4096, 0x80000000u);
	CHECK(sent <= HOST_BUF,
	      "the host queued %zu bytes after fwd_cnt 0x80000000 (buf_alloc 4096)",
	      sent);
	hs_vsock_reset(&v);
}

/* buf_alloc 0: the host sends nothing at all, and works after. */
static void vsock_peer_zero_buf_alloc_gets_no_data(void)
{
	struct vvs v;

	vsock_setup(&v);
	EXPECT_EQ(vsock_hostile_credit(&v, 0, 0), 0);
	hs_vsock_reset(&v);
}

static void vsock_fork_from_owner_after_set_owner_ebusy(void)
{
	struct vvs v;

	vsock_setup(&v);
	fork_owner_after_owner(v.fd, "vhost-vsock");
	hs_vsock_reset(&v);
}

/* ================================================================== */
/* vhost-scsi                                                          */

#define TAG 5

static void scsi_setup(struct lio_port *p, struct vsc *v)
{
	hs_need_scsi();
	lio_port_setup(p, TAG, 1, 4);
	vsc_setup(v, NULL, p);
	hs_scsi_io(v, TAG, 1);
}

/* Repeated SET_ENDPOINT (upstream: use-after-free): -EEXIST, I/O works. */
static void scsi_set_endpoint_twice_is_eexist_io_still_works(void)
{
	struct lio_port p;
	struct vsc v;

	scsi_setup(&p, &v);
	EXPECT_ERR(vsc_set_endpoint(v.fd, p.wwn), EEXIST);
	EXPECT_ERR(vsc_set_endpoint(v.fd, p.wwn), EEXIST);
	hs_scsi_io(&v, TAG, 2);
	vsc_teardown(&v, &p);
}

/* Clear and set again, five times, I/O each time. */
static void scsi_endpoint_cleared_and_set_repeatedly_io_works(void)
{
	struct lio_port p;
	struct vsc v;

	scsi_setup(&p, &v);
	for (uint32_t i = 0; i < 5; i++) {
		EXPECT_OK(vsc_clear_endpoint(v.fd, p.wwn));
		EXPECT_OK(vsc_set_endpoint(v.fd, p.wwn));
		hs_scsi_io(&v, TAG, 10 + i);
	}
	vsc_teardown(&v, &p);
}

/*
 * Features changed after SET_ENDPOINT (upstream had rings that kept the
 * old features): T10 PI acked and dropped again, the request layout
 * follows each time.
 */
static void scsi_features_changed_after_endpoint_take_effect(void)
{
	struct lio_port p;
	uint64_t f;
	struct vsc v;

	scsi_setup(&p, &v);
	EXPECT_OK(vh_get_features(v.fd, &f));
	if (!(f & VT_F_T10_PI))
		SKIP("T10 PI not offered");
	EXPECT_OK(vh_set_features(v.fd, VT_F_VERSION_1 | VT_F_T10_PI));
	v.features = VT_F_VERSION_1 | VT_F_T10_PI;
	hs_scsi_io(&v, TAG, 20);
	EXPECT_OK(vh_set_features(v.fd, VT_F_VERSION_1));
	v.features = VT_F_VERSION_1;
	hs_scsi_io(&v, TAG, 21);
	vsc_teardown(&v, &p);
}

/* Unoffered features after SET_ENDPOINT: -EOPNOTSUPP, nothing changes. */
static void scsi_unoffered_features_after_endpoint_eopnotsupp(void)
{
	struct lio_port p;
	struct vsc v;

	scsi_setup(&p, &v);
	EXPECT_ERR(vh_set_features(v.fd, VT_F_VERSION_1 | BIT_ULL(55)),
		   EOPNOTSUPP);
	hs_scsi_io(&v, TAG, 30);
	vsc_teardown(&v, &p);
}

/* FORK_FROM_OWNER after SET_OWNER on vhost-scsi. */
static void scsi_fork_from_owner_after_set_owner_ebusy(void)
{
	struct lio_port p;
	struct vsc v;

	scsi_setup(&p, &v);
	fork_owner_after_owner(v.fd, "vhost-scsi");
	hs_scsi_io(&v, TAG, 40);
	vsc_teardown(&v, &p);
}

/* FORK_FROM_OWNER after SET_OWNER on the core device. */
static void fork_from_owner_after_set_owner_ebusy_ring_works(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	fork_owner_after_owner(d.fd, "vhost-test");
	vt_roundtrip(&d, 1000, 1000, 0);
}

/* ================================================================== */

static const struct vt_case cases[] = {
	/* CVE-2013-0311 */
	VT_CASE(cross_region_readable_buffer_is_split_at_the_boundary),
	VT_CASE(cross_region_writable_buffer_is_split_at_the_boundary),
	VT_CASE(cross_region_indirect_table_is_split_at_the_boundary),
	VT_CASE(readable_buffer_spanning_a_hole_is_ring_error),
	VT_CASE(writable_buffer_spanning_a_hole_is_ring_error),
	VT_CASE(buffer_one_byte_into_a_hole_is_ring_error),
	VT_CASE(indirect_table_spanning_a_hole_is_ring_error),
	/* CVE-2018-1118, zero-size invalidate */
	VT_CASE(iotlb_miss_v1_message_has_no_undefined_bytes),
	VT_CASE(iotlb_miss_v2_message_has_no_undefined_bytes),
	VT_CASE(iotlb_invalidate_of_size_zero_at_iova_0_drops_every_mapping),
	VT_CASE(iotlb_update_of_size_zero_is_refused),
	VT_CASE(iotlb_invalidate_wrapping_past_2_64_keeps_lower_mappings),
	/* CVE-2019-14835 */
	VT_CASE(log_all_long_indirect_chain_logs_every_written_page),
	VT_CASE(log_all_indirect_chain_longer_than_ring_no_overflow),
	VT_CASE(log_all_full_ring_of_indirect_chains_logs_all),
	/* vring metadata cache */
	VT_CASE(ring_moved_while_stopped_new_addresses_used),
	VT_CASE(ring_pages_remapped_while_stopped_new_pages_used),
	VT_CASE(ring_resized_while_stopped_new_size_used),
	VT_CASE(iotlb_ring_remapped_while_stopped_new_translation_used),
	/* worker freed under RCU readers */
	VT_CASE(free_worker_while_kicks_arrive_is_safe),
	VT_CASE(free_worker_while_data_moves_is_safe),
	/* CVE-2019-3900 */
	VT_CASE(zero_length_chain_flood_leaves_backend_stop_responsive),
	/* FEATURES_ARRAY, FORK_FROM_OWNER */
	VT_CASE(get_features_array_zeroes_tail_up_to_count_only),
	VT_CASE(get_features_array_small_counts_write_no_more),
	VT_CASE(features_array_huge_count_over_short_buffer_refused),
	VT_CASE(set_features_array_unknown_word_eopnotsupp_features_kept),
	VT_CASE(fork_from_owner_after_set_owner_ebusy_ring_works),
	/* vhost-net */
	VT_CASE(net_rx_mrg_zero_length_buffers_on_ring_of_2048_no_overrun),
	VT_CASE(net_rx_mrg_one_byte_buffers_frame_needing_over_1024_not_taken),
	VT_CASE(net_rx_mrg_tiny_buffers_on_ring_of_2048_deliver_frames),
	VT_CASE(net_rx_zero_length_buffer_without_mrg_frame_not_delivered),
	VT_CASE(net_rx_mrg_readable_second_chain_is_ring_error),
	VT_CASE(net_rx_mrg_second_chain_outside_memory_is_ring_error),
	VT_CASE(net_rx_mrg_runt_frames_take_one_buffer_each),
	VT_CASE(net_tx_header_only_flood_does_not_starve_rx),
	VT_CASE(net_tx_runt_frame_flood_does_not_starve_rx),
	VT_CASE(net_tx_zero_length_chain_is_ring_error_rx_unaffected),
	VT_CASE(set_backend_unix_stream_socket_is_enotsock),
	VT_CASE(set_backend_unix_dgram_socket_is_enotsock),
	VT_CASE(set_backend_udp_socket_is_enotsock),
	VT_CASE(set_backend_packet_dgram_socket_is_enotsock),
	VT_CASE(set_backend_netlink_socket_is_enotsock),
	VT_CASE(set_backend_vsock_socket_is_enotsock),
	VT_CASE(net_tx_batch_to_detached_tap_queue_returns_every_chain),
	VT_CASE(net_tx_batch_to_downed_tap_returns_every_chain),
	VT_CASE(net_zerocopy_close_with_frames_held_finishes_after_release),
	VT_CASE(net_zerocopy_reset_owner_with_frames_held_finishes_after_release),
	VT_CASE(net_fork_from_owner_after_set_owner_ebusy),
	VT_CASE(net_get_features_array_zeroes_tail_up_to_count_only),
	/* vhost-vsock */
	VT_CASE_T(vsock_host_connect_close_races_guest_send, 120),
	VT_CASE(vsock_device_close_while_host_sends),
	VT_CASE(vsock_guest_sends_to_closed_host_socket_gets_rst),
	VT_CASE(vsock_tx_dropped_packet_flood_does_not_starve_rx),
	VT_CASE(vsock_huge_peer_buf_alloc_bounds_host_queue),
	VT_CASE(vsock_peer_fwd_cnt_ahead_of_sent_bounds_host_queue),
	VT_CASE(vsock_peer_zero_buf_alloc_gets_no_data),
	VT_CASE(vsock_fork_from_owner_after_set_owner_ebusy),
	/* vhost-scsi */
	VT_CASE(scsi_set_endpoint_twice_is_eexist_io_still_works),
	VT_CASE(scsi_endpoint_cleared_and_set_repeatedly_io_works),
	VT_CASE(scsi_features_changed_after_endpoint_take_effect),
	VT_CASE(scsi_unoffered_features_after_endpoint_eopnotsupp),
	VT_CASE(scsi_fork_from_owner_after_set_owner_ebusy),
};

VT_MAIN("catalogue", cases)
