#!/usr/bin/env bash
# podmem-execd --top-files on real v1 memory cgroups and real processes:
#
#   pod default/files-0   writer  fills a tmpfs file with 32 MiB
#                         app     a 16 MiB file deleted while open, and an
#                                 8 MiB file named "log, rotated=1 é", held
#   pod staging/files-1   one     a 4 MiB file, held
#
# The podmem_file rows are `podmem files POD --json`'s top N (path, deleted,
# tmpfs; cached and charged within a few pages), stored by a real InfluxDB
# and queried back; the Prometheus text passes promtool; --files-interval:
# batches within it write the last scan's rows again (a file made meanwhile
# is not there), a batch after it has the new file; bad values; none of it
# without --top-files. Then the cost of a scan of pods with 1,000 and
# 10,000 files in a volume, and the --max-files budget.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"
influx_need
command -v promtool >/dev/null || skip "promtool is not installed (apt-get install prometheus)"
[ -x "$B/pm-hog" ] || fail "$B/pm-hog is not built (make build/pm-hog)"

MiB=1048576 PAGE=$(getconf PAGESIZE)
real_cgroup_base
ROOT=$CG_BASE/node
mkdir "$ROOT" "$T/disk" "$T/tmpfs"
case $(stat -f -c %T "$T/disk") in tmpfs | ramfs) skip "$T is on a tmpfs: no disk page cache" ;; esac
mount -t tmpfs -o "size=$((64 * MiB)),mode=0700" podmem-topfiles "$T/tmpfs" 2>/dev/null || skip "cannot mount a tmpfs"
at_exit "umount '$T/tmpfs' || umount -l '$T/tmpfs'"

UID1=4b5c6d7e-0000-4000-8000-00000000d001 UID2=4b5c6d7e-0000-4000-8000-00000000d002
real_pod "$ROOT" cgroupfs burstable "$UID1" default files-0 writer app
WRITER=${CTR_DIR[writer]} APP=${CTR_DIR[app]}
real_pod "$ROOT" cgroupfs besteffort "$UID2" staging files-1 one
ONE=${CTR_DIR[one]}
OPTS=(--cgroup-root "$ROOT" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
LOG="$T/disk/log, rotated=1 é"
hog "$WRITER" tmpfs "$T/tmpfs/data" $((32 * MiB))
hog "$APP" deleted "$T/disk/deleted" $((16 * MiB))
hog "$APP" hold "$LOG" $((8 * MiB))
hog "$ONE" hold "$T/disk/p2" $((4 * MiB))
N=3 # rows a pod: every pod with a process has more candidates (its binary, libc, ...)

# ---- bad values: one line, exit 2, nothing written ------------------------------------------
bad() { # bad WHAT NEEDLE ARGS...
	local what=$1 needle=$2 rc=0
	shift 2
	"$EXECD" --once "${OPTS[@]}" "$@" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
	assert_eq "$what: exit status" 2 "$rc"
	assert_eq "$what: lines on stderr ($(cat "$T/bad.err"))" 1 "$(wc -l <"$T/bad.err")"
	assert_contains "$what" "$(cat "$T/bad.err")" "$needle"
	[ ! -s "$T/bad.out" ] || fail "$what: something on stdout"
}
bad "--top-files 0" "bad value '0' for --top-files" --top-files 0
bad "--top-files 101" "bad value '101' for --top-files: expected a number of files per pod from 1 to 100" --top-files 101
bad "--top-files x" "bad value 'x' for --top-files" --top-files x
bad "--top-files ''" "bad value '' for --top-files" --top-files ''
bad "--top-files -3" "bad value '-3' for --top-files" --top-files -3
bad "--files-interval 0" "bad value '0' for --files-interval: expected a positive duration" --top-files 3 --files-interval 0
bad "--files-interval 5" "bad value '5' for --files-interval" --top-files 3 --files-interval 5
bad "--max-files 0" "bad value '0' for --max-files" --top-files 3 --max-files 0
bad "--kubelet-dir ''" "bad value '' for --kubelet-dir" --top-files 3 --kubelet-dir ''
bad "--files-interval without --top-files" "--files-interval needs --top-files" --files-interval 1m
bad "--max-files without --top-files" "--max-files needs --top-files" --max-files 10
bad "--top-files without a value" "option '--top-files' needs a value" --top-files

# ---- off by default -------------------------------------------------------------------------
"$EXECD" --once "${OPTS[@]}" >"$T/off.lp"
"$EXECD" --once --format prometheus "${OPTS[@]}" >"$T/off.prom"
grep -q '^podmem_pod,' "$T/off.lp" || fail "no pod line without --top-files"
assert_eq "podmem_file lines without --top-files" 0 "$(grep -c '^podmem_file' "$T/off.lp" || true)"
assert_eq "podmem_file samples without --top-files" 0 "$(grep -c 'podmem_file' "$T/off.prom" || true)"

# ---- one batch, the two pods' files ---------------------------------------------------------
"$EXECD" --once --top-files "$N" --verbose "${OPTS[@]}" >"$T/b1.lp" 2>"$T/b1.err" || fail "exit $?: $(cat "$T/b1.err")"
files_json() { "$B/podmem" files "$1" --json -n 0 "${OPTS[@]}"; }
files_json "$UID1" >"$T/p1.json"
files_json "$UID2" >"$T/p2.json"
assert_eq "charged known (root)" "true true" "$(jq -r .charged_known "$T/p1.json" "$T/p2.json" | xargs)"
assert_eq "podmem_file lines: $N a pod" $((2 * N)) "$(grep -c '^podmem_file,' "$T/b1.lp")"
batch_time "$T/b1.lp" >/dev/null # the file rows carry the batch's one timestamp
assert_contains "the scan in the debug log" "$(cat "$T/b1.err")" "file scan: 2 pods, "
bad=$(grep -v '^D! ' "$T/b1.err" || true)
assert_eq "other lines on stderr" "" "$bad"

# ---- into InfluxDB and back: the rows are podmem files' top N ---------------------------------
influx_start
influx_query podmem "CREATE DATABASE podmem" >/dev/null
influx_write podmem "$T/b1.lp"
# stored UID: "path|deleted|tmpfs|cached|charged|size" of every podmem_file row of the pod
stored() {
	influx_query podmem "SELECT * FROM podmem_file WHERE pod_uid = '$1' GROUP BY *" | jq -r '
		.results[0].series[]? | .tags as $t | .columns as $c | .values[] as $v
		| ([$c, $v] | transpose | map({(.[0]): .[1]}) | add) as $r
		| "\($t.path)|\($t.deleted)|\($t.tmpfs)|\($r.cached)|\($r.charged)|\($r.size)"' | LC_ALL=C sort
}
# near WHAT EXPECTED ACTUAL: within 8 pages or 5%
near() {
	local tol=$(($2 / 20)); [ "$tol" -gt $((8 * PAGE)) ] || tol=$((8 * PAGE))
	local d=$(($3 - $2)); d=${d#-}
	[ "$d" -le "$tol" ] || fail "$1: expected about $2, got $3"
}
for pod in "default files-0 $UID1 p1" "staging files-1 $UID2 p2"; do
	read -r ns name uid j <<<"$pod"
	stored "$uid" >"$T/$j.stored"
	jq -r --argjson n "$N" '.files[:$n][] | "\(.path)|\(.deleted)|\(.tmpfs)|\(.cached)|\(.charged)|\(.size)"' \
		"$T/$j.json" | LC_ALL=C sort >"$T/$j.top"
	assert_eq "$ns/$name: rows stored" "$N" "$(wc -l <"$T/$j.stored")"
	assert_eq "$ns/$name: path, deleted, tmpfs of the rows vs podmem files' top $N" \
		"$(cut -d'|' -f1-3 "$T/$j.top")" "$(cut -d'|' -f1-3 "$T/$j.stored")"
	while IFS='|' read -r path _ _ cached charged size; do
		IFS='|' read -r _ _ _ c2 ch2 s2 < <(grep -F "$path|" "$T/$j.top")
		near "$ns/$name: $path cached" "$c2" "$cached"
		near "$ns/$name: $path charged" "$ch2" "$charged"
		assert_eq "$ns/$name: $path size" "$s2" "$size"
	done <"$T/$j.stored"
	tags=$(influx_query podmem "SHOW TAG VALUES FROM podmem_file WITH KEY IN (\"namespace\", \"pod\", \"qos\") WHERE pod_uid = '$uid'" |
		jq -r '[.results[0].series[0].values[][1]] | join(",")')
	assert_eq "$ns/$name: its labels" "$ns,$name,$([ "$j" = p1 ] && echo burstable || echo besteffort)" "$tags"
done
# what the processes did, whatever podmem files says: the three charged files first, flagged
assert_eq "default/files-0: its rows" "$T/disk/deleted|true|false
$LOG|false|false
$T/tmpfs/data|false|true" "$(cut -d'|' -f1-3 "$T/p1.stored")"
near "the tmpfs file charged" $((32 * MiB)) "$(grep -F "$T/tmpfs/data|" "$T/p1.stored" | cut -d'|' -f5)"
near "the deleted file charged" $((16 * MiB)) "$(grep -F "$T/disk/deleted|" "$T/p1.stored" | cut -d'|' -f5)"
near "the held file charged" $((8 * MiB)) "$(grep -F "$LOG|" "$T/p1.stored" | cut -d'|' -f5)"
assert_contains "staging/files-1: its file" "$(cat "$T/p2.stored")" "$T/disk/p2|false|false|"
# stored = written: every cached field of the batch, summed
sum_lp=$(grep '^podmem_file,' "$T/b1.lp" | awk '{ n = split($(NF-1), f, ","); for (i = 1; i <= n; i++) if (f[i] ~ /^cached=/) { sub(/^cached=/, "", f[i]); sub(/i$/, "", f[i]); s += f[i] } } END { printf "%d\n", s }')
sum_db=$(influx_query podmem "SELECT sum(cached) FROM podmem_file" | jq -r '.results[0].series[0].values[0][1]')
assert_eq "the cached bytes stored vs written" "$sum_lp" "$sum_db"
types=$(influx_query podmem 'SHOW FIELD KEYS FROM podmem_file' | jq -r '[.results[0].series[0].values[][1]] | unique | join(",")')
assert_eq "podmem_file's field types" integer "$types"
fields=$(influx_query podmem 'SHOW FIELD KEYS FROM podmem_file' | jq -r '[.results[0].series[0].values[][0]] | sort | join(",")')
assert_eq "podmem_file's fields" "cached,charged,dirty,recently_evicted,size,writeback" "$fields"
tagkeys=$(influx_query podmem 'SHOW TAG KEYS FROM podmem_file' | jq -r '[.results[0].series[0].values[][0]] | join(",")')
assert_eq "podmem_file's tags" "deleted,namespace,path,pod,pod_uid,qos,tmpfs" "$tagkeys"

# ---- Prometheus -------------------------------------------------------------------------------
"$EXECD" --once --format prometheus --top-files "$N" "${OPTS[@]}" >"$T/b.prom" 2>"$T/b.err"
assert_eq "stderr without --verbose" "" "$(cat "$T/b.err")"
lint=$(promtool check metrics <"$T/b.prom" 2>&1) || fail "promtool check metrics: $lint"
assert_eq "promtool check metrics output" "" "$lint"
assert_eq "podmem_file_cached_bytes samples" $((2 * N)) "$(grep -c '^podmem_file_cached_bytes{' "$T/b.prom")"
for f in size cached dirty writeback charged recently_evicted; do
	grep -q "^# TYPE podmem_file_${f}_bytes gauge$" "$T/b.prom" || fail "no podmem_file_${f}_bytes family"
done
line=$(grep -F "podmem_file_charged_bytes{deleted=\"false\",namespace=\"default\",path=\"$LOG\",pod=\"files-0\",pod_uid=\"$UID1\",qos=\"burstable\",tmpfs=\"false\"} " "$T/b.prom") ||
	fail "no charged sample of the held file: $(grep podmem_file_charged "$T/b.prom")"
near "Prometheus: the held file charged" $((8 * MiB)) "${line##* }"

# ---- without CAP_SYS_ADMIN: no charged field, and it says why, once ----------------------------
printf '\n\n' | setpriv --inh-caps=-sys_admin,-checkpoint_restore --bounding-set=-sys_admin,-checkpoint_restore \
	"$EXECD" --top-files "$N" --files-interval 1ms "${OPTS[@]}" >"$T/noadmin.lp" 2>"$T/noadmin.err" ||
	fail "without CAP_SYS_ADMIN: exit $?: $(cat "$T/noadmin.err")"
assert_eq "without CAP_SYS_ADMIN: rows of two batches" $((4 * N)) "$(grep -c '^podmem_file,' "$T/noadmin.lp")"
assert_eq "without CAP_SYS_ADMIN: charged fields" 0 "$(grep '^podmem_file,' "$T/noadmin.lp" | grep -c 'charged=' || true)"
grep -q "^podmem_file,deleted=true,namespace=default,path=$T/disk/deleted,.* size=16777216i,cached=" "$T/noadmin.lp" ||
	fail "without CAP_SYS_ADMIN: the deleted file is not a row: $(grep '^podmem_file,' "$T/noadmin.lp")"
assert_eq "without CAP_SYS_ADMIN: what it says (two scans, each warning once)" \
	"W! podmem-execd: file scan: needs CAP_SYS_ADMIN: /proc/PID/map_files and which cgroup pages are charged to ('podmem files POD' says what it missed)
W! podmem-execd: file scan of default/files-0: charged bytes unknown (needs CAP_SYS_ADMIN: /proc/self/pagemap gives no page frame numbers without it): files ranked by cached bytes" \
	"$(cat "$T/noadmin.err")"

# ---- --files-interval: batches within it repeat the last scan's rows --------------------------
n=$(( $(podmem_json "${OPTS[@]}" >"$T/s.json" && batch_lines "$T/s.json") + 2 * N ))
execd_start --top-files "$N" --files-interval 1h --verbose "${OPTS[@]}"
execd_batch "$n" "$T/i1.lp"
# (not holding execd's stdin open: it ends at the end of its stdin)
hog "$ONE" hold "$T/disk/new" $((12 * MiB)) {EX_TO}>&- {EX_FROM}<&- # now the pod's largest
execd_batch "$n" "$T/i2.lp"
execd_finish
t1=$(batch_time "$T/i1.lp") t2=$(batch_time "$T/i2.lp")
[ "$t1" != "$t2" ] || fail "two batches, one timestamp"
rows() { grep '^podmem_file,' "$1" | sed -E 's/ [0-9]+$//'; }
assert_eq "the second batch's rows, within --files-interval: the first's" "$(rows "$T/i1.lp")" "$(rows "$T/i2.lp")"
assert_not_contains "the file made between the batches" "$(cat "$T/i2.lp")" "$T/disk/new"
assert_eq "scans in two batches within --files-interval" 1 "$(grep -c 'file scan: ' "$T/execd.err")"
# and once it has passed, the next batch scans again and has the new file, at its own rank
execd_start --top-files "$N" --files-interval 1s --verbose "${OPTS[@]}"
execd_batch "$n" "$T/j1.lp"
hog "$APP" hold "$T/disk/newer" $((12 * MiB)) {EX_TO}>&- {EX_FROM}<&-
assert_not_contains "the first batch" "$(cat "$T/j1.lp")" "$T/disk/newer"
sleep 1.5 # past --files-interval
execd_batch "$n" "$T/j2.lp"
execd_finish
assert_eq "scans in two batches further apart than --files-interval" 2 "$(grep -c 'file scan: ' "$T/execd.err")"
assert_contains "the second batch: the new file" "$(grep '^podmem_file,' "$T/j2.lp")" "path=$T/disk/newer,"
assert_contains "the second batch: the file made before" "$(grep '^podmem_file,' "$T/j2.lp")" "path=$T/disk/new,"
files_json "$UID1" >"$T/p1b.json"
assert_eq "default/files-0's rows now" "$(jq -r --argjson n "$N" '[.files[:$n][].path] | sort | join("|")' "$T/p1b.json")" \
	"$(grep '^podmem_file,.*pod_uid=4b5c6d7e-0000-4000-8000-00000000d001,' "$T/j2.lp" | sed -E 's/.*,path=(.*),pod=.*/\1/; s/\\(.)/\1/g' | LC_ALL=C sort | paste -sd'|')"
assert_not_contains "the held file, now fourth" "$(grep '^podmem_file,' "$T/j2.lp")" "rotated"

# ---- between scans, a batch allocates nothing ------------------------------------------------
# valgrind's count over 3 batches and over 9, one scan in each run (the core's own rescan, every
# 10th sample by default, allocates: the runs stop before it)
allocs() { sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$1"; }
if command -v valgrind >/dev/null; then
	for k in 3 9; do
		head -c "$k" /dev/zero | tr '\0' '\n' | valgrind --log-file="$T/vg.$k" "$EXECD" --top-files "$N" \
			--files-interval 1h "${OPTS[@]}" >"$T/vg.$k.lp"
		assert_eq "valgrind: podmem_file rows of $k batches" $((k * 2 * N)) "$(grep -c '^podmem_file,' "$T/vg.$k.lp")"
	done
	a3=$(allocs "$T/vg.3") a9=$(allocs "$T/vg.9")
	[ -n "$a3" ] || fail "no heap summary from valgrind: $(tail -3 "$T/vg.3")"
	assert_eq "allocations in 3 and in 9 batches (batches 4 to 9 must allocate nothing)" "$a3" "$a9"
	note "$a3 allocations in 3 batches and in 9, with --top-files $N"
else
	note "SKIP of the allocation count: valgrind is not installed"
fi

# ---- what a scan costs: pods with 1,000 and 10,000 files in a volume ---------------------------
# (written by a process of the pod, which is gone: the scan walks the volume alone; each file's
# pages are told by cachestat and, page by page, by kpagecgroup)
mkdir "$T/kubelet"
many_pod() { # many_pod N: a pod of its own cgroup root with N files of a page in its volume; sets MROOT
	local n=$1 uid
	uid=$(printf '4b5c6d7e-0000-4000-8000-%012d' "$n")
	MROOT=$CG_BASE/m$n
	mkdir "$MROOT"
	real_pod "$MROOT" cgroupfs besteffort "$uid" default "many-$n" app
	local dir=$T/kubelet/pods/$uid/volumes/kubernetes.io~empty-dir/cache
	mkdir -p "$dir"
	bash -c 'echo $$ > "$1/cgroup.procs" && cd "$2" && s=$(head -c 4096 /dev/zero | tr "\0" x) &&
		for ((i = 0; i < $3; i++)); do printf %s "$s" > f$i; done' sh "${CTR_DIR[app]}" "$dir" "$n"
}
scan_cost() { # scan_cost N ARGS...: one --once batch of MROOT; the debug line of its scan
	"$EXECD" --once --top-files 10 --verbose --kubelet-dir "$T/kubelet" --cgroup-root "$MROOT" \
		--pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers" "${@:2}" >"$T/m.lp" 2>"$T/m.err" ||
		fail "many-$1: exit $?: $(cat "$T/m.err")"
	assert_eq "many-$1: rows" 10 "$(grep -c '^podmem_file,' "$T/m.lp")"
	grep 'file scan: ' "$T/m.err"
}
for n in 1000 10000; do
	many_pod "$n"
	costs=""
	for try in 1 2 3; do
		l=$(scan_cost "$n")
		[[ $l =~ file\ scan:\ 1\ pods,\ ([0-9]+)\ files,\ ([0-9]+)\ directory.*,\ ([0-9.]+)\ s$ ]] || fail "many-$n: $l"
		assert_eq "many-$n: files found" "$n" "${BASH_REMATCH[1]}"
		costs+=" ${BASH_REMATCH[3]}"
	done
	# every row is one of its files, a page charged to it
	bad=$(grep '^podmem_file,' "$T/m.lp" | grep -v -E "path=$T/kubelet/pods/[^,]*/cache/f[0-9]+,.* size=4096i,cached=4096i,.*charged=4096i," || true)
	assert_eq "many-$n: rows that are not a file of a page, charged" "" "$bad"
	note "a pod of $n files (${BASH_REMATCH[2]} directory entries walked): a scan takes$costs s"
done
# the budget: --max-files stops the walk, and says so once
l=$(scan_cost 10000 --max-files 1000)
[[ $l =~ ,\ ([0-9]+)\ files,\ ([0-9]+)\ directory ]] || fail "--max-files 1000: $l"
[ "${BASH_REMATCH[2]}" -le 1000 ] || fail "--max-files 1000: ${BASH_REMATCH[2]} entries walked"
[ "${BASH_REMATCH[1]}" -lt 1000 ] || fail "--max-files 1000: ${BASH_REMATCH[1]} files"
assert_contains "--max-files 1000: the warning" "$(cat "$T/m.err")" "W! podmem-execd: file scan of default/many-10000: the directory walks stopped at --max-files 1000"
note "--max-files 1000 on that pod: ${BASH_REMATCH[1]} files, ${BASH_REMATCH[2]} entries walked"
