// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "vnet.h"

#define TX_SLOT_LEN	(80u << 10)	/* header + 64 KiB frame + gaps */
#define GAP		64u		/* between segments of one chain */
#define GAP_BYTE	0xee
#define STREAM_MAX	(VNET_MAX_MERGE * 4096u + 65536u)

static uint8_t scratch[ND_MAX_FRAME + 64 * 1024];
static uint8_t stream[STREAM_MAX];

const char *vnet_dev_path(void)
{
	const char *p = getenv("VHOST_NET_DEV");

	return p && *p ? p : "/dev/vhost-net";
}

int vnet_open_fd(void)
{
	int fd = open(vnet_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s (is vhost_net loaded?)", vnet_dev_path(),
		     strerror(errno));
	return fd;
}

long vh_net_set_backend(int fd, unsigned int idx, int bfd)
{
	struct vhost_vring_file f = { .index = idx, .fd = bfd };

	return vh_ioctl(fd, VHOST_NET_SET_BACKEND, &f);
}

unsigned int vnet_hdr_len(uint64_t features)
{
	return features & (VT_F_MRG_RXBUF | VT_F_VERSION_1) ? 12 : 10;
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void iotlb_premap(struct vnet *n, uint64_t gpa, size_t len)
{
	uint64_t start = gpa & ~(uint64_t)(VT_PAGE - 1);
	uint64_t end = (gpa + len + VT_PAGE - 1) & ~(uint64_t)(VT_PAGE - 1);

	EXPECT_OK(iotlb_map(n->fd, false, &n->mem, start, end - start,
			    VHOST_ACCESS_RW));
}

void vnet_ring_setup(struct vnet *n, unsigned int idx)
{
	struct vring_cfg cfg = {
		.num = n->o.num,
		.base = n->o.base,
		.ind_max = 16,
		.event_idx = !!(n->features & VT_F_EVENT_IDX),
		.ring_dev_gpa = n->o.iotlb,
	};
	struct vring_drv *vr = &n->vr[idx];
	struct vhost_vring_addr a;

	vr_init(vr, &n->mem, &cfg);
	if (idx == VNET_RX)
		for (unsigned int i = 0; i < n->rx_nbuf; i++)
			n->rxb[i].posted = false;
	if (n->o.iotlb) {
		/* vhost reads and writes the used ring when a backend is set */
		iotlb_premap(n, vr->desc_gpa, 16u * n->o.num);
		iotlb_premap(n, vr->avail_gpa, 6 + 2u * n->o.num);
		iotlb_premap(n, vr->used_gpa, 6 + 8u * n->o.num);
	}
	EXPECT_OK(vh_set_vring_num(n->fd, idx, n->o.num));
	EXPECT_OK(vh_set_vring_base(n->fd, idx, n->o.base));
	vr_addr(vr, &a);
	a.index = idx;
	if (n->o.log_bitmap)
		a.flags = 1u << VHOST_VRING_F_LOG;
	EXPECT_OK(vh_set_vring_addr(n->fd, &a));
	EXPECT_OK(vh_set_vring_kick(n->fd, idx, vr->kick_fd));
	EXPECT_OK(vh_set_vring_call(n->fd, idx, vr->call_fd));
	EXPECT_OK(vh_set_vring_err(n->fd, idx, vr->err_fd));
}

static void setup_tap(struct vnet *n)
{
	unsigned int flags = n->o.tap_flags;

	if (n->o.mode == VNET_HDR_TAP)
		flags |= IFF_VNET_HDR;
	n->ifname[0] = '\0';
	if (n->o.tap_name)
		snprintf(n->ifname, IFNAMSIZ, "%s", n->o.tap_name);
	n->tap_fd = nd_tap_create(n->ifname, flags,
				  n->o.tap_name ? 0 : n->o.mtu);
	if (n->o.mode == VNET_HDR_TAP)
		nd_tap_set_vnet_hdr_sz(n->tap_fd, (int)n->hdr_len);
	n->ifindex = nd_ifindex(n->ifname);
	n->cap_fd = nd_packet_socket(n->ifindex, 0);
	n->inj_fd = nd_packet_socket(n->ifindex, ND_PS_SEND_ONLY);
}

void vnet_setup(struct vnet *n, const struct vnet_opts *o)
{
	uint64_t offered, want;

	memset(n, 0, sizeof(*n));
	n->fd = n->tap_fd = n->cap_fd = n->inj_fd = -1;
	if (o)
		n->o = *o;
	if (!n->o.num)
		n->o.num = 256;
	if (!n->o.mem_size)
		n->o.mem_size = 64u << 20;
	if (!n->o.mtu)
		n->o.mtu = ND_TAP_MAX_MTU;
	if (!n->o.tx_slots)
		n->o.tx_slots = 64;
	if (!n->o.features)
		n->o.features = VT_F_VERSION_1 | VT_F_INDIRECT;
	want = n->o.features;
	if (n->o.mode == VNET_HDR_VHOST)
		want |= VT_F_NET_HDR;
	else
		want &= ~VT_F_NET_HDR;
	if (n->o.log_bitmap)
		want |= VT_F_LOG_ALL;
	if (n->o.iotlb)
		want |= VT_F_ACCESS_PLATFORM;

	nd_private_netns();

	n->fd = vnet_open_fd();
	EXPECT_OK(vh_set_owner(n->fd));
	EXPECT_OK(vh_get_features(n->fd, &offered));
	if ((want & offered) != want)
		FAIL("device offers 0x%llx, test needs 0x%llx",
		     (unsigned long long)offered, (unsigned long long)want);
	gmem_init(&n->mem, GMEM_DEFAULT_GPA, n->o.mem_size);
	if (n->o.log_bitmap)
		EXPECT_OK(vh_set_log_base(n->fd, (uintptr_t)n->o.log_bitmap));
	EXPECT_OK(vh_set_features(n->fd, want));
	n->features = want;
	n->hdr_len = vnet_hdr_len(want);
	n->mrg = !!(want & VT_F_MRG_RXBUF);

	/*
	 * A memory table even with the IOTLB, as QEMU does: Linux's
	 * vhost_net refuses a backend (-EFAULT) on a device without one.
	 */
	EXPECT_OK(vh_set_mem_one(n->fd, n->mem.gpa, n->mem.size, n->mem.hva));
	if (n->o.iotlb) {
		n->iotlb = calloc(1, sizeof(*n->iotlb));
		if (!n->iotlb)
			FAIL("out of host memory");
	}
	vnet_ring_setup(n, VNET_RX);
	vnet_ring_setup(n, VNET_TX);
	if (n->iotlb)
		iotlb_server_start(n->iotlb, n->fd, false, &n->mem);

	n->tx_slots = n->o.tx_slots;
	n->tx_slot_len = TX_SLOT_LEN;
	n->tx_area = gmem_alloc_p(&n->mem, n->tx_slots * n->tx_slot_len,
				  VT_PAGE, &n->tx_gpa);

	if (n->o.no_tap)
		return;
	setup_tap(n);
	if (!n->o.no_attach)
		vnet_attach_tap(n);
}

void vnet_attach(struct vnet *n, unsigned int ring, int bfd)
{
	long r = vh_net_set_backend(n->fd, ring, bfd);

	if (r < 0)
		FAIL("VHOST_NET_SET_BACKEND ring %u fd %d: %s", ring, bfd,
		     vt_err(r));
}

void vnet_attach_tap(struct vnet *n)
{
	vnet_attach(n, VNET_RX, n->tap_fd);
	vnet_attach(n, VNET_TX, n->tap_fd);
}

void vnet_detach(struct vnet *n, unsigned int ring)
{
	vnet_attach(n, ring, -1);
}

void vnet_expect_no_ring_error(struct vnet *n)
{
	for (unsigned int i = 0; i < VNET_NVQS; i++)
		if (vt_poll_in(n->vr[i].err_fd, 0) > 0)
			FAIL("ring %u: error eventfd signalled on valid input",
			     i);
}

/* ------------------------------------------------------------------ */
/* TX                                                                   */

/* Cut [0, len) into pieces: returns the count, lengths in out[]. */
static unsigned int cut(size_t len, unsigned int max, uint32_t *out)
{
	unsigned int k = 0;
	size_t left = len, piece;

	if (!len)
		return 0;
	piece = (len + max - 1) / max;
	if (piece < 1)
		piece = 1;
	while (left) {
		size_t l = left < piece ? left : piece;

		out[k++] = (uint32_t)l;
		left -= l;
	}
	return k;
}

int vnet_tx_add(struct vnet *n, const void *hdr, const uint8_t *frame,
		size_t len, unsigned int layout)
{
	struct vring_drv *vr = &n->vr[VNET_TX];
	static const uint8_t zero[12];
	uint8_t *slot;
	uint64_t gpa;
	struct vt_buf b[16];
	uint32_t pl[16];
	unsigned int nb = 0, np;
	size_t off = 0;
	int head;

	if (!hdr)
		hdr = zero;
	if (vr_in_flight(vr) >= n->tx_slots)
		FAIL("test bug: more than %u TX chains in flight", n->tx_slots);
	if (len + n->hdr_len + 16 * GAP > n->tx_slot_len)
		FAIL("test bug: %zu-byte TX frame too big for a slot", len);
	slot = n->tx_area + (size_t)(n->tx_next % n->tx_slots) * n->tx_slot_len;
	gpa = n->tx_gpa + (uint64_t)(n->tx_next % n->tx_slots) * n->tx_slot_len;
	n->tx_next++;

	switch (layout & ~VNET_L_INDIRECT) {
	case VNET_L_ONE:
		memcpy(slot, hdr, n->hdr_len);
		memcpy(slot + n->hdr_len, frame, len);
		b[nb++] = (struct vt_buf){ gpa, (uint32_t)(n->hdr_len + len) };
		break;
	case VNET_L_SCATTER:
		/* header in 2 pieces, frame in up to 6, gaps in between */
		memcpy(slot, hdr, 4);
		b[nb++] = (struct vt_buf){ gpa, 4 };
		off = 4 + GAP;
		memcpy(slot + off, (const uint8_t *)hdr + 4, n->hdr_len - 4);
		b[nb++] = (struct vt_buf){ gpa + off, n->hdr_len - 4 };
		off += n->hdr_len - 4 + GAP;
		np = cut(len, 6, pl);
		for (unsigned int i = 0, fo = 0; i < np; i++) {
			memcpy(slot + off, frame + fo, pl[i]);
			b[nb++] = (struct vt_buf){ gpa + off, pl[i] };
			off += pl[i] + GAP;
			fo += pl[i];
		}
		break;
	default:	/* VNET_L_SPLIT */
		memcpy(slot, hdr, n->hdr_len);
		b[nb++] = (struct vt_buf){ gpa, n->hdr_len };
		off = n->hdr_len + GAP;
		memcpy(slot + off, frame, len);
		b[nb++] = (struct vt_buf){ gpa + off, (uint32_t)len };
		break;
	}
	head = vr_add(vr, b, nb, 0,
		      layout & VNET_L_INDIRECT ? VR_INDIRECT : 0, NULL);
	if (head < 0)
		FAIL("vr_add TX chain of %u descs: %s (free %u)", nb,
		     vt_err(head), vr->num_free);
	return head;
}

int vnet_tx_add_frame(struct vnet *n, enum nd_kind kind, uint32_t seq,
		      uint32_t seed, size_t len, unsigned int layout)
{
	nd_frame_build(scratch, len, kind, false, seq, seed);
	return vnet_tx_add(n, NULL, scratch, len, layout);
}

void vnet_tx_kick(struct vnet *n)
{
	vr_publish_kick(&n->vr[VNET_TX]);
}

void vnet_tx_complete(struct vnet *n, unsigned int count, int timeout_ms)
{
	struct vring_drv *vr = &n->vr[VNET_TX];
	uint64_t deadline = vt_now_ms() + timeout_ms;
	struct vt_used u;

	for (unsigned int got = 0; got < count;) {
		uint64_t now = vt_now_ms();
		int r;

		if (vr_wait_used(vr, 1, now < deadline ?
				 (int)(deadline - now) : 0) < 0)
			FAIL("TX: only %u of %u chains used within %d ms (used idx %u, avail idx %u)",
			     got, count, timeout_ms, vr_used_idx(vr),
			     vr->published);
		while (got < count && (r = vr_get_used(vr, &u)) != 0) {
			if (r < 0)
				FAIL("TX used entry names head %u (len %u), not in flight",
				     u.id, u.len);
			if (u.len != 0)
				FAIL("TX used entry for head %u has len %u, expected 0 (the device writes nothing on TX)",
				     u.id, u.len);
			got++;
		}
	}
}

void vnet_expect_frame_on(struct vnet *n, int fd, enum nd_kind kind,
			  uint32_t seq, uint32_t seed, size_t len)
{
	long got = nd_recv_from(fd, nd_mac_guest, scratch, sizeof(scratch),
				NULL, VT_WAIT_MS);

	if (!got)
		FAIL("TX frame seq %u (%zu bytes) did not reach the backend within %d ms (TX used idx %u, avail idx %u)",
		     seq, len, VT_WAIT_MS, vr_used_idx(&n->vr[VNET_TX]),
		     n->vr[VNET_TX].published);
	nd_frame_check(scratch, (size_t)got, len, kind, false, seq, seed,
		       "TX");
}

void vnet_cap_expect(struct vnet *n, enum nd_kind kind, uint32_t seq,
		     uint32_t seed, size_t len)
{
	vnet_expect_frame_on(n, n->cap_fd, kind, seq, seed, len);
}

void vnet_tx_one(struct vnet *n, uint32_t seq, uint32_t seed, size_t len)
{
	vnet_tx_add_frame(n, ND_RAW, seq, seed, len, VNET_L_SPLIT);
	vnet_tx_kick(n);
	vnet_cap_expect(n, ND_RAW, seq, seed, len);
	vnet_tx_complete(n, 1, VT_WAIT_MS);
}

/* ------------------------------------------------------------------ */
/* RX                                                                   */

void vnet_rx_bufs(struct vnet *n, unsigned int nbuf, uint32_t buf_len,
		  unsigned int layout)
{
	unsigned int base = (layout & ~VNET_L_INDIRECT);

	n->rxb = calloc(nbuf, sizeof(*n->rxb));
	if (!n->rxb)
		FAIL("out of host memory");
	n->rx_nbuf = nbuf;
	n->rx_layout = layout;
	for (unsigned int i = 0; i < nbuf; i++) {
		struct vnet_rxbuf *b = &n->rxb[i];
		uint32_t pl[4];
		uint64_t gpa;
		size_t off = 0;

		switch (base) {
		case VNET_L_HDR_SPLIT:
			if (buf_len <= n->hdr_len)
				FAIL("test bug: RX buffer of %u bytes", buf_len);
			pl[0] = n->hdr_len;
			pl[1] = buf_len - n->hdr_len;
			b->nseg = 2;
			break;
		case VNET_L_SCATTER:
			/* the first segment ends inside the header */
			pl[0] = 5;
			b->nseg = 1 + cut(buf_len - 5, 3, pl + 1);
			break;
		default:
			pl[0] = buf_len;
			b->nseg = 1;
			break;
		}
		b->area_len = buf_len + (b->nseg - 1) * GAP;
		b->area = gmem_alloc_p(&n->mem, b->area_len, 64, &gpa);
		for (unsigned int s = 0; s < b->nseg; s++) {
			b->seg[s].addr = gpa + off;
			b->seg[s].len = pl[s];
			b->hva[s] = b->area + off;
			off += pl[s] + GAP;
		}
		b->len = buf_len;
	}
}

static void rxbuf_fill(struct vnet_rxbuf *b)
{
	uint32_t so = 0;

	memset(b->area, GAP_BYTE, b->area_len);
	for (unsigned int s = 0; s < b->nseg; s++)
		for (uint32_t i = 0; i < b->seg[s].len; i++, so++)
			b->hva[s][i] = vt_sentinel(so);
}

unsigned int vnet_rx_post(struct vnet *n, unsigned int count)
{
	struct vring_drv *vr = &n->vr[VNET_RX];
	unsigned int done = 0;

	for (unsigned int i = 0; i < n->rx_nbuf && done < count; i++) {
		struct vnet_rxbuf *b = &n->rxb[i];
		int head;

		if (b->posted)
			continue;
		rxbuf_fill(b);
		head = vr_add(vr, b->seg, 0, b->nseg,
			      n->rx_layout & VNET_L_INDIRECT ? VR_INDIRECT : 0,
			      b);
		if (head < 0)
			FAIL("vr_add RX buffer: %s (free %u, in flight %u)",
			     vt_err(head), vr->num_free, vr_in_flight(vr));
		b->posted = true;
		done++;
	}
	if (done)
		vr_publish_kick(vr);
	return done;
}

/* Append the first len bytes of buffer b to the stream; check the rest. */
static size_t gather(struct vnet *n, struct vnet_rxbuf *b, uint32_t len,
		     size_t at)
{
	uint32_t so = 0;

	if (at + len > sizeof(stream))
		FAIL("test bug: received stream over %zu bytes", sizeof(stream));
	for (unsigned int s = 0; s < b->nseg; s++) {
		for (uint32_t i = 0; i < b->seg[s].len; i++, so++) {
			if (so < len)
				stream[at + so] = b->hva[s][i];
			else if (b->hva[s][i] != vt_sentinel(so))
				FAIL("RX buffer %td: byte %u (segment %u +%u) written beyond used.len %u (0x%02x)",
				     b - n->rxb, so, s, i, len, b->hva[s][i]);
		}
		if (s + 1 < b->nseg)
			for (unsigned int g = 0; g < GAP; g++)
				if (b->hva[s][b->seg[s].len + g] != GAP_BYTE)
					FAIL("RX buffer %td: gap after segment %u written (byte %u is 0x%02x)",
					     b - n->rxb, s, g,
					     b->hva[s][b->seg[s].len + g]);
	}
	return at + len;
}

static struct vnet_rxbuf *next_used(struct vnet *n, uint32_t *len,
				    uint64_t deadline, bool first)
{
	struct vring_drv *vr = &n->vr[VNET_RX];
	uint64_t now = vt_now_ms();
	struct vnet_rxbuf *b;
	struct vt_used u;
	int r;

	if (vr_wait_used(vr, 1, now < deadline ?
			 (int)(deadline - now) : 0) < 0) {
		if (first)
			return NULL;
		FAIL("RX: the rest of a merged frame never came (%u buffers used so far, used idx %u)",
		     n->rec.nused, vr_used_idx(vr));
	}
	r = vr_get_used(vr, &u);
	if (r <= 0)
		FAIL("RX used entry names head %u (len %u), not in flight",
		     u.id, u.len);
	b = u.cookie;
	if (u.len > b->len)
		FAIL("RX used.len %u exceeds the %u-byte buffer (head %u)",
		     u.len, b->len, u.id);
	b->posted = false;
	if (n->rec.nused >= VNET_MAX_MERGE)
		FAIL("RX: frame spans more than %d buffers", VNET_MAX_MERGE);
	n->rec.buf[n->rec.nused] = (unsigned int)(b - n->rxb);
	n->rec.len[n->rec.nused++] = u.len;
	*len = u.len;
	return b;
}

long vnet_rx_recv(struct vnet *n, uint8_t *frame, size_t cap,
		  struct virtio_net_hdr_mrg_rxbuf *hdr, unsigned int *nbufs,
		  int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + timeout_ms;
	struct vnet_rxbuf *b;
	unsigned int nb = 1;
	uint32_t len;
	size_t total;

	memset(&n->rec, 0, sizeof(n->rec));
	n->rec.used_idx_before = n->vr[VNET_RX].last_used;
	b = next_used(n, &len, deadline, true);
	if (!b)
		return 0;
	if (len < n->hdr_len)
		FAIL("RX used.len %u is shorter than the %u-byte header", len,
		     n->hdr_len);
	total = gather(n, b, len, 0);
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, stream, n->hdr_len);
	if (n->mrg) {
		nb = le16toh(hdr->num_buffers);
		if (nb < 1 || nb > VNET_MAX_MERGE)
			FAIL("RX num_buffers %u (first used.len %u)", nb, len);
	}
	for (unsigned int i = 1; i < nb; i++) {
		if (len != b->len)
			FAIL("RX: mergeable buffer %u of %u only partly filled (used.len %u of %u) before the last",
			     i, nb, len, b->len);
		b = next_used(n, &len, deadline, false);
		total = gather(n, b, len, total);
	}
	if (total - n->hdr_len > cap)
		FAIL("RX frame of %zu bytes, buffer holds %zu",
		     total - n->hdr_len, cap);
	memcpy(frame, stream + n->hdr_len, total - n->hdr_len);
	*nbufs = nb;
	if (n->rx_autopost)
		vnet_rx_post(n, n->rx_nbuf);
	return (long)(total - n->hdr_len);
}

void vnet_rx_check_plain_hdr(struct vnet *n,
			     const struct virtio_net_hdr_mrg_rxbuf *hdr,
			     unsigned int nbufs)
{
	const uint8_t *p = (const uint8_t *)hdr;
	uint16_t nb;

	for (unsigned int i = 0; i < 10; i++)
		if (p[i])
			FAIL("RX header byte %u is 0x%02x, expected 0 (no offload: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset all 0)",
			     i, p[i]);
	if (n->hdr_len < 12)
		return;
	nb = le16toh(hdr->num_buffers);
	if (n->mrg) {
		if (nb != nbufs)
			FAIL("RX num_buffers %u, but the frame used %u buffers",
			     nb, nbufs);
		return;
	}
	/*
	 * VERSION_1 without MRG_RXBUF: Linux's vhost-net leaves num_buffers
	 * as the guest wrote it; the virtio spec has the device write 1.
	 * Accept either.
	 */
	if (!(p[10] == vt_sentinel(10) && p[11] == vt_sentinel(11)) && nb != 1)
		FAIL("RX num_buffers (bytes 10-11) is %u without MRG_RXBUF: neither 1 nor left alone",
		     nb);
}

void vnet_inject_on(int fd, enum nd_kind kind, uint32_t seq, uint32_t seed,
		    size_t len)
{
	nd_frame_build(scratch, len, kind, true, seq, seed);
	nd_send(fd, scratch, len);
}

void vnet_inject(struct vnet *n, enum nd_kind kind, uint32_t seq,
		 uint32_t seed, size_t len)
{
	vnet_inject_on(n->inj_fd, kind, seq, seed, len);
}

unsigned int vnet_rx_expect(struct vnet *n, enum nd_kind kind, uint32_t seq,
			    uint32_t seed, size_t len)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned int nb;
	long got;

	got = vnet_rx_recv(n, scratch, sizeof(scratch), &h, &nb, VT_WAIT_MS);
	if (!got)
		FAIL("RX frame seq %u (%zu bytes) not received within %d ms (RX used idx %u, avail idx %u)",
		     seq, len, VT_WAIT_MS, vr_used_idx(&n->vr[VNET_RX]),
		     n->vr[VNET_RX].published);
	vnet_rx_check_plain_hdr(n, &h, nb);
	nd_frame_check(scratch, (size_t)got, len, kind, true, seq, seed, "RX");
	return nb;
}

/* ------------------------------------------------------------------ */
/* zero-copy transmit and a plugged path for the frames                */

#define VNET_ZC_PARAM	"/sys/module/vhost_net/parameters/experimental_zcopytx"
#define VNET_PLUG_BR	"vtplugbr0"
#define VNET_PLUG_DUMMY	"vtplugdum0"

bool vnet_zcopy_param_set(bool on)
{
	unsigned long v;
	long r = vt_read_ulong(VNET_ZC_PARAM, &v);
	FILE *f;

	if (r < 0) {
		/* bool parameters read back as Y/N */
		char buf[8];

		r = vt_read_file(VNET_ZC_PARAM, buf, sizeof(buf));
		if (r < 0)
			SKIP("%s: %s (module without zero-copy TX)", VNET_ZC_PARAM,
			     vt_err(r));
		v = buf[0] == 'Y' || buf[0] == '1';
	}
	if (!!v == on)
		return v;
	f = fopen(VNET_ZC_PARAM, "w");
	if (!f || fputs(on ? "1" : "0", f) < 0 || fclose(f) != 0)
		SKIP("experimental_zcopytx is %s and cannot be changed (a load-time parameter of this vhost_net)",
		     v ? "on" : "off");
	return v;
}

/*
 * Frames left in the plug would never be freed: they keep the tap's socket
 * and with it this network namespace alive, and the namespace's devices
 * with the plug. Whatever way the case ends, a helper outside its process
 * group deletes the qdisc once the case's process is gone.
 */
static void plug_guard(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		FAIL("pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (!pid) {
		setpgid(0, 0);
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(system("tc qdisc del dev " VNET_PLUG_DUMMY " root >/dev/null 2>&1") ? 1 : 0);
	}
	close(p[0]);
}

/* Bridge the tap with a dummy device that holds every frame (plug). */
void vnet_plug_create(void)
{
	nd_private_netns();
	if (nd_run("ip link add " VNET_PLUG_BR " type bridge"))
		SKIP("cannot create a bridge (kernel without CONFIG_BRIDGE?)");
	if (nd_run("ip link add " VNET_PLUG_DUMMY " mtu %d type dummy", ND_TAP_MAX_MTU))
		SKIP("cannot create a dummy device (kernel without CONFIG_DUMMY?)");
	if (nd_run("tc qdisc add dev " VNET_PLUG_DUMMY " root plug limit 100000000"))
		SKIP("cannot add a plug qdisc (kernel without CONFIG_NET_SCH_PLUG, or no tc?)");
	plug_guard();
	if (nd_run("ip link set " VNET_PLUG_DUMMY " master " VNET_PLUG_BR " && ip link set " VNET_PLUG_DUMMY " up && ip link set " VNET_PLUG_BR " up"))
		FAIL("cannot put " VNET_PLUG_DUMMY " into " VNET_PLUG_BR);
}

void vnet_plug_attach_tap(struct vnet *n)
{
	if (nd_run("ip link set %s master " VNET_PLUG_BR, n->ifname))
		FAIL("cannot put %s into " VNET_PLUG_BR, n->ifname);
	/* A capture on the tap would copy each frame as it passes. */
	close(n->cap_fd);
	n->cap_fd = -1;
}

/* Frames the plug holds, from `tc -s qdisc`; -1 if unreadable. */
static long plug_backlog(void)
{
	char line[256];
	long pkts = -1;
	FILE *p;

	p = popen("tc -s qdisc show dev " VNET_PLUG_DUMMY " 2>/dev/null", "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *b = strstr(line, "backlog ");
		char *s = b ? strchr(b + 8, ' ') : NULL;

		if (s && sscanf(s, " %ldp", &pkts) == 1)
			break;
	}
	pclose(p);
	return pkts;
}

/*
 * Wait (bounded) until the plug holds at least @want frames (the bridge may
 * add its own), or with @want 0 until it is empty.
 */
void vnet_plug_wait_backlog(long want)
{
	uint64_t deadline = vt_now_ms() + VT_WAIT_MS;
	long got;

	while ((got = plug_backlog()) < want || (!want && got)) {
		if (vt_now_ms() > deadline)
			FAIL("the plug qdisc holds %ld frames, expected %s%ld within %d ms",
			     got, want ? "at least " : "", want, VT_WAIT_MS);
		usleep(10000);
	}
}

void vnet_plug_release(void)
{
	if (nd_run("tc qdisc change dev " VNET_PLUG_DUMMY " root plug release_indefinite"))
		FAIL("cannot release the plug qdisc");
}
