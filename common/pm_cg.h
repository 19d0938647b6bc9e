/* One cgroup's fds and reads (private to libpodmem): what discovery keeps
 * for each pod and container, and what a sample reads through. */
#ifndef PM_CG_H
#define PM_CG_H

#include "pm_internal.h"

#define PM_FD_MISSING (-2) /* the file does not exist in this cgroup */
#define PM_FD_REOPEN (-1)  /* exists, not kept open (out of fds): openat per read */

struct pm_cg {
	int dirfd;
	int fd[PM_MAX_FILES]; /* by the layout's file index */
	bool shared;          /* discovery: two records hold these fds until a scan ends */
};

/* Opens the directory NAME (relative to PARENTFD) and each of L's files in
 * it into CG. 0; 1 when some files could not be kept open for want of fds
 * (PM_FD_REOPEN: they are opened at each read); -errno when the directory
 * cannot be opened (CG holds nothing then). */
int pm_cg_open(const struct pm_layout *l, int parentfd, const char *name, struct pm_cg *cg);
/* Closes what CG holds. */
void pm_cg_close(struct pm_cg *cg);
/* Reads every file of CG into OUT through BUF (CAP bytes), and derives what
 * the files do not give. 0, or -ENOENT when the cgroup is gone. */
int pm_cg_read(const struct pm_layout *l, const struct pm_cg *cg, char *buf, size_t cap, struct pm_values *out);

#endif
