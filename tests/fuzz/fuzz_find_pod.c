/* libFuzzer: the POD argument of podmem explain and podmem files
 * (pm_find_pod: "namespace/pod", a pod name when only one pod has it, or a
 * pod UID, any case) and --container, on a snapshot with a name in two
 * namespaces and a group, against a reference: the pod it names, or
 * -ENOTUNIQ / -ENOENT exactly when the reference says so; the error line
 * NUL-terminated within its buffer. The input: SPEC, NUL, CONTAINER (none
 * when absent), NUL, then one byte: the error buffer's size. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "fuzz.h"
#include "pm_internal.h"

static struct pm_pod mkpod(const char *ns, const char *name, const char *uid, struct pm_container *ctrs, size_t n)
{
	struct pm_pod p = {.containers = ctrs, .n_containers = n};
	snprintf(p.ident.namespace_, sizeof p.ident.namespace_, "%s", ns);
	snprintf(p.ident.name, sizeof p.ident.name, "%s", name);
	snprintf(p.ident.uid, sizeof p.ident.uid, "%s", uid);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pm_container ctrs[2];
	static struct pm_pod pods[5];
	static struct pm_snapshot snap;
	if (!snap.n_pods) {
		snprintf(ctrs[0].ident.name, sizeof ctrs[0].ident.name, "app");
		snprintf(ctrs[1].ident.name, sizeof ctrs[1].ident.name, "POD");
		pods[0] = mkpod("default", "web-0", "2a3b4c5d-6e7f-4081-9293-0000000000b2", ctrs, 2);
		pods[1] = mkpod("staging", "web-0", "2a3b4c5d-6e7f-4081-9293-0000000000b3", NULL, 0);
		pods[2] = mkpod("batch", "job-1", "2a3b4c5d-6e7f-4081-9293-0000000000c1", ctrs, 1);
		pods[3] = mkpod("", "system.slice", "", NULL, 0); /* a group */
		pods[4] = mkpod("kube-system", "coredns", "1f2e3d4c-5b6a-4789-8abc-0000000000a1", NULL, 0);
		snap = (struct pm_snapshot){.pods = pods, .n_pods = 5};
	}
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	const char *spec = s, *ctr = NULL;
	size_t cap = 256;
	size_t l1 = strlen(s);
	if (l1 + 1 < size) {
		ctr = s + l1 + 1;
		size_t l2 = strlen(ctr);
		if (!l2)
			ctr = NULL;
		if (l1 + 1 + l2 + 1 < size)
			cap = 1 + (unsigned char)s[l1 + 1 + l2 + 1];
	}
	/* the reference */
	const struct pm_pod *want = NULL;
	int w = -ENOENT;
	const char *slash = strchr(spec, '/');
	size_t by_name = 0;
	for (size_t i = 0; i < snap.n_pods && !want; i++) {
		const struct pm_pod *p = &pods[i];
		if (slash) {
			char ns[PM_NS_MAX + 2];
			size_t nl = (size_t)(slash - spec);
			if (nl < sizeof ns) {
				memcpy(ns, spec, nl);
				ns[nl] = 0;
				if (!strcmp(ns, p->ident.namespace_) && !strcmp(slash + 1, p->ident.name))
					want = p;
			}
		} else if (p->ident.uid[0] && !strcasecmp(p->ident.uid, spec)) {
			want = p;
		}
	}
	if (!slash && !want)
		for (size_t i = 0; i < snap.n_pods; i++)
			if (!strcmp(pods[i].ident.name, spec) && !by_name++)
				want = &pods[i];
	if (by_name > 1)
		want = NULL, w = -ENOTUNIQ;
	const struct pm_container *wc = NULL;
	if (want) {
		w = 0;
		for (size_t j = 0; ctr && j < want->n_containers && !wc; j++)
			if (!strcmp(want->containers[j].ident.name, ctr))
				wc = &want->containers[j];
		if (ctr && !wc)
			w = -ENOENT;
	}

	char *err = malloc(cap);
	const struct pm_pod *got = (const void *)1;
	const struct pm_container *gc = (const void *)1;
	if (!err)
		__builtin_trap();
	memset(err, 'x', cap);
	int r = pm_find_pod(&snap, spec, ctr, &got, &gc, err, cap);
	CHECK(r == w);
	if (r == 0)
		CHECK(MUTANT((uintptr_t)got) == (uintptr_t)want && gc == wc);
	else
		CHECK(!got && !gc && memchr(err, 0, cap) && (err[0] || cap == 1));
	free(err);
	free(s);
	return 0;
}
