/*
 * podmem files POD: the files that hold a pod's page cache, ranked by the
 * bytes charged to the pod (cached bytes where that is unknown), with who
 * holds them, as a table or as JSON (docs/json.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "pm_cli.h"

#define COVERAGE_LOW 80 /* percent: below it, the closing line says what is likely left */

struct files_cli {
	struct pm_opts opts;
	struct pm_files_opts fo;
	const char *pod;
	long limit; /* -n: rows; 0 = all */
	bool json;
	int verbose;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: podmem files POD [OPTION]...\n"
		   "Show the files that hold POD's page cache: what is cached, dirty and charged to the\n"
		   "pod, and which processes hold each. POD is namespace/pod, a pod name when it is\n"
		   "unique, or a pod UID.\n\n"
		   "  --container NAME     only this container's processes, layer and cgroup\n"
		   "  -n, --top N          show the first N files (default 20; 0: all)\n"
		   "  --max-files N        the directory walks' budget of entries (default %d)\n"
		   "  --kubelet-dir DIR    where pods' volumes are (default /var/lib/kubelet)\n"
		   "  --residency METHOD   auto (default), cachestat or mincore\n"
		   "  --no-charged         do not tell which cgroup the pages are charged to (faster)\n"
		   "  --json               print the result as JSON\n",
		PM_FILES_MAX_DEFAULT);
	pm_cmdline_usage(f, 2, 23);
	fprintf(f, "  -v, --verbose        log more to stderr\n"
		   "  -h, --help           show this help\n\n"
		   "Exit status: 0 on success, 1 when the scan fails, 2 for a bad option or an unknown pod.\n");
}

/* the command line into C: CLI_OK to run, CLI_DONE after --help, CLI_USAGE (said why) */
static int parse_args(struct files_cli *c, int argc, char **argv)
{
	enum { O_JSON = 256, O_CONTAINER, O_MAX_FILES, O_KUBELET, O_RESIDENCY, O_NO_CHARGED, O_CORE };
	struct option lo[PM_CMDLINE_OPTS(9)] = {
		{"json", no_argument, NULL, O_JSON},
		{"container", required_argument, NULL, O_CONTAINER},
		{"top", required_argument, NULL, 'n'},
		{"max-files", required_argument, NULL, O_MAX_FILES},
		{"kubelet-dir", required_argument, NULL, O_KUBELET},
		{"residency", required_argument, NULL, O_RESIDENCY},
		{"no-charged", no_argument, NULL, O_NO_CHARGED},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
	};
	pm_cmdline_longopts(lo, sizeof lo / sizeof lo[0], 9, O_CORE);
	long n;

	optind = 1;
	opterr = 0;
	for (int o; (o = getopt_long(argc, argv, ":n:vh", lo, NULL)) != -1;) {
		switch (o) {
		case O_JSON: c->json = true; break;
		case O_NO_CHARGED: c->fo.no_charged = true; break;
		case 'v': c->verbose++; break;
		case 'h': usage(stdout); return CLI_DONE;
		case O_CONTAINER:
			if (!*optarg)
				return cli_bad("--%s: empty value", "container");
			c->fo.container = optarg;
			break;
		case O_KUBELET:
			if (!*optarg)
				return cli_bad("--%s: empty value", "kubelet-dir");
			c->fo.kubelet_dir = optarg;
			break;
		case 'n':
			if (!cli_count(optarg, 0, &c->limit))
				return cli_bad("--top: '%s' is not a number >= 0", optarg);
			break;
		case O_MAX_FILES:
			if (!cli_count(optarg, 1, &n))
				return cli_bad("--max-files: '%s' is not a positive number", optarg);
			c->fo.max_files = (size_t)n;
			break;
		case O_RESIDENCY:
			if (!strcmp(optarg, "auto"))
				c->fo.residency = PM_RES_AUTO;
			else if (!strcmp(optarg, "cachestat"))
				c->fo.residency = PM_RES_CACHESTAT;
			else if (!strcmp(optarg, "mincore"))
				c->fo.residency = PM_RES_MINCORE;
			else
				return cli_bad("--residency: '%s' is not auto, cachestat or mincore", optarg);
			break;
		case ':': return cli_bad("option '%s' needs a value", argv[optind - 1]);
		case '?': return cli_bad("unknown option '%s' (see podmem files --help)", argv[optind - 1]);
		default:
			if (pm_cmdline_take(&c->opts, o, O_CORE, optarg) < 0)
				return cli_bad_opt(pm_core_opts[o - O_CORE].long_name, optarg);
		}
	}
	if (optind >= argc)
		return cli_bad("%s: which pod? (podmem files POD; see --help)", "files");
	if (optind + 1 < argc)
		return cli_bad("files: one pod only ('%s' is one too many)", argv[optind + 1]);
	c->pod = argv[optind];
	return 0;
}

/* ---- text ---------------------------------------------------------------------- */

/* X bytes for a sentence: "1.91 GiB", "512 KiB", "100 B" */
static const char *bytes_words(char *buf, size_t cap, uint64_t x)
{
	char b[32];
	cli_bytes(b, sizeof b, x);
	size_t n = strcspn(b, "BKMGTPE");
	snprintf(buf, cap, "%.*s %s%s", (int)n, b, b + n, b[n] == 'B' ? "" : "B");
	return buf;
}

/* PATH in W columns: cut at the left with "…" when longer */
static void print_path(FILE *f, const char *path, int w)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	cli_printable(buf);
	int have = cli_width(buf);
	if (have <= w) {
		fprintf(f, "%s%*s", buf, w - have, "");
		return;
	}
	fprintf(f, "…%s", buf + cli_fit(buf, have - (w - 1)));
}

/* the first holder ("1234 nginx") into BUF, and the others' count (" +2") into MORE */
static void holders_text(const struct pm_file *r, char *buf, size_t cap, char *more, size_t more_cap)
{
	*more = 0;
	if (!r->n_holders) {
		snprintf(buf, cap, "-");
		return;
	}
	if (r->n_holders > 1)
		snprintf(more, more_cap, " +%u", r->n_holders - 1);
	snprintf(buf, cap, "%d %s", r->holder[0].pid, r->holder[0].comm);
	cli_printable(buf);
}

static int holders_width(const struct pm_file *r)
{
	char buf[64], more[16];
	holders_text(r, buf, sizeof buf, more, sizeof more);
	return cli_width(buf) + (int)strlen(more);
}

/* "1234 nginx +2" in W columns */
static void print_holders(FILE *f, const struct pm_file *r, int w)
{
	char buf[64], more[16];
	holders_text(r, buf, sizeof buf, more, sizeof more);
	int room = w - (int)strlen(more);
	fprintf(f, "%.*s%s", cli_fit(buf, room > 0 ? room : 0), buf, more);
}

/* PREFIX and TEXT, wrapped at spaces to 80 columns; the next lines indented by PREFIX's width */
static void print_wrapped(FILE *f, const char *prefix, const char *text)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", text);
	cli_printable(buf);
	int indent = cli_width(prefix), col = indent;
	fputs(prefix, f);
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
		int n = cli_width(w);
		if (col > indent && col + 1 + n > 80) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
		}
		fprintf(f, "%s%s", col > indent ? " " : "", w);
		col += (col > indent) + n;
	}
	fputc('\n', f);
}

static int term_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 60)
		return ws.ws_col;
	return 80;
}

static const char *pod_label(char *buf, size_t cap, const struct pm_pod *p, const struct pm_files_opts *fo)
{
	snprintf(buf, cap, "%s%s%s%s%s", p->ident.namespace_, *p->ident.namespace_ ? "/" : "", p->ident.name,
		 fo->container ? " container " : "", fo->container ? fo->container : "");
	return cli_printable(buf);
}

static void print_coverage(FILE *f, const struct pm_files *r)
{
	char a[32], b[32], c[32];
	uint64_t found = r->charged_known ? r->charged : r->cached;
	const char *what = r->charged_known ? "" : " cached";
	if (!r->pod_cache_known) {
		fprintf(f, "files found hold %s%s; the pod's page cache is unknown\n", bytes_words(a, sizeof a, found), what);
		return;
	}
	if (!r->pod_cache) {
		fprintf(f, "files found hold %s%s; the pod has no page cache\n", bytes_words(a, sizeof a, found), what);
		return;
	}
	unsigned pct = (unsigned)(found * 100.0 / (double)r->pod_cache + 0.5);
	fprintf(f, "files found hold %s%s of the pod's %s page cache, %u%%\n", bytes_words(a, sizeof a, found), what,
		bytes_words(b, sizeof b, r->pod_cache), pct);
	if (pct < COVERAGE_LOW && found < r->pod_cache) {
		char rest[256];
		snprintf(rest, sizeof rest,
			 "the other %s is likely cache of files no process holds and no walked directory contains "
			 "(files read and closed, an exited container's files)",
			 bytes_words(c, sizeof c, r->pod_cache - found));
		print_wrapped(f, "", rest);
	}
}

static void print_table(FILE *f, const struct pm_pod *pod, const struct files_cli *c, const struct pm_files *r)
{
	char label[PM_NS_MAX + 2 * PM_NAME_MAX + 16], a[32], b[32];
	bool states = false;
	for (size_t i = 0; i < r->n_files; i++)
		states |= r->files[i].states_known;
	fprintf(f, "pod %s: %u process%s, %zu file%s, by %s%s\n", pod_label(label, sizeof label, pod, &c->fo), r->n_procs,
		r->n_procs == 1 ? "" : "es", r->n_files, r->n_files == 1 ? "" : "s", r->residency,
		r->charged_known ? " + kpagecgroup" : "");
	for (size_t i = 0; i < r->n_mounts; i++) {
		char mp[4096];
		snprintf(mp, sizeof mp, "%s", r->mounts[i].path);
		fprintf(f, "tmpfs %s: %s used of %s\n", cli_printable(mp), bytes_words(a, sizeof a, r->mounts[i].used),
			bytes_words(b, sizeof b, r->mounts[i].size));
	}
	/* the columns: PATH takes what the others leave */
	size_t shown = c->limit > 0 && (size_t)c->limit < r->n_files ? (size_t)c->limit : r->n_files;
	int nums = 2 + (states ? 3 : 0) + r->charged_known, hold_w = 7; /* "HOLDERS" */
	for (size_t i = 0; i < shown; i++)
		if (holders_width(&r->files[i]) > hold_w)
			hold_w = holders_width(&r->files[i]) < 16 ? holders_width(&r->files[i]) : 16;
	int path_w = term_width() - nums * 7 - 3 - 1 - hold_w;
	if (path_w < 16)
		path_w = 16;
	fprintf(f, "%-*s %6s %6s", path_w, "PATH", "SIZE", "CACHED");
	if (states)
		fprintf(f, " %6s %6s %6s", "DIRTY", "WB", "EVICT");
	if (r->charged_known)
		fprintf(f, " %6s", "CHARGD");
	fprintf(f, " %-2s %s\n", "FL", "HOLDERS");
	for (size_t i = 0; i < shown; i++) {
		const struct pm_file *x = &r->files[i];
		char v[6][32];
		print_path(f, x->path, path_w);
		fprintf(f, " %6s %6s", cli_bytes(v[0], sizeof v[0], x->size), cli_bytes(v[1], sizeof v[1], x->cached));
		if (states && x->states_known)
			fprintf(f, " %6s %6s %6s", cli_bytes(v[2], sizeof v[2], x->dirty), cli_bytes(v[3], sizeof v[3], x->writeback),
				cli_bytes(v[4], sizeof v[4], x->recently_evicted));
		else if (states)
			fprintf(f, " %6s %6s %6s", "-", "-", "-");
		if (r->charged_known)
			fprintf(f, " %6s", cli_bytes(v[5], sizeof v[5], x->charged));
		fprintf(f, " %c%c ", x->deleted ? 'D' : '-', x->tmpfs ? 'T' : '-');
		print_holders(f, x, hold_w);
		fputc('\n', f);
	}
	if (shown < r->n_files)
		fprintf(f, "(%zu more files; -n to show more)  FL: D deleted, T tmpfs; EVICT: recently evicted\n",
			r->n_files - shown);
	else
		fprintf(f, "FL: D deleted, T tmpfs; EVICT: recently evicted\n");
	for (unsigned i = 0; i < r->n_notes; i++)
		print_wrapped(f, "note: ", r->notes[i]);
	print_coverage(f, r);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_u64(FILE *f, const char *key, uint64_t v)
{
	fprintf(f, ",\"%s\":%llu", key, (unsigned long long)v);
}

static void json_file(FILE *f, const struct pm_file *x, bool charged)
{
	static const char *const from[] = {"fd", "map", "tmpfs", "layer", "volume"};
	fputs("{\"path\":", f);
	cli_json_str(f, x->path);
	fprintf(f, ",\"dev\":\"%u:%u\",\"ino\":%llu", major(x->dev), minor(x->dev), (unsigned long long)x->ino);
	json_u64(f, "size", x->size);
	json_u64(f, "cached", x->cached);
	if (x->states_known) {
		json_u64(f, "dirty", x->dirty);
		json_u64(f, "writeback", x->writeback);
		json_u64(f, "evicted", x->evicted);
		json_u64(f, "recently_evicted", x->recently_evicted);
	}
	if (charged)
		json_u64(f, "charged", x->charged);
	fprintf(f, ",\"deleted\":%s,\"tmpfs\":%s,\"from\":[", x->deleted ? "true" : "false", x->tmpfs ? "true" : "false");
	for (unsigned b = 0, k = 0; b < 5; b++)
		if (x->from & (1u << b))
			fprintf(f, "%s\"%s\"", k++ ? "," : "", from[b]);
	fprintf(f, "],\"holders_total\":%u,\"holders\":[", x->n_holders);
	for (unsigned h = 0; h < x->n_holders && h < PM_FILE_HOLDERS; h++) {
		fprintf(f, "%s{\"pid\":%d,\"comm\":", h ? "," : "", x->holder[h].pid);
		cli_json_str(f, x->holder[h].comm);
		if (x->holder[h].fd >= 0)
			fprintf(f, ",\"fd\":%d}", x->holder[h].fd);
		else
			fputs(",\"fd\":null}", f);
	}
	fputs("]}", f);
}

static void print_json(FILE *f, const struct pm_pod *pod, const struct files_cli *c, const struct pm_files *r)
{
	static const char *const caps[] = {"CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH", "CAP_SYS_ADMIN"};
	fprintf(f, "{\"podmem\":\"%s\",\"namespace\":", PODMEM_VERSION);
	cli_json_str(f, pod->ident.namespace_);
	fputs(",\"pod\":", f);
	cli_json_str(f, pod->ident.name);
	fputs(",\"pod_uid\":", f);
	cli_json_str(f, pod->ident.uid);
	fputs(",\"container\":", f);
	if (c->fo.container)
		cli_json_str(f, c->fo.container);
	else
		fputs("null", f);
	fprintf(f, ",\"residency\":\"%s\",\"mincore_files\":%zu,\"charged_known\":%s", r->residency, r->n_mincore,
		r->charged_known ? "true" : "false");
	if (!r->charged_known) {
		fputs(",\"charged_why\":", f);
		cli_json_str(f, r->charged_why);
	}
	fprintf(f, ",\"processes\":%u,\"max_files\":%zu,\"walked\":%zu,\"budget_hit\":%s", r->n_procs, r->max_files,
		r->walked, r->budget_hit ? "true" : "false");
	if (r->pod_cache_known)
		json_u64(f, "pod_cache", r->pod_cache);
	json_u64(f, "cached", r->cached);
	if (r->charged_known)
		json_u64(f, "charged", r->charged);
	json_u64(f, "raced_pages", r->raced_pages);
	fputs(",\"need\":[", f);
	for (unsigned b = 0, k = 0; b < 3; b++)
		if (r->need & (1u << b))
			fprintf(f, "%s\"%s\"", k++ ? "," : "", caps[b]);
	fputs("],\"notes\":[", f);
	for (unsigned i = 0; i < r->n_notes; i++) {
		fputs(i ? "," : "", f);
		cli_json_str(f, r->notes[i]);
	}
	fputs("],\"mounts\":[", f);
	for (size_t i = 0; i < r->n_mounts; i++) {
		fputs(i ? ",{\"path\":" : "{\"path\":", f);
		cli_json_str(f, r->mounts[i].path);
		fprintf(f, ",\"dev\":\"%u:%u\"", major(r->mounts[i].dev), minor(r->mounts[i].dev));
		json_u64(f, "used", r->mounts[i].used);
		json_u64(f, "size", r->mounts[i].size);
		fputc('}', f);
	}
	size_t shown = c->limit > 0 && (size_t)c->limit < r->n_files ? (size_t)c->limit : r->n_files;
	fprintf(f, "],\"files_total\":%zu,\"files\":[", r->n_files);
	for (size_t i = 0; i < shown; i++) {
		fputs(i ? "," : "", f);
		json_file(f, &r->files[i], r->charged_known);
	}
	fputs("]}\n", f);
}

int cli_files(int argc, char **argv)
{
	struct files_cli c = {.opts = PM_OPTS_INIT, .fo = PM_FILES_OPTS_INIT, .limit = 20};
	struct pm_ctx *ctx;
	struct pm_snapshot snap = {0};
	struct pm_files res = {0};
	const struct pm_pod *pod;
	char err[512];
	int r;

	if ((r = parse_args(&c, argc, argv)))
		return r == CLI_DONE ? CLI_OK : r;
	if ((r = cli_start(&c.opts, &c.verbose, &ctx, &snap)) == CLI_USAGE)
		return r;
	if (r == CLI_OK && pm_find_pod(&snap, c.pod, c.fo.container, &pod, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "podmem: %s\n", cli_printable(err));
		r = CLI_USAGE;
	} else if (r == CLI_OK && (r = pm_files_scan(ctx, pod, &c.fo, &res)) < 0) {
		fprintf(stderr, "podmem: cannot scan the files of %s: %s\n", c.pod,
			r == -ENOSYS ? "this kernel has no cachestat (try --residency mincore)" : strerror(-r));
		r = CLI_FAILED;
	} else if (r == CLI_OK) {
		(c.json ? print_json : print_table)(stdout, pod, &c, &res);
	}
	pm_files_free(&res);
	pm_snapshot_free(&snap);
	pm_ctx_close(ctx);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "podmem: cannot write output: %s\n", strerror(errno));
		return CLI_FAILED;
	}
	return r;
}
