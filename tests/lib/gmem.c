// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "gmem.h"
#include "harness.h"
#include "vhost_abi.h"

static size_t page_round(size_t n)
{
	return (n + VT_PAGE - 1) & ~(size_t)(VT_PAGE - 1);
}

void gmem_init(struct gmem *m, uint64_t gpa, size_t size)
{
	uint8_t *p;

	memset(m, 0, sizeof(*m));
	m->size = page_round(size);
	m->gpa = gpa;
	m->canary_len = VT_PAGE;
	m->guard_len = VT_PAGE;
	m->map_len = m->size + 2 * (m->canary_len + m->guard_len);

	p = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		FAIL("mmap %zu bytes of guest memory: %s", m->map_len,
		     strerror(errno));
	m->map = p;
	m->hva = p + m->guard_len + m->canary_len;

	if (mprotect(p, m->guard_len, PROT_NONE) ||
	    mprotect(p + m->map_len - m->guard_len, m->guard_len, PROT_NONE))
		FAIL("mprotect guard pages: %s", strerror(errno));
	memset(m->hva - m->canary_len, GMEM_CANARY_BYTE, m->canary_len);
	memset(m->hva + m->size, GMEM_CANARY_BYTE, m->canary_len);
}

void gmem_destroy(struct gmem *m)
{
	if (m->map)
		munmap(m->map, m->map_len);
	memset(m, 0, sizeof(*m));
}

void *gmem_hva(const struct gmem *m, uint64_t gpa, size_t len)
{
	if (gpa < m->gpa || gpa - m->gpa > m->size ||
	    len > m->size - (gpa - m->gpa))
		return NULL;
	return m->hva + (gpa - m->gpa);
}

uint64_t gmem_gpa(const struct gmem *m, const void *hva)
{
	const uint8_t *p = hva;

	if (p < m->hva || p > m->hva + m->size)
		FAIL("host address %p is not guest RAM [%p, +0x%zx)", hva,
		     (void *)m->hva, m->size);
	return m->gpa + (uint64_t)(p - m->hva);
}

uint64_t gmem_alloc(struct gmem *m, size_t len, size_t align)
{
	size_t off;

	if (!align)
		align = 1;
	off = (m->brk + align - 1) / align * align;
	if (off > m->size || len > m->size - off)
		FAIL("guest memory exhausted: want %zu bytes, %zu of %zu used",
		     len, m->brk, m->size);
	m->brk = off + len;
	return m->gpa + off;
}

void *gmem_alloc_p(struct gmem *m, size_t len, size_t align, uint64_t *gpa)
{
	uint64_t a = gmem_alloc(m, len, align);

	if (gpa)
		*gpa = a;
	return m->hva + (a - m->gpa);
}

static const uint8_t *first_diff(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return p + i;
	return NULL;
}

bool gmem_canaries_intact(const struct gmem *m, const uint8_t **bad)
{
	const uint8_t *b;

	b = first_diff(m->hva - m->canary_len, m->canary_len,
		       GMEM_CANARY_BYTE);
	if (!b)
		b = first_diff(m->hva + m->size, m->canary_len,
			       GMEM_CANARY_BYTE);
	if (bad)
		*bad = b;
	return !b;
}

void gmem_check_canaries(const struct gmem *m)
{
	const uint8_t *bad;
	long off;

	if (gmem_canaries_intact(m, &bad))
		return;
	off = bad < m->hva ? -(long)(m->hva - bad) :
			     (long)(bad - (m->hva + m->size));
	FAIL("memory outside the table was written: canary byte %s RAM at offset %ld is 0x%02x",
	     bad < m->hva ? "before" : "after", off, *bad);
}
