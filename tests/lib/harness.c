// SPDX-License-Identifier: GPL-2.0
/*
 * Case runner: fork per case, timeout, one result line per case, kernel
 * log watch (when /dev/kmsg is readable) so a WARN/BUG/KASAN report is
 * pinned on the case that caused it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define VT_DEFAULT_CASE_TIMEOUT_S 60
#define VT_MSG_MAX 1024

static int result_fd = -1;	/* write end of the case's result pipe */
static bool in_helper;		/* forked from a case by vt_fork() */
static bool verbose;

/* ------------------------------------------------------------------ */
/* small utilities                                                      */

uint64_t vt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int vt_ms(int ms)
{
	static double scale;

	if (!scale) {
		const char *s = getenv("VT_TIMEOUT_SCALE");

		scale = s ? atof(s) : 1.0;
		if (scale <= 0)
			scale = 1.0;
	}
	return (int)(ms * scale);
}

const char *vt_err(long r)
{
	static char bufs[4][48];
	static unsigned int n;
	char *b = bufs[n++ % 4];
	const char *name;

	if (r >= 0) {
		snprintf(b, sizeof(bufs[0]), "%ld", r);
		return b;
	}
	name = strerrorname_np((int)-r);
	if (name)
		snprintf(b, sizeof(bufs[0]), "-%s", name);
	else
		snprintf(b, sizeof(bufs[0]), "-errno%ld", -r);
	return b;
}

const char *vt_dev_path(void)
{
	const char *p = getenv("VHOST_TEST_DEV");

	return p && *p ? p : "/dev/vhost-test";
}

long vt_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

uint32_t vt_case_seed(void)
{
	return (uint32_t)getpid() * 2654435761u;
}

long vt_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

long vt_read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	long r;

	r = vt_read_file(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	errno = 0;
	*val = strtoul(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

void vt_log(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* reporting from inside a case                                        */

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n > len - 1)
		n = len - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

noreturn void vt_finish(enum vt_status st, const char *fmt, ...)
{
	static const char *const tag[] = { "PASS", "FAIL", "SKIP" };
	char msg[VT_MSG_MAX], line[VT_MSG_MAX + 16];
	va_list ap;
	int n;

	msg[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		flatten(msg);
	}

	if (in_helper || result_fd < 0) {
		if (st != VT_PASS)
			fprintf(stderr, "helper %d: %s %s\n", getpid(),
				tag[st], msg);
		_exit(st == VT_PASS ? 0 : (st == VT_FAIL ? 1 : 2));
	}

	n = snprintf(line, sizeof(line), "%s%s%s\n", tag[st],
		     msg[0] ? " " : "", msg);
	if (write(result_fd, line, n) < 0)
		_exit(3);
	_exit(st == VT_PASS ? 0 : (st == VT_FAIL ? 1 : 2));
}

/* ------------------------------------------------------------------ */
/* process helpers                                                      */

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int vt_wait_pid(pid_t pid, int timeout_ms)
{
	struct pollfd p;
	int pfd, st, r;

	pfd = pidfd_open_(pid);
	if (pfd >= 0) {
		p.fd = pfd;
		p.events = POLLIN;
		do {
			r = poll(&p, 1, timeout_ms);
		} while (r < 0 && errno == EINTR);
		close(pfd);
		if (r == 0)
			return -ETIMEDOUT;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return st;
}

pid_t vt_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		in_helper = true;
		if (result_fd >= 0)
			close(result_fd);
		result_fd = -1;
	}
	return pid;
}

int vt_run_in_child(int (*fn)(void *), void *arg, int timeout_ms)
{
	pid_t pid;
	int st;

	pid = vt_fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	st = vt_wait_pid(pid, timeout_ms);
	if (st == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		vt_wait_pid(pid, -1);
		return -ETIMEDOUT;
	}
	if (st < 0)
		return st;
	if (WIFSIGNALED(st))
		return -1000 - WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* ------------------------------------------------------------------ */
/* kernel log watch                                                     */

static const char *const kmsg_bad[] = {
	"WARNING:", "BUG:", "Oops", "general protection fault",
	"KASAN", "UBSAN", "kernel BUG", "refcount_t:",
	"list_add corruption", "list_del corruption",
	"possible circular locking", "possible recursive locking",
	"inconsistent lock state", "suspicious RCU usage",
	"sleeping function called from invalid context",
	"INFO: task", "soft lockup", "hard LOCKUP", "rcu_sched detected stall",
	"rcu: INFO", "Kernel panic", "kmemleak",
};

static int kmsg_fd = -1;

static void kmsg_open(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

static void kmsg_skip_to_end(void)
{
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

/* Returns true and copies the first bad message into out if any. */
static bool kmsg_scan(char *out, size_t len)
{
	char rec[2048];
	bool found = false;
	ssize_t n;

	if (kmsg_fd < 0)
		return false;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records */
				continue;
			break;
		}
		rec[n] = '\0';
		if (found)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(kmsg_bad); i++) {
			char *text = strchr(rec, ';');

			text = text ? text + 1 : rec;
			if (strstr(text, kmsg_bad[i])) {
				copy_str(out, len, text);
				flatten(out);
				found = true;
				break;
			}
		}
	}
	return found;
}

/* ------------------------------------------------------------------ */
/* running one case                                                     */

static const char *sig_name(int sig)
{
	const char *s = sigabbrev_np(sig);

	return s ? s : "?";
}

static void read_result(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	/* keep the first line only */
	buf[strcspn(buf, "\n")] = '\0';
}

static enum vt_status run_case(const char *suite, const struct vt_case *c)
{
	unsigned int tmo_s = c->timeout_s ? c->timeout_s :
			     VT_DEFAULT_CASE_TIMEOUT_S;
	char res[VT_MSG_MAX + 16], reason[VT_MSG_MAX + 256], klog[512];
	enum vt_status st = VT_FAIL;
	int pipefd[2], wst;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		printf("FAIL suites/%s/%s - pipe: %s\n", suite, c->name,
		       strerror(errno));
		return VT_FAIL;
	}
	kmsg_skip_to_end();
	fflush(stdout);
	fflush(stderr);

	pid = fork();
	if (pid < 0) {
		printf("FAIL suites/%s/%s - fork: %s\n", suite, c->name,
		       strerror(errno));
		return VT_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		close(pipefd[0]);
		result_fd = pipefd[1];
		c->fn();
		vt_finish(VT_PASS, NULL);
	}
	setpgid(pid, pid);
	close(pipefd[1]);

	wst = vt_wait_pid(pid, vt_ms(tmo_s * 1000));
	/* Take down any helper the case left behind (same group). */
	kill(-pid, SIGKILL);
	if (wst == -ETIMEDOUT) {
		wst = vt_wait_pid(pid, -1);
		snprintf(reason, sizeof(reason),
			 "timed out after %u s (killed)", tmo_s);
		goto report;
	}

	read_result(pipefd[0], res, sizeof(res));
	if (!strncmp(res, "PASS", 4)) {
		st = VT_PASS;
		reason[0] = '\0';
	} else if (!strncmp(res, "FAIL", 4) || !strncmp(res, "SKIP", 4)) {
		st = res[0] == 'F' ? VT_FAIL : VT_SKIP;
		copy_str(reason, sizeof(reason), res[4] ? res + 5 : "");
	} else if (wst >= 0 && WIFSIGNALED(wst)) {
		snprintf(reason, sizeof(reason), "killed by signal %d (SIG%s)",
			 WTERMSIG(wst), sig_name(WTERMSIG(wst)));
	} else {
		snprintf(reason, sizeof(reason),
			 "exited (status 0x%x) without a result", wst);
	}

report:
	close(pipefd[0]);
	if (kmsg_scan(klog, sizeof(klog))) {
		size_t l = strlen(reason);

		snprintf(reason + l, sizeof(reason) - l, "%skernel log: %s",
			 l ? "; " : "", klog);
		st = VT_FAIL;
	}
	switch (st) {
	case VT_PASS:
		printf("PASS suites/%s/%s\n", suite, c->name);
		break;
	case VT_SKIP:
		printf("SKIP suites/%s/%s - %s\n", suite, c->name, reason);
		break;
	default:
		printf("FAIL suites/%s/%s - %s\n", suite, c->name,
		       reason[0] ? reason : "no reason given");
		break;
	}
	fflush(stdout);
	return st;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-l] [-v] [CASE-GLOB...]\n"
		"  -l  list cases\n  -v  verbose (VT_VERBOSE=1)\n"
		"env: VHOST_TEST_DEV (default /dev/vhost-test), "
		"VT_TIMEOUT_SCALE\n", prog);
}

static bool selected(const char *name, int argc, char **argv, int first)
{
	if (first >= argc)
		return true;
	for (int i = first; i < argc; i++)
		if (!fnmatch(argv[i], name, 0))
			return true;
	return false;
}

int vt_main(const char *suite, const struct vt_case *cases, size_t ncases,
	    int argc, char **argv)
{
	unsigned int count[3] = { 0, 0, 0 };
	bool list = false;
	int opt;

	verbose = getenv("VT_VERBOSE") && atoi(getenv("VT_VERBOSE"));
	while ((opt = getopt(argc, argv, "lvh")) != -1) {
		switch (opt) {
		case 'l':
			list = true;
			break;
		case 'v':
			verbose = true;
			setenv("VT_VERBOSE", "1", 1);
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}

	/* A case must never die of SIGPIPE unnoticed; handle it as EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	kmsg_open();

	for (size_t i = 0; i < ncases; i++) {
		if (!selected(cases[i].name, argc, argv, optind))
			continue;
		if (list) {
			printf("suites/%s/%s\n", suite, cases[i].name);
			continue;
		}
		count[run_case(suite, &cases[i])]++;
	}
	if (!list)
		fprintf(stderr, "# %s: %u passed, %u failed, %u skipped\n",
			suite, count[VT_PASS], count[VT_FAIL], count[VT_SKIP]);
	return count[VT_FAIL] ? 1 : 0;
}
