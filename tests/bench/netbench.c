// SPDX-License-Identifier: GPL-2.0
/*
 * netbench: packet and byte throughput of whatever driver serves
 * /dev/vhost-net (ours, or the distribution's), with a tap as backend.
 * This program plays the guest's virtio-net driver: guest memory, one RX
 * and one TX ring of 256 entries, features VERSION_1 | EVENT_IDX |
 * INDIRECT_DESC | MRG_RXBUF, the tap (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, 12-byte header, TSO/CSUM offloads on) carries the
 * virtio-net header, as with QEMU.
 *
 *   netbench -m tx|rx [-s FRAME] [-g] [-t SECONDS] [-w WARMUP] [-n RING]
 *            [-b RXBUF] [-i pktgen|packet] [-I IFNAME]
 *
 * -m tx: the ring is kept full of chains (header + frame, all pointing at
 *   the same guest bytes: the device only reads them), used entries are
 *   recycled; counts chains completed.  Frames are IPv4/UDP (TCP with -g)
 *   to a MAC that is not the tap's: the host stack drops them in ip_rcv
 *   (the tap has no address).  Nothing else looks at them.
 * -m rx: an injector on the host side sends frames out of the tap, toward
 *   the guest, as fast as it can; the ring is kept full of receive buffers
 *   of RXBUF bytes (mergeable: a frame takes as many as it needs) and
 *   frames and bytes received are counted.  Injectors: "pktgen" (the
 *   kernel's, through /proc/net/pktgen, one kernel thread; frames of
 *   exactly FRAME bytes, no GSO) or "packet" (a child process sending on
 *   an AF_PACKET socket bound to the tap with PACKET_QDISC_BYPASS, with a
 *   virtio-net header, so -g frames are GSO TCPv4 frames).
 * -s frame length in bytes (default 64; with -g 65214: Ethernet, IPv4 and
 *   TCP headers and 45 segments of 1448 bytes, gso_size 1448: what a
 *   guest's TCP stack sends at most, below the 64 KiB gso_max_size (a
 *   larger one would be segmented in software, or dropped with
 *   PACKET_QDISC_BYPASS); -t timed seconds (default 3); -w warm-up
 *   seconds before the clock starts (default 0.5); -n ring size (256);
 *   -b receive buffer bytes (default 1536, with -g 4096).
 *
 * Prints one line of key=value fields:
 *   pps, bps   frames/s and frame bytes/s the guest saw completed (TX) or
 *              received (RX), virtio-net header excluded
 *   dev_pkts   TX: frames the tap handed to the host stack (its
 *              rx_packets); RX: frames the tap passed to its reader
 *              (tx_packets)
 *   drops      TX: the tap's rx_dropped; RX: frames the tap dropped
 *              because its queue toward vhost was full (tx_dropped): 0
 *              means the device kept up and the figure is the injector's
 *   kicks, calls  notifications in the timed part
 * Exit status 0, or 1 if the device misbehaved (stall, bad used entry,
 * error eventfd) or the setup failed.
 */
#include "benchlib.h"

#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "netdev.h"

#define NB_RX 0
#define NB_TX 1
#define NB_HDR 12			/* virtio_net_hdr_mrg_rxbuf */
#define NB_IND_MAX 20			/* a 64 KiB TX chain: 17 segments */
#define NB_SEG 4096u			/* TX segment ("page") size */
#define NB_GSO_FRAME (NB_TCP_HLEN + 45 * NB_MSS)	/* 65214 */
#define NB_MSS 1448u
#define NB_TCP_HLEN (ND_L4_OFF + 20)	/* 54 */
#define NB_PKTGEN "/proc/net/pktgen"

enum inj { INJ_NONE, INJ_PKTGEN, INJ_PACKET };

struct nb {
	/* options */
	bool rx;
	bool gso;
	size_t frame;
	double secs, warm;
	unsigned int num;
	uint32_t rxbuf;
	enum inj inj;
	char ifname[IFNAMSIZ];

	int fd;
	struct gmem mem;
	struct vring_drv vr[2];
	int tap_fd;

	/* TX: one chain shape, reused by every entry */
	struct vt_buf txseg[NB_IND_MAX];
	unsigned int ntxseg;

	/* RX buffers */
	uint64_t rx_gpa;
	uint8_t *rx_hva;
	unsigned int frag_left;	/* buffers still due for the current frame */

	/* injector */
	pid_t inj_pid;

	/* what the driver saw */
	uint64_t pkts, bytes, waits;
};

static uint64_t if_stat(const struct nb *b, const char *name)
{
	char path[160];
	unsigned long v;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
		 b->ifname, name);
	if (vt_read_ulong(path, &v) < 0)
		return 0;
	return v;
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void setup_ring(struct nb *b, unsigned int idx)
{
	struct vring_cfg cfg = {
		.num = b->num,
		.ind_max = NB_IND_MAX,
		.event_idx = true,
	};

	bench_setup_ring(b->fd, &b->mem, &b->vr[idx], idx, &cfg);
	/* no used entry has been asked for yet */
	bench_disarm(&b->vr[idx]);
}

static void setup_tap(struct nb *b)
{
	char path[128];
	int sz = NB_HDR;

	if (!b->ifname[0])
		snprintf(b->ifname, sizeof(b->ifname), "nbtap%d", (int)getpid() % 1000);
	b->tap_fd = nd_tap_open(b->ifname, IFF_VNET_HDR);
	if (b->tap_fd < 0)
		die("tap %s: %s", b->ifname, vt_err(b->tap_fd));
	if (ioctl(b->tap_fd, TUNSETVNETHDRSZ, &sz) < 0)
		die("TUNSETVNETHDRSZ: %s", strerror(errno));
	/* what QEMU sets when the guest acks CSUM and the TSO features */
	if (ioctl(b->tap_fd, TUNSETOFFLOAD,
		  (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0)
		die("TUNSETOFFLOAD: %s", strerror(errno));
	/* no IPv6 autoconf or router solicitations from it */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 b->ifname);
	vt_write_file(path, "1");
	nd_if_up(b->ifname);
}

static void setup(struct nb *b)
{
	uint64_t want = VT_F_VERSION_1 | VT_F_EVENT_IDX | VT_F_INDIRECT |
			BIT_ULL(VIRTIO_NET_F_MRG_RXBUF);
	const char *dev = getenv("VHOST_NET_DEV");
	size_t memsz;

	if (!dev || !*dev)
		dev = "/dev/vhost-net";
	/* rings with indirect tables, the TX data, the RX buffers */
	memsz = 2 * ((size_t)b->num * (16 * NB_IND_MAX + 32) + 4 * VT_PAGE) +
		NB_GSO_FRAME + 4 * VT_PAGE + (size_t)b->num * b->rxbuf +
		VT_PAGE;
	b->fd = bench_open(dev, want, &b->mem, memsz);
	setup_ring(b, NB_RX);
	setup_ring(b, NB_TX);

	setup_tap(b);
	for (unsigned int i = 0; i < 2; i++) {
		struct vhost_vring_file f = { .index = i, .fd = b->tap_fd };

		TRY(vh_ioctl(b->fd, VHOST_NET_SET_BACKEND, &f));
	}
}

/* ------------------------------------------------------------------ */
/* frames                                                               */

static void gso_hdr(struct virtio_net_hdr *h, size_t len)
{
	memset(h, 0, sizeof(*h));
	if (len <= 1514)
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h->hdr_len = htole16(NB_TCP_HLEN);
	h->gso_size = htole16(NB_MSS);
	h->csum_start = htole16(ND_L4_OFF);
	h->csum_offset = htole16(ND_TCP_CSUM_OFF);
}

/* The one TX chain: header + frame, cut in NB_SEG pieces past the first. */
static void tx_prepare(struct nb *b)
{
	size_t total = NB_HDR + b->frame, off;
	uint64_t gpa;
	uint8_t *p;

	p = gmem_alloc_p(&b->mem, total, VT_PAGE, &gpa);
	memset(p, 0, NB_HDR);
	gso_hdr((struct virtio_net_hdr *)p, b->gso ? b->frame : 0);
	nd_frame_build(p + NB_HDR, b->frame, b->gso ? ND_TCP4 : ND_UDP4,
		       false, 1, 0x6e6274);
	b->ntxseg = 0;
	for (off = 0; off < total;) {
		size_t l = total - off < NB_SEG ? total - off : NB_SEG;

		if (b->ntxseg == NB_IND_MAX)
			die("frame of %zu bytes takes too many segments", b->frame);
		b->txseg[b->ntxseg++] = (struct vt_buf){ gpa + off, (uint32_t)l };
		off += l;
	}
}

/* ------------------------------------------------------------------ */
/* the driver loop                                                      */

static void dump_state(struct nb *b, struct vring_drv *vr, const char *what)
{
	fprintf(stderr,
		"netbench: %s ring: avail idx %u (kicked at %u), used idx %u, reaped %u, in flight %u, used_event %u, used flags 0x%x, avail_event %u, kicks %llu, calls %llu\n",
		what, vr->published, vr->kicked, vr_used_idx(vr),
		vr->last_used, vr_in_flight(vr), vr_used_event(vr),
		vr_used_flags(vr), vr_avail_event(vr),
		(unsigned long long)vr->kicks, (unsigned long long)vr->calls);
	fprintf(stderr, "netbench: %s: rx_packets %llu tx_packets %llu rx_dropped %llu tx_dropped %llu\n",
		b->ifname, (unsigned long long)if_stat(b, "rx_packets"),
		(unsigned long long)if_stat(b, "tx_packets"),
		(unsigned long long)if_stat(b, "rx_dropped"),
		(unsigned long long)if_stat(b, "tx_dropped"));
}

/*
 * Sleep until the device uses something (or timeout_ms); false if nothing
 * came.  An error eventfd is fatal.
 */
static bool wait_used(struct nb *b, struct vring_drv *vr, int timeout_ms)
{
	struct pollfd p[2] = {
		{ .fd = vr->call_fd, .events = POLLIN },
		{ .fd = vr->err_fd, .events = POLLIN },
	};
	int r;

	bench_arm(vr);
	/* recheck after arming: completions that raced us sent no call */
	if (vr_pending(vr)) {
		bench_disarm(vr);
		return true;
	}
	r = poll(p, 2, timeout_ms);
	if (r < 0 && errno != EINTR)
		die("poll: %s", strerror(errno));
	if (p[1].revents & POLLIN) {
		dump_state(b, vr, b->rx ? "RX" : "TX");
		die("the device signalled its error eventfd (ring stopped; see dmesg)");
	}
	vr_drain_calls(vr);
	b->waits++;
	bench_disarm(vr);
	return vr_pending(vr) != 0;
}

static void tx_refill(struct nb *b)
{
	struct vring_drv *vr = &b->vr[NB_TX];
	bool added = false;

	while (vr_in_flight(vr) < vr->num) {
		int head = vr_add(vr, b->txseg, b->ntxseg, 0,
				  b->ntxseg > 1 ? VR_INDIRECT : 0, NULL);

		if (head < 0)
			die("TX vr_add: %s (in flight %u)", vt_err(head),
			    vr_in_flight(vr));
		added = true;
	}
	if (added)
		vr_notify(vr);
}

static unsigned int tx_reap(struct nb *b)
{
	struct vring_drv *vr = &b->vr[NB_TX];
	unsigned int n = 0;
	struct vt_used u;
	int r;

	while ((r = vr_get_used(vr, &u)) > 0) {
		if (u.len != 0)
			die("TX used entry for head %u has len %u, expected 0",
			    u.id, u.len);
		n++;
	}
	if (r < 0)
		die("TX used entry names head %u, which is not in flight", u.id);
	b->pkts += n;
	b->bytes += (uint64_t)n * b->frame;
	return n;
}

static void tx_run(struct nb *b, double until)
{
	double last = now_s();

	while (now_s() < until) {
		tx_refill(b);
		if (tx_reap(b)) {
			last = now_s();
			continue;
		}
		if (!wait_used(b, &b->vr[NB_TX], 200) && now_s() - last > 10) {
			dump_state(b, &b->vr[NB_TX], "TX");
			die("TX stalled: no completion for 10 s");
		}
	}
}

static void rx_post(struct nb *b, unsigned int idx)
{
	struct vt_buf buf = {
		.addr = b->rx_gpa + (uint64_t)idx * b->rxbuf,
		.len = b->rxbuf,
	};
	int head = vr_add(&b->vr[NB_RX], &buf, 0, 1, 0,
			  (void *)(uintptr_t)(idx + 1));

	if (head < 0)
		die("RX vr_add: %s", vt_err(head));
}

static void rx_prepare(struct nb *b)
{
	b->rx_hva = gmem_alloc_p(&b->mem, (size_t)b->num * b->rxbuf, 64,
				 &b->rx_gpa);
	for (unsigned int i = 0; i < b->num; i++)
		rx_post(b, i);
	vr_publish_kick(&b->vr[NB_RX]);
}

static unsigned int rx_reap(struct nb *b)
{
	struct vring_drv *vr = &b->vr[NB_RX];
	unsigned int n = 0;
	struct vt_used u;
	int r;

	while ((r = vr_get_used(vr, &u)) > 0) {
		unsigned int idx = (unsigned int)(uintptr_t)u.cookie - 1;
		uint32_t len = u.len;

		if (len > b->rxbuf)
			die("RX used.len %u exceeds the %u-byte buffer", len,
			    b->rxbuf);
		if (!b->frag_left) {
			const struct virtio_net_hdr_mrg_rxbuf *h =
				(const void *)(b->rx_hva + (size_t)idx * b->rxbuf);
			unsigned int nb = le16toh(h->num_buffers);

			if (len < NB_HDR)
				die("RX used.len %u is under the header", len);
			if (nb < 1 || nb > b->num)
				die("RX num_buffers %u", nb);
			b->frag_left = nb;
			b->pkts++;
			len -= NB_HDR;
		}
		b->frag_left--;
		b->bytes += len;
		rx_post(b, idx);
		n++;
	}
	if (r < 0)
		die("RX used entry names head %u, which is not in flight", u.id);
	if (n)
		vr_notify(vr);
	return n;
}

static void rx_run(struct nb *b, double until)
{
	while (now_s() < until) {
		if (rx_reap(b))
			continue;
		wait_used(b, &b->vr[NB_RX], 100);
	}
}

/* ------------------------------------------------------------------ */
/* injectors                                                            */

static void pktgen_put(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void pktgen_put(const char *file, const char *fmt, ...)
{
	char path[128], cmd[128], line[sizeof(cmd) + 1];
	va_list ap;
	long r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), NB_PKTGEN "/%s", file);
	snprintf(line, sizeof(line), "%s\n", cmd);
	r = vt_write_file(path, line);
	if (r < 0)
		die("pktgen: '%s' > %s: %s", cmd, path, vt_err(r));
}

static const char *mac_str(const uint8_t m[6])
{
	static char s[18];

	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	return s;
}

static void pktgen_start(struct nb *b)
{
	pid_t pid;

	if (access(NB_PKTGEN "/pgctrl", W_OK))
		die("no %s/pgctrl (modprobe pktgen)", NB_PKTGEN);
	pktgen_put("kpktgend_0", "rem_device_all");
	pktgen_put("kpktgend_0", "add_device %s", b->ifname);
	pktgen_put(b->ifname, "count 0");
	pktgen_put(b->ifname, "clone_skb 0");
	pktgen_put(b->ifname, "delay 0");
	pktgen_put(b->ifname, "pkt_size %zu", b->frame);
	pktgen_put(b->ifname, "dst_mac %s", mac_str(nd_mac_guest));
	pktgen_put(b->ifname, "src_mac %s", mac_str(nd_mac_peer));
	pktgen_put(b->ifname, "dst 169.254.118.1");
	pktgen_put(b->ifname, "src_min 169.254.118.2");
	pktgen_put(b->ifname, "src_max 169.254.118.2");
	/* "start" returns only when pktgen stops: write it from a child */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		long r = vt_write_file(NB_PKTGEN "/pgctrl", "start\n");

		if (r < 0)
			fprintf(stderr, "netbench: pktgen start: %s\n", vt_err(r));
		_exit(r < 0);
	}
	b->inj_pid = pid;
}

static void pktgen_stop(struct nb *b)
{
	vt_write_file(NB_PKTGEN "/pgctrl", "stop\n");
	if (vt_wait_pid(b->inj_pid, 10000) == -ETIMEDOUT)
		die("pktgen did not stop");
	pktgen_put("kpktgend_0", "rem_device_all");
}

/* A child sending frames out of the tap, toward the guest, until killed. */
static noreturn void packet_sender(struct nb *b, int ifindex)
{
	enum { BATCH = 32 };
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifindex,
		.sll_halen = 6,
	};
	struct virtio_net_hdr h;
	struct mmsghdr mm[BATCH];
	struct iovec iov[2];
	uint8_t *frame;
	int one = 1, fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET): %s", strerror(errno));
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		die("PACKET_VNET_HDR: %s", strerror(errno));
	/* straight to the tap's xmit, as pktgen does */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind AF_PACKET: %s", strerror(errno));
	memcpy(sll.sll_addr, nd_mac_guest, 6);
	frame = malloc(b->frame);
	if (!frame)
		die("out of memory");
	nd_frame_build(frame, b->frame, b->gso ? ND_TCP4 : ND_UDP4, true, 2,
		       0x6e6272);
	gso_hdr(&h, b->gso ? b->frame : 0);
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ frame, b->frame };
	for (int i = 0; i < BATCH; i++)
		mm[i].msg_hdr = (struct msghdr){
			.msg_name = &sll, .msg_namelen = sizeof(sll),
			.msg_iov = iov, .msg_iovlen = 2,
		};
	for (;;) {
		if (sendmmsg(fd, mm, BATCH, 0) < 0 && errno != ENOBUFS &&
		    errno != EAGAIN && errno != EINTR)
			die("injector: sendmmsg: %s", strerror(errno));
	}
}

static void packet_start(struct nb *b)
{
	int ifindex = nd_ifindex(b->ifname);
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		packet_sender(b, ifindex);
	}
	b->inj_pid = pid;
}

static void packet_stop(struct nb *b)
{
	kill(b->inj_pid, SIGKILL);
	vt_wait_pid(b->inj_pid, -1);
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: netbench -m tx|rx [-s FRAME] [-g] [-t SECONDS] [-w WARMUP] [-n RING] [-b RXBUF] [-i pktgen|packet] [-I IFNAME]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct nb b = {
		.secs = 3, .warm = 0.5, .num = 256, .inj = INJ_PACKET,
		.fd = -1, .tap_fd = -1,
	};
	uint64_t kicks0, calls0, waits0, pkts0, bytes0, dpk0, ddr0, inj0;
	struct bench_kstat kw, ks0, ks1;
	char ks[BENCH_KS_TEXT];
	uint64_t dpk1, ddr1, inj1;
	struct vring_drv *vr;
	const char *mode = NULL, *inj = "packet", *ifname = NULL;
	const struct bench_opt opts[] = {
		BENCH_OPT('m', mode),
		BENCH_OPT('s', b.frame),
		BENCH_FLAG('g', b.gso, true),
		BENCH_OPT('t', b.secs),
		BENCH_OPT('w', b.warm),
		BENCH_OPT('n', b.num),
		BENCH_OPT('b', b.rxbuf),
		BENCH_OPT('i', inj),
		BENCH_OPT('I', ifname),
	};
	double t0, t1;

	bench_init(argv[0]);
	if (!bench_getopt(argc, argv, opts, ARRAY_SIZE(opts)) || !mode)
		usage();
	if (!strcmp(inj, "pktgen"))
		b.inj = INJ_PKTGEN;
	else if (strcmp(inj, "packet"))
		usage();
	if (ifname)
		snprintf(b.ifname, sizeof(b.ifname), "%s", ifname);
	b.rx = !strcmp(mode, "rx");
	if (!b.rx && strcmp(mode, "tx"))
		usage();
	if (!b.frame)
		b.frame = b.gso ? NB_GSO_FRAME : 64;
	if (!b.rxbuf)
		b.rxbuf = b.gso ? 4096 : 1536;
	if (b.frame < 60 || b.frame > NB_GSO_FRAME ||
	    (!b.gso && b.frame > 1514) || (b.gso && b.frame <= 1514) ||
	    !bench_ring_size_ok(b.num) || b.secs <= 0 || b.warm < 0 ||
	    b.rxbuf <= NB_HDR)
		usage();
	if (b.rx && b.gso && b.inj == INJ_PKTGEN)
		die("pktgen makes no GSO frames: use -i packet with -g");
	if (!b.rx)
		b.inj = INJ_NONE;

	setup(&b);
	if (b.rx) {
		rx_prepare(&b);
		if (b.inj == INJ_PKTGEN)
			pktgen_start(&b);
		else
			packet_start(&b);
	} else {
		tx_prepare(&b);
	}
	vr = &b.vr[b.rx ? NB_RX : NB_TX];

	bench_kstat_init(&kw);
	/* warm-up: fault everything in, let both sides reach a steady state */
	t0 = now_s();
	if (b.rx)
		rx_run(&b, t0 + b.warm);
	else
		tx_run(&b, t0 + b.warm);

	/* calls: every count the call eventfd took in the timed run */
	vr_drain_calls(vr);
	bench_kstat_snap(&ks0, &kw);
	kicks0 = vr->kicks;
	calls0 = vr->calls;
	waits0 = b.waits;
	pkts0 = b.pkts;
	bytes0 = b.bytes;
	dpk0 = if_stat(&b, b.rx ? "tx_packets" : "rx_packets");
	ddr0 = if_stat(&b, b.rx ? "tx_dropped" : "rx_dropped");
	inj0 = dpk0 + ddr0;
	t0 = now_s();
	if (b.rx)
		rx_run(&b, t0 + b.secs);
	else
		tx_run(&b, t0 + b.secs);
	t1 = now_s();
	vr_drain_calls(vr);
	bench_kstat_snap(&ks1, &kw);
	dpk1 = if_stat(&b, b.rx ? "tx_packets" : "rx_packets");
	ddr1 = if_stat(&b, b.rx ? "tx_dropped" : "rx_dropped");
	inj1 = dpk1 + ddr1;

	if (b.inj == INJ_PKTGEN)
		pktgen_stop(&b);
	else if (b.inj == INJ_PACKET)
		packet_stop(&b);
	if (getenv("NETBENCH_DEBUG")) {
		dump_state(&b, &b.vr[NB_RX], "RX");
		dump_state(&b, &b.vr[NB_TX], "TX");
	}
	bench_check_err(b.vr, 2);

	printf("mode=%s size=%zu gso=%d ring=%u rxbuf=%u inj=%s secs=%.3f",
	       mode, b.frame, b.gso, b.num, b.rx ? b.rxbuf : 0,
	       b.inj == INJ_PKTGEN ? "pktgen" : b.inj == INJ_PACKET ? "packet" : "none",
	       t1 - t0);
	printf(" pkts=%llu pps=%.0f bps=%.0f avg_frame=%.0f",
	       (unsigned long long)(b.pkts - pkts0),
	       (b.pkts - pkts0) / (t1 - t0), (b.bytes - bytes0) / (t1 - t0),
	       b.pkts - pkts0 ? (double)(b.bytes - bytes0) / (b.pkts - pkts0) : 0);
	printf(" dev_pkts=%llu drops=%llu injected=%llu kicks=%llu calls=%llu waits=%llu%s\n",
	       (unsigned long long)(dpk1 - dpk0),
	       (unsigned long long)(ddr1 - ddr0),
	       (unsigned long long)(b.rx ? inj1 - inj0 : 0),
	       (unsigned long long)(vr->kicks - kicks0),
	       (unsigned long long)(vr->calls - calls0),
	       (unsigned long long)(b.waits - waits0),
	       bench_kstat_fmt(ks, sizeof(ks), &ks0, &ks1));
	close(b.fd);
	close(b.tap_fd);
	gmem_destroy(&b.mem);
	return 0;
}
