/*
 * malloc_count.so: counts the calls of malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign of a process (LD_PRELOAD), then
 * lets glibc's allocator do them.
 *   - bench_allocs: the count, for a program that declares it (extern, weak);
 *   - with BENCH_ALLOC_OBJ=NAME, only the calls made from code in the loaded
 *     object whose path ends in NAME (say podmem.so) are counted, and the
 *     count is kept up to date in the file BENCH_ALLOC_OUT (one pwrite per
 *     counted call, no allocation), for a script to read while it runs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

unsigned long bench_allocs;
static uintptr_t lo, hi; /* the object's text, when filtering */
static int filtering, out_fd = -1;

static int find_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	const char *name = arg;
	size_t n = strlen(info->dlpi_name), m = strlen(name);
	if (n < m || strcmp(info->dlpi_name + n - m, name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *p = &info->dlpi_phdr[i];
		if (p->p_type == PT_LOAD && (p->p_flags & PF_X)) {
			lo = info->dlpi_addr + p->p_vaddr;
			hi = lo + p->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* whether the allocation called from CALLER counts */
static void count(void *caller)
{
	if (!filtering) {
		bench_allocs++;
		return;
	}
	if (!lo) { /* the object may be loaded late (collectd's plugins): looked up until found */
		static int busy;
		const char *name = getenv("BENCH_ALLOC_OBJ");
		if (busy || !name)
			return;
		busy = 1;
		dl_iterate_phdr(find_obj, (void *)name);
		busy = 0;
		if (!lo)
			return;
	}
	uintptr_t c = (uintptr_t)caller;
	if (c < lo || c >= hi)
		return;
	unsigned long n = __atomic_add_fetch(&bench_allocs, 1, __ATOMIC_RELAXED);
	if (out_fd >= 0) {
		char buf[24];
		int len = snprintf(buf, sizeof buf, "%20lu\n", n);
		if (pwrite(out_fd, buf, (size_t)len, 0) < 0)
			out_fd = -1;
	}
}

void *malloc(size_t n)
{
	count(__builtin_return_address(0));
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	count(__builtin_return_address(0));
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	count(__builtin_return_address(0));
	return __libc_realloc(p, n);
}

void *memalign(size_t a, size_t n)
{
	count(__builtin_return_address(0));
	return __libc_memalign(a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
	count(__builtin_return_address(0));
	return __libc_memalign(a, n);
}

int posix_memalign(void **ret, size_t a, size_t n)
{
	count(__builtin_return_address(0));
	void *p = __libc_memalign(a, n);
	if (!p)
		return 12; /* ENOMEM */
	*ret = p;
	return 0;
}

__attribute__((constructor)) static void start(void)
{
	const char *out = getenv("BENCH_ALLOC_OUT");
	filtering = getenv("BENCH_ALLOC_OBJ") != NULL;
	if (filtering && out)
		out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out_fd >= 0 && pwrite(out_fd, "                   0\n", 21, 0) < 0)
		out_fd = -1;
}
