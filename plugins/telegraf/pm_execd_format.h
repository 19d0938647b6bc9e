/*
 * One snapshot as one batch of text: InfluxDB line protocol for Telegraf, or
 * the Prometheus text exposition format for node_exporter's textfile
 * collector. Entities come from the core's walk, names from its catalogues
 * (pm_metrics[], pm_labels[], pm_level_name()); a metric is written only at
 * the levels it belongs to, and only where it is present.
 */
#ifndef PM_EXECD_FORMAT_H
#define PM_EXECD_FORMAT_H

#include "pm_execd_files.h"
#include "pm_execd_text.h"
#include "podmem.h"

enum execd_format { EXECD_INFLUX, EXECD_PROMETHEUS };

/*
 * Appends SNAP, and FILES' rows of its pods (FILES NULL: none), to B in
 * FORMAT. Allocates nothing but B's growth.
 *
 * influx: measurements podmem_node, podmem_pod, podmem_container and
 * podmem_file, one line each for the node, every pod (or host group), every
 * container and every file row; as tags, every identity label
 * (pm_labels[].tag) the entity's level carries (pods: namespace, pod,
 * pod_uid, qos; containers also container, container_id, runtime, sandbox;
 * files the pod's and path, deleted, tmpfs), sorted by key, an empty one
 * left out; integer fields named after the catalogue; the snapshot's
 * time_ns as every line's timestamp.
 *
 * prometheus: one family per level and metric that has a sample, named
 * podmem_<level>_<metric> plus _bytes (bytes), _seconds (microseconds,
 * written as seconds) and _total (counters), each with # HELP and # TYPE;
 * the same labels; no timestamps (the textfile collector refuses them).
 */
void execd_format_batch(struct execd_buf *b, const struct pm_snapshot *snap, const struct execd_files *files,
			enum execd_format format);

#endif
