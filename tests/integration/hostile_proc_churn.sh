#!/usr/bin/env bash
# Processes that exit mid-scan, for every front end. On real v1 memory
# cgroups: a container whose one process is replaced all the time (each exits
# within milliseconds: the sandbox guess reads cgroup.procs, then
# /proc/PID/comm, of a process that may be gone), one where a shell forks
# short-lived children all the time (podmem files reads /proc/PID/fd and
# maps of each), and one steady process holding a deleted file. podmem,
# podmem files, podmem top, podmem-execd (with --top-files too), the collectd
# plugin in a real collectd and podmem-agentx through a real snmpd sample
# again and again: a vanished process is no error (nothing is said), nothing
# crashes, and the pod, its containers and the held file are right each time.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
real_cgroup_base
uid=5a6b7c8d-0000-4000-8000-00000000cc01
real_pod "$CG_BASE" cgroupfs burstable "$uid" default churn-0 app forker solo
OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
hog "${CTR_DIR[app]}" deleted "$T/churn-held" $((4 << 20))
run_in_cgroup "${CTR_DIR[forker]}" sh -c 'while :; do /bin/true; done'
# one process at a time in solo: each exits at once, the next follows (their parent is outside)
(while :; do sh -c 'echo $$ > "$1/cgroup.procs" && exec /bin/true' sh "${CTR_DIR[solo]}" 2>/dev/null || true; done) &
SOLO=$!
at_exit "kill -KILL $SOLO; wait $SOLO"
seen_solo() { grep -q . "${CTR_DIR[solo]}/tasks" || grep -q . "${CTR_DIR[solo]}/cgroup.procs"; }
wait_for 10 seen_solo || fail "no process was seen in solo"

# the pod as it must be: 4 containers, the sandbox (no process, no log) marked, the others named
POD_OK='[.pods[] | select(.pod_uid == "'$uid'")] | length == 1 and (.[0] | .namespace == "default" and .pod == "churn-0"
	and ([.containers[] | "\(.container):\(.sandbox)"] | sort) == ["POD:true", "app:false", "forker:false", "solo:false"]
	and (.containers[] | select(.container == "app") | .usage >= 4194304))'
# quiet FILE WHAT: FILE (stderr, a log) says nothing
quiet() { [ ! -s "$1" ] || fail "$2 said: $(head -c 600 "$1")"; }

for i in $(seq 1 15); do
	"$B/podmem" --json "${OPTS[@]}" >"$T/s.json" 2>"$T/s.err" || fail "podmem --json exited $? (sample $i)"
	quiet "$T/s.err" "podmem --json (sample $i)"
	jq -e "$POD_OK" "$T/s.json" >/dev/null || fail "podmem --json (sample $i): the pod is wrong: $(jq -c '.pods[] | select(.pod_uid == "'$uid'") | [.pod, [.containers[] | [.container, .sandbox]]]' "$T/s.json")"
	"$B/podmem" files default/churn-0 --json -n 0 "${OPTS[@]}" >"$T/f.json" 2>"$T/f.err" || fail "podmem files exited $? (scan $i)"
	quiet "$T/f.err" "podmem files (scan $i)"
	assert_eq "podmem files (scan $i): the held file, deleted" true \
		"$(jq -r --arg p "$T/churn-held" '[.files[] | select(.path == $p)][0].deleted' "$T/f.json")"
done
note "15 samples and 15 file scans while processes exit: quiet, the pod and the held file right each time"

"$B/podmem" top --interval 50ms --iterations 20 --containers "${OPTS[@]}" >"$T/top" 2>"$T/top.err" || fail "podmem top exited $?"
quiet "$T/top.err" "podmem top"
assert_eq "podmem top: tables" 20 "$(grep -c '^NAMESPACE/POD ' "$T/top")"
assert_eq "podmem top: the solo row in each" 20 "$(grep -c '^  solo ' "$T/top")"

for i in $(seq 1 20); do echo; sleep 0.05; done | "$B/podmem-execd" "${OPTS[@]}" >"$T/lp" 2>"$T/lp.err" || fail "podmem-execd exited $?"
quiet "$T/lp.err" "podmem-execd"
assert_eq "podmem-execd: batches" 20 "$(grep -c '^podmem_node' "$T/lp")"
assert_eq "podmem-execd: the pod's 4 containers in each batch" 80 "$(grep -c "^podmem_container,.*pod=churn-0,pod_uid=$uid" "$T/lp")"
printf '\n\n\n' | "$B/podmem-execd" --top-files 5 "${OPTS[@]}" >"$T/files.lp" 2>"$T/files.err" || fail "podmem-execd --top-files exited $?"
quiet "$T/files.err" "podmem-execd --top-files"
assert_eq "podmem-execd --top-files: the held file in each of 3 batches" 3 "$(grep -c "^podmem_file,.*deleted=true,namespace=default,path=$T/churn-held," "$T/files.lp")"
note "podmem top (20 tables), podmem-execd (20 batches, 3 with --top-files): quiet and complete"

# collectd: three reads, nothing logged, the solo container's usage written each time
if command -v collectd >/dev/null && [ -f "$B/podmem.so" ]; then
	. "$SRC/tests/integration/lib_collectd.sh"
	cd_conf "$T/cd.conf" 1 "  CgroupRoot \"$CG_BASE\"
  PodLogDir \"$T/log/pods\"
  ContainerLogDir \"$T/log/containers\""
	cd_start "$T/cd.conf"
	three_reads() { local f; f=$(find "$CSV" -path '*/podmem-default_churn-0_solo/memory-usage-*' 2>/dev/null | head -1); [ -n "$f" ] && [ "$(wc -l <"$f")" -ge 4 ]; }
	cd_wait 30 three_reads || fail "collectd wrote no three reads of solo: $(tail -5 "$T/cd.conf.log")"
	cd_stop
	[ -z "$(log_errors "$T/cd.conf")" ] || fail "collectd logged: $(log_errors "$T/cd.conf")"
	for c in app forker solo; do
		[ -n "$(find "$CSV" -path "*/podmem-default_churn-0_$c/memory-usage-*")" ] || fail "collectd: no usage of $c"
	done
	note "collectd: three reads, quiet, every container written"
fi

# podmem-agentx: five walks a second apart, each with the pod's 4 containers; its log quiet
if command -v snmpd >/dev/null && [ -x "$B/podmem-agentx" ] && [ -f "$SHARED_MIBS/SNMPv2-SMI.txt" ]; then
	. "$SRC/tests/integration/lib_snmp.sh"
	snmpd_start
	agentx_start -i 1 "${OPTS[@]}"
	for i in 1 2 3 4 5; do
		got=$(snmpwalk "${SNMP[@]}" -Oqv "$AGENT" podmemContainerName | grep -vx '"*' | sort | tr '\n' ' ')
		assert_contains "podmem-agentx: the containers (walk $i)" "$got" "POD app forker solo "
		sleep 1
	done
	agentx_stop
	agentx_said "$T/agentx.log" >"$T/agentx.said"
	quiet "$T/agentx.said" "podmem-agentx"
	note "podmem-agentx: five walks while processes exit, quiet, complete"
fi
