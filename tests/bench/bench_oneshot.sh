#!/usr/bin/env bash
# make bench (one-shot): `podmem --json` on a kubepods tree of CONTAINERS
# (1000) containers as real memory cgroups, against, over the same files of
# the same cgroups: a minimal C reader (build/oneshot_floor: readdir, then
# open/read/close of each file and a hand parse), `cgget -r FILE...` of every
# cgroup, `systemd-cgtop -b -m --iterations=1 --depth=12` (which reads every
# cgroup of the node, as it does), and a plain Python reader (reader.py). Each
# of ROUNDS (9) rounds runs every tool once, in turn; each ratio is the
# median of the per-round ratios of CPU time (user + system, build/runtime):
# on a machine shared with other work a short command's wall time is mostly
# waiting for a CPU. Wall times are shown beside.
. "$(dirname "$0")/../integration/lib.sh"
. "$SRC/tests/bench/lib_bench.sh"
if [ "$SMOKE" = 1 ]; then N=${CONTAINERS:-50} R=${ROUNDS:-2}; else N=${CONTAINERS:-1000} R=${ROUNDS:-9}; fi
M_FLOOR="podmem --json / the same-files C floor, $N containers"
M_CGGET="cgget -r (the same files) / podmem --json, $N containers"
M_CGTOP="systemd-cgtop -b -m --iterations=1 --depth=12 / podmem --json, $N containers"
M_PY="a Python reader of the same files / podmem --json, $N containers"
all_skipped() {
	bench_skip one-shot "$M_FLOOR" "$1" "<= 1.25x"
	bench_skip one-shot "$M_CGGET" "$1" ">= 1.5x"
	bench_skip one-shot "$M_CGTOP" "$1"
	bench_skip one-shot "$M_PY" "$1" ">= 3x"
	exit 0
}
[ -x "$B/podmem" ] && [ -x "$B/oneshot_floor" ] && [ -x "$B/runtime" ] || all_skipped "build first: make build-all bench-bins"
bench_base || all_skipped "$BENCH_NO_BASE"
bench_tree "$BENCH_BASE" "$N"
ROOT=$BENCH_BASE
REL=${ROOT#"$MEMCG_MNT"}
mkdir -p "$T/log/pods" "$T/log/containers"
OPTS=(--cgroup-root "$ROOT" --pod-log-dir "$T/log/pods" --container-log-dir "$T/log/containers")
# the files podmem reads on v1 in this tree: the catalogue's memory.* sources
# (the hugetlb controller's are in a hierarchy of their own, not in this tree)
mapfile -t FILES < <("$B/podmem" metrics --json | jq -r '.[].v1 | select(startswith("memory.")) | sub(":.*"; "")' | sort -u)
[ ${#FILES[@]} -gt 0 ] || fail "no memory files in the catalogue"
mapfile -t CGS < "$BENCH_CGROUPS"
cg_rel=("${CGS[@]#"$MEMCG_MNT"}")
get_args=()
for f in "${FILES[@]}"; do get_args+=(-r "$f"); done

# each tool reads every cgroup (checked once, before the rounds)
want=${#CGS[@]}
got=$("$B/oneshot_floor" "$ROOT" "${FILES[@]}" | awk '{print $1}')
assert_eq "cgroups the C floor read" "$want" "$got"
got=$("$B/podmem" --json "${OPTS[@]}" | jq '[.pods[] | 1 + (.containers | length)] | add')
assert_eq "cgroups podmem --json reported" "$want" "$got"
tools=(floor podmem)
have_cgget=0 have_cgtop=0 have_py=0
if command -v cgget >/dev/null; then
	got=$(cgget "${get_args[@]}" "${cg_rel[@]}" | grep -c '^/.*:$')
	assert_eq "cgroups cgget read" "$want" "$got"
	have_cgget=1 tools+=(cgget)
fi
if command -v systemd-cgtop >/dev/null && systemd-cgtop -b -m --iterations=1 --depth=12 > "$T/cgtop" 2>&1; then
	# it reads every cgroup, but lists only those with something charged
	grep -q "^$REL/kubepods " "$T/cgtop" || fail "systemd-cgtop did not reach $REL/kubepods: $(head -3 "$T/cgtop")"
	have_cgtop=1 tools+=(cgtop)
fi
PY=/usr/bin/python3 # not a version manager's shim, whose start-up costs more than the read
if [ -x "$PY" ]; then
	got=$("$PY" "$SRC/tests/bench/reader.py" "$ROOT" "${FILES[@]}" | awk '{print $1}')
	assert_eq "cgroups the Python reader read" "$want" "$got"
	have_py=1 tools+=(py)
fi
# cmd_of TOOL: its command line, in CMD
cmd_of() {
	case $1 in
	floor) CMD=("$B/oneshot_floor" "$ROOT" "${FILES[@]}") ;;
	podmem) CMD=("$B/podmem" --json "${OPTS[@]}") ;;
	cgget) CMD=(cgget "${get_args[@]}" "${cg_rel[@]}") ;;
	cgtop) CMD=(systemd-cgtop -b -m --iterations=1 --depth=12) ;;
	py) CMD=("$PY" "$SRC/tests/bench/reader.py" "$ROOT" "${FILES[@]}") ;;
	esac
}
echo "bench one-shot: $N containers, $want cgroups, ${#FILES[@]} files each (${FILES[*]}); $R rounds of: ${tools[*]}"
declare -A t w
for ((r = 0; r < R; r++)); do
	for k in "${tools[@]}"; do
		cmd_of "$k"
		"$B/runtime" "${CMD[@]}" > "$T/time" || fail "$k failed in round $r: ${CMD[*]:0:4} ..."
		read -r w[$k,$r] t[$k,$r] < "$T/time"
	done
	printf '  round %d (CPU/wall):' "$r"
	for k in "${tools[@]}"; do printf ' %s %s/%s ms' "$k" "$((t[$k,$r] / 1000000))" "$((w[$k,$r] / 1000000))"; done
	echo
done
# median_ratio A B: the median over the rounds of A's CPU time / B's
median_ratio() { local r v=(); for ((r = 0; r < R; r++)); do v+=("$(ratio "${t[$1,$r]}" "${t[$2,$r]}" 4)"); done; median "${v[@]}"; }
# median_ms TOOL: its median CPU time, and wall time
median_ms() {
	local r v=() u=()
	for ((r = 0; r < R; r++)); do v+=("${t[$1,$r]}") u+=("${w[$1,$r]}"); done
	awk -v n="$(median "${v[@]}")" -v m="$(median "${u[@]}")" 'BEGIN {printf "%.0f ms CPU, %.0f ms wall", n / 1e6, m / 1e6}'
}
x=$(median_ratio podmem floor)
bench_row one-shot "$M_FLOOR" "$(ratio "$x" 1)x (median of $R per-round ratios; $(median_ms podmem) against $(median_ms floor))" "<= 1.25x" "$(verdict_le "$x" 1.25)"
if [ $have_cgget = 1 ]; then
	x=$(median_ratio cgget podmem)
	bench_row one-shot "$M_CGGET" "podmem $(ratio "$x" 1)x faster (median of $R per-round ratios; cgget $(median_ms cgget))" ">= 1.5x" "$(verdict_ge "$x" 1.5)"
else
	bench_skip one-shot "$M_CGGET" "cgget is not installed (Debian package cgroup-tools)" ">= 1.5x"
fi
if [ $have_cgtop = 1 ]; then
	x=$(median_ratio cgtop podmem)
	# (systemd-cgtop -m reads one memory file a cgroup, memory.usage_in_bytes on v1, where podmem reads eight)
	bench_row one-shot "$M_CGTOP" "$(ratio "$x" 1)x: systemd-cgtop's time over podmem's (median of $R per-round ratios; systemd-cgtop $(median_ms cgtop), over every cgroup of the node, one memory file each where podmem reads eight)" - -
else
	bench_skip one-shot "$M_CGTOP" "systemd-cgtop is not installed or cannot run here"
fi
if [ $have_py = 1 ]; then
	x=$(median_ratio py podmem)
	bench_row one-shot "$M_PY" "podmem $(ratio "$x" 1)x faster (median of $R per-round ratios; Python $(median_ms py))" ">= 3x" "$(verdict_ge "$x" 3)"
else
	bench_skip one-shot "$M_PY" "no /usr/bin/python3" ">= 3x"
fi
