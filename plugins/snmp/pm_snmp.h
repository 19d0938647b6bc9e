/*
 * PODMEM-MIB's layout, shared by the MIB generator (pm_mibgen.c) and the
 * AgentX subagent (pm_agentx.c, pm_snmp_tree.c). Private to plugins/snmp.
 *
 *   podmemMIB            { enterprises PM_SNMP_ENTERPRISE }   MODULE-IDENTITY
 *     podmemObjects      .1
 *       podmemInfo       .1.1   scalars: version, cgroup version, root, ... (PM_INFO_*)
 *       podmemNode       .1.2   scalars: podmemNode<Metric>  at .1.2.<metric sub-id>
 *       podmemPodTable   .1.3   entry .1.3.1, columns PM_POD_* and the metrics
 *       podmemContainerTable .1.4  entry .1.4.1, columns PM_CTR_* and the metrics
 *     podmemConformance  .2
 *
 * A metric's sub-identifier, in the node group and in both tables, is
 * PM_SNMP_METRIC_BASE + its position in common/pm_catalog.def (0-based).
 * The catalogue is append-only, so a column never moves; identity columns
 * use the numbers below PM_SNMP_METRIC_BASE.
 */
#ifndef PM_SNMP_H
#define PM_SNMP_H

#include "podmem.h"

/* The OID arc: the one place it lives. PODMEM-MIB's MODULE-IDENTITY is
 * { enterprises PM_SNMP_ENTERPRISE }. 32473 is the documentation number of
 * RFC 5612; to move the MIB under your own Private Enterprise Number, change
 * it here, run `make snmp-mib` (regenerates plugins/snmp/mibs/PODMEM-MIB.txt)
 * and rebuild podmem-agentx. */
#define PM_SNMP_ENTERPRISE 32473
#define PM_SNMP_ENTERPRISES_OID 1, 3, 6, 1, 4, 1

#define PM_SNMP_OBJECTS 1 /* podmemObjects, under podmemMIB */
#define PM_SNMP_INFO 1    /* under podmemObjects */
#define PM_SNMP_NODE 2
#define PM_SNMP_POD_TABLE 3
#define PM_SNMP_CTR_TABLE 4

#define PM_SNMP_METRIC_BASE 100

/* podmemInfo scalars */
enum pm_info_col {
	PM_INFO_VERSION = 1,
	PM_INFO_CGROUP_VERSION,
	PM_INFO_CGROUP_ROOT,
	PM_INFO_KUBERNETES,
	PM_INFO_SAMPLE_TIME,
	PM_INFO_SAMPLE_INTERVAL,
	PM_INFO_POD_COUNT,
	PM_INFO_CONTAINER_COUNT,
};

/* podmemPodTable identity columns; 1 is the index, not accessible */
enum pm_pod_col {
	PM_POD_KEY = 1,
	PM_POD_KIND,
	PM_POD_NAMESPACE,
	PM_POD_NAME,
	PM_POD_UID,
	PM_POD_QOS,
	PM_POD_CGROUP,
	PM_POD_CONTAINERS,
};

/* podmemContainerTable identity columns; indexed by (podmemPodKey, podmemContainerKey) */
enum pm_ctr_col {
	PM_CTR_KEY = 1,
	PM_CTR_NAMESPACE,
	PM_CTR_POD,
	PM_CTR_POD_UID,
	PM_CTR_QOS,
	PM_CTR_NAME,
	PM_CTR_ID,
	PM_CTR_RUNTIME,
	PM_CTR_SANDBOX,
};

/* An identity column and the label (common/pm_labels.def) it shows: the
 * column's value is the label's (pm_label_value; an ENUM's or a BOOL's
 * number as the MIB's enumeration), and its descriptor is the table's prefix
 * and the label's name in CamelCase, less the table's own level: "pod_uid"
 * is podmemPodUid and podmemContainerPodUid, "container" podmemContainerName.
 * pm-mibgen checks PODMEM-MIB.txt.in against these. Each list ends at col 0. */
struct pm_snmp_ident {
	unsigned col;
	enum pm_label label;
};

/* podmemPodContainers, a count, is the pod table's own */
static const struct pm_snmp_ident pm_snmp_pod_ident[] = {
	{PM_POD_KIND, PM_L_KIND}, {PM_POD_NAMESPACE, PM_L_NAMESPACE}, {PM_POD_NAME, PM_L_POD},
	{PM_POD_UID, PM_L_POD_UID}, {PM_POD_QOS, PM_L_QOS},          {PM_POD_CGROUP, PM_L_CGROUP},
	{0, 0},
};

static const struct pm_snmp_ident pm_snmp_ctr_ident[] = {
	{PM_CTR_NAMESPACE, PM_L_NAMESPACE}, {PM_CTR_POD, PM_L_POD},         {PM_CTR_POD_UID, PM_L_POD_UID},
	{PM_CTR_QOS, PM_L_QOS},             {PM_CTR_NAME, PM_L_CONTAINER},  {PM_CTR_ID, PM_L_CONTAINER_ID},
	{PM_CTR_RUNTIME, PM_L_RUNTIME},     {PM_CTR_SANDBOX, PM_L_SANDBOX}, {0, 0},
};

/* Index strings: at most this many bytes, so that a container instance
 * (11 + 1 + (1 + 48) + (1 + 64) sub-identifiers) stays within 128. Longer
 * names become PREFIX "/" 16-hex-digit hash (see pm_snmp_tree.c). */
#define PM_SNMP_POD_KEY_MAX 48
#define PM_SNMP_CTR_KEY_MAX 64

#endif
