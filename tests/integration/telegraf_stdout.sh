#!/usr/bin/env bash
# podmem-execd when stdout cannot take a batch, in each mode (--once, a batch
# per stdin line, --interval): a write error such as ENOSPC (stdout on
# /dev/full) is one "E! " line and exit 1; a reader that is gone (EPIPE) is
# a clean end: exit 0, nothing on stderr.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_telegraf.sh"

[ -c /dev/full ] || skip "no /dev/full to give ENOSPC"
fixture "$T/fx" --version 2

# run_mode FD MODE: podmem-execd in MODE ("once", "stdin" or "interval") with
# stdout on FD; exit status in RC, stderr in $T/err. stdin: three lines for
# "stdin", else /dev/null (--interval then goes on until something stops it).
# 20 s at most (timeout's 124 fails the assertions).
run_mode() {
	local fd=$1 mode=$2 args=()
	case $mode in
	once) args=(--once) ;;
	interval) args=(--interval 50ms) ;;
	esac
	RC=0
	if [ "$mode" = stdin ]; then
		printf '\n\n\n' | timeout 20 "$EXECD" "${FIX_OPTS[@]}" >&"$fd" 2>"$T/err" || RC=$?
	else
		timeout 20 "$EXECD" "${FIX_OPTS[@]}" "${args[@]}" </dev/null >&"$fd" 2>"$T/err" || RC=$?
	fi
}

exec {full}>/dev/full
for mode in once stdin interval; do
	# ENOSPC: one error line, exit 1
	run_mode "$full" "$mode"
	assert_eq "$mode, stdout on /dev/full: exit status" 1 "$RC"
	assert_eq "$mode, stdout on /dev/full: stderr lines" 1 "$(wc -l <"$T/err")"
	assert_eq "$mode, stdout on /dev/full: \"E! \" lines" 1 "$(grep -c '^E! ' "$T/err")"
	assert_contains "$mode, stdout on /dev/full: stderr" "$(cat "$T/err")" \
		"E! podmem-execd: cannot write to stdout: No space left on device"

	# EPIPE: a FIFO opened for writing whose only reader is then closed
	rm -f "$T/pipe"
	mkfifo "$T/pipe"
	exec {rw}<>"$T/pipe"
	exec {wr}>"$T/pipe"
	exec {rw}<&-
	run_mode "$wr" "$mode"
	exec {wr}>&-
	assert_eq "$mode, stdout with no reader: exit status" 0 "$RC"
	assert_eq "$mode, stdout with no reader: stderr" "" "$(cat "$T/err")"
done
note "--once, STDIN and --interval: ENOSPC is one E! line and exit 1; EPIPE exit 0, silent"
