#!/usr/bin/env bash
# Observing does not disturb: on a quiet pod whose page cache is a 64 MiB file
# read once (all of it on the inactive list), `podmem files` (cachestat, and
# mincore, each with the page-by-page charge scan that faults every resident
# page into its own mapping) leaves the pod's active_file and inactive_file
# where they were. A scan that activated pages (MADV_POPULATE_READ, or a read
# through the file) would move them to the active list and fail this.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
command -v fincore >/dev/null || skip "fincore (util-linux) is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"
MiB=1048576 PAGE=$(getconf PAGESIZE) SIZE=$((64 * 1048576))

real_cgroup_base
mkdir "$T/disk"
case $(stat -f -c %T "$T/disk") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache" ;; esac
UID1=5c6d7e8f-0000-4000-8000-00000000e001
real_pod "$CG_BASE" systemd burstable "$UID1" default quiet-0 app
APP=${CTR_DIR[app]}
OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
head -c "$SIZE" /dev/urandom > "$T/disk/data"
hog "$APP" read "$T/disk/data"

lru() { awk '$1 == "total_active_file" {a = $2} $1 == "total_inactive_file" {i = $2} END {print a, i}' "$POD_DIR/memory.stat"; }
# the pod settles: its cache is on the LRU lists (per-CPU batches drained)
sleep 1
read -r A0 I0 <<< "$(lru)"
[ "$I0" -ge $((SIZE - 16 * PAGE)) ] || fail "the file read once is not on the inactive list: active $A0 inactive $I0"
# the file's resident bytes: this node may evict cold pages meanwhile (DAMON's proactive pageout on
# these VMs), which lowers inactive_file by what fincore then misses
res() { fincore --bytes --noheadings --output RES "$T/disk/data" | tr -d ' '; }
R0=$(res)

for run in cachestat mincore cachestat; do
	# the pod by its name alone (unique on this node)
	"$B/podmem" files quiet-0 --residency "$run" --json "${OPTS[@]}" > "$T/$run.json" || fail "podmem files --residency $run exited $?"
	assert_eq "$run: the pod by its name" "$UID1" "$(jq -r .pod_uid "$T/$run.json")"
	assert_eq "$run: charged known" true "$(jq -r .charged_known "$T/$run.json")"
	c=$(jq -r --arg p "$T/disk/data" '.files[] | select(.path == $p) | .charged' "$T/$run.json")
	read -r A1 I1 <<< "$(lru)"
	R1=$(res)
	# all of what is still resident is charged to the pod (pages evicted meanwhile are not)
	[ "$c" -ge $((R1 - 16 * PAGE)) ] && [ "$c" -le "$SIZE" ] || fail "$run: the file's charged bytes: $c (resident now: $R1)"
	for pair in "active_file $A0 $A1" "inactive_file $I0 $((I1 + R0 - R1))"; do
		read -r what before after <<< "$pair"
		d=$((after - before)); d=${d#-}
		[ "$d" -le $((4 * PAGE)) ] || fail "$run: the pod's $what moved from $before to $after (evicted meanwhile: $((R0 - R1)))"
	done
	assert_eq "$run: raced pages on a quiet pod" 0 "$(jq -r .raced_pages "$T/$run.json")"
done
note "active_file $A0 -> $A1, inactive_file $I0 -> $I1 over three scans"
