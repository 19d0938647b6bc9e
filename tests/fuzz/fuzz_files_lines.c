/* libFuzzer: what podmem files reads of a process (common/pm_files.c), each
 * line of the input taken as
 *   - a /proc/PID/maps line (pm_maps_line),
 *   - a /proc/PID/mountinfo line (pm_mountinfo_line) and its super options
 *     as an overlay's (pm_overlay_upper),
 *   - a /proc/PID/fd link target (pm_strip_deleted),
 *   - a line of cgroup.procs (pm_procs_line: a PID, 1 to INT_MAX),
 * each against a reference written here from proc(5): fields split by
 * spaces, numbers strict (hex in maps but the inode, decimal devices in
 * mountinfo), octal escapes undone, the upperdir= option by its exact name. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "pm_internal.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* the fields of S split at runs of spaces (at most CAP), as [start, len] pairs */
static int split(const char *s, const char **f, size_t *len, int cap)
{
	int n = 0;
	for (const char *p = s; *p && n < cap;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		f[n] = p;
		while (*p && *p != ' ')
			p++;
		len[n] = (size_t)(p - f[n]);
		n++;
	}
	return n;
}

/* LEN bytes at S: all digits (hex or decimal), at most MAXD of them (leading zeros count) or a value < 2^BITS */
static bool number(const char *s, size_t len, bool hex, unsigned bits, unsigned __int128 *ret)
{
	unsigned __int128 v = 0;
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (hex ? !is_hex(c) : !(c >= '0' && c <= '9'))
			return false;
		unsigned d = c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
		v = v * (hex ? 16 : 10) + d;
		if (v >> bits)
			return false;
	}
	*ret = v;
	return true;
}

static bool dev(const char *s, size_t len, bool hex, unsigned *maj, unsigned *min)
{
	const char *c = memchr(s, ':', len);
	unsigned __int128 a, b;
	if (!c || !number(s, (size_t)(c - s), hex, 32, &a) || !number(c + 1, len - (size_t)(c + 1 - s), hex, 32, &b))
		return false;
	*maj = (unsigned)a, *min = (unsigned)b;
	return true;
}

static const char del[] = " (deleted)";

static void maps(const char *line)
{
	char *mine = strdup(line);
	if (!mine)
		return;
	struct pm_maps_line ml;
	int r = pm_maps_line(mine, strlen(mine), &ml);
	const char *f[6];
	size_t len[6];
	unsigned __int128 off, ino = 0;
	unsigned maj = 0, min = 0;
	int n = split(line, f, len, 5);
	const char *path = n == 5 ? f[4] + len[4] : NULL;
	while (path && *path == ' ')
		path++;
	bool ok = n == 5 && len[0] < sizeof ml.range && number(f[2], len[2], true, 64, &off) &&
		  dev(f[3], len[3], true, &maj, &min) && number(f[4], len[4], false, 64, &ino) && ino && *path == '/' &&
		  line[0] != ' ';
	CHECK((r == 0) == ok);
	if (ok) {
		size_t pl = strlen(path), dl = sizeof del - 1;
		bool d = pl >= dl && !memcmp(path + pl - dl, del, dl);
		CHECK(!memcmp(ml.range, f[0], len[0]) && !ml.range[len[0]]);
		CHECK(ml.maj == maj && ml.min == min && MUTANT(ml.ino) == ino && ml.deleted == d);
		CHECK(ml.len == pl - (d ? dl : 0) && strlen(ml.path) == ml.len && !memcmp(ml.path, path, ml.len));
	}
	free(mine);
}

/* S with mountinfo's \ooo escapes (first digit 0-3) undone, into OUT */
static void unescape(const char *s, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && len - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = 0;
}

/* what pm_overlay_upper must find in OPTS */
static void upper(const char *opts)
{
	char got[64], want[4096];
	int r = pm_overlay_upper(opts, got, sizeof got), w = -ENOENT;
	for (const char *o = opts; *o;) {
		size_t n = strcspn(o, ",");
		if (n > 9 && !strncmp(o, "upperdir=", 9)) {
			w = n - 9 >= sizeof got ? -ENAMETOOLONG : 0;
			unescape(o + 9, n - 9, want);
			break;
		}
		o += n + (o[n] == ',');
	}
	CHECK(r == w);
	if (r == 0)
		CHECK(!strcmp(got, want));
}

static void mountinfo(const char *line)
{
	char *mine = strdup(line);
	if (!mine)
		return;
	struct pm_mount_line ml;
	int r = pm_mountinfo_line(mine, &ml);
	const char *f[64];
	size_t len[64];
	int n = split(line, f, len, 64), sep = -1;
	for (int i = 6; i < n && sep < 0; i++)
		if (len[i] == 1 && f[i][0] == '-')
			sep = i;
	unsigned maj, min;
	bool ok = sep >= 0 && n >= sep + 4 && dev(f[2], len[2], false, &maj, &min);
	CHECK((r == 0) == ok);
	if (ok) {
		char want[4096];
		CHECK(ml.maj == maj && ml.min == min);
		unescape(f[3], len[3], want);
		CHECK(!strcmp(ml.root, want));
		unescape(f[4], len[4], want);
		CHECK(!strcmp(ml.mp, want));
		CHECK(strlen(ml.fstype) == len[sep + 1] && !memcmp(ml.fstype, f[sep + 1], len[sep + 1]));
		CHECK(strlen(ml.super) == len[sep + 3] && !memcmp(ml.super, f[sep + 3], len[sep + 3]));
		upper(ml.super);
	}
	free(mine);
}

static void fd_target(const char *line)
{
	char *mine = strdup(line);
	if (!mine)
		return;
	size_t n = strlen(mine), dl = sizeof del - 1, m = n;
	bool d = pm_strip_deleted(mine, &m);
	bool want = n >= dl && !strcmp(line + n - dl, del);
	CHECK(d == want && m == n - (d ? dl : 0) && strlen(mine) == m && !memcmp(mine, line, m));
	free(mine);
}

static void procs(const char *line)
{
	size_t n = strlen(line);
	unsigned __int128 v = 0;
	int pid = 0;
	bool ok = number(line, n, false, 64, &v) && v >= 1 && v <= INT32_MAX;
	int r = pm_procs_line(line, n, &pid);
	CHECK((r == 0) == ok && (!ok || (unsigned __int128)pid == v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4000 || memchr(data, 0, size)) /* lines of text, each shorter than the buffers above */
		return 0;
	char *s = fuzz_str(data, size), *save = NULL;
	if (!s)
		return 0;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		maps(line);
		mountinfo(line);
		upper(line);
		fd_target(line);
		procs(line);
	}
	free(s);
	return 0;
}
