#!/usr/bin/env bash
# conf/prometheus/podmem-rules.yml and conf/grafana/podmem-prometheus.json, as
# a user runs them: `promtool check rules` is clean and `promtool test rules`
# passes; then `podmem-execd --once --format prometheus --output` writes each
# of three simulated nodes (tests/integration/lib_dashboard.sh) into the
# textfile directory of its own real node_exporter, a real Prometheus scrapes
# the three every second with the rules loaded, and through its HTTP API:
#   - every template variable offers the node, a namespace and a pod of it,
#     and every panel query of the dashboard returns data, for each node
#     (the file cache table on the node whose pods have files);
#   - every recording rule returns data; every alert expression runs, and
#     returns data with its thresholds taken out. On node-b the fixture is
#     made to fire four of the five: web-0's limit is set just above its
#     working set (PodmemWorkingSetNearLimit), coredns's just above its shmem
#     (PodmemShmemHighShareOfLimit, and near its limit too), and between two
#     scrapes web-0 gets an OOM kill (PodmemOOMKill) and job-7f9c two minutes
#     of memory stall (PodmemMemoryPressure). PodmemHotFileCacheHoldsWorkingSet
#     must not fire: no pod holds 16 MiB of hot page cache (its firing is in
#     podmem-rules_test.yml).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"
. "$SRC/tests/integration/lib_dashboard.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
	skip "prometheus and promtool are not installed (apt-get install prometheus)"
NE=$(command -v prometheus-node-exporter || command -v node_exporter) ||
	skip "node_exporter is not installed (apt-get install prometheus-node-exporter)"
command -v curl >/dev/null || skip "curl is not installed"
dash_python
RULES=$SRC/conf/prometheus/podmem-rules.yml
DASH=$SRC/conf/grafana/podmem-prometheus.json
RUN=$SRC/tests/integration/dashboard_queries.py

# ---- the rules on their own ------------------------------------------------------------------
out=$(promtool check rules "$RULES" 2>&1) || fail "promtool check rules: $out"
assert_eq "promtool check rules" "Checking $RULES
  SUCCESS: $(grep -c -E '^ +- (record|alert):' "$RULES") rules found" "$out"
out=$(cd "$SRC/conf/prometheus" && promtool test rules podmem-rules_test.yml 2>&1) || fail "promtool test rules: $out"
note "promtool check rules and test rules pass"

# ---- three nodes, each its node_exporter -------------------------------------------------------
dash_nodes "$T/nodes"
# Grafana puts a value into a PromQL label matcher as it is: the hostile pod's
# quotes and backslashes would end the string (Kubernetes names have none)
SEL_node_b="default|web-0"
v2pod() { find "$T/nodes/node-b/cgroup" -maxdepth 3 -type d -name "*pod${1//-/_}.slice"; }
WEB=$(v2pod 2a3b4c5d-6e7f-4081-9293-0000000000b2)
DNS=$(v2pod 1f2e3d4c-5b6a-4789-8abc-0000000000a1)
JOB=$(v2pod 3c4d5e6f-7081-4293-a4b5-0000000000c3)
[ -d "$WEB" ] && [ -d "$DNS" ] && [ -d "$JOB" ] || fail "node-b's fixture pods are not where expected"
# the working set of a pod, as podmem --json has it
pod_field() { node_opts node-b; "$B/podmem" --json "${OPTS[@]}" | jq --arg p "$1" --arg f "$2" '.pods[] | select(.pod == $p) | .[$f]'; }
echo $(($(pod_field web-0 working_set) * 100 / 95)) >"$WEB/memory.max"
echo $(($(pod_field coredns-5d78c9869d-x7k2p shmem) * 10 / 6)) >"$DNS/memory.max"

# textfile NODE: podmem-execd writes the node into its node_exporter's directory
textfile() {
	node_opts "$1"
	"$EXECD" --once --format prometheus --output "$T/tf/$1/podmem.prom" "${OPTS[@]}" 2>"$T/execd.err" ||
		fail "$1: podmem-execd: $(cat "$T/execd.err")"
}
targets=""
for n in "${DASH_NODES[@]}"; do
	mkdir -p "$T/tf/$n"
	textfile "$n"
	port=$(free_port)
	daemon_start "NE_${n//-/_}" "" "$T/ne-$n.log" "$T/ne-$n.log" "$NE" --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile --collector.textfile.directory="$T/tf/$n"
	daemon_wait "NE_${n//-/_}" "$T/ne-$n.log" 20 sh -c "curl -sf http://127.0.0.1:$port/metrics | grep -q '^podmem_node_usage_bytes '" ||
		fail "$n: node_exporter does not serve podmem's textfile: $(tail -3 "$T/ne-$n.log")"
	targets+="      - targets: [\"127.0.0.1:$port\"]
        labels: {instance: \"$n\"}
"
done
grep -q '^podmem_file_cached_bytes{' "$T/tf/node-c/podmem.prom" || fail "node-c has no podmem_file samples"

# ---- Prometheus ---------------------------------------------------------------------------------
PP=$(free_port)
cat >"$T/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - "$RULES"
scrape_configs:
  - job_name: node
    static_configs:
$targets
EOF
daemon_start PROM_PID "" "$T/prom.log" "$T/prom.log" prometheus --config.file="$T/prometheus.yml" \
	--storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PP" --log.level=warn
PURL=http://127.0.0.1:$PP
q() { curl -sf -G "$PURL/api/v1/query" --data-urlencode "query=$1"; }
has() { q "$1" | jq -e '.data.result | length > 0' >/dev/null; }
daemon_wait PROM_PID "$T/prom.log" 30 curl -sf "$PURL/-/ready" || fail "prometheus did not get ready: $(tail -3 "$T/prom.log")"
daemon_wait PROM_PID "$T/prom.log" 30 has 'count(count_over_time(podmem_node_usage_bytes[1m]) >= 3) == 3' ||
	fail "the three nodes were not scraped three times: $(q 'up' | head -c 400)"

# node_exporter took every textfile whole (node_textfile_scrape_error is 1 for one it refused)
assert_eq "node_exporters whose textfile was refused, of 3" "0 3" \
	"$(q 'sum(node_textfile_scrape_error) or vector(-1)' | jq -r '.data.result[0].value[1]') $(q 'count(node_textfile_scrape_error)' | jq -r '.data.result[0].value[1]')"

# between two scrapes: an OOM kill in web-0, two minutes of stall in job-7f9c
awk '$1 == "oom_kill" { $2++ } 1' "$WEB/memory.events" >"$T/ev" && cat "$T/ev" >"$WEB/memory.events"
awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^total=/) { split($i, t, "="); $i = "total=" t[2] + 120000000 } } 1' \
	"$JOB/memory.pressure" >"$T/ps" && cat "$T/ps" >"$JOB/memory.pressure"
textfile node-b
daemon_wait PROM_PID "$T/prom.log" 30 has 'podmem:pod_oom_kills:increase10m{instance="node-b",pod="web-0"} > 0' ||
	fail "the OOM kill did not reach the rules: $(q 'podmem:pod_oom_kills:increase10m{instance="node-b"}' | head -c 600)"
daemon_wait PROM_PID "$T/prom.log" 30 has 'podmem:pod_pressure_some:rate5m{instance="node-b",pod="job-7f9c"} > 0.1' ||
	fail "the stall did not reach the rules: $(q 'podmem:pod_pressure_some:rate5m{instance="node-b"}' | head -c 600)"

# ---- every query of the dashboard, for each node ------------------------------------------------
jq 'del(.panels[] | select(.targets | any(.expr | test("podmem_file"))))' "$DASH" >"$T/nofiles.json"
[ "$(jq '.panels | length' "$T/nofiles.json")" -lt "$(jq '.panels | length' "$DASH")" ] || fail "the dashboard has no podmem_file panel"
for n in "${DASH_NODES[@]}"; do
	node_sel "$n"
	d=$DASH
	[ "$n" = node-c ] || d=$T/nofiles.json
	out=$("$PY" "$RUN" prometheus "$d" "$PURL" "$n" "$SEL_NS" "$SEL_POD" "$T/results-$n.json") || fail "$n: (above)"
	note "$n ($SEL_NS/$SEL_POD): $out"
done
# the cluster-wide tops rank the pods of every node
for n in "${DASH_NODES[@]}"; do
	jq -e --arg n "$n" '[.panels[] | select(.title | test("^Top pods")) | .result[].metric.instance] | index($n)' \
		"$T/results-node-a.json" >/dev/null || fail "no pod of $n in the cluster-wide top tables"
done
# the node pie is the node's MemTotal: application + kernel + unaccounted + free
total=$(q 'podmem_node_total_bytes{instance="node-b"}' | jq -r '.data.result[0].value[1]')
sum=$(jq '[.panels[] | select(.id == 1) | .result[0].value[1] | tonumber] | add' "$T/results-node-b.json")
assert_eq "node-b: the node pie's slices add up to MemTotal" "$total" "$sum"

# ---- every rule ---------------------------------------------------------------------------------
out=$("$PY" "$RUN" rules "$PURL" PodmemWorkingSetNearLimit,PodmemShmemHighShareOfLimit,PodmemOOMKill,PodmemMemoryPressure \
	"$RULES") || fail "rules: (above)"
note "$out"
# and on the pods they were made to fire on
for a in 'PodmemWorkingSetNearLimit|web-0' 'PodmemWorkingSetNearLimit|coredns-5d78c9869d-x7k2p' \
	'PodmemShmemHighShareOfLimit|coredns-5d78c9869d-x7k2p' 'PodmemOOMKill|web-0' 'PodmemMemoryPressure|job-7f9c'; do
	daemon_wait PROM_PID "$T/prom.log" 10 has "ALERTS{alertname=\"${a%|*}\",instance=\"node-b\",pod=\"${a#*|}\"}" ||
		fail "no ${a%|*} alert (pending or firing) for node-b's ${a#*|}: $(q 'ALERTS' | head -c 600)"
done
has 'ALERTS{alertname="PodmemOOMKill",alertstate="firing",pod="web-0"}' || fail "PodmemOOMKill (no 'for') is not firing"
note "the alerts are pending (or firing, PodmemOOMKill) on the pods they were made to fire on"
