/* libFuzzer: podmem-agentx's command line (plugins/snmp/pm_agentx.c's
 * parse_args), the input as its argv: 0 to run, -1 after help or version,
 * 2 on a bad option; what it accepted (an interval of 1..86400 seconds, the
 * socket, the pid file, the core options) equals what the reference walk of
 * fuzz_argv.h finds. -L and -D are net-snmp's own (-Lf FILE opens a file):
 * inputs with them are left out. */
#include "fuzz_argv.h"
#include "pm_agentx.c"

enum { R_SOCKET, R_FOREGROUND, R_INTERVAL, R_PIDFILE, R_HELP, R_VERSION, R__OURS };
static const struct ref_opt ours[R__OURS] = {
	[R_SOCKET] = {"agentx-socket", 'x', true}, [R_FOREGROUND] = {"foreground", 'f', false},
	[R_INTERVAL] = {"interval", 'i', true},    [R_PIDFILE] = {"pidfile", 'p', true},
	[R_HELP] = {"help", 'h', false},           [R_VERSION] = {"version", 'V', false},
};

struct ref {
	bool foreground, done;
	const char *socket, *interval, *pidfile;
	struct ref_core core;
};

static void take(void *ud, size_t i, const char *val)
{
	struct ref *r = ud;
	switch (i) {
	case R_FOREGROUND: r->foreground = true; break;
	case R_HELP: case R_VERSION: r->done = true; break;
	case R_SOCKET: r->socket = val; break;
	case R_INTERVAL: r->interval = val; break;
	case R_PIDFILE: r->pidfile = val; break;
	default: r->core.v[i - R__OURS] = val;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ref_opt t[R__OURS + PM_OPT__COUNT];
	static size_t nt;
	char *argv[64], *buf, *orig[64];
	int argc = fuzz_args_begin(t, &nt, ours, R__OURS, data, size, APP, argv, &buf);
	if (argc < 0)
		return 0;
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '-' && (strchr(argv[i], 'L') || strchr(argv[i], 'D'))) {
			free(buf);
			return -1; /* net-snmp's logging and debugging: not ours, and -Lf writes files */
		}
	memcpy(orig, argv, sizeof orig);

	struct agent a = {.opts = PM_OPTS_INIT, .interval = DEFAULT_INTERVAL}; /* as main has it */
	getopt_reset();
	int r = parse_args(&a, argc, argv);
	CHECK(r == -1 || r == 0 || r == 2);
	if (r == 0) {
		CHECK(a.interval >= 1 && a.interval <= 86400);
		struct ref ref = {0};
		if (ref_walk(argc, orig, t, nt, take, &ref)) {
			CHECK(!ref.done && a.foreground == ref.foreground);
			CHECK(MUTANT(a.interval) == (ref.interval ? strtoul(ref.interval, NULL, 10) : DEFAULT_INTERVAL));
			CHECK(!ref.socket == !a.socket && (!ref.socket || !strcmp(ref.socket, a.socket)));
			CHECK(!ref.pidfile == !a.pidfile && (!ref.pidfile || !strcmp(ref.pidfile, a.pidfile)));
			core_check(&a.opts, &ref.core);
		}
	}
	free(buf);
	return 0;
}
