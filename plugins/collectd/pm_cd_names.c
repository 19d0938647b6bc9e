/* Plugin instances and name patterns for the collectd front end (no collectd headers here). */
#include "pm_cd_names.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podmem.h"

#define CD_SUFFIX_LEN 17 /* "~" and 16 hex digits */

/* Bytes a collectd identifier carries as they are; '~' marks our hash suffix. */
static int safe_ascii(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("/\"\\~", c);
}

/* OUT as it fills: LEN bytes written; CUT the longest prefix of whole
 * characters that still leaves room for the suffix. */
struct sink {
	char *out;
	size_t size, len, cut;
	bool full, changed;
	char orig[1024]; /* the original bytes, joined, for the hash */
	size_t orig_len;
};

static void keep_orig(struct sink *k, const char *s, size_t n)
{
	if (n > sizeof k->orig - k->orig_len)
		n = sizeof k->orig - k->orig_len;
	memcpy(k->orig + k->orig_len, s, n);
	k->orig_len += n;
}

static void put(struct sink *k, const char *s, size_t n)
{
	if (k->full || k->len + n > k->size - 1) {
		k->full = true;
		return;
	}
	memcpy(k->out + k->len, s, n);
	k->len += n;
	if (k->len + CD_SUFFIX_LEN <= k->size - 1)
		k->cut = k->len;
}

void pm_cd_instance(char *out, size_t out_size, const char *const parts[], size_t n_parts, bool hash)
{
	struct sink k = {.out = out, .size = out_size};
	bool first = true;

	for (size_t i = 0; i < n_parts; i++) {
		const char *s = parts[i];
		size_t left = strlen(s);
		if (!left)
			continue;
		if (!first) {
			keep_orig(&k, "_", 1);
			put(&k, "_", 1);
		}
		first = false;
		keep_orig(&k, s, left);
		while (left) {
			size_t n = pm_utf8_len((const unsigned char *)s, left);
			if (n == 0 || (n == 1 && !safe_ascii((unsigned char)*s))) {
				put(&k, "_", 1);
				k.changed = true;
				n = 1;
			} else {
				put(&k, s, n);
			}
			s += n;
			left -= n;
		}
	}
	if (!k.changed && !k.full && !hash) {
		out[k.len] = '\0';
		return;
	}
	char hex[17];
	pm_hash_hex(k.orig, k.orig_len, hex);
	snprintf(out + k.cut, out_size - k.cut, "~%s", hex);
}

/* glibc's regcomp copies what a '+' or a {n,m} repeats once per repetition,
 * nested ones multiplied ("/^a++++++++++++++++++++/" alone took gigabytes),
 * and stacked repetitions ("a+?+?+", which POSIX leaves undefined) take it
 * seconds even when few. A pattern with a repetition right after another is
 * refused, and so is one whose upper bound of copies (an atom counts once, a
 * group as its contents, a repeated one as many times as it may repeat)
 * passes PAT_MAX_COPIES. */
#define PAT_MAX_COPIES 2048
#define PAT_MAX_LEN 256
#define PAT_TOO_BIG (PAT_MAX_COPIES + 1ul)

static unsigned long pat_cost(const char **pp, int depth)
{
	unsigned long total = 0, last = 0;
	bool repeated = false; /* the last thing read was a repetition */
	const char *p = *pp;
	while (*p && *p != ')') {
		char c = *p++;
		if (c == '+' || c == '*' || c == '?' || c == '{') {
			unsigned long times = c == '+' ? 2 : 1, n = 0;
			if (repeated)
				return PAT_TOO_BIG;
			if (c == '{') {
				for (; *p && *p != '}'; p++)
					if (*p >= '0' && *p <= '9' && (n = n * 10 + (unsigned long)(*p - '0')) > PAT_MAX_COPIES)
						return PAT_TOO_BIG;
					else if (*p == ',')
						n = 0;
				times = n + 1;
				if (*p)
					p++;
			}
			repeated = true;
			if (last * times > PAT_MAX_COPIES)
				return PAT_TOO_BIG;
			total = total - last + last * times;
			last *= times;
		} else {
			unsigned long atom = 1;
			if (c == '(') {
				if (depth >= 32)
					return PAT_TOO_BIG;
				atom = pat_cost(&p, depth + 1);
				if (*p == ')')
					p++;
			} else if (c == '[') { /* to its closing ']' ("[]a]", "[^]a]" hold one) */
				p += *p == '^';
				p += *p == ']';
				while (*p && *p != ']')
					p++;
				p += *p == ']';
			} else if (c == '\\' && *p) {
				p++;
			}
			repeated = false;
			last = atom;
			total += atom;
		}
		if (total > PAT_MAX_COPIES)
			return PAT_TOO_BIG;
	}
	*pp = p;
	return total;
}

static bool pat_too_big(const char *re)
{
	unsigned long cost = 0;
	for (const char *p = re; *p && cost <= PAT_MAX_COPIES;) {
		cost += pat_cost(&p, 0);
		p += *p == ')'; /* an unmatched ')': regcomp says what is wrong with it */
	}
	return cost > PAT_MAX_COPIES;
}

int pm_cd_pat_init(struct pm_cd_pat *p, const char *pattern, char *err, size_t err_size)
{
	size_t len = strlen(pattern);

	memset(p, 0, sizeof *p);
	if (len < 2 || pattern[0] != '/' || pattern[len - 1] != '/') {
		p->text = strdup(pattern);
		if (!p->text)
			return snprintf(err, err_size, "out of memory"), -1;
		return 0;
	}
	char *body = strndup(pattern + 1, len - 2);
	if (!body)
		return snprintf(err, err_size, "out of memory"), -1;
	if (len > PAT_MAX_LEN || pat_too_big(body)) {
		free(body);
		snprintf(err, err_size, "regular expression too large (at most %d bytes, no repetition of a repetition, few nested + and {n,m})",
			 PAT_MAX_LEN);
		return -1;
	}
	int rc = regcomp(&p->re, body, REG_EXTENDED | REG_NOSUB);
	free(body);
	if (rc != 0) {
		char why[128];
		regerror(rc, &p->re, why, sizeof why);
		snprintf(err, err_size, "bad regular expression: %s", why);
		return -1;
	}
	return 0;
}

bool pm_cd_pat_match(const struct pm_cd_pat *p, const char *name)
{
	if (p->text)
		return strcmp(p->text, name) == 0;
	return regexec(&p->re, name, 0, NULL, 0) == 0;
}

void pm_cd_pat_free(struct pm_cd_pat *p)
{
	if (p->text)
		free(p->text);
	else
		regfree(&p->re);
	memset(p, 0, sizeof *p);
}

int pm_cd_pats_add(struct pm_cd_pats *l, const char *pattern, char *err, size_t err_size)
{
	struct pm_cd_pat *v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v)
		return snprintf(err, err_size, "out of memory"), -1;
	l->v = v;
	if (pm_cd_pat_init(&v[l->n], pattern, err, err_size) < 0)
		return -1;
	l->n++;
	return 0;
}

bool pm_cd_pats_match(const struct pm_cd_pats *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (pm_cd_pat_match(&l->v[i], name))
			return true;
	return false;
}

void pm_cd_pats_free(struct pm_cd_pats *l)
{
	for (size_t i = 0; i < l->n; i++)
		pm_cd_pat_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
