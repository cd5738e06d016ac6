// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vhost_chain_walk(): a fake descriptor memory answers the
 * read callback, the emit callback records the buffers, and each case says
 * what the walk must return and hand out.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/virtio_ring.h>

#include "../../drivers/vhost/core.h"

#define F_NEXT		VRING_DESC_F_NEXT
#define F_WRITE		VRING_DESC_F_WRITE
#define F_INDIRECT	VRING_DESC_F_INDIRECT

/* Bytes of an indirect table of @n descriptors. */
#define TBL(n)		((u32)((n) * sizeof(struct vring_desc)))

/* Where the fake keeps its indirect tables. */
#define TABLE_A		0x10000ULL
#define TABLE_B		0x20000ULL

/* Most buffers one table-driven case may hand out. */
#define MAX_GOT		16

/*
 * One descriptor of the fake memory: entry @idx of the direct table when
 * @table is 0, else of the indirect table at address @table.
 */
struct fake_desc {
	u64 table;
	u32 idx;
	struct vhost_desc d;
};

struct want_buf {
	u64 addr;
	u32 len;
	bool write;
};

/**
 * struct chain_case - one walk and its expected outcome
 * @name: the behaviour checked, also the KUnit parameter name
 * @num: direct table size
 * @indirect_ok: VIRTIO_RING_F_INDIRECT_DESC negotiated
 * @head: where the walk starts
 * @descs: the descriptors the fake memory holds (others fail the test)
 * @nfake: how many
 * @read_fail_at: make this read (counted from 1) return @cb_err
 * @emit_fail_at: make this emit (counted from 1) return @cb_err
 * @cb_err: the injected callback error
 * @ret: expected return value
 * @why: for -EINVAL from the walker, a phrase the reason must contain
 * @bufs: for success, the buffers expected, in order
 * @nbufs: how many
 */
struct chain_case {
	const char *name;
	u32 num;
	bool indirect_ok;
	u16 head;
	const struct fake_desc *descs;
	unsigned int nfake;
	unsigned int read_fail_at;
	unsigned int emit_fail_at;
	int cb_err;
	int ret;
	const char *why;
	const struct want_buf *bufs;
	unsigned int nbufs;
};

#define DIRECT(i, a, l, f, n)						\
	{ .table = 0, .idx = (i),					\
	  .d = { .addr = (a), .len = (l), .flags = (f), .next = (n) } }
#define IND(t, i, a, l, f, n)						\
	{ .table = (t), .idx = (i),					\
	  .d = { .addr = (a), .len = (l), .flags = (f), .next = (n) } }
#define FAKE(...)							\
	.descs = (const struct fake_desc[]){ __VA_ARGS__ },		\
	.nfake = sizeof((const struct fake_desc[]){ __VA_ARGS__ }) /	\
		 sizeof(struct fake_desc)
#define BUF(a, l, w)	{ .addr = (a), .len = (l), .write = (w) }
#define BUFS(...)							\
	.bufs = (const struct want_buf[]){ __VA_ARGS__ },		\
	.nbufs = sizeof((const struct want_buf[]){ __VA_ARGS__ }) /	\
		 sizeof(struct want_buf)

static const struct chain_case chain_cases[] = {
	/* Malformed direct chains. */
	{
		.name = "head_equal_to_ring_size_rejected",
		.num = 4, .head = 4, FAKE(DIRECT(0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "head",
	},
	{
		.name = "head_0xffff_rejected",
		.num = 4, .head = 0xffff, FAKE(DIRECT(0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "head",
	},
	{
		.name = "head_32768_in_ring_of_32768_rejected",
		.num = 32768, .head = 32768, FAKE(DIRECT(0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "head",
	},
	{
		.name = "next_equal_to_ring_size_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 4)),
		.ret = -EINVAL, .why = "next index out of range",
	},
	{
		.name = "next_0xffff_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 0xffff)),
		.ret = -EINVAL, .why = "next index out of range",
	},
	{
		.name = "next_out_of_range_on_second_hop_rejected",
		.num = 8, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, F_NEXT, 8)),
		.ret = -EINVAL, .why = "next index out of range",
	},
	{
		.name = "self_loop_on_head_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 0)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "self_loop_mid_chain_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, F_NEXT, 1)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "self_loop_in_ring_of_1_rejected",
		.num = 1, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 0)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "chain_longer_than_ring_back_to_head_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, F_NEXT, 2),
		     DIRECT(2, 0x3000, 1, F_NEXT, 3),
		     DIRECT(3, 0x4000, 1, F_NEXT, 0)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "loop_not_through_head_rejected",
		.num = 8, .head = 5,
		FAKE(DIRECT(5, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, F_NEXT, 2),
		     DIRECT(2, 0x3000, 1, F_NEXT, 3),
		     DIRECT(3, 0x4000, 1, F_NEXT, 1)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "readable_after_writable_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	{
		.name = "readable_after_two_writable_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, F_WRITE | F_NEXT, 2),
		     DIRECT(2, 0x3000, 1, F_WRITE | F_NEXT, 3),
		     DIRECT(3, 0x4000, 1, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	{
		.name = "zero_length_readable_after_writable_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     DIRECT(1, 0x2000, 0, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	/* Malformed indirect descriptors and tables. */
	{
		.name = "indirect_without_feature_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "VIRTIO_RING_F_INDIRECT_DESC",
	},
	{
		.name = "indirect_without_feature_mid_chain_rejected",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, TABLE_A, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "VIRTIO_RING_F_INDIRECT_DESC",
	},
	{
		.name = "indirect_length_0_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, 0, F_INDIRECT, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_length_15_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, 15, F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_length_24_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, 24, F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_length_33_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, 33, F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_65537_entries_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(65537), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_length_0xfffffff0_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, 0xfffffff0, F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "indirect table length",
	},
	{
		.name = "indirect_table_wrapping_past_2_64_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, 0xfffffffffffffff0ULL, TBL(2), F_INDIRECT, 0),
		     IND(0xfffffffffffffff0ULL, 0, 0x1000, 1, F_NEXT, 1),
		     IND(0xfffffffffffffff0ULL, 1, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "wraps",
	},
	{
		.name = "indirect_table_ending_at_2_64_accepted",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, 0xffffffffffffffe0ULL, TBL(2), F_INDIRECT, 0),
		     IND(0xffffffffffffffe0ULL, 0, 0x1000, 1, F_NEXT, 1),
		     IND(0xffffffffffffffe0ULL, 1, 0x2000, 1, 0, 0)),
		.ret = 0,
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 1, false)),
	},
	{
		.name = "nested_indirect_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, TABLE_B, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_B, 0, 0x1000, 1, 0, 0)),
		.ret = -EINVAL, .why = "inside an indirect",
	},
	{
		.name = "nested_indirect_after_a_buffer_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, TABLE_B, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_B, 0, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "inside an indirect",
	},
	{
		.name = "indirect_self_loop_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(4), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 0)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "indirect_loop_back_to_first_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(3), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 1, F_NEXT, 2),
		     IND(TABLE_A, 2, 0x3000, 1, F_NEXT, 0)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "indirect_loop_not_through_first_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(8), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 6),
		     IND(TABLE_A, 6, 0x2000, 1, F_NEXT, 2),
		     IND(TABLE_A, 2, 0x3000, 1, F_NEXT, 6)),
		.ret = -EINVAL, .why = "loop",
	},
	{
		.name = "indirect_next_equal_to_table_size_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 1, F_NEXT, 2)),
		.ret = -EINVAL, .why = "indirect next",
	},
	{
		.name = "indirect_next_0xffff_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 0xffff)),
		.ret = -EINVAL, .why = "indirect next",
	},
	{
		.name = "indirect_readable_after_direct_writable_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     DIRECT(1, TABLE_A, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	{
		.name = "direct_readable_after_indirect_writable_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(1), F_INDIRECT | F_NEXT, 1),
		     IND(TABLE_A, 0, 0x1000, 1, F_WRITE, 0),
		     DIRECT(1, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	{
		.name = "readable_after_writable_inside_indirect_rejected",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 1, 0, 0)),
		.ret = -EINVAL, .why = "writable",
	},
	/* Callback errors come back unchanged. */
	{
		.name = "read_error_on_head_propagated",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, 0, 0)),
		.read_fail_at = 1, .cb_err = -EFAULT, .ret = -EFAULT,
	},
	{
		.name = "read_error_mid_chain_propagated",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, 0, 0)),
		.read_fail_at = 2, .cb_err = -EFAULT, .ret = -EFAULT,
	},
	{
		.name = "read_error_in_indirect_table_propagated",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 1, 0, 0)),
		.read_fail_at = 3, .cb_err = -EAGAIN, .ret = -EAGAIN,
	},
	{
		.name = "emit_error_on_first_buffer_propagated",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, 0x2000, 1, 0, 0)),
		.emit_fail_at = 1, .cb_err = -ENOBUFS, .ret = -ENOBUFS,
	},
	{
		.name = "emit_error_inside_indirect_table_propagated",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 1, 0, 0)),
		.emit_fail_at = 2, .cb_err = -ENOMEM, .ret = -ENOMEM,
	},
	{
		.name = "emit_error_after_indirect_table_propagated",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(1), F_INDIRECT | F_NEXT, 1),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0),
		     DIRECT(1, 0x2000, 1, F_WRITE, 0)),
		.emit_fail_at = 2, .cb_err = -E2BIG, .ret = -E2BIG,
	},
	/* Valid chains. */
	{
		.name = "single_readable",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 100, 0, 0)),
		BUFS(BUF(0x1000, 100, false)),
	},
	{
		.name = "single_at_last_index",
		.num = 4, .head = 3,
		FAKE(DIRECT(3, 0xfffffffffffff000ULL, 0xffffffff, 0, 0)),
		BUFS(BUF(0xfffffffffffff000ULL, 0xffffffff, false)),
	},
	{
		.name = "next_field_ignored_without_next_flag",
		.num = 4, .head = 1,
		FAKE(DIRECT(1, 0x1000, 8, F_WRITE, 0xffff)),
		BUFS(BUF(0x1000, 8, true)),
	},
	{
		.name = "chain_out_of_index_order",
		.num = 8, .head = 6,
		FAKE(DIRECT(6, 0x1000, 10, F_NEXT, 2),
		     DIRECT(2, 0x2000, 20, F_NEXT, 7),
		     DIRECT(7, 0x3000, 30, F_WRITE | F_NEXT, 0),
		     DIRECT(0, 0x4000, 40, F_WRITE, 0)),
		BUFS(BUF(0x1000, 10, false), BUF(0x2000, 20, false),
		     BUF(0x3000, 30, true), BUF(0x4000, 40, true)),
	},
	{
		.name = "chain_using_every_descriptor",
		.num = 4, .head = 2,
		FAKE(DIRECT(2, 0x1000, 1, F_NEXT, 3),
		     DIRECT(3, 0x2000, 2, F_NEXT, 0),
		     DIRECT(0, 0x3000, 3, F_NEXT, 1),
		     DIRECT(1, 0x4000, 4, 0, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, false), BUF(0x4000, 4, false)),
	},
	{
		.name = "writable_only_single",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 4096, F_WRITE, 0)),
		BUFS(BUF(0x1000, 4096, true)),
	},
	{
		.name = "writable_only_chain",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     DIRECT(1, 0x2000, 2, F_WRITE | F_NEXT, 2),
		     DIRECT(2, 0x3000, 3, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, true), BUF(0x2000, 2, true),
		     BUF(0x3000, 3, true)),
	},
	{
		.name = "zero_length_descriptors_handed_out",
		.num = 4, .head = 0,
		FAKE(DIRECT(0, 0x1000, 0, F_NEXT, 1),
		     DIRECT(1, 0x2000, 5, F_NEXT, 2),
		     DIRECT(2, 0, 0, F_WRITE, 0)),
		BUFS(BUF(0x1000, 0, false), BUF(0x2000, 5, false),
		     BUF(0, 0, true)),
	},
	{
		.name = "ring_of_1_single",
		.num = 1, .head = 0,
		FAKE(DIRECT(0, 0x1000, 64, F_WRITE, 0)),
		BUFS(BUF(0x1000, 64, true)),
	},
	{
		.name = "ring_of_32768_chain_from_last_index",
		.num = 32768, .head = 32767,
		FAKE(DIRECT(32767, 0x1000, 1, F_NEXT, 0),
		     DIRECT(0, 0x2000, 2, F_NEXT, 16384),
		     DIRECT(16384, 0x3000, 3, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, true)),
	},
	{
		.name = "indirect_single_entry",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 12, 0, 0)),
		BUFS(BUF(0x1000, 12, false)),
	},
	{
		.name = "indirect_chain_readable_then_writable",
		.num = 4, .indirect_ok = true, .head = 1,
		FAKE(DIRECT(1, TABLE_A, TBL(3), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 2, F_NEXT, 2),
		     IND(TABLE_A, 2, 0x3000, 3, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, true)),
	},
	{
		.name = "indirect_chain_out_of_index_order",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(3), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 2),
		     IND(TABLE_A, 2, 0x3000, 3, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 2, 0, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x3000, 3, false),
		     BUF(0x2000, 2, false)),
	},
	{
		.name = "indirect_chain_stops_without_next_flag",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(4), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 3)),
		BUFS(BUF(0x1000, 1, false)),
	},
	{
		.name = "indirect_writable_only",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_WRITE | F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 2, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, true), BUF(0x2000, 2, true)),
	},
	{
		.name = "indirect_zero_length_entries",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 0, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 0, F_WRITE, 0)),
		BUFS(BUF(0x1000, 0, false), BUF(0x2000, 0, true)),
	},
	{
		.name = "indirect_table_longer_than_ring_of_1",
		.num = 1, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(5), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x2000, 2, F_NEXT, 2),
		     IND(TABLE_A, 2, 0x3000, 3, F_NEXT, 3),
		     IND(TABLE_A, 3, 0x4000, 4, F_WRITE | F_NEXT, 4),
		     IND(TABLE_A, 4, 0x5000, 5, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, false), BUF(0x4000, 4, true),
		     BUF(0x5000, 5, true)),
	},
	{
		.name = "indirect_65536_entries_last_index_reachable",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(65536), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, F_NEXT, 0xffff),
		     IND(TABLE_A, 0xffff, 0x2000, 2, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, true)),
	},
	{
		.name = "mixed_direct_then_indirect",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, 0x1000, 1, F_NEXT, 1),
		     DIRECT(1, TABLE_A, TBL(2), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x2000, 2, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x3000, 3, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, true)),
	},
	{
		.name = "mixed_direct_indirect_direct",
		.num = 4, .indirect_ok = true, .head = 3,
		FAKE(DIRECT(3, 0x1000, 1, F_NEXT, 0),
		     DIRECT(0, TABLE_A, TBL(2), F_INDIRECT | F_NEXT, 2),
		     IND(TABLE_A, 0, 0x2000, 2, F_NEXT, 1),
		     IND(TABLE_A, 1, 0x3000, 3, F_WRITE, 0),
		     DIRECT(2, 0x4000, 4, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, false),
		     BUF(0x3000, 3, true), BUF(0x4000, 4, true)),
	},
	{
		.name = "mixed_two_indirect_tables",
		.num = 4, .indirect_ok = true, .head = 0,
		FAKE(DIRECT(0, TABLE_A, TBL(1), F_INDIRECT | F_NEXT, 1),
		     DIRECT(1, TABLE_B, TBL(1), F_INDIRECT, 0),
		     IND(TABLE_A, 0, 0x1000, 1, 0, 0),
		     IND(TABLE_B, 0, 0x2000, 2, F_WRITE, 0)),
		BUFS(BUF(0x1000, 1, false), BUF(0x2000, 2, true)),
	},
};

struct fake_ring {
	struct kunit *test;
	const struct chain_case *c;
	unsigned int reads;
	unsigned int emits;
	struct want_buf got[MAX_GOT];
};

static int fake_read(void *priv, u64 table, u32 table_len, u32 i,
		     struct vhost_desc *d)
{
	struct fake_ring *r = priv;
	const struct chain_case *c = r->c;
	u64 where = table_len ? table : 0;
	unsigned int k;

	r->reads++;
	if (c->read_fail_at == r->reads)
		return c->cb_err;
	if (!table_len && i >= c->num) {
		KUNIT_FAIL(r->test, "read of direct entry %u, ring size %u",
			   i, c->num);
		return -ERANGE;
	}
	if (table_len && i >= table_len / sizeof(struct vring_desc)) {
		KUNIT_FAIL(r->test, "read of entry %u of a %u-byte table",
			   i, table_len);
		return -ERANGE;
	}
	for (k = 0; k < c->nfake; k++) {
		if (c->descs[k].table == where && c->descs[k].idx == i) {
			*d = c->descs[k].d;
			return 0;
		}
	}
	KUNIT_FAIL(r->test, "read of entry %u of table %#llx, not in the case",
		   i, where);
	return -ENOENT;
}

static int fake_emit(void *priv, u64 addr, u32 len, bool write)
{
	struct fake_ring *r = priv;
	const struct chain_case *c = r->c;

	r->emits++;
	if (c->emit_fail_at == r->emits)
		return c->cb_err;
	if (r->emits <= MAX_GOT) {
		r->got[r->emits - 1].addr = addr;
		r->got[r->emits - 1].len = len;
		r->got[r->emits - 1].write = write;
	}
	return 0;
}

static void chain_case_desc(const struct chain_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(chain, chain_cases, chain_case_desc);

static void chain_walk_test(struct kunit *test)
{
	const struct chain_case *c = test->param_value;
	struct fake_ring r = { .test = test, .c = c };
	struct vhost_chain_walk w = {
		.read = fake_read,
		.emit = fake_emit,
		.priv = &r,
		.num = c->num,
		.indirect_ok = c->indirect_ok,
		.ndescs = 0xdeadbeef,
	};
	const char *why = NULL;
	unsigned int k;
	int ret;

	ret = vhost_chain_walk(&w, c->head, &why);
	KUNIT_ASSERT_EQ(test, ret, c->ret);

	if (ret == -EINVAL && !c->cb_err) {
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, why);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, c->why),
					  "reason \"%s\" lacks \"%s\"",
					  why, c->why);
	}
	if (ret)
		return;

	KUNIT_EXPECT_EQ(test, w.ndescs, c->nbufs);
	KUNIT_ASSERT_EQ(test, r.emits, c->nbufs);
	for (k = 0; k < c->nbufs && k < MAX_GOT; k++) {
		KUNIT_EXPECT_EQ_MSG(test, r.got[k].addr, c->bufs[k].addr,
				    "buffer %u", k);
		KUNIT_EXPECT_EQ_MSG(test, r.got[k].len, c->bufs[k].len,
				    "buffer %u", k);
		KUNIT_EXPECT_EQ_MSG(test, r.got[k].write, c->bufs[k].write,
				    "buffer %u", k);
	}
}

/*
 * Chains too long to list: descriptor k of the walk is generated, so the
 * walk over a full 32768-entry ring or a 65536-entry table is checked
 * buffer by buffer.
 */
struct long_case {
	const char *name;
	u32 num;		/* direct ring size */
	u16 head;
	u32 entries;		/* 0: direct chain, else one indirect table */
	bool loop;		/* the last descriptor links back to the first */
	int ret;
};

static const struct long_case long_cases[] = {
	{
		.name = "ring_of_32768_chain_through_every_descriptor",
		.num = 32768, .head = 0,
	},
	{
		.name = "ring_of_32768_chain_wrapping_from_last_index",
		.num = 32768, .head = 32767,
	},
	{
		.name = "ring_of_32768_chain_back_to_head_rejected",
		.num = 32768, .head = 100, .loop = true, .ret = -EINVAL,
	},
	{
		.name = "indirect_table_of_65536_through_every_entry",
		.num = 1, .head = 0, .entries = 65536,
	},
	{
		.name = "indirect_table_of_65536_back_to_first_rejected",
		.num = 1, .head = 0, .entries = 65536, .loop = true,
		.ret = -EINVAL,
	},
};

struct long_walk {
	const struct long_case *c;
	u32 len;		/* chain length */
	u32 emits;
	u32 bad;		/* buffers not as generated, +1 */
};

#define LONG_DIRECT_BASE	0x100000000ULL
#define LONG_TABLE_BASE		0x200000000ULL

/* Position @k of the chain lives at index (first + k) % len. */
static int long_read(void *priv, u64 table, u32 table_len, u32 i,
		     struct vhost_desc *d)
{
	struct long_walk *lw = priv;
	const struct long_case *c = lw->c;
	u32 first = c->entries ? 0 : c->head;
	u32 k;

	if (!table_len && c->entries) {
		if (i)
			return -ERANGE;
		d->addr = TABLE_A;
		d->len = TBL(c->entries);
		d->flags = F_INDIRECT;
		d->next = 0;
		return 0;
	}
	if (table_len && (table != TABLE_A || table_len != TBL(c->entries)))
		return -ERANGE;
	if (i >= lw->len)
		return -ERANGE;
	k = (i + lw->len - first) % lw->len;
	d->addr = (c->entries ? LONG_TABLE_BASE : LONG_DIRECT_BASE) + i;
	d->len = i;
	d->flags = 0;
	d->next = 0;
	if (k + 1 < lw->len || c->loop) {
		d->flags = F_NEXT;
		d->next = (i + 1) % lw->len;
	}
	return 0;
}

static int long_emit(void *priv, u64 addr, u32 len, bool write)
{
	struct long_walk *lw = priv;
	const struct long_case *c = lw->c;
	u32 first = c->entries ? 0 : c->head;
	u32 i = (first + lw->emits) % lw->len;
	u64 base = c->entries ? LONG_TABLE_BASE : LONG_DIRECT_BASE;

	if (!lw->bad && (addr != base + i || len != i || write))
		lw->bad = lw->emits + 1;
	lw->emits++;
	return 0;
}

static void long_case_desc(const struct long_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(long_chain, long_cases, long_case_desc);

static void chain_walk_long_test(struct kunit *test)
{
	const struct long_case *c = test->param_value;
	struct long_walk lw = {
		.c = c,
		.len = c->entries ? c->entries : c->num,
	};
	struct vhost_chain_walk w = {
		.read = long_read,
		.emit = long_emit,
		.priv = &lw,
		.num = c->num,
		.indirect_ok = true,
	};
	const char *why = NULL;
	int ret;

	ret = vhost_chain_walk(&w, c->head, &why);
	KUNIT_ASSERT_EQ(test, ret, c->ret);
	KUNIT_EXPECT_EQ_MSG(test, lw.bad, 0U,
			    "buffer %u is not the generated one", lw.bad - 1);
	if (ret) {
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, why);
		KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(why, "loop"),
					  "reason \"%s\"", why);
		return;
	}
	KUNIT_EXPECT_EQ(test, lw.emits, lw.len);
	KUNIT_EXPECT_EQ(test, w.ndescs, lw.len);
}

static struct kunit_case chain_test_cases[] = {
	KUNIT_CASE_PARAM(chain_walk_test, chain_gen_params),
	KUNIT_CASE_PARAM(chain_walk_long_test, long_chain_gen_params),
	{}
};

static struct kunit_suite chain_test_suite = {
	.name = "vhost_chain",
	.test_cases = chain_test_cases,
};

kunit_test_suites(&chain_test_suite);
