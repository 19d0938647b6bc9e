/* What the podmem command's parts share (see pm_cli.h). */
#define _GNU_SOURCE
#include <stdio.h>
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

int cli_bad(const char *fmt, const char *arg)
{
	fputs("podmem: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return CLI_USAGE;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
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
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}
