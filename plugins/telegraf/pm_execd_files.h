/*
 * podmem-execd --top-files N: the top N files of every pod (measurement
 * podmem_file), from a file scan (pm_files_scan) of each pod. The rows of
 * the last scan are kept until the next one and written in every batch
 * between them, with each batch's time: Telegraf sees steady series.
 *
 * A row is one series: the pod's labels, path, deleted and tmpfs. Files
 * whose series would meet (two deleted files of one name, two memfds of one
 * name, names that escape alike) are one row, their bytes summed, so that
 * no batch holds a series twice. A pod has at most N rows, ranked as the
 * scan ranks files: charged bytes, then cached bytes, largest first.
 */
#ifndef PM_EXECD_FILES_H
#define PM_EXECD_FILES_H

#include "pm_execd_text.h"
#include "podmem.h"

#define EXECD_TOP_FILES_MAX 100

struct execd_file_row {
	struct pm_file f;   /* the file, with the bytes of the files of its series added */
	size_t path;        /* f.path's offset in strs */
	size_t key, key_len; /* its series key (its path as a tag value) in key, while its pod is taken */
	uint64_t key_hash;
};

struct execd_file_pod {
	const char *id;    /* the pod's UID, or a group's cgroup (as pm_files_scan finds a pod) */
	size_t id_off;     /* id's offset in strs */
	size_t first, n;   /* its rows */
	bool charged_known;
};

/* Zero-initialise it, set top; execd_files_free() at the end. */
struct execd_files {
	unsigned top;                 /* rows per pod, 1..EXECD_TOP_FILES_MAX; 0: off */
	struct pm_files_opts opts;    /* the scan's: --max-files, --kubelet-dir */
	/* the last scan's rows: pods sorted by id */
	struct execd_file_pod *pods;
	size_t n_pods, cap_pods;
	struct execd_file_row *rows;
	size_t n_rows, cap_rows;
	char *strs;
	size_t n_strs, cap_strs;
	/* while scanning */
	struct pm_files scan;
	struct execd_buf key;
};

/* What one scan of every pod found, for the log. */
struct execd_files_stats {
	size_t pods;      /* pods scanned (a pod that vanished meanwhile is not) */
	size_t files;     /* candidate files, in all */
	size_t walked;    /* directory entries the walks looked at */
	size_t rows;      /* rows kept */
	unsigned need;    /* PM_NEED_*: what some pod's scan lacked the right to do */
	const struct pm_pod *budget_hit; /* the first pod whose walks stopped at max_files, or NULL */
	const struct pm_pod *uncharged;  /* the first pod whose charged bytes are unknown, or NULL */
	char charged_why[160];           /* why, for that pod */
};

/*
 * Scans every pod of SNAP (a sample of CTX) and keeps its top rows in X in
 * place of the last scan's. Allocates (the scan's memory is freed at the
 * end). 0, or -ENOMEM: X then holds the pods scanned before it ran out.
 */
int execd_files_scan(struct execd_files *x, struct pm_ctx *ctx, const struct pm_snapshot *snap,
		     struct execd_files_stats *st);

/* The steps of a scan, for a scan of one's own (tests): begin drops the
 * rows; take adds POD's top rows from RES (its pm_files_scan()), 0 or
 * -ENOMEM; end sorts the pods and sets the rows' pointers. */
void execd_files_begin(struct execd_files *x);
int execd_files_take(struct execd_files *x, const struct pm_pod *pod, const struct pm_files *res);
void execd_files_end(struct execd_files *x);

void execd_files_free(struct execd_files *x); /* frees the memory and zeroes X, keeping top and opts */

/*
 * The file entities of X's rows whose pods are in SNAP, pod by pod in SNAP's
 * order; a pod gone since the scan has none, a pod new since has none until
 * the next. Allocates nothing. An entity's values live in W until the next
 * call.
 */
struct execd_files_walk {
	const struct execd_files *x;
	const struct pm_snapshot *snap;
	size_t pod, row;
	const struct execd_file_pod *fp;
	struct pm_values val;
};
void execd_files_walk_init(struct execd_files_walk *w, const struct execd_files *x, const struct pm_snapshot *snap);
bool execd_files_walk_next(struct execd_files_walk *w, struct pm_entity *e);

#endif
