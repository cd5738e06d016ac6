// SPDX-License-Identifier: GPL-2.0
/*
 * The request path of /dev/vhost-scsi: requests taken off the control and
 * request rings, handed to LIO, and answered once LIO is done with them.
 *
 * LIO moves a request's data straight to or from the guest's pages, which
 * the request holds until it is answered; T10 PI, a few bytes per block,
 * is copied through a buffer of its own. Completions arrive from LIO's
 * workqueues; they only queue the request on its ring's done list, and the
 * ring's worker writes the response.
 */
#include <linux/slab.h>
#include <linux/virtio_scsi.h>
#include <linux/wait_bit.h>
#include <scsi/scsi_proto.h>

#include "scsi.h"

/* Protection information: 8 bytes per 512-byte block of a transfer. */
#define VHOST_SCSI_MAX_PI	((VHOST_SCSI_MAX_SGL << PAGE_SHIFT) / 512 * 8)
/* Freed requests a ring keeps for its next ones. */
#define VHOST_SCSI_SPARE	64

/* ---- responses ------------------------------------------------------- */

/* The dirty log learns of @len bytes written into @iov. */
static void vhost_scsi_log(struct vhost_virtqueue *vq, struct iovec *iov,
			   unsigned int n, size_t len)
{
	struct vhost_chain c = { .iov = iov, .in = n, .in_len = len };

	vhost_vq_log_write(vq, &c, len);
}

/**
 * vhost_scsi_reply - write an answer at the start of a chain's writable
 * part, and use the chain
 * @vq: the ring
 * @head: the chain's head
 * @iov: the chain's writable buffers
 * @n: how many
 * @buf: the answer
 * @len: its length
 *
 * A chain that cannot take @len bytes there signals the ring's error.
 *
 * Context: process context; @vq->mutex held.
 */
void vhost_scsi_reply(struct vhost_virtqueue *vq, u16 head,
		      struct iovec *iov, unsigned int n,
		      const void *buf, size_t len)
{
	struct iov_iter to;

	lockdep_assert_held(&vq->mutex);
	iov_iter_init(&to, ITER_DEST, iov, n, len);
	if (copy_to_iter(buf, len, &to) != len) {
		vhost_vq_error(vq, "answer to %u not writable", head);
		return;
	}
	vhost_scsi_log(vq, iov, n, len);
	vhost_vq_add_used(vq, head, len);
}

/**
 * vhost_scsi_req_free - a request's pages and buffers go back; the request
 * itself to its ring's spares when @keep, else to the slab
 * @vs: the device
 * @r: the request
 * @keep: keep @r for the ring's next requests
 *
 * The last request freed may let the device be freed (see the unbind).
 *
 * Context: process context; @r->ring->vq.mutex held when @keep.
 */
void vhost_scsi_req_free(struct vhost_scsi *vs, struct vhost_scsi_req *r,
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

/**
 * vhost_scsi_done_work - answer and free the requests LIO is done with
 * @work: a ring's done_work
 *
 * Context: the ring's worker; takes the ring's mutex.
 */
void vhost_scsi_done_work(struct vhost_work *work)
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

/**
 * vhost_scsi_req_new - a request for a chain, a spare one if the ring has
 * one, counted in the device's requests in flight
 * @ring: the ring
 * @c: the chain
 *
 * Context: process context; the ring's mutex held.
 * Return: the request, or NULL without memory.
 */
struct vhost_scsi_req *vhost_scsi_req_new(struct vhost_scsi_ring *ring,
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

/**
 * vhost_scsi_request_kick - the kick handler of the control and request
 * rings
 * @work: the ring's poll work
 *
 * Context: the ring's worker; vhost_vq_run() takes the ring's mutex.
 */
void vhost_scsi_request_kick(struct vhost_work *work)
{
	vhost_vq_run(container_of(work, struct vhost_poll, work)->vq,
		     &vhost_scsi_requests);
}
