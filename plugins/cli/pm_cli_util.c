/* What the podmem command's parts share (see pm_cli.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pm_cli.h"

void cli_log(void *ud, int level, const char *fmt, va_list ap)
{
	const int *verbose = ud;
	if (level > LOG_WARNING + (verbose ? *verbose : 0) * 3)
		return;
	fputs("podmem: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_start(struct pm_opts *o, int *verbose, struct pm_ctx **ctx, struct pm_snapshot *snap)
{
	o->log = cli_log;
	o->log_ud = verbose;
	pm_raise_nofile();
	if (pm_ctx_open(ctx, o) < 0)
		return CLI_USAGE;
	int r = snap ? pm_sample(*ctx, snap) : 0;
	if (r < 0) {
		fprintf(stderr, "podmem: cannot sample: %s\n", strerror(-r));
		return CLI_FAILED;
	}
	return CLI_OK;
}

bool cli_count(const char *s, long min, long *ret)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno || *end || n < min)
		return false;
	*ret = n;
	return true;
}

int cli_bad(const char *fmt, const char *arg)
{
	fputs("podmem: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CLI_USAGE;
}

int cli_bad_opt(const char *name, const char *arg)
{
	fprintf(stderr, "podmem: --%s: bad value '%s'\n", name, arg);
	return CLI_USAGE;
}

void cli_json_str(FILE *f, const char *s)
{
	size_t left = strlen(s);
	fputc('"', f);
	while (left) {
		unsigned char ch = (unsigned char)*s;
		size_t n = pm_utf8_len((const unsigned char *)s, left);
		if (n == 0) /* not UTF-8: strict JSON parsers refuse the whole document */
			fputs("\\ufffd", f);
		else if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fwrite(s, 1, n, f);
		n = n ? n : 1;
		s += n;
		left -= n;
	}
	fputc('"', f);
}

const char *cli_bytes(char *buf, size_t cap, uint64_t bytes)
{
	static const char *units[] = {"B", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
	double x = (double)bytes;
	int u = 0;
	while (x >= 1024 && u < 6) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, cap, "%.0f%s", x, units[u]);
	else
		snprintf(buf, cap, x < 9.995 ? "%.2f%s" : x < 99.95 ? "%.1f%s" : "%.0f%s", x, units[u]);
	return buf;
}

const char *cli_human(char *buf, size_t cap, const struct pm_values *v, enum pm_metric m)
{
	return pm_has(v, m) ? cli_bytes(buf, cap, v->v[m]) : "-";
}

int cli_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

int cli_fit(const char *s, int w)
{
	int i = 0;
	for (int cols = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == w)
			break;
	}
	return i;
}

char *cli_printable(char *s)
{
	/* C0 and C1 controls (a newline, ESC, U+009B CSI, U+0085 NEL), DEL and
	 * bytes that are not UTF-8 become one '?' each: a name cannot move the
	 * cursor or start an escape sequence */
	size_t left = strlen(s);
	char *out = s;
	for (const char *p = s; left;) {
		unsigned char c = (unsigned char)*p;
		size_t n = pm_utf8_len((const unsigned char *)p, left);
		bool control = n == 0 || c < 0x20 || c == 0x7f || (n == 2 && c == 0xc2 && (unsigned char)p[1] < 0xa0);
		n = n ? n : 1;
		if (control)
			*out++ = '?';
		else
			memmove(out, p, n), out += n;
		p += n;
		left -= n;
	}
	*out = 0;
	return s;
}
