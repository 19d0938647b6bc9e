/* podmem explain's analysis (pm_explain.c) on synthetic values: each
 * finding's trigger at its threshold's edge, the ranking, the evidence, the
 * Memory QoS and koordinator formulas and what they would do, the fix rows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

#define MiB ((uint64_t)1 << 20)
#define GiB ((uint64_t)1 << 30)

/* a pod of N containers in a snapshot: the first the sandbox "POD" when
 * SANDBOX, the others "app", "sidecar", "third" */
struct fx {
	struct pm_snapshot snap;
	struct pm_pod pod;
	struct pm_container ctr[4];
	struct pm_explanation x;
};

static struct fx *fx_new(int version, size_t n, bool sandbox)
{
	static struct fx f;
	pm_explanation_free(&f.x);
	memset(&f, 0, sizeof f);
	f.snap.cgroup_version = version;
	f.snap.kubernetes = true;
	f.snap.pods = &f.pod;
	f.snap.n_pods = 1;
	f.pod.ident.kind = PM_POD;
	f.pod.ident.qos = PM_QOS_BURSTABLE;
	strcpy(f.pod.ident.namespace_, "default");
	strcpy(f.pod.ident.name, "web-0");
	f.pod.containers = f.ctr;
	f.pod.n_containers = n;
	static const char *const names[] = {"app", "sidecar", "third", "fourth"};
	for (size_t i = 0, k = 0; i < n; i++) {
		bool sb = sandbox && i == 0;
		strcpy(f.ctr[i].ident.name, sb ? "POD" : names[k++]);
		f.ctr[i].ident.sandbox = sb;
	}
	return &f;
}

static int explain(struct fx *f, const struct pm_explain_opts *o)
{
	return pm_explain(&f->snap, &f->pod, o, &f->x);
}

static bool made(struct fx *f, enum pm_finding_code code)
{
	return pm_explain_find(&f->x, code) != NULL;
}

START_TEST(rules_table)
{
	bool seen_signal = false;
	for (int i = 0; i < PM_F__COUNT; i++) {
		const struct pm_rule *r = &pm_explain_rules[i];
		ck_assert_msg(r->code && *r->code && r->measures && *r->measures && r->advice && *r->advice, "rule %d", i);
		for (const char *p = r->code; *p; p++)
			ck_assert_msg((*p >= 'a' && *p <= 'z') || *p == '-', "code %s", r->code);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(r->code, pm_explain_rules[j].code);
		/* causes first, then signals: the enum's order is the ranking's */
		ck_assert_msg(!seen_signal || r->signal, "cause %s after a signal", r->code);
		seen_signal |= r->signal;
		ck_assert_msg(r->signal || r->min_bytes > 0, "cause %s fires on nothing", r->code);
		ck_assert_ptr_null(strchr(r->advice, '\n'));
	}
	for (int i = 0; i < PM_P__COUNT; i++)
		ck_assert(pm_part_names[i] && *pm_part_names[i]);
}
END_TEST

/* sets the pod's values so that cause CODE measures X bytes */
static void set_cause(struct pm_values *v, enum pm_finding_code code, uint64_t x)
{
	switch (code) {
	case PM_F_IDLE_ANON: pm_set(v, PM_M_INACTIVE_ANON, x); break;
	case PM_F_SHMEM_TMPFS: pm_set(v, PM_M_SHMEM, x); break;
	case PM_F_HOT_FILE_CACHE: pm_set(v, PM_M_ACTIVE_FILE, x); break;
	case PM_F_DIRTY_WRITEBACK: pm_set(v, PM_M_FILE_DIRTY, x - x / 3), pm_set(v, PM_M_FILE_WRITEBACK, x / 3); break;
	case PM_F_KERNEL_MEMORY: pm_set(v, PM_M_KERNEL, x); break;
	case PM_F_RECLAIMABLE_SLAB: pm_set(v, PM_M_SLAB_RECLAIMABLE, x); break;
	case PM_F_POD_LEVEL_CHARGE: pm_set(v, PM_M_USAGE, x); break;
	case PM_F_UNACCOUNTED: pm_set(v, PM_M_UNACCOUNTED, x); break;
	default: ck_abort_msg("not a cause");
	}
}

/* each cause at the edge of its rule: min_bytes, and its share of the working set */
START_TEST(cause_edges)
{
	for (int c = 0; c < PM_F__COUNT; c++) {
		const struct pm_rule *r = &pm_explain_rules[c];
		if (r->signal || c == PM_F_DELETED_OPEN) /* that one: from a file scan (files_evidence) */
			continue;
		/* a working set small enough that min_bytes decides */
		for (int below = 0; below <= 1; below++) {
			struct fx *f = fx_new(2, 0, false);
			pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, r->min_bytes);
			set_cause(&f->pod.val, (enum pm_finding_code)c, r->min_bytes - (uint64_t)below);
			ck_assert_int_eq(explain(f, NULL), 0);
			ck_assert_msg(made(f, (enum pm_finding_code)c) == !below, "%s at min_bytes%s", r->code, below ? " - 1" : "");
		}
		/* a working set large enough that the share decides: bytes * 1000 >= permille * ws */
		uint64_t ws = 4 * GiB, edge = (ws * r->min_permille + 999) / 1000;
		ck_assert(edge > r->min_bytes);
		for (int below = 0; below <= 1; below++) {
			struct fx *f = fx_new(2, 0, false);
			pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, ws);
			set_cause(&f->pod.val, (enum pm_finding_code)c, edge - (uint64_t)below);
			ck_assert_int_eq(explain(f, NULL), 0);
			struct pm_finding *g = pm_explain_find(&f->x, (enum pm_finding_code)c);
			ck_assert_msg((g != NULL) == !below, "%s at %u permille of the working set%s", r->code, r->min_permille,
				      below ? " - 1 byte" : "");
			if (g) {
				ck_assert_uint_eq(g->value, edge);
				ck_assert_uint_eq(g->unit, PM_UNIT_BYTES);
				ck_assert_msg(g->share > r->min_permille / 1000.0 - 1e-9 && g->share < r->min_permille / 1000.0 + 1e-6,
					      "%s: share %f", r->code, g->share);
			}
		}
	}
}
END_TEST

/* what each cause measures: shmem is not idle anon, sock counts on v2 only,
 * reclaimable slab is not kernel-memory */
/* a file scan adds deleted-open (at its rule's edge), and names the files
 * and mounts behind shmem-tmpfs and hot-file-cache, by charged bytes */
START_TEST(files_evidence)
{
	const struct pm_rule *r = &pm_explain_rules[PM_F_DELETED_OPEN];
	for (int below = 0; below <= 1; below++) {
		struct fx *f = fx_new(2, 0, false);
		pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, 64 * MiB);
		pm_set(&f->pod.val, PM_M_SHMEM, 32 * MiB);
		pm_set(&f->pod.val, PM_M_ACTIVE_FILE, 40 * MiB);
		ck_assert_int_eq(explain(f, NULL), 0);
		ck_assert(!made(f, PM_F_DELETED_OPEN));
		struct pm_file files[] = {
			{.path = "/var/log/app.log", .dev = 1, .cached = 99 * MiB, .charged = r->min_bytes - (uint64_t)below,
			 .deleted = true, .n_holders = 1, .holder = {{4242, "nginx", 7}}},
			{.path = "/dev/shm/data", .dev = 2, .cached = 32 * MiB, .charged = 32 * MiB, .tmpfs = true},
			{.path = "/data/hot.db", .dev = 1, .cached = 40 * MiB, .charged = 40 * MiB, .n_holders = 1,
			 .holder = {{4243, "db", -1}}},
			{.path = "/tmp/gone", .dev = 2, .cached = 1 * MiB, .charged = 1 * MiB, .tmpfs = true, .deleted = true},
		};
		struct pm_files_mount mounts[] = {{.path = "/run", .dev = 3, .used = 5 * MiB},
						  {.path = "/dev/shm", .dev = 2, .used = 33 * MiB}};
		struct pm_files fs = {.files = files, .n_files = 4, .mounts = mounts, .n_mounts = 2, .charged_known = true};
		pm_explain_files(&f->x, &fs);
		struct pm_finding *g = pm_explain_find(&f->x, PM_F_DELETED_OPEN);
		ck_assert_msg((g != NULL) == !below, "deleted-open at its min_bytes%s", below ? " - 1" : "");
		if (g) {
			ck_assert_uint_eq(g->value, r->min_bytes); /* charged, not cached; a deleted tmpfs file is not here */
			ck_assert_uint_eq(g->n_ev, 1);
			ck_assert_str_eq(g->ev[0].what, "/var/log/app.log (deleted), pid 4242 nginx fd 7");
		}
		struct pm_finding *t = pm_explain_find(&f->x, PM_F_SHMEM_TMPFS);
		ck_assert_ptr_nonnull(t);
		bool mount = false, file = false, run = false, gone = false;
		for (unsigned i = 0; i < t->n_ev; i++) {
			mount |= !strcmp(t->ev[i].what, "tmpfs /dev/shm, used") && t->ev[i].value == 33 * MiB;
			run |= !strncmp(t->ev[i].what, "tmpfs /run", 10); /* holds none of the pod's files */
			file |= !strcmp(t->ev[i].what, "/dev/shm/data") && t->ev[i].value == 32 * MiB;
			gone |= !strcmp(t->ev[i].what, "/tmp/gone (deleted)");
		}
		ck_assert(mount && file && gone && !run);
		struct pm_finding *h = pm_explain_find(&f->x, PM_F_HOT_FILE_CACHE);
		ck_assert_ptr_nonnull(h);
		ck_assert_str_eq(h->ev[h->n_ev - 1].what, "/data/hot.db, pid 4243 db (mapped)");
	}
}
END_TEST

START_TEST(cause_amounts)
{
	struct fx *f = fx_new(2, 0, false);
	struct pm_values *v = &f->pod.val;
	pm_set(v, PM_M_WORKING_SET_KUBELET, 1 * GiB);
	pm_set(v, PM_M_INACTIVE_ANON, 600 * MiB);
	pm_set(v, PM_M_SHMEM, 200 * MiB);
	pm_set(v, PM_M_KERNEL, 300 * MiB);
	pm_set(v, PM_M_SOCK, 50 * MiB);
	pm_set(v, PM_M_SLAB_RECLAIMABLE, 120 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_IDLE_ANON)->value, 400 * MiB);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_SHMEM_TMPFS)->value, 200 * MiB);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_KERNEL_MEMORY)->value, (300 + 50 - 120) * MiB);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_RECLAIMABLE_SLAB)->value, 120 * MiB);
	ck_assert_uint_eq(f->x.parts[PM_P_ANON_INACTIVE], 400 * MiB);
	ck_assert_uint_eq(f->x.parts[PM_P_KERNEL], 350 * MiB);
	f->snap.cgroup_version = 1; /* v1: TCP buffers are not in usage */
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_KERNEL_MEMORY)->value, (300 - 120) * MiB);
	/* shmem all on the inactive list: no idle anon at all */
	pm_set(v, PM_M_SHMEM, 600 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert(!made(f, PM_F_IDLE_ANON));
	ck_assert_uint_eq(f->x.parts[PM_P_ANON_INACTIVE], 0);
}
END_TEST

START_TEST(ranking)
{
	struct fx *f = fx_new(2, 1, false);
	struct pm_values *v = &f->pod.val;
	pm_set(v, PM_M_WORKING_SET_KUBELET, 1 * GiB);
	pm_set(v, PM_M_INACTIVE_ANON, 110 * MiB);
	pm_set(v, PM_M_SHMEM, 0);
	pm_set(v, PM_M_ACTIVE_FILE, 300 * MiB);
	pm_set(v, PM_M_KERNEL, 300 * MiB); /* a tie with hot-file-cache: table order */
	pm_set(v, PM_M_FILE_DIRTY, 200 * MiB);
	pm_set(v, PM_M_EVENTS_OOM_KILL, 2);
	pm_set(v, PM_M_EVENTS_MAX, 7);
	ck_assert_int_eq(explain(f, NULL), 0);
	static const enum pm_finding_code want[] = {PM_F_HOT_FILE_CACHE, PM_F_KERNEL_MEMORY, PM_F_DIRTY_WRITEBACK,
						    PM_F_IDLE_ANON, PM_F_OOM_KILLS, PM_F_LIMIT_HITS};
	ck_assert_uint_eq(f->x.n_findings, PM_ARRAY_LEN(want));
	for (size_t i = 0; i < PM_ARRAY_LEN(want); i++)
		ck_assert_msg(f->x.findings[i].code == want[i], "finding %zu: %s, expected %s", i,
			      pm_explain_rules[f->x.findings[i].code].code, pm_explain_rules[want[i]].code);
	ck_assert_double_eq_tol(f->x.findings[0].share, 300.0 / 1024, 1e-9);
	ck_assert(f->x.findings[4].share < 0); /* signals have no share */
	ck_assert_uint_eq(f->x.findings[4].value, 2);
	ck_assert_uint_eq(f->x.findings[4].unit, PM_UNIT_COUNT);

	/* a caller's finding (a file scan's, say) takes its rank; a changed value re-ranks */
	struct pm_finding *g = pm_explain_add(&f->x, PM_F_IDLE_ANON, 900 * MiB);
	ck_assert_ptr_eq(g, &f->x.findings[0]);
	ck_assert_uint_eq(f->x.n_findings, PM_ARRAY_LEN(want));
	ck_assert_double_eq_tol(g->share, 900.0 / 1024, 1e-9);
	ck_assert(pm_finding_note(g, "/dev/shm/big (tmpfs)", 64 * MiB, PM_UNIT_BYTES));
	ck_assert_str_eq(g->ev[g->n_ev - 1].what, "/dev/shm/big (tmpfs)");
	while (pm_finding_note(g, "more", 1, PM_UNIT_BYTES))
		;
	ck_assert_uint_eq(g->n_ev, PM_EVIDENCE_MAX);
	g = pm_explain_add(&f->x, PM_F_POD_LEVEL_CHARGE, 10 * MiB);
	ck_assert_uint_eq(f->x.n_findings, PM_ARRAY_LEN(want) + 1);
	ck_assert_ptr_eq(g, &f->x.findings[4]); /* after dirty-writeback (200Mi), before the signals */
	ck_assert_uint_eq(g->n_ev, 0);
}
END_TEST

/* evidence: the pod's numbers, its containers largest first, and what no live container holds */
START_TEST(evidence)
{
	struct fx *f = fx_new(1, 3, true);
	pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, 512 * MiB);
	pm_set(&f->pod.val, PM_M_SHMEM, 300 * MiB);
	pm_set(&f->pod.val, PM_M_FILE, 500 * MiB);
	pm_set(&f->ctr[0].val, PM_M_SHMEM, 0);
	pm_set(&f->ctr[1].val, PM_M_SHMEM, 40 * MiB);
	pm_set(&f->ctr[2].val, PM_M_SHMEM, 60 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	struct pm_finding *g = pm_explain_find(&f->x, PM_F_SHMEM_TMPFS);
	ck_assert_ptr_nonnull(g);
	const char *want[] = {"shmem", "file", "container sidecar", "container app", "charged to no live container"};
	const uint64_t wv[] = {300 * MiB, 500 * MiB, 60 * MiB, 40 * MiB, 200 * MiB};
	ck_assert_uint_eq(g->n_ev, 5);
	for (unsigned i = 0; i < 5; i++) {
		ck_assert_str_eq(g->ev[i].what, want[i]);
		ck_assert_uint_eq(g->ev[i].value, wv[i]);
	}
	/* equal amounts: the pod's order */
	pm_set(&f->ctr[1].val, PM_M_SHMEM, 60 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	g = pm_explain_find(&f->x, PM_F_SHMEM_TMPFS);
	ck_assert_str_eq(g->ev[2].what, "container app");
	ck_assert_str_eq(g->ev[3].what, "container sidecar");
}
END_TEST

START_TEST(pod_level_charge)
{
	struct fx *f = fx_new(2, 2, true);
	struct pm_values *p = &f->pod.val;
	pm_set(p, PM_M_USAGE, 200 * MiB);
	pm_set(p, PM_M_WORKING_SET_KUBELET, 40 * MiB);
	pm_set(p, PM_M_FILE, 170 * MiB);
	pm_set(p, PM_M_INACTIVE_FILE, 160 * MiB);
	pm_set(p, PM_M_DYING_DESCENDANTS, 2);
	pm_set(&f->ctr[0].val, PM_M_USAGE, 1 * MiB);
	pm_set(&f->ctr[1].val, PM_M_USAGE, 35 * MiB);
	pm_set(&f->ctr[1].val, PM_M_FILE, 6 * MiB);
	pm_set(&f->ctr[1].val, PM_M_INACTIVE_FILE, 2 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	struct pm_finding *g = pm_explain_find(&f->x, PM_F_POD_LEVEL_CHARGE);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->value, 164 * MiB);
	ck_assert_ptr_eq(g, &f->x.findings[0]);
	ck_assert_str_eq(g->ev[1].what, "usage of the live containers");
	ck_assert_uint_eq(g->ev[1].value, 36 * MiB);
	ck_assert_str_eq(g->ev[2].what, "file outside them");
	ck_assert_uint_eq(g->ev[2].value, 164 * MiB);
	ck_assert_str_eq(g->ev[3].what, "inactive_file outside them");
	ck_assert_uint_eq(g->ev[3].value, 158 * MiB);
	/* the dying cgroups are a signal, and point at the same bytes */
	struct pm_finding *d = pm_explain_find(&f->x, PM_F_DYING_CGROUPS);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->value, 2);
	ck_assert_uint_eq(d->ev[1].value, 164 * MiB);
	pm_set(p, PM_M_DYING_DESCENDANTS, 0);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert(!made(f, PM_F_DYING_CGROUPS));
	/* the containers hold it all: no finding */
	pm_set(&f->ctr[1].val, PM_M_USAGE, 199 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert(!made(f, PM_F_POD_LEVEL_CHARGE));
}
END_TEST

START_TEST(signals)
{
	struct fx *f = fx_new(2, 2, false);
	struct pm_values *p = &f->pod.val, *a = &f->ctr[0].val, *b = &f->ctr[1].val;
	/* events: the pod's, or its containers' sum when larger */
	pm_set(p, PM_M_EVENTS_OOM_KILL, 1);
	pm_set(a, PM_M_EVENTS_OOM_KILL, 2);
	pm_set(b, PM_M_EVENTS_OOM_KILL, 3);
	pm_set(p, PM_M_EVENTS_MAX, 9);
	pm_set(a, PM_M_EVENTS_MAX, 4);
	pm_set(p, PM_M_EVENTS_HIGH, 0);
	pm_set(p, PM_M_PRESSURE_SOME, 999999);
	ck_assert_int_eq(explain(f, NULL), 0);
	struct pm_finding *g = pm_explain_find(&f->x, PM_F_OOM_KILLS);
	ck_assert_uint_eq(g->value, 5);
	ck_assert_str_eq(g->ev[1].what, "container sidecar"); /* after "pod", largest first */
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_LIMIT_HITS)->value, 9);
	ck_assert(!made(f, PM_F_THROTTLED));
	ck_assert(!made(f, PM_F_MEMORY_PRESSURE)); /* 1 s less a microsecond */
	pm_set(p, PM_M_EVENTS_HIGH, 1);
	pm_set(p, PM_M_PRESSURE_SOME, 1000000);
	pm_set(p, PM_M_PRESSURE_FULL, 250000);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_uint_eq(pm_explain_find(&f->x, PM_F_THROTTLED)->value, 1);
	g = pm_explain_find(&f->x, PM_F_MEMORY_PRESSURE);
	ck_assert_uint_eq(g->value, 1000000);
	ck_assert_uint_eq(g->unit, PM_UNIT_USEC);
	ck_assert_uint_eq(g->ev[1].value, 250000);
}
END_TEST

START_TEST(near_limit_edge)
{
	struct fx *f = fx_new(1, 2, false);
	pm_set(&f->pod.val, PM_M_LIMIT, 2000 * MiB);
	pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, 1000 * MiB);
	pm_set(&f->ctr[1].val, PM_M_LIMIT, 1000 * MiB);
	pm_set(&f->ctr[1].val, PM_M_WORKING_SET_KUBELET, 900 * MiB - 1);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert(!made(f, PM_F_NEAR_LIMIT));
	pm_set(&f->ctr[1].val, PM_M_WORKING_SET_KUBELET, 900 * MiB); /* exactly 90% */
	ck_assert_int_eq(explain(f, NULL), 0);
	struct pm_finding *g = pm_explain_find(&f->x, PM_F_NEAR_LIMIT);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->value, 100 * MiB);
	ck_assert_uint_eq(g->n_ev, 2);
	ck_assert_str_eq(g->ev[0].what, "container sidecar working_set_kubelet");
	ck_assert_str_eq(g->ev[1].what, "container sidecar limit");
	/* the pod too, the tightest headroom wins */
	pm_set(&f->pod.val, PM_M_WORKING_SET_KUBELET, 1990 * MiB);
	ck_assert_int_eq(explain(f, NULL), 0);
	g = pm_explain_find(&f->x, PM_F_NEAR_LIMIT);
	ck_assert_uint_eq(g->value, 10 * MiB);
	ck_assert_uint_eq(g->n_ev, 4);
	ck_assert_str_eq(g->ev[0].what, "pod working_set_kubelet");
}
END_TEST

START_TEST(qos_formulas)
{
	/* KEP-2570's example, in abstract units */
	ck_assert_uint_eq(pm_qos_memory_high(500, 1000, 0.9, 1), 950);
	/* page rounding: 512Mi + 0.9 x 512Mi = 1020054732.8, down to a page */
	ck_assert_uint_eq(pm_qos_memory_high(512 * MiB, 1 * GiB, 0.9, 4096), 1020051456);
	ck_assert_uint_eq(1020051456 % 4096, 0);
	ck_assert_uint_eq(pm_qos_memory_high(512 * MiB, 1 * GiB, 0.5, 4096), 768 * MiB);
	/* Guaranteed (request == limit), and a request above the limit: none */
	ck_assert_uint_eq(pm_qos_memory_high(1 * GiB, 1 * GiB, 0.9, 4096), 0);
	ck_assert_uint_eq(pm_qos_memory_high(2 * GiB, 1 * GiB, 0.9, 4096), 0);
	/* not above the request after rounding: kubelet writes none */
	ck_assert_uint_eq(pm_qos_memory_high(4096, 4097, 0.9, 4096), 0);
	/* koordinator: throttlingPercent 80 */
	ck_assert_uint_eq(pm_koord_memory_high(500, 1000, 80, 1), 900);
	ck_assert_uint_eq(pm_koord_memory_high(512 * MiB, 1 * GiB, 80, 4096), 966365184);
	ck_assert_uint_eq(pm_koord_memory_high(512 * MiB, 1 * GiB, 0, 4096), 0); /* 0%: max */
	ck_assert_uint_eq(pm_koord_memory_high(1 * GiB, 1 * GiB, 80, 4096), 1 * GiB);
}
END_TEST

START_TEST(high_effect)
{
	struct pm_values v = {0};
	pm_set(&v, PM_M_USAGE, 1000 * MiB);
	pm_set(&v, PM_M_INACTIVE_FILE, 100 * MiB);
	pm_set(&v, PM_M_ACTIVE_FILE, 300 * MiB);
	pm_set(&v, PM_M_WORKING_SET_KUBELET, 900 * MiB);
	struct pm_high_effect e = pm_high_effect(&v, 800 * MiB);
	ck_assert_uint_eq(e.over, 200 * MiB);
	ck_assert_uint_eq(e.reclaim, 200 * MiB);      /* inactive first ... */
	ck_assert_uint_eq(e.reclaim_active, 100 * MiB); /* ... then active */
	ck_assert_uint_eq(e.stuck, 0);
	ck_assert_uint_eq(e.ws_kubelet_after, 800 * MiB);
	e = pm_high_effect(&v, 500 * MiB); /* more over it than there is cache */
	ck_assert_uint_eq(e.reclaim, 400 * MiB);
	ck_assert_uint_eq(e.reclaim_active, 300 * MiB);
	ck_assert_uint_eq(e.stuck, 100 * MiB);
	ck_assert_uint_eq(e.ws_kubelet_after, 600 * MiB);
	e = pm_high_effect(&v, 1200 * MiB); /* under it: nothing */
	ck_assert_uint_eq(e.over + e.reclaim + e.stuck, 0);
	ck_assert_uint_eq(e.ws_kubelet_after, 900 * MiB);
}
END_TEST

/* a container with a limit: its min, low, high, max; the request from
 * memory.min, --request, or Guaranteed; the formulas' effect on it */
START_TEST(fix_rows)
{
	struct fx *f = fx_new(2, 3, true);
	struct pm_values *app = &f->ctr[1].val;
	pm_set(&f->pod.val, PM_M_LIMIT, 2 * GiB);
	pm_set(&f->ctr[0].val, PM_M_LIMIT, 1 * GiB); /* the sandbox: never a row */
	pm_set(app, PM_M_LIMIT, 1 * GiB);
	pm_set(app, PM_M_MIN, 512 * MiB);
	pm_set(app, PM_M_USAGE, 1000 * MiB);
	pm_set(app, PM_M_INACTIVE_FILE, 100 * MiB);
	pm_set(app, PM_M_ACTIVE_FILE, 300 * MiB);
	pm_set(app, PM_M_WORKING_SET_KUBELET, 900 * MiB);
	struct pm_explain_opts o = {.page_size = 4096};
	ck_assert_int_eq(explain(f, &o), 0);
	ck_assert_uint_eq(f->x.n_fixes, 1); /* the third has no limit */
	struct pm_fix *x = &f->x.fixes[0];
	ck_assert_ptr_eq(x->ctr, &f->ctr[1]);
	ck_assert_ptr_eq(x->val, app);
	ck_assert_int_eq(x->request_from, PM_REQ_MIN);
	ck_assert_uint_eq(x->request, 512 * MiB);
	ck_assert(!x->qos_none);
	ck_assert_uint_eq(x->qos.high, 1020051456);
	ck_assert_uint_eq(x->qos.over, 1000 * MiB - 1020051456);
	ck_assert_uint_eq(x->qos.reclaim, x->qos.over);
	ck_assert_uint_eq(x->qos.reclaim_active, 0); /* 28Mi: all from the inactive list */
	ck_assert_uint_eq(x->koord.high, 966365184);
	ck_assert_uint_eq(x->koord.reclaim, 1000 * MiB - 966365184);
	ck_assert_uint_eq(x->koord.reclaim_active, 0); /* 78.4Mi, less than the inactive 100Mi */
	ck_assert_double_eq(f->x.throttling_factor, 0.9);
	ck_assert_uint_eq(f->x.koord_throttling_percent, 80);

	/* --request beats memory.min; a factor of its own */
	struct pm_request r = {NULL, 256 * MiB};
	o = (struct pm_explain_opts){.page_size = 4096, .throttling_factor = 0.5, .koord_throttling_percent = 50,
				     .requests = &r, .n_requests = 1};
	ck_assert_int_eq(explain(f, &o), 0);
	x = &f->x.fixes[0];
	ck_assert_int_eq(x->request_from, PM_REQ_OPTION);
	ck_assert_uint_eq(x->qos.high, 640 * MiB);
	ck_assert_uint_eq(x->koord.high, 640 * MiB);

	/* two containers with limits: an unnamed request applies to neither, a named one to its own */
	pm_set(&f->ctr[2].val, PM_M_LIMIT, 256 * MiB);
	pm_unset(app, PM_M_MIN);
	ck_assert_int_eq(explain(f, &o), 0);
	ck_assert_uint_eq(f->x.n_fixes, 2);
	ck_assert_int_eq(f->x.fixes[0].request_from, PM_REQ_UNKNOWN);
	ck_assert_int_eq(f->x.fixes[1].request_from, PM_REQ_UNKNOWN);
	ck_assert_uint_eq(f->x.fixes[0].qos.high + f->x.fixes[0].koord.high, 0);
	r.container = "sidecar";
	ck_assert_int_eq(explain(f, &o), 0);
	ck_assert_int_eq(f->x.fixes[0].request_from, PM_REQ_UNKNOWN);
	ck_assert_int_eq(f->x.fixes[1].request_from, PM_REQ_OPTION);
	ck_assert(f->x.fixes[1].qos_none); /* 256Mi: the request is the limit */
	ck_assert_uint_eq(f->x.fixes[1].qos.high, 0);
	r.container = "nosuch";
	ck_assert_int_eq(explain(f, &o), -ENOENT);
	ck_assert_uint_eq(f->x.n_findings + f->x.n_fixes, 0);

	/* Guaranteed: the request is the limit, and Memory QoS sets no memory.high */
	f->pod.ident.qos = PM_QOS_GUARANTEED;
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_int_eq(f->x.fixes[0].request_from, PM_REQ_GUARANTEED);
	ck_assert_uint_eq(f->x.fixes[0].request, 1 * GiB);
	ck_assert(f->x.fixes[0].qos_none);

	/* no container limit: the pod's own row; no limit at all: none */
	pm_unset(app, PM_M_LIMIT);
	pm_unset(&f->ctr[2].val, PM_M_LIMIT);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_uint_eq(f->x.n_fixes, 1);
	ck_assert_ptr_null(f->x.fixes[0].ctr);
	ck_assert_ptr_eq(f->x.fixes[0].val, &f->pod.val);
	pm_unset(&f->pod.val, PM_M_LIMIT);
	ck_assert_int_eq(explain(f, NULL), 0);
	ck_assert_uint_eq(f->x.n_fixes, 0);
}
END_TEST

/* the inputs explain needs from a v2 tree: memory.min, memory.low and
 * cgroup.stat's nr_dying_descendants, read from the fixture's files */
START_TEST(v2_inputs)
{
	const char *dir = fixture_make("--version 2 --driver cgroupfs");
	char root[512], procs[512];
	snprintf(root, sizeof root, "%s/cgroup", dir);
	snprintf(procs, sizeof procs, "%s/proc", dir);
	struct pm_opts o = {.cgroup_root = root, .proc_root = procs};
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_uint_eq(s.n_pods, 3);
	for (size_t i = 0; i < s.n_pods; i++) {
		const struct pm_pod *p = &s.pods[i];
		ck_assert(pm_has(&p->val, PM_M_MIN) && pm_has(&p->val, PM_M_LOW));
		ck_assert_uint_eq(p->val.v[PM_M_DYING_DESCENDANTS], 1);
		ck_assert(pm_has(&p->val, PM_M_DYING_DESCENDANTS));
		for (size_t k = 0; k < p->n_containers; k++) {
			ck_assert(pm_has(&p->containers[k].val, PM_M_DYING_DESCENDANTS));
			ck_assert_uint_eq(p->containers[k].val.v[PM_M_DYING_DESCENDANTS], 0);
		}
		struct pm_explanation x = {0};
		ck_assert_int_eq(pm_explain(&s, p, NULL, &x), 0);
		ck_assert_ptr_nonnull(pm_explain_find(&x, PM_F_DYING_CGROUPS));
		pm_explanation_free(&x);
	}
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

Suite *suite_explain(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = tcase_create("explain");
	tcase_add_test(tc, rules_table);
	tcase_add_test(tc, cause_edges);
	tcase_add_test(tc, cause_amounts);
	tcase_add_test(tc, files_evidence);
	tcase_add_test(tc, ranking);
	tcase_add_test(tc, evidence);
	tcase_add_test(tc, pod_level_charge);
	tcase_add_test(tc, signals);
	tcase_add_test(tc, near_limit_edge);
	tcase_add_test(tc, qos_formulas);
	tcase_add_test(tc, high_effect);
	tcase_add_test(tc, fix_rows);
	tcase_add_test(tc, v2_inputs);
	suite_add_tcase(s, tc);
	return s;
}
