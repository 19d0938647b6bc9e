#!/usr/bin/env bash
# podmem-agentx under a real snmpd on a real kubepods tree: v1 memory
# cgroups made by the test under its own, kubelet's cgroupfs naming, real
# processes using known amounts of memory. Every row and column through
# snmpwalk, snmpbulkwalk, snmpget and snmptable equals `podmem --json` taken
# a moment apart (to 10%, or 1 MiB: the processes' own numbers are fixed);
# the processes' memory shows where it belongs; a container and a pod
# removed during the run leave the tables.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_snmp.sh"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576
ANON=$((32 * MiB)) ANON2=$((16 * MiB)) LIMIT=$((128 * MiB))

real_cgroup_base
mkdir "$CG_BASE/probe" 2>/dev/null || skip "the kernel refused a nested memory cgroup under $CG_BASE"
echo "$LIMIT" >"$CG_BASE/probe/memory.limit_in_bytes" 2>/dev/null ||
	skip "the kernel refused to set memory.limit_in_bytes under $CG_BASE"
rmdir "$CG_BASE/probe"

WEB=2a3b4c5d-6e7f-4081-9293-00000000b501 JOB=3c4d5e6f-7081-4293-a4b5-00000000c502 DNS=1f2e3d4c-5b6a-4789-8abc-00000000a503
real_pod "$CG_BASE" cgroupfs burstable "$WEB" default web-0 app sidecar
APP=${CTR_DIR[app]}
real_pod "$CG_BASE" cgroupfs besteffort "$JOB" batch job-1 worker
WORKER=${CTR_DIR[worker]}
real_pod "$CG_BASE" cgroupfs guaranteed "$DNS" kube-system dns idle
DNS_DIRS=("${CTR_DIR[idle]}" "${CTR_DIR[POD]}" "$POD_DIR")
echo "$LIMIT" >"$APP/memory.limit_in_bytes"
hog "$APP" anon "$ANON"
hog "$WORKER" anon "$ANON2"
WORKER_PID=$HOG_PID
APP_ID=$(basename "$APP") WORKER_ID=$(basename "$WORKER")

OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
snmpd_start
agentx_start -i 1 "${OPTS[@]}"

# check_live: snmp_check_all against a fresh `podmem --json`, retried for a
# few seconds while the kernel's batched statistics settle
check_live() {
	local try
	for try in 1 2 3 4 5 6; do
		podmem_json "${OPTS[@]}" >"$T/live.json" || fail "podmem --json exited $?"
		(snmp_check_all "$T/live.json" 0.1) >"$T/check.out" 2>&1 && break
		[ "$try" != 6 ] || fail "$(cat "$T/check.out")"
		sleep 1
	done
	cat "$T/check.out"
}

# 1. everything, by every tool
check_live
assert_eq "pods in the sample" 3 "$(jq '.pods | length' "$T/live.json")"

# 2. where the processes' memory went, through the MIB's names
app=".$(printf '"%s"."%s"' "$WEB" "$APP_ID")"
anon=$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "podmemContainerAnon$app")
[ "$anon" -ge $((ANON * 9 / 10)) ] || fail "web-0/app: podmemContainerAnon $anon, expected at least 90% of $ANON"
assert_eq "web-0/app: podmemContainerLimit" "$LIMIT" "$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "podmemContainerLimit$app")"
assert_eq "web-0/app: name, sandbox" "app false" \
	"$(snmpget "${SNMP[@]}" -Oqv "$AGENT" "podmemContainerName$app" "podmemContainerSandbox$app" | tr '\n' ' ' | sed 's/ $//')"
out=$(snmpget "${SNMP[@]}" -OQ "$AGENT" "podmemPodLimit.\"$JOB\"")
assert_eq "an unlimited pod's limit" "PODMEM-MIB::podmemPodLimit.\"$JOB\" = $NOSUCH" "$out"
pod_anon=$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "podmemPodAnon.\"$WEB\"")
[ "$pod_anon" -ge "$anon" ] || fail "web-0: podmemPodAnon $pod_anon < its container app's $anon"
note "web-0/app: anon $((anon / MiB)) MiB of the $((ANON / MiB)) MiB touched, limit $((LIMIT / MiB)) MiB"

# 3. a container goes (its process killed, its cgroup removed), then a whole pod
kill_pid "$WORKER_PID"
wait_for 5 rmdir "$WORKER" || fail "cannot remove $WORKER"
ctr_gone() { [ "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemContainerCount.0)" = 6 ]; }
wait_for 10 ctr_gone || fail "the removed container is still counted"
out=$(snmpwalk "${SNMP[@]}" -Os -OQ "$AGENT" podmemContainerName)
assert_not_contains "the container table after removing job-1/worker" "$out" "$WORKER_ID"
assert_contains "the container table after removing job-1/worker" "$out" "$APP_ID"

rmdir "${DNS_DIRS[@]}" || fail "cannot remove the dns pod's cgroups"
pod_gone() { [ "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemPodCount.0)" = 2 ]; }
wait_for 10 pod_gone || fail "the removed pod is still counted"
out=$(snmpwalk "${SNMP[@]}" -Os -OQ "$AGENT" podmemObjects)
assert_not_contains "the walk after removing kube-system/dns" "$out" "$DNS"
assert_contains "the walk after removing kube-system/dns" "$out" "podmemPodName.\"$WEB\" = web-0"
check_live
assert_eq "pods in the last sample" 2 "$(jq '.pods | length' "$T/live.json")"
agentx_stop
