// SPDX-License-Identifier: GPL-2.0
/*
 * suites/net: /dev/vhost-net control and backends.  Feature negotiation,
 * VHOST_NET_SET_BACKEND (errors, detach and re-attach while traffic
 * flows, switching taps), the other backends a hypervisor uses (macvtap,
 * an AF_PACKET socket), multiqueue (two vhost-net fds on one
 * IFF_MULTI_QUEUE tap) and the dirty log on the RX and TX paths.
 * Zero-copy TX is in net_zerocopy.c.
 *
 * The data paths themselves are in net_tx.c and net_rx.c.
 */
#include "vt.h"
#include "vnet.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <netinet/in.h>

#define F_V1	(VT_F_VERSION_1 | VT_F_INDIRECT)
#define F_MRG	(VT_F_MRG_RXBUF | VT_F_VERSION_1 | VT_F_INDIRECT)

static uint8_t rbuf[ND_MAX_FRAME + 4096];

static size_t len_of(uint32_t i)
{
	static const uint32_t l[] = { 60, 61, 200, 1000, 1514, 3000, 9000,
				      33000, ND_MAX_FRAME };

	return l[i % ARRAY_SIZE(l)];
}

/* ------------------------------------------------------------------ */
/* features                                                             */

static uint64_t offered_features(int fd)
{
	uint64_t f;

	EXPECT_OK(vh_get_features(fd, &f));
	return f;
}

static void features_offer_net_contract(void)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} need[] = {
		{ VHOST_NET_F_VIRTIO_NET_HDR, "VHOST_NET_F_VIRTIO_NET_HDR" },
		{ VIRTIO_NET_F_MRG_RXBUF, "VIRTIO_NET_F_MRG_RXBUF" },
		{ VIRTIO_F_VERSION_1, "VIRTIO_F_VERSION_1" },
		{ VIRTIO_RING_F_EVENT_IDX, "VIRTIO_RING_F_EVENT_IDX" },
		{ VIRTIO_RING_F_INDIRECT_DESC, "VIRTIO_RING_F_INDIRECT_DESC" },
		{ VHOST_F_LOG_ALL, "VHOST_F_LOG_ALL" },
		{ VIRTIO_F_ACCESS_PLATFORM, "VIRTIO_F_ACCESS_PLATFORM" },
	};
	uint64_t f = offered_features(vnet_open_fd());
	char missing[512] = "";

	for (unsigned int i = 0; i < ARRAY_SIZE(need); i++)
		if (!(f & BIT_ULL(need[i].bit)))
			snprintf(missing + strlen(missing),
				 sizeof(missing) - strlen(missing), " %s",
				 need[i].name);
	if (missing[0])
		FAIL("VHOST_GET_FEATURES 0x%llx lacks%s",
		     (unsigned long long)f, missing);
}

/* An optional bit: SKIP unless offered; when offered it can be acked. */
static void optional_feature(unsigned int bit, const char *name)
{
	int fd = vnet_open_fd();
	uint64_t f = offered_features(fd);

	if (!(f & BIT_ULL(bit)))
		SKIP("device does not offer %s (bit %u; features 0x%llx)",
		     name, bit, (unsigned long long)f);
	EXPECT_OK(vh_set_owner(fd));
	EXPECT_OK(vh_set_features(fd, VT_F_VERSION_1 | BIT_ULL(bit)));
}

static void features_ring_reset_offered(void)
{
	optional_feature(40, "VIRTIO_F_RING_RESET");
}

static void features_in_order_offered(void)
{
	optional_feature(35, "VIRTIO_F_IN_ORDER");
}

static void set_features_refuses_unoffered_bits(void)
{
	int fd = vnet_open_fd();
	uint64_t f = offered_features(fd);

	EXPECT_OK(vh_set_owner(fd));
	for (unsigned int b = 0; b < 64; b++) {
		long r;

		if (f & BIT_ULL(b))
			continue;
		r = vh_set_features(fd, VT_F_VERSION_1 | BIT_ULL(b));
		if (r != -EOPNOTSUPP)
			FAIL("VHOST_SET_FEATURES with unoffered bit %u -> %s, expected -EOPNOTSUPP",
			     b, vt_err(r));
	}
	EXPECT_OK(vh_set_features(fd, VT_F_VERSION_1));
}

static void set_features_accepts_everything_offered(void)
{
	static uint8_t bitmap[(GMEM_DEFAULT_GPA + (16 << 20)) / VT_PAGE / 8];
	int fd = vnet_open_fd();
	uint64_t f = offered_features(fd);
	struct vhost_memory *t;
	struct gmem m;

	EXPECT_OK(vh_set_owner(fd));
	gmem_init(&m, GMEM_DEFAULT_GPA, 16 << 20);
	t = memtable_alloc(1);
	memtable_set(t, 0, m.gpa, m.size, (uintptr_t)m.hva);
	EXPECT_OK(vh_set_mem_table(fd, t));
	EXPECT_OK(vh_set_log_base(fd, (uintptr_t)bitmap));
	for (unsigned int b = 0; b < 64; b++)
		if (f & BIT_ULL(b))
			EXPECT_OK(vh_set_features(fd, BIT_ULL(b)));
	EXPECT_OK(vh_set_features(fd, f));
}

/* ------------------------------------------------------------------ */
/* VHOST_NET_SET_BACKEND errors                                         */

static void setup_unattached(struct vnet *n, enum vnet_hdr_mode mode)
{
	struct vnet_opts o = { .mode = mode, .no_attach = true };

	vnet_setup(n, &o);
}

static void set_backend_bad_ring_index(void)
{
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	EXPECT_ERR(vh_net_set_backend(n.fd, 2, n.tap_fd), ENOBUFS);
	EXPECT_ERR(vh_net_set_backend(n.fd, 0xffffffffu, n.tap_fd), ENOBUFS);
	EXPECT_ERR(vh_net_set_backend(n.fd, 2, -1), ENOBUFS);
}

static void set_backend_not_a_socket(void)
{
	int fds[3];
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	fds[0] = vt_non_eventfd();			/* a pipe */
	fds[1] = vt_eventfd();
	fds[2] = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (unsigned int i = 0; i < ARRAY_SIZE(fds); i++)
		for (unsigned int q = 0; q < VNET_NVQS; q++)
			EXPECT_ERR(vh_net_set_backend(n.fd, q, fds[i]),
				   ENOTSOCK);
}

static void set_backend_wrong_socket_kind(void)
{
	int fds[4];
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	fds[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fds[1] = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	fds[2] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	fds[3] = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	for (unsigned int i = 0; i < ARRAY_SIZE(fds); i++) {
		if (fds[i] < 0)
			FAIL("socket %u: %s", i, strerror(errno));
		EXPECT_ERR(vh_net_set_backend(n.fd, VNET_RX, fds[i]),
			   ENOTSOCK);
		EXPECT_ERR(vh_net_set_backend(n.fd, VNET_TX, fds[i]),
			   ENOTSOCK);
	}
}

/*
 * A number that is no open fd (nor -1) is refused.  Linux's vhost_net
 * answers -ENOTSOCK here (every backend lookup failure ends as
 * -ENOTSOCK), not -EBADF.
 */
static void set_backend_bad_fd(void)
{
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	EXPECT_ERR(vh_net_set_backend(n.fd, VNET_RX, vt_closed_fd()),
		   ENOTSOCK);
	EXPECT_ERR(vh_net_set_backend(n.fd, VNET_TX, -2), ENOTSOCK);
}

static int child_set_backend(void *arg)
{
	struct vnet *n = arg;
	long r = vh_net_set_backend(n->fd, VNET_RX, n->tap_fd);

	return r == -EPERM ? 0 : 1;
}

static void set_backend_not_owner(void)
{
	char name[IFNAMSIZ] = "";
	struct vnet n;
	int fd, tap;

	/* no VHOST_SET_OWNER at all */
	nd_private_netns();
	tap = nd_tap_create(name, 0, 0);
	fd = vnet_open_fd();
	EXPECT_ERR(vh_net_set_backend(fd, VNET_RX, tap), EPERM);
	EXPECT_ERR(vh_net_set_backend(fd, VNET_TX, -1), EPERM);
	/* owned by us, called from another process (a forked child) */
	setup_unattached(&n, VNET_HDR_VHOST);
	if (vt_run_in_child(child_set_backend, &n, VT_WAIT_MS) != 0)
		FAIL("VHOST_NET_SET_BACKEND from a process that is not the owner did not fail with -EPERM");
}

static void set_backend_detach_when_detached(void)
{
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	EXPECT_OK(vh_net_set_backend(n.fd, VNET_RX, -1));
	EXPECT_OK(vh_net_set_backend(n.fd, VNET_TX, -1));
}

/* ------------------------------------------------------------------ */
/* attach, detach, switch while traffic flows                           */

static void detach_reattach_tx_while_flowing(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed(), seq = 0, checked = 0;
	struct vring_drv *vr;
	struct vnet n;

	vnet_setup(&n, &o);
	vr = &n.vr[VNET_TX];
	for (unsigned int round = 0; round < 4; round++) {
		uint16_t frozen;

		for (unsigned int i = 0; i < 24; i++, seq++)
			vnet_tx_add_frame(&n, ND_RAW, seq, seed, len_of(seq),
					  VNET_L_SPLIT);
		vnet_tx_kick(&n);
		vnet_detach(&n, VNET_TX);
		/* detached: more chains and kicks are not processed */
		frozen = vr_used_idx(vr);
		for (unsigned int i = 0; i < 8; i++, seq++)
			vnet_tx_add_frame(&n, ND_RAW, seq, seed, len_of(seq),
					  VNET_L_SPLIT);
		vnet_tx_kick(&n);
		if (vr_used_idx(vr) != frozen)
			FAIL("TX used idx moved from %u to %u while detached",
			     frozen, vr_used_idx(vr));
		vnet_attach(&n, VNET_TX, n.tap_fd);
		vnet_tx_kick(&n);
		for (; checked < seq; checked++)
			vnet_cap_expect(&n, ND_RAW, checked, seed,
					len_of(checked));
		vnet_tx_complete(&n, 32, VT_WAIT_MS);
	}
	if (nd_frame_pending(n.cap_fd, nd_mac_guest))
		FAIL("more frames on the tap than chains posted");
	vnet_expect_no_ring_error(&n);
}

static void detach_reattach_rx_while_flowing(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST, .features = F_MRG };
	uint32_t seed = vt_case_seed(), seq = 0, got = 0;
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 128, 1536, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 128);
	for (unsigned int round = 0; round < 4; round++) {
		for (unsigned int i = 0; i < 16; i++, seq++)
			vnet_inject(&n, ND_RAW, seq, seed, len_of(seq));
		for (unsigned int i = 0; i < 4; i++, got++)
			vnet_rx_expect(&n, ND_RAW, got, seed, len_of(got));
		vnet_detach(&n, VNET_RX);
		for (unsigned int i = 0; i < 16; i++, seq++)
			vnet_inject(&n, ND_RAW, seq, seed, len_of(seq));
		vnet_attach(&n, VNET_RX, n.tap_fd);
		for (; got < seq; got++)
			vnet_rx_expect(&n, ND_RAW, got, seed, len_of(got));
	}
	if (vr_pending(&n.vr[VNET_RX]))
		FAIL("more RX used entries than frames sent");
	vnet_expect_no_ring_error(&n);
}

/* Chains posted (and kicked) before a backend exists go out on attach. */
static void attach_sends_tx_posted_before(void)
{
	uint32_t seed = vt_case_seed();
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	for (unsigned int i = 0; i < 8; i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
	vnet_tx_kick(&n);
	vnet_attach_tap(&n);		/* no kick after this */
	for (unsigned int i = 0; i < 8; i++)
		vnet_cap_expect(&n, ND_RAW, i, seed, len_of(i));
	vnet_tx_complete(&n, 8, VT_WAIT_MS);
}

/* Frames queued on the tap before a backend exists arrive on attach. */
static void attach_delivers_rx_queued_before(void)
{
	uint32_t seed = vt_case_seed();
	struct vnet n;

	setup_unattached(&n, VNET_HDR_VHOST);
	vnet_rx_bufs(&n, 8, 12 + ND_MAX_FRAME, VNET_L_SPLIT);
	vnet_rx_post(&n, 8);
	for (unsigned int i = 0; i < 8; i++)
		vnet_inject(&n, ND_RAW, i, seed, len_of(i));
	vnet_attach_tap(&n);		/* no kick after this */
	for (unsigned int i = 0; i < 8; i++)
		vnet_rx_expect(&n, ND_RAW, i, seed, len_of(i));
}

static void switch_rx_to_new_tap(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	char name2[IFNAMSIZ] = "";
	int tap2, inj2;
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 8, 4096, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 8);
	tap2 = nd_tap_create(name2, 0, 0);
	inj2 = nd_packet_socket(nd_ifindex(name2), ND_PS_SEND_ONLY);

	vnet_inject(&n, ND_RAW, 0, seed, 100);
	vnet_rx_expect(&n, ND_RAW, 0, seed, 100);
	vnet_attach(&n, VNET_RX, tap2);		/* switch, no detach */
	vnet_inject(&n, ND_RAW, 1, seed, 200);	/* stays on the old tap */
	vnet_inject_on(inj2, ND_RAW, 2, seed, 300);
	vnet_rx_expect(&n, ND_RAW, 2, seed, 300);
	vnet_attach(&n, VNET_RX, n.tap_fd);	/* and back */
	vnet_rx_expect(&n, ND_RAW, 1, seed, 200);
	vnet_inject(&n, ND_RAW, 3, seed, 400);
	vnet_rx_expect(&n, ND_RAW, 3, seed, 400);
}

static void switch_tx_to_new_tap(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	char name2[IFNAMSIZ] = "";
	int tap2, cap2;
	struct vnet n;

	vnet_setup(&n, &o);
	tap2 = nd_tap_create(name2, 0, ND_TAP_MAX_MTU);
	cap2 = nd_packet_socket(nd_ifindex(name2), 0);

	vnet_tx_one(&n, 0, seed, 100);

	vnet_attach(&n, VNET_TX, tap2);
	for (unsigned int i = 1; i < 5; i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
	vnet_tx_kick(&n);
	for (unsigned int i = 1; i < 5; i++)
		vnet_expect_frame_on(&n, cap2, ND_RAW, i, seed, len_of(i));
	vnet_tx_complete(&n, 4, VT_WAIT_MS);
	if (nd_frame_pending(n.cap_fd, nd_mac_guest))
		FAIL("a frame sent after the switch reached the old tap");
}

/* vhost holds the tap: closing our fd of it changes nothing. */
static void backend_outlives_closed_tap_fd(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	close(n.tap_fd);
	vnet_rx_bufs(&n, 4, 12 + ND_MAX_FRAME, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 4);
	for (unsigned int i = 0; i < 9; i++) {
		vnet_tx_one(&n, i, seed, len_of(i));
		vnet_inject(&n, ND_RAW, 100 + i, seed, len_of(i));
		vnet_rx_expect(&n, ND_RAW, 100 + i, seed, len_of(i));
	}
}

/* GET_VRING_BASE after a stop: the chains / buffers each ring consumed. */
static void vring_base_counts_consumed_after_detach(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST, .base = 1000 };
	uint32_t seed = vt_case_seed();
	unsigned int base;
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 16, 4096, VNET_L_SPLIT);
	vnet_rx_post(&n, 16);
	for (unsigned int i = 0; i < 10; i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, 100, VNET_L_SPLIT);
	vnet_tx_kick(&n);
	vnet_tx_complete(&n, 10, VT_WAIT_MS);
	for (unsigned int i = 0; i < 5; i++) {
		vnet_inject(&n, ND_RAW, i, seed, 200);
		vnet_rx_expect(&n, ND_RAW, i, seed, 200);
	}
	vnet_detach(&n, VNET_RX);
	vnet_detach(&n, VNET_TX);
	EXPECT_OK(vh_get_vring_base(n.fd, VNET_TX, &base));
	EXPECT_EQ(base, 1010);
	EXPECT_OK(vh_get_vring_base(n.fd, VNET_RX, &base));
	EXPECT_EQ(base, 1005);
}

/* Both rings start near 0xffff: the 16-bit indices wrap mid-traffic. */
static void rings_wrap_16bit_index(void)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .base = 0xfff0,
		.features = F_MRG | VT_F_EVENT_IDX,
	};
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 16, 1536, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 16);
	for (unsigned int round = 0; round < 2; round++) {
		for (unsigned int i = 0; i < 24; i++)
			vnet_tx_add_frame(&n, ND_RAW, round * 24 + i, seed,
					  len_of(i) % 4000 + 60, VNET_L_SPLIT);
		vnet_tx_kick(&n);
		for (unsigned int i = 0; i < 24; i++)
			vnet_cap_expect(&n, ND_RAW, round * 24 + i, seed,
					len_of(i) % 4000 + 60);
		vnet_tx_complete(&n, 24, VT_WAIT_MS);
	}
	for (unsigned int i = 0; i < 40; i++) {
		vnet_inject(&n, ND_RAW, i, seed, 60 + i * 50);
		vnet_rx_expect(&n, ND_RAW, i, seed, 60 + i * 50);
	}
	if ((uint16_t)(n.vr[VNET_RX].last_used - 0xfff0) < 32 ||
	    (uint16_t)(n.vr[VNET_TX].last_used - 0xfff0) < 32)
		FAIL("test bug: the rings did not cross the wrap");
}

/*
 * A ring is stopped (backend -1), laid out anew (SET_VRING_NUM/ADDR/BASE,
 * as for a virtio ring reset) and started again; the other ring keeps
 * running, and frames queued meanwhile are not lost.
 */
static void ring_reconfigured_while_detached(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 8, 4096, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 8);
	vnet_inject(&n, ND_RAW, 0, seed, 300);
	vnet_rx_expect(&n, ND_RAW, 0, seed, 300);

	vnet_detach(&n, VNET_RX);
	vnet_inject(&n, ND_RAW, 1, seed, 400);
	n.o.num = 64;
	vnet_ring_setup(&n, VNET_RX);
	/* TX is unaffected meanwhile */
	vnet_tx_one(&n, 0, seed, 500);
	vnet_attach(&n, VNET_RX, n.tap_fd);
	vnet_rx_post(&n, 8);
	vnet_rx_expect(&n, ND_RAW, 1, seed, 400);
	vnet_inject(&n, ND_RAW, 2, seed, 600);
	vnet_rx_expect(&n, ND_RAW, 2, seed, 600);

	/* and the same for TX */
	vnet_detach(&n, VNET_TX);
	vnet_ring_setup(&n, VNET_TX);
	vnet_attach(&n, VNET_TX, n.tap_fd);
	vnet_tx_one(&n, 1, seed, 700);
	vnet_expect_no_ring_error(&n);
}

/*
 * Closing the device releases the tap: a new device takes it over, and
 * a frame queued on it (no RX buffer left on the old device) is delivered
 * by the new one.
 */
static void tap_reusable_after_device_closed(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	uint32_t seed = vt_case_seed();
	struct vnet a, b;

	vnet_setup(&a, &o);
	vnet_rx_bufs(&a, 1, 4096, VNET_L_SPLIT);
	vnet_rx_post(&a, 1);
	vnet_inject(&a, ND_RAW, 0, seed, 100);
	vnet_rx_expect(&a, ND_RAW, 0, seed, 100);
	vnet_inject(&a, ND_RAW, 1, seed, 200);	/* a has no buffer for it */
	close(a.fd);

	o.no_tap = true;
	vnet_setup(&b, &o);
	b.cap_fd = a.cap_fd;
	b.inj_fd = a.inj_fd;
	vnet_attach(&b, VNET_RX, a.tap_fd);
	vnet_attach(&b, VNET_TX, a.tap_fd);
	vnet_rx_bufs(&b, 4, 4096, VNET_L_SPLIT);
	b.rx_autopost = true;
	vnet_rx_post(&b, 4);
	vnet_rx_expect(&b, ND_RAW, 1, seed, 200);
	vnet_inject(&b, ND_RAW, 2, seed, 300);
	vnet_rx_expect(&b, ND_RAW, 2, seed, 300);
	vnet_tx_one(&b, 3, seed, 400);
}

/* Frames both ways with the rings' busy-poll timeout set. */
static void busyloop_traffic(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP, .features = F_MRG };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	EXPECT_OK(vh_set_vring_busyloop(n.fd, VNET_RX, 50));
	EXPECT_OK(vh_set_vring_busyloop(n.fd, VNET_TX, 50));
	vnet_rx_bufs(&n, 64, 1536, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 64);
	for (unsigned int i = 0; i < 40; i++) {
		vnet_tx_add_frame(&n, ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
		vnet_tx_kick(&n);
		vnet_inject(&n, ND_RAW, 100 + i, seed, len_of(i));
		vnet_cap_expect(&n, ND_RAW, i, seed, len_of(i));
		vnet_rx_expect(&n, ND_RAW, 100 + i, seed, len_of(i));
		vnet_tx_complete(&n, 1, VT_WAIT_MS);
	}
}

/* ------------------------------------------------------------------ */
/* device IOTLB                                                         */

/* VIRTIO_F_ACCESS_PLATFORM: every buffer address goes through the IOTLB. */
static void iotlb_traffic_both_ways(void)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = F_MRG, .iotlb = true,
	};
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	vnet_rx_bufs(&n, 64, 1536, VNET_L_SPLIT);
	n.rx_autopost = true;
	vnet_rx_post(&n, 64);
	for (unsigned int i = 0; i < 12; i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
	vnet_tx_kick(&n);
	for (unsigned int i = 0; i < 12; i++)
		vnet_cap_expect(&n, ND_RAW, i, seed, len_of(i));
	vnet_tx_complete(&n, 12, VT_WAIT_MS);
	for (unsigned int i = 0; i < 12; i++) {
		vnet_inject(&n, ND_RAW, 100 + i, seed, len_of(i));
		vnet_rx_expect(&n, ND_RAW, 100 + i, seed, len_of(i));
	}
	if (!iotlb_server_misses(n.iotlb))
		FAIL("no IOTLB miss: buffers were not translated through the IOTLB");
	vnet_expect_no_ring_error(&n);
}

/* ------------------------------------------------------------------ */
/* other backends                                                       */

static const uint32_t small_sizes[] = { 60, 61, 100, 512, 1000, 1500, 1514 };

/* Frames both ways through whatever n->cap_fd / n->inj_fd reach. */
static void both_ways(struct vnet *n)
{
	uint32_t seed = vt_case_seed();

	vnet_rx_bufs(n, 16, 2048, VNET_L_SPLIT);
	n->rx_autopost = true;
	vnet_rx_post(n, 16);
	for (unsigned int i = 0; i < ARRAY_SIZE(small_sizes); i++)
		vnet_tx_add_frame(n, ND_RAW, i, seed, small_sizes[i],
				  VNET_L_SPLIT);
	vnet_tx_kick(n);
	for (unsigned int i = 0; i < ARRAY_SIZE(small_sizes); i++)
		vnet_cap_expect(n, ND_RAW, i, seed, small_sizes[i]);
	vnet_tx_complete(n, ARRAY_SIZE(small_sizes), VT_WAIT_MS);
	for (unsigned int i = 0; i < ARRAY_SIZE(small_sizes); i++)
		vnet_inject(n, ND_RAW, 50 + i, seed, small_sizes[i]);
	for (unsigned int i = 0; i < ARRAY_SIZE(small_sizes); i++)
		vnet_rx_expect(n, ND_RAW, 50 + i, seed, small_sizes[i]);
	vnet_expect_no_ring_error(n);
}

/* macvtap on one end of a veth pair; the peer end is the far side. */
static void macvtap_backend(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP, .no_tap = true };
	struct vnet n;
	int mfd, peer;

	vnet_setup(&n, &o);
	nd_veth_pair("vtnv0", "vtnv1", 1500);
	mfd = nd_macvtap_open("vtnmvt0", "vtnv1", nd_mac_guest);
	nd_tap_set_vnet_hdr_sz(mfd, (int)n.hdr_len);
	peer = nd_ifindex("vtnv0");
	n.cap_fd = nd_packet_socket(peer, 0);
	n.inj_fd = nd_packet_socket(peer, ND_PS_SEND_ONLY);
	vnet_attach(&n, VNET_RX, mfd);
	vnet_attach(&n, VNET_TX, mfd);
	both_ways(&n);
}

/* An AF_PACKET SOCK_RAW socket bound to one end of a veth pair. */
static void af_packet_backend(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST, .no_tap = true };
	struct vnet n;
	int sfd, peer;

	vnet_setup(&n, &o);
	nd_veth_pair("vtnp0", "vtnp1", 1500);
	sfd = nd_packet_socket(nd_ifindex("vtnp1"), 0);
	peer = nd_ifindex("vtnp0");
	n.cap_fd = nd_packet_socket(peer, 0);
	n.inj_fd = nd_packet_socket(peer, ND_PS_SEND_ONLY);
	vnet_attach(&n, VNET_RX, sfd);
	vnet_attach(&n, VNET_TX, sfd);
	both_ways(&n);
}

/* ------------------------------------------------------------------ */
/* multiqueue                                                           */

static void setup_mq(struct vnet *a, struct vnet *b)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = F_MRG,
		.tap_flags = IFF_MULTI_QUEUE, .mem_size = 32u << 20,
	};

	vnet_setup(a, &o);
	o.tap_name = a->ifname;
	vnet_setup(b, &o);
}

static void multiqueue_tx_on_both_queues(void)
{
	uint32_t seed = vt_case_seed();
	uint32_t next[2] = { 0, 1000 };
	const unsigned int per = 40;
	struct vnet q[2];

	setup_mq(&q[0], &q[1]);
	for (unsigned int i = 0; i < per; i++) {
		vnet_tx_add_frame(&q[0], ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
		vnet_tx_add_frame(&q[1], ND_RAW, 1000 + i, seed, len_of(i),
				  VNET_L_SPLIT);
	}
	vnet_tx_kick(&q[0]);
	vnet_tx_kick(&q[1]);
	/* interleaving between queues is free; order within each is not */
	for (unsigned int k = 0; k < 2 * per; k++) {
		long got = nd_recv_from(q[0].cap_fd, nd_mac_guest, rbuf,
					sizeof(rbuf), NULL, VT_WAIT_MS);
		long s;
		unsigned int w;

		if (!got)
			FAIL("only %u of %u frames reached the tap (queue 0 next seq %u, queue 1 next seq %u)",
			     k, 2 * per, next[0], next[1]);
		s = nd_frame_seq(rbuf, (size_t)got, ND_RAW);
		w = s >= 1000;
		if (s != next[w])
			FAIL("queue %u: frame seq %ld, expected %u", w, s,
			     next[w]);
		nd_frame_check(rbuf, (size_t)got, len_of(s % 1000), ND_RAW,
			       false, (uint32_t)s, seed, "multiqueue TX");
		next[w]++;
	}
	vnet_tx_complete(&q[0], per, VT_WAIT_MS);
	vnet_tx_complete(&q[1], per, VT_WAIT_MS);
}

static void multiqueue_rx_spread_over_queues(void)
{
	uint32_t seed = vt_case_seed();
	const unsigned int nflows = 64;
	uint64_t deadline;
	unsigned int count[2] = { 0, 0 }, total = 0;
	bool seen[64] = { false };
	struct vnet q[2];

	setup_mq(&q[0], &q[1]);
	for (unsigned int i = 0; i < 2; i++) {
		vnet_rx_bufs(&q[i], 64, 1536, VNET_L_SPLIT);
		q[i].rx_autopost = true;
		vnet_rx_post(&q[i], 64);
	}
	/* one frame per flow (UDP source port = seq): the tap hashes flows */
	for (unsigned int i = 0; i < nflows; i++)
		vnet_inject(&q[0], ND_UDP4, i, seed, 100 + i * 20);
	deadline = vt_now_ms() + VT_WAIT_MS;
	while (total < nflows) {
		struct pollfd p[2] = {
			{ .fd = q[0].vr[VNET_RX].call_fd, .events = POLLIN },
			{ .fd = q[1].vr[VNET_RX].call_fd, .events = POLLIN },
		};
		bool any = false;

		for (unsigned int w = 0; w < 2; w++) {
			struct virtio_net_hdr_mrg_rxbuf h;
			unsigned int nb;
			long got, s;

			got = vnet_rx_recv(&q[w], rbuf, sizeof(rbuf), &h, &nb,
					   0);
			if (!got)
				continue;
			any = true;
			vnet_rx_check_plain_hdr(&q[w], &h, nb);
			s = nd_frame_seq(rbuf, (size_t)got, ND_UDP4);
			if (s < 0 || s >= (long)nflows || seen[s])
				FAIL("queue %u: unexpected or repeated frame seq %ld",
				     w, s);
			nd_frame_check(rbuf, (size_t)got, 100 + s * 20,
				       ND_UDP4, true, (uint32_t)s, seed,
				       "multiqueue RX");
			seen[s] = true;
			count[w]++;
			total++;
		}
		if (any)
			continue;
		if (vt_now_ms() >= deadline)
			FAIL("only %u of %u frames received (queue 0: %u, queue 1: %u)",
			     total, nflows, count[0], count[1]);
		/* wait for either queue's call, bounded */
		poll(p, 2, 10);
	}
	if (!count[0] || !count[1])
		FAIL("all %u flows arrived on one queue (queue 0: %u, queue 1: %u)",
		     nflows, count[0], count[1]);
}

/* ------------------------------------------------------------------ */
/* dirty log                                                            */

struct logged {
	struct vnet n;
	uint8_t *bitmap;
	size_t len;
};

static void log_setup(struct logged *l, uint64_t features,
		      unsigned int nbuf, uint32_t buf_len)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .features = features,
		.mem_size = 32u << 20,
	};

	l->len = (GMEM_DEFAULT_GPA + o.mem_size) / VT_PAGE / 8 + 8;
	l->bitmap = calloc(1, l->len);
	if (!l->bitmap)
		FAIL("out of host memory");
	o.log_bitmap = l->bitmap;
	vnet_setup(&l->n, &o);
	if (nbuf) {
		vnet_rx_bufs(&l->n, nbuf, buf_len, VNET_L_SPLIT);
		vnet_rx_post(&l->n, nbuf);
	}
}

static bool page_dirty(const struct logged *l, uint64_t gpa)
{
	uint64_t page = gpa / VT_PAGE;

	if (page / 8 >= l->len)
		FAIL("gpa 0x%llx beyond the log", (unsigned long long)gpa);
	return (l->bitmap[page / 8] >> (page % 8)) & 1;
}

static void expect_dirty(const struct logged *l, uint64_t gpa, uint64_t len,
			 const char *what)
{
	for (uint64_t p = gpa & ~(uint64_t)(VT_PAGE - 1); p < gpa + len;
	     p += VT_PAGE)
		if (!page_dirty(l, p))
			FAIL("%s: page 0x%llx written but not logged", what,
			     (unsigned long long)p);
}

static void expect_clean(const struct logged *l, uint64_t gpa, uint64_t len,
			 const char *what)
{
	for (uint64_t p = gpa & ~(uint64_t)(VT_PAGE - 1); p < gpa + len;
	     p += VT_PAGE)
		if (page_dirty(l, p))
			FAIL("%s: page 0x%llx logged but not written by the device",
			     what, (unsigned long long)p);
}

/* The used elements of the last frame and the used index are logged. */
static void expect_used_logged(const struct logged *l, unsigned int ring,
			       uint16_t first, unsigned int count)
{
	const struct vring_drv *vr = &l->n.vr[ring];

	expect_dirty(l, vr->used_gpa + 2, 2, "used->idx");
	for (unsigned int i = 0; i < count; i++)
		expect_dirty(l, vr->used_gpa + 4 +
				8 * ((uint16_t)(first + i) % vr->num), 8,
			     "used element");
}

/* Every byte written into the buffers of the last frame is logged. */
static void expect_rx_logged(const struct logged *l)
{
	const struct vnet_rx_rec *r = &l->n.rec;

	for (unsigned int i = 0; i < r->nused; i++) {
		const struct vnet_rxbuf *b = &l->n.rxb[r->buf[i]];
		uint32_t left = r->len[i];

		for (unsigned int s = 0; s < b->nseg && left; s++) {
			uint32_t k = b->seg[s].len < left ? b->seg[s].len :
							    left;

			expect_dirty(l, b->seg[s].addr, k, "RX buffer");
			left -= k;
		}
	}
	expect_used_logged(l, VNET_RX, r->used_idx_before, r->nused);
}

static void log_rx_marks_buffer_and_used_pages(void)
{
	uint32_t seed = vt_case_seed();
	struct logged l;

	log_setup(&l, F_V1 | VT_F_LOG_ALL, 4, 12 + ND_MAX_FRAME);
	for (unsigned int i = 0; i < 4; i++) {
		vnet_inject(&l.n, ND_RAW, i, seed, len_of(i * 2 + 1));
		vnet_rx_expect(&l.n, ND_RAW, i, seed, len_of(i * 2 + 1));
		expect_rx_logged(&l);
	}
}

static void log_rx_mergeable_marks_every_buffer(void)
{
	uint32_t seed = vt_case_seed();
	struct logged l;

	log_setup(&l, F_MRG | VT_F_LOG_ALL, 128, 1536);
	l.n.rx_autopost = true;
	for (unsigned int i = 0; i < 6; i++) {
		vnet_inject(&l.n, ND_RAW, i, seed, 20000 + i * 7000);
		vnet_rx_expect(&l.n, ND_RAW, i, seed, 20000 + i * 7000);
		expect_rx_logged(&l);
	}
}

/* Pages of a big RX buffer past what the frame filled stay clean. */
static void log_rx_leaves_unwritten_pages_clean(void)
{
	uint32_t seed = vt_case_seed();
	const struct vnet_rxbuf *b;
	struct logged l;

	log_setup(&l, F_V1 | VT_F_LOG_ALL, 1, 12 + ND_MAX_FRAME);
	vnet_inject(&l.n, ND_RAW, 0, seed, 1000);
	vnet_rx_expect(&l.n, ND_RAW, 0, seed, 1000);
	expect_rx_logged(&l);
	b = &l.n.rxb[0];
	expect_clean(&l, (b->seg[0].addr + 2 * VT_PAGE) & ~(uint64_t)4095,
		     8 * VT_PAGE, "RX buffer past the frame");
}

/* TX writes only the used ring: the frames' pages are not logged. */
static void log_tx_marks_used_ring_only(void)
{
	uint32_t seed = vt_case_seed();
	uint16_t first;
	struct logged l;

	log_setup(&l, F_V1 | VT_F_LOG_ALL, 0, 0);
	first = l.n.vr[VNET_TX].last_used;
	for (unsigned int i = 0; i < 6; i++)
		vnet_tx_add_frame(&l.n, ND_RAW, i, seed, len_of(i),
				  VNET_L_SPLIT);
	vnet_tx_kick(&l.n);
	for (unsigned int i = 0; i < 6; i++)
		vnet_cap_expect(&l.n, ND_RAW, i, seed, len_of(i));
	vnet_tx_complete(&l.n, 6, VT_WAIT_MS);
	expect_used_logged(&l, VNET_TX, first, 6);
	expect_clean(&l, l.n.tx_gpa, 6 * l.n.tx_slot_len, "TX buffers");
	expect_clean(&l, l.n.vr[VNET_TX].desc_gpa, 16 * l.n.o.num,
		     "TX descriptor table");
	expect_clean(&l, l.n.vr[VNET_TX].avail_gpa, 4 + 2 * l.n.o.num,
		     "TX avail ring");
}

static const struct vt_case cases[] = {
	VT_CASE(features_offer_net_contract),
	VT_CASE(features_ring_reset_offered),
	VT_CASE(features_in_order_offered),
	VT_CASE(set_features_refuses_unoffered_bits),
	VT_CASE(set_features_accepts_everything_offered),
	VT_CASE(set_backend_bad_ring_index),
	VT_CASE(set_backend_not_a_socket),
	VT_CASE(set_backend_wrong_socket_kind),
	VT_CASE(set_backend_bad_fd),
	VT_CASE(set_backend_not_owner),
	VT_CASE(set_backend_detach_when_detached),
	VT_CASE(detach_reattach_tx_while_flowing),
	VT_CASE(detach_reattach_rx_while_flowing),
	VT_CASE(attach_sends_tx_posted_before),
	VT_CASE(attach_delivers_rx_queued_before),
	VT_CASE(switch_rx_to_new_tap),
	VT_CASE(switch_tx_to_new_tap),
	VT_CASE(backend_outlives_closed_tap_fd),
	VT_CASE(vring_base_counts_consumed_after_detach),
	VT_CASE(rings_wrap_16bit_index),
	VT_CASE(ring_reconfigured_while_detached),
	VT_CASE(tap_reusable_after_device_closed),
	VT_CASE(busyloop_traffic),
	VT_CASE(iotlb_traffic_both_ways),
	VT_CASE(macvtap_backend),
	VT_CASE(af_packet_backend),
	VT_CASE(multiqueue_tx_on_both_queues),
	VT_CASE(multiqueue_rx_spread_over_queues),
	VT_CASE(log_rx_marks_buffer_and_used_pages),
	VT_CASE(log_rx_mergeable_marks_every_buffer),
	VT_CASE(log_rx_leaves_unwritten_pages_clean),
	VT_CASE(log_tx_marks_used_ring_only),
};

VT_MAIN("net", cases)
