#include "pm_execd_format.h"

#include <inttypes.h>

enum level { LEVEL_NODE, LEVEL_POD, LEVEL_CONTAINER, LEVEL__COUNT };

static const char *const level_name[LEVEL__COUNT] = {"node", "pod", "container"};

struct label {
	const char *key;
	const char *value;
};

/* A node, pod or container: what one line (influx) or sample (prometheus) is about. */
struct entity {
	enum level level;
	const struct pm_values *val;
	struct label labels[6]; /* sorted by key; empty values left out */
	size_t n_labels;
};

/* Snapshot order: the node, then each pod followed by its containers. */
struct walk {
	const struct pm_snapshot *snap;
	size_t pod; /* the next pod, or the current one while ctr <= its containers */
	size_t ctr; /* 0: the pod itself is next; else the next container + 1 */
	bool node_done;
};

static void add_label(struct entity *e, const char *key, const char *value)
{
	if (value[0])
		e->labels[e->n_labels++] = (struct label){key, value};
}

static void set_identity(struct entity *e, const struct pm_pod *p, const struct pm_container *c)
{
	e->n_labels = 0;
	if (c) {
		add_label(e, "container", c->ident.name);
		add_label(e, "container_id", c->ident.id);
	}
	add_label(e, "namespace", p->ident.namespace_);
	add_label(e, "pod", p->ident.name);
	add_label(e, "pod_uid", p->ident.uid);
	add_label(e, "qos", pm_qos_name(p->ident.qos));
}

/* Fills E with the next entity. False at the end. */
static bool walk_next(struct walk *w, struct entity *e)
{
	const struct pm_snapshot *s = w->snap;

	if (!w->node_done) {
		w->node_done = true;
		if (s->node_ok) {
			*e = (struct entity){.level = LEVEL_NODE, .val = &s->node};
			return true;
		}
	}
	while (w->pod < s->n_pods) {
		const struct pm_pod *p = &s->pods[w->pod];
		if (w->ctr == 0) {
			w->ctr = 1;
			e->level = LEVEL_POD;
			e->val = &p->val;
			set_identity(e, p, NULL);
			return true;
		}
		if (w->ctr <= p->n_containers) {
			const struct pm_container *c = &p->containers[w->ctr - 1];
			w->ctr++;
			e->level = LEVEL_CONTAINER;
			e->val = &c->val;
			set_identity(e, p, c);
			return true;
		}
		w->pod++;
		w->ctr = 0;
	}
	return false;
}

/* Whether metric M is written for E. */
static bool has_metric(const struct entity *e, int m)
{
	unsigned want = e->level == LEVEL_NODE ? PM_AT_NODE : PM_AT_CG;
	return (pm_metrics[m].levels & want) && pm_has(e->val, (enum pm_metric)m);
}

static void influx_line(struct tbuf *b, const struct entity *e, uint64_t time_ns)
{
	size_t start = b->len;
	char sep = ' ';

	tbuf_puts(b, "podmem_");
	text_escape(b, level_name[e->level], TEXT_LP_MEASUREMENT);
	for (size_t i = 0; i < e->n_labels; i++)
		lp_tag(b, e->labels[i].key, e->labels[i].value);
	for (int m = 0; m < PM_M__COUNT; m++) {
		if (!has_metric(e, m))
			continue;
		uint64_t v = e->val->v[m];
		tbuf_putc(b, sep);
		text_escape(b, pm_metrics[m].name, TEXT_LP_KEY);
		/* line protocol integers are signed 64-bit */
		tbuf_printf(b, "=%" PRIu64 "i", v > INT64_MAX ? (uint64_t)INT64_MAX : v);
		sep = ',';
	}
	if (sep == ' ') { /* a line needs a field */
		b->len = start;
		return;
	}
	tbuf_printf(b, " %" PRIu64, time_ns);
	tbuf_end_line(b);
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

static void prom_name(struct tbuf *b, enum level level, const struct pm_metric_info *mi)
{
	tbuf_printf(b, "podmem_%s_%s%s", level_name[level], mi->name, prom_suffix(mi));
}

static void prom_sample(struct tbuf *b, const struct entity *e, int m)
{
	const struct pm_metric_info *mi = &pm_metrics[m];
	uint64_t v = e->val->v[m];

	prom_name(b, e->level, mi);
	for (size_t i = 0; i < e->n_labels; i++) {
		tbuf_printf(b, "%c%s=\"", i ? ',' : '{', e->labels[i].key);
		text_escape(b, e->labels[i].value, TEXT_PROM_LABEL);
		tbuf_putc(b, '"');
	}
	if (e->n_labels)
		tbuf_putc(b, '}');
	if (mi->unit == PM_UNIT_USEC) /* exact: no float rounding */
		tbuf_printf(b, " %" PRIu64 ".%06" PRIu64, v / 1000000, v % 1000000);
	else
		tbuf_printf(b, " %" PRIu64, v);
	tbuf_end_line(b);
}

/* The family of metric M at LEVEL: # HELP, # TYPE and every sample; nothing without a sample. */
static void prom_family(struct tbuf *b, const struct pm_snapshot *snap, enum level level, int m)
{
	const struct pm_metric_info *mi = &pm_metrics[m];
	struct walk w = {.snap = snap};
	struct entity e;
	bool head = false;

	while (walk_next(&w, &e)) {
		if (e.level != level || !has_metric(&e, m))
			continue;
		if (!head) {
			tbuf_puts(b, "# HELP ");
			prom_name(b, level, mi);
			tbuf_putc(b, ' ');
			text_escape(b, mi->help, TEXT_PROM_HELP);
			tbuf_end_line(b);
			tbuf_puts(b, "# TYPE ");
			prom_name(b, level, mi);
			tbuf_puts(b, mi->kind == PM_KIND_COUNTER ? " counter" : " gauge");
			tbuf_end_line(b);
			head = true;
		}
		prom_sample(b, &e, m);
	}
}

void format_batch(struct tbuf *b, const struct pm_snapshot *snap, enum out_format format)
{
	if (format == OUT_PROMETHEUS) {
		for (int level = 0; level < LEVEL__COUNT; level++)
			for (int m = 0; m < PM_M__COUNT; m++)
				prom_family(b, snap, (enum level)level, m);
		return;
	}
	struct walk w = {.snap = snap};
	struct entity e;
	while (walk_next(&w, &e))
		influx_line(b, &e, snap->time_ns);
}
