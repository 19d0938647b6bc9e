/* libFuzzer: cgroup directory names and kubelet's log names. */
#include <stdlib.h>
#include <string.h>

#include "pm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	char a[PM_NAME_MAX], b[PM_NS_MAX], c[PM_NAME_MAX], uid[PM_UID_MAX], id[PM_ID_MAX];
	enum pm_qos q;
	enum pm_runtime rt;
	pm_classify(s, 0, &q, uid, id, &rt);
	pm_classify(s, 1, &q, uid, id, &rt);
	pm_parse_pod_log_name(s, b, sizeof b, a, sizeof a, uid, sizeof uid);
	pm_parse_container_log_name(s, a, sizeof a, b, sizeof b, c, sizeof c, id, sizeof id);
	free(s);
	return 0;
}
