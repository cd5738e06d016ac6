// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "harness.h"
#include "netdev.h"
#include "vhost_ioctl.h"

const uint8_t nd_mac_guest[6] = { 0x02, 0x76, 0x74, 0x00, 0x00, 0x01 };
const uint8_t nd_mac_peer[6] = { 0x02, 0x76, 0x74, 0x00, 0x00, 0x02 };

const uint32_t nd_frame_sizes[ND_NFRAME_SIZES] = {
	60, 61, 64, 100, 127, 128, 255, 256, 511, 512, 1023, 1024, 1500,
	1514, 1515, 2048, 3000, 3500, 4000, 4096, 4097, 8192, 9000, 16384,
	32768, 65000, ND_MAX_FRAME,
};

/* 169.254.118.1 (guest) and 169.254.118.2 (peer) */
#define ND_IP_GUEST 0xa9fe7601u
#define ND_IP_PEER  0xa9fe7602u

/* ------------------------------------------------------------------ */
/* namespaces and interfaces                                            */

void nd_private_netns(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		SKIP("unshare(CLONE_NEWNET | CLONE_NEWNS): %s", strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		FAIL("make / private: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		FAIL("mount a private sysfs: %s", strerror(errno));
	/* no IPv6 autoconf / router solicitations on new interfaces */
	vt_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	vt_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
}

int nd_tap_open(char *name, unsigned int extra_flags)
{
	struct ifreq ifr;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | extra_flags);
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name[0] ? name : "vtnet%d");
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
	return fd;
}

int nd_tap_create(char *name, unsigned int extra_flags, int mtu)
{
	int fd = nd_tap_open(name, extra_flags);

	if (fd == -ENOENT || fd == -ENODEV)
		SKIP("no tun/tap device (/dev/net/tun: %s)", vt_err(fd));
	if (fd < 0)
		FAIL("TUNSETIFF %s flags 0x%x: %s", name[0] ? name : "vtnet%d",
		     IFF_TAP | IFF_NO_PI | extra_flags, vt_err(fd));
	if (mtu)
		nd_if_set_mtu(name, mtu);
	nd_if_up(name);
	return fd;
}

void nd_tap_set_vnet_hdr_sz(int fd, int sz)
{
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		FAIL("TUNSETVNETHDRSZ %d: %s", sz, strerror(errno));
}

void nd_tap_set_offload(int fd, unsigned int tun_f_flags)
{
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tun_f_flags) < 0)
		FAIL("TUNSETOFFLOAD 0x%x: %s", tun_f_flags, strerror(errno));
}

static int ifreq_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r;

	if (s < 0)
		FAIL("socket(AF_INET): %s", strerror(errno));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
	r = ioctl(s, req, ifr) < 0 ? -errno : 0;
	close(s);
	return r;
}

int nd_ifindex(const char *name)
{
	unsigned int i = if_nametoindex(name);

	if (!i)
		FAIL("interface %s: %s", name, strerror(errno));
	return (int)i;
}

void nd_if_up(const char *name)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	r = ifreq_ioctl(name, SIOCGIFFLAGS, &ifr);
	if (r < 0)
		FAIL("SIOCGIFFLAGS %s: %s", name, vt_err(r));
	ifr.ifr_flags |= IFF_UP;
	r = ifreq_ioctl(name, SIOCSIFFLAGS, &ifr);
	if (r < 0)
		FAIL("bring %s up: %s", name, vt_err(r));
}

void nd_if_set_mtu(const char *name, int mtu)
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = mtu;
	r = ifreq_ioctl(name, SIOCSIFMTU, &ifr);
	if (r < 0)
		FAIL("MTU %d on %s: %s", mtu, name, vt_err(r));
}

void nd_if_get_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr;
	int r;

	memset(&ifr, 0, sizeof(ifr));
	r = ifreq_ioctl(name, SIOCGIFHWADDR, &ifr);
	if (r < 0)
		FAIL("SIOCGIFHWADDR %s: %s", name, vt_err(r));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

int nd_run(const char *fmt, ...)
{
	const char *v = getenv("VT_VERBOSE");
	char cmd[1024];
	va_list ap;
	int st, n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) - 32)
		FAIL("command too long: %s", fmt);
	if (!v || !atoi(v))
		strcat(cmd, " >/dev/null 2>&1");
	vt_log("run: %s", cmd);
	fflush(stdout);
	fflush(stderr);
	st = system(cmd);
	if (st < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static bool have_module(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return access(path, F_OK) == 0;
}

void nd_veth_pair(const char *a, const char *b, int mtu)
{
	if (nd_run("ip link add %s mtu %d type veth peer name %s mtu %d",
		   a, mtu, b, mtu)) {
		if (!have_module("veth"))
			SKIP("cannot create a veth pair: kernel lacks veth");
		FAIL("ip link add %s type veth peer name %s failed", a, b);
	}
	nd_if_up(a);
	nd_if_up(b);
}

int nd_macvtap_open(const char *name, const char *lower,
		    const uint8_t mac[6])
{
	char path[256], buf[64], node[64];
	unsigned int maj, min;
	int idx, fd;
	long r;

	if (nd_run("ip link add link %s name %s address %02x:%02x:%02x:%02x:%02x:%02x type macvtap mode bridge",
		   lower, name, mac[0], mac[1], mac[2], mac[3], mac[4],
		   mac[5])) {
		if (!have_module("macvtap"))
			SKIP("kernel lacks macvtap (no /sys/module/macvtap)");
		FAIL("ip link add %s type macvtap failed", name);
	}
	nd_if_up(name);
	idx = nd_ifindex(name);
	snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev",
		 name, idx);
	r = vt_read_file(path, buf, sizeof(buf));
	if (r < 0)
		FAIL("%s: %s", path, vt_err(r));
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		FAIL("%s: unexpected contents '%s'", path, buf);
	/* our own node: devtmpfs naming is per ifindex, and ours is per netns */
	snprintf(node, sizeof(node), "/tmp/vt-macvtap-%d-%d", getpid(), idx);
	unlink(node);
	if (mknod(node, S_IFCHR | 0600, makedev(maj, min)) < 0)
		FAIL("mknod %s: %s", node, strerror(errno));
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		FAIL("open %s (macvtap %u:%u): %s", node, maj, min,
		     strerror(errno));
	unlink(node);
	return fd;
}

/* ------------------------------------------------------------------ */
/* AF_PACKET sockets                                                    */

int nd_packet_socket(int ifindex, unsigned int flags)
{
	uint16_t proto = flags & ND_PS_SEND_ONLY ? 0 : htons(ETH_P_ALL);
	struct sockaddr_ll sll;
	int fd, one = 1, big = 32 << 20;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (fd < 0)
		FAIL("socket(AF_PACKET, SOCK_RAW): %s", strerror(errno));
	if ((flags & ND_PS_VNET_HDR) &&
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		FAIL("PACKET_VNET_HDR: %s", strerror(errno));
	if (!(flags & (ND_PS_KEEP_OUTGOING | ND_PS_SEND_ONLY)))
		/* older kernels lack it; nd_recv_from filters anyway */
		setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
			   sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) < 0)
		FAIL("SO_RCVBUFFORCE/SO_SNDBUFFORCE: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = proto;
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		FAIL("bind AF_PACKET socket to ifindex %d: %s", ifindex,
		     strerror(errno));
	return fd;
}

static void send_iov(int fd, struct iovec *iov, int n, const uint8_t *frame,
		     size_t len)
{
	struct sockaddr_ll sll;
	socklen_t sl = sizeof(sll);
	struct msghdr m;
	size_t total = 0;
	ssize_t r;

	if (getsockname(fd, (struct sockaddr *)&sll, &sl) < 0)
		FAIL("getsockname(AF_PACKET): %s", strerror(errno));
	sll.sll_protocol = htons(ETH_P_ALL);
	if (len >= 14)
		memcpy(&sll.sll_protocol, frame + 12, 2);	/* ethertype */
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, frame, 6);
	memset(&m, 0, sizeof(m));
	m.msg_name = &sll;
	m.msg_namelen = sizeof(sll);
	m.msg_iov = iov;
	m.msg_iovlen = n;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	do {
		r = sendmsg(fd, &m, 0);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		FAIL("send a %zu-byte frame on ifindex %d: %s", len,
		     sll.sll_ifindex, strerror(errno));
	if ((size_t)r != total)
		FAIL("sent %zd of %zu bytes", r, total);
}

void nd_send(int fd, const void *frame, size_t len)
{
	struct iovec iov = { (void *)frame, len };

	send_iov(fd, &iov, 1, frame, len);
}

void nd_send_vnet(int fd, const struct virtio_net_hdr *h, const void *frame,
		  size_t len)
{
	struct iovec iov[2] = {
		{ (void *)h, sizeof(*h) }, { (void *)frame, len },
	};

	send_iov(fd, iov, 2, frame, len);
}

/* 1: a frame from src is at the head of the queue; 0: queue empty */
static int skip_foreign(int fd, const uint8_t src[6], bool vnet, int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	uint8_t head[10 + 14];
	size_t hl = vnet ? 10 : 0;

	for (;;) {
		struct sockaddr_ll from;
		struct iovec iov = { head, sizeof(head) };
		struct msghdr m = {
			.msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		uint64_t now = vt_now_ms();
		ssize_t n;

		if (vt_poll_in(fd, now >= deadline ? 0 :
				  (int)(deadline - now)) <= 0)
			return 0;
		n = recvmsg(fd, &m, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			FAIL("recvmsg(AF_PACKET): %s", strerror(errno));
		}
		if (from.sll_pkttype != PACKET_OUTGOING &&
		    (size_t)n >= hl + 12 && !memcmp(head + hl + 6, src, 6))
			return 1;
		/* not ours: consume it (room for a vnet header, or -EINVAL) */
		if (recv(fd, head, sizeof(head), MSG_DONTWAIT | MSG_TRUNC) < 0 &&
		    errno != EAGAIN)
			FAIL("recv(AF_PACKET): %s", strerror(errno));
	}
}

long nd_recv_from(int fd, const uint8_t src[6], void *buf, size_t cap,
		  struct virtio_net_hdr *h, int timeout_ms)
{
	struct iovec iov[2];
	struct msghdr m;
	int nio = 0;
	ssize_t n;

	if (!skip_foreign(fd, src, h != NULL, timeout_ms))
		return 0;
	if (h) {
		iov[nio].iov_base = h;
		iov[nio++].iov_len = sizeof(*h);
	}
	iov[nio].iov_base = buf;
	iov[nio++].iov_len = cap;
	memset(&m, 0, sizeof(m));
	m.msg_iov = iov;
	m.msg_iovlen = nio;
	n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0)
		FAIL("recvmsg(AF_PACKET): %s", strerror(errno));
	if (h)
		n -= sizeof(*h);
	if (n < 0 || (size_t)n > cap)
		FAIL("received a %zd-byte frame, buffer holds %zu", n, cap);
	return n;
}

bool nd_frame_pending(int fd, const uint8_t src[6])
{
	return skip_foreign(fd, src, false, 0) == 1;
}

/* ------------------------------------------------------------------ */
/* test frames                                                          */

static size_t tag_off(enum nd_kind kind)
{
	switch (kind) {
	case ND_TCP4:
		return ND_L4_OFF + 20;
	case ND_UDP4:
		return ND_L4_OFF + 8;
	default:
		return ND_ETH_HLEN;
	}
}

size_t nd_min_len(enum nd_kind kind)
{
	return tag_off(kind) + 12;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint8_t pat(uint32_t seed, uint32_t seq, uint32_t i)
{
	uint32_t x = seed * 0x9e3779b1u + seq * 0x7feb352du + i * 0x85ebca77u;

	x ^= x >> 15;
	x *= 0x2c1b3c6du;
	x ^= x >> 12;
	return (uint8_t)x;
}

void nd_frame_build(uint8_t *buf, size_t len, enum nd_kind kind, bool to_guest,
		    uint32_t seq, uint32_t seed)
{
	const uint8_t *dst = to_guest ? nd_mac_guest : nd_mac_peer;
	const uint8_t *src = to_guest ? nd_mac_peer : nd_mac_guest;
	size_t t = tag_off(kind);
	uint8_t hdr[ND_L4_OFF + 20 + 12];
	size_t hl = t + 12;

	if (len < hl)
		FAIL("test bug: %zu-byte frame of kind %d (min %zu)", len, kind,
		     hl);
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, dst, 6);
	memcpy(hdr + 6, src, 6);
	if (kind == ND_RAW) {
		put16(hdr + 12, ND_ETH_P_TEST);
	} else {
		size_t ipl = len - ND_L3_OFF > 0xffff ? 0xffff :
						       len - ND_L3_OFF;
		uint8_t *ip = hdr + ND_L3_OFF, *l4 = hdr + ND_L4_OFF;
		uint16_t sport = (uint16_t)(32768 + (seq & 0x3fff));

		put16(hdr + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)ipl);
		put16(ip + 4, (uint16_t)seq);
		put16(ip + 6, 0x4000);		/* DF */
		ip[8] = 64;
		ip[9] = kind == ND_TCP4 ? 6 : 17;
		put32(ip + 12, to_guest ? ND_IP_PEER : ND_IP_GUEST);
		put32(ip + 16, to_guest ? ND_IP_GUEST : ND_IP_PEER);
		put16(ip + 10, ip_csum(ip, 20));
		put16(l4, sport);
		put16(l4 + 2, 5201);
		if (kind == ND_TCP4) {
			put32(l4 + 4, seq * 100000u);
			l4[12] = 5 << 4;
			l4[13] = 0x18;		/* PSH | ACK */
			put16(l4 + 14, 0xffff);
		} else {
			put16(l4 + 4, (uint16_t)(len - ND_L4_OFF > 0xffff ?
						 0xffff : len - ND_L4_OFF));
		}
	}
	put32(hdr + t, seed);
	put32(hdr + t + 4, seq);
	put32(hdr + t + 8, (uint32_t)len);
	memcpy(buf, hdr, hl);
	for (size_t i = hl; i < len; i++)
		buf[i] = pat(seed, seq, (uint32_t)i);
}

long nd_frame_seq(const uint8_t *buf, size_t len, enum nd_kind kind)
{
	size_t t = tag_off(kind);

	if (len < t + 12)
		return -1;
	return (long)get32(buf + t + 4);
}

void nd_frame_check(const uint8_t *got, size_t got_len, size_t want_len,
		    enum nd_kind kind, bool to_guest, uint32_t seq,
		    uint32_t seed, const char *what)
{
	uint8_t *want;

	if (got_len != want_len) {
		long s = nd_frame_seq(got, got_len, kind);

		FAIL("%s: frame of %zu bytes (seq tag %ld), expected %zu bytes (seq %u)",
		     what, got_len, s, want_len, seq);
	}
	want = malloc(want_len);
	if (!want)
		FAIL("out of host memory");
	nd_frame_build(want, want_len, kind, to_guest, seq, seed);
	for (size_t i = 0; i < want_len; i++)
		if (got[i] != want[i])
			FAIL("%s: %zu-byte frame seq %u: byte %zu is 0x%02x, expected 0x%02x (seq tag in frame: %ld)",
			     what, want_len, seq, i, got[i], want[i],
			     nd_frame_seq(got, got_len, kind));
	free(want);
}
