/* libFuzzer: cgroup directory names and kubelet's log names. A log name that
 * parses joins back into itself; a pod directory's UID is hex and dashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_internal.h"

static void check_uid(const char *uid)
{
	size_t n = strlen(uid);
	if (n < 8 || n >= PM_UID_MAX || strspn(uid, "0123456789abcdefABCDEF-") != n)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	char a[PM_NAME_MAX], b[PM_NS_MAX], c[PM_NAME_MAX], uid[PM_UID_MAX], id[PM_ID_MAX], back[3 * PM_NAME_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	if (pm_classify(s, 0, &q, uid, id, &rt) == PM_DIR_POD)
		check_uid(uid);
	if (pm_classify(s, 1, &q, uid, id, &rt) == PM_DIR_CONTAINER && strlen(id) >= PM_ID_MAX)
		__builtin_trap();
	if (pm_parse_pod_log_name(s, b, sizeof b, a, sizeof a, uid, sizeof uid) == 0) {
		snprintf(back, sizeof back, "%s_%s_%s", b, a, uid);
		if (strcmp(back, s) || !*b || !*a || !*uid)
			__builtin_trap();
	}
	if (pm_parse_container_log_name(s, a, sizeof a, b, sizeof b, c, sizeof c, id, sizeof id) == 0) {
		snprintf(back, sizeof back, "%s_%s_%s-%s.log", a, b, c, id);
		if (strcmp(back, s) || !*a || !*b || !*c || !*id || strchr(id, '-'))
			__builtin_trap();
	}
	free(s);
	return 0;
}
