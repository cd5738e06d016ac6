// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for vhost_features_negotiate(): which feature sets a driver
 * may ack, through VHOST_SET_FEATURES (one word) and
 * VHOST_SET_FEATURES_ARRAY (several words, bits past 63 in the later ones).
 */
#include <kunit/test.h>
#include <linux/bits.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "../../drivers/vhost/core.h"

#define OFFER	(BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
		 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | BIT_ULL(VHOST_F_LOG_ALL))

/**
 * struct feat_case - one negotiation and its outcome
 * @name: the behaviour checked
 * @want: the words the driver asks for
 * @nwords: how many of them
 * @ret: expected return
 * @acked: expected feature set on success
 */
struct feat_case {
	const char *name;
	u64 want[3];
	unsigned int nwords;
	int ret;
	u64 acked;
};

static const struct feat_case feat_cases[] = {
	{ "nothing_acked_is_valid", { 0 }, 1, 0, 0 },
	{ "every_offered_bit_accepted", { OFFER }, 1, 0, OFFER },
	{ "subset_accepted_as_is", { BIT_ULL(VIRTIO_F_VERSION_1) }, 1, 0,
	  BIT_ULL(VIRTIO_F_VERSION_1) },
	{ "one_unoffered_bit_rejected",
	  { OFFER | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) }, 1, -EOPNOTSUPP, 0 },
	{ "bit_63_rejected_when_not_offered", { BIT_ULL(63) }, 1,
	  -EOPNOTSUPP, 0 },
	{ "array_of_two_with_empty_high_word_accepted", { OFFER, 0 }, 2, 0,
	  OFFER },
	{ "array_bit_64_rejected", { OFFER, 1 }, 2, -EOPNOTSUPP, 0 },
	{ "array_bit_191_rejected", { 0, 0, BIT_ULL(63) }, 3, -EOPNOTSUPP, 0 },
	{ "array_of_zero_words_acks_nothing", { OFFER }, 0, 0, 0 },
	{ "array_low_word_checked_like_set_features",
	  { BIT_ULL(VIRTIO_F_ACCESS_PLATFORM), 0 }, 2, -EOPNOTSUPP, 0 },
};

static void feat_desc(const struct feat_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(feat, feat_cases, feat_desc);

static void features_negotiate_test(struct kunit *test)
{
	const struct feat_case *c = test->param_value;
	u64 acked = 0xdeadbeef;
	int ret;

	ret = vhost_features_negotiate(OFFER, c->want, c->nwords, &acked);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, acked, c->acked);
}

static struct kunit_case features_test_cases[] = {
	KUNIT_CASE_PARAM(features_negotiate_test, feat_gen_params),
	{}
};

static struct kunit_suite features_test_suite = {
	.name = "vhost_features",
	.test_cases = features_test_cases,
};

kunit_test_suite(features_test_suite);
