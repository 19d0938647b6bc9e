#!/usr/bin/env bash
# The fd budget's cost: a steady-state sample per container at 1000
# containers (CONTAINERS) in pods of 3, real memory cgroups under our own,
# in processes that differ only in their fds: the soft RLIMIT_NOFILE raised
# (every file kept open), a soft limit of 1024 (collectd's under systemd; the
# default budget under it), and none kept (MaxOpenFiles 0). Then collectd
# with the plugin under each limit, side by side: CPU time per read. Same-run
# ratios of medians; BENCH rows in section "fd budget" (see table.sh).
# BENCH_SMOKE=1: 100 containers, 2 rounds.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib_bench.sh"
SECTION="fd budget"
if [ "$SMOKE" = 1 ]; then N=${CONTAINERS:-100} ROUNDS=${ROUNDS:-2} SAMPLES=${SAMPLES:-2} READS=${READS:-2}
else N=${CONTAINERS:-1000} ROUNDS=${ROUNDS:-7} SAMPLES=${SAMPLES:-5} READS=${READS:-7}; fi
row() { bench_row "$SECTION" "$@"; }
M_SAMPLE="sample per container, soft RLIMIT_NOFILE 1024 / unlimited, $N containers"
M_NONE="sample per container, no fds kept / unlimited, $N containers"
M_HELD="fds kept under a soft RLIMIT_NOFILE of 1024, $N containers"
M_CD="collectd CPU per read, soft RLIMIT_NOFILE 1024 / unlimited, $N containers"
M_FILE="reopen / kept pread, per file"
skip_all() {
	for m in "$M_FILE" "$M_SAMPLE" "$M_NONE" "$M_HELD" "$M_CD"; do bench_skip "$SECTION" "$m" "$1"; done
	exit 0
}
[ -x "$B/bench-fdlimit" ] && [ -x "$B/bench-fdcost" ] || make -s -C "$SRC" build/bench-fdlimit build/bench-fdcost >/dev/null 2>&1 ||
	skip_all "build/bench-fdlimit does not build"
bench_base || skip_all "$BENCH_NO_BASE"
base=$BENCH_BASE
bench_tree "$base" "$N"
p=$(grep -c '/pod[^/]*$' "$BENCH_CGROUPS")
echo "fd budget: $N containers in $p pods as real memory cgroups under $base; $ROUNDS rounds x $SAMPLES samples"

# ---- what an fd kept saves, per file kind: a pread against open/fstat/pread/close ----
if fc=$("$B/bench-fdcost" "$base/kubepods" "$ROUNDS" 2>&1); then
	printf '%s\n' "$fc" | sed 's/^/  /'
	while read -r file bytes kept re saved ratio; do
		row "reopen / kept pread, $file ($bytes bytes)" "$ratio ($re against $kept ns; $saved ns saved a read)" - -
	done < <(awk 'NR > 2 && $1 ~ /^memory\./' <<<"$fc")
	row "directory open and close, at each read of a cgroup not all kept" "$(awk '/the directory/ { print $NF }' <<<"$fc") ns" - -
else
	bench_skip "$SECTION" "$M_FILE" "fdcost failed: $(head -1 <<<"$fc")"
fi

# ---- the core: pm_sample in three processes, interleaved ----------------------
out=$("$B/bench-fdlimit" "$base" "$ROUNDS" "$SAMPLES" 1024) || skip_all "build/bench-fdlimit failed"
printf '%s\n' "$out" | awk -F'\t' '{ printf "  %-10s %8.2f us per container, %5.2fx unlimited; %s fds kept, %s of %s cgroups keep all their files\n", $2, $3, $4, $5, $6, $7 }'
field() { awk -F'\t' -v n="$1" -v f="$2" '$2 == n { print $f }' <<<"$out"; }
r1024=$(field nofile=1024 4) rnone=$(field "none kept" 4)
held=$(field nofile=1024 5)
# (no goal: at 1000 containers a 1024 limit keeps about 8% of the files, so
# this is close to keeping none; raising the limit is what brings it to 1x)
row "$M_SAMPLE" "${r1024}x ($(field nofile=1024 3) against $(field unlimited 3) us; median of $ROUNDS per-round ratios)" - -
row "$M_NONE" "${rnone}x ($(field "none kept" 3) us; median of $ROUNDS per-round ratios)" - -
row "$M_HELD" "$held fds, $(field nofile=1024 6) of $(field nofile=1024 7) cgroups whole" "<= 1024 - 1024/8 = 896" \
	"$( ((held <= 896)) && echo met || echo "NOT MET")"

# ---- collectd: two at once, one under prlimit --nofile=1024 --------------------
command -v collectd >/dev/null && [ -f "$B/podmem.so" ] || { bench_skip "$SECTION" "$M_CD" "collectd or build/podmem.so missing"; exit 0; }
tck=$(getconf CLK_TCK)
cd_start_bench() { # cd_start_bench NAME WRAPPER...: a collectd with the plugin alone, 1 s interval; PID in CD_<NAME>
	local name=$1 dir=$T/cd-$1
	shift
	mkdir -p "$dir"
	cat >"$dir/conf" <<EOF
Hostname "bench"
FQDNLookup false
BaseDir "$dir"
PIDFile "$dir/pid"
Interval 1
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$dir/log"
</Plugin>
PluginDir "$B"
LoadPlugin podmem
<Plugin podmem>
  CgroupRoot "$base"
</Plugin>
EOF
	daemon_start "CD_$name" "" "$dir/out" "$dir/out" "$@" collectd -f -C "$dir/conf"
}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime, in clock ticks
cd_start_bench roomy
cd_start_bench tight prlimit --nofile=1024:1024
sleep 3 # started, discovered, read once or twice
a0=$(cpu "$CD_roomy") b0=$(cpu "$CD_tight") ratios=() per_a=() per_b=()
for ((i = 0; i < READS; i++)); do
	sleep 2
	a1=$(cpu "$CD_roomy") b1=$(cpu "$CD_tight")
	da=$((a1 - a0)) db=$((b1 - b0))
	((da > 0)) && ratios+=("$(awk -v a="$da" -v b="$db" 'BEGIN { printf "%.2f", b / a }')")
	per_a+=("$da") per_b+=("$db")
	a0=$a1 b0=$b1
done
held=$({ find "/proc/$CD_tight/fd" -mindepth 1 -lname "$base/*" 2>/dev/null || true; } | wc -l)
daemon_stop CD_roomy
daemon_stop CD_tight
med() { median "$@"; }
if [ ${#ratios[@]} -eq 0 ]; then
	bench_skip "$SECTION" "$M_CD" "collectd used no measurable CPU ($tck ticks a second)"
else
	ms_a=$(awk -v t="$(med "${per_a[@]}")" -v k="$tck" 'BEGIN { printf "%.1f", t * 1000 / k / 2 }')
	ms_b=$(awk -v t="$(med "${per_b[@]}")" -v k="$tck" 'BEGIN { printf "%.1f", t * 1000 / k / 2 }')
	row "$M_CD" "$(med "${ratios[@]}")x ($ms_b against $ms_a ms a read; median of ${#ratios[@]} 2 s ratios; $held fds on cgroup files)" - -
fi
