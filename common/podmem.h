/*
 * libpodmem: per-pod and per-container memory breakdown from the kernel's
 * memory cgroup accounting. The core knows nothing of its front ends.
 *
 * Use:
 *   struct pm_opts o = PM_OPTS_INIT;          // defaults: discover everything
 *   o.cgroup_root = "/tmp/fixture";           // optional overrides
 *   struct pm_ctx *ctx;
 *   if (pm_ctx_open(&ctx, &o) < 0) ...        // logged through o.log
 *   struct pm_snapshot snap = {0};            // caller-owned, reused
 *   while (...) { pm_sample(ctx, &snap); ... walk snap ... }
 *   pm_snapshot_free(&snap); pm_ctx_close(ctx);
 *
 * Threads: one ctx per thread, or the caller locks. No global state.
 * Errors: functions return 0 or -errno and log once through the callback.
 * A steady-state pm_sample() allocates nothing.
 */
#ifndef PODMEM_H
#define PODMEM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PODMEM_VERSION "0.1.0"

/* ---- the metric catalogue (see pm_catalog.def) ------------------------ */

enum pm_unit { PM_UNIT_BYTES, PM_UNIT_COUNT, PM_UNIT_USEC };
enum pm_kind { PM_KIND_GAUGE, PM_KIND_COUNTER };

/* ---- levels: what a walk yields, and what a metric or label applies to --- */

/* The levels of a snapshot, in walk order, then files. A pod-level entity
 * is a pod or, on a host without Kubernetes, a group (see enum pm_pod_kind).
 * A file is one of a pod's files, from a file scan (pm_files_scan): the
 * snapshot's walk yields none; pm_file_entity() makes one. */
enum pm_level { PM_LEVEL_NODE, PM_LEVEL_POD, PM_LEVEL_CONTAINER, PM_LEVEL_FILE, PM_LEVEL__COUNT };
/* "node", "pod", "container", "file" */
const char *pm_level_name(enum pm_level l);

/* sets of levels, as the catalogues write them */
#define PM_AT(level) (1u << (level))
#define PM_AT_NODE PM_AT(PM_LEVEL_NODE)
#define PM_AT_POD PM_AT(PM_LEVEL_POD)
#define PM_AT_CONTAINER PM_AT(PM_LEVEL_CONTAINER)
#define PM_AT_CG (PM_AT_POD | PM_AT_CONTAINER) /* pods, groups and containers */
#define PM_AT_FILE PM_AT(PM_LEVEL_FILE)

enum pm_metric {
#define X(id, name, unit, kind, levels, v1, v2, node, help) PM_M_##id,
#include "pm_catalog.def"
#undef X
	PM_M__COUNT
};

struct pm_metric_info {
	const char *name; /* "working_set": JSON key, Influx field, ... */
	enum pm_unit unit;
	enum pm_kind kind;
	unsigned levels; /* PM_AT_*: where it is reported */
	const char *v1;   /* source on cgroup v1, "-" none, "=" derived */
	const char *v2;   /* source on cgroup v2 */
	const char *node; /* /proc/meminfo key, "-" none, "=" derived */
	const char *help; /* one line */
};

/* indexed by enum pm_metric */
extern const struct pm_metric_info pm_metrics[PM_M__COUNT];

/* the metric called NAME, or -1 */
int pm_metric_by_name(const char *name);

/* whether metric M is reported at level L */
static inline bool pm_metric_at(enum pm_metric m, enum pm_level l)
{
	return (pm_metrics[m].levels & PM_AT(l)) != 0;
}

#define PM_PRESENT_WORDS ((PM_M__COUNT + 63) / 64)

/* One set of values. A metric is known only when its present bit is set:
 * an unlimited limit, or a key this kernel does not have, is absent. */
struct pm_values {
	uint64_t v[PM_M__COUNT];
	uint64_t present[PM_PRESENT_WORDS];
};

static inline bool pm_has(const struct pm_values *vals, enum pm_metric m)
{
	return (vals->present[m / 64] >> (m % 64)) & 1u;
}

static inline void pm_set(struct pm_values *vals, enum pm_metric m, uint64_t x)
{
	vals->v[m] = x;
	vals->present[m / 64] |= (uint64_t)1 << (m % 64);
}

static inline void pm_unset(struct pm_values *vals, enum pm_metric m)
{
	vals->v[m] = 0;
	vals->present[m / 64] &= ~((uint64_t)1 << (m % 64));
}

/* ---- the snapshot ------------------------------------------------------ */

enum pm_qos { PM_QOS_NONE, PM_QOS_GUARANTEED, PM_QOS_BURSTABLE, PM_QOS_BESTEFFORT };
/* "guaranteed", "burstable", "besteffort", "" */
const char *pm_qos_name(enum pm_qos q);

enum pm_runtime { PM_RT_UNKNOWN, PM_RT_CONTAINERD, PM_RT_CRIO, PM_RT_DOCKER };
/* "containerd", "crio", "docker", "" */
const char *pm_runtime_name(enum pm_runtime r);

/* A pod is a Kubernetes pod; a group is a top-level cgroup on a host with
 * no kubepods tree (a systemd service, a docker container, ...). */
enum pm_pod_kind { PM_POD, PM_GROUP };

#define PM_NAME_MAX 256 /* names: DNS subdomain <= 253 + NUL; cgroup names <= 255 */
#define PM_UID_MAX 40   /* 36-char UID + NUL */
#define PM_ID_MAX 72    /* 64-hex container ID + NUL */
#define PM_NS_MAX 64    /* DNS label <= 63 + NUL */

/* Who a container is (see pm_labels.def for what each field means). */
struct pm_ctr_ident {
	char name[PM_NAME_MAX]; /* container name; the ID when unresolved; "POD" for the sandbox if unnamed */
	char id[PM_ID_MAX];     /* runtime container ID (64 hex, usually) */
	enum pm_runtime runtime;
	bool sandbox; /* the pod's pause container */
	bool named;   /* name came from the container log directory */
};

struct pm_container {
	struct pm_ctr_ident ident;
	struct pm_values val;
};

/* Who a pod (or group) is. */
struct pm_pod_ident {
	enum pm_pod_kind kind;
	char namespace_[PM_NS_MAX]; /* "" when unresolved, and for groups */
	char name[PM_NAME_MAX];     /* pod name; the UID when unresolved; the cgroup name for a group */
	char uid[PM_UID_MAX];       /* pod UID with dashes; "" for a group */
	enum pm_qos qos;
	bool named;        /* namespace and name came from the pod log directory */
	char cgroup[512];  /* path relative to the cgroup root, for people (truncated) */
};

struct pm_pod {
	struct pm_pod_ident ident;
	struct pm_values val; /* the pod's own cgroup: sandbox, containers, dead containers */
	struct pm_container *containers;
	size_t n_containers;
	size_t cap_containers; /* private */
};

/* Something this sample could not read, and so left out: a directory below
 * the cgroup root that could not be listed (its pods were kept from the
 * last scan that could), a cgroup that could not be read, or a kubelet log
 * directory (names kept from before). */
#define PM_UNREADABLE_MAX 8
struct pm_unreadable {
	char path[512]; /* below the cgroup root; a log directory as given (absolute) */
	int err;        /* errno */
};

struct pm_snapshot {
	int cgroup_version;  /* 1 or 2 */
	bool kubernetes;     /* false: pods[] holds groups */
	uint64_t time_ns;    /* CLOCK_REALTIME when the sample started */
	struct pm_values node;
	bool node_ok;        /* /proc/meminfo was read */
	struct pm_pod *pods;
	size_t n_pods;
	size_t cap_pods; /* private */
	struct pm_unreadable unreadable[PM_UNREADABLE_MAX]; /* the first PM_UNREADABLE_MAX */
	size_t n_unreadable;                                /* all of them */
};

/* Frees what pm_sample() allocated inside SNAP (not SNAP itself) and zeroes it. NULL-safe. */
void pm_snapshot_free(struct pm_snapshot *snap);

/* ---- the label catalogue (see pm_labels.def) ---------------------------- */

enum pm_label {
#define L(id, name, type, owner, levels, tag, help) PM_L_##id,
#include "pm_labels.def"
#undef L
	PM_L__COUNT
};

/* STR: text; ENUM: text and a number (the enum pm_qos, pm_runtime or
 * pm_pod_kind); BOOL: "true" or "false", and 1 or 0 */
enum pm_label_type { PM_LT_STR, PM_LT_ENUM, PM_LT_BOOL };

struct pm_label_info {
	const char *name; /* "pod_uid": JSON key, Influx tag, Prometheus label, collectd meta data key */
	enum pm_label_type type;
	enum pm_level owner; /* the level it describes: a container's labels nest inside its pod in JSON */
	unsigned levels;     /* PM_AT_*: every level whose entities carry it */
	bool tag;            /* part of a series' identity (Influx tags, Prometheus labels, collectd meta data) */
	const char *help;    /* one line */
};

/* indexed by enum pm_label */
extern const struct pm_label_info pm_labels[PM_L__COUNT];

/* whether label L is carried at level LV */
static inline bool pm_label_at(enum pm_label l, enum pm_level lv)
{
	return (pm_labels[l].levels & PM_AT(lv)) != 0;
}

/* ---- the walk: every entity of a snapshot, in one order ---------------- */

struct pm_file;

/* One node, pod (or group), container or file: what one line, series, row
 * or value list is about. Points into the snapshot walked (and the file scan). */
struct pm_entity {
	enum pm_level level;
	const struct pm_values *val;
	const struct pm_pod *pod;       /* PM_LEVEL_POD and below; NULL for the node */
	const struct pm_container *ctr; /* PM_LEVEL_CONTAINER; a file's when its scan was narrowed to one; else NULL */
	const struct pm_file *file;     /* PM_LEVEL_FILE; else NULL */
};

/* Caller-allocated; its fields are private. */
struct pm_walk {
	const struct pm_snapshot *snap;
	size_t pod, ctr;
	bool node_done;
};

/* Starts a walk over SNAP: the node (when node_ok), then each pod followed
 * by its containers, in the snapshot's order. Allocates nothing.
 *   struct pm_walk w; struct pm_entity e;
 *   for (pm_walk_init(&w, &snap); pm_walk_next(&w, &e);) emit(&e);       */
void pm_walk_init(struct pm_walk *w, const struct pm_snapshot *snap);
/* Fills E with the next entity; false at the end. */
bool pm_walk_next(struct pm_walk *w, struct pm_entity *e);

/* The value of label L for E, or NULL when L is not carried at E's level
 * (nor a container's label by a file not narrowed to one).
 * Text is "" when unknown (an unresolved namespace, a group's UID); a BOOL
 * is "true" or "false"; an ENUM is its name (pm_qos_name, ...). For ENUM and
 * BOOL labels, *NUM (when NUM is not NULL) gets the number. The text lives
 * as long as the snapshot's entry. */
const char *pm_label_value(const struct pm_entity *e, enum pm_label l, int *num);

/* Makes E the file entity of F, a file a pm_files_scan() of POD found (CTR:
 * the container it was narrowed to, or NULL), with F's bytes as the
 * catalogue's file metrics in VAL (the caller's, which E points to): size
 * and cached; dirty, writeback and recently_evicted when F's states are
 * known (cachestat); charged when CHARGED_KNOWN (the scan's charged_known).
 * Its labels are POD's (and CTR's), path, deleted and tmpfs. Allocates nothing. */
void pm_file_entity(struct pm_entity *e, const struct pm_pod *pod, const struct pm_container *ctr,
		    const struct pm_file *f, bool charged_known, struct pm_values *val);

/* ---- options ----------------------------------------------------------- */

/* syslog levels: LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7 */
typedef void (*pm_log_fn)(void *ud, int level, const char *fmt, va_list ap);

struct pm_opts {
	const char *cgroup_root;       /* NULL: the memory controller from /proc/self/mountinfo */
	const char *proc_root;         /* NULL: "/proc" (no meminfo there: a warning); given: it must hold meminfo */
	const char *pod_log_dir;       /* NULL: "/var/log/pods" */
	const char *container_log_dir; /* NULL: "/var/log/containers" */
	const char *sys_root;          /* NULL: "/sys" (physical RAM, huge page sizes); given: it must be a directory */
	unsigned rescan_every;         /* full discovery every N samples; 0: default (10) */
	bool max_open_files_set;       /* false: the fd budget is what the soft RLIMIT_NOFILE leaves (see pm_raise_nofile) */
	unsigned max_open_files;       /* the fds the cgroups may keep open in all (MaxOpenFiles); 0: none */
	pm_log_fn log;                 /* NULL: silent */
	void *log_ud;
};
#define PM_OPTS_INIT {0}

/* The options every front end takes, the same in each: getopt long names
 * ("cgroup-root") and collectd keys ("CgroupRoot"). */
enum pm_core_opt {
	PM_OPT_CGROUP_ROOT,
	PM_OPT_PROC_ROOT,
	PM_OPT_POD_LOG_DIR,
	PM_OPT_CONTAINER_LOG_DIR,
	PM_OPT_SYS_ROOT,
	PM_OPT_MAX_OPEN_FILES, /* a count, not a directory: "N" */
	PM_OPT__COUNT
};
struct pm_opt_desc {
	const char *long_name;
	const char *conf_name;
	const char *meta; /* "DIR", or "N" for a count */
	const char *help;
};
extern const struct pm_opt_desc pm_core_opts[PM_OPT__COUNT];
/* Sets core option OPT to VALUE (not copied: keep it alive). 0 or -EINVAL
 * (empty; for a count, anything but a whole number from 0 to PM_MAX_OPEN_FILES). */
#define PM_MAX_OPEN_FILES (1u << 30)
int pm_opts_set(struct pm_opts *o, enum pm_core_opt opt, const char *value);
/* The core option whose long_name or conf_name (case-insensitive) is KEY, or -1. */
int pm_opt_find(const char *key);

/* ---- the context ------------------------------------------------------- */

struct pm_ctx;

/* Finds the memory controller, checks it holds memory cgroup files, and
 * discovers pods. Returns 0, or -errno after logging one line:
 * -ENOENT for a missing root, -ENOTDIR, -EINVAL for a root with no memory
 * cgroup files in or under it. */
int pm_ctx_open(struct pm_ctx **ret_ctx, const struct pm_opts *opts);
void pm_ctx_close(struct pm_ctx *ctx); /* NULL-safe */

/* The directory in use as the cgroup root, and the detected version. */
const char *pm_ctx_root(const struct pm_ctx *ctx);
int pm_ctx_version(const struct pm_ctx *ctx);

/* Takes one sample into SNAP (caller-owned; zero it before the first call
 * and reuse it). Pods and containers that vanished are dropped silently.
 * Pods are in discovery order. Returns 0, or -ENOMEM, in which case SNAP
 * holds this sample's node and the pods sampled before the failure, under
 * this sample's time (n_pods may be 0): never a previous sample's pods.
 * (When the failure is in rediscovering the tree, the pods known before are
 * all sampled: new ones are found at a later sample.) Other trouble finding
 * pods (a directory that cannot be listed, unreadable log directories) is
 * logged once and never drops a pod already known.
 * Pointers into SNAP (pods, containers, label text) stay valid until the
 * next pm_sample() or pm_snapshot_free() on it. */
int pm_sample(struct pm_ctx *ctx, struct pm_snapshot *snap);

/* Raises RLIMIT_NOFILE's soft limit to its hard limit, so that more cgroups
 * keep their fds across samples. For programs of our own (not inside a host
 * daemon). Whatever the limit, every pod and container is sampled: cgroups
 * keep an fd per memory file (8 on v1, 12 on v2; 3 more per huge page size
 * with the hugetlb controller), and pods their directory's too, only within
 * a budget: max_open_files (MaxOpenFiles) when set, else what the soft limit
 * leaves the process beyond an eighth of it (at least 64) and the fds it has
 * open; never more than the limit less 64 and the fds open. The budget goes
 * to whole cgroups first, in discovery order; the rest of the files are
 * opened at each sample (about 4 us more per file), which is said once in
 * the log. */
void pm_raise_nofile(void);

/* ---- explain: where a pod's memory is, and what to change (pm_explain.c) -- */

/* The findings, each with a stable code (pm_explain_rules[].code). Causes
 * say where bytes are; signals say what the kernel did about it. */
enum pm_finding_code {
	/* causes: bytes, ranked largest first */
	PM_F_IDLE_ANON,
	PM_F_SHMEM_TMPFS,
	PM_F_HOT_FILE_CACHE,
	PM_F_DIRTY_WRITEBACK,
	PM_F_KERNEL_MEMORY,
	PM_F_RECLAIMABLE_SLAB,
	PM_F_POD_LEVEL_CHARGE,
	PM_F_UNACCOUNTED,
	PM_F_DELETED_OPEN, /* from a file scan only (pm_explain_files) */
	/* signals: after the causes, in this order */
	PM_F_OOM_KILLS,
	PM_F_NEAR_LIMIT,
	PM_F_LIMIT_HITS,
	PM_F_THROTTLED,
	PM_F_MEMORY_PRESSURE,
	PM_F_DYING_CGROUPS,
	PM_F__COUNT
};

/* When a finding is made. A cause fires when its bytes are at least
 * min_bytes and at least min_permille/1000 of the pod's working set
 * (kubelet's); a signal when its value is at least min_value, and
 * near-limit when a working set is at least min_permille/1000 of its limit. */
struct pm_rule {
	const char *code;     /* "idle-anon": stable, for people, scripts and alerts */
	bool signal;
	uint64_t min_bytes;
	unsigned min_permille;
	uint64_t min_value;
	const char *measures; /* what its value is, in words (the README's table) */
	const char *advice;   /* one line: what to change */
};
extern const struct pm_rule pm_explain_rules[PM_F__COUNT];

/* One number behind a finding: a metric ("inactive_anon"), a container
 * ("container app"), a file or process (added by callers). */
#define PM_EVIDENCE_MAX 12
#define PM_EVIDENCE_WHAT 384
struct pm_evidence {
	char what[PM_EVIDENCE_WHAT];
	uint64_t value;
	enum pm_unit unit;
};

struct pm_finding {
	enum pm_finding_code code;
	uint64_t value;  /* a cause's bytes; a signal's events, microseconds, or bytes of headroom */
	enum pm_unit unit;
	double share;    /* a cause: value / the pod's working_set_kubelet; -1 when that is 0 or unknown */
	struct pm_evidence ev[PM_EVIDENCE_MAX];
	unsigned n_ev;
};

/* Adds one line of evidence to F (WHAT is copied, truncated); false when F is full. */
bool pm_finding_note(struct pm_finding *f, const char *what, uint64_t value, enum pm_unit unit);

/* The pod's memory by category, for the bar: they add up to usage. */
enum pm_part {
	PM_P_ANON_ACTIVE,   /* anon - the idle part */
	PM_P_ANON_INACTIVE, /* inactive_anon - shmem: idle anonymous memory */
	PM_P_FILE_ACTIVE,
	PM_P_FILE_INACTIVE,
	PM_P_SHMEM,
	PM_P_KERNEL, /* kernel (+ sock on v2) */
	PM_P_UNACCOUNTED,
	PM_P__COUNT
};
extern const char *const pm_part_names[PM_P__COUNT]; /* "anon_active", ... */

/* What a memory.high would do to a cgroup now, if the kernel reclaims page
 * cache first (inactive, then active) and cannot reclaim anything else
 * without swap. */
struct pm_high_effect {
	uint64_t high;           /* the memory.high */
	uint64_t over;           /* usage above it */
	uint64_t reclaim;        /* page cache reclaimed: min(over, inactive_file + active_file) */
	uint64_t reclaim_active; /* of which active: how far both working sets fall */
	uint64_t stuck;          /* over - reclaim: anon, shmem, kernel: throttled, not reclaimed */
	uint64_t ws_kubelet_after;
};

enum pm_request_from { PM_REQ_UNKNOWN, PM_REQ_MIN, PM_REQ_OPTION, PM_REQ_GUARANTEED };

/* The fix for one cgroup with a limit: a container (ctr), or the pod itself
 * (ctr NULL) when none of its containers has a limit of its own. */
struct pm_fix {
	const struct pm_container *ctr;
	const struct pm_values *val; /* its min, low, high, limit (absent: none, or max) */
	uint64_t request;
	enum pm_request_from request_from;
	bool qos_none;                  /* Memory QoS sets no memory.high: request >= limit, or high <= request */
	struct pm_high_effect qos;      /* Kubernetes Memory QoS (kubelet), when !qos_none and the request is known */
	struct pm_high_effect koord;    /* koordinator's, when the request is known */
};

/* A memory request given by the user: for container NAME, or (NAME NULL)
 * for the one cgroup a fix is computed for. */
struct pm_request {
	const char *container;
	uint64_t bytes;
};

struct pm_explain_opts {
	double throttling_factor;          /* kubelet's memoryThrottlingFactor; 0: 0.9 */
	unsigned koord_throttling_percent; /* koordinator's throttlingPercent; 0: 80 */
	uint64_t page_size;                /* 0: this machine's */
	const struct pm_request *requests;
	size_t n_requests;
};

struct pm_explanation {
	const struct pm_pod *pod;
	int cgroup_version;
	uint64_t parts[PM_P__COUNT];
	struct pm_finding findings[PM_F__COUNT]; /* ranked: causes by bytes, then signals */
	unsigned n_findings;
	double throttling_factor;
	unsigned koord_throttling_percent;
	uint64_t page_size;
	struct pm_fix *fixes; /* one per non-sandbox container with a limit, or the pod's own (see struct pm_fix) */
	size_t n_fixes;
	size_t cap_fixes; /* private */
};

/* Explains POD (a pod of SNAP) into X (caller-owned; zero it first, or
 * reuse it): the breakdown, the findings that pass their rules, ranked, and
 * the fix. Prints nothing. 0; -ENOENT when a request names a container POD
 * does not have (X is then empty); -ENOMEM. */
int pm_explain(const struct pm_snapshot *snap, const struct pm_pod *pod, const struct pm_explain_opts *opts,
	       struct pm_explanation *x);
/* Frees what pm_explain() allocated in X and zeroes it. NULL-safe. */
void pm_explanation_free(struct pm_explanation *x);

/* X's finding CODE, or NULL when it was not made. */
struct pm_finding *pm_explain_find(struct pm_explanation *x, enum pm_finding_code code);
/* Adds finding CODE with VALUE to X (a caller's own finding, from a file
 * scan say), or sets the value of the one made, and re-ranks X: the
 * finding's address changes then. Returns it. */
struct pm_finding *pm_explain_add(struct pm_explanation *x, enum pm_finding_code code, uint64_t value);
/* Ranks X's findings again (after a caller changed values). */
void pm_explain_rank(struct pm_explanation *x);

struct pm_files;
/* Adds what a file scan of X's pod (pm_files_scan) found: the
 * deleted-open cause (page cache of files unlinked but still held, with the
 * paths and holders), and the files and mounts behind shmem-tmpfs and
 * hot-file-cache, as evidence (charged bytes where known, else cached);
 * ranks X again. */
void pm_explain_files(struct pm_explanation *x, const struct pm_files *files);

/* The memory.high Kubernetes Memory QoS writes for a container, the way
 * kubelet computes it: floor((request + (limit - request) x FACTOR) / PAGE) x PAGE,
 * in floating point; 0 when it writes none (request >= limit, or the result
 * is not above the request). */
uint64_t pm_qos_memory_high(uint64_t request, uint64_t limit, double factor, uint64_t page);
/* koordinator's: floor((request + (limit - request) x PERCENT / 100) / PAGE) x PAGE;
 * 0 for PERCENT 0 (memory.high max). */
uint64_t pm_koord_memory_high(uint64_t request, uint64_t limit, unsigned percent, uint64_t page);
/* What memory.high HIGH would do now to a cgroup with values V (see struct pm_high_effect). */
struct pm_high_effect pm_high_effect(const struct pm_values *v, uint64_t high);
/* ---- finding one pod (pm_files.c) ------------------------------------------- */

/* Finds the pod SPEC names in SNAP: "namespace/pod", a pod name when only
 * one pod has it, or a pod UID (a group: its cgroup name). With CONTAINER
 * (not NULL), also that container of it into *RET_CTR (else *RET_CTR is NULL).
 * 0; -ENOENT when there is no such pod or container; -ENOTUNIQ when SPEC is
 * a name several pods have. On an error, ERR (CAP bytes) gets one line that
 * says so, naming the candidates' namespaces when ambiguous. Allocates nothing. */
int pm_find_pod(const struct pm_snapshot *snap, const char *spec, const char *container, const struct pm_pod **ret_pod,
		const struct pm_container **ret_ctr, char *err, size_t cap);

/* ---- files: what holds a pod's page cache (pm_files.c) ---------------------- */

/* How residency is measured: cachestat(2) (Linux 6.5+; gives dirty,
 * writeback and evicted pages too) or mmap + mincore(2) (resident pages
 * only). AUTO: cachestat, and mincore where it says ENOSYS or EPERM. */
enum pm_residency { PM_RES_AUTO, PM_RES_CACHESTAT, PM_RES_MINCORE };

struct pm_files_opts {
	const char *container;   /* NULL: the whole pod; else only this container's processes, layer and cgroup */
	const char *kubelet_dir; /* NULL: "/var/lib/kubelet" (the pod's volumes are <dir>/pods/<uid>/volumes) */
	size_t max_files;        /* the walks' budget of directory entries; 0: PM_FILES_MAX_DEFAULT */
	enum pm_residency residency;
	bool no_charged;         /* do not tell which cgroup pages are charged to (charged_known is then false) */
};
#define PM_FILES_MAX_DEFAULT 100000
#define PM_FILES_OPTS_INIT {0}

/* where a candidate file was found (a bit set: one file may be found several ways) */
enum { PM_FROM_FD = 1, PM_FROM_MAP = 2, PM_FROM_TMPFS = 4, PM_FROM_LAYER = 8, PM_FROM_VOLUME = 16 };

#define PM_FILE_HOLDERS 3 /* the holders kept per file; n_holders counts them all */
struct pm_file_holder {
	int pid;
	char comm[16];
	int fd; /* the fd number, or -1 for a file-backed mapping */
};

/* One file: its bytes are whole pages (the page size times a page count). */
struct pm_file {
	const char *path;    /* as the holder sees it (readlink of its fd, without " (deleted)"), or the walked
			      * path (a tmpfs's files under the mount point the pod sees); lives in the result */
	uint64_t dev, ino;   /* st_dev, st_ino: the identity rows are de-duplicated by */
	uint64_t size;       /* st_size */
	uint64_t cached;     /* resident page cache (tmpfs: resident shmem) */
	uint64_t dirty, writeback, evicted, recently_evicted; /* cachestat only (states_known) */
	uint64_t charged;    /* of CACHED, the bytes charged to the pod's cgroups (charged_known) */
	bool states_known;   /* measured by cachestat: dirty, writeback, evicted and recently_evicted are known */
	bool deleted;        /* unlinked but open or mapped (st_nlink 0) */
	bool tmpfs;          /* on tmpfs or shmem (memfd, SysV shm) */
	unsigned from;       /* PM_FROM_* */
	unsigned n_holders;  /* the (pid, fd or mapping) pairs holding it */
	struct pm_file_holder holder[PM_FILE_HOLDERS]; /* the first n_holders, at most PM_FILE_HOLDERS */
	size_t path_off; /* private */
	int last_pid;    /* private */
};

/* One tmpfs mounted in the pod's mount namespaces (emptyDir medium Memory, /dev/shm, secrets). */
struct pm_files_mount {
	const char *path;  /* the mount point as the pod's processes see it */
	uint64_t dev;      /* its st_dev */
	uint64_t used;     /* statfs: (f_blocks - f_bfree) * f_bsize */
	uint64_t size;     /* statfs: f_blocks * f_bsize, the mount's size= */
	size_t path_off;   /* private */
	size_t root_off;   /* private */
	int pid;           /* private */
};

/* what the scan lacked the right to do (PM_NEED_*: a bit set), each said in notes[] */
enum { PM_NEED_PTRACE = 1, PM_NEED_DAC_READ_SEARCH = 2, PM_NEED_SYS_ADMIN = 4 };

#define PM_FILES_NOTES 8
/* Caller-owned and reusable: zero it before the first scan, pm_files_free() at the end. */
struct pm_files {
	struct pm_file *files; /* every candidate file, by cached bytes (charged when known), largest first */
	size_t n_files;
	struct pm_files_mount *mounts;
	size_t n_mounts;
	const char *residency;   /* "cachestat" or "mincore": the method used (n_mincore files fell back) */
	size_t n_mincore;        /* files measured by mincore where cachestat was tried and refused */
	bool charged_known;      /* the charged column is known: pagemap PFNs and kpagecgroup were readable */
	char charged_why[160];   /* when not known, why ("needs CAP_SYS_ADMIN: ...") */
	uint64_t raced_pages;    /* pages mincore saw resident that were gone when read (read back from disk) */
	size_t max_files;        /* the walks' budget in use */
	bool budget_hit;         /* a walk stopped at max_files entries */
	size_t walked;           /* directory entries the walks looked at */
	unsigned n_procs;        /* the processes in the pod's cgroups */
	unsigned need;           /* PM_NEED_* */
	char notes[PM_FILES_NOTES][256]; /* capability and coverage notes, one line each */
	unsigned n_notes;
	bool pod_cache_known;
	uint64_t pod_cache;      /* the pod's (or container's) page cache: memory.stat file (v1 total_cache) */
	uint64_t cached, charged; /* the sums of the files' cached and charged bytes */
	/* private */
	size_t cap_files, cap_mounts;
	char *strs;
	size_t n_strs, cap_strs;
	size_t *hash; /* (dev, ino) -> index + 1 into files; 0: empty */
	size_t cap_hash;
};

/* Finds POD's candidate files (POD from a snapshot of CTX: its processes'
 * fds and file mappings, its tmpfs mounts, its containers' writable layers
 * and its volume directories), measures their residency and, where the
 * kernel lets it, which of their pages are charged to the pod's cgroups,
 * into OUT, without changing any page's LRU state. Processes and files that
 * vanish meanwhile are left out, silently; what the scan had no right to
 * read is said in OUT's notes. 0; -ENOENT when POD (or o->container) is not
 * known to CTX any more; -ENOMEM. Pointers into OUT stay valid until the
 * next scan into it or pm_files_free(). */
int pm_files_scan(struct pm_ctx *ctx, const struct pm_pod *pod, const struct pm_files_opts *o, struct pm_files *out);
/* Frees what pm_files_scan() allocated inside F (not F itself) and zeroes it. NULL-safe. */
void pm_files_free(struct pm_files *f);

/* ---- helpers every front end shares ---------------------------------------- */

/* The length of the well-formed UTF-8 sequence at S (AVAIL bytes left; see
 * Unicode table 3-7: no overlongs, surrogates or code points past U+10FFFF),
 * or 0 for a byte that does not start one. Reads no byte past a NUL. */
size_t pm_utf8_len(const unsigned char *s, size_t avail);

/* Grows the array *ARR_P (*CAP elements of SIZE, realloc'd) to hold element
 * N, zeroing the new space; returns element N, or NULL on ENOMEM (the array
 * is left as it was). (pm_mem.c) */
void *pm_grow(void *arr_p, size_t *cap, size_t n, size_t size);

/* Parses a Go-style duration ("10s", "1m30s", "500ms", "1.5h"; units ns, us,
 * µs, ms, s, m, h) into nanoseconds: podmem-execd's and podmem's --interval.
 * Returns 0, -EINVAL for a malformed or zero duration, -ERANGE for one that
 * overflows 64 bits. (pm_text.c) */
int pm_parse_duration(const char *s, uint64_t *ret_ns);

/* 64-bit FNV-1a of N bytes at P, continuing from H (start with PM_FNV1A_INIT). */
#define PM_FNV1A_INIT 0xcbf29ce484222325u
uint64_t pm_fnv1a(uint64_t h, const void *p, size_t n);

/* SHA-256 of N bytes at DATA (FIPS 180-4), and its first 8 bytes as 16
 * lowercase hex digits (and a NUL): the hash a name can carry when it must
 * be shortened or changed. FNV-1a is fast but a tenant can aim a name at
 * another's FNV value; a SHA-256 prefix of 64 bits is out of reach. */
void pm_sha256(const void *data, size_t n, unsigned char out[32]);
void pm_hash_hex(const void *data, size_t n, char out[17]);

#endif
