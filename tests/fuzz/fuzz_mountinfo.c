/* libFuzzer: /proc/self/mountinfo, looking for the memory controller
 * (pm_find_memory_mount) and the hugetlb hierarchy (pm_find_v1_mount),
 * against a reference: the first line whose filesystem (the first field after
 * the " - " separator) is "cgroup" with the controller among its super
 * options (the third), else (memory only) the first "cgroup2" line; its mount
 * point (the fifth field) with the octal escapes (\040) undone. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "pm_internal.h"

/* field N (space-separated, empty fields between two spaces count) of [P, E) */
static bool nth(const char *p, const char *e, int n, const char **rs, size_t *rl)
{
	const char *s = p;
	for (int i = 0;; i++) {
		const char *q = s;
		while (q < e && *q != ' ')
			q++;
		if (i == n) {
			if (s >= e)
				return false; /* nothing after the last space: no field */
			*rs = s;
			*rl = (size_t)(q - s);
			return true;
		}
		if (q >= e)
			return false;
		s = q + 1;
	}
}

static bool has_opt(const char *s, size_t n, const char *opt)
{
	size_t m = strlen(opt);
	for (size_t i = 0; i <= n;) {
		size_t j = i;
		while (j < n && s[j] != ',')
			j++;
		if (j - i == m && !memcmp(s + i, opt, m))
			return true;
		i = j + 1;
	}
	return false;
}

static int ref(const char *mi, size_t len, const char *ctl, bool v2, char *out, size_t cap)
{
	const char *v2s = NULL, *got = NULL, *end = mi + len;
	size_t v2l = 0, gotl = 0;
	for (const char *p = mi; p < end && !got;) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		const char *sep = NULL, *mp, *fs, *so;
		size_t mpl, fsl, sol;
		for (const char *q = p; q + 3 <= e && !sep; q++)
			if (!memcmp(q, " - ", 3))
				sep = q;
		if (sep && nth(p, e, 4, &mp, &mpl) && mpl && nth(sep + 3, e, 0, &fs, &fsl) && nth(sep + 3, e, 2, &so, &sol)) {
			if (fsl == 6 && !memcmp(fs, "cgroup", 6) && has_opt(so, sol, ctl))
				got = mp, gotl = mpl;
			else if (v2 && !v2s && fsl == 7 && !memcmp(fs, "cgroup2", 7))
				v2s = mp, v2l = mpl;
		}
		p = e + 1;
	}
	if (!got)
		got = v2s, gotl = v2l;
	if (!got)
		return -ENOENT;
	size_t o = 0;
	for (size_t i = 0; i < gotl; i++) {
		char c = got[i];
		if (c == '\\' && gotl - i >= 4 && got[i + 1] >= '0' && got[i + 1] <= '7' && got[i + 2] >= '0' && got[i + 2] <= '7' && got[i + 3] >= '0' && got[i + 3] <= '7') {
			c = (char)((got[i + 1] - '0') * 64 + (got[i + 2] - '0') * 8 + (got[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= cap)
			return -ENAMETOOLONG;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

static void one(const uint8_t *data, size_t size, const char *ctl)
{
	char out[64], want[64];
	bool mem = !strcmp(ctl, "memory");
	int r = mem ? pm_find_memory_mount((const char *)data, size, out, sizeof out)
		    : pm_find_v1_mount((const char *)data, size, ctl, out, sizeof out);
	int w = ref((const char *)data, size, ctl, mem, want, sizeof want);
	CHECK(r == w);
	if (r == 0) {
		out[0] ^= (char)MUTANT(0);
		CHECK(strlen(out) < sizeof out && !memcmp(out, want, strlen(want) + 1));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, "memory");
	one(data, size, "hugetlb");
	return 0;
}
