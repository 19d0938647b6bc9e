/*
 * podmem explain's analysis: from one pod's values (its own cgroup's and its
 * containers'), where its memory is, in findings ranked by bytes, each with
 * the numbers behind it and one line of advice; and the fix: what the
 * memory.high of Kubernetes Memory QoS (and koordinator's) would be for each
 * container with a limit, and what it would do now. Prints nothing.
 *
 * Every finding is made by one rule of pm_explain_rules, with its threshold
 * there, so that the README's table and the code cannot drift apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pm_internal.h"

#define MiB ((uint64_t)1 << 20)

const struct pm_rule pm_explain_rules[PM_F__COUNT] = {
	[PM_F_IDLE_ANON] = {"idle-anon", false, 16 * MiB, 100, 0,
			    "inactive_anon - shmem: anonymous memory on the inactive list (shmem sits on the anon lists)",
			    "Anonymous memory nobody touched lately: it cannot be reclaimed without swap, so it stays in "
			    "the working set; find the process's caches, leaks or oversized heap (/proc/PID/smaps)."},
	[PM_F_SHMEM_TMPFS] = {"shmem-tmpfs", false, 4 * MiB, 50, 0, "shmem: tmpfs, /dev/shm and shared anonymous memory",
			      "tmpfs memory (emptyDir medium: Memory, /dev/shm) stays charged to the pod when its "
			      "container restarts, which then starts near its limit: use a disk-backed emptyDir, or "
			      "set a sizeLimit."},
	[PM_F_HOT_FILE_CACHE] = {"hot-file-cache", false, 16 * MiB, 100, 0,
				 "active_file: page cache used more than once, counted in both working sets",
				 "Cap the cache with memory.high (Kubernetes Memory QoS, koordinator), drop what is read "
				 "once with posix_fadvise(POSIX_FADV_DONTNEED), or read it with direct I/O."},
	[PM_F_DIRTY_WRITEBACK] = {"dirty-writeback", false, 8 * MiB, 50, 0,
				  "file_dirty + file_writeback: written page cache not yet on disk",
				  "Dirty pages cannot be reclaimed until they are written back: fsync or fdatasync what "
				  "the application writes, or lower the node's vm.dirty_bytes."},
	[PM_F_KERNEL_MEMORY] = {"kernel-memory", false, 16 * MiB, 100, 0,
				"kernel (+ sock on v2) - slab_reclaimable: slab, stacks, page tables, percpu, vmalloc, "
				"socket buffers (v1: kmem, not broken down)",
				"Kernel memory is not reclaimed like cache: many sockets, open files, threads or "
				"mappings are the usual source."},
	[PM_F_RECLAIMABLE_SLAB] = {"reclaimable-slab", false, 8 * MiB, 50, 0,
				   "slab_reclaimable: dentry and inode caches (v2 only)",
				   "The kernel can reclaim these under pressure, but kubelet counts them in the working "
				   "set (cadvisor#3081): many files created, opened or stat()ed."},
	[PM_F_POD_LEVEL_CHARGE] = {"pod-level-charge", false, 8 * MiB, 50, 0,
				   "pod usage - the sum of its containers' usage: charged to no live container",
				   "Cache of exited or restarted containers (and the pod cgroup's own) stays charged to "
				   "the pod until it is reclaimed; tmpfs and anonymous parts stay until freed."},
	[PM_F_UNACCOUNTED] = {"unaccounted", false, 32 * MiB, 50, 0,
			      "usage - anon - file - kernel (- sock on v2): usage no category explains",
			      "Per-CPU statistics lag, or memory this kernel does not break out in memory.stat: "
			      "compare with a later sample."},
	[PM_F_DELETED_OPEN] = {"deleted-open", false, 8 * MiB, 50, 0,
			       "page cache of files unlinked but still open or mapped by the pod's processes (a file "
			       "scan: charged bytes where known, else cached)",
			       "The classic rotated log: the file is gone from its directory, but a process holds it "
			       "open, so its cache (and its disk space) stay until it closes it: make the process reopen "
			       "its files (SIGHUP, logrotate's copytruncate) or restart it."},
	[PM_F_OOM_KILLS] = {"oom-kills", true, 0, 0, 1, "events_oom_kill: processes the OOM killer killed",
			    "The working set reached the limit with nothing left to reclaim: raise the limit, or cut "
			    "the largest cause above."},
	[PM_F_NEAR_LIMIT] = {"near-limit", true, 0, 900, 0,
			     "limit - working_set_kubelet of the tightest cgroup: the headroom left",
			     "The next burst is taken from active cache at best, an OOM kill at worst: raise the "
			     "limit, or cut the largest cause above."},
	[PM_F_LIMIT_HITS] = {"limit-hits", true, 0, 0, 1, "events_max (v1: failcnt): times usage hit the limit",
			     "The kernel reclaimed to stay under the limit: harmless while there is cold cache to "
			     "reclaim, slow when it takes active cache, an OOM kill when there is none."},
	[PM_F_THROTTLED] = {"throttled", true, 0, 0, 1, "events_high: times allocations were throttled over memory.high",
			    "The pod ran slower while the kernel reclaimed down to memory.high: raise it, or shrink "
			    "the working set."},
	[PM_F_MEMORY_PRESSURE] = {"memory-pressure", true, 0, 0, 1000000,
				  "pressure_some: time tasks stalled waiting for memory (PSI, since the cgroup began)",
				  "Reclaim and refaults slowed the pod down: the causes above say what fills it."},
	[PM_F_DYING_CGROUPS] = {"dying-cgroups", true, 0, 0, 1,
				"dying_descendants: removed cgroups below the pod not yet freed (v2)",
				"Removed containers' cgroups are kept while memory is charged to them, most often page "
				"cache: it shows as the charge to no live container, and goes when that is reclaimed."},
};

const char *const pm_part_names[PM_P__COUNT] = {
	[PM_P_ANON_ACTIVE] = "anon_active", [PM_P_ANON_INACTIVE] = "anon_inactive",
	[PM_P_FILE_ACTIVE] = "file_active", [PM_P_FILE_INACTIVE] = "file_inactive",
	[PM_P_SHMEM] = "shmem",	     [PM_P_KERNEL] = "kernel",
	[PM_P_UNACCOUNTED] = "unaccounted",
};

static uint64_t val(const struct pm_values *v, enum pm_metric m)
{
	return pm_has(v, m) ? v->v[m] : 0;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* ---- what each cause measures, in one cgroup --------------------------- */

static uint64_t idle_anon(const struct pm_values *v, int version)
{
	(void)version;
	return sub0(val(v, PM_M_INACTIVE_ANON), val(v, PM_M_SHMEM));
}

static uint64_t dirty(const struct pm_values *v, int version)
{
	(void)version;
	return val(v, PM_M_FILE_DIRTY) + val(v, PM_M_FILE_WRITEBACK);
}

/* v2 memory.current holds sock beside kernel; v1's TCP buffers have their own counter */
static uint64_t kernel_all(const struct pm_values *v, int version)
{
	return val(v, PM_M_KERNEL) + (version == 2 ? val(v, PM_M_SOCK) : 0);
}

static uint64_t kernel_unreclaimable(const struct pm_values *v, int version)
{
	return sub0(kernel_all(v, version), val(v, PM_M_SLAB_RECLAIMABLE));
}

/* an amount in one cgroup: a function of its values, or (fn NULL) one metric */
struct measure {
	uint64_t (*fn)(const struct pm_values *v, int version);
	enum pm_metric m;
};

static uint64_t measure(const struct measure *ms, const struct pm_values *v, int version)
{
	return ms->fn ? ms->fn(v, version) : val(v, ms->m);
}

struct cause {
	struct measure amount;
	enum pm_metric show[8]; /* the pod's metrics shown as evidence */
	unsigned n_show;
};

static const struct cause causes[] = {
	[PM_F_IDLE_ANON] = {{.fn = idle_anon}, {PM_M_INACTIVE_ANON, PM_M_SHMEM, PM_M_ANON, PM_M_SWAP}, 4},
	[PM_F_SHMEM_TMPFS] = {{.m = PM_M_SHMEM}, {PM_M_SHMEM, PM_M_FILE}, 2},
	[PM_F_HOT_FILE_CACHE] = {{.m = PM_M_ACTIVE_FILE},
				 {PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_FILE_MAPPED, PM_M_WORKINGSET_REFAULT_FILE}, 4},
	[PM_F_DIRTY_WRITEBACK] = {{.fn = dirty}, {PM_M_FILE_DIRTY, PM_M_FILE_WRITEBACK, PM_M_FILE}, 3},
	[PM_F_KERNEL_MEMORY] = {{.fn = kernel_unreclaimable},
				{PM_M_KERNEL, PM_M_SLAB_UNRECLAIMABLE, PM_M_KERNEL_STACK, PM_M_PAGETABLES, PM_M_PERCPU,
				 PM_M_VMALLOC, PM_M_SOCK},
				7},
	[PM_F_RECLAIMABLE_SLAB] = {{.m = PM_M_SLAB_RECLAIMABLE}, {PM_M_SLAB_RECLAIMABLE, PM_M_SLAB}, 2},
	[PM_F_POD_LEVEL_CHARGE] = {{.m = PM_M_USAGE}, {PM_M_USAGE}, 0}, /* pod_level_charge() */
	[PM_F_UNACCOUNTED] = {{.m = PM_M_UNACCOUNTED}, {PM_M_USAGE, PM_M_ANON, PM_M_FILE, PM_M_KERNEL, PM_M_SOCK}, 5},
};

/* ---- findings ------------------------------------------------------------ */

bool pm_finding_note(struct pm_finding *f, const char *what, uint64_t value, enum pm_unit unit)
{
	if (f->n_ev == PM_EVIDENCE_MAX)
		return false;
	struct pm_evidence *e = &f->ev[f->n_ev++];
	pm_copy(e->what, sizeof e->what, what);
	e->value = value;
	e->unit = unit;
	return true;
}

/* metric M of V, when it is known and not 0 */
static void note_metric(struct pm_finding *f, const struct pm_values *v, enum pm_metric m)
{
	if (pm_has(v, m) && v->v[m])
		pm_finding_note(f, pm_metrics[m].name, v->v[m], pm_metrics[m].unit);
}

/* F's value and its share of the pod's working set (a cause's) */
static void set_value(const struct pm_explanation *x, struct pm_finding *f, uint64_t value)
{
	uint64_t ws = val(&x->pod->val, PM_M_WORKING_SET_KUBELET);
	f->value = value;
	f->share = !pm_explain_rules[f->code].signal && ws ? (double)value / (double)ws : -1;
}

static struct pm_finding *make(struct pm_explanation *x, enum pm_finding_code code, uint64_t value, enum pm_unit unit)
{
	struct pm_finding *f = &x->findings[x->n_findings++];
	memset(f, 0, sizeof *f);
	f->code = code;
	f->unit = unit;
	set_value(x, f, value);
	return f;
}

/* a cause's bytes pass its rule: at least min_bytes, and min_permille of the working set */
static bool passes(enum pm_finding_code code, uint64_t bytes, uint64_t ws)
{
	const struct pm_rule *r = &pm_explain_rules[code];
	return bytes >= r->min_bytes && (unsigned __int128)bytes * 1000 >= (unsigned __int128)r->min_permille * ws;
}

/* Notes "container NAME" for each container with an AMOUNT above 0,
 * largest first (ties in the pod's order), while F has room for RESERVE more. */
static void note_containers(struct pm_finding *f, const struct pm_pod *pod, int version, const struct measure *amount,
			    enum pm_unit unit, unsigned reserve)
{
	uint64_t prev = 0;
	size_t prev_i = SIZE_MAX;
	char what[PM_EVIDENCE_WHAT];

	while (f->n_ev + reserve < PM_EVIDENCE_MAX) {
		size_t best = SIZE_MAX;
		uint64_t best_a = 0;
		for (size_t i = 0; i < pod->n_containers; i++) {
			uint64_t a = measure(amount, &pod->containers[i].val, version);
			/* the next in (amount descending, index ascending) order after the previous one */
			bool after = prev_i == SIZE_MAX || a < prev || (a == prev && i > prev_i);
			if (a && after && (best == SIZE_MAX || a > best_a)) {
				best = i;
				best_a = a;
			}
		}
		if (best == SIZE_MAX)
			return;
		snprintf(what, sizeof what, "container %s", pod->containers[best].ident.name);
		pm_finding_note(f, what, best_a, unit);
		prev = best_a;
		prev_i = best;
	}
}

/* the sum of AMOUNT over POD's containers */
static uint64_t containers_sum(const struct pm_pod *pod, int version, const struct measure *amount)
{
	uint64_t s = 0;
	for (size_t i = 0; i < pod->n_containers; i++)
		s += measure(amount, &pod->containers[i].val, version);
	return s;
}

static void pod_level_charge(struct pm_explanation *x, uint64_t ws)
{
	static const enum pm_metric outside[] = {PM_M_FILE, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_SHMEM, PM_M_ANON,
						 PM_M_KERNEL};
	const struct pm_pod *pod = x->pod;
	const struct pm_values *pv = &pod->val;
	if (!pm_has(pv, PM_M_USAGE))
		return;
	uint64_t in_ctrs = containers_sum(pod, x->cgroup_version, &causes[PM_F_POD_LEVEL_CHARGE].amount);
	uint64_t bytes = sub0(pv->v[PM_M_USAGE], in_ctrs);
	if (!passes(PM_F_POD_LEVEL_CHARGE, bytes, ws))
		return;
	struct pm_finding *f = make(x, PM_F_POD_LEVEL_CHARGE, bytes, PM_UNIT_BYTES);
	char what[64];
	pm_finding_note(f, "usage", pv->v[PM_M_USAGE], PM_UNIT_BYTES);
	pm_finding_note(f, "usage of the live containers", in_ctrs, PM_UNIT_BYTES);
	for (size_t i = 0; i < PM_ARRAY_LEN(outside); i++) {
		if (!pm_has(pv, outside[i]))
			continue;
		struct measure ms = {NULL, outside[i]};
		uint64_t o = sub0(pv->v[outside[i]], containers_sum(pod, x->cgroup_version, &ms));
		snprintf(what, sizeof what, "%s outside them", pm_metrics[outside[i]].name);
		if (o)
			pm_finding_note(f, what, o, PM_UNIT_BYTES);
	}
	note_metric(f, pv, PM_M_DYING_DESCENDANTS);
}

static void find_causes(struct pm_explanation *x)
{
	const struct pm_pod *pod = x->pod;
	const struct pm_values *pv = &pod->val;
	uint64_t ws = val(pv, PM_M_WORKING_SET_KUBELET);

	for (int c = 0; c < (int)PM_ARRAY_LEN(causes); c++) {
		const struct cause *k = &causes[c];
		if (c == PM_F_POD_LEVEL_CHARGE) {
			pod_level_charge(x, ws);
			continue;
		}
		uint64_t bytes = measure(&k->amount, pv, x->cgroup_version);
		if (!passes((enum pm_finding_code)c, bytes, ws))
			continue;
		struct pm_finding *f = make(x, (enum pm_finding_code)c, bytes, PM_UNIT_BYTES);
		for (unsigned i = 0; i < k->n_show; i++)
			note_metric(f, pv, k->show[i]);
		note_containers(f, pod, x->cgroup_version, &k->amount, PM_UNIT_BYTES, 1);
		uint64_t rest = sub0(bytes, containers_sum(pod, x->cgroup_version, &k->amount));
		if (rest >= MiB)
			pm_finding_note(f, "charged to no live container", rest, PM_UNIT_BYTES);
	}
}

/* ---- signals ------------------------------------------------------------- */

/* an event counter: the pod's, or its containers' sum when larger (v1
 * counts limit hits where the limit is, v2 counts them up the tree) */
static void event_signal(struct pm_explanation *x, enum pm_finding_code code, enum pm_metric m)
{
	const struct pm_pod *pod = x->pod;
	struct measure ms = {NULL, m};
	uint64_t own = val(&pod->val, m), sum = containers_sum(pod, x->cgroup_version, &ms);
	uint64_t n = own > sum ? own : sum;
	if (n < pm_explain_rules[code].min_value || !n)
		return;
	struct pm_finding *f = make(x, code, n, pm_metrics[m].unit);
	if (pm_has(&pod->val, m))
		pm_finding_note(f, "pod", own, pm_metrics[m].unit);
	note_containers(f, pod, x->cgroup_version, &ms, pm_metrics[m].unit, 0);
}

static void pressure_signal(struct pm_explanation *x)
{
	const struct pm_values *pv = &x->pod->val;
	if (!pm_has(pv, PM_M_PRESSURE_SOME) || pv->v[PM_M_PRESSURE_SOME] < pm_explain_rules[PM_F_MEMORY_PRESSURE].min_value)
		return;
	struct pm_finding *f = make(x, PM_F_MEMORY_PRESSURE, pv->v[PM_M_PRESSURE_SOME], PM_UNIT_USEC);
	note_metric(f, pv, PM_M_PRESSURE_SOME);
	note_metric(f, pv, PM_M_PRESSURE_FULL);
	static const struct measure some = {NULL, PM_M_PRESSURE_SOME};
	note_containers(f, x->pod, x->cgroup_version, &some, PM_UNIT_USEC, 0);
}

static void dying_signal(struct pm_explanation *x)
{
	const struct pm_pod *pod = x->pod;
	const struct pm_values *pv = &pod->val;
	if (!pm_has(pv, PM_M_DYING_DESCENDANTS) ||
	    pv->v[PM_M_DYING_DESCENDANTS] < pm_explain_rules[PM_F_DYING_CGROUPS].min_value)
		return;
	struct pm_finding *f = make(x, PM_F_DYING_CGROUPS, pv->v[PM_M_DYING_DESCENDANTS], PM_UNIT_COUNT);
	note_metric(f, pv, PM_M_DYING_DESCENDANTS);
	if (pm_has(pv, PM_M_USAGE))
		pm_finding_note(f, "charged to no live container",
				sub0(pv->v[PM_M_USAGE], containers_sum(pod, x->cgroup_version, &causes[PM_F_POD_LEVEL_CHARGE].amount)),
				PM_UNIT_BYTES);
}

/* whether V's working set is within the rule's share of its limit */
static bool near(const struct pm_values *v)
{
	if (!pm_has(v, PM_M_LIMIT) || !pm_has(v, PM_M_WORKING_SET_KUBELET))
		return false;
	return (unsigned __int128)v->v[PM_M_WORKING_SET_KUBELET] * 1000 >=
	       (unsigned __int128)pm_explain_rules[PM_F_NEAR_LIMIT].min_permille * v->v[PM_M_LIMIT];
}

static void note_near(struct pm_finding *f, const char *who, const struct pm_values *v)
{
	char what[PM_EVIDENCE_WHAT];
	snprintf(what, sizeof what, "%s working_set_kubelet", who);
	pm_finding_note(f, what, v->v[PM_M_WORKING_SET_KUBELET], PM_UNIT_BYTES);
	snprintf(what, sizeof what, "%s limit", who);
	pm_finding_note(f, what, v->v[PM_M_LIMIT], PM_UNIT_BYTES);
}

static void near_limit(struct pm_explanation *x)
{
	const struct pm_pod *pod = x->pod;
	uint64_t headroom = UINT64_MAX;
	struct pm_finding *f = NULL;
	char who[PM_NAME_MAX + 16];

	for (size_t i = 0; i <= pod->n_containers; i++) {
		const struct pm_values *v = i == 0 ? &pod->val : &pod->containers[i - 1].val;
		if (!near(v))
			continue;
		if (!f)
			f = make(x, PM_F_NEAR_LIMIT, 0, PM_UNIT_BYTES);
		uint64_t h = sub0(v->v[PM_M_LIMIT], v->v[PM_M_WORKING_SET_KUBELET]);
		if (h < headroom)
			headroom = h;
		if (i == 0)
			snprintf(who, sizeof who, "pod");
		else
			snprintf(who, sizeof who, "container %s", pod->containers[i - 1].ident.name);
		if (f->n_ev + 2 <= PM_EVIDENCE_MAX)
			note_near(f, who, v);
	}
	if (f)
		set_value(x, f, headroom);
}

/* ---- ranking ------------------------------------------------------------- */

static int cmp_finding(const void *pa, const void *pb)
{
	const struct pm_finding *a = pa, *b = pb;
	bool sa = pm_explain_rules[a->code].signal, sb = pm_explain_rules[b->code].signal;
	if (sa != sb)
		return sa ? 1 : -1;
	if (!sa && a->value != b->value)
		return a->value < b->value ? 1 : -1;
	return (int)a->code - (int)b->code;
}

void pm_explain_rank(struct pm_explanation *x)
{
	if (x->n_findings)
		qsort(x->findings, x->n_findings, sizeof x->findings[0], cmp_finding);
}

struct pm_finding *pm_explain_find(struct pm_explanation *x, enum pm_finding_code code)
{
	for (unsigned i = 0; i < x->n_findings; i++)
		if (x->findings[i].code == code)
			return &x->findings[i];
	return NULL;
}

struct pm_finding *pm_explain_add(struct pm_explanation *x, enum pm_finding_code code, uint64_t value)
{
	struct pm_finding *f = pm_explain_find(x, code);
	if (f)
		set_value(x, f, value);
	else
		make(x, code, value, PM_UNIT_BYTES);
	pm_explain_rank(x);
	return pm_explain_find(x, code);
}

/* ---- what a file scan adds ------------------------------------------------ */

/* a file's bytes as explain counts them: charged to the pod where known */
static uint64_t file_bytes(const struct pm_files *fs, const struct pm_file *f)
{
	return fs->charged_known ? f->charged : f->cached;
}

/* "PATH (deleted), pid PID COMM fd N" */
static void file_what(char *buf, size_t cap, const struct pm_file *f)
{
	int n = snprintf(buf, cap, "%s%s", f->path, f->deleted ? " (deleted)" : "");
	if (n > 0 && (size_t)n < cap && f->n_holders) {
		const struct pm_file_holder *h = &f->holder[0];
		if (h->fd >= 0)
			snprintf(buf + n, cap - (size_t)n, ", pid %d %s fd %d", h->pid, h->comm, h->fd);
		else
			snprintf(buf + n, cap - (size_t)n, ", pid %d %s (mapped)", h->pid, h->comm);
	}
}

/* notes up to LEFT of FS's files that WANT takes, largest first (files are ranked so), into F */
static void note_files(struct pm_finding *f, const struct pm_files *fs, bool (*want)(const struct pm_file *),
		       unsigned left)
{
	char what[PM_EVIDENCE_WHAT];
	for (size_t i = 0; i < fs->n_files && left && f->n_ev < PM_EVIDENCE_MAX; i++) {
		const struct pm_file *file = &fs->files[i];
		if (!want(file) || !file_bytes(fs, file))
			continue;
		file_what(what, sizeof what, file);
		pm_finding_note(f, what, file_bytes(fs, file), PM_UNIT_BYTES);
		left--;
	}
}

static bool deleted_file(const struct pm_file *f)
{
	return f->deleted && !f->tmpfs; /* a deleted tmpfs file is tmpfs memory: shmem-tmpfs names it */
}

static bool tmpfs_file(const struct pm_file *f)
{
	return f->tmpfs;
}

static bool cache_file(const struct pm_file *f)
{
	return !f->tmpfs && !f->deleted;
}

void pm_explain_files(struct pm_explanation *x, const struct pm_files *fs)
{
	uint64_t deleted = 0;
	for (size_t i = 0; i < fs->n_files; i++)
		if (deleted_file(&fs->files[i]))
			deleted += file_bytes(fs, &fs->files[i]);
	if (passes(PM_F_DELETED_OPEN, deleted, val(&x->pod->val, PM_M_WORKING_SET_KUBELET))) {
		struct pm_finding *f = pm_explain_add(x, PM_F_DELETED_OPEN, deleted);
		f->n_ev = 0;
		note_files(f, fs, deleted_file, PM_EVIDENCE_MAX);
	}
	struct pm_finding *f = pm_explain_find(x, PM_F_SHMEM_TMPFS);
	if (f) {
		char what[PM_EVIDENCE_WHAT];
		/* the mounts that hold the pod's tmpfs files (a pod sharing the
		 * host's mount namespace sees every tmpfs of the host) */
		for (size_t i = 0; i < fs->n_mounts && f->n_ev < PM_EVIDENCE_MAX - 4; i++) {
			bool holds = false;
			for (size_t j = 0; j < fs->n_files && !holds; j++)
				holds = fs->files[j].tmpfs && fs->files[j].dev == fs->mounts[i].dev &&
					file_bytes(fs, &fs->files[j]);
			snprintf(what, sizeof what, "tmpfs %s, used", fs->mounts[i].path);
			if (holds && fs->mounts[i].used)
				pm_finding_note(f, what, fs->mounts[i].used, PM_UNIT_BYTES);
		}
		note_files(f, fs, tmpfs_file, 4);
	}
	if ((f = pm_explain_find(x, PM_F_HOT_FILE_CACHE)))
		note_files(f, fs, cache_file, 4);
	pm_explain_rank(x);
}

/* ---- the fix: memory.high ------------------------------------------------ */

uint64_t pm_qos_memory_high(uint64_t request, uint64_t limit, double factor, uint64_t page)
{
	if (request >= limit || !page)
		return 0;
	/* kubelet: int64(math.Floor(float64(req) + (float64(lim) - float64(req)) * factor) / float64(page)) * page */
	double x = (double)request + ((double)limit - (double)request) * factor;
	uint64_t high = (uint64_t)(x / (double)page) * page;
	return high > request ? high : 0;
}

uint64_t pm_koord_memory_high(uint64_t request, uint64_t limit, unsigned percent, uint64_t page)
{
	if (!percent || !page)
		return 0;
	if (request > limit)
		request = limit;
	double x = (double)request + ((double)limit - (double)request) * (double)percent / 100.0;
	return (uint64_t)(x / (double)page) * page;
}

struct pm_high_effect pm_high_effect(const struct pm_values *v, uint64_t high)
{
	struct pm_high_effect e = {.high = high};
	uint64_t inactive = val(v, PM_M_INACTIVE_FILE), active = val(v, PM_M_ACTIVE_FILE);
	e.over = sub0(val(v, PM_M_USAGE), high);
	e.reclaim = e.over < inactive + active ? e.over : inactive + active;
	e.reclaim_active = sub0(e.reclaim, inactive);
	e.stuck = e.over - e.reclaim;
	e.ws_kubelet_after = sub0(val(v, PM_M_WORKING_SET_KUBELET), e.reclaim_active);
	return e;
}

/* the request the user gave for container NAME (NULL: the pod), ONLY: the fix has one row */
static const struct pm_request *given(const struct pm_explain_opts *o, const char *name, bool only)
{
	for (size_t i = 0; i < o->n_requests; i++)
		if (o->requests[i].container ? name && !strcmp(o->requests[i].container, name) : only)
			return &o->requests[i];
	return NULL;
}

static void fix_one(struct pm_explanation *x, struct pm_fix *f, const struct pm_explain_opts *o, bool only)
{
	const struct pm_values *v = f->val;
	const struct pm_request *r = given(o, f->ctr ? f->ctr->ident.name : NULL, only);
	uint64_t limit = v->v[PM_M_LIMIT];

	if (r) {
		f->request = r->bytes;
		f->request_from = PM_REQ_OPTION;
	} else if (x->pod->ident.qos == PM_QOS_GUARANTEED) {
		f->request = limit;
		f->request_from = PM_REQ_GUARANTEED;
	} else if (val(v, PM_M_MIN) > 0) {
		f->request = v->v[PM_M_MIN];
		f->request_from = PM_REQ_MIN;
	} else {
		return;
	}
	uint64_t high = pm_qos_memory_high(f->request, limit, x->throttling_factor, x->page_size);
	f->qos_none = high == 0;
	if (high)
		f->qos = pm_high_effect(v, high);
	high = pm_koord_memory_high(f->request, limit, x->koord_throttling_percent, x->page_size);
	if (high)
		f->koord = pm_high_effect(v, high);
}

static int add_fix(struct pm_explanation *x, const struct pm_container *ctr, const struct pm_values *v)
{
	struct pm_fix *f = pm_grow(&x->fixes, &x->cap_fixes, x->n_fixes, sizeof *x->fixes);
	if (!f)
		return -ENOMEM;
	x->n_fixes++;
	*f = (struct pm_fix){.ctr = ctr, .val = v};
	return 0;
}

static int find_fixes(struct pm_explanation *x, const struct pm_explain_opts *o)
{
	const struct pm_pod *pod = x->pod;
	for (size_t i = 0; i < pod->n_containers; i++) {
		const struct pm_container *c = &pod->containers[i];
		if (!c->ident.sandbox && pm_has(&c->val, PM_M_LIMIT) && add_fix(x, c, &c->val) < 0)
			return -ENOMEM;
	}
	if (!x->n_fixes && pm_has(&pod->val, PM_M_LIMIT) && add_fix(x, NULL, &pod->val) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_fixes; i++)
		fix_one(x, &x->fixes[i], o, x->n_fixes == 1);
	return 0;
}

/* ---- the whole ----------------------------------------------------------- */

static bool has_container(const struct pm_pod *pod, const char *name)
{
	for (size_t i = 0; i < pod->n_containers; i++)
		if (!strcmp(pod->containers[i].ident.name, name))
			return true;
	return false;
}

static void breakdown(struct pm_explanation *x)
{
	const struct pm_values *v = &x->pod->val;
	uint64_t idle = idle_anon(v, x->cgroup_version);
	x->parts[PM_P_ANON_ACTIVE] = sub0(val(v, PM_M_ANON), idle);
	x->parts[PM_P_ANON_INACTIVE] = idle;
	x->parts[PM_P_FILE_ACTIVE] = val(v, PM_M_ACTIVE_FILE);
	x->parts[PM_P_FILE_INACTIVE] = val(v, PM_M_INACTIVE_FILE);
	x->parts[PM_P_SHMEM] = val(v, PM_M_SHMEM);
	x->parts[PM_P_KERNEL] = kernel_all(v, x->cgroup_version);
	x->parts[PM_P_UNACCOUNTED] = val(v, PM_M_UNACCOUNTED);
}

int pm_explain(const struct pm_snapshot *snap, const struct pm_pod *pod, const struct pm_explain_opts *opts,
	       struct pm_explanation *x)
{
	static const struct pm_explain_opts none = {0};
	const struct pm_explain_opts *o = opts ? opts : &none;
	struct pm_fix *fixes = x->fixes;
	size_t cap = x->cap_fixes;

	memset(x, 0, sizeof *x);
	x->fixes = fixes;
	x->cap_fixes = cap;
	for (size_t i = 0; i < o->n_requests; i++)
		if (o->requests[i].container && !has_container(pod, o->requests[i].container))
			return -ENOENT;
	x->pod = pod;
	x->cgroup_version = snap->cgroup_version;
	x->throttling_factor = o->throttling_factor > 0 ? o->throttling_factor : 0.9;
	x->koord_throttling_percent = o->koord_throttling_percent ? o->koord_throttling_percent : 80;
	long page = sysconf(_SC_PAGESIZE);
	x->page_size = o->page_size ? o->page_size : page > 0 ? (uint64_t)page : 4096;

	breakdown(x);
	find_causes(x);
	event_signal(x, PM_F_OOM_KILLS, PM_M_EVENTS_OOM_KILL);
	near_limit(x);
	event_signal(x, PM_F_LIMIT_HITS, PM_M_EVENTS_MAX);
	event_signal(x, PM_F_THROTTLED, PM_M_EVENTS_HIGH);
	pressure_signal(x);
	dying_signal(x);
	pm_explain_rank(x);
	return find_fixes(x, o);
}

void pm_explanation_free(struct pm_explanation *x)
{
	if (!x)
		return;
	free(x->fixes);
	memset(x, 0, sizeof *x);
}
