// SPDX-License-Identifier: GPL-2.0
/*
 * vhost.ko: module parameters, the debugfs root and tracepoint creation.
 * Parameter names and meanings are those users know from Linux.
 */
#include <linux/debugfs.h>
#include <linux/module.h>

#include "core.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* Enough for QEMU with memory hotplug (KVM's historical slot count). */
unsigned int vhost_max_mem_regions = 509;
module_param_named(max_mem_regions, vhost_max_mem_regions, uint, 0444);
MODULE_PARM_DESC(max_mem_regions,
		 "Maximum number of memory regions in the memory table (default 509)");

unsigned int vhost_max_iotlb_entries = 2048;
module_param_named(max_iotlb_entries, vhost_max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Maximum number of device IOTLB entries (default 2048)");

bool vhost_fork_from_owner_default = true;
module_param_named(fork_from_owner_default, vhost_fork_from_owner_default,
		   bool, 0444);
MODULE_PARM_DESC(fork_from_owner_default,
		 "Workers are tasks forked from the owner where the kernel allows it (default Y)");

struct dentry *vhost_debugfs_root;

static int __init vhost_init(void)
{
	vhost_debugfs_root = debugfs_create_dir("vhost", NULL);
	if (IS_ERR(vhost_debugfs_root))
		vhost_debugfs_root = NULL;
	return 0;
}

static void __exit vhost_exit(void)
{
	debugfs_remove_recursive(vhost_debugfs_root);
}

module_init(vhost_init);
module_exit(vhost_exit);
MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Host kernel accelerator core for virtio (out-of-tree)");
