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

/* One option of a program's command line: -c sets what p points to. */
struct bench_opt {
	char c;
	enum bench_opt_type {
		BO_UINT,	/* unsigned int, strtoul() */
		BO_ULONG,	/* unsigned long (size_t, uint64_t), strtoull() */
		BO_ULLONG,	/* unsigned long long, strtoull() */
		BO_DOUBLE,	/* atof() */
		BO_STR,		/* const char *: the argument itself */
		BO_BOOL,	/* bool: atoi() of the argument != 0 */
		BO_SET,		/* bool, no argument: true */
		BO_CLEAR,	/* bool, no argument: false */
	} type;
	void *p;
};

/* -c with an argument, parsed by the type of @var. */
#define BENCH_OPT(ch, var)						\
	{ (ch), _Generic((var),						\
			 unsigned int: BO_UINT,				\
			 unsigned long: BO_ULONG,			\
			 unsigned long long: BO_ULLONG,			\
			 double: BO_DOUBLE,				\
			 const char *: BO_STR,				\
			 bool: BO_BOOL), &(var) }
/* -c without an argument: the bool @var becomes @val. */
#define BENCH_FLAG(ch, var, val) { (ch), (val) ? BO_SET : BO_CLEAR, &(var) }

bool bench_getopt(int argc, char **argv, const struct bench_opt *opts,
		  size_t n);

bool bench_ring_size_ok(unsigned int num);

void bench_sort(double *v, size_t n);

double bench_pct(const double *v, size_t n, double p);

int bench_open(const char *path, uint64_t want, struct gmem *mem,
	       size_t size);

void bench_setup_ring(int fd, struct gmem *mem, struct vring_drv *vr,
		      unsigned int idx, const struct vring_cfg *cfg);

void bench_arm(struct vring_drv *vr);

void bench_disarm(struct vring_drv *vr);

void bench_check_err(const struct vring_drv *vr, unsigned int n);

/*
 * What the kernel counted for the device while a timed run went on: its
 * worker threads' context switches, wake-ups (with kernel.sched_schedstats
 * on) and CPU time, and the hits of the kprobe events named "vb_*" the
 * bench's VM script placed (tracefs kprobe_profile).  Counters the kernel
 * does not offer are left out of the result line, never faked as 0.
 */
#define BENCH_KS_THREADS	8
#define BENCH_KS_PROBES		16

struct bench_kstat {
	unsigned int nthreads;
	pid_t tid[BENCH_KS_THREADS];	/* the device's workers */
	unsigned long long vcs, ivcs;		/* voluntary, involuntary switches */
	unsigned long long wakeups;		/* schedstats nr_wakeups */
	unsigned long long cpu_ns;		/* schedstat run time */
	bool have_wakeups, have_cpu;
	unsigned int nprobes;
	char probe[BENCH_KS_PROBES][40];
	unsigned long long hits[BENCH_KS_PROBES];
};

void bench_kstat_init(struct bench_kstat *w);

void bench_kstat_snap(struct bench_kstat *k, const struct bench_kstat *w);

/* room for what bench_kstat_fmt() writes */
#define BENCH_KS_TEXT		(160 + BENCH_KS_PROBES * 64)

const char *bench_kstat_fmt(char *buf, size_t size,
			    const struct bench_kstat *before,
			    const struct bench_kstat *after);

#endif
