/*
 * Names without the API server, from kubelet's log directories:
 *   /var/log/pods/<namespace>_<pod>_<uid>/                       pod UID -> namespace, pod
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log   container ID -> container
 * Kubernetes names cannot hold '_', so it separates the fields; the ID follows the last '-'.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pm_names.h"

static int copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len == 0 || len >= cap)
		return -EINVAL;
	memcpy(dst, s, len);
	dst[len] = 0;
	return 0;
}

int pm_parse_pod_log_name(const char *s, char *ns, size_t ns_cap, char *pod, size_t pod_cap, char *uid,
			  size_t uid_cap)
{
	const char *a = strchr(s, '_'), *b = strrchr(s, '_');
	if (!a || a == b)
		return -EINVAL;
	if (copy(ns, ns_cap, s, (size_t)(a - s)) || copy(pod, pod_cap, a + 1, (size_t)(b - a - 1)) ||
	    copy(uid, uid_cap, b + 1, strlen(b + 1)))
		return -EINVAL;
	return 0;
}

int pm_parse_container_log_name(const char *s, char *pod, size_t pod_cap, char *ns, size_t ns_cap, char *ctr,
				size_t ctr_cap, char *id, size_t id_cap)
{
	size_t len = strlen(s);
	if (len < 4 || strcmp(s + len - 4, ".log"))
		return -EINVAL;
	len -= 4;
	const char *a = memchr(s, '_', len);
	const char *b = a ? memchr(a + 1, '_', len - (size_t)(a + 1 - s)) : NULL;
	const char *dash = NULL;
	for (const char *p = s + len; p > s; p--)
		if (p[-1] == '-') {
			dash = p - 1;
			break;
		}
	if (!a || !b || !dash || dash < b)
		return -EINVAL;
	if (copy(pod, pod_cap, s, (size_t)(a - s)) || copy(ns, ns_cap, a + 1, (size_t)(b - a - 1)) ||
	    copy(ctr, ctr_cap, b + 1, (size_t)(dash - b - 1)) || copy(id, id_cap, dash + 1, (size_t)(s + len - dash - 1)))
		return -EINVAL;
	return 0;
}

static int cmp_pod(const void *a, const void *b)
{
	return strcmp(((const struct pm_pod_name *)a)->uid, ((const struct pm_pod_name *)b)->uid);
}

static int cmp_ctr(const void *a, const void *b)
{
	return strcmp(((const struct pm_ctr_name *)a)->id, ((const struct pm_ctr_name *)b)->id);
}

/* grows *ARR (of *CAP elements of SIZE) to hold one more; NULL on ENOMEM */
static void *grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *p = realloc(*arr, nc * size);
		if (!p)
			return NULL;
		*arr = p;
		*cap = nc;
	}
	return (char *)*arr + n * size;
}

/* true when DIR's mtime differs from *MTIME (and records it); missing dirs are "unchanged" after the first look */
static bool dir_changed(const char *dir, struct timespec *mtime, bool *seen)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		bool was = *seen;
		*seen = false;
		return was;
	}
	bool changed = !*seen || st.st_mtim.tv_sec != mtime->tv_sec || st.st_mtim.tv_nsec != mtime->tv_nsec;
	*mtime = st.st_mtim;
	*seen = true;
	return changed;
}

static int load_pods(struct pm_name_index *ix, const char *dir)
{
	DIR *d = opendir(dir);
	size_t cap = ix->cap_pods;
	struct dirent *e;

	ix->n_pods = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct pm_pod_name pn;
		if (e->d_name[0] == '.' ||
		    pm_parse_pod_log_name(e->d_name, pn.ns, sizeof pn.ns, pn.name, sizeof pn.name, pn.uid, sizeof pn.uid))
			continue;
		struct pm_pod_name *slot = grow((void **)&ix->pods, &cap, ix->n_pods, sizeof *slot);
		if (!slot) {
			closedir(d);
			return -ENOMEM;
		}
		*slot = pn;
		ix->n_pods++;
	}
	ix->cap_pods = cap;
	closedir(d);
	if (ix->n_pods)
		qsort(ix->pods, ix->n_pods, sizeof *ix->pods, cmp_pod);
	return 0;
}

static int load_ctrs(struct pm_name_index *ix, const char *dir)
{
	DIR *d = opendir(dir);
	size_t cap = ix->cap_ctrs;
	struct dirent *e;

	ix->n_ctrs = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct pm_ctr_name cn;
		char pod[PM_NAME_MAX], ns[PM_NS_MAX];
		if (e->d_name[0] == '.' || pm_parse_container_log_name(e->d_name, pod, sizeof pod, ns, sizeof ns, cn.name,
								       sizeof cn.name, cn.id, sizeof cn.id))
			continue;
		struct pm_ctr_name *slot = grow((void **)&ix->ctrs, &cap, ix->n_ctrs, sizeof *slot);
		if (!slot) {
			closedir(d);
			return -ENOMEM;
		}
		*slot = cn;
		ix->n_ctrs++;
	}
	ix->cap_ctrs = cap;
	closedir(d);
	if (ix->n_ctrs)
		qsort(ix->ctrs, ix->n_ctrs, sizeof *ix->ctrs, cmp_ctr);
	return 0;
}

int pm_names_refresh(struct pm_name_index *ix, const char *pod_dir, const char *ctr_dir)
{
	int r = 0, changed = 0;
	if (dir_changed(pod_dir, &ix->pods_mtime, &ix->pods_seen)) {
		changed = 1;
		r = load_pods(ix, pod_dir);
	}
	if (r == 0 && dir_changed(ctr_dir, &ix->ctrs_mtime, &ix->ctrs_seen)) {
		changed = 1;
		r = load_ctrs(ix, ctr_dir);
	}
	if (r == -ENOENT)
		r = 0;
	if (r < 0) /* try again next time */
		ix->pods_seen = ix->ctrs_seen = false;
	return r < 0 ? r : changed;
}

const struct pm_pod_name *pm_names_pod(const struct pm_name_index *ix, const char *uid)
{
	struct pm_pod_name key;
	if (!ix->n_pods || strlen(uid) >= sizeof key.uid)
		return NULL;
	strcpy(key.uid, uid);
	return bsearch(&key, ix->pods, ix->n_pods, sizeof *ix->pods, cmp_pod);
}

const char *pm_names_container(const struct pm_name_index *ix, const char *id)
{
	struct pm_ctr_name key;
	if (!ix->n_ctrs || strlen(id) >= sizeof key.id)
		return NULL;
	strcpy(key.id, id);
	const struct pm_ctr_name *c = bsearch(&key, ix->ctrs, ix->n_ctrs, sizeof *ix->ctrs, cmp_ctr);
	return c ? c->name : NULL;
}

bool pm_names_pod_has_logs(const struct pm_name_index *ix, const char *uid)
{
	return pm_names_pod(ix, uid) != NULL;
}

void pm_names_free(struct pm_name_index *ix)
{
	free(ix->pods);
	free(ix->ctrs);
	memset(ix, 0, sizeof *ix);
}
