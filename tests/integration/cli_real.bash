# The body of cli_real_cgroupfs.sh and cli_real_systemd.sh (sourced after
# lib.sh, with DRIVER set): a kubepods tree of real v1 memory cgroups under
# our own, real processes doing known memory work in its containers, and
# `podmem` asked where it went.
#
#   pod default/web-0   burstable   app (64 MiB anon, limit 256 MiB), reader (reads a 32 MiB file)
#   pod batch/job-1     besteffort  writer (48 MiB into a tmpfs)
#   pod kube-system/dns guaranteed  idle (no process)
#   and a sandbox (no log, so "POD") in each.

command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built (make build-all FRONTENDS=cli)"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576
ANON=$((64 * MiB)) READ=$((32 * MiB)) SHM=$((48 * MiB)) LIMIT=$((256 * MiB))

real_cgroup_base
# can we make the nested cgroups, and set a limit?
mkdir "$CG_BASE/probe" 2>/dev/null || skip "the kernel refused a nested memory cgroup under $CG_BASE"
echo "$LIMIT" > "$CG_BASE/probe/memory.limit_in_bytes" 2>/dev/null ||
	skip "the kernel refused to set memory.limit_in_bytes under $CG_BASE"
rmdir "$CG_BASE/probe"

# the file the reader reads: on a disk file system, not a tmpfs
mkdir "$T/disk"
head -c "$READ" /dev/zero > "$T/disk/data"
case $(stat -f -c %T "$T/disk") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache to read into" ;; esac

# the tmpfs the writer fills: a private mount, or else a unique file in /dev/shm
mkdir "$T/tmpfs"
if mount -t tmpfs -o "size=$((2 * SHM)),mode=0700" podmem-test "$T/tmpfs" 2>/dev/null; then
	at_exit "umount '$T/tmpfs' || umount -l '$T/tmpfs'"
	SHMFILE=$T/tmpfs/data
else
	SHMFILE=/dev/shm/podmem-$TEST_NAME-$$
	at_exit "rm -f '$SHMFILE'"
fi

UID1=2a3b4c5d-6e7f-4081-9293-00000000b001
UID2=3c4d5e6f-7081-4293-a4b5-00000000c002
UID3=1f2e3d4c-5b6a-4789-8abc-00000000a003
real_pod "$CG_BASE" "$DRIVER" burstable "$UID1" default web-0 app reader
POD1=$POD_DIR APP=${CTR_DIR[app]} READER=${CTR_DIR[reader]} SANDBOX1=${CTR_DIR[POD]}
real_pod "$CG_BASE" "$DRIVER" besteffort "$UID2" batch job-1 writer
POD2=$POD_DIR WRITER=${CTR_DIR[writer]} SANDBOX2=${CTR_DIR[POD]}
real_pod "$CG_BASE" "$DRIVER" guaranteed "$UID3" kube-system dns idle
POD3=$POD_DIR IDLE=${CTR_DIR[idle]} SANDBOX3=${CTR_DIR[POD]}

echo "$LIMIT" > "$APP/memory.limit_in_bytes"
assert_eq "memory.limit_in_bytes read back" "$LIMIT" "$(cat "$APP/memory.limit_in_bytes")"

hog "$APP" anon "$ANON"
hog "$READER" read "$T/disk/data"
READER_PID=$HOG_PID
hog "$WRITER" tmpfs "$SHMFILE" "$SHM"

# the container ID kubelet's naming puts in a leaf directory
leaf_id() {
	local b
	b=$(basename "$1")
	b=${b#cri-containerd-}
	echo "${b%.scope}"
}
case $DRIVER in
cgroupfs) RUNTIME="" ;; # bare IDs: nothing names the runtime
systemd) RUNTIME=containerd ;;
esac

# what the test knows of its tree, as JSON for the jq checks below
ctr_json() { # ctr_json NAME DIR LIMIT|null
	printf '{"name":"%s","id":"%s","sandbox":%s,"limit":%s}' "$1" "$(leaf_id "$2")" \
		"$([ "$1" = POD ] && echo true || echo false)" "$3"
}
pod_json() { # pod_json UID NS NAME QOS DIR CTR_JSON...
	local uid=$1 ns=$2 name=$3 qos=$4 dir=$5 c ctrs=(); shift 5
	for c in "$@"; do [ -z "$c" ] || ctrs+=("$c"); done
	local IFS=,
	printf '{"uid":"%s","ns":"%s","name":"%s","qos":"%s","cgroup":"%s","ctrs":[%s]}' \
		"$uid" "$ns" "$name" "$qos" "${dir#"$CG_BASE"/}" "${ctrs[*]}"
}
spec_json() { # the pods still there; "gone": container IDs that must not be reported
	local pods=() reader=""
	[ -n "${READER_GONE:-}" ] || reader=$(ctr_json reader "$READER" null)
	pods+=("$(pod_json "$UID1" default web-0 burstable "$POD1" "$(ctr_json app "$APP" "$LIMIT")" "$reader" \
		"$(ctr_json POD "$SANDBOX1" null)")")
	pods+=("$(pod_json "$UID2" batch job-1 besteffort "$POD2" "$(ctr_json writer "$WRITER" null)" "$(ctr_json POD "$SANDBOX2" null)")")
	[ -n "${POD3_GONE:-}" ] || pods+=("$(pod_json "$UID3" kube-system dns guaranteed "$POD3" "$(ctr_json idle "$IDLE" null)" "$(ctr_json POD "$SANDBOX3" null)")")
	local IFS=,
	printf '{"runtime":"%s","pods":[%s]}' "$RUNTIME" "${pods[*]}"
}

# Structural and exact checks of one sample; prints one line per problem.
# "approx" adds the checks of what the processes did (10%), which the
# kernel's batched statistics may take a moment to show.
CHECK_JQ='
def show: if . == null then "nothing" else tojson end;
def within($got; $want; $what): if ($got | type) != "number" or (($got - $want) | fabs) > $want / 10
	then "\($what): expected \($want) +-10%, got \($got | show)" else empty end;
def formulas($o; $w):
	(if ($o.working_set | type) != "number" then "\($w): no working_set"
	 elif $o.working_set != $o.inactive_anon + $o.active_anon + $o.active_file
	 then "\($w): working_set \($o.working_set) != inactive_anon \($o.inactive_anon) + active_anon \($o.active_anon) + active_file \($o.active_file)"
	 else empty end),
	(if ($o.working_set_kubelet | type) != "number" or ($o.usage | type) != "number" then "\($w): no working_set_kubelet or usage"
	 elif $o.working_set_kubelet != ([0, $o.usage - $o.inactive_file] | max)
	 then "\($w): working_set_kubelet \($o.working_set_kubelet) != max(0, usage \($o.usage) - inactive_file \($o.inactive_file))"
	 else empty end);
def byid($p; $id): [$p.containers[] | select(.container_id == $id)];
$spec as $s
| (if .cgroup_version != 1 then "cgroup_version \(.cgroup_version | show)" else empty end),
  (if .kubernetes != true then "kubernetes \(.kubernetes | show)" else empty end),
  (if (.pods | length) != ($s.pods | length) then "\(.pods | length) pods reported, expected \($s.pods | length): \([.pods[].cgroup])" else empty end),
  (. as $j | $s.pods[] as $e | "pod \($e.ns)/\($e.name)" as $w
   | [$j.pods[] | select(.pod_uid == $e.uid)] as $f
   | if ($f | length) != 1 then "\($w): found \($f | length) times"
     else $f[0] as $p
     | (if [$p.kind, $p.namespace, $p.pod, $p.qos, $p.cgroup] != ["pod", $e.ns, $e.name, $e.qos, $e.cgroup]
        then "\($w): identity \([$p.kind, $p.namespace, $p.pod, $p.qos, $p.cgroup]), expected \(["pod", $e.ns, $e.name, $e.qos, $e.cgroup])" else empty end),
       (if $p | has("limit") then "\($w): an unlimited pod has limit \($p.limit)" else empty end),
       formulas($p; $w),
       (if ($p.containers | length) != ($e.ctrs | length)
        then "\($w): containers \([$p.containers[].container]), expected \([$e.ctrs[].name])" else empty end),
       ($e.ctrs[] as $ec | "\($w) container \($ec.name)" as $cw | byid($p; $ec.id) as $cf
        | if ($cf | length) != 1 then "\($cw) (id \($ec.id)): found \($cf | length) times"
          else $cf[0] as $c
          | (if [$c.container, $c.sandbox, $c.runtime] != [$ec.name, $ec.sandbox, $s.runtime]
             then "\($cw): [container, sandbox, runtime] \([$c.container, $c.sandbox, $c.runtime]), expected \([$ec.name, $ec.sandbox, $s.runtime])" else empty end),
            (if $ec.limit == null then (if $c | has("limit") then "\($cw): unlimited, but limit \($c.limit)" else empty end)
             elif $c.limit != $ec.limit then "\($cw): limit: expected \($ec.limit), got \($c.limit | show)" else empty end),
            formulas($c; $cw)
          end),
       # the pod cgroup is hierarchical: at least the sum of its containers, less
       # the kernel'"'"'s per-CPU batching slack (pod and containers are read one after another)
       ("anon", "file", "shmem") as $m
       | ([$p.containers[] | .[$m] // 0] | add // 0) as $sum
       | if ($p[$m] | type) != "number" or $p[$m] < $sum - ([1048576, $sum / 100] | max) then "\($w): \($m) \($p[$m] | show) < the sum of its containers, \($sum)" else empty end
     end),
  (if $approx then
     (. as $j
      | ($j.pods[] | select(.pod_uid == $uid1)) as $p1
      | ($j.pods[] | select(.pod_uid == $uid2)) as $p2
      | within(byid($p1; $app)[0].anon; $anon; "app: anon"),
        within(byid($p1; $reader)[0].file; $read; "reader: file"),
        within(byid($p2; $writer)[0].shmem; $shm; "writer: shmem"),
        (byid($p2; $writer)[0].file as $f | if ($f | type) != "number" or $f < $shm then "writer: file \($f | show) < the \($shm) bytes written to the tmpfs" else empty end))
   else empty end)
'
# check_sample FILE APPROX: the problems in one sample (none: empty)
check_sample() {
	jq -r --argjson spec "$(spec_json)" --argjson approx "$2" --arg uid1 "$UID1" --arg uid2 "$UID2" \
		--arg app "$(leaf_id "$APP")" --arg reader "$(leaf_id "$READER")" --arg writer "$(leaf_id "$WRITER")" \
		--argjson anon "$ANON" --argjson read "$READ" --argjson shm "$SHM" "$CHECK_JQ" "$1"
}
PODMEM=("$B/podmem" --cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
sample() { # sample FILE: one JSON sample, stderr must stay empty
	"${PODMEM[@]}" --json > "$1" 2> "$1.err" || fail "podmem --json exited $?: $(cat "$1.err")"
	[ ! -s "$1.err" ] || fail "podmem --json wrote to stderr: $(cat "$1.err")"
}

# 1. the breakdown: retried for up to ~5 s while only the amounts are off
#    (the kernel flushes per-cgroup statistics in batches)
for try in $(seq 1 10); do
	sample "$T/s1.json"
	problems=$(check_sample "$T/s1.json" true) || fail "jq failed on podmem's output: $(head -c 800 "$T/s1.json")"
	[ -n "$problems" ] || break
	[ -z "$(check_sample "$T/s1.json" false)" ] || break # not a matter of time
	sleep 0.5
done
[ -z "$problems" ] || fail "$(printf 'the sample is wrong:\n%s\nsample: %s' "$problems" "$(jq -c . "$T/s1.json" | head -c 3000)")"
note "$(jq -r --arg a "$(leaf_id "$APP")" --arg r "$(leaf_id "$READER")" --arg w "$(leaf_id "$WRITER")" \
	'[.pods[].containers[] | select(.container_id == $a or .container_id == $r or .container_id == $w)
	  | "\(.container): anon \(.anon / 1048576 | floor) MiB, file \(.file / 1048576 | floor) MiB, shmem \(.shmem / 1048576 | floor) MiB"]
	 | join("; ")' "$T/s1.json")"

# 2. the table: a header, then one row per pod (and one per container with --containers)
table=$("${PODMEM[@]}" 2>&1) || fail "podmem (table) exited $?: $table"
rows=$(printf '%s\n' "$table" | sed -n '/^NAMESPACE\/POD /,$p' | tail -n +2)
[ "$(printf '%s\n' "$table" | grep -c '^NAMESPACE/POD ')" = 1 ] || fail "no NAMESPACE/POD header in the table: $table"
assert_eq "table rows (one per pod)" 3 "$(printf '%s\n' "$rows" | grep -c .)"
for pq in "default/web-0 burstable" "batch/job-1 besteffort" "kube-system/dns guaranteed"; do
	set -- $pq
	assert_eq "table rows for $1 ($2)" 1 "$(printf '%s\n' "$rows" | grep -c "^$1  *$2  ")"
done
assert_contains "table: node line" "$(printf '%s\n' "$table" | head -1)" "node: total "
table=$("${PODMEM[@]}" --containers 2>&1) || fail "podmem --containers exited $?: $table"
rows=$(printf '%s\n' "$table" | sed -n '/^NAMESPACE\/POD /,$p' | tail -n +2)
assert_eq "table rows with --containers (3 pods, 7 containers)" 10 "$(printf '%s\n' "$rows" | grep -c .)"
for c in app reader writer idle; do
	assert_eq "container row '$c'" 1 "$(printf '%s\n' "$rows" | grep -c "^  $c ")"
done
assert_eq "sandbox rows" 3 "$(printf '%s\n' "$rows" | grep -c '^  POD ')"
table=$("${PODMEM[@]}" --top 1 2>&1) || fail "podmem --top 1 exited $?: $table"
rows=$(printf '%s\n' "$table" | sed -n '/^NAMESPACE\/POD /,$p' | tail -n +2)
assert_eq "table rows with --top 1 (one pod, then the rest counted)" 2 "$(printf '%s\n' "$rows" | grep -c .)"
assert_eq "table --top 1: last line" "(2 more; -n to show more)" "$(printf '%s\n' "$rows" | tail -1)"

# 3. a container goes: its process killed, its cgroup removed
kill_pid "$READER_PID"
wait_for 5 rmdir "$READER" || fail "cannot remove $READER after killing its process"
READER_GONE=1
sample "$T/s2.json"
problems=$(check_sample "$T/s2.json" false) || fail "jq failed on podmem's output"
[ -z "$problems" ] || fail "$(printf 'after removing the reader:\n%s' "$problems")"
[ "$(jq --arg r "$(leaf_id "$READER")" '[.pods[].containers[] | select(.container_id == $r)] | length' "$T/s2.json")" = 0 ] ||
	fail "the removed container is still reported"

# 4. a whole pod goes
rmdir "$IDLE" "$SANDBOX3" "$POD3" || fail "cannot remove the idle pod's cgroups"
POD3_GONE=1
sample "$T/s3.json"
problems=$(check_sample "$T/s3.json" false) || fail "jq failed on podmem's output"
[ -z "$problems" ] || fail "$(printf 'after removing pod kube-system/dns:\n%s' "$problems")"
