#!/usr/bin/env bash
# One PDU, one snapshot: podmem-agentx under a real snmpd samples every
# second while real memory cgroups churn (processes mapping and unmapping
# memory all the time, a pod made and removed over and over), and GETBULKs
# of three columns with a few hundred repetitions each run back to back,
# from two clients at once. The
# master answers a GETBULK with one AgentX GETNEXT per repetition, so a
# sample often falls between two AgentX requests of one PDU (the subagent
# says so under -Dpodmem: the test goes on until it has happened). In every PDU:
#   - an instance that comes back more than once (the repetitions of one
#     varbind run on into the next columns, over those of the others) has
#     one value;
#   - podmemContainerWorkingSetKubelet = max(0, Usage - InactiveFile) for
#     each row, the three taken in three different AgentX requests (the
#     varbinds start one and two rows apart);
#   - and an snmpget of those three columns of every row agrees likewise.
# Across PDUs the churning containers' usage does change (else the test
# would prove nothing).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_snmp.sh"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576 DURATION=${DURATION:-8} REPS=200
real_cgroup_base
mkdir "$CG_BASE/probe" 2>/dev/null || skip "the kernel refused a nested memory cgroup under $CG_BASE"
rmdir "$CG_BASE/probe"

# three pods of two containers, each container churning its memory; the
# UIDs sort before the churning pod's, so the first rows are these
CTRS=()
for i in 1 2 3; do
	real_pod "$CG_BASE" cgroupfs burstable "1000000$i-0000-4000-8000-00000000000$i" default "web-$i" app side
	for c in app side; do
		hog "${CTR_DIR[$c]}" churn $((8 * MiB))
		CTRS+=("${CTR_DIR[$c]}")
	done
done
# a pod that comes and goes all the time, its container churning too
churn_pods() {
	local n=0 pod ctr
	while :; do
		n=$((n + 1))
		pod=$CG_BASE/kubepods/burstable/podf000000$((n % 10))-0000-4000-8000-000000000000
		ctr=$pod/$(printf '%064x' "$n")
		mkdir -p "$ctr" || continue
		sh -c 'echo $$ > "$1/cgroup.procs" && exec "$2" churn 4194304' sh "$ctr" "$B/pm-hog" >/dev/null &
		sleep 0.7
		kill -KILL $! 2>/dev/null; wait $! 2>/dev/null
		rmdir "$ctr" "$pod" 2>/dev/null || true
	done
}
churn_pods &
CHURN_PID=$!
at_exit "kill_pid $CHURN_PID"

OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
snmpd_start
agentx_start -i 1 -Dpodmem "${OPTS[@]}"

NUM=(-On -OQ -Oe -OU)
ARC=.1.3.6.1.4.1.32473.1.4.1 # podmemContainerEntry
col() { # col NAME: the column's sub-identifier, from the MIB
	snmptranslate -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB -On "PODMEM-MIB::$1" | sed 's/.*\.//'
}
U=$(col podmemContainerUsage) IF=$(col podmemContainerInactiveFile) WSK=$(col podmemContainerWorkingSetKubelet)
# the first three rows' instances (the web pods' containers, which stay)
rows=$(snmpbulkget "${SNMP[@]}" "${NUM[@]}" -Cn0 -Cr3 "$AGENT" "$ARC.$U" | sed "s/^$ARC\\.$U\\.//; s/ = .*//")
read -r ROW1 ROW2 _ <<<"$(echo $rows)"
[ -n "$ROW2" ] || fail "no rows in podmemContainerTable: $rows"

# check PDU_FILE WHAT: the PDU's values (-On -OQ lines) are one snapshot's
check() {
	awk -v arc="$ARC" -v u="$U" -v if_="$IF" -v wsk="$WSK" -v what="$2" '
	index($0, arc ".") == 1 {
		eq = index($0, " = "); name = substr($0, length(arc) + 2, eq - length(arc) - 2); val = substr($0, eq + 3)
		if (name in seen && seen[name] != val) { printf "%s: %s%s is %s and %s in one PDU\n", what, arc, name, seen[name], val; bad = 1 }
		seen[name] = val
		c = name; sub(/\..*/, "", c); row = substr(name, length(c) + 2)
		if (c == u) U[row] = val; else if (c == if_) I[row] = val; else if (c == wsk) W[row] = val
	}
	END {
		for (row in W) if ((row in U) && (row in I)) {
			n++; x = U[row] - I[row]; if (x < 0) x = 0
			if (W[row] != x) { printf "%s: row %s: WorkingSetKubelet %s, Usage %s - InactiveFile %s = %s\n", what, row, W[row], U[row], I[row], x; bad = 1 }
		}
		if (!n) { printf "%s: no row with the three columns\n", what; bad = 1 }
		exit bad
	}' "$1"
}

# client ID: GETBULKs (and every tenth time an snmpget) until $END, each
# checked; the count in $T/pdus.ID, the first bad one in $T/fail.ID
client() {
	local id=$1 n=0 oids r
	while [ $SECONDS -lt "$END" ]; do
		n=$((n + 1))
		# Usage from the table's first row, WorkingSetKubelet from the second, InactiveFile from the
		# third: row m's three columns come back in repetitions m, m - 1 and m - 2
		snmpbulkget "${SNMP[@]}" "${NUM[@]}" -Cn0 -Cr$REPS "$AGENT" "$ARC.$U" "$ARC.$WSK.$ROW1" "$ARC.$IF.$ROW2" \
			>"$T/pdu.$id" || { echo "snmpbulkget exited $?" >"$T/fail.$id"; return; }
		check "$T/pdu.$id" "GETBULK $n of client $id" >"$T/fail.$id" || return
		grep "^$ARC\\.$U\\." "$T/pdu.$id" | head -6 >>"$T/usages"
		if [ $((n % 10)) = 0 ]; then
			oids=()
			for r in $rows; do oids+=("$ARC.$U.$r" "$ARC.$IF.$r" "$ARC.$WSK.$r"); done
			snmpget "${SNMP[@]}" "${NUM[@]}" "$AGENT" "${oids[@]}" >"$T/get.$id" ||
				{ echo "snmpget exited $?" >"$T/fail.$id"; return; }
			check "$T/get.$id" "GET $n of client $id" >"$T/fail.$id" || return
		fi
	done
	rm -f "$T/fail.$id"
	echo "$n" >"$T/pdus.$id"
}

# two clients at once (so transactions interleave), DURATION seconds at a
# time, until a sample has come in the middle of a PDU (a few times at most)
pdus=0 spanned=0
for try in 1 2 3 4 5; do
	END=$((SECONDS + DURATION))
	client 1 &
	c1=$!
	client 2 &
	c2=$!
	wait $c1 $c2 || true
	for id in 1 2; do
		[ ! -s "$T/fail.$id" ] || fail "$(head -5 "$T/fail.$id")"
		[ -s "$T/pdus.$id" ] || fail "client $id did not finish"
		pdus=$((pdus + $(cat "$T/pdus.$id")))
	done
	spanned=$(grep -c 'answered from the sample before' "$T/agentx.log" || true)
	[ "$spanned" = 0 ] || break
done
changed=$(sort -u "$T/usages" | wc -l)
[ "$spanned" -gt 0 ] || fail "in $pdus GETBULKs over $((try * DURATION))s no sample came between two AgentX requests of one"
[ "$changed" -gt 12 ] || fail "the churning containers' usage took only $changed values in $pdus PDUs"
agentx_stop
note "$pdus GETBULKs of $REPS repetitions from two clients at once, each one snapshot; $spanned AgentX requests answered from the sample before (a sample came mid-PDU); $changed usage values seen"
