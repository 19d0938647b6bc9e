#!/usr/bin/env bash
# podmem top --interval, live: in a real terminal (a tmux pane on a private
# server) the alternate screen with the node line, the header, every pod and
# the deltas, cut to the pane's width and height and redrawn when it is
# resized; q, SIGTERM, SIGINT and SIGHUP each restore the screen, the cursor
# and the terminal's modes. Piped: one table per interval, no escape bytes;
# --json: one line per interval. A refresh allocates nothing (valgrind's
# count over 3 and over 10 refreshes, piped and on the terminal). On real
# cgroups, memory a process adds between two refreshes shows in the USAGE
# and WS deltas, and a pod that appears shows "new". Bad values: exit 2.
. "$(dirname "$0")/lib.sh"
P=$B/podmem
[ -x "$P" ] || fail "$P is not built (make build-all)"
command -v jq >/dev/null || skip "jq is not installed"
MiB=1048576

fixture "$T/n" --version 2 --driver systemd --runtime containerd
F=("${FIX_OPTS[@]}")

# ---- bad values: one line on stderr, nothing on stdout, exit 2 --------------
for bad in "--interval 0" "--interval -1s" "--interval 1x" "--interval 10" "--interval ''" \
	"--interval 99999999999999999999s" "--interval 1s --iterations 0" "--interval 1s --iterations x" "--iterations 3"; do
	eval "args=($bad)"
	rc=0
	"$P" top "${args[@]}" "${F[@]}" > "$T/bad.out" 2> "$T/bad.err" || rc=$?
	assert_eq "podmem top $bad: exit status" 2 "$rc"
	[ ! -s "$T/bad.out" ] || fail "podmem top $bad wrote to stdout"
	assert_eq "podmem top $bad: lines on stderr ($(cat "$T/bad.err"))" 1 "$(wc -l < "$T/bad.err")"
	assert_contains "podmem top $bad: the error names the option" "$(cat "$T/bad.err")" "${args[-2]#--}"
done

# ---- piped: one table per interval, each after a time line -----------------
"$P" top --interval 200ms --iterations 3 --containers "${F[@]}" | cat > "$T/piped"
! LC_ALL=C grep -q $'\x1b' "$T/piped" || fail "piped output holds an escape byte"
assert_eq "piped: time lines" 3 "$(grep -c '^podmem - .* - every 200ms - 3 pods - sorted by working_set$' "$T/piped")"
assert_eq "piped: node lines" 3 "$(grep -c '^node: total ' "$T/piped")"
assert_eq "piped: headers" 3 "$(grep -c '^NAMESPACE/POD  *QOS  *USAGE  *dUSAGE  *LIMIT  *WS  *dWS  *WS_KUBE ' "$T/piped")"
assert_eq "piped: blank lines between tables" 2 "$(grep -c '^$' "$T/piped")"
assert_eq "piped: lines" $((3 * 13 + 2)) "$(wc -l < "$T/piped")"
# the rows are the one-shot table's, in its order, with both deltas after their metric's column
"$P" --containers "${F[@]}" > "$T/oneshot"
tables() { awk -v t="$2" '/^podmem - /{n++} n==t && NR>1 && !/^podmem - / && NF' "$1"; }
# each line's fields, single-spaced, without the delta columns (4 and 7 of a
# pod's row and the header, 3 and 6 of a container's)
without_deltas() { awk '{ d1 = d2 = 0; if ($1 == "NAMESPACE/POD" || $2 ~ /^(besteffort|burstable|guaranteed)$/) { d1 = 4; d2 = 7 }
	else if ($1 != "node:") { d1 = 3; d2 = 6 }
	s = ""; for (i = 1; i <= NF; i++) if (i != d1 && i != d2) s = s (s == "" ? "" : " ") $i; print s }' "$@"; }
for t in 1 2 3; do
	assert_eq "piped table $t without its deltas" "$(awk '{$1 = $1} 1' "$T/oneshot")" "$(tables "$T/piped" $t | without_deltas)"
done
# the first table has no previous refresh; the fixture does not change, so then every delta is 0
assert_eq "first table's deltas" "-" "$(tables "$T/piped" 1 | awk '$1 == "default/web-0" {print $4 $7}' | tr -s -)"
assert_eq "third table's deltas" "00" "$(tables "$T/piped" 3 | awk '$1 == "default/web-0" {print $4 $7}')"
assert_eq "third table's container deltas" "00" "$(tables "$T/piped" 3 | awk '$1 == "app" {print $3 $6}')"
# --sort and -n too
"$P" top --interval 100ms --iterations 2 --sort name -n 1 "${F[@]}" > "$T/sorted"
assert_eq "--sort name -n 1: the rows of table 2" "batch/job-7f9c|(2 more; -n to show more)" \
	"$(tables "$T/sorted" 2 | awk '!/^(node|NAMESPACE)/ {print $1 ($1 ~ /^\(/ ? " " $2 " " $3 " " $4 " " $5 " " $6 : "")}' | paste -sd'|')"
# --json: one sample per line
"$P" top --json --interval 100ms --iterations 3 -n 2 "${F[@]}" > "$T/lines.json"
assert_eq "--json --interval: lines" 3 "$(wc -l < "$T/lines.json")"
assert_eq "--json --interval: pods per line" "2 2 2" "$(jq -r '.pods | length' "$T/lines.json" | paste -sd' ')"
assert_eq "--json --interval: a sample each" 3 "$(jq -r .time_ns "$T/lines.json" | sort -u | wc -l)"

# ---- a refresh allocates nothing --------------------------------------------
# valgrind's count over a run of 3 refreshes and over one of 10 (the core's own
# rescan, every 10th sample by default, allocates: the runs stop before it)
allocs() { sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$1"; }
if command -v valgrind >/dev/null; then
	for k in 3 10; do
		valgrind --log-file="$T/vg.piped.$k" "$P" top --interval 1ms --iterations $k --containers "${F[@]}" > /dev/null
	done
	a3=$(allocs "$T/vg.piped.3") a10=$(allocs "$T/vg.piped.10")
	[ -n "$a3" ] || fail "no heap summary from valgrind: $(tail -3 "$T/vg.piped.3")"
	assert_eq "allocations in 3 and in 10 piped refreshes (refreshes 4 to 10 must allocate nothing)" "$a3" "$a10"
	note "piped: $a3 allocations in 3 refreshes and in 10"
else
	note "SKIP of the allocation count: valgrind is not installed"
fi

# ---- on a terminal: a tmux pane ----------------------------------------------
command -v tmux >/dev/null || skip "tmux is not installed (tests/deps.sh install check)"
TM=(tmux -L "podmem-$$" -f /dev/null)
at_exit "${TM[*]} kill-server"
"${TM[@]}" new-session -d -s t -x 120 -y 40 "env PS1='$ ' sh" || fail "tmux cannot start a session"
pane() { "${TM[@]}" capture-pane -p -t t | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
flag() { "${TM[@]}" display -p -t t "#{$1}"; }
typein() { "${TM[@]}" send-keys -t t -l "$1"; "${TM[@]}" send-keys -t t Enter; }
pane_has() { pane | grep -q -- "$1"; }
# run_podmem ARGS: podmem top in the pane, its pid in $T/pid; waits for its first frame
run_podmem() {
	rm -f "$T/pid"
	typein "sh -c 'echo \$\$ > $T/pid; exec $P top $*'"
	wait_for 10 test -s "$T/pid" || fail "podmem did not start in the pane: $(pane)"
	PID=$(cat "$T/pid")
	wait_for 10 pane_has '^NAMESPACE/POD' || fail "no table in the pane: $(pane)"
}
# ended HOW WANT_RC: podmem has exited, and the pane is back as it was, with
# the cursor shown, the terminal's modes as they were and exit status WANT_RC
ended() {
	wait_for 10 sh -c "! kill -0 $PID 2>/dev/null" || fail "$1: podmem (pid $PID) did not exit"
	typein "echo rc=\$?; stty -a > $T/stty.after"
	wait_for 10 pane_has "^rc=" || fail "$1: the shell did not come back: $(pane)"
	assert_eq "$1: exit status" "rc=$2" "$(pane | grep '^rc=' | tail -1)"
	assert_eq "$1: alternate screen" 0 "$(flag alternate_on)"
	assert_eq "$1: cursor shown" 1 "$(flag cursor_flag)"
	wait_for 10 test -s "$T/stty.after" || fail "$1: stty -a did not run"
	assert_eq "$1: the terminal's modes (stty -a)" "$(cat "$T/stty.before")" "$(cat "$T/stty.after")"
	# what the pane showed before podmem ran, line for line
	assert_eq "$1: the pane's lines before podmem" "$(head -n -1 "$T/before")" "$(pane | head -n "$(($(wc -l < "$T/before") - 1))")"
	! pane_has NAMESPACE/POD || fail "$1: the table is left on the screen: $(pane)"
	rm -f "$T/stty.after"
}
typein "stty -a > $T/stty.before; echo BEFORE-MARK"
wait_for 10 pane_has '^BEFORE-MARK' || fail "the pane's shell does not run commands: $(pane)"
wait_for 10 test -s "$T/stty.before"
# start_in_pane NAME ARGS: a clear pane that says NAME, then podmem top ARGS in it
start_in_pane() {
	typein "printf '\\033[H\\033[2J'; echo before $1"
	wait_for 10 pane_has "^before $1" || fail "the pane's shell did not clear: $(pane)"
	pane > "$T/before"
	shift
	run_podmem "$@"
}

# q: the screen, then the terminal as it was
start_in_pane q --interval 500ms --containers "${F[*]}"
assert_eq "alternate screen while running" 1 "$(flag alternate_on)"
assert_eq "cursor hidden while running" 0 "$(flag cursor_flag)"
wait_for 10 sh -c "${TM[*]} capture-pane -p -t t | grep -q '^default/web-0  *burstable  *[0-9.]*Mi  *0 '" ||
	fail "no second refresh with deltas: $(pane)"
screen=$(pane)
assert_contains "the title line" "$(printf '%s\n' "$screen" | head -1)" " - every 500ms - 3 pods - sorted by working_set - q quits"
assert_contains "the node line" "$(printf '%s\n' "$screen" | sed -n 2p)" "node: total 23.4Gi  used 6.15Gi"
# the pane is 120 wide: each line is the piped line cut there, and none wraps
assert_eq "the screen: the piped table cut at 120 columns" "$(tables "$T/piped" 3 | cut -c1-120 | sed 's/ *$//')" \
	"$(printf '%s\n' "$screen" | tail -n +2 | sed 's/ *$//')"
"${TM[@]}" send-keys -t t q
ended q 0

# a resize redraws at once (the next refresh is a minute away): 8 rows hold the title, node, header, 4 rows and "(6 more)"
start_in_pane resize --interval 1m --containers "${F[*]}"
"${TM[@]}" resize-window -t t -x 60 -y 8
wait_for 10 pane_has '^(6 more)$' || fail "no redraw after a resize to 60x8: $(pane)"
screen=$(pane)
assert_eq "60x8: lines" 8 "$(printf '%s\n' "$screen" | wc -l)"
assert_eq "60x8: the widest line" 60 "$(printf '%s\n' "$screen" | awk '{ if (length > w) w = length } END { print w }')"
# at 60 columns the name column narrows to 16, so that usage and its delta still show
assert_eq "60x8: the first row" "batch/job-7f9c   besteffort   104Mi       -" "$(printf '%s\n' "$screen" | sed -n 4p | cut -c1-43)"
"${TM[@]}" resize-window -t t -x 120 -y 40
wait_for 10 pane_has '^kube-system/coredns-5d78c9869d-x7k2p guaranteed' || fail "no redraw after a resize back: $(pane)"
"${TM[@]}" send-keys -t t q
ended "q after a resize" 0

# signals: each restores the screen, and podmem dies of it
start_in_pane SIGTERM --interval 500ms "${F[*]}"
kill -TERM "$PID"
ended SIGTERM 143
start_in_pane SIGHUP --interval 500ms "${F[*]}"
kill -HUP "$PID"
ended SIGHUP 129
start_in_pane SIGINT --interval 500ms "${F[*]}"
"${TM[@]}" send-keys -t t C-c
ended "Ctrl-C" 130

# on the terminal too, refreshes 4 to 10 allocate nothing
if command -v valgrind >/dev/null; then
	for k in 3 10; do
		typein "valgrind --log-file=$T/vg.tty.$k $P top --interval 1ms --iterations $k --containers ${F[*]}; echo done-$k"
		wait_for 60 pane_has "^done-$k" || fail "valgrind on the terminal did not finish: $(pane)"
	done
	assert_eq "allocations in 3 and in 10 refreshes on the terminal" "$(allocs "$T/vg.tty.3")" "$(allocs "$T/vg.tty.10")"
	note "terminal: $(allocs "$T/vg.tty.3") allocations in 3 refreshes and in 10"
fi

# ---- real cgroups: memory added between two refreshes ------------------------
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"
real_cgroup_base
UID1=7a6b5c4d-0000-4000-8000-0000000000d1 UID2=7a6b5c4d-0000-4000-8000-0000000000d2
real_pod "$CG_BASE" cgroupfs burstable "$UID1" default live-0 app
APP=${CTR_DIR[app]}
hog "$APP" anon $((16 * MiB))
R=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
daemon_start TOP "" "$T/real" "$T/real.err" "$P" top --interval 300ms --iterations 12 --containers "${R[@]}"
tables_at_least() { daemon_wait TOP "$T/real.err" 20 sh -c "[ \$(grep -c '^podmem - ' '$T/real') -ge $1 ]" || fail "no table $1: $(cat "$T/real")"; }
tables_at_least 2
# podmem stopped, 32 MiB more in the app container and a new pod: its next
# refresh that reads them sees all of it at once (each usage is one read)
kill -STOP "$TOP"
hog "$APP" anon $((32 * MiB))
GROWER=$HOG_PID
real_pod "$CG_BASE" cgroupfs besteffort "$UID2" default late-0 app
kill -CONT "$TOP"
tables_at_least 6
# and the 32 MiB gone again
kill -STOP "$TOP"
kill -KILL "$GROWER"
wait "$GROWER" 2>/dev/null || true
kill -CONT "$TOP"
wait_for 30 sh -c "! kill -0 $TOP 2>/dev/null" || fail "podmem top --iterations 12 did not end: $(cat "$T/real")"
rc=0
wait "$TOP" || rc=$?
TOP=
assert_eq "podmem top on real cgroups: exit status" 0 "$rc"
assert_eq "podmem top on real cgroups: tables" 12 "$(grep -c '^podmem - ' "$T/real")"
[ ! -s "$T/real.err" ] || fail "podmem top wrote to stderr: $(cat "$T/real.err")"
# a delta in bytes: "+32.1Mi" -> 33659290
bytes() { awk '{ v = $1; s = 1; if (v ~ /^-/) s = -1; gsub(/^[-+]/, "", v); m = 1
	if (v ~ /Ki$/) m = 1024; else if (v ~ /Mi$/) m = 1048576; else if (v ~ /Gi$/) m = 1073741824
	sub(/[KMG]i$|B$/, "", v); printf "%.0f\n", s * v * m }'; }
# the largest change of ROW's column COL over all tables, up (SIGN +) or down (-), in bytes
largest() { awk -v r="$1" -v c="$2" -v s="$3" '$1 == r && substr($c, 1, 1) == s {print substr($c, 2)}' "$T/real" | bytes | sort -n | tail -1; }
for col in "default/live-0 4 pod dUSAGE" "default/live-0 7 pod dWS" "app 3 container dUSAGE" "app 6 container dWS"; do
	read -r row c what name <<< "$col"
	for sign in + -; do
		got=$(largest "$row" "$c" "$sign")
		[ -n "$got" ] || fail "no change '$sign' in $name for the $what $row: $(cat "$T/real")"
		[ "$got" -ge $((32 * MiB * 9 / 10)) ] && [ "$got" -le $((32 * MiB * 11 / 10)) ] ||
			fail "the $what $row's $name: $sign$got bytes, not $sign 32 MiB within 10%: $(cat "$T/real")"
		note "the $what's $name as 32 MiB of anon came and went: $sign$got bytes"
	done
done
# every other delta of the pod is small: each change shows once, in one refresh
assert_eq "refreshes with a change over 16 MiB" 2 "$(awk '$1 == "default/live-0" {print $4}' "$T/real" | grep -v new | bytes |
	awk '$1 > 16777216 || $1 < -16777216' | wc -l)"
# the pod that appeared: "new" once, then 0 or a small change
assert_eq "the new pod's first row" "new new" "$(awk '$1 == "default/late-0" {print $4, $7; exit}' "$T/real")"
assert_eq "the new pod's rows with \"new\"" 1 "$(awk '$1 == "default/late-0" && $4 == "new"' "$T/real" | wc -l)"
note "live refreshes: screen, keys, signals, resize, pipes and real deltas as expected"
