/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network plumbing for the vhost-net suites: a private network namespace
 * per case, tap / macvtap / veth devices, AF_PACKET sockets, and test
 * frames with known contents.
 *
 * Every case that touches the network first calls nd_private_netns():
 * its interfaces live in a namespace of their own and vanish with the
 * case's process, IPv6 is off on every new interface (no autoconf or
 * router-solicitation frames), and nothing can leave the VM.
 *
 * Test frames carry locally-administered MACs (02:76:74:...) and either
 * the local experimental ethertype 0x88b5 or an IPv4 link-local
 * (169.254.x.x) TCP/UDP packet.  Receivers filter on those MACs, so
 * stray frames never break a byte check.
 */
#ifndef VT_NETDEV_H
#define VT_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <linux/virtio_net.h>

#define ND_ETH_P_TEST	0x88b5
#define ND_ETH_HLEN	14
/* Largest frame a tap carries without GSO: 14 + its max MTU (65521). */
#define ND_MAX_FRAME	65535u
#define ND_TAP_MAX_MTU	65521

extern const uint8_t nd_mac_guest[6];	/* the guest's (vhost side) MAC */
extern const uint8_t nd_mac_peer[6];	/* the far end's MAC */

/* The frame sizes net_tx and net_rx send: 60 bytes to ND_MAX_FRAME. */
#define ND_NFRAME_SIZES	27
extern const uint32_t nd_frame_sizes[ND_NFRAME_SIZES];

/* ------------------------------------------------------------------ */
/* namespaces and interfaces                                            */

/*
 * Move the calling case into a new network and mount namespace with a
 * private sysfs (so /sys/class/net shows this namespace) and IPv6
 * disabled on every interface created afterwards.  SKIPs if the kernel
 * cannot (no CLONE_NEWNET).  Only the first call in a case does anything.
 */
void nd_private_netns(void);

/*
 * Open /dev/net/tun and TUNSETIFF: flags are IFF_TAP | IFF_NO_PI plus
 * extras (IFF_VNET_HDR, IFF_MULTI_QUEUE).  name: in/out, IFNAMSIZ; an
 * empty name lets the kernel pick "vtnet%d".  Returns the fd or -errno.
 */
int nd_tap_open(char *name, unsigned int extra_flags);
/* Same, FAILing on error; the interface is brought up with MTU mtu (0: keep). */
int nd_tap_create(char *name, unsigned int extra_flags, int mtu);
void nd_tap_set_vnet_hdr_sz(int fd, int sz);
void nd_tap_set_offload(int fd, unsigned int tun_f_flags);

int nd_ifindex(const char *name);		/* FAILs if missing */
void nd_if_up(const char *name);
void nd_if_set_mtu(const char *name, int mtu);
void nd_if_get_mac(const char *name, uint8_t mac[6]);

/* Run a shell command (through /bin/sh); returns its exit status or -1. */
int nd_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A veth pair a <-> b, both up (SKIPs if the kernel lacks veth). */
void nd_veth_pair(const char *a, const char *b, int mtu);
/*
 * A macvtap named name on lower (mode bridge, MAC mac), up, and its
 * character device opened O_RDWR.  SKIPs if the kernel lacks macvtap.
 */
int nd_macvtap_open(const char *name, const char *lower,
		    const uint8_t mac[6]);

/* ------------------------------------------------------------------ */
/* AF_PACKET sockets                                                    */

#define ND_PS_VNET_HDR		0x1	/* PACKET_VNET_HDR: 10-byte header */
#define ND_PS_KEEP_OUTGOING	0x2	/* also see frames the host sends */
#define ND_PS_SEND_ONLY		0x4	/* protocol 0: receives nothing */

/* SOCK_RAW socket bound to ifindex (ETH_P_ALL unless send-only), big buffers. */
int nd_packet_socket(int ifindex, unsigned int flags);

/* Send one frame out of the socket's interface; FAILs on error. */
void nd_send(int fd, const void *frame, size_t len);
/* Same through a ND_PS_VNET_HDR socket, with a virtio-net header. */
void nd_send_vnet(int fd, const struct virtio_net_hdr *h, const void *frame,
		  size_t len);

/*
 * Next test frame (source MAC src, so foreign frames are skipped) on the
 * socket within timeout_ms: its length, 0 on timeout.  With a vnet-header
 * socket *h receives the header.  Frames longer than cap FAIL.
 */
long nd_recv_from(int fd, const uint8_t src[6], void *buf, size_t cap,
		  struct virtio_net_hdr *h, int timeout_ms);
/* True if a test frame from src is already queued on the socket. */
bool nd_frame_pending(int fd, const uint8_t src[6]);

/* ------------------------------------------------------------------ */
/* test frames                                                          */

enum nd_kind {
	ND_RAW,		/* ethertype 0x88b5, tag right after the header */
	ND_TCP4,	/* IPv4 + TCP (20 + 20 bytes), tag in the payload */
	ND_UDP4,	/* IPv4 + UDP (20 + 8 bytes), tag in the payload */
};

#define ND_L3_OFF	14
#define ND_L4_OFF	34
#define ND_TCP_CSUM_OFF	16
#define ND_UDP_CSUM_OFF	6

/* Smallest frame of a kind (headers plus the 12-byte tag). */
size_t nd_min_len(enum nd_kind kind);

/*
 * Build a frame of len bytes: to_guest picks the MAC direction (peer ->
 * guest, else guest -> peer); seq and seed pick the contents (for IP
 * kinds seq also picks the ports, i.e. the flow).
 */
void nd_frame_build(uint8_t *buf, size_t len, enum nd_kind kind, bool to_guest,
		    uint32_t seq, uint32_t seed);
/* The seq tag of a frame built by nd_frame_build (-1 if malformed). */
long nd_frame_seq(const uint8_t *buf, size_t len, enum nd_kind kind);
/*
 * FAIL unless got (got_len bytes) is exactly the frame nd_frame_build
 * makes for (want_len, kind, to_guest, seq, seed); what names it.
 */
void nd_frame_check(const uint8_t *got, size_t got_len, size_t want_len,
		    enum nd_kind kind, bool to_guest, uint32_t seq,
		    uint32_t seed, const char *what);

#endif
