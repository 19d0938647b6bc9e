#include "pm_execd_format.h"

#include <inttypes.h>
#include <string.h>

/* The identity labels (tag == 1) in the order both formats write them:
 * sorted by name. The catalogue is fixed, so this is worked out once. */
struct execd_tags {
	enum pm_label l[PM_L__COUNT];
	size_t n;
};

static const struct execd_tags *sorted_tags(void)
{
	static struct execd_tags t;
	static bool done;

	if (done)
		return &t;
	done = true;
	for (int l = 0; l < PM_L__COUNT; l++) {
		if (!pm_labels[l].tag)
			continue;
		size_t i = t.n++;
		for (; i > 0 && strcmp(pm_labels[t.l[i - 1]].name, pm_labels[l].name) > 0; i--)
			t.l[i] = t.l[i - 1];
		t.l[i] = (enum pm_label)l;
	}
	return &t;
}

/* The value of identity label L for E, or NULL when E does not carry it or
 * it is empty (an empty tag or label is left out). */
static const char *tag_value(const struct pm_entity *e, enum pm_label l)
{
	const char *v = pm_label_value(e, l, NULL);
	return v && v[0] ? v : NULL;
}

/* Every entity of a batch: the snapshot's walk, then the files' (FILES may be NULL). */
struct batch_walk {
	struct pm_walk snap;
	struct execd_files_walk files;
	bool in_files;
};

static void batch_walk_init(struct batch_walk *w, const struct pm_snapshot *snap, const struct execd_files *files)
{
	pm_walk_init(&w->snap, snap);
	w->in_files = false;
	w->files.x = NULL;
	if (files)
		execd_files_walk_init(&w->files, files, snap);
}

static bool batch_walk_next(struct batch_walk *w, struct pm_entity *e)
{
	if (!w->in_files) {
		if (pm_walk_next(&w->snap, e))
			return true;
		w->in_files = true;
	}
	return w->files.x && execd_files_walk_next(&w->files, e);
}

/* Whether metric M is written for E. */
static bool has_metric(const struct pm_entity *e, int m)
{
	return pm_metric_at((enum pm_metric)m, e->level) && pm_has(e->val, (enum pm_metric)m);
}

static void influx_line(struct execd_buf *b, const struct execd_tags *tags, const struct pm_entity *e,
			uint64_t time_ns)
{
	size_t start = b->len;
	char sep = ' ';

	execd_puts(b, "podmem_");
	execd_escape(b, pm_level_name(e->level), EXECD_LP_MEASUREMENT);
	for (size_t i = 0; i < tags->n; i++) {
		const char *v = tag_value(e, tags->l[i]);
		if (v)
			execd_lp_tag(b, pm_labels[tags->l[i]].name, v);
	}
	for (int m = 0; m < PM_M__COUNT; m++) {
		if (!has_metric(e, m))
			continue;
		uint64_t v = e->val->v[m];
		execd_putc(b, sep);
		execd_escape(b, pm_metrics[m].name, EXECD_LP_KEY);
		/* line protocol integers are signed 64-bit */
		execd_printf(b, "=%" PRIu64 "i", v > INT64_MAX ? (uint64_t)INT64_MAX : v);
		sep = ',';
	}
	if (sep == ' ') { /* a line needs a field */
		b->len = start;
		return;
	}
	execd_printf(b, " %" PRIu64, time_ns);
	execd_end_line(b);
}

static const char *prom_suffix(const struct pm_metric_info *mi)
{
	bool counter = mi->kind == PM_KIND_COUNTER;

	switch (mi->unit) {
	case PM_UNIT_BYTES:
		return counter ? "_bytes_total" : "_bytes";
	case PM_UNIT_USEC:
		return counter ? "_seconds_total" : "_seconds";
	case PM_UNIT_COUNT:
		break;
	}
	return counter ? "_total" : "";
}

static void prom_name(struct execd_buf *b, enum pm_level level, const struct pm_metric_info *mi)
{
	execd_printf(b, "podmem_%s_%s%s", pm_level_name(level), mi->name, prom_suffix(mi));
}

static void prom_sample(struct execd_buf *b, const struct execd_tags *tags, const struct pm_entity *e, int m)
{
	const struct pm_metric_info *mi = &pm_metrics[m];
	uint64_t v = e->val->v[m];
	char sep = '{';

	prom_name(b, e->level, mi);
	for (size_t i = 0; i < tags->n; i++) {
		const char *lv = tag_value(e, tags->l[i]);
		if (!lv)
			continue;
		execd_printf(b, "%c%s=\"", sep, pm_labels[tags->l[i]].name);
		execd_escape(b, lv, EXECD_PROM_LABEL);
		execd_putc(b, '"');
		sep = ',';
	}
	if (sep == ',')
		execd_putc(b, '}');
	if (mi->unit == PM_UNIT_USEC) /* exact: no float rounding */
		execd_printf(b, " %" PRIu64 ".%06" PRIu64, v / 1000000, v % 1000000);
	else
		execd_printf(b, " %" PRIu64, v);
	execd_end_line(b);
}

/* The family of metric M at LEVEL: # HELP, # TYPE and every sample; nothing without a sample. */
static void prom_family(struct execd_buf *b, const struct execd_tags *tags, const struct pm_snapshot *snap,
			const struct execd_files *files, enum pm_level level, int m)
{
	const struct pm_metric_info *mi = &pm_metrics[m];
	struct batch_walk w;
	struct pm_entity e;
	bool head = false;

	if (!pm_metric_at((enum pm_metric)m, level))
		return;
	for (batch_walk_init(&w, snap, files); batch_walk_next(&w, &e);) {
		if (e.level != level || !has_metric(&e, m))
			continue;
		if (!head) {
			execd_puts(b, "# HELP ");
			prom_name(b, level, mi);
			execd_putc(b, ' ');
			execd_escape(b, mi->help, EXECD_PROM_HELP);
			execd_end_line(b);
			execd_puts(b, "# TYPE ");
			prom_name(b, level, mi);
			execd_puts(b, mi->kind == PM_KIND_COUNTER ? " counter" : " gauge");
			execd_end_line(b);
			head = true;
		}
		prom_sample(b, tags, &e, m);
	}
}

void execd_format_batch(struct execd_buf *b, const struct pm_snapshot *snap, const struct execd_files *files,
			enum execd_format format)
{
	const struct execd_tags *tags = sorted_tags();

	if (format == EXECD_PROMETHEUS) {
		for (int level = 0; level < PM_LEVEL__COUNT; level++)
			for (int m = 0; m < PM_M__COUNT; m++)
				prom_family(b, tags, snap, files, (enum pm_level)level, m);
		return;
	}
	struct batch_walk w;
	struct pm_entity e;
	for (batch_walk_init(&w, snap, files); batch_walk_next(&w, &e);)
		influx_line(b, tags, &e, snap->time_ns);
}
