/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What ringbench, netbench and vsockbench do alike: fatal errors, the
 * clock, opening a vhost device with a feature set, one guest memory
 * region, and the registration of a split ring with the device.
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include "vt.h"

/* The program's name in messages; bench_init() sets it. */
extern const char *bench_name;

void bench_init(const char *argv0);

noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Evaluate expr (a vh_*() call: 0 or more, or -errno); die if negative. */
#define TRY(expr)							\
	do {								\
		long __r = (long)(expr);				\
		if (__r < 0)						\
			die("%s: %s", #expr, vt_err(__r));		\
	} while (0)

double now_s(void);

bool bench_ring_size_ok(unsigned int num);

int bench_open(const char *path, uint64_t want, struct gmem *mem,
	       size_t size);

void bench_setup_ring(int fd, struct gmem *mem, struct vring_drv *vr,
		      unsigned int idx, const struct vring_cfg *cfg);

void bench_arm(struct vring_drv *vr);

void bench_disarm(struct vring_drv *vr);

void bench_check_err(const struct vring_drv *vr, unsigned int n);

#endif
