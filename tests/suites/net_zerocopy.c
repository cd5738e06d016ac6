// SPDX-License-Identifier: GPL-2.0
/*
 * suites/net_zerocopy: zero-copy transmit (vhost_net's experimental_zcopytx).
 *
 * With zero-copy on, a large frame leaves as an skb whose pages are the
 * guest's own buffer, and the chain may come back only when the network
 * stack has let go of that skb.  The cases that watch this hold the frames
 * in the stack on purpose: the tap is a bridge port next to a dummy device
 * whose root qdisc is "plug", so every frame the guest sends waits in that
 * qdisc until the case releases it (no capture socket on the tap: a packet
 * socket would copy the frame on delivery and free the guest's pages).
 *
 * The parameter is read when /dev/vhost-net is opened: each case sets it
 * for its own device and puts the old value back.  Against a module whose
 * parameter is read-only and off (Linux's), the zero-copy cases SKIP.
 */
#include "vt.h"
#include "vnet.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>


#define F_V1		(VT_F_VERSION_1 | VT_F_INDIRECT)

/* vnet_setup() on a device opened with zero-copy @on. */
static void zc_setup(struct vnet *n, const struct vnet_opts *o, bool on)
{
	bool old = vnet_zcopy_param_set(on);

	vnet_setup(n, o);
	vnet_zcopy_param_set(old);
}

/* Queue big frames (sent by reference) with small ones (copied) between. */
static const uint32_t mixed[] = { 9000, 100, 16000, 60, 4000, 32768, 1514,
				  ND_MAX_FRAME };

static void send_mixed(struct vnet *n, uint32_t seed, uint16_t *heads)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(mixed); i++) {
		int h = vnet_tx_add_frame(n, ND_RAW, i, seed, mixed[i],
					  i & 1 ? VNET_L_SPLIT : VNET_L_SCATTER);

		if (heads)
			heads[i] = (uint16_t)h;
	}
	vnet_tx_kick(n);
}

/* The next @count used entries name @heads, in that order. */
static void expect_used_in_order(struct vnet *n, const uint16_t *heads,
				 unsigned int count)
{
	struct vring_drv *vr = &n->vr[VNET_TX];
	struct vt_used u;

	if (vr_wait_used(vr, count, VT_WAIT_MS) < 0)
		FAIL("TX: %u of %u chains used within %d ms",
		     (uint16_t)(vr_used_idx(vr) - vr->last_used), count,
		     VT_WAIT_MS);
	for (unsigned int i = 0; i < count; i++) {
		if (vr_get_used(vr, &u) != 1)
			FAIL("TX used entry %u is not a chain in flight", i);
		if (u.id != heads[i])
			FAIL("TX used entry %u names head %u, expected %u (the order the chains were made available)",
			     i, u.id, heads[i]);
	}
}

/* ------------------------------------------------------------------ */

/* Frames of every size leave byte for byte with zero-copy on. */
static void zerocopy_tx_frames_of_every_size(void)
{
	static const uint32_t sizes[] = { 60, 256, 1000, 3000, 4096, 9000,
					  32768, ND_MAX_FRAME };
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed(), seq = 0;
	struct vnet n;

	zc_setup(&n, &o, true);
	for (unsigned int round = 0; round < 8; round++) {
		uint32_t first = seq;

		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++, seq++)
			vnet_tx_add_frame(&n, ND_RAW, seq, seed, sizes[i],
					  i & 1 ? VNET_L_SCATTER :
						  VNET_L_SPLIT);
		vnet_tx_kick(&n);
		for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
			vnet_cap_expect(&n, ND_RAW, first + i, seed, sizes[i]);
		vnet_tx_complete(&n, ARRAY_SIZE(sizes), VT_WAIT_MS);
	}
	vnet_expect_no_ring_error(&n);
}

/* The header carried by the tap (IFF_VNET_HDR) works the same way. */
static void zerocopy_tx_tap_header_mode(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	zc_setup(&n, &o, true);
	send_mixed(&n, seed, NULL);
	for (unsigned int i = 0; i < ARRAY_SIZE(mixed); i++)
		vnet_cap_expect(&n, ND_RAW, i, seed, mixed[i]);
	vnet_tx_complete(&n, ARRAY_SIZE(mixed), VT_WAIT_MS);
	vnet_expect_no_ring_error(&n);
}

/* With VIRTIO_F_IN_ORDER, copied chains wait behind those in flight. */
static void zerocopy_tx_used_in_ring_order(void)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = F_V1 | VT_F_IN_ORDER,
	};
	uint16_t heads[ARRAY_SIZE(mixed)];
	uint32_t seed = vt_case_seed();
	struct vnet n;

	zc_setup(&n, &o, true);
	for (unsigned int round = 0; round < 4; round++) {
		send_mixed(&n, seed, heads);
		for (unsigned int i = 0; i < ARRAY_SIZE(mixed); i++)
			vnet_cap_expect(&n, ND_RAW, i, seed, mixed[i]);
		expect_used_in_order(&n, heads, ARRAY_SIZE(mixed));
	}
}

/* A chain sent by reference comes back only when the stack frees it. */
static void zerocopy_tx_buffers_return_when_the_stack_frees_them(void)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = F_V1 | VT_F_IN_ORDER,
	};
	uint16_t heads[ARRAY_SIZE(mixed)];
	uint32_t seed = vt_case_seed();
	uint16_t before;
	struct vnet n;

	vnet_plug_create();
	zc_setup(&n, &o, true);
	vnet_plug_attach_tap(&n);
	before = vr_used_idx(&n.vr[VNET_TX]);
	send_mixed(&n, seed, heads);
	vnet_plug_wait_backlog(ARRAY_SIZE(mixed));
	/* Every frame was sent; the big ones' pages are still in the qdisc. */
	if (vr_used_idx(&n.vr[VNET_TX]) != before)
		FAIL("%u chains used while their frames sit in the plug qdisc (zero-copy must hold them)",
		     (uint16_t)(vr_used_idx(&n.vr[VNET_TX]) - before));
	vnet_plug_release();
	expect_used_in_order(&n, heads, ARRAY_SIZE(mixed));
	vnet_expect_no_ring_error(&n);
}

/* With zero-copy off the same chains come back while the frames wait. */
static void copy_tx_buffers_return_at_once(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_plug_create();
	zc_setup(&n, &o, false);
	vnet_plug_attach_tap(&n);
	send_mixed(&n, seed, NULL);
	vnet_plug_wait_backlog(ARRAY_SIZE(mixed));
	vnet_tx_complete(&n, ARRAY_SIZE(mixed), VT_WAIT_MS);
	vnet_plug_release();
}

struct detach_arg {
	struct vnet *n;
	int started;
	long ret;
};

static void *detach_tx(void *p)
{
	struct detach_arg *a = p;

	vt_eventfd_signal(a->started);
	a->ret = vh_net_set_backend(a->n->fd, VNET_TX, -1);
	return NULL;
}

/*
 * Detaching the TX backend (QEMU stopping a guest, migration) returns once
 * every chain in flight is back in the used ring: GET_VRING_BASE and the
 * used ring then agree.
 */
static void zerocopy_tx_detach_returns_every_chain(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	struct detach_arg a = { .ret = -1 };
	uint16_t heads[ARRAY_SIZE(mixed)];
	uint32_t seed = vt_case_seed();
	struct vring_drv *vr;
	unsigned int base;
	struct pollfd pfd;
	struct vnet n;
	pthread_t t;

	vnet_plug_create();
	zc_setup(&n, &o, true);
	vnet_plug_attach_tap(&n);
	vr = &n.vr[VNET_TX];
	send_mixed(&n, seed, heads);
	vnet_plug_wait_backlog(ARRAY_SIZE(mixed));
	a.n = &n;
	a.started = vt_eventfd();
	if (pthread_create(&t, NULL, detach_tx, &a))
		FAIL("pthread_create");
	pfd = (struct pollfd){ .fd = a.started, .events = POLLIN };
	if (poll(&pfd, 1, VT_WAIT_MS) != 1)
		FAIL("the detaching thread did not start");
	vnet_plug_release();
	pthread_join(t, NULL);
	if (a.ret < 0)
		FAIL("VHOST_NET_SET_BACKEND(TX, -1): %s", vt_err(a.ret));
	/* Right after the detach: everything is used, nothing more comes. */
	if (vr_used_idx(vr) != vr->published)
		FAIL("after detach: used idx %u, %u chains were made available",
		     vr_used_idx(vr), vr->published);
	EXPECT_OK(vh_get_vring_base(n.fd, VNET_TX, &base));
	EXPECT_EQ(base, (unsigned int)vr->published);
	expect_used_in_order(&n, heads, ARRAY_SIZE(mixed));
}

/*
 * The owner dies while the stack holds frames sent by reference: the
 * process exits at once (its vhost-net device does not wait for them) and
 * the frames are freed later without harm.
 */
static void zerocopy_tx_owner_killed_with_frames_in_flight(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	int st, ready = vt_eventfd();
	struct pollfd pfd;
	struct vnet n, m;
	bool old;
	pid_t pid;

	vnet_plug_create();
	old = vnet_zcopy_param_set(true);	/* SKIP here rather than in the helper */
	pid = vt_fork();
	if (!pid) {
		zc_setup(&n, &o, true);
		vnet_plug_attach_tap(&n);
		send_mixed(&n, seed, NULL);
		vt_eventfd_signal(ready);
		for (;;)
			pause();
	}
	pfd = (struct pollfd){ .fd = ready, .events = POLLIN };
	if (poll(&pfd, 1, VT_WAIT_MS) != 1) {
		kill(pid, SIGKILL);
		FAIL("the owner did not send its frames (status %d)",
		     vt_wait_pid(pid, VT_WAIT_MS));
	}
	vnet_plug_wait_backlog(ARRAY_SIZE(mixed));
	kill(pid, SIGKILL);
	st = vt_wait_pid(pid, VT_WAIT_MS);
	if (st == -ETIMEDOUT)
		FAIL("the killed owner did not exit within %d ms while its frames sat in the stack",
		     VT_WAIT_MS);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		FAIL("the owner ended with status %#x before it was killed", st);
	/* The stack frees the frames now: their completions find no device. */
	vnet_plug_release();
	vnet_plug_wait_backlog(0);

	/* The module still works: a new device sends by reference again. */
	vnet_setup(&m, &o);
	vnet_zcopy_param_set(old);
	send_mixed(&m, seed, NULL);
	vnet_tx_complete(&m, ARRAY_SIZE(mixed), VT_WAIT_MS);
}

static const struct vt_case cases[] = {
	VT_CASE(zerocopy_tx_frames_of_every_size),
	VT_CASE(zerocopy_tx_tap_header_mode),
	VT_CASE(zerocopy_tx_used_in_ring_order),
	VT_CASE(zerocopy_tx_buffers_return_when_the_stack_frees_them),
	VT_CASE(copy_tx_buffers_return_at_once),
	VT_CASE(zerocopy_tx_detach_returns_every_chain),
	VT_CASE(zerocopy_tx_owner_killed_with_frames_in_flight),
};

VT_MAIN("net_zerocopy", cases)
