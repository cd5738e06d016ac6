/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-scsi: the device (scsi_dev.c) and its LIO target fabric
 * (scsi_fabric.c), and what they share.
 */
#ifndef _VHOST_SCSI_H
#define _VHOST_SCSI_H

#include <linux/list.h>
#include <linux/mutex.h>
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

/* A target port: configfs target/vhost/<name>. */
struct vhost_scsi_tport {
	u8 proto_id;			/* SCSI_PROTOCOL_*, from the prefix */
	char name[VHOST_SCSI_NAME_LEN];	/* the directory's name */
	struct se_wwn wwn;
};

/*
 * A target portal group: target/vhost/<port>/tpgt_N. @lock guards the
 * nexus, the LUN count and @owner; vhost_scsi_tpgs_lock is taken before
 * it when both are needed. configfs calls the fabric with its directory
 * locks held, so neither lock may be held while calling into configfs
 * (target_depend_item()).
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

/* Every TPG, for SET_ENDPOINT to find those of a port. */
extern struct mutex vhost_scsi_tpgs_lock;
extern struct list_head vhost_scsi_tpgs;

int vhost_scsi_fabric_register(void);
void vhost_scsi_fabric_unregister(void);

/* Device hooks the fabric calls (scsi_dev.c). */
void vhost_scsi_hotplug(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg,
			u64 lun, bool added);
int vhost_scsi_cmd_done(struct se_cmd *se_cmd);
void vhost_scsi_cmd_release(struct se_cmd *se_cmd);
void vhost_scsi_cmd_aborted(struct se_cmd *se_cmd);
void vhost_scsi_tmf_done(struct se_cmd *se_cmd);

#endif /* _VHOST_SCSI_H */
