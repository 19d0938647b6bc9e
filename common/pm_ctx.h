/* The context's private state (pm_ctx.c: open, sample, close). */
#ifndef PM_CTX_H
#define PM_CTX_H

#include <limits.h>

#include "pm_discover.h"

#define PM_BUF_CAP (64 * 1024) /* the read buffer */

struct pm_ctx {
	struct pm_logger log;
	char root[PATH_MAX], proc[PATH_MAX], pod_logs[PATH_MAX], ctr_logs[PATH_MAX], sys[PATH_MAX];
	int rootfd, meminfo_fd;
	int hugetlb_fd; /* v1: the hugetlb hierarchy at the cgroup root's path (the layout's apart_fd), or -1 */
	struct pm_layout layout;
	struct pm_keytab meminfo_keys;
	struct pm_layout node;      /* the node's files below the proc root but meminfo */
	int node_fd[PM_MAX_FILES]; /* by node's file index, or -1 */
	uint64_t ram, ram_total;   /* physical RAM (0: unknown), and the MemTotal it was found at */
	struct pm_discovery disc;
	char *buf;
	bool warned_read; /* a cgroup could not be read for want of fds: said once */
	bool warned_odd;  /* a cgroup file that is not a regular file was skipped: said once */
};

#endif
