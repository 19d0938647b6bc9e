/* libFuzzer: the escapers every name from outside (pod, namespace,
 * container, path) goes through on its way out, the input as the name:
 *   - cli_json_str (podmem --json): a JSON string that a strict decoder
 *     (here) reads back as the name, each byte that is not UTF-8 as U+FFFD;
 *   - cli_printable (the table): the name with each control character (C0,
 *     DEL, C1) and each byte that is not UTF-8 as one '?';
 *   - execd_escape (line protocol, Prometheus): valid UTF-8, no raw control
 *     character in line protocol (no raw newline in Prometheus), and each of
 *     the context's special characters escaped;
 *   - pm_cd_instance (collectd): within collectd's DATA_MAX_NAME_LEN (128), valid UTF-8,
 *     none of / " \ ~ blanks or controls but its own "~<16 hex>" suffix, the
 *     same each time, and a plain name (tab-separated parts) joined with '_'.
 * UTF-8 is judged by a decoder of its own (Unicode table 3-7). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>

#include "fuzz.h"
#include "pm_cd_names.h"
#include "pm_cli.h"
#include "pm_execd_text.h"

#define CD_NAME_LEN 128 /* collectd's DATA_MAX_NAME_LEN */

/* the length of the UTF-8 sequence at S (N bytes left), 0 for a byte that starts none */
static size_t u8len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static bool valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = u8len((const unsigned char *)s + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void json(const char *name, size_t n)
{
	char *out = NULL, *want = malloc(3 * n + 1), *got = malloc(3 * n + 1);
	size_t olen = 0, w = 0, g = 0;
	FILE *f = open_memstream(&out, &olen);
	if (!f || !want || !got)
		__builtin_trap();
	cli_json_str(f, name);
	fclose(f);
	for (size_t i = 0; i < n;) { /* the name as it should come back */
		size_t k = u8len((const unsigned char *)name + i, n - i);
		if (k)
			memcpy(want + w, name + i, k), w += k, i += k;
		else
			memcpy(want + w, "\xef\xbf\xbd", 3), w += 3, i++;
	}
	CHECK(olen >= 2 && out[0] == '"' && out[olen - 1] == '"' && valid_utf8(out, olen));
	for (size_t i = 1; i < olen - 1; i++) { /* a strict JSON string */
		unsigned char c = (unsigned char)out[i];
		CHECK(c >= 0x20 && c != '"');
		if (c != '\\') {
			got[g++] = (char)c;
			continue;
		}
		CHECK(i + 1 < olen - 1);
		char e = out[++i];
		if (e == '"' || e == '\\' || e == '/') {
			got[g++] = e;
		} else {
			CHECK(e == 'u' && i + 4 < olen - 1);
			int u = 0;
			for (int k = 1; k <= 4; k++) {
				int h = hexval(out[i + (size_t)k]);
				CHECK(h >= 0);
				u = u * 16 + h;
			}
			i += 4;
			CHECK(u < 0x20 || u == 0xfffd);
			if (u == 0xfffd)
				memcpy(got + g, "\xef\xbf\xbd", 3), g += 3;
			else
				got[g++] = (char)u;
		}
	}
	got[0] ^= (char)MUTANT(0);
	CHECK(g == w && !memcmp(got, want, w));
	free(out);
	free(want);
	free(got);
}

static void printable(const char *name, size_t n)
{
	char *mine = strdup(name), *want = malloc(n + 1);
	size_t w = 0;
	if (!mine || !want)
		__builtin_trap();
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)name + i;
		size_t k = u8len(p, n - i);
		if (!k || p[0] < 0x20 || p[0] == 0x7f || (k == 2 && p[0] == 0xc2 && p[1] < 0xa0))
			want[w++] = '?', i += k ? k : 1;
		else
			memcpy(want + w, p, k), w += k, i += k;
	}
	want[w] = 0;
	CHECK(cli_printable(mine) == mine && !strcmp(mine, want) && valid_utf8(mine, strlen(mine)));
	free(mine);
	free(want);
}

static void execd(const char *name)
{
	static const struct {
		enum execd_ctx ctx;
		const char *special;
	} ctxs[] = {{EXECD_LP_MEASUREMENT, " ,"}, {EXECD_LP_KEY, " ,="}, {EXECD_PROM_HELP, ""}, {EXECD_PROM_LABEL, "\""}};
	struct execd_buf b = {0};
	for (size_t c = 0; c < sizeof ctxs / sizeof ctxs[0]; c++) {
		execd_buf_reset(&b);
		execd_escape(&b, name, ctxs[c].ctx);
		if (b.oom)
			break;
		CHECK(valid_utf8(b.p ? b.p : "", b.len));
		for (size_t i = 0; i < b.len; i++) {
			unsigned char ch = (unsigned char)b.p[i];
			if (ctxs[c].ctx == EXECD_LP_MEASUREMENT || ctxs[c].ctx == EXECD_LP_KEY)
				CHECK(ch >= 0x20 && ch != 0x7f); /* line protocol: \t \n \r \f or U+FFFD */
			else
				CHECK(ch != '\n'); /* Prometheus: any UTF-8 but a newline, written \n */
			if (ch && strchr(ctxs[c].special, ch))
				CHECK(i > 0 && b.p[i - 1] == '\\');
		}
	}
	execd_buf_free(&b);
}

static bool plain(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	return true;
}

static void instance(char *name)
{
	const char *parts[3] = {"", "", ""};
	char joined[600] = "";
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(name, "\t", &save); t && n < 3; t = strtok_r(NULL, "\t", &save))
		parts[n++] = t;
	bool all_plain = true;
	for (size_t i = 0; i < n; i++) {
		all_plain &= plain(parts[i]);
		if (strlen(joined) + strlen(parts[i]) + 2 < sizeof joined)
			snprintf(joined + strlen(joined), sizeof joined - strlen(joined), "%s%s", *joined ? "_" : "", parts[i]);
	}
	for (int hash = 0; hash < 2; hash++) {
		char out[CD_NAME_LEN], again[CD_NAME_LEN];
		pm_cd_instance(out, sizeof out, parts, n, hash);
		pm_cd_instance(again, sizeof again, parts, n, hash);
		size_t len = strlen(out);
		CHECK(len < sizeof out && !strcmp(out, again) && valid_utf8(out, len));
		const char *tilde = strchr(out, '~');
		if (tilde) /* the suffix: '~' and 16 hex digits, at the end */
			CHECK(strlen(tilde) == 17 && strspn(tilde + 1, "0123456789abcdef") == 16);
		for (size_t i = 0; i < (tilde ? (size_t)(tilde - out) : len); i++)
			CHECK((unsigned char)out[i] > ' ' && out[i] != 0x7f && !strchr("/\"\\~", out[i]));
		if (hash)
			CHECK(tilde);
		else if (all_plain && strlen(joined) < 64)
			CHECK(!strcmp(out, joined));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memchr(data, 0, size) || size > 512)
		return 0; /* a name: no NUL, and names are short */
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	json(s, size);
	printable(s, size);
	execd(s);
	instance(s); /* cuts S at its tabs */
	free(s);
	return 0;
}
