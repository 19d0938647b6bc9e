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
	cg->all = cg->shared = cg->odd = false;
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

/* how a file ranks for a kept fd: a one-value file first, then by keys */
static unsigned keep_rank(const struct pm_file_desc *f)
{
	return f->kind == PM_FK_SINGLE ? 0 : 1 + f->keys.n;
}

unsigned pm_cg_order(const struct pm_layout *l, unsigned char order[PM_MAX_FILES])
{
	/* an insertion sort, stable: a few dozen files */
	for (unsigned i = 0; i < l->n_files; i++) {
		unsigned j = i, r = keep_rank(&l->files[i]);
		for (; j > 0 && keep_rank(&l->files[order[j - 1]]) > r; j--)
			order[j] = order[j - 1];
		order[j] = (unsigned char)i;
	}
	return l->n_files;
}

static bool no_fds(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOMEM;
}

/* the hugetlb hierarchy's directory of cgroup PATH, opened into *APART the
 * first time a file needs it (-1: not yet; -2: it is not there): the open's
 * -errno when it failed just now, else 0 */
static int open_apart(const struct pm_layout *l, const char *path, int *apart, bool *kernfs)
{
	if (*apart != -1)
		return 0;
	int fd = pm_open_cg_dir(l->apart_fd, path, kernfs);
	*apart = fd < 0 ? -2 : fd;
	return fd < 0 ? fd : 0;
}

int pm_cg_keep(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg, unsigned max, bool dir,
	       unsigned *kept)
{
	unsigned char order[PM_MAX_FILES];
	unsigned n = pm_cg_order(l, order), left = 0;
	for (unsigned k = 0; k < n; k++)
		left += cg->fd[order[k]] == PM_FD_NONE;
	if (!left || !max) {
		cg->all = !left;
		return 0;
	}
	bool kernfs = l->kernfs, apart_kernfs = l->kernfs;
	int dirfd = pm_open_cg_dir(atfd, path, &kernfs);
	if (dirfd < 0)
		return dirfd;
	int apart = -1, r = 0; /* the second hierarchy's directory: -1 not opened yet, -2 not there */
	for (unsigned k = 0; k < n && max && !r; k++) {
		unsigned i = order[k];
		const struct pm_file_desc *f = &l->files[i];
		if (cg->fd[i] != PM_FD_NONE)
			continue;
		if (f->apart) {
			/* a cgroup the hugetlb hierarchy does not have: its files are missing */
			int e = open_apart(l, path, &apart, &apart_kernfs);
			if (e && no_fds(-e)) {
				r = e;
				break;
			}
		}
		int dfd = f->apart ? apart : dirfd;
		int fd = dfd >= 0 ? pm_open_cg_file(dfd, f->name, f->apart ? &apart_kernfs : &kernfs) : -ENOENT;
		if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM) {
			r = fd;
			break;
		}
		cg->odd |= fd == -PM_ENOTREG;
		cg->fd[i] = fd >= 0 ? fd : PM_FD_MISSING;
		if (fd >= 0) {
			max--;
			++*kept;
		}
		left--;
	}
	if (dir && !r && max && cg->dirfd < 0) {
		cg->dirfd = dirfd; /* kept, not opened again */
		++*kept;
	} else {
		close(dirfd);
	}
	if (apart >= 0)
		close(apart);
	cg->all = !left;
	return r;
}

int pm_cg_keep_dir(const struct pm_layout *l, int atfd, const char *path, struct pm_cg *cg)
{
	bool kernfs = l->kernfs;
	if (cg->dirfd >= 0)
		return 0;
	int fd = pm_open_cg_dir(atfd, path, &kernfs);
	cg->dirfd = fd >= 0 ? fd : PM_FD_NONE;
	return fd >= 0 ? 0 : fd;
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
	int dirfd = -1, apart = -1, r = 0; /* for the files opened at this read; apart -2: not there */
	unsigned read_ok = 0;              /* files of the memory hierarchy read */
	bool kernfs = l->kernfs, apart_kernfs = l->kernfs;

	memset(out, 0, sizeof *out);
	memset(&sums, 0, sizeof sums);
	if (!cg->all) {
		/* some files are not kept: open the directory for this read */
		dirfd = pm_open_cg_dir(atfd, path, &kernfs);
		if (dirfd < 0)
			return gone(-dirfd) ? -ENOENT : dirfd;
	}
	for (unsigned i = 0; i < l->n_files && !r; i++) {
		const struct pm_file_desc *f = &l->files[i];
		int fd = cg->fd[i];
		if (fd == PM_FD_MISSING)
			continue;
		bool opened = fd == PM_FD_NONE;
		if (opened) {
			if (f->apart) {
				int e = open_apart(l, path, &apart, &apart_kernfs);
				if (e == -EMFILE || e == -ENFILE) {
					r = e;
					break;
				}
			}
			int dfd = f->apart ? apart : dirfd;
			fd = dfd >= 0 ? pm_open_cg_file(dfd, f->name, f->apart ? &apart_kernfs : &kernfs) : -ENOENT;
			if (fd < 0) {
				if (fd == -EMFILE || fd == -ENFILE)
					r = fd;
				odd |= fd == -PM_ENOTREG;
				continue; /* a file this cgroup does not have */
			}
		}
		ssize_t n = read_file(f, fd, buf, cap, out, &sums);
		if (opened)
			close(fd);
		if (n < 0 && gone((int)-n))
			r = -ENOENT;
		read_ok += !f->apart && (opened || n >= 0);
	}
	if (dirfd >= 0)
		close(dirfd);
	if (apart >= 0)
		close(apart);
	if (!r && !cg->all && !read_ok) /* removed after it was opened: its files are gone */
		r = -ENOENT;
	if (r)
		return r;
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

unsigned pm_cg_budget(unsigned held, long max, unsigned long *ret_limit)
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
	unsigned long others = open_now > held ? open_now - held : 0;
	unsigned long reserve = limit / 8 > PM_FD_HEADROOM ? limit / 8 : PM_FD_HEADROOM;
	unsigned long most = limit > PM_FD_HEADROOM + others ? limit - PM_FD_HEADROOM - others : 0;
	unsigned long dflt = limit > reserve + others ? limit - reserve - others : 0;
	unsigned long b = max >= 0 ? (unsigned long)max : dflt;
	return (unsigned)(b < most ? b : most);
}
