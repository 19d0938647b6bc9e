#!/usr/bin/env bash
# Every program of ours under ASan and UBSan (build/san/): podmem (once, live, and
# podmem explain of every pod), podmem-execd (also --top-files) and podmem-agentx on fixture nodes of
# both cgroup versions with hostile
# names, a host without Kubernetes, and a real kubepods tree with processes
# in it. Each must run clean (no sanitizer report, no leak) and give what the
# plain build gives. (podmem.so runs under valgrind in collectd_valgrind.sh.)
. "$(dirname "$0")/lib.sh"
S=$B/san
for p in podmem podmem-execd podmem-agentx; do
	[ -x "$S/$p" ] || fail "build first: make $S/$p"
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run_clean NAME CMD...: CMD must exit 0 with an empty stderr; its stdout goes to $T/NAME.
# On a node with hostile log names (UDIR: its fixture), stderr says once that
# each of those entries is not trusted, and nothing more.
UDIR=
run_clean() {
	local name=$1; shift
	"$@" > "$T/$name" 2> "$T/$name.err" || fail "$name exited $?: $(head -c 2000 "$T/$name.err")"
	if [ -n "$UDIR" ]; then
		[ -z "$(grep -v "' is not trusted: " "$T/$name.err")" ] || fail "$name wrote to stderr: $(head -c 2000 "$T/$name.err")"
		assert_eq "$name: untrusted log entries said" 2 "$(assert_untrusted_said "$UDIR" "$T/$name.err")"
	else
		[ ! -s "$T/$name.err" ] || fail "$name wrote to stderr: $(head -c 2000 "$T/$name.err")"
	fi
}
# explain_clean NAME OPTS...: podmem explain of every pod of the node (by UID, or a group
# by its name), text and --json, under ASan and UBSan: clean, and the same as the plain build's
explain_clean() {
	local name=$1 pod i=0; shift
	while read -r pod; do
		i=$((i + 1))
		run_clean "$name.x$i.san.json" "$S/podmem" explain --json "$@" "$pod"
		run_clean "$name.x$i.san.txt" "$S/podmem" explain --request 64Mi "$@" "$pod"
		[ "$name" = real ] && continue
		run_clean "$name.x$i.json" "$B/podmem" explain --json "$@" "$pod"
		assert_eq "$name: the sanitized podmem explain $pod" "$(cat "$T/$name.x$i.json")" "$(cat "$T/$name.x$i.san.json")"
	done < <(jq -r '.pods[] | if .pod_uid != "" then .pod_uid else .pod end' "$T/$name.json")
	# an unknown pod: exit 2, one line, no report
	local rc=0
	"$S/podmem" explain "$@" no-such-pod > /dev/null 2> "$T/$name.xerr" || rc=$?
	assert_eq "$name: podmem explain of an unknown pod under ASan: exit status" 2 "$rc"
	assert_eq "$name: podmem explain of an unknown pod under ASan: stderr" 1 "$(grep -vc "' is not trusted: " "$T/$name.xerr")"
	EXPLAINED=$((EXPLAINED + i))
}
EXPLAINED=0
# the same sample with the time left out (each line protocol point ends with the batch time)
untimed_json() { jq -S 'del(.time_ns)' "$1"; }
untimed_lp() { sed 's/ [0-9]*$//' "$1" | sort; }

nodes=()
fixture "$T/v1" --version 1 --driver cgroupfs --runtime crio --hostile; nodes+=("v1:${FIX_OPTS[*]} --sys-root $T/v1/sys")
fixture "$T/v2" --version 2 --driver systemd --runtime containerd --prefix kubelet.slice --hostile; nodes+=("v2:${FIX_OPTS[*]} --sys-root $T/v2/sys")
fixture "$T/hosts" --version 2 --no-kube; nodes+=("hosts:${FIX_OPTS[*]}")
# an empty kubepods tree: no pods at all
fixture "$T/empty" --version 1; rm -rf "$T"/empty/cgroup/kubepods/{pod*,burstable/pod*,besteffort/pod*}; nodes+=("empty:${FIX_OPTS[*]}")

real_cgroup_base
real_pod "$CG_BASE" systemd burstable 5a6b7c8d-0000-4000-8000-00000000aa01 default san-0 app
hog "${CTR_DIR[app]}" anon $((16 << 20))
hog "${CTR_DIR[app]}" deleted "$T/san-deleted" $((4 << 20)) # for podmem files: a deleted file held open
nodes+=("real:--cgroup-root $CG_BASE --pod-log-dir $T/log/pods --container-log-dir $T/log/containers")

for n in "${nodes[@]}"; do
	name=${n%%:*}
	case $name in v1 | v2) UDIR=$T/$name ;; *) UDIR= ;; esac
	read -ra opts <<< "${n#*:}"
	if [ "$name" = real ]; then
		# a live tree changes between two samples: the sanitized runs must be clean, and name the same things
		run_clean "$name.san.json" "$S/podmem" --json "${opts[@]}"
		run_clean "$name.json" "$B/podmem" --json "${opts[@]}"
		ids() { jq -c '[.pods[] | [.namespace, .pod, .pod_uid, ([.containers[] | [.container, .container_id]] | sort)]] | sort' "$1"; }
		assert_eq "$name: the sanitized podmem's pods" "$(ids "$T/$name.json")" "$(ids "$T/$name.san.json")"
		run_clean "$name.san.lp" "$S/podmem-execd" --once "${opts[@]}"
		run_clean "$name.san.prom" "$S/podmem-execd" --once --format prometheus "${opts[@]}"
		# podmem-execd --top-files: two batches (a file scan, then its rows again), and Prometheus
		printf '\n\n' | run_clean "$name.san.files.lp" "$S/podmem-execd" --top-files 5 "${opts[@]}"
		assert_eq "$name: podmem_file rows of two batches under ASan" 10 "$(grep -c '^podmem_file,' "$T/$name.san.files.lp")"
		assert_contains "$name: podmem-execd --top-files: the deleted file" "$(cat "$T/$name.san.files.lp")" \
			"deleted=true,namespace=default,path=$T/san-deleted,"
		run_clean "$name.san.files.prom" "$S/podmem-execd" --once --top-files 5 --format prometheus "${opts[@]}"
		run_clean "$name.san.live" "$S/podmem" top --interval 50ms --iterations 2 --containers "${opts[@]}"
		assert_eq "$name: the sanitized live podmem's tables" 2 "$(grep -c '^NAMESPACE/POD ' "$T/$name.san.live")"
		explain_clean "$name" "${opts[@]}"
		# podmem files on the real pod, both residency methods, JSON and the table
		for res in cachestat mincore; do
			run_clean "$name.files.$res.san.json" "$S/podmem" files default/san-0 --json -n 0 --residency "$res" "${opts[@]}"
			run_clean "$name.files.$res.json" "$B/podmem" files default/san-0 --json -n 0 --residency "$res" "${opts[@]}"
			# (bytes are not compared: this node's DAMON pageout evicts cold pages between two runs)
			rows() { jq -c '[.files[] | select(.path | startswith("/tmp/")) | [.path, .deleted]] | sort' "$1"; }
			assert_eq "$name: the sanitized podmem files' rows ($res)" "$(rows "$T/$name.files.$res.json")" \
				"$(rows "$T/$name.files.$res.san.json")"
			jq -e --arg f "$T/san-deleted" '.files | any(.path == $f and .deleted and .cached > 0 and .cached <= 4194304)' \
				"$T/$name.files.$res.san.json" >/dev/null ||
				fail "$name: podmem files does not find the deleted file ($res): $(jq -c '[.files[] | [.path, .deleted, .cached]]' "$T/$name.files.$res.san.json")"
		done
		run_clean "$name.files.san.table" "$S/podmem" files default/san-0 "${opts[@]}"
		continue
	fi
	run_clean "$name.san.json" "$S/podmem" --json "${opts[@]}"
	run_clean "$name.json" "$B/podmem" --json "${opts[@]}"
	assert_eq "$name: the sanitized podmem's sample" "$(untimed_json "$T/$name.json")" "$(untimed_json "$T/$name.san.json")"
	run_clean "$name.san.table" "$S/podmem" --containers --sort name "${opts[@]}"
	run_clean "$name.table" "$B/podmem" --containers --sort name "${opts[@]}"
	assert_eq "$name: the sanitized podmem's table" "$(cat "$T/$name.table")" "$(cat "$T/$name.san.table")"
	# live (--interval), piped: two refreshes, the same tables but for the time lines
	run_clean "$name.san.live" "$S/podmem" top --interval 10ms --iterations 2 --containers --sort name "${opts[@]}"
	run_clean "$name.live" "$B/podmem" top --interval 10ms --iterations 2 --containers --sort name "${opts[@]}"
	assert_eq "$name: the sanitized live podmem's tables" "$(grep -v '^podmem - ' "$T/$name.live")" \
		"$(grep -v '^podmem - ' "$T/$name.san.live")"
	assert_eq "$name: the live podmem's refreshes" 2 "$(grep -c '^podmem - ' "$T/$name.san.live")"
	explain_clean "$name" "${opts[@]}"
	# execd, as Telegraf drives it: three lines on stdin, three batches, then end of input
	run_clean "$name.san.lp" "$S/podmem-execd" "${opts[@]}" < <(printf '\n\n\n')
	run_clean "$name.lp" "$B/podmem-execd" --once "${opts[@]}"
	[ "$(awk '{print $NF}' "$T/$name.san.lp" | sort -u | wc -l)" = 3 ] || fail "$name: podmem-execd did not write 3 batches"
	assert_eq "$name: the sanitized podmem-execd's batches" "$(untimed_lp "$T/$name.lp")" \
		"$(awk '{print $NF}' "$T/$name.san.lp" | sort -u | head -1 | { read -r t; grep " $t\$" "$T/$name.san.lp"; } | sed 's/ [0-9]*$//' | sort)"
	run_clean "$name.san.prom" "$S/podmem-execd" --once --format prometheus "${opts[@]}"
	run_clean "$name.prom" "$B/podmem-execd" --once --format prometheus "${opts[@]}"
	assert_eq "$name: the sanitized Prometheus text" "$(cat "$T/$name.prom")" "$(cat "$T/$name.san.prom")"
done

# podmem-agentx under ASan behind a real snmpd: every row and column, as the plain tests check it
if [ ! -f "$SHARED_MIBS/SNMPv2-SMI.txt" ]; then
	note "SKIP of podmem-agentx under ASan: the IETF base MIBs are not in $SHARED_MIBS"
	exit 0
fi
AGENTX_BIN=$S/podmem-agentx
. "$SRC/tests/integration/lib_snmp.sh"
snmpd_start
for n in v1 v2 empty; do
	read -ra opts <<< "$(printf '%s\n' "${nodes[@]}" | sed -n "s/^$n://p")"
	agentx_start -i 1 "${opts[@]}"
	podmem_json "${opts[@]}" > "$T/$n.ref.json"
	if [ "$n" = empty ]; then
		out=$(snmpwalk "${SNMP[@]}" -OQs "$AGENT" podmemPodTable 2>&1) || fail "snmpwalk of an empty pod table exited $?"
		assert_not_contains "the empty node's pod table" "$out" "podmemPodNamespace"
	else
		snmp_check_all "$T/$n.ref.json"
	fi
	agentx_stop
	! grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$T/agentx.log" || fail "podmem-agentx under ASan/UBSan: $(grep -A20 -E 'Sanitizer|runtime error' "$T/agentx.log" | head -40)"
done
note "podmem (and podmem explain of $EXPLAINED pods), podmem-execd and podmem-agentx ran clean under ASan and UBSan on ${#nodes[@]} nodes"
