/* libFuzzer: /proc/iomem (pm_ram_iomem): the sum of the top-level "System
 * RAM" ranges ("00100000-bfffffff : System RAM", not indented), against a
 * reference in 128 bits, saturated at 2^64 - 1; -ENOENT without any, -EPERM
 * when every one reads as 0-0 (an unprivileged reader). */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "pm_internal.h"

static bool hexnum(const char *s, size_t n, unsigned __int128 *ret)
{
	unsigned __int128 v = 0;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
						 : c >= 'A' && c <= 'F'		? (unsigned)(c - 'A' + 10)
											: 99;
		if (d == 99)
			return false;
		if ((v = v * 16 + d) > UINT64_MAX)
			return false;
	}
	*ret = v;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char ram[] = " : System RAM";
	const char *p = (const char *)data, *end = p + size;
	unsigned __int128 sum = 0;
	bool any = false, addressed = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *dash = memchr(p, '-', (size_t)(le - p)), *sp = dash ? memchr(dash, ' ', (size_t)(le - dash)) : NULL;
		unsigned __int128 a, b;
		if (dash && sp && (size_t)(le - sp) == sizeof ram - 1 && !memcmp(sp, ram, sizeof ram - 1) &&
		    hexnum(p, (size_t)(dash - p), &a) && hexnum(dash + 1, (size_t)(sp - dash - 1), &b) && b >= a) {
			sum += b - a + 1;
			any = true;
			addressed |= b != 0;
		}
		p = le + 1;
	}
	uint64_t got = 7;
	int r = pm_ram_iomem((const char *)data, size, &got);
	CHECK(r == (!any ? -ENOENT : !addressed ? -EPERM : 0));
	if (r == 0)
		CHECK(MUTANT(got) == (sum > UINT64_MAX ? UINT64_MAX : (uint64_t)sum));
	return 0;
}
