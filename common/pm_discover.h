/* Discovery's state (private to libpodmem): the pods, containers and groups
 * under the cgroup root, the directories watched for new ones, the name
 * index and when to scan again. It lives inside the context, and only
 * pm_discover.c writes it; sampling reads pods[]. */
#ifndef PM_DISCOVER_H
#define PM_DISCOVER_H

#include <sys/stat.h>

#include "pm_cg.h"
#include "pm_names.h"

struct pm_ctr_rec {
	struct pm_cg cg;
	char leaf[PM_NAME_MAX]; /* directory name */
	dev_t dev;              /* and its device and inode when found: one made again differs */
	ino_t ino;
	enum pm_procs { PM_PROCS_UNKNOWN, PM_PROCS_PAUSE, PM_PROCS_OTHER } procs; /* what runs in it */
	struct pm_ctr_ident ident;
};

struct pm_pod_rec {
	struct pm_cg cg;
	char *path; /* below the root (ident.cgroup: the same, cut for people) */
	size_t cap_path;
	struct pm_pod_ident ident;
	nlink_t nlink;             /* 2 + subdirectories when discovered */
	dev_t dev;                 /* its directory's device and inode when found */
	ino_t ino;
	struct pm_ctr_rec *ctrs;
	size_t n_ctrs, cap_ctrs;
};

/* a directory watched for new or removed subdirectories */
struct pm_watch {
	char *path; /* below the root; "" for the root */
	size_t cap_path;
	nlink_t nlink;
};

/* What discovery works from, owned by the caller and set once. */
struct pm_discovery_env {
	const struct pm_logger *log;
	const char *root; /* the cgroup root's path: for messages, and its own name */
	int rootfd;
	const char *proc, *pod_logs, *ctr_logs;
	const struct pm_layout *layout;
	unsigned rescan_every; /* > 0 */
	long max_open_files;   /* the fds the cgroups may keep in all (MaxOpenFiles), or -1: from RLIMIT_NOFILE */
};

struct pm_discovery {
	struct pm_discovery_env env;
	bool kubernetes; /* a kubepods tree was found: pods[] holds pods, else groups */
	struct pm_pod_rec *pods;
	size_t n_pods, cap_pods;
	struct pm_watch *watch;
	size_t n_watch, cap_watch;
	struct pm_name_index names;
	unsigned since_scan; /* samples since the last scan */
	bool need_scan;
	unsigned warned;           /* the degradations said already (each is said once) */
	unsigned n_cgroups, n_kept; /* after the last scan: pods and containers, and those that keep all their files */
	unsigned n_held, budget;    /* after the last scan: the fds the cgroups keep, and the budget they had */
	struct pm_unreadable unlisted[PM_UNREADABLE_MAX]; /* directories the last scan could not list */
	size_t n_unlisted;
	struct pm_unreadable names_err; /* a log directory that could not be read (err 0: none) */
};

/* Starts D empty; ENV is copied (its strings are not). */
void pm_discovery_init(struct pm_discovery *d, const struct pm_discovery_env *env);
/* Scans the whole tree now. A directory that cannot be listed (but for
 * having vanished) keeps the previous scan's pods under it, and names that
 * cannot be read keep the names read before; each is logged once. 0, or
 * -ENOMEM: what could not be had stays as it was (the previous scan's pods,
 * the names read before), and is tried again at the next call. */
int pm_discovery_scan(struct pm_discovery *d);
/* Before a sample: scans when one is due (every rescan_every samples, after
 * pm_discovery_gone, or when a watched directory gained or lost a
 * subdirectory), else reloads names that changed. 0, or -ENOMEM (as above). */
int pm_discovery_update(struct pm_discovery *d);
/* A read found a cgroup gone: scan before the next sample. */
void pm_discovery_gone(struct pm_discovery *d);
void pm_discovery_free(struct pm_discovery *d);

#endif
