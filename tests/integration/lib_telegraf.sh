# Helpers for podmem-execd's integration tests (tests/integration/telegraf_*.sh),
# sourced after tests/integration/lib.sh. Never run.

EXECD=$B/podmem-execd
[ -x "$EXECD" ] || fail "$EXECD is not built (make build-all)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"

# The names mktree.sh --hostile gives its fourth pod's log entries, exactly:
# not Kubernetes names, so podmem shows that pod by its UID, its containers
# by their IDs. And the two groups it adds with --no-kube, shown by name.
HOSTILE_NS='ns with space,comma=eq'
HOSTILE_POD='pod "quoted" \back\slash,é=ü 漢字'
HOSTILE_CTR='ctr=1, "two"\three'
HOSTILE_UID=4d5e6f70-8192-43a4-b5c6-0000000000d4
HOSTILE_GROUP='grp with space,comma=eq "quoted" \back\slash,é=ü 漢字'
ODD_GROUP=$'grp\n7f9c\tx\\'

# fixture_set DIR: the fixture nodes every format is checked on, one directory
# each under DIR, named as in FIXTURES:
#   v1-hostile, v2-hostile  mktree.sh --hostile on cgroup v1 (cgroupfs: the
#                           runtime unknown) and v2 (systemd, CRI-O: known)
#   v2-nokube               a host with no kubepods tree: groups, empty tags;
#                           two groups named HOSTILE_GROUP and ODD_GROUP
#   v2-oddnames             a pod log directory named with a newline, a tab
#                           and a trailing backslash (not trusted: the UID),
#                           and a pod with no log directory (no namespace;
#                           its UID as the name)
fixture_set() {
	local d=$1
	"$SRC/tests/fixtures/mktree.sh" "$d/v1-hostile" --version 1 --hostile
	"$SRC/tests/fixtures/mktree.sh" "$d/v2-hostile" --version 2 --hostile --driver systemd --runtime crio
	"$SRC/tests/fixtures/mktree.sh" "$d/v2-nokube" --version 2 --no-kube --hostile
	"$SRC/tests/fixtures/mktree.sh" "$d/v2-oddnames" --version 2
	local pods=$d/v2-oddnames/log/pods uid=3c4d5e6f-7081-4293-a4b5-0000000000c3
	mv "$pods/batch_job-7f9c_$uid" "$pods/batch_job"$'\n'"7f9c"$'\t'"x\\_$uid"
	rm -r "$pods/default_web-0_2a3b4c5d-6e7f-4081-9293-0000000000b2"
}
FIXTURES=(v1-hostile v2-hostile v2-nokube v2-oddnames)


# batch_lines JSON_FILE: how many lines one influx batch of that sample has
batch_lines() {
	jq '(if .node then 1 else 0 end) + ([.pods[] | 1 + (.containers // [] | length)] | add // 0)' "$1"
}

# ---- podmem-execd driven as Telegraf's execd drives it ------------------------
# execd_start ARGS...: starts podmem-execd (daemon_start) with its stdin and
# stdout on FIFOs held by this shell: EX_TO (write a line to ask for a batch),
# EX_FROM (read the batches); EX_PID; stderr in $T/execd.err, emptied first.
# Killed at exit if still running.
execd_start() {
	rm -f "$T/ex.in" "$T/ex.out"
	mkfifo "$T/ex.in" "$T/ex.out"
	: >"$T/execd.err"
	daemon_start EX_PID "$T/ex.in" "$T/ex.out" "$T/execd.err" "$EXECD" "$@"
	exec {EX_TO}>"$T/ex.in" {EX_FROM}<"$T/ex.out"
}

# execd_read N FILE: reads N lines of output into FILE, 10 s at most for each
execd_read() {
	local n=$1 out=$2 line i
	: >"$out"
	for ((i = 0; i < n; i++)); do
		IFS= read -r -t 10 line <&"$EX_FROM" || fail "podmem-execd gave $i of $n lines: $(cat "$T/execd.err")"
		printf '%s\n' "$line" >>"$out"
	done
}

# execd_batch N FILE: asks for one batch (a newline on stdin, as Telegraf's
# signal = "STDIN" does) and reads its N lines into FILE
execd_batch() {
	printf '\n' >&"$EX_TO"
	execd_read "$1" "$2"
}

# execd_finish [REST_FILE]: closes stdin (Telegraf's way of stopping the
# program) and asserts that it exits 0; what it still writes is appended to
# REST_FILE, or else must be nothing
execd_finish() {
	local rest=${1:-$T/ex.rest} rc=0
	exec {EX_TO}>&-
	timeout 10 cat <&"$EX_FROM" >>"$rest" || fail "podmem-execd did not close its stdout at the end of stdin"
	exec {EX_FROM}<&-
	[ -n "${1:-}" ] || assert_eq "output after the last batch" "" "$(cat "$rest")"
	wait "$EX_PID" || rc=$?
	EX_PID=
	assert_eq "exit status at the end of stdin" 0 "$rc"
}

# batch_time FILE: the one timestamp of an influx batch; fails if the lines disagree
batch_time() {
	local ts
	ts=$(awk '{print $NF}' "$1" | sort -u)
	[ "$(printf '%s\n' "$ts" | wc -l)" = 1 ] || fail "one batch, several timestamps: $ts"
	[[ $ts =~ ^[0-9]{19}$ ]] || fail "bad timestamp '$ts'"
	printf '%s\n' "$ts"
}

# ---- what podmem --json says, in each format's terms ------------------------
# The identity of a pod (and container) as [key, value] pairs sorted by key,
# for jq; a container's sandbox (a JSON boolean) as the text "true"/"false".
JQ_IDENTITY='
def identity($p; $c): [["container", ($c.container // "")], ["container_id", ($c.container_id // "")],
	["namespace", $p.namespace], ["pod", $p.pod], ["pod_uid", $p.pod_uid], ["qos", $p.qos],
	["runtime", ($c.runtime // "")], ["sandbox", (if $c | has("sandbox") then $c.sandbox | tostring else "" end)]];
def metrics: to_entries[] | select(.value | type == "number");
'

# json_influx < JSON: "measurement|tags|field=value" for every value, with the
# line-protocol rules for what a tag cannot hold (see pm_execd_text.h)
json_influx() {
	jq -r "$JQ_IDENTITY"'
	def lp: gsub("\n"; "\\n") | gsub("\t"; "\\t") | gsub("\r"; "\\r") | gsub("\f"; "\\f") | sub("\\\\+$"; "");
	def tags($p; $c): identity($p; $c) | map([.[0], (.[1] | lp)] | select(.[1] != "") | "\(.[0])=\(.[1])") | join(",");
	(.node // {} | metrics | "podmem_node||\(.key)=\(.value)"),
	(.pods[] as $p | ($p | metrics | "podmem_pod|\(tags($p; {}))|\(.key)=\(.value)"),
	 ($p.containers[]? as $c | $c | metrics | "podmem_container|\(tags($p; $c))|\(.key)=\(.value)"))'
}

# catalogue_json: {"name": {"unit": "BYTES", "kind": "GAUGE"}, ...} read from
# pm_catalog.def itself, not from the code under test
catalogue_json() {
	catalogue | jq -R -s 'split("\n") | map(select(. != "") | split("\t") | {(.[0]): {unit: .[1], kind: .[2]}}) | add'
}

# json_prometheus < JSON: every sample line the Prometheus text must hold
json_prometheus() {
	jq -r --argjson cat "$(catalogue_json)" "$JQ_IDENTITY"'
	def esc: gsub("\\\\"; "\\\\") | gsub("\""; "\\\"") | gsub("\n"; "\\n");
	def labels($p; $c): identity($p; $c) | map(select(.[1] != "") | "\(.[0])=\"\(.[1] | esc)\"")
		| if length == 0 then "" else "{" + join(",") + "}" end;
	def suffix($m): (if $cat[$m].unit == "BYTES" then "_bytes" elif $cat[$m].unit == "USEC" then "_seconds" else "" end)
		+ (if $cat[$m].kind == "COUNTER" then "_total" else "" end);
	def value($m; $v): if $cat[$m].unit == "USEC"
		then ($v % 1000000 | tostring) as $f | "\($v / 1000000 | floor).\("000000"[0:6 - ($f | length)])\($f)"
		else $v | tostring end;
	def samples($level; $o; $labels): $o | metrics
		| "podmem_\($level)_\(.key)\(suffix(.key))\($labels) \(value(.key; .value))";
	samples("node"; .node // {}; ""),
	(.pods[] as $p | samples("pod"; $p; labels($p; {})),
	 ($p.containers[]? as $c | samples("container"; $c; labels($p; $c))))'
}

# assert_same_lines WHAT EXPECTED_FILE ACTUAL_FILE: the same lines, in any order
assert_same_lines() {
	local d
	d=$(diff <(LC_ALL=C sort "$2") <(LC_ALL=C sort "$3")) ||
		fail "$1: expected (<) and got (>) differ:
$(printf '%s\n' "$d" | head -40)"
	[ -s "$2" ] || fail "$1: nothing expected: the reference is empty"
}

# ---- a private InfluxDB 1.x: own dirs, own ports, loopback only --------------
# influx_need: skips unless influxd and curl are here
influx_need() {
	command -v influxd >/dev/null || skip "influxd is not installed (apt-get install influxdb)"
	command -v curl >/dev/null || skip "curl is not installed"
}

# influx_start: starts influxd (stopped at exit) and waits for it; sets URL
influx_start() {
	local http rpc
	http=$(free_port)
	rpc=$(free_port)
	[ "$http" != "$rpc" ] || rpc=$(free_port)
	mkdir -p "$T/influx"
	cat >"$T/influx/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:$rpc"
[meta]
  dir = "$T/influx/meta"
[data]
  dir = "$T/influx/data"
  wal-dir = "$T/influx/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$http"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
EOF
	influxd run -config "$T/influx/influxdb.conf" >"$T/influx/influxd.log" 2>&1 &
	at_exit "kill_pid $!"
	URL=http://127.0.0.1:$http
	wait_for 20 curl -sf -o /dev/null "$URL/ping" || fail "influxd did not start: $(tail -5 "$T/influx/influxd.log")"
}

# influx_query DB Q: the JSON answer; fails on an error in it
influx_query() {
	local out
	out=$(curl -sS -G "$URL/query" --data-urlencode "db=$1" --data-urlencode "q=$2") || fail "query '$2' failed"
	[ "$(jq -r '[.error, .results[]?.error] | map(select(. != null)) | length' <<<"$out")" = 0 ] ||
		fail "query '$2': $out"
	printf '%s\n' "$out"
}

# influx_write DB FILE: POSTs line protocol; InfluxDB must take every point (204)
influx_write() {
	local code
	code=$(curl -sS -o "$T/write.out" -w '%{http_code}' -XPOST "$URL/write?db=$1&precision=ns" \
		--data-binary "@$2") || fail "POST /write failed"
	assert_eq "POST /write of $2 ($(cat "$T/write.out"))" 204 "$code"
}
