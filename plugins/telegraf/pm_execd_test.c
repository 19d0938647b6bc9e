/*
 * Tests of podmem-execd's escaping, durations and batch formats, built under
 * ASan and UBSan by build.mk and run by tests/integration/telegraf_text.sh.
 * Prints one line per failure and a closing summary; exit 1 on any failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_execd_format.h"

static int checks, failures;

static void expect_text(const char *what, const char *in, const struct tbuf *b, const char *want)
{
	checks++;
	if (b->len == strlen(want) && !memcmp(b->p, want, b->len))
		return;
	failures++;
	printf("FAIL %s(\"%s\"):\n  want \"%s\"\n  got  \"%.*s\"\n", what, in, want, (int)b->len, b->p ? b->p : "");
}

static const struct {
	enum text_ctx ctx;
	const char *in;
	const char *want;
} escapes[] = {
	/* line protocol: measurement escapes space and comma only */
	{TEXT_LP_MEASUREMENT, "podmem_pod", "podmem_pod"},
	{TEXT_LP_MEASUREMENT, "a b,c=d\"e\\f", "a\\ b\\,c=d\"e\\f"},
	/* tag key, tag value, field key: also '=' */
	{TEXT_LP_KEY, "a b,c=d", "a\\ b\\,c\\=d"},
	{TEXT_LP_KEY, "ns with space,comma=eq", "ns\\ with\\ space\\,comma\\=eq"},
	{TEXT_LP_KEY, "pod \"quoted\" \\back\\slash,\xc3\xa9=\xc3\xbc \xe6\xbc\xa2\xe5\xad\x97",
	 "pod\\ \"quoted\"\\ \\back\\slash\\,\xc3\xa9\\=\xc3\xbc\\ \xe6\xbc\xa2\xe5\xad\x97"},
	{TEXT_LP_KEY, "ctr=1, \"two\"\\three", "ctr\\=1\\,\\ \"two\"\\three"},
	/* a backslash before an escaped character stays: InfluxDB unescapes only \, \  \= */
	{TEXT_LP_KEY, "a\\ b", "a\\\\ b"},
	/* no newline can live in line protocol: Telegraf's two-character forms */
	{TEXT_LP_KEY, "l1\nl2\tt\rr\ff", "l1\\nl2\\tt\\rr\\ff"},
	{TEXT_LP_MEASUREMENT, "m\nx", "m\\nx"},
	{TEXT_LP_KEY, "bell\x01" "del\x7f", "bell\xef\xbf\xbd" "del\xef\xbf\xbd"},
	/* invalid UTF-8 becomes U+FFFD, one per bad byte; valid UTF-8 passes */
	{TEXT_LP_KEY, "x\xffy", "x\xef\xbf\xbdy"},
	{TEXT_LP_KEY, "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"},                      /* overlong NUL */
	{TEXT_LP_KEY, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},      /* surrogate */
	{TEXT_LP_KEY, "\xe6\xbc", "\xef\xbf\xbd\xef\xbf\xbd"},                      /* cut short */
	{TEXT_LP_KEY, "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	{TEXT_LP_KEY, "\xf0\x9f\x98\x80 \xe2\x82\xac", "\xf0\x9f\x98\x80\\ \xe2\x82\xac"},
	/* Prometheus label value: \\ \" \n; everything else as it is */
	{TEXT_PROM_LABEL, "a\\b\"c\nd e,f=g\th", "a\\\\b\\\"c\\nd e,f=g\th"},
	{TEXT_PROM_LABEL, "pod \"quoted\" \\back\\slash,\xc3\xa9=\xc3\xbc",
	 "pod \\\"quoted\\\" \\\\back\\\\slash,\xc3\xa9=\xc3\xbc"},
	{TEXT_PROM_LABEL, "bad\xfe", "bad\xef\xbf\xbd"},
	/* Prometheus HELP: \\ and \n, quotes as they are */
	{TEXT_PROM_HELP, "a\\b\"c\nd", "a\\\\b\"c\\nd"},
};

static void test_escapes(void)
{
	static const char *const ctx_name[] = {"lp_measurement", "lp_key", "prom_help", "prom_label"};
	struct tbuf b = {0};

	for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
		tbuf_reset(&b);
		text_escape(&b, escapes[i].in, escapes[i].ctx);
		expect_text(ctx_name[escapes[i].ctx], escapes[i].in, &b, escapes[i].want);
	}
	tbuf_free(&b);
}

static const struct {
	const char *key, *value;
	const char *want; /* "" when the tag is left out */
} tags[] = {
	{"pod", "web-0", ",pod=web-0"},
	{"pod", "", ""},                        /* empty: not allowed */
	{"pod", "trail\\", ",pod=trail"},       /* would escape the separator */
	{"pod", "trail\\\\", ",pod=trail"},
	{"pod", "\\", ""},                      /* nothing left */
	{"pod", "sp \\", ",pod=sp\\ "},
	{"pod", "a,b", ",pod=a\\,b"},
	{"the key", "v", ",the\\ key=v"},
};

static void test_tags(void)
{
	struct tbuf b = {0};

	for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
		tbuf_reset(&b);
		tbuf_puts(&b, "m");
		bool wrote = lp_tag(&b, tags[i].key, tags[i].value);
		char want[64];
		snprintf(want, sizeof want, "m%s", tags[i].want);
		expect_text("lp_tag", tags[i].value, &b, want);
		checks++;
		if (wrote != (tags[i].want[0] != 0)) {
			failures++;
			printf("FAIL lp_tag(\"%s\") returned %d\n", tags[i].value, wrote);
		}
	}
	tbuf_free(&b);
}

#define S 1000000000ull
static const struct {
	const char *in;
	int err;
	unsigned long long ns;
} durations[] = {
	{"10s", 0, 10 * S},
	{"1m", 0, 60 * S},
	{"500ms", 0, 500000000},
	{"1h30m", 0, 5400 * S},
	{"1m30s", 0, 90 * S},
	{"1.5s", 0, 1500000000},
	{".25s", 0, 250000000},
	{"250us", 0, 250000},
	{"250\xc2\xb5s", 0, 250000},
	{"250\xce\xbcs", 0, 250000},
	{"100ns", 0, 100},
	{"+2s", 0, 2 * S},
	{"", -EINVAL, 0},
	{"10", -EINVAL, 0}, /* Go wants a unit */
	{"s", -EINVAL, 0},
	{"abc", -EINVAL, 0},
	{"1x", -EINVAL, 0},
	{"10 s", -EINVAL, 0},
	{"-1s", -EINVAL, 0},
	{"0s", -EINVAL, 0}, /* not a usable interval */
	{"1s2", -EINVAL, 0},
	{"99999999999999999999s", -ERANGE, 0},
	{"6000000h", -ERANGE, 0},
};

static void test_durations(void)
{
	for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
		uint64_t ns = 0;
		int err = parse_duration(durations[i].in, &ns);
		checks++;
		if (err != durations[i].err || (!err && ns != durations[i].ns)) {
			failures++;
			printf("FAIL parse_duration(\"%s\") = %d, %llu ns; want %d, %llu ns\n", durations[i].in, err,
			       (unsigned long long)ns, durations[i].err, durations[i].ns);
		}
	}
}

/* the out-of-memory path: appends stop, and the batch ends at the last whole line */
static void test_oom(void)
{
	struct tbuf b = {0};

	tbuf_puts(&b, "whole");
	tbuf_end_line(&b);
	tbuf_puts(&b, "half");
	b.oom = true; /* as if realloc had failed */
	tbuf_puts(&b, " more");
	tbuf_end_line(&b);
	expect_text("oom", "", &b, "whole\n");
	tbuf_reset(&b);
	tbuf_puts(&b, "again");
	tbuf_end_line(&b);
	expect_text("after reset", "", &b, "again\n");
	tbuf_free(&b);
}

/* A synthetic snapshot: a node; a pod with no namespace, a newline and a
 * trailing backslash in its name; a container; a host group. */
static void test_formats(void)
{
	struct pm_container ctr = {.ident = {.name = "app 1", .id = "abc"}};
	struct pm_pod pods[2] = {
		{.ident = {.kind = PM_POD, .name = "web\n0\\", .uid = "u-1", .qos = PM_QOS_BURSTABLE}, .containers = &ctr,
		 .n_containers = 1},
		{.ident = {.kind = PM_GROUP, .name = "system.slice"}},
	};
	struct pm_snapshot snap = {.time_ns = 1700000000123456789ull, .node_ok = true, .pods = pods, .n_pods = 2};
	struct tbuf b = {0};

	pm_set(&snap.node, PM_M_USAGE, 100);
	pm_set(&snap.node, PM_M_LIMIT, 1); /* not a node metric: never written */
	pm_set(&pods[0].val, PM_M_USAGE, 200);
	pm_set(&pods[0].val, PM_M_PGFAULT, 7);
	pm_set(&pods[0].val, PM_M_PRESSURE_SOME, 1500001);
	pm_set(&pods[0].val, PM_M_TOTAL, 5); /* node only */
	pm_set(&ctr.val, PM_M_USAGE, UINT64_MAX); /* beyond line protocol's int64 */
	/* the group has no field: no line, no sample */

	format_batch(&b, &snap, OUT_INFLUX);
	expect_text("influx", "", &b,
		    "podmem_node usage=100i 1700000000123456789\n"
		    "podmem_pod,pod=web\\n0,pod_uid=u-1,qos=burstable usage=200i,pgfault=7i,pressure_some=1500001i "
		    "1700000000123456789\n"
		    "podmem_container,container=app\\ 1,container_id=abc,pod=web\\n0,pod_uid=u-1,qos=burstable "
		    "usage=9223372036854775807i 1700000000123456789\n");

	char want[2048];
	snprintf(want, sizeof want,
		 "# HELP podmem_node_usage_bytes %s\n"
		 "# TYPE podmem_node_usage_bytes gauge\n"
		 "podmem_node_usage_bytes 100\n"
		 "# HELP podmem_pod_usage_bytes %s\n"
		 "# TYPE podmem_pod_usage_bytes gauge\n"
		 "podmem_pod_usage_bytes{pod=\"web\\n0\\\\\",pod_uid=\"u-1\",qos=\"burstable\"} 200\n"
		 "# HELP podmem_pod_pgfault_total %s\n"
		 "# TYPE podmem_pod_pgfault_total counter\n"
		 "podmem_pod_pgfault_total{pod=\"web\\n0\\\\\",pod_uid=\"u-1\",qos=\"burstable\"} 7\n"
		 "# HELP podmem_pod_pressure_some_seconds_total %s\n"
		 "# TYPE podmem_pod_pressure_some_seconds_total counter\n"
		 "podmem_pod_pressure_some_seconds_total{pod=\"web\\n0\\\\\",pod_uid=\"u-1\",qos=\"burstable\"} "
		 "1.500001\n"
		 "# HELP podmem_container_usage_bytes %s\n"
		 "# TYPE podmem_container_usage_bytes gauge\n"
		 "podmem_container_usage_bytes{container=\"app 1\",container_id=\"abc\",pod=\"web\\n0\\\\\","
		 "pod_uid=\"u-1\",qos=\"burstable\"} 18446744073709551615\n",
		 pm_metrics[PM_M_USAGE].help, pm_metrics[PM_M_USAGE].help, pm_metrics[PM_M_PGFAULT].help,
		 pm_metrics[PM_M_PRESSURE_SOME].help, pm_metrics[PM_M_USAGE].help);
	tbuf_reset(&b);
	format_batch(&b, &snap, OUT_PROMETHEUS);
	expect_text("prometheus", "", &b, want);

	snap.node_ok = false; /* a partial sample: the rest is still written */
	tbuf_reset(&b);
	format_batch(&b, &snap, OUT_INFLUX);
	checks++;
	if (!b.len || !memcmp(b.p, "podmem_node", 11)) {
		failures++;
		printf("FAIL influx without the node: %.*s\n", (int)b.len, b.p ? b.p : "");
	}
	tbuf_free(&b);
}

int main(void)
{
	test_escapes();
	test_tags();
	test_durations();
	test_oom();
	test_formats();
	printf("test-execd-text: %d checks, %d failures\n", checks, failures);
	return failures ? 1 : 0;
}
