// SPDX-License-Identifier: GPL-2.0
/*
 * suites/ring: the loopback data path over direct descriptors.  Every
 * transfer is checked byte for byte: the device-writable part holds the
 * device-readable bytes up to used.len and its sentinel after that, the
 * device-readable part is untouched, used.id/used.len are exact.
 */
#include "vt.h"

static void one_chain(struct vt_dev *d, unsigned int nout, const uint32_t *ol,
		      unsigned int nin, const uint32_t *il, size_t align,
		      unsigned int flags)
{
	struct vt_xfer *x;

	x = vt_xfer_new(&d->mem, nout, ol, nin, il, align, (uint32_t)rand());
	vt_xfer_add(&d->vr, x, flags);
	vr_publish_kick(&d->vr);
	vt_collect(&d->vr, 1, VT_WAIT_MS);
	vt_expect_no_ring_error(d);
	vt_check_canaries(d);
	free(x);
}

static void single_buffer_round_trip(void)
{
	static const uint32_t len = 64;
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 1, &len, 1, &len, 8, 0);
}

static void in_longer_than_out_writes_only_out_len(void)
{
	static const uint32_t ol = 100, il = 300;
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 1, &ol, 1, &il, 8, 0);
}

static void out_longer_than_in_truncated_to_in_len(void)
{
	static const uint32_t ol = 300, il = 100;
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 1, &ol, 1, &il, 8, 0);
}

static void out_only_chain_used_with_len_zero(void)
{
	static const uint32_t ol[] = { 128, 64 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 2, ol, 0, NULL, 8, 0);
}

static void in_only_chain_used_with_len_zero(void)
{
	static const uint32_t il[] = { 128, 64 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 0, NULL, 2, il, 8, 0);
}

static void chained_descriptors_copy_across_boundaries(void)
{
	static const uint32_t ol[] = { 7, 13, 100 }, il[] = { 5, 50, 1, 64 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 3, ol, 4, il, 1, 0);
}

static void many_one_byte_descriptors_in_a_chain(void)
{
	uint32_t ol[32], il[32];
	struct vt_dev d;

	for (int i = 0; i < 32; i++)
		ol[i] = il[i] = 1;
	vt_setup(&d, NULL);
	one_chain(&d, 32, ol, 32, il, 1, 0);
}

static void chain_using_every_descriptor_of_the_ring(void)
{
	struct vt_opts o = { .num = 16 };
	uint32_t ol[8], il[8];
	struct vt_dev d;

	for (int i = 0; i < 8; i++) {
		ol[i] = 100 + i;
		il[i] = 90 + 3 * i;
	}
	vt_setup(&d, &o);
	one_chain(&d, 8, ol, 8, il, 4, 0);
}

/* buffers deliberately straddle 4 KiB page boundaries */
static void buffers_crossing_page_boundaries(void)
{
	struct vt_buf b[3];
	struct vt_xfer *x;
	struct vt_dev d;
	uint64_t base;

	vt_setup(&d, NULL);
	base = gmem_alloc(&d.mem, 16 * VT_PAGE, VT_PAGE);
	b[0] = (struct vt_buf){ base + VT_PAGE - 6, 3 * VT_PAGE + 11 };
	b[1] = (struct vt_buf){ base + 5 * VT_PAGE - 1, 2 };
	b[2] = (struct vt_buf){ base + 8 * VT_PAGE - 3000, 3 * VT_PAGE + 3013 };
	x = vt_xfer_wrap(&d.mem, 2, 1, b, 99);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
	vt_check_canaries(&d);
}

static void one_mebibyte_buffer_round_trip(void)
{
	static const uint32_t len = 1u << 20;
	struct vt_dev d;

	vt_setup(&d, NULL);
	one_chain(&d, 1, &len, 1, &len, VT_PAGE, 0);
}

static struct vt_xfer *random_xfer(struct gmem *m, unsigned int max_desc,
				   uint32_t seed)
{
	uint32_t ol[8], il[8];
	unsigned int nout, nin;

	if (max_desc > 8)
		max_desc = 8;
	nout = 1 + rand() % (max_desc > 1 ? max_desc - 1 : 1);
	nin = max_desc > nout ? (unsigned int)(rand() % (max_desc - nout + 1))
			      : 0;
	for (unsigned int i = 0; i < nout; i++)
		ol[i] = 1 + rand() % 700;
	for (unsigned int i = 0; i < nin; i++)
		il[i] = 1 + rand() % 700;
	return vt_xfer_new(m, nout, ol, nin, il, 1 + rand() % 16, seed);
}

static void many_buffers_with_one_kick(void)
{
	struct vt_opts o = { .num = 1024 };
	struct vt_xfer *x[200];
	struct vt_dev d;

	srand(1);
	vt_setup(&d, &o);
	for (int i = 0; i < 200; i++) {
		x[i] = random_xfer(&d.mem, 4, i);
		vt_xfer_add(&d.vr, x[i], 0);
	}
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 200, VT_WAIT_MS);
	vt_expect_no_ring_error(&d);
	vt_check_canaries(&d);
}

static void many_buffers_one_kick_each(void)
{
	struct vt_dev d;

	srand(2);
	vt_setup(&d, NULL);
	for (int i = 0; i < 200; i++) {
		struct vt_xfer *x = random_xfer(&d.mem, 5, i);

		vt_xfer_add(&d.vr, x, 0);
		vr_publish_kick(&d.vr);
		vt_collect(&d.vr, 1, VT_WAIT_MS);
		free(x);
	}
	vt_expect_no_ring_error(&d);
}

/* Keep the ring as full as possible for many rounds: free-list reuse. */
static void descriptors_recycled_over_many_rounds(void)
{
	struct vt_opts o = { .num = 64 };
	struct vt_xfer *pool[64];
	struct vt_dev d;
	unsigned int total = 0;

	srand(3);
	vt_setup(&d, &o);
	for (int i = 0; i < 64; i++)
		pool[i] = random_xfer(&d.mem, 3, i);
	for (int round = 0; round < 50; round++) {
		unsigned int n = 0;

		for (int i = 0; i < 64; i++) {
			unsigned int need = pool[i]->nout + pool[i]->nin;

			if (need > d.vr.num_free)
				continue;
			vt_xfer_fill(pool[i], round * 64 + i);
			vt_xfer_add(&d.vr, pool[i], 0);
			n++;
		}
		vr_publish_kick(&d.vr);
		vt_collect(&d.vr, n, VT_WAIT_MS);
		total += n;
		EXPECT_EQ(d.vr.num_free, 64);
	}
	EXPECT_EQ(vr_used_idx(&d.vr), (uint16_t)total);
}

/* Stream: refill as buffers come back, never letting the ring drain. */
static void streaming_20000_chains_keeping_ring_busy(void)
{
	struct vt_opts o = { .num = 256 };
	struct vt_xfer *pool[256];
	unsigned int next = 0, done = 0, sent = 0, want = 20000;
	uint64_t deadline;
	struct vt_used u;
	struct vt_dev d;

	srand(4);
	vt_setup(&d, &o);
	for (int i = 0; i < 256; i++) {
		uint32_t ol = 1 + i, il = 257 - i;

		pool[i] = vt_xfer_new(&d.mem, 1, &ol, 1, &il, 8, i);
	}
	deadline = vt_now_ms() + vt_ms(60000);
	while (done < want) {
		int r;

		while (sent < want && d.vr.num_free >= 2) {
			struct vt_xfer *x = pool[next++ % 256];

			vt_xfer_fill(x, sent);
			vt_xfer_add(&d.vr, x, 0);
			sent++;
		}
		vr_publish_kick(&d.vr);
		if (vr_wait_used(&d.vr, 1, VT_WAIT_MS) < 0 ||
		    vt_now_ms() > deadline)
			FAIL("stalled after %u of %u chains (used idx %u, avail %u)",
			     done, want, vr_used_idx(&d.vr), d.vr.published);
		while ((r = vr_get_used(&d.vr, &u)) > 0) {
			vt_xfer_verify(u.cookie, &u);
			done++;
		}
		if (r < 0)
			FAIL("bogus used entry id %u len %u", u.id, u.len);
	}
	vt_expect_no_ring_error(&d);
}

static void get_vring_base_after_processing_returns_next_avail(void)
{
	struct vt_opts o = { .base = 1000 };
	unsigned int got;
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 37; i++)
		vt_roundtrip(&d, 32, 32, 0);
	vt_stop(&d);
	EXPECT_OK(vh_get_vring_base(d.fd, 0, &got));
	EXPECT_EQ(got, 1037);
	EXPECT_EQ(vr_used_idx(&d.vr), 1037);
}

static void round_trip_from_nonzero_vring_base(void)
{
	struct vt_opts o = { .base = 0x8000 };
	struct vt_dev d;

	vt_setup(&d, &o);
	vt_roundtrip(&d, 200, 200, 0);
	EXPECT_EQ(vr_used_idx(&d.vr), 0x8001);
}

static struct vt_xfer *queue_one(struct vt_dev *d, uint32_t len)
{
	struct vt_xfer *x = vt_xfer_new(&d->mem, 1, &len, 1, &len, 8, len);

	vt_xfer_add(&d->vr, x, 0);
	vr_publish_kick(&d->vr);
	return x;
}

static void stopped_ring_ignores_kicks(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_stop(&d);
	queue_one(&d, 128);
	if (vr_wait_used(&d.vr, 1, vt_ms(300)) == 0)
		FAIL("buffer used while the backend was stopped");
}

/* Contract: processing happens on kick and when the backend is started. */
static void buffers_queued_while_stopped_processed_on_start(void)
{
	struct vt_opts o = { .no_start = true };
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 5; i++)
		queue_one(&d, 100 + i);
	vt_start(&d);			/* no kick after the start */
	vt_collect(&d.vr, 5, VT_WAIT_MS);
	/* and once more after a stop/start cycle */
	vt_stop(&d);
	queue_one(&d, 77);
	vt_start(&d);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

/* Weaker, Linux-test-device behaviour: the next kick picks them up. */
static void buffers_queued_while_stopped_processed_on_next_kick(void)
{
	struct vt_opts o = { .no_start = true };
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 5; i++)
		queue_one(&d, 100 + i);
	vt_start(&d);
	vr_kick(&d.vr);
	vt_collect(&d.vr, 5, VT_WAIT_MS);
}

static void rebound_kick_eventfd_takes_effect(void)
{
	uint32_t len = 48;
	struct vt_xfer *x;
	struct vt_dev d;
	int old;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 16, 16, 0);
	old = d.vr.kick_fd;
	vt_stop(&d);
	d.vr.kick_fd = vt_eventfd();
	EXPECT_OK(vh_set_vring_kick(d.fd, 0, d.vr.kick_fd));
	vt_start(&d);

	/* a kick on the old eventfd must not reach the ring */
	x = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 5);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish(&d.vr);
	vt_eventfd_signal(old);
	if (vr_wait_used(&d.vr, 1, vt_ms(300)) == 0)
		FAIL("a kick on the unbound old kick eventfd was acted on");
	vr_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

static void rebound_call_eventfd_receives_signal(void)
{
	struct vt_dev d;
	int old;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 16, 16, 0);
	old = d.vr.call_fd;
	d.vr.call_fd = vt_eventfd();
	EXPECT_OK(vh_set_vring_call(d.fd, 0, d.vr.call_fd));
	vt_eventfd_drain(old);
	queue_one(&d, 64);
	if (!vr_wait_call(&d.vr, VT_WAIT_MS))
		FAIL("no signal on the newly bound call eventfd");
	if (vt_eventfd_drain(old))
		FAIL("the old call eventfd was signalled after rebinding");
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

static void unbound_call_eventfd_buffers_still_used(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_OK(vh_set_vring_call(d.fd, 0, VHOST_FILE_UNBIND));
	for (int i = 0; i < 10; i++)
		vt_roundtrip(&d, 256, 256, 0);
}

/* The device may write the used ring only: not descs, avail, or past used. */
static void device_writes_only_the_used_ring(void)
{
	struct vt_opts o = { .num = 128 };
	size_t dlen = 16 * 128, alen = 6 + 2 * 128;
	size_t ulen = 6 + 8 * 128, tail = VT_PAGE - ulen;
	uint8_t *dsnap, *asnap;
	struct vt_xfer *x[64];
	struct vt_dev d;

	vt_setup(&d, &o);
	memset(d.vr.used + ulen, 0x6b, tail);
	for (int i = 0; i < 64; i++) {
		uint32_t l = 40 + i;

		x[i] = vt_xfer_new(&d.mem, 1, &l, 1, &l, 8, i);
		vt_xfer_add(&d.vr, x[i], 0);
	}
	vr_publish(&d.vr);
	dsnap = malloc(dlen);
	asnap = malloc(alen);
	memcpy(dsnap, d.vr.desc, dlen);
	memcpy(asnap, d.vr.avail, alen);
	vr_kick(&d.vr);
	vt_collect(&d.vr, 64, VT_WAIT_MS);
	/* vt_collect moved nothing in avail (no event idx): compare all */
	if (memcmp(dsnap, d.vr.desc, dlen))
		FAIL("the device modified the descriptor table");
	if (memcmp(asnap, d.vr.avail, alen))
		FAIL("the device modified the avail ring");
	for (size_t i = 0; i < tail; i++)
		if (d.vr.used[ulen + i] != 0x6b)
			FAIL("the device wrote %zu bytes past the used ring's end",
			     i);
}

static void no_error_signalled_on_valid_traffic(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	for (int i = 0; i < 20; i++)
		vt_roundtrip(&d, 1 + i * 50, 1000 - i * 40, i & 1 ? VR_INDIRECT : 0);
	vt_quiesce(&d);
	vt_expect_no_ring_error(&d);
}

#define USED_GUARD_BYTE 0x5c
#define REPUBLISH_TOTAL 3000

/*
 * L1: completions are written in batches of up to 64.  On a ring of
 * fewer entries a batch must still land inside the used ring: unfixed, a
 * batch longer than the ring was written in two pieces, the second
 * running up to 504 bytes past the used ring.  A driver keeps the device
 * busy by publishing each head again as soon as the device has written
 * its buffer (before the used entry is out: a driver owns the chains
 * the device completed), so one handler run can complete many times num
 * chains.  The device may reject that driver (error eventfd) or complete
 * every chain; it must never write past the used ring (the rest of its
 * page holds a guard pattern).
 */
static void used_writes_stay_inside_a_small_ring(unsigned int num)
{
	struct vt_opts o = { .num = num, .ind_max = 2 };
	uint8_t *in[32], *guard;
	uint16_t head[32];
	unsigned int total;
	size_t usz = 6 + 8u * num;
	uint64_t deadline;
	bool error = false;
	struct vt_dev d;

	vt_setup(&d, &o);
	for (unsigned int i = 0; i < num; i++) {
		struct vt_buf b[2];
		uint64_t gpa;
		uint8_t *p = gmem_alloc_p(&d.mem, 128, 64, &gpa);

		memset(p, 0x11, 64);
		memset(p + 64, 0, 64);
		b[0] = (struct vt_buf){ gpa, 64 };
		b[1] = (struct vt_buf){ gpa + 64, 64 };
		in[i] = p + 64;
		head[i] = (uint16_t)vr_add(&d.vr, b, 1, 1, VR_INDIRECT, NULL);
	}
	guard = d.vr.used + usz;
	memset(guard, USED_GUARD_BYTE, VT_PAGE - usz);
	vr_publish_kick(&d.vr);

	total = num;
	deadline = vt_now_ms() + vt_ms(4000);
	while (total < REPUBLISH_TOTAL && vt_now_ms() < deadline) {
		bool any = false;

		for (unsigned int i = 0; i < num; i++) {
			if (!__atomic_load_n(&in[i][0], __ATOMIC_ACQUIRE))
				continue;
			in[i][0] = 0;
			vr_push_head(&d.vr, head[i]);
			total++;
			any = true;
		}
		if (any)
			vr_notify(&d.vr);
		if (vt_poll_in(d.vr.err_fd, 0) > 0) {
			error = true;
			break;
		}
	}
	if (!error) {
		vr_kick(&d.vr);
		deadline = vt_now_ms() + VT_WAIT_MS;
		while (vr_used_idx(&d.vr) != d.vr.published) {
			if (vt_poll_in(d.vr.err_fd, 1) > 0) {
				error = true;
				break;
			}
			if (vt_now_ms() >= deadline)
				FAIL("used idx %u, %u chains published (no error signalled)",
				     vr_used_idx(&d.vr), d.vr.published);
		}
	}
	vt_log("ring of %u: %u chains published, %s", num, total,
	       error ? "error eventfd" : "all used");
	for (size_t i = 0; i < VT_PAGE - usz; i++)
		if (guard[i] != USED_GUARD_BYTE)
			FAIL("ring of %u: byte %zu past used written (0x%02x), %u chains",
			     num, i, guard[i], total);
	if (error)
		return;
	for (unsigned int s = 0; s < num; s++) {
		uint32_t id, len;
		bool ok = false;

		vr_used_elem(&d.vr, s, &id, &len);
		for (unsigned int i = 0; i < num; i++)
			ok |= id == head[i];
		if (!ok || len != 64)
			FAIL("used slot %u: id %u len %u", s, id, len);
	}
	vt_check_canaries(&d);
}

#define SMALL_RING(n)							\
	static void used_writes_stay_inside_a_small_ring_##n(void)	\
	{								\
		used_writes_stay_inside_a_small_ring(n);		\
	}
SMALL_RING(1)
SMALL_RING(2)
SMALL_RING(4)
SMALL_RING(8)
SMALL_RING(16)
SMALL_RING(32)

static const struct vt_case cases[] = {
	VT_CASE(single_buffer_round_trip),
	VT_CASE(in_longer_than_out_writes_only_out_len),
	VT_CASE(out_longer_than_in_truncated_to_in_len),
	VT_CASE(out_only_chain_used_with_len_zero),
	VT_CASE(in_only_chain_used_with_len_zero),
	VT_CASE(chained_descriptors_copy_across_boundaries),
	VT_CASE(many_one_byte_descriptors_in_a_chain),
	VT_CASE(chain_using_every_descriptor_of_the_ring),
	VT_CASE(buffers_crossing_page_boundaries),
	VT_CASE(one_mebibyte_buffer_round_trip),
	VT_CASE(many_buffers_with_one_kick),
	VT_CASE(many_buffers_one_kick_each),
	VT_CASE(descriptors_recycled_over_many_rounds),
	VT_CASE_T(streaming_20000_chains_keeping_ring_busy, 180),
	VT_CASE(get_vring_base_after_processing_returns_next_avail),
	VT_CASE(round_trip_from_nonzero_vring_base),
	VT_CASE(stopped_ring_ignores_kicks),
	VT_CASE(buffers_queued_while_stopped_processed_on_start),
	VT_CASE(buffers_queued_while_stopped_processed_on_next_kick),
	VT_CASE(rebound_kick_eventfd_takes_effect),
	VT_CASE(rebound_call_eventfd_receives_signal),
	VT_CASE(unbound_call_eventfd_buffers_still_used),
	VT_CASE(device_writes_only_the_used_ring),
	VT_CASE(no_error_signalled_on_valid_traffic),
	VT_CASE(used_writes_stay_inside_a_small_ring_1),
	VT_CASE(used_writes_stay_inside_a_small_ring_2),
	VT_CASE(used_writes_stay_inside_a_small_ring_4),
	VT_CASE(used_writes_stay_inside_a_small_ring_8),
	VT_CASE(used_writes_stay_inside_a_small_ring_16),
	VT_CASE(used_writes_stay_inside_a_small_ring_32),
};

VT_MAIN("ring", cases)
