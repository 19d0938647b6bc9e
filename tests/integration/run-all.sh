#!/usr/bin/env bash
# Runs each integration test given, prints one line per test and a summary.
# Exit status 77 from a test is a skip (it prints its reason); anything else non-zero fails.
cd "$(dirname "$0")/../.." || exit 2
pass=0 failed=0 skipped=0 failures=()
for t in "$@"; do
	start=$(date +%s)
	out=$(bash "$t" 2>&1); rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS %s (%ss)\n' "$t" "$secs" ;;
	77) skipped=$((skipped + 1)); printf '%s\n' "$out" | grep '^SKIP' || printf 'SKIP %s\n' "$t" ;;
	*) failed=$((failed + 1)); failures+=("$t"); printf 'FAIL %s (rc %s, %ss)\n%s\n' "$t" "$rc" "$secs" "$(printf '%s\n' "$out" | tail -40)" ;;
	esac
done
printf 'integration: %d passed, %d failed, %d skipped\n' "$pass" "$failed" "$skipped"
[ "$failed" = 0 ]
