// SPDX-License-Identifier: GPL-2.0
/*
 * suites/eventidx: when the device signals the call eventfd and when it asks
 * for kicks: VRING_AVAIL_F_NO_INTERRUPT, VIRTIO_F_NOTIFY_ON_EMPTY,
 * VIRTIO_RING_F_EVENT_IDX (used_event / avail_event).
 *
 * Counting calls without races.  A measurement runs on a fresh call
 * eventfd (measure_begin rebinds VHOST_SET_VRING_CALL) and ends by
 * rebinding again (measure_end): the rebind takes the ring's lock, which
 * the device holds while it completes buffers and signals, so once it
 * returns every signal for the buffers seen used went to the measured
 * eventfd, and later ones cannot.  The ring is never restarted inside a
 * measurement: a device may (as Linux does) always signal the first used
 * buffer after a (re)start, which is why the measured window begins after
 * a warm-up buffer.
 */
#include "vt.h"

#define FEAT_PLAIN	(VT_F_VERSION_1)
#define FEAT_EVIDX	(VT_F_VERSION_1 | VT_F_EVENT_IDX)

/*
 * Fence: switch the ring to a fresh call eventfd.  Returns the calls the
 * previous one received since the last switch.
 */
static uint64_t measure_end(struct vt_dev *d)
{
	int old = d->vr.call_fd;
	uint64_t n;

	d->vr.call_fd = vt_eventfd();
	EXPECT_OK(vh_set_vring_call(d->fd, 0, d->vr.call_fd));
	n = d->vr.calls + vt_eventfd_drain(old);
	close(old);
	d->vr.calls = 0;
	return n;
}

static void measure_begin(struct vt_dev *d)
{
	measure_end(d);
}

/* wait until at least one call arrived in the current window */
static bool wait_a_call(struct vt_dev *d)
{
	uint64_t deadline = vt_now_ms() + VT_WAIT_MS;

	vr_drain_calls(&d->vr);
	while (!d->vr.calls) {
		uint64_t now = vt_now_ms();

		if (now >= deadline)
			return false;
		vr_wait_call(&d->vr, (int)(deadline - now));
	}
	return true;
}

/* one buffer through after start: the ring's "first signal" is spent */
static void setup(struct vt_dev *d, uint64_t features, uint16_t base)
{
	struct vt_opts o = { .features = features, .base = base, .num = 64 };

	vt_setup(d, &o);
	d->vr.manual_used_event = true;
	vr_set_used_event(&d->vr, d->vr.last_used);
	vt_roundtrip(d, 16, 16, 0);
	measure_begin(d);
}

/* queue one 1-out/1-in chain, kick, wait until it is used (not consumed) */
static void push_one(struct vt_dev *d)
{
	uint32_t len = 32;
	struct vt_xfer *x = vt_xfer_new(&d->mem, 1, &len, 1, &len, 8, 3);
	unsigned int before = vr_pending(&d->vr);

	vt_xfer_add(&d->vr, x, 0);
	vr_publish_kick(&d->vr);
	if (vr_wait_used(&d->vr, before + 1, VT_WAIT_MS) < 0)
		FAIL("buffer not used within %d ms", VT_WAIT_MS);
}

static void consume_all(struct vt_dev *d)
{
	vt_collect(&d->vr, vr_pending(&d->vr), VT_WAIT_MS);
}

static void expect_calls(struct vt_dev *d, uint64_t want, const char *what)
{
	uint64_t n = measure_end(d);

	if (n != want)
		FAIL("%llu call(s) %s, expected %llu", (unsigned long long)n,
		     what, (unsigned long long)want);
}

/* ------------------------------------------------------------------ */

static void call_signalled_after_each_buffer_without_event_idx(void)
{
	struct vt_dev d;

	setup(&d, FEAT_PLAIN, 0);
	for (int i = 0; i < 5; i++) {
		push_one(&d);
		if (!wait_a_call(&d))
			FAIL("no call for buffer %d", i);
		consume_all(&d);
		measure_begin(&d);
	}
}

static void no_interrupt_flag_suppresses_call(void)
{
	struct vt_dev d;

	setup(&d, FEAT_PLAIN, 0);
	vr_set_avail_flags(&d.vr, VRING_AVAIL_F_NO_INTERRUPT);
	measure_begin(&d);
	for (int i = 0; i < 3; i++)
		push_one(&d);
	expect_calls(&d, 0, "with VRING_AVAIL_F_NO_INTERRUPT set");
	consume_all(&d);

	/* and calls come back once the flag is cleared */
	vr_set_avail_flags(&d.vr, 0);
	push_one(&d);
	if (!wait_a_call(&d))
		FAIL("no call after clearing VRING_AVAIL_F_NO_INTERRUPT");
}

static void notify_on_empty_overrides_no_interrupt(void)
{
	struct vt_dev d;

	setup(&d, FEAT_PLAIN | VT_F_NOTIFY_ON_EMPTY, 0);
	vr_set_avail_flags(&d.vr, VRING_AVAIL_F_NO_INTERRUPT);
	measure_begin(&d);
	push_one(&d);
	if (!wait_a_call(&d))
		FAIL("no call when the ring went empty with VIRTIO_F_NOTIFY_ON_EMPTY");
}

static void event_idx_call_suppressed_until_used_event(void)
{
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 0);
	/* next entry is last_used; ask for a call only at the one after */
	vr_set_used_event(&d.vr, (uint16_t)(d.vr.last_used + 1));
	measure_begin(&d);
	push_one(&d);		/* entry last_used: no call */
	expect_calls(&d, 0, "for an entry before used_event");
	push_one(&d);		/* entry last_used + 1: call */
	expect_calls(&d, 1, "for the entry at used_event");
}

static void event_idx_call_when_used_event_crossed_in_a_batch(void)
{
	uint32_t len = 24;
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 0);
	vr_set_used_event(&d.vr, (uint16_t)(d.vr.last_used + 2));
	measure_begin(&d);
	for (int i = 0; i < 4; i++)
		vt_xfer_add(&d.vr, vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, i),
			    0);
	vr_publish_kick(&d.vr);
	if (vr_wait_used(&d.vr, 4, VT_WAIT_MS) < 0)
		FAIL("batch of 4 not used");
	expect_calls(&d, 1, "for a batch crossing used_event");
}

static void event_idx_no_call_while_used_event_far_ahead(void)
{
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 0);
	vr_set_used_event(&d.vr, (uint16_t)(d.vr.last_used + 1000));
	measure_begin(&d);
	for (int i = 0; i < 10; i++)
		push_one(&d);
	expect_calls(&d, 0, "with used_event 1000 entries ahead");
}

static void event_idx_ignores_no_interrupt_flag(void)
{
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 0);
	vr_set_avail_flags(&d.vr, VRING_AVAIL_F_NO_INTERRUPT);
	vr_set_used_event(&d.vr, d.vr.last_used);
	measure_begin(&d);
	push_one(&d);
	if (!wait_a_call(&d))
		FAIL("no call at used_event: with EVENT_IDX the flags field must be ignored");
}

static void event_idx_suppression_across_index_wrap(void)
{
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 0xfffe);	/* warm-up used entry 0xfffe */
	EXPECT_EQ(d.vr.last_used, 0xffff);
	vr_set_used_event(&d.vr, 0);	/* call for entry 0, after the wrap */
	measure_begin(&d);
	push_one(&d);			/* entry 0xffff */
	expect_calls(&d, 0, "for entry 0xffff with used_event 0");
	push_one(&d);			/* entry 0 */
	expect_calls(&d, 1, "for entry 0 with used_event 0");
}

/*
 * Nothing used, nothing to signal: kicks that find the ring empty, and
 * (re)starting an empty ring, must not raise the call eventfd (Linux's
 * devices only signal after adding used entries).  The ring is stopped
 * before counting: stopping waits for queued and running work.
 */
static void no_call_without_used_buffers(uint64_t features)
{
	struct vt_dev d;
	uint64_t n;

	setup(&d, features, 0);
	consume_all(&d);
	vt_stop(&d);
	measure_begin(&d);
	vt_start(&d);
	for (int i = 0; i < 3; i++)
		vr_kick(&d.vr);
	vt_stop(&d);
	n = measure_end(&d);
	if (n)
		FAIL("%llu call(s) although no buffer was used (restart + 3 kicks on an empty ring)",
		     (unsigned long long)n);
}

static void no_call_without_used_buffers_without_event_idx(void)
{
	no_call_without_used_buffers(FEAT_PLAIN);
}

static void no_call_without_used_buffers_with_event_idx(void)
{
	no_call_without_used_buffers(FEAT_EVIDX);
}

static void event_idx_device_publishes_avail_event(void)
{
	struct vt_dev d;

	setup(&d, FEAT_EVIDX, 100);
	for (int i = 0; i < 5; i++) {
		push_one(&d);
		vt_stop(&d);	/* idle: the handler has finished */
		if (vr_avail_event(&d.vr) != d.vr.published)
			FAIL("idle device: avail_event %u, avail idx %u",
			     vr_avail_event(&d.vr), d.vr.published);
		vt_start(&d);
	}
}

static void no_event_idx_kicks_enabled_when_idle(void)
{
	struct vt_dev d;

	setup(&d, FEAT_PLAIN, 0);
	for (int i = 0; i < 5; i++) {
		push_one(&d);
		vt_stop(&d);
		if (vr_used_flags(&d.vr) & VRING_USED_F_NO_NOTIFY)
			FAIL("idle device leaves VRING_USED_F_NO_NOTIFY set");
		vt_start(&d);
	}
}

/*
 * A driver that kicks only when the device asks (avail_event, or
 * VRING_USED_F_NO_NOTIFY) must never stall: the device has to pick up
 * everything published while it said "don't kick".
 */
static void driver_kicking_only_on_request_never_stalls(uint64_t features)
{
	struct vt_opts o = { .features = features, .num = 128 };
	unsigned int sent = 0, done = 0, want = 5000, kicks = 0;
	struct vt_xfer *pool[32];
	struct vt_used u;
	struct vt_dev d;

	vt_setup(&d, &o);
	for (int i = 0; i < 32; i++) {
		uint32_t l = 16 + i;

		pool[i] = vt_xfer_new(&d.mem, 1, &l, 1, &l, 8, i);
	}
	while (done < want) {
		int r;

		while (sent < want && sent - done < 32) {
			struct vt_xfer *x = pool[sent % 32];

			vt_xfer_fill(x, sent);
			vt_xfer_add(&d.vr, x, 0);
			sent++;
			if (vr_notify(&d.vr))
				kicks++;
		}
		if (vr_wait_used(&d.vr, 1, VT_WAIT_MS) < 0)
			FAIL("stalled: %u of %u done, %u sent, %u kicks, avail_event %u, used flags 0x%x",
			     done, want, sent, kicks, vr_avail_event(&d.vr),
			     vr_used_flags(&d.vr));
		while ((r = vr_get_used(&d.vr, &u)) > 0) {
			vt_xfer_verify(u.cookie, &u);
			done++;
		}
		if (r < 0)
			FAIL("bogus used id %u", u.id);
	}
	vt_log("%u buffers with %u kicks", want, kicks);
}

static void event_idx_driver_honouring_avail_event_never_stalls(void)
{
	driver_kicking_only_on_request_never_stalls(FEAT_EVIDX);
}

static void no_event_idx_driver_honouring_no_notify_never_stalls(void)
{
	driver_kicking_only_on_request_never_stalls(FEAT_PLAIN);
}

static const struct vt_case cases[] = {
	VT_CASE(call_signalled_after_each_buffer_without_event_idx),
	VT_CASE(no_interrupt_flag_suppresses_call),
	VT_CASE(notify_on_empty_overrides_no_interrupt),
	VT_CASE(event_idx_call_suppressed_until_used_event),
	VT_CASE(event_idx_call_when_used_event_crossed_in_a_batch),
	VT_CASE(event_idx_no_call_while_used_event_far_ahead),
	VT_CASE(event_idx_ignores_no_interrupt_flag),
	VT_CASE(event_idx_suppression_across_index_wrap),
	VT_CASE(no_call_without_used_buffers_without_event_idx),
	VT_CASE(no_call_without_used_buffers_with_event_idx),
	VT_CASE(event_idx_device_publishes_avail_event),
	VT_CASE(no_event_idx_kicks_enabled_when_idle),
	VT_CASE_T(event_idx_driver_honouring_avail_event_never_stalls, 120),
	VT_CASE_T(no_event_idx_driver_honouring_no_notify_never_stalls, 120),
};

VT_MAIN("eventidx", cases)
