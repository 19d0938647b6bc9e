/* The catalogue table, the shared option table and the small name maps. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "pm_internal.h"

#define NODE PM_LEVEL_NODE
#define CG PM_LEVEL_CG
const struct pm_metric_info pm_metrics[PM_M__COUNT] = {
#define X(id, name, unit, kind, levels, v1, v2, node, help) \
	[PM_M_##id] = {name, PM_UNIT_##unit, PM_KIND_##kind, levels, v1, v2, node, help},
#include "pm_catalog.def"
#undef X
};
#undef NODE
#undef CG

int pm_metric_by_name(const char *name)
{
	for (int i = 0; i < PM_M__COUNT; i++)
		if (!strcmp(pm_metrics[i].name, name))
			return i;
	return -1;
}

const char *pm_qos_name(enum pm_qos q)
{
	switch (q) {
	case PM_QOS_GUARANTEED: return "guaranteed";
	case PM_QOS_BURSTABLE: return "burstable";
	case PM_QOS_BESTEFFORT: return "besteffort";
	case PM_QOS_NONE: break;
	}
	return "";
}

const char *pm_runtime_name(enum pm_runtime r)
{
	switch (r) {
	case PM_RT_CONTAINERD: return "containerd";
	case PM_RT_CRIO: return "crio";
	case PM_RT_DOCKER: return "docker";
	case PM_RT_UNKNOWN: break;
	}
	return "";
}

const struct pm_opt_desc pm_core_opts[PM_CORE_OPTS] = {
	{"cgroup-root", "CgroupRoot", "DIR",
	 "memory cgroup root (default: the memory controller's mount in /proc/self/mountinfo)"},
	{"proc-root", "ProcRoot", "DIR", "proc file system (default: /proc)"},
	{"pod-log-dir", "PodLogDir", "DIR", "kubelet's pod log directory, for pod names (default: /var/log/pods)"},
	{"container-log-dir", "ContainerLogDir", "DIR",
	 "kubelet's container log links, for container names (default: /var/log/containers)"},
};

int pm_opt_find(const char *key)
{
	for (int i = 0; i < PM_CORE_OPTS; i++)
		if (!strcasecmp(key, pm_core_opts[i].long_name) || !strcasecmp(key, pm_core_opts[i].conf_name))
			return i;
	return -1;
}

int pm_opts_set(struct pm_opts *o, int i, const char *value)
{
	if (!value || !*value)
		return -EINVAL;
	switch (i) {
	case 0: o->cgroup_root = value; return 0;
	case 1: o->proc_root = value; return 0;
	case 2: o->pod_log_dir = value; return 0;
	case 3: o->container_log_dir = value; return 0;
	}
	return -EINVAL;
}
