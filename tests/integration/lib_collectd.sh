# Helpers for tests/integration/collectd_*.sh: sourced after lib.sh, never run.
# A private collectd (own BaseDir, csv DataDir, unixsock socket, log) that
# loads build/podmem.so, and the tables the tests compare: what arrived in the
# csv files, and what `podmem --json` says for the same tree.

command -v collectd >/dev/null || skip "collectd is not installed (apt-get install collectd-core)"
command -v collectdctl >/dev/null || skip "collectdctl is not installed (apt-get install --no-install-recommends collectd-utils)"
command -v jq >/dev/null || skip "jq is not installed"
[ -f "$B/podmem.so" ] && [ -x "$B/podmem" ] || fail "build first: make build-all FRONTENDS=\"cli collectd\""

CD_HOST=testhost
CD_SOCK=$T/cd/sock
CSV=$T/csv

# cd_base FILE INTERVAL BODY: writes a private collectd configuration:
# logfile (info, to FILE.log), csv into $CSV, unixsock at $CD_SOCK, then
# BODY with the build directory as PluginDir (podmem.so is there).
cd_base() {
	cat >"$1" <<EOF
Hostname "$CD_HOST"
FQDNLookup false
BaseDir "$T/cd"
PIDFile "$T/cd/collectd.pid"
Interval $2
PluginDir "/usr/lib/collectd"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$1.log"
  PrintSeverity true
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$CSV"
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$CD_SOCK"
  SocketGroup "$(id -gn)"
</Plugin>
PluginDir "$B"
$3
EOF
}

# cd_conf FILE INTERVAL PODMEM_BLOCK [EXTRA]: cd_base with podmem loaded and
# PODMEM_BLOCK as the body of <Plugin podmem>; EXTRA goes last (chains, more
# plugins from collectd's own directory).
cd_conf() {
	cd_base "$1" "$2" "LoadPlugin podmem
<Plugin podmem>
$3
</Plugin>
PluginDir \"/usr/lib/collectd\"
${4:-}"
}

# cd_start CONF [WRAPPER...]: starts collectd -f on CONF (under WRAPPER, e.g.
# valgrind) with its output in CONF.out, sets CD_PID; it is stopped at exit
# if the test does not stop it.
cd_start() {
	CD_CONF=$1; shift
	rm -rf "$CSV" "$T/cd"
	: >"$CD_CONF.out"
	daemon_start CD_PID "" "$CD_CONF.out" "$CD_CONF.out" "$@" collectd -f -C "$CD_CONF"
}

# cd_halt: SIGTERM, and wait for collectd's exit status in CD_RC
cd_halt() {
	daemon_stop CD_PID TERM
	CD_RC=$DAEMON_RC
}

# cd_stop: cd_halt, and collectd must exit 0 ("Exiting normally")
cd_stop() {
	cd_halt
	assert_eq "collectd exit status (log: $(tail -3 "$CD_CONF.log" 2>/dev/null))" 0 "$CD_RC"
}

# cd_wait SECONDS CMD...: polls CMD until it succeeds (1 after SECONDS), but
# fails at once if collectd has exited
cd_wait() { daemon_wait CD_PID "$CD_CONF.log" "$@"; }

# cd_listval: the identifiers in collectd's cache now
cd_listval() { collectdctl -s "$CD_SOCK" listval; }

# log_errors CONF: the log's error and warning lines, and dropped values
# (but not -T's known race: values still queued when it stops the writers)
log_errors() {
	grep -E '\[(error|warning)\]|Dataset not found|check your types.db' "$1.log" |
		grep -v 'value lists were left after shutting down the write threads' || true
}

# csv_files: every podmem csv file written so far
csv_files() { find "$CSV" -path '*/podmem-*' -type f 2>/dev/null | sort; }

# csv_table [EPOCH]: one line per csv file, "host<TAB>instance<TAB>type<TAB>type
# instance<TAB>value", from the row at EPOCH ("-" if the file has none), or
# else its last row. Values are printed as integers (gauges are written as %f).
csv_table() {
	local e=${1:-} f rel host inst file type ti row
	while IFS= read -r f; do
		rel=${f#"$CSV"/}
		host=${rel%%/*}
		inst=${rel#*/}; inst=${inst%%/*}; inst=${inst#podmem-}
		file=${f##*/}; file=${file%-????-??-??}
		type=${file%%-*}; ti=${file#*-}
		if [ -n "$e" ]; then
			row=$(grep -m1 "^$e," "$f" || echo "$e,-")
		else
			row=$(tail -n1 "$f")
		fi
		printf '%s\t%s\t%s\t%s\t%s\n' "$host" "$inst" "$type" "$ti" "${row#*,}"
	done < <(csv_files) | awk -F'\t' -v OFS='\t' '{ sub(/\.0+$/, "", $5); print }'
}

# cd_catalogue: "name<TAB>collectd type<TAB>levels" for every metric of
# the catalogue: counters are derive, bytes memory, the rest gauge
cd_catalogue() {
	catalogue | awk -F'\t' -v OFS='\t' '{ print $1, $3 == "COUNTER" ? "derive" : $2 == "BYTES" ? "memory" : "gauge", $4 }'
}

# The key of a cgroup in the tables below: "node"; "UID" for a pod and
# "UID|CONTAINER_ID|RUNTIME|SANDBOX" for a container (an unknown runtime, which
# has no meta data, as target_set leaves it: "%{meta:runtime}"); "group:INSTANCE"
# for a group and its children on a host without Kubernetes, whose names are plain.
JQ_KEYS='def key: if .pod_uid == "" then "group:" + .pod else .pod_uid end;
	def ckey($p): if $p.pod_uid == "" then "group:" + $p.pod + "_" + .container
		else [$p.pod_uid, .container_id, (if .runtime == "" then "%{meta:runtime}" else .runtime end),
		      (.sandbox | tostring)] | join("|") end;'

# json_table JSON: what collectd should carry for the sample JSON, one line
# per value: "key<TAB>type<TAB>metric<TAB>value"
json_table() {
	jq -r "$JQ_KEYS"'
		def nums($k; $lv): to_entries[] | select(.value | type == "number") | [$k, $lv, .key, .value];
		(.node | nums("node"; "NODE")),
		(.pods[] | . as $p | nums(key; "CG"), (.containers[]? | nums(ckey($p); "CG")))
		| @tsv' "$1" |
		awk -F'\t' -v OFS='\t' 'NR == FNR { type[$1] = $2; lv[$1] = $3; next }
			($3 in type) && index(lv[$3], $2) { print $1, type[$3], $3, $4 }' <(cd_catalogue) -
}

# json_names JSON: "key<TAB>namespace<TAB>pod<TAB>container" for every pod,
# container and group
json_names() {
	jq -r "$JQ_KEYS"'.pods[] | . as $p | [key, .namespace, .pod, ""],
		(.containers[]? | [ckey($p), $p.namespace, $p.pod, .container]) | @tsv' "$1"
}

# The PostCache chain that makes the meta data visible in the csv tree: each
# pod's and container's "usage" value is written under the host "POD_UID" or
# "POD_UID|CONTAINER_ID|RUNTIME|SANDBOX", taken from its meta data (sandbox
# is "true" or "false"). target_set fills one %{meta:...} at a time into 128
# bytes, in the meta data's order, so a container's host is set in two steps,
# the runtime and sandbox first.
IDENTITY_CHAIN='LoadPlugin match_regex
LoadPlugin target_set
<Chain "PostCache">
  <Rule "container_identity">
    <Match "regex">
      Plugin "^podmem$"
      TypeInstance "^usage$"
      MetaData "pod_uid" "."
      MetaData "container_id" "."
      MetaData "sandbox" "^(true|false)$"
    </Match>
    <Target "set">
      Host "%{meta:runtime}|%{meta:sandbox}"
    </Target>
    <Target "set">
      Host "%{meta:pod_uid}|%{meta:container_id}|%{host}"
    </Target>
  </Rule>
  <Rule "pod_identity">
    <Match "regex">
      Host "^'$CD_HOST'$"
      Plugin "^podmem$"
      TypeInstance "^usage$"
      MetaData "pod_uid" "."
    </Match>
    <Target "set">
      Host "%{meta:pod_uid}"
    </Target>
  </Rule>
  Target "write"
</Chain>'

# keyed_table TABLE: csv_table's lines as json_table's "key<TAB>type<TAB>
# metric<TAB>value", the instance resolved to its key through the identity
# hosts; an instance with no identity is "node" or a group.
keyed_table() {
	awk -F'\t' -v OFS='\t' -v host="$CD_HOST" '
		NR == FNR { if ($1 != host) key[$2] = $1; next }
		{ k = ($2 in key) ? key[$2] : $2 == "node" ? "node" : "group:" $2; print k, $3, $4, $5 }' "$1" "$1"
}

# instances TABLE: "key<TAB>instance" for every pod, container and group
instances() {
	awk -F'\t' -v OFS='\t' -v host="$CD_HOST" '
		NR == FNR { if ($1 != host) key[$2] = $1; next }
		$2 != "node" && !seen[$2]++ { print (($2 in key) ? key[$2] : "group:" $2), $2 }' "$1" "$1"
}

# compare_values BEFORE AFTER GOT NODE_SLACK: the values in GOT (keyed_table)
# must be exactly those of BEFORE and AFTER (json_table of a sample taken
# before and after the read), each within [min - slack, max + slack], where
# the node's bytes get NODE_SLACK bytes and everything else none. Prints what
# is wrong, one line each.
compare_values() {
	awk -F'\t' -v node_slack="$4" '
		FNR == 1 { f++ }
		f == 1 { a[$1 FS $2 FS $3] = $4; next }
		f == 2 { b[$1 FS $2 FS $3] = $4; next }
		{ k = $1 FS $2 FS $3; seen[k] = 1
		  if (!(k in a) || !(k in b)) { print "unexpected: " k " = " $4; next }
		  lo = a[k] + 0 < b[k] + 0 ? a[k] : b[k]; hi = a[k] + 0 < b[k] + 0 ? b[k] : a[k]
		  s = ($1 == "node" && $2 == "memory") ? node_slack : 0
		  if ($4 == "-" || $4 + 0 < lo - s || $4 + 0 > hi + s) print "wrong: " k " = " $4 ", podmem --json: " lo " .. " hi }
		END { for (k in a) if ((k in b) && !(k in seen)) print "missing: " k " = " a[k] }' "$1" "$2" "$3"
}

# as_instances JSON: the sample with each group named as collectd's plugin
# instance must name it (the tests' keys for groups are their instances): a
# name with bytes an identifier cannot carry has them as '_', one longer than
# 127 bytes is cut (at a character) to 110, and either gets '~' and the first
# 16 hex digits of the SHA-256 of the name (pm_cd_names.c, written again here)
as_instances() {
	python3 -c '
import hashlib, json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8", errors="strict"))
def inst(name):
    b = name.encode()
    safe = "".join(ch if ord(ch) > 0x7f or (0x20 < ord(ch) < 0x7f and ch not in "/\"\\~") else "_" for ch in name)
    if safe == name and len(b) <= 127:
        return name
    out = ""
    for ch in safe:
        if len((out + ch).encode()) > 110:
            break
        out += ch
    return out + "~" + hashlib.sha256(b).hexdigest()[:16]
for p in doc["pods"]:
    if p["kind"] == "group":
        p["pod"] = inst(p["pod"])
json.dump(doc, sys.stdout, ensure_ascii=False)
' "$1"
}

# check_instances DIR JSON TABLE: each pod, container and group of the
# sample JSON has one plugin instance of its own in TABLE (csv_table):
# <namespace>_<pod>[_<container>] where the names are plain and fit, else a
# safe name of at most 127 bytes ending in "~" and 16 hex digits. Leaves
# DIR/instances.tsv ("key<TAB>instance") and DIR/names.tsv (json_names).
check_instances() {
	local dir=$1 bad
	instances "$3" | sort >"$dir/instances.tsv"
	json_names "$2" | sort >"$dir/names.tsv"
	assert_eq "cgroups with an identity" "$(cut -f1 "$dir/names.tsv")" "$(cut -f1 "$dir/instances.tsv")"
	assert_eq "distinct plugin instances" "$(wc -l <"$dir/names.tsv")" "$(cut -f2 "$dir/instances.tsv" | sort -u | wc -l)"
	bad=$(join -t $'\t' "$dir/names.tsv" "$dir/instances.tsv" | LC_ALL=C awk -F'\t' '
		{ want = ""; plain = 1
		  for (i = 2; i <= 4; i++) if ($i != "") { want = want (want == "" ? "" : "_") $i; if ($i !~ /^[A-Za-z0-9.-]+$/) plain = 0 }
		  if (plain && length(want) <= 127) { if ($5 != want) print "want " want ", got " $5 }
		  else if ($5 !~ /^[^\/"\\ ~[:cntrl:]]+~[0-9a-f]+$/ || length($5) > 127 || length($5) - index($5, "~") != 16)
			print "unsafe " $5 }')
	[ -z "$bad" ] || fail "plugin instances: $bad"
}
