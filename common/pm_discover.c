/*
 * Discovery: walks the cgroup root for kubepods trees (both kubelet cgroup
 * drivers, any kubelet --cgroup-root prefix), their QoS classes, pods and
 * containers; or, on a host without Kubernetes, the top-level cgroups. It
 * records the link counts (2 + subdirectories) of the directories it
 * watches for changes, by path.
 *
 * The fd policy: a scan holds one fd per directory level while it lists the
 * tree, and no more; a rescan keeps the records (and fds) of the cgroups
 * that stayed (the same directory, by inode: one made again at the same
 * path gets new fds). Then the files of the cgroups that keep them not all are
 * given fds, cgroup after cgroup in discovery order, while the fd budget
 * (pm_cg_budget, MaxOpenFiles) lasts; the rest are opened by path at each
 * sample, and that is said once, with the numbers. A
 * directory that cannot be listed for want of fds (or any reason but
 * having vanished) keeps the previous scan's pods under it. So no pod is
 * ever lost for want of fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pm_discover.h"

#define PM_WALK_DEPTH 6

static void join(char *dst, size_t cap, const char *rel, const char *name)
{
	snprintf(dst, cap, "%s%s%s", rel, *rel ? "/" : "", name);
}

/* which degradations have been logged (each is said once) */
enum {
	PM_WARNED_LIST = 1,
	PM_WARNED_NAMES = 2,
	PM_WARNED_FDS = 4,
	PM_WARNED_DUP_NAMES = 8,
	PM_WARNED_DUP_UID = 16,
	PM_WARNED_LOOP = 32
};

/* a directory on the walk's path (REL below the root), by device and inode:
 * a directory met again below itself is a loop (a bind mount of an ancestor) */
struct on_path {
	const struct on_path *up;
	dev_t dev;
	ino_t ino;
	const char *rel;
};

/* one scan: the discovery being filled, and the previous scan's pods */
struct scan {
	struct pm_discovery *d;
	struct pm_pod_rec **old; /* sorted by path */
	size_t n_old;
	int err;                 /* the first error that left a directory unlisted */
	char err_rel[PATH_MAX];       /* that directory, below the root */
	size_t n_kept;           /* pods kept from the previous scan under unlisted directories */
};

static int cmp_old(const void *a, const void *b)
{
	return strcmp((*(struct pm_pod_rec *const *)a)->path, (*(struct pm_pod_rec *const *)b)->path);
}

/* the previous scan's pod at REL, unless a record of this scan holds it already */
static struct pm_pod_rec *find_old(const struct scan *sc, const char *rel)
{
	struct pm_pod_rec key = {.path = (char *)rel}, *kp = &key, **o;
	o = sc->n_old ? bsearch(&kp, sc->old, sc->n_old, sizeof kp, cmp_old) : NULL;
	return o && !(*o)->cg.shared ? *o : NULL;
}

/* DST (*CAP bytes, grown) gets a copy of SRC. 0 or -ENOMEM. */
static int path_copy(char **dst, size_t *cap, const char *src)
{
	size_t n = strlen(src);
	if (!pm_grow(dst, cap, n, 1))
		return -ENOMEM;
	memcpy(*dst, src, n + 1);
	return 0;
}

/* watches REL (below the root; "" for the root), by path: no fd */
static int add_watch(struct pm_discovery *d, const char *rel)
{
	struct pm_watch *w = pm_grow(&d->watch, &d->cap_watch, d->n_watch, sizeof *w);
	struct stat st;
	if (!w)
		return -ENOMEM;
	if (fstatat(d->env.rootfd, *rel ? rel : ".", &st, 0) < 0)
		return 0;
	if (path_copy(&w->path, &w->cap_path, rel) < 0)
		return -ENOMEM;
	w->nlink = st.st_nlink;
	d->n_watch++;
	return 0;
}

static void watches_clear(struct pm_discovery *d)
{
	d->n_watch = 0; /* their path buffers stay, for the next scan */
}

/* RET gets OLD's fds too: both records hold them until the scan ends */
static void cg_borrow(struct pm_cg *old, struct pm_cg *ret)
{
	*ret = *old;
	old->shared = ret->shared = true;
}

/* A cgroup's fds: OLD's, from the previous scan, or none (see keep_fds) */
static void cg_take(struct pm_cg *old, struct pm_cg *ret)
{
	if (old)
		cg_borrow(old, ret);
	else
		pm_cg_init(ret);
}

/* A record of the previous scan at the path of the directory ST (from
 * step_in) is that directory still, not one removed and made again at the
 * same path (a static pod's cgroup, whose UID is that of its manifest):
 * its kept fds would read the removed one's files (ENODEV on cgroupfs, its
 * last values on a fixture tree) for ever. Told by the device and inode
 * recorded when it was found, whatever fds it keeps. */
static bool same_dir(dev_t dev, ino_t ino, const struct stat *st)
{
	return dev == st->st_dev && ino == st->st_ino;
}

/* R: a cgroup or directory vanished (no error), or could not be opened */
static bool vanished(int r)
{
	return r == -ENOENT || r == -ENOTDIR;
}

/* the first error that kept part of the tree from this scan */
static void note_error(struct scan *sc, const char *rel, int r)
{
	struct pm_discovery *d = sc->d;
	if (!sc->err) {
		sc->err = r;
		pm_copy(sc->err_rel, sizeof sc->err_rel, rel);
	}
	if (d->n_unlisted < PM_UNREADABLE_MAX) {
		pm_copy(d->unlisted[d->n_unlisted].path, sizeof d->unlisted[0].path, rel);
		d->unlisted[d->n_unlisted].err = -r;
	}
	d->n_unlisted++;
}

/* copies OLD's containers (those no record of this scan holds) into P */
static int keep_ctrs(struct pm_pod_rec *p, struct pm_pod_rec *old)
{
	for (size_t i = 0; i < old->n_ctrs; i++) {
		struct pm_ctr_rec *oc = &old->ctrs[i];
		if (oc->cg.shared)
			continue;
		struct pm_ctr_rec *c = pm_grow(&p->ctrs, &p->cap_ctrs, p->n_ctrs, sizeof *c);
		if (!c)
			return -ENOMEM;
		*c = *oc;
		cg_borrow(&oc->cg, &c->cg);
		p->n_ctrs++;
	}
	return 0;
}

/* this scan keeps OLD, a pod of the previous scan, as it was */
static int keep_pod(struct scan *sc, struct pm_pod_rec *old)
{
	struct pm_discovery *d = sc->d;
	struct pm_pod_rec *p = pm_grow(&d->pods, &d->cap_pods, d->n_pods, sizeof *p);
	if (!p)
		return -ENOMEM;
	*p = *old;
	p->ctrs = NULL;
	p->n_ctrs = p->cap_ctrs = 0;
	p->path = NULL;
	p->cap_path = 0;
	if (path_copy(&p->path, &p->cap_path, old->path) < 0)
		return -ENOMEM;
	cg_borrow(&old->cg, &p->cg);
	d->n_pods++;
	sc->n_kept++;
	return keep_ctrs(p, old);
}

/* the directory REL could not be listed (R): unless it vanished, the
 * previous scan's pods under it stay. 0 or -ENOMEM. */
static int unlisted(struct scan *sc, const char *rel, int r)
{
	if (r == 0 || r == -ENOMEM || vanished(r))
		return r == -ENOMEM ? r : 0;
	note_error(sc, rel, r);
	size_t len = strlen(rel);
	for (size_t i = 0; i < sc->n_old; i++) {
		struct pm_pod_rec *o = sc->old[i];
		const char *path = o->path;
		if (o->cg.shared || (len && (strncmp(path, rel, len) || (path[len] && path[len] != '/'))))
			continue;
		if (keep_pod(sc, o) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* What runs in the cgroup LEAF of PODFD: its only process is "pause"; it
 * runs something else (more than one process, or one whose comm is not
 * pause); or that cannot be told (no process, or none readable) */
static enum pm_procs procs_of(const struct pm_discovery *d, int podfd, const char *leaf)
{
	char procs[64], path[PATH_MAX + 96], comm[32];
	snprintf(path, sizeof path, "%s/cgroup.procs", leaf);
	bool kernfs = d->env.layout->kernfs;
	int pfd = pm_open_cg_file(podfd, path, &kernfs);
	if (pfd < 0)
		return PM_PROCS_UNKNOWN;
	ssize_t n = pm_pread_all(pfd, procs, sizeof procs - 1);
	close(pfd);
	if (n <= 0)
		return PM_PROCS_UNKNOWN;
	procs[n] = 0;
	char *nl = strchr(procs, '\n');
	if (!nl)
		return PM_PROCS_UNKNOWN;
	if (nl[1]) /* more than one: pause runs alone */
		return PM_PROCS_OTHER;
	*nl = 0;
	snprintf(path, sizeof path, "%s/%s/comm", d->env.proc, procs);
	int fd = pm_open_regular(AT_FDCWD, path);
	if (fd < 0)
		return PM_PROCS_UNKNOWN;
	n = pm_pread_all(fd, comm, sizeof comm);
	close(fd);
	if (n <= 0)
		return PM_PROCS_UNKNOWN;
	return n == 6 && !memcmp(comm, "pause\n", 6) ? PM_PROCS_PAUSE : PM_PROCS_OTHER;
}

/* NAME in DIRFD (REL below the root), stepped into from the path UP: *ST
 * gets its stat and *HERE its place on the path, below UP. 1: it is a
 * directory on UP already, a loop (a bind mount of an ancestor), not to be
 * walked or read again, said once; -1: it is gone (its listing will say
 * so); 0: go on. */
static int step_in(struct scan *sc, const struct on_path *up, int dirfd, const char *name, const char *rel,
		   struct on_path *here, struct stat *st)
{
	*here = (struct on_path){.up = up, .rel = rel};
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	here->dev = st->st_dev;
	here->ino = st->st_ino;
	for (const struct on_path *p = up; p; p = p->up) {
		if (p->dev != st->st_dev || p->ino != st->st_ino)
			continue;
		struct pm_discovery *d = sc->d;
		if (!(d->warned & PM_WARNED_LOOP))
			pm_log(d->env.log, LOG_WARNING,
			       "'%s/%s' is '%s%s%s' again (a loop, through a bind mount): not walked into, each cgroup is reported once",
			       d->env.root, rel, d->env.root, *p->rel ? "/" : "", p->rel);
		d->warned |= PM_WARNED_LOOP;
		return 1;
	}
	return 0;
}

/* the pod whose containers are being listed */
struct pod_arg {
	struct scan *sc;
	struct pm_pod_rec *pod;
	struct pm_pod_rec *old; /* the same pod from the previous scan, or NULL */
	const struct on_path *path; /* the pod's directory */
};

static int add_container(void *arg, int podfd, const char *name)
{
	struct pod_arg *pa = arg;
	struct pm_pod_rec *pod = pa->pod;
	struct pm_ctr_rec c = {0};
	enum pm_qos q;
	char uid[PM_UID_MAX];

	if (strlen(name) >= sizeof c.leaf)
		return 0;
	char rel[PATH_MAX];
	struct on_path here;
	struct stat st;
	join(rel, sizeof rel, pod->path, name);
	if (step_in(pa->sc, pa->path, podfd, name, rel, &here, &st))
		return 0; /* a loop, or gone already */
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
	struct pm_ctr_rec *old = NULL;
	for (size_t i = 0; pa->old && i < pa->old->n_ctrs; i++)
		if (!pa->old->ctrs[i].cg.shared && !strcmp(pa->old->ctrs[i].leaf, name)) {
			old = &pa->old->ctrs[i];
			break;
		}
	if (old && !same_dir(old->dev, old->ino, &st))
		old = NULL; /* made again since: new fds, and what runs in it is looked at again */
	c.dev = st.st_dev;
	c.ino = st.st_ino;
	cg_take(old ? &old->cg : NULL, &c.cg);
	c.procs = old ? old->procs : pod->ident.kind == PM_POD ? procs_of(pa->sc->d, podfd, name) : PM_PROCS_UNKNOWN;
	struct pm_ctr_rec *s = pm_grow(&pod->ctrs, &pod->cap_ctrs, pod->n_ctrs, sizeof *s);
	if (!s)
		return -ENOMEM; /* C holds no fds of its own */
	*s = c;
	pod->n_ctrs++;
	return 0;
}

/* a directory being listed: its path below the root, and the QoS class of pods in it */
struct dir_arg {
	struct scan *sc;
	const char *rel;
	enum pm_qos qos;
	int depth; /* of the walk */
	const struct on_path *path; /* the directory, on the walk's path */
};

static int add_pod(const struct dir_arg *da, int parentfd, const char *name, enum pm_pod_kind kind, const char *uid)
{
	struct scan *sc = da->sc;
	struct pm_discovery *d = sc->d;
	char rel[PATH_MAX];
	join(rel, sizeof rel, da->rel, name);
	struct pm_pod_rec *old = find_old(sc, rel);

	struct on_path here;
	struct stat st;
	if (step_in(sc, da->path, parentfd, name, rel, &here, &st))
		return 0; /* a loop, or gone already */
	if (old && !same_dir(old->dev, old->ino, &st))
		old = NULL; /* made again at the same path: none of the old fds are its own */
	struct pm_pod_rec *p = pm_grow(&d->pods, &d->cap_pods, d->n_pods, sizeof *p);
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof *p);
	if (path_copy(&p->path, &p->cap_path, rel) < 0)
		return -ENOMEM;
	pm_copy(p->ident.cgroup, sizeof p->ident.cgroup, rel);
	p->ident.kind = kind;
	p->ident.qos = da->qos;
	pm_copy(p->ident.uid, sizeof p->ident.uid, uid);
	p->nlink = st.st_nlink;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	cg_take(old ? &old->cg : NULL, &p->cg);
	d->n_pods++; /* from here on the record is this scan's, whatever follows */
	struct pod_arg pa = {sc, p, old, &here};
	int r = pm_dir_each(parentfd, name, true, add_container, &pa);
	if (r == 0 || r == -ENOMEM || vanished(r))
		return r == -ENOMEM ? r : 0;
	note_error(sc, rel, r); /* its containers could not be listed: the previous scan's stay */
	return old ? keep_ctrs(p, old) : 0;
}

static int scan_qos(void *arg, int qfd, const char *name)
{
	const struct dir_arg *da = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	if (pm_classify(name, 0, &q, uid, id, &rt) != PM_DIR_POD)
		return 0;
	return add_pod(da, qfd, name, PM_POD, uid);
}

static int scan_kubepods(void *arg, int kfd, const char *name)
{
	const struct dir_arg *da = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX], rel[PATH_MAX];
	enum pm_qos q = PM_QOS_NONE;
	enum pm_runtime rt;
	switch (pm_classify(name, 0, &q, uid, id, &rt)) {
	case PM_DIR_POD: {
		struct dir_arg g = {da->sc, da->rel, PM_QOS_GUARANTEED, 0, da->path};
		return add_pod(&g, kfd, name, PM_POD, uid);
	}
	case PM_DIR_QOS: {
		join(rel, sizeof rel, da->rel, name);
		struct on_path here;
		struct stat st;
		if (step_in(da->sc, da->path, kfd, name, rel, &here, &st) > 0)
			return 0;
		struct dir_arg qa = {da->sc, rel, q, 0, &here};
		int r = add_watch(da->sc->d, rel);
		return r ? r : unlisted(da->sc, rel, pm_dir_each(kfd, name, true, scan_qos, &qa));
	}
	default:
		return 0;
	}
}

static int walk(void *arg, int dirfd, const char *name)
{
	const struct dir_arg *da = arg;
	char uid[PM_UID_MAX], id[PM_ID_MAX], rel[PATH_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	enum pm_dir_class cls = pm_classify(name, 0, &q, uid, id, &rt);

	if (cls != PM_DIR_KUBEPODS && da->depth + 1 >= PM_WALK_DEPTH)
		return 0;
	join(rel, sizeof rel, da->rel, name);
	struct on_path here;
	struct stat st;
	if (step_in(da->sc, da->path, dirfd, name, rel, &here, &st) > 0)
		return 0;
	if (cls == PM_DIR_KUBEPODS) {
		da->sc->d->kubernetes = true;
		struct dir_arg ka = {da->sc, rel, PM_QOS_NONE, 0, &here};
		int r = add_watch(da->sc->d, rel);
		return r ? r : unlisted(da->sc, rel, pm_dir_each(dirfd, name, true, scan_kubepods, &ka));
	}
	struct dir_arg sub = {da->sc, rel, PM_QOS_NONE, da->depth + 1, &here};
	return unlisted(da->sc, rel, pm_dir_each(dirfd, name, true, walk, &sub));
}

static int add_group(void *arg, int rootfd, const char *name)
{
	return add_pod(arg, rootfd, name, PM_GROUP, "");
}

/* Frees N records at PODS, closing the fds that no other record holds. */
static void pods_free(struct pm_pod_rec *pods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pm_pod_rec *p = &pods[i];
		for (size_t j = 0; j < p->n_ctrs; j++)
			if (!p->ctrs[j].cg.shared)
				pm_cg_close(&p->ctrs[j].cg);
		free(p->ctrs);
		free(p->path);
		if (!p->cg.shared)
			pm_cg_close(&p->cg);
	}
	free(pods);
}

/* the fds of N records at PODS are theirs alone again */
static void pods_unshare(struct pm_pod_rec *pods, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pods[i].cg.shared = false;
		for (size_t j = 0; j < pods[i].n_ctrs; j++)
			pods[i].ctrs[j].cg.shared = false;
	}
}

static int cmp_uid_path(const void *a, const void *b)
{
	const struct pm_pod_rec *x = *(const struct pm_pod_rec *const *)a, *y = *(const struct pm_pod_rec *const *)b;
	int c = strcmp(x->ident.uid, y->ident.uid);
	return c ? c : strcmp(x->path, y->path);
}

/* One pod UID in two cgroups (under two QoS classes, or two kubepods trees)
 * is never merged into one row: the cgroup with the first path keeps the
 * UID, each other one loses it and is shown by its cgroup path; said once. */
static void split_shared_uids(struct pm_discovery *d)
{
	struct pm_pod_rec **by = d->n_pods ? malloc(d->n_pods * sizeof *by) : NULL;
	size_t n = 0;
	if (!by)
		return; /* out of memory: tried again at the next scan */
	for (size_t i = 0; i < d->n_pods; i++)
		if (d->pods[i].ident.kind == PM_POD && d->pods[i].ident.uid[0])
			by[n++] = &d->pods[i];
	if (n)
		qsort(by, n, sizeof *by, cmp_uid_path);
	for (size_t i = 1; i < n; i++) {
		struct pm_pod_rec *first = by[i - 1], *p = by[i];
		if (strcmp(first->ident.uid, p->ident.uid))
			continue;
		if (!(d->warned & PM_WARNED_DUP_UID))
			pm_log(d->env.log, LOG_WARNING,
			       "pod UID %s is in two cgroups, '%s' and '%s': the second is shown by its cgroup path",
			       p->ident.uid, first->path, p->path);
		d->warned |= PM_WARNED_DUP_UID;
		by[i] = first; /* a third one compares with the first too */
		p->ident.uid[0] = '\0';
	}
	free(by);
}

/* names and the sandbox, from the log directories and the pause process */
static void resolve_names(struct pm_discovery *d)
{
	if ((d->names.dup_pods || d->names.dup_ctrs) && !(d->warned & PM_WARNED_DUP_NAMES)) {
		pm_log(d->env.log, LOG_WARNING,
		       "%zu pod UIDs and %zu container IDs are claimed by two log entries (%s, ...): those are shown by UID or ID",
		       d->names.dup_pods, d->names.dup_ctrs, d->names.dup_example);
		d->warned |= PM_WARNED_DUP_NAMES;
	}
	for (size_t i = 0; i < d->n_pods; i++) {
		struct pm_pod_rec *p = &d->pods[i];
		struct pm_pod_ident *pi = &p->ident;
		const struct pm_pod_name *pn = pi->kind == PM_POD ? pm_names_pod(&d->names, pi->uid) : NULL;
		pi->named = pn != NULL;
		pm_copy(pi->namespace_, sizeof pi->namespace_, pn ? pn->ns : "");
		pm_copy(pi->name, sizeof pi->name, pn ? pn->name : pi->kind == PM_POD && pi->uid[0] ? pi->uid : pi->cgroup);
		size_t unnamed = 0;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct pm_ctr_ident *c = &p->ctrs[j].ident;
			const char *cn = pi->kind == PM_POD ? pm_names_container(&d->names, c->id) : NULL;
			c->named = cn != NULL;
			pm_copy(c->name, sizeof c->name, cn ? cn : c->id);
			unnamed += !c->named;
		}
		/* kubelet makes no log for the sandbox: in a pod whose names are
		 * known, the one container without a log is the sandbox, unless
		 * it is seen to run something other than pause (a sidecar whose
		 * log link is missing, with the pause cgroup gone): when unsure,
		 * do not mark */
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct pm_ctr_ident *c = &p->ctrs[j].ident;
			enum pm_procs pr = p->ctrs[j].procs;
			c->sandbox = pr == PM_PROCS_PAUSE || (pr == PM_PROCS_UNKNOWN && pi->named && unnamed == 1 && !c->named);
			if (c->sandbox && !c->named)
				strcpy(c->name, "POD");
		}
	}
}

void pm_discovery_init(struct pm_discovery *d, const struct pm_discovery_env *env)
{
	*d = (struct pm_discovery){.env = *env};
	d->names.log = d->env.log;
}

/* names changed, or could not be read (R < 0, from DIR): said once, and the names read before stay */
static int names_refreshed(struct pm_discovery *d, int r, const char *dir)
{
	if (r > 0)
		resolve_names(d);
	if (r < 0 && !(d->warned & PM_WARNED_NAMES))
		pm_log(d->env.log, LOG_WARNING, "cannot read names from '%s': %s; keeping the names read before", dir,
		       strerror(-r));
	if (r < 0)
		d->warned |= PM_WARNED_NAMES;
	if (r < 0 && dir) {
		pm_copy(d->names_err.path, sizeof d->names_err.path, dir);
		d->names_err.err = -r;
	} else if (r > 0) {
		d->names_err.err = 0;
	}
	return r == -ENOMEM ? r : 0;
}

/* lists the tree into D's (empty) pods */
static int scan_tree(struct scan *sc, bool was_kubernetes)
{
	struct pm_discovery *d = sc->d;
	const char *base = strrchr(d->env.root, '/');
	char uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	enum pm_dir_class cls = pm_classify(base ? base + 1 : d->env.root, 0, &q, uid, id, &rt);
	int r;
	struct stat st;
	struct on_path root = {.rel = ""};
	if (fstat(d->env.rootfd, &st) == 0)
		root.dev = st.st_dev, root.ino = st.st_ino;
	if (cls == PM_DIR_KUBEPODS || cls == PM_DIR_QOS) {
		/* the root is a kubepods or QoS class directory itself */
		struct dir_arg da = {sc, "", q, 0, &root};
		d->kubernetes = true;
		r = add_watch(d, "");
		return r ? r : unlisted(sc, "", pm_dir_each(d->env.rootfd, ".", true, cls == PM_DIR_QOS ? scan_qos : scan_kubepods, &da));
	}
	struct dir_arg da = {sc, "", PM_QOS_NONE, 0, &root};
	if ((r = unlisted(sc, "", pm_dir_each(d->env.rootfd, ".", true, walk, &da))) < 0)
		return r;
	if (sc->err && was_kubernetes) /* a kubepods tree may be where the scan could not look */
		d->kubernetes = true;
	if (d->kubernetes)
		return 0;
	/* no kubepods anywhere: the top-level cgroups are the groups */
	r = add_watch(d, "");
	return r ? r : unlisted(sc, "", pm_dir_each(d->env.rootfd, ".", true, add_group, &da));
}

/* CG (at PATH) keeps as many of its files as the budget has room for:
 * *HELD counts the fds kept, and *FULL says the budget (or the process) has
 * none left */
static void keep_one(const struct pm_discovery *d, struct pm_cg *cg, const char *path, unsigned budget, bool dir,
		     unsigned *held, int *full)
{
	if (cg->all || *full)
		return;
	if (*held >= budget) {
		*full = -ENOSPC; /* the budget */
		return;
	}
	int r = pm_cg_keep(d->env.layout, d->env.rootfd, path, cg, budget - *held, dir, held);
	if (r == -EMFILE || r == -ENFILE || r == -ENOMEM)
		*full = r;
	else if (!r && !cg->all)
		*full = -ENOSPC; /* it ends in this cgroup */
}

/* Gives fds to the files of the cgroups that keep them not all, cgroup
 * after cgroup in discovery order (see pm_cg.h for why), while the budget
 * lasts; then, with fds to spare, to the pods' directories (their link
 * counts are checked at each sample). Says once when some files must be
 * opened at each sample. */
static void keep_fds(struct pm_discovery *d)
{
	unsigned held = 0, kept = 0, all = 0;
	for (size_t i = 0; i < d->n_pods; i++) {
		held += pm_cg_fds(&d->pods[i].cg);
		for (size_t j = 0; j < d->pods[i].n_ctrs; j++)
			held += pm_cg_fds(&d->pods[i].ctrs[j].cg);
	}
	unsigned long limit;
	unsigned budget = pm_cg_budget(held, d->env.max_open_files, &limit);
	int full = 0; /* why the rest keep none: -ENOSPC for the budget, or the errno */
	char path[PATH_MAX];
	/* room for every file and every pod's directory: each pod keeps the
	 * directory it opens for its files (no second open) */
	unsigned long need = held;
	for (size_t i = 0; i < d->n_pods; i++) {
		need += (d->pods[i].cg.dirfd < 0) + (d->pods[i].cg.all ? 0 : d->env.layout->n_files);
		for (size_t j = 0; j < d->pods[i].n_ctrs; j++)
			need += d->pods[i].ctrs[j].cg.all ? 0 : d->env.layout->n_files;
	}
	bool dirs_now = need <= budget;
	for (size_t i = 0; i < d->n_pods; i++) {
		struct pm_pod_rec *p = &d->pods[i];
		keep_one(d, &p->cg, p->path, budget, dirs_now, &held, &full);
		kept += p->cg.all;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			struct pm_ctr_rec *c = &p->ctrs[j];
			snprintf(path, sizeof path, "%s/%s", p->path, c->leaf);
			keep_one(d, &c->cg, path, budget, false, &held, &full);
			kept += c->cg.all;
		}
		all += 1 + (unsigned)p->n_ctrs;
	}
	for (size_t i = 0; i < d->n_pods && !full && held < budget; i++) {
		struct pm_pod_rec *p = &d->pods[i];
		if (p->cg.dirfd < 0 && pm_cg_keep_dir(d->env.layout, d->env.rootfd, p->path, &p->cg) == 0)
			held++;
	}
	d->n_cgroups = all;
	d->n_kept = kept;
	d->n_held = held;
	d->budget = budget;
	/* a cgroup that vanished before it could be kept is no shortage of fds */
	if (full && kept < all && !(d->warned & PM_WARNED_FDS)) {
		pm_log(d->env.log, LOG_WARNING,
		       "kept fds for %u of %u cgroups (RLIMIT_NOFILE %lu, MaxOpenFiles %u, %u files kept, %s): the rest are "
		       "opened at each sample",
		       kept, all, limit, budget, held, full == -ENOSPC ? "the budget of fds is spent" : strerror(-full));
		d->warned |= PM_WARNED_FDS;
	}
}

int pm_discovery_scan(struct pm_discovery *d)
{
	struct scan sc = {.d = d, .n_old = d->n_pods};
	size_t cap_old = 0;
	if (sc.n_old && !pm_grow(&sc.old, &cap_old, sc.n_old - 1, sizeof *sc.old)) {
		d->need_scan = true;
		return -ENOMEM;
	}
	for (size_t i = 0; i < sc.n_old; i++)
		sc.old[i] = &d->pods[i];
	if (sc.n_old)
		qsort(sc.old, sc.n_old, sizeof *sc.old, cmp_old);

	struct pm_pod_rec *old = d->pods;
	size_t n_old = d->n_pods, cap = d->cap_pods;
	bool was_kubernetes = d->kubernetes;
	d->pods = NULL;
	d->n_pods = d->cap_pods = 0;
	d->kubernetes = false;
	d->n_unlisted = 0;
	watches_clear(d);
	int r = scan_tree(&sc, was_kubernetes);
	free(sc.old);
	if (r < 0) { /* out of memory: the previous scan's pods stay as they were */
		pods_free(d->pods, d->n_pods);
		pods_unshare(old, n_old);
		d->pods = old;
		d->n_pods = n_old;
		d->cap_pods = cap;
		d->kubernetes = was_kubernetes;
		d->need_scan = true;
		return r;
	}
	pods_free(old, n_old);
	pods_unshare(d->pods, d->n_pods);
	keep_fds(d);
	if (sc.err && !(d->warned & PM_WARNED_LIST))
		pm_log(d->env.log, LOG_WARNING, "cannot list '%s%s%s': %s; keeping %zu pods found by the previous scan",
		       d->env.root, *sc.err_rel ? "/" : "", sc.err_rel, strerror(-sc.err), sc.n_kept);
	if (sc.err)
		d->warned |= PM_WARNED_LIST;
	d->need_scan = false;
	d->since_scan = 0;
	split_shared_uids(d);
	const char *dir = NULL;
	int n = pm_names_refresh(&d->names, d->env.pod_logs, d->env.ctr_logs, &dir);
	if (n > 0)
		d->names_err.err = 0;
	resolve_names(d);
	return names_refreshed(d, n < 0 ? n : 0, dir);
}

/* a watched directory gained or lost a subdirectory */
static bool tree_changed(const struct pm_discovery *d)
{
	struct stat st;
	int rootfd = d->env.rootfd;
	for (size_t i = 0; i < d->n_watch; i++) {
		const char *path = *d->watch[i].path ? d->watch[i].path : ".";
		if (fstatat(rootfd, path, &st, 0) < 0 || st.st_nlink != d->watch[i].nlink)
			return true;
	}
	for (size_t i = 0; i < d->n_pods; i++) {
		const struct pm_pod_rec *p = &d->pods[i];
		int r = p->cg.dirfd >= 0 ? fstat(p->cg.dirfd, &st) : fstatat(rootfd, p->path, &st, 0);
		if (r < 0 || st.st_nlink != p->nlink)
			return true;
	}
	return false;
}

int pm_discovery_update(struct pm_discovery *d)
{
	int r;
	if (d->need_scan || d->since_scan >= d->env.rescan_every || tree_changed(d)) {
		r = pm_discovery_scan(d);
	} else {
		const char *dir = NULL;
		r = pm_names_refresh(&d->names, d->env.pod_logs, d->env.ctr_logs, &dir);
		r = names_refreshed(d, r, dir);
	}
	d->since_scan++;
	return r;
}

void pm_discovery_gone(struct pm_discovery *d)
{
	d->need_scan = true;
}

void pm_discovery_free(struct pm_discovery *d)
{
	pods_free(d->pods, d->n_pods);
	for (size_t i = 0; i < d->cap_watch; i++)
		free(d->watch[i].path);
	free(d->watch);
	pm_names_free(&d->names);
	memset(d, 0, sizeof *d);
}
