/* libFuzzer: cgroup directory names (pm_classify), against a reference.
 *
 * Outside a pod: "kubepods", "[prefix-]kubepods.slice", the QoS classes of
 * both drivers, "pod<uid>" (cgroupfs) and "...-pod<uid_with_underscores>.slice"
 * (systemd), else other. Inside a pod: "crio-conmon-*" is skipped, anything
 * else is a container whose ID is the name without its runtime's prefix and
 * ".scope", cut to PM_ID_MAX - 1 bytes. */
#include <stdbool.h>

#include "fuzz.h"
#include "pm_internal.h"

static bool ends(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);
	return n >= m && !strcmp(s + n - m, sfx);
}

static bool starts(const char *s, const char *pfx)
{
	return !strncmp(s, pfx, strlen(pfx));
}

/* a UID: 8 or more hex digits and dashes, shorter than PM_UID_MAX */
static bool uid_ok(const char *u, size_t n)
{
	if (n < 8 || n >= PM_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF-", u[i]) || !u[i])
			return false;
	return true;
}

/* the reference's pod UID of NAME (dashed) into UID, or false */
static bool ref_pod(const char *name, char *uid)
{
	size_t n = strlen(name);
	if (starts(name, "pod") && uid_ok(name + 3, n - 3)) {
		strcpy(uid, name + 3);
		return true;
	}
	if (!ends(name, ".slice"))
		return false;
	const char *last = NULL;
	for (const char *p = name; (p = strstr(p, "-pod")); p++)
		last = p;
	if (!last)
		return false;
	size_t len = n - 6 - (size_t)(last + 4 - name);
	char u[PM_UID_MAX];
	if (len >= sizeof u)
		return false;
	for (size_t i = 0; i < len; i++)
		u[i] = last[4 + i] == '_' ? '-' : last[4 + i];
	u[len] = 0;
	if (!uid_ok(u, len))
		return false;
	strcpy(uid, u);
	return true;
}

static void outside(const char *name)
{
	enum pm_qos q = (enum pm_qos)-1;
	char uid[PM_UID_MAX] = "", id[PM_ID_MAX] = "", ruid[PM_UID_MAX];
	enum pm_runtime rt;
	enum pm_dir_class c = pm_classify(name, 0, &q, uid, id, &rt);
	bool kube = !strcmp(name, "kubepods") || !strcmp(name, "kubepods.slice") || ends(name, "-kubepods.slice");
	bool burst = !strcmp(name, "burstable") || ends(name, "kubepods-burstable.slice");
	bool best = !strcmp(name, "besteffort") || ends(name, "kubepods-besteffort.slice");
	enum pm_dir_class want = kube                 ? PM_DIR_KUBEPODS
				 : burst || best      ? PM_DIR_QOS
				 : ref_pod(name, ruid) ? PM_DIR_POD
						      : PM_DIR_OTHER;
	CHECK(c == want);
	if (c == PM_DIR_QOS)
		CHECK(q == (burst ? PM_QOS_BURSTABLE : PM_QOS_BESTEFFORT));
	if (c == PM_DIR_POD) {
		uid[0] ^= (char)MUTANT(0);
		CHECK(strlen(uid) < PM_UID_MAX && !strcmp(uid, ruid));
	}
}

static void inside(const char *name)
{
	static const struct {
		const char *prefix;
		enum pm_runtime rt;
	} rts[] = {{"cri-containerd-", PM_RT_CONTAINERD}, {"crio-", PM_RT_CRIO}, {"docker-", PM_RT_DOCKER}};
	enum pm_qos q;
	char uid[PM_UID_MAX], id[PM_ID_MAX], want[PM_ID_MAX];
	enum pm_runtime rt = (enum pm_runtime)-1, want_rt = PM_RT_UNKNOWN;
	enum pm_dir_class c = pm_classify(name, 1, &q, uid, id, &rt);
	if (starts(name, "crio-conmon-")) {
		CHECK(c == PM_DIR_IGNORE);
		return;
	}
	CHECK(c == PM_DIR_CONTAINER);
	const char *s = name;
	for (size_t i = 0; i < sizeof rts / sizeof rts[0]; i++)
		if (starts(name, rts[i].prefix)) {
			s = name + strlen(rts[i].prefix);
			want_rt = rts[i].rt;
			break;
		}
	size_t n = strlen(s) - (ends(name, ".scope") ? 6 : 0);
	if (n >= PM_ID_MAX)
		n = PM_ID_MAX - 1;
	memcpy(want, s, n);
	want[n] = 0;
	id[0] ^= (char)MUTANT(0);
	CHECK(rt == want_rt && strlen(id) < PM_ID_MAX && !strcmp(id, want));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	if (!memchr(data, 0, size) && !memchr(data, '/', size)) { /* what a directory entry can be called */
		outside(s);
		inside(s);
	}
	free(s);
	return 0;
}
