#!/usr/bin/env bash
# A FIFO, a character device and a symlink in place of cgroup files, for
# every front end: nothing hangs (a FIFO used to block openat forever), the
# pod and its containers are still reported, the odd file is skipped as if
# missing (its values absent, every other value exact), a symlink is not
# followed, and the skip is said once.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is not installed"
[ "$(id -u)" = 0 ] || skip "mknod of a character device needs root"

uid=2a3b4c5d-6e7f-4081-9293-0000000000b2 # default/web-0 in every mktree.sh tree
for v in 1 2; do
	d=$T/v$v
	fixture "$d" --version "$v" >/dev/null
	pod=$(find "$d/cgroup" -type d -name "*pod${uid}*" | head -1)
	ctrs=$(find "$pod" -mindepth 1 -maxdepth 1 -type d | sort)
	c1=$(printf '%s\n' "$ctrs" | sed -n 1p) c2=$(printf '%s\n' "$ctrs" | sed -n 2p) c3=$(printf '%s\n' "$ctrs" | sed -n 3p)
	podmem_json "${FIX_OPTS[@]}" >"$T/before$v.json"
	# the pod's memory.stat a FIFO; a container's cgroup.procs a FIFO (read by
	# the sandbox guess); another's memory.stat a device; a third's a symlink to a file outside
	rm "$pod/memory.stat" "$c1/cgroup.procs" "$c2/memory.stat"
	mkfifo "$pod/memory.stat" "$c1/cgroup.procs"
	mknod "$c2/memory.stat" c 1 3
	cp "$c3/memory.stat" "$T/outside$v.stat" && rm "$c3/memory.stat" && ln -s "$T/outside$v.stat" "$c3/memory.stat"
	echo "$pod" >"$T/pod$v"
	printf '%s\n' "$c1" "$c2" "$c3" >"$T/ctrs$v"
done

# JSON of the damaged tree: the same pods and containers as before, every value from a regular file as before,
# and none from the skipped files
check_json() { # check_json V JSON WHAT
	local v=$1 got=$2 what=$3 bad
	bad=$(jq -n -r --slurpfile a "$T/before$v.json" --slurpfile b "$got" --arg uid "$uid" '
		def ctrs($p): [$p.containers[] | .container_id] | sort;
		($a[0].pods | map({(.pod_uid + .pod): .}) | add) as $A | ($b[0].pods | map({(.pod_uid + .pod): .}) | add) as $B
		| if ($A | keys) != ($B | keys) then "pods differ: \($A | keys) vs \($B | keys)"
		  else ($A | keys[]) as $k | $A[$k] as $p | $B[$k] as $q
		  | if ctrs($p) != ctrs($q) then "containers of \($k) differ"
		    elif $p.pod_uid != $uid and $p != $q then "pod \($k) changed"
		    elif $p.pod_uid == $uid and ($q.usage != $p.usage or $q.active_anon != null) then "pod \($k): usage \($q.usage) (was \($p.usage)), active_anon \($q.active_anon) (a FIFO: none)"
		    else empty end end')
	[ -z "$bad" ] || fail "$what (cgroup v$v): $bad"
}

for v in 1 2; do
	fix_opts "$T/v$v"
	# podmem: finishes, exit 0, one warning
	timeout 20 "$B/podmem" --json "${FIX_OPTS[@]}" >"$T/cli$v.json" 2>"$T/cli$v.err" || fail "podmem on FIFOs exited $? (124: it hung)"
	check_json "$v" "$T/cli$v.json" "podmem --json"
	assert_eq "podmem's warnings about odd files (v$v)" 1 "$(grep -c 'not a regular file' "$T/cli$v.err")"
	# a symlinked memory.stat is not followed: that container has no memory.stat values
	c3=$(sed -n 3p "$T/ctrs$v")
	id=$(basename "$c3")
	assert_eq "values through a symlinked memory.stat (v$v)" null \
		"$(jq --arg id "$id" '[.pods[].containers[] | select(.container_id == $id)][0].active_anon' "$T/cli$v.json")"
	# podmem-execd: finishes
	timeout 20 "$B/podmem-execd" --once "${FIX_OPTS[@]}" >"$T/execd$v.lp" 2>"$T/execd$v.err" || fail "podmem-execd on FIFOs exited $?"
	assert_eq "podmem-execd's lines (v$v)" "$(jq '1 + ([.pods[] | 1 + (.containers | length)] | add)' "$T/cli$v.json")" "$(wc -l <"$T/execd$v.lp")"
	assert_eq "podmem-execd's warnings about odd files (v$v)" 1 "$(grep -c 'not a regular file' "$T/execd$v.err")"
	# a FIFO left must not have been opened for writing by anyone: it still has no reader waiting
	[ -p "$(cat "$T/pod$v")/memory.stat" ] || fail "the FIFO is gone"
done
note "podmem and podmem-execd skip a FIFO, a device and a symlink in place of cgroup files, v1 and v2, with one warning"

# collectd: its read thread does not hang, and it stops cleanly
if command -v collectd >/dev/null && [ -f "$B/podmem.so" ]; then
	. "$SRC/tests/integration/lib_collectd.sh"
	fix_opts "$T/v2"
	cd_conf "$T/cd.conf" 1 "CgroupRoot \"$T/v2/cgroup\"
ProcRoot \"$T/v2/proc\"
PodLogDir \"$T/v2/log/pods\"
ContainerLogDir \"$T/v2/log/containers\""
	cd_start "$T/cd.conf"
	web_usage() { [ -n "$(find "$CSV" -path "*/podmem-default_web-0/*" -name 'memory-usage-*' 2>/dev/null)" ]; }
	cd_wait 20 web_usage ||
		fail "collectd wrote no usage for the pod with a FIFO"
	cd_stop
	assert_eq "collectd's warnings about odd files" 1 "$(grep -c 'not a regular file' "$T/cd.conf.log")"
	note "collectd reads the pod with a FIFO and stops cleanly"
fi

# podmem-agentx: answers through snmpd
if command -v snmpd >/dev/null && [ -x "$B/podmem-agentx" ] && [ -f "$SHARED_MIBS/SNMPv2-SMI.txt" ]; then
	. "$SRC/tests/integration/lib_snmp.sh"
	fix_opts "$T/v1"
	snmpd_start
	agentx_start -i 1 "${FIX_OPTS[@]}"
	out=$(snmpget "${SNMP[@]}" -OQ -Ov -OU "$AGENT" "podmemPodUsage$(oid_str "$uid")") || fail "snmpget exited $?"
	assert_eq "podmemPodUsage of the pod with a FIFO" "$(jq --arg uid "$uid" '.pods[] | select(.pod_uid == $uid) | .usage' "$T/cli1.json")" "$out"
	agentx_stop
	note "podmem-agentx answers for the pod with a FIFO"
fi
