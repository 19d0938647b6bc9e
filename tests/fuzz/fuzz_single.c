/* libFuzzer: one-value files and the strict number parser. */
#include "pm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t v;
	size_t n = pm_parse_u64((const char *)data, size, &v);
	if (n > size)
		__builtin_trap();
	pm_parse_single((const char *)data, size, &v);
	return 0;
}
