# Helpers for tests/integration/snmp_*.sh: sourced after lib.sh, never run.
#
# A private snmpd (AgentX master on a socket in $T, SNMP on a free loopback
# UDP port, its own persistent directory, no host configuration or MIBs),
# build/podmem-agentx attached to it, the net-snmp tools pointed at
# PODMEM-MIB, and the "grid" every comparison is made on: one line per value,
#   <table> TAB <pod key> TAB <container key> TAB <column> TAB <value>
# with table Info, Node, Pod or Container, and column the object's name
# without its table's prefix (podmemPodWorkingSet -> WorkingSet). It is made
# from the tools' output (snmp_grid, snmptable_grid) and, independently, from
# `podmem --json` and the catalogue (json_grid).

command -v snmpd >/dev/null || skip "snmpd is not installed (apt-get install snmpd)"
command -v snmpwalk >/dev/null || skip "the net-snmp tools are not installed (apt-get install snmp)"
command -v jq >/dev/null || skip "jq is not installed"
[ -x "$B/podmem-agentx" ] && [ -x "$B/podmem" ] || fail "build first: make build-all FRONTENDS=\"cli snmp\""
[ -f "$SHARED_MIBS/SNMPv2-SMI.txt" ] || skip "the IETF base MIBs are not in $SHARED_MIBS"

export LC_ALL=C
# nothing from the host: no snmp.conf, no MIB list, no /var/lib/snmp
export SNMPCONFPATH=$T/snmpconf SNMP_PERSISTENT_DIR=$T/snmpstate MIBS=
mkdir -p "$SNMPCONFPATH" "$SNMP_PERSISTENT_DIR/cert_indexes" # made, else the tools say they made it

MIB_DIR=$SRC/plugins/snmp/mibs
SNMP_PORT=$(free_port)
AGENT=127.0.0.1:$SNMP_PORT
AGENTX_SOCK=$T/agentx.sock
NOSUCH="No Such Instance currently exists at this OID"
# every tool: v2c, names through PODMEM-MIB; GRID_FMT is what snmp_grid reads
SNMP=(-v2c -c public -t 2 -r 1 -M "+$SHARED_MIBS:$MIB_DIR" -m PODMEM-MIB)
GRID_FMT=(-Os -Ob -Oe -OQ -OU)

SNMPD_PID="" AGENTX_PID="" # set by snmpd_start and agentx_start (lib.sh's daemon_start), stopped at exit

# snmpd_start: the master, configured by conf/snmp/podmem.conf
# on top of Debian's defaults (community "public", view "systemonly"), with
# its socket in $T; plus a read-write community, so that a SET reaches the
# subagent and is refused there, not by snmpd's access control; waits until
# the socket is there. Sets SNMPD_PID.
snmpd_start() {
	{
		printf 'agentaddress udp:%s\n' "$AGENT"
		printf 'view systemonly included .1.3.6.1.2.1.1\nrocommunity public 127.0.0.1 -V systemonly\n'
		printf 'rwcommunity private 127.0.0.1\n'
		sed "s|/run/agentx/master|$AGENTX_SOCK|" "$SRC/conf/snmp/podmem.conf"
		printf '[snmp] persistentDir %s\n[snmp] mibs :\n' "$SNMP_PERSISTENT_DIR"
	} >"$T/snmpd.conf"
	grep -q "^agentXSocket  $AGENTX_SOCK\$" "$T/snmpd.conf" || fail "no agentXSocket line in conf/snmp/podmem.conf"
	rm -f "$AGENTX_SOCK"
	daemon_start SNMPD_PID "" "$T/snmpd.log" "$T/snmpd.log" snmpd -f -Lo -C -c "$T/snmpd.conf"
	daemon_wait SNMPD_PID "$T/snmpd.log" 10 test -S "$AGENTX_SOCK" ||
		fail "snmpd did not open $AGENTX_SOCK: $(tail -5 "$T/snmpd.log")"
}
snmpd_stop() { # snmpd_stop [SIGNAL]: its exit status does not matter (KILL, say)
	daemon_stop SNMPD_PID "${1:-TERM}"
}

# answering: podmem-agentx answers through snmpd
answering() {
	case $(snmpget "${SNMP[@]}" -t 0.5 -r 0 -OQ "$AGENT" podmemVersion.0 2>&1) in *"podmemVersion.0 = "[0-9]*) ;; *) return 1 ;; esac
}

# agentx_start ARGS...: podmem-agentx (or $AGENTX_BIN) in the foreground on $AGENTX_SOCK with
# ARGS (-i, core options), stdout and stderr kept apart; waits until it
# answers through snmpd. Sets AGENTX_PID.
AGENTX_BIN=${AGENTX_BIN:-$B/podmem-agentx}
agentx_start() {
	daemon_start AGENTX_PID "" "$T/agentx.out" "$T/agentx.log" "$AGENTX_BIN" -f -x "$AGENTX_SOCK" "$@"
	daemon_wait AGENTX_PID "$T/agentx.log" 10 answering ||
		fail "podmem-agentx $* does not answer: $(tail -5 "$T/agentx.log")"
}
# agentx_stop: SIGTERM; it must exit 0, having written nothing to stdout
agentx_stop() {
	daemon_stop AGENTX_PID
	assert_eq "podmem-agentx exit status (log: $(tail -3 "$T/agentx.log"))" 0 "$DAEMON_RC"
	assert_eq "podmem-agentx's stdout" "" "$(cat "$T/agentx.out")"
}

# agentx_said LOG: podmem-agentx's log but for the lines of every run (connected,
# started, stopping): its warnings and errors
agentx_said() {
	grep -vE '^(NET-SNMP version .* AgentX subagent connected|podmem-agentx [^ ]+: [0-9]+ (pods|groups) under .*, sampling every .*|stopping)$' "$1" || true
}

# oid_str STRING: STRING as an index, as the agent encodes it: .LENGTH.BYTE...
oid_str() {
	printf '.%d' "${#1}"
	printf '%s' "$1" | od -An -tu1 -v | tr -s ' \n' '..' | sed 's/\.$//'
}

# snmp_grid: the grid of snmpwalk, snmpbulkwalk or snmpget output in GRID_FMT;
# an index is decoded as a manager does: a length, then that many bytes
snmp_grid() {
	awk '
	function str(   n, s, j) { n = a[p++]; s = ""; for (j = 0; j < n; j++) s = s chr[a[p++]]; return s }
	BEGIN { for (i = 1; i < 256; i++) chr[i] = sprintf("%c", i) }
	{
		eq = index($0, " = ")
		if (!eq) { print "unparsed: " $0; next }
		n = split(substr($0, 1, eq - 1), a, "."); name = a[1]; val = substr($0, eq + 3)
		if (val ~ /^No more variables left in this MIB View/) next # a walk reaching the end of the view
		if (n == 2 && a[2] == "0") {
			if (name ~ /^podmemNode/) print "Node\t\t\t" substr(name, 11) "\t" val
			else print "Info\t\t\t" substr(name, 7) "\t" val
			next
		}
		p = 2
		if (name ~ /^podmemContainer/) { k = str(); print "Container\t" k "\t" str() "\t" substr(name, 16) "\t" val }
		else if (name ~ /^podmemPod/) print "Pod\t" str() "\t\t" substr(name, 10) "\t" val
		else print "unparsed: " $0
	}'
}

# snmptable_grid: the grid of `snmptable -Cb -Ci -Cf TAB -OU -Oe` output; "?" cells are absent
snmptable_grid() {
	awk -F '\t' '
	NR <= 2 { next }
	NR == 3 { for (i = 2; i <= NF; i++) col[i] = $i; t = $0 ~ /\tSandbox\t/ ? "Container" : "Pod"; next }
	{
		idx = $1; gsub(/^"|"$/, "", idx)
		if (t == "Container") { split(idx, k, "\".\""); k1 = k[1]; k2 = k[2] } else { k1 = idx; k2 = "" }
		for (i = 2; i <= NF; i++) if ($i != "?") print t "\t" k1 "\t" k2 "\t" col[i] "\t" $i
	}'
}

# catalogue_names LEVEL: the catalogue metrics of LEVEL (NODE or CG), in catalogue order
catalogue_names() {
	catalogue | awk -F'\t' -v level="$1" '$4 ~ level { printf "%s ", $1 }'
}

# json_grid JSON [INTERVAL]: the grid `podmem --json` output says the MIB
# holds, every column of every row: an absent metric as $NOSUCH
json_grid() {
	jq -r --arg cg "$(catalogue_names CG)" --arg node "$(catalogue_names NODE)" --arg nosuch "$NOSUCH" \
		--arg interval "${2:-1}" '
	def camel: split("_") | map((.[:1] | ascii_upcase) + .[1:]) | join("");
	def qos: {"": 1, "guaranteed": 2, "burstable": 3, "besteffort": 4}[.];
	def runtime: {"": 1, "containerd": 2, "crio": 3, "docker": 4}[.];
	def truth: if . then 1 else 2 end;
	def metrics($o; $names): $names | split(" ")[] | select(. != "") as $m
		| [($m | camel), (if $o | has($m) then $o[$m] else $nosuch end)];
	def pkey: if .kind == "pod" and .pod_uid != "" then .pod_uid else .pod end;
	def ckey: if .container_id != "" then .container_id else .container end;
	( ((["Version", .podmem], ["CgroupVersion", .cgroup_version], ["CgroupRoot", .cgroup_root],
	    ["Kubernetes", (.kubernetes | truth)], ["SampleInterval", $interval], ["PodCount", (.pods | length)],
	    ["ContainerCount", ([.pods[].containers | length] | add // 0)]) | ["Info", "", ""] + .),
	  (metrics(.node // {}; $node) | ["Node", "", ""] + .),
	  (.pods[] as $p | ($p | pkey) as $k
	   | ((["Kind", (if $p.kind == "group" then 2 else 1 end)], ["Namespace", $p.namespace], ["Name", $p.pod],
	       ["Uid", $p.pod_uid], ["Qos", ($p.qos | qos)], ["Cgroup", $p.cgroup],
	       ["Containers", ($p.containers | length)], metrics($p; $cg))
	      | ["Pod", $k, ""] + .),
	     ($p.containers[] as $c
	      | (["Namespace", $p.namespace], ["Pod", $p.pod], ["PodUid", $p.pod_uid], ["Qos", ($p.qos | qos)],
	         ["Name", $c.container], ["Id", $c.container_id], ["Runtime", ($c.runtime | runtime)],
	         ["Sandbox", ($c.sandbox | truth)], metrics($c; $cg))
	      | ["Container", $k, ($c | ckey)] + .)))
	| map(tostring) | join("\t")' "$1"
}

# grid_oids GRID: the instance names of a grid's lines (podmemPodUsage.36.50...), one a line
grid_oids() {
	awk -F '\t' '
	function enc(s,   r, j) { r = "." length(s); for (j = 1; j <= length(s); j++) r = r "." ord[substr(s, j, 1)]; return r }
	BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
	$1 == "Info" { print "podmem" $4 ".0"; next }
	$1 == "Node" { print "podmemNode" $4 ".0"; next }
	$1 == "Pod" { print "podmemPod" $4 enc($2); next }
	{ print "podmemContainer" $4 enc($2) enc($3) }' "$1"
}

# grid_diff WHAT EXPECTED GOT [TOLERANCE]: fails, naming the differences,
# unless both grids hold the same lines. With TOLERANCE (a fraction), for
# two samples of a live node: a metric value may differ by that much of the
# expected value, or 1 MiB, and a node value (the whole machine's) need
# only be there.
grid_diff() {
	local what=$1 exp=$2 got=$3 tol=${4:-0} problems
	problems=$(awk -F '\t' -v tol="$tol" '
	function metric(col) { return col !~ /^(Kind|Namespace|Name|Uid|Qos|Cgroup|Containers|Pod|PodUid|Id|Runtime|Sandbox|Version|CgroupVersion|CgroupRoot|Kubernetes|SampleInterval|PodCount|ContainerCount)$/ }
	function close_enough(a, b, d) { d = a - b; if (d < 0) d = -d; return d <= b * tol || d <= 1048576 }
	{ k = $1 "|" $2 "|" $3 "|" $4 }
	NR == FNR { want[k] = $5; next }
	{
		if (k in seen) { print "twice: " k; next }
		seen[k] = 1
		if (!(k in want)) print "unexpected: " k " = " $5
		else if ($5 != want[k] && !(tol > 0 && metric($4) && $5 ~ /^[0-9]+$/ && want[k] ~ /^[0-9]+$/ &&
					    ($1 == "Node" || close_enough($5, want[k]))))
			print "wrong: " k " = " $5 ", expected " want[k]
	}
	END { for (k in want) if (!(k in seen)) print "missing: " k " = " want[k] }' "$exp" "$got" | sort | awk 'NR <= 20')
	[ -z "$problems" ] || fail "$(printf '%s: %s lines expected, %s got; first differences:\n%s' "$what" \
		"$(wc -l <"$exp")" "$(wc -l <"$got")" "$problems")"
}

# snmp_check_all JSON [TOLERANCE]: snmpwalk, snmpbulkwalk, snmpget and
# snmptable each return every row and column, with the values of JSON
# (`podmem --json` of the same tree). The sample time is checked for form only.
snmp_check_all() {
	local json=$1 tol=${2:-0} d=$T/check
	mkdir -p "$d"
	json_grid "$json" >"$d/full"
	grep -v "	$NOSUCH\$" "$d/full" >"$d/present"
	[ "$(grep -c '^Pod	' "$d/present")" -gt 0 ] || fail "no pods in $json"

	snmpwalk "${SNMP[@]}" "${GRID_FMT[@]}" "$AGENT" podmemObjects >"$d/walk.out" || fail "snmpwalk exited $?"
	assert_contains "podmemSampleTime (DateAndTime, UTC)" "$(grep '^podmemSampleTime.0 = ' "$d/walk.out")" ",+0:0"
	grep -v '^podmemSampleTime.0 = ' "$d/walk.out" | snmp_grid >"$d/walk"
	grid_diff "snmpwalk podmemObjects" "$d/present" "$d/walk" "$tol"

	snmpbulkwalk "${SNMP[@]}" -Cr25 "${GRID_FMT[@]}" "$AGENT" podmemObjects >"$d/bulk.out" || fail "snmpbulkwalk exited $?"
	grep -v '^podmemSampleTime.0 = ' "$d/bulk.out" | snmp_grid >"$d/bulk"
	grid_diff "snmpbulkwalk podmemObjects" "$d/present" "$d/bulk" "$tol"

	# every column of every row, absent ones included: those are noSuchInstance
	grid_oids "$d/full" | xargs -n 40 snmpget "${SNMP[@]}" "${GRID_FMT[@]}" "$AGENT" >"$d/get.out" ||
		fail "snmpget exited $?"
	snmp_grid <"$d/get.out" >"$d/get"
	grid_diff "snmpget of every column of every row" "$d/full" "$d/get" "$tol"

	local t
	for t in Pod Container; do
		snmptable "${SNMP[@]}" -Cb -Ci -Cf "$(printf '\t')" -OU -Oe "$AGENT" "podmem${t}Table" >"$d/table$t.out" ||
			fail "snmptable podmem${t}Table exited $?"
		snmptable_grid <"$d/table$t.out" >"$d/table$t"
		grep "^$t	" "$d/present" >"$d/present$t"
		grid_diff "snmptable podmem${t}Table" "$d/present$t" "$d/table$t" "$tol"
	done
	note "$(awk -F '\t' '$1 == "Pod" { p[$2] } $1 == "Container" { c[$2 FS $3] }
		END { printf "%d pods, %d containers, %d values", length(p), length(c), NR }' "$d/present") agree with podmem --json in snmpwalk, snmpbulkwalk, snmpget and snmptable"
}
