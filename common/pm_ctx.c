/*
 * The context: opening it, and sampling. Discovery of pods, containers and
 * groups is in pm_discover.c, one cgroup's fds and reads in pm_cg.c.
 *
 * Discovery walks the tree once and keeps an fd per memory file of every
 * cgroup the fd budget has room for, so a sample is a pread per file and
 * nothing else (the rest are opened by path at each read; see pm_cg.h). It runs again every rescan_every samples, at once when a read
 * finds a cgroup gone, and when a watched directory's link count (its
 * number of subdirectories) changes; a rescan keeps the fds of cgroups that
 * stayed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pm_ctx.h"

#define PM_DEFAULT_RESCAN 10

/* ---- sampling --------------------------------------------------------------- */

/* Physical RAM, for a node whose MemTotal is now TOTAL: the online memory
 * blocks, else /proc/iomem's System RAM; where it came from is said at
 * debug level. Found again only when MemTotal changes (memory hotplug, a
 * balloon), so a steady sample reads nothing more. */
static void find_ram(struct pm_ctx *ctx, uint64_t total)
{
	char path[PATH_MAX + 16];
	uint64_t blocks, block;
	ctx->ram_total = total;
	int r = pm_ram_blocks(ctx->sys, &ctx->ram, &blocks, &block);
	if (!r) {
		pm_log(&ctx->log, LOG_DEBUG, "physical RAM %llu bytes: %llu online memory blocks of %llu bytes in %s/devices/system/memory",
		       (unsigned long long)ctx->ram, (unsigned long long)blocks, (unsigned long long)block, ctx->sys);
		return;
	}
	snprintf(path, sizeof path, "%s/iomem", ctx->proc);
	ssize_t n = pm_read_at(AT_FDCWD, path, ctx->buf, PM_BUF_CAP);
	int ri = n < 0 ? (int)n : pm_ram_iomem(ctx->buf, (size_t)n, &ctx->ram);
	if (!ri) {
		pm_log(&ctx->log, LOG_DEBUG, "physical RAM %llu bytes: the System RAM ranges of %s", (unsigned long long)ctx->ram, path);
		return;
	}
	ctx->ram = 0;
	pm_log(&ctx->log, LOG_DEBUG, "physical RAM unknown (%s/devices/system/memory: %s; %s: %s): no reserved memory", ctx->sys,
	       strerror(-r), path, strerror(-ri));
}

static void read_node(struct pm_ctx *ctx, struct pm_snapshot *snap)
{
	struct pm_values *v = &snap->node;
	memset(v, 0, sizeof *v);
	snap->node_ok = false;
	if (ctx->meminfo_fd < 0)
		return;
	ssize_t n = pm_pread_all(ctx->meminfo_fd, ctx->buf, PM_BUF_CAP);
	if (n <= 0)
		return;
	pm_parse_kv(ctx->buf, (size_t)n, &ctx->meminfo_keys, v);
	for (unsigned i = 0; i < ctx->node.n_files; i++)
		if (ctx->node_fd[i] >= 0)
			pm_pread_kv(ctx->node_fd[i], ctx->buf, PM_BUF_CAP, &ctx->node.files[i].keys, v);
	if (pm_has(v, PM_M_TOTAL) && v->v[PM_M_TOTAL] != ctx->ram_total)
		find_ram(ctx, v->v[PM_M_TOTAL]);
	if (pm_has(v, PM_M_TOTAL) && ctx->ram)
		pm_set(v, PM_M_PHYSICAL, ctx->ram);
	pm_derive_node(v);
	snap->node_ok = true;
}

/* Reads one cgroup (LEAF of the pod at POD_PATH, or the pod itself when
 * LEAF is NULL) into OUT. 0, or -errno: a cgroup gone asks for a rescan; one
 * that keeps no fds and finds none to read with is left out of this sample,
 * and that is said once. */
/* records in SNAP what could not be read (the first PM_UNREADABLE_MAX of them) */
static void unreadable_add(struct pm_snapshot *snap, const char *path, int err)
{
	if (snap->n_unreadable < PM_UNREADABLE_MAX) {
		struct pm_unreadable *u = &snap->unreadable[snap->n_unreadable];
		pm_copy(u->path, sizeof u->path, path);
		u->err = err;
	}
	snap->n_unreadable++;
}

static int read_cg(struct pm_ctx *ctx, struct pm_snapshot *snap, const struct pm_cg *cg, const char *pod_path,
		   const char *leaf, struct pm_values *out)
{
	char path[PATH_MAX];
	if (!cg->all && leaf) {
		snprintf(path, sizeof path, "%s/%s", pod_path, leaf);
		pod_path = path;
	}
	int r = pm_cg_read(&ctx->layout, cg, ctx->rootfd, pod_path, ctx->buf, PM_BUF_CAP, out);
	if (r == -ENOENT)
		pm_discovery_gone(&ctx->disc);
	else if (r > 0 && !ctx->warned_odd) {
		pm_log(&ctx->log, LOG_WARNING, "skipping a file in '%s/%s' that is not a regular file (a FIFO, a device)",
		       ctx->root, pod_path);
		ctx->warned_odd = true;
	} else if (r < 0) {
		unreadable_add(snap, pod_path, -r);
		if (!ctx->warned_read)
			pm_log(&ctx->log, LOG_WARNING, "cannot open '%s/%s' to read it: %s; left out of this sample",
			       ctx->root, pod_path, strerror(-r));
		ctx->warned_read = true;
	}
	return r < 0 ? r : 0;
}

int pm_sample(struct pm_ctx *ctx, struct pm_snapshot *snap)
{
	const struct pm_discovery *d = &ctx->disc;
	struct timespec ts;

	/* a rediscovery out of memory keeps the pods known before: they are sampled */
	int r = pm_discovery_update(&ctx->disc);
	clock_gettime(CLOCK_REALTIME, &ts);
	snap->time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	snap->cgroup_version = ctx->layout.version;
	snap->kubernetes = d->kubernetes;
	snap->n_pods = 0; /* before anything can fail: never a previous sample's pods */
	snap->n_unreadable = 0;
	for (size_t i = 0; i < d->n_unlisted; i++)
		unreadable_add(snap, i < PM_UNREADABLE_MAX ? d->unlisted[i].path : "", i < PM_UNREADABLE_MAX ? d->unlisted[i].err : 0);
	if (d->names_err.err)
		unreadable_add(snap, d->names_err.path, d->names_err.err);
	read_node(ctx, snap);
	if (d->n_pods && !pm_grow(&snap->pods, &snap->cap_pods, d->n_pods - 1, sizeof *snap->pods))
		return -ENOMEM;
	for (size_t i = 0, k = 0; i < d->n_pods; i++) {
		const struct pm_pod_rec *p = &d->pods[i];
		struct pm_pod *out = &snap->pods[k];
		if (read_cg(ctx, snap, &p->cg, p->path, NULL, &out->val) < 0)
			continue; /* gone (dropped from this sample), or no fd to read it */
		out->ident = p->ident;
		out->n_containers = 0;
		if (p->n_ctrs && !pm_grow(&out->containers, &out->cap_containers, p->n_ctrs - 1, sizeof *out->containers))
			return -ENOMEM;
		size_t c = 0;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			const struct pm_ctr_rec *cr = &p->ctrs[j];
			struct pm_container *oc = &out->containers[c];
			if (read_cg(ctx, snap, &cr->cg, p->path, cr->leaf, &oc->val) < 0)
				continue;
			oc->ident = cr->ident;
			c++;
		}
		out->n_containers = c;
		snap->n_pods = ++k;
	}
	return r;
}

void pm_snapshot_free(struct pm_snapshot *snap)
{
	if (!snap)
		return;
	for (size_t i = 0; i < snap->cap_pods; i++)
		free(snap->pods[i].containers);
	free(snap->pods);
	memset(snap, 0, sizeof *snap);
}

/* ---- open and close ----------------------------------------------------------- */

static int copy_opt(struct pm_ctx *ctx, char *dst, const char *val, const char *dflt, const char *what)
{
	if (snprintf(dst, PATH_MAX, "%s", val ? val : dflt) >= PATH_MAX) {
		pm_log(&ctx->log, LOG_ERR, "%s is too long", what);
		return -ENAMETOOLONG;
	}
	return 0;
}

/* reads the proc root's self/mountinfo into the buffer: its length, or -errno */
static ssize_t read_mountinfo(struct pm_ctx *ctx, char *path, size_t cap)
{
	snprintf(path, cap, "%s/self/mountinfo", ctx->proc);
	return pm_read_at(AT_FDCWD, path, ctx->buf, PM_BUF_CAP);
}

static int find_root(struct pm_ctx *ctx)
{
	char path[PATH_MAX + 32];
	ssize_t n = read_mountinfo(ctx, path, sizeof path);
	if (n < 0) {
		pm_log(&ctx->log, LOG_ERR, "cannot open '%s': %s", path, strerror((int)-n));
		return (int)n;
	}
	if (pm_find_memory_mount(ctx->buf, (size_t)n, ctx->root, sizeof ctx->root) < 0) {
		pm_log(&ctx->log, LOG_ERR, "no memory cgroup controller is mounted (%s); give the cgroup root", path);
		return -ENOENT;
	}
	return 0;
}

/* v1: the hugetlb hierarchy's directory at the cgroup root's path, found
 * in mountinfo beside the memory hierarchy the root is in; -1 when there is
 * none (said at debug level: the pods' hugetlb is then absent) */
static int find_hugetlb(struct pm_ctx *ctx)
{
	char path[PATH_MAX + 32], mem[PATH_MAX], huge[PATH_MAX], real[PATH_MAX];
	ssize_t n = read_mountinfo(ctx, path, sizeof path);
	if (n < 0 || pm_find_v1_mount(ctx->buf, (size_t)n, "hugetlb", huge, sizeof huge) < 0 ||
	    pm_find_memory_mount(ctx->buf, (size_t)n, mem, sizeof mem) < 0) {
		pm_log(&ctx->log, LOG_DEBUG, "no hugetlb cgroup hierarchy beside the memory one in '%s': no hugetlb per pod", path);
		return -1;
	}
	size_t ml = strlen(mem);
	if (!realpath(ctx->root, real) || strncmp(real, mem, ml) || (real[ml] && real[ml] != '/')) {
		pm_log(&ctx->log, LOG_DEBUG, "the cgroup root '%s' is not in the memory hierarchy at '%s': no hugetlb per pod",
		       ctx->root, mem);
		return -1;
	}
	if (snprintf(path, sizeof path, "%s%s", huge, real + ml) >= (int)sizeof path)
		return -1;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	pm_log(&ctx->log, LOG_DEBUG, "hugetlb hierarchy at '%s'%s", path, fd < 0 ? ": cannot open it" : "");
	return fd;
}

/* the node's files below the proc root but meminfo (pressure/memory): a
 * file this kernel does not have leaves its metrics absent */
static int open_node_files(struct pm_ctx *ctx)
{
	char path[PATH_MAX + 48];
	int r = pm_node_layout(&ctx->node);
	for (unsigned i = 0; i < ctx->node.n_files && !r; i++) {
		snprintf(path, sizeof path, "%s/%s", ctx->proc, ctx->node.files[i].name);
		ctx->node_fd[i] = pm_open_regular(AT_FDCWD, path);
		if (ctx->node_fd[i] < 0)
			pm_log(&ctx->log, LOG_DEBUG, "cannot open '%s': %s", path, strerror(-ctx->node_fd[i]));
	}
	return r;
}

int pm_ctx_open(struct pm_ctx **ret_ctx, const struct pm_opts *o)
{
	struct pm_ctx *ctx = calloc(1, sizeof *ctx);
	unsigned rescan_every = o->rescan_every ? o->rescan_every : PM_DEFAULT_RESCAN;
	int r;

	if (!ctx)
		return -ENOMEM;
	ctx->rootfd = ctx->meminfo_fd = ctx->hugetlb_fd = -1;
	for (int i = 0; i < PM_MAX_FILES; i++)
		ctx->node_fd[i] = -1;
	ctx->log = (struct pm_logger){o->log, o->log_ud};
	ctx->buf = malloc(PM_BUF_CAP);
	r = ctx->buf ? 0 : -ENOMEM;
	if (!r)
		r = copy_opt(ctx, ctx->proc, o->proc_root, "/proc", "the proc root");
	if (!r)
		r = copy_opt(ctx, ctx->pod_logs, o->pod_log_dir, "/var/log/pods", "the pod log directory");
	if (!r)
		r = copy_opt(ctx, ctx->ctr_logs, o->container_log_dir, "/var/log/containers", "the container log directory");
	if (!r)
		r = copy_opt(ctx, ctx->sys, o->sys_root, "/sys", "the sysfs root");
	if (!r && o->sys_root) { /* a root the user gave must be right */
		struct stat st;
		if (stat(ctx->sys, &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = stat(ctx->sys, &st) < 0 ? -errno : -ENOTDIR;
			pm_log(&ctx->log, LOG_ERR, "cannot use the sysfs root '%s': %s", ctx->sys, strerror(-r));
		}
	}
	if (!r)
		r = o->cgroup_root ? copy_opt(ctx, ctx->root, o->cgroup_root, "", "the cgroup root") : find_root(ctx);
	if (r)
		goto fail;
	for (size_t n = strlen(ctx->root); n > 1 && ctx->root[n - 1] == '/'; n--)
		ctx->root[n - 1] = 0;
	ctx->rootfd = open(ctx->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0) {
		r = -errno;
		pm_log(&ctx->log, LOG_ERR, "cannot open cgroup root '%s': %s", ctx->root, strerror(-r));
		goto fail;
	}
	int version = pm_detect_version(ctx->rootfd, 3);
	if (!version) {
		r = -EINVAL;
		pm_log(&ctx->log, LOG_ERR, "no memory cgroup files in or under '%s'", ctx->root);
		goto fail;
	}
	struct pm_huge_sizes hs;
	pm_huge_sizes(ctx->sys, &hs);
	if (version == 1 && hs.n)
		ctx->hugetlb_fd = find_hugetlb(ctx);
	if ((r = pm_layout_build(&ctx->layout, version)) < 0 || (r = pm_layout_hugetlb(&ctx->layout, &hs, ctx->hugetlb_fd)) < 0 ||
	    (r = pm_meminfo_keys(&ctx->meminfo_keys)) < 0 || (r = open_node_files(ctx)) < 0) {
		pm_log(&ctx->log, LOG_ERR, "the metric catalogue has a bad source");
		goto fail;
	}
	/* on a cgroup file system a file opened without crossing a mount needs no fstat to be known regular */
	ctx->layout.kernfs = pm_is_cgroupfs(ctx->rootfd) && (ctx->hugetlb_fd < 0 || pm_is_cgroupfs(ctx->hugetlb_fd));
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/meminfo", ctx->proc);
	ctx->meminfo_fd = pm_open_regular(AT_FDCWD, path);
	if (ctx->meminfo_fd < 0 && o->proc_root) { /* a root the user gave must be right */
		r = ctx->meminfo_fd;
		pm_log(&ctx->log, LOG_ERR, "cannot open '%s': %s", path, strerror(-r));
		goto fail;
	}
	if (ctx->meminfo_fd < 0)
		pm_log(&ctx->log, LOG_WARNING, "cannot open '%s': %s; no node breakdown", path, strerror(-ctx->meminfo_fd));
	struct pm_discovery_env env = {.log = &ctx->log,
				       .root = ctx->root,
				       .rootfd = ctx->rootfd,
				       .proc = ctx->proc,
				       .pod_logs = ctx->pod_logs,
				       .ctr_logs = ctx->ctr_logs,
				       .layout = &ctx->layout,
				       .rescan_every = rescan_every,
				       .max_open_files = o->max_open_files_set ? (long)o->max_open_files : -1};
	pm_discovery_init(&ctx->disc, &env);
	if ((r = pm_discovery_scan(&ctx->disc)) < 0)
		goto fail;
	*ret_ctx = ctx;
	return 0;
fail:
	pm_ctx_close(ctx);
	return r;
}

void pm_ctx_close(struct pm_ctx *ctx)
{
	if (!ctx)
		return;
	pm_discovery_free(&ctx->disc);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	if (ctx->meminfo_fd >= 0)
		close(ctx->meminfo_fd);
	if (ctx->hugetlb_fd >= 0)
		close(ctx->hugetlb_fd);
	for (int i = 0; i < PM_MAX_FILES; i++)
		if (ctx->node_fd[i] >= 0)
			close(ctx->node_fd[i]);
	free(ctx->buf);
	free(ctx);
}

const char *pm_ctx_root(const struct pm_ctx *ctx)
{
	return ctx->root;
}

int pm_ctx_version(const struct pm_ctx *ctx)
{
	return ctx->layout.version;
}

void pm_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
