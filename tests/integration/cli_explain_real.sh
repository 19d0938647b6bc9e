#!/usr/bin/env bash
# podmem explain on real v1 memory cgroups with real processes doing known
# memory work, one pod per cause: explain's FIRST finding must name the
# cause, with its bytes within 10% of what the process did.
#
#   default/anon-0   app      512 MiB of anonymous memory, touched once  -> idle-anon
#   default/tmpfs-0  writer   128 MiB written into a tmpfs               -> shmem-tmpfs
#   default/dirty-0  writer   64 MiB written to a disk file, no sync     -> dirty-writeback
#   default/hot-0    reader   a 48 MiB file read 3 times (limit 52 MiB)  -> hot-file-cache
#   default/left-0   job      a 64 MiB file read, then the process killed
#                             and its cgroup removed                     -> pod-level-charge
# and, on hot-0, the fix: --request, the Memory QoS formula, what it would reclaim.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built (make build-all FRONTENDS=cli)"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576
ANON=$((512 * MiB)) SHM=$((128 * MiB)) DIRTY=$((64 * MiB)) HOT=$((48 * MiB)) LEFT=$((64 * MiB))
HOT_LIMIT=$((52 * MiB)) HOT_REQUEST=$((4 * MiB))

real_cgroup_base
mkdir "$CG_BASE/probe" 2>/dev/null || skip "the kernel refused a nested memory cgroup under $CG_BASE"
rmdir "$CG_BASE/probe"

mkdir "$T/disk"
case $(stat -f -c %T "$T/disk") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache to read into" ;; esac
head -c "$HOT" /dev/zero > "$T/disk/hot"
head -c "$LEFT" /dev/zero > "$T/disk/left"
mkdir "$T/tmpfs"
mount -t tmpfs -o "size=$((2 * SHM)),mode=0700" podmem-test "$T/tmpfs" 2>/dev/null || skip "cannot mount a tmpfs under $T"
at_exit "umount '$T/tmpfs' || umount -l '$T/tmpfs'"

uid() { printf '5e7a1c00-0000-4000-8000-%012d' "$1"; }
PODMEM=("$B/podmem" explain --cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")

# explain POD ARGS...: its --json into $T/POD.json ('/' as '_'; stderr must stay empty)
explain() {
	local pod=$1 out=$T/${1//\//_}; shift
	"${PODMEM[@]}" --json "$@" "$pod" > "$out.json" 2> "$out.err" || fail "podmem explain --json $pod exited $?: $(cat "$out.err")"
	[ ! -s "$out.err" ] || fail "podmem explain $pod wrote to stderr: $(cat "$out.err")"
}
# first_is POD CODE BYTES: explain's first finding is CODE with BYTES +-10%; retried for
# ~5 s while the kernel's batched statistics catch up. Prints what it got.
first_is() {
	local pod=$1 code=$2 want=$3 got try
	for try in $(seq 1 10); do
		explain "$pod"
		got=$(jq -r --arg c "$code" --argjson w "$want" \
			'.findings[0] | if .code == $c and ((.bytes - $w) | fabs) <= $w / 10 then "ok" else "\(.code) \(.bytes)" end' "$T/$pod.json")
		[ "$got" = ok ] && break
		sleep 0.5
	done
	[ "$got" = ok ] || fail "$pod: the first finding is '$got', expected $code with $want bytes +-10%: $(jq -c '[.findings[] | {code, bytes, count}]' "$T/$pod.json")"
	# the text says the same first, in 80 columns
	"${PODMEM[@]}" "$pod" > "$T/$pod.txt" 2>&1 || fail "podmem explain $pod exited $?: $(cat "$T/$pod.txt")"
	assert_eq "$pod: the text's first cause" " 1 $code" "$(grep -m1 '^ 1 ' "$T/$pod.txt" | cut -c1-$((3 + ${#code})))"
	local long
	long=$(perl -CSD -ne 'chomp; print "$.: ", length($_), "\n" if length($_) > 80' "$T/$pod.txt")
	[ -z "$long" ] || fail "$pod: lines over 80 columns: $long"
	note "$pod: $(jq -r '.findings[0] | "\(.code) \(.bytes / 1048576 * 10 | floor / 10) MiB"' "$T/$pod.json") (did $((want / MiB)) MiB)"
}

real_pod "$CG_BASE" cgroupfs burstable "$(uid 1)" default anon-0 app
hog "${CTR_DIR[app]}" anon "$ANON"
first_is anon-0 idle-anon "$ANON"

real_pod "$CG_BASE" cgroupfs burstable "$(uid 2)" default tmpfs-0 writer
hog "${CTR_DIR[writer]}" tmpfs "$T/tmpfs/data" "$SHM"
first_is tmpfs-0 shmem-tmpfs "$SHM"
assert_contains "tmpfs-0: the advice" "$(cat "$T/tmpfs-0.txt")" "sizeLimit"
# the file scan names the file and its mount, with its bytes
jq -e --arg f "$T/tmpfs/data" --argjson w "$SHM" '.findings[0].evidence | any(.what == $f and (.bytes - $w | fabs) <= $w / 10)' \
	"$T/tmpfs-0.json" >/dev/null || fail "tmpfs-0: shmem-tmpfs does not name $T/tmpfs/data: $(jq -c '.findings[0].evidence' "$T/tmpfs-0.json")"
jq -e --arg m "tmpfs $T/tmpfs, used" '.findings[0].evidence | any(.what == $m)' "$T/tmpfs-0.json" >/dev/null ||
	fail "tmpfs-0: shmem-tmpfs does not name the mount: $(jq -c '.findings[0].evidence' "$T/tmpfs-0.json")"

# a 64 MiB file deleted while its process holds it open: the rotated log
real_pod "$CG_BASE" cgroupfs burstable "$(uid 6)" default deleted-0 logger
hog "${CTR_DIR[logger]}" deleted "$T/disk/app.log" "$LEFT"
first_is deleted-0 deleted-open "$LEFT"
jq -e --arg f "$T/disk/app.log (deleted), pid $HOG_PID pm-hog fd " '.findings[0].evidence[0].what | startswith($f)' "$T/deleted-0.json" >/dev/null ||
	fail "deleted-0: the evidence does not name the file, pid and fd: $(jq -c '.findings[0].evidence' "$T/deleted-0.json")"
assert_contains "deleted-0: the advice" "$(cat "$T/deleted-0.txt")" "reopen"
# without the file scan, the cause is not named (the cgroup files cannot tell it)
"${PODMEM[@]}" --json --no-files deleted-0 > "$T/deleted-0.nofiles.json" || fail "podmem explain --no-files exited $?"
assert_eq "deleted-0 --no-files: no deleted-open" false "$(jq '.findings | any(.code == "deleted-open")' "$T/deleted-0.nofiles.json")"

real_pod "$CG_BASE" cgroupfs burstable "$(uid 4)" default hot-0 reader
echo "$HOT_LIMIT" > "${CTR_DIR[reader]}/memory.limit_in_bytes"
hog "${CTR_DIR[reader]}" read "$T/disk/hot" 3
first_is hot-0 hot-file-cache "$HOT"
jq -e --arg f "$T/disk/hot, pid " '.findings[0].evidence | any(.what | startswith($f))' "$T/hot-0.json" >/dev/null ||
	fail "hot-0: hot-file-cache does not name the file its process holds: $(jq -c '.findings[0].evidence' "$T/hot-0.json")"

# dirty pages: the kernel writes them back after 30 s, or at once when
# something syncs the disk; a write that was written back is done again
real_pod "$CG_BASE" cgroupfs burstable "$(uid 3)" default dirty-0 writer
for attempt in 1 2 3; do
	hog "${CTR_DIR[writer]}" write "$T/disk/dirty.$attempt" "$DIRTY"
	explain dirty-0
	dirty_now=$(awk '$1 == "total_dirty" {print $2}' "${CTR_DIR[writer]}/memory.stat")
	got=$(jq -r --argjson w "$DIRTY" '.findings[0] | if .code == "dirty-writeback" and ((.bytes - $w) | fabs) <= $w / 10 then "ok" else "\(.code) \(.bytes)" end' "$T/dirty-0.json")
	[ "$got" = ok ] && break
	[ "$dirty_now" -lt $((DIRTY * 9 / 10)) ] || fail "dirty-0: $dirty_now bytes dirty, but the first finding is $got: $(jq -c '[.findings[] | {code, bytes}]' "$T/dirty-0.json")"
	note "dirty-0: the kernel wrote the pages back (dirty $dirty_now) before podmem looked: again"
	kill_pid "$HOG_PID"
	rm -f "$T/disk/dirty.$attempt"
done
[ "$got" = ok ] || fail "dirty-0: the pages were written back before podmem looked, 3 times"
first_is dirty-0 dirty-writeback "$DIRTY"

# a container's cache left behind: its process exits and its cgroup goes
real_pod "$CG_BASE" cgroupfs burstable "$(uid 5)" default left-0 job
hog "${CTR_DIR[job]}" read "$T/disk/left"
kill_pid "$HOG_PID"
wait_for 5 rmdir "${CTR_DIR[job]}" || fail "cannot remove ${CTR_DIR[job]} after killing its process"
first_is left-0 pod-level-charge "$LEFT"
jq -e '.findings[0].evidence | any(.what == "inactive_file outside them")' "$T/left-0.json" >/dev/null ||
	fail "left-0: the pod-level charge does not say it is cache: $(jq -c '.findings[0]' "$T/left-0.json")"

# the other ways to name a pod
explain default/anon-0
assert_eq "explain default/anon-0" idle-anon "$(jq -r '.findings[0].code' "$T/default_anon-0.json")"
explain "$(uid 1)"
assert_eq "explain by UID" "default/anon-0" "$(jq -r '.pod | "\(.namespace)/\(.pod)"' "$T/$(uid 1).json")"

# the fix on hot-0: its limit, the request given, kubelet's formula and what it would reclaim
# a factor of 0.5, so that usage stays well over memory.high even when the node evicts some cold cache
explain hot-0 --request "$((HOT_REQUEST / MiB))Mi" --throttling-factor 0.5
problems=$(jq -r --argjson lim "$HOT_LIMIT" --argjson req "$HOT_REQUEST" '
	.fix as $f | ($f.cgroups | map(select(.container == "reader"))) as $r
	| if ($r | length) != 1 then "no fix row for reader: \($f.cgroups)"
	  else $r[0] as $c
	  | (((($req + ($lim - $req) * 0.5) / 4096) | floor) * 4096) as $high
	  | ([$c.usage - $high, 0] | max) as $over
	  | ([$over, $c.inactive_file + $c.active_file] | min) as $rec
	  | ([$rec - $c.inactive_file, 0] | max) as $act
	  | (if $c.max != $lim then "max \($c.max), expected \($lim)" else empty end),
	    (if [$c.request, $c.request_from] != [$req, "option"] then "request \([$c.request, $c.request_from])" else empty end),
	    (if $c | has("min") then "a v1 cgroup has no memory.min, got \($c.min)" else empty end),
	    (if $c.memory_qos.high != $high then "memory_qos.high \($c.memory_qos.high), expected \($high)" else empty end),
	    (if [$c.memory_qos.over, $c.memory_qos.reclaim, $c.memory_qos.reclaim_active, $c.memory_qos.working_set_kubelet_after]
	        != [$over, $rec, $act, $c.working_set_kubelet - $act]
	     then "memory_qos effect \($c.memory_qos), expected over \($over) reclaim \($rec) active \($act)" else empty end),
	    (if $over <= 0 then "the test meant usage \($c.usage) to be over memory.high \($high)" else empty end),
	    (if ($c.koordinator.high) != (((($req + ($lim - $req) * 0.8) / 4096) | floor) * 4096) then "koordinator.high \($c.koordinator.high)" else empty end)
	  end' "$T/hot-0.json")
[ -z "$problems" ] || fail "$(printf 'hot-0 --request: the fix:\n%s\n%s' "$problems" "$(jq -c .fix "$T/hot-0.json")")"
jq -e '.findings | any(.code == "near-limit")' "$T/hot-0.json" >/dev/null ||
	fail "hot-0: 48 MiB of hot cache under a 52 MiB limit is not near-limit: $(jq -c '[.findings[].code]' "$T/hot-0.json")"
"${PODMEM[@]}" --request "$((HOT_REQUEST / MiB))Mi" --throttling-factor 0.5 hot-0 > "$T/hot-0.fix.txt" || fail "podmem explain hot-0 --request exited $?"
assert_contains "hot-0: the fix in words" "$(tr '\n' ' ' < "$T/hot-0.fix.txt" | tr -s ' ')" "of page cache first"
assert_contains "hot-0: the fix in words" "$(tr "\n" " " < "$T/hot-0.fix.txt" | tr -s " ")" "and kubelet's working set would fall by"
note "hot-0: $(jq -r '.fix.cgroups[0] | "memory.high \(.memory_qos.high) would reclaim \(.memory_qos.reclaim) bytes, \(.memory_qos.reclaim_active) of them active"' "$T/hot-0.json")"
