/* For the targets of a front end's command line: the input is its argv
 * (NUL-separated pieces after the program's name), parsed by the front end's
 * own option parser, then compared with a reference walk of the same argv
 * that knows only the plain forms ("--name", "--name VALUE", "--name=VALUE",
 * "-x", "-x VALUE", "-xVALUE"; operands; "--" ends the options). When the
 * reference knows every piece and the parser accepted the line, every value
 * the parser kept is the last one given for its option. */
#ifndef PM_FUZZ_ARGV_H
#define PM_FUZZ_ARGV_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* as the front ends' sources, included after this */
#endif

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "fuzz.h"
#include "podmem.h"

struct ref_opt {
	const char *name; /* long name, or NULL */
	char short_name;  /* or 0 */
	bool arg;
};

/* the table of OURS (N of them) and then the core options, into T (cap >= N + PM_OPT__COUNT) */
static size_t ref_table(struct ref_opt *t, const struct ref_opt *ours, size_t n)
{
	memcpy(t, ours, n * sizeof *t);
	for (int i = 0; i < PM_OPT__COUNT; i++)
		t[n + (size_t)i] = (struct ref_opt){pm_core_opts[i].long_name, 0, true};
	return n + PM_OPT__COUNT;
}

/* Walks ARGV, calling FN(UD, option index in T, value or NULL) for each option in order.
 * False when a piece is in a form the reference does not know (an
 * abbreviation, a cluster, an unknown option) or an option lacks its value. */
static bool ref_walk(int argc, char **argv, const struct ref_opt *t, size_t n,
		     void (*fn)(void *ud, size_t i, const char *val), void *ud)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			return true;
		if (a[0] != '-' || !a[1])
			continue; /* an operand */
		size_t k;
		const char *val = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			for (k = 0; k < n; k++)
				if (t[k].name && strlen(t[k].name) == len && !strncmp(t[k].name, a + 2, len))
					break;
			if (k == n || (eq && !t[k].arg))
				return false;
			if (eq)
				val = eq + 1;
		} else {
			for (k = 0; k < n; k++)
				if (t[k].short_name && t[k].short_name == a[1])
					break;
			if (k == n || (!t[k].arg && a[2]))
				return false;
			if (t[k].arg && a[2])
				val = a + 2;
		}
		if (t[k].arg && !val) {
			if (i + 1 >= argc)
				return false;
			val = argv[++i];
		}
		fn(ud, k, val);
	}
	return true;
}

/* the core options: the last value given for each, or NULL */
struct ref_core {
	const char *v[PM_OPT__COUNT];
};

static const char *core_field(const struct pm_opts *o, int i)
{
	switch (i) {
	case PM_OPT_CGROUP_ROOT: return o->cgroup_root;
	case PM_OPT_PROC_ROOT: return o->proc_root;
	case PM_OPT_POD_LOG_DIR: return o->pod_log_dir;
	case PM_OPT_CONTAINER_LOG_DIR: return o->container_log_dir;
	case PM_OPT_SYS_ROOT: return o->sys_root;
	}
	__builtin_trap(); /* a core option this target does not know */
}

/* the parser's core options O equal the reference's R */
static void core_check(const struct pm_opts *o, const struct ref_core *r)
{
	for (int i = 0; i < PM_OPT__COUNT; i++) {
		if (i == PM_OPT_MAX_OPEN_FILES) { /* a count: digits only, the number they make */
			const char *v = r->v[i];
			CHECK(o->max_open_files_set == (v != NULL));
			CHECK(!v || (*v && strspn(v, "0123456789") == strlen(v) && o->max_open_files == strtoul(v, NULL, 10)));
			continue;
		}
		const char *got = core_field(o, i);
		CHECK(!got == !r->v[i] && (!got || !strcmp(got, r->v[i])));
		CHECK(!got || *got); /* an empty value is refused */
	}
}

/* what the parsers print (usage, errors) goes nowhere; the sanitizers and
 * libFuzzer write to the file descriptors, not to these */
static void fuzz_quiet(void)
{
	static int done;
	if (!done) {
		stdout = fopen("/dev/null", "w");
		stderr = fopen("/dev/null", "w");
		if (!stdout || !stderr)
			__builtin_trap();
		done = 1;
	}
}

/* The start of an options target: its reference table T (made at the first
 * call from the N_OURS options OURS and the core options; *NT entries),
 * the output quiet, and the input as ARGV (at most 64, in *BUF): its argc,
 * or -1 when the input is no argv. */
static int fuzz_args_begin(struct ref_opt *t, size_t *nt, const struct ref_opt *ours, size_t n_ours,
			   const uint8_t *data, size_t size, const char *argv0, char **argv, char **buf)
{
	if (!*nt)
		*nt = ref_table(t, ours, n_ours);
	fuzz_quiet();
	return fuzz_argv(data, size, (char *)argv0, argv, 64, buf);
}

/* getopt as a fresh process has it (optind = 0 makes glibc forget a half-read cluster) */
static void getopt_reset(void)
{
	char *none[] = {(char *)"x", NULL};
	optind = 0;
	opterr = 0;
	getopt(1, none, "");
	optind = 1;
}

#endif
