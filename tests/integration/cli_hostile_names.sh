#!/usr/bin/env bash
# Names that are not UTF-8, and names with C0/C1 control characters, from the
# log directories: podmem --json stays strict JSON (U+FFFD in their place, as
# the other outputs do), the table passes no control character and no
# invalid byte to the terminal, and podmem-execd's line protocol is UTF-8.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

fixture "$T/n" --version 2 >/dev/null
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2
logs=$T/n/log
mv "$logs/pods/default_web-0_$uid" "$logs/pods/default_web-"$'\xff\xfe'"0_$uid"
app=$(cd "$logs/containers" && ls web-0_default_app-*.log)
# the container name: CSI (U+009B, C2 9B), NEL (U+0085, C2 85), ESC and a lone continuation byte
mv "$logs/containers/$app" "$logs/containers/web-0_default_a"$'\xc2\x9b'"2J"$'\xc2\x85\x1b'"[31m"$'\x80'"pp-${app#web-0_default_app-}"

# strict UTF-8 and strict JSON: Python refuses invalid bytes, and the pod's name holds U+FFFD twice
"$B/podmem" --json "${FIX_OPTS[@]}" >"$T/s.json" || fail "podmem --json exited $?"
name=$(python3 -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
pod = [p for p in doc["pods"] if p["pod_uid"] == sys.argv[2]][0]
print(pod["pod"].encode("unicode_escape").decode())
print(" ".join(sorted(c["container"].encode("unicode_escape").decode() for c in pod["containers"])))
' "$T/s.json" "$uid") || fail "podmem --json is not strict UTF-8 JSON: $(head -c 300 "$T/s.json" | od -c | head -5)"
assert_eq "the pod's name, invalid bytes as U+FFFD" 'web-\ufffd\ufffd0' "$(sed -n 1p <<<"$name")"
assert_contains "the container's name keeps its valid characters, controls escaped" "$(sed -n 2p <<<"$name")" 'a\x9b2J\x85\x1b[31m\ufffdpp'

# the table: UTF-8 only, and no C0 (but newline) or C1 control, no DEL
"$B/podmem" --containers "${FIX_OPTS[@]}" >"$T/table" || fail "podmem exited $?"
python3 -c '
import sys, unicodedata
t = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
bad = [hex(ord(c)) for c in t if c != "\n" and unicodedata.category(c) == "Cc"]
sys.exit("control characters in the table: %s" % bad if bad else 0)
' "$T/table" || fail "the table passes control characters or invalid bytes to the terminal"
assert_contains "the pod's row" "$(cat "$T/table")" "default/web-??0"
assert_contains "the container's row" "$(cat "$T/table")" "a?2J??[31m?pp"

# podmem-execd: line protocol is UTF-8 too
if [ -x "$B/podmem-execd" ]; then
	"$B/podmem-execd" --once "${FIX_OPTS[@]}" >"$T/lp" || fail "podmem-execd exited $?"
	python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$T/lp" ||
		fail "podmem-execd's line protocol is not UTF-8"
fi
note "invalid UTF-8 is U+FFFD in JSON and line protocol; C0/C1 controls never reach the terminal"
