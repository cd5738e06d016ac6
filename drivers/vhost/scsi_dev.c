// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/vhost-scsi: virtio-scsi requests from a guest, executed by the LIO
 * target core on the LUNs of the TPGs the device is bound to
 * (VHOST_SCSI_SET_ENDPOINT; the fabric and its configfs tree are in
 * scsi_fabric.c).
 *
 * Rings: 0 control (task management, async notification), 1 events (LUN
 * hotplug), 2 and up requests. LIO moves a request's data straight to or
 * from the guest's pages, which the request holds until it is answered;
 * T10 PI, a few bytes per block, is copied through a buffer of its own.
 * Completions arrive from LIO's workqueues; they only queue the request on
 * its ring's done list, and the ring's worker writes the response.
 */
#include <linux/llist.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/virtio_byteorder.h>
#include <linux/virtio_scsi.h>
#include <linux/wait_bit.h>
#include <scsi/scsi_proto.h>

#include "scsi.h"

#define VHOST_SCSI_FEATURES						\
	(VHOST_BASE_FEATURES | BIT_ULL(VIRTIO_F_RING_RESET) |		\
	 BIT_ULL(VIRTIO_SCSI_F_HOTPLUG) | BIT_ULL(VIRTIO_SCSI_F_T10_PI))
/* Protection information: 8 bytes per 512-byte block of a transfer. */
#define VHOST_SCSI_MAX_PI	((VHOST_SCSI_MAX_SGL << PAGE_SHIFT) / 512 * 8)
/* Freed requests a ring keeps for its next ones. */
#define VHOST_SCSI_SPARE	64
/* Events waiting for event buffers; more are "missed". */
#define VHOST_SCSI_MAX_EVENTS	128

static unsigned int max_io_vqs = 128;
module_param(max_io_vqs, uint, 0444);
MODULE_PARM_DESC(max_io_vqs, "request rings per device (1-1024, default 128)");

/* ---- responses ------------------------------------------------------- */

/* The dirty log learns of @len bytes written into @iov. */
static void vhost_scsi_log(struct vhost_virtqueue *vq, struct iovec *iov,
			   unsigned int n, size_t len)
{
	struct vhost_chain c = { .iov = iov, .in = n, .in_len = len };

	vhost_vq_log_write(vq, &c, len);
}

/* Write @len bytes at the start of a chain's writable part, and use it. */
static void vhost_scsi_reply(struct vhost_virtqueue *vq, u16 head,
			     struct iovec *iov, unsigned int n,
			     const void *buf, size_t len)
{
	struct iov_iter to;

	iov_iter_init(&to, ITER_DEST, iov, n, len);
	if (copy_to_iter(buf, len, &to) != len) {
		vhost_vq_error(vq, "answer to %u not writable", head);
		return;
	}
	vhost_scsi_log(vq, iov, n, len);
	vhost_vq_add_used(vq, head, len);
}

/*
 * A request's pages and buffers go back; the request itself to its ring's
 * spares when @keep (the caller holds the ring's mutex), else to the slab.
 */
static void vhost_scsi_req_free(struct vhost_scsi *vs, struct vhost_scsi_req *r,
				bool keep)
{
	struct vhost_scsi_ring *ring = r->ring;
	struct scatterlist *sg;
	unsigned int i;

	if (keep)
		lockdep_assert_held(&ring->vq.mutex);
	for_each_sg(r->sgl, sg, r->nents, i) {
		/* LIO may have written into the guest's pages. */
		if (r->dir == DMA_FROM_DEVICE)
			set_page_dirty_lock(sg_page(sg));
		put_page(sg_page(sg));
	}
	if (r->sgl != r->inline_sg)
		kvfree(r->sgl);
	if (r->prot_sgl)
		sgl_free_n_order(r->prot_sgl, r->prot_nents, 0);
	if (r->in != r->inline_iov)
		kfree(r->in);
	if (keep && ring->nspare < VHOST_SCSI_SPARE) {
		r->node.next = ring->spare;
		ring->spare = &r->node;
		ring->nspare++;
	} else {
		kfree(r);
	}
	/*
	 * The unbinder may free @vs once this reaches 0: wake it through
	 * the variable's address, which touches no memory of @vs.
	 */
	if (atomic_dec_and_test(&vs->inflight))
		wake_up_var(&vs->inflight);
}

/* Copy up to @len bytes between a bounce buffer and a guest's iovecs. */
static bool vhost_scsi_sgl_copy(struct scatterlist *sgl, unsigned int nents,
				size_t len, struct iov_iter *iter)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sg(sgl, sg, nents, i) {
		size_t n = min_t(size_t, sg->length, len);
		size_t done = iov_iter_rw(iter) == WRITE ?
			      copy_from_iter(sg_virt(sg), n, iter) :
			      copy_to_iter(sg_virt(sg), n, iter);

		if (done != n)
			return false;
		len -= n;
		if (!len)
			break;
	}
	return true;
}

/* Did LIO put protection information into the PI buffer of a read? */
static bool vhost_scsi_pi_returned(const struct se_cmd *se)
{
	return se->prot_op == TARGET_PROT_DIN_PASS ||
	       se->prot_op == TARGET_PROT_DIN_INSERT;
}

/*
 * The response of a finished command, then its PI and data-in. Only a
 * command that ended GOOD moved data the guest may use: any other status
 * reports the whole buffer as residual and no PI (LIO did not fill the PI
 * buffer of a read it failed before reading).
 */
static void vhost_scsi_cmd_reply(struct vhost_virtqueue *vq,
				 struct vhost_scsi_req *r)
{
	struct se_cmd *se = &r->se_cmd;
	struct virtio_scsi_cmd_resp resp = {};
	size_t len = sizeof(resp), data = 0;
	struct iov_iter to;

	if (r->aborted) {
		resp.response = VIRTIO_SCSI_S_ABORTED;
	} else {
		u32 moved = r->data_len;

		resp.status = se->scsi_status;
		if (se->se_cmd_flags & SCF_UNDERFLOW_BIT)
			moved -= min(se->residual_count, r->data_len);
		if (se->scsi_status != SAM_STAT_GOOD)
			moved = 0;
		/* The residual counts from the guest's whole buffer. */
		if ((se->se_cmd_flags & SCF_OVERFLOW_BIT) &&
		    se->scsi_status == SAM_STAT_GOOD)
			resp.resid = vhost_scsi_virtio32(vq, se->residual_count);
		else if (r->buf_len > moved)
			resp.resid = vhost_scsi_virtio32(vq, r->buf_len - moved);
		if (se->scsi_sense_length) {
			u32 n = min_t(u32, se->scsi_sense_length,
				      VIRTIO_SCSI_SENSE_SIZE);

			memcpy(resp.sense, r->sense, n);
			resp.sense_len = vhost_scsi_virtio32(vq, n);
		}
		if (r->dir == DMA_FROM_DEVICE)
			data = moved;
	}
	iov_iter_init(&to, ITER_DEST, r->in, r->nin,
		      sizeof(resp) + r->pi_in + r->data_len);
	if (copy_to_iter(&resp, sizeof(resp), &to) != sizeof(resp)) {
		vhost_vq_error(vq, "request %u: response not writable", r->head);
		return;
	}
	if (data) {
		/* The PI, in the room the guest gave it before the data. */
		if (r->prot_sgl && vhost_scsi_pi_returned(se) &&
		    !vhost_scsi_sgl_copy(r->prot_sgl, r->prot_nents,
					 min(se->prot_length, r->pi_in), &to)) {
			vhost_vq_error(vq, "request %u: PI room not writable",
				       r->head);
			return;
		}
		len += r->pi_in + data;
	}
	/*
	 * LIO may have written into every data-in page it got, whatever the
	 * answer (an aborted or failed READ too): the log has them all.
	 */
	vhost_scsi_log(vq, r->in, r->nin,
		       r->dir == DMA_FROM_DEVICE && r->nents ?
		       max(len, sizeof(resp) + r->pi_in + r->data_len) : len);
	vhost_vq_add_used(vq, r->head, len);
}

static void vhost_scsi_done_work(struct vhost_work *work)
{
	struct vhost_scsi_ring *ring = container_of(work, struct vhost_scsi_ring,
						    done_work);
	struct vhost_virtqueue *vq = &ring->vq;
	struct vhost_scsi *vs = vhost_scsi_of(vq);
	struct vhost_scsi_req *r, *t;
	struct llist_node *list;

	list = llist_reverse_order(llist_del_all(&ring->done));
	mutex_lock(&vq->mutex);
	llist_for_each_entry_safe(r, t, list, node) {
		if (r->tmf)
			vhost_scsi_reply(vq, r->head, r->in, r->nin,
					 &r->tmf_response,
					 sizeof(r->tmf_response));
		else
			vhost_scsi_cmd_reply(vq, r);
		vhost_scsi_req_free(vs, r, true);
	}
	vhost_vq_signal(vq);
	mutex_unlock(&vq->mutex);
}

/*
 * LIO callbacks (scsi_fabric.c wires them). They run on LIO's workqueues,
 * or synchronously in our worker when target_submit_prep() refuses a
 * command: they never take a ring's mutex.
 */

/**
 * vhost_scsi_cmd_done - a command finished: status, sense and residual
 * are final; our reference goes, the response is written at release
 * @se_cmd: the command
 *
 * Return: 0.
 */
int vhost_scsi_cmd_done(struct se_cmd *se_cmd)
{
	transport_generic_free_cmd(se_cmd, 0);
	return 0;
}

/**
 * vhost_scsi_cmd_aborted - LIO dropped a command (ABORT_TASK, LUN
 * reset); the guest still gets an answer, at release
 * @se_cmd: the command
 */
void vhost_scsi_cmd_aborted(struct se_cmd *se_cmd)
{
	container_of(se_cmd, struct vhost_scsi_req, se_cmd)->aborted = true;
}

/**
 * vhost_scsi_tmf_done - a task management function finished
 * @se_cmd: the TMF
 */
void vhost_scsi_tmf_done(struct se_cmd *se_cmd)
{
	struct vhost_scsi_req *r = container_of(se_cmd, struct vhost_scsi_req,
						se_cmd);

	switch (se_cmd->se_tmr_req->response) {
	case TMR_FUNCTION_COMPLETE:
		r->tmf_response = VIRTIO_SCSI_S_FUNCTION_SUCCEEDED;
		break;
	case TMR_TASK_DOES_NOT_EXIST:
		/* Nothing to abort: the spec's FUNCTION COMPLETE (0). */
		r->tmf_response = VIRTIO_SCSI_S_OK;
		break;
	case TMR_LUN_DOES_NOT_EXIST:
		r->tmf_response = VIRTIO_SCSI_S_INCORRECT_LUN;
		break;
	default:
		r->tmf_response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
		break;
	}
	transport_generic_free_cmd(se_cmd, 0);
}

/**
 * vhost_scsi_cmd_release - LIO is done with a request: queue it for its
 * ring's worker, which writes the response and frees it
 * @se_cmd: the command or TMF
 *
 * Once @r is on the done list a running done_work may answer and free it,
 * and the last request freed lets the device be torn down and freed. The
 * RCU read section, entered before @r is published, keeps the device and
 * its worker until the work is queued: teardown waits for it
 * (synchronize_rcu() after detaching the workers, before freeing).
 */
void vhost_scsi_cmd_release(struct se_cmd *se_cmd)
{
	struct vhost_scsi_req *r = container_of(se_cmd, struct vhost_scsi_req,
						se_cmd);
	struct vhost_scsi_ring *ring = r->ring;
	struct vhost_scsi *vs = vhost_scsi_of(&ring->vq);
	struct llist_node *orphans = NULL;
	struct vhost_scsi_req *t;

	rcu_read_lock();
	llist_add(&r->node, &ring->done);
	if (!vhost_vq_work_queue(&ring->vq, &ring->done_work))
		orphans = llist_del_all(&ring->done);
	rcu_read_unlock();
	/*
	 * The owner is gone, and its worker: nobody reads answers now. Each
	 * request taken holds the device until it is freed.
	 */
	llist_for_each_entry_safe(r, t, orphans, node)
		vhost_scsi_req_free(vs, r, false);
}

/* ---- requests -------------------------------------------------------- */

/* The TPG and LUN a virtio LUN field names, or NULL. */
static struct vhost_scsi_tpg *vhost_scsi_lun(struct vhost_scsi *vs,
					     const u8 lun[8], u64 *unpacked)
{
	if (lun[0] != 1)
		return NULL;
	*unpacked = ((lun[2] << 8) | lun[3]) & 0x3fff;
	return vs->targets[lun[1]];
}

static int vhost_scsi_task_attr(u8 attr)
{
	switch (attr) {
	case VIRTIO_SCSI_S_ORDERED:
		return TCM_ORDERED_TAG;
	case VIRTIO_SCSI_S_HEAD:
		return TCM_HEAD_TAG;
	case VIRTIO_SCSI_S_ACA:
		return TCM_ACA_TAG;
	default:
		return TCM_SIMPLE_TAG;
	}
}

/* A request for the chain @c (the ring's mutex held). */
static struct vhost_scsi_req *vhost_scsi_req_new(struct vhost_scsi_ring *ring,
						 const struct vhost_chain *c)
{
	struct vhost_scsi_req *r;

	lockdep_assert_held(&ring->vq.mutex);
	if (ring->spare) {
		r = container_of(ring->spare, struct vhost_scsi_req, node);
		ring->spare = ring->spare->next;
		ring->nspare--;
		/* LIO wants a zeroed se_cmd; the rest is set before use. */
		memset(r, 0, offsetof(struct vhost_scsi_req, sense));
	} else {
		r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
		if (!r)
			return NULL;
	}
	r->in = r->inline_iov;
	if (c->in > VHOST_SCSI_INLINE_IOV) {
		r->in = kmalloc_array(c->in, sizeof(*c->iov), GFP_KERNEL_ACCOUNT);
		if (!r->in) {
			kfree(r);
			return NULL;
		}
	}
	memcpy(r->in, c->iov + c->out, c->in * sizeof(*c->iov));
	r->nin = c->in;
	r->ring = ring;
	r->head = c->head;
	atomic_inc(&vhost_scsi_of(&ring->vq)->inflight);
	return r;
}

/* Answer a request LIO never sees (bad target, no memory). */
static void vhost_scsi_reply_now(struct vhost_virtqueue *vq,
				 const struct vhost_chain *c, u8 response)
{
	struct virtio_scsi_cmd_resp resp = { .response = response };

	vhost_scsi_reply(vq, c->head, c->iov + c->out, c->in, &resp,
			 sizeof(resp));
}

/* A request's header, either layout, in host order. */
struct vhost_scsi_hdr {
	u8 lun[8];
	u64 tag;
	u8 task_attr;
	u32 pi_out;		/* PI bytes before the data-out */
	u32 pi_in;		/* PI room before the data-in */
	u8 cdb[VIRTIO_SCSI_CDB_SIZE];
};

static bool vhost_scsi_read_hdr(struct vhost_virtqueue *vq,
				struct iov_iter *from, struct vhost_scsi_hdr *h)
{
	union {
		struct virtio_scsi_cmd_req plain;
		struct virtio_scsi_cmd_req_pi pi;
	} u;
	bool pi = vhost_has_feature(vq, VIRTIO_SCSI_F_T10_PI);
	size_t len = pi ? sizeof(u.pi) : sizeof(u.plain);

	if (copy_from_iter(&u, len, from) != len)
		return false;
	/* Both layouts start with lun and tag and end with the CDB. */
	memcpy(h->lun, u.plain.lun, sizeof(h->lun));
	h->tag = __virtio64_to_cpu(vhost_vq_is_le(vq), u.plain.tag);
	h->task_attr = u.plain.task_attr;
	h->pi_out = pi ? vhost_scsi_to_cpu32(vq, u.pi.pi_bytesout) : 0;
	h->pi_in = pi ? vhost_scsi_to_cpu32(vq, u.pi.pi_bytesin) : 0;
	memcpy(h->cdb, pi ? u.pi.cdb : u.plain.cdb, sizeof(h->cdb));
	return true;
}

/*
 * Reference the guest's pages under @len bytes of @iter and describe them
 * in r->sgl, for LIO to move the data in place (ITER_DEST: the pages must
 * be writable).
 */
static int vhost_scsi_map(struct vhost_scsi_req *r, struct iov_iter *iter,
			  size_t len)
{
	unsigned int max;

	iov_iter_truncate(iter, len);
	max = iov_iter_npages(iter, INT_MAX);
	r->sgl = r->inline_sg;
	if (max > VHOST_SCSI_INLINE_SG) {
		/* 64 KiB for 8 MiB: kvmalloc, not an order-4 kmalloc. */
		r->sgl = kvmalloc_array(max, sizeof(*r->sgl), GFP_KERNEL_ACCOUNT);
		if (!r->sgl)
			return -ENOMEM;
	}
	sg_init_table(r->sgl, max);
	while (iov_iter_count(iter)) {
		struct page *pages[16];
		size_t off;
		ssize_t got = iov_iter_get_pages2(iter, pages, SIZE_MAX,
						  ARRAY_SIZE(pages), &off);
		unsigned int i;

		if (got <= 0)
			return got ?: -EFAULT;
		for (i = 0; got > 0; i++) {
			size_t n = min_t(size_t, got, PAGE_SIZE - off);

			if (r->nents == max) {	/* not as counted: give back */
				while (got > 0) {
					put_page(pages[i++]);
					got -= min_t(size_t, got, PAGE_SIZE - off);
					off = 0;
				}
				return -EFAULT;
			}
			sg_set_page(&r->sgl[r->nents++], pages[i], n, off);
			got -= n;
			off = 0;
		}
	}
	if (r->nents)
		sg_mark_end(&r->sgl[r->nents - 1]);
	return 0;
}

/*
 * The data (capped at the maximum transfer LIO advertises, whatever the
 * guest's descriptors claim: a larger buffer gets the rest as residual)
 * and a copy of the PI, for LIO. @from is at the data-out's PI, if any.
 */
static int vhost_scsi_req_data(struct vhost_scsi_req *r, size_t out,
			       size_t in, const struct vhost_scsi_hdr *h,
			       struct iov_iter *from)
{
	u32 pi = h->pi_out ?: h->pi_in;
	struct iov_iter to;

	r->buf_len = min_t(size_t, out ?: in, U32_MAX);
	r->data_len = min_t(u32, r->buf_len, VHOST_SCSI_MAX_SGL << PAGE_SHIFT);
	r->dir = out ? DMA_TO_DEVICE : in ? DMA_FROM_DEVICE : DMA_NONE;
	r->pi_in = h->pi_in;
	if (pi) {
		r->prot_len = pi;
		/* Zeroed: a read LIO fails leaves it as it was allocated. */
		r->prot_sgl = sgl_alloc(pi, GFP_KERNEL_ACCOUNT | __GFP_ZERO,
					&r->prot_nents);
		if (!r->prot_sgl)
			return -ENOMEM;
	}
	if (h->pi_out &&
	    !vhost_scsi_sgl_copy(r->prot_sgl, r->prot_nents, pi, from))
		return -EFAULT;
	if (out)
		return vhost_scsi_map(r, from, r->data_len);
	if (in) {
		/* Past the response and the PI room. */
		iov_iter_init(&to, ITER_DEST, r->in, r->nin,
			      sizeof(struct virtio_scsi_cmd_resp) + h->pi_in +
			      in);
		iov_iter_advance(&to, sizeof(struct virtio_scsi_cmd_resp) +
			       h->pi_in);
		return vhost_scsi_map(r, &to, r->data_len);
	}
	return 0;
}

static void vhost_scsi_cmd(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
			   const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	struct vhost_scsi_hdr h;
	struct vhost_scsi_tpg *tpg;
	struct vhost_scsi_req *r;
	struct se_cmd *se;
	size_t out, in;
	int ret, cpu;
	u64 lun;

	if (!vhost_scsi_read_hdr(vq, from, &h) ||
	    c->in_len < sizeof(struct virtio_scsi_cmd_resp)) {
		vhost_vq_error(vq, "request %u: %zu/%zu bytes, under the headers",
			       c->head, c->out_len, c->in_len);
		return;
	}
	tpg = vhost_scsi_lun(vs, h.lun, &lun);
	out = iov_iter_count(from);
	in = c->in_len - sizeof(struct virtio_scsi_cmd_resp);
	if (!tpg) {
		vhost_scsi_reply_now(vq, c, VIRTIO_SCSI_S_BAD_TARGET);
		return;
	}
	/*
	 * Bidirectional commands are not offered (VIRTIO_SCSI_F_INOUT);
	 * PI must fit in its direction's buffer and cover at most one
	 * maximum transfer.
	 */
	if ((out && in) || (h.pi_out && h.pi_in) || h.pi_out > out ||
	    h.pi_in > in || max(h.pi_out, h.pi_in) > VHOST_SCSI_MAX_PI) {
		vhost_scsi_reply_now(vq, c, VIRTIO_SCSI_S_FAILURE);
		return;
	}
	r = vhost_scsi_req_new(ring, c);
	if (!r) {
		vhost_scsi_reply_now(vq, c, VIRTIO_SCSI_S_BUSY);
		return;
	}
	ret = vhost_scsi_req_data(r, out - h.pi_out, in - h.pi_in, &h, from);
	if (ret) {
		vhost_scsi_req_free(vs, r, true);
		if (ret == -ENOMEM)
			vhost_scsi_reply_now(vq, c, VIRTIO_SCSI_S_BUSY);
		else
			vhost_vq_error(vq, "request %u: data buffer not %s",
				       c->head, out ? "readable" : "writable");
		return;
	}
	se = &r->se_cmd;
	/* ABORT_TASK finds a command by it. */
	se->tag = h.tag;
	/*
	 * LIO queues the command's submission and completion on the next
	 * CPU this worker may run on, so they run beside the worker while it
	 * takes the next requests. Within the worker's allowed CPUs: where
	 * the administrator confined the vhost threads, LIO's work stays too
	 * (a worker pinned to one CPU keeps it there, as LIO's default does).
	 */
	cpu = raw_smp_processor_id();
	se->cpuid = cpumask_next_and(cpu, current->cpus_ptr, cpu_online_mask);
	if (se->cpuid >= nr_cpu_ids)
		se->cpuid = cpumask_first_and(current->cpus_ptr,
					      cpu_online_mask);
	if (se->cpuid >= nr_cpu_ids)
		se->cpuid = cpu;
	if (target_init_cmd(se, tpg->nexus, r->sense, lun, r->data_len,
			    vhost_scsi_task_attr(h.task_attr), r->dir,
			    TARGET_SCF_ACK_KREF |
			    (se->cpuid != cpu ? TARGET_SCF_USE_CPUID : 0))) {
		vhost_scsi_req_free(vs, r, true);
		vhost_scsi_reply_now(vq, c, VIRTIO_SCSI_S_BAD_TARGET);
		return;
	}
	/* On failure LIO already queued the CHECK CONDITION (cmd_done). */
	if (target_submit_prep(se, h.cdb, r->sgl, r->nents, NULL, 0,
			       r->prot_sgl, r->prot_nents, GFP_KERNEL))
		return;
	/*
	 * With a PROTECT field set LIO sizes the transfer from the CDB, not
	 * from our buffers: it must not reach past them.
	 */
	if (se->data_length > r->data_len ||
	    (r->prot_sgl && se->prot_length > r->prot_len)) {
		transport_generic_request_failure(se, TCM_INVALID_CDB_FIELD);
		return;
	}
	vhost_scsi_submit(se);
}

/* ---- the control ring ------------------------------------------------ */

/* LIO's function for a virtio TMF subtype; TMR_UNKNOWN if it has none. */
static u8 vhost_scsi_tmr_of(u32 subtype)
{
	switch (subtype) {
	case VIRTIO_SCSI_T_TMF_ABORT_TASK:
		return TMR_ABORT_TASK;
	case VIRTIO_SCSI_T_TMF_ABORT_TASK_SET:
		return TMR_ABORT_TASK_SET;
	case VIRTIO_SCSI_T_TMF_CLEAR_ACA:
		return TMR_CLEAR_ACA;
	case VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET:
		return TMR_CLEAR_TASK_SET;
	case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
		return TMR_LUN_RESET;
	default:
		/* I_T nexus reset and the queries. */
		return TMR_UNKNOWN;
	}
}

/*
 * A task management function goes to LIO, which answers it (those it
 * does not implement are rejected there). ABORT_TASK names its task by
 * the tag the guest gave the command; LIO waits for an aborted command
 * to come back before it answers, and the command is answered ABORTED.
 */
static void vhost_scsi_tmf(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
			   const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	struct virtio_scsi_ctrl_tmf_req req;
	struct vhost_scsi_tpg *tpg;
	struct vhost_scsi_req *r;
	u8 response, fn;
	u64 lun;

	if (copy_from_iter(&req.subtype, sizeof(req) - sizeof(req.type), from) !=
	    sizeof(req) - sizeof(req.type) || c->in_len < 1) {
		vhost_vq_error(vq, "TMF %u too short", c->head);
		return;
	}
	tpg = vhost_scsi_lun(vs, req.lun, &lun);
	fn = vhost_scsi_tmr_of(vhost_scsi_to_cpu32(vq, req.subtype));
	response = VIRTIO_SCSI_S_FUNCTION_REJECTED;
	if (!tpg) {
		response = VIRTIO_SCSI_S_BAD_TARGET;
	} else if (fn != TMR_UNKNOWN) {
		r = vhost_scsi_req_new(ring, c);
		if (r) {
			r->tmf = true;
			if (!target_submit_tmr(&r->se_cmd, tpg->nexus, NULL, lun,
					       r, fn, GFP_KERNEL,
					       __virtio64_to_cpu(vhost_vq_is_le(vq),
								 req.tag),
					       TARGET_SCF_ACK_KREF))
				return;
			vhost_scsi_req_free(vs, r, true);
		}
	}
	vhost_scsi_reply(vq, c->head, c->iov + c->out, c->in, &response, 1);
}

static void vhost_scsi_an(struct vhost_virtqueue *vq,
			  const struct vhost_chain *c)
{
	/* No asynchronous notifications: none subscribed, none pending. */
	struct virtio_scsi_ctrl_an_resp resp = { .response = VIRTIO_SCSI_S_OK };

	if (c->in_len < sizeof(resp)) {
		vhost_vq_error(vq, "AN request %u: no room for the answer",
			       c->head);
		return;
	}
	vhost_scsi_reply(vq, c->head, c->iov + c->out, c->in, &resp,
			 sizeof(resp));
}

static void vhost_scsi_ctl(struct vhost_scsi *vs, struct vhost_scsi_ring *ring,
			   const struct vhost_chain *c, struct iov_iter *from)
{
	struct vhost_virtqueue *vq = &ring->vq;
	__virtio32 type;

	if (copy_from_iter(&type, sizeof(type), from) != sizeof(type)) {
		vhost_vq_error(vq, "control request %u too short", c->head);
		return;
	}
	switch (vhost_scsi_to_cpu32(vq, type)) {
	case VIRTIO_SCSI_T_TMF:
		vhost_scsi_tmf(vs, ring, c, from);
		break;
	case VIRTIO_SCSI_T_AN_QUERY:
	case VIRTIO_SCSI_T_AN_SUBSCRIBE:
		vhost_scsi_an(vq, c);
		break;
	default:
		vhost_vq_error(vq, "control request %u: type %u", c->head,
			       vhost_scsi_to_cpu32(vq, type));
		break;
	}
}

/* ---- the control and request rings' loop ----------------------------- */

/* Unbinding: the rings take no new requests. */
static bool vhost_scsi_may_take(struct vhost_virtqueue *vq)
{
	return !vhost_scsi_of(vq)->stopping;
}

/* A control or I/O request; the bytes its chain spans, for the weight. */
static ssize_t vhost_scsi_request(struct vhost_virtqueue *vq,
				  struct vhost_chain *c)
{
	struct vhost_scsi *vs = vhost_scsi_of(vq);
	struct vhost_scsi_ring *ring = vhost_scsi_ring_of(vq);
	struct iov_iter from;

	iov_iter_init(&from, ITER_SOURCE, c->iov, c->out, c->out_len);
	if (ring == &vs->rings[VHOST_SCSI_CTL])
		vhost_scsi_ctl(vs, ring, c, &from);
	else
		vhost_scsi_cmd(vs, ring, c, &from);
	return c->out_len + c->in_len;
}

static const struct vhost_chain_handler vhost_scsi_requests = {
	.may_fetch = vhost_scsi_may_take,
	.handle = vhost_scsi_request,
};

static void vhost_scsi_request_kick(struct vhost_work *work)
{
	vhost_vq_run(container_of(work, struct vhost_poll, work)->vq,
		     &vhost_scsi_requests);
}

/* ---- the event ring -------------------------------------------------- */

struct vhost_scsi_event {
	struct llist_node node;
	u32 event;
	u32 reason;
	u8 lun[8];
};

/*
 * Hotplug runs from configfs under the TPG's lock. Rather than nest a ring
 * mutex inside a fabric lock to set events_missed, it leaves a mark that
 * the event ring's users fold in under that ring's mutex.
 */
static void vhost_scsi_fold_dropped(struct vhost_scsi *vs)
{
	lockdep_assert_held(&vs->rings[VHOST_SCSI_EVT].vq.mutex);
	if (atomic_xchg(&vs->events_dropped, 0))
		vs->events_missed = true;
}

static bool vhost_scsi_post_event(struct vhost_scsi *vs,
				  struct vhost_virtqueue *vq, u32 event,
				  u32 reason, const u8 lun[8])
{
	struct virtio_scsi_event ev = {};
	struct vhost_chain c;
	int ret;

	ret = vhost_vq_fetch(vq, &c);
	if (ret <= 0) {
		vs->events_missed = true;
		return false;
	}
	if (c.out || c.in_len < sizeof(ev)) {
		vhost_vq_error(vq, "event buffer %u: %zu writable bytes",
			       c.head, c.in_len);
		vs->events_missed = true;
		return false;
	}
	if (vs->events_missed)
		event |= VIRTIO_SCSI_T_EVENTS_MISSED;
	ev.event = vhost_scsi_virtio32(vq, event);
	ev.reason = vhost_scsi_virtio32(vq, reason);
	memcpy(ev.lun, lun, sizeof(ev.lun));
	vhost_scsi_reply(vq, c.head, c.iov, c.in, &ev, sizeof(ev));
	if (vq->broken)
		return false;
	vs->events_missed = false;
	return true;
}

static void vhost_scsi_event_work(struct vhost_work *work)
{
	struct vhost_scsi *vs = container_of(work, struct vhost_scsi,
					     event_work);
	struct vhost_virtqueue *vq = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_event *e, *t;
	struct llist_node *list;
	static const u8 no_lun[8];

	list = llist_reverse_order(llist_del_all(&vs->events));
	mutex_lock(&vq->mutex);
	vhost_scsi_fold_dropped(vs);
	llist_for_each_entry_safe(e, t, list, node) {
		if (vhost_vq_get_backend(vq) && vhost_vq_ready(vq))
			vhost_scsi_post_event(vs, vq, e->event, e->reason, e->lun);
		else
			vs->events_missed = true;
		atomic_dec(&vs->nr_events);
		kfree(e);
	}
	/* A guest that posts buffers after missing events learns of it. */
	if (!list && vs->events_missed && vhost_vq_get_backend(vq) &&
	    vhost_vq_ready(vq))
		vhost_scsi_post_event(vs, vq, VIRTIO_SCSI_T_NO_EVENT, 0, no_lun);
	vhost_vq_signal(vq);
	mutex_unlock(&vq->mutex);
}

static void vhost_scsi_evt_kick(struct vhost_work *work)
{
	struct vhost_poll *p = container_of(work, struct vhost_poll, work);

	vhost_scsi_event_work(&vhost_scsi_of(p->vq)->event_work);
}

/**
 * vhost_scsi_hotplug - tell the guest a LUN came or went
 * @vs: the device bound to @tpg
 * @tpg: the TPG, its lock held
 * @lun: the LUN
 * @added: linked (true) or about to be unlinked
 *
 * Context: process context (configfs); @tpg->lock held.
 */
void vhost_scsi_hotplug(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg,
			u64 lun, bool added)
{
	struct vhost_virtqueue *vq = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_event *e;

	lockdep_assert_held(&tpg->lock);
	if (!vhost_has_feature(vq, VIRTIO_SCSI_F_HOTPLUG))
		return;
	e = NULL;
	if (atomic_inc_return(&vs->nr_events) <= VHOST_SCSI_MAX_EVENTS)
		e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		atomic_dec(&vs->nr_events);
		/* The worker tells a guest with event buffers right away. */
		atomic_set(&vs->events_dropped, 1);
		vhost_vq_work_queue(vq, &vs->event_work);
		return;
	}
	e->event = VIRTIO_SCSI_T_TRANSPORT_RESET;
	e->reason = added ? VIRTIO_SCSI_EVT_RESET_RESCAN :
			    VIRTIO_SCSI_EVT_RESET_REMOVED;
	e->lun[0] = 1;
	e->lun[1] = tpg->tag;
	if (lun >= 256)
		e->lun[2] = 0x40 | ((lun >> 8) & 0x3f);
	e->lun[3] = lun & 0xff;
	llist_add(&e->node, &vs->events);
	vhost_vq_work_queue(vq, &vs->event_work);
}

/* ---- endpoints ------------------------------------------------------- */

/* Unbind: with dev->mutex held. Requests LIO has are waited for. */
static void vhost_scsi_unbind(struct vhost_scsi *vs)
{
	unsigned int i;

	lockdep_assert_held(&vs->dev.mutex);
	if (!vs->bound)
		return;
	/*
	 * No new requests (handlers read the flag under their ring's
	 * mutex); answers to those in flight still go out.
	 */
	for (i = 0; i < vs->nrings; i++) {
		struct vhost_virtqueue *vq = &vs->rings[i].vq;

		mutex_lock(&vq->mutex);
		vs->stopping = true;
		mutex_unlock(&vq->mutex);
	}
	wait_var_event(&vs->inflight, !atomic_read(&vs->inflight));
	vhost_dev_stop_rings(&vs->dev);
	/* Stopped rings take no requests: their spares go. */
	for (i = 0; i < vs->nrings; i++) {
		struct vhost_scsi_ring *ring = &vs->rings[i];
		struct vhost_scsi_req *r, *t;

		mutex_lock(&ring->vq.mutex);
		llist_for_each_entry_safe(r, t, ring->spare, node)
			kfree(r);
		ring->spare = NULL;
		ring->nspare = 0;
		mutex_unlock(&ring->vq.mutex);
	}
	/* Our dependencies keep the TPGs until they are dropped here. */
	for (i = 0; i < VHOST_SCSI_MAX_TARGETS; i++) {
		struct vhost_scsi_tpg *tpg = vs->targets[i];

		if (!tpg)
			continue;
		mutex_lock(&tpg->lock);
		tpg->owner = NULL;
		mutex_unlock(&tpg->lock);
		vs->targets[i] = NULL;
		target_undepend_item(&tpg->se_tpg.tpg_group.cg_item);
	}
	vs->bound = false;
	vs->stopping = false;
}

/*
 * Bind one TPG. configfs locks its directories while it calls the fabric
 * (LUN links take tpg->lock under them), so the dependency that pins the
 * TPG is taken with none of our locks held; the item reference taken
 * under vhost_scsi_tpgs_lock keeps the TPG's memory until then.
 */
static int vhost_scsi_bind(struct vhost_scsi *vs, struct vhost_scsi_tpg *tpg)
{
	struct config_item *item = &tpg->se_tpg.tpg_group.cg_item;
	bool ok = false;

	if (target_depend_item(item))
		return 0;	/* being removed */
	mutex_lock(&tpg->lock);
	/* Another device's, or no nexus to send commands on. */
	if (!tpg->owner && tpg->nexus && !vs->targets[tpg->tag]) {
		tpg->owner = vs;
		vs->targets[tpg->tag] = tpg;
		ok = true;
	}
	mutex_unlock(&tpg->lock);
	if (!ok)
		target_undepend_item(item);
	return ok;
}

static long vhost_scsi_set_endpoint(struct vhost_scsi *vs,
				    const struct vhost_scsi_target *t)
{
	struct vhost_scsi_tpg *tpg, **found;
	unsigned int i, n = 0, bound = 0;

	if (t->reserved)
		return -EOPNOTSUPP;
	if (vs->bound)
		return -EEXIST;
	found = kcalloc(VHOST_SCSI_MAX_TARGETS, sizeof(*found), GFP_KERNEL);
	if (!found)
		return -ENOMEM;
	mutex_lock(&vhost_scsi_tpgs_lock);
	list_for_each_entry(tpg, &vhost_scsi_tpgs, node) {
		if (n == VHOST_SCSI_MAX_TARGETS ||
		    strcmp(tpg->tport->name, t->vhost_wwpn))
			continue;
		/* Not one whose last reference is going (drop_tpg waits). */
		if (kref_get_unless_zero(&tpg->se_tpg.tpg_group.cg_item.ci_kref))
			found[n++] = tpg;
	}
	mutex_unlock(&vhost_scsi_tpgs_lock);
	for (i = 0; i < n; i++) {
		bound += vhost_scsi_bind(vs, found[i]);
		config_item_put(&found[i]->se_tpg.tpg_group.cg_item);
	}
	kfree(found);
	if (!bound)
		return -ENODEV;
	vs->bound = true;
	memcpy(vs->wwpn, t->vhost_wwpn, sizeof(vs->wwpn));
	vhost_dev_start_rings(&vs->dev, vs);
	return 0;
}

static long vhost_scsi_clear_endpoint(struct vhost_scsi *vs,
				      const struct vhost_scsi_target *t)
{
	if (!vs->bound)
		return 0;
	if (strcmp(vs->wwpn, t->vhost_wwpn))
		return -EINVAL;
	vhost_scsi_unbind(vs);
	return 0;
}

/* ---- the device ------------------------------------------------------ */

static void vhost_scsi_stop(struct vhost_dev *dev)
{
	vhost_scsi_unbind(container_of(dev, struct vhost_scsi, dev));
}

/* The device's own ioctls; the core's are tried after them. */
static long vhost_scsi_ioctl(struct vhost_dev *dev, unsigned int cmd,
			     void __user *argp)
{
	struct vhost_scsi *vs = container_of(dev, struct vhost_scsi,
					     dev);
	struct vhost_virtqueue *evt = &vs->rings[VHOST_SCSI_EVT].vq;
	struct vhost_scsi_target t;
	u32 missed;
	long ret;

	switch (cmd) {
	case VHOST_SCSI_SET_ENDPOINT:
	case VHOST_SCSI_CLEAR_ENDPOINT:
		if (copy_from_user(&t, argp, sizeof(t)))
			return -EFAULT;
		t.vhost_wwpn[sizeof(t.vhost_wwpn) - 1] = '\0';
		mutex_lock(&vs->dev.mutex);
		ret = vhost_dev_check_owner(&vs->dev);
		if (!ret)
			ret = cmd == VHOST_SCSI_SET_ENDPOINT ?
			      vhost_scsi_set_endpoint(vs, &t) :
			      vhost_scsi_clear_endpoint(vs, &t);
		mutex_unlock(&vs->dev.mutex);
		return ret;
	case VHOST_SCSI_GET_ABI_VERSION:
		/* Encoded as _IOW, but the device writes it. */
		return put_user(VHOST_SCSI_ABI_VERSION, (int __user *)argp);
	case VHOST_SCSI_SET_EVENTS_MISSED:
		if (get_user(missed, (u32 __user *)argp))
			return -EFAULT;
		mutex_lock(&evt->mutex);
		vhost_scsi_fold_dropped(vs);
		vs->events_missed = missed;
		mutex_unlock(&evt->mutex);
		return 0;
	case VHOST_SCSI_GET_EVENTS_MISSED:
		mutex_lock(&evt->mutex);
		vhost_scsi_fold_dropped(vs);
		missed = vs->events_missed;
		mutex_unlock(&evt->mutex);
		return put_user(missed, (u32 __user *)argp);
	}
	return -ENOIOCTLCMD;
}

static const struct vhost_dev_ops vhost_scsi_ops = {
	.features = VHOST_SCSI_FEATURES,
	.backend_features = VHOST_BASE_BACKEND_FEATURES,
	.stop = vhost_scsi_stop,
	.ioctl = vhost_scsi_ioctl,
};

static int vhost_scsi_open(struct inode *inode, struct file *f)
{
	unsigned int n = VHOST_SCSI_IO + clamp(max_io_vqs, 1U, 1024U);
	struct vhost_scsi *vs;
	unsigned int i;
	int ret;

	vs = kvzalloc(struct_size(vs, rings, n), GFP_KERNEL_ACCOUNT);
	if (!vs)
		return -ENOMEM;
	vs->vqs = kvcalloc(n, sizeof(*vs->vqs), GFP_KERNEL_ACCOUNT);
	if (!vs->vqs) {
		kvfree(vs);
		return -ENOMEM;
	}
	vs->nrings = n;
	init_llist_head(&vs->events);
	vhost_work_init(&vs->event_work, vhost_scsi_event_work);
	for (i = 0; i < n; i++) {
		struct vhost_scsi_ring *ring = &vs->rings[i];

		init_llist_head(&ring->done);
		vhost_work_init(&ring->done_work, vhost_scsi_done_work);
		ring->vq.handle_kick = i == VHOST_SCSI_EVT ? vhost_scsi_evt_kick :
				       vhost_scsi_request_kick;
		vs->vqs[i] = &ring->vq;
	}
	ret = vhost_dev_init(&vs->dev, "scsi", &vhost_scsi_ops, vs->vqs, n);
	if (ret) {
		kvfree(vs->vqs);
		kvfree(vs);
		return ret;
	}
	f->private_data = &vs->dev;
	return 0;
}

static int vhost_scsi_release(struct inode *inode, struct file *f)
{
	struct vhost_scsi *vs = container_of(f->private_data, struct vhost_scsi,
					     dev);
	struct vhost_scsi_event *e, *t;

	mutex_lock(&vs->dev.mutex);
	vhost_scsi_unbind(vs);
	mutex_unlock(&vs->dev.mutex);
	vhost_dev_cleanup(&vs->dev);
	llist_for_each_entry_safe(e, t, llist_del_all(&vs->events), node)
		kfree(e);
	kvfree(vs->vqs);
	kvfree(vs);
	return 0;
}

DEFINE_VHOST_MISCDEV(vhost_scsi_misc, "vhost-scsi", MISC_DYNAMIC_MINOR,
		     vhost_scsi_open, vhost_scsi_release);

static int __init vhost_scsi_init(void)
{
	int ret;

	/* A second "vhost-scsi" (Linux's module) fails here first. */
	ret = misc_register(&vhost_scsi_misc);
	if (ret)
		return ret;
	ret = vhost_scsi_fabric_register();
	if (ret)
		misc_deregister(&vhost_scsi_misc);
	return ret;
}
module_init(vhost_scsi_init);

static void __exit vhost_scsi_exit(void)
{
	vhost_scsi_fabric_unregister();
	misc_deregister(&vhost_scsi_misc);
}
module_exit(vhost_scsi_exit);

MODULE_VERSION(VHOST_VERSION);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("virtio-scsi host end: a LIO target fabric (out-of-tree vhost)");
MODULE_ALIAS("tcm_vhost");
