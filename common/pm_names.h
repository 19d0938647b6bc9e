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

/* sorted arrays, reloaded only when a directory's mtime changes */
struct pm_name_index {
	struct pm_pod_name *pods;
	size_t n_pods, cap_pods;
	struct pm_ctr_name *ctrs;
	size_t n_ctrs, cap_ctrs;
	struct timespec pods_mtime, ctrs_mtime;
	bool pods_seen, ctrs_seen;
};

/* Reloads what changed. A missing directory is no error (no names).
 * 1 when something was reloaded, 0 when nothing changed, or -errno. */
int pm_names_refresh(struct pm_name_index *ix, const char *pod_dir, const char *ctr_dir);
const struct pm_pod_name *pm_names_pod(const struct pm_name_index *ix, const char *uid);
const char *pm_names_container(const struct pm_name_index *ix, const char *id);
void pm_names_free(struct pm_name_index *ix);

#endif
