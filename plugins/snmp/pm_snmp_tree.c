/*
 * PODMEM-MIB from one snapshot (see pm_snmp.h for the layout).
 *
 * The objects under podmemObjects form four "views", in OID order: the info
 * scalars, the node scalars, the pod table and the container table. A view
 * is a prefix, its sorted column numbers and its rows sorted by index; a
 * scalar group is a view with one row whose index is .0. Every instance is
 * prefix.column.index, so GET is a column check and a binary search, and
 * GETNEXT walks columns, then rows, from the requested OID, skipping absent
 * values.
 *
 * The node, pod and container rows are the entities of the core's walk;
 * an identity column shows a label (pm_snmp.h maps the columns to labels),
 * a metric column a catalogue metric of the row's level.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_sysORTable.h>

#include "pm_snmp.h"
#include "pm_snmp_tree.h"

/* an index: one sub-identifier per element, each < 256 */
#define IDX_MAX (1 + PM_SNMP_POD_KEY_MAX + 1 + PM_SNMP_CTR_KEY_MAX)

struct row {
	struct pm_entity e; /* zero in the info scalars' row */
	size_t idx_len;
	unsigned char idx[IDX_MAX];
};

/* a value ready for snmp_set_var_typed_value() */
struct value {
	u_char type;
	const void *buf;
	size_t len;
	long integer;
	struct counter64 c64;
	u_char date[11];
};

struct gen;
struct view;
typedef bool (*getter)(const struct gen *t, const struct view *v, const struct row *r, oid col,
		       struct value *val);

struct view {
	oid prefix[MAX_OID_LEN];
	size_t prefix_len;
	oid cols[PM_SNMP_METRIC_BASE + PM_M__COUNT];
	size_t n_cols;
	const struct pm_snmp_ident *ident; /* the identity columns' labels; NULL for none */
	struct row *rows;
	size_t n_rows, cap_rows;
	getter get;
};

/* V_NODE to V_CTR: the views whose rows are the walk's entities */
enum { V_INFO, V_NODE, V_POD, V_CTR, V__COUNT };

/* the view whose rows are the walk's entities of each level (the walk
 * yields no file: the MIB has no file table) */
static const int level_view[PM_LEVEL__COUNT] = {
	[PM_LEVEL_NODE] = V_NODE, [PM_LEVEL_POD] = V_POD, [PM_LEVEL_CONTAINER] = V_CTR};

/* The transactions (SNMP requests of the master: AgentX transactionIDs) a
 * generation has answered, the last GEN_TRANSIDS of them */
#define GEN_TRANSIDS 16

/* One snapshot's tree */
struct gen {
	struct view views[V__COUNT]; /* in OID order */
	struct row info;             /* the info scalars' one row */
	const struct pm_snapshot *snap;
	char root[PATH_MAX];
	unsigned interval;
	long transid[GEN_TRANSIDS]; /* a ring */
	unsigned n_transid;         /* how many were recorded, ever */
};

/*
 * Two generations: the current one, and the one before, kept for the
 * transactions it began. One SNMP request can take the master several
 * AgentX requests: it turns a GETBULK into one GETNEXT per repetition, each
 * sent once the last is answered, and a sample may come between them. A
 * request of a transaction the previous generation answered is answered
 * from that one, so that one PDU to the manager is always one snapshot.
 */
struct pm_tree {
	struct gen g[2];
	int cur;          /* g[cur] answers every new transaction */
	bool old_ok;      /* g[!cur] answers the transactions it began */
	uint64_t old_ns;  /* when g[!cur] last answered (CLOCK_MONOTONIC) */
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const oid mib_oid[] = {PM_SNMP_ENTERPRISES_OID, PM_SNMP_ENTERPRISE};

/* ---- values ------------------------------------------------------------ */

/* a PodmemUtf8String: at most 511 bytes (its SIZE), cut at a character boundary */
#define PM_SNMP_STRING_MAX 511
static bool set_string(struct value *v, const char *s)
{
	size_t n = strlen(s);
	if (n > PM_SNMP_STRING_MAX) {
		n = PM_SNMP_STRING_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	v->type = ASN_OCTET_STR;
	v->buf = s;
	v->len = n;
	return true;
}

static bool set_integer(struct value *v, u_char type, long x)
{
	v->type = type;
	v->integer = x;
	v->buf = &v->integer;
	v->len = sizeof v->integer;
	return true;
}

static bool set_truth(struct value *v, bool b)
{
	return set_integer(v, ASN_INTEGER, b ? 1 : 2); /* TruthValue */
}

/* a catalogue metric's column of E; false when absent */
static bool set_metric(struct value *v, const struct pm_entity *e, oid col)
{
	oid m = col - PM_SNMP_METRIC_BASE;
	if (col < PM_SNMP_METRIC_BASE || m >= PM_M__COUNT || !pm_metric_at((enum pm_metric)m, e->level) ||
	    !pm_has(e->val, (enum pm_metric)m))
		return false;
	v->type = ASN_COUNTER64; /* CounterBasedGauge64 too */
	v->c64.high = e->val->v[m] >> 32;
	v->c64.low = e->val->v[m] & 0xffffffffu;
	v->buf = &v->c64;
	v->len = sizeof v->c64;
	return true;
}

/* DateAndTime in UTC: year(2) month day hour min sec decisec '+' 0 0 */
static bool set_date(struct value *v, uint64_t time_ns)
{
	time_t secs = (time_t)(time_ns / 1000000000u);
	struct tm tm;
	if (!time_ns || !gmtime_r(&secs, &tm))
		return false;
	int year = tm.tm_year + 1900;
	u_char d[11] = {(u_char)(year >> 8), (u_char)year, (u_char)(tm.tm_mon + 1), (u_char)tm.tm_mday,
			(u_char)tm.tm_hour, (u_char)tm.tm_min, (u_char)tm.tm_sec,
			(u_char)(time_ns / 100000000u % 10), '+', 0, 0};
	memcpy(v->date, d, sizeof d);
	v->type = ASN_OCTET_STR;
	v->buf = v->date;
	v->len = sizeof d;
	return true;
}

/* The MIB's enumerations of the ENUM labels' numbers: podmemPodKind,
 * PodmemQos, podmemContainerRuntime. An out-of-range number is the first,
 * none(1) or unknown(1). */
static const long mib_kind[] = {[PM_POD] = 1, [PM_GROUP] = 2};
static const long mib_qos[] = {[PM_QOS_NONE] = 1, [PM_QOS_GUARANTEED] = 2, [PM_QOS_BURSTABLE] = 3,
			       [PM_QOS_BESTEFFORT] = 4};
static const long mib_runtime[] = {[PM_RT_UNKNOWN] = 1, [PM_RT_CONTAINERD] = 2, [PM_RT_CRIO] = 3,
				   [PM_RT_DOCKER] = 4};
#define MIB_ENUM(a) {a, sizeof a / sizeof a[0]}
static const struct {
	const long *v;
	size_t n;
} mib_enums[PM_L__COUNT] = {
	[PM_L_KIND] = MIB_ENUM(mib_kind), [PM_L_QOS] = MIB_ENUM(mib_qos), [PM_L_RUNTIME] = MIB_ENUM(mib_runtime)};

/* label L of E as an identity column: text, the MIB's enumeration, or a
 * TruthValue; false when E's level does not carry it */
static bool set_label(struct value *v, const struct pm_entity *e, enum pm_label l)
{
	int num = 0;
	const char *s = pm_label_value(e, l, &num);
	if (!s)
		return false;
	switch (pm_labels[l].type) {
	case PM_LT_STR:
		return set_string(v, s);
	case PM_LT_BOOL:
		return set_truth(v, num);
	case PM_LT_ENUM:
		return mib_enums[l].v &&
		       set_integer(v, ASN_INTEGER, (unsigned)num < mib_enums[l].n ? mib_enums[l].v[num] : 1);
	}
	return false;
}

static bool info_value(const struct gen *t, const struct view *view, const struct row *r, oid col,
		       struct value *v)
{
	const struct pm_snapshot *s = t->snap;
	(void)view, (void)r;
	switch (col) {
	case PM_INFO_VERSION:
		return set_string(v, PODMEM_VERSION);
	case PM_INFO_CGROUP_VERSION:
		return s->cgroup_version && set_integer(v, ASN_INTEGER, s->cgroup_version);
	case PM_INFO_CGROUP_ROOT:
		return set_string(v, t->root);
	case PM_INFO_KUBERNETES:
		return set_truth(v, s->kubernetes);
	case PM_INFO_SAMPLE_TIME:
		return set_date(v, s->time_ns);
	case PM_INFO_SAMPLE_INTERVAL:
		return set_integer(v, ASN_UNSIGNED, (long)t->interval);
	case PM_INFO_POD_COUNT:
		return set_integer(v, ASN_GAUGE, (long)t->views[V_POD].n_rows);
	case PM_INFO_CONTAINER_COUNT:
		return set_integer(v, ASN_GAUGE, (long)t->views[V_CTR].n_rows);
	}
	return false;
}

/* a node, pod or container row: an identity column's label, or a metric */
static bool entity_value(const struct gen *t, const struct view *view, const struct row *r, oid col,
			 struct value *v)
{
	(void)t;
	for (const struct pm_snmp_ident *i = view->ident; i && i->col; i++)
		if (i->col == col)
			return set_label(v, &r->e, i->label);
	return set_metric(v, &r->e, col);
}

static bool pod_value(const struct gen *t, const struct view *view, const struct row *r, oid col,
		      struct value *v)
{
	if (col == PM_POD_CONTAINERS)
		return set_integer(v, ASN_GAUGE, (long)r->e.pod->n_containers);
	return entity_value(t, view, r, col, v);
}

/* ---- rows -------------------------------------------------------------- */

/* Appends KEY to R's index as a length-prefixed string of at most MAX
 * bytes; a longer key becomes its first MAX - 17 bytes, '/' and the hash
 * of the whole key (PodmemKey in the MIB). False for an empty key. */
static bool idx_append(struct row *r, const char *key, size_t max)
{
	char buf[PM_SNMP_CTR_KEY_MAX + 1];
	size_t n = strlen(key);
	if (!n)
		return false;
	if (n > max) {
		snprintf(buf, sizeof buf, "%.*s/%016llx", (int)(max - 17), key,
			 (unsigned long long)pm_fnv1a(PM_FNV1A_INIT, key, n));
		key = buf;
		n = max;
	}
	r->idx[r->idx_len++] = (unsigned char)n;
	memcpy(r->idx + r->idx_len, key, n);
	r->idx_len += n;
	return true;
}

/* label L of E, or ALT's when L's is empty (a group's UID, an unknown ID) */
static const char *key(const struct pm_entity *e, enum pm_label l, enum pm_label alt)
{
	const char *s = pm_label_value(e, l, NULL);
	return s && *s ? s : pm_label_value(e, alt, NULL);
}

/* R's index from its entity: .0 for the node; the pod's key (its UID, a
 * group's cgroup name); the pod's key and the container's (its ID, else
 * its cgroup name). False when a key is empty. */
static bool row_index(struct row *r)
{
	const struct pm_entity *e = &r->e;
	if (e->level == PM_LEVEL_NODE) {
		r->idx[r->idx_len++] = 0;
		return true;
	}
	return idx_append(r, key(e, PM_L_POD_UID, PM_L_POD), PM_SNMP_POD_KEY_MAX) &&
	       (e->level == PM_LEVEL_POD ||
		idx_append(r, key(e, PM_L_CONTAINER_ID, PM_L_CONTAINER), PM_SNMP_CTR_KEY_MAX));
}

/* compares an OID suffix with an index, as snmp_oid_compare() does */
static int idx_cmp(const oid *name, size_t len, const unsigned char *idx, size_t idx_len)
{
	for (size_t i = 0; i < len && i < idx_len; i++)
		if (name[i] != idx[i])
			return name[i] < idx[i] ? -1 : 1;
	return len < idx_len ? -1 : len > idx_len;
}

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	size_t n = x->idx_len < y->idx_len ? x->idx_len : y->idx_len;
	int c = memcmp(x->idx, y->idx, n);
	return c ? c : (x->idx_len > y->idx_len) - (x->idx_len < y->idx_len);
}

static struct row *row_add(struct view *v)
{
	struct row *r = pm_grow(&v->rows, &v->cap_rows, v->n_rows, sizeof *r);
	if (!r)
		return NULL;
	v->n_rows++;
	r->idx_len = 0;
	return r;
}

/* Sorts V's rows and drops any whose index repeats an earlier one's (two
 * cgroups the core reported with the same key: never two live pods). */
static void rows_sort(struct view *v)
{
	size_t n = 0;
	if (v->n_rows) /* qsort's array may not be NULL, even when empty */
		qsort(v->rows, v->n_rows, sizeof *v->rows, row_cmp);
	for (size_t i = 0; i < v->n_rows; i++) {
		if (n && !row_cmp(&v->rows[n - 1], &v->rows[i])) {
			DEBUGMSGTL(("podmem", "dropping a row with a duplicate index\n"));
			continue;
		}
		v->rows[n++] = v->rows[i];
	}
	v->n_rows = n;
}

/* empties the views whose rows are the walk's entities */
static void rows_clear(struct gen *t)
{
	for (int v = V_NODE; v <= V_CTR; v++)
		t->views[v].n_rows = 0;
}

static int gen_build(struct gen *t, const struct pm_snapshot *snap, const char *root)
{
	struct pm_walk w;
	struct pm_entity e;

	t->snap = snap;
	if (strcmp(t->root, root)) /* a copy: the old generation outlives a reload's context */
		snprintf(t->root, sizeof t->root, "%s", root);
	t->n_transid = 0;
	rows_clear(t);
	for (pm_walk_init(&w, snap); pm_walk_next(&w, &e);) {
		struct view *v = &t->views[level_view[e.level]];
		struct row *r = row_add(v);
		if (!r) {
			rows_clear(t);
			return -ENOMEM;
		}
		r->e = e;
		if (!row_index(r)) /* a pod with no key drops its containers too */
			v->n_rows--;
	}
	for (int v = V_NODE; v <= V_CTR; v++)
		rows_sort(&t->views[v]);
	return 0;
}

int pm_tree_build(struct pm_tree *t, const struct pm_snapshot *snap, const char *root)
{
	int rc = gen_build(&t->g[!t->cur], snap, root);
	t->cur = !t->cur;
	t->old_ok = true;
	t->old_ns = 0;
	return rc;
}

bool pm_tree_busy(const struct pm_tree *t, uint64_t within_ns)
{
	return t->old_ns && now_ns() - t->old_ns < within_ns;
}

static bool gen_answered(const struct gen *g, long transid)
{
	unsigned n = g->n_transid < GEN_TRANSIDS ? g->n_transid : GEN_TRANSIDS;
	for (unsigned i = 0; i < n; i++)
		if (g->transid[i] == transid)
			return true;
	return false;
}

/* the generation that answers a request of transaction TRANSID */
static const struct gen *gen_for(struct pm_tree *t, long transid)
{
	struct gen *cur = &t->g[t->cur];
	if (gen_answered(cur, transid))
		return cur;
	if (t->old_ok && gen_answered(&t->g[!t->cur], transid)) {
		DEBUGMSGTL(("podmem", "transaction %ld: answered from the sample before\n", transid));
		t->old_ns = now_ns();
		return &t->g[!t->cur];
	}
	cur->transid[cur->n_transid++ % GEN_TRANSIDS] = transid;
	return cur;
}

/* ---- lookups ----------------------------------------------------------- */

/* the first row whose index is greater than NAME (or, with EXACT, equal to it) */
static size_t row_find(const struct view *v, const oid *name, size_t len, bool exact)
{
	size_t lo = 0, hi = v->n_rows;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = idx_cmp(name, len, v->rows[mid].idx, v->rows[mid].idx_len);
		if (c > 0 || (c == 0 && !exact))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has_col(const struct view *v, oid col)
{
	for (size_t i = 0; i < v->n_cols; i++)
		if (v->cols[i] == col)
			return true;
	return false;
}

/* GET: 0 with *VAL set, or the exception to answer */
static int tree_get(const struct gen *t, const oid *name, size_t len, struct value *val)
{
	for (const struct view *v = t->views; v < t->views + V__COUNT; v++) {
		size_t p = v->prefix_len, i;
		if (len <= p || snmp_oid_compare(name, p, v->prefix, p))
			continue;
		if (!has_col(v, name[p]))
			return SNMP_NOSUCHOBJECT;
		i = row_find(v, name + p + 1, len - p - 1, true);
		if (i < v->n_rows && !idx_cmp(name + p + 1, len - p - 1, v->rows[i].idx, v->rows[i].idx_len) &&
		    v->get(t, v, &v->rows[i], name[p], val))
			return 0;
		return SNMP_NOSUCHINSTANCE;
	}
	return SNMP_NOSUCHOBJECT;
}

/* GETNEXT within one view: the first present instance after NAME */
static bool view_next(const struct gen *t, const struct view *v, const oid *name, size_t len, oid *ret,
		      size_t *ret_len, struct value *val)
{
	size_t p = v->prefix_len;
	int c = snmp_oid_compare(name, len < p ? len : p, v->prefix, p);
	oid col0 = 0;
	bool after = false; /* start after NAME's index in column col0 */

	if (c > 0)
		return false;
	if (c == 0 && len > p) {
		col0 = name[p];
		after = len > p + 1;
	}
	for (size_t k = 0; k < v->n_cols; k++) {
		oid col = v->cols[k];
		if (col < col0)
			continue;
		size_t i = col == col0 && after ? row_find(v, name + p + 1, len - p - 1, false) : 0;
		for (; i < v->n_rows; i++) {
			const struct row *r = &v->rows[i];
			if (!v->get(t, v, r, col, val))
				continue;
			memcpy(ret, v->prefix, p * sizeof *ret);
			ret[p] = col;
			for (size_t j = 0; j < r->idx_len; j++)
				ret[p + 1 + j] = r->idx[j];
			*ret_len = p + 1 + r->idx_len;
			return true;
		}
	}
	return false;
}

static bool tree_next(const struct gen *t, const oid *name, size_t len, oid *ret, size_t *ret_len,
		      struct value *val)
{
	for (const struct view *v = t->views; v < t->views + V__COUNT; v++)
		if (view_next(t, v, name, len, ret, ret_len, val))
			return true;
	return false;
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg, netsnmp_agent_request_info *ri,
		   netsnmp_request_info *requests)
{
	/* every varbind of the request from one generation (ri->asp is the
	 * master's request, its transactionID the manager's SNMP request) */
	const struct gen *t = gen_for(h->myvoid, ri->asp && ri->asp->pdu ? ri->asp->pdu->transid : 0);
	oid next[MAX_OID_LEN];
	size_t next_len;
	struct value val;
	(void)reg;

	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		int rc;
		if (r->processed)
			continue;
		switch (ri->mode) {
		case MODE_GET:
			rc = tree_get(t, vb->name, vb->name_length, &val);
			if (rc)
				netsnmp_set_request_error(ri, r, rc);
			else
				snmp_set_var_typed_value(vb, val.type, val.buf, val.len);
			break;
		case MODE_GETNEXT:
			/* nothing after it here: leave the varbind alone and the
			 * agent moves on to the next registration */
			if (tree_next(t, vb->name, vb->name_length, next, &next_len, &val)) {
				snmp_set_var_objid(vb, next, next_len);
				snmp_set_var_typed_value(vb, val.type, val.buf, val.len);
			}
			break;
		default:
			netsnmp_set_request_error(ri, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

/* ---- set-up ------------------------------------------------------------ */

static void view_init(struct view *v, oid group, bool table, getter get, const struct pm_snmp_ident *ident)
{
	size_t n = 0;
	for (size_t i = 0; i < OID_LENGTH(mib_oid); i++)
		v->prefix[n++] = mib_oid[i];
	v->prefix[n++] = PM_SNMP_OBJECTS;
	v->prefix[n++] = group;
	if (table)
		v->prefix[n++] = 1; /* the entry */
	v->prefix_len = n;
	v->get = get;
	v->ident = ident;
}

/* columns FIRST..LAST */
static void view_cols(struct view *v, oid first, oid last)
{
	for (oid c = first; c <= last; c++)
		v->cols[v->n_cols++] = c;
}

/* then the columns of the catalogue metrics of LEVEL */
static void view_metrics(struct view *v, enum pm_level level)
{
	for (int m = 0; m < PM_M__COUNT; m++)
		if (pm_metric_at((enum pm_metric)m, level))
			v->cols[v->n_cols++] = PM_SNMP_METRIC_BASE + (oid)m;
}

static void gen_init(struct gen *t, unsigned interval)
{
	static const struct pm_snapshot empty;
	t->interval = interval;
	t->snap = &empty;
	t->info.idx_len = 1; /* .0 */
	view_init(&t->views[V_INFO], PM_SNMP_INFO, false, info_value, NULL);
	view_cols(&t->views[V_INFO], PM_INFO_VERSION, PM_INFO_CONTAINER_COUNT);
	t->views[V_INFO].rows = &t->info;
	t->views[V_INFO].n_rows = 1;
	view_init(&t->views[V_NODE], PM_SNMP_NODE, false, entity_value, NULL);
	view_metrics(&t->views[V_NODE], PM_LEVEL_NODE);
	view_init(&t->views[V_POD], PM_SNMP_POD_TABLE, true, pod_value, pm_snmp_pod_ident);
	view_cols(&t->views[V_POD], PM_POD_KIND, PM_POD_CONTAINERS);
	view_metrics(&t->views[V_POD], PM_LEVEL_POD);
	view_init(&t->views[V_CTR], PM_SNMP_CTR_TABLE, true, entity_value, pm_snmp_ctr_ident);
	view_cols(&t->views[V_CTR], PM_CTR_NAMESPACE, PM_CTR_SANDBOX);
	view_metrics(&t->views[V_CTR], PM_LEVEL_CONTAINER);
}

struct pm_tree *pm_tree_new(unsigned interval)
{
	struct pm_tree *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	gen_init(&t->g[0], interval);
	gen_init(&t->g[1], interval);
	return t;
}

void pm_tree_free(struct pm_tree *t)
{
	if (!t)
		return;
	for (int g = 0; g < 2; g++)
		for (int v = V_NODE; v <= V_CTR; v++)
			free(t->g[g].views[v].rows);
	free(t);
}

int pm_tree_register(struct pm_tree *t)
{
	oid objects[OID_LENGTH(mib_oid) + 1]; /* podmemObjects; without its last arc, podmemMIB */
	netsnmp_handler_registration *reg;

	memcpy(objects, mib_oid, sizeof mib_oid);
	objects[OID_LENGTH(mib_oid)] = PM_SNMP_OBJECTS;
	reg = netsnmp_create_handler_registration("podmem", handler, objects, OID_LENGTH(objects),
						  HANDLER_CAN_RONLY);
	if (!reg) {
		snmp_log(LOG_ERR, "cannot create the podmem handler\n");
		return -1;
	}
	reg->handler->myvoid = t;
	if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
		snmp_log(LOG_ERR, "cannot register PODMEM-MIB::podmemObjects\n");
		return -1;
	}
	register_sysORTable(objects, OID_LENGTH(mib_oid), "PODMEM-MIB: memory of each pod and container");
	return 0;
}
