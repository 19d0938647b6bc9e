/*
 * The core options on a command line, the same in every program of ours
 * (podmem, podmem-execd, podmem-agentx): their getopt_long entries, their
 * --help lines and setting one from its getopt value.
 *
 *   struct option lo[N_OURS + PM_OPT__COUNT + 1] = { ...ours... };
 *   pm_cmdline_longopts(lo + N_OURS, CORE);        // CORE: a value above ours
 *   ... case default: r = pm_cmdline_take(&opts, c, CORE, optarg); ...
 */
#ifndef PM_CMDLINE_H
#define PM_CMDLINE_H

#include <getopt.h>
#include <stdio.h>

#include "podmem.h"

/* Fills LO[0 .. PM_OPT__COUNT - 1] with the core options, each with a
 * required argument and the getopt value FIRST + its enum pm_core_opt. */
void pm_cmdline_longopts(struct option *lo, int first);

/* Writes one help line per core option: INDENT spaces, "--name META", and
 * the help text from column COL (or one space after a longer option). */
void pm_cmdline_usage(FILE *f, int indent, int col);

/* For getopt value C: 0 when it is not a core option; 1 when it is and
 * ARG was taken; -1 when ARG is not a usable value (empty). */
int pm_cmdline_take(struct pm_opts *o, int c, int first, const char *arg);

#endif
