/*
 * parse_count: parses the memory.stat text of FILE with the key table of
 * cgroup VERSION (the catalogue's), COUNT times, through pm_parse_kv. Run
 * under callgrind with --toggle-collect=pm_parse_kv, the instructions
 * counted over COUNT are those of the parses alone (tests/bench/bench_parser.sh).
 *
 *   parse_count VERSION FILE COUNT
 * It prints the number of values each parse set.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pm_internal.h"

int main(int argc, char **argv)
{
	static char buf[64 * 1024];
	static struct pm_layout l;
	if (argc != 4)
		return fprintf(stderr, "usage: parse_count VERSION FILE COUNT\n"), 2;
	int count = atoi(argv[3]);
	if (pm_layout_build(&l, atoi(argv[1])) < 0)
		return fprintf(stderr, "parse_count: bad version %s\n", argv[1]), 2;
	const struct pm_file_desc *f = pm_layout_file(&l, "memory.stat");
	int fd = open(argv[2], O_RDONLY);
	ssize_t n = fd < 0 ? -1 : pm_pread_all(fd, buf, sizeof buf);
	if (!f || n <= 0)
		return fprintf(stderr, "parse_count: cannot read %s\n", argv[2]), 1;
	unsigned set = 0;
	for (int i = 0; i < count; i++) {
		struct pm_values v = {0};
		set = pm_parse_kv(buf, (size_t)n, &f->keys, &v);
	}
	unsigned lines = 0;
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	printf("%u values, %zd bytes, %u lines\n", set, n, lines);
	return 0;
}
