/*
 * What sysfs (and /proc/iomem) say of the node: its physical RAM, for the
 * memory the kernel reserved at boot, and its huge page sizes, for the
 * hugetlb controller's file names.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pm_internal.h"

void pm_huge_size_name(uint64_t kb, char *buf, size_t cap)
{
	/* the kernel's mem_fmt() in mm/hugetlb_cgroup.c */
	if (kb >= 1u << 20)
		snprintf(buf, cap, "%lluGB", (unsigned long long)(kb >> 20));
	else if (kb >= 1u << 10)
		snprintf(buf, cap, "%lluMB", (unsigned long long)(kb >> 10));
	else
		snprintf(buf, cap, "%lluKB", (unsigned long long)kb);
}

struct sizes {
	uint64_t kb[PM_HUGE_SIZES];
	unsigned n;
};

/* "hugepages-2048kB": one huge page size, kept when it is among the smallest */
static int size_entry(void *arg, int dirfd, const char *name)
{
	struct sizes *s = arg;
	uint64_t kb;
	(void)dirfd;
	if (strncmp(name, "hugepages-", 10))
		return 0;
	size_t n = pm_parse_u64(name + 10, strlen(name + 10), &kb);
	if (!n || strcmp(name + 10 + n, "kB") || !kb)
		return 0;
	unsigned i = s->n;
	if (i == PM_HUGE_SIZES && kb >= s->kb[i - 1])
		return 0;
	if (i == PM_HUGE_SIZES)
		i--;
	for (; i > 0 && s->kb[i - 1] > kb; i--)
		s->kb[i] = s->kb[i - 1];
	s->kb[i] = kb;
	if (s->n < PM_HUGE_SIZES)
		s->n++;
	return 0;
}

void pm_huge_sizes(const char *sys, struct pm_huge_sizes *hs)
{
	char path[PATH_MAX];
	struct sizes s = {.n = 0};
	snprintf(path, sizeof path, "%s/kernel/mm/hugepages", sys);
	pm_dir_each(AT_FDCWD, path, true, size_entry, &s);
	hs->n = s.n;
	for (unsigned i = 0; i < s.n; i++)
		pm_huge_size_name(s.kb[i], hs->name[i], sizeof hs->name[i]);
}

/* the hex number that fills the file NAME below DIRFD ("8000000\n") */
static int read_hex(int dirfd, const char *name, uint64_t *ret)
{
	char buf[32];
	ssize_t n = pm_read_at(dirfd, name, buf, sizeof buf);
	if (n < 0)
		return (int)n;
	while (n && buf[n - 1] == '\n')
		n--;
	return n && pm_parse_hex(buf, (size_t)n, ret) == (size_t)n ? 0 : -EINVAL;
}

/* "memory42": counts it when its state is online */
static int block_entry(void *arg, int dirfd, const char *name)
{
	char path[PM_NAME_MAX + 8], state[16];
	uint64_t id;
	if (strncmp(name, "memory", 6) || !name[6] || pm_parse_u64(name + 6, strlen(name + 6), &id) != strlen(name + 6))
		return 0;
	snprintf(path, sizeof path, "%s/state", name);
	ssize_t n = pm_read_at(dirfd, path, state, sizeof state);
	if (n == 7 && !memcmp(state, "online\n", 7))
		++*(uint64_t *)arg;
	return 0;
}

int pm_ram_blocks(const char *sys, uint64_t *ret, uint64_t *ret_blocks, uint64_t *ret_block)
{
	char path[PATH_MAX];
	uint64_t block, online = 0;
	snprintf(path, sizeof path, "%s/devices/system/memory", sys);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = read_hex(fd, "block_size_bytes", &block);
	if (!r)
		r = pm_dir_each(fd, ".", true, block_entry, &online);
	close(fd);
	if (r)
		return r;
	if (!online || !block || online > UINT64_MAX / block)
		return -ENOENT;
	*ret = online * block;
	*ret_blocks = online;
	*ret_block = block;
	return 0;
}

int pm_ram_iomem(const char *text, size_t len, uint64_t *ret)
{
	static const char ram[] = " : System RAM";
	uint64_t sum = 0;
	bool any = false, addressed = false;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		uint64_t start, last;
		/* "00100000-bfffffff : System RAM" at the top level (not indented) */
		size_t a = pm_parse_hex(p, (size_t)(le - p), &start), b = 0;
		if (a && p + a < le && p[a] == '-')
			b = pm_parse_hex(p + a + 1, (size_t)(le - p - a - 1), &last);
		const char *name = p + a + 1 + b;
		if (b && last >= start && (size_t)(le - name) == sizeof ram - 1 && !memcmp(name, ram, sizeof ram - 1)) {
			/* 0-ffffffffffffffff is 2^64 bytes: saturated, not wrapped to 0 */
			sum = pm_add_sat(sum, last - start == UINT64_MAX ? UINT64_MAX : last - start + 1);
			any = true;
			addressed |= last != 0;
		}
		p = le + 1;
	}
	if (!any)
		return -ENOENT;
	if (!addressed)
		return -EPERM;
	*ret = sum;
	return 0;
}
