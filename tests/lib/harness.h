/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test harness: every case runs in its own forked child (own process
 * group) under a timeout and reports exactly one line:
 *
 *   PASS suites/<suite>/<case>
 *   FAIL suites/<suite>/<case> - <reason>
 *   SKIP suites/<suite>/<case> - <reason>
 *
 * A case is a void function; it passes by returning.  FAIL()/SKIP() and
 * the CHECK/EXPECT macros end the case at once (the child exits, so the
 * kernel releases every fd and mapping it held).
 */
#ifndef VT_HARNESS_H
#define VT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef __FILE_NAME__
#define __FILE_NAME__ __FILE__
#endif

enum vt_status { VT_PASS, VT_FAIL, VT_SKIP };

struct vt_case {
	const char *name;
	void (*fn)(void);
	unsigned int timeout_s;	/* 0: default */
};

#define VT_CASE(f)		{ #f, f, 0 }
#define VT_CASE_T(f, secs)	{ #f, f, secs }

int vt_main(const char *suite, const struct vt_case *cases, size_t ncases,
	    int argc, char **argv);

#define VT_MAIN(suite, cases)						\
	int main(int argc, char **argv)					\
	{								\
		return vt_main(suite, cases, ARRAY_SIZE(cases),		\
			       argc, argv);				\
	}

/* End the current case with a status and a reason (printf format). */
noreturn void vt_finish(enum vt_status st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Optional debug output to stderr (VT_VERBOSE=1). */
void vt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define FAIL(fmt, ...)							\
	vt_finish(VT_FAIL, fmt " (%s:%d)", ##__VA_ARGS__,		\
		  __FILE_NAME__, __LINE__)
#define SKIP(fmt, ...) vt_finish(VT_SKIP, fmt, ##__VA_ARGS__)

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond))						\
			FAIL(fmt, ##__VA_ARGS__);			\
	} while (0)

/* Text for a wrapper's return: "0", "42" or "-EPERM". */
const char *vt_err(long r);

/* expr returns >= 0 on success or -errno; fail otherwise. */
#define EXPECT_OK(expr)							\
	({								\
		long __r = (long)(expr);				\
		if (__r < 0)						\
			FAIL("%s -> %s", #expr, vt_err(__r));		\
		__r;							\
	})

/* expr must return exactly -e. */
#define EXPECT_ERR(expr, e)						\
	do {								\
		long __r = (long)(expr);				\
		if (__r != -(long)(e))					\
			FAIL("%s -> %s, expected %s", #expr,		\
			     vt_err(__r), vt_err(-(long)(e)));		\
	} while (0)

/*
 * expr must return exactly -e for each value v takes from the array vals
 * (v is declared here, for expr to use).
 */
#define EXPECT_ERR_EACH(v, vals, expr, e)				\
	do {								\
		for (size_t __i = 0; __i < ARRAY_SIZE(vals); __i++) {	\
			__typeof__((vals)[0]) v = (vals)[__i];		\
			long __r = (long)(expr);			\
			if (__r != -(long)(e))				\
				FAIL("%s with %s = %lld (0x%llx) -> %s, expected %s", \
				     #expr, #v, (long long)v,		\
				     (unsigned long long)v, vt_err(__r), \
				     vt_err(-(long)(e)));		\
		}							\
	} while (0)

#define EXPECT_EQ(a, b)							\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
		if (__a != __b)						\
			FAIL("%s == %llu (0x%llx), expected %llu (0x%llx)", \
			     #a, __a, __a, __b, __b);			\
	} while (0)

/*
 * A seed for this case's test data, its own (each case runs in a process
 * of its own), so that data left over from another case does not match.
 */
uint32_t vt_case_seed(void);

/* Timeouts in milliseconds, scaled by VT_TIMEOUT_SCALE (default 1). */
int vt_ms(int ms);
#define VT_WAIT_MS vt_ms(5000)

uint64_t vt_now_ms(void);

/*
 * Fork a helper process from inside a case.  In the helper, FAIL/SKIP
 * print the reason to stderr and _exit(1)/(2) instead of reporting.
 * Returns the pid in the parent, 0 in the helper.
 */
pid_t vt_fork(void);

/*
 * Run fn(arg) in a forked helper; its return value (0..255) is the exit
 * status.  Returns the status, or -1000 - signal if it died of a signal,
 * or -ETIMEDOUT if it did not finish within timeout_ms (it is killed).
 */
int vt_run_in_child(int (*fn)(void *), void *arg, int timeout_ms);

/* Wait for a process to exit within timeout_ms; returns wait status or -ETIMEDOUT. */
int vt_wait_pid(pid_t pid, int timeout_ms);

/* Read a whole small text file into buf; returns length or -errno. */
long vt_read_file(const char *path, char *buf, size_t len);
/* Read an unsigned number from a sysfs-like file; returns -errno on failure. */
long vt_read_ulong(const char *path, unsigned long *val);
/* Write @s to a sysfs/procfs/configfs file in one write(); 0 or -errno. */
long vt_write_file(const char *path, const char *s);

/* Device node under test (VHOST_TEST_DEV or /dev/vhost-test). */
const char *vt_dev_path(void);

#endif
