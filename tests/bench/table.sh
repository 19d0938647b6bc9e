#!/usr/bin/env bash
# make bench: runs every tests/bench/bench_*.sh in name order, passes their
# output through, and prints the rows they report as one Markdown table:
# each row is a line of six tab-separated fields,
#   BENCH<TAB>section<TAB>measure<TAB>result<TAB>goal<TAB>verdict
# (verdict: met, NOT MET or -; a result "skipped: <reason>" when a script
# could not measure it). BENCH_SMOKE=1 runs every script at a tiny size, so
# that make check can run the harness. BENCH_ONLY=REGEX runs only the scripts
# whose name matches. The table also goes to BENCH_TABLE, when set.
# Exit status: 1 when a script failed (its rows are still shown), else 0.
cd "$(dirname "$0")" || exit 2
rows=$(mktemp) out=$(mktemp) failed=()
trap 'rm -f "$rows" "$out"' EXIT
for s in bench_*.sh; do
	[ -z "${BENCH_ONLY:-}" ] || [[ $s =~ $BENCH_ONLY ]] || continue
	echo "== $s"
	start=$(date +%s)
	# the rows to the table, everything to the terminal
	bash "./$s" 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
	grep -a "^BENCH	" "$out" >> "$rows"
	case $rc in
	0 | 77) ;;
	*) failed+=("$s (exit $rc)") ;;
	esac
	echo "== $s: $(($(date +%s) - start)) s"
done
{
	echo
	echo "| section | measure | result | goal | verdict |"
	echo "|---|---|---|---|---|"
	awk -F'\t' 'NF == 6 { gsub(/\|/, "\\|"); printf "| %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6 }' "$rows"
	bad=$(awk -F'\t' 'NF != 6' "$rows" | wc -l)
	[ "$bad" = 0 ] || echo "($bad malformed BENCH lines left out)"
	[ ${#failed[@]} = 0 ] || echo "failed: ${failed[*]}"
} | tee ${BENCH_TABLE:+"$BENCH_TABLE"}
[ ${#failed[@]} = 0 ]
