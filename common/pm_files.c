/*
 * The files that hold a pod's page cache (podmem files), and finding one pod.
 *
 * Candidates, de-duplicated by (device, inode):
 *   - every process in the pod's cgroups (cgroup.procs of the pod's cgroup
 *     and every cgroup below it): its open fds, reopened through
 *     /proc/PID/fd/N, and its file mappings, through /proc/PID/map_files/
 *     (CAP_SYS_ADMIN) or else the paths /proc/PID/maps gives (never a
 *     deleted one);
 *   - every tmpfs in the pod's mount namespaces (/proc/PID/mountinfo),
 *     walked through /proc/PID/root/<mount point>, with its used bytes;
 *   - the containers' overlay upperdirs (the same mountinfo) and the pod's
 *     volume directories (<kubelet>/pods/<uid>/volumes), walked.
 * The walks share one budget of directory entries, never follow a symlink
 * (every open is relative to the walk's directory fd, O_NOFOLLOW), skip
 * what is not a regular file, and open with O_NONBLOCK.
 *
 * A file in a writable layer that a process holds through its overlay is one
 * row: the layer walk looks its inode up under the overlay's device too.
 *
 * Residency: cachestat(2), or mmap + mincore(2) where cachestat says ENOSYS
 * (for every file) or EPERM (for that file), and for overlayfs files, whose
 * pages belong to the layer's real file (a mapping of an overlay file maps
 * the real one; cachestat of the overlay file sees no pages).
 *
 * Charged: with /proc/kpagecgroup and pagemap PFNs readable (CAP_SYS_ADMIN),
 * each resident page's memory cgroup, by inode. It does not disturb the LRU
 * (measured; see docs/diagnosis-reference.md): the file is mapped PROT_READ,
 * MAP_SHARED, MADV_RANDOM (a VM_RAND_READ mapping: no readahead, and
 * neither its faults, its young PTEs at unmap nor reclaim's rmap walk mark a
 * page accessed); only pages mincore reports resident are touched, each by a
 * one-byte write(2) from the mapping into a pipe: a plain fault (fault-around
 * maps the resident neighbours too), never GUP (MADV_POPULATE_READ marks pages
 * accessed), and a page truncated meanwhile is EFAULT, not SIGBUS. A page
 * evicted between mincore and the touch is read back from disk: those major
 * faults are counted and reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pm_ctx.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif
struct pm_cachestat_range {
	uint64_t off, len; /* len 0: to the end */
};
struct pm_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted;
};

#define PM_WINDOW_PAGES 32768 /* mapped and mincore'd at a time: 128 MiB of 4 KiB pages */
#define PM_AROUND 16          /* fault-around maps this many pages (fault_around_bytes 64 KiB) */
#define PM_WALK_DEPTH 64      /* directory levels a walk goes down (an fd each) */
#define PM_PIPE_DRAIN 8192    /* one-byte touches between drains of the touch pipe (it holds 64 KiB) */

/* ---- finding one pod --------------------------------------------------------- */

int pm_find_pod(const struct pm_snapshot *snap, const char *spec, const char *container, const struct pm_pod **ret_pod,
		const struct pm_container **ret_ctr, char *err, size_t cap)
{
	const struct pm_pod *found = NULL;
	const char *slash = strchr(spec, '/');
	size_t named = 0;

	*ret_pod = NULL;
	if (ret_ctr)
		*ret_ctr = NULL;
	for (size_t i = 0; i < snap->n_pods; i++) {
		const struct pm_pod *p = &snap->pods[i];
		if (slash) {
			size_t nl = (size_t)(slash - spec);
			if (strlen(p->ident.namespace_) == nl && !strncmp(p->ident.namespace_, spec, nl) &&
			    !strcmp(p->ident.name, slash + 1)) {
				found = p;
				named = 1;
				break;
			}
		} else if (*p->ident.uid && !strcasecmp(p->ident.uid, spec)) {
			found = p;
			named = 1;
			break;
		} else if (!strcmp(p->ident.name, spec) && !named++) {
			found = p;
		}
	}
	if (!found) {
		snprintf(err, cap, "no pod '%s' (give namespace/pod, a pod name or a pod UID)", spec);
		return -ENOENT;
	}
	if (named > 1) {
		size_t n = (size_t)snprintf(err, cap, "pod name '%s' is in several namespaces:", spec);
		for (size_t i = 0, k = 0; i < snap->n_pods && n < cap; i++)
			if (!strcmp(snap->pods[i].ident.name, spec))
				n += (size_t)snprintf(err + n, cap - n, "%s %s", k++ ? "," : "", snap->pods[i].ident.namespace_);
		if (n < cap)
			snprintf(err + n, cap - n, "; give namespace/%s", spec);
		return -ENOTUNIQ;
	}
	if (container) {
		const struct pm_container *c = NULL;
		for (size_t j = 0; j < found->n_containers && !c; j++)
			if (!strcmp(found->containers[j].ident.name, container))
				c = &found->containers[j];
		if (!c) {
			snprintf(err, cap, "pod %s%s%s has no container '%s'", found->ident.namespace_,
				 *found->ident.namespace_ ? "/" : "", found->ident.name, container);
			return -ENOENT;
		}
		if (ret_ctr)
			*ret_ctr = c;
	}
	*ret_pod = found;
	return 0;
}

/* ---- the scan's state ------------------------------------------------------------ */

struct proc {
	int pid;
	char comm[16];
};

struct scan {
	struct pm_ctx *ctx;
	const struct pm_files_opts *o;
	struct pm_files *out;
	size_t pg;
	bool cachestat; /* cachestat is in use (else mincore) */
	int err;        /* -ENOMEM, or -ENOSYS when cachestat was forced: the scan stops */
	size_t n_keys;  /* in out->hash */
	bool fs_known;  /* the file system type of device fs_dev is fs_type */
	uint64_t fs_dev, fs_type;
	/* the pod's (or container's) cgroups: their directories' inodes, their processes */
	uint64_t *cg_ino;
	size_t n_cg, cap_cg;
	int *pids;
	size_t n_pids, cap_pids;
	/* mount namespaces seen, overlay upperdirs found (offsets into out->strs) */
	uint64_t *mnt_ns;
	size_t n_ns, cap_ns;
	struct upper {
		size_t off;   /* the upperdir, in out->strs */
		uint64_t dev; /* the overlay's device */
	} *uppers;
	size_t n_uppers, cap_uppers;
	uint64_t own_ns;
	/* the page scan */
	bool charging;
	int pagemap_fd, kpcg_fd, pipe[2];
	unsigned touches; /* since the pipe was drained */
	unsigned char *vec;
	uint64_t *ent, *memcg; /* pagemap entries; kpagecgroup inodes */
	/* what could not be read */
	unsigned fd_denied, mnt_denied, open_denied, maps_by_path, maps_deleted;
};

/* ---- the result: strings, rows and their (dev, ino) index ---------------------------- */

static void no_memory(struct scan *s)
{
	s->err = -ENOMEM;
}

/* copies N bytes of S into the result's strings; their offset, or SIZE_MAX (ENOMEM) */
static size_t str_add(struct scan *s, const char *str, size_t n)
{
	struct pm_files *f = s->out;
	if (!pm_grow(&f->strs, &f->cap_strs, f->n_strs + n, 1)) {
		no_memory(s);
		return SIZE_MAX;
	}
	size_t off = f->n_strs;
	memcpy(f->strs + off, str, n);
	f->strs[off + n] = 0;
	f->n_strs += n + 1;
	return off;
}

static size_t *slot(const struct pm_files *f, uint64_t dev, uint64_t ino)
{
	uint64_t k[2] = {dev, ino};
	size_t mask = f->cap_hash - 1;
	for (size_t i = pm_fnv1a(PM_FNV1A_INIT, k, sizeof k) & mask;; i = (i + 1) & mask) {
		size_t *sl = &f->hash[i];
		if (!*sl || (f->files[*sl - 1].dev == dev && f->files[*sl - 1].ino == ino))
			return sl;
	}
}

/* the row of (DEV, INO), or NULL */
static struct pm_file *file_find(struct scan *s, uint64_t dev, uint64_t ino)
{
	const struct pm_files *f = s->out;
	if (!f->cap_hash)
		return NULL;
	size_t *sl = slot(f, dev, ino);
	return *sl ? &s->out->files[*sl - 1] : NULL;
}

/* indexes row IDX under (DEV, INO), growing the index when half full. 0 or -ENOMEM. */
static int hash_put(struct scan *s, uint64_t dev, uint64_t ino, size_t idx)
{
	struct pm_files *f = s->out;
	if ((s->n_keys + 1) * 2 > f->cap_hash) {
		size_t cap = f->cap_hash ? f->cap_hash * 2 : 1024;
		size_t *h = calloc(cap, sizeof *h);
		if (!h)
			return -ENOMEM;
		size_t *old = f->hash, old_cap = f->cap_hash;
		f->hash = h;
		f->cap_hash = cap;
		for (size_t i = 0; i < old_cap; i++)
			if (old[i]) {
				const struct pm_file *r = &f->files[old[i] - 1];
				*slot(f, r->dev, r->ino) = old[i];
			}
		free(old);
	}
	size_t *sl = slot(f, dev, ino);
	if (!*sl) {
		*sl = idx + 1;
		s->n_keys++;
	}
	return 0;
}

static void add_holder(struct pm_file *f, const struct proc *p, int fd)
{
	if (fd < 0 && f->last_pid == p->pid)
		return; /* one mapping holder per process, however many mappings */
	f->last_pid = p->pid;
	if (f->n_holders < PM_FILE_HOLDERS) {
		struct pm_file_holder *h = &f->holder[f->n_holders];
		h->pid = p->pid;
		h->fd = fd;
		memcpy(h->comm, p->comm, sizeof h->comm);
	}
	f->n_holders++;
}

/* ---- residency and charge ------------------------------------------------------------ */

/* faults in the page at P, as a plain read would, without SIGBUS for a page truncated meanwhile
 * (EFAULT then); the pipe is drained long before it could fill */
static void touch(struct scan *s, const char *p)
{
	if (s->touches >= PM_PIPE_DRAIN) {
		char sink[4096];
		while (read(s->pipe[0], sink, sizeof sink) > 0)
			;
		s->touches = 0;
	}
	if (write(s->pipe[1], p, 1) == 1)
		s->touches++;
}

static long majflt(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_majflt : 0;
}

static bool pod_cgroup(const struct scan *s, uint64_t ino)
{
	for (size_t i = 0; i < s->n_cg; i++)
		if (s->cg_ino[i] == ino)
			return true;
	return false;
}

#define PM_PFN(e) ((e) & (((uint64_t)1 << 55) - 1))
#define PM_PRESENT(e) (((e) >> 63) & 1)

/* The pages of the window MAP (N pages, VEC from mincore) charged to the pod. */
static uint64_t charge_window(struct scan *s, const char *map, size_t n)
{
	size_t lo = n, hi = 0;
	for (size_t i = 0; i < n; i++)
		if (s->vec[i] & 1) {
			if (lo == n)
				lo = i;
			hi = i;
		}
	if (lo == n)
		return 0;
	uint64_t vpage = (uintptr_t)map / s->pg;
	long flt = majflt();
	/* the first resident page of each fault-around block; then whatever that left unmapped */
	for (size_t i = lo; i <= hi; i++)
		if ((s->vec[i] & 1) && (i == lo || (vpage + i) % PM_AROUND == 0 || !(s->vec[i - 1] & 1)))
			touch(s, map + i * s->pg);
	size_t len = (hi - lo + 1) * sizeof *s->ent;
	if (pread(s->pagemap_fd, s->ent + lo, len, (off_t)((vpage + lo) * sizeof *s->ent)) != (ssize_t)len)
		return 0;
	for (size_t i = lo; i <= hi; i++)
		if ((s->vec[i] & 1) && !PM_PRESENT(s->ent[i])) {
			touch(s, map + i * s->pg);
			if (pread(s->pagemap_fd, &s->ent[i], sizeof *s->ent, (off_t)((vpage + i) * sizeof *s->ent)) < 0)
				s->ent[i] = 0;
		}
	long raced = majflt() - flt;
	s->out->raced_pages += raced > 0 ? (uint64_t)raced : 0;
	/* kpagecgroup, over runs of consecutive PFNs */
	uint64_t charged = 0;
	for (size_t i = lo; i <= hi;) {
		if (!(s->vec[i] & 1) || !PM_PRESENT(s->ent[i]) || !PM_PFN(s->ent[i])) {
			if ((s->vec[i] & 1) && !PM_PRESENT(s->ent[i]))
				s->out->raced_pages++; /* resident, then gone (or truncated) before it could be read */
			i++;
			continue;
		}
		size_t j = i + 1;
		uint64_t pfn = PM_PFN(s->ent[i]);
		while (j <= hi && (s->vec[j] & 1) && PM_PRESENT(s->ent[j]) && PM_PFN(s->ent[j]) == pfn + (j - i))
			j++;
		size_t bytes = (j - i) * sizeof *s->memcg;
		if (pread(s->kpcg_fd, s->memcg, bytes, (off_t)(pfn * sizeof *s->memcg)) == (ssize_t)bytes)
			for (size_t k = 0; k < j - i; k++)
				charged += pod_cgroup(s, s->memcg[k]);
		i = j;
	}
	return charged;
}

/* FD's resident pages (of SIZE bytes) by mincore into *RESIDENT and, when
 * charging, those charged to the pod into *CHARGED. 0, or -errno. */
static int page_pass(struct scan *s, int fd, uint64_t size, uint64_t *resident, uint64_t *charged)
{
	uint64_t pages = (size + s->pg - 1) / s->pg;
	*resident = *charged = 0;
	for (uint64_t first = 0; first < pages; first += PM_WINDOW_PAGES) {
		size_t n = pages - first < PM_WINDOW_PAGES ? (size_t)(pages - first) : PM_WINDOW_PAGES;
		char *map = mmap(NULL, n * s->pg, PROT_READ, MAP_SHARED, fd, (off_t)(first * s->pg));
		if (map == MAP_FAILED)
			return -errno;
		/* MADV_RANDOM before any fault (the charge scan's): mincore alone faults nothing */
		int r = (s->charging && madvise(map, n * s->pg, MADV_RANDOM) < 0) || mincore(map, n * s->pg, s->vec) < 0
				? -errno
				: 0;
		if (!r) {
			for (size_t i = 0; i < n; i++)
				*resident += s->vec[i] & 1;
			if (s->charging)
				*charged += charge_window(s, map, n);
		}
		munmap(map, n * s->pg);
		if (r)
			return r;
	}
	return 0;
}

/* measures the file open as FD into F. 0, or -errno when it cannot be measured. */
static int measure(struct scan *s, int fd, struct pm_file *f, bool overlay)
{
	uint64_t resident = 0, charged = 0;
	bool by_cachestat = false;
	if (s->cachestat && !overlay) {
		struct pm_cachestat_range rg = {0, 0};
		struct pm_cachestat cs;
		if (syscall(__NR_cachestat, fd, &rg, &cs, 0) == 0) {
			f->cached = cs.nr_cache * s->pg;
			f->dirty = cs.nr_dirty * s->pg;
			f->writeback = cs.nr_writeback * s->pg;
			f->evicted = cs.nr_evicted * s->pg;
			f->recently_evicted = cs.nr_recently_evicted * s->pg;
			f->states_known = by_cachestat = true;
		} else if (errno == ENOSYS && s->o->residency == PM_RES_CACHESTAT) {
			s->err = -ENOSYS;
			return -ENOSYS;
		} else if (errno == ENOSYS) {
			s->cachestat = false; /* this kernel has none: mincore from here on */
		} else {
			s->out->n_mincore++; /* EPERM (no write access, a seccomp profile): mincore for this one */
		}
	} else if (s->cachestat) {
		s->out->n_mincore++;
	}
	if (by_cachestat && !s->charging)
		return 0;
	if (page_pass(s, fd, f->size, &resident, &charged) < 0)
		return 0; /* cannot be mapped (procfs, sysfs): no page cache to tell of */
	if (!by_cachestat)
		f->cached = resident * s->pg;
	f->charged = charged * s->pg;
	return 0;
}

/* A new row for the regular file open as FD (ST: its fstat) at PATH (LEN
 * bytes), measured. NULL on ENOMEM (s->err), or when cachestat was forced
 * and the kernel has none. */
static struct pm_file *file_new(struct scan *s, int fd, const struct stat *st, const char *path, size_t len,
				bool deleted)
{
	struct pm_files *out = s->out;
	struct statfs sf;
	if (!s->fs_known || s->fs_dev != (uint64_t)st->st_dev) { /* one fstatfs per file system, mostly */
		s->fs_known = fstatfs(fd, &sf) == 0;
		s->fs_dev = st->st_dev;
		s->fs_type = s->fs_known ? (uint64_t)sf.f_type : 0;
	}
	bool overlay = s->fs_type == OVERLAYFS_SUPER_MAGIC, tmpfs = s->fs_type == TMPFS_MAGIC;
	struct pm_file *f = pm_grow(&out->files, &out->cap_files, out->n_files, sizeof *f);
	if (!f) {
		no_memory(s);
		return NULL;
	}
	memset(f, 0, sizeof *f);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	f->size = (uint64_t)st->st_size;
	f->deleted = deleted || st->st_nlink == 0;
	f->tmpfs = tmpfs;
	f->last_pid = -1;
	if (measure(s, fd, f, overlay) < 0 || (f->path_off = str_add(s, path, len)) == SIZE_MAX)
		return NULL;
	if (hash_put(s, f->dev, f->ino, out->n_files) < 0) {
		no_memory(s);
		return NULL;
	}
	out->n_files++;
	return f;
}

/* ---- the pod's cgroups and processes -------------------------------------------------- */

struct cg_arg {
	struct scan *s;
	char rel[PATH_MAX];
	int depth;
};

static void read_procs(struct scan *s, const char *rel)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/cgroup.procs", rel);
	/* a FIFO in its place never hangs the scan; a symlink is not followed */
	int fd = pm_open_regular(s->ctx->rootfd, path);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char *line = NULL;
	size_t cap = 0;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (ssize_t n; (n = getline(&line, &cap, f)) > 0;) {
		int pid;
		if (pm_procs_line(line, (size_t)n, &pid) < 0)
			continue;
		int *p = pm_grow(&s->pids, &s->cap_pids, s->n_pids, sizeof *p);
		if (!p) {
			no_memory(s);
			break;
		}
		*p = pid;
		s->n_pids++;
	}
	free(line);
	fclose(f);
}

static int cg_entry(void *arg, int dirfd, const char *name);

/* the cgroup at REL (below the root) and every one below it */
static void scan_cgroup(struct cg_arg *a)
{
	struct scan *s = a->s;
	struct stat st;
	if (fstatat(s->ctx->rootfd, a->rel, &st, 0) < 0)
		return; /* gone */
	uint64_t *ino = pm_grow(&s->cg_ino, &s->cap_cg, s->n_cg, sizeof *ino);
	if (!ino) {
		no_memory(s);
		return;
	}
	*ino = st.st_ino;
	s->n_cg++;
	read_procs(s, a->rel);
	if (a->depth < PM_WALK_DEPTH && !s->err) {
		a->depth++;
		pm_dir_each(s->ctx->rootfd, a->rel, true, cg_entry, a);
		a->depth--;
	}
}

static int cg_entry(void *arg, int dirfd, const char *name)
{
	(void)dirfd;
	struct cg_arg *a = arg;
	size_t n = strlen(a->rel);
	if (n + 1 + strlen(name) >= sizeof a->rel)
		return 0;
	snprintf(a->rel + n, sizeof a->rel - n, "/%s", name);
	scan_cgroup(a);
	a->rel[n] = 0;
	return a->s->err;
}

/* ---- one process: its fds, mappings and mounts ---------------------------------------------- */

/* ---- the lines of /proc/PID/{maps,mountinfo} and fd link targets --------- */

bool pm_strip_deleted(char *path, size_t *len);

/* the N bytes at S, all digits of BASE (10 or 16; no sign, no prefix), into *RET */
static bool digits(const char *s, size_t n, int base, uint64_t *ret)
{
	return n && s[0] != '-' && (base == 16 ? pm_parse_hex(s, n, ret) : pm_parse_u64(s, n, ret)) == n;
}

/* the space-separated field at *P: its start, *P moved past it and the spaces after */
static const char *field_at(const char **p, size_t *ret_len)
{
	const char *f = *p;
	while (**p && **p != ' ')
		(*p)++;
	*ret_len = (size_t)(*p - f);
	while (**p == ' ')
		(*p)++;
	return f;
}

/* "maj:min", each in BASE, the whole of the field F (LEN bytes) */
static bool dev_field(const char *f, size_t len, int base, unsigned *maj, unsigned *min)
{
	const char *c = memchr(f, ':', len);
	uint64_t a, b;
	if (!c || !digits(f, (size_t)(c - f), base, &a) || !digits(c + 1, len - (size_t)(c + 1 - f), base, &b) ||
	    a > UINT32_MAX || b > UINT32_MAX)
		return false;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return true;
}

int pm_maps_line(char *line, size_t n, struct pm_maps_line *ret)
{
	const char *p = line, *f;
	size_t len;
	uint64_t v;

	if (strlen(line) != n)
		return -EINVAL; /* a NUL inside */
	f = field_at(&p, &len); /* start-end */
	if (!len || len >= sizeof ret->range)
		return -EINVAL;
	memcpy(ret->range, f, len);
	ret->range[len] = 0;
	field_at(&p, &len); /* perms */
	if (!len)
		return -EINVAL;
	f = field_at(&p, &len); /* offset */
	if (!digits(f, len, 16, &v))
		return -EINVAL;
	f = field_at(&p, &len);
	if (!dev_field(f, len, 16, &ret->maj, &ret->min))
		return -EINVAL;
	f = field_at(&p, &len); /* inode */
	if (!digits(f, len, 10, &ret->ino) || !ret->ino || *p != '/')
		return -EINVAL;
	ret->path = line + (p - line);
	ret->len = n - (size_t)(p - line);
	ret->deleted = pm_strip_deleted(ret->path, &ret->len);
	return 0;
}

void pm_unescape_octal(char *str)
{
	char *w = str;
	for (char *r = str; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

int pm_mountinfo_line(char *line, struct pm_mount_line *ret)
{
	char *tok[64], *save = NULL;
	int n = 0, sep = -1;
	for (char *t = strtok_r(line, " \n", &save); t && n < 64; t = strtok_r(NULL, " \n", &save)) {
		if (sep < 0 && n >= 6 && !strcmp(t, "-"))
			sep = n;
		tok[n++] = t;
	}
	if (sep < 0 || n < sep + 4 || !dev_field(tok[2], strlen(tok[2]), 10, &ret->maj, &ret->min))
		return -EINVAL;
	pm_unescape_octal(tok[3]);
	pm_unescape_octal(tok[4]);
	ret->root = tok[3];
	ret->mp = tok[4];
	ret->fstype = tok[sep + 1];
	ret->super = tok[sep + 3];
	return 0;
}

int pm_procs_line(const char *line, size_t n, int *ret)
{
	uint64_t v;
	if (n && line[n - 1] == '\n')
		n--;
	if (!n || line[0] == '-' || pm_parse_u64(line, n, &v) != n || v == 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int pm_overlay_upper(const char *opts, char *dir, size_t cap)
{
	for (const char *o = opts; *o;) {
		size_t n = strcspn(o, ",");
		if (n > 9 && !memcmp(o, "upperdir=", 9)) {
			if (n - 9 >= cap)
				return -ENAMETOOLONG;
			memcpy(dir, o + 9, n - 9);
			dir[n - 9] = 0;
			pm_unescape_octal(dir);
			return 0;
		}
		o += n + (o[n] == ',');
	}
	return -ENOENT;
}

struct proc_arg {
	struct scan *s;
	const struct proc *p;
};

static const char deleted_mark[] = " (deleted)";

bool pm_strip_deleted(char *path, size_t *len)
{
	size_t m = sizeof deleted_mark - 1;
	if (*len < m || memcmp(path + *len - m, deleted_mark, m))
		return false;
	*len -= m;
	path[*len] = 0;
	return true;
}

static bool denied(int e)
{
	return e == EACCES || e == EPERM;
}

static int fd_entry(void *arg, int dirfd, const char *name)
{
	struct proc_arg *a = arg;
	struct scan *s = a->s;
	struct stat st;
	if (fstatat(dirfd, name, &st, 0) < 0 || !S_ISREG(st.st_mode))
		return 0; /* closed meanwhile, or a socket, pipe, device, ... */
	struct pm_file *f = file_find(s, st.st_dev, st.st_ino);
	if (!f) {
		int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			s->open_denied += denied(errno);
			return 0;
		}
		char path[PATH_MAX];
		ssize_t n = readlinkat(dirfd, name, path, sizeof path - 1);
		size_t len = n > 0 ? (size_t)n : 0;
		path[len] = 0;
		if (!len)
			len = (size_t)snprintf(path, sizeof path, "/proc/%d/fd/%s", a->p->pid, name);
		bool del = pm_strip_deleted(path, &len);
		struct stat fst;
		if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode))
			f = file_new(s, fd, &fst, path, len, del);
		close(fd);
		if (!f)
			return s->err;
	}
	f->from |= PM_FROM_FD;
	add_holder(f, a->p, atoi(name));
	return 0;
}

/* the file a mapping of P shows at START-END (DEV, INO, PATH), opened through
 * map_files, else by its path below the process's root (not when deleted) */
static int open_mapping(struct scan *s, const struct proc *p, const char *range, uint64_t dev, uint64_t ino,
			const char *path, bool del, bool *by_path)
{
	char mf[PATH_MAX * 2];
	snprintf(mf, sizeof mf, "%s/%d/map_files/%s", s->ctx->proc, p->pid, range);
	int fd = open(mf, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0 || !denied(errno))
		return fd;
	*by_path = true;
	if (del) {
		s->maps_deleted++;
		return -1;
	}
	snprintf(mf, sizeof mf, "%s/%d/root%s", s->ctx->proc, p->pid, path);
	fd = open(mf, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_ino != ino || (uint64_t)st.st_dev != dev)) {
		close(fd); /* that name is another file now */
		return -1;
	}
	if (fd < 0)
		s->open_denied += denied(errno);
	return fd;
}

static void scan_maps(struct scan *s, const struct proc *p)
{
	char path[PATH_MAX + 32], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "%s/%d/maps", s->ctx->proc, p->pid);
	FILE *m = fopen(path, "re");
	if (!m)
		return; /* gone, or the fds' note says why */
	bool by_path = false;
	for (ssize_t n; !s->err && (n = getline(&line, &cap, m)) > 0;) {
		struct pm_maps_line ml;
		if (line[n - 1] == '\n')
			line[--n] = 0;
		if (pm_maps_line(line, (size_t)n, &ml) < 0)
			continue; /* anonymous, [heap], [vdso], ... */
		char *range = ml.range, *name = ml.path;
		size_t len = ml.len;
		bool del = ml.deleted;
		uint64_t ino = ml.ino, dev = makedev(ml.maj, ml.min);
		struct pm_file *f = file_find(s, dev, ino);
		if (!f) {
			int fd = open_mapping(s, p, range, dev, ino, name, del, &by_path);
			struct stat st;
			if (fd < 0)
				continue;
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
				f = file_find(s, st.st_dev, st.st_ino) ?: file_new(s, fd, &st, name, len, del);
			close(fd);
			if (!f)
				continue;
		}
		f->from |= PM_FROM_MAP;
		add_holder(f, p, -1);
	}
	s->maps_by_path += by_path;
	free(line);
	fclose(m);
}


static void add_tmpfs(struct scan *s, int pid, uint64_t dev, const char *root, const char *mp)
{
	struct pm_files *out = s->out;
	struct pm_files_mount *m = NULL;
	for (size_t i = 0; i < out->n_mounts && !m; i++)
		if (out->mounts[i].dev == dev)
			m = &out->mounts[i];
	if (m && (strcmp(root, "/") || !strcmp(out->strs + m->root_off, "/")))
		return; /* known: the whole tmpfs, or another part of it */
	if (!m) {
		m = pm_grow(&out->mounts, &out->cap_mounts, out->n_mounts, sizeof *m);
		if (!m) {
			no_memory(s);
			return;
		}
		out->n_mounts++;
	}
	memset(m, 0, sizeof *m);
	m->dev = dev;
	m->pid = pid;
	m->path_off = str_add(s, mp, strlen(mp));
	m->root_off = str_add(s, root, strlen(root));
}

static void add_upper(struct scan *s, uint64_t dev, const char *opts)
{
	char dir[PATH_MAX];
	if (pm_overlay_upper(opts, dir, sizeof dir) < 0)
		return;
	for (size_t i = 0; i < s->n_uppers; i++)
		if (!strcmp(s->out->strs + s->uppers[i].off, dir))
			return;
	struct upper *up = pm_grow(&s->uppers, &s->cap_uppers, s->n_uppers, sizeof *up);
	if (!up || (up->off = str_add(s, dir, strlen(dir))) == SIZE_MAX) {
		no_memory(s);
		return;
	}
	up->dev = dev;
	s->n_uppers++;
}

/* the tmpfs mounts and overlay upperdirs of PID's mount namespace, once per namespace */
static void scan_mounts(struct scan *s, int pid)
{
	char path[PATH_MAX + 32], *line = NULL;
	size_t cap = 0;
	struct stat st;
	snprintf(path, sizeof path, "%s/%d/ns/mnt", s->ctx->proc, pid);
	if (stat(path, &st) == 0) {
		for (size_t i = 0; i < s->n_ns; i++)
			if (s->mnt_ns[i] == st.st_ino)
				return;
		uint64_t *ns = pm_grow(&s->mnt_ns, &s->cap_ns, s->n_ns, sizeof *ns);
		if (!ns) {
			no_memory(s);
			return;
		}
		*ns = st.st_ino;
		s->n_ns++;
	}
	snprintf(path, sizeof path, "%s/%d/mountinfo", s->ctx->proc, pid);
	FILE *m = fopen(path, "re");
	if (!m) {
		s->mnt_denied += denied(errno);
		return;
	}
	while (!s->err && getline(&line, &cap, m) > 0) {
		struct pm_mount_line ml;
		if (pm_mountinfo_line(line, &ml) < 0)
			continue;
		if (!strcmp(ml.fstype, "tmpfs"))
			add_tmpfs(s, pid, makedev(ml.maj, ml.min), ml.root, ml.mp);
		else if (!strcmp(ml.fstype, "overlay"))
			add_upper(s, makedev(ml.maj, ml.min), ml.super);
	}
	free(line);
	fclose(m);
}

static void scan_proc(struct scan *s, int pid)
{
	struct proc p = {.pid = pid};
	char path[PATH_MAX + 32], comm[64];
	snprintf(path, sizeof path, "%s/%d/comm", s->ctx->proc, pid);
	ssize_t n = pm_read_at(AT_FDCWD, path, comm, sizeof comm - 1);
	if (n < 0)
		return; /* gone */
	comm[n] = 0;
	comm[strcspn(comm, "\n")] = 0;
	pm_copy(p.comm, sizeof p.comm, comm);
	struct proc_arg a = {s, &p};
	snprintf(path, sizeof path, "%s/%d/fd", s->ctx->proc, pid);
	int r = pm_dir_list(AT_FDCWD, path, 0, fd_entry, &a);
	s->fd_denied += r < 0 && denied(-r);
	if (!s->err)
		scan_maps(s, &p);
	if (!s->err)
		scan_mounts(s, pid);
}

/* ---- walks ------------------------------------------------------------------------------------ */

struct walk {
	struct scan *s;
	unsigned from;  /* PM_FROM_* */
	uint64_t overlay; /* walking an upperdir: its overlay's device, else 0 */
	bool one_dev;   /* stay on the starting filesystem (a tmpfs, a layer) */
	uint64_t dev;   /* of the directory being listed */
	char path[PATH_MAX];
	size_t len;
	int depth;
};

static struct pm_files_mount *mount_of(const struct pm_files *out, uint64_t dev)
{
	for (size_t i = 0; i < out->n_mounts; i++)
		if (out->mounts[i].dev == dev)
			return &out->mounts[i];
	return NULL;
}

static void mount_usage(struct pm_files_mount *m, int fd)
{
	struct statfs sf;
	if (fstatfs(fd, &sf) == 0) {
		m->used = (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize;
		m->size = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize;
	}
}

static int walk_entry(void *arg, int dirfd, const char *name);

/* lists the directory open as FD (on device DEV) */
static int walk_dir(struct walk *w, int fd, uint64_t dev)
{
	uint64_t pdev = w->dev;
	w->dev = dev;
	w->depth++;
	int r = pm_dir_list(fd, ".", PM_DIR_HIDDEN, walk_entry, w);
	w->depth--;
	w->dev = pdev;
	if (r < 0 && denied(-r))
		w->s->open_denied++;
	return r > 0 || r == -ENOMEM ? r : 0;
}

/* a subdirectory NAME of DIRFD (ST: its lstat) */
static int walk_subdir(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	struct scan *s = w->s;
	bool crossing = (uint64_t)st->st_dev != w->dev;
	if ((crossing && (w->one_dev || mount_of(s->out, st->st_dev))) || w->depth >= PM_WALK_DEPTH)
		return 0; /* another filesystem, or a tmpfs walked already */
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		s->open_denied += denied(errno);
		return 0;
	}
	struct statfs sf;
	if (crossing && fstatfs(fd, &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
		/* a tmpfs no process has mounted now (a volume of an exited container): listed too */
		add_tmpfs(s, 0, st->st_dev, "/", w->path);
		struct pm_files_mount *m = mount_of(s->out, st->st_dev);
		if (m)
			mount_usage(m, fd);
	}
	int r = s->err ? s->err : walk_dir(w, fd, st->st_dev);
	close(fd);
	return r;
}

static int walk_file(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	struct scan *s = w->s;
	struct pm_file *f = file_find(s, st->st_dev, st->st_ino);
	/* a layer's file that a process holds through its overlay: the same pages, under the overlay's
	 * device and (its layers on one filesystem, as container runtimes keep them) the same inode */
	if (!f && w->overlay)
		f = file_find(s, w->overlay, st->st_ino);
	if (!f) {
		int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			s->open_denied += denied(errno);
			return 0;
		}
		struct stat fst;
		if (fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) && fst.st_ino == st->st_ino)
			f = file_new(s, fd, &fst, w->path, w->len, false);
		close(fd);
		if (!f)
			return s->err;
	}
	f->from |= w->from;
	return 0;
}

static int walk_entry(void *arg, int dirfd, const char *name)
{
	struct walk *w = arg;
	struct pm_files *out = w->s->out;
	if (out->walked >= out->max_files) {
		out->budget_hit = true;
		return 1; /* stops every walk */
	}
	out->walked++;
	struct stat st;
	size_t n = strlen(name), len = w->len;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || len + 1 + n >= sizeof w->path ||
	    !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
		return 0;
	w->path[len] = '/';
	memcpy(w->path + len + 1, name, n + 1);
	w->len = len + 1 + n;
	int r = S_ISDIR(st.st_mode) ? walk_subdir(w, dirfd, name, &st) : walk_file(w, dirfd, name, &st);
	w->len = len;
	w->path[len] = 0;
	return r;
}

/* walks the directory at PATH, showing its files under SHOWN */
static int walk_tree(struct scan *s, const char *path, const char *shown, unsigned from, uint64_t overlay,
		     struct pm_files_mount *m)
{
	struct walk w = {.s = s, .from = from, .one_dev = from != PM_FROM_VOLUME, .overlay = overlay};
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		if (from == PM_FROM_TMPFS) /* through /proc/PID/root */
			s->mnt_denied += denied(errno);
		else
			s->open_denied += denied(errno);
		return 0; /* gone, or not there (no kubelet on this host) */
	}
	if (fstat(fd, &st) < 0) {
		close(fd);
		return 0;
	}
	if (m)
		mount_usage(m, fd);
	w.len = strlen(shown);
	while (w.len > 1 && shown[w.len - 1] == '/')
		w.len--;
	if (w.len >= sizeof w.path) {
		close(fd);
		return 0;
	}
	memcpy(w.path, shown, w.len);
	w.path[w.len] = 0;
	if (w.len == 1 && w.path[0] == '/')
		w.len = 0; /* the root: "/" + name */
	int r = walk_dir(&w, fd, st.st_dev);
	close(fd);
	return r < 0 ? r : 0;
}

static void walk_all(struct scan *s, const struct pm_pod_rec *rec)
{
	struct pm_files *out = s->out;
	char path[PATH_MAX * 2];
	/* the tmpfs mounts, each as its process sees it; then the layers; then the volumes */
	for (size_t i = 0; i < out->n_mounts && !s->err && !out->budget_hit; i++) {
		struct pm_files_mount *m = &out->mounts[i];
		snprintf(path, sizeof path, "%s/%d/root%s", s->ctx->proc, m->pid, out->strs + m->path_off);
		char shown[PATH_MAX];
		pm_copy(shown, sizeof shown, out->strs + m->path_off);
		s->err = walk_tree(s, path, shown, PM_FROM_TMPFS, 0, &out->mounts[i]);
	}
	for (size_t i = 0; i < s->n_uppers && !s->err && !out->budget_hit; i++) {
		char dir[PATH_MAX];
		pm_copy(dir, sizeof dir, out->strs + s->uppers[i].off);
		s->err = walk_tree(s, dir, dir, PM_FROM_LAYER, s->uppers[i].dev, NULL);
	}
	if (*rec->ident.uid && !s->err && !out->budget_hit) {
		snprintf(path, sizeof path, "%s/pods/%s/volumes", s->o->kubelet_dir ? s->o->kubelet_dir : "/var/lib/kubelet",
			 rec->ident.uid);
		s->err = walk_tree(s, path, path, PM_FROM_VOLUME, 0, NULL);
	}
}

/* ---- the scan --------------------------------------------------------------------------------- */

static int cmp_file(const void *pa, const void *pb)
{
	const struct pm_file *a = pa, *b = pb;
	if (a->charged != b->charged)
		return a->charged < b->charged ? 1 : -1;
	if (a->cached != b->cached)
		return a->cached < b->cached ? 1 : -1;
	return a->path_off < b->path_off ? -1 : a->path_off > b->path_off;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

PM_ATTR_PRINTF(2, 3) static void note(struct pm_files *out, const char *fmt, ...)
{
	if (out->n_notes >= PM_FILES_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->notes[out->n_notes++], sizeof out->notes[0], fmt, ap);
	va_end(ap);
}

/* opens what telling the charged pages needs, or says in charged_why why it cannot */
static void charge_open(struct scan *s)
{
	struct pm_files *out = s->out;
	char path[PATH_MAX + 32];
	if (s->o->no_charged) {
		snprintf(out->charged_why, sizeof out->charged_why, "not asked for");
		return;
	}
	snprintf(path, sizeof path, "%s/kpagecgroup", s->ctx->proc);
	s->kpcg_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->kpcg_fd < 0) {
		snprintf(out->charged_why, sizeof out->charged_why, "cannot open %.64s: %s%s", path, strerror(errno),
			 denied(errno) ? " (needs root with CAP_SYS_ADMIN)" : "");
		out->need |= denied(errno) ? PM_NEED_SYS_ADMIN : 0;
		return;
	}
	snprintf(path, sizeof path, "%s/self/pagemap", s->ctx->proc);
	s->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->pagemap_fd < 0) {
		snprintf(out->charged_why, sizeof out->charged_why, "cannot open %.80s: %s", path, strerror(errno));
		return;
	}
	/* a page of our own, present: its PFN reads as 0 without CAP_SYS_ADMIN */
	volatile char probe = 1;
	uint64_t e = 0;
	uintptr_t va = (uintptr_t)&probe;
	if (pread(s->pagemap_fd, &e, sizeof e, (off_t)(va / s->pg * sizeof e)) != sizeof e || !PM_PFN(e)) {
		snprintf(out->charged_why, sizeof out->charged_why,
			 "needs CAP_SYS_ADMIN: %.64s gives no page frame numbers without it", path);
		out->need |= PM_NEED_SYS_ADMIN;
		return;
	}
	if (pipe2(s->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(out->charged_why, sizeof out->charged_why, "cannot make a pipe: %s", strerror(errno));
		return;
	}
	s->charging = out->charged_known = true;
}

static void write_notes(struct scan *s)
{
	struct pm_files *out = s->out;
	if (s->fd_denied) {
		out->need |= PM_NEED_PTRACE;
		note(out, "cannot list the open files of %u of %zu processes (/proc/PID/fd): needs CAP_SYS_PTRACE",
		     s->fd_denied, s->n_pids);
	}
	if (s->mnt_denied) {
		out->need |= PM_NEED_PTRACE;
		note(out, "cannot read %u of the pod's mounts (/proc/PID/mountinfo, /proc/PID/root): needs CAP_SYS_PTRACE",
		     s->mnt_denied);
	}
	if (s->maps_by_path) {
		out->need |= PM_NEED_SYS_ADMIN;
		note(out, "file mappings were opened by their paths in /proc/PID/maps, in %u of %zu processes "
			  "(/proc/PID/map_files needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE); deleted mapped files left out: %u",
		     s->maps_by_path, s->n_pids, s->maps_deleted);
	}
	if (s->open_denied) {
		out->need |= PM_NEED_DAC_READ_SEARCH;
		note(out, "cannot open %u files or directories: needs CAP_DAC_READ_SEARCH", s->open_denied);
	}
	if (!out->charged_known && !s->o->no_charged)
		note(out, "charged bytes unknown: %s", out->charged_why);
	if (out->budget_hit)
		note(out, "the directory walks stopped at the file budget of %zu entries", out->max_files);
	if (out->n_mincore && s->cachestat)
		note(out, "%zu files were measured by mincore: cachestat refused them (EPERM) or they are on overlayfs",
		     out->n_mincore);
	if (out->raced_pages)
		note(out, "%llu pages left the cache between mincore and the read and were read back",
		     (unsigned long long)out->raced_pages);
	if (!s->n_pids)
		note(out, "no process runs in these cgroups: only the volume directories were walked");
	else if (s->own_ns && s->n_ns == 1 && s->mnt_ns[0] == s->own_ns)
		note(out, "the pod's processes share this host's mount namespace: the host's tmpfs mounts were walked");
}

static void scan_free(struct scan *s)
{
	free(s->cg_ino);
	free(s->pids);
	free(s->mnt_ns);
	free(s->uppers);
	free(s->vec);
	free(s->ent);
	free(s->memcg);
	if (s->pagemap_fd >= 0)
		close(s->pagemap_fd);
	if (s->kpcg_fd >= 0)
		close(s->kpcg_fd);
	if (s->pipe[0] >= 0)
		close(s->pipe[0]);
	if (s->pipe[1] >= 0)
		close(s->pipe[1]);
}

static void reset(struct pm_files *out, const struct pm_files_opts *o)
{
	out->n_files = out->n_mounts = out->n_strs = out->n_mincore = out->walked = 0;
	out->n_notes = out->n_procs = out->need = 0;
	out->charged_known = out->budget_hit = out->pod_cache_known = false;
	out->charged_why[0] = 0;
	out->raced_pages = out->pod_cache = out->cached = out->charged = 0;
	out->max_files = o->max_files ? o->max_files : PM_FILES_MAX_DEFAULT;
	if (out->hash)
		memset(out->hash, 0, out->cap_hash * sizeof *out->hash);
}

int pm_files_scan(struct pm_ctx *ctx, const struct pm_pod *pod, const struct pm_files_opts *o, struct pm_files *out)
{
	static const struct pm_files_opts defaults = PM_FILES_OPTS_INIT;
	struct scan s = {.ctx = ctx, .o = o ? o : &defaults, .out = out, .pagemap_fd = -1, .kpcg_fd = -1,
			 .pipe = {-1, -1}};
	o = s.o;
	reset(out, o);
	long pg = sysconf(_SC_PAGESIZE);
	s.pg = pg > 0 ? (size_t)pg : 4096;
	s.cachestat = o->residency != PM_RES_MINCORE;

	/* the pod's record, and the cgroup to look in: the pod's, or one container's */
	const struct pm_pod_rec *rec = NULL;
	for (size_t i = 0; i < ctx->disc.n_pods && !rec; i++) {
		const struct pm_pod_rec *p = &ctx->disc.pods[i];
		if (*pod->ident.uid ? !strcmp(p->ident.uid, pod->ident.uid) : !strcmp(p->ident.cgroup, pod->ident.cgroup))
			rec = p;
	}
	if (!rec)
		return -ENOENT;
	struct cg_arg ca = {.s = &s};
	const struct pm_values *val = &pod->val;
	pm_copy(ca.rel, sizeof ca.rel, rec->path);
	if (o->container) {
		const struct pm_ctr_rec *c = NULL;
		for (size_t j = 0; j < rec->n_ctrs && !c; j++)
			if (!strcmp(rec->ctrs[j].ident.name, o->container))
				c = &rec->ctrs[j];
		for (size_t j = 0; j < pod->n_containers; j++)
			if (!strcmp(pod->containers[j].ident.name, o->container))
				val = &pod->containers[j].val;
		if (!c)
			return -ENOENT;
		snprintf(ca.rel, sizeof ca.rel, "%s/%s", rec->path, c->leaf);
	}
	if ((out->pod_cache_known = pm_has(val, PM_M_FILE)))
		out->pod_cache = val->v[PM_M_FILE];

	s.vec = malloc(PM_WINDOW_PAGES);
	s.ent = malloc(PM_WINDOW_PAGES * sizeof *s.ent);
	s.memcg = malloc(PM_WINDOW_PAGES * sizeof *s.memcg);
	if (!s.vec || !s.ent || !s.memcg)
		no_memory(&s);
	if (!s.err)
		scan_cgroup(&ca);
	if (s.n_pids)
		qsort(s.pids, s.n_pids, sizeof *s.pids, cmp_int);
	out->n_procs = (unsigned)s.n_pids;
	charge_open(&s);
	char path[PATH_MAX + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/self/ns/mnt", ctx->proc);
	if (stat(path, &st) == 0)
		s.own_ns = st.st_ino;
	for (size_t i = 0; i < s.n_pids && !s.err; i++)
		scan_proc(&s, s.pids[i]);
	if (!s.err)
		walk_all(&s, rec);
	out->residency = s.cachestat ? "cachestat" : "mincore";
	if (!s.err) {
		if (out->n_files)
			qsort(out->files, out->n_files, sizeof *out->files, cmp_file);
		for (size_t i = 0; i < out->n_files; i++) {
			struct pm_file *f = &out->files[i];
			f->path = out->strs + f->path_off;
			out->cached += f->cached;
			out->charged += f->charged;
		}
		for (size_t i = 0; i < out->n_mounts; i++)
			out->mounts[i].path = out->strs + out->mounts[i].path_off;
		write_notes(&s);
	}
	scan_free(&s);
	if (s.err) {
		out->n_files = out->n_mounts = 0; /* their paths were never set */
		return s.err;
	}
	return 0;
}

void pm_files_free(struct pm_files *f)
{
	if (!f)
		return;
	free(f->files);
	free(f->mounts);
	free(f->strs);
	free(f->hash);
	memset(f, 0, sizeof *f);
}
