#!/usr/bin/env bash
# podmem-agentx under a real snmpd (AgentX master on a private socket and a
# loopback port) on fixture nodes: every row and column through snmpwalk,
# snmpbulkwalk, snmpget and snmptable equals `podmem --json`, by name through
# PODMEM-MIB; a missing row is noSuchInstance; a SET is refused; indexes are
# the pod UIDs and survive a restart of the subagent; a removed pod leaves
# the tables; the subagent is back by itself after snmpd is killed and
# restarted; requests are answered from the snapshot, never from the files.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_snmp.sh"

# 0. bad options: one line naming the option and the value, and no start
out=$("$B/podmem-agentx" -f -i 0 2>&1) && fail "podmem-agentx -i 0 started"
assert_eq "podmem-agentx -i 0" "podmem-agentx: bad --interval '0': give whole seconds, 1 to 86400" "$out"
for bad in "-Z|podmem-agentx: unknown option '-Z' (see --help)" "--bogus|podmem-agentx: unknown option '--bogus' (see --help)" \
	"-i|podmem-agentx: option '-i' needs a value"; do
	rc=0
	out=$("$B/podmem-agentx" -f ${bad%%|*} 2>&1) || rc=$?
	assert_eq "podmem-agentx ${bad%%|*}: one line" "${bad#*|}" "$out"
	assert_eq "podmem-agentx ${bad%%|*}: exit status" 2 "$rc"
done
rc=0; out=$("$B/podmem-agentx" -f -x "$AGENTX_SOCK" --cgroup-root "$T/nowhere" 2>&1) || rc=$?
assert_eq "podmem-agentx --cgroup-root (missing) exit status" 1 "$rc"
assert_contains "podmem-agentx --cgroup-root (missing)" "$out" "$T/nowhere"

# the options of a fixture made before

snmpd_start

# 1. three kinds of node, each compared whole
for spec in "v1:--version 1 --driver systemd --hostile" "v2:--version 2 --runtime crio" "hosts:--version 2 --no-kube"; do
	name=${spec%%:*}
	read -ra args <<<"${spec#*:}"
	fixture "$T/$name" "${args[@]}"
	agentx_start -i 1 "${FIX_OPTS[@]}"
	podmem_json "${FIX_OPTS[@]}" >"$T/$name.json"
	note "fixture $name (${spec#*:}):"
	snmp_check_all "$T/$name.json"
	agentx_stop
done
grep -q "AgentX subagent connected" "$T/agentx.log" || fail "podmem-agentx did not log its connection: $(cat "$T/agentx.log")"

# a group whose name is longer than a key (48 bytes): its first 31 bytes, '/'
# and the 64-bit FNV-1a hash of the whole name, in hexadecimal
fnv1a() {
	local s=$1 h=$((0xcbf29ce484222325)) i c
	for ((i = 0; i < ${#s}; i++)); do printf -v c '%d' "'${s:i:1}"; h=$(((h ^ c) * 0x100000001b3)); done
	printf '%016x' "$h"
}
long=a-top-level-cgroup-with-a-name-longer-than-any-key.slice
cp -r "$T/hosts/cgroup/user.slice" "$T/hosts/cgroup/$long"
fix_opts "$T/hosts"
agentx_start -i 1 "${FIX_OPTS[@]}"
key=${long:0:31}/$(fnv1a "$long")
assert_eq "the long-named group, by its key $key" "$long" \
	"$(snmpget "${SNMP[@]}" -Oqv "$AGENT" "podmemPodName$(oid_str "$key")")"
agentx_stop

# 2. on the cgroup v1 node with hostile names
fix_opts "$T/v1"
: >"$T/agentx.log" # (this run's log alone)
agentx_start -i 1 "${FIX_OPTS[@]}"
WEB=2a3b4c5d-6e7f-4081-9293-0000000000b2 JOB=3c4d5e6f-7081-4293-a4b5-0000000000c3
out=$(snmpget "${SNMP[@]}" "$AGENT" "podmemPodName.\"$WEB\"" podmemPodCount.0)
assert_eq "GET by name, answered by name" "PODMEM-MIB::podmemPodName.\"$WEB\" = STRING: web-0
PODMEM-MIB::podmemPodCount.0 = Gauge32: 4" "$out"
# the index is the UID: its length, then its ASCII codes
out=$(snmpget "${SNMP[@]}" -On -Oqv "$AGENT" ".1.3.6.1.4.1.32473.1.3.1.4$(oid_str "$WEB")")
assert_eq "podmemPodName by a numeric index made from the UID" "web-0" "$out"

# a row that does not exist, a column that does not: the tools exit 0
out=$(snmpget "${SNMP[@]}" "$AGENT" 'podmemPodUsage."00000000-0000-4000-8000-000000000000"' \
	"podmemContainerUsage.\"$WEB\".\"0000\"" ".1.3.6.1.4.1.32473.1.3.1.99.1.65") || fail "snmpget exited $?"
assert_eq "GET of rows and a column that do not exist" \
	"PODMEM-MIB::podmemPodUsage.\"00000000-0000-4000-8000-000000000000\" = $NOSUCH
PODMEM-MIB::podmemContainerUsage.\"$WEB\".\"0000\" = $NOSUCH
PODMEM-MIB::podmemPodEntry.99.\"A\" = No Such Object available on this agent at this OID" "$out"

# read-only: a SET that snmpd lets through is refused by the subagent
rc=0; out=$(snmpset "${SNMP[@]/public/private}" "$AGENT" "podmemPodName.\"$WEB\"" s evil 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "snmpset succeeded: $out"
assert_contains "snmpset of podmemPodName" "$out" "notWritable"
rc=0; out=$(snmpset "${SNMP[@]/public/private}" "$AGENT" 'podmemPodName."new-row"' s x 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "snmpset creating a row succeeded: $out"
assert_contains "snmpset creating a row" "$out" "notWritable"
assert_eq "podmemPodName after the SETs" "web-0" "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" "podmemPodName.\"$WEB\"")"

# the hostile pod's log names are not Kubernetes names: not trusted, so its
# row is named by its UID, with no namespace, and its containers by their IDs;
# the subagent's log says so once for each entry, however many samples it takes
HOSTILE=4d5e6f70-8192-43a4-b5c6-0000000000d4
assert_eq "the hostile pod's name and namespace" "$HOSTILE|" \
	"$(snmpget "${SNMP[@]}" -Oqv "$AGENT" "podmemPodName.\"$HOSTILE\"" "podmemPodNamespace.\"$HOSTILE\"" | paste -sd'|')"
ids=$(snmpwalk "${SNMP[@]}" -OQ -Os "$AGENT" podmemContainerName | grep -F "\"$HOSTILE\"" | sed 's/.*\."\([0-9a-f]*\)" = \(.*\)$/\1 \2/')
assert_eq "the hostile pod's containers, named by their IDs" 2 "$(awk '$1 == $2' <<<"$ids" | wc -l)"
t0=$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemSampleTime.0)
sampled_again() { [ "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemSampleTime.0)" != "$t0" ]; }
wait_for 10 sampled_again || fail "podmem-agentx -i 1 took no new sample"
assert_eq "untrusted log entries said once in podmem-agentx's log" 2 "$(assert_untrusted_said "$T/v1" "$T/agentx.log")"

# a restart of the subagent keeps every index
snmpwalk "${SNMP[@]}" -On "$AGENT" podmemObjects | grep -v '^\.1\.3\.6\.1\.4\.1\.32473\.1\.1\.5\.0 ' >"$T/before"
agentx_stop
agentx_start -i 1 "${FIX_OPTS[@]}"
snmpwalk "${SNMP[@]}" -On "$AGENT" podmemObjects | grep -v '^\.1\.3\.6\.1\.4\.1\.32473\.1\.1\.5\.0 ' >"$T/after"
cmp -s "$T/before" "$T/after" || fail "the walk changed across a subagent restart: $(diff "$T/before" "$T/after" | head -5)"
assert_eq "instances walked" "$(jq '[.pods[] | 1 + (.containers | length)] | add' "$T/v1.json")" \
	"$(grep -c '\.1\.3\.6\.1\.4\.1\.32473\.1\.[34]\.1\.100\.' "$T/after")"

# a pod removed: its row and its containers' rows go
walk=$(snmpwalk "${SNMP[@]}" -Os -Ob -OQ "$AGENT" podmemObjects)
assert_contains "the walk before the removal" "$walk" "podmemPodName$(oid_str "$JOB") = job-7f9c"
rm -r "$(find "$T/v1/cgroup" -type d -name "*pod${JOB//-/_}.slice")"
gone() { [ "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemPodCount.0)" = 3 ]; }
wait_for 10 gone || fail "the removed pod $JOB is still counted"
walk=$(snmpwalk "${SNMP[@]}" -Os -Ob -OQ "$AGENT" podmemObjects)
assert_not_contains "the walk after the removal" "$walk" "$(oid_str "$JOB")"
podmem_json "${FIX_OPTS[@]}" >"$T/v1-removed.json"
[ "$(jq --arg u "$JOB" '[.pods[] | select(.pod_uid == $u)] | length' "$T/v1-removed.json")" = 0 ] ||
	fail "podmem --json still reports the removed pod"
note "after removing pod batch/job-7f9c:"
snmp_check_all "$T/v1-removed.json"

# 3. snmpd killed and restarted: the subagent registers again by itself
snmpd_stop KILL
! answering || fail "something still answers with snmpd killed"
snmpd_start
start=$SECONDS
wait_for 20 answering || fail "podmem-agentx did not come back within 20 s of snmpd's restart: $(tail -5 "$T/agentx.log")"
note "answering again $((SECONDS - start)) s after snmpd's restart"
kill -0 "$AGENTX_PID" || fail "podmem-agentx exited"
snmp_check_all "$T/v1-removed.json"
agentx_stop

# 4. requests are answered from the snapshot: a changed file shows only in
#    the next sample (here: the one SIGHUP takes)
fix_opts "$T/v2"
agentx_start -i 3600 "${FIX_OPTS[@]}"
app=$(jq -r '.pods[] | select(.pod == "web-0") | .containers[] | select(.container == "app") | .container_id' "$T/v2.json")
stat=$(find "$T/v2/cgroup" -type d -name "*$app*")/memory.stat
instance="podmemContainerPgfault.\"$WEB\".\"$app\""
old=$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "$instance")
assert_eq "pgfault of web-0/app" "$(jq --arg a "$app" '.pods[].containers[] | select(.container_id == $a) | .pgfault' "$T/v2.json")" "$old"
new_stat=$(sed "s/^pgfault $old\$/pgfault 987654321/" "$stat")
printf '%s\n' "$new_stat" >"$stat" # in place, as the kernel's files change
grep -q '^pgfault 987654321$' "$stat" || fail "could not change $stat"
sampled=$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemSampleTime.0)
sleep 1.5 # time enough for a wrong subagent (one that reads files, or ignores -i) to show the change
assert_eq "pgfault after the file changed, before a sample" "$old" "$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "$instance")"
assert_eq "podmemSampleTime, with -i 3600" "$sampled" "$(snmpget "${SNMP[@]}" -Oqv "$AGENT" podmemSampleTime.0)"
kill -HUP "$AGENTX_PID"
new() { [ "$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" "$instance")" = 987654321 ]; }
wait_for 10 new || fail "SIGHUP did not take a new sample: $(tail -3 "$T/agentx.log")"
assert_eq "podmemSampleInterval" 3600 "$(snmpget "${SNMP[@]}" -Oqv -OU "$AGENT" podmemSampleInterval.0)"
agentx_stop
