#!/usr/bin/env bash
# The bench harness at a tiny size (BENCH_SMOKE=1 tests/bench/table.sh: about
# 100 containers, 1-2 rounds), so that it cannot rot: every script runs to
# the end, every row tests/bench/expected_rows names is there once or more,
# and every row is well formed (six fields; a verdict of met, NOT MET or -;
# a row with a goal says met or NOT MET unless it was skipped with a reason).
# The figures are not checked: at this size, on a shared machine, they mean nothing.
. "$(dirname "$0")/lib.sh"
[ -x "$B/bench" ] || fail "build first: make bench-bins"
out=$T/out table=$T/table
BENCH_SMOKE=1 BENCH_TABLE="$table" "$SRC/tests/bench/table.sh" > "$out" 2>&1 || fail "the harness failed: $(grep -E '^(FAIL|failed)' "$out" | head -5)"
rows=$T/rows
grep -a "^BENCH	" "$out" > "$rows" || fail "no BENCH rows: $(tail -5 "$out")"
# well formed
bad=$(awk -F'\t' '
	NF != 6 { print "fields: " $0; next }
	$2 == "" || $3 == "" || $4 == "" || $5 == "" { print "empty field: " $0; next }
	$6 != "met" && $6 != "NOT MET" && $6 != "-" { print "verdict: " $0; next }
	$4 ~ /^skipped: ./ { if ($6 != "-") print "a skipped row with a verdict: " $0; next }
	$4 ~ /^skipped/ { print "skipped without a reason: " $0; next }
	$5 != "-" && $6 == "-" { print "a goal without a verdict: " $0; next }
	$5 == "-" && $6 != "-" { print "a verdict without a goal: " $0 }' "$rows")
[ -z "$bad" ] || fail "malformed rows: $bad"
# every expected row
while IFS=$'\t' read -r section re; do
	case $section in '#'* | '') continue ;; esac
	awk -F'\t' -v s="$section" -v re="$re" '$2 == s && $3 ~ re {found = 1} END {exit !found}' "$rows" ||
		fail "no row '$section: $re' in: $(cut -f2,3 "$rows")"
done < "$SRC/tests/bench/expected_rows"
# the Markdown table has every row
assert_eq "rows in the Markdown table" "$(wc -l < "$rows")" "$(($(grep -c '^| ' "$table") - 1))"
skipped=$(awk -F'\t' '$4 ~ /^skipped/' "$rows" | wc -l)
note "$(wc -l < "$rows") rows, $skipped skipped: $(awk -F'\t' '$4 ~ /^skipped/ {print $2 ": " $4}' "$rows" | sort -u | head -3 | xargs)"
