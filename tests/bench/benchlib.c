// SPDX-License-Identifier: GPL-2.0
/* The pieces the benchmark programs share; see benchlib.h. */
#include "benchlib.h"

#include <getopt.h>
#include <stdarg.h>
#include <time.h>

const char *bench_name = "bench";

/**
 * bench_init() - name the program in its messages
 * @argv0: argv[0]; its last path component becomes bench_name
 */
void bench_init(const char *argv0)
{
	const char *slash;

	if (!argv0 || !*argv0)
		return;
	slash = strrchr(argv0, '/');
	bench_name = slash && slash[1] ? slash + 1 : argv0;
}

/**
 * die() - report a fatal error and exit with status 1
 * @fmt: printf format of the message; "NAME: " goes before it, a newline
 *       after it
 *
 * Standard output is flushed first, so that what the program printed
 * stays ahead of the message.
 */
noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", bench_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/**
 * now_s() - the monotonic clock
 *
 * Return: seconds since an arbitrary point, with nanosecond resolution.
 */
double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/**
 * bench_getopt() - parse a command line by a table of options
 * @argc: main()'s argc
 * @argv: main()'s argv
 * @opts: the options, BENCH_OPT() and BENCH_FLAG() entries
 * @n: how many there are
 *
 * Each option stores its argument (or, for a flag, its value) where its
 * entry points; an option given twice keeps the last one.
 *
 * Return: false for an option not in @opts, one without its argument, or
 * an argument that is no option; the caller prints its usage.
 */
bool bench_getopt(int argc, char **argv, const struct bench_opt *opts,
		  size_t n)
{
	char optstring[2 * 32 + 1], *s = optstring;
	size_t i;
	int c;

	if (n > 32)
		die("bench_getopt: %zu options, at most 32", n);
	for (i = 0; i < n; i++) {
		*s++ = opts[i].c;
		if (opts[i].type != BO_SET && opts[i].type != BO_CLEAR)
			*s++ = ':';
	}
	*s = '\0';
	while ((c = getopt(argc, argv, optstring)) != -1) {
		for (i = 0; i < n && opts[i].c != c; i++)
			;
		if (i == n)
			return false;
		switch (opts[i].type) {
		case BO_UINT:
			*(unsigned int *)opts[i].p = strtoul(optarg, NULL, 0);
			break;
		case BO_ULONG:
			*(unsigned long *)opts[i].p = strtoull(optarg, NULL, 0);
			break;
		case BO_ULLONG:
			*(unsigned long long *)opts[i].p =
				strtoull(optarg, NULL, 0);
			break;
		case BO_DOUBLE:
			*(double *)opts[i].p = atof(optarg);
			break;
		case BO_STR:
			*(const char **)opts[i].p = optarg;
			break;
		case BO_BOOL:
			*(bool *)opts[i].p = atoi(optarg) != 0;
			break;
		case BO_SET:
		case BO_CLEAR:
			*(bool *)opts[i].p = opts[i].type == BO_SET;
			break;
		}
	}
	return optind == argc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/**
 * bench_sort() - sort samples in ascending order, for bench_pct()
 * @v: the samples
 * @n: how many there are
 */
void bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

/**
 * bench_pct() - a percentile of sorted samples (nearest rank)
 * @v: the samples, sorted by bench_sort()
 * @n: how many there are, at least one
 * @p: the percentile, 0 to 100
 *
 * Return: the sample of rank ceil(@p / 100 * @n), the first for rank 0.
 */
double bench_pct(const double *v, size_t n, double p)
{
	double rank = p / 100.0 * (double)n;
	size_t i = (size_t)rank;

	if ((double)i < rank)
		i++;	/* ceil() without libm, which not every program links */
	return v[i ? i - 1 : 0];
}

/**
 * bench_ring_size_ok() - whether a split ring may have @num entries
 * @num: the ring size asked for on the command line
 *
 * Return: true for a power of two from 1 to VT_MAX_RING.
 */
bool bench_ring_size_ok(unsigned int num)
{
	return num && num <= VT_MAX_RING && !(num & (num - 1));
}

/**
 * bench_open() - open a vhost device, own it, set its features, give it
 *                guest memory
 * @path: the device node
 * @want: the features to set; all of them must be offered
 * @mem: the guest memory to set up
 * @size: its size in bytes
 *
 * The memory is one region at GMEM_DEFAULT_GPA, the device's only memory
 * table entry (vt_guest_try_open() of tests/lib).  Dies if the device
 * cannot be opened, owned, given @want or given the memory.
 *
 * Return: the file descriptor.
 */
int bench_open(const char *path, uint64_t want, struct gmem *mem,
	       size_t size)
{
	const char *step;
	uint64_t offered;
	int fd = vt_guest_try_open(path, want, &offered, mem, size, &step);

	if (fd == -ENOTSUP)
		die("device offers features 0x%llx, need 0x%llx",
		    (unsigned long long)offered, (unsigned long long)want);
	if (fd < 0)
		die("%s: %s: %s", path, step, vt_err(fd));
	return fd;
}

/**
 * bench_setup_ring() - lay out a split ring and register it with a device
 * @fd: the vhost device
 * @mem: the guest memory the ring goes into
 * @vr: the driver's ring
 * @idx: the ring's index at the device
 * @cfg: size and features of the ring
 *
 * The ring starts at index 0 with its kick, call and error eventfds
 * registered (vt_guest_try_ring() of tests/lib).  Its used_event is left
 * to the caller, to be moved by hand (bench_arm(), bench_disarm()).
 */
void bench_setup_ring(int fd, struct gmem *mem, struct vring_drv *vr,
		      unsigned int idx, const struct vring_cfg *cfg)
{
	const char *step;
	long r = vt_guest_try_ring(fd, idx, vr, mem, cfg, &step);

	if (r < 0)
		die("ring %u: %s: %s", idx, step, vt_err(r));
	vr->manual_used_event = true;
}

/**
 * bench_arm() - ask for a call after the next used entry
 * @vr: a ring with event idx and a used_event moved by hand
 */
void bench_arm(struct vring_drv *vr)
{
	vr_set_used_event(vr, vr->last_used);
}

/**
 * bench_disarm() - ask for no call until bench_arm()
 * @vr: a ring with event idx and a used_event moved by hand
 *
 * A used_event the device has just passed raises no call until it is
 * moved again.
 */
void bench_disarm(struct vring_drv *vr)
{
	vr_set_used_event(vr, (uint16_t)(vr->last_used - 1));
}

/**
 * bench_check_err() - die if a device signalled a ring's error eventfd
 * @vr: the rings
 * @n: how many there are
 */
void bench_check_err(const struct vring_drv *vr, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (vt_poll_in(vr[i].err_fd, 0) > 0)
			die("ring %u: the device signalled its error eventfd", i);
}
