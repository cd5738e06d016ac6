// SPDX-License-Identifier: GPL-2.0
/*
 * demo: a guest driver's view of our /dev/vhost-test loopback device.
 *
 * Sets up one split ring, sends a few text messages through the loopback
 * (each chain: the message as a device-readable buffer, then an empty
 * device-writable buffer) and prints them as they come back, checked.
 * Then it keeps 32 round trips in flight for a while, verifies every
 * byte that comes back and, between batches, prints the ring's live
 * counters from debugfs (/sys/kernel/debug/vhost/<dev>-<pid>-<serial>/vq0).
 *
 *   demo [-n ROUND_TRIPS] [-r REPORTS]
 *
 * Exit status 0 if every message came back intact.
 */
#include "vt.h"

#include <glob.h>

#define MSG_MAX		512	/* bytes per message (and writable buffer) */
#define IN_FLIGHT	32

struct msg {
	uint8_t *out, *in;	/* host views of the two buffers */
	struct vt_buf buf[2];	/* guest addresses: out, in */
	uint32_t len;		/* bytes sent */
	uint32_t seq;
};

static noreturn void die(const char *what)
{
	fprintf(stderr, "demo: FAILED: %s\n", what);
	exit(1);
}

static char stats_path[256];

/* The debugfs file that appeared for our device (owner pid = us). */
static void find_stats(void)
{
	char pat[128];
	glob_t g;

	snprintf(pat, sizeof(pat), "/sys/kernel/debug/vhost/*-%d-*/vq0",
		 (int)getpid());
	if (glob(pat, 0, NULL, &g) || g.gl_pathc != 1) {
		printf("(no counters at %s: is debugfs mounted?)\n", pat);
		stats_path[0] = '\0';
	} else {
		snprintf(stats_path, sizeof(stats_path), "%s", g.gl_pathv[0]);
	}
	globfree(&g);
}

/* One line with the interesting counters; or the whole file, 3 a line. */
static void show_stats(const char *label, bool all)
{
	static const char *const pick[] = {
		"kicks", "calls", "chains", "descs", "bytes", "errors",
	};
	char buf[1024], line[512] = "", name[64];
	unsigned long long v;
	unsigned int n = 0;
	int off = 0, pos;
	char *p = buf;

	if (!stats_path[0])
		return;
	if (vt_read_file(stats_path, buf, sizeof(buf)) < 0)
		die("cannot read the debugfs counters");
	if (all)
		printf("%s\n", label);
	while (sscanf(p, "%63s %llu\n%n", name, &v, &pos) == 2) {
		p += pos;
		if (all) {
			if (++n % 3)
				printf("  %-15s %-10llu", name, v);
			else
				printf("  %-15s %llu\n", name, v);
			continue;
		}
		for (unsigned int i = 0; i < ARRAY_SIZE(pick); i++)
			if (!strcmp(name, pick[i]) && off < (int)sizeof(line))
				off += snprintf(line + off, sizeof(line) - off,
						" %s %llu", name, v);
	}
	if (all) {
		if (n % 3)
			printf("\n");
	} else {
		printf("%s%s\n", label, line);
	}
}

static void fill(struct msg *m, uint32_t seq, const char *text)
{
	m->seq = seq;
	if (text) {
		m->len = (uint32_t)strlen(text);
		memcpy(m->out, text, m->len);
	} else {
		/* "#000123 " then a pattern; lengths 8..511 */
		m->len = 8 + (seq * 37u) % (MSG_MAX - 8);
		snprintf((char *)m->out, 9, "#%06u ", seq % 1000000);
		for (uint32_t i = 8; i < m->len; i++)
			m->out[i] = vt_pattern(seq, i);
	}
	memset(m->in, 0xee, MSG_MAX);
	m->buf[0].len = m->len;
	m->buf[1].len = MSG_MAX;
}

/* What came back: exactly the message, nothing written past it. */
static void check(const struct msg *m, const struct vt_used *u)
{
	if (u->len != m->len) {
		fprintf(stderr, "demo: message %u: used.len %u, sent %u\n",
			m->seq, u->len, m->len);
		die("wrong used.len");
	}
	if (memcmp(m->in, m->out, m->len)) {
		fprintf(stderr, "demo: message %u came back altered\n", m->seq);
		die("data mismatch");
	}
	for (uint32_t i = m->len; i < MSG_MAX; i++)
		if (m->in[i] != 0xee)
			die("device wrote past the message");
}

static void msg_send(struct vt_dev *d, struct msg *m)
{
	if (vr_add(&d->vr, m->buf, 1, 1, 0, m) < 0)
		die("ring full");
}

static struct msg *msg_receive(struct vt_dev *d)
{
	struct vt_used u;
	int r;

	for (;;) {
		r = vr_get_used(&d->vr, &u);
		if (r < 0)
			die("used entry for a buffer that is not in flight");
		if (r > 0)
			break;
		if (vr_wait_used(&d->vr, 1, 5000) < 0)
			die("nothing came back within 5 s");
	}
	check(u.cookie, &u);
	return u.cookie;
}

int main(int argc, char **argv)
{
	static const char *const hello[] = {
		"hello from the guest driver",
		"vhost-oot: an out-of-tree vhost",
		"this text went out through a device-readable descriptor",
		"and came back in the device-writable one",
		"checked byte for byte",
	};
	struct vt_opts o = { .num = 256 };
	unsigned int total = 20000, reports = 4, sent = 0, done = 0;
	struct msg msgs[IN_FLIGHT];
	struct vt_dev d;
	int c;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		switch (c) {
		case 'n':
			total = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			reports = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: demo [-n ROUND_TRIPS] [-r REPORTS]\n");
			return 2;
		}
	}
	if (!reports)
		reports = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	vt_setup(&d, &o);	/* owner, features, memory table, ring, start */
	for (unsigned int i = 0; i < IN_FLIGHT; i++) {
		msgs[i].out = gmem_alloc_p(&d.mem, MSG_MAX, 64, &msgs[i].buf[0].addr);
		msgs[i].in = gmem_alloc_p(&d.mem, MSG_MAX, 64, &msgs[i].buf[1].addr);
	}
	find_stats();
	printf("ring of %u descriptors on %s, owner pid %d, counters in %s\n",
	       o.num, vt_dev_path(), (int)getpid(),
	       stats_path[0] ? stats_path : "(none)");

	/* a few messages, one at a time */
	for (unsigned int i = 0; i < ARRAY_SIZE(hello); i++) {
		struct msg *m = &msgs[0];

		fill(m, i, hello[i]);
		msg_send(&d, m);
		vr_publish_kick(&d.vr);
		m = msg_receive(&d);
		printf("  sent %2u bytes, got back \"%.*s\" (used.len %u) OK\n",
		       m->len, (int)m->len, (char *)m->in, m->len);
	}
	show_stats("counters:", false);

	/* traffic: IN_FLIGHT round trips at a time, counters between batches */
	printf("%u round trips of 8..%u bytes, %u in flight, each checked:\n",
	       total, MSG_MAX - 1, IN_FLIGHT);
	for (unsigned int i = 0; i < IN_FLIGHT && sent < total; i++) {
		fill(&msgs[i], sent++, NULL);
		msg_send(&d, &msgs[i]);
	}
	vr_notify(&d.vr);
	while (done < total) {
		struct msg *m = msg_receive(&d);

		done++;
		if (sent < total) {
			fill(m, sent++, NULL);
			msg_send(&d, m);
			/* publish in small batches; kick only if asked to */
			if (sent % 8 == 0 || sent == total)
				vr_notify(&d.vr);
		}
		if (done % (total / reports ? total / reports : 1) == 0 ||
		    done == total) {
			char label[64];

			snprintf(label, sizeof(label), "  after %6u:", done);
			show_stats(label, false);
		}
	}
	vt_expect_no_ring_error(&d);
	vt_check_canaries(&d);
	show_stats("vq0 at the end:", true);
	printf("%u round trips + %zu messages verified, driver kicked %llu times for them\n",
	       total, ARRAY_SIZE(hello), (unsigned long long)d.vr.kicks);
	vt_stop(&d);
	close(d.fd);
	return 0;
}
