/* libFuzzer: podmem [top]'s command line (plugins/cli/pm_cli_top.c's
 * parse_args), the input as its argv. It returns CLI_OK, CLI_DONE (help,
 * version) or CLI_USAGE; what it accepted is sane (a pod metric or the name
 * to sort by, a count, --iterations only with --interval) and equals what
 * the reference walk of fuzz_argv.h finds. */
#include "fuzz_argv.h"
#include "pm_cli_top.c"

enum { R_JSON, R_SORT, R_TOP, R_CONTAINERS, R_VERBOSE, R_HELP, R_VERSION, R_INTERVAL, R_ITERATIONS, R__OURS };
static const struct ref_opt ours[R__OURS] = {
	[R_JSON] = {"json", 0, false},        [R_SORT] = {"sort", 0, true},       [R_TOP] = {"top", 'n', true},
	[R_CONTAINERS] = {"containers", 0, false}, [R_VERBOSE] = {"verbose", 'v', false},
	[R_HELP] = {"help", 'h', false},      [R_VERSION] = {"version", 'V', false},
	[R_INTERVAL] = {"interval", 0, true}, [R_ITERATIONS] = {"iterations", 0, true},
};

struct ref {
	bool json, containers, done;
	int verbose;
	const char *sort, *top, *iterations, *interval;
	struct ref_core core;
};

static void take(void *ud, size_t i, const char *val)
{
	struct ref *r = ud;
	switch (i) {
	case R_JSON: r->json = true; break;
	case R_CONTAINERS: r->containers = true; break;
	case R_VERBOSE: r->verbose++; break;
	case R_HELP: case R_VERSION: r->done = true; break;
	case R_SORT: r->sort = val; break;
	case R_TOP: r->top = val; break;
	case R_INTERVAL: r->interval = val; break;
	case R_ITERATIONS: r->iterations = val; break;
	default: r->core.v[i - R__OURS] = val;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_opt t[R__OURS + PM_OPT__COUNT];
	static size_t nt;
	char *argv[64], *buf;
	int argc = fuzz_args_begin(t, &nt, ours, R__OURS, data, size, "podmem", argv, &buf);
	if (argc < 0)
		return 0;
	char *orig[64];
	memcpy(orig, argv, sizeof orig); /* getopt permutes argv */

	struct cli c = {.opts = PM_OPTS_INIT, .sort = PM_M_WORKING_SET};
	getopt_reset();
	int r = parse_args(&c, argc, argv);
	CHECK(r == CLI_OK || r == CLI_DONE || r == CLI_USAGE);
	if (r == CLI_OK) {
		CHECK(c.sort == -1 || (c.sort >= 0 && c.sort < PM_M__COUNT && pm_metric_at((enum pm_metric)c.sort, PM_LEVEL_POD)));
		CHECK(c.limit >= 0 && c.iterations >= 0 && (!c.iterations || c.interval));
		CHECK(!c.interval_arg == !c.interval);
		CHECK(c.cmd == CMD_TOP || c.cmd == CMD_METRICS || c.cmd == CMD_LABELS);
		struct ref ref = {0};
		if (ref_walk(argc, orig, t, nt, take, &ref)) {
			CHECK(!ref.done && c.json == ref.json && c.containers == ref.containers && c.verbose == ref.verbose);
			CHECK(MUTANT(c.limit) == (ref.top ? strtol(ref.top, NULL, 10) : 0));
			CHECK(c.iterations == (ref.iterations ? strtol(ref.iterations, NULL, 10) : 0));
			CHECK(!ref.interval == !c.interval_arg && (!ref.interval || !strcmp(ref.interval, c.interval_arg)));
			if (ref.sort)
				CHECK(!strcmp(ref.sort, "name") ? c.sort == -1 : !strcmp(pm_metrics[c.sort].name, ref.sort));
			core_check(&c.opts, &ref.core);
		}
	}
	free(buf);
	return 0;
}
