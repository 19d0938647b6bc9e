#include "pm_execd_files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* the key pm_files_scan() finds a pod by */
static const char *pod_id(const struct pm_pod *p)
{
	return *p->ident.uid ? p->ident.uid : p->ident.cgroup;
}

/* Copies S into X's strings; its offset, or SIZE_MAX when out of memory. */
static size_t str_add(struct execd_files *x, const char *s)
{
	size_t n = strlen(s) + 1, off = x->n_strs;
	if (!pm_grow(&x->strs, &x->cap_strs, off + n - 1, 1))
		return SIZE_MAX;
	memcpy(x->strs + off, s, n);
	x->n_strs += n;
	return off;
}

void execd_files_begin(struct execd_files *x)
{
	x->n_pods = x->n_rows = x->n_strs = 0;
}

/* F's series key in X's key buffer: its path as a line-protocol tag value
 * (the coarser of the two formats: what is one series there is one in
 * Prometheus too). False when out of memory. */
static bool series_key(struct execd_files *x, const struct pm_file *f, struct execd_file_row *r)
{
	size_t start = x->key.len;
	execd_escape(&x->key, f->path, EXECD_LP_KEY);
	while (x->key.len > start && x->key.p[x->key.len - 1] == '\\') /* as execd_lp_tag() drops them */
		x->key.len--;
	r->key = start;
	r->key_len = x->key.len - start;
	r->key_hash = pm_fnv1a(PM_FNV1A_INIT, x->key.p + start, r->key_len) ^ (uint64_t)f->deleted << 1 ^ f->tmpfs;
	return !x->key.oom;
}

static bool same_series(const struct execd_files *x, const struct execd_file_row *a, const struct execd_file_row *b)
{
	return a->key_hash == b->key_hash && a->f.deleted == b->f.deleted && a->f.tmpfs == b->f.tmpfs &&
	       a->key_len == b->key_len && !memcmp(x->key.p + a->key, x->key.p + b->key, a->key_len);
}

static void add_bytes(struct pm_file *to, const struct pm_file *f)
{
	to->size += f->size;
	to->cached += f->cached;
	to->dirty += f->dirty;
	to->writeback += f->writeback;
	to->evicted += f->evicted;
	to->recently_evicted += f->recently_evicted;
	to->charged += f->charged;
	to->states_known &= f->states_known;
}

/* the scan's order: charged bytes, then cached bytes, largest first */
static bool ranks_before(const struct pm_file *a, const struct pm_file *b)
{
	return a->charged != b->charged ? a->charged > b->charged : a->cached > b->cached;
}

int execd_files_take(struct execd_files *x, const struct pm_pod *pod, const struct pm_files *res)
{
	struct execd_file_pod *fp = pm_grow(&x->pods, &x->cap_pods, x->n_pods, sizeof *fp);
	if (!fp || (fp->id_off = str_add(x, pod_id(pod))) == SIZE_MAX)
		return -ENOMEM;
	fp->first = x->n_rows;
	fp->n = 0;
	fp->charged_known = res->charged_known;
	x->n_pods++;
	execd_buf_reset(&x->key);

	/* every file, in the scan's order: a new series while there is room, or added to its row */
	for (size_t i = 0; i < res->n_files; i++) {
		const struct pm_file *f = &res->files[i];
		struct execd_file_row *r = pm_grow(&x->rows, &x->cap_rows, x->n_rows, sizeof *r);
		if (!r || !series_key(x, f, r))
			return -ENOMEM;
		r->f = *f;
		struct execd_file_row *same = NULL;
		for (size_t j = fp->first; j < x->n_rows && !same; j++)
			if (same_series(x, &x->rows[j], r))
				same = &x->rows[j];
		if (same)
			add_bytes(&same->f, f);
		if (same || fp->n == x->top) {
			x->key.len = r->key;
			continue;
		}
		if ((r->path = str_add(x, f->path)) == SIZE_MAX)
			return -ENOMEM;
		x->n_rows++;
		fp->n++;
	}
	/* sums can change the order: insertion sort (at most EXECD_TOP_FILES_MAX rows), stable */
	struct execd_file_row *rows = x->rows + fp->first;
	for (size_t i = 1; i < fp->n; i++) {
		struct execd_file_row r = rows[i];
		size_t j = i;
		for (; j > 0 && ranks_before(&r.f, &rows[j - 1].f); j--)
			rows[j] = rows[j - 1];
		rows[j] = r;
	}
	return 0;
}

static int cmp_pod(const void *a, const void *b)
{
	return strcmp(((const struct execd_file_pod *)a)->id, ((const struct execd_file_pod *)b)->id);
}

void execd_files_end(struct execd_files *x)
{
	for (size_t i = 0; i < x->n_rows; i++)
		x->rows[i].f.path = x->strs + x->rows[i].path;
	for (size_t i = 0; i < x->n_pods; i++)
		x->pods[i].id = x->strs + x->pods[i].id_off;
	if (x->n_pods)
		qsort(x->pods, x->n_pods, sizeof *x->pods, cmp_pod);
}

int execd_files_scan(struct execd_files *x, struct pm_ctx *ctx, const struct pm_snapshot *snap,
		     struct execd_files_stats *st)
{
	int err = 0;

	*st = (struct execd_files_stats){0};
	execd_files_begin(x);
	for (size_t i = 0; i < snap->n_pods && !err; i++) {
		const struct pm_pod *pod = &snap->pods[i];
		const struct pm_files *res = &x->scan;
		err = pm_files_scan(ctx, pod, &x->opts, &x->scan);
		if (err == -ENOENT) { /* gone since the sample */
			err = 0;
			continue;
		}
		if (err < 0 || (err = execd_files_take(x, pod, res)) < 0)
			break;
		st->pods++;
		st->files += res->n_files;
		st->walked += res->walked;
		st->need |= res->need;
		if (res->budget_hit && !st->budget_hit)
			st->budget_hit = pod;
		if (!res->charged_known && !st->uncharged) {
			st->uncharged = pod;
			memcpy(st->charged_why, res->charged_why, sizeof st->charged_why);
		}
	}
	execd_files_end(x);
	st->rows = x->n_rows;
	/* the candidates of a big pod are many; the rows few: keep only those until the next scan */
	pm_files_free(&x->scan);
	execd_buf_free(&x->key);
	return err;
}

void execd_files_free(struct execd_files *x)
{
	free(x->pods);
	free(x->rows);
	free(x->strs);
	pm_files_free(&x->scan);
	execd_buf_free(&x->key);
	*x = (struct execd_files){.top = x->top, .opts = x->opts};
}

void execd_files_walk_init(struct execd_files_walk *w, const struct execd_files *x, const struct pm_snapshot *snap)
{
	w->x = x;
	w->snap = snap;
	w->pod = 0;
	w->fp = NULL;
	w->row = 0;
}

bool execd_files_walk_next(struct execd_files_walk *w, struct pm_entity *e)
{
	const struct execd_files *x = w->x;

	while (w->pod < w->snap->n_pods) {
		const struct pm_pod *pod = &w->snap->pods[w->pod];
		if (!w->fp) {
			struct execd_file_pod key = {.id = pod_id(pod)};
			w->fp = x->n_pods ? bsearch(&key, x->pods, x->n_pods, sizeof *x->pods, cmp_pod) : NULL;
			w->row = 0;
		}
		if (w->fp && w->row < w->fp->n) {
			const struct execd_file_row *r = &x->rows[w->fp->first + w->row++];
			pm_file_entity(e, pod, NULL, &r->f, w->fp->charged_known, &w->val);
			return true;
		}
		w->pod++;
		w->fp = NULL;
	}
	return false;
}
