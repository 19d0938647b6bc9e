/* The walk over a snapshot, the file entity of a file scan's file, and the
 * values of their labels: the one way every front end reaches the entities
 * of a sample and names them. */
#include "pm_internal.h"

void pm_walk_init(struct pm_walk *w, const struct pm_snapshot *snap)
{
	*w = (struct pm_walk){.snap = snap};
}

bool pm_walk_next(struct pm_walk *w, struct pm_entity *e)
{
	const struct pm_snapshot *s = w->snap;

	if (!w->node_done) {
		w->node_done = true;
		if (s->node_ok) {
			*e = (struct pm_entity){.level = PM_LEVEL_NODE, .val = &s->node};
			return true;
		}
	}
	/* w->ctr: 0 while the pod itself is next, else the next container + 1 */
	while (w->pod < s->n_pods) {
		const struct pm_pod *p = &s->pods[w->pod];
		if (w->ctr == 0) {
			w->ctr = 1;
			*e = (struct pm_entity){.level = PM_LEVEL_POD, .val = &p->val, .pod = p};
			return true;
		}
		if (w->ctr <= p->n_containers) {
			const struct pm_container *c = &p->containers[w->ctr - 1];
			w->ctr++;
			*e = (struct pm_entity){.level = PM_LEVEL_CONTAINER, .val = &c->val, .pod = p, .ctr = c};
			return true;
		}
		w->pod++;
		w->ctr = 0;
	}
	return false;
}

static const char *number(int *num, int n, const char *text)
{
	if (num)
		*num = n;
	return text;
}

static const char *truth(int *num, bool b)
{
	return number(num, b, b ? "true" : "false");
}

const char *pm_label_value(const struct pm_entity *e, enum pm_label l, int *num)
{
	if ((unsigned)l >= PM_L__COUNT || !pm_label_at(l, e->level))
		return NULL;
	const struct pm_pod_ident *p = &e->pod->ident;
	const struct pm_ctr_ident *c = e->ctr ? &e->ctr->ident : NULL;
	const struct pm_file *f = e->file;
	if (pm_labels[l].owner == PM_LEVEL_CONTAINER && !c)
		return NULL; /* a file of the whole pod */
	switch (l) {
	case PM_L_KIND: return number(num, (int)p->kind, p->kind == PM_GROUP ? "group" : "pod");
	case PM_L_NAMESPACE: return p->namespace_;
	case PM_L_POD: return p->name;
	case PM_L_POD_UID: return p->uid;
	case PM_L_QOS: return number(num, (int)p->qos, pm_qos_name(p->qos));
	case PM_L_CGROUP: return p->cgroup;
	case PM_L_CONTAINER: return c->name;
	case PM_L_CONTAINER_ID: return c->id;
	case PM_L_RUNTIME: return number(num, (int)c->runtime, pm_runtime_name(c->runtime));
	case PM_L_SANDBOX: return truth(num, c->sandbox);
	case PM_L_PATH: return f->path;
	case PM_L_DELETED: return truth(num, f->deleted);
	case PM_L_TMPFS: return truth(num, f->tmpfs);
	case PM_L__COUNT: break;
	}
	return NULL;
}

void pm_file_entity(struct pm_entity *e, const struct pm_pod *pod, const struct pm_container *ctr,
		    const struct pm_file *f, bool charged_known, struct pm_values *val)
{
	memset(val->present, 0, sizeof val->present);
	pm_set(val, PM_M_SIZE, f->size);
	pm_set(val, PM_M_CACHED, f->cached);
	if (f->states_known) {
		pm_set(val, PM_M_DIRTY, f->dirty);
		pm_set(val, PM_M_WRITEBACK, f->writeback);
		pm_set(val, PM_M_RECENTLY_EVICTED, f->recently_evicted);
	}
	if (charged_known)
		pm_set(val, PM_M_CHARGED, f->charged);
	*e = (struct pm_entity){.level = PM_LEVEL_FILE, .val = val, .pod = pod, .ctr = ctr, .file = f};
}
