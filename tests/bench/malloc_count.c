/*
 * malloc_count.so: counts the calls of malloc, calloc, realloc,
 * posix_memalign, aligned_alloc and memalign of a process (LD_PRELOAD), then
 * lets glibc's allocator do them.
 *   - bench_allocs: the count, for a program that declares it (extern, weak);
 *   - with BENCH_ALLOC_OBJ=NAME, only the calls made from code in the loaded
 *     object whose path ends in NAME (say podmem.so) are counted, and the
 *     count is kept up to date in the file BENCH_ALLOC_OUT (one pwrite per
 *     counted call, no allocation), for a script to read while it runs,
 *     with the bytes that code holds now: its malloc, calloc and realloc
 *     blocks carry a header (a magic number and the size) that free finds.
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
extern void __libc_free(void *);
extern size_t malloc_usable_size(void *);

unsigned long bench_allocs;
static long live_bytes; /* held by the object's blocks */
#define HDR 16
#define MAGIC 0x6d616c6c6f63636eull
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

static void publish(unsigned long n)
{
	if (out_fd >= 0) {
		char buf[48];
		int len = snprintf(buf, sizeof buf, "%20lu %20ld\n", n, live_bytes);
		if (pwrite(out_fd, buf, (size_t)len, 0) < 0)
			out_fd = -1;
	}
}

/* whether the allocation called from CALLER counts (and is the object's) */
static int count(void *caller)
{
	if (!filtering) {
		bench_allocs++;
		return 0;
	}
	if (!lo) { /* the object may be loaded late (collectd's plugins): looked up until found */
		static int busy;
		const char *name = getenv("BENCH_ALLOC_OBJ");
		if (busy || !name)
			return 0;
		busy = 1;
		dl_iterate_phdr(find_obj, (void *)name);
		busy = 0;
		if (!lo)
			return 0;
	}
	uintptr_t c = (uintptr_t)caller;
	if (c < lo || c >= hi)
		return 0;
	__atomic_add_fetch(&bench_allocs, 1, __ATOMIC_RELAXED);
	return 1;
}

/* a block of the object's: N bytes after a header */
static void *ours(size_t n)
{
	uint64_t *h = __libc_malloc(n + HDR);
	if (!h)
		return NULL;
	h[0] = MAGIC;
	h[1] = n;
	__atomic_add_fetch(&live_bytes, (long)n, __ATOMIC_RELAXED);
	publish(bench_allocs);
	return (char *)h + HDR;
}

/* the header of P when P is the object's block, else NULL (the 16 bytes
 * before any glibc block are its chunk header: readable) */
static uint64_t *hdr_of(void *p)
{
	uint64_t *h = (uint64_t *)((char *)p - HDR);
	return p && h[0] == MAGIC ? h : NULL;
}

void free(void *p)
{
	uint64_t *h = hdr_of(p);
	if (!h) {
		__libc_free(p);
		return;
	}
	__atomic_sub_fetch(&live_bytes, (long)h[1], __ATOMIC_RELAXED);
	h[0] = 0;
	__libc_free(h);
	if (filtering)
		publish(bench_allocs);
}

void *malloc(size_t n)
{
	if (count(__builtin_return_address(0)))
		return ours(n);
	return __libc_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	if (count(__builtin_return_address(0))) {
		if (b && a > (size_t)-1 / 2 / b)
			return NULL;
		void *p = ours(a * b);
		if (p)
			memset(p, 0, a * b);
		return p;
	}
	return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	uint64_t *h = hdr_of(p);
	int mine = count(__builtin_return_address(0));
	if (!h && !mine)
		return __libc_realloc(p, n);
	/* the object's (now or from now on): a new block, the old one copied and freed */
	size_t old = h ? h[1] : p ? malloc_usable_size(p) : 0;
	void *q = ours(n);
	if (!q)
		return NULL;
	if (p) {
		memcpy(q, p, old < n ? old : n);
		free(p);
	}
	return q;
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
	publish(0);
}
