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
	cg->dirfd = cg->apart_dirfd = PM_FD_NONE;
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
	if (cg->apart_dirfd >= 0)
		close(cg->apart_dirfd);
	pm_cg_init(cg);
}

unsigned pm_cg_fds(const struct pm_cg *cg)
{
	unsigned n = (cg->dirfd >= 0) + (cg->apart_dirfd >= 0);
	for (int i = 0; i < PM_MAX_FILES; i++)
		n += cg->fd[i] >= 0;
	return n;
}

unsigned pm_cg_cost(const struct pm_layout *l)
{
	return 1 + (l->apart_fd >= 0) + l->n_files;
}

int pm_cg_keep(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg)
{
	bool kernfs = l->kernfs, apart_kernfs = l->kernfs;
	pm_cg_init(cg);
	cg->dirfd = pm_open_cg_dir(atfd, path, &kernfs);
	if (cg->dirfd < 0) {
		int e = -cg->dirfd;
		pm_cg_init(cg);
		return -e;
	}
	if (l->apart_fd >= 0) {
		/* a cgroup the hugetlb hierarchy does not have: its files are missing */
		cg->apart_dirfd = pm_open_cg_dir(l->apart_fd, path, &apart_kernfs);
		if (cg->apart_dirfd == -EMFILE || cg->apart_dirfd == -ENFILE || cg->apart_dirfd == -ENOMEM) {
			int e = -cg->apart_dirfd;
			pm_cg_close(cg);
			return -e;
		}
		if (cg->apart_dirfd < 0)
			cg->apart_dirfd = PM_FD_MISSING;
	}
	for (unsigned i = 0; i < l->n_files; i++) {
		bool apart = l->files[i].apart;
		int dfd = apart ? cg->apart_dirfd : cg->dirfd;
		int fd = dfd >= 0 ? pm_open_cg_file(dfd, l->files[i].name, apart ? &apart_kernfs : &kernfs) : -ENOENT;
		cg->fd[i] = fd >= 0 ? fd : PM_FD_MISSING;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM) {
			pm_cg_close(cg);
			return fd;
		}
		cg->odd |= fd == -PM_ENOTREG;
	}
	return (int)pm_cg_fds(cg);
}

/* reads file F through FD into OUT, and what it adds to other page sizes'
 * into SUMS; the bytes read, or -errno */
static ssize_t read_file(const struct pm_file_desc *f, int fd, char *buf, size_t cap, struct pm_values *out,
			 struct pm_values *sums)
{
	if (f->kind == PM_FK_KV)
		return pm_pread_kv(fd, buf, cap, &f->keys, f->keys.add ? sums : out);
	ssize_t n = pm_pread_all(fd, buf, cap);
	int m = f->metric >= 0 ? f->metric : f->sum;
	uint64_t v;
	/* a negative limit ("-1", what one writes to lift it) is no limit */
	if (n <= 0 || (buf[0] == '-' && pm_is_limit((enum pm_metric)m)))
		return n;
	int r = pm_parse_single(buf, (size_t)n, &v);
	if (r == 1 && f->metric >= 0)
		pm_set(out, (enum pm_metric)f->metric, v);
	if (r >= 0 && f->sum >= 0) { /* "max": the sum is unlimited */
		enum pm_metric s = (enum pm_metric)f->sum;
		pm_set(sums, s, pm_add_sat(pm_has(sums, s) ? sums->v[s] : 0, r ? v : UINT64_MAX));
	}
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
	struct pm_values sums;

	memset(out, 0, sizeof *out);
	memset(&sums, 0, sizeof sums);
	if (cg->dirfd >= 0) {
		for (unsigned i = 0; i < l->n_files; i++) {
			if (cg->fd[i] < 0)
				continue;
			ssize_t n = read_file(&l->files[i], cg->fd[i], buf, cap, out, &sums);
			if (n < 0 && gone((int)-n))
				return -ENOENT;
		}
	} else {
		/* no fds kept: open the directories and each file for this read */
		bool kernfs = l->kernfs, apart_kernfs = l->kernfs;
		int dirfd = pm_open_cg_dir(atfd, path, &kernfs);
		if (dirfd < 0)
			return gone(-dirfd) ? -ENOENT : dirfd;
		int apart = l->apart_fd >= 0 ? pm_open_cg_dir(l->apart_fd, path, &apart_kernfs) : -1;
		int r = apart == -EMFILE || apart == -ENFILE ? apart : 0;
		unsigned opened = 0;
		for (unsigned i = 0; i < l->n_files && !r; i++) {
			const struct pm_file_desc *f = &l->files[i];
			int dfd = f->apart ? apart : dirfd;
			int fd = dfd >= 0 ? pm_open_cg_file(dfd, f->name, f->apart ? &apart_kernfs : &kernfs) : -ENOENT;
			if (fd < 0) {
				if (fd == -EMFILE || fd == -ENFILE)
					r = fd;
				odd |= fd == -PM_ENOTREG;
				continue; /* a file this cgroup does not have */
			}
			opened += !f->apart;
			ssize_t n = read_file(f, fd, buf, cap, out, &sums);
			close(fd);
			if (n < 0 && gone((int)-n))
				r = -ENOENT;
		}
		close(dirfd);
		if (apart >= 0)
			close(apart);
		if (!r && !opened) /* removed after it was opened: its files are gone */
			r = -ENOENT;
		if (r)
			return r;
	}
	pm_derive_cgroup(out, l->version);
	pm_derive_sums(out, &sums);
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
