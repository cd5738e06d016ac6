// SPDX-License-Identifier: GPL-2.0
/*
 * suites/lifecycle: open/release, the owner dying with work queued, reset
 * owner and reuse, stop/start, many devices at once.  (The runner adds
 * suites/lifecycle/modules_unload_cleanly after all suites.)
 */
#include "vt.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static void open_and_close_without_setup(void)
{
	for (int i = 0; i < 200; i++) {
		int fd = vt_open_fd();

		if (close(fd))
			FAIL("close: %s", strerror(errno));
	}
}

static void open_set_owner_close_repeatedly(void)
{
	for (int i = 0; i < 100; i++)
		close(vt_open_owned_fd());
}

static void full_setup_and_close_repeatedly(void)
{
	for (int i = 0; i < 50; i++) {
		struct vt_dev d;

		vt_setup(&d, NULL);
		vt_roundtrip(&d, 128, 128, 0);
		close(d.fd);
		gmem_destroy(&d.mem);
	}
}

/* queue n big loopback chains and kick, without waiting */
static void queue_heavy(struct vt_dev *d, unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++)
		vt_xfer_add(&d->vr, vt_xfer_new(&d->mem, 1, &len, 1, &len,
						VT_PAGE, i), 0);
	vr_publish_kick(&d->vr);
}

static void close_with_buffers_in_flight_then_new_device_works(void)
{
	struct vt_opts o = { .num = 64, .mem_size = 40u << 20 };
	struct vt_dev d, e;

	vt_setup(&d, &o);
	queue_heavy(&d, 32, 512 * 1024);
	close(d.fd);
	vt_setup(&e, NULL);
	for (int i = 0; i < 5; i++)
		vt_roundtrip(&e, 1000, 1000, 0);
}

/*
 * A child becomes the owner, keeps the ring busy, and is SIGKILLed
 * mid-work: it must be reaped promptly (release must not hang on the
 * worker) and a fresh device must work.
 */
static int busy_owner(void *arg)
{
	struct vt_opts o = { .num = 256, .mem_size = 64u << 20 };
	int ready = *(int *)arg;
	uint32_t len = 64 * 1024;
	struct vt_xfer *x[128];
	struct vt_used u;
	struct vt_dev d;
	char c = 'r';

	vt_setup(&d, &o);
	for (int i = 0; i < 128; i++) {
		x[i] = vt_xfer_new(&d.mem, 1, &len, 1, &len, VT_PAGE, i);
		vt_xfer_add(&d.vr, x[i], 0);
	}
	vr_publish_kick(&d.vr);
	if (write(ready, &c, 1) != 1)
		return 1;
	for (;;) {		/* recycle forever, until killed */
		while (vr_get_used(&d.vr, &u) > 0)
			vt_xfer_add(&d.vr, u.cookie, 0);
		vr_publish_kick(&d.vr);
		vr_wait_used(&d.vr, 1, 1000);
	}
}

static void owner_killed_with_work_queued_is_reaped_and_device_reusable(void)
{
	int p[2], st;
	struct vt_dev d;
	pid_t pid;
	char c;

	if (pipe(p))
		FAIL("pipe: %s", strerror(errno));
	pid = vt_fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0)
		_exit(busy_owner(&p[1]));
	close(p[1]);
	if (vt_poll_in(p[0], VT_WAIT_MS) <= 0 || read(p[0], &c, 1) != 1) {
		kill(pid, SIGKILL);
		FAIL("child owner did not get its ring running");
	}
	kill(pid, SIGKILL);
	st = vt_wait_pid(pid, vt_ms(10000));
	if (st == -ETIMEDOUT)
		FAIL("owner killed with work queued not reaped within 10 s (release hangs?)");
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		FAIL("child ended with status 0x%x, not by SIGKILL", st);

	vt_setup(&d, NULL);
	for (int i = 0; i < 5; i++)
		vt_roundtrip(&d, 2000, 2000, 0);
}

static int exit_while_running(void *arg)
{
	struct vt_dev d;

	(void)arg;
	vt_setup(&d, NULL);
	vt_roundtrip(&d, 64, 64, 0);
	queue_heavy(&d, 100, 4096);
	return 0;	/* exit with the device open and busy */
}

static void owner_exit_without_close_releases_device(void)
{
	struct vt_dev d;
	int st = vt_run_in_child(exit_while_running, NULL, vt_ms(10000));

	if (st != 0)
		FAIL("child owner: %s", st == -ETIMEDOUT ? "not reaped in time" :
			"failed");
	vt_setup(&d, NULL);
	vt_roundtrip(&d, 64, 64, 0);
}

static void reset_owner_then_reuse(void)
{
	struct vt_dev d, d2;

	vt_setup(&d, NULL);
	for (int i = 0; i < 3; i++)
		vt_roundtrip(&d, 300, 300, 0);
	vt_stop(&d);
	vt_reset_owner_setup(&d, &d2);
	for (int i = 0; i < 3; i++)
		vt_roundtrip(&d2, 300, 300, 0);
}

static void reset_owner_while_running_with_buffers_in_flight(void)
{
	struct vt_opts o = { .num = 128, .mem_size = 48u << 20 };
	struct vt_dev d, d2;

	vt_setup(&d, &o);
	queue_heavy(&d, 64, 256 * 1024);
	vt_reset_owner_setup(&d, &d2);
	for (int i = 0; i < 3; i++)
		vt_roundtrip(&d2, 300, 300, 0);
}

static void reset_owner_resets_vring_base_to_zero(void)
{
	struct vt_dev d;
	unsigned int base;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 16, 16, 0);
	vt_stop(&d);
	EXPECT_OK(vh_reset_owner(d.fd));
	EXPECT_OK(vh_set_owner(d.fd));
	EXPECT_OK(vh_get_vring_base(d.fd, 0, &base));
	EXPECT_EQ(base, 0);
}

static void stop_and_restart_preserves_ring_position(void)
{
	struct vt_opts o = { .base = 40000 };
	struct vt_dev d;
	unsigned int got;

	vt_setup(&d, &o);
	for (int cycle = 0; cycle < 10; cycle++) {
		vt_roundtrip(&d, 50, 50, 0);
		vt_stop(&d);
		EXPECT_OK(vh_get_vring_base(d.fd, 0, &got));
		EXPECT_EQ(got, 40000 + cycle + 1);
		vt_start(&d);
	}
	EXPECT_EQ(vr_used_idx(&d.vr), 40010);
}

static void many_devices_in_parallel(void)
{
	enum { N = 32 };
	struct vt_opts o = { .num = 64, .mem_size = 1u << 20 };
	static struct vt_dev d[N];
	uint32_t len = 256;

	for (int i = 0; i < N; i++)
		vt_setup(&d[i], &o);
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < N; i++) {
			vt_xfer_add(&d[i].vr, vt_xfer_new(&d[i].mem, 1, &len,
							  1, &len, 8, i), 0);
			vr_publish_kick(&d[i].vr);
		}
		for (int i = 0; i < N; i++)
			vt_collect(&d[i].vr, 1, VT_WAIT_MS);
	}
}

static int close_fd_and_exit(void *arg)
{
	close(*(int *)arg);
	return 0;
}

static void child_closing_inherited_fd_keeps_device_working(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_roundtrip(&d, 64, 64, 0);
	if (vt_run_in_child(close_fd_and_exit, &d.fd, VT_WAIT_MS) != 0)
		FAIL("child failed");
	for (int i = 0; i < 3; i++)
		vt_roundtrip(&d, 64, 64, 0);
}

/* Owner threads issue ioctls while the main thread drives traffic. */
struct churn {
	int fd, call_fd;
	volatile bool stop;
	long err;
	const char *what;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	unsigned int v;
	uint64_t f;

	while (!c->stop) {
		long r;

		if ((r = vh_get_vring_base(c->fd, 0, &v)) < 0) {
			c->what = "GET_VRING_BASE";
		} else if ((r = vh_get_features(c->fd, &f)) < 0) {
			c->what = "GET_FEATURES";
		} else if ((r = vh_set_vring_call(c->fd, 0, c->call_fd)) < 0) {
			c->what = "SET_VRING_CALL";
		} else if ((r = vh_set_vring_busyloop(c->fd, 0, 0)) < 0) {
			c->what = "SET_VRING_BUSYLOOP_TIMEOUT";
		} else if ((r = vh_get_vring_worker(c->fd, 0, &v)) < 0) {
			c->what = "GET_VRING_WORKER";
		}
		if (r < 0) {
			c->err = r;
			break;
		}
	}
	return NULL;
}

static void owner_thread_ioctls_during_traffic_are_safe(void)
{
	struct churn c = { 0 };
	struct vt_dev d;
	pthread_t t;

	vt_setup(&d, NULL);
	c.fd = d.fd;
	c.call_fd = d.vr.call_fd;
	if (pthread_create(&t, NULL, churn_main, &c))
		FAIL("pthread_create");
	for (int i = 0; i < 500; i++)
		vt_roundtrip(&d, 100 + i, 600, 0);
	c.stop = true;
	pthread_join(t, NULL);
	if (c.err)
		FAIL("%s from an owner thread during traffic -> %s", c.what,
		     vt_err(c.err));
}

static const struct vt_case cases[] = {
	VT_CASE(open_and_close_without_setup),
	VT_CASE(open_set_owner_close_repeatedly),
	VT_CASE_T(full_setup_and_close_repeatedly, 120),
	VT_CASE(close_with_buffers_in_flight_then_new_device_works),
	VT_CASE(owner_killed_with_work_queued_is_reaped_and_device_reusable),
	VT_CASE(owner_exit_without_close_releases_device),
	VT_CASE(reset_owner_then_reuse),
	VT_CASE(reset_owner_while_running_with_buffers_in_flight),
	VT_CASE(reset_owner_resets_vring_base_to_zero),
	VT_CASE(stop_and_restart_preserves_ring_position),
	VT_CASE(many_devices_in_parallel),
	VT_CASE(child_closing_inherited_fd_keeps_device_working),
	VT_CASE_T(owner_thread_ioctls_during_traffic_are_safe, 120),
};

VT_MAIN("lifecycle", cases)
