/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the catalogue suite (tests/suites/catalogue.c): skipping a
 * device whose module is not loaded (dirtylog_audit uses that too), and
 * the "set it up again and prove it works" step that ends every hostile
 * case, per device.
 */
#ifndef VT_HOSTILE_H
#define VT_HOSTILE_H

#include "vt.h"
#include "vnet.h"
#include "vvsock.h"
#include "vscsi.h"

/*
 * SKIP the case when the device's module is not there: run-suites.sh sets
 * VT_NET_SKIP / VT_VSOCK_SKIP / VT_SCSI_SKIP to the reason; run directly,
 * a missing device node is the reason.
 */
void hs_need_net(void);
void hs_need_vsock(void);
void hs_need_scsi(void);

/* Test device: stop, lay the ring out anew, start, one verified transfer. */
void hs_test_reset(struct vt_dev *d);

/*
 * Net: one frame received through the RX ring as it is, frames the hostile
 * step left in the tap skipped (vnet_tx_one() is the other way).
 */
void hs_net_rx_one(struct vnet *n, uint32_t seq, uint32_t seed, size_t len);
/*
 * Net: detach both rings, set them up anew, attach the tap again, fresh
 * receive buffers (2 KiB), then one frame each way.
 */
void hs_net_reset(struct vnet *n, uint32_t seed);

/* Vsock: the host connects to @gport of the guest; the host socket. */
int hs_vsock_connect(struct vvs *v, uint32_t gport, uint32_t *hport);
/* Vsock: restart the guest's rings, then a new connection, data both ways. */
void hs_vsock_reset(struct vvs *v);

/* Scsi: 4 KiB written to LUN 0 of @tag and read back byte for byte. */
void hs_scsi_io(struct vsc *v, unsigned int tag, uint32_t seed);

#endif
