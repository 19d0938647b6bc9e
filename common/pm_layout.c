/*
 * What to read, built from the catalogue: every metric whose source on this
 * cgroup version is "file:key" adds KEY to FILE's key table; a plain "file"
 * is a one-value file. So a new metric read from memory.stat, memory.events,
 * memory.pressure or /proc/meminfo needs only its catalogue line.
 */
#include <errno.h>
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
	f->metric = -1;
	return f;
}

int pm_layout_build(struct pm_layout *l, int version)
{
	memset(l, 0, sizeof *l);
	l->version = version;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = version == 1 ? pm_metrics[m].v1 : pm_metrics[m].v2;
		if (!(pm_metrics[m].levels & PM_AT_CG) || !strcmp(src, "-") || !strcmp(src, "="))
			continue;
		const char *colon = strchr(src, ':');
		struct pm_file_desc *f;
		if (colon) {
			f = file_for(l, src, (size_t)(colon - src), PM_FK_KV);
			if (!f || pm_keytab_add(&f->keys, colon + 1, strlen(colon + 1), m) < 0)
				return -EINVAL;
		} else {
			f = file_for(l, src, strlen(src), PM_FK_SINGLE);
			if (!f || f->metric >= 0)
				return -EINVAL;
			f->metric = m;
		}
	}
	if (version == 2) {
		/* kernels before 5.9 had one refault counter, for file pages */
		struct pm_file_desc *stat = file_for(l, "memory.stat", 11, PM_FK_KV);
		if (stat)
			pm_keytab_add(&stat->keys, "workingset_refault", 18, PM_M_WORKINGSET_REFAULT_FILE);
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

int pm_meminfo_keys(struct pm_keytab *t)
{
	memset(t, 0, sizeof *t);
	t->kb = true;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = pm_metrics[m].node;
		if (!pm_metric_at((enum pm_metric)m, PM_LEVEL_NODE) || !strcmp(src, "-") || !strcmp(src, "="))
			continue;
		if (pm_keytab_add(t, src, strlen(src), m) < 0)
			return -EINVAL;
	}
	return 0;
}
