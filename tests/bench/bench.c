/*
 * bench: the cost of one steady-state pm_sample() per container, as a ratio
 * to floors measured in the same run on the same files:
 *   pread   a minimal loop: one pread per file on kept-open fds, no parsing;
 *   open    open/read/close per file each pass (what netdata and Telegraf do).
 * It also times samples with a full rediscovery before each, and with no fds
 * kept at all (every file opened at each read, as cgroups past the fd budget
 * are read).
 * Rounds interleave the three so that the machine's speed swings hit all alike;
 * the report gives the median of the per-round ratios.
 *
 *   bench ROOT [ROUNDS] [SAMPLES]
 * ROOT holds a kubepods tree whose pod directories start with "pod".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pm_internal.h"

static struct pm_layout layout;
static int *fds;
static char **paths;
static size_t n_fds, cap_fds;

static void add(int fd, const char *path)
{
	if (n_fds == cap_fds) {
		cap_fds = cap_fds ? cap_fds * 2 : 1024;
		fds = realloc(fds, cap_fds * sizeof *fds);
		paths = realloc(paths, cap_fds * sizeof *paths);
		if (!fds || !paths)
			exit(1);
	}
	fds[n_fds] = fd;
	paths[n_fds++] = strdup(path);
}

/* every pod directory and every directory in one: the cgroups podmem reads */
static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	const char *base = strrchr(path, '/') + 1;
	const char *parent_end = base - 1, *parent = parent_end;
	while (parent > path && parent[-1] != '/')
		parent--;
	if (strncmp(base, "pod", 3) && strncmp(parent, "pod", 3))
		return 0;
	for (unsigned i = 0; i < layout.n_files; i++) {
		char file[4096];
		snprintf(file, sizeof file, "%s/%s", path, layout.files[i].name);
		int fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			add(fd, file);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* the floors run in a child process with their own fds (podmem's and the
 * floor's together exceed common fd limits); it times one pass of each kind
 * on request: 'p' pread, 'o' open/read/close */
static void floor_child(int req, int resp, const char *root, int samples)
{
	static char buf[64 * 1024];
	if (nftw(root, visit, 16, FTW_PHYS) < 0) {
		perror("nftw");
		exit(1);
	}
	char cmd;
	while (read(req, &cmd, 1) == 1) {
		double t0 = now();
		for (int s = 0; s < samples; s++)
			for (size_t i = 0; i < n_fds; i++) {
				if (cmd == 'p') {
					if (pread(fds[i], buf, sizeof buf, 0) < 0)
						exit(1);
				} else {
					int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
					if (fd < 0 || read(fd, buf, sizeof buf) < 0)
						exit(1);
					close(fd);
				}
			}
		double t[2] = {now() - t0, (double)n_fds};
		if (write(resp, t, sizeof t) != sizeof t)
			exit(1);
	}
	exit(0);
}

static double ask(int req, int resp, char cmd, size_t *ret_files)
{
	double t[2];
	if (write(req, &cmd, 1) != 1 || read(resp, t, sizeof t) != sizeof t) {
		fprintf(stderr, "bench: the floor process failed\n");
		exit(1);
	}
	*ret_files = (size_t)t[1];
	return t[0];
}

/* per round: microseconds per container (pm_sample and each floor) and pm_sample's ratios to the floors */
struct timing {
	double us_sample[100], us_pread[100], us_open[100], r_pread[100], r_open[100];
};
static int rounds, samples, req_fd, resp_fd;
static size_t containers, files;

/* ROUNDS rounds, each timing SAMPLES samples of CTX against a pass of each floor */
static void timed_rounds(struct pm_ctx *ctx, struct pm_snapshot *snap, struct timing *t)
{
	for (int r = 0; r < rounds; r++) {
		double tp = ask(req_fd, resp_fd, 'p', &files);
		double to = ask(req_fd, resp_fd, 'o', &files);
		double t0 = now();
		for (int s = 0; s < samples; s++)
			if (pm_sample(ctx, snap) < 0) {
				fprintf(stderr, "bench: sample failed\n");
				exit(1);
			}
		double ts = now() - t0;
		double per = 1e6 / (double)samples / (double)containers;
		t->us_pread[r] = tp * per;
		t->us_open[r] = to * per;
		t->us_sample[r] = ts * per;
		t->r_pread[r] = ts / tp;
		t->r_open[r] = ts / to;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return fprintf(stderr, "usage: bench ROOT [ROUNDS] [SAMPLES]\n"), 2;
	rounds = argc > 2 ? atoi(argv[2]) : 7;
	samples = argc > 3 ? atoi(argv[3]) : 10;
	if (rounds < 1 || rounds > 99 || samples < 1)
		return fprintf(stderr, "bench: bad ROUNDS or SAMPLES\n"), 2;

	pm_raise_nofile();
	struct pm_opts o = PM_OPTS_INIT;
	o.cgroup_root = argv[1];
	o.rescan_every = 1000000; /* steady state: no periodic rescan inside the timed loop */
	int req[2], resp[2];
	if (pipe(req) || pipe(resp))
		return perror("pipe"), 1;
	if (pm_layout_build(&layout, 1) < 0)
		return 1;
	pid_t child = fork();
	if (child < 0)
		return perror("fork"), 1;
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	if (pm_ctx_open(&ctx, &o) < 0)
		return fprintf(stderr, "bench: cannot open %s\n", argv[1]), 1;
	if (pm_layout_build(&layout, pm_ctx_version(ctx)) < 0)
		return 1;
	if (child == 0) {
		pm_ctx_close(ctx);
		close(req[1]);
		close(resp[0]);
		floor_child(req[0], resp[1], argv[1], samples);
	}
	close(req[0]);
	close(resp[1]);
	req_fd = req[1];
	resp_fd = resp[0];
	for (int i = 0; i < 3; i++)
		pm_sample(ctx, &snap);
	for (size_t i = 0; i < snap.n_pods; i++)
		containers += snap.pods[i].n_containers;
	if (!containers)
		return fprintf(stderr, "bench: no containers under %s\n", argv[1]), 1;

	struct timing steady, scan, none;
	timed_rounds(ctx, &snap, &steady);
	/* the same with a full rediscovery before every sample: what amortising it saves */
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	o.rescan_every = 1;
	if (pm_ctx_open(&ctx, &o) < 0)
		return fprintf(stderr, "bench: cannot reopen %s\n", argv[1]), 1;
	pm_sample(ctx, &snap);
	timed_rounds(ctx, &snap, &scan);
	/* the same with no fds kept (a soft RLIMIT_NOFILE the budget leaves none
	 * of): every file opened by path at each read, as past the budget */
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	struct rlimit saved, tight;
	if (getrlimit(RLIMIT_NOFILE, &saved) < 0)
		return perror("getrlimit"), 1;
	tight = saved;
	tight.rlim_cur = 64;
	o.rescan_every = 1000000;
	if (setrlimit(RLIMIT_NOFILE, &tight) < 0 || pm_ctx_open(&ctx, &o) < 0)
		return fprintf(stderr, "bench: cannot reopen %s under RLIMIT_NOFILE 64\n", argv[1]), 1;
	pm_sample(ctx, &snap);
	timed_rounds(ctx, &snap, &none);
	setrlimit(RLIMIT_NOFILE, &saved);
	close(req_fd);
	waitpid(child, NULL, 0);
	size_t cgroups = snap.n_pods + containers;
	printf("cgroup v%d: %zu pods, %zu containers, %zu files (%.1f per cgroup); %d rounds x %d samples\n",
	       pm_ctx_version(ctx), snap.n_pods, containers, files, (double)files / (double)cgroups, rounds, samples);
	printf("per container per sample (median): pm_sample %.2f us, pread floor %.2f us, open/read/close %.2f us\n",
	       median(steady.us_sample, rounds), median(steady.us_pread, rounds), median(steady.us_open, rounds));
	printf("ratio pm_sample / pread floor:      %.2f (median of per-round ratios)\n", median(steady.r_pread, rounds));
	printf("ratio pm_sample / open+read+close:  %.2f\n", median(steady.r_open, rounds));
	printf("ratio with a full rediscovery before every sample / pread floor: %.2f (the default rediscovers every 10th)\n",
	       median(scan.r_pread, rounds));
	printf("with no fds kept (each file opened at each read, past the fd budget): pm_sample %.2f us per container, "
	       "ratio %.2f to the pread floor, %.2f to open+read+close\n",
	       median(none.us_sample, rounds), median(none.r_pread, rounds), median(none.r_open, rounds));
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	return 0;
}
