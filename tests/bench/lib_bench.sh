# Shared by tests/bench/bench_*.sh: sourced after tests/integration/lib.sh, never run.
#   bench_row SECTION MEASURE RESULT GOAL VERDICT   one row of the table (see table.sh)
#   bench_skip SECTION MEASURE REASON                a row that could not be measured
#   bench_tree N                                     a kubepods tree of N containers as real memory cgroups
#   median / ratio / verdict_le / verdict_ge         the arithmetic of a row
# BENCH_SMOKE=1: tiny sizes and 1-2 rounds (make check runs the harness so that it cannot rot).
SMOKE=${BENCH_SMOKE:-0}

bench_row() { printf 'BENCH\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5"; }
bench_skip() { bench_row "$1" "$2" "skipped: $3" "${4:--}" -; }

# median V...: the median of numbers (the mean of the middle two for an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# ratio A B [DIGITS]: A / B
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN {printf "%.*f\n", d, a / b}'; }
# verdict_le X GOAL: "met" when X <= GOAL, else "NOT MET"
verdict_le() { awk -v x="$1" -v g="$2" 'BEGIN {print (x <= g ? "met" : "NOT MET")}'; }
verdict_ge() { awk -v x="$1" -v g="$2" 'BEGIN {print (x >= g ? "met" : "NOT MET")}'; }
# now_ns: the monotonic clock is not in bash: date's wall clock in ns is what the rounds compare
now_ns() { date +%s%N; }

# bench_base: a private directory under our own memory cgroup in BENCH_BASE (removed at
# exit with everything in it), or a skip row's reason in BENCH_NO_BASE
bench_base() {
	BENCH_NO_BASE=""
	if [ -z "$MEMCG_MNT" ]; then BENCH_NO_BASE="no cgroup v1 memory controller mounted"; return 1; fi
	BENCH_BASE=$MEMCG_MNT$MEMCG_SELF/podmem-bench-$TEST_NAME-$$
	if ! mkdir "$BENCH_BASE" 2>/dev/null; then
		BENCH_NO_BASE="the kernel refused to make a memory cgroup under $MEMCG_MNT$MEMCG_SELF"
		return 1
	fi
	at_exit "cgroup_remove_tree '$BENCH_BASE'"
}

# bench_tree DIR N: a kubelet cgroupfs tree of N containers (pods of 3, the
# sandbox counted: 40 % Guaranteed, 50 % Burstable, 10 % BestEffort) under
# DIR/kubepods, as real memory cgroups; limits on the Guaranteed and
# Burstable pods and their app containers, as kubelet sets them. Sets
# BENCH_CGROUPS to every cgroup made below kubepods/<qos>, pods and containers
# (one path a line in $T/cgroups.N).
bench_tree() {
	local dir=$1 n=$2 p q uid pd c d made=0 list=$T/cgroups.$2
	mkdir -p "$dir/kubepods/burstable" "$dir/kubepods/besteffort"
	: > "$list"
	for ((p = 0; made < n; p++)); do
		case $((p % 10)) in 0 | 1 | 2 | 3) q="" ;; 9) q=besteffort/ ;; *) q=burstable/ ;; esac
		uid=$(printf '%08x-0000-4000-8000-%012x' "$p" "$p")
		pd=$dir/kubepods/${q}pod$uid
		mkdir "$pd"
		echo "$pd" >> "$list"
		[ "$q" = besteffort/ ] || echo $((256 << 20)) > "$pd/memory.limit_in_bytes"
		for c in 0 1 2; do
			[ $made -lt "$n" ] || break
			d=$pd/$(printf '%064x' $((p * 3 + c)))
			mkdir "$d"
			echo "$d" >> "$list"
			[ "$q" = besteffort/ ] || [ $c = 0 ] || echo $((128 << 20)) > "$d/memory.limit_in_bytes"
			made=$((made + 1))
		done
	done
	BENCH_CGROUPS=$list
}
