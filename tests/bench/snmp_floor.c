/*
 * pm-snmp-floor: the floor an AgentX subagent's walk is measured against
 * (tests/bench/bench_snmp.sh). A minimal net-snmp AgentX subagent that
 * serves a static list of values: the very instances, types and values of a
 * walk of podmem-agentx, under another arc of the same length, so the same
 * tables (rows, columns, index strings, value types) cost it nothing beyond
 * a binary search per varbind. It samples nothing and holds no cgroup file.
 *
 *   pm-snmp-floor SOCKET ROOT DUMP
 *
 * SOCKET: the master's AgentX address. ROOT: the subtree to register
 * (.1.3.6.1.4.1.32473.9). DUMP: `snmpbulkwalk -On -Ox` output of the values
 * to serve, every OID under ROOT (Hex-STRING, INTEGER, Gauge32, Counter64;
 * a Hex-STRING may run on over several lines). Runs until SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

struct value {
	oid name[MAX_OID_LEN];
	size_t len;
	u_char type;
	long integer;
	struct counter64 c64;
	u_char *str;
	size_t str_len;
};

static struct value *values;
static size_t n_values, cap_values;
static size_t last = SIZE_MAX; /* the value a GETNEXT returned last */
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what, const char *line)
{
	fprintf(stderr, "pm-snmp-floor: %s: %s\n", what, line);
	exit(1);
}

/* appends the hex bytes of S to V's string */
static void add_hex(struct value *v, const char *s)
{
	char *end;
	for (;;) {
		unsigned long b = strtoul(s, &end, 16);
		if (end == s)
			return;
		v->str = realloc(v->str, v->str_len + 1);
		if (!v->str)
			die("out of memory", s);
		v->str[v->str_len++] = (u_char)b;
		s = end;
	}
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	struct value *cur = NULL;

	if (!f)
		die("cannot open", path);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] != '.') { /* a Hex-STRING's next line */
			if (cur && cur->type == ASN_OCTET_STR)
				add_hex(cur, line);
			continue;
		}
		char *eq = strstr(line, " = ");
		if (!eq)
			die("no ' = '", line);
		*eq = 0;
		char *val = eq + 3;
		if (n_values == cap_values) {
			cap_values = cap_values ? 2 * cap_values : 1024;
			values = realloc(values, cap_values * sizeof *values);
			if (!values)
				die("out of memory", path);
		}
		cur = &values[n_values++];
		memset(cur, 0, sizeof *cur);
		cur->len = MAX_OID_LEN;
		if (!read_objid(line, cur->name, &cur->len))
			die("bad OID", line);
		if (!strncmp(val, "Hex-STRING: ", 12)) {
			cur->type = ASN_OCTET_STR;
			add_hex(cur, val + 12);
		} else if (!strcmp(val, "\"\"")) {
			cur->type = ASN_OCTET_STR;
		} else if (!strncmp(val, "INTEGER: ", 9)) {
			cur->type = ASN_INTEGER;
			cur->integer = strtol(val + 9, NULL, 10);
		} else if (!strncmp(val, "Gauge32: ", 9)) {
			cur->type = ASN_GAUGE;
			cur->integer = (long)strtoul(val + 9, NULL, 10);
		} else if (!strncmp(val, "Counter64: ", 11)) {
			unsigned long long x = strtoull(val + 11, NULL, 10);
			cur->type = ASN_COUNTER64;
			cur->c64.high = (u_long)(x >> 32);
			cur->c64.low = (u_long)(x & 0xffffffffu);
		} else if (!strncmp(val, "No more variables", 17)) {
			n_values--;
			cur = NULL;
		} else {
			die("unknown type", val);
		}
	}
	fclose(f);
}

static int value_cmp(const void *a, const void *b)
{
	const struct value *x = a, *y = b;
	return snmp_oid_compare(x->name, x->len, y->name, y->len);
}

/* the first value whose name is greater than NAME (or, with EXACT, not less) */
static size_t find(const oid *name, size_t len, bool exact)
{
	size_t lo = 0, hi = n_values;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = snmp_oid_compare(values[mid].name, values[mid].len, name, len);
		if (c < 0 || (c == 0 && !exact))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void set(netsnmp_variable_list *vb, const struct value *v)
{
	switch (v->type) {
	case ASN_OCTET_STR:
		snmp_set_var_typed_value(vb, v->type, v->str, v->str_len);
		break;
	case ASN_COUNTER64:
		snmp_set_var_typed_value(vb, v->type, &v->c64, sizeof v->c64);
		break;
	default:
		snmp_set_var_typed_value(vb, v->type, &v->integer, sizeof v->integer);
		break;
	}
}

static int handler(netsnmp_mib_handler *h, netsnmp_handler_registration *reg, netsnmp_agent_request_info *ri,
		   netsnmp_request_info *requests)
{
	(void)h, (void)reg;
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		size_t i;
		if (r->processed)
			continue;
		switch (ri->mode) {
		case MODE_GET:
			i = find(vb->name, vb->name_length, true);
			if (i < n_values && !snmp_oid_compare(values[i].name, values[i].len, vb->name, vb->name_length))
				set(vb, &values[i]);
			else
				netsnmp_set_request_error(ri, r, SNMP_NOSUCHINSTANCE);
			break;
		case MODE_GETNEXT:
			/* a walk asks for what follows the value it got last */
			if (last < n_values &&
			    !snmp_oid_compare(values[last].name, values[last].len, vb->name, vb->name_length))
				i = last + 1;
			else
				i = find(vb->name, vb->name_length, false);
			last = i;
			if (i < n_values) {
				snmp_set_var_objid(vb, values[i].name, values[i].len);
				set(vb, &values[i]);
			}
			break;
		default:
			netsnmp_set_request_error(ri, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

int main(int argc, char **argv)
{
	oid root[MAX_OID_LEN];
	size_t root_len = MAX_OID_LEN;
	netsnmp_handler_registration *reg;

	if (argc != 4) {
		fprintf(stderr, "usage: pm-snmp-floor SOCKET ROOT DUMP\n");
		return 2;
	}
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, argv[1]);
	snmp_enable_stderrlog();
	init_agent("pm-snmp-floor");
	if (!read_objid(argv[2], root, &root_len))
		die("bad ROOT", argv[2]);
	load(argv[3]);
	if (n_values)
		qsort(values, n_values, sizeof *values, value_cmp);
	reg = netsnmp_create_handler_registration("floor", handler, root, root_len, HANDLER_CAN_RONLY);
	if (!reg || netsnmp_register_handler(reg) != MIB_REGISTERED_OK)
		die("cannot register", argv[2]);
	init_snmp("pm-snmp-floor");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	fprintf(stderr, "pm-snmp-floor: %zu values under %s\n", n_values, argv[2]);
	while (!stop)
		agent_check_and_process(1);
	snmp_shutdown("pm-snmp-floor");
	for (size_t i = 0; i < n_values; i++)
		free(values[i].str);
	free(values);
	return 0;
}
