/* libFuzzer, differential: reading a key-value file piece by piece through a
 * small buffer (pm_pread_kv) finds exactly what parsing it whole finds, for
 * every file whose lines all fit in the buffer with their newline (the last
 * line counted with one too, as pm_pread_kv's contract says). The keys are
 * v2 memory.stat's, looked up by name. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "pm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pm_keytab *t;
	static struct pm_layout l;
	static int fd = -1;
	enum { CAP = 61 };
	char buf[CAP];
	if (fd < 0) {
		const struct pm_file_desc *f;
		if (pm_layout_build(&l, 2) || !(f = pm_layout_file(&l, "memory.stat")) || f->kind != PM_FK_KV ||
		    f->keys.n == 0 || (fd = memfd_create("kv", 0)) < 0)
			__builtin_trap();
		t = &f->keys;
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		__builtin_trap();
	struct pm_values whole = {0}, pieces = {0};
	pm_parse_kv((const char *)data, size, t, &whole);
	ssize_t n = pm_pread_kv(fd, buf, CAP, t, &pieces);
	CHECK(MUTANT(n) == (ssize_t)size);
	size_t longest = 0, cur = 0;
	for (size_t i = 0; i < size; i++) {
		cur++;
		if (data[i] == '\n') {
			longest = cur > longest ? cur : longest;
			cur = 0;
		}
	}
	if (cur) /* the last line, without its newline */
		longest = cur + 1 > longest ? cur + 1 : longest;
	if (longest <= CAP && memcmp(&whole, &pieces, sizeof whole))
		__builtin_trap();
	return 0;
}
