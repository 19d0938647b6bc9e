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

/* the hugetlb controller's files, by the kernel's page sizes */
static const struct pm_huge_sizes x86 = {2, {"2MB", "1GB"}};

static const struct pm_file_desc *file(const struct pm_layout *l, const char *name)
{
	const struct pm_file_desc *f = pm_layout_file(l, name);
	ck_assert_msg(f != NULL, "no %s in the layout", name);
	return f;
}

START_TEST(hugetlb_layouts)
{
	static struct pm_layout l;
	/* v1 with no hugetlb hierarchy: none of its files */
	ck_assert_int_eq(pm_layout_build(&l, 1), 0);
	unsigned base = l.n_files;
	ck_assert(!pm_layout_file(&l, "hugetlb.2MB.usage_in_bytes"));
	ck_assert_int_eq(pm_layout_hugetlb(&l, &x86, -1), 0);
	ck_assert_uint_eq(l.n_files, base);
	ck_assert_int_eq(l.apart_fd, -1);
	/* v1 with it: usage, limit and failures of each size, in the other hierarchy */
	ck_assert_int_eq(pm_layout_hugetlb(&l, &x86, 7), 0);
	ck_assert_int_eq(l.apart_fd, 7);
	ck_assert_uint_eq(l.n_files, base + 6);
	const struct pm_file_desc *f = file(&l, "hugetlb.2MB.usage_in_bytes");
	ck_assert(f->kind == PM_FK_SINGLE && f->apart && f->metric == PM_M_HUGETLB_2MB && f->sum == PM_M_HUGETLB);
	f = file(&l, "hugetlb.1GB.limit_in_bytes");
	ck_assert(f->apart && f->metric == PM_M_HUGETLB_1GB_LIMIT && f->sum == PM_M_HUGETLB_LIMIT);
	f = file(&l, "hugetlb.2MB.failcnt");
	ck_assert(f->apart && f->metric == -1 && f->sum == PM_M_HUGETLB_EVENTS_MAX);
	ck_assert(!file(&l, "memory.stat")->apart);
	ck_assert_int_eq(pm_keytab_find(&file(&l, "memory.stat")->keys, "hugetlb", 7), -1);
	/* v2, arm64's four sizes: in the cgroup's own directory; sizes the
	 * catalogue has no line of are summed all the same */
	static const struct pm_huge_sizes arm = {4, {"64KB", "2MB", "32MB", "1GB"}};
	ck_assert_int_eq(pm_layout_build(&l, 2), 0);
	base = l.n_files;
	ck_assert_int_eq(pm_layout_hugetlb(&l, &arm, 7), 0);
	ck_assert_int_eq(l.apart_fd, -1);
	ck_assert_uint_eq(l.n_files, base + 12);
	f = file(&l, "hugetlb.64KB.current");
	ck_assert(!f->apart && f->metric == -1 && f->sum == PM_M_HUGETLB);
	f = file(&l, "hugetlb.2MB.max");
	ck_assert(f->metric == PM_M_HUGETLB_2MB_LIMIT && f->sum == PM_M_HUGETLB_LIMIT);
	f = file(&l, "hugetlb.32MB.events");
	ck_assert(f->kind == PM_FK_KV && f->keys.add);
	ck_assert_int_eq(pm_keytab_find(&f->keys, "max", 3), PM_M_HUGETLB_EVENTS_MAX);
	/* memory.stat's hugetlb (memory_hugetlb_accounting), and the older kernels' keys */
	const struct pm_keytab *st = &file(&l, "memory.stat")->keys;
	ck_assert(!st->add);
	ck_assert_int_eq(pm_keytab_find(st, "hugetlb", 7), PM_M_HUGETLB);
	ck_assert_int_eq(pm_keytab_find(st, "workingset_activate", 19), PM_M_WORKINGSET_ACTIVATE_FILE);
	ck_assert_int_eq(pm_keytab_find(st, "workingset_restore", 18), PM_M_WORKINGSET_RESTORE_FILE);
	ck_assert_int_eq(pm_keytab_find(st, "workingset_activate_anon", 24), PM_M_WORKINGSET_ACTIVATE_ANON);
	/* as many sizes as a layout takes fit in it */
	static const struct pm_huge_sizes six = {PM_HUGE_SIZES, {"64KB", "2MB", "32MB", "512MB", "1GB", "16GB"}};
	for (int v = 1; v <= 2; v++) {
		ck_assert_int_eq(pm_layout_build(&l, v), 0);
		ck_assert_int_eq(pm_layout_hugetlb(&l, &six, 3), 0);
		ck_assert_uint_le(l.n_files, PM_MAX_FILES);
	}
	/* the node's files beside meminfo */
	ck_assert_int_eq(pm_node_layout(&l), 0);
	ck_assert_uint_eq(l.n_files, 1);
	f = file(&l, "pressure/memory");
	ck_assert_int_eq(pm_keytab_find(&f->keys, "some", 4), PM_M_PRESSURE_SOME);
	ck_assert_int_eq(pm_keytab_find(&f->keys, "full", 4), PM_M_PRESSURE_FULL);
	struct pm_keytab mi;
	ck_assert_int_eq(pm_meminfo_keys(&mi), 0);
	ck_assert_int_eq(pm_keytab_find(&mi, "pressure/memory:some", 20), -1);
	ck_assert_int_eq(pm_keytab_find(&mi, "some", 4), -1);
}
END_TEST

START_TEST(derive_reserved_and_sums)
{
	struct pm_values n = {0};
	pm_set(&n, PM_M_TOTAL, 24683584ull << 10);
	pm_set(&n, PM_M_FREE, 1ull << 30);
	pm_derive_node(&n);
	ck_assert(!pm_has(&n, PM_M_RESERVED)); /* physical RAM unknown */
	pm_set(&n, PM_M_PHYSICAL, 192ull << 27);
	pm_derive_node(&n);
	ck_assert_uint_eq(n.v[PM_M_RESERVED], (192ull << 27) - (24683584ull << 10));
	pm_set(&n, PM_M_PHYSICAL, 1ull << 30); /* below MemTotal (a broken sysfs copy): none, not a wrap */
	pm_derive_node(&n);
	ck_assert_uint_eq(n.v[PM_M_RESERVED], 0);
	/* the sums are laid over memory.stat's after the remainder was worked
	 * out; a summed limit that reached the unlimited is none */
	struct pm_values v = {0}, sums = {0};
	pm_set(&v, PM_M_USAGE, 1000);
	pm_set(&v, PM_M_ANON, 300);
	pm_set(&v, PM_M_FILE, 400);
	pm_set(&v, PM_M_HUGETLB, 200); /* memory.stat's: in memory.current */
	pm_set(&sums, PM_M_HUGETLB, 201);
	pm_set(&sums, PM_M_HUGETLB_LIMIT, UINT64_MAX);
	pm_set(&sums, PM_M_HUGETLB_EVENTS_MAX, 5);
	pm_derive_cgroup(&v, 2);
	pm_derive_sums(&v, &sums);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 100);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB], 201);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_EVENTS_MAX], 5);
	ck_assert(!pm_has(&v, PM_M_HUGETLB_LIMIT));
	pm_set(&sums, PM_M_HUGETLB_LIMIT, 0);
	pm_derive_sums(&v, &sums);
	ck_assert(pm_has(&v, PM_M_HUGETLB_LIMIT) && v.v[PM_M_HUGETLB_LIMIT] == 0);
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

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* reads the cgroup PATH of L both ways, by path and by kept fds (all of its
 * WANT_FDS files, and each number fewer): the same values */
static struct pm_values read_both(const struct pm_layout *l, int atfd, const char *path, unsigned want_fds)
{
	struct pm_cg cg;
	struct pm_values v, w;
	char buf[4096];
	pm_cg_init(&cg);
	ck_assert_int_ge(pm_cg_read(l, &cg, atfd, path, buf, sizeof buf, &v), 0);
	for (unsigned max = 1; max <= want_fds + 1; max++) {
		unsigned kept = 0;
		pm_cg_init(&cg);
		ck_assert_int_eq(pm_cg_keep(l, atfd, path, &cg, max, false, &kept), 0);
		ck_assert_uint_eq(kept, max < want_fds ? max : want_fds);
		ck_assert_uint_eq(pm_cg_fds(&cg), kept);
		ck_assert(max > want_fds ? cg.all : max < want_fds ? !cg.all : true);
		ck_assert_int_ge(pm_cg_read(l, &cg, atfd, path, buf, sizeof buf, &w), 0);
		ck_assert_msg(!memcmp(&v, &w, sizeof v), "%s: %u of %u files kept: other values", path, kept, want_fds);
		/* and the rest kept later */
		ck_assert_int_eq(pm_cg_keep(l, atfd, path, &cg, 100, false, &kept), 0);
		ck_assert_uint_eq(kept, want_fds);
		ck_assert(cg.all);
		ck_assert_int_ge(pm_cg_read(l, &cg, atfd, path, buf, sizeof buf, &w), 0);
		ck_assert(!memcmp(&v, &w, sizeof v));
		pm_cg_close(&cg);
	}
	return v;
}

/* v2: the hugetlb files of each size summed into hugetlb, its limit (none
 * when one size has none) and failures; memory.stat's hugetlb counted once */
START_TEST(hugetlb_read_v2)
{
	char dir[] = "/tmp/podmem-unit-hugetlb.XXXXXX";
	static struct pm_layout l;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(pm_layout_build(&l, 2), 0);
	ck_assert_int_eq(pm_layout_hugetlb(&l, &x86, -1), 0);
	put(dir, "memory.current", "1000\n");
	put(dir, "memory.stat", "anon 300\nfile 400\nkernel 100\nsock 0\ninactive_file 10\n");
	put(dir, "hugetlb.2MB.current", "4194304\n");
	put(dir, "hugetlb.2MB.max", "8388608\n");
	put(dir, "hugetlb.2MB.events", "max 3\n");
	put(dir, "hugetlb.1GB.current", "1073741824\n");
	put(dir, "hugetlb.1GB.max", "max\n");
	put(dir, "hugetlb.1GB.events", "max 1\n");
	struct pm_values v = read_both(&l, AT_FDCWD, dir, 2 + 6);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB], 4194304 + 1073741824ull);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_2MB], 4194304);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_1GB], 1073741824);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_2MB_LIMIT], 8388608);
	ck_assert(!pm_has(&v, PM_M_HUGETLB_1GB_LIMIT));
	ck_assert(!pm_has(&v, PM_M_HUGETLB_LIMIT)); /* 1 GiB pages unlimited: so are huge pages */
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_EVENTS_MAX], 4);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 200); /* memory.current does not count them */
	/* kubelet's 0 for a size not requested: a limit, and the sum of both */
	put(dir, "hugetlb.1GB.max", "0\n");
	v = read_both(&l, AT_FDCWD, dir, 2 + 6);
	ck_assert(pm_has(&v, PM_M_HUGETLB_1GB_LIMIT) && v.v[PM_M_HUGETLB_1GB_LIMIT] == 0);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_LIMIT], 8388608);
	/* memory_hugetlb_accounting: memory.current counts them, and
	 * memory.stat says how much: taken out of the remainder once
	 * (read a moment after the controller's files: a page less) */
	put(dir, "memory.current", "1077933032\n"); /* 1000 + memory.stat's hugetlb */
	put(dir, "memory.stat", "anon 300\nfile 400\nkernel 100\nsock 0\ninactive_file 10\nhugetlb 1077932032\n");
	v = read_both(&l, AT_FDCWD, dir, 2 + 6);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 200);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB], 4194304 + 1073741824ull); /* the controller's */
	/* no hugetlb controller here: memory.stat's hugetlb, and nothing by size */
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm '%s'/hugetlb.*", dir);
	ck_assert_int_eq(system(cmd), 0);
	v = read_both(&l, AT_FDCWD, dir, 2);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB], 1077932032);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 200);
	ck_assert(!pm_has(&v, PM_M_HUGETLB_2MB) && !pm_has(&v, PM_M_HUGETLB_LIMIT) && !pm_has(&v, PM_M_HUGETLB_EVENTS_MAX));
	rm_rf(dir);
}
END_TEST

/* v1: the same files of the hugetlb hierarchy, at the memory cgroup's path */
START_TEST(hugetlb_read_v1)
{
	char dir[] = "/tmp/podmem-unit-hugetlb.XXXXXX", path[600];
	static struct pm_layout l;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "mkdir -p '%s'/memory/pod/ctr '%s'/memory/other '%s'/hugetlb/pod/ctr", dir, dir, dir);
	ck_assert_int_eq(system(path), 0);
	snprintf(path, sizeof path, "%s/memory", dir);
	int mfd = open(path, O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "%s/hugetlb", dir);
	int hfd = open(path, O_RDONLY | O_DIRECTORY);
	ck_assert(mfd >= 0 && hfd >= 0);
	ck_assert_int_eq(pm_layout_build(&l, 1), 0);
	ck_assert_int_eq(pm_layout_hugetlb(&l, &x86, hfd), 0);
	snprintf(path, sizeof path, "%s/memory/pod/ctr", dir);
	put(path, "memory.usage_in_bytes", "1000\n");
	put(path, "memory.stat", "total_rss 300\ntotal_cache 400\ntotal_inactive_file 10\n");
	snprintf(path, sizeof path, "%s/hugetlb/pod/ctr", dir);
	put(path, "hugetlb.2MB.usage_in_bytes", "6291456\n");
	put(path, "hugetlb.2MB.limit_in_bytes", "9223372036852678656\n"); /* PAGE_COUNTER_MAX, in whole 2 MiB pages */
	put(path, "hugetlb.2MB.failcnt", "2\n");
	put(path, "hugetlb.1GB.usage_in_bytes", "0\n");
	put(path, "hugetlb.1GB.limit_in_bytes", "9223372035781033984\n");
	put(path, "hugetlb.1GB.failcnt", "5\n");
	struct pm_values v = read_both(&l, mfd, "pod/ctr", 2 + 6);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB], 6291456);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_2MB], 6291456);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_1GB], 0);
	ck_assert(!pm_has(&v, PM_M_HUGETLB_LIMIT) && !pm_has(&v, PM_M_HUGETLB_2MB_LIMIT) && !pm_has(&v, PM_M_HUGETLB_1GB_LIMIT));
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_EVENTS_MAX], 7);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], 300); /* v1 usage never counts them */
	put(path, "hugetlb.2MB.limit_in_bytes", "16777216\n");
	put(path, "hugetlb.1GB.limit_in_bytes", "0\n");
	v = read_both(&l, mfd, "pod/ctr", 2 + 6);
	ck_assert_uint_eq(v.v[PM_M_HUGETLB_LIMIT], 16777216);
	/* a memory cgroup the hugetlb hierarchy does not have: no hugetlb, and not gone */
	snprintf(path, sizeof path, "%s/memory/other", dir);
	put(path, "memory.usage_in_bytes", "1000\n");
	v = read_both(&l, mfd, "other", 1);
	ck_assert_uint_eq(v.v[PM_M_USAGE], 1000);
	ck_assert(!pm_has(&v, PM_M_HUGETLB));
	close(mfd);
	close(hfd);
	rm_rf(dir);
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
	tcase_add_test(tc, hugetlb_layouts);
	tcase_add_test(tc, derive_reserved_and_sums);
	tcase_add_test(tc, hugetlb_read_v2);
	tcase_add_test(tc, hugetlb_read_v1);
	suite_add_tcase(s, tc);
	return s;
}
