/*
 * The core options on a command line, the same in every program of ours
 * (podmem, podmem-execd, podmem-agentx): their getopt_long entries, their
 * --help lines and setting one from its getopt value.
 *
 *   struct option lo[PM_CMDLINE_OPTS(N_OURS)] = { ...ours... };
 *   pm_cmdline_longopts(lo, PM_ARRAY_LEN(lo), N_OURS, CORE); // CORE: a value above ours
 *   ... case default: r = pm_cmdline_take(&opts, c, CORE, optarg); ...
 */
#ifndef PM_CMDLINE_H
#define PM_CMDLINE_H

#include <getopt.h>
#include <stdio.h>

#include "podmem.h"

/* Appends to LO, after its first N_OURS entries (the program's own), the
 * core options (each with a required argument and the getopt value FIRST +
 * its enum pm_core_opt) and getopt_long's terminating zero entry. CAP is
 * LO's length: PM_CMDLINE_OPTS(N_OURS) entries are needed; with fewer it
 * aborts, as the program is wrong. */
#define PM_CMDLINE_OPTS(n_ours) ((n_ours) + PM_OPT__COUNT + 1)
void pm_cmdline_longopts(struct option *lo, size_t cap, size_t n_ours, int first);

/* Writes one help line per core option: INDENT spaces, "--name META", and
 * the help text from column COL (or one space after a longer option). */
void pm_cmdline_usage(FILE *f, int indent, int col);

/* For getopt value C: 0 when it is not a core option; 1 when it is and
 * ARG was taken; -1 when ARG is not a usable value (empty). */
int pm_cmdline_take(struct pm_opts *o, int c, int first, const char *arg);

#endif
