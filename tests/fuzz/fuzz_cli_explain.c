/* libFuzzer: podmem explain's command line (plugins/cli/pm_cli_explain.c's
 * parse_args), the input as its argv: CLI_OK with one POD (or --rules),
 * CLI_DONE or CLI_USAGE. What it accepted is in range (a throttling factor
 * in (0, 1], a percent from 1 to 100, at most 32 requests, no container
 * twice) and equals what the reference walk of fuzz_argv.h finds; a
 * request's bytes are its quantity's, computed here in 128 bits. */
#include "fuzz_argv.h"
#include "pm_cli_explain.c"

enum { R_JSON, R_NO_FILES, R_REQUEST, R_FACTOR, R_KOORD, R_RULES, R_VERBOSE, R_HELP, R__OURS };
static const struct ref_opt ours[R__OURS] = {
	[R_JSON] = {"json", 0, false},       [R_NO_FILES] = {"no-files", 0, false},
	[R_REQUEST] = {"request", 0, true},  [R_FACTOR] = {"throttling-factor", 0, true},
	[R_KOORD] = {"koord-throttling-percent", 0, true}, [R_RULES] = {"rules", 0, false},
	[R_VERBOSE] = {"verbose", 'v', false}, [R_HELP] = {"help", 'h', false},
};

struct ref {
	bool json, no_files, rules, done;
	int verbose;
	const char *koord;
	const char *req[64];
	size_t n_req;
	struct ref_core core;
};

static void take(void *ud, size_t i, const char *val)
{
	struct ref *r = ud;
	switch (i) {
	case R_JSON: r->json = true; break;
	case R_NO_FILES: r->no_files = true; break;
	case R_RULES: r->rules = true; break;
	case R_VERBOSE: r->verbose++; break;
	case R_HELP: r->done = true; break;
	case R_KOORD: r->koord = val; break;
	case R_FACTOR: break;
	case R_REQUEST:
		if (r->n_req < 64)
			r->req[r->n_req++] = val;
		break;
	default: r->core.v[i - R__OURS] = val;
	}
}

/* the bytes of a quantity "digits[.digits][suffix]": [*LO, *HI] (a fraction is cut, not rounded) */
static bool quantity(const char *s, unsigned __int128 *lo, unsigned __int128 *hi)
{
	static const char *const sfx[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E"};
	unsigned __int128 whole = 0, mult = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((whole = whole * 10 + (unsigned)(*p - '0')) > UINT64_MAX)
			return false;
	bool frac = *p == '.';
	if (frac)
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	for (int i = 0; i < 13; i++)
		if (!strcmp(p, sfx[i])) {
			mult = 1;
			for (int k = 0; k < (i < 7 ? i : i - 6); k++)
				mult *= i < 7 ? 1024 : 1000;
		}
	if (!mult)
		return false;
	*lo = whole * mult;
	*hi = frac ? (whole + 1) * mult : whole * mult;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_opt t[R__OURS + PM_OPT__COUNT];
	static size_t nt;
	char *argv[64], *buf, *orig[64], *copy[64];
	int argc = fuzz_args_begin(t, &nt, ours, R__OURS, data, size, "explain", argv, &buf);
	if (argc < 0)
		return 0;
	memcpy(orig, argv, sizeof orig);
	/* the parser cuts CTR=BYTES at its '=' in place: the reference reads a copy */
	char *buf2 = fuzz_str(data, size);
	if (!buf2) {
		free(buf);
		return 0;
	}
	for (int i = 0; i < argc; i++)
		copy[i] = i ? buf2 + (orig[i] - buf) : orig[0];

	struct cli c = {.opts = PM_OPTS_INIT};
	getopt_reset();
	int r = parse_args(&c, argc, argv);
	CHECK(r == CLI_OK || r == CLI_DONE || r == CLI_USAGE);
	if (r == CLI_OK) {
		CHECK(c.rules || c.pod);
		CHECK(c.xo.n_requests <= MAX_REQUESTS && c.xo.requests == c.req);
		CHECK(c.xo.throttling_factor == 0 || (c.xo.throttling_factor > 0 && c.xo.throttling_factor <= 1));
		CHECK(c.xo.koord_throttling_percent <= 100);
		for (size_t i = 0; i < c.xo.n_requests; i++) {
			CHECK(!c.req[i].container || *c.req[i].container);
			for (size_t j = 0; j < i; j++)
				CHECK(!c.req[i].container != !c.req[j].container ||
				      (c.req[i].container && strcmp(c.req[i].container, c.req[j].container)));
		}
		struct ref ref = {0};
		if (ref_walk(argc, copy, t, nt, take, &ref)) {
			CHECK(!ref.done && c.json == ref.json && c.no_files == ref.no_files && c.rules == ref.rules &&
			      c.verbose == ref.verbose);
			CHECK(c.xo.koord_throttling_percent == (ref.koord ? strtoul(ref.koord, NULL, 10) : 0));
			CHECK(ref.n_req == c.xo.n_requests);
			for (size_t i = 0; i < ref.n_req; i++) {
				const char *eq = strrchr(ref.req[i], '=');
				const char *q = eq ? eq + 1 : ref.req[i];
				unsigned __int128 lo, hi;
				CHECK(!eq == !c.req[i].container);
				if (eq)
					CHECK(strlen(c.req[i].container) == (size_t)(eq - ref.req[i]) &&
					      !memcmp(c.req[i].container, ref.req[i], (size_t)(eq - ref.req[i])));
				CHECK(quantity(q, &lo, &hi));
				uint64_t b = MUTANT(c.req[i].bytes);
				CHECK(b >= lo && b <= hi);
			}
			core_check(&c.opts, &ref.core);
		}
	}
	free(buf);
	free(buf2);
	return 0;
}
