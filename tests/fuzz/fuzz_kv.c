/* libFuzzer: the key-value parser on every table it is used with
 * (memory.stat v1 and v2, memory.events, oom_control, PSI, meminfo). */
#include <string.h>

#include "pm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pm_layout l1, l2;
	static struct pm_keytab mi;
	static int ready;
	if (!ready) {
		if (pm_layout_build(&l1, 1) || pm_layout_build(&l2, 2) || pm_meminfo_keys(&mi))
			__builtin_trap();
		ready = 1;
	}
	struct pm_values v = {0};
	for (unsigned i = 0; i < l1.n_files; i++)
		if (l1.files[i].kind == PM_FK_KV)
			pm_parse_kv((const char *)data, size, &l1.files[i].keys, &v);
	for (unsigned i = 0; i < l2.n_files; i++)
		if (l2.files[i].kind == PM_FK_KV)
			pm_parse_kv((const char *)data, size, &l2.files[i].keys, &v);
	pm_parse_kv((const char *)data, size, &mi, &v);
	pm_derive_cgroup(&v, 1);
	pm_derive_cgroup(&v, 2);
	pm_derive_node(&v);
	return 0;
}
