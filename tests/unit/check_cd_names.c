/* The collectd front end's plugin instances (mapping, shortening, hash
 * suffix, UTF-8 boundaries) and its Namespace/Metrics name patterns
 * (plugins/collectd/pm_cd_names.c, which has no collectd headers). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "pm_cd_names.h"

#define INSTANCE_SIZE 128 /* collectd's DATA_MAX_NAME_LEN */

static void instance(char *out, size_t size, const char *ns, const char *pod, const char *ctr)
{
	const char *parts[] = {ns, pod, ctr};
	pm_cd_instance(out, size, parts, 3, false);
}

/* OUT is PREFIX, then "~" and 16 lowercase hex digits */
static bool hashed(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(out, prefix, n) || out[n] != '~' || strlen(out + n + 1) != 16)
		return false;
	return strspn(out + n + 1, "0123456789abcdef") == 16;
}

/* names collectd carries as they are, and those it cannot */
static const struct {
	const char *ns, *pod, *ctr;
	const char *want; /* the instance */
	bool hash;        /* WANT is the prefix before "~" and the hash */
} cases[] = {
	{"default", "web-0", "", "default_web-0", false},
	{"kube-system", "coredns-5d78c9869d-x7k2p", "POD", "kube-system_coredns-5d78c9869d-x7k2p_POD", false},
	{"", "2a3b4c5d-6e7f-4081-9293-0000000000b2", "", "2a3b4c5d-6e7f-4081-9293-0000000000b2", false},
	{"", "system.slice", "ssh.service", "system.slice_ssh.service", false},
	{"ns", "\xe6\xbc\xa2\xe5\xad\x97", "", "ns_\xe6\xbc\xa2\xe5\xad\x97", false}, /* valid UTF-8 stays */
	{"ns x", "a/b", "", "ns_x_a_b", true},
	{"n", "q\"uo\\te", "t\tab~", "n_q_uo_te_t_ab_", true},
	{"n", "\xff\xfe", "", "n___", true},           /* not UTF-8 */
	{"n", "\xc0\xaf", "", "n___", true},           /* overlong '/' */
	{"n", "\xed\xa0\x80", "", "n____", true},      /* a surrogate */
	{"n", "\xf4\x90\x80\x80", "", "n_____", true}, /* past U+10FFFF */
	{"n", "a\xe6\xbc", "", "n_a__", true},         /* cut short */
	{"n", "del\x7f", "", "n_del_", true},
};

START_TEST(instance_cases)
{
	char out[INSTANCE_SIZE], again[INSTANCE_SIZE];

	instance(out, sizeof out, cases[_i].ns, cases[_i].pod, cases[_i].ctr);
	instance(again, sizeof again, cases[_i].ns, cases[_i].pod, cases[_i].ctr);
	if (cases[_i].hash)
		ck_assert_msg(hashed(out, cases[_i].want), "case %d: want \"%s\"~hash, got \"%s\"", _i, cases[_i].want,
			      out);
	else
		ck_assert_str_eq(out, cases[_i].want);
	ck_assert_str_eq(out, again); /* the same every time */
}
END_TEST

START_TEST(changed_and_plain_differ)
{
	/* a changed name never equals the plain name it maps onto */
	char out[INSTANCE_SIZE], plain[INSTANCE_SIZE];
	instance(out, sizeof out, "ns x", "a/b", "");
	instance(plain, sizeof plain, "ns_x", "a_b", "");
	ck_assert_str_ne(out, plain);
}
END_TEST

START_TEST(lengths)
{
	char name[300], other[300], out[INSTANCE_SIZE], out2[INSTANCE_SIZE];

	memset(name, 'a', 127);
	name[127] = '\0';
	instance(out, sizeof out, "", name, "");
	ck_assert_str_eq(out, name); /* 127 bytes fit */

	name[127] = 'a';
	name[128] = '\0';
	instance(out, sizeof out, "", name, "");
	name[110] = '\0';
	ck_assert_uint_eq(strlen(out), 127);
	ck_assert_msg(hashed(out, name), "128 bytes are cut to 110 and a hash: \"%s\"", out);

	/* two names alike in their first 250 bytes stay apart */
	memset(name, 'b', 260);
	name[260] = '\0';
	strcpy(other, name);
	other[259] = 'c';
	instance(out, sizeof out, "ns", name, "ctr");
	instance(out2, sizeof out2, "ns", other, "ctr");
	ck_assert_str_ne(out, out2);
	ck_assert_uint_eq(strlen(out), 127);
	ck_assert_uint_eq(strlen(out2), 127);

	/* the cut keeps whole UTF-8 characters: 109 + 3 bytes would pass 110 */
	memset(name, 'd', 109);
	strcpy(name + 109, "\xe6\xbc\xa2"
			   "tail-to-make-it-long-enough");
	instance(out, sizeof out, "", name, "");
	name[109] = '\0';
	ck_assert_msg(hashed(out, name), "a cut keeps whole characters: got \"%s\" (%zu bytes)", out, strlen(out));

	/* a small buffer: as many characters as fit before the suffix */
	char small[24];
	instance(small, sizeof small, "", "abcdefghijklmnopqrstuvwxyz", "");
	ck_assert_msg(hashed(small, "abcdef"), "a 24-byte buffer: \"%s\"", small);

	/* the tenant's pair that met in the old 32-bit FNV suffix (issue 10) now differs */
	memset(name, 'p', 115);
	strcpy(name + 115, "v5iaaaaaaaaa");
	memset(other, 'p', 115);
	strcpy(other + 115, "m1chaaaaaaaa");
	instance(out, sizeof out, "ns", name, "");
	instance(out2, sizeof out2, "ns", other, "");
	ck_assert_str_ne(out, out2);

	/* asked for, a plain name gets the suffix too: "node" as a group is not the node */
	const char *node[] = {"", "node", ""};
	pm_cd_instance(out, sizeof out, node, 3, true);
	ck_assert_msg(hashed(out, "node"), "a forced hash: \"%s\"", out);
}
END_TEST

static const struct {
	const char *pattern, *name;
	bool match;
} pats[] = {
	{"default", "default", true},    {"default", "default2", false}, {"default", "", false},
	{"/^kube-/", "kube-system", true}, {"/^kube-/", "xkube-", false}, {"/a/", "bab", true},
	{"/^(x|y)$/", "y", true},        {"/^$/", "", true},              {"/", "/", true},
	{"/", "x", false},               {"", "", true},
};

START_TEST(pattern_cases)
{
	char err[256];
	struct pm_cd_pat p;

	ck_assert_msg(pm_cd_pat_init(&p, pats[_i].pattern, err, sizeof err) == 0, "'%s' does not compile: %s",
		      pats[_i].pattern, err);
	ck_assert_msg(pm_cd_pat_match(&p, pats[_i].name) == pats[_i].match, "'%s' on '%s': want %s", pats[_i].pattern,
		      pats[_i].name, pats[_i].match ? "a match" : "no match");
	pm_cd_pat_free(&p);
}
END_TEST

/* found by tests/fuzz/fuzz_collectd_config: glibc's regcomp copies what a
 * '+' or {n,m} repeats, so a short pattern took gigabytes, and stacked
 * repetitions took seconds; such patterns are refused with a reason, and
 * patterns of everyday size still compile */
START_TEST(pattern_too_large)
{
	char err[256], big[300];
	struct pm_cd_pat p;
	static const char *const refused[] = {
		"/^in++++++++++++++++++++++++++++++++++++++++++++++++++++++/", "/((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+/",
		"/~\xff\xff+\xff+?++++++++++/", /* stacked: seconds in regcomp (found by fuzz_collectd_config, a timeout) */
		"/a+?/", "/(a{2,9}){300}/",
		"/a{100}{100}/", "/a{4096}/", "/a{1,5000}/", "/a{99999999999999999999}/",
	};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		err[0] = 0;
		ck_assert_msg(pm_cd_pat_init(&p, refused[i], err, sizeof err) < 0, "'%s' is taken", refused[i]);
		ck_assert_msg(strstr(err, "too large"), "'%s': %s", refused[i], err);
	}
	memset(big, 'a', sizeof big);
	big[0] = '/', big[sizeof big - 2] = '/', big[sizeof big - 1] = 0;
	ck_assert(pm_cd_pat_init(&p, big, err, sizeof err) < 0);
	static const char *const taken[] = {"/^team-[a-z]+-prod$/", "/^a{3}b{1,8}$/", "/^(kube|ops)-.+$/",
		"/^[a-z0-9]{1,63}\\.[a-z]{1,63}$/", "/^[[:alpha:]]+(-[0-9]+)?$/", "/[]+]+/", "/(a+)+b/", "/\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+\\+/"};
	for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
		ck_assert_msg(pm_cd_pat_init(&p, taken[i], err, sizeof err) == 0, "'%s': %s", taken[i], err);
		pm_cd_pat_free(&p);
	}
}
END_TEST

START_TEST(pattern_lists)
{
	char err[256] = "";
	struct pm_cd_pats l = {0};

	ck_assert(!pm_cd_pats_match(&l, "x")); /* an empty list matches nothing */
	ck_assert_msg(pm_cd_pats_add(&l, "a", err, sizeof err) == 0, "list add: %s", err);
	ck_assert_msg(pm_cd_pats_add(&l, "/^b/", err, sizeof err) == 0, "list add: %s", err);
	/* a bad regex is refused with a reason, and not added */
	ck_assert_int_lt(pm_cd_pats_add(&l, "/[/", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "regular expression"));
	ck_assert_uint_eq(l.n, 2);
	/* a list matches any of its patterns */
	ck_assert(pm_cd_pats_match(&l, "a"));
	ck_assert(pm_cd_pats_match(&l, "bc"));
	ck_assert(!pm_cd_pats_match(&l, "c"));
	pm_cd_pats_free(&l);
	ck_assert_uint_eq(l.n, 0); /* a freed list is empty */
	ck_assert_ptr_null(l.v);
}
END_TEST

Suite *suite_cd_names(void)
{
	Suite *s = suite_create("cd_names");
	TCase *tc = tcase_create("cd_names");
	tcase_add_loop_test(tc, instance_cases, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, changed_and_plain_differ);
	tcase_add_test(tc, lengths);
	tcase_add_loop_test(tc, pattern_cases, 0, (int)(sizeof pats / sizeof pats[0]));
	tcase_add_test(tc, pattern_lists);
	tcase_add_test(tc, pattern_too_large);
	suite_add_tcase(s, tc);
	return s;
}
