/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "Guest memory": an anonymous mapping that the tests register with
 * VHOST_SET_MEM_TABLE.  Layout of the mapping:
 *
 *   [guard: PROT_NONE][canary: RW, pattern][RAM][canary][guard]
 *
 * Only RAM is in the memory table.  The canaries sit right next to it in
 * the test's address space, so a device that strays outside the table
 * by a little (off-by-one translation, unchecked length) scribbles on a
 * known pattern instead of faulting, and gmem_check_canaries() sees it.
 *
 * Guest addresses ("gpa") are RAM offsets plus a chosen base; in IOTLB
 * mode the same field holds the IOVA base.
 */
#ifndef VT_GMEM_H
#define VT_GMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_CANARY_BYTE 0xc3
#define GMEM_DEFAULT_GPA 0x100000000ull

struct gmem {
	uint8_t *map;		/* whole mapping, guards included */
	size_t map_len;
	uint8_t *hva;		/* start of RAM */
	size_t size;		/* RAM bytes (page multiple) */
	uint64_t gpa;		/* guest address of hva[0] */
	size_t canary_len;	/* on each side of RAM */
	size_t guard_len;	/* on each side, beyond the canaries */
	size_t brk;		/* bump allocator offset into RAM */
};

/* Map size bytes (rounded up to pages) of RAM at guest address gpa. Fatal on error. */
void gmem_init(struct gmem *m, uint64_t gpa, size_t size);
void gmem_destroy(struct gmem *m);

/* Host pointer for [gpa, gpa + len), or NULL if not entirely in RAM. */
void *gmem_hva(const struct gmem *m, uint64_t gpa, size_t len);
/* Guest address of a host pointer inside RAM (fatal if outside). */
uint64_t gmem_gpa(const struct gmem *m, const void *hva);
static inline uint64_t gmem_end(const struct gmem *m)
{
	return m->gpa + m->size;
}

/* Allocate len bytes aligned to align from RAM; returns the guest address. Fatal when full. */
uint64_t gmem_alloc(struct gmem *m, size_t len, size_t align);
/* Same, returns the host pointer and stores the guest address in *gpa. */
void *gmem_alloc_p(struct gmem *m, size_t len, size_t align, uint64_t *gpa);

/* True if both canaries still hold the pattern; else *bad = offending host address. */
bool gmem_canaries_intact(const struct gmem *m, const uint8_t **bad);
/* FAIL the case if a canary changed. */
void gmem_check_canaries(const struct gmem *m);

#endif
