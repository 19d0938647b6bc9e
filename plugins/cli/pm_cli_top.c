/*
 * podmem [top]: one sample, as a table (like kubectl top or
 * systemd-cgtop) or as JSON (docs/json.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pm_cli.h"

struct cli {
	struct pm_opts opts;
	bool json, containers;
	enum { CMD_TOP, CMD_METRICS, CMD_LABELS } cmd;
	int sort; /* a metric, or -1 for the name */
	long limit; /* -n: rows; 0 = all */
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: podmem [top] [OPTION]...\n"
		   "       podmem metrics        print the metric catalogue (a Markdown table)\n"
		   "       podmem labels         print the label catalogue (a Markdown table)\n"
		   "Show where each Kubernetes pod's and container's memory went, from the kernel's\n"
		   "memory cgroup accounting. On a host without Kubernetes, top-level cgroups are shown.\n\n"
		   "  --json               print one whole sample as JSON\n"
		   "  --sort FIELD         sort by a metric, largest first, or by 'name' (default: working_set)\n"
		   "  -n, --top N          show the first N pods only\n"
		   "  --containers         show container rows under each pod\n");
	pm_cmdline_usage(f, 2, 23);
	fprintf(f, "  -v, --verbose        log more to stderr\n"
		   "  -h, --help           show this help\n"
		   "  -V, --version        show the version\n\n"
		   "FIELD is one of:");
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_metrics[m].levels & PM_AT_CG)
			fprintf(f, " %s", pm_metrics[m].name);
	fprintf(f, "\nExit status: 0 on success, 1 when sampling fails, 2 for a bad option or cgroup root.\n");
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 256, O_SORT, O_CONTAINERS, O_CORE };
	struct option lo[8 + PM_OPT__COUNT] = {
		{"json", no_argument, NULL, O_JSON},       {"sort", required_argument, NULL, O_SORT},
		{"top", required_argument, NULL, 'n'},     {"containers", no_argument, NULL, O_CONTAINERS},
		{"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
	};
	pm_cmdline_longopts(lo + 7, O_CORE);

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
				return cli_bad("--sort: unknown field '%s' (see --help)", optarg);
			break;
		case 'n':
			errno = 0;
			c->limit = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || c->limit < 1)
				return cli_bad("--top: '%s' is not a positive number", optarg);
			break;
		case ':': return cli_bad("option '%s' needs a value", argv[optind - 1]);
		case '?': return cli_bad("unknown option '%s' (see --help)", argv[optind - 1]);
		default:
			if (pm_cmdline_take(&c->opts, o, O_CORE, optarg) < 0)
				return cli_bad("--%s: empty value", pm_core_opts[o - O_CORE].long_name);
		}
	}
	if (optind < argc && !strcmp(argv[optind], "top")) {
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "metrics")) {
		c->cmd = CMD_METRICS;
		optind++;
	} else if (optind < argc && !strcmp(argv[optind], "labels")) {
		c->cmd = CMD_LABELS;
		optind++;
	}
	if (optind < argc)
		return cli_bad("unknown command '%s' (see --help)", argv[optind]);
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
		r = strcmp(a->ident.namespace_, b->ident.namespace_);
	return r ? r : strcmp(a->ident.name, b->ident.name);
}

static int cmp_ctr(const void *pa, const void *pb)
{
	const struct pm_container *a = pa, *b = pb;
	int r = sort_metric >= 0 ? cmp_vals(&a->val, &b->val) : 0;
	return r ? r : strcmp(a->ident.name, b->ident.name);
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

/* ",key:value" for each present metric of E's level; FIRST: no leading comma */
static bool json_vals(FILE *f, const struct pm_entity *e, bool first)
{
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_metric_at((enum pm_metric)m, e->level) && pm_has(e->val, (enum pm_metric)m)) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", pm_metrics[m].name, (unsigned long long)e->val->v[m]);
			first = false;
		}
	return first;
}

/* "key":value for each label that E's level owns (a container's object
 * nests in its pod's, so it holds only the container's own labels) */
static bool json_labels(FILE *f, const struct pm_entity *e, bool first)
{
	for (int l = 0; l < PM_L__COUNT; l++) {
		const char *v = pm_labels[l].owner == e->level ? pm_label_value(e, (enum pm_label)l, NULL) : NULL;
		if (!v)
			continue;
		fprintf(f, "%s\"%s\":", first ? "" : ",", pm_labels[l].name);
		if (pm_labels[l].type == PM_LT_BOOL)
			fputs(v, f);
		else
			cli_json_str(f, v);
		first = false;
	}
	return first;
}

static void print_json(FILE *f, const struct pm_snapshot *s, const char *root)
{
	struct pm_walk w;
	struct pm_entity e;
	size_t pods = 0, ctrs = 0;

	fprintf(f, "{\"podmem\":\"%s\",\"cgroup_root\":", PODMEM_VERSION);
	cli_json_str(f, root);
	fprintf(f, ",\"cgroup_version\":%d,\"kubernetes\":%s,\"time_ns\":%llu,\"node\":{", s->cgroup_version,
		s->kubernetes ? "true" : "false", (unsigned long long)s->time_ns);
	for (pm_walk_init(&w, s); pm_walk_next(&w, &e);) {
		switch (e.level) {
		case PM_LEVEL_NODE:
			json_vals(f, &e, true);
			break;
		case PM_LEVEL_POD:
			fputs(pods++ ? "]},{" : "},\"pods\":[{", f);
			json_vals(f, &e, json_labels(f, &e, true));
			fputs(",\"containers\":[", f);
			ctrs = 0;
			break;
		case PM_LEVEL_CONTAINER:
			fputs(ctrs++ ? ",{" : "{", f);
			json_vals(f, &e, json_labels(f, &e, true));
			fputc('}', f);
			break;
		case PM_LEVEL__COUNT:
			break;
		}
	}
	fputs(pods ? "]}]}\n" : "},\"pods\":[]}\n", f);
}

/* ---- the table ------------------------------------------------------------- */

static const enum pm_metric columns[] = {
	PM_M_USAGE,      PM_M_LIMIT,         PM_M_WORKING_SET, PM_M_WORKING_SET_KUBELET, PM_M_ACTIVE_ANON,
	PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_SHMEM,           PM_M_FILE_DIRTY,
	PM_M_KERNEL,
};
static const char *headers[] = {"USAGE", "LIMIT", "WS", "WS_KUBE", "ANON_A", "ANON_I",
				"FILE_A", "FILE_I", "SHMEM", "DIRTY", "KERNEL"};

static void row(FILE *f, int name_w, const char *name, const char *qos, const struct pm_values *v)
{
	char buf[32];
	int w = cli_width(name);
	if (w > name_w)
		fprintf(f, "%.*s~%*s %-10s", cli_fit(name, name_w - 1), name, 0, "", qos);
	else
		fprintf(f, "%s%*s %-10s", name, name_w - w, "", qos);
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		fprintf(f, " %7s", cli_human(buf, sizeof buf, v, columns[i]));
	fputc('\n', f);
}

/* the row label of a pod ("namespace/pod") or a container ("  name") */
static char *row_label(char *buf, size_t cap, const struct pm_entity *e)
{
	const char *ns = pm_label_value(e, PM_L_NAMESPACE, NULL), *pod = pm_label_value(e, PM_L_POD, NULL);
	if (e->level == PM_LEVEL_CONTAINER)
		snprintf(buf, cap, "  %s", pm_label_value(e, PM_L_CONTAINER, NULL));
	else
		snprintf(buf, cap, "%s%s%s", ns, *ns ? "/" : "", pod);
	return cli_printable(buf);
}

/* The table's rows: the first SHOWN pods, and their containers with --containers. */
struct rows {
	struct pm_walk w;
	size_t pods, shown;
	bool containers;
};

static void rows_init(struct rows *r, const struct pm_snapshot *s, size_t shown, bool containers)
{
	pm_walk_init(&r->w, s);
	r->pods = 0;
	r->shown = shown;
	r->containers = containers;
}

static bool rows_next(struct rows *r, struct pm_entity *e)
{
	while (pm_walk_next(&r->w, e)) {
		if (e->level == PM_LEVEL_NODE || (e->level == PM_LEVEL_CONTAINER && !r->containers))
			continue;
		return e->level != PM_LEVEL_POD || r->pods++ < r->shown;
	}
	return false;
}

static void print_table(FILE *f, const struct pm_snapshot *s, const struct cli *c)
{
	char a[32], b[32], d[32], g[32], h[32], k[32];
	const struct pm_values *n = &s->node;
	size_t shown = c->limit > 0 && (size_t)c->limit < s->n_pods ? (size_t)c->limit : s->n_pods;
	char label[PM_NS_MAX + PM_NAME_MAX + 2];
	int name_w = 16;
	struct rows r;
	struct pm_entity e;

	if (s->node_ok)
		fprintf(f, "node: total %s  used %s  app %s  kernel %s  unaccounted %s  free %s\n",
			cli_human(a, sizeof a, n, PM_M_TOTAL), cli_human(b, sizeof b, n, PM_M_USAGE), cli_human(d, sizeof d, n, PM_M_APP),
			cli_human(k, sizeof k, n, PM_M_KERNEL), cli_human(g, sizeof g, n, PM_M_UNACCOUNTED),
			cli_human(h, sizeof h, n, PM_M_FREE));
	for (rows_init(&r, s, shown, c->containers); rows_next(&r, &e);) {
		int wd = cli_width(row_label(label, sizeof label, &e)) + (e.level == PM_LEVEL_POD && !*e.pod->ident.namespace_);
		if (wd > name_w)
			name_w = wd > 60 ? 60 : wd;
	}
	fprintf(f, "%-*s %-10s", name_w, s->kubernetes ? "NAMESPACE/POD" : "CGROUP", s->kubernetes ? "QOS" : "");
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
		fprintf(f, " %7s", headers[i]);
	fputc('\n', f);
	for (rows_init(&r, s, shown, c->containers); rows_next(&r, &e);) {
		const char *qos = e.level == PM_LEVEL_POD ? pm_label_value(&e, PM_L_QOS, NULL) : "";
		row(f, name_w, row_label(label, sizeof label, &e), qos, e.val);
	}
	if (shown < s->n_pods)
		fprintf(f, "(%zu more; -n to show more)\n", s->n_pods - shown);
}

int cli_top(int argc, char **argv)
{
	struct cli c = {.opts = PM_OPTS_INIT, .sort = PM_M_WORKING_SET};
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	int r;

	if ((r = parse_args(&c, argc, argv)))
		return r;
	if (c.cmd != CMD_TOP) {
		(c.cmd == CMD_METRICS ? cli_print_metrics : cli_print_labels)(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	c.opts.log = cli_log;
	c.opts.log_ud = &c.verbose;
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
