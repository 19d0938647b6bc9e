/* libFuzzer: the key-value parser on every table it is used with
 * (memory.stat v1 and v2, memory.events, oom_control, PSI, meminfo). Lines
 * are independent: parsing the text whole finds what parsing it a line at a
 * time finds. */
#include <string.h>

#include "fuzz.h"
#include "pm_internal.h"

/* parses DATA with T whole, and a line at a time, and compares */
static void both_ways(const uint8_t *data, size_t size, const struct pm_keytab *t)
{
	struct pm_values whole = {0}, lines = {0};
	unsigned n = pm_parse_kv((const char *)data, size, t, &whole), m = 0;
	for (size_t i = 0; i < size;) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - data) + 1 : size;
		m += pm_parse_kv((const char *)data + i, end - i, t, &lines);
		i = end;
	}
	CHECK(MUTANT(n) == m && !memcmp(&whole, &lines, sizeof whole));
}

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
	const struct pm_layout *ls[] = {&l1, &l2};
	for (unsigned k = 0; k < 2; k++)
		for (unsigned i = 0; i < ls[k]->n_files; i++)
			if (ls[k]->files[i].kind == PM_FK_KV) {
				both_ways(data, size, &ls[k]->files[i].keys);
				pm_parse_kv((const char *)data, size, &ls[k]->files[i].keys, &v);
			}
	both_ways(data, size, &mi);
	pm_parse_kv((const char *)data, size, &mi, &v);
	pm_derive_cgroup(&v, 1);
	pm_derive_cgroup(&v, 2);
	pm_derive_node(&v);
	return 0;
}
