/* libFuzzer: /proc/meminfo ("MemFree:  18123456 kB", the " kB" multiplied
 * out, and only here) against the reference of fuzz_kvref.h, then the node's
 * derivations (pm_derive_node): usage within total, the parts within usage. */
#include "fuzz_kvref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pm_keytab t;
	static int ready;
	struct pm_values v;
	if (!ready) {
		if (pm_meminfo_keys(&t) || !t.kb || t.n == 0)
			__builtin_trap();
		ready = 1;
	}
	kv_check(data, size, &t, &v);
	pm_derive_node(&v);
	if (pm_has(&v, PM_M_USAGE))
		CHECK(v.v[PM_M_USAGE] <= v.v[PM_M_TOTAL]);
	if (pm_has(&v, PM_M_UNACCOUNTED))
		CHECK(v.v[PM_M_UNACCOUNTED] <= v.v[PM_M_USAGE]);
	if (pm_has(&v, PM_M_RESERVED))
		CHECK(v.v[PM_M_RESERVED] <= v.v[PM_M_PHYSICAL]);
	return 0;
}
