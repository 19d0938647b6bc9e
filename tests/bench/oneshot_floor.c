/*
 * oneshot_floor: the least a one-shot reader of a kubepods tree can do, the
 * floor `podmem --json` is compared with (tests/bench/bench_oneshot.sh):
 * list the tree (readdir), and in every pod and container cgroup open, read
 * and close each FILE by its path, with a hand parse of the numbers (every
 * "key value" line of a key-value file, the one value of the others). It
 * prints the cgroups it read and a checksum of the values, so that nothing
 * can be optimised away.
 *
 *   oneshot_floor ROOT FILE...
 * ROOT holds kubepods (the kubelet cgroupfs layout): kubepods/pod<uid>,
 * kubepods/{burstable,besteffort}/pod<uid>, and the containers in each pod.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char **files;
static int n_files;
static unsigned long cgroups;
static uint64_t sum;

/* the numbers in BUF (N bytes): each line's last field */
static void parse(const char *buf, ssize_t n)
{
	uint64_t v = 0;
	for (ssize_t i = 0; i < n; i++) {
		char c = buf[i];
		if (c >= '0' && c <= '9')
			v = v * 10 + (uint64_t)(c - '0');
		else if (c == '\n')
			sum += v, v = 0;
		else
			v = 0;
	}
	sum += v;
}

static void read_cgroup(const char *dir)
{
	char path[4096], buf[8192];
	cgroups++;
	for (int i = 0; i < n_files; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, buf, sizeof buf);
		close(fd);
		if (n > 0)
			parse(buf, n);
	}
}

/* calls FN for each subdirectory of DIR */
static void each_dir(const char *dir, void (*fn)(const char *path, const char *name))
{
	char path[4096];
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			fn(path, e->d_name);
		}
	closedir(d);
}

static void container(const char *path, const char *name)
{
	(void)name;
	read_cgroup(path);
}

static void pod(const char *path, const char *name)
{
	if (strncmp(name, "pod", 3))
		return;
	read_cgroup(path);
	each_dir(path, container);
}

static void qos(const char *path, const char *name)
{
	if (!strcmp(name, "burstable") || !strcmp(name, "besteffort"))
		each_dir(path, pod);
	else
		pod(path, name);
}

int main(int argc, char **argv)
{
	char path[4096];
	if (argc < 3)
		return fprintf(stderr, "usage: oneshot_floor ROOT FILE...\n"), 2;
	files = argv + 2;
	n_files = argc - 2;
	snprintf(path, sizeof path, "%s/kubepods", argv[1]);
	each_dir(path, qos);
	printf("%lu cgroups, checksum %llu\n", cgroups, (unsigned long long)sum);
	return cgroups ? 0 : 1;
}
