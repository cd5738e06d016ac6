/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio-scsi guest driver for the suites, on /dev/vhost-scsi
 * (VHOST_SCSI_DEV overrides the path): ring 0 control, ring 1 events,
 * ring 2 requests; and the LIO side in configfs (a ramdisk LUN behind a
 * "vhost" target port with a nexus) that the device is bound to.
 */
#ifndef VT_VSCSI_H
#define VT_VSCSI_H

#include "fixture.h"

#include <linux/virtio_scsi.h>

#define VSC_CTL 0
#define VSC_EVT 1
#define VSC_IO 2
#define VSC_NVQS 3

#define VT_F_HOTPLUG	(1ull << VIRTIO_SCSI_F_HOTPLUG)

/* Per request: header, response, and up to this much data (more than
 * the device's 8 MiB per command, for buffers larger than a transfer). */
#define VSC_MAX_DATA	(12u << 20)

/* A "vhost" target port in configfs with one TPG and ramdisk LUNs. */
struct lio_port {
	char wwn[64];		/* naa.5001405xxxxxxxxx */
	char tpg[320];		/* .../target/vhost/<wwn>/tpgt_<tag> */
	unsigned int tag;
	unsigned int nluns;
	char disks[4][320];	/* backstores: target/core/rd_mcp_N/disk */
};

/* Port, TPG (tag), nexus, and @nluns ramdisk LUNs of @mib MiB each. */
void lio_port_setup(struct lio_port *p, unsigned int tag, unsigned int nluns,
		    unsigned int mib);
void lio_port_teardown(struct lio_port *p);
/* Link one more ramdisk LUN (returns its number); unlink the last one. */
unsigned int lio_lun_add(struct lio_port *p, unsigned int mib);
void lio_lun_remove(struct lio_port *p, unsigned int lun);
/* Write a configfs attribute; -errno or 0. */
int lio_write(const char *path, const char *val);

struct vsc_opts {
	uint64_t features;	/* default VERSION_1 */
	unsigned int num;	/* ring size, default 64 */
	bool no_endpoint;	/* leave VHOST_SCSI_SET_ENDPOINT to the case */
};

struct vsc {
	int fd;
	struct vsc_opts o;
	struct gmem mem;
	struct vring_drv vr[VSC_NVQS];
	uint64_t features;
	uint8_t *area;		/* one request slot per ring entry */
	uint64_t area_gpa;
	unsigned int next;
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
long vsc_set_endpoint(int fd, const char *wwn);
long vsc_clear_endpoint(int fd, const char *wwn);

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

/* Post @n event buffers; read the next event within @timeout_ms. */
void vsc_post_events(struct vsc *v, unsigned int n);
bool vsc_event(struct vsc *v, struct virtio_scsi_event *e, int timeout_ms);

#endif /* VT_VSCSI_H */
