// SPDX-License-Identifier: GPL-2.0
/*
 * vsockbench: stream throughput and round-trip latency of whatever driver
 * serves /dev/vhost-vsock (ours, or the distribution's), between an
 * ordinary AF_VSOCK socket on the host and a guest played by this program.
 *
 * The guest: guest memory, ring 0 (the device writes packets into posted
 * receive buffers of 4 KiB, header included, as Linux's guest driver
 * posts them) and ring 1 (the guest sends packets: a header descriptor
 * and a payload descriptor), ring size 128 (what QEMU gives vhost-vsock),
 * features VERSION_1 | EVENT_IDX.  It listens on a port, answers the
 * host's REQUEST with a RESPONSE, advertises buf_alloc and keeps fwd_cnt
 * current in every header, sends a CREDIT_UPDATE once it has consumed
 * buf_alloc - 64 KiB since the last report (Linux's guest rule) or when
 * asked (CREDIT_REQUEST), never sends more than the host's credit, and
 * answers the host's SHUTDOWN with RST.  It consumes every byte at once.
 * The host: a thread of this program with a connected SOCK_STREAM socket.
 *
 *   vsockbench -m h2g|g2h|rr [-s BYTES] [-t SECONDS] [-w WARMUP] [-n RING]
 *              [-B BUF_ALLOC] [-c CID] [-p PORT]
 *
 * -m h2g: the host writes BYTES per send() (default 4096) as fast as the
 *   guest's credit lets it; counts payload bytes the guest received.
 * -m g2h: the guest sends RW packets of BYTES payload (at most 65536, the
 *   protocol's largest; fewer when less credit is left, as Linux's guest
 *   does) as fast as the host's credit and the ring let it;
 *   the host reads with recv() of 256 KiB; counts bytes the host read.
 * -m rr: the host writes BYTES (default 64), the guest echoes them back in
 *   one RW packet, the host reads them; one round trip at a time, timed
 *   on the host from before send() to after the last byte is read.
 * -t timed seconds (default 3), -w warm-up seconds before the clock
 * starts (default 0.5), -n ring size (128), -B the guest's buf_alloc
 * (default 262144, Linux's default; at least 131072), -c the guest CID
 * (default one of our own per process), -p the guest's port (default
 * 5201).
 *
 * Prints one line of key=value fields:
 *   bytes, bps     h2g, g2h: payload bytes and bytes/s in the timed part
 *                  (h2g: received by the guest; g2h: read by the host)
 *   rtts, rtt_mean_us, rtt_p50_us, rtt_p99_us, rtt_max_us   rr only
 *   rx_pkts, tx_pkts     packets the guest received / sent (timed part)
 *   credit_tx, credit_rx CREDIT_UPDATEs sent / received (timed part)
 *   kicks, calls, waits  notifications and guest sleeps (timed part)
 * Exit status 0, or 1 if anything misbehaved: the setup failed, a bad
 * packet or used entry, an error eventfd, the host's socket failed, or no
 * progress for 10 s (a stall).
 */
#include "benchlib.h"
#include "vvsock.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

#define VB_RX 0
#define VB_TX 1
#define VB_HDR ((uint32_t)sizeof(struct virtio_vsock_hdr))	/* 44 */
#define VB_RXBUF 4096u			/* header + payload */
#define VB_MAX_PKT (64u << 10)		/* largest payload of one packet */
#define VB_SLOT 128u			/* TX slot: header, inline payload */
#define VB_INLINE (VB_SLOT - 64u)	/* inline payload room of a slot */
#define VB_ECHO_MAX (64u << 10)
#define VB_STALL_S 10.0
#define VB_HOST_BUF (256u << 10)

enum vb_mode { M_H2G, M_G2H, M_RR };

struct vb {
	/* options */
	enum vb_mode mode;
	size_t size;
	double secs, warm;
	unsigned int num;
	uint32_t buf_alloc, cid, port;

	int fd;
	struct gmem mem;
	struct vring_drv vr[2];
	uint8_t *rx_hva;
	uint64_t rx_gpa;
	uint8_t *slot_hva;		/* TX slots: header + inline payload */
	uint64_t slot_gpa;
	uint64_t data_gpa;		/* g2h payload, shared by every packet */
	unsigned int *free_slot, nfree;

	/* the connection, as the guest sees it */
	bool connected, closing, rst_sent, peer_reset;
	uint32_t host_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt;
	uint32_t tx_cnt;		/* RW payload bytes sent */
	uint32_t fwd_cnt;		/* RW payload bytes consumed */
	uint32_t fwd_reported;		/* fwd_cnt in the last header sent */
	uint32_t credit_after;		/* consumed bytes that call for a report */
	bool credit_due;
	uint8_t *echo;			/* rr: bytes due back to the host */
	uint32_t echo_len;

	/* what the guest saw */
	uint64_t rx_bytes, rx_pkts, tx_pkts, credit_tx, credit_rx, waits;
	double t_last;			/* last progress */
	uint64_t progress_seen;

	/* the host side */
	int sock;
	pthread_t host;
	atomic_bool stop, recording, host_done;
	atomic_uint_fast64_t host_bytes;	/* h2g: written; g2h: read */
	atomic_uint_fast64_t host_rtts;		/* rr: round trips done */
	char host_err[200];
	double *rtt;			/* rr samples while recording (s) */
	size_t nrtt, rtt_cap;
};

static const char *op_name(uint16_t op)
{
	static const char *const n[] = {
		[VIRTIO_VSOCK_OP_INVALID] = "INVALID",
		[VIRTIO_VSOCK_OP_REQUEST] = "REQUEST",
		[VIRTIO_VSOCK_OP_RESPONSE] = "RESPONSE",
		[VIRTIO_VSOCK_OP_RST] = "RST",
		[VIRTIO_VSOCK_OP_SHUTDOWN] = "SHUTDOWN",
		[VIRTIO_VSOCK_OP_RW] = "RW",
		[VIRTIO_VSOCK_OP_CREDIT_UPDATE] = "CREDIT_UPDATE",
		[VIRTIO_VSOCK_OP_CREDIT_REQUEST] = "CREDIT_REQUEST",
	};

	return op < ARRAY_SIZE(n) && n[op] ? n[op] : "?";
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void setup_ring(struct vb *b, unsigned int idx)
{
	struct vring_cfg cfg = { .num = b->num, .event_idx = true };

	bench_setup_ring(b->fd, &b->mem, &b->vr[idx], idx, &cfg);
	bench_disarm(&b->vr[idx]);
}

static void rx_post(struct vb *b, unsigned int i)
{
	struct vt_buf buf = { b->rx_gpa + (uint64_t)i * VB_RXBUF, VB_RXBUF };
	int head = vr_add(&b->vr[VB_RX], &buf, 0, 1, 0,
			  (void *)(uintptr_t)(i + 1));

	if (head < 0)
		die("RX vr_add: %s", vt_err(head));
}

static void setup(struct vb *b)
{
	uint8_t *data;
	size_t memsz;

	memsz = 2 * ((size_t)b->num * 24 + 4 * VT_PAGE) +
		(size_t)b->num * (VB_RXBUF + VB_SLOT) + VB_MAX_PKT +
		4 * VT_PAGE;
	b->fd = bench_open(vvs_dev_path(), VT_F_VERSION_1 | VT_F_EVENT_IDX,
			   &b->mem, memsz);
	setup_ring(b, VB_RX);
	setup_ring(b, VB_TX);

	b->rx_hva = gmem_alloc_p(&b->mem, (size_t)b->num * VB_RXBUF, VT_PAGE,
				 &b->rx_gpa);
	b->slot_hva = gmem_alloc_p(&b->mem, (size_t)b->num * VB_SLOT, VT_PAGE,
				   &b->slot_gpa);
	data = gmem_alloc_p(&b->mem, VB_MAX_PKT, VT_PAGE, &b->data_gpa);
	for (size_t i = 0; i < VB_MAX_PKT; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	b->free_slot = calloc(b->num, sizeof(*b->free_slot));
	b->echo = malloc(VB_ECHO_MAX);
	if (!b->free_slot || !b->echo)
		die("out of memory");
	for (unsigned int i = 0; i < b->num; i++)
		b->free_slot[b->nfree++] = b->num - 1 - i;

	for (unsigned int i = 0; i < b->num; i++)
		rx_post(b, i);
	vr_publish_kick(&b->vr[VB_RX]);
	TRY(vh_vsock_set_cid(b->fd, b->cid));
	TRY(vh_vsock_set_running(b->fd, 1));
}

/* ------------------------------------------------------------------ */
/* the guest: sending                                                   */

/* Give back the TX slots the device is done with. */
static unsigned int tx_reap(struct vb *b)
{
	struct vring_drv *vr = &b->vr[VB_TX];
	unsigned int n = 0;
	struct vt_used u;
	int r;

	while ((r = vr_get_used(vr, &u)) > 0) {
		b->free_slot[b->nfree++] = (unsigned int)(uintptr_t)u.cookie - 1;
		n++;
	}
	if (r < 0)
		die("TX used entry names head %u, which is not in flight", u.id);
	return n;
}

/*
 * Queue one packet (not published): the payload is len bytes inline
 * (copied into the slot, at most VB_INLINE) or, with gpa, len bytes at
 * that guest address.  False if no slot or descriptors are free.
 */
static bool tx_queue(struct vb *b, uint16_t op, uint32_t flags,
		     const void *inl, uint64_t gpa, uint32_t len)
{
	struct vring_drv *vr = &b->vr[VB_TX];
	struct virtio_vsock_hdr *h;
	struct vt_buf bufs[2];
	unsigned int s;
	uint8_t *p;
	int head;

	if (!b->nfree || vr->num_free < (len ? 2u : 1u))
		return false;
	s = b->free_slot[--b->nfree];
	p = b->slot_hva + (size_t)s * VB_SLOT;
	h = (struct virtio_vsock_hdr *)p;
	*h = (struct virtio_vsock_hdr){
		.src_cid = htole64(b->cid),
		.dst_cid = htole64(VVS_HOST_CID),
		.src_port = htole32(b->port),
		.dst_port = htole32(b->host_port),
		.len = htole32(len),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(b->buf_alloc),
		.fwd_cnt = htole32(b->fwd_cnt),
	};
	bufs[0] = (struct vt_buf){ b->slot_gpa + (uint64_t)s * VB_SLOT, VB_HDR };
	if (len && inl) {
		if (len > VB_INLINE)
			die("inline payload of %u bytes", len);
		memcpy(p + 64, inl, len);
		gpa = bufs[0].addr + 64;
	}
	bufs[1] = (struct vt_buf){ gpa, len };
	head = vr_add(vr, bufs, len ? 2 : 1, 0, 0, (void *)(uintptr_t)(s + 1));
	if (head < 0)
		die("TX vr_add: %s", vt_err(head));
	b->fwd_reported = b->fwd_cnt;
	b->tx_pkts++;
	if (op == VIRTIO_VSOCK_OP_RW)
		b->tx_cnt += len;
	if (op == VIRTIO_VSOCK_OP_CREDIT_UPDATE)
		b->credit_tx++;
	return true;
}

static uint32_t host_credit(const struct vb *b)
{
	uint32_t used = b->tx_cnt - b->peer_fwd_cnt;

	return used >= b->peer_buf_alloc ? 0 : b->peer_buf_alloc - used;
}

/* Send whatever is due and allowed; true if something was queued. */
static bool tx_push(struct vb *b, bool sending)
{
	bool added = false;

	if (b->closing) {
		if (!b->rst_sent && !b->peer_reset &&
		    tx_queue(b, VIRTIO_VSOCK_OP_RST, 0, NULL, 0, 0)) {
			b->rst_sent = true;
			added = true;
		}
		goto out;
	}
	if (!b->connected)
		goto out;
	while (b->echo_len) {
		uint32_t l = b->echo_len, c = host_credit(b);

		if (l > VB_INLINE)
			l = VB_INLINE;
		if (l > c)
			l = c;
		if (!l || !tx_queue(b, VIRTIO_VSOCK_OP_RW, 0, b->echo, 0, l))
			break;
		b->echo_len -= l;
		memmove(b->echo, b->echo + l, b->echo_len);
		added = true;
	}
	while (sending && b->mode == M_G2H) {
		uint32_t l = (uint32_t)b->size, c = host_credit(b);

		if (l > c)
			l = c;
		if (!l || !tx_queue(b, VIRTIO_VSOCK_OP_RW, 0, NULL, b->data_gpa, l))
			break;
		added = true;
	}
	/* Linux's guest: report once less than 64 KiB of the space is left */
	if (b->credit_due || b->fwd_cnt - b->fwd_reported > b->credit_after) {
		if (tx_queue(b, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, NULL, 0, 0)) {
			b->credit_due = false;
			added = true;
		}
	}
out:
	if (added)
		vr_notify(&b->vr[VB_TX]);
	return added;
}

/* ------------------------------------------------------------------ */
/* the guest: receiving                                                 */

static void rx_packet(struct vb *b, const struct virtio_vsock_hdr *h,
		      const uint8_t *payload)
{
	uint16_t op = le16toh(h->op), type = le16toh(h->type);
	uint64_t src = le64toh(h->src_cid), dst = le64toh(h->dst_cid);
	uint32_t sport = le32toh(h->src_port), dport = le32toh(h->dst_port);
	uint32_t len = le32toh(h->len);

	if (src != VVS_HOST_CID || dst != b->cid || dport != b->port ||
	    type != VIRTIO_VSOCK_TYPE_STREAM)
		die("packet %s from %llu:%u to %llu:%u type %u: not for our stream port",
		    op_name(op), (unsigned long long)src, sport,
		    (unsigned long long)dst, dport, type);
	if (b->connected && sport != b->host_port)
		die("packet %s from host port %u, connected to %u", op_name(op),
		    sport, b->host_port);
	if (op != VIRTIO_VSOCK_OP_RW && len)
		die("%s packet with %u payload bytes", op_name(op), len);
	b->rx_pkts++;
	b->peer_buf_alloc = le32toh(h->buf_alloc);
	b->peer_fwd_cnt = le32toh(h->fwd_cnt);

	switch (op) {
	case VIRTIO_VSOCK_OP_REQUEST:
		if (b->connected)
			die("a second REQUEST (host port %u)", sport);
		b->host_port = sport;
		b->connected = true;
		if (!tx_queue(b, VIRTIO_VSOCK_OP_RESPONSE, 0, NULL, 0, 0))
			die("no TX slot for the RESPONSE");
		vr_notify(&b->vr[VB_TX]);
		break;
	case VIRTIO_VSOCK_OP_RW:
		if (!b->connected)
			die("RW before the connection");
		b->rx_bytes += len;
		b->fwd_cnt += len;	/* consumed at once */
		if (b->mode == M_RR) {
			if (b->echo_len + len > VB_ECHO_MAX)
				die("more than %u bytes due for echo", VB_ECHO_MAX);
			memcpy(b->echo + b->echo_len, payload, len);
			b->echo_len += len;
		}
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		b->credit_rx++;
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		b->credit_due = true;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (!atomic_load(&b->stop))
			die("the host shut the connection down during the run (flags 0x%x)",
			    le32toh(h->flags));
		b->closing = true;
		break;
	case VIRTIO_VSOCK_OP_RST:
		if (!atomic_load(&b->stop))
			die("the host reset the connection during the run");
		/* the host is done with it: no RST of ours is due */
		b->closing = true;
		b->peer_reset = true;
		break;
	default:
		die("unexpected packet %s (op %u) from the host", op_name(op), op);
	}
}

static unsigned int rx_reap(struct vb *b)
{
	struct vring_drv *vr = &b->vr[VB_RX];
	unsigned int n = 0;
	struct vt_used u;
	int r;

	while ((r = vr_get_used(vr, &u)) > 0) {
		unsigned int i = (unsigned int)(uintptr_t)u.cookie - 1;
		const uint8_t *p = b->rx_hva + (size_t)i * VB_RXBUF;
		struct virtio_vsock_hdr h;

		if (u.len < VB_HDR || u.len > VB_RXBUF)
			die("RX buffer %u used with len %u", i, u.len);
		memcpy(&h, p, sizeof(h));
		if (le32toh(h.len) != u.len - VB_HDR)
			die("RX packet header says %u payload bytes, used len %u",
			    le32toh(h.len), u.len);
		rx_packet(b, &h, p + VB_HDR);
		rx_post(b, i);
		n++;
	}
	if (r < 0)
		die("RX used entry names head %u, which is not in flight", u.id);
	if (n)
		vr_notify(vr);
	return n;
}

/* ------------------------------------------------------------------ */
/* the guest: waiting                                                   */

static void dump_ring(struct vb *b, unsigned int idx)
{
	struct vring_drv *vr = &b->vr[idx];

	fprintf(stderr,
		"vsockbench: %s ring: avail idx %u (kicked at %u), used idx %u, reaped %u, in flight %u, used_event %u, avail_event %u, kicks %llu, calls %llu\n",
		idx == VB_RX ? "RX" : "TX", vr->published, vr->kicked,
		vr_used_idx(vr), vr->last_used, vr_in_flight(vr),
		vr_used_event(vr), vr_avail_event(vr),
		(unsigned long long)vr->kicks, (unsigned long long)vr->calls);
}

static void dump_state(struct vb *b)
{
	dump_ring(b, VB_RX);
	dump_ring(b, VB_TX);
	fprintf(stderr,
		"vsockbench: guest: connected %d closing %d, tx_cnt %u, host buf_alloc %u fwd_cnt %u (credit %u), fwd_cnt %u reported %u, rx %llu bytes, echo due %u; host: %llu bytes, %llu round trips\n",
		b->connected, b->closing, b->tx_cnt, b->peer_buf_alloc,
		b->peer_fwd_cnt, host_credit(b), b->fwd_cnt, b->fwd_reported,
		(unsigned long long)b->rx_bytes, b->echo_len,
		(unsigned long long)atomic_load(&b->host_bytes),
		(unsigned long long)atomic_load(&b->host_rtts));
}

/*
 * Sleep until the device uses an RX buffer (or a TX chain, if want_tx),
 * or timeout_ms.  An error eventfd is fatal.
 */
static void wait_used(struct vb *b, bool want_tx, int timeout_ms)
{
	struct vring_drv *rx = &b->vr[VB_RX], *tx = &b->vr[VB_TX];
	struct pollfd p[4] = {
		{ .fd = rx->call_fd, .events = POLLIN },
		{ .fd = tx->call_fd, .events = POLLIN },
		{ .fd = rx->err_fd, .events = POLLIN },
		{ .fd = tx->err_fd, .events = POLLIN },
	};
	int r;

	bench_arm(rx);
	if (want_tx)
		bench_arm(tx);
	/* recheck after arming: entries used meanwhile sent no call */
	if (!vr_pending(rx) && !(want_tx && vr_pending(tx))) {
		r = poll(p, 4, timeout_ms);
		if (r < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if ((p[2].revents | p[3].revents) & POLLIN) {
			dump_state(b);
			die("the device signalled the error eventfd of ring %d (see dmesg)",
			    p[2].revents & POLLIN ? VB_RX : VB_TX);
		}
		vr_drain_calls(rx);
		vr_drain_calls(tx);
		b->waits++;
	}
	bench_disarm(rx);
	bench_disarm(tx);
}

static uint64_t progress(struct vb *b)
{
	switch (b->mode) {
	case M_H2G:
		return b->rx_bytes;
	case M_G2H:
		return atomic_load(&b->host_bytes);
	default:
		return atomic_load(&b->host_rtts);
	}
}

/* Drive the guest until the clock reaches until (or done() holds). */
static void guest_run(struct vb *b, double until, bool sending,
		      bool (*done)(struct vb *b), const char *what)
{
	for (;;) {
		double t = now_s();
		uint64_t pr = progress(b);
		unsigned int n;

		if (atomic_load(&b->host_done) && b->host_err[0])
			die("host: %s", b->host_err);
		if (done ? done(b) : t >= until)
			return;
		if (pr != b->progress_seen) {
			b->progress_seen = pr;
			b->t_last = t;
		} else if (t - b->t_last > VB_STALL_S || (done && t >= until)) {
			dump_state(b);
			die("%s stalled: no progress for %.0f s", what,
			    t - b->t_last);
		}
		n = rx_reap(b);
		n += tx_reap(b);
		if (tx_push(b, sending) || n)
			continue;
		/* wake for TX only when the ring or the slots held us back */
		wait_used(b, b->nfree < 2 || b->vr[VB_TX].num_free < 2 ||
			  (b->closing && vr_in_flight(&b->vr[VB_TX])), 100);
	}
}

/* ------------------------------------------------------------------ */
/* the host                                                             */

static void host_fail(struct vb *b, const char *what, int err)
{
	snprintf(b->host_err, sizeof(b->host_err), "%s: %s", what,
		 err ? strerror(err) : "end of stream");
	atomic_store(&b->host_done, true);
}

/* Poll the socket for ev, 100 ms at a time, until ready or stop. */
static bool host_wait(struct vb *b, short ev)
{
	struct pollfd p = { .fd = b->sock, .events = ev };

	while (!atomic_load(&b->stop)) {
		int r = poll(&p, 1, 100);

		if (r > 0)
			return true;
		if (r < 0 && errno != EINTR) {
			host_fail(b, "poll", errno);
			return false;
		}
	}
	return false;
}

static void host_h2g(struct vb *b)
{
	uint8_t *buf = malloc(b->size);

	if (!buf) {
		host_fail(b, "malloc", ENOMEM);
		return;
	}
	memset(buf, 0x5a, b->size);
	while (host_wait(b, POLLOUT)) {
		ssize_t r = send(b->sock, buf, b->size, MSG_DONTWAIT);

		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			host_fail(b, "send", errno);
			break;
		}
		if (r > 0)
			atomic_fetch_add(&b->host_bytes, (uint64_t)r);
	}
	free(buf);
}

static void host_g2h(struct vb *b)
{
	uint8_t *buf = malloc(VB_HOST_BUF);

	if (!buf) {
		host_fail(b, "malloc", ENOMEM);
		return;
	}
	while (host_wait(b, POLLIN)) {
		ssize_t r = recv(b->sock, buf, VB_HOST_BUF, MSG_DONTWAIT);

		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			host_fail(b, "recv", r ? errno : 0);
			break;
		}
		if (r > 0)
			atomic_fetch_add(&b->host_bytes, (uint64_t)r);
	}
	free(buf);
}

/* Keep a round trip's time while the clock runs; false if out of memory. */
static bool host_record(struct vb *b, double t)
{
	if (b->nrtt == b->rtt_cap) {
		size_t cap = b->rtt_cap ? 2 * b->rtt_cap : 4096;
		double *n = realloc(b->rtt, cap * sizeof(*n));

		if (!n) {
			host_fail(b, "realloc", ENOMEM);
			return false;
		}
		b->rtt = n;
		b->rtt_cap = cap;
	}
	b->rtt[b->nrtt++] = t;
	return true;
}

static void host_rr(struct vb *b)
{
	uint8_t out[VB_INLINE], in[VB_INLINE];

	for (uint32_t seq = 0; !atomic_load(&b->stop); seq++) {
		double t0 = now_s(), t1;
		size_t have = 0;
		ssize_t r;

		for (size_t i = 0; i < b->size; i++)
			out[i] = (uint8_t)(seq + i);
		r = send(b->sock, out, b->size, MSG_DONTWAIT);
		if (r != (ssize_t)b->size) {
			host_fail(b, "send of a round trip's bytes",
				  r < 0 ? errno : EAGAIN);
			return;
		}
		while (have < b->size) {
			if (!host_wait(b, POLLIN))
				return;
			r = recv(b->sock, in + have, b->size - have, MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
				host_fail(b, "recv", r ? errno : 0);
				return;
			}
			if (r > 0)
				have += (size_t)r;
		}
		t1 = now_s();
		if (memcmp(in, out, b->size)) {
			snprintf(b->host_err, sizeof(b->host_err),
				 "round trip %u: other bytes came back", seq);
			atomic_store(&b->host_done, true);
			return;
		}
		if (atomic_load(&b->recording) && !host_record(b, t1 - t0))
			return;
		atomic_fetch_add(&b->host_rtts, 1);
	}
}

static void *host_main(void *arg)
{
	struct vb *b = arg;

	switch (b->mode) {
	case M_H2G:
		host_h2g(b);
		break;
	case M_G2H:
		host_g2h(b);
		break;
	case M_RR:
		host_rr(b);
		break;
	}
	atomic_store(&b->host_done, true);
	return NULL;
}

/* ------------------------------------------------------------------ */

static bool connected(struct vb *b)
{
	struct pollfd p = { .fd = b->sock, .events = POLLOUT };

	return b->connected && poll(&p, 1, 0) == 1;
}

static bool closed(struct vb *b)
{
	return (b->rst_sent || b->peer_reset) && !vr_in_flight(&b->vr[VB_TX]);
}

/* The host connects to the guest's port; the guest answers. */
static void host_connect(struct vb *b)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = b->cid, .svm_port = b->port,
	};
	socklen_t sl = sizeof(int);
	int err = 0;

	b->sock = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->sock < 0)
		die("socket(AF_VSOCK): %s", strerror(errno));
	if (connect(b->sock, (struct sockaddr *)&a, sizeof(a)) == 0)
		return;
	if (errno != EINPROGRESS)
		die("connect to %u:%u: %s", b->cid, b->port, strerror(errno));
	b->t_last = now_s();
	guest_run(b, b->t_last + VB_STALL_S, false, connected, "connect");
	if (getsockopt(b->sock, SOL_SOCKET, SO_ERROR, &err, &sl) || err)
		die("connect to %u:%u: %s", b->cid, b->port, strerror(err));
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vsockbench -m h2g|g2h|rr [-s BYTES] [-t SECONDS] [-w WARMUP] [-n RING] [-B BUF_ALLOC] [-c CID] [-p PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct vb b = {
		.secs = 3, .warm = 0.5, .num = 128, .buf_alloc = 256u << 10,
		.port = 5201, .fd = -1, .sock = -1,
	};
	uint64_t bytes0, rxp0, txp0, crt0, crr0, waits0, kicks0, calls0;
	unsigned long long kicks1, calls1;
	struct bench_kstat kw, ks0, ks1;
	char ks[BENCH_KS_TEXT];
	uint64_t rtts0, bytes1;
	const char *mode = NULL;
	const struct bench_opt opts[] = {
		BENCH_OPT('m', mode),
		BENCH_OPT('s', b.size),
		BENCH_OPT('t', b.secs),
		BENCH_OPT('w', b.warm),
		BENCH_OPT('n', b.num),
		BENCH_OPT('B', b.buf_alloc),
		BENCH_OPT('c', b.cid),
		BENCH_OPT('p', b.port),
	};
	double t0, t1, mean = 0;

	bench_init(argv[0]);
	if (!bench_getopt(argc, argv, opts, ARRAY_SIZE(opts)) || !mode)
		usage();
	if (!strcmp(mode, "h2g"))
		b.mode = M_H2G;
	else if (!strcmp(mode, "g2h"))
		b.mode = M_G2H;
	else if (!strcmp(mode, "rr"))
		b.mode = M_RR;
	else
		usage();
	if (!b.size)
		b.size = b.mode == M_RR ? 64 : 4096;
	if (!b.cid)
		b.cid = vvs_default_cid();
	if ((b.mode == M_RR && b.size > VB_INLINE) ||
	    (b.mode == M_G2H && b.size > VB_MAX_PKT) || b.size > (1u << 24) ||
	    b.num < 4 || !bench_ring_size_ok(b.num) ||
	    b.secs <= 0 || b.warm < 0 || b.buf_alloc < 2 * VB_MAX_PKT ||
	    b.cid <= VVS_HOST_CID || b.cid == VMADDR_CID_ANY)
		usage();

	b.credit_after = b.buf_alloc - VB_MAX_PKT;
	setup(&b);
	host_connect(&b);
	if (pthread_create(&b.host, NULL, host_main, &b))
		die("pthread_create failed");

	bench_kstat_init(&kw);
	/* warm-up: fault everything in, let both sides reach a steady state */
	t0 = now_s();
	b.t_last = t0;
	guest_run(&b, t0 + b.warm, true, NULL, mode);

	bytes0 = b.mode == M_H2G ? b.rx_bytes : atomic_load(&b.host_bytes);
	rtts0 = atomic_load(&b.host_rtts);
	rxp0 = b.rx_pkts;
	txp0 = b.tx_pkts;
	crt0 = b.credit_tx;
	crr0 = b.credit_rx;
	waits0 = b.waits;
	/* calls: every count the call eventfds took in the timed run */
	vr_drain_calls(&b.vr[VB_RX]);
	vr_drain_calls(&b.vr[VB_TX]);
	bench_kstat_snap(&ks0, &kw);
	kicks0 = b.vr[VB_RX].kicks + b.vr[VB_TX].kicks;
	calls0 = b.vr[VB_RX].calls + b.vr[VB_TX].calls;
	atomic_store(&b.recording, true);
	t0 = now_s();
	guest_run(&b, t0 + b.secs, true, NULL, mode);
	t1 = now_s();
	vr_drain_calls(&b.vr[VB_RX]);
	vr_drain_calls(&b.vr[VB_TX]);
	bench_kstat_snap(&ks1, &kw);
	calls1 = b.vr[VB_RX].calls + b.vr[VB_TX].calls;
	kicks1 = b.vr[VB_RX].kicks + b.vr[VB_TX].kicks;
	atomic_store(&b.recording, false);
	bytes1 = b.mode == M_H2G ? b.rx_bytes : atomic_load(&b.host_bytes);

	/* the end: the host closes, the guest answers its SHUTDOWN with RST */
	atomic_store(&b.stop, true);
	pthread_join(b.host, NULL);
	if (b.host_err[0])
		die("host: %s", b.host_err);
	close(b.sock);
	b.t_last = now_s();
	b.progress_seen = progress(&b);
	guest_run(&b, b.t_last + VB_STALL_S, false, closed, "close");
	bench_check_err(b.vr, 2);

	printf("mode=%s size=%zu ring=%u buf_alloc=%u secs=%.3f", mode, b.size,
	       b.num, b.buf_alloc, t1 - t0);
	if (b.mode != M_RR) {
		printf(" bytes=%llu bps=%.0f", (unsigned long long)(bytes1 - bytes0),
		       (bytes1 - bytes0) / (t1 - t0));
	} else {
		if (!b.nrtt)
			die("no round trip completed in the timed part");
		for (size_t i = 0; i < b.nrtt; i++)
			mean += b.rtt[i];
		mean /= (double)b.nrtt;
		bench_sort(b.rtt, b.nrtt);
		printf(" rtts=%llu rtt_mean_us=%.1f rtt_p50_us=%.1f rtt_p99_us=%.1f rtt_max_us=%.1f",
		       (unsigned long long)(atomic_load(&b.host_rtts) - rtts0),
		       mean * 1e6, bench_pct(b.rtt, b.nrtt, 50) * 1e6,
		       bench_pct(b.rtt, b.nrtt, 99) * 1e6,
		       b.rtt[b.nrtt - 1] * 1e6);
	}
	printf(" rx_pkts=%llu tx_pkts=%llu credit_tx=%llu credit_rx=%llu",
	       (unsigned long long)(b.rx_pkts - rxp0),
	       (unsigned long long)(b.tx_pkts - txp0),
	       (unsigned long long)(b.credit_tx - crt0),
	       (unsigned long long)(b.credit_rx - crr0));
	printf(" kicks=%llu calls=%llu waits=%llu%s\n",
	       kicks1 - kicks0, calls1 - calls0,
	       (unsigned long long)(b.waits - waits0),
	       bench_kstat_fmt(ks, sizeof(ks), &ks0, &ks1));
	close(b.fd);
	gmem_destroy(&b.mem);
	return 0;
}
