/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the files of vhost.ko only; device modules
 * see vhost.h.
 */
#ifndef VHOST_OOT_CORE_H
#define VHOST_OOT_CORE_H

#include "vhost.h"

struct dentry;

/* Module parameters (main.c). */
extern unsigned int vhost_max_mem_regions;
extern unsigned int vhost_max_iotlb_entries;
extern bool vhost_fork_from_owner_default;
extern struct dentry *vhost_debugfs_root;

/* dev.c */
int vhost_features_negotiate(u64 offered, const u64 *want,
			     unsigned int nwords, u64 *acked);

/* worker.c */
bool vhost_vq_has_work(struct vhost_virtqueue *vq);
int vhost_worker_new(struct vhost_dev *dev, u32 *id);
int vhost_worker_free(struct vhost_dev *dev, u32 id);
int vhost_vq_attach_worker(struct vhost_virtqueue *vq, u32 id);
int vhost_vq_worker_id(struct vhost_virtqueue *vq, u32 *id);
void vhost_workers_destroy(struct vhost_dev *dev);
int vhost_dev_set_default_worker(struct vhost_dev *dev);

/* vring.c: per-ring ioctls */
long vhost_vring_ioctl(struct vhost_dev *dev, unsigned int cmd,
		       void __user *argp);
void vhost_vq_reset(struct vhost_virtqueue *vq);
void vhost_vq_release_files(struct vhost_virtqueue *vq);

/* ring.c: helpers of the ring loop the device modules do not call */
void vhost_vq_flush_used(struct vhost_virtqueue *vq);
bool vhost_vq_enable_notify(struct vhost_virtqueue *vq);
bool vhost_vq_busy_poll(struct vhost_virtqueue *vq);

/* memmap.c: guest-physical memory table */
struct vhost_memmap_region {
	u64 gpa;
	u64 size;
	u64 hva;
};

struct vhost_memmap {
	u32 nregions;
	struct vhost_memmap_region r[];
};

struct vhost_memmap *vhost_memmap_build(const struct vhost_memory_region *in,
					u32 n, int *err);
const struct vhost_memmap_region *
vhost_memmap_find(const struct vhost_memmap *map, u64 gpa);
struct vhost_memmap *vhost_memmap_from_user(struct vhost_memory __user *m);
void vhost_memmap_install(struct vhost_dev *dev, struct vhost_memmap *map);

/* iotlb.c: device IOTLB map */
struct vhost_iotlb *vhost_iotlb_create(unsigned int limit);
void vhost_iotlb_destroy(struct vhost_iotlb *tlb);
int vhost_iotlb_insert(struct vhost_iotlb *tlb, u64 iova, u64 size,
		       u64 uaddr, u8 perm);
void vhost_iotlb_remove(struct vhost_iotlb *tlb, u64 iova, u64 size);
void vhost_iotlb_remove_all(struct vhost_iotlb *tlb);
bool vhost_iotlb_lookup(struct vhost_iotlb *tlb, u64 iova, u64 *uaddr,
			u64 *len, u8 *perm);
unsigned int vhost_iotlb_count(struct vhost_iotlb *tlb);

/* iotlb_msg.c: the message channel on the device fd */
ssize_t vhost_iotlb_read(struct vhost_dev *dev, struct iov_iter *to,
			 bool nonblock);
ssize_t vhost_iotlb_write(struct vhost_dev *dev, struct iov_iter *from);
__poll_t vhost_iotlb_poll(struct vhost_dev *dev, struct file *file,
			  poll_table *wait);
int vhost_iotlb_enable(struct vhost_dev *dev, bool on);
void vhost_iotlb_miss(struct vhost_virtqueue *vq, u64 iova, u8 perm);
void vhost_iotlb_drop_messages(struct vhost_dev *dev);

/* access.c: translation of guest addresses and ring areas */
#define VHOST_XLATE_MISS	(-EAGAIN)
int vhost_xlate(struct vhost_virtqueue *vq, u64 addr, u64 len, u8 access,
		struct iovec *iov, unsigned int iov_max);
int vhost_ring_prefetch(struct vhost_virtqueue *vq);
int vhost_ring_read(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		    size_t off, void *buf, size_t len);
int vhost_ring_write(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		     size_t off, const void *buf, size_t len);
int vhost_ring_read16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		      size_t off, u16 *val);
int vhost_ring_write16(struct vhost_virtqueue *vq, enum vhost_ring_area area,
		       size_t off, u16 val);
bool vhost_vq_uses_iotlb(const struct vhost_virtqueue *vq);
size_t vhost_ring_area_size(const struct vhost_virtqueue *vq,
			    enum vhost_ring_area area);

/* log.c: dirty page log */
u64 vhost_log_span(u64 base, u64 first, u64 last, u64 *page_addr,
		   unsigned long *bit);
bool vhost_log_covers(u64 base, const struct vhost_memmap *map);
int vhost_log_set_base(struct vhost_dev *dev, u64 base);
int vhost_log_set_fd(struct vhost_dev *dev, int fd);
void vhost_log_release(struct vhost_dev *dev);
int vhost_log_gpa(struct vhost_virtqueue *vq, u64 gpa, u64 len);
int vhost_log_hva(struct vhost_virtqueue *vq, u64 hva, u64 len);
int vhost_log_used(struct vhost_virtqueue *vq, size_t off, size_t len);
void vhost_vq_log_failed(struct vhost_virtqueue *vq, int err, u64 addr,
			 u64 len);
void vhost_log_done(struct vhost_virtqueue *vq);
bool vhost_vq_logging(const struct vhost_virtqueue *vq);

/* split.c */
extern const struct vhost_ring_ops vhost_split_ops;

/* chain.c: descriptor chain walking, pure logic */
struct vhost_desc {
	u64 addr;
	u32 len;
	u16 flags;
	u16 next;
};

/**
 * struct vhost_chain_walk - callbacks and limits for vhost_chain_walk()
 * @read: fetch descriptor @i of the direct table, or of the indirect table
 *	at (@table, @table_len) when @table_len is non-zero
 * @emit: hand one buffer to the caller (@write: device-writable)
 * @priv: passed to the callbacks
 * @num: size of the direct descriptor table
 * @indirect_ok: VIRTIO_RING_F_INDIRECT_DESC was negotiated
 * @ndescs: out, descriptors walked
 */
struct vhost_chain_walk {
	int (*read)(void *priv, u64 table, u32 table_len, u32 i,
		    struct vhost_desc *d);
	int (*emit)(void *priv, u64 addr, u32 len, bool write);
	void *priv;
	u32 num;
	bool indirect_ok;
	u32 ndescs;
};

int vhost_chain_walk(struct vhost_chain_walk *w, u16 head, const char **why);

/* stats.c */
void vhost_stats_dev_add(struct vhost_dev *dev);
void vhost_stats_dev_remove(struct vhost_dev *dev);

#endif /* VHOST_OOT_CORE_H */
