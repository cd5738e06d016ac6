// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side check of the test library, no kernel needed: a tiny
 * userspace "device" thread consumes the ring the driver builds
 * (loopback out -> in, used ring, call suppression), so the driver, the
 * transfer checks and the harness can be verified before any VM run.
 *
 * The fake device is deliberately minimal and trusts its input.
 */
#include "vt.h"

#include <endian.h>
#include <poll.h>
#include <pthread.h>

struct fakedev {
	struct vring_drv *vr;
	struct gmem *mem;
	pthread_t thread;
	int stop_fd;
	uint16_t last_avail;
	uint16_t signalled;	/* used idx at the last call */
	bool signalled_valid;
	bool notify_on_empty;
	unsigned int chains;
};

struct fd_iov {
	uint8_t *p;
	uint32_t len;
	bool write;
};

static uint16_t rd16(const void *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static void wr16(void *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

static unsigned int walk(struct fakedev *f, const struct vring_desc *table,
			 unsigned int n, uint16_t i, struct fd_iov *iov,
			 unsigned int cnt)
{
	for (;;) {
		const struct vring_desc *d = &table[i];
		uint16_t fl = le16toh(d->flags);

		if (fl & VRING_DESC_F_INDIRECT) {
			const struct vring_desc *t =
				gmem_hva(f->mem, le64toh(d->addr),
					 le32toh(d->len));

			cnt = walk(f, t, le32toh(d->len) / 16, 0, iov, cnt);
		} else {
			iov[cnt].p = gmem_hva(f->mem, le64toh(d->addr),
					      le32toh(d->len));
			iov[cnt].len = le32toh(d->len);
			iov[cnt].write = fl & VRING_DESC_F_WRITE;
			cnt++;
		}
		if (!(fl & VRING_DESC_F_NEXT))
			return cnt;
		i = le16toh(d->next);
		if (i >= n)
			return cnt;
	}
}

static uint32_t loopback(struct fd_iov *iov, unsigned int cnt)
{
	unsigned int o = 0, w = 0;
	uint32_t ob = 0, wb = 0, total = 0;

	for (;;) {
		while (o < cnt && (iov[o].write || ob == iov[o].len)) {
			o++;
			ob = 0;
		}
		while (w < cnt && (!iov[w].write || wb == iov[w].len)) {
			w++;
			wb = 0;
		}
		if (o >= cnt || w >= cnt)
			return total;
		iov[w].p[wb++] = iov[o].p[ob++];
		total++;
	}
}

static void fake_signal(struct fakedev *f, uint16_t old, uint16_t new_idx)
{
	struct vring_drv *vr = f->vr;
	bool notify;
	uint8_t *avail = vr->avail;

	if (f->notify_on_empty && rd16(avail + 2) == f->last_avail) {
		notify = true;
	} else if (vr->event_idx) {
		uint16_t ev = rd16(avail + 4 + 2 * vr->num);

		notify = !f->signalled_valid ||
			 vr_need_event(ev, new_idx, f->signalled);
	} else {
		notify = !(rd16(avail) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	(void)old;
	if (notify) {
		f->signalled = new_idx;
		f->signalled_valid = true;
		vt_eventfd_signal(vr->call_fd);
	}
}

static void fake_process(struct fakedev *f)
{
	struct vring_drv *vr = f->vr;
	struct fd_iov iov[64];

	for (;;) {
		uint16_t avail_idx = rd16(vr->avail + 2);
		uint16_t used_idx = rd16(vr->used + 2), old = used_idx;

		if (avail_idx == f->last_avail) {
			if (vr->event_idx)
				wr16(vr->used + 4 + 8 * vr->num, avail_idx);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			if (rd16(vr->avail + 2) == f->last_avail)
				return;
			continue;
		}
		while (f->last_avail != avail_idx) {
			uint16_t head = rd16(vr->avail + 4 +
					     2 * (f->last_avail % vr->num));
			unsigned int cnt = walk(f, vr->desc, vr->num, head,
						iov, 0);
			uint32_t len = loopback(iov, cnt);
			uint32_t *e = (uint32_t *)(vr->used + 4 +
						   8 * (used_idx % vr->num));

			e[0] = htole32(head);
			e[1] = htole32(len);
			used_idx++;
			f->last_avail++;
			f->chains++;
		}
		wr16(vr->used + 2, used_idx);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		fake_signal(f, old, used_idx);
	}
}

static void *fake_main(void *arg)
{
	struct fakedev *f = arg;
	struct pollfd p[2] = {
		{ .fd = f->vr->kick_fd, .events = POLLIN },
		{ .fd = f->stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			return NULL;
		vt_eventfd_drain(f->vr->kick_fd);
		fake_process(f);
	}
}

static void fake_start(struct fakedev *f, struct vring_drv *vr,
		       struct gmem *mem, uint16_t base)
{
	memset(f, 0, sizeof(*f));
	f->vr = vr;
	f->mem = mem;
	f->last_avail = base;
	f->stop_fd = vt_eventfd();
	pthread_create(&f->thread, NULL, fake_main, f);
}

static void fake_stop(struct fakedev *f)
{
	vt_eventfd_signal(f->stop_fd);
	pthread_join(f->thread, NULL);
}

/* ------------------------------------------------------------------ */

static void setup(struct gmem *m, struct vring_drv *vr, unsigned int num,
		  uint16_t base, bool event_idx)
{
	struct vring_cfg cfg = {
		.num = num, .base = base, .ind_max = 8, .event_idx = event_idx,
	};

	gmem_init(m, GMEM_DEFAULT_GPA, 8u << 20);
	vr_init(vr, m, &cfg);
}

static void gmem_translates_both_ways(void)
{
	struct gmem m;
	uint64_t a;
	uint8_t *p;

	gmem_init(&m, 0x100000000ull, 3 * VT_PAGE + 1);
	EXPECT_EQ(m.size, 4 * VT_PAGE);
	CHECK(gmem_hva(&m, m.gpa, 1) == m.hva, "base translation");
	CHECK(gmem_hva(&m, m.gpa + m.size - 1, 1) == m.hva + m.size - 1,
	      "last byte");
	CHECK(!gmem_hva(&m, m.gpa + m.size - 1, 2), "straddling end");
	CHECK(!gmem_hva(&m, m.gpa - 1, 1), "below base");
	CHECK(!gmem_hva(&m, ~0ull, 2), "wrap");
	p = gmem_alloc_p(&m, 10, 64, &a);
	EXPECT_EQ(a % 64, 0);
	EXPECT_EQ(gmem_gpa(&m, p), a);
	CHECK(gmem_canaries_intact(&m, NULL), "fresh canaries");
	m.hva[m.size] = 0;
	CHECK(!gmem_canaries_intact(&m, NULL), "canary change not seen");
}

static void need_event_matches_spec(void)
{
	CHECK(vr_need_event(0, 1, 0), "first entry");
	CHECK(!vr_need_event(1, 1, 0), "event not yet crossed");
	CHECK(vr_need_event(1, 2, 0), "event crossed in batch");
	CHECK(vr_need_event(0xffff, 0, 0xfffe), "across wrap");
	CHECK(!vr_need_event(5, 3, 1), "before event");
}

static void fake_roundtrip_direct_and_indirect(void)
{
	static const uint32_t ol[] = { 7, 13, 100 }, il[] = { 5, 50, 1, 64 };
	struct fakedev f;
	struct vring_drv vr;
	struct vt_xfer *x[4];
	struct gmem m;

	setup(&m, &vr, 16, 0, false);
	fake_start(&f, &vr, &m, 0);
	x[0] = vt_xfer_new(&m, 3, ol, 4, il, 1, 1);
	x[1] = vt_xfer_new(&m, 3, ol, 4, il, 1, 2);
	x[2] = vt_xfer_new(&m, 1, ol, 0, il, 1, 3);
	x[3] = vt_xfer_new(&m, 1, il + 3, 1, ol + 2, 1, 4);
	vt_xfer_add(&vr, x[0], 0);
	vt_xfer_add(&vr, x[1], VR_INDIRECT);
	vt_xfer_add(&vr, x[2], 0);
	vt_xfer_add(&vr, x[3], VR_INDIRECT);
	vr_publish_kick(&vr);
	vt_collect(&vr, 4, 2000);
	EXPECT_EQ(vr.num_free, 16);
	fake_stop(&f);
}

static void fake_full_ring_wraps(void)
{
	unsigned int num = 64;
	uint32_t len = 16;
	struct vt_xfer *x[64];
	struct fakedev f;
	struct vring_drv vr;
	struct gmem m;

	setup(&m, &vr, num, 65500, false);
	fake_start(&f, &vr, &m, 65500);
	for (unsigned int i = 0; i < num; i++)
		x[i] = vt_xfer_new(&m, 1, &len, 1, &len, 8, i);
	/* odd rounds: num indirect chains; even: num/2 direct 2-desc chains */
	for (int round = 0; round < 5; round++) {
		unsigned int n = (round & 1) ? num : num / 2;

		for (unsigned int i = 0; i < n; i++) {
			vt_xfer_fill(x[i], round * 1000 + i);
			vt_xfer_add(&vr, x[i], (round & 1) ? VR_INDIRECT : 0);
		}
		vr_publish_kick(&vr);
		vt_collect(&vr, n, 2000);
	}
	EXPECT_EQ(vr.last_used, (uint16_t)(65500 + 3 * num / 2 + 2 * num));
	fake_stop(&f);
}

static void fake_event_idx_suppresses(void)
{
	uint32_t len = 8;
	struct fakedev f;
	struct vring_drv vr;
	struct vt_xfer *x;
	struct gmem m;

	setup(&m, &vr, 16, 0, true);
	vr.manual_used_event = true;
	fake_start(&f, &vr, &m, 0);
	x = vt_xfer_new(&m, 1, &len, 1, &len, 8, 1);
	/* used_event = 1: no call for entry 0, a call for entry 1 */
	vr_set_used_event(&vr, 1);
	f.signalled_valid = true;
	vt_xfer_add(&vr, x, 0);
	vr_publish_kick(&vr);
	vt_collect(&vr, 1, 2000);
	vt_xfer_add(&vr, x, 0);
	vr_publish_kick(&vr);
	vt_collect(&vr, 1, 2000);
	fake_stop(&f);
	vr_drain_calls(&vr);
	EXPECT_EQ(vr.calls, 1);
}

static void harness_demo_fail(void)
{
	FAIL("expected failure %d", 42);
}

static void harness_demo_skip(void)
{
	SKIP("expected skip");
}

static void harness_demo_crash(void)
{
	volatile int *p = NULL;

	*p = 1;
}

static void harness_demo_timeout(void)
{
	vt_poll_in(vt_eventfd(), -1);
}

static const struct vt_case cases[] = {
	VT_CASE(gmem_translates_both_ways),
	VT_CASE(need_event_matches_spec),
	VT_CASE(fake_roundtrip_direct_and_indirect),
	VT_CASE(fake_full_ring_wraps),
	VT_CASE(fake_event_idx_suppresses),
	/* run only by name, from `make host-check` */
	VT_CASE(harness_demo_fail),
	VT_CASE(harness_demo_skip),
	VT_CASE(harness_demo_crash),
	VT_CASE_T(harness_demo_timeout, 1),
};

VT_MAIN("libselftest", cases)
