/*
 * The table-driven parsers. Each key is found by one hash lookup (FNV-1a
 * into a small open-addressing table built from the catalogue), never by a
 * linear search, sscanf or strtoull. Formats:
 *
 *   memory.stat, memory.events, memory.oom_control     "total_rss 1708032\n"
 *   /proc/meminfo                                      "MemFree:  18123456 kB\n"
 *   memory.pressure                                    "some avg10=0.00 avg60=0.00 avg300=0.00 total=1234\n"
 *   single values                                      "9223372036854771712\n", "max\n"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "pm_internal.h"

static uint32_t hash(const char *s, size_t len)
{
	return (uint32_t)pm_fnv1a(PM_FNV1A_INIT, s, len);
}

int pm_keytab_add(struct pm_keytab *t, const char *key, size_t len, int metric)
{
	if (len == 0 || len > UINT8_MAX)
		return -EINVAL;
	if (t->n + 1 >= PM_KEYTAB_SLOTS / 2) /* keep probes short */
		return -ENOSPC;
	for (uint32_t i = hash(key, len);; i++) {
		unsigned s = i % PM_KEYTAB_SLOTS;
		if (!t->slot[s].key) {
			t->slot[s].key = key;
			t->slot[s].len = (uint8_t)len;
			t->slot[s].metric = (int16_t)metric;
			t->n++;
			return 0;
		}
		if (t->slot[s].len == len && !memcmp(t->slot[s].key, key, len))
			return -EEXIST;
	}
}

int pm_keytab_find(const struct pm_keytab *t, const char *key, size_t len)
{
	for (uint32_t i = hash(key, len);; i++) {
		unsigned s = i % PM_KEYTAB_SLOTS;
		if (!t->slot[s].key)
			return -1;
		if (t->slot[s].len == len && !memcmp(t->slot[s].key, key, len))
			return t->slot[s].metric;
	}
}

/* the value of one line, from P to the line's end LE: "123", "123 kB" or "... total=123" */
static int line_value(const char *p, const char *le, bool kb, uint64_t *ret)
{
	uint64_t v;
	size_t n;

	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	n = pm_parse_u64(p, (size_t)(le - p), &v);
	if (!n) {
		const char *t = memmem(p, (size_t)(le - p), "total=", 6);
		if (!t)
			return -EINVAL;
		p = t + 6;
		n = pm_parse_u64(p, (size_t)(le - p), &v);
		if (!n)
			return -EINVAL;
	}
	p += n;
	if (kb && le - p == 3 && !memcmp(p, " kB", 3)) {
		if (v > UINT64_MAX / 1024)
			return -ERANGE;
		v *= 1024;
		p = le;
	}
	if (p != le)
		return -EINVAL;
	*ret = v;
	return 0;
}

unsigned pm_parse_kv(const char *buf, size_t len, const struct pm_keytab *t, struct pm_values *vals)
{
	const char *p = buf, *end = buf + len;
	unsigned n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *k = p;
		while (p < le && *p != ' ' && *p != ':' && *p != '\t')
			p++;
		int m = p > k ? pm_keytab_find(t, k, (size_t)(p - k)) : -1;
		uint64_t v;
		if (m >= 0 && p < le && line_value(*p == ':' ? p + 1 : p, le, t->kb, &v) == 0) {
			if (t->add && pm_has(vals, (enum pm_metric)m))
				v = pm_add_sat(vals->v[m], v);
			pm_set(vals, (enum pm_metric)m, v);
			n++;
		}
		p = le + 1;
	}
	return n;
}

int pm_parse_single(const char *buf, size_t len, uint64_t *ret)
{
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		len--;
	if (len == 3 && !memcmp(buf, "max", 3))
		return 0;
	if (len && pm_parse_u64(buf, len, ret) == len)
		return 1;
	return -EINVAL;
}
