/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vhost-scsi's files share: the device (scsi_dev.c) and its LIO
 * target fabric (scsi_fabric.c).
 */
#ifndef _VHOST_SCSI_H
#define _VHOST_SCSI_H

#include <linux/atomic.h>
#include <linux/dma-direction.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

#include "compat_scsi.h"
#include "vhost.h"

/* lun[1] of a virtio-scsi request names the TPG: one byte. */
#define VHOST_SCSI_MAX_TARGETS	256
/* Port and nexus names, as configfs directory names allow. */
#define VHOST_SCSI_NAME_LEN	256
/* Pages of data per command (MAXIMUM TRANSFER LENGTH: 8 MiB). */
#define VHOST_SCSI_MAX_SGL	2048

struct vhost_scsi;

/* ---- the fabric (scsi_fabric.c) -------------------------------------- */

/* A target port: configfs target/vhost/<name>. */
struct vhost_scsi_tport {
	u8 proto_id;			/* SCSI_PROTOCOL_*, from the prefix */
	char name[VHOST_SCSI_NAME_LEN];	/* the directory's name */
	struct se_wwn wwn;
};

/*
 * A target portal group: target/vhost/<port>/tpgt_N. @lock guards the
 * nexus, the LUN count and @owner; the fabric's TPG list lock
 * (vhost_scsi_tpgs_lock) is taken before it when both are needed. configfs
 * calls the fabric with its directory locks held, so neither lock may be
 * held while calling into configfs (target_depend_item()).
 */
struct vhost_scsi_tpg {
	struct se_portal_group se_tpg;
	struct vhost_scsi_tport *tport;
	u16 tag;			/* N */
	int prot_type;			/* fabric_prot_type: 0, 1 or 3 */
	struct mutex lock;		/* see above */
	struct se_session *nexus;	/* the guest's I_T nexus, or NULL */
	char nexus_name[VHOST_SCSI_NAME_LEN];
	unsigned int nr_luns;		/* LUNs linked in configfs */
	struct vhost_scsi *owner;	/* device bound by SET_ENDPOINT */
	struct list_head node;		/* on vhost_scsi_tpgs */
};

int vhost_scsi_fabric_register(void);
void vhost_scsi_fabric_unregister(void);
int vhost_scsi_tpgs_bind(struct vhost_scsi *vs, const char *wwpn);
void vhost_scsi_tpgs_unbind(struct vhost_scsi *vs);

/* ---- the device (scsi_dev.c) ----------------------------------------- */

/* A request's own room for small scatterlists and chains. */
#define VHOST_SCSI_INLINE_SG	8
#define VHOST_SCSI_INLINE_IOV	4

enum { VHOST_SCSI_CTL, VHOST_SCSI_EVT, VHOST_SCSI_IO };

/*
 * A ring's completed requests, waiting for its worker, and the requests
 * it answered, kept for reuse instead of a kzalloc() and kfree() each.
 */
struct vhost_scsi_ring {
	struct vhost_virtqueue vq;
	struct llist_head done;
	struct vhost_work done_work;
	struct llist_node *spare;	/* under vq.mutex */
	unsigned int nspare;
};

struct vhost_scsi {
	struct vhost_dev dev;
	/* Bound TPGs by tag: changed with every request ring stopped. */
	struct vhost_scsi_tpg *targets[VHOST_SCSI_MAX_TARGETS];
	char wwpn[sizeof_field(struct vhost_scsi_target, vhost_wwpn)];
	bool bound;
	bool stopping;			/* unbinding: take no new requests */
	atomic_t inflight;		/* requests LIO has (wait_var_event) */

	/* Hotplug events, under the event ring's mutex but for @events. */
	struct llist_head events;
	atomic_t nr_events;
	bool events_missed;
	atomic_t events_dropped;	/* by hotplug, which cannot take the mutex */
	struct vhost_work event_work;

	unsigned int nrings;
	struct vhost_virtqueue **vqs;
	struct vhost_scsi_ring rings[];
};

/* One request from a guest, while LIO has it. */
struct vhost_scsi_req {
	struct se_cmd se_cmd;		/* first: LIO's view */
	/* Zeroed for each request up to @sense. */
	struct vhost_scsi_ring *ring;
	struct llist_node node;
	u16 head;
	bool tmf;
	bool aborted;			/* LIO dropped it (abort, LUN reset) */
	u8 tmf_response;		/* VIRTIO_SCSI_S_* of a TMF */
	struct scatterlist *sgl;	/* the guest's data pages */
	unsigned int nents;		/* each holds a page reference */
	u32 data_len;			/* what they hold */
	u32 buf_len;			/* the guest's data buffer */
	struct scatterlist *prot_sgl;	/* T10 PI, bounced too */
	unsigned int prot_nents;
	u32 prot_len;
	u32 pi_in;			/* PI room before the data-in */
	enum dma_data_direction dir;
	unsigned int nin;		/* the guest's writable buffers */
	struct iovec *in;
	unsigned char sense[TRANSPORT_SENSE_BUFFER];
	struct scatterlist inline_sg[VHOST_SCSI_INLINE_SG];
	struct iovec inline_iov[VHOST_SCSI_INLINE_IOV];
};

/* A hotplug event waiting for an event buffer, on vhost_scsi.events. */
struct vhost_scsi_event {
	struct llist_node node;
	u32 event;
	u32 reason;
	u8 lun[8];
};

static inline struct vhost_scsi *vhost_scsi_of(struct vhost_virtqueue *vq)
{
	return container_of(vq->dev, struct vhost_scsi, dev);
}

static inline struct vhost_scsi_ring *
vhost_scsi_ring_of(struct vhost_virtqueue *vq)
{
	return container_of(vq, struct vhost_scsi_ring, vq);
}

static inline u32 vhost_scsi_to_cpu32(struct vhost_virtqueue *vq,
				      __virtio32 v)
{
	return __virtio32_to_cpu(vhost_vq_is_le(vq), v);
}

static inline __virtio32 vhost_scsi_virtio32(struct vhost_virtqueue *vq,
					     u32 v)
{
	return __cpu_to_virtio32(vhost_vq_is_le(vq), v);
}

/* The TPG and LUN a virtio LUN field names, or NULL. */
static inline struct vhost_scsi_tpg *vhost_scsi_lun(struct vhost_scsi *vs,
						    const u8 lun[8],
						    u64 *unpacked)
{
	if (lun[0] != 1)
		return NULL;
	*unpacked = ((lun[2] << 8) | lun[3]) & 0x3fff;
	return vs->targets[lun[1]];
}

/* The request path (scsi_req.c). */
void vhost_scsi_reply(struct vhost_virtqueue *vq, u16 head,
		      struct iovec *iov, unsigned int n,
		      const void *buf, size_t len);
struct vhost_scsi_req *vhost_scsi_req_new(struct vhost_scsi_ring *ring,
					  const struct vhost_chain *c);
void vhost_scsi_req_free(struct vhost_scsi *vs, struct vhost_scsi_req *r,
			 bool keep);
void vhost_scsi_done_work(struct vhost_work *work);
void vhost_scsi_request_kick(struct vhost_work *work);

/* The control and event rings (scsi_ctl.c). */
void vhost_scsi_ctl(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
		    const struct vhost_chain *c, struct iov_iter *from);
void vhost_scsi_fold_dropped(struct vhost_scsi *vs);
void vhost_scsi_event_work(struct vhost_work *work);
void vhost_scsi_evt_kick(struct vhost_work *work);

/*
 * Device hooks the fabric calls: hotplug (scsi_ctl.c), LIO's callbacks
 * (scsi_req.c).
 */
void vhost_scsi_hotplug(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg,
			u64 lun, bool added);
int vhost_scsi_cmd_done(struct se_cmd *se_cmd);
void vhost_scsi_cmd_release(struct se_cmd *se_cmd);
void vhost_scsi_cmd_aborted(struct se_cmd *se_cmd);
void vhost_scsi_tmf_done(struct se_cmd *se_cmd);

#endif /* _VHOST_SCSI_H */
