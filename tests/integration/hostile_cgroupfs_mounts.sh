#!/usr/bin/env bash
# On a real cgroup file system podmem opens a cgroup's files with one openat2
# that may not cross a mount point, and skips the fstat that tells a regular
# file (kernfs has no other kind). A mount over a cgroup directory or file
# (here: bind mounts, in a mount namespace of our own) is crossed the slow
# way, with the whole check: a FIFO there is skipped and said once, a symlink
# is not followed, a regular file is read; nothing hangs, and every other
# cgroup reads as before.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
unshare -m --propagation private true 2>/dev/null || skip "cannot make a mount namespace here"
real_cgroup_base
real_pod "$CG_BASE" cgroupfs burstable 6a7b8c9d-0000-4000-8000-0000000000c1 default mounts app side
APP=${CTR_DIR[app]} SIDE=${CTR_DIR[side]}
OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
"$B/podmem" --json "${OPTS[@]}" > "$T/before.json" 2> "$T/before.err"
assert_eq "warnings on the plain tree" "" "$(cat "$T/before.err")"
# over APP: a directory whose memory.stat is a FIFO, whose usage is a regular
# file, and whose limit is a symlink to a regular file outside
OVER=$T/over
mkdir "$OVER"
mkfifo "$OVER/memory.stat"
echo 12345 > "$OVER/memory.usage_in_bytes"
echo 777 > "$T/outside"
ln -s "$T/outside" "$OVER/memory.limit_in_bytes"
# in_ns OUT MOUNT_SRC MOUNT_DST ...: podmem --json in a mount namespace with
# those bind mounts, its output in OUT.json and OUT.err; its status in RC
in_ns() {
	local out=$1
	shift
	unshare -m --propagation private sh -c '
		while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 99; shift 2; done
		shift
		exec timeout 20 "$@"' sh "$@" -- "$B/podmem" --json "${OPTS[@]}" > "$out.json" 2> "$out.err"
	RC=$?
	[ $RC != 99 ] || skip "the kernel refused a bind mount over a cgroup directory or file"
	[ $RC != 124 ] || fail "podmem hung on a FIFO under a mount over a cgroup directory or file"
	assert_eq "podmem's exit status" 0 "$RC"
}
ctr() { jq -c --arg n "$2" '.pods[] | select(.pod_uid == "6a7b8c9d-0000-4000-8000-0000000000c1") | .containers[] | select(.container_id == $n)' "$1"; }
app_id=$(basename "$APP") side_id=$(basename "$SIDE")
count() { jq '[.pods[] | 1 + (.containers | length)] | add' "$1"; }

# a directory mounted over APP
in_ns "$T/dir" "$OVER" "$APP"
assert_contains "the skip is said" "$(cat "$T/dir.err")" "that is not a regular file"
assert_eq "warnings" 1 "$(wc -l < "$T/dir.err")"
app=$(ctr "$T/dir.json" "$app_id")
[ -n "$app" ] || fail "the container under the mount is not reported: $(head -c 600 "$T/dir.json")"
assert_eq "usage read from the regular file under the mount" 12345 "$(jq .usage <<< "$app")"
assert_eq "no value from the FIFO (memory.stat)" null "$(jq .anon <<< "$app")"
assert_eq "the symlink not followed (no limit)" null "$(jq .limit <<< "$app")"
assert_eq "cgroups reported" "$(count "$T/before.json")" "$(count "$T/dir.json")"

# files mounted over SIDE's files, in a directory that is on the cgroup file
# system: a FIFO over memory.stat, a regular file over memory.max_usage_in_bytes
mkfifo "$T/fifo"
echo 4242 > "$T/max"
in_ns "$T/files" "$T/fifo" "$SIDE/memory.stat" "$T/max" "$SIDE/memory.max_usage_in_bytes"
assert_contains "the skip is said" "$(cat "$T/files.err")" "that is not a regular file"
assert_eq "warnings" 1 "$(wc -l < "$T/files.err")"
side=$(ctr "$T/files.json" "$side_id")
assert_eq "peak (max_usage_in_bytes) from the file mounted over a cgroup file" 4242 "$(jq .peak <<< "$side")"
assert_eq "no value from the FIFO (memory.stat)" null "$(jq .anon <<< "$side")"
assert_eq "usage as on the cgroup file system" "$(ctr "$T/before.json" "$side_id" | jq .usage)" "$(jq .usage <<< "$side")"
assert_eq "cgroups reported" "$(count "$T/before.json")" "$(count "$T/files.json")"
