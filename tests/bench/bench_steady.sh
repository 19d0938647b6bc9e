#!/usr/bin/env bash
# make bench (steady-state, allocations): kubepods trees of 100, 1000 and 2000
# containers (pods of 3, the sandbox counted) as real memory cgroups under
# our own memory cgroup, sampled by build/bench in the same rounds: each
# tree's pm_sample() per container against a pread floor over the same files,
# the growth of the cost per container from the smallest tree to the largest,
# and the allocations of the steady-state samples (malloc_count.so preloaded).
# ROUNDS (7) rounds of SAMPLES (10) samples; SIZES="100 1000 2000".
. "$(dirname "$0")/../integration/lib.sh"
. "$SRC/tests/bench/lib_bench.sh"
if [ "$SMOKE" = 1 ]; then SIZES=${SIZES:-"20 100"} R=${ROUNDS:-2} S=${SAMPLES:-2}
else SIZES=${SIZES:-"100 1000 2000"} R=${ROUNDS:-7} S=${SAMPLES:-10}; fi
read -ra sizes <<< "$SIZES"
first=${sizes[0]} last=${sizes[-1]}
rows_skipped() {
	for n in "${sizes[@]}"; do bench_skip steady-state "sample per container / pread floor, $n containers" "$1" "<= 1.1x"; done
	bench_skip steady-state "growth of the sample cost per container, $first to $last containers" "$1" "<= 1.3x"
	bench_skip allocations "allocations per steady-state sample, $last containers" "$1" 0
	exit 0
}
[ -x "$B/bench" ] && [ -f "$B/malloc_count.so" ] || rows_skipped "build first: make build/bench build/malloc_count.so"
bench_base || rows_skipped "$BENCH_NO_BASE"
roots=()
for n in "${sizes[@]}"; do
	mkdir "$BENCH_BASE/n$n"
	bench_tree "$BENCH_BASE/n$n" "$n"
	roots+=("$BENCH_BASE/n$n")
done
echo "bench steady-state: trees of ${sizes[*]} containers under $BENCH_BASE; $R rounds of $S samples"
LD_PRELOAD=$B/malloc_count.so "$B/bench" "$R" "$S" "${roots[@]}" | tee "$T/out"
while read -r _ root _ c _ g _ k _ f _ ratio _ us _ up _ allocs; do
	note=""
	[ "$k" = "$g" ] || note="; $k of $g cgroups keep fds (RLIMIT_NOFILE $(ulimit -n), the fd budget), the rest are read by path"
	bench_row steady-state "sample per container / pread floor, $c containers" \
		"$(ratio "$ratio" 1)x (median of $R per-round ratios; $us µs against $up µs per container, $f files$note)" \
		"<= 1.1x" "$(verdict_le "$ratio" 1.1)"
	[ "$c" != "$last" ] || last_allocs=$allocs
done < <(grep '^tree ' "$T/out")
# to the trees between, for the record (their cgroups all keep fds)
while read -r _ c0 c growth _ floor_growth; do
	bench_row steady-state "growth of the sample cost per container, $c0 to $c containers" \
		"$(ratio "$growth" 1)x (median of $R per-round ratios; the pread floor's own: $(ratio "$floor_growth" 1)x)" - -
done < <(grep '^growth_to ' "$T/out")
read -r _ _ _ growth _ floor_growth < <(grep '^growth ' "$T/out")
bench_row steady-state "growth of the sample cost per container, $first to $last containers" \
	"$(ratio "$growth" 1)x (median of $R per-round ratios; the pread floor's own: $(ratio "$floor_growth" 1)x)" \
	"<= 1.3x" "$(verdict_le "$growth" 1.3)"
if [ "${last_allocs:--1}" = -1 ]; then
	bench_skip allocations "allocations per steady-state sample, $last containers" "malloc_count.so counted nothing (not preloaded?)" 0
else
	per=$(awk -v a="$last_allocs" -v n=$((R * S)) 'BEGIN {printf "%g", a / n}')
	bench_row allocations "allocations per steady-state sample, $last containers" \
		"$per ($last_allocs in $((R * S)) samples, counted by malloc_count.so)" 0 \
		"$(awk -v a="$last_allocs" 'BEGIN {print a == 0 ? "met" : "NOT MET"}')"
fi
