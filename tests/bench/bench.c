/*
 * bench: the cost of one steady-state pm_sample() per container, as a ratio
 * to a floor measured in the same rounds on the same files: one pread per
 * file on kept-open fds, no parsing. Several trees (say of 100, 1000 and 2000
 * containers) are measured in the same rounds, so the growth of the cost per
 * container from the first tree to the last is a same-round ratio too.
 *
 *   bench ROUNDS SAMPLES ROOT...
 * Each ROOT holds a kubepods tree whose pod directories start with "pod".
 *
 * Each tree's context lives in a process of its own, and each floor in
 * processes of their own of at most FLOOR_FDS fds: the fds of podmem and of
 * the floor together exceed common hard fd limits. A round asks, for each
 * tree, one pass of SAMPLES preads of every file of the floor, then SAMPLES
 * samples; the report gives the median of the per-round ratios. With
 * LD_PRELOAD=malloc_count.so the samples' allocations are counted too.
 *
 * Output, one line per tree and one for the growth (read by bench_steady.sh):
 *   tree ROOT containers C cgroups G kept K files F ratio R us_sample U us_pread P allocs A
 *   growth_to C0 C R floor F   (from the first tree to each but the last)
 *   growth C0 C R floor F      (from the first tree to the last)
 * A is the allocations of all the timed samples (-1 when not counted).
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

#include "pm_ctx.h"
#include "bench_util.h"

#define MAX_TREES 8
#define MAX_ROUNDS 99
#define FLOOR_FDS 15000

/* from malloc_count.so, when it is preloaded */
extern unsigned long bench_allocs __attribute__((weak));

static struct pm_layout layout;
static int rounds, samples;

/* ---- a helper process: answers a one-byte request with a struct reply -- */

struct reply {
	double secs;
	double files, containers, cgroups, kept, allocs;
};

struct helper {
	int req, resp;
};

static struct helper spawn(void (*serve)(int req, int resp, void *arg), void *arg)
{
	int req[2], resp[2];
	if (pipe(req) || pipe(resp))
		perror("pipe"), exit(1);
	pid_t pid = fork();
	if (pid < 0)
		perror("fork"), exit(1);
	if (pid == 0) {
		close(req[1]);
		close(resp[0]);
		serve(req[0], resp[1], arg);
		exit(0);
	}
	close(req[0]);
	close(resp[1]);
	return (struct helper){req[1], resp[0]};
}

static struct reply ask(struct helper h)
{
	struct reply r;
	char cmd = 'x';
	if (write(h.req, &cmd, 1) != 1 || read(h.resp, &r, sizeof r) != sizeof r) {
		fprintf(stderr, "bench: a helper process failed\n");
		exit(1);
	}
	return r;
}

static void answer(int resp, const struct reply *r)
{
	if (write(resp, r, sizeof *r) != sizeof *r)
		exit(1);
}

/* ---- the floor: pread per file on kept fds ------------------------------ */

struct floor_arg {
	const char *root;
	size_t from, to; /* the files of the tree, in nftw order, that this process reads */
};
static size_t seen;
static int *fds;
static size_t n_fds;
static const struct floor_arg *fa;

/* every pod directory and every directory in one: the cgroups podmem reads */
static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type != FTW_D)
		return 0;
	const char *base = strrchr(path, '/') + 1;
	const char *parent = base - 1;
	while (parent > path && parent[-1] != '/')
		parent--;
	if (strncmp(base, "pod", 3) && strncmp(parent, "pod", 3))
		return 0;
	for (unsigned i = 0; i < layout.n_files; i++) {
		char file[4096];
		if (layout.files[i].apart)
			continue;
		snprintf(file, sizeof file, "%s/%s", path, layout.files[i].name);
		if (access(file, R_OK))
			continue;
		if (fa && seen >= fa->from && seen < fa->to) {
			int fd = open(file, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				perror(file), exit(1);
			fds[n_fds++] = fd;
		}
		seen++;
	}
	return 0;
}

/* the number of files of the floor in ROOT */
static size_t count_files(const char *root)
{
	fa = NULL;
	seen = 0;
	if (nftw(root, visit, 16, FTW_PHYS) < 0)
		perror("nftw"), exit(1);
	return seen;
}

static void floor_serve(int req, int resp, void *arg)
{
	static char buf[64 * 1024];
	fa = arg;
	seen = 0;
	fds = malloc((fa->to - fa->from) * sizeof *fds);
	pm_raise_nofile();
	if (!fds || nftw(fa->root, visit, 16, FTW_PHYS) < 0)
		exit(1);
	char cmd;
	while (read(req, &cmd, 1) == 1) {
		double t0 = now();
		for (int s = 0; s < samples; s++)
			for (size_t i = 0; i < n_fds; i++)
				if (pread(fds[i], buf, sizeof buf, 0) < 0)
					exit(1);
		struct reply r = {.secs = now() - t0, .files = (double)n_fds};
		answer(resp, &r);
	}
}

/* ---- the tree's context --------------------------------------------------- */

static void sample_serve(int req, int resp, void *arg)
{
	const char *root = arg;
	struct pm_opts o = PM_OPTS_INIT;
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	o.cgroup_root = root;
	o.rescan_every = 1000000; /* steady state: no periodic rescan inside the timed loop */
	pm_raise_nofile();
	if (pm_ctx_open(&ctx, &o) < 0)
		fprintf(stderr, "bench: cannot open %s\n", root), exit(1);
	for (int i = 0; i < 3; i++)
		pm_sample(ctx, &snap);
	size_t containers = 0;
	for (size_t i = 0; i < snap.n_pods; i++)
		containers += snap.pods[i].n_containers;
	if (!containers)
		fprintf(stderr, "bench: no containers under %s\n", root), exit(1);
	char cmd;
	while (read(req, &cmd, 1) == 1) {
		unsigned long a0 = &bench_allocs ? bench_allocs : 0;
		double t0 = now();
		for (int s = 0; s < samples; s++)
			if (pm_sample(ctx, &snap) < 0)
				fprintf(stderr, "bench: sample failed\n"), exit(1);
		double t = now() - t0;
		struct reply r = {.secs = t,
				  .containers = (double)containers,
				  .cgroups = ctx->disc.n_cgroups,
				  .kept = ctx->disc.n_kept,
				  .allocs = &bench_allocs ? (double)(bench_allocs - a0) : -1};
		answer(resp, &r);
	}
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		return fprintf(stderr, "usage: bench ROUNDS SAMPLES ROOT...\n"), 2;
	rounds = atoi(argv[1]);
	samples = atoi(argv[2]);
	int trees = argc - 3;
	if (rounds < 1 || rounds > MAX_ROUNDS || samples < 1 || trees > MAX_TREES)
		return fprintf(stderr, "bench: bad ROUNDS, SAMPLES or too many ROOTs\n"), 2;
	if (pm_layout_build(&layout, 1) < 0)
		return 1;
	/* the version of the first tree decides the files of the floor */
	{
		struct pm_opts o = PM_OPTS_INIT;
		struct pm_ctx *ctx;
		o.cgroup_root = argv[3];
		if (pm_ctx_open(&ctx, &o) < 0)
			return fprintf(stderr, "bench: cannot open %s\n", argv[3]), 1;
		pm_layout_build(&layout, pm_ctx_version(ctx));
		pm_ctx_close(ctx);
	}

	struct helper sampler[MAX_TREES], floors[MAX_TREES][16];
	static struct floor_arg args[MAX_TREES][16];
	int n_floors[MAX_TREES];
	size_t files[MAX_TREES];
	for (int t = 0; t < trees; t++) {
		const char *root = argv[3 + t];
		files[t] = count_files(root);
		n_floors[t] = (int)((files[t] + FLOOR_FDS - 1) / FLOOR_FDS);
		if (n_floors[t] > 16)
			return fprintf(stderr, "bench: too many files under %s\n", root), 1;
		for (int k = 0; k < n_floors[t]; k++) {
			args[t][k] = (struct floor_arg){root, (size_t)k * FLOOR_FDS, (size_t)(k + 1) * FLOOR_FDS};
			floors[t][k] = spawn(floor_serve, &args[t][k]);
		}
		sampler[t] = spawn(sample_serve, (void *)root);
	}

	static double us_sample[MAX_TREES][MAX_ROUNDS], us_pread[MAX_TREES][MAX_ROUNDS], ratio[MAX_TREES][MAX_ROUNDS];
	static double growth[MAX_TREES][MAX_ROUNDS], floor_growth[MAX_TREES][MAX_ROUNDS];
	struct reply last[MAX_TREES];
	double allocs[MAX_TREES] = {0};
	for (int r = 0; r < rounds; r++) {
		for (int t = 0; t < trees; t++) {
			double tp = 0;
			for (int k = 0; k < n_floors[t]; k++)
				tp += ask(floors[t][k]).secs;
			struct reply s = ask(sampler[t]);
			double per = 1e6 / (double)samples / s.containers;
			us_sample[t][r] = s.secs * per;
			us_pread[t][r] = tp * per;
			ratio[t][r] = s.secs / tp;
			allocs[t] = s.allocs < 0 || allocs[t] < 0 ? -1 : allocs[t] + s.allocs;
			last[t] = s;
		}
		for (int t = 1; t < trees; t++) {
			growth[t][r] = us_sample[t][r] / us_sample[0][r];
			floor_growth[t][r] = us_pread[t][r] / us_pread[0][r];
		}
	}
	for (int t = 0; t < trees; t++) {
		close(sampler[t].req);
		for (int k = 0; k < n_floors[t]; k++)
			close(floors[t][k].req);
	}
	while (wait(NULL) > 0)
		;
	for (int t = 0; t < trees; t++)
		printf("tree %s containers %.0f cgroups %.0f kept %.0f files %zu ratio %.3f us_sample %.2f us_pread %.2f allocs %.0f\n",
		       argv[3 + t], last[t].containers, last[t].cgroups, last[t].kept, files[t], median(ratio[t], rounds),
		       median(us_sample[t], rounds), median(us_pread[t], rounds), allocs[t]);
	for (int t = 1; t < trees; t++)
		printf("%s %.0f %.0f %.3f floor %.3f\n", t == trees - 1 ? "growth" : "growth_to", last[0].containers,
		       last[t].containers, median(growth[t], rounds), median(floor_growth[t], rounds));
	return 0;
}
