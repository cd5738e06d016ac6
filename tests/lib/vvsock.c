// SPDX-License-Identifier: GPL-2.0
/* The virtio-vsock guest driver of the suites; see vvsock.h. */
#include "vt.h"
#include "vvsock.h"

#include <endian.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/vm_sockets.h>

const char *vvs_dev_path(void)
{
	const char *p = getenv("VHOST_VSOCK_DEV");

	return p && *p ? p : "/dev/vhost-vsock";
}

long vh_vsock_set_cid(int fd, uint64_t cid)
{
	return vh_ioctl(fd, VHOST_VSOCK_SET_GUEST_CID, &cid);
}

long vh_vsock_set_running(int fd, int run)
{
	return vh_ioctl(fd, VHOST_VSOCK_SET_RUNNING, &run);
}

/* A CID of our own: cases of parallel suites never meet. */
uint32_t vvs_default_cid(void)
{
	return 1000u + (uint32_t)getpid() % 1000000u;
}

static void ring_setup(struct vvs *v, unsigned int idx)
{
	struct vring_cfg cfg = { .num = v->o.num };

	vt_guest_ring(v->fd, idx, &v->vr[idx], &v->mem, &cfg);
}

/* Post receive buffer i (one device-writable descriptor). */
static void post_rx(struct vvs *v, unsigned int i)
{
	struct vt_buf b = { v->rx_gpa + (uint64_t)i * VVS_RXBUF, VVS_RXBUF };

	if (vr_add(&v->vr[VVS_RX], &b, 0, 1, 0, (void *)(uintptr_t)(i + 1)) < 0)
		FAIL("cannot post receive buffer %u", i);
}

void vvs_setup(struct vvs *v, const struct vvs_opts *o)
{
	memset(v, 0, sizeof(*v));
	if (o)
		v->o = *o;
	if (!v->o.num)
		v->o.num = 128;
	if (!v->o.features)
		v->o.features = VT_F_VERSION_1;
	v->fd = vt_guest_open(vvs_dev_path(), v->o.features, &v->mem, 16u << 20);
	v->features = v->o.features;
	ring_setup(v, VVS_RX);
	ring_setup(v, VVS_TX);
	v->rx_area = gmem_alloc_p(&v->mem, (size_t)v->o.num * VVS_RXBUF,
				  VT_PAGE, &v->rx_gpa);
	v->tx_area = gmem_alloc_p(&v->mem, (size_t)v->o.num * VVS_TXSLOT,
				  VT_PAGE, &v->tx_gpa);
	for (unsigned int i = 0; i < v->o.num; i++)
		post_rx(v, i);
	vr_publish(&v->vr[VVS_RX]);
	if (!v->o.no_cid) {
		v->cid = v->o.cid ? v->o.cid : vvs_default_cid();
		EXPECT_OK(vh_vsock_set_cid(v->fd, v->cid));
	}
	if (!v->o.no_start)
		vvs_start(v);
}

void vvs_start(struct vvs *v)
{
	EXPECT_OK(vh_vsock_set_running(v->fd, 1));
}

void vvs_restart(struct vvs *v)
{
	EXPECT_OK(vh_vsock_set_running(v->fd, 0));
	for (unsigned int i = 0; i < VVS_NVQS; i++) {
		close(v->vr[i].kick_fd);
		close(v->vr[i].call_fd);
		close(v->vr[i].err_fd);
	}
	ring_setup(v, VVS_RX);
	ring_setup(v, VVS_TX);
	v->tx_next = 0;
	v->fwd_cnt = 0;
	for (unsigned int i = 0; i < v->o.num; i++)
		post_rx(v, i);
	vr_publish(&v->vr[VVS_RX]);
	vvs_start(v);
}

/* Take back the TX slots the device is done with. */
static void reap_tx(struct vvs *v, bool wait)
{
	struct vring_drv *vr = &v->vr[VVS_TX];
	struct vt_used u;

	if (wait && vr_wait_used(vr, 1, VT_WAIT_MS) < 0)
		FAIL("TX ring full and no chain used within %d ms", VT_WAIT_MS);
	while (vr_get_used(vr, &u) > 0)
		;
}

void vvs_send_raw(struct vvs *v, const struct virtio_vsock_hdr *h,
		  const void *data, uint32_t len)
{
	struct vring_drv *vr = &v->vr[VVS_TX];
	unsigned int slot;
	struct vt_buf b[2];
	uint8_t *p;

	if (len > VVS_TXSLOT - sizeof(*h))
		FAIL("packet of %u bytes does not fit a TX slot", len);
	reap_tx(v, false);
	if (!vr->num_free)
		reap_tx(v, true);
	slot = v->tx_next++ % v->o.num;
	p = v->tx_area + (size_t)slot * VVS_TXSLOT;
	memcpy(p, h, sizeof(*h));
	if (len)
		memcpy(p + sizeof(*h), data, len);
	b[0] = (struct vt_buf){ v->tx_gpa + (uint64_t)slot * VVS_TXSLOT,
				sizeof(*h) };
	b[1] = (struct vt_buf){ b[0].addr + sizeof(*h), len };
	if (vr_add(vr, b, len ? 2 : 1, 0, 0, NULL) < 0)
		FAIL("cannot queue a TX packet");
	vr_publish_kick(vr);
}

void vvs_send(struct vvs *v, uint16_t type, uint16_t op, uint32_t src_port,
	      uint32_t dst_port, uint32_t flags, const void *data,
	      uint32_t len)
{
	struct virtio_vsock_hdr h = {
		.src_cid = htole64(v->cid),
		.dst_cid = htole64(VVS_HOST_CID),
		.src_port = htole32(src_port),
		.dst_port = htole32(dst_port),
		.len = htole32(len),
		.type = htole16(type),
		.op = htole16(op),
		.flags = htole32(flags),
		.buf_alloc = htole32(VVS_BUF_ALLOC),
		.fwd_cnt = htole32(v->fwd_cnt),
	};

	vvs_send_raw(v, &h, data, len);
}

bool vvs_recv(struct vvs *v, struct vvs_pkt *p, int timeout_ms)
{
	struct vring_drv *vr = &v->vr[VVS_RX];
	struct virtio_vsock_hdr h;
	unsigned int i;
	struct vt_used u;
	uint8_t *b;

	if (vr_wait_used(vr, 1, timeout_ms) < 0)
		return false;
	if (vr_get_used(vr, &u) != 1)
		FAIL("RX used entry names head %u, not a posted buffer", u.id);
	i = (unsigned int)(uintptr_t)u.cookie - 1;
	b = v->rx_area + (size_t)i * VVS_RXBUF;
	if (u.len < sizeof(h) || u.len > VVS_RXBUF)
		FAIL("RX buffer %u used with len %u", i, u.len);
	memcpy(&h, b, sizeof(h));
	p->src_cid = le64toh(h.src_cid);
	p->dst_cid = le64toh(h.dst_cid);
	p->src_port = le32toh(h.src_port);
	p->dst_port = le32toh(h.dst_port);
	p->len = le32toh(h.len);
	p->type = le16toh(h.type);
	p->op = le16toh(h.op);
	p->flags = le32toh(h.flags);
	p->buf_alloc = le32toh(h.buf_alloc);
	p->fwd_cnt = le32toh(h.fwd_cnt);
	if (p->len != u.len - sizeof(h))
		FAIL("RX packet header says %u payload bytes, used len %u",
		     p->len, u.len);
	memcpy(p->data, b + sizeof(h), p->len);
	if (p->op == VIRTIO_VSOCK_OP_RW)
		v->fwd_cnt += p->len;
	post_rx(v, i);
	vr_publish_kick(vr);
	return true;
}

void vvs_expect(struct vvs *v, struct vvs_pkt *p, uint16_t op,
		const char *what)
{
	/* Credit updates come whenever the host consumed data: skipped. */
	do {
		if (!vvs_recv(v, p, VT_WAIT_MS))
			FAIL("%s: no packet for the guest within %d ms", what,
			     VT_WAIT_MS);
	} while (p->op == VIRTIO_VSOCK_OP_CREDIT_UPDATE &&
		 op != VIRTIO_VSOCK_OP_CREDIT_UPDATE);
	if (p->op != op)
		FAIL("%s: packet op %u (src %llu:%u dst %llu:%u), expected %u",
		     what, p->op, (unsigned long long)p->src_cid, p->src_port,
		     (unsigned long long)p->dst_cid, p->dst_port, op);
}

int vvs_host_connect_start(struct vvs *v, int type, uint32_t port)
{
	struct sockaddr_vm a = {
		.svm_family = AF_VSOCK, .svm_cid = v->cid, .svm_port = port,
	};
	int s = socket(AF_VSOCK, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (s < 0)
		FAIL("socket(AF_VSOCK): %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 ||
	    errno != EINPROGRESS)
		FAIL("connect to %u:%u: %s (expected EINPROGRESS)", v->cid,
		     port, strerror(errno));
	return s;
}

void vvs_host_connect_finish(struct vvs *v, int s, uint16_t vtype,
			     uint32_t port, uint32_t hport)
{
	struct pollfd pfd = { .fd = s, .events = POLLOUT };
	int err;
	socklen_t sl = sizeof(err);

	vvs_send(v, vtype, VIRTIO_VSOCK_OP_RESPONSE, port, hport, 0, NULL, 0);
	if (poll(&pfd, 1, VT_WAIT_MS) != 1)
		FAIL("the host's connect did not complete within %d ms",
		     VT_WAIT_MS);
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &sl) || err)
		FAIL("connect: %s", strerror(err));
}
