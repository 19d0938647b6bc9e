/* The one file reader: pread from offset 0 into a caller's buffer. Kernfs
 * regenerates a cgroup file's text on every read at offset 0, so a kept-open
 * fd gives fresh values without a path lookup. A read that returns less than
 * it asked for has reached the end: seq_file (cgroup and proc files) fills
 * the whole buffer when it can, and so do regular files; so a file that fits
 * the buffer costs one pread, not a second one to see the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include "pm_internal.h"

ssize_t pm_pread_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t r = pread(fd, buf + len, cap - len, (off_t)len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len += (size_t)r;
		if (r == 0 || len < cap) /* the end */
			return (ssize_t)len;
	}
	/* larger than the buffer: keep whole lines only */
	while (len && buf[len - 1] != '\n')
		len--;
	return (ssize_t)len;
}

int pm_open_regular(int dirfd, const char *name)
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	int e = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : PM_ENOTREG;
	if (e) {
		close(fd);
		return -e;
	}
	return fd;
}

bool pm_is_cgroupfs(int fd)
{
	struct statfs sf;
	return fstatfs(fd, &sf) == 0 && (sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC);
}

/* openat2 with RESOLVE_NO_XDEV: the fd, or -errno (-EXDEV: PATH crosses a
 * mount point; -ENOSYS: no openat2 here) */
static int open_same_mount(int atfd, const char *path, int flags)
{
#ifdef SYS_openat2
	struct open_how how = {.flags = (uint64_t)flags, .resolve = RESOLVE_NO_XDEV};
	long fd = syscall(SYS_openat2, atfd, path, &how, sizeof how);
	return fd >= 0 ? (int)fd : -errno;
#else
	(void)atfd, (void)path, (void)flags;
	return -ENOSYS;
#endif
}

/* openat2 failed for want of it or of its rules (not for the path): the plain way */
static bool open_fallback(int r)
{
	return r == -EXDEV || r == -ENOSYS || r == -EPERM || r == -E2BIG || r == -EINVAL;
}

int pm_open_cg_file(int dirfd, const char *name, bool *kernfs)
{
	if (*kernfs) {
		int fd = open_same_mount(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
		if (fd >= 0 || !open_fallback(fd))
			return fd;
		*kernfs = false;
	}
	return pm_open_regular(dirfd, name);
}

int pm_open_cg_dir(int atfd, const char *path, bool *kernfs)
{
	if (*kernfs) {
		int fd = open_same_mount(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0 || !open_fallback(fd))
			return fd;
		*kernfs = false;
	}
	int fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

ssize_t pm_read_at(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = pm_open_regular(dirfd, name);
	if (fd < 0)
		return fd;
	ssize_t r = pm_pread_all(fd, buf, cap);
	close(fd);
	return r;
}

ssize_t pm_pread_kv(int fd, char *buf, size_t cap, const struct pm_keytab *t, struct pm_values *vals)
{
	uint64_t pos = 0;  /* file offset of buf[0] */
	size_t len = 0;    /* bytes in buf */
	bool skip = false; /* inside a line longer than the buffer: dropped */

	for (;;) {
		size_t want = cap - len;
		ssize_t r = pread(fd, buf + len, want, (off_t)(pos + len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (pos + len == 0)
				return -errno;
			r = 0; /* an error later on: parse what was read */
		}
		len += (size_t)r;
		bool eof = (size_t)r < want, capped = pos + len >= PM_KV_MAX_BYTES; /* a short read: the end */
		if (!eof && !capped && len < cap)
			continue;
		size_t start = 0, stop = len;
		if (skip) {
			const char *nl = memchr(buf, '\n', len);
			if (!nl) {
				if (eof || capped)
					break;
				pos += len;
				len = 0;
				continue;
			}
			start = (size_t)(nl - buf) + 1;
			skip = false;
		}
		if (!eof) { /* whole lines only, and read on for the rest */
			const char *nl = start < len ? memrchr(buf + start, '\n', len - start) : NULL;
			if (!nl && start == 0) { /* one line fills the buffer */
				skip = true;
				pos += len;
				len = 0;
				if (capped)
					break;
				continue;
			}
			stop = nl ? (size_t)(nl - buf) + 1 : start;
		}
		if (stop > start)
			pm_parse_kv(buf + start, stop - start, t, vals);
		if (eof || capped)
			break;
		memmove(buf, buf + stop, len - stop);
		pos += stop;
		len -= stop;
	}
	return (ssize_t)(pos + len);
}
