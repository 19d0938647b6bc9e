/* The core options on a command line (see pm_cmdline.h). */
#include <stdlib.h>
#include <string.h>

#include "pm_cmdline.h"

void pm_cmdline_longopts(struct option *lo, size_t cap, size_t n_ours, int first)
{
	if (cap < PM_CMDLINE_OPTS(n_ours))
		abort();
	for (int i = 0; i < PM_OPT__COUNT; i++)
		lo[n_ours + (size_t)i] = (struct option){pm_core_opts[i].long_name, required_argument, NULL, first + i};
	lo[n_ours + PM_OPT__COUNT] = (struct option){0};
}

void pm_cmdline_usage(FILE *f, int indent, int col)
{
	for (int i = 0; i < PM_OPT__COUNT; i++) {
		const struct pm_opt_desc *d = &pm_core_opts[i];
		int w = indent + 2 + (int)strlen(d->long_name) + 1 + (int)strlen(d->meta);
		fprintf(f, "%*s--%s %s%*s%s\n", indent, "", d->long_name, d->meta, w < col ? col - w : 1, "", d->help);
	}
}

int pm_cmdline_take(struct pm_opts *o, int c, int first, const char *arg)
{
	if (c < first || c >= first + PM_OPT__COUNT)
		return 0;
	return pm_opts_set(o, (enum pm_core_opt)(c - first), arg) < 0 ? -1 : 1;
}
