// SPDX-License-Identifier: GPL-2.0
/*
 * suites/net_tx: the guest transmits through /dev/vhost-net.  The guest
 * posts a chain (virtio-net header + frame) on ring 1; the frame must
 * appear on the tap backend byte for byte, seen by an AF_PACKET socket
 * bound to the tap, and the chain must come back with used.len 0.
 *
 * Header modes: VHOST_NET_F_VIRTIO_NET_HDR acked (vhost strips the 10- or
 * 12-byte header, tap without IFF_VNET_HDR) or not (the tap reads the
 * header: IFF_VNET_HDR + TUNSETVNETHDRSZ).  Offload headers (checksum,
 * TCPv4 GSO) pass through to the tap in the second mode.
 */
#include "vt.h"
#include "vnet.h"

#include <linux/if_tun.h>

#define F_V1		(VT_F_VERSION_1 | VT_F_INDIRECT)
#define F_LEGACY	VT_F_INDIRECT
#define F_MRG_LEGACY	(VT_F_MRG_RXBUF | VT_F_INDIRECT)

static uint8_t rbuf[ND_MAX_FRAME + 4096];

/* Every size, all chains in flight at once, then every frame in order. */
static void tx_sizes(enum vnet_hdr_mode mode, uint64_t features,
		     unsigned int layout)
{
	struct vnet_opts o = { .mode = mode, .features = features };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	for (unsigned int i = 0; i < ND_NFRAME_SIZES; i++)
		vnet_tx_add_frame(&n, ND_RAW, i, seed, nd_frame_sizes[i],
				  layout);
	vnet_tx_kick(&n);
	for (unsigned int i = 0; i < ND_NFRAME_SIZES; i++)
		vnet_cap_expect(&n, ND_RAW, i, seed, nd_frame_sizes[i]);
	vnet_tx_complete(&n, ND_NFRAME_SIZES, VT_WAIT_MS);
	vnet_expect_no_ring_error(&n);
}

static void tx_sizes_vhost_hdr_v1(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1, VNET_L_SPLIT);
}

static void tx_sizes_vhost_hdr_legacy(void)
{
	tx_sizes(VNET_HDR_VHOST, F_LEGACY, VNET_L_SPLIT);
}

static void tx_sizes_vhost_hdr_mrg_rxbuf(void)
{
	tx_sizes(VNET_HDR_VHOST, F_MRG_LEGACY, VNET_L_SPLIT);
}

static void tx_sizes_tap_hdr_v1(void)
{
	tx_sizes(VNET_HDR_TAP, F_V1, VNET_L_SPLIT);
}

static void tx_sizes_tap_hdr_legacy(void)
{
	tx_sizes(VNET_HDR_TAP, F_LEGACY, VNET_L_SPLIT);
}

static void tx_sizes_tap_hdr_mrg_rxbuf(void)
{
	tx_sizes(VNET_HDR_TAP, F_MRG_LEGACY, VNET_L_SPLIT);
}

static void tx_header_and_frame_in_one_desc(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1, VNET_L_ONE);
}

static void tx_header_and_frame_scattered(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1, VNET_L_SCATTER);
}

static void tx_header_and_frame_scattered_tap_hdr(void)
{
	tx_sizes(VNET_HDR_TAP, F_V1, VNET_L_SCATTER);
}

static void tx_indirect_chains(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1, VNET_L_SPLIT | VNET_L_INDIRECT);
}

static void tx_indirect_scattered_chains(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1, VNET_L_SCATTER | VNET_L_INDIRECT);
}

static void tx_with_event_idx(void)
{
	tx_sizes(VNET_HDR_VHOST, F_V1 | VT_F_EVENT_IDX, VNET_L_SPLIT);
}

/* A whole ring of one-descriptor chains in flight; frames leave in ring order. */
static void tx_full_ring_in_order(void)
{
	struct vnet_opts o = {
		.mode = VNET_HDR_VHOST, .num = 256, .tx_slots = 256,
	};
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	for (unsigned int round = 0; round < 3; round++) {
		for (unsigned int i = 0; i < 256; i++)
			vnet_tx_add_frame(&n, ND_RAW, round * 256 + i, seed,
					  60 + (i * 37) % 1455, VNET_L_ONE);
		vnet_tx_kick(&n);
		for (unsigned int i = 0; i < 256; i++)
			vnet_cap_expect(&n, ND_RAW, round * 256 + i, seed,
					60 + (i * 37) % 1455);
		vnet_tx_complete(&n, 256, VT_WAIT_MS);
	}
}

/* One chain at a time: every used entry comes back before the next. */
static void tx_one_chain_at_a_time(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP };
	uint32_t seed = vt_case_seed();
	struct vnet n;

	vnet_setup(&n, &o);
	for (unsigned int i = 0; i < 300; i++) {
		size_t len = nd_frame_sizes[i % ND_NFRAME_SIZES];

		vnet_tx_add_frame(&n, ND_RAW, i, seed, len, VNET_L_SPLIT);
		vnet_tx_kick(&n);
		vnet_tx_complete(&n, 1, VT_WAIT_MS);
		vnet_cap_expect(&n, ND_RAW, i, seed, len);
	}
}

/* A capture socket with PACKET_VNET_HDR on the tap: header + frame. */
static long cap_vnet(struct vnet *n, int fd, struct virtio_net_hdr *vh)
{
	long got = nd_recv_from(fd, nd_mac_guest, rbuf, sizeof(rbuf), vh,
				VT_WAIT_MS);

	if (!got)
		FAIL("TX frame did not reach the tap within %d ms (TX used idx %u)",
		     VT_WAIT_MS, vr_used_idx(&n->vr[VNET_TX]));
	return got;
}

static void tx_csum_offload_header_reaches_tap(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP };
	struct virtio_net_hdr_mrg_rxbuf h;
	struct virtio_net_hdr vh;
	uint32_t seed = vt_case_seed();
	static uint8_t frame[1200];
	struct vnet n;
	int vcap;
	long got;

	vnet_setup(&n, &o);
	vcap = nd_packet_socket(n.ifindex, ND_PS_VNET_HDR);
	memset(&h, 0, sizeof(h));
	h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.hdr.csum_start = htole16(ND_L4_OFF);
	h.hdr.csum_offset = htole16(ND_UDP_CSUM_OFF);
	nd_frame_build(frame, sizeof(frame), ND_UDP4, false, 7, seed);
	vnet_tx_add(&n, &h, frame, sizeof(frame), VNET_L_SPLIT);
	vnet_tx_kick(&n);
	got = cap_vnet(&n, vcap, &vh);
	if (!(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		FAIL("frame reached the tap with header flags 0x%x, without NEEDS_CSUM",
		     vh.flags);
	EXPECT_EQ(le16toh(vh.csum_start), ND_L4_OFF);
	EXPECT_EQ(le16toh(vh.csum_offset), ND_UDP_CSUM_OFF);
	EXPECT_EQ(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
	nd_frame_check(rbuf, (size_t)got, sizeof(frame), ND_UDP4, false, 7,
		       seed, "TX csum frame");
	vnet_tx_complete(&n, 1, VT_WAIT_MS);
}

/* A 64 KiB TCPv4 GSO frame: one chain, one GSO packet on the tap. */
static void tx_gso_tcpv4_64k_reaches_tap(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_TAP };
	const size_t len = ND_L3_OFF + 0xffff;
	struct virtio_net_hdr_mrg_rxbuf h;
	struct virtio_net_hdr vh;
	uint32_t seed = vt_case_seed();
	static uint8_t frame[ND_L3_OFF + 0xffff];
	struct vnet n;
	int vcap;
	long got;

	vnet_setup(&n, &o);
	vcap = nd_packet_socket(n.ifindex, ND_PS_VNET_HDR);
	memset(&h, 0, sizeof(h));
	h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.hdr.hdr_len = htole16(ND_L4_OFF + 20);
	h.hdr.gso_size = htole16(1448);
	h.hdr.csum_start = htole16(ND_L4_OFF);
	h.hdr.csum_offset = htole16(ND_TCP_CSUM_OFF);
	nd_frame_build(frame, len, ND_TCP4, false, 3, seed);
	vnet_tx_add(&n, &h, frame, len, VNET_L_SCATTER);
	vnet_tx_kick(&n);
	got = cap_vnet(&n, vcap, &vh);
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_TCPV4)
		FAIL("frame reached the tap with gso_type %u, expected TCPV4 (%u): GSO lost",
		     vh.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	EXPECT_EQ(le16toh(vh.gso_size), 1448);
	if (!(vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		FAIL("GSO frame reached the tap with header flags 0x%x, without NEEDS_CSUM",
		     vh.flags);
	EXPECT_EQ(le16toh(vh.csum_start), ND_L4_OFF);
	EXPECT_EQ(le16toh(vh.csum_offset), ND_TCP_CSUM_OFF);
	nd_frame_check(rbuf, (size_t)got, len, ND_TCP4, false, 3, seed,
		       "TX GSO frame");
	vnet_tx_complete(&n, 1, VT_WAIT_MS);
}

/* A TX chain with a device-writable descriptor is a driver error. */
static void tx_chain_with_writable_desc_signals_error(void)
{
	struct vnet_opts o = { .mode = VNET_HDR_VHOST };
	struct vring_drv *vr;
	struct vt_buf b[2];
	uint64_t gpa;
	struct vnet n;

	vnet_setup(&n, &o);
	vr = &n.vr[VNET_TX];
	gmem_alloc_p(&n.mem, 2 * VT_PAGE, VT_PAGE, &gpa);
	b[0] = (struct vt_buf){ gpa, 12 + 60 };
	b[1] = (struct vt_buf){ gpa + VT_PAGE, 100 };
	if (vr_add(vr, b, 1, 1, 0, NULL) < 0)
		FAIL("vr_add");
	vr_publish_kick(vr);
	if (vt_poll_in(vr->err_fd, VT_WAIT_MS) <= 0)
		FAIL("error eventfd not signalled for a TX chain with a writable descriptor (used idx %u)",
		     vr_used_idx(vr));
	if (nd_frame_pending(n.cap_fd, nd_mac_guest))
		FAIL("a frame from the malformed chain reached the tap");
}

static const struct vt_case cases[] = {
	VT_CASE(tx_sizes_vhost_hdr_v1),
	VT_CASE(tx_sizes_vhost_hdr_legacy),
	VT_CASE(tx_sizes_vhost_hdr_mrg_rxbuf),
	VT_CASE(tx_sizes_tap_hdr_v1),
	VT_CASE(tx_sizes_tap_hdr_legacy),
	VT_CASE(tx_sizes_tap_hdr_mrg_rxbuf),
	VT_CASE(tx_header_and_frame_in_one_desc),
	VT_CASE(tx_header_and_frame_scattered),
	VT_CASE(tx_header_and_frame_scattered_tap_hdr),
	VT_CASE(tx_indirect_chains),
	VT_CASE(tx_indirect_scattered_chains),
	VT_CASE(tx_with_event_idx),
	VT_CASE_T(tx_full_ring_in_order, 120),
	VT_CASE_T(tx_one_chain_at_a_time, 120),
	VT_CASE(tx_csum_offload_header_reaches_tap),
	VT_CASE(tx_gso_tcpv4_64k_reaches_tap),
	VT_CASE(tx_chain_with_writable_desc_signals_error),
};

VT_MAIN("net_tx", cases)
