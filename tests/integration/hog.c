/*
 * pm-hog: a process that does a known amount of one kind of memory work in
 * its cgroup, says "ready" on stdout, then sleeps until killed.
 *
 *   pm-hog anon BYTES          touch BYTES of private anonymous memory
 *   pm-hog read FILE [ROUNDS]  evict FILE from the page cache, then read it
 *                              whole ROUNDS times (default 1; from 2 on, its
 *                              pages are on the active list: a hot file)
 *   pm-hog tmpfs FILE BYTES    write BYTES into FILE (on a tmpfs)
 *   pm-hog write FILE BYTES    the same on any file system: with no sync, on a
 *                              disk they stay dirty until the kernel writes them
 *   pm-hog deleted FILE BYTES  write BYTES into FILE, sync it, unlink it and keep it open
 *   pm-hog hold FILE BYTES     write BYTES into FILE, sync it and keep it open
 *   pm-hog keep FILE           read FILE whole as it is cached (no eviction first) and keep it open
 *   pm-hog churn BYTES         forever: map and touch up to BYTES of anonymous memory (a size
 *                              that changes every time), hold it 10 ms, unmap it ("ready"
 *                              after the first time round): usage that never stays put
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "pm-hog: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	if (argc < 3)
		return fprintf(stderr, "usage: pm-hog anon|churn BYTES | read FILE [ROUNDS] | tmpfs|write|deleted|hold FILE BYTES | keep FILE\n"), 2;
	if (!strcmp(argv[1], "churn")) {
		size_t n = strtoull(argv[2], NULL, 10), pages = n / 4096 ? n / 4096 : 1;
		for (unsigned long i = 1;; i++) {
			size_t len = (i * 7919 % pages + 1) * 4096;
			char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				return die("mmap");
			for (size_t k = 0; k < len; k += 4096)
				p[k] = 1;
			if (i == 1) {
				printf("ready\n");
				fflush(stdout);
			}
			usleep(10000);
			munmap(p, len);
		}
	} else if (!strcmp(argv[1], "anon")) {
		size_t n = strtoull(argv[2], NULL, 10);
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return die("mmap");
		for (size_t i = 0; i < n; i += 4096)
			p[i] = 1;
	} else if (!strcmp(argv[1], "read") || !strcmp(argv[1], "keep")) {
		int fd = open(argv[2], O_RDONLY);
		if (fd < 0)
			return die(argv[2]);
		fdatasync(fd);
		if (!strcmp(argv[1], "read") && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
			return die("posix_fadvise");
		long rounds = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
		for (long i = 0; i < rounds; i++) {
			ssize_t r;
			if (lseek(fd, 0, SEEK_SET) < 0)
				return die("lseek");
			while ((r = read(fd, buf, sizeof buf)) > 0)
				;
			if (r < 0)
				return die("read");
		}
	} else if ((!strcmp(argv[1], "tmpfs") || !strcmp(argv[1], "write") || !strcmp(argv[1], "deleted") ||
		    !strcmp(argv[1], "hold")) &&
		   argc == 4) {
		size_t n = strtoull(argv[3], NULL, 10);
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			return die(argv[2]);
		memset(buf, 'x', sizeof buf);
		for (size_t done = 0; done < n;) {
			size_t k = n - done < sizeof buf ? n - done : sizeof buf;
			ssize_t w = write(fd, buf, k);
			if (w <= 0)
				return die("write");
			done += (size_t)w;
		}
		if (!strcmp(argv[1], "hold")) {
			if (fdatasync(fd))
				return die(argv[2]);
		} else if (!strcmp(argv[1], "deleted")) {
			if (fdatasync(fd) || unlink(argv[2]))
				return die(argv[2]);
			printf("fd %d\n", fd);
		} else {
			close(fd);
		}
	} else {
		return fprintf(stderr, "pm-hog: unknown mode %s\n", argv[1]), 2;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
