/* libFuzzer, against a reference: the strict number parser and one-value
 * files ("123\n", "max\n"). */
#include <string.h>

#include "fuzz.h"
#include "pm_internal.h"

/* the reference: [-]digits from S, in 128 bits; 0 bytes when none or past 64 bits */
static size_t reference(const uint8_t *s, size_t len, uint64_t *ret)
{
	size_t i = len && s[0] == '-', first = i;
	unsigned __int128 v = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (s[i] - '0');
		if (v > UINT64_MAX)
			return 0;
	}
	if (i == first)
		return 0;
	*ret = s[0] == '-' ? 0 : (uint64_t)v;
	return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v = 7, w = 7;
	size_t n = pm_parse_u64((const char *)data, size, &v), r = reference(data, size, &w);
	CHECK(MUTANT(n) == r && (!n || v == w));
	size_t trimmed = size;
	while (trimmed && (data[trimmed - 1] == '\n' || data[trimmed - 1] == ' '))
		trimmed--;
	int s = pm_parse_single((const char *)data, size, &v);
	int want = trimmed == 3 && !memcmp(data, "max", 3) ? 0
		   : trimmed && reference(data, trimmed, &w) == trimmed ? 1
									: -22; /* -EINVAL */
	if (s != want || (s == 1 && v != w))
		__builtin_trap();
	return 0;
}
