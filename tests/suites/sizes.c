// SPDX-License-Identifier: GPL-2.0
/*
 * suites/sizes: every legal ring size, each with a completely full ring
 * (every descriptor, or every avail slot, in flight at once) and with the
 * 16-bit ring indices wrapping from 0xffff to 0 in the middle of a round.
 *
 * Rounds per size N (starting index 0x10000 - N/2 - 1, so the first round
 * crosses the wrap):
 *   1. N chains of one indirect descriptor each (1 out + 1 in inside):
 *      all avail slots and all descriptors in flight;
 *   2. N out-only chains of one direct descriptor: descriptor table full;
 *   3. N/2 direct 1-out + 1-in chains: descriptor table full (N >= 2);
 *   4. round 1 again, now on the other side of the wrap.
 */
#include "vt.h"

static uint16_t base_for(unsigned int n)
{
	return (uint16_t)(0x10000u - n / 2 - 1);
}

static int wait_ms_for(unsigned int n)
{
	return VT_WAIT_MS * (1 + n / 4096);
}

static void run_round(struct vt_dev *d, struct vt_xfer **x, unsigned int cnt,
		      unsigned int flags, uint32_t seed)
{
	uint16_t before = vr_used_idx(&d->vr);

	for (unsigned int i = 0; i < cnt; i++) {
		vt_xfer_fill(x[i], seed + i);
		vt_xfer_add(&d->vr, x[i], flags);
	}
	vr_publish_kick(&d->vr);
	vt_collect(&d->vr, cnt, wait_ms_for(cnt));
	if (vr_used_idx(&d->vr) != (uint16_t)(before + cnt))
		FAIL("used idx %u after %u chains from %u",
		     vr_used_idx(&d->vr), cnt, before);
}

static void full_ring_across_index_wrap(unsigned int n)
{
	struct vt_opts o = {
		.num = n, .base = base_for(n), .ind_max = 2,
		.mem_size = 8u * 1024 * 1024 + (size_t)n * 160,
	};
	static const uint32_t len_out = 24, len_in = 20;
	struct vt_xfer **pair, **single;
	unsigned int total = 0, got;
	struct vt_dev d;

	vt_setup(&d, &o);
	pair = calloc(n, sizeof(*pair));
	single = calloc(n, sizeof(*single));
	if (!pair || !single)
		FAIL("out of host memory");
	for (unsigned int i = 0; i < n; i++) {
		pair[i] = vt_xfer_new(&d.mem, 1, &len_out, 1, &len_in, 4, i);
		single[i] = vt_xfer_new(&d.mem, 1, &len_out, 0, NULL, 4, i);
	}

	run_round(&d, pair, n, VR_INDIRECT, 0x10000);
	total += n;
	run_round(&d, single, n, 0, 0x20000);
	total += n;
	if (n >= 2) {
		run_round(&d, pair, n / 2, 0, 0x30000);
		total += n / 2;
	}
	run_round(&d, pair, n, VR_INDIRECT, 0x40000);
	total += n;

	EXPECT_EQ(d.vr.num_free, n);
	vt_stop(&d);
	EXPECT_OK(vh_get_vring_base(d.fd, 0, &got));
	if (got != (uint16_t)(base_for(n) + total))
		FAIL("GET_VRING_BASE %u, expected %u", got,
		     (uint16_t)(base_for(n) + total));
	vt_expect_no_ring_error(&d);
	vt_check_canaries(&d);
}

#define SIZE_CASE(n)							\
static void ring_of_##n##_full_across_index_wrap(void)			\
{									\
	full_ring_across_index_wrap(n);					\
}

SIZE_CASE(1)
SIZE_CASE(2)
SIZE_CASE(4)
SIZE_CASE(8)
SIZE_CASE(16)
SIZE_CASE(32)
SIZE_CASE(64)
SIZE_CASE(128)
SIZE_CASE(256)
SIZE_CASE(512)
SIZE_CASE(1024)
SIZE_CASE(2048)
SIZE_CASE(4096)
SIZE_CASE(8192)
SIZE_CASE(16384)
SIZE_CASE(32768)

/* Wrapping many times: 200 rounds of a small full ring from 0xff00. */
static void indices_wrap_repeatedly(void)
{
	struct vt_opts o = { .num = 256, .base = 0xff00, .ind_max = 2 };
	static const uint32_t len = 8;
	struct vt_xfer *x[256];
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 256; i++)
		x[i] = vt_xfer_new(&d.mem, 1, &len, 1, &len, 4, i);
	for (unsigned int r = 0; r < 600; r++)
		run_round(&d, x, 256, VR_INDIRECT, r << 8);
	EXPECT_EQ(vr_used_idx(&d.vr), (uint16_t)(0xff00 + 600 * 256));
}

static const struct vt_case cases[] = {
	VT_CASE(ring_of_1_full_across_index_wrap),
	VT_CASE(ring_of_2_full_across_index_wrap),
	VT_CASE(ring_of_4_full_across_index_wrap),
	VT_CASE(ring_of_8_full_across_index_wrap),
	VT_CASE(ring_of_16_full_across_index_wrap),
	VT_CASE(ring_of_32_full_across_index_wrap),
	VT_CASE(ring_of_64_full_across_index_wrap),
	VT_CASE(ring_of_128_full_across_index_wrap),
	VT_CASE(ring_of_256_full_across_index_wrap),
	VT_CASE(ring_of_512_full_across_index_wrap),
	VT_CASE(ring_of_1024_full_across_index_wrap),
	VT_CASE(ring_of_2048_full_across_index_wrap),
	VT_CASE(ring_of_4096_full_across_index_wrap),
	VT_CASE_T(ring_of_8192_full_across_index_wrap, 120),
	VT_CASE_T(ring_of_16384_full_across_index_wrap, 180),
	VT_CASE_T(ring_of_32768_full_across_index_wrap, 300),
	VT_CASE_T(indices_wrap_repeatedly, 300),
};

VT_MAIN("sizes", cases)
