/* libFuzzer: PSI lines ("some avg10=0.00 avg60=0.00 avg300=0.00 total=1234"),
 * of a cgroup's memory.pressure (v2) and of the node's /proc/pressure/memory,
 * each through its own key table, against the reference of fuzz_kvref.h. */
#include "fuzz_kvref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pm_layout l2, ln;
	static const struct pm_keytab *cg, *node;
	struct pm_values v;
	if (!cg) {
		cg = kv_table(&l2, 2, "memory.pressure");
		node = kv_table(&ln, 0, "pressure/memory");
	}
	kv_check(data, size, cg, &v);
	derive_check(&v, 2);
	kv_check(data, size, node, &v);
	return 0;
}
