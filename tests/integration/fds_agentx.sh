#!/usr/bin/env bash
# podmem-agentx under prlimit --nofile (tiny, and 1024 with a tree that
# wants about 4000), behind a real snmpd: snmpbulkwalk of the MIB holds every
# pod and container, with every value of `podmem --json`; the degradation
# said once in its log, however many samples it takes.
. "$(dirname "$0")/lib.sh"
[ -x "$B/podmem-agentx" ] || skip "the SNMP subagent is not built (libsnmp-dev is not installed)"
. "$SRC/tests/integration/lib_snmp.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v prlimit >/dev/null || skip "prlimit is not installed (util-linux)"

snmpd_start
for spec in "48:30:--version 2 --driver systemd" "1024:150:--version 1 --driver cgroupfs"; do
	IFS=: read -r n pods args <<<"$spec"
	read -ra args <<<"$args"
	fds_tree "$T/t$n" "$pods" "${args[@]}"
	podmem_json "${FIX_OPTS[@]}" >"$T/t$n.json"
	json_grid "$T/t$n.json" | grep -v "	$NOSUCH\$" >"$T/t$n.grid"
	AGENTX_BIN=$(fds_limited agentx$n "$n" "$B/podmem-agentx")
	: >"$T/agentx.log"
	agentx_start -i 1 "${FIX_OPTS[@]}"
	sleep 2 # samples after the first
	snmpbulkwalk "${SNMP[@]}" -Cr50 "${GRID_FMT[@]}" "$AGENT" podmemObjects >"$T/walk$n.out" || fail "snmpbulkwalk exited $?"
	grep -v '^podmemSampleTime.0 = ' "$T/walk$n.out" | snmp_grid >"$T/walk$n"
	grid_diff "--nofile=$n, $pods pods: snmpbulkwalk podmemObjects" "$T/t$n.grid" "$T/walk$n"
	assert_eq "--nofile=$n: pods and containers in the walk" "$FDS_PODS $FDS_CTRS" \
		"$(awk -F '\t' '$1 == "Pod" { p[$2] } $1 == "Container" { c[$2 FS $3] } END { print length(p), length(c) }' "$T/walk$n")"
	agentx_stop
	fds_said_once "--nofile=$n" "$T/agentx.log" "$n" $((FDS_PODS + FDS_CTRS))
	note "--nofile=$n: $FDS_PODS pods, $FDS_CTRS containers, every value through snmpd"
done
