// SPDX-License-Identifier: GPL-2.0
/*
 * suites/dirtylog_audit: the dirty log is lossless. For each workload the
 * whole of guest memory is copied and the log bitmap cleared, traffic runs
 * with VHOST_F_LOG_ALL, the device is quiesced, and every 4 KiB page whose
 * bytes changed must have its bit (tests/lib/logaudit.c). What the test
 * writes as the guest (descriptors, avail entries, buffers it fills) is
 * written before the snapshot, or joins it (la_guest_wrote), so only the
 * device's writes count.
 *
 * In IOTLB mode the memory table maps guest memory at a GPA other than
 * the IOVAs the rings use, so a log kept by IOVA shows as unlogged pages.
 */
#include "vt.h"
#include "hostile.h"
#include "logaudit.h"
#include "vnet.h"
#include "vvsock.h"
#include "vscsi.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/vm_sockets.h>

#define FEAT_TEST	(VT_F_VERSION_1 | VT_F_INDIRECT | VT_F_LOG_ALL)
#define IOVA_BASE	0x800000000ull	/* rings and buffers in IOTLB mode */
#define LOG_GPA		0x40000000ull	/* the memory table's GPA then */

static uint32_t seed_of(const char *what)
{
	uint32_t h = 2166136261u;

	while (*what)
		h = (h ^ (uint8_t)*what++) * 16777619u;
	return h;
}

/* ------------------------------------------------------------------ */
/* vhost-test                                                           */

static void test_setup(struct vt_dev *d, struct logaudit *a, bool iotlb,
		       uint64_t extra, struct iotlb_server *s)
{
	struct vt_opts o = {
		.features = FEAT_TEST | extra |
			    (iotlb ? VT_F_ACCESS_PLATFORM : 0),
		.no_start = true, .num = 1024, .mem_size = 48u << 20,
		.iotlb = iotlb, .gpa = iotlb ? IOVA_BASE : 0,
	};

	la_init(a, (iotlb ? IOVA_BASE : GMEM_DEFAULT_GPA) + o.mem_size);
	vt_setup(d, &o);
	la_watch(a, &d->mem);
	if (iotlb) {
		/* as QEMU does: the log is by GPA, through the table */
		EXPECT_OK(vh_set_mem_one(d->fd, LOG_GPA, d->mem.size,
					 d->mem.hva));
		la_set_gpa(a, LOG_GPA);
	}
	la_attach(a, d->fd);
	la_ring_log(a, d->fd, 0, &d->vr);
	la_label_ring(a, &d->vr, "ring 0");
	if (iotlb)
		iotlb_server_start(s, d->fd, false, &d->mem);
}

/*
 * Rounds of @per transfers (1-2 out, 1-3 in buffers of odd sizes crossing
 * pages), @flags VR_INDIRECT or 0; the ring of 1024 wraps in the sixth.
 */
static void test_rounds(struct vt_dev *d, struct logaudit *a,
			unsigned int flags, const char *what)
{
	const unsigned int per = 200;	/* at most 5 descriptors each */
	struct vt_xfer **x = calloc(per, sizeof(*x));
	uint32_t seed = seed_of(what);

	if (!x)
		FAIL("out of host memory");
	for (unsigned int r = 0; r < 6; r++) {
		uint64_t first = d->mem.gpa + d->mem.brk;

		for (unsigned int i = 0; i < per; i++) {
			uint32_t k = i * 7 + r * 131;
			uint32_t ol[2] = { 1 + (k * 977) % 6000, 1 + k % 900 };
			uint32_t il[3] = { 1 + (k * 613) % 5000,
					   1 + (k * 389) % 4200, 4096 };

			x[i] = vt_xfer_new(&d->mem, 1 + k % 2, ol, 1 + k % 3,
					   il, 1 + (k % 3) * 8, seed + k);
			vt_xfer_add(&d->vr, x[i], flags);
		}
		la_label(a, first, d->mem.gpa + d->mem.brk - first,
			 "transfer buffers");
		vr_publish(&d->vr);

		la_begin(a);
		vt_start(d);
		vr_kick(&d->vr);
		if (vr_wait_used(&d->vr, per, VT_WAIT_MS) < 0)
			FAIL("%s: %u of %u transfers used within %d ms (ring error eventfd %s)",
			     what, vr_pending(&d->vr), per, VT_WAIT_MS,
			     vt_poll_in(d->vr.err_fd, 0) > 0 ? "signalled" :
							       "quiet");
		vt_stop(d);
		la_barrier(d->fd, 0);
		la_check(a, what);

		vt_collect(&d->vr, per, VT_WAIT_MS);
		for (unsigned int i = 0; i < per; i++)
			free(x[i]);
	}
	free(x);
	vt_expect_no_ring_error(d);
}

static void test_workload(bool iotlb, uint64_t extra, unsigned int flags,
			  const char *what)
{
	struct iotlb_server s;
	struct logaudit a;
	struct vt_dev d;

	test_setup(&d, &a, iotlb, extra, &s);
	test_rounds(&d, &a, flags, what);
	if (iotlb) {
		if (!iotlb_server_misses(&s))
			FAIL("no IOTLB miss: the IOTLB was not used");
		iotlb_server_stop(&s);
	}
}

static void test_direct_chains_lossless(void)
{
	test_workload(false, 0, 0, "vhost-test direct chains");
}

/* The device also writes avail_event, at the used ring's end. */
static void test_event_idx_chains_lossless(void)
{
	test_workload(false, VT_F_EVENT_IDX, 0,
		      "vhost-test chains, EVENT_IDX");
}

static void test_indirect_chains_lossless(void)
{
	test_workload(false, 0, VR_INDIRECT, "vhost-test indirect chains");
}

static void test_direct_chains_iotlb_lossless(void)
{
	test_workload(true, 0, 0, "vhost-test direct chains, IOTLB");
}

static void test_indirect_chains_iotlb_lossless(void)
{
	test_workload(true, 0, VR_INDIRECT,
		      "vhost-test indirect chains, IOTLB");
}

/*
 * An IOTLB device without a memory table cannot turn the addresses it
 * writes into GPAs: it must stop the ring (error eventfd), never carry on
 * with the log silently incomplete (Documentation/security.md, "Dirty
 * log"). Ours-only: what Linux's vhost does here is not part of its ABI.
 */
static void test_iotlb_without_memory_table_never_logs_silently(void)
{
	static const uint32_t ol[] = { 3000 }, il[] = { 9000 };
	const char *what = "vhost-test, IOTLB, no memory table";
	struct vt_opts o = {
		.features = FEAT_TEST | VT_F_ACCESS_PLATFORM, .no_start = true,
		.iotlb = true, .gpa = IOVA_BASE, .mem_size = 4u << 20,
	};
	struct iotlb_server s;
	struct logaudit a;
	struct vt_xfer *x[8];
	struct vt_dev d;

	la_init(&a, IOVA_BASE + o.mem_size);
	vt_setup(&d, &o);
	la_watch(&a, &d.mem);
	la_attach(&a, d.fd);
	la_ring_log(&a, d.fd, 0, &d.vr);
	la_label_ring(&a, &d.vr, "ring 0");
	iotlb_server_start(&s, d.fd, false, &d.mem);
	for (unsigned int i = 0; i < 8; i++) {
		x[i] = vt_xfer_new(&d.mem, 1, ol, 1, il, 8, i);
		vt_xfer_add(&d.vr, x[i], 0);
	}
	vr_publish(&d.vr);
	la_begin(&a);
	vt_start(&d);
	vr_kick(&d.vr);
	if (vt_poll_in(d.vr.err_fd, VT_WAIT_MS) > 0) {
		/* stopped, as it must: nothing it wrote may go unlogged */
		vt_stop(&d);
		la_barrier(d.fd, 0);
		if (la_unlogged(&a, NULL, 0, NULL))
			FAIL("%s: the ring stopped, but only after unlogged writes",
			     what);
		iotlb_server_stop(&s);
		return;
	}
	if (vr_wait_used(&d.vr, 8, VT_WAIT_MS) < 0)
		FAIL("%s: neither an error nor 8 transfers within %d ms",
		     what, VT_WAIT_MS);
	vt_stop(&d);
	la_barrier(d.fd, 0);
	la_check(&a, what);
	iotlb_server_stop(&s);
}

/* ------------------------------------------------------------------ */
/* vhost-net                                                            */

static void net_setup(struct vnet *n, struct logaudit *a,
		      enum vnet_hdr_mode mode, uint64_t features, bool iotlb)
{
	struct vnet_opts o = {
		.mode = mode, .features = features, .iotlb = iotlb,
		.no_attach = true, .mem_size = 32u << 20,
	};

	hs_need_net();
	la_init(a, GMEM_DEFAULT_GPA + o.mem_size);
	o.log_bitmap = a->bitmap;
	vnet_setup(n, &o);
	la_watch(a, &n->mem);
	if (iotlb) {
		EXPECT_OK(vh_set_mem_one(n->fd, LOG_GPA, n->mem.size,
					 n->mem.hva));
		la_set_gpa(a, LOG_GPA);
	}
	la_attach(a, n->fd);
	la_ring_log(a, n->fd, VNET_RX, &n->vr[VNET_RX]);
	la_ring_log(a, n->fd, VNET_TX, &n->vr[VNET_TX]);
	la_label_ring(a, &n->vr[VNET_RX], "RX");
	la_label_ring(a, &n->vr[VNET_TX], "TX");
	la_label(a, n->tx_gpa, (uint64_t)n->tx_slots * n->tx_slot_len,
		 "TX slots");
}

static void net_rx_bufs(struct vnet *n, struct logaudit *a, unsigned int nbuf,
			uint32_t len)
{
	uint64_t first = n->mem.gpa + n->mem.brk;

	vnet_rx_bufs(n, nbuf, len, VNET_L_SPLIT);
	la_label(a, first, n->mem.gpa + n->mem.brk - first, "RX buffers");
}

static void net_iotlb_used(struct vnet *n, const char *what)
{
	if (n->iotlb && !iotlb_server_misses(n->iotlb))
		FAIL("%s: no IOTLB miss: the IOTLB was not used", what);
}

static const uint32_t rx_sizes[] = {
	60, 1514, 700, 61, 1000, 1400, 128, 1514, 900, 333, 1200, 64,
};

static const uint32_t mrg_sizes[] = {
	60, 9000, 1514, 4000, 200, 16000, 3000, 65, 7000, 1024,
};

/* Buffers a frame of @len takes: one, or mergeable ones of @buf bytes. */
static unsigned int bufs_for(const struct vnet *n, uint32_t len, uint32_t buf)
{
	return n->mrg ? (n->hdr_len + len + buf - 1) / buf : 1;
}

/*
 * Rounds: buffers posted with RX detached; snapshot; attached, frames
 * injected while it runs; all used; detached (a flush); compared; then
 * the frames are checked byte for byte.
 */
static void net_rx_workload(enum vnet_hdr_mode mode, uint64_t features,
			    bool iotlb, const char *what)
{
	bool mrg = features & VT_F_MRG_RXBUF;
	const uint32_t *sizes = mrg ? mrg_sizes : rx_sizes;
	unsigned int nf = mrg ? ARRAY_SIZE(mrg_sizes) : ARRAY_SIZE(rx_sizes);
	uint32_t buf = mrg ? 1024 : 2048, seed = seed_of(what);
	struct logaudit a;
	struct vnet n;

	net_setup(&n, &a, mode, features, iotlb);
	net_rx_bufs(&n, &a, mrg ? 96 : 32, buf);
	for (unsigned int r = 0; r < 3; r++) {
		unsigned int nused = 0;

		vnet_rx_post(&n, n.rx_nbuf);
		la_begin(&a);
		vnet_attach(&n, VNET_RX, n.tap_fd);
		for (unsigned int i = 0; i < nf; i++) {
			vnet_inject(&n, ND_RAW, r * 100 + i, seed, sizes[i]);
			nused += bufs_for(&n, sizes[i], buf);
		}
		if (vr_wait_used(&n.vr[VNET_RX], nused, VT_WAIT_MS) < 0)
			FAIL("%s: %u of %u RX buffers used within %d ms", what,
			     vr_pending(&n.vr[VNET_RX]), nused, VT_WAIT_MS);
		vnet_detach(&n, VNET_RX);
		la_barrier(n.fd, VNET_RX);
		la_check(&a, what);
		for (unsigned int i = 0; i < nf; i++)
			vnet_rx_expect(&n, ND_RAW, r * 100 + i, seed, sizes[i]);
	}
	net_iotlb_used(&n, what);
	vnet_expect_no_ring_error(&n);
}

static void net_rx_vhost_header_lossless(void)
{
	net_rx_workload(VNET_HDR_VHOST, VT_F_VERSION_1, false,
			"net RX, vhost header");
}

static void net_rx_tap_header_lossless(void)
{
	net_rx_workload(VNET_HDR_TAP, VT_F_VERSION_1, false,
			"net RX, tap header");
}

static void net_rx_mergeable_lossless(void)
{
	net_rx_workload(VNET_HDR_VHOST, VT_F_VERSION_1 | VT_F_MRG_RXBUF, false,
			"net RX, mergeable buffers");
}

static void net_rx_vhost_header_iotlb_lossless(void)
{
	net_rx_workload(VNET_HDR_VHOST, VT_F_VERSION_1, true,
			"net RX, vhost header, IOTLB");
}

static void net_rx_tap_header_iotlb_lossless(void)
{
	net_rx_workload(VNET_HDR_TAP, VT_F_VERSION_1, true,
			"net RX, tap header, IOTLB");
}

static void net_rx_mergeable_iotlb_lossless(void)
{
	net_rx_workload(VNET_HDR_VHOST, VT_F_VERSION_1 | VT_F_MRG_RXBUF, true,
			"net RX, mergeable buffers, IOTLB");
}

/*
 * TX: the device writes only the used ring (and its flags). Frames are
 * queued with TX detached; snapshot; attached and kicked; all used;
 * detached; compared; then every frame must have reached the tap.
 */
static void net_tx_workload(bool iotlb, const char *what)
{
	static const unsigned int layouts[] = {
		VNET_L_SPLIT, VNET_L_ONE, VNET_L_SCATTER,
		VNET_L_SPLIT | VNET_L_INDIRECT, VNET_L_SCATTER | VNET_L_INDIRECT,
	};
	const unsigned int nf = 24;
	uint32_t seed = seed_of(what);
	struct logaudit a;
	struct vnet n;

	net_setup(&n, &a, VNET_HDR_VHOST, VT_F_VERSION_1 | VT_F_INDIRECT,
		  iotlb);
	for (unsigned int r = 0; r < 3; r++) {
		for (unsigned int i = 0; i < nf; i++)
			vnet_tx_add_frame(&n, ND_RAW, r * 100 + i, seed,
					  rx_sizes[i % ARRAY_SIZE(rx_sizes)],
					  layouts[i % ARRAY_SIZE(layouts)]);
		vr_publish(&n.vr[VNET_TX]);
		la_begin(&a);
		vnet_attach(&n, VNET_TX, n.tap_fd);
		vr_kick(&n.vr[VNET_TX]);
		if (vr_wait_used(&n.vr[VNET_TX], nf, VT_WAIT_MS) < 0)
			FAIL("%s: %u of %u TX chains used within %d ms", what,
			     vr_pending(&n.vr[VNET_TX]), nf, VT_WAIT_MS);
		vnet_detach(&n, VNET_TX);
		la_barrier(n.fd, VNET_TX);
		la_check(&a, what);
		vnet_tx_complete(&n, nf, VT_WAIT_MS);
		for (unsigned int i = 0; i < nf; i++)
			vnet_cap_expect(&n, ND_RAW, r * 100 + i, seed,
					rx_sizes[i % ARRAY_SIZE(rx_sizes)]);
	}
	net_iotlb_used(&n, what);
	vnet_expect_no_ring_error(&n);
}

static void net_tx_used_ring_lossless(void)
{
	net_tx_workload(false, "net TX");
}

static void net_tx_used_ring_iotlb_lossless(void)
{
	net_tx_workload(true, "net TX, IOTLB");
}

/*
 * A frame larger than the one buffer posted (no mergeable buffers): the
 * socket copies what fits, then the device drops the frame and gives the
 * buffer back. Those bytes are in guest memory: their pages must be
 * logged. A small frame after it takes the same buffer (and rewrites only
 * its first page), so its completion says the drop has been handled.
 */
static void net_rx_truncated_workload(enum vnet_hdr_mode mode,
				      const char *what)
{
	const uint32_t buf = 12000, big = 16000, small = 60;
	uint32_t seed = seed_of(what), id, len;
	struct logaudit a;
	struct vnet n;

	net_setup(&n, &a, mode, VT_F_VERSION_1, false);
	net_rx_bufs(&n, &a, 1, buf);
	vnet_rx_post(&n, 1);
	la_begin(&a);
	vnet_attach(&n, VNET_RX, n.tap_fd);
	vnet_inject(&n, ND_RAW, 1, seed, big);
	vnet_inject(&n, ND_RAW, 2, seed, small);
	if (vr_wait_used(&n.vr[VNET_RX], 1, VT_WAIT_MS) < 0)
		FAIL("%s: the small frame after the dropped one not received within %d ms",
		     what, VT_WAIT_MS);
	vnet_detach(&n, VNET_RX);
	la_barrier(n.fd, VNET_RX);
	vr_used_elem(&n.vr[VNET_RX], n.vr[VNET_RX].last_used, &id, &len);
	if (len != n.hdr_len + small)
		FAIL("%s: the one buffer was used with len %u: expected the %u-byte frame after the dropped one (%u with its header)",
		     what, len, small, n.hdr_len + small);
	if (!memcmp(n.rxb[0].hva[0] + VT_PAGE * 2, a.snap +
		    (n.rxb[0].hva[0] + VT_PAGE * 2 - n.mem.hva), VT_PAGE))
		SKIP("%s: the device wrote nothing of the dropped frame past the small one",
		     what);
	la_check(&a, what);
}

static void net_rx_vhost_header_dropped_frame_lossless(void)
{
	net_rx_truncated_workload(VNET_HDR_VHOST,
				  "net RX, vhost header, frame too big dropped");
}

static void net_rx_tap_header_dropped_frame_lossless(void)
{
	net_rx_truncated_workload(VNET_HDR_TAP,
				  "net RX, tap header, frame too big dropped");
}

/* ------------------------------------------------------------------ */
/* vhost-vsock                                                          */

#define GUEST_PORT	1234u
#define VSOCK_BYTES	(96u << 10)	/* twice within the 256 KiB credit */

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((seed + i * 2654435761u) >> 13);
}

static void vsock_setup(struct vvs *v, struct logaudit *a)
{
	struct vvs_opts o = {
		.features = VT_F_VERSION_1 | VT_F_LOG_ALL, .no_start = true,
	};

	hs_need_vsock();
	la_init(a, GMEM_DEFAULT_GPA + (16u << 20));
	vvs_setup(v, &o);
	la_watch(a, &v->mem);
	la_attach(a, v->fd);
	for (unsigned int i = 0; i < VVS_NVQS; i++)
		la_ring_log(a, v->fd, i, &v->vr[i]);
	la_label_ring(a, &v->vr[VVS_RX], "RX");
	la_label_ring(a, &v->vr[VVS_TX], "TX");
	la_label(a, v->rx_gpa, (uint64_t)v->o.num * VVS_RXBUF, "RX buffers");
	la_label(a, v->tx_gpa, (uint64_t)v->o.num * VVS_TXSLOT, "TX slots");
	vvs_start(v);
}

/* The host connects to the guest's port; the guest answers. */
static int vsock_connect(struct vvs *v)
{
	struct vvs_pkt p;
	int s = vvs_host_connect_start(v, SOCK_STREAM, GUEST_PORT);

	vvs_expect(v, &p, VIRTIO_VSOCK_OP_REQUEST, "host's connect");
	vvs_host_connect_finish(v, s, VIRTIO_VSOCK_TYPE_STREAM, GUEST_PORT,
				p.src_port);
	return s;
}

static void vsock_stop(struct vvs *v)
{
	EXPECT_OK(vh_vsock_set_running(v->fd, 0));
	la_barrier(v->fd, VVS_RX);
	la_barrier(v->fd, VVS_TX);
}

/* RW payload bytes in used RX entries not yet consumed (read only). */
static size_t vsock_rx_pending_bytes(struct vvs *v, unsigned int *npkt)
{
	struct vring_drv *vr = &v->vr[VVS_RX];
	uint16_t end = vr_used_idx(vr);
	size_t bytes = 0;

	*npkt = 0;
	for (uint16_t i = vr->last_used; i != end; i++) {
		struct virtio_vsock_hdr h;
		uint32_t id, len;
		uintptr_t b;

		vr_used_elem(vr, i, &id, &len);
		if (id >= vr->num || !vr->slot[id].busy)
			FAIL("RX used entry names head %u, not posted", id);
		b = (uintptr_t)vr->slot[id].cookie - 1;
		memcpy(&h, v->rx_area + b * VVS_RXBUF, sizeof(h));
		if (le16toh(h.op) == VIRTIO_VSOCK_OP_RW)
			bytes += le32toh(h.len);
		(*npkt)++;
	}
	return bytes;
}

static void vsock_host_to_guest_lossless(void)
{
	const char *what = "vsock host to guest";
	static uint8_t out[VSOCK_BYTES], got[VSOCK_BYTES];
	uint64_t deadline;
	struct logaudit a;
	struct vvs v;
	size_t have;
	int s;

	vsock_setup(&v, &a);
	s = vsock_connect(&v);
	for (unsigned int r = 0; r < 2; r++) {
		unsigned int npkt;

		fill(out, sizeof(out), seed_of(what) + r);
		vsock_stop(&v);
		la_begin(&a);
		vvs_start(&v);
		if (send(s, out, sizeof(out), 0) != (ssize_t)sizeof(out))
			FAIL("host send of %zu bytes: %s", sizeof(out),
			     strerror(errno));
		deadline = vt_now_ms() + VT_WAIT_MS;
		while (vsock_rx_pending_bytes(&v, &npkt) < sizeof(out)) {
			uint64_t now = vt_now_ms();

			if (now >= deadline ||
			    vr_wait_used(&v.vr[VVS_RX], npkt + 1,
					 (int)(deadline - now)) < 0)
				FAIL("%s: %zu of %zu bytes reached the guest within %d ms",
				     what, vsock_rx_pending_bytes(&v, &npkt),
				     sizeof(out), VT_WAIT_MS);
		}
		vsock_stop(&v);
		la_check(&a, what);
		for (have = 0; have < sizeof(out);) {
			struct vvs_pkt p;

			vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RW, "host's data");
			if (p.len > sizeof(out) - have)
				FAIL("%u bytes in a packet, %zu expected",
				     p.len, sizeof(out) - have);
			memcpy(got + have, p.data, p.len);
			have += p.len;
		}
		if (memcmp(got, out, sizeof(out)))
			FAIL("the guest received other bytes than the host sent");
	}
	vvs_start(&v);
	close(s);
}

static void vsock_guest_to_host_lossless(void)
{
	const char *what = "vsock guest to host";
	static uint8_t out[VSOCK_BYTES], got[VSOCK_BYTES];
	const uint32_t chunk = 32u << 10;
	struct sockaddr_vm sa;
	socklen_t sl = sizeof(sa);
	struct logaudit a;
	struct vvs v;
	int s;

	vsock_setup(&v, &a);
	s = vsock_connect(&v);
	if (getsockname(s, (struct sockaddr *)&sa, &sl))
		FAIL("getsockname: %s", strerror(errno));
	for (unsigned int r = 0; r < 2; r++) {
		size_t have = 0;

		fill(out, sizeof(out), seed_of(what) + r);
		vsock_stop(&v);
		for (uint32_t off = 0; off < sizeof(out); off += chunk)
			vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM,
				 VIRTIO_VSOCK_OP_RW, GUEST_PORT, sa.svm_port,
				 0, out + off, chunk);
		la_begin(&a);
		vvs_start(&v);
		vr_kick(&v.vr[VVS_TX]);
		while (have < sizeof(out)) {
			struct pollfd pfd = { .fd = s, .events = POLLIN };
			ssize_t n;

			if (poll(&pfd, 1, VT_WAIT_MS) != 1)
				FAIL("%s: host received %zu of %zu bytes within %d ms",
				     what, have, sizeof(out), VT_WAIT_MS);
			n = recv(s, got + have, sizeof(out) - have,
				 MSG_DONTWAIT);
			if (n <= 0)
				FAIL("host recv: %s", n ? strerror(errno) : "EOF");
			have += (size_t)n;
		}
		if (vr_wait_used(&v.vr[VVS_TX], sizeof(out) / chunk,
				 VT_WAIT_MS) < 0)
			FAIL("%s: TX chains not all used within %d ms", what,
			     VT_WAIT_MS);
		vsock_stop(&v);
		la_check(&a, what);
		if (memcmp(got, out, sizeof(out)))
			FAIL("the host received other bytes than the guest sent");
	}
	vvs_start(&v);
	close(s);
}

/* ------------------------------------------------------------------ */
/* vhost-scsi                                                           */

#define SCSI_BLOCK	512u
#define SLOW_MS		1500u

static void scsi_setup(struct vsc *v, struct logaudit *a,
		       const struct lio_port *p)
{
	struct vsc_opts o = {
		.features = VT_F_VERSION_1 | VT_F_LOG_ALL, .no_endpoint = true,
	};

	la_init(a, GMEM_DEFAULT_GPA + (32u << 20));
	vsc_setup(v, &o, p);
	la_watch(a, &v->mem);
	la_attach(a, v->fd);
	for (unsigned int i = 0; i < VSC_NVQS; i++)
		la_ring_log(a, v->fd, i, &v->vr[i]);
	la_label_ring(a, &v->vr[VSC_CTL], "control");
	la_label_ring(a, &v->vr[VSC_IO], "request");
	la_label(a, v->area_gpa, gmem_end(&v->mem) - v->area_gpa,
		 "request slots");
	EXPECT_OK(vsc_set_endpoint(v->fd, p->wwn));
}

static void cdb10(uint8_t *cdb, uint8_t op, uint32_t lba, uint32_t bytes)
{
	uint32_t blocks = bytes / SCSI_BLOCK;

	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
}

/* Queue a command with the kick held back: the device cannot see it yet. */
static void scsi_send_unkicked(struct vsc *v, struct vsc_cmd *c)
{
	struct vring_drv *vr = &v->vr[VSC_IO + c->ring];
	int kick = vr->kick_fd, held = vt_eventfd();

	vr->kick_fd = held;
	vsc_send(v, c);
	vr->kick_fd = kick;
	close(held);
}

static const uint32_t read_sizes[] = {
	512, 4096, 4608, 12800, 65536, 200704, 1u << 20,
};

/* READs of several sizes at once; data-in is written into pinned pages. */
static void scsi_reads_lossless(void)
{
	const char *what = "scsi READ data-in";
	static uint8_t pattern[2u << 20], got[1u << 20];
	struct vsc_cmd c[ARRAY_SIZE(read_sizes)];
	uint8_t cdb[ARRAY_SIZE(read_sizes)][10];
	struct lio_port p;
	struct logaudit a;
	struct vsc_result res;
	struct vsc v;

	hs_need_scsi();
	lio_port_setup(&p, 1, 1, 16);
	scsi_setup(&v, &a, &p);
	fill(pattern, sizeof(pattern), seed_of(what));
	for (uint32_t off = 0; off < sizeof(pattern); off += 1u << 20) {
		uint8_t w[10];

		cdb10(w, 0x2a, off / SCSI_BLOCK, 1u << 20);	/* WRITE(10) */
		vsc_cmd(&v, 1, 0, w, 10, pattern + off, 1u << 20, NULL, 0,
			&res);
		if (res.response || res.status)
			FAIL("WRITE at %u: response %u status 0x%x", off,
			     res.response, res.status);
	}
	for (unsigned int r = 0; r < 2; r++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(read_sizes); i++) {
			uint32_t lba = (i * 37 + r * 11) % 64;

			cdb10(cdb[i], 0x28, lba, read_sizes[i]); /* READ(10) */
			c[i] = (struct vsc_cmd){
				.tag = 1, .lun = 0, .cdb = cdb[i],
				.cdb_len = 10, .in_len = read_sizes[i],
			};
			scsi_send_unkicked(&v, &c[i]);
		}
		la_begin(&a);
		vr_kick(&v.vr[VSC_IO]);
		for (unsigned int i = 0; i < ARRAY_SIZE(read_sizes); i++) {
			uint32_t lba = (i * 37 + r * 11) % 64;

			if (!vsc_wait(&v, &c[i], VT_WAIT_MS, got, NULL, &res))
				FAIL("%s: no answer to the %u-byte READ within %d ms",
				     what, read_sizes[i], VT_WAIT_MS);
			if (res.response || res.status || res.resid)
				FAIL("%u-byte READ: response %u status 0x%x resid %u",
				     read_sizes[i], res.response, res.status,
				     res.resid);
			if (memcmp(got, pattern + lba * SCSI_BLOCK,
				   read_sizes[i]))
				FAIL("%u-byte READ returned other bytes than written",
				     read_sizes[i]);
		}
		la_barrier(v.fd, VSC_IO);
		if (r == 0)
			la_check(&a, what);
	}
	/* LIO's objects go before a FAIL could leave them pinning the module */
	vsc_teardown(&v, &p);
	la_check(&a, what);
}

/*
 * A LUN on a memory-backed null_blk whose I/O completes @ms after it was
 * submitted: a READ's data is in the guest's pages at once, its completion
 * comes later, and an ABORT TASK in between aborts it.
 */
static unsigned int lun_add_slow_backed(struct lio_port *p, unsigned int ms)
{
	static const char nullb[] = "/sys/kernel/config/nullb";
	char path[512], val[200], dev[160], link[600], hba[200], *disk;
	unsigned int lun = p->nluns, id, index;
	FILE *f;

	if (lun >= 4 || p->nullb[0])
		FAIL("test bug: LUN %u, slow LUN %s", lun, p->nullb);
	if (access(nullb, F_OK) &&
	    system("modprobe null_blk nr_devices=0 >/dev/null 2>&1") == -1)
		FAIL("cannot run modprobe: %s", strerror(errno));
	if (access(nullb, F_OK))
		SKIP("no null_blk configfs (CONFIG_BLK_DEV_NULL_BLK)");
	snprintf(p->nullb, sizeof(p->nullb), "%s/vtla%u", nullb,
		 (unsigned int)getpid());
	if (mkdir(p->nullb, 0755))
		FAIL("mkdir %s: %s", p->nullb, strerror(errno));
	snprintf(val, sizeof(val), "%llu", ms * 1000000ull);
	{
		const char *attr[][2] = {
			{ "size", "16" }, { "memory_backed", "1" },
			{ "irqmode", "2" }, { "completion_nsec", val },
			{ "power", "1" },
		};

		for (unsigned int i = 0; i < ARRAY_SIZE(attr); i++) {
			int e;

			snprintf(path, sizeof(path), "%s/%s", p->nullb,
				 attr[i][0]);
			e = vt_write_file(path, attr[i][1]);
			if (e == -ENOENT || (e && i == 1))
				SKIP("null_blk without %s: %s", attr[i][0],
				     strerror(-e));
			if (e)
				FAIL("write %s to %s: %s", attr[i][1], path,
				     strerror(-e));
		}
	}
	snprintf(dev, sizeof(dev), "/dev/%s", strrchr(p->nullb, '/') + 1);
	if (access(dev, F_OK)) {
		snprintf(path, sizeof(path), "%s/index", p->nullb);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%u", &index) != 1)
			FAIL("read %s", path);
		fclose(f);
		snprintf(dev, sizeof(dev), "/dev/nullb%u", index);
	}
	id = (unsigned int)getpid() * 8u + lun;
	disk = p->disks[lun];
	snprintf(hba, sizeof(hba), "/sys/kernel/config/target/core/iblock_%u",
		 id);
	if (mkdir(hba, 0755))
		FAIL("mkdir %s: %s", hba, strerror(errno));
	snprintf(disk, sizeof(p->disks[0]), "%s/disk", hba);
	if (mkdir(disk, 0755))
		FAIL("mkdir %s: %s", disk, strerror(errno));
	snprintf(path, sizeof(path), "%s/control", disk);
	snprintf(val, sizeof(val), "udev_path=%s", dev);
	if (vt_write_file(path, val))
		FAIL("write %s to %s", val, path);
	snprintf(path, sizeof(path), "%s/enable", disk);
	if (vt_write_file(path, "1"))
		FAIL("enable %s", disk);
	snprintf(path, sizeof(path), "%s/lun/lun_%u", p->tpg, lun);
	if (mkdir(path, 0755))
		FAIL("mkdir %s: %s", path, strerror(errno));
	snprintf(link, sizeof(link), "%s/disk", path);
	if (symlink(disk, link))
		FAIL("link LUN %u: %s", lun, strerror(errno));
	p->nluns++;
	return lun;
}

/* The data-in buffer of the command in @slot (its chain's last descriptor). */
static struct vt_buf scsi_data_in(const struct vsc *v, const struct vsc_cmd *c)
{
	const struct vring_drv *vr = &v->vr[VSC_IO + c->ring];

	for (unsigned int h = 0; h < vr->num; h++)
		if (vr->slot[h].busy &&
		    vr->slot[h].cookie == (void *)(uintptr_t)(c->slot + 1)) {
			const struct vring_desc *d = &vr->desc[vr->slot[h].last];

			return (struct vt_buf){ le64toh(d->addr),
						le32toh(d->len) };
		}
	FAIL("test bug: command in slot %u not on the ring", c->slot);
}

/*
 * ABORT TASK of @id on the control ring, written as the guest inside a
 * round: the request, the response byte's initial value, the descriptors
 * and the avail ring join the snapshot before the kick.
 */
static uint8_t scsi_abort(struct vsc *v, struct logaudit *a, uint64_t at,
			  unsigned int lun, uint64_t id)
{
	struct vring_drv *vr = &v->vr[VSC_CTL];
	struct virtio_scsi_ctrl_tmf_req *req = gmem_hva(&v->mem, at, 512);
	uint8_t *resp = (uint8_t *)req + 256;
	struct vt_buf b[2] = {
		{ at, sizeof(*req) }, { at + 256, 1 },
	};
	struct vt_used u;

	memset(req, 0, sizeof(*req));
	req->type = htole32(VIRTIO_SCSI_T_TMF);
	req->subtype = htole32(VIRTIO_SCSI_T_TMF_ABORT_TASK);
	req->tag = htole64(id);
	req->lun[0] = 1;
	req->lun[1] = 1;
	req->lun[2] = 0x40;
	req->lun[3] = (uint8_t)lun;
	*resp = 0xff;
	if (vr_add(vr, b, 1, 1, 0, NULL) < 0)
		FAIL("cannot queue the TMF");
	vr_publish(vr);
	la_guest_wrote(a, at, 512);
	la_guest_wrote(a, vr->desc_gpa, 16u * vr->num);
	la_guest_wrote(a, vr->avail_gpa, 6 + 2u * vr->num);
	vr_kick(vr);
	if (vr_wait_used(vr, 1, VT_WAIT_MS) < 0)
		FAIL("no answer to ABORT TASK within %d ms", VT_WAIT_MS);
	if (vr_get_used(vr, &u) != 1 || u.len != 1)
		FAIL("control ring: used entry %u len %u", u.id, u.len);
	return *resp;
}

/*
 * A READ aborted after its data reached the guest's pages: the device
 * answers ABORTED, and the pages it had written must be in the log all
 * the same (Documentation/security.md, "Dirty log").
 */
static void scsi_aborted_read_lossless(void)
{
	const char *what = "scsi READ aborted after its data-in";
	uint8_t cdb[10], tmf;
	struct lio_port p;
	struct logaudit a;
	struct vsc_result res;
	struct vsc_cmd c;
	struct vt_buf din;
	uint64_t tmf_at;
	struct vsc v;
	unsigned int lun;

	hs_need_scsi();
	lio_port_setup(&p, 1, 0, 0);
	lun = lun_add_slow_backed(&p, SLOW_MS);
	scsi_setup(&v, &a, &p);
	gmem_alloc_p(&v.mem, 4096, VT_PAGE, &tmf_at);
	la_label(&a, tmf_at, 4096, "TMF request");
	cdb10(cdb, 0x28, 0, 64u << 10);
	c = (struct vsc_cmd){
		.tag = 1, .lun = lun, .cdb = cdb, .cdb_len = 10,
		.in_len = 64u << 10,
	};
	scsi_send_unkicked(&v, &c);
	din = scsi_data_in(&v, &c);
	la_label(&a, din.addr, din.len, "READ data-in");
	la_begin(&a);
	vr_kick(&v.vr[VSC_IO]);
	if (!la_wait_change(&a, din.addr, din.len, VT_WAIT_MS))
		FAIL("%s: the READ's data never reached its buffer within %d ms",
		     what, VT_WAIT_MS);
	tmf = scsi_abort(&v, &a, tmf_at, lun, c.id);
	if (!vsc_wait(&v, &c, VT_WAIT_MS, NULL, NULL, &res))
		FAIL("%s: no answer to the READ within %d ms", what,
		     VT_WAIT_MS);
	la_barrier(v.fd, VSC_CTL);
	la_barrier(v.fd, VSC_IO);
	/* LIO's objects go before a FAIL could leave them pinning the module */
	vsc_teardown(&v, &p);
	if (res.response != VIRTIO_SCSI_S_ABORTED)
		SKIP("the READ completed (response %u, TMF %u) before the abort reached it",
		     res.response, tmf);
	la_check(&a, what);
}

static const struct vt_case cases[] = {
	VT_CASE(test_direct_chains_lossless),
	VT_CASE(test_indirect_chains_lossless),
	VT_CASE(test_event_idx_chains_lossless),
	VT_CASE(test_direct_chains_iotlb_lossless),
	VT_CASE(test_indirect_chains_iotlb_lossless),
	VT_CASE(test_iotlb_without_memory_table_never_logs_silently),
	VT_CASE(net_rx_vhost_header_lossless),
	VT_CASE(net_rx_tap_header_lossless),
	VT_CASE(net_rx_mergeable_lossless),
	VT_CASE(net_rx_vhost_header_iotlb_lossless),
	VT_CASE(net_rx_tap_header_iotlb_lossless),
	VT_CASE(net_rx_mergeable_iotlb_lossless),
	VT_CASE(net_tx_used_ring_lossless),
	VT_CASE(net_tx_used_ring_iotlb_lossless),
	VT_CASE(net_rx_vhost_header_dropped_frame_lossless),
	VT_CASE(net_rx_tap_header_dropped_frame_lossless),
	VT_CASE(vsock_host_to_guest_lossless),
	VT_CASE(vsock_guest_to_host_lossless),
	VT_CASE(scsi_reads_lossless),
	VT_CASE(scsi_aborted_read_lossless),
};

VT_MAIN("dirtylog_audit", cases)
