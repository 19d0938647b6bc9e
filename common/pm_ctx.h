/* The context's private state, shared by pm_ctx.c (open, read, sample)
 * and pm_discover.c (finding pods, containers and groups). */
#ifndef PM_CTX_H
#define PM_CTX_H

#include <limits.h>
#include <sys/stat.h>

#include "pm_names.h"

#define FD_MISSING (-2) /* the file does not exist in this cgroup */
#define FD_REOPEN (-1)  /* exists, not kept open (out of fds): openat per read */
#define BUF_CAP (64 * 1024)

struct pm_cg {
	int dirfd;
	int fd[PM_MAX_FILES];
};

struct ctr_rec {
	struct pm_cg cg;
	char leaf[PM_NAME_MAX]; /* directory name */
	bool pause;             /* its only process is "pause" */
	struct pm_ctr_ident ident;
};

struct pod_rec {
	struct pm_cg cg;
	struct pm_pod_ident ident; /* ident.cgroup: the path below the root */
	nlink_t nlink;             /* 2 + subdirectories when discovered */
	struct ctr_rec *ctrs;
	size_t n_ctrs, cap_ctrs;
};

struct watch {
	int fd;
	nlink_t nlink;
};

struct pm_ctx {
	struct pm_logger log;
	char root[PATH_MAX], proc[PATH_MAX], pod_logs[PATH_MAX], ctr_logs[PATH_MAX];
	int rootfd, meminfo_fd;
	struct pm_layout layout;
	struct pm_keytab meminfo_keys;
	unsigned rescan_every, since_scan;
	bool need_scan, kubernetes, warned_fds;
	struct pod_rec *pods;
	size_t n_pods, cap_pods;
	struct watch *watch;
	size_t n_watch, cap_watch;
	struct pm_name_index names;
	char *buf;
};

/* one cgroup's fds (pm_ctx.c) */
int pm_cg_open(struct pm_ctx *ctx, int parentfd, const char *name, struct pm_cg *cg);
void pm_cg_close(struct pm_cg *cg);

/* discovery (pm_discover.c) */
int pm_scan(struct pm_ctx *ctx);              /* 0, or -errno (logged) */
bool pm_tree_changed(const struct pm_ctx *ctx); /* a watched directory gained or lost a subdirectory */
void pm_resolve_names(struct pm_ctx *ctx);    /* names and sandboxes from the name index */
void pm_pods_free(struct pod_rec *pods, size_t n);
void pm_watches_clear(struct pm_ctx *ctx);

#endif
