/* The name index of pm_names.c (private to libpodmem). */
#ifndef PM_NAMES_H
#define PM_NAMES_H

#include <time.h>

#include "pm_internal.h"

struct pm_pod_name {
	char uid[PM_UID_MAX];
	char ns[PM_NS_MAX];
	char name[PM_NAME_MAX];
};

struct pm_ctr_name {
	char id[PM_ID_MAX];
	char name[PM_NAME_MAX];
};

/* log entries whose names are not trusted, sorted */
struct pm_bad_names {
	char **v;
	size_t n, cap;
};

/* sorted arrays, reloaded only when a directory's mtime changes; each is
 * loaded into its spare and swapped in whole, so a failed load keeps the
 * names read before (and a steady reload allocates nothing) */
struct pm_name_index {
	struct pm_pod_name *pods, *spare_pods;
	size_t n_pods, cap_pods, cap_spare_pods;
	struct pm_ctr_name *ctrs, *spare_ctrs;
	size_t n_ctrs, cap_ctrs, cap_spare_ctrs;
	struct timespec pods_mtime, ctrs_mtime;
	bool pods_seen, ctrs_seen;
	/* keys (pod UIDs, container IDs) claimed by more than one entry: none
	 * of those entries is trusted, and the first such key, to name it */
	size_t dup_pods, dup_ctrs;
	char dup_example[PM_ID_MAX];
	/* the entries of each directory whose names are not as Kubernetes
	 * allows (not used; each said once, to LOG, when first seen) */
	struct pm_bad_names bad_pods, bad_ctrs;
	const struct pm_logger *log;
};

/* Reloads what changed. A missing directory is no error (no names). 1 when
 * something was reloaded, 0 when nothing changed, or -errno (the names read
 * before stay; *RET_DIR, when not NULL, gets the directory that failed, and
 * it is tried again at the next call). */
int pm_names_refresh(struct pm_name_index *ix, const char *pod_dir, const char *ctr_dir, const char **ret_dir);
const struct pm_pod_name *pm_names_pod(const struct pm_name_index *ix, const char *uid);
const char *pm_names_container(const struct pm_name_index *ix, const char *id);
void pm_names_free(struct pm_name_index *ix);

#endif
