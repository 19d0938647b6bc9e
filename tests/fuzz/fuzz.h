/* What every libFuzzer target here shares.
 *
 * CHECK(cond): a property that must hold; a violation traps, and libFuzzer
 * keeps the input as a crash.
 *
 * MUTANT(x): the value a target checks, as it checks it. In the normal build
 * it is X; built with -DPM_FUZZ_MUTANT (make fuzz-traps) it is X perturbed by
 * the target's own PM_FUZZ_PERTURB (1 added, unless the target says
 * otherwise), so that the committed input tests/fuzz/traps/<target> must trap:
 * that shows each target's checks are live. Only the target is perturbed,
 * never the product code. */
#ifndef PM_FUZZ_H
#define PM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                             \
	do {                                                                                                    \
		if (!(cond))                                                                                    \
			__builtin_trap();                                                                       \
	} while (0)

#ifndef PM_FUZZ_PERTURB
#define PM_FUZZ_PERTURB(x) ((x) + 1)
#endif
#ifdef PM_FUZZ_MUTANT
#define MUTANT(x) PM_FUZZ_PERTURB(x)
#else
#define MUTANT(x) (x)
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DATA as a NUL-terminated string (malloc'd; NULL when out of memory) */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = 0;
	}
	return s;
}

/* DATA as a command line: its NUL-separated pieces after ARGV0, in ARGV
 * (at most CAP - 1 of them, then NULL), pointing into *RET_BUF (malloc'd, to
 * free). Returns argc, or -1 when out of memory. */
static inline int fuzz_argv(const uint8_t *data, size_t size, char *argv0, char **argv, int cap, char **ret_buf)
{
	char *buf = fuzz_str(data, size);
	int argc = 0;
	if (!buf)
		return -1;
	argv[argc++] = argv0;
	for (size_t i = 0; i < size && argc < cap - 1;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	*ret_buf = buf;
	return argc;
}

/* true when S holds only whole UTF-8 sequences (no overlong, no surrogate) */
static inline int fuzz_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 9;
		if (n == 9 || (n == 1 && c < 0xc2) || (n == 3 && c > 0xf4))
			return 0;
		unsigned cp = c & (0x3f >> n);
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n + 1;
	}
	return 1;
}

#endif
