/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-net fixture: one /dev/vhost-net fd as the backend of a virtio-net
 * device whose two rings we drive as the guest (ring 0 RX, ring 1 TX),
 * with a tap as the socket backend and two AF_PACKET sockets on the tap:
 * one sees what vhost transmits ("capture"), one sends frames that the
 * tap queues toward vhost ("inject").
 *
 * Header modes (the virtio-net header is 12 bytes with MRG_RXBUF or
 * VERSION_1, else 10):
 *   VNET_HDR_VHOST  VHOST_NET_F_VIRTIO_NET_HDR acked: vhost strips the
 *                   guest's header on TX and writes one on RX; the tap
 *                   has no IFF_VNET_HDR.
 *   VNET_HDR_TAP    not acked: the tap (IFF_VNET_HDR, TUNSETVNETHDRSZ)
 *                   reads and writes the header itself.
 *
 * Every function FAILs the case on an unexpected error.
 */
#ifndef VT_VNET_H
#define VT_VNET_H

#include "fixture.h"
#include "iotlb.h"
#include "netdev.h"

#define VNET_RX 0
#define VNET_TX 1
#define VNET_NVQS 2

#define VT_F_NET_HDR	BIT_ULL(VHOST_NET_F_VIRTIO_NET_HDR)
#define VT_F_MRG_RXBUF	BIT_ULL(VIRTIO_NET_F_MRG_RXBUF)
#define VT_F_IN_ORDER	BIT_ULL(35)
#define VT_F_RING_RESET	BIT_ULL(40)

#define VNET_MAX_MERGE	128	/* buffers one received frame may span */

enum vnet_hdr_mode { VNET_HDR_VHOST, VNET_HDR_TAP };

struct vnet_opts {
	enum vnet_hdr_mode mode;
	uint64_t features;	/* 0: VERSION_1 | INDIRECT (NET_HDR per mode) */
	unsigned int num;	/* ring size, default 256 */
	uint16_t base;		/* initial ring index (avail = used = base) */
	size_t mem_size;	/* default 64 MiB */
	unsigned int tap_flags;	/* extra TUNSETIFF flags (IFF_MULTI_QUEUE) */
	int mtu;		/* tap MTU, default ND_TAP_MAX_MTU */
	const char *tap_name;	/* open another queue of this tap */
	bool no_tap;		/* the case brings its own backend */
	bool no_attach;		/* leave both rings without a backend */
	uint8_t *log_bitmap;	/* VHOST_SET_LOG_BASE + VHOST_VRING_F_LOG */
	bool iotlb;		/* VIRTIO_F_ACCESS_PLATFORM: addresses are IOVAs
				 * (= gmem gpas); the rings are pre-mapped, a
				 * thread answers misses */
	unsigned int tx_slots;	/* TX chains in flight at most, default 64 */
};

/* An RX buffer: up to 4 writable segments with gaps between them. */
struct vnet_rxbuf {
	unsigned int nseg;
	struct vt_buf seg[4];
	uint8_t *hva[4];
	uint8_t *area;		/* segments and gaps */
	size_t area_len;
	uint32_t len;		/* sum of the segments */
	bool posted;
};

/* Where the last received frame went (for dirty-log checks). */
struct vnet_rx_rec {
	unsigned int nused;
	unsigned int buf[VNET_MAX_MERGE];
	uint32_t len[VNET_MAX_MERGE];
	uint16_t used_idx_before;
};

enum {
	VNET_L_SPLIT = 0,	/* TX: header desc + frame desc; RX: one desc */
	VNET_L_ONE,		/* TX: header and frame in one desc */
	VNET_L_HDR_SPLIT,	/* RX: header desc + data desc */
	VNET_L_SCATTER,		/* header split too, frame in several descs */
	VNET_L_INDIRECT = 0x100,	/* flag: through an indirect table */
};

struct vnet {
	int fd;
	struct vnet_opts o;
	struct gmem mem;
	struct vring_drv vr[VNET_NVQS];
	uint64_t features;
	unsigned int hdr_len;
	bool mrg;
	struct iotlb_server *iotlb;

	int tap_fd;
	char ifname[IFNAMSIZ];
	int ifindex;
	int cap_fd;		/* frames vhost transmitted (from nd_mac_guest) */
	int inj_fd;		/* frames toward the guest */

	uint8_t *tx_area;
	uint64_t tx_gpa;
	size_t tx_slot_len;
	unsigned int tx_slots, tx_next;

	struct vnet_rxbuf *rxb;
	unsigned int rx_nbuf, rx_layout;
	bool rx_autopost;	/* repost buffers as frames are consumed */
	struct vnet_rx_rec rec;
};

const char *vnet_dev_path(void);	/* VHOST_NET_DEV or /dev/vhost-net */
int vnet_open_fd(void);			/* FAILs if it cannot be opened */
long vh_net_set_backend(int fd, unsigned int idx, int bfd);

/* The virtio-net header length for a feature set. */
unsigned int vnet_hdr_len(uint64_t features);

/* private netns (once per case) + device + rings + tap + sockets (+ attach) */
void vnet_setup(struct vnet *n, const struct vnet_opts *o);
/*
 * (Re)configure ring idx from scratch: a new ring in guest memory with
 * o.num entries at index o.base, new eventfds (the ring must have no
 * backend).  RX buffers are all considered unposted afterwards.
 */
void vnet_ring_setup(struct vnet *n, unsigned int idx);
void vnet_attach(struct vnet *n, unsigned int ring, int bfd);
void vnet_attach_tap(struct vnet *n);	/* both rings to n->tap_fd */
void vnet_detach(struct vnet *n, unsigned int ring);
/* FAIL if either ring's error eventfd has fired. */
void vnet_expect_no_ring_error(struct vnet *n);

/* ---- TX: the guest sends ---- */

/* Queue hdr (n->hdr_len bytes; NULL = all zero) + frame; returns the head. */
int vnet_tx_add(struct vnet *n, const void *hdr, const uint8_t *frame,
		size_t len, unsigned int layout);
/* Build a test frame (toward the peer) and queue it with a zero header. */
int vnet_tx_add_frame(struct vnet *n, enum nd_kind kind, uint32_t seq,
		      uint32_t seed, size_t len, unsigned int layout);
void vnet_tx_kick(struct vnet *n);
/* Consume count TX used entries (each used.len must be 0). */
void vnet_tx_complete(struct vnet *n, unsigned int count, int timeout_ms);
/* The next frame vhost transmitted must be this one (on socket fd). */
void vnet_expect_frame_on(struct vnet *n, int fd, enum nd_kind kind,
			  uint32_t seq, uint32_t seed, size_t len);
void vnet_cap_expect(struct vnet *n, enum nd_kind kind, uint32_t seq,
		     uint32_t seed, size_t len);
/* One raw frame out and back: added, kicked, seen on the tap, completed. */
void vnet_tx_one(struct vnet *n, uint32_t seq, uint32_t seed, size_t len);

/* ---- RX: the guest receives ---- */

/* Allocate nbuf receive buffers of buf_len bytes in a layout. */
void vnet_rx_bufs(struct vnet *n, unsigned int nbuf, uint32_t buf_len,
		  unsigned int layout);
/* Post up to count buffers that are not posted (publish + kick); returns how many. */
unsigned int vnet_rx_post(struct vnet *n, unsigned int count);
/*
 * Receive one frame: its length (0 on timeout, nothing used), the header
 * in *hdr (12 bytes; only hdr_len meaningful) and the number of buffers
 * in *nbufs.  Checks used ids, used.len vs buffer sizes, that mergeable
 * buffers before the last are full, and that nothing beyond used.len
 * (nor any gap between segments) was written.
 */
long vnet_rx_recv(struct vnet *n, uint8_t *frame, size_t cap,
		  struct virtio_net_hdr_mrg_rxbuf *hdr, unsigned int *nbufs,
		  int timeout_ms);
/* The header vhost/tap writes for a plain frame: all zero, num_buffers. */
void vnet_rx_check_plain_hdr(struct vnet *n,
			     const struct virtio_net_hdr_mrg_rxbuf *hdr,
			     unsigned int nbufs);
/* Send a test frame toward the guest through fd (default n->inj_fd). */
void vnet_inject(struct vnet *n, enum nd_kind kind, uint32_t seq,
		 uint32_t seed, size_t len);
void vnet_inject_on(int fd, enum nd_kind kind, uint32_t seq, uint32_t seed,
		    size_t len);
/* Receive one frame, which must be this one with a plain header. */
unsigned int vnet_rx_expect(struct vnet *n, enum nd_kind kind, uint32_t seq,
			    uint32_t seed, size_t len);

/*
 * Set vhost_net's experimental_zcopytx to @on for devices opened next
 * (SKIP if it cannot be read or changed); returns the value it had.
 */
bool vnet_zcopy_param_set(bool on);

/*
 * A plugged path for net frames, in a private network namespace: the tap
 * is a bridge port next to a dummy device whose root qdisc is "plug", so
 * every frame the guest sends waits in the stack until released.  A helper
 * outside the case's process group deletes the qdisc when the case ends,
 * whatever way it ends (frames left in the plug would keep the namespace
 * alive).  SKIP without bridge, dummy or plug support.
 */
void vnet_plug_create(void);
/* Put the tap into the bridge; closes the capture socket on it. */
void vnet_plug_attach_tap(struct vnet *n);
/* Wait until the plug holds >= @want frames, or with @want 0 none. */
void vnet_plug_wait_backlog(long want);
void vnet_plug_release(void);

#endif
