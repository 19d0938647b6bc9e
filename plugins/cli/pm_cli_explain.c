/*
 * podmem explain POD: where one pod's memory is, in words and bytes (a bar
 * of its memory by category, the findings of common/pm_explain.c ranked by
 * bytes, each with its numbers and advice) and what memory.high would fix,
 * as text that fits 80 columns or as one JSON object (docs/json.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_cli.h"

#define WIDTH 80
#define MAX_REQUESTS 32

struct cli {
	struct pm_opts opts;
	struct pm_explain_opts xo;
	struct pm_request req[MAX_REQUESTS];
	bool json, rules, no_files;
	const char *pod;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: podmem explain [OPTION]... POD\n"
		   "Explain where a pod's memory is: a bar of its memory by category, the causes\n"
		   "ranked by bytes with the numbers behind each and what to change, and the\n"
		   "memory.high that Kubernetes Memory QoS (and koordinator) would set.\n"
		   "POD is namespace/pod, a pod name when it is unique, or a pod UID.\n\n"
		   "  --json                     print one JSON object instead\n"
		   "  --no-files                 do not scan the pod's files (podmem files) for the\n"
		   "                             files behind its tmpfs, deleted-open and cache findings\n"
		   "  --request [CTR=]BYTES      the memory request (of container CTR; without CTR,\n"
		   "                             of the only container with a limit): 512Mi, 1Gi,\n"
		   "                             1.5G, 1048576; default: memory.min, where Memory\n"
		   "                             QoS wrote it\n"
		   "  --throttling-factor F      kubelet's memoryThrottlingFactor (default 0.9)\n"
		   "  --koord-throttling-percent N\n"
		   "                             koordinator's throttlingPercent (default 80)\n"
		   "  --rules                    print the findings' rules (a Markdown table)\n");
	pm_cmdline_usage(f, 2, 29);
	fprintf(f, "  -v, --verbose              log more to stderr\n"
		   "  -h, --help                 show this help\n\n"
		   "Exit status: 0 on success, 1 when sampling fails, 2 for a bad option or an\n"
		   "unknown or ambiguous pod.\n");
}

/* ---- parsing -------------------------------------------------------------- */

/* BYTES as a Kubernetes quantity: digits with an optional fraction and
 * suffix (Ki Mi Gi Ti Pi Ei, or k M G T P E). 0 or -1. */
static int parse_bytes(const char *s, uint64_t *ret)
{
	static const struct {
		const char *sfx;
		uint64_t mult;
	} sfx[] = {{"", 1},
		   {"Ki", 1ull << 10}, {"Mi", 1ull << 20}, {"Gi", 1ull << 30}, {"Ti", 1ull << 40}, {"Pi", 1ull << 50},
		   {"Ei", 1ull << 60}, {"k", 1000ull}, {"M", 1000000ull}, {"G", 1000000000ull},
		   {"T", 1000000000000ull}, {"P", 1000000000000000ull}, {"E", 1000000000000000000ull}};
	unsigned __int128 whole = 0, frac = 0, scale = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (unsigned)(*p - '0')) > UINT64_MAX)
			return -1;
	if (p == s)
		return -1;
	if (*p == '.') {
		const char *d = ++p;
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale < (unsigned __int128)1 << 64) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
		if (p == d)
			return -1;
	}
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (!strcmp(p, sfx[i].sfx)) {
			unsigned __int128 v = whole * sfx[i].mult + frac * sfx[i].mult / scale;
			if (v > UINT64_MAX)
				return -1;
			*ret = (uint64_t)v;
			return 0;
		}
	return -1;
}

static int parse_request(struct cli *c, size_t n, char *arg)
{
	char *eq = strrchr(arg, '=');
	struct pm_request *r = &c->req[n];
	if (n == MAX_REQUESTS)
		return cli_bad("--request: more than %s of them", "32");
	r->container = NULL;
	if (eq) {
		*eq = 0;
		r->container = arg;
		arg = eq + 1;
		if (!*r->container)
			return cli_bad("--request: '=%s' names no container", arg);
	}
	if (parse_bytes(arg, &r->bytes) < 0)
		return cli_bad("--request: '%s' is not a number of bytes (512Mi, 1Gi, 1048576)", arg);
	for (size_t i = 0; i < n; i++)
		if (!c->req[i].container == !r->container && (!r->container || !strcmp(c->req[i].container, r->container)))
			return cli_bad("--request: given twice for %s", r->container ? r->container : "the pod");
	return 0;
}

static int parse_args(struct cli *c, int argc, char **argv)
{
	enum { O_JSON = 256, O_NO_FILES, O_REQUEST, O_FACTOR, O_KOORD, O_RULES, O_CORE };
	struct option lo[PM_CMDLINE_OPTS(8)] = {
		{"json", no_argument, NULL, O_JSON},
		{"no-files", no_argument, NULL, O_NO_FILES},
		{"request", required_argument, NULL, O_REQUEST},
		{"throttling-factor", required_argument, NULL, O_FACTOR},
		{"koord-throttling-percent", required_argument, NULL, O_KOORD},
		{"rules", no_argument, NULL, O_RULES},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
	};
	pm_cmdline_longopts(lo, sizeof lo / sizeof lo[0], 8, O_CORE);
	size_t nreq = 0;
	int r;

	opterr = 0;
	optind = 1;
	for (int o; (o = getopt_long(argc, argv, ":vh", lo, NULL)) != -1;) {
		char *end;
		switch (o) {
		case O_JSON: c->json = true; break;
		case O_NO_FILES: c->no_files = true; break;
		case O_RULES: c->rules = true; break;
		case 'v': c->verbose++; break;
		case 'h': usage(stdout); return CLI_DONE;
		case O_REQUEST:
			if ((r = parse_request(c, nreq, optarg)))
				return r;
			nreq++;
			break;
		case O_FACTOR:
			errno = 0;
			c->xo.throttling_factor = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(c->xo.throttling_factor > 0 && c->xo.throttling_factor <= 1))
				return cli_bad("--throttling-factor: '%s' is not a number above 0 and at most 1", optarg);
			break;
		case O_KOORD: {
			long n;
			if (!cli_count(optarg, 1, &n) || n > 100)
				return cli_bad("--koord-throttling-percent: '%s' is not a number from 1 to 100", optarg);
			c->xo.koord_throttling_percent = (unsigned)n;
			break;
		}
		case ':': return cli_bad("option '%s' needs a value", argv[optind - 1]);
		case '?': return cli_bad("unknown option '%s' (see podmem explain --help)", argv[optind - 1]);
		default:
			if (pm_cmdline_take(&c->opts, o, O_CORE, optarg) < 0)
				return cli_bad_opt(pm_core_opts[o - O_CORE].long_name, optarg);
		}
	}
	c->xo.requests = c->req;
	c->xo.n_requests = nreq;
	if (c->rules)
		return optind < argc ? cli_bad("--rules takes no POD: '%s'", argv[optind]) : 0;
	if (optind == argc)
		return cli_bad("%s", "explain: which pod? (podmem explain namespace/pod; podmem lists them)");
	if (optind + 1 < argc)
		return cli_bad("explain: one pod at a time: '%s' is one too many", argv[optind + 1]);
	c->pod = argv[optind];
	return 0;
}

/* ---- the pod ------------------------------------------------------------- */

/* "namespace/pod", or the name alone when there is no namespace (a group) */
static char *pod_label(char *buf, size_t cap, const struct pm_pod *p)
{
	snprintf(buf, cap, "%s%s%s", p->ident.namespace_, *p->ident.namespace_ ? "/" : "", p->ident.name);
	return cli_printable(buf);
}

/* The pod ARG names: namespace/pod, a unique pod name, or a UID. CLI_OK, or
 * CLI_USAGE after saying why. */
static int find_pod(const struct pm_snapshot *s, const char *arg, const struct pm_pod **ret)
{
	char err[512];
	const struct pm_container *ctr;
	if (pm_find_pod(s, arg, NULL, ret, &ctr, err, sizeof err) == 0)
		return CLI_OK;
	fprintf(stderr, "podmem: explain: %s\n", cli_printable(err));
	return CLI_USAGE;
}

/* ---- text ---------------------------------------------------------------- */

/* a growing line of text, cut at its capacity */
struct text {
	char s[8192];
	size_t n;
};

__attribute__((format(printf, 2, 3))) static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->n >= sizeof t->s - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		t->n += (size_t)k < sizeof t->s - t->n ? (size_t)k : sizeof t->s - t->n - 1;
}

/* TEXT word-wrapped to WIDTH columns, its first line after FIRST columns
 * already written, the others indented by INDENT; a word longer than a
 * line is cut */
static void wrap(FILE *f, int first, int indent, const char *text)
{
	char word[sizeof ((struct text *)0)->s];
	int col = first;
	bool fresh = true; /* nothing on this line yet */

	for (const char *p = text; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		size_t len = strcspn(p, " ");
		memcpy(word, p, len);
		word[len] = 0;
		p += len;
		const char *w = word;
		if (!fresh && col + 1 + cli_width(w) > WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		while (col + cli_width(w) > WIDTH && WIDTH - col > 0) {
			int k = cli_fit(w, WIDTH - col);
			fprintf(f, "%.*s\n%*s", k, w, indent, "");
			w += k;
			col = indent;
		}
		fputs(w, f);
		col += cli_width(w);
		fresh = false;
	}
	fputc('\n', f);
}

static const char *value_str(char *buf, size_t cap, uint64_t v, enum pm_unit u)
{
	switch (u) {
	case PM_UNIT_BYTES: return cli_bytes(buf, cap, v);
	case PM_UNIT_USEC:
		if (v >= 1000000)
			snprintf(buf, cap, "%.1fs", (double)v / 1e6);
		else
			snprintf(buf, cap, "%.1fms", (double)v / 1e3);
		return buf;
	case PM_UNIT_COUNT: break;
	}
	snprintf(buf, cap, "%llu", (unsigned long long)v);
	return buf;
}

static const char *const glyphs[PM_P__COUNT] = {
	[PM_P_ANON_ACTIVE] = "\u2588", [PM_P_ANON_INACTIVE] = "\u2593", [PM_P_FILE_ACTIVE] = "\u2592",
	[PM_P_FILE_INACTIVE] = "\u2591", [PM_P_SHMEM] = "\u259e", [PM_P_KERNEL] = "\u2584",
	[PM_P_UNACCOUNTED] = "\u2581",
};
static const char *const part_labels[PM_P__COUNT] = {
	[PM_P_ANON_ACTIVE] = "anon, active", [PM_P_ANON_INACTIVE] = "anon, inactive",
	[PM_P_FILE_ACTIVE] = "file, active", [PM_P_FILE_INACTIVE] = "file, inactive",
	[PM_P_SHMEM] = "shmem, tmpfs",	 [PM_P_KERNEL] = "kernel",
	[PM_P_UNACCOUNTED] = "unaccounted",
};

/* the bar: CELLS cells split among the parts by largest remainder */
static void print_bar(FILE *f, const struct pm_explanation *x)
{
	enum { CELLS = 76 };
	uint64_t total = 0;
	unsigned cells[PM_P__COUNT], used = 0;
	uint64_t rem[PM_P__COUNT];
	char a[32];

	for (int i = 0; i < PM_P__COUNT; i++)
		total += x->parts[i];
	if (!total) {
		fprintf(f, "  (no memory charged)\n");
		return;
	}
	for (int i = 0; i < PM_P__COUNT; i++) {
		unsigned __int128 q = (unsigned __int128)x->parts[i] * CELLS;
		cells[i] = (unsigned)(q / total);
		rem[i] = (uint64_t)(q % total);
		used += cells[i];
	}
	while (used < CELLS) { /* the largest remainders get the cells left, the first on a tie */
		int best = 0;
		for (int i = 1; i < PM_P__COUNT; i++)
			if (rem[i] > rem[best])
				best = i;
		cells[best]++;
		rem[best] = 0;
		used++;
	}
	fputs("  ", f);
	for (int i = 0; i < PM_P__COUNT; i++)
		for (unsigned k = 0; k < cells[i]; k++)
			fputs(glyphs[i], f);
	fputc('\n', f);
	/* the legend: anon and shmem on the left, file, kernel and the rest on the right */
	static const int left[] = {PM_P_ANON_ACTIVE, PM_P_ANON_INACTIVE, PM_P_SHMEM, -1};
	static const int right[] = {PM_P_FILE_ACTIVE, PM_P_FILE_INACTIVE, PM_P_KERNEL, PM_P_UNACCOUNTED};
	for (int row = 0; row < 4; row++) {
		const int sides[2] = {left[row], right[row]};
		fputs("  ", f);
		for (int s = 0; s < 2; s++) {
			int p = sides[s];
			if (p < 0) {
				fprintf(f, "%39s", "");
				continue;
			}
			fprintf(f, "%s %-15s %7s %4.0f%%%s", glyphs[p], part_labels[p], cli_bytes(a, sizeof a, x->parts[p]),
				100.0 * (double)x->parts[p] / (double)total, s == 0 ? "        " : "");
		}
		fputc('\n', f);
	}
}

static void print_header(FILE *f, const struct pm_snapshot *s, const struct pm_explanation *x)
{
	const struct pm_pod *p = x->pod;
	const struct pm_values *v = &p->val;
	char label[PM_NS_MAX + PM_NAME_MAX + 2], a[32], b[32];
	struct text t = {0};
	size_t ctrs = 0, sandboxes = 0;

	for (size_t i = 0; i < p->n_containers; i++)
		p->containers[i].ident.sandbox ? sandboxes++ : ctrs++;
	add(&t, "%s: ", pod_label(label, sizeof label, p));
	if (p->ident.kind == PM_GROUP)
		add(&t, "a cgroup (no Kubernetes here) with %zu child cgroup%s", p->n_containers, p->n_containers == 1 ? "" : "s");
	else
		add(&t, "%s pod, %zu container%s%s", *pm_qos_name(p->ident.qos) ? pm_qos_name(p->ident.qos) : "a", ctrs,
		    ctrs == 1 ? "" : "s", sandboxes ? " and the sandbox" : "");
	add(&t, "; cgroup v%d.", s->cgroup_version);
	wrap(f, 0, 2, t.s);
	t.n = 0;
	add(&t, "Usage %s", cli_human(a, sizeof a, v, PM_M_USAGE));
	if (pm_has(v, PM_M_LIMIT) && v->v[PM_M_LIMIT])
		add(&t, " of a %s limit (%.0f%%).", cli_bytes(b, sizeof b, v->v[PM_M_LIMIT]),
		    100.0 * (double)v->v[PM_M_USAGE] / (double)v->v[PM_M_LIMIT]);
	else
		add(&t, ", no limit.");
	add(&t, " Working set %s as kubelet counts it (usage - inactive file), ",
	    cli_human(a, sizeof a, v, PM_M_WORKING_SET_KUBELET));
	add(&t, "%s as SysOM does (anon + active file).", cli_human(b, sizeof b, v, PM_M_WORKING_SET));
	wrap(f, 0, 0, t.s);
	fputc('\n', f);
}

static bool is_container(const struct pm_evidence *e)
{
	return !strncmp(e->what, "container ", 10);
}

/* the evidence of F as "what value, what value; container NAME value, ..." */
static void evidence_text(struct text *t, const struct pm_finding *f)
{
	char what[PM_EVIDENCE_WHAT], a[32];
	for (unsigned i = 0; i < f->n_ev; i++) {
		snprintf(what, sizeof what, "%s", f->ev[i].what);
		add(t, "%s%s %s", !i ? "" : is_container(&f->ev[i]) != is_container(&f->ev[i - 1]) ? "; " : ", ",
		    cli_printable(what), value_str(a, sizeof a, f->ev[i].value, f->ev[i].unit));
	}
}

/* what a signal's value counts */
static const char *const counted[PM_F__COUNT] = {
	[PM_F_OOM_KILLS] = "processes killed", [PM_F_NEAR_LIMIT] = "of headroom", [PM_F_LIMIT_HITS] = "times",
	[PM_F_THROTTLED] = "times",	       [PM_F_MEMORY_PRESSURE] = "stalled",   [PM_F_DYING_CGROUPS] = "dying",
};

static void print_findings(FILE *f, const struct pm_explanation *x)
{
	char a[32];
	unsigned causes = 0, signals = 0;
	for (unsigned i = 0; i < x->n_findings; i++)
		pm_explain_rules[x->findings[i].code].signal ? signals++ : causes++;

	if (!causes)
		wrap(f, 0, 0, "No cause passes its threshold (podmem explain --rules): the memory is where the bar says, in "
			      "amounts too small to single out.");
	for (unsigned i = 0, n = 0; i < x->n_findings; i++) {
		const struct pm_finding *g = &x->findings[i];
		const struct pm_rule *r = &pm_explain_rules[g->code];
		struct text t = {0};
		if (r->signal)
			continue;
		if (!n)
			fputs("Where the memory is, largest first:\n", f);
		fprintf(f, "%2u %-18s %7s", ++n, r->code, cli_bytes(a, sizeof a, g->value));
		/* of the working set; of usage for bytes mostly outside it (inactive cache) */
		const struct pm_values *v = &x->pod->val;
		if (g->share >= 0 && g->share <= 1)
			fprintf(f, " %4.0f%% of the working set", 100 * g->share);
		else if (pm_has(v, PM_M_USAGE) && v->v[PM_M_USAGE] >= g->value)
			fprintf(f, " %4.0f%% of usage", 100.0 * (double)g->value / (double)v->v[PM_M_USAGE]);
		fputc('\n', f);
		evidence_text(&t, g);
		fputs("   ", f);
		wrap(f, 3, 3, t.s);
		fputs("   ", f);
		wrap(f, 3, 3, r->advice);
	}
	for (unsigned i = 0, n = 0; i < x->n_findings; i++) {
		const struct pm_finding *g = &x->findings[i];
		const struct pm_rule *r = &pm_explain_rules[g->code];
		struct text t = {0};
		if (!r->signal)
			continue;
		if (!n++)
			fprintf(f, "%sWhat the kernel did about it:\n", causes ? "\n" : "");
		fprintf(f, " - %-18s %s %s\n", r->code, value_str(a, sizeof a, g->value, g->unit),
			counted[g->code] ? counted[g->code] : "");
		evidence_text(&t, g);
		fputs("   ", f);
		wrap(f, 3, 3, t.s);
		fputs("   ", f);
		wrap(f, 3, 3, r->advice);
	}
}

/* what the file scan measured and could not, in words (FILES NULL: not scanned) */
static void print_files(FILE *f, const struct pm_files *files)
{
	struct text t = {.n = 0};
	char a[32], b[32];
	if (!files->residency) {
		fputs("\nFiles: not scanned.\n", f);
		return;
	}
	add(&t, "%zu files of %u processes, by %s%s: they hold %s of the pod's page cache, %s of it charged to the pod.",
	    files->n_files, files->n_procs, files->residency, files->charged_known ? " + kpagecgroup" : "",
	    cli_bytes(a, sizeof a, files->cached), files->charged_known ? cli_bytes(b, sizeof b, files->charged) : "an unknown part");
	for (unsigned i = 0; i < files->n_notes; i++)
		add(&t, " %s.", files->notes[i]);
	fputs("\nFiles: ", f);
	wrap(f, 7, 3, t.s);
}

/* what memory.high E would do, in words, after WHO ("Memory QoS ... would set") */
static void effect_text(struct text *t, const struct pm_values *v, const struct pm_high_effect *e)
{
	char a[32], b[32], c[32], d[32], w[32];
	add(t, "memory.high %s.", cli_bytes(a, sizeof a, e->high));
	if (!e->over) {
		add(t, " Usage %s is under it: nothing is reclaimed now, and growth beyond it would be reclaimed or "
		       "throttled.",
		    cli_human(a, sizeof a, v, PM_M_USAGE));
		return;
	}
	add(t, " Usage %s is %s over it:", cli_human(a, sizeof a, v, PM_M_USAGE), cli_bytes(b, sizeof b, e->over));
	if (e->reclaim)
		add(t, " the kernel would reclaim %s of page cache first (%s inactive, %s active),",
		    cli_bytes(a, sizeof a, e->reclaim), cli_bytes(b, sizeof b, e->reclaim - e->reclaim_active),
		    cli_bytes(c, sizeof c, e->reclaim_active));
	if (e->reclaim_active)
		add(t, " and kubelet's working set would fall by %s, to %s.", cli_bytes(d, sizeof d, e->reclaim_active),
		    cli_bytes(w, sizeof w, e->ws_kubelet_after));
	else if (e->reclaim)
		add(t, " and kubelet's working set would stay %s: inactive cache is outside it.",
		    cli_bytes(w, sizeof w, e->ws_kubelet_after));
	if (e->stuck)
		add(t, " %s %s anonymous, shmem or kernel memory that cannot be reclaimed without swap: it would be "
		       "throttled there.",
		    cli_bytes(a, sizeof a, e->stuck), e->reclaim ? "more is" : "is");
}

static const char *const request_from[] = {
	[PM_REQ_UNKNOWN] = "", [PM_REQ_MIN] = "memory.min", [PM_REQ_OPTION] = "--request",
	[PM_REQ_GUARANTEED] = "guaranteed: request = limit"};

static void print_fix(FILE *f, const struct pm_snapshot *s, const struct pm_explanation *x)
{
	char a[32], b[32], c[32], d[32], who[PM_NAME_MAX + 16];

	fputs("\nThe fix: memory.high (Kubernetes Memory QoS, koordinator)\n", f);
	if (!x->n_fixes) {
		wrap(f, 0, 0, "No limit on the pod or its containers: Memory QoS would compute memory.high from the "
			      "node's allocatable memory, which podmem does not know.");
		return;
	}
	for (size_t i = 0; i < x->n_fixes; i++) {
		const struct pm_fix *fx = &x->fixes[i];
		const struct pm_values *v = fx->val;
		struct text t = {0};
		if (fx->ctr)
			snprintf(who, sizeof who, "container %s", fx->ctr->ident.name);
		else
			snprintf(who, sizeof who, "the pod");
		cli_printable(who);
		if (s->cgroup_version == 1)
			add(&t, "%s: memory limit %s (cgroup v1 has no memory.min, low or high).", who,
			    cli_bytes(d, sizeof d, v->v[PM_M_LIMIT]));
		else
			add(&t, "%s: memory.min %s, low %s, high %s, max %s.", who, cli_human(a, sizeof a, v, PM_M_MIN),
			    cli_human(b, sizeof b, v, PM_M_LOW),
			    pm_has(v, PM_M_HIGH) ? cli_bytes(c, sizeof c, v->v[PM_M_HIGH]) : "max",
			    cli_bytes(d, sizeof d, v->v[PM_M_LIMIT]));
		if (fx->request_from == PM_REQ_UNKNOWN) {
			char name[PM_NAME_MAX + 1] = "";
			if (x->n_fixes > 1 && fx->ctr)
				snprintf(name, sizeof name, "%s=", fx->ctr->ident.name);
			add(&t, " The request is unknown: %s; give --request %sBYTES.",
			    s->cgroup_version == 1 ? "cgroup v1 has no memory.min to read it from"
						   : "memory.min is 0, so Memory QoS is off",
			    cli_printable(name));
			fputs("  ", f);
			wrap(f, 2, 4, t.s);
			continue;
		}
		add(&t, " Request %s (%s).", cli_bytes(a, sizeof a, fx->request), request_from[fx->request_from]);
		if (fx->qos_none)
			add(&t, " Memory QoS sets no memory.high when the request is not below the limit.");
		else {
			add(&t, " Memory QoS (memoryThrottlingFactor %g) would set ", x->throttling_factor);
			effect_text(&t, v, &fx->qos);
		}
		if (fx->koord.high) {
			add(&t, " koordinator (throttlingPercent %u) would set ", x->koord_throttling_percent);
			effect_text(&t, v, &fx->koord);
		}
		if (s->cgroup_version == 1)
			add(&t, " (Memory QoS needs cgroup v2: this is what it would do after the move.)");
		fputs("  ", f);
		wrap(f, 2, 4, t.s);
	}
}

/* ---- JSON ---------------------------------------------------------------- */

static const char *unit_key(enum pm_unit u)
{
	return u == PM_UNIT_BYTES ? "bytes" : u == PM_UNIT_USEC ? "usec" : "count";
}

static void json_metric(FILE *f, const struct pm_values *v, enum pm_metric m, const char *key)
{
	if (pm_has(v, m))
		fprintf(f, ",\"%s\":%llu", key ? key : pm_metrics[m].name, (unsigned long long)v->v[m]);
}

static void json_effect(FILE *f, const char *key, const struct pm_high_effect *e)
{
	fprintf(f,
		",\"%s\":{\"high\":%llu,\"over\":%llu,\"reclaim\":%llu,\"reclaim_inactive\":%llu,\"reclaim_active\":%llu,"
		"\"unreclaimable\":%llu,\"working_set_kubelet_after\":%llu}",
		key, (unsigned long long)e->high, (unsigned long long)e->over, (unsigned long long)e->reclaim,
		(unsigned long long)(e->reclaim - e->reclaim_active), (unsigned long long)e->reclaim_active,
		(unsigned long long)e->stuck, (unsigned long long)e->ws_kubelet_after);
}

static void print_json(FILE *f, const struct pm_snapshot *s, const struct pm_explanation *x, const struct pm_files *files)
{
	const struct pm_pod *p = x->pod;
	struct pm_entity e = {.level = PM_LEVEL_POD, .val = &p->val, .pod = p};

	fprintf(f, "{\"podmem\":\"%s\",\"cgroup_version\":%d,\"pod\":{", PODMEM_VERSION, s->cgroup_version);
	for (int l = 0, n = 0; l < PM_L__COUNT; l++) {
		const char *v = pm_labels[l].owner == PM_LEVEL_POD ? pm_label_value(&e, (enum pm_label)l, NULL) : NULL;
		if (!v)
			continue;
		fprintf(f, "%s\"%s\":", n++ ? "," : "", pm_labels[l].name);
		cli_json_str(f, v);
	}
	fputc('}', f);
	static const enum pm_metric head[] = {PM_M_USAGE, PM_M_LIMIT, PM_M_WORKING_SET, PM_M_WORKING_SET_KUBELET};
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		json_metric(f, &p->val, head[i], NULL);
	fputs(",\"breakdown\":{", f);
	for (int i = 0; i < PM_P__COUNT; i++)
		fprintf(f, "%s\"%s\":%llu", i ? "," : "", pm_part_names[i], (unsigned long long)x->parts[i]);
	fputs("},\"findings\":[", f);
	for (unsigned i = 0; i < x->n_findings; i++) {
		const struct pm_finding *g = &x->findings[i];
		const struct pm_rule *r = &pm_explain_rules[g->code];
		fprintf(f, "%s{\"code\":\"%s\",\"kind\":\"%s\",\"%s\":%llu", i ? "," : "", r->code,
			r->signal ? "signal" : "cause", unit_key(g->unit), (unsigned long long)g->value);
		if (g->share >= 0)
			fprintf(f, ",\"share\":%.4f", g->share);
		fputs(",\"evidence\":[", f);
		for (unsigned k = 0; k < g->n_ev; k++) {
			fprintf(f, "%s{\"what\":", k ? "," : "");
			cli_json_str(f, g->ev[k].what);
			fprintf(f, ",\"%s\":%llu}", unit_key(g->ev[k].unit), (unsigned long long)g->ev[k].value);
		}
		fputs("],\"advice\":", f);
		cli_json_str(f, r->advice);
		fputc('}', f);
	}
	fprintf(f, "],\"fix\":{\"page_size\":%llu,\"throttling_factor\":%g,\"koord_throttling_percent\":%u,\"cgroups\":[",
		(unsigned long long)x->page_size, x->throttling_factor, x->koord_throttling_percent);
	for (size_t i = 0; i < x->n_fixes; i++) {
		const struct pm_fix *fx = &x->fixes[i];
		fprintf(f, "%s{\"container\":", i ? "," : "");
		if (fx->ctr)
			cli_json_str(f, fx->ctr->ident.name);
		else
			fputs("null", f);
		json_metric(f, fx->val, PM_M_MIN, NULL);
		json_metric(f, fx->val, PM_M_LOW, NULL);
		json_metric(f, fx->val, PM_M_HIGH, NULL);
		json_metric(f, fx->val, PM_M_LIMIT, "max");
		/* what the effects below are computed from */
		static const enum pm_metric now[] = {PM_M_USAGE, PM_M_INACTIVE_FILE, PM_M_ACTIVE_FILE,
						     PM_M_WORKING_SET_KUBELET};
		for (size_t k = 0; k < sizeof now / sizeof now[0]; k++)
			json_metric(f, fx->val, now[k], NULL);
		if (fx->request_from != PM_REQ_UNKNOWN) {
			static const char *const from[] = {[PM_REQ_MIN] = "memory.min", [PM_REQ_OPTION] = "option",
							   [PM_REQ_GUARANTEED] = "guaranteed"};
			fprintf(f, ",\"request\":%llu,\"request_from\":\"%s\"", (unsigned long long)fx->request,
				from[fx->request_from]);
			if (fx->qos_none)
				fputs(",\"memory_qos\":null", f);
			else
				json_effect(f, "memory_qos", &fx->qos);
			if (fx->koord.high)
				json_effect(f, "koordinator", &fx->koord);
		}
		fputc('}', f);
	}
	fputs("]}", f);
	if (files->residency) {
		fprintf(f, ",\"files\":{\"files\":%zu,\"processes\":%u,\"residency\":\"%s\",\"cached\":%llu",
			files->n_files, files->n_procs, files->residency, (unsigned long long)files->cached);
		if (files->charged_known)
			fprintf(f, ",\"charged\":%llu", (unsigned long long)files->charged);
		fputs(",\"notes\":[", f);
		for (unsigned i = 0; i < files->n_notes; i++) {
			fputs(i ? "," : "", f);
			cli_json_str(f, files->notes[i]);
		}
		fputs("]}", f);
	}
	fputs("}\n", f);
}

/* ---- the rules, as the README's table ------------------------------------- */

static void print_rules(FILE *f)
{
	char a[32];
	fputs("| code | kind | value | fires when | advice |\n|---|---|---|---|---|\n", f);
	for (int i = 0; i < PM_F__COUNT; i++) {
		const struct pm_rule *r = &pm_explain_rules[i];
		fprintf(f, "| `%s` | %s | %s | ", r->code, r->signal ? "signal" : "cause", r->measures);
		if (!r->signal)
			fprintf(f, "at least %s and %.1f%% of the working set", cli_bytes(a, sizeof a, r->min_bytes),
				r->min_permille / 10.0);
		else if (r->min_permille)
			fprintf(f, "a working set (pod or container) at least %.0f%% of its limit", r->min_permille / 10.0);
		else if (i == PM_F_MEMORY_PRESSURE)
			fprintf(f, "at least %s", value_str(a, sizeof a, r->min_value, PM_UNIT_USEC));
		else
			fprintf(f, "at least %llu", (unsigned long long)r->min_value);
		fprintf(f, " | %s |\n", r->advice);
	}
}

/* ---- the command ----------------------------------------------------------- */

/* a --request that names no container of POD: says which, and POD's containers */
static int bad_request(const struct cli *c, const struct pm_pod *pod)
{
	char label[PM_NS_MAX + PM_NAME_MAX + 2], name[PM_NAME_MAX];
	for (size_t i = 0; i < c->xo.n_requests; i++) {
		const char *want = c->req[i].container;
		size_t k = 0;
		while (want && k < pod->n_containers && strcmp(pod->containers[k].ident.name, want))
			k++;
		if (!want || k < pod->n_containers)
			continue;
		snprintf(name, sizeof name, "%s", want);
		fprintf(stderr, "podmem: --request: %s has no container '%s' (it has:", pod_label(label, sizeof label, pod),
			cli_printable(name));
		for (k = 0; k < pod->n_containers; k++) {
			snprintf(name, sizeof name, "%s", pod->containers[k].ident.name);
			fprintf(stderr, " %s", cli_printable(name));
		}
		fputs(")\n", stderr);
		break;
	}
	return CLI_USAGE;
}

/* The pod's files, for the evidence; what the scan lacked the right to see
 * is in its notes, printed with the findings (which stand without it). */
static void explain_files(struct pm_ctx *ctx, const struct pm_pod *pod, struct pm_explanation *x, struct pm_files *files)
{
	struct pm_files_opts fo = PM_FILES_OPTS_INIT;
	int e = pm_files_scan(ctx, pod, &fo, files);
	if (e < 0) {
		fprintf(stderr, "podmem: explain: cannot scan the pod's files: %s\n", strerror(-e));
		return;
	}
	pm_explain_files(x, files);
}

int cli_explain(int argc, char **argv)
{
	struct cli c = {.opts = PM_OPTS_INIT};
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	struct pm_explanation *x = NULL;
	struct pm_files files = {0};
	const struct pm_pod *pod = NULL;
	int r;

	if ((r = parse_args(&c, argc, argv)))
		return r == CLI_DONE ? CLI_OK : r;
	if (c.rules) {
		print_rules(stdout);
		return fflush(stdout) ? CLI_FAILED : CLI_OK;
	}
	if ((r = cli_start(&c.opts, &c.verbose, &ctx, &snap)) == CLI_USAGE)
		return r;
	if (r == CLI_OK && (r = find_pod(&snap, c.pod, &pod)) == CLI_OK) {
		x = calloc(1, sizeof *x);
		int e = x ? pm_explain(&snap, pod, &c.xo, x) : -ENOMEM;
		if (e == -ENOENT) {
			r = bad_request(&c, pod);
		} else if (e < 0) {
			fprintf(stderr, "podmem: explain: %s\n", strerror(-e));
			r = CLI_FAILED;
		} else {
			if (!c.no_files)
				explain_files(ctx, pod, x, &files);
			if (c.json) {
				print_json(stdout, &snap, x, &files);
			} else {
				print_header(stdout, &snap, x);
				print_bar(stdout, x);
				fputc('\n', stdout);
				print_findings(stdout, x);
				print_files(stdout, &files);
				print_fix(stdout, &snap, x);
			}
		}
	}
	pm_files_free(&files);
	pm_explanation_free(x);
	free(x);
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "podmem: cannot write output: %s\n", strerror(errno));
		return CLI_FAILED;
	}
	return r;
}
