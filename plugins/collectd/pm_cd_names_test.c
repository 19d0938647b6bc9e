/*
 * Tests of the collectd front end's plugin instances and name patterns,
 * built under ASan and UBSan by build.mk and run by
 * tests/integration/collectd_names.sh. Prints one line per failure and a
 * closing summary; exit 1 on any failure.
 */
#include <stdio.h>
#include <string.h>

#include "pm_cd_names.h"

#define INSTANCE_SIZE 128 /* collectd's DATA_MAX_NAME_LEN */

static int checks, failures;

static void check(int ok, const char *what, const char *detail)
{
	checks++;
	if (!ok) {
		failures++;
		printf("FAIL %s: %s\n", what, detail);
	}
}

static void instance(char *out, size_t size, const char *ns, const char *pod, const char *ctr)
{
	const char *parts[] = {ns, pod, ctr};
	pm_cd_instance(out, size, parts, 3);
}

/* OUT is PREFIX, then "~" and 8 lowercase hex digits */
static int hashed(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(out, prefix, n) || out[n] != '~' || strlen(out + n + 1) != 8)
		return 0;
	return strspn(out + n + 1, "0123456789abcdef") == 8;
}

/* names collectd carries as they are, and those it cannot */
static const struct {
	const char *ns, *pod, *ctr;
	const char *want;   /* the instance */
	int hash;           /* 1: WANT is the prefix before "~" and the hash */
} cases[] = {
	{"default", "web-0", "", "default_web-0", 0},
	{"kube-system", "coredns-5d78c9869d-x7k2p", "POD", "kube-system_coredns-5d78c9869d-x7k2p_POD", 0},
	{"", "2a3b4c5d-6e7f-4081-9293-0000000000b2", "", "2a3b4c5d-6e7f-4081-9293-0000000000b2", 0},
	{"", "system.slice", "ssh.service", "system.slice_ssh.service", 0},
	{"ns", "\xe6\xbc\xa2\xe5\xad\x97", "", "ns_\xe6\xbc\xa2\xe5\xad\x97", 0}, /* valid UTF-8 stays */
	{"ns x", "a/b", "", "ns_x_a_b", 1},
	{"n", "q\"uo\\te", "t\tab~", "n_q_uo_te_t_ab_", 1},
	{"n", "\xff\xfe", "", "n___", 1},              /* not UTF-8 */
	{"n", "\xc0\xaf", "", "n___", 1},              /* overlong '/' */
	{"n", "\xed\xa0\x80", "", "n____", 1},         /* a surrogate */
	{"n", "\xf4\x90\x80\x80", "", "n_____", 1},    /* past U+10FFFF */
	{"n", "a\xe6\xbc", "", "n_a__", 1},            /* cut short */
	{"n", "del\x7f", "", "n_del_", 1},
};

static void test_cases(void)
{
	char out[INSTANCE_SIZE], again[INSTANCE_SIZE], msg[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		instance(out, sizeof out, cases[i].ns, cases[i].pod, cases[i].ctr);
		instance(again, sizeof again, cases[i].ns, cases[i].pod, cases[i].ctr);
		snprintf(msg, sizeof msg, "case %zu: want \"%s\"%s, got \"%s\"", i, cases[i].want,
			 cases[i].hash ? "~hash" : "", out);
		check(cases[i].hash ? hashed(out, cases[i].want) : !strcmp(out, cases[i].want), "instance", msg);
		check(!strcmp(out, again), "the same every time", msg);
	}
	/* a changed name never equals the plain name it maps onto */
	char plain[INSTANCE_SIZE];
	instance(out, sizeof out, "ns x", "a/b", "");
	instance(plain, sizeof plain, "ns_x", "a_b", "");
	check(strcmp(out, plain) != 0, "changed and plain names differ", out);
}

static void test_lengths(void)
{
	char name[300], other[300], out[INSTANCE_SIZE], out2[INSTANCE_SIZE], msg[512];

	memset(name, 'a', 127);
	name[127] = '\0';
	instance(out, sizeof out, "", name, "");
	check(!strcmp(out, name), "127 bytes fit", out);

	name[127] = 'a';
	name[128] = '\0';
	instance(out, sizeof out, "", name, "");
	name[118] = '\0';
	check(strlen(out) == 127 && hashed(out, name), "128 bytes are cut to 118 and a hash", out);

	/* two names alike in their first 250 bytes stay apart */
	memset(name, 'b', 260);
	name[260] = '\0';
	strcpy(other, name);
	other[259] = 'c';
	instance(out, sizeof out, "ns", name, "ctr");
	instance(out2, sizeof out2, "ns", other, "ctr");
	check(strcmp(out, out2) != 0 && strlen(out) == 127 && strlen(out2) == 127, "long names stay unique", out);

	/* the cut keeps whole UTF-8 characters: 117 + 3 bytes would pass 118 */
	memset(name, 'd', 117);
	strcpy(name + 117, "\xe6\xbc\xa2" "tail-to-make-it-long-enough");
	instance(out, sizeof out, "", name, "");
	name[117] = '\0';
	snprintf(msg, sizeof msg, "got \"%s\" (%zu bytes)", out, strlen(out));
	check(hashed(out, name), "a cut keeps whole characters", msg);

	/* a small buffer: as many characters as fit before the suffix */
	char small[16];
	instance(small, sizeof small, "", "abcdefghijklmnopqrstuvwxyz", "");
	check(hashed(small, "abcdef"), "a 16-byte buffer", small);
}

static void test_patterns(void)
{
	static const struct {
		const char *pattern, *name;
		int match;
	} pats[] = {
		{"default", "default", 1},   {"default", "default2", 0}, {"default", "", 0},
		{"/^kube-/", "kube-system", 1}, {"/^kube-/", "xkube-", 0}, {"/a/", "bab", 1},
		{"/^(x|y)$/", "y", 1},       {"/^$/", "", 1},            {"/", "/", 1},
		{"/", "x", 0},               {"", "", 1},
	};
	char err[256], msg[512];

	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		struct pm_cd_pat p;
		int rc = pm_cd_pat_init(&p, pats[i].pattern, err, sizeof err);
		snprintf(msg, sizeof msg, "'%s' on '%s'", pats[i].pattern, pats[i].name);
		check(rc == 0, "pattern compiles", msg);
		if (rc == 0) {
			check(pm_cd_pat_match(&p, pats[i].name) == pats[i].match, "pattern matches", msg);
			pm_cd_pat_free(&p);
		}
	}
	struct pm_cd_pats l = {0};
	check(!pm_cd_pats_match(&l, "x"), "an empty list matches nothing", "x");
	check(pm_cd_pats_add(&l, "a", err, sizeof err) == 0 && pm_cd_pats_add(&l, "/^b/", err, sizeof err) == 0,
	      "list add", err);
	check(pm_cd_pats_add(&l, "/[/", err, sizeof err) < 0 && strstr(err, "regular expression"),
	      "a bad regex is refused with a reason", err);
	check(l.n == 2, "a refused pattern is not added", "n");
	check(pm_cd_pats_match(&l, "a") && pm_cd_pats_match(&l, "bc") && !pm_cd_pats_match(&l, "c"),
	      "list matches any", "a bc c");
	pm_cd_pats_free(&l);
	check(l.n == 0 && l.v == NULL, "a freed list is empty", "n");
}

int main(void)
{
	test_cases();
	test_lengths();
	test_patterns();
	printf("%s: %d checks, %d failures\n", failures ? "FAIL" : "ok", checks, failures);
	return failures != 0;
}
