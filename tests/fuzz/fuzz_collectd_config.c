/* libFuzzer: the collectd plugin's <Plugin podmem> options
 * (plugins/collectd/pm_collectd.c's set_option), reached without a running
 * collectd: the input is made into the tree collectd's config parser hands a
 * plugin (oconfig_item_t, from collectd's own header), one option a line:
 *
 *   Key<TAB>value<TAB>value...      a value "#1.5" is a number, "?true" a
 *                                   boolean, anything else a string;
 *   a line starting with '<' is a block (one child option)
 *
 * and given to the plugin's option handler one option at a time, stopping at
 * the first refused, as podmem_config does. An option is refused (-1) with
 * exactly one error line naming it, or taken (0) with none; what it took is
 * what the option said. Of collectd's daemon, the plugin's config path calls
 * only plugin_log (caught here) and sstrncpy/sstrerror (given here);
 * anything else of the daemon's called from the config path traps. */
#include <stdarg.h>
#include <syslog.h>

#include "fuzz.h"
#include "pm_collectd.c"

static int n_errors;
static char last_error[1024];

void plugin_log(int level, const char *format, ...)
{
	va_list ap;
	if (level > LOG_ERR)
		return;
	n_errors++;
	va_start(ap, format);
	vsnprintf(last_error, sizeof last_error, format, ap);
	va_end(ap);
}

char *sstrncpy(char *dest, const char *src, size_t n)
{
	strncpy(dest, src, n);
	dest[n - 1] = 0;
	return dest;
}

char *sstrerror(int errnum, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", strerror(errnum));
	return buf;
}

/* not on the config path */
int plugin_dispatch_values(value_list_t const *vl) { (void)vl; __builtin_trap(); }
cdtime_t plugin_get_interval(void) { __builtin_trap(); }
meta_data_t *meta_data_create(void) { __builtin_trap(); }
void meta_data_destroy(meta_data_t *md) { (void)md; __builtin_trap(); }
int meta_data_add_string(meta_data_t *md, const char *key, const char *value) { (void)md, (void)key, (void)value; __builtin_trap(); }
int plugin_register_complex_config(const char *type, int (*cb)(oconfig_item_t *)) { (void)type, (void)cb; __builtin_trap(); }
int plugin_register_init(const char *name, plugin_init_cb cb) { (void)name, (void)cb; __builtin_trap(); }
int plugin_register_complex_read(const char *group, const char *name, plugin_read_cb cb, cdtime_t interval, user_data_t const *ud)
{
	(void)group, (void)name, (void)cb, (void)interval, (void)ud;
	__builtin_trap();
}

#define MAX_ITEMS 32
#define MAX_VALUES 8

/* one line "Key\tv\tv..." into IT (pieces pointing into LINE, cut in place) */
static void item(char *line, oconfig_item_t *it, oconfig_value_t *vals)
{
	char *save = NULL, *tok = strtok_r(line, "\t", &save);
	it->key = tok ? tok : line;
	it->values = vals;
	it->values_num = 0;
	while ((tok = strtok_r(NULL, "\t", &save)) && it->values_num < MAX_VALUES) {
		oconfig_value_t *v = &vals[it->values_num++];
		if (tok[0] == '#') {
			v->type = OCONFIG_TYPE_NUMBER;
			v->value.number = strtod(tok + 1, NULL);
		} else if (tok[0] == '?') {
			v->type = OCONFIG_TYPE_BOOLEAN;
			v->value.boolean = !strcmp(tok + 1, "true");
		} else {
			v->type = OCONFIG_TYPE_STRING;
			v->value.string = tok;
		}
	}
}

/* what option IT, taken, must have set in P */
static void taken_check(const struct podmem_cd *p, const oconfig_item_t *it)
{
	const oconfig_value_t *v = it->values;
	for (int r = 0; r < REPORT__COUNT; r++)
		if (report_key[r] && !strcasecmp(it->key, report_key[r]) && v[0].type == OCONFIG_TYPE_BOOLEAN)
			CHECK(p->report[r] == v[0].value.boolean);
	if (!strcasecmp(it->key, "RescanInterval"))
		CHECK(p->rescan_interval == DOUBLE_TO_CDTIME_T(v[0].value.number) && p->rescan_interval > 0);
	if (!strcasecmp(it->key, "Metrics"))
		for (int i = 0; i < it->values_num; i++) {
			int m = pm_metric_by_name(v[i].value.string);
			if (m >= 0)
				CHECK(p->metric_on[m]);
		}
	int core = pm_opt_find(it->key);
	if (core >= 0 && !strcasecmp(it->key, pm_core_opts[core].conf_name))
		CHECK(p->path[core] && !strcmp(p->path[core], v[0].value.string) && v[0].value.string[0] == '/');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	oconfig_item_t items[MAX_ITEMS], sub;
	oconfig_value_t vals[MAX_ITEMS][MAX_VALUES], subvals[MAX_VALUES];
	char *buf = fuzz_str(data, size), *save = NULL;
	int n = 0;
	if (!buf)
		return 0;
	for (char *line = strtok_r(buf, "\n", &save); line && n < MAX_ITEMS; line = strtok_r(NULL, "\n", &save)) {
		bool block = line[0] == '<';
		item(line + block, &items[n], vals[n]);
		items[n].parent = NULL;
		items[n].children = NULL;
		items[n].children_num = 0;
		if (block) {
			char key[] = "Child";
			sub = (oconfig_item_t){.key = key, .values = subvals};
			items[n].children = &sub;
			items[n].children_num = 1;
		}
		n++;
	}
	struct podmem_cd *p = podmem_cd_new();
	if (!p) {
		free(buf);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		n_errors = 0;
		int r = set_option(p, &items[i]);
		CHECK(r == 0 || r == -1);
		if (r < 0) {
			char head[300];
			snprintf(head, sizeof head, PLUGIN " plugin: %s", items[i].key);
			CHECK(MUTANT(n_errors) == 1 && !strncmp(last_error, head, strlen(head)) && !strchr(last_error, '\n'));
			break;
		}
		CHECK(MUTANT(n_errors) == 0);
		taken_check(p, &items[i]);
	}
	podmem_cd_free(p);
	free(buf);
	return 0;
}
