/* One cgroup's fds and reads: a directory fd and one fd per memory file,
 * kept open across samples, so that a read is a pread per file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pm_cg.h"

void pm_cg_close(struct pm_cg *cg)
{
	for (int i = 0; i < PM_MAX_FILES; i++)
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	cg->dirfd = -1;
}

int pm_cg_open(const struct pm_layout *l, int parentfd, const char *name, struct pm_cg *cg)
{
	int r = 0;
	cg->dirfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0)
		return -errno;
	for (unsigned i = 0; i < PM_MAX_FILES; i++) {
		if (i >= l->n_files) {
			cg->fd[i] = PM_FD_MISSING;
			continue;
		}
		cg->fd[i] = openat(cg->dirfd, l->files[i].name, O_RDONLY | O_CLOEXEC);
		if (cg->fd[i] >= 0)
			continue;
		if (errno == EMFILE || errno == ENFILE) {
			cg->fd[i] = PM_FD_REOPEN;
			r = 1;
		} else {
			cg->fd[i] = PM_FD_MISSING;
		}
	}
	return r;
}

int pm_cg_read(const struct pm_layout *l, const struct pm_cg *cg, char *buf, size_t cap, struct pm_values *out)
{
	memset(out, 0, sizeof *out);
	for (unsigned i = 0; i < l->n_files; i++) {
		const struct pm_file_desc *f = &l->files[i];
		int fd = cg->fd[i];
		if (fd == PM_FD_MISSING)
			continue;
		int rfd = fd >= 0 ? fd : openat(cg->dirfd, f->name, O_RDONLY | O_CLOEXEC);
		ssize_t n = rfd < 0 ? -errno
			    : f->kind == PM_FK_KV ? pm_pread_kv(rfd, buf, cap, &f->keys, out)
						  : pm_pread_all(rfd, buf, cap);
		if (fd < 0 && rfd >= 0)
			close(rfd);
		if (n == -ENODEV || n == -ENOENT)
			return -ENOENT;
		if (n < 0 || f->kind == PM_FK_KV)
			continue;
		uint64_t v;
		if (pm_parse_single(buf, (size_t)n, &v) == 1)
			pm_set(out, (enum pm_metric)f->metric, v);
	}
	pm_derive_cgroup(out, l->version);
	return 0;
}
