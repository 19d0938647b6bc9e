#!/usr/bin/env bash
# The seed's remaining memory categories. The node: physical RAM (the
# online memory blocks, else /proc/iomem) and the reserved rest, PSI, and a
# breakdown that adds up (app + kernel + unaccounted + free = MemTotal,
# MemTotal + reserved = physical RAM), on this machine and on fixtures.
# Per pod and container: hugetlb from the hugetlb controller (v1's own
# hierarchy found in mountinfo, v2's files), by page size and summed, with
# the limit; counted once where memory.current counts it too
# (memory_hugetlb_accounting); v2's workingset_activate/restore. Every front
# end carries them through the catalogue: the table, Influx, Prometheus.
. "$(dirname "$0")/lib.sh"
P=$B/podmem
[ -x "$P" ] || fail "$P is not built (make build-all)"
command -v jq >/dev/null || skip "jq is not installed"
MiB=1048576

# node_adds_up WHAT JSON: the two identities of the node breakdown
node_adds_up() {
	local n
	n=$(jq -c '.node' "$2")
	assert_eq "$1: app + kernel + unaccounted + free = total ($n)" "$(jq '.node.total' "$2")" \
		"$(jq '.node | .app + .kernel + .unaccounted + .free' "$2")"
	assert_eq "$1: total + reserved = physical" "$(jq '.node.physical' "$2")" "$(jq '.node | .total + .reserved' "$2")"
}

# psi_total FILE some|full: the total= of that line
psi_total() { sed -n "s/^$2 .* total=\([0-9]*\)$/\1/p" "$1"; }

# ---- the live node -----------------------------------------------------------
mem=/sys/devices/system/memory
psi_before_some=$(psi_total /proc/pressure/memory some 2>/dev/null || true)
psi_before_full=$(psi_total /proc/pressure/memory full 2>/dev/null || true)
memtotal() { echo $(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 1024)); }
total_before=$(memtotal)
"$P" --json -v > "$T/live.json" 2> "$T/live.err" || fail "podmem --json exited $?: $(cat "$T/live.err")"
total_after=$(memtotal)
[ "$total_before" = "$total_after" ] || skip "MemTotal changed while sampling (memory hotplug?)"
if [ -r "$mem/block_size_bytes" ]; then
	blocks=$(grep -lx online "$mem"/memory*/state | wc -l)
	block=$((16#$(cat "$mem/block_size_bytes")))
	physical=$((blocks * block))
	assert_eq "live: physical = $blocks online blocks of $((block / MiB)) MiB" "$physical" "$(jq '.node.physical' "$T/live.json")"
	assert_contains "live: the source, at debug level" "$(cat "$T/live.err")" \
		"physical RAM $physical bytes: $blocks online memory blocks of $block bytes in /sys/devices/system/memory"
	assert_eq "live: reserved = physical - MemTotal" $((physical - total_before)) "$(jq '.node.reserved' "$T/live.json")"
	note "this machine: $blocks blocks of $((block / MiB)) MiB, MemTotal $((total_before / 1024)) kB," \
		"reserved $(((physical - total_before) / MiB)) MiB ($((physical - total_before)) bytes)"
else
	note "no $mem: physical RAM from /proc/iomem, if readable"
fi
node_adds_up live "$T/live.json"
if [ -n "$psi_before_some" ]; then
	for k in some full; do
		got=$(jq ".node.pressure_$k" "$T/live.json")
		before=psi_before_$k
		after=$(psi_total /proc/pressure/memory "$k")
		[ "$got" -ge "${!before}" ] && [ "$got" -le "$after" ] ||
			fail "live: pressure_$k $got is not between /proc/pressure/memory's ${!before} and $after"
	done
else
	assert_eq "live: no PSI, no node pressure" "null null" "$(jq -r '.node | "\(.pressure_some) \(.pressure_full)"' "$T/live.json")"
fi
# the table's node line ends with the reserved memory
line=$("$P" | sed -n 1p) # sed reads it all: no SIGPIPE, which pipefail would count, on a node of thousands of cgroups
want=$("$P" --json | jq -r '.node.reserved')
case $line in *"  free "*"  reserved "?*) ;; *) fail "live: the node line has no reserved: $line" ;; esac
[ "$want" != null ] || fail "live: no reserved in the JSON"
# hugetlb per pod: only with a hugetlb hierarchy (v1) or the v2 controller
if ! grep -q ' - cgroup cgroup [^ ]*hugetlb' /proc/self/mountinfo && [ "$(jq '.cgroup_version' "$T/live.json")" = 1 ]; then
	assert_contains "live: no hugetlb hierarchy, said at debug level" "$(cat "$T/live.err")" "no hugetlb cgroup hierarchy"
	assert_eq "live: no pod or container has hugetlb" 0 \
		"$(jq '[.pods[] | ., .containers[] | select(has("hugetlb") or has("hugetlb_2MB"))] | length' "$T/live.json")"
fi

# every program's --help shows --sys-root
for prog in podmem podmem-execd podmem-agentx; do
	[ -x "$B/$prog" ] || continue
	assert_contains "$prog --help" "$("$B/$prog" --help 2>&1)" "--sys-root DIR"
done

# ---- fixtures: v1 (the hugetlb hierarchy) and v2 ------------------------------
for v in 1 2; do
	fixture "$T/v$v" --version "$v" >/dev/null
	F=("${FIX_OPTS[@]}" --sys-root "$T/v$v/sys")
	"$P" --json "${F[@]}" > "$T/v$v.json" || fail "v$v: podmem exited $?"
	assert_eq "v$v: physical (24 blocks of 1 GiB online, 2 offline)" $((24 << 30)) "$(jq '.node.physical' "$T/v$v.json")"
	assert_eq "v$v: reserved" $(((24 << 30) - 24568836 * 1024)) "$(jq '.node.reserved' "$T/v$v.json")"
	assert_eq "v$v: node PSI" "12345678 2345678" "$(jq -r '.node | "\(.pressure_some) \(.pressure_full)"' "$T/v$v.json")"
	node_adds_up "v$v" "$T/v$v.json"
	# hugetlb is its sizes' sum, its limit theirs, wherever it is reported
	bad=$(jq -r '.pods[] | ., .containers[] | select(has("hugetlb"))
		| select(.hugetlb != .hugetlb_2MB + .hugetlb_1GB or (has("hugetlb_limit") and .hugetlb_limit != .hugetlb_2MB_limit + .hugetlb_1GB_limit)
		         or (has("hugetlb_limit") != has("hugetlb_2MB_limit")))
		| "\(.pod // .container): \(.)"' "$T/v$v.json")
	assert_eq "v$v: hugetlb = hugetlb_2MB + hugetlb_1GB, and the limits" "" "$bad"
	assert_eq "v$v: cgroups with hugetlb" "$(jq '[.pods[] | ., .containers[]] | length' "$T/v$v.json")" \
		"$(jq '[.pods[] | ., .containers[] | select(.hugetlb > 0 or .hugetlb == 0)] | length' "$T/v$v.json")"
	assert_eq "v$v: unlimited hugetlb (besteffort)" "null null" \
		"$(jq -r '.pods[] | select(.qos == "besteffort") | "\(.hugetlb_limit) \(.hugetlb_2MB_limit)"' "$T/v$v.json")"
	# the table's node line, in the table's units
	assert_contains "v$v: table node line" "$("$P" "${F[@]}" | head -1)" "  reserved 583Mi"
	# Influx and Prometheus carry them from the catalogue, with the JSON's values
	"$B/podmem-execd" --once "${F[@]}" > "$T/v$v.influx" || fail "v$v: podmem-execd exited $?"
	"$B/podmem-execd" --once --format prometheus "${F[@]}" > "$T/v$v.prom" || fail "v$v: podmem-execd (prometheus) exited $?"
	web=$(jq -r '.pods[] | select(.pod == "web-0")' "$T/v$v.json")
	h2=$(jq '.hugetlb_2MB' <<<"$web")
	assert_contains "v$v: Influx pod field" "$(grep '^podmem_pod,.*pod=web-0' "$T/v$v.influx")" ",hugetlb_2MB=${h2}i"
	assert_contains "v$v: Influx node field" "$(grep '^podmem_node' "$T/v$v.influx")" \
		",reserved=$(jq '.node.reserved' "$T/v$v.json")i"
	assert_contains "v$v: Prometheus pod series" "$(grep '^podmem_pod_hugetlb_2MB_bytes{.*pod="web-0"' "$T/v$v.prom")" "} $h2"
	assert_eq "v$v: Prometheus node PSI" "podmem_node_pressure_some_seconds_total 12.345678" \
		"$(grep '^podmem_node_pressure_some_seconds_total' "$T/v$v.prom")"
	if [ "$v" = 2 ]; then
		assert_eq "v2: workingset_activate/restore of web-0's app (container 4)" "8 20 4 16" \
			"$(jq -r '.pods[] | select(.pod == "web-0") | .containers[] | select(.container == "app")
				| "\(.workingset_activate_anon) \(.workingset_activate_file) \(.workingset_restore_anon) \(.workingset_restore_file)"' "$T/v2.json")"
	fi
done

# what nothing hugetlb changes: the rest of every cgroup, field by field
strip_hugetlb() {
	jq -S '.pods |= map(with_entries(select(.key | startswith("hugetlb") | not))
		| .containers |= map(with_entries(select(.key | startswith("hugetlb") | not)))) | del(.time_ns)' "$1"
}

# v1 with no hugetlb hierarchy mounted: no hugetlb, everything else as it was
sed -i '/ - cgroup cgroup rw,hugetlb$/d' "$T/v1/proc/self/mountinfo"
fix_opts "$T/v1"
"$P" --json "${FIX_OPTS[@]}" --sys-root "$T/v1/sys" > "$T/v1-nohier.json" || fail "v1 without the hugetlb hierarchy: podmem exited $?"
assert_eq "v1 without the hugetlb hierarchy: cgroups with hugetlb" 0 \
	"$(jq '[.pods[] | ., .containers[] | with_entries(select(.key | startswith("hugetlb")))] | map(select(length > 0)) | length' "$T/v1-nohier.json")"
diff <(strip_hugetlb "$T/v1.json") <(strip_hugetlb "$T/v1-nohier.json") > "$T/diff" ||
	fail "v1 without the hugetlb hierarchy: other fields changed: $(head -20 "$T/diff")"

# v2 with memory_hugetlb_accounting: memory.current counts the huge pages,
# memory.stat says how many; hugetlb is the controller's and unaccounted is
# what it was without the option: counted once
fixture "$T/acct" --version 2 --hugetlb-accounting >/dev/null
"$P" --json "${FIX_OPTS[@]}" --sys-root "$T/acct/sys" > "$T/acct.json" || fail "accounting: podmem exited $?"
grep -q ' memory_hugetlb_accounting$\|,memory_hugetlb_accounting' "$T/acct/proc/self/mountinfo" || fail "the fixture has no memory_hugetlb_accounting mount"
# pair JSON: "<pod:UID or ctr:ID> usage hugetlb unaccounted" for every cgroup
pair() { jq -r '.pods[] | ("pod:" + .pod_uid, .usage, .hugetlb, .unaccounted),
	(.containers[] | ("ctr:" + .container_id, .usage, .hugetlb, .unaccounted)) | tostring' "$1" | paste -d' ' - - - -; }
bad=$(paste -d' ' <(pair "$T/v2.json") <(pair "$T/acct.json") |
	awk '$1 != $5 || $6 != $2 + $3 || $7 != $3 || $8 != $4 { print }' | head -5)
assert_eq "accounting: usage grows by hugetlb, hugetlb and unaccounted stay (plain, accounted)" "" "$bad"
n=$(pair "$T/acct.json" | wc -l)
[ "$n" -ge 10 ] || fail "accounting: only $n cgroups compared"
# ... and without the hugetlb controller's files: memory.stat's hugetlb, nothing by size
find "$T/acct/cgroup" -name 'hugetlb.*' -delete
"$P" --json "${FIX_OPTS[@]}" --sys-root "$T/acct/sys" > "$T/acct-memcg.json" || fail "accounting, no controller: podmem exited $?"
assert_eq "accounting, no controller: hugetlb and unaccounted as with it" "$(pair "$T/acct.json")" "$(pair "$T/acct-memcg.json")"
assert_eq "accounting, no controller: nothing by size" 0 \
	"$(jq '[.pods[] | ., .containers[] | select(has("hugetlb_2MB") or has("hugetlb_limit"))] | length' "$T/acct-memcg.json")"

# no memory block directory: /proc/iomem's System RAM (the first block's holes below 1 MiB left out)
rm -rf "$T/v2/sys/devices/system/memory"
fix_opts "$T/v2"
"$P" --json -v "${FIX_OPTS[@]}" --sys-root "$T/v2/sys" > "$T/iomem.json" 2> "$T/iomem.err" ||
	fail "iomem: podmem exited $?: $(cat "$T/iomem.err")"
assert_eq "iomem: physical" 25769405440 "$(jq '.node.physical' "$T/iomem.json")"
assert_contains "iomem: the source, at debug level" "$(cat "$T/iomem.err")" "the System RAM ranges of $T/v2/proc/iomem"
node_adds_up iomem "$T/iomem.json"
note "fixtures v1 and v2: physical, reserved, PSI, hugetlb by size and summed, accounting counted once, iomem"
