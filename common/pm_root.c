/* Finding the memory controller, and telling v1 from v2 by the files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pm_internal.h"

/* the Nth space-separated field of [P, END), or NULL */
static const char *field(const char *p, const char *end, int n, size_t *ret_len)
{
	for (int i = 0; p < end; i++) {
		const char *e = memchr(p, ' ', (size_t)(end - p));
		if (!e)
			e = end;
		if (i == n) {
			*ret_len = (size_t)(e - p);
			return p;
		}
		p = e + 1;
	}
	return NULL;
}

static bool has_token(const char *s, size_t len, const char *tok)
{
	size_t tl = strlen(tok);
	for (const char *p = s, *end = s + len; p < end;) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		if (!c)
			c = end;
		if ((size_t)(c - p) == tl && !memcmp(p, tok, tl))
			return true;
		p = c + 1;
	}
	return false;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* copies a mountinfo path, undoing its octal escapes (\040 for a space) */
static int unescape(const char *s, size_t len, char *ret, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && len - i >= 4 && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3])) {
			c = (char)(((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		ret[o++] = c;
	}
	ret[o] = 0;
	return 0;
}

/* the v1 hierarchy of CONTROLLER, else (OR_V2) the first cgroup2 mount */
static int find_mount(const char *mi, size_t len, const char *controller, bool or_v2, char *ret, size_t cap)
{
	const char *v2 = NULL;
	size_t v2_len = 0;

	for (const char *p = mi, *end = mi + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *sep = memmem(p, (size_t)(le - p), " - ", 3);
		size_t mp_len = 0, fs_len = 0, so_len = 0;
		const char *mp = field(p, le, 4, &mp_len);
		const char *fs = sep ? field(sep + 3, le, 0, &fs_len) : NULL;
		const char *so = sep ? field(sep + 3, le, 2, &so_len) : NULL;
		if (mp && mp_len && fs && so) { /* an empty mount point is no mount */
			if (fs_len == 6 && !memcmp(fs, "cgroup", 6) && has_token(so, so_len, controller))
				return unescape(mp, mp_len, ret, cap);
			if (or_v2 && fs_len == 7 && !memcmp(fs, "cgroup2", 7) && !v2) {
				v2 = mp;
				v2_len = mp_len;
			}
		}
		p = le + 1;
	}
	if (v2)
		return unescape(v2, v2_len, ret, cap);
	return -ENOENT;
}

int pm_find_memory_mount(const char *mi, size_t len, char *ret, size_t cap)
{
	return find_mount(mi, len, "memory", true, ret, cap);
}

int pm_find_v1_mount(const char *mi, size_t len, const char *controller, char *ret, size_t cap)
{
	return find_mount(mi, len, controller, false, ret, cap);
}

static int version_here(int dirfd)
{
	char buf[4096];
	ssize_t n;

	if (faccessat(dirfd, "memory.usage_in_bytes", F_OK, 0) == 0)
		return 1;
	if (faccessat(dirfd, "memory.current", F_OK, 0) == 0)
		return 2;
	n = pm_read_at(dirfd, "memory.stat", buf, sizeof buf);
	if (n > 0)
		return memmem(buf, (size_t)n, "total_", 6) ? 1 : 2;
	n = pm_read_at(dirfd, "cgroup.controllers", buf, sizeof buf - 1);
	if (n > 0) {
		buf[n] = 0;
		for (char *save, *t = strtok_r(buf, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
			if (!strcmp(t, "memory"))
				return 2;
	}
	return 0;
}

struct probe_arg {
	int depth, version;
};

static int probe_subdir(void *arg, int dirfd, const char *name)
{
	struct probe_arg *pa = arg;
	int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sub < 0)
		return 0;
	pa->version = pm_detect_version(sub, pa->depth - 1);
	close(sub);
	return pa->version;
}

int pm_detect_version(int dirfd, int depth)
{
	int v = version_here(dirfd);
	if (v || depth <= 0)
		return v;
	struct probe_arg pa = {depth, 0};
	pm_dir_each(dirfd, ".", true, probe_subdir, &pa);
	return pa.version;
}
