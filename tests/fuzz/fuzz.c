// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-fuzz: seeded, KCOV-guided fuzzer for /dev/vhost-{test,net,vsock,scsi}
 * and their IOTLB message path.  Runs inside the test VM as root.
 *
 *   vhost-fuzz -t TARGET [-s SEED] [-n OPS] [-T SECONDS] [-b] [-w WWPN]
 *   vhost-fuzz -t TARGET -r FILE       replay one program (op lines)
 *
 * TARGET: test, net, vsock, scsi, iotlb (the IOTLB path of /dev/vhost-test).
 * Prints "# ..." notes, then exactly one "PASS fuzz/TARGET" or
 * "FAIL fuzz/TARGET - reason" line.  Exit 0 on PASS, 1 on FAIL, 2 on usage.
 *
 * Structure: a supervisor process forks an executor that runs programs
 * (short op lists) one after the other, each from a fresh set of device
 * fds.  The executor keeps the op list it is running in shared memory, so
 * when it reports a failure (kernel log splat, impossible result) or dies
 * (oops, hang), the supervisor re-runs that program, and subsets of it,
 * in fresh executors to shrink it, and prints the minimal list.
 * README.md describes the operations and what is and is not deterministic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/types.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>
#include <linux/vm_sockets.h>

#include "fuzz.h"
#include "vhost_abi.h"	/* tests/lib: the test device's ioctls, fallbacks */

/* KCOV, from include/uapi/linux/kcov.h (not always installed). */
#define KCOV_INIT_TRACE _IOR('c', 1, unsigned long)
#define KCOV_ENABLE _IO('c', 100)
#define KCOV_DISABLE _IO('c', 101)
struct kcov_remote_arg {
	uint32_t trace_mode;
	uint32_t area_size;
	uint32_t num_handles;
	uint64_t common_handle __attribute__((aligned(8)));
};
#define KCOV_REMOTE_ENABLE _IOW('c', 102, struct kcov_remote_arg)
#define KCOV_TRACE_PC 0
#define KCOV_WORDS (1u << 18)

#define F_VERSION_1 32
#define F_ACCESS_PLATFORM 33
#define F_RING_PACKED 34

/* ------------------------------------------------------------------ */
/* Layout of the "guest": RAM with canaries, rings at fixed places.      */

#define NSLOT 3
#define NVQ 4
#define NEFD 6
#define PAGE 4096ul
#define RAM_SIZE (512ul << 10)
#define GPA_BASE 0x100000ull
#define RING_STRIDE 8192ul	/* desc 4096, avail @4096, used @5120: num <= 256 */
#define RING_MAX 256u
#define BUF_OFF (128ul << 10)
#define CANARY 0xc3
#define FA_BUF (64ul << 10)	/* features-array buffer, PROT_NONE after it */
#define MAX_KIDS 16
#define MAX_VSOCKS 8

static uint64_t ring_off(unsigned int slot, unsigned int vq)
{
	return (uint64_t)(slot * NVQ + vq) * RING_STRIDE;
}

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64.                                          */

struct rng {
	uint64_t s;
};

static uint64_t rnext(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

static bool one_in(struct rng *r, unsigned int n)
{
	return rnd(r, n) == 0;
}

/* The boundary values of the brief, scaled to the ring size num. */
static uint64_t boundary(struct rng *r, uint64_t num)
{
	switch (rnd(r, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return num - 1;
	case 3: return num;
	case 4: return 1u << 15;
	case 5: return 1u << 16;
	case 6: return 0xffffffffull;
	case 7: return ~0ull;
	case 8: return num + 1;
	default: return rnext(r);
	}
}

/* ------------------------------------------------------------------ */
/* Targets                                                              */

enum tkind { T_TEST, T_NET, T_VSOCK, T_SCSI, T_IOTLB };

struct target {
	const char *name;
	const char *path;
	enum tkind kind;
	unsigned int nvqs;
};

static const struct target targets[] = {
	{ "test", "/dev/vhost-test", T_TEST, 1 },
	{ "net", "/dev/vhost-net", T_NET, 2 },
	{ "vsock", "/dev/vhost-vsock", T_VSOCK, 2 },
	{ "scsi", "/dev/vhost-scsi", T_SCSI, 3 },
	{ "iotlb", "/dev/vhost-test", T_IOTLB, 1 },
};

/* ------------------------------------------------------------------ */
/* Operations                                                           */

#define OPS(X) \
	X(OPEN, 3) X(CLOSE, 2) X(SET_OWNER, 6) X(RESET_OWNER, 3) \
	X(GET_FEATURES, 3) X(SET_FEATURES, 5) X(GET_FEATURES_ARRAY, 2) \
	X(SET_FEATURES_ARRAY, 3) X(SET_MEM_TABLE, 6) X(SET_LOG_BASE, 2) \
	X(SET_LOG_FD, 2) X(SET_VRING_NUM, 5) X(SET_VRING_ADDR, 5) \
	X(SET_VRING_BASE, 4) X(GET_VRING_BASE, 4) X(SET_VRING_KICK, 4) \
	X(SET_VRING_CALL, 4) X(SET_VRING_ERR, 2) X(SET_VRING_ENDIAN, 2) \
	X(GET_VRING_ENDIAN, 1) X(SET_BUSYLOOP, 2) X(GET_BUSYLOOP, 1) \
	X(NEW_WORKER, 3) X(FREE_WORKER, 3) X(ATTACH_WORKER, 3) \
	X(GET_WORKER, 2) X(SET_FORK_OWNER, 2) X(GET_FORK_OWNER, 1) \
	X(SET_BACKEND_FEATURES, 3) X(GET_BACKEND_FEATURES, 1) \
	X(NET_SET_BACKEND, 0) X(VSOCK_SET_CID, 0) X(VSOCK_SET_RUNNING, 0) \
	X(SCSI_SET_EP, 0) X(SCSI_CLEAR_EP, 0) X(SCSI_GET_ABI, 0) \
	X(SCSI_SET_EVMISS, 0) X(SCSI_GET_EVMISS, 0) X(TEST_RUN, 0) \
	X(TEST_SET_BACKEND, 0) X(RAW_IOCTL, 2) X(IOTLB_WRITE, 3) \
	X(IOTLB_READ, 2) X(IOTLB_MAP_ALL, 2) X(RING_SETUP, 6) \
	X(RING_FILL, 12) X(RING_GARBAGE, 2) X(KICK, 10) X(DRAIN, 5) \
	X(NET_INJECT, 0) X(VSOCK_CONNECT, 0) X(FORK_OPS, 1) \
	X(OWNER_CHILD, 1) X(FD_PASS, 1) X(TRAFFIC_START, 1) \
	X(TRAFFIC_STOP, 1) X(RACE, 2) X(SETUP, 4) X(SLEEP, 1)

enum op_kind {
#define X(n, w) OP_##n,
	OPS(X)
#undef X
	OP_NR
};

static const char *const op_names[] = {
#define X(n, w) #n,
	OPS(X)
#undef X
};

static unsigned int op_weight[OP_NR];

static void set_weights(const struct target *t)
{
	static const unsigned int base[] = {
#define X(n, w) w,
		OPS(X)
#undef X
	};
	memcpy(op_weight, base, sizeof(base));
	/* Device-specific requests: often on their device, rarely elsewhere. */
	op_weight[OP_NET_SET_BACKEND] = t->kind == T_NET ? 6 : 1;
	op_weight[OP_NET_INJECT] = t->kind == T_NET ? 6 : 0;
	op_weight[OP_VSOCK_SET_CID] = t->kind == T_VSOCK ? 4 : 1;
	op_weight[OP_VSOCK_SET_RUNNING] = t->kind == T_VSOCK ? 4 : 1;
	op_weight[OP_VSOCK_CONNECT] = t->kind == T_VSOCK ? 5 : 0;
	op_weight[OP_SCSI_SET_EP] = t->kind == T_SCSI ? 5 : 1;
	op_weight[OP_SCSI_CLEAR_EP] = t->kind == T_SCSI ? 3 : 1;
	op_weight[OP_SCSI_GET_ABI] = t->kind == T_SCSI ? 1 : 0;
	op_weight[OP_SCSI_SET_EVMISS] = t->kind == T_SCSI ? 2 : 0;
	op_weight[OP_SCSI_GET_EVMISS] = t->kind == T_SCSI ? 1 : 0;
	op_weight[OP_TEST_RUN] = t->kind == T_TEST || t->kind == T_IOTLB ? 4 : 1;
	op_weight[OP_TEST_SET_BACKEND] = t->kind == T_TEST || t->kind == T_IOTLB ? 3 : 0;
	if (t->kind == T_IOTLB) {
		op_weight[OP_IOTLB_WRITE] = 14;
		op_weight[OP_IOTLB_READ] = 5;
		op_weight[OP_IOTLB_MAP_ALL] = 4;
	}
}

static bool op_nests(unsigned int k)	/* spawns processes or threads */
{
	return k == OP_FORK_OPS || k == OP_OWNER_CHILD || k == OP_FD_PASS ||
	       k == OP_TRAFFIC_START || k == OP_TRAFFIC_STOP || k == OP_RACE ||
	       k == OP_OPEN || k == OP_CLOSE || k == OP_SETUP;
}

/* ------------------------------------------------------------------ */
/* Executor state                                                       */

struct vqs {
	unsigned int num;	/* accepted ring size (0: unknown) */
	bool canon;		/* accepted canonical SET_VRING_ADDR */
	uint16_t avail_idx;	/* next avail index we publish */
	uint16_t used_seen;	/* used entries already checked */
	uint16_t next_head;
};

struct slot {
	int fd;
	uint64_t offered;
	bool have_offered;
	bool iova;		/* ACCESS_PLATFORM acked: ring addrs are IOVAs */
	bool v2;		/* IOTLB_MSG_V2 acked */
	uint64_t cid;
	unsigned int nw;
	unsigned int wid[16];
	bool shared;		/* another process has had the fd: its workers may change */
	struct vqs vq[NVQ];
};

struct env {
	const struct target *t;
	const char *wwpn;
	struct slot s[NSLOT];
	int efd[NEFD];
	int pipefd[2], usock[2], devnull, tap, pkt, tap_ifindex;
	int vsocks[MAX_VSOCKS];
	unsigned int nvsocks;
	uint8_t *map, *ram, *logbuf, *fabuf;
	bool insane;		/* an accepted argument lets the device write anywhere */
	bool in_child;
	pid_t kids[MAX_KIDS];
	unsigned int nkids;
	pthread_t traffic;
	volatile bool traffic_run;
	bool traffic_on;
	pthread_t race;
	bool race_on;
	pthread_mutex_t lock;	/* fail[] */
	char fail[256];
	int kcov_ok;
};

static struct env E;
static uint64_t *cover;		/* main thread's KCOV buffer */
static uint64_t *remote_cover;	/* vhost workers' (remote KCOV), shared */
static int kcov_fd = -1;

static bool no_checks;	/* FUZZ_DEV: the node is not a vhost device */

static void failf(struct env *e, const char *fmt, ...)
{
	va_list ap;

	if (no_checks)
		return;
	pthread_mutex_lock(&e->lock);
	if (!e->fail[0]) {
		va_start(ap, fmt);
		vsnprintf(e->fail, sizeof(e->fail), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&e->lock);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Kernel log                                                           */

static int kmsg_fd = -1;

static bool bad_word(const char *s, const char *w)
{
	const char *p = s;

	while ((p = strstr(p, w))) {
		if (p == s || !(p[-1] == '_' || (p[-1] >= 'A' && p[-1] <= 'Z') ||
				 (p[-1] >= 'a' && p[-1] <= 'z') ||
				 (p[-1] >= '0' && p[-1] <= '9')))
			return true;
		p++;
	}
	return false;
}

static bool bad_line(const char *m)
{
	static const char *const pat[] = {
		"KASAN", "UBSAN", "general protection fault", "kernel BUG",
		"possible circular locking", "possible recursive locking",
		"inconsistent lock state", "suspicious RCU usage",
		"refcount_t:", "list_add corruption", "list_del corruption",
		"sleeping function called from invalid context",
		"soft lockup", "hard LOCKUP", "blocked for more than",
		"hung task", "detected stall", "Kernel panic",
		"unreferenced object", "INFO: possible",
	};
	unsigned int i;

	if (bad_word(m, "BUG:") || bad_word(m, "WARNING:") || bad_word(m, "Oops"))
		return true;
	for (i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		if (strstr(m, pat[i]))
			return true;
	return false;
}

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* First offending line since the last call into out (empty if none). */
static bool kmsg_check(char *out, size_t len)
{
	char buf[2048];
	bool bad = false;
	ssize_t n;

	if (kmsg_fd < 0)
		return false;
	for (;;) {
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records */
		if (n <= 0)
			break;
		buf[n] = 0;
		char *msg = strchr(buf, ';');

		msg = msg ? msg + 1 : buf;
		char *nl = strchr(msg, '\n');

		if (nl)
			*nl = 0;
		if (!bad && bad_line(msg)) {
			bad = true;
			snprintf(out, len, "kernel log: %.200s", msg);
		}
	}
	return bad;
}

/* ------------------------------------------------------------------ */
/* KCOV                                                                 */

static uint64_t *kcov_open(int *fdp)
{
	uint64_t *c;
	int fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)KCOV_WORDS)) {
		close(fd);
		return NULL;
	}
	c = mmap(NULL, KCOV_WORDS * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	if (ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		munmap(c, KCOV_WORDS * 8);
		close(fd);
		return NULL;
	}
	*fdp = fd;
	__atomic_store_n(&c[0], 0, __ATOMIC_RELAXED);
	return c;
}

/*
 * Remote KCOV: the rings are processed by vhost worker threads, which
 * credit what they cover to the handle of the task that set the owner.
 * The supervisor takes a common handle before it forks executors; they
 * inherit the handle (so their SET_OWNERs carry it) and the mapping (so
 * they fold the workers' PCs in with their own).
 */
static uint64_t *kcov_remote_open(void)
{
	struct kcov_remote_arg arg = {
		.trace_mode = KCOV_TRACE_PC,
		.area_size = KCOV_WORDS,
		.common_handle = 0x4000000ull | (uint32_t)getpid(),
	};
	uint64_t *c;
	int fd = open("/sys/kernel/debug/kcov", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (ioctl(fd, KCOV_INIT_TRACE, (unsigned long)KCOV_WORDS))
		goto fail;
	c = mmap(NULL, KCOV_WORDS * 8, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED)
		goto fail;
	if (ioctl(fd, KCOV_REMOTE_ENABLE, &arg)) {
		munmap(c, KCOV_WORDS * 8);
		goto fail;
	}
	/* the fd stays open (and enabled) for the supervisor's life */
	__atomic_store_n(&c[0], 0, __ATOMIC_RELAXED);
	return c;
fail:
	close(fd);
	return NULL;
}

static void kcov_close(uint64_t *c, int fd)
{
	if (!c)
		return;
	ioctl(fd, KCOV_DISABLE, 0);
	munmap(c, KCOV_WORDS * 8);
	close(fd);
}

/* A set of PCs (open addressing). */
#define PCSET_BITS 20
static uint64_t *pcset;
static uint64_t npcs;
static uint64_t npcs_remote;	/* of npcs, first seen in a vhost worker */
static pthread_mutex_t pc_lock = PTHREAD_MUTEX_INITIALIZER;

static bool pc_add(uint64_t pc)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> (64 - PCSET_BITS);

	if (npcs >= (1u << PCSET_BITS) * 3 / 4)
		return false;
	while (pcset[h]) {
		if (pcset[h] == pc)
			return false;
		h = (h + 1) & ((1u << PCSET_BITS) - 1);
	}
	pcset[h] = pc;
	npcs++;
	return true;
}

/* Fold a KCOV buffer into the set; the number of new PCs. */
static unsigned int kcov_collect(uint64_t *c)
{
	uint64_t n = __atomic_load_n(&c[0], __ATOMIC_RELAXED), i;
	unsigned int fresh = 0;

	if (n >= KCOV_WORDS)
		n = KCOV_WORDS - 1;
	pthread_mutex_lock(&pc_lock);
	for (i = 0; i < n; i++)
		fresh += pc_add(c[i + 1]);
	pthread_mutex_unlock(&pc_lock);
	__atomic_store_n(&c[0], 0, __ATOMIC_RELAXED);
	return fresh;
}

/* The workers' buffer: the same, counting what only they reached. */
static unsigned int kcov_collect_remote(void)
{
	unsigned int fresh = kcov_collect(remote_cover);

	npcs_remote += fresh;
	return fresh;
}

/* ------------------------------------------------------------------ */
/* Environment set-up and tear-down                                     */

static int tap_create(int *ifindex)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC), s;

	*ifindex = 0;
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strcpy(ifr.ifr_name, "vfz%d");
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		close(fd);
		return -1;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
			ifr.ifr_flags |= IFF_UP;
			ioctl(s, SIOCSIFFLAGS, &ifr);
		}
		if (!ioctl(s, SIOCGIFINDEX, &ifr))
			*ifindex = ifr.ifr_ifindex;
		close(s);
	}
	return fd;
}

static int packet_socket(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int s;

	if (!ifindex)
		return -1;
	s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		close(s);
		return -1;
	}
	return s;
}

static void env_init(struct env *e, const struct target *t, const char *wwpn)
{
	unsigned int i;
	uint8_t *fa;

	memset(e, 0, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	e->t = t;
	e->wwpn = wwpn;
	/* [canary page][RAM][canary page], shared with forked children */
	e->map = mmap(NULL, RAM_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	e->logbuf = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fa = mmap(NULL, FA_BUF + PAGE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (e->map == MAP_FAILED || e->logbuf == MAP_FAILED || fa == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	mprotect(fa + FA_BUF, PAGE, PROT_NONE);
	e->fabuf = fa;
	e->ram = e->map + PAGE;
	for (i = 0; i < NEFD; i++)
		e->efd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pipe2(e->pipefd, O_NONBLOCK | O_CLOEXEC))
		e->pipefd[0] = e->pipefd[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, e->usock))
		e->usock[0] = e->usock[1] = -1;
	e->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	e->tap = -1;
	e->pkt = -1;
	if (t->kind == T_NET) {
		e->tap = tap_create(&e->tap_ifindex);
		e->pkt = packet_socket(e->tap_ifindex);
	}
	for (i = 0; i < NSLOT; i++)
		e->s[i].fd = -1;
}

static void reap_kids(struct env *e)
{
	uint64_t deadline = now_ns() + 10000000000ull;
	unsigned int i;

	for (i = 0; i < e->nkids; i++) {
		for (;;) {
			pid_t r = waitpid(e->kids[i], NULL, WNOHANG);

			if (r != 0)
				break;
			if (now_ns() > deadline) {
				kill(e->kids[i], SIGKILL);
				waitpid(e->kids[i], NULL, 0);
				break;
			}
			usleep(1000);
		}
	}
	e->nkids = 0;
}

static void traffic_stop(struct env *e);
static void race_join(struct env *e);

/* Undo one program: every fd and child it made; RAM back to zero. */
static void env_reset(struct env *e)
{
	unsigned int i;

	race_join(e);
	traffic_stop(e);
	reap_kids(e);
	for (i = 0; i < NSLOT; i++) {
		if (e->s[i].fd >= 0)
			close(e->s[i].fd);
		memset(&e->s[i], 0, sizeof(e->s[i]));
		e->s[i].fd = -1;
	}
	for (i = 0; i < e->nvsocks; i++)
		close(e->vsocks[i]);
	e->nvsocks = 0;
	for (i = 0; i < NEFD; i++) {
		uint64_t v;

		if (read(e->efd[i], &v, sizeof(v)) < 0)
			continue;
	}
	memset(e->map, CANARY, PAGE);
	memset(e->ram, 0, RAM_SIZE);
	memset(e->ram + RAM_SIZE, CANARY, PAGE);
	memset(e->logbuf, 0, 2 * PAGE);
	e->insane = false;
	e->fail[0] = 0;
}

static bool canaries_ok(struct env *e)
{
	unsigned int i;

	for (i = 0; i < PAGE; i++)
		if (e->map[i] != CANARY || e->ram[RAM_SIZE + i] != CANARY)
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Argument helpers                                                     */

static int pick_fd(struct env *e, unsigned int slot, unsigned int x)
{
	switch (x % 18) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return e->efd[x % 18];
	case 6: return -1;
	case 7: return e->pipefd[0];
	case 8: return e->pipefd[1];
	case 9: return e->usock[0];
	case 10: return e->devnull;
	case 11: return e->tap;
	case 12: return e->pkt;
	case 13: return e->s[slot % NSLOT].fd;
	case 14: return e->s[(slot + 1) % NSLOT].fd;
	case 15: return 999;		/* not open */
	case 16: return INT_MAX;
	default: return INT_MIN;
	}
}

/* An eventfd most of the time, anything sometimes. */
static uint32_t gen_fdsel(struct rng *r)
{
	return one_in(r, 4) ? (uint32_t)rnd(r, 18) : (uint32_t)rnd(r, NEFD);
}

static long xioctl(int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static void check_rc(struct env *e, const struct op *o, long rc)
{
	if (rc > 0)
		failf(e, "%s returned %ld (expected 0 or -1)", op_names[o->kind], rc);
	if (rc == -EFAULT && o->kind == OP_GET_FEATURES)
		failf(e, "GET_FEATURES -EFAULT on a valid buffer");
}

/* ------------------------------------------------------------------ */
/* Memory table                                                         */

static long do_mem_table(struct env *e, struct slot *s, const struct op *o)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[64];
	} t;
	struct rng r = { o->a };
	unsigned int i, n = 1, mode = o->x % 9;
	uint64_t ua = (uint64_t)(uintptr_t)e->ram;
	bool sane = true;
	long rc;

	memset(&t, 0, sizeof(t));
	switch (mode) {
	case 0:		/* the whole RAM, one region */
		t.r[0] = (struct vhost_memory_region){ GPA_BASE, RAM_SIZE, ua, 0 };
		break;
	case 1:		/* RAM in 2..4 pieces */
		n = 2 + rnd(&r, 3);
		for (i = 0; i < n; i++) {
			uint64_t sz = RAM_SIZE / n & ~(PAGE - 1);
			uint64_t off = i * sz;

			if (i == n - 1)
				sz = RAM_SIZE - off;
			t.r[i] = (struct vhost_memory_region){ GPA_BASE + off, sz, ua + off, 0 };
		}
		break;
	case 2:		/* overlapping guest ranges */
		n = 2 + rnd(&r, 3);
		for (i = 0; i < n; i++) {
			uint64_t off = rnd(&r, RAM_SIZE / PAGE) * PAGE;

			t.r[i] = (struct vhost_memory_region){
				GPA_BASE + rnd(&r, 4) * PAGE,
				(1 + rnd(&r, (RAM_SIZE - off) / PAGE)) * PAGE, ua + off, 0 };
		}
		sane = false;
		break;
	case 3:		/* wrapping guest or user range */
		t.r[0] = (struct vhost_memory_region){ ~0ull - PAGE + 1 - rnd(&r, 2) * PAGE,
						       2 * PAGE + boundary(&r, PAGE), ua, 0 };
		if (one_in(&r, 2))
			t.r[0] = (struct vhost_memory_region){ GPA_BASE, 2 * PAGE,
							       ~0ull - PAGE + 1, 0 };
		sane = false;
		break;
	case 4:		/* huge */
		t.r[0] = (struct vhost_memory_region){ GPA_BASE, boundary(&r, RAM_SIZE) | (1ull << 62),
						       ua, 0 };
		if (one_in(&r, 2))
			t.r[0].memory_size = ~0ull - GPA_BASE + 1;
		sane = false;
		break;
	case 5:		/* user address not ours: 0, kernel, unmapped, unaligned */
		t.r[0] = (struct vhost_memory_region){ GPA_BASE, RAM_SIZE,
			(uint64_t[]){ 0, 0xffff888000000000ull, 0x10000, ua + 1,
				      0x7fffffffe000ull }[rnd(&r, 5)], 0 };
		sane = false;
		break;
	case 6:		/* nregions at the edges, table smaller */
		n = 4;
		for (i = 0; i < n; i++)
			t.r[i] = (struct vhost_memory_region){ GPA_BASE + i * (RAM_SIZE / 4),
							       RAM_SIZE / 4, ua + i * (RAM_SIZE / 4), 0 };
		t.m.nregions = (uint32_t)boundary(&r, 64);
		if (t.m.nregions > 4)
			sane = false;
		goto issue;
	case 7:		/* zero size, unaligned, flags set */
		t.r[0] = (struct vhost_memory_region){ GPA_BASE + rnd(&r, 2) * 7,
			rnd(&r, 2) ? 0 : RAM_SIZE - 1, ua, rnd(&r, 2) ? 1ull << rnd(&r, 64) : 0 };
		sane = false;
		break;
	default:	/* many page-sized regions */
		n = 1 + rnd(&r, 64);
		for (i = 0; i < n; i++)
			t.r[i] = (struct vhost_memory_region){ GPA_BASE + i * PAGE * 2,
							       PAGE * 2, ua + i * PAGE * 2, 0 };
		break;
	}
	t.m.nregions = n;
	if (one_in(&r, 16))
		t.m.padding = (uint32_t)rnext(&r);
issue:
	rc = xioctl(s->fd, VHOST_SET_MEM_TABLE, &t);
	if (!rc && !sane)
		e->insane = true;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Rings                                                                */

static void canon_addr(struct env *e, struct slot *s, unsigned int slot,
		       unsigned int vq, struct vhost_vring_addr *a, bool iova)
{
	uint64_t off = ring_off(slot, vq % NVQ);
	uint64_t base = iova ? GPA_BASE : (uint64_t)(uintptr_t)e->ram;

	(void)s;
	memset(a, 0, sizeof(*a));
	a->index = vq;
	a->desc_user_addr = base + off;
	a->avail_user_addr = base + off + 4096;
	a->used_user_addr = base + off + 5120;
	a->log_guest_addr = GPA_BASE + off + 5120;
}

static long do_vring_addr(struct env *e, struct slot *s, unsigned int slot,
			  const struct op *o)
{
	struct vhost_vring_addr a;
	struct rng r = { o->a };
	unsigned int mode = o->x % 6;
	long rc;

	canon_addr(e, s, slot, o->vq, &a, mode == 5 ? !s->iova : s->iova);
	switch (mode) {
	case 0:
	case 5:
		break;
	case 1:		/* elsewhere in RAM, maybe unaligned */
		a.desc_user_addr += rnd(&r, 2) ? rnd(&r, RAM_SIZE) & ~15ull : rnd(&r, 64);
		a.avail_user_addr += rnd(&r, 64);
		a.used_user_addr += rnd(&r, 64);
		break;
	case 2: {	/* garbage addresses */
		static const uint64_t g[] = { 0, 1, 0xffff888000000000ull,
					      0x7ffffffff000ull, ~0ull, ~0ull - 15,
					      0x10000, 1ull << 47 };
		a.desc_user_addr = g[rnd(&r, 8)];
		if (one_in(&r, 2))
			a.avail_user_addr = g[rnd(&r, 8)];
		if (one_in(&r, 2))
			a.used_user_addr = g[rnd(&r, 8)];
		break;
	}
	case 3:		/* logged used ring, canonical */
		a.flags = 1u << VHOST_VRING_F_LOG;
		break;
	default:	/* logged, garbage log address or flags */
		a.flags = (uint32_t)(rnd(&r, 2) ? 1u << VHOST_VRING_F_LOG : rnext(&r));
		a.log_guest_addr = boundary(&r, GPA_BASE);
		break;
	}
	rc = xioctl(s->fd, VHOST_SET_VRING_ADDR, &a);
	if (o->vq < NVQ) {
		if (!rc)
			s->vq[o->vq].canon = mode == 0 || mode == 3;
		if (!rc && !(mode == 0 || mode == 3 || mode == 5))
			e->insane = true;
		if (!rc && mode == 5)
			e->insane = true;
	}
	return rc;
}

static unsigned int ring_num(struct slot *s, unsigned int vq)
{
	unsigned int n = s->vq[vq].num;

	return n && n <= RING_MAX ? n : RING_MAX;
}

/* Guest-side writes: random chains, indirect tables, indices, events. */
static void fill_buffer(struct env *e, uint8_t *p, uint32_t len, struct rng *r,
			unsigned int slot, unsigned int vq)
{
	unsigned int i;

	if (one_in(r, 4)) {
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)rnext(r);
		return;
	}
	memset(p, 0, len);
	switch (e->t->kind) {
	case T_VSOCK:
		if (len >= 44) {	/* struct virtio_vsock_hdr */
			uint64_t src = e->s[slot].cid ? e->s[slot].cid : 3;
			uint16_t type = one_in(r, 4) ? (uint16_t)rnd(r, 4) : 1;
			uint16_t op = (uint16_t)rnd(r, 8);
			uint32_t plen = one_in(r, 3) ? (uint32_t)boundary(r, len - 44) : 0;

			memcpy(p, &src, 8);
			p[8] = 2;	/* dst_cid: the host */
			memcpy(p + 16, &(uint32_t){ 1024 + (uint32_t)rnd(r, 4) }, 4);
			memcpy(p + 20, &(uint32_t){ 1234 + (uint32_t)rnd(r, 4) }, 4);
			memcpy(p + 24, &plen, 4);
			memcpy(p + 28, &type, 2);
			memcpy(p + 30, &op, 2);
			memcpy(p + 32, &(uint32_t){ (uint32_t)rnd(r, 4) }, 4);
			memcpy(p + 36, &(uint32_t){ (uint32_t)boundary(r, 65536) }, 4);
			memcpy(p + 40, &(uint32_t){ (uint32_t)boundary(r, 65536) }, 4);
		}
		break;
	case T_SCSI:
		if (vq == 0 && len >= 4) {	/* TMF / AN request */
			p[0] = (uint8_t)rnd(r, 3);
			p[4] = (uint8_t)rnd(r, 8);
		} else if (len >= 51) {	/* virtio_scsi_cmd_req */
			static const uint8_t cdb[] = { 0x00, 0x12, 0x25, 0x28, 0x2a,
						       0xa0, 0x88, 0x8a, 0x35, 0x03 };
			p[0] = 1;
			p[1] = (uint8_t)rnd(r, 2);
			p[3] = (uint8_t)rnd(r, 2);
			p[8] = (uint8_t)rnext(r);
			p[19] = cdb[rnd(r, sizeof(cdb))];
			for (i = 20; i < 30; i++)
				p[i] = one_in(r, 3) ? (uint8_t)rnext(r) : 0;
			p[26] = (uint8_t)rnd(r, 8);
		}
		break;
	case T_NET:
		if (len > 12 + 14) {
			if (one_in(r, 4)) {
				p[0] = (uint8_t)rnd(r, 4);	/* flags */
				p[1] = (uint8_t)rnd(r, 8);	/* gso type */
				memcpy(p + 2, &(uint16_t){ (uint16_t)rnext(r) }, 2);
				memcpy(p + 4, &(uint16_t){ (uint16_t)rnext(r) }, 2);
			}
			memset(p + 12, 0xff, 6);
			p[12 + 6] = 2;
			p[12 + 12] = 0x88;
			p[12 + 13] = 0xb5;
		}
		break;
	default:
		break;
	}
}

static uint64_t buf_addr(struct rng *r, uint32_t len, bool *inside)
{
	static const uint64_t out[] = { 0, GPA_BASE - PAGE, GPA_BASE + RAM_SIZE,
					GPA_BASE + RAM_SIZE - 8, ~0ull - 15, 1ull << 47,
					0x80000000ull };

	*inside = !one_in(r, 8);
	if (*inside) {
		uint64_t room = RAM_SIZE - BUF_OFF;

		if (len > room)
			len = (uint32_t)room;
		return GPA_BASE + BUF_OFF + rnd(r, room - len + 1);
	}
	return out[rnd(r, sizeof(out) / sizeof(out[0]))];
}

static uint32_t buf_len(struct rng *r)
{
	switch (rnd(r, 8)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return (uint32_t)boundary(r, 4096);
	case 3: return 4096;
	case 4: return 44 + (uint32_t)rnd(r, 64);
	default: return 8 + (uint32_t)rnd(r, 1600);
	}
}

static void write_desc(uint8_t *tab, unsigned int i, uint64_t addr, uint32_t len,
		       uint16_t flags, uint16_t next)
{
	struct vring_desc d = { .addr = addr, .len = len, .flags = flags, .next = next };

	memcpy(tab + i * 16ul, &d, sizeof(d));
}

/* One chain (maybe through an indirect table), returns its head. */
static uint16_t fill_chain(struct env *e, struct slot *s, unsigned int slot,
			   unsigned int vq, struct rng *r, unsigned int num)
{
	uint8_t *desc = e->ram + ring_off(slot, vq);
	unsigned int len = 1 + rnd(r, 4), i, nout = rnd(r, len + 1);
	uint16_t head = s->vq[vq].next_head % num;
	bool indirect = one_in(r, 4);
	uint8_t *tab = desc;
	unsigned int base = head;

	s->vq[vq].next_head = (uint16_t)(head + len);
	if (indirect) {
		uint32_t tlen = len * 16;
		bool in;
		uint64_t tg;

		if (one_in(r, 6))
			tlen = (uint32_t)boundary(r, tlen);
		tg = buf_addr(r, 16 * 8, &in);
		if (in)
			tab = e->ram + (tg - GPA_BASE);
		else
			tab = NULL;
		write_desc(desc, head, tg, tlen, VRING_DESC_F_INDIRECT |
			   (one_in(r, 8) ? VRING_DESC_F_NEXT | VRING_DESC_F_WRITE : 0),
			   (uint16_t)rnd(r, num));
		base = 0;
		s->vq[vq].next_head = head + 1;
	}
	if (!tab)
		return head;
	for (i = 0; i < len; i++) {
		unsigned int idx = indirect ? i : (base + i) % num;
		unsigned int nxt = indirect ? i + 1 : (base + i + 1) % num;
		uint32_t bl = buf_len(r);
		bool in;
		uint64_t ba = buf_addr(r, bl, &in);
		uint16_t fl = 0;

		if (i + 1 < len)
			fl |= VRING_DESC_F_NEXT;
		if (i >= nout)
			fl |= VRING_DESC_F_WRITE;
		if (one_in(r, 16))
			fl ^= 1u << rnd(r, 3);
		if (one_in(r, 16))
			nxt = one_in(r, 2) ? idx : (unsigned int)boundary(r, num);
		if (in && !(fl & VRING_DESC_F_WRITE) && bl) {
			uint64_t room = GPA_BASE + RAM_SIZE - ba;

			fill_buffer(e, e->ram + (ba - GPA_BASE), bl < room ? bl : (uint32_t)room,
				    r, slot, vq);
		}
		write_desc(tab, idx, ba, bl, fl, (uint16_t)nxt);
	}
	return head;
}

static void do_ring_fill(struct env *e, unsigned int slot, const struct op *o)
{
	struct slot *s = &e->s[slot];
	unsigned int vq = o->vq % NVQ, num = ring_num(s, vq), n = 1 + o->x % 8, i;
	uint8_t *ring = e->ram + ring_off(slot, vq);
	uint8_t *avail = ring + 4096;
	struct rng r = { o->a };
	uint16_t idx;

	for (i = 0; i < n; i++) {
		uint16_t head = fill_chain(e, s, slot, vq, &r, num);

		if (one_in(&r, 16))
			head = (uint16_t)boundary(&r, num);
		memcpy(avail + 4 + 2 * (s->vq[vq].avail_idx % num), &head, 2);
		s->vq[vq].avail_idx++;
	}
	idx = s->vq[vq].avail_idx;
	if (one_in(&r, 12)) {
		idx = (uint16_t)(idx + boundary(&r, num));
		s->vq[vq].avail_idx = idx;
	}
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
	if (one_in(&r, 6))	/* used_event */
		memcpy(avail + 4 + 2 * num, &(uint16_t){ (uint16_t)boundary(&r, idx) }, 2);
	if (one_in(&r, 8))
		memcpy(avail, &(uint16_t){ (uint16_t)rnd(&r, 4) }, 2);
	if (o->b & 1)
		eventfd_write(e->efd[(slot + vq) % 3], 1);
}

static void do_ring_garbage(struct env *e, unsigned int slot, const struct op *o)
{
	uint8_t *ring = e->ram + ring_off(slot, o->vq % NVQ);
	struct rng r = { o->a };
	unsigned int n = 1 + o->x % 32, i;

	for (i = 0; i < n; i++)
		ring[rnd(&r, RING_STRIDE)] = (uint8_t)rnext(&r);
	/* we may have written the used ring ourselves: stop checking it */
	e->s[slot].vq[o->vq % NVQ].canon = false;
}

/*
 * The used index in guest memory now. A ring starts from it (the device
 * reads it when it starts the ring, as Linux does), so the entries below it
 * were written before: by an earlier device of this slot, for another size,
 * or by the fuzzer itself. Only entries past it are this device's.
 */
static uint16_t used_idx_now(struct env *e, unsigned int slot, unsigned int vq)
{
	uint8_t *used = e->ram + ring_off(slot, vq) + 5120;

	return __atomic_load_n((uint16_t *)(used + 2), __ATOMIC_ACQUIRE);
}

/* Used entries the device wrote since the last look must name a head < num. */
static void check_used(struct env *e, unsigned int slot)
{
	struct slot *s = &e->s[slot];
	unsigned int vq;

	if (e->insane || s->iova)
		return;
	for (vq = 0; vq < NVQ; vq++) {
		struct vqs *q = &s->vq[vq];
		uint8_t *used = e->ram + ring_off(slot, vq) + 5120;
		uint16_t idx, i;

		if (!q->canon || !q->num || q->num > RING_MAX)
			continue;
		idx = __atomic_load_n((uint16_t *)(used + 2), __ATOMIC_ACQUIRE);
		if ((uint16_t)(idx - q->used_seen) > q->num) {
			q->used_seen = idx;	/* base moved under us; resync */
			continue;
		}
		for (i = q->used_seen; i != idx; i++) {
			uint32_t id;

			memcpy(&id, used + 4 + 8 * (i % q->num), 4);
			if (id >= q->num)
				failf(e, "slot %u vq %u: used entry %u names head %u >= num %u",
				      slot, vq, i, id, q->num);
		}
		q->used_seen = idx;
	}
}

/* ------------------------------------------------------------------ */
/* IOTLB                                                                */

static long iotlb_send(int fd, bool v2, uint8_t type, uint64_t iova, uint64_t size,
		       uint64_t uaddr, uint8_t perm, uint32_t asid, size_t wlen)
{
	union {
		struct vhost_msg v1;
		struct vhost_msg_v2 v2;
		uint8_t raw[256];
	} m;
	struct vhost_iotlb_msg *t = v2 ? &m.v2.iotlb : &m.v1.iotlb;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	if (v2) {
		m.v2.type = VHOST_IOTLB_MSG_V2;
		m.v2.asid = asid;
	} else {
		m.v1.type = VHOST_IOTLB_MSG;
	}
	t->iova = iova;
	t->size = size;
	t->uaddr = uaddr;
	t->perm = perm;
	t->type = type;
	if (!wlen)
		wlen = v2 ? sizeof(m.v2) : sizeof(m.v1);
	n = write(fd, &m, wlen);
	return n < 0 ? -errno : n;
}

static long do_iotlb_write(struct env *e, struct slot *s, const struct op *o)
{
	struct rng r = { o->a };
	static const uint8_t types[] = { VHOST_IOTLB_UPDATE, VHOST_IOTLB_UPDATE,
					 VHOST_IOTLB_INVALIDATE, VHOST_IOTLB_MISS,
					 VHOST_IOTLB_ACCESS_FAIL, VHOST_IOTLB_BATCH_BEGIN,
					 VHOST_IOTLB_BATCH_END, 0, 7, 255 };
	uint8_t type = types[o->x % 10];
	bool v2 = (o->x >> 4) & 1 ? !s->v2 : s->v2;
	uint64_t off = rnd(&r, RAM_SIZE / PAGE) * PAGE;
	uint64_t size = (1 + rnd(&r, (RAM_SIZE - off) / PAGE)) * PAGE;
	uint64_t iova = GPA_BASE + off, uaddr = (uint64_t)(uintptr_t)e->ram + off;
	uint8_t perm = one_in(&r, 6) ? (uint8_t)rnext(&r) : (uint8_t)(1 + rnd(&r, 3));
	bool sane = true;
	size_t wlen = 0;
	long rc;

	switch (rnd(&r, 10)) {
	case 0: size = 0; break;
	case 1: iova = ~0ull - PAGE + 1; size = 2 * PAGE; sane = false; break;
	case 2: size = boundary(&r, RAM_SIZE); sane = false; break;
	case 3: uaddr = (uint64_t[]){ 0, 0xffff888000000000ull, ~0ull, 0x10000 }[rnd(&r, 4)];
		sane = false; break;
	case 4: off = rnd(&r, RAM_SIZE); iova = GPA_BASE + off; sane = false; break;
	case 5: wlen = 1 + rnd(&r, 100); break;
	default: break;
	}
	if (iova - GPA_BASE != uaddr - (uint64_t)(uintptr_t)e->ram)
		sane = false;
	rc = iotlb_send(s->fd, v2, type, iova, size, uaddr, perm,
			one_in(&r, 8) ? (uint32_t)rnext(&r) : 0, wlen);
	if (rc > 0 && type == VHOST_IOTLB_UPDATE && !sane)
		e->insane = true;
	/* A write that succeeds takes one message (v1 and v2 are the same size), as in Linux. */
	if (rc > 0 && (size_t)rc != sizeof(struct vhost_msg))
		failf(e, "IOTLB write of %zu bytes returned %ld", wlen ? wlen : sizeof(struct vhost_msg), rc);
	return rc > 0 ? 0 : rc;
}

/* Whether @fd is (still) open on the target's device node. */
static bool fd_is_target(struct env *e, int fd)
{
	struct stat a, b;

	return fd >= 0 && !fstat(fd, &a) && !stat(e->t->path, &b) &&
	       S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

static long do_iotlb_read(struct env *e, struct slot *s)
{
	uint8_t buf[256];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	struct vhost_msg m;

	if (n < 0)
		return -errno;
	if (n != sizeof(struct vhost_msg)) {
		/*
		 * A RACE thread may have closed the slot's fd and the number
		 * been reused (a socket, an eventfd): judge only a vhost fd.
		 */
		if (fd_is_target(e, s->fd))
			failf(e, "IOTLB read returned %zd bytes, not %zu", n,
			      sizeof(struct vhost_msg));
		return 0;
	}
	memcpy(&m, buf, sizeof(m));
	/* v1 and v2 put the type first and the iotlb message at offset 8 */
	if ((m.type != VHOST_IOTLB_MSG && m.type != VHOST_IOTLB_MSG_V2) ||
	    (m.iotlb.type != VHOST_IOTLB_MISS && m.iotlb.type != VHOST_IOTLB_ACCESS_FAIL))
		failf(e, "IOTLB read: message type %d, iotlb type %u", m.type, m.iotlb.type);
	return 0;
}

static long iotlb_map_all(struct env *e, struct slot *s, bool v2)
{
	long rc = iotlb_send(s->fd, v2, VHOST_IOTLB_UPDATE, GPA_BASE, RAM_SIZE,
			     (uint64_t)(uintptr_t)e->ram, VHOST_ACCESS_RW, 0, 0);

	return rc > 0 ? 0 : rc;
}

/* ------------------------------------------------------------------ */
/* Children, threads                                                     */

static void gen_op(struct rng *r, const struct target *t, struct op *o, bool flat);
static long exec_op(struct env *e, const struct op *o);

/*
 * A child changed device state we cannot see (ring sizes, memory tables):
 * the used-ring and canary checks would judge by stale facts, so they stop
 * for the rest of this program.
 */
static void children_ran(struct env *e)
{
	e->insane = true;
}

static void add_kid(struct env *e, pid_t p)
{
	if (e->nkids < MAX_KIDS) {
		e->kids[e->nkids++] = p;
	} else {
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

static void wait_kid(pid_t p, unsigned int ms)
{
	uint64_t deadline = now_ns() + ms * 1000000ull;

	while (waitpid(p, NULL, WNOHANG) == 0) {
		if (now_ns() > deadline) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
			return;
		}
		usleep(500);
	}
}

static void child_ops(struct env *e, uint64_t seed, unsigned int n)
{
	struct rng r = { seed };
	struct op o;
	unsigned int i;

	for (i = 0; i < n; i++) {
		gen_op(&r, e->t, &o, true);
		exec_op(e, &o);
	}
}

static pid_t spawn(struct env *e)
{
	pid_t p;

	if (e->in_child)
		return -1;
	fflush(NULL);
	p = fork();
	if (p >= 0) {
		unsigned int i;

		/*
		 * Either side may now create and free workers on the fds they
		 * share: an id the kernel hands out again is no longer news.
		 */
		for (i = 0; i < NSLOT; i++)
			e->s[i].shared = true;
	}
	if (p == 0) {
		e->in_child = true;
		e->nkids = 0;
		e->traffic_on = false;
		e->race_on = false;
		alarm(10);
		if (kcov_fd >= 0) {
			/* KCOV follows the task: the child's is off; drop the mapping. */
			cover = NULL;
		}
	}
	return p;
}

static void do_owner_child(struct env *e, unsigned int slot, const struct op *o)
{
	struct slot *s = &e->s[slot];
	struct op sub;
	pid_t p;

	if (s->fd < 0)
		return;
	p = spawn(e);
	if (p)
		goto parent;
	/* The child becomes the owner, starts the rings and exits with them running. */
	sub = (struct op){ .kind = OP_SETUP, .slot = slot, .x = o->x | 0x100, .a = o->a };
	exec_op(e, &sub);
	child_ops(e, o->b, 2 + o->x % 6);
	_exit(0);
parent:
	if (p < 0)
		return;
	if (o->x & 0x10)
		wait_kid(p, 8000);
	else
		add_kid(e, p);
	children_ran(e);
}

static void do_fork_ops(struct env *e, const struct op *o)
{
	pid_t p = spawn(e);

	if (p == 0) {
		child_ops(e, o->a, 1 + o->x % 8);
		_exit(0);
	}
	if (p < 0)
		return;
	if (o->b & 1)
		add_kid(e, p);
	else
		wait_kid(p, 8000);
	children_ran(e);
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char c = 'f';
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(cbuf, 0, sizeof(cbuf));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_DONTWAIT) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct pollfd pf = { sock, POLLIN, 0 };
	int fd;

	if (poll(&pf, 1, 3000) != 1 || recvmsg(sock, &mh, MSG_DONTWAIT) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Pass a device fd to another process over a unix socket; it uses it and exits. */
static void do_fd_pass(struct env *e, unsigned int slot, const struct op *o)
{
	int sv[2];
	pid_t p;

	if (e->s[slot].fd < 0 || e->in_child)
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return;
	p = spawn(e);
	if (p == 0) {
		int fd, i;

		close(sv[0]);
		fd = recv_fd(sv[1]);
		/* the child closes its inherited copies: only the passed fd remains */
		for (i = 0; i < NSLOT; i++) {
			if (e->s[i].fd >= 0)
				close(e->s[i].fd);
			e->s[i].fd = -1;
		}
		e->s[slot].fd = fd;
		child_ops(e, o->a, 1 + o->x % 8);
		if (o->x & 0x20 && fd >= 0)
			close(fd);
		_exit(0);
	}
	close(sv[1]);
	if (p > 0) {
		send_fd(sv[0], e->s[slot].fd);
		if (o->x & 0x40) {
			/* close ours: the child's copy is the last reference */
			close(e->s[slot].fd);
			memset(&e->s[slot], 0, sizeof(e->s[slot]));
			e->s[slot].fd = -1;
		}
		if (o->b & 1)
			add_kid(e, p);
		else
			wait_kid(p, 8000);
		children_ran(e);
	}
	close(sv[0]);
}

static void *traffic_fn(void *arg)
{
	struct env *e = arg;
	unsigned int i, it;
	uint8_t frame[64];

	memset(frame, 0xff, 6);
	frame[6] = 2;
	frame[12] = 0x88;
	frame[13] = 0xb5;
	for (it = 0; it < 4000 && __atomic_load_n(&e->traffic_run, __ATOMIC_ACQUIRE); it++) {
		for (i = 0; i < NEFD; i++)
			eventfd_write(e->efd[i], 1);
		if (e->pkt >= 0)
			send(e->pkt, frame, sizeof(frame), MSG_DONTWAIT);
		usleep(100);
	}
	return NULL;
}

static void traffic_start(struct env *e)
{
	if (e->traffic_on || e->in_child)
		return;
	e->traffic_run = true;
	if (!pthread_create(&e->traffic, NULL, traffic_fn, e))
		e->traffic_on = true;
}

static void traffic_stop(struct env *e)
{
	if (!e->traffic_on)
		return;
	__atomic_store_n(&e->traffic_run, false, __ATOMIC_RELEASE);
	pthread_join(e->traffic, NULL);
	e->traffic_on = false;
}

struct race_arg {
	struct env *e;
	struct op o;
};

static struct race_arg race_arg;

static void *race_fn(void *arg)
{
	struct race_arg *ra = arg;
	int fd = -1;
	uint64_t *c = ra->e->kcov_ok ? kcov_open(&fd) : NULL;

	exec_op(ra->e, &ra->o);
	if (c) {
		kcov_collect(c);
		kcov_close(c, fd);
	}
	return NULL;
}

/* Run one op in another thread, concurrently with the next op of the program. */
static void race_start(struct env *e, const struct op *o)
{
	struct rng r = { o->a };

	if (e->race_on || e->in_child)
		return;
	race_arg.e = e;
	do {
		gen_op(&r, e->t, &race_arg.o, true);
	} while (race_arg.o.kind == OP_SLEEP);
	race_arg.o.slot = o->slot;
	if (!pthread_create(&e->race, NULL, race_fn, &race_arg))
		e->race_on = true;
}

static void race_join(struct env *e)
{
	if (!e->race_on)
		return;
	pthread_join(e->race, NULL);
	e->race_on = false;
}

/* ------------------------------------------------------------------ */
/* Canonical set-up of a slot: owner, features, memory, rings, backend.  */

static void do_setup(struct env *e, unsigned int slot, const struct op *o)
{
	struct slot *s = &e->s[slot];
	struct rng r = { o->a };
	const struct target *t = e->t;
	bool iotlb = t->kind == T_IOTLB || one_in(&r, 6);
	static const unsigned int nums[] = { 1, 2, 4, 8, 16, 64, 128, 256, 3 };
	unsigned int vq, num = nums[rnd(&r, 9)];
	uint64_t f = 0, bf;
	struct op sub;

	if (s->fd < 0) {
		s->fd = open(t->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (s->fd < 0)
			return;
	}
	xioctl(s->fd, VHOST_SET_OWNER, NULL);
	if (!xioctl(s->fd, VHOST_GET_FEATURES, &f)) {
		s->offered = f;
		s->have_offered = true;
	}
	if (!iotlb)
		f &= ~(1ull << F_ACCESS_PLATFORM);
	if (one_in(&r, 3))
		f &= rnext(&r) | (1ull << F_ACCESS_PLATFORM) | (1ull << F_VERSION_1);
	bf = (1ull << VHOST_BACKEND_F_IOTLB_MSG_V2) | (1ull << VHOST_BACKEND_F_IOTLB_BATCH);
	if (!xioctl(s->fd, VHOST_SET_BACKEND_FEATURES, &bf))
		s->v2 = true;
	if (!xioctl(s->fd, VHOST_SET_FEATURES, &f))
		s->iova = f >> F_ACCESS_PLATFORM & 1;
	sub = (struct op){ .kind = OP_SET_MEM_TABLE, .slot = slot, .x = rnd(&r, 3) ? 0 : 1,
			   .a = rnext(&r) };
	do_mem_table(e, s, &sub);
	if (s->iova)
		iotlb_map_all(e, s, s->v2);
	for (vq = 0; vq < t->nvqs && vq < NVQ; vq++) {
		struct vhost_vring_state st = { vq, num };
		struct vhost_vring_file fl = { vq, e->efd[(slot + vq) % 3] };
		struct vhost_vring_addr a;

		if (!xioctl(s->fd, VHOST_SET_VRING_NUM, &st))
			s->vq[vq].num = num;
		canon_addr(e, s, slot, vq, &a, s->iova);
		if (one_in(&r, 4))
			a.flags = 1u << VHOST_VRING_F_LOG;
		if (!xioctl(s->fd, VHOST_SET_VRING_ADDR, &a))
			s->vq[vq].canon = true;
		st.num = 0;
		if (!xioctl(s->fd, VHOST_SET_VRING_BASE, &st))
			s->vq[vq].used_seen = used_idx_now(e, slot, vq);
		xioctl(s->fd, VHOST_SET_VRING_KICK, &fl);
		fl.fd = e->efd[3 + (slot + vq) % 3];
		xioctl(s->fd, VHOST_SET_VRING_CALL, &fl);
		fl.fd = e->efd[5];
		if (one_in(&r, 2))
			xioctl(s->fd, VHOST_SET_VRING_ERR, &fl);
	}
	if (one_in(&r, 4)) {
		uint64_t lb = (uint64_t)(uintptr_t)e->logbuf;
		int lfd = e->efd[5];

		xioctl(s->fd, VHOST_SET_LOG_BASE, &lb);
		xioctl(s->fd, VHOST_SET_LOG_FD, &lfd);
	}
	switch (t->kind) {
	case T_TEST:
	case T_IOTLB: {
		int run = 1;

		xioctl(s->fd, VHOST_TEST_RUN, &run);
		break;
	}
	case T_NET:
		for (vq = 0; vq < 2; vq++) {
			struct vhost_vring_file fl = { vq, e->tap };

			xioctl(s->fd, VHOST_NET_SET_BACKEND, &fl);
		}
		break;
	case T_VSOCK: {
		uint64_t cid = 3 + slot + (o->x & 0x100 ? 8 : 0);
		int run = 1;

		if (!xioctl(s->fd, VHOST_VSOCK_SET_GUEST_CID, &cid))
			s->cid = cid;
		xioctl(s->fd, VHOST_VSOCK_SET_RUNNING, &run);
		break;
	}
	case T_SCSI: {
		struct vhost_scsi_target st = { .abi_version = VHOST_SCSI_ABI_VERSION,
						.vhost_tpgt = 1 };

		if (e->wwpn)
			snprintf(st.vhost_wwpn, sizeof(st.vhost_wwpn), "%s", e->wwpn);
		xioctl(s->fd, VHOST_SCSI_SET_ENDPOINT, &st);
		break;
	}
	}
	for (vq = 0; vq < t->nvqs && vq < NVQ; vq++) {
		sub = (struct op){ .kind = OP_RING_FILL, .slot = slot, .vq = vq,
				   .x = (uint32_t)rnd(&r, 8), .a = rnext(&r), .b = 1 };
		do_ring_fill(e, slot, &sub);
	}
}

/* ------------------------------------------------------------------ */
/* Generation                                                           */

static void gen_op(struct rng *r, const struct target *t, struct op *o, bool flat)
{
	static unsigned int total;
	unsigned int w, k;

	if (!total)
		for (k = 0; k < OP_NR; k++)
			total += op_weight[k];
	do {
		w = (unsigned int)rnd(r, total);
		for (k = 0; k < OP_NR; k++) {
			if (w < op_weight[k])
				break;
			w -= op_weight[k];
		}
	} while (k >= OP_NR || (flat && op_nests(k)));
	o->kind = (uint8_t)k;
	o->slot = one_in(r, 4) ? (uint8_t)rnd(r, NSLOT) : 0;
	if (one_in(r, 12))
		o->vq = (uint16_t)boundary(r, t->nvqs);
	else
		o->vq = (uint16_t)rnd(r, t->nvqs);
	o->x = (uint32_t)rnext(r);
	o->a = rnext(r);
	o->b = rnext(r);
	switch (k) {
	case OP_SET_VRING_KICK:
	case OP_SET_VRING_CALL:
	case OP_SET_VRING_ERR:
	case OP_SET_LOG_FD:
	case OP_NET_SET_BACKEND:
	case OP_TEST_SET_BACKEND:
		o->x = gen_fdsel(r);
		if (k == OP_NET_SET_BACKEND && rnd(r, 3))
			o->x = 11;	/* the tap */
		break;
	case OP_SET_MEM_TABLE:
		o->x = rnd(r, 2) ? 0 : (uint32_t)rnd(r, 9);
		break;
	case OP_SET_VRING_ADDR:
		o->x = rnd(r, 2) ? 0 : (uint32_t)rnd(r, 6);
		break;
	case OP_SET_FEATURES:
	case OP_SET_BACKEND_FEATURES:
		o->x = (uint32_t)rnd(r, 6);
		break;
	default:
		break;
	}
}

static void gen_prog(struct rng *r, const struct target *t, struct prog *p)
{
	/* long programs: opening and closing the device costs the most */
	unsigned int n = 16 + rnd(r, PROG_MAX - 16), i = 0;

	/* most programs start from a working device, the rest from an open fd */
	if (!one_in(r, 3))
		p->ops[i++] = (struct op){ .kind = OP_SETUP, .slot = 0,
					   .x = (uint32_t)rnext(r) & ~0x100u, .a = rnext(r) };
	else
		p->ops[i++] = (struct op){ .kind = OP_OPEN, .slot = 0 };
	for (; i < n; i++)
		gen_op(r, t, &p->ops[i], false);
	p->n = n;
}

static void mutate(struct rng *r, const struct target *t, struct prog *p,
		   const struct prog *other)
{
	unsigned int m = 1 + rnd(r, 4), i, j;

	while (m--) {
		switch (rnd(r, 7)) {
		case 0:		/* replace an op */
			if (p->n)
				gen_op(r, t, &p->ops[rnd(r, p->n)], false);
			break;
		case 1:		/* insert */
			if (p->n < PROG_MAX) {
				i = rnd(r, p->n + 1);
				memmove(&p->ops[i + 1], &p->ops[i], (p->n - i) * sizeof(p->ops[0]));
				gen_op(r, t, &p->ops[i], false);
				p->n++;
			}
			break;
		case 2:		/* delete */
			if (p->n > 1) {
				i = rnd(r, p->n);
				memmove(&p->ops[i], &p->ops[i + 1], (p->n - i - 1) * sizeof(p->ops[0]));
				p->n--;
			}
			break;
		case 3:		/* an argument to a boundary */
			if (p->n) {
				struct op *o = &p->ops[rnd(r, p->n)];

				switch (rnd(r, 4)) {
				case 0: o->a = boundary(r, 256); break;
				case 1: o->b = boundary(r, 256); break;
				case 2: o->x = (uint32_t)boundary(r, 16); break;
				default: o->vq = (uint16_t)boundary(r, t->nvqs); break;
				}
			}
			break;
		case 4:		/* reseed an op's sub-generator */
			if (p->n)
				p->ops[rnd(r, p->n)].a = rnext(r);
			break;
		case 5:		/* duplicate a run */
			if (p->n && p->n < PROG_MAX) {
				i = rnd(r, p->n);
				j = 1 + rnd(r, PROG_MAX - p->n);
				if (j > p->n - i)
					j = p->n - i;
				memmove(&p->ops[i + j], &p->ops[i], (p->n - i) * sizeof(p->ops[0]));
				p->n += j;
			}
			break;
		default:	/* splice another program's tail */
			if (other && other->n) {
				i = rnd(r, p->n + 1);
				j = rnd(r, other->n);
				while (i < PROG_MAX && j < other->n)
					p->ops[i++] = other->ops[j++];
				p->n = i;
			}
			break;
		}
	}
	if (!p->n)
		gen_op(r, t, &p->ops[p->n++], false);
}

/* ------------------------------------------------------------------ */
/* Execution                                                            */

static long exec_op(struct env *e, const struct op *o)
{
	unsigned int slot = o->slot % NSLOT;
	struct slot *s = &e->s[slot];
	struct rng r = { o->a ^ o->b };
	int fd = s->fd;
	long rc = 0;

	switch (o->kind) {
	case OP_OPEN:
		if (s->fd >= 0)
			close(s->fd);
		memset(s, 0, sizeof(*s));
		s->fd = open(e->t->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (s->fd < 0) {
			rc = -errno;
			if (rc != -ENOENT && rc != -ENODEV && rc != -EMFILE && rc != -ENOMEM)
				failf(e, "open %s: %s", e->t->path, strerror(errno));
		}
		return rc;
	case OP_CLOSE:
		if (s->fd >= 0)
			close(s->fd);
		memset(s, 0, sizeof(*s));
		s->fd = -1;
		return 0;
	case OP_SETUP:
		do_setup(e, slot, o);
		return 0;
	case OP_FORK_OPS:
		do_fork_ops(e, o);
		return 0;
	case OP_OWNER_CHILD:
		do_owner_child(e, slot, o);
		return 0;
	case OP_FD_PASS:
		do_fd_pass(e, slot, o);
		return 0;
	case OP_TRAFFIC_START:
		traffic_start(e);
		return 0;
	case OP_TRAFFIC_STOP:
		traffic_stop(e);
		return 0;
	case OP_RACE:
		race_start(e, o);
		return 0;
	case OP_SLEEP:
		usleep((unsigned int)(o->a % 4) * 500);
		return 0;
	case OP_KICK:
		eventfd_write(e->efd[o->x % NEFD], 1 + (o->a % 3 ? 0 : o->a % 100));
		return 0;
	case OP_RING_FILL:
		if (o->vq < NVQ)
			do_ring_fill(e, slot, o);
		return 0;
	case OP_RING_GARBAGE:
		do_ring_garbage(e, slot, o);
		return 0;
	case OP_DRAIN: {
		unsigned int i;
		uint64_t v;

		for (i = 0; i < NEFD; i++)
			if (read(e->efd[i], &v, sizeof(v)) < 0 && errno != EAGAIN)
				failf(e, "eventfd read: %s", strerror(errno));
		check_used(e, slot);
		return 0;
	}
	case OP_NET_INJECT: {
		uint8_t frame[1600];
		size_t len = (size_t[]){ 14, 60, 64, 1514, 1000 }[o->x % 5];

		if (e->pkt < 0)
			return 0;
		memset(frame, 0, sizeof(frame));
		memset(frame, o->a & 1 ? 0xff : 0x02, 6);
		frame[6] = 2;
		frame[12] = 0x88;
		frame[13] = 0xb5;
		send(e->pkt, frame, len, MSG_DONTWAIT);
		return 0;
	}
	case OP_VSOCK_CONNECT: {
		struct sockaddr_vm sa = { .svm_family = AF_VSOCK };
		int sk;

		if (e->nvsocks >= MAX_VSOCKS) {
			close(e->vsocks[0]);
			memmove(e->vsocks, e->vsocks + 1, --e->nvsocks * sizeof(int));
		}
		sk = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (sk < 0)
			return -errno;
		sa.svm_cid = (uint32_t)(o->x % 4 == 3 ? boundary(&r, 8) : 3 + o->x % 3);
		sa.svm_port = (uint32_t)(o->a % 4 ? 1234 + o->a % 4 : o->a);
		connect(sk, (struct sockaddr *)&sa, sizeof(sa));
		if (o->b & 1)
			send(sk, "fuzz", 4, MSG_DONTWAIT);
		e->vsocks[e->nvsocks++] = sk;
		return 0;
	}
	default:
		break;
	}

	if (fd < 0)
		return -EBADF;

	switch (o->kind) {
	case OP_SET_OWNER:
		rc = xioctl(fd, VHOST_SET_OWNER, NULL);
		break;
	case OP_RESET_OWNER:
		rc = xioctl(fd, VHOST_RESET_OWNER, NULL);
		if (!rc) {
			memset(s->vq, 0, sizeof(s->vq));
			s->iova = false;
			s->nw = 0;
		}
		break;
	case OP_GET_FEATURES: {
		uint64_t f = 0;

		rc = xioctl(fd, VHOST_GET_FEATURES, &f);
		if (!rc && s->have_offered && f != s->offered)
			failf(e, "GET_FEATURES changed: 0x%llx then 0x%llx",
			      (unsigned long long)s->offered, (unsigned long long)f);
		if (!rc) {
			s->offered = f;
			s->have_offered = true;
		}
		break;
	}
	case OP_SET_FEATURES: {
		uint64_t f;

		switch (o->x % 6) {
		case 0: f = s->offered; break;
		case 1: f = s->offered & o->a; break;
		case 2: f = s->offered & ~(1ull << F_ACCESS_PLATFORM); break;
		case 3: f = boundary(&r, 64); break;
		case 4: f = s->offered | 1ull << (o->a % 64); break;
		default: f = o->a; break;
		}
		rc = xioctl(fd, VHOST_SET_FEATURES, &f);
		if (!rc)
			s->iova = f >> F_ACCESS_PLATFORM & 1;
		break;
	}
	case OP_GET_FEATURES_ARRAY:
	case OP_SET_FEATURES_ARRAY: {
		/* the array ends at a PROT_NONE page: an overrun faults, never corrupts */
		uint64_t cnt = o->x % 3 ? 1 + o->a % 4 : boundary(&r, 4);
		uint64_t room = (FA_BUF - 8) / 8, n = cnt < room ? cnt : room;
		uint8_t *p = e->fabuf + FA_BUF - 8 - n * 8;
		unsigned long req = o->kind == OP_GET_FEATURES_ARRAY ?
			VHOST_GET_FEATURES_ARRAY : VHOST_SET_FEATURES_ARRAY;
		uint64_t i, f[4] = { s->offered, o->b, 0, 0 };

		memcpy(p, &cnt, 8);
		for (i = 0; i < n && i < 4; i++) {
			uint64_t v = o->x & 8 ? f[i] & ((o->b >> 1) | 1) : f[i];

			memcpy(p + 8 + i * 8, &v, 8);
		}
		rc = xioctl(fd, req, p);
		if (!rc && o->kind == OP_SET_FEATURES_ARRAY && n) {
			uint64_t v;

			memcpy(&v, p + 8, 8);
			s->iova = v >> F_ACCESS_PLATFORM & 1;
		}
		if (!rc && o->kind == OP_GET_FEATURES_ARRAY && n && s->have_offered) {
			uint64_t v;

			memcpy(&v, p + 8, 8);
			if (v != s->offered)
				failf(e, "GET_FEATURES_ARRAY[0] 0x%llx != GET_FEATURES 0x%llx",
				      (unsigned long long)v, (unsigned long long)s->offered);
		}
		break;
	}
	case OP_SET_MEM_TABLE:
		rc = do_mem_table(e, s, o);
		break;
	case OP_SET_LOG_BASE: {
		uint64_t lb = o->x % 3 ? (uint64_t)(uintptr_t)e->logbuf : boundary(&r, 4096);

		rc = xioctl(fd, VHOST_SET_LOG_BASE, &lb);
		if (!rc && lb != (uint64_t)(uintptr_t)e->logbuf)
			e->insane = true;
		break;
	}
	case OP_SET_LOG_FD: {
		int lfd = pick_fd(e, slot, o->x);

		rc = xioctl(fd, VHOST_SET_LOG_FD, &lfd);
		break;
	}
	case OP_SET_VRING_NUM: {
		static const unsigned int nums[] = { 1, 2, 4, 8, 16, 64, 128, 256, 3, 255 };
		struct vhost_vring_state st = { o->vq, o->x % 3 ?
			nums[o->a % 10] : (unsigned int)boundary(&r, 256) };

		rc = xioctl(fd, VHOST_SET_VRING_NUM, &st);
		if (!rc && o->vq < NVQ) {
			s->vq[o->vq].num = st.num;
			/* Entries already there were written for the old size. */
			s->vq[o->vq].used_seen = used_idx_now(e, slot, o->vq);
			if (st.num > RING_MAX)
				e->insane = true;
		}
		break;
	}
	case OP_SET_VRING_ADDR:
		rc = do_vring_addr(e, s, slot, o);
		break;
	case OP_SET_VRING_BASE: {
		struct vhost_vring_state st = { o->vq, o->x % 2 ? (unsigned int)(o->a % 8) :
			(unsigned int)boundary(&r, ring_num(s, o->vq % NVQ)) };

		rc = xioctl(fd, VHOST_SET_VRING_BASE, &st);
		if (!rc && o->vq < NVQ) {
			s->vq[o->vq].avail_idx = (uint16_t)st.num;
			s->vq[o->vq].used_seen = used_idx_now(e, slot, o->vq);
		}
		break;
	}
	case OP_GET_VRING_BASE: {
		struct vhost_vring_state st = { o->vq, 0xdeadbeef };

		rc = xioctl(fd, VHOST_GET_VRING_BASE, &st);
		if (!rc && st.num > 0xffff && s->have_offered &&
		    !(s->offered >> F_RING_PACKED & 1))
			failf(e, "GET_VRING_BASE vq %u: num 0x%x > 0xffff on a split ring",
			      o->vq, st.num);
		break;
	}
	case OP_SET_VRING_KICK:
	case OP_SET_VRING_CALL:
	case OP_SET_VRING_ERR: {
		struct vhost_vring_file fl = { o->vq, pick_fd(e, slot, o->x) };
		unsigned long req = o->kind == OP_SET_VRING_KICK ? VHOST_SET_VRING_KICK :
			o->kind == OP_SET_VRING_CALL ? VHOST_SET_VRING_CALL : VHOST_SET_VRING_ERR;

		rc = xioctl(fd, req, &fl);
		break;
	}
	case OP_SET_VRING_ENDIAN:
	case OP_GET_VRING_ENDIAN: {
		struct vhost_vring_state st = { o->vq, (unsigned int)(o->x % 3 ?
			o->a % 2 : boundary(&r, 2)) };

		rc = xioctl(fd, o->kind == OP_SET_VRING_ENDIAN ? VHOST_SET_VRING_ENDIAN :
			    VHOST_GET_VRING_ENDIAN, &st);
		if (!rc && o->kind == OP_GET_VRING_ENDIAN && st.num > 1)
			failf(e, "GET_VRING_ENDIAN vq %u: %u", o->vq, st.num);
		break;
	}
	case OP_SET_BUSYLOOP:
	case OP_GET_BUSYLOOP: {
		struct vhost_vring_state st = { o->vq, (unsigned int)(o->x % 2 ?
			o->a % 50 : boundary(&r, 1000)) };

		rc = xioctl(fd, o->kind == OP_SET_BUSYLOOP ? VHOST_SET_VRING_BUSYLOOP_TIMEOUT :
			    VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &st);
		break;
	}
	case OP_NEW_WORKER: {
		struct vhost_worker_state w = { 0xdeadbeef };
		unsigned int i;

		rc = xioctl(fd, VHOST_NEW_WORKER, &w);
		if (!rc) {
			for (i = 0; i < s->nw && !s->shared; i++)
				if (s->wid[i] == w.worker_id)
					failf(e, "NEW_WORKER returned id %u twice", w.worker_id);
			if (s->nw < 16)
				s->wid[s->nw++] = w.worker_id;
		}
		break;
	}
	case OP_FREE_WORKER:
	case OP_ATTACH_WORKER:
	case OP_GET_WORKER: {
		unsigned int id = o->x % 4 && s->nw ? s->wid[o->a % s->nw] :
			(unsigned int)boundary(&r, 4);

		if (o->kind == OP_FREE_WORKER) {
			struct vhost_worker_state w = { id };
			unsigned int i;

			rc = xioctl(fd, VHOST_FREE_WORKER, &w);
			if (!rc)
				for (i = 0; i < s->nw; i++)
					if (s->wid[i] == id) {
						s->wid[i] = s->wid[--s->nw];
						break;
					}
		} else {
			struct vhost_vring_worker w = { o->vq, id };

			rc = xioctl(fd, o->kind == OP_ATTACH_WORKER ?
				    VHOST_ATTACH_VRING_WORKER : VHOST_GET_VRING_WORKER, &w);
		}
		break;
	}
	case OP_SET_FORK_OWNER:
	case OP_GET_FORK_OWNER: {
		uint8_t v = (uint8_t)(o->x % 3 ? o->a % 2 : boundary(&r, 2));

		rc = xioctl(fd, o->kind == OP_SET_FORK_OWNER ? VHOST_SET_FORK_FROM_OWNER :
			    VHOST_GET_FORK_FROM_OWNER, &v);
		if (!rc && o->kind == OP_GET_FORK_OWNER && v > 1)
			failf(e, "GET_FORK_FROM_OWNER: %u", v);
		break;
	}
	case OP_SET_BACKEND_FEATURES:
	case OP_GET_BACKEND_FEATURES: {
		uint64_t bf = o->x % 6 < 3 ? (uint64_t[]){ 0x6, 0x2, 0x0 }[o->x % 3] :
			boundary(&r, 64);

		rc = xioctl(fd, o->kind == OP_SET_BACKEND_FEATURES ?
			    VHOST_SET_BACKEND_FEATURES : VHOST_GET_BACKEND_FEATURES, &bf);
		if (!rc && o->kind == OP_SET_BACKEND_FEATURES)
			s->v2 = bf >> VHOST_BACKEND_F_IOTLB_MSG_V2 & 1;
		break;
	}
	case OP_NET_SET_BACKEND:
	case OP_TEST_SET_BACKEND: {
		struct vhost_vring_file fl = { o->vq, pick_fd(e, slot, o->x) };

		rc = xioctl(fd, o->kind == OP_NET_SET_BACKEND ? VHOST_NET_SET_BACKEND :
			    VHOST_TEST_SET_BACKEND, &fl);
		break;
	}
	case OP_VSOCK_SET_CID: {
		uint64_t cid = o->x % 3 ? 3 + o->a % 6 : boundary(&r, 3);

		rc = xioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &cid);
		if (!rc)
			s->cid = cid;
		break;
	}
	case OP_VSOCK_SET_RUNNING:
	case OP_TEST_RUN: {
		int run = (int)(o->x % 4 ? o->a % 2 : boundary(&r, 2));

		rc = xioctl(fd, o->kind == OP_TEST_RUN ? VHOST_TEST_RUN :
			    VHOST_VSOCK_SET_RUNNING, &run);
		break;
	}
	case OP_SCSI_SET_EP:
	case OP_SCSI_CLEAR_EP: {
		struct vhost_scsi_target st = { .abi_version = VHOST_SCSI_ABI_VERSION,
						.vhost_tpgt = 1 };

		switch (o->x % 6) {
		case 0: case 1: case 2:
			if (e->wwpn)
				snprintf(st.vhost_wwpn, sizeof(st.vhost_wwpn), "%s", e->wwpn);
			break;
		case 3:
			memset(st.vhost_wwpn, 'A' + o->a % 26, sizeof(st.vhost_wwpn));
			break;
		case 4:
			st.abi_version = (int)boundary(&r, 2);
			break;
		default:
			snprintf(st.vhost_wwpn, sizeof(st.vhost_wwpn), "naa.%016llx",
				 (unsigned long long)o->a);
			st.vhost_tpgt = (unsigned short)boundary(&r, 2);
			break;
		}
		rc = xioctl(fd, o->kind == OP_SCSI_SET_EP ? VHOST_SCSI_SET_ENDPOINT :
			    VHOST_SCSI_CLEAR_ENDPOINT, &st);
		break;
	}
	case OP_SCSI_GET_ABI: {
		int v = -1;

		rc = xioctl(fd, VHOST_SCSI_GET_ABI_VERSION, &v);
		if (!rc && v != VHOST_SCSI_ABI_VERSION)
			failf(e, "GET_ABI_VERSION %d", v);
		break;
	}
	case OP_SCSI_SET_EVMISS:
	case OP_SCSI_GET_EVMISS: {
		uint32_t v = (uint32_t)boundary(&r, 2);

		rc = xioctl(fd, o->kind == OP_SCSI_SET_EVMISS ? VHOST_SCSI_SET_EVENTS_MISSED :
			    VHOST_SCSI_GET_EVENTS_MISSED, &v);
		break;
	}
	case OP_RAW_IOCTL: {
		/* Any request number of the type, any direction and size, on a buffer. */
		uint8_t buf[512];
		unsigned int nr = (unsigned int)(o->a % 0x90), size = (unsigned int)(o->b % 300);
		unsigned int dir = o->x % 4;
		unsigned long req = _IOC(dir, VHOST_VIRTIO, nr, size);
		unsigned int i;

		if (nr == 0x03 || nr == 0x04)	/* mem table, log base: done above */
			return 0;
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnext(&r);
		rc = xioctl(fd, req, buf);
		return rc;
	}
	case OP_IOTLB_WRITE:
		rc = do_iotlb_write(e, s, o);
		return rc;
	case OP_IOTLB_READ:
		return do_iotlb_read(e, s);
	case OP_IOTLB_MAP_ALL:
		return iotlb_map_all(e, s, o->x & 1 ? !s->v2 : s->v2);
	case OP_RING_SETUP: {
		static const unsigned int nums[] = { 1, 2, 4, 8, 16, 64, 128, 256, 3 };
		unsigned int vq = o->vq;
		struct vhost_vring_state st = { vq, nums[o->a % 9] };
		struct vhost_vring_file fl = { vq, e->efd[(slot + vq) % 3] };
		struct op sub = { .kind = OP_SET_VRING_ADDR, .slot = slot, .vq = vq,
				  .x = o->x % 4 == 3 ? 3 : 0, .a = o->a };

		if (!xioctl(fd, VHOST_SET_VRING_NUM, &st) && vq < NVQ) {
			s->vq[vq].num = st.num;
			s->vq[vq].used_seen = used_idx_now(e, slot, vq);
		}
		do_vring_addr(e, s, slot, &sub);
		st.num = 0;
		if (!xioctl(fd, VHOST_SET_VRING_BASE, &st) && vq < NVQ) {
			s->vq[vq].avail_idx = 0;
			s->vq[vq].used_seen = used_idx_now(e, slot, vq);
		}
		xioctl(fd, VHOST_SET_VRING_KICK, &fl);
		fl.fd = e->efd[3 + (slot + vq) % 3];
		xioctl(fd, VHOST_SET_VRING_CALL, &fl);
		return 0;
	}
	default:
		return 0;
	}
	check_rc(e, o, rc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Programs                                                             */

static void op_print(FILE *f, const char *pfx, const struct op *o)
{
	fprintf(f, "%sop %s %u %u 0x%x 0x%llx 0x%llx\n", pfx,
		o->kind < OP_NR ? op_names[o->kind] : "?", o->slot, o->vq, o->x,
		(unsigned long long)o->a, (unsigned long long)o->b);
}

static bool op_parse(const char *line, struct op *o)
{
	char name[64];
	unsigned int slot, vq, x, k;
	unsigned long long a, b;
	const char *p = strstr(line, "op ");

	if (!p || sscanf(p, "op %63s %u %u %x %llx %llx", name, &slot, &vq, &x, &a, &b) != 6)
		return false;
	for (k = 0; k < OP_NR; k++)
		if (!strcmp(name, op_names[k]))
			break;
	if (k == OP_NR)
		return false;
	*o = (struct op){ (uint8_t)k, (uint8_t)slot, (uint16_t)vq, x, a, b };
	return true;
}

struct shared {
	uint64_t ops, progs, corpus, pcs, pcs_remote, hash;
	uint64_t t_start, t_end;
	int kcov;
	int failed;
	char reason[300];
	struct prog cur;	/* program being run */
	unsigned int cur_i;	/* op being run */
};

static struct shared *sh;

static uint64_t hash_op(uint64_t h, const struct op *o)
{
	const uint8_t *p = (const uint8_t *)o;
	unsigned int i;

	for (i = 0; i < sizeof(*o); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Where the time goes, per op kind; [OP_NR] is the set-up and tear-down. */
static uint64_t prof_ns[OP_NR + 1], prof_n[OP_NR + 1];

static void prof_print(const char *name)
{
	unsigned int i, j, best;
	uint64_t total = 0, taken = 0;
	bool used[OP_NR + 1] = { false };

	for (i = 0; i <= OP_NR; i++)
		total += prof_ns[i];
	if (!total)
		return;
	printf("# fuzz/%s: time by op (share, mean ms):", name);
	for (j = 0; j < 6; j++) {
		best = OP_NR + 1;
		for (i = 0; i <= OP_NR; i++)
			if (!used[i] && prof_n[i] && (best > OP_NR || prof_ns[i] > prof_ns[best]))
				best = i;
		if (best > OP_NR)
			break;
		used[best] = true;
		taken += prof_ns[best];
		printf(" %s %.0f%% %.2f", best < OP_NR ? op_names[best] : "(reset+cleanup)",
		       100.0 * prof_ns[best] / total, prof_ns[best] / 1e6 / prof_n[best]);
	}
	printf("\n");
	(void)taken;
}

/* Run one program from fresh fds; 1 on failure (reason in e->fail). */
static int run_prog(struct env *e, const struct prog *p, unsigned int *fresh)
{
	unsigned int i, j;
	char why[300];
	int bad = 0;
	uint64_t t_reset = now_ns();

	env_reset(e);
	prof_ns[OP_NR] += now_ns() - t_reset;
	prof_n[OP_NR]++;
	if (cover)
		__atomic_store_n(&cover[0], 0, __ATOMIC_RELAXED);
	if (remote_cover)
		kcov_collect_remote();	/* leftovers: counted, not credited */
	for (i = 0; i < p->n; i++) {
		bool racing = e->race_on;

		uint64_t t0 = now_ns();

		sh->cur_i = i;
		exec_op(e, &p->ops[i]);
		prof_ns[p->ops[i].kind] += now_ns() - t0;
		prof_n[p->ops[i].kind]++;
		if (racing)
			race_join(e);
		if (e->fail[0])
			break;
		if (cover && __atomic_load_n(&cover[0], __ATOMIC_RELAXED) > KCOV_WORDS / 2)
			*fresh += kcov_collect(cover);
		if (remote_cover &&
		    __atomic_load_n(&remote_cover[0], __ATOMIC_RELAXED) > KCOV_WORDS / 2)
			*fresh += kcov_collect_remote();
	}
	t_reset = now_ns();
	race_join(e);
	traffic_stop(e);
	for (j = 0; j < NSLOT; j++)
		check_used(e, j);
	reap_kids(e);
	if (!e->insane && !canaries_ok(e))
		failf(e, "guest RAM canary overwritten outside the memory table");
	for (j = 0; j < NSLOT; j++)
		if (e->s[j].fd >= 0) {
			close(e->s[j].fd);
			e->s[j].fd = -1;
		}
	if (cover)
		*fresh += kcov_collect(cover);
	if (remote_cover)	/* the workers are gone with the fds */
		*fresh += kcov_collect_remote();
	prof_ns[OP_NR] += now_ns() - t_reset;
	if (e->fail[0])
		bad = 1;
	if (kmsg_check(why, sizeof(why))) {
		if (!bad)
			snprintf(e->fail, sizeof(e->fail), "%.250s", why);
		bad = 1;
	}
	return bad;
}

static void on_alarm(int sig)
{
	(void)sig;
	sh->failed = 4;
	snprintf(sh->reason, sizeof(sh->reason),
		 "program did not finish within 30 s (op %u)", sh->cur_i);
	_exit(4);
}

/* ------------------------------------------------------------------ */
/* Executor                                                             */

struct opts {
	const struct target *t;
	uint64_t seed, max_ops;
	double seconds;
	bool blind;
	const char *wwpn;
	const char *replay;
	const char *pcfile;
	bool verbose;
};

#define CORPUS_MAX 4096
static struct prog *corpus;
static unsigned int ncorpus;

static void executor_common(const struct opts *op)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	env_init(&E, op->t, op->wwpn);
	kmsg_open();
	pcset = calloc(1u << PCSET_BITS, sizeof(uint64_t));
	if (!op->blind)
		cover = kcov_open(&kcov_fd);
	E.kcov_ok = cover != NULL;
	sh->kcov = E.kcov_ok;
}

static void dump_pcs(const struct opts *op);

static int executor(const struct opts *op)
{
	struct rng r = { op->seed };
	struct prog p;
	uint64_t deadline = op->seconds > 0 ? now_ns() + (uint64_t)(op->seconds * 1e9) : 0;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int i;

	executor_common(op);
	corpus = calloc(CORPUS_MAX, sizeof(*corpus));
	sh->t_start = now_ns();
	while (sh->ops < op->max_ops && (!deadline || now_ns() < deadline)) {
		unsigned int fresh = 0;

		if (E.kcov_ok && ncorpus && !one_in(&r, 5)) {
			p = corpus[rnd(&r, ncorpus)];
			mutate(&r, op->t, &p, one_in(&r, 4) ? &corpus[rnd(&r, ncorpus)] : NULL);
		} else if (!E.kcov_ok) {
			/* blind: program i depends on the seed and i only */
			struct rng pr = { op->seed ^ (sh->progs * 0x2545f4914f6cdd1dull) };

			gen_prog(&pr, op->t, &p);
		} else {
			gen_prog(&r, op->t, &p);
		}
		sh->cur = p;
		for (i = 0; i < p.n; i++)
			h = hash_op(h, &p.ops[i]);
		alarm(30);
		if (run_prog(&E, &p, &fresh)) {
			alarm(0);
			sh->failed = 3;
			snprintf(sh->reason, sizeof(sh->reason), "%s", E.fail);
			sh->ops += sh->cur_i + 1;
			sh->t_end = now_ns();
			dump_pcs(op);
			return 3;
		}
		alarm(0);
		sh->ops += p.n;
		sh->progs++;
		sh->hash = h;
		if (fresh && ncorpus < CORPUS_MAX)
			corpus[ncorpus++] = p;
		sh->corpus = ncorpus;
		sh->pcs = npcs;
		sh->pcs_remote = npcs_remote;
		sh->t_end = now_ns();
		if (op->verbose && sh->progs % 200 == 0)
			fprintf(stderr, "# %llu progs %llu ops %llu pcs %u corpus\n",
				(unsigned long long)sh->progs, (unsigned long long)sh->ops,
				(unsigned long long)npcs, ncorpus);
	}
	dump_pcs(op);
	prof_print(op->t->name);
	return 0;
}

/* Append every PC seen to the -P file, one hex number a line. */
static void dump_pcs(const struct opts *op)
{
	FILE *f;
	uint64_t i;

	if (!op->pcfile || !npcs || !(f = fopen(op->pcfile, "a")))
		return;
	for (i = 0; i < (1u << PCSET_BITS); i++)
		if (pcset[i])
			fprintf(f, "%llx\n", (unsigned long long)pcset[i]);
	fclose(f);
}

/* Run one fixed program (replay / minimisation attempt). */
static int executor_once(const struct opts *op, const struct prog *p)
{
	unsigned int fresh = 0;

	executor_common(op);
	sh->cur = *p;
	alarm(30);
	if (run_prog(&E, p, &fresh)) {
		sh->failed = 3;
		snprintf(sh->reason, sizeof(sh->reason), "%s", E.fail);
		return 3;
	}
	alarm(0);
	sh->ops += p->n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Supervisor                                                           */

/* Fork an executor and wait (bounded); 0 pass, else failure with sh->reason. */
static int supervise(const struct opts *op, const struct prog *once, double limit_s)
{
	int st, rc;
	pid_t p;
	uint64_t deadline = now_ns() + (uint64_t)(limit_s * 1e9);

	char stale[300];

	sh->failed = 0;
	sh->reason[0] = 0;
	kmsg_check(stale, sizeof(stale));	/* earlier runs' lines are not this run's */
	fflush(NULL);
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0)
		_exit(once ? executor_once(op, once) : executor(op));
	while ((rc = waitpid(p, &st, WNOHANG)) == 0) {
		if (now_ns() > deadline) {
			kill(p, SIGKILL);
			snprintf(sh->reason, sizeof(sh->reason),
				 "executor hung (op %u of the current program)", sh->cur_i);
			/* a task stuck in the kernel may never die: do not wait for ever */
			for (rc = 0; rc < 500 && !waitpid(p, &st, WNOHANG); rc++)
				usleep(20000);
			return 5;
		}
		usleep(20000);
	}
	if (WIFSIGNALED(st)) {
		char why[300];

		usleep(200000);
		if (kmsg_check(why, sizeof(why)))
			snprintf(sh->reason, sizeof(sh->reason), "executor killed by signal %d; %.250s",
				 WTERMSIG(st), why);
		else
			snprintf(sh->reason, sizeof(sh->reason), "executor killed by signal %d",
				 WTERMSIG(st));
		return 6;
	}
	rc = WEXITSTATUS(st);
	if (rc == 0) {
		char why[300];

		/* a splat from a worker after the executor's last look */
		if (kmsg_check(why, sizeof(why))) {
			snprintf(sh->reason, sizeof(sh->reason), "%.250s (after the run)", why);
			return 7;
		}
	}
	if (rc && !sh->reason[0])
		snprintf(sh->reason, sizeof(sh->reason), "executor exited %d", rc);
	return rc;
}

static bool attempt(const struct opts *op, const struct prog *p)
{
	return supervise(op, p, 60) != 0;
}

/* Shrink a failing program: drop chunks while it still fails. */
static void minimise(const struct opts *op, struct prog *p, unsigned int budget_s)
{
	uint64_t deadline = now_ns() + budget_s * 1000000000ull;
	unsigned int chunk, start, tries = 0;
	struct prog q;

	for (chunk = p->n / 2; chunk >= 1; chunk /= 2) {
		for (start = 0; start + chunk <= p->n && p->n > 1;) {
			if (now_ns() > deadline || tries > 300)
				return;
			q.n = 0;
			for (unsigned int i = 0; i < p->n; i++)
				if (i < start || i >= start + chunk)
					q.ops[q.n++] = p->ops[i];
			tries++;
			if (attempt(op, &q))
				*p = q;
			else
				start += chunk;
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: vhost-fuzz -t test|net|vsock|scsi|iotlb [-s SEED] [-n OPS]\n"
		"                  [-T SECONDS] [-b] [-w WWPN] [-r FILE] [-P PCFILE] [-v]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct opts op = { .max_ops = 100000, .seconds = 0 };
	const char *tname = NULL;
	struct prog fp;
	uint64_t t0;
	int c, rc;
	double secs;

	op.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt(argc, argv, "t:s:n:T:bw:r:P:v")) != -1) {
		switch (c) {
		case 't': tname = optarg; break;
		case 's': op.seed = strtoull(optarg, NULL, 0); break;
		case 'n': op.max_ops = strtoull(optarg, NULL, 0); break;
		case 'T': op.seconds = atof(optarg); break;
		case 'b': op.blind = true; break;
		case 'w': op.wwpn = optarg[0] ? optarg : NULL; break;
		case 'r': op.replay = optarg; break;
		case 'P': op.pcfile = optarg; break;
		case 'v': op.verbose = true; break;
		default: return usage();
		}
	}
	if (!tname)
		return usage();
	for (c = 0; c < (int)(sizeof(targets) / sizeof(targets[0])); c++)
		if (!strcmp(tname, targets[c].name))
			op.t = &targets[c];
	if (!op.t)
		return usage();
	if (!op.max_ops)
		op.max_ops = ~0ull;
	set_weights(op.t);
	if (getenv("FUZZ_DEV")) {	/* debugging the fuzzer itself: another node */
		static struct target t;

		t = *op.t;
		t.path = getenv("FUZZ_DEV");
		no_checks = true;
		op.t = &t;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	if (access(op.t->path, R_OK | W_OK)) {
		printf("FAIL fuzz/%s - %s: %s\n", op.t->name, op.t->path, strerror(errno));
		return 1;
	}
	kmsg_open();
	if (!op.blind)
		remote_cover = kcov_remote_open();

	if (op.replay) {
		FILE *f = fopen(op.replay, "r");
		char line[256];

		if (!f) {
			perror(op.replay);
			return 2;
		}
		fp.n = 0;
		while (fgets(line, sizeof(line), f) && fp.n < PROG_MAX)
			if (op_parse(line, &fp.ops[fp.n]))
				fp.n++;
		fclose(f);
		printf("# fuzz/%s: replaying %u ops from %s\n", op.t->name, fp.n, op.replay);
		rc = supervise(&op, &fp, 120);
		if (rc) {
			printf("FAIL fuzz/%s - replay: %s\n", op.t->name, sh->reason);
			return 1;
		}
		printf("PASS fuzz/%s\n", op.t->name);
		return 0;
	}

	printf("# fuzz/%s: seed 0x%llx, %s, ops limit %llu, time limit %.0f s\n",
	       op.t->name, (unsigned long long)op.seed,
	       op.blind ? "blind (-b)" : "KCOV-guided if available",
	       (unsigned long long)op.max_ops, op.seconds);
	t0 = now_ns();
	rc = supervise(&op, NULL, op.seconds > 0 ? op.seconds + 120 : 86400);
	secs = (sh->t_end > sh->t_start ? sh->t_end - sh->t_start : 1) / 1e9;
	printf("# fuzz/%s: %llu ops in %llu programs, %.1f s, %.0f ops/s, %s, ops hash 0x%016llx\n",
	       op.t->name, (unsigned long long)sh->ops, (unsigned long long)sh->progs, secs,
	       sh->ops / secs,
	       sh->kcov ? "KCOV on" : "KCOV absent: blind",
	       (unsigned long long)sh->hash);
	if (sh->kcov)
		printf("# fuzz/%s: %llu distinct PCs (%llu first reached by vhost workers%s), "
		       "corpus %llu programs\n", op.t->name,
		       (unsigned long long)sh->pcs, (unsigned long long)sh->pcs_remote,
		       remote_cover ? "" : ": no remote KCOV",
		       (unsigned long long)sh->corpus);
	if (!rc) {
		printf("PASS fuzz/%s\n", op.t->name);
		return 0;
	}

	/* Failure: report, reproduce alone, shrink, print. */
	{
		char reason[300];
		unsigned int i;
		bool alone;

		snprintf(reason, sizeof(reason), "%s", sh->reason);
		fp = sh->cur;
		if (sh->cur_i + 1 < fp.n && rc == 3)
			fp.n = sh->cur_i + 1;	/* the ops after the failing one never ran */
		printf("# fuzz/%s: failure after %.1f s: %s\n", op.t->name,
		       (now_ns() - t0) / 1e9, reason);
		printf("# fuzz/%s: failing program (%u ops):\n", op.t->name, fp.n);
		for (i = 0; i < fp.n; i++)
			op_print(stdout, "#   ", &fp.ops[i]);
		alone = attempt(&op, &fp) || attempt(&op, &fp);
		if (alone) {
			minimise(&op, &fp, 240);
			printf("# fuzz/%s: minimal program (%u ops; replay: save the op lines, "
			       "vhost-fuzz -t %s -r FILE):\n", op.t->name, fp.n, op.t->name);
			for (i = 0; i < fp.n; i++)
				op_print(stdout, "#   ", &fp.ops[i]);
		} else {
			printf("# fuzz/%s: the program alone does not reproduce it "
			       "(earlier state, timing, or a one-shot report)\n", op.t->name);
		}
		printf("FAIL fuzz/%s - %s (seed 0x%llx)\n", op.t->name, reason,
		       (unsigned long long)op.seed);
	}
	return 1;
}
