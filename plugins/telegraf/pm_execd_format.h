/*
 * One snapshot as one batch of text: InfluxDB line protocol for Telegraf, or
 * the Prometheus text exposition format for node_exporter's textfile
 * collector. Names come from the catalogue (pm_metrics[]); a metric is
 * written only at the levels it belongs to, and only where it is present.
 */
#ifndef PM_EXECD_FORMAT_H
#define PM_EXECD_FORMAT_H

#include "pm_execd_text.h"
#include "podmem.h"

enum out_format { OUT_INFLUX, OUT_PROMETHEUS };

/*
 * Appends SNAP to B in FORMAT.
 *
 * influx: measurements podmem_node, podmem_pod and podmem_container, one
 * line each for the node, every pod (or host group) and every container; the
 * tags container, container_id, namespace, pod, pod_uid and qos, sorted, an
 * empty one left out; integer fields named after the catalogue; the
 * snapshot's time_ns as every line's timestamp.
 *
 * prometheus: one family per level and metric that has a sample, named
 * podmem_<level>_<metric> plus _bytes (bytes), _seconds (microseconds,
 * written as seconds) and _total (counters), each with # HELP and # TYPE;
 * the same labels; no timestamps (the textfile collector refuses them).
 */
void format_batch(struct tbuf *b, const struct pm_snapshot *snap, enum out_format format);

#endif
