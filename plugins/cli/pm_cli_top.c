/*
 * podmem [top]: one sample, as a table (like kubectl top or
 * systemd-cgtop) or as JSON (docs/json.md); with --interval, live: a
 * refresh every interval, full screen on a terminal (like top), one table
 * per interval when piped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <syslog.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "pm_cli.h"

struct cli {
	struct pm_opts opts;
	bool json, containers;
	enum { CMD_TOP, CMD_METRICS, CMD_LABELS } cmd;
	int sort; /* a metric, or -1 for the name */
	long limit; /* -n: rows; 0 = all */
	int verbose;
	uint64_t interval;        /* --interval in ns; 0: one sample */
	const char *interval_arg; /* as given, for the title line */
	long iterations;          /* --iterations: refreshes; 0 = until q or a signal */
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: podmem [top] [OPTION]...\n"
		   "       podmem metrics        print the metric catalogue (a Markdown table)\n"
		   "       podmem labels         print the label catalogue (a Markdown table)\n"
		   "       podmem files POD      the files that hold a pod's page cache (files --help)\n"
		   "       podmem explain POD    where one pod's memory is, and what to change (explain --help)\n"
		   "Show where each Kubernetes pod's and container's memory went, from the kernel's\n"
		   "memory cgroup accounting. On a host without Kubernetes, top-level cgroups are shown.\n\n"
		   "  --json               print one whole sample as JSON\n"
		   "  --sort FIELD         sort by a metric, largest first, or by 'name' (default: working_set)\n"
		   "  -n, --top N          show the first N pods only\n"
		   "  --containers         show container rows under each pod\n"
		   "  --interval D         refresh every D (2s, 500ms, 1m) until q or Ctrl-C, with the change\n"
		   "                       in usage and working set since the last refresh; full screen on a\n"
		   "                       terminal, one table per interval when piped (--json: one line each)\n"
		   "  --iterations N       with --interval: stop after N refreshes\n");
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

/* the command line into C: CLI_OK to run, CLI_DONE after --help or --version, CLI_USAGE (said why) */
static int parse_args(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 256, O_SORT, O_CONTAINERS, O_INTERVAL, O_ITERATIONS, O_CORE };
	struct option lo[PM_CMDLINE_OPTS(9)] = {
		{"json", no_argument, NULL, O_JSON},       {"sort", required_argument, NULL, O_SORT},
		{"top", required_argument, NULL, 'n'},     {"containers", no_argument, NULL, O_CONTAINERS},
		{"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},       {"interval", required_argument, NULL, O_INTERVAL},
		{"iterations", required_argument, NULL, O_ITERATIONS},
	};
	pm_cmdline_longopts(lo, sizeof lo / sizeof lo[0], 9, O_CORE);

	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, ":n:vhV", lo, NULL)) != -1;) {
		switch (o) {
		case O_JSON: c->json = true; break;
		case O_CONTAINERS: c->containers = true; break;
		case 'v': c->verbose++; break;
		case 'h': usage(stdout); return CLI_DONE;
		case 'V': printf("podmem %s\n", PODMEM_VERSION); return CLI_DONE;
		case O_SORT:
			c->sort = strcmp(optarg, "name") ? pm_metric_by_name(optarg) : -1;
			if (c->sort == -1 && strcmp(optarg, "name"))
				return cli_bad("--sort: unknown field '%s' (see --help)", optarg);
			if (c->sort >= 0 && !pm_metric_at((enum pm_metric)c->sort, PM_LEVEL_POD))
				return cli_bad("--sort: '%s' is a node metric; pods have none (see --help)", optarg);
			break;
		case 'n':
			if (!cli_count(optarg, 1, &c->limit))
				return cli_bad("--top: '%s' is not a positive number", optarg);
			break;
		case O_INTERVAL:
			if (pm_parse_duration(optarg, &c->interval) < 0)
				return cli_bad("--interval: '%s' is not a positive duration such as 2s, 500ms or 1m", optarg);
			c->interval_arg = optarg;
			break;
		case O_ITERATIONS:
			if (!cli_count(optarg, 1, &c->iterations))
				return cli_bad("--iterations: '%s' is not a positive number", optarg);
			break;
		case ':': return cli_bad("option '%s' needs a value", argv[optind - 1]);
		case '?': return cli_bad("unknown option '%s' (see --help)", argv[optind - 1]);
		default:
			if (pm_cmdline_take(&c->opts, o, O_CORE, optarg) < 0)
				return cli_bad_opt(pm_core_opts[o - O_CORE].long_name, optarg);
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
	if (c->iterations && !c->interval)
		return cli_bad("--iterations needs --interval%s", "");
	return 0;
}

/* ---- sorting ------------------------------------------------------------ */

static int sort_metric;

static int cmp_vals(const struct pm_values *a, const struct pm_values *b)
{
	uint64_t x = a->v[sort_metric], y = b->v[sort_metric];
	return x < y ? 1 : x > y ? -1 : 0;
}

/* a total order (the cgroup and the ID break ties), so that any sort gives the same table */
static int cmp_pod(const void *pa, const void *pb)
{
	const struct pm_pod *a = pa, *b = pb;
	int r = sort_metric >= 0 ? cmp_vals(&a->val, &b->val) : 0;
	if (!r)
		r = strcmp(a->ident.namespace_, b->ident.namespace_);
	if (!r)
		r = strcmp(a->ident.name, b->ident.name);
	return r ? r : strcmp(a->ident.cgroup, b->ident.cgroup);
}

static int cmp_ctr(const void *pa, const void *pb)
{
	const struct pm_container *a = pa, *b = pb;
	int r = sort_metric >= 0 ? cmp_vals(&a->val, &b->val) : 0;
	if (!r)
		r = strcmp(a->ident.name, b->ident.name);
	return r ? r : strcmp(a->ident.id, b->ident.id);
}

static void swap_bytes(char *a, char *b, size_t size)
{
	char t[256];
	for (size_t k; size; a += k, b += k, size -= k) {
		k = size < sizeof t ? size : sizeof t;
		memcpy(t, a, k);
		memcpy(a, b, k);
		memcpy(b, t, k);
	}
}

/* qsort's contract, in place (a heap sort): glibc's qsort mallocs a merge
 * buffer for elements this large, and a live refresh allocates nothing */
static void sort_in_place(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	char *b = base;
	for (size_t start = n / 2, end = n; end > 1;) {
		size_t root;
		if (start > 0) {
			root = --start; /* building the heap */
		} else {
			swap_bytes(b, b + --end * size, size); /* the largest goes last */
			root = 0;
		}
		for (size_t child; (child = 2 * root + 1) < end; root = child) {
			if (child + 1 < end && cmp(b + child * size, b + (child + 1) * size) < 0)
				child++;
			if (cmp(b + root * size, b + child * size) >= 0)
				break;
			swap_bytes(b + root * size, b + child * size, size);
		}
	}
}

static void sort_snapshot(struct pm_snapshot *s, int metric)
{
	sort_metric = metric;
	sort_in_place(s->pods, s->n_pods, sizeof *s->pods, cmp_pod);
	for (size_t i = 0; i < s->n_pods; i++)
		sort_in_place(s->pods[i].containers, s->pods[i].n_containers, sizeof *s->pods[i].containers, cmp_ctr);
}

/* ---- JSON ------------------------------------------------------------------ */

/* The JSON is written through a buffer of its own, numbers and strings by
 * hand: at a thousand containers fprintf's formatting cost more than all
 * the reads of a one-shot. The text is the same as fprintf would write. */
struct jw {
	FILE *f;
	size_t n;
	char buf[1 << 16];
};

static void jw_flush(struct jw *w)
{
	if (w->n)
		fwrite(w->buf, 1, w->n, w->f);
	w->n = 0;
}

static void jw_put(struct jw *w, const char *s, size_t len)
{
	if (w->n + len > sizeof w->buf) {
		jw_flush(w);
		if (len > sizeof w->buf) {
			fwrite(s, 1, len, w->f);
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void jw_s(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char d[20];
	size_t i = sizeof d;
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	jw_put(w, d + i, sizeof d - i);
}

/* S as a JSON string, as cli_json_str writes it */
static void jw_str(struct jw *w, const char *s)
{
	size_t left = strlen(s);
	jw_put(w, "\"", 1);
	while (left) {
		size_t run = 0; /* printable ASCII that needs no escape, copied as it is */
		while (run < left && (unsigned char)s[run] >= 0x20 && (unsigned char)s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run) {
			jw_put(w, s, run);
			s += run;
			left -= run;
			continue;
		}
		unsigned char ch = (unsigned char)*s;
		size_t n = pm_utf8_len((const unsigned char *)s, left);
		char esc[8];
		if (n == 0) { /* not UTF-8: strict JSON parsers refuse the whole document */
			jw_put(w, "\\ufffd", 6);
		} else if (ch == '"' || ch == '\\') {
			esc[0] = '\\', esc[1] = (char)ch;
			jw_put(w, esc, 2);
		} else if (ch < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", ch);
			jw_put(w, esc, 6);
		} else {
			jw_put(w, s, n);
		}
		n = n ? n : 1;
		s += n;
		left -= n;
	}
	jw_put(w, "\"", 1);
}

/* ",key:value" for each present metric of E's level; FIRST: no leading comma */
static bool json_vals(struct jw *w, const struct pm_entity *e, bool first)
{
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_metric_at((enum pm_metric)m, e->level) && pm_has(e->val, (enum pm_metric)m)) {
			jw_put(w, ",\"", first ? 1 : 2);
			if (first)
				w->buf[w->n - 1] = '"';
			jw_s(w, pm_metrics[m].name);
			jw_put(w, "\":", 2);
			jw_u64(w, e->val->v[m]);
			first = false;
		}
	return first;
}

/* "key":value for each label that E's level owns (a container's object
 * nests in its pod's, so it holds only the container's own labels) */
static bool json_labels(struct jw *w, const struct pm_entity *e, bool first)
{
	for (int l = 0; l < PM_L__COUNT; l++) {
		const char *v = pm_labels[l].owner == e->level ? pm_label_value(e, (enum pm_label)l, NULL) : NULL;
		if (!v)
			continue;
		if (!first)
			jw_put(w, ",", 1);
		jw_put(w, "\"", 1);
		jw_s(w, pm_labels[l].name);
		jw_put(w, "\":", 2);
		if (pm_labels[l].type == PM_LT_BOOL)
			jw_s(w, v);
		else
			jw_str(w, v);
		first = false;
	}
	return first;
}

/* the sample as one line of JSON, with its first SHOWN pods */
static void print_json(FILE *f, const struct pm_snapshot *s, const char *root, size_t shown)
{
	static struct jw jw;
	struct jw *w = &jw;
	struct pm_walk wk;
	struct pm_entity e;
	size_t pods = 0, ctrs = 0;

	w->f = f;
	w->n = 0;
	jw_s(w, "{\"podmem\":\"" PODMEM_VERSION "\",\"cgroup_root\":");
	jw_str(w, root);
	jw_s(w, ",\"cgroup_version\":");
	jw_u64(w, (uint64_t)s->cgroup_version);
	jw_s(w, s->kubernetes ? ",\"kubernetes\":true,\"time_ns\":" : ",\"kubernetes\":false,\"time_ns\":");
	jw_u64(w, s->time_ns);
	jw_s(w, ",\"node\":{");
	for (pm_walk_init(&wk, s); pm_walk_next(&wk, &e);) {
		switch (e.level) {
		case PM_LEVEL_NODE:
			json_vals(w, &e, true);
			break;
		case PM_LEVEL_POD:
			if (pods == shown)
				goto done;
			jw_s(w, pods++ ? "]},{" : "},\"pods\":[{");
			json_vals(w, &e, json_labels(w, &e, true));
			jw_s(w, ",\"containers\":[");
			ctrs = 0;
			break;
		case PM_LEVEL_CONTAINER:
			jw_s(w, ctrs++ ? ",{" : "{");
			json_vals(w, &e, json_labels(w, &e, true));
			jw_put(w, "}", 1);
			break;
		case PM_LEVEL_FILE: /* not in a snapshot's walk */
		case PM_LEVEL__COUNT:
			break;
		}
	}
done:
	jw_s(w, pods ? "]}]" : "},\"pods\":[]");
	/* what could not be read, so was left out (absent when everything was read) */
	for (size_t i = 0; i < s->n_unreadable && i < PM_UNREADABLE_MAX; i++) {
		jw_s(w, i ? ",{\"path\":" : ",\"unreadable\":[{\"path\":");
		jw_str(w, s->unreadable[i].path);
		jw_s(w, ",\"error\":");
		jw_str(w, strerror(s->unreadable[i].err));
		jw_put(w, "}", 1);
	}
	if (s->n_unreadable) {
		jw_s(w, "],\"unreadable_count\":");
		jw_u64(w, s->n_unreadable);
	}
	jw_s(w, "}\n");
	jw_flush(w);
}

/* ---- the table ------------------------------------------------------------- */

/* Where the table's lines go. A screen (live, on a terminal) cuts each
 * line to its width and the table to its height, and separates lines
 * rather than ending them, so that its last line does not scroll it. */
struct out {
	FILE *f;
	bool screen;
	int width, height; /* the screen's */
	int lines;         /* lines in this frame so far */
};

/* one line, built piece by piece (a row takes at most 60 columns of name
 * in up to 4 bytes each, and 13 columns of 8) */
struct line {
	char s[1024];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(l->s + l->n, sizeof l->s - l->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		l->n = l->n + (size_t)k < sizeof l->s ? l->n + (size_t)k : sizeof l->s - 1;
}

/* writes L (on a screen: cut to its width, and only while it has room) and empties it */
static void put(struct out *o, struct line *l)
{
	if (!o->screen) {
		fwrite(l->s, 1, l->n, o->f);
		fputc('\n', o->f);
	} else if (o->lines < o->height) {
		if (o->lines)
			fputc('\n', o->f);
		fwrite(l->s, 1, (size_t)cli_fit(l->s, o->width), o->f);
	}
	o->lines++;
	l->n = 0;
	l->s[0] = 0;
}

static const enum pm_metric columns[] = {
	PM_M_USAGE,      PM_M_LIMIT,         PM_M_WORKING_SET, PM_M_WORKING_SET_KUBELET, PM_M_ACTIVE_ANON,
	PM_M_INACTIVE_ANON, PM_M_ACTIVE_FILE, PM_M_INACTIVE_FILE, PM_M_SHMEM,           PM_M_FILE_DIRTY,
	PM_M_KERNEL,
};
static const char *headers[] = {"USAGE", "LIMIT", "WS", "WS_KUBE", "ANON_A", "ANON_I",
				"FILE_A", "FILE_I", "SHMEM", "DIRTY", "KERNEL"};
/* live: the change since the last refresh, each in a column after its metric's */
enum { N_DELTAS = 2 };
static const enum pm_metric delta_metrics[N_DELTAS] = {PM_M_USAGE, PM_M_WORKING_SET};
static const char *delta_headers[N_DELTAS] = {"dUSAGE", "dWS"};

/* The previous refresh's usage and working set of each pod and container,
 * found by a 64-bit hash of who it is (open addressing; key 0: free).
 * Caller-owned and reused: it grows only when there are more cgroups. */
struct seen_slot {
	uint64_t key;
	uint64_t v[N_DELTAS];
	unsigned has; /* bit K: v[K] is known */
};
struct seen {
	struct seen_slot *slot;
	size_t cap;
	bool valid; /* holds a refresh */
};

/* who E is: a pod by its UID (its cgroup path when it has none), a container
 * by its pod's key and its ID (its name when it has none) */
static uint64_t entity_key(const struct pm_entity *e)
{
	const struct pm_pod_ident *p = &e->pod->ident;
	const char *k = *p->uid ? p->uid : p->cgroup;
	uint64_t h = pm_fnv1a(PM_FNV1A_INIT, k, strlen(k));
	if (e->level == PM_LEVEL_CONTAINER) {
		k = *e->ctr->ident.id ? e->ctr->ident.id : e->ctr->ident.name;
		h = pm_fnv1a(pm_fnv1a(h, "/", 1), k, strlen(k));
	}
	return h ? h : 1;
}

static struct seen_slot *seen_slot(const struct seen *t, uint64_t key)
{
	size_t i = key % t->cap;
	while (t->slot[i].key && t->slot[i].key != key)
		i = (i + 1) % t->cap;
	return &t->slot[i];
}

/* the slot of KEY in T, or NULL */
static const struct seen_slot *seen_find(const struct seen *t, uint64_t key)
{
	const struct seen_slot *sl = t->cap ? seen_slot(t, key) : NULL;
	return sl && sl->key ? sl : NULL;
}

/* T := every pod's and container's values in S; 0 or -ENOMEM */
static int seen_fill(struct seen *t, const struct pm_snapshot *s)
{
	size_t n = s->n_pods;
	struct pm_walk w;
	struct pm_entity e;

	for (size_t i = 0; i < s->n_pods; i++)
		n += s->pods[i].n_containers;
	if (!pm_grow(&t->slot, &t->cap, 2 * n, sizeof *t->slot)) /* at most half full */
		return -ENOMEM;
	memset(t->slot, 0, t->cap * sizeof *t->slot);
	for (pm_walk_init(&w, s); pm_walk_next(&w, &e);) {
		if (e.level == PM_LEVEL_NODE)
			continue;
		uint64_t key = entity_key(&e);
		struct seen_slot *sl = seen_slot(t, key);
		sl->key = key;
		sl->has = 0;
		for (int k = 0; k < N_DELTAS; k++) {
			sl->v[k] = e.val->v[delta_metrics[k]];
			sl->has |= (unsigned)pm_has(e.val, delta_metrics[k]) << k;
		}
	}
	t->valid = true;
	return 0;
}

/* the change in delta K of V since WAS: "+12.3Mi", "-1.00Ki", "0"; "new" for
 * a cgroup the previous refresh did not see; "-" on the first refresh, or
 * when either value is unknown */
static const char *delta(char *buf, size_t cap, const struct seen *prev, const struct seen_slot *was,
			 const struct pm_values *v, int k)
{
	enum pm_metric m = delta_metrics[k];
	if (!prev->valid || (was && (!pm_has(v, m) || !(was->has >> k & 1))))
		return "-";
	if (!was)
		return "new";
	uint64_t now = v->v[m], then = was->v[k];
	if (now == then)
		return "0";
	buf[0] = now > then ? '+' : '-';
	cli_bytes(buf + 1, cap - 1, now > then ? now - then : then - now);
	return buf;
}

/* the columns after the name; PREV: live, with the deltas against it */
static void add_values(struct line *l, const struct pm_entity *e, const struct seen *prev)
{
	const struct seen_slot *was = prev ? seen_find(prev, entity_key(e)) : NULL;
	char buf[32];
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
		add(l, " %7s", cli_human(buf, sizeof buf, e->val, columns[i]));
		for (int k = 0; prev && k < N_DELTAS; k++)
			if (columns[i] == delta_metrics[k])
				add(l, " %7s", delta(buf, sizeof buf, prev, was, e->val, k));
	}
}

static void add_headers(struct line *l, bool deltas)
{
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		add(l, " %7s", headers[i]);
		for (int k = 0; deltas && k < N_DELTAS; k++)
			if (columns[i] == delta_metrics[k])
				add(l, " %7s", delta_headers[k]);
	}
}

static void add_name(struct line *l, int name_w, const char *name, const char *qos)
{
	int w = cli_width(name);
	if (w > name_w)
		add(l, "%.*s~ %-10s", cli_fit(name, name_w - 1), name, qos);
	else
		add(l, "%s%*s %-10s", name, name_w - w, "", qos);
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

/* the node line, the header and the rows; PREV: live, with deltas against it */
static void print_table(struct out *o, const struct pm_snapshot *s, const struct cli *c, const struct seen *prev)
{
	char a[32], b[32], d[32], g[32], h[32], k[32], rs[32];
	const struct pm_values *n = &s->node;
	size_t shown = c->limit > 0 && (size_t)c->limit < s->n_pods ? (size_t)c->limit : s->n_pods;
	char label[PM_NS_MAX + PM_NAME_MAX + 2];
	int name_w = 16;
	size_t n_rows = 0;
	struct rows r;
	struct pm_entity e;
	struct line l = {.n = 0};

	if (s->node_ok) {
		add(&l, "node: total %s  used %s  app %s  kernel %s  unaccounted %s  free %s  reserved %s",
		    cli_human(a, sizeof a, n, PM_M_TOTAL), cli_human(b, sizeof b, n, PM_M_USAGE), cli_human(d, sizeof d, n, PM_M_APP),
		    cli_human(k, sizeof k, n, PM_M_KERNEL), cli_human(g, sizeof g, n, PM_M_UNACCOUNTED),
		    cli_human(h, sizeof h, n, PM_M_FREE), cli_human(rs, sizeof rs, n, PM_M_RESERVED));
		put(o, &l);
	}
	for (rows_init(&r, s, shown, c->containers); rows_next(&r, &e); n_rows++) {
		int wd = cli_width(row_label(label, sizeof label, &e)) + (e.level == PM_LEVEL_POD && !*e.pod->ident.namespace_);
		if (wd > name_w)
			name_w = wd > 60 ? 60 : wd;
	}
	/* a narrow screen: a shorter name, so that usage and working set fit */
	int fit_w = o->screen ? o->width - 11 - 8 * (3 + (prev ? N_DELTAS : 0)) : name_w;
	if (name_w > fit_w)
		name_w = fit_w > 16 ? fit_w : 16;

	add(&l, "%-*s %-10s", name_w, s->kubernetes ? "NAMESPACE/POD" : "CGROUP", s->kubernetes ? "QOS" : "");
	add_headers(&l, prev != NULL);
	put(o, &l);

	/* the rows that fit on a screen, the last line saying how many did not */
	size_t room = !o->screen ? SIZE_MAX : o->height > o->lines ? (size_t)(o->height - o->lines) : 0;
	bool cut = n_rows + (shown < s->n_pods) > room;
	size_t fit = cut && room ? room - 1 : cut ? 0 : n_rows, printed = 0;
	for (rows_init(&r, s, shown, c->containers); printed < fit && rows_next(&r, &e); printed++) {
		add_name(&l, name_w, row_label(label, sizeof label, &e),
			 e.level == PM_LEVEL_POD ? pm_label_value(&e, PM_L_QOS, NULL) : "");
		add_values(&l, &e, prev);
		put(o, &l);
	}
	if (cut && room)
		add(&l, "(%zu more)", n_rows - printed);
	else if (shown < s->n_pods && room)
		add(&l, "(%zu more; -n to show more)", s->n_pods - shown);
	if (l.n)
		put(o, &l);
}

/* ---- live: --interval ------------------------------------------------------ */

static volatile sig_atomic_t got_signal, got_winch;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_signal = sig;
}

static const int live_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH};

/* A live run's terminal: on a screen, the alternate screen with the cursor
 * hidden, keys read one by one without echo, and our signals blocked but
 * while waiting (so that each is seen, and the screen is restored). */
struct live {
	struct out o;
	bool keys;            /* q on stdin quits */
	struct termios saved; /* stdin's modes before */
	sigset_t wait_mask;   /* the signal mask before: what we wait under */
};

static void screen_size(struct out *o)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
		o->width = ws.ws_col;
		o->height = ws.ws_row;
	} else {
		o->width = 80;
		o->height = 24;
	}
}

static void live_enter(struct live *lv)
{
	static char buf[1 << 16]; /* a whole frame in one write */
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a signal ends the wait */
	sigset_t ours;

	if (!lv->o.screen)
		return;
	sigemptyset(&ours);
	for (size_t i = 0; i < sizeof live_signals / sizeof live_signals[0]; i++) {
		sigaddset(&ours, live_signals[i]);
		sigaction(live_signals[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &ours, &lv->wait_mask);
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &lv->saved) == 0) {
		struct termios raw = lv->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		lv->keys = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	fputs("\x1b[?1049h\x1b[?25l", stdout); /* the alternate screen; the cursor hidden */
	fflush(stdout);
}

static void live_leave(struct live *lv)
{
	if (!lv->o.screen)
		return;
	fputs("\x1b[?25h\x1b[?1049l", stdout);
	fflush(stdout);
	if (lv->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &lv->saved);
}

static uint64_t mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

enum wake { WAKE_TICK, WAKE_QUIT, WAKE_RESIZE };

/* waits until NEXT (mono_ns), for q, or for one of our signals */
static enum wake live_wait(struct live *lv, uint64_t next)
{
	for (;;) {
		if (got_signal)
			return WAKE_QUIT;
		if (got_winch) {
			got_winch = 0;
			return WAKE_RESIZE;
		}
		uint64_t now = mono_ns();
		if (now >= next)
			return WAKE_TICK;
		struct timespec ts = {(time_t)((next - now) / 1000000000u), (long)((next - now) % 1000000000u)};
		struct pollfd p = {.fd = lv->keys ? STDIN_FILENO : -1, .events = POLLIN};
		if (ppoll(&p, 1, &ts, lv->o.screen ? &lv->wait_mask : NULL) > 0) {
			char keys[64];
			ssize_t got = p.revents & POLLIN ? read(STDIN_FILENO, keys, sizeof keys) : 0;
			if (got <= 0)
				lv->keys = false; /* stdin is gone: only signals end the run */
			else if (memchr(keys, 'q', (size_t)got) || memchr(keys, 'Q', (size_t)got))
				return WAKE_QUIT;
		}
	}
}

/* one frame: on a screen from its top, else after a blank line */
static void live_draw(struct live *lv, const struct pm_snapshot *s, const struct cli *c, const struct seen *prev,
		      long refresh)
{
	struct out *o = &lv->o;
	char when[32];
	struct tm tm;
	time_t t = (time_t)(s->time_ns / 1000000000u);
	struct line l = {.n = 0};

	if (o->screen) {
		screen_size(o);
		fputs("\x1b[H\x1b[2J", o->f);
	} else if (refresh) {
		fputc('\n', o->f);
	}
	o->lines = 0;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	add(&l, "podmem - %s - every %s - %zu %s - sorted by %s%s", when, c->interval_arg, s->n_pods,
	    s->kubernetes ? "pods" : "cgroups", c->sort >= 0 ? pm_metrics[c->sort].name : "name",
	    lv->keys ? " - q quits" : "");
	put(o, &l);
	print_table(o, s, c, prev);
}

/* Refreshes until --iterations, q or a signal. Returns an exit status, or
 * minus the signal that ended it (for the caller to die of, once it has
 * cleaned up). */
static int live(const struct cli *c, struct pm_ctx *ctx, struct pm_snapshot *snap)
{
	struct live lv = {.o = {.f = stdout, .screen = !c->json && isatty(STDOUT_FILENO)}};
	struct seen seen[2] = {{0}};
	int cur = 0, r = 0, status = CLI_OK;
	uint64_t next = mono_ns();

	live_enter(&lv);
	for (long refresh = 0;; refresh++) {
		cur = !cur;
		r = pm_sample(ctx, snap);
		if (r == 0) {
			sort_snapshot(snap, c->sort);
			r = seen_fill(&seen[cur], snap);
		}
		if (r < 0)
			break;
		if (c->json)
			print_json(stdout, snap, pm_ctx_root(ctx), c->limit > 0 ? (size_t)c->limit : SIZE_MAX);
		else
			live_draw(&lv, snap, c, &seen[!cur], refresh);
		if (fflush(stdout) || ferror(stdout) || (c->iterations && refresh + 1 == c->iterations))
			break;
		/* the next tick on the monotonic clock, skipping those a slow refresh missed */
		uint64_t now = mono_ns();
		next += c->interval;
		if (next <= now)
			next += (now - next) / c->interval * c->interval + c->interval;
		enum wake w;
		while ((w = live_wait(&lv, next)) == WAKE_RESIZE) { /* the same refresh, at the new size */
			live_draw(&lv, snap, c, &seen[!cur], refresh);
			fflush(stdout);
		}
		if (w == WAKE_QUIT)
			break;
	}
	live_leave(&lv);
	free(seen[0].slot);
	free(seen[1].slot);
	if (r < 0) {
		fprintf(stderr, "podmem: cannot sample: %s\n", strerror(-r));
		status = CLI_FAILED;
	}
	return got_signal ? -got_signal : status;
}

/* dies of signal SIG, as it would have without our handler */
static int die_of(int sig)
{
	sigset_t s;
	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	raise(sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	return 128 + sig;
}

int cli_top(int argc, char **argv)
{
	struct cli c = {.opts = PM_OPTS_INIT, .sort = PM_M_WORKING_SET};
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	struct out o = {.f = stdout};
	int r;

	if ((r = parse_args(&c, argc, argv)))
		return r == CLI_DONE ? CLI_OK : r;
	if (c.cmd != CMD_TOP) {
		if (c.json)
			(c.cmd == CMD_METRICS ? cli_json_metrics : cli_json_labels)(stdout);
		else
			(c.cmd == CMD_METRICS ? cli_print_metrics : cli_print_labels)(stdout);
		return fflush(stdout) ? 1 : 0;
	}
	if ((r = cli_start(&c.opts, &c.verbose, &ctx, c.interval ? NULL : &snap)) == CLI_USAGE)
		return r;
	if (c.interval) {
		r = live(&c, ctx, &snap);
	} else if (r == CLI_OK) {
		sort_snapshot(&snap, c.sort);
		if (c.json)
			print_json(stdout, &snap, pm_ctx_root(ctx), c.limit > 0 ? (size_t)c.limit : SIZE_MAX);
		else
			print_table(&o, &snap, &c, NULL);
	}
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "podmem: cannot write output: %s\n", strerror(errno));
		return CLI_FAILED;
	}
	return r < 0 ? die_of(-r) : r;
}
