/*
 * Text for podmem-execd: the batch buffer, the escaping rules of InfluxDB
 * line protocol and of the Prometheus text exposition format; the names are
 * podmem-execd's own (execd_*, EXECD_*). Nothing here knows a snapshot
 * (tests/unit/check_execd_text.c tests it).
 *
 * Every escaper first makes its input valid UTF-8 (pm_utf8_len): a byte that
 * does not start a well-formed sequence becomes U+FFFD, as each output needs
 * UTF-8.
 */
#ifndef PM_EXECD_TEXT_H
#define PM_EXECD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One batch of text, built in memory and written with one write loop.
 * Appending never fails: when memory runs out the buffer stops growing and
 * sets oom, and execd_end_line() cuts it back to the last whole line, so the
 * buffer always ends with a whole line (or is empty).
 * Zero-initialise it; execd_buf_reset() empties it for the next batch and
 * keeps the memory, so a steady state allocates nothing.
 */
struct execd_buf {
	char *p;      /* NULL until the first append */
	size_t len;   /* bytes held */
	size_t cap;   /* bytes allocated */
	size_t whole; /* bytes up to the end of the last whole line */
	bool oom;     /* an append failed since the last reset */
};

void execd_put(struct execd_buf *b, const char *s, size_t n);
void execd_puts(struct execd_buf *b, const char *s);
void execd_putc(struct execd_buf *b, char c);
void execd_printf(struct execd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends the current line with '\n'; after an oom, drops the partial line. */
void execd_end_line(struct execd_buf *b);
void execd_buf_reset(struct execd_buf *b);
void execd_buf_free(struct execd_buf *b); /* frees the memory and zeroes B */

enum execd_ctx {
	/* line protocol (InfluxDB "special characters"): a backslash before
	 * each space and comma of a measurement, and before each space, comma
	 * and '=' of a tag key, tag value or field key. Line protocol has no
	 * way to carry a newline there, so tab, newline, carriage return and
	 * form feed become the two characters \t \n \r \f (as Telegraf's own
	 * serializer writes them) and other control characters U+FFFD. */
	EXECD_LP_MEASUREMENT,
	EXECD_LP_KEY,
	/* Prometheus text format: in # HELP text, backslash and newline are
	 * written \\ and \n; in a label value, also the double quote, \". */
	EXECD_PROM_HELP,
	EXECD_PROM_LABEL,
};

/* Appends S escaped for CTX. */
void execd_escape(struct execd_buf *b, const char *s, enum execd_ctx ctx);

/*
 * Appends ",KEY=VALUE" to a line-protocol series key, both escaped. A value
 * cannot end in a backslash (it would escape the separator after it), so
 * trailing backslashes are dropped, as Telegraf does; a value that is empty
 * then, or from the start, is not allowed either, so the tag is left out.
 * Returns whether the tag was written.
 */
bool execd_lp_tag(struct execd_buf *b, const char *key, const char *value);

#endif
