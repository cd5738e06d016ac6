/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty-log audit: proves that every guest page the device wrote has its
 * bit in the VHOST_SET_LOG_BASE bitmap.
 *
 * A round: la_begin() copies all of guest RAM and clears the bitmap while
 * the device is idle; the device runs; the case quiesces it (waits for its
 * completions, then stops it or la_barrier()s each ring); la_check() then
 * compares RAM with the copy page by page (4 KiB, by guest-physical
 * address) and FAILs the case with the count and the first addresses of
 * the pages whose bytes changed while their bit is clear.
 *
 * The guest side's own writes are not the device's to log. A case either
 * makes them before la_begin() (device stopped or not kicked), or, for a
 * write it must make inside a round, tells la_guest_wrote() which bytes it
 * wrote before the device may see them: those bytes are copied into the
 * snapshot, so only the device's writes remain as differences.
 */
#ifndef VT_LOGAUDIT_H
#define VT_LOGAUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gmem.h"
#include "vring.h"

#define LA_MAX_LABELS 32
#define LA_SHOW 6		/* addresses a FAIL line names */

struct la_label {
	uint64_t gpa, len;
	const char *what;
};

struct logaudit {
	const struct gmem *mem;
	/* guest-physical address of mem->hva[0]: mem->gpa, or the memory
	 * table's GPA when the rings use IOVAs
	 */
	uint64_t gpa;
	uint8_t *bitmap;	/* one bit per 4 KiB page from GPA 0 */
	size_t bitmap_len;
	uint8_t *snap;		/* copy of mem->hva at la_begin() */
	int log_fd;		/* VHOST_SET_LOG_FD */
	unsigned int rounds;
	unsigned long changed;	/* pages changed, over all rounds */
	struct la_label label[LA_MAX_LABELS];
	unsigned int nlabels;
};

/* A bitmap for guest addresses below @gpa_end (allocated, zeroed). */
void la_init(struct logaudit *a, uint64_t gpa_end);
/*
 * The guest memory to audit (its end must be below gpa_end). Addresses
 * given to the la_* functions are in its address space (m->gpa: GPAs, or
 * IOVAs with the IOTLB); the log and FAIL lines are by guest-physical
 * address, m->gpa unless la_set_gpa() says otherwise.
 */
void la_watch(struct logaudit *a, const struct gmem *m);
/* The memory table maps m->hva at @gpa (IOTLB mode: IOVA != GPA). */
void la_set_gpa(struct logaudit *a, uint64_t gpa);
/* VHOST_SET_LOG_BASE and VHOST_SET_LOG_FD on @fd. */
void la_attach(struct logaudit *a, int fd);
/*
 * Ring @idx of @fd logs its used ring: VHOST_SET_VRING_ADDR again with
 * VHOST_VRING_F_LOG and log_guest_addr = the used ring's GPA. The ring
 * must have no backend yet.
 */
void la_ring_log(const struct logaudit *a, int fd, unsigned int idx,
		 const struct vring_drv *vr);
/* Name a range in FAIL lines (e.g. "RX used ring"). */
void la_label(struct logaudit *a, uint64_t addr, uint64_t len,
	      const char *what);
/* Label a ring's descriptor table, avail ring and used ring. */
void la_label_ring(struct logaudit *a, const struct vring_drv *vr,
		   const char *name);

/* Start a round: snapshot RAM, clear the bitmap. The device must be idle. */
void la_begin(struct logaudit *a);
/*
 * The guest wrote [addr, addr + len) during the round, before the device
 * could see it: those bytes join the snapshot.
 */
void la_guest_wrote(struct logaudit *a, uint64_t addr, size_t len);
/*
 * Wait until ring @idx's handler is out of its critical section
 * (VHOST_GET_VRING_BASE takes the ring's mutex, under which the device
 * writes and logs).
 */
void la_barrier(int fd, unsigned int idx);

/*
 * Pages changed since la_begin() without their bit: the count; the first
 * @max addresses in @gpas; *nchanged = pages changed at all.
 */
unsigned int la_unlogged(struct logaudit *a, uint64_t *gpas, unsigned int max,
			 unsigned int *nchanged);
/*
 * End the round: FAIL "@what: N of M changed pages not logged: 0x.. (label),
 * ..." if any; FAIL as well if no page changed at all (the workload did
 * not run, and the round proved nothing).
 */
void la_check(struct logaudit *a, const char *what);

/*
 * Poll (bounded) until a byte of [addr, addr + len) differs from the
 * snapshot: the device has started writing there. False on timeout.
 */
bool la_wait_change(struct logaudit *a, uint64_t addr, size_t len,
		    int timeout_ms);

#endif
