/*
 * Names of the directories in a kubepods tree, for both kubelet cgroup drivers
 * (with kubelet's --cgroup-root prefix, "custom-" below) and every runtime:
 *
 *   cgroupfs: kubepods/                              systemd: [custom-]kubepods.slice/
 *             burstable/ besteffort/                          [custom-]kubepods-burstable.slice/
 *             pod<uid>/                                       [custom-]kubepods-burstable-pod<uid_>.slice/
 *             <id>/  crio-<id>/                               cri-containerd-<id>.scope  crio-<id>.scope
 *                                                             docker-<id>.scope  (crio-conmon-<id>.scope: skipped)
 *   Guaranteed pods sit directly in kubepods.
 */
#include <string.h>

#include "pm_internal.h"

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);
	return len >= n && !memcmp(s + len - n, suffix, n);
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* copies a UID of LEN bytes (hex digits and '-', or with SYSTEMD '_' in
 * their place) as dashed; false if it is not one. A cgroupfs "pod<uid>" with
 * '_' is not a pod: it would share its UID with the dashed one. */
static bool take_uid(const char *s, size_t len, char *uid, bool systemd)
{
	if (len < 8 || len >= PM_UID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '_' && systemd)
			c = '-';
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-'))
			return false;
		uid[i] = c;
	}
	uid[len] = 0;
	return true;
}

enum pm_dir_class pm_classify(const char *name, int in_pod, enum pm_qos *ret_qos, char *uid, char *id,
			      enum pm_runtime *ret_rt)
{
	size_t len = strlen(name);

	if (in_pod) {
		static const struct {
			const char *prefix;
			enum pm_runtime rt;
		} leaves[] = {
			{"cri-containerd-", PM_RT_CONTAINERD},
			{"crio-", PM_RT_CRIO},
			{"docker-", PM_RT_DOCKER},
		};
		if (ends_with(name, len, ".scope"))
			len -= 6;
		if (starts_with(name, "crio-conmon-"))
			return PM_DIR_IGNORE;
		const char *s = name;
		*ret_rt = PM_RT_UNKNOWN;
		for (size_t i = 0; i < PM_ARRAY_LEN(leaves); i++)
			if (starts_with(name, leaves[i].prefix)) {
				s = name + strlen(leaves[i].prefix);
				*ret_rt = leaves[i].rt;
				break;
			}
		len -= (size_t)(s - name);
		if (len >= PM_ID_MAX)
			len = PM_ID_MAX - 1;
		memcpy(id, s, len);
		id[len] = 0;
		return PM_DIR_CONTAINER;
	}
	if (!strcmp(name, "kubepods") || !strcmp(name, "kubepods.slice") || ends_with(name, len, "-kubepods.slice"))
		return PM_DIR_KUBEPODS;
	if (!strcmp(name, "burstable") || ends_with(name, len, "kubepods-burstable.slice")) {
		*ret_qos = PM_QOS_BURSTABLE;
		return PM_DIR_QOS;
	}
	if (!strcmp(name, "besteffort") || ends_with(name, len, "kubepods-besteffort.slice")) {
		*ret_qos = PM_QOS_BESTEFFORT;
		return PM_DIR_QOS;
	}
	if (starts_with(name, "pod") && take_uid(name + 3, len - 3, uid, false))
		return PM_DIR_POD;
	const char *p = strstr(name, "-pod");
	if (p && ends_with(name, len, ".slice")) {
		const char *u = p + 4;
		/* the last "-pod" is the pod's */
		for (const char *q; (q = strstr(u, "-pod"));)
			u = q + 4;
		if (take_uid(u, (size_t)(name + len - 6 - u), uid, true))
			return PM_DIR_POD;
	}
	return PM_DIR_OTHER;
}
