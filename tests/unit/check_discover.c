/* Directory names of both cgroup drivers and every runtime, and log names. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

struct name_case {
	const char *name;
	int in_pod;
	enum pm_dir_class cls;
	enum pm_qos qos;
	const char *uid_or_id;
	enum pm_runtime rt;
};

static const char ID[] = "82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6";
static const struct name_case cases[] = {
	{"kubepods", 0, PM_DIR_KUBEPODS, 0, NULL, 0},
	{"kubepods.slice", 0, PM_DIR_KUBEPODS, 0, NULL, 0},
	{"kubelet-kubepods.slice", 0, PM_DIR_KUBEPODS, 0, NULL, 0}, /* kubelet --cgroup-root=/kubelet.slice */
	{"burstable", 0, PM_DIR_QOS, PM_QOS_BURSTABLE, NULL, 0},
	{"besteffort", 0, PM_DIR_QOS, PM_QOS_BESTEFFORT, NULL, 0},
	{"kubepods-burstable.slice", 0, PM_DIR_QOS, PM_QOS_BURSTABLE, NULL, 0},
	{"kubelet-kubepods-besteffort.slice", 0, PM_DIR_QOS, PM_QOS_BESTEFFORT, NULL, 0},
	{"pod2a3b4c5d-6e7f-4081-9293-0000000000b2", 0, PM_DIR_POD, 0, "2a3b4c5d-6e7f-4081-9293-0000000000b2", 0},
	{"kubepods-burstable-pod2a3b4c5d_6e7f_4081_9293_0000000000b2.slice", 0, PM_DIR_POD, 0,
	 "2a3b4c5d-6e7f-4081-9293-0000000000b2", 0},
	{"kubepods-pod1f2e3d4c_5b6a_4789_8abc_0000000000a1.slice", 0, PM_DIR_POD, 0,
	 "1f2e3d4c-5b6a-4789-8abc-0000000000a1", 0},
	{"kubelet-kubepods-besteffort-pod3c4d5e6f_7081_4293_a4b5_0000000000c3.slice", 0, PM_DIR_POD, 0,
	 "3c4d5e6f-7081-4293-a4b5-0000000000c3", 0},
	{"system.slice", 0, PM_DIR_OTHER, 0, NULL, 0},
	{"podman", 0, PM_DIR_OTHER, 0, NULL, 0},
	{"pod-not-a-uid!", 0, PM_DIR_OTHER, 0, NULL, 0},
	/* found by tests/fuzz/fuzz_cgdir: a cgroupfs pod directory with '_' was
	 * taken as the pod with dashes, two cgroups under one UID */
	{"pod00003_00", 0, PM_DIR_OTHER, 0, NULL, 0},
	{"pod2a3b4c5d_6e7f_4081_9293_0000000000b2", 0, PM_DIR_OTHER, 0, NULL, 0},
	{"82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6", 1, PM_DIR_CONTAINER, 0, ID,
	 PM_RT_UNKNOWN},
	{"cri-containerd-82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6.scope", 1, PM_DIR_CONTAINER,
	 0, ID, PM_RT_CONTAINERD},
	{"crio-82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6.scope", 1, PM_DIR_CONTAINER, 0, ID,
	 PM_RT_CRIO},
	{"crio-82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6", 1, PM_DIR_CONTAINER, 0, ID,
	 PM_RT_CRIO},
	{"docker-82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6.scope", 1, PM_DIR_CONTAINER, 0, ID,
	 PM_RT_DOCKER},
	{"crio-conmon-82a3c64c4edd6d6d2b5f4a8932cd967309e2cbd35a039d3e2b9cc4c4376de0e6.scope", 1, PM_DIR_IGNORE, 0,
	 NULL, 0},
};

START_TEST(classify)
{
	const struct name_case *c = &cases[_i];
	enum pm_qos q = PM_QOS_NONE;
	enum pm_runtime rt = PM_RT_UNKNOWN;
	char uid[PM_UID_MAX] = "", id[PM_ID_MAX] = "";
	enum pm_dir_class cls = pm_classify(c->name, c->in_pod, &q, uid, id, &rt);
	ck_assert_msg(cls == c->cls, "%s: class %d, expected %d", c->name, cls, c->cls);
	if (cls == PM_DIR_QOS)
		ck_assert_int_eq(q, c->qos);
	if (cls == PM_DIR_POD)
		ck_assert_str_eq(uid, c->uid_or_id);
	if (cls == PM_DIR_CONTAINER) {
		ck_assert_str_eq(id, c->uid_or_id);
		ck_assert_int_eq(rt, c->rt);
	}
}
END_TEST

START_TEST(pod_log_names)
{
	char ns[PM_NS_MAX], pod[PM_NAME_MAX], uid[PM_UID_MAX];
	ck_assert_int_eq(pm_parse_pod_log_name("kube-system_coredns-5d78c9869d-x7k2p_1f2e3d4c-5b6a-4789-8abc-0000000000a1",
					       ns, sizeof ns, pod, sizeof pod, uid, sizeof uid), 0);
	ck_assert_str_eq(ns, "kube-system");
	ck_assert_str_eq(pod, "coredns-5d78c9869d-x7k2p");
	ck_assert_str_eq(uid, "1f2e3d4c-5b6a-4789-8abc-0000000000a1");
	ck_assert_int_eq(pm_parse_pod_log_name("ns with space_pod \"q\" \\b,é=ü\n_uid-1", ns, sizeof ns, pod, sizeof pod,
					       uid, sizeof uid), 0);
	ck_assert_str_eq(pod, "pod \"q\" \\b,é=ü\n");
	/* the old layout (/var/log/pods/<uid>) carries no names */
	ck_assert_int_lt(pm_parse_pod_log_name("1f2e3d4c-5b6a-4789-8abc-0000000000a1", ns, sizeof ns, pod, sizeof pod, uid,
					       sizeof uid), 0);
	ck_assert_int_lt(pm_parse_pod_log_name("a_b", ns, sizeof ns, pod, sizeof pod, uid, sizeof uid), 0);
	ck_assert_int_lt(pm_parse_pod_log_name("__", ns, sizeof ns, pod, sizeof pod, uid, sizeof uid), 0);
	char longns[200];
	memset(longns, 'n', sizeof longns);
	strcpy(longns + 150, "_p_u");
	ck_assert_int_lt(pm_parse_pod_log_name(longns, ns, sizeof ns, pod, sizeof pod, uid, sizeof uid), 0);
}
END_TEST

START_TEST(container_log_names)
{
	char pod[PM_NAME_MAX], ns[PM_NS_MAX], ctr[PM_NAME_MAX], id[PM_ID_MAX];
	ck_assert_int_eq(pm_parse_container_log_name("web-0_default_side-car-9daed8fc2b5d.log", pod, sizeof pod, ns,
						     sizeof ns, ctr, sizeof ctr, id, sizeof id), 0);
	ck_assert_str_eq(pod, "web-0");
	ck_assert_str_eq(ns, "default");
	ck_assert_str_eq(ctr, "side-car");
	ck_assert_str_eq(id, "9daed8fc2b5d");
	ck_assert_int_lt(pm_parse_container_log_name("web-0_default_app.log", pod, sizeof pod, ns, sizeof ns, ctr,
						     sizeof ctr, id, sizeof id), 0);
	ck_assert_int_lt(pm_parse_container_log_name("web-0_default_app-123.txt", pod, sizeof pod, ns, sizeof ns, ctr,
						     sizeof ctr, id, sizeof id), 0);
	ck_assert_int_lt(pm_parse_container_log_name("nounderscores-123.log", pod, sizeof pod, ns, sizeof ns, ctr,
						     sizeof ctr, id, sizeof id), 0);
	ck_assert_int_lt(pm_parse_container_log_name(".log", pod, sizeof pod, ns, sizeof ns, ctr, sizeof ctr, id,
						     sizeof id), 0);
}
END_TEST

/* a string of N times C, then TAIL */
static const char *rep(char *buf, char c, size_t n, const char *tail)
{
	memset(buf, c, n);
	strcpy(buf + n, tail);
	return buf;
}

static bool k8s_ok(const char *s, bool subdomain)
{
	return pm_k8s_name_invalid(s, strlen(s), subdomain) == NULL;
}

/* the DNS-1123 rules, at their edges */
START_TEST(k8s_names)
{
	char b[400];
	/* labels: namespaces and containers */
	ck_assert(k8s_ok("default", false));
	ck_assert(k8s_ok("a", false));
	ck_assert(k8s_ok("0", false));
	ck_assert(k8s_ok("kube-system", false));
	ck_assert(k8s_ok("a--b", false));
	ck_assert(k8s_ok("9lives", false));
	ck_assert(k8s_ok(rep(b, 'n', 63, ""), false));
	ck_assert(!k8s_ok(rep(b, 'n', 64, ""), false));
	ck_assert_str_eq(pm_k8s_name_invalid(b, 64, false), "longer than 63 bytes");
	ck_assert_str_eq(pm_k8s_name_invalid("", 0, false), "empty");
	ck_assert_str_eq(pm_k8s_name_invalid("", 0, true), "empty");
	ck_assert(!k8s_ok("Default", false));
	ck_assert(!k8s_ok("a_b", false));
	ck_assert(!k8s_ok("a.b", false)); /* a dot: only in a subdomain */
	ck_assert(!k8s_ok("-a", false));
	ck_assert(!k8s_ok("a-", false));
	ck_assert(!k8s_ok("-", false));
	ck_assert(!k8s_ok("a b", false));
	ck_assert(!k8s_ok("caf\xc3\xa9", false));
	ck_assert(!k8s_ok("a\nb", false));
	ck_assert(!k8s_ok("a\"b", false));
	ck_assert(!k8s_ok("a\\b", false));
	ck_assert(!k8s_ok("a\x80", false));
	ck_assert(!k8s_ok("\xff", false));
	ck_assert(!k8s_ok("a/b", false));
	ck_assert(!k8s_ok("a\x7f", false));
	/* a NUL inside the length is no letter either */
	ck_assert_ptr_nonnull(pm_k8s_name_invalid("ab\0c", 4, false));
	/* subdomains: pods */
	ck_assert(k8s_ok("web-0", true));
	ck_assert(k8s_ok("coredns-5d78c9869d-x7k2p", true));
	ck_assert(k8s_ok("a.b.c", true));
	ck_assert(k8s_ok("my-app.v1.example-1", true));
	ck_assert(k8s_ok("0.0", true));
	ck_assert(k8s_ok(rep(b, 'p', 253, ""), true));
	ck_assert(k8s_ok(rep(b, 'p', 100, ".x"), true)); /* a label of a subdomain may pass 63 (Kubernetes' rule) */
	ck_assert(!k8s_ok(rep(b, 'p', 254, ""), true));
	ck_assert_str_eq(pm_k8s_name_invalid(b, 254, true), "longer than 253 bytes");
	ck_assert(!k8s_ok("a..b", true));
	ck_assert(!k8s_ok(".a", true));
	ck_assert(!k8s_ok("a.", true));
	ck_assert(!k8s_ok("a.-b", true));
	ck_assert(!k8s_ok("a-.b", true));
	ck_assert(!k8s_ok("-a.b", true));
	ck_assert(!k8s_ok("a.b-", true));
	ck_assert(!k8s_ok("Web-0", true));
	ck_assert(!k8s_ok("web_0", true));
	ck_assert(!k8s_ok("w\xc3\xa9" "b", true));
	ck_assert(!k8s_ok("\xe6\xbc\xa2", true));
}
END_TEST

/* which log entries are trusted, and why the others are not */
START_TEST(log_names_trusted)
{
	char why[160], b[400], name[600];
	const char *uid = "2a3b4c5d-6e7f-4081-9293-0000000000b2";
	ck_assert_int_eq(pm_check_pod_log_name("kube-system_coredns-5d78c9869d-x7k2p_1f2e3d4c-5b6a-4789-8abc-0000000000a1",
					       why, sizeof why), 0);
	ck_assert_int_eq(pm_check_pod_log_name("default_my.app.v1_uid", why, sizeof why), 0);
	snprintf(name, sizeof name, "%s_%s_%s", rep(b, 'n', 63, ""), "p", uid);
	ck_assert_int_eq(pm_check_pod_log_name(name, why, sizeof why), 0);
	snprintf(name, sizeof name, "%s_%s_%s", "n", rep(b, 'p', 253, ""), uid);
	ck_assert_int_eq(pm_check_pod_log_name(name, why, sizeof why), 0);
	/* no names in it: not said */
	ck_assert_int_eq(pm_check_pod_log_name(uid, why, sizeof why), 1);
	ck_assert_int_eq(pm_check_pod_log_name("a_b", why, sizeof why), 1);
	ck_assert_int_eq(pm_check_pod_log_name("a_b_", why, sizeof why), 1);
	/* names not as Kubernetes allows */
	ck_assert_int_eq(pm_check_pod_log_name("ns_a_b_uid", why, sizeof why), -EINVAL); /* '_' in the pod's name */
	ck_assert_str_eq(why, "its pod name is not a DNS-1123 subdomain (a byte other than a-z, 0-9, '-' and '.')");
	ck_assert_int_eq(pm_check_pod_log_name("Default_web-0_uid", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its namespace is not a DNS-1123 label (a byte other than a-z, 0-9 and '-')");
	ck_assert_int_eq(pm_check_pod_log_name("__uid", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its namespace is not a DNS-1123 label (empty)");
	ck_assert_int_eq(pm_check_pod_log_name("ns__uid", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its pod name is not a DNS-1123 subdomain (empty)");
	ck_assert_int_eq(pm_check_pod_log_name("ns_-web_uid", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its pod name is not a DNS-1123 subdomain (not starting and ending with a letter or digit)");
	ck_assert_int_eq(pm_check_pod_log_name("ns_web\n0_uid", NULL, 0), -EINVAL);
	ck_assert_int_eq(pm_check_pod_log_name("d\xc3\xa9" "faut_web-0_uid", NULL, 0), -EINVAL);
	snprintf(name, sizeof name, "%s_%s_%s", rep(b, 'n', 64, ""), "p", uid);
	ck_assert_int_eq(pm_check_pod_log_name(name, why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its namespace is not a DNS-1123 label (longer than 63 bytes)");
	snprintf(name, sizeof name, "%s_%s_%s", "n", rep(b, 'p', 254, ""), uid);
	ck_assert_int_eq(pm_check_pod_log_name(name, why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its pod name is not a DNS-1123 subdomain (longer than 253 bytes)");

	ck_assert_int_eq(pm_check_container_log_name("web-0_default_side-car-9daed8fc2b5d.log", why, sizeof why), 0);
	ck_assert_int_eq(pm_check_container_log_name("my.app.v1_default_app-9daed8fc2b5d.log", why, sizeof why), 0);
	snprintf(name, sizeof name, "p_n_%s-9daed8fc2b5d.log", rep(b, 'c', 63, ""));
	ck_assert_int_eq(pm_check_container_log_name(name, why, sizeof why), 0);
	ck_assert_int_eq(pm_check_container_log_name("web-0_default_app.log", why, sizeof why), 1);
	ck_assert_int_eq(pm_check_container_log_name("web-0_default_app-1.txt", why, sizeof why), 1);
	ck_assert_int_eq(pm_check_container_log_name("x-1.log", why, sizeof why), 1);
	ck_assert_int_eq(pm_check_container_log_name("a_b_c-.log", why, sizeof why), 1);
	/* ns_a_b + x against ns_a + b_x: the '_' is not trusted */
	ck_assert_int_eq(pm_check_container_log_name("a_ns_b_x-9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its container name is not a DNS-1123 label (a byte other than a-z, 0-9 and '-')");
	ck_assert_int_eq(pm_check_container_log_name("web-0_default_a.pp-9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its container name is not a DNS-1123 label (a byte other than a-z, 0-9 and '-')");
	ck_assert_int_eq(pm_check_container_log_name("Web-0_default_app-9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its pod name is not a DNS-1123 subdomain (a byte other than a-z, 0-9, '-' and '.')");
	ck_assert_int_eq(pm_check_container_log_name("web-0_d.x_app-9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its namespace is not a DNS-1123 label (a byte other than a-z, 0-9 and '-')");
	ck_assert_int_eq(pm_check_container_log_name("web-0_default_-9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its container name is not a DNS-1123 label (empty)");
	ck_assert_int_eq(pm_check_container_log_name("web-0_default_app--9daed8fc2b5d.log", why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its container name is not a DNS-1123 label (not starting and ending with a letter or digit)");
	snprintf(name, sizeof name, "p_n_%s-9daed8fc2b5d.log", rep(b, 'c', 64, ""));
	ck_assert_int_eq(pm_check_container_log_name(name, why, sizeof why), -EINVAL);
	ck_assert_str_eq(why, "its container name is not a DNS-1123 label (longer than 63 bytes)");
}
END_TEST

Suite *suite_discover(void)
{
	Suite *s = suite_create("discover");
	TCase *tc = tcase_create("names");
	tcase_add_loop_test(tc, classify, 0, (int)PM_ARRAY_LEN(cases));
	tcase_add_test(tc, pod_log_names);
	tcase_add_test(tc, container_log_names);
	tcase_add_test(tc, k8s_names);
	tcase_add_test(tc, log_names_trusted);
	suite_add_tcase(s, tc);
	return s;
}
