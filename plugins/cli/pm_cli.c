/*
 * podmem: the human front end. One program, one file per command:
 *   podmem [top] ...        the table, or one sample as JSON (pm_cli_top.c)
 *   podmem explain POD      where one pod's memory is, and the fix (pm_cli_explain.c)
 *   podmem metrics|labels   the catalogues, as the README's lists (here,
 *                           called from pm_cli_top.c's parser)
 */
#include <stdio.h>
#include <string.h>

#include "pm_cli.h"

static const char *unit_name(enum pm_unit u)
{
	return u == PM_UNIT_BYTES ? "bytes" : u == PM_UNIT_USEC ? "µs" : "count";
}

/* the levels in LEVELS (PM_AT_*): "node, pod, container" */
static const char *level_list(char *buf, size_t cap, unsigned levels)
{
	size_t n = 0;
	buf[0] = 0;
	for (int l = 0; l < PM_LEVEL__COUNT; l++)
		if (levels & PM_AT(l))
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", pm_level_name((enum pm_level)l));
	return buf;
}

/* the catalogue, as the README's metric list */
void cli_print_metrics(FILE *f)
{
	fputs("| name | unit | kind | levels | cgroup v1 | cgroup v2 | node | meaning |\n"
	      "|---|---|---|---|---|---|---|---|\n", f);
	for (int m = 0; m < PM_M__COUNT; m++) {
		const struct pm_metric_info *i = &pm_metrics[m];
		char lv[64];
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s | %s | %s |\n", i->name, unit_name(i->unit),
			i->kind == PM_KIND_GAUGE ? "gauge" : "counter", level_list(lv, sizeof lv, i->levels), i->v1, i->v2,
			i->node, i->help);
	}
}

/* the label catalogue, as the README's label list */
void cli_print_labels(FILE *f)
{
	static const char *const types[] = {[PM_LT_STR] = "text", [PM_LT_ENUM] = "enum", [PM_LT_BOOL] = "boolean"};
	fputs("| label | type | levels | series identity | meaning |\n"
	      "|---|---|---|---|---|\n", f);
	for (int l = 0; l < PM_L__COUNT; l++) {
		const struct pm_label_info *i = &pm_labels[l];
		char lv[64];
		fprintf(f, "| `%s` | %s | %s | %s | %s |\n", i->name, types[i->type], level_list(lv, sizeof lv, i->levels),
			i->tag ? "yes" : "no", i->help);
	}
}

/* the levels in LEVELS as a JSON array */
static void json_levels(FILE *f, unsigned levels)
{
	fputc('[', f);
	for (int l = 0, n = 0; l < PM_LEVEL__COUNT; l++)
		if (levels & PM_AT(l))
			fprintf(f, "%s\"%s\"", n++ ? "," : "", pm_level_name((enum pm_level)l));
	fputc(']', f);
}

/* the catalogues as JSON arrays (podmem metrics --json, podmem labels --json) */
void cli_json_metrics(FILE *f)
{
	fputc('[', f);
	for (int m = 0; m < PM_M__COUNT; m++) {
		const struct pm_metric_info *i = &pm_metrics[m];
		fprintf(f, "%s{\"name\":\"%s\",\"unit\":\"%s\",\"kind\":\"%s\",\"levels\":", m ? "," : "", i->name,
			unit_name(i->unit), i->kind == PM_KIND_GAUGE ? "gauge" : "counter");
		json_levels(f, i->levels);
		fputs(",\"v1\":", f);
		cli_json_str(f, i->v1);
		fputs(",\"v2\":", f);
		cli_json_str(f, i->v2);
		fputs(",\"node\":", f);
		cli_json_str(f, i->node);
		fputs(",\"help\":", f);
		cli_json_str(f, i->help);
		fputc('}', f);
	}
	fputs("]\n", f);
}

void cli_json_labels(FILE *f)
{
	static const char *const types[] = {[PM_LT_STR] = "text", [PM_LT_ENUM] = "enum", [PM_LT_BOOL] = "boolean"};
	fputc('[', f);
	for (int l = 0; l < PM_L__COUNT; l++) {
		const struct pm_label_info *i = &pm_labels[l];
		fprintf(f, "%s{\"name\":\"%s\",\"type\":\"%s\",\"levels\":", l ? "," : "", i->name, types[i->type]);
		json_levels(f, i->levels);
		fprintf(f, ",\"tag\":%s,\"help\":", i->tag ? "true" : "false");
		cli_json_str(f, i->help);
		fputc('}', f);
	}
	fputs("]\n", f);
}

int main(int argc, char **argv)
{
	/* podmem COMMAND ...: the command's own options follow it */
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return cli_explain(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "files"))
		return cli_files(argc - 1, argv + 1);
	return cli_top(argc, argv);
}
