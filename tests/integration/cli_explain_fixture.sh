#!/usr/bin/env bash
# podmem explain on fixture nodes (tests/fixtures/mktree.sh): the causes
# only cgroup v2 shows (the kernel breakdown with reclaimable slab, PSI,
# dying cgroups), the fix from memory.min, --request and the factors, with
# exact numbers; naming a pod (namespace/pod, name, UID; unknown and
# ambiguous ones), bad options, control characters in names, 80 columns.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/podmem" ] || fail "$B/podmem is not built (make build-all FRONTENDS=cli)"
MiB=1048576
WEB=2a3b4c5d-6e7f-4081-9293-0000000000b2 JOB=3c4d5e6f-7081-4293-a4b5-0000000000c3
DNS=1f2e3d4c-5b6a-4789-8abc-0000000000a1
cid() { printf '%s' "$1" | sha256sum | cut -c1-64; }

# x NAME POD ARGS...: podmem explain --json POD into $T/NAME.json, exit 0 and stderr empty
x() {
	local name=$1 pod=$2; shift 2
	"$B/podmem" explain --json "${FIX_OPTS[@]}" "$@" "$pod" > "$T/$name.json" 2> "$T/$name.err" ||
		fail "$name: podmem explain --json $pod exited $?: $(cat "$T/$name.err")"
	[ ! -s "$T/$name.err" ] || fail "$name: podmem explain wrote to stderr: $(cat "$T/$name.err")"
	jq -e . "$T/$name.json" > /dev/null || fail "$name: not JSON: $(head -c 500 "$T/$name.json")"
}
# text NAME POD ARGS...: the text into $T/NAME.txt, in 80 columns, no control characters
text() {
	local name=$1 pod=$2 bad; shift 2
	"$B/podmem" explain "${FIX_OPTS[@]}" "$@" "$pod" > "$T/$name.txt" 2> "$T/$name.err" ||
		fail "$name: podmem explain $pod exited $?: $(cat "$T/$name.err")"
	bad=$(perl -CSD -ne 'chomp; print "line $.: ", length($_), " columns\n" if length($_) > 80;
		print "line $.: a control character\n" if /[\x00-\x1f\x7f]/' "$T/$name.txt")
	[ -z "$bad" ] || fail "$(printf '%s: the text:\n%s\n%s' "$name" "$bad" "$(cat "$T/$name.txt")")"
}
# finding NAME CODE: that finding of $T/NAME.json, or null
finding() { jq -c --arg c "$2" '[.findings[] | select(.code == $c)][0]' "$T/$1.json"; }
# stat_of FILE KEY: a key's value in a kv file
stat_of() { awk -v k="$2" '$1 == k {print $2}' "$1"; }
# bump FILE KEY BYTES: adds BYTES to KEY in FILE (memory.stat, cgroup.stat)
bump() { awk -v k="$2" -v d="$3" '$1 == k {$2 += d} {print}' "$1" > "$1.new" && mv "$1.new" "$1"; }

# ---- v2: every pod, by its UID, names itself; dying cgroups on every pod; PSI under its threshold
fixture "$T/v2" --version 2
POD=$T/v2/cgroup/kubepods/burstable/pod$WEB
for uid in $WEB $JOB $DNS; do
	x "pod-$uid" "$uid"
	assert_eq "pod $uid" "$uid" "$(jq -r .pod.pod_uid "$T/pod-$uid.json")"
	assert_eq "pod $uid: dying-cgroups" '{"code":"dying-cgroups","kind":"signal","count":1}' \
		"$(finding "pod-$uid" dying-cgroups | jq -c '{code, kind, count}')"
	assert_eq "pod $uid: memory-pressure (13 ms of stall, under 1 s)" null "$(finding "pod-$uid" memory-pressure)"
	text "pod-$uid" "$uid"
done
assert_contains "web-0: the text" "$(cat "$T/pod-$WEB.txt")" "default/web-0: burstable pod, 2 containers and the sandbox; cgroup v2."
# the bar: 76 cells of the block characters, and the legend's seven parts
bar=$(sed -n 5p "$T/pod-$WEB.txt")
assert_eq "web-0: the bar's cells" 76 "$(printf '%s' "${bar#  }" | perl -CSD -ne 'print scalar(() = /[\x{2581}-\x{259f}]/g)')"
for part in "anon, active" "anon, inactive" "shmem, tmpfs" "file, active" "file, inactive" kernel unaccounted; do
	assert_contains "web-0: the legend" "$(cat "$T/pod-$WEB.txt")" "$part"
done
# the breakdown adds up to about usage (the fixture's unaccounted included)
jq -e '(.breakdown | add) as $s | ($s - .usage | fabs) <= .usage / 20' "$T/pod-$WEB.json" > /dev/null ||
	fail "web-0: the breakdown $(jq -c .breakdown "$T/pod-$WEB.json") does not add up to usage $(jq .usage "$T/pod-$WEB.json")"

# ---- v2 kernel breakdown: 300Mi of unreclaimable slab, 100Mi reclaimable, 20Mi of
# sockets, in the app container and so in the pod
APP=$POD/$(cid "$WEB/app")
for d in "$APP" "$POD"; do
	for k in slab_unreclaimable slab kernel; do bump "$d/memory.stat" $k $((300 * MiB)); done
	for k in slab_reclaimable slab kernel; do bump "$d/memory.stat" $k $((100 * MiB)); done
	bump "$d/memory.stat" sock $((20 * MiB))
	echo $(($(cat "$d/memory.current") + 420 * MiB)) > "$d/memory.current"
done
x kernel web-0
kern=$(($(stat_of "$POD/memory.stat" kernel) + $(stat_of "$POD/memory.stat" sock) - $(stat_of "$POD/memory.stat" slab_reclaimable)))
assert_eq "kernel: the first finding" "kernel-memory $kern" "$(jq -r '.findings[0] | "\(.code) \(.bytes)"' "$T/kernel.json")"
assert_eq "kernel: its slab_unreclaimable evidence" "$(stat_of "$POD/memory.stat" slab_unreclaimable)" \
	"$(finding kernel kernel-memory | jq '.evidence[] | select(.what == "slab_unreclaimable") | .bytes')"
assert_eq "kernel: its sock evidence" "$(stat_of "$POD/memory.stat" sock)" \
	"$(finding kernel kernel-memory | jq '.evidence[] | select(.what == "sock") | .bytes')"
assert_eq "kernel: reclaimable-slab" "$(stat_of "$POD/memory.stat" slab_reclaimable)" "$(finding kernel reclaimable-slab | jq .bytes)"
assert_eq "kernel: the share of the working set" \
	"$(jq -r '(.working_set_kubelet) as $w | .findings[0] | (.bytes / $w * 10000 | round)' "$T/kernel.json")" \
	"$(jq -r '.findings[0].share * 10000 | round' "$T/kernel.json")"

# ---- v2 PSI: 5 s of some, 2 s of full
printf 'some avg10=1.00 avg60=0.50 avg300=0.10 total=5000000\nfull avg10=0.50 avg60=0.20 avg300=0.05 total=2000000\n' > "$POD/memory.pressure"
x psi web-0
assert_eq "psi: memory-pressure" '{"kind":"signal","usec":5000000,"full":2000000}' \
	"$(finding psi memory-pressure | jq -c '{kind, usec, full: (.evidence[] | select(.what == "pressure_full") | .usec)}')"
text psi web-0
assert_contains "psi: the text" "$(cat "$T/psi.txt")" "memory-pressure    5.0s stalled"

# ---- v2 dying cgroups: none below the pod, no finding
sed -i 's/^nr_dying_descendants .*/nr_dying_descendants 0/' "$POD/cgroup.stat"
x nodying web-0
assert_eq "no dying cgroups: dying-cgroups" null "$(finding nodying dying-cgroups)"

# ---- the fix: the request from memory.min (Memory QoS on), the formula, page rounding
echo $((128 * MiB)) > "$APP/memory.min"
x fix web-0
fixq() { jq -c --arg c "$2" ".fix.cgroups[] | select(.container == \$c) | $3" "$T/$1.json"; }
LIM=$((256 * MiB)) REQ=$((128 * MiB))
assert_eq "fix: app's request" "[$REQ,\"memory.min\",$((128 * MiB)),0,$LIM]" "$(fixq fix app '[.request, .request_from, .min, .low, .max]')"
assert_eq "fix: app's Memory QoS memory.high" $(((REQ + (LIM - REQ) * 9 / 10) / 4096 * 4096)) "$(fixq fix app .memory_qos.high)"
assert_eq "fix: app's koordinator memory.high" $(((REQ + (LIM - REQ) * 8 / 10) / 4096 * 4096)) "$(fixq fix app .koordinator.high)"
assert_eq "fix: the sidecar's request (memory.min 0: unknown)" '[null,null]' "$(fixq fix sidecar '[.request, .memory_qos]')"
assert_eq "fix: two rows, no sandbox" '["sidecar","app"]' "$(jq -c '[.fix.cgroups[].container] | sort | reverse' "$T/fix.json")"
x factor web-0 --throttling-factor 0.5 --koord-throttling-percent 50
assert_eq "fix: --throttling-factor 0.5" $((192 * MiB)) "$(fixq factor app .memory_qos.high)"
assert_eq "fix: --koord-throttling-percent 50" $((192 * MiB)) "$(fixq factor app .koordinator.high)"
assert_eq "fix: the factors in the output" '[0.5,50]' "$(jq -c '[.fix.throttling_factor, .fix.koord_throttling_percent]' "$T/factor.json")"
# an unnamed --request: two containers have limits, so it names neither
x unnamed web-0 --request 64Mi
assert_eq "fix: an unnamed --request with two rows" '["memory.min",null]' \
	"$(jq -c '[(.fix.cgroups[] | select(.container == "app") | .request_from), (.fix.cgroups[] | select(.container == "sidecar") | .request_from)]' "$T/unnamed.json")"
text unnamed web-0 --request 64Mi
assert_contains "fix: the text asks for a named request" "$(tr '\n' ' ' < "$T/unnamed.txt" | tr -s ' ')" "give --request sidecar=BYTES"
# a named --request beats memory.min; under a limit of 34Mi, usage goes over memory.high
echo $((34 * MiB)) > "$APP/memory.max"
x named web-0 --request app=8Mi --request sidecar=1.5Gi
problems=$(jq -r '.fix.cgroups[] | select(.container == "app") as $c
	| (((8 * 1048576 + (34 * 1048576 - 8 * 1048576) * 0.9) / 4096) | floor * 4096) as $high
	| ([$c.usage - $high, 0] | max) as $over | ([$over, $c.inactive_file + $c.active_file] | min) as $rec
	| ([$rec - $c.inactive_file, 0] | max) as $act
	| (if [$c.request, $c.request_from] != [8388608, "option"] then "request \([$c.request, $c.request_from])" else empty end),
	  (if $c.memory_qos != {high: $high, over: $over, reclaim: $rec, reclaim_inactive: ($rec - $act), reclaim_active: $act,
	                        unreclaimable: ($over - $rec), working_set_kubelet_after: ($c.working_set_kubelet - $act)}
	   then "memory_qos \($c.memory_qos), expected high \($high) over \($over) reclaim \($rec) active \($act)" else empty end),
	  (if $over <= 0 then "the test meant usage \($c.usage) to be over \($high)" else empty end)' "$T/named.json")
[ -z "$problems" ] || fail "$(printf 'fix: --request app=8Mi:\n%s' "$problems")"
assert_eq "fix: --request sidecar=1.5Gi (above the limit: no memory.high)" "[1610612736,\"option\",null]" \
	"$(fixq named sidecar '[.request, .request_from, .memory_qos]')"
text named web-0 --request app=8Mi --request sidecar=1.5Gi
# the sentence, in the table's binary units
words=$(jq -r '.fix.cgroups[] | select(.container == "app") | .memory_qos | "\(.reclaim) \(.reclaim_active) \(.working_set_kubelet_after)"' "$T/named.json" |
	awk 'function human(x,   u, units) {
		split("B Ki Mi Gi Ti Pi Ei", units, " ")
		for (u = 1; x >= 1024 && u < 7; u++) x /= 1024
		if (u == 1) return sprintf("%.0f%s", x, units[u])
		return sprintf(x < 9.995 ? "%.2f%s" : x < 99.95 ? "%.1f%s" : "%.0f%s", x, units[u]) }
	{ printf "reclaim %s of page cache first (%s inactive, %s active), and kubelet'"'"'s working set ", human($1), human($1 - $2), human($2)
	  if ($2 > 0) printf "would fall by %s, to %s.", human($2), human($3)
	  else printf "would stay %s: inactive cache is outside it.", human($3) }')
assert_contains "fix: the text" "$(tr '\n' ' ' < "$T/named.txt" | tr -s ' ')" "$words"
# Guaranteed: request = limit, no memory.high; no limit at all: no rows
x dns "$DNS"
assert_eq "fix: Guaranteed" "[\"guaranteed\",$((170 * MiB)),null]" "$(fixq dns coredns '[.request_from, .request, .memory_qos]')"
x job "$JOB"
assert_eq "fix: no limit" '[]' "$(jq -c .fix.cgroups "$T/job.json")"
text job "$JOB"
assert_contains "fix: no limit, in words" "$(cat "$T/job.txt")" "No limit on the pod or its containers"

# ---- v1: no source for slab, PSI or dying cgroups: none of those findings; the fix says v1
fixture "$T/v1" --version 1
V1POD=$T/v1/cgroup/kubepods/burstable/pod$WEB
x v1 web-0 --request app=64Mi
assert_eq "v1: the v2-only findings" '[]' \
	"$(jq -c '[.findings[].code | select(. == "reclaimable-slab" or . == "memory-pressure" or . == "dying-cgroups" or . == "throttled")]' "$T/v1.json")"
kern=$(cat "$V1POD/memory.kmem.usage_in_bytes")
[ "$(finding v1 kernel-memory)" = null ] || assert_eq "v1: kernel-memory is kmem" "$kern" "$(finding v1 kernel-memory | jq .bytes)"
text v1 web-0 --request app=64Mi
assert_contains "v1: the fix" "$(tr '\n' ' ' < "$T/v1.txt" | tr -s ' ')" "Memory QoS needs cgroup v2"

# ---- naming a pod: namespace/pod, a unique name, a UID; unknown; ambiguous (web-0 in two namespaces)
fix_opts "$T/v2"
mv "$T/v2/log/pods/batch_job-7f9c_$JOB" "$T/v2/log/pods/other_web-0_$JOB"
x byns default/web-0
assert_eq "default/web-0" "$WEB" "$(jq -r .pod.pod_uid "$T/byns.json")"
x byns2 other/web-0
assert_eq "other/web-0" "$JOB" "$(jq -r .pod.pod_uid "$T/byns2.json")"
# usage_error NAME EXPECTED_TEXT ARGS...: exit 2, one line on stderr containing EXPECTED_TEXT, nothing on stdout
usage_error() {
	local name=$1 want=$2 rc=0; shift 2
	"$B/podmem" explain "${FIX_OPTS[@]}" "$@" > "$T/$name.out" 2> "$T/$name.err" || rc=$?
	assert_eq "$name: exit status" 2 "$rc"
	assert_eq "$name: stderr lines" 1 "$(wc -l < "$T/$name.err")"
	assert_contains "$name: the message" "$(cat "$T/$name.err")" "$want"
	assert_eq "$name: stdout" "" "$(cat "$T/$name.out")"
}
usage_error ambiguous "pod name 'web-0' is in several namespaces" web-0
assert_contains "ambiguous: both named" "$(cat "$T/ambiguous.err")" "default"
assert_contains "ambiguous: both named" "$(cat "$T/ambiguous.err")" "other"
usage_error unknown "no pod 'nosuch'" nosuch
usage_error unknown-ns "no pod 'batch/job-7f9c'" batch/job-7f9c
usage_error nopod "which pod?"
usage_error twopods "one pod at a time" web-0 other/web-0
usage_error badbytes "--request: 'lots' is not a number of bytes" --request lots default/web-0
usage_error badbytes2 "is not a number of bytes" --request app=1.5Xi default/web-0
usage_error noname "names no container" --request =1Gi default/web-0
usage_error twice "given twice for app" --request app=1Gi --request app=2Gi default/web-0
usage_error nosuchctr "--request: default/web-0 has no container 'nosuch' (it has: " --request nosuch=1Gi default/web-0
usage_error factor0 "--throttling-factor: '0'" --throttling-factor 0 default/web-0
usage_error factor2 "--throttling-factor: '1.5'" --throttling-factor 1.5 default/web-0
usage_error koord "--koord-throttling-percent: '101'" --koord-throttling-percent 101 default/web-0
usage_error unknownopt "unknown option '--bogus'" --bogus default/web-0
usage_error novalue "option '--request' needs a value" default/web-0 --request
# a control character in the name asked for is not echoed raw
usage_error ctlname "no pod 'a?[31mb'" $'a\e[31mb'

# ---- log names with control characters are not Kubernetes names: not trusted
# (the pod by its UID, the container by its ID), each said once
mv "$T/v2/log/pods/default_web-0_$WEB" "$T/v2/log/pods/default_web"$'\e[31m'"-0"$'\n'"x_$WEB"
link=$(ls "$T/v2/log/containers/" | grep "_app-$(cid "$WEB/app").log")
mv "$T/v2/log/containers/$link" "$T/v2/log/containers/web-0_default_ap"$'\e'"p-$(cid "$WEB/app").log"
"$B/podmem" explain --json "${FIX_OPTS[@]}" "$WEB" > "$T/ctl.json" 2> "$T/ctl.err" || fail "ctl: podmem explain exited $?: $(cat "$T/ctl.err")"
assert_eq "untrusted names: the pod" "|$WEB" "$(jq -r '"\(.pod.namespace)|\(.pod.pod)"' "$T/ctl.json")"
assert_eq "untrusted names: said once each" 2 "$(assert_untrusted_said "$T/v2" "$T/ctl.err")"
assert_eq "untrusted names: lines on stderr" 2 "$(wc -l < "$T/ctl.err")"
"$B/podmem" explain "${FIX_OPTS[@]}" "$WEB" > "$T/ctl.txt" 2> "$T/ctl.err" || fail "ctl: podmem explain exited $?: $(cat "$T/ctl.err")"
assert_contains "untrusted names: the text" "$(cat "$T/ctl.txt")" "$WEB: burstable pod"
perl -ne 'exit 1 if /[\x00-\x09\x0b-\x1f\x7f]/' "$T/ctl.txt" "$T/ctl.err" || fail "untrusted names: a control character reaches the terminal"

# ---- --rules: every code, once
"$B/podmem" explain --rules > "$T/rules.md" || fail "podmem explain --rules exited $?"
codes=$(jq -r '.findings[].code' "$T"/*.json | sort -u)
for c in idle-anon kernel-memory reclaimable-slab memory-pressure dying-cgroups oom-kills limit-hits near-limit \
	shmem-tmpfs hot-file-cache dirty-writeback pod-level-charge unaccounted deleted-open throttled $codes; do
	assert_eq "--rules: the row of $c" 1 "$(grep -c "^| \`$c\` |" "$T/rules.md")"
done
assert_eq "--rules: rows" 17 "$(wc -l < "$T/rules.md")"

# ---- a host without Kubernetes: a group by its name
fixture "$T/nokube" --version 2 --no-kube
x group system.slice
assert_eq "a group" '["group","system.slice"]' "$(jq -c '[.pod.kind, .pod.pod]' "$T/group.json")"
text group system.slice
assert_contains "a group, in words" "$(cat "$T/group.txt")" "system.slice: a cgroup (no Kubernetes here)"
# control characters in a group's name reach no terminal; JSON keeps them, escaped
mv "$T/nokube/cgroup/user.slice" "$T/nokube/cgroup/web"$'\e[31m'"-0"$'\n'"x"
x ctl "web"$'\e[31m'"-0"$'\n'"x"
assert_eq "control characters: the JSON name" "web"$'\e[31m'"-0"$'\n'"x" "$(jq -r .pod.pod "$T/ctl.json")"
text ctl "web"$'\e[31m'"-0"$'\n'"x"
assert_contains "control characters: the text" "$(cat "$T/ctl.txt")" "web?[31m-0?x: a cgroup (no Kubernetes here)"
note "explained $(ls "$T"/*.json | wc -l) fixture pods; every text in 80 columns"
