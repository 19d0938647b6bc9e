/* The catalogue table, the shared option table and the small name maps. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "pm_internal.h"

/* the level sets the catalogues write (no <stdio.h> here: FILE is free) */
#define NODE PM_AT_NODE
#define POD PM_AT_POD
#define CONTAINER PM_AT_CONTAINER
#define CG PM_AT_CG
#define FILE PM_AT_FILE
const struct pm_metric_info pm_metrics[PM_M__COUNT] = {
#define X(id, name, unit, kind, levels, v1, v2, node, help) \
	[PM_M_##id] = {name, PM_UNIT_##unit, PM_KIND_##kind, levels, v1, v2, node, help},
#include "pm_catalog.def"
#undef X
};
#undef POD
#undef CONTAINER

const struct pm_label_info pm_labels[PM_L__COUNT] = {
#define L(id, name, type, owner, levels, tag, help) \
	[PM_L_##id] = {name, PM_LT_##type, PM_LEVEL_##owner, levels, tag, help},
#define POD PM_AT_POD
#define CONTAINER PM_AT_CONTAINER
#include "pm_labels.def"
#undef L
};
#undef NODE
#undef POD
#undef CONTAINER
#undef CG
#undef FILE

const char *pm_level_name(enum pm_level l)
{
	switch (l) {
	case PM_LEVEL_NODE: return "node";
	case PM_LEVEL_POD: return "pod";
	case PM_LEVEL_CONTAINER: return "container";
	case PM_LEVEL_FILE: return "file";
	case PM_LEVEL__COUNT: break;
	}
	return "";
}

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

const struct pm_opt_desc pm_core_opts[PM_OPT__COUNT] = {
	[PM_OPT_CGROUP_ROOT] = {"cgroup-root", "CgroupRoot", "DIR",
	 "memory cgroup root (default: the memory controller's mount in /proc/self/mountinfo)"},
	[PM_OPT_PROC_ROOT] = {"proc-root", "ProcRoot", "DIR", "proc file system (default: /proc)"},
	[PM_OPT_POD_LOG_DIR] = {"pod-log-dir", "PodLogDir", "DIR", "kubelet's pod log directory, for pod names (default: /var/log/pods)"},
	[PM_OPT_CONTAINER_LOG_DIR] = {"container-log-dir", "ContainerLogDir", "DIR",
	 "kubelet's container log links, for container names (default: /var/log/containers)"},
	[PM_OPT_SYS_ROOT] = {"sys-root", "SysRoot", "DIR",
	 "sysfs, for physical RAM and huge page sizes (default: /sys)"},
	[PM_OPT_MAX_OPEN_FILES] = {"max-open-files", "MaxOpenFiles", "N",
	 "the most fds to keep open for cgroup files, 0 or more (default: what the soft RLIMIT_NOFILE leaves beyond an eighth of it, at least 64)"},
};

int pm_opt_find(const char *key)
{
	for (int i = 0; i < PM_OPT__COUNT; i++)
		if (!strcasecmp(key, pm_core_opts[i].long_name) || !strcasecmp(key, pm_core_opts[i].conf_name))
			return i;
	return -1;
}

int pm_opts_set(struct pm_opts *o, enum pm_core_opt opt, const char *value)
{
	if (!value || !*value)
		return -EINVAL;
	switch (opt) {
	case PM_OPT_CGROUP_ROOT: o->cgroup_root = value; return 0;
	case PM_OPT_PROC_ROOT: o->proc_root = value; return 0;
	case PM_OPT_POD_LOG_DIR: o->pod_log_dir = value; return 0;
	case PM_OPT_CONTAINER_LOG_DIR: o->container_log_dir = value; return 0;
	case PM_OPT_SYS_ROOT: o->sys_root = value; return 0;
	case PM_OPT_MAX_OPEN_FILES: {
		unsigned long n = 0;
		for (const char *c = value; *c; c++) {
			if (*c < '0' || *c > '9' || (n = n * 10 + (unsigned long)(*c - '0')) > PM_MAX_OPEN_FILES)
				return -EINVAL;
		}
		o->max_open_files = (unsigned)n;
		o->max_open_files_set = true;
		return 0;
	}
	case PM_OPT__COUNT: break;
	}
	return -EINVAL;
}
