#!/usr/bin/env bash
# podmem files on real v1 memory cgroups and real processes: each row and
# byte count against what the processes did.
#
#   pod default/files-0   writer  fills a tmpfs with 128 MiB (and closes it)
#                         app     writes 64 MiB to a file, unlinks it, keeps it open
#                         reader  reads a 32 MiB file another cgroup cached first
#   pod staging/files-0   no process (a second pod of the same name)
#   cgroup other          the one that cached the shared file
#
# Also: both residency methods against each other and against util-linux
# fincore (mincore), the pod named three ways, an unknown and an ambiguous
# pod, --container, and what it says without CAP_SYS_ADMIN and as nobody.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v fincore >/dev/null || skip "fincore (util-linux) is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576 PAGE=$(getconf PAGESIZE)
SHM=$((128 * MiB)) DEL=$((64 * MiB)) SHARED=$((32 * MiB))

real_cgroup_base
mkdir "$T/disk"
case $(stat -f -c %T "$T/disk") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache" ;; esac
mkdir "$T/tmpfs"
mount -t tmpfs -o "size=$((2 * SHM)),mode=0700" podmem-files "$T/tmpfs" 2>/dev/null || skip "cannot mount a tmpfs"
at_exit "umount '$T/tmpfs' || umount -l '$T/tmpfs'"

UID1=4b5c6d7e-0000-4000-8000-00000000f001 UID2=4b5c6d7e-0000-4000-8000-00000000f002
real_pod "$CG_BASE" cgroupfs burstable "$UID1" default files-0 writer app reader
POD1=$POD_DIR WRITER=${CTR_DIR[writer]} APP=${CTR_DIR[app]} READER=${CTR_DIR[reader]}
real_pod "$CG_BASE" cgroupfs besteffort "$UID2" staging files-0 idle
OTHER=$CG_BASE/other
mkdir "$OTHER"
OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")

hog "$WRITER" tmpfs "$T/tmpfs/data" "$SHM"
WRITER_PID=$HOG_PID
hog "$APP" deleted "$T/disk/deleted" "$DEL"
APP_PID=$HOG_PID
DEL_FD=$(for f in /proc/"$APP_PID"/fd/*; do
	[ "$(readlink "$f")" = "$T/disk/deleted (deleted)" ] && basename "$f"; done)
[ -n "$DEL_FD" ] || fail "pm-hog deleted holds no fd to $T/disk/deleted"
head -c "$SHARED" /dev/urandom > "$T/disk/shared"
hog "$OTHER" read "$T/disk/shared"
hog "$READER" keep "$T/disk/shared"
READER_PID=$HOG_PID

# near WHAT EXPECTED ACTUAL: ACTUAL within 8 pages or 10% of EXPECTED (whichever is more)
near() {
	local tol=$(($2 / 10)); [ "$tol" -gt $((8 * PAGE)) ] || tol=$((8 * PAGE))
	local d=$(($3 - $2)); d=${d#-}
	[ "$d" -le "$tol" ] || fail "$1: expected about $2, got $3"
}
# row JSON PATH FIELD: FIELD (a jq path) of the row whose path is PATH
row() { jq -r --arg p "$2" ".files[] | select(.path == \$p) | $3" "$1"; }

"$B/podmem" files default/files-0 --json -n 0 "${OPTS[@]}" > "$T/all.json" 2> "$T/all.err" || fail "podmem files exited $?: $(cat "$T/all.err")"
[ ! -s "$T/all.err" ] || fail "podmem files wrote to stderr: $(cat "$T/all.err")"
J=$T/all.json
assert_eq "charged known (root)" true "$(jq -r .charged_known "$J")"
assert_eq "residency" cachestat "$(jq -r .residency "$J")"
assert_eq "processes in the pod" 3 "$(jq -r .processes "$J")"

# the tmpfs: found by walking the mount the pod's processes see, flagged, cached and charged
assert_eq "tmpfs file listed" 1 "$(row "$J" "$T/tmpfs/data" .path | wc -l)"
assert_eq "tmpfs flag" true "$(row "$J" "$T/tmpfs/data" .tmpfs)"
assert_eq "tmpfs file: not deleted" false "$(row "$J" "$T/tmpfs/data" .deleted)"
assert_contains "tmpfs file: found by" "$(row "$J" "$T/tmpfs/data" '.from[]')" tmpfs
near "tmpfs file cached" "$SHM" "$(row "$J" "$T/tmpfs/data" .cached)"
near "tmpfs file charged" "$SHM" "$(row "$J" "$T/tmpfs/data" .charged)"
near "tmpfs mount used" "$SHM" "$(jq -r --arg p "$T/tmpfs" '.mounts[] | select(.path == $p) | .used' "$J")"

# the deleted file: by its holder's fd, flagged, with the holder's pid and fd
assert_eq "deleted file listed" 1 "$(row "$J" "$T/disk/deleted" .path | wc -l)"
assert_eq "deleted flag" true "$(row "$J" "$T/disk/deleted" .deleted)"
assert_eq "deleted file: holder pid" "$APP_PID" "$(row "$J" "$T/disk/deleted" '.holders[0].pid')"
assert_eq "deleted file: holder fd" "$DEL_FD" "$(row "$J" "$T/disk/deleted" '.holders[0].fd')"
assert_eq "deleted file: holder comm" pm-hog "$(row "$J" "$T/disk/deleted" '.holders[0].comm')"
near "deleted file cached" "$DEL" "$(row "$J" "$T/disk/deleted" .cached)"
near "deleted file charged" "$DEL" "$(row "$J" "$T/disk/deleted" .charged)"
assert_eq "deleted file: not dirty after fdatasync" 0 "$(row "$J" "$T/disk/deleted" .dirty)"

# the shared file: cached (by the other cgroup), read by the pod, charged to the other one
near "shared file cached" "$SHARED" "$(row "$J" "$T/disk/shared" .cached)"
near "shared file charged to the pod" 0 "$(row "$J" "$T/disk/shared" .charged)"
assert_eq "shared file: holder" "$READER_PID" "$(row "$J" "$T/disk/shared" '.holders[0].pid')"
# and the other cgroup does hold it: its own page cache is the file
near "the other cgroup's cache" "$SHARED" "$(awk '$1 == "total_cache" {print $2}' "$OTHER/memory.stat")"

# ranked by charged bytes: the tmpfs file first, then the deleted one
assert_eq "first row" "$T/tmpfs/data" "$(jq -r '.files[0].path' "$J")"
assert_eq "second row" "$T/disk/deleted" "$(jq -r '.files[1].path' "$J")"
# the totals: the pod's page cache is (nearly all) the two files charged to it
POD_CACHE=$(awk '$1 == "total_cache" {print $2}' "$POD1/memory.stat")
near "pod_cache is memory.stat's" "$POD_CACHE" "$(jq -r .pod_cache "$J")"
near "charged total" $((SHM + DEL)) "$(jq -r .charged "$J")"
[ "$(jq -r '[.files[].charged] | add' "$J")" = "$(jq -r .charged "$J")" ] || fail "charged is not the rows' sum"

# the table: 80 columns, the header, the flags, the holder, the closing coverage line
"$B/podmem" files default/files-0 "${OPTS[@]}" > "$T/table" || fail "podmem files (table) exited $?"
# fits WHAT FILE: no line of FILE is wider than 80 columns (characters, in a UTF-8 locale)
fits() {
	local l
	while IFS= read -r l; do
		LC_ALL=C.UTF-8 bash -c '[ ${#1} -le 80 ]' _ "$l" || fail "$1: a line wider than 80 columns: $l"
	done < "$2"
}
fits "the table" "$T/table"
assert_contains "table header" "$(head -1 "$T/table")" "pod default/files-0: 3 processes"
assert_contains "table header" "$(head -1 "$T/table")" "files, by cachestat + kpagecgroup"
assert_contains "table: the tmpfs row" "$(grep -F 'tmpfs/data' "$T/table")" "128Mi -T -"
assert_contains "table: the deleted row" "$(grep -F 'disk/deleted' "$T/table")" " D- $APP_PID pm-hog"
assert_contains "table: the tmpfs mount" "$(cat "$T/table")" "tmpfs $T/tmpfs: 128 MiB used of 256 MiB"
last=$(grep '^files found hold' "$T/table")
[[ $last =~ ^files\ found\ hold\ .*\ of\ the\ pod\'s\ .*\ page\ cache,\ ([0-9]+)%$ ]] || fail "closing line: $last"
[ "${BASH_REMATCH[1]}" -ge 90 ] || fail "coverage ${BASH_REMATCH[1]}% for a pod whose cache is the two files: $last"

# ---- residency: cachestat and mincore give the same pages, and so does fincore -------------
# This node may evict cold pages meanwhile (DAMON's proactive pageout, on these VMs): a count is
# compared with another one taken just before and after it, again (up to 5 times) when those differ.
files_json() { "$B/podmem" files default/files-0 --json -n 0 "${OPTS[@]}" "$@"; }
rows_cached() { jq -c '[.files[] | [.path, .cached, .charged]] | sort' "$1"; }
for try in 1 2 3 4 5; do
	files_json > "$T/c1.json"; files_json --residency mincore > "$T/mincore.json"; files_json > "$T/c2.json"
	[ "$(rows_cached "$T/c1.json")" != "$(rows_cached "$T/c2.json")" ] || break
	[ "$try" -lt 5 ] || fail "the page cache kept changing under the cachestat/mincore comparison"
done
assert_eq "forced residency" mincore "$(jq -r .residency "$T/mincore.json")"
for p in "$T/tmpfs/data" "$T/disk/deleted" "$T/disk/shared"; do
	assert_eq "$p: cachestat's and mincore's cached bytes" "$(row "$T/c1.json" "$p" .cached)" "$(row "$T/mincore.json" "$p" .cached)"
	assert_eq "$p: the charged bytes by either method" "$(row "$T/c1.json" "$p" .charged)" "$(row "$T/mincore.json" "$p" .charged)"
	assert_eq "$p: mincore knows no dirty pages" null "$(row "$T/mincore.json" "$p" .dirty)"
done
# every row, both ways: the same files, pages and charged pages
assert_eq "every row, cachestat vs mincore" "$(rows_cached "$T/c1.json")" "$(rows_cached "$T/mincore.json")"
fin() { fincore --bytes --noheadings --output RES "$1" | tr -d ' '; }
# same_as_fincore WHAT FILE PATH: podmem's cached bytes of PATH equal fincore's of FILE (taken around it)
same_as_fincore() {
	local f1 x f2 try
	for try in 1 2 3 4 5; do
		f1=$(fin "$2") x=$(files_json --no-charged | jq -r --arg p "$3" '.files[] | select(.path == $p) | .cached') f2=$(fin "$2")
		[ "$f1" != "$f2" ] || { assert_eq "$1: podmem's bytes and fincore's" "$f1" "$x"; return; }
	done
	fail "$1: the page cache kept changing under the fincore comparison"
}
same_as_fincore "tmpfs file" "$T/tmpfs/data" "$T/tmpfs/data"
same_as_fincore "deleted file" "/proc/$APP_PID/fd/$DEL_FD" "$T/disk/deleted"
same_as_fincore "shared file" "$T/disk/shared" "$T/disk/shared"

# ---- the pod named three ways, and pods that are not one ------------------------------------
for spec in "$UID1" "default/files-0" "${UID1^^}"; do
	assert_eq "pod named '$spec'" "$UID1" "$("$B/podmem" files "$spec" --json -n 1 --no-charged "${OPTS[@]}" | jq -r .pod_uid)"
done
assert_eq "the other pod of that name, by namespace/name" "$UID2" "$("$B/podmem" files staging/files-0 --json "${OPTS[@]}" | jq -r .pod_uid)"
# (a pod named by its unique name: cli_files_lru.sh's quiet-0)
set +e
"$B/podmem" files files-0 "${OPTS[@]}" > "$T/amb.out" 2> "$T/amb.err"; rc=$?
"$B/podmem" files default/nope "${OPTS[@]}" > "$T/unk.out" 2> "$T/unk.err"; rc2=$?
"$B/podmem" files default/files-0 --container nope "${OPTS[@]}" > "$T/ctr.out" 2> "$T/ctr.err"; rc3=$?
"$B/podmem" files "${OPTS[@]}" > /dev/null 2> "$T/none.err"; rc4=$?
"$B/podmem" files default/files-0 --residency fast "${OPTS[@]}" > /dev/null 2> "$T/res.err"; rc5=$?
set -e
assert_eq "ambiguous name: exit" 2 "$rc"
assert_eq "ambiguous name: one line" 1 "$(wc -l < "$T/amb.err")"
assert_contains "ambiguous name: names the namespaces" "$(cat "$T/amb.err")" "default, staging"
assert_eq "unknown pod: exit" 2 "$rc2"
assert_eq "unknown pod: one line" "podmem: no pod 'default/nope' (give namespace/pod, a pod name or a pod UID)" "$(cat "$T/unk.err")"
[ ! -s "$T/unk.out" ] || fail "unknown pod: something on stdout"
assert_eq "unknown container: exit" 2 "$rc3"
assert_eq "unknown container: one line" "podmem: pod default/files-0 has no container 'nope'" "$(cat "$T/ctr.err")"
assert_eq "no pod given: exit" 2 "$rc4"
assert_eq "bad --residency: exit" 2 "$rc5"
assert_eq "bad --residency: one line" 1 "$(wc -l < "$T/res.err")"

# ---- --container: that container's processes and cgroup --------------------------------------
"$B/podmem" files default/files-0 --container writer --json -n 0 "${OPTS[@]}" > "$T/writer.json"
assert_eq "--container writer: its process" 1 "$(jq -r .processes "$T/writer.json")"
near "--container writer: the tmpfs file charged to it" "$SHM" "$(row "$T/writer.json" "$T/tmpfs/data" .charged)"
assert_eq "--container writer: the deleted file is not its" "" "$(row "$T/writer.json" "$T/disk/deleted" .path)"
near "--container writer: pod_cache is the container's" \
	"$(awk '$1 == "total_cache" {print $2}' "$WRITER/memory.stat")" "$(jq -r .pod_cache "$T/writer.json")"
"$B/podmem" files default/files-0 --container app --json -n 0 "${OPTS[@]}" > "$T/app.json"
near "--container app: the deleted file charged to it" "$DEL" "$(row "$T/app.json" "$T/disk/deleted" .charged)"
near "--container app: the tmpfs file (seen in its mounts) not charged to it" 0 "$(row "$T/app.json" "$T/tmpfs/data" .charged)"

# ---- without CAP_SYS_ADMIN: no charged column, and why; the rest as before --------------------
setpriv --inh-caps=-sys_admin,-checkpoint_restore --bounding-set=-sys_admin,-checkpoint_restore "$B/podmem" files default/files-0 --json -n 0 "${OPTS[@]}" \
	> "$T/noadmin.json" 2> "$T/noadmin.err" || fail "podmem files without CAP_SYS_ADMIN exited $?: $(cat "$T/noadmin.err")"
assert_eq "no CAP_SYS_ADMIN: charged unknown" false "$(jq -r .charged_known "$T/noadmin.json")"
assert_contains "no CAP_SYS_ADMIN: why" "$(jq -r .charged_why "$T/noadmin.json")" "needs CAP_SYS_ADMIN"
assert_contains "no CAP_SYS_ADMIN: need" "$(jq -c .need "$T/noadmin.json")" CAP_SYS_ADMIN
assert_contains "no CAP_SYS_ADMIN: map_files note" "$(jq -r '.notes[]' "$T/noadmin.json")" "map_files needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE"
assert_eq "no CAP_SYS_ADMIN: no charged field" null "$(row "$T/noadmin.json" "$T/disk/deleted" .charged)"
near "no CAP_SYS_ADMIN: the deleted file still, by its fd" "$DEL" "$(row "$T/noadmin.json" "$T/disk/deleted" .cached)"
LIBC=$(awk '/libc\.so/ {print $6; exit}' /proc/"$APP_PID"/maps)
assert_eq "no CAP_SYS_ADMIN: the libc mapping, by its path" map "$(row "$T/noadmin.json" "$LIBC" '.from[]')"
setpriv --inh-caps=-sys_admin,-checkpoint_restore --bounding-set=-sys_admin,-checkpoint_restore "$B/podmem" files default/files-0 "${OPTS[@]}" > "$T/noadmin.table"
assert_not_contains "no CAP_SYS_ADMIN: no CHARGD column" "$(cat "$T/noadmin.table")" CHARGD
assert_contains "no CAP_SYS_ADMIN: the table says why" "$(cat "$T/noadmin.table")" "note: charged bytes unknown: needs CAP_SYS_ADMIN"
assert_contains "no CAP_SYS_ADMIN: coverage by cached bytes" "$(grep '^files found hold' "$T/noadmin.table")" " cached of the pod's"
fits "the table without CAP_SYS_ADMIN" "$T/noadmin.table"

# ---- as nobody: other processes' fds and mounts need CAP_SYS_PTRACE; it reports what it can ----
setpriv --reuid=65534 --regid=65534 --clear-groups "$B/podmem" files "$UID1" --json -n 0 "${OPTS[@]}" \
	> "$T/nobody.json" 2> "$T/nobody.err" || fail "podmem files as nobody exited $?: $(cat "$T/nobody.err")"
assert_contains "nobody: need" "$(jq -c .need "$T/nobody.json")" CAP_SYS_PTRACE
assert_contains "nobody: the note" "$(jq -r '.notes[]' "$T/nobody.json")" "of 3 processes (/proc/PID/fd): needs CAP_SYS_PTRACE"
assert_eq "nobody: charged unknown" false "$(jq -r .charged_known "$T/nobody.json")"
# (near: the node's DAMON evicts cold pages between the two runs)
[ "$(jq -r .pod_cache "$T/nobody.json")" -gt 0 ] || fail "nobody: no pod page cache"
near "nobody: still the pod's page cache" "$(jq -r .pod_cache "$J")" "$(jq -r .pod_cache "$T/nobody.json")"

# ---- a container's writable layer: a file held open through the overlay is one row ---------------
mkdir "$T/lower" "$T/upper" "$T/work" "$T/merged"
if mount -t overlay overlay -o "lowerdir=$T/lower,upperdir=$T/upper,workdir=$T/work" "$T/merged" 2>/dev/null; then
	at_exit "umount '$T/merged' || umount -l '$T/merged'"
	head -c $((16 * MiB)) /dev/urandom > "$T/merged/layer"
	hog "$APP" keep "$T/merged/layer"
	"$B/podmem" files default/files-0 --json -n 0 "${OPTS[@]}" > "$T/ovl.json" || fail "podmem files (overlay) exited $?"
	assert_eq "overlay: one row for the layer's file" 1 "$(jq --arg a "$T/merged/layer" --arg b "$T/upper/layer" \
		'[.files[] | select(.path == $a or .path == $b)] | length' "$T/ovl.json")"
	assert_eq "overlay: found by fd and by the layer walk" '["fd","layer"]' "$(row "$T/ovl.json" "$T/merged/layer" '.from' | jq -c .)"
	same_as_fincore "overlay: the layer's file (the real file's pages)" "$T/upper/layer" "$T/merged/layer"
	[ "$(jq -r .mincore_files "$T/ovl.json")" -ge 1 ] || fail "overlay: not measured by mincore"
else
	note "no overlay mount here: the writable-layer case is not run"
fi
note "$(grep '^files found hold' "$T/table")"
