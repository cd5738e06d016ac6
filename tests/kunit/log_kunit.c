// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vhost_log_span(): which bitmap page, which bit in it and
 * how many bits of a run of dirty guest pages go there.  Bit n of the log
 * is bit n % 8 of byte n / 8 after the log base.
 */
#include <kunit/test.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "../../drivers/vhost/core.h"

/* Bits in one page of the bitmap. */
#define BPP		(PAGE_SIZE * 8)
/* A bitmap base aligned to any page size. */
#define LB		0x7f0000000000ULL
/* The last guest page number of a 64-bit guest-physical space. */
#define LAST_GPN	(U64_MAX >> 12)

/**
 * struct span_case - one call and its expected outputs
 * @name: the behaviour checked, also the KUnit parameter name
 * @base: bitmap address
 * @first: first guest page of the run
 * @last: last guest page of the run
 * @page_addr: expected bitmap page address
 * @bit: expected bit index within that page
 * @n: expected number of bits of the run in that page
 */
struct span_case {
	const char *name;
	u64 base;
	u64 first;
	u64 last;
	u64 page_addr;
	unsigned long bit;
	u64 n;
};

static const struct span_case span_cases[] = {
	{
		.name = "aligned_base_page_0",
		.base = LB, .first = 0, .last = 0,
		.page_addr = LB, .bit = 0, .n = 1,
	},
	{
		.name = "aligned_base_page_9_is_byte_1_bit_1",
		.base = LB, .first = 9, .last = 9,
		.page_addr = LB, .bit = 9, .n = 1,
	},
	{
		.name = "aligned_base_run_inside_page",
		.base = LB, .first = 8, .last = 23,
		.page_addr = LB, .bit = 8, .n = 16,
	},
	{
		.name = "aligned_base_run_filling_page",
		.base = LB, .first = 0, .last = BPP - 1,
		.page_addr = LB, .bit = 0, .n = BPP,
	},
	{
		.name = "aligned_base_last_bit_of_page",
		.base = LB, .first = BPP - 1, .last = BPP - 1,
		.page_addr = LB, .bit = BPP - 1, .n = 1,
	},
	{
		.name = "aligned_base_run_crossing_page_cut_at_boundary",
		.base = LB, .first = BPP - 8, .last = BPP + 7,
		.page_addr = LB, .bit = BPP - 8, .n = 8,
	},
	{
		.name = "aligned_base_rest_of_crossing_run_in_next_page",
		.base = LB, .first = BPP, .last = BPP + 7,
		.page_addr = LB + PAGE_SIZE, .bit = 0, .n = 8,
	},
	{
		.name = "aligned_base_run_over_three_pages",
		.base = LB, .first = 5, .last = 3 * BPP,
		.page_addr = LB, .bit = 5, .n = BPP - 5,
	},
	{
		.name = "aligned_base_third_page_mid_byte",
		.base = LB, .first = 2 * BPP + 13, .last = 2 * BPP + 13,
		.page_addr = LB + 2 * PAGE_SIZE, .bit = 13, .n = 1,
	},
	{
		.name = "base_at_offset_3_page_0",
		.base = LB + 3, .first = 0, .last = 7,
		.page_addr = LB, .bit = 24, .n = 8,
	},
	{
		.name = "base_16_bytes_before_page_end",
		.base = LB + PAGE_SIZE - 16, .first = 0, .last = 0,
		.page_addr = LB, .bit = (PAGE_SIZE - 16) * 8, .n = 1,
	},
	{
		.name = "base_16_bytes_before_page_end_run_cut",
		.base = LB + PAGE_SIZE - 16, .first = 0, .last = 1000,
		.page_addr = LB, .bit = (PAGE_SIZE - 16) * 8, .n = 128,
	},
	{
		.name = "base_at_last_byte_of_page_mid_byte",
		.base = LB + PAGE_SIZE - 1, .first = 3, .last = 100,
		.page_addr = LB, .bit = (PAGE_SIZE - 1) * 8 + 3, .n = 5,
	},
	{
		.name = "base_at_last_byte_of_page_next_byte_in_next_page",
		.base = LB + PAGE_SIZE - 1, .first = 8, .last = 100,
		.page_addr = LB + PAGE_SIZE, .bit = 0, .n = 93,
	},
	{
		.name = "unaligned_base_run_crossing_page_mid_byte",
		.base = LB + 3, .first = (PAGE_SIZE - 4) * 8 + 2,
		.last = (PAGE_SIZE - 4) * 8 + 32,
		.page_addr = LB, .bit = (PAGE_SIZE - 1) * 8 + 2, .n = 6,
	},
	{
		.name = "unaligned_base_second_page",
		.base = LB + 100, .first = BPP, .last = BPP,
		.page_addr = LB + PAGE_SIZE, .bit = 800, .n = 1,
	},
	{
		.name = "huge_page_number_last_gpa_page",
		.base = LB, .first = LAST_GPN, .last = LAST_GPN,
		.page_addr = LB + 0x2000000000000ULL - PAGE_SIZE,
		.bit = (PAGE_SIZE - 1) * 8 + 7, .n = 1,
	},
	{
		.name = "huge_page_number_run_to_last_gpa_page",
		.base = LB, .first = LAST_GPN - 9, .last = LAST_GPN,
		.page_addr = LB + 0x2000000000000ULL - PAGE_SIZE,
		.bit = (PAGE_SIZE - 2) * 8 + 6, .n = 10,
	},
	{
		.name = "huge_page_number_u64_max_base_0",
		.base = 0, .first = U64_MAX, .last = U64_MAX,
		.page_addr = 0x2000000000000000ULL - PAGE_SIZE,
		.bit = (PAGE_SIZE - 1) * 8 + 7, .n = 1,
	},
	{
		.name = "huge_page_number_2_pow_40",
		.base = LB, .first = 1ULL << 40, .last = (1ULL << 40) + 1,
		.page_addr = LB + (1ULL << 37), .bit = 0, .n = 2,
	},
	{
		.name = "run_of_u64_max_bits_cut_at_page_end",
		.base = LB, .first = 0, .last = U64_MAX - 1,
		.page_addr = LB, .bit = 0, .n = BPP,
	},
	{
		.name = "run_of_2_pow_64_bits_cut_at_page_end",
		.base = LB, .first = 0, .last = U64_MAX,
		.page_addr = LB, .bit = 0, .n = BPP,
	},
};

static void span_case_desc(const struct span_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(log_span, span_cases, span_case_desc);

static void log_span_test(struct kunit *test)
{
	const struct span_case *c = test->param_value;
	u64 page_addr = 0x5a5a5a5a;
	unsigned long bit = 0x5a5a5a5a;
	u64 n;

	n = vhost_log_span(c->base, c->first, c->last, &page_addr, &bit);
	KUNIT_EXPECT_EQ(test, page_addr, c->page_addr);
	KUNIT_EXPECT_EQ(test, bit, c->bit);
	KUNIT_EXPECT_EQ(test, n, c->n);
}

/*
 * Walking a whole run span by span, as the logger does: the spans must
 * tile the run, each within one page, each bit where the little-endian
 * layout puts it, one span per bitmap page touched.
 */
struct walk_case {
	const char *name;
	u64 base;
	u64 first;
	u64 last;
};

static const struct walk_case walk_cases[] = {
	{ .name = "one_bit", .base = LB, .first = 77, .last = 77 },
	{
		.name = "aligned_base_three_pages_and_a_bit",
		.base = LB, .first = 5, .last = 3 * BPP + 17,
	},
	{
		.name = "base_offset_1_two_pages",
		.base = LB + 1, .first = 0, .last = 2 * BPP,
	},
	{
		.name = "base_at_last_byte_of_page",
		.base = LB + PAGE_SIZE - 1, .first = 0, .last = 2 * BPP + 3,
	},
	{
		.name = "run_ending_on_page_boundary",
		.base = LB + 8, .first = 3, .last = BPP - 64 - 1,
	},
	{
		.name = "huge_page_numbers_up_to_last_gpa_page",
		.base = LB + 5, .first = LAST_GPN - 3 * BPP, .last = LAST_GPN,
	},
};

static void walk_case_desc(const struct walk_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(log_walk, walk_cases, walk_case_desc);

static void log_span_walk_test(struct kunit *test)
{
	const struct walk_case *c = test->param_value;
	u64 pages = ((c->base + c->last / 8) >> PAGE_SHIFT) -
		    ((c->base + c->first / 8) >> PAGE_SHIFT) + 1;
	u64 cur = c->first, spans = 0;

	for (;;) {
		u64 page_addr, n, room;
		unsigned long bit;

		n = vhost_log_span(c->base, cur, c->last, &page_addr, &bit);
		spans++;
		KUNIT_ASSERT_GT_MSG(test, n, 0ULL, "span at page %llu", cur);
		KUNIT_ASSERT_LE_MSG(test, spans, pages, "span at page %llu",
				    cur);
		KUNIT_EXPECT_EQ_MSG(test, page_addr & ~PAGE_MASK, 0ULL,
				    "span at page %llu", cur);
		KUNIT_EXPECT_LT_MSG(test, bit, BPP, "span at page %llu", cur);
		KUNIT_EXPECT_EQ_MSG(test, page_addr + bit / 8,
				    c->base + cur / 8, "span at page %llu",
				    cur);
		KUNIT_EXPECT_EQ_MSG(test, bit % 8, (unsigned long)(cur % 8),
				    "span at page %llu", cur);
		room = BPP - bit;
		KUNIT_EXPECT_EQ_MSG(test, n, min(room, c->last - cur + 1),
				    "span at page %llu", cur);
		if (c->last - cur < n)
			break;
		cur += n;
	}
	KUNIT_EXPECT_EQ(test, spans, pages);
}

static struct kunit_case log_test_cases[] = {
	KUNIT_CASE_PARAM(log_span_test, log_span_gen_params),
	KUNIT_CASE_PARAM(log_span_walk_test, log_walk_gen_params),
	{}
};

static struct kunit_suite log_test_suite = {
	.name = "vhost_log",
	.test_cases = log_test_cases,
};

kunit_test_suites(&log_test_suite);

MODULE_DESCRIPTION("KUnit tests for the pure logic of the vhost core");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
