// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection through every setup path of the five vhost devices.
 *
 * For each path (open of a device node, SET_OWNER, SET_MEM_TABLE, ring
 * set-up, backend attach, worker create/attach, IOTLB update, SET_FEATURES
 * with ACCESS_PLATFORM, the vhost-scsi configfs objects) the case steps
 * /proc/thread-self/fail-nth through every allocation the call makes:
 * N = 1, 2, ... until the call succeeds with no fault injected. At each N
 * it sets the device up to just before the call (no faults), writes N,
 * makes the call, reads back whether the fault fired, then:
 *
 *  - fired and the call failed: the error must be -ENOMEM (the only
 *    answer an allocation failure has), and the same call made again
 *    without a fault must succeed: the fd is still usable, nothing half
 *    done is left behind (a SET_OWNER that kept its owner would say
 *    -EBUSY);
 *  - fired and the call succeeded: the failure was absorbed (a kvmalloc
 *    falling back to vmalloc, kmemleak or KASAN bookkeeping);
 *  - not fired: the call must have succeeded; the path is done, with
 *    N - 1 points stepped.
 *
 * After each N everything is closed and released. A kernel report
 * (WARN, BUG, KASAN, lockdep) logged during a step fails the case with
 * that step's N. Leaks and the modules' unload are checked afterwards by
 * run-faultinject.sh (kmemleak, rmmod).
 *
 * failslab and fail_page_alloc are set up here through debugfs (task
 * filter on, probability 100, times -1, no gfp exemptions, verbose from
 * FI_VERBOSE, default 0) and put back at exit; only fail-nth makes a
 * task fail, as no task has make-it-fail set.
 *
 * Every step runs with all memory locked (mlockall), so no page fault of
 * ours takes a fail-nth point, and nothing between arming and reading
 * back allocates in userspace.
 *
 * Environment: FI_DRY=1 (every call once without faults: checks the
 * set-up on any kernel), FI_MAX_NTH (give up past this N, default 4000),
 * FI_VERBOSE (fault-injection verbosity, 0..2), VT_VERBOSE=1 (one line
 * per step on stderr). Device nodes as in the suites (VHOST_TEST_DEV,
 * VHOST_NET_DEV, VHOST_VSOCK_DEV, VHOST_SCSI_DEV).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"
#include "iotlb.h"
#include "netdev.h"
#include "vnet.h"
#include "vscsi.h"
#include "vvsock.h"

#define FI_DBG		"/sys/kernel/debug"
#define FI_LIO		"/sys/kernel/config/target"
#define FI_ZCOPY	"/sys/module/vhost_net/parameters/experimental_zcopytx"
#define FI_RING_NUM	64
#define FI_MEM_SIZE	(4u << 20)
#define FI_MAX_RINGS	4
#define FI_CASE_TIMEOUT	400

enum fi_dev { FI_TEST, FI_NET, FI_VSOCK, FI_SCSI };

/* How far a path sets the device up (without faults) before its call. */
enum fi_prep {
	PREP_NONE,	/* not even opened: the call opens */
	PREP_OPEN,
	PREP_OWNER,
	PREP_FEATURES,	/* VERSION_1 */
	PREP_MEM,
	PREP_RINGS,	/* every ring the device's driver uses */
};

struct fi_path {
	const char *name;
	enum fi_dev dev;
	enum fi_prep prep;
	long (*call)(void);	/* >= 0 or -errno */
	long (*release)(void);	/* after the step's fd is closed; 0 or -errno */
	uint64_t features;	/* PREP_FEATURES and up; 0: VERSION_1 */
	bool any_errno;		/* errors not ours to choose (LIO core) */
	bool zerocopy;		/* vhost_net's experimental_zcopytx on */
};

/* The case's state: set up once per case, reused by every step. */
static struct {
	const struct fi_path *p;
	int fd;			/* the step's device fd, -1 between steps */
	struct gmem mem;
	struct vring_drv vr[FI_MAX_RINGS];
	unsigned int nrings;
	struct {		/* SET_MEM_TABLE's argument, built before arming */
		struct vhost_memory t;
		struct vhost_memory_region r[1];
	} table;
	int tap_fd;
	char tap[IFNAMSIZ];
	struct lio_port port;	/* a bound-able TPG for SET_ENDPOINT */
	char rd[200];		/* ramdisk backstore of the configfs path */
	char wwn[256], tpg[320], lun[400], link[480], nexus[64];
	uint32_t cid;
	int nth_fd;		/* /proc/thread-self/fail-nth */
	int kmsg_fd;
} g = { .fd = -1, .tap_fd = -1, .nth_fd = -1, .kmsg_fd = -1 };

static bool knobs_ok;	/* failslab and fail_page_alloc set up */
static bool dry;	/* FI_DRY=1: each call once, no faults (any kernel) */

/* ------------------------------------------------------------------ */
/* fail-nth                                                             */

static void nth_open(void)
{
	if (dry)
		return;
	g.nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (g.nth_fd < 0)
		SKIP("/proc/thread-self/fail-nth: %s (a kernel without CONFIG_FAULT_INJECTION)",
		     strerror(errno));
}

static void nth_write(unsigned int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%u", n);

	if (dry)
		return;
	if (pwrite(g.nth_fd, b, l, 0) != l)
		FAIL("write %u to fail-nth: %s", n, strerror(errno));
}

/* Disarm; true if the fault armed with nth_write() was injected. */
static bool nth_fired(void)
{
	char b[16];
	ssize_t l;

	if (dry)
		return false;
	l = pread(g.nth_fd, b, sizeof(b) - 1, 0);
	if (l <= 0)
		FAIL("read fail-nth: %s", l < 0 ? strerror(errno) : "empty");
	b[l] = '\0';
	nth_write(0);
	return strtoul(b, NULL, 10) == 0;
}

/* ------------------------------------------------------------------ */
/* kernel log: a report during a step fails it, with its N             */

static const char *const kmsg_bad[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault", "KASAN",
	"UBSAN", "kernel BUG", "refcount_t:", "list_add corruption",
	"list_del corruption", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "sleeping function called from invalid context",
	"INFO: task", "INFO: possible", "soft lockup", "hard LOCKUP",
	"detected stall", "Kernel panic", "unreferenced object",
};

static void kmsg_open(void)
{
	g.kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (g.kmsg_fd >= 0)
		lseek(g.kmsg_fd, 0, SEEK_END);
}

static void kmsg_check(const char *what, unsigned int n)
{
	char rec[2048];
	ssize_t l;

	if (g.kmsg_fd < 0)
		return;
	for (;;) {
		char *text;

		l = read(g.kmsg_fd, rec, sizeof(rec) - 1);
		if (l < 0 && errno == EPIPE)
			continue;
		if (l <= 0)
			return;
		rec[l] = '\0';
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		text[strcspn(text, "\n")] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(kmsg_bad); i++)
			if (strstr(text, kmsg_bad[i]))
				FAIL("fail-nth %u (%s): kernel log: %s", n, what,
				     text);
	}
}

/* ------------------------------------------------------------------ */
/* devices                                                              */

static const char *dev_path(enum fi_dev d)
{
	switch (d) {
	case FI_NET:
		return vnet_dev_path();
	case FI_VSOCK:
		return vvs_dev_path();
	case FI_SCSI:
		return vsc_dev_path();
	default:
		return vt_dev_path();
	}
}

static const unsigned int dev_rings[] = {
	[FI_TEST] = 1, [FI_NET] = 2, [FI_VSOCK] = 2, [FI_SCSI] = 3,
};

static int dev_open(void)
{
	int fd = open(dev_path(g.p->dev), O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void must(long r, const char *what)
{
	if (r < 0)
		FAIL("set-up before the call: %s: %s", what, vt_err(r));
}

/* Ring i: geometry, index, addresses, eventfds; stops at the first error. */
static long ring_setup(unsigned int i)
{
	struct vhost_vring_addr a;
	long r;

	vr_addr(&g.vr[i], &a);
	a.index = i;
	r = vh_set_vring_num(g.fd, i, g.vr[i].num);
	if (r >= 0)
		r = vh_set_vring_addr(g.fd, &a);
	if (r >= 0)
		r = vh_set_vring_base(g.fd, i, 0);
	if (r >= 0)
		r = vh_set_vring_kick(g.fd, i, g.vr[i].kick_fd);
	if (r >= 0)
		r = vh_set_vring_call(g.fd, i, g.vr[i].call_fd);
	if (r >= 0)
		r = vh_set_vring_err(g.fd, i, g.vr[i].err_fd);
	return r;
}

static void prepare(void)
{
	enum fi_prep p = g.p->prep;

	if (p == PREP_NONE)
		return;
	g.fd = dev_open();
	must(g.fd, "open");
	if (p >= PREP_OWNER)
		must(vh_set_owner(g.fd), "SET_OWNER");
	if (p >= PREP_FEATURES)
		must(vh_set_features(g.fd, g.p->features ?: VT_F_VERSION_1),
		     "SET_FEATURES");
	if (p >= PREP_MEM)
		must(vh_set_mem_table(g.fd, &g.table.t), "SET_MEM_TABLE");
	if (p >= PREP_RINGS)
		for (unsigned int i = 0; i < g.nrings; i++)
			must(ring_setup(i), "ring set-up");
}

/* ------------------------------------------------------------------ */
/* the calls under test                                                 */

static long call_open(void)
{
	g.fd = dev_open();
	return g.fd < 0 ? g.fd : 0;
}

static long call_owner(void)
{
	return vh_set_owner(g.fd);
}

static long call_mem_table(void)
{
	return vh_set_mem_table(g.fd, &g.table.t);
}

static long call_rings(void)
{
	long r = 0;

	for (unsigned int i = 0; i < g.nrings && r >= 0; i++)
		r = ring_setup(i);
	return r;
}

static long call_features_access_platform(void)
{
	return vh_set_features(g.fd, VT_F_VERSION_1 | VT_F_ACCESS_PLATFORM);
}

/* Two mappings, then one of them invalidated. */
static long call_iotlb_update(void)
{
	uint64_t half = g.mem.size / 2;
	long r;

	r = iotlb_map(g.fd, false, &g.mem, g.mem.gpa, half, VHOST_ACCESS_RW);
	if (r >= 0)
		r = iotlb_map(g.fd, false, &g.mem, g.mem.gpa + half, half,
			      VHOST_ACCESS_RO);
	if (r >= 0)
		r = iotlb_unmap(g.fd, false, g.mem.gpa + half, half);
	return r;
}

static long call_workers(void)
{
	unsigned int id;
	long r;

	r = vh_new_worker(g.fd, &id);
	if (r >= 0)
		r = vh_attach_vring_worker(g.fd, 0, id);
	return r;
}

static long call_test_backend(void)
{
	return vh_test_set_backend(g.fd, 0, g.fd);
}

static long call_net_backend(void)
{
	long r = vh_net_set_backend(g.fd, VNET_RX, g.tap_fd);

	if (r >= 0)
		r = vh_net_set_backend(g.fd, VNET_TX, g.tap_fd);
	return r;
}

static long call_vsock_start(void)
{
	long r = vh_vsock_set_cid(g.fd, g.cid);

	if (r >= 0)
		r = vh_vsock_set_running(g.fd, 1);
	return r;
}

static long call_scsi_endpoint(void)
{
	return vsc_set_endpoint(g.fd, g.port.wwn);
}


/* 1 if @path exists, 0 if not, -errno if that cannot be told. */
static long present(const char *path)
{
	struct stat st;

	if (!lstat(path, &st))
		return 1;
	return errno == ENOENT ? 0 : -errno;
}

/* mkdir/symlink unless there already (a second run finishes the job). */
static long make_dir(const char *path)
{
	long r = present(path);

	if (r || mkdir(path, 0755) == 0)
		return r < 0 ? r : 0;
	return -errno;
}

/*
 * The vhost fabric's configfs objects, as targetcli makes them: port,
 * TPG, nexus, a LUN linked to a ramdisk backstore.
 */
static long call_lio_objects(void)
{
	char nexus_path[400], cur[128];
	long r;

	snprintf(nexus_path, sizeof(nexus_path), "%s/nexus", g.tpg);
	r = make_dir(g.wwn);
	if (r >= 0)
		r = make_dir(g.tpg);
	if (r >= 0) {
		/* reading a TPG's nexus says -ENODEV while it has none */
		r = vt_read_file(nexus_path, cur, sizeof(cur));
		if (r == -ENODEV || (r >= 0 && strncmp(cur, g.nexus, strlen(g.nexus))))
			r = vt_write_file(nexus_path, g.nexus);
	}
	if (r >= 0)
		r = make_dir(g.lun);
	if (r >= 0) {
		r = present(g.link);
		if (!r && symlink(g.rd, g.link))
			r = -errno;
	}
	return r < 0 ? r : 0;
}

/* Remove whatever the configfs path made; every removal must work. */
static long release_lio_objects(void)
{
	if (present(g.link) > 0 && unlink(g.link))
		return -errno;
	if (present(g.lun) > 0 && rmdir(g.lun))
		return -errno;
	if (present(g.tpg) > 0 && rmdir(g.tpg))
		return -errno;
	if (present(g.wwn) > 0 && rmdir(g.wwn))
		return -errno;
	return 0;
}

/* ------------------------------------------------------------------ */
/* per-case set-up                                                      */

static void setup_case(const struct fi_path *p)
{
	g.p = p;
	g.nrings = dev_rings[p->dev];
	nth_open();
	if (!knobs_ok && !dry)
		SKIP("failslab and fail_page_alloc are not in debugfs (a kernel without CONFIG_FAILSLAB, FAIL_PAGE_ALLOC, FAULT_INJECTION_DEBUG_FS)");
	if (access(dev_path(p->dev), F_OK))
		SKIP("%s: %s (module not loaded?)", dev_path(p->dev),
		     strerror(errno));
	/* Every page now and later resident: no page fault takes a point. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		FAIL("mlockall: %s", strerror(errno));

	gmem_init(&g.mem, GMEM_DEFAULT_GPA, FI_MEM_SIZE);
	for (unsigned int i = 0; i < g.nrings; i++) {
		struct vring_cfg cfg = { .num = FI_RING_NUM };

		vr_init(&g.vr[i], &g.mem, &cfg);
	}
	g.table.t.nregions = 1;
	g.table.r[0].guest_phys_addr = g.mem.gpa;
	g.table.r[0].memory_size = g.mem.size;
	g.table.r[0].userspace_addr = (uintptr_t)g.mem.hva;

	if (p->call == call_net_backend) {
		nd_private_netns();
		g.tap_fd = nd_tap_create(g.tap, 0, 0);
	}
	if (p->call == call_vsock_start)
		g.cid = vvs_default_cid();
	if (p->call == call_scsi_endpoint)
		lio_port_setup(&g.port, 1, 1, 1);
	if (p->call == call_lio_objects) {
		unsigned int id = (unsigned int)getpid() & 0xfffffffu;
		char hba[128], path[300];

		if (access(FI_LIO, F_OK))
			SKIP("%s: no LIO target core (target_core_mod)", FI_LIO);
		if (mkdir(FI_LIO "/vhost", 0755) && errno != EEXIST)
			FAIL("mkdir %s/vhost: %s", FI_LIO, strerror(errno));
		snprintf(hba, sizeof(hba), FI_LIO "/core/rd_mcp_%u", id);
		snprintf(g.rd, sizeof(g.rd), "%s/disk", hba);
		if (mkdir(hba, 0755) || mkdir(g.rd, 0755))
			FAIL("mkdir %s: %s", g.rd, strerror(errno));
		snprintf(path, sizeof(path), "%s/control", g.rd);
		must(vt_write_file(path, "rd_pages=256"), "ramdisk control");
		snprintf(path, sizeof(path), "%s/enable", g.rd);
		must(vt_write_file(path, "1"), "ramdisk enable");
		snprintf(g.wwn, sizeof(g.wwn), FI_LIO "/vhost/naa.5001405%09x",
			 id);
		snprintf(g.tpg, sizeof(g.tpg), "%s/tpgt_1", g.wwn);
		snprintf(g.lun, sizeof(g.lun), "%s/lun/lun_0", g.tpg);
		snprintf(g.link, sizeof(g.link), "%s/disk", g.lun);
		snprintf(g.nexus, sizeof(g.nexus), "naa.5001405f%08x", id);
	}
	if (p->zerocopy) {
		/* for the open that sets zero-copy transmit up */
		if (vt_write_file(FI_ZCOPY, "1"))
			SKIP("%s not writable", FI_ZCOPY);
	}
	kmsg_open();
}

static void teardown_case(void)
{
	if (g.p->call == call_scsi_endpoint)
		lio_port_teardown(&g.port);
	if (g.p->call == call_lio_objects) {
		char *slash;

		must(release_lio_objects(), "configfs clean-up");
		if (rmdir(g.rd))
			FAIL("rmdir %s: %s", g.rd, strerror(errno));
		slash = strrchr(g.rd, '/');
		*slash = '\0';
		if (rmdir(g.rd))
			FAIL("rmdir %s: %s", g.rd, strerror(errno));
	}
	if (g.p->zerocopy)
		vt_write_file(FI_ZCOPY, "0");
	if (g.tap_fd >= 0)
		close(g.tap_fd);
}

/* ------------------------------------------------------------------ */
/* stepping                                                             */

static void step_release(unsigned int n)
{
	long r;

	if (g.fd >= 0)
		close(g.fd);
	g.fd = -1;
	r = g.p->release ? g.p->release() : 0;
	if (r < 0)
		FAIL("fail-nth %u: releasing what the call made: %s", n,
		     vt_err(r));
}

static void run_path(const struct fi_path *p)
{
	unsigned int n, max = 4000, failed = 0, absorbed = 0;
	const char *s = getenv("FI_MAX_NTH");
	long r;

	if (s && atoi(s) > 0)
		max = (unsigned int)atoi(s);
	setup_case(p);

	for (n = 1;; n++) {
		bool fired;

		if (n > max)
			FAIL("still failing at fail-nth %u (FI_MAX_NTH)", max);
		prepare();
		kmsg_check("set-up", n);
		nth_write(n);
		r = p->call();
		fired = nth_fired();
		kmsg_check("the call", n);
		vt_log("%s: fail-nth %u: %s, %s", p->name, n, vt_err(r),
		       fired ? "fault injected" : "no fault");
		if (!fired) {
			if (r < 0)
				FAIL("fails with no fault injected (fail-nth %u): %s",
				     n, vt_err(r));
			step_release(n);
			kmsg_check("release", n);
			break;
		}
		if (r >= 0) {
			absorbed++;
		} else {
			long again;

			failed++;
			if (r != -ENOMEM && !p->any_errno)
				FAIL("fail-nth %u: the call fails with %s, not -ENOMEM",
				     n, vt_err(r));
			/* The fd is usable: the same call now succeeds. */
			again = p->call();
			kmsg_check("the call again", n);
			if (again < 0)
				FAIL("fail-nth %u: after failing with %s the call fails again without a fault: %s",
				     n, vt_err(r), vt_err(again));
		}
		step_release(n);
		kmsg_check("release", n);
	}
	teardown_case();
	dprintf(STDOUT_FILENO,
		"# points faultinject/%s %u (%u failed cleanly, %u absorbed)\n",
		p->name, n - 1, failed, absorbed);
}

/* ------------------------------------------------------------------ */
/* the paths                                                            */

#define PATH(id, nm, d, pr, c, ...)					\
	static const struct fi_path path_##id = {			\
		.name = nm, .dev = d, .prep = pr, .call = c, __VA_ARGS__ \
	};								\
	static void id(void)						\
	{								\
		run_path(&path_##id);					\
	}

#define F_AP (VT_F_VERSION_1 | VT_F_ACCESS_PLATFORM)

PATH(test_open, "test/open", FI_TEST, PREP_NONE, call_open)
PATH(test_set_owner, "test/set_owner", FI_TEST, PREP_OPEN, call_owner)
PATH(test_set_mem_table, "test/set_mem_table", FI_TEST, PREP_FEATURES,
     call_mem_table)
PATH(test_ring_setup, "test/ring_setup", FI_TEST, PREP_MEM, call_rings)
PATH(test_set_backend, "test/set_backend", FI_TEST, PREP_RINGS,
     call_test_backend)
PATH(test_workers, "test/new_worker_attach", FI_TEST, PREP_RINGS,
     call_workers)
PATH(test_iotlb_update, "test/iotlb_update", FI_TEST, PREP_FEATURES,
     call_iotlb_update, .features = F_AP)
PATH(test_features_ap, "test/set_features_access_platform", FI_TEST,
     PREP_OWNER, call_features_access_platform)

PATH(net_open, "net/open", FI_NET, PREP_NONE, call_open)
PATH(net_open_zerocopy, "net/open_zerocopy", FI_NET, PREP_NONE, call_open,
     .zerocopy = true)
PATH(net_set_owner, "net/set_owner", FI_NET, PREP_OPEN, call_owner)
PATH(net_ring_setup, "net/ring_setup", FI_NET, PREP_MEM, call_rings)
PATH(net_set_backend, "net/set_backend", FI_NET, PREP_RINGS,
     call_net_backend)
PATH(net_set_backend_zerocopy, "net/set_backend_zerocopy", FI_NET,
     PREP_RINGS, call_net_backend, .zerocopy = true)
PATH(net_iotlb_update, "net/iotlb_update", FI_NET, PREP_FEATURES,
     call_iotlb_update, .features = F_AP)
PATH(net_features_ap, "net/set_features_access_platform", FI_NET, PREP_OWNER,
     call_features_access_platform)

PATH(vsock_open, "vsock/open", FI_VSOCK, PREP_NONE, call_open)
PATH(vsock_set_owner, "vsock/set_owner", FI_VSOCK, PREP_OPEN, call_owner)
PATH(vsock_start, "vsock/set_guest_cid_running", FI_VSOCK, PREP_RINGS,
     call_vsock_start)
PATH(vsock_features_ap, "vsock/set_features_access_platform", FI_VSOCK,
     PREP_OWNER, call_features_access_platform)

PATH(scsi_open, "scsi/open", FI_SCSI, PREP_NONE, call_open)
PATH(scsi_set_owner, "scsi/set_owner", FI_SCSI, PREP_OPEN, call_owner)
PATH(scsi_ring_setup, "scsi/ring_setup", FI_SCSI, PREP_MEM, call_rings)
PATH(scsi_set_endpoint, "scsi/set_endpoint", FI_SCSI, PREP_RINGS,
     call_scsi_endpoint)
/*
 * configfs and the LIO core answer a failed allocation of theirs with
 * errors of their choosing (the core turns any failure of the fabric's
 * make_wwn into -EINVAL): any errno here, but a second try must make the
 * objects, they must all be removable afterwards, and nothing may leak.
 */
PATH(scsi_lio_objects, "scsi/lio_objects", FI_SCSI, PREP_NONE,
     call_lio_objects, .release = release_lio_objects, .any_errno = true)
PATH(scsi_features_ap, "scsi/set_features_access_platform", FI_SCSI,
     PREP_OWNER, call_features_access_platform)

#define FI(id) { path_##id.name, id, FI_CASE_TIMEOUT }

static const struct vt_case cases[] = {
	FI(test_open), FI(test_set_owner), FI(test_set_mem_table),
	FI(test_ring_setup), FI(test_set_backend), FI(test_workers),
	FI(test_iotlb_update), FI(test_features_ap),
	FI(net_open), FI(net_open_zerocopy), FI(net_set_owner),
	FI(net_ring_setup), FI(net_set_backend), FI(net_set_backend_zerocopy),
	FI(net_iotlb_update),
	FI(net_features_ap),
	FI(vsock_open), FI(vsock_set_owner), FI(vsock_start),
	FI(vsock_features_ap),
	FI(scsi_open), FI(scsi_set_owner), FI(scsi_ring_setup),
	FI(scsi_set_endpoint), FI(scsi_lio_objects), FI(scsi_features_ap),
};

/* ------------------------------------------------------------------ */
/* failslab and fail_page_alloc through debugfs                        */

struct knob {
	const char *file;
	const char *val;
	char old[32];
	bool set;
};

static struct knob knobs[] = {
	{ .file = "failslab/task-filter", .val = "Y" },
	{ .file = "failslab/probability", .val = "100" },
	{ .file = "failslab/interval", .val = "1" },
	{ .file = "failslab/times", .val = "-1" },
	{ .file = "failslab/ignore-gfp-wait", .val = "N" },
	{ .file = "failslab/cache-filter", .val = "N" },
	{ .file = "failslab/verbose", .val = NULL },
	{ .file = "fail_page_alloc/task-filter", .val = "Y" },
	{ .file = "fail_page_alloc/probability", .val = "100" },
	{ .file = "fail_page_alloc/interval", .val = "1" },
	{ .file = "fail_page_alloc/times", .val = "-1" },
	{ .file = "fail_page_alloc/ignore-gfp-wait", .val = "N" },
	{ .file = "fail_page_alloc/ignore-gfp-highmem", .val = "N" },
	{ .file = "fail_page_alloc/min-order", .val = "0" },
	{ .file = "fail_page_alloc/verbose", .val = NULL },
};

static void knobs_restore(void)
{
	char path[128];

	/* task-filter last: never probability 100 without the filter */
	for (size_t i = ARRAY_SIZE(knobs); i-- > 0;) {
		if (!knobs[i].set)
			continue;
		snprintf(path, sizeof(path), FI_DBG "/%s", knobs[i].file);
		vt_write_file(path, knobs[i].old);
	}
}

/* 0, or -errno when fault injection cannot be set up. */
static long knobs_setup(void)
{
	const char *verbose = getenv("FI_VERBOSE");
	char path[128];
	long r;

	if (!verbose || !*verbose)
		verbose = "0";
	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		const char *val = knobs[i].val ? knobs[i].val : verbose;

		snprintf(path, sizeof(path), FI_DBG "/%s", knobs[i].file);
		r = vt_read_file(path, knobs[i].old, sizeof(knobs[i].old));
		if (r < 0) {
			fprintf(stderr, "# faultinject: %s: %s\n", path,
				strerror((int)-r));
			return r;
		}
		knobs[i].old[strcspn(knobs[i].old, "\n")] = '\0';
		r = vt_write_file(path, val);
		if (r < 0) {
			fprintf(stderr, "# faultinject: write %s to %s: %s\n",
				val, path, strerror((int)-r));
			return r;
		}
		knobs[i].set = true;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool list = false;
	int ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-l"))
			list = true;
	dry = getenv("FI_DRY") && atoi(getenv("FI_DRY"));
	if (!list && !dry) {
		if (access(FI_DBG "/failslab", F_OK))
			mount("debugfs", FI_DBG, "debugfs", 0, NULL);
		knobs_ok = knobs_setup() == 0;
		if (!knobs_ok)
			knobs_restore();
	}
	ret = vt_main("faultinject", cases, ARRAY_SIZE(cases), argc, argv);
	knobs_restore();
	return ret;
}
