/* The one directory iteration: discovery's subdirectory walks, the version
 * probe, the name loader and the file scan's walks all list directories
 * through pm_dir_list() (pm_dir_each() is its common case). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm_internal.h"

/* one getdents64 record */
struct pm_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

int pm_dir_list(int atfd, const char *path, unsigned flags, pm_dir_fn fn, void *arg)
{
	bool subdirs = flags & PM_DIR_SUBDIRS;
	int fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (flags & PM_DIR_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	/* getdents64 itself, not opendir: fdopendir adds an fcntl and an fstat
	 * per directory and allocates its buffer; a one-shot lists hundreds */
	char buf[4096] __attribute__((aligned(8)));
	int r = 0;
	for (;;) {
		ssize_t n = getdents64(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n && r == 0;) {
			const struct pm_dirent64 *e = (const struct pm_dirent64 *)(buf + off);
			off += e->d_reclen;
			const char *name = e->d_name;
			if (name[0] == '.' && (!(flags & PM_DIR_HIDDEN) || !name[1] || !strcmp(name, "..")))
				continue;
			if (subdirs && e->d_type == DT_UNKNOWN) {
				struct stat st;
				if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
					continue;
			} else if (subdirs && e->d_type != DT_DIR) {
				continue;
			}
			r = fn(arg, fd, name);
		}
		if (r)
			break;
	}
	close(fd);
	return r;
}

int pm_dir_each(int atfd, const char *path, bool subdirs, pm_dir_fn fn, void *arg)
{
	return pm_dir_list(atfd, path, subdirs ? PM_DIR_SUBDIRS : 0, fn, arg);
}
