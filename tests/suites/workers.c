// SPDX-License-Identifier: GPL-2.0
/*
 * suites/workers: VHOST_NEW_WORKER / FREE_WORKER / ATTACH_VRING_WORKER /
 * GET_VRING_WORKER, and that the ring keeps working on whatever worker
 * it is attached to.
 */
#include "vt.h"

#include <sys/resource.h>

static unsigned int new_worker(int fd)
{
	unsigned int id;

	EXPECT_OK(vh_new_worker(fd, &id));
	return id;
}

static unsigned int ring_worker(int fd)
{
	unsigned int id;

	EXPECT_OK(vh_get_vring_worker(fd, 0, &id));
	return id;
}

/*
 * Workers a device may have (ours): one per ring and one more. Linux has
 * no limit; where a case needs more than this many it frees one first.
 */
#define VT_WORKERS_MAX	(VT_NVQS + 1)

/* NEW_WORKER until the device refuses one (or @max succeed); how many did. */
static int new_workers_until_refused(int fd, unsigned int *id, int max,
				     long *err)
{
	int n;

	*err = 0;
	for (n = 0; n < max; n++) {
		*err = vh_new_worker(fd, &id[n]);
		if (*err < 0)
			break;
	}
	return n;
}

static void new_worker_returns_distinct_ids(void)
{
	int fd = vt_open_owned_fd();
	unsigned int id[9];
	long err;
	int n;

	EXPECT_OK(vh_get_vring_worker(fd, 0, &id[0]));
	n = 1 + new_workers_until_refused(fd, id + 1, 8, &err);
	if (err && err != -EBUSY)
		FAIL("NEW_WORKER -> %s", vt_err(err));
	CHECK(n >= 2, "no NEW_WORKER succeeded");
	for (int i = 1; i < n; i++)
		for (int j = 0; j < i; j++)
			if (id[i] == id[j])
				FAIL("worker id %u returned twice", id[i]);
}

static void get_vring_worker_returns_default_worker_after_set_owner(void)
{
	int fd = vt_open_owned_fd();
	unsigned int def = ring_worker(fd), n;

	n = new_worker(fd);
	if (n == def)
		FAIL("new worker got the default worker's id %u", def);
	EXPECT_EQ(ring_worker(fd), def);	/* unchanged until attached */
}

static void attach_then_get_returns_attached_worker(void)
{
	int fd = vt_open_owned_fd();
	unsigned int def = ring_worker(fd), a = new_worker(fd), b;

	EXPECT_OK(vh_attach_vring_worker(fd, 0, a));
	EXPECT_EQ(ring_worker(fd), a);
	EXPECT_OK(vh_free_worker(fd, def));	/* room for b */
	b = new_worker(fd);
	EXPECT_OK(vh_attach_vring_worker(fd, 0, b));
	EXPECT_EQ(ring_worker(fd), b);
	EXPECT_OK(vh_attach_vring_worker(fd, 0, a));
	EXPECT_EQ(ring_worker(fd), a);
}

static void free_worker_unknown_id_enodev(void)
{
	static const unsigned int bad[] = { 12345, 0x7fffffff, ~0u };
	int fd = vt_open_owned_fd();

	new_worker(fd);
	EXPECT_ERR_EACH(v, bad, vh_free_worker(fd, v), ENODEV);
}

static void free_worker_attached_to_ring_ebusy(void)
{
	int fd = vt_open_owned_fd();
	unsigned int w = new_worker(fd);

	EXPECT_OK(vh_attach_vring_worker(fd, 0, w));
	EXPECT_ERR(vh_free_worker(fd, w), EBUSY);
	EXPECT_EQ(ring_worker(fd), w);
}

static void free_default_worker_while_attached_ebusy(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_ERR(vh_free_worker(fd, ring_worker(fd)), EBUSY);
}

static void free_unattached_worker_then_its_id_is_unknown(void)
{
	int fd = vt_open_owned_fd();
	unsigned int w = new_worker(fd);

	EXPECT_OK(vh_free_worker(fd, w));
	EXPECT_ERR(vh_free_worker(fd, w), ENODEV);
	EXPECT_ERR(vh_attach_vring_worker(fd, 0, w), ENODEV);
}

static void attach_vring_worker_unknown_id_enodev(void)
{
	int fd = vt_open_owned_fd();
	unsigned int def = ring_worker(fd);

	EXPECT_ERR(vh_attach_vring_worker(fd, 0, 99999), ENODEV);
	EXPECT_EQ(ring_worker(fd), def);
}

static void previous_worker_freeable_after_ring_moves(void)
{
	struct vt_dev d;
	unsigned int def, w;

	vt_setup(&d, NULL);
	def = ring_worker(d.fd);
	w = new_worker(d.fd);
	EXPECT_OK(vh_attach_vring_worker(d.fd, 0, w));
	EXPECT_OK(vh_free_worker(d.fd, def));
	for (int i = 0; i < 5; i++)
		vt_roundtrip(&d, 400, 400, 0);
}

static void ring_processed_after_attach_before_start(void)
{
	struct vt_opts o = { .no_start = true };
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_OK(vh_attach_vring_worker(d.fd, 0, new_worker(d.fd)));
	vt_start(&d);
	for (int i = 0; i < 10; i++)
		vt_roundtrip(&d, 1000, 1000, i & 1 ? VR_INDIRECT : 0);
}

static void ring_processed_after_attach_while_running(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 100, 100, 0);
	EXPECT_OK(vh_attach_vring_worker(d.fd, 0, new_worker(d.fd)));
	for (int i = 0; i < 10; i++)
		vt_roundtrip(&d, 1000, 1000, 0);
}

/* Buffers in flight while the ring hops between workers: none lost. */
static void ring_hops_between_workers_under_traffic(void)
{
	struct vt_opts o = { .num = 256 };
	unsigned int w[VT_WORKERS_MAX];
	struct vt_dev d;
	uint32_t len = 512;
	size_t brk;

	vt_setup(&d, &o);
	brk = d.mem.brk;
	w[0] = ring_worker(d.fd);
	for (int i = 1; i < VT_WORKERS_MAX; i++)
		w[i] = new_worker(d.fd);
	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < 32; i++)
			vt_xfer_add(&d.vr, vt_xfer_new(&d.mem, 1, &len, 1, &len,
						       8, round * 32 + i), 0);
		vr_publish_kick(&d.vr);
		EXPECT_OK(vh_attach_vring_worker(d.fd, 0,
						 w[round % VT_WORKERS_MAX]));
		vr_kick(&d.vr);
		vt_collect(&d.vr, 32, VT_WAIT_MS);
		d.mem.brk = brk;	/* reuse buffer space */
	}
	vt_expect_no_ring_error(&d);
}

static void many_workers_created_and_freed(void)
{
	int fd = vt_open_owned_fd();
	unsigned int id[64];

	for (int round = 0; round < 64; round++) {
		long err;
		int n = new_workers_until_refused(fd, id, 64, &err);

		if (err && err != -EBUSY)
			FAIL("NEW_WORKER -> %s", vt_err(err));
		CHECK(n >= 1, "no NEW_WORKER succeeded in round %d", round);
		for (int i = 0; i < n; i++)
			EXPECT_OK(vh_free_worker(fd, id[i]));
	}
}

/*
 * Ours only (Linux has no limit): NEW_WORKER succeeds until the device has
 * nvqs + 1 workers, the default one included; the next gets -EBUSY.
 */
static void new_worker_past_limit_ebusy(int fd)
{
	unsigned int id[64];
	long err;
	int n = new_workers_until_refused(fd, id, 64, &err);

	if (n != VT_WORKERS_MAX - 1)
		FAIL("%d NEW_WORKER succeeded (then %s), expected %d then -EBUSY",
		     n, vt_err(err), VT_WORKERS_MAX - 1);
	EXPECT_ERR(err, EBUSY);
	EXPECT_ERR(vh_new_worker(fd, &id[n]), EBUSY);
}

static void new_worker_past_nvqs_plus_one_ebusy(void)
{
	new_worker_past_limit_ebusy(vt_open_owned_fd());
}

/* Ours only: a freed worker's place can be taken again, and only once. */
static void free_worker_makes_room_for_one_more(void)
{
	int fd = vt_open_owned_fd();
	unsigned int def = ring_worker(fd), id[VT_WORKERS_MAX], again, no;

	for (int i = 0; i < VT_WORKERS_MAX - 1; i++)
		id[i] = new_worker(fd);
	EXPECT_ERR(vh_new_worker(fd, &no), EBUSY);
	EXPECT_OK(vh_free_worker(fd, id[0]));
	again = new_worker(fd);
	EXPECT_ERR(vh_new_worker(fd, &no), EBUSY);
	/* the default worker counts too, once the ring has left it */
	EXPECT_OK(vh_attach_vring_worker(fd, 0, again));
	EXPECT_OK(vh_free_worker(fd, def));
	new_worker(fd);
	EXPECT_ERR(vh_new_worker(fd, &no), EBUSY);
}

/* An fd whose workers are kernel threads (the only kind on 6.1). */
static int open_kthread_owned_fd(void)
{
	int fd = vt_open_fd();
	long r = vh_set_fork_owner(fd, VHOST_FORK_OWNER_KTHREAD);

	if (r == -ENOTTY)
		SKIP("no VHOST_SET_FORK_FROM_OWNER");
	EXPECT_OK(r);
	EXPECT_OK(vh_set_owner(fd));
	return fd;
}

/* Ours only: kernel threads are limited the same way. */
static void kthread_new_worker_past_nvqs_plus_one_ebusy(void)
{
	new_worker_past_limit_ebusy(open_kthread_owned_fd());
}

static void kthread_free_worker_makes_room_for_one_more(void)
{
	int fd = open_kthread_owned_fd();
	unsigned int id[VT_WORKERS_MAX], again;

	for (int i = 0; i < VT_WORKERS_MAX - 1; i++)
		id[i] = new_worker(fd);
	EXPECT_ERR(vh_new_worker(fd, &again), EBUSY);
	EXPECT_OK(vh_free_worker(fd, id[0]));
	new_worker(fd);
	EXPECT_ERR(vh_new_worker(fd, &again), EBUSY);
}

/*
 * Ours only: a kernel thread is not counted against the caller's
 * RLIMIT_NPROC (kthreadd forks it), so NEW_WORKER refuses one, -EAGAIN as
 * fork() would, to a user already at the limit. The helper takes ownership
 * (the default worker is not refused) as root, then drops root.
 */
static int kthread_worker_at_nproc_limit(void *arg)
{
	struct rlimit one = { 1, 1 };
	int fd = *(int *)arg;
	unsigned int id;
	long r;

	if (vh_set_owner(fd) < 0)
		return 101;
	if (setrlimit(RLIMIT_NPROC, &one) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return 100;
	r = vh_new_worker(fd, &id);
	return r == -EAGAIN ? 0 : r < 0 ? (int)-r : 99;
}

static void kthread_new_worker_at_rlimit_nproc_eagain(void)
{
	int fd = vt_open_fd();
	long r = vh_set_fork_owner(fd, VHOST_FORK_OWNER_KTHREAD);
	int st;

	if (r == -ENOTTY)
		SKIP("no VHOST_SET_FORK_FROM_OWNER");
	EXPECT_OK(r);
	st = vt_run_in_child(kthread_worker_at_nproc_limit, &fd, VT_WAIT_MS);
	if (st == 100)
		SKIP("cannot drop root or set RLIMIT_NPROC");
	if (st == 101)
		FAIL("SET_OWNER failed in the helper");
	if (st == 99)
		FAIL("NEW_WORKER succeeded for a user at RLIMIT_NPROC");
	if (st)
		FAIL("NEW_WORKER at RLIMIT_NPROC -> %s (helper status %d), expected -EAGAIN",
		     st > 0 ? vt_err(-st) : "?", st);
}

static void device_release_with_extra_workers_attached(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_OK(vh_attach_vring_worker(d.fd, 0, new_worker(d.fd)));
	vt_roundtrip(&d, 64, 64, 0);
	close(d.fd);
	vt_setup(&d, NULL);
	vt_roundtrip(&d, 64, 64, 0);
}

static const struct vt_case cases[] = {
	VT_CASE(new_worker_returns_distinct_ids),
	VT_CASE(get_vring_worker_returns_default_worker_after_set_owner),
	VT_CASE(attach_then_get_returns_attached_worker),
	VT_CASE(free_worker_unknown_id_enodev),
	VT_CASE(free_worker_attached_to_ring_ebusy),
	VT_CASE(free_default_worker_while_attached_ebusy),
	VT_CASE(free_unattached_worker_then_its_id_is_unknown),
	VT_CASE(attach_vring_worker_unknown_id_enodev),
	VT_CASE(previous_worker_freeable_after_ring_moves),
	VT_CASE(ring_processed_after_attach_before_start),
	VT_CASE(ring_processed_after_attach_while_running),
	VT_CASE(ring_hops_between_workers_under_traffic),
	VT_CASE(many_workers_created_and_freed),
	VT_CASE(device_release_with_extra_workers_attached),
	VT_CASE(new_worker_past_nvqs_plus_one_ebusy),
	VT_CASE(free_worker_makes_room_for_one_more),
	VT_CASE(kthread_new_worker_past_nvqs_plus_one_ebusy),
	VT_CASE(kthread_free_worker_makes_room_for_one_more),
	VT_CASE(kthread_new_worker_at_rlimit_nproc_eagain),
};

VT_MAIN("workers", cases)
