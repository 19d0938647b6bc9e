/* One cgroup's fds and reads (private to libpodmem): what discovery keeps
 * for each pod and container, and what a sample reads through.
 *
 * A cgroup either keeps fds (its directory's and one per memory file, so a
 * read is a pread per file) or keeps none and is read by its path below the
 * cgroup root (open, read, close at each read). Which ones keep fds is the
 * fd budget's choice (pm_cg_budget). On v1 the hugetlb controller's files
 * are in another hierarchy, at the same path below the layout's apart_fd. */
#ifndef PM_CG_H
#define PM_CG_H

#include "pm_internal.h"

#define PM_FD_NONE (-1)    /* no fd kept */
#define PM_FD_MISSING (-2) /* the file does not exist in this cgroup */

struct pm_cg {
	int dirfd;            /* PM_FD_NONE: the cgroup keeps no fds */
	int apart_dirfd;      /* in the second hierarchy: an fd, PM_FD_NONE, or PM_FD_MISSING (not there) */
	int fd[PM_MAX_FILES]; /* by the layout's file index: an fd, or PM_FD_MISSING */
	bool shared;          /* discovery: two records hold these fds until a scan ends */
	bool odd;             /* a memory file here is not a regular file (a FIFO, a device): skipped */
};

/* CG keeps no fds (nothing to close). */
void pm_cg_init(struct pm_cg *cg);
/* Opens the cgroup at PATH (relative to ATFD) and each of L's files in it,
 * to keep. The number of fds CG holds now, or -errno, and then none: the
 * cgroup is gone (-ENOENT, -ENOTDIR) or there were not fds enough (-EMFILE,
 * -ENFILE). */
int pm_cg_keep(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg);
/* Closes what CG holds; it keeps no fds then. */
void pm_cg_close(struct pm_cg *cg);
/* The fds CG holds. */
unsigned pm_cg_fds(const struct pm_cg *cg);
/* The most fds one cgroup of layout L can hold. */
unsigned pm_cg_cost(const struct pm_layout *l);
/* Reads every file of CG into OUT through BUF (CAP bytes), and derives what
 * the files do not give: by its kept fds, else by opening PATH (relative to
 * ATFD) and its files for this read. A file that is not a regular file is
 * skipped as if missing. 0; 1 when one was skipped; -ENOENT when the cgroup is gone; or,
 * for a cgroup that keeps no fds, -EMFILE or -ENFILE when there were no fds
 * to read it with. */
int pm_cg_read(const struct pm_layout *l, const struct pm_cg *cg, int atfd, const char *path, char *buf, size_t cap,
	       struct pm_values *out);

/* The fd budget: how many fds the cgroups may keep in all, given that they
 * keep HELD now. It leaves the process (a host daemon, often) a quarter of
 * its soft RLIMIT_NOFILE, at least PM_FD_HEADROOM, beyond the fds it has open
 * now; *RET_LIMIT gets the soft limit. */
#define PM_FD_HEADROOM 64
unsigned pm_cg_budget(unsigned held, unsigned long *ret_limit);

#endif
