/* One cgroup's fds and reads (private to libpodmem): what discovery keeps
 * for each pod and container, and what a sample reads through.
 *
 * A cgroup keeps an fd for each of its memory files the fd budget has room
 * for, and opens the others at each read (its directory by its path below
 * the cgroup root, then those files in it: open, read, close). A cgroup
 * whose files are all kept is read with a pread per file and nothing else;
 * it needs no fd of its directory. Pods may keep their directory's too,
 * when the budget has room to spare: the scan checks its link count at
 * each sample (pm_discover.c). Which fds are kept is the budget's choice
 * (pm_discover.c's keep_fds): cgroup after cgroup in discovery order, each
 * cgroup's files in pm_cg_order. On v1 the hugetlb controller's files are
 * in another hierarchy, at the same path below the layout's apart_fd.
 *
 * Why whole cgroups first, and then which files: an fd kept saves the same
 * open, fstat and close at each read whatever the file (about 3.7 us on
 * v1 memcgs, measured per file by tests/bench/fdcost.c: memory.stat 7.6 us
 * kept against 11.4 us reopened, each single-value file 0.7 us against 4.4
 * us), and a cgroup with any file opened at each read opens its directory
 * too (about 2.2 us more). So a budget is best spent on whole cgroups; the
 * one it ends in keeps first the files whose reopening costs most against
 * their read (the single-value files, then the key-value files with the
 * fewest keys, memory.stat last). */
#ifndef PM_CG_H
#define PM_CG_H

#include "pm_internal.h"

#define PM_FD_NONE (-1)    /* no fd kept: the file is opened at each read */
#define PM_FD_MISSING (-2) /* the file does not exist in this cgroup */

struct pm_cg {
	int dirfd;            /* the directory's, kept for a pod's link count, or PM_FD_NONE */
	int fd[PM_MAX_FILES]; /* by the layout's file index: a kept fd, PM_FD_NONE or PM_FD_MISSING */
	bool all;             /* every file is kept or missing: a read opens nothing */
	bool shared;          /* discovery: two records hold these fds until a scan ends */
	bool odd;             /* a memory file here is not a regular file (a FIFO, a device): skipped */
};

/* CG keeps no fds (nothing to close). */
void pm_cg_init(struct pm_cg *cg);
/* The order in which a cgroup's files get kept fds: ORDER gets L's file
 * indexes, the single-value files first, then the key-value files by their
 * number of keys, each in layout order. L's file count. */
unsigned pm_cg_order(const struct pm_layout *l, unsigned char order[PM_MAX_FILES]);
/* Keeps open up to MAX more of the files of the cgroup at PATH (relative to
 * ATFD), those CG keeps none of yet, in pm_cg_order; a file the cgroup does
 * not have costs no fd and is marked missing; with DIR, the directory's fd
 * too when MAX has room for it after the files. *KEPT is increased by the
 * fds kept now. 0, or -errno: the cgroup is gone (-ENOENT, -ENOTDIR), or
 * there were not fds enough (-EMFILE, -ENFILE, -ENOMEM; what was kept stays). */
int pm_cg_keep(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg, unsigned max, bool dir,
	       unsigned *kept);
/* Keeps CG's directory's fd (PATH, relative to ATFD), when it keeps none. 0 or -errno. */
int pm_cg_keep_dir(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg);
/* Closes what CG holds; it keeps no fds then. */
void pm_cg_close(struct pm_cg *cg);
/* The fds CG holds. */
unsigned pm_cg_fds(const struct pm_cg *cg);
/* Reads every file of CG into OUT through BUF (CAP bytes), and derives what
 * the files do not give: the kept ones by pread, the others by opening PATH
 * (relative to ATFD) and those files in it for this read. A file that is
 * not a regular file is skipped as if missing. 0; 1 when one was skipped;
 * -ENOENT when the cgroup is gone; or, for a cgroup that keeps not all its
 * files, -EMFILE or -ENFILE when there were no fds to read it with. */
int pm_cg_read(const struct pm_layout *l, const struct pm_cg *cg, int atfd, const char *path, char *buf, size_t cap,
	       struct pm_values *out);

/* The fd budget: how many fds the cgroups may keep in all, given that they
 * keep HELD now. MAX when it is at least 0 (the MaxOpenFiles option), else
 * what the soft RLIMIT_NOFILE leaves the process (a host daemon, often: its
 * other plugins, sockets and files) beyond the fds it has open now and an
 * eighth of the limit, at least PM_FD_HEADROOM; never more than the limit
 * less the fds open now and PM_FD_HEADROOM. *RET_LIMIT gets the soft limit. */
#define PM_FD_HEADROOM 64
unsigned pm_cg_budget(unsigned held, long max, unsigned long *ret_limit);

#endif
