// SPDX-License-Identifier: GPL-2.0
/*
 * suites/ioctl: success and error paths of every generic vhost ioctl and of
 * the test device's own ioctls (ownership rules are in suites/owner).
 */
#include "vt.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* ------------------------------------------------------------------ */
/* features                                                             */

/* FAIL unless the feature bits @f (@what) hold every bit of @want. */
static void expect_bits_include(const char *what, uint64_t f, uint64_t want)
{
	if ((f & want) != want)
		FAIL("%s 0x%llx lack 0x%llx", what, (unsigned long long)f,
		     (unsigned long long)(want & ~f));
}

/* FAIL if the feature bits @f (@what) hold a bit outside @allowed. */
static void expect_bits_within(const char *what, uint64_t f, uint64_t allowed)
{
	if (f & ~allowed)
		FAIL("%s 0x%llx have extra bits 0x%llx", what,
		     (unsigned long long)f, (unsigned long long)(f & ~allowed));
}

static void get_features_offers_contract_bits(void)
{
	uint64_t f;

	EXPECT_OK(vh_get_features(vt_open_fd(), &f));
	expect_bits_include("offered features", f, VT_DEVICE_FEATURES);
}

static void get_features_offers_only_contract_bits(void)
{
	uint64_t f;

	EXPECT_OK(vh_get_features(vt_open_fd(), &f));
	expect_bits_within("offered features", f, VT_DEVICE_FEATURES);
}

static void set_features_accepts_each_offered_bit(void)
{
	int fd = vt_open_owned_fd();

	for (int b = 0; b < 64; b++) {
		long r;

		if (!(VT_DEVICE_FEATURES & BIT_ULL(b)))
			continue;
		r = vh_set_features(fd, BIT_ULL(b));
		if (r < 0)
			FAIL("SET_FEATURES(bit %d) -> %s", b, vt_err(r));
	}
	EXPECT_OK(vh_set_features(fd, VT_DEVICE_FEATURES));
	EXPECT_OK(vh_set_features(fd, 0));
}

static void set_features_rejects_unoffered_bits(void)
{
	static const int bad[] = { 0, 1, 5, 23, 25, 30, 31, 34, 35, 40, 63 };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_features(fd, VT_F_VERSION_1 | BIT_ULL(v)),
			EOPNOTSUPP);
}

/* ------------------------------------------------------------------ */
/* features as an array (VHOST_GET/SET_FEATURES_ARRAY)                  */

#define FARRAY_WORDS 6

/* struct vhost_features_array with room for FARRAY_WORDS words. */
struct farray {
	uint64_t count;
	uint64_t w[FARRAY_WORDS];
};

/* Linux has the array ioctls on vhost-net only. */
static long farray_or_skip(long r)
{
	if (r == -ENOTTY)
		SKIP("the device has no VHOST_*_FEATURES_ARRAY");
	return r;
}

static void get_features_array_zeroes_words_past_known(void)
{
	struct farray a = { .count = FARRAY_WORDS };
	int fd = vt_open_fd();
	uint64_t f;

	memset(a.w, 0xa5, sizeof(a.w));
	EXPECT_OK(farray_or_skip(vh_get_features_array(fd, &a)));
	EXPECT_OK(vh_get_features(fd, &f));
	EXPECT_EQ(a.w[0], f);
	for (int i = 1; i < FARRAY_WORDS; i++)
		if (a.w[i])
			FAIL("word %d is 0x%llx, expected 0", i,
			     (unsigned long long)a.w[i]);
}

static void set_features_array_nonzero_word_past_known_eopnotsupp(void)
{
	struct farray a = { .count = FARRAY_WORDS, .w = { VT_F_VERSION_1 } };
	int fd = vt_open_owned_fd();

	EXPECT_OK(farray_or_skip(vh_set_features_array(fd, &a)));
	for (int i = 2; i < FARRAY_WORDS; i++) {
		a.w[i] = 1ull << (i * 11 % 64);
		EXPECT_ERR(vh_set_features_array(fd, &a), EOPNOTSUPP);
		a.w[i] = 0;
	}
}

/* The last of many words: read and checked like the others. */
static void set_features_array_nonzero_word_1024_eopnotsupp(void)
{
	const unsigned int n = 1024;
	uint64_t *a = calloc(n + 1, sizeof(*a));
	int fd = vt_open_owned_fd();

	if (!a)
		FAIL("calloc");
	a[0] = n;
	a[1] = VT_F_VERSION_1;
	EXPECT_OK(farray_or_skip(vh_set_features_array(fd, a)));
	a[n] = 1;
	EXPECT_ERR(vh_set_features_array(fd, a), EOPNOTSUPP);
	free(a);
}

/*
 * Ours only: a count past 1024 words is refused before any word is read
 * (Linux reads, or clears, every word).
 */
static void features_array_count_over_1024_einval(void)
{
	uint64_t *a = calloc(1026, sizeof(*a));
	int fd = vt_open_owned_fd();

	if (!a)
		FAIL("calloc");
	a[0] = 1025;
	EXPECT_ERR(farray_or_skip(vh_set_features_array(fd, a)), EINVAL);
	EXPECT_ERR(vh_get_features_array(fd, a), EINVAL);
	EXPECT_EQ(a[1], 0);	/* untouched */
	free(a);
}

/*
 * A count of 2^31 words over a 1 GiB read-only zero mapping (never
 * populated): the call comes back, with -EINVAL, while we wait. Linux
 * reads word after word under the device mutex, without a signal check,
 * until the mapping ends. Ours only, like the limit.
 */
static void set_features_array_huge_count_returns_promptly(void)
{
	const size_t span = 1ul << 30, pg = (size_t)sysconf(_SC_PAGESIZE);
	int fd = vt_open_fd();
	uint64_t *arg;
	uint8_t *m;
	pid_t pid;
	int st;

	m = mmap(NULL, pg + span, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		FAIL("mmap %zu bytes: %s", pg + span, strerror(errno));
	/* count in the last word of a writable page, the words after it */
	if (mprotect(m, pg, PROT_READ | PROT_WRITE))
		FAIL("mprotect: %s", strerror(errno));
	arg = (uint64_t *)(m + pg) - 1;
	*arg = 1ull << 31;
	pid = vt_fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (pid == 0) {
		long r = vh_set_features_array(fd, arg);

		_exit(r < 0 ? (int)-r : 0);
	}
	st = vt_wait_pid(pid, VT_WAIT_MS);
	if (st == -ETIMEDOUT) {
		kill(pid, SIGKILL);	/* it goes once the ioctl returns */
		FAIL("SET_FEATURES_ARRAY(count 2^31) still running after %d ms",
		     VT_WAIT_MS);
	}
	if (st < 0 || !WIFEXITED(st))
		FAIL("the helper ended with status 0x%x", st);
	farray_or_skip(-(long)WEXITSTATUS(st));
	if (WEXITSTATUS(st) != EINVAL)
		FAIL("SET_FEATURES_ARRAY(count 2^31) -> %s, expected -EINVAL",
		     vt_err(-(long)WEXITSTATUS(st)));
	munmap(m, pg + span);
}

static void get_backend_features_offers_iotlb_v2_and_batch(void)
{
	uint64_t f;

	EXPECT_OK(vh_get_backend_features(vt_open_fd(), &f));
	expect_bits_include("backend features", f, VT_BACKEND_FEATURES);
}

static void get_backend_features_offers_only_contract_bits(void)
{
	uint64_t f;

	EXPECT_OK(vh_get_backend_features(vt_open_fd(), &f));
	expect_bits_within("backend features", f, VT_BACKEND_FEATURES);
}

static void set_backend_features_accepts_offered(void)
{
	static const uint64_t ok[] = {
		0, VT_BF_IOTLB_MSG_V2, VT_BF_IOTLB_BATCH,
		VT_BF_IOTLB_MSG_V2 | VT_BF_IOTLB_BATCH,
	};
	int fd = vt_open_owned_fd();

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		long r = vh_set_backend_features(fd, ok[i]);

		if (r < 0)
			FAIL("SET_BACKEND_FEATURES(0x%llx) -> %s",
			     (unsigned long long)ok[i], vt_err(r));
	}
}

static void set_backend_features_rejects_unoffered_bits(void)
{
	static const int bad[] = { 0, 3, 4, 5, 31, 63 };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_backend_features(fd, BIT_ULL(v)),
			EOPNOTSUPP);
}

/* ------------------------------------------------------------------ */
/* vring index range: every per-ring ioctl, index >= number of rings   */

static const unsigned int bad_index[] = { VT_NVQS, 2, 0x10000, ~0u };

#define ENOBUFS_CASE(name, expr)					\
static void name##_index_out_of_range_enobufs(void)			\
{									\
	int fd = vt_open_owned_fd();					\
	int efd = vt_eventfd();						\
	unsigned int out;						\
	(void)efd; (void)out;						\
	EXPECT_ERR_EACH(idx, bad_index, (expr), ENOBUFS);		\
}

static long addr_with_index(int fd, unsigned int idx)
{
	struct vhost_vring_addr a = { .index = idx };

	return vh_set_vring_addr(fd, &a);
}

ENOBUFS_CASE(set_vring_num, vh_set_vring_num(fd, idx, 256))
ENOBUFS_CASE(set_vring_base, vh_set_vring_base(fd, idx, 0))
ENOBUFS_CASE(get_vring_base, vh_get_vring_base(fd, idx, &out))
ENOBUFS_CASE(set_vring_addr, addr_with_index(fd, idx))
ENOBUFS_CASE(set_vring_kick, vh_set_vring_kick(fd, idx, efd))
ENOBUFS_CASE(set_vring_call, vh_set_vring_call(fd, idx, efd))
ENOBUFS_CASE(set_vring_err, vh_set_vring_err(fd, idx, efd))
ENOBUFS_CASE(set_vring_endian, vh_set_vring_endian(fd, idx, 0))
ENOBUFS_CASE(get_vring_endian, vh_get_vring_endian(fd, idx, &out))
ENOBUFS_CASE(set_vring_busyloop_timeout, vh_set_vring_busyloop(fd, idx, 0))
ENOBUFS_CASE(get_vring_busyloop_timeout, vh_get_vring_busyloop(fd, idx, &out))
ENOBUFS_CASE(get_vring_worker, vh_get_vring_worker(fd, idx, &out))
ENOBUFS_CASE(attach_vring_worker, vh_attach_vring_worker(fd, idx, 0))
ENOBUFS_CASE(test_set_backend, vh_test_set_backend(fd, idx, efd))

/* ------------------------------------------------------------------ */
/* SET_VRING_NUM                                                        */

static void set_vring_num_accepts_powers_of_two(void)
{
	int fd = vt_open_owned_fd();

	for (unsigned int n = 1; n <= VT_MAX_RING; n <<= 1) {
		long r = vh_set_vring_num(fd, 0, n);

		if (r < 0)
			FAIL("SET_VRING_NUM(%u) -> %s", n, vt_err(r));
	}
}

static void set_vring_num_rejects_zero(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_ERR(vh_set_vring_num(fd, 0, 0), EINVAL);
}

static void set_vring_num_rejects_non_power_of_two(void)
{
	static const unsigned int bad[] = { 3, 5, 6, 7, 12, 100, 255, 257,
					    1000, 24576, 32767 };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_vring_num(fd, 0, v), EINVAL);
}

static void set_vring_num_rejects_above_32768(void)
{
	static const unsigned int bad[] = { 65536, 65535, 1u << 20, 1u << 31,
					    ~0u };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_vring_num(fd, 0, v), EINVAL);
}

static void set_vring_num_while_running_ebusy(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_ERR(vh_set_vring_num(d.fd, 0, 128), EBUSY);
}

static void set_vring_num_accepted_again_after_backend_stop(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	vt_stop(&d);
	EXPECT_OK(vh_set_vring_num(d.fd, 0, 128));
}

/* ------------------------------------------------------------------ */
/* SET/GET_VRING_BASE                                                   */

static void get_vring_base_returns_value_set(void)
{
	static const unsigned int v[] = { 0, 1, 1234, 0x7fff, 0x8000, 0xffff };
	int fd = vt_open_owned_fd();
	unsigned int got;

	EXPECT_OK(vh_set_vring_num(fd, 0, 256));
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_OK(vh_set_vring_base(fd, 0, v[i]));
		EXPECT_OK(vh_get_vring_base(fd, 0, &got));
		if (got != v[i])
			FAIL("GET_VRING_BASE -> %u after SET_VRING_BASE(%u)",
			     got, v[i]);
	}
}

static void set_vring_base_rejects_above_0xffff(void)
{
	static const unsigned int bad[] = { 0x10000, 0x10001, 0xfffff, ~0u };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_vring_base(fd, 0, v), EINVAL);
}

static void set_vring_base_while_running_ebusy(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_ERR(vh_set_vring_base(d.fd, 0, 7), EBUSY);
}

/* ------------------------------------------------------------------ */
/* SET_VRING_ADDR                                                       */

static void ring_addr(struct vt_dev *d, struct vhost_vring_addr *a)
{
	struct vt_opts o = { .num = 64, .no_start = true };

	vt_setup(d, &o);
	vr_addr(&d->vr, a);
}

static void set_vring_addr_accepts_aligned_rings(void)
{
	struct vhost_vring_addr a;
	struct vt_dev d;

	ring_addr(&d, &a);
	/* smallest legal alignments: desc 16, avail 2, used 4 */
	a.desc_user_addr += 16;
	a.avail_user_addr += 2;
	a.used_user_addr += 4;
	EXPECT_OK(vh_set_vring_addr(d.fd, &a));
}

static void set_vring_addr_rejects_misaligned_desc(void)
{
	static const unsigned int off[] = { 1, 2, 4, 8, 15 };
	struct vhost_vring_addr a, b;
	struct vt_dev d;

	ring_addr(&d, &a);
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		long r;

		b = a;
		b.desc_user_addr += off[i];
		r = vh_set_vring_addr(d.fd, &b);
		if (r != -EINVAL)
			FAIL("desc +%u -> %s, expected -EINVAL", off[i],
			     vt_err(r));
	}
}

static void set_vring_addr_rejects_misaligned_avail(void)
{
	struct vhost_vring_addr a;
	struct vt_dev d;

	ring_addr(&d, &a);
	a.avail_user_addr += 1;
	EXPECT_ERR(vh_set_vring_addr(d.fd, &a), EINVAL);
}

static void set_vring_addr_rejects_misaligned_used(void)
{
	static const unsigned int off[] = { 1, 2, 3 };
	struct vhost_vring_addr a, b;
	struct vt_dev d;

	ring_addr(&d, &a);
	for (size_t i = 0; i < ARRAY_SIZE(off); i++) {
		long r;

		b = a;
		b.used_user_addr += off[i];
		r = vh_set_vring_addr(d.fd, &b);
		if (r != -EINVAL)
			FAIL("used +%u -> %s, expected -EINVAL", off[i],
			     vt_err(r));
	}
}

static void set_vring_addr_rejects_unknown_flags(void)
{
	static const unsigned int bad[] = { 1u << 1, 1u << 2, 1u << 31,
					    (1u << VHOST_VRING_F_LOG) | 0x100 };
	struct vhost_vring_addr a, b;
	struct vt_dev d;

	ring_addr(&d, &a);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		long r;

		b = a;
		b.flags = bad[i];
		r = vh_set_vring_addr(d.fd, &b);
		if (r != -EOPNOTSUPP)
			FAIL("flags 0x%x -> %s, expected -EOPNOTSUPP", bad[i],
			     vt_err(r));
	}
}

static void set_vring_addr_accepts_log_flag(void)
{
	struct vhost_vring_addr a;
	struct vt_dev d;

	ring_addr(&d, &a);
	a.flags = 1u << VHOST_VRING_F_LOG;
	EXPECT_OK(vh_set_vring_addr(d.fd, &a));
}

/* ------------------------------------------------------------------ */
/* SET_VRING_KICK / CALL / ERR, SET_LOG_FD                              */

typedef long (*file_op)(int fd, unsigned int idx, int efd);

static long log_fd_op(int fd, unsigned int idx, int efd)
{
	(void)idx;
	return vh_set_log_fd(fd, efd);
}

static void file_accepts_eventfd_and_unbind(file_op op)
{
	int fd = vt_open_owned_fd();
	int e1 = vt_eventfd(), e2 = vt_eventfd();

	EXPECT_OK(vh_set_vring_num(fd, 0, 64));
	EXPECT_OK(op(fd, 0, e1));
	EXPECT_OK(op(fd, 0, e2));	/* rebind */
	EXPECT_OK(op(fd, 0, VHOST_FILE_UNBIND));
	EXPECT_OK(op(fd, 0, VHOST_FILE_UNBIND));	/* unbind twice */
	EXPECT_OK(op(fd, 0, e1));
}

static void file_rejects_non_eventfd(file_op op)
{
	int fd = vt_open_owned_fd();
	int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);

	EXPECT_ERR(op(fd, 0, vt_non_eventfd()), EINVAL);
	if (nullfd >= 0)
		EXPECT_ERR(op(fd, 0, nullfd), EINVAL);
	EXPECT_ERR(op(fd, 0, fd), EINVAL);	/* the vhost fd itself */
}

static void file_rejects_bad_fd(file_op op)
{
	int fd = vt_open_owned_fd();

	EXPECT_ERR(op(fd, 0, vt_closed_fd()), EBADF);
}

#define FILE_CASES(name, op)						\
static void name##_accepts_eventfd_and_unbind(void)			\
{									\
	file_accepts_eventfd_and_unbind(op);				\
}									\
static void name##_rejects_non_eventfd(void)				\
{									\
	file_rejects_non_eventfd(op);					\
}									\
static void name##_rejects_bad_fd(void)					\
{									\
	file_rejects_bad_fd(op);					\
}

FILE_CASES(set_vring_kick, vh_set_vring_kick)
FILE_CASES(set_vring_call, vh_set_vring_call)
FILE_CASES(set_vring_err, vh_set_vring_err)
FILE_CASES(set_log_fd, log_fd_op)

/* ------------------------------------------------------------------ */
/* SET_LOG_BASE, ENDIAN, BUSYLOOP                                       */

static void set_log_base_accepts_bitmap_address(void)
{
	int fd = vt_open_owned_fd();
	static uint64_t bitmap[1024];

	EXPECT_OK(vh_set_log_base(fd, (uintptr_t)bitmap));
	EXPECT_OK(vh_set_log_base(fd, (uintptr_t)(bitmap + 8)));
}

static void set_vring_endian_accepts_little_and_big(void)
{
	int fd = vt_open_owned_fd();

	EXPECT_OK(vh_set_vring_endian(fd, 0, VHOST_VRING_BIG_ENDIAN));
	EXPECT_OK(vh_set_vring_endian(fd, 0, VHOST_VRING_LITTLE_ENDIAN));
}

static void get_vring_endian_returns_value_set(void)
{
	int fd = vt_open_owned_fd();
	unsigned int v;

	EXPECT_OK(vh_set_vring_endian(fd, 0, VHOST_VRING_BIG_ENDIAN));
	EXPECT_OK(vh_get_vring_endian(fd, 0, &v));
	EXPECT_EQ(v, VHOST_VRING_BIG_ENDIAN);
	EXPECT_OK(vh_set_vring_endian(fd, 0, VHOST_VRING_LITTLE_ENDIAN));
	EXPECT_OK(vh_get_vring_endian(fd, 0, &v));
	EXPECT_EQ(v, VHOST_VRING_LITTLE_ENDIAN);
}

static void set_vring_endian_rejects_values_above_1(void)
{
	static const unsigned int bad[] = { 2, 3, 0x100, ~0u };
	int fd = vt_open_owned_fd();

	EXPECT_ERR_EACH(v, bad, vh_set_vring_endian(fd, 0, v), EINVAL);
}

static void set_vring_endian_while_running_ebusy(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	EXPECT_ERR(vh_set_vring_endian(d.fd, 0, VHOST_VRING_LITTLE_ENDIAN),
		   EBUSY);
}

static void get_vring_busyloop_timeout_returns_value_set(void)
{
	static const unsigned int v[] = { 0, 1, 50, 100000 };
	int fd = vt_open_owned_fd();
	unsigned int got;

	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		EXPECT_OK(vh_set_vring_busyloop(fd, 0, v[i]));
		EXPECT_OK(vh_get_vring_busyloop(fd, 0, &got));
		if (got != v[i])
			FAIL("busyloop timeout %u read back as %u", v[i], got);
	}
}

/* ------------------------------------------------------------------ */
/* unknown ioctls                                                       */

static void unknown_ioctl_enotty(void)
{
	static const unsigned long req[] = {
		_IO(VHOST_VIRTIO, 0xf0),
		_IOWR(VHOST_VIRTIO, 0xee, __u64),
		_IOW(VHOST_VIRTIO, 0x4f, int),
		_IO('x', 0x01),
		VHOST_NET_SET_BACKEND,		/* another device's ioctl */
		VHOST_VSOCK_SET_GUEST_CID,
	};
	uint64_t arg[16] = { 0 };	/* valid memory: index 0, fd 0 */
	int fd = vt_open_owned_fd();

	for (size_t i = 0; i < ARRAY_SIZE(req); i++) {
		long r;

		memset(arg, 0, sizeof(arg));
		((int *)arg)[1] = -1;
		r = vh_ioctl(fd, req[i], arg);
		if (r != -ENOTTY)
			FAIL("ioctl 0x%lx -> %s, expected -ENOTTY", req[i],
			     vt_err(r));
	}
}

/* ------------------------------------------------------------------ */
/* the test device's own ioctls                                         */

static void test_set_backend_starts_and_stops_ring(void)
{
	struct vt_opts o = { .no_start = true };
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_OK(vh_test_set_backend(d.fd, 0, d.vr.kick_fd));
	vt_roundtrip(&d, 64, 64, 0);
	EXPECT_OK(vh_test_set_backend(d.fd, 0, -1));
	EXPECT_OK(vh_test_set_backend(d.fd, 0, -1));	/* stop twice */
	EXPECT_OK(vh_test_set_backend(d.fd, 0, d.vr.kick_fd));
	vt_roundtrip(&d, 64, 64, 0);
}

static void test_run_1_starts_and_0_stops_processing(void)
{
	struct vt_opts o = { .no_start = true };
	uint32_t len = 100;
	struct vt_xfer *x;
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_OK(vh_test_run(d.fd, 1));
	vt_roundtrip(&d, 100, 100, 0);

	EXPECT_OK(vh_test_run(d.fd, 0));
	x = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 7);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);
	if (vr_wait_used(&d.vr, 1, vt_ms(300)) == 0)
		FAIL("buffer used while VHOST_TEST_RUN(0) had stopped the device");

	EXPECT_OK(vh_test_run(d.fd, 1));
	vr_kick(&d.vr);
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

/* Contract: processing also happens when the device is started. */
static void test_run_1_processes_buffers_queued_while_stopped(void)
{
	struct vt_opts o = { .no_start = true };
	uint32_t len = 100;
	struct vt_xfer *x;
	struct vt_dev d;

	vt_setup(&d, &o);
	x = vt_xfer_new(&d.mem, 1, &len, 1, &len, 8, 7);
	vt_xfer_add(&d.vr, x, 0);
	vr_publish_kick(&d.vr);		/* kicked while stopped */
	EXPECT_OK(vh_test_run(d.fd, 1));	/* no further kick */
	vt_collect(&d.vr, 1, VT_WAIT_MS);
}

static void test_run_rejects_values_other_than_0_and_1(void)
{
	struct vt_opts o = { .no_start = true };
	static const int bad[] = { 2, -1, 100 };
	struct vt_dev d;

	vt_setup(&d, &o);
	EXPECT_ERR_EACH(v, bad, vh_test_run(d.fd, v), EINVAL);
}

static const struct vt_case cases[] = {
	VT_CASE(get_features_offers_contract_bits),
	VT_CASE(get_features_offers_only_contract_bits),
	VT_CASE(set_features_accepts_each_offered_bit),
	VT_CASE(set_features_rejects_unoffered_bits),
	VT_CASE(get_features_array_zeroes_words_past_known),
	VT_CASE(set_features_array_nonzero_word_past_known_eopnotsupp),
	VT_CASE(set_features_array_nonzero_word_1024_eopnotsupp),
	VT_CASE(features_array_count_over_1024_einval),
	VT_CASE(set_features_array_huge_count_returns_promptly),
	VT_CASE(get_backend_features_offers_iotlb_v2_and_batch),
	VT_CASE(get_backend_features_offers_only_contract_bits),
	VT_CASE(set_backend_features_accepts_offered),
	VT_CASE(set_backend_features_rejects_unoffered_bits),

	VT_CASE(set_vring_num_index_out_of_range_enobufs),
	VT_CASE(set_vring_base_index_out_of_range_enobufs),
	VT_CASE(get_vring_base_index_out_of_range_enobufs),
	VT_CASE(set_vring_addr_index_out_of_range_enobufs),
	VT_CASE(set_vring_kick_index_out_of_range_enobufs),
	VT_CASE(set_vring_call_index_out_of_range_enobufs),
	VT_CASE(set_vring_err_index_out_of_range_enobufs),
	VT_CASE(set_vring_endian_index_out_of_range_enobufs),
	VT_CASE(get_vring_endian_index_out_of_range_enobufs),
	VT_CASE(set_vring_busyloop_timeout_index_out_of_range_enobufs),
	VT_CASE(get_vring_busyloop_timeout_index_out_of_range_enobufs),
	VT_CASE(get_vring_worker_index_out_of_range_enobufs),
	VT_CASE(attach_vring_worker_index_out_of_range_enobufs),
	VT_CASE(test_set_backend_index_out_of_range_enobufs),

	VT_CASE(set_vring_num_accepts_powers_of_two),
	VT_CASE(set_vring_num_rejects_zero),
	VT_CASE(set_vring_num_rejects_non_power_of_two),
	VT_CASE(set_vring_num_rejects_above_32768),
	VT_CASE(set_vring_num_while_running_ebusy),
	VT_CASE(set_vring_num_accepted_again_after_backend_stop),

	VT_CASE(get_vring_base_returns_value_set),
	VT_CASE(set_vring_base_rejects_above_0xffff),
	VT_CASE(set_vring_base_while_running_ebusy),

	VT_CASE(set_vring_addr_accepts_aligned_rings),
	VT_CASE(set_vring_addr_rejects_misaligned_desc),
	VT_CASE(set_vring_addr_rejects_misaligned_avail),
	VT_CASE(set_vring_addr_rejects_misaligned_used),
	VT_CASE(set_vring_addr_rejects_unknown_flags),
	VT_CASE(set_vring_addr_accepts_log_flag),

	VT_CASE(set_vring_kick_accepts_eventfd_and_unbind),
	VT_CASE(set_vring_kick_rejects_non_eventfd),
	VT_CASE(set_vring_kick_rejects_bad_fd),
	VT_CASE(set_vring_call_accepts_eventfd_and_unbind),
	VT_CASE(set_vring_call_rejects_non_eventfd),
	VT_CASE(set_vring_call_rejects_bad_fd),
	VT_CASE(set_vring_err_accepts_eventfd_and_unbind),
	VT_CASE(set_vring_err_rejects_non_eventfd),
	VT_CASE(set_vring_err_rejects_bad_fd),
	VT_CASE(set_log_fd_accepts_eventfd_and_unbind),
	VT_CASE(set_log_fd_rejects_non_eventfd),
	VT_CASE(set_log_fd_rejects_bad_fd),

	VT_CASE(set_log_base_accepts_bitmap_address),
	VT_CASE(set_vring_endian_accepts_little_and_big),
	VT_CASE(get_vring_endian_returns_value_set),
	VT_CASE(set_vring_endian_rejects_values_above_1),
	VT_CASE(set_vring_endian_while_running_ebusy),
	VT_CASE(get_vring_busyloop_timeout_returns_value_set),

	VT_CASE(unknown_ioctl_enotty),

	VT_CASE(test_set_backend_starts_and_stops_ring),
	VT_CASE(test_run_1_starts_and_0_stops_processing),
	VT_CASE(test_run_1_processes_buffers_queued_while_stopped),
	VT_CASE(test_run_rejects_values_other_than_0_and_1),
};

VT_MAIN("ioctl", cases)
