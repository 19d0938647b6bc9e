/* libFuzzer: podmem files's command line (plugins/cli/pm_cli_files.c's
 * parse_args), the input as its argv: CLI_OK with exactly one POD, CLI_DONE
 * or CLI_USAGE; what it accepted equals what the reference walk of
 * fuzz_argv.h finds. */
#include "fuzz_argv.h"
#include "pm_cli_files.c"

enum { R_JSON, R_CONTAINER, R_TOP, R_MAX_FILES, R_KUBELET, R_RESIDENCY, R_NO_CHARGED, R_VERBOSE, R_HELP, R__OURS };
static const struct ref_opt ours[R__OURS] = {
	[R_JSON] = {"json", 0, false},          [R_CONTAINER] = {"container", 0, true}, [R_TOP] = {"top", 'n', true},
	[R_MAX_FILES] = {"max-files", 0, true}, [R_KUBELET] = {"kubelet-dir", 0, true},
	[R_RESIDENCY] = {"residency", 0, true}, [R_NO_CHARGED] = {"no-charged", 0, false},
	[R_VERBOSE] = {"verbose", 'v', false},  [R_HELP] = {"help", 'h', false},
};

struct ref {
	bool json, no_charged, done, after_dashes;
	int verbose, operands;
	const char *container, *top, *max_files, *kubelet, *residency;
	struct ref_core core;
};

static void take(void *ud, size_t i, const char *val)
{
	struct ref *r = ud;
	switch (i) {
	case R_JSON: r->json = true; break;
	case R_NO_CHARGED: r->no_charged = true; break;
	case R_VERBOSE: r->verbose++; break;
	case R_HELP: r->done = true; break;
	case R_CONTAINER: r->container = val; break;
	case R_TOP: r->top = val; break;
	case R_MAX_FILES: r->max_files = val; break;
	case R_KUBELET: r->kubelet = val; break;
	case R_RESIDENCY: r->residency = val; break;
	default: r->core.v[i - R__OURS] = val;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_opt t[R__OURS + PM_OPT__COUNT];
	static size_t nt;
	char *argv[64], *buf, *orig[64];
	int argc = fuzz_args_begin(t, &nt, ours, R__OURS, data, size, "files", argv, &buf);
	if (argc < 0)
		return 0;
	memcpy(orig, argv, sizeof orig);

	struct files_cli c = {.opts = PM_OPTS_INIT, .fo = PM_FILES_OPTS_INIT, .limit = 20}, d = c; /* as cli_files has it */
	getopt_reset();
	int r = parse_args(&c, argc, argv);
	CHECK(r == CLI_OK || r == CLI_DONE || r == CLI_USAGE);
	if (r == CLI_OK) {
		CHECK(c.pod && c.limit >= 0 && (!c.fo.container || *c.fo.container) && (!c.fo.kubelet_dir || *c.fo.kubelet_dir));
		CHECK(c.fo.residency == PM_RES_AUTO || c.fo.residency == PM_RES_CACHESTAT || c.fo.residency == PM_RES_MINCORE);
		struct ref ref = {0};
		if (ref_walk(argc, orig, t, nt, take, &ref)) {
			CHECK(!ref.done && c.json == ref.json && c.fo.no_charged == ref.no_charged && c.verbose == ref.verbose);
			CHECK(MUTANT(c.limit) == (ref.top ? strtol(ref.top, NULL, 10) : d.limit));
			CHECK(c.fo.max_files == (ref.max_files ? (size_t)strtol(ref.max_files, NULL, 10) : d.fo.max_files));
			CHECK(!ref.container == !c.fo.container && (!ref.container || !strcmp(ref.container, c.fo.container)));
			CHECK(!ref.kubelet == !c.fo.kubelet_dir && (!ref.kubelet || !strcmp(ref.kubelet, c.fo.kubelet_dir)));
			if (ref.residency)
				CHECK(c.fo.residency == (!strcmp(ref.residency, "auto")	       ? PM_RES_AUTO
							 : !strcmp(ref.residency, "cachestat") ? PM_RES_CACHESTAT
											       : PM_RES_MINCORE));
			core_check(&c.opts, &ref.core);
		}
	}
	free(buf);
	return 0;
}
