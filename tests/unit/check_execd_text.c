/* podmem-execd's text: line-protocol and Prometheus escaping, line-protocol
 * tags, the batch buffer's out-of-memory path, both batch formats on a
 * synthetic snapshot, and the file rows of --top-files from a synthetic file
 * scan (plugins/telegraf/pm_execd_*.c). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pm_execd_format.h"

/* B holds exactly WANT */
#define ck_assert_buf_eq(b, want)                                                                        \
	ck_assert_msg((b)->len == strlen(want) && !memcmp((b)->p, (want), (b)->len),                     \
		      "want \"%s\"\n got \"%.*s\"", (want), (int)(b)->len, (b)->p ? (b)->p : "")

static const struct {
	enum execd_ctx ctx;
	const char *in;
	const char *want;
} escapes[] = {
	/* line protocol: measurement escapes space and comma only */
	{EXECD_LP_MEASUREMENT, "podmem_pod", "podmem_pod"},
	{EXECD_LP_MEASUREMENT, "a b,c=d\"e\\f", "a\\ b\\,c=d\"e\\f"},
	/* tag key, tag value, field key: also '=' */
	{EXECD_LP_KEY, "a b,c=d", "a\\ b\\,c\\=d"},
	{EXECD_LP_KEY, "ns with space,comma=eq", "ns\\ with\\ space\\,comma\\=eq"},
	{EXECD_LP_KEY, "pod \"quoted\" \\back\\slash,\xc3\xa9=\xc3\xbc \xe6\xbc\xa2\xe5\xad\x97",
	 "pod\\ \"quoted\"\\ \\back\\slash\\,\xc3\xa9\\=\xc3\xbc\\ \xe6\xbc\xa2\xe5\xad\x97"},
	{EXECD_LP_KEY, "ctr=1, \"two\"\\three", "ctr\\=1\\,\\ \"two\"\\three"},
	/* a backslash before an escaped character stays: InfluxDB unescapes only \, \  \= */
	{EXECD_LP_KEY, "a\\ b", "a\\\\ b"},
	/* no newline can live in line protocol: Telegraf's two-character forms */
	{EXECD_LP_KEY, "l1\nl2\tt\rr\ff", "l1\\nl2\\tt\\rr\\ff"},
	{EXECD_LP_MEASUREMENT, "m\nx", "m\\nx"},
	{EXECD_LP_KEY, "bell\x01" "del\x7f", "bell\xef\xbf\xbd" "del\xef\xbf\xbd"},
	/* invalid UTF-8 becomes U+FFFD, one per bad byte; valid UTF-8 passes */
	{EXECD_LP_KEY, "x\xffy", "x\xef\xbf\xbdy"},
	{EXECD_LP_KEY, "\xc0\x80", "\xef\xbf\xbd\xef\xbf\xbd"},                      /* overlong NUL */
	{EXECD_LP_KEY, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},      /* surrogate */
	{EXECD_LP_KEY, "\xe6\xbc", "\xef\xbf\xbd\xef\xbf\xbd"},                      /* cut short */
	{EXECD_LP_KEY, "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	{EXECD_LP_KEY, "\xf0\x9f\x98\x80 \xe2\x82\xac", "\xf0\x9f\x98\x80\\ \xe2\x82\xac"},
	/* Prometheus label value: \\ \" \n; everything else as it is */
	{EXECD_PROM_LABEL, "a\\b\"c\nd e,f=g\th", "a\\\\b\\\"c\\nd e,f=g\th"},
	{EXECD_PROM_LABEL, "pod \"quoted\" \\back\\slash,\xc3\xa9=\xc3\xbc",
	 "pod \\\"quoted\\\" \\\\back\\\\slash,\xc3\xa9=\xc3\xbc"},
	{EXECD_PROM_LABEL, "bad\xfe", "bad\xef\xbf\xbd"},
	/* Prometheus HELP: \\ and \n, quotes as they are */
	{EXECD_PROM_HELP, "a\\b\"c\nd", "a\\\\b\"c\\nd"},
};

START_TEST(escape)
{
	struct execd_buf b = {0};

	execd_escape(&b, escapes[_i].in, escapes[_i].ctx);
	ck_assert_buf_eq(&b, escapes[_i].want);
	execd_buf_free(&b);
}
END_TEST

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

START_TEST(lp_tag)
{
	struct execd_buf b = {0};
	char want[64];

	execd_puts(&b, "m");
	bool wrote = execd_lp_tag(&b, tags[_i].key, tags[_i].value);
	snprintf(want, sizeof want, "m%s", tags[_i].want);
	ck_assert_buf_eq(&b, want);
	ck_assert_int_eq(wrote, tags[_i].want[0] != 0);
	execd_buf_free(&b);
}
END_TEST

/* the out-of-memory path: appends stop, and the batch ends at the last whole line */
START_TEST(oom)
{
	struct execd_buf b = {0};

	execd_puts(&b, "whole");
	execd_end_line(&b);
	execd_puts(&b, "half");
	b.oom = true; /* as if realloc had failed */
	execd_puts(&b, " more");
	execd_end_line(&b);
	ck_assert_buf_eq(&b, "whole\n");
	execd_buf_reset(&b);
	execd_puts(&b, "again");
	execd_end_line(&b);
	ck_assert_buf_eq(&b, "again\n");
	execd_buf_free(&b);
}
END_TEST

/* A synthetic snapshot: a node; a pod with no namespace, a newline and a
 * trailing backslash in its name, an app container and a crio sandbox; a
 * host group with no values. */
struct synthetic {
	struct pm_container ctrs[2];
	struct pm_pod pods[2];
	struct pm_snapshot snap;
};

static void synthetic_init(struct synthetic *y)
{
	*y = (struct synthetic){
		.ctrs = {{.ident = {.name = "app 1", .id = "abc"}},
			 {.ident = {.name = "POD", .id = "def", .runtime = PM_RT_CRIO, .sandbox = true}}},
		.pods = {{.ident = {.kind = PM_POD, .name = "web\n0\\", .uid = "u-1", .qos = PM_QOS_BURSTABLE},
			  .n_containers = 2},
			 {.ident = {.kind = PM_GROUP, .name = "system.slice", .cgroup = "system.slice"}}},
		.snap = {.time_ns = 1700000000123456789ull, .node_ok = true, .n_pods = 2},
	};
	y->pods[0].containers = y->ctrs;
	y->snap.pods = y->pods;
	pm_set(&y->snap.node, PM_M_USAGE, 100);
	pm_set(&y->snap.node, PM_M_LIMIT, 1); /* not a node metric: never written */
	pm_set(&y->pods[0].val, PM_M_USAGE, 200);
	pm_set(&y->pods[0].val, PM_M_PGFAULT, 7);
	pm_set(&y->pods[0].val, PM_M_PRESSURE_SOME, 1500001);
	pm_set(&y->pods[0].val, PM_M_TOTAL, 5);             /* node only */
	pm_set(&y->ctrs[0].val, PM_M_USAGE, UINT64_MAX); /* beyond line protocol's int64 */
	pm_set(&y->ctrs[1].val, PM_M_USAGE, 5);
	/* the group has no field: no line, no sample */
}

START_TEST(influx)
{
	struct synthetic y;
	struct execd_buf b = {0};

	synthetic_init(&y);
	execd_format_batch(&b, &y.snap, NULL, EXECD_INFLUX);
	ck_assert_buf_eq(&b, "podmem_node usage=100i 1700000000123456789\n"
			     "podmem_pod,pod=web\\n0,pod_uid=u-1,qos=burstable usage=200i,pgfault=7i,"
			     "pressure_some=1500001i 1700000000123456789\n"
			     "podmem_container,container=app\\ 1,container_id=abc,pod=web\\n0,pod_uid=u-1,qos=burstable,"
			     "sandbox=false usage=9223372036854775807i 1700000000123456789\n"
			     "podmem_container,container=POD,container_id=def,pod=web\\n0,pod_uid=u-1,qos=burstable,"
			     "runtime=crio,sandbox=true usage=5i 1700000000123456789\n");

	y.snap.node_ok = false; /* a partial sample: the rest is still written */
	execd_buf_reset(&b);
	execd_format_batch(&b, &y.snap, NULL, EXECD_INFLUX);
	ck_assert_uint_ne(b.len, 0);
	ck_assert_msg(memcmp(b.p, "podmem_pod,", 11) == 0, "influx without the node: %.*s", (int)b.len, b.p);
	execd_buf_free(&b);
}
END_TEST

START_TEST(prometheus)
{
	struct synthetic y;
	struct execd_buf b = {0};
	char want[2048];

	synthetic_init(&y);
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
		 "pod_uid=\"u-1\",qos=\"burstable\",sandbox=\"false\"} 18446744073709551615\n"
		 "podmem_container_usage_bytes{container=\"POD\",container_id=\"def\",pod=\"web\\n0\\\\\","
		 "pod_uid=\"u-1\",qos=\"burstable\",runtime=\"crio\",sandbox=\"true\"} 5\n",
		 pm_metrics[PM_M_USAGE].help, pm_metrics[PM_M_USAGE].help, pm_metrics[PM_M_PGFAULT].help,
		 pm_metrics[PM_M_PRESSURE_SOME].help, pm_metrics[PM_M_USAGE].help);
	execd_format_batch(&b, &y.snap, NULL, EXECD_PROMETHEUS);
	ck_assert_buf_eq(&b, want);
	execd_buf_free(&b);
}
END_TEST


/* A synthetic file scan of the pod "web\n0\\" (u-1), in the scan's order
 * (charged, then cached bytes, largest first): a tmpfs file; two deleted
 * files of one name (a log rotated while open), which are one series; a
 * mapped library, known by mincore only (no dirty, writeback or evicted
 * bytes); two names that are one tag value once escaped (invalid UTF-8, and
 * a trailing backslash Influx cannot keep); a file charged elsewhere. */
static struct pm_file scan_files[] = {
	{.path = "/dev/shm/big", .size = 400, .cached = 300, .charged = 300, .tmpfs = true, .states_known = true},
	{.path = "/var/log/app.log", .size = 10, .cached = 150, .dirty = 4, .charged = 150, .deleted = true,
	 .states_known = true, .recently_evicted = 8},
	{.path = "/usr/lib/libx.so", .size = 200, .cached = 120, .charged = 120},
	{.path = "/var/log/app.log", .size = 20, .cached = 100, .dirty = 1, .writeback = 2, .charged = 100,
	 .deleted = true, .states_known = true},
	{.path = "/data/a\\", .size = 5, .cached = 50, .charged = 50, .states_known = true},
	{.path = "/data/a", .size = 6, .cached = 45, .charged = 45, .states_known = true},
	{.path = "/data/b\xff", .size = 7, .cached = 40, .charged = 40, .states_known = true},
	{.path = "/data/b\xfe", .size = 8, .cached = 30, .charged = 30, .states_known = true},
	{.path = "/data/not-ours", .size = 9, .cached = 900, .charged = 0, .states_known = true},
};

/* the scan's rows for y's pod, TOP a pod; the group scanned too, with no file */
static void scan_init(struct execd_files *x, struct synthetic *y, unsigned top)
{
	static const struct pm_files none = {.charged_known = true};
	struct pm_files res = {.files = scan_files, .n_files = sizeof scan_files / sizeof scan_files[0],
			       .charged_known = true};
	*x = (struct execd_files){.top = top};
	synthetic_init(y);
	execd_files_begin(x);
	ck_assert_int_eq(execd_files_take(x, &y->pods[1], &none), 0);
	ck_assert_int_eq(execd_files_take(x, &y->pods[0], &res), 0);
	execd_files_end(x);
}

/* where S is in B (which holds no NUL), or NULL */
static const char *in(const struct execd_buf *b, const char *s)
{
	return memmem(b->p, b->len, s, strlen(s));
}

#define FILE_TAGS "pod=web\\n0,pod_uid=u-1,qos=burstable"
START_TEST(top_files_influx)
{
	struct synthetic y;
	struct execd_files x;
	struct execd_buf b = {0};

	scan_init(&x, &y, 5);
	y.snap.node_ok = false;
	y.pods[0].n_containers = 0;
	execd_format_batch(&b, &y.snap, &x, EXECD_INFLUX);
	/* the rotated log's two files summed, and then above the library; the two /data/a and /data/b each one row */
	ck_assert_buf_eq(&b, "podmem_pod," FILE_TAGS " usage=200i,pgfault=7i,pressure_some=1500001i 1700000000123456789\n"
			     "podmem_file,deleted=false,path=/dev/shm/big," FILE_TAGS ",tmpfs=true size=400i,cached=300i,"
			     "dirty=0i,writeback=0i,charged=300i,recently_evicted=0i 1700000000123456789\n"
			     "podmem_file,deleted=true,path=/var/log/app.log," FILE_TAGS ",tmpfs=false size=30i,cached=250i,"
			     "dirty=5i,writeback=2i,charged=250i,recently_evicted=8i 1700000000123456789\n"
			     "podmem_file,deleted=false,path=/usr/lib/libx.so," FILE_TAGS ",tmpfs=false size=200i,cached=120i,"
			     "charged=120i 1700000000123456789\n"
			     "podmem_file,deleted=false,path=/data/a," FILE_TAGS ",tmpfs=false size=11i,cached=95i,dirty=0i,"
			     "writeback=0i,charged=95i,recently_evicted=0i 1700000000123456789\n"
			     "podmem_file,deleted=false,path=/data/b\xef\xbf\xbd," FILE_TAGS ",tmpfs=false size=15i,cached=70i,"
			     "dirty=0i,writeback=0i,charged=70i,recently_evicted=0i 1700000000123456789\n");

	/* at most TOP rows; the pod gone from the sample: none; charged unknown: no charged field */
	execd_files_free(&x);
	scan_init(&x, &y, 1);
	x.pods[0].charged_known = x.pods[1].charged_known = false;
	y.pods[0].n_containers = 0;
	execd_buf_reset(&b);
	execd_format_batch(&b, &y.snap, &x, EXECD_INFLUX);
	ck_assert_ptr_nonnull(in(&b, "podmem_file,deleted=false,path=/dev/shm/big," FILE_TAGS ",tmpfs=true size=400i,"
					  "cached=300i,dirty=0i,writeback=0i,recently_evicted=0i 1700000000123456789\n"));
	ck_assert_ptr_null(in(&b, "app.log"));
	ck_assert_ptr_null(in(&b, "charged"));
	strcpy(y.pods[0].ident.uid, "u-2");
	execd_buf_reset(&b);
	execd_format_batch(&b, &y.snap, &x, EXECD_INFLUX);
	ck_assert_ptr_null(in(&b, "podmem_file"));
	execd_files_free(&x);
	ck_assert_uint_eq(x.top, 1);
	execd_buf_free(&b);
}
END_TEST

START_TEST(top_files_prometheus)
{
	struct synthetic y;
	struct execd_files x;
	struct execd_buf b = {0};

	scan_init(&x, &y, 3);
	execd_format_batch(&b, &y.snap, &x, EXECD_PROMETHEUS);
	ck_assert_uint_ne(b.len, 0);
	/* one family per file metric, after the containers', each row a series of its own */
	const char *cached = in(&b, "# HELP podmem_file_cached_bytes ");
	ck_assert_ptr_nonnull(cached);
	ck_assert_ptr_nonnull(in(&b, "# TYPE podmem_file_cached_bytes gauge\n"
					  "podmem_file_cached_bytes{deleted=\"false\",path=\"/dev/shm/big\",pod=\"web\\n0\\\\\","
					  "pod_uid=\"u-1\",qos=\"burstable\",tmpfs=\"true\"} 300\n"
					  "podmem_file_cached_bytes{deleted=\"true\",path=\"/var/log/app.log\",pod=\"web\\n0\\\\\","
					  "pod_uid=\"u-1\",qos=\"burstable\",tmpfs=\"false\"} 250\n"
					  "podmem_file_cached_bytes{deleted=\"false\",path=\"/usr/lib/libx.so\",pod=\"web\\n0\\\\\","
					  "pod_uid=\"u-1\",qos=\"burstable\",tmpfs=\"false\"} 120\n#"));
	ck_assert(cached > in(&b, "podmem_container_usage_bytes"));
	/* the library was measured by mincore: no dirty sample; all three rows charged */
	const char *dirty = in(&b, "# TYPE podmem_file_dirty_bytes gauge\n");
	ck_assert_ptr_nonnull(dirty);
	const char *next = memmem(dirty, (size_t)(b.p + b.len - dirty), "# HELP", 6);
	ck_assert_ptr_nonnull(next);
	ck_assert_ptr_nonnull(memmem(dirty, (size_t)(next - dirty), "app.log", 7));
	ck_assert_ptr_null(memmem(dirty, (size_t)(next - dirty), "libx.so", 7));
	int n = 0;
	for (const char *p = b.p; (p = memmem(p, (size_t)(b.p + b.len - p), "\npodmem_file_charged_bytes{", 27)); p++)
		n++;
	ck_assert_int_eq(n, 3);
	execd_files_free(&x);
	execd_buf_free(&b);
}
END_TEST

/* a file's labels: its pod's, its own, and a container's only when narrowed to one */
START_TEST(file_entity_labels)
{
	struct synthetic y;
	struct pm_entity e;
	struct pm_values v;
	int num = -1;

	synthetic_init(&y);
	pm_file_entity(&e, &y.pods[0], NULL, &scan_files[1], false, &v);
	ck_assert_int_eq(e.level, PM_LEVEL_FILE);
	ck_assert_str_eq(pm_level_name(e.level), "file");
	ck_assert_str_eq(pm_label_value(&e, PM_L_PATH, NULL), "/var/log/app.log");
	ck_assert_str_eq(pm_label_value(&e, PM_L_DELETED, &num), "true");
	ck_assert_int_eq(num, 1);
	ck_assert_str_eq(pm_label_value(&e, PM_L_TMPFS, &num), "false");
	ck_assert_int_eq(num, 0);
	ck_assert_str_eq(pm_label_value(&e, PM_L_POD_UID, NULL), "u-1");
	ck_assert_str_eq(pm_label_value(&e, PM_L_QOS, &num), "burstable");
	ck_assert_ptr_null(pm_label_value(&e, PM_L_CONTAINER, NULL));
	ck_assert_ptr_null(pm_label_value(&e, PM_L_SANDBOX, NULL));
	ck_assert_ptr_null(pm_label_value(&e, PM_L_CGROUP, NULL));
	ck_assert(pm_has(e.val, PM_M_CACHED) && !pm_has(e.val, PM_M_CHARGED) && pm_has(e.val, PM_M_DIRTY));
	ck_assert(!pm_has(e.val, PM_M_USAGE));
	ck_assert_uint_eq(e.val->v[PM_M_RECENTLY_EVICTED], 8);
	pm_file_entity(&e, &y.pods[0], &y.ctrs[1], &scan_files[2], true, &v);
	ck_assert_str_eq(pm_label_value(&e, PM_L_CONTAINER, NULL), "POD");
	ck_assert_str_eq(pm_label_value(&e, PM_L_SANDBOX, &num), "true");
	ck_assert(pm_has(e.val, PM_M_CHARGED) && !pm_has(e.val, PM_M_DIRTY) && !pm_has(e.val, PM_M_WRITEBACK));
	/* no label of a file at the other levels */
	struct pm_entity pod = {.level = PM_LEVEL_POD, .val = &y.pods[0].val, .pod = &y.pods[0]};
	ck_assert_ptr_null(pm_label_value(&pod, PM_L_PATH, NULL));
	ck_assert_ptr_null(pm_label_value(&pod, PM_L_TMPFS, NULL));
}
END_TEST

/* once the buffer has grown, a batch in either format allocates nothing:
 * without file rows (_i 0), and with them, between two scans (_i 1) */
START_TEST(steady_batch_allocates_nothing)
{
	struct synthetic y;
	struct execd_files x;
	struct execd_buf b = {0};

	scan_init(&x, &y, 100);
	const struct execd_files *files = _i ? &x : NULL;
	execd_format_batch(&b, &y.snap, files, EXECD_INFLUX);
	execd_buf_reset(&b);
	execd_format_batch(&b, &y.snap, files, EXECD_PROMETHEUS);
	alloc_count_start();
	for (int i = 0; i < 4; i++) { /* no ck_assert in here: Check allocates for each */
		execd_buf_reset(&b);
		execd_format_batch(&b, &y.snap, files, i % 2 ? EXECD_INFLUX : EXECD_PROMETHEUS);
	}
	size_t n = alloc_count_stop();
	ck_assert_uint_eq(n, 0);
	ck_assert(!b.oom);
	ck_assert(!_i || in(&b, "podmem_file"));
	execd_files_free(&x);
	execd_buf_free(&b);
}
END_TEST

#define N_OF(a) (int)(sizeof(a) / sizeof((a)[0]))

Suite *suite_execd_text(void)
{
	Suite *s = suite_create("execd_text");
	TCase *tc = tcase_create("execd_text");
	tcase_add_loop_test(tc, escape, 0, N_OF(escapes));
	tcase_add_loop_test(tc, lp_tag, 0, N_OF(tags));
	tcase_add_test(tc, oom);
	tcase_add_test(tc, influx);
	tcase_add_test(tc, prometheus);
	tcase_add_loop_test(tc, steady_batch_allocates_nothing, 0, 2);
	tcase_add_test(tc, top_files_influx);
	tcase_add_test(tc, top_files_prometheus);
	tcase_add_test(tc, file_entity_labels);
	suite_add_tcase(s, tc);
	return s;
}
