/* Strict, length-bounded, overflow-checked number parsing (after redis string2ll). */
#include "pm_internal.h"

size_t pm_parse_u64(const char *s, size_t len, uint64_t *ret)
{
	size_t i = 0;
	int neg = 0;
	uint64_t v = 0;

	if (len && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	size_t first = i;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i == first)
		return 0;
	*ret = neg ? 0 : v;
	return i;
}
