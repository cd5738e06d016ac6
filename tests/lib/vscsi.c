// SPDX-License-Identifier: GPL-2.0
/* The virtio-scsi guest driver and LIO set-up of the suites; see vscsi.h. */
#include "vt.h"
#include "vscsi.h"

#include <endian.h>
#include <sys/stat.h>

#define LIO "/sys/kernel/config/target"

/* Request layout in the shared area: header, response, data. */
#define VSC_REQ_OFF	0u
#define VSC_RESP_OFF	256u
#define VSC_DATA_OFF	4096u
#define VSC_CTL_OFF	(VSC_DATA_OFF + VSC_MAX_DATA)
#define VSC_EVT_OFF	(VSC_CTL_OFF + 4096u)
#define VSC_AREA	(VSC_EVT_OFF + 64u * 16u)

const char *vsc_dev_path(void)
{
	const char *p = getenv("VHOST_SCSI_DEV");

	return p && *p ? p : "/dev/vhost-scsi";
}

int lio_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static void lio_mkdir(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		FAIL("mkdir %s: %s", path, strerror(errno));
}

static void lio_must_write(const char *path, const char *val)
{
	int r = lio_write(path, val);

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

/* A ramdisk backstore of @mib MiB: target/core/rd_mcp_<id>/disk. */
static void lio_ramdisk(char *dir, size_t len, unsigned int id, unsigned int mib)
{
	char path[256], val[64];

	snprintf(path, sizeof(path), LIO "/core/rd_mcp_%u", id);
	lio_mkdir(path);
	snprintf(dir, len, "%s/disk", path);
	lio_mkdir(dir);
	snprintf(path, sizeof(path), "%s/control", dir);
	snprintf(val, sizeof(val), "rd_pages=%u", mib * 256u);
	lio_must_write(path, val);
	snprintf(path, sizeof(path), "%s/enable", dir);
	lio_must_write(path, "1");
}

unsigned int lio_lun_add(struct lio_port *p, unsigned int mib)
{
	unsigned int lun = p->nluns;
	char path[512], link[600];

	if (lun >= 4)
		FAIL("more than 4 LUNs");
	lio_ramdisk(p->disks[lun], sizeof(p->disks[lun]),
		    (unsigned int)getpid() * 8u + lun, mib);
	snprintf(path, sizeof(path), "%s/lun/lun_%u", p->tpg, lun);
	lio_mkdir(path);
	snprintf(link, sizeof(link), "%s/disk", path);
	if (symlink(p->disks[lun], link))
		FAIL("link LUN %u: %s", lun, strerror(errno));
	p->nluns++;
	return lun;
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
	v->fd = vt_guest_open(vsc_dev_path(), v->o.features, &v->mem, 32u << 20);
	v->features = v->o.features;
	for (unsigned int i = 0; i < VSC_NVQS; i++)
		vt_guest_ring(v->fd, i, &v->vr[i], &v->mem, v->o.num);
	v->area = gmem_alloc_p(&v->mem, VSC_AREA, VT_PAGE, &v->area_gpa);
	if (port && !v->o.no_endpoint)
		EXPECT_OK(vsc_set_endpoint(v->fd, port->wwn));
}

static void vsc_lun(uint8_t lun[8], unsigned int tag, unsigned int l)
{
	memset(lun, 0, 8);
	lun[0] = 1;
	lun[1] = (uint8_t)tag;
	lun[2] = (uint8_t)((l >> 8) | 0x40);
	lun[3] = (uint8_t)l;
}

void vsc_cmd(struct vsc *v, unsigned int tag, unsigned int lun,
	     const uint8_t *cdb, unsigned int cdb_len, const void *out,
	     uint32_t out_len, void *data, uint32_t in_len,
	     struct vsc_result *r)
{
	struct virtio_scsi_cmd_req *req = (void *)(v->area + VSC_REQ_OFF);
	struct virtio_scsi_cmd_resp *resp = (void *)(v->area + VSC_RESP_OFF);
	struct vring_drv *vr = &v->vr[VSC_IO];
	struct vt_buf b[4];
	unsigned int nout = 0, nin = 0;
	struct vt_used u;

	if (out_len > VSC_MAX_DATA || in_len > VSC_MAX_DATA ||
	    cdb_len > VIRTIO_SCSI_CDB_SIZE)
		FAIL("command too large for the test area");
	memset(req, 0, sizeof(*req));
	vsc_lun(req->lun, tag, lun);
	req->tag = htole64(++v->next);
	req->task_attr = VIRTIO_SCSI_S_SIMPLE;
	memcpy(req->cdb, cdb, cdb_len);
	memset(resp, 0xa5, sizeof(*resp));
	b[nout++] = (struct vt_buf){ v->area_gpa + VSC_REQ_OFF, sizeof(*req) };
	if (out_len) {
		memcpy(v->area + VSC_DATA_OFF, out, out_len);
		b[nout++] = (struct vt_buf){ v->area_gpa + VSC_DATA_OFF, out_len };
	}
	b[nout + nin++] = (struct vt_buf){ v->area_gpa + VSC_RESP_OFF,
					   sizeof(*resp) };
	if (in_len) {
		memset(v->area + VSC_DATA_OFF, 0x5a, in_len);
		b[nout + nin++] = (struct vt_buf){ v->area_gpa + VSC_DATA_OFF,
						   in_len };
	}
	if (vr_add(vr, b, nout, nin, 0, NULL) < 0)
		FAIL("cannot queue a request");
	vr_publish_kick(vr);
	if (vr_wait_used(vr, 1, VT_WAIT_MS) < 0)
		FAIL("no answer to CDB 0x%02x within %d ms", cdb[0], VT_WAIT_MS);
	if (vr_get_used(vr, &u) != 1)
		FAIL("request ring: bad used entry %u", u.id);
	memset(r, 0, sizeof(*r));
	r->used_len = u.len;
	r->response = resp->response;
	r->status = resp->status;
	r->resid = le32toh(resp->resid);
	r->sense_len = le32toh(resp->sense_len);
	if (r->sense_len > VIRTIO_SCSI_SENSE_SIZE)
		FAIL("sense_len %u", r->sense_len);
	memcpy(r->sense, resp->sense, r->sense_len);
	if (in_len && data)
		memcpy(data, v->area + VSC_DATA_OFF, in_len);
}

uint8_t vsc_tmf(struct vsc *v, unsigned int tag, unsigned int lun,
		uint32_t subtype)
{
	struct virtio_scsi_ctrl_tmf_req *req = (void *)(v->area + VSC_CTL_OFF);
	uint8_t *resp = v->area + VSC_CTL_OFF + 256;
	struct vring_drv *vr = &v->vr[VSC_CTL];
	struct vt_buf b[2];
	struct vt_used u;

	memset(req, 0, sizeof(*req));
	req->type = htole32(VIRTIO_SCSI_T_TMF);
	req->subtype = htole32(subtype);
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
