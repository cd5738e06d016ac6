// SPDX-License-Identifier: GPL-2.0
/*
 * ringbench: descriptor throughput of whatever driver serves
 * /dev/vhost-test (ours, or Linux's drivers/vhost/test.c built as a
 * module).  This program plays the guest driver: it keeps the ring full
 * of out-only, single-descriptor buffers (the only shape Linux's test
 * device accepts), kicks when the device asks for it, reaps the used
 * ring and sleeps on the call eventfd only when nothing is pending.
 *
 *   ringbench [-n RING] [-e 0|1] [-c DESCS] [-t SECONDS] [-l BUFLEN]
 *             [-w WARMUP] [-d]
 *
 * -n ring size (default 256), -e event idx off/on (default 0), -c
 * descriptors to complete in the timed part (default 2000000), -t upper
 * bound of the timed part in seconds (default 10), -l bytes per buffer
 * (default 64), -w descriptors completed before the clock starts (default
 * 4 ring fulls), -d with event idx ask for the interrupt only after 3/4
 * of the in-flight buffers were used (virtqueue_enable_cb_delayed style)
 * instead of after the next one.
 *
 * Prints one line of "key=value" fields; rate= is descriptors per
 * second.  Exit status 0, or 1 if the device misbehaved (stall, bad used
 * entry, error eventfd) - a slow device is not an error.
 */
#include "benchlib.h"

#include <glob.h>
#include <poll.h>

struct bench {
	unsigned int num;
	bool event_idx;
	bool delayed;
	uint64_t count;
	double max_secs;
	uint32_t buflen;
	uint64_t warmup;

	int fd;
	struct gmem mem;
	struct vring_drv vr;
	struct vt_buf buf;

	/* what the driver saw */
	uint64_t completed;	/* used entries reaped */
	uint64_t submitted;	/* buffers made available */
	uint64_t waits;		/* sleeps on the call eventfd */
};

static void setup(struct bench *b)
{
	uint64_t features = VT_F_VERSION_1;
	struct vring_cfg cfg = {
		.num = b->num,
		.event_idx = b->event_idx,
	};
	size_t ring_bytes;

	if (b->event_idx)
		features |= VT_F_EVENT_IDX;
	/* the three ring areas, page aligned each, plus the buffer */
	ring_bytes = 16u * b->num + 6 + 2u * b->num + 6 + 8u * b->num;
	b->fd = bench_open(vt_dev_path(), features, &b->mem,
			   ring_bytes + 4 * VT_PAGE + b->buflen + VT_PAGE);
	/* used_event is ours to move: see arm() */
	bench_setup_ring(b->fd, &b->mem, &b->vr, 0, &cfg);

	/*
	 * Every descriptor points at the same buffer: the device only reads
	 * its length (Linux's) or nothing at all (ours, out-only chains).
	 */
	b->buf.len = b->buflen;
	b->buf.addr = gmem_alloc(&b->mem, b->buflen, 64);
	memset(gmem_hva(&b->mem, b->buf.addr, b->buflen), 0x5a, b->buflen);

	/* interrupts off until we have to wait for one */
	if (!b->event_idx)
		vr_set_avail_flags(&b->vr, VRING_AVAIL_F_NO_INTERRUPT);

	/* both devices start with VHOST_TEST_RUN 1 (tools/virtio does so) */
	TRY(vh_test_run(b->fd, 1));
}

/* Make buffers available up to a full ring; kick if the device wants it. */
static void refill(struct bench *b, uint64_t limit)
{
	struct vring_drv *vr = &b->vr;
	bool added = false;

	while (b->submitted < limit && vr_in_flight(vr) < vr->num) {
		int head = vr_add(vr, &b->buf, 1, 0, 0, NULL);

		if (head < 0)
			die("vr_add: %s (in flight %u)", vt_err(head),
			    vr_in_flight(vr));
		b->submitted++;
		added = true;
	}
	if (added)
		vr_notify(vr);
}

static unsigned int reap(struct bench *b)
{
	unsigned int n = 0;
	struct vt_used u;
	int r;

	while ((r = vr_get_used(&b->vr, &u)) > 0) {
		if (u.len != 0)
			die("used entry for head %u has len %u, expected 0",
			    u.id, u.len);
		n++;
	}
	if (r < 0)
		die("used entry names head %u, which is not in flight", u.id);
	b->completed += n;
	return n;
}

/* Ask for an interrupt (after the next completion, or later with -d). */
static void arm(struct bench *b)
{
	struct vring_drv *vr = &b->vr;

	if (!b->event_idx) {
		vr_set_avail_flags(vr, 0);
		return;
	}
	if (b->delayed)
		vr_set_used_event(vr, (uint16_t)(vr->last_used +
						 vr_in_flight(vr) * 3 / 4));
	else
		vr_set_used_event(vr, vr->last_used);
}

static void disarm(struct bench *b)
{
	/* with event idx the used_event just passed stays behind: no calls */
	if (!b->event_idx)
		vr_set_avail_flags(&b->vr, VRING_AVAIL_F_NO_INTERRUPT);
}

/* What both sides of the ring say, for a stall report (stderr). */
static void dump_state(struct bench *b)
{
	struct vring_drv *vr = &b->vr;
	char path[128], text[1024];
	glob_t g;

	fprintf(stderr,
		"ringbench: ring %u event_idx %d: avail idx %u (kicked at %u), used idx %u, reaped %u, in flight %u, avail flags 0x%x, used_event %u, used flags 0x%x, avail_event %u, kicks %llu, calls %llu\n",
		b->num, b->event_idx, vr->published, vr->kicked,
		vr_used_idx(vr), vr->last_used, vr_in_flight(vr),
		vr_avail_flags(vr), vr_used_event(vr), vr_used_flags(vr),
		vr_avail_event(vr), (unsigned long long)vr->kicks,
		(unsigned long long)vr->calls);
	/* our device's counters, if it is ours (Linux's has none) */
	snprintf(path, sizeof(path), "/sys/kernel/debug/vhost/*-%d-*/vq0",
		 (int)getpid());
	if (!glob(path, 0, NULL, &g) && g.gl_pathc == 1 &&
	    vt_read_file(g.gl_pathv[0], text, sizeof(text)) > 0) {
		for (char *p = text; *p; p++)
			if (*p == '\n')
				*p = ' ';
		fprintf(stderr, "ringbench: %s: %s\n", g.gl_pathv[0], text);
	}
	globfree(&g);
}

static void wait_used(struct bench *b)
{
	struct pollfd p[2] = {
		{ .fd = b->vr.call_fd, .events = POLLIN },
		{ .fd = b->vr.err_fd, .events = POLLIN },
	};
	int r;

	arm(b);
	/* recheck after arming: completions that raced us got no call */
	if (vr_pending(&b->vr)) {
		disarm(b);
		return;
	}
	r = poll(p, 2, 10000);
	if (r < 0)
		die("poll: %s", strerror(errno));
	if (p[1].revents & POLLIN) {
		dump_state(b);
		die("the device signalled its error eventfd (ring stopped; see dmesg)");
	}
	if (r == 0 && !vr_pending(&b->vr)) {
		dump_state(b);
		die("device stalled: no completion for 10 s");
	}
	vr_drain_calls(&b->vr);
	b->waits++;
	disarm(b);
}

/* Run until @target completions (or @deadline); returns completions. */
static void run_until(struct bench *b, uint64_t target, double deadline)
{
	while (b->completed < target) {
		refill(b, target);
		if (reap(b))
			continue;
		if (deadline && now_s() >= deadline)
			break;
		wait_used(b);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ringbench [-n RING] [-e 0|1] [-c DESCS] [-t SECONDS] [-l BUFLEN] [-w WARMUP] [-d]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b = {
		.num = 256, .count = 2000000, .max_secs = 10, .buflen = 64,
		.warmup = UINT64_MAX,
	};
	uint64_t kicks0, calls0, waits0, done0;
	struct bench_kstat kw, ks0, ks1;
	char ks[BENCH_KS_TEXT];
	const struct bench_opt opts[] = {
		BENCH_OPT('n', b.num),
		BENCH_OPT('e', b.event_idx),
		BENCH_OPT('c', b.count),
		BENCH_OPT('t', b.max_secs),
		BENCH_OPT('l', b.buflen),
		BENCH_OPT('w', b.warmup),
		BENCH_FLAG('d', b.delayed, true),
	};
	double t0, t1, deadline;

	bench_init(argv[0]);
	if (!bench_getopt(argc, argv, opts, ARRAY_SIZE(opts)))
		usage();
	if (!bench_ring_size_ok(b.num) || !b.count || b.max_secs <= 0 ||
	    !b.buflen)
		usage();
	if (b.warmup == UINT64_MAX)
		b.warmup = 4ull * b.num;

	setup(&b);

	bench_kstat_init(&kw);
	/* warm-up: fault the ring in, let both sides reach a steady state */
	run_until(&b, b.warmup, 0);
	/* calls: every count the call eventfd took in the timed run */
	vr_drain_calls(&b.vr);
	bench_kstat_snap(&ks0, &kw);
	kicks0 = b.vr.kicks;
	calls0 = b.vr.calls;
	waits0 = b.waits;
	done0 = b.completed;

	t0 = now_s();
	deadline = t0 + b.max_secs;
	run_until(&b, b.warmup + b.count, deadline);
	t1 = now_s();
	vr_drain_calls(&b.vr);
	bench_kstat_snap(&ks1, &kw);

	bench_check_err(&b.vr, 1);
	TRY(vh_test_run(b.fd, 0));

	printf("ring=%u event_idx=%d descs=%llu secs=%.3f rate=%.0f",
	       b.num, b.event_idx, (unsigned long long)(b.completed - done0),
	       t1 - t0, (b.completed - done0) / (t1 - t0));
	printf(" kicks=%llu calls=%llu waits=%llu%s%s\n",
	       (unsigned long long)(b.vr.kicks - kicks0),
	       (unsigned long long)(b.vr.calls - calls0),
	       (unsigned long long)(b.waits - waits0),
	       b.completed - done0 < b.count ? " timebound=1" : "",
	       bench_kstat_fmt(ks, sizeof(ks), &ks0, &ks1));
	close(b.fd);
	gmem_destroy(&b.mem);
	return 0;
}
