#!/usr/bin/env bash
# A real collectd reads a real kubepods tree made by the test (v1 memory
# cgroups under our own cgroup, processes holding memory in them):
#   - every pod and container arrives with its identifier and meta data, two
#     pods with long names that share their first 150 bytes stay apart;
#   - the values of one read lie between `podmem --json` just before and just
#     after it (the node, read from the live /proc/meminfo, gets some slack);
#   - a pod made during the run is reported; a pod removed during the run
#     stops being written and leaves collectd's cache.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_collectd.sh"

real_cgroup_base
[ -x "$B/pm-hog" ] || make -s -C "$SRC" build/pm-hog >/dev/null || fail "cannot build pm-hog"

LONG=$(printf 'a-very-long-pod-name-%.0s' {1..7}) # 147 bytes
real_pod "$CG_BASE" cgroupfs burstable 0a1b2c3d-0000-4000-8000-00000000a001 default web-1 app sidecar
hog "${CTR_DIR[app]}" anon $((24 << 20))
hog "${CTR_DIR[sidecar]}" anon $((4 << 20))
WEB_DIR=$POD_DIR
real_pod "$CG_BASE" cgroupfs guaranteed 0a1b2c3d-0000-4000-8000-00000000a002 kube-system dns-1 dns
hog "${CTR_DIR[dns]}" anon $((8 << 20))
real_pod "$CG_BASE" cgroupfs besteffort 0a1b2c3d-0000-4000-8000-00000000a003 lg "${LONG}x1" c
real_pod "$CG_BASE" cgroupfs besteffort 0a1b2c3d-0000-4000-8000-00000000a004 lg "${LONG}x2" c

OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
CONF=$T/collectd.conf
cd_conf "$CONF" 1 "  CgroupRoot \"$CG_BASE\"
  PodLogDir \"$T/log/pods\"
  ContainerLogDir \"$T/log/containers\"
  RescanInterval 1" "$IDENTITY_CHAIN"

podmem_json "${OPTS[@]}" >"$T/first.json"
n_cgroups=$(($(json_names "$T/first.json" | wc -l) + 1))
[ "$n_cgroups" = 14 ] || fail "podmem --json sees $n_cgroups cgroups and the node, not 4 pods, 9 containers and the node"
n_instances() { csv_files | sed 's|.*/podmem-||; s|/.*||' | sort -u | wc -l; }
has_instances() { [ "$(n_instances)" -ge "$1" ]; }

cd_start "$CONF"
cd_wait 10 has_instances "$n_cgroups" || fail "$(n_instances) of $n_cgroups plugin instances arrived"

# ---- one read against the samples before and after it ---------------------
# epoch_after T: the first read of the node after T (seconds) in the csv, as written
epoch_after() {
	awk -F, -v t="$1" 'NR > 1 && $1 + 0 > t + 0 { print $1; exit }' "$CSV/$CD_HOST"/podmem-node/memory-usage-*
}
has_epoch_after() { [ -n "$(epoch_after "$1")" ]; }
podmem_json "${OPTS[@]}" >"$T/before.json"
t1=$(jq -r '.time_ns / 1e9' "$T/before.json")
cd_wait 10 has_epoch_after "$t1" || fail "no read after podmem --json"
E=$(epoch_after "$t1")
cd_wait 10 has_epoch_after "$E" || fail "no read after $E" # every value of read E is written now
podmem_json "${OPTS[@]}" >"$T/after.json"

csv_table "$E" >"$T/actual.tsv"
keyed_table "$T/actual.tsv" >"$T/got.tsv"
json_table "$T/before.json" >"$T/before.tsv"
json_table "$T/after.json" >"$T/after.tsv"
# /proc/meminfo moves with everything else on this machine
bad=$(compare_values "$T/before.tsv" "$T/after.tsv" "$T/got.tsv" $((64 << 20)))
[ -z "$bad" ] || fail "values of the read at $E outside podmem --json before and after: $(head -30 <<<"$bad")"
note "$(wc -l <"$T/got.tsv") values of one read within podmem --json before and after"
grep -q $'^0a1b2c3d-0000-4000-8000-00000000a001|[0-9a-f]*|[^|]*|false\tmemory\tanon\t' "$T/got.tsv" ||
	fail "no anon value for web-1's containers"

check_instances "$T" "$T/before.json" "$T/actual.tsv"
long=$(grep '^0a1b2c3d-0000-4000-8000-00000000a00[34]'$'\t' "$T/instances.tsv" | cut -f2)
[ "$(wc -l <<<"$long")" = 2 ] || fail "the two long pods: $long"
assert_eq "the long pods' instances share their first 110 bytes" 1 "$(cut -c1-110 <<<"$long" | sort -u | wc -l)"

# ---- a pod comes: it is reported; a pod goes: it is not -------------------
real_pod "$CG_BASE" cgroupfs burstable 0a1b2c3d-0000-4000-8000-00000000a005 default new-1 c
hog "${CTR_DIR[c]}" anon $((2 << 20))
has_csv() { ls -d "$CSV/$CD_HOST/podmem-$1" >/dev/null 2>&1; }
cd_wait 10 has_csv default_new-1_c || fail "the pod made during the run was not reported"

web_listed() { cd_listval | grep '/podmem-default_web-1' >/dev/null; }
web_listed || fail "web-1 is not in collectd's cache: $(cd_listval | head -5)"
cgroup_remove_tree "$WEB_DIR"
[ ! -d "$WEB_DIR" ] || fail "could not remove $WEB_DIR"
rm -rf "$T/log/pods/default_web-1_"* "$T/log/containers/web-1_"*
web_gone() { ! web_listed; }
cd_wait 15 web_gone || fail "web-1 is still in collectd's cache: $(cd_listval | grep web-1 | head -3)"
# nothing written for web-1 since, while the node goes on
rows() { cat "$CSV"/*/podmem-default_web-1*/*-usage-* | wc -l; }
before=$(rows)
last=$(tail -n1 "$CSV/$CD_HOST"/podmem-node/memory-usage-* | cut -d, -f1)
cd_wait 10 has_epoch_after "$last" || fail "the node is no longer read"
assert_eq "web-1's csv rows after it went" "$before" "$(rows)"
cd_listval | grep '/podmem-default_new-1_c/' >/dev/null || fail "new-1 left the cache with web-1"

cd_stop
assert_eq "errors logged" "" "$(log_errors "$CONF")"
