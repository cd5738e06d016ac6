// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the device IOTLB map: each case runs a script of inserts
 * and removals and then compares every lookup near the edges of the ranges
 * involved with the mappings the script must leave behind.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/string.h>

#include "../../drivers/vhost/core.h"

#define RO	VHOST_ACCESS_RO
#define WO	VHOST_ACCESS_WO
#define RW	VHOST_ACCESS_RW

#define UA	0x7f0000000000ULL
#define UB	0x7f1000000000ULL
#define UC	0x7f2000000000ULL
#define UD	0x7f3000000000ULL

#define MAX_OPS		8
#define MAX_MAPS	6

enum tlb_op_kind {
	TLB_INSERT,
	TLB_REMOVE,
	TLB_LOOKUP,	/* a translation through @iova, which must be mapped */
};

struct tlb_op {
	enum tlb_op_kind kind;
	u64 iova;
	u64 size;
	u64 uaddr;
	u8 perm;
	int ret;
};

/* A mapping [@start, @last] -> @uaddr; @maybe: it may have been evicted. */
struct tlb_map {
	u64 start;
	u64 last;
	u64 uaddr;
	u8 perm;
	bool maybe;
};

/**
 * struct iotlb_case - a script and the mappings it leaves
 * @name: the behaviour checked, also the KUnit parameter name
 * @limit: the IOTLB's entry limit, 0 for none
 * @ops: the script
 * @nops: its length
 * @maps: every mapping left, as separate entries
 * @nmaps: how many
 */
struct iotlb_case {
	const char *name;
	unsigned int limit;
	struct tlb_op ops[MAX_OPS];
	unsigned int nops;
	struct tlb_map maps[MAX_MAPS];
	unsigned int nmaps;
};

#define INS(i, s, u, p)							\
	{ .kind = TLB_INSERT, .iova = (i), .size = (s), .uaddr = (u),	\
	  .perm = (p) }
#define INS_ERR(i, s, u, p, e)						\
	{ .kind = TLB_INSERT, .iova = (i), .size = (s), .uaddr = (u),	\
	  .perm = (p), .ret = (e) }
#define RM(i, s)	{ .kind = TLB_REMOVE, .iova = (i), .size = (s) }
#define LOOK(i)		{ .kind = TLB_LOOKUP, .iova = (i) }
#define OPS(...)							\
	.ops = { __VA_ARGS__ },						\
	.nops = sizeof((const struct tlb_op[]){ __VA_ARGS__ }) /	\
		sizeof(struct tlb_op)
#define MAP(s, l, u, p)							\
	{ .start = (s), .last = (l), .uaddr = (u), .perm = (p) }
#define MAYBE(s, l, u, p)						\
	{ .start = (s), .last = (l), .uaddr = (u), .perm = (p),		\
	  .maybe = true }
#define MAPS(...)							\
	.maps = { __VA_ARGS__ },					\
	.nmaps = sizeof((const struct tlb_map[]){ __VA_ARGS__ }) /	\
		 sizeof(struct tlb_map)

static const struct iotlb_case iotlb_cases[] = {
	/* Inserting. */
	{
		.name = "insert_single",
		OPS(INS(0x1000, 0x1000, UA, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RW)),
	},
	{
		.name = "insert_one_byte_at_0",
		OPS(INS(0, 1, UA, RO)),
		MAPS(MAP(0, 0, UA, RO)),
	},
	{
		.name = "insert_one_byte_at_u64_max",
		OPS(INS(U64_MAX, 1, UA, WO)),
		MAPS(MAP(U64_MAX, U64_MAX, UA, WO)),
	},
	{
		.name = "insert_touching_neighbours_untouched",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x3000, 0x1000, UC, WO),
		    INS(0x2000, 0x1000, UB, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x2fff, UB, RW),
		     MAP(0x3000, 0x3fff, UC, WO)),
	},
	{
		.name = "insert_same_range_replaces",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x1000, 0x1000, UB, RW)),
		MAPS(MAP(0x1000, 0x1fff, UB, RW)),
	},
	{
		.name = "insert_over_right_part_keeps_left_piece",
		OPS(INS(0x1000, 0x2000, UA, RO), INS(0x2000, 0x2000, UB, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x3fff, UB, RW)),
	},
	{
		.name = "insert_over_left_part_keeps_right_piece",
		OPS(INS(0x2000, 0x2000, UA, RO), INS(0x1000, 0x2000, UB, RW)),
		MAPS(MAP(0x1000, 0x2fff, UB, RW),
		     MAP(0x3000, 0x3fff, UA + 0x1000, RO)),
	},
	{
		.name = "insert_in_middle_splits",
		OPS(INS(0x1000, 0x3000, UA, RO), INS(0x2000, 0x1000, UB, WO)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x2fff, UB, WO),
		     MAP(0x3000, 0x3fff, UA + 0x2000, RO)),
	},
	{
		.name = "insert_one_byte_in_middle_splits",
		OPS(INS(0, 0x100, UA, RW), INS(0x80, 1, UB, RO)),
		MAPS(MAP(0, 0x7f, UA, RW), MAP(0x80, 0x80, UB, RO),
		     MAP(0x81, 0xff, UA + 0x81, RW)),
	},
	{
		.name = "insert_covering_whole_entry_replaces",
		OPS(INS(0x2000, 0x1000, UA, RO), INS(0x1000, 0x3000, UB, RW)),
		MAPS(MAP(0x1000, 0x3fff, UB, RW)),
	},
	{
		.name = "insert_covering_several_entries_replaces_all",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x3000, 0x1000, UB, RO),
		    INS(0x5000, 0x1000, UC, RO), INS(0x1000, 0x5000, UD, WO)),
		MAPS(MAP(0x1000, 0x5fff, UD, WO)),
	},
	{
		.name = "insert_trims_both_ends_and_drops_middle",
		OPS(INS(0x1000, 0x2000, UA, RO), INS(0x3000, 0x1000, UB, RO),
		    INS(0x4000, 0x2000, UC, WO), INS(0x2000, 0x3000, UD, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x4fff, UD, RW),
		     MAP(0x5000, 0x5fff, UC + 0x1000, WO)),
	},
	{
		.name = "insert_in_gap_keeps_neighbours",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x4000, 0x1000, UC, RO),
		    INS(0x2800, 0x800, UB, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2800, 0x2fff, UB, RW),
		     MAP(0x4000, 0x4fff, UC, RO)),
	},
	{
		.name = "insert_ending_at_u64_max_accepted",
		OPS(INS(U64_MAX - 0xfff, 0x1000, UA, RW)),
		MAPS(MAP(U64_MAX - 0xfff, U64_MAX, UA, RW)),
	},
	{
		.name = "insert_from_1_of_size_u64_max_reaches_top",
		OPS(INS(1, U64_MAX, 0, RO)),
		MAPS(MAP(1, U64_MAX, 0, RO)),
	},
	{
		.name = "insert_uaddr_ending_at_u64_max_accepted",
		OPS(INS(0x1000, 0x1000, U64_MAX - 0xfff, RO)),
		MAPS(MAP(0x1000, 0x1fff, U64_MAX - 0xfff, RO)),
	},
	/* Rejected inserts change nothing. */
	{
		.name = "insert_size_0_rejected",
		OPS(INS_ERR(0x1000, 0, UA, RW, -EINVAL)),
	},
	{
		.name = "insert_wrapping_rejected",
		OPS(INS_ERR(U64_MAX - 0xfff, 0x2000, UA, RW, -EINVAL)),
	},
	{
		.name = "insert_wrapping_by_one_byte_rejected",
		OPS(INS_ERR(U64_MAX, 2, UA, RW, -EINVAL)),
	},
	{
		.name = "insert_from_2_of_size_u64_max_rejected",
		OPS(INS_ERR(2, U64_MAX, 0, RW, -EINVAL)),
	},
	{
		.name = "insert_size_u64_max_uaddr_2_wraps_rejected",
		OPS(INS_ERR(0, U64_MAX, 2, RW, -EINVAL)),
	},
	{
		.name = "insert_uaddr_wrapping_rejected",
		OPS(INS_ERR(0x1000, 0x2000, U64_MAX - 0xfff, RW, -EINVAL)),
	},
	{
		.name = "insert_perm_0_rejected",
		OPS(INS_ERR(0x1000, 0x1000, UA, 0, -EINVAL)),
	},
	{
		.name = "insert_perm_4_rejected",
		OPS(INS_ERR(0x1000, 0x1000, UA, 4, -EINVAL)),
	},
	{
		.name = "insert_perm_7_rejected",
		OPS(INS_ERR(0x1000, 0x1000, UA, 7, -EINVAL)),
	},
	{
		.name = "insert_perm_0xff_rejected",
		OPS(INS_ERR(0x1000, 0x1000, UA, 0xff, -EINVAL)),
	},
	{
		.name = "insert_perm_ro_wo_rw_accepted",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, WO),
		    INS(0x3000, 0x1000, UC, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x2fff, UB, WO),
		     MAP(0x3000, 0x3fff, UC, RW)),
	},
	{
		.name = "rejected_perm_leaves_overlapped_entry",
		OPS(INS(0x1000, 0x3000, UA, RO),
		    INS_ERR(0x2000, 0x1000, UB, 0, -EINVAL),
		    INS_ERR(0x2000, 0x1000, UB, 8, -EINVAL)),
		MAPS(MAP(0x1000, 0x3fff, UA, RO)),
	},
	{
		.name = "rejected_wrap_leaves_overlapped_entry",
		OPS(INS(U64_MAX - 0xfff, 0x1000, UA, RO),
		    INS_ERR(U64_MAX - 0x7ff, 0x1000, UB, RW, -EINVAL)),
		MAPS(MAP(U64_MAX - 0xfff, U64_MAX, UA, RO)),
	},
	{
		.name = "rejected_uaddr_wrap_leaves_overlapped_entry",
		OPS(INS(0x1000, 0x3000, UA, RO),
		    INS_ERR(0x2000, 0x1000, U64_MAX, RW, -EINVAL)),
		MAPS(MAP(0x1000, 0x3fff, UA, RO)),
	},
	/* Removing. */
	{
		.name = "remove_exact_entry",
		OPS(INS(0x1000, 0x1000, UA, RO), RM(0x1000, 0x1000)),
	},
	{
		.name = "remove_middle_splits_entry",
		OPS(INS(0x1000, 0x4000, UA, RW), RM(0x2000, 0x1000)),
		MAPS(MAP(0x1000, 0x1fff, UA, RW),
		     MAP(0x3000, 0x4fff, UA + 0x2000, RW)),
	},
	{
		.name = "remove_one_byte_splits_entry",
		OPS(INS(0, 0x100, UA, WO), RM(0x7f, 1)),
		MAPS(MAP(0, 0x7e, UA, WO), MAP(0x80, 0xff, UA + 0x80, WO)),
	},
	{
		.name = "remove_left_part",
		OPS(INS(0x1000, 0x2000, UA, RO), RM(0x800, 0x1000)),
		MAPS(MAP(0x1800, 0x2fff, UA + 0x800, RO)),
	},
	{
		.name = "remove_right_part",
		OPS(INS(0x1000, 0x2000, UA, RO), RM(0x2800, 0x1000)),
		MAPS(MAP(0x1000, 0x27ff, UA, RO)),
	},
	{
		.name = "remove_across_entries_trims_ends",
		OPS(INS(0x1000, 0x2000, UA, RO), INS(0x3000, 0x1000, UB, RW),
		    INS(0x4000, 0x2000, UC, WO), RM(0x2000, 0x3000)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO),
		     MAP(0x5000, 0x5fff, UC + 0x1000, WO)),
	},
	{
		.name = "remove_covering_several_entries",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x3000, 0x1000, UB, RW),
		    INS(0x8000, 0x1000, UC, WO), RM(0, 0x5000)),
		MAPS(MAP(0x8000, 0x8fff, UC, WO)),
	},
	{
		.name = "remove_in_gap_changes_nothing",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x3000, 0x1000, UB, RW),
		    RM(0x2000, 0x1000)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x3000, 0x3fff, UB, RW)),
	},
	{
		.name = "remove_size_0_changes_nothing",
		OPS(INS(0x1000, 0x1000, UA, RO), RM(0x1000, 0)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO)),
	},
	{
		.name = "remove_from_empty_tlb",
		OPS(RM(0, U64_MAX)),
	},
	{
		.name = "remove_wrapping_range_cuts_to_top",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x10000, 0x10000, UB, RW),
		    INS(U64_MAX - 0xfff, 0x1000, UC, WO),
		    RM(0x18000, U64_MAX)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x10000, 0x17fff, UB, RW)),
	},
	{
		.name = "remove_wrapping_range_from_u64_max",
		OPS(INS(U64_MAX - 0xfff, 0x1000, UA, RO), INS(0, 0x1000, UB, RW),
		    RM(U64_MAX, 0x2000)),
		MAPS(MAP(0, 0xfff, UB, RW),
		     MAP(U64_MAX - 0xfff, U64_MAX - 1, UA, RO)),
	},
	{
		.name = "remove_size_u64_max_from_0_keeps_top_byte",
		OPS(INS(0, 0x1000, UA, RO), INS(U64_MAX - 0xfff, 0x1000, UB, RW),
		    RM(0, U64_MAX)),
		MAPS(MAP(U64_MAX, U64_MAX, UB + 0xfff, RW)),
	},
	{
		.name = "remove_top_byte",
		OPS(INS(U64_MAX - 0xfff, 0x1000, UA, RO), RM(U64_MAX, 1)),
		MAPS(MAP(U64_MAX - 0xfff, U64_MAX - 1, UA, RO)),
	},
	/* The whole 64-bit space (len 0 would mean 2^64). */
	{
		.name = "full_space_in_two_entries",
		OPS(INS(0, U64_MAX, 1, RW), INS(U64_MAX, 1, UB, RO)),
		MAPS(MAP(0, U64_MAX - 1, 1, RW), MAP(U64_MAX, U64_MAX, UB, RO)),
	},
	{
		.name = "full_space_overwritten_in_middle",
		OPS(INS(0, U64_MAX, 0, RW), INS(U64_MAX, 1, UB, RO),
		    INS(0x1000, 0x1000, UC, WO)),
		MAPS(MAP(0, 0xfff, 0, RW), MAP(0x1000, 0x1fff, UC, WO),
		     MAP(0x2000, U64_MAX - 1, 0x2000, RW),
		     MAP(U64_MAX, U64_MAX, UB, RO)),
	},
	{
		.name = "full_space_then_wrapping_remove",
		OPS(INS(0, U64_MAX, 0, RW), INS(U64_MAX, 1, UB, RO),
		    RM(0x1000, U64_MAX)),
		MAPS(MAP(0, 0xfff, 0, RW)),
	},
	{
		.name = "full_space_then_remove_everything",
		OPS(INS(0, U64_MAX, 0, RW), INS(U64_MAX, 1, UB, RO),
		    RM(1, U64_MAX), RM(0, 1)),
	},
	{
		.name = "full_space_replaced_by_one_insert",
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0, 0x800, UB, RO),
		    INS(U64_MAX - 0xfff, 0x1000, UC, RO),
		    INS(1, U64_MAX, 0, RW)),
		MAPS(MAP(0, 0, UB, RO), MAP(1, U64_MAX, 0, RW)),
	},
	/* The entry limit. */
	{
		.name = "limit_evicts_oldest",
		.limit = 2,
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, RO),
		    INS(0x3000, 0x1000, UC, RO)),
		MAPS(MAP(0x2000, 0x2fff, UB, RO), MAP(0x3000, 0x3fff, UC, RO)),
	},
	{
		.name = "limit_evicts_oldest_not_lowest",
		.limit = 2,
		OPS(INS(0x9000, 0x1000, UC, RO), INS(0x1000, 0x1000, UA, RO),
		    INS(0x5000, 0x1000, UB, RO)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x5000, 0x5fff, UB, RO)),
	},
	{
		.name = "limit_evicts_least_recently_used",
		.limit = 2,
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, RO),
		    LOOK(0x1800), INS(0x3000, 0x1000, UC, RO)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x3000, 0x3fff, UC, RO)),
	},
	{
		.name = "limit_1_keeps_newest",
		.limit = 1,
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, RO),
		    INS(0x3000, 0x1000, UC, WO)),
		MAPS(MAP(0x3000, 0x3fff, UC, WO)),
	},
	{
		.name = "limit_replacing_an_entry_evicts_nothing",
		.limit = 2,
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, RO),
		    INS(0x1000, 0x1000, UC, RW)),
		MAPS(MAP(0x1000, 0x1fff, UC, RW), MAP(0x2000, 0x2fff, UB, RO)),
	},
	{
		.name = "limit_after_remove_evicts_nothing",
		.limit = 2,
		OPS(INS(0x1000, 0x1000, UA, RO), INS(0x2000, 0x1000, UB, RO),
		    RM(0x2000, 0x1000), INS(0x3000, 0x1000, UC, RW)),
		MAPS(MAP(0x1000, 0x1fff, UA, RO), MAP(0x3000, 0x3fff, UC, RW)),
	},
	{
		.name = "limit_split_in_middle_keeps_new_mapping",
		.limit = 2,
		OPS(INS(0x1000, 0x3000, UA, RO), INS(0x2000, 0x1000, UB, WO)),
		MAPS(MAYBE(0x1000, 0x1fff, UA, RO), MAP(0x2000, 0x2fff, UB, WO),
		     MAYBE(0x3000, 0x3fff, UA + 0x2000, RO)),
	},
	{
		.name = "limit_split_by_remove_at_limit",
		.limit = 2,
		OPS(INS(0x1000, 0x3000, UA, RO), INS(0x8000, 0x1000, UB, WO),
		    RM(0x2000, 0x1000)),
		MAPS(MAYBE(0x1000, 0x1fff, UA, RO),
		     MAYBE(0x3000, 0x3fff, UA + 0x2000, RO),
		     MAYBE(0x8000, 0x8fff, UB, WO)),
	},
};

/* What the model says a lookup of @iova must give. */
static const struct tlb_map *model_find(const struct iotlb_case *c, u64 iova)
{
	unsigned int k;

	for (k = 0; k < c->nmaps; k++)
		if (iova >= c->maps[k].start && iova <= c->maps[k].last)
			return &c->maps[k];
	return NULL;
}

static void check_lookup(struct kunit *test, struct vhost_iotlb *tlb,
			 const struct iotlb_case *c, u64 iova)
{
	const struct tlb_map *m = model_find(c, iova);
	u64 uaddr = 0, len = 0;
	u8 perm = 0;
	bool hit;

	hit = vhost_iotlb_lookup(tlb, iova, &uaddr, &len, &perm);
	if (!m) {
		KUNIT_EXPECT_FALSE_MSG(test, hit,
				       "iova %#llx should be unmapped", iova);
		return;
	}
	if (m->maybe && !hit)
		return;
	KUNIT_EXPECT_TRUE_MSG(test, hit, "iova %#llx should be mapped", iova);
	if (!hit)
		return;
	KUNIT_EXPECT_EQ_MSG(test, uaddr, m->uaddr + (iova - m->start),
			    "uaddr of iova %#llx", iova);
	KUNIT_EXPECT_EQ_MSG(test, len, m->last - iova + 1,
			    "len at iova %#llx", iova);
	KUNIT_EXPECT_EQ_MSG(test, perm, m->perm, "perm of iova %#llx", iova);
}

/* Probe just outside, at and inside both ends of a range. */
static void check_edges(struct kunit *test, struct vhost_iotlb *tlb,
			const struct iotlb_case *c, u64 first, u64 last)
{
	if (first)
		check_lookup(test, tlb, c, first - 1);
	check_lookup(test, tlb, c, first);
	if (first != last)
		check_lookup(test, tlb, c, first + 1);
	check_lookup(test, tlb, c, first + (last - first) / 2);
	if (first != last)
		check_lookup(test, tlb, c, last - 1);
	check_lookup(test, tlb, c, last);
	if (last != U64_MAX)
		check_lookup(test, tlb, c, last + 1);
}

static void iotlb_case_desc(const struct iotlb_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(iotlb, iotlb_cases, iotlb_case_desc);

static void iotlb_script_test(struct kunit *test)
{
	const struct iotlb_case *c = test->param_value;
	unsigned int k, required = 0, count;
	struct vhost_iotlb *tlb;
	int ret;

	tlb = vhost_iotlb_create(c->limit);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tlb);

	for (k = 0; k < c->nops; k++) {
		const struct tlb_op *op = &c->ops[k];

		if (op->kind == TLB_REMOVE) {
			vhost_iotlb_remove(tlb, op->iova, op->size);
			continue;
		}
		if (op->kind == TLB_LOOKUP) {
			u64 uaddr, len;
			u8 perm;

			KUNIT_EXPECT_TRUE_MSG(test,
					      vhost_iotlb_lookup(tlb, op->iova,
								 &uaddr, &len,
								 &perm),
					      "op %u", k);
			continue;
		}
		ret = vhost_iotlb_insert(tlb, op->iova, op->size, op->uaddr,
					 op->perm);
		KUNIT_EXPECT_EQ_MSG(test, ret, op->ret, "op %u", k);
	}

	for (k = 0; k < c->nmaps; k++)
		required += !c->maps[k].maybe;
	count = vhost_iotlb_count(tlb);
	KUNIT_EXPECT_GE(test, count, required);
	KUNIT_EXPECT_LE(test, count, c->nmaps);
	if (c->limit)
		KUNIT_EXPECT_LE(test, count, c->limit);

	for (k = 0; k < c->nmaps; k++)
		check_edges(test, tlb, c, c->maps[k].start, c->maps[k].last);
	for (k = 0; k < c->nops; k++) {
		const struct tlb_op *op = &c->ops[k];
		u64 last = op->iova + op->size - 1;

		if (!op->size)
			continue;
		check_edges(test, tlb, c, op->iova,
			    last < op->iova ? U64_MAX : last);
	}
	check_lookup(test, tlb, c, 0);
	check_lookup(test, tlb, c, U64_MAX);
	vhost_iotlb_destroy(tlb);
}

static void iotlb_lookup_empty_test(struct kunit *test)
{
	struct vhost_iotlb *tlb = vhost_iotlb_create(0);
	u64 uaddr = 1, len = 2;
	u8 perm = 3;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tlb);
	KUNIT_EXPECT_EQ(test, vhost_iotlb_count(tlb), 0U);
	KUNIT_EXPECT_FALSE(test, vhost_iotlb_lookup(tlb, 0, &uaddr, &len,
						    &perm));
	KUNIT_EXPECT_FALSE(test, vhost_iotlb_lookup(tlb, U64_MAX, &uaddr,
						    &len, &perm));
	vhost_iotlb_destroy(tlb);
	vhost_iotlb_destroy(NULL);
}

/* Without a limit nothing is evicted; then remove every other entry. */
static void iotlb_unlimited_test(struct kunit *test)
{
	const unsigned int n = 1000;
	struct vhost_iotlb *tlb = vhost_iotlb_create(0);
	u64 uaddr, len;
	unsigned int i, bad = 0;
	u8 perm;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tlb);
	/* Inserted from the top down, 0x1000 bytes every 0x2000. */
	for (i = n; i-- > 0;)
		KUNIT_ASSERT_EQ(test, vhost_iotlb_insert(tlb, i * 0x2000ULL,
							 0x1000,
							 UA + i * 0x1000ULL,
							 RO + i % 3),
				0);
	KUNIT_EXPECT_EQ(test, vhost_iotlb_count(tlb), n);
	for (i = 0; i < n; i += 2)
		vhost_iotlb_remove(tlb, i * 0x2000ULL, 0x1000);
	KUNIT_EXPECT_EQ(test, vhost_iotlb_count(tlb), n / 2);
	for (i = 0; i < n && bad < 8; i++) {
		u64 iova = i * 0x2000ULL + 0xfff;
		bool hit = vhost_iotlb_lookup(tlb, iova, &uaddr, &len, &perm);

		if (hit != (i % 2 == 1) ||
		    (hit && (uaddr != UA + i * 0x1000ULL + 0xfff || len != 1 ||
			     perm != RO + i % 3))) {
			KUNIT_FAIL(test, "lookup of entry %u", i);
			bad++;
		}
		if (vhost_iotlb_lookup(tlb, iova + 1, &uaddr, &len, &perm)) {
			KUNIT_FAIL(test, "gap after entry %u mapped", i);
			bad++;
		}
	}
	/* One insert over all of them leaves one entry. */
	KUNIT_EXPECT_EQ(test, vhost_iotlb_insert(tlb, 0, n * 0x2000ULL, UB, RW),
			0);
	KUNIT_EXPECT_EQ(test, vhost_iotlb_count(tlb), 1U);
	vhost_iotlb_destroy(tlb);
}

static struct kunit_case iotlb_test_cases[] = {
	KUNIT_CASE_PARAM(iotlb_script_test, iotlb_gen_params),
	KUNIT_CASE(iotlb_lookup_empty_test),
	KUNIT_CASE(iotlb_unlimited_test),
	{}
};

static struct kunit_suite iotlb_test_suite = {
	.name = "vhost_iotlb",
	.test_cases = iotlb_test_cases,
};

kunit_test_suites(&iotlb_test_suite);
