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

int pm_dir_list(int atfd, const char *path, unsigned flags, pm_dir_fn fn, void *arg)
{
	bool subdirs = flags & PM_DIR_SUBDIRS;
	int fd = openat(atfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (flags & PM_DIR_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.' && (!(flags & PM_DIR_HIDDEN) || !e->d_name[1] || !strcmp(e->d_name, "..")))
			continue;
		if (subdirs && e->d_type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
				continue;
		} else if (subdirs && e->d_type != DT_DIR) {
			continue;
		}
		r = fn(arg, fd, e->d_name);
	}
	closedir(d);
	return r;
}

int pm_dir_each(int atfd, const char *path, bool subdirs, pm_dir_fn fn, void *arg)
{
	return pm_dir_list(atfd, path, subdirs ? PM_DIR_SUBDIRS : 0, fn, arg);
}
