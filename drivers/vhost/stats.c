// SPDX-License-Identifier: GPL-2.0
/*
 * Per-ring counters under debugfs: vhost/<device>-<owner pid>-<serial>/vqN,
 * one "name value" line per counter, plus the ring's indices.
 */
#include <linux/debugfs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

#include "core.h"

static int vhost_vq_stats_show(struct seq_file *m, void *unused)
{
	struct vhost_virtqueue *vq = m->private;
	const struct vhost_vq_stats *s = &vq->stats;

	seq_printf(m, "kicks %llu\n", s->kicks);
	seq_printf(m, "calls %llu\n", s->calls);
	seq_printf(m, "chains %llu\n", s->chains);
	seq_printf(m, "descs %llu\n", s->descs);
	seq_printf(m, "bytes %llu\n", s->bytes);
	seq_printf(m, "errors %llu\n", s->errors);
	seq_printf(m, "busypoll_hits %llu\n", s->busypoll_hits);
	seq_printf(m, "iotlb_misses %llu\n", s->iotlb_misses);
	seq_printf(m, "drops %llu\n", s->drops);
	seq_printf(m, "num %u\n", READ_ONCE(vq->num));
	seq_printf(m, "last_avail_idx %u\n", READ_ONCE(vq->last_avail_idx));
	seq_printf(m, "last_used_idx %u\n", READ_ONCE(vq->last_used_idx));
	seq_printf(m, "broken %d\n", READ_ONCE(vq->broken));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhost_vq_stats);

/**
 * vhost_stats_dev_add - publish a device's counters (at SET_OWNER)
 * @dev: the device
 */
void vhost_stats_dev_add(struct vhost_dev *dev)
{
	char name[64];
	unsigned int i;

	if (!vhost_debugfs_root)
		return;
	snprintf(name, sizeof(name), "%s-%d-%u", dev->name,
		 task_tgid_nr(current), dev->serial);
	dev->debugfs = debugfs_create_dir(name, vhost_debugfs_root);
	for (i = 0; i < dev->nvqs; i++) {
		snprintf(name, sizeof(name), "vq%u", i);
		debugfs_create_file(name, 0444, dev->debugfs, dev->vqs[i],
				    &vhost_vq_stats_fops);
	}
}

/**
 * vhost_stats_dev_remove - withdraw a device's counters
 * @dev: the device
 */
void vhost_stats_dev_remove(struct vhost_dev *dev)
{
	debugfs_remove_recursive(dev->debugfs);
	dev->debugfs = NULL;
}
