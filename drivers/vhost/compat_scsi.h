/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The differences in the LIO target core between the kernels we build
 * against, for vhost-scsi's files (scsi_*.c). Since 6.10 target_submit()
 * picks queued or direct submission itself, from the fabric's defaults;
 * before, a fabric queued with target_queue_submission(). Kbuild probes
 * for VHOST_SCSI_HAVE_SUBMIT_TYPE (backports make version numbers
 * misleading).
 */
#ifndef VHOST_OOT_COMPAT_SCSI_H
#define VHOST_OOT_COMPAT_SCSI_H

#include <target/target_core_base.h>
#include <target/target_core_fabric.h>

#include "compat.h"

static inline void vhost_scsi_set_submit_type(struct target_core_fabric_ops *o)
{
#ifdef VHOST_SCSI_HAVE_SUBMIT_TYPE
	o->direct_submit_supp = 1;
	o->default_submit_type = TARGET_QUEUE_SUBMIT;
#endif
}

/* Hand a prepared command to the core's submission workqueue. */
static inline void vhost_scsi_submit(struct se_cmd *cmd)
{
#ifdef VHOST_SCSI_HAVE_SUBMIT_TYPE
	target_submit(cmd);
#else
	target_queue_submission(cmd);
#endif
}

#endif /* VHOST_OOT_COMPAT_SCSI_H */
