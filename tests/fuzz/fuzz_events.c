/* libFuzzer: v2 memory.events through its own key table, against the
 * reference of fuzz_kvref.h, then derived (pm_derive_cgroup). */
#include "fuzz_kvref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pm_layout l;
	static const struct pm_keytab *t;
	struct pm_values v;
	if (!t)
		t = kv_table(&l, 2, "memory.events");
	kv_check(data, size, t, &v);
	derive_check(&v, 2);
	return 0;
}
