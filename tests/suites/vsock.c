// SPDX-License-Identifier: GPL-2.0
/*
 * suites/vsock: /dev/vhost-vsock as the host end of virtio-vsock.  The case
 * is the guest driver (tests/lib/vvsock.c: it reads packets the device
 * writes into ring 0 and sends packets on ring 1) and, at the same time,
 * a host program with ordinary AF_VSOCK sockets; every byte that crosses
 * is checked.
 */
#include "vt.h"
#include "vvsock.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <linux/vm_sockets.h>
#include <linux/vm_sockets_diag.h>

#define GUEST_PORT	1234u
#define HOST_PORT	5678u

static uint8_t buf[VVS_TXSLOT];

static int host_socket(int type)
{
	int s = socket(AF_VSOCK, type | SOCK_CLOEXEC, 0);

	if (s < 0)
		FAIL("socket(AF_VSOCK): %s", strerror(errno));
	return s;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((seed + i * 2654435761u) >> 13);
}

/* The host connects to the guest's port; the guest answers. */
static int host_connects(struct vvs *v, int type, uint16_t vtype)
{
	struct vvs_pkt p;
	int s = vvs_host_connect_start(v, type, GUEST_PORT);

	vvs_expect(v, &p, VIRTIO_VSOCK_OP_REQUEST, "host's connect");
	if (p.src_cid != VVS_HOST_CID || p.dst_cid != v->cid ||
	    p.dst_port != GUEST_PORT || p.type != vtype)
		FAIL("REQUEST from %llu:%u to %llu:%u type %u",
		     (unsigned long long)p.src_cid, p.src_port,
		     (unsigned long long)p.dst_cid, p.dst_port, p.type);
	vvs_host_connect_finish(v, s, vtype, GUEST_PORT, p.src_port);
	return s;
}

static uint32_t host_port_of(int s)
{
	struct sockaddr_vm a;
	socklen_t l = sizeof(a);

	if (getsockname(s, (struct sockaddr *)&a, &l))
		FAIL("getsockname: %s", strerror(errno));
	return a.svm_port;
}

/* Host bytes written to @s arrive in the guest as RW packets, in order. */
static void host_to_guest(struct vvs *v, int s, size_t len, uint32_t seed)
{
	static uint8_t got[VVS_TXSLOT];
	struct vvs_pkt p;
	size_t have = 0;

	fill(buf, len, seed);
	if (send(s, buf, len, 0) != (ssize_t)len)
		FAIL("host send of %zu bytes: %s", len, strerror(errno));
	while (have < len) {
		vvs_expect(v, &p, VIRTIO_VSOCK_OP_RW, "host's data");
		if (p.len > len - have)
			FAIL("%u bytes in a packet, only %zu expected", p.len,
			     len - have);
		memcpy(got + have, p.data, p.len);
		have += p.len;
	}
	if (memcmp(got, buf, len))
		FAIL("the guest received other bytes than the host sent (%zu)",
		     len);
}

/* Guest RW packets reach the host socket byte for byte. */
static void guest_to_host(struct vvs *v, int s, uint16_t vtype,
			  uint32_t gport, uint32_t hport, size_t len,
			  uint32_t seed)
{
	static uint8_t got[VVS_TXSLOT];
	size_t have = 0;

	fill(buf, len, seed);
	vvs_send(v, vtype, VIRTIO_VSOCK_OP_RW, gport, hport, 0, buf,
		 (uint32_t)len);
	while (have < len) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, VT_WAIT_MS) != 1)
			FAIL("host received %zu of %zu bytes within %d ms",
			     have, len, VT_WAIT_MS);
		r = recv(s, got + have, len - have, MSG_DONTWAIT);
		if (r <= 0)
			FAIL("host recv: %s", r ? strerror(errno) : "EOF");
		have += (size_t)r;
	}
	if (memcmp(got, buf, len))
		FAIL("the host received other bytes than the guest sent (%zu)",
		     len);
}

/* ------------------------------------------------------------------ */

static void features_offer_seqpacket(void)
{
	uint64_t f;
	int fd = open(vvs_dev_path(), O_RDWR | O_CLOEXEC);

	if (fd < 0)
		FAIL("open %s: %s", vvs_dev_path(), strerror(errno));
	EXPECT_OK(vh_get_features(fd, &f));
	CHECK(f & VT_F_SEQPACKET, "features 0x%llx lack VIRTIO_VSOCK_F_SEQPACKET",
	      (unsigned long long)f);
	CHECK(f & VT_F_VERSION_1, "features 0x%llx lack VERSION_1",
	      (unsigned long long)f);
	close(fd);
}

static void set_guest_cid_rejects_reserved_cids(void)
{
	static const uint64_t bad[] = { 0, 1, 2, 0xffffffffull,
					0x100000000ull, ~0ull };
	struct vvs_opts o = { .no_cid = true, .no_start = true };
	struct vvs v;

	vvs_setup(&v, &o);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_ERR(vh_vsock_set_cid(v.fd, bad[i]), EINVAL);
}

static void set_guest_cid_taken_by_another_device(void)
{
	struct vvs_opts o = { .no_start = true };
	struct vvs a, b;

	vvs_setup(&a, &o);
	o.no_cid = true;
	vvs_setup(&b, &o);
	EXPECT_ERR(vh_vsock_set_cid(b.fd, a.cid), EADDRINUSE);
	/* The owner of a CID may set it again. */
	EXPECT_OK(vh_vsock_set_cid(a.fd, a.cid));
	/* Moving to another CID frees the old one. */
	EXPECT_OK(vh_vsock_set_cid(a.fd, a.cid + 1));
	EXPECT_OK(vh_vsock_set_cid(b.fd, a.cid));
	close(a.fd);
	EXPECT_OK(vh_vsock_set_cid(b.fd, a.cid + 1));
}

/*
 * libvirt's way: the CID is set on a fresh fd, before any owner, and the
 * fd is then handed to QEMU, which becomes the owner and sets it again.
 * Once there is an owner, another process may not change it.
 */
static void set_guest_cid_before_owner_then_owner_only(void)
{
	uint32_t cid = vvs_default_cid();
	int fd = open(vvs_dev_path(), O_RDWR | O_CLOEXEC);
	int fd2 = open(vvs_dev_path(), O_RDWR | O_CLOEXEC);
	int status;
	pid_t pid;

	if (fd < 0 || fd2 < 0)
		FAIL("open %s: %s", vvs_dev_path(), strerror(errno));
	EXPECT_OK(vh_vsock_set_cid(fd, cid));
	EXPECT_ERR(vh_vsock_set_cid(fd2, cid), EADDRINUSE);
	EXPECT_OK(vh_set_owner(fd));
	EXPECT_OK(vh_vsock_set_cid(fd, cid));
	pid = fork();
	if (pid < 0)
		FAIL("fork: %s", strerror(errno));
	if (!pid)
		_exit(vh_vsock_set_cid(fd, cid + 1) == -EPERM ? 0 : 1);
	if (waitpid(pid, &status, 0) != pid)
		FAIL("waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "another process changed the owner's CID (status 0x%x)", status);
	close(fd2);
	close(fd);
}

static void host_connects_to_guest_stream(void)
{
	uint32_t seed = (uint32_t)getpid();
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	host_to_guest(&v, s, 1, seed);
	host_to_guest(&v, s, 3000, seed + 1);
	guest_to_host(&v, s, VIRTIO_VSOCK_TYPE_STREAM, GUEST_PORT,
		      host_port_of(s), 1, seed + 2);
	guest_to_host(&v, s, VIRTIO_VSOCK_TYPE_STREAM, GUEST_PORT,
		      host_port_of(s), 60000, seed + 3);
	close(s);
}

static void guest_connects_to_host_listener(void)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
		.svm_port = HOST_PORT,
	};
	uint32_t seed = (uint32_t)getpid();
	struct pollfd pfd;
	struct vvs_pkt p;
	struct vvs v;
	int l, s;

	vvs_setup(&v, NULL);
	l = host_socket(SOCK_STREAM);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 4))
		FAIL("bind/listen on port %u: %s", HOST_PORT, strerror(errno));
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST,
		 GUEST_PORT, HOST_PORT, 0, NULL, 0);
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RESPONSE, "guest's connect");
	CHECK(p.src_port == HOST_PORT && p.dst_port == GUEST_PORT &&
	      p.dst_cid == v.cid, "RESPONSE %u -> %llu:%u", p.src_port,
	      (unsigned long long)p.dst_cid, p.dst_port);
	pfd = (struct pollfd){ .fd = l, .events = POLLIN };
	if (poll(&pfd, 1, VT_WAIT_MS) != 1)
		FAIL("no connection to accept within %d ms", VT_WAIT_MS);
	s = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		FAIL("accept: %s", strerror(errno));
	guest_to_host(&v, s, VIRTIO_VSOCK_TYPE_STREAM, GUEST_PORT, HOST_PORT,
		      5000, seed);
	host_to_guest(&v, s, 4000, seed + 1);
	close(s);
	close(l);
}

static void guest_connect_to_closed_port_gets_rst(void)
{
	struct vvs_pkt p;
	struct vvs v;

	vvs_setup(&v, NULL);
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST,
		 GUEST_PORT, HOST_PORT + 1, 0, NULL, 0);
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RST, "connect to a closed port");
}

/* Closing the device resets its connections: ECONNRESET, then EOF. */
static void device_close_resets_host_connections(void)
{
	struct pollfd pfd;
	socklen_t sl;
	struct vvs v;
	int err = 0;
	ssize_t r;
	char c;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	close(v.fd);
	pfd = (struct pollfd){ .fd = s, .events = POLLIN };
	if (poll(&pfd, 1, VT_WAIT_MS) != 1)
		FAIL("the host socket saw nothing within %d ms of the device closing",
		     VT_WAIT_MS);
	sl = sizeof(err);
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &sl) || err != ECONNRESET)
		FAIL("SO_ERROR after the device closed: %s (expected ECONNRESET)",
		     strerror(err));
	r = recv(s, &c, 1, MSG_DONTWAIT);
	if (r != 0)
		FAIL("recv after the reset: %zd (%s), expected end of stream",
		     r, r < 0 ? strerror(errno) : "data");
}

static void host_connect_to_unknown_cid_fails(void)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = vvs_default_cid() + 7,
		.svm_port = GUEST_PORT,
	};
	int s = host_socket(SOCK_STREAM);

	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
		FAIL("connect to CID %u without a device succeeded",
		     a.svm_cid);
}

static void seqpacket_keeps_message_boundaries(void)
{
	struct vvs_opts o = { .features = VT_F_VERSION_1 | VT_F_SEQPACKET };
	static const size_t sizes[] = { 1, 100, 3000, 9000 };
	uint32_t seed = (uint32_t)getpid();
	struct vvs_pkt p;
	struct vvs v;
	int s;

	vvs_setup(&v, &o);
	s = host_connects(&v, SOCK_SEQPACKET, VIRTIO_VSOCK_TYPE_SEQPACKET);
	/* Host messages: EOM on the last packet of each, never before. */
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t have = 0;

		fill(buf, sizes[i], seed + i);
		if (send(s, buf, sizes[i], 0) != (ssize_t)sizes[i])
			FAIL("host send: %s", strerror(errno));
		while (have < sizes[i]) {
			bool eom;

			vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RW, "message");
			if (memcmp(p.data, buf + have, p.len))
				FAIL("message %u: other bytes at %zu", i, have);
			have += p.len;
			eom = p.flags & VIRTIO_VSOCK_SEQ_EOM;
			if (eom != (have == sizes[i]))
				FAIL("message %u: EOM %s at %zu of %zu bytes", i,
				     eom ? "set" : "missing", have, sizes[i]);
		}
	}
	/* Guest messages: one recv() each, exactly as long. */
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct pollfd pfd = { .fd = s, .events = POLLIN };
		static uint8_t got[VVS_TXSLOT];
		ssize_t r;

		fill(buf, sizes[i], seed + 10 + i);
		vvs_send(&v, VIRTIO_VSOCK_TYPE_SEQPACKET, VIRTIO_VSOCK_OP_RW,
			 GUEST_PORT, host_port_of(s), VIRTIO_VSOCK_SEQ_EOM, buf,
			 (uint32_t)sizes[i]);
		if (poll(&pfd, 1, VT_WAIT_MS) != 1)
			FAIL("guest message %u not received", i);
		r = recv(s, got, sizeof(got), MSG_DONTWAIT);
		if (r != (ssize_t)sizes[i] || memcmp(got, buf, sizes[i]))
			FAIL("guest message %u: recv %zd bytes, sent %zu", i, r,
			     sizes[i]);
	}
	close(s);
}

static void stopped_device_keeps_host_data_until_running(void)
{
	uint32_t seed = (uint32_t)getpid();
	uint16_t before;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	EXPECT_OK(vh_vsock_set_running(v.fd, 0));
	before = vr_used_idx(&v.vr[VVS_RX]);
	fill(buf, 2000, seed);
	if (send(s, buf, 2000, 0) != 2000)
		FAIL("host send while stopped: %s", strerror(errno));
	CHECK(vr_used_idx(&v.vr[VVS_RX]) == before,
	      "a stopped device wrote into the guest's buffers");
	vvs_start(&v);
	{
		struct vvs_pkt p;
		static uint8_t got[2000];
		size_t have = 0;

		while (have < 2000) {
			vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RW, "queued data");
			memcpy(got + have, p.data, p.len);
			have += p.len;
		}
		if (memcmp(got, buf, 2000))
			FAIL("queued data changed on the way");
	}
	close(s);
}

static void malformed_guest_packets_are_dropped(void)
{
	struct virtio_vsock_hdr h = {
		.dst_cid = htole64(VVS_HOST_CID),
		.src_port = htole32(GUEST_PORT),
		.dst_port = htole32(HOST_PORT + 2),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(VIRTIO_VSOCK_OP_REQUEST),
		.buf_alloc = htole32(VVS_BUF_ALLOC),
	};
	struct vvs_pkt p;
	struct vvs v;

	vvs_setup(&v, NULL);
	/* Another guest's CID as the source: nobody answers. */
	h.src_cid = htole64(v.cid + 1);
	vvs_send_raw(&v, &h, NULL, 0);
	/* A header claiming more payload than the chain has. */
	h.src_cid = htole64(v.cid);
	h.len = htole32(4096);
	vvs_send_raw(&v, &h, buf, 16);
	/* The ring still works: a good REQUEST to a closed port gets RST. */
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_REQUEST,
		 GUEST_PORT, HOST_PORT + 2, 0, NULL, 0);
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RST, "good packet after bad ones");
	CHECK(!vvs_recv(&v, &p, 0), "an answer to a malformed packet (op %u)",
	      p.op);
	for (unsigned int i = 0; i < VVS_NVQS; i++)
		CHECK(vt_poll_in(v.vr[i].err_fd, 0) <= 0,
		      "ring %u error eventfd signalled", i);
}

/*
 * 1 MiB from the host while the guest advertises 256 KiB of receive space:
 * the device never delivers more than the credit the guest gave, and a
 * CREDIT_UPDATE lets the rest through, intact and in order.
 */
static void host_to_guest_stays_within_guest_credit(void)
{
	static uint8_t big[1u << 20], got[1u << 20];
	uint32_t seed = (uint32_t)getpid(), hport;
	size_t sent = 0, have = 0, told = 0;
	struct vvs_pkt p;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	hport = host_port_of(s);
	fill(big, sizeof(big), seed);
	while (have < sizeof(big)) {
		if (sent < sizeof(big)) {
			ssize_t r = send(s, big + sent, sizeof(big) - sent,
					 MSG_DONTWAIT);

			if (r > 0)
				sent += (size_t)r;
			else if (errno != EAGAIN)
				FAIL("host send: %s", strerror(errno));
		}
		/*
		 * Everything sent has arrived and the host socket had no
		 * credit: wait until our last CREDIT_UPDATE reaches it, not
		 * for a packet that nobody is sending.
		 */
		if (sent < sizeof(big) && have == sent) {
			struct pollfd pfd = { .fd = s, .events = POLLOUT };

			if (poll(&pfd, 1, VT_WAIT_MS) != 1)
				FAIL("host socket never got the guest's credit: sent %zu, told %zu",
				     sent, told);
			continue;
		}
		if (!vvs_recv(&v, &p, VT_WAIT_MS))
			FAIL("stalled: host sent %zu, guest has %zu, told %zu",
			     sent, have, told);
		if (p.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE ||
		    p.op == VIRTIO_VSOCK_OP_CREDIT_REQUEST)
			continue;
		if (p.op != VIRTIO_VSOCK_OP_RW || p.len > sizeof(big) - have)
			FAIL("op %u with %u bytes at %zu", p.op, p.len, have);
		memcpy(got + have, p.data, p.len);
		have += p.len;
		CHECK(have - told <= VVS_BUF_ALLOC,
		      "%zu bytes beyond the guest's last credit (%u)",
		      have - told, VVS_BUF_ALLOC);
		if (have - told >= VVS_BUF_ALLOC / 2) {
			vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM,
				 VIRTIO_VSOCK_OP_CREDIT_UPDATE, GUEST_PORT,
				 hport, 0, NULL, 0);
			told = have;
		}
	}
	if (memcmp(got, big, sizeof(big)))
		FAIL("1 MiB arrived changed");
	close(s);
}

/*
 * 1 MiB from the guest in 16 KiB packets, sent only while the host's
 * socket has room by the credit it advertises (buffer set to 64 KiB); the
 * guest asks for credit when it runs out.  The host reads it intact.
 */
static void guest_to_host_within_host_credit(void)
{
	static uint8_t big[1u << 20], got[1u << 20];
	uint64_t size = 64u << 10;
	uint32_t seed = (uint32_t)getpid(), hport;
	uint32_t peer_alloc, peer_fwd;
	size_t sent = 0, have = 0;
	struct vvs_pkt p;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	hport = host_port_of(s);
	if (setsockopt(s, AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, &size,
		       sizeof(size)))
		FAIL("SO_VM_SOCKETS_BUFFER_SIZE: %s", strerror(errno));
	/* The host's credit, as it last told the guest. */
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_CREDIT_REQUEST,
		 GUEST_PORT, hport, 0, NULL, 0);
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_CREDIT_UPDATE, "credit request");
	peer_alloc = p.buf_alloc;
	peer_fwd = p.fwd_cnt;
	CHECK(peer_alloc == size, "host advertises %u bytes, socket has %llu",
	      peer_alloc, (unsigned long long)size);
	fill(big, sizeof(big), seed);
	while (have < sizeof(big)) {
		size_t n = sizeof(big) - sent < 16384 ? sizeof(big) - sent : 16384;
		bool room = sent - peer_fwd + n <= peer_alloc;

		if (sent < sizeof(big) && room) {
			vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM,
				 VIRTIO_VSOCK_OP_RW, GUEST_PORT, hport, 0,
				 big + sent, (uint32_t)n);
			sent += n;
		} else if (sent < sizeof(big) && have == sent) {
			/* The host read all it got: ask where we stand. */
			vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM,
				 VIRTIO_VSOCK_OP_CREDIT_REQUEST, GUEST_PORT,
				 hport, 0, NULL, 0);
		}
		while (vvs_recv(&v, &p, 0) ||
		       (have == sent && sent < sizeof(big) && !room &&
			vvs_recv(&v, &p, VT_WAIT_MS))) {
			if (p.op == VIRTIO_VSOCK_OP_RST)
				FAIL("host reset the connection at %zu bytes",
				     sent);
			peer_alloc = p.buf_alloc;
			peer_fwd = p.fwd_cnt;
			room = true;
		}
		for (;;) {
			ssize_t r = recv(s, got + have, sizeof(got) - have,
					 MSG_DONTWAIT);

			if (r > 0) {
				have += (size_t)r;
				continue;
			}
			if (r < 0 && errno != EAGAIN)
				FAIL("host recv: %s", strerror(errno));
			break;
		}
		if (have < sent && vt_poll_in(s, VT_WAIT_MS) <= 0)
			FAIL("host has %zu of %zu bytes sent", have, sent);
	}
	if (memcmp(got, big, sizeof(big)))
		FAIL("1 MiB arrived changed");
	close(s);
}

/*
 * A guest receive buffer the device cannot write (the owner mapped it
 * read-only): the ring's error eventfd fires, the buffer is not used, and
 * nothing else breaks.
 */
static void unwritable_receive_buffer_signals_error(void)
{
	struct sockaddr_vm a;
	uint16_t before;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	before = vr_used_idx(&v.vr[VVS_RX]);
	if (mprotect(v.rx_area, (size_t)v.o.num * VVS_RXBUF, PROT_READ))
		FAIL("mprotect: %s", strerror(errno));
	a = (struct sockaddr_vm){ .svm_family = AF_VSOCK, .svm_cid = v.cid,
				  .svm_port = GUEST_PORT };
	s = host_socket(SOCK_STREAM | SOCK_NONBLOCK);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 ||
	    errno != EINPROGRESS)
		FAIL("connect: %s (expected EINPROGRESS)", strerror(errno));
	CHECK(vt_poll_in(v.vr[VVS_RX].err_fd, VT_WAIT_MS) == 1,
	      "no error signalled for an unwritable receive buffer");
	CHECK(vr_used_idx(&v.vr[VVS_RX]) == before,
	      "a buffer the device could not write was used");
	close(s);
}

/*
 * A guest reset (the device stopped, the rings set up anew, started) keeps
 * the host's connections to the old guest; the new guest driver answers the
 * next packet of one with RST, and the host socket sees the end of the
 * stream.
 */
static void guest_reset_then_rst_ends_host_stream(void)
{
	struct vvs_pkt p;
	struct vvs v;
	ssize_t r;
	char c;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	vvs_restart(&v);
	if (send(s, "x", 1, 0) != 1)
		FAIL("host send after the guest reset: %s", strerror(errno));
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_RW, "host data after the reset");
	CHECK(vr_used_idx(&v.vr[VVS_RX]) == 1,
	      "the restarted ring 0 used %u buffers, expected 1",
	      vr_used_idx(&v.vr[VVS_RX]));
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_RST,
		 p.dst_port, p.src_port, 0, NULL, 0);
	if (vt_poll_in(s, VT_WAIT_MS) != 1)
		FAIL("the host socket saw nothing within %d ms of the RST",
		     VT_WAIT_MS);
	r = recv(s, &c, 1, MSG_DONTWAIT);
	if (r != 0)
		FAIL("recv after the guest's RST: %zd (%s), expected end of stream",
		     r, r < 0 ? strerror(errno) : "data");
	close(s);
}

/*
 * The host sends more in one packet than a guest buffer holds (64 KiB from
 * one send(), one AF_VSOCK packet, into 4 KiB buffers): the device sends it
 * in parts, each within its buffer, and the guest gets every byte in order.
 */
static void host_packet_larger_than_guest_buffer_arrives_whole(void)
{
	uint32_t seed = (uint32_t)getpid();
	uint16_t before;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	before = vr_used_idx(&v.vr[VVS_RX]);
	host_to_guest(&v, s, VVS_TXSLOT, seed);
	CHECK((uint16_t)(vr_used_idx(&v.vr[VVS_RX]) - before) >=
	      VVS_TXSLOT / (VVS_RXBUF - sizeof(struct virtio_vsock_hdr)),
	      "64 KiB took only %u receive buffers",
	      (uint16_t)(vr_used_idx(&v.vr[VVS_RX]) - before));
	close(s);
}

/*
 * SIOCOUTQ on the host socket counts bytes the guest has not got yet: 0
 * once it has everything, also after packets that went out in parts (a
 * device that shrinks the packet as it goes leaves the parts sent before
 * the last counted for ever). Kernels whose AF_VSOCK has no SIOCOUTQ
 * (6.1) SKIP.
 */
static void host_outq_empty_once_guest_has_split_packets(void)
{
	uint32_t seed = (uint32_t)getpid(), hport;
	struct vvs_pkt p;
	struct vvs v;
	int s, outq;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	hport = host_port_of(s);
	if (ioctl(s, SIOCOUTQ, &outq)) {
		if (errno == EOPNOTSUPP || errno == ENOTTY)
			SKIP("SIOCOUTQ on AF_VSOCK: %s (not in this kernel)",
			     strerror(errno));
		FAIL("SIOCOUTQ: %s", strerror(errno));
	}
	CHECK(outq == 0, "SIOCOUTQ %d before anything was sent", outq);
	for (unsigned int i = 0; i < 4; i++)
		host_to_guest(&v, s, VVS_TXSLOT - 1000 * i, seed + i);
	/*
	 * The device is done with the last packet before it writes the answer
	 * to a later request: ask for credit and wait for it.
	 */
	vvs_send(&v, VIRTIO_VSOCK_TYPE_STREAM, VIRTIO_VSOCK_OP_CREDIT_REQUEST,
		 GUEST_PORT, hport, 0, NULL, 0);
	vvs_expect(&v, &p, VIRTIO_VSOCK_OP_CREDIT_UPDATE, "credit request");
	if (ioctl(s, SIOCOUTQ, &outq))
		FAIL("SIOCOUTQ: %s", strerror(errno));
	CHECK(outq == 0, "SIOCOUTQ %d after the guest got all the host sent",
	      outq);
	close(s);
}

/* A guest packet with every header field given, credit fields included. */
static void send_credit(struct vvs *v, uint16_t op, uint32_t hport,
			uint32_t buf_alloc, uint32_t fwd_cnt)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(v->cid),
		.dst_cid = htole64(VVS_HOST_CID),
		.src_port = htole32(GUEST_PORT),
		.dst_port = htole32(hport),
		.type = htole16(VIRTIO_VSOCK_TYPE_STREAM),
		.op = htole16(op),
		.buf_alloc = htole32(buf_alloc),
		.fwd_cnt = htole32(fwd_cnt),
	};

	vvs_send_raw(v, &h, NULL, 0);
}

/*
 * The host sends @len bytes; whenever it runs out of credit the guest
 * announces @buf_alloc and its true fwd_cnt. Everything sent arrives
 * intact, nothing more, and only ever in buffers the guest posted
 * (vvs_recv checks each used entry).
 */
static void host_sends_under_guest_credit(struct vvs *v, int s, size_t len,
					  uint32_t buf_alloc, uint32_t seed)
{
	static uint8_t big[1u << 20], got[1u << 20];
	uint32_t hport = host_port_of(s);
	size_t sent = 0, have = 0;
	bool told = false;
	struct vvs_pkt p;

	fill(big, len, seed);
	while (have < len) {
		if (sent < len) {
			ssize_t r = send(s, big + sent, len - sent,
					 MSG_DONTWAIT);

			if (r > 0)
				sent += (size_t)r;
			else if (errno != EAGAIN)
				FAIL("host send: %s", strerror(errno));
		}
		if (have == sent) {
			struct pollfd pfd = { .fd = s, .events = POLLOUT };

			/* The host is out of credit: say where the guest is. */
			if (!told) {
				send_credit(v, VIRTIO_VSOCK_OP_CREDIT_UPDATE,
					    hport, buf_alloc, v->fwd_cnt);
				told = true;
			} else if (poll(&pfd, 1, VT_WAIT_MS) != 1) {
				FAIL("no credit: buf_alloc %u fwd_cnt 0x%x, sent %zu of %zu",
				     buf_alloc, v->fwd_cnt, sent, len);
			}
			continue;
		}
		if (!vvs_recv(v, &p, VT_WAIT_MS))
			FAIL("stalled: host sent %zu of %zu, guest has %zu",
			     sent, len, have);
		if (p.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE ||
		    p.op == VIRTIO_VSOCK_OP_CREDIT_REQUEST)
			continue;
		if (p.op != VIRTIO_VSOCK_OP_RW || p.len > sent - have)
			FAIL("op %u with %u bytes at %zu, host sent %zu", p.op,
			     p.len, have, sent);
		memcpy(got + have, p.data, p.len);
		have += p.len;
		told = false;
	}
	if (memcmp(got, big, len))
		FAIL("%zu bytes arrived changed", len);
}

/*
 * CVE-2026-23069's class: a guest announces buf_alloc 0xffffffff and
 * fwd_cnt values that wrap past 2^32 or run ahead of what it was sent.
 * Credit arithmetic is AF_VSOCK's shared virtio code; the device computes
 * nothing from these fields (it copies guest headers through unread and
 * writes host packets only into posted buffers). A catalogue entry: the
 * host keeps working, writes only into posted buffers, data stays intact,
 * and the ring from the guest still works afterwards.
 */
static void guest_credit_wrap_keeps_host_sane(void)
{
	uint32_t seed = (uint32_t)getpid(), hport;
	struct vvs v;
	int s;

	vvs_setup(&v, NULL);
	s = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	hport = host_port_of(s);
	/* fwd_cnt near 2^32: it wraps within the first 64 KiB received. */
	v.fwd_cnt = 0xffff0000u;
	send_credit(&v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, hport, 0xffffffffu,
		    v.fwd_cnt);
	host_sends_under_guest_credit(&v, s, 1u << 20, 0xffffffffu, seed);
	/* fwd_cnt ahead of what the guest was sent, by 2^31. */
	send_credit(&v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, hport, 0xffffffffu,
		    v.fwd_cnt + 0x80000000u);
	host_sends_under_guest_credit(&v, s, 256u << 10, 0xffffffffu,
				      seed + 1);
	/* And back to the truth, with no space at all, then some. */
	send_credit(&v, VIRTIO_VSOCK_OP_CREDIT_UPDATE, hport, 0, v.fwd_cnt);
	host_sends_under_guest_credit(&v, s, 64u << 10, VVS_BUF_ALLOC,
				      seed + 2);
	guest_to_host(&v, s, VIRTIO_VSOCK_TYPE_STREAM, GUEST_PORT, hport,
		      4000, seed + 3);
	close(s);
}

/*
 * AF_VSOCK sockets (any state) connected to @cid, by sock_diag (the
 * vsock_diag module, loaded on demand); -1 if the kernel has none.
 */
static int vsock_sockets_to(uint32_t cid)
{
	struct {
		struct nlmsghdr nh;
		struct vsock_diag_req r;
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = AF_VSOCK, .vdiag_states = ~0u },
	};
	static char rb[32768];
	int fd, n = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		FAIL("socket(NETLINK_SOCK_DIAG): %s", strerror(errno));
	if (send(fd, &req, sizeof(req), 0) != sizeof(req))
		FAIL("sock_diag request: %s", strerror(errno));
	for (;;) {
		ssize_t len = recv(fd, rb, sizeof(rb), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)rb;

		if (len < 0)
			FAIL("sock_diag recv: %s", strerror(errno));
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			const struct vsock_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return n;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -1;
			}
			if (m->vdiag_dst_cid == cid)
				n++;
		}
	}
}

/*
 * Host sockets closed while the guest is alive wait for its answer, then
 * the guest goes (the device is closed): resetting them would make their
 * close timeout (8 s) skip its work and leave them connected for ever, so
 * the device leaves them be, and they are gone once the timeout ran. No
 * event marks that: the case looks again every 100 ms, for at most the
 * timeout and VT_WAIT_MS more.
 */
static void host_closed_sockets_freed_after_guest_goes(void)
{
	enum { N = 16, CLOSE_TIMEOUT_MS = 8000 };
	int n, s[N], waited = 0;
	struct vvs v;

	vvs_setup(&v, NULL);
	for (unsigned int i = 0; i < N; i++)
		s[i] = host_connects(&v, SOCK_STREAM, VIRTIO_VSOCK_TYPE_STREAM);
	/* Each sends SHUTDOWN; the guest never answers. */
	for (unsigned int i = 0; i < N; i++)
		close(s[i]);
	n = vsock_sockets_to(v.cid);
	if (n < 0)
		SKIP("no AF_VSOCK sock_diag (vsock_diag) in this kernel");
	CHECK(n == N, "%d sockets to the guest after %d closed unanswered", n,
	      N);
	close(v.fd);
	while ((n = vsock_sockets_to(v.cid)) > 0 &&
	       waited < CLOSE_TIMEOUT_MS + VT_WAIT_MS) {
		poll(NULL, 0, 100);
		waited += 100;
	}
	CHECK(n == 0, "%d of %d closed sockets still there %d ms after the guest went",
	      n, N, waited);
}

static const struct vt_case cases[] = {
	VT_CASE(features_offer_seqpacket),
	VT_CASE(set_guest_cid_rejects_reserved_cids),
	VT_CASE(set_guest_cid_taken_by_another_device),
	VT_CASE(set_guest_cid_before_owner_then_owner_only),
	VT_CASE(host_connects_to_guest_stream),
	VT_CASE(guest_connects_to_host_listener),
	VT_CASE(guest_connect_to_closed_port_gets_rst),
	VT_CASE(device_close_resets_host_connections),
	VT_CASE(host_connect_to_unknown_cid_fails),
	VT_CASE(seqpacket_keeps_message_boundaries),
	VT_CASE(stopped_device_keeps_host_data_until_running),
	VT_CASE(malformed_guest_packets_are_dropped),
	VT_CASE(host_to_guest_stays_within_guest_credit),
	VT_CASE(guest_to_host_within_host_credit),
	VT_CASE(unwritable_receive_buffer_signals_error),
	VT_CASE(guest_reset_then_rst_ends_host_stream),
	VT_CASE(host_packet_larger_than_guest_buffer_arrives_whole),
	VT_CASE(host_outq_empty_once_guest_has_split_packets),
	VT_CASE(guest_credit_wrap_keeps_host_sane),
	VT_CASE(host_closed_sockets_freed_after_guest_goes),
};

VT_MAIN("vsock", cases)
