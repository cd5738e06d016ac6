// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the catalogue suite: see hostile.h.
 */
#include "hostile.h"

#include <poll.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

static void need(const char *env, const char *path)
{
	const char *why = getenv(env);

	if (why && *why)
		SKIP("%s", why);
	if (access(path, F_OK))
		SKIP("%s: %s", path, strerror(errno));
}

void hs_need_net(void)
{
	need("VT_NET_SKIP", vnet_dev_path());
}

void hs_need_vsock(void)
{
	need("VT_VSOCK_SKIP", vvs_dev_path());
}

void hs_need_scsi(void)
{
	need("VT_SCSI_SKIP", vsc_dev_path());
	if (access("/sys/kernel/config/target", F_OK))
		SKIP("no LIO configfs (target_core_mod not loaded)");
}

/* ------------------------------------------------------------------ */

void hs_test_reset(struct vt_dev *d)
{
	vt_stop(d);
	vt_eventfd_drain(d->vr.err_fd);
	vt_setup_ring(d);
	vt_start(d);
	vt_roundtrip(d, 1500, 1500, 0);
	vt_roundtrip(d, 300, 4096, VR_INDIRECT);
	vt_expect_no_ring_error(d);
}

/* ------------------------------------------------------------------ */

void hs_net_rx_one(struct vnet *n, uint32_t seq, uint32_t seed, size_t len)
{
	static uint8_t frame[ND_MAX_FRAME + 64];
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned int nb;

	vnet_rx_post(n, n->rx_nbuf);
	vnet_inject(n, ND_RAW, seq, seed, len);
	/* frames the hostile step left in the tap come first: skip them */
	for (int i = 0; i < 64; i++) {
		long got = vnet_rx_recv(n, frame, sizeof(frame), &h, &nb,
					VT_WAIT_MS);

		if (!got)
			FAIL("RX frame %u not received within %d ms (used idx %u)",
			     seq, VT_WAIT_MS, vr_used_idx(&n->vr[VNET_RX]));
		vnet_rx_post(n, n->rx_nbuf);
		if (nd_frame_seq(frame, (size_t)got, ND_RAW) != seq)
			continue;
		nd_frame_check(frame, (size_t)got, len, ND_RAW, true, seq,
			       seed, "RX frame after reset");
		return;
	}
	FAIL("RX frame %u not among the next 64 frames", seq);
}

void hs_net_reset(struct vnet *n, uint32_t seed)
{
	vnet_detach(n, VNET_RX);
	vnet_detach(n, VNET_TX);
	for (unsigned int q = 0; q < VNET_NVQS; q++) {
		vnet_ring_setup(n, q);
		vt_eventfd_drain(n->vr[q].err_fd);
	}
	vnet_rx_bufs(n, 8, 2048, VNET_L_SPLIT);
	n->rx_autopost = true;
	vnet_attach_tap(n);
	vnet_tx_one(n, 0x7001, seed, 1000);
	hs_net_rx_one(n, 0x7002, seed, 1000);
	vnet_expect_no_ring_error(n);
}

/* ------------------------------------------------------------------ */

int hs_vsock_connect(struct vvs *v, uint32_t gport, uint32_t *hport)
{
	struct vvs_pkt p;
	int s, i;

	s = vvs_host_connect_start(v, SOCK_STREAM, gport);
	/* skip what earlier connections left (RSTs, credit updates) */
	for (i = 0; i < 4 * (int)v->o.num; i++) {
		if (!vvs_recv(v, &p, VT_WAIT_MS))
			FAIL("no REQUEST for port %u within %d ms", gport,
			     VT_WAIT_MS);
		if (p.op == VIRTIO_VSOCK_OP_REQUEST && p.dst_port == gport)
			break;
	}
	if (p.op != VIRTIO_VSOCK_OP_REQUEST || p.dst_port != gport)
		FAIL("no REQUEST for port %u among %d packets", gport, i);
	*hport = p.src_port;
	vvs_host_connect_finish(v, s, VIRTIO_VSOCK_TYPE_STREAM, gport,
				p.src_port);
	return s;
}

void hs_vsock_reset(struct vvs *v)
{
	static const char hello[] = "catalogue: after the hostile step";
	uint32_t gport = 0x7e57, hport;
	char got[sizeof(hello)];
	struct pollfd pfd;
	struct vvs_pkt p;
	size_t have = 0;
	int s, i;

	vvs_restart(v);
	s = hs_vsock_connect(v, gport, &hport);
	if (send(s, hello, sizeof(hello), 0) != (ssize_t)sizeof(hello))
		FAIL("host send: %s", strerror(errno));
	for (i = 0; i < 64 && have < sizeof(hello); i++) {
		if (!vvs_recv(v, &p, VT_WAIT_MS))
			FAIL("host data not received by the guest within %d ms",
			     VT_WAIT_MS);
		if (p.op != VIRTIO_VSOCK_OP_RW || p.dst_port != gport)
			continue;
		CHECK(p.len <= sizeof(hello) - have, "%u bytes too many",
		      p.len);
		memcpy(got + have, p.data, p.len);
		have += p.len;
	}
	CHECK(have == sizeof(hello) && !memcmp(got, hello, have),
	      "the guest received %zu wrong bytes after the reset", have);
	vvs_send(v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RW, gport, hport,
		 0, hello, sizeof(hello));
	for (have = 0; have < sizeof(hello);) {
		ssize_t r;

		pfd = (struct pollfd){ .fd = s, .events = POLLIN };
		if (poll(&pfd, 1, VT_WAIT_MS) != 1)
			FAIL("guest data not received by the host within %d ms",
			     VT_WAIT_MS);
		r = recv(s, got + have, sizeof(hello) - have, MSG_DONTWAIT);
		if (r <= 0)
			FAIL("host recv: %s", r ? strerror(errno) : "EOF");
		have += (size_t)r;
	}
	CHECK(!memcmp(got, hello, sizeof(hello)),
	      "the host received other bytes than the guest sent");
	close(s);
}

/* ------------------------------------------------------------------ */

void hs_scsi_io(struct vsc *v, unsigned int tag, uint32_t seed)
{
	static uint8_t out[4096], in[4096];
	uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0 };
	uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0 };
	struct vsc_result r;

	for (unsigned int i = 0; i < sizeof(out); i++)
		out[i] = vt_pattern(seed, i);
	vsc_cmd(v, tag, 0, wr, sizeof(wr), out, sizeof(out), NULL, 0, &r);
	CHECK(r.response == VIRTIO_SCSI_S_OK && r.status == 0,
	      "WRITE(10): response %u status 0x%x", r.response, r.status);
	memset(in, 0, sizeof(in));
	vsc_cmd(v, tag, 0, rd, sizeof(rd), NULL, 0, in, sizeof(in), &r);
	CHECK(r.response == VIRTIO_SCSI_S_OK && r.status == 0,
	      "READ(10): response %u status 0x%x", r.response, r.status);
	CHECK(!memcmp(in, out, sizeof(in)), "read back other bytes");
}
