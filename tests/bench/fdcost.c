/*
 * fdcost: what keeping a cgroup file open saves, per file kind, on real
 * cgroups: a pread on a kept-open fd against an open/fstat/pread/close of
 * the file by its name in a kept directory fd (what a cgroup past the fd
 * budget costs per file and read), and what opening and closing the
 * cgroup's directory adds to a read. Same run, interleaved rounds, medians
 * of per-round figures (the machine's speed swings between runs).
 *
 *   fdcost ROOT [ROUNDS] [FILE...]
 * ROOT holds the cgroups to read: every directory below it (one level or
 * two). The files default to the cgroup v1 set podmem reads.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bench_util.h"

#define MAX_CG 4096
#define MAX_FILES 16
#define MAX_ROUNDS 99

static int dirfd_of[MAX_CG], fd_of[MAX_CG][MAX_FILES];
static char path_of[MAX_CG][512];
static int n_cg;
static char buf[64 * 1024];

static void add_dirs(int rootfd, const char *rel, int depth)
{
	int fd = openat(rootfd, *rel ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d)) && n_cg < MAX_CG) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path_of[n_cg++], sizeof path_of[0], "%s", sub);
		if (depth < 3)
			add_dirs(rootfd, sub, depth + 1);
	}
	closedir(d);
}

static ssize_t reopen(int dfd, const char *name)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0)
		exit(1);
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	close(fd);
	return n;
}

int main(int argc, char **argv)
{
	static const char *v1[] = {"memory.stat", "memory.usage_in_bytes", "memory.limit_in_bytes",
				   "memory.max_usage_in_bytes", "memory.failcnt", "memory.oom_control",
				   "memory.kmem.usage_in_bytes", "memory.kmem.tcp.usage_in_bytes"};
	if (argc < 2)
		return fprintf(stderr, "usage: fdcost ROOT [ROUNDS] [FILE...]\n"), 2;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	const char **files = argc > 3 ? (const char **)argv + 3 : v1;
	int n_files = argc > 3 ? argc - 3 : (int)(sizeof v1 / sizeof *v1);
	if (rounds < 1 || rounds > MAX_ROUNDS || n_files > MAX_FILES)
		return fprintf(stderr, "fdcost: bad ROUNDS or too many files\n"), 2;
	int rootfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return perror(argv[1]), 1;
	add_dirs(rootfd, "", 0);
	if (!n_cg)
		return fprintf(stderr, "fdcost: no cgroups below %s\n", argv[1]), 1;
	size_t bytes[MAX_FILES] = {0};
	for (int c = 0; c < n_cg; c++) {
		dirfd_of[c] = openat(rootfd, path_of[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd_of[c] < 0)
			return perror(path_of[c]), 1;
		for (int f = 0; f < n_files; f++) {
			fd_of[c][f] = openat(dirfd_of[c], files[f], O_RDONLY | O_CLOEXEC);
			if (fd_of[c][f] < 0)
				return perror(files[f]), 1;
			ssize_t n = pread(fd_of[c][f], buf, sizeof buf, 0);
			bytes[f] += n > 0 ? (size_t)n : 0;
		}
	}
	/* per round and per read, in ns: kept pread and reopen, per file; the directory's open and close */
	static double kept[MAX_FILES][MAX_ROUNDS], re[MAX_FILES][MAX_ROUNDS], ratio[MAX_FILES][MAX_ROUNDS],
		dir[MAX_ROUNDS];
	const int passes = 5;
	for (int r = 0; r < rounds; r++) {
		for (int f = 0; f < n_files; f++) {
			double t0 = now();
			for (int p = 0; p < passes; p++)
				for (int c = 0; c < n_cg; c++)
					if (pread(fd_of[c][f], buf, sizeof buf, 0) < 0)
						return 1;
			double t1 = now();
			for (int p = 0; p < passes; p++)
				for (int c = 0; c < n_cg; c++)
					reopen(dirfd_of[c], files[f]);
			double t2 = now(), per = 1e9 / passes / n_cg;
			kept[f][r] = (t1 - t0) * per;
			re[f][r] = (t2 - t1) * per;
			ratio[f][r] = (t2 - t1) / (t1 - t0);
		}
		double t0 = now();
		for (int p = 0; p < passes; p++)
			for (int c = 0; c < n_cg; c++) {
				int fd = openat(rootfd, path_of[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				if (fd < 0)
					return 1;
				close(fd);
			}
		dir[r] = (now() - t0) * 1e9 / passes / n_cg;
	}
	printf("%d cgroups, %d rounds x %d passes; ns per read (median of rounds)\n", n_cg, rounds, passes);
	printf("%-34s %7s %9s %9s %9s %8s\n", "file", "bytes", "kept", "reopen", "saved", "ratio");
	for (int f = 0; f < n_files; f++) {
		double k = median(kept[f], rounds), o = median(re[f], rounds);
		printf("%-34s %7zu %9.0f %9.0f %9.0f %7.2fx\n", files[f], bytes[f] / (size_t)n_cg, k, o, o - k,
		       median(ratio[f], rounds));
	}
	printf("%-34s %7s %9s %9.0f\n", "(the directory: open and close)", "", "", median(dir, rounds));
	return 0;
}
