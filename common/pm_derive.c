/*
 * What the files cannot give, derived from what they did: the working sets,
 * kernel memory as the sum of its parts, the unaccounted remainder, the
 * node's application/kernel/unaccounted breakdown and its reserved memory;
 * limits that mean unlimited are dropped.
 */
#include "pm_internal.h"

static uint64_t sum_present(const struct pm_values *v, const enum pm_metric *ms, size_t n, bool *any)
{
	uint64_t s = 0;
	*any = false;
	for (size_t i = 0; i < n; i++)
		if (pm_has(v, ms[i])) {
			s = pm_add_sat(s, v->v[ms[i]]);
			*any = true;
		}
	return s;
}

static const enum pm_metric limits[] = {PM_M_LIMIT,         PM_M_HIGH,         PM_M_SWAP_LIMIT,
				       PM_M_HUGETLB_LIMIT, PM_M_HUGETLB_2MB_LIMIT, PM_M_HUGETLB_1GB_LIMIT};

bool pm_is_limit(enum pm_metric m)
{
	for (size_t i = 0; i < PM_ARRAY_LEN(limits); i++)
		if (limits[i] == m)
			return true;
	return false;
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
	static const enum pm_metric parts[] = {PM_M_ACTIVE_ANON, PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE};
	bool any;
	if (pm_has(v, PM_M_ACTIVE_ANON) && pm_has(v, PM_M_INACTIVE_ANON) && pm_has(v, PM_M_ACTIVE_FILE))
		pm_set(v, PM_M_WORKING_SET, sum_present(v, parts, PM_ARRAY_LEN(parts), &any));
}

void pm_derive_cgroup(struct pm_values *v, int version)
{
	bool any;

	for (size_t i = 0; i < PM_ARRAY_LEN(limits); i++)
		if (pm_has(v, limits[i]) && v->v[limits[i]] >= PM_UNLIMITED_MIN)
			pm_unset(v, limits[i]);
	if (version == 2 && !pm_has(v, PM_M_SLAB) && pm_has(v, PM_M_SLAB_RECLAIMABLE) &&
	    pm_has(v, PM_M_SLAB_UNRECLAIMABLE))
		pm_set(v, PM_M_SLAB, pm_add_sat(v->v[PM_M_SLAB_RECLAIMABLE], v->v[PM_M_SLAB_UNRECLAIMABLE]));
	if (version == 2 && !pm_has(v, PM_M_KERNEL)) {
		uint64_t k = sum_present(v, kernel_parts, PM_ARRAY_LEN(kernel_parts), &any);
		if (any)
			pm_set(v, PM_M_KERNEL, k);
	}
	derive_working_set(v);
	if (!pm_has(v, PM_M_USAGE))
		return;
	uint64_t usage = v->v[PM_M_USAGE];
	if (pm_has(v, PM_M_INACTIVE_FILE)) /* unknown, it is unknown: never usage itself */
		pm_set(v, PM_M_WORKING_SET_KUBELET, sub0(usage, v->v[PM_M_INACTIVE_FILE]));
	if (pm_has(v, PM_M_ANON) && pm_has(v, PM_M_FILE)) {
		/* v2 memory.current = anon + file + kernel + sock (+ zswap, + hugetlb
		 * with memory_hugetlb_accounting: only then has memory.stat its
		 * hugetlb key, and only then is HUGETLB here before pm_derive_sums);
		 * v1 usage = rss + cache + kmem (TCP buffers are charged to their
		 * own counter, huge pages to the hugetlb controller alone) */
		static const enum pm_metric v1_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_KERNEL};
		static const enum pm_metric v2_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_KERNEL, PM_M_SOCK, PM_M_ZSWAP,
							  PM_M_HUGETLB};
		uint64_t acc = version == 1 ? sum_present(v, v1_parts, PM_ARRAY_LEN(v1_parts), &any)
					    : sum_present(v, v2_parts, PM_ARRAY_LEN(v2_parts), &any);
		pm_set(v, PM_M_UNACCOUNTED, sub0(usage, acc));
	}
}

void pm_derive_sums(struct pm_values *v, const struct pm_values *sums)
{
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_has(sums, (enum pm_metric)m) && !(pm_is_limit((enum pm_metric)m) && sums->v[m] >= PM_UNLIMITED_MIN))
			pm_set(v, (enum pm_metric)m, sums->v[m]);
}

void pm_derive_node(struct pm_values *v)
{
	static const enum pm_metric app_parts[] = {PM_M_ANON, PM_M_FILE, PM_M_BUFFERS, PM_M_SWAPCACHED, PM_M_HUGETLB};
	bool any;

	derive_working_set(v);
	if (pm_has(v, PM_M_PHYSICAL) && pm_has(v, PM_M_TOTAL))
		pm_set(v, PM_M_RESERVED, sub0(v->v[PM_M_PHYSICAL], v->v[PM_M_TOTAL]));
	if (!pm_has(v, PM_M_TOTAL) || !pm_has(v, PM_M_FREE))
		return;
	uint64_t used = sub0(v->v[PM_M_TOTAL], v->v[PM_M_FREE]);
	uint64_t app = sum_present(v, app_parts, PM_ARRAY_LEN(app_parts), &any);
	uint64_t kernel = sum_present(v, kernel_parts, PM_ARRAY_LEN(kernel_parts), &any);
	pm_set(v, PM_M_USAGE, used);
	pm_set(v, PM_M_APP, app);
	pm_set(v, PM_M_KERNEL, kernel);
	pm_set(v, PM_M_UNACCOUNTED, sub0(used, pm_add_sat(app, kernel)));
}
