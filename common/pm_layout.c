/*
 * What to read, built from the catalogue: every metric whose source on this
 * cgroup version is "file:key" adds KEY to FILE's key table; a plain "file"
 * is a one-value file. So a new metric read from memory.stat, memory.events,
 * memory.pressure or /proc/meminfo needs only its catalogue line. The
 * hugetlb controller's files are named by page size, so they are added for
 * the sizes this kernel has (pm_layout_hugetlb).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pm_internal.h"

static struct pm_file_desc *file_for(struct pm_layout *l, const char *name, size_t len, enum pm_file_kind kind)
{
	for (unsigned i = 0; i < l->n_files; i++)
		if (strlen(l->files[i].name) == len && !memcmp(l->files[i].name, name, len))
			return l->files[i].kind == kind ? &l->files[i] : NULL;
	if (l->n_files == PM_MAX_FILES || len >= sizeof l->files[0].name)
		return NULL;
	struct pm_file_desc *f = &l->files[l->n_files++];
	memset(f, 0, sizeof *f);
	memcpy(f->name, name, len);
	f->kind = kind;
	f->metric = f->sum = -1;
	return f;
}

/* metric M is read from FILE (LEN bytes; at KEY in it, or a one-value file
 * when KEY is NULL), set or (SUM) added to the other page sizes'. 0 or -EINVAL. */
static int add_source(struct pm_layout *l, const char *file, size_t len, const char *key, int m, bool sum, bool apart)
{
	struct pm_file_desc *f = file_for(l, file, len, key ? PM_FK_KV : PM_FK_SINGLE);
	if (!f)
		return -EINVAL;
	f->apart = apart;
	if (key) {
		if (f->keys.n && f->keys.add != sum) /* a file's keys are all summed, or none */
			return -EINVAL;
		f->keys.add = sum;
		return pm_keytab_add(&f->keys, key, strlen(key), m) < 0 ? -EINVAL : 0;
	}
	int *slot = sum ? &f->sum : &f->metric;
	if (*slot >= 0)
		return -EINVAL;
	*slot = m;
	return 0;
}

/* metric M's source on L's version, when it is read from a cgroup file */
static const char *cg_source(const struct pm_layout *l, int m)
{
	const char *src = l->version == 1 ? pm_metrics[m].v1 : pm_metrics[m].v2;
	if (!(pm_metrics[m].levels & PM_AT_CG) || !strcmp(src, "-") || !strcmp(src, "="))
		return NULL;
	return src;
}

static bool is_hugetlb(const char *src)
{
	return !strncmp(src, "hugetlb.", 8);
}

int pm_layout_build(struct pm_layout *l, int version)
{
	memset(l, 0, sizeof *l);
	l->version = version;
	l->apart_fd = -1;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = cg_source(l, m);
		if (!src || is_hugetlb(src))
			continue;
		const char *colon = strchr(src, ':');
		int r = add_source(l, src, colon ? (size_t)(colon - src) : strlen(src), colon ? colon + 1 : NULL, m, false,
				   false);
		if (r < 0)
			return r;
	}
	if (version == 2) {
		/* memory.stat keys of older kernels, and of a mount option */
		static const struct {
			const char *key;
			enum pm_metric m;
		} alias[] = {
			{"workingset_refault", PM_M_WORKINGSET_REFAULT_FILE},   /* before 5.9: file pages only */
			{"workingset_activate", PM_M_WORKINGSET_ACTIVATE_FILE}, /* the same */
			{"workingset_restore", PM_M_WORKINGSET_RESTORE_FILE},   /* 5.8 */
			/* memory_hugetlb_accounting: memory.current counts huge pages, and
			 * memory.stat has this key only then (see pm_derive_cgroup) */
			{"hugetlb", PM_M_HUGETLB},
		};
		for (size_t i = 0; i < PM_ARRAY_LEN(alias); i++)
			if (add_source(l, "memory.stat", 11, alias[i].key, alias[i].m, false, false) < 0)
				return -EINVAL;
	}
	return 0;
}

int pm_layout_hugetlb(struct pm_layout *l, const struct pm_huge_sizes *hs, int apart_fd)
{
	bool v1 = l->version == 1;
	if (v1 && apart_fd < 0)
		return 0; /* no hugetlb hierarchy */
	l->apart_fd = v1 ? apart_fd : -1;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = cg_source(l, m);
		if (!src || !is_hugetlb(src))
			continue;
		/* "hugetlb." SIZE REST, REST ".current" or ".events:max" */
		const char *size = src + 8, *rest = strchr(size, '.');
		if (!rest)
			return -EINVAL;
		const char *colon = strchr(rest, ':');
		size_t size_len = (size_t)(rest - size), rest_len = colon ? (size_t)(colon - rest) : strlen(rest);
		bool all = size_len == 1 && *size == '*';
		for (unsigned i = 0; i < hs->n; i++) {
			const char *name = hs->name[i];
			if (!all && (strlen(name) != size_len || memcmp(name, size, size_len)))
				continue;
			char file[sizeof l->files[0].name];
			int n = snprintf(file, sizeof file, "hugetlb.%s%.*s", name, (int)rest_len, rest);
			if (n < 0 || (size_t)n >= sizeof file ||
			    add_source(l, file, (size_t)n, colon ? colon + 1 : NULL, m, all, v1) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

const struct pm_file_desc *pm_layout_file(const struct pm_layout *l, const char *name)
{
	for (unsigned i = 0; i < l->n_files; i++)
		if (!strcmp(l->files[i].name, name))
			return &l->files[i];
	return NULL;
}

/* metric M's node source, when it is read from a file; NULL when none or derived */
static const char *node_source(int m)
{
	const char *src = pm_metrics[m].node;
	if (!pm_metric_at((enum pm_metric)m, PM_LEVEL_NODE) || !strcmp(src, "-") || !strcmp(src, "="))
		return NULL;
	return src;
}

int pm_meminfo_keys(struct pm_keytab *t)
{
	memset(t, 0, sizeof *t);
	t->kb = true;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = node_source(m);
		if (src && !strchr(src, ':') && pm_keytab_add(t, src, strlen(src), m) < 0)
			return -EINVAL;
	}
	return 0;
}

int pm_node_layout(struct pm_layout *l)
{
	memset(l, 0, sizeof *l);
	l->apart_fd = -1;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = node_source(m), *colon = src ? strchr(src, ':') : NULL;
		if (colon && add_source(l, src, (size_t)(colon - src), colon + 1, m, false, false) < 0)
			return -EINVAL;
	}
	return 0;
}
