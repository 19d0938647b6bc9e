/*
 * The context: discovery of pods, containers and groups, and sampling.
 *
 * Discovery walks the tree once and keeps, for every cgroup, a directory fd
 * and one fd per memory file, so a sample is a pread per file and nothing
 * else. It runs again every rescan_every samples, at once when a read finds
 * a cgroup gone, and when a watched directory's link count (its number of
 * subdirectories) changes; a rescan keeps the fds of cgroups that stayed.
 */
#define _GNU_SOURCE
#include <dirent.h>
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

#include "pm_names.h"

#define FD_MISSING (-2) /* the file does not exist in this cgroup */
#define FD_REOPEN (-1)  /* exists, not kept open (out of fds): openat per read */
#define BUF_CAP (64 * 1024)
#define WALK_DEPTH 6
#define DEFAULT_RESCAN 10

struct pm_cg {
	int dirfd;
	int fd[PM_MAX_FILES];
};

struct ctr_rec {
	struct pm_cg cg;
	char leaf[PM_NAME_MAX]; /* directory name */
	char id[PM_ID_MAX];
	enum pm_runtime rt;
	bool pause; /* its only process is "pause" */
	bool sandbox, named;
	char name[PM_NAME_MAX];
};

struct pod_rec {
	struct pm_cg cg;
	enum pm_pod_kind kind;
	char rel[512]; /* path below the root */
	char uid[PM_UID_MAX];
	enum pm_qos qos;
	nlink_t nlink; /* 2 + subdirectories when discovered */
	bool named;
	char ns[PM_NS_MAX];
	char name[PM_NAME_MAX];
	struct ctr_rec *ctrs;
	size_t n_ctrs, cap_ctrs;
};

struct watch {
	int fd;
	nlink_t nlink;
};

struct pm_ctx {
	struct pm_logger log;
	char root[PATH_MAX], proc[PATH_MAX], pod_logs[PATH_MAX], ctr_logs[PATH_MAX];
	int rootfd, meminfo_fd;
	struct pm_layout layout;
	struct pm_keytab meminfo_keys;
	unsigned rescan_every, since_scan;
	bool need_scan, kubernetes, warned_fds;
	struct pod_rec *pods;
	size_t n_pods, cap_pods;
	struct watch *watch;
	size_t n_watch, cap_watch;
	struct pm_name_index names;
	char *buf;
};

/* grows *ARR (*CAP elements of SIZE) to hold element N, zeroing new space; NULL on ENOMEM */
static void *slot(void *arr_p, size_t *cap, size_t n, size_t size)
{
	void **arr = arr_p;
	if (n >= *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		while (nc <= n)
			nc *= 2;
		char *p = realloc(*arr, nc * size);
		if (!p)
			return NULL;
		memset(p + *cap * size, 0, (nc - *cap) * size);
		*arr = p;
		*cap = nc;
	}
	return (char *)*arr + n * size;
}

/* ---- one cgroup's fds ---------------------------------------------------- */

static void cg_close(struct pm_cg *cg)
{
	for (int i = 0; i < PM_MAX_FILES; i++)
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	cg->dirfd = -1;
}

static int cg_open(struct pm_ctx *ctx, int parentfd, const char *name, struct pm_cg *cg)
{
	cg->dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0)
		return -errno;
	for (unsigned i = 0; i < PM_MAX_FILES; i++) {
		if (i >= ctx->layout.n_files) {
			cg->fd[i] = FD_MISSING;
			continue;
		}
		cg->fd[i] = openat(cg->dirfd, ctx->layout.files[i].name, O_RDONLY | O_CLOEXEC);
		if (cg->fd[i] >= 0)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			if (!ctx->warned_fds)
				pm_log(&ctx->log, LOG_WARNING,
				       "out of file descriptors (%s): some cgroup files are opened at each sample", strerror(errno));
			ctx->warned_fds = true;
			cg->fd[i] = FD_REOPEN;
		} else {
			cg->fd[i] = FD_MISSING;
		}
	}
	return 0;
}

/* Reads every file of CG into OUT. -ENOENT when the cgroup is gone. */
static int cg_read(struct pm_ctx *ctx, const struct pm_cg *cg, struct pm_values *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < ctx->layout.n_files; i++) {
		const struct pm_file_desc *f = &ctx->layout.files[i];
		int fd = cg->fd[i];
		if (fd == FD_MISSING)
			continue;
		int rfd = fd >= 0 ? fd : openat(cg->dirfd, f->name, O_RDONLY | O_CLOEXEC);
		ssize_t n = rfd < 0 ? -errno
			    : f->kind == PM_FK_KV ? pm_pread_kv(rfd, ctx->buf, BUF_CAP, &f->keys, out)
						  : pm_pread_all(rfd, ctx->buf, BUF_CAP);
		if (fd < 0 && rfd >= 0)
			close(rfd);
		if (n == -ENODEV || n == -ENOENT)
			return -ENOENT;
		if (n < 0 || f->kind == PM_FK_KV)
			continue;
		uint64_t v;
		if (pm_parse_single(ctx->buf, (size_t)n, &v) == 1)
			pm_set(out, (enum pm_metric)f->metric, v);
	}
	pm_derive_cgroup(out, ctx->layout.version);
	return 0;
}

/* ---- discovery ------------------------------------------------------------ */

struct old_pods {
	struct pod_rec *pods;
	size_t n;
};

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct pod_rec *)a)->rel, ((const struct pod_rec *)b)->rel);
}

/* calls FN(ctx, dirfd, name, arg) for each subdirectory of DIRFD */
static int each_subdir(struct pm_ctx *ctx, int dirfd, int (*fn)(struct pm_ctx *, int, const char *, void *), void *arg)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
				continue;
		} else if (e->d_type != DT_DIR) {
			continue;
		}
		r = fn(ctx, dirfd, e->d_name, arg);
	}
	closedir(d);
	return r;
}

static int add_watch(struct pm_ctx *ctx, int parentfd, const char *name)
{
	struct watch *w = slot(&ctx->watch, &ctx->cap_watch, ctx->n_watch, sizeof *w);
	struct stat st;
	if (!w)
		return -ENOMEM;
	w->fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->fd < 0)
		return errno == ENOMEM ? -ENOMEM : 0;
	if (fstat(w->fd, &st) < 0) {
		close(w->fd);
		return 0;
	}
	w->nlink = st.st_nlink;
	ctx->n_watch++;
	return 0;
}

struct pod_ctx {
	struct pod_rec *pod;
	struct pod_rec *old; /* the same pod from the previous scan, or NULL */
};

/* the comm of the only process in the cgroup, when it is "pause" */
static bool runs_pause(struct pm_ctx *ctx, int dirfd)
{
	char procs[64], path[PATH_MAX + 96], comm[32];
	ssize_t n = pm_read_at(dirfd, "cgroup.procs", procs, sizeof procs - 1);
	if (n <= 0)
		return false;
	procs[n] = 0;
	char *nl = strchr(procs, '\n');
	if (!nl || nl[1]) /* none, or more than one */
		return false;
	*nl = 0;
	snprintf(path, sizeof path, "%s/%s/comm", ctx->proc, procs);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pm_pread_all(fd, comm, sizeof comm);
	close(fd);
	return n == 6 && !memcmp(comm, "pause\n", 6);
}

static int add_container(struct pm_ctx *ctx, int podfd, const char *name, void *arg)
{
	struct pod_ctx *pc = arg;
	struct pod_rec *pod = pc->pod;
	struct ctr_rec c = {0};
	enum pm_qos q;
	char uid[PM_UID_MAX];

	if (strlen(name) >= sizeof c.leaf)
		return 0;
	if (pod->kind == PM_POD) {
		if (pm_classify(name, 1, &q, uid, c.id, &c.rt) != PM_DIR_CONTAINER)
			return 0;
	} else {
		/* a group's children: services, docker containers, ... */
		pm_copy(c.id, sizeof c.id, name);
		if (!strncmp(name, "docker-", 7) || !strcmp(pod->rel, "docker"))
			c.rt = PM_RT_DOCKER;
	}
	strcpy(c.leaf, name);
	struct ctr_rec *old = NULL;
	for (size_t i = 0; pc->old && i < pc->old->n_ctrs; i++)
		if (pc->old->ctrs[i].cg.dirfd >= 0 && !strcmp(pc->old->ctrs[i].leaf, name)) {
			old = &pc->old->ctrs[i];
			break;
		}
	if (old) {
		c.cg = old->cg;
		c.pause = old->pause;
		old->cg.dirfd = -1;
		memset(old->cg.fd, 0xff, sizeof old->cg.fd);
	} else {
		int r = cg_open(ctx, podfd, name, &c.cg);
		if (r < 0)
			return r == -ENOMEM || r == -EMFILE ? r : 0;
		c.pause = pod->kind == PM_POD && runs_pause(ctx, c.cg.dirfd);
	}
	struct ctr_rec *s = slot(&pod->ctrs, &pod->cap_ctrs, pod->n_ctrs, sizeof *s);
	if (!s) {
		cg_close(&c.cg);
		return -ENOMEM;
	}
	*s = c;
	pod->n_ctrs++;
	return 0;
}

struct scan_arg {
	struct old_pods *old;
	const char *rel; /* of the directory being listed */
	enum pm_qos qos;
};

static void join(char *dst, size_t cap, const char *rel, const char *name)
{
	snprintf(dst, cap, "%s%s%s", rel, *rel ? "/" : "", name);
}

static int add_pod(struct pm_ctx *ctx, int parentfd, const char *name, const struct scan_arg *sa, enum pm_pod_kind kind,
		   const char *uid)
{
	struct pod_rec key, *old;
	join(key.rel, sizeof key.rel, sa->rel, name);
	old = sa->old->n ? bsearch(&key, sa->old->pods, sa->old->n, sizeof key, cmp_rel) : NULL;
	if (old && old->cg.dirfd < 0)
		old = NULL;

	struct pod_rec *p = slot(&ctx->pods, &ctx->cap_pods, ctx->n_pods, sizeof *p);
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof *p);
	strcpy(p->rel, key.rel);
	p->kind = kind;
	p->qos = sa->qos;
	pm_copy(p->uid, sizeof p->uid, uid);
	if (old) {
		p->cg = old->cg;
		old->cg.dirfd = -1;
		memset(old->cg.fd, 0xff, sizeof old->cg.fd);
	} else {
		int r = cg_open(ctx, parentfd, name, &p->cg);
		if (r < 0)
			return r == -ENOMEM || r == -EMFILE ? r : 0; /* gone already */
	}
	struct stat st;
	p->nlink = fstat(p->cg.dirfd, &st) == 0 ? st.st_nlink : 0;
	struct pod_ctx pc = {p, old};
	int r = each_subdir(ctx, p->cg.dirfd, add_container, &pc);
	ctx->n_pods++;
	return r == -ENOMEM ? r : 0;
}

static int scan_qos(struct pm_ctx *ctx, int qfd, const char *name, void *arg)
{
	const struct scan_arg *sa = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	if (pm_classify(name, 0, &q, uid, id, &rt) != PM_DIR_POD)
		return 0;
	return add_pod(ctx, qfd, name, sa, PM_POD, uid);
}

static int scan_kubepods(struct pm_ctx *ctx, int kfd, const char *name, void *arg)
{
	const struct scan_arg *sa = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX], rel[512];
	enum pm_qos q = PM_QOS_NONE;
	enum pm_runtime rt;
	switch (pm_classify(name, 0, &q, uid, id, &rt)) {
	case PM_DIR_POD: {
		struct scan_arg g = {sa->old, sa->rel, PM_QOS_GUARANTEED};
		return add_pod(ctx, kfd, name, &g, PM_POD, uid);
	}
	case PM_DIR_QOS: {
		int qfd = openat(kfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (qfd < 0)
			return 0;
		join(rel, sizeof rel, sa->rel, name);
		struct scan_arg qa = {sa->old, rel, q};
		int r = add_watch(ctx, kfd, name);
		if (r == 0)
			r = each_subdir(ctx, qfd, scan_qos, &qa);
		close(qfd);
		return r;
	}
	default:
		return 0;
	}
}

struct walk_arg {
	struct old_pods *old;
	const char *rel;
	int depth;
};

static int walk(struct pm_ctx *ctx, int dirfd, const char *name, void *arg)
{
	const struct walk_arg *wa = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX], rel[512];
	enum pm_qos q;
	enum pm_runtime rt;
	enum pm_dir_class cls = pm_classify(name, 0, &q, uid, id, &rt);

	if (cls != PM_DIR_KUBEPODS && wa->depth + 1 >= WALK_DEPTH)
		return 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	join(rel, sizeof rel, wa->rel, name);
	int r;
	if (cls == PM_DIR_KUBEPODS) {
		ctx->kubernetes = true;
		struct scan_arg sa = {wa->old, rel, PM_QOS_NONE};
		r = add_watch(ctx, dirfd, name);
		if (r == 0)
			r = each_subdir(ctx, fd, scan_kubepods, &sa);
	} else {
		struct walk_arg sub = {wa->old, rel, wa->depth + 1};
		r = each_subdir(ctx, fd, walk, &sub);
	}
	close(fd);
	return r;
}

static int add_group(struct pm_ctx *ctx, int rootfd, const char *name, void *arg)
{
	struct scan_arg *sa = arg;
	return add_pod(ctx, rootfd, name, sa, PM_GROUP, "");
}

static void pod_free(struct pod_rec *p)
{
	for (size_t i = 0; i < p->n_ctrs; i++)
		cg_close(&p->ctrs[i].cg);
	free(p->ctrs);
	cg_close(&p->cg);
}

static void watches_clear(struct pm_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_watch; i++)
		close(ctx->watch[i].fd);
	ctx->n_watch = 0;
}

/* names and the sandbox, from the log directories and the pause process */
static void resolve_names(struct pm_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_pods; i++) {
		struct pod_rec *p = &ctx->pods[i];
		const struct pm_pod_name *pn = p->kind == PM_POD ? pm_names_pod(&ctx->names, p->uid) : NULL;
		p->named = pn != NULL;
		pm_copy(p->ns, sizeof p->ns, pn ? pn->ns : "");
		pm_copy(p->name, sizeof p->name, pn ? pn->name : p->kind == PM_POD ? p->uid : p->rel);
		size_t unnamed = 0;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct ctr_rec *c = &p->ctrs[j];
			const char *cn = p->kind == PM_POD ? pm_names_container(&ctx->names, c->id) : NULL;
			c->named = cn != NULL;
			pm_copy(c->name, sizeof c->name, cn ? cn : c->id);
			unnamed += !c->named;
		}
		/* kubelet makes no log for the sandbox: in a pod whose names are
		 * known, the one container without a log is the sandbox */
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct ctr_rec *c = &p->ctrs[j];
			c->sandbox = c->pause || (p->named && unnamed == 1 && !c->named);
			if (c->sandbox && !c->named)
				strcpy(c->name, "POD");
		}
	}
}

static int scan(struct pm_ctx *ctx)
{
	struct old_pods old = {ctx->pods, ctx->n_pods};
	int r;

	ctx->pods = NULL;
	ctx->n_pods = ctx->cap_pods = 0;
	watches_clear(ctx);
	if (old.n)
		qsort(old.pods, old.n, sizeof *old.pods, cmp_rel);
	ctx->kubernetes = false;
	const char *base = strrchr(ctx->root, '/');
	char uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	if (pm_classify(base ? base + 1 : ctx->root, 0, &q, uid, id, &rt) == PM_DIR_KUBEPODS) {
		/* the root is a kubepods directory itself */
		struct scan_arg sa = {&old, "", PM_QOS_NONE};
		ctx->kubernetes = true;
		r = add_watch(ctx, ctx->rootfd, ".");
		if (r == 0)
			r = each_subdir(ctx, ctx->rootfd, scan_kubepods, &sa);
	} else {
		struct walk_arg wa = {&old, "", 0};
		r = each_subdir(ctx, ctx->rootfd, walk, &wa);
	}
	if (r == 0 && !ctx->kubernetes) {
		/* no kubepods anywhere: the top-level cgroups are the groups */
		struct scan_arg sa = {&old, "", PM_QOS_NONE};
		r = add_watch(ctx, ctx->rootfd, ".");
		if (r == 0)
			r = each_subdir(ctx, ctx->rootfd, add_group, &sa);
	}
	for (size_t i = 0; i < old.n; i++)
		pod_free(&old.pods[i]);
	free(old.pods);
	if (r < 0) {
		pm_log(&ctx->log, LOG_ERR, "cannot scan '%s': %s", ctx->root, strerror(-r));
		return r;
	}
	pm_names_refresh(&ctx->names, ctx->pod_logs, ctx->ctr_logs);
	resolve_names(ctx);
	ctx->need_scan = false;
	ctx->since_scan = 0;
	return 0;
}

/* a watched directory gained or lost a subdirectory */
static bool tree_changed(const struct pm_ctx *ctx)
{
	struct stat st;
	for (size_t i = 0; i < ctx->n_watch; i++)
		if (fstat(ctx->watch[i].fd, &st) < 0 || st.st_nlink != ctx->watch[i].nlink)
			return true;
	for (size_t i = 0; i < ctx->n_pods; i++)
		if (fstat(ctx->pods[i].cg.dirfd, &st) < 0 || st.st_nlink != ctx->pods[i].nlink)
			return true;
	return false;
}

/* ---- sampling --------------------------------------------------------------- */

static void read_node(struct pm_ctx *ctx, struct pm_snapshot *snap)
{
	memset(&snap->node, 0, sizeof snap->node);
	snap->node_ok = false;
	if (ctx->meminfo_fd < 0)
		return;
	ssize_t n = pm_pread_all(ctx->meminfo_fd, ctx->buf, BUF_CAP);
	if (n <= 0)
		return;
	pm_parse_kv(ctx->buf, (size_t)n, &ctx->meminfo_keys, &snap->node);
	pm_derive_node(&snap->node);
	snap->node_ok = true;
}

int pm_sample(struct pm_ctx *ctx, struct pm_snapshot *snap)
{
	struct timespec ts;

	if (ctx->need_scan || ctx->since_scan >= ctx->rescan_every || tree_changed(ctx)) {
		int r = scan(ctx);
		if (r == -ENOMEM)
			return r;
	} else if (pm_names_refresh(&ctx->names, ctx->pod_logs, ctx->ctr_logs) > 0) {
		resolve_names(ctx);
	}
	ctx->since_scan++;
	clock_gettime(CLOCK_REALTIME, &ts);
	snap->time_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	snap->cgroup_version = ctx->layout.version;
	snap->kubernetes = ctx->kubernetes;
	read_node(ctx, snap);
	if (ctx->n_pods && !slot(&snap->pods, &snap->cap_pods, ctx->n_pods - 1, sizeof *snap->pods))
		return -ENOMEM;

	snap->n_pods = 0;
	for (size_t i = 0, k = 0; i < ctx->n_pods; i++) {
		const struct pod_rec *p = &ctx->pods[i];
		struct pm_pod *out = &snap->pods[k];
		if (cg_read(ctx, &p->cg, &out->val) < 0) {
			ctx->need_scan = true; /* gone: dropped from this sample */
			continue;
		}
		out->kind = p->kind;
		out->qos = p->qos;
		out->named = p->named;
		memcpy(out->namespace_, p->ns, sizeof out->namespace_);
		memcpy(out->name, p->name, sizeof out->name);
		memcpy(out->uid, p->uid, sizeof out->uid);
		memcpy(out->cgroup, p->rel, sizeof out->cgroup);
		out->n_containers = 0;
		if (p->n_ctrs && !slot(&out->containers, &out->cap_containers, p->n_ctrs - 1, sizeof *out->containers))
			return -ENOMEM;
		size_t c = 0;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			const struct ctr_rec *cr = &p->ctrs[j];
			struct pm_container *oc = &out->containers[c];
			if (cg_read(ctx, &cr->cg, &oc->val) < 0) {
				ctx->need_scan = true;
				continue;
			}
			memcpy(oc->name, cr->name, sizeof oc->name);
			memcpy(oc->id, cr->id, sizeof oc->id);
			oc->runtime = cr->rt;
			oc->sandbox = cr->sandbox;
			oc->named = cr->named;
			c++;
		}
		out->n_containers = c;
		snap->n_pods = ++k;
	}
	return 0;
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

static int find_root(struct pm_ctx *ctx)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/self/mountinfo", ctx->proc);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		pm_log(&ctx->log, LOG_ERR, "cannot open '%s': %s", path, strerror(e));
		return -e;
	}
	ssize_t n = pm_pread_all(fd, ctx->buf, BUF_CAP);
	close(fd);
	if (n < 0 || pm_find_memory_mount(ctx->buf, (size_t)n, ctx->root, sizeof ctx->root) < 0) {
		pm_log(&ctx->log, LOG_ERR, "no memory cgroup controller is mounted (%s); give the cgroup root", path);
		return -ENOENT;
	}
	return 0;
}

int pm_ctx_open(struct pm_ctx **ret_ctx, const struct pm_opts *o)
{
	struct pm_ctx *ctx = calloc(1, sizeof *ctx);
	int r;

	if (!ctx)
		return -ENOMEM;
	ctx->rootfd = ctx->meminfo_fd = -1;
	ctx->log = (struct pm_logger){o->log, o->log_ud};
	ctx->rescan_every = o->rescan_every ? o->rescan_every : DEFAULT_RESCAN;
	ctx->buf = malloc(BUF_CAP);
	r = ctx->buf ? 0 : -ENOMEM;
	if (!r)
		r = copy_opt(ctx, ctx->proc, o->proc_root, "/proc", "the proc root");
	if (!r)
		r = copy_opt(ctx, ctx->pod_logs, o->pod_log_dir, "/var/log/pods", "the pod log directory");
	if (!r)
		r = copy_opt(ctx, ctx->ctr_logs, o->container_log_dir, "/var/log/containers", "the container log directory");
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
	if ((r = pm_layout_build(&ctx->layout, version)) < 0 || (r = pm_meminfo_keys(&ctx->meminfo_keys)) < 0) {
		pm_log(&ctx->log, LOG_ERR, "the metric catalogue has a bad source");
		goto fail;
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/meminfo", ctx->proc);
	ctx->meminfo_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ctx->meminfo_fd < 0 && o->proc_root) { /* a root the user gave must be right */
		r = -errno;
		pm_log(&ctx->log, LOG_ERR, "cannot open '%s': %s", path, strerror(-r));
		goto fail;
	}
	if (ctx->meminfo_fd < 0)
		pm_log(&ctx->log, LOG_WARNING, "cannot open '%s': %s; no node breakdown", path, strerror(errno));
	if ((r = scan(ctx)) < 0)
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
	for (size_t i = 0; i < ctx->n_pods; i++)
		pod_free(&ctx->pods[i]);
	free(ctx->pods);
	watches_clear(ctx);
	free(ctx->watch);
	pm_names_free(&ctx->names);
	if (ctx->rootfd >= 0)
		close(ctx->rootfd);
	if (ctx->meminfo_fd >= 0)
		close(ctx->meminfo_fd);
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
