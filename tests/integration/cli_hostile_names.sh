#!/usr/bin/env bash
# Names that are not UTF-8, and names with C0/C1 control characters.
# From the log directories they are not Kubernetes names: not trusted (the
# pod shown by its UID, the container by its ID), each entry said once, its
# bytes escaped on one line, by podmem and podmem-execd alike. As cgroup
# names (the groups of a host without Kubernetes) they are shown: podmem
# --json stays strict JSON (U+FFFD in place of invalid bytes, as the other
# outputs do), the table passes no control character and no invalid byte to
# the terminal, and podmem-execd's line protocol is UTF-8.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"

BADPOD="web-"$'\xff\xfe'"0"
# CSI (U+009B, C2 9B), NEL (U+0085, C2 85), ESC and a lone continuation byte
BADCTR="a"$'\xc2\x9b'"2J"$'\xc2\x85\x1b'"[31m"$'\x80'"pp"

# ---- in the log directories ----
fixture "$T/n" --version 2 >/dev/null
uid=2a3b4c5d-6e7f-4081-9293-0000000000b2
logs=$T/n/log
mv "$logs/pods/default_web-0_$uid" "$logs/pods/default_${BADPOD}_$uid"
app=$(cd "$logs/containers" && ls web-0_default_app-*.log)
id=${app#web-0_default_app-} id=${id%.log}
mv "$logs/containers/$app" "$logs/containers/web-0_default_${BADCTR}-$id.log"

"$B/podmem" --json "${FIX_OPTS[@]}" >"$T/s.json" 2>"$T/err" || fail "podmem --json exited $?"
got=$(python3 -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
pod = [p for p in doc["pods"] if p["pod_uid"] == sys.argv[2]][0]
print(pod["namespace"] + "|" + pod["pod"])
print(" ".join(sorted(c["container"] for c in pod["containers"] if c["container"] == c["container_id"])))
' "$T/s.json" "$uid") || fail "podmem --json is not strict UTF-8 JSON: $(head -c 300 "$T/s.json" | od -c | head -5)"
assert_eq "the pod, not named (its UID)" "|$uid" "$(sed -n 1p <<<"$got")"
assert_contains "the container, not named (its ID)" "$(sed -n 2p <<<"$got")" "$id"
assert_eq "untrusted entries said" 2 "$(assert_untrusted_said "$T/n" "$T/err")"
assert_eq "lines on stderr" 2 "$(wc -l <"$T/err")"
LC_ALL=C grep -q '[^ -~]' "$T/err" && fail "raw bytes in the warnings: $(cat -A "$T/err")"
grep -qF "pod log directory 'default_web-\\xff\\xfe0_$uid'" "$T/err" || fail "the pod's directory is not said escaped: $(cat "$T/err")"
grep -qF "container log link 'web-0_default_a\\xc2\\x9b2J\\xc2\\x85\\x1b[31m\\x80pp-$id.log'" "$T/err" ||
	fail "the container's link is not said escaped: $(cat "$T/err")"

# the table: the UID and the ID, nothing of the bad names
"$B/podmem" --containers "${FIX_OPTS[@]}" >"$T/table" 2>"$T/err" || fail "podmem exited $?"
assert_eq "untrusted entries said by the table" 2 "$(assert_untrusted_said "$T/n" "$T/err")"
grep -q "^$uid " "$T/table" || fail "no row for the pod's UID: $(cat "$T/table")"
grep -q "^  ${id:0:50}" "$T/table" || fail "no row for the container's ID: $(cat "$T/table")"

# podmem-execd: the same, said once over several batches
if [ -x "$B/podmem-execd" ]; then
	printf '\n\n\n' | "$B/podmem-execd" "${FIX_OPTS[@]}" >"$T/lp" 2>"$T/err" || fail "podmem-execd exited $?"
	assert_eq "podmem-execd: batches" 3 "$(grep -c '^podmem_node' "$T/lp")"
	assert_eq "podmem-execd: untrusted entries said once over 3 batches" 2 "$(assert_untrusted_said "$T/n" "$T/err")"
	grep -q "pod=$uid,pod_uid=$uid" "$T/lp" || fail "podmem-execd: the pod is not tagged by its UID"
	grep -q "container=$id,container_id=$id" "$T/lp" || fail "podmem-execd: the container is not tagged by its ID"
fi

# ---- as cgroup names ----
fixture "$T/g" --version 2 --no-kube >/dev/null
mv "$T/g/cgroup/user.slice" "$T/g/cgroup/$BADPOD"
mv "$T/g/cgroup/init.scope" "$T/g/cgroup/$BADCTR"
"$B/podmem" --json "${FIX_OPTS[@]}" >"$T/s.json" 2>"$T/err" || fail "podmem --json exited $?"
[ ! -s "$T/err" ] || fail "podmem said: $(cat "$T/err")"
name=$(python3 -c '
import json, sys
doc = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))
print(" ".join(sorted(p["pod"].encode("unicode_escape").decode() for p in doc["pods"] if not p["pod"].endswith((".slice", "docker")))))
' "$T/s.json") || fail "podmem --json is not strict UTF-8 JSON: $(head -c 300 "$T/s.json" | od -c | head -5)"
# the group names: invalid bytes as U+FFFD, the valid characters kept, controls escaped
assert_eq "the groups' names" 'a\x9b2J\x85\x1b[31m\ufffdpp web-\ufffd\ufffd0' "$name"

# the table: UTF-8 only, and no C0 (but newline) or C1 control, no DEL
"$B/podmem" --containers "${FIX_OPTS[@]}" >"$T/table" || fail "podmem exited $?"
python3 -c '
import sys, unicodedata
t = open(sys.argv[1], "rb").read().decode("utf-8", "strict")
bad = [hex(ord(c)) for c in t if c != "\n" and unicodedata.category(c) == "Cc"]
sys.exit("control characters in the table: %s" % bad if bad else 0)
' "$T/table" || fail "the table passes control characters or invalid bytes to the terminal"
assert_contains "the first group's row" "$(cat "$T/table")" "web-??0"
assert_contains "the second group's row" "$(cat "$T/table")" "a?2J??[31m?pp"

# podmem-execd: line protocol is UTF-8 too
if [ -x "$B/podmem-execd" ]; then
	"$B/podmem-execd" --once "${FIX_OPTS[@]}" >"$T/lp" || fail "podmem-execd exited $?"
	python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8", "strict")' "$T/lp" ||
		fail "podmem-execd's line protocol is not UTF-8"
	grep -q 'pod=web-��0' "$T/lp" || fail "podmem-execd: the group's name has no U+FFFD: $(grep -a web- "$T/lp" | head -2)"
fi
note "log names not UTF-8 are not trusted and said escaped; as cgroup names, U+FFFD in JSON and line protocol; C0/C1 controls never reach the terminal"
