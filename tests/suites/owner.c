// SPDX-License-Identifier: GPL-2.0
/*
 * suites/owner: VHOST_SET_OWNER / RESET_OWNER, which ioctls need the owner,
 * what a process that is not the owner (a forked child: different mm)
 * gets, and VHOST_SET/GET_FORK_FROM_OWNER.
 */
#include "vt.h"

#include "vvsock.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/vm_sockets.h>

/* ------------------------------------------------------------------ */
/* every generic (owner-only) ioctl, called with otherwise valid args  */

struct op_ctx {
	int fd;
	int efd;
	struct gmem mem;
	struct vring_drv vr;
};

static uint64_t log_bitmap[4096];

static long op_set_mem_table(struct op_ctx *c)
{
	struct vhost_memory *t = memtable_alloc(1);

	memtable_set(t, 0, c->mem.gpa, c->mem.size, (uintptr_t)c->mem.hva);
	return vh_set_mem_table(c->fd, t);
}

static long op_set_log_base(struct op_ctx *c)
{
	return vh_set_log_base(c->fd, (uintptr_t)log_bitmap);
}

static long op_set_log_fd(struct op_ctx *c)
{
	return vh_set_log_fd(c->fd, c->efd);
}

static long op_set_vring_num(struct op_ctx *c)
{
	return vh_set_vring_num(c->fd, 0, 64);
}

static long op_set_vring_addr(struct op_ctx *c)
{
	struct vhost_vring_addr a;

	vr_addr(&c->vr, &a);
	return vh_set_vring_addr(c->fd, &a);
}

static long op_set_vring_base(struct op_ctx *c)
{
	return vh_set_vring_base(c->fd, 0, 0);
}

static long op_get_vring_base(struct op_ctx *c)
{
	unsigned int v;

	return vh_get_vring_base(c->fd, 0, &v);
}

static long op_set_vring_kick(struct op_ctx *c)
{
	return vh_set_vring_kick(c->fd, 0, c->efd);
}

static long op_set_vring_call(struct op_ctx *c)
{
	return vh_set_vring_call(c->fd, 0, c->efd);
}

static long op_set_vring_err(struct op_ctx *c)
{
	return vh_set_vring_err(c->fd, 0, c->efd);
}

static long op_set_vring_endian(struct op_ctx *c)
{
	return vh_set_vring_endian(c->fd, 0, VHOST_VRING_LITTLE_ENDIAN);
}

static long op_get_vring_endian(struct op_ctx *c)
{
	unsigned int v;

	return vh_get_vring_endian(c->fd, 0, &v);
}

static long op_set_vring_busyloop_timeout(struct op_ctx *c)
{
	return vh_set_vring_busyloop(c->fd, 0, 10);
}

static long op_get_vring_busyloop_timeout(struct op_ctx *c)
{
	unsigned int v;

	return vh_get_vring_busyloop(c->fd, 0, &v);
}

static long op_reset_owner(struct op_ctx *c)
{
	return vh_reset_owner(c->fd);
}

static long op_new_worker(struct op_ctx *c)
{
	unsigned int id;

	return vh_new_worker(c->fd, &id);
}

static long op_free_worker(struct op_ctx *c)
{
	return vh_free_worker(c->fd, 0);
}

static long op_attach_vring_worker(struct op_ctx *c)
{
	return vh_attach_vring_worker(c->fd, 0, 0);
}

static long op_get_vring_worker(struct op_ctx *c)
{
	unsigned int id;

	return vh_get_vring_worker(c->fd, 0, &id);
}

static long op_test_run(struct op_ctx *c)
{
	return vh_test_run(c->fd, 1);
}

static long op_test_set_backend(struct op_ctx *c)
{
	return vh_test_set_backend(c->fd, 0, c->efd);
}

static void op_ctx_init(struct op_ctx *c, int fd)
{
	struct vring_cfg cfg = { .num = 64 };

	c->fd = fd;
	c->efd = vt_eventfd();
	gmem_init(&c->mem, GMEM_DEFAULT_GPA, 1u << 20);
	vr_init(&c->vr, &c->mem, &cfg);
}

/* A fresh device nobody owns: the op must fail with EPERM. */
static void expect_eperm_before_owner(long (*op)(struct op_ctx *),
				      const char *name)
{
	struct op_ctx c;
	long r;

	op_ctx_init(&c, vt_open_fd());
	r = op(&c);
	if (r != -EPERM)
		FAIL("%s before SET_OWNER -> %s, expected -EPERM", name,
		     vt_err(r));
}

static long (*child_op)(struct op_ctx *);
static struct op_ctx child_ctx;

static int run_child_op(void *arg)
{
	long r = child_op(arg);

	return r < 0 ? (int)-r : 0;
}

/* The parent owns the device; a forked child (new mm) must get EPERM. */
static void expect_eperm_from_child(long (*op)(struct op_ctx *),
				    const char *name)
{
	int st;

	op_ctx_init(&child_ctx, vt_open_owned_fd());
	child_op = op;
	st = vt_run_in_child(run_child_op, &child_ctx, VT_WAIT_MS);
	if (st != EPERM)
		FAIL("%s from a forked child of the owner -> %s, expected -EPERM",
		     name, st == 0 ? "0 (success)" :
			   st > 0 ? vt_err(-st) : "child died or hung");
	/* and the owner itself still may */
	if (op != op_reset_owner && op != op_test_run &&
	    op != op_free_worker && op != op_attach_vring_worker &&
	    op != op_test_set_backend) {
		long r = op(&child_ctx);

		if (r < 0)
			FAIL("%s by the owner after the child's attempt -> %s",
			     name, vt_err(r));
	}
}

#define OWNER_CASES(name)						\
static void name##_before_owner_eperm(void)				\
{									\
	expect_eperm_before_owner(op_##name, #name);			\
}									\
static void name##_from_non_owner_child_eperm(void)			\
{									\
	expect_eperm_from_child(op_##name, #name);			\
}

OWNER_CASES(set_mem_table)
OWNER_CASES(set_log_base)
OWNER_CASES(set_log_fd)
OWNER_CASES(set_vring_num)
OWNER_CASES(set_vring_addr)
OWNER_CASES(set_vring_base)
OWNER_CASES(get_vring_base)
OWNER_CASES(set_vring_kick)
OWNER_CASES(set_vring_call)
OWNER_CASES(set_vring_err)
OWNER_CASES(set_vring_endian)
OWNER_CASES(get_vring_endian)
OWNER_CASES(set_vring_busyloop_timeout)
OWNER_CASES(get_vring_busyloop_timeout)
OWNER_CASES(reset_owner)
OWNER_CASES(new_worker)
OWNER_CASES(free_worker)
OWNER_CASES(attach_vring_worker)
OWNER_CASES(get_vring_worker)
OWNER_CASES(test_run)
OWNER_CASES(test_set_backend)

/* ------------------------------------------------------------------ */
/* SET_OWNER itself                                                     */

static void set_owner_succeeds(void)
{
	int fd = vt_open_fd();

	EXPECT_OK(vh_set_owner(fd));
	EXPECT_OK(vh_set_vring_num(fd, 0, 256));
}

static void set_owner_twice_ebusy(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_ERR(vh_set_owner(fd), EBUSY);
	EXPECT_ERR(vh_set_owner(fd), EBUSY);
	EXPECT_OK(vh_set_vring_num(fd, 0, 256));	/* still the owner */
}

static void feature_ioctls_allowed_before_owner(void)
{
	int fd = vt_open_fd();
	uint64_t f, bf;

	EXPECT_OK(vh_get_features(fd, &f));
	EXPECT_OK(vh_set_features(fd, VT_F_VERSION_1));
	EXPECT_OK(vh_get_backend_features(fd, &bf));
	EXPECT_OK(vh_set_backend_features(fd, VT_BF_IOTLB_MSG_V2));
	EXPECT_OK(vh_set_owner(fd));
}

static int child_set_owner(void *arg)
{
	long r = vh_set_owner(*(int *)arg);

	return r < 0 ? (int)-r : 0;
}

static void non_owner_child_set_owner_ebusy(void)
{
	int fd = vt_open_owned_fd();
	int st = vt_run_in_child(child_set_owner, &fd, VT_WAIT_MS);

	if (st != EBUSY)
		FAIL("SET_OWNER from a child of the owner -> %s, expected -EBUSY",
		     st >= 0 ? vt_err(-st) : "child died or hung");
}

static void *thread_set_num(void *arg)
{
	return (void *)vh_set_vring_num(*(int *)arg, 0, 128);
}

static void owner_thread_shares_ownership(void)
{
	int fd = vt_open_owned_fd();
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, thread_set_num, &fd))
		FAIL("pthread_create");
	pthread_join(t, &ret);
	if ((long)ret < 0)
		FAIL("SET_VRING_NUM from a thread of the owner -> %s",
		     vt_err((long)ret));
}

static void reset_owner_requires_set_owner_again(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_OK(vh_set_vring_num(fd, 0, 64));
	EXPECT_OK(vh_reset_owner(fd));
	EXPECT_ERR(vh_set_vring_num(fd, 0, 64), EPERM);
	EXPECT_OK(vh_set_owner(fd));
	EXPECT_OK(vh_set_vring_num(fd, 0, 64));
}

static int child_takes_ownership(void *arg)
{
	int fd = *(int *)arg;
	long r = vh_set_owner(fd);

	if (r < 0)
		return (int)-r;
	r = vh_set_vring_num(fd, 0, 64);
	return r < 0 ? 200 : 0;
}

static void reset_owner_lets_another_process_become_owner(void)
{
	int fd = vt_open_owned_fd();
	int st;

	EXPECT_OK(vh_reset_owner(fd));
	st = vt_run_in_child(child_takes_ownership, &fd, VT_WAIT_MS);
	if (st != 0)
		FAIL("child SET_OWNER + SET_VRING_NUM after parent's RESET_OWNER failed: %s",
		     st == 200 ? "SET_VRING_NUM failed" :
		     st > 0 ? vt_err(-st) : "child died or hung");
	/* the child (now gone) owns it: the parent is not the owner */
	EXPECT_ERR(vh_set_vring_num(fd, 0, 64), EPERM);
	EXPECT_ERR(vh_set_owner(fd), EBUSY);
}

/* ------------------------------------------------------------------ */
/* VHOST_SET/GET_FORK_FROM_OWNER                                        */

static void set_fork_from_owner_kthread_then_get_returns_it(void)
{
	int fd = vt_open_fd();
	uint8_t v;

	EXPECT_OK(vh_set_fork_owner(fd, VHOST_FORK_OWNER_KTHREAD));
	EXPECT_OK(vh_get_fork_owner(fd, &v));
	EXPECT_EQ(v, VHOST_FORK_OWNER_KTHREAD);
}

static void set_fork_from_owner_task_accepted_or_eopnotsupp(void)
{
	int fd = vt_open_fd();
	long r = vh_set_fork_owner(fd, VHOST_FORK_OWNER_TASK);
	uint8_t v;

	if (r == -EOPNOTSUPP)
		return;		/* allowed on kernels without task workers */
	if (r < 0)
		FAIL("SET_FORK_FROM_OWNER(1) -> %s, expected 0 or -EOPNOTSUPP",
		     vt_err(r));
	EXPECT_OK(vh_get_fork_owner(fd, &v));
	EXPECT_EQ(v, VHOST_FORK_OWNER_TASK);
}

static void set_fork_from_owner_rejects_values_above_1(void)
{
	static const uint8_t bad[] = { 2, 3, 0x80, 0xff };
	int fd = vt_open_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_fork_owner(fd, v), EINVAL);
}

static void set_fork_from_owner_after_set_owner_ebusy(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_ERR(vh_set_fork_owner(fd, VHOST_FORK_OWNER_KTHREAD), EBUSY);
}

static void get_fork_from_owner_allowed_before_and_after_owner(void)
{
	int fd = vt_open_fd();
	uint8_t v;

	EXPECT_OK(vh_get_fork_owner(fd, &v));
	CHECK(v <= 1, "GET_FORK_FROM_OWNER returned %u", v);
	EXPECT_OK(vh_set_owner(fd));
	EXPECT_OK(vh_get_fork_owner(fd, &v));
	CHECK(v <= 1, "GET_FORK_FROM_OWNER returned %u", v);
}

static void fork_mode_processes_buffers(uint8_t mode)
{
	struct vt_dev d;
	long r;

	vt_open(&d);
	r = vh_set_fork_owner(d.fd, mode);
	if (r == -EOPNOTSUPP && mode == VHOST_FORK_OWNER_TASK)
		SKIP("task-mode workers not supported by this kernel (-EOPNOTSUPP)");
	if (r < 0)
		FAIL("SET_FORK_FROM_OWNER(%u) -> %s", mode, vt_err(r));
	vt_setup_opened(&d, NULL);
	for (int i = 0; i < 8; i++)
		vt_roundtrip(&d, 512, 512, 0);
}

static void kthread_mode_worker_processes_buffers(void)
{
	fork_mode_processes_buffers(VHOST_FORK_OWNER_KTHREAD);
}

static void task_mode_worker_processes_buffers(void)
{
	fork_mode_processes_buffers(VHOST_FORK_OWNER_TASK);
}

/* ------------------------------------------------------------------ */
/* work queued while RESET_OWNER tears the workers down                 */

/*
 * A host thread that connects to the guest's CID without pause while
 * @go is set: each connect makes vhost-vsock queue its send work on the
 * device's worker, whatever state the device is in.
 */
struct hammer {
	uint32_t cid;
	atomic_int go, quit, paused;
	atomic_ulong sent;
};

static void host_connect_once(uint32_t cid)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = 5000,
	};
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
}

/* Keep the calling thread on @cpu (if the machine has it). */
static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Owner-task workers are threads of this process ("vhost-<pid>"): put
 * them on @cpu at SCHED_IDLE, where the hammer runs, so that a worker
 * woken by a queued item does not run it at once. That is what widens
 * the window. Kernel-thread workers are not ours to move. Returns how
 * many were moved.
 */
static int starve_workers(int cpu)
{
	struct sched_param sp = { 0 };
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	cpu_set_t set;
	int n = 0;

	if (!d)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	while ((e = readdir(d))) {
		char path[300], comm[32];
		pid_t tid = atoi(e->d_name);

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 e->d_name);
		if (tid <= 0 || vt_read_file(path, comm, sizeof(comm)) <= 0 ||
		    strncmp(comm, "vhost-", 6))
			continue;
		if (!sched_setaffinity(tid, sizeof(set), &set) &&
		    !sched_setscheduler(tid, SCHED_IDLE, &sp))
			n++;
	}
	closedir(d);
	return n;
}

static void *hammer_fn(void *arg)
{
	struct hammer *h = arg;

	pin_self(1);
	while (!atomic_load(&h->quit)) {
		if (!atomic_load(&h->go)) {
			atomic_store(&h->paused, 1);
			sched_yield();
			continue;
		}
		atomic_store(&h->paused, 0);
		host_connect_once(h->cid);
		atomic_fetch_add(&h->sent, 1);
	}
	return NULL;
}

/* Owner, features and memory again after RESET_OWNER; rings anew, running. */
static void vsock_own_again(struct vvs *v, size_t brk)
{
	EXPECT_OK(vh_set_owner(v->fd));
	EXPECT_OK(vh_set_features(v->fd, v->features));
	EXPECT_OK(vh_set_mem_one(v->fd, v->mem.gpa, v->mem.size, v->mem.hva));
	v->mem.brk = brk;	/* the old rings are dead: reuse their space */
	vvs_restart(v);
}

/*
 * A packet from a host socket queues the device's send work. When that
 * happens after RESET_OWNER's last flush but before the worker is gone, a
 * vhost task (6.12's default worker) used to exit without running it,
 * leaving it marked queued for good: after SET_OWNER again no packet ever
 * reached the guest. The window is short, so this races a connecting host
 * thread against up to 150 RESET_OWNERs (20 s at most), with the worker
 * starved on the hammer's CPU; after each, one more connect must reach
 * the guest. Without the fix it failed within the first 4 cycles in each
 * of 3 runs on 6.12. Kernel-thread workers (6.1) always ran what was
 * left, and are not starved here.
 */
static void reset_owner_under_host_traffic_keeps_host_to_guest_working(void)
{
	const int cycles = 150;
	uint64_t deadline = vt_now_ms() + (uint64_t)vt_ms(20000);
	struct vvs_opts o = { .num = 32 };
	struct hammer h = { 0 };
	struct vvs_pkt p;
	pthread_t t;
	struct vvs v;
	int i, starved = 0;
	size_t brk;

	if (access(vvs_dev_path(), R_OK | W_OK))
		SKIP("%s: %s", vvs_dev_path(), strerror(errno));
	vvs_setup(&v, &o);
	brk = v.mem.brk;
	h.cid = v.cid;
	pin_self(0);
	if (pthread_create(&t, NULL, hammer_fn, &h))
		FAIL("pthread_create");
	for (i = 0; i < cycles && vt_now_ms() < deadline; i++) {
		unsigned long before = atomic_load(&h.sent);

		starved += starve_workers(1);
		atomic_store(&h.go, 1);
		while (atomic_load(&h.sent) == before)
			sched_yield();
		EXPECT_OK(vh_reset_owner(v.fd));
		atomic_store(&h.go, 0);
		while (!atomic_load(&h.paused))
			sched_yield();
		vsock_own_again(&v, brk);
		host_connect_once(v.cid);
		if (!vvs_recv(&v, &p, VT_WAIT_MS))
			FAIL("RESET_OWNER %d (%lu connects): no packet for the guest in %d ms",
			     i + 1, atomic_load(&h.sent), VT_WAIT_MS);
	}
	atomic_store(&h.quit, 1);
	pthread_join(t, NULL);
	vt_log("%d RESET_OWNER cycles, %lu host connects, %d workers starved",
	       i, atomic_load(&h.sent), starved);
}

#define OWNER_CASE_PAIR(name)						\
	VT_CASE(name##_before_owner_eperm),				\
	VT_CASE(name##_from_non_owner_child_eperm)

static const struct vt_case cases[] = {
	VT_CASE(set_owner_succeeds),
	VT_CASE(set_owner_twice_ebusy),
	VT_CASE(feature_ioctls_allowed_before_owner),
	OWNER_CASE_PAIR(set_mem_table),
	OWNER_CASE_PAIR(set_log_base),
	OWNER_CASE_PAIR(set_log_fd),
	OWNER_CASE_PAIR(set_vring_num),
	OWNER_CASE_PAIR(set_vring_addr),
	OWNER_CASE_PAIR(set_vring_base),
	OWNER_CASE_PAIR(get_vring_base),
	OWNER_CASE_PAIR(set_vring_kick),
	OWNER_CASE_PAIR(set_vring_call),
	OWNER_CASE_PAIR(set_vring_err),
	OWNER_CASE_PAIR(set_vring_endian),
	OWNER_CASE_PAIR(get_vring_endian),
	OWNER_CASE_PAIR(set_vring_busyloop_timeout),
	OWNER_CASE_PAIR(get_vring_busyloop_timeout),
	OWNER_CASE_PAIR(reset_owner),
	OWNER_CASE_PAIR(new_worker),
	OWNER_CASE_PAIR(free_worker),
	OWNER_CASE_PAIR(attach_vring_worker),
	OWNER_CASE_PAIR(get_vring_worker),
	OWNER_CASE_PAIR(test_run),
	OWNER_CASE_PAIR(test_set_backend),
	VT_CASE(non_owner_child_set_owner_ebusy),
	VT_CASE(owner_thread_shares_ownership),
	VT_CASE(reset_owner_requires_set_owner_again),
	VT_CASE(reset_owner_lets_another_process_become_owner),
	VT_CASE(set_fork_from_owner_kthread_then_get_returns_it),
	VT_CASE(set_fork_from_owner_task_accepted_or_eopnotsupp),
	VT_CASE(set_fork_from_owner_rejects_values_above_1),
	VT_CASE(set_fork_from_owner_after_set_owner_ebusy),
	VT_CASE(get_fork_from_owner_allowed_before_and_after_owner),
	VT_CASE(kthread_mode_worker_processes_buffers),
	VT_CASE(task_mode_worker_processes_buffers),
	VT_CASE_T(reset_owner_under_host_traffic_keeps_host_to_guest_working,
		  120),
};

VT_MAIN("owner", cases)
