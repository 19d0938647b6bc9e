/* The podmem command's parts: pm_cli.c dispatches to one file per command
 * (pm_cli_top.c: the table and --json; ...), and they share these. */
#ifndef PM_CLI_H
#define PM_CLI_H

#include <stdarg.h>
#include <stdio.h>

#include "pm_cmdline.h"
#include "podmem.h"

/* Exit statuses of every command; CLI_DONE from an option parser: it printed
 * what was asked (--help, --version), exit 0 without running */
enum { CLI_DONE = -1, CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* the core's log callback: "podmem: ..." on stderr; UD points to an int,
 * the verbosity (0: errors and warnings, 1: info, 2: debug) */
void cli_log(void *ud, int level, const char *fmt, va_list ap);

/* The one way a command starts the core: logs to stderr at VERBOSE, raises
 * RLIMIT_NOFILE and opens *CTX; with SNAP, takes one sample into it too.
 * CLI_OK; CLI_USAGE when the core cannot open (it said why); CLI_FAILED
 * when the sample fails (said here; *CTX is open then). */
int cli_start(struct pm_opts *o, int *verbose, struct pm_ctx **ctx, struct pm_snapshot *snap);

/* "podmem: " FMT (with ARG) on stderr; returns CLI_USAGE */
int cli_bad(const char *fmt, const char *arg);
/* "podmem: --NAME: bad value 'ARG'" on stderr; CLI_USAGE */
int cli_bad_opt(const char *name, const char *arg);

/* A count option's value: decimal digits only (no blank, no sign: strtol
 * would take " 5" and "+5"), at least MIN. True with *RET set, else false. */
bool cli_count(const char *s, long min, long *ret);

/* S as a JSON string, quoted and escaped; bytes that are not UTF-8 as U+FFFD */
void cli_json_str(FILE *f, const char *s);

/* X bytes in binary units that line up: "1023B", "12.3Mi", "512Ki" in 6 columns */
const char *cli_bytes(char *buf, size_t cap, uint64_t x);
/* metric M of V as cli_bytes does, or "-" when it is absent */
const char *cli_human(char *buf, size_t cap, const struct pm_values *v, enum pm_metric m);

/* columns S takes on a terminal: UTF-8 code points, not bytes */
int cli_width(const char *s);
/* the bytes of S that fit in W columns */
int cli_fit(const char *s, int w);
/* control characters in S (C0, C1, DEL) and bytes that are not UTF-8 as '?', in place: one row per line */
char *cli_printable(char *s);

/* the catalogues as the README's lists (podmem metrics, podmem labels) */
void cli_print_metrics(FILE *f);
void cli_print_labels(FILE *f);
/* the same as JSON arrays */
void cli_json_metrics(FILE *f);
void cli_json_labels(FILE *f);

/* The commands: each parses its own options (argv[0] is the command's name) and returns an exit status. */
int cli_top(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_files(int argc, char **argv); /* podmem files POD (pm_cli_files.c) */

#endif
