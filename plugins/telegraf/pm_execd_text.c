#include "pm_execd_text.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Makes room for N more bytes (plus a NUL for vsnprintf). False after an oom. */
static bool tbuf_room(struct tbuf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->cap - b->len > n)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len <= n) {
		if (cap > SIZE_MAX / 2)
			goto oom;
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (!p)
		goto oom;
	b->p = p;
	b->cap = cap;
	return true;
oom:
	b->oom = true;
	return false;
}

void tbuf_put(struct tbuf *b, const char *s, size_t n)
{
	if (!tbuf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void tbuf_puts(struct tbuf *b, const char *s)
{
	tbuf_put(b, s, strlen(s));
}

void tbuf_putc(struct tbuf *b, char c)
{
	tbuf_put(b, &c, 1);
}

void tbuf_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !tbuf_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void tbuf_end_line(struct tbuf *b)
{
	tbuf_putc(b, '\n');
	if (b->oom)
		b->len = b->whole;
	else
		b->whole = b->len;
}

void tbuf_reset(struct tbuf *b)
{
	b->len = b->whole = 0;
	b->oom = false;
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	*b = (struct tbuf){0};
}

/* The length of the well-formed UTF-8 sequence at S (Unicode table 3-7), or 0.
 * Stops at the first bad byte, so it never reads past a NUL. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* What the ASCII byte C becomes in CTX, or NULL for itself. */
static const char *escape_of(unsigned char c, enum text_ctx ctx)
{
	bool lp = ctx == TEXT_LP_MEASUREMENT || ctx == TEXT_LP_KEY;

	switch (c) {
	case '\n':
		return "\\n";
	case '\\':
		return lp ? NULL : "\\\\";
	case '"':
		return ctx == TEXT_PROM_LABEL ? "\\\"" : NULL;
	case ' ':
		return lp ? "\\ " : NULL;
	case ',':
		return lp ? "\\," : NULL;
	case '=':
		return ctx == TEXT_LP_KEY ? "\\=" : NULL;
	case '\t':
		return lp ? "\\t" : NULL;
	case '\r':
		return lp ? "\\r" : NULL;
	case '\f':
		return lp ? "\\f" : NULL;
	}
	if (lp && (c < 0x20 || c == 0x7f))
		return REPLACEMENT;
	return NULL;
}

void text_escape(struct tbuf *b, const char *s, enum text_ctx ctx)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		const char *esc = n == 1 ? escape_of(*p, ctx) : n == 0 ? REPLACEMENT : NULL;
		if (esc)
			tbuf_puts(b, esc);
		else
			tbuf_put(b, (const char *)p, n);
		p += n ? n : 1;
	}
}

bool lp_tag(struct tbuf *b, const char *key, const char *value)
{
	size_t mark = b->len;

	tbuf_putc(b, ',');
	text_escape(b, key, TEXT_LP_KEY);
	tbuf_putc(b, '=');
	size_t start = b->len;
	text_escape(b, value, TEXT_LP_KEY);
	/* no escape sequence ends in a backslash: these are the value's own */
	while (b->len > start && b->p[b->len - 1] == '\\')
		b->len--;
	if (b->len == start) {
		b->len = mark;
		return false;
	}
	return true;
}

int parse_duration(const char *s, uint64_t *ret_ns)
{
	/* a unit that is a prefix of another comes after it ("ms" before "m") */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{"ns", 1},
		{"us", 1000},
		{"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
		{"\xce\xbcs", 1000}, /* U+03BC Greek mu */
		{"ms", 1000000},
		{"s", 1000000000},
		{"m", 60 * (uint64_t)1000000000},
		{"h", 3600 * (uint64_t)1000000000},
	};
	uint64_t total = 0;

	if (*s == '+')
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*s - '0');
		}
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits = true)
				if (scale < 1000000000000000000u) { /* digits past 1e-18 cannot matter */
					frac = frac * 10 + (uint64_t)(*s - '0');
					scale *= 10;
				}
		if (!digits)
			return -EINVAL;
		size_t u = 0, len = 0;
		for (; u < sizeof units / sizeof units[0]; u++) {
			len = strlen(units[u].name);
			if (!strncmp(s, units[u].name, len))
				break;
		}
		if (u == sizeof units / sizeof units[0])
			return -EINVAL;
		s += len;
		if (whole > UINT64_MAX / units[u].ns)
			return -ERANGE;
		uint64_t v = whole * units[u].ns;
		uint64_t part = (uint64_t)((long double)frac * units[u].ns / scale);
		if (v > UINT64_MAX - part || total > UINT64_MAX - (v + part))
			return -ERANGE;
		total += v + part;
	}
	if (!total)
		return -EINVAL;
	*ret_ns = total;
	return 0;
}
