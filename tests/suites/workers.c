// SPDX-License-Identifier: GPL-2.0
/*
 * core/workers: VHOST_NEW_WORKER / FREE_WORKER / ATTACH_VRING_WORKER /
 * GET_VRING_WORKER, and that the ring keeps working on whatever worker
 * it is attached to.
 */
#include "vt.h"

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

static void new_worker_returns_distinct_ids(void)
{
	int fd = vt_open_owned_fd();
	unsigned int id[8];

	for (int i = 0; i < 8; i++) {
		id[i] = new_worker(fd);
		for (int j = 0; j < i; j++)
			if (id[i] == id[j])
				FAIL("worker id %u returned twice", id[i]);
	}
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
	unsigned int a = new_worker(fd), b = new_worker(fd);

	EXPECT_OK(vh_attach_vring_worker(fd, 0, a));
	EXPECT_EQ(ring_worker(fd), a);
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
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		long r = vh_free_worker(fd, bad[i]);

		if (r != -ENODEV)
			FAIL("FREE_WORKER(%u) -> %s, expected -ENODEV", bad[i],
			     vt_err(r));
	}
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
	unsigned int w[3];
	struct vt_dev d;
	uint32_t len = 512;
	size_t brk;

	vt_setup(&d, &o);
	brk = d.mem.brk;
	w[0] = ring_worker(d.fd);
	w[1] = new_worker(d.fd);
	w[2] = new_worker(d.fd);
	for (int round = 0; round < 30; round++) {
		for (int i = 0; i < 32; i++)
			vt_xfer_add(&d.vr, vt_xfer_new(&d.mem, 1, &len, 1, &len,
						       8, round * 32 + i), 0);
		vr_publish_kick(&d.vr);
		EXPECT_OK(vh_attach_vring_worker(d.fd, 0, w[round % 3]));
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

	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 64; i++)
			id[i] = new_worker(fd);
		for (int i = 0; i < 64; i++)
			EXPECT_OK(vh_free_worker(fd, id[i]));
	}
}

static void device_release_with_extra_workers_attached(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	new_worker(d.fd);
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
};

VT_MAIN("workers", cases)
