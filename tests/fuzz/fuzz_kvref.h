/* One key-value table (memory.stat, memory.events, oom_control, PSI,
 * meminfo) against a reference: a plain re-reading of the format that finds
 * the key by a linear scan of the table (not its hash) and the number in 128
 * bits. Every line pm_parse_kv() takes, the reference takes, with the same
 * value, and the other way round; the count it returns is the lines taken.
 * Then what the derivations make of the values holds too (no sum wraps, the
 * working sets and the remainder stay within usage, no unlimited limit). */
#ifndef PM_FUZZ_KVREF_H
#define PM_FUZZ_KVREF_H

#include "fuzz.h"
#include "pm_internal.h"

struct ref {
	bool has[PM_M__COUNT];
	uint64_t v[PM_M__COUNT];
	unsigned lines;
};

static int ref_find(const struct pm_keytab *t, const char *k, size_t n)
{
	for (unsigned i = 0; i < PM_KEYTAB_SLOTS; i++)
		if (t->slot[i].key && t->slot[i].len == n && !memcmp(t->slot[i].key, k, n))
			return t->slot[i].metric;
	return -1;
}

/* "[-]digits" at [P, E): the bytes it takes, 0 for none or past 64 bits; a negative value is 0 */
static size_t ref_num(const char *p, const char *e, uint64_t *ret)
{
	const char *q = p + (p < e && *p == '-'), *d = q;
	unsigned __int128 v = 0;
	for (; q < e && *q >= '0' && *q <= '9'; q++)
		if ((v = v * 10 + (unsigned)(*q - '0')) > UINT64_MAX)
			return 0;
	if (q == d)
		return 0;
	*ret = *p == '-' ? 0 : (uint64_t)v;
	return (size_t)(q - p);
}

/* one line [P, E): "key value", "Key: value[ kB]", "some ... total=N" */
static void ref_line(const char *p, const char *e, const struct pm_keytab *t, struct ref *r)
{
	const char *q = p;
	while (q < e && *q != ' ' && *q != '\t' && *q != ':')
		q++;
	if (q == p || q == e)
		return;
	int m = ref_find(t, p, (size_t)(q - p));
	if (m < 0)
		return;
	if (*q == ':')
		q++;
	while (q < e && (*q == ' ' || *q == '\t'))
		q++;
	uint64_t v;
	size_t n = ref_num(q, e, &v);
	if (!n) {
		const char *tot = NULL;
		for (const char *s = q; s + 6 <= e && !tot; s++)
			if (!memcmp(s, "total=", 6))
				tot = s;
		if (!tot || !(n = ref_num(q = tot + 6, e, &v)))
			return;
	}
	q += n;
	if (t->kb && e - q == 3 && !memcmp(q, " kB", 3)) {
		if (v > UINT64_MAX / 1024)
			return;
		v *= 1024;
		q = e;
	}
	if (q != e)
		return;
	if (t->add && r->has[m])
		v = r->v[m] > UINT64_MAX - v ? UINT64_MAX : r->v[m] + v;
	r->has[m] = true;
	r->v[m] = v;
	r->lines++;
}

static void ref_parse(const uint8_t *data, size_t size, const struct pm_keytab *t, struct ref *r)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		ref_line(p, e, t, r);
		p = e + 1;
	}
}

/* DATA through T, against the reference; the values parsed into *RET */
static void kv_check(const uint8_t *data, size_t size, const struct pm_keytab *t, struct pm_values *ret)
{
	struct ref r = {0};
	memset(ret, 0, sizeof *ret);
	unsigned n = pm_parse_kv((const char *)data, size, t, ret);
	ref_parse(data, size, t, &r);
	CHECK(n == r.lines);
	for (int m = 0; m < PM_M__COUNT; m++) {
		CHECK(pm_has(ret, (enum pm_metric)m) == r.has[m]);
		CHECK(MUTANT(ret->v[m]) == r.v[m]);
	}
}

static uint64_t sat3(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 s = (unsigned __int128)a + b + c;
	return s > UINT64_MAX ? UINT64_MAX : (uint64_t)s;
}

/* what pm_derive_cgroup(V, VERSION) must make of any values */
static void derive_check(struct pm_values *v, int version)
{
	pm_derive_cgroup(v, version);
	if (pm_has(v, PM_M_WORKING_SET))
		CHECK(v->v[PM_M_WORKING_SET] ==
		      sat3(v->v[PM_M_ACTIVE_ANON], v->v[PM_M_INACTIVE_ANON], v->v[PM_M_ACTIVE_FILE]));
	if (pm_has(v, PM_M_WORKING_SET_KUBELET))
		CHECK(pm_has(v, PM_M_USAGE) && pm_has(v, PM_M_INACTIVE_FILE) &&
		      v->v[PM_M_WORKING_SET_KUBELET] <= v->v[PM_M_USAGE]);
	if (pm_has(v, PM_M_UNACCOUNTED))
		CHECK(v->v[PM_M_UNACCOUNTED] <= v->v[PM_M_USAGE]);
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_is_limit((enum pm_metric)m) && pm_has(v, (enum pm_metric)m))
			CHECK(v->v[m] < PM_UNLIMITED_MIN);
}

/* the key table of FILE in the layout of VERSION (0: the node's files), built once */
static const struct pm_keytab *kv_table(struct pm_layout *l, int version, const char *file)
{
	const struct pm_file_desc *f;
	if ((version ? pm_layout_build(l, version) : pm_node_layout(l)) || !(f = pm_layout_file(l, file)) ||
	    f->kind != PM_FK_KV || f->keys.n == 0)
		__builtin_trap(); /* the catalogue lost the file: the target would test nothing */
	return &f->keys;
}

#endif
