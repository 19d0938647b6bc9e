#!/usr/bin/env bash
# A cgroup is never identified by a cut string: with the kubepods tree under
# two 250-byte directories, every pod's path below the root is longer than
# the 511 bytes the snapshot keeps for people, and all of them cut to the
# same text. Rescans (every 10 samples, and when a watched directory changes)
# must still match each pod to its own kept fds: podmem-execd's batches
# 11 and later report every pod's own usage under its own UID.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"

fixture "$T/f" --version 1 >/dev/null
a=$(printf 'a%.0s' $(seq 1 250)) b=$(printf 'b%.0s' $(seq 1 250))
mkdir -p "$T/f/cgroup/$a/$b"
mv "$T/f/cgroup/kubepods" "$T/f/cgroup/$a/$b/kubepods"
podmem_json "${FIX_OPTS[@]}" >"$T/ref.json"
[ "$(jq '[.pods[] | select(.pod_uid != "")] | length' "$T/ref.json")" = 3 ] || fail "the fixture's 3 pods are not found under the long path"
# the usage each pod should have, by UID
jq -r '.pods[] | select(.pod_uid != "") | "\(.pod_uid) \(.usage)"' "$T/ref.json" | sort >"$T/want"
[ "$(cut -d' ' -f2 "$T/want" | sort -u | wc -l)" = 3 ] || fail "the fixture's pods do not differ in usage"

# 25 batches: rescans at 10 and 20, and one forced by a new pod directory at 15
for i in $(seq 1 25); do
	echo
	if [ "$i" = 15 ]; then mkdir "$T/f/cgroup/$a/$b/kubepods/besteffort/pod0a1b2c3d-0000-4000-8000-0000000000f1"; fi
	sleep 0.05
done | "$B/podmem-execd" "${FIX_OPTS[@]}" >"$T/out.lp" 2>"$T/err" || fail "podmem-execd exited $?: $(cat "$T/err")"
n=0
while read -r ts; do
	n=$((n + 1))
	grep "^podmem_pod,.* $ts\$" "$T/out.lp" | grep -v 'pod_uid=0a1b2c3d' |
		sed -E 's/.*pod_uid=([^, ]*).* usage=([0-9]+)i.*/\1 \2/' | sort >"$T/got"
	diff -u "$T/want" "$T/got" >"$T/diff" || fail "batch $n: pods report other pods' usage: $(cat "$T/diff")"
done < <(awk '{print $NF}' "$T/out.lp" | uniq)
[ "$n" = 25 ] || fail "$n batches, not 25"
note "25 batches, 3 rescans, each of 3 pods under a $((${#a} + ${#b} + 2))-byte prefix kept its own usage"
