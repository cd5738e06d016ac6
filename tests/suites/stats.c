// SPDX-License-Identifier: GPL-2.0
/*
 * suites/stats: module parameters, and the per-ring debugfs counters under
 * /sys/kernel/debug/vhost/<dir>/vq<N> ("name value" lines).  The counter
 * cases SKIP when the debugfs directory does not exist.
 */
#include "vt.h"

#include <dirent.h>

#define PARAMS "/sys/module/vhost/parameters/"
#define DBG_ROOT "/sys/kernel/debug/vhost"

static void param_readable(const char *name)
{
	char path[256];
	unsigned long v;
	long r;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	r = vt_read_ulong(path, &v);
	if (r < 0)
		FAIL("read %s: %s", path, vt_err(r));
	if (!v)
		FAIL("%s is 0", path);
}

static void module_param_max_mem_regions_readable(void)
{
	param_readable("max_mem_regions");
}

static void module_param_max_iotlb_entries_readable(void)
{
	param_readable("max_iotlb_entries");
}

/* ------------------------------------------------------------------ */
/* debugfs                                                              */

#define MAX_DIRS 256

struct dirset {
	char name[MAX_DIRS][256];
	int n;
};

static void list_dirs(struct dirset *s)
{
	struct dirent *e;
	DIR *d;

	s->n = 0;
	d = opendir(DBG_ROOT);
	if (!d)
		SKIP("cannot open %s: %s (debugfs not mounted, or no counters)",
		     DBG_ROOT, strerror(errno));
	while ((e = readdir(d)) && s->n < MAX_DIRS) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(s->name[s->n++], sizeof(s->name[0]), "%s", e->d_name);
	}
	closedir(d);
}

static bool in_set(const struct dirset *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return true;
	return false;
}

/* Set up a device and find the debugfs directory that appeared for it. */
static void setup_with_stats(struct vt_dev *d, char *dir, size_t len)
{
	static struct dirset before, after;
	int found = 0;

	list_dirs(&before);
	vt_setup(d, NULL);
	list_dirs(&after);
	for (int i = 0; i < after.n; i++) {
		if (in_set(&before, after.name[i]))
			continue;
		snprintf(dir, len, DBG_ROOT "/%s", after.name[i]);
		found++;
	}
	if (found != 1)
		FAIL("%d new directories under %s after SET_OWNER, expected 1",
		     found, DBG_ROOT);
}

static bool counter(const char *dir, const char *name, unsigned long long *v)
{
	char path[512], buf[4096], *line;
	long r;

	snprintf(path, sizeof(path), "%s/vq0", dir);
	r = vt_read_file(path, buf, sizeof(buf));
	if (r < 0)
		FAIL("read %s: %s", path, vt_err(r));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char key[64];
		unsigned long long val;

		if (sscanf(line, "%63s %llu", key, &val) == 2 &&
		    !strcmp(key, name)) {
			*v = val;
			return true;
		}
	}
	return false;
}

static unsigned long long need(const char *dir, const char *name)
{
	unsigned long long v;

	if (!counter(dir, name, &v))
		FAIL("%s/vq0 has no '%s' line", dir, name);
	return v;
}

static void debugfs_counters_track_ring_activity(void)
{
	const unsigned int k = 10, len = 1000;
	static const char *const names[] = {
		"kicks", "calls", "descs", "bytes", "errors", "busypoll_hits",
	};
	char dir[320];
	struct vt_dev d;

	setup_with_stats(&d, dir, sizeof(dir));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		need(dir, names[i]);
	for (unsigned int i = 0; i < k; i++)
		vt_roundtrip(&d, len, len, 0);
	vt_quiesce(&d);

	if (need(dir, "kicks") < 1 || need(dir, "kicks") > 2 * k + 2)
		FAIL("kicks %llu after %u kicks", need(dir, "kicks"), k);
	if (need(dir, "calls") < 1 || need(dir, "calls") > 2 * k + 2)
		FAIL("calls %llu after %u signalled buffers", need(dir, "calls"),
		     k);
	if (need(dir, "descs") < k)
		FAIL("descs %llu after %u chains of 2 descriptors",
		     need(dir, "descs"), k);
	if (need(dir, "bytes") < (unsigned long long)k * len)
		FAIL("bytes %llu after %u x %u bytes looped back",
		     need(dir, "bytes"), k, len);
	if (need(dir, "errors"))
		FAIL("errors %llu on valid traffic", need(dir, "errors"));
}

static void debugfs_errors_counter_counts_bad_chain(void)
{
	char dir[320];
	struct vt_dev d;
	int h;

	setup_with_stats(&d, dir, sizeof(dir));
	vt_roundtrip(&d, 64, 64, 0);
	h = vr_take_desc(&d.vr);
	vr_set_desc(&d.vr, h, d.mem.gpa, 64, VRING_DESC_F_NEXT, h);
	vr_push_head(&d.vr, h);
	vr_publish_kick(&d.vr);
	vt_expect_ring_error(&d, VT_WAIT_MS);
	if (need(dir, "errors") < 1)
		FAIL("errors counter still 0 after a ring error");
}

static void debugfs_directory_removed_on_release(void)
{
	char dir[320];
	struct vt_dev d;

	setup_with_stats(&d, dir, sizeof(dir));
	close(d.fd);
	if (!access(dir, F_OK))
		FAIL("%s still exists after the device was released", dir);
}

static const struct vt_case cases[] = {
	VT_CASE(module_param_max_mem_regions_readable),
	VT_CASE(module_param_max_iotlb_entries_readable),
	VT_CASE(debugfs_counters_track_ring_activity),
	VT_CASE(debugfs_errors_counter_counts_bad_chain),
	VT_CASE(debugfs_directory_removed_on_release),
};

VT_MAIN("stats", cases)
