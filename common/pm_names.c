#define _GNU_SOURCE /* memrchr */
/*
 * Names without the API server, from kubelet's log directories:
 *   /var/log/pods/<namespace>_<pod>_<uid>/                       pod UID -> namespace, pod
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log   container ID -> container
 * Kubernetes names cannot hold '_', so it separates the fields; the ID follows the last '-'.
 *
 * Only names as Kubernetes allows them are trusted (a tenant with a hostPath
 * can write any name there, '_' included): the namespace a DNS-1123 label,
 * the pod a DNS-1123 subdomain, the container a DNS-1123 label. An entry
 * whose names are not is not used (its pod is shown by its UID, its
 * container by its ID), and that is said once per entry, when first seen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

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

static bool lower_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const char *pm_k8s_name_invalid(const char *s, size_t len, bool subdomain)
{
	if (len == 0)
		return "empty";
	if (len > (subdomain ? 253u : 63u))
		return subdomain ? "longer than 253 bytes" : "longer than 63 bytes";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (lower_alnum(c) || c == '-')
			continue;
		if (c != '.' || !subdomain)
			return subdomain ? "a byte other than a-z, 0-9, '-' and '.'" : "a byte other than a-z, 0-9 and '-'";
		if (i == 0 || i + 1 == len || !lower_alnum((unsigned char)s[i - 1]) || !lower_alnum((unsigned char)s[i + 1]))
			return "a '.' not between letters or digits";
	}
	if (!lower_alnum((unsigned char)s[0]) || !lower_alnum((unsigned char)s[len - 1]))
		return "not starting and ending with a letter or digit";
	return NULL;
}

/* WHY (CAP bytes) says why FIELD (S, LEN bytes) is not a Kubernetes name, if
 * it is not: true then */
static bool untrusted(const char *field, const char *s, size_t len, bool subdomain, char *why, size_t cap)
{
	const char *r = pm_k8s_name_invalid(s, len, subdomain);
	if (r && why)
		snprintf(why, cap, "its %s is not a DNS-1123 %s (%s)", field, subdomain ? "subdomain" : "label", r);
	return r != NULL;
}

int pm_check_pod_log_name(const char *s, char *why, size_t why_cap)
{
	const char *a = strchr(s, '_'), *b = strrchr(s, '_');
	size_t uid_len = b ? strlen(b + 1) : 0;
	if (!a || a == b || uid_len == 0 || uid_len >= PM_UID_MAX)
		return 1;
	if (untrusted("namespace", s, (size_t)(a - s), false, why, why_cap) ||
	    untrusted("pod name", a + 1, (size_t)(b - a - 1), true, why, why_cap))
		return -EINVAL;
	return 0;
}

int pm_check_container_log_name(const char *s, char *why, size_t why_cap)
{
	size_t len = strlen(s);
	if (len < 4 || strcmp(s + len - 4, ".log"))
		return 1;
	len -= 4;
	const char *a = memchr(s, '_', len);
	const char *b = a ? memchr(a + 1, '_', len - (size_t)(a + 1 - s)) : NULL;
	const char *dash = b ? memrchr(b + 1, '-', len - (size_t)(b + 1 - s)) : NULL;
	size_t id_len = dash ? (size_t)(s + len - dash - 1) : 0;
	if (!dash || id_len == 0 || id_len >= PM_ID_MAX)
		return 1;
	if (untrusted("pod name", s, (size_t)(a - s), true, why, why_cap) ||
	    untrusted("namespace", a + 1, (size_t)(b - a - 1), false, why, why_cap) ||
	    untrusted("container name", b + 1, (size_t)(dash - b - 1), false, why, why_cap))
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

/* one entry of a log directory: 0 when NAME parses into *ENTRY, 1 when it
 * holds no names, -EINVAL when its names are not trusted */
typedef int (*parse_fn)(const char *name, void *entry);

static int parse_pod(const char *name, void *entry)
{
	struct pm_pod_name *pn = entry;
	int r = pm_check_pod_log_name(name, NULL, 0);
	if (r)
		return r;
	return pm_parse_pod_log_name(name, pn->ns, sizeof pn->ns, pn->name, sizeof pn->name, pn->uid, sizeof pn->uid)
		       ? 1
		       : 0;
}

static int parse_ctr(const char *name, void *entry)
{
	struct pm_ctr_name *cn = entry;
	char pod[PM_NAME_MAX], ns[PM_NS_MAX];
	int r = pm_check_container_log_name(name, NULL, 0);
	if (r)
		return r;
	return pm_parse_container_log_name(name, pod, sizeof pod, ns, sizeof ns, cn->name, sizeof cn->name, cn->id,
					   sizeof cn->id)
		       ? 1
		       : 0;
}

struct load_arg {
	parse_fn parse;
	void *arr; /* pointer to the array */
	size_t *n, *cap, size;
	struct pm_bad_names *bad; /* the entries not trusted, filled */
};

static void bad_free(struct pm_bad_names *b)
{
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i]);
	free(b->v);
	*b = (struct pm_bad_names){0};
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_entry(void *arg, int dirfd, const char *name)
{
	struct load_arg *la = arg;
	char entry[sizeof(struct pm_pod_name) > sizeof(struct pm_ctr_name) ? sizeof(struct pm_pod_name)
									  : sizeof(struct pm_ctr_name)];
	(void)dirfd;
	int r = la->parse(name, entry);
	if (r < 0) {
		char **slot = pm_grow(&la->bad->v, &la->bad->cap, la->bad->n, sizeof *slot);
		if (!slot || !(*slot = strdup(name)))
			return -ENOMEM;
		la->bad->n++;
	}
	if (r)
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

/* S, escaped into OUT (4 * PM_NAME_MAX bytes): printable ASCII but '\\' and
 * '\'' as they are, any other byte as \xNN, so that a line stays one line */
static void esc(char *out, const char *s)
{
	size_t o = 0;
	for (; *s && o + 5 < 4 * PM_NAME_MAX; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = 0;
}

/* the most entries not trusted said one by one at one load; more are counted */
#define PM_BAD_SAID 32

/* Says each entry of NOW (sorted) that BEFORE (sorted) has not, once. */
static void say_bad(const struct pm_logger *log, const char *dir, bool pods, const struct pm_bad_names *now,
		    const struct pm_bad_names *before)
{
	size_t said = 0, more = 0;
	char why[160], e[4 * PM_NAME_MAX];
	for (size_t i = 0; i < now->n; i++) {
		const char *name = now->v[i];
		if (before->n && bsearch(&name, before->v, before->n, sizeof *before->v, cmp_str))
			continue;
		if (said == PM_BAD_SAID) {
			more++;
			continue;
		}
		said++;
		if (pods)
			pm_check_pod_log_name(name, why, sizeof why);
		else
			pm_check_container_log_name(name, why, sizeof why);
		esc(e, name);
		pm_log(log, LOG_WARNING, "%s '%s' in '%s' is not trusted: %s; its %s is shown by its %s",
		       pods ? "pod log directory" : "container log link", e, dir, why, pods ? "pod" : "container",
		       pods ? "UID" : "ID");
	}
	if (more)
		pm_log(log, LOG_WARNING, "%zu more %s in '%s' are not trusted (names not as Kubernetes allows)", more,
		       pods ? "pod log directories" : "container log links", dir);
}

static int load(const char *dir, parse_fn parse, int (*cmp)(const void *, const void *), void *arr, size_t *n,
		size_t *cap, void *spare, size_t *spare_cap, size_t size, size_t *dups, char *example, size_t example_cap,
		struct pm_bad_names *bad, const struct pm_logger *log)
{
	size_t got = 0;
	struct pm_bad_names now = {0};
	struct load_arg la = {parse, spare, &got, spare_cap, size, &now};
	int r = pm_dir_each(AT_FDCWD, dir, false, load_entry, &la);
	if (r == -ENOENT)
		r = 0, got = 0, bad_free(&now);
	if (r < 0) {
		bad_free(&now);
		return r;
	}
	if (now.n)
		qsort(now.v, now.n, sizeof *now.v, cmp_str);
	say_bad(log, dir, parse == parse_pod, &now, bad);
	bad_free(bad);
	*bad = now;
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
			 &ix->cap_spare_pods, sizeof *ix->pods, &ix->dup_pods, ix->dup_example, sizeof ix->dup_example,
			 &ix->bad_pods, ix->log);
	}
	if (r == 0 && dir_changed(ctr_dir, &ix->ctrs_mtime, &ix->ctrs_seen)) {
		changed = 1;
		dir = ctr_dir;
		r = load(ctr_dir, parse_ctr, cmp_ctr, &ix->ctrs, &ix->n_ctrs, &ix->cap_ctrs, &ix->spare_ctrs,
			 &ix->cap_spare_ctrs, sizeof *ix->ctrs, &ix->dup_ctrs, ix->dup_example, sizeof ix->dup_example,
			 &ix->bad_ctrs, ix->log);
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
	bad_free(&ix->bad_pods);
	bad_free(&ix->bad_ctrs);
	memset(ix, 0, sizeof *ix);
}
