#!/usr/bin/env bash
# conf/grafana/podmem-influxdb.json against a real InfluxDB 1.x filled by
# podmem-execd from three simulated nodes (tests/integration/lib_dashboard.sh:
# two fixture trees, v1 and v2, and real memory cgroups with a process holding
# a file, with --top-files), each batch with the host tag Telegraf adds.
# For each node, every template variable query offers the node, a namespace
# and a pod of it, and every panel query (the variables, $timeFilter and
# $__interval substituted as Grafana does) returns data without error, in
# every column; the file cache table on the node whose pods have files.
# With DASHBOARD_PNG=FILE (make dashboard-png), the node with files is drawn
# into FILE from the same query results.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"
. "$SRC/tests/integration/lib_dashboard.sh"
influx_need
dash_python
DASH=$SRC/conf/grafana/podmem-influxdb.json
RUN=$SRC/tests/integration/dashboard_queries.py

dash_nodes "$T/nodes"
influx_start
DB=telegraf
influx_query "$DB" "CREATE DATABASE $DB" >/dev/null
# three batches of each node (eight for the picture), a second apart: a time series
batches=3
[ -z "${DASHBOARD_PNG:-}" ] || batches=8
for ((i = 1; i <= batches; i++)); do
	for n in "${DASH_NODES[@]}"; do influx_batch "$n" "$T/all.lp"; done
	[ "$i" = "$batches" ] || sleep 1
done
influx_write "$DB" "$T/all.lp"
grep -q '^podmem_file,host=node-c,' "$T/all.lp" || fail "node-c has no podmem_file rows: $(cat "$T/execd.err")"

hosts=$(influx_query "$DB" 'SHOW TAG VALUES FROM "podmem_node" WITH KEY = "host"' | jq -r '[.results[0].series[0].values[][1]] | join(" ")')
assert_eq "hosts in InfluxDB" "${DASH_NODES[*]}" "$hosts"

# the panels that read podmem_file, left out on the fixture nodes (no processes there)
jq 'del(.panels[] | select(.targets | any(.query | test("podmem_file"))))' "$DASH" >"$T/nofiles.json"
[ "$(jq '.panels | length' "$T/nofiles.json")" -lt "$(jq '.panels | length' "$DASH")" ] || fail "the dashboard has no podmem_file panel"
for n in "${DASH_NODES[@]}"; do
	node_sel "$n"
	d=$DASH
	[ "$n" = node-c ] || d=$T/nofiles.json
	out=$("$PY" "$RUN" influx "$d" "$URL" "$DB" "$n" "$SEL_NS" "$SEL_POD" "$T/results-$n.json") || fail "$n: (above)"
	note "$n ($SEL_NS/$SEL_POD): $out"
done

# the cluster-wide tops rank the pods of every node: each node is in one of them
for n in "${DASH_NODES[@]}"; do
	jq -e --arg n "$n" '[.panels[] | select(.title | test("^Top pods")) | .series[].values[][]] | index($n)' \
		"$T/results-node-a.json" >/dev/null || fail "no pod of $n in the cluster-wide top tables"
done
# the node pie is the node's MemTotal: application + kernel + unaccounted + free
total=$(influx_query "$DB" 'SELECT last("total") FROM "podmem_node" WHERE "host" = '"'node-b'" | jq '.results[0].series[0].values[0][1]')
sum=$(jq '[.panels[] | select(.id == 1) | .series[0].values[0][1:][]] | add' "$T/results-node-b.json")
assert_eq "node-b: the node pie's slices add up to MemTotal" "$total" "$sum"

if [ -n "${DASHBOARD_PNG:-}" ]; then
	(cd "$SRC" && "$PY" tests/integration/dashboard_png.py "$T/results-node-c.json" "$DASHBOARD_PNG") ||
		fail "drawing $DASHBOARD_PNG failed"
	note "drew $DASHBOARD_PNG"
fi
