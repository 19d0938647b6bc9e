/* The context on fixture trees: open errors, values, names, vanishing
 * cgroups, new pods, a steady-state sample that allocates nothing, running
 * out of memory, and trouble listing the tree or reading names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <unistd.h>

#include "check.h"
#include "pm_ctx.h"


struct logbuf {
	int lines, worst;
	char last[512];
};

/* the warnings and errors (debug lines say where the node's numbers come from) */
static void capture(void *ud, int level, const char *fmt, va_list ap)
{
	struct logbuf *lb = ud;
	if (level >= LOG_DEBUG)
		return;
	lb->lines++;
	if (!lb->worst || level < lb->worst)
		lb->worst = level;
	vsnprintf(lb->last, sizeof lb->last, fmt, ap);
}

/* The unit runner is linked with -Wl,--wrap=realloc, so every realloc in
 * libpodmem (pm_grow: every array it grows) comes here; once armed, the
 * realloc numbered realloc_fail_from (from 0) and every one after fail. */
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
static long realloc_fail_from = -1, realloc_calls;

void *__wrap_realloc(void *p, size_t n)
{
	if (realloc_fail_from >= 0 && realloc_calls++ >= realloc_fail_from)
		return NULL;
	return __real_realloc(p, n);
}

static void realloc_arm(long from)
{
	realloc_calls = 0;
	realloc_fail_from = from;
}

static void realloc_disarm(void)
{
	realloc_fail_from = -1;
}

static char paths[5][512];

static struct pm_opts fixture_opts(const char *dir, struct logbuf *lb)
{
	struct pm_opts o = PM_OPTS_INIT;
	snprintf(paths[0], sizeof paths[0], "%s/cgroup", dir);
	snprintf(paths[1], sizeof paths[1], "%s/proc", dir);
	snprintf(paths[2], sizeof paths[2], "%s/log/pods", dir);
	snprintf(paths[3], sizeof paths[3], "%s/log/containers", dir);
	snprintf(paths[4], sizeof paths[4], "%s/sys", dir);
	o.cgroup_root = paths[0];
	o.sys_root = paths[4];
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

static size_t n_containers(const struct pm_snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_pods; i++)
		n += s->pods[i].n_containers;
	return n;
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

/* A pod, and then a container alone, removed and made again at the same
 * path between two samples (a static pod's UID is its manifest's, so its
 * cgroup comes back at the same path): the rescan reads the new directory's
 * files, not those of the removed one through the fds kept for it. */
START_TEST(made_again_same_path)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1 --driver cgroupfs --runtime containerd");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	char cmd[2048];

	o.rescan_every = 1; /* a rescan at every sample: the kept fds are what is tested */
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	const struct pm_pod *web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_ne(find_ctr(web, "app")->val.v[PM_M_USAGE], 12345);
	snprintf(cmd, sizeof cmd,
		 "cd %s/cgroup/kubepods/burstable && p=pod2a3b4c5d-6e7f-4081-9293-0000000000b2 && mv $p old && cp -r old $p && "
		 "echo 54321 >$p/memory.usage_in_bytes && for f in $p/*/memory.usage_in_bytes; do echo 12345 >$f; done && rm -rf old",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->val.v[PM_M_USAGE], 54321);
	ck_assert_uint_eq(web->n_containers, 3);
	for (size_t i = 0; i < web->n_containers; i++)
		ck_assert_uint_eq(web->containers[i].val.v[PM_M_USAGE], 12345);

	const struct pm_pod *job = find_pod(&s, "job-7f9c");
	ck_assert_ptr_nonnull(job);
	ck_assert_uint_eq(job->n_containers, 2);
	uint64_t other = 0;
	snprintf(cmd, sizeof cmd,
		 "cd %s/cgroup/kubepods/besteffort/pod3c4d5e6f-7081-4293-a4b5-0000000000c3 && c=$(ls -d */ | head -1) && "
		 "mv $c old && cp -r old $c && echo 777 >$c/memory.usage_in_bytes && rm -rf old",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	job = find_pod(&s, "job-7f9c");
	ck_assert_ptr_nonnull(job);
	ck_assert_uint_eq(job->n_containers, 2);
	unsigned n777 = 0;
	for (size_t i = 0; i < job->n_containers; i++) {
		n777 += job->containers[i].val.v[PM_M_USAGE] == 777;
		other = job->containers[i].val.v[PM_M_USAGE] != 777 ? job->containers[i].val.v[PM_M_USAGE] : other;
	}
	ck_assert_uint_eq(n777, 1);
	ck_assert_uint_ne(other, 0); /* the other container, not made again, still read */
	ck_assert_int_eq(lb.lines, 0);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* what a front end does with a sample: walk every entity, every metric of
 * its level and every label; the sum of what it saw (so nothing is skipped) */
static uint64_t walk_all(const struct pm_snapshot *s, size_t *entities)
{
	struct pm_walk w;
	struct pm_entity e;
	uint64_t sum = 0;
	for (pm_walk_init(&w, s); pm_walk_next(&w, &e); ++*entities) {
		for (int m = 0; m < PM_M__COUNT; m++)
			if (pm_metric_at((enum pm_metric)m, e.level) && pm_has(e.val, (enum pm_metric)m))
				sum += e.val->v[m];
		for (int l = 0; l < PM_L__COUNT; l++) {
			int num = 0;
			const char *v = (pm_labels[l].levels & PM_AT(e.level)) ? pm_label_value(&e, (enum pm_label)l, &num) : NULL;
			sum += v ? strlen(v) + (unsigned)num : 0;
		}
	}
	return sum;
}

/* NOFILE: the soft RLIMIT_NOFILE to sample under (0: as it is); nothing kept
 * under 32. A steady-state sample and the walk of it, as every front end
 * makes them, allocate nothing, on a multi-pod tree of ARGS. */
static void steady_state(const char *args, rlim_t nofile, size_t pods, size_t ctrs)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make(args);
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	struct rlimit saved, rl;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	rl = saved;
	if (nofile)
		rl.rlim_cur = nofile;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	size_t warm = 0;
	uint64_t before = walk_all(&s, &warm);
	alloc_count_start();
	int failed = 0; /* no ck_assert in the loop: Check itself allocates for each */
	size_t entities = 0;
	uint64_t seen = 0;
	for (int i = 0; i < 5; i++) {
		failed += pm_sample(ctx, &s) != 0;
		seen += walk_all(&s, &entities);
	}
	size_t n = alloc_count_stop();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	ck_assert_int_eq(failed, 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(s.n_pods, pods);
	ck_assert_uint_eq(n_containers(&s), ctrs);
	ck_assert_uint_eq(entities, 5 * warm); /* the node, every pod and container, each time */
	ck_assert_uint_eq(warm, 1 + pods + ctrs);
	ck_assert_uint_gt(before, 0);
	ck_assert_uint_gt(seen, 0);
	/* the hostile pod's log directory and its container's log link are not
	 * trusted (said once each); with NOFILE, kept fds for 0 of N cgroups */
	ck_assert_int_eq(lb.lines, (strstr(args, "--hostile") ? 2 : 0) + (nofile ? 1 : 0));
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}

START_TEST(steady_state_allocates_nothing)
{
	steady_state("--version 2 --driver cgroupfs --runtime docker --hostile", 0, 4, 9);
	steady_state("--version 2 --driver cgroupfs --runtime docker --hostile", 32, 4, 9); /* every cgroup read by path */
	steady_state("--version 1 --driver systemd --runtime containerd", 0, 3, 7);
	steady_state("--version 1 --driver systemd --runtime containerd", 32, 3, 7);
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

/* Out of memory at any point of a sample (a rescan at every sample, so the
 * scan, the name loader and the snapshot all allocate): -ENOMEM, this
 * sample's time, never a previous sample's pod, and the next sample whole. */
START_TEST(enomem_no_stale_pods)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1 --driver cgroupfs --runtime containerd");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	char cmd[1024];

	o.rescan_every = 1;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 3);
	ck_assert_uint_eq(n_containers(&s), 7);
	long k;
	for (k = 0;; k++) {
		for (size_t i = 0; i < s.n_pods; i++)
			strcpy(s.pods[i].ident.name, "STALE");
		s.time_ns = 0;
		realloc_arm(k);
		int r = pm_sample(ctx, &s);
		realloc_disarm();
		ck_assert_msg(r == 0 || r == -ENOMEM, "realloc %ld failing: %d", k, r);
		ck_assert_msg(s.time_ns != 0, "realloc %ld failing: the previous sample's time", k);
		ck_assert(s.node_ok);
		for (size_t i = 0; i < s.n_pods; i++)
			ck_assert_msg(strcmp(s.pods[i].ident.name, "STALE"), "realloc %ld failing: a stale pod", k);
		if (r == -ENOMEM) /* a failed rescan keeps the pods known: all are sampled */
			ck_assert_uint_eq(s.n_pods, 3);
		ck_assert_int_eq(pm_sample(ctx, &s), 0);
		ck_assert_uint_eq(s.n_pods, 3);
		ck_assert_uint_eq(n_containers(&s), 7);
		if (r == 0)
			break;
	}
	ck_assert_int_gt(k, 2); /* failures were met */

	/* the snapshot itself cannot grow: no pods, this sample's time and node */
	struct pm_snapshot fresh = {0};
	realloc_arm(0);
	int r = pm_sample(ctx, &fresh);
	realloc_disarm();
	ck_assert_int_eq(r, -ENOMEM);
	ck_assert_uint_eq(fresh.n_pods, 0);
	ck_assert(fresh.time_ns != 0 && fresh.node_ok);
	pm_snapshot_free(&fresh);

	/* more pods than the snapshot has room for: the old ones must not go out again */
	o.rescan_every = 1000;
	pm_ctx_close(ctx);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	snprintf(cmd, sizeof cmd,
		 "cd %s/cgroup/kubepods/besteffort && for i in $(seq 10 40); do "
		 "cp -r pod3c4d5e6f-7081-4293-a4b5-0000000000c3 pod3c4d5e6f-7081-4293-a4b5-0000000000$i; done",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	struct pm_snapshot scratch = {0}; /* takes the rescan, so that only S's growth fails below */
	ck_assert_int_eq(pm_sample(ctx, &scratch), 0);
	ck_assert_uint_eq(scratch.n_pods, 34);
	pm_snapshot_free(&scratch);
	for (size_t i = 0; i < s.n_pods; i++)
		strcpy(s.pods[i].ident.name, "STALE");
	s.time_ns = 0;
	realloc_arm(0);
	r = pm_sample(ctx, &s);
	realloc_disarm();
	ck_assert_int_eq(r, -ENOMEM);
	ck_assert(s.time_ns != 0);
	for (size_t i = 0; i < s.n_pods; i++)
		ck_assert_str_ne(s.pods[i].ident.name, "STALE");
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 34);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* unreadable log directories: said once, and the names read before stay */
START_TEST(names_unreadable)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2 --driver systemd --runtime containerd");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_ptr_nonnull(find_pod(&s, "web-0"));
	sh("cd %s/log && mv pods pods.away && touch pods", dir); /* ENOTDIR */
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pm_sample(ctx, &s), 0);
		ck_assert_ptr_nonnull(find_ctr(find_pod(&s, "web-0"), "app"));
	}
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_int_eq(lb.worst, LOG_WARNING);
	ck_assert_ptr_nonnull(strstr(lb.last, "log/pods"));
	ck_assert_ptr_nonnull(strstr(lb.last, "keeping the names"));
	/* a rescan too keeps them */
	sh("rm -rf %s/cgroup/kubepods.slice/kubepods-besteffort.slice/*pod3c4d*", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 2);
	ck_assert_ptr_nonnull(find_pod(&s, "web-0"));
	ck_assert_int_eq(lb.lines, 1);
	/* readable again: read again */
	sh("cd %s/log && rm pods && mv pods.away pods && mv pods/default_web-0_2a3b4c5d-6e7f-4081-9293-0000000000b2 "
	   "pods/default_renamed_2a3b4c5d-6e7f-4081-9293-0000000000b2", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_ptr_nonnull(find_pod(&s, "renamed"));
	ck_assert_int_eq(lb.lines, 1);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* the sandbox is guessed as the one container without a log link only when
 * it is not seen to run something else: with the pause cgroup gone and a
 * sidecar's link missing, the sidecar (its process visible) is not marked */
START_TEST(sandbox_guess_when_sure)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2 --driver cgroupfs");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	const struct pm_pod *web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(find_ctr(web, "POD"));
	ck_assert(find_ctr(web, "POD")->ident.sandbox);
	char sandbox_id[PM_ID_MAX];
	strcpy(sandbox_id, find_ctr(web, "POD")->ident.id);
	pm_ctx_close(ctx);
	/* the pause cgroup goes; the sidecar's link goes (its log directory stays) */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "cd %s && rm -rf cgroup/kubepods/burstable/pod2a3b4c5d-6e7f-4081-9293-0000000000b2/%s && "
		 "side=$(ls log/containers/web-0_default_sidecar-*.log) && id=${side##*-} && id=${id%%.log} && rm $side && "
		 "echo 4242 > cgroup/kubepods/burstable/pod2a3b4c5d-6e7f-4081-9293-0000000000b2/$id/cgroup.procs && "
		 "mkdir -p proc/4242 && echo envoy > proc/4242/comm", dir, sandbox_id);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->n_containers, 2);
	for (size_t i = 0; i < web->n_containers; i++)
		ck_assert_msg(!web->containers[i].ident.sandbox, "%s marked as the sandbox", web->containers[i].ident.name);
	ck_assert_ptr_null(find_ctr(web, "POD"));
	ck_assert_ptr_nonnull(find_ctr(web, "app"));
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* two log directories claiming one pod UID: neither wins (a tenant's
 * impostor must not take a pod's name); one pod UID in two cgroups: two
 * rows, the second by its cgroup path; each said once */
START_TEST(claimed_twice)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2 --driver cgroupfs");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	const char *uid = "2a3b4c5d-6e7f-4081-9293-0000000000b2";

	sh("mkdir %s/log/pods/evil_impostor_2a3b4c5d-6e7f-4081-9293-0000000000b2", dir);
	/* the same pod's cgroup again under another QoS class */
	sh("cd %s/cgroup/kubepods && cp -r burstable/pod2a3b4c5d-6e7f-4081-9293-0000000000b2 besteffort/", dir);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_ptr_null(find_pod(&s, "impostor"));
	ck_assert_ptr_null(find_pod(&s, "web-0"));
	const struct pm_pod *keeper = find_pod(&s, uid), *second = NULL;
	ck_assert_ptr_nonnull(keeper);
	ck_assert_str_eq(keeper->ident.uid, uid);
	ck_assert_str_eq(keeper->ident.cgroup, "kubepods/besteffort/pod2a3b4c5d-6e7f-4081-9293-0000000000b2");
	for (size_t i = 0; i < s.n_pods; i++)
		if (!strcmp(s.pods[i].ident.cgroup, "kubepods/burstable/pod2a3b4c5d-6e7f-4081-9293-0000000000b2"))
			second = &s.pods[i];
	ck_assert_ptr_nonnull(second);
	ck_assert_str_eq(second->ident.uid, "");
	ck_assert_str_eq(second->ident.name, second->ident.cgroup);
	ck_assert_uint_eq(second->n_containers, keeper->n_containers); /* each row its own containers, not both */
	ck_assert_int_eq(lb.lines, 2);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(lb.lines, 2);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* Log names that are not Kubernetes names (a '_' in a pod's name, an
 * uppercase container name) are not used: the pod is shown by its UID, the
 * container by its ID, the others keep their names; each bad entry is said
 * once, not at each sample nor at each reload of its directory. */
START_TEST(untrusted_names)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2 --driver cgroupfs");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	const char *uid = "2a3b4c5d-6e7f-4081-9293-0000000000b2";

	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "cd %s/log && mv pods/default_web-0_%s pods/default_web_0_%s && app=$(ls containers/web-0_default_app-*.log) "
		 "&& mv $app containers/web-0_default_App-${app##*_app-}",
		 dir, uid, uid);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 3);
	ck_assert_ptr_null(find_pod(&s, "web_0"));
	const struct pm_pod *web = find_pod(&s, uid);
	ck_assert_ptr_nonnull(web);
	ck_assert(!web->ident.named);
	ck_assert_str_eq(web->ident.namespace_, "");
	ck_assert_ptr_nonnull(find_pod(&s, "coredns-5d78c9869d-x7k2p"));
	ck_assert_ptr_null(find_ctr(web, "App"));
	ck_assert_ptr_null(find_ctr(web, "app"));
	size_t by_id = 0;
	for (size_t i = 0; i < web->n_containers; i++)
		by_id += !web->containers[i].ident.named && !strcmp(web->containers[i].ident.name, web->containers[i].ident.id);
	ck_assert_uint_ge(by_id, 1);
	ck_assert_int_eq(lb.lines, 2);
	ck_assert_int_eq(lb.worst, LOG_WARNING);
	ck_assert_msg(strstr(lb.last, "container log link 'web-0_default_App-") &&
			      strstr(lb.last, "is not trusted: its container name is not a DNS-1123 label") &&
			      strstr(lb.last, "its container is shown by its ID"),
		      "%s", lb.last);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(lb.lines, 2);
	/* the directories change (so they are read again): the bad entries are not said again, a new one is */
	sh("mkdir %s/log/pods/batch_other-pod_3c4d5e6f-7081-4293-a4b5-0000000000c9", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(lb.lines, 2);
	sh("mkdir '%s/log/pods/batch_job 2\n_3c4d5e6f-7081-4293-a4b5-0000000000ca'", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(lb.lines, 3);
	ck_assert_msg(strstr(lb.last, "pod log directory 'batch_job 2\\x0a_3c4d5e6f") &&
			      strstr(lb.last, "its pod name is not a DNS-1123 subdomain"),
		      "%s", lb.last);
	ck_assert_ptr_nonnull(find_pod(&s, uid));
	ck_assert_ptr_nonnull(find_pod(&s, "job-7f9c"));
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* the lowest free fd: a soft RLIMIT_NOFILE there lets no new fd open */
static rlim_t lowest_free_fd(void)
{
	int fd = dup(0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return (rlim_t)fd;
}

/* No directory can be opened while the tree is rescanned: the pods known
 * stay, with their containers, and that is said once. */
START_TEST(scan_cannot_list)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1 --driver systemd --runtime containerd");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	struct rlimit saved, tight;

	o.rescan_every = 1;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 3);
	ck_assert_uint_eq(n_containers(&s), 7);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	tight = saved;
	tight.rlim_cur = lowest_free_fd();
	int failed = 0;
	size_t pods[3], ctrs[3];
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &tight), 0);
	for (int i = 0; i < 3; i++) {
		failed += pm_sample(ctx, &s) != 0;
		pods[i] = s.n_pods;
		ctrs[i] = n_containers(&s);
	}
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	ck_assert_int_eq(failed, 0);
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(pods[i], 3);
		ck_assert_uint_eq(ctrs[i], 7);
	}
	ck_assert_ptr_nonnull(find_ctr(find_pod(&s, "web-0"), "app"));
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_ptr_nonnull(strstr(lb.last, strerror(EMFILE)));
	ck_assert_ptr_nonnull(strstr(lb.last, "keeping 3 pods"));
	/* fds again: a new pod is found */
	sh("cd %s/cgroup/kubepods.slice/kubepods-besteffort.slice && "
	   "cp -r kubepods-besteffort-pod3c4d5e6f_7081_4293_a4b5_0000000000c3.slice "
	   "kubepods-besteffort-pod3c4d5e6f_7081_4293_a4b5_0000000000c4.slice", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 4);
	ck_assert_uint_eq(n_containers(&s), 9);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* the fds this process has open now */
static unsigned open_fds_once(void)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "ls /proc/%d/fd | wc -l", (int)getpid());
	FILE *f = popen(cmd, "r");
	unsigned n = 0;
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%u", &n), 1);
	pclose(f);
	return n;
}

/* the fds this process holds: the least of three counts, as the sanitizer
 * runtime now and then holds one of its own for a moment */
static unsigned open_fds(void)
{
	unsigned n = open_fds_once();
	for (int i = 0; i < 2; i++) {
		unsigned m = open_fds_once();
		n = m < n ? m : n;
	}
	return n;
}

/* a fixture of PODS pods: copies of the besteffort pod (two containers each) */
static const char *fixture_pods(const char *args, int pods)
{
	const char *dir = fixture_make(args);
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "p=$(find %s/cgroup -type d -name '*pod3c4d5e6f*' | head -1) && for i in $(seq 1 %d); do "
		 "cp -r \"$p\" \"$(echo \"$p\" | sed \"s/0000000000c3/$(printf %%012x $i)/\")\"; done",
		 dir, pods - 3);
	ck_assert_int_eq(system(cmd), 0);
	return dir;
}

/* A and B hold the same pods and containers, with the same identities and values */
static void same_snapshot(const struct pm_snapshot *a, const struct pm_snapshot *b, const char *what)
{
	ck_assert_msg(a->n_pods == b->n_pods, "%s: %zu pods, expected %zu", what, b->n_pods, a->n_pods);
	for (size_t i = 0; i < a->n_pods; i++) {
		const struct pm_pod *p = &a->pods[i], *q = &b->pods[i];
		ck_assert_msg(!memcmp(&p->ident, &q->ident, sizeof p->ident) && !memcmp(&p->val, &q->val, sizeof p->val),
			      "%s: pod %s differs", what, p->ident.cgroup);
		ck_assert_msg(p->n_containers == q->n_containers, "%s: pod %s has %zu containers, expected %zu", what,
			      p->ident.cgroup, q->n_containers, p->n_containers);
		for (size_t j = 0; j < p->n_containers; j++)
			ck_assert_msg(!memcmp(&p->containers[j], &q->containers[j], sizeof p->containers[j]),
				      "%s: container %s of %s differs", what, p->containers[j].ident.id, p->ident.cgroup);
	}
}

/* Under any RLIMIT_NOFILE, tiny to roomy: every pod and container, with
 * the values read with fds to spare; the degradation said once, with its
 * numbers; and the fds kept leave the process its headroom. */
START_TEST(fds_every_limit)
{
	static const char *const trees[] = {"--version 1 --driver cgroupfs", "--version 2 --driver systemd"};
	static const rlim_t limits[] = {16, 24, 48, 100, 200, 400};
	struct rlimit saved, rl;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	for (size_t t = 0; t < PM_ARRAY_LEN(trees); t++) {
		struct logbuf lb = {0};
		const char *dir = fixture_pods(trees[t], 20);
		struct pm_opts o = fixture_opts(dir, &lb);
		struct pm_ctx *ctx;
		struct pm_snapshot ref = {0}, s = {0};
		ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
		ck_assert_int_eq(pm_sample(ctx, &ref), 0);
		pm_ctx_close(ctx);
		ck_assert_uint_eq(ref.n_pods, 20);
		ck_assert_uint_eq(n_containers(&ref), 2 + 3 + 18 * 2);
		ck_assert_int_eq(lb.lines, 0);
		for (size_t k = 0; k < PM_ARRAY_LEN(limits); k++) {
			char what[128], want[128];
			snprintf(what, sizeof what, "%s, RLIMIT_NOFILE %lu", trees[t], (unsigned long)limits[k]);
			lb = (struct logbuf){0};
			rl = saved;
			rl.rlim_cur = limits[k];
			ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
			int r = pm_ctx_open(&ctx, &o);
			int r1 = r ? r : pm_sample(ctx, &s), r2 = r ? r : pm_sample(ctx, &s);
			unsigned fds = open_fds() - 1; /* less the pipe to ls */
			ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
			ck_assert_msg(r == 0 && r1 == 0 && r2 == 0, "%s: %d %d %d", what, r, r1, r2);
			same_snapshot(&ref, &s, what);
			ck_assert_msg(lb.lines == 1, "%s: %d log lines, the last: %s", what, lb.lines, lb.last);
			snprintf(want, sizeof want, " of %zu cgroups (RLIMIT_NOFILE %lu, ", ref.n_pods + n_containers(&ref),
				 (unsigned long)limits[k]);
			ck_assert_msg(strstr(lb.last, want) && strstr(lb.last, "kept fds for "), "%s: %s", what, lb.last);
			rlim_t reserve = limits[k] / 8 > 64 ? limits[k] / 8 : 64;
			/* or none kept: the runner's own, and the context's (the root,
			 * meminfo, pressure/memory, v1's hugetlb hierarchy) */
			ck_assert_msg(fds + reserve <= limits[k] || fds <= 10, "%s: %u fds open", what, fds);
			pm_ctx_close(ctx);
		}
		pm_snapshot_free(&ref);
		pm_snapshot_free(&s);
		fixture_remove(dir);
	}
}
END_TEST

/* the cgroups of CTX's last scan, in discovery order (pod, its containers) */
static size_t scan_cgroups(struct pm_ctx *ctx, struct pm_cg **out, bool *is_pod, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < ctx->disc.n_pods; i++) {
		struct pm_pod_rec *p = &ctx->disc.pods[i];
		ck_assert_uint_lt(n, cap);
		is_pod[n] = true;
		out[n++] = &p->cg;
		for (size_t j = 0; j < p->n_ctrs; j++) {
			ck_assert_uint_lt(n, cap);
			is_pod[n] = false;
			out[n++] = &p->ctrs[j].cg;
		}
	}
	return n;
}

/* a bit per layout file that CG keeps open */
static unsigned kept_files(const struct pm_layout *l, const struct pm_cg *cg)
{
	unsigned m = 0;
	for (unsigned i = 0; i < l->n_files; i++)
		m |= cg->fd[i] >= 0 ? 1u << i : 0;
	return m;
}

/* The budget's policy (MaxOpenFiles), at budgets from none to more than
 * enough: whole cgroups first, in discovery order, with no fd of their
 * directory; the cgroup where the budget ends keeps its one-value files
 * first and memory.stat last; pods keep their directory's only with fds to
 * spare; the budget is used to its last fd; every value as without a budget,
 * and a steady sample allocates nothing. */
START_TEST(fds_budget_policy)
{
	static const char *const trees[] = {"--version 1 --driver cgroupfs", "--version 2 --driver systemd"};
	enum { CAP = 64 };
	for (size_t t = 0; t < PM_ARRAY_LEN(trees); t++) {
		struct logbuf lb = {0};
		const char *dir = fixture_pods(trees[t], 6);
		struct pm_opts o = fixture_opts(dir, &lb);
		struct pm_ctx *ctx;
		struct pm_snapshot ref = {0}, s = {0};
		struct pm_cg *cg[CAP];
		bool is_pod[CAP];
		unsigned have[CAP], total = 0, pods = 0;
		/* no budget to speak of: every file kept, and the pods' directories */
		ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
		ck_assert_int_eq(pm_sample(ctx, &ref), 0);
		size_t n = scan_cgroups(ctx, cg, is_pod, CAP);
		ck_assert_uint_eq(n, 6 + 13);
		const struct pm_layout *l = &ctx->layout;
		int stat = -1;
		for (unsigned i = 0; i < l->n_files; i++)
			stat = strcmp(l->files[i].name, "memory.stat") ? stat : (int)i;
		ck_assert_int_ge(stat, 0);
		for (size_t c = 0; c < n; c++) {
			have[c] = kept_files(l, cg[c]);
			total += (unsigned)__builtin_popcount(have[c]);
			pods += is_pod[c];
			ck_assert(cg[c]->all);
			ck_assert_int_eq(cg[c]->dirfd >= 0, is_pod[c]);
			ck_assert(have[c] & 1u << stat);
		}
		ck_assert_uint_eq(ctx->disc.n_held, total + pods);
		unsigned first = (unsigned)__builtin_popcount(have[0]);
		ck_assert_uint_ge(first, 8);
		pm_ctx_close(ctx);
		const unsigned budgets[] = {0, 1, 3, first - 1, first, first + 5, total / 2, total - 1, total, total + 2,
					    total + pods, total + 1000};
		for (size_t b = 0; b < PM_ARRAY_LEN(budgets); b++) {
			char what[128];
			snprintf(what, sizeof what, "%s, MaxOpenFiles %u", trees[t], budgets[b]);
			lb = (struct logbuf){0};
			o.max_open_files_set = true;
			o.max_open_files = budgets[b];
			ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
			ck_assert_int_eq(pm_sample(ctx, &s), 0);
			ck_assert_int_eq(pm_sample(ctx, &s), 0);
			alloc_count_start(); /* a steady sample allocates nothing, whatever is kept */
			int failed = pm_sample(ctx, &s) != 0;
			size_t allocs = alloc_count_stop();
			ck_assert_int_eq(failed, 0);
			ck_assert_msg(allocs == 0, "%s: %zu allocations in a steady sample", what, allocs);
			same_snapshot(&ref, &s, what);
			ck_assert_uint_eq(scan_cgroups(ctx, cg, is_pod, CAP), n);
			unsigned char order[PM_MAX_FILES];
			unsigned nf = pm_cg_order(l = &ctx->layout, order), left = budgets[b];
			for (size_t c = 0; c < n; c++) {
				unsigned want = 0, got = kept_files(l, cg[c]);
				/* the first files in the order that this cgroup has, while the budget lasts */
				for (unsigned k = 0; k < nf && left; k++)
					if (have[c] & 1u << order[k]) {
						want |= 1u << order[k];
						left--;
					}
				ck_assert_msg(got == want, "%s: cgroup %zu keeps files %#x, not %#x", what, c, got, want);
				ck_assert_msg(cg[c]->all == (got == have[c]), "%s: cgroup %zu", what, c);
				/* memory.stat only in a cgroup that keeps them all; one-value files before the rest */
				ck_assert(!(got & 1u << stat) || got == have[c]);
				for (unsigned i = 0; i < l->n_files; i++)
					for (unsigned j = 0; j < l->n_files; j++)
						ck_assert(!((got & 1u << i) && (have[c] & ~got & 1u << j) &&
							    l->files[i].kind == PM_FK_KV && l->files[j].kind == PM_FK_SINGLE));
			}
			unsigned dirs = 0;
			for (size_t c = 0; c < n; c++) {
				ck_assert(is_pod[c] || cg[c]->dirfd < 0);
				if (is_pod[c] && left) {
					ck_assert_msg(cg[c]->dirfd >= 0, "%s: pod %zu without its directory", what, c);
					left--;
				} else if (is_pod[c]) {
					ck_assert(cg[c]->dirfd < 0);
				}
				dirs += cg[c]->dirfd >= 0;
			}
			unsigned held = budgets[b] < total + pods ? budgets[b] : total + pods;
			ck_assert_uint_eq(ctx->disc.n_held, held);
			ck_assert_uint_eq(dirs, budgets[b] > total ? held - total : 0);
			ck_assert_msg(lb.lines == (budgets[b] < total), "%s: %d log lines: %s", what, lb.lines, lb.last);
			if (budgets[b] < total)
				ck_assert_ptr_nonnull(strstr(lb.last, "MaxOpenFiles "));
			pm_ctx_close(ctx);
		}
		pm_snapshot_free(&ref);
		pm_snapshot_free(&s);
		fixture_remove(dir);
	}
}
END_TEST

/* Pods that appear when the budget is spent are read by path: every pod,
 * old and new, is reported, and it is said once; when pods go, the fds come
 * back to the rest. */
START_TEST(fds_pods_appear)
{
	struct logbuf lb = {0};
	const char *dir = fixture_pods("--version 2 --driver cgroupfs", 10);
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	struct rlimit saved, rl;
	char cmd[1024];

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	rl = saved;
	rl.rlim_cur = 1000; /* about 860 fds for cgroups that hold up to 18: every one of 31, not of 121 */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 10);
	ck_assert_int_eq(lb.lines, 0);
	unsigned before = open_fds();
	snprintf(cmd, sizeof cmd,
		 "cd %s/cgroup/kubepods/besteffort && for i in $(seq 100 129); do "
		 "cp -r pod3c4d5e6f-7081-4293-a4b5-0000000000c3 pod3c4d5e6f-7081-4293-a4b5-000000000$i; done",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	size_t pods[3], ctrs[3];
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pm_sample(ctx, &s), 0);
		pods[i] = s.n_pods;
		ctrs[i] = n_containers(&s);
	}
	unsigned after = open_fds();
	for (int i = 0; i < 3; i++) {
		ck_assert_uint_eq(pods[i], 40);
		ck_assert_uint_eq(ctrs[i], 2 + 3 + 38 * 2); /* 121 cgroups */
	}
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_ptr_nonnull(strstr(lb.last, " of 121 cgroups (RLIMIT_NOFILE 1000, "));
	ck_assert_uint_le(after, 1000 - 125 + 1); /* + the pipe to ls */
	ck_assert_uint_gt(after, before); /* the budget was not spent before */
	/* pods that kept fds go: the ones read by path get them */
	snprintf(cmd, sizeof cmd, "cd %s/cgroup/kubepods/besteffort && rm -rf pod3c4d5e6f-7081-4293-a4b5-00000000000?", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 33);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	unsigned later = open_fds();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
	ck_assert_uint_eq(s.n_pods, 33);
	ck_assert_uint_eq(n_containers(&s), 2 + 3 + 31 * 2);
	ck_assert_uint_le(later, 1000 - 125 + 1);
	ck_assert_uint_ge(later + 19, after); /* 7 pods' fds (21 cgroups') were given to the rest */
	ck_assert_int_eq(lb.lines, 1);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* one sample of the fixture at DIR with options O into S (opening and closing a context) */
static void sample_once(const struct pm_opts *o, struct pm_snapshot *s)
{
	struct pm_ctx *ctx;
	ck_assert_int_eq(pm_ctx_open(&ctx, o), 0);
	ck_assert_int_eq(pm_sample(ctx, s), 0);
	pm_ctx_close(ctx);
}

#define GIB (1ull << 30)
#define FIX_TOTAL (24568836ull * 1024) /* the fixture's MemTotal */

/* The node: physical RAM from the memory blocks (else /proc/iomem), the
 * reserved rest, PSI; the breakdown adds up both ways. */
START_TEST(node_ram_and_pressure)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 2");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_snapshot s = {0};
	sample_once(&o, &s);
	const struct pm_values *n = &s.node;
	ck_assert_uint_eq(n->v[PM_M_PHYSICAL], 24 * GIB); /* 24 blocks of 1 GiB online, 2 offline */
	ck_assert_uint_eq(n->v[PM_M_RESERVED], 24 * GIB - FIX_TOTAL);
	ck_assert_uint_eq(n->v[PM_M_APP] + n->v[PM_M_KERNEL] + n->v[PM_M_UNACCOUNTED] + n->v[PM_M_FREE], n->v[PM_M_TOTAL]);
	ck_assert_uint_eq(n->v[PM_M_TOTAL] + n->v[PM_M_RESERVED], n->v[PM_M_PHYSICAL]);
	ck_assert_uint_eq(n->v[PM_M_PRESSURE_SOME], 12345678);
	ck_assert_uint_eq(n->v[PM_M_PRESSURE_FULL], 2345678);
	ck_assert_int_eq(lb.lines, 0);

	/* a memory block goes offline: MemTotal falls (meminfo rewritten in place:
	 * the context keeps it open), and physical RAM is found again */
	struct pm_ctx *ctx;
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	sh("cd %s && echo offline > sys/devices/system/memory/memory24/state && "
	   "sed 's/^MemTotal: .*/MemTotal:       23520260 kB/' proc/meminfo > mi && cat mi > proc/meminfo", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(n->v[PM_M_PHYSICAL], 23 * GIB);
	ck_assert_uint_eq(n->v[PM_M_RESERVED], 23 * GIB - 23520260ull * 1024);
	/* ... but not at every sample: with MemTotal as it was, the blocks are not read */
	sh("cd %s && echo offline > sys/devices/system/memory/memory23/state", dir);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(n->v[PM_M_PHYSICAL], 23 * GIB);
	pm_ctx_close(ctx);

	/* no memory block directory: /proc/iomem's System RAM */
	sh("rm -rf %s/sys/devices/system/memory", dir);
	sample_once(&o, &s);
	ck_assert_uint_eq(n->v[PM_M_PHYSICAL], 25769405440ull);
	ck_assert_uint_eq(n->v[PM_M_RESERVED], 25769405440ull - 23520260ull * 1024);
	/* an iomem that hides its addresses (not root): no physical RAM, no reserved, the rest as it was */
	sh("sed -i 's/^[0-9a-f]*-[0-9a-f]* /00000000-00000000 /' %s/proc/iomem", dir);
	sample_once(&o, &s);
	ck_assert(!pm_has(n, PM_M_PHYSICAL) && !pm_has(n, PM_M_RESERVED));
	ck_assert(pm_has(n, PM_M_TOTAL) && pm_has(n, PM_M_UNACCOUNTED));
	/* no PSI (a kernel booted with psi=0) */
	sh("rm %s/proc/pressure/memory", dir);
	sample_once(&o, &s);
	ck_assert(!pm_has(n, PM_M_PRESSURE_SOME) && !pm_has(n, PM_M_PRESSURE_FULL));
	ck_assert_int_eq(lb.lines, 0);

	/* a sysfs root given must be a directory */
	lb = (struct logbuf){0};
	o.sys_root = "/nonexistent/podmem-sys";
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), -ENOENT);
	ck_assert_int_eq(lb.lines, 1);
	ck_assert_ptr_nonnull(strstr(lb.last, "/nonexistent/podmem-sys"));
	o.sys_root = "/etc/hostname";
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), -ENOTDIR);
	pm_snapshot_free(&s);
	fixture_remove(dir);
}
END_TEST

/* v1: the hugetlb hierarchy is the one mountinfo lists beside the memory
 * hierarchy the cgroup root is in, at the root's own path */
START_TEST(hugetlb_hierarchy)
{
	struct logbuf lb = {0};
	const char *dir = fixture_make("--version 1");
	struct pm_opts o = fixture_opts(dir, &lb);
	struct pm_snapshot s = {0};
	sample_once(&o, &s);
	const struct pm_pod *web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	const struct pm_container *app = find_ctr(web, "app");
	ck_assert_ptr_nonnull(app);
	/* mktree.sh: container c (app is 4) has 3c pages of 2 MiB and (c mod 2) of 1 GiB */
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB_2MB], 12 * 2097152ull);
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB_1GB], 0);
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB], 12 * 2097152ull);
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB_LIMIT], 20 * 2097152ull + 2 * GIB);
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB_EVENTS_MAX], 12);
	uint64_t want = web->val.v[PM_M_HUGETLB];
	ck_assert_uint_gt(want, 0);
	ck_assert(!pm_has(&app->val, PM_M_WORKINGSET_ACTIVATE_FILE)); /* v1 has no such key */

	/* a subtree of the memory hierarchy as the root: the same subtree of the hugetlb one */
	snprintf(paths[0], sizeof paths[0], "%s/cgroup/kubepods", dir);
	sample_once(&o, &s);
	web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert_uint_eq(web->val.v[PM_M_HUGETLB], want);
	/* a copy outside the memory hierarchy: no hugetlb, the rest as it was */
	sh("cp -r %1$s/cgroup %1$s/copy", dir);
	snprintf(paths[0], sizeof paths[0], "%s/copy", dir);
	sample_once(&o, &s);
	web = find_pod(&s, "web-0");
	ck_assert_ptr_nonnull(web);
	ck_assert(!pm_has(&web->val, PM_M_HUGETLB) && !pm_has(&web->val, PM_M_HUGETLB_2MB));
	ck_assert(pm_has(&web->val, PM_M_USAGE));
	/* no hugetlb hierarchy mounted */
	snprintf(paths[0], sizeof paths[0], "%s/cgroup", dir);
	sh("sed -i '/ rw,hugetlb$/d' %s/proc/self/mountinfo", dir);
	sample_once(&o, &s);
	web = find_pod(&s, "web-0");
	ck_assert(!pm_has(&web->val, PM_M_HUGETLB));
	ck_assert_int_eq(lb.lines, 0);
	pm_snapshot_free(&s);
	fixture_remove(dir);

	/* v2: the files of the sizes sysfs names */
	dir = fixture_make("--version 2");
	o = fixture_opts(dir, &lb);
	sh("rm -rf %s/sys/kernel/mm/hugepages/hugepages-1048576kB", dir);
	sample_once(&o, &s);
	web = find_pod(&s, "web-0");
	app = find_ctr(web, "app");
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB], 12 * 2097152ull);
	ck_assert(pm_has(&app->val, PM_M_HUGETLB_2MB) && !pm_has(&app->val, PM_M_HUGETLB_1GB));
	ck_assert_uint_eq(app->val.v[PM_M_HUGETLB_LIMIT], 20 * 2097152ull); /* 1 GiB pages: not this kernel's */
	ck_assert_uint_eq(app->val.v[PM_M_WORKINGSET_ACTIVATE_FILE], 4 * 5);
	ck_assert_uint_eq(app->val.v[PM_M_WORKINGSET_RESTORE_ANON], 4);
	ck_assert_int_eq(lb.lines, 0);
	pm_snapshot_free(&s);
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
	tcase_add_test(tc, made_again_same_path);
	tcase_add_test(tc, steady_state_allocates_nothing);
	tcase_add_test(tc, roots);
	tcase_add_test(tc, enomem_no_stale_pods);
	tcase_add_test(tc, names_unreadable);
	tcase_add_test(tc, claimed_twice);
	tcase_add_test(tc, untrusted_names);
	tcase_add_test(tc, sandbox_guess_when_sure);
	tcase_add_test(tc, scan_cannot_list);
	tcase_add_test(tc, fds_every_limit);
	tcase_add_test(tc, fds_pods_appear);
	tcase_add_test(tc, fds_budget_policy);
	tcase_add_test(tc, node_ram_and_pressure);
	tcase_add_test(tc, hugetlb_hierarchy);
	suite_add_tcase(s, tc);
	return s;
}
