// SPDX-License-Identifier: GPL-2.0
/*
 * suites/indirect: chains described by indirect descriptor tables
 * (VIRTIO_RING_F_INDIRECT_DESC), alone and mixed with direct chains.
 * Malformed indirect tables are in suites/malformed.
 */
#include "vt.h"

static void indirect_chain(struct vt_dev *d, unsigned int nout,
			   const uint32_t *ol, unsigned int nin,
			   const uint32_t *il, size_t align)
{
	struct vt_xfer *x;

	x = vt_xfer_new(&d->mem, nout, ol, nin, il, align, (uint32_t)rand());
	vt_xfer_add(&d->vr, x, VR_INDIRECT);
	vr_publish_kick(&d->vr);
	vt_collect(&d->vr, 1, VT_WAIT_MS);
	vt_expect_no_ring_error(d);
	vt_check_canaries(d);
	free(x);
}

static void indirect_single_out_single_in_round_trip(void)
{
	static const uint32_t len = 200;
	struct vt_dev d;

	vt_setup(&d, NULL);
	indirect_chain(&d, 1, &len, 1, &len, 8);
}

static void indirect_table_with_many_entries(void)
{
	static const uint32_t ol[] = { 3, 1000, 17, 4096, 1, 64 };
	static const uint32_t il[] = { 512, 2, 2000, 7, 4096, 300 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	indirect_chain(&d, 6, ol, 6, il, 1);
}

static void indirect_one_byte_entries(void)
{
	uint32_t ol[8], il[8];
	struct vt_dev d;

	for (int i = 0; i < 8; i++)
		ol[i] = il[i] = 1;
	vt_setup(&d, NULL);
	indirect_chain(&d, 8, ol, 8, il, 1);
}

static void indirect_out_only_used_with_len_zero(void)
{
	static const uint32_t ol[] = { 100, 200, 300 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	indirect_chain(&d, 3, ol, 0, NULL, 8);
}

static void indirect_in_shorter_than_out(void)
{
	static const uint32_t ol[] = { 1000, 1000 }, il[] = { 10, 20, 30 };
	struct vt_dev d;

	vt_setup(&d, NULL);
	indirect_chain(&d, 2, ol, 3, il, 4);
}

static void mixed_direct_and_indirect_chains_in_one_batch(void)
{
	struct vt_opts o = { .num = 512 };
	struct vt_xfer *x[120];
	struct vt_dev d;

	srand(11);
	vt_setup(&d, &o);
	for (int i = 0; i < 120; i++) {
		uint32_t ol[3] = { 1 + rand() % 500, 1 + rand() % 500, 9 };
		uint32_t il[2] = { 1 + rand() % 900, 1 + rand() % 90 };

		x[i] = vt_xfer_new(&d.mem, 1 + i % 3, ol, i % 3, il, 2, i);
		vt_xfer_add(&d.vr, x[i], (i % 4 < 2) ? VR_INDIRECT : 0);
	}
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 120, VT_WAIT_MS);
	vt_expect_no_ring_error(&d);
	vt_check_canaries(&d);
}

/* Every ring slot holds an indirect chain: desc table and avail full. */
static void full_ring_of_indirect_chains(void)
{
	struct vt_opts o = { .num = 16, .ind_max = 4 };
	static const uint32_t ol[] = { 33, 44 }, il[] = { 50, 27 };
	struct vt_xfer *x[16];
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 16; i++)
		x[i] = vt_xfer_new(&d.mem, 2, ol, 2, il, 8, i);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 16; i++) {
			vt_xfer_fill(x[i], round * 16 + i);
			vt_xfer_add(&d.vr, x[i], VR_INDIRECT);
		}
		EXPECT_EQ(d.vr.num_free, 0);
		vr_publish_kick(&d.vr);
		vt_collect(&d.vr, 16, VT_WAIT_MS);
	}
}

/* The table itself straddles a page boundary. */
static void indirect_table_crossing_page_boundary(void)
{
	static const uint32_t ol[] = { 64, 64, 64 }, il[] = { 96, 96 };
	struct vring_desc *table;
	uint64_t page, tgpa;
	struct vt_xfer *x;
	struct vt_dev d;

	vt_setup(&d, NULL);
	page = gmem_alloc(&d.mem, 2 * VT_PAGE, VT_PAGE);
	tgpa = page + VT_PAGE - 2 * 16;	/* 2 entries before, 3 after */
	table = gmem_hva(&d.mem, tgpa, 5 * 16);
	x = vt_xfer_new(&d.mem, 3, ol, 2, il, 8, 77);
	vt_xfer_add_indirect_at(&d.vr, x, table, tgpa);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

/*
 * The device must ignore VRING_DESC_F_WRITE on a descriptor that points
 * to an indirect table (virtio 1.x, 2.7.5.3.2).
 */
static void write_flag_on_indirect_descriptor_ignored(void)
{
	static const uint32_t ol = 128, il = 128;
	struct vt_xfer *x;
	struct vt_dev d;
	int head;

	vt_setup(&d, NULL);
	x = vt_xfer_new(&d.mem, 1, &ol, 1, &il, 8, 5);
	head = vt_xfer_add(&d.vr, x, VR_INDIRECT);
	d.vr.desc[head].flags = htole16(VRING_DESC_F_INDIRECT |
					VRING_DESC_F_WRITE);
	vr_publish_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

static void indirect_chains_across_index_wrap(void)
{
	struct vt_opts o = { .num = 8, .base = 0xfffa };
	static const uint32_t len = 80;
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 20; i++)
		indirect_chain(&d, 1, &len, 1, &len, 8);
	EXPECT_EQ(vr_used_idx(&d.vr), (uint16_t)(0xfffa + 20));
}

static const struct vt_case cases[] = {
	VT_CASE(indirect_single_out_single_in_round_trip),
	VT_CASE(indirect_table_with_many_entries),
	VT_CASE(indirect_one_byte_entries),
	VT_CASE(indirect_out_only_used_with_len_zero),
	VT_CASE(indirect_in_shorter_than_out),
	VT_CASE(mixed_direct_and_indirect_chains_in_one_batch),
	VT_CASE(full_ring_of_indirect_chains),
	VT_CASE(indirect_table_crossing_page_boundary),
	VT_CASE(write_flag_on_indirect_descriptor_ignored),
	VT_CASE(indirect_chains_across_index_wrap),
};

VT_MAIN("indirect", cases)
