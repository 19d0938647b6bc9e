#!/usr/bin/env bash
# Every fuzz target must be able to fail. For each target NAME given:
#   - its normal build passes its committed trap input tests/fuzz/traps/NAME
#     and its whole seed corpus tests/fuzz/corpus/NAME (no new inputs);
#   - its mutant build (-DPM_FUZZ_MUTANT: the target perturbs the result it
#     checks) traps on that input (a deadly signal: __builtin_trap's SIGILL),
#     so the target's checks are live.
#   traps.sh BUILD NAME...
set -u
build=$1; shift
dir=$(dirname "$0")
fail=0
for n in "$@"; do
	trap_in=$dir/traps/$n
	if [ ! -f "$trap_in" ]; then
		echo "fuzz-traps $n: FAIL: no trap input $trap_in"; fail=1; continue
	fi
	log=$build/fuzz/$n.trap.log
	if ! "$build/fuzz/$n" -runs=0 -close_fd_mask=3 -artifact_prefix="$build/fuzz/$n-" "$trap_in" >"$log" 2>&1; then
		echo "fuzz-traps $n: FAIL: the normal build fails on $trap_in:"; tail -20 "$log"; fail=1; continue
	fi
	if ! "$build/fuzz/$n" -runs=0 -close_fd_mask=3 -artifact_prefix="$build/fuzz/$n-" "$dir/corpus/${n#fuzz_}" >"$log" 2>&1; then
		echo "fuzz-traps $n: FAIL: the normal build fails on its seed corpus:"; tail -20 "$log"; fail=1; continue
	fi
	mlog=$build/fuzz-mutant/$n.trap.log
	"$build/fuzz-mutant/$n" -runs=0 -close_fd_mask=3 -artifact_prefix="$build/fuzz-mutant/$n-" "$trap_in" >"$mlog" 2>&1
	rc=$?
	if [ $rc -eq 0 ] || ! grep -q 'deadly signal' "$mlog"; then
		echo "fuzz-traps $n: FAIL: the mutant does not trap on $trap_in (status $rc):"; tail -20 "$mlog"; fail=1; continue
	fi
	echo "fuzz-traps $n: ok (the normal build passes, the mutant traps)"
done
exit $fail
