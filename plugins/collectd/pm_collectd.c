/*
 * podmem.so, the collectd front end: configure, walk, emit. It reads the
 * <Plugin podmem> block, samples the core once per interval and walks the
 * snapshot (pm_walk), dispatching the node's, every pod's and every
 * container's metrics of its level (pm_metric_at), one value list each:
 *
 *   podmem-node/<type>-<metric>
 *   podmem-<namespace>_<pod>/<type>-<metric>
 *   podmem-<namespace>_<pod>_<container>/<type>-<metric>
 *
 * where <type> is "memory" for bytes, "derive" for counters and "gauge" for
 * the rest, and <metric> a catalogue name. Every name comes from the label
 * catalogue (pm_labels.def): the instance from the namespace, pod and
 * container labels, the meta data from every tag label of the level.
 * Everything lives in one struct podmem_cd, handed to collectd as the read
 * callback's user data; collectd frees it at shutdown. The only mutable
 * static is the "a block was configured" flag, because collectd's config
 * callback takes no user data.
 *
 * This translation unit includes collectd's config.h (PACKAGE, VERSION...);
 * nothing else of ours does.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "pm_cd_names.h"
#include "podmem.h"

#define PLUGIN "podmem"

/* the Report* switches, all true by default: one per level, indexed by it, and ReportSandbox */
enum report {
	REPORT_NODE = PM_LEVEL_NODE,
	REPORT_PODS = PM_LEVEL_POD,
	REPORT_CONTAINERS = PM_LEVEL_CONTAINER,
	REPORT_SANDBOX = PM_LEVEL__COUNT,
	REPORT__COUNT
};
static const char *const report_key[REPORT__COUNT] = {
	[REPORT_NODE] = "ReportNode", [REPORT_PODS] = "ReportPods", [REPORT_CONTAINERS] = "ReportContainers",
	[REPORT_SANDBOX] = "ReportSandbox"}; /* NULL for a level collectd is never given (files) */

struct cd_inst {
	char name[DATA_MAX_NAME_LEN];
	bool shared; /* another entity of this read has the same name */
};

struct podmem_cd {
	/* configuration */
	struct pm_opts opts;
	char *path[PM_OPT__COUNT]; /* owned values of opts' paths */
	bool report[REPORT__COUNT];
	struct pm_cd_pats ns_only, ns_ignore; /* Namespace, IgnoreNamespace */
	bool metric_on[PM_M__COUNT];
	bool metrics_given;
	cdtime_t rescan_interval; /* 0: the core's default */
	/* state */
	pthread_mutex_t lock; /* a read callback runs in one thread at a time; be sure */
	struct pm_ctx *ctx;
	struct pm_snapshot snap;
	bool sample_failed; /* the last read was incomplete, and that was said */
	/* this read's plugin instances, in walk order, and an index sorted by
	 * name to find two entities that would share one (reused: a steady
	 * read allocates nothing) */
	struct cd_inst *inst;
	size_t cap_inst;
	size_t *by_name;
	size_t cap_by_name;
	bool warned_shared; /* two entities' names met in one instance: said once */
};

static bool configured; /* a <Plugin podmem> block was seen */

static void core_log(void *ud, int level, const char *fmt, va_list ap)
{
	char msg[1024];

	(void)ud;
	vsnprintf(msg, sizeof msg, fmt, ap);
	plugin_log(level, PLUGIN " plugin: %s", msg);
}

static void podmem_cd_free(void *arg)
{
	struct podmem_cd *p = arg;

	if (!p)
		return;
	pm_snapshot_free(&p->snap);
	pm_ctx_close(p->ctx);
	free(p->inst);
	free(p->by_name);
	for (int i = 0; i < PM_OPT__COUNT; i++)
		free(p->path[i]);
	pm_cd_pats_free(&p->ns_only);
	pm_cd_pats_free(&p->ns_ignore);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct podmem_cd *podmem_cd_new(void)
{
	struct podmem_cd *p = calloc(1, sizeof *p);

	if (!p) {
		ERROR(PLUGIN " plugin: out of memory");
		return NULL;
	}
	for (int r = 0; r < REPORT__COUNT; r++)
		p->report[r] = true;
	for (int m = 0; m < PM_M__COUNT; m++)
		p->metric_on[m] = true;
	p->opts.log = core_log;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

/* ---- configuration ------------------------------------------------------ */

/* Logs "podmem plugin: <Option> <value>: <why>" and returns -1: the value
 * at index I, or all of them when I < 0. */
static int refuse_at(const oconfig_item_t *ci, int i, const char *why)
{
	char vals[512] = "";
	size_t off = 0;

	for (int j = 0; j < ci->values_num && off < sizeof vals; j++) {
		const oconfig_value_t *v = &ci->values[j];
		int n = 0;
		if (i >= 0 && j != i)
			continue;
		if (v->type == OCONFIG_TYPE_STRING)
			n = snprintf(vals + off, sizeof vals - off, " \"%s\"", v->value.string);
		else if (v->type == OCONFIG_TYPE_NUMBER)
			n = snprintf(vals + off, sizeof vals - off, " %g", v->value.number);
		else if (v->type == OCONFIG_TYPE_BOOLEAN)
			n = snprintf(vals + off, sizeof vals - off, " %s", v->value.boolean ? "true" : "false");
		off += n > 0 ? (size_t)n : 0;
	}
	ERROR(PLUGIN " plugin: %s%s: %s", ci->key, vals, why);
	return -1;
}

static int refuse(const oconfig_item_t *ci, const char *why)
{
	return refuse_at(ci, -1, why);
}

static bool all_strings(const oconfig_item_t *ci)
{
	for (int i = 0; i < ci->values_num; i++)
		if (ci->values[i].type != OCONFIG_TYPE_STRING)
			return false;
	return ci->values_num > 0;
}

static int get_bool(const oconfig_item_t *ci, bool *ret)
{
	const oconfig_value_t *v = ci->values;

	if (ci->values_num == 1 && v->type == OCONFIG_TYPE_BOOLEAN)
		*ret = v->value.boolean;
	else if (ci->values_num == 1 && v->type == OCONFIG_TYPE_STRING && IS_TRUE(v->value.string))
		*ret = true;
	else if (ci->values_num == 1 && v->type == OCONFIG_TYPE_STRING && IS_FALSE(v->value.string))
		*ret = false;
	else
		return refuse(ci, "needs exactly one boolean (true or false)");
	return 0;
}

/* One number of seconds, > 0 */
static int get_seconds(const oconfig_item_t *ci, cdtime_t *ret)
{
	if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER)
		return refuse(ci, "needs exactly one number of seconds");
	double s = ci->values[0].value.number;
	if (!(s > 0) || s > 86400 * 365.0)
		return refuse(ci, "must be more than 0 seconds and at most a year");
	*ret = DOUBLE_TO_CDTIME_T(s);
	return 0;
}

/* MaxOpenFiles: one whole number, 0 or more */
static int get_max_open_files(struct podmem_cd *p, const oconfig_item_t *ci)
{
	char num[32];

	if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER)
		return refuse(ci, "needs exactly one number of files");
	double n = ci->values[0].value.number;
	if (!(n >= 0) || n > PM_MAX_OPEN_FILES || n != (double)(unsigned)n)
		return refuse(ci, "must be a whole number of files, from 0 to 1073741824");
	snprintf(num, sizeof num, "%u", (unsigned)n);
	return pm_opts_set(&p->opts, PM_OPT_MAX_OPEN_FILES, num) < 0 ? refuse(ci, "cannot be used") : 0;
}

/* Core option I: an absolute path to a directory that exists */
static int get_dir(struct podmem_cd *p, const oconfig_item_t *ci, int i)
{
	struct stat st;

	if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING)
		return refuse(ci, "needs exactly one directory name");
	const char *dir = ci->values[0].value.string;
	if (dir[0] != '/')
		return refuse(ci, "must be an absolute path");
	if (stat(dir, &st) != 0)
		return refuse(ci, STRERRNO);
	if (!S_ISDIR(st.st_mode))
		return refuse(ci, "not a directory");
	free(p->path[i]);
	p->path[i] = strdup(dir);
	if (!p->path[i])
		return refuse(ci, "out of memory");
	if (pm_opts_set(&p->opts, i, p->path[i]) < 0)
		return refuse(ci, "cannot be used");
	return 0;
}

/* Namespace and IgnoreNamespace: names or /regex/es, repeatable */
static int get_patterns(const oconfig_item_t *ci, struct pm_cd_pats *l)
{
	char why[256];

	if (!all_strings(ci))
		return refuse(ci, "needs one or more names or /regex/es, in quotes");
	for (int i = 0; i < ci->values_num; i++)
		if (pm_cd_pats_add(l, ci->values[i].value.string, why, sizeof why) < 0)
			return refuse_at(ci, i, why);
	return 0;
}

/* Metrics: catalogue names or /regex/es; the first Metrics line replaces "all" */
static int get_metrics(struct podmem_cd *p, const oconfig_item_t *ci)
{
	char why[256];

	if (!all_strings(ci))
		return refuse(ci, "needs one or more metric names or /regex/es, in quotes");
	if (!p->metrics_given)
		memset(p->metric_on, 0, sizeof p->metric_on);
	p->metrics_given = true;
	for (int i = 0; i < ci->values_num; i++) {
		struct pm_cd_pat pat;
		bool any = false;
		if (pm_cd_pat_init(&pat, ci->values[i].value.string, why, sizeof why) < 0)
			return refuse_at(ci, i, why);
		for (int m = 0; m < PM_M__COUNT; m++)
			if ((pm_metrics[m].levels & (PM_AT_NODE | PM_AT_CG)) && pm_cd_pat_match(&pat, pm_metrics[m].name))
				p->metric_on[m] = any = true;
		pm_cd_pat_free(&pat);
		if (!any)
			return refuse_at(ci, i, "names no node, pod or container metric (see the README's metric list)");
	}
	return 0;
}

static int set_option(struct podmem_cd *p, const oconfig_item_t *ci)
{
	const char *k = ci->key;
	int core = pm_opt_find(k);

	if (ci->children_num > 0)
		return refuse(ci, "is not a block");
	if (core == PM_OPT_MAX_OPEN_FILES && !strcasecmp(k, pm_core_opts[core].conf_name))
		return get_max_open_files(p, ci);
	if (core >= 0 && !strcasecmp(k, pm_core_opts[core].conf_name))
		return get_dir(p, ci, core);
	for (int r = 0; r < REPORT__COUNT; r++)
		if (report_key[r] && !strcasecmp(k, report_key[r]))
			return get_bool(ci, &p->report[r]);
	if (!strcasecmp(k, "Namespace"))
		return get_patterns(ci, &p->ns_only);
	if (!strcasecmp(k, "IgnoreNamespace"))
		return get_patterns(ci, &p->ns_ignore);
	if (!strcasecmp(k, "Metrics"))
		return get_metrics(p, ci);
	if (!strcasecmp(k, "RescanInterval"))
		return get_seconds(ci, &p->rescan_interval);
	return refuse(ci, "unknown option");
}

/* ---- reading ------------------------------------------------------------ */

static const char *type_of(const struct pm_metric_info *mi)
{
	if (mi->kind == PM_KIND_COUNTER)
		return "derive";
	return mi->unit == PM_UNIT_BYTES ? "memory" : "gauge";
}

/* Dispatches E's selected metrics of its level under VL's identifier. */
static void dispatch(const struct podmem_cd *p, value_list_t *vl, const struct pm_entity *e)
{
	value_t v;

	vl->values = &v;
	vl->values_len = 1;
	for (int m = 0; m < PM_M__COUNT; m++) {
		const struct pm_metric_info *mi = &pm_metrics[m];
		if (!p->metric_on[m] || !pm_metric_at((enum pm_metric)m, e->level) || !pm_has(e->val, (enum pm_metric)m))
			continue;
		if (mi->kind == PM_KIND_COUNTER)
			v.derive = (derive_t)e->val->v[m];
		else
			v.gauge = (gauge_t)e->val->v[m];
		sstrncpy(vl->type, type_of(mi), sizeof vl->type);
		sstrncpy(vl->type_instance, mi->name, sizeof vl->type_instance);
		plugin_dispatch_values(vl);
	}
}

/* E's plugin instance into OUT: "node", or the labels in PART_LABEL (those
 * carried at its level) joined */
static void make_instance(char *out, size_t size, const struct pm_entity *e, const enum pm_label *part_label,
			  size_t n)
{
	const char *parts[3];

	if (e->level == PM_LEVEL_NODE) {
		sstrncpy(out, pm_level_name(e->level), size);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *v = pm_label_value(e, part_label[i], NULL);
		parts[i] = v ? v : "";
	}
	pm_cd_instance(out, size, parts, n, false);
}

/* by names: namespace, pod, container */
static const enum pm_label name_parts[] = {PM_L_NAMESPACE, PM_L_POD, PM_L_CONTAINER};
/* E's instance by identity, when names meet: the pod's UID (a group's
 * cgroup path) and the container's ID, always with the hash suffix, so it
 * never meets a plain name */
static void identity_instance(char *out, size_t size, const struct pm_entity *e)
{
	const char *uid = pm_label_value(e, PM_L_POD_UID, NULL), *id = pm_label_value(e, PM_L_CONTAINER_ID, NULL);
	const char *parts[] = {uid && uid[0] ? uid : e->pod->ident.cgroup, id ? id : ""};
	pm_cd_instance(out, size, parts, 2, true);
}

/* cd_inst order by name; the node first among equals, then walk order */
static const struct cd_inst *sort_inst;
static int cmp_inst(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_inst[x].name, sort_inst[y].name);
	return c ? c : (x > y) - (x < y);
}

/* E's identity as meta data: every tag label carried at its level and not
 * empty, as a string keyed by the label's name; NULL for none. A BOOL is the
 * string "true" or "false", as in the Influx tags and Prometheus labels: what
 * target_set's %{meta:sandbox} and match_regex's MetaData see, and what a
 * JSON writer shows, the same as for every other label. */
static meta_data_t *identity_meta(const struct pm_entity *e)
{
	meta_data_t *md = NULL;

	for (int l = 0; l < PM_L__COUNT; l++) {
		const char *v = pm_labels[l].tag ? pm_label_value(e, (enum pm_label)l, NULL) : NULL;
		if (!v || !v[0])
			continue;
		if (!md && !(md = meta_data_create()))
			return NULL;
		meta_data_add_string(md, pm_labels[l].name, v);
	}
	return md;
}

/* whether the Report* switches and the namespace filters let E through */
static bool wanted(const struct podmem_cd *p, const struct pm_entity *e)
{
	int sandbox = 0;
	const char *ns = pm_label_value(e, PM_L_NAMESPACE, NULL);

	if (!p->report[e->level])
		return false;
	if (pm_label_value(e, PM_L_SANDBOX, &sandbox) && sandbox && !p->report[REPORT_SANDBOX])
		return false;
	if (!ns)
		return true;
	if (p->ns_only.n && !pm_cd_pats_match(&p->ns_only, ns))
		return false;
	return !pm_cd_pats_match(&p->ns_ignore, ns);
}

/*
 * Names every wanted entity of this read. Two entities whose names would
 * meet in one instance (a group named "node", names with "_" a tenant wrote
 * into a log directory, two UIDs claiming one name) never share a series:
 * each of them but the node is named by its identity instead (pod UID or
 * cgroup path, container ID), hashed when it does not fit; said once.
 * Returns the number named, or -1 when out of memory.
 */
static long name_entities(struct podmem_cd *p)
{
	struct pm_walk w;
	struct pm_entity e;
	size_t n = 0;

	for (pm_walk_init(&w, &p->snap); pm_walk_next(&w, &e);) {
		if (!wanted(p, &e))
			continue;
		struct cd_inst *in = pm_grow(&p->inst, &p->cap_inst, n, sizeof *p->inst);
		size_t *ix = pm_grow(&p->by_name, &p->cap_by_name, n, sizeof *p->by_name);
		if (!in || !ix)
			return -1;
		make_instance(in->name, sizeof in->name, &e, name_parts, 3);
		in->shared = false;
		*ix = n++;
	}
	sort_inst = p->inst; /* one read at a time: the callback holds p->lock */
	if (n)
		qsort(p->by_name, n, sizeof *p->by_name, cmp_inst);
	size_t shared = 0;
	for (size_t i = 1; i < n; i++) {
		size_t a = p->by_name[i - 1], b = p->by_name[i];
		if (strcmp(p->inst[a].name, p->inst[b].name))
			continue;
		/* both are renamed, but the node keeps "node" */
		shared += !p->inst[b].shared;
		p->inst[b].shared = true;
		p->inst[a].shared |= !(a == 0 && p->snap.node_ok && p->report[REPORT_NODE]);
	}
	if (!shared)
		return (long)n;
	size_t k = 0;
	for (pm_walk_init(&w, &p->snap); pm_walk_next(&w, &e);) {
		if (!wanted(p, &e))
			continue;
		if (p->inst[k].shared) /* always with the hash: it never meets a plain name */
			identity_instance(p->inst[k].name, sizeof p->inst[k].name, &e);
		k++;
	}
	if (!p->warned_shared)
		WARNING(PLUGIN " plugin: %zu plugin instances would be shared by two cgroups (a group named \"node\", or "
			"names with '_'): those cgroups are named by their UID and container ID instead", shared);
	p->warned_shared = true;
	return (long)n;
}

static void dispatch_snapshot(struct podmem_cd *p)
{
	value_list_t vl = VALUE_LIST_INIT;
	struct pm_walk w;
	struct pm_entity e;
	size_t k = 0;

	if (name_entities(p) < 0) {
		ERROR(PLUGIN " plugin: out of memory: nothing sent this read");
		return;
	}
	sstrncpy(vl.plugin, PLUGIN, sizeof vl.plugin);
	vl.time = NS_TO_CDTIME_T(p->snap.time_ns);
	for (pm_walk_init(&w, &p->snap); pm_walk_next(&w, &e);) {
		if (!wanted(p, &e))
			continue;
		sstrncpy(vl.plugin_instance, p->inst[k++].name, sizeof vl.plugin_instance);
		vl.meta = identity_meta(&e);
		dispatch(p, &vl, &e);
		meta_data_destroy(vl.meta);
		vl.meta = NULL;
	}
}

static int podmem_read(user_data_t *ud)
{
	struct podmem_cd *p = ud->data;

	pthread_mutex_lock(&p->lock);
	int rc = pm_sample(p->ctx, &p->snap);
	/* an incomplete sample (out of memory) still holds this read's node and
	 * the pods read before the failure: send those, and say so once until
	 * a read is whole again; returning -1 would make collectd back off */
	dispatch_snapshot(p);
	if (rc < 0 && !p->sample_failed)
		ERROR(PLUGIN " plugin: sampling incomplete: %s; sending what was read", STRERROR(-rc));
	else if (rc == 0 && p->sample_failed)
		INFO(PLUGIN " plugin: sampling is whole again");
	p->sample_failed = rc < 0;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* ---- registration ------------------------------------------------------- */

/* Opens the core and registers the read callback; takes P in every case. */
static int podmem_cd_start(struct podmem_cd *p)
{
	if (p->rescan_interval) {
		cdtime_t every = plugin_get_interval();
		cdtime_t n = every ? (p->rescan_interval + every - 1) / every : 1;
		p->opts.rescan_every = n < 1 ? 1 : n > 1000000 ? 1000000 : (unsigned)n;
	}
	if (pm_ctx_open(&p->ctx, &p->opts) < 0) { /* the core logged why */
		podmem_cd_free(p);
		return -1;
	}
	user_data_t ud = {.data = p, .free_func = podmem_cd_free};
	if (plugin_register_complex_read(NULL, PLUGIN, podmem_read, /* interval = */ 0, &ud) != 0) {
		podmem_cd_free(p);
		return -1;
	}
	return 0;
}

static int podmem_config(oconfig_item_t *ci)
{
	if (configured) {
		ERROR(PLUGIN " plugin: only one <Plugin podmem> block is allowed");
		return -1;
	}
	configured = true;
	struct podmem_cd *p = podmem_cd_new();
	if (!p)
		return -1;
	for (int i = 0; i < ci->children_num; i++)
		if (set_option(p, ci->children + i) < 0) {
			podmem_cd_free(p);
			return -1;
		}
	return podmem_cd_start(p);
}

/* LoadPlugin without a <Plugin podmem> block: every default */
static int podmem_init(void)
{
	if (configured)
		return 0;
	configured = true;
	struct podmem_cd *p = podmem_cd_new();
	return p ? podmem_cd_start(p) : -1;
}

void module_register(void)
{
	plugin_register_complex_config(PLUGIN, podmem_config);
	plugin_register_init(PLUGIN, podmem_init);
}
