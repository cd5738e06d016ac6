/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-scsi guest driver for the suites, on /dev/vhost-scsi
 * (VHOST_SCSI_DEV overrides the path): ring 0 control, ring 1 events,
 * rings 2 and up requests, several commands in flight; and the LIO side in
 * configfs (ramdisk LUNs, with or without T10 PI, or a LUN on a null_blk
 * device whose I/O takes seconds, behind a "vhost" target port with a
 * nexus) that the device is bound to.
 */
#ifndef VT_VSCSI_H
#define VT_VSCSI_H

#include "fixture.h"

#include <linux/virtio_scsi.h>

#define VSC_CTL 0
#define VSC_EVT 1
#define VSC_IO 2
#define VSC_NVQS 3		/* control, events, one request ring */
#define VSC_MAX_IO 4		/* request rings the driver can use */
#define VSC_MAX_VQS (VSC_IO + VSC_MAX_IO)

#define VT_F_HOTPLUG	(1ull << VIRTIO_SCSI_F_HOTPLUG)
#define VT_F_T10_PI	(1ull << VIRTIO_SCSI_F_T10_PI)

/*
 * Commands in flight at once. Slot 0 takes up to VSC_MAX_DATA of data
 * (more than the device's 8 MiB per command, for buffers larger than a
 * transfer), the others up to VSC_SLOT_DATA; each has PI room for its
 * data in 512-byte blocks.
 */
#define VSC_SLOTS	16
#define VSC_MAX_DATA	(12u << 20)
#define VSC_SLOT_DATA	(256u << 10)

/* A "vhost" target port in configfs with one TPG and ramdisk LUNs. */
struct lio_port {
	char wwn[64];		/* naa.5001405xxxxxxxxx */
	char tpg[320];		/* .../target/vhost/<wwn>/tpgt_<tag> */
	unsigned int tag;
	unsigned int nluns;
	char disks[4][320];	/* backstores: target/core/<hba>/disk */
	char nullb[128];	/* configfs null_blk device of a slow LUN */
};

/* Port, TPG (tag), nexus, and @nluns ramdisk LUNs of @mib MiB each. */
void lio_port_setup(struct lio_port *p, unsigned int tag, unsigned int nluns,
		    unsigned int mib);
void lio_port_teardown(struct lio_port *p);
/* Link one more ramdisk LUN (returns its number); unlink the last one. */
unsigned int lio_lun_add(struct lio_port *p, unsigned int mib);
/* The same with T10 PI of @type (1 or 3) on the ramdisk. */
unsigned int lio_lun_add_pi(struct lio_port *p, unsigned int mib,
			    unsigned int type);
/*
 * A LUN whose reads and writes each take @ms milliseconds: an iblock
 * backstore on a null_blk device (SKIPs the case without null_blk).
 */
unsigned int lio_lun_add_slow(struct lio_port *p, unsigned int ms);
void lio_lun_remove(struct lio_port *p, unsigned int lun);
/* (a configfs attribute is written with vt_write_file()) */

struct vsc_opts {
	uint64_t features;	/* default VERSION_1 */
	unsigned int num;	/* ring size, default 64 */
	unsigned int nio;	/* request rings, default 1 */
	bool no_endpoint;	/* leave VHOST_SCSI_SET_ENDPOINT to the case */
	bool indirect;		/* requests in one descriptor each (VT_F_INDIRECT) */
};

struct vsc {
	int fd;
	struct vsc_opts o;
	struct gmem mem;
	struct vring_drv vr[VSC_MAX_VQS];
	uint64_t features;
	uint8_t *area;		/* request slots, control and event buffers */
	uint64_t area_gpa;
	uint64_t next;		/* the last request tag given */
	bool busy[VSC_SLOTS];	/* sent, answer not read */
	bool done[VSC_SLOTS];	/* answered */
	uint32_t used_len[VSC_SLOTS];
};

/* One command; vsc_send() fills in @id and @slot. */
struct vsc_cmd {
	unsigned int tag, lun;	/* target (TPG tag) and LUN */
	const uint8_t *cdb;
	unsigned int cdb_len;
	const void *out;	/* data-out */
	uint32_t out_len;
	uint32_t in_len;	/* room for data-in */
	const void *pi_out;	/* T10 PI before the data-out */
	uint32_t pi_out_len;
	uint32_t pi_in_len;	/* room for PI before the data-in */
	uint32_t pi_out_claim;	/* if set, the header says this instead */
	unsigned int ring;	/* request ring: 0 is virtqueue 2 */
	uint64_t id;		/* the request's tag (ABORT_TASK names it) */
	unsigned int slot;
};

/* A SCSI command's outcome, in host order. */
struct vsc_result {
	uint8_t response;	/* VIRTIO_SCSI_S_* */
	uint8_t status;		/* SAM status */
	uint32_t resid;
	uint32_t sense_len;
	uint8_t sense[VIRTIO_SCSI_SENSE_SIZE];
	uint32_t used_len;	/* what the device said it wrote */
};

const char *vsc_dev_path(void);
void vsc_setup(struct vsc *v, const struct vsc_opts *o,
	       const struct lio_port *port);
/*
 * Close the device, then take its target port down (in that order: the
 * device's endpoint holds the port).
 */
void vsc_teardown(struct vsc *v, struct lio_port *p);
long vsc_set_endpoint(int fd, const char *wwn);
long vsc_clear_endpoint(int fd, const char *wwn);

/*
 * Lay request ring @ring out anew and give it to the device (with the
 * device's rings stopped: no endpoint); no command of it is in flight.
 */
void vsc_ring_reset(struct vsc *v, unsigned int ring);

/* Queue a command on its request ring and kick; fails the case if full. */
void vsc_send(struct vsc *v, struct vsc_cmd *c);
/* Guest-physical address of a sent command's data buffer (for the log). */
uint64_t vsc_data_gpa(const struct vsc *v, const struct vsc_cmd *c);
/* Has the device answered it (without waiting)? */
bool vsc_answered(struct vsc *v, const struct vsc_cmd *c);
/*
 * Wait up to @timeout_ms for the answer of a sent command and read it:
 * data-in into @data, PI into @pi (either may be NULL). False on timeout.
 */
bool vsc_wait(struct vsc *v, struct vsc_cmd *c, int timeout_ms, void *data,
	      void *pi, struct vsc_result *r);

/*
 * Send a command to LUN @lun of target @tag and wait for its answer:
 * @out bytes of data-out, or room for @in bytes of data-in (copied to
 * @data). Fails the case if no answer comes within VT_WAIT_MS.
 */
void vsc_cmd(struct vsc *v, unsigned int tag, unsigned int lun,
	     const uint8_t *cdb, unsigned int cdb_len, const void *out,
	     uint32_t out_len, void *data, uint32_t in_len,
	     struct vsc_result *r);

/* A task management function; returns its response byte. */
uint8_t vsc_tmf(struct vsc *v, unsigned int tag, unsigned int lun,
		uint32_t subtype);
/* The same for a function that names a task (ABORT_TASK, QUERY_TASK). */
uint8_t vsc_tmf_task(struct vsc *v, unsigned int tag, unsigned int lun,
		     uint32_t subtype, uint64_t id);

/* Post @n event buffers; read the next event within @timeout_ms. */
void vsc_post_events(struct vsc *v, unsigned int n);
bool vsc_event(struct vsc *v, struct virtio_scsi_event *e, int timeout_ms);

#endif /* VT_VSCSI_H */
