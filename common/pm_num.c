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

size_t pm_parse_hex(const char *s, size_t len, uint64_t *ret)
{
	size_t i = 0;
	uint64_t v = 0;

	for (; i < len; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d == 16)
			break;
		if (v >> 60)
			return 0;
		v = v << 4 | d;
	}
	if (!i)
		return 0;
	*ret = v;
	return i;
}
