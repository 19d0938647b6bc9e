/* Text helpers every front end shares: UTF-8 validation, FNV-1a and Go-style durations. */
#include <errno.h>
#include <string.h>

#include "podmem.h"

size_t pm_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c, lo = 0x80, hi = 0xbf; /* the second byte's range */
	size_t n;

	if (avail == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi) /* a NUL fails here, so nothing past it is read */
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

uint64_t pm_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3u;
	return h;
}

int pm_parse_duration(const char *s, uint64_t *ret_ns)
{
	/* a unit that is a prefix of another comes after it ("ms" before "m") */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", 1000},
		{"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
		{"\xce\xbcs", 1000}, /* U+03BC Greek mu */
		{"ms", 1000000},
		{"s", 1000000000},
		{"m", 60 * (uint64_t)1000000000},
		{"h", 3600 * (uint64_t)1000000000},
	};
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < 1000000000000000000u) { /* digits past 1e-18 cannot matter */
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
		if (!digits)
			return -EINVAL;
		size_t u = 0, len = 0;
		for (; u < sizeof units / sizeof units[0]; u++) {
			len = strlen(units[u].name);
			if (!strncmp(s, units[u].name, len))
				break;
		}
		if (u == sizeof units / sizeof units[0])
			return -EINVAL;
		s += len;
		if (whole > UINT64_MAX / units[u].ns)
			return -ERANGE;
		uint64_t v = whole * units[u].ns;
		uint64_t part = (uint64_t)((long double)frac * units[u].ns / scale);
		if (v > UINT64_MAX - part || total > UINT64_MAX - (v + part))
			return -ERANGE;
		total += v + part;
	}
	if (!total)
		return -EINVAL;
	*ret_ns = total;
	return 0;
}
