// SPDX-License-Identifier: GPL-2.0
/*
 * scsibench: I/O operations and bytes per second through whatever driver
 * serves /dev/vhost-scsi (ours, or the distribution's), to a LUN that LIO
 * serves from a backstore the caller set up in configfs (bench-scsi-vm.sh:
 * a ramdisk, so that the device's path is measured, not a disk's).
 *
 * The guest, played by this program as Linux's virtio-scsi driver would:
 * guest memory, ring 0 (control), ring 1 (events) and ring 2 (requests),
 * all of 128 entries (QEMU's vhost-scsi default), features VERSION_1 |
 * EVENT_IDX | INDIRECT_DESC (what a Linux guest under QEMU negotiates);
 * each request is one indirect chain: the request header, the data-out
 * buffer (writes), the response, the data-in buffer (reads), each buffer
 * one descriptor (a Linux guest's data would be one descriptor per page
 * or so; here guest memory is contiguous).  DEPTH requests are kept in flight on the request ring:
 * whenever the device completes some, as many new ones go out with one
 * kick (if the device asks for one).  The control and event rings get no
 * buffers.
 *
 *   scsibench -p WWPN -m randread|randwrite|seqread|seqwrite [-s BYTES]
 *             [-q DEPTH] [-t SECONDS] [-w WARMUP] [-n RING] [-T TPGT]
 *             [-l LUN] [-E] [-D]
 *
 * -p the "vhost" target port the device is bound to
 * (VHOST_SCSI_SET_ENDPOINT), -T the TPG's tag (the target the requests
 * name, default 1), -l the LUN (default 0).  -m: READ or WRITE commands
 * (READ(10)/WRITE(10), or the 16-byte ones past 2^32 blocks) of BYTES
 * each (default 4096, a multiple of the LUN's block size), at random
 * BYTES-aligned offsets (rand*) or one after the other, wrapping at the
 * end of the LUN (seq*).  -q requests in flight (default 32), -t timed
 * seconds (default 3), -w warm-up seconds before the clock starts
 * (default 0.5), -n ring size (128), -E without EVENT_IDX, -D direct
 * descriptors instead of indirect ones (then RING >= 3 * DEPTH).
 *
 * Each answer must be VIRTIO_SCSI_S_OK with SAM status GOOD and no
 * residual; the data is not checked (the suites do that).
 *
 * Prints one line of key=value fields:
 *   ios, iops, bps   commands completed in the timed part, per second, and
 *                    their data bytes per second
 *   lat_mean_us, lat_p50_us, lat_p99_us   from a command's kick to its
 *                    answer reaped (with DEPTH in flight: mostly queueing)
 *   kicks, calls, waits  notifications and guest sleeps (timed part)
 * Exit status 0, or 1 if anything misbehaved: the setup failed, an answer
 * that is not GOOD, a bad used entry, an error eventfd, or no answer for
 * 10 s (a stall).
 */
#include "benchlib.h"
#include "vscsi.h"

#include <poll.h>

#define SB_NVQS (VSC_IO + 1)		/* control, events, one request ring */
#define SB_HDR 256u			/* request header slot: req, resp */
#define SB_RESP_OFF 128u
#define SB_STALL_S 10.0
#define SB_MAX_DEPTH 1024u
#define SB_MAX_SIZE (8u << 20)		/* the most a command may move */

_Static_assert(sizeof(struct virtio_scsi_cmd_req) <= SB_RESP_OFF,
	       "request header does not fit its slot");
_Static_assert(SB_RESP_OFF + sizeof(struct virtio_scsi_cmd_resp) <= SB_HDR,
	       "response does not fit its slot");

enum sb_mode { M_RANDREAD, M_RANDWRITE, M_SEQREAD, M_SEQWRITE };

static const char *const mode_names[] = {
	[M_RANDREAD] = "randread", [M_RANDWRITE] = "randwrite",
	[M_SEQREAD] = "seqread", [M_SEQWRITE] = "seqwrite",
};

struct sb {
	/* options */
	enum sb_mode mode;
	const char *wwpn;
	unsigned int tpgt, lun, depth, num;
	uint32_t size;
	double secs, warm;
	bool event_idx, indirect;

	int fd;
	struct gmem mem;
	struct vring_drv vr[SB_NVQS];
	uint8_t *hdr;			/* DEPTH header slots */
	uint64_t hdr_gpa;
	uint8_t *data;			/* DEPTH data buffers of BYTES */
	uint64_t data_gpa;
	double *t_sent;			/* per slot: when it was kicked */
	unsigned int *free_slot, nfree;

	/* the LUN */
	uint32_t block;			/* bytes per block */
	uint64_t blocks;		/* how many */
	uint64_t ios;			/* I/Os the LUN has room for */
	uint64_t next_io;		/* seq: the next one */
	uint64_t rng;

	uint64_t tag, done, waits;
	double t_last;			/* last answer reaped */
	bool recording;
	double *lat;			/* latencies while recording (s) */
	size_t nlat, lat_cap;
};

static bool is_write(const struct sb *b)
{
	return b->mode == M_RANDWRITE || b->mode == M_SEQWRITE;
}

/* xorshift64*: cheap, and good enough to pick offsets */
static uint64_t rnd(struct sb *b)
{
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545f4914f6cdd1dull;
}

/* ------------------------------------------------------------------ */
/* setup                                                                */

static void setup(struct sb *b)
{
	uint64_t want = VT_F_VERSION_1;
	size_t memsz, data;

	if (b->event_idx)
		want |= VT_F_EVENT_IDX;
	if (b->indirect)
		want |= VT_F_INDIRECT;
	/* three rings with indirect tables of 4, header slots, data */
	data = (size_t)b->depth * b->size;
	memsz = SB_NVQS * ((size_t)b->num * (16 * 4 + 24) + 4 * VT_PAGE) +
		(size_t)b->depth * SB_HDR + data + 4 * VT_PAGE;
	b->fd = bench_open(vsc_dev_path(), want, &b->mem, memsz);
	for (unsigned int i = 0; i < SB_NVQS; i++) {
		struct vring_cfg cfg = {
			.num = b->num,
			.ind_max = b->indirect ? 4 : 0,
			.event_idx = b->event_idx,
		};

		bench_setup_ring(b->fd, &b->mem, &b->vr[i], i, &cfg);
		bench_disarm(&b->vr[i]);
	}
	b->hdr = gmem_alloc_p(&b->mem, (size_t)b->depth * SB_HDR, VT_PAGE,
			      &b->hdr_gpa);
	b->data = gmem_alloc_p(&b->mem, data, VT_PAGE, &b->data_gpa);
	/* something other than zeroes to write; touches every page too */
	for (size_t i = 0; i < data; i++)
		b->data[i] = (uint8_t)(i * 7 + 1);

	b->t_sent = calloc(b->depth, sizeof(*b->t_sent));
	b->free_slot = calloc(b->depth, sizeof(*b->free_slot));
	if (!b->t_sent || !b->free_slot)
		die("out of memory");
	for (unsigned int i = 0; i < b->depth; i++)
		b->free_slot[b->nfree++] = b->depth - 1 - i;

	/* binding the device starts its rings */
	TRY(vsc_set_endpoint(b->fd, b->wwpn));
}

/* ------------------------------------------------------------------ */
/* requests                                                             */

static struct virtio_scsi_cmd_req *req_of(struct sb *b, unsigned int s)
{
	return (void *)(b->hdr + (size_t)s * SB_HDR);
}

static struct virtio_scsi_cmd_resp *resp_of(struct sb *b, unsigned int s)
{
	return (void *)(b->hdr + (size_t)s * SB_HDR + SB_RESP_OFF);
}

/* READ/WRITE(10) if they can name the blocks, else READ/WRITE(16). */
static void rw_cdb(uint8_t *cdb, bool write, uint64_t lba, uint32_t n)
{
	memset(cdb, 0, VIRTIO_SCSI_CDB_SIZE);
	if (lba + n <= 0xffffffffull && n <= 0xffff) {
		cdb[0] = write ? 0x2a : 0x28;
		for (int i = 0; i < 4; i++)
			cdb[2 + i] = (uint8_t)(lba >> (24 - 8 * i));
		cdb[7] = (uint8_t)(n >> 8);
		cdb[8] = (uint8_t)n;
	} else {
		cdb[0] = write ? 0x8a : 0x88;
		for (int i = 0; i < 8; i++)
			cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
		for (int i = 0; i < 4; i++)
			cdb[10 + i] = (uint8_t)(n >> (24 - 8 * i));
	}
}

/*
 * Queue a command in slot s (not published): @out bytes of data-out or
 * room for @in bytes of data-in, both in the slot's data buffer.
 */
static void queue_cmd(struct sb *b, unsigned int s, const uint8_t *cdb,
		      unsigned int cdb_len, uint32_t out, uint32_t in)
{
	struct virtio_scsi_cmd_req *req = req_of(b, s);
	struct virtio_scsi_cmd_resp *resp = resp_of(b, s);
	uint64_t hdr = b->hdr_gpa + (uint64_t)s * SB_HDR;
	uint64_t data = b->data_gpa + (uint64_t)s * b->size;
	struct vt_buf bufs[3];
	unsigned int nout = 0, nin = 0;
	int head;

	memset(req, 0, sizeof(*req));
	/* flat LUN addressing, as Linux's virtio_scsi does */
	req->lun[0] = 1;
	req->lun[1] = (uint8_t)b->tpgt;
	req->lun[2] = (uint8_t)((b->lun >> 8) | 0x40);
	req->lun[3] = (uint8_t)b->lun;
	req->tag = htole64(++b->tag);
	req->task_attr = VIRTIO_SCSI_S_SIMPLE;
	memcpy(req->cdb, cdb, cdb_len);
	/* what no device answers: an answer that is not written shows */
	resp->response = 0xff;
	resp->status = 0xff;

	bufs[nout++] = (struct vt_buf){ hdr, sizeof(*req) };
	if (out)
		bufs[nout++] = (struct vt_buf){ data, out };
	bufs[nout + nin++] = (struct vt_buf){ hdr + SB_RESP_OFF, sizeof(*resp) };
	if (in)
		bufs[nout + nin++] = (struct vt_buf){ data, in };
	head = vr_add(&b->vr[VSC_IO], bufs, nout, nin,
		      b->indirect ? VR_INDIRECT : 0, (void *)(uintptr_t)(s + 1));
	if (head < 0)
		die("request ring: vr_add: %s", vt_err(head));
}

/* Queue the next read or write of the run in a free slot. */
static void queue_io(struct sb *b)
{
	unsigned int s = b->free_slot[--b->nfree];
	uint8_t cdb[VIRTIO_SCSI_CDB_SIZE];
	uint64_t io;

	if (b->mode == M_RANDREAD || b->mode == M_RANDWRITE) {
		io = rnd(b) % b->ios;
	} else {
		io = b->next_io;
		b->next_io = (io + 1) % b->ios;
	}
	rw_cdb(cdb, is_write(b), io * (b->size / b->block), b->size / b->block);
	queue_cmd(b, s, cdb, sizeof(cdb), is_write(b) ? b->size : 0,
		  is_write(b) ? 0 : b->size);
}

static void dump_state(struct sb *b)
{
	struct vring_drv *vr = &b->vr[VSC_IO];

	fprintf(stderr,
		"scsibench: request ring: avail idx %u (kicked at %u), used idx %u, reaped %u, in flight %u, used_event %u, avail_event %u, kicks %llu, calls %llu; %llu answers\n",
		vr->published, vr->kicked, vr_used_idx(vr), vr->last_used,
		vr_in_flight(vr), vr_used_event(vr), vr_avail_event(vr),
		(unsigned long long)vr->kicks, (unsigned long long)vr->calls,
		(unsigned long long)b->done);
}

/* Keep a command's latency while the clock runs. */
static void record(struct sb *b, double t)
{
	if (b->nlat == b->lat_cap) {
		size_t cap = b->lat_cap ? 2 * b->lat_cap : 65536;
		double *n = realloc(b->lat, cap * sizeof(*n));

		if (!n)
			die("out of memory for %zu latencies", cap);
		b->lat = n;
		b->lat_cap = cap;
	}
	b->lat[b->nlat++] = t;
}

/*
 * Take the device's answers off the request ring, die unless each is OK
 * and GOOD with nothing left over; free their slots.  How many there were.
 */
static unsigned int reap(struct sb *b)
{
	struct vring_drv *vr = &b->vr[VSC_IO];
	unsigned int n = 0;
	struct vt_used u;
	double t = 0;
	int r;

	while ((r = vr_get_used(vr, &u)) > 0) {
		unsigned int s = (unsigned int)(uintptr_t)u.cookie - 1;
		struct virtio_scsi_cmd_resp *resp = resp_of(b, s);
		struct virtio_scsi_cmd_req *req = req_of(b, s);

		if (resp->response != VIRTIO_SCSI_S_OK || resp->status ||
		    resp->resid) {
			dump_state(b);
			die("CDB %02x (tag %llu): response %u, SAM status 0x%02x, residual %u, sense %02x/%02x/%02x",
			    req->cdb[0], (unsigned long long)le64toh(req->tag),
			    resp->response, resp->status, le32toh(resp->resid),
			    resp->sense[2], resp->sense[12], resp->sense[13]);
		}
		if (!n)
			t = now_s();
		if (b->recording)
			record(b, t - b->t_sent[s]);
		b->free_slot[b->nfree++] = s;
		n++;
	}
	if (r < 0)
		die("request ring: used entry names head %u, which is not in flight",
		    u.id);
	if (n) {
		b->done += n;
		b->t_last = t;
	}
	return n;
}

/* Publish what was queued, kick if asked to, and note when. */
static void send_queued(struct sb *b, unsigned int from)
{
	double t = now_s();

	vr_notify(&b->vr[VSC_IO]);
	/* queue_io() took the slots from the top of the free list */
	for (unsigned int i = b->nfree; i < from; i++)
		b->t_sent[b->free_slot[i]] = t;
}

/*
 * Sleep until the device answers or timeout_ms; an error eventfd is
 * fatal.
 */
static void wait_used(struct sb *b, int timeout_ms)
{
	struct vring_drv *vr = &b->vr[VSC_IO];
	struct pollfd p[2] = {
		{ .fd = vr->call_fd, .events = POLLIN },
		{ .fd = vr->err_fd, .events = POLLIN },
	};

	bench_arm(vr);
	/* recheck after arming: answers used meanwhile sent no call */
	if (!vr_pending(vr)) {
		if (poll(p, 2, timeout_ms) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (p[1].revents & POLLIN) {
			dump_state(b);
			die("the device signalled the request ring's error eventfd (see dmesg)");
		}
		vr_drain_calls(vr);
		b->waits++;
	}
	bench_disarm(vr);
}

/*
 * Keep DEPTH requests in flight until the clock reaches until; with
 * refill false, only wait for the ones in flight to be answered.
 */
static void run(struct sb *b, double until, bool refill, const char *what)
{
	for (;;) {
		double t = now_s();
		unsigned int from = b->nfree;

		if (refill ? t >= until : b->nfree == b->depth)
			return;
		if (t - b->t_last > SB_STALL_S) {
			dump_state(b);
			die("%s stalled: no answer for %.0f s", what,
			    t - b->t_last);
		}
		if (refill) {
			while (b->nfree)
				queue_io(b);
			if (from)
				send_queued(b, from);
		}
		if (!reap(b))
			wait_used(b, 100);
	}
}

/*
 * One command at a time, for the setup: its answer's response and SAM
 * status.  Data-in lands in slot 0's data buffer.
 */
static void one_cmd(struct sb *b, const uint8_t *cdb, unsigned int cdb_len,
		    uint32_t in, uint8_t *response, uint8_t *status)
{
	struct vring_drv *vr = &b->vr[VSC_IO];
	struct virtio_scsi_cmd_resp *resp = resp_of(b, 0);
	struct vt_used u;

	queue_cmd(b, 0, cdb, cdb_len, 0, in);
	vr_publish_kick(vr);
	if (vr_wait_used(vr, 1, (int)(SB_STALL_S * 1000)) < 0) {
		dump_state(b);
		die("no answer to CDB %02x within %.0f s", cdb[0], SB_STALL_S);
	}
	if (vr_get_used(vr, &u) != 1)
		die("request ring: bad used entry %u", u.id);
	*response = resp->response;
	*status = resp->status;
}

/*
 * TEST UNIT READY until a unit attention has been reported, then READ
 * CAPACITY(10): the LUN's block size and length.
 */
static void probe_lun(struct sb *b)
{
	uint8_t cdb[VIRTIO_SCSI_CDB_SIZE] = { 0 };
	uint8_t response, status;
	const uint8_t *d = b->data;
	int i;

	for (i = 0; i < 4; i++) {
		one_cmd(b, cdb, 6, 0, &response, &status);
		if (response == VIRTIO_SCSI_S_OK && !status)
			break;
	}
	if (i == 4)
		die("TEST UNIT READY: response %u, SAM status 0x%02x", response,
		    status);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x25;
	one_cmd(b, cdb, 10, 8, &response, &status);
	if (response != VIRTIO_SCSI_S_OK || status)
		die("READ CAPACITY(10): response %u, SAM status 0x%02x",
		    response, status);
	b->blocks = ((uint64_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]) + 1;
	b->block = (uint32_t)d[4] << 24 | d[5] << 16 | d[6] << 8 | d[7];
	if (b->blocks == 0x100000000ull)
		die("LUN of 2^32 blocks or more: not supported here");
	if (!b->block || b->size % b->block)
		die("%u-byte I/Os on a LUN of %u-byte blocks", b->size, b->block);
	b->ios = b->blocks * b->block / b->size;
	if (!b->ios)
		die("the LUN (%llu blocks) is smaller than one I/O",
		    (unsigned long long)b->blocks);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: scsibench -p WWPN -m randread|randwrite|seqread|seqwrite [-s BYTES] [-q DEPTH] [-t SECONDS] [-w WARMUP] [-n RING] [-T TPGT] [-l LUN] [-E] [-D]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sb b = {
		.size = 4096, .depth = 32, .num = 128, .secs = 3, .warm = 0.5,
		.tpgt = 1, .event_idx = true, .indirect = true, .fd = -1,
	};
	uint64_t done0, kicks0, calls0, waits0;
	struct bench_kstat kw, ks0, ks1;
	char ks[BENCH_KS_TEXT];
	const char *mode = NULL;
	const struct bench_opt opts[] = {
		BENCH_OPT('p', b.wwpn),
		BENCH_OPT('m', mode),
		BENCH_OPT('s', b.size),
		BENCH_OPT('q', b.depth),
		BENCH_OPT('t', b.secs),
		BENCH_OPT('w', b.warm),
		BENCH_OPT('n', b.num),
		BENCH_OPT('T', b.tpgt),
		BENCH_OPT('l', b.lun),
		BENCH_FLAG('E', b.event_idx, false),
		BENCH_FLAG('D', b.indirect, false),
	};
	double t0, t1, mean = 0;
	unsigned int i;

	bench_init(argv[0]);
	if (!bench_getopt(argc, argv, opts, ARRAY_SIZE(opts)) || !mode ||
	    !b.wwpn)
		usage();
	for (i = 0; i < ARRAY_SIZE(mode_names); i++)
		if (!strcmp(mode, mode_names[i]))
			break;
	if (i == ARRAY_SIZE(mode_names))
		usage();
	b.mode = i;
	if (!b.size || b.size > SB_MAX_SIZE || b.size % 512 || !b.depth ||
	    b.depth > SB_MAX_DEPTH || !bench_ring_size_ok(b.num) ||
	    b.depth > b.num || (!b.indirect && 3 * b.depth > b.num) ||
	    b.secs <= 0 || b.warm < 0 || b.tpgt > 255 || b.lun > 0x3fff)
		usage();

	b.rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	setup(&b);
	probe_lun(&b);

	bench_kstat_init(&kw);
	/* warm-up: fault everything in, let both sides reach a steady state */
	t0 = now_s();
	b.t_last = t0;
	run(&b, t0 + b.warm, true, mode);

	/* calls: every count the call eventfd took in the timed run */
	vr_drain_calls(&b.vr[VSC_IO]);
	bench_kstat_snap(&ks0, &kw);
	done0 = b.done;
	kicks0 = b.vr[VSC_IO].kicks;
	calls0 = b.vr[VSC_IO].calls;
	waits0 = b.waits;
	b.recording = true;
	t0 = now_s();
	run(&b, t0 + b.secs, true, mode);
	t1 = now_s();
	vr_drain_calls(&b.vr[VSC_IO]);
	bench_kstat_snap(&ks1, &kw);
	b.recording = false;
	done0 = b.done - done0;
	kicks0 = b.vr[VSC_IO].kicks - kicks0;
	calls0 = b.vr[VSC_IO].calls - calls0;
	waits0 = b.waits - waits0;

	/* the end: every request answered, then unbind */
	run(&b, 0, false, "the drain");
	bench_check_err(b.vr, SB_NVQS);
	TRY(vsc_clear_endpoint(b.fd, b.wwpn));

	if (!b.nlat)
		die("no command completed in the timed part");
	for (size_t j = 0; j < b.nlat; j++)
		mean += b.lat[j];
	mean /= (double)b.nlat;
	bench_sort(b.lat, b.nlat);
	printf("mode=%s size=%u depth=%u ring=%u block=%u lun_mib=%llu secs=%.3f",
	       mode, b.size, b.depth, b.num, b.block,
	       (unsigned long long)(b.blocks * b.block >> 20), t1 - t0);
	printf(" ios=%llu iops=%.0f bps=%.0f lat_mean_us=%.1f lat_p50_us=%.1f lat_p99_us=%.1f",
	       (unsigned long long)done0, done0 / (t1 - t0),
	       (double)done0 * b.size / (t1 - t0), mean * 1e6,
	       bench_pct(b.lat, b.nlat, 50) * 1e6,
	       bench_pct(b.lat, b.nlat, 99) * 1e6);
	printf(" kicks=%llu calls=%llu waits=%llu%s\n",
	       (unsigned long long)kicks0, (unsigned long long)calls0,
	       (unsigned long long)waits0,
	       bench_kstat_fmt(ks, sizeof(ks), &ks0, &ks1));
	close(b.fd);
	gmem_destroy(&b.mem);
	return 0;
}
