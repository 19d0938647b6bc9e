/*
 * Names without the API server, from kubelet's log directories:
 *   /var/log/pods/<namespace>_<pod>_<uid>/                       pod UID -> namespace, pod
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log   container ID -> container
 * Kubernetes names cannot hold '_', so it separates the fields; the ID follows the last '-'.
 */
#include <errno.h>
#include <fcntl.h>
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

/* one entry of a log directory: 0 when NAME parses into *ENTRY */
typedef int (*parse_fn)(const char *name, void *entry);

static int parse_pod(const char *name, void *entry)
{
	struct pm_pod_name *pn = entry;
	return pm_parse_pod_log_name(name, pn->ns, sizeof pn->ns, pn->name, sizeof pn->name, pn->uid, sizeof pn->uid);
}

static int parse_ctr(const char *name, void *entry)
{
	struct pm_ctr_name *cn = entry;
	char pod[PM_NAME_MAX], ns[PM_NS_MAX];
	return pm_parse_container_log_name(name, pod, sizeof pod, ns, sizeof ns, cn->name, sizeof cn->name, cn->id,
					   sizeof cn->id);
}

struct load_arg {
	parse_fn parse;
	void *arr; /* pointer to the array */
	size_t *n, *cap, size;
};

static int load_entry(void *arg, int dirfd, const char *name)
{
	struct load_arg *la = arg;
	char entry[sizeof(struct pm_pod_name) > sizeof(struct pm_ctr_name) ? sizeof(struct pm_pod_name)
									  : sizeof(struct pm_ctr_name)];
	(void)dirfd;
	if (la->parse(name, entry))
		return 0;
	void *slot = pm_grow(la->arr, la->cap, *la->n, la->size);
	if (!slot)
		return -ENOMEM;
	memcpy(slot, entry, la->size);
	(*la->n)++;
	return 0;
}

/* Loads DIR's entries that PARSE takes, sorted, into the spare array *SPARE
 * (*SPARE_CAP entries of SIZE) and swaps it with *ARR (*N of *CAP): a failure
 * leaves *ARR as it was. A missing DIR gives no entries. 0 or -errno. */
/* Drops every entry of the sorted ARR (N of SIZE) whose key another entry
 * has too: two log directories that claim one pod UID (a tenant's hostPath
 * can write one) are both untrusted, rather than one winning by chance.
 * Returns the new count; *DUPS gets the number of such keys, EXAMPLE the first. */
static size_t drop_claimed_twice(char *arr, size_t n, size_t size, int (*cmp)(const void *, const void *),
				 size_t *dups, char *example, size_t example_cap)
{
	size_t out = 0;
	*dups = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && !cmp(arr + i * size, arr + j * size))
			j++;
		if (j - i == 1) {
			memmove(arr + out * size, arr + i * size, size);
			out++;
		} else if (!(*dups)++) {
			pm_copy(example, example_cap, arr + i * size); /* both entries start with their key */
		}
		i = j;
	}
	return out;
}

static int load(const char *dir, parse_fn parse, int (*cmp)(const void *, const void *), void *arr, size_t *n,
		size_t *cap, void *spare, size_t *spare_cap, size_t size, size_t *dups, char *example, size_t example_cap)
{
	size_t got = 0;
	struct load_arg la = {parse, spare, &got, spare_cap, size};
	int r = pm_dir_each(AT_FDCWD, dir, false, load_entry, &la);
	if (r == -ENOENT)
		r = 0, got = 0;
	if (r < 0)
		return r;
	if (got)
		qsort(*(void **)spare, got, size, cmp);
	got = drop_claimed_twice(*(char **)spare, got, size, cmp, dups, example, example_cap);
	void *t = *(void **)arr;
	*(void **)arr = *(void **)spare;
	*(void **)spare = t;
	size_t c = *cap;
	*cap = *spare_cap;
	*spare_cap = c;
	*n = got;
	return 0;
}

int pm_names_refresh(struct pm_name_index *ix, const char *pod_dir, const char *ctr_dir, const char **ret_dir)
{
	int r = 0, changed = 0;
	const char *dir = pod_dir;
	if (dir_changed(pod_dir, &ix->pods_mtime, &ix->pods_seen)) {
		changed = 1;
		r = load(pod_dir, parse_pod, cmp_pod, &ix->pods, &ix->n_pods, &ix->cap_pods, &ix->spare_pods,
			 &ix->cap_spare_pods, sizeof *ix->pods, &ix->dup_pods, ix->dup_example, sizeof ix->dup_example);
	}
	if (r == 0 && dir_changed(ctr_dir, &ix->ctrs_mtime, &ix->ctrs_seen)) {
		changed = 1;
		dir = ctr_dir;
		r = load(ctr_dir, parse_ctr, cmp_ctr, &ix->ctrs, &ix->n_ctrs, &ix->cap_ctrs, &ix->spare_ctrs,
			 &ix->cap_spare_ctrs, sizeof *ix->ctrs, &ix->dup_ctrs, ix->dup_example, sizeof ix->dup_example);
	}
	if (r < 0) { /* try again next time */
		ix->pods_seen = ix->ctrs_seen = false;
		if (ret_dir)
			*ret_dir = dir;
	}
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

void pm_names_free(struct pm_name_index *ix)
{
	free(ix->pods);
	free(ix->spare_pods);
	free(ix->ctrs);
	free(ix->spare_ctrs);
	memset(ix, 0, sizeof *ix);
}
