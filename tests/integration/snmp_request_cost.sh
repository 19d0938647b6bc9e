#!/usr/bin/env bash
# What podmem-agentx spends on one AgentX request does not grow with the
# tree: counted in instructions (callgrind, not a clock) over the same 20
# GETBULKs of 50 repetitions (1000 AgentX GETNEXTs, snmpd sends one per
# repetition) through a real snmpd, on a fixture node of 61 containers and
# one of 1201 (some 22,000 cgroup files kept open, so the AgentX socket's
# fd is above them all). The large tree's cost per request is at most 1.3x
# the small one's (the binary search of a row is a few steps deeper). With
# net-snmp's agent_check_and_process(), which widened its fd sets one bit
# at a time to the highest fd at every turn, it was 29x.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_snmp.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v valgrind >/dev/null && command -v callgrind_control >/dev/null || skip "valgrind is not installed"

snmpd_start
# cost PODS [MORE]: COST, the instructions podmem-agentx (or $AGENTX_BIN) spent on the 20
# GETBULKs, and CTRS, the containers, on a tree of PODS pods (+ MORE)
cost() {
	local d=$T/t$1 out=$T/cg.$1 n
	fds_tree "$d" "$1" --version 1
	CTRS=$((FDS_CTRS + 2 * ${2:-0}))
	[ -z "${2:-}" ] || fds_grow "$d" 200 $((199 + $2))
	printf '#!/bin/sh\nexec valgrind -q --tool=callgrind --callgrind-out-file=%s "%s" "$@"\n' "$out" "$AGENTX_BIN" >"$T/vg"
	chmod +x "$T/vg"
	: >"$T/agentx.log"
	# -i 86400: no sample while counting
	daemon_start AGENTX_PID "" "$T/agentx.out" "$T/agentx.log" "$T/vg" -f -x "$AGENTX_SOCK" -i 86400 "${FIX_OPTS[@]}"
	daemon_wait AGENTX_PID "$T/agentx.log" 120 answering || fail "podmem-agentx under valgrind does not answer: $(tail -5 "$T/agentx.log")"
	callgrind_control -z "$AGENTX_PID" >/dev/null 2>&1 || fail "callgrind_control -z failed"
	for _ in $(seq 20); do
		n=$(snmpbulkget "${SNMP[@]}" -On -Cn0 -Cr50 "$AGENT" podmemContainerNamespace | grep -c ' = ') ||
			fail "snmpbulkget exited $?"
		assert_eq "values in one GETBULK" 50 "$n"
	done
	callgrind_control -d "$AGENTX_PID" >/dev/null 2>&1 || fail "callgrind_control -d failed"
	agentx_stop
	COST=$(awk '/^summary:/ { print $2 }' "$out.1")
}
cost 30
small=$COST small_n=$CTRS
cost 190 410
large=$COST large_n=$CTRS
[ "$small" -gt 1000000 ] || fail "only $small instructions counted on the small tree"
awk -v s="$small" -v l="$large" 'BEGIN { exit !(l <= 1.3 * s) }' ||
	fail "1000 AgentX requests cost $large instructions with $large_n containers, $small with $small_n: $(awk -v s="$small" -v l="$large" 'BEGIN { printf "%.2f", l / s }')x"
note "1000 AgentX requests: $((small / 1000)) instructions each with $small_n containers, $((large / 1000)) with $large_n ($(awk -v s="$small" -v l="$large" 'BEGIN { printf "%.2f", l / s }')x)"
