#!/usr/bin/env bash
# make bench (files): `podmem files` against vmtouch and util-linux fincore
# over the same FILES (default 20,000) files, as the median of per-round
# ratios of CPU time (build/runtime) over ROUNDS (default 7) rounds that run
# each once; the resident page counts of all three must be equal.
#
# The files (1 to 8 pages each, every third one evicted) are a real pod's
# volume directory (--kubelet-dir), so podmem walks them as it walks any
# pod's volumes; the pod has no process, so nothing else is scanned.
. "$(dirname "$0")/../integration/lib.sh"
. "$SRC/tests/bench/lib_bench.sh"
if [ "$SMOKE" = 1 ]; then N=${FILES:-300} R=${ROUNDS:-1}; else N=${FILES:-20000} R=${ROUNDS:-7}; fi
MEASURES=("podmem files (cachestat) / vmtouch" "podmem files (cachestat) / fincore"
	"podmem files (mincore) / vmtouch" "podmem files (+ the charged-page scan) / vmtouch")
all_skipped() {
	local m
	for m in "${MEASURES[@]}"; do bench_skip files "$m, $N files" "$1"; done
	exit 0
}
[ -x "$B/podmem" ] && [ -x "$B/runtime" ] || all_skipped "build first: make build-all bench-bins"
command -v python3 >/dev/null || all_skipped "python3 is not installed"
command -v fincore >/dev/null || all_skipped "fincore (util-linux) is not installed"
command -v vmtouch >/dev/null || all_skipped "vmtouch is not installed (Debian package vmtouch)"
PAGE=$(getconf PAGESIZE)

bench_base || all_skipped "$BENCH_NO_BASE"
CG_BASE=$BENCH_BASE
UID1=7e8f9001-0000-4000-8000-00000000b001
real_pod "$CG_BASE" cgroupfs burstable "$UID1" default bench-0 app
K=$T/kubelet
TREE=$K/pods/$UID1/volumes/kubernetes.io~empty-dir/data
mkdir -p "$TREE"
case $(stat -f -c %T "$TREE") in tmpfs | ramfs) all_skipped "$T is on a tmpfs: no disk page cache to measure" ;; esac
python3 - "$TREE" "$N" "$PAGE" <<'EOF'
import os, sys
tree, n, page = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    d = os.path.join(tree, "d%03d" % (i // 100))
    if i % 100 == 0:
        os.mkdir(d)
    fd = os.open(os.path.join(d, "f%05d" % i), os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, os.urandom(page * (1 + i % 8)))
    if i % 3 == 0:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
EOF
find "$TREE" -type f -print0 > "$T/list"
sync

OPTS=(--cgroup-root "$CG_BASE" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers" --kubelet-dir "$K")
# the resident pages each tool counts
podmem_pages() { "$B/podmem" files default/bench-0 -n 0 --json "${OPTS[@]}" "$@" |
	jq --arg t "$TREE/" '[.files[] | select(.path | startswith($t)) | .cached] | add / '"$PAGE"; }
vmtouch_pages() { vmtouch "$TREE" | awk '/Resident Pages/ {split($3, a, "/"); print a[1]}'; }
fincore_pages() { xargs -0 fincore --noheadings --output PAGES < "$T/list" | awk '{s += $1} END {print s}'; }
# TOOL's count equals vmtouch's, taken just before and after it (again, up to 5 times, when the
# cache changed meanwhile: something else on the node evicted pages)
same_pages() {
	local what=$1 v1 x v2 i
	shift
	for i in 1 2 3 4 5; do
		v1=$(vmtouch_pages) x=$("$@") v2=$(vmtouch_pages)
		[ "$v1" != "$v2" ] || { assert_eq "resident pages: $what and vmtouch" "$v1" "$x"; return; }
	done
	fail "the cache kept changing under the count ($what)"
}
same_pages "podmem (cachestat)" podmem_pages --no-charged
same_pages "podmem (mincore)" podmem_pages --no-charged --residency mincore
same_pages "podmem (with the charge scan)" podmem_pages
same_pages "fincore" fincore_pages
V=$(vmtouch_pages)
files=$("$B/podmem" files default/bench-0 -n 1 --json --no-charged "${OPTS[@]}" | jq .files_total)
assert_eq "files podmem found" "$N" "$files"

# R rounds, each running every tool once (interleaved, so each round's load is the same for all):
# the CPU time (ns) of each tool in each round
tools=(vt fc pc pm ch)
cmd_of() {
	case $1 in
	vt) CMD=(vmtouch "$TREE") ;;
	fc) CMD=(sh -c 'xargs -0 fincore --noheadings --output PAGES < "$1"' sh "$T/list") ;;
	pc) CMD=("$B/podmem" files default/bench-0 -n 20 "${OPTS[@]}" --no-charged) ;;
	pm) CMD=("$B/podmem" files default/bench-0 -n 20 "${OPTS[@]}" --no-charged --residency mincore) ;;
	ch) CMD=("$B/podmem" files default/bench-0 -n 20 "${OPTS[@]}") ;;
	esac
}
declare -A t
for ((i = 0; i < R; i++)); do
	for k in "${tools[@]}"; do
		cmd_of "$k"
		"$B/runtime" "${CMD[@]}" > "$T/time" || fail "$k failed: ${CMD[*]:0:3}"
		read -r _ t[$k,$i] < "$T/time"
	done
done
median_ratio() { local r v=(); for ((r = 0; r < R; r++)); do v+=("$(ratio "${t[$1,$r]}" "${t[$2,$r]}" 4)"); done; median "${v[@]}"; }
median_ms() { local r v=(); for ((r = 0; r < R; r++)); do v+=("${t[$1,$r]}"); done; awk -v n="$(median "${v[@]}")" 'BEGIN {printf "%.0f ms", n / 1e6}'; }
total=$(find "$TREE" -type f -printf '%s\n' | awk -v p="$PAGE" '{s += $1 / p} END {print s}')
echo "bench files: $N files, $V of $total pages resident (the same count from each tool); $R rounds"
row() { # row MEASURE A B
	local x
	x=$(median_ratio "$2" "$3")
	bench_row files "$1, $N files" "$(ratio "$x" 1)x (median of $R per-round ratios of CPU time; $(median_ms "$2") against $(median_ms "$3"); $V of $total pages resident, equal counts)" - -
}
row "${MEASURES[0]}" pc vt
row "${MEASURES[1]}" pc fc
row "${MEASURES[2]}" pm vt
row "${MEASURES[3]}" ch vt
