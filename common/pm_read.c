/* The one file reader: pread from offset 0 into a caller's buffer. Kernfs
 * regenerates a cgroup file's text on every read at offset 0, so a kept-open
 * fd gives fresh values without a path lookup. */
#include <errno.h>
#include <fcntl.h>
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
		if (r == 0)
			return (ssize_t)len;
		len += (size_t)r;
	}
	/* larger than the buffer: keep whole lines only */
	while (len && buf[len - 1] != '\n')
		len--;
	return (ssize_t)len;
}

ssize_t pm_read_at(int dirfd, const char *name, char *buf, size_t cap)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = pm_pread_all(fd, buf, cap);
	close(fd);
	return r;
}
