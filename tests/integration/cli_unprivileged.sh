#!/usr/bin/env bash
# The metrics path as an unprivileged user (nobody, no groups, no
# capabilities): on a readable tree it reports what root reports; on a
# partly unreadable one (a QoS class, a container's cgroup, the container
# log directory) it reports the rest, and says each loss once, naming it.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
command -v jq >/dev/null || skip "jq is not installed"
[ "$(id -u)" = 0 ] || skip "needs root to become nobody"

chmod 755 "$T"
cp "$B/podmem" "$T/podmem" && chmod 755 "$T/podmem"
fixture "$T/n" --version 2 >/dev/null
chmod -R a+rX "$T/n"
as_nobody() { (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$T/podmem" "$@"); }

untimed() { jq -S 'del(.time_ns)' "$1"; }
"$B/podmem" --json "${FIX_OPTS[@]}" >"$T/root.json"
as_nobody --json "${FIX_OPTS[@]}" >"$T/nobody.json" 2>"$T/nobody.err" || fail "podmem as nobody exited $?: $(cat "$T/nobody.err")"
[ ! -s "$T/nobody.err" ] || fail "podmem as nobody wrote to stderr on a readable tree: $(cat "$T/nobody.err")"
assert_eq "nobody's sample of a readable tree" "$(untimed "$T/root.json")" "$(untimed "$T/nobody.json")"

# now take away three things
qos=$T/n/cgroup/kubepods/besteffort
ctr=$(find "$T/n/cgroup/kubepods/burstable" -mindepth 2 -maxdepth 2 -type d | sort | head -1)
chmod 000 "$qos" "$ctr" "$T/n/log/containers"
at_exit "chmod 755 '$qos' '$ctr' '$T/n/log/containers'"
as_nobody --json "${FIX_OPTS[@]}" >"$T/part.json" 2>"$T/part.err" || fail "podmem as nobody exited $? on a partly unreadable tree"
err=$(cat "$T/part.err")
assert_eq "warnings (one per loss): $err" 3 "$(grep -c . "$T/part.err")"
assert_contains "the QoS class that cannot be listed" "$err" "cannot list '$qos': Permission denied"
assert_contains "the container that cannot be read" "$err" "$(basename "$ctr")"
assert_contains "the names that cannot be read" "$err" "cannot read names from '$T/n/log/containers': Permission denied"
# and the JSON says which subtrees could not be read, and why
got=$(jq -r '[.unreadable[] | "\(.path): \(.error)"] | sort | join("; ")' "$T/part.json")
want=$(printf '%s\n' "${qos#"$T/n/cgroup/"}: Permission denied" "${ctr#"$T/n/cgroup/"}: Permission denied" \
	"$T/n/log/containers: Permission denied" | sort | paste -sd';' | sed 's/;/; /g')
assert_eq "JSON's unreadable subtrees" "$want" "$got"
assert_eq "JSON's unreadable count" 3 "$(jq .unreadable_count "$T/part.json")"
assert_eq "no unreadable key when everything was read" null "$(jq .unreadable "$T/nobody.json")"
# the rest is reported: every pod outside the QoS class, with its values
want=$(jq -r '[.pods[] | select(.qos != "besteffort") | .pod_uid] | sort | join(" ")' "$T/root.json")
got=$(jq -r '[.pods[] | .pod_uid] | sort | join(" ")' "$T/part.json")
assert_eq "the pods reported" "$want" "$got"
assert_eq "a readable pod's usage" "$(jq '.pods[] | select(.qos == "guaranteed") | .usage' "$T/root.json")" \
	"$(jq '.pods[] | select(.qos == "guaranteed") | .usage' "$T/part.json")"
# twice: each loss is still said once per run, and nothing more
as_nobody --json "${FIX_OPTS[@]}" >/dev/null 2>"$T/again.err"
assert_eq "the same losses, said once each" 3 "$(grep -c . "$T/again.err")"
note "as nobody: the same sample on a readable tree; on a partly unreadable one $(jq '.pods | length' "$T/part.json") pods and 3 losses said once"
