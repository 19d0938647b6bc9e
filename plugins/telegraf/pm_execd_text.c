#include "pm_execd_text.h"

#include "podmem.h" /* pm_utf8_len */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXECD_U_FFFD "\xef\xbf\xbd" /* U+FFFD */

/* Makes room for N more bytes (plus a NUL for vsnprintf). False after an oom. */
static bool buf_room(struct execd_buf *b, size_t n)
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

void execd_put(struct execd_buf *b, const char *s, size_t n)
{
	if (!buf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void execd_puts(struct execd_buf *b, const char *s)
{
	execd_put(b, s, strlen(s));
}

void execd_putc(struct execd_buf *b, char c)
{
	execd_put(b, &c, 1);
}

void execd_printf(struct execd_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void execd_end_line(struct execd_buf *b)
{
	execd_putc(b, '\n');
	if (b->oom)
		b->len = b->whole;
	else
		b->whole = b->len;
}

void execd_buf_reset(struct execd_buf *b)
{
	b->len = b->whole = 0;
	b->oom = false;
}

void execd_buf_free(struct execd_buf *b)
{
	free(b->p);
	*b = (struct execd_buf){0};
}

/* What the ASCII byte C becomes in CTX, or NULL for itself. */
static const char *escape_of(unsigned char c, enum execd_ctx ctx)
{
	bool lp = ctx == EXECD_LP_MEASUREMENT || ctx == EXECD_LP_KEY;

	switch (c) {
	case '\n':
		return "\\n";
	case '\\':
		return lp ? NULL : "\\\\";
	case '"':
		return ctx == EXECD_PROM_LABEL ? "\\\"" : NULL;
	case ' ':
		return lp ? "\\ " : NULL;
	case ',':
		return lp ? "\\," : NULL;
	case '=':
		return ctx == EXECD_LP_KEY ? "\\=" : NULL;
	case '\t':
		return lp ? "\\t" : NULL;
	case '\r':
		return lp ? "\\r" : NULL;
	case '\f':
		return lp ? "\\f" : NULL;
	}
	if (lp && (c < 0x20 || c == 0x7f))
		return EXECD_U_FFFD;
	return NULL;
}

void execd_escape(struct execd_buf *b, const char *s, enum execd_ctx ctx)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t left = strlen(s); left;) {
		size_t n = pm_utf8_len(p, left);
		const char *esc = n == 1 ? escape_of(*p, ctx) : n == 0 ? EXECD_U_FFFD : NULL;
		if (esc)
			execd_puts(b, esc);
		else
			execd_put(b, (const char *)p, n);
		n += !n; /* a bad byte is skipped alone */
		p += n;
		left -= n;
	}
}

bool execd_lp_tag(struct execd_buf *b, const char *key, const char *value)
{
	size_t mark = b->len;

	execd_putc(b, ',');
	execd_escape(b, key, EXECD_LP_KEY);
	execd_putc(b, '=');
	size_t start = b->len;
	execd_escape(b, value, EXECD_LP_KEY);
	/* no escape sequence ends in a backslash: these are the value's own */
	while (b->len > start && b->p[b->len - 1] == '\\')
		b->len--;
	if (b->len == start) {
		b->len = mark;
		return false;
	}
	return true;
}
