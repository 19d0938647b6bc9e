/* The context's private state (pm_ctx.c: open, sample, close). */
#ifndef PM_CTX_H
#define PM_CTX_H

#include <limits.h>

#include "pm_discover.h"

#define PM_BUF_CAP (64 * 1024) /* the read buffer */

struct pm_ctx {
	struct pm_logger log;
	char root[PATH_MAX], proc[PATH_MAX], pod_logs[PATH_MAX], ctr_logs[PATH_MAX];
	int rootfd, meminfo_fd;
	struct pm_layout layout;
	struct pm_keytab meminfo_keys;
	struct pm_discovery disc;
	char *buf;
	bool warned_read; /* a cgroup could not be read for want of fds: said once */
	bool warned_odd;  /* a cgroup file that is not a regular file was skipped: said once */
};

#endif
