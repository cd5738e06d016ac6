// SPDX-License-Identifier: GPL-2.0
/* The pieces the benchmark programs share; see benchlib.h. */
#include "benchlib.h"

#include <dirent.h>
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

/* The first unsigned number after "@key:" in @path, or false. */
static bool proc_field(const char *path, const char *key,
		       unsigned long long *v)
{
	char line[256], name[128];
	unsigned long long x;
	bool found = false;
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		size_t n;

		if (!colon || sscanf(line, "%127s", name) != 1)
			continue;
		/* "key:" (status) or "key  :" and "prefix.key  :" (sched) */
		n = strcspn(name, ":");
		name[n] = 0;
		n = strlen(name);
		if (n < strlen(key) || strcmp(name + n - strlen(key), key) ||
		    (n > strlen(key) && name[n - strlen(key) - 1] != '.'))
			continue;
		found = sscanf(colon + 1, "%llu", &x) == 1;
	}
	fclose(f);
	if (found)
		*v = x;
	return found;
}

/* The number @path holds (a sysctl), or false. */
static bool read_ull(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok;
}

/* Is @path's comm "vhost-<our pid>" (the name of the device's workers)? */
static bool is_worker(const char *path)
{
	char comm[32] = "", want[32];
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = 0;
	fclose(f);
	comm[strcspn(comm, "\n")] = 0;
	snprintf(want, sizeof(want), "vhost-%d", (int)getpid());
	return !strcmp(comm, want);
}

/* The workers: kernel threads (kthread mode) or our own threads (task). */
static void find_workers(struct bench_kstat *k)
{
	static const char *const dirs[] = { "/proc", "/proc/self/task" };
	char path[300];

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d)) && k->nthreads < BENCH_KS_THREADS) {
			pid_t tid = (pid_t)atoi(e->d_name);

			if (tid <= 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s/comm", dirs[i],
				 e->d_name);
			if (is_worker(path))
				k->tid[k->nthreads++] = tid;
		}
		closedir(d);
	}
}

static void read_probes(struct bench_kstat *k)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/kprobe_profile",
		"/sys/kernel/debug/tracing/kprobe_profile",
	};
	unsigned long long hits, missed;
	char line[256], name[64];
	FILE *f = NULL;

	for (size_t i = 0; !f && i < ARRAY_SIZE(paths); i++)
		f = fopen(paths[i], "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && k->nprobes < BENCH_KS_PROBES) {
		if (sscanf(line, "%63s %llu %llu", name, &hits, &missed) != 3 ||
		    strncmp(name, "vb_", 3) ||
		    strlen(name) >= sizeof(k->probe[0]))
			continue;
		strcpy(k->probe[k->nprobes], name);
		k->hits[k->nprobes++] = hits;
	}
	fclose(f);
}

/**
 * bench_kstat_init() - find the device's worker threads
 * @w: where their ids go
 *
 * Call it from the thread that set the device's owner, after
 * VHOST_SET_OWNER and before the timed run (a scan of /proc takes a
 * while): the workers are the threads named "vhost-<its tid>".
 */
void bench_kstat_init(struct bench_kstat *w)
{
	memset(w, 0, sizeof(*w));
	find_workers(w);
}

/**
 * bench_kstat_snap() - what the kernel counted for the device so far
 * @k: the snapshot
 * @w: the workers, from bench_kstat_init()
 */
void bench_kstat_snap(struct bench_kstat *k, const struct bench_kstat *w)
{
	unsigned long long one = 0, sched[3];
	char path[64];
	bool stats;
	FILE *f;

	memset(k, 0, sizeof(*k));
	k->nthreads = w->nthreads;
	memcpy(k->tid, w->tid, sizeof(k->tid));
	stats = read_ull("/proc/sys/kernel/sched_schedstats", &one) &&
		one == 1;
	k->have_wakeups = k->nthreads && stats;
	k->have_cpu = k->nthreads;
	for (unsigned int i = 0; i < k->nthreads; i++) {
		unsigned long long v = 0;

		snprintf(path, sizeof(path), "/proc/%d/status", (int)k->tid[i]);
		if (proc_field(path, "voluntary_ctxt_switches", &v))
			k->vcs += v;
		if (proc_field(path, "nonvoluntary_ctxt_switches", &v))
			k->ivcs += v;
		snprintf(path, sizeof(path), "/proc/%d/sched", (int)k->tid[i]);
		if (stats && proc_field(path, "nr_wakeups", &v))
			k->wakeups += v;
		else
			k->have_wakeups = false;
		snprintf(path, sizeof(path), "/proc/%d/schedstat",
			 (int)k->tid[i]);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu %llu %llu",
				&sched[0], &sched[1], &sched[2]) == 3)
			k->cpu_ns += sched[0];
		else
			k->have_cpu = false;
		if (f)
			fclose(f);
	}
	read_probes(k);
}

/**
 * bench_kstat_fmt() - the differences, as " key=value" result fields
 * @buf: where the text goes (BENCH_KS_TEXT bytes are enough)
 * @size: its size
 * @before: the snapshot at the start of the timed run
 * @after: the one at its end
 *
 * wk_threads (workers found), wk_vcs and wk_ivcs (their voluntary and
 * involuntary context switches), wk_wakeups, wk_cpu_ns, and kp_NAME for
 * each kprobe event vb_NAME present in both; a counter the kernel did
 * not give is left out.
 *
 * Return: @buf.
 */
const char *bench_kstat_fmt(char *buf, size_t size,
			    const struct bench_kstat *before,
			    const struct bench_kstat *after)
{
	size_t n = 0;

#define KS_ADD(...)							\
	do {								\
		if (n < size)						\
			n += snprintf(buf + n, size - n, __VA_ARGS__);	\
	} while (0)
	buf[0] = 0;
	KS_ADD(" wk_threads=%u", before->nthreads);
	if (before->nthreads)
		KS_ADD(" wk_vcs=%llu wk_ivcs=%llu",
		       after->vcs - before->vcs, after->ivcs - before->ivcs);
	if (before->have_wakeups && after->have_wakeups)
		KS_ADD(" wk_wakeups=%llu", after->wakeups - before->wakeups);
	if (before->have_cpu && after->have_cpu)
		KS_ADD(" wk_cpu_ns=%llu", after->cpu_ns - before->cpu_ns);
	for (unsigned int i = 0; i < after->nprobes; i++)
		for (unsigned int j = 0; j < before->nprobes; j++)
			if (!strcmp(after->probe[i], before->probe[j]))
				KS_ADD(" kp_%s=%llu", after->probe[i] + 3,
				       after->hits[i] - before->hits[j]);
#undef KS_ADD
	return buf;
}
