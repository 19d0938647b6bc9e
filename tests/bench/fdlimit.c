/*
 * fdlimit: what the fd budget costs. The steady-state pm_sample() per
 * container on the same tree in several processes that differ only in
 * their fds: one with the soft RLIMIT_NOFILE raised to its hard limit (every
 * file kept open), one per soft limit given (the default budget under it),
 * and one that keeps none (MaxOpenFiles 0: every file opened at each read).
 * Rounds interleave them, each starting with the next one, so that the
 * machine's speed swings (and caches warmed by the one before) hit all alike;
 * the ratios are medians of per-round ratios to the unlimited process.
 *
 *   fdlimit ROOT ROUNDS SAMPLES NOFILE...
 * Prints, per process: "fdlimit<TAB>NAME<TAB>us per container<TAB>ratio to
 * unlimited<TAB>fds kept<TAB>cgroups keeping all their files<TAB>cgroups".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pm_ctx.h"
#include "bench_util.h"

#define MAX_PROCS 8
#define MAX_ROUNDS 99

struct proc {
	char name[32];
	long nofile;   /* the soft limit: 0 raised to the hard one */
	long max_open; /* MaxOpenFiles, or -1 */
	int req, resp;
	pid_t pid;
	double info[4]; /* containers, fds kept, cgroups keeping all, cgroups */
	double us[MAX_ROUNDS], ratio[MAX_ROUNDS];
};

/* the child: opens the context under its limit, then times SAMPLES samples per request */
static void child(const struct proc *p, const char *root, int samples, int req, int resp)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		exit(1);
	rl.rlim_cur = p->nofile ? (rlim_t)p->nofile : rl.rlim_max;
	if (p->nofile && rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
		perror("setrlimit");
		exit(1);
	}
	struct pm_opts o = PM_OPTS_INIT;
	o.cgroup_root = root;
	o.rescan_every = 1000000; /* steady state: no periodic rescan inside the timed loop */
	if (p->max_open >= 0) {
		o.max_open_files_set = true;
		o.max_open_files = (unsigned)p->max_open;
	}
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	if (pm_ctx_open(&ctx, &o) < 0) {
		fprintf(stderr, "fdlimit: cannot open %s\n", root);
		exit(1);
	}
	for (int i = 0; i < 3; i++)
		pm_sample(ctx, &snap);
	double info[4] = {0, ctx->disc.n_held, ctx->disc.n_kept, ctx->disc.n_cgroups};
	for (size_t i = 0; i < snap.n_pods; i++)
		info[0] += (double)snap.pods[i].n_containers;
	if (write(resp, info, sizeof info) != sizeof info)
		exit(1);
	char cmd;
	while (read(req, &cmd, 1) == 1 && cmd == 't') {
		double t0 = now();
		for (int s = 0; s < samples; s++)
			if (pm_sample(ctx, &snap) < 0)
				exit(1);
		double t = now() - t0;
		if (write(resp, &t, sizeof t) != sizeof t)
			exit(1);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fprintf(stderr, "usage: fdlimit ROOT ROUNDS SAMPLES NOFILE...\n"), 2;
	int rounds = atoi(argv[2]), samples = atoi(argv[3]);
	if (rounds < 1 || rounds > MAX_ROUNDS || samples < 1 || argc - 4 + 2 > MAX_PROCS)
		return fprintf(stderr, "fdlimit: bad ROUNDS, SAMPLES or too many limits\n"), 2;
	static struct proc procs[MAX_PROCS];
	int n = 0;
	procs[n++] = (struct proc){.name = "unlimited", .max_open = -1};
	for (int i = 4; i < argc; i++) {
		struct proc *p = &procs[n++];
		*p = (struct proc){.nofile = atol(argv[i]), .max_open = -1};
		snprintf(p->name, sizeof p->name, "nofile=%ld", p->nofile);
	}
	procs[n++] = (struct proc){.name = "none kept", .max_open = 0};
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < n; i++) {
		int req[2], resp[2];
		if (pipe(req) || pipe(resp))
			return perror("pipe"), 1;
		procs[i].pid = fork();
		if (procs[i].pid < 0)
			return perror("fork"), 1;
		if (procs[i].pid == 0) {
			close(req[1]);
			close(resp[0]);
			child(&procs[i], argv[1], samples, req[0], resp[1]);
		}
		close(req[0]);
		close(resp[1]);
		procs[i].req = req[1];
		procs[i].resp = resp[0];
		if (read(procs[i].resp, procs[i].info, sizeof procs[i].info) != sizeof procs[i].info)
			return fprintf(stderr, "fdlimit: the %s process failed\n", procs[i].name), 1;
	}
	for (int r = 0; r < rounds; r++) {
		double t[MAX_PROCS];
		for (int k = 0; k < n; k++) { /* each round starts with another: none always runs after a warmer one */
			int i = (r + k) % n;
			char cmd = 't';
			if (write(procs[i].req, &cmd, 1) != 1 || read(procs[i].resp, &t[i], sizeof t[i]) != sizeof t[i])
				return fprintf(stderr, "fdlimit: the %s process failed\n", procs[i].name), 1;
			procs[i].us[r] = t[i] * 1e6 / samples / (procs[i].info[0] ? procs[i].info[0] : 1);
		}
		for (int i = 0; i < n; i++)
			procs[i].ratio[r] = t[i] / t[0];
	}
	for (int i = 0; i < n; i++) { /* each holds the others' pipes too: told to quit, not closed */
		char cmd = 'q';
		if (write(procs[i].req, &cmd, 1) != 1)
			return 1;
		waitpid(procs[i].pid, NULL, 0);
	}
	for (int i = 0; i < n; i++)
		printf("fdlimit\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\n", procs[i].name, median(procs[i].us, rounds),
		       median(procs[i].ratio, rounds), procs[i].info[1], procs[i].info[2], procs[i].info[3]);
	return 0;
}
