// SPDX-License-Identifier: GPL-2.0
/* The dirty-log audit of the suites; see logaudit.h. */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "logaudit.h"
#include "vhost_ioctl.h"

void la_init(struct logaudit *a, uint64_t gpa_end)
{
	memset(a, 0, sizeof(*a));
	a->log_fd = -1;
	/* whole u64 words, as the kernel may set bits a word at a time */
	a->bitmap_len = (gpa_end / VT_PAGE + 63) / 64 * 8;
	a->bitmap = calloc(1, a->bitmap_len);
	if (!a->bitmap)
		FAIL("out of host memory for a %zu-byte log bitmap",
		     a->bitmap_len);
}

static void check_covered(const struct logaudit *a, uint64_t gpa,
			  size_t size)
{
	if (gpa + size > (uint64_t)a->bitmap_len * 8 * VT_PAGE)
		FAIL("test bug: log bitmap ends before guest memory (0x%llx)",
		     (unsigned long long)(gpa + size));
}

void la_watch(struct logaudit *a, const struct gmem *m)
{
	check_covered(a, m->gpa, m->size);
	a->mem = m;
	a->gpa = m->gpa;
	free(a->snap);
	a->snap = malloc(m->size);
	if (!a->snap)
		FAIL("out of host memory for a %zu-byte snapshot", m->size);
}

void la_set_gpa(struct logaudit *a, uint64_t gpa)
{
	check_covered(a, gpa, a->mem->size);
	a->gpa = gpa;
}

/* The guest-physical address of @addr (an address in a->mem). */
static uint64_t gpa_of(const struct logaudit *a, uint64_t addr)
{
	return addr - a->mem->gpa + a->gpa;
}

void la_attach(struct logaudit *a, int fd)
{
	if (a->log_fd < 0)
		a->log_fd = vt_eventfd();
	EXPECT_OK(vh_set_log_base(fd, (uintptr_t)a->bitmap));
	EXPECT_OK(vh_set_log_fd(fd, a->log_fd));
}

void la_ring_log(const struct logaudit *a, int fd, unsigned int idx,
		 const struct vring_drv *vr)
{
	struct vhost_vring_addr addr;

	vr_addr(vr, &addr);
	addr.index = idx;
	addr.flags = 1u << VHOST_VRING_F_LOG;
	addr.log_guest_addr = gpa_of(a, vr->used_gpa);
	EXPECT_OK(vh_set_vring_addr(fd, &addr));
}

void la_label(struct logaudit *a, uint64_t addr, uint64_t len,
	      const char *what)
{
	if (a->nlabels < LA_MAX_LABELS)
		a->label[a->nlabels++] =
			(struct la_label){ gpa_of(a, addr), len, what };
}

void la_label_ring(struct logaudit *a, const struct vring_drv *vr,
		   const char *name)
{
	static char text[LA_MAX_LABELS][48];
	static unsigned int n;
	const char *kind[3] = { "descriptors", "avail ring", "used ring" };
	uint64_t gpa[3] = { vr->desc_gpa, vr->avail_gpa, vr->used_gpa };
	uint64_t len[3] = { 16ull * vr->num, 6 + 2ull * vr->num,
			    6 + 8ull * vr->num };

	for (unsigned int i = 0; i < 3 && n < LA_MAX_LABELS; i++, n++) {
		snprintf(text[n], sizeof(text[n]), "%s %s", name, kind[i]);
		la_label(a, gpa[i], len[i], text[n]);
	}
}

void la_begin(struct logaudit *a)
{
	if (!a->mem || !a->snap)
		FAIL("test bug: a round begun without guest memory to watch");
	memcpy(a->snap, a->mem->hva, a->mem->size);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memset(a->bitmap, 0, a->bitmap_len);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	a->rounds++;
}

void la_guest_wrote(struct logaudit *a, uint64_t addr, size_t len)
{
	uint8_t *p = gmem_hva(a->mem, addr, len);

	if (!p)
		FAIL("test bug: guest write 0x%llx+%zu outside guest memory",
		     (unsigned long long)addr, len);
	memcpy(a->snap + (p - a->mem->hva), p, len);
}

void la_barrier(int fd, unsigned int idx)
{
	unsigned int base;

	EXPECT_OK(vh_get_vring_base(fd, idx, &base));
}

static bool page_logged(const struct logaudit *a, uint64_t gpa)
{
	uint64_t page = gpa / VT_PAGE;
	uint8_t byte = __atomic_load_n(&a->bitmap[page / 8], __ATOMIC_RELAXED);

	return (byte >> (page % 8)) & 1;
}

unsigned int la_unlogged(struct logaudit *a, uint64_t *gpas, unsigned int max,
			 unsigned int *nchanged)
{
	unsigned int bad = 0, changed = 0;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (size_t off = 0; off < a->mem->size; off += VT_PAGE) {
		uint64_t gpa = a->gpa + off;

		if (!memcmp(a->mem->hva + off, a->snap + off, VT_PAGE))
			continue;
		changed++;
		if (page_logged(a, gpa))
			continue;
		if (bad < max)
			gpas[bad] = gpa;
		bad++;
	}
	if (nchanged)
		*nchanged = changed;
	return bad;
}

/* The narrowest label of a page. */
static const char *label_of(const struct logaudit *a, uint64_t gpa)
{
	const struct la_label *best = NULL;

	for (unsigned int i = 0; i < a->nlabels; i++) {
		const struct la_label *l = &a->label[i];
		uint64_t first = l->gpa & ~(uint64_t)(VT_PAGE - 1);

		if (gpa >= first && gpa < l->gpa + l->len &&
		    (!best || l->len < best->len))
			best = l;
	}
	return best ? best->what : NULL;
}

void la_check(struct logaudit *a, const char *what)
{
	uint64_t gpas[LA_SHOW];
	unsigned int changed, bad;
	char list[LA_SHOW * 64] = "";
	size_t at = 0;

	bad = la_unlogged(a, gpas, LA_SHOW, &changed);
	a->changed += changed;
	vt_log("%s: round %u, %u pages changed, %u not logged\n", what,
	       a->rounds, changed, bad);
	if (!changed)
		FAIL("%s: no guest page changed in round %u: the workload did not run",
		     what, a->rounds);
	if (!bad)
		return;
	for (unsigned int i = 0; i < bad && i < LA_SHOW; i++) {
		const char *l = label_of(a, gpas[i]);

		at += (size_t)snprintf(list + at, sizeof(list) - at,
				       "%s0x%llx%s%s%s", i ? ", " : "",
				       (unsigned long long)gpas[i],
				       l ? " (" : "", l ? l : "", l ? ")" : "");
		if (at >= sizeof(list))
			break;
	}
	FAIL("%s: %u of %u changed pages not logged (round %u): %s%s", what,
	     bad, changed, a->rounds, list, bad > LA_SHOW ? ", ..." : "");
}

bool la_wait_change(struct logaudit *a, uint64_t addr, size_t len,
		    int timeout_ms)
{
	uint64_t deadline = vt_now_ms() + (uint64_t)timeout_ms;
	const uint8_t *p = gmem_hva(a->mem, addr, len);
	const uint8_t *s;

	if (!p)
		FAIL("test bug: 0x%llx+%zu outside guest memory",
		     (unsigned long long)addr, len);
	s = a->snap + (p - a->mem->hva);
	for (;;) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (memcmp(p, s, len))
			return true;
		if (vt_now_ms() >= deadline)
			return false;
		/* a poll interval: the condition is the memory itself */
		poll(NULL, 0, 1);
	}
}
