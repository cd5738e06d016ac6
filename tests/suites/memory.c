// SPDX-License-Identifier: GPL-2.0
/*
 * suites/memory: VHOST_SET_MEM_TABLE validation, translation through
 * several regions, and replacing the table while the ring runs.
 */
#include "vt.h"

#include <sys/mman.h>

#define PARAM_MAX_MEM_REGIONS "/sys/module/vhost/parameters/max_mem_regions"

static unsigned long max_regions(void)
{
	unsigned long v;
	long r = vt_read_ulong(PARAM_MAX_MEM_REGIONS, &v);

	if (r < 0)
		FAIL("read %s: %s", PARAM_MAX_MEM_REGIONS, vt_err(r));
	if (!v || v > 65536)
		FAIL("implausible max_mem_regions %lu", v);
	return v;
}

static void *map_pages(size_t n)
{
	void *p = mmap(NULL, n * VT_PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		FAIL("mmap %zu pages", n);
	return p;
}

/* n one-page regions at distinct GPAs (every other page) */
static struct vhost_memory *page_regions(unsigned long n)
{
	struct vhost_memory *t = memtable_alloc(n);
	uint8_t *p = map_pages(n);

	for (unsigned long i = 0; i < n; i++)
		memtable_set(t, i, GMEM_DEFAULT_GPA + 2 * i * VT_PAGE, VT_PAGE,
			     (uintptr_t)(p + i * VT_PAGE));
	return t;
}

static void set_mem_table_single_region_succeeds(void)
{
	struct vt_dev d;

	vt_open(&d);
	EXPECT_OK(vh_set_owner(d.fd));
	gmem_init(&d.mem, GMEM_DEFAULT_GPA, 1u << 20);
	vt_set_mem_table_gmem(&d);
	vt_set_mem_table_gmem(&d);	/* again, same table */
}

static void set_mem_table_with_max_regions_succeeds(void)
{
	unsigned long n = max_regions();
	int fd = vt_open_owned_fd();

	EXPECT_OK(vh_set_mem_table(fd, page_regions(n)));
}

static void set_mem_table_above_max_regions_e2big(void)
{
	unsigned long n = max_regions();
	int fd = vt_open_owned_fd();

	EXPECT_ERR(vh_set_mem_table(fd, page_regions(n + 1)), E2BIG);
}

static void set_mem_table_zero_size_region_einval(void)
{
	struct vhost_memory *t = page_regions(3);
	int fd = vt_open_owned_fd();

	t->regions[1].memory_size = 0;
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);
}

static void set_mem_table_overlapping_regions_einval(void)
{
	struct vhost_memory *t = memtable_alloc(2);
	uint8_t *p = map_pages(8);
	int fd = vt_open_owned_fd();

	/* [G, G+4 pages) and [G+2 pages, G+6 pages) */
	memtable_set(t, 0, GMEM_DEFAULT_GPA, 4 * VT_PAGE, (uintptr_t)p);
	memtable_set(t, 1, GMEM_DEFAULT_GPA + 2 * VT_PAGE, 4 * VT_PAGE,
		     (uintptr_t)(p + 4 * VT_PAGE));
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);

	/* the same region twice */
	memtable_set(t, 1, GMEM_DEFAULT_GPA, 4 * VT_PAGE, (uintptr_t)p);
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);

	/* one region inside another */
	memtable_set(t, 1, GMEM_DEFAULT_GPA + VT_PAGE, VT_PAGE,
		     (uintptr_t)(p + 4 * VT_PAGE));
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);
}

static void set_mem_table_guest_address_overflow_einval(void)
{
	struct vhost_memory *t = memtable_alloc(1);
	uint8_t *p = map_pages(2);
	int fd = vt_open_owned_fd();

	memtable_set(t, 0, 0xfffffffffffff000ull, 2 * VT_PAGE, (uintptr_t)p);
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);
}

static void set_mem_table_user_address_overflow_einval(void)
{
	struct vhost_memory *t = memtable_alloc(1);
	int fd = vt_open_owned_fd();

	memtable_set(t, 0, GMEM_DEFAULT_GPA, 2 * VT_PAGE,
		     0xfffffffffffff000ull);
	EXPECT_ERR(vh_set_mem_table(fd, t), EINVAL);
}

static void set_mem_table_replaced_many_times(void)
{
	struct vt_dev d;

	vt_setup(&d, NULL);
	for (int i = 0; i < 50; i++) {
		struct vhost_memory *t = page_regions(1 + i % 8);

		EXPECT_OK(vh_set_mem_table(d.fd, t));
		free(t);
	}
	vt_set_mem_table_gmem(&d);
	vt_roundtrip(&d, 500, 500, 0);
}

/* ------------------------------------------------------------------ */
/* translation through several regions                                  */

/*
 * Rings in region A, buffers in B; B given first in the table so the
 * lookup can't rely on order.
 */
static void buffers_in_a_second_region_round_trip(void)
{
	struct vhost_memory *t = memtable_alloc(2);
	struct gmem data;
	struct vt_dev d;
	uint32_t len = 3000;

	vt_setup(&d, NULL);
	gmem_init(&data, 0x300000000ull, 1u << 20);
	memtable_set(t, 0, data.gpa, data.size, (uintptr_t)data.hva);
	memtable_set(t, 1, d.mem.gpa, d.mem.size, (uintptr_t)d.mem.hva);
	EXPECT_OK(vh_set_mem_table(d.fd, t));

	for (int i = 0; i < 10; i++) {
		struct vt_xfer *x = vt_xfer_new(&data, 1, &len, 1, &len, 8, i);

		vt_xfer_add(&d.vr, x, i & 1 ? VR_INDIRECT : 0);
		vr_publish_kick(&d.vr);
		vt_collect(&d.vr, 1, VT_WAIT_MS);
	}
	gmem_check_canaries(&data);
	vt_check_canaries(&d);
}

static void fill_span(uint8_t *a, size_t alen, uint8_t *b, size_t blen,
		      uint32_t seed)
{
	for (size_t i = 0; i < alen; i++)
		a[i] = vt_pattern(seed, i);
	for (size_t i = 0; i < blen; i++)
		b[i] = vt_pattern(seed, alen + i);
}

/*
 * GPA-contiguous regions whose host mappings are not contiguous: a
 * buffer crossing the boundary must be split by the device.
 */
static void buffer_spanning_regions_with_discontiguous_host_memory(void)
{
	const size_t rsz = 1u << 20;
	const uint64_t g = 0x500000000ull;
	struct vhost_memory *t = memtable_alloc(4);
	struct gmem r[3];
	struct vt_buf bufs[2];
	struct vt_used u;
	struct vt_dev d;
	uint8_t *in_a, *in_b;
	int head;

	vt_setup(&d, NULL);
	for (int i = 0; i < 3; i++)
		gmem_init(&r[i], g + i * rsz, rsz);
	/* regions in reverse GPA order, plus the ring memory */
	memtable_set(t, 0, r[2].gpa, rsz, (uintptr_t)r[2].hva);
	memtable_set(t, 1, r[1].gpa, rsz, (uintptr_t)r[1].hva);
	memtable_set(t, 2, r[0].gpa, rsz, (uintptr_t)r[0].hva);
	memtable_set(t, 3, d.mem.gpa, d.mem.size, (uintptr_t)d.mem.hva);
	EXPECT_OK(vh_set_mem_table(d.fd, t));

	/* out: last 100 bytes of r0 + first 200 of r1 */
	fill_span(r[0].hva + rsz - 100, 100, r[1].hva, 200, 42);
	bufs[0] = (struct vt_buf){ g + rsz - 100, 300 };
	/* in: last 150 bytes of r1 + first 150 of r2 */
	in_a = r[1].hva + rsz - 150;
	in_b = r[2].hva;
	memset(in_a, 0xee, 150);
	memset(in_b, 0xee, 151);
	bufs[1] = (struct vt_buf){ g + 2 * rsz - 150, 300 };

	head = vr_add(&d.vr, bufs, 1, 1, 0, &d);
	CHECK(head >= 0, "vr_add: %s", vt_err(head));
	vr_publish_kick(&d.vr);
	if (vr_wait_used(&d.vr, 1, VT_WAIT_MS) < 0)
		FAIL("spanning buffer not used");
	CHECK(vr_get_used(&d.vr, &u) == 1, "bad used entry");
	EXPECT_EQ(u.id, head);
	EXPECT_EQ(u.len, 300);
	for (int i = 0; i < 150; i++)
		if (in_a[i] != vt_pattern(42, i))
			FAIL("in byte %d (first region) 0x%02x", i, in_a[i]);
	for (int i = 0; i < 150; i++)
		if (in_b[i] != vt_pattern(42, 150 + i))
			FAIL("in byte %d (second region) 0x%02x", 150 + i,
			     in_b[i]);
	CHECK(in_b[150] == 0xee, "byte after the in buffer written");
	for (int i = 0; i < 3; i++)
		gmem_check_canaries(&r[i]);
}

/* ------------------------------------------------------------------ */
/* replacing the table while running                                    */

struct two_region {
	struct vt_dev d;
	struct gmem data;
};

static void two_region_setup(struct two_region *s)
{
	struct vhost_memory *t = memtable_alloc(2);

	vt_setup(&s->d, NULL);
	gmem_init(&s->data, 0x300000000ull, 4u << 20);
	memtable_set(t, 0, s->d.mem.gpa, s->d.mem.size,
		     (uintptr_t)s->d.mem.hva);
	memtable_set(t, 1, s->data.gpa, s->data.size,
		     (uintptr_t)s->data.hva);
	EXPECT_OK(vh_set_mem_table(s->d.fd, t));
	free(t);
}

static void data_roundtrip(struct vt_dev *d, struct gmem *data, int n)
{
	uint32_t len = 1500;

	for (int i = 0; i < n; i++) {
		struct vt_xfer *x = vt_xfer_new(data, 1, &len, 1, &len, 8, i);

		vt_xfer_add(&d->vr, x, 0);
		vr_publish_kick(&d->vr);
		vt_collect(&d->vr, 1, VT_WAIT_MS);
		free(x);
	}
}

static void replace_mem_table_while_ring_runs(void)
{
	struct vhost_memory *t = memtable_alloc(2);
	struct two_region s;
	struct gmem moved;
	uint8_t *old_snap;

	two_region_setup(&s);
	data_roundtrip(&s.d, &s.data, 5);

	/* the data region moves to new host memory, same GPAs */
	gmem_init(&moved, s.data.gpa, s.data.size);
	memcpy(moved.hva, s.data.hva, s.data.size);
	moved.brk = s.data.brk;
	memtable_set(t, 0, s.d.mem.gpa, s.d.mem.size, (uintptr_t)s.d.mem.hva);
	memtable_set(t, 1, moved.gpa, moved.size, (uintptr_t)moved.hva);
	EXPECT_OK(vh_set_mem_table(s.d.fd, t));

	old_snap = malloc(s.data.size);
	memcpy(old_snap, s.data.hva, s.data.size);
	data_roundtrip(&s.d, &moved, 5);	/* verified in the new memory */
	if (memcmp(old_snap, s.data.hva, s.data.size))
		FAIL("the device wrote the old host memory after SET_MEM_TABLE");
}

static void identical_table_update_during_traffic_is_seamless(void)
{
	struct vhost_memory *t = memtable_alloc(2);
	struct two_region s;
	uint32_t len = 4096;

	two_region_setup(&s);
	memtable_set(t, 0, s.d.mem.gpa, s.d.mem.size, (uintptr_t)s.d.mem.hva);
	memtable_set(t, 1, s.data.gpa, s.data.size, (uintptr_t)s.data.hva);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < 64; i++) {
			struct vt_xfer *x = vt_xfer_new(&s.data, 1, &len, 1,
							&len, 8, i);

			vt_xfer_add(&s.d.vr, x, 0);
		}
		vr_publish_kick(&s.d.vr);
		EXPECT_OK(vh_set_mem_table(s.d.fd, t));	/* mid-batch */
		vt_collect(&s.d.vr, 64, VT_WAIT_MS);
		s.data.brk = 0;
	}
	vt_expect_no_ring_error(&s.d);
}

static void buffer_in_region_removed_from_table_is_ring_error(void)
{
	struct vhost_memory *t = memtable_alloc(1);
	struct two_region s;
	uint32_t len = 64;
	struct vt_xfer *x;
	uint16_t before;

	two_region_setup(&s);
	data_roundtrip(&s.d, &s.data, 2);
	memtable_set(t, 0, s.d.mem.gpa, s.d.mem.size, (uintptr_t)s.d.mem.hva);
	EXPECT_OK(vh_set_mem_table(s.d.fd, t));

	before = vr_used_idx(&s.d.vr);
	x = vt_xfer_new(&s.data, 1, &len, 1, &len, 8, 1);
	vt_xfer_add(&s.d.vr, x, 0);
	vr_publish_kick(&s.d.vr);
	vt_expect_ring_error(&s.d, VT_WAIT_MS);
	EXPECT_EQ(vr_used_idx(&s.d.vr), before);
	for (uint32_t i = 0; i < len; i++)
		CHECK(x->seg[1].hva[i] == vt_sentinel(i),
		      "buffer outside the new table was written");
}

static const struct vt_case cases[] = {
	VT_CASE(set_mem_table_single_region_succeeds),
	VT_CASE(set_mem_table_with_max_regions_succeeds),
	VT_CASE(set_mem_table_above_max_regions_e2big),
	VT_CASE(set_mem_table_zero_size_region_einval),
	VT_CASE(set_mem_table_overlapping_regions_einval),
	VT_CASE(set_mem_table_guest_address_overflow_einval),
	VT_CASE(set_mem_table_user_address_overflow_einval),
	VT_CASE(set_mem_table_replaced_many_times),
	VT_CASE(buffers_in_a_second_region_round_trip),
	VT_CASE(buffer_spanning_regions_with_discontiguous_host_memory),
	VT_CASE(replace_mem_table_while_ring_runs),
	VT_CASE(identical_table_update_during_traffic_is_seamless),
	VT_CASE(buffer_in_region_removed_from_table_is_ring_error),
};

VT_MAIN("memory", cases)
