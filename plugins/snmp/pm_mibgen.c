/*
 * pm-mibgen: writes PODMEM-MIB from its template and the metric catalogue.
 *
 *   pm-mibgen plugins/snmp/PODMEM-MIB.txt.in > plugins/snmp/mibs/PODMEM-MIB.txt
 *
 * The template is copied line by line, except:
 *   --#...              a template-only comment, dropped
 *   @ENTERPRISE@        (anywhere in a line) PM_SNMP_ENTERPRISE
 *   @OBJECTS <level>@   one OBJECT-TYPE per catalogue metric of the level
 *   @SEQUENCE <level>@  the metrics' entries of a table's SEQUENCE
 *   @MEMBERS <level>@   the metrics' entries of an OBJECT-GROUP
 * where <level> is node, pod or container. Each metric's sub-identifier is
 * PM_SNMP_METRIC_BASE + its catalogue position.
 *
 * The identity columns are written in the template, and checked: the
 * descriptor of each column pm_snmp.h maps to a label must be the one the
 * label's name gives (see struct pm_snmp_ident), else pm-mibgen fails.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podmem.h"
#include "pm_snmp.h"

struct level {
	const char *name;   /* as in the template */
	const char *prefix; /* of the descriptors */
	const char *parent; /* the node or entry the objects hang from */
	enum pm_level level;
	const struct pm_snmp_ident *ident; /* the identity columns, or NULL */
};

static const struct level levels[] = {
	{"node", "podmemNode", "podmemNode", PM_LEVEL_NODE, NULL},
	{"pod", "podmemPod", "podmemPodEntry", PM_LEVEL_POD, pm_snmp_pod_ident},
	{"container", "podmemContainer", "podmemContainerEntry", PM_LEVEL_CONTAINER, pm_snmp_ctr_ident},
};

static const char *const unit_names[] = {
	[PM_UNIT_BYTES] = "bytes", [PM_UNIT_COUNT] = "events", [PM_UNIT_USEC] = "microseconds"};

static int failed;
static const char *template_path;

__attribute__((format(printf, 1, 2))) static void error(const char *fmt, ...)
{
	va_list ap;
	fputs("pm-mibgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = 1;
}

/* "working_set_kubelet" -> "WorkingSetKubelet" */
static const char *camel(const char *name)
{
	static char buf[128];
	size_t n = 0;
	for (int up = 1; *name && n + 1 < sizeof buf; name++) {
		if (*name == '_') {
			up = 1;
			continue;
		}
		buf[n++] = up ? (char)toupper((unsigned char)*name) : *name;
		up = 0;
	}
	buf[n] = '\0';
	return buf;
}

static const char *descriptor(const struct level *l, const struct pm_metric_info *mi)
{
	static char buf[160];
	snprintf(buf, sizeof buf, "%s%s", l->prefix, camel(mi->name));
	return buf;
}

/* An identity column's descriptor: the table's prefix and the label's name
 * in CamelCase, less the table's own level when the label is the level's
 * ("container_id" -> podmemContainerId; "pod", in the pod table,
 * -> podmemPodName). */
static const char *ident_descriptor(const struct level *l, enum pm_label label)
{
	static char buf[160];
	const char *name = pm_labels[label].name, *own = pm_level_name(l->level);
	size_t n = strlen(own);
	if (pm_labels[label].owner == l->level && !strncmp(name, own, n) && (!name[n] || name[n] == '_'))
		name = name[n] ? name + n + 1 : "name";
	snprintf(buf, sizeof buf, "%s%s", l->prefix, camel(name));
	return buf;
}

static const char *syntax(const struct pm_metric_info *mi)
{
	return mi->kind == PM_KIND_COUNTER ? "Counter64" : "CounterBasedGauge64";
}

/* "memory.stat:total_rss" -> "memory.stat key total_rss"; "-" and "=" as words */
static void source(char *buf, size_t size, const char *where, const char *src)
{
	const char *colon = strchr(src, ':');
	if (!strcmp(src, "-"))
		snprintf(buf, size, "%s: none, so no instance", where);
	else if (!strcmp(src, "="))
		snprintf(buf, size, "%s: derived, as above", where);
	else if (colon)
		snprintf(buf, size, "%s: %.*s key %s", where, (int)(colon - src), src, colon + 1);
	else
		snprintf(buf, size, "%s: %s", where, src);
}

/* Prints TEXT as a DESCRIPTION paragraph, wrapped at 72 columns. */
static void paragraph(const char *text, int first)
{
	const char *indent = "        ";
	int col = 0;
	if (strchr(text, '"'))
		error("a description may not hold a double quote: %s", text);
	if (!first)
		printf("\n\n");
	while (*text) {
		size_t w = strcspn(text, " ");
		if (col && col + 1 + (int)w > 72) {
			printf("\n");
			col = 0;
		}
		if (!col) {
			col = printf("%s%s", indent, first ? "\"" : "");
			first = 0;
		} else
			col += printf(" ");
		col += printf("%.*s", (int)w, text);
		text += w;
		text += strspn(text, " ");
	}
}

static void object(const struct level *l, int m)
{
	const struct pm_metric_info *mi = &pm_metrics[m];
	char text[512], src[2][160];

	printf("%s OBJECT-TYPE\n", descriptor(l, mi));
	printf("    SYNTAX      %s\n", syntax(mi));
	printf("    UNITS       \"%s\"\n", unit_names[mi->unit]);
	printf("    MAX-ACCESS  read-only\n");
	printf("    STATUS      current\n");
	printf("    DESCRIPTION\n");
	snprintf(text, sizeof text, "%s.", mi->help);
	paragraph(text, 1);
	if (l->level == PM_LEVEL_NODE) {
		source(src[0], sizeof src[0], "Source", mi->node);
		snprintf(text, sizeof text, "%s%s.", src[0],
			 strcmp(mi->node, "=") && strcmp(mi->node, "-") ? " in /proc/meminfo (kB there, bytes here)" : "");
	} else {
		source(src[0], sizeof src[0], "Source on cgroup v1", mi->v1);
		source(src[1], sizeof src[1], "on cgroup v2", mi->v2);
		snprintf(text, sizeof text, "%s; %s.", src[0], src[1]);
	}
	paragraph(text, 0);
	if (mi->kind == PM_KIND_COUNTER)
		paragraph("A counter: the kernel starts it when the cgroup is created, so its only "
			  "discontinuity is the creation of its row.", 0);
	snprintf(text, sizeof text, "podmem calls it %s (podmem --json).", mi->name);
	paragraph(text, 0);
	printf("\"\n    ::= { %s %d }\n\n", l->parent, PM_SNMP_METRIC_BASE + m);
}

/* the catalogue positions of LEVEL's metrics, last one -1 */
static int next_metric(const struct level *l, int m)
{
	for (m++; m < PM_M__COUNT; m++)
		if (pm_metric_at((enum pm_metric)m, l->level))
			return m;
	return -1;
}

static void expand(const char *what, const struct level *l)
{
	for (int m = next_metric(l, -1); m >= 0;) {
		int next = next_metric(l, m);
		const char *comma = next >= 0 ? "," : "";
		if (!strcmp(what, "OBJECTS"))
			object(l, m);
		else if (!strcmp(what, "SEQUENCE"))
			printf("    %-36s %s%s\n", descriptor(l, &pm_metrics[m]), syntax(&pm_metrics[m]), comma);
		else
			printf("        %s%s\n", descriptor(l, &pm_metrics[m]), comma);
		m = next;
	}
}

/* a whole-line directive "@WHAT level@"; 0 if LINE is not one */
static int directive(const char *line)
{
	char what[16], lname[16];
	if (sscanf(line, " @%15[A-Z] %15[a-z]@", what, lname) != 2)
		return 0;
	if (strcmp(what, "OBJECTS") && strcmp(what, "SEQUENCE") && strcmp(what, "MEMBERS")) {
		error("unknown directive: %s", line);
		return 1;
	}
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (!strcmp(levels[i].name, lname)) {
			expand(what, &levels[i]);
			return 1;
		}
	error("unknown level: %s", line);
	return 1;
}

/* the template's own OBJECT-TYPEs: descriptor, parent and sub-identifier */
static struct object {
	char name[80], parent[80];
	unsigned sub;
} objects[64];
static size_t n_objects;

/* notes an OBJECT-TYPE's first line ("<descriptor> OBJECT-TYPE") and its
 * last ("    ::= { <parent> <sub-identifier> }") */
static void note_object(const char *line)
{
	static char name[80];
	char first[80], word[80], parent[80];
	unsigned sub;

	if (sscanf(line, "%79s %79s", first, word) == 2 && !isspace((unsigned char)line[0]) &&
	    !strcmp(word, "OBJECT-TYPE")) {
		memcpy(name, first, sizeof name);
		return;
	}
	if (sscanf(line, " ::= { %79s %u }", parent, &sub) == 2 && n_objects < sizeof objects / sizeof objects[0]) {
		struct object *o = &objects[n_objects++];
		snprintf(o->name, sizeof o->name, "%s", name);
		snprintf(o->parent, sizeof o->parent, "%s", parent);
		o->sub = sub;
	}
}

/* every identity column is in the template, named as its label says */
static void check_idents(void)
{
	for (const struct level *l = levels; l < levels + sizeof levels / sizeof levels[0]; l++)
		for (const struct pm_snmp_ident *i = l->ident; i && i->col; i++) {
			const char *want = ident_descriptor(l, i->label), *label = pm_labels[i->label].name;
			const struct object *o = objects;
			while (o < objects + n_objects && (o->sub != i->col || strcmp(o->parent, l->parent)))
				o++;
			if (!pm_label_at(i->label, l->level))
				error("%s: column %u of %s shows label \"%s\", which a %s does not carry",
				      template_path, i->col, l->parent, label, pm_level_name(l->level));
			else if (o == objects + n_objects)
				error("%s: no column %u of %s: label \"%s\" wants %s there", template_path, i->col,
				      l->parent, label, want);
			else if (strcmp(o->name, want))
				error("%s: column %u of %s is %s, but label \"%s\" names it %s", template_path,
				      i->col, l->parent, o->name, label, want);
		}
}

static void copy_line(const char *line)
{
	static const char tag[] = "@ENTERPRISE@";
	const char *at = strstr(line, tag);
	if (!at) {
		fputs(line, stdout);
		return;
	}
	printf("%.*s%d%s", (int)(at - line), line, PM_SNMP_ENTERPRISE, at + strlen(tag));
}

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *in;

	if (argc != 2) {
		fprintf(stderr, "usage: pm-mibgen TEMPLATE > PODMEM-MIB.txt\n");
		return 2;
	}
	template_path = argv[1];
	in = fopen(argv[1], "r");
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	while (getline(&line, &cap, in) > 0) {
		if (!strncmp(line, "--#", 3) || directive(line))
			continue;
		note_object(line);
		copy_line(line);
	}
	free(line);
	fclose(in);
	check_idents();
	if (fflush(stdout) || ferror(stdout)) {
		perror("pm-mibgen: stdout");
		return 1;
	}
	return failed;
}
