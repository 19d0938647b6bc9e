#!/usr/bin/env bash
# make bench (parser): instructions per memory.stat parse (pm_parse_kv with
# the catalogue's key table), counted by callgrind (exact, the same in every
# run): v1 on the real memory.stat of our own memory cgroup, v2 on the
# fixture's (tests/fixtures/mktree.sh, the kernel's format). COUNT (100)
# parses; the count is the parses' instructions over COUNT.
. "$(dirname "$0")/../integration/lib.sh"
. "$SRC/tests/bench/lib_bench.sh"
COUNT=${COUNT:-100}
[ "$SMOKE" = 1 ] && COUNT=10
row() { # row VERSION FILE WHAT
	local m="instructions per memory.stat parse, v$1 ($3)"
	if ! command -v valgrind >/dev/null; then bench_skip parser "$m" "valgrind is not installed" "<= 4,000"; return; fi
	if [ ! -x "$B/parse_count" ]; then bench_skip parser "$m" "build first: make bench-bins" "<= 4,000"; return; fi
	if [ ! -r "$2" ]; then bench_skip parser "$m" "no $2" "<= 4,000"; return; fi
	local out=$T/cg.$1 info
	info=$(valgrind --tool=callgrind --toggle-collect=pm_parse_kv --callgrind-out-file="$out" "$B/parse_count" "$1" "$2" "$COUNT" 2>/dev/null) ||
		fail "parse_count $1 $2 failed"
	local ir
	ir=$(awk '/^totals:/ {print $2}' "$out")
	[ -n "$ir" ] && [ "$ir" -gt 0 ] || fail "callgrind counted nothing in pm_parse_kv ($out)"
	local per=$((ir / COUNT))
	bench_row parser "$m" "$(printf "%s" "$per") ($info; callgrind, $COUNT parses)" "<= 4,000" "$(verdict_le "$per" 4000)"
}
V1=${MEMCG_MNT:+$MEMCG_MNT$MEMCG_SELF/memory.stat}
row 1 "${V1:-/nonexistent}" "the real file of our own memory cgroup"
"$SRC/tests/fixtures/mktree.sh" "$T/f2" --version 2 > /dev/null
V2=$(find "$T/f2/cgroup/kubepods" -path "*pod*" -name memory.stat | head -1)
row 2 "$V2" "the fixture's file of a pod"
