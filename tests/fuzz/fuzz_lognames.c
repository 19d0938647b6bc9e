/* libFuzzer: kubelet's log directory and link names (pm_names.c):
 *   /var/log/pods/<namespace>_<pod>_<uid>
 *   /var/log/containers/<pod>_<namespace>_<container>-<id>.log
 * A name that parses joins back into itself, every field is non-empty and
 * fits its buffer, the namespace and the UID (of a pod directory), the pod
 * and the namespace (of a link) hold no '_', and the ID no '-'. */
#include <stdio.h>

#include "fuzz.h"
#include "pm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memchr(data, 0, size) || memchr(data, '/', size))
		return 0; /* not a directory entry's name */
	char *s = fuzz_str(data, size);
	if (!s)
		return 0;
	char a[PM_NAME_MAX], b[PM_NS_MAX], c[PM_NAME_MAX], uid[PM_UID_MAX], id[PM_ID_MAX], back[4 * PM_NAME_MAX];
	if (pm_parse_pod_log_name(s, b, sizeof b, a, sizeof a, uid, sizeof uid) == 0) {
		CHECK(strlen(b) < sizeof b && strlen(a) < sizeof a && strlen(uid) < sizeof uid);
		CHECK(*b && *a && *uid && !strchr(b, '_') && !strchr(uid, '_'));
		snprintf(back, sizeof back, "%s_%s_%s", b, a, uid);
		back[0] ^= (char)MUTANT(0);
		CHECK(!strcmp(back, s));
	}
	if (pm_parse_container_log_name(s, a, sizeof a, b, sizeof b, c, sizeof c, id, sizeof id) == 0) {
		CHECK(strlen(a) < sizeof a && strlen(b) < sizeof b && strlen(c) < sizeof c && strlen(id) < sizeof id);
		CHECK(*a && *b && *c && *id && !strchr(id, '-') && !strchr(a, '_') && !strchr(b, '_'));
		snprintf(back, sizeof back, "%s_%s_%s-%s.log", a, b, c, id);
		back[0] ^= (char)MUTANT(0);
		CHECK(!strcmp(back, s));
	}
	free(s);
	return 0;
}
