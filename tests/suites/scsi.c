// SPDX-License-Identifier: GPL-2.0
/*
 * core/scsi: /dev/vhost-scsi as a LIO fabric.  The case sets up LIO in
 * configfs the way targetcli does (a ramdisk LUN behind a "vhost" target
 * port whose TPG has a nexus), binds the device to it, and is the guest's
 * virtio-scsi driver (tests/lib/vscsi.c); every byte is checked.
 */
#include "vt.h"
#include "vscsi.h"

#include <sys/stat.h>

#define TAG 1u

static uint8_t wbuf[VSC_MAX_DATA], rbuf[VSC_MAX_DATA];

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)((seed + i * 2654435761u) >> 11);
}

/* Sense key / ASC of fixed or descriptor format sense data. */
static void sense_of(const struct vsc_result *r, uint8_t *key, uint8_t *asc)
{
	bool desc = (r->sense[0] & 0x7f) >= 0x72;

	*key = (desc ? r->sense[1] : r->sense[2]) & 0x0f;
	*asc = desc ? r->sense[2] : r->sense[12];
}

static void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[2] = lba >> 24;
	cdb[3] = lba >> 16;
	cdb[4] = lba >> 8;
	cdb[5] = lba;
	cdb[7] = blocks >> 8;
	cdb[8] = blocks;
}

static void expect_good(const struct vsc_result *r, const char *what)
{
	if (r->response != VIRTIO_SCSI_S_OK || r->status != 0)
		FAIL("%s: response %u status 0x%x sense %02x/%02x/%02x", what,
		     r->response, r->status, r->sense[2], r->sense[12],
		     r->sense[13]);
}

/* ------------------------------------------------------------------ */

static void abi_version_is_1(void)
{
	int fd = open(vsc_dev_path(), O_RDWR | O_CLOEXEC);
	int ver = -1;

	if (fd < 0)
		FAIL("open %s: %s", vsc_dev_path(), strerror(errno));
	EXPECT_OK(vh_ioctl(fd, VHOST_SCSI_GET_ABI_VERSION, &ver));
	CHECK(ver == 1, "ABI version %d", ver);
	close(fd);
}

static void set_endpoint_unknown_port_enodev(void)
{
	struct vsc_opts o = { .no_endpoint = true };
	struct vsc v;

	vsc_setup(&v, &o, NULL);
	EXPECT_ERR(vsc_set_endpoint(v.fd, "naa.5001405ffffffff0"), ENODEV);
	EXPECT_OK(vsc_clear_endpoint(v.fd, "naa.5001405ffffffff0"));
}

static void bound_tpg_belongs_to_one_device(void)
{
	struct vsc_opts o = { .no_endpoint = true };
	struct lio_port p;
	char path[512];
	struct vsc a, b;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&a, &o, &p);
	vsc_setup(&b, &o, &p);
	EXPECT_OK(vsc_set_endpoint(a.fd, p.wwn));
	EXPECT_ERR(vsc_set_endpoint(a.fd, p.wwn), EEXIST);
	EXPECT_ERR(vsc_set_endpoint(b.fd, p.wwn), ENODEV);
	/* While bound: the nexus stays, the TPG cannot go. */
	snprintf(path, sizeof(path), "%s/nexus", p.tpg);
	CHECK(lio_write(path, "NULL") == -EBUSY, "nexus dropped while bound");
	CHECK(rmdir(p.tpg) && errno == EBUSY, "bound TPG removed (%s)",
	      strerror(errno));
	EXPECT_ERR(vsc_clear_endpoint(a.fd, "naa.5001405ffffffff0"), EINVAL);
	EXPECT_OK(vsc_clear_endpoint(a.fd, p.wwn));
	EXPECT_OK(vsc_set_endpoint(b.fd, p.wwn));
	close(b.fd);
	close(a.fd);
	lio_port_teardown(&p);
}

static void inquiry_reaches_the_lun(void)
{
	static const uint8_t cdb[6] = { 0x12, 0, 0, 0, 96, 0 };
	struct vsc_result r;
	struct lio_port p;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	vsc_cmd(&v, TAG, 0, cdb, sizeof(cdb), NULL, 0, rbuf, 96, &r);
	expect_good(&r, "INQUIRY");
	CHECK((rbuf[0] & 0x1f) == 0, "peripheral type 0x%x, want disk",
	      rbuf[0] & 0x1f);
	CHECK(!memcmp(rbuf + 8, "LIO-ORG ", 8), "vendor '%.8s'", rbuf + 8);
	CHECK(r.used_len >= sizeof(struct virtio_scsi_cmd_resp) + 36,
	      "used len %u", r.used_len);
	close(v.fd);
	lio_port_teardown(&p);
}

static void read_capacity_matches_the_ramdisk(void)
{
	static const uint8_t cdb[10] = { 0x25 };
	struct vsc_result r;
	struct lio_port p;
	uint32_t last, bs;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	vsc_cmd(&v, TAG, 0, cdb, sizeof(cdb), NULL, 0, rbuf, 8, &r);
	expect_good(&r, "READ CAPACITY(10)");
	last = (uint32_t)rbuf[0] << 24 | rbuf[1] << 16 | rbuf[2] << 8 | rbuf[3];
	bs = (uint32_t)rbuf[4] << 24 | rbuf[5] << 16 | rbuf[6] << 8 | rbuf[7];
	CHECK((uint64_t)(last + 1) * bs == 4ull << 20,
	      "%u blocks of %u bytes, want 4 MiB", last + 1, bs);
	close(v.fd);
	lio_port_teardown(&p);
}

static void write_then_read_every_size(void)
{
	static const uint32_t sizes[] = { 512, 4096, 65536, 1u << 20 };
	uint32_t seed = (uint32_t)getpid();
	struct vsc_result r;
	struct lio_port p;
	uint8_t cdb[10];
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint16_t blocks = (uint16_t)(sizes[i] / 512);
		uint32_t lba = i * 2048u;

		fill(wbuf, sizes[i], seed + i);
		rw10(cdb, 0x2a, lba, blocks);
		vsc_cmd(&v, TAG, 0, cdb, 10, wbuf, sizes[i], NULL, 0, &r);
		expect_good(&r, "WRITE(10)");
		rw10(cdb, 0x28, lba, blocks);
		vsc_cmd(&v, TAG, 0, cdb, 10, NULL, 0, rbuf, sizes[i], &r);
		expect_good(&r, "READ(10)");
		CHECK(r.used_len == sizeof(struct virtio_scsi_cmd_resp) + sizes[i],
		      "READ of %u: used len %u", sizes[i], r.used_len);
		if (memcmp(wbuf, rbuf, sizes[i]))
			FAIL("%u bytes read back differ", sizes[i]);
	}
	close(v.fd);
	lio_port_teardown(&p);
}

/*
 * A 4 KiB READ into a 12 MiB buffer (more than the 8 MiB a command may
 * move): the data arrives, the residual counts the rest of the buffer.
 */
static void read_into_buffer_larger_than_max_transfer(void)
{
	const uint32_t len = 4096, buf = VSC_MAX_DATA;
	uint32_t seed = (uint32_t)getpid();
	struct vsc_result r;
	struct lio_port p;
	uint8_t cdb[10];
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	fill(wbuf, len, seed);
	rw10(cdb, 0x2a, 8, len / 512);
	vsc_cmd(&v, TAG, 0, cdb, 10, wbuf, len, NULL, 0, &r);
	expect_good(&r, "WRITE(10)");
	rw10(cdb, 0x28, 8, len / 512);
	vsc_cmd(&v, TAG, 0, cdb, 10, NULL, 0, rbuf, buf, &r);
	expect_good(&r, "READ(10) into 12 MiB");
	CHECK(r.used_len == sizeof(struct virtio_scsi_cmd_resp) + len,
	      "used len %u", r.used_len);
	CHECK(r.resid == buf - len, "residual %u, want %u", r.resid, buf - len);
	if (memcmp(wbuf, rbuf, len))
		FAIL("the 4 KiB read back differ");
	close(v.fd);
	lio_port_teardown(&p);
}

static void unknown_lun_gets_check_condition(void)
{
	static const uint8_t cdb[6] = { 0x00 };	/* TEST UNIT READY */
	struct vsc_result r;
	struct lio_port p;
	uint8_t key, asc;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	vsc_cmd(&v, TAG, 5, cdb, sizeof(cdb), NULL, 0, NULL, 0, &r);
	CHECK(r.response == VIRTIO_SCSI_S_OK && r.status == 2,
	      "response %u status 0x%x, want CHECK CONDITION", r.response,
	      r.status);
	sense_of(&r, &key, &asc);
	CHECK(key == 0x5 && asc == 0x25, "sense key %x ASC %02x, want 5/25",
	      key, asc);
	close(v.fd);
	lio_port_teardown(&p);
}

static void unbound_target_answers_bad_target(void)
{
	static const uint8_t cdb[6] = { 0x00 };
	struct vsc_result r;
	struct lio_port p;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	vsc_cmd(&v, TAG + 1, 0, cdb, sizeof(cdb), NULL, 0, NULL, 0, &r);
	CHECK(r.response == VIRTIO_SCSI_S_BAD_TARGET, "response %u",
	      r.response);
	close(v.fd);
	lio_port_teardown(&p);
}

static void bad_opcode_gets_illegal_request(void)
{
	static const uint8_t cdb[6] = { 0xff };
	struct vsc_result r;
	struct lio_port p;
	uint8_t key, asc;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	vsc_cmd(&v, TAG, 0, cdb, sizeof(cdb), NULL, 0, NULL, 0, &r);
	CHECK(r.status == 2, "status 0x%x, want CHECK CONDITION", r.status);
	sense_of(&r, &key, &asc);
	CHECK(key == 0x5 && asc == 0x20, "sense key %x ASC %02x, want 5/20",
	      key, asc);
	close(v.fd);
	lio_port_teardown(&p);
}

static void lun_reset_succeeds(void)
{
	static const uint8_t tur[6] = { 0x00 };
	struct vsc_result r;
	struct lio_port p;
	struct vsc v;
	uint8_t resp;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, NULL, &p);
	resp = vsc_tmf(&v, TAG, 0, VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET);
	CHECK(resp == VIRTIO_SCSI_S_FUNCTION_SUCCEEDED ||
	      resp == VIRTIO_SCSI_S_OK, "LUN reset: response %u", resp);
	resp = vsc_tmf(&v, TAG, 0, VIRTIO_SCSI_T_TMF_QUERY_TASK_SET);
	CHECK(resp == VIRTIO_SCSI_S_FUNCTION_REJECTED,
	      "QUERY TASK SET: response %u", resp);
	/* The reset leaves a unit attention; the LUN works after it. */
	vsc_cmd(&v, TAG, 0, tur, sizeof(tur), NULL, 0, NULL, 0, &r);
	vsc_cmd(&v, TAG, 0, tur, sizeof(tur), NULL, 0, NULL, 0, &r);
	expect_good(&r, "TEST UNIT READY after the reset");
	close(v.fd);
	lio_port_teardown(&p);
}

static void lun_hotplug_reaches_the_event_ring(void)
{
	struct vsc_opts o = { .features = VT_F_VERSION_1 | VT_F_HOTPLUG };
	struct virtio_scsi_event e;
	struct lio_port p;
	unsigned int lun;
	struct vsc v;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, &o, &p);
	vsc_post_events(&v, 8);
	lun = lio_lun_add(&p, 4);
	if (!vsc_event(&v, &e, VT_WAIT_MS))
		FAIL("no event within %d ms of linking LUN %u", VT_WAIT_MS, lun);
	CHECK(e.event == VIRTIO_SCSI_T_TRANSPORT_RESET &&
	      e.reason == VIRTIO_SCSI_EVT_RESET_RESCAN,
	      "event %u reason %u, want transport reset / rescan", e.event,
	      e.reason);
	CHECK(e.lun[0] == 1 && e.lun[1] == TAG && e.lun[3] == lun,
	      "event LUN %02x %02x %02x %02x", e.lun[0], e.lun[1], e.lun[2],
	      e.lun[3]);
	lio_lun_remove(&p, lun);
	if (!vsc_event(&v, &e, VT_WAIT_MS))
		FAIL("no event within %d ms of unlinking LUN %u", VT_WAIT_MS,
		     lun);
	CHECK(e.reason == VIRTIO_SCSI_EVT_RESET_REMOVED, "reason %u, want removed",
	      e.reason);
	close(v.fd);
	lio_port_teardown(&p);
}

static void events_missed_without_buffers(void)
{
	struct vsc_opts o = { .features = VT_F_VERSION_1 | VT_F_HOTPLUG };
	struct virtio_scsi_event e;
	struct lio_port p;
	struct vsc v;
	uint32_t missed = 0;

	lio_port_setup(&p, TAG, 1, 4);
	vsc_setup(&v, &o, &p);
	lio_lun_add(&p, 4);
	/* No event buffer: the event is missed, and the device says so. */
	for (int i = 0; i < 100 && !missed; i++) {
		EXPECT_OK(vh_ioctl(v.fd, VHOST_SCSI_GET_EVENTS_MISSED, &missed));
		if (!missed)
			vt_poll_in(v.vr[VSC_EVT].call_fd, 50);
	}
	CHECK(missed, "no events-missed after an event with no buffer");
	vsc_post_events(&v, 4);
	if (!vsc_event(&v, &e, VT_WAIT_MS))
		FAIL("no event after posting buffers");
	CHECK(e.event & VIRTIO_SCSI_T_EVENTS_MISSED, "event 0x%x without the missed flag",
	      e.event);
	missed = 0;
	EXPECT_OK(vh_ioctl(v.fd, VHOST_SCSI_SET_EVENTS_MISSED, &missed));
	EXPECT_OK(vh_ioctl(v.fd, VHOST_SCSI_GET_EVENTS_MISSED, &missed));
	CHECK(!missed, "events-missed still set");
	close(v.fd);
	lio_port_teardown(&p);
}

static const struct vt_case cases[] = {
	VT_CASE(abi_version_is_1),
	VT_CASE(set_endpoint_unknown_port_enodev),
	VT_CASE(bound_tpg_belongs_to_one_device),
	VT_CASE(inquiry_reaches_the_lun),
	VT_CASE(read_capacity_matches_the_ramdisk),
	VT_CASE(write_then_read_every_size),
	VT_CASE(read_into_buffer_larger_than_max_transfer),
	VT_CASE(unknown_lun_gets_check_condition),
	VT_CASE(unbound_target_answers_bad_target),
	VT_CASE(bad_opcode_gets_illegal_request),
	VT_CASE(lun_reset_succeeds),
	VT_CASE(lun_hotplug_reaches_the_event_ring),
	VT_CASE(events_missed_without_buffers),
};

VT_MAIN("scsi", cases)
