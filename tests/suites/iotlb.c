// SPDX-License-Identifier: GPL-2.0
/*
 * suites/iotlb: device IOTLB (VIRTIO_F_ACCESS_PLATFORM).  Ring and buffer
 * addresses are IOVAs; no memory table is set, so any translation that
 * works went through the IOTLB.  Misses are read from the vhost fd and
 * answered with UPDATE messages, by a thread (iotlb_server) or inline.
 */
#include "vt.h"

#define IOVA_BASE 0x800000000ull

static void iotlb_setup(struct vt_dev *d, bool v2, uint64_t extra_bf)
{
	vt_setup_iotlb(d, IOVA_BASE,
		       (v2 ? VT_BF_IOTLB_MSG_V2 : 0) | extra_bf);
}

static void check_server(struct iotlb_server *s, bool v2)
{
	pthread_mutex_lock(&s->lock);
	if (s->errors)
		FAIL("IOTLB server: %u I/O error(s), last %s", s->errors,
		     vt_err(s->last_err));
	if (s->bad_type)
		FAIL("%u message(s) of type other than %s", s->bad_type,
		     v2 ? "VHOST_IOTLB_MSG_V2" : "VHOST_IOTLB_MSG");
	if (s->unmappable)
		FAIL("%u miss(es) for IOVAs outside guest memory", s->unmappable);
	pthread_mutex_unlock(&s->lock);
}

static void miss_answered_round_trip(bool v2)
{
	struct iotlb_server s;
	struct vt_dev d;

	iotlb_setup(&d, v2, 0);
	iotlb_server_start(&s, d.fd, v2, &d.mem);
	vt_start(&d);
	for (int i = 0; i < 6; i++)
		vt_roundtrip(&d, 700 + i, 9000, i & 1 ? VR_INDIRECT : 0);
	CHECK(iotlb_server_misses(&s) > 0,
	      "round trips worked without a single miss: translation bypassed the IOTLB?");
	check_server(&s, v2);
	vt_expect_no_ring_error(&d);
	iotlb_server_stop(&s);
}

static void miss_answered_by_thread_v1_round_trip(void)
{
	miss_answered_round_trip(false);
}

static void miss_answered_by_thread_v2_round_trip(void)
{
	miss_answered_round_trip(true);
}

/* Every miss names an IOVA the device really needs, with a sane perm. */
static void miss_reports_iova_and_access(void)
{
	uint32_t ol = 64, il = 64;
	struct iotlb_server s;
	struct vt_xfer *x;
	struct vt_dev d;

	iotlb_setup(&d, true, 0);
	iotlb_server_start(&s, d.fd, true, &d.mem);
	vt_start(&d);
	x = vt_xfer_new(&d.mem, 1, &ol, 1, &il, VT_PAGE, 1);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	iotlb_server_stop(&s);
	check_server(&s, true);

	for (unsigned int i = 0; i < s.nlog; i++) {
		struct iotlb_rec *r = &s.log[i];

		if (r->type != VHOST_IOTLB_MISS)
			continue;
		if (!r->perm || (r->perm & ~VHOST_ACCESS_RW))
			FAIL("miss for 0x%llx with perm 0x%x",
			     (unsigned long long)r->iova, r->perm);
		if (r->iova >= x->seg[1].gpa &&
		    r->iova < x->seg[1].gpa + il &&
		    !(r->perm & VHOST_ACCESS_WO))
			FAIL("miss for the device-writable buffer asks perm 0x%x",
			     r->perm);
		if (r->iova >= x->seg[0].gpa &&
		    r->iova < x->seg[0].gpa + ol &&
		    !(r->perm & VHOST_ACCESS_RO))
			FAIL("miss for the device-readable buffer asks perm 0x%x",
			     r->perm);
	}
	CHECK(iotlb_server_saw_miss(&s, x->seg[1].gpa & ~(uint64_t)4095, VT_PAGE),
	      "no miss for the in buffer's page");
	CHECK(iotlb_server_saw_miss(&s, x->seg[0].gpa & ~(uint64_t)4095, VT_PAGE),
	      "no miss for the out buffer's page");
}

static void preloaded_mappings_need_no_miss(void)
{
	struct iotlb_rec r;
	struct vt_dev d;
	long w;

	iotlb_setup(&d, true, 0);
	w = iotlb_map(d.fd, true, &d.mem, d.mem.gpa, d.mem.size,
		      VHOST_ACCESS_RW);
	if (w != (long)sizeof(struct vhost_msg_v2))
		FAIL("UPDATE write -> %s, expected %zu", vt_err(w),
		     sizeof(struct vhost_msg_v2));
	vt_start(&d);
	for (int i = 0; i < 8; i++)
		vt_roundtrip(&d, 1000, 1000, i & 1 ? VR_INDIRECT : 0);
	fcntl(d.fd, F_SETFL, fcntl(d.fd, F_GETFL) | O_NONBLOCK);
	if (iotlb_read(d.fd, &r) == 1)
		FAIL("message type %u (iotlb type %u, iova 0x%llx) although everything was mapped",
		     r.msg_type, r.type, (unsigned long long)r.iova);
}

/* No server: the device must wait on a miss and resume after UPDATE. */
static void device_waits_on_miss_and_resumes_after_update(void)
{
	uint32_t len = 256;
	struct iotlb_rec r;
	struct vt_xfer *x;
	struct vt_dev d;
	unsigned int answered = 0;
	uint64_t deadline;

	iotlb_setup(&d, true, 0);
	fcntl(d.fd, F_SETFL, fcntl(d.fd, F_GETFL) | O_NONBLOCK);
	vt_start(&d);
	x = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 4);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);

	deadline = vt_now_ms() + VT_WAIT_MS;
	while (vr_pending(&d.vr) == 0) {
		int n;

		if (vt_now_ms() > deadline)
			FAIL("not used after answering %u misses", answered);
		if (vt_poll_in(d.fd, 50) <= 0)
			continue;
		while ((n = iotlb_read(d.fd, &r)) == 1) {
			if (r.type != VHOST_IOTLB_MISS)
				FAIL("unexpected IOTLB message type %u", r.type);
			if (!answered && vr_pending(&d.vr))
				FAIL("buffer used before any miss was answered");
			EXPECT_OK(iotlb_map(d.fd, true, &d.mem,
					    r.iova & ~(uint64_t)4095, VT_PAGE,
					    VHOST_ACCESS_RW));
			answered++;
		}
		if (n < 0)
			FAIL("read of IOTLB message: %s", vt_err(n));
	}
	CHECK(answered > 0, "used without any miss");
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

static void invalidate_forces_a_new_miss(void)
{
	uint32_t len = 2 * VT_PAGE;
	struct iotlb_server s;
	struct vt_xfer *x;
	struct vt_dev d;

	iotlb_setup(&d, true, 0);
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa, d.mem.size,
			    VHOST_ACCESS_RW));
	iotlb_server_start(&s, d.fd, true, &d.mem);
	vt_start(&d);
	x = vt_xfer_new(&d.mem, 1, &len, 1, &len, VT_PAGE, 1);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	CHECK(!iotlb_server_saw_miss(&s, x->seg[1].gpa, len),
	      "miss for a mapped buffer");

	EXPECT_OK(iotlb_unmap(d.fd, true, x->seg[1].gpa, len));
	vt_xfer_fill(x, 2);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	CHECK(iotlb_server_saw_miss(&s, x->seg[1].gpa, len),
	      "no miss for the invalidated range: stale translation used");
	iotlb_server_stop(&s);
	check_server(&s, true);
}

static void batched_updates_accepted(void)
{
	const uint64_t half = 2u << 20;
	struct iotlb_rec r;
	struct vt_dev d;

	iotlb_setup(&d, true, VT_BF_IOTLB_BATCH);
	EXPECT_OK(iotlb_send(d.fd, true, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0));
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa, half,
			    VHOST_ACCESS_RW));
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa + half,
			    d.mem.size - half, VHOST_ACCESS_RW));
	EXPECT_OK(iotlb_send(d.fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0));
	vt_start(&d);
	for (int i = 0; i < 4; i++)
		vt_roundtrip(&d, 3000, 3000, 0);
	fcntl(d.fd, F_SETFL, fcntl(d.fd, F_GETFL) | O_NONBLOCK);
	if (iotlb_read(d.fd, &r) == 1)
		FAIL("miss for 0x%llx after a committed batch",
		     (unsigned long long)r.iova);
}

static void update_write_returns_message_size(void)
{
	struct vt_dev d;
	long w;

	iotlb_setup(&d, false, 0);
	w = iotlb_map(d.fd, false, &d.mem, d.mem.gpa, VT_PAGE, VHOST_ACCESS_RW);
	if (w != (long)sizeof(struct vhost_msg))
		FAIL("v1 UPDATE write -> %s, expected %zu", vt_err(w),
		     sizeof(struct vhost_msg));
	w = iotlb_unmap(d.fd, false, d.mem.gpa, VT_PAGE);
	if (w != (long)sizeof(struct vhost_msg))
		FAIL("v1 INVALIDATE write -> %s, expected %zu", vt_err(w),
		     sizeof(struct vhost_msg));
	EXPECT_OK(vh_set_backend_features(d.fd, VT_BF_IOTLB_MSG_V2));
	w = iotlb_map(d.fd, true, &d.mem, d.mem.gpa, VT_PAGE, VHOST_ACCESS_RW);
	if (w != (long)sizeof(struct vhost_msg_v2))
		FAIL("v2 UPDATE write -> %s, expected %zu", vt_err(w),
		     sizeof(struct vhost_msg_v2));
}

static void write_of_unknown_message_type_einval(void)
{
	struct vhost_msg_v2 m;
	struct vt_dev d;
	static const uint32_t bad[] = { 0, 3, 0x99, 0xffffffff };

	iotlb_setup(&d, true, 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ssize_t n;

		memset(&m, 0, sizeof(m));
		m.type = bad[i];
		m.iotlb.type = VHOST_IOTLB_UPDATE;
		m.iotlb.iova = d.mem.gpa;
		m.iotlb.size = VT_PAGE;
		m.iotlb.uaddr = (uintptr_t)d.mem.hva;
		m.iotlb.perm = VHOST_ACCESS_RW;
		n = write(d.fd, &m, sizeof(m));
		if (n >= 0 || errno != EINVAL)
			FAIL("write of message type 0x%x -> %s, expected -EINVAL",
			     bad[i], n < 0 ? vt_err(-errno) : vt_err(n));
	}
}

static void write_of_unknown_iotlb_type_einval(void)
{
	static const uint8_t bad[] = { 0, VHOST_IOTLB_MISS,
				       VHOST_IOTLB_ACCESS_FAIL, 7, 0x77, 0xff };
	struct vt_dev d;

	iotlb_setup(&d, true, 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		long w = iotlb_send(d.fd, true, bad[i], d.mem.gpa, VT_PAGE,
				    (uintptr_t)d.mem.hva, VHOST_ACCESS_RW);

		if (w != -EINVAL)
			FAIL("IOTLB message with iotlb.type %u -> %s, expected -EINVAL",
			     bad[i], vt_err(w));
	}
}

static void short_message_write_einval(void)
{
	static const size_t lens[] = { 1, 4, 8, 20, sizeof(struct vhost_msg_v2) - 1 };
	struct vhost_msg_v2 m;
	struct vt_dev d;

	iotlb_setup(&d, true, 0);
	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.iotlb.type = VHOST_IOTLB_UPDATE;
	m.iotlb.iova = d.mem.gpa;
	m.iotlb.size = VT_PAGE;
	m.iotlb.uaddr = (uintptr_t)d.mem.hva;
	m.iotlb.perm = VHOST_ACCESS_RW;
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		ssize_t n = write(d.fd, &m, lens[i]);

		/* the iotlb body ends at offset 8 + 34; shorter is invalid */
		if (lens[i] >= 8 + sizeof(struct vhost_iotlb_msg))
			continue;
		if (n >= 0 || errno != EINVAL)
			FAIL("write of %zu bytes -> %s, expected -EINVAL",
			     lens[i], n < 0 ? vt_err(-errno) : vt_err(n));
	}
}

static void readonly_mapping_of_writable_buffer_is_ring_error(void)
{
	uint32_t ol = 64, il = 64;
	struct iotlb_server s;
	struct vt_xfer *x;
	struct vt_dev d;
	uint16_t before;

	iotlb_setup(&d, true, 0);
	iotlb_server_start(&s, d.fd, true, &d.mem);
	vt_start(&d);
	vt_roundtrip(&d, 32, 32, 0);	/* works elsewhere */
	/* fresh pages, never mapped yet; the writable one is mapped RO */
	x = vt_xfer_new(&d.mem, 1, &ol, 1, &il, VT_PAGE, 1);
	gmem_alloc(&d.mem, VT_PAGE, VT_PAGE);
	iotlb_server_set_perm(&s, x->seg[1].gpa, VT_PAGE, VHOST_ACCESS_RO);
	before = vr_used_idx(&d.vr);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	vt_expect_ring_error(&d, VT_WAIT_MS);
	EXPECT_EQ(vr_used_idx(&d.vr), before);
	for (uint32_t i = 0; i < il; i++)
		CHECK(x->seg[1].hva[i] == vt_sentinel(i),
		      "read-only mapped buffer was written");
	iotlb_server_stop(&s);
}

static void miss_outside_any_mapping_left_unanswered_uses_nothing(void)
{
	struct iotlb_server s;
	uint16_t before;
	struct vt_dev d;
	int h;

	iotlb_setup(&d, true, 0);
	iotlb_server_start(&s, d.fd, true, &d.mem);
	vt_start(&d);
	vt_roundtrip(&d, 32, 32, 0);
	before = vr_used_idx(&d.vr);
	/* an IOVA the "vIOMMU" has no mapping for: the miss stays unanswered */
	h = vr_take_desc(&d.vr);
	vr_set_desc(&d.vr, h, 0x10000000000ull, 64, VRING_DESC_F_WRITE, 0);
	vr_push_head(&d.vr, h);
	vr_publish_kick(&d.vr);
	if (vr_wait_used(&d.vr, 1, vt_ms(500)) == 0)
		FAIL("buffer at an unmapped IOVA was used (used idx %u -> %u)",
		     before, vr_used_idx(&d.vr));
	iotlb_server_stop(&s);
	CHECK(s.unmappable > 0, "no miss reported for the unmapped IOVA");
	vt_check_canaries(&d);
}

/*
 * M2: the guest's vIOMMU takes the used ring's mapping away while the
 * device is idle (an invalidation, or eviction from a full IOTLB).  The
 * next run must ask for it again (a MISS) and wait for the answer with
 * its completions pending: every buffer completes, and the ring is not
 * in error.  Unfixed, the ring areas were not translated again and the
 * miss while writing the used ring stopped the ring (error eventfd) with
 * its completions lost.
 *
 * Everything else is mapped up front and misses are answered here, each
 * only once the device had time to fail on it: with EVENT_IDX the first
 * access to the used ring in a run is at its end, right before the
 * completions are written, so a device that does not wait for the
 * answer signals the error at once.
 */
static void iotlb_used_ring_remapped_after_invalidate_keeps_completions(void)
{
	struct vt_opts o = {
		.features = VT_F_VERSION_1 | VT_F_ACCESS_PLATFORM |
			    VT_F_INDIRECT | VT_F_EVENT_IDX,
		.iotlb = true,
		.gpa = IOVA_BASE,
		.mem_size = 4u << 20,
		.no_start = true,
		.set_backend_features = true,
		.backend_features = VT_BF_IOTLB_MSG_V2,
	};
	const uint32_t len = 1000;
	unsigned int answered = 0;
	struct vt_xfer *x[8];
	struct iotlb_rec r;
	uint64_t used_page, deadline;
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_OK(iotlb_map(d.fd, true, &d.mem, d.mem.gpa, d.mem.size,
			    VHOST_ACCESS_RW));
	vt_start(&d);
	for (int i = 0; i < 4; i++)
		vt_roundtrip(&d, len, len, 0);
	vt_quiesce(&d);

	used_page = d.vr.used_gpa & ~(uint64_t)(VT_PAGE - 1);
	if (d.vr.used_gpa + 6 + 8u * d.vr.num > used_page + VT_PAGE)
		FAIL("test bug: used ring spans pages");
	EXPECT_OK(iotlb_unmap(d.fd, true, used_page, VT_PAGE));
	for (unsigned int i = 0; i < ARRAY_SIZE(x); i++) {
		x[i] = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 100 + i);
		vt_xfer_add(&d.vr, x[i], 0);
	}
	fcntl(d.fd, F_SETFL, fcntl(d.fd, F_GETFL) | O_NONBLOCK);
	vr_publish_kick(&d.vr);

	deadline = vt_now_ms() + VT_WAIT_MS;
	while (vr_pending(&d.vr) < ARRAY_SIZE(x)) {
		int n;

		if (vt_now_ms() > deadline)
			FAIL("%u of %zu chains used after answering %u misses",
			     vr_pending(&d.vr), ARRAY_SIZE(x), answered);
		if (vt_poll_in(d.fd, 10) <= 0)
			continue;
		while ((n = iotlb_read(d.fd, &r)) == 1) {
			if (r.type != VHOST_IOTLB_MISS)
				FAIL("unexpected IOTLB message type %u", r.type);
			if (r.iova < used_page || r.iova >= used_page + VT_PAGE)
				FAIL("miss for 0x%llx, only the used ring is unmapped",
				     (unsigned long long)r.iova);
			if (vt_poll_in(d.vr.err_fd, vt_ms(200)) > 0)
				FAIL("error eventfd on the used ring's miss (%u of %zu chains used)",
				     vr_pending(&d.vr), ARRAY_SIZE(x));
			EXPECT_OK(iotlb_map(d.fd, true, &d.mem, used_page,
					    VT_PAGE, VHOST_ACCESS_RW));
			answered++;
		}
		if (n < 0)
			FAIL("read of IOTLB message: %s", vt_err(n));
	}
	CHECK(answered > 0, "no miss for the used ring after its mapping was invalidated");
	vt_collect(&d.vr, ARRAY_SIZE(x), VT_WAIT_MS);
	vt_expect_no_ring_error(&d);
}

/*
 * L4: a device without ACCESS_PLATFORM has no IOTLB: the end of an IOTLB
 * batch means nothing to it and must be refused (-EFAULT as for UPDATE,
 * or Linux's -EINVAL), leaving the ring working.  Unfixed, the write
 * succeeded and sent the ring's user addresses through guest-physical
 * translation: the ring broke.
 */
static void iotlb_batch_end_without_iotlb_is_refused(void)
{
	struct vt_opts o = {
		.set_backend_features = true,
		.backend_features = VT_BF_IOTLB_MSG_V2 | VT_BF_IOTLB_BATCH,
	};
	struct vt_dev d;
	long w;

	vt_setup(&d, &o);
	vt_roundtrip(&d, 100, 100, 0);
	w = iotlb_send(d.fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0);
	if (w != -EFAULT && w != -EINVAL)
		FAIL("VHOST_IOTLB_BATCH_END without an IOTLB -> %s, expected -EFAULT or -EINVAL",
		     vt_err(w));
	for (int i = 0; i < 4; i++)
		vt_roundtrip(&d, 100 + i, 100, 0);
	vt_expect_no_ring_error(&d);
}

static const struct vt_case cases[] = {
	VT_CASE(miss_answered_by_thread_v1_round_trip),
	VT_CASE(miss_answered_by_thread_v2_round_trip),
	VT_CASE(miss_reports_iova_and_access),
	VT_CASE(preloaded_mappings_need_no_miss),
	VT_CASE(device_waits_on_miss_and_resumes_after_update),
	VT_CASE(invalidate_forces_a_new_miss),
	VT_CASE(batched_updates_accepted),
	VT_CASE(update_write_returns_message_size),
	VT_CASE(write_of_unknown_message_type_einval),
	VT_CASE(write_of_unknown_iotlb_type_einval),
	VT_CASE(short_message_write_einval),
	VT_CASE(readonly_mapping_of_writable_buffer_is_ring_error),
	VT_CASE(miss_outside_any_mapping_left_unanswered_uses_nothing),
	VT_CASE(iotlb_used_ring_remapped_after_invalidate_keeps_completions),
	VT_CASE(iotlb_batch_end_without_iotlb_is_refused),
};

VT_MAIN("iotlb", cases)
