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
		if (!(pm_metrics[m].levels & PM_LEVEL_CG) || !strcmp(src, "-") || !strcmp(src, "="))
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
		for (unsigned i = 0; i < l->n_files; i++)
			if (!strcmp(l->files[i].name, "memory.stat"))
				pm_keytab_add(&l->files[i].keys, "workingset_refault", 18, PM_M_WORKINGSET_REFAULT_FILE);
	}
	return 0;
}

int pm_meminfo_keys(struct pm_keytab *t)
{
	memset(t, 0, sizeof *t);
	for (int m = 0; m < PM_M__COUNT; m++) {
		const char *src = pm_metrics[m].node;
		if (!(pm_metrics[m].levels & PM_LEVEL_NODE) || !strcmp(src, "-") || !strcmp(src, "="))
			continue;
		if (pm_keytab_add(t, src, strlen(src), m) < 0)
			return -EINVAL;
	}
	return 0;
}

static uint64_t sum_present(const struct pm_values *v, const enum pm_metric *ms, size_t n, bool *any)
{
	uint64_t s = 0;
	*any = false;
	for (size_t i = 0; i < n; i++)
		if (pm_has(v, ms[i])) {
			s += v->v[ms[i]];
			*any = true;
		}
	return s;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* the kernel memory parts v2 and /proc/meminfo break out */
static const enum pm_metric kernel_parts[] = {PM_M_SLAB, PM_M_KERNEL_STACK, PM_M_PAGETABLES, PM_M_SECONDARY_PAGETABLES,
					       PM_M_PERCPU, PM_M_VMALLOC};

static void derive_working_set(struct pm_values *v)
{
	if (pm_has(v, PM_M_ACTIVE_ANON) && pm_has(v, PM_M_INACTIVE_ANON) && pm_has(v, PM_M_ACTIVE_FILE))
		pm_set(v, PM_M_WORKING_SET, v->v[PM_M_ACTIVE_ANON] + v->v[PM_M_INACTIVE_ANON] + v->v[PM_M_ACTIVE_FILE]);
}

void pm_derive_cgroup(struct pm_values *v, int version)
{
	static const enum pm_metric limits[] = {PM_M_LIMIT, PM_M_HIGH, PM_M_SWAP_LIMIT};
	bool any;

	for (size_t i = 0; i < PM_ARRAY_LEN(limits); i++)
		if (pm_has(v, limits[i]) && v->v[limits[i]] >= PM_UNLIMITED_MIN)
			pm_unset(v, limits[i]);
	if (version == 2 && !pm_has(v, PM_M_SLAB) && pm_has(v, PM_M_SLAB_RECLAIMABLE) &&
	    pm_has(v, PM_M_SLAB_UNRECLAIMABLE))
		pm_set(v, PM_M_SLAB, v->v[PM_M_SLAB_RECLAIMABLE] + v->v[PM_M_SLAB_UNRECLAIMABLE]);
	if (version == 2 && !pm_has(v, PM_M_KERNEL)) {
		uint64_t k = sum_present(v, kernel_parts, PM_ARRAY_LEN(kernel_parts), &any);
		if (any)
			pm_set(v, PM_M_KERNEL, k);
	}
	derive_working_set(v);
	if (!pm_has(v, PM_M_USAGE))
		return;
	uint64_t usage = v->v[PM_M_USAGE];
	pm_set(v, PM_M_WORKING_SET_KUBELET, sub0(usage, v->v[PM_M_INACTIVE_FILE]));
	if (pm_has(v, PM_M_ANON) && pm_has(v, PM_M_FILE)) {
		/* v2 memory.current = anon + file + kernel + sock (+ zswap, + hugetlb
		 * when accounted); v1 usage = rss + cache + kmem (TCP buffers are
		 * charged to their own counter) */
		static const enum pm_metric v1_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_KERNEL};
		static const enum pm_metric v2_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_KERNEL, PM_M_SOCK, PM_M_ZSWAP,
							  PM_M_HUGETLB};
		uint64_t acc = version == 1 ? sum_present(v, v1_parts, PM_ARRAY_LEN(v1_parts), &any)
					    : sum_present(v, v2_parts, PM_ARRAY_LEN(v2_parts), &any);
		pm_set(v, PM_M_UNACCOUNTED, sub0(usage, acc));
	}
}

void pm_derive_node(struct pm_values *v)
{
	static const enum pm_metric app_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_BUFFERS, PM_M_SWAPCACHED, PM_M_HUGETLB};
	bool any;

	derive_working_set(v);
	if (!pm_has(v, PM_M_TOTAL) || !pm_has(v, PM_M_FREE))
		return;
	uint64_t used = sub0(v->v[PM_M_TOTAL], v->v[PM_M_FREE]);
	uint64_t app = sum_present(v, app_parts, PM_ARRAY_LEN(app_parts), &any);
	uint64_t kernel = sum_present(v, kernel_parts, PM_ARRAY_LEN(kernel_parts), &any);
	pm_set(v, PM_M_USAGE, used);
	pm_set(v, PM_M_APP, app);
	pm_set(v, PM_M_KERNEL, kernel);
	pm_set(v, PM_M_UNACCOUNTED, sub0(used, app + kernel));
}
