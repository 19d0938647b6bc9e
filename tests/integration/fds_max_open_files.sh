#!/usr/bin/env bash
# --max-open-files N in every program of ours: shown in --help; bad values
# refused with one line naming it (exit 2, nothing on stdout); and, on a
# fixture of 20 pods, podmem --json and podmem-execd --once under budgets
# from none to plenty give the same sample as without one, say once how many
# files were kept, and podmem-execd, running, holds that many fds on cgroup
# files and no more.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/fds_lib.bash"
command -v jq >/dev/null || skip "jq is not installed"

for prog in podmem podmem-execd podmem-agentx; do
	[ -x "$B/$prog" ] || { note "$prog is not built: not checked"; continue; }
	assert_contains "$prog --help" "$("$B/$prog" --help 2>&1)" "--max-open-files N"
	for v in -1 abc 1.5 2000000000 12x ''; do
		rc=0
		"$B/$prog" --max-open-files "$v" --help >"$T/out" 2>"$T/err" || rc=$?
		assert_eq "$prog --max-open-files '$v': exit status" 2 "$rc"
		assert_eq "$prog --max-open-files '$v': stdout" "" "$(cat "$T/out")"
		assert_eq "$prog --max-open-files '$v': stderr lines" 1 "$(wc -l <"$T/err")"
		assert_contains "$prog --max-open-files '$v'" "$(cat "$T/err")" "--max-open-files"
		assert_contains "$prog --max-open-files '$v'" "$(cat "$T/err")" "'$v'"
	done
done

fds_tree "$T/t" 20 --version 1 --driver cgroupfs
cgroups=$((FDS_PODS + FDS_CTRS))
strip() { sed -E 's/"time_ns":[0-9]+/"time_ns":0/' "$1"; }
podmem_json "${FIX_OPTS[@]}" >"$T/ref.json" 2>"$T/ref.err"
assert_eq "no budget given: log lines" "" "$(cat "$T/ref.err")"
"$B/podmem-execd" --once "${FIX_OPTS[@]}" | sed -E 's/ [0-9]+$//' | sort >"$T/ref.influx"
for max in 0 1 7 8 100 $((cgroups * 8 - 1)); do
	podmem_json "${FIX_OPTS[@]}" --max-open-files "$max" >"$T/m.json" 2>"$T/m.err"
	cmp -s <(strip "$T/ref.json") <(strip "$T/m.json") || fail "--max-open-files $max: the sample differs from one without it"
	fds_said_once "podmem --max-open-files $max" "$T/m.err" '[0-9]*' "$cgroups"
	assert_contains "podmem --max-open-files $max" "$(cat "$T/m.err")" "MaxOpenFiles $max, $max files kept"
	"$B/podmem-execd" --once "${FIX_OPTS[@]}" --max-open-files "$max" 2>"$T/x.err" | sed -E 's/ [0-9]+$//' | sort >"$T/m.influx"
	cmp -s "$T/ref.influx" "$T/m.influx" || fail "podmem-execd --max-open-files $max: other lines: $(diff "$T/ref.influx" "$T/m.influx" | head -5)"
	fds_said_once "podmem-execd --max-open-files $max" "$T/x.err" '[0-9]*' "$cgroups"
done
# all of them: nothing to say
podmem_json "${FIX_OPTS[@]}" --max-open-files $((cgroups * 9)) >"$T/m.json" 2>"$T/m.err"
cmp -s <(strip "$T/ref.json") <(strip "$T/m.json") || fail "--max-open-files $((cgroups * 9)): the sample differs"
assert_eq "a budget for every file: log lines" "" "$(cat "$T/m.err")"

# running: the fds it holds on the tree's files are the budget
mkfifo "$T/in"
exec 3<>"$T/in"
daemon_start EXECD_PID "$T/in" "$T/x.out" "$T/x.err" "$B/podmem-execd" "${FIX_OPTS[@]}" --max-open-files 50
printf '\n' >&3
wait_for 10 grep -q podmem_node "$T/x.out" || fail "podmem-execd wrote no batch: $(cat "$T/x.err")"
held=$({ find "/proc/$EXECD_PID/fd" -mindepth 1 -lname "$T/t/cgroup/*" 2>/dev/null || true; } | wc -l)
assert_eq "podmem-execd --max-open-files 50: fds held on cgroup files" 50 "$held"
exec 3>&-
daemon_stop EXECD_PID
assert_eq "podmem-execd: exit status at the end of stdin" 0 "$DAEMON_RC"
note "--max-open-files: refused when bad in all three programs; budgets 0 to $((cgroups * 8 - 1)) give the same sample; 50 held"
