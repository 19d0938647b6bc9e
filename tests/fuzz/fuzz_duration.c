/* libFuzzer: Go-style durations (pm_parse_duration: podmem's and
 * podmem-execd's --interval, --files-interval): "[+]" then one or more
 * "<digits>[.<digits>]<unit>" (ns us µs ms s m h), against a reference in 128
 * bits: the exact nanoseconds (a fraction's digits past the 18th dropped,
 * the result rounded down), -ERANGE past 2^64 - 1, -EINVAL for anything
 * malformed or zero. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "pm_internal.h"

static int ref(const char *s, unsigned __int128 *ret)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"ns", 1},	{"us", 1000},	{"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000}, {"ms", 1000000},
		     {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000}};
	unsigned __int128 total = 0;
	bool range = false;
	if (*s == '+')
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		unsigned __int128 whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *s >= '0' && *s <= '9'; s++, digits = true)
			if ((whole = whole * 10 + (unsigned)(*s - '0')) > UINT64_MAX)
				range = true, whole = UINT64_MAX;
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < (unsigned __int128)1000000000000000000u)
					frac = frac * 10 + (unsigned)(*s - '0'), scale *= 10;
		if (!digits)
			return -EINVAL;
		size_t u = 0, len = 0;
		for (; u < sizeof units / sizeof units[0]; u++)
			if (!strncmp(s, units[u].name, len = strlen(units[u].name)))
				break;
		if (u == sizeof units / sizeof units[0])
			return -EINVAL;
		s += len;
		total += whole * units[u].ns + frac * units[u].ns / scale;
		if (total > UINT64_MAX)
			range = true, total = UINT64_MAX;
	}
	if (range)
		return -ERANGE;
	if (!total)
		return -EINVAL;
	*ret = total;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	uint64_t ns = 7;
	unsigned __int128 want = 0;
	int r = pm_parse_duration(s, &ns), w = ref(s, &want);
	/* a malformed piece after one too large: either answer is right */
	CHECK(r == w || (r == -ERANGE && w == -EINVAL) || (r == -EINVAL && w == -ERANGE));
	if (r == 0)
		CHECK(MUTANT(ns) == want);
	free(s);
	return 0;
}
