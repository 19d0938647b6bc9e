#!/usr/bin/env bash
# podmem-execd's three modes as Telegraf's execd runs them (signal = "STDIN",
# signal = "none" with --interval, and --once), its ends (end of stdin, a
# closed stdout, SIGTERM), a sample that partly fails, and bad options.
# No wall-clock assertion: only counts, order and distinct timestamps.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"

fixture "$T/fx" --version 2
podmem_json "${FIX_OPTS[@]}" >"$T/sample.json"
N=$(batch_lines "$T/sample.json")

# assert_batches WHAT FILE COUNT: FILE holds COUNT whole batches of N lines,
# each with its own timestamp, in increasing order
assert_batches() {
	local what=$1 file=$2 count=$3 got
	[ -z "$(tail -c 1 "$file")" ] || fail "$what: the output ends in a partial line"
	got=$(awk '{print $NF}' "$file" | uniq -c | awk -v n="$N" '$1 != n { bad = 1 } END { print NR, bad + 0 }')
	assert_eq "$what: batches, and batches of other than $N lines" "$count 0" "$got"
	awk '{print $NF}' "$file" | uniq | sort -c -n -u 2>/dev/null || fail "$what: timestamps not increasing"
}

# assert_log WHAT FILE: every stderr line in the form Telegraf relays by level
assert_log() {
	local bad
	bad=$(grep -v -E '^[EWID]! podmem-execd: .+' "$2" | head -3 || true)
	assert_eq "$1: stderr lines without a level prefix" "" "$bad"
}

# ---- signal = "STDIN": a batch per line, exit 0 at the end of input --------
rc=0
printf '\n\n\n' | "$EXECD" "${FIX_OPTS[@]}" >"$T/stdin.lp" 2>"$T/stdin.err" || rc=$?
assert_eq "STDIN mode: exit status at the end of input" 0 "$rc"
assert_batches "STDIN mode" "$T/stdin.lp" 3
assert_eq "STDIN mode: stderr" "" "$(cat "$T/stdin.err")"
rc=0
"$EXECD" "${FIX_OPTS[@]}" </dev/null >"$T/empty.lp" || rc=$?
assert_eq "STDIN mode, no input: exit status" 0 "$rc"
assert_eq "STDIN mode, no input: output" "" "$(cat "$T/empty.lp")"
note "STDIN mode: 3 lines in, 3 batches of $N lines out, exit 0 at the end"

# ---- a closed stdout ends the program, cleanly, before stdin does -----------
execd_start "${FIX_OPTS[@]}"
execd_batch 1 "$T/first.lp"
exec {EX_FROM}<&- # the reader goes away
rm -f "$T/ex.out"
printf '\n' >&"$EX_TO"
wait_for 10 eval "! kill -0 $EX_PID" || fail "podmem-execd still runs with its stdout closed"
rc=0
wait "$EX_PID" || rc=$?
exec {EX_TO}>&-
assert_eq "exit status after stdout closed (141 = killed by SIGPIPE)" 0 "$rc"
assert_eq "stderr after stdout closed" "" "$(cat "$T/execd.err")"
note "closed stdout: exit 0, no SIGPIPE, nothing on stderr"

# ---- signal = "none": --interval on its own clock ---------------------------
execd_start "${FIX_OPTS[@]}" --interval 100ms
execd_read $((3 * N)) "$T/interval.lp" # no line is ever sent
execd_finish "$T/interval.lp"          # Telegraf stops it by closing stdin
count=$(awk '{print $NF}' "$T/interval.lp" | uniq | wc -l)
[ "$count" -ge 3 ] || fail "--interval 100ms: $count batches"
assert_batches "--interval 100ms" "$T/interval.lp" "$count"
assert_log "--interval" "$T/execd.err"

# the first batch comes at once, and closing stdin stops a 1m interval early
execd_start "${FIX_OPTS[@]}" --interval 1m
execd_read "$N" "$T/minute.lp"
execd_finish
assert_batches "--interval 1m" "$T/minute.lp" 1

# stdin /dev/null (cron, systemd) is no reason to stop; SIGTERM is, between batches
"$EXECD" "${FIX_OPTS[@]}" --interval 50ms </dev/null >"$T/devnull.lp" 2>"$T/devnull.err" &
pid=$!
at_exit "kill_pid $pid"
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_for 20 has_lines "$T/devnull.lp" $((2 * N)) || fail "--interval with stdin /dev/null: fewer than 2 batches"
kill -0 "$pid" || fail "--interval with stdin /dev/null stopped by itself"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "exit status after SIGTERM" 0 "$rc"
count=$(awk '{print $NF}' "$T/devnull.lp" | uniq | wc -l)
assert_batches "--interval after SIGTERM" "$T/devnull.lp" "$count"
note "--interval: batches on its own clock, ended by the end of stdin or SIGTERM, whole"

# ---- --once ------------------------------------------------------------------
rc=0
"$EXECD" "${FIX_OPTS[@]}" --once >"$T/once.lp" 2>"$T/once.err" || rc=$?
assert_eq "--once: exit status" 0 "$rc"
assert_batches "--once" "$T/once.lp" 1
assert_eq "--once: stderr" "" "$(cat "$T/once.err")"

# ---- a sample that partly fails still writes what it has --------------------
cp -a "$T/fx" "$T/fx2"
fix_opts "$T/fx2"
web=$(find "$T/fx2/cgroup" -type d -name 'pod2a3b4c5d-6e7f-4081-9293-0000000000b2')
[ -n "$web" ] || fail "web-0's cgroup not found in the fixture"
web_lines=$(jq '[.pods[] | select(.pod == "web-0") | 1 + (.containers | length)] | add' "$T/sample.json")
execd_start "${FIX_OPTS[@]}"
execd_batch "$N" "$T/full.lp"
: >"$T/fx2/proc/meminfo" # the node's source fails (empty)
rm -r "$web"               # web-0 ended between the batches
execd_batch $((N - 1 - web_lines)) "$T/partial.lp"
execd_finish # nothing more: exactly those lines
grep -q '^podmem_node ' "$T/full.lp" || fail "no node line in the full batch"
! grep -q '^podmem_node ' "$T/partial.lp" || fail "a node line without /proc/meminfo"
! grep -q 'pod=web-0' "$T/partial.lp" || fail "lines of a pod that is gone"
grep -q '^podmem_pod,namespace=kube-system,pod=coredns' "$T/partial.lp" || fail "the other pods are missing"
assert_log "partial sample" "$T/execd.err"
note "partial sample: $(wc -l <"$T/partial.lp") of $N lines, no node, no vanished pod"

# ---- start-up errors and bad options ------------------------------------------
mkdir "$T/nothing"
rc=0
"$EXECD" --cgroup-root "$T/nothing" --once >"$T/out" 2>"$T/err" || rc=$?
assert_eq "a cgroup root with no memory cgroup: exit status" 1 "$rc"
[ -s "$T/err" ] || fail "a cgroup root with no memory cgroup: no error"
assert_log "start-up error" "$T/err"
assert_eq "a cgroup root with no memory cgroup: output" "" "$(cat "$T/out")"

# bad_option EXPECTED ARGS...: exit 2, one line on stderr holding EXPECTED, nothing on stdout
bad_option() {
	local want=$1 rc=0
	shift
	"$EXECD" "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
	assert_eq "'$*': exit status" 2 "$rc"
	assert_eq "'$*': stderr lines" 1 "$(wc -l <"$T/err")"
	assert_contains "'$*': stderr" "$(cat "$T/err")" "E! podmem-execd: $want"
	assert_eq "'$*': stdout" "" "$(cat "$T/out")"
}
bad_option "bad value 'xml' for --format" --format xml
bad_option "bad value '10' for --interval" --interval 10
bad_option "bad value '0s' for --interval" --interval 0s
bad_option "bad value '-1s' for --interval" --interval -1s
bad_option "bad value 'abc' for --interval" --interval=abc
bad_option "unknown option '--bogus'" --bogus
bad_option "unknown option '-x'" -x
bad_option "option '--cgroup-root' needs a value" --cgroup-root
bad_option "bad value '' for --cgroup-root" --cgroup-root ''
bad_option "unexpected argument 'extra'" "${FIX_OPTS[@]}" extra
bad_option "--once and --interval exclude each other" "${FIX_OPTS[@]}" --once --interval 1s

help=$("$EXECD" --help)
for o in format once interval output cgroup-root proc-root pod-log-dir container-log-dir; do
	assert_contains "--help" "$help" "--$o "
done
assert_contains "--version" "$("$EXECD" --version)" "podmem-execd "
note "bad options: exit 2 with one line each; start-up error: exit 1"
