/* One cgroup's fds and reads, and the fd budget. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pm_cg.h"

void pm_cg_init(struct pm_cg *cg)
{
	cg->dirfd = PM_FD_NONE;
	for (int i = 0; i < PM_MAX_FILES; i++)
		cg->fd[i] = PM_FD_NONE;
	cg->shared = false;
}

void pm_cg_close(struct pm_cg *cg)
{
	for (int i = 0; i < PM_MAX_FILES; i++)
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	pm_cg_init(cg);
}

unsigned pm_cg_fds(const struct pm_cg *cg)
{
	unsigned n = cg->dirfd >= 0;
	for (int i = 0; i < PM_MAX_FILES; i++)
		n += cg->fd[i] >= 0;
	return n;
}

unsigned pm_cg_cost(const struct pm_layout *l)
{
	return 1 + l->n_files;
}

int pm_cg_keep(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg)
{
	pm_cg_init(cg);
	cg->dirfd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0) {
		int e = errno;
		pm_cg_init(cg);
		return -e;
	}
	for (unsigned i = 0; i < l->n_files; i++) {
		int fd = pm_open_regular(cg->dirfd, l->files[i].name);
		cg->fd[i] = fd >= 0 ? fd : PM_FD_MISSING;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM) {
			pm_cg_close(cg);
			return fd;
		}
		cg->odd |= fd == -PM_ENOTREG;
	}
	return (int)pm_cg_fds(cg);
}

/* reads file F through FD into OUT; the bytes read, or -errno */
static ssize_t read_file(const struct pm_file_desc *f, int fd, char *buf, size_t cap, struct pm_values *out)
{
	ssize_t n = f->kind == PM_FK_KV ? pm_pread_kv(fd, buf, cap, &f->keys, out) : pm_pread_all(fd, buf, cap);
	uint64_t v;
	/* a negative limit ("-1", what one writes to lift it) is no limit */
	if (n > 0 && f->kind == PM_FK_SINGLE && buf[0] == '-' && pm_is_limit((enum pm_metric)f->metric))
		return n;
	if (n >= 0 && f->kind == PM_FK_SINGLE && pm_parse_single(buf, (size_t)n, &v) == 1)
		pm_set(out, (enum pm_metric)f->metric, v);
	return n;
}

static bool gone(int e)
{
	return e == ENOENT || e == ENODEV || e == ENOTDIR;
}

int pm_cg_read(const struct pm_layout *l, const struct pm_cg *cg, int atfd, const char *path, char *buf, size_t cap,
	       struct pm_values *out)
{
	bool odd = cg->odd;

	memset(out, 0, sizeof *out);
	if (cg->dirfd >= 0) {
		for (unsigned i = 0; i < l->n_files; i++) {
			if (cg->fd[i] < 0)
				continue;
			ssize_t n = read_file(&l->files[i], cg->fd[i], buf, cap, out);
			if (n < 0 && gone((int)-n))
				return -ENOENT;
		}
	} else {
		/* no fds kept: open the directory and each file for this read */
		int dirfd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return gone(errno) ? -ENOENT : -errno;
		int r = 0;
		unsigned opened = 0;
		for (unsigned i = 0; i < l->n_files && !r; i++) {
			int fd = pm_open_regular(dirfd, l->files[i].name);
			if (fd < 0) {
				if (fd == -EMFILE || fd == -ENFILE)
					r = fd;
				odd |= fd == -PM_ENOTREG;
				continue; /* a file this cgroup does not have */
			}
			opened++;
			ssize_t n = read_file(&l->files[i], fd, buf, cap, out);
			close(fd);
			if (n < 0 && gone((int)-n))
				r = -ENOENT;
		}
		close(dirfd);
		if (!r && !opened) /* removed after it was opened: its files are gone */
			r = -ENOENT;
		if (r)
			return r;
	}
	pm_derive_cgroup(out, l->version);
	return odd;
}

/* the fds open in this process now (/proc/self/fd's entries, less the one
 * listing it), or 0 when it cannot be listed */
static int count_entry(void *arg, int dirfd, const char *name)
{
	(void)dirfd, (void)name;
	++*(unsigned *)arg;
	return 0;
}

unsigned pm_cg_budget(unsigned held, unsigned long *ret_limit)
{
	struct rlimit rl;
	unsigned long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (unsigned long)rl.rlim_cur : 1024;
	if (limit > (1u << 30)) /* RLIM_INFINITY, or near it */
		limit = 1u << 30;
	*ret_limit = limit;
	unsigned open_now = 0;
	if (pm_dir_each(AT_FDCWD, "/proc/self/fd", false, count_entry, &open_now) < 0)
		open_now = held;
	else if (open_now)
		open_now--; /* the listing's own */
	unsigned others = open_now > held ? open_now - held : 0;
	unsigned long reserve = limit / 4 > PM_FD_HEADROOM ? limit / 4 : PM_FD_HEADROOM;
	return limit > reserve + others ? (unsigned)(limit - reserve - others) : 0;
}
