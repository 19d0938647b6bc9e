/*
 * Discovery: walks the cgroup root for kubepods trees (both kubelet cgroup
 * drivers, any kubelet --cgroup-root prefix), their QoS classes, pods and
 * containers; or, on a host without Kubernetes, the top-level cgroups. A
 * rescan keeps the fds of the cgroups that stayed, and records the link
 * counts (2 + subdirectories) of the directories it watches for changes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pm_ctx.h"

#define WALK_DEPTH 6

struct old_pods {
	struct pod_rec *pods;
	size_t n;
};

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct pod_rec *)a)->ident.cgroup, ((const struct pod_rec *)b)->ident.cgroup);
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
	struct watch *w = pm_grow(&ctx->watch, &ctx->cap_watch, ctx->n_watch, sizeof *w);
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

/* A cgroup's fds: OLD's, taken from the previous scan (OLD is left empty),
 * or NAME's, opened. 0; 1 when NAME is gone already; or -ENOMEM, -EMFILE. */
static int cg_take(struct pm_ctx *ctx, int parentfd, const char *name, struct pm_cg *old, struct pm_cg *ret)
{
	if (old) {
		*ret = *old;
		old->dirfd = -1;
		memset(old->fd, 0xff, sizeof old->fd); /* -1: nothing to close */
		return 0;
	}
	int r = pm_cg_open(ctx, parentfd, name, ret);
	return r == -ENOMEM || r == -EMFILE ? r : r < 0;
}

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
	if (pod->ident.kind == PM_POD) {
		if (pm_classify(name, 1, &q, uid, c.ident.id, &c.ident.runtime) != PM_DIR_CONTAINER)
			return 0;
	} else {
		/* a group's children: services, docker containers, ... */
		pm_copy(c.ident.id, sizeof c.ident.id, name);
		if (!strncmp(name, "docker-", 7) || !strcmp(pod->ident.cgroup, "docker"))
			c.ident.runtime = PM_RT_DOCKER;
	}
	strcpy(c.leaf, name);
	struct ctr_rec *old = NULL;
	for (size_t i = 0; pc->old && i < pc->old->n_ctrs; i++)
		if (pc->old->ctrs[i].cg.dirfd >= 0 && !strcmp(pc->old->ctrs[i].leaf, name)) {
			old = &pc->old->ctrs[i];
			break;
		}
	int r = cg_take(ctx, podfd, name, old ? &old->cg : NULL, &c.cg);
	if (r)
		return r < 0 ? r : 0;
	c.pause = old ? old->pause : pod->ident.kind == PM_POD && runs_pause(ctx, c.cg.dirfd);
	struct ctr_rec *s = pm_grow(&pod->ctrs, &pod->cap_ctrs, pod->n_ctrs, sizeof *s);
	if (!s) {
		pm_cg_close(&c.cg);
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
	join(key.ident.cgroup, sizeof key.ident.cgroup, sa->rel, name);
	old = sa->old->n ? bsearch(&key, sa->old->pods, sa->old->n, sizeof key, cmp_rel) : NULL;
	if (old && old->cg.dirfd < 0)
		old = NULL;

	struct pod_rec *p = pm_grow(&ctx->pods, &ctx->cap_pods, ctx->n_pods, sizeof *p);
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof *p);
	strcpy(p->ident.cgroup, key.ident.cgroup);
	p->ident.kind = kind;
	p->ident.qos = sa->qos;
	pm_copy(p->ident.uid, sizeof p->ident.uid, uid);
	int r = cg_take(ctx, parentfd, name, old ? &old->cg : NULL, &p->cg);
	if (r)
		return r < 0 ? r : 0;
	struct stat st;
	p->nlink = fstat(p->cg.dirfd, &st) == 0 ? st.st_nlink : 0;
	struct pod_ctx pc = {p, old};
	r = each_subdir(ctx, p->cg.dirfd, add_container, &pc);
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
		pm_cg_close(&p->ctrs[i].cg);
	free(p->ctrs);
	pm_cg_close(&p->cg);
}

void pm_watches_clear(struct pm_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_watch; i++)
		close(ctx->watch[i].fd);
	ctx->n_watch = 0;
}

/* names and the sandbox, from the log directories and the pause process */
void pm_resolve_names(struct pm_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_pods; i++) {
		struct pod_rec *p = &ctx->pods[i];
		struct pm_pod_ident *pi = &p->ident;
		const struct pm_pod_name *pn = pi->kind == PM_POD ? pm_names_pod(&ctx->names, pi->uid) : NULL;
		pi->named = pn != NULL;
		pm_copy(pi->namespace_, sizeof pi->namespace_, pn ? pn->ns : "");
		pm_copy(pi->name, sizeof pi->name, pn ? pn->name : pi->kind == PM_POD ? pi->uid : pi->cgroup);
		size_t unnamed = 0;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct pm_ctr_ident *c = &p->ctrs[j].ident;
			const char *cn = pi->kind == PM_POD ? pm_names_container(&ctx->names, c->id) : NULL;
			c->named = cn != NULL;
			pm_copy(c->name, sizeof c->name, cn ? cn : c->id);
			unnamed += !c->named;
		}
		/* kubelet makes no log for the sandbox: in a pod whose names are
		 * known, the one container without a log is the sandbox */
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct pm_ctr_ident *c = &p->ctrs[j].ident;
			c->sandbox = p->ctrs[j].pause || (pi->named && unnamed == 1 && !c->named);
			if (c->sandbox && !c->named)
				strcpy(c->name, "POD");
		}
	}
}

int pm_scan(struct pm_ctx *ctx)
{
	struct old_pods old = {ctx->pods, ctx->n_pods};
	int r;

	ctx->pods = NULL;
	ctx->n_pods = ctx->cap_pods = 0;
	pm_watches_clear(ctx);
	if (old.n)
		qsort(old.pods, old.n, sizeof *old.pods, cmp_rel);
	ctx->kubernetes = false;
	const char *base = strrchr(ctx->root, '/');
	char uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	enum pm_dir_class cls = pm_classify(base ? base + 1 : ctx->root, 0, &q, uid, id, &rt);
	if (cls == PM_DIR_KUBEPODS || cls == PM_DIR_QOS) {
		/* the root is a kubepods or QoS class directory itself */
		struct scan_arg sa = {&old, "", q};
		ctx->kubernetes = true;
		r = add_watch(ctx, ctx->rootfd, ".");
		if (r == 0)
			r = each_subdir(ctx, ctx->rootfd, cls == PM_DIR_QOS ? scan_qos : scan_kubepods, &sa);
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
	pm_pods_free(old.pods, old.n);
	if (r < 0) {
		pm_log(&ctx->log, LOG_ERR, "cannot scan '%s': %s", ctx->root, strerror(-r));
		return r;
	}
	pm_names_refresh(&ctx->names, ctx->pod_logs, ctx->ctr_logs);
	pm_resolve_names(ctx);
	ctx->need_scan = false;
	ctx->since_scan = 0;
	return 0;
}

/* a watched directory gained or lost a subdirectory */
bool pm_tree_changed(const struct pm_ctx *ctx)
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

void pm_pods_free(struct pod_rec *pods, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pod_free(&pods[i]);
	free(pods);
}
