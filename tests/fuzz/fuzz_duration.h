/* A reference for the plain durations "<digits><unit>" (ns us ms s m h):
 * their nanoseconds in 128 bits; false for any other form. */
#ifndef PM_FUZZ_DURATION_H
#define PM_FUZZ_DURATION_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static bool ref_duration(const char *s, unsigned __int128 *ret)
{
	static const struct {
		const char *u;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}, {"m", 60000000000}, {"h", 3600000000000}};
	unsigned __int128 v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (unsigned)(*p - '0')) > UINT64_MAX)
			return false;
	if (p == s)
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (!strcmp(p, units[i].u)) {
			*ret = v * units[i].ns;
			return true;
		}
	return false;
}

#endif
