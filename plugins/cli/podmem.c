/*
 * podmem: the human front end. One sample, as a table (like kubectl top or
 * systemd-cgtop) or as JSON (docs/json.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "podmem.h"

struct cli {
	struct pm_opts opts;
	bool json, containers, metrics;
	int sort; /* a metric, or -1 for the name */
	long limit; /* -n: rows; 0 = all */
	int verbose;
};

static void log_stderr(void *ud, int level, const char *fmt, va_list ap)
{
	const struct cli *c = ud;
	if (level > LOG_WARNING + c->verbose * 3)
		return;
	fputs("podmem: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: podmem [top] [OPTION]...\n"
		   "       podmem metrics        print the metric catalogue (a Markdown table)\n"
		   "Show where each Kubernetes pod's and container's memory went, from the kernel's\n"
		   "memory cgroup accounting. On a host without Kubernetes, top-level cgroups are shown.\n\n"
		   "  --json               print one whole sample as JSON\n"
		   "  --sort FIELD         sort by a metric, largest first, or by 'name' (default: working_set)\n"
		   "  -n, --top N          show the first N pods only\n"
		   "  --containers         show container rows under each pod\n");
	for (int i = 0; i < PM_CORE_OPTS; i++) {
		/* the help in column 23, or one space after a long option and its value */
		int w = 19 - (int)strlen(pm_core_opts[i].long_name) - 1, min = (int)strlen(pm_core_opts[i].meta) + 1;
		fprintf(f, "  --%s %-*s%s\n", pm_core_opts[i].long_name, w < min ? min : w, pm_core_opts[i].meta,
			pm_core_opts[i].help);
	}
	fprintf(f, "  -v, --verbose        log more to stderr\n"
		   "  -h, --help           show this help\n"
		   "  -V, --version        show the version\n\n"
		   "FIELD is one of:");
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_metrics[m].levels & PM_LEVEL_CG)
			fprintf(f, " %s", pm_metrics[m].name);
	fprintf(f, "\nExit status: 0 on success, 1 when sampling fails, 2 for a bad option or cgroup root.\n");
}

static int bad(const char *fmt, const char *arg)
{
	fputs("podmem: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return 2;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 256, O_SORT, O_CONTAINERS, O_CORE };
	struct option lo[8 + PM_CORE_OPTS] = {
		{"json", no_argument, NULL, O_JSON},       {"sort", required_argument, NULL, O_SORT},
		{"top", required_argument, NULL, 'n'},     {"containers", no_argument, NULL, O_CONTAINERS},
		{"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
	};
	for (int i = 0; i < PM_CORE_OPTS; i++)
		lo[7 + i] = (struct option){pm_core_opts[i].long_name, required_argument, NULL, O_CORE + i};

	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, ":n:vhV", lo, NULL)) != -1;) {
		char *end;
		switch (o) {
		case O_JSON: c->json = true; break;
		case O_CONTAINERS: c->containers = true; break;
		case 'v': c->verbose++; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("podmem %s\n", PODMEM_VERSION); exit(0);
		case O_SORT:
			c->sort = strcmp(optarg, "name") ? pm_metric_by_name(optarg) : -1;
			if (c->sort == -1 && strcmp(optarg, "name"))
				return bad("--sort: unknown field '%s' (see --help)", optarg);
			break;
		case 'n':
			errno = 0;
			c->limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || c->limit < 1)
				return bad("--top: '%s' is not a positive number", optarg);
			break;
		case ':': return bad("option '%s' needs a value", argv[optind - 1]);
		case '?': return bad("unknown option '%s' (see --help)", argv[optind - 1]);
		default:
			if (o >= O_CORE && pm_opts_set(&c->opts, o - O_CORE, optarg) < 0)
				return bad("--%s: empty value", pm_core_opts[o - O_CORE].long_name);
		}
	}
	if (optind < argc && !strcmp(argv[optind], "top")) {
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "metrics")) {
		c->metrics = true;
		optind++;
	}
	if (optind < argc)
		return bad("unknown command '%s' (see --help)", argv[optind]);
	return 0;
}

/* ---- sorting ------------------------------------------------------------ */

static int sort_metric;

static int cmp_vals(const struct pm_values *a, const struct pm_values *b)
{
	uint64_t x = a->v[sort_metric], y = b->v[sort_metric];
	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_pod(const void *pa, const void *pb)
{
	const struct pm_pod *a = pa, *b = pb;
	int r = sort_metric >= 0 ? cmp_vals(&a->val, &b->val) : 0;
	if (!r)
		r = strcmp(a->namespace_, b->namespace_);
	return r ? r : strcmp(a->name, b->name);
}

static int cmp_ctr(const void *pa, const void *pb)
{
	const struct pm_container *a = pa, *b = pb;
	int r = sort_metric >= 0 ? cmp_vals(&a->val, &b->val) : 0;
	return r ? r : strcmp(a->name, b->name);
}

static void sort_snapshot(struct pm_snapshot *s, int metric)
{
	sort_metric = metric;
	if (s->n_pods) /* qsort's array may not be NULL, even when empty */
		qsort(s->pods, s->n_pods, sizeof *s->pods, cmp_pod);
	for (size_t i = 0; i < s->n_pods; i++)
		if (s->pods[i].n_containers)
			qsort(s->pods[i].containers, s->pods[i].n_containers, sizeof *s->pods[i].containers, cmp_ctr);
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
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

/* ",key:value" for each present metric of LEVEL; FIRST: no leading comma */
static void json_vals(FILE *f, const struct pm_values *v, unsigned level, bool first)
{
	for (int m = 0; m < PM_M__COUNT; m++)
		if ((pm_metrics[m].levels & level) && pm_has(v, (enum pm_metric)m)) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", pm_metrics[m].name, (unsigned long long)v->v[m]);
			first = false;
		}
}

static void print_json(FILE *f, const struct pm_snapshot *s, const char *root)
{
	fprintf(f, "{\"podmem\":\"%s\",\"cgroup_root\":", PODMEM_VERSION);
	json_str(f, root);
	fprintf(f, ",\"cgroup_version\":%d,\"kubernetes\":%s,\"time_ns\":%llu,\"node\":{", s->cgroup_version,
		s->kubernetes ? "true" : "false", (unsigned long long)s->time_ns);
	json_vals(f, &s->node, PM_LEVEL_NODE, true);
	fputs("},\"pods\":[", f);
	for (size_t i = 0; i < s->n_pods; i++) {
		const struct pm_pod *p = &s->pods[i];
		fprintf(f, "%s{\"kind\":\"%s\",\"namespace\":", i ? "," : "", p->kind == PM_POD ? "pod" : "group");
		json_str(f, p->namespace_);
		fputs(",\"pod\":", f);
		json_str(f, p->name);
		fputs(",\"pod_uid\":", f);
		json_str(f, p->uid);
		fprintf(f, ",\"qos\":\"%s\",\"cgroup\":", pm_qos_name(p->qos));
		json_str(f, p->cgroup);
		json_vals(f, &p->val, PM_LEVEL_CG, false);
		fputs(",\"containers\":[", f);
		for (size_t j = 0; j < p->n_containers; j++) {
			const struct pm_container *c = &p->containers[j];
			fputs(j ? ",{\"container\":" : "{\"container\":", f);
			json_str(f, c->name);
			fputs(",\"container_id\":", f);
			json_str(f, c->id);
			fprintf(f, ",\"runtime\":\"%s\",\"sandbox\":%s", pm_runtime_name(c->runtime),
				c->sandbox ? "true" : "false");
			json_vals(f, &c->val, PM_LEVEL_CG, false);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}

/* ---- the table ------------------------------------------------------------- */

/* binary units that line up: "1023B", "12.3Mi", "512Ki" in 6 columns, "-" when unknown */
static const char *human(char *buf, size_t cap, const struct pm_values *v, enum pm_metric m)
{
	static const char *units[] = {"B", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
	if (!pm_has(v, m))
		return "-";
	double x = (double)v->v[m];
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

static const enum pm_metric columns[] = {
	PM_M_USAGE,      PM_M_LIMIT,         PM_M_WORKING_SET, PM_M_WORKING_SET_KUBELET, PM_M_ACTIVE_ANON,
	PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_SHMEM,           PM_M_FILE_DIRTY,
	PM_M_KERNEL,
};
static const char *headers[] = {"USAGE", "LIMIT", "WS", "WS_KUBE", "ANON_A", "ANON_I",
				"FILE_A", "FILE_I", "SHMEM", "DIRTY", "KERNEL"};

/* columns S takes on a terminal: UTF-8 code points, not bytes */
static int width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* the bytes of S that fit in W columns */
static int fit(const char *s, int w)
{
	int i = 0;
	for (int cols = 0; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == w)
			break;
	}
	return i;
}

/* control characters in names (a newline, an escape sequence) as '?': one row per line on the terminal */
static char *printable(char *s)
{
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

static void row(FILE *f, int name_w, const char *name, const char *qos, const struct pm_values *v)
{
	char buf[32];
	int w = width(name);
	if (w > name_w)
		fprintf(f, "%.*s~%*s %-10s", fit(name, name_w - 1), name, 0, "", qos);
	else
		fprintf(f, "%s%*s %-10s", name, name_w - w, "", qos);
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		fprintf(f, " %7s", human(buf, sizeof buf, v, columns[i]));
	fputc('\n', f);
}

static void print_table(FILE *f, const struct pm_snapshot *s, const struct cli *c)
{
	char a[32], b[32], d[32], e[32], g[32], h[32];
	const struct pm_values *n = &s->node;
	size_t shown = c->limit > 0 && (size_t)c->limit < s->n_pods ? (size_t)c->limit : s->n_pods;
	char label[PM_NS_MAX + PM_NAME_MAX + 2];
	int name_w = 16;

	if (s->node_ok)
		fprintf(f, "node: total %s  used %s  app %s  kernel %s  unaccounted %s  free %s\n",
			human(a, sizeof a, n, PM_M_TOTAL), human(b, sizeof b, n, PM_M_USAGE), human(d, sizeof d, n, PM_M_APP),
			human(e, sizeof e, n, PM_M_KERNEL), human(g, sizeof g, n, PM_M_UNACCOUNTED),
			human(h, sizeof h, n, PM_M_FREE));
	for (size_t i = 0; i < shown; i++) {
		const struct pm_pod *p = &s->pods[i];
		int w = width(p->namespace_) + width(p->name) + 1;
		for (size_t j = 0; c->containers && j < p->n_containers; j++)
			if (width(p->containers[j].name) + 2 > w)
				w = width(p->containers[j].name) + 2;
		if (w > name_w)
			name_w = w > 60 ? 60 : w;
	}
	fprintf(f, "%-*s %-10s", name_w, s->kubernetes ? "NAMESPACE/POD" : "CGROUP", s->kubernetes ? "QOS" : "");
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
		fprintf(f, " %7s", headers[i]);
	fputc('\n', f);
	for (size_t i = 0; i < shown; i++) {
		const struct pm_pod *p = &s->pods[i];
		snprintf(label, sizeof label, "%s%s%s", p->namespace_, *p->namespace_ ? "/" : "", p->name);
		row(f, name_w, printable(label), pm_qos_name(p->qos), &p->val);
		for (size_t j = 0; c->containers && j < p->n_containers; j++) {
			snprintf(label, sizeof label, "  %s", p->containers[j].name);
			row(f, name_w, printable(label), "", &p->containers[j].val);
		}
	}
	if (shown < s->n_pods)
		fprintf(f, "(%zu more; -n to show more)\n", s->n_pods - shown);
}

static const char *unit_name(enum pm_unit u)
{
	return u == PM_UNIT_BYTES ? "bytes" : u == PM_UNIT_USEC ? "µs" : "count";
}

/* the catalogue, as the README's metric list */
static void print_metrics(FILE *f)
{
	fputs("| name | unit | kind | levels | cgroup v1 | cgroup v2 | node | meaning |\n"
	      "|---|---|---|---|---|---|---|---|\n", f);
	for (int m = 0; m < PM_M__COUNT; m++) {
		const struct pm_metric_info *i = &pm_metrics[m];
		unsigned lv = i->levels;
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", i->name, unit_name(i->unit),
			i->kind == PM_KIND_GAUGE ? "gauge" : "counter",
			lv == PM_LEVEL_NODE ? "node" : lv == PM_LEVEL_CG ? "pod, container" : "node, pod, container",
			i->v1, i->v2, i->node, i->help);
	}
}

int main(int argc, char **argv)
{
	struct cli c = {.opts = PM_OPTS_INIT, .sort = PM_M_WORKING_SET};
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	int r;

	if ((r = parse_args(&c, argc, argv)))
		return r;
	if (c.metrics) {
		print_metrics(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	c.opts.log = log_stderr;
	c.opts.log_ud = &c;
	pm_raise_nofile();
	if (pm_ctx_open(&ctx, &c.opts) < 0)
		return 2;
	r = pm_sample(ctx, &snap);
	if (r < 0) {
		fprintf(stderr, "podmem: cannot sample: %s\n", strerror(-r));
	} else {
		sort_snapshot(&snap, c.sort);
		if (c.limit > 0 && (size_t)c.limit < snap.n_pods && c.json)
			snap.n_pods = (size_t)c.limit; /* the rest stay allocated for pm_snapshot_free */
		if (c.json)
			print_json(stdout, &snap, pm_ctx_root(ctx));
		else
			print_table(stdout, &snap, &c);
	}
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "podmem: cannot write output: %s\n", strerror(errno));
		return 1;
	}
	return r < 0 ? 1 : 0;
}
