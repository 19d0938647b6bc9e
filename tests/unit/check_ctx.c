/* The context on fixture trees: open errors, values, names, vanishing
 * cgroups, new pods, and a steady-state sample that allocates nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "check.h"

/* from the sanitizer runtime (the unit runner is always built with ASan) */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

struct logbuf {
	int lines, worst;
	char last[512];
};

static void capture(void *ud, int level, const char *fmt, va_list ap)
{
	struct logbuf *lb = ud;
	lb->lines++;
	if (!lb->worst || level < lb->worst)
		lb->worst = level;
	vsnprintf(lb->last, sizeof lb->last, fmt, ap);
}

static char paths[4][512];

static struct pm_opts fixture_opts(const char *dir, struct logbuf *lb)
{
	struct pm_opts o = PM_OPTS_INIT;
	snprintf(paths[0], sizeof paths[0], "%s/cgroup", dir);
	snprintf(paths[1], sizeof paths[1], "%s/proc", dir);
	snprintf(paths[2], sizeof paths[2], "%s/log/pods", dir);
	snprintf(paths[3], sizeof paths[3], "%s/log/containers", dir);
	o.cgroup_root = paths[0];
	o.proc_root = paths[1];
	o.pod_log_dir = paths[2];
	o.container_log_dir = paths[3];
	o.log = capture;
	o.log_ud = lb;
	o.rescan_every = 1000;
	return o;
}

static const struct pm_pod *find_pod(const struct pm_snapshot *s, const char *name)
{
	for (size_t i = 0; i < s->n_pods; i++)
		if (!strcmp(s->pods[i].ident.name, name))
			return &s->pods[i];
	return NULL;
}

static const struct pm_container *find_ctr(const struct pm_pod *p, const char *name)
{
	for (size_t i = 0; p && i < p->n_containers; i++)
		if (!strcmp(p->containers[i].ident.name, name))
			return &p->containers[i];
	return NULL;
}

static void sh(const char *fmt, const char *arg)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, fmt, arg);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(open_errors)
{
	struct logbuf lb = {0};
	struct pm_opts o = {.cgroup_root = "/nonexistent/podmem", .log = capture, .log_ud = &lb};
	struct pm_ctx *ctx = NULL;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), -ENOENT);
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_int_eq(lb.worst, LOG_ERR);
	ck_assert_ptr_nonnull(strstr(lb.last, "/nonexistent/podmem"));

	lb = (struct logbuf){0};
	o.cgroup_root = "/etc/hostname";
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), -ENOTDIR);
	ck_assert_int_eq(lb.lines, 1);

	char empty[] = "/tmp/podmem-unit-empty.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(empty));
	sh("cd %s && mkdir -p a/b && touch a/b/memory.nothing", empty);
	lb = (struct logbuf){0};
	o.cgroup_root = empty;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), -EINVAL);
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_ptr_nonnull(strstr(lb.last, "no memory cgroup files"));
	sh("rm -rf %s", empty);
	ck_assert_ptr_null(ctx);
}
END_TEST

/* per mktree.sh: container number c has anon = c * 768 pages, usage = anon + file + kernel (+ sock on v2) + c * 5 pages */
#define PG 4096ull

static void check_fixture(int version, const char *args)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make(args);
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_ctx_version(ctx), version);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert(s.kubernetes);
	ck_assert_int_eq(s.cgroup_version, version);
	ck_assert_uint_eq(s.n_pods, 3);
	const struct pm_pod *web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_str_eq(web->ident.namespace_, "default");
	ck_assert_str_eq(web->ident.uid, "2a3b4c5d-6e7f-4081-9293-0000000000b2");
	ck_assert_int_eq(web->ident.qos, PM_QOS_BURSTABLE);
	ck_assert_uint_eq(web->n_containers, 3);
	const struct pm_container *app = find_ctr(web, "app"), *sandbox = find_ctr(web, "POD");
	ck_assert_ptr_nonnull(app);
	ck_assert_ptr_nonnull(sandbox);
	ck_assert(sandbox->ident.sandbox && !app->ident.sandbox);
	/* app is container number 4: coredns' pod holds 1 and 2, web-0's sandbox 3 */
	uint64_t c = 4, anon = c * 768 * PG, file = c * 1216 * PG;
	ck_assert_uint_eq(app->val.v[PM_M_ANON], anon);
	ck_assert_uint_eq(app->val.v[PM_M_FILE], file);
	ck_assert_uint_eq(app->val.v[PM_M_SHMEM], c * 64 * PG);
	ck_assert_uint_eq(app->val.v[PM_M_LIMIT], 256ull << 20);
	ck_assert(!pm_has(&sandbox->val, PM_M_LIMIT));
	ck_assert_uint_eq(app->val.v[PM_M_WORKING_SET], (256 + 576 + 128) * c * PG);
	ck_assert_uint_eq(app->val.v[PM_M_WORKING_SET_KUBELET], app->val.v[PM_M_USAGE] - c * 1024 * PG);
	ck_assert_uint_eq(app->val.v[PM_M_UNACCOUNTED], c * 5 * PG);
	ck_assert_uint_eq(app->val.v[PM_M_EVENTS_OOM_KILL], 0);
	ck_assert_uint_eq(app->val.v[PM_M_PGFAULT], c * 1000);
	ck_assert(pm_has(&app->val, PM_M_PRESSURE_SOME) == (version == 2));
	ck_assert(pm_has(&app->val, PM_M_SLAB) == (version == 2));
	/* the pod holds its containers plus a dead container's 100 pages of cache */
	uint64_t sum = 0;
	for (size_t i = 0; i < web->n_containers; i++)
		sum += web->containers[i].val.v[PM_M_FILE];
	ck_assert_uint_eq(web->val.v[PM_M_FILE], sum + 100 * PG);
	ck_assert(s.node_ok);
	ck_assert_uint_eq(s.node.v[PM_M_TOTAL], 24568836ull * 1024);
	ck_assert_int_eq(lb.lines, 0);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}

START_TEST(fixture_v1_cgroupfs)
{
	check_fixture(1, "--version 1 --driver cgroupfs --runtime containerd");
}
END_TEST

START_TEST(fixture_v2_systemd)
{
	check_fixture(2, "--version 2 --driver systemd --runtime crio --prefix kubelet.slice");
}
END_TEST

/* a cgroup removed between discovery and read is dropped silently; a new pod is found at the next sample */
START_TEST(vanish_and_appear)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1 --driver systemd --runtime containerd");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	char cmd[1024];

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	snprintf(cmd, sizeof cmd,
		 "rm -rf %s/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod2a3b4c5d_6e7f_4081_9293_0000000000b2.slice/*",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	const struct pm_pod *web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->n_containers, 0);
	ck_assert_uint_eq(s.n_pods, 3);
	snprintf(cmd, sizeof cmd, "rm -rf %s/cgroup/kubepods.slice/kubepods-besteffort.slice/*pod3c4d*", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 2);
	ck_assert_ptr_null(find_pod(&s, "job-7f9c"));
	/* a pod appears: found without waiting for the periodic rescan */
	snprintf(cmd, sizeof cmd,
		 "cp -r %s/cgroup/kubepods.slice/kubepods-pod1f2e3d4c_5b6a_4789_8abc_0000000000a1.slice "
		 "%s/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod99999999_0000_4000_8000_000000000001.slice",
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 3);
	const struct pm_pod *p = find_pod(&s, "99999999-0000-4000-8000-000000000001"); /* no log entry: the UID */
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->ident.namespace_, "");
	ck_assert_int_eq(p->ident.qos, PM_QOS_BESTEFFORT);
	ck_assert_uint_eq(p->n_containers, 2);
	ck_assert_int_eq(lb.lines, 0); /* silently */
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

static size_t allocations;
static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	allocations++;
}
static void on_free(const volatile void *p)
{
	(void)p;
}

START_TEST(steady_state_allocates_nothing)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2 --driver cgroupfs --runtime docker --hostile");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
	allocations = 0;
	int failed = 0; /* no ck_assert in the loop: Check itself allocates for each */
	for (int i = 0; i < 5; i++)
		failed += pm_sample(ctx, &s) != 0;
	size_t n = allocations;
	__sanitizer_install_malloc_and_free_hooks(NULL, NULL);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(s.n_pods, 4);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* the root may be a kubepods directory itself, or hold no kubepods at all */
START_TEST(roots)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1 --driver cgroupfs --runtime crio");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	char root[600];

	snprintf(root, sizeof root, "%s/cgroup/kubepods/", dir);
	o.cgroup_root = root;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert(s.kubernetes);
	ck_assert_uint_eq(s.n_pods, 3);
	pm_ctx_close(ctx);
	/* a QoS class directory: its pods, with their class */
	snprintf(root, sizeof root, "%s/cgroup/kubepods/burstable", dir);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert(s.kubernetes);
	ck_assert_uint_eq(s.n_pods, 1);
	ck_assert_str_eq(s.pods[0].ident.name, "web-0");
	ck_assert_int_eq(s.pods[0].ident.qos, PM_QOS_BURSTABLE);
	ck_assert_uint_eq(s.pods[0].n_containers, 3);
	pm_ctx_close(ctx);
	fixture_remove(dir);

	dir = fixture_make("--version 2 --no-kube");
	o = fixture_opts(dir, &lb);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert(!s.kubernetes);
	ck_assert_uint_eq(s.n_pods, 4);
	const struct pm_pod *sys = find_pod(&s, "system.slice");
	ck_assert_ptr_nonnull(sys);
	ck_assert_int_eq(sys->ident.kind, PM_GROUP);
	ck_assert_uint_eq(sys->n_containers, 1);
	ck_assert_str_eq(sys->containers[0].ident.name, "ssh.service");
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

Suite *suite_ctx(void)
{
	Suite *s = suite_create("ctx");
	TCase *tc = tcase_create("ctx");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, fixture_v1_cgroupfs);
	tcase_add_test(tc, fixture_v2_systemd);
	tcase_add_test(tc, vanish_and_appear);
	tcase_add_test(tc, steady_state_allocates_nothing);
	tcase_add_test(tc, roots);
	suite_add_tcase(s, tc);
	return s;
}
