/* libFuzzer: podmem-execd's command line (plugins/telegraf/pm_execd.c's
 * parse_args), the input as its argv. It says go on (-1), exit 0 (help,
 * version) or EXIT_USAGE; what it accepted is in range (--top-files 1..100,
 * --once without --interval, the --top-files options only with it) and equals
 * what the reference walk of fuzz_argv.h finds, plain durations checked
 * against fuzz_duration.h. */
#include "fuzz_argv.h"
#include "fuzz_duration.h"
#include "pm_execd.c"

enum { R_FORMAT, R_ONCE, R_INTERVAL, R_OUTPUT, R_VERBOSE, R_HELP, R_VERSION, R_TOP_FILES, R_FILES_INTERVAL,
       R_MAX_FILES, R_KUBELET, R__OURS };
static const struct ref_opt ours[R__OURS] = {
	[R_FORMAT] = {"format", 0, true},      [R_ONCE] = {"once", 0, false},
	[R_INTERVAL] = {"interval", 0, true},  [R_OUTPUT] = {"output", 0, true},
	[R_VERBOSE] = {"verbose", 0, false},   [R_HELP] = {"help", 'h', false},
	[R_VERSION] = {"version", 0, false},   [R_TOP_FILES] = {"top-files", 0, true},
	[R_FILES_INTERVAL] = {"files-interval", 0, true}, [R_MAX_FILES] = {"max-files", 0, true},
	[R_KUBELET] = {"kubelet-dir", 0, true},
};

struct ref {
	bool once, verbose, done;
	const char *format, *interval, *output, *top_files, *files_interval, *max_files, *kubelet;
	struct ref_core core;
};

static void take(void *ud, size_t i, const char *val)
{
	struct ref *r = ud;
	switch (i) {
	case R_ONCE: r->once = true; break;
	case R_VERBOSE: r->verbose = true; break;
	case R_HELP: case R_VERSION: r->done = true; break;
	case R_FORMAT: r->format = val; break;
	case R_INTERVAL: r->interval = val; break;
	case R_OUTPUT: r->output = val; break;
	case R_TOP_FILES: r->top_files = val; break;
	case R_FILES_INTERVAL: r->files_interval = val; break;
	case R_MAX_FILES: r->max_files = val; break;
	case R_KUBELET: r->kubelet = val; break;
	default: r->core.v[i - R__OURS] = val;
	}
}

static void duration_check(const char *arg, uint64_t ns)
{
	unsigned __int128 want;
	if (arg && ref_duration(arg, &want))
		CHECK(ns == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_opt t[R__OURS + PM_OPT__COUNT];
	static size_t nt;
	char *argv[64], *buf, *orig[64];
	int argc = fuzz_args_begin(t, &nt, ours, R__OURS, data, size, PROG, argv, &buf);
	if (argc < 0)
		return 0;
	memcpy(orig, argv, sizeof orig);

	/* as main has them */
	struct execd x = {.format = EXECD_INFLUX, .files_interval = 300 * NS_PER_S}, d = x;
	struct pm_opts po = PM_OPTS_INIT;
	uint64_t interval = 0;
	bool once = false;
	getopt_reset();
	int r = parse_args(argc, argv, &x, &po, &interval, &once);
	CHECK(r == -1 || r == 0 || r == EXIT_USAGE);
	if (r == -1) {
		CHECK(!(once && interval) && x.files.top <= EXECD_TOP_FILES_MAX);
		CHECK(x.format == EXECD_INFLUX || x.format == EXECD_PROMETHEUS);
		CHECK(x.files_interval > 0);
		struct ref ref = {0};
		if (ref_walk(argc, orig, t, nt, take, &ref)) {
			CHECK(!ref.done && once == ref.once && x.verbose == ref.verbose);
			CHECK(MUTANT(x.files.top) == (ref.top_files ? strtoul(ref.top_files, NULL, 10) : 0));
			CHECK(!(ref.files_interval || ref.max_files || ref.kubelet) || x.files.top);
			CHECK(x.format == (ref.format && !strcmp(ref.format, "prometheus") ? EXECD_PROMETHEUS : EXECD_INFLUX));
			CHECK(!ref.output == !x.output && (!ref.output || !strcmp(ref.output, x.output)));
			CHECK(!ref.interval == !interval);
			duration_check(ref.interval, interval);
			if (ref.files_interval)
				duration_check(ref.files_interval, x.files_interval);
			else
				CHECK(x.files_interval == d.files_interval);
			CHECK(x.files.opts.max_files == (ref.max_files ? strtoull(ref.max_files, NULL, 10) : 0));
			CHECK(!ref.kubelet == !x.files.opts.kubelet_dir &&
			      (!ref.kubelet || !strcmp(ref.kubelet, x.files.opts.kubelet_dir)));
			core_check(&po, &ref.core);
		}
	}
	free(buf);
	return 0;
}
