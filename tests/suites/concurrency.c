// SPDX-License-Identifier: GPL-2.0
/*
 * suites/concurrency: the device and the driver touching the ring at the
 * same time.  The device busy-polls avail->idx (busyloop timeout) while
 * the driver keeps publishing, so 16-bit ring indices must be read and
 * written whole, and completions must not wait for the polling to end.
 */
#include "vt.h"

#include <poll.h>

/* ------------------------------------------------------------------ */
/* torn indices                                                         */

#define TEAR_MAX_BUFS	200000u
#define TEAR_BUDGET_MS	7000	/* per ring size; two sizes per case */

/*
 * Consume every pending used entry.  Each names a buffer by its sequence
 * number (the cookie); it must be in flight and not used before.
 */
static void tear_consume(struct vring_drv *vr, uint8_t *seen,
			 uint32_t *nused)
{
	struct vt_used u;
	int r;

	while ((r = vr_get_used(vr, &u)) != 0) {
		uintptr_t seq;

		if (r < 0)
			FAIL("used entry %u names head %u, not in flight "
			     "(avail idx %u)", (uint16_t)(vr->last_used - 1),
			     u.id, vr->published);
		seq = (uintptr_t)u.cookie - 1;
		if (seq >= TEAR_MAX_BUFS)
			FAIL("used entry with unknown cookie %p", u.cookie);
		if (seen[seq])
			FAIL("buffer %lu used twice", (unsigned long)seq);
		seen[seq] = 1;
		if (u.len != 0)
			FAIL("out-only buffer %lu used with len %u",
			     (unsigned long)seq, u.len);
		(*nused)++;
	}
}

/*
 * used->idx as seen by the driver may only move forward, and never past
 * what was published: (cur - prev) <= (published - prev), mod 2^16.
 */
static uint16_t tear_check_used_idx(struct vring_drv *vr, uint16_t prev)
{
	uint16_t cur = vr_used_idx(vr);
	uint16_t moved = (uint16_t)(cur - prev);
	uint16_t room = (uint16_t)(vr->published - prev);

	if (moved > room)
		FAIL("used->idx went from %u to %u with avail->idx at %u "
		     "(backwards or torn)", prev, cur, vr->published);
	return cur;
}

static void tear_one_ring(unsigned int num, uint16_t base)
{
	struct vt_opts o = { .num = num, .base = base, .no_start = true };
	uint32_t nsent = 0, nused = 0;
	struct vt_dev d;
	struct vt_buf b;
	uint64_t deadline;
	uint16_t prev;
	uint8_t *seen;

	vt_setup(&d, &o);
	EXPECT_OK(vh_set_vring_busyloop(d.fd, 0, 1000));
	vt_start(&d);

	seen = calloc(TEAR_MAX_BUFS, 1);
	CHECK(seen, "out of memory");
	b.addr = gmem_alloc(&d.mem, 64, 64);
	b.len = 64;
	prev = vr_used_idx(&d.vr);
	CHECK(prev == base, "used->idx %u before any traffic, base %u",
	      prev, base);

	deadline = vt_now_ms() + TEAR_BUDGET_MS;
	while (nsent < TEAR_MAX_BUFS) {
		if (vr_in_flight(&d.vr) >= num) {
			/* ring full: wait for the device to catch up */
			if (vr_wait_used(&d.vr, 1, VT_WAIT_MS) < 0)
				FAIL("ring of %u full and no used entry within "
				     "%d ms (sent %u, used %u)", num,
				     VT_WAIT_MS, nsent, nused);
		} else {
			int head = vr_add(&d.vr, &b, 1, 0, 0,
					  (void *)(uintptr_t)(nsent + 1));

			CHECK(head >= 0, "vr_add: %s", vt_err(head));
			nsent++;
			/* one buffer per index update */
			vr_notify(&d.vr);
		}
		prev = tear_check_used_idx(&d.vr, prev);
		tear_consume(&d.vr, seen, &nused);
		if ((nsent & 63) == 0) {
			vt_expect_no_ring_error(&d);
			if (vt_now_ms() >= deadline)
				break;
		}
	}

	/* everything published must come back, once */
	if (vr_wait_used(&d.vr, vr_in_flight(&d.vr), VT_WAIT_MS) < 0)
		FAIL("ring of %u: %u of %u buffers never used", num,
		     vr_in_flight(&d.vr), nsent);
	prev = tear_check_used_idx(&d.vr, prev);
	tear_consume(&d.vr, seen, &nused);
	vt_expect_no_ring_error(&d);
	CHECK(nused == nsent, "ring of %u: %u buffers sent, %u used", num,
	      nsent, nused);
	for (uint32_t i = 0; i < nsent; i++)
		CHECK(seen[i], "buffer %u never used", i);
	CHECK(prev == (uint16_t)(base + nsent),
	      "used->idx %u after %u buffers from base %u", prev, nsent, base);
	vt_log("ring %u: %u buffers, %u kicks, index %u -> %u\n", num, nsent,
	       (unsigned int)d.vr.kicks, base, prev);
	/* many 256-multiples crossed, or the case proved little */
	CHECK(nsent >= 4 * 256, "only %u buffers in the time budget", nsent);
	vt_check_canaries(&d);
	free(seen);
	close(d.fd);
}

static void avail_and_used_indices_never_torn_under_concurrent_publish(void)
{
	/* start below 2^16 so the 16-bit wrap is crossed early, too */
	tear_one_ring(128, 0);
	tear_one_ring(256, 0xff00);
}

/* ------------------------------------------------------------------ */
/* completion latency while busy polling                                */

#define LAT_BUSYLOOP_US	2000000u
#define LAT_LIMIT_MS	1000	/* a correct device needs well under 10 ms */
#define LAT_ROUNDS	5

static void completion_published_before_busy_polling(void)
{
	static const uint32_t len = 64;
	struct vt_opts o = { .no_start = true };
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_OK(vh_set_vring_busyloop(d.fd, 0, LAT_BUSYLOOP_US));
	vt_start(&d);
	/* the driver asks for interrupts */
	vr_set_avail_flags(&d.vr, 0);
	vr_drain_calls(&d.vr);

	for (int i = 0; i < LAT_ROUNDS; i++) {
		struct vt_xfer *x;
		struct vt_used u;
		uint64_t t0, dt;
		int r;

		x = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 1000 + i);
		vt_xfer_add(&d.vr, x, 0);
		t0 = vt_now_ms();
		vr_publish_kick(&d.vr);

		/*
		 * Unscaled on purpose: the bug held a completion back for
		 * the whole busyloop timeout (2 s); a correct device
		 * signals within milliseconds.
		 */
		r = vt_poll_in(d.vr.call_fd, LAT_LIMIT_MS);
		dt = vt_now_ms() - t0;
		if (r <= 0)
			FAIL("round trip %d: no call within %d ms "
			     "(%u used entries pending)", i, LAT_LIMIT_MS,
			     vr_pending(&d.vr));
		vr_drain_calls(&d.vr);
		/* the used entry is visible by the time the call arrives */
		CHECK(vr_pending(&d.vr) == 1,
		      "round trip %d: call after %llu ms but %u used entries "
		      "pending", i, (unsigned long long)dt, vr_pending(&d.vr));
		r = vr_get_used(&d.vr, &u);
		CHECK(r == 1, "round trip %d: vr_get_used -> %d", i, r);
		CHECK(u.cookie == x, "round trip %d: used entry for another "
		      "buffer (id %u)", i, u.id);
		vt_xfer_verify(x, &u);
		vt_log("round trip %d: %llu ms\n", i, (unsigned long long)dt);
		CHECK(dt < LAT_LIMIT_MS, "round trip %d took %llu ms", i,
		      (unsigned long long)dt);
		free(x);
	}
	vt_expect_no_ring_error(&d);
	vt_check_canaries(&d);
}

static const struct vt_case cases[] = {
	VT_CASE_T(avail_and_used_indices_never_torn_under_concurrent_publish,
		  90),
	VT_CASE_T(completion_published_before_busy_polling, 60),
};

VT_MAIN("concurrency", cases)
