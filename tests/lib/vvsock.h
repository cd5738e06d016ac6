/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-vsock guest driver for the suites: guest memory, ring 0 (the
 * device writes packets for the guest into posted buffers) and ring 1
 * (the guest sends packets), on /dev/vhost-vsock (VHOST_VSOCK_DEV
 * overrides the path).
 */
#ifndef VT_VVSOCK_H
#define VT_VVSOCK_H

#include "fixture.h"

#include <linux/virtio_vsock.h>

#define VVS_RX 0
#define VVS_TX 1
#define VVS_NVQS 2

#define VT_F_SEQPACKET	(1ull << VIRTIO_VSOCK_F_SEQPACKET)

#define VVS_HOST_CID	2u
#define VVS_RXBUF	4096u	/* one buffer: header + payload */
#define VVS_TXSLOT	(64u << 10)
#define VVS_BUF_ALLOC	(256u << 10)	/* the guest's receive space */

struct vvs_opts {
	uint64_t features;	/* default VERSION_1 */
	unsigned int num;	/* ring size, default 128 */
	uint32_t cid;		/* default: one of our own per process */
	bool no_cid;		/* leave the CID unset */
	bool no_start;		/* leave VHOST_VSOCK_SET_RUNNING to the case */
};

struct vvs {
	int fd;
	struct vvs_opts o;
	struct gmem mem;
	struct vring_drv vr[VVS_NVQS];
	uint64_t features;
	uint32_t cid;
	uint8_t *rx_area;
	uint64_t rx_gpa;
	uint8_t *tx_area;
	uint64_t tx_gpa;
	unsigned int tx_next;
	uint32_t fwd_cnt;	/* payload bytes the guest consumed */
};

/* A received packet: header in host order, payload copied out. */
struct vvs_pkt {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len, flags, buf_alloc, fwd_cnt;
	uint16_t type, op;
	uint8_t data[VVS_RXBUF];
};

const char *vvs_dev_path(void);
long vh_vsock_set_cid(int fd, uint64_t cid);
long vh_vsock_set_running(int fd, int run);
uint32_t vvs_default_cid(void);

void vvs_setup(struct vvs *v, const struct vvs_opts *o);
void vvs_start(struct vvs *v);
/*
 * The guest driver starts over, as after a guest reset: the device is
 * stopped, both rings are set up anew in fresh ring memory (indexes from 0,
 * every receive buffer posted again, no connection state) and it runs again.
 */
void vvs_restart(struct vvs *v);

/* Guest to host: one packet (header + payload) on ring 1, kicked. */
void vvs_send(struct vvs *v, uint16_t type, uint16_t op, uint32_t src_port,
	      uint32_t dst_port, uint32_t flags, const void *data,
	      uint32_t len);
/* The same with every header field given (for malformed packets). */
void vvs_send_raw(struct vvs *v, const struct virtio_vsock_hdr *h,
		  const void *data, uint32_t len);

/* Host to guest: the next packet within timeout_ms; false if none. */
bool vvs_recv(struct vvs *v, struct vvs_pkt *p, int timeout_ms);
/*
 * The next packet, which must have this op (FAIL otherwise); credit
 * updates before it are skipped unless that is the op expected.
 */
void vvs_expect(struct vvs *v, struct vvs_pkt *p, uint16_t op,
		const char *what);

/*
 * The host connects to the guest's @port: a nonblocking AF_VSOCK socket of
 * @type (SOCK_STREAM, SOCK_SEQPACKET) whose connect is in progress.
 */
int vvs_host_connect_start(struct vvs *v, int type, uint32_t port);
/*
 * The guest accepts: a RESPONSE (of virtio type @vtype) from its @port to
 * the host's @hport (the REQUEST's source), after which the host's connect
 * on @s must complete.
 */
void vvs_host_connect_finish(struct vvs *v, int s, uint16_t vtype,
			     uint32_t port, uint32_t hport);

#endif /* VT_VVSOCK_H */
