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

/* ---- word-at-a-time helpers: a memory.stat of 60 lines is parsed in a
 * few thousand instructions, not one loop turn per byte ---- */

static inline uint64_t load64(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

#define REP(c) (0x0101010101010101ull * (uint8_t)(c))
/* the bytes of W that are zero (exact for the lowest one; a flag above a
 * flagged byte may be false), as 0x80 in each */
static inline uint64_t zero_bytes(uint64_t w)
{
	return (w - REP(1)) & ~w & REP(0x80);
}
/* the bytes of W below 0x21 (space, tab, newline, controls), the same way */
static inline uint64_t low_bytes(uint64_t w)
{
	return (w - REP(0x21)) & ~w & REP(0x80);
}

/* the key's hash: from its length and its first and last 8 bytes (a
 * collision costs a compare, never a wrong match). With WIDE, the 8 bytes
 * at S may be read whatever LEN (they are in the buffer being parsed). */
static inline uint32_t hash_key(const char *s, size_t len, bool wide)
{
	uint64_t a = 0, b = 0;
	if (len >= 8) {
		a = load64(s);
		b = load64(s + len - 8);
	} else if (wide) {
		a = load64(s) & ((1ull << (8 * len)) - 1);
	} else {
		for (size_t i = 0; i < len; i++)
			a |= (uint64_t)(uint8_t)s[i] << (8 * i);
	}
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ len) * 0xff51afd7ed558ccdull;
	return (uint32_t)(h >> 32);
}

static uint32_t hash(const char *s, size_t len)
{
	return hash_key(s, len, false);
}

static inline bool key_eq(const char *a, const char *b, size_t len)
{
	if (len < 8)
		return !memcmp(a, b, len);
	for (size_t i = 0; i + 8 < len; i += 8)
		if (load64(a + i) != load64(b + i))
			return false;
	return load64(a + len - 8) == load64(b + len - 8);
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

static inline int find(const struct pm_keytab *t, const char *key, size_t len, bool wide)
{
	for (uint32_t i = hash_key(key, len, wide);; i++) {
		unsigned s = i % PM_KEYTAB_SLOTS;
		if (!t->slot[s].key)
			return -1;
		if (t->slot[s].len == len && key_eq(t->slot[s].key, key, len))
			return t->slot[s].metric;
	}
}

int pm_keytab_find(const struct pm_keytab *t, const char *key, size_t len)
{
	return find(t, key, len, false);
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

static inline bool key_stop(char c)
{
	return c == ' ' || c == ':' || c == '\t' || c == '\n';
}

/* the first byte at P (before END) that ends a key: ' ', ':', '\t' or '\n'
 * (COLON: the buffer may hold a ':'; without, one test a word less) */
static inline const char *key_end(const char *p, const char *end, bool colon)
{
	while (end - p >= 8) {
		uint64_t w = load64(p);
		uint64_t m = low_bytes(w) | (colon ? zero_bytes(w ^ REP(':')) : 0);
		if (!m) {
			p += 8;
			continue;
		}
		/* the lowest flag is exact: a stop, or another control byte, which is part of the key */
		const char *c = p + (__builtin_ctzll(m) >> 3);
		if (key_stop(*c))
			return c;
		p = c + 1;
	}
	for (; p < end; p++)
		if (key_stop(*p))
			return p;
	return end;
}

/* the first '\n' at P (before END), or END */
static inline const char *line_end(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t m = zero_bytes(load64(p) ^ REP('\n'));
		if (m)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
	for (; p < end; p++)
		if (*p == '\n')
			return p;
	return end;
}

unsigned pm_parse_kv(const char *buf, size_t len, const struct pm_keytab *t, struct pm_values *vals)
{
	const char *p = buf, *end = buf + len;
	unsigned n = 0;
	bool colon = memchr(buf, ':', len) != NULL; /* meminfo; in memory.stat only in a hostile file */

	while (p < end) {
		const char *k = p;
		const char *q = key_end(p, end, colon); /* the key is K..Q */
		int m = q > k ? find(t, k, (size_t)(q - k), end - k >= 8) : -1;
		if (m < 0 || q == end || *q == '\n') { /* not a key of T, or no value: the next line */
			p = q < end && *q == '\n' ? q + 1 : line_end(q, end) + 1;
			continue;
		}
		uint64_t v = 0;
		const char *d = q + 1, *le;
		/* the common case, "key 123\n": up to 19 digits cannot overflow */
		if (*q == ' ' && d < end && *d >= '0' && *d <= '9') {
			const char *stop = end - d > 19 ? d + 19 : end;
			if (end - d >= 8) { /* up to 8 digits at once */
				uint64_t x = load64(d) ^ REP('0'); /* digits become 0-9 */
				uint64_t bad = ((x + REP(0x76)) | x) & REP(0x80); /* the lowest flag is exact */
				unsigned nd = bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
				x <<= 8 * (8 - nd); /* leading zeros below */
				x = ((x & REP(0x0f)) * 2561) >> 8;
				x = ((x & 0x00ff00ff00ff00ffull) * 6553601) >> 16;
				v = ((x & 0x0000ffff0000ffffull) * 42949672960001ull) >> 32;
				d += nd;
			}
			while (d < stop && *d >= '0' && *d <= '9')
				v = v * 10 + (uint64_t)(*d++ - '0');
			if (d == end || *d == '\n') {
				le = d;
				goto set;
			}
		}
		le = line_end(q, end);
		if (line_value(*q == ':' ? q + 1 : q, le, t->kb, &v) != 0) {
			p = le + 1;
			continue;
		}
	set:
		if (t->add && pm_has(vals, (enum pm_metric)m))
			v = pm_add_sat(vals->v[m], v);
		pm_set(vals, (enum pm_metric)m, v);
		n++;
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
