// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the guest-physical memory table: vhost_memmap_build()
 * validates and sorts the regions, vhost_memmap_find() looks an address
 * up.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../../drivers/vhost/core.h"

/* The most regions one table-driven case holds. */
#define MAX_REGIONS	6

#define REG(g, s, h)							\
	{ .guest_phys_addr = (g), .memory_size = (s), .userspace_addr = (h) }
#define REGIONS(...)							\
	.in = { __VA_ARGS__ },						\
	.n = sizeof((const struct vhost_memory_region[]){ __VA_ARGS__ }) / \
	     sizeof(struct vhost_memory_region)
#define ORDER(...)	.order = { __VA_ARGS__ }

#define HVA		0x7f0000000000ULL

/**
 * struct build_case - regions handed to vhost_memmap_build()
 * @name: the behaviour checked, also the KUnit parameter name
 * @in: the regions, in the order userspace passes them
 * @n: how many
 * @err: expected error, 0 for a table
 * @order: for a table, the input index expected at each sorted slot
 */
struct build_case {
	const char *name;
	struct vhost_memory_region in[MAX_REGIONS];
	u32 n;
	int err;
	u8 order[MAX_REGIONS];
};

static const struct build_case build_cases[] = {
	{
		.name = "single_region",
		REGIONS(REG(0x0, 0x100000, HVA)),
		ORDER(0),
	},
	{
		.name = "unsorted_regions_sorted_by_gpa",
		REGIONS(REG(0x300000, 0x1000, HVA + 0x3000),
			REG(0x100000, 0x1000, HVA + 0x1000),
			REG(0x200000, 0x1000, HVA + 0x2000)),
		ORDER(1, 2, 0),
	},
	{
		.name = "reverse_order_regions_sorted_by_gpa",
		REGIONS(REG(0x40000000, 0x1000, HVA),
			REG(0x30000000, 0x1000, HVA + 0x10000),
			REG(0x20000000, 0x1000, HVA + 0x20000),
			REG(0x10000000, 0x1000, HVA + 0x30000),
			REG(0x0, 0x1000, HVA + 0x40000)),
		ORDER(4, 3, 2, 1, 0),
	},
	{
		.name = "sorting_ignores_hva_order",
		REGIONS(REG(0x2000, 0x1000, HVA),
			REG(0x1000, 0x1000, HVA + 0x100000)),
		ORDER(1, 0),
	},
	{
		.name = "touching_regions_accepted",
		REGIONS(REG(0x2000, 0x1000, HVA + 0x2000),
			REG(0x1000, 0x1000, HVA + 0x1000),
			REG(0x3000, 0x1000, HVA + 0x3000)),
		ORDER(1, 0, 2),
	},
	{
		.name = "same_hva_for_two_gpa_ranges_accepted",
		REGIONS(REG(0x100000, 0x1000, HVA),
			REG(0x0, 0x1000, HVA)),
		ORDER(1, 0),
	},
	{
		.name = "region_of_one_byte_accepted",
		REGIONS(REG(0x1000, 1, HVA), REG(0x1001, 1, HVA + 1)),
		ORDER(0, 1),
	},
	{
		.name = "gpa_range_ending_at_top_accepted",
		REGIONS(REG(U64_MAX - 0xfff, 0x1000, HVA), REG(0, 0x1000, HVA)),
		ORDER(1, 0),
	},
	{
		.name = "hva_range_ending_at_top_accepted",
		REGIONS(REG(0x1000, 0x1000, U64_MAX - 0xfff)),
		ORDER(0),
	},
	{
		.name = "size_u64_max_from_0_accepted",
		REGIONS(REG(0, U64_MAX, 0)),
		ORDER(0),
	},
	{
		.name = "zero_size_rejected",
		REGIONS(REG(0x1000, 0, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "zero_size_after_valid_regions_rejected",
		REGIONS(REG(0x1000, 0x1000, HVA), REG(0x3000, 0x1000, HVA),
			REG(0x5000, 0, HVA + 0x5000)),
		.err = -EINVAL,
	},
	{
		.name = "gpa_wrap_rejected",
		REGIONS(REG(U64_MAX - 0xfff, 0x2000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "gpa_wrap_by_one_byte_rejected",
		REGIONS(REG(U64_MAX - 0xfff, 0x1001, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "size_u64_max_from_1_ends_at_top_accepted",
		REGIONS(REG(1, U64_MAX, 0)),
		ORDER(0),
	},
	{
		.name = "size_u64_max_from_2_wraps_rejected",
		REGIONS(REG(2, U64_MAX, 0)),
		.err = -EINVAL,
	},
	{
		.name = "hva_wrap_rejected",
		REGIONS(REG(0x1000, 0x2000, U64_MAX - 0xfff)),
		.err = -EINVAL,
	},
	{
		.name = "hva_wrap_after_valid_region_rejected",
		REGIONS(REG(0x0, 0x1000, HVA),
			REG(0x1000, 0x1000, U64_MAX)),
		.err = -EINVAL,
	},
	{
		.name = "identical_regions_rejected",
		REGIONS(REG(0x1000, 0x1000, HVA), REG(0x1000, 0x1000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "same_start_different_size_rejected",
		REGIONS(REG(0x1000, 0x1000, HVA), REG(0x1000, 0x3000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "overlap_by_one_byte_rejected",
		REGIONS(REG(0x1000, 0x1001, HVA), REG(0x2000, 0x1000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "overlap_by_one_byte_unsorted_rejected",
		REGIONS(REG(0x2000, 0x1000, HVA), REG(0x1000, 0x1001, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "region_inside_another_rejected",
		REGIONS(REG(0x0, 0x100000, HVA), REG(0x8000, 0x1000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "region_containing_two_others_rejected",
		REGIONS(REG(0x1000, 0x1000, HVA), REG(0x5000, 0x1000, HVA),
			REG(0x0, 0x10000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "overlap_between_far_apart_inputs_rejected",
		REGIONS(REG(0x10000, 0x1000, HVA), REG(0x0, 0x1000, HVA),
			REG(0x40000, 0x1000, HVA), REG(0x20000, 0x1000, HVA),
			REG(0x10800, 0x1000, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "overlap_at_top_of_space_rejected",
		REGIONS(REG(U64_MAX - 0xfff, 0x1000, HVA),
			REG(U64_MAX, 1, HVA)),
		.err = -EINVAL,
	},
	{
		.name = "whole_space_and_top_byte_rejected",
		REGIONS(REG(0, U64_MAX, 0), REG(U64_MAX - 1, 1, 0)),
		.err = -EINVAL,
	},
	{
		.name = "whole_space_and_top_byte_touching_accepted",
		REGIONS(REG(U64_MAX, 1, 0), REG(0, U64_MAX, 0)),
		ORDER(1, 0),
	},
};

static void build_case_desc(const struct build_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(memmap_build, build_cases, build_case_desc);

static void memmap_build_test(struct kunit *test)
{
	const struct build_case *c = test->param_value;
	struct vhost_memmap *map;
	int err = 12345;
	u32 i;

	map = vhost_memmap_build(c->in, c->n, &err);
	KUNIT_EXPECT_EQ(test, err, c->err);
	if (c->err) {
		KUNIT_EXPECT_NULL(test, map);
		kvfree(map);
		return;
	}
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	KUNIT_EXPECT_EQ(test, map->nregions, c->n);
	for (i = 0; i < c->n && i < map->nregions; i++) {
		const struct vhost_memory_region *want = &c->in[c->order[i]];

		KUNIT_EXPECT_EQ_MSG(test, map->r[i].gpa, want->guest_phys_addr,
				    "slot %u", i);
		KUNIT_EXPECT_EQ_MSG(test, map->r[i].size, want->memory_size,
				    "slot %u", i);
		KUNIT_EXPECT_EQ_MSG(test, map->r[i].hva, want->userspace_addr,
				    "slot %u", i);
	}
	kvfree(map);
}

/**
 * struct find_case - one lookup in a table built from @in
 * @name: the behaviour checked, also the KUnit parameter name
 * @in: the regions
 * @n: how many
 * @gpa: the address looked up
 * @want: index into @in of the region expected, -1 for none
 */
struct find_case {
	const char *name;
	struct vhost_memory_region in[MAX_REGIONS];
	u32 n;
	u64 gpa;
	int want;
};

/* Five regions, out of order: two touch, one reaches the top of the space. */
#define FIND_MAP							\
	REGIONS(REG(0x100000000ULL, 0x40000000, HVA + 0x10000000),	\
		REG(0x1000, 0x1000, HVA + 0x1000),			\
		REG(U64_MAX - 0xfff, 0x1000, HVA + 0x20000000),		\
		REG(0x200000, 0x1000, HVA),				\
		REG(0x100000, 0x100000, HVA + 0x100000))

static const struct find_case find_cases[] = {
	{ .name = "address_0_before_first", FIND_MAP, .gpa = 0, .want = -1 },
	{
		.name = "byte_before_first_region",
		FIND_MAP, .gpa = 0xfff, .want = -1,
	},
	{
		.name = "first_byte_of_first_region",
		FIND_MAP, .gpa = 0x1000, .want = 1,
	},
	{
		.name = "last_byte_of_first_region",
		FIND_MAP, .gpa = 0x1fff, .want = 1,
	},
	{
		.name = "byte_after_first_region_in_gap",
		FIND_MAP, .gpa = 0x2000, .want = -1,
	},
	{ .name = "middle_of_gap", FIND_MAP, .gpa = 0x80000, .want = -1 },
	{
		.name = "byte_before_region_in_gap",
		FIND_MAP, .gpa = 0xfffff, .want = -1,
	},
	{
		.name = "first_byte_of_middle_region",
		FIND_MAP, .gpa = 0x100000, .want = 4,
	},
	{
		.name = "middle_of_middle_region",
		FIND_MAP, .gpa = 0x180001, .want = 4,
	},
	{
		.name = "last_byte_before_touching_region",
		FIND_MAP, .gpa = 0x1fffff, .want = 4,
	},
	{
		.name = "first_byte_of_touching_region",
		FIND_MAP, .gpa = 0x200000, .want = 3,
	},
	{
		.name = "last_byte_of_touching_region",
		FIND_MAP, .gpa = 0x200fff, .want = 3,
	},
	{
		.name = "byte_after_touching_region",
		FIND_MAP, .gpa = 0x201000, .want = -1,
	},
	{
		.name = "first_byte_above_4g",
		FIND_MAP, .gpa = 0x100000000ULL, .want = 0,
	},
	{
		.name = "last_byte_above_4g",
		FIND_MAP, .gpa = 0x13fffffffULL, .want = 0,
	},
	{
		.name = "byte_after_region_above_4g",
		FIND_MAP, .gpa = 0x140000000ULL, .want = -1,
	},
	{
		.name = "byte_before_region_at_top",
		FIND_MAP, .gpa = U64_MAX - 0x1000, .want = -1,
	},
	{
		.name = "first_byte_of_region_at_top",
		FIND_MAP, .gpa = U64_MAX - 0xfff, .want = 2,
	},
	{
		.name = "u64_max_in_region_at_top",
		FIND_MAP, .gpa = U64_MAX, .want = 2,
	},
	{
		.name = "byte_after_last_region",
		REGIONS(REG(0x2000, 0x1000, HVA), REG(0x0, 0x1000, HVA)),
		.gpa = 0x3000, .want = -1,
	},
	{
		.name = "u64_max_after_last_region",
		REGIONS(REG(0x2000, 0x1000, HVA), REG(0x0, 0x1000, HVA)),
		.gpa = U64_MAX, .want = -1,
	},
	{
		.name = "single_region_first_byte",
		REGIONS(REG(0x4000, 0x2000, HVA)), .gpa = 0x4000, .want = 0,
	},
	{
		.name = "single_region_last_byte",
		REGIONS(REG(0x4000, 0x2000, HVA)), .gpa = 0x5fff, .want = 0,
	},
	{
		.name = "single_region_byte_before",
		REGIONS(REG(0x4000, 0x2000, HVA)), .gpa = 0x3fff, .want = -1,
	},
	{
		.name = "single_region_byte_after",
		REGIONS(REG(0x4000, 0x2000, HVA)), .gpa = 0x6000, .want = -1,
	},
	{
		.name = "one_byte_region",
		REGIONS(REG(0x1000, 1, HVA), REG(0x1001, 1, HVA + 8)),
		.gpa = 0x1001, .want = 1,
	},
	{
		.name = "size_u64_max_region_holds_u64_max_minus_1",
		REGIONS(REG(0, U64_MAX, 0)), .gpa = U64_MAX - 1, .want = 0,
	},
	{
		.name = "size_u64_max_region_lacks_u64_max",
		REGIONS(REG(0, U64_MAX, 0)), .gpa = U64_MAX, .want = -1,
	},
};

static void find_case_desc(const struct find_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(memmap_find, find_cases, find_case_desc);

static void memmap_find_test(struct kunit *test)
{
	const struct find_case *c = test->param_value;
	const struct vhost_memmap_region *r;
	const struct vhost_memory_region *want;
	struct vhost_memmap *map;
	int err;

	map = vhost_memmap_build(c->in, c->n, &err);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);

	r = vhost_memmap_find(map, c->gpa);
	if (c->want < 0) {
		KUNIT_EXPECT_NULL(test, r);
		kvfree(map);
		return;
	}
	want = &c->in[c->want];
	KUNIT_EXPECT_NOT_NULL(test, r);
	if (r) {
		KUNIT_EXPECT_TRUE(test, r >= map->r && r < map->r + map->nregions);
		KUNIT_EXPECT_EQ(test, r->gpa, want->guest_phys_addr);
		KUNIT_EXPECT_EQ(test, r->size, want->memory_size);
		KUNIT_EXPECT_EQ(test, r->hva, want->userspace_addr);
	}
	kvfree(map);
}

static void memmap_find_null_table_test(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(NULL, 0));
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(NULL, 0x1000));
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(NULL, U64_MAX));
}

static void memmap_find_empty_table_test(struct kunit *test)
{
	struct vhost_memmap *map;
	int err = 12345;

	map = vhost_memmap_build(NULL, 0, &err);
	KUNIT_EXPECT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	KUNIT_EXPECT_EQ(test, map->nregions, 0U);
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(map, 0));
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(map, 0x1000));
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(map, U64_MAX));
	kvfree(map);
}

/*
 * Tables of the default maximum of 509 regions, passed in a scrambled
 * order: region k starts at k * 2 MiB and is 2 MiB long less @gap.
 */
struct many_case {
	const char *name;
	u32 n;
	u64 gap;
	bool overlap_last;	/* stretch the last input over its neighbour */
};

#define MANY_STRIDE	0x200000ULL

static const struct many_case many_cases[] = {
	{ .name = "509_regions_with_gaps", .n = 509, .gap = 0x1000 },
	{ .name = "509_touching_regions", .n = 509, .gap = 0 },
	{
		.name = "509_regions_one_overlap_rejected",
		.n = 509, .gap = 0x1000, .overlap_last = true,
	},
};

static void many_case_desc(const struct many_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(memmap_many, many_cases, many_case_desc);

static void memmap_many_test(struct kunit *test)
{
	const struct many_case *c = test->param_value;
	u64 size = MANY_STRIDE - c->gap;
	struct vhost_memory_region *in;
	const struct vhost_memmap_region *r;
	struct vhost_memmap *map;
	u32 i, k, bad = 0;
	int err;

	in = kunit_kcalloc(test, c->n, sizeof(*in), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, in);
	/* 509 is prime, so i * 100 mod 509 visits every k once. */
	for (i = 0; i < c->n; i++) {
		k = (i * 100) % c->n;
		in[i].guest_phys_addr = k * MANY_STRIDE;
		in[i].memory_size = size;
		in[i].userspace_addr = HVA + (u64)(c->n - k) * MANY_STRIDE;
	}
	if (c->overlap_last)
		in[c->n - 1].memory_size = MANY_STRIDE + 1;

	map = vhost_memmap_build(in, c->n, &err);
	if (c->overlap_last) {
		KUNIT_EXPECT_EQ(test, err, -EINVAL);
		KUNIT_EXPECT_NULL(test, map);
		kvfree(map);
		return;
	}
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, map);
	KUNIT_ASSERT_EQ(test, map->nregions, c->n);

	for (k = 0; k < c->n; k++) {
		u64 gpa = k * MANY_STRIDE;

		if (map->r[k].gpa != gpa || map->r[k].size != size ||
		    map->r[k].hva != HVA + (u64)(c->n - k) * MANY_STRIDE) {
			KUNIT_FAIL(test, "slot %u holds gpa %#llx", k,
				   map->r[k].gpa);
			bad++;
		}
		r = vhost_memmap_find(map, gpa);
		if (r != &map->r[k]) {
			KUNIT_FAIL(test, "first byte of region %u", k);
			bad++;
		}
		r = vhost_memmap_find(map, gpa + size - 1);
		if (r != &map->r[k]) {
			KUNIT_FAIL(test, "last byte of region %u", k);
			bad++;
		}
		r = vhost_memmap_find(map, gpa + size);
		if (r != (c->gap || k + 1 == c->n ? NULL : &map->r[k + 1])) {
			KUNIT_FAIL(test, "byte after region %u", k);
			bad++;
		}
		if (bad > 8)
			break;
	}
	KUNIT_EXPECT_NULL(test, vhost_memmap_find(map, U64_MAX));
	kvfree(map);
}

static struct kunit_case memmap_test_cases[] = {
	KUNIT_CASE_PARAM(memmap_build_test, memmap_build_gen_params),
	KUNIT_CASE_PARAM(memmap_find_test, memmap_find_gen_params),
	KUNIT_CASE(memmap_find_null_table_test),
	KUNIT_CASE(memmap_find_empty_table_test),
	KUNIT_CASE_PARAM(memmap_many_test, memmap_many_gen_params),
	{}
};

static struct kunit_suite memmap_test_suite = {
	.name = "vhost_memmap",
	.test_cases = memmap_test_cases,
};

kunit_test_suites(&memmap_test_suite);
