// SPDX-License-Identifier: GPL-2.0
/*
 * suites/malformed: bad guest input.  For every malformed chain the device
 * must signal the VHOST_SET_VRING_ERR eventfd, must not produce a used
 * entry for it (nor for a valid chain queued behind it: the ring stops,
 * and that chain's buffers stay untouched), and must not touch memory
 * outside the memory table (canary pages around guest RAM stay intact).  The harness
 * also fails the case if the kernel log shows a WARN/BUG meanwhile.
 */
#include "vt.h"

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct bad {
	struct vt_dev d;
	struct vt_xfer *good;	/* valid chain queued behind the bad one */
	uint16_t used_before;
	uint64_t scratch;	/* a page of valid guest memory */
};

static void bad_setup(struct bad *b, unsigned int num)
{
	struct vt_opts o = { .num = num, .ind_max = 4 };

	vt_setup(&b->d, &o);
	vt_roundtrip(&b->d, 32, 32, 0);	/* the ring works */
	b->scratch = gmem_alloc(&b->d.mem, 4 * VT_PAGE, VT_PAGE);
	b->used_before = vr_used_idx(&b->d.vr);
}

/* take n free descriptors (indices in out[]) for a hand-built chain */
static void take(struct bad *b, unsigned int n, uint16_t *out)
{
	for (unsigned int i = 0; i < n; i++) {
		int d = vr_take_desc(&b->d.vr);

		if (d < 0)
			FAIL("no free descriptor for the bad chain");
		out[i] = (uint16_t)d;
	}
}

static void set(struct bad *b, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	vr_set_desc(&b->d.vr, i, addr, len, flags, next);
}

/*
 * Publish the bad head followed by a valid chain, kick, and check the
 * device's reaction.
 */
static void expect_rejected(struct bad *b, uint16_t head)
{
	static const uint32_t len = 64;
	struct vt_dev *d = &b->d;

	vr_push_head(&d->vr, head);
	b->good = vt_xfer_new(&d->mem, 1, &len, 1, &len, 8, 0xbad);
	vt_xfer_add(&d->vr, b->good, 0);
	vr_publish_kick(&d->vr);

	vt_expect_ring_error(d, VT_WAIT_MS);

	/* no used entry, even after another kick */
	vr_kick(&d->vr);
	if (vr_wait_used(&d->vr, 1, vt_ms(300)) == 0) {
		uint32_t id, ulen;

		vr_used_elem(&d->vr, b->used_before, &id, &ulen);
		FAIL("used entry after a malformed chain: used idx %u -> %u, id %u len %u (bad head %u)",
		     b->used_before, vr_used_idx(&d->vr), id, ulen, head);
	}
	if (vr_used_idx(&d->vr) != b->used_before)
		FAIL("used idx moved from %u to %u", b->used_before,
		     vr_used_idx(&d->vr));

	/* the valid chain behind it was not processed either */
	for (uint32_t i = 0; i < len; i++)
		if (b->good->seg[1].hva[i] != vt_sentinel(i))
			FAIL("chain queued after the bad one was written (byte %u)",
			     i);
	vt_check_canaries(d);
}

/* ------------------------------------------------------------------ */
/* direct chains                                                        */

static void descriptor_loop_is_error(void)
{
	struct bad b;
	uint16_t i[2];

	bad_setup(&b, 16);
	take(&b, 2, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[1]);
	set(&b, i[1], b.scratch + 64, 64, VRING_DESC_F_NEXT, i[0]);
	expect_rejected(&b, i[0]);
}

static void descriptor_pointing_to_itself_is_error(void)
{
	struct bad b;
	uint16_t i[1];

	bad_setup(&b, 16);
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[0]);
	expect_rejected(&b, i[0]);
}

/* 0 -> 1 -> 2 -> 3 -> 1 ...: never returns to the head, only a length
 * bound catches it. */
static void chain_longer_than_ring_is_error(void)
{
	struct bad b;
	uint16_t i[4];

	bad_setup(&b, 8);
	take(&b, 4, i);
	set(&b, i[0], b.scratch, 16, VRING_DESC_F_NEXT, i[1]);
	set(&b, i[1], b.scratch + 16, 16, VRING_DESC_F_NEXT, i[2]);
	set(&b, i[2], b.scratch + 32, 16, VRING_DESC_F_NEXT, i[3]);
	set(&b, i[3], b.scratch + 48, 16, VRING_DESC_F_NEXT, i[1]);
	expect_rejected(&b, i[0]);
}

static void next_index_out_of_range_is_error(void)
{
	struct bad b;
	uint16_t i[1];

	bad_setup(&b, 16);
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, 16);
	expect_rejected(&b, i[0]);
}

static void next_index_0xffff_is_error(void)
{
	struct bad b;
	uint16_t i[1];

	bad_setup(&b, 16);
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, 0xffff);
	expect_rejected(&b, i[0]);
}

static void avail_head_out_of_range_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_rejected(&b, 16);
}

static void write_only_followed_by_read_only_is_error(void)
{
	struct bad b;
	uint16_t i[3];

	bad_setup(&b, 16);
	take(&b, 3, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[1]);
	set(&b, i[1], b.scratch + 64, 64,
	    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, i[2]);
	set(&b, i[2], b.scratch + 128, 64, 0, 0);	/* read-only after */
	expect_rejected(&b, i[0]);
}

/* ------------------------------------------------------------------ */
/* buffer addresses                                                     */

/* A valid out buffer, then the bad one: @addr, @len, @flags. */
static void expect_second_rejected(struct bad *b, uint64_t addr,
				   uint32_t len, uint16_t flags)
{
	uint16_t i[2];

	take(b, 2, i);
	set(b, i[0], b->scratch, 64, VRING_DESC_F_NEXT, i[1]);
	set(b, i[1], addr, len, flags, 0);
	expect_rejected(b, i[0]);
}

static void readable_buffer_past_table_end_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, gmem_end(&b.d.mem), 64, 0);
}

static void writable_buffer_past_table_end_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, gmem_end(&b.d.mem), 64, VRING_DESC_F_WRITE);
}

static void writable_buffer_below_table_start_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, GMEM_DEFAULT_GPA - 64, 64,
			       VRING_DESC_F_WRITE);
}

static void writable_buffer_straddling_table_end_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, gmem_end(&b.d.mem) - 8, 16,
			       VRING_DESC_F_WRITE);
}

static void buffer_at_gpa_zero_outside_table_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, 0, 64, VRING_DESC_F_WRITE);
}

static void buffer_address_plus_length_overflowing_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, 0xfffffffffffff000ull, 0x2000,
			       VRING_DESC_F_WRITE);
}

static void buffer_length_beyond_table_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_second_rejected(&b, b.scratch, 0xffffffffu, VRING_DESC_F_WRITE);
}

/*
 * Device-writable lengths whose sum overflows 32 bits (used.len cannot
 * represent it): a 4 GiB + 1 page table region (never touched, reserved
 * lazily) lets both descriptors translate.
 */
static void writable_lengths_overflowing_u32_is_error(void)
{
	size_t big = (4ull << 30) + VT_PAGE;
	struct vhost_memory *t;
	uint8_t *hva;
	struct bad b;
	uint16_t i[3];
	uint64_t gpa = 0x400000000ull;

	bad_setup(&b, 16);
	hva = mmap(NULL, big, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (hva == MAP_FAILED)
		SKIP("cannot reserve 4 GiB of address space");
	t = memtable_alloc(2);
	memtable_set(t, 0, b.d.mem.gpa, b.d.mem.size, (uintptr_t)b.d.mem.hva);
	memtable_set(t, 1, gpa, big, (uintptr_t)hva);
	EXPECT_OK(vh_set_mem_table(b.d.fd, t));

	take(&b, 3, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[1]);
	set(&b, i[1], gpa, 0xffffffffu, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
	    i[2]);
	set(&b, i[2], gpa, 0x10, VRING_DESC_F_WRITE, 0);
	expect_rejected(&b, i[0]);
}

/* ------------------------------------------------------------------ */
/* indirect tables                                                      */

/* head descriptor -> indirect table at tgpa of len bytes */
static uint16_t indirect_head(struct bad *b, uint64_t tgpa, uint32_t len)
{
	uint16_t i[1];

	take(b, 1, i);
	set(b, i[0], tgpa, len, VRING_DESC_F_INDIRECT, 0);
	return i[0];
}

static struct vring_desc *table_at(struct bad *b, uint64_t *tgpa)
{
	*tgpa = gmem_alloc(&b->d.mem, VT_PAGE, VT_PAGE);
	return gmem_hva(&b->d.mem, *tgpa, VT_PAGE);
}

static void indirect_inside_indirect_is_error(void)
{
	struct vring_desc *t, *t2;
	uint64_t tg, tg2;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	t2 = table_at(&b, &tg2);
	vr_put_desc(t2, 0, b.scratch, 64, 0, 0);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, tg2, 16, VRING_DESC_F_INDIRECT, 0);
	expect_rejected(&b, indirect_head(&b, tg, 32));
}

static void indirect_table_len_not_multiple_of_16_is_error(void)
{
	struct vring_desc *t;
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, b.scratch + 64, 64, VRING_DESC_F_WRITE, 0);
	expect_rejected(&b, indirect_head(&b, tg, 24));
}

static void indirect_table_len_zero_is_error(void)
{
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	table_at(&b, &tg);
	expect_rejected(&b, indirect_head(&b, tg, 0));
}

static void indirect_table_outside_memory_table_is_error(void)
{
	struct bad b;

	bad_setup(&b, 16);
	expect_rejected(&b, indirect_head(&b, gmem_end(&b.d.mem), 32));
}

static void indirect_next_out_of_range_is_error(void)
{
	struct vring_desc *t;
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, b.scratch + 64, 64, VRING_DESC_F_NEXT, 2);
	expect_rejected(&b, indirect_head(&b, tg, 32));
}

static void indirect_loop_is_error(void)
{
	struct vring_desc *t;
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, b.scratch + 64, 64, VRING_DESC_F_NEXT, 0);
	expect_rejected(&b, indirect_head(&b, tg, 32));
}

static void indirect_write_only_followed_by_read_only_is_error(void)
{
	struct vring_desc *t;
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, b.scratch + 64, 64,
		    VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	vr_put_desc(t, 2, b.scratch + 128, 64, 0, 0);
	expect_rejected(&b, indirect_head(&b, tg, 48));
}

static void indirect_buffer_outside_memory_table_is_error(void)
{
	struct vring_desc *t;
	uint64_t tg;
	struct bad b;

	bad_setup(&b, 16);
	t = table_at(&b, &tg);
	vr_put_desc(t, 0, b.scratch, 64, VRING_DESC_F_NEXT, 1);
	vr_put_desc(t, 1, gmem_end(&b.d.mem), 64, VRING_DESC_F_WRITE, 0);
	expect_rejected(&b, indirect_head(&b, tg, 32));
}

/*
 * A table chaining more entries than the ring has descriptors is valid
 * for the device, as in Linux: its limits are the 16-bit next index and
 * the iovec budget, not the ring size (drivers with large scatter lists
 * rely on it).
 */
static void indirect_chain_longer_than_ring_is_accepted(void)
{
	struct vring_desc *t;
	uint32_t id, len;
	uint64_t tg;
	struct bad b;
	uint16_t head;

	bad_setup(&b, 4);
	t = table_at(&b, &tg);
	for (int i = 0; i < 8; i++)
		vr_put_desc(t, i, b.scratch + 16 * i, 16,
			    i < 7 ? VRING_DESC_F_NEXT : 0, i + 1);
	head = indirect_head(&b, tg, 8 * 16);
	vr_push_head(&b.d.vr, head);
	vr_publish_kick(&b.d.vr);
	if (vr_wait_used(&b.d.vr, 1, VT_WAIT_MS) < 0)
		FAIL("8-entry indirect chain on a 4-entry ring not used");
	vr_used_elem(&b.d.vr, b.used_before, &id, &len);
	EXPECT_EQ(id, head);
	EXPECT_EQ(len, 0);
	vt_expect_no_ring_error(&b.d);
	vt_check_canaries(&b.d);
}

/* ------------------------------------------------------------------ */
/* indirect tables at the edges of the address space and of a region   */

/* A page of owner memory outside gmem (fatal on failure). */
static uint8_t *extra_page(void)
{
	void *p = mmap(NULL, VT_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap a page: %s", strerror(errno));
	return p;
}

/*
 * An indirect table of two entries at 2^64 - 16: its second entry would
 * be at 2^64, which wraps to guest address 0.  Both ends are memory (a
 * region ends at 2^64, another starts at 0), so only the wrap itself
 * tells that the table is not one piece of memory.  Unfixed, the second
 * descriptor was read from address 0 and the device wrote into the
 * buffer it names.
 */
static void indirect_table_wrapping_past_2_64_is_rejected(void)
{
	const uint64_t top = 0xfffffffffffff000ull;
	uint8_t *hi = extra_page(), *lo = extra_page();
	struct vhost_memory *t;
	uint8_t *in;
	struct bad b;

	bad_setup(&b, 16);
	t = memtable_alloc(3);
	memtable_set(t, 0, b.d.mem.gpa, b.d.mem.size, (uintptr_t)b.d.mem.hva);
	memtable_set(t, 1, top, VT_PAGE, (uintptr_t)hi);
	memtable_set(t, 2, 0, VT_PAGE, (uintptr_t)lo);
	EXPECT_OK(vh_set_mem_table(b.d.fd, t));

	in = gmem_hva(&b.d.mem, b.scratch + VT_PAGE, 64);
	memset(gmem_hva(&b.d.mem, b.scratch, 64), 0x11, 64);
	memset(in, 0x5a, 64);
	vr_put_desc((struct vring_desc *)(hi + VT_PAGE - 16), 0, b.scratch,
		    64, VRING_DESC_F_NEXT, 1);
	vr_put_desc((struct vring_desc *)lo, 0, b.scratch + VT_PAGE, 64,
		    VRING_DESC_F_WRITE, 0);
	expect_rejected(&b, indirect_head(&b, 0xfffffffffffffff0ull, 32));
	for (unsigned int i = 0; i < 64; i++)
		if (in[i] != 0x5a)
			FAIL("buffer named at address 0 written (byte %u = 0x%02x)",
			     i, in[i]);
}

static long uffd_open(void)
{
	long fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

struct reuse {
	int uffd;
	uint8_t *page;			/* registered, missing */
	uint8_t content[VT_PAGE];	/* what it gets on the fault */
	struct vring_desc *entry0;	/* changed while the device waits */
	uint16_t entry0_flags;
	int result;			/* 0: fault served, else -errno */
};

/*
 * Serve the one fault the device takes on the registered page: first
 * change entry 0 of the table, then fill the page.  The device is held
 * in the fault meanwhile, so it sees the old entry 0 before the fault
 * and the new one after it.
 */
static void *reuse_serve(void *arg)
{
	struct reuse *r = arg;
	struct pollfd p = { .fd = r->uffd, .events = POLLIN };
	struct uffdio_copy c;
	struct uffd_msg m;

	if (poll(&p, 1, VT_WAIT_MS) <= 0) {
		r->result = -ETIMEDOUT;
		return NULL;
	}
	if (read(r->uffd, &m, sizeof(m)) != sizeof(m) ||
	    m.event != UFFD_EVENT_PAGEFAULT) {
		r->result = -EPROTO;
		return NULL;
	}
	__atomic_store_n(&r->entry0->flags, htole16(r->entry0_flags),
			 __ATOMIC_SEQ_CST);
	memset(&c, 0, sizeof(c));
	c.dst = (uintptr_t)r->page;
	c.src = (uintptr_t)r->content;
	c.len = VT_PAGE;
	r->result = ioctl(r->uffd, UFFDIO_COPY, &c) ? -errno : 0;
	return NULL;
}

/*
 * M1: one chain, two indirect descriptors naming the same table T, the
 * first 16 bytes long, the second 32.  T's first entry is the last 16
 * bytes of the memory table's only region; the owner's mapping goes on
 * past it, holding a valid-looking writable descriptor.  The table's
 * second entry is outside the memory table: the chain is invalid.
 * Unfixed, the translation made for 16 bytes was reused for 32 and the
 * device wrote into the buffer named by that descriptor.
 *
 * A walk of a table always starts at entry 0, which cannot both end the
 * 1-entry table and continue to entry 1.  So the driver changes entry 0
 * between the two walks: the descriptor after the first indirect one
 * sits on a page the device faults on (userfaultfd), and the fault is
 * served only after entry 0 got VRING_DESC_F_NEXT.  Bad for the device
 * either way: the second walk must read entry 1 through a translation
 * of its own.
 */
static void indirect_table_reused_with_larger_length_is_translated_again(void)
{
	struct uffdio_register reg;
	struct uffdio_api api;
	struct vhost_memory *t;
	struct vring_desc *tab;
	static struct reuse r;
	uint64_t tg, out, in_gpa;
	uint8_t *in;
	pthread_t th;
	struct bad b;
	long uffd;

	bad_setup(&b, 512);

	/* the memory table stops one page short of the mapping's end */
	t = memtable_alloc(1);
	memtable_set(t, 0, b.d.mem.gpa, b.d.mem.size - VT_PAGE,
		     (uintptr_t)b.d.mem.hva);
	EXPECT_OK(vh_set_mem_table(b.d.fd, t));
	tg = gmem_end(&b.d.mem) - VT_PAGE - 16;
	tab = gmem_hva(&b.d.mem, tg, 32);

	out = b.scratch;
	in_gpa = b.scratch + VT_PAGE;
	in = gmem_hva(&b.d.mem, in_gpa, 64);
	memset(gmem_hva(&b.d.mem, out, 64), 0x11, 64);
	memset(in, 0x5a, 64);
	vr_put_desc(tab, 0, out, 64, 0, 1);
	vr_put_desc(tab, 1, in_gpa, 64, VRING_DESC_F_WRITE, 0);

	/* desc 255 (last of the table's first page) -> desc 256 */
	vr_set_desc(&b.d.vr, 255, tg, 16,
		    VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 256);
	vr_set_desc(&b.d.vr, 256, tg, 32, VRING_DESC_F_INDIRECT, 0);

	memset(&r, 0, sizeof(r));
	r.page = (uint8_t *)(b.d.vr.desc + 256);
	if ((uintptr_t)r.page % VT_PAGE)
		FAIL("test bug: descriptor 256 not at a page start");
	memcpy(r.content, r.page, VT_PAGE);
	r.entry0 = tab;
	r.entry0_flags = VRING_DESC_F_NEXT;	/* next = 1 */
	/* kernels without them (a tinyconfig-based debug kernel) SKIP */
	uffd = uffd_open();
	if (uffd < 0)
		SKIP("userfaultfd: %s", vt_err(uffd));
	r.uffd = (int)uffd;
	if (madvise(r.page, VT_PAGE, MADV_DONTNEED)) {
		if (errno == ENOSYS)
			SKIP("madvise: %s", strerror(errno));
		FAIL("madvise: %s", strerror(errno));
	}
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(r.uffd, UFFDIO_API, &api))
		FAIL("UFFDIO_API: %s", strerror(errno));
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)r.page;
	reg.range.len = VT_PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(r.uffd, UFFDIO_REGISTER, &reg))
		FAIL("UFFDIO_REGISTER: %s", strerror(errno));
	if (pthread_create(&th, NULL, reuse_serve, &r))
		FAIL("pthread_create");

	vr_push_head(&b.d.vr, 255);
	vr_publish_kick(&b.d.vr);
	pthread_join(th, NULL);
	if (r.result)
		FAIL("the device's read of descriptor 256: %s",
		     vt_err(r.result));
	vt_expect_ring_error(&b.d, VT_WAIT_MS);
	if (vr_used_idx(&b.d.vr) != b.used_before)
		FAIL("used idx moved from %u to %u", b.used_before,
		     vr_used_idx(&b.d.vr));
	for (unsigned int i = 0; i < 64; i++)
		if (in[i] != 0x5a)
			FAIL("buffer named past the memory table written (byte %u = 0x%02x)",
			     i, in[i]);
	vt_check_canaries(&b.d);
}

/* ------------------------------------------------------------------ */
/* after the error                                                      */

/* The bad head alone, kicked: the error eventfd fires. */
static void kick_bad_head(struct bad *b, uint16_t head)
{
	vr_push_head(&b->d.vr, head);
	vr_publish_kick(&b->d.vr);
	vt_expect_ring_error(&b->d, VT_WAIT_MS);
}

static void bad_chain_without_err_eventfd_is_not_consumed(void)
{
	struct vt_opts o = { .num = 16, .no_err_fd = true };
	struct vt_dev d;
	uint16_t before;
	int h;

	vt_setup(&d, &o);
	vt_roundtrip(&d, 16, 16, 0);
	before = vr_used_idx(&d.vr);
	h = vr_take_desc(&d.vr);
	vr_set_desc(&d.vr, h, 0, 64, VRING_DESC_F_WRITE, 0);
	vr_push_head(&d.vr, h);
	vr_publish_kick(&d.vr);
	if (vr_wait_used(&d.vr, 1, vt_ms(500)) == 0)
		FAIL("bad chain consumed (used idx %u -> %u)", before,
		     vr_used_idx(&d.vr));
	vt_check_canaries(&d);
}

static void ring_error_leaves_other_devices_working(void)
{
	struct vt_dev other;
	struct bad b;
	uint16_t i[1];

	vt_setup(&other, NULL);
	bad_setup(&b, 16);
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[0]);
	kick_bad_head(&b, i[0]);
	for (int n = 0; n < 10; n++)
		vt_roundtrip(&other, 100, 100, 0);
}

static void device_reusable_after_error_via_reset_owner(void)
{
	struct vt_dev d2;
	struct bad b;
	uint16_t i[1];

	bad_setup(&b, 16);
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, 16);
	kick_bad_head(&b, i[0]);

	vt_stop(&b.d);
	vt_reset_owner_setup(&b.d, &d2);
	for (int n = 0; n < 5; n++)
		vt_roundtrip(&d2, 300, 300, 0);
}

/* Resetting the ring (stop, SET_VRING_BASE past the bad entry) recovers. */
static void ring_recovers_after_base_moved_past_bad_chain(void)
{
	struct bad b;
	uint16_t i[1], bad_idx;
	unsigned int got;

	bad_setup(&b, 16);
	bad_idx = b.d.vr.avail_idx;
	take(&b, 1, i);
	set(&b, i[0], b.scratch, 64, VRING_DESC_F_NEXT, i[0]);
	kick_bad_head(&b, i[0]);

	vt_stop(&b.d);
	EXPECT_OK(vh_get_vring_base(b.d.fd, 0, &got));
	if (got != bad_idx)
		FAIL("GET_VRING_BASE %u after the error, expected the bad entry %u",
		     got, bad_idx);
	/* skip the bad entry as a driver reset would: used idx follows */
	EXPECT_OK(vh_set_vring_base(b.d.fd, 0, (uint16_t)(bad_idx + 1)));
	*(uint16_t *)(b.d.vr.used + 2) = htole16((uint16_t)(bad_idx + 1));
	b.d.vr.last_used = (uint16_t)(bad_idx + 1);
	vt_start(&b.d);
	vt_roundtrip(&b.d, 64, 64, 0);
}

static const struct vt_case cases[] = {
	VT_CASE(descriptor_loop_is_error),
	VT_CASE(descriptor_pointing_to_itself_is_error),
	VT_CASE(chain_longer_than_ring_is_error),
	VT_CASE(next_index_out_of_range_is_error),
	VT_CASE(next_index_0xffff_is_error),
	VT_CASE(avail_head_out_of_range_is_error),
	VT_CASE(write_only_followed_by_read_only_is_error),
	VT_CASE(readable_buffer_past_table_end_is_error),
	VT_CASE(writable_buffer_past_table_end_is_error),
	VT_CASE(writable_buffer_below_table_start_is_error),
	VT_CASE(writable_buffer_straddling_table_end_is_error),
	VT_CASE(buffer_at_gpa_zero_outside_table_is_error),
	VT_CASE(buffer_address_plus_length_overflowing_is_error),
	VT_CASE(buffer_length_beyond_table_is_error),
	VT_CASE(writable_lengths_overflowing_u32_is_error),
	VT_CASE(indirect_inside_indirect_is_error),
	VT_CASE(indirect_table_len_not_multiple_of_16_is_error),
	VT_CASE(indirect_table_len_zero_is_error),
	VT_CASE(indirect_table_outside_memory_table_is_error),
	VT_CASE(indirect_next_out_of_range_is_error),
	VT_CASE(indirect_loop_is_error),
	VT_CASE(indirect_write_only_followed_by_read_only_is_error),
	VT_CASE(indirect_buffer_outside_memory_table_is_error),
	VT_CASE(indirect_chain_longer_than_ring_is_accepted),
	VT_CASE(indirect_table_wrapping_past_2_64_is_rejected),
	VT_CASE(indirect_table_reused_with_larger_length_is_translated_again),
	VT_CASE(bad_chain_without_err_eventfd_is_not_consumed),
	VT_CASE(ring_error_leaves_other_devices_working),
	VT_CASE(device_reusable_after_error_via_reset_owner),
	VT_CASE(ring_recovers_after_base_moved_past_bad_chain),
};

VT_MAIN("malformed", cases)
