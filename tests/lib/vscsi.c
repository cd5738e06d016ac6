// SPDX-License-Identifier: GPL-2.0
/* The virtio-scsi guest driver and LIO set-up of the suites; see vscsi.h. */
#include "vt.h"
#include "vscsi.h"

#include <endian.h>
#include <sys/stat.h>

#define LIO "/sys/kernel/config/target"

#define NULLB "/sys/kernel/config/nullb"

/*
 * The shared area: request slots (slot 0 large, the others small), then
 * the control request and the event buffers. A slot holds the header,
 * the response, the PI and the data.
 */
#define VSC_REQ_OFF	0u
#define VSC_RESP_OFF	256u
#define VSC_PI_OFF	4096u
#define VSC_PI_ROOM(d)	((d) / 512u * 8u)	/* a multiple of 4096 */
#define VSC_SLOT_SIZE(d) (VSC_PI_OFF + VSC_PI_ROOM(d) + (d))
#define VSC_CTL_OFF	(VSC_SLOT_SIZE(VSC_MAX_DATA) +			\
			 (VSC_SLOTS - 1) * VSC_SLOT_SIZE(VSC_SLOT_DATA))
#define VSC_EVT_OFF	(VSC_CTL_OFF + 4096u)
#define VSC_AREA	(VSC_EVT_OFF + 64u * 16u)

static uint32_t slot_data(unsigned int s)
{
	return s ? VSC_SLOT_DATA : VSC_MAX_DATA;
}

static uint8_t *slot_at(const struct vsc *v, unsigned int s, uint32_t off)
{
	uint32_t base = s ? VSC_SLOT_SIZE(VSC_MAX_DATA) +
			    (s - 1) * VSC_SLOT_SIZE(VSC_SLOT_DATA) : 0;

	return v->area + base + off;
}

static uint64_t slot_gpa(const struct vsc *v, unsigned int s, uint32_t off)
{
	return v->area_gpa + (uint64_t)(slot_at(v, s, off) - v->area);
}

static uint32_t slot_data_off(unsigned int s)
{
	return VSC_PI_OFF + VSC_PI_ROOM(slot_data(s));
}

const char *vsc_dev_path(void)
{
	const char *p = getenv("VHOST_SCSI_DEV");

	return p && *p ? p : "/dev/vhost-scsi";
}

static void lio_mkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		FAIL("mkdir %s: %s", path, strerror(errno));
}

static void lio_must_write(const char *path, const char *val)
{
	int r = vt_write_file(path, val);

	if (r)
		FAIL("write '%s' to %s: %s", val, path, strerror(-r));
}

static void lio_tpg_write(const struct lio_port *p, const char *attr,
			  const char *val)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", p->tpg, attr);
	lio_must_write(path, val);
}

/*
 * A backstore target/core/<kind>_<id>/disk in @dir, configured with
 * @control and enabled.
 */
static void lio_backstore(char *dir, size_t len, const char *kind,
			  unsigned int id, const char *control)
{
	char hba[128], path[400];

	snprintf(hba, sizeof(hba), LIO "/core/%s_%u", kind, id);
	lio_mkdir(hba);
	snprintf(dir, len, "%s/disk", hba);
	lio_mkdir(dir);
	snprintf(path, sizeof(path), "%s/control", dir);
	lio_must_write(path, control);
	snprintf(path, sizeof(path), "%s/enable", dir);
	lio_must_write(path, "1");
}

/* A ramdisk backstore of @mib MiB, with T10 PI of @pi_type unless 0. */
static void lio_ramdisk(char *dir, size_t len, unsigned int id, unsigned int mib,
			unsigned int pi_type)
{
	char path[400], val[64];

	snprintf(val, sizeof(val), "rd_pages=%u", mib * 256u);
	lio_backstore(dir, len, "rd_mcp", id, val);
	if (pi_type) {
		/* Only a configured device that no LUN exports yet. */
		snprintf(path, sizeof(path), "%s/attrib/pi_prot_type", dir);
		snprintf(val, sizeof(val), "%u", pi_type);
		lio_must_write(path, val);
	}
}

/* A null_blk device whose I/O completes after @ms ms; its /dev path. */
static void lio_nullb(struct lio_port *p, unsigned int ms, char *dev,
		      size_t len)
{
	char path[256], val[64];
	unsigned int index;
	FILE *f;

	if (access(NULLB, F_OK) &&
	    system("modprobe null_blk nr_devices=0 >/dev/null 2>&1") == -1)
		FAIL("cannot run modprobe: %s", strerror(errno));
	if (access(NULLB, F_OK))
		SKIP("no null_blk configfs (CONFIG_BLK_DEV_NULL_BLK) for a slow LUN");
	snprintf(p->nullb, sizeof(p->nullb), NULLB "/vtslow%u",
		 (unsigned int)getpid());
	lio_mkdir(p->nullb);
	snprintf(path, sizeof(path), "%s/size", p->nullb);
	lio_must_write(path, "64");		/* MiB */
	snprintf(path, sizeof(path), "%s/irqmode", p->nullb);
	lio_must_write(path, "2");		/* complete from a timer */
	snprintf(path, sizeof(path), "%s/completion_nsec", p->nullb);
	snprintf(val, sizeof(val), "%llu", ms * 1000000ull);
	lio_must_write(path, val);
	snprintf(path, sizeof(path), "%s/power", p->nullb);
	lio_must_write(path, "1");
	/* Named after the directory on newer kernels, nullb<index> before. */
	snprintf(dev, len, "/dev/%s", strrchr(p->nullb, '/') + 1);
	if (!access(dev, F_OK))
		return;
	snprintf(path, sizeof(path), "%s/index", p->nullb);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%u", &index) != 1)
		FAIL("read %s", path);
	fclose(f);
	snprintf(dev, len, "/dev/nullb%u", index);
	if (access(dev, F_OK))
		FAIL("null_blk device %s: %s", dev, strerror(errno));
}

/* An iblock backstore on @dev. */
static void lio_iblock(char *dir, size_t len, unsigned int id, const char *dev)
{
	char val[300];

	snprintf(val, sizeof(val), "udev_path=%s", dev);
	lio_backstore(dir, len, "iblock", id, val);
}

static unsigned int lio_lun_link(struct lio_port *p)
{
	unsigned int lun = p->nluns;
	char path[512], link[600];

	snprintf(path, sizeof(path), "%s/lun/lun_%u", p->tpg, lun);
	lio_mkdir(path);
	snprintf(link, sizeof(link), "%s/disk", path);
	if (symlink(p->disks[lun], link))
		FAIL("link LUN %u: %s", lun, strerror(errno));
	p->nluns++;
	return lun;
}

/* The backstore of the next LUN goes in p->disks[p->nluns]. */
static char *lio_next_disk(struct lio_port *p, unsigned int *id)
{
	if (p->nluns >= 4)
		FAIL("more than 4 LUNs");
	*id = (unsigned int)getpid() * 8u + p->nluns;
	return p->disks[p->nluns];
}

unsigned int lio_lun_add_pi(struct lio_port *p, unsigned int mib,
			    unsigned int type)
{
	unsigned int id;
	char *disk = lio_next_disk(p, &id);

	lio_ramdisk(disk, sizeof(p->disks[0]), id, mib, type);
	return lio_lun_link(p);
}

unsigned int lio_lun_add(struct lio_port *p, unsigned int mib)
{
	return lio_lun_add_pi(p, mib, 0);
}

unsigned int lio_lun_add_slow(struct lio_port *p, unsigned int ms)
{
	char dev[160];
	unsigned int id;
	char *disk = lio_next_disk(p, &id);

	if (p->nullb[0])
		FAIL("one slow LUN per port");
	lio_nullb(p, ms, dev, sizeof(dev));
	lio_iblock(disk, sizeof(p->disks[0]), id, dev);
	return lio_lun_link(p);
}

static void lio_disk_remove(char *disk)
{
	char *slash;

	rmdir(disk);
	slash = strrchr(disk, '/');
	if (slash) {
		*slash = '\0';
		rmdir(disk);
	}
}

void lio_lun_remove(struct lio_port *p, unsigned int lun)
{
	char path[512], link[600];

	if (lun + 1 != p->nluns)
		FAIL("only the last LUN can be removed");
	snprintf(path, sizeof(path), "%s/lun/lun_%u", p->tpg, lun);
	snprintf(link, sizeof(link), "%s/disk", path);
	if (unlink(link) || rmdir(path))
		FAIL("unlink LUN %u: %s", lun, strerror(errno));
	lio_disk_remove(p->disks[lun]);
	p->nluns--;
}

void lio_port_setup(struct lio_port *p, unsigned int tag, unsigned int nluns,
		    unsigned int mib)
{
	char path[256], nexus[64];

	memset(p, 0, sizeof(*p));
	if (access(LIO, F_OK))
		SKIP("%s: no LIO target core (target_core_mod)", LIO);
	/* The fabric's directory appears when first made (rtslib does too). */
	lio_mkdir(LIO "/vhost");
	snprintf(p->wwn, sizeof(p->wwn), "naa.5001405%09x",
		 ((unsigned int)getpid() * 16u + tag) & 0xfffffffu);
	p->tag = tag;
	snprintf(path, sizeof(path), LIO "/vhost/%s", p->wwn);
	lio_mkdir(path);
	snprintf(p->tpg, sizeof(p->tpg), "%s/tpgt_%u", path, tag);
	lio_mkdir(p->tpg);
	snprintf(nexus, sizeof(nexus), "naa.5001405f%08x",
		 (unsigned int)getpid() * 16u + tag);
	lio_tpg_write(p, "nexus", nexus);
	while (p->nluns < nluns)
		lio_lun_add(p, mib);
}

void lio_port_teardown(struct lio_port *p)
{
	char path[512];
	unsigned int i;

	for (i = 0; i < p->nluns; i++) {
		char link[600];

		snprintf(path, sizeof(path), "%s/lun/lun_%u", p->tpg, i);
		snprintf(link, sizeof(link), "%s/disk", path);
		unlink(link);
		rmdir(path);
	}
	if (rmdir(p->tpg))
		FAIL("rmdir %s: %s", p->tpg, strerror(errno));
	snprintf(path, sizeof(path), LIO "/vhost/%s", p->wwn);
	if (rmdir(path))
		FAIL("rmdir %s: %s", path, strerror(errno));
	for (i = 0; i < p->nluns; i++)
		lio_disk_remove(p->disks[i]);
	/* After the iblock backstore that held it open. */
	if (p->nullb[0] && rmdir(p->nullb))
		FAIL("rmdir %s: %s", p->nullb, strerror(errno));
}

/* ---- the device ------------------------------------------------------ */

static long vsc_endpoint(int fd, unsigned long req, const char *wwn)
{
	struct vhost_scsi_target t = { .abi_version = VHOST_SCSI_ABI_VERSION };

	snprintf(t.vhost_wwpn, sizeof(t.vhost_wwpn), "%s", wwn);
	return vh_ioctl(fd, req, &t);
}

long vsc_set_endpoint(int fd, const char *wwn)
{
	return vsc_endpoint(fd, VHOST_SCSI_SET_ENDPOINT, wwn);
}

long vsc_clear_endpoint(int fd, const char *wwn)
{
	return vsc_endpoint(fd, VHOST_SCSI_CLEAR_ENDPOINT, wwn);
}

/* Ring @i, with an indirect table per head for requests if asked. */
static void vsc_ring(struct vsc *v, unsigned int i)
{
	struct vring_cfg cfg = { .num = v->o.num };

	if (v->o.indirect && i >= VSC_IO)
		cfg.ind_max = 6;
	vt_guest_ring(v->fd, i, &v->vr[i], &v->mem, &cfg);
}

void vsc_ring_reset(struct vsc *v, unsigned int ring)
{
	vsc_ring(v, VSC_IO + ring);
	memset(v->busy, 0, sizeof(v->busy));
	memset(v->done, 0, sizeof(v->done));
}

void vsc_setup(struct vsc *v, const struct vsc_opts *o,
	       const struct lio_port *port)
{
	memset(v, 0, sizeof(*v));
	if (o)
		v->o = *o;
	if (!v->o.num)
		v->o.num = 64;
	if (!v->o.features)
		v->o.features = VT_F_VERSION_1;
	if (!v->o.nio)
		v->o.nio = 1;
	if (v->o.nio > VSC_MAX_IO)
		FAIL("%u request rings: at most %u", v->o.nio, VSC_MAX_IO);
	if (v->o.indirect)
		v->o.features |= VT_F_INDIRECT;
	v->fd = vt_guest_open(vsc_dev_path(), v->o.features, &v->mem, 32u << 20);
	v->features = v->o.features;
	for (unsigned int i = 0; i < VSC_IO + v->o.nio; i++)
		vsc_ring(v, i);
	v->area = gmem_alloc_p(&v->mem, VSC_AREA, VT_PAGE, &v->area_gpa);
	if (port && !v->o.no_endpoint)
		EXPECT_OK(vsc_set_endpoint(v->fd, port->wwn));
}

void vsc_teardown(struct vsc *v, struct lio_port *p)
{
	close(v->fd);
	lio_port_teardown(p);
}

static void vsc_lun(uint8_t lun[8], unsigned int tag, unsigned int l)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[1] = (uint8_t)tag;
	lun[2] = (uint8_t)((l >> 8) | 0x40);
	lun[3] = (uint8_t)l;
}

/* A free slot whose buffers take @data bytes; small ones first. */
static unsigned int vsc_slot(const struct vsc *v, uint32_t data)
{
	for (unsigned int i = VSC_SLOTS; i-- > 0;)
		if (!v->busy[i] && data <= slot_data(i))
			return i;
	FAIL("no free request slot for %u bytes", data);
}

/* The request header, in the layout the negotiated features ask for. */
static uint32_t vsc_header(const struct vsc *v, struct vsc_cmd *c, uint8_t *h)
{
	struct virtio_scsi_cmd_req_pi *pi = (void *)h;
	struct virtio_scsi_cmd_req *req = (void *)h;

	if (v->features & VT_F_T10_PI) {
		memset(pi, 0, sizeof(*pi));
		vsc_lun(pi->lun, c->tag, c->lun);
		pi->tag = htole64(c->id);
		pi->task_attr = VIRTIO_SCSI_S_SIMPLE;
		pi->pi_bytesout = htole32(c->pi_out_claim ?: c->pi_out_len);
		pi->pi_bytesin = htole32(c->pi_in_len);
		memcpy(pi->cdb, c->cdb, c->cdb_len);
		return sizeof(*pi);
	}
	memset(req, 0, sizeof(*req));
	vsc_lun(req->lun, c->tag, c->lun);
	req->tag = htole64(c->id);
	req->task_attr = VIRTIO_SCSI_S_SIMPLE;
	memcpy(req->cdb, c->cdb, c->cdb_len);
	return sizeof(*req);
}

void vsc_send(struct vsc *v, struct vsc_cmd *c)
{
	uint32_t data = c->out_len > c->in_len ? c->out_len : c->in_len;
	uint32_t pi = c->pi_out_len > c->pi_in_len ? c->pi_out_len :
						     c->pi_in_len;
	struct vt_buf b[6];
	unsigned int nout = 0, nin = 0, s;
	struct vring_drv *vr;

	if (c->ring >= v->o.nio || c->cdb_len > VIRTIO_SCSI_CDB_SIZE)
		FAIL("ring %u, CDB of %u bytes", c->ring, c->cdb_len);
	s = vsc_slot(v, data);
	if (pi > VSC_PI_ROOM(slot_data(s)))
		FAIL("%u bytes of PI: no room", pi);
	vr = &v->vr[VSC_IO + c->ring];
	c->slot = s;
	c->id = ++v->next;
	b[nout++] = (struct vt_buf){ slot_gpa(v, s, VSC_REQ_OFF),
				     vsc_header(v, c, slot_at(v, s, VSC_REQ_OFF)) };
	if (c->pi_out_len) {
		memcpy(slot_at(v, s, VSC_PI_OFF), c->pi_out, c->pi_out_len);
		b[nout++] = (struct vt_buf){ slot_gpa(v, s, VSC_PI_OFF),
					     c->pi_out_len };
	}
	if (c->out_len) {
		memcpy(slot_at(v, s, slot_data_off(s)), c->out, c->out_len);
		b[nout++] = (struct vt_buf){ slot_gpa(v, s, slot_data_off(s)),
					     c->out_len };
	}
	memset(slot_at(v, s, VSC_RESP_OFF), 0xa5,
	       sizeof(struct virtio_scsi_cmd_resp));
	b[nout + nin++] = (struct vt_buf){ slot_gpa(v, s, VSC_RESP_OFF),
					   sizeof(struct virtio_scsi_cmd_resp) };
	if (c->pi_in_len) {
		memset(slot_at(v, s, VSC_PI_OFF), 0x5a, c->pi_in_len);
		b[nout + nin++] = (struct vt_buf){ slot_gpa(v, s, VSC_PI_OFF),
						   c->pi_in_len };
	}
	if (c->in_len) {
		memset(slot_at(v, s, slot_data_off(s)), 0x5a, c->in_len);
		b[nout + nin++] = (struct vt_buf){
			slot_gpa(v, s, slot_data_off(s)), c->in_len };
	}
	if (vr_add(vr, b, nout, nin, v->o.indirect ? VR_INDIRECT : 0,
		   (void *)(uintptr_t)(s + 1)) < 0)
		FAIL("cannot queue a request on ring %u", c->ring);
	v->busy[s] = true;
	v->done[s] = false;
	vr_publish_kick(vr);
}

/* Take every answer a request ring holds. */
static void vsc_reap(struct vsc *v, unsigned int ring)
{
	struct vring_drv *vr = &v->vr[VSC_IO + ring];
	struct vt_used u;
	int ret;

	while ((ret = vr_get_used(vr, &u)) == 1) {
		unsigned int s = (unsigned int)(uintptr_t)u.cookie - 1;

		if (s >= VSC_SLOTS || !v->busy[s] || v->done[s])
			FAIL("ring %u: answer for slot %u not in flight", ring, s);
		v->done[s] = true;
		v->used_len[s] = u.len;
	}
	if (ret < 0)
		FAIL("ring %u: bad used entry %u", ring, u.id);
}

uint64_t vsc_data_gpa(const struct vsc *v, const struct vsc_cmd *c)
{
	return slot_gpa(v, c->slot, slot_data_off(c->slot));
}

bool vsc_answered(struct vsc *v, const struct vsc_cmd *c)
{
	vsc_reap(v, c->ring);
	return v->done[c->slot];
}

bool vsc_wait(struct vsc *v, struct vsc_cmd *c, int timeout_ms, void *data,
	      void *pi, struct vsc_result *r)
{
	const struct virtio_scsi_cmd_resp *resp =
		(const void *)slot_at(v, c->slot, VSC_RESP_OFF);
	uint64_t deadline = vt_now_ms() + (uint64_t)timeout_ms;
	unsigned int s = c->slot;

	while (!vsc_answered(v, c)) {
		uint64_t now = vt_now_ms();

		if (now >= deadline ||
		    vr_wait_used(&v->vr[VSC_IO + c->ring], 1,
				 (int)(deadline - now)) < 0)
			return false;
	}
	memset(r, 0, sizeof(*r));
	r->used_len = v->used_len[s];
	r->response = resp->response;
	r->status = resp->status;
	r->resid = le32toh(resp->resid);
	r->sense_len = le32toh(resp->sense_len);
	if (r->sense_len > VIRTIO_SCSI_SENSE_SIZE)
		FAIL("sense_len %u", r->sense_len);
	memcpy(r->sense, resp->sense, r->sense_len);
	if (c->in_len && data)
		memcpy(data, slot_at(v, s, slot_data_off(s)), c->in_len);
	if (c->pi_in_len && pi)
		memcpy(pi, slot_at(v, s, VSC_PI_OFF), c->pi_in_len);
	v->busy[s] = false;
	v->done[s] = false;
	return true;
}

void vsc_cmd(struct vsc *v, unsigned int tag, unsigned int lun,
	     const uint8_t *cdb, unsigned int cdb_len, const void *out,
	     uint32_t out_len, void *data, uint32_t in_len,
	     struct vsc_result *r)
{
	struct vsc_cmd c = {
		.tag = tag, .lun = lun, .cdb = cdb, .cdb_len = cdb_len,
		.out = out, .out_len = out_len, .in_len = in_len,
	};

	vsc_send(v, &c);
	if (!vsc_wait(v, &c, VT_WAIT_MS, data, NULL, r))
		FAIL("no answer to CDB 0x%02x within %d ms", cdb[0], VT_WAIT_MS);
}

uint8_t vsc_tmf_task(struct vsc *v, unsigned int tag, unsigned int lun,
		     uint32_t subtype, uint64_t id)
{
	struct virtio_scsi_ctrl_tmf_req *req = (void *)(v->area + VSC_CTL_OFF);
	uint8_t *resp = v->area + VSC_CTL_OFF + 256;
	struct vring_drv *vr = &v->vr[VSC_CTL];
	struct vt_buf b[2];
	struct vt_used u;

	memset(req, 0, sizeof(*req));
	req->type = htole32(VIRTIO_SCSI_T_TMF);
	req->subtype = htole32(subtype);
	req->tag = htole64(id);
	vsc_lun(req->lun, tag, lun);
	*resp = 0xff;
	b[0] = (struct vt_buf){ v->area_gpa + VSC_CTL_OFF, sizeof(*req) };
	b[1] = (struct vt_buf){ v->area_gpa + VSC_CTL_OFF + 256, 1 };
	if (vr_add(vr, b, 1, 1, 0, NULL) < 0)
		FAIL("cannot queue a TMF");
	vr_publish_kick(vr);
	if (vr_wait_used(vr, 1, VT_WAIT_MS) < 0)
		FAIL("no answer to TMF %u within %d ms", subtype, VT_WAIT_MS);
	if (vr_get_used(vr, &u) != 1 || u.len != 1)
		FAIL("control ring: used entry %u len %u", u.id, u.len);
	return *resp;
}

uint8_t vsc_tmf(struct vsc *v, unsigned int tag, unsigned int lun,
		uint32_t subtype)
{
	return vsc_tmf_task(v, tag, lun, subtype, 0);
}

void vsc_post_events(struct vsc *v, unsigned int n)
{
	struct vring_drv *vr = &v->vr[VSC_EVT];

	for (unsigned int i = 0; i < n && i < 64; i++) {
		struct vt_buf b = { v->area_gpa + VSC_EVT_OFF + i * 16u, 16 };

		if (vr_add(vr, &b, 0, 1, 0, (void *)(uintptr_t)(i + 1)) < 0)
			FAIL("cannot post event buffer %u", i);
	}
	vr_publish_kick(vr);
}

bool vsc_event(struct vsc *v, struct virtio_scsi_event *e, int timeout_ms)
{
	struct vring_drv *vr = &v->vr[VSC_EVT];
	struct vt_used u;
	unsigned int i;

	if (vr_wait_used(vr, 1, timeout_ms) < 0)
		return false;
	if (vr_get_used(vr, &u) != 1 || u.len != sizeof(*e))
		FAIL("event ring: used entry %u len %u", u.id, u.len);
	i = (unsigned int)(uintptr_t)u.cookie - 1;
	memcpy(e, v->area + VSC_EVT_OFF + i * 16u, sizeof(*e));
	e->event = le32toh(e->event);
	e->reason = le32toh(e->reason);
	return true;
}
