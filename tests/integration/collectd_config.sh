#!/usr/bin/env bash
# collectd -T (not -t, broken in 5.12) on podmem configurations: a block with
# every option set well passes; each bad value is refused, collectd exits
# non-zero and its log names the option. Then the shipped drop-in, included
# as it is (and shown in the README), and a bare LoadPlugin with no block,
# both on this machine's own cgroups: podmem values reach the csv writer
# from the first read.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/integration/lib_collectd.sh"

fixture "$T/fx" --version 2
mkdir -p "$T/empty"
: >"$T/file"
GOOD="  CgroupRoot \"$T/fx/cgroup\"
  ProcRoot \"$T/fx/proc\"
  PodLogDir \"$T/fx/log/pods\"
  ContainerLogDir \"$T/fx/log/containers\"
  SysRoot \"$T/fx/sys\"
  ReportNode true
  ReportPods yes
  ReportContainers \"true\"
  ReportSandbox false
  Namespace \"default\" \"/^kube-/\"
  Namespace \"batch\"
  IgnoreNamespace \"/^kube-public$/\"
  Metrics \"usage\" \"/^working_set/\"
  Metrics \"/^pressure_/\"
  RescanInterval 30
  MaxOpenFiles 500"

# tcheck CONF: collectd -T's exit status, with a fresh CONF.log
tcheck() {
	rm -rf "$T/cd" "$CSV" "$1.log"
	local rc=0
	collectd -T -C "$1" >"$1.out" 2>&1 || rc=$?
	echo "$rc"
}

conf=$T/good.conf
cd_conf "$conf" 1 "$GOOD"
assert_eq "collectd -T on a good block (log: $(cat "$conf.log" "$conf.out" 2>/dev/null | tail -5))" 0 "$(tcheck "$conf")"
assert_eq "errors logged for a good block" "" "$(log_errors "$conf")"

# each line: the option the log must name, then the bad line
while IFS='|' read -r opt line; do
	conf=$T/bad.conf
	cd_conf "$conf" 1 "$GOOD
  $line"
	rc=$(tcheck "$conf")
	[ "$rc" != 0 ] || fail "collectd -T took '$line'"
	grep -q "\[error\] podmem plugin: $opt[ :]" "$conf.log" ||
		fail "'$line': no error naming $opt; log: $(grep -i podmem "$conf.log" | tail -3)"
done <<EOF
CgroupRoot|CgroupRoot "/nonexistent/podmem"
CgroupRoot|CgroupRoot "fx/cgroup"
CgroupRoot|CgroupRoot "$T/fx/cgroup" "$T/fx/cgroup"
ProcRoot|ProcRoot "$T/file"
ProcRoot|ProcRoot 1
PodLogDir|PodLogDir "log/pods"
ContainerLogDir|ContainerLogDir "/nonexistent/podmem"
SysRoot|SysRoot "/nonexistent/podmem"
SysRoot|SysRoot "fx/sys"
SysRoot|SysRoot "$T/file"
ReportNode|ReportNode "maybe"
ReportPods|ReportPods 1
ReportContainers|ReportContainers true false
ReportSandbox|ReportSandbox "/x/"
Namespace|Namespace "/[a-/"
Namespace|Namespace 7
IgnoreNamespace|IgnoreNamespace "ok" "/(/"
Namespace|Namespace "/^a++++++++++++++++++++++++++++++++++++++++/"
Metrics|Metrics "/^(((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+$/"
Metrics|Metrics "no_such_metric"
Metrics|Metrics "usage" "/^zzz/"
Metrics|Metrics true
RescanInterval|RescanInterval 0
RescanInterval|RescanInterval "ten"
MaxOpenFiles|MaxOpenFiles -1
MaxOpenFiles|MaxOpenFiles 1.5
MaxOpenFiles|MaxOpenFiles "500"
MaxOpenFiles|MaxOpenFiles 2000000000
MaxOpenFiles|MaxOpenFiles 10 20
Bogus|Bogus "x"
EOF

# a cgroup root that cannot be used is logged once, with its name: a
# directory with no memory cgroup files (the core refuses it), a missing one
# (the option is refused), and none given where none is found (this ProcRoot
# has no self/mountinfo); collectd then exits non-zero
rm "$T/fx/proc/self/mountinfo"
while IFS='|' read -r what names body; do
	conf=$T/root.conf
	cd_conf "$conf" 1 "$body"
	[ "$(tcheck "$conf")" != 0 ] || fail "collectd -T took $what"
	errs=$(grep '\[error\]' "$conf.log" || true)
	assert_eq "$what: error lines (log: $errs)" 1 "$(grep -c . <<<"$errs" || true)"
	grep -qF "podmem plugin: " <<<"$errs" && grep -qF "$names" <<<"$errs" ||
		fail "$what: the error does not name $names: $errs"
done <<EOF
a root with no memory cgroup files|$T/empty|  CgroupRoot "$T/empty"
a missing root|/nonexistent/podmem|  CgroupRoot "/nonexistent/podmem"
no root found|$T/fx/proc/self/mountinfo|  ProcRoot "$T/fx/proc"
EOF

# two blocks
conf=$T/two.conf
cd_conf "$conf" 1 "$GOOD" "<Plugin podmem>
$GOOD
</Plugin>"
[ "$(tcheck "$conf")" != 0 ] || fail "collectd -T took two <Plugin podmem> blocks"
grep -q "only one <Plugin podmem> block" "$conf.log" || fail "no error for a second block: $(tail -3 "$conf.log")"

# ---- the shipped drop-in and a bare LoadPlugin, on this machine ------------
DROPIN=$SRC/conf/collectd/podmem.conf
missing=$(grep -v '^[[:space:]]*#' "$DROPIN" | grep -v '^[[:space:]]*$' | while IFS= read -r l; do
	grep -qxF "$l" "$SRC/README.md" 2>/dev/null || echo "$l"; done)
[ -z "$missing" ] || fail "the README does not show the drop-in's lines: $missing"

if ! "$B/podmem" --json >/dev/null 2>&1; then
	note "no usable memory cgroup here ($("$B/podmem" --json 2>&1 | head -1)): defaults not run"
	exit 0
fi
node_csv() { ls "$CSV/$CD_HOST"/podmem-node/memory-usage-* >/dev/null 2>&1; }
for body in "Include \"$DROPIN\"" "LoadPlugin podmem"; do
	conf=$T/defaults.conf
	cd_base "$conf" 10 "$body"
	cd_start "$conf"
	# the first read runs at start: well inside the first 10 s interval
	cd_wait 8 node_csv || fail "$body: no podmem values in the csv output; log: $(tail -5 "$conf.log")"
	cd_stop
	assert_eq "$body: errors logged" "" "$(log_errors "$conf")"
done
