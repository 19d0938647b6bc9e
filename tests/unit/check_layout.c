/* The catalogue, the layouts built from it, and the derived metrics. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pm_cg.h"

static bool has_file(const struct pm_layout *l, const char *name, enum pm_file_kind kind)
{
	for (unsigned i = 0; i < l->n_files; i++)
		if (!strcmp(l->files[i].name, name))
			return l->files[i].kind == kind;
	return false;
}

START_TEST(catalogue_is_sane)
{
	for (int m = 0; m < PM_M__COUNT; m++) {
		const struct pm_metric_info *i = &pm_metrics[m];
		ck_assert_msg(i->name && *i->name && i->help && *i->help, "metric %d lacks a name or help", m);
		ck_assert_int_eq(pm_metric_by_name(i->name), m); /* names are unique */
		ck_assert(i->levels != 0);
		/* lower-case words, and page sizes as the kernel writes them ("hugetlb_2MB") */
		ck_assert_msg(i->name[0] >= 'a' && i->name[0] <= 'z', "metric name %s", i->name);
		for (const char *p = i->name; *p; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9') ||
					      (*p >= 'A' && *p <= 'Z' && ((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'A' && p[-1] <= 'Z'))),
				      "metric name %s", i->name);
	}
	ck_assert_int_eq(pm_metric_by_name("nosuch"), -1);
}
END_TEST

START_TEST(layouts)
{
	static struct pm_layout l;
	ck_assert_int_eq(pm_layout_build(&l, 1), 0);
	ck_assert(has_file(&l, "memory.stat", PM_FK_KV));
	ck_assert(has_file(&l, "memory.usage_in_bytes", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.limit_in_bytes", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.max_usage_in_bytes", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.kmem.usage_in_bytes", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.kmem.tcp.usage_in_bytes", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.oom_control", PM_FK_KV));
	ck_assert(has_file(&l, "memory.failcnt", PM_FK_SINGLE));
	ck_assert(!has_file(&l, "memory.current", PM_FK_SINGLE));
	ck_assert(!has_file(&l, "memory.pressure", PM_FK_KV));
	ck_assert_int_eq(pm_layout_build(&l, 2), 0);
	ck_assert(has_file(&l, "memory.stat", PM_FK_KV));
	ck_assert(has_file(&l, "memory.current", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.max", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.high", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.peak", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.events", PM_FK_KV));
	ck_assert(has_file(&l, "memory.pressure", PM_FK_KV));
	ck_assert(has_file(&l, "memory.swap.current", PM_FK_SINGLE));
	ck_assert(has_file(&l, "memory.swap.max", PM_FK_SINGLE));
	ck_assert(!has_file(&l, "memory.usage_in_bytes", PM_FK_SINGLE));
}
END_TEST

static struct pm_values vals(const enum pm_metric *ms, const uint64_t *xs, size_t n)
{
	struct pm_values v = {0};
	for (size_t i = 0; i < n; i++)
		pm_set(&v, ms[i], xs[i]);
	return v;
}

START_TEST(derive_v1)
{
	enum pm_metric ms[] = {PM_M_USAGE, PM_M_LIMIT, PM_M_ANON, PM_M_FILE, PM_M_KERNEL, PM_M_ACTIVE_ANON,
			       PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_SOCK};
	uint64_t xs[] = {1000, 9223372036854771712ull, 300, 500, 100, 50, 260, 200, 290, 7};
	struct pm_values v = vals(ms, xs, 10);
	pm_derive_cgroup(&v, 1);
	ck_assert(!pm_has(&v, PM_M_LIMIT)); /* PAGE_COUNTER_MAX: unlimited */
	ck_assert_uint_eq(v.v[PM_M_WORKING_SET], 50 + 260 + 200);
	ck_assert_uint_eq(v.v[PM_M_WORKING_SET_KUBELET], 1000 - 290);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 1000 - 300 - 500 - 100); /* v1: sock is not in usage */
	ck_assert_uint_eq(v.v[PM_M_KERNEL], 100);
}
END_TEST

START_TEST(derive_v2)
{
	enum pm_metric ms[] = {PM_M_USAGE, PM_M_LIMIT, PM_M_ANON, PM_M_FILE, PM_M_SLAB, PM_M_KERNEL_STACK, PM_M_PAGETABLES,
			       PM_M_PERCPU, PM_M_VMALLOC, PM_M_SOCK, PM_M_INACTIVE_FILE, PM_M_HIGH};
	uint64_t xs[] = {1000, 4096, 300, 400, 40, 8, 6, 1, 2, 10, 2000, (uint64_t)1 << 62};
	struct pm_values v = vals(ms, xs, 12);
	pm_derive_cgroup(&v, 2);
	ck_assert_uint_eq(v.v[PM_M_LIMIT], 4096);
	ck_assert(!pm_has(&v, PM_M_HIGH));
	ck_assert_uint_eq(v.v[PM_M_KERNEL], 40 + 8 + 6 + 1 + 2); /* no kernel key: the sum of its parts */
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 1000 - 300 - 400 - 57 - 10);
	ck_assert_uint_eq(v.v[PM_M_WORKING_SET_KUBELET], 0); /* clamped */
	ck_assert(!pm_has(&v, PM_M_WORKING_SET)); /* its parts are unknown */
	/* the kernel's own total wins over the sum */
	struct pm_values w = vals(ms, xs, 12);
	pm_set(&w, PM_M_KERNEL, 99);
	pm_derive_cgroup(&w, 2);
	ck_assert_uint_eq(w.v[PM_M_KERNEL], 99);
	/* usage below the categories: unaccounted is 0, not a wrapped huge number */
	struct pm_values u = {0};
	pm_set(&u, PM_M_USAGE, 10);
	pm_set(&u, PM_M_ANON, 20);
	pm_set(&u, PM_M_FILE, 0);
	pm_derive_cgroup(&u, 2);
	ck_assert_uint_eq(u.v[PM_M_UNACCOUNTED], 0);
}
END_TEST

/* hostile values: nothing wraps, an unknown part leaves its sum unknown */
START_TEST(derive_hostile)
{
	/* inactive_file unknown (an empty memory.stat): no kubelet working set, not usage itself */
	struct pm_values v = {0};
	pm_set(&v, PM_M_USAGE, 1000);
	pm_derive_cgroup(&v, 1);
	ck_assert(!pm_has(&v, PM_M_WORKING_SET_KUBELET));
	ck_assert(!pm_has(&v, PM_M_WORKING_SET));
	/* 2^63 each: the sums saturate instead of wrapping to a small number */
	enum pm_metric ms[] = {PM_M_USAGE, PM_M_ACTIVE_ANON, PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE,
			       PM_M_SLAB_RECLAIMABLE, PM_M_SLAB_UNRECLAIMABLE, PM_M_ANON, PM_M_FILE};
	uint64_t big = (uint64_t)1 << 63;
	uint64_t xs[] = {5, big, big, 7, 1, big, big, big, big};
	struct pm_values w = vals(ms, xs, 9);
	pm_derive_cgroup(&w, 2);
	ck_assert_uint_eq(w.v[PM_M_WORKING_SET], UINT64_MAX);
	ck_assert_uint_eq(w.v[PM_M_SLAB], UINT64_MAX);
	ck_assert_uint_eq(w.v[PM_M_KERNEL], UINT64_MAX);
	ck_assert_uint_eq(w.v[PM_M_UNACCOUNTED], 0);
	/* the node: app + kernel past 2^64 leaves nothing unaccounted, not a wrapped remainder */
	enum pm_metric ns[] = {PM_M_TOTAL, PM_M_FREE, PM_M_ANON, PM_M_SLAB};
	uint64_t nx[] = {1000, 10, big, big};
	struct pm_values n = vals(ns, nx, 4);
	pm_derive_node(&n);
	ck_assert_uint_eq(n.v[PM_M_UNACCOUNTED], 0);
}
END_TEST

/* " kB" is multiplied out in /proc/meminfo only: in memory.stat it makes the line malformed */
START_TEST(kb_only_in_meminfo)
{
	struct pm_layout l;
	struct pm_keytab mi;
	ck_assert_int_eq(pm_layout_build(&l, 1), 0);
	ck_assert_int_eq(pm_meminfo_keys(&mi), 0);
	const struct pm_keytab *stat = NULL;
	for (unsigned i = 0; i < l.n_files; i++)
		if (!strcmp(l.files[i].name, "memory.stat"))
			stat = &l.files[i].keys;
	ck_assert_ptr_nonnull(stat);
	struct pm_values v = {0}, m = {0};
	const char st[] = "total_rss 12 kB\ntotal_cache 5\n", me[] = "MemTotal:  12 kB\n";
	pm_parse_kv(st, sizeof st - 1, stat, &v);
	ck_assert(!pm_has(&v, PM_M_ANON));
	ck_assert_uint_eq(v.v[PM_M_FILE], 5);
	pm_parse_kv(me, sizeof me - 1, &mi, &m);
	ck_assert_uint_eq(m.v[PM_M_TOTAL], 12 * 1024);
}
END_TEST

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* a v1 limit of -1 (what one writes to lift it) is no limit, not a limit of 0; a negative usage is 0 */
START_TEST(negative_limit_is_unlimited)
{
	char dir[] = "/tmp/podmem-unit-limit.XXXXXX";
	struct pm_layout l;
	struct pm_cg cg;
	struct pm_values v;
	char buf[4096];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(pm_layout_build(&l, 1), 0);
	put(dir, "memory.usage_in_bytes", "-5\n");
	put(dir, "memory.limit_in_bytes", "-1\n");
	put(dir, "memory.stat", "total_inactive_file 0\n");
	pm_cg_init(&cg);
	ck_assert_int_ge(pm_cg_read(&l, &cg, AT_FDCWD, dir, buf, sizeof buf, &v), 0);
	ck_assert(!pm_has(&v, PM_M_LIMIT));
	ck_assert(pm_has(&v, PM_M_USAGE));
	ck_assert_uint_eq(v.v[PM_M_USAGE], 0);
	put(dir, "memory.limit_in_bytes", "4096\n");
	ck_assert_int_ge(pm_cg_read(&l, &cg, AT_FDCWD, dir, buf, sizeof buf, &v), 0);
	ck_assert_uint_eq(v.v[PM_M_LIMIT], 4096);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *suite_layout(void)
{
	Suite *s = suite_create("layout");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, catalogue_is_sane);
	tcase_add_test(tc, layouts);
	tcase_add_test(tc, derive_v1);
	tcase_add_test(tc, derive_v2);
	tcase_add_test(tc, derive_hostile);
	tcase_add_test(tc, kb_only_in_meminfo);
	tcase_add_test(tc, negative_limit_is_unlimited);
	suite_add_tcase(s, tc);
	return s;
}
